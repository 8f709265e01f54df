//! The receiver's handling of events taken from the inbox: a `match` on
//! the typed event ([`dispatch`]), and a row in the `handled` table as its
//! effect.
//!
//! A real receiver would update its own tables here (the plan's new price,
//! the SIM's status); the `handled` row stands for that. The handler itself
//! is pure: it says what the effect is ([`Effect`]), and the inbox writes it
//! with [`record_sqlite`] or [`record_postgres`] in the same transaction as
//! the event turning `handled`, so the effect of each event is there
//! exactly once, whatever crashes when, on either backend.

use std::fmt;

use gigs_events::VersionedEvent;
use gigs_events::{v2024_08_29, v2024_10_28, v2024_12_20, v2025_05_22};

use crate::inbox::HandlerError;

/// The handler's own table on SQLite: one row per event handled, with the
/// replica that handled it.
///
/// `event_id` is deliberately not unique: a second handling of one event
/// would add a second row, for the tests to find, instead of failing.
const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS handled (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    version TEXT,
    outcome TEXT NOT NULL,
    summary TEXT NOT NULL,
    handled_by TEXT
);
";

/// The same table on PostgreSQL.
const POSTGRES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS handled (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL,
    event_type text NOT NULL,
    version text,
    outcome text NOT NULL,
    summary text NOT NULL,
    handled_by text
);
";

/// Creates the `handled` table on SQLite, if missing, and adds the
/// `handled_by` column to one created before it existed.
///
/// # Errors
///
/// When the database fails.
pub fn create_tables_sqlite(connection: &rusqlite::Connection) -> Result<(), rusqlite::Error> {
    connection.execute_batch(SQLITE_SCHEMA)?;
    let has_handled_by = connection
        .prepare("SELECT handled_by FROM handled LIMIT 0")
        .is_ok();
    if !has_handled_by {
        connection.execute_batch("ALTER TABLE handled ADD COLUMN handled_by TEXT")?;
    }
    Ok(())
}

/// Creates the `handled` table on PostgreSQL, if missing (inside the
/// inbox's schema transaction, which holds the advisory lock).
///
/// # Errors
///
/// When the database fails.
pub async fn create_tables_postgres(
    transaction: &deadpool_postgres::Transaction<'_>,
) -> Result<(), tokio_postgres::Error> {
    transaction.batch_execute(POSTGRES_SCHEMA).await
}

/// What handling one event does: the row it adds to `handled`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    /// The event's `id`.
    pub event_id: String,
    /// The event's `type`.
    pub event_type: String,
    /// The event's API version.
    pub version: Option<String>,
    /// Which arm of the dispatch took it.
    pub outcome: Outcome,
    /// One line on what was done.
    pub summary: String,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.outcome, self.summary)
    }
}

/// Handles one event: dispatches it, and says what to record.
///
/// # Errors
///
/// Never for the example's handling; a real handler fails when, say, a
/// service it calls is down, and the event becomes a dead letter.
pub fn handle(event: &VersionedEvent) -> Result<Effect, HandlerError> {
    let (outcome, summary) = dispatch(event);
    Ok(Effect {
        event_id: event.id().to_owned(),
        event_type: event.event_type().to_owned(),
        version: event.version().map(str::to_owned),
        outcome,
        summary,
    })
}

/// Writes the `handled` row of one event on SQLite, as `replica`.
///
/// # Errors
///
/// When the database fails.
pub fn record_sqlite(
    connection: &rusqlite::Connection,
    effect: &Effect,
    replica: &str,
) -> Result<(), rusqlite::Error> {
    connection
        .prepare_cached(
            "INSERT INTO handled (event_id, event_type, version, outcome, summary, handled_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(rusqlite::params![
            effect.event_id,
            effect.event_type,
            effect.version,
            effect.outcome.as_str(),
            effect.summary,
            replica
        ])?;
    Ok(())
}

