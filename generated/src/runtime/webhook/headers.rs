//! Reading the signature headers from whatever header map a framework has.

use std::collections::HashMap;

use super::error::{VerifyError, WebhookHeader};

/// Read access to a request's headers, as much as verification needs.
///
/// Implemented for:
/// - slices, arrays and `Vec`s of `(name, value)` pairs, such as
///   `[("webhook-id", "msg_…"), …]`, with names matched ignoring ASCII case;
/// - `HashMap`s from name to value, also matched ignoring case;
/// - closures `Fn(&str) -> Option<V>` that look up one header by its
///   lowercase name (these cannot report a repeated header: the closure
///   decides what a repeated header gives);
/// - `http::HeaderMap`, with the `http` feature.
///
/// Names are anything that is `AsRef<str>`, values anything that is
/// `AsRef<[u8]>` (`&str`, `String`, `&[u8]`, `Vec<u8>`, …).
///
/// For another framework's header map, implement it in a few lines:
///
/// ```
/// use gigs_events::webhook::Headers;
///
/// struct MyHeaders(Vec<(String, String)>);
///
/// impl Headers for MyHeaders {
///     fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
///         for (key, value) in &self.0 {
///             if key.eq_ignore_ascii_case(name) {
///                 each(value.as_bytes());
///             }
///         }
///     }
/// }
/// ```
pub trait Headers {
    /// Calls `each` with every value of the header `name`, in order: never
    /// when the header is absent, once per occurrence when it is repeated.
    ///
    /// `name` is lowercase ASCII, such as `webhook-id`; HTTP header names
    /// are case-insensitive, so implementations should match them ignoring
    /// ASCII case. Leading and trailing whitespace of a value is ignored.
    fn values(&self, name: &str, each: &mut dyn FnMut(&[u8]));
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for [(K, V)] {
    fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
        for (key, value) in self {
            if key.as_ref().eq_ignore_ascii_case(name) {
                each(value.as_ref());
            }
        }
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> Headers for [(K, V); N] {
    fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
        self.as_slice().values(name, each);
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for Vec<(K, V)> {
    fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
        self.as_slice().values(name, each);
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, S> Headers for HashMap<K, V, S> {
    fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
        for (key, value) in self {
            if key.as_ref().eq_ignore_ascii_case(name) {
                each(value.as_ref());
            }
        }
    }
}

impl<F, V> Headers for F
where
    F: Fn(&str) -> Option<V>,
    V: AsRef<[u8]>,
{
    fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
        if let Some(value) = self(name) {
            each(value.as_ref());
        }
    }
}

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl<T: AsRef<[u8]>> Headers for http::HeaderMap<T> {
    fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
        for value in self.get_all(name) {
            each(value.as_ref());
        }
    }
}

/// The three signature header values of a delivery, whitespace-trimmed.
pub(super) struct SignatureHeaders {
    pub(super) id: Vec<u8>,
    pub(super) timestamp: Vec<u8>,
    pub(super) signature: Vec<u8>,
}

impl SignatureHeaders {
    /// Reads the three headers, each under its `webhook-` or `svix-` name.
    pub(super) fn read<H: Headers + ?Sized>(headers: &H) -> Result<Self, VerifyError> {
        Ok(Self {
            id: read_one(headers, WebhookHeader::Id)?,
            timestamp: read_one(headers, WebhookHeader::Timestamp)?,
            signature: read_one(headers, WebhookHeader::Signature)?,
        })
    }
}

/// One header's value, from either name; equal values under both are fine.
fn read_one<H: Headers + ?Sized>(
    headers: &H,
    header: WebhookHeader,
) -> Result<Vec<u8>, VerifyError> {
    let standard = single_value(headers, header.name())?;
    let svix = single_value(headers, header.svix_name())?;
    match (standard, svix) {
        (Some(standard), Some(svix)) if standard != svix => {
            Err(VerifyError::ConflictingHeaders(header))
        }
        (Some(value), _) | (None, Some(value)) => Ok(value),
        (None, None) => Err(VerifyError::MissingHeader(header)),
    }
}

/// The value of the header `name`, if it occurs exactly once.
fn single_value<H: Headers + ?Sized>(
    headers: &H,
    name: &'static str,
) -> Result<Option<Vec<u8>>, VerifyError> {
    let mut first = None;
    let mut count = 0_usize;
    headers.values(name, &mut |value| {
        count += 1;
        if first.is_none() {
            first = Some(value.trim_ascii().to_vec());
        }
    });
    if count > 1 {
        Err(VerifyError::DuplicateHeader(name))
    } else {
        Ok(first)
    }
}
