//! `cargo xtask check-payload --fix`: each kind of change, on scratch copies
//! of the spec. After every fix the spec generates and the payload fits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gigs_codegen::conformance::{FindingKind, check_payload};
use gigs_codegen::fix::{FixError, Fixes, plan};
use gigs_codegen::ir::{FieldKind, Presence, Spec, TypeDef, TypeRef};
use gigs_events_tests::{Scratch, json, scratch_copy, seed, unknown_api_version};
use serde_json::{Value, json};
use xtask::check_payload::Payload;
use xtask::fix_payload::{Outcome, run};

/// A scratch directory holding a copy of the spec as `spec/`.
fn scratch(test: &str) -> Scratch {
    scratch_copy(&format!("fix-{test}"), &["spec"])
}

fn spec_dir(scratch: &Scratch) -> PathBuf {
    scratch.path().join("spec")
}

fn resolved(scratch: &Scratch) -> Spec {
    match gigs_codegen::load_and_resolve(&spec_dir(scratch)) {
        Ok(spec) => spec,
        Err(diagnostics) => panic!("the spec has errors:\n{diagnostics}"),
    }
}

/// The newest version of the scratch spec.
fn newest(scratch: &Scratch) -> String {
    let spec = resolved(scratch);
    spec.versions.last().expect("versions").date.clone()
}

/// The spec's example of `event_type` in `version`.
fn example(scratch: &Scratch, version: &str, event_type: &str) -> Value {
    let spec = resolved(scratch);
    let event = spec
        .versions
        .iter()
        .find(|candidate| candidate.date == version)
        .and_then(|version| {
            version
                .events
                .iter()
                .find(|event| event.event_type == event_type)
        })
        .unwrap_or_else(|| panic!("{event_type} is not in {version}"));
    let example = event.example.as_ref().expect("every event has an example");
    json(example.json.as_bytes())
}

/// The wire name of the first field of `object` in `version` that is
/// required, not nullable and a string: one a payload can break.
fn strict_string_field(scratch: &Scratch, version: &str, object: &str) -> String {
    let spec = resolved(scratch);
    let version = spec
        .versions
        .iter()
        .find(|candidate| candidate.date == version)
        .expect("version");
    version
        .object(object)
        .expect("object")
        .fields
        .iter()
        .find(|field| {
            field.presence == Presence::Always && field.kind == FieldKind::Value(TypeRef::String)
        })
        .map(|field| field.wire_name.clone())
        .expect("a required non-null string field")
}

/// Runs `--fix` on the payloads, as the command does.
fn fix(scratch: &Scratch, payloads: &[&Value]) -> Outcome {
    let payloads: Vec<Payload> = payloads
        .iter()
        .enumerate()
        .map(|(index, payload)| Payload {
            name: format!("payload-{index}.json"),
            body: Ok(serde_json::to_vec(payload).expect("JSON")),
        })
        .collect();
    run(scratch.path(), &payloads).expect("the spec can be read and written")
}

/// Plans the changes for one payload against the scratch spec, without
/// writing anything.
fn planned(scratch: &Scratch, payload: &Value) -> Result<Fixes, FixError> {
    let dir = spec_dir(scratch);
    let read = |path: &Path| std::fs::read_to_string(dir.join(path)).ok();
    plan(&resolved(scratch), payload, &read)
}

/// After a fix: the scratch spec generates, and the payload is fully described.
fn assert_generates_and_fits(scratch: &Scratch, payload: &Value) {
    if let Err(diagnostics) = gigs_codegen::generate(&spec_dir(scratch)) {
        panic!("the fixed spec does not generate:\n{diagnostics}");
    }
    let findings = check_payload(&resolved(scratch), payload).findings;
    assert_eq!(findings, [], "the payload still does not fit");
}

/// Every file of the spec, by path, with its text.
fn snapshot(scratch: &Scratch) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, base: &Path, files: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, files);
            } else {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let relative = path.strip_prefix(base).expect("inside").to_path_buf();
                files.insert(relative, text);
            }
        }
    }
    let mut files = BTreeMap::new();
    let dir = spec_dir(scratch);
    walk(&dir, &dir, &mut files);
    files
}

