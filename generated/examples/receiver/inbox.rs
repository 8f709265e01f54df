//! The durable inbox: every authentic event is stored here, keyed by its id,
//! before the delivery is acknowledged; handling happens from here, and what
//! cannot be handled stays here as a dead letter until it is replayed.
//!
//! Three tables:
//!
//! - `inbox`: one row per event id, with the body exactly as received and a
//!   `state`: `pending` (stored, not yet handled), `handled`, or `dead`.
//!   The unique event id is the de-duplication, and it survives restarts.
//! - `dead_letters`: one row per `dead` event, with the error, the stage
//!   that failed (`parse` or `handle`) and how many attempts failed.
//! - whatever the handler writes: its writes commit in the same transaction
//!   as the inbox row turning `handled`, so an event's effect is there
//!   exactly once, crash or not.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gigs_events::{ParseEvent, RawEvent};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

/// What a handler returns when it fails: the error is kept as the dead
/// letter's.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Handles one parsed event. Its writes to the connection it is given
/// commit together with the event being marked handled, or not at all.
/// `Ok` carries one line on what it did, for the log.
pub type Handler<E> = dyn Fn(&Connection, &E) -> Result<String, HandlerError> + Send + Sync;

/// Where the inbox lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database file, created if missing.
    File(PathBuf),
    /// In memory: for trying the receiver out; everything is lost on exit.
    Memory,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => path.display().fmt(f),
            Self::Memory => f.write_str("(in memory)"),
        }
    }
}

/// How hard a commit works to be durable: SQLite's `synchronous` setting.
///
/// The inbox runs in WAL mode. There, a commit has written the transaction
/// to the WAL file (a `write`, into the operating system's cache) before it
/// returns, whatever this setting: a committed event survives the receiver
/// being killed at any point, which is what acknowledging after the commit
/// needs. The setting only decides whether the WAL is also flushed to the
/// disk on every commit, which is what surviving a power loss or a kernel
/// crash needs, at the cost of one `fsync` per delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// `synchronous=NORMAL`: durable against the process crashing; the last
    /// commits may roll back on power loss. The default.
    Normal,
    /// `synchronous=FULL`: durable against power loss too.
    Full,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Full => "FULL",
        }
    }
}

/// How long a connection waits for another one (such as a replay running
/// beside the receiver) to finish writing, before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The inbox's tables; `cargo xtask check-payload --inbox` reads them too.
const SCHEMA: &str = include_str!("schema.sql");

/// The inbox: one SQLite connection, shared by the thread that stores
/// deliveries and the task that handles events.
///
/// One connection is enough: every statement is short, and an in-memory
/// database exists only for the connection that opened it.
#[derive(Debug)]
pub struct Inbox {
    connection: Mutex<Connection>,
    location: Location,
}

/// An authentic delivery of an event, to store.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Its envelope: the event's `id`, `type` and `version`.
    pub event: RawEvent,
    /// The delivery's `webhook-id`.
    pub message_id: String,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

/// Whether [`Inbox::store_all`] stored an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new event, now pending.
    New,
    /// An event id already in the inbox (handled, pending or dead): nothing
    /// changed.
    Duplicate,
}

