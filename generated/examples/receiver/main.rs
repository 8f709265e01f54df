//! A Gigs webhook receiver that never loses an authentic event: verify,
//! store durably, acknowledge; then handle from the store, keep what fails
//! as a dead letter, and replay it once the crate is fixed.
//!
//! Gigs delivers each event at least once, retries a delivery that gets no
//! `2xx`, and disables an endpoint that keeps failing. So this receiver
//! acknowledges every authentic event, and only once it is safely stored:
//!
//! 1. `POST /webhooks` takes the delivery with the crate's axum extractor
//!    `gigs_events::axum::VerifiedWebhook`: the signature is checked on the
//!    raw body, nothing is parsed yet.
//! 2. It reads the envelope only (`RawEvent`: the event's `id`, `type`,
//!    `version`), and writes the body, exactly as received, to the inbox:
//!    an SQLite database, keyed by event id. Only after the commit does it
//!    answer `202 Accepted`. A delivery of an event id already in the
//!    inbox (a retry, or the same event in another delivery, even from
//!    before a restart) changes nothing and is acknowledged too.
//! 3. A task takes pending events from the inbox, oldest first, parses each
//!    into a [`VersionedEvent`] (with the module of the API version it was
//!    sent in) and handles it with a `match`. What the handler writes
//!    commits in the same transaction as the event turning `handled`: each
//!    event is handled exactly once, across crashes and restarts.
//! 4. An event whose body does not parse into its type (a field Gigs has
//!    started to send as `null`, say), or whose handler fails, becomes a
//!    dead letter, with the error. It was acknowledged all the same, so
//!    Gigs neither retries it for days nor disables the endpoint. After a
//!    spec fix and `cargo xtask regen`, rebuild and replay the dead letters.
//!
//! Answers:
//!
//! - `202 Accepted`: stored (or already stored); handled later.
//! - `401 Unauthorized`: the signature check failed; the body names the
//!   check (a missing header, the timestamp, no matching signature), never
//!   the secret or the expected signature. Nothing is stored.
//! - `400 Bad Request`: authentic, but the body is not JSON or not an event
//!   envelope (no `id` or `type`), so there is no event to store or key it
//!   by. The envelope is the one thing every API version shares; this
//!   would be a sender bug, not a spec gap.
//! - `503 Service Unavailable`: the inbox could not store the event; the
//!   sender retries later.
//!
//! # Running it
//!
//! From the repository root, with the endpoint's signing secret:
//!
//! ```sh
//! GIGS_WEBHOOK_SECRET='whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' \
//! GIGS_INBOX_PATH=receiver.db \
//!     cargo run -p gigs-events --example receiver
//! ```
//!
//! Environment variables:
//!
//! - `GIGS_WEBHOOK_SECRET` (required to serve): `whsec_` followed by
//!   base64, as the Gigs dashboard shows it. The receiver exits with an
//!   error when it is missing or malformed.
//! - `GIGS_WEBHOOK_ADDR`: the address to listen on, `127.0.0.1:3000` unless
//!   set (`127.0.0.1:0` picks a free port, printed at start).
//! - `GIGS_INBOX_PATH`: the SQLite database file of the inbox, created if
//!   missing. Unless set, the inbox is in memory: fine for trying the
//!   receiver, but everything in it is lost on exit.
//! - `GIGS_INBOX_SYNCHRONOUS`: `normal` (the default) makes a stored event
//!   survive the receiver crashing or being killed; `full` also makes it
//!   survive a power loss, at the cost of a disk flush per delivery.
//!
//! Commands, after `cargo run -p gigs-events --example receiver --`:
//!
//! - `serve` (the default): receive on `POST /webhooks`.
//! - `dead-letters`: list the dead letters of `GIGS_INBOX_PATH`, with their
//!   errors.
//! - `replay [EVENT_ID...]`: parse and handle the dead letters (all, or
//!   these) again with this build; each that succeeds is handled and leaves
//!   the dead letters. Exits 1 if any is still dead. It can run while the
//!   receiver serves the same file.
//!
//! # Closing the loop on a spec gap
//!
//! ```sh
//! cargo run -p gigs-events --example receiver -- dead-letters
//! cargo xtask check-payload --inbox receiver.db   # what the spec is missing
//! # edit spec/, then:
//! cargo xtask regen
//! GIGS_INBOX_PATH=receiver.db cargo run -p gigs-events --example receiver -- replay
//! ```
//!
//! # Trying it with curl
//!
//! A signature is `v1,` and the base64 of the HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded
//! part of the secret after `whsec_`. With `openssl`, from the repository
//! root:
//!
//! ```sh
//! key=$(printf '%s' 'C2FVsBQIhrscChlQIMV+b5sSYspob7oD' | base64 -d | xxd -p -c 256)
//! body=tests/fixtures/seeds/plan.updated.json
//! id=msg_1 ts=$(date +%s)
//! sig=$( { printf '%s.%s.' "$id" "$ts"; cat "$body"; } \
//!     | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64 )
//! curl -i http://127.0.0.1:3000/webhooks --data-binary @"$body" \
//!     -H "webhook-id: $id" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig"
//! ```
//!
//! That answers `202` and the receiver prints what it handled:
//!
//! ```text
//! com.gigs.plan.updated evt_0SNlurA049MEWV5gNTcQ5A07h3Ol: handled: plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo "Gigs Global" is available, price 999 USD; no previousData
//! ```
//!
//! Sending the same request again answers `202` too, without handling the
//! event again. Changing a byte of the body answers `401` with
//! `no matching webhook signature`; leaving out a header answers `401` with
//! `missing webhook-id header (or svix-id)`; a request signed more than five
//! minutes ago answers `401` with `webhook timestamp too old: …`.

