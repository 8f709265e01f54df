//! `cargo xtask measure-build`: what the generated code costs to compile.
//!
//! Times a clean build of `gigs-events` alone, with one API version feature
//! and with all of them, each in a fresh target directory whose dependencies
//! were built first; then counts the generated lines, in total and per
//! version.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// Where the generated modules live, relative to the repository root.
const API_DIR: &str = "generated/src/api";

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// The single version feature to time; the oldest one when `None`.
    pub feature: Option<String>,
    /// Builds per configuration; the fastest is reported.
    pub runs: usize,
    /// Times release builds instead of dev builds.
    pub release: bool,
    /// Only counts lines, builds nothing.
    pub lines_only: bool,
}

/// Runs the measurements and prints their tables.
pub fn run(root: &Path, options: &Options) -> anyhow::Result<ExitCode> {
    let lines = count_lines(&root.join(API_DIR))?;
    if !options.lines_only {
        let features = version_features(&root.join("generated").join("Cargo.toml"))?;
        let one = match &options.feature {
            Some(feature) if features.contains(feature) => feature.clone(),
            Some(feature) => bail!(
                "`{feature}` is not a version feature of gigs-events (those are: {})",
                features.join(", ")
            ),
            None => features
                .first()
                .cloned()
                .context("generated/Cargo.toml has no version feature")?,
        };
        let configurations = [
            (format!("{one} (one version)"), one),
            ("all-versions".to_owned(), "all-versions".to_owned()),
        ];
        let profile = if options.release { "release" } else { "dev" };
        let mut timings = Vec::new();
        for (label, feature) in &configurations {
            eprintln!("measuring `{label}`, {profile} profile…");
            let times = time_configuration(root, feature, options)?;
            timings.push((label.as_str(), times));
        }
        println!(
            "Clean build of gigs-events alone (dependencies already built), {profile} profile, \
             --no-default-features, best of {}:\n",
            options.runs.max(1)
        );
        println!("| features | build time | every run |\n|---|---|---|");
        for (label, times) in &timings {
            let best = times.iter().min().copied().unwrap_or_default();
            let every: Vec<String> = times
                .iter()
                .map(|time| format!("{:.1} s", time.as_secs_f64()))
                .collect();
            println!(
                "| {label} | {:.1} s | {} |",
                best.as_secs_f64(),
                every.join(", ")
            );
        }
        println!();
    }
    print_lines(&lines);
    Ok(ExitCode::SUCCESS)
}

/// The API version features (`vYYYY-MM-DD = []`) of the crate, oldest first.
fn version_features(manifest: &Path) -> anyhow::Result<Vec<String>> {
    let text = fs::read_to_string(manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let mut features: Vec<String> = text
        .lines()
        .filter_map(|line| line.trim().strip_suffix("= []"))
        .map(str::trim)
        .filter(|name| is_version_feature(name))
        .map(str::to_owned)
        .collect();
    features.sort();
    Ok(features)
}

/// `v2024-08-29`.
fn is_version_feature(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() == 11
        && bytes.first() == Some(&b'v')
        && bytes.iter().enumerate().skip(1).all(|(index, byte)| {
            if index == 5 || index == 8 {
                *byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        })
}

/// Builds the dependencies in a fresh target directory, then times
/// `options.runs` clean builds of gigs-events alone with `feature`.
fn time_configuration(
    root: &Path,
    feature: &str,
    options: &Options,
) -> anyhow::Result<Vec<Duration>> {
    let target_dir = std::env::temp_dir().join(format!(
        "gigs-measure-build-{}-{feature}",
        std::process::id()
    ));
    if target_dir.exists() {
        fs::remove_dir_all(&target_dir)
            .with_context(|| format!("cannot empty {}", target_dir.display()))?;
    }
    let result = (|| {
        // The first build compiles the dependencies (and the crate, which is
        // then cleaned), so that only gigs-events itself is timed.
        cargo(root, &target_dir, &build_args(feature, options))?;
        let mut times = Vec::new();
        for _ in 0..options.runs.max(1) {
            let mut clean = vec!["clean", "-p", "gigs-events"];
            if options.release {
                clean.push("--release");
            }
            cargo(root, &target_dir, &clean)?;
            let start = Instant::now();
            cargo(root, &target_dir, &build_args(feature, options))?;
            times.push(start.elapsed());
        }
        Ok(times)
    })();
    if let Err(error) = fs::remove_dir_all(&target_dir) {
        eprintln!("warning: cannot remove {}: {error}", target_dir.display());
    }
    result
}

fn build_args<'a>(feature: &'a str, options: &Options) -> Vec<&'a str> {
    let mut args = vec![
        "build",
        "-p",
        "gigs-events",
        "--no-default-features",
        "--features",
        feature,
    ];
    if options.release {
        args.push("--release");
    }
    args
}

