//! A Gigs webhook receiver over HTTP, on axum: verify, parse, de-duplicate,
//! dispatch.
//!
//! `POST /webhooks` checks the signature on the raw body, parses it into a
//! [`VersionedEvent`] (each event with the module of the API version it was
//! sent in), skips event ids it handled recently, and dispatches with a
//! `match` on the event. It answers:
//!
//! - `204 No Content` for every authentic event: handled, of a type this
//!   receiver does not handle, of a type or API version this crate does not
//!   know, or a duplicate delivery (handled only the first time);
//! - `401 Unauthorized` when the signature check fails, with the check that
//!   failed (a missing header, the timestamp, no matching signature, …) in
//!   the body, never the expected signature;
//! - `400 Bad Request` for an authentic body that is not a valid event, with
//!   the parse error, which names the JSON path (`data.price.amount: …`).
//!
//! Gigs retries deliveries that get no `2xx` in time, so the handler answers
//! as soon as the event is dispatched. Here handling is a log line; work that
//! takes longer (database writes, calls to other services) belongs on a
//! queue or a spawned task.
//!
//! # Running it
//!
//! From the repository root, with the endpoint's signing secret:
//!
//! ```sh
//! GIGS_WEBHOOK_SECRET='whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' \
//!     cargo run -p gigs-events --example receiver
//! ```
//!
//! It reads the signature headers straight from axum's `http::HeaderMap`,
//! through the crate's `http` feature (which the example turns on itself).
//! Environment variables:
//!
//! - `GIGS_WEBHOOK_SECRET` (required): `whsec_` followed by base64, as the
//!   Gigs dashboard shows it. The receiver exits with an error when it is
//!   missing or malformed.
//! - `GIGS_WEBHOOK_ADDR`: the address to listen on, `127.0.0.1:3000` unless
//!   set.
//! - `GIGS_WEBHOOK_DEDUP_CAPACITY`: how many recent event ids to remember
//!   for de-duplication, 10000 unless set.
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
//! That answers `204` and the receiver prints what it handled:
//!
//! ```text
//! handled com.gigs.plan.updated evt_0SNlurA049MEWV5gNTcQ5A07h3Ol (2024-08-29): plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo "Gigs Global" is available, price 999 USD; no previousData
//! ```
//!
//! Sending the same request again answers `204` too, without handling the
//! event again. Changing a byte of the body answers `401` with
//! `no matching webhook signature`; leaving out a header answers `401` with
//! `missing webhook-id header (or svix-id)`; a request signed more than five
//! minutes ago answers `401` with `webhook timestamp too old: …`.

use std::collections::{HashSet, VecDeque};
use std::env::VarError;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use gigs_events::VersionedEvent;
use gigs_events::webhook::{Webhook, WebhookError};
use gigs_events::{v2024_08_29, v2024_10_28, v2024_12_20};

/// The address listened on when `GIGS_WEBHOOK_ADDR` is not set.
pub const DEFAULT_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// How many recent event ids are remembered when
/// `GIGS_WEBHOOK_DEDUP_CAPACITY` is not set: about a megabyte.
pub const DEFAULT_DEDUP_CAPACITY: usize = 10_000;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env(|name| std::env::var(name)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", config.addr);
            return ExitCode::FAILURE;
        }
    };
    let receiver = Receiver::new(config.webhook, config.dedup_capacity, |processed| {
        println!("{processed}");
    });
    println!("listening on http://{}/webhooks", config.addr);
    let served = axum::serve(listener, app(Arc::new(receiver)))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: server failed: {error}");
            ExitCode::FAILURE
        }
    }
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
    /// `GIGS_WEBHOOK_DEDUP_CAPACITY`, or [`DEFAULT_DEDUP_CAPACITY`].
    pub dedup_capacity: usize,
}

impl Config {
    /// Reads the settings with `var`, which looks up one environment
    /// variable the way [`std::env::var`] does.
    ///
    /// # Errors
    ///
    /// A message naming the variable and what is wrong with it: a missing
    /// or malformed secret, an address that does not parse, a capacity that
    /// is not a positive integer. The secret itself is never in it.
    pub fn from_env(var: impl Fn(&str) -> Result<String, VarError>) -> Result<Self, String> {
        let secret = match var("GIGS_WEBHOOK_SECRET") {
            Ok(secret) => secret,
            Err(VarError::NotPresent) => {
                return Err(
                    "GIGS_WEBHOOK_SECRET is not set: set it to the endpoint's signing secret, \
                     `whsec_` followed by base64"
                        .to_owned(),
                );
            }
            Err(VarError::NotUnicode(_)) => {
                return Err("GIGS_WEBHOOK_SECRET is not valid UTF-8".to_owned());
            }
        };
        let webhook =
            Webhook::new(&secret).map_err(|error| format!("GIGS_WEBHOOK_SECRET: {error}"))?;
        let addr = match var("GIGS_WEBHOOK_ADDR") {
            Ok(addr) => addr.trim().parse().map_err(|error| {
                format!(
                    "GIGS_WEBHOOK_ADDR: `{addr}` is not an address and port such as \
                     127.0.0.1:3000: {error}"
                )
            })?,
            Err(VarError::NotPresent) => DEFAULT_ADDR,
            Err(VarError::NotUnicode(_)) => {
                return Err("GIGS_WEBHOOK_ADDR is not valid UTF-8".to_owned());
            }
        };
        let dedup_capacity = match var("GIGS_WEBHOOK_DEDUP_CAPACITY") {
            Ok(capacity) => match capacity.trim().parse::<usize>() {
                Ok(capacity) if capacity > 0 => capacity,
                _ => {
                    return Err(format!(
                        "GIGS_WEBHOOK_DEDUP_CAPACITY: `{capacity}` is not a positive integer"
                    ));
                }
            },
            Err(VarError::NotPresent) => DEFAULT_DEDUP_CAPACITY,
            Err(VarError::NotUnicode(_)) => {
                return Err("GIGS_WEBHOOK_DEDUP_CAPACITY is not valid UTF-8".to_owned());
            }
        };
        Ok(Self {
            webhook,
            addr,
            dedup_capacity,
        })
    }
}

