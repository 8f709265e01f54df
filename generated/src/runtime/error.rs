//! The error returned when a webhook body cannot be parsed.

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
///
/// Every variant is `#[non_exhaustive]`, so that later versions can add
/// kinds and context without breaking code that matches on them: match
/// with `..`, or use the accessors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body is not well-formed JSON.
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    #[non_exhaustive]
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
    #[error("not a Gigs event: {}{message}", path_prefix(path))]
    #[non_exhaustive]
    Envelope {
        /// JSON path of the offending envelope field, empty for the body itself.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The envelope is fine, but the event's `data` (or `previousData`) does
    /// not match the schema of its event type.
    #[error("{path}: {message} (in a {event_type} event)")]
    #[non_exhaustive]
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

    /// What is wrong, without the path or the position.
    pub fn message(&self) -> &str {
        match self {
            Self::Syntax { message, .. }
            | Self::Envelope { message, .. }
            | Self::Data { message, .. } => message,
        }
    }

    /// The 1-based line and column of malformed JSON.
    pub fn line_and_column(&self) -> Option<(usize, usize)> {
        match self {
            Self::Syntax { line, column, .. } => Some((*line, *column)),
            Self::Envelope { .. } | Self::Data { .. } => None,
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

/// `path: `, or nothing for the body itself.
fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}