/// The files that differ between two snapshots.
fn changed(before: &BTreeMap<PathBuf, String>, after: &BTreeMap<PathBuf, String>) -> Vec<String> {
    after
        .iter()
        .filter(|(path, text)| before.get(*path) != Some(text))
        .map(|(path, _)| path.display().to_string())
        .collect()
}

/// `after` is `before` with exactly `inserted` lines added, starting at the
/// 1-based line `at`: nothing else moved or changed.
fn assert_inserted(before: &str, after: &str, at: usize, inserted: &[&str]) {
    let mut expected: Vec<&str> = before.lines().collect();
    for (offset, line) in inserted.iter().enumerate() {
        expected.insert(at - 1 + offset, line);
    }
    let mut expected = expected.join("\n");
    expected.push('\n');
    assert_eq!(after, expected);
}

fn field_of<'a>(
    spec: &'a Spec,
    version: &str,
    object: &str,
    wire: &str,
) -> &'a gigs_codegen::ir::Field {
    spec.versions
        .iter()
        .find(|candidate| candidate.date == version)
        .and_then(|version| version.object(object))
        .and_then(|object| object.fields.iter().find(|field| field.wire_name == wire))
        .unwrap_or_else(|| panic!("{object}.{wire} in {version}"))
}

const PORT_OUT: &str = "com.gigs.portOutCredentials.issued";
const PORT_OUT_FILE: &str = "2024-08-29/objects/portOutCredentials.yaml";

#[test]
fn a_null_in_a_non_null_field_makes_the_field_nullable_where_it_is_defined() {
    let scratch = scratch("null");
    let field = strict_string_field(&scratch, "2024-08-29", "PortOutCredentials");
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    payload["data"][&field] = Value::Null;
    let before = snapshot(&scratch);

    let fixes = planned(&scratch, &payload).expect("planned");
    assert_eq!(fixes.changes.len(), 1, "{:?}", fixes.changes);
    let change = &fixes.changes[0];
    assert_eq!(change.path, format!("data.{field}"));
    assert_eq!(change.span.file, Path::new(PORT_OUT_FILE));
    assert!(change.what.contains("`nullable: true`"), "{}", change.what);

    let outcome = fix(&scratch, &[&payload]);
    assert!(outcome.all_described);
    assert_eq!(outcome.written, [PathBuf::from(PORT_OUT_FILE)]);
    let after = snapshot(&scratch);
    assert_eq!(changed(&before, &after), [PORT_OUT_FILE]);
    let text = &after[Path::new(PORT_OUT_FILE)];
    assert_eq!(
        text.lines().nth(change.span.line - 1),
        Some("    nullable: true")
    );
    assert_inserted(
        &before[Path::new(PORT_OUT_FILE)],
        text,
        change.span.line,
        &["    nullable: true"],
    );
    assert_generates_and_fits(&scratch, &payload);
    let spec = resolved(&scratch);
    assert_eq!(
        field_of(&spec, "2024-08-29", "PortOutCredentials", &field).presence,
        Presence::Nullable
    );
}

#[test]
fn a_missing_required_field_becomes_optional() {
    let scratch = scratch("missing");
    let field = strict_string_field(&scratch, "2024-08-29", "PortOutCredentials");
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    payload["data"]
        .as_object_mut()
        .expect("data")
        .remove(&field);
    let fixes = planned(&scratch, &payload).expect("planned");
    assert_eq!(fixes.changes.len(), 1);
    assert!(fixes.changes[0].what.contains("`required: false`"));

    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);
    let spec = resolved(&scratch);
    assert_eq!(
        field_of(&spec, "2024-08-29", "PortOutCredentials", &field).presence,
        Presence::Optional
    );
}

