//! What the generated `Example` impls fall back on when an embedded example
//! does not parse as its own event type.

use super::error::Error;

/// Ends an `example()` whose embedded JSON did not give its event type.
///
/// The generator checks every example against the spec before embedding it,
/// and the tests parse every one, so reaching this is a bug in this crate,
/// never a problem of the caller's input: there is no error to hand back.
#[cold]
#[expect(
    clippy::panic,
    reason = "an embedded example that no longer parses is a bug in the crate, which no caller can handle"
)]
pub fn unparsable_example(event_type: &str, error: Option<Error>) -> ! {
    match error {
        Some(error) => panic!("the embedded example of {event_type} does not parse: {error}"),
        None => panic!("the embedded example of {event_type} parses as another event type"),
    }
}
