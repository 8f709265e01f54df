//! Tests of the generator and the maintainer commands, in one binary:
//! bad specs and their messages, the drift check, spec mutations, the
//! obstacle course's snapshot, `check-payload`, and API version tooling.
//!
//! The obstacle snapshot is checked here and compiled in `events`, so that a
//! snapshot that no longer compiles can still be rewritten.

mod bad_specs;
mod check_payload;
mod drift;
mod fix_payload;
mod obstacle_snapshot;
mod semver;
mod spec_mutations;
mod version_bump;
mod versions;
