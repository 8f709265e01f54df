//! The receiver against real parts: a real SQLite file or a real
//! PostgreSQL database (every inbox test runs on both), the real HTTP
//! server on the loopback interface, and deliveries signed by the
//! reference Standard Webhooks library.
//!
//! Every authentic delivery is stored before it is acknowledged, handled
//! once from the inbox, and kept as a dead letter when it is no event, does
//! not parse, or its handler fails; every signature problem is a `401` and
//! stores nothing. The crash test kills a receiver process mid-load and
//! checks that a retrying sender loses nothing and nothing is handled
//! twice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gigs_events::{ParseEvent, VersionedEvent};
use gigs_receiver::config::{Config, DEFAULT_ADDR, Limits, Retention};
use gigs_receiver::handler::{self, Effect, Outcome};
use gigs_receiver::inbox::{
    Counts, Delivery, Handler, HandlerError, Location, Stage, Synchronous, unix_now,
};
use http::{Request, StatusCode};
use http_body_util::Full;
use hyper::body::Bytes;
use serde_json::{Value, json};
use support::*;

/// Each inbox test, once per backend: `sqlite::name` and `postgres::name`.
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

on_both_backends!(
    seeds_are_stored_acknowledged_then_handled_by_type,
    subscriptions_and_portings_are_handled_with_who_caused_them,
    plan_updated_reports_previous_data,
    tampered_body_is_401_without_the_expected_signature_and_not_stored,
    wrong_secret_is_401_and_not_stored,
    stale_and_future_timestamps_are_401_and_not_stored,
    missing_headers_are_401_naming_the_header,
    authentic_bodies_that_are_no_event_are_acknowledged_and_kept_by_delivery_id,
    an_empty_delivery_id_is_never_a_key,
    authentic_events_that_do_not_parse_are_acknowledged_and_dead_letters,
    failing_handlers_leave_dead_letters_and_no_effect,
    unknown_types_and_versions_are_acknowledged_and_logged,
    duplicate_deliveries_are_acknowledged_and_handled_once,
    concurrent_duplicates_are_handled_once,
    only_post_to_webhooks_is_served,
    dead_letters_are_replayed_after_the_fix_and_only_then,
    prune_keeps_pending_and_dead_events,
    commands_read_the_inbox,
);

/// An API version no build of the crate knows: the day after the newest
/// one in the spec, so that adding a version can never make it known.
fn never_known_version() -> String {
    let versions: Vec<jiff::civil::Date> = include_str!("../../spec/versions.yaml")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- "))
        .map(|date| date.trim().parse().unwrap())
        .collect();
    assert!(!versions.is_empty(), "spec/versions.yaml lists no version");
    let newest = versions.iter().max().unwrap();
    let version = newest.tomorrow().unwrap().to_string();
    // And the crate agrees: it parses none of its events.
    let body = edited(ADDON_UPDATED, |event| event["version"] = json!(version));
    assert!(matches!(
        VersionedEvent::from_json(&body).unwrap(),
        VersionedEvent::Unsupported(_)
    ));
    version
}

async fn seeds_are_stored_acknowledged_then_handled_by_type(backend: Backend) {
    let Some(server) = Server::start(backend, "seeds").await else {
        return;
    };
    for (i, seed) in SEEDS.iter().enumerate() {
        let (status, body) = server
            .deliver(&format!("msg_{i}"), with_id(seed, &format!("evt_seed_{i}")))
            .await;
        assert_eq!((status, body.as_str()), (StatusCode::ACCEPTED, ""));
    }
    assert_eq!(
        server.store.settled().await,
        Counts {
            pending: 0,
            handled: 4,
            dead: 0,
            unreadable: 0
        }
    );

    let handled: Vec<_> = server
        .store
        .handled_rows()
        .await
        .into_iter()
        .map(|row| {
            assert_eq!(row.outcome, "handled", "{row:?}");
            (row.event_id, row.event_type, row.version, row.summary)
        })
        .collect();
    let expected = [
        (
            "evt_seed_0",
            "com.gigs.plan.updated",
            "2024-08-29",
            "plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo \"Gigs Global\" is available, \
             price 999 USD; no previousData",
        ),
        (
            "evt_seed_1",
            "com.gigs.addon.updated",
            "2024-12-20",
            "add-on add_0SNlurA049MEWV4VxLfwJc7PJtHc \"1GB Data Top-up\" is draft, \
             price 999 USD",
        ),
        (
            "evt_seed_2",
            "com.gigs.eSimProfile.updated",
            "2024-08-29",
            "eSIM profile of SIM 89883070000007537119 is deleted since 2024-03-13T15:36:01Z",
        ),
        (
            "evt_seed_3",
            "com.gigs.subscriptionChange.deleted",
            "2024-10-28",
            "subscription change sch_0SNlurA049MEWV3bE0SMtbIEJApp of subscription \
             sub_0SNlurA049MEWV2gSfSxi00xlPIi deleted while pending",
        ),
    ]
    .map(|(id, event_type, version, summary)| {
        (
            id.to_owned(),
            event_type.to_owned(),
            Some(version.to_owned()),
            summary.to_owned(),
        )
    });
    assert_eq!(handled, expected);

    // The inbox keeps each body exactly as received.
    assert_eq!(
        server.store.body_of("evt_seed_1").await,
        with_id(ADDON_UPDATED, "evt_seed_1")
    );
}

