//! Arbitrary text as a spec file: parsed as every kind of file, and, when it
//! is an object, generated as the `plan` object of a small valid spec. The
//! generator must answer with a result or with messages, never a panic.

#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gigs_codegen::load::parse_file;
use gigs_codegen::spec::{EnumFile, EventFile, ObjectFile, RemovedFile, VersionsFile};
use libfuzzer_sys::fuzz_target;

/// The valid spec the bad-spec tests start from, with `objects/plan.yaml`
/// to be replaced by the input.
const BASE: [(&str, &str); 4] = [
    (
        "versions.yaml",
        include_str!("../../tests/bad_specs/_base/versions.yaml"),
    ),
    (
        "2024-08-29/envelope.yaml",
        include_str!("../../tests/bad_specs/_base/2024-08-29/envelope.yaml"),
    ),
    (
        "2024-08-29/objects/plan.yaml",
        include_str!("../../tests/bad_specs/_base/2024-08-29/objects/plan.yaml"),
    ),
    (
        "2024-08-29/events/plan.created.yaml",
        include_str!("../../tests/bad_specs/_base/2024-08-29/events/plan.created.yaml"),
    ),
];

/// A spec directory of this process in the temporary directory, written
/// once and left there (a fuzzing process has no clean exit).
fn spec_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gigs-fuzz-spec-{}", std::process::id()));
        for (path, contents) in BASE {
            let target = dir.join(path);
            fs::create_dir_all(target.parent().expect("a file has a parent"))
                .expect("cannot create the spec directory");
            fs::write(target, contents).expect("cannot write the spec");
        }
        dir
    })
}

/// Parses `text` as a `T` file, rendering the problems as `regen` would.
fn parse<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Option<T> {
    match parse_file::<T>(Path::new(path), text) {
        Ok(parsed) => Some(parsed),
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            let _ = diagnostics.to_string();
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse::<VersionsFile>("versions.yaml", text);
    let _ = parse::<EnumFile>("2024-08-29/enums/kind.yaml", text);
    let _ = parse::<EventFile>("2024-08-29/events/plan.created.yaml", text);
    let _ = parse::<RemovedFile>("2024-10-28/removed.yaml", text);
    if parse::<ObjectFile>("2024-08-29/objects/plan.yaml", text).is_some() {
        let dir = spec_dir();
        fs::write(dir.join("2024-08-29/objects/plan.yaml"), text).expect("cannot write the input");
        if let Err(diagnostics) = gigs_codegen::generate(dir) {
            assert!(!diagnostics.is_empty());
            let _ = diagnostics.to_string();
        }
    }
});
