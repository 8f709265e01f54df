//! API versions at the cost of their changes: shared types, version-aware
//! parsing, and the version tooling.

use std::path::Path;

use gigs_events::{VersionedEvent, v2024_08_29, v2024_10_28, v2024_12_20};
use gigs_events_tests::{root, seed};

/// Compiles only while `Plan` is one type in every version: it did not change.
#[test]
fn unchanged_types_are_one_type_across_versions() {
    fn upgrade(plan: v2024_08_29::Plan) -> v2024_12_20::Plan {
        plan
    }
    let Ok(v2024_08_29::Event::PlanUpdated(event)) =
        v2024_08_29::Event::from_json(&seed("plan.updated.json"))
    else {
        panic!("the plan seed does not parse");
    };
    let plan: v2024_10_28::Plan = upgrade(event.data);
    assert_eq!(plan.name, "Gigs Global");
}

/// Compiles only while the two `Sim`s are distinct types: two impls of one
/// trait for one type would conflict. `Sim` gained `metadata` in 2024-12-20.
#[test]
fn changed_types_are_distinct_types() {
    trait Revision {
        const HAS_METADATA: bool;
    }
    impl Revision for v2024_10_28::Sim {
        const HAS_METADATA: bool = false;
    }
    impl Revision for v2024_12_20::Sim {
        const HAS_METADATA: bool = true;
    }
    const {
        assert!(!<v2024_10_28::Sim as Revision>::HAS_METADATA);
        assert!(<v2024_12_20::Sim as Revision>::HAS_METADATA);
    }
    // Everything containing a `Sim` changed with it.
    assert_ne!(
        std::any::TypeId::of::<v2024_10_28::ESimProfile>(),
        std::any::TypeId::of::<v2024_12_20::ESimProfile>()
    );
}

#[test]
fn versioned_event_dispatches_on_the_envelope_version() {
    for (name, version) in [
        ("plan.updated.json", "2024-08-29"),
        ("subscriptionChange.deleted.json", "2024-10-28"),
        ("addon.updated.json", "2024-12-20"),
    ] {
        let event = VersionedEvent::from_json(&seed(name)).unwrap();
        let parsed_with = match &event {
            VersionedEvent::V2024_08_29(_) => "2024-08-29",
            VersionedEvent::V2024_10_28(_) => "2024-10-28",
            VersionedEvent::V2024_12_20(_) => "2024-12-20",
            other => panic!("{name} not parsed with a version module: {other:?}"),
        };
        assert_eq!(parsed_with, version, "{name}");
    }
}

#[test]
fn diff_reports_what_2024_12_20_changed_and_whether_it_breaks() {
    let spec = gigs_codegen::load_and_resolve(&root().join("spec")).unwrap();
    let version = |date: &str| {
        spec.versions
            .iter()
            .find(|version| version.date == date)
            .unwrap_or_else(|| panic!("no version {date}"))
    };
    let (v1, v2, v3) = (
        version("2024-08-29"),
        version("2024-10-28"),
        version("2024-12-20"),
    );
    assert!(gigs_codegen::diff::diff(v1, v2).is_empty());
    let change = |subject: &str, what: &str, breaking| gigs_codegen::diff::Change {
        subject: subject.to_owned(),
        what: what.to_owned(),
        breaking,
    };
    assert_eq!(
        gigs_codegen::diff::diff(v2, v3),
        [
            change(
                "project.createdAt",
                "field added (timestamp, required)",
                false
            ),
            change("project.billable", "field removed", true),
            change("sim.metadata", "field added (map, optional)", false),
        ]
    );
}

/// A copy of the spec in a fresh temporary directory.
fn spec_copy(test: &str) -> gigs_events_tests::Scratch {
    gigs_events_tests::scratch_copy(test, &["spec"])
}

#[test]
fn new_version_adds_a_module_and_a_feature_and_no_alias() {
    let scratch = spec_copy("new-version");
    let dir = scratch.path();
    let next = gigs_events_tests::unknown_api_version();
    let module_name = format!("v{}", next.replace('-', "_"));
    xtask::versions::new_version(dir, &next).unwrap();
    let generated = gigs_codegen::generate(&dir.join("spec")).unwrap();
    let module = Path::new(gigs_codegen::API_DIR).join(format!("{module_name}.rs"));
    assert!(
        generated.files.contains_key(&module),
        "no module for the new version"
    );
    let root_module = &generated.files[&Path::new(gigs_codegen::API_DIR).join("mod.rs")];
    assert!(root_module.contains(&format!("pub mod {module_name};")));
    // Users name their version: nothing moves to the new one by itself.
    assert!(!root_module.contains("pub use"), "{root_module}");
    let variant = format!("V{}({module_name}::Event)", next.replace('-', "_"));
    assert!(root_module.contains(&variant), "no {variant}");
    assert!(generated.cargo_features.contains(&format!("v{next} = []")));

    // An empty version shares every type with the one before it.
    let before = gigs_codegen::generate(&root().join("spec")).unwrap();
    assert_eq!(
        generated.summary.type_revisions,
        before.summary.type_revisions
    );
}

#[test]
fn new_version_refuses_bad_and_out_of_order_dates() {
    let scratch = spec_copy("bad-new-version");
    let dir = scratch.path();
    let bad = xtask::versions::new_version(dir, "2025-02-30").unwrap_err();
    assert_eq!(
        bad.to_string(),
        "`2025-02-30` is not a date; write API versions as YYYY-MM-DD, such as 2025-02-20"
    );
    let newest = gigs_events_tests::newest_api_version().to_string();
    let early = xtask::versions::new_version(dir, "2024-09-01").unwrap_err();
    assert_eq!(
        early.to_string(),
        format!(
            "version 2024-09-01 is not after the newest version, {newest}; new versions go last"
        )
    );
    assert!(!dir.join("spec/2025-02-30").exists());
    assert!(!dir.join("spec/2024-09-01").exists());
}
