//! Real payloads through the generated types: the seed payloads Gigs
//! documents, every example of the spec in every version, and the mutations
//! that break naive parsers.

use gigs_events::{RawEvent, VersionedEvent, v2024_08_29, v2024_10_28, v2024_12_20};
use gigs_events_tests::{SEEDS, assert_same_json, json, seed, spec_examples};
use serde_json::{Value, json};

#[test]
fn every_seed_parses_with_the_module_of_its_version_into_its_own_variant() {
    let plan = seed("plan.updated.json");
    match v2024_08_29::Event::from_json(&plan) {
        Ok(v2024_08_29::Event::PlanUpdated(event)) => {
            assert_eq!(event.data.name, "Gigs Global");
            assert_eq!(event.data.price.amount, 999);
            assert_eq!(event.data.price.currency, "USD");
            assert_eq!(event.data.status, v2024_08_29::PlanStatus::Available);
            assert_eq!(event.data.allowances.data_bytes, Some(10_000_000_000));
            assert_eq!(event.time.to_string(), "2022-03-16T14:12:42Z");
        }
        other => panic!("plan.updated parsed as {other:?}"),
    }

    let esim = seed("eSimProfile.updated.json");
    match v2024_08_29::Event::from_json(&esim) {
        Ok(v2024_08_29::Event::ESimProfileUpdated(event)) => {
            assert_eq!(event.data.status, v2024_08_29::ESimProfileStatus::Deleted);
            assert_eq!(event.data.sim.iccid, "89883070000007537119");
            assert_eq!(event.data.sim.type_, v2024_08_29::SimType::ESim);
            assert!(event.previous_data.is_none());
        }
        other => panic!("eSimProfile.updated parsed as {other:?}"),
    }

    let change = seed("subscriptionChange.deleted.json");
    match v2024_10_28::Event::from_json(&change) {
        Ok(v2024_10_28::Event::SubscriptionChangeDeleted(event)) => {
            assert_eq!(
                event.data.subscription.as_deref(),
                Some("sub_0SNlurA049MEWV2gSfSxi00xlPIi")
            );
            assert_eq!(
                event.data.plan.map(|plan| plan.name).as_deref(),
                Some("Gigs Global")
            );
        }
        other => panic!("subscriptionChange.deleted parsed as {other:?}"),
    }

    let addon = seed("addon.updated.json");
    match v2024_12_20::Event::from_json(&addon) {
        Ok(v2024_12_20::Event::AddonUpdated(event)) => {
            assert_eq!(event.data.name, "1GB Data Top-up");
            assert_eq!(event.data.status, v2024_12_20::AddonStatus::Draft);
            assert_eq!(event.id, "evt_0SNlurA049MEWV5gNTcQ5A07h3Ol");
        }
        other => panic!("addon.updated parsed as {other:?}"),
    }
}

#[test]
fn every_seed_round_trips_through_versioned_event() {
    for name in SEEDS {
        let body = seed(name);
        let event = VersionedEvent::from_json(&body)
            .unwrap_or_else(|error| panic!("{name} does not parse: {error}"));
        let expected_type = format!("com.gigs.{}", name.trim_end_matches(".json"));
        assert_eq!(event.event_type(), expected_type, "{name}");
        assert_eq!(event.id(), "evt_0SNlurA049MEWV5gNTcQ5A07h3Ol", "{name}");
        assert!(
            !matches!(event, VersionedEvent::Unsupported(_)),
            "{name} was not parsed with its version's module"
        );
        assert_eq!(event.version(), json(&body)["version"].as_str(), "{name}");
        let serialized = serde_json::to_vec(&event).unwrap_or_default();
        assert_same_json(&body, &serialized, name);
    }
}

#[test]
fn every_spec_example_parses_into_its_own_variant_in_every_version_and_round_trips() {
    let examples = spec_examples();
    assert!(examples.len() >= 18 * 3, "only {} examples", examples.len());
    for (version, event_type, body) in examples {
        let context = format!("{event_type} in {version}");
        let event = VersionedEvent::from_json(&body)
            .unwrap_or_else(|error| panic!("{context} does not parse: {error}"));
        assert_eq!(event.version(), Some(version.as_str()), "{context}");
        assert_eq!(event.event_type(), event_type, "{context}");
        assert!(
            event.untyped().is_none(),
            "{context} was not parsed into its own variant"
        );
        let serialized = serde_json::to_vec(&event).unwrap_or_default();
        assert_same_json(&body, &serialized, &context);
    }
}

/// A seed with one change made to its JSON.
fn mutated(name: &str, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value = json(&seed(name));
    change(&mut value);
    serde_json::to_vec(&value).unwrap_or_default()
}

#[test]
fn an_unknown_enum_value_is_kept_and_serializes_back_unchanged() {
    let body = mutated("plan.updated.json", |plan| {
        plan["data"]["status"] = json!("superseded");
        plan["data"]["simTypes"] = json!(["eSIM", "iSIM"]);
    });
    let Ok(v2024_08_29::Event::PlanUpdated(event)) = v2024_08_29::Event::from_json(&body) else {
        panic!("a new enum value broke the parse");
    };
    assert_eq!(
        event.data.status,
        v2024_08_29::PlanStatus::Unrecognized("superseded".to_owned())
    );
    assert_eq!(event.data.status.as_str(), "superseded");
    assert_eq!(
        event.data.sim_types,
        [
            v2024_08_29::SimType::ESim,
            v2024_08_29::SimType::Unrecognized("iSIM".to_owned())
        ]
    );
    let serialized = serde_json::to_vec(&event).unwrap_or_default();
    assert_same_json(&body, &serialized, "unknown enum values");
}