pub mod group_commit;
pub mod handler;
pub mod inbox;

use std::env::VarError;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use gigs_events::axum::{VerifiedWebhook, WebhookRejection};
use gigs_events::webhook::Webhook;
use gigs_events::{RawEvent, VersionedEvent};
use tokio::sync::Notify;

use group_commit::GroupCommit;
use inbox::{Attempt, Delivery, Handler, Inbox, Location, Stored, Synchronous};

/// The address listened on when `GIGS_WEBHOOK_ADDR` is not set.
pub const DEFAULT_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// How many pending events one transaction of the handling task takes.
const BATCH: usize = 64;

/// How long the handling task waits after a database error before trying
/// again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(run(&args, |name| std::env::var(name)).await)
}

/// Runs one command (`serve`, `dead-letters`, `replay`) with `args` (the
/// command line after the program name) and the environment read by `var`;
/// the process's exit code: 0 on success, 1 when `replay` left dead
/// letters, 2 on an error.
pub async fn run(args: &[String], var: impl Fn(&str) -> Result<String, VarError>) -> u8 {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("serve", args),
    };
    let result = match (command, rest) {
        ("serve", []) => serve(&var).await,
        ("dead-letters", []) => list_dead_letters(&var),
        ("replay", event_ids) => replay(&var, event_ids),
        _ => Err(format!(
            "unknown command `{}`: expected `serve`, `dead-letters` or `replay [EVENT_ID...]`",
            args.join(" ")
        )),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            2
        }
    }
}

/// `serve`: receive until Ctrl-C.
async fn serve(var: &impl Fn(&str) -> Result<String, VarError>) -> Result<u8, String> {
    let config = Config::from_env(var)?;
    let inbox = open_inbox(&config.inbox)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.addr))?;
    let addr = listener
        .local_addr()
        .map_err(|error| format!("cannot read the address listened on: {error}"))?;
    let counts = inbox
        .counts()
        .map_err(|error| format!("{}: {error}", inbox.location()))?;
    println!(
        "inbox {}: {} pending, {} handled, {} dead letters",
        inbox.location(),
        counts.pending,
        counts.handled,
        counts.dead
    );
    if *inbox.location() == Location::Memory {
        println!("the inbox is in memory: set GIGS_INBOX_PATH to keep events across restarts");
    }
    let receiver = Receiver::start(
        config.webhook,
        Arc::new(inbox),
        Arc::new(handler::handle),
        |attempt| println!("{attempt}"),
    )
    .map_err(|error| format!("cannot start the inbox's storing thread: {error}"))?;
    // Printed last: whoever waits for it can send right away.
    println!("listening on http://{addr}/webhooks");
    axum::serve(listener, app(receiver))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|error| format!("server failed: {error}"))?;
    Ok(0)
}

/// `dead-letters`: one line per dead letter, then its error.
fn list_dead_letters(var: &impl Fn(&str) -> Result<String, VarError>) -> Result<u8, String> {
    let inbox = open_inbox(&InboxConfig::from_env(var)?.require_file()?)?;
    let letters = inbox
        .dead_letters()
        .map_err(|error| format!("{}: {error}", inbox.location()))?;
    for letter in &letters {
        println!(
            "{} {} ({} failed, {} attempt{}): {}",
            letter.event_type,
            letter.event_id,
            letter.stage,
            letter.attempts,
            if letter.attempts == 1 { "" } else { "s" },
            letter.error
        );
    }
    println!("{} dead letters in {}", letters.len(), inbox.location());
    Ok(0)
}

