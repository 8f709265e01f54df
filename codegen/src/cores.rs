//! What the generator's stages that spread work over threads share.

use std::num::NonZeroUsize;
use std::thread::ScopedJoinHandle;

/// The cores the machine offers this process; 1 when it cannot tell.
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// What the thread of `handle` returned; its panic, if it panicked, goes
/// on in the caller, as if the work had run there.
pub fn join<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
