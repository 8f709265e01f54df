//! Events kept as the JSON they arrived in.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// An event this crate cannot type: its `type` is not in the API version it
/// was parsed with, or its API version is not enabled in this build.
///
/// The body is kept exactly as received, so serializing a `RawEvent` writes
/// the same JSON back, and nothing Gigs sent is lost.
#[derive(Clone)]
pub struct RawEvent {
    event_type: String,
    id: String,
    version: Option<String>,
    json: Box<RawValue>,
}

impl RawEvent {
    pub(crate) fn new(
        event_type: String,
        id: String,
        version: Option<String>,
        json: Box<RawValue>,
    ) -> Self {
        Self {
            event_type,
            id,
            version,
            json,
        }
    }

    /// Reads the envelope of a webhook body, and keeps the whole body as
    /// received: for code that needs the event's `id` and `type` before (or
    /// without) typing it, such as a receiver that stores every event it
    /// receives first.
    ///
    /// ```
    /// use gigs_events::{Error, RawEvent};
    ///
    /// let event = RawEvent::from_json(br#"{"type": "com.gigs.plan.updated", "id": "evt_1", "data": {}}"#)?;
    /// assert_eq!((event.event_type(), event.id()), ("com.gigs.plan.updated", "evt_1"));
    ///
    /// // `data` is not looked at, but an envelope without an `id` is no event.
    /// let error = RawEvent::from_json(br#"{"type": "com.gigs.plan.updated"}"#).unwrap_err();
    /// assert!(matches!(error, Error::Envelope { .. }), "{error}");
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`](crate::Error::Syntax) when the body is not JSON,
    /// [`Error::Envelope`](crate::Error::Envelope) when
    /// it is not an event envelope.
    pub fn from_json(body: &[u8]) -> Result<Self, crate::Error> {
        crate::runtime::parse::EventHead::parse(body)?.into_raw()
    }

    /// The event's `type`, such as `com.gigs.plan.updated`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event's `id`, unique per event: the key to de-duplicate deliveries on.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The API version named by the envelope's `version`, if it has one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The whole event as received.
    pub fn json(&self) -> &RawValue {
        &self.json
    }
}

impl fmt::Debug for RawEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawEvent")
            .field("event_type", &self.event_type)
            .field("id", &self.id)
            .field("version", &self.version)
            .field("json", &self.json.get())
            .finish()
    }
}

/// The envelope only: [`RawEvent::from_json`].
impl crate::ParseEvent for RawEvent {
    fn from_json(body: &[u8]) -> Result<Self, crate::Error> {
        Self::from_json(body)
    }
}

/// Two raw events are equal when they were received as the same bytes.
impl PartialEq for RawEvent {
    fn eq(&self, other: &Self) -> bool {
        self.json.get() == other.json.get()
    }
}

impl Eq for RawEvent {}

impl Serialize for RawEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Box::<RawValue>::deserialize(deserializer)?;
        let head = crate::runtime::parse::EventHead::parse(json.get().as_bytes())
            .map_err(serde::de::Error::custom)?;
        let event_type = head.event_type().to_owned();
        let version = head.version().map(str::to_owned);
        let id = head.id().to_owned();
        Ok(Self::new(event_type, id, version, json))
    }
}
