//! A Gigs webhook receiver that never loses an authentic event: verify,
//! store durably, acknowledge; then handle from the store, keep what fails
//! as a dead letter, and replay it once the crate is fixed.
//!
//! Gigs delivers each event at least once, retries a delivery that gets no
//! `2xx`, and disables an endpoint that keeps failing. So this receiver
//! acknowledges every authentic delivery, and only once it is safely
//! stored, and keeps serving whoever else connects to its port:
//!
//! 1. `POST /webhooks` checks the signature on the raw body
//!    ([`gigs_events::webhook::Webhook`]); nothing is parsed yet. The
//!    connection's headers, body size, body time and how long it may
//!    leave its answers unread are limited ([`server`], [`config::Limits`]).
//! 2. It reads the envelope only (the event's `id`, `type`, `version`), and
//!    writes the body, exactly as received, to the [`inbox`] (SQLite on one
//!    machine, PostgreSQL for several replicas), keyed by event id, many
//!    deliveries to a transaction ([`group_commit`]). Only after the commit
//!    does it answer `202 Accepted`. A delivery of an event id already in
//!    the inbox changes nothing and is acknowledged too. An authentic body
//!    that is no event envelope is kept as a dead letter under its
//!    delivery id, and acknowledged.
//! 3. A task takes pending events from the inbox, oldest first, parses each
//!    into a [`VersionedEvent`](gigs_events::VersionedEvent) and handles it
//!    ([`handler`]). Its effect commits in the same transaction as the
//!    event turning `handled`: each event is handled exactly once, across
//!    crashes, restarts and replicas.
//! 4. An event whose body does not parse into its type, or whose handler
//!    fails, becomes a dead letter, with the error. After a spec fix and
//!    `cargo xtask regen`, rebuild and `replay` the dead letters.
//!
//! The binary's commands are in [`commands`], its settings in [`config`].
//!
//! # Closing the loop on a spec gap
//!
//! ```sh
//! cargo run -p gigs-receiver -- dead-letters
//! cargo xtask check-payload --inbox receiver.db   # what the spec is missing
//! # edit spec/, then:
//! cargo xtask regen
//! GIGS_INBOX_PATH=receiver.db cargo run -p gigs-receiver -- replay
//! ```
//!
//! # Trying it with curl
//!
//! A signature is `v1,` and the base64 of the HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded
//! part of the secret after `whsec_`. With the receiver serving
//! (`GIGS_WEBHOOK_SECRET='whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
//! GIGS_INBOX_PATH=receiver.db cargo run -p gigs-receiver`) and `openssl`,
//! from the repository root:
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
//! That answers `202` and the receiver prints what it handled:
//!
//! ```text
//! com.gigs.plan.updated evt_0SNlurA049MEWV5gNTcQ5A07h3Ol: handled: plan pln_0SNlurA049MEWV3V0q7gjQbM4EVo "Gigs Global" is available, price 999 USD; no previousData
//! ```
//!
//! Sending the same request again answers `202` too, without handling the
//! event again. Changing a byte of the body answers `401` with
//! `no matching webhook signature`; leaving out a header answers `401` with
//! `missing webhook-id header (or svix-id)`; a request signed more than five
//! minutes ago answers `401` with `webhook timestamp too old: …`.

pub mod app;
pub mod commands;
pub mod config;
pub mod group_commit;
pub mod handler;
pub mod inbox;
pub mod send_deadline;
pub mod server;