/// Writes the `handled` row of one event on PostgreSQL, as `replica`.
///
/// # Errors
///
/// When the database fails.
pub async fn record_postgres(
    transaction: &deadpool_postgres::Transaction<'_>,
    effect: &Effect,
    replica: &str,
) -> Result<(), tokio_postgres::Error> {
    let insert = transaction
        .prepare_cached(
            "INSERT INTO handled (event_id, event_type, version, outcome, summary, handled_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    transaction
        .execute(
            &insert,
            &[
                &effect.event_id,
                &effect.event_type,
                &effect.version,
                &effect.outcome.as_str(),
                &effect.summary,
                &replica,
            ],
        )
        .await?;
    Ok(())
}

/// Which arm of the dispatch took an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A typed arm handled it.
    Handled,
    /// A type this crate knows, but that this receiver does not handle.
    NotHandled,
    /// A type its API version does not have, or an API version this build
    /// does not parse: kept raw, acknowledged, logged.
    Unknown,
}

impl Outcome {
    /// The name stored in `handled.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Handled => "handled",
            Self::NotHandled => "not handled",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed handling: one arm per event type this receiver cares about.
///
/// Types that did not change between API versions are one Rust type in
/// every version's module, so one arm with an or-pattern covers all of
/// them; a type that changed needs an arm per revision, and the compiler
/// says so when a new API version changes one. From 2025-05-22 every event
/// says who caused it (`actor`), so each event has an arm of its own there;
/// the objects inside (`Plan`, `Subscription`, …) are still shared.
pub fn dispatch(event: &VersionedEvent) -> (Outcome, String) {
    use VersionedEvent as V;

    let summary = match event {
        // Plans and add-ons made deprecated usage fields optional in
        // 2025-05-22: one arm per revision.
        V::V2024_08_29(v2024_08_29::Event::PlanUpdated(event))
        | V::V2024_10_28(v2024_10_28::Event::PlanUpdated(event))
        | V::V2024_12_20(v2024_12_20::Event::PlanUpdated(event)) => {
            let plan = &event.data;
            let previous = event.previous_data.as_ref().map(PlanBefore::from);
            plan_updated(&plan.id, &plan.name, &plan.status, &plan.price, previous)
        }
        V::V2025_05_22(v2025_05_22::Event::PlanUpdated(event)) => {
            let plan = &event.data;
            let previous = event.previous_data.as_ref().map(PlanBefore::from);
            let summary = plan_updated(&plan.id, &plan.name, &plan.status, &plan.price, previous);
            with_actor(summary, &event.actor)
        }

        V::V2024_08_29(v2024_08_29::Event::AddonUpdated(event))
        | V::V2024_10_28(v2024_10_28::Event::AddonUpdated(event))
        | V::V2024_12_20(v2024_12_20::Event::AddonUpdated(event)) => {
            let addon = &event.data;
            addon_updated(&addon.id, &addon.name, &addon.status, &addon.price)
        }
        V::V2025_05_22(v2025_05_22::Event::AddonUpdated(event)) => {
            let addon = &event.data;
            let summary = addon_updated(&addon.id, &addon.name, &addon.status, &addon.price);
            with_actor(summary, &event.actor)
        }

        // eSIM profiles (their SIM) changed in 2024-12-20: one arm per revision.
        V::V2024_08_29(v2024_08_29::Event::ESimProfileUpdated(event))
        | V::V2024_10_28(v2024_10_28::Event::ESimProfileUpdated(event)) => {
            let profile = &event.data;
            esim_profile_updated(&profile.sim.iccid, &profile.status, profile.updated_at)
        }
        V::V2024_12_20(v2024_12_20::Event::ESimProfileUpdated(event)) => {
            let profile = &event.data;
            esim_profile_updated(&profile.sim.iccid, &profile.status, profile.updated_at)
        }
        V::V2025_05_22(v2025_05_22::Event::ESimProfileUpdated(event)) => {
            let profile = &event.data;
            let summary =
                esim_profile_updated(&profile.sim.iccid, &profile.status, profile.updated_at);
            with_actor(summary, &event.actor)
        }

        // Subscription changes hold a SIM, which changed in 2024-12-20, and
        // a plan, which changed in 2025-05-22.
        V::V2024_08_29(v2024_08_29::Event::SubscriptionChangeDeleted(event))
        | V::V2024_10_28(v2024_10_28::Event::SubscriptionChangeDeleted(event)) => {
            let change = &event.data;
            subscription_change_deleted(&change.id, change.subscription.as_deref(), &change.status)
        }
        V::V2024_12_20(v2024_12_20::Event::SubscriptionChangeDeleted(event)) => {
            let change = &event.data;
            subscription_change_deleted(&change.id, change.subscription.as_deref(), &change.status)
        }
        V::V2025_05_22(v2025_05_22::Event::SubscriptionChangeDeleted(event)) => {
            let change = &event.data;
            let summary = subscription_change_deleted(
                &change.id,
                change.subscription.as_deref(),
                &change.status,
            );
            with_actor(summary, &event.actor)
        }

        // Subscriptions hold a SIM, which changed in 2024-12-20, and gained
        // `lastPorting` beside `porting` in 2025-05-22.
        V::V2024_08_29(v2024_08_29::Event::SubscriptionActivated(event))
        | V::V2024_10_28(v2024_10_28::Event::SubscriptionActivated(event)) => {
            let subscription = &event.data;
            subscription_summary(
                "activated",
                &subscription.id,
                subscription.phone_number.as_deref(),
            )
        }
        V::V2024_12_20(v2024_12_20::Event::SubscriptionActivated(event)) => {
            let subscription = &event.data;
            subscription_summary(
                "activated",
                &subscription.id,
                subscription.phone_number.as_deref(),
            )
        }
        V::V2025_05_22(v2025_05_22::Event::SubscriptionActivated(event)) => {
            let subscription = &event.data;
            let summary = subscription_summary(
                "activated",
                &subscription.id,
                subscription.phone_number.as_deref(),
            );
            with_actor(summary, &event.actor)
        }
        V::V2024_08_29(v2024_08_29::Event::SubscriptionEnded(event))
        | V::V2024_10_28(v2024_10_28::Event::SubscriptionEnded(event)) => {
            let subscription = &event.data;
            subscription_summary(
                "ended",
                &subscription.id,
                subscription.phone_number.as_deref(),
            )
        }
        V::V2024_12_20(v2024_12_20::Event::SubscriptionEnded(event)) => {
            let subscription = &event.data;
            subscription_summary(
                "ended",
                &subscription.id,
                subscription.phone_number.as_deref(),
            )
        }
        V::V2025_05_22(v2025_05_22::Event::SubscriptionEnded(event)) => {
            let subscription = &event.data;
            let summary = subscription_summary(
                "ended",
                &subscription.id,
                subscription.phone_number.as_deref(),
            );
            with_actor(summary, &event.actor)
        }

        V::V2024_08_29(v2024_08_29::Event::PortingCompleted(event))
        | V::V2024_10_28(v2024_10_28::Event::PortingCompleted(event))
        | V::V2024_12_20(v2024_12_20::Event::PortingCompleted(event)) => {
            porting_summary("completed", &event.data)
        }
        V::V2025_05_22(v2025_05_22::Event::PortingCompleted(event)) => {
            with_actor(porting_summary("completed", &event.data), &event.actor)
        }
        V::V2024_08_29(v2024_08_29::Event::PortingDeclined(event))
        | V::V2024_10_28(v2024_10_28::Event::PortingDeclined(event))
        | V::V2024_12_20(v2024_12_20::Event::PortingDeclined(event)) => {
            porting_summary("declined", &event.data)
        }
        V::V2025_05_22(v2025_05_22::Event::PortingDeclined(event)) => {
            with_actor(porting_summary("declined", &event.data), &event.actor)
        }

        // A type this API version does not know, or a version this build
        // does not parse: acknowledge it, so that Gigs does not retry.
        other => {
            let Some(raw) = other.untyped() else {
                return (
                    Outcome::NotHandled,
                    "no handler for this event type".to_owned(),
                );
            };
            let version = raw.version().unwrap_or("(none)");
            let why = match other {
                V::Unsupported(_) => {
                    format!("API version {version} not parsed by this build; ignored")
                }
                _ => format!("event type unknown to API version {version}; ignored"),
            };
            return (Outcome::Unknown, why);
        }
    };
    (Outcome::Handled, summary)
}

/// `summary`, and who caused the event, for the versions that say so.
fn with_actor(summary: String, actor: &v2025_05_22::Actor) -> String {
    use v2025_05_22::Actor;

    let by = match actor {
        Actor::ApiKey(key) => format!("API key {}", unnamed_if_absent(key.api_key.as_deref())),
        Actor::Member(member) => format!("member {}", unnamed_if_absent(member.member.as_deref())),
        Actor::User(user) => format!("user {}", unnamed_if_absent(user.user.as_deref())),
        Actor::System => "Gigs".to_owned(),
        Actor::Unrecognized(raw) => format!("an actor of kind `{}`", raw.kind()),
        // New kinds in a later crate version.
        other => format!("an actor of kind `{}`", other.kind()),
    };
    format!("{summary}; caused by {by}")
}

/// An actor's id, which the docs say may not always be sent.
fn unnamed_if_absent(id: Option<&str>) -> &str {
    id.unwrap_or("(id not sent)")
}

/// An add-on as it is now.
fn addon_updated(
    id: &str,
    name: &str,
    status: &v2025_05_22::AddonStatus,
    price: &v2025_05_22::Price,
) -> String {
    format!(
        "add-on {id} \"{name}\" is {status}, price {} {}",
        price.amount, price.currency
    )
}

/// An eSIM profile's new status.
fn esim_profile_updated(
    iccid: &str,
    status: &v2025_05_22::ESimProfileStatus,
    since: jiff::Timestamp,
) -> String {
    format!("eSIM profile of SIM {iccid} is {status} since {since}")
}

/// A deleted subscription change.
fn subscription_change_deleted(
    id: &str,
    subscription: Option<&str>,
    status: &impl fmt::Display,
) -> String {
    format!(
        "subscription change {id} of subscription {} deleted while {status}",
        subscription.unwrap_or("(none)"),
    )
}

/// A subscription that started or stopped.
fn subscription_summary(what: &str, id: &str, phone_number: Option<&str>) -> String {
    format!(
        "subscription {id} {what}, phone number {}",
        phone_number.unwrap_or("(none)")
    )
}

/// A number port that finished, one way or the other.
fn porting_summary(what: &str, porting: &v2025_05_22::Porting) -> String {
    let mut summary = format!("porting {} of {} {what}", porting.id, porting.phone_number);
    if let Some(Some(code)) = &porting.declined_code {
        summary.push_str(&format!(" (code {code})"));
    }
    summary
}

/// What `plan_updated` reads of a plan's `previousData`: members every
/// revision of `PlanPreviousData` has alike.
#[derive(Debug)]
pub struct PlanBefore<'a> {
    name: Option<&'a str>,
    status: Option<&'a v2025_05_22::PlanStatus>,
    price: Option<&'a v2025_05_22::Price>,
    description: Option<Option<&'a str>>,
}

