//! `cargo xtask semver`: every change of the generated API between two
//! specs, classified, and whether a crate version allows them. The specs
//! are scratch copies of the real one with one change each.

use std::fs;
use std::path::Path;

use gigs_codegen::ir::Spec;
use gigs_codegen::semver::{Bump, compare, required_bump};
use gigs_events_tests::{root, scratch_copy};
use xtask::semver::CrateVersion;

fn load(spec: &Path) -> Spec {
    gigs_codegen::load_and_resolve(spec).unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
}

/// The changes from the real spec to a copy edited by `edit`.
fn changes_after(test: &str, edit: impl FnOnce(&Path)) -> Vec<String> {
    let scratch = scratch_copy(test, &["spec"]);
    let spec = scratch.path().join("spec");
    edit(&spec);
    let changes = compare(&load(&root().join("spec")), &load(&spec));
    changes.iter().map(ToString::to_string).collect()
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_same_spec_changes_nothing() {
    let spec = load(&root().join("spec"));
    assert_eq!(compare(&spec, &spec), []);
}

#[test]
fn a_field_made_nullable_is_major_in_every_version_sharing_it() {
    let changes = changes_after("semver-nullable", |spec| {
        replace_in(
            &spec.join("2024-08-29/objects/plan.yaml"),
            "  name:\n    type: string\n",
            "  name:\n    type: string\n    nullable: true\n",
        );
    });
    // Every version has this `Plan`; 2025-05-22 has its own events, but the
    // same object.
    for module in ["v2024_08_29", "v2024_10_28", "v2024_12_20", "v2025_05_22"] {
        let line = format!("major: {module}::Plan.name: String -> Option<String>");
        assert!(changes.contains(&line), "no {line:?} in {changes:#?}");
    }
    // The partial type of previous values already had `Option<Option<String>>`.
    assert!(
        changes
            .iter()
            .all(|change| !change.contains("PlanPreviousData.name: ")
                || change.contains("Option<Option<String>>")),
        "{changes:#?}"
    );
}

#[test]
fn a_new_field_and_enum_value_are_minor() {
    let changes = changes_after("semver-additive", |spec| {
        replace_in(
            &spec.join("2024-08-29/objects/plan.yaml"),
            "  name:\n",
            "  shortName:\n    type: string\n    required: false\n    description: A shorter name.\n  name:\n",
        );
        replace_in(
            &spec.join("2024-08-29/enums/allowanceUnit.yaml"),
            "values:\n",
            "values:\n  - value: kilobytes\n    description: Data, in kilobytes.\n",
        );
    });
    assert!(
        changes.contains(&"minor: v2024_08_29::Plan.short_name: added (Option<String>)".to_owned()),
        "{changes:#?}"
    );
    assert!(
        changes.contains(
            &"minor: v2024_08_29::AllowanceUnit::Kilobytes: added (variant `kilobytes`)".to_owned()
        ),
        "{changes:#?}"
    );
    assert!(
        changes.iter().all(|change| !change.starts_with("major")),
        "{changes:#?}"
    );
}

#[test]
fn a_removed_version_is_major_and_an_empty_new_one_minor() {
    let scratch = scratch_copy("semver-versions", &["spec"]);
    let spec = scratch.path().join("spec");
    xtask::versions::new_version(scratch.path(), "2030-01-01").unwrap();
    let changes = compare(&load(&root().join("spec")), &load(&spec));
    assert_eq!(required_bump(&changes), Bump::Minor);
    assert!(
        changes.iter().any(|change| change.to_string()
            == "minor: v2030_01_01: added (module, feature `v2030-01-01`)"),
        "{changes:#?}"
    );
    let removed = compare(&load(&spec), &load(&root().join("spec")));
    assert_eq!(required_bump(&removed), Bump::Major);
}

#[test]
fn a_changed_description_is_a_patch() {
    let changes = changes_after("semver-docs", |spec| {
        replace_in(
            &spec.join("2024-08-29/objects/plan.yaml"),
            "description: The plan's display name for end users.",
            "description: The plan's name, shown to end users.",
        );
    });
    assert!(
        changes.contains(&"patch: v2024_08_29::Plan.name: docs changed".to_owned()),
        "{changes:#?}"
    );
    assert!(
        changes.iter().all(|change| change.starts_with("patch")),
        "{changes:#?}"
    );
}

#[test]
fn versions_allow_what_cargo_says() {
    let v = |text| CrateVersion::parse(text).unwrap();
    // 0.x: the minor version is the breaking one, the patch version the rest.
    assert_eq!(v("0.2.0").allows_over(v("0.1.0")), Some(Bump::Major));
    assert_eq!(v("0.1.1").allows_over(v("0.1.0")), Some(Bump::Minor));
    assert_eq!(v("0.1.0").allows_over(v("0.1.0")), Some(Bump::None));
    assert_eq!(v("0.0.2").allows_over(v("0.0.1")), Some(Bump::Major));
    assert_eq!(v("1.2.0").allows_over(v("1.1.5")), Some(Bump::Minor));
    assert_eq!(v("1.1.6").allows_over(v("1.1.5")), Some(Bump::Patch));
    assert_eq!(v("2.0.0").allows_over(v("1.1.5")), Some(Bump::Major));
    assert_eq!(v("0.1.0").allows_over(v("0.2.0")), None);
    assert_eq!(v("0.1.0").next_allowing(Bump::Major), v("0.2.0"));
    assert_eq!(v("0.1.0").next_allowing(Bump::Minor), v("0.1.1"));
    assert_eq!(v("1.1.0").next_allowing(Bump::Minor), v("1.2.0"));
    assert!(CrateVersion::parse("0.1").is_err());
    assert_eq!(
        CrateVersion::of_manifest(
            "[package]\nname = \"x\"\nversion = \"0.3.1\"\n[dependencies]\nversion = \"9\"\n"
        )
        .unwrap(),
        v("0.3.1")
    );
}

#[test]
fn a_baseline_missing_from_the_clone_is_named() {
    let error = xtask::semver::run(&root(), Some("0000000000000000000000000000000000000000"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("is not a commit of this clone") && error.contains("--unshallow"),
        "{error}"
    );
}

/// The newest CHANGELOG entry's API part is `cargo xtask semver
/// --changelog`'s output, so it cannot drift from the spec: after a spec
/// change, that command writes the new text for between the markers.
#[test]
fn the_changelog_api_part_is_what_xtask_semver_writes() {
    let changelog = fs::read_to_string(root().join("CHANGELOG.md")).unwrap();
    let begin = "<!-- api begin: cargo xtask semver --changelog -->\n";
    let start = changelog
        .find(begin)
        .expect("CHANGELOG.md has no api begin marker")
        + begin.len();
    let end = start
        + changelog[start..]
            .find("<!-- api end -->")
            .expect("no api end marker");
    let report = xtask::semver::run(&root(), None).unwrap_or_else(|error| panic!("{error:#}"));
    assert_eq!(
        changelog[start..end].trim_end(),
        report.changelog().trim_end(),
        "CHANGELOG.md's API part is out of date: put the output of \
         `cargo xtask semver --changelog` between its api markers"
    );
}
