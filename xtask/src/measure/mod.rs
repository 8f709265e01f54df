//! `cargo xtask measure-build`: what the generated code costs to compile.
//!
//! Times clean builds of `gigs-events` alone, with one API version feature
//! (the newest by default) and with all of them, and of the plain-derive
//! baseline of the newest version, in the dev and release profiles; reports
//! the CPU time, peak memory and LLVM lines of each build, the ratios of one
//! version to the baseline and of all versions to one; then counts the
//! generated lines, in total and per version.

mod baseline;
mod build;
mod lines;
mod report;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};

pub use build::Profile;
use build::{Build, TargetDir, UsageProbe};
use report::{Configuration, ProfileResult};

/// Where the generated modules live, relative to the repository root.
const API_DIR: &str = "generated/src/api";

/// The feature enabling every API version.
const ALL_VERSIONS: &str = "all-versions";

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// The single version feature to time; the newest one when `None`.
    pub feature: Option<String>,
    /// Builds per configuration; the fastest is reported.
    pub runs: usize,
    /// The profiles to build with, in order.
    pub profiles: Vec<Profile>,
    /// Only counts lines, builds nothing.
    pub lines_only: bool,
    /// Where to leave the baseline crate; a scratch directory when `None`.
    pub keep_baseline: Option<PathBuf>,
}

/// Runs the measurements and prints their tables.
pub fn run(root: &Path, options: &Options) -> anyhow::Result<ExitCode> {
    let lines = lines::count(&root.join(API_DIR))?;
    let mut results = Vec::new();
    if !options.lines_only {
        let manifest = root.join("generated").join("Cargo.toml");
        let text = fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let features = version_features(&text);
        let single = single_feature(&features, options.feature.as_deref())?;
        let single_lines = lines
            .compiled_for(&version_module(single))
            .with_context(|| {
                format!("{API_DIR} has no module for feature `{single}`; run `cargo xtask regen`")
            })?;
        let single_label = if features.last().map(String::as_str) == Some(single) {
            format!("`{single}` (newest alone)")
        } else {
            format!("`{single}` alone")
        };
        let runs = options.runs.max(1);
        let target_dir = TargetDir::create("gigs-measure-build")?;
        let baseline_dir = match &options.keep_baseline {
            Some(dir) => dir.clone(),
            None => target_dir.path().join("baseline"),
        };
        let baseline_version = baseline::write(root, &baseline_dir)?;
        let baseline_lines = fs::read_to_string(baseline_dir.join("src").join("lib.rs"))
            .map(|source| source.lines().count())
            .unwrap_or_default();
        let builds = [
            Build::Crate { feature: single },
            Build::Crate {
                feature: ALL_VERSIONS,
            },
            Build::Baseline { dir: &baseline_dir },
        ];
        let usage = UsageProbe::detect(target_dir.path());
        for &profile in &options.profiles {
            eprintln!(
                "measuring {profile} builds: dependencies first, then {runs} clean build(s) each of `{single}`, `{ALL_VERSIONS}` and the baseline, then their LLVM lines…",
                profile = profile.name()
            );
            let load_before = build::load_average();
            let mut samples =
                build::time_builds(root, target_dir.path(), profile, &builds, runs, &usage)?
                    .into_iter();
            let load_after = build::load_average();
            let mut llvm_lines = Vec::new();
            for build in builds {
                llvm_lines.push(Some(build::llvm_lines(
                    root,
                    target_dir.path(),
                    profile,
                    build,
                )?));
            }
            let mut llvm_lines = llvm_lines.into_iter();
            let mut configuration = |label: String, lines: usize| Configuration {
                label,
                lines,
                llvm_lines: llvm_lines.next().flatten(),
                samples: samples.next().unwrap_or_default(),
            };
            results.push(ProfileResult {
                profile,
                single: configuration(single_label.clone(), single_lines),
                all: configuration(format!("`{ALL_VERSIONS}`"), lines.total),
                baseline: configuration(
                    format!("plain-derive baseline of {baseline_version}"),
                    baseline_lines,
                ),
                load_before,
                load_after,
            });
        }
        let usage_note = match &usage {
            UsageProbe::GnuTime(_) => None,
            UsageProbe::Unavailable(reason) => Some(reason.as_str()),
        };
        println!(
            "Clean builds of one crate each, dependencies already built, best of {runs}, not \
             incremental (as Cargo builds a dependency from a registry): gigs-events with \
             --no-default-features and its version features, and the plain-derive baseline \
             (the newest version as plain serde derives, with the same dependencies and \
             profiles). CPU time is the user and system time of the build's \
             processes, less moved than the elapsed time by other work on the machine; peak \
             memory is the largest resident set among them (rustc compiling the crate); LLVM \
             lines are the lines of the crate's functions in LLVM IR before optimization:\n"
        );
        println!("{}", report::builds_table(&results, usage_note));
        println!("{}", report::ratios_table(&results));
        println!("{}", report::load_lines(&results));
        if let Some(dir) = &options.keep_baseline {
            println!("The baseline crate is in {}.\n", dir.display());
        }
    }
    print!("{}", report::lines_table(&lines, API_DIR));
    if !results.is_empty() {
        println!("\n{}", report::summary_line(&results));
    }
    Ok(ExitCode::SUCCESS)
}

