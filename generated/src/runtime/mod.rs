//! The hand-written part of the crate: parsing, errors, raw events and
//! webhook signatures. Everything the generated modules under `api/` call
//! lives here, behind `crate::__private`; nothing here is generated.

pub(crate) mod error;
pub(crate) mod parse;
pub(crate) mod raw;
mod scan;
pub(crate) mod union;
#[cfg(feature = "webhook")]
pub mod webhook;
