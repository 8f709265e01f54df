//! `cargo xtask check-payload --fix`: changes the spec so that captured
//! payloads fit their version.
//!
//! The changes are planned and tried on a copy of the spec, one payload at
//! a time, each checked there: the spec must still load, and the payload
//! must fit. Only when every change is planned and the copy generates are
//! the changed files written into `spec/`, each atomically.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gigs_codegen::conformance::{Finding, check_payload};
use gigs_codegen::fix::{Fixes, plan};

use crate::check_payload::Payload;

/// What `--fix` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether every payload fits the spec now.
    pub all_described: bool,
    /// The spec files written, relative to `spec/`.
    pub written: Vec<PathBuf>,
}

/// Changes the spec under `root` so that each payload fits its version,
/// printing each change; see the module's documentation.
///
/// # Errors
///
/// When the spec cannot be copied, read or written.
pub fn run(root: &Path, payloads: &[Payload]) -> anyhow::Result<Outcome> {
    let spec_dir = root.join("spec");
    let staging = Staging::copy_of(&spec_dir)?;
    let mut outcome = Outcome {
        all_described: true,
        written: Vec::new(),
    };
    let mut spec = match gigs_codegen::load_and_resolve(staging.path()) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!("error: the spec has errors; fix them before fixing payloads");
            outcome.all_described = false;
            return Ok(outcome);
        }
    };
    // Original texts of the files changed so far (`None`: a new file).
    let mut originals: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
    for payload in payloads {
        let name = &payload.name;
        let payload = match payload.json() {
            Ok(payload) => payload,
            Err(error) => {
                println!("{name}: cannot read as JSON: {error}; nothing changed");
                outcome.all_described = false;
                continue;
            }
        };
        let read = |path: &Path| fs::read_to_string(staging.path().join(path)).ok();
        let fixes = match plan(&spec, &payload, &read) {
            Ok(fixes) => fixes,
            Err(refusal) => {
                println!("{name}: {refusal}");
                outcome.all_described = false;
                continue;
            }
        };
        println!("{name}: {} in version {}", fixes.event_type, fixes.version);
        if fixes.changes.is_empty() && fixes.left.is_empty() {
            println!("  fully described by the spec");
            continue;
        }
        match try_fixes(&staging, &fixes, &payload)? {
            Ok(fixed) => {
                for path in fixes.files.keys() {
                    if !originals.contains_key(path) {
                        let before = fs::read_to_string(spec_dir.join(path)).ok();
                        originals.insert(path.clone(), before);
                    }
                }
                spec = fixed;
                for change in &fixes.changes {
                    println!("  spec/{change}");
                }
                for finding in &fixes.left {
                    println!(
                        "  not changed: {finding}: a wrong type or value; correct the spec by hand"
                    );
                }
                outcome.all_described &= fixes.left.is_empty();
            }
            Err(why) => {
                println!("  {why}");
                println!("  nothing changed for this payload");
                outcome.all_described = false;
            }
        }
    }
    let changed: Vec<(PathBuf, String)> = originals
        .iter()
        .filter_map(|(path, before)| {
            let after = fs::read_to_string(staging.path().join(path)).ok()?;
            (before.as_deref() != Some(after.as_str())).then(|| (path.clone(), after))
        })
        .collect();
    if changed.is_empty() {
        return Ok(outcome);
    }
    if let Err(diagnostics) = gigs_codegen::generate(staging.path()) {
        eprintln!("{diagnostics}");
        eprintln!("error: the changed spec would not generate; nothing written");
        outcome.all_described = false;
        return Ok(outcome);
    }
    write_all(&spec_dir, &changed)?;
    outcome.written = changed.into_iter().map(|(path, _)| path).collect();
    Ok(outcome)
}

/// Writes `fixes` into the staging copy and checks them there: the spec
/// must load and the payload fit, but for the findings no change describes.
/// On failure the copy is restored and the reason returned.
fn try_fixes(
    staging: &Staging,
    fixes: &Fixes,
    payload: &serde_json::Value,
) -> anyhow::Result<Result<gigs_codegen::ir::Spec, String>> {
    let mut restore: Vec<(PathBuf, Option<String>)> = Vec::new();
    for (path, text) in &fixes.files {
        let full = staging.path().join(path);
        restore.push((path.clone(), fs::read_to_string(&full).ok()));
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&full, text).with_context(|| format!("cannot write {}", full.display()))?;
    }
    let why = match gigs_codegen::load_and_resolve(staging.path()) {
        Err(diagnostics) => format!("the changes would leave the spec invalid:\n{diagnostics}"),
        Ok(spec) => {
            let still: Vec<Finding> = check_payload(&spec, payload)
                .findings
                .into_iter()
                .filter(|finding| {
                    !fixes
                        .left
                        .iter()
                        .any(|left| left.path == finding.path && left.kind == finding.kind)
                })
                .collect();
            if still.is_empty() {
                return Ok(Ok(spec));
            }
            let listed: Vec<String> = still.iter().map(ToString::to_string).collect();
            format!(
                "the changes would not describe the payload; still: {}",
                listed.join("; ")
            )
        }
    };
    for (path, before) in restore {
        let full = staging.path().join(&path);
        match before {
            Some(text) => fs::write(&full, text),
            None => fs::remove_file(&full),
        }
        .with_context(|| format!("cannot restore {}", full.display()))?;
    }
    Ok(Err(why))
}

/// Writes every file next to its place, then moves each into place: a
/// failure while writing leaves `spec/` as it was.
fn write_all(spec_dir: &Path, files: &[(PathBuf, String)]) -> anyhow::Result<()> {
    let mut written = Vec::new();
    for (path, text) in files {
        let target = spec_dir.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let temporary = target.with_extension("yaml.fix-tmp");
        if let Err(error) = fs::write(&temporary, text) {
            for (temporary, _) in &written {
                let _ = fs::remove_file(temporary);
            }
            return Err(error).with_context(|| format!("cannot write {}", temporary.display()));
        }
        written.push((temporary, target));
    }
    for (temporary, target) in written {
        fs::rename(&temporary, &target)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(())
}

/// A copy of the spec in a temporary directory, removed when dropped.
#[derive(Debug)]
struct Staging(PathBuf);

impl Staging {
    fn copy_of(spec_dir: &Path) -> anyhow::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("gigs-events-fix-{}-{nanos}", std::process::id()));
        let staging = Self(dir);
        copy_dir(spec_dir, staging.path())
            .with_context(|| format!("cannot copy {} to try changes on", spec_dir.display()))?;
        Ok(staging)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
