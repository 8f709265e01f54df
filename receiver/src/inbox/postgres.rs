//! The inbox on PostgreSQL, shared by several replicas behind a load
//! balancer.
//!
//! - Storing: one transaction per batch of deliveries (group commit), an
//!   `INSERT … ON CONFLICT (event_id) DO NOTHING`, a `NOTIFY` when anything
//!   is new, then `COMMIT` with `synchronous_commit = on`: a `202` means
//!   durable. A delivery of an event another replica is storing waits for
//!   that commit, then is a duplicate.
//! - Handling: one transaction claims pending events with `FOR UPDATE SKIP
//!   LOCKED`, so replicas never take the same event, and commits each
//!   event's effect with the event turning `handled`. A replica killed
//!   mid-batch loses its connection; PostgreSQL rolls its transaction back
//!   and the events are pending again for the others.
//! - Wake-ups: `LISTEN gigs_inbox` on a connection of its own, plus a poll.
//! - Schema: created and migrated under an advisory lock, so replicas that
//!   start together do not race.

use std::fmt;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::StreamExt as _;
use gigs_events::ParseEvent;
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};

use super::{
    Attempt, Content, Counts, DeadLetter, Delivery, Handler, InboxError, Location, PRUNE_BATCH,
    ReplayError, Stage, Stored, decide, unix_now,
};
use crate::handler;

/// The schema's migrations, in order: version `n` is the first `n`.
pub const MIGRATIONS: [&str; 2] = [
    include_str!("../../migrations/postgres/0001_inbox.sql"),
    include_str!("../../migrations/postgres/0002_unreadable_and_retention.sql"),
];

/// The advisory lock that serializes schema changes between replicas.
const SCHEMA_LOCK: i64 = 7_254_001;

/// The channel new events are announced on.
const CHANNEL: &str = "gigs_inbox";

/// Connections per replica: the storing, the handling, and commands.
const POOL_SIZE: usize = 8;

/// How long a request waits for a pooled connection.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// How long a claim may sit idle in its transaction before PostgreSQL ends
/// it, releasing its events to other replicas.
const CLAIM_IDLE_TIMEOUT: &str = "60s";

/// The inbox on PostgreSQL: a connection pool.
#[derive(Clone)]
pub struct PostgresInbox {
    pool: Pool,
    config: tokio_postgres::Config,
    location: Location,
    replica: Arc<str>,
}

impl fmt::Debug for PostgresInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresInbox")
            .field("location", &self.location)
            .field("replica", &self.replica)
            .finish_non_exhaustive()
    }
}

