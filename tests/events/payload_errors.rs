//! Payloads that must fail, and what their errors say.

use gigs_events::{Error, v2024_08_29};
use gigs_events_tests::{json, seed};
use serde_json::{Value, json};

fn mutated(change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value = json(&seed("plan.updated.json"));
    change(&mut value);
    serde_json::to_vec_pretty(&value).unwrap_or_default()
}

fn parse_error(body: &[u8]) -> Error {
    match v2024_08_29::Event::from_json(body) {
        Ok(event) => panic!("parsed, but should not have: {event:?}"),
        Err(error) => error,
    }
}

#[test]
fn a_wrong_type_names_the_json_path_and_the_event_type() {
    let error = parse_error(&mutated(|plan| {
        plan["data"]["price"]["amount"] = json!("999")
    }));
    assert!(matches!(error, Error::Data { .. }), "{error:?}");
    assert_eq!(error.event_type(), Some("com.gigs.plan.updated"));
    assert_eq!(error.path(), Some("data.price.amount"));
    assert_eq!(
        error.message(),
        "invalid type: string \"999\", expected i64"
    );
    assert_eq!(
        error.to_string(),
        "data.price.amount: invalid type: string \"999\", expected i64 (in a com.gigs.plan.updated event)"
    );
}

#[test]
fn a_missing_required_field_names_the_object_it_is_missing_from() {
    let error = parse_error(&mutated(|plan| {
        if let Some(data) = plan["data"].as_object_mut() {
            data.remove("name");
        }
    }));
    assert_eq!(error.path(), Some("data"));
    assert_eq!(error.event_type(), Some("com.gigs.plan.updated"));
    assert!(
        error.to_string().contains("missing field `name`"),
        "{error}"
    );
}

#[test]
fn an_error_inside_a_list_names_the_index() {
    let error = parse_error(&mutated(|plan| plan["data"]["simTypes"][1] = json!(7)));
    assert_eq!(error.path(), Some("data.simTypes[1]"));
}

#[test]
fn an_invalid_timestamp_in_the_envelope_is_an_envelope_error() {
    let error = parse_error(&mutated(|plan| plan["time"] = json!("yesterday")));
    let Error::Envelope { path, .. } = &error else {
        panic!("expected an envelope error, got {error:?}");
    };
    assert_eq!(path, "time");
}

#[test]
fn malformed_json_gives_line_and_column() {
    let error = parse_error(b"{\n  \"object\": \"event\",\n  \"id\": evt_1\n}");
    let Error::Syntax {
        line,
        column,
        message,
        ..
    } = &error
    else {
        panic!("expected a syntax error, got {error:?}");
    };
    assert_eq!((*line, *column), (3, 9));
    assert_eq!(message, "expected value");
    assert_eq!(
        error.to_string(),
        "malformed JSON at line 3, column 9: expected value"
    );
}

#[test]
fn a_truncated_body_is_a_syntax_error() {
    let body = seed("plan.updated.json");
    let error = parse_error(&body[..body.len() / 2]);
    assert!(matches!(error, Error::Syntax { .. }), "{error:?}");
}

#[test]
fn a_body_that_is_not_an_object_is_not_an_event() {
    for body in [
        &b"[1, 2, 3]"[..],
        b"\"com.gigs.plan.updated\"",
        b"42",
        b"null",
    ] {
        let error = parse_error(body);
        let Error::Envelope { path, message, .. } = &error else {
            panic!("expected an envelope error, got {error:?}");
        };
        assert_eq!(path, "");
        assert!(message.contains("a Gigs event envelope"), "{message}");
    }
}

#[test]
fn an_envelope_without_type_or_id_is_not_an_event() {
    let without_type = mutated(|plan| {
        if let Some(envelope) = plan.as_object_mut() {
            envelope.remove("type");
        }
    });
    let error = parse_error(&without_type);
    assert!(matches!(error, Error::Envelope { .. }), "{error:?}");
    assert_eq!(error.path(), Some(""));
    assert_eq!(error.message(), "missing field `type`");
    let id_not_a_string = mutated(|plan| plan["id"] = json!(17));
    assert_eq!(parse_error(&id_not_a_string).path(), Some("id"));
}

#[test]
fn a_non_utf8_body_is_rejected_without_panicking() {
    let mut body = seed("plan.updated.json");
    let position = body
        .windows(11)
        .position(|window| window == b"Gigs Global")
        .unwrap_or(0);
    body[position] = 0xFF;
    let error = parse_error(&body);
    assert!(matches!(error, Error::Syntax { .. }), "{error:?}");
}

#[test]
fn a_missing_envelope_member_is_an_envelope_error_at_the_top() {
    let error = parse_error(&mutated(|plan| {
        if let Some(envelope) = plan.as_object_mut() {
            envelope.remove("project");
        }
    }));
    let Error::Envelope { path, message, .. } = &error else {
        panic!("expected an envelope error, got {error:?}");
    };
    assert_eq!(path, "");
    assert_eq!(message, "missing field `project`");
}

#[test]
fn previous_values_of_the_wrong_shape_name_their_path() {
    let error = parse_error(&mutated(|plan| {
        plan["previousData"]["price"] = json!({"amount": "cheap", "currency": "USD"});
    }));
    assert!(matches!(error, Error::Data { .. }), "{error:?}");
    assert_eq!(error.path(), Some("previousData.price.amount"));
}

#[test]
fn previous_values_on_an_event_that_has_none_are_ignored_like_any_unknown_member() {
    let body = seed("subscriptionChange.deleted.json");
    let mut with_previous = json(&body);
    with_previous["previousData"] = json!({"anything": [1, {"at": null}], "status": 5});
    let with_previous = serde_json::to_vec(&with_previous).unwrap_or_default();
    let plain = gigs_events::v2024_10_28::Event::from_json(&body);
    let extra = gigs_events::v2024_10_28::Event::from_json(&with_previous);
    assert!(plain.is_ok(), "{plain:?}");
    assert_eq!(extra, plain);
}

#[test]
fn a_type_given_twice_is_an_envelope_error_wherever_the_second_is() {
    let body = String::from_utf8(seed("plan.updated.json")).unwrap_or_default();
    let once_more = r#""type": "com.gigs.plan.updated", "datacontenttype""#;
    let twice = body.replacen(r#""datacontenttype""#, once_more, 1);
    assert_ne!(twice, body);
    let error = parse_error(twice.as_bytes());
    let Error::Envelope { path, message, .. } = &error else {
        panic!("expected an envelope error, got {error:?}");
    };
    assert_eq!(path, "");
    assert_eq!(message, "duplicate field `type`");
}

#[test]
fn a_shared_member_given_twice_is_an_envelope_error() {
    let body = String::from_utf8(seed("plan.updated.json")).unwrap_or_default();
    let twice = body.replacen(r#""source""#, r#""project": "other", "source""#, 1);
    assert_ne!(twice, body);
    let error = parse_error(twice.as_bytes());
    let Error::Envelope { path, message, .. } = &error else {
        panic!("expected an envelope error, got {error:?}");
    };
    assert_eq!(path, "");
    assert_eq!(message, "duplicate field `project`");
}
