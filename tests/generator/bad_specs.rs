//! Bad specs, and what the generator says about them.
//!
//! Every directory under `bad_specs/` is a small, complete spec with exactly
//! one defect; its `expected.txt` is everything the generator reports, as
//! `cargo xtask regen` prints it. After changing a message, rewrite the
//! expectations with `UPDATE_EXPECT=1 cargo test -p gigs-events-tests --test
//! generator bad_specs` and read the diff.
//!
//! Directories starting with `_` are valid specs: `_base`, the spec every
//! case is a variation of, and `_valid_*`, inputs that must not be errors.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use expect_test::{expect, expect_file};
use gigs_codegen::spec::ObjectFile;
use gigs_events_tests::{Scratch, scratch_copy};
use xtask::sync::PlanError;

/// One test per case directory, and the list of them.
macro_rules! bad_specs {
    ($($case:ident)*) => {
        $(
            #[test]
            fn $case() {
                check(stringify!($case));
            }
        )*

        const CASES: &[&str] = &[$(stringify!($case)),*];
    };
}

bad_specs! {
    alias_amplification
    alias_bomb
    comment_only_file
    containment_cycle
    data_outside_envelope
    deprecated_without_note
    duplicate_enum_value
    duplicate_event_type
    duplicate_key
    empty_enum
    empty_file
    enum_value_is_a_list
    enum_value_without_value
    enum_values_collide
    envelope_without_id
    event_data_missing_object
    event_file_name_mismatch
    event_previous_data_without_envelope_field
    event_type_one_part
    event_type_prefix
    example_missing
    example_missing_required_field
    example_not_json
    example_unknown_field
    example_unlisted_enum_value
    example_wrong_type
    field_names_collide
    field_with_type_and_enum
    invalid_rust_name
    missing_event_description
    missing_field_description
    missing_object_description
    multiple_yaml_documents
    non_utf8
    overlay_removes_unknown_field
    overlay_removes_unknown_object
    patch_and_definition
    patch_of_undefined_object
    removed_in_first_version
    reserved_type_name
    tab_indentation
    type_name_collision
    unexpected_file
    unknown_attribute
    unknown_type
    unknown_type_in_list
    version_date_february_30
    version_date_month_13
    version_dir_missing
    version_dir_not_listed
    versions_file_missing
    versions_out_of_order
    wrong_yaml_type_fields
    wrong_yaml_type_required
    yaml_syntax_error
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bad_specs")
}

/// A repository root of its own in the temporary directory, whose spec is a
/// copy of the case directory `case`, beside `generated/Cargo.toml`, which
/// regeneration would edit.
fn scratch_with_case(case: &str) -> Scratch {
    let scratch = scratch_copy(&format!("bad-specs-{case}"), &["generated/Cargo.toml"]);
    copy_spec(&cases_dir().join(case), &scratch.path().join("spec"));
    scratch
}

/// Copies the spec files of `from` (not `expected.txt`) into `to`.
fn copy_spec(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_spec(&entry.path(), &target);
        } else if entry.file_name() != "expected.txt" {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The case is rejected, with exactly the messages of its `expected.txt`,
/// and regeneration would write nothing. How quickly hostile specs are
/// refused is measured by `cargo bench -p gigs-codegen --bench generate`.
fn check(case: &str) {
    let scratch = scratch_with_case(case);
    let result = gigs_codegen::generate(&scratch.path().join("spec"));
    let diagnostics = match result {
        Ok(_) => panic!("the bad spec `{case}` was accepted"),
        Err(diagnostics) => diagnostics,
    };
    assert!(
        !diagnostics.is_empty(),
        "{case}: an error without a message"
    );
    expect_file![cases_dir().join(case).join("expected.txt")]
        .assert_eq(&format!("{diagnostics}\n"));
    match xtask::sync::plan(scratch.path()) {
        Err(PlanError::Spec(planned)) => assert_eq!(
            planned, diagnostics,
            "{case}: `cargo xtask regen` reports something else"
        ),
        Err(other) => panic!("{case}: planning failed for another reason: {other}"),
        Ok(_) => panic!("{case}: `cargo xtask regen` would write files"),
    }
}

#[test]
fn every_case_directory_has_its_test() {
    let mut on_disk: Vec<String> = fs::read_dir(cases_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('_'))
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, CASES, "add new case directories to `bad_specs!`");
    assert!(CASES.len() >= 30);
}

