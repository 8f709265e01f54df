//! What the receiver's tests share: signed deliveries, fixtures, a
//! throwaway PostgreSQL cluster, inboxes on either backend, the receiver
//! served in process or as its binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod postgres;

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader, Read as _};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gigs_events::VersionedEvent;
use gigs_events::webhook::Webhook;
use gigs_receiver::app::Receiver;
use gigs_receiver::config::Limits;
use gigs_receiver::inbox::{Counts, Handler, Inbox, InboxOptions, Location, Synchronous};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The event id every seed payload has.
pub const SEED_ID: &str = "evt_0SNlurA049MEWV5gNTcQ5A07h3Ol";

pub const PLAN_UPDATED: &str = include_str!("../../../tests/fixtures/seeds/plan.updated.json");
pub const ADDON_UPDATED: &str = include_str!("../../../tests/fixtures/seeds/addon.updated.json");
pub const ESIM_PROFILE_UPDATED: &str =
    include_str!("../../../tests/fixtures/seeds/eSimProfile.updated.json");
pub const SUBSCRIPTION_CHANGE_DELETED: &str =
    include_str!("../../../tests/fixtures/seeds/subscriptionChange.deleted.json");

/// Every seed, in three API versions between them.
pub const SEEDS: [&str; 4] = [
    PLAN_UPDATED,
    ADDON_UPDATED,
    ESIM_PROFILE_UPDATED,
    SUBSCRIPTION_CHANGE_DELETED,
];

/// A directory of its own for one test, under cargo's scratch directory
/// for integration tests; removed when the test passes, kept for a look
/// when it fails.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("receiver")
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("inbox.db")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The three signature headers of a delivery, signed by the reference
/// Standard Webhooks implementation with `secret`.
pub fn signed_with(
    secret: &str,
    message_id: &str,
    timestamp: u64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let reference = standardwebhooks::Webhook::new(secret).unwrap();
    let signature = reference
        .sign(message_id, i64::try_from(timestamp).unwrap(), body)
        .unwrap();
    vec![
        ("webhook-id", message_id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ]
}

/// A delivery signed with the receiver's secret.
pub fn signed(message_id: &str, timestamp: u64, body: &[u8]) -> Vec<(&'static str, String)> {
    signed_with(SECRET, message_id, timestamp, body)
}

/// The current Unix time in seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A seed payload, exactly as in the fixture but for its event id.
pub fn with_id(seed: &str, event_id: &str) -> String {
    seed.replacen(SEED_ID, event_id, 1)
}

/// A seed payload, edited as JSON.
pub fn edited(seed: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_str(seed).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// A plan.updated whose plan has `"name": null`, which the spec does not
/// allow: an authentic body that does not parse.
pub fn plan_without_name(event_id: &str) -> Vec<u8> {
    edited(PLAN_UPDATED, |event| {
        event["id"] = json!(event_id);
        event["data"]["name"] = Value::Null;
    })
}

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// An HTTP/1 client for the loopback interface.
pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Posts `body` to `http://{addr}/webhooks` with these headers; the status
/// and the response body.
pub async fn post_to(
    client: &HttpClient,
    addr: SocketAddr,
    headers: &[(&str, String)],
    body: impl Into<Bytes>,
) -> Result<(http::StatusCode, String), BoxError> {
    let mut request = http::Request::post(format!("http://{addr}/webhooks"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = client
        .request(request.body(Full::new(body.into()))?)
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8(body.to_vec())?))
}

/// Which backend an inbox test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An empty inbox of one test: an SQLite file in its scratch directory, or
/// a database of its own on the test cluster.
pub struct TestInbox {
    pub location: Location,
    pub scratch: Scratch,
}

/// One row of the handler's `handled` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandledRow {
    pub event_id: String,
    pub event_type: String,
    pub version: Option<String>,
    pub outcome: String,
    pub summary: String,
    pub handled_by: Option<String>,
}

/// Asserts that `handled` has one row for each of `expected`, and no other.
pub fn assert_handled_once_each(
    handled: &[HandledRow],
    expected: impl IntoIterator<Item = String>,
) {
    let expected: HashSet<String> = expected.into_iter().collect();
    let ids: HashSet<&str> = handled.iter().map(|row| row.event_id.as_str()).collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|id| !ids.contains(id.as_str()))
        .collect();
    let unexpected: Vec<_> = ids.iter().filter(|id| !expected.contains(**id)).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "not handled: {missing:?}; handled, though not expected: {unexpected:?}"
    );
    assert_eq!(
        handled.len(),
        expected.len(),
        "some event was handled twice"
    );
}

