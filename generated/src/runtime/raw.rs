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
