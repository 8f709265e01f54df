//! The durable inbox: every authentic delivery is stored here before it is
//! acknowledged; handling happens from here, and what cannot be handled
//! stays here as a dead letter until it is replayed.
//!
//! Two backends keep the same contract: [SQLite](sqlite) on one machine,
//! [PostgreSQL](postgres) for several replicas. Their tables:
//!
//! - `inbox`: one row per event id, with the body exactly as received and a
//!   `state`: `pending` (stored, not yet handled), `handled`, or `dead`.
//!   The unique event id is the de-duplication, and it outlives restarts
//!   and replicas.
//! - `dead_letters`: one row per `dead` event, with the error, the stage
//!   that failed (`parse` or `handle`) and how many attempts failed.
//! - `unreadable`: authentic deliveries whose body is no event envelope
//!   (not JSON, no usable `id` or `type`), under their delivery id. They
//!   are acknowledged and kept, for a look and `cargo xtask check-payload`.
//! - `inbox_schema`: the schema version; opening an inbox migrates it.
//! - whatever the handler writes: it commits in the same transaction as the
//!   inbox row turning `handled`, so an event's effect is there exactly
//!   once, crash or not.

pub mod postgres;
pub mod sqlite;

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use gigs_events::{ParseEvent, RawEvent};

use crate::handler::Effect;

/// What a handler returns when it fails: the error is kept as the dead
/// letter's.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Handles one parsed event: says what its effect is, which the inbox
/// writes in the same transaction as marking the event handled.
pub type Handler<E> = dyn Fn(&E) -> Result<Effect, HandlerError> + Send + Sync;

/// Where the inbox lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database file, created if missing.
    File(PathBuf),
    /// In memory (SQLite): for trying the receiver out; everything is lost
    /// on exit.
    Memory,
    /// A PostgreSQL database, shared by every replica: a `postgres://` URL
    /// or `key=value` connection string.
    Postgres(String),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => path.display().fmt(f),
            Self::Memory => f.write_str("(in memory)"),
            // Never the password.
            Self::Postgres(url) => postgres::describe(url).fmt(f),
        }
    }
}

/// How hard an SQLite commit works to be durable: its `synchronous`
/// setting.
///
/// The inbox runs in WAL mode. There, a commit has written the transaction
/// to the WAL file (a `write`, into the operating system's cache) before it
/// returns, whatever this setting: a committed event survives the receiver
/// being killed at any point, which is what acknowledging after the commit
/// needs. The setting only decides whether the WAL is also flushed to the
/// disk on every commit, which is what surviving a power loss or a kernel
/// crash needs, at the cost of one `fsync` per commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// `synchronous=NORMAL`: durable against the process crashing; the last
    /// commits may roll back on power loss. The default.
    Normal,
    /// `synchronous=FULL`: durable against power loss too.
    Full,
}

/// An authentic delivery, to store.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The delivery's `webhook-id`.
    pub message_id: String,
    /// The body, exactly as received.
    pub body: Vec<u8>,
    /// What the body's envelope says.
    pub content: Content,
}

/// What an authentic body is, as far as storing it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// An event: its envelope.
    Event {
        /// The event's `id`, never empty: the de-duplication key.
        event_id: String,
        /// The event's `type`.
        event_type: String,
        /// The event's API version.
        version: Option<String>,
    },
    /// No event envelope: kept under the delivery id, as a dead letter.
    Unreadable {
        /// Why the envelope could not be read.
        error: String,
    },
}

impl Delivery {
    /// Reads the envelope of an authentic body.
    pub fn read(message_id: String, body: Vec<u8>) -> Self {
        let content = match RawEvent::from_json(&body) {
            Ok(event) if event.id().is_empty() => Content::Unreadable {
                error: "not a Gigs event: the event id is empty".to_owned(),
            },
            Ok(event) => Content::Event {
                event_id: event.id().to_owned(),
                event_type: event.event_type().to_owned(),
                version: event.version().map(str::to_owned),
            },
            Err(error) => Content::Unreadable {
                error: error.to_string(),
            },
        };
        Self {
            message_id,
            body,
            content,
        }
    }

    /// The delivery id to key an unreadable body by: none when it is empty.
    fn unreadable_key(&self) -> Option<&str> {
        Some(self.message_id.as_str()).filter(|id| !id.is_empty())
    }
}

/// Whether a delivery was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new event, now pending.
    New,
    /// A body that is no event, now a dead letter.
    Unreadable,
    /// An event id (or unreadable delivery id) already in the inbox:
    /// nothing changed.
    Duplicate,
}

