//! Deliveries acknowledged per second: the receiver with its inbox on an
//! SQLite file, and on PostgreSQL with 1 and 3 replicas, against the same
//! receiver without an inbox (verify, read the envelope, answer), in one
//! run. `cargo bench -p gigs-receiver --bench throughput`.
//!
//! Each setup gets a fresh inbox and the same signed deliveries of
//! distinct events, posted over HTTP/1 by 32 concurrent clients on the
//! loopback interface; the clock stops when the last one is acknowledged
//! (handling goes on meanwhile, as in production). Setups take turns over
//! several rounds, and the median of each is reported.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gigs_events::webhook::Webhook;
use gigs_receiver::app::{Receiver, Store, StoreFuture};
use gigs_receiver::config::Limits;
use gigs_receiver::inbox::{Delivery, Inbox, Stored};
use hyper::body::Bytes;
use support::*;

/// Deliveries per measurement.
const DELIVERIES: usize = 6_000;
/// Concurrent clients.
const CLIENTS: usize = 32;
/// Rounds over every setup.
const ROUNDS: usize = 3;

/// A delivery signed up front: its headers and body.
type SignedDelivery = (Vec<(&'static str, String)>, Bytes);

/// The receiver without an inbox: every verified delivery is acknowledged
/// at once.
struct Discard;

impl Store for Discard {
    fn store(&self, delivery: Delivery) -> StoreFuture<'_> {
        drop(delivery);
        Box::pin(std::future::ready(Ok(Stored::New)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    NoInbox,
    SqliteFile,
    Postgres1,
    Postgres3,
}

impl Setup {
    fn name(self) -> &'static str {
        match self {
            Self::NoInbox => "no inbox (baseline)",
            Self::SqliteFile => "SQLite file",
            Self::Postgres1 => "PostgreSQL, 1 replica",
            Self::Postgres3 => "PostgreSQL, 3 replicas",
        }
    }
}

/// Starts `setup`'s receivers; their addresses, and the inbox to wait on.
async fn start(setup: Setup, round: usize) -> (Vec<SocketAddr>, Option<TestInbox>) {
    let webhook = Webhook::new(SECRET).unwrap();
    let name = format!("bench_{setup:?}_{round}").to_lowercase();
    let (backend, replicas) = match setup {
        Setup::NoInbox => {
            let receiver = Receiver::with_store(webhook, Arc::new(Discard), Limits::default());
            return (vec![serve_on_loopback(receiver).await], None);
        }
        Setup::SqliteFile => (Backend::Sqlite, 1),
        Setup::Postgres1 => (Backend::Postgres, 1),
        Setup::Postgres3 => (Backend::Postgres, 3),
    };
    let store = TestInbox::new(backend, &name).expect("PostgreSQL is needed for this bench");
    let mut addrs = Vec::new();
    for replica in 0..replicas {
        let inbox = Inbox::open(&store.options(&format!("r{replica}")))
            .await
            .unwrap();
        let receiver = Receiver::start(
            webhook.clone(),
            inbox,
            Arc::new(gigs_receiver::handler::handle),
            Limits::default(),
            |_| {},
        );
        addrs.push(serve_on_loopback(receiver).await);
    }
    (addrs, Some(store))
}

/// Posts every delivery, `CLIENTS` at a time, round-robin over `addrs`;
/// the time until the last is acknowledged.
async fn post_all(addrs: &[SocketAddr], deliveries: Arc<Vec<SignedDelivery>>) -> Duration {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let deliveries = Arc::clone(&deliveries);
            let next = Arc::clone(&next);
            let addrs = addrs.to_vec();
            tokio::spawn(async move {
                let client = client();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((headers, body)) = deliveries.get(i) else {
                        break;
                    };
                    let addr = addrs[i % addrs.len()];
                    let (status, message) =
                        post_to(&client, addr, headers, body.clone()).await.unwrap();
                    assert!(status.is_success(), "{status} {message}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    started.elapsed()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then this only checks that every setup runs.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let (deliveries, rounds) = if measuring {
        (DELIVERIES, ROUNDS)
    } else {
        (200, 1)
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let setups = [
        Setup::NoInbox,
        Setup::SqliteFile,
        Setup::Postgres1,
        Setup::Postgres3,
    ];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); setups.len()];
    for round in 0..rounds {
        for (s, &setup) in setups.iter().enumerate() {
            let timestamp = now();
            let signed_deliveries: Arc<Vec<_>> = Arc::new(
                (0..deliveries)
                    .map(|i| {
                        let event_id = format!("evt_bench_{round}_{i:06}");
                        let body = Bytes::from(with_id(SEEDS[i % SEEDS.len()], &event_id));
                        let headers =
                            signed(&format!("msg_bench_{round}_{i:06}"), timestamp, &body);
                        (headers, body)
                    })
                    .collect(),
            );
            let rate = runtime.block_on(async {
                let (addrs, store) = start(setup, round).await;
                let took = post_all(&addrs, signed_deliveries).await;
                if let Some(store) = &store {
                    let counts = store.settled().await;
                    assert_eq!(counts.handled, i64::try_from(deliveries).unwrap());
                }
                deliveries as f64 / took.as_secs_f64()
            });
            eprintln!("round {round}: {}: {rate:.0} deliveries/s", setup.name());
            rates[s].push(rate);
        }
    }
    let medians: Vec<f64> = rates
        .iter_mut()
        .map(|rates| {
            rates.sort_by(f64::total_cmp);
            rates[rates.len() / 2]
        })
        .collect();
    println!(
        "\n{deliveries} deliveries, {CLIENTS} concurrent clients, median of {rounds} rounds\n"
    );
    println!("| setup | acknowledged per second | ratio to no inbox |");
    println!("|---|---|---|");
    for (setup, median) in setups.iter().zip(&medians) {
        println!(
            "| {} | {median:.0} | {:.2} |",
            setup.name(),
            median / medians[0]
        );
    }
}