#[test]
fn unknown_scalar_fields_are_added_optional_and_typed_from_their_values() {
    let scratch = scratch("scalars");
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    let members = [
        (
            "carrierNote",
            json!("moved to another carrier"),
            TypeRef::String,
        ),
        ("attempts", json!(3), TypeRef::Integer),
        ("verified", json!(true), TypeRef::Boolean),
        (
            "verifiedAt",
            json!("2024-12-20T10:00:00Z"),
            TypeRef::Timestamp,
        ),
        ("validUntil", json!("2025-01-31"), TypeRef::Date),
        ("score", json!(0.75), TypeRef::Json),
    ];
    for (key, value, _) in &members {
        payload["data"][*key] = value.clone();
    }
    let fixes = planned(&scratch, &payload).expect("planned");
    assert_eq!(fixes.changes.len(), members.len());
    let score = fixes
        .changes
        .iter()
        .find(|change| change.path == "data.score")
        .expect("a change for score");
    assert!(
        score
            .notes
            .iter()
            .any(|note| note.contains("typed `json`") && note.contains("no number type")),
        "{score:?}"
    );

    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);
    let spec = resolved(&scratch);
    for (key, _, type_ref) in members {
        let field = field_of(&spec, "2024-08-29", "PortOutCredentials", key);
        assert_eq!(field.kind, FieldKind::Value(type_ref), "{key}");
        let expected = if key == "score" {
            Presence::OptionalNullable
        } else {
            Presence::Optional
        };
        assert_eq!(field.presence, expected, "{key}");
        assert!(
            field.description.contains(PORT_OUT),
            "{}",
            field.description
        );
    }
}

#[test]
fn an_unknown_object_gets_object_files_for_its_members_recursively() {
    let scratch = scratch("object");
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    payload["data"]["carrier"] = json!({
        "name": "Acme Mobile",
        "codes": [310, 260],
        "joinedAt": "2024-02-01T00:00:00Z",
        "contact": {"email": "ports@acme.test", "phone": null},
        "regions": [{"code": "DE"}, {"code": "FR", "primary": true}]
    });
    let before = snapshot(&scratch);
    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);

    let after = snapshot(&scratch);
    assert_eq!(
        changed(&before, &after),
        [
            "2024-08-29/objects/portOutCredentials.yaml",
            "2024-08-29/objects/portOutCredentialsCarrier.yaml",
            "2024-08-29/objects/portOutCredentialsCarrierContact.yaml",
            "2024-08-29/objects/portOutCredentialsCarrierRegions.yaml",
        ]
    );
    let spec = resolved(&scratch);
    let carrier = field_of(&spec, "2024-08-29", "PortOutCredentials", "carrier");
    assert_eq!(
        carrier.kind,
        FieldKind::Value(TypeRef::Named("PortOutCredentialsCarrier".to_owned()))
    );
    let kind = |object: &str, wire: &str| field_of(&spec, "2024-08-29", object, wire).kind.clone();
    assert_eq!(
        kind("PortOutCredentialsCarrier", "codes"),
        FieldKind::Value(TypeRef::List(Box::new(TypeRef::Integer)))
    );
    assert_eq!(
        kind("PortOutCredentialsCarrier", "regions"),
        FieldKind::Value(TypeRef::List(Box::new(TypeRef::Named(
            "PortOutCredentialsCarrierRegions".to_owned()
        ))))
    );
    assert_eq!(
        kind("PortOutCredentialsCarrierContact", "phone"),
        FieldKind::Value(TypeRef::Json)
    );
    assert_eq!(
        kind("PortOutCredentialsCarrierRegions", "primary"),
        FieldKind::Value(TypeRef::Boolean)
    );
    // Later versions inherit the object with its new field.
    let newest = newest(&scratch);
    assert_eq!(
        field_of(&spec, &newest, "PortOutCredentials", "carrier").kind,
        carrier.kind
    );
}

