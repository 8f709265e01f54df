//! The example receiver (`examples/receiver.rs`) over real HTTP on the
//! loopback interface: signed seed payloads are handled by type, every
//! signature problem is a `401`, every body that is not an event a `400`
//! naming the JSON path, unknown types and duplicates a `204`, and a
//! bounded load run loses nothing.

use std::collections::HashSet;
use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use gigs_events::webhook::Webhook;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

#[path = "../examples/receiver.rs"]
#[allow(dead_code)] // `main` and the defaults serve the example binary only.
mod receiver;

use receiver::{Config, Outcome, Processed, Receiver};

type BoxError = Box<dyn Error + Send + Sync>;

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The event id every seed payload has.
const SEED_ID: &str = "evt_0SNlurA049MEWV5gNTcQ5A07h3Ol";

const PLAN_UPDATED: &str = include_str!("../../tests/fixtures/seeds/plan.updated.json");
const ADDON_UPDATED: &str = include_str!("../../tests/fixtures/seeds/addon.updated.json");
const ESIM_PROFILE_UPDATED: &str =
    include_str!("../../tests/fixtures/seeds/eSimProfile.updated.json");
const SUBSCRIPTION_CHANGE_DELETED: &str =
    include_str!("../../tests/fixtures/seeds/subscriptionChange.deleted.json");

/// Every seed, in three API versions between them.
const SEEDS: [&str; 4] = [
    PLAN_UPDATED,
    ADDON_UPDATED,
    ESIM_PROFILE_UPDATED,
    SUBSCRIPTION_CHANGE_DELETED,
];

/// A receiver listening on `127.0.0.1:<free port>`, the events it reported,
/// and an HTTP client to post to it.
struct Server {
    addr: SocketAddr,
    events: Arc<Mutex<Vec<Processed>>>,
    webhook: Webhook,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Server {
    /// Starts the example's app on a free loopback port, in the current
    /// runtime (it stops with the test's runtime).
    async fn start(dedup_capacity: usize) -> Result<Self, BoxError> {
        let webhook = Webhook::new(SECRET)?;
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let receiver = Receiver::new(webhook.clone(), dedup_capacity, move |event| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(event.clone());
        });
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let app = receiver::app(Arc::new(receiver));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(Self {
            addr,
            events,
            webhook,
            client,
        })
    }

    /// Posts `body` to `/webhooks` with these headers; the status and the
    /// response body.
    async fn post(
        &self,
        headers: &[(&str, String)],
        body: impl Into<Bytes>,
    ) -> Result<(StatusCode, String), BoxError> {
        let mut request = Request::post(format!("http://{}/webhooks", self.addr))
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = self
            .client
            .request(request.body(Full::new(body.into()))?)
            .await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8(body.to_vec())?))
    }

    /// Posts `body` signed now, as delivery `message_id`.
    async fn deliver(
        &self,
        message_id: &str,
        body: impl Into<Bytes>,
    ) -> Result<(StatusCode, String), BoxError> {
        let body = body.into();
        let headers = signed(&self.webhook, message_id, now()?, &body);
        self.post(&headers, body).await
    }

    /// Every event the receiver reported so far.
    fn events(&self) -> Vec<Processed> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The three signature headers of a delivery, signed with `webhook`.
fn signed(
    webhook: &Webhook,
    message_id: &str,
    timestamp: u64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", message_id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            webhook.sign(message_id, timestamp, body),
        ),
    ]
}

/// The current Unix time in seconds.
fn now() -> Result<u64, BoxError> {
    Ok(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())
}

/// A seed payload, exactly as in the fixture but for its event id.
fn with_id(seed: &str, event_id: &str) -> String {
    seed.replacen(SEED_ID, event_id, 1)
}

/// A seed payload, edited as JSON.
fn edited(seed: &str, edit: impl FnOnce(&mut Value)) -> Result<Vec<u8>, BoxError> {
    let mut value: Value = serde_json::from_str(seed)?;
    edit(&mut value);
    Ok(serde_json::to_vec(&value)?)
}