impl TestInbox {
    /// `None` when PostgreSQL is asked for and not installed (outside CI).
    pub fn new(backend: Backend, name: &str) -> Option<Self> {
        let scratch = Scratch::new(name);
        let location = match backend {
            Backend::Sqlite => Location::File(scratch.db()),
            Backend::Postgres => Location::Postgres(postgres::database(name)?),
        };
        Some(Self { location, scratch })
    }

    /// The options to open it with, as `replica`.
    pub fn options(&self, replica: &str) -> InboxOptions {
        InboxOptions {
            location: self.location.clone(),
            synchronous: Synchronous::Normal,
            replica: replica.to_owned(),
        }
    }

    pub async fn open(&self) -> Inbox {
        Inbox::open(&self.options("test")).await.unwrap()
    }

    /// The environment variable that names this inbox to the binary.
    pub fn env(&self) -> (&'static str, String) {
        match &self.location {
            Location::File(path) => ("GIGS_INBOX_PATH", path.display().to_string()),
            Location::Postgres(url) => ("GIGS_INBOX_URL", url.clone()),
            Location::Memory => unreachable!("tests keep their inbox"),
        }
    }

    /// Runs `sql`, whose columns are all text (or NULL), through a
    /// connection of its own, as another process would.
    pub async fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match &self.location {
            Location::File(path) => {
                let connection = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .unwrap();
                connection.busy_timeout(Duration::from_secs(10)).unwrap();
                let mut select = connection.prepare(sql).unwrap();
                let columns = select.column_count();
                select
                    .query_map([], |row| {
                        (0..columns)
                            .map(|i| row.get::<_, Option<String>>(i))
                            .collect()
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Location::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client
                    .query(sql, &[])
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
                    .collect()
            }
            Location::Memory => unreachable!("tests keep their inbox"),
        }
    }

    /// One number from `sql`.
    pub async fn count(&self, sql: &str) -> i64 {
        let rows = self.query(sql).await;
        rows[0][0].as_deref().unwrap().parse().unwrap()
    }

    /// How many rows the inbox has: stored events, whatever their state.
    pub async fn stored_events(&self) -> i64 {
        self.count("SELECT CAST(count(*) AS TEXT) FROM inbox").await
            + self
                .count("SELECT CAST(count(*) AS TEXT) FROM unreadable")
                .await
    }

    /// The `handled` table, in the order the rows were written.
    pub async fn handled_rows(&self) -> Vec<HandledRow> {
        self.query(
            "SELECT event_id, event_type, version, outcome, summary, handled_by
             FROM handled ORDER BY seq",
        )
        .await
        .into_iter()
        .map(|row| {
            let mut row = row.into_iter();
            let mut next = || row.next().unwrap();
            HandledRow {
                event_id: next().unwrap(),
                event_type: next().unwrap(),
                version: next(),
                outcome: next().unwrap(),
                summary: next().unwrap(),
                handled_by: next(),
            }
        })
        .collect()
    }

    /// The body stored for `event_id`, as text.
    pub async fn body_of(&self, event_id: &str) -> String {
        let body = match self.location {
            Location::Postgres(_) => "convert_from(body, 'UTF8')",
            _ => "CAST(body AS TEXT)",
        };
        let rows = self
            .query(&format!(
                "SELECT {body} FROM inbox WHERE event_id = '{event_id}'"
            ))
            .await;
        rows[0][0].clone().unwrap()
    }

    /// The counts, read through a connection of their own.
    pub async fn counts(&self) -> Counts {
        let count = |state: &'static str| {
            format!("SELECT CAST(count(*) AS TEXT) FROM inbox WHERE state = '{state}'")
        };
        let unreadable = self
            .count("SELECT CAST(count(*) AS TEXT) FROM unreadable")
            .await;
        Counts {
            pending: self.count(&count("pending")).await,
            handled: self.count(&count("handled")).await,
            dead: self.count(&count("dead")).await + unreadable,
            unreadable,
        }
    }

