//! `cargo xtask check-payload FILE...`: is a captured payload fully described
//! by the spec?

use std::fs;
use std::path::{Path, PathBuf};

use gigs_codegen::conformance::check_payload;

/// Checks each file; returns whether every one is fully described.
pub fn run(root: &Path, files: &[PathBuf]) -> anyhow::Result<bool> {
    let spec = match gigs_codegen::load_and_resolve(&root.join("spec")) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return Ok(false);
        }
    };
    let mut all_described = true;
    for file in files {
        let name = file.display();
        let payload: serde_json::Value = match fs::read(file)
            .map_err(|error| error.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|error| error.to_string()))
        {
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