/// `replay`: handle dead letters again; exits 1 if any is still dead.
fn replay(
    var: &impl Fn(&str) -> Result<String, VarError>,
    event_ids: &[String],
) -> Result<u8, String> {
    let inbox = open_inbox(&InboxConfig::from_env(var)?.require_file()?)?;
    let handler: &Handler<VersionedEvent> = &handler::handle;
    let attempts = inbox
        .replay(event_ids, handler)
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

/// Opens the inbox and the handler's table.
fn open_inbox(config: &InboxConfig) -> Result<Inbox, String> {
    let inbox = Inbox::open(config.location.clone(), config.synchronous)
        .map_err(|error| format!("cannot open the inbox {}: {error}", config.location))?;
    inbox
        .setup(handler::create_tables)
        .map_err(|error| format!("cannot create the handler's tables: {error}"))?;
    Ok(inbox)
}

/// Completes on Ctrl-C, for a graceful shutdown; never if the signal
/// handler cannot be installed.
async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The receiver's settings, read from the environment.
#[derive(Debug)]
pub struct Config {
    /// The verifier built from `GIGS_WEBHOOK_SECRET`.
    pub webhook: Webhook,
    /// `GIGS_WEBHOOK_ADDR`, or [`DEFAULT_ADDR`].
    pub addr: SocketAddr,
    /// Where the inbox is, and how durable its commits are.
    pub inbox: InboxConfig,
}

/// The inbox's settings, read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxConfig {
    /// `GIGS_INBOX_PATH`, or in memory.
    pub location: Location,
    /// `GIGS_INBOX_SYNCHRONOUS`, or [`Synchronous::Normal`].
    pub synchronous: Synchronous,
}

/// One environment variable: `None` when it is not set.
fn optional_var(
    var: &impl Fn(&str) -> Result<String, VarError>,
    name: &str,
) -> Result<Option<String>, String> {
    match var(name) {
        Ok(value) => Ok(Some(value)),
        Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
    }
}

impl Config {
    /// Reads the settings with `var`, which looks up one environment
    /// variable the way [`std::env::var`] does.
    ///
    /// # Errors
    ///
    /// A message naming the variable and what is wrong with it: a missing
    /// or malformed secret, an address that does not parse, an unknown
    /// `synchronous` setting. The secret itself is never in it.
    pub fn from_env(var: &impl Fn(&str) -> Result<String, VarError>) -> Result<Self, String> {
        let Some(secret) = optional_var(var, "GIGS_WEBHOOK_SECRET")? else {
            return Err(
                "GIGS_WEBHOOK_SECRET is not set: set it to the endpoint's signing secret, \
                 `whsec_` followed by base64"
                    .to_owned(),
            );
        };
        let webhook =
            Webhook::new(&secret).map_err(|error| format!("GIGS_WEBHOOK_SECRET: {error}"))?;
        let addr = match optional_var(var, "GIGS_WEBHOOK_ADDR")? {
            Some(addr) => addr.trim().parse().map_err(|error| {
                format!(
                    "GIGS_WEBHOOK_ADDR: `{addr}` is not an address and port such as \
                     127.0.0.1:3000: {error}"
                )
            })?,
            None => DEFAULT_ADDR,
        };
        Ok(Self {
            webhook,
            addr,
            inbox: InboxConfig::from_env(var)?,
        })
    }
}

impl InboxConfig {
    /// Reads `GIGS_INBOX_PATH` and `GIGS_INBOX_SYNCHRONOUS` with `var`.
    ///
    /// # Errors
    ///
    /// A message naming the variable and what is wrong with it.
    pub fn from_env(var: &impl Fn(&str) -> Result<String, VarError>) -> Result<Self, String> {
        let location = match optional_var(var, "GIGS_INBOX_PATH")? {
            Some(path) if !path.trim().is_empty() => Location::File(PathBuf::from(path)),
            _ => Location::Memory,
        };
        let synchronous = match optional_var(var, "GIGS_INBOX_SYNCHRONOUS")? {
            None => Synchronous::Normal,
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "normal" => Synchronous::Normal,
                "full" => Synchronous::Full,
                _ => {
                    return Err(format!(
                        "GIGS_INBOX_SYNCHRONOUS: `{value}` is neither `normal` nor `full`"
                    ));
                }
            },
        };
        Ok(Self {
            location,
            synchronous,
        })
    }

    /// These settings, if the inbox is a file: the commands that read an
    /// inbox have nothing to read in a new in-memory one.
    fn require_file(self) -> Result<Self, String> {
        match self.location {
            Location::File(_) => Ok(self),
            Location::Memory => {
                Err("GIGS_INBOX_PATH is not set: set it to the inbox's database file".to_owned())
            }
        }
    }
}

