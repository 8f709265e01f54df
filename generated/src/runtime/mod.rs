//! The hand-written part of the crate: parsing, errors, raw events,
//! webhook signatures and the axum extractors. Everything the generated modules under `api/` call
//! lives here, behind `crate::__private`; nothing here is generated.

#[cfg(feature = "axum")]
pub mod axum;
pub(crate) mod error;
pub(crate) mod example;
pub(crate) mod parse;
mod path;
pub(crate) mod raw;
mod scan;
pub(crate) mod timestamp;
pub(crate) mod union;
#[cfg(feature = "webhook")]
pub mod webhook;