async fn subscriptions_and_portings_are_handled_with_who_caused_them(backend: Backend) {
    let Some(server) = Server::start(backend, "today").await else {
        return;
    };
    let bodies = [
        include_str!("../../tests/fixtures/catalog/subscription.activated.json"),
        include_str!("../../tests/fixtures/catalog/subscription.ended.json"),
        include_str!("../../tests/fixtures/catalog/2025-05-22/porting.completed.json"),
        include_str!("../../tests/fixtures/catalog/2025-05-22/porting.declined.json"),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let (status, _) = server.deliver(&format!("msg_today_{i}"), *body).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    assert_eq!(
        server.store.settled().await,
        Counts {
            pending: 0,
            handled: 4,
            dead: 0,
            unreadable: 0
        }
    );
    let summaries: Vec<(String, String)> = server
        .store
        .handled_rows()
        .await
        .into_iter()
        .map(|row| {
            assert_eq!(row.outcome, "handled", "{row:?}");
            (row.event_type, row.summary)
        })
        .collect();
    let expected = [
        (
            "com.gigs.subscription.activated",
            "subscription sub_LKcpEzvrlLtaR1cNHl4lTFcc07iv activated, phone number +15125550147",
        ),
        (
            "com.gigs.subscription.ended",
            "subscription sub_XBsGc6gNFEeJtHtUfIFwl0Rn3OJu ended, phone number (none)",
        ),
        (
            "com.gigs.porting.completed",
            "porting prt_nWWaHfyEhclkkdcQuXMjdGJO1LXZ of +15125550147 completed; \
             caused by API key apk_fbKyl79wDnxbwKVsWum6kZDbPG2g",
        ),
        (
            "com.gigs.porting.declined",
            "porting prt_WJc6N9vJtG1aXM3POJidfBjk19G8 of +15125550147 declined \
             (code portingAccountHolderMismatch); caused by an actor of kind `automation`",
        ),
    ]
    .map(|(event_type, summary)| (event_type.to_owned(), summary.to_owned()));
    assert_eq!(summaries, expected);
}

async fn plan_updated_reports_previous_data(backend: Backend) {
    let Some(server) = Server::start(backend, "previous-data").await else {
        return;
    };
    let body = edited(PLAN_UPDATED, |event| {
        event["id"] = json!("evt_plan_renamed");
        event["version"] = json!("2024-12-20");
        event["previousData"] = json!({
            "name": "Gigs Local",
            "status": "draft",
            "description": null,
        });
    });
    let (status, _) = server.deliver("msg_1", body).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    server.store.settled().await;

    let rows = server.store.handled_rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].version.as_deref(), Some("2024-12-20"));
    assert_eq!(
        rows[0].summary,
        "plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo \"Gigs Global\" is available, price 999 USD; \
         previousData: name \"Gigs Local\", status draft, description null"
    );
}

async fn tampered_body_is_401_without_the_expected_signature_and_not_stored(backend: Backend) {
    let Some(server) = Server::start(backend, "tampered").await else {
        return;
    };
    let body = with_id(PLAN_UPDATED, "evt_tampered");
    let timestamp = now();
    let headers = signed("msg_1", timestamp, body.as_bytes());
    let tampered = body.replace("\"amount\": 999", "\"amount\": 1");
    assert_ne!(tampered, body);

    let (status, message) = server.post(&headers, tampered.clone()).await;
    assert_eq!(
        (status, message.as_str()),
        (StatusCode::UNAUTHORIZED, "no matching webhook signature")
    );
    let expected = signed("msg_1", timestamp, tampered.as_bytes());
    let expected = expected[2].1.trim_start_matches("v1,");
    assert!(!message.contains(expected), "{message}");
    assert!(!message.contains("C2FVsBQIhrscChlQIMV"), "{message}");
    assert_eq!(server.store.stored_events().await, 0);

    // The same headers with the body as signed are fine.
    let (status, _) = server.post(&headers, body).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(server.store.stored_events().await, 1);
}

async fn wrong_secret_is_401_and_not_stored(backend: Backend) {
    let Some(server) = Server::start(backend, "wrong-secret").await else {
        return;
    };
    let body = with_id(PLAN_UPDATED, "evt_wrong_secret");
    let headers = signed_with(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_1",
        now(),
        body.as_bytes(),
    );
    let (status, message) = server.post(&headers, body).await;
    assert_eq!(
        (status, message.as_str()),
        (StatusCode::UNAUTHORIZED, "no matching webhook signature")
    );
    assert_eq!(server.store.stored_events().await, 0);
}

async fn stale_and_future_timestamps_are_401_and_not_stored(backend: Backend) {
    let Some(server) = Server::start(backend, "timestamps").await else {
        return;
    };
    let body = with_id(PLAN_UPDATED, "evt_stale");
    let now = now();
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
        let headers = signed("msg_1", timestamp, body.as_bytes());
        let (status, message) = server.post(&headers, body.clone()).await;
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
    let (status, message) = server.post(&headers, body).await;
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::UNAUTHORIZED,
            "malformed webhook timestamp: expected integer Unix seconds"
        )
    );
    assert_eq!(server.store.stored_events().await, 0);
}

async fn missing_headers_are_401_naming_the_header(backend: Backend) {
    let Some(server) = Server::start(backend, "missing-headers").await else {
        return;
    };
    let body = with_id(PLAN_UPDATED, "evt_missing");
    let headers = signed("msg_1", now(), body.as_bytes());
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
        let (status, message) = server.post(&partial, body.clone()).await;
        assert_eq!(
            (status, message.as_str()),
            (StatusCode::UNAUTHORIZED, expected)
        );
    }
    let (status, message) = server.post(&[], body).await;
    assert_eq!(
        (status, message.as_str()),
        (
            StatusCode::UNAUTHORIZED,
            "missing webhook-id header (or svix-id)"
        )
    );
    assert_eq!(server.store.stored_events().await, 0);
}