/// Which step of handling failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The authentic body did not parse into the typed event.
    Parse,
    /// The handler returned an error.
    Handle,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Self::Parse => "parse",
            Self::Handle => "handle",
        }
    }

    fn from_column(text: &str) -> Result<Self, rusqlite::Error> {
        match text {
            "parse" => Ok(Self::Parse),
            "handle" => Ok(Self::Handle),
            other => Err(rusqlite::Error::InvalidColumnType(
                0,
                format!("dead_letters.stage `{other}`"),
                rusqlite::types::Type::Text,
            )),
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
    /// What the handler said it did, or why the event is (still) a dead
    /// letter.
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
    /// The event's `id`.
    pub event_id: String,
    /// The event's `type`.
    pub event_type: String,
    /// Which step failed last.
    pub stage: Stage,
    /// The last error.
    pub error: String,
    /// How many attempts failed, replays included.
    pub attempts: u32,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

/// How many events the inbox holds in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Stored, not yet handled.
    pub pending: i64,
    /// Handled.
    pub handled: i64,
    /// Dead letters.
    pub dead: i64,
}

impl Inbox {
    /// Opens (and creates, if needed) the inbox at `location`.
    ///
    /// # Errors
    ///
    /// When the database cannot be opened, is not an SQLite database, or
    /// refuses WAL mode.
    pub fn open(location: Location, synchronous: Synchronous) -> Result<Self, rusqlite::Error> {
        let connection = match &location {
            Location::File(path) => Connection::open(path)?,
            Location::Memory => Connection::open_in_memory()?,
        };
        connection.busy_timeout(BUSY_TIMEOUT)?;
        if let Location::File(_) = location {
            // WAL: a commit is one append to the log, and readers (a replay,
            // `cargo xtask check-payload --inbox`) never block the receiver.
            let mode: String =
                connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "{location}: the database refused WAL mode (it is in `{mode}` mode)"
                )));
            }
        }
        connection.pragma_update(None, "synchronous", synchronous.pragma())?;
        connection.pragma_update(None, "foreign_keys", true)?;
        connection.execute_batch(SCHEMA)?;
        Ok(Self {
            connection: Mutex::new(connection),
            location,
        })
    }

    /// Where the inbox lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Runs `setup` on the inbox's connection: for the handler to create
    /// its tables.
    ///
    /// # Errors
    ///
    /// `setup`'s.
    pub fn setup<T>(
        &self,
        setup: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        setup(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held left no transaction open:
        // rusqlite rolls back an unfinished transaction when it is dropped.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores authentic events, each keyed by its id, in one transaction,
    /// and commits. When this returns `Ok`, every one of them survives the
    /// process being killed.
    ///
    /// # Errors
    ///
    /// When the database cannot write: then none is stored, and none of the
    /// deliveries may be acknowledged, so that the sender retries them.
    pub fn store_all(&self, deliveries: &[Delivery]) -> Result<Vec<Stored>, rusqlite::Error> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stored = Vec::with_capacity(deliveries.len());
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO inbox (event_id, event_type, version, message_id, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (event_id) DO NOTHING",
            )?;
            let now = unix_now();
            for delivery in deliveries {
                let inserted = insert.execute(params![
                    delivery.event.id(),
                    delivery.event.event_type(),
                    delivery.event.version(),
                    delivery.message_id,
                    delivery.body,
                    now
                ])?;
                stored.push(if inserted == 1 {
                    Stored::New
                } else {
                    Stored::Duplicate
                });
            }
        }
        transaction.commit()?;
        Ok(stored)
    }

    /// Takes up to `limit` pending events, oldest first, and handles each:
    /// parse into `E`, then `handler`. A handled event's row turns
    /// `handled` in the same transaction as the handler's writes; an event
    /// that does not parse or whose handler fails turns `dead`, with its
    /// error in `dead_letters`, and the handler's writes for it are rolled
    /// back. One transaction covers the batch.
    ///
    /// Returns what became of each event; empty when nothing is pending.
    ///
    /// # Errors
    ///
    /// When the database fails; then nothing of the batch is committed, and
    /// its events are still pending.
    pub fn handle_pending<E: ParseEvent>(
        &self,
        limit: usize,
        handler: &Handler<E>,
    ) -> Result<Vec<Attempt>, rusqlite::Error> {
        let mut connection = self.lock();
        let mut transaction =
            connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pending = {
            let mut select = transaction.prepare_cached(
                "SELECT event_id, event_type, body FROM inbox
                 WHERE state = 'pending' ORDER BY seq LIMIT ?1",
            )?;
            select
                .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<Result<Vec<(String, String, Vec<u8>)>, _>>()?
        };
        let mut attempts = Vec::with_capacity(pending.len());
        for (event_id, event_type, body) in pending {
            let result = attempt(&mut transaction, &event_id, &body, handler)?;
            attempts.push(Attempt {
                event_id,
                event_type,
                result,
            });
        }
        transaction.commit()?;
        Ok(attempts)
    }

    /// Parses and handles dead letters again, with this build's `E` and
    /// `handler`: all of them, or those with the given event ids. Each one
    /// that succeeds leaves the dead letters and turns `handled`; each one
    /// that fails again stays, with its new error and one more attempt.
    /// Each dead letter is replayed in its own transaction.
    ///
    /// # Errors
    ///
    /// When the database fails, or an event id given is not a dead letter.
    pub fn replay<E: ParseEvent>(
        &self,
        event_ids: &[String],
        handler: &Handler<E>,
    ) -> Result<Vec<Attempt>, ReplayError> {
        let ids = if event_ids.is_empty() {
            self.dead_letters()?
                .into_iter()
                .map(|letter| letter.event_id)
                .collect()
        } else {
            event_ids.to_vec()
        };
        let mut attempts = Vec::with_capacity(ids.len());
        for event_id in ids {
            let mut connection = self.lock();
            let mut transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let letter = transaction
                .query_row(
                    "SELECT inbox.event_type, inbox.body FROM dead_letters
                     JOIN inbox USING (event_id) WHERE event_id = ?1",
                    [&event_id],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)),
                )
                .optional()?;
            let Some((event_type, body)) = letter else {
                return Err(ReplayError::NotADeadLetter(event_id));
            };
            let result = attempt(&mut transaction, &event_id, &body, handler)?;
            if result.is_ok() {
                transaction.execute("DELETE FROM dead_letters WHERE event_id = ?1", [&event_id])?;
            }
            transaction.commit()?;
            attempts.push(Attempt {
                event_id,
                event_type,
                result,
            });
        }
        Ok(attempts)
    }

    /// Every dead letter, oldest event first.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, rusqlite::Error> {
        let connection = self.lock();
        let mut select = connection.prepare(
            "SELECT event_id, inbox.event_type, stage, error, attempts, inbox.body
             FROM dead_letters JOIN inbox USING (event_id) ORDER BY inbox.seq",
        )?;
        select
            .query_map([], |row| {
                Ok(DeadLetter {
                    event_id: row.get(0)?,
                    event_type: row.get(1)?,
                    stage: Stage::from_column(&row.get::<_, String>(2)?)?,
                    error: row.get(3)?,
                    attempts: row.get(4)?,
                    body: row.get(5)?,
                })
            })?
            .collect()
    }

    /// How many events are pending, handled and dead.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub fn counts(&self) -> Result<Counts, rusqlite::Error> {
        let connection = self.lock();
        let mut select = connection.prepare("SELECT state, count(*) FROM inbox GROUP BY state")?;
        let mut counts = Counts::default();
        let rows = select.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
        for row in rows {
            let (state, count) = row?;
            match state.as_str() {
                "pending" => counts.pending = count,
                "handled" => counts.handled = count,
                _ => counts.dead = count,
            }
        }
        Ok(counts)
    }
}