/// The receiver's routes: `POST /webhooks`.
pub fn app(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route("/webhooks", post(webhooks))
        .with_state(receiver)
}

/// `POST /webhooks`: the raw body and the headers, exactly as received.
async fn webhooks(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match receiver.receive(&headers, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(rejection) => {
            eprintln!("rejected a delivery ({}): {rejection}", rejection.status());
            (rejection.status(), rejection.to_string()).into_response()
        }
    }
}

/// Verifies, parses, de-duplicates and dispatches deliveries, and reports
/// each accepted event to a callback.
pub struct Receiver {
    webhook: Webhook,
    recent: Mutex<RecentIds>,
    on_event: Box<dyn Fn(&Processed) + Send + Sync>,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("webhook", &self.webhook)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver that verifies with `webhook`, remembers the last
    /// `dedup_capacity` event ids (at least one), and calls `on_event` with
    /// every event it accepts, duplicates included.
    pub fn new(
        webhook: Webhook,
        dedup_capacity: usize,
        on_event: impl Fn(&Processed) + Send + Sync + 'static,
    ) -> Self {
        Self {
            webhook,
            recent: Mutex::new(RecentIds::new(dedup_capacity)),
            on_event: Box::new(on_event),
        }
    }

    /// Handles one delivery: verify the signature on the raw body, parse,
    /// skip a duplicate, dispatch.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] when the delivery is not authentic or its body is not
    /// an event; every authentic event is `Ok`, whatever its type.
    pub fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
        let event = self
            .webhook
            .verify_and_parse::<VersionedEvent>(headers, body)
            .map_err(Rejection)?;
        // The event id is the same in every delivery of an event, retries
        // included. Checking and recording it under one lock makes two
        // concurrent deliveries of one event handle it once.
        let first_time = self
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(event.id());
        let (outcome, summary) = if first_time {
            dispatch(&event)
        } else {
            (Outcome::Duplicate, "already handled; skipped".to_owned())
        };
        (self.on_event)(&Processed {
            id: event.id().to_owned(),
            event_type: event.event_type().to_owned(),
            version: event.version().map(str::to_owned),
            outcome,
            summary,
        });
        Ok(())
    }
}

/// Why a delivery was refused: the signature check failed (`401`), or the
/// authentic body is not a valid event (`400`).
///
/// Its `Display` is the answer's body: the check that failed, or the parse
/// error naming the JSON path. Neither ever holds the expected signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(pub WebhookError);

impl Rejection {
    /// The status to answer with.
    pub fn status(&self) -> StatusCode {
        match &self.0 {
            WebhookError::Verify(_) => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            WebhookError::Verify(error) => error.fmt(f),
            WebhookError::Parse(error) => error.fmt(f),
            other => other.fmt(f),
        }
    }
}

/// What the receiver did with one authentic event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The event's `id`.
    pub id: String,
    /// The event's `type`.
    pub event_type: String,
    /// The API version the envelope names.
    pub version: Option<String>,
    /// Which arm of the dispatch took it.
    pub outcome: Outcome,
    /// One line on what the event says, for the log.
    pub summary: String,
}

impl fmt::Display for Processed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.outcome, self.event_type, self.id)?;
        if let Some(version) = &self.version {
            write!(f, " ({version})")?;
        }
        write!(f, ": {}", self.summary)
    }
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
    /// An event id handled recently: acknowledged, not handled again.
    Duplicate,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Handled => "handled",
            Self::NotHandled => "not handled",
            Self::Unknown => "unknown",
            Self::Duplicate => "duplicate",
        })
    }
}

/// The typed handling: one arm per event type this receiver cares about.
///
/// Types that did not change between API versions are one Rust type in
/// every version's module, so one arm with an or-pattern covers all of
/// them; a type that changed needs an arm per revision, and the compiler
/// says so when a new API version changes one.
fn dispatch(event: &VersionedEvent) -> (Outcome, String) {
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
fn plan_updated(event: &v2024_12_20::PlanUpdated) -> String {
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

/// The last `capacity` event ids seen, in a set for lookups and a queue
/// for their order: the oldest is forgotten when a new one comes in at
/// capacity, so memory stays bounded however long the receiver runs.
///
/// Each id is stored once, shared by the set and the queue. A redelivery
/// of an event older than the last `capacity` ones is handled again:
/// choose a capacity that covers Gigs' retry window at your event rate.
#[derive(Debug)]
struct RecentIds {
    capacity: usize,
    set: HashSet<Arc<str>>,
    order: VecDeque<Arc<str>>,
}

impl RecentIds {
    fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            set: HashSet::with_capacity(capacity),
            order: VecDeque::with_capacity(capacity),
        }
    }

    /// Records `id`; `false` if it is already among the recent ids.
    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() >= self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        let id: Arc<str> = Arc::from(id);
        self.set.insert(Arc::clone(&id));
        self.order.push_back(id);
        true
    }
}