/// The probe's finding: an authentic body that is no event got `400` and
/// was kept nowhere, so Gigs would retry it for days, then disable the
/// endpoint. Now it is acknowledged and kept under its delivery id.
async fn authentic_bodies_that_are_no_event_are_acknowledged_and_kept_by_delivery_id(
    backend: Backend,
) {
    let Some(server) = Server::start(backend, "not-an-event").await else {
        return;
    };
    let truncated = PLAN_UPDATED[..PLAN_UPDATED.len() / 2].to_owned();
    let numeric_id = edited(PLAN_UPDATED, |event| event["id"] = json!(42));
    let empty_id = edited(PLAN_UPDATED, |event| event["id"] = json!(""));
    for (message_id, body) in [
        ("msg_truncated", truncated.clone().into_bytes()),
        ("msg_numeric_id", numeric_id.clone()),
        ("msg_array", b"[]".to_vec()),
        ("msg_empty_id", empty_id.clone()),
    ] {
        let (status, message) = server.deliver(message_id, body).await;
        assert_eq!((status, message.as_str()), (StatusCode::ACCEPTED, ""));
    }
    // Gigs retrying one changes nothing.
    let (status, _) = server.deliver("msg_array", "[]").await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let letters: Vec<_> = server
        .inbox
        .dead_letters()
        .await
        .unwrap()
        .into_iter()
        .map(|letter| {
            assert_eq!((letter.stage, letter.event_type), (Stage::Envelope, None));
            (letter.key.unwrap(), letter.error, letter.body)
        })
        .collect();
    assert_eq!(letters.len(), 4, "{letters:?}");
    assert_eq!(letters[0].0, "msg_truncated");
    assert!(
        letters[0].1.starts_with("malformed JSON at line "),
        "{}",
        letters[0].1
    );
    assert_eq!(letters[0].2, truncated.into_bytes());
    assert_eq!(letters[1].0, "msg_numeric_id");
    assert!(
        letters[1].1.starts_with("not a Gigs event: id: "),
        "{}",
        letters[1].1
    );
    assert_eq!(letters[1].2, numeric_id);
    assert_eq!(
        (
            letters[2].0.as_str(),
            letters[2].1.as_str(),
            letters[2].2.as_slice()
        ),
        (
            "msg_array",
            "not a Gigs event: expected a Gigs event envelope (a JSON object), found an array",
            b"[]".as_slice()
        )
    );
    // An empty event id is no key: the event is kept by its delivery.
    assert_eq!(
        (letters[3].0.as_str(), letters[3].1.as_str(), &letters[3].2),
        (
            "msg_empty_id",
            "not a Gigs event: the event id is empty",
            &empty_id
        )
    );
    assert_eq!(
        server
            .store
            .count("SELECT CAST(count(*) AS TEXT) FROM inbox")
            .await,
        0
    );
    assert_eq!(
        server.store.counts().await,
        Counts {
            pending: 0,
            handled: 0,
            dead: 4,
            unreadable: 4
        }
    );
}

