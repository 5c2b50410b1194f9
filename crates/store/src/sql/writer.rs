//! Group commit on SQLite: one writer task per store files requests and applies actions.
//!
//! SQLite has one write lock and, with `synchronous=FULL`, one fsync per commit. When
//! every request took its own transaction, intake was bounded by one fsync per request,
//! and the writers queued on the lock by sleeping in SQLite's busy handler (the p99 of a
//! request was the handler's back-off, not work). Here the writes of the hot path go to
//! one task that owns one connection: it takes whatever is queued (up to [`MAX_BATCH`]),
//! runs each command in a SAVEPOINT of one transaction, commits once, and only then
//! answers each caller. So:
//!
//! - an acknowledged write is durable: no caller hears `Ok` before the batch's COMMIT
//!   returned (a crash loses only writes nobody was told about);
//! - one command's error rolls back only its savepoint, head and all: it is returned to
//!   its caller and the others in the batch commit (the chains stay gapless);
//! - nobody busy-waits: the one writer is the only one that asks for the lock on this
//!   path, and a batch forms while the previous one commits, so an idle store adds no
//!   delay and a busy one commits many requests per fsync.
//!
//! The reads a write needs first (`prepare`'s reference checks) and the read-back after
//! it run on the pool's read connections, in the caller's task. Other, rarer writes
//! (throttles, sessions, imports) still take the pool and SQLite's lock as before.
//! PostgreSQL does not use this: writers in different communities already commit in
//! parallel there.

use super::sqlite::{self, requests::Prepared};
use crate::model::RequestRecord;
use crate::{StoreError, StoreResult};
use bangbang_domain::{access::Actor, lifecycle::Action, request::RequestDraft, RequestId};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor, SqlitePool};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::instrument;

/// Commands in one transaction, at most.
pub(crate) const MAX_BATCH: usize = 256;
/// Commands waiting for the writer, at most; beyond that callers wait to queue.
const QUEUE: usize = 1024;

/// What a caller asks the writer to do.
enum Op {
    Create {
        actor: Actor,
        prepared: Box<Prepared>,
        external_key: Option<String>,
        recorded_at: DateTime<Utc>,
    },
    Apply {
        actor: Actor,
        id: RequestId,
        action: Action,
        at: DateTime<Utc>,
    },
}

impl Op {
    /// Runs inside the batch's transaction; answers the request written.
    async fn run(self, conn: &mut SqliteConnection) -> StoreResult<RequestId> {
        match self {
            Op::Create {
                actor,
                prepared,
                external_key,
                recorded_at,
            } => sqlite::requests::insert(conn, &actor, *prepared, external_key, recorded_at).await,
            Op::Apply {
                actor,
                id,
                action,
                at,
            } => sqlite::requests::apply_in(conn, &actor, id, action, at)
                .await
                .map(|()| id),
        }
    }
}

struct Command {
    op: Op,
    reply: oneshot::Sender<StoreResult<RequestId>>,
}

enum Message {
    Write(Command),
    /// Take nothing more; write what is queued, then stop.
    Close,
}

/// The handle every clone of a SQLite [`SqlStore`](super::SqlStore) shares.
pub(crate) struct Writer {
    queue: mpsc::Sender<Message>,
    closing: AtomicBool,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Opens the writer's own connection (with the pool's options) and starts its task.
    pub(crate) async fn start(options: SqliteConnectOptions) -> StoreResult<Writer> {
        let conn = options.connect().await?;
        let (queue, receiver) = mpsc::channel(QUEUE);
        let task = tokio::spawn(supervise(options, conn, receiver));
        Ok(Writer {
            queue,
            closing: AtomicBool::new(false),
            task: Mutex::new(Some(task)),
        })
    }

    /// Checks the draft's references on the pool, has the writer insert it, and reads
    /// the committed request back.
    #[instrument(skip_all, fields(community = %draft.community, category = %draft.category))]
    pub(crate) async fn create(
        &self,
        pool: &SqlitePool,
        actor: &Actor,
        draft: RequestDraft,
        external_key: Option<String>,
        recorded_at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord> {
        let prepared = sqlite::requests::prepare(pool, actor, draft).await?;
        let id = self
            .submit(Op::Create {
                actor: actor.clone(),
                prepared: Box::new(prepared),
                external_key,
                recorded_at,
            })
            .await?;
        sqlite::requests::by_id(pool, id).await
    }

    #[instrument(skip(self, pool, actor, action), fields(actor = %actor.username, action = action.kind().as_str()))]
    pub(crate) async fn apply(
        &self,
        pool: &SqlitePool,
        actor: &Actor,
        id: RequestId,
        action: Action,
        at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord> {
        self.submit(Op::Apply {
            actor: actor.clone(),
            id,
            action,
            at,
        })
        .await?;
        sqlite::requests::by_id(pool, id).await
    }

    /// Queues one command and waits until its batch is committed (or refused).
    async fn submit(&self, op: Op) -> StoreResult<RequestId> {
        let (reply, answer) = oneshot::channel();
        if self
            .queue
            .send(Message::Write(Command { op, reply }))
            .await
            .is_err()
        {
            return Err(self.stopped());
        }
        // A writer that dies drops the replies it holds: the caller hears so, never hangs.
        answer.await.map_err(|_| self.stopped())?
    }

    fn stopped(&self) -> StoreError {
        if self.closing.load(Ordering::SeqCst) {
            // The store was closed: the same error a closed pool gives.
            StoreError::Database(sqlx::Error::PoolClosed)
        } else {
            tracing::error!("the SQLite writer has stopped");
            StoreError::Database(sqlx::Error::WorkerCrashed)
        }
    }

    /// Takes no more commands, writes every one already queued, and closes the writer's
    /// connection.
    pub(crate) async fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        // Fails only when the writer is already gone.
        let _ = self.queue.send(Message::Close).await;
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

type Queue = mpsc::Receiver<Message>;

/// Runs the writer; should it panic (a bug), the callers of its batch hear an error and a
/// new connection takes over the queue. Returns once the queue is closed and drained.
async fn supervise(options: SqliteConnectOptions, conn: SqliteConnection, queue: Queue) {
    let queue = Arc::new(tokio::sync::Mutex::new(queue));
    let mut conn = Some(conn);
    loop {
        let conn = match conn.take() {
            Some(conn) => conn,
            None => match options.connect().await {
                Ok(conn) => conn,
                Err(e) => {
                    // Dropping the queue makes every waiting and later caller hear it.
                    tracing::error!("the SQLite writer cannot reconnect: {e}");
                    return;
                }
            },
        };
        match tokio::spawn(work(conn, queue.clone())).await {
            Ok(()) => return,
            Err(e) if e.is_panic() => {
                tracing::error!("the SQLite writer panicked; its batch was refused, restarting");
            }
            // Cancelled: the runtime is shutting down.
            Err(_) => return,
        }
    }
}

async fn work(mut conn: SqliteConnection, queue: Arc<tokio::sync::Mutex<Queue>>) {
    let mut queue = queue.lock().await;
    let mut carried = Vec::new();
    loop {
        let mut batch = std::mem::take(&mut carried);
        if batch.is_empty() {
            match next(&mut queue).await {
                Some(command) => batch.push(command),
                None => break,
            }
        }
        top_up(&mut queue, &mut batch);
        carried = write_batch(&mut conn, &mut queue, batch).await;
    }
    if let Err(e) = conn.close().await {
        tracing::warn!("closing the SQLite writer's connection: {e}");
    }
}

/// The next command; `None` once the queue is closed and empty.
async fn next(queue: &mut Queue) -> Option<Command> {
    loop {
        match queue.recv().await? {
            Message::Write(command) => return Some(command),
            Message::Close => queue.close(),
        }
    }
}

/// Adds whatever is already queued to the batch, up to [`MAX_BATCH`]. Never waits.
fn top_up(queue: &mut Queue, batch: &mut Vec<Command>) {
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(Message::Write(command)) => batch.push(command),
            Ok(Message::Close) => queue.close(),
            Err(_) => break,
        }
    }
}