/// The API version features (`vYYYY-MM-DD = []`) of the crate's manifest,
/// oldest first.
fn version_features(manifest: &str) -> Vec<String> {
    let mut features: Vec<String> = manifest
        .lines()
        .filter_map(|line| line.trim().strip_suffix("= []"))
        .map(str::trim)
        .filter(|name| is_version_feature(name))
        .map(str::to_owned)
        .collect();
    features.sort();
    features.dedup();
    features
}

/// The version feature to build alone: `requested`, which must be one of
/// `features`, or else the newest.
fn single_feature<'a>(features: &'a [String], requested: Option<&str>) -> anyhow::Result<&'a str> {
    match requested {
        Some(requested) => match features.iter().find(|feature| *feature == requested) {
            Some(feature) => Ok(feature),
            None if features.is_empty() => {
                bail!("`{requested}` is not a version feature of gigs-events: it has none")
            }
            None => bail!(
                "`{requested}` is not a version feature of gigs-events (those are: {})",
                features.join(", ")
            ),
        },
        None => features
            .last()
            .map(String::as_str)
            .context("gigs-events has no version feature (`vYYYY-MM-DD = []`)"),
    }
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

/// The module of a version feature: `v2024-08-29` → `v2024_08_29`.
fn version_module(feature: &str) -> String {
    feature.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
[features]
default = ["webhook", "all-versions"]
webhook = ["dep:hmac"]
all-versions = ["v2024-08-29", "v2025-05-22", "v2024-12-20"]
v2024-08-29 = []
v2025-05-22 = []
v2024-12-20 = []
unrelated = []
"#;

    #[test]
    fn version_features_are_dates() {
        assert!(is_version_feature("v2024-08-29"));
        assert!(!is_version_feature("all-versions"));
        assert!(!is_version_feature("webhook"));
        assert!(!is_version_feature("v2024_08_29"));
        assert!(!is_version_feature("v2024-08-2x"));
    }

    #[test]
    fn the_manifest_lists_version_features_oldest_first() {
        assert_eq!(
            version_features(MANIFEST),
            ["v2024-08-29", "v2024-12-20", "v2025-05-22"]
        );
        assert!(version_features("[features]\nwebhook = []\n").is_empty());
    }

    #[test]
    fn the_single_version_defaults_to_the_newest() {
        let features = version_features(MANIFEST);
        assert_eq!(single_feature(&features, None).ok(), Some("v2025-05-22"));
        assert_eq!(
            single_feature(&features, Some("v2024-08-29")).ok(),
            Some("v2024-08-29")
        );
    }

    #[test]
    fn an_unknown_single_version_is_refused_with_the_known_ones() {
        let features = version_features(MANIFEST);
        let error = single_feature(&features, Some("all-versions"))
            .err()
            .map(|error| error.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "`all-versions` is not a version feature of gigs-events \
                 (those are: v2024-08-29, v2024-12-20, v2025-05-22)"
            )
        );
        let none = single_feature(&[], None)
            .err()
            .map(|error| error.to_string());
        assert_eq!(
            none.as_deref(),
            Some("gigs-events has no version feature (`vYYYY-MM-DD = []`)")
        );
    }

    #[test]
    fn a_feature_names_its_module() {
        assert_eq!(version_module("v2025-05-22"), "v2025_05_22");
    }
}