/// `PlanBefore` from each revision of `PlanPreviousData`.
macro_rules! plan_before_from {
    ($($revision:ident),+) => {$(
        impl<'a> From<&'a $revision::PlanPreviousData> for PlanBefore<'a> {
            fn from(previous: &'a $revision::PlanPreviousData) -> Self {
                Self {
                    name: previous.name.as_deref(),
                    status: previous.status.as_ref(),
                    price: previous.price.as_ref(),
                    description: previous.description.as_ref().map(Option::as_deref),
                }
            }
        }
    )+};
}
plan_before_from!(v2024_08_29, v2025_05_22);

/// A plan changed: what it is now, and what `previousData` says it was.
pub fn plan_updated(
    id: &str,
    name: &str,
    status: &v2025_05_22::PlanStatus,
    price: &v2025_05_22::Price,
    previous: Option<PlanBefore<'_>>,
) -> String {
    let mut summary = format!(
        "plan {id} \"{name}\" is {status}, price {} {}",
        price.amount, price.currency
    );
    let Some(previous) = previous else {
        summary.push_str("; no previousData");
        return summary;
    };
    // Only the fields that changed are present.
    let mut changes = Vec::new();
    if let Some(name) = previous.name {
        changes.push(format!("name \"{name}\""));
    }
    if let Some(status) = previous.status {
        changes.push(format!("status {status}"));
    }
    if let Some(price) = previous.price {
        changes.push(format!("price {} {}", price.amount, price.currency));
    }
    match previous.description {
        Some(Some(description)) => changes.push(format!("description \"{description}\"")),
        Some(None) => changes.push("description null".to_owned()),
        None => {}
    }
    if changes.is_empty() {
        summary.push_str("; previousData: other fields changed");
    } else {
        summary.push_str("; previousData: ");
        summary.push_str(&changes.join(", "));
    }
    summary
}
