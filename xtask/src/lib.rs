//! The library side of `cargo xtask`, shared with the drift test.

pub mod check_payload;
pub mod semver;
pub mod sync;
pub mod versions;
