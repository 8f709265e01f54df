//! Arbitrary bytes as a webhook body, through `RawEvent`, `VersionedEvent`
//! and every version's `Event`: an error or an event, never a panic. Each
//! event serializes to JSON that parses back into the same event, and the
//! three readings agree: `VersionedEvent` is the envelope's version's
//! `Event`, or the `RawEvent` when no known version is named.

#![no_main]

use std::fmt::Debug;

use gigs_events::{Error, ParseEvent, RawEvent, VersionedEvent};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;

/// Parses `body` as an `E`, checks the round trip of what it parses, and
/// returns the event, or the error's message (whose rendering must not panic
/// either).
fn parse_and_round_trip<E: ParseEvent + Serialize + PartialEq + Debug>(
    body: &[u8],
) -> Result<E, String> {
    let event = E::from_json(body).map_err(|error: Error| error.to_string())?;
    let serialized = serde_json::to_vec(&event).expect("a parsed event serializes");
    match E::from_json(&serialized) {
        Ok(reparsed) => assert_eq!(reparsed, event, "the event changed in a round trip"),
        Err(error) => panic!(
            "a serialized event does not parse: {error}\n{}",
            String::from_utf8_lossy(&serialized)
        ),
    }
    Ok(event)
}

/// `every_version!` is invoked by the build script with each version of
/// `spec/versions.yaml` as `(date, module, VersionedEvent variant)`.
macro_rules! every_version {
    ($(($date:literal, $module:ident, $variant:ident)),* $(,)?) => {
        /// The dates of the versions this build types.
        const VERSIONS: &[&str] = &[$($date),*];

        /// Parses `body` with each version's `Event`; for the version the
        /// envelope names, the result must be what `VersionedEvent` gave.
        fn check_every_version(
            body: &[u8],
            envelope_version: Option<&str>,
            versioned: &Result<VersionedEvent, String>,
        ) {
            $(
                let typed = parse_and_round_trip::<gigs_events::$module::Event>(body);
                if envelope_version == Some($date) {
                    let chosen = match versioned {
                        Ok(VersionedEvent::$variant(event)) => Ok(event),
                        Ok(other) => panic!(
                            "a {} event was parsed as another version: {other:?}",
                            $date
                        ),
                        Err(message) => Err(message),
                    };
                    assert_eq!(
                        typed.as_ref(),
                        chosen,
                        "VersionedEvent and the {} module disagree",
                        $date
                    );
                }
            )*
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/versions.rs"));

fuzz_target!(|body: &[u8]| {
    let raw = parse_and_round_trip::<RawEvent>(body);
    let versioned = parse_and_round_trip::<VersionedEvent>(body);
    // The version the envelope names, when the body can be read that far:
    // a body can name a known version and still not be JSON further on,
    // which that version's module may report as another error first.
    let envelope_version = match (&versioned, &raw) {
        (Ok(event), _) => event.version(),
        (Err(_), Ok(raw)) => raw.version(),
        (Err(_), Err(_)) => None,
    };
    check_every_version(body, envelope_version, &versioned);
    match (&raw, &versioned) {
        (Ok(raw), Ok(event)) => {
            assert_eq!(event.version(), raw.version(), "the version changed");
            assert_eq!(event.event_type(), raw.event_type(), "the type changed");
            assert_eq!(event.id(), raw.id(), "the id changed");
        }
        (Err(_), Ok(event)) => panic!("an event whose envelope does not parse: {event:?}"),
        (_, Err(_)) => {}
    }
    let known = envelope_version.is_some_and(|version| VERSIONS.contains(&version));
    if let (false, Ok(raw)) = (known, raw) {
        assert_eq!(
            versioned,
            Ok(VersionedEvent::Unsupported(Box::new(raw))),
            "an event of no known version is not kept whole"
        );
    }
});
