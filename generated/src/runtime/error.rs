//! The error returned when a webhook body cannot be parsed.

use std::fmt;

/// Why a webhook body could not be parsed into an event.
///
/// The three kinds tell apart a transport problem (the body is not JSON), a
/// caller problem (the JSON is not a Gigs event at all) and a schema problem
/// (Gigs sent something the spec does not describe), which usually call for
/// different reactions: drop, reject, or alert and update the crate.
///
/// `Display` is one line naming where the problem is:
///
/// ```text
/// data.price.amount: invalid type: string "999", expected i64 (in a com.gigs.plan.updated event)
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The body is not well-formed JSON.
    Syntax {
        /// 1-based line of the problem in the body.
        line: usize,
        /// 1-based column of the problem in the body.
        column: usize,
        /// What is wrong, without the position.
        message: String,
    },
    /// The body is JSON, but not a Gigs event envelope: it is not an object,
    /// or `type`, `id` or another envelope field is missing or malformed.
    Envelope {
        /// JSON path of the offending envelope field, empty for the body itself.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The envelope is fine, but the event's `data` (or `previousData`) does
    /// not match the schema of its event type.
    Data {
        /// The event's `type`.
        event_type: String,
        /// JSON path of the offending value, such as `data.price.amount`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// The JSON path of the problem, when there is one (`data.price.amount`).
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::Syntax { .. } => None,
            Self::Envelope { path, .. } | Self::Data { path, .. } => Some(path),
        }
    }

    /// The event type, when the envelope was read far enough to know it.
    pub fn event_type(&self) -> Option<&str> {
        match self {
            Self::Data { event_type, .. } => Some(event_type),
            Self::Syntax { .. } | Self::Envelope { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax {
                line,
                column,
                message,
            } => write!(
                f,
                "malformed JSON at line {line}, column {column}: {message}"
            ),
            Self::Envelope { path, message } if path.is_empty() => {
                write!(f, "not a Gigs event: {message}")
            }
            Self::Envelope { path, message } => write!(f, "not a Gigs event: {path}: {message}"),
            Self::Data {
                event_type,
                path,
                message,
            } => write!(f, "{path}: {message} (in a {event_type} event)"),
        }
    }
}

impl std::error::Error for Error {}
