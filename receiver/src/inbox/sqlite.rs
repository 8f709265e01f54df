//! The inbox on SQLite: one database file (or memory), one connection,
//! for a receiver on one machine.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use gigs_events::ParseEvent;
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::{
    Attempt, Content, Counts, DeadLetter, Delivery, Handler, InboxError, Location, PRUNE_BATCH,
    ReplayError, Stage, Stored, Synchronous, decide, unix_now,
};
use crate::handler;

/// How long a connection waits for another one (such as a replay running
/// beside the receiver) to finish writing, before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema's migrations, in order: version `n` is the first `n`.
pub const MIGRATIONS: [&str; 2] = [
    include_str!("../../migrations/sqlite/0001_inbox.sql"),
    include_str!("../../migrations/sqlite/0002_unreadable_and_retention.sql"),
];

/// The inbox on SQLite: one connection, shared by the storing and the
/// handling. One is enough: every statement is short, and an in-memory
/// database exists only for the connection that opened it.
#[derive(Debug)]
pub struct SqliteInbox {
    connection: Mutex<Connection>,
    location: Location,
    replica: String,
}

impl SqliteInbox {
    /// Opens (and creates or migrates, if needed) the inbox at `location`,
    /// a file or memory.
    ///
    /// # Errors
    ///
    /// When the database cannot be opened, is not an SQLite database,
    /// refuses WAL mode, or has a newer schema than this build.
    pub fn open(
        location: Location,
        synchronous: Synchronous,
        replica: String,
    ) -> Result<Self, InboxError> {
        let mut connection = match &location {
            Location::File(path) => Connection::open(path)?,
            Location::Memory => Connection::open_in_memory()?,
            Location::Postgres(_) => {
                return Err(InboxError(format!("{location} is no SQLite database")));
            }
        };
        connection.busy_timeout(BUSY_TIMEOUT)?;
        if let Location::File(_) = location {
            // WAL: a commit is one append to the log, and readers (a replay,
            // `cargo xtask check-payload --inbox`) never block the receiver.
            let mode: String =
                connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(InboxError(format!(
                    "{location}: the database refused WAL mode (it is in `{mode}` mode)"
                )));
            }
        }
        let synchronous = match synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        connection.pragma_update(None, "synchronous", synchronous)?;
        connection.pragma_update(None, "foreign_keys", true)?;
        migrate(&mut connection)?;
        Ok(Self {
            connection: Mutex::new(connection),
            location,
            replica,
        })
    }

    /// Where the inbox lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held left no transaction open:
        // rusqlite rolls back an unfinished transaction when it is dropped.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores deliveries in one transaction, and commits.
    ///
    /// # Errors
    ///
    /// When the database cannot write: then none is stored.
    pub fn store_all(&self, deliveries: &[Delivery]) -> Result<Vec<Stored>, InboxError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stored = Vec::with_capacity(deliveries.len());
        {
            let mut insert_event = transaction.prepare_cached(
                "INSERT INTO inbox (event_id, event_type, version, message_id, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (event_id) DO NOTHING",
            )?;
            let mut insert_unreadable = transaction.prepare_cached(
                "INSERT INTO unreadable (message_id, body, error, received_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (message_id) DO NOTHING",
            )?;
            let now = unix_now();
            for delivery in deliveries {
                let (inserted, new) = match &delivery.content {
                    Content::Event {
                        event_id,
                        event_type,
                        version,
                    } => (
                        insert_event.execute(params![
                            event_id,
                            event_type,
                            version,
                            delivery.message_id,
                            delivery.body,
                            now
                        ])?,
                        Stored::New,
                    ),
                    Content::Unreadable { error } => (
                        insert_unreadable.execute(params![
                            delivery.unreadable_key(),
                            delivery.body,
                            error,
                            now
                        ])?,
                        Stored::Unreadable,
                    ),
                };
                stored.push(if inserted == 1 {
                    new
                } else {
                    Stored::Duplicate
                });
            }
        }
        transaction.commit()?;
        Ok(stored)
    }

    /// See [`Inbox::handle_pending`](super::Inbox::handle_pending).
    ///
    /// # Errors
    ///
    /// When the database fails; then nothing of the batch is committed.
    pub fn handle_pending<E: ParseEvent>(
        &self,
        limit: usize,
        handler: &Handler<E>,
    ) -> Result<Vec<Attempt>, InboxError> {
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
            let result = self.attempt(&mut transaction, &event_id, &body, handler)?;
            attempts.push(Attempt {
                event_id,
                event_type,
                result,
            });
        }
        transaction.commit()?;
        Ok(attempts)
    }

    /// Replays the dead letters `event_ids`, each in its own transaction.
    ///
    /// # Errors
    ///
    /// When the database fails, or an event id given is not a dead letter.
    pub fn replay<E: ParseEvent>(
        &self,
        event_ids: &[String],
        handler: &Handler<E>,
    ) -> Result<Vec<Attempt>, ReplayError> {
        let mut attempts = Vec::with_capacity(event_ids.len());
        for event_id in event_ids {
            let mut connection = self.lock();
            let mut transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let letter = transaction
                .query_row(
                    "SELECT event_type, body FROM inbox WHERE event_id = ?1 AND state = 'dead'",
                    [event_id],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)),
                )
                .optional()?;
            let Some((event_type, body)) = letter else {
                return Err(ReplayError::NotADeadLetter(event_id.clone()));
            };
            let result = self.attempt(&mut transaction, event_id, &body, handler)?;
            if result.is_ok() {
                transaction.execute("DELETE FROM dead_letters WHERE event_id = ?1", [event_id])?;
            }
            transaction.commit()?;
            attempts.push(Attempt {
                event_id: event_id.clone(),
                event_type,
                result,
            });
        }
        Ok(attempts)
    }

    /// Every dead letter: events oldest first, then unreadable deliveries.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, InboxError> {
        let connection = self.lock();
        let mut select = connection.prepare(
            "SELECT event_id, inbox.event_type, stage, error, attempts, inbox.body
             FROM dead_letters JOIN inbox USING (event_id) ORDER BY inbox.seq",
        )?;
        let events = select.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, u32>(4)?,
                row.get::<_, Vec<u8>>(5)?,
            ))
        })?;
        let mut letters = Vec::new();
        for row in events {
            let (event_id, event_type, stage, error, attempts, body) = row?;
            letters.push(DeadLetter {
                key: Some(event_id),
                event_type: Some(event_type),
                stage: Stage::from_column(&stage).map_err(InboxError)?,
                error,
                attempts,
                body,
            });
        }
        let mut select =
            connection.prepare("SELECT message_id, error, body FROM unreadable ORDER BY seq")?;
        let unreadable = select.query_map([], |row| {
            Ok(DeadLetter {
                key: row.get(0)?,
                event_type: None,
                stage: Stage::Envelope,
                error: row.get(1)?,
                attempts: 1,
                body: row.get(2)?,
            })
        })?;
        for letter in unreadable {
            letters.push(letter?);
        }
        Ok(letters)
    }

    /// How many events are pending, handled and dead.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub fn counts(&self) -> Result<Counts, InboxError> {
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
        counts.unreadable =
            connection.query_row("SELECT count(*) FROM unreadable", [], |row| row.get(0))?;
        counts.dead += counts.unreadable;
        Ok(counts)
    }

    /// Deletes events handled before `before`, a batch per transaction.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub fn prune(&self, before: i64) -> Result<u64, InboxError> {
        let mut pruned = 0;
        loop {
            let deleted = self.lock().execute(
                "DELETE FROM inbox WHERE seq IN (
                     SELECT seq FROM inbox WHERE state = 'handled' AND handled_at < ?1
                     ORDER BY seq LIMIT ?2)",
                params![before, PRUNE_BATCH],
            )?;
            pruned += deleted as u64;
            if i64::try_from(deleted).unwrap_or(i64::MAX) < PRUNE_BATCH {
                return Ok(pruned);
            }
        }
    }

    /// Parses and handles one event inside `transaction`, recording the
    /// outcome: `handled` with the handler's effect, or `dead` with a dead
    /// letter.
    fn attempt<E: ParseEvent>(
        &self,
        transaction: &mut rusqlite::Transaction<'_>,
        event_id: &str,
        body: &[u8],
        handler: &Handler<E>,
    ) -> Result<Result<String, (Stage, String)>, rusqlite::Error> {
        let result = match decide(body, handler) {
            Ok(effect) => {
                // The effect's writes, undone if one of them fails.
                let savepoint = transaction.savepoint()?;
                match handler::record_sqlite(&savepoint, &effect, &self.replica) {
                    Ok(()) => {
                        savepoint.commit()?;
                        Ok(effect.to_string())
                    }
                    Err(error) => Err((Stage::Handle, error.to_string())),
                }
            }
            Err(failure) => Err(failure),
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
                             error = excluded.error, attempts = dead_letters.attempts + 1,
                             failed_at = excluded.failed_at",
                    )?
                    .execute(params![event_id, stage.as_str(), error, now])?;
            }
        }
        Ok(result)
    }
}

/// Brings the schema to this build's version, in one transaction that
/// holds the write lock, and creates the handler's tables.
fn migrate(connection: &mut Connection) -> Result<(), InboxError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    transaction
        .execute_batch("CREATE TABLE IF NOT EXISTS inbox_schema (version INTEGER NOT NULL)")?;
    let version: Option<i64> =
        transaction.query_row("SELECT max(version) FROM inbox_schema", [], |row| {
            row.get(0)
        })?;
    let applied = usize::try_from(version.unwrap_or(0)).unwrap_or(usize::MAX);
    if applied > MIGRATIONS.len() {
        return Err(InboxError(format!(
            "the inbox's schema is version {applied}, newer than this build's ({}): \
             run a newer receiver",
            MIGRATIONS.len()
        )));
    }
    for migration in &MIGRATIONS[applied..] {
        transaction.execute_batch(migration)?;
    }
    if applied < MIGRATIONS.len() {
        transaction.execute("DELETE FROM inbox_schema", [])?;
        transaction.execute(
            "INSERT INTO inbox_schema (version) VALUES (?1)",
            [i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)],
        )?;
    }
    handler::create_tables_sqlite(&transaction)?;
    transaction.commit()?;
    Ok(())
}