/// Runs cargo with `args` in `root`, building into `target_dir`.
fn cargo(root: &Path, target_dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let output = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .with_context(|| format!("cannot run {}", cargo.to_string_lossy()))?;
    if !output.status.success() {
        bail!(
            "`cargo {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Line counts of the generated modules.
#[derive(Debug, Default)]
struct Lines {
    /// Every `.rs` file under the API directory.
    files: usize,
    total: usize,
    /// `types/<name>.rs` → revision module (`v2024_08_29`) → its lines.
    revisions: BTreeMap<String, BTreeMap<String, usize>>,
    /// Version module (`v2024_08_29`) → its own lines and the type
    /// revisions it re-exports.
    versions: BTreeMap<String, (usize, BTreeSet<(String, String)>)>,
    /// Lines shared by every version: `mod.rs` and `types/mod.rs`.
    common: usize,
}

fn count_lines(api_dir: &Path) -> anyhow::Result<Lines> {
    let mut lines = Lines::default();
    for path in rust_files(api_dir)? {
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let count = text.lines().count();
        lines.files += 1;
        lines.total += count;
        let Ok(relative) = path.strip_prefix(api_dir) else {
            continue;
        };
        let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) else {
            continue;
        };
        let in_types = relative
            .parent()
            .is_some_and(|parent| parent == Path::new("types"));
        if stem == "mod" {
            lines.common += count;
        } else if in_types {
            lines
                .revisions
                .insert(stem.to_owned(), revision_lines(&text));
        } else if relative.parent() == Some(Path::new("")) {
            lines
                .versions
                .insert(stem.to_owned(), (count, reexported_revisions(&text)));
        }
    }
    Ok(lines)
}

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The lines of each top-level `pub mod vYYYY_MM_DD { … }` of a type file.
fn revision_lines(text: &str) -> BTreeMap<String, usize> {
    let mut revisions = BTreeMap::new();
    let mut current: Option<(String, usize)> = None;
    for line in text.lines() {
        if let Some((name, count)) = &mut current {
            *count += 1;
            if line == "}" {
                revisions.insert(std::mem::take(name), *count);
                current = None;
            }
        } else if let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|rest| rest.strip_suffix(" {"))
        {
            current = Some((name.to_owned(), 1));
        }
    }
    revisions
}

/// The `(type file, revision)` pairs a version module re-exports:
/// `pub use super::types::plan::v2024_08_29::Plan;`.
fn reexported_revisions(text: &str) -> BTreeSet<(String, String)> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("pub use super::types::"))
        .filter_map(|path| {
            let mut segments = path.split("::");
            Some((segments.next()?.to_owned(), segments.next()?.to_owned()))
        })
        .collect()
}

fn print_lines(lines: &Lines) {
    let revisions: usize = lines.revisions.values().map(BTreeMap::len).sum();
    println!(
        "Generated code ({API_DIR}): {} files, {} lines, {} type revisions \
         ({} types).\n",
        lines.files,
        lines.total,
        revisions,
        lines.revisions.len()
    );
    println!(
        "| version | module file lines | type revisions used | lines compiled for it alone |\n\
         |---|---|---|---|"
    );
    for (version, (own, used)) in &lines.versions {
        let type_lines: usize = used
            .iter()
            .filter_map(|(file, revision)| lines.revisions.get(file)?.get(revision))
            .sum();
        println!(
            "| {version} | {own} | {} | {} |",
            used.len(),
            lines.common + own + type_lines
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_features_are_dates() {
        assert!(is_version_feature("v2024-08-29"));
        assert!(!is_version_feature("all-versions"));
        assert!(!is_version_feature("webhook"));
        assert!(!is_version_feature("v2024_08_29"));
    }

    #[test]
    fn revisions_are_top_level_modules() {
        let text = "//! doc\n#[cfg(x)]\npub mod v2024_08_29 {\n    struct A;\n}\npub mod v2024_12_20 {\n}\n";
        let revisions = revision_lines(text);
        assert_eq!(revisions.get("v2024_08_29"), Some(&3));
        assert_eq!(revisions.get("v2024_12_20"), Some(&2));
    }

    #[test]
    fn reexports_name_file_and_revision() {
        let text = "pub use super::types::plan::v2024_08_29::Plan;\nuse other::Thing;\n";
        let used = reexported_revisions(text);
        assert!(used.contains(&("plan".to_owned(), "v2024_08_29".to_owned())));
        assert_eq!(used.len(), 1);
    }
}