/// Writes one batch in one transaction and answers its callers once it is committed.
/// Returns the commands it did not get to (the transaction broke under them), which go
/// first in the next batch.
async fn write_batch(
    conn: &mut SqliteConnection,
    queue: &mut Queue,
    mut batch: Vec<Command>,
) -> Vec<Command> {
    // IMMEDIATE: take the write lock now, not on the first write, so no statement of the
    // batch ever has to upgrade its lock. Other writers (not on this path) may hold it
    // for a moment; the busy timeout covers that.
    if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
        // Should a transaction have been left open, the next batch begins afresh.
        let _ = conn.execute("ROLLBACK").await;
        let reason = e.to_string();
        for command in batch {
            let _ = command
                .reply
                .send(Err(batch_failed("could not begin", &reason)));
        }
        return Vec::new();
    }
    // Whatever arrived while the lock was being taken joins this batch.
    top_up(queue, &mut batch);
    let size = batch.len();
    let mut answers = Vec::with_capacity(size);
    let mut commands = batch.into_iter();
    while let Some(Command { op, reply }) = commands.next() {
        if let Err(e) = conn.execute("SAVEPOINT command").await {
            let _ = reply.send(Err(StoreError::Database(e)));
            return abandon(conn, answers, commands.collect()).await;
        }
        let result = op.run(conn).await;
        let closed = match &result {
            Ok(_) => conn.execute("RELEASE command").await,
            Err(_) => match conn.execute("ROLLBACK TO command").await {
                Ok(_) => conn.execute("RELEASE command").await,
                Err(e) => Err(e),
            },
        };
        if let Err(e) = closed {
            // The command's writes cannot be told apart from the others': the whole
            // transaction goes, and this command with it.
            let _ = reply.send(result.and(Err(StoreError::Database(e))));
            return abandon(conn, answers, commands.collect()).await;
        }
        answers.push((reply, result));
    }
    match conn.execute("COMMIT").await {
        Ok(_) => {
            tracing::debug!(commands = size, "batch committed");
            for (reply, result) in answers {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            let _ = conn.execute("ROLLBACK").await;
            let reason = e.to_string();
            tracing::error!(commands = size, "a batch's commit failed: {reason}");
            for (reply, result) in answers {
                let _ = reply.send(result.and(Err(batch_failed("could not commit", &reason))));
            }
        }
    }
    Vec::new()
}

/// Rolls the transaction back, tells those already run that their writes went with it,
/// and hands back the commands not yet run.
async fn abandon(
    conn: &mut SqliteConnection,
    answers: Vec<(
        oneshot::Sender<StoreResult<RequestId>>,
        StoreResult<RequestId>,
    )>,
    rest: Vec<Command>,
) -> Vec<Command> {
    let _ = conn.execute("ROLLBACK").await;
    tracing::error!(
        rolled_back = answers.len(),
        retried = rest.len(),
        "a batch's transaction broke"
    );
    for (reply, result) in answers {
        let _ = reply.send(result.and(Err(batch_failed(
            "was rolled back",
            "a later command broke its transaction",
        ))));
    }
    rest
}

fn batch_failed(what: &str, reason: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(format!(
        "the batch of writes this one was in {what}: {reason}"
    ))))
}
