//! `cargo xtask check-payload FILE...` and `--inbox DB`: is a captured
//! payload fully described by the spec?

use std::fs;
use std::path::{Path, PathBuf};

use gigs_codegen::conformance::check_payload;

/// One captured body, and what to call it in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// A file's path, or `<inbox>#<key>` for a dead letter.
    pub name: String,
    /// The body, or why it could not be read.
    pub body: Result<Vec<u8>, String>,
}

impl Payload {
    /// The body as JSON, or why it cannot be read as JSON.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        let bytes = self.body.as_ref().map_err(Clone::clone)?;
        serde_json::from_slice(bytes).map_err(|error| error.to_string())
    }
}

/// Checks each file; returns whether every one is fully described.
pub fn run(root: &Path, files: &[PathBuf]) -> anyhow::Result<bool> {
    run_payloads(root, &read_files(files))
}

/// Each file, as a payload.
pub fn read_files(files: &[PathBuf]) -> Vec<Payload> {
    files
        .iter()
        .map(|file| Payload {
            name: file.display().to_string(),
            body: fs::read(file).map_err(|error| error.to_string()),
        })
        .collect()
}

/// Checks each payload; returns whether every one is fully described.
pub fn run_payloads(root: &Path, payloads: &[Payload]) -> anyhow::Result<bool> {
    let spec = match gigs_codegen::load_and_resolve(&root.join("spec")) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return Ok(false);
        }
    };
    let mut all_described = true;
    for payload in payloads {
        let name = &payload.name;
        let payload = match payload.json() {
            Ok(payload) => payload,
            Err(error) => {
                println!("{name}: cannot read as JSON: {error}");
                all_described = false;
                continue;
            }
        };
        let report = check_payload(&spec, &payload);
        println!(
            "{name}: {} in version {}",
            report.event_type.as_deref().unwrap_or("(no type)"),
            report.version.as_deref().unwrap_or("(unknown)")
        );
        if report.findings.is_empty() {
            println!("  fully described by the spec");
            continue;
        }
        all_described = false;
        for finding in &report.findings {
            println!("  {finding}");
        }
        let count = report.findings.len();
        println!(
            "  {count} difference{} from the spec",
            if count == 1 { "" } else { "s" }
        );
    }
    Ok(all_described)
}