/// A delivery with an empty `webhook-id`, correctly signed, whose body is
/// no event: kept, but its empty id de-duplicates nothing.
async fn an_empty_delivery_id_is_never_a_key(backend: Backend) {
    let Some(server) = Server::start(backend, "empty-delivery-id").await else {
        return;
    };
    for _ in 0..2 {
        let (status, _) = server.deliver("", "not json").await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let letters = server.inbox.dead_letters().await.unwrap();
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert!(letters.iter().all(|letter| letter.key.is_none()));
    assert_eq!(
        letters[0].to_string(),
        "unreadable delivery (no delivery id): malformed JSON at line 1, column 2: expected ident"
    );
}

async fn authentic_events_that_do_not_parse_are_acknowledged_and_dead_letters(backend: Backend) {
    let Some(server) = Server::start(backend, "unparsed").await else {
        return;
    };
    let wrong_type = edited(PLAN_UPDATED, |event| {
        event["id"] = json!("evt_wrong_type");
        event["data"]["price"]["amount"] = json!("999");
    });
    let (status, message) = server.deliver("msg_1", wrong_type.clone()).await;
    assert_eq!((status, message.as_str()), (StatusCode::ACCEPTED, ""));
    let (status, _) = server
        .deliver("msg_2", plan_without_name("evt_null_name"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        server.store.settled().await,
        Counts {
            pending: 0,
            handled: 0,
            dead: 2,
            unreadable: 0
        }
    );
    assert!(server.store.handled_rows().await.is_empty());

    let letters: Vec<_> = server
        .inbox
        .dead_letters()
        .await
        .unwrap()
        .into_iter()
        .map(|letter| {
            (
                letter.key.unwrap(),
                letter.stage,
                letter.error,
                letter.attempts,
                letter.body,
            )
        })
        .collect();
    assert_eq!(
        letters,
        [
            (
                "evt_wrong_type".to_owned(),
                Stage::Parse,
                "data.price.amount: invalid type: string \"999\", expected i64 \
                 (in a com.gigs.plan.updated event)"
                    .to_owned(),
                1,
                wrong_type,
            ),
            (
                "evt_null_name".to_owned(),
                Stage::Parse,
                "data.name: invalid type: null, expected a string \
                 (in a com.gigs.plan.updated event)"
                    .to_owned(),
                1,
                plan_without_name("evt_null_name"),
            ),
        ]
    );

    // Gigs retrying it changes nothing: it is stored already.
    let (status, _) = server
        .deliver("msg_2", plan_without_name("evt_null_name"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(server.inbox.dead_letters().await.unwrap()[1].attempts, 1);
}

/// Fails on `evt_fails`, panics on `evt_panics`, handles the rest as the
/// receiver does.
fn flaky_handler(event: &VersionedEvent) -> Result<Effect, HandlerError> {
    match event.id() {
        "evt_panics" => panic!("the handler's bug"),
        "evt_fails" => Err("the plans service is down".into()),
        _ => handler::handle(event),
    }
}

async fn failing_handlers_leave_dead_letters_and_no_effect(backend: Backend) {
    let Some(server) = Server::start_with(backend, "handler-fails", Arc::new(flaky_handler)).await
    else {
        return;
    };
    for (message_id, event_id) in [
        ("msg_1", "evt_before"),
        ("msg_2", "evt_fails"),
        ("msg_3", "evt_panics"),
        ("msg_4", "evt_after"),
    ] {
        let (status, _) = server
            .deliver(message_id, with_id(ADDON_UPDATED, event_id))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    assert_eq!(
        server.store.settled().await,
        Counts {
            pending: 0,
            handled: 2,
            dead: 2,
            unreadable: 0
        }
    );
    let handled: Vec<_> = server
        .store
        .handled_rows()
        .await
        .into_iter()
        .map(|row| row.event_id)
        .collect();
    assert_eq!(handled, ["evt_before", "evt_after"]);
    let letters: Vec<_> = server
        .inbox
        .dead_letters()
        .await
        .unwrap()
        .into_iter()
        .map(|letter| (letter.key.unwrap(), letter.stage, letter.error))
        .collect();
    assert_eq!(
        letters,
        [
            (
                "evt_fails".to_owned(),
                Stage::Handle,
                "the plans service is down".to_owned()
            ),
            (
                "evt_panics".to_owned(),
                Stage::Handle,
                "the handler panicked: the handler's bug".to_owned()
            ),
        ]
    );

    // Once the handler works, a replay handles them, each once.
    let handler: Arc<Handler<VersionedEvent>> = Arc::new(handler::handle);
    let replayed = server.inbox.replay(&[], handler).await.unwrap();
    assert!(replayed.iter().all(|attempt| attempt.result.is_ok()));
    let handled: Vec<_> = server
        .store
        .handled_rows()
        .await
        .into_iter()
        .map(|row| row.event_id)
        .collect();
    assert_eq!(
        handled,
        ["evt_before", "evt_after", "evt_fails", "evt_panics"]
    );
    assert!(server.inbox.dead_letters().await.unwrap().is_empty());
    assert_eq!(server.store.counts().await.handled, 4);
}

async fn unknown_types_and_versions_are_acknowledged_and_logged(backend: Backend) {
    let unknown_version = never_known_version();
    let Some(server) = Server::start(backend, "unknown").await else {
        return;
    };
    let unknown_type = edited(ADDON_UPDATED, |event| {
        event["id"] = json!("evt_unknown_type");
        event["type"] = json!("com.gigs.widget.created");
        event["data"] = json!({"object": "widget", "id": "wdg_1"});
    });
    let unknown_version_body = edited(ADDON_UPDATED, |event| {
        event["id"] = json!("evt_unknown_version");
        event["version"] = json!(unknown_version);
    });
    let archived = edited(ADDON_UPDATED, |event| {
        event["id"] = json!("evt_archived");
        event["type"] = json!("com.gigs.addon.archived");
    });
    for (message_id, body) in [
        ("msg_1", unknown_type),
        ("msg_2", unknown_version_body),
        ("msg_3", archived),
    ] {
        let (status, message) = server.deliver(message_id, body).await;
        assert_eq!((status, message.as_str()), (StatusCode::ACCEPTED, ""));
    }
    server.store.settled().await;
    let seen: Vec<_> = server
        .store
        .handled_rows()
        .await
        .into_iter()
        .map(|row| (row.event_id, row.event_type, row.outcome, row.summary))
        .collect();
    let expected = [
        (
            "evt_unknown_type",
            "com.gigs.widget.created",
            Outcome::Unknown,
            "event type unknown to API version 2024-12-20; ignored".to_owned(),
        ),
        (
            "evt_unknown_version",
            "com.gigs.addon.updated",
            Outcome::Unknown,
            format!("API version {unknown_version} not parsed by this build; ignored"),
        ),
        (
            "evt_archived",
            "com.gigs.addon.archived",
            Outcome::NotHandled,
            "no handler for this event type".to_owned(),
        ),
    ]
    .map(|(id, event_type, outcome, summary)| {
        (
            id.to_owned(),
            event_type.to_owned(),
            outcome.as_str().to_owned(),
            summary,
        )
    });
    assert_eq!(seen, expected);
}

async fn duplicate_deliveries_are_acknowledged_and_handled_once(backend: Backend) {
    let Some(server) = Server::start(backend, "duplicates").await else {
        return;
    };
    let body = with_id(PLAN_UPDATED, "evt_twice");
    // A retry of the same message, then the same event in a new message,
    // before and after it was handled.
    for message_id in ["msg_1", "msg_1", "msg_2"] {
        let (status, message) = server.deliver(message_id, body.clone()).await;
        assert_eq!((status, message.as_str()), (StatusCode::ACCEPTED, ""));
    }
    server.store.settled().await;
    let (status, _) = server.deliver("msg_3", body).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    server.store.settled().await;
    let handled: Vec<_> = server
        .store
        .handled_rows()
        .await
        .into_iter()
        .map(|row| row.event_id)
        .collect();
    assert_eq!(handled, ["evt_twice"]);
    let message_id = server
        .store
        .query("SELECT message_id FROM inbox WHERE event_id = 'evt_twice'")
        .await;
    assert_eq!(message_id, [[Some("msg_1".to_owned())]]);
}

async fn concurrent_duplicates_are_handled_once(backend: Backend) {
    let Some(server) = Server::start(backend, "racing").await else {
        return;
    };
    let server = Arc::new(server);
    let body = with_id(PLAN_UPDATED, "evt_racing");
    let mut tasks = Vec::new();
    for i in 0..16 {
        let server = Arc::clone(&server);
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            server.deliver(&format!("msg_{}", i % 2), body).await
        }));
    }
    for task in tasks {
        let (status, _) = task.await.unwrap();
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    server.store.settled().await;
    assert_eq!(server.store.handled_rows().await.len(), 1);
}

async fn only_post_to_webhooks_is_served(backend: Backend) {
    let Some(server) = Server::start(backend, "routes").await else {
        return;
    };
    let get = Request::get(format!("http://{}/webhooks", server.addr))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = server.client.request(get).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
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

    let config = Config::from_env(&env(&[("GIGS_WEBHOOK_SECRET", SECRET)])).unwrap();
    assert_eq!(config.addr, DEFAULT_ADDR);
    assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(
        (&config.inbox.location, config.inbox.synchronous),
        (&Location::Memory, Synchronous::Normal)
    );
    assert!(
        config
            .inbox
            .replica
            .ends_with(&format!(":{}", std::process::id())),
        "{}",
        config.inbox.replica
    );
    assert_eq!(config.limits, Limits::default());
    assert_eq!(config.limits.body_limit, 256 * 1024);
    assert!(config.limits.header_timeout <= Duration::from_secs(10));
    assert_eq!(config.retention, Retention::Days(30));

    let config = Config::from_env(&env(&[
        ("GIGS_WEBHOOK_SECRET", SECRET),
        ("GIGS_WEBHOOK_ADDR", "127.0.0.1:8080"),
        ("GIGS_INBOX_PATH", "/var/lib/receiver/inbox.db"),
        ("GIGS_INBOX_SYNCHRONOUS", "FULL"),
    ]))
    .unwrap();
    assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
    assert_eq!(
        (&config.inbox.location, config.inbox.synchronous),
        (
            &Location::File("/var/lib/receiver/inbox.db".into()),
            Synchronous::Full
        )
    );

    let config = Config::from_env(&env(&[
        ("GIGS_WEBHOOK_SECRET", SECRET),
        ("GIGS_INBOX_URL", "postgres://gigs:hunter2@db.internal/gigs"),
        ("GIGS_REPLICA", "r1"),
        ("GIGS_INBOX_RETENTION_DAYS", "0"),
        ("GIGS_BODY_LIMIT", "1024"),
        ("GIGS_HEADER_TIMEOUT", "2.5"),
        ("GIGS_BODY_TIMEOUT", "3"),
        ("GIGS_SEND_TIMEOUT", "4"),
        ("GIGS_MAX_CONNECTIONS", "100"),
        ("GIGS_SHUTDOWN_TIMEOUT", "1"),
    ]))
    .unwrap();
    assert_eq!(
        config.inbox.location,
        Location::Postgres("postgres://gigs:hunter2@db.internal/gigs".to_owned())
    );
    // The password is never shown.
    assert_eq!(
        config.inbox.location.to_string(),
        "postgres database gigs on db.internal"
    );
    assert_eq!(config.inbox.replica, "r1");
    assert_eq!(config.retention, Retention::Forever);
    assert_eq!(
        config.limits,
        Limits {
            body_limit: 1024,
            header_timeout: Duration::from_millis(2500),
            body_timeout: Duration::from_secs(3),
            send_timeout: Duration::from_secs(4),
            max_connections: 100,
            shutdown_timeout: Duration::from_secs(1),
        }
    );

    for (vars, expected) in [
        (
            &[
                ("GIGS_INBOX_URL", "postgres://localhost/gigs"),
                ("GIGS_INBOX_PATH", "inbox.db"),
            ][..],
            "both GIGS_INBOX_URL (PostgreSQL) and GIGS_INBOX_PATH (SQLite) are set: set one of \
             them",
        ),
        (
            &[
                ("GIGS_INBOX_URL", "postgres://localhost/gigs"),
                ("GIGS_INBOX_SYNCHRONOUS", "full"),
            ][..],
            "GIGS_INBOX_SYNCHRONOUS is for an SQLite inbox (GIGS_INBOX_PATH); a PostgreSQL \
             inbox always commits synchronously",
        ),
        (
            &[("GIGS_HEADER_TIMEOUT", "30")][..],
            "GIGS_HEADER_TIMEOUT: `30` is more than the 10 s allowed",
        ),
        (
            &[("GIGS_BODY_LIMIT", "0")][..],
            "GIGS_BODY_LIMIT: `0` is not a positive whole number",
        ),
        (
            &[("GIGS_BODY_TIMEOUT", "soon")][..],
            "GIGS_BODY_TIMEOUT: `soon` is not a positive number of seconds",
        ),
        (
            &[("GIGS_SEND_TIMEOUT", "0")][..],
            "GIGS_SEND_TIMEOUT: `0` is not a positive number of seconds",
        ),
        (
            &[("GIGS_INBOX_RETENTION_DAYS", "1")][..],
            "GIGS_INBOX_RETENTION_DAYS: 1 days is too short: a pruned event's id no longer \
             de-duplicates, and Gigs retries a delivery for about 28 hours; keep at least 2 \
             days, or 0 to keep everything",
        ),
    ] {
        let lookup = |name: &str| {
            std::iter::once(("GIGS_WEBHOOK_SECRET", SECRET))
                .chain(vars.iter().copied())
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_owned())
                .ok_or(std::env::VarError::NotPresent)
        };
        assert_eq!(Config::from_env(&lookup).unwrap_err(), expected);
    }

    let error = Config::from_env(&env(&[])).unwrap_err();
    assert!(
        error.starts_with("GIGS_WEBHOOK_SECRET is not set"),
        "{error}"
    );
    let error =
        Config::from_env(&env(&[("GIGS_WEBHOOK_SECRET", "whsec_not base64!")])).unwrap_err();
    assert!(
        error.starts_with("GIGS_WEBHOOK_SECRET: malformed webhook secret"),
        "{error}"
    );
    assert!(!error.contains("not base64!"), "{error}");
    let error = Config::from_env(&env(&[
        ("GIGS_WEBHOOK_SECRET", SECRET),
        ("GIGS_WEBHOOK_ADDR", "localhost"),
    ]))
    .unwrap_err();
    assert!(
        error.starts_with("GIGS_WEBHOOK_ADDR: `localhost`"),
        "{error}"
    );
    let error = Config::from_env(&env(&[
        ("GIGS_WEBHOOK_SECRET", SECRET),
        ("GIGS_INBOX_SYNCHRONOUS", "off"),
    ]))
    .unwrap_err();
    assert_eq!(
        error,
        "GIGS_INBOX_SYNCHRONOUS: `off` is neither `normal` nor `full`"
    );
}

// ---------------------------------------------------------------------------
// Replay after a spec fix.

/// What this build would parse once the spec says that a plan's `name` may
/// be null and `cargo xtask regen` has run: the test cannot regenerate the
/// crate while it runs, so this type stands for the regenerated one. Every
/// other body parses exactly as [`VersionedEvent`] does.
#[derive(Debug)]
enum AfterSpecFix {
    Typed(VersionedEvent),
    /// A `com.gigs.plan.updated` whose plan has no name.
    UnnamedPlan {
        event_id: String,
        plan_id: String,
    },
}

impl ParseEvent for AfterSpecFix {
    fn from_json(body: &[u8]) -> Result<Self, gigs_events::Error> {
        match VersionedEvent::from_json(body) {
            Ok(event) => Ok(Self::Typed(event)),
            Err(error) if error.path() == Some("data.name") => {
                let event: Value = serde_json::from_slice(body).map_err(|_| error.clone())?;
                match (
                    &event["type"],
                    &event["id"],
                    &event["data"]["name"],
                    &event["data"]["id"],
                ) {
                    (Value::String(kind), Value::String(id), Value::Null, Value::String(plan))
                        if kind == "com.gigs.plan.updated" =>
                    {
                        Ok(Self::UnnamedPlan {
                            event_id: id.clone(),
                            plan_id: plan.clone(),
                        })
                    }
                    _ => Err(error),
                }
            }
            Err(error) => Err(error),
        }
    }
}

fn handle_after_spec_fix(event: &AfterSpecFix) -> Result<Effect, HandlerError> {
    match event {
        AfterSpecFix::Typed(event) => handler::handle(event),
        AfterSpecFix::UnnamedPlan { event_id, plan_id } => Ok(Effect {
            event_id: event_id.clone(),
            event_type: "com.gigs.plan.updated".to_owned(),
            version: Some("2024-08-29".to_owned()),
            outcome: Outcome::Handled,
            summary: format!("plan {plan_id} has no name"),
        }),
    }
}

async fn dead_letters_are_replayed_after_the_fix_and_only_then(backend: Backend) {
    let Some(server) = Server::start(backend, "replay").await else {
        return;
    };
    let (status, _) = server
        .deliver("msg_1", plan_without_name("evt_null_name"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(server.store.settled().await.dead, 1);

    // With this build, replaying fails again, and says why.
    let unchanged: Arc<Handler<VersionedEvent>> = Arc::new(handler::handle);
    let attempts = server
        .inbox
        .replay(&[], Arc::clone(&unchanged))
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        attempts[0].to_string(),
        "dead letter com.gigs.plan.updated evt_null_name (parse failed): data.name: invalid \
         type: null, expected a string (in a com.gigs.plan.updated event)"
    );
    assert_eq!(server.inbox.dead_letters().await.unwrap()[0].attempts, 2);
    assert!(server.store.handled_rows().await.is_empty());

    // Replaying an event that is no dead letter is an error.
    let error = server
        .inbox
        .replay(&["evt_nonexistent".to_owned()], unchanged)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "evt_nonexistent is not a dead letter in the inbox"
    );

    // After the fix, it is handled, once.
    let fixed: Arc<Handler<AfterSpecFix>> = Arc::new(handle_after_spec_fix);
    let attempts = server.inbox.replay(&[], Arc::clone(&fixed)).await.unwrap();
    assert_eq!(
        attempts[0].result,
        Ok("handled: plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo has no name".to_owned())
    );
    assert!(server.inbox.dead_letters().await.unwrap().is_empty());
    assert!(server.inbox.replay(&[], fixed).await.unwrap().is_empty());
    let handled: Vec<_> = server
        .store
        .handled_rows()
        .await
        .into_iter()
        .map(|row| row.event_id)
        .collect();
    assert_eq!(handled, ["evt_null_name"]);
    assert_eq!(
        server.store.counts().await,
        Counts {
            pending: 0,
            handled: 1,
            dead: 0,
            unreadable: 0
        }
    );
}

/// `prune` deletes handled events past the retention, and nothing else:
/// pending events and dead letters stay, whatever their age.
async fn prune_keeps_pending_and_dead_events(backend: Backend) {
    let Some(store) = TestInbox::new(backend, "prune") else {
        return;
    };
    let inbox = store.open().await;
    let deliveries = [
        (
            "evt_handled_old",
            with_id(ADDON_UPDATED, "evt_handled_old").into_bytes(),
        ),
        (
            "evt_handled_new",
            with_id(ADDON_UPDATED, "evt_handled_new").into_bytes(),
        ),
        ("evt_dead_old", plan_without_name("evt_dead_old")),
    ]
    .map(|(id, body)| Delivery::read(format!("msg_{id}"), body));
    inbox.store_all(deliveries.to_vec()).await.unwrap();
    let handler: Arc<Handler<VersionedEvent>> = Arc::new(handler::handle);
    inbox.handle_pending(10, handler).await.unwrap();
    let pending = Delivery::read(
        "msg_pending".to_owned(),
        with_id(ADDON_UPDATED, "evt_pending").into_bytes(),
    );
    let unreadable = Delivery::read("msg_unreadable".to_owned(), b"{".to_vec());
    inbox.store_all(vec![pending, unreadable]).await.unwrap();
    // Everything but one handled event is 40 days old.
    let forty_days_ago = unix_now() - 40 * 86_400;
    execute(
        &store,
        &format!(
            "UPDATE inbox SET received_at = {forty_days_ago},
                 handled_at = CASE WHEN state = 'handled' THEN {forty_days_ago} END
             WHERE event_id <> 'evt_handled_new';
             UPDATE unreadable SET received_at = {forty_days_ago}"
        ),
    )
    .await;

    let (code, output) = run_receiver(&store, &["prune"]);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.starts_with("pruned 1 events handled more than 30 days ago from "),
        "{output}"
    );
    let left: Vec<_> = store
        .query("SELECT event_id, state FROM inbox ORDER BY seq")
        .await
        .into_iter()
        .map(|row| (row[0].clone().unwrap(), row[1].clone().unwrap()))
        .collect();
    let expected = [
        ("evt_handled_new", "handled"),
        ("evt_dead_old", "dead"),
        ("evt_pending", "pending"),
    ]
    .map(|(id, state)| (id.to_owned(), state.to_owned()));
    assert_eq!(left, expected);
    assert_eq!(store.counts().await.unreadable, 1);

    // A retention under two days is refused; 0 keeps everything.
    let (code, _) = run_receiver(&store, &["prune", "--days", "1"]);
    assert_eq!(code, Some(2));
    let (code, output) = run_receiver(&store, &["prune", "--days", "0"]);
    assert_eq!(
        (code, output.as_str()),
        (Some(0), "retention is forever (0 days): nothing pruned\n")
    );
}

/// Runs statements on the test inbox through a connection of its own.
async fn execute(store: &TestInbox, sql: &str) {
    match &store.location {
        Location::File(path) => {
            let connection = rusqlite::Connection::open(path).unwrap();
            connection.execute_batch(sql).unwrap();
        }
        Location::Postgres(url) => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client.batch_execute(sql).await.unwrap();
        }
        Location::Memory => unreachable!("tests keep their inbox"),
    }
}