#[test]
fn a_null_or_an_empty_list_says_too_little_and_becomes_json() {
    let scratch = scratch("json");
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    payload["data"]["previousCarrier"] = Value::Null;
    payload["data"]["restrictions"] = json!([]);
    let fixes = planned(&scratch, &payload).expect("planned");
    for change in &fixes.changes {
        assert!(change.what.contains("of type `json`"), "{}", change.what);
        assert!(
            change
                .notes
                .iter()
                .any(|note| note.contains("says too little")),
            "{change:?}"
        );
    }
    assert_eq!(fixes.changes.len(), 2);
    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);
    let spec = resolved(&scratch);
    for wire in ["previousCarrier", "restrictions"] {
        let field = field_of(&spec, "2024-08-29", "PortOutCredentials", wire);
        assert_eq!(field.kind, FieldKind::Value(TypeRef::Json), "{wire}");
        assert_eq!(field.presence, Presence::OptionalNullable, "{wire}");
    }
}

#[test]
fn unknown_enum_values_are_added_to_inline_and_named_enums_in_their_style() {
    let scratch = scratch("enum");
    let mut payload = json(&seed("plan.updated.json"));
    payload["data"]["status"] = json!("retired");
    payload["data"]["simTypes"] = json!(["eSIM", "iSIM"]);
    let plan_file = "2024-08-29/objects/plan.yaml";
    let sim_type_file = "2024-08-29/enums/simType.yaml";
    let before = snapshot(&scratch);
    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);

    let after = snapshot(&scratch);
    assert_eq!(changed(&before, &after), [sim_type_file, plan_file]);
    let status_before = before[Path::new(plan_file)]
        .lines()
        .find(|line| line.trim_start().starts_with("enum: [available"))
        .expect("the plan's status is a flow list")
        .to_owned();
    let status_after = status_before.replace(']', ", retired]");
    assert_eq!(
        after[Path::new(plan_file)],
        before[Path::new(plan_file)].replace(&status_before, &status_after)
    );
    let sim_types = &before[Path::new(sim_type_file)];
    assert!(sim_types.ends_with('\n'));
    assert_eq!(
        after[Path::new(sim_type_file)],
        format!("{sim_types}  - iSIM\n")
    );
}

#[test]
fn an_unknown_union_kind_is_added_with_its_members() {
    let scratch = scratch("union");
    let mut payload = example(&scratch, "2025-05-22", "com.gigs.porting.completed");
    assert!(payload["actor"].is_object());
    payload["actor"] = json!({"type": "workflowRobot", "workflowRobot": "wfr_1", "step": 3});
    let fixes = planned(&scratch, &payload).expect("planned");
    assert_eq!(fixes.changes.len(), 1, "{:#?}", fixes.changes);
    assert_eq!(
        fixes.changes[0].span.file,
        Path::new("2025-05-22/unions/actor.yaml")
    );

    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);
    let spec = resolved(&scratch);
    let newest = spec.versions.last().expect("versions");
    let Some(TypeDef::Union(actor)) = newest.types.get("Actor") else {
        panic!("no union Actor");
    };
    let kind = actor.variant("workflowRobot").expect("the new kind");
    let members = newest
        .object(kind.payload.as_deref().expect("members"))
        .expect("the kind's object");
    let wires: Vec<&str> = members
        .fields
        .iter()
        .map(|field| field.wire_name.as_str())
        .collect();
    // Members in the order serde_json keeps them: by key.
    assert_eq!(wires, ["type", "step", "workflowRobot"]);
}

#[test]
fn a_field_defined_in_an_earlier_version_is_changed_there_and_holds_after() {
    let scratch = scratch("earlier");
    let newest = newest(&scratch);
    assert_ne!(newest, "2024-08-29");
    let field = strict_string_field(&scratch, &newest, "PortOutCredentials");
    let mut payload = example(&scratch, &newest, PORT_OUT);
    payload["data"][&field] = Value::Null;
    let fixes = planned(&scratch, &payload).expect("planned");
    assert_eq!(fixes.changes[0].span.file, Path::new(PORT_OUT_FILE));
    assert_eq!(fixes.changes[0].notes, Vec::<String>::new());

    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);
    let spec = resolved(&scratch);
    for version in &spec.versions {
        assert_eq!(
            field_of(&spec, &version.date, "PortOutCredentials", &field).presence,
            Presence::Nullable,
            "{}",
            version.date
        );
    }
}