/// The running receiver: what the request handlers share (axum's state).
#[derive(Clone)]
pub struct Receiver {
    webhook: Webhook,
    inbox: Arc<Inbox>,
    /// Stores deliveries, many to a transaction.
    store: GroupCommit,
    /// Wakes the handling task when an event is stored.
    work: Arc<Notify>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("webhook", &self.webhook)
            .field("inbox", &self.inbox.location())
            .finish_non_exhaustive()
    }
}

/// The extractor finds the verifier in the state.
impl FromRef<Receiver> for Webhook {
    fn from_ref(receiver: &Receiver) -> Self {
        receiver.webhook.clone()
    }
}

impl Receiver {
    /// Starts the thread that stores deliveries in `inbox`, and the task
    /// that handles events from it with `handler`, first those left pending
    /// by a previous run, reporting each attempt to `on_attempt`. Must be
    /// called within a tokio runtime; the task runs until the runtime
    /// stops.
    ///
    /// # Errors
    ///
    /// When the storing thread cannot be started.
    pub fn start(
        webhook: Webhook,
        inbox: Arc<Inbox>,
        handler: Arc<Handler<VersionedEvent>>,
        on_attempt: impl Fn(&Attempt) + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let store = GroupCommit::start(Arc::clone(&inbox))?;
        let work = Arc::new(Notify::new());
        tokio::spawn(handle_inbox(
            Arc::clone(&inbox),
            Arc::clone(&work),
            handler,
            on_attempt,
        ));
        Ok(Self {
            webhook,
            inbox,
            store,
            work,
        })
    }

    /// The inbox.
    pub fn inbox(&self) -> &Arc<Inbox> {
        &self.inbox
    }
}

/// The receiver's routes: `POST /webhooks`.
pub fn app(receiver: Receiver) -> Router {
    Router::new()
        .route("/webhooks", post(webhooks))
        .with_state(receiver)
}

/// `POST /webhooks`: store, then acknowledge.
async fn webhooks(
    State(receiver): State<Receiver>,
    delivery: Result<VerifiedWebhook, WebhookRejection>,
) -> Response {
    let delivery = match delivery {
        Ok(delivery) => delivery,
        Err(rejection) => {
            eprintln!("rejected a delivery ({}): {rejection}", rejection.status());
            return rejection.into_response();
        }
    };
    let event = match delivery.parse::<RawEvent>() {
        Ok(event) => event,
        Err(error) => {
            eprintln!(
                "rejected delivery {} (400): authentic, but not an event: {error}",
                delivery.message_id()
            );
            return (StatusCode::BAD_REQUEST, error.to_string()).into_response();
        }
    };
    let delivery = Delivery {
        event,
        message_id: delivery.message_id().to_owned(),
        body: delivery.into_body().into(),
    };
    match receiver.store.store(delivery).await {
        Ok(Stored::New) => {
            receiver.work.notify_one();
            StatusCode::ACCEPTED.into_response()
        }
        Ok(Stored::Duplicate) => StatusCode::ACCEPTED.into_response(),
        Err(error) => unavailable(&error),
    }
}

/// The answer when the event could not be stored: not acknowledged, so
/// that the sender retries it.
fn unavailable(error: &str) -> Response {
    eprintln!("error: the inbox could not store an event (503): {error}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the event could not be stored; retry later",
    )
        .into_response()
}

/// The handling task: takes pending events in batches until none is left,
/// then waits to be woken by a new one.
async fn handle_inbox(
    inbox: Arc<Inbox>,
    work: Arc<Notify>,
    handler: Arc<Handler<VersionedEvent>>,
    on_attempt: impl Fn(&Attempt) + Send + Sync + 'static,
) {
    loop {
        let batch = {
            let inbox = Arc::clone(&inbox);
            let handler = Arc::clone(&handler);
            tokio::task::spawn_blocking(move || inbox.handle_pending(BATCH, &*handler)).await
        };
        match batch {
            Ok(Ok(attempts)) if attempts.is_empty() => work.notified().await,
            Ok(Ok(attempts)) => attempts.iter().for_each(&on_attempt),
            Ok(Err(error)) => {
                eprintln!("error: handling from the inbox failed, retrying: {error}");
                tokio::time::sleep(RETRY_AFTER).await;
            }
            Err(error) => {
                eprintln!("error: the handler panicked, retrying: {error}");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}