/// Which step of handling failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The authentic body is no event envelope.
    Envelope,
    /// The authentic body did not parse into the typed event.
    Parse,
    /// The handler failed.
    Handle,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Self::Envelope => "envelope",
            Self::Parse => "parse",
            Self::Handle => "handle",
        }
    }

    fn from_column(text: &str) -> Result<Self, String> {
        match text {
            "parse" => Ok(Self::Parse),
            "handle" => Ok(Self::Handle),
            other => Err(format!("unknown dead_letters.stage `{other}`")),
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of one event taken from the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The event's `id`.
    pub event_id: String,
    /// The event's `type`.
    pub event_type: String,
    /// What the handler did, or why the event is (still) a dead letter.
    pub result: Result<String, (Stage, String)>,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(summary) => write!(f, "{} {}: {summary}", self.event_type, self.event_id),
            Err((stage, error)) => write!(
                f,
                "dead letter {} {} ({stage} failed): {error}",
                self.event_type, self.event_id
            ),
        }
    }
}

/// A dead letter, as listed by [`Inbox::dead_letters`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The event id; for an unreadable body, its delivery id (`None` when
    /// the delivery's id was empty).
    pub key: Option<String>,
    /// The event's `type`; `None` for an unreadable body.
    pub event_type: Option<String>,
    /// Which step failed last.
    pub stage: Stage,
    /// The last error.
    pub error: String,
    /// How many attempts failed, replays included.
    pub attempts: u32,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

impl fmt::Display for DeadLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.key.as_deref().unwrap_or("(no delivery id)");
        match &self.event_type {
            Some(event_type) => write!(
                f,
                "{event_type} {key} ({} failed, {} attempt{}): {}",
                self.stage,
                self.attempts,
                if self.attempts == 1 { "" } else { "s" },
                self.error
            ),
            None => write!(f, "unreadable delivery {key}: {}", self.error),
        }
    }
}

/// How many events the inbox holds in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Stored, not yet handled.
    pub pending: i64,
    /// Handled.
    pub handled: i64,
    /// Dead letters: events that did not parse or whose handler failed,
    /// and unreadable deliveries.
    pub dead: i64,
    /// Of the dead letters, the unreadable deliveries.
    pub unreadable: i64,
}

/// A database error, with what the database said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxError(pub String);

impl fmt::Display for InboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InboxError {}

impl From<rusqlite::Error> for InboxError {
    fn from(error: rusqlite::Error) -> Self {
        Self(error.to_string())
    }
}

impl From<tokio_postgres::Error> for InboxError {
    fn from(error: tokio_postgres::Error) -> Self {
        Self(postgres::explain(&error))
    }
}

impl From<deadpool_postgres::PoolError> for InboxError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            other => Self(format!("no database connection: {other}")),
        }
    }
}

/// Why [`Inbox::replay`] stopped.
#[derive(Debug)]
pub enum ReplayError {
    /// The database failed.
    Database(InboxError),
    /// This event id is not a dead letter (unknown, pending or handled).
    NotADeadLetter(String),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database(error) => error.fmt(f),
            Self::NotADeadLetter(id) => write!(f, "{id} is not a dead letter in the inbox"),
        }
    }
}

impl std::error::Error for ReplayError {}

impl<T: Into<InboxError>> From<T> for ReplayError {
    fn from(error: T) -> Self {
        Self::Database(error.into())
    }
}

/// The inbox, on either backend. Cheap to clone: clones share the
/// connection (SQLite) or the pool (PostgreSQL).
#[derive(Debug, Clone)]
pub enum Inbox {
    /// One SQLite database.
    Sqlite(Arc<sqlite::SqliteInbox>),
    /// A PostgreSQL database, shared with other replicas.
    Postgres(Arc<postgres::PostgresInbox>),
}

/// How an inbox is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxOptions {
    /// Where it is.
    pub location: Location,
    /// SQLite only: how durable a commit is.
    pub synchronous: Synchronous,
    /// Who handles events here, recorded with each handled event.
    pub replica: String,
}

impl Inbox {
    /// Opens the inbox, creating or migrating its tables (and the
    /// handler's) when needed.
    ///
    /// # Errors
    ///
    /// When the database cannot be reached or opened, or its schema is
    /// newer than this build's.
    pub async fn open(options: &InboxOptions) -> Result<Self, InboxError> {
        match &options.location {
            Location::Postgres(url) => Ok(Self::Postgres(Arc::new(
                postgres::PostgresInbox::open(url, &options.replica).await?,
            ))),
            location => {
                let (location, synchronous, replica) = (
                    location.clone(),
                    options.synchronous,
                    options.replica.clone(),
                );
                let inbox =
                    blocking(move || sqlite::SqliteInbox::open(location, synchronous, replica))
                        .await?;
                Ok(Self::Sqlite(Arc::new(inbox)))
            }
        }
    }

    /// Where the inbox lives.
    pub fn location(&self) -> &Location {
        match self {
            Self::Sqlite(inbox) => inbox.location(),
            Self::Postgres(inbox) => inbox.location(),
        }
    }

