//! What a new API version rewrites under `generated/`: a reviewer must be
//! able to read a version bump, so an empty version touches a handful of
//! files and a version that changes one object touches only the types that
//! change or contain it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use gigs_codegen::Generated;
use gigs_events_tests::{root, scratch_copy};

/// Every file under `generated/` that differs between two generations:
/// written, rewritten or removed. The version features count as
/// `generated/Cargo.toml`.
fn written_files(before: &Generated, after: &Generated) -> BTreeSet<PathBuf> {
    let mut written: BTreeSet<PathBuf> = before
        .files
        .keys()
        .chain(after.files.keys())
        .filter(|path| path.starts_with("generated"))
        .filter(|path| before.files.get(*path) != after.files.get(*path))
        .cloned()
        .collect();
    if before.cargo_features != after.cargo_features {
        written.insert(PathBuf::from("generated/Cargo.toml"));
    }
    written
}

fn generate(spec: &Path) -> Generated {
    gigs_codegen::generate(spec).unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
}

/// The files of `written` that `before` already had: rewritten, not new.
fn existing(before: &Generated, written: &BTreeSet<PathBuf>) -> Vec<String> {
    names(written)
        .into_iter()
        .filter(|path| path == "generated/Cargo.toml" || before.files.contains_key(Path::new(path)))
        .collect()
}

fn names(paths: &BTreeSet<PathBuf>) -> Vec<String> {
    paths
        .iter()
        .map(|path| path.display().to_string())
        .collect()
}

#[test]
fn an_empty_version_writes_its_module_the_gates_and_the_features() {
    let scratch = scratch_copy("empty-version-bump", &["spec"]);
    let before = generate(&scratch.path().join("spec"));
    xtask::versions::new_version(scratch.path(), "2030-01-01").unwrap();
    let after = generate(&scratch.path().join("spec"));
    let written = written_files(&before, &after);
    assert_eq!(
        names(&written),
        [
            "generated/Cargo.toml",
            "generated/src/api/mod.rs",
            "generated/src/api/types/mod.rs",
            "generated/src/api/v2030_01_01.rs",
        ],
        "{} files written",
        written.len()
    );
}

#[test]
fn a_version_changing_one_object_writes_the_types_that_contain_it() {
    let scratch = scratch_copy("one-object-version-bump", &["spec"]);
    let spec = scratch.path().join("spec");
    let before = generate(&spec);
    xtask::versions::new_version(scratch.path(), "2030-01-01").unwrap();
    fs::create_dir_all(spec.join("2030-01-01/objects")).unwrap();
    fs::write(
        spec.join("2030-01-01/objects/organization.yaml"),
        "patch:\n  set:\n    slug:\n      type: string\n      required: false\n      description: A short name.\n",
    )
    .unwrap();
    let after = generate(&spec);
    let written = written_files(&before, &after);
    // Every file written is new, except the module list, the gates and the features.
    let rewritten = existing(&before, &written);
    assert_eq!(
        rewritten,
        [
            "generated/Cargo.toml",
            "generated/src/api/mod.rs",
            "generated/src/api/types/mod.rs"
        ],
        "files of unchanged types were rewritten"
    );
    // The new revisions: `Organization`, the events carrying it and the
    // `Event` enum of the new version.
    let revisions: Vec<String> = names(&written)
        .into_iter()
        .filter(|path| !rewritten.contains(path))
        .collect();
    assert!(
        revisions.contains(&"generated/src/api/types/organization/v2030_01_01.rs".to_owned()),
        "{revisions:?}"
    );
    assert!(
        revisions.contains(&"generated/src/api/types/event/v2030_01_01.rs".to_owned()),
        "{revisions:?}"
    );
    assert!(
        !revisions.iter().any(|path| path.contains("/plan/")),
        "a type not containing the organization got a revision: {revisions:?}"
    );
}

/// The files 2025-05-22's overlay writes, listed for the record: the
/// version's own changes, and nothing of the types it left alone.
#[test]
fn the_newest_overlay_writes_only_what_it_changes() {
    let scratch = scratch_copy("newest-overlay", &["spec"]);
    let spec = scratch.path().join("spec");
    let full = generate(&root().join("spec"));
    let newest = full_newest();
    let list = fs::read_to_string(spec.join("versions.yaml")).unwrap();
    fs::write(
        spec.join("versions.yaml"),
        list.replace(&format!("  - {newest}\n"), ""),
    )
    .unwrap();
    fs::remove_dir_all(spec.join(&newest)).unwrap();
    let without = generate(&spec);
    let written = written_files(&without, &full);
    let rewritten = existing(&without, &written);
    println!(
        "{newest}'s overlay writes {} files under generated/, {} of them existing: {rewritten:?}",
        written.len(),
        rewritten.len()
    );
    assert_eq!(
        rewritten,
        [
            "generated/Cargo.toml",
            "generated/src/api/mod.rs",
            "generated/src/api/types/mod.rs"
        ]
    );
}

fn full_newest() -> String {
    let spec = gigs_codegen::load_and_resolve(&root().join("spec")).unwrap();
    spec.versions.last().unwrap().date.clone()
}
