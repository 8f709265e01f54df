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

/// Times clean builds of gigs-events in `profile`, once per run for each of
/// `features` (interleaved, so that a burst of load elsewhere hits both
/// alike). The dependencies are built first, in the same target directory,
/// by a build of the crate with no version feature (they do not depend on
/// which are on), so that only gigs-events itself is timed. Returns the
/// samples of each feature, in order.
pub fn time_builds(
    root: &Path,
    target_dir: &Path,
    profile: Profile,
    features: &[&str],
    runs: usize,
    usage: &UsageProbe,
) -> anyhow::Result<Vec<Vec<Sample>>> {
    let mut dependencies = vec!["build", "-p", "gigs-events", "--no-default-features"];
    if profile == Profile::Release {
        dependencies.push("--release");
    }
    cargo(root, target_dir, &dependencies, None)?;
    let mut samples = vec![Vec::new(); features.len()];
    for _ in 0..runs {
        for (feature, samples) in features.iter().zip(&mut samples) {
            let mut clean = vec!["clean", "-p", "gigs-events"];
            if profile == Profile::Release {
                clean.push("--release");
            }
            cargo(root, target_dir, &clean, None)?;
            let start = Instant::now();
            let usage = cargo(root, target_dir, &build_args(feature, profile), Some(usage))?;
            samples.push(Sample {
                time: start.elapsed(),
                usage,
            });
        }
    }
    Ok(samples)
}

fn build_args(feature: &str, profile: Profile) -> Vec<&str> {
    let mut args = vec![
        "build",
        "-p",
        "gigs-events",
        "--no-default-features",
        "--features",
        feature,
    ];
    if profile == Profile::Release {
        args.push("--release");
    }
    args
}

/// Runs cargo with `args` in `root`, building into `target_dir`; under GNU
/// time when `usage` says so, returning what it measured.
fn cargo(
    root: &Path,
    target_dir: &Path,
    args: &[&str],
    usage: Option<&UsageProbe>,
) -> anyhow::Result<Option<Usage>> {
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
    let output = command
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
    let Some(UsageProbe::GnuTime(_)) = usage else {
        return Ok(None);
    };
    let text = fs::read_to_string(&usage_file)
        .with_context(|| format!("cannot read GNU time's output {}", usage_file.display()))?;
    match parse_usage(&text) {
        Some(usage) => Ok(Some(usage)),
        None => bail!(
            "GNU time wrote no `{USAGE_FORMAT}` to {} for `cargo {}`: {text:?}",
            usage_file.display(),
            args.join(" ")
        ),
    }
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
        assert!(build_args("all-versions", Profile::Release).contains(&"--release"));
        assert!(!build_args("all-versions", Profile::Dev).contains(&"--release"));
        assert_eq!(
            build_args("v2025-05-22", Profile::Dev)[3..],
            ["--no-default-features", "--features", "v2025-05-22"]
        );
    }
}
