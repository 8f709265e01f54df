//! The drift check: the committed generated files must be exactly what the
//! spec generates.

use std::path::Path;

#[test]
fn generated_files_match_the_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let plan = match xtask::sync::plan(&root) {
        Ok(plan) => plan,
        Err(error) => panic!("the spec does not generate:\n{error}"),
    };
    assert!(
        plan.is_up_to_date(),
        "generated files are out of date with spec/; run `cargo xtask regen`\n\n{}",
        plan.diff()
    );
}

/// A copy of everything regeneration reads and writes, in a fresh directory.
fn scratch_root(test: &str) -> gigs_events_tests::Scratch {
    gigs_events_tests::scratch_copy(
        test,
        &["spec", "generated/src/api", "docs", "generated/Cargo.toml"],
    )
}

#[test]
fn an_edited_description_is_drift_until_regenerated() {
    let scratch = scratch_root("edited-description");
    let root = scratch.path();
    assert!(xtask::sync::plan(root).unwrap().is_up_to_date());

    let price = root.join("spec/2024-08-29/objects/price.yaml");
    let text = std::fs::read_to_string(&price).unwrap();
    let edited = text.replacen("description: ", "description: Edited. ", 1);
    assert_ne!(text, edited);
    std::fs::write(&price, edited).unwrap();

    let plan = xtask::sync::plan(root).unwrap();
    assert!(!plan.is_up_to_date());
    let changed: Vec<String> = plan
        .changed()
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert_eq!(changed, ["generated/src/api/types/price/v2024_08_29.rs"]);
    let diff = plan.diff();
    assert!(
        diff.contains("--- a/generated/src/api/types/price/v2024_08_29.rs"),
        "{diff}"
    );
    assert!(diff.contains("+/// Edited. "), "{diff}");

    plan.apply(root).unwrap();
    assert!(xtask::sync::plan(root).unwrap().is_up_to_date());
}

#[test]
fn files_the_spec_no_longer_produces_are_drift_and_are_removed() {
    let scratch = scratch_root("stale-file");
    let root = scratch.path();
    let stale = root.join("generated/src/api/types/retired_object.rs");
    std::fs::write(&stale, "// @generated\n").unwrap();
    let plan = xtask::sync::plan(root).unwrap();
    assert!(!plan.is_up_to_date());
    assert_eq!(
        plan.stale(),
        [std::path::PathBuf::from(
            "generated/src/api/types/retired_object.rs"
        )]
    );
    plan.apply(root).unwrap();
    assert!(!stale.exists());
    assert!(xtask::sync::plan(root).unwrap().is_up_to_date());
}
