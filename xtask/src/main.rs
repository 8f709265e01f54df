//! `cargo xtask`: the maintainer commands of gigs-events.

mod measure;
mod regen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{check_payload, versions};

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
    CheckPayload {
        /// JSON files, each one webhook body.
        #[arg(required_unless_present = "inbox")]
        files: Vec<PathBuf>,
        /// Also check the dead letters of this receiver inbox (the example
        /// receiver's SQLite database). Builds xtask with its `inbox`
        /// feature (SQLite) the first time.
        #[arg(long, value_name = "DB")]
        inbox: Option<PathBuf>,
    },
    /// Show what changed between two API versions, for code receiving webhooks.
    Diff {
        /// The older version, YYYY-MM-DD.
        from: String,
        /// The newer version, YYYY-MM-DD.
        to: String,
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
        Command::CheckPayload { files, inbox } => check_payloads(&root, &files, inbox.as_deref()),
        Command::Diff { from, to } => versions::diff(&root, &from, &to).map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
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

/// `check-payload`: the files, then the inbox's dead letters.
fn check_payloads(
    root: &Path,
    files: &[PathBuf],
    inbox: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    #[cfg(not(feature = "inbox"))]
    if inbox.is_some() {
        return with_inbox_feature(root);
    }
    #[cfg_attr(not(feature = "inbox"), expect(unused_mut))]
    let mut payloads = check_payload::read_files(files);
    #[cfg(feature = "inbox")]
    if let Some(db) = inbox {
        payloads.extend(check_payload::dead_letters(db)?);
    }
    let all_described = check_payload::run_payloads(root, &payloads)?;
    Ok(if all_described {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs this same command line again, built with the `inbox` feature:
/// reading SQLite needs it compiled in, which the other commands do not
/// pay for.
#[cfg(not(feature = "inbox"))]
fn with_inbox_feature(root: &Path) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("reading an inbox needs SQLite: running xtask with its `inbox` feature");
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
