//! The commands: `serve`, `dead-letters`, `replay`, `prune`, `status`.
//! Each returns the process's exit code, or an error message.

use std::sync::Arc;
use std::time::Duration;

use gigs_events::VersionedEvent;

use crate::app::Receiver;
use crate::config::{self, Config, Env, Retention};
use crate::handler;
use crate::inbox::{Handler, Inbox, InboxOptions, Location, unix_now};
use crate::server;

/// How often a serving receiver prunes handled events past the retention.
const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Opens the inbox of `options`, saying which one when it fails.
async fn open(options: &InboxOptions) -> Result<Inbox, String> {
    Inbox::open(options)
        .await
        .map_err(|error| format!("cannot open the inbox {}: {error}", options.location))
}

/// The inbox the commands other than `serve` read: a new in-memory one
/// would have nothing in it.
async fn open_existing(var: &impl Env) -> Result<Inbox, String> {
    let options = config::inbox_from_env(var)?;
    if options.location == Location::Memory {
        return Err(
            "neither GIGS_INBOX_PATH (an SQLite file) nor GIGS_INBOX_URL (PostgreSQL) \
                    is set: set the one the receiver uses"
                .to_owned(),
        );
    }
    open(&options).await
}

/// `serve`: receive until SIGINT or SIGTERM.
pub async fn serve(var: &impl Env) -> Result<u8, String> {
    let config = Config::from_env(var)?;
    let inbox = open(&config.inbox).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.addr))?;
    let addr = listener
        .local_addr()
        .map_err(|error| format!("cannot read the address listened on: {error}"))?;
    let counts = inbox
        .counts()
        .await
        .map_err(|error| format!("{}: {error}", inbox.location()))?;
    println!(
        "inbox {}: {} pending, {} handled, {} dead letters; replica {}",
        inbox.location(),
        counts.pending,
        counts.handled,
        counts.dead,
        config.inbox.replica
    );
    if *inbox.location() == Location::Memory {
        println!(
            "the inbox is in memory: set GIGS_INBOX_PATH (SQLite) or GIGS_INBOX_URL \
             (PostgreSQL) to keep events across restarts"
        );
    }
    if let Some(before) = config.retention.prune_before(0) {
        tokio::spawn(prune_regularly(inbox.clone(), before));
    }
    let receiver = Receiver::start(
        config.webhook,
        inbox,
        Arc::new(handler::handle),
        config.limits,
        |attempt| println!("{attempt}"),
    );
    println!(
        "limits: bodies up to {} bytes within {:?}, headers within {:?}, answers taken within {:?}, \
         {} connections at once",
        config.limits.body_limit,
        config.limits.body_timeout,
        config.limits.header_timeout,
        config.limits.send_timeout,
        server::connection_cap(config.limits.max_connections)
    );
    // Printed last: whoever waits for it can send right away.
    println!("listening on http://{addr}{}", crate::app::PATH);
    server::serve(listener, receiver, config.limits, shutdown_signal()).await;
    println!("stopped");
    Ok(0)
}

/// Prunes handled events older than the retention (`age`, in seconds, as a
/// negative offset from now) now and every [`PRUNE_EVERY`].
async fn prune_regularly(inbox: Inbox, age: i64) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    loop {
        every.tick().await;
        match inbox.prune(unix_now() + age).await {
            Ok(0) => {}
            Ok(pruned) => println!("pruned {pruned} handled events past the retention"),
            Err(error) => eprintln!("warning: pruning the inbox failed: {error}"),
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM; never if neither handler can
/// be installed.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    println!("shutting down: no new connections; finishing requests in flight");
}

/// `dead-letters`: one line per dead letter, with its error.
pub async fn dead_letters(var: &impl Env) -> Result<u8, String> {
    let inbox = open_existing(var).await?;
    let letters = inbox
        .dead_letters()
        .await
        .map_err(|error| format!("{}: {error}", inbox.location()))?;
    for letter in &letters {
        println!("{letter}");
    }
    println!("{} dead letters in {}", letters.len(), inbox.location());
    Ok(0)
}

/// `replay`: handle dead letters again; exits 1 if any is still dead.
pub async fn replay(var: &impl Env, event_ids: &[String]) -> Result<u8, String> {
    let inbox = open_existing(var).await?;
    let handler: Arc<Handler<VersionedEvent>> = Arc::new(handler::handle);
    let attempts = inbox
        .replay(event_ids, handler)
        .await
        .map_err(|error| format!("{}: {error}", inbox.location()))?;
    let still_dead = attempts.iter().filter(|a| a.result.is_err()).count();
    for attempt in &attempts {
        println!("{attempt}");
    }
    println!(
        "replayed {} dead letters: {} handled, {still_dead} still dead",
        attempts.len(),
        attempts.len() - still_dead
    );
    Ok(if still_dead == 0 { 0 } else { 1 })
}

/// `prune`: delete handled events older than `days` (or the retention
/// from the environment).
pub async fn prune(var: &impl Env, days: Option<&str>) -> Result<u8, String> {
    let retention = match days {
        Some(days) => config::retention_days(days).map_err(|error| format!("--days: {error}"))?,
        None => config::retention_from_env(var)?,
    };
    let inbox = open_existing(var).await?;
    let Some(before) = retention.prune_before(unix_now()) else {
        println!("retention is forever (0 days): nothing pruned");
        return Ok(0);
    };
    let pruned = inbox
        .prune(before)
        .await
        .map_err(|error| format!("{}: {error}", inbox.location()))?;
    let Retention::Days(days) = retention else {
        return Ok(0);
    };
    println!(
        "pruned {pruned} events handled more than {days} days ago from {}",
        inbox.location()
    );
    Ok(0)
}

/// `status`: the counts, as one JSON object.
pub async fn status(var: &impl Env) -> Result<u8, String> {
    let inbox = open_existing(var).await?;
    let counts = inbox
        .counts()
        .await
        .map_err(|error| format!("{}: {error}", inbox.location()))?;
    let status = serde_json::json!({
        "inbox": inbox.location().to_string(),
        "pending": counts.pending,
        "handled": counts.handled,
        "dead": counts.dead,
        "unreadable": counts.unreadable,
    });
    println!("{status}");
    Ok(0)
}