#[tokio::test]
async fn seeds_are_handled_by_type() {
    let server = Server::start(100).await.unwrap();
    for (i, seed) in SEEDS.iter().enumerate() {
        let (status, body) = server
            .deliver(&format!("msg_{i}"), with_id(seed, &format!("evt_seed_{i}")))
            .await
            .unwrap();
        assert_eq!((status, body.as_str()), (StatusCode::NO_CONTENT, ""));
    }

    let events = server.events();
    let summaries: Vec<_> = events
        .iter()
        .map(|event| {
            assert_eq!(event.outcome, Outcome::Handled, "{event}");
            (
                event.id.as_str(),
                event.event_type.as_str(),
                event.version.as_deref(),
                event.summary.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summaries,
        [
            (
                "evt_seed_0",
                "com.gigs.plan.updated",
                Some("2024-08-29"),
                "plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo \"Gigs Global\" is available, \
                 price 999 USD; no previousData",
            ),
            (
                "evt_seed_1",
                "com.gigs.addon.updated",
                Some("2024-12-20"),
                "add-on add_0SNlurA049MEWV4VxLfwJc7PJtHc \"1GB Data Top-up\" is draft, \
                 price 999 USD",
            ),
            (
                "evt_seed_2",
                "com.gigs.eSimProfile.updated",
                Some("2024-08-29"),
                "eSIM profile of SIM 89883070000007537119 is deleted since 2024-03-13T15:36:01Z",
            ),
            (
                "evt_seed_3",
                "com.gigs.subscriptionChange.deleted",
                Some("2024-10-28"),
                "subscription change sch_0SNlurA049MEWV3bE0SMtbIEJApp of subscription \
                 sub_0SNlurA049MEWV2gSfSxi00xlPIi deleted while pending",
            ),
        ]
    );
}

#[tokio::test]
async fn plan_updated_reports_previous_data() {
    let server = Server::start(100).await.unwrap();
    let body = edited(PLAN_UPDATED, |event| {
        event["id"] = json!("evt_plan_renamed");
        event["version"] = json!("2024-12-20");
        event["previousData"] = json!({
            "name": "Gigs Local",
            "status": "draft",
            "description": null,
        });
    })
    .unwrap();
    let (status, _) = server.deliver("msg_1", body).await.unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT);

    let events = server.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, Outcome::Handled);
    assert_eq!(events[0].version.as_deref(), Some("2024-12-20"));
    assert_eq!(
        events[0].summary,
        "plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo \"Gigs Global\" is available, price 999 USD; \
         previousData: name \"Gigs Local\", status draft, description null"
    );
}