#[test]
fn an_unknown_event_type_is_kept_whole_and_round_trips_byte_for_byte() {
    let body = br#"{"object":"event","id":"evt_1","type":"com.gigs.widget.polished","version":"2024-08-29","data":{"object":"widget","id":"wdg_1","nested":[1,2.5,null]},"time":"2024-01-01T00:00:00Z"}"#;
    let event = v2024_08_29::Event::from_json(body).unwrap_or_else(|error| panic!("{error}"));
    let v2024_08_29::Event::Unknown(raw) = &event else {
        panic!("an unknown event type was typed: {event:?}");
    };
    assert_eq!(raw.event_type(), "com.gigs.widget.polished");
    assert_eq!(raw.id(), "evt_1");
    assert_eq!(raw.version(), Some("2024-08-29"));
    assert_eq!(event.event_type(), "com.gigs.widget.polished");
    assert_eq!(event.id(), "evt_1");
    let serialized = serde_json::to_vec(&event).unwrap_or_default();
    assert_eq!(serialized, body.to_vec());
    let reparsed: RawEvent =
        serde_json::from_slice(&serialized).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(&reparsed, raw.as_ref());
}

#[test]
fn an_unknown_api_version_is_kept_whole() {
    let unknown = gigs_events_tests::unknown_api_version();
    let body = mutated("plan.updated.json", |plan| plan["version"] = json!(unknown));
    let event = VersionedEvent::from_json(&body).unwrap_or_else(|error| panic!("{error}"));
    let VersionedEvent::Unsupported(raw) = &event else {
        panic!("an unknown version was parsed as {event:?}");
    };
    assert_eq!(raw.version(), Some(unknown.as_str()));
    assert_eq!(raw.event_type(), "com.gigs.plan.updated");
    assert_eq!(serde_json::to_vec(&event).unwrap_or_default(), body);
}

#[test]
fn unknown_fields_are_ignored_at_every_level() {
    let body = mutated("subscriptionChange.deleted.json", |change| {
        change["newEnvelopeField"] = json!({"deep": [1, 2, 3]});
        change["data"]["newDataField"] = json!(true);
        change["data"]["plan"]["price"]["taxIncluded"] = json!(false);
        change["data"]["sim"]["metadata"] = json!({"a": "b"});
    });
    let event = v2024_10_28::Event::from_json(&body).unwrap_or_else(|error| panic!("{error}"));
    let v2024_10_28::Event::SubscriptionChangeDeleted(event) = event else {
        panic!("parsed as {event:?}");
    };
    assert_eq!(
        event.data.plan.as_ref().map(|plan| plan.price.amount),
        Some(999)
    );
    let original = seed("subscriptionChange.deleted.json");
    let serialized = serde_json::to_vec(&event).unwrap_or_default();
    assert_same_json(
        &original,
        &serialized,
        "extra fields are dropped, the rest is kept",
    );
}

#[test]
fn nullable_plan_fields_accept_null_and_serialize_it_back() {
    let body = mutated("plan.updated.json", |plan| {
        plan["data"]["description"] = Value::Null;
        plan["data"]["image"] = Value::Null;
    });
    let Ok(v2024_08_29::Event::PlanUpdated(event)) = v2024_08_29::Event::from_json(&body) else {
        panic!("null in a nullable field broke the parse");
    };
    assert_eq!(event.data.description, None);
    assert_eq!(event.data.image, None);
    let serialized = serde_json::to_vec(&event).unwrap_or_default();
    assert_same_json(&body, &serialized, "nulls");
    assert_eq!(json(&serialized)["data"]["description"], Value::Null);
}

#[test]
fn previous_data_tells_absent_from_null() {
    let body = mutated("plan.updated.json", |plan| {
        plan["previousData"] =
            json!({"description": null, "name": "Gigs Local", "status": "draft"});
    });
    let Ok(v2024_08_29::Event::PlanUpdated(event)) = v2024_08_29::Event::from_json(&body) else {
        panic!("previousData broke the parse");
    };
    let Some(previous) = &event.previous_data else {
        panic!("previousData was dropped");
    };
    assert_eq!(previous.description, Some(None), "null before");
    assert_eq!(previous.image, None, "unchanged, so absent");
    assert_eq!(previous.name.as_deref(), Some("Gigs Local"));
    assert_eq!(previous.status, Some(v2024_08_29::PlanStatus::Draft));
    let serialized = serde_json::to_vec(&event).unwrap_or_default();
    assert_same_json(&body, &serialized, "previousData");
    let written = json(&serialized);
    assert_eq!(written["previousData"]["description"], Value::Null);
    assert!(written["previousData"].get("image").is_none());
}

#[test]
fn sim_metadata_exists_from_2024_12_20_only() {
    let body = mutated("eSimProfile.updated.json", |esim| {
        esim["version"] = json!("2024-12-20");
        esim["data"]["sim"]["metadata"] = json!({"team": "ops"});
    });
    let Ok(VersionedEvent::V2024_12_20(v2024_12_20::Event::ESimProfileUpdated(event))) =
        VersionedEvent::from_json(&body)
    else {
        panic!("a 2024-12-20 eSimProfile.updated was not parsed with its version");
    };
    let metadata = event.data.sim.metadata.unwrap_or_default();
    assert_eq!(metadata.get("team").map(String::as_str), Some("ops"));
}
