//! `cargo xtask`: the maintainer commands of gigs-events.

mod measure;
mod regen;

use std::path::PathBuf;
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
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show what changed between two API versions, for code receiving webhooks.
    Diff {
        /// The older version, YYYY-MM-DD.
        from: String,
        /// The newer version, YYYY-MM-DD.
        to: String,
    },
    /// Time a clean build of gigs-events with one version and with all, and
    /// count the generated lines.
    MeasureBuild {
        /// The version feature to time alone (default: the oldest).
        #[arg(long)]
        feature: Option<String>,
        /// Builds per configuration; the fastest counts.
        #[arg(long, default_value_t = 1)]
        runs: usize,
        /// Time release builds instead of dev builds.
        #[arg(long)]
        release: bool,
        /// Only count the generated lines.
        #[arg(long)]
        lines_only: bool,
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
        Command::CheckPayload { files } => check_payload::run(&root, &files).map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
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
            release,
            lines_only,
        } => measure::run(
            &root,
            &measure::Options {
                feature,
                runs,
                release,
                lines_only,
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

/// The repository root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.clone(), PathBuf::from)
}
