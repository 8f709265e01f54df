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

    payload["type"] = json!("com.gigs.porting.completed");
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
