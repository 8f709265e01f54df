//! Extracting verified webhook deliveries in [axum](https://docs.rs/axum/0.8)
//! handlers.
//!
//! Both extractors read the raw body and the headers of the request, and
//! verify the signature with the [`Webhook`] found in the router's state
//! (the state itself, or any state with `Webhook: FromRef<S>`), before
//! anything is parsed:
//!
//! - [`VerifiedWebhook`] yields the authentic body, unparsed, and the
//!   delivery id. Parsing is a separate step,
//!   [`VerifiedWebhook::parse`], so that the handler decides what becomes of
//!   an authentic body this build cannot type.
//! - [`WebhookEvent<E>`] also parses the body into `E`, any [`ParseEvent`]
//!   type: a version's `Event`, [`VersionedEvent`](crate::VersionedEvent),
//!   or [`RawEvent`](crate::RawEvent) for the envelope alone.
//!
//! # Which one to take
//!
//! Gigs retries a delivery that gets no `2xx`, and disables an endpoint that
//! keeps failing. An authentic event whose `data` this build cannot type
//! (say a field Gigs has started to send as `null`) is not the sender's
//! fault, and answering it with an error makes Gigs retry it, then switch
//! the endpoint off. A receiver that must not lose events takes
//! [`VerifiedWebhook`], stores the body, answers `2xx`, and parses later,
//! keeping what does not parse as a dead letter to replay once the crate is
//! updated: the crate's example receiver (`examples/receiver/`) does that
//! with an SQLite inbox.
//!
//! [`WebhookEvent<E>`] suits handlers that can afford to answer an error
//! for such an event (it is a `500`, and Gigs retries it). Taken as
//! `Result<WebhookEvent<E>, WebhookRejection>`, it lets the handler see the
//! rejection first: [`WebhookRejection::Unparsed`] still holds the verified
//! delivery.
//!
//! # Rejections
//!
//! [`WebhookRejection`] answers with:
//!
//! | variant | status | body |
//! |---|---|---|
//! | [`Body`](WebhookRejection::Body) | axum's (`400`, `413`, …) | axum's message |
//! | [`Verify`](WebhookRejection::Verify) | `401 Unauthorized` | the check that failed, such as `no matching webhook signature` |
//! | [`NotAnEvent`](WebhookRejection::NotAnEvent) | `400 Bad Request` | the parse error: not JSON, or no event envelope |
//! | [`Unparsed`](WebhookRejection::Unparsed) | `500 Internal Server Error` | the parse error, naming the JSON path |
//!
//! No message ever holds the secret or the expected signature.
//!
//! # Example
//!
//! ```
//! use axum::Router;
//! use axum::http::StatusCode;
//! use axum::routing::post;
//! use gigs_events::axum::WebhookEvent;
//! use gigs_events::v2024_12_20::Event;
//! use gigs_events::webhook::Webhook;
//!
//! async fn webhooks(WebhookEvent { event, .. }: WebhookEvent<Event>) -> StatusCode {
//!     match event {
//!         Event::PlanUpdated(event) => println!("plan {} changed", event.data.id),
//!         other => println!("not handled: {}", other.event_type()),
//!     }
//!     StatusCode::NO_CONTENT
//! }
//!
//! let webhook = Webhook::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let app: Router = Router::new()
//!     .route("/webhooks", post(webhooks))
//!     .with_state(webhook.clone());
//! # // Serve it with `axum::serve(listener, app)`; here, one request goes
//! # // through the extractor directly.
//! # use axum::body::Body;
//! # use axum::extract::FromRequest as _;
//! # use axum::http::Request;
//! # use axum::response::IntoResponse as _;
//! # use gigs_events::axum::WebhookRejection;
//! # let body = include_bytes!("../../../tests/fixtures/seeds/plan.updated.json");
//! # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
//! # let request = |signature: String| {
//! #     Request::post("/webhooks")
//! #         .header("webhook-id", "msg_1")
//! #         .header("webhook-timestamp", now.to_string())
//! #         .header("webhook-signature", signature)
//! #         .body(Body::from(&body[..]))
//! # };
//! # let runtime = tokio::runtime::Runtime::new()?;
//! # let signed = request(webhook.sign("msg_1", now, body))?;
//! # let extracted = runtime.block_on(WebhookEvent::<Event>::from_request(signed, &webhook));
//! # let Ok(WebhookEvent { event, delivery }) = extracted else { panic!("{extracted:?}") };
//! # assert!(matches!(event, Event::PlanUpdated(_)));
//! # assert_eq!(delivery.message_id(), "msg_1");
//! # let forged = request(webhook.sign("msg_1", now, b"{}"))?;
//! # let rejected = runtime.block_on(WebhookEvent::<Event>::from_request(forged, &webhook));
//! # let Err(rejection) = rejected else { panic!("a forged delivery was accepted") };
//! # assert!(matches!(rejection, WebhookRejection::Verify(_)));
//! # assert_eq!(rejection.into_response().status(), StatusCode::UNAUTHORIZED);
//! # drop(app);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::webhook::{VerifyError, Webhook, WebhookHeader};
use crate::{Error, ParseEvent};

