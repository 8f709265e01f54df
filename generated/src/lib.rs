//! Typed Gigs webhook events.
//!
//! Gigs delivers webhooks as [CloudEvents](https://cloudevents.io) JSON, each
//! serialized in a dated API version. This crate has one module per API
//! version ([`v2024_08_29`], …, and [`latest`] for the newest) with the
//! objects of that version, one struct per event type, and an `Event` enum
//! to `match` on. [`VersionedEvent`] picks the module from the envelope's
//! `version`, for receivers that get several versions during an upgrade.
//!
//! ```
//! use gigs_events::latest::Event;
//!
//! # let body = include_bytes!("../../tests/fixtures/seeds/addon.updated.json");
//! match Event::from_json(body)? {
//!     Event::AddonUpdated(event) => println!("{} is now {}", event.data.name, event.data.status),
//!     Event::Unknown(event) => println!("not handled: {}", event.event_type()),
//!     other => println!("not handled: {}", other.event_type()),
//! }
//! # Ok::<(), gigs_events::Error>(())
//! ```
//!
//! What Gigs may add without notice never breaks a parse: unknown fields are
//! ignored, unknown enum values are kept as `Unrecognized`, and unknown event
//! types as [`RawEvent`]s. Each API version is a cargo feature (`v2024-08-29`,
//! …, all on by default); types that did not change between two versions are
//! one and the same Rust type in both modules.
//!
//! With the `webhook` feature (on by default), [`webhook`] verifies the
//! signature Gigs puts on every delivery before anything is parsed.

mod api;
mod error;
mod parse;
mod raw;

pub use api::*;
pub use error::Error;
pub use raw::RawEvent;

/// Parsing an event from a webhook body: implemented by every version's
/// `Event` and by [`VersionedEvent`], so that code generic over the version
/// (such as signature verification) can produce any of them.
pub trait ParseEvent: Sized {
    /// Parses a webhook body, exactly as received.
    fn from_json(body: &[u8]) -> Result<Self, Error>;
}

/// Support for the generated code; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::parse::{EventHead, deserialize_nullable, deserialize_open_enum, parse_event};
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
