//! The example's handling of events taken from the inbox: a `match` on the
//! typed event, and a row in the `handled` table as its effect.
//!
//! A real receiver would update its own tables here (the plan's new price,
//! the SIM's status); the `handled` row stands for that. Because the inbox
//! commits it together with marking the event handled, the effect of each
//! event is there exactly once, whatever crashes when.

use std::fmt;

use gigs_events::VersionedEvent;
use gigs_events::{v2024_08_29, v2024_10_28, v2024_12_20};
use rusqlite::{Connection, params};

use super::inbox::HandlerError;

/// The handler's own table: one row per event handled.
///
/// `event_id` is deliberately not unique: a second handling of one event
/// would add a second row, for the tests to find, instead of failing.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS handled (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    version TEXT,
    outcome TEXT NOT NULL,
    summary TEXT NOT NULL
);
";

/// Creates the `handled` table, if missing.
///
/// # Errors
///
/// When the database fails.
pub fn create_tables(connection: &Connection) -> Result<(), rusqlite::Error> {
    connection.execute_batch(SCHEMA)
}

/// Handles one event: dispatches it, and records what was done in
/// `handled`, through `connection` (inside the inbox's transaction).
///
/// # Errors
///
/// When the record cannot be written.
pub fn handle(connection: &Connection, event: &VersionedEvent) -> Result<String, HandlerError> {
    let (outcome, summary) = dispatch(event);
    record(
        connection,
        event.id(),
        event.event_type(),
        event.version(),
        outcome,
        &summary,
    )?;
    Ok(format!("{outcome}: {summary}"))
}

/// Writes the `handled` row of one event.
///
/// # Errors
///
/// When the database fails.
pub fn record(
    connection: &Connection,
    event_id: &str,
    event_type: &str,
    version: Option<&str>,
    outcome: Outcome,
    summary: &str,
) -> Result<(), rusqlite::Error> {
    connection
        .prepare_cached(
            "INSERT INTO handled (event_id, event_type, version, outcome, summary)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            event_id,
            event_type,
            version,
            outcome.as_str(),
            summary
        ])?;
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
/// says so when a new API version changes one.
pub fn dispatch(event: &VersionedEvent) -> (Outcome, String) {
    use VersionedEvent as V;

    let summary = match event {
        V::V2024_08_29(v2024_08_29::Event::PlanUpdated(event))
        | V::V2024_10_28(v2024_10_28::Event::PlanUpdated(event))
        | V::V2024_12_20(v2024_12_20::Event::PlanUpdated(event)) => plan_updated(event),

        V::V2024_08_29(v2024_08_29::Event::AddonUpdated(event))
        | V::V2024_10_28(v2024_10_28::Event::AddonUpdated(event))
        | V::V2024_12_20(v2024_12_20::Event::AddonUpdated(event)) => {
            let addon = &event.data;
            format!(
                "add-on {} \"{}\" is {}, price {} {}",
                addon.id, addon.name, addon.status, addon.price.amount, addon.price.currency
            )
        }

        // eSIM profiles changed in 2024-12-20: one arm per revision.
        V::V2024_08_29(v2024_08_29::Event::ESimProfileUpdated(event))
        | V::V2024_10_28(v2024_10_28::Event::ESimProfileUpdated(event)) => {
            let profile = &event.data;
            format!(
                "eSIM profile of SIM {} is {} since {}",
                profile.sim.iccid, profile.status, profile.updated_at
            )
        }
        V::V2024_12_20(v2024_12_20::Event::ESimProfileUpdated(event)) => {
            let profile = &event.data;
            format!(
                "eSIM profile of SIM {} is {} since {}",
                profile.sim.iccid, profile.status, profile.updated_at
            )
        }

        // Subscription changes too.
        V::V2024_08_29(v2024_08_29::Event::SubscriptionChangeDeleted(event))
        | V::V2024_10_28(v2024_10_28::Event::SubscriptionChangeDeleted(event)) => {
            let change = &event.data;
            format!(
                "subscription change {} of subscription {} deleted while {}",
                change.id,
                change.subscription.as_deref().unwrap_or("(none)"),
                change.status
            )
        }
        V::V2024_12_20(v2024_12_20::Event::SubscriptionChangeDeleted(event)) => {
            let change = &event.data;
            format!(
                "subscription change {} of subscription {} deleted while {}",
                change.id,
                change.subscription.as_deref().unwrap_or("(none)"),
                change.status
            )
        }

        // A type this API version does not know, or a version this build
        // does not parse: acknowledge it, so that Gigs does not retry.
        V::V2024_08_29(v2024_08_29::Event::Unknown(raw))
        | V::V2024_10_28(v2024_10_28::Event::Unknown(raw))
        | V::V2024_12_20(v2024_12_20::Event::Unknown(raw)) => {
            return (
                Outcome::Unknown,
                format!(
                    "event type unknown to API version {}; ignored",
                    raw.version().unwrap_or("(none)")
                ),
            );
        }
        V::Unsupported(raw) => {
            return (
                Outcome::Unknown,
                format!(
                    "API version {} not parsed by this build; ignored",
                    raw.version().unwrap_or("(none)")
                ),
            );
        }

        _ => {
            return (
                Outcome::NotHandled,
                "no handler for this event type".to_owned(),
            );
        }
    };
    (Outcome::Handled, summary)
}

/// A plan changed: what it is now, and what `previousData` says it was.
pub fn plan_updated(event: &v2024_12_20::PlanUpdated) -> String {
    let plan = &event.data;
    let mut summary = format!(
        "plan {} \"{}\" is {}, price {} {}",
        plan.id, plan.name, plan.status, plan.price.amount, plan.price.currency
    );
    let Some(previous) = &event.previous_data else {
        summary.push_str("; no previousData");
        return summary;
    };
    // Only the fields that changed are present.
    let mut changes = Vec::new();
    if let Some(name) = &previous.name {
        changes.push(format!("name \"{name}\""));
    }
    if let Some(status) = &previous.status {
        changes.push(format!("status {status}"));
    }
    if let Some(price) = &previous.price {
        changes.push(format!("price {} {}", price.amount, price.currency));
    }
    match &previous.description {
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
