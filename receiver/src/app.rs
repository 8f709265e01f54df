//! The receiver: `POST /webhooks` verifies, stores, then acknowledges; a
//! task handles what is stored.
//!
//! Answers:
//!
//! - `202 Accepted`: stored (or already stored); handled later. That
//!   includes an authentic body that is no event envelope at all: it is
//!   kept as a dead letter under its delivery id, since Gigs retrying it
//!   for days would change nothing.
//! - `401 Unauthorized`: the signature check failed; the body names the
//!   check, never the secret or the expected signature. Nothing is stored.
//!   Headers that fail on their own (missing, stale timestamp) are refused
//!   before the body is read.
//! - `404`, `405`: anything but `POST /webhooks`.
//! - `408 Request Timeout`: the body took longer than the body timeout.
//! - `413 Content Too Large`: the body is over the body limit.
//! - `503 Service Unavailable`: the inbox could not store the delivery;
//!   the sender retries later.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use gigs_events::VersionedEvent;
use gigs_events::webhook::{VerifyError, Webhook};
use http::header::{ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use tokio::sync::Notify;

use crate::config::Limits;
use crate::group_commit::{GroupCommit, StoreError};
use crate::inbox::{Attempt, Delivery, Handler, Inbox, Location, Stored};

/// The path deliveries are posted to.
pub const PATH: &str = "/webhooks";

/// How long the handling task waits after a database error before trying
/// again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// How often the handling task looks for pending events without being
/// woken, on PostgreSQL: a wake-up from another replica can be lost while
/// the `LISTEN` connection is being re-established.
const POLL: Duration = Duration::from_secs(1);

/// How many pending events one handling transaction takes: fewer with
/// several replicas, so that they share the work.
fn batch_size(location: &Location) -> usize {
    match location {
        Location::Postgres(_) => 16,
        Location::File(_) | Location::Memory => 64,
    }
}

/// A future that stores one delivery.
pub type StoreFuture<'a> = Pin<Box<dyn Future<Output = Result<Stored, StoreError>> + Send + 'a>>;

/// Where verified deliveries go: the inbox, through group commit; or, to
/// measure the receiver without it, anything else.
pub trait Store: Send + Sync + 'static {
    /// Stores `delivery`; returns once it is durable.
    fn store(&self, delivery: Delivery) -> StoreFuture<'_>;
}

impl Store for GroupCommit {
    fn store(&self, delivery: Delivery) -> StoreFuture<'_> {
        Box::pin(GroupCommit::store(self, delivery))
    }
}

/// The running receiver: what every request shares. Cheap to clone.
#[derive(Clone)]
pub struct Receiver {
    webhook: Webhook,
    store: Arc<dyn Store>,
    /// Wakes the handling task when an event is stored.
    work: Arc<Notify>,
    limits: Limits,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("webhook", &self.webhook)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// Starts the task that stores deliveries in `inbox`, and the task that
    /// handles events from it with `handler`, first those left pending
    /// before, reporting each attempt to `on_attempt`. Must be called
    /// within a tokio runtime; the tasks run until the runtime stops.
    pub fn start(
        webhook: Webhook,
        inbox: Inbox,
        handler: Arc<Handler<VersionedEvent>>,
        limits: Limits,
        on_attempt: impl Fn(&Attempt) + Send + Sync + 'static,
    ) -> Self {
        let work = Arc::new(Notify::new());
        let poll = match &inbox {
            Inbox::Postgres(postgres) => {
                postgres.listen(Arc::clone(&work));
                Some(POLL)
            }
            Inbox::Sqlite(_) => None,
        };
        tokio::spawn(handle_inbox(
            inbox.clone(),
            Arc::clone(&work),
            poll,
            handler,
            on_attempt,
        ));
        Self {
            webhook,
            store: Arc::new(GroupCommit::start(inbox)),
            work,
            limits,
        }
    }

    /// A receiver that verifies deliveries and hands them to `store`,
    /// without handling anything.
    pub fn with_store(webhook: Webhook, store: Arc<dyn Store>, limits: Limits) -> Self {
        Self {
            webhook,
            store,
            work: Arc::new(Notify::new()),
            limits,
        }
    }

