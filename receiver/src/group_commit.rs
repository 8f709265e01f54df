//! Group commit: the deliveries that arrive while the inbox is committing
//! are stored together in the next transaction.
//!
//! A commit costs about the same for one row as for a hundred (the WAL
//! append or the round trip and flush dominate), so under concurrent
//! deliveries one task storing whatever is queued, then answering each
//! request, makes many times more acknowledgements per second than a
//! commit per request, and gives up nothing: no request is answered before
//! its own row is committed.

use tokio::sync::{mpsc, oneshot};

use crate::inbox::{Delivery, Inbox, Stored};

/// The most deliveries one transaction takes.
const MAX_BATCH: usize = 256;

/// Why a delivery was not stored; it must not be acknowledged.
pub type StoreError = String;

type Request = (Delivery, oneshot::Sender<Result<Stored, StoreError>>);

/// The queue to the task that stores deliveries. The task ends when the
/// last clone of this is dropped.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::UnboundedSender<Request>,
}

impl GroupCommit {
    /// Starts the storing task for `inbox`, in the current tokio runtime.
    pub fn start(inbox: Inbox) -> Self {
        let (queue, requests) = mpsc::unbounded_channel::<Request>();
        tokio::spawn(store_batches(inbox, requests));
        Self { queue }
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
            .map_err(|_| "the inbox's storing task has stopped".to_owned())?;
        stored
            .await
            .map_err(|_| "the inbox's storing task stopped before answering".to_owned())?
    }
}

/// Waits for a delivery, takes every other one already queued (up to
/// [`MAX_BATCH`]), stores them in one transaction, answers each; until the
/// queue is closed.
async fn store_batches(inbox: Inbox, mut requests: mpsc::UnboundedReceiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (deliveries, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        match inbox.store_all(deliveries).await {
            Ok(stored) => {
                for (reply, stored) in replies.into_iter().zip(stored) {
                    // The request may have gone (the client hung up): the
                    // delivery is stored all the same, and a retry finds it.
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
