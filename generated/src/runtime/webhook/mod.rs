//! Verifying the signature Gigs puts on every webhook delivery.
//!
//! Gigs delivers webhooks through Svix, following the
//! [Standard Webhooks](https://www.standardwebhooks.com) specification. Each
//! delivery carries three headers: `webhook-id`, `webhook-timestamp` (integer
//! Unix seconds) and `webhook-signature`, a space-separated list of
//! `v1,<base64>` entries, each an HMAC-SHA256 of `{id}.{timestamp}.{body}`
//! under the endpoint's secret. [`Webhook`] checks them against the raw body,
//! exactly as received: verify before parsing, and never re-serialize.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use gigs_events::webhook::{VerifyError, Webhook};
//!
//! let webhook = Webhook::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//!
//! // Any header map fits: see `Headers`.
//! let headers = [
//!     ("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
//!     ("webhook-timestamp", "1649367553"),
//!     ("webhook-signature", "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="),
//! ];
//! let body = br#"{"email":"test@example.com","username":"test_user"}"#;
//!
//! // A handler calls `webhook.verify(&headers, body)`, which checks the
//! // timestamp against the system clock; this old message is checked as
//! // of the time it was sent.
//! let sent = UNIX_EPOCH + Duration::from_secs(1_649_367_553);
//! webhook.verify_at(&headers, body, sent)?;
//!
//! // The same delivery with its body changed is rejected.
//! let tampered = br#"{"email":"test@example.com","username":"admin"}"#;
//! assert_eq!(
//!     webhook.verify_at(&headers, tampered, sent),
//!     Err(VerifyError::NoMatchingSignature),
//! );
//! # Ok::<(), VerifyError>(())
//! ```
//!
//! [`Webhook::verify_and_parse`] verifies, then parses the body into any
//! [`ParseEvent`] type, such as a version's `Event`. The headers can come
//! from any header map through the [`Headers`] trait: pairs, `HashMap`s,
//! closures, and `http::HeaderMap` with the `http` feature.
//!
//! # What is accepted
//!
//! - **Header names.** Each header may come under its Standard Webhooks name
//!   (`webhook-id`) or its Svix name (`svix-id`), matched ignoring case.
//!   Each header is looked up on its own, so a delivery may mix the two.
//! - **Repeated headers** are rejected as ambiguous
//!   ([`VerifyError::DuplicateHeader`]), even when the values are equal. A
//!   header present under **both names** is accepted when both values are
//!   equal (some senders send both sets) and rejected otherwise
//!   ([`VerifyError::ConflictingHeaders`]).
//! - **Timestamp.** Plain decimal digits, no sign and no leading zero; it
//!   must be within the tolerance ([`DEFAULT_TOLERANCE`], 5 minutes, unless
//!   set with [`Webhook::with_tolerance`]) of now, in either direction. It is
//!   checked before the signature.
//! - **Signatures.** Every `v1` entry is tried, so deliveries signed during a
//!   secret rotation verify with either secret; each is compared in constant
//!   time. Entries of other versions are ignored. Malformed entries never
//!   make a delivery fail when another entry matches.
//! - **Body.** Any bytes: the body need not be UTF-8 to be verified.

mod error;
mod headers;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ParseEvent;

pub use error::{VerifyError, WebhookError, WebhookHeader};
pub use headers::Headers;

use headers::SignatureHeaders;

/// How far a delivery's timestamp may be from now, in either direction,
/// unless set otherwise with [`Webhook::with_tolerance`]: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The prefix of secrets as Gigs (and Svix) show them.
const SECRET_PREFIX: &str = "whsec_";

/// The only signature version there is: HMAC-SHA256.
const VERSION: &[u8] = b"v1";

