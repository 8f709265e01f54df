//! Two-phase parsing of webhook bodies.
//!
//! Phase one reads only the envelope's `type`, `id` and `version`, borrowing
//! them from the body: a quick scan of the top level ([`crate::runtime::scan`]), with
//! serde as the fallback for anything unusual and for error messages.
//! Phase two parses the whole body straight into the concrete event struct
//! chosen by `type`. Nothing is buffered in between, unlike serde's
//! internally tagged enums. A failure names the exact JSON path, found from
//! where in the body serde_json stopped ([`crate::runtime::path`]).
//! The body is checked to be UTF-8 once, up front, so that serde_json does
//! not check every string again.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::{Error, RawEvent};

/// What phase one reads of an envelope.
#[derive(Debug)]
pub struct EventHead<'a> {
    /// The whole body, known to be UTF-8.
    body: &'a str,
    event_type: Cow<'a, str>,
    id: Cow<'a, str>,
    version: Option<Cow<'a, str>>,
}

/// The three members, as serde reads them when the quick scan gives up.
#[derive(Deserialize)]
#[serde(expecting = "a Gigs event envelope (a JSON object with `type` and `id`)")]
struct HeadFields<'a> {
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
        let body = std::str::from_utf8(body).map_err(|error| not_utf8(body, &error))?;
        if let Some(crate::runtime::scan::TopLevel {
            event_type: Some(event_type),
            id: Some(id),
            version,
        }) = crate::runtime::scan::top_level(body)
        {
            return Ok(Self {
                body,
                event_type: Cow::Borrowed(event_type),
                id: Cow::Borrowed(id),
                version: version.map(Cow::Borrowed),
            });
        }
        // serde's derived structs also accept arrays, which no envelope is.
        if !body.trim_start().starts_with('{') {
            return Err(not_an_object(body));
        }
        let fields: HeadFields<'a> =
            serde_json::from_str(body).map_err(|error| locate(body, &error, None))?;
        Ok(Self {
            body,
            event_type: fields.event_type,
            id: fields.id,
            version: fields.version,
        })
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

    /// Phase two: parses the whole body as the event struct `T`, straight
    /// into the box its `Event` variant holds.
    ///
    /// `payload_members` are the envelope members that hold the event's
    /// object (`data`, `previousData`), as the spec names them: a problem
    /// inside them is an [`Error::Data`], anywhere else an [`Error::Envelope`].
    pub fn parse_event<T: DeserializeOwned>(
        &self,
        payload_members: &[&str],
    ) -> Result<Box<T>, Error> {
        // Instantiated once per event struct: what needs no `T` is left to
        // `event_error`, compiled once.
        match serde_json::from_str(self.body) {
            Ok(event) => Ok(event),
            Err(error) => Err(self.event_error(&error, payload_members)),
        }
    }

    /// The error of phase two, placed in the envelope or in the event's
    /// object.
    fn event_error(&self, error: &serde_json::Error, payload_members: &[&str]) -> Error {
        let payload = Payload {
            event_type: &self.event_type,
            members: payload_members,
        };
        locate(self.body, error, Some(payload))
    }

    /// Keeps the whole body as a [`RawEvent`], for events this crate cannot type.
    pub fn into_raw(self) -> Result<RawEvent, Error> {
        let json = RawValue::from_string(self.body.trim().to_owned())
            .map_err(|error| syntax_error(&error))?;
        Ok(RawEvent::new(
            self.event_type.into_owned(),
            self.id.into_owned(),
            self.version.map(Cow::into_owned),
            json,
        ))
    }
}

/// The error for a body that is not UTF-8, placed like serde_json would.
fn not_utf8(body: &[u8], error: &std::str::Utf8Error) -> Error {
    let valid = &body[..error.valid_up_to()];
    let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let column = valid
        .iter()
        .rev()
        .take_while(|&&byte| byte != b'\n')
        .count()
        + 1;
    Error::Syntax {
        line,
        column,
        message: "the body is not valid UTF-8".to_owned(),
    }
}

/// The error for a body that does not start like a JSON object: a syntax
/// error if it is not JSON at all, else a description of what it is.
fn not_an_object(body: &str) -> Error {
    match serde_json::from_str::<serde_json::Value>(body) {
        Err(error) => locate(body, &error, None),
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

/// What an event's schema covers: its type, and the envelope members that
/// hold its object.
#[derive(Debug, Clone, Copy)]
struct Payload<'a> {
    event_type: &'a str,
    members: &'a [&'a str],
}

impl Payload<'_> {
    /// Whether the JSON path `path` is inside one of the payload members.
    fn contains(&self, path: &str) -> bool {
        self.members.iter().any(|member| {
            path.strip_prefix(member)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    }
}

/// Turns a serde_json error reading `body` into an [`Error`] that names the
/// JSON path of the value it is about.
fn locate(body: &str, error: &serde_json::Error, payload: Option<Payload<'_>>) -> Error {
    if error.is_syntax() || error.is_eof() || error.is_io() {
        return syntax_error(error);
    }
    let offset = crate::runtime::path::offset_of(body, error.line(), error.column());
    let path = crate::runtime::path::path_at(body, offset);
    let message = message_without_position(error);
    match payload {
        Some(payload) if payload.contains(&path) => Error::Data {
            event_type: payload.event_type.to_owned(),
            path,
            message,
        },
        _ => Error::Envelope { path, message },
    }
}

/// A serde_json syntax error, with its position in the fields and not in
/// the message.
fn syntax_error(error: &serde_json::Error) -> Error {
    Error::Syntax {
        line: error.line(),
        column: error.column(),
        message: message_without_position(error),
    }
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