/// Parses and handles one event inside `transaction`, recording the
/// outcome in the inbox: `handled`, or `dead` with a dead letter.
fn attempt<E: ParseEvent>(
    transaction: &mut rusqlite::Transaction<'_>,
    event_id: &str,
    body: &[u8],
    handler: &Handler<E>,
) -> Result<Result<String, (Stage, String)>, rusqlite::Error> {
    let result = match E::from_json(body) {
        Err(error) => Err((Stage::Parse, error.to_string())),
        Ok(event) => {
            // The handler's writes for this event, undone if it fails.
            let mut savepoint = transaction.savepoint()?;
            // A handler that panics on one event must not stop the others:
            // its event becomes a dead letter like any failure.
            let handled = panic::catch_unwind(AssertUnwindSafe(|| handler(&savepoint, &event)))
                .unwrap_or_else(|payload| Err(panic_message(payload.as_ref()).into()));
            match handled {
                Ok(summary) => {
                    savepoint.commit()?;
                    Ok(summary)
                }
                Err(error) => {
                    savepoint.rollback()?;
                    Err((Stage::Handle, error.to_string()))
                }
            }
        }
    };
    let now = unix_now();
    match &result {
        Ok(_) => {
            transaction
                .prepare_cached(
                    "UPDATE inbox SET state = 'handled', handled_at = ?2 WHERE event_id = ?1",
                )?
                .execute(params![event_id, now])?;
        }
        Err((stage, error)) => {
            transaction
                .prepare_cached("UPDATE inbox SET state = 'dead' WHERE event_id = ?1")?
                .execute([event_id])?;
            transaction
                .prepare_cached(
                    "INSERT INTO dead_letters (event_id, stage, error, attempts, failed_at)
                     VALUES (?1, ?2, ?3, 1, ?4)
                     ON CONFLICT (event_id) DO UPDATE SET stage = excluded.stage,
                         error = excluded.error, attempts = attempts + 1,
                         failed_at = excluded.failed_at",
                )?
                .execute(params![event_id, stage.as_str(), error, now])?;
        }
    }
    Ok(result)
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

/// Why [`Inbox::replay`] stopped.
#[derive(Debug)]
pub enum ReplayError {
    /// The database failed.
    Database(rusqlite::Error),
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

impl From<rusqlite::Error> for ReplayError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error)
    }
}

/// The current Unix time in seconds (0 if the clock is before 1970).
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}
