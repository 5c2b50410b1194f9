//! Appending to and verifying the hash-chained ledger.
//!
//! Every write transaction starts by taking the ledger head (a one-row table): the
//! UPDATE locks it, so writers are serialised and each event chains from the one before.
//! In SQLite the same statement takes the database's write lock first, so a transaction
//! never has to upgrade a read lock.

use crate::model::{EventRecord, LedgerReport};
use crate::StoreResult;
use bangbang_domain::{
    ledger::{ChainVerifier, EventBody, StoredEvent},
    time::from_ms,
};
use futures_util::TryStreamExt;
use sqlx::{AnyConnection, AnyPool};

/// The locked head: the sequence number the next event gets and the hash it chains from.
pub(crate) struct Head {
    pub seq: i64,
    prev_hash: String,
}

pub(crate) async fn lock_head(conn: &mut AnyConnection) -> StoreResult<Head> {
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE ledger_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    Ok(Head { seq, prev_hash })
}

pub(crate) struct NewEvent<'a> {
    /// `None` for events that belong to no request (hours for a group activity).
    pub request_id: Option<i64>,
    pub actor: &'a str,
    pub actor_id: Option<i64>,
    pub at_ms: i64,
    pub kind: &'a str,
    pub data: serde_json::Value,
}

/// Appends the event under the locked head and moves the head on. Call once per head.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    head: Head,
    event: NewEvent<'_>,
) -> StoreResult<i64> {
    let body = EventBody {
        seq: head.seq,
        request_id: event.request_id.unwrap_or(0),
        actor: event.actor,
        actor_id: event.actor_id,
        at_ms: event.at_ms,
        kind: event.kind,
        data: &event.data,
    };
    let hash = body.hash(&head.prev_hash);
    sqlx::query(
        "INSERT INTO events (seq, request_id, actor, actor_id, at_ms, kind, data, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(head.seq)
    .bind(event.request_id)
    .bind(event.actor)
    .bind(event.actor_id)
    .bind(event.at_ms)
    .bind(event.kind)
    .bind(event.data.to_string())
    .bind(&head.prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE ledger_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(head.seq)
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    request_id: Option<i64>,
    actor: String,
    actor_id: Option<i64>,
    at_ms: i64,
    kind: String,
    data: String,
    prev_hash: String,
    hash: String,
}

const EVENT_SELECT: &str =
    "SELECT seq, request_id, actor, actor_id, at_ms, kind, data, prev_hash, hash FROM events ";

pub(crate) async fn events_of(pool: &AnyPool, request_id: i64) -> StoreResult<Vec<EventRecord>> {
    #[derive(sqlx::FromRow)]
    struct Named {
        #[sqlx(flatten)]
        event: EventRow,
        actor_name: Option<String>,
    }
    let rows: Vec<Named> = sqlx::query_as(
        "SELECT e.seq, e.request_id, e.actor, e.actor_id, e.at_ms, e.kind, e.data, e.prev_hash, e.hash, \
         u.display_name AS actor_name FROM events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.request_id = $1 ORDER BY e.seq",
    )
    .bind(request_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |Named {
                 event: row,
                 actor_name,
             }| EventRecord {
                seq: row.seq,
                request_id: row.request_id.unwrap_or(0),
                actor: row.actor,
                actor_name,
                actor_id: row.actor_id,
                at: from_ms(row.at_ms),
                kind: row.kind,
                data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
                hash: row.hash,
            },
        )
        .collect())
}

/// Streams the whole ledger in order (memory stays flat however long it is) and reports
/// the first event that was altered, removed or reordered.
pub(crate) async fn verify(pool: &AnyPool) -> StoreResult<LedgerReport> {
    // The head first, then the events up to it: writes committed meanwhile are not mistaken
    // for events added behind the chain's back.
    let (head_seq, head_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM ledger_head WHERE id = 1")
            .fetch_one(pool)
            .await?;
    let mut verifier = ChainVerifier::default();
    let sql = format!("{EVENT_SELECT} WHERE seq <= $1 ORDER BY seq");
    let mut rows = sqlx::query_as::<_, EventRow>(&sql)
        .bind(head_seq)
        .fetch(pool);
    while let Some(row) = rows.try_next().await? {
        let event = StoredEvent {
            seq: row.seq,
            request_id: row.request_id.unwrap_or(0),
            actor: row.actor,
            actor_id: row.actor_id,
            at_ms: row.at_ms,
            kind: row.kind,
            data: row.data,
            prev_hash: row.prev_hash,
            hash: row.hash,
        };
        if let Err(fault) = verifier.push(&event) {
            return Ok(LedgerReport {
                events_checked: 0,
                fault: Some(fault),
            });
        }
    }
    drop(rows);
    Ok(match verifier.finish(head_seq, &head_hash) {
        Ok(checked) => LedgerReport {
            events_checked: checked,
            fault: None,
        },
        Err(fault) => LedgerReport {
            events_checked: 0,
            fault: Some(fault),
        },
    })
}
