//! Two-phase parsing of webhook bodies.
//!
//! Phase one reads only the envelope's `type`, `id` and `version`, borrowing
//! them from the body and skipping everything else without building it.
//! Phase two parses the whole body straight into the concrete event struct
//! chosen by `type`. Nothing is buffered in between, unlike serde's
//! internally tagged enums, and a failure in phase two is re-run once through
//! a path-tracking deserializer so that the error names the exact JSON path.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::{Error, RawEvent};

/// What phase one reads of an envelope.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a Gigs event envelope (a JSON object with `type` and `id`)")]
pub struct EventHead<'a> {
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, borrow)]
    version: Option<Cow<'a, str>>,
}

impl<'a> EventHead<'a> {
    /// Reads the envelope's `type`, `id` and `version` from `body`.
    pub fn parse(body: &'a [u8]) -> Result<Self, Error> {
        // serde's derived structs also accept arrays, which no envelope is.
        let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(not_an_object(body));
        }
        serde_json::from_slice(body).map_err(|error| envelope_error(body, error))
    }

    /// The event's `type`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event's `id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The API version that serialized the event, if the envelope names one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Keeps the whole body as a [`RawEvent`], for events this crate cannot type.
    pub fn into_raw(self, body: &[u8]) -> Result<RawEvent, Error> {
        // The body already parsed as JSON in phase one, so this cannot fail on
        // syntax; a non-UTF-8 body is the only way left to get here with an error.
        let text = std::str::from_utf8(body).map_err(|error| Error::Envelope {
            path: String::new(),
            message: format!("the body is not UTF-8: {error}"),
        })?;
        let json =
            RawValue::from_string(text.trim().to_owned()).map_err(|error| Error::Syntax {
                line: error.line(),
                column: error.column(),
                message: message_without_position(&error),
            })?;
        Ok(RawEvent::new(
            self.event_type.into_owned(),
            self.id.into_owned(),
            self.version.map(Cow::into_owned),
            json,
        ))
    }
}

/// Parses the whole `body` as the event struct `T`, whose `type` is
/// `event_type`, straight into the box its `Event` variant holds.
pub fn parse_event<T: DeserializeOwned>(body: &[u8], event_type: &str) -> Result<Box<T>, Error> {
    match serde_json::from_slice(body) {
        Ok(event) => Ok(event),
        Err(error) => Err(locate::<Box<T>>(body, error, Some(event_type))),
    }
}

/// The error for a body that does not start like a JSON object: a syntax
/// error if it is not JSON at all, else a description of what it is.
fn not_an_object(body: &[u8]) -> Error {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Err(error) => locate::<serde::de::IgnoredAny>(body, error, None),
        Ok(value) => {
            let found = match value {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::Object(_) => "an object",
            };
            Error::Envelope {
                path: String::new(),
                message: format!("expected a Gigs event envelope (a JSON object), found {found}"),
            }
        }
    }
}

/// The error for a body whose envelope could not be read.
fn envelope_error(body: &[u8], error: serde_json::Error) -> Error {
    locate::<EventHead<'_>>(body, error, None)
}

/// Turns a serde_json error into an [`Error`] that names the JSON path,
/// by parsing `body` once more as `T` with path tracking.
fn locate<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    error: serde_json::Error,
    event_type: Option<&str>,
) -> Error {
    if error.is_syntax() || error.is_eof() || error.is_io() {
        return Error::Syntax {
            line: error.line(),
            column: error.column(),
            message: message_without_position(&error),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(tracked) => {
            let path = json_path(tracked.path());
            (path, message_without_position(tracked.inner()))
        }
        // Both parses read the same bytes into the same type, so the second
        // fails too; should it not, the first error is still worth reporting.
        Ok(_) => (String::new(), message_without_position(&error)),
    };
    let in_data = path == "data"
        || path.starts_with("data.")
        || path.starts_with("data[")
        || path == "previousData"
        || path.starts_with("previousData.")
        || path.starts_with("previousData[");
    match event_type {
        Some(event_type) if in_data => Error::Data {
            event_type: event_type.to_owned(),
            path,
            message,
        },
        _ => Error::Envelope { path, message },
    }
}

/// Renders a path as `data.sims[0].iccid`.
fn json_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;

    let mut rendered = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => rendered.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !rendered.is_empty() {
                    rendered.push('.');
                }
                rendered.push_str(key);
            }
            Segment::Unknown => {
                if !rendered.is_empty() {
                    rendered.push('.');
                }
                rendered.push('?');
            }
        }
    }
    rendered
}

/// serde_json appends " at line L column C" to every message; the path (or
/// the separate line and column fields) says that better.
fn message_without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(cut) if error.line() > 0 => message[..cut].to_owned(),
        _ => message,
    }
}

/// Deserializes a field where absent and `null` differ: absent is `None`
/// (through `#[serde(default)]`), `null` is `Some(None)`.
pub fn deserialize_nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Deserializes an open enum from a string without allocating for the values
/// it knows.
pub fn deserialize_open_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: for<'s> From<&'s str>,
{
    struct OpenEnumVisitor<T>(std::marker::PhantomData<T>);

    impl<T: for<'s> From<&'s str>> serde::de::Visitor<'_> for OpenEnumVisitor<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok(T::from(value))
        }
    }

    deserializer.deserialize_str(OpenEnumVisitor(std::marker::PhantomData))
}