#[tokio::test]
async fn tampered_body_is_401_without_the_expected_signature() {
    let server = Server::start(100).await.unwrap();
    let body = with_id(PLAN_UPDATED, "evt_tampered");
    let timestamp = now().unwrap();
    let headers = signed(&server.webhook, "msg_1", timestamp, body.as_bytes());
    let tampered = body.replace("\"amount\": 999", "\"amount\": 1");
    assert_ne!(tampered, body);

    let (status, message) = server.post(&headers, tampered.clone()).await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(message, "no matching webhook signature");
    let expected = server.webhook.sign("msg_1", timestamp, tampered.as_bytes());
    let expected = expected.trim_start_matches("v1,");
    assert!(!message.contains(expected), "{message}");
    assert!(server.events().is_empty());

    // The same headers with the body as signed are fine.
    let (status, _) = server.post(&headers, body).await.unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn wrong_secret_is_401() {
    let server = Server::start(100).await.unwrap();
    let body = with_id(PLAN_UPDATED, "evt_wrong_secret");
    let other = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let headers = signed(&other, "msg_1", now().unwrap(), body.as_bytes());
    let (status, message) = server.post(&headers, body).await.unwrap();
    assert_eq!(
        (status, message.as_str()),
        (StatusCode::UNAUTHORIZED, "no matching webhook signature")
    );
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn stale_and_future_timestamps_are_401() {
    let server = Server::start(100).await.unwrap();
    let body = with_id(PLAN_UPDATED, "evt_stale");
    let now = now().unwrap();
    for (timestamp, expected) in [
        (
            now - 600,
            "webhook timestamp too old: beyond the tolerance before now",
        ),
        (
            now + 600,
            "webhook timestamp too new: beyond the tolerance after now",
        ),
    ] {
        // Correctly signed, but at the wrong time: a replay.
        let headers = signed(&server.webhook, "msg_1", timestamp, body.as_bytes());
        let (status, message) = server.post(&headers, body.clone()).await.unwrap();
        assert_eq!(
            (status, message.as_str()),
            (StatusCode::UNAUTHORIZED, expected)
        );
    }
    let headers = [
        ("webhook-id", "msg_1".to_owned()),
        ("webhook-timestamp", "soon".to_owned()),
        ("webhook-signature", "v1,AAAA".to_owned()),
    ];
    let (status, message) = server.post(&headers, body).await.unwrap();
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::UNAUTHORIZED,
            "malformed webhook timestamp: expected integer Unix seconds"
        )
    );
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn missing_headers_are_401_naming_the_header() {
    let server = Server::start(100).await.unwrap();
    let body = with_id(PLAN_UPDATED, "evt_missing");
    let headers = signed(&server.webhook, "msg_1", now().unwrap(), body.as_bytes());
    for (missing, expected) in [
        ("webhook-id", "missing webhook-id header (or svix-id)"),
        (
            "webhook-timestamp",
            "missing webhook-timestamp header (or svix-timestamp)",
        ),
        (
            "webhook-signature",
            "missing webhook-signature header (or svix-signature)",
        ),
    ] {
        let partial: Vec<_> = headers
            .iter()
            .filter(|(name, _)| *name != missing)
            .cloned()
            .collect();
        let (status, message) = server.post(&partial, body.clone()).await.unwrap();
        assert_eq!(
            (status, message.as_str()),
            (StatusCode::UNAUTHORIZED, expected)
        );
    }
    let (status, message) = server.post(&[], body).await.unwrap();
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::UNAUTHORIZED,
            "missing webhook-id header (or svix-id)"
        )
    );
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn malformed_json_is_400_saying_where() {
    let server = Server::start(100).await.unwrap();

    // Not JSON at all: the error gives the line and column.
    let truncated = &PLAN_UPDATED[..PLAN_UPDATED.len() / 2];
    let (status, message) = server.deliver("msg_1", truncated.to_owned()).await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.starts_with("malformed JSON at line "), "{message}");

    // JSON, but its envelope is wrong: the error names the field.
    let body = edited(PLAN_UPDATED, |event| event["id"] = json!(42)).unwrap();
    let (status, message) = server.deliver("msg_2", body).await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.starts_with("not a Gigs event: id: "), "{message}");

    // JSON, but no object.
    let (status, message) = server.deliver("msg_3", "[]").await.unwrap();
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "not a Gigs event: expected a Gigs event envelope (a JSON object), found an array"
        )
    );
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn wrong_type_in_data_is_400_naming_the_path() {
    let server = Server::start(100).await.unwrap();
    let body = edited(PLAN_UPDATED, |event| {
        event["data"]["price"]["amount"] = json!("999");
    })
    .unwrap();
    let (status, message) = server.deliver("msg_1", body).await.unwrap();
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "data.price.amount: invalid type: string \"999\", expected i64 \
             (in a com.gigs.plan.updated event)"
        )
    );

    let body = edited(ESIM_PROFILE_UPDATED, |event| {
        event["data"]["sim"]["iccid"] = json!(["8988"]);
    })
    .unwrap();
    let (status, message) = server.deliver("msg_2", body).await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        message.starts_with("data.sim.iccid: invalid type: sequence"),
        "{message}"
    );
    assert!(server.events().is_empty());
}

#[tokio::test]
async fn unknown_types_and_versions_are_204() {
    let server = Server::start(100).await.unwrap();
    let unknown_type = edited(ADDON_UPDATED, |event| {
        event["id"] = json!("evt_unknown_type");
        event["type"] = json!("com.gigs.widget.created");
        event["data"] = json!({"object": "widget", "id": "wdg_1"});
    })
    .unwrap();
    let unknown_version = edited(ADDON_UPDATED, |event| {
        event["id"] = json!("evt_unknown_version");
        event["version"] = json!("2099-01-01");
    })
    .unwrap();
    for (message_id, body) in [("msg_1", unknown_type), ("msg_2", unknown_version)] {
        let (status, message) = server.deliver(message_id, body).await.unwrap();
        assert_eq!((status, message.as_str()), (StatusCode::NO_CONTENT, ""));
    }

    let events = server.events();
    let seen: Vec<_> = events
        .iter()
        .map(|event| {
            (
                event.id.as_str(),
                event.event_type.as_str(),
                event.outcome,
                event.summary.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "evt_unknown_type",
                "com.gigs.widget.created",
                Outcome::Unknown,
                "event type unknown to API version 2024-12-20; ignored",
            ),
            (
                "evt_unknown_version",
                "com.gigs.addon.updated",
                Outcome::Unknown,
                "API version 2099-01-01 not parsed by this build; ignored",
            ),
        ]
    );
}