/// A later version's patch sets the field anew: a payload of that version
/// is fixed in the patch, one of an earlier version in the first file, and
/// the patch's definition is left alone (and named in a note).
#[test]
fn a_field_a_later_version_defines_anew_is_changed_where_the_payloads_version_has_it() {
    let scratch = scratch("redefined");
    let newest = newest(&scratch);
    let field = strict_string_field(&scratch, "2024-08-29", "PortOutCredentials");
    let patch_file = format!("{newest}/objects/portOutCredentials.yaml");
    assert!(!spec_dir(&scratch).join(&patch_file).exists());
    let patch = format!(
        "# The field, described anew in this version.\npatch:\n  set:\n    {field}:\n      type: string\n      description: Described anew.\n"
    );
    std::fs::write(spec_dir(&scratch).join(&patch_file), &patch).expect("write");

    let mut newest_payload = example(&scratch, &newest, PORT_OUT);
    newest_payload["data"][&field] = Value::Null;
    let fixes = planned(&scratch, &newest_payload).expect("planned");
    assert_eq!(fixes.changes[0].span.file, Path::new(&patch_file));
    assert_eq!(fixes.changes[0].span.line, 6);

    let mut first_payload = example(&scratch, "2024-08-29", PORT_OUT);
    first_payload["data"][&field] = Value::Null;
    let fixes = planned(&scratch, &first_payload).expect("planned");
    assert_eq!(fixes.changes[0].span.file, Path::new(PORT_OUT_FILE));
    assert_eq!(
        fixes.changes[0].notes,
        [format!(
            "version {newest} defines `{field}` anew at {patch_file}:4:5; that definition is unchanged"
        )]
    );

    assert!(fix(&scratch, &[&first_payload]).all_described);
    assert_generates_and_fits(&scratch, &first_payload);
    let spec = resolved(&scratch);
    assert_eq!(
        field_of(&spec, &newest, "PortOutCredentials", &field).presence,
        Presence::Always,
        "the later definition is unchanged"
    );
    assert_eq!(
        std::fs::read_to_string(spec_dir(&scratch).join(&patch_file)).expect("read"),
        patch
    );

    assert!(fix(&scratch, &[&newest_payload]).all_described);
    assert_generates_and_fits(&scratch, &newest_payload);
}

#[test]
fn a_payload_needing_several_changes_gets_them_all_at_once() {
    let scratch = scratch("several");
    let mut payload = json(&seed("plan.updated.json"));
    let strict = strict_string_field(&scratch, "2024-08-29", "Plan");
    payload["data"][&strict] = Value::Null;
    payload["data"]
        .as_object_mut()
        .expect("data")
        .remove("status");
    payload["data"]["carbonNeutral"] = json!(true);
    payload["data"]["simTypes"] = json!(["iSIM"]);
    payload["data"]["coverage"]["regionCode"] = json!("EU");
    let before = check_payload(&resolved(&scratch), &payload).findings;
    let kinds: Vec<FindingKind> = before.iter().map(|finding| finding.kind).collect();
    assert_eq!(before.len(), 5, "{kinds:?}");

    let fixes = planned(&scratch, &payload).expect("planned");
    assert_eq!(fixes.changes.len(), 5, "{:?}", fixes.changes);
    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);
}

