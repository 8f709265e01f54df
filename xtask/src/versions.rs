//! `cargo xtask new-version` and `cargo xtask diff`.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, bail};

/// Registers a new, empty API version after the newest one.
pub fn new_version(root: &Path, date: &str) -> anyhow::Result<()> {
    if !gigs_codegen::dates::is_version_date(date) {
        bail!("`{date}` is not a date; write API versions as YYYY-MM-DD, such as 2025-02-20");
    }
    let spec = root.join("spec");
    let list_path = spec.join("versions.yaml");
    let list = fs::read_to_string(&list_path)
        .with_context(|| format!("cannot read {}", list_path.display()))?;
    let listed = listed_versions(&list);
    if let Some(newest) = listed.last()
        && date <= newest.as_str()
    {
        bail!("version {date} is not after the newest version, {newest}; new versions go last");
    }
    let dir = spec.join(date);
    if dir.exists() {
        bail!("{} already exists", dir.display());
    }
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    fs::write(dir.join(".keep"), "")
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let mut updated = list;
    if !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push_str(&format!("  - {date}\n"));
    fs::write(&list_path, updated)
        .with_context(|| format!("cannot write {}", list_path.display()))?;
    println!(
        "added API version {date}: spec/{date}/ holds what changes from {}; now run `cargo xtask regen`",
        listed.last().map_or("nothing", String::as_str)
    );
    Ok(())
}

/// The dates listed in `versions.yaml`, in order. The file is one list, so
/// reading its `- YYYY-MM-DD` lines keeps the user's comments and layout
/// intact when we append to it.
fn listed_versions(list: &str) -> Vec<String> {
    list.lines()
        .filter_map(|line| line.trim().strip_prefix("- "))
        .map(|date| date.trim().trim_matches(['"', '\'']).to_owned())
        .collect()
}

/// Prints what changed between two versions for a consumer.
pub fn diff(root: &Path, from: &str, to: &str) -> anyhow::Result<bool> {
    let spec = match gigs_codegen::load_and_resolve(&root.join("spec")) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return Ok(false);
        }
    };
    let find = |date: &str| {
        spec.versions
            .iter()
            .find(|version| version.date == date)
            .with_context(|| {
                let known: Vec<&str> = spec.versions.iter().map(|v| v.date.as_str()).collect();
                format!("no API version {date}; the spec has {}", known.join(", "))
            })
    };
    let (old, new) = (find(from)?, find(to)?);
    print!("{}", gigs_codegen::diff::markdown_section(old, new));
    Ok(true)
}
