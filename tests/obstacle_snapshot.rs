//! The generated code of the obstacle course (`tests/obstacle/spec/`) must
//! be exactly the snapshot under `tests/obstacle/generated/`, which
//! `obstacle_course.rs` compiles and exercises. After a deliberate change to
//! the generator, review the new output and bless it with
//! `UPDATE_EXPECT=1 cargo test -p gigs-events-tests --test obstacle_snapshot`.
//! This is a test of its own so that it can rewrite a snapshot that no longer
//! compiles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn obstacle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("obstacle")
}

#[test]
fn generated_code_matches_the_snapshot() {
    let generated = match gigs_codegen::generate(&obstacle_dir().join("spec")) {
        Ok(generated) => generated,
        Err(diagnostics) => panic!("the obstacle course does not generate:\n{diagnostics}"),
    };
    let wanted: BTreeMap<PathBuf, String> = generated
        .files
        .into_iter()
        .filter_map(|(path, contents)| {
            let relative = path.strip_prefix(gigs_codegen::API_DIR).ok()?.to_path_buf();
            Some((relative, contents))
        })
        .collect();
    let snapshot_dir = obstacle_dir().join("generated");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut stale = Vec::new();
    for (relative, contents) in &wanted {
        let path = snapshot_dir.join(relative);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != *contents {
            if update {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).unwrap();
                }
                std::fs::write(&path, contents).unwrap();
            } else {
                stale.push(relative.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots differ: {stale:?}; review and run `UPDATE_EXPECT=1 cargo test -p gigs-events-tests --test obstacle_snapshot`"
    );
}