/// `status`, `dead-letters` and `replay` of the binary, against an inbox a
/// receiver filled.
async fn commands_read_the_inbox(backend: Backend) {
    let Some(server) = Server::start(backend, "commands").await else {
        return;
    };
    for (message_id, body) in [
        ("msg_1", with_id(PLAN_UPDATED, "evt_ok").into_bytes()),
        ("msg_2", plan_without_name("evt_null_name")),
        ("msg_3", b"not json".to_vec()),
    ] {
        let (status, _) = server.deliver(message_id, body).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    server.store.settled().await;

    let (code, output) = run_receiver(&server.store, &["status"]);
    assert_eq!(code, Some(0), "{output}");
    let status: Value = serde_json::from_str(&output).unwrap();
    assert_eq!(
        (
            &status["pending"],
            &status["handled"],
            &status["dead"],
            &status["unreadable"]
        ),
        (&json!(0), &json!(1), &json!(2), &json!(1))
    );

    let (code, output) = run_receiver(&server.store, &["dead-letters"]);
    assert_eq!(code, Some(0), "{output}");
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 3, "{output}");
    assert_eq!(
        lines[0],
        "com.gigs.plan.updated evt_null_name (parse failed, 1 attempt): data.name: invalid \
         type: null, expected a string (in a com.gigs.plan.updated event)"
    );
    assert_eq!(
        lines[1],
        "unreadable delivery msg_3: malformed JSON at line 1, column 2: expected ident"
    );
    assert!(lines[2].starts_with("2 dead letters in "), "{output}");

    let (code, output) = run_receiver(&server.store, &["replay"]);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.ends_with("replayed 1 dead letters: 0 handled, 1 still dead\n"),
        "{output}"
    );
    let (code, output) = run_receiver(&server.store, &["replay", "evt_ok"]);
    assert_eq!(code, Some(2), "{output}");
}