    /// Waits until no event is pending; the counts then.
    pub async fn settled(&self) -> Counts {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let counts = self.counts().await;
            if counts.pending == 0 {
                return counts;
            }
            assert!(
                Instant::now() < deadline,
                "events still pending after 60 s: {counts:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The receiver served in this process on a free loopback port, with its
/// inbox on one backend (it stops with the test's runtime).
pub struct Server {
    pub addr: SocketAddr,
    pub inbox: Inbox,
    pub store: TestInbox,
    pub client: HttpClient,
}

impl Server {
    /// With the receiver's own handler; `None` when the backend is not
    /// available here.
    pub async fn start(backend: Backend, name: &str) -> Option<Self> {
        Self::start_with(backend, name, Arc::new(gigs_receiver::handler::handle)).await
    }

    pub async fn start_with(
        backend: Backend,
        name: &str,
        handler: Arc<Handler<VersionedEvent>>,
    ) -> Option<Self> {
        let store = TestInbox::new(backend, name)?;
        let inbox = Inbox::open(&store.options("test")).await.unwrap();
        let receiver = Receiver::start(
            Webhook::new(SECRET).unwrap(),
            inbox.clone(),
            handler,
            Limits::default(),
            |_| {},
        );
        let addr = serve_on_loopback(receiver).await;
        Some(Self {
            addr,
            inbox,
            store,
            client: client(),
        })
    }

    pub async fn post(
        &self,
        headers: &[(&str, String)],
        body: impl Into<Bytes>,
    ) -> (http::StatusCode, String) {
        post_to(&self.client, self.addr, headers, body)
            .await
            .unwrap()
    }

    /// Posts `body` signed now, as delivery `message_id`.
    pub async fn deliver(
        &self,
        message_id: &str,
        body: impl Into<Bytes>,
    ) -> (http::StatusCode, String) {
        let body = body.into();
        let headers = signed(message_id, now(), &body);
        self.post(&headers, body).await
    }
}

/// Serves `receiver` on a free loopback port until the runtime stops.
pub async fn serve_on_loopback(receiver: Receiver) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(gigs_receiver::server::serve(
        listener,
        receiver,
        Limits::default(),
        std::future::pending(),
    ));
    addr
}

/// The `gigs-receiver` binary with `args`, the test secret, a free port,
/// and the inbox `inbox` names.
pub fn receiver_command(inbox: &TestInbox, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gigs-receiver"));
    let (name, value) = inbox.env();
    command
        .args(args)
        .env_remove("GIGS_INBOX_PATH")
        .env_remove("GIGS_INBOX_URL")
        .env("GIGS_WEBHOOK_SECRET", SECRET)
        .env("GIGS_WEBHOOK_ADDR", "127.0.0.1:0")
        .env(name, value)
        .stdin(Stdio::null());
    command
}

/// Runs the binary's `args` to completion; its exit code and standard
/// output.
pub fn run_receiver(inbox: &TestInbox, args: &[&str]) -> (Option<i32>, String) {
    let output = receiver_command(inbox, args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// A receiver process serving on a free port.
pub struct ReceiverProcess {
    pub child: Child,
    pub addr: SocketAddr,
    /// What it said at start about the inbox.
    pub inbox_line: String,
    /// Everything it printed after listening, once it has exited.
    output: Option<std::thread::JoinHandle<String>>,
}

impl ReceiverProcess {
    /// Starts `command` (a `serve`), and waits until it listens. Its output
    /// is read to the end by a thread of its own, so that it never blocks
    /// on a full pipe.
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut inbox_line = String::new();
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert_ne!(
                stdout.read_line(&mut line).unwrap(),
                0,
                "the receiver exited before listening"
            );
            if line.starts_with("inbox ") {
                inbox_line = line.trim().to_owned();
            }
            if let Some(rest) = line.strip_prefix("listening on http://") {
                break rest.trim().trim_end_matches("/webhooks").parse().unwrap();
            }
        };
        let output = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
            rest
        });
        Self {
            child,
            addr,
            inbox_line,
            output: Some(output),
        }
    }

    /// SIGKILL: no chance to finish anything. What it printed.
    pub fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.output.take().unwrap().join().unwrap()
    }

    /// Sends `signal` (by name, as `kill -s` takes it).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for ReceiverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