    /// Answers one request.
    pub async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.uri().path() != PATH {
            return plain(
                StatusCode::NOT_FOUND,
                "not found: deliveries go to POST /webhooks",
            );
        }
        if request.method() != Method::POST {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only POST is served");
            response
                .headers_mut()
                .insert(ALLOW, http::HeaderValue::from_static("POST"));
            return response;
        }
        // What can be checked without the body is, before reading it: an
        // unsigned flood costs no body reads.
        if let Some(rejection) = self.check_headers(request.headers()) {
            return rejection;
        }
        let (parts, body) = request.into_parts();
        let body = match self.read_body(&parts.headers, body).await {
            Ok(body) => body,
            Err(rejection) => return *rejection,
        };
        if let Err(error) = self.webhook.verify(&parts.headers, &body) {
            eprintln!("rejected a delivery (401): {error}");
            return plain(StatusCode::UNAUTHORIZED, &error.to_string());
        }
        let message_id = delivery_id(&parts.headers);
        let delivery = Delivery::read(message_id, body.to_vec());
        match self.store.store(delivery).await {
            Ok(Stored::New) => {
                self.work.notify_one();
                empty(StatusCode::ACCEPTED)
            }
            Ok(Stored::Unreadable) => {
                eprintln!(
                    "kept delivery {} as a dead letter: authentic, but not an event",
                    delivery_id(&parts.headers)
                );
                empty(StatusCode::ACCEPTED)
            }
            Ok(Stored::Duplicate) => empty(StatusCode::ACCEPTED),
            Err(error) => {
                eprintln!("error: the inbox could not store a delivery (503): {error}");
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the delivery could not be stored; retry later",
                )
            }
        }
    }

    /// The signature checks that do not need the body: headers present,
    /// timestamp fresh.
    /// The rejection, if they fail.
    fn check_headers(&self, headers: &HeaderMap) -> Option<Response<Full<Bytes>>> {
        match self.webhook.verify(headers, b"") {
            Ok(()) | Err(VerifyError::NoMatchingSignature | VerifyError::MalformedSignature) => {
                None
            }
            Err(error) => {
                eprintln!("rejected a delivery (401): {error}");
                Some(plain(StatusCode::UNAUTHORIZED, &error.to_string()))
            }
        }
    }

    /// Reads the body, within the body limit and the body timeout.
    async fn read_body(
        &self,
        headers: &HeaderMap,
        body: Incoming,
    ) -> Result<Bytes, Box<Response<Full<Bytes>>>> {
        let limit = self.limits.body_limit;
        let too_large = || {
            Box::new(closing(plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the body is over the limit of {limit} bytes"),
            )))
        };
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit as u64) {
            return Err(too_large());
        }
        let read = Limited::new(body, limit).collect();
        match tokio::time::timeout(self.limits.body_timeout, read).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
                Err(too_large())
            }
            Ok(Err(error)) => Err(Box::new(closing(plain(
                StatusCode::BAD_REQUEST,
                &format!("the body could not be read: {error}"),
            )))),
            Err(_) => {
                eprintln!("closed a connection whose body took longer than the body timeout");
                Err(Box::new(closing(plain(
                    StatusCode::REQUEST_TIMEOUT,
                    "the body took too long to arrive",
                ))))
            }
        }
    }
}

/// The delivery id: `webhook-id`, or `svix-id` (the verifier has checked
/// that they agree when both are there).
fn delivery_id(headers: &HeaderMap) -> String {
    headers
        .get("webhook-id")
        .or_else(|| headers.get("svix-id"))
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// An answer without a body.
fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// An answer with a plain-text body.
fn plain(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(message.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `response`, closing the connection after it: the rest of the request
/// was not read.
fn closing(mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    response
        .headers_mut()
        .insert(CONNECTION, http::HeaderValue::from_static("close"));
    response
}

/// The handling task: takes pending events in batches until none is left,
/// then waits to be woken by a new one (or, with `poll`, that long).
async fn handle_inbox(
    inbox: Inbox,
    work: Arc<Notify>,
    poll: Option<Duration>,
    handler: Arc<Handler<VersionedEvent>>,
    on_attempt: impl Fn(&Attempt) + Send + Sync + 'static,
) {
    let batch = batch_size(inbox.location());
    loop {
        match inbox.handle_pending(batch, Arc::clone(&handler)).await {
            Ok(attempts) if attempts.is_empty() => match poll {
                Some(poll) => {
                    let _ = tokio::time::timeout(poll, work.notified()).await;
                }
                None => work.notified().await,
            },
            Ok(attempts) => attempts.iter().for_each(&on_attempt),
            Err(error) => {
                eprintln!("error: handling from the inbox failed, retrying: {error}");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}
