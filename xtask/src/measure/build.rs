//! Timed clean builds of gigs-events, with the peak memory and CPU time of
//! the build read from GNU time when the machine has it.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::report::Sample;

/// Where GNU time lives on the systems that have it.
const GNU_TIME: &str = "/usr/bin/time";

/// A cargo profile to build with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    Dev,
    Release,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Release => "release",
        }
    }
}

/// The format GNU time writes: the largest resident set (KiB) of any
/// process it waited for, and their user and system CPU seconds.
const USAGE_FORMAT: &str = "%M %U %S";

/// How peak memory and CPU time are measured, or why they are not.
#[derive(Debug, Clone)]
pub enum UsageProbe {
    /// GNU time at this path. With the dependencies already built, the
    /// largest process of the build is rustc compiling gigs-events.
    GnuTime(PathBuf),
    /// Why peak memory and CPU time cannot be measured here.
    Unavailable(String),
}

/// What GNU time reports of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub peak_kib: u64,
    /// User and system time of every process of the build: unlike the
    /// elapsed time, barely moved by other work on the machine.
    pub cpu: Duration,
}

impl UsageProbe {
    /// Checks that `/usr/bin/time` is GNU time by running it on a trivial
    /// command with the format and output options the builds use.
    pub fn detect(scratch: &Path) -> Self {
        let time = PathBuf::from(GNU_TIME);
        if !time.exists() {
            return Self::Unavailable(format!("{GNU_TIME} does not exist (GNU time is needed)"));
        }
        let output = scratch.join("gnu-time-probe.txt");
        let ran = Command::new(&time)
            .args(["-f", USAGE_FORMAT, "-o"])
            .arg(&output)
            .arg("true")
            .output();
        let measured = fs::read_to_string(&output)
            .ok()
            .and_then(|text| parse_usage(&text));
        // A failed removal leaves a small file in the scratch directory,
        // which is removed with it.
        let _ = fs::remove_file(&output);
        match (ran, measured) {
            (Ok(result), Some(_)) if result.status.success() => Self::GnuTime(time),
            (Err(error), _) => Self::Unavailable(format!("cannot run {GNU_TIME}: {error}")),
            _ => Self::Unavailable(format!(
                "{GNU_TIME} is not GNU time (it does not understand `-f \"{USAGE_FORMAT}\" -o FILE`)"
            )),
        }
    }
}

