//! The axum extractors, fed requests signed by the reference Standard
//! Webhooks library: what each yields, and the status and message of each
//! rejection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::Ipv4Addr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRef, FromRequest};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use gigs_events::axum::{VerifiedWebhook, WebhookEvent, WebhookRejection};
use gigs_events::v2024_12_20::Event;
use gigs_events::webhook::{VerifyError, Webhook};
use gigs_events::{Error, RawEvent, VersionedEvent};
use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const PLAN_UPDATED: &[u8] = include_bytes!("../../tests/fixtures/seeds/plan.updated.json");

/// A request to `/webhooks` with `body`, signed now by the reference
/// implementation under these header names (`webhook-` or `svix-`).
fn signed_request(prefix: &str, message_id: &str, body: &[u8]) -> Request<Body> {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let reference = standardwebhooks::Webhook::new(SECRET).unwrap();
    let signature = reference
        .sign(message_id, i64::try_from(timestamp).unwrap(), body)
        .unwrap();
    Request::post("/webhooks")
        .header(format!("{prefix}-id"), message_id)
        .header(format!("{prefix}-timestamp"), timestamp.to_string())
        .header(format!("{prefix}-signature"), signature)
        .body(Body::from(body.to_vec()))
        .unwrap()
}

fn webhook() -> Webhook {
    Webhook::new(SECRET).unwrap()
}

