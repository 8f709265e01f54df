//! The generator on a small spec built to break it: fields named like
//! keywords and prelude types, names that collide after case conversion,
//! enum values that are not identifiers, nested lists, a three-part event
//! type, and an overlay version.
//!
//! The generated code is snapshotted under `tests/obstacle/generated/` (see
//! `obstacle_snapshot.rs`) and, being part of this test crate, compiled and
//! exercised here; the crate root (`main.rs`) holds it.

use gigs_events::{Error, ParseEvent, RawEvent};

use crate::api::{v2024_01_01, v2024_02_01};

const PAYLOAD: &str = r#"{
  "object": "event",
  "id": "evt_1",
  "type": "com.gigs.widget.part.added",
  "time": "2024-01-01T00:00:00Z",
  "version": "2024-02-01",
  "data": {
    "object": "widget",
    "type": "t",
    "self": "s",
    "ref": "r",
    "match": 3,
    "Option": false,
    "Result": {"ok": true},
    "userId": "usr_1",
    "user_id": "usr_2",
    "user.fullName": null,
    "kind": "5g",
    "tags": [["red", "Red-Green", "green"], []],
    "labels": {"a": "b"},
    "async": "yes"
  }
}"#;

#[test]
#[allow(deprecated)]
fn keyword_and_prelude_named_fields_parse_and_round_trip() {
    let event = v2024_02_01::Event::from_json(PAYLOAD.as_bytes()).unwrap();
    let v2024_02_01::Event::WidgetPartAdded(event) = &event else {
        panic!("three-part event type not dispatched: {event:?}");
    };
    let widget = &event.data;
    assert_eq!(
        (
            widget.type_.as_str(),
            widget.self_.as_str(),
            widget.ref_.as_str()
        ),
        ("t", "s", "r")
    );
    assert_eq!(widget.match_, Some(3));
    assert_eq!(widget.option, Some(false));
    assert_eq!(widget.result, v2024_02_01::Result { ok: true });
    assert_eq!(
        (widget.user_id.as_str(), widget.user_id_legacy.as_str()),
        ("usr_1", "usr_2")
    );
    assert_eq!(widget.user_full_name, Some(None));
    assert_eq!(widget.kind, v2024_02_01::WidgetKind::FiveG);
    assert_eq!(
        widget.tags,
        [
            vec![
                v2024_02_01::Tag::Red,
                v2024_02_01::Tag::RedGreen,
                v2024_02_01::Tag::Unrecognized("green".to_owned()),
            ],
            vec![],
        ]
    );
    assert_eq!(widget.labels.get("a").map(String::as_str), Some("b"));
    assert_eq!(widget.async_.as_deref(), Some("yes"));
    let round_trip: serde_json::Value = serde_json::to_value(event).unwrap();
    let original: serde_json::Value = serde_json::from_str(PAYLOAD).unwrap();
    assert_eq!(round_trip, original);
}

#[test]
fn enum_values_that_are_not_identifiers_keep_their_wire_form() {
    use v2024_01_01::WidgetKind;
    for (value, variant) in [
        ("feature-phone", WidgetKind::FeaturePhone),
        ("eSIM", WidgetKind::ESim),
        ("unknown", WidgetKind::Unknown),
        ("5g", WidgetKind::FiveG),
    ] {
        assert_eq!(WidgetKind::from(value), variant);
        assert_eq!(variant.as_str(), value);
        assert_eq!(
            serde_json::to_string(&variant).unwrap(),
            format!("\"{value}\"")
        );
    }
}

#[test]
fn unchanged_types_are_shared_and_changed_ones_are_not() {
    // Compiles only while `Result` and `Tag` are one type in both versions.
    let shared: v2024_01_01::Result = v2024_02_01::Result { ok: true };
    let tag: v2024_02_01::Tag = v2024_01_01::Tag::Red;
    assert!(shared.ok);
    assert_eq!(tag, v2024_02_01::Tag::Red);
    // `Widget` gained `async` and lost `born`, so the versions differ.
    assert_ne!(
        std::any::TypeId::of::<v2024_01_01::Widget>(),
        std::any::TypeId::of::<v2024_02_01::Widget>()
    );
}

#[test]
fn the_runtime_names_resolve_as_in_the_real_crate() {
    let body = br#"{"type":"com.gigs.other.thing","id":"evt_9","data":{}}"#;
    let event = <v2024_01_01::Event as ParseEvent>::from_json(body).unwrap();
    let v2024_01_01::Event::Unknown(raw) = &event else {
        panic!("unknown type typed: {event:?}");
    };
    let raw: &RawEvent = raw;
    assert_eq!(raw.event_type(), "com.gigs.other.thing");
    let error: Error = v2024_01_01::Event::from_json(b"[]").unwrap_err();
    assert_eq!(error.path(), Some(""));
}