/// A description of a connection string without its password, for
/// messages.
pub fn describe(url: &str) -> String {
    let Ok(config) = tokio_postgres::Config::from_str(url) else {
        return "postgres (a malformed connection string)".to_owned();
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    format!(
        "postgres database {} on {}",
        config.get_dbname().unwrap_or("(default)"),
        if hosts.is_empty() {
            "(default host)".to_owned()
        } else {
            hosts.join(",")
        }
    )
}

/// What a PostgreSQL error says, with the server's message when there is
/// one (`tokio_postgres::Error` alone prints only `db error`).
pub fn explain(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

impl PostgresInbox {
    /// Connects, and creates or migrates the schema under the advisory
    /// lock.
    ///
    /// # Errors
    ///
    /// When the connection string is malformed, the database cannot be
    /// reached, or its schema is newer than this build's.
    pub async fn open(url: &str, replica: &str) -> Result<Self, InboxError> {
        let location = Location::Postgres(url.to_owned());
        let mut config = tokio_postgres::Config::from_str(url).map_err(|error| {
            InboxError(format!(
                "GIGS_INBOX_URL is not a PostgreSQL connection string: {error}"
            ))
        })?;
        // A `202` must mean durable, whatever the server's default.
        config.options("-c synchronous_commit=on");
        config.application_name(format!("gigs-receiver {replica}"));
        config.connect_timeout(POOL_WAIT);
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|error| InboxError(format!("cannot build the connection pool: {error}")))?;
        let inbox = Self {
            pool,
            config,
            location: location.clone(),
            replica: replica.into(),
        };
        inbox
            .migrate()
            .await
            .map_err(|error| InboxError(format!("{location}: {error}")))?;
        Ok(inbox)
    }

    /// Where the inbox lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    async fn migrate(&self) -> Result<(), InboxError> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await?;
        transaction
            .batch_execute("CREATE TABLE IF NOT EXISTS inbox_schema (version integer NOT NULL)")
            .await?;
        let version: Option<i32> = transaction
            .query_one("SELECT max(version) FROM inbox_schema", &[])
            .await?
            .get(0);
        let applied = usize::try_from(version.unwrap_or(0)).unwrap_or(usize::MAX);
        if applied > MIGRATIONS.len() {
            return Err(InboxError(format!(
                "the inbox's schema is version {applied}, newer than this build's ({}): \
                 run a newer receiver",
                MIGRATIONS.len()
            )));
        }
        for migration in &MIGRATIONS[applied..] {
            transaction.batch_execute(migration).await?;
        }
        if applied < MIGRATIONS.len() {
            let latest = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
            transaction
                .batch_execute("DELETE FROM inbox_schema")
                .await?;
            transaction
                .execute("INSERT INTO inbox_schema (version) VALUES ($1)", &[&latest])
                .await?;
        }
        handler::create_tables_postgres(&transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Stores deliveries in one transaction, announces new events, and
    /// commits.
    ///
    /// # Errors
    ///
    /// When the database cannot write: then none is stored.
    pub async fn store_all(&self, deliveries: &[Delivery]) -> Result<Vec<Stored>, InboxError> {
        let mut event_ids = Vec::new();
        let mut event_types = Vec::new();
        let mut versions = Vec::new();
        let mut message_ids = Vec::new();
        let mut bodies = Vec::new();
        let mut unreadable = Vec::new();
        for delivery in deliveries {
            match &delivery.content {
                Content::Event {
                    event_id,
                    event_type,
                    version,
                } => {
                    event_ids.push(event_id.as_str());
                    event_types.push(event_type.as_str());
                    versions.push(version.as_deref());
                    message_ids.push(delivery.message_id.as_str());
                    bodies.push(delivery.body.as_slice());
                }
                Content::Unreadable { error } => {
                    unreadable.push((delivery.unreadable_key(), delivery.body.as_slice(), error));
                }
            }
        }
        let now = unix_now();
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        let insert = transaction
            .prepare_cached(
                "INSERT INTO inbox (event_id, event_type, version, message_id, body, received_at)
                 SELECT *, $6::bigint
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[])
                 ON CONFLICT (event_id) DO NOTHING
                 RETURNING event_id",
            )
            .await?;
        let inserted: Vec<String> = transaction
            .query(
                &insert,
                &[
                    &event_ids,
                    &event_types,
                    &versions,
                    &message_ids,
                    &bodies,
                    &now,
                ],
            )
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let mut new_unreadable = Vec::new();
        if !unreadable.is_empty() {
            let insert = transaction
                .prepare_cached(
                    "INSERT INTO unreadable (message_id, body, error, received_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (message_id) DO NOTHING",
                )
                .await?;
            for (message_id, body, error) in &unreadable {
                let rows = transaction
                    .execute(&insert, &[message_id, body, error, &now])
                    .await?;
                new_unreadable.push(rows == 1);
            }
        }
        if !inserted.is_empty() {
            transaction
                .execute("SELECT pg_notify($1, '')", &[&CHANNEL])
                .await?;
        }
        transaction.commit().await?;

        // An id returned is new for its first delivery in the batch; any
        // other delivery of it is a duplicate.
        let mut new: std::collections::HashSet<&str> =
            inserted.iter().map(String::as_str).collect();
        let mut new_unreadable = new_unreadable.into_iter();
        Ok(deliveries
            .iter()
            .map(|delivery| match &delivery.content {
                Content::Event { event_id, .. } => {
                    if new.remove(event_id.as_str()) {
                        Stored::New
                    } else {
                        Stored::Duplicate
                    }
                }
                Content::Unreadable { .. } => {
                    if new_unreadable.next().unwrap_or(false) {
                        Stored::Unreadable
                    } else {
                        Stored::Duplicate
                    }
                }
            })
            .collect())
    }

    /// See [`Inbox::handle_pending`](super::Inbox::handle_pending).
    ///
    /// # Errors
    ///
    /// When the database fails; then nothing of the batch is committed.
    pub async fn handle_pending<E: ParseEvent>(
        &self,
        limit: usize,
        handler: &Handler<E>,
    ) -> Result<Vec<Attempt>, InboxError> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        transaction
            .batch_execute(&format!(
                "SET LOCAL idle_in_transaction_session_timeout = '{CLAIM_IDLE_TIMEOUT}'"
            ))
            .await?;
        let claim = transaction
            .prepare_cached(
                "SELECT event_id, event_type, body FROM inbox
                 WHERE state = 'pending' ORDER BY seq LIMIT $1
                 FOR UPDATE SKIP LOCKED",
            )
            .await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let claimed = transaction.query(&claim, &[&limit]).await?;
        let mut attempts = Vec::with_capacity(claimed.len());
        for row in claimed {
            let (event_id, event_type, body): (String, String, Vec<u8>) =
                (row.get(0), row.get(1), row.get(2));
            let result = self
                .attempt(&transaction, &event_id, &body, handler)
                .await?;
            attempts.push(Attempt {
                event_id,
                event_type,
                result,
            });
        }
        transaction.commit().await?;
        Ok(attempts)
    }

    /// Replays the dead letters `event_ids`, each in its own transaction.
    ///
    /// # Errors
    ///
    /// When the database fails, or an event id given is not a dead letter.
    pub async fn replay<E: ParseEvent>(
        &self,
        event_ids: &[String],
        handler: &Handler<E>,
    ) -> Result<Vec<Attempt>, ReplayError> {
        let mut client = self.pool.get().await?;
        let mut attempts = Vec::with_capacity(event_ids.len());
        for event_id in event_ids {
            let transaction = client.transaction().await?;
            let letter = transaction
                .query_opt(
                    "SELECT event_type, body FROM inbox
                     WHERE event_id = $1 AND state = 'dead' FOR UPDATE",
                    &[event_id],
                )
                .await?;
            let Some(letter) = letter else {
                return Err(ReplayError::NotADeadLetter(event_id.clone()));
            };
            let (event_type, body): (String, Vec<u8>) = (letter.get(0), letter.get(1));
            let result = self.attempt(&transaction, event_id, &body, handler).await?;
            if result.is_ok() {
                transaction
                    .execute("DELETE FROM dead_letters WHERE event_id = $1", &[event_id])
                    .await?;
            }
            transaction.commit().await?;
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
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, InboxError> {
        let client = self.pool.get().await?;
        let mut letters = Vec::new();
        for row in client
            .query(
                "SELECT event_id, inbox.event_type, stage, error, attempts, inbox.body
                 FROM dead_letters JOIN inbox USING (event_id) ORDER BY inbox.seq",
                &[],
            )
            .await?
        {
            let attempts: i32 = row.get(4);
            letters.push(DeadLetter {
                key: Some(row.get(0)),
                event_type: Some(row.get(1)),
                stage: Stage::from_column(row.get(2)).map_err(InboxError)?,
                error: row.get(3),
                attempts: u32::try_from(attempts).unwrap_or(0),
                body: row.get(5),
            });
        }
        for row in client
            .query(
                "SELECT message_id, error, body FROM unreadable ORDER BY seq",
                &[],
            )
            .await?
        {
            letters.push(DeadLetter {
                key: row.get(0),
                event_type: None,
                stage: Stage::Envelope,
                error: row.get(1),
                attempts: 1,
                body: row.get(2),
            });
        }
        Ok(letters)
    }

    /// How many events are pending, handled and dead.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub async fn counts(&self) -> Result<Counts, InboxError> {
        let client = self.pool.get().await?;
        let mut counts = Counts::default();
        for row in client
            .query("SELECT state, count(*) FROM inbox GROUP BY state", &[])
            .await?
        {
            let (state, count): (&str, i64) = (row.get(0), row.get(1));
            match state {
                "pending" => counts.pending = count,
                "handled" => counts.handled = count,
                _ => counts.dead = count,
            }
        }
        counts.unreadable = client
            .query_one("SELECT count(*) FROM unreadable", &[])
            .await?
            .get(0);
        counts.dead += counts.unreadable;
        Ok(counts)
    }

    /// Deletes events handled before `before`, a batch per statement;
    /// replicas pruning together skip each other's rows.
    ///
    /// # Errors
    ///
    /// When the database fails.
    pub async fn prune(&self, before: i64) -> Result<u64, InboxError> {
        let client = self.pool.get().await?;
        let mut pruned = 0;
        loop {
            let deleted = client
                .execute(
                    "DELETE FROM inbox WHERE seq IN (
                         SELECT seq FROM inbox WHERE state = 'handled' AND handled_at < $1
                         ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)",
                    &[&before, &PRUNE_BATCH],
                )
                .await?;
            pruned += deleted;
            if i64::try_from(deleted).unwrap_or(i64::MAX) < PRUNE_BATCH {
                return Ok(pruned);
            }
        }
    }

    /// Wakes `work` whenever any replica announces new events, for as long
    /// as the runtime runs: `LISTEN` on a connection outside the pool,
    /// connected again after a pause when it fails.
    pub fn listen(&self, work: Arc<Notify>) {
        let config = self.config.clone();
        let location = self.location.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = listen_once(&config, &work).await {
                    eprintln!("warning: {location}: listening for new events failed: {error}");
                }
                // Whatever was announced meanwhile, the poll finds.
                work.notify_one();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Parses and handles one event inside `transaction`, recording the
    /// outcome: `handled` with the handler's effect, or `dead` with a dead
    /// letter.
    async fn attempt<E: ParseEvent>(
        &self,
        transaction: &deadpool_postgres::Transaction<'_>,
        event_id: &str,
        body: &[u8],
        handler: &Handler<E>,
    ) -> Result<Result<String, (Stage, String)>, tokio_postgres::Error> {
        let result = match decide(body, handler) {
            Ok(effect) => {
                // The effect's writes, undone if one of them fails.
                transaction.batch_execute("SAVEPOINT effect").await?;
                match handler::record_postgres(transaction, &effect, &self.replica).await {
                    Ok(()) => {
                        transaction
                            .batch_execute("RELEASE SAVEPOINT effect")
                            .await?;
                        Ok(effect.to_string())
                    }
                    Err(error) => {
                        transaction
                            .batch_execute("ROLLBACK TO SAVEPOINT effect")
                            .await?;
                        Err((Stage::Handle, explain(&error)))
                    }
                }
            }
            Err(failure) => Err(failure),
        };
        let now = unix_now();
        match &result {
            Ok(_) => {
                let update = transaction
                    .prepare_cached(
                        "UPDATE inbox SET state = 'handled', handled_at = $2 WHERE event_id = $1",
                    )
                    .await?;
                transaction.execute(&update, &[&event_id, &now]).await?;
            }
            Err((stage, error)) => {
                let update = transaction
                    .prepare_cached("UPDATE inbox SET state = 'dead' WHERE event_id = $1")
                    .await?;
                transaction.execute(&update, &[&event_id]).await?;
                let letter = transaction
                    .prepare_cached(
                        "INSERT INTO dead_letters (event_id, stage, error, attempts, failed_at)
                         VALUES ($1, $2, $3, 1, $4)
                         ON CONFLICT (event_id) DO UPDATE SET stage = excluded.stage,
                             error = excluded.error, attempts = dead_letters.attempts + 1,
                             failed_at = excluded.failed_at",
                    )
                    .await?;
                transaction
                    .execute(&letter, &[&event_id, &stage.as_str(), error, &now])
                    .await?;
            }
        }
        Ok(result)
    }
}

/// One `LISTEN` connection, until it fails.
async fn listen_once(config: &tokio_postgres::Config, work: &Notify) -> Result<(), InboxError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    // The connection is driven by reading its messages, which the `LISTEN`
    // itself needs too.
    let statement = format!("LISTEN {CHANNEL}");
    let listen = client.batch_execute(&statement);
    let mut listen = std::pin::pin!(listen);
    let mut listening = false;
    loop {
        tokio::select! {
            result = &mut listen, if !listening => {
                result?;
                listening = true;
                // Anything announced before the `LISTEN`, the poll finds;
                // look now rather than at the next poll.
                work.notify_one();
            }
            message = messages.next() => match message {
                Some(Ok(AsyncMessage::Notification(_))) => work.notify_one(),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => return Err(InboxError("the connection closed".to_owned())),
            }
        }
    }
}