// ---------------------------------------------------------------------------
// The receiver as a process of its own, killed and restarted.

/// The crash test's sender: every delivery is retried, after a pause,
/// until it is acknowledged with a `2xx`, as Gigs does.
struct Sender {
    deliveries: Vec<(String, Bytes)>,
    queue: Mutex<VecDeque<usize>>,
    acknowledged: AtomicUsize,
    retries: AtomicUsize,
    /// Where the receiver listens; `None` while it is down.
    addr: tokio::sync::watch::Sender<Option<SocketAddr>>,
}

impl Sender {
    fn next(&self) -> Option<usize> {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }

    fn retry_later(&self, i: usize) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(i);
    }

    /// One client: takes deliveries until every one is acknowledged.
    async fn run(self: Arc<Self>) {
        let client = client();
        let mut addr = self.addr.subscribe();
        let total = self.deliveries.len();
        while self.acknowledged.load(Ordering::SeqCst) < total {
            let Some(i) = self.next() else {
                // Others hold the last deliveries, and may have to retry.
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            };
            let Some(target) = *addr.wait_for(Option::is_some).await.unwrap() else {
                unreachable!("waited for an address");
            };
            let (message_id, body) = &self.deliveries[i];
            // Each attempt is signed anew, with its own timestamp.
            let headers = signed(message_id, now(), body);
            match post_to(&client, target, &headers, body.clone()).await {
                Ok((status, _)) if status.is_success() => {
                    self.acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                Ok((status, message)) => {
                    assert!(status.is_server_error(), "delivery {i}: {status} {message}");
                    self.retry_later(i);
                }
                Err(_) => {
                    self.retry_later(i);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }
}

/// 5,000 signed deliveries from 32 concurrent clients; the receiver is
/// killed with SIGKILL after 2,000 acknowledgements and restarted, and the
/// sender retries whatever was not acknowledged. Every event ends handled
/// exactly once by id, but the one authentic body that does not parse,
/// which ends a dead letter, and is handled after the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sigkill_mid_run_loses_nothing_and_handles_each_event_once() {
    const TOTAL: usize = 5_000;
    const CLIENTS: usize = 32;
    const KILL_AFTER: usize = 2_000;
    const UNPARSED: usize = 2_500;

    let started = Instant::now();
    let store = TestInbox::new(Backend::Sqlite, "crash").unwrap();
    let event_id = |i: usize| format!("evt_crash_{i:05}");
    let deliveries: Vec<_> = (0..TOTAL)
        .map(|i| {
            let body = if i == UNPARSED {
                plan_without_name(&event_id(i))
            } else {
                with_id(SEEDS[i % SEEDS.len()], &event_id(i)).into_bytes()
            };
            (format!("msg_crash_{i:05}"), Bytes::from(body))
        })
        .collect();

    let first = ReceiverProcess::start(receiver_command(&store, &["serve"]));
    let sender = Arc::new(Sender {
        deliveries,
        queue: Mutex::new((0..TOTAL).collect()),
        acknowledged: AtomicUsize::new(0),
        retries: AtomicUsize::new(0),
        addr: tokio::sync::watch::Sender::new(Some(first.addr)),
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(Arc::clone(&sender).run()))
        .collect();

    while sender.acknowledged.load(Ordering::SeqCst) < KILL_AFTER {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    first.kill();
    sender.addr.send_replace(None);
    let acknowledged_at_kill = sender.acknowledged.load(Ordering::SeqCst);
    let stored_at_kill = store.stored_events().await;
    let second = ReceiverProcess::start(receiver_command(&store, &["serve"]));
    sender.addr.send_replace(Some(second.addr));

    let all = async {
        for client in clients {
            client.await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("the sender did not get every delivery acknowledged in 120 s");
    let retries = sender.retries.load(Ordering::SeqCst);

    // Deliveries of events acknowledged before the crash, again: the
    // de-duplication outlived the process.
    let client = client();
    for i in (0..KILL_AFTER).step_by(100) {
        let body = with_id(SEEDS[i % SEEDS.len()], &event_id(i));
        let headers = signed(&format!("msg_again_{i}"), now(), body.as_bytes());
        let (status, _) = post_to(&client, second.addr, &headers, body).await.unwrap();
        assert_eq!(status, StatusCode::ACCEPTED);
    }

    let counts = store.settled().await;
    let restarted_with = second.inbox_line.clone();
    second.kill();
    assert_eq!(
        counts,
        Counts {
            pending: 0,
            handled: i64::try_from(TOTAL).unwrap() - 1,
            dead: 1,
            unreadable: 0
        }
    );

    // Every event handled exactly once, by id.
    let handled = store.handled_rows().await;
    assert_handled_once_each(
        &handled,
        (0..TOTAL).filter(|&i| i != UNPARSED).map(event_id),
    );

    // The authentic body that does not parse is a dead letter; replaying it
    // with this build leaves it there.
    let (code, output) = run_receiver(&store, &["dead-letters"]);
    assert_eq!(code, Some(0), "{output}");
    // The child's output starts with the test harness's own lines.
    assert!(
        output.contains(&format!(
            "com.gigs.plan.updated {} (parse failed, 1 attempt): data.name: invalid type: null",
            event_id(UNPARSED)
        )),
        "{output}"
    );
    assert!(output.contains("\n1 dead letters in "), "{output}");
    let (code, output) = run_receiver(&store, &["replay"]);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("\nreplayed 1 dead letters: 0 handled, 1 still dead\n"),
        "{output}"
    );

    // After the fix, replaying handles it.
    let inbox = store.open().await;
    let fixed: Arc<Handler<AfterSpecFix>> = Arc::new(handle_after_spec_fix);
    let attempts = inbox.replay(&[], fixed).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert!(attempts[0].result.is_ok(), "{}", attempts[0]);
    let handled = store.handled_rows().await;
    let ids: HashSet<_> = handled.iter().map(|row| row.event_id.clone()).collect();
    assert_eq!((handled.len(), ids.len()), (TOTAL, TOTAL));
    assert_eq!(
        store.counts().await,
        Counts {
            pending: 0,
            handled: i64::try_from(TOTAL).unwrap(),
            dead: 0,
            unreadable: 0
        }
    );

    // The kill did interrupt the run.
    assert!(acknowledged_at_kill < TOTAL);
    assert!(retries > 0);
    println!(
        "crash test: {TOTAL} deliveries, {CLIENTS} clients; killed after \
         {acknowledged_at_kill} acknowledgements with {stored_at_kill} events stored; \
         restarted with `{}`; {retries} retries; {} handled once each, 1 dead letter \
         handled after replay; {:.1?}",
        restarted_with,
        TOTAL - 1,
        started.elapsed()
    );
}
