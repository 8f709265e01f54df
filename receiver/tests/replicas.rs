//! Several receiver replicas on one PostgreSQL inbox, as behind a load
//! balancer, two of them killed with SIGKILL mid-run: nothing acknowledged
//! is lost, and every event is handled exactly once across replicas.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use gigs_receiver::inbox::Counts;
use hyper::body::Bytes;
use support::*;

/// One delivery to make: its id, its body, and which replica (counted
/// from the event's own turn) it goes to first.
struct Planned {
    message_id: String,
    body: Bytes,
    /// 0 for an event's delivery, 1 for its second delivery under a new
    /// delivery id: sent to the replica after the first one's.
    shift: usize,
    event: usize,
}

/// The test's sender, as a load balancer in front of the replicas: each
/// delivery goes to a live replica, and is retried on another one after a
/// connection error or a `5xx`, until it is acknowledged.
struct LoadBalancer {
    planned: Vec<Planned>,
    queue: Mutex<VecDeque<usize>>,
    acknowledged: AtomicUsize,
    retries: AtomicUsize,
    /// Where each replica listens; `None` while it is down.
    replicas: RwLock<Vec<Option<SocketAddr>>>,
}

impl LoadBalancer {
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

    /// The live replica for the `attempt`-th try of `planned`.
    fn pick(&self, planned: &Planned, attempt: usize) -> Option<SocketAddr> {
        let live: Vec<SocketAddr> = self
            .replicas
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .flatten()
            .copied()
            .collect();
        if live.is_empty() {
            return None;
        }
        Some(live[(planned.event + planned.shift + attempt) % live.len()])
    }

    fn set(&self, replica: usize, addr: Option<SocketAddr>) {
        self.replicas
            .write()
            .unwrap_or_else(PoisonError::into_inner)[replica] = addr;
    }

