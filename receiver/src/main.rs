//! `gigs-receiver`: receive Gigs webhooks into a durable inbox, and look
//! after it. See the README's "Receiving webhooks" for the environment
//! variables.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gigs_receiver::commands;

#[derive(Debug, Parser)]
#[command(
    name = "gigs-receiver",
    version,
    about = "Receive Gigs webhooks: verify, store in a durable inbox, acknowledge, handle once.",
    long_about = None,
    after_help = "Settings come from the environment: GIGS_WEBHOOK_SECRET (to serve), \
                  GIGS_WEBHOOK_ADDR, GIGS_INBOX_PATH (SQLite) or GIGS_INBOX_URL (PostgreSQL), \
                  and the limits in the README."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Receive on POST /webhooks until SIGINT or SIGTERM (the default).
    Serve,
    /// List the dead letters, with their errors.
    DeadLetters,
    /// Parse and handle dead letters again with this build: all, or these.
    /// Exits 1 if any is still dead.
    Replay {
        /// The event ids to replay; all dead letters when none is given.
        #[arg(value_name = "EVENT_ID")]
        event_ids: Vec<String>,
    },
    /// Delete handled events older than the retention. Pending events and
    /// dead letters are never pruned.
    Prune {
        /// Days to keep (at least 2; 0 keeps everything). Defaults to
        /// GIGS_INBOX_RETENTION_DAYS, or 30.
        #[arg(long, value_name = "DAYS")]
        days: Option<String>,
    },
    /// Print the inbox's counts as JSON: pending, handled, dead.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let var = |name: &str| std::env::var(name);
    let result = runtime.block_on(async {
        match &cli.command {
            None | Some(Command::Serve) => commands::serve(&var).await,
            Some(Command::DeadLetters) => commands::dead_letters(&var).await,
            Some(Command::Replay { event_ids }) => commands::replay(&var, event_ids).await,
            Some(Command::Prune { days }) => commands::prune(&var, days.as_deref()).await,
            Some(Command::Status) => commands::status(&var).await,
        }
    });
    // Blocking inbox work still running (a commit) gets a moment, not
    // forever.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