/// The status and text of the response a rejection gives.
async fn answer(rejection: WebhookRejection) -> (StatusCode, String) {
    let response = rejection.into_response();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn verified_webhook_yields_the_body_as_signed_and_the_delivery_id() {
    let request = signed_request("webhook", "msg_1", PLAN_UPDATED);
    let delivery = VerifiedWebhook::from_request(request, &webhook())
        .await
        .unwrap();
    assert_eq!(delivery.message_id(), "msg_1");
    assert_eq!(delivery.body(), &Bytes::from_static(PLAN_UPDATED));
    let envelope = delivery.parse::<RawEvent>().unwrap();
    assert_eq!(envelope.id(), "evt_0SNlurA049MEWV5gNTcQ5A07h3Ol");
    assert!(matches!(
        delivery.parse::<VersionedEvent>().unwrap(),
        VersionedEvent::V2024_08_29(_)
    ));

    // Svix's header names work the same.
    let request = signed_request("svix", "msg_2", PLAN_UPDATED);
    let delivery = VerifiedWebhook::from_request(request, &webhook())
        .await
        .unwrap();
    assert_eq!(delivery.message_id(), "msg_2");
}

#[tokio::test]
async fn verified_webhook_takes_no_body_that_is_not_authentic() {
    let mut request = signed_request("webhook", "msg_1", PLAN_UPDATED);
    *request.body_mut() = Body::from(PLAN_UPDATED.to_ascii_uppercase());
    let rejection = VerifiedWebhook::from_request(request, &webhook())
        .await
        .unwrap_err();
    assert!(matches!(
        rejection,
        WebhookRejection::Verify(VerifyError::NoMatchingSignature)
    ));
    assert_eq!(
        answer(rejection).await,
        (
            StatusCode::UNAUTHORIZED,
            "no matching webhook signature".to_owned()
        )
    );

    let other = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let request = signed_request("webhook", "msg_1", PLAN_UPDATED);
    let rejection = VerifiedWebhook::from_request(request, &other)
        .await
        .unwrap_err();
    let (status, message) = answer(rejection).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!message.contains("C2FVsBQIhrscChlQIMV"), "{message}");
    assert!(!message.contains("MfKQ9r8GKYqrTwjUPD8"), "{message}");

    let request = Request::post("/webhooks")
        .body(Body::from(PLAN_UPDATED))
        .unwrap();
    let rejection = VerifiedWebhook::from_request(request, &webhook())
        .await
        .unwrap_err();
    assert_eq!(
        answer(rejection).await,
        (
            StatusCode::UNAUTHORIZED,
            "missing webhook-id header (or svix-id)".to_owned()
        )
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_axums_413() {
    let app = Router::new()
        .route(
            "/webhooks",
            post(|delivery: VerifiedWebhook| async move { delivery.into_body() }),
        )
        .layer(DefaultBodyLimit::max(64))
        .with_state(webhook());
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::builder(TokioExecutor::new()).build_http();

    let (parts, body) = signed_request("webhook", "msg_1", PLAN_UPDATED).into_parts();
    let mut request = Request::from_parts(parts, body);
    *request.uri_mut() = format!("http://{addr}/webhooks").parse().unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Within the limit, the handler gets the body.
    let small = br#"{"type":"com.gigs.plan.updated","id":"evt_1"}"#;
    let (parts, body) = signed_request("webhook", "msg_2", small).into_parts();
    let mut request = Request::from_parts(parts, body);
    *request.uri_mut() = format!("http://{addr}/webhooks").parse().unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let echoed = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&echoed[..], small);
}

#[tokio::test]
async fn webhook_event_parses_into_any_event_type() {
    let request = signed_request("webhook", "msg_1", PLAN_UPDATED);
    let WebhookEvent { event, delivery } = WebhookEvent::<Event>::from_request(request, &webhook())
        .await
        .unwrap();
    assert_eq!(event.event_type(), "com.gigs.plan.updated");
    assert!(matches!(event, Event::PlanUpdated(_)));
    assert_eq!(delivery.body(), &Bytes::from_static(PLAN_UPDATED));
}

#[tokio::test]
async fn webhook_event_rejects_what_is_no_event_with_400() {
    let request = signed_request("webhook", "msg_1", b"[1, 2]");
    let rejection = WebhookEvent::<Event>::from_request(request, &webhook())
        .await
        .unwrap_err();
    assert!(matches!(
        rejection,
        WebhookRejection::NotAnEvent(Error::Envelope { .. })
    ));
    assert_eq!(
        answer(rejection).await,
        (
            StatusCode::BAD_REQUEST,
            "not a Gigs event: expected a Gigs event envelope (a JSON object), found an array"
                .to_owned()
        )
    );
}

#[tokio::test]
async fn webhook_event_keeps_an_authentic_event_it_cannot_parse() {
    let body = String::from_utf8(PLAN_UPDATED.to_vec())
        .unwrap()
        .replace("\"amount\": 999", "\"amount\": \"999\"");
    let request = signed_request("webhook", "msg_1", body.as_bytes());
    let rejection = WebhookEvent::<VersionedEvent>::from_request(request, &webhook())
        .await
        .unwrap_err();
    let WebhookRejection::Unparsed(unparsed) = &rejection else {
        panic!("{rejection:?}");
    };
    // Everything needed to store it as a dead letter.
    assert_eq!(unparsed.delivery.message_id(), "msg_1");
    assert_eq!(unparsed.delivery.body(), body.as_bytes());
    assert_eq!(unparsed.error.path(), Some("data.price.amount"));
    assert_eq!(
        answer(rejection).await,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "authentic event not parsed: data.price.amount: invalid type: string \"999\", \
             expected i64 (in a com.gigs.plan.updated event)"
                .to_owned()
        )
    );
}

/// An application's state, with the verifier in it.
#[derive(Clone)]
struct AppState {
    webhook: Webhook,
}

impl FromRef<AppState> for Webhook {
    fn from_ref(state: &AppState) -> Self {
        state.webhook.clone()
    }
}

#[tokio::test]
async fn the_verifier_comes_from_any_state_that_holds_one() {
    let state = AppState { webhook: webhook() };
    let request = signed_request("webhook", "msg_1", PLAN_UPDATED);
    assert!(
        WebhookEvent::<RawEvent>::from_request(request, &state)
            .await
            .is_ok()
    );
}