#[test]
fn comments_and_style_of_a_changed_file_are_kept() {
    let scratch = scratch("style");
    let field = strict_string_field(&scratch, "2024-08-29", "PortOutCredentials");
    let file = spec_dir(&scratch).join(PORT_OUT_FILE);
    let original = std::fs::read_to_string(&file).expect("read");
    // Comments at the top, inside the field and at the end.
    let key_line = format!("  {field}:");
    let commented = format!(
        "# Port-out credentials, as Gigs documents them.\n{}# The end.\n",
        original.replace(
            &format!("{key_line}\n"),
            &format!("{key_line} # the one the test breaks\n    # its type:\n")
        )
    );
    assert_ne!(commented, original);
    std::fs::write(&file, &commented).expect("write");

    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    payload["data"][&field] = Value::Null;
    payload["data"]["carrierNote"] = json!("moved");
    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);

    let after = std::fs::read_to_string(&file).expect("read");
    let type_line = commented
        .lines()
        .position(|line| line == "    # its type:")
        .expect("the comment")
        + 2;
    let with_nullable = {
        let mut lines: Vec<&str> = commented.lines().collect();
        lines.insert(type_line, "    nullable: true");
        lines.join("\n") + "\n"
    };
    let last_field_end = with_nullable.lines().count() - 1;
    assert_inserted(
        &with_nullable,
        &after,
        last_field_end + 1,
        &[
            "  carrierNote:",
            "    type: string",
            "    required: false",
            "    description: \"Not in Gigs' documentation; seen in a `com.gigs.portOutCredentials.issued` payload of version 2024-08-29.\"",
        ],
    );
    assert!(after.ends_with("# The end.\n"));
}

#[test]
fn a_body_that_is_no_gigs_event_changes_nothing() {
    let scratch = scratch("not-an-event");
    let before = snapshot(&scratch);
    let mut without_data = example(&scratch, "2024-08-29", PORT_OUT);
    without_data.as_object_mut().expect("object").remove("data");
    for body in [
        json!({"hello": "world"}),
        json!([1, 2]),
        json!({"object": "plan", "type": PORT_OUT, "data": {}}),
        json!({"object": "event", "type": PORT_OUT, "data": null}),
        without_data,
    ] {
        let error = planned(&scratch, &body).expect_err("refused");
        assert!(matches!(error, FixError::NotAnEnvelope(_)), "{error:?}");
        assert!(error.to_string().contains("nothing changed"), "{error}");
        let outcome = fix(&scratch, &[&body]);
        assert!(!outcome.all_described);
        assert_eq!(outcome.written, Vec::<PathBuf>::new());
    }
    assert_eq!(snapshot(&scratch), before);
}

#[test]
fn an_unknown_event_type_or_version_changes_nothing_and_says_what_to_do() {
    let scratch = scratch("unknown-event");
    let before = snapshot(&scratch);
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    // A name the spec cannot have: a known type with a further segment.
    let unknown = format!("{PORT_OUT}.neverDocumented");
    let known = resolved(&scratch);
    assert!(
        known
            .versions
            .iter()
            .flat_map(|version| &version.events)
            .all(|event| event.event_type != unknown),
        "{unknown} is in the spec"
    );
    payload["type"] = json!(unknown);
    payload["data"]["unknown"] = json!(1);
    let error = planned(&scratch, &payload).expect_err("refused");
    assert_eq!(
        error,
        FixError::EventTypeNotInSpec {
            event_type: unknown.clone(),
            version: "2024-08-29".to_owned(),
        }
    );
    let file_to_write = format!(
        "spec/2024-08-29/events/{}.yaml",
        unknown.trim_start_matches("com.gigs.")
    );
    assert!(error.to_string().contains(&file_to_write), "{error}");
    assert!(!fix(&scratch, &[&payload]).all_described);

    payload["type"] = json!(PORT_OUT);
    let unknown_version = unknown_api_version();
    payload["version"] = json!(unknown_version);
    let error = planned(&scratch, &payload).expect_err("refused");
    assert!(
        error
            .to_string()
            .contains(&format!("cargo xtask new-version {unknown_version}")),
        "{error}"
    );
    assert!(!fix(&scratch, &[&payload]).all_described);
    assert_eq!(snapshot(&scratch), before);
}

#[test]
fn a_wrong_type_is_reported_and_left_while_the_rest_is_fixed() {
    let scratch = scratch("wrong-type");
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    payload["data"]["expiresAt"] = json!(17);
    payload["data"]["carrierNote"] = json!("moved");
    let fixes = planned(&scratch, &payload).expect("planned");
    assert_eq!(fixes.changes.len(), 1);
    assert_eq!(fixes.left.len(), 1);
    assert_eq!(fixes.left[0].kind, FindingKind::TypeMismatch);
    let outcome = fix(&scratch, &[&payload]);
    assert!(!outcome.all_described);
    assert_eq!(outcome.written, [PathBuf::from(PORT_OUT_FILE)]);
    let findings = check_payload(&resolved(&scratch), &payload).findings;
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].path, "data.expiresAt");
}

