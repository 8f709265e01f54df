//! Arbitrary bytes as a webhook body, through `VersionedEvent` and every
//! version's `Event`: an error or an event, never a panic; and an event
//! serializes to JSON that parses back into the same event.

#![no_main]

use std::fmt::Debug;

use gigs_events::{ParseEvent, VersionedEvent, v2024_08_29, v2024_10_28, v2024_12_20, v2025_05_22};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;

fn round_trip<E: ParseEvent + Serialize + PartialEq + Debug>(body: &[u8]) {
    let event = match E::from_json(body) {
        Ok(event) => event,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    let serialized = serde_json::to_vec(&event).expect("a parsed event serializes");
    match E::from_json(&serialized) {
        Ok(reparsed) => assert_eq!(reparsed, event, "the event changed in a round trip"),
        Err(error) => panic!(
            "a serialized event does not parse: {error}\n{}",
            String::from_utf8_lossy(&serialized)
        ),
    }
}

fuzz_target!(|body: &[u8]| {
    round_trip::<VersionedEvent>(body);
    round_trip::<v2024_08_29::Event>(body);
    round_trip::<v2024_10_28::Event>(body);
    round_trip::<v2024_12_20::Event>(body);
    round_trip::<v2025_05_22::Event>(body);
});
