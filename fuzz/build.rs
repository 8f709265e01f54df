//! Lists the spec's API versions for the `from_json` target, so that a new
//! version is fuzzed without anyone editing the target.
//!
//! Writes `versions.rs` into `OUT_DIR`: one invocation of the target's
//! `every_version!` macro with the date, module and `VersionedEvent` variant
//! of each version in `spec/versions.yaml`.

use std::env;
use std::fs;
use std::path::Path;

const VERSIONS_FILE: &str = "../spec/versions.yaml";

fn main() {
    println!("cargo::rerun-if-changed={VERSIONS_FILE}");
    let text = match fs::read_to_string(VERSIONS_FILE) {
        Ok(text) => text,
        Err(error) => {
            println!("cargo::error=cannot read {VERSIONS_FILE}: {error}");
            return;
        }
    };
    let versions = listed_versions(&text);
    if versions.is_empty() {
        println!(
            "cargo::error={VERSIONS_FILE} lists no version as `  - YYYY-MM-DD` lines; \
             the from_json target needs them to name each version's module"
        );
        return;
    }
    let mut code = String::from("every_version! {\n");
    for date in versions {
        let snake = date.replace('-', "_");
        code.push_str(&format!("    (\"{date}\", v{snake}, V{snake}),\n"));
    }
    code.push_str("}\n");
    let Some(out_dir) = env::var_os("OUT_DIR") else {
        println!("cargo::error=cargo did not set OUT_DIR");
        return;
    };
    if let Err(error) = fs::write(Path::new(&out_dir).join("versions.rs"), code) {
        println!("cargo::error=cannot write versions.rs: {error}");
    }
}

/// The dates of the `- YYYY-MM-DD` list items, in order. The generator
/// checks the file properly; this only needs the dates of a valid one.
fn listed_versions(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.split('#').next()?.trim().strip_prefix('-'))
        .map(|item| item.trim().trim_matches(['"', '\'']))
        .filter(|date| is_date(date))
        .collect()
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}