    /// One client: takes deliveries until every one is acknowledged.
    async fn run(self: Arc<Self>) {
        let client = client();
        let total = self.planned.len();
        let mut attempts: HashMap<usize, usize> = HashMap::new();
        while self.acknowledged.load(Ordering::SeqCst) < total {
            let Some(i) = self.next() else {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            };
            let planned = &self.planned[i];
            let attempt = attempts.entry(i).or_default();
            let Some(target) = self.pick(planned, *attempt) else {
                self.retry_later(i);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            *attempt += 1;
            // Each attempt is signed anew, with its own timestamp.
            let headers = signed(&planned.message_id, now(), &planned.body);
            match post_to(&client, target, &headers, planned.body.clone()).await {
                Ok((status, _)) if status.is_success() => {
                    self.acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                Ok((status, message)) => {
                    assert!(status.is_server_error(), "delivery {i}: {status} {message}");
                    self.retry_later(i);
                }
                Err(_) => self.retry_later(i),
            }
        }
    }
}

/// Starts replica `name` on the inbox.
fn replica(store: &TestInbox, name: &str) -> ReceiverProcess {
    let mut command = receiver_command(store, &["serve"]);
    command.env("GIGS_REPLICA", name);
    ReceiverProcess::start(command)
}

/// 6,000 events from 32 clients over 3 replicas; every 10th event is also
/// delivered to another replica under a new delivery id, racing the
/// de-duplication across replicas; r0 is killed with SIGKILL after 1,500
/// acknowledgements and restarted after 2,500, r1 killed after 3,500 and
/// left down. Every delivery ends acknowledged, every event but the one
/// authentic body that does not parse is handled exactly once, and at
/// least two replicas did work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_killed_mid_run_lose_nothing_and_handle_each_event_once() {
    const EVENTS: usize = 6_000;
    const CLIENTS: usize = 32;
    const UNPARSED: usize = 3_001;

    let Some(store) = TestInbox::new(Backend::Postgres, "replicas") else {
        return;
    };
    let started = Instant::now();
    let event_id = |i: usize| format!("evt_replica_{i:05}");
    let mut planned = Vec::new();
    for i in 0..EVENTS {
        let body = Bytes::from(if i == UNPARSED {
            plan_without_name(&event_id(i))
        } else {
            with_id(SEEDS[i % SEEDS.len()], &event_id(i)).into_bytes()
        });
        planned.push(Planned {
            message_id: format!("msg_replica_{i:05}"),
            body: body.clone(),
            shift: 0,
            event: i,
        });
        if i % 10 == 0 {
            planned.push(Planned {
                message_id: format!("msg_replica_{i:05}_again"),
                body,
                shift: 1,
                event: i,
            });
        }
    }
    let deliveries = planned.len();

    // Started together: the schema is created under the advisory lock.
    let names = ["r0", "r1", "r2"];
    let mut replicas: Vec<Option<ReceiverProcess>> = std::thread::scope(|scope| {
        let started: Vec<_> = names
            .iter()
            .map(|name| scope.spawn(|| replica(&store, name)))
            .collect();
        started
            .into_iter()
            .map(|handle| Some(handle.join().unwrap()))
            .collect()
    });
    let balancer = Arc::new(LoadBalancer {
        planned,
        queue: Mutex::new((0..deliveries).collect()),
        acknowledged: AtomicUsize::new(0),
        retries: AtomicUsize::new(0),
        replicas: RwLock::new(
            replicas
                .iter()
                .map(|replica| replica.as_ref().map(|r| r.addr))
                .collect(),
        ),
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(Arc::clone(&balancer).run()))
        .collect();

    let wait_for = |count: usize| {
        let balancer = Arc::clone(&balancer);
        async move {
            while balancer.acknowledged.load(Ordering::SeqCst) < count {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    };
    let mut killed_output = Vec::new();
    let mut kill = |replicas: &mut Vec<Option<ReceiverProcess>>, index: usize| {
        balancer.set(index, None);
        let process = replicas[index].take().unwrap();
        killed_output.push(process.kill());
        balancer.acknowledged.load(Ordering::SeqCst)
    };
    wait_for(1_500).await;
    let r0_killed_at = kill(&mut replicas, 0);
    wait_for(2_500).await;
    let restarted = replica(&store, "r0");
    balancer.set(0, Some(restarted.addr));
    let restarted_with = restarted.inbox_line.clone();
    replicas[0] = Some(restarted);
    wait_for(3_500).await;
    let r1_killed_at = kill(&mut replicas, 1);

    let all = async {
        for client in clients {
            client.await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(180), all)
        .await
        .expect("the sender did not get every delivery acknowledged in 180 s");
    let acknowledged = balancer.acknowledged.load(Ordering::SeqCst);
    let retries = balancer.retries.load(Ordering::SeqCst);
    assert_eq!(acknowledged, deliveries);

    let counts = store.settled().await;
    assert_eq!(
        counts,
        Counts {
            pending: 0,
            handled: i64::try_from(EVENTS).unwrap() - 1,
            dead: 1,
            unreadable: 0
        }
    );

    // Exactly once, across replicas and kills.
    let handled = store.handled_rows().await;
    assert_handled_once_each(
        &handled,
        (0..EVENTS).filter(|&i| i != UNPARSED).map(event_id),
    );
    let mut by_replica: HashMap<String, usize> = HashMap::new();
    for row in &handled {
        *by_replica
            .entry(row.handled_by.clone().unwrap())
            .or_default() += 1;
    }
    assert!(by_replica.len() >= 2, "{by_replica:?}");

    // Deliveries of acknowledged events, again, to the survivor: 202, and
    // nothing new.
    let survivor = replicas[2].as_ref().unwrap().addr;
    let client = client();
    for i in (0..EVENTS).step_by(60) {
        let body = if i == UNPARSED {
            plan_without_name(&event_id(i))
        } else {
            with_id(SEEDS[i % SEEDS.len()], &event_id(i)).into_bytes()
        };
        let headers = signed(&format!("msg_resent_{i}"), now(), &body);
        let (status, _) = post_to(&client, survivor, &headers, body).await.unwrap();
        assert_eq!(status, http::StatusCode::ACCEPTED);
    }
    assert_eq!(store.settled().await, counts);
    assert_eq!(store.handled_rows().await.len(), EVENTS - 1);

    // No session of a killed replica is left on the server (r0's are the
    // restarted one's).
    let sessions = store
        .query(
            "SELECT application_name FROM pg_stat_activity
             WHERE application_name = 'gigs-receiver r1'",
        )
        .await;
    assert!(sessions.is_empty(), "{sessions:?}");

    // The dead letter, through the commands, against the URL.
    let (code, output) = run_receiver(&store, &["dead-letters"]);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.starts_with(&format!(
            "com.gigs.plan.updated {} (parse failed, 1 attempt): data.name: invalid type: null",
            event_id(UNPARSED)
        )),
        "{output}"
    );
    let (code, output) = run_receiver(&store, &["replay"]);
    assert_eq!(code, Some(1), "{output}");

    for replica in replicas.into_iter().flatten() {
        replica.kill();
    }
    let mut shares: Vec<_> = by_replica.into_iter().collect();
    shares.sort();
    println!(
        "replicas: {EVENTS} events in {deliveries} deliveries from {CLIENTS} clients over 3 \
         replicas; r0 killed after {r0_killed_at} acknowledgements and restarted \
         (`{restarted_with}`), r1 killed after {r1_killed_at}; {retries} retries; all \
         {acknowledged} acknowledged; {} handled once each, 1 dead letter; handled by \
         {shares:?}; {:.1?}",
        EVENTS - 1,
        started.elapsed()
    );
}

/// A PostgreSQL restart or failover drops every connection a replica
/// holds, its `LISTEN` connection among them. The replica goes on serving
/// without a restart of its own: a delivery it cannot store meanwhile gets
/// a `5xx`, which Gigs retries, and soon deliveries are stored and handled
/// on new connections, and it listens again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_database_drops_are_replaced() {
    let Some(server) = Server::start(Backend::Postgres, "dropped").await else {
        return;
    };
    let (status, answer) = server
        .deliver("msg_before", with_id(PLAN_UPDATED, "evt_before"))
        .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(server.store.settled().await.handled, 1);
    let listening = "SELECT CAST(count(*) AS TEXT) FROM pg_stat_activity \
                     WHERE datname = current_database() AND query = 'LISTEN gigs_inbox'";
    wait_for(&server.store, listening, 1).await;

    // What a restart does to the replica's connections.
    let dropped = server
        .store
        .count(
            "SELECT CAST(count(pg_terminate_backend(pid)) AS TEXT) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await;
    assert!(dropped >= 2, "only {dropped} connections to drop");

    let mut refused = 0;
    for event in 0..5 {
        let body = with_id(PLAN_UPDATED, &format!("evt_after_{event}"));
        let mut attempts = 0;
        loop {
            let (status, answer) = server
                .deliver(&format!("msg_after_{event}"), body.clone())
                .await;
            if status == 202 {
                break;
            }
            assert!(status.is_server_error(), "{status}: {answer}");
            refused += 1;
            attempts += 1;
            assert!(
                attempts < 20,
                "event {event} still refused: {status}: {answer}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    println!(
        "after {dropped} connections were dropped: {refused} deliveries refused, then all 202"
    );
    let counts = server.store.settled().await;
    assert_eq!((counts.handled, counts.dead), (6, 0));
    wait_for(&server.store, listening, 1).await;
}

/// Waits up to 10 s for `sql`'s count to reach `at_least`.
async fn wait_for(store: &TestInbox, sql: &str, at_least: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let count = store.count(sql).await;
        if count >= at_least {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "after 10 s, {count} rows (wanted {at_least}) of: {sql}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