/// An authentic delivery: its signature checked against the raw body, which
/// is kept exactly as received and not parsed.
///
/// As an extractor it reads the whole body (within axum's body limit) and
/// verifies it with the state's [`Webhook`]; it is rejected with a
/// [`WebhookRejection`] otherwise. Parse it with [`parse`](Self::parse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedWebhook {
    message_id: String,
    body: Bytes,
}

impl VerifiedWebhook {
    /// The delivery's id, from `webhook-id` (or `svix-id`): the same for
    /// every retry of one delivery, and signed with the body. Event
    /// de-duplication should key on the event's `id` instead, which is
    /// the same in every delivery of the event.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The body, exactly as received and signed.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, exactly as received and signed.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// Parses the body into any [`ParseEvent`] type, such as a version's
    /// `Event`.
    ///
    /// # Errors
    ///
    /// The [`Error`] saying why, and where in the body.
    pub fn parse<E: ParseEvent>(&self) -> Result<E, Error> {
        E::from_json(&self.body)
    }
}

impl<S> FromRequest<S> for VerifiedWebhook
where
    Webhook: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let webhook = Webhook::from_ref(state);
        // Reading the body consumes the request; the headers are needed
        // after it, to check the signature against the body.
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(WebhookRejection::Body)?;
        webhook
            .verify(&headers, &body)
            .map_err(WebhookRejection::Verify)?;
        Ok(Self {
            message_id: message_id(&headers),
            body,
        })
    }
}

/// The id of a verified delivery: verification made sure it is there once,
/// or equal under both names.
fn message_id(headers: &HeaderMap) -> String {
    let header = WebhookHeader::Id;
    headers
        .get(header.name())
        .or_else(|| headers.get(header.svix_name()))
        .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
        .unwrap_or_default()
}

/// An authentic delivery, parsed into `E`.
///
/// As an extractor it is a [`VerifiedWebhook`] followed by
/// [`parse`](VerifiedWebhook::parse); see the [module](self) docs for what
/// its rejections answer.
#[derive(Debug, Clone)]
pub struct WebhookEvent<E> {
    /// The event.
    pub event: E,
    /// The verified delivery it was parsed from.
    pub delivery: VerifiedWebhook,
}

impl<S, E> FromRequest<S> for WebhookEvent<E>
where
    Webhook: FromRef<S>,
    S: Send + Sync,
    E: ParseEvent,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let delivery = VerifiedWebhook::from_request(request, state).await?;
        match delivery.parse() {
            Ok(event) => Ok(Self { event, delivery }),
            Err(error @ (Error::Syntax { .. } | Error::Envelope { .. })) => {
                Err(WebhookRejection::NotAnEvent(error))
            }
            Err(error) => Err(WebhookRejection::Unparsed(Box::new(Unparsed {
                delivery,
                error,
            }))),
        }
    }
}

/// Why a request yielded no [`VerifiedWebhook`] or [`WebhookEvent`], and
/// the answer to give it (see the [module](self) docs).
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The body could not be read: too large for axum's body limit, or the
    /// connection failed.
    Body(BytesRejection),
    /// The signature check failed: the delivery is not authentic, or too
    /// old or too new. `401 Unauthorized`.
    Verify(VerifyError),
    /// [`WebhookEvent`] only: the delivery is authentic, but its body is
    /// not JSON or not an event envelope (no `type` or `id`), so not an
    /// event at all. `400 Bad Request`.
    NotAnEvent(Error),
    /// [`WebhookEvent`] only: an authentic event whose data does not match
    /// the type its envelope names, as far as this build knows it. `500
    /// Internal Server Error`: the receiver is out of date, not the sender
    /// wrong.
    Unparsed(Box<Unparsed>),
}

/// An authentic event that [`WebhookEvent`] could not parse, kept whole so
/// that the handler can still store it.
#[derive(Debug, Clone)]
pub struct Unparsed {
    /// The verified delivery.
    pub delivery: VerifiedWebhook,
    /// Why its body did not parse.
    pub error: Error,
}

impl WebhookRejection {
    /// The status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Body(rejection) => rejection.status(),
            Self::Verify(_) => StatusCode::UNAUTHORIZED,
            Self::NotAnEvent(_) => StatusCode::BAD_REQUEST,
            Self::Unparsed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Body(rejection) => f.write_str(&rejection.body_text()),
            Self::Verify(error) => error.fmt(f),
            Self::NotAnEvent(error) => error.fmt(f),
            Self::Unparsed(unparsed) => write!(f, "authentic event not parsed: {}", unparsed.error),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Body(rejection) => Some(rejection),
            Self::Verify(error) => Some(error),
            Self::NotAnEvent(error) => Some(error),
            Self::Unparsed(unparsed) => Some(&unparsed.error),
        }
    }
}

/// The status, and the [`Display`](fmt::Display) text as a `text/plain`
/// body.
impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}