    /// Stores authentic deliveries in one transaction, and commits. When
    /// this returns `Ok`, every one of them is durable and may be
    /// acknowledged.
    ///
    /// # Errors
    ///
    /// When the database cannot write: then none is stored, and none may be
    /// acknowledged.
    pub async fn store_all(&self, deliveries: Vec<Delivery>) -> Result<Vec<Stored>, InboxError> {
        match self {
            Self::Sqlite(inbox) => {
                let inbox = Arc::clone(inbox);
                blocking(move || inbox.store_all(&deliveries)).await
            }
            Self::Postgres(inbox) => inbox.store_all(&deliveries).await,
        }
    }

    /// Takes up to `limit` pending events, oldest first (on PostgreSQL,
    /// skipping those another replica holds), and handles each: parse into
    /// `E`, then `handler`, then record its effect. One transaction covers
    /// the batch: each event turns `handled` with its effect, or `dead`
    /// with its error. Empty when nothing is pending.
    ///
    /// # Errors
    ///
    /// When the database fails; then nothing of the batch is committed.
    pub async fn handle_pending<E: ParseEvent + 'static>(
        &self,
        limit: usize,
        handler: Arc<Handler<E>>,
    ) -> Result<Vec<Attempt>, InboxError> {
        match self {
            Self::Sqlite(inbox) => {
                let inbox = Arc::clone(inbox);
                blocking(move || inbox.handle_pending(limit, &*handler)).await
            }
            Self::Postgres(inbox) => inbox.handle_pending(limit, &*handler).await,
        }
    }

    /// Parses and handles dead letters again, with this build's `E` and
    /// `handler`: all of them, or those with the given event ids. Each one
    /// that succeeds leaves the dead letters and turns `handled`; each one
    /// that fails again stays, with its new error and one more attempt.
    /// Each is replayed in its own transaction. Unreadable deliveries are
    /// no events and are not replayed.
    ///
    /// # Errors
    ///
    /// When the database fails, or an event id given is not a dead letter.
    pub async fn replay<E: ParseEvent + 'static>(
        &self,
        event_ids: &[String],
        handler: Arc<Handler<E>>,
    ) -> Result<Vec<Attempt>, ReplayError> {
        let event_ids = if event_ids.is_empty() {
            self.dead_letters()
                .await?
                .into_iter()
                .filter(|letter| letter.event_type.is_some())
                .filter_map(|letter| letter.key)
                .collect()
        } else {
            event_ids.to_vec()
        };
        match self {
            Self::Sqlite(inbox) => {
                let inbox = Arc::clone(inbox);
                blocking(move || inbox.replay(&event_ids, &*handler)).await
            }
            Self::Postgres(inbox) => inbox.replay(&event_ids, &*handler).await,
        }
    }

    /// Every dead letter: events oldest first, then unreadable deliveries.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, InboxError> {
        match self {
            Self::Sqlite(inbox) => {
                let inbox = Arc::clone(inbox);
                blocking(move || inbox.dead_letters()).await
            }
            Self::Postgres(inbox) => inbox.dead_letters().await,
        }
    }

    /// How many events are pending, handled and dead.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub async fn counts(&self) -> Result<Counts, InboxError> {
        match self {
            Self::Sqlite(inbox) => {
                let inbox = Arc::clone(inbox);
                blocking(move || inbox.counts()).await
            }
            Self::Postgres(inbox) => inbox.counts().await,
        }
    }

    /// Deletes handled events handled before `before` (Unix seconds), in
    /// batches; returns how many. Pending and dead events, and unreadable
    /// deliveries, are never pruned. A pruned event's id no longer
    /// de-duplicates, so the retention must outlast the sender's retries.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub async fn prune(&self, before: i64) -> Result<u64, InboxError> {
        match self {
            Self::Sqlite(inbox) => {
                let inbox = Arc::clone(inbox);
                blocking(move || inbox.prune(before)).await
            }
            Self::Postgres(inbox) => inbox.prune(before).await,
        }
    }
}

/// Runs blocking SQLite work off the async threads.
async fn blocking<T: Send + 'static, E: From<InboxError> + Send + 'static>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| {
            Err(InboxError(format!("the inbox's worker thread failed: {error}")).into())
        })
}

/// The most handled events one pruning statement deletes.
const PRUNE_BATCH: i64 = 1000;

/// Parses one stored body and runs the handler on it, catching a panic: a
/// handler that panics on one event must not stop the others, its event
/// becomes a dead letter like any failure.
fn decide<E: ParseEvent>(body: &[u8], handler: &Handler<E>) -> Result<Effect, (Stage, String)> {
    let event = E::from_json(body).map_err(|error| (Stage::Parse, error.to_string()))?;
    panic::catch_unwind(AssertUnwindSafe(|| handler(&event)))
        .unwrap_or_else(|payload| Err(panic_message(payload.as_ref()).into()))
        .map_err(|error| (Stage::Handle, error.to_string()))
}

/// What a caught panic said.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("the handler panicked: {message}")
}

/// The current Unix time in seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}
