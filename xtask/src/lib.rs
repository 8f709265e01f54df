//! The library side of `cargo xtask`, shared with the drift test.

pub mod check_payload;
pub mod fix_payload;
#[cfg(feature = "inbox")]
pub mod inbox;
pub mod semver;
pub mod sync;
pub mod versions;
