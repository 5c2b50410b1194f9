//! The personal-data read log, written off the request path. A page or list that shows a
//! resident's phone and room in full hands the request ids to [`ReadLog::log`] and answers
//! at once; one writer task gathers them and writes them together, at most
//! [`FLUSH_EVERY`] later (or sooner, once [`BATCH`] ids wait).
//!
//! What can be lost: a process killed outright (kill -9, power) loses the reads of at most
//! its last [`FLUSH_EVERY`]; a graceful stop writes them all ([`ReadLog::flush`]). Nothing is
//! dropped for being busy: when the writer falls behind (its queue is full), the handler
//! writes its own reads, as it did before. Times are those of the write, up to
//! [`FLUSH_EVERY`] after the view.

use bangbang_domain::{Actor, RequestId, UserId};
use bangbang_store::{personal_data_shown, RequestRecord, Store, StoreResult};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The longest a read waits to be written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Ids that make the writer write at once.
pub const BATCH: usize = 5_000;
/// Messages the writer may have waiting before handlers write their own.
const QUEUE: usize = 1_024;

enum Message {
    Shown(UserId, Vec<RequestId>),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct ReadLog {
    queue: mpsc::Sender<Message>,
    store: Arc<dyn Store>,
}

impl ReadLog {
    /// Starts the writer (on the current tokio runtime).
    pub fn start(store: Arc<dyn Store>) -> ReadLog {
        let (queue, inbox) = mpsc::channel(QUEUE);
        tokio::spawn(write(store.clone(), inbox));
        ReadLog { queue, store }
    }

    /// Logs the requests among `records` whose personal data `viewer` is shown in full.
    pub async fn log(&self, viewer: &Actor, records: &[RequestRecord]) -> StoreResult<()> {
        let Some((user, shown)) = personal_data_shown(viewer, records) else {
            return Ok(());
        };
        match self.queue.try_send(Message::Shown(user, shown)) {
            Ok(()) => Ok(()),
            // Behind, or stopping: write it now rather than lose it.
            Err(mpsc::error::TrySendError::Full(Message::Shown(user, shown)))
            | Err(mpsc::error::TrySendError::Closed(Message::Shown(user, shown))) => {
                self.store.log_personal_data_reads(user, &shown).await
            }
            Err(_) => Ok(()),
        }
    }

    /// Waits until every read logged so far is written.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

async fn write(store: Arc<dyn Store>, mut inbox: mpsc::Receiver<Message>) {
    let mut waiting: BTreeMap<UserId, Vec<RequestId>> = BTreeMap::new();
    let mut count = 0usize;
    loop {
        let message = if waiting.is_empty() {
            inbox.recv().await
        } else {
            match tokio::time::timeout(FLUSH_EVERY, inbox.recv()).await {
                Ok(message) => message,
                Err(_) => {
                    write_out(store.as_ref(), &mut waiting, &mut count).await;
                    continue;
                }
            }
        };
        match message {
            Some(Message::Shown(user, ids)) => {
                count += ids.len();
                waiting.entry(user).or_default().extend(ids);
                if count >= BATCH {
                    write_out(store.as_ref(), &mut waiting, &mut count).await;
                }
            }
            Some(Message::Flush(done)) => {
                write_out(store.as_ref(), &mut waiting, &mut count).await;
                let _ = done.send(());
            }
            None => {
                write_out(store.as_ref(), &mut waiting, &mut count).await;
                return;
            }
        }
    }
}

async fn write_out(
    store: &dyn Store,
    waiting: &mut BTreeMap<UserId, Vec<RequestId>>,
    count: &mut usize,
) {
    for (user, ids) in std::mem::take(waiting) {
        if let Err(e) = store.log_personal_data_reads(user, &ids).await {
            // Kept for the next write rather than lost; the log says why it waits.
            tracing::error!(error = %e, reads = ids.len(), "could not write personal-data reads yet");
            waiting.entry(user).or_default().extend(ids);
        }
    }
    *count = waiting.values().map(Vec::len).sum();
}