#[test]
fn two_payloads_needing_the_same_change_get_it_once() {
    let scratch = scratch("twice");
    let mut payload = example(&scratch, "2024-08-29", PORT_OUT);
    payload["data"]["carrierNote"] = json!("moved");
    let before = snapshot(&scratch);
    assert!(fix(&scratch, &[&payload, &payload]).all_described);
    let after = snapshot(&scratch);
    let text = &after[Path::new(PORT_OUT_FILE)];
    assert_eq!(text.matches("carrierNote:").count(), 1);
    assert_eq!(changed(&before, &after), [PORT_OUT_FILE]);
    assert_generates_and_fits(&scratch, &payload);
}

#[test]
fn a_value_of_an_enum_listed_as_a_block_or_patched_goes_into_that_list() {
    let scratch = scratch("enum-lists");
    let newest = newest(&scratch);
    // The newest version adds a value to `simType` by a patch.
    let patch_file = format!("{newest}/enums/simType.yaml");
    let patch = "patch:\n  add: [uSIM] # since this version\n";
    let enums_dir = spec_dir(&scratch).join(&newest).join("enums");
    std::fs::create_dir_all(enums_dir).expect("create");
    std::fs::write(spec_dir(&scratch).join(&patch_file), patch).expect("write");
    let mut plan_payload = example(&scratch, &newest, "com.gigs.plan.updated");
    plan_payload["data"]["simTypes"] = json!(["iSIM"]);

    // `project.type` lists its values as a block of `- value:` items.
    let mut project_payload = example(&scratch, "2024-08-29", "com.gigs.project.updated");
    project_payload["data"]["type"] = json!("staging");
    let project_file = spec_dir(&scratch).join("2024-08-29/objects/project.yaml");
    let project_before = std::fs::read_to_string(&project_file).expect("read");

    assert!(fix(&scratch, &[&plan_payload, &project_payload]).all_described);
    assert_generates_and_fits(&scratch, &plan_payload);
    assert_generates_and_fits(&scratch, &project_payload);
    assert_eq!(
        std::fs::read_to_string(spec_dir(&scratch).join(&patch_file)).expect("read"),
        "patch:\n  add: [uSIM, iSIM] # since this version\n"
    );
    let test_item = project_before
        .lines()
        .position(|line| line == "        description: A project for trying things out.")
        .expect("the last item of project.type");
    assert_inserted(
        &project_before,
        &std::fs::read_to_string(&project_file).expect("read"),
        test_item + 2,
        &["      - staging"],
    );
}

#[test]
fn a_member_the_envelope_lacks_goes_into_the_envelope_of_the_version_and_previous_values_into_the_object()
 {
    let scratch = scratch("envelope");
    let newest = newest(&scratch);
    let mut payload = example(&scratch, &newest, "com.gigs.addon.updated");
    payload["traceId"] = json!("trc_1");
    // The same new field in the object and in its previous values: added once.
    payload["previousData"] = json!({"promotion": "spring"});
    payload["data"]["promotion"] = json!("summer");
    let fixes = planned(&scratch, &payload).expect("planned");
    let files: Vec<(&str, PathBuf)> = fixes
        .changes
        .iter()
        .map(|change| (change.path.as_str(), change.span.file.clone()))
        .collect();
    let spec = resolved(&scratch);
    let newest_version = spec.versions.last().expect("versions");
    let addon_file = newest_version
        .object("Addon")
        .expect("the newest version has Addon")
        .last_changed_in
        .clone();
    assert_eq!(
        files,
        [
            ("data.promotion", addon_file),
            ("traceId", newest_version.envelope_file.clone()),
        ]
    );
    assert!(fix(&scratch, &[&payload]).all_described);
    assert_generates_and_fits(&scratch, &payload);
}
