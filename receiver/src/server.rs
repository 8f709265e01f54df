//! Serving connections so that nobody who can reach the port can stop the
//! receiver serving: hyper's HTTP/1 connections with hyper-util's timer and
//! graceful shutdown, a cap on connections below the open-file limit, an
//! accept loop that survives running out of file descriptors, and a
//! deadline on shutdown.
//!
//! - A connection that sends no request headers within the header timeout
//!   (from its start, or from its previous response) is closed, so idle
//!   connections cannot pile up.
//! - At most [`Limits::max_connections`] connections are served at once,
//!   and never more than the open-file limit leaves room for; the others
//!   wait in the kernel's accept queue, unaccepted, until a connection
//!   ends. They hold no file descriptor there, so the inbox's files and
//!   database connections never run out.
//! - A connection whose client stops taking what is written to it, for the
//!   send timeout, is closed ([`crate::send_deadline`]), so clients that
//!   never read their answers cannot hold the connections either.
//! - The body's size and time are limited by the receiver itself
//!   ([`crate::app`]), which reads it.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::app::Receiver;
use crate::config::Limits;
use crate::send_deadline::SendDeadline;

/// File descriptors kept for everything but client connections: standard
/// streams, the listener, the runtime's own, the inbox's files or database
/// connections.
const RESERVED_FILES: usize = 48;

/// The largest request head (request line and headers) read.
const MAX_HEAD: usize = 64 * 1024;

/// How long the accept loop pauses after an error such as running out of
/// file descriptors, before accepting again.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// The most connections served at once: `wanted`, but never more than the
/// open-file limit leaves room for.
pub fn connection_cap(wanted: usize) -> usize {
    match open_file_limit() {
        Some(limit) => wanted.min(limit.saturating_sub(RESERVED_FILES).max(limit / 2).max(1)),
        None => wanted,
    }
}

/// The soft limit on open files of this process, from `/proc/self/limits`
/// (Linux); `None` elsewhere, or when unlimited.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Serves `receiver` on `listener` until `shutdown` completes; then stops
/// accepting, lets requests in flight finish for up to
/// [`Limits::shutdown_timeout`], and returns.
pub async fn serve(
    listener: TcpListener,
    receiver: Receiver,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let cap = connection_cap(limits.max_connections);
    let permits = Arc::new(Semaphore::new(cap));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last_error: Option<io::ErrorKind> = None;
    loop {
        // A connection is accepted only once it may be served.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors (another part of the process
                    // holds more than reserved), or a connection that went
                    // before it was accepted: pause, and go on accepting.
                    if last_error != Some(error.kind()) {
                        eprintln!("warning: accepting a connection failed: {error}");
                        last_error = Some(error.kind());
                    }
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        last_error = None;
        // Small answers, sent at once.
        let _ = stream.set_nodelay(true);
        let receiver = receiver.clone();
        let service = service_fn(move |request| {
            let receiver = receiver.clone();
            async move { Ok::<_, Infallible>(receiver.answer(request).await) }
        });
        let stream = SendDeadline::new(stream, limits.send_timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A timeout, a client gone, a malformed request: the
            // connection ends, nothing else does.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "shutdown: requests still in flight after {:?}; exiting anyway",
            limits.shutdown_timeout
        );
    }
}