#[test]
fn the_base_of_every_case_is_a_valid_spec() {
    let generated = gigs_codegen::generate(&cases_dir().join("_base"))
        .unwrap_or_else(|diagnostics| panic!("the base spec has errors:\n{diagnostics}"));
    assert_eq!(generated.summary.versions, 1);
    assert_eq!(generated.summary.events, 1);
}

/// `_valid_every_file_kind` is the fuzz seed that reaches every kind of
/// spec file; each of its files must take effect, or the seed stops
/// exercising what it is there for.
#[test]
fn every_file_kind_takes_effect() {
    use gigs_codegen::ir::TypeDef;

    let spec = gigs_codegen::load_and_resolve(&cases_dir().join("_valid_every_file_kind"))
        .unwrap_or_else(|diagnostics| {
            panic!("the spec of every file kind has errors:\n{diagnostics}")
        });
    let dates: Vec<&str> = spec
        .versions
        .iter()
        .map(|version| version.date.as_str())
        .collect();
    assert_eq!(dates, ["2024-08-29", "2024-10-28"]);
    let [first, second] = &spec.versions[..] else {
        unreachable!("two versions")
    };
    // The wire names of an object's fields or of an enum's values.
    let members = |version: &gigs_codegen::ir::Version, name: &str| -> Vec<String> {
        match version.types.get(name) {
            Some(TypeDef::Object(object)) => object
                .fields
                .iter()
                .map(|field| field.wire_name.clone())
                .collect(),
            Some(TypeDef::Enum(enum_def)) => enum_def
                .values
                .iter()
                .map(|value| value.wire.clone())
                .collect(),
            other => panic!("{}: {name} is no object or enum: {other:?}", version.date),
        }
    };
    let event_types = |version: &gigs_codegen::ir::Version| -> Vec<String> {
        version
            .events
            .iter()
            .map(|event| event.event_type.clone())
            .collect()
    };
    let has_version_member = |version: &gigs_codegen::ir::Version| {
        version
            .envelope
            .iter()
            .any(|field| field.wire_name == "version")
    };

    // The first version: objects, an enum, a union and events, complete.
    assert_eq!(
        members(first, "Plan"),
        ["id", "status", "simTypes", "price", "source", "legacy"]
    );
    assert!(matches!(first.types.get("Source"), Some(TypeDef::Union(_))));
    assert!(first.types.contains_key("Coupon"));
    assert_eq!(members(first, "SimType"), ["eSIM", "pSIM", "5g-router"]);
    assert_eq!(
        event_types(first),
        [
            "com.gigs.coupon.created",
            "com.gigs.plan.created",
            "com.gigs.plan.updated"
        ]
    );
    assert!(!has_version_member(first));

    // The second: an envelope patch, an object patch, an enum patch,
    // `removed.yaml` and a new event.
    assert!(has_version_member(second));
    assert_eq!(
        members(second, "Plan"),
        ["id", "status", "simTypes", "price", "source", "name"]
    );
    assert_eq!(members(second, "SimType"), ["eSIM", "pSIM", "iSIM"]);
    assert!(!second.types.contains_key("Coupon"));
    assert_eq!(
        event_types(second),
        [
            "com.gigs.plan.created",
            "com.gigs.plan.published",
            "com.gigs.plan.updated"
        ]
    );
}

