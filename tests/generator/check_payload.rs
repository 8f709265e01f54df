//! `cargo xtask check-payload`: keeping the spec honest against captured traffic.

use gigs_codegen::conformance::{FindingKind, check_payload};
use gigs_events_tests::{SEEDS, json, root, seed, spec_examples};
use serde_json::json;

fn spec() -> gigs_codegen::ir::Spec {
    gigs_codegen::load_and_resolve(&root().join("spec")).unwrap()
}

#[test]
fn seeds_and_examples_are_fully_described() {
    let spec = spec();
    for name in SEEDS {
        let report = check_payload(&spec, &json(&seed(name)));
        assert_eq!(report.findings, [], "{name}");
    }
    for (version, event_type, body) in spec_examples() {
        let report = check_payload(&spec, &json(&body));
        assert_eq!(report.version.as_deref(), Some(version.as_str()));
        assert_eq!(report.findings, [], "{event_type} in {version}");
    }
}

#[test]
fn an_extra_field_and_a_new_enum_value_are_both_reported_with_their_paths() {
    let mut payload = json(&seed("plan.updated.json"));
    payload["data"]["carbonNeutral"] = json!(true);
    payload["data"]["status"] = json!("retired");
    let report = check_payload(&spec(), &payload);
    assert_eq!(report.event_type.as_deref(), Some("com.gigs.plan.updated"));
    assert_eq!(report.version.as_deref(), Some("2024-08-29"));
    let found: Vec<(&str, FindingKind)> = report
        .findings
        .iter()
        .map(|finding| (finding.path.as_str(), finding.kind))
        .collect();
    assert_eq!(
        found,
        [
            ("data.carbonNeutral", FindingKind::UnknownField),
            ("data.status", FindingKind::UnknownEnumValue),
        ]
    );
}

#[test]
fn type_mismatches_missing_fields_and_unknown_events_are_reported() {
    let spec = spec();
    let mut payload = json(&seed("addon.updated.json"));
    payload["data"]["price"]["amount"] = json!("999");
    if let Some(data) = payload["data"].as_object_mut() {
        data.remove("name");
    }
    let messages: Vec<String> = check_payload(&spec, &payload)
        .findings
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        [
            "data.name: required field is missing",
            "data.price.amount: expected an integer, found the string \"999\"",
        ]
    );

    payload["type"] = json!("com.gigs.widget.polished");
    let report = check_payload(&spec, &payload);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].kind, FindingKind::NotInSpec);
}

#[test]
fn the_command_exits_non_zero_unless_every_file_is_described() {
    let scratch = gigs_events_tests::Scratch::new("check-payload");
    let described = root().join("tests/fixtures/seeds/plan.updated.json");
    let mut payload = json(&seed("plan.updated.json"));
    payload["data"]["carbonNeutral"] = json!(true);
    let undescribed = scratch.path().join("captured.json");
    std::fs::write(&undescribed, serde_json::to_vec(&payload).unwrap()).unwrap();

    assert!(xtask::check_payload::run(&root(), std::slice::from_ref(&described)).unwrap());
    assert!(!xtask::check_payload::run(&root(), &[described, undescribed]).unwrap());
}

/// The checker and the crate judge timestamps and dates alike: a value
/// `check-payload` accepts parses, and one it rejects fails the parse.
mod dates_agree_with_the_runtime {
    use gigs_events::VersionedEvent;
    use proptest::prelude::*;

    use super::*;

    /// Read once: property cases are many.
    static SPEC: std::sync::LazyLock<gigs_codegen::ir::Spec> = std::sync::LazyLock::new(spec);

    /// The checker's verdict on `time` and the runtime's, for the plan seed
    /// with its envelope `time` replaced.
    fn verdicts(spec: &gigs_codegen::ir::Spec, time: &str) -> (bool, bool) {
        let mut payload = json(&seed("plan.updated.json"));
        payload["time"] = json!(time);
        let checker_accepts = check_payload(spec, &payload)
            .findings
            .iter()
            .all(|finding| finding.path != "time");
        let body = serde_json::to_vec(&payload).unwrap();
        let runtime_accepts = VersionedEvent::from_json(&body).is_ok();
        (checker_accepts, runtime_accepts)
    }

    #[test]
    fn on_the_cases_that_tell_them_apart() {
        for (time, valid) in [
            ("2024-01-01T00:00:00Z", true),
            ("2024-01-01T00:00:00.0Z", true),
            ("2024-01-01T00:00:00.123456789Z", true),
            ("2024-01-01T00:00:00+02:00", true),
            ("2024-02-29T23:59:59Z", true),
            ("2024-01-01T25:61:61Z", false),
            ("2023-02-29T00:00:00Z", false),
            ("2024-13-01T00:00:00Z", false),
            ("2024-01-01T00:00:00", false),
            ("2024-01-01", false),
            ("", false),
        ] {
            assert_eq!(verdicts(&SPEC, time), (valid, valid), "{time:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn on_strings_shaped_like_timestamps(
            time in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,10})?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
        ) {
            let (checker, runtime) = verdicts(&SPEC, &time);
            prop_assert_eq!(checker, runtime, "{}", time);
        }
    }
}

#[test]
fn union_kinds_the_spec_does_not_list_and_bad_members_are_reported() {
    let spec = spec();
    let path = root().join("tests/fixtures/catalog/2025-05-22/porting.completed.json");
    let mut payload = json(&std::fs::read(path).unwrap());
    assert_eq!(payload["actor"]["type"], "apiKey");
    payload["actor"]["apiKey"] = json!(7);
    let findings: Vec<String> = check_payload(&spec, &payload)
        .findings
        .iter()
        .map(ToString::to_string)
        .filter(|finding| finding.starts_with("actor"))
        .collect();
    assert_eq!(
        findings,
        ["actor.apiKey: expected a string, found the integer 7"]
    );
    payload["actor"] = json!({"type": "automation", "automation": "aut_1"});
    let report = check_payload(&spec, &payload);
    let actor: Vec<(&str, FindingKind)> = report
        .findings
        .iter()
        .filter(|finding| finding.path.starts_with("actor"))
        .map(|finding| (finding.path.as_str(), finding.kind))
        .collect();
    assert_eq!(actor, [("actor.type", FindingKind::UnknownEnumValue)]);
    payload["actor"] = json!({"type": "system", "since": 1});
    let report = check_payload(&spec, &payload);
    assert!(
        report
            .findings
            .iter()
            .any(|finding| finding.path == "actor.since"
                && finding.kind == FindingKind::UnknownField),
        "{:?}",
        report.findings
    );
}