/// The length of an HMAC-SHA256 tag, in bytes.
const TAG_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// A webhook endpoint's secret, ready to verify (and sign) deliveries.
///
/// Create one per endpoint at start-up and share it: verifying takes `&self`,
/// and `Webhook` is `Send + Sync` and cheap to clone. Its `Debug` output
/// shows the tolerance only, never the key.
#[derive(Clone)]
pub struct Webhook {
    /// The HMAC already keyed with the secret; the key itself is not kept.
    mac: HmacSha256,
    tolerance: Duration,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// Creates a verifier from an endpoint secret as Gigs shows it,
    /// `whsec_` followed by base64, or from the base64 part alone.
    ///
    /// The key is the base64-decoded part (standard alphabet, with padding).
    /// Surrounding whitespace, such as a newline read from a file, is
    /// ignored.
    ///
    /// # Errors
    ///
    /// [`VerifyError::MalformedSecret`] when the secret is not valid base64
    /// or decodes to an empty key.
    pub fn new(secret: &str) -> Result<Self, VerifyError> {
        let secret = secret.trim_ascii();
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| VerifyError::MalformedSecret)?;
        Self::from_key(&key)
    }

    /// Creates a verifier from the raw key bytes (the secret already
    /// base64-decoded).
    ///
    /// # Errors
    ///
    /// [`VerifyError::MalformedSecret`] when the key is empty.
    pub fn from_key(key: &[u8]) -> Result<Self, VerifyError> {
        if key.is_empty() {
            return Err(VerifyError::MalformedSecret);
        }
        let mac = HmacSha256::new_from_slice(key).map_err(|_| VerifyError::MalformedSecret)?;
        Ok(Self {
            mac,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// Sets how far a delivery's timestamp may be from now, in either
    /// direction ([`DEFAULT_TOLERANCE`] unless set). Whole seconds count:
    /// a fraction of a second is ignored.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// How far a delivery's timestamp may be from now, in either direction.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Checks a delivery's signature headers against its raw body, with the
    /// system clock for the timestamp.
    ///
    /// # Errors
    ///
    /// The [`VerifyError`] saying what is wrong; see [`verify_at`](Self::verify_at).
    pub fn verify(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
    ) -> Result<(), VerifyError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// Checks a delivery's signature headers against its raw body, as of
    /// `now`.
    ///
    /// The checks, in order: the three headers are each present once (or
    /// equal under both names), the timestamp is well formed and within the
    /// tolerance of `now`, and one `v1` signature matches.
    ///
    /// # Errors
    ///
    /// - [`VerifyError::MissingHeader`], [`VerifyError::DuplicateHeader`] or
    ///   [`VerifyError::ConflictingHeaders`] for the headers themselves;
    /// - [`VerifyError::MalformedTimestamp`], [`VerifyError::TimestampTooOld`]
    ///   or [`VerifyError::TimestampTooNew`] for the timestamp;
    /// - [`VerifyError::MalformedSignature`] or
    ///   [`VerifyError::NoMatchingSignature`] when no signature matches.
    pub fn verify_at(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), VerifyError> {
        let headers = SignatureHeaders::read(headers)?;
        let timestamp = parse_timestamp(&headers.timestamp)?;
        self.check_timestamp(timestamp, now)?;
        self.check_signature(&headers, body)
    }

    /// Verifies a delivery with the system clock, then parses its body.
    ///
    /// `E` is any [`ParseEvent`] type, such as a version's `Event`:
    /// `webhook.verify_and_parse::<Event>(&headers, body)`.
    ///
    /// # Errors
    ///
    /// [`WebhookError::Verify`] when verification fails (the body is then
    /// not parsed), [`WebhookError::Parse`] when the body of an authentic
    /// delivery cannot be parsed.
    pub fn verify_and_parse<E: ParseEvent>(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
    ) -> Result<E, WebhookError> {
        self.verify_and_parse_at(headers, body, SystemTime::now())
    }

    /// Verifies a delivery as of `now`, then parses its body.
    ///
    /// # Errors
    ///
    /// As for [`verify_and_parse`](Self::verify_and_parse).
    pub fn verify_and_parse_at<E: ParseEvent>(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
        now: SystemTime,
    ) -> Result<E, WebhookError> {
        self.verify_at(headers, body, now)?;
        Ok(E::from_json(body)?)
    }

    /// Signs a message as the sender does, giving a `webhook-signature`
    /// header value `v1,<base64>`: for tests that need signed deliveries.
    ///
    /// `timestamp` is in Unix seconds, as written in `webhook-timestamp`.
    #[must_use]
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        let tag = self
            .keyed(id.as_bytes(), timestamp.to_string().as_bytes(), body)
            .finalize()
            .into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// The HMAC of `{id}.{timestamp}.{body}`, not yet finalized.
    fn keyed(&self, id: &[u8], timestamp: &[u8], body: &[u8]) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(id);
        mac.update(b".");
        mac.update(timestamp);
        mac.update(b".");
        mac.update(body);
        mac
    }

    fn check_timestamp(&self, timestamp: u64, now: SystemTime) -> Result<(), VerifyError> {
        let age = unix_seconds(now) - i128::from(timestamp);
        let tolerance = i128::from(self.tolerance.as_secs());
        if age > tolerance {
            Err(VerifyError::TimestampTooOld)
        } else if -age > tolerance {
            Err(VerifyError::TimestampTooNew)
        } else {
            Ok(())
        }
    }

    fn check_signature(&self, headers: &SignatureHeaders, body: &[u8]) -> Result<(), VerifyError> {
        // The timestamp is signed as received; `parse_timestamp` accepted
        // only the canonical form, which is what senders sign.
        let expected = self.keyed(&headers.id, &headers.timestamp, body);
        let mut malformed = false;
        let mut entries = 0_usize;
        for entry in headers
            .signature
            .split(|&b| b == b' ')
            .filter(|e| !e.is_empty())
        {
            entries += 1;
            let mut parts = entry.splitn(2, |&b| b == b',');
            let (Some(version), Some(signature)) = (parts.next(), parts.next()) else {
                malformed = true;
                continue;
            };
            if version.is_empty() {
                malformed = true;
            } else if version == VERSION {
                match STANDARD.decode(signature) {
                    Ok(tag) if tag.len() == TAG_LEN => {
                        // `verify_slice` compares in constant time.
                        if expected.clone().verify_slice(&tag).is_ok() {
                            return Ok(());
                        }
                    }
                    _ => malformed = true,
                }
            }
        }
        if malformed || entries == 0 {
            Err(VerifyError::MalformedSignature)
        } else {
            Err(VerifyError::NoMatchingSignature)
        }
    }
}

/// Parses a timestamp header: canonical decimal digits that fit in a `u64`.
fn parse_timestamp(value: &[u8]) -> Result<u64, VerifyError> {
    let canonical = match value {
        [] => false,
        [b'0'] => true,
        [first, ..] => *first != b'0',
    };
    if !canonical {
        return Err(VerifyError::MalformedTimestamp);
    }
    value.iter().try_fold(0_u64, |seconds, &b| {
        if !b.is_ascii_digit() {
            return Err(VerifyError::MalformedTimestamp);
        }
        seconds
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(b - b'0')))
            .ok_or(VerifyError::MalformedTimestamp)
    })
}

/// `now` in whole Unix seconds (rounded down), negative before 1970.
fn unix_seconds(now: SystemTime) -> i128 {
    match now.duration_since(UNIX_EPOCH) {
        Ok(since) => i128::from(since.as_secs()),
        Err(before) => {
            let before = before.duration();
            -i128::from(before.as_secs()) - i128::from(before.subsec_nanos() > 0)
        }
    }
}