#[test]
fn rust_keywords_are_fine_as_field_names() {
    let generated = gigs_codegen::generate(&cases_dir().join("_valid_rust_keywords"))
        .unwrap_or_else(|diagnostics| {
            panic!("keywords as field names were refused:\n{diagnostics}")
        });
    let plan = generated
        .files
        .iter()
        .find(|(path, _)| path.parent().is_some_and(|dir| dir.ends_with("plan")))
        .map(|(_, contents)| contents)
        .expect("no revision of `Plan` was generated");
    for keyword in ["type", "self", "ref", "match", "fn"] {
        assert!(
            plan.contains(&format!("pub {keyword}_:")),
            "no field `{keyword}_` in:\n{plan}"
        );
        assert!(
            plan.contains(&format!("rename = \"{keyword}\"")),
            "`{keyword}_` is not renamed to `{keyword}` in:\n{plan}"
        );
    }
}

#[test]
fn a_later_version_without_an_example_gets_one_derived_from_the_written_one() {
    let spec = gigs_codegen::load_and_resolve(
        &cases_dir().join("_valid_example_derived_for_a_later_version"),
    )
    .unwrap_or_else(|diagnostics| panic!("the derivation was refused:\n{diagnostics}"));
    let example = |date: &str| {
        let version = spec
            .versions
            .iter()
            .find(|version| version.date == date)
            .unwrap();
        let example = version.events[0].example.clone().unwrap();
        (
            example.written_for,
            serde_json::from_str::<serde_json::Value>(&example.json).unwrap(),
        )
    };
    let (written_for, written) = example("2024-08-29");
    assert_eq!(written_for, "2024-08-29");
    assert_eq!(written["data"]["status"], "available");
    let (written_for, derived) = example("2024-10-28");
    assert_eq!(written_for, "2024-08-29");
    assert_eq!(derived["type"], "com.gigs.plan.created");
    assert_eq!(derived["id"], written["id"]);
    assert_eq!(derived["data"]["id"], written["data"]["id"]);
    assert!(derived["data"].get("status").is_none(), "{derived}");
    assert_eq!(derived["data"]["name"], "Starter");
}

#[test]
fn a_50_mib_file_is_refused_by_its_size_without_being_read() {
    let scratch = scratch_with_case("_base");
    // A valid object padded with comments to 50 MiB: only its size is wrong.
    let path = scratch.path().join("spec/2024-08-29/objects/plan.yaml");
    let head = fs::read(&path).unwrap();
    let size = 50 * 1024 * 1024;
    let mut file = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    file.write_all(&head).unwrap();
    let padding = "# padding\n".repeat(1024);
    let mut written = head.len();
    while written + padding.len() <= size {
        file.write_all(padding.as_bytes()).unwrap();
        written += padding.len();
    }
    file.write_all(&vec![b'\n'; size - written]).unwrap();
    file.into_inner().unwrap().sync_all().unwrap();
    assert_eq!(fs::metadata(&path).unwrap().len(), size as u64);

    let result = gigs_codegen::generate(&scratch.path().join("spec"));
    let Err(diagnostics) = result else {
        panic!("a 50 MiB spec file was accepted");
    };
    expect![[r#"
        error: the file is 52428800 bytes, more than the 1048576 bytes a spec file may have
         --> spec/2024-08-29/objects/plan.yaml
          = help: a spec file describes one definition; split it or remove what does not belong

        error: the spec has 1 error; nothing was generated"#]]
    .assert_eq(&diagnostics.to_string());
}

#[test]
fn one_file_parses_alone_as_it_does_in_a_spec() {
    let path = Path::new("2024-08-29/objects/plan.yaml");
    let read = |case: &str| fs::read_to_string(cases_dir().join(case).join(path)).unwrap();
    let parsed = gigs_codegen::load::parse_file::<ObjectFile>(path, &read("_base"));
    assert!(parsed.is_ok(), "{}", parsed.unwrap_err());
    let diagnostics =
        gigs_codegen::load::parse_file::<ObjectFile>(path, &read("unknown_attribute")).unwrap_err();
    expect_file![cases_dir().join("unknown_attribute/expected.txt")]
        .assert_eq(&format!("{diagnostics}\n"));
}
