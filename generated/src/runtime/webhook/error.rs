//! What can go wrong when a delivery is checked, and when it is then parsed.

use std::fmt;

/// One of the three headers that carry a delivery's signature.
///
/// Each can be sent under its Standard Webhooks name (`webhook-id`) or under
/// the Svix name (`svix-id`); see [`name`](Self::name) and
/// [`svix_name`](Self::svix_name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookHeader {
    /// `webhook-id` (or `svix-id`): the message id, also signed.
    Id,
    /// `webhook-timestamp` (or `svix-timestamp`): when the message was
    /// signed, in integer Unix seconds.
    Timestamp,
    /// `webhook-signature` (or `svix-signature`): the space-separated list
    /// of `v1,<base64>` signatures.
    Signature,
}

impl WebhookHeader {
    /// The Standard Webhooks name of the header, such as `webhook-id`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Id => "webhook-id",
            Self::Timestamp => "webhook-timestamp",
            Self::Signature => "webhook-signature",
        }
    }

    /// The Svix name of the header, such as `svix-id`.
    pub const fn svix_name(self) -> &'static str {
        match self {
            Self::Id => "svix-id",
            Self::Timestamp => "svix-timestamp",
            Self::Signature => "svix-signature",
        }
    }
}

impl fmt::Display for WebhookHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a delivery was rejected, or a secret refused.
///
/// None of the variants carries the secret or the expected signature, so
/// this error can be logged and returned as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The secret given to [`Webhook::new`](super::Webhook::new) is not
    /// `whsec_` followed by standard base64 (with padding), nor that base64
    /// alone, or it decodes to an empty key.
    #[error(
        "malformed webhook secret: expected `whsec_` followed by the base64 of a non-empty key"
    )]
    MalformedSecret,
    /// The header is absent, under both its `webhook-` and its `svix-` name.
    #[error("missing {} header (or {})", .0.name(), .0.svix_name())]
    MissingHeader(WebhookHeader),
    /// The header with this name appears more than once, which makes it
    /// ambiguous (even when the values are equal).
    #[error("{0} header present more than once")]
    DuplicateHeader(&'static str),
    /// The header is present under both its `webhook-` and its `svix-` name,
    /// with different values.
    #[error("{} and {} headers differ", .0.name(), .0.svix_name())]
    ConflictingHeaders(WebhookHeader),
    /// The timestamp header is not a non-negative integer number of seconds
    /// written in plain decimal digits (no sign, no leading zero, no
    /// fraction) that fits in a `u64`.
    #[error("malformed webhook timestamp: expected integer Unix seconds")]
    MalformedTimestamp,
    /// The timestamp is further in the past than the tolerance allows: a
    /// replay, a long delay, or a receiver clock running ahead.
    #[error("webhook timestamp too old: beyond the tolerance before now")]
    TimestampTooOld,
    /// The timestamp is further in the future than the tolerance allows: a
    /// receiver clock running behind, or a forged timestamp.
    #[error("webhook timestamp too new: beyond the tolerance after now")]
    TimestampTooNew,
    /// No signature matched, and the signature header is not a
    /// space-separated list of `version,signature` entries, or one of its
    /// `v1` entries is not the standard base64 of a 32-byte HMAC-SHA256.
    #[error("malformed webhook signature header")]
    MalformedSignature,
    /// The signature header is well formed, but none of its `v1` entries
    /// (possibly none at all) is the signature of this delivery under this
    /// secret: a wrong secret, or tampered content.
    #[error("no matching webhook signature")]
    NoMatchingSignature,
}

/// Why [`Webhook::verify_and_parse`](super::Webhook::verify_and_parse)
/// produced no event: the delivery is not authentic, or it is but its body
/// is not an event this crate can parse.
///
/// The two usually call for different answers: a verification failure is the
/// sender's (or an attacker's) problem and deserves a `4xx`, while a parse
/// failure of an authentic delivery means this crate is out of date.
///
/// `Display` says which of the two happened; [`source`](std::error::Error::source)
/// is the error behind it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature check failed; the body was not parsed.
    #[error("webhook rejected")]
    Verify(#[from] VerifyError),
    /// The signature is valid, but the body could not be parsed.
    #[error("authentic webhook not parsed")]
    Parse(#[from] crate::Error),
}
