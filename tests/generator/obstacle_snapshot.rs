//! The generated code of the obstacle course (`tests/obstacle/spec/`) must
//! be exactly the snapshot under `tests/obstacle/generated/`, which
//! `obstacle_course.rs` compiles and exercises. After a deliberate change to
//! the generator, review the new output and bless it with
//! `UPDATE_EXPECT=1 cargo test -p gigs-events-tests --test generator obstacle_snapshot`.
//! This is a test of its own so that it can rewrite a snapshot that no longer
//! compiles.

use std::path::{Path, PathBuf};

use gigs_events_tests::root;

/// Where the snapshot lives, relative to the repository root.
const SNAPSHOT_DIR: &str = "tests/obstacle/generated";

#[test]
fn generated_code_matches_the_snapshot() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("obstacle/spec");
    let mut generated = match gigs_codegen::generate(&spec) {
        Ok(generated) => generated,
        Err(diagnostics) => panic!("the obstacle course does not generate:\n{diagnostics}"),
    };
    // The generated API goes to the snapshot directory; the docs pages are
    // not part of the snapshot.
    generated.files = std::mem::take(&mut generated.files)
        .into_iter()
        .filter_map(|(path, contents)| {
            let relative = path.strip_prefix(gigs_codegen::API_DIR).ok()?;
            Some((PathBuf::from(SNAPSHOT_DIR).join(relative), contents))
        })
        .collect();
    let plan = xtask::sync::compare(&root(), generated, Path::new(SNAPSHOT_DIR))
        .unwrap_or_else(|error| panic!("cannot compare the snapshot: {error}"));
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        plan.apply(&root())
            .unwrap_or_else(|error| panic!("cannot write the snapshot: {error}"));
        return;
    }
    assert!(
        plan.is_up_to_date(),
        "the snapshot differs from what the generator makes now; review and run \
         `UPDATE_EXPECT=1 cargo test -p gigs-events-tests --test generator obstacle_snapshot`\n{}",
        plan.diff()
    );
}
