//! `cargo xtask`: the maintainer commands of gigs-events.

mod fuzz_seeds;
mod measure;
mod regen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{check_payload, fix_payload, versions};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Maintainer commands of gigs-events")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate `generated/` and `docs/` from `spec/`.
    Regen {
        /// Change nothing; fail with a diff if the generated files are not up to date.
        #[arg(long)]
        check: bool,
    },
    /// Register a new API version after the newest, with an empty overlay.
    NewVersion {
        /// The version's date, YYYY-MM-DD.
        date: String,
    },
    /// Check captured payloads against the spec: unknown fields and enum
    /// values, type mismatches. Exits 0 only when every payload is fully described.
    ///
    /// With --fix, change the spec so that each payload fits its version,
    /// where the definition in force at that version is written: `nullable:
    /// true` for a null, `required: false` for a missing field, a new
    /// optional field typed from the value (`json` when the value says too
    /// little, a new object file for an object), a new enum value or union
    /// kind. Prints each change with its file and line; keeps the files'
    /// comments and style; writes nothing unless every change is planned
    /// and the changed spec generates. Changes nothing for a body that is
    /// not a Gigs event, or of an event type or version the spec lacks.
    /// Wrong types are reported, not changed.
    CheckPayload {
        /// JSON files, each one webhook body.
        #[arg(required_unless_present = "inbox")]
        files: Vec<PathBuf>,
        /// Also check the dead letters of this receiver inbox: gigs-receiver's
        /// SQLite file, or its PostgreSQL database as a `postgres://` URL or
        /// `key=value` connection string. Builds xtask with its `inbox`
        /// feature the first time.
        #[arg(long, value_name = "DB_OR_URL")]
        inbox: Option<String>,
        /// Change the spec so that the payloads fit (see above); then run
        /// `cargo xtask regen`, or pass --regen.
        #[arg(long)]
        fix: bool,
        /// After --fix changed the spec, regenerate `generated/` and `docs/`.
        #[arg(long, requires = "fix")]
        regen: bool,
    },
    /// Write the raw seed inputs of the fuzz targets (fixtures, spec
    /// examples, spec trees) into `<out>/<target>/`; `fuzz/refresh-corpus`
    /// minimizes them into the checked-in corpus.
    FuzzSeeds {
        /// The directory to write into.
        out: PathBuf,
    },
    /// Show what changed between two API versions, for code receiving webhooks.
    Diff {
        /// The older version, YYYY-MM-DD.
        from: String,
        /// The newer version, YYYY-MM-DD.
        to: String,
    },
    /// Classify every change of the generated public API since the last
    /// release, and check that `generated/Cargo.toml`'s version is bumped
    /// enough for them.
    Semver {
        /// The git revision to compare with (default: the newest commit
        /// whose crate version differs from the working tree's).
        #[arg(long, value_name = "REV")]
        baseline: Option<String>,
        /// Print the API part of the CHANGELOG entry instead, in Markdown.
        #[arg(long)]
        changelog: bool,
        /// Print only the baseline's commit, for other tools to compare
        /// with the same one (CI's cargo-semver-checks).
        #[arg(long, conflicts_with = "changelog")]
        print_baseline: bool,
    },
    /// Time clean builds of gigs-events with the newest version alone, with
    /// all, and of the newest version as plain serde derives, in the dev and
    /// release profiles, with their CPU time, peak memory and LLVM lines; and
    /// count the generated lines.
    MeasureBuild {
        /// The version feature to build alone (default: the newest).
        #[arg(long)]
        feature: Option<String>,
        /// Builds per configuration; the fastest counts.
        #[arg(long, default_value_t = 1)]
        runs: usize,
        /// The profile to build with (default: both, dev first).
        #[arg(long, value_enum)]
        profile: Option<measure::Profile>,
        /// Only count the generated lines.
        #[arg(long)]
        lines_only: bool,
        /// Write the plain-derive baseline crate to DIR and leave it there.
        #[arg(long, value_name = "DIR")]
        keep_baseline: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Regen { check } => regen::run(&root, check),
        Command::NewVersion { date } => {
            versions::new_version(&root, &date).map(|()| ExitCode::SUCCESS)
        }
        Command::CheckPayload {
            files,
            inbox,
            fix,
            regen,
        } => {
            let mode = match (fix, regen) {
                (false, _) => Mode::Check,
                (true, false) => Mode::Fix,
                (true, true) => Mode::FixAndRegen,
            };
            check_payloads(&root, &files, inbox.as_deref(), mode)
        }
        Command::FuzzSeeds { out } => fuzz_seeds::run(&root, &out).map(|()| ExitCode::SUCCESS),
        Command::Diff { from, to } => versions::diff(&root, &from, &to).map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        Command::Semver {
            baseline,
            changelog,
            print_baseline,
        } => semver(&root, baseline.as_deref(), changelog, print_baseline),
        Command::MeasureBuild {
            feature,
            runs,
            profile,
            lines_only,
            keep_baseline,
        } => measure::run(
            &root,
            &measure::Options {
                feature,
                runs,
                profiles: profile.map_or_else(
                    || vec![measure::Profile::Dev, measure::Profile::Release],
                    |profile| vec![profile],
                ),
                lines_only,
                keep_baseline,
            },
        ),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `semver`: the report, or the CHANGELOG part; fails when the version is
/// not bumped enough.
fn semver(
    root: &Path,
    baseline: Option<&str>,
    changelog: bool,
    print_baseline: bool,
) -> anyhow::Result<ExitCode> {
    let report = xtask::semver::run(root, baseline)?;
    if print_baseline {
        println!("{}", report.baseline.hash);
        return Ok(ExitCode::SUCCESS);
    }
    if changelog {
        print!("{}", report.changelog());
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", report.text());
    Ok(if report.bumped_enough() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What `check-payload` does with the payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Check,
    /// `--fix`.
    Fix,
    /// `--fix --regen`.
    FixAndRegen,
}

/// `check-payload`: the files, then the inbox's dead letters.
fn check_payloads(
    root: &Path,
    files: &[PathBuf],
    inbox: Option<&str>,
    mode: Mode,
) -> anyhow::Result<ExitCode> {
    #[cfg(not(feature = "inbox"))]
    if inbox.is_some() {
        return with_inbox_feature(root);
    }
    #[cfg_attr(not(feature = "inbox"), expect(unused_mut))]
    let mut payloads = check_payload::read_files(files);
    #[cfg(feature = "inbox")]
    if let Some(db) = inbox {
        payloads.extend(xtask::inbox::dead_letters(db)?);
    }
    let all_described = match mode {
        Mode::Check => check_payload::run_payloads(root, &payloads)?,
        Mode::Fix | Mode::FixAndRegen => fix_payloads(root, &payloads, mode)?,
    };
    Ok(if all_described {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `check-payload --fix [--regen]`: whether every payload fits now.
fn fix_payloads(
    root: &Path,
    payloads: &[check_payload::Payload],
    mode: Mode,
) -> anyhow::Result<bool> {
    let outcome = fix_payload::run(root, payloads)?;
    let count = outcome.written.len();
    if count == 0 {
        return Ok(outcome.all_described);
    }
    let files = if count == 1 { "file" } else { "files" };
    if mode == Mode::FixAndRegen {
        println!("{count} spec {files} changed; regenerating");
        return Ok(regen::run(root, false)? == ExitCode::SUCCESS && outcome.all_described);
    }
    println!("{count} spec {files} changed; run `cargo xtask regen` to regenerate the crate");
    Ok(outcome.all_described)
}

/// Runs this same command line again, built with the `inbox` feature:
/// reading an inbox needs gigs-receiver (SQLite, PostgreSQL) compiled in,
/// which the other commands do not pay for.
#[cfg(not(feature = "inbox"))]
fn with_inbox_feature(root: &Path) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("reading an inbox needs its database client: running xtask with its `inbox` feature");
    let status = std::process::Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--package",
            "xtask",
            "--features",
            "inbox",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .arg("--")
        .args(std::env::args_os().skip(1))
        .status()
        .context("cannot run cargo to build xtask with its `inbox` feature")?;
    Ok(
        match status.code().and_then(|code| u8::try_from(code).ok()) {
            Some(code) => ExitCode::from(code),
            None => ExitCode::FAILURE,
        },
    )
}

/// The repository root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.clone(), PathBuf::from)
}
