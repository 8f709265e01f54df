//! A limit on how long the receiver waits for a client to take what it
//! writes.
//!
//! hyper has no write timeout. A client that sends requests and never reads
//! the answers fills the socket buffers both ways; from then on the
//! receiver's write to it waits forever and the connection holds its place
//! among the connections served. Enough such clients take every place.
//! [`SendDeadline`] fails a write, flush or shutdown that has made no
//! progress for the send timeout, which ends the connection.
//!
//! The clock restarts whenever a write goes through, like nginx's
//! `send_timeout`: it limits a stall, not how long a whole answer takes.
//! Answers here are a few hundred bytes, so a client that reads at all
//! never meets it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// A connection's stream whose writes fail once they have waited for the
/// client longer than the send timeout.
#[derive(Debug)]
pub struct SendDeadline<S> {
    stream: S,
    send_timeout: Duration,
    /// The send timeout, running since a write first had to wait for the
    /// client; `None` once a write goes through.
    stall_timer: Option<Pin<Box<Sleep>>>,
}

impl<S> SendDeadline<S> {
    pub fn new(stream: S, send_timeout: Duration) -> Self {
        Self {
            stream,
            send_timeout,
            stall_timer: None,
        }
    }

    /// What a write returned, with the clock restarted when it went
    /// through, and a `TimedOut` error when it has waited too long.
    fn limit<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.stall_timer = None;
            return polled;
        }
        let send_timeout = self.send_timeout;
        let timer = self
            .stall_timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(send_timeout)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client took nothing written to it for {send_timeout:?}"),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SendDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SendDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.limit(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.limit(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_flush(cx);
        this.limit(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_shutdown(cx);
        this.limit(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// A pipe whose reader never reads: the writer stalls once the pipe's
    /// buffer is full, and the deadline turns the stall into an error.
    #[tokio::test(start_paused = true)]
    async fn a_write_the_peer_never_takes_fails_after_the_send_timeout() {
        let (near, _far) = tokio::io::duplex(64);
        let mut stream = SendDeadline::new(near, Duration::from_secs(3));
        let started = tokio::time::Instant::now();
        let error = stream.write_all(&[0; 1024]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        assert_eq!(
            error.to_string(),
            "the client took nothing written to it for 3s"
        );
    }

    /// A peer that reads a little now and then, each time within the send
    /// timeout, is slow but not stalled: the clock restarts with each write
    /// that goes through, and everything arrives.
    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_within_the_timeout_gets_everything() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut stream = SendDeadline::new(near, Duration::from_secs(3));
        let reader = tokio::spawn(async move {
            let mut received = Vec::new();
            let mut buffer = [0; 64];
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                match far.read(&mut buffer).await.unwrap() {
                    0 => return received,
                    n => received.extend_from_slice(&buffer[..n]),
                }
            }
        });
        let sent: Vec<u8> = (0..=255).collect();
        stream.write_all(&sent).await.unwrap();
        stream.shutdown().await.unwrap();
        drop(stream);
        assert_eq!(reader.await.unwrap(), sent);
    }
}