/// The usage in the file GNU time writes with `-f "%M %U %S" -o FILE`: the
/// last non-empty line, after any "Command exited with non-zero status".
pub fn parse_usage(text: &str) -> Option<Usage> {
    let line = text.lines().map(str::trim).rfind(|line| !line.is_empty())?;
    let mut fields = line.split_whitespace();
    let peak_kib = fields.next()?.parse().ok()?;
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    if fields.next().is_some() {
        return None;
    }
    let cpu = Duration::try_from_secs_f64(user + system).ok()?;
    Some(Usage { peak_kib, cpu })
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`'s text.
pub fn parse_load_average(text: &str) -> Option<[f64; 3]> {
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some([
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ])
}

/// The system's load averages, where `/proc/loadavg` exists.
pub fn load_average() -> Option<[f64; 3]> {
    parse_load_average(&fs::read_to_string("/proc/loadavg").ok()?)
}

/// A scratch target directory, removed when dropped.
#[derive(Debug)]
pub struct TargetDir(PathBuf);

impl TargetDir {
    /// A new empty directory under the system's temporary directory.
    pub fn create(name: &str) -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path)
                .with_context(|| format!("cannot empty {}", path.display()))?;
        }
        fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TargetDir {
    fn drop(&mut self) {
        if let Err(error) = fs::remove_dir_all(&self.0) {
            eprintln!("warning: cannot remove {}: {error}", self.0.display());
        }
    }
}

/// One crate to build: gigs-events with one feature, or the baseline.
#[derive(Debug, Clone, Copy)]
pub enum Build<'a> {
    /// gigs-events with `--no-default-features --features <feature>`.
    Crate { feature: &'a str },
    /// The plain-derive baseline crate whose manifest is in this directory.
    Baseline { dir: &'a Path },
}

impl Build<'_> {
    /// The arguments after `cargo <command>` selecting the crate.
    fn selection(self) -> Vec<OsString> {
        match self {
            Self::Crate { feature } => [
                "-p",
                "gigs-events",
                "--no-default-features",
                "--features",
                feature,
            ]
            .map(OsString::from)
            .to_vec(),
            Self::Baseline { dir } => vec![
                OsString::from("--manifest-path"),
                dir.join("Cargo.toml").into_os_string(),
            ],
        }
    }

    /// The package name, for `cargo clean -p`.
    fn package(self) -> &'static str {
        match self {
            Self::Crate { .. } => "gigs-events",
            Self::Baseline { .. } => super::baseline::PACKAGE,
        }
    }

    /// The file name prefix of the library's outputs: `gigs_events-`.
    fn output_prefix(self) -> String {
        format!("{}-", self.package().replace('-', "_"))
    }
}

/// Times clean builds of each of `builds` in `profile`, once per run
/// (interleaved, so that a burst of load elsewhere hits all alike). The
/// dependencies are built first, in the same target directory, by a build
/// of gigs-events with no version feature (they do not depend on which are
/// on), and every build is made once before timing, so that only the crate
/// itself is timed; a build that compiles anything else besides its own
/// crate is an error, since the comparison would not be fair. Returns the
/// samples of each build, in order.
pub fn time_builds(
    root: &Path,
    target_dir: &Path,
    profile: Profile,
    builds: &[Build<'_>],
    runs: usize,
    usage: &UsageProbe,
) -> anyhow::Result<Vec<Vec<Sample>>> {
    let mut dependencies = args(&["build", "-p", "gigs-events", "--no-default-features"]);
    push_profile(&mut dependencies, profile);
    cargo(root, target_dir, &dependencies, None)?;
    for &build in builds {
        let (_, compiled) = cargo(root, target_dir, &build_args(build, profile), None)?;
        let others: Vec<&str> = compiled
            .iter()
            .map(String::as_str)
            .filter(|package| *package != build.package())
            .collect();
        if !others.is_empty() {
            bail!(
                "building {} compiled {} again: its dependencies differ from gigs-events' \
                 and the comparison would not be fair",
                build.package(),
                others.join(", ")
            );
        }
    }
    let mut samples = vec![Vec::new(); builds.len()];
    for _ in 0..runs {
        for (&build, samples) in builds.iter().zip(&mut samples) {
            cargo(root, target_dir, &clean_args(build, profile), None)?;
            let start = Instant::now();
            let (usage, _) = cargo(root, target_dir, &build_args(build, profile), Some(usage))?;
            samples.push(Sample {
                time: start.elapsed(),
                usage,
            });
        }
    }
    Ok(samples)
}

/// The lines of LLVM IR the library of `build` produces before any LLVM
/// pass runs, as `cargo llvm-lines` counts them: every line of every
/// function defined. Built in `target_dir`, whose dependencies are built.
pub fn llvm_lines(
    root: &Path,
    target_dir: &Path,
    profile: Profile,
    build: Build<'_>,
) -> anyhow::Result<usize> {
    let deps = target_dir
        .join(match profile {
            Profile::Dev => "debug",
            Profile::Release => "release",
        })
        .join("deps");
    let prefix = build.output_prefix();
    for path in ir_files(&deps, &prefix)? {
        fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    let mut rustc = args(&["rustc", "--lib"]);
    rustc.extend(build.selection());
    push_profile(&mut rustc, profile);
    rustc.extend(args(&[
        "--",
        "--emit=llvm-ir",
        "-Cno-prepopulate-passes",
        "-Cpasses=name-anon-globals",
    ]));
    cargo(root, target_dir, &rustc, None)?;
    let files = ir_files(&deps, &prefix)?;
    if files.is_empty() {
        bail!(
            "rustc wrote no LLVM IR for {} to {}",
            build.package(),
            deps.display()
        );
    }
    let mut lines = 0;
    for path in files {
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        lines += function_lines(&text);
        // The next build of the crate does not need them.
        let _ = fs::remove_file(&path);
    }
    Ok(lines)
}

/// The `.ll` files in `dir` whose names start with `prefix`.
fn ir_files(dir: &Path, prefix: &str) -> anyhow::Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        let matches = path.extension().is_some_and(|extension| extension == "ll")
            && path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(prefix));
        if matches {
            files.push(path);
        }
    }
    Ok(files)
}

/// The lines of the function definitions in LLVM IR text, from each
/// `define` to its closing `}`.
fn function_lines(ir: &str) -> usize {
    let mut lines = 0;
    let mut in_function = false;
    for line in ir.lines() {
        if in_function {
            lines += 1;
            in_function = line != "}";
        } else if line.starts_with("define ") {
            lines += 1;
            in_function = true;
        }
    }
    lines
}

fn args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn push_profile(args: &mut Vec<OsString>, profile: Profile) {
    if profile == Profile::Release {
        args.push(OsString::from("--release"));
    }
}

fn build_args(build: Build<'_>, profile: Profile) -> Vec<OsString> {
    let mut build_args = args(&["build"]);
    build_args.extend(build.selection());
    push_profile(&mut build_args, profile);
    build_args
}

fn clean_args(build: Build<'_>, profile: Profile) -> Vec<OsString> {
    let mut clean = args(&["clean", "-p", build.package()]);
    if let Build::Baseline { .. } = build {
        clean.extend(build.selection());
    }
    push_profile(&mut clean, profile);
    clean
}

/// Runs cargo with `args` in `root`, building into `target_dir`; under GNU
/// time when `usage` says so. Returns what GNU time measured and the
/// packages cargo compiled.
fn cargo(
    root: &Path,
    target_dir: &Path,
    args: &[OsString],
    usage: Option<&UsageProbe>,
) -> anyhow::Result<(Option<Usage>, Vec<String>)> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let usage_file = target_dir.join("usage.txt");
    let mut command = match usage {
        Some(UsageProbe::GnuTime(time)) => {
            let mut command = Command::new(time);
            command
                .args(["-f", USAGE_FORMAT, "-o"])
                .arg(&usage_file)
                .arg(&cargo);
            command
        }
        _ => Command::new(&cargo),
    };
    let rendered = || {
        args.iter()
            .map(|arg| arg.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let output = command
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        // Cargo builds a dependency from a registry without incremental
        // compilation, and so with 16 codegen units in dev rather than 256;
        // both crates are measured that way. Incremental builds partition by
        // module, which would weigh the generated crate's many modules
        // against the baseline's one file rather than the code in them.
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .with_context(|| format!("cannot run {}", cargo.to_string_lossy()))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!(
            "`cargo {}` failed ({}):\n{stderr}",
            rendered(),
            output.status
        );
    }
    let compiled = compiled_packages(&stderr);
    let Some(UsageProbe::GnuTime(_)) = usage else {
        return Ok((None, compiled));
    };
    let text = fs::read_to_string(&usage_file)
        .with_context(|| format!("cannot read GNU time's output {}", usage_file.display()))?;
    match parse_usage(&text) {
        Some(usage) => Ok((Some(usage), compiled)),
        None => bail!(
            "GNU time wrote no `{USAGE_FORMAT}` to {} for `cargo {}`: {text:?}",
            usage_file.display(),
            rendered()
        ),
    }
}

/// The packages of cargo's `Compiling <name> v<version>` lines.
fn compiled_packages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("Compiling "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_the_last_line_gnu_time_writes() {
        assert_eq!(
            parse_usage("678124 12.50 1.25\n"),
            Some(Usage {
                peak_kib: 678_124,
                cpu: Duration::from_millis(13_750),
            })
        );
        assert_eq!(
            parse_usage("Command exited with non-zero status 101\n52100 0.10 0.02\n\n"),
            Some(Usage {
                peak_kib: 52_100,
                cpu: Duration::from_millis(120),
            })
        );
        assert_eq!(parse_usage(""), None);
        assert_eq!(parse_usage("678124\n"), None);
        assert_eq!(parse_usage("678124 1.0 0.5 extra\n"), None);
        assert_eq!(parse_usage("0:01.02elapsed 1.0 0.5\n"), None);
        assert_eq!(parse_usage("678124 -1.0 0.5\n"), None);
    }

    #[test]
    fn load_average_is_the_first_three_fields() {
        assert_eq!(
            parse_load_average("2.66 2.00 2.76 3/411 18566\n"),
            Some([2.66, 2.0, 2.76])
        );
        assert_eq!(parse_load_average("2.66 2.00"), None);
        assert_eq!(parse_load_average("high 2.00 2.76"), None);
    }

    #[test]
    fn release_builds_ask_cargo_for_release() {
        let all = Build::Crate {
            feature: "all-versions",
        };
        assert!(build_args(all, Profile::Release).contains(&OsString::from("--release")));
        assert!(!build_args(all, Profile::Dev).contains(&OsString::from("--release")));
        let newest = Build::Crate {
            feature: "v2025-05-22",
        };
        assert_eq!(
            build_args(newest, Profile::Dev)[3..],
            args(&["--no-default-features", "--features", "v2025-05-22"])
        );
        let baseline = Build::Baseline {
            dir: Path::new("/tmp/baseline"),
        };
        assert_eq!(
            clean_args(baseline, Profile::Release),
            args(&[
                "clean",
                "-p",
                "gigs-events-baseline",
                "--manifest-path",
                "/tmp/baseline/Cargo.toml",
                "--release"
            ])
        );
    }

    #[test]
    fn llvm_lines_are_the_lines_of_function_definitions() {
        let ir = "; ModuleID = 'x'\n\
                  @global = constant i32 1\n\
                  define void @f() {\n\
                  start:\n  ret void\n}\n\n\
                  declare void @g()\n\
                  define internal i32 @h() {\n  ret i32 0\n}\n";
        assert_eq!(function_lines(ir), 4 + 3);
    }

    #[test]
    fn compiled_packages_are_read_from_cargo_output() {
        let stderr = "   Compiling serde v1.0.228\n   Compiling gigs-events v0.2.0 (/repo/generated)\n    Finished `dev` profile\n";
        assert_eq!(compiled_packages(stderr), ["serde", "gigs-events"]);
    }
}
