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
//!    connection's headers, body size and body time are limited
//!    ([`server`], [`config::Limits`]).
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

pub mod app;
pub mod commands;
pub mod config;
pub mod group_commit;
pub mod handler;
pub mod inbox;
pub mod server;
