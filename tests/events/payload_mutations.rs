//! Damaged payloads: the seed payloads and every spec example, with bytes
//! flipped, cut short, a value swapped for one of another type or a key
//! deleted. Parsing never panics, and whatever parses serializes to JSON that
//! parses back into the same event.

use std::fmt::Debug;
use std::sync::OnceLock;

use gigs_events::{
    Error, ParseEvent, VersionedEvent, v2024_08_29, v2024_10_28, v2024_12_20, v2025_05_22,
};
use gigs_events_tests::{SEEDS, json, seed, spec_examples};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Every payload to start from: (name, body).
fn payloads() -> &'static [(String, Vec<u8>)] {
    static PAYLOADS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    PAYLOADS.get_or_init(|| {
        let mut payloads: Vec<(String, Vec<u8>)> = SEEDS
            .iter()
            .map(|name| ((*name).to_owned(), seed(name)))
            .collect();
        for (version, event_type, body) in spec_examples() {
            payloads.push((format!("{event_type} in {version}"), body));
        }
        payloads
    })
}

/// One way to damage a payload.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR bytes with non-zero masks.
    FlipBytes(Vec<(Index, u8)>),
    Truncate(Index),
    /// Replace one value (anywhere in the tree) with a value of another type.
    SwapType(Index, Value),
    /// Delete one key of one object.
    DeleteKey(Index),
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(1.5)),
        Just(json!(-0.0)),
        "[a-zA-Z0-9_:.+-]{0,24}".prop_map(Value::String),
        Just(json!("2024-02-30T25:00:00Z")),
        Just(json!("2024-01-01T00:00:00.123456789+01:00")),
        Just(json!("com.gigs.plan.updated")),
        Just(json!("2024-08-29")),
        Just(json!([])),
        Just(json!({})),
        Just(json!([null, 1, "x"])),
        Just(json!({"object": "plan", "id": 1})),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => prop::collection::vec((any::<Index>(), 1..=255_u8), 1..4).prop_map(Mutation::FlipBytes),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), replacement()).prop_map(|(at, value)| Mutation::SwapType(at, value)),
        2 => any::<Index>().prop_map(Mutation::DeleteKey),
    ]
}

/// Every value of the tree, as JSON pointers, the root first.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    out.push(at.to_owned());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(child, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                pointers(child, &format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn apply(mutation: &Mutation, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    match mutation {
        Mutation::FlipBytes(flips) => {
            for (at, mask) in flips {
                let at = at.index(body.len());
                body[at] ^= mask;
            }
            body
        }
        Mutation::Truncate(at) => {
            body.truncate(at.index(body.len()));
            body
        }
        Mutation::SwapType(at, replacement) => {
            let mut value = json(&body);
            let mut all = Vec::new();
            pointers(&value, "", &mut all);
            let pointer = &all[at.index(all.len())];
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = replacement.clone();
            }
            serde_json::to_vec(&value).unwrap()
        }
        Mutation::DeleteKey(at) => {
            let mut value = json(&body);
            let mut all = Vec::new();
            pointers(&value, "", &mut all);
            // Keys are the pointers below an object.
            let keys: Vec<&String> = all
                .iter()
                .filter(|pointer| {
                    let parent = &pointer[..pointer.rfind('/').unwrap_or(0)];
                    !pointer.is_empty() && value.pointer(parent).is_some_and(Value::is_object)
                })
                .collect();
            if keys.is_empty() {
                return body;
            }
            let pointer = keys[at.index(keys.len())].clone();
            let (parent, key) = pointer.split_at(pointer.rfind('/').unwrap_or(0));
            let key = key[1..].replace("~1", "/").replace("~0", "~");
            if let Some(Value::Object(map)) = value.pointer_mut(parent) {
                map.remove(&key);
            }
            serde_json::to_vec(&value).unwrap()
        }
    }
}

