//! The generator on a small spec built to break it: fields named like
//! keywords and prelude types, names that collide after case conversion,
//! enum values that are not identifiers, nested lists, a three-part event
//! type, an overlay version, and an envelope member whose type is named
//! like the envelope's type parameter.
//!
//! The generated code is snapshotted under `tests/obstacle/generated/` (see
//! `tests/generator/obstacle_snapshot.rs`) and, being part of this test crate, compiled and
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

/// The obstacle payload with `data.gadgets` set to `gadgets` (JSON text).
fn with_gadgets(gadgets: &str) -> String {
    PAYLOAD.replace(
        r#""async": "yes""#,
        &format!(r#""async": "yes", "gadgets": {gadgets}"#),
    )
}

#[test]
fn tagged_unions_read_every_kind_wherever_the_tag_is() {
    let body = with_gadgets(
        r#"[
            {"type": "gear", "teeth": 12, "inner": {"kind": "spring", "stiffness": 3}},
            {"teeth": 8, "type": "gear", "inner": null},
            {"type": "self-test"},
            {"type": "laser", "watts": [1, 2], "nested": {"a": null}}
        ]"#,
    );
    let v2024_02_01::Event::WidgetPartAdded(event) =
        v2024_02_01::Event::from_json(body.as_bytes()).unwrap()
    else {
        panic!("not dispatched");
    };
    let gadgets = event.data.gadgets.as_deref().unwrap();
    let v2024_02_01::Gadget::Gear(first) = &gadgets[0] else {
        panic!("{:?}", gadgets[0]);
    };
    assert_eq!(first.teeth, 12);
    assert_eq!(
        first.inner,
        Some(Some(v2024_02_01::Gadget2::Spring(
            v2024_02_01::Gadget2Spring { stiffness: 3 }
        )))
    );
    let v2024_02_01::Gadget::Gear(second) = &gadgets[1] else {
        panic!("{:?}", gadgets[1]);
    };
    assert_eq!((second.teeth, second.inner.clone()), (8, Some(None)));
    assert_eq!(gadgets[2], v2024_02_01::Gadget::SelfTest);
    assert_eq!(gadgets[2].kind(), "self-test");
    let v2024_02_01::Gadget::Unrecognized(laser) = &gadgets[3] else {
        panic!("{:?}", gadgets[3]);
    };
    assert_eq!(laser.kind(), "laser");

    // Known kinds write their tag first; an unknown one comes back as it came.
    let written = serde_json::to_value(&event).unwrap();
    assert_eq!(
        written["data"]["gadgets"],
        serde_json::json!([
            {"type": "gear", "teeth": 12, "inner": {"kind": "spring", "stiffness": 3}},
            {"type": "gear", "teeth": 8, "inner": null},
            {"type": "self-test"},
            {"type": "laser", "watts": [1, 2], "nested": {"a": null}}
        ])
    );
    assert_eq!(
        serde_json::to_string(laser).unwrap(),
        r#"{"type":"laser","watts":[1, 2],"nested":{"a": null}}"#
    );
}

#[test]
fn a_bad_member_of_a_known_kind_names_its_path() {
    let body = with_gadgets(r#"[{"type": "self-test"}, {"type": "gear", "teeth": "12"}]"#);
    let error = v2024_02_01::Event::from_json(body.as_bytes()).unwrap_err();
    assert_eq!(error.path(), Some("data.gadgets[1].teeth"), "{error}");
    assert_eq!(error.message(), "invalid type: string \"12\", expected i64");
    let missing = with_gadgets(r#"[{"teeth": 1}]"#);
    let error = v2024_02_01::Event::from_json(missing.as_bytes()).unwrap_err();
    assert_eq!(error.path(), Some("data.gadgets[0]"), "{error}");
    assert_eq!(error.message(), "missing field `type`");
}

#[test]
fn an_envelope_member_of_a_type_named_data_is_absent_null_or_present() {
    let with_trace = |trace: &str| {
        PAYLOAD.replacen(
            "\"id\": \"evt_1\",",
            &format!("\"id\": \"evt_1\", \"trace\": {trace},"),
            1,
        )
    };
    let trace_of = |body: &str| match v2024_02_01::Event::from_json(body.as_bytes()) {
        Ok(v2024_02_01::Event::WidgetPartAdded(event)) => {
            let round_trip = serde_json::to_value(&event).unwrap();
            assert_eq!(
                round_trip,
                serde_json::from_str::<serde_json::Value>(body).unwrap()
            );
            event.trace
        }
        other => panic!("not a widget.part.added: {other:?}"),
    };
    assert_eq!(trace_of(PAYLOAD), None);
    assert_eq!(trace_of(&with_trace("null")), Some(None));
    assert_eq!(
        trace_of(&with_trace(r#"{"span": "s1"}"#)),
        Some(Some(v2024_02_01::Data {
            span: "s1".to_owned()
        }))
    );
    let error = v2024_02_01::Event::from_json(with_trace(r#"{"span": 1}"#).as_bytes()).unwrap_err();
    assert_eq!(error.path(), Some("trace.span"));
}