#[tokio::test]
async fn known_types_without_a_handler_are_204() {
    let server = Server::start(100).await.unwrap();
    let body = edited(ADDON_UPDATED, |event| {
        event["id"] = json!("evt_archived");
        event["type"] = json!("com.gigs.addon.archived");
    })
    .unwrap();
    let (status, _) = server.deliver("msg_1", body).await.unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT);
    let events = server.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, Outcome::NotHandled);
    assert_eq!(events[0].event_type, "com.gigs.addon.archived");
}

#[tokio::test]
async fn duplicate_delivery_is_204_and_handled_once() {
    let server = Server::start(100).await.unwrap();
    let body = with_id(PLAN_UPDATED, "evt_twice");
    // A retry of the same message, then the same event in a new message.
    for message_id in ["msg_1", "msg_1", "msg_2"] {
        let (status, message) = server.deliver(message_id, body.clone()).await.unwrap();
        assert_eq!((status, message.as_str()), (StatusCode::NO_CONTENT, ""));
    }
    let outcomes: Vec<_> = server
        .events()
        .iter()
        .map(|event| (event.id.clone(), event.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("evt_twice".to_owned(), Outcome::Handled),
            ("evt_twice".to_owned(), Outcome::Duplicate),
            ("evt_twice".to_owned(), Outcome::Duplicate),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_are_handled_once() {
    let server = Arc::new(Server::start(100).await.unwrap());
    let body = with_id(PLAN_UPDATED, "evt_racing");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let server = Arc::clone(&server);
        let body = body.clone();
        tasks.push(tokio::spawn(
            async move { server.deliver("msg_1", body).await },
        ));
    }
    for task in tasks {
        let (status, _) = task.await.unwrap().unwrap();
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let events = server.events();
    assert_eq!(events.len(), 16);
    let handled = events
        .iter()
        .filter(|event| event.outcome == Outcome::Handled)
        .count();
    assert_eq!(handled, 1);
}

#[tokio::test]
async fn dedup_memory_is_bounded_and_forgets_the_oldest() {
    // Room for two ids: a third pushes out the first.
    let server = Server::start(2).await.unwrap();
    for (message_id, event_id) in [
        ("msg_1", "evt_a"),
        ("msg_2", "evt_b"),
        ("msg_3", "evt_c"),
        ("msg_4", "evt_c"), // still remembered: a duplicate
        ("msg_5", "evt_a"), // forgotten: handled again
    ] {
        let (status, _) = server
            .deliver(message_id, with_id(ADDON_UPDATED, event_id))
            .await
            .unwrap();
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let outcomes: Vec<_> = server
        .events()
        .iter()
        .map(|event| (event.id.clone(), event.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("evt_a".to_owned(), Outcome::Handled),
            ("evt_b".to_owned(), Outcome::Handled),
            ("evt_c".to_owned(), Outcome::Handled),
            ("evt_c".to_owned(), Outcome::Duplicate),
            ("evt_a".to_owned(), Outcome::Handled),
        ]
    );
}

#[tokio::test]
async fn only_post_to_webhooks_is_served() {
    let server = Server::start(100).await.unwrap();
    let get = Request::get(format!("http://{}/webhooks", server.addr))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = server.client.request(get).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let elsewhere = Request::post(format!("http://{}/", server.addr))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = server.client.request(elsewhere).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[test]
fn config_comes_from_the_environment() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
                .ok_or(std::env::VarError::NotPresent)
        }
    };

    let config = Config::from_env(env(&[("GIGS_WEBHOOK_SECRET", SECRET)])).unwrap();
    assert_eq!(config.addr, receiver::DEFAULT_ADDR);
    assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(config.dedup_capacity, receiver::DEFAULT_DEDUP_CAPACITY);

    let config = Config::from_env(env(&[
        ("GIGS_WEBHOOK_SECRET", SECRET),
        ("GIGS_WEBHOOK_ADDR", "127.0.0.1:8080"),
        ("GIGS_WEBHOOK_DEDUP_CAPACITY", "5"),
    ]))
    .unwrap();
    assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
    assert_eq!(config.dedup_capacity, 5);

    let error = Config::from_env(env(&[])).unwrap_err();
    assert!(
        error.starts_with("GIGS_WEBHOOK_SECRET is not set"),
        "{error}"
    );
    let error = Config::from_env(env(&[("GIGS_WEBHOOK_SECRET", "whsec_not base64!")])).unwrap_err();
    assert!(
        error.starts_with("GIGS_WEBHOOK_SECRET: malformed webhook secret"),
        "{error}"
    );
    assert!(!error.contains("not base64!"), "{error}");
    let error = Config::from_env(env(&[
        ("GIGS_WEBHOOK_SECRET", SECRET),
        ("GIGS_WEBHOOK_ADDR", "localhost"),
    ]))
    .unwrap_err();
    assert!(
        error.starts_with("GIGS_WEBHOOK_ADDR: `localhost`"),
        "{error}"
    );
    let error = Config::from_env(env(&[
        ("GIGS_WEBHOOK_SECRET", SECRET),
        ("GIGS_WEBHOOK_DEDUP_CAPACITY", "0"),
    ]))
    .unwrap_err();
    assert!(
        error.starts_with("GIGS_WEBHOOK_DEDUP_CAPACITY: `0`"),
        "{error}"
    );
}

/// What a load run measured.
#[derive(Debug)]
struct LoadReport {
    requests: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl LoadReport {
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Posts `total` signed deliveries of distinct events, `concurrency` at a
/// time, to a fresh receiver on the loopback interface, and checks that
/// every one was answered `204` and handled exactly once.
///
/// Bounded: `total` requests at most, and an error after `limit`.
async fn load(total: usize, concurrency: usize, limit: Duration) -> Result<LoadReport, BoxError> {
    let server = Arc::new(Server::start(receiver::DEFAULT_DEDUP_CAPACITY).await?);
    let timestamp = now()?;
    // Built and signed up front, so that the run times the HTTP round trips
    // and the receiver's work.
    let deliveries: Arc<Vec<_>> = Arc::new(
        (0..total)
            .map(|i| {
                let body =
                    Bytes::from(with_id(SEEDS[i % SEEDS.len()], &format!("evt_load_{i:06}")));
                let message_id = format!("msg_load_{i:06}");
                let headers = signed(&server.webhook, &message_id, timestamp, &body);
                (headers, body)
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let server = Arc::clone(&server);
        let deliveries = Arc::clone(&deliveries);
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((headers, body)) = deliveries.get(i) else {
                    break;
                };
                let sent = Instant::now();
                let (status, message) = server.post(headers, body.clone()).await?;
                latencies.push(sent.elapsed());
                if status != StatusCode::NO_CONTENT {
                    return Err(format!("delivery {i}: {status} {message}").into());
                }
            }
            Ok::<_, BoxError>(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let all = async {
        for worker in workers {
            latencies.extend(worker.await??);
        }
        Ok::<_, BoxError>(())
    };
    tokio::time::timeout(limit, all)
        .await
        .map_err(|_| format!("the load run took longer than {limit:?}"))??;
    let elapsed = started.elapsed();

    if latencies.len() != total {
        return Err(format!("{} of {total} requests answered", latencies.len()).into());
    }
    let events = server.events();
    let handled: HashSet<_> = events
        .iter()
        .filter(|event| event.outcome == Outcome::Handled)
        .map(|event| event.id.as_str())
        .collect();
    if events.len() != total || handled.len() != total {
        return Err(format!(
            "{} events reported, {} distinct ids handled, of {total}",
            events.len(),
            handled.len()
        )
        .into());
    }

    latencies.sort_unstable();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    let report = LoadReport {
        requests: total,
        elapsed,
        p50: percentile(50),
        p99: percentile(99),
        max: latencies[latencies.len() - 1],
    };
    println!(
        "{} requests, {concurrency} concurrent: {:.2?} total, {:.0} requests/s, \
         p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        report.requests,
        report.elapsed,
        report.throughput(),
        report.p50,
        report.p99,
        report.max,
    );
    Ok(report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_10_000_requests_32_concurrent() {
    let report = load(10_000, 32, Duration::from_secs(120)).await.unwrap();
    assert_eq!(report.requests, 10_000);
}