/// Parses `body` as `E`; if it parses, serializing and parsing again gives
/// the same event. Errors render without panicking.
fn round_trips<E>(body: &[u8], parser: &str) -> Result<(), TestCaseError>
where
    E: ParseEvent + Serialize + PartialEq + Debug,
{
    let event = match E::from_json(body) {
        Ok(event) => event,
        Err(error) => {
            prop_assert!(!error.to_string().is_empty());
            return Ok(());
        }
    };
    let serialized = serde_json::to_vec(&event)
        .map_err(|error| TestCaseError::fail(format!("{parser}: cannot serialize: {error}")))?;
    match E::from_json(&serialized) {
        Ok(reparsed) => prop_assert_eq!(
            reparsed,
            event,
            "{}: serialized as {}",
            parser,
            String::from_utf8_lossy(&serialized)
        ),
        Err(error) => prop_assert!(
            false,
            "{}: the serialized event does not parse: {}\n{}",
            parser,
            error,
            String::from_utf8_lossy(&serialized)
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_damaged_payload_parses_or_fails_cleanly_and_round_trips(
        payload in any::<Index>(),
        mutation in mutation(),
    ) {
        let payloads = payloads();
        let (_name, body) = &payloads[payload.index(payloads.len())];
        let body = apply(&mutation, body);
        round_trips::<VersionedEvent>(&body, "VersionedEvent")?;
        round_trips::<v2024_08_29::Event>(&body, "v2024_08_29::Event")?;
        round_trips::<v2025_05_22::Event>(&body, "v2025_05_22::Event")?;
    }
}

/// Where `from_json` fails on `body` with the same message as a
/// path-tracking deserializer reading the concrete event struct `T`, both
/// name the same JSON path: the path found from the error's position is
/// the one a full second parse would find.
fn error_path_is_the_tracked_one<T: DeserializeOwned>(body: &[u8]) -> Result<(), TestCaseError> {
    let Err(error) = VersionedEvent::from_json(body) else {
        return Ok(());
    };
    let (path, message) = match &error {
        Error::Envelope { path, message, .. } | Error::Data { path, message, .. } => {
            (path, message)
        }
        _ => return Ok(()),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let Err(tracked) = serde_path_to_error::deserialize::<_, T>(&mut deserializer) else {
        return Ok(());
    };
    let tracked_message = tracked.inner().to_string();
    let tracked_message = tracked_message
        .rfind(" at line ")
        .map_or(tracked_message.as_str(), |cut| &tracked_message[..cut]);
    if tracked_message == message {
        let tracked_path = tracked.path().to_string();
        // serde_path_to_error writes the body itself as `.`.
        let tracked_path = if tracked_path == "." {
            ""
        } else {
            &tracked_path
        };
        prop_assert_eq!(path.as_str(), tracked_path, "{}", error);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2048,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_damaged_seed_names_the_path_a_tracking_parse_names(
        seed_index in 0..SEEDS.len(),
        mutation in mutation(),
    ) {
        let name = SEEDS[seed_index];
        let body = apply(&mutation, &seed(name));
        match name {
            "addon.updated.json" => error_path_is_the_tracked_one::<v2024_12_20::AddonUpdated>(&body)?,
            "eSimProfile.updated.json" => {
                error_path_is_the_tracked_one::<v2024_08_29::ESimProfileUpdated>(&body)?;
            }
            "plan.updated.json" => error_path_is_the_tracked_one::<v2024_08_29::PlanUpdated>(&body)?,
            "subscriptionChange.deleted.json" => {
                error_path_is_the_tracked_one::<v2024_10_28::SubscriptionChangeDeleted>(&body)?;
            }
            other => prop_assert!(false, "no event struct for seed {}", other),
        }
    }
}

#[test]
fn every_undamaged_payload_round_trips_with_every_parser() {
    assert!(payloads().len() > SEEDS.len());
    for (name, body) in payloads() {
        for result in [
            round_trips::<VersionedEvent>(body, "VersionedEvent"),
            round_trips::<v2024_08_29::Event>(body, "v2024_08_29::Event"),
            round_trips::<v2025_05_22::Event>(body, "v2025_05_22::Event"),
        ] {
            if let Err(error) = result {
                panic!("{name}: {error}");
            }
        }
    }
}
