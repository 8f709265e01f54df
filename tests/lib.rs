//! Shared helpers of the integration tests, which live beside this file.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A seed payload, exactly as Gigs documents it.
pub fn seed(name: &str) -> Vec<u8> {
    let path = root().join("tests/fixtures/seeds").join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The names of every seed payload.
pub const SEEDS: [&str; 4] = [
    "addon.updated.json",
    "eSimProfile.updated.json",
    "plan.updated.json",
    "subscriptionChange.deleted.json",
];

/// The newest API version of `spec/versions.yaml`.
pub fn newest_api_version() -> jiff::civil::Date {
    let path = root().join("spec/versions.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let versions = gigs_codegen::load::parse_file::<gigs_codegen::spec::VersionsFile>(
        Path::new("versions.yaml"),
        &text,
    )
    .unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
    versions
        .versions
        .iter()
        .map(|version| {
            version
                .value
                .parse::<jiff::civil::Date>()
                .unwrap_or_else(|error| panic!("version {}: {error}", version.value))
        })
        .max()
        .unwrap_or_else(|| panic!("{} lists no version", path.display()))
}

/// An API version date the crate does not know: the day after the newest
/// version of `spec/versions.yaml`. Derived rather than written down, so that
/// no version a maintainer adds can turn it into a known one.
pub fn unknown_api_version() -> String {
    let newest = newest_api_version();
    newest
        .tomorrow()
        .unwrap_or_else(|error| panic!("no day after {newest}: {error}"))
        .to_string()
}

/// `value` with every RFC 3339 timestamp written the way jiff writes it, so
/// that `2024-01-01T00:00:00.0Z` and `2024-01-01T00:00:00Z` compare equal:
/// serializing may change a timestamp's format, never its instant.
pub fn normalize_timestamps(value: Value) -> Value {
    match value {
        Value::String(text) => match text.parse::<jiff::Timestamp>() {
            Ok(timestamp) if text.contains('T') => Value::String(timestamp.to_string()),
            _ => Value::String(text),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_timestamps).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, normalize_timestamps(value)))
                .collect(),
        ),
        other => other,
    }
}

/// Parses `bytes` as JSON, for comparisons.
pub fn json(bytes: &[u8]) -> Value {
    match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(error) => panic!("not JSON: {error}"),
    }
}

/// Asserts that `serialized` is `original` up to timestamp formatting.
pub fn assert_same_json(original: &[u8], serialized: &[u8], context: &str) {
    let original = normalize_timestamps(json(original));
    let serialized = normalize_timestamps(json(serialized));
    assert_eq!(
        serialized, original,
        "{context}: serializing changed the JSON"
    );
}

/// The repository's spec, loaded and resolved.
pub fn spec() -> gigs_codegen::ir::Spec {
    match gigs_codegen::load_and_resolve(&root().join("spec")) {
        Ok(spec) => spec,
        Err(diagnostics) => panic!("the spec has errors:\n{diagnostics}"),
    }
}

/// Every event example of the spec, for every version that has the event:
/// (version, event type, payload), written for that version or derived for
/// it by the generator.
pub fn spec_examples() -> Vec<(String, String, Vec<u8>)> {
    let spec = spec();
    let mut examples = Vec::new();
    for version in &spec.versions {
        for event in &version.events {
            let Some(example) = &event.example else {
                panic!("{} has no example", event.event_type);
            };
            examples.push((
                version.date.clone(),
                event.event_type.clone(),
                example.json.clone().into_bytes(),
            ));
        }
    }
    examples
}

/// A fresh temporary directory, removed when dropped, even by a failing test.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// An empty directory named after `test`.
    pub fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gigs-events-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
        Self(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A scratch directory holding copies of `paths` (files or directories,
/// relative to the repository root) at the same places.
pub fn scratch_copy(test: &str, paths: &[&str]) -> Scratch {
    let scratch = Scratch::new(test);
    for path in paths {
        copy_path(&root().join(path), &scratch.path().join(path));
    }
    scratch
}

fn copy_path(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap_or_else(|error| panic!("{}: {error}", to.display()));
        let entries =
            std::fs::read_dir(from).unwrap_or_else(|error| panic!("{}: {error}", from.display()));
        for entry in entries.flatten() {
            copy_path(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|error| panic!("{}: {error}", parent.display()));
        }
        std::fs::copy(from, to).unwrap_or_else(|error| panic!("{}: {error}", from.display()));
    }
}
