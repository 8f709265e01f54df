//! Group commit: the deliveries that arrive while the inbox is committing
//! are stored together in the next transaction.
//!
//! A commit costs about the same for one row as for a hundred (the WAL
//! append and the write lock dominate), so under concurrent deliveries one
//! thread storing whatever is queued, then answering each request, makes
//! many times more acknowledgements per second than a commit per request,
//! and gives up nothing: no request is answered before its own row is
//! committed.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;

use super::inbox::{Delivery, Inbox, Stored};

/// The most deliveries one transaction takes.
const MAX_BATCH: usize = 256;

/// Why a delivery was not stored; it must not be acknowledged.
pub type StoreError = String;

type Request = (Delivery, oneshot::Sender<Result<Stored, StoreError>>);

/// The queue to the thread that stores deliveries. The thread ends when
/// the last clone of this is dropped.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Request>,
}

impl GroupCommit {
    /// Starts the storing thread for `inbox`.
    ///
    /// # Errors
    ///
    /// When the thread cannot be started.
    pub fn start(inbox: Arc<Inbox>) -> std::io::Result<Self> {
        let (queue, requests) = mpsc::channel::<Request>();
        thread::Builder::new()
            .name("inbox-store".to_owned())
            .spawn(move || store_batches(&inbox, &requests))?;
        Ok(Self { queue })
    }

    /// Stores `delivery`, with whatever else is queued; returns once it is
    /// committed.
    ///
    /// # Errors
    ///
    /// When the inbox could not store it.
    pub async fn store(&self, delivery: Delivery) -> Result<Stored, StoreError> {
        let (reply, stored) = oneshot::channel();
        self.queue
            .send((delivery, reply))
            .map_err(|_| "the inbox's storing thread has stopped".to_owned())?;
        stored
            .await
            .map_err(|_| "the inbox's storing thread stopped before answering".to_owned())?
    }
}

/// Waits for a delivery, takes every other one already queued (up to
/// [`MAX_BATCH`]), stores them in one transaction, answers each; until the
/// queue is closed.
fn store_batches(inbox: &Inbox, requests: &mpsc::Receiver<Request>) {
    while let Ok(first) = requests.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let (deliveries, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        match inbox.store_all(&deliveries) {
            Ok(stored) => {
                for (reply, stored) in replies.into_iter().zip(stored) {
                    // The request may have gone (the client hung up): the
                    // event is stored all the same, and a retry finds it.
                    let _ = reply.send(Ok(stored));
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.to_string()));
                }
            }
        }
    }
}
