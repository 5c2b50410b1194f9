//! Appending to and verifying the hash-chained ledger: one chain per community.
//!
//! Every write transaction starts by taking its community's head (a row of
//! `ledger_heads`): the UPDATE locks that row, so writers in one community are serialised
//! and each event chains from the one before, while writers in other communities go on.
//! In SQLite the same statement takes the database's write lock first, so a transaction
//! never has to upgrade a read lock (and SQLite's single writer orders everything anyway).
//!
//! The global `seq` is taken only once the write has passed its checks: from the
//! `events_seq` sequence on PostgreSQL, as `MAX(seq) + 1` under SQLite's write lock.

use super::{Conn, Pool};
use crate::chains::{ChainName, CommunityHead, LedgerHeads, LedgerReport};
use crate::model::EventRecord;
use crate::{StoreError, StoreResult};
use bangbang_domain::{
    ledger::{ChainHead, ChainVerifier, EventBody, LedgerFault, StoredEvent},
    time::from_ms,
    EventKind, PlaceId, RequestId, UserId,
};
use futures_util::TryStreamExt;
use std::collections::{BTreeMap, HashMap};

/// A locked community head: where the next event goes in the community's chain and the
/// hash it chains from. The global seq is taken when first asked for.
pub(crate) struct Head {
    community_id: i64,
    chain_seq: i64,
    prev_hash: String,
    seq: Option<i64>,
}

impl Head {
    /// The event's global seq. Ask only once the write is sure to go ahead: on
    /// PostgreSQL a number taken by a transaction that rolls back is never given again.
    pub(crate) async fn seq(&mut self, conn: &mut Conn) -> StoreResult<i64> {
        if let Some(seq) = self.seq {
            return Ok(seq);
        }
        let sql = if is_postgres() {
            "SELECT nextval('events_seq')"
        } else {
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM events"
        };
        let (seq,): (i64,) = sqlx::query_as(sql).fetch_one(&mut *conn).await?;
        self.seq = Some(seq);
        Ok(seq)
    }
}

fn is_postgres() -> bool {
    super::BACKEND == crate::Backend::Postgres
}

const LOCK_HEAD: &str =
    "UPDATE ledger_heads SET seq = seq + 1 WHERE community_id = $1 RETURNING seq, hash";

/// Locks the community's head for one more event.
pub(crate) async fn lock_head(conn: &mut Conn, community: PlaceId) -> StoreResult<Head> {
    let community_id = community.get();
    let mut row: Option<(i64, String)> = sqlx::query_as(LOCK_HEAD)
        .bind(community_id)
        .fetch_optional(&mut *conn)
        .await?;
    if row.is_none() {
        open_chain(conn, community_id).await?;
        row = sqlx::query_as(LOCK_HEAD)
            .bind(community_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    let (chain_seq, prev_hash) =
        row.ok_or_else(|| crate::StoreError::NotFound(format!("community {community_id}")))?;
    Ok(Head {
        community_id,
        chain_seq,
        prev_hash,
        seq: None,
    })
}

/// Locks the head of the request's community (`None`: there is no such request). One
/// statement, so that in SQLite it is the one that takes the write lock.
pub(crate) async fn lock_head_of_request(
    conn: &mut Conn,
    request_id: RequestId,
) -> StoreResult<Option<Head>> {
    let row: Option<(i64, i64, String)> = sqlx::query_as(
        "UPDATE ledger_heads SET seq = seq + 1 \
         WHERE community_id = (SELECT community_id FROM requests WHERE id = $1) \
         RETURNING community_id, seq, hash",
    )
    .bind(request_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((community_id, chain_seq, prev_hash)) = row {
        return Ok(Some(Head {
            community_id,
            chain_seq,
            prev_hash,
            seq: None,
        }));
    }
    // No request, or its community's chain has no head yet.
    let community: Option<(PlaceId,)> =
        sqlx::query_as("SELECT community_id FROM requests WHERE id = $1")
            .bind(request_id)
            .fetch_optional(&mut *conn)
            .await?;
    match community {
        Some((community_id,)) => Ok(Some(lock_head(conn, community_id).await?)),
        None => Ok(None),
    }
}

/// Locks the heads of several communities without moving them, lowest id first (so that
/// two transactions holding several never wait for each other in a circle). An import
/// takes its communities' heads before it reads which of its rows are already there.
pub(crate) async fn hold_heads(
    conn: &mut Conn,
    community_ids: impl IntoIterator<Item = PlaceId>,
) -> StoreResult<()> {
    let mut ids: Vec<i64> = community_ids.into_iter().map(PlaceId::get).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let held = sqlx::query("UPDATE ledger_heads SET seq = seq WHERE community_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if held == 0 {
            open_chain(conn, id).await?;
            sqlx::query("UPDATE ledger_heads SET seq = seq WHERE community_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Gives a community its head on its first event: an empty chain at the anchor.
async fn open_chain(conn: &mut Conn, community_id: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ledger_heads (community_id, seq, event_seq, hash) \
         SELECT $1, 0, 0, hash FROM ledger_head WHERE id = 1 \
         ON CONFLICT (community_id) DO NOTHING",
    )
    .bind(community_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) struct NewEvent<'a> {
    /// `None` for events that belong to no request (hours for a group activity).
    pub request_id: Option<RequestId>,
    pub actor: &'a str,
    pub actor_id: Option<UserId>,
    pub at_ms: i64,
    pub kind: EventKind,
    pub data: serde_json::Value,
}

/// Appends the event under the locked head and moves the head on. Call once per head.
/// Returns the event's global seq.
pub(crate) async fn append(
    conn: &mut Conn,
    mut head: Head,
    event: NewEvent<'_>,
) -> StoreResult<i64> {
    let seq = head.seq(conn).await?;
    let body = EventBody {
        seq,
        request_id: event.request_id.map_or(0, RequestId::get),
        actor: event.actor,
        actor_id: event.actor_id.map(UserId::get),
        at_ms: event.at_ms,
        kind: event.kind.as_str(),
        data: &event.data,
        community_id: Some(head.community_id),
        chain_seq: Some(head.chain_seq),
    };
    let hash = body.hash(&head.prev_hash);
    sqlx::query(
        "INSERT INTO events (seq, request_id, actor, actor_id, at_ms, kind, data, prev_hash, hash, \
         community_id, chain_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(seq)
    .bind(event.request_id)
    .bind(event.actor)
    .bind(event.actor_id)
    .bind(event.at_ms)
    .bind(event.kind.as_str())
    .bind(sqlx::types::Json(&event.data))
    .bind(&head.prev_hash)
    .bind(&hash)
    .bind(head.community_id)
    .bind(head.chain_seq)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE ledger_heads SET hash = $1, event_seq = $2 WHERE community_id = $3")
        .bind(&hash)
        .bind(seq)
        .bind(head.community_id)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
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

#[derive(sqlx::FromRow)]
struct ChainedRow {
    #[sqlx(flatten)]
    event: EventRow,
    community_id: Option<i64>,
    chain_seq: Option<i64>,
}

impl From<ChainedRow> for StoredEvent {
    fn from(row: ChainedRow) -> StoredEvent {
        let e = row.event;
        StoredEvent {
            seq: e.seq,
            request_id: e.request_id.unwrap_or(0),
            actor: e.actor,
            actor_id: e.actor_id,
            at_ms: e.at_ms,
            kind: e.kind,
            data: e.data,
            prev_hash: e.prev_hash,
            hash: e.hash,
            community_id: row.community_id,
            chain_seq: row.chain_seq,
        }
    }
}

const EVENT_SELECT: &str =
    "SELECT seq, request_id, actor, actor_id, at_ms, kind, CAST(data AS TEXT) AS data, \
     prev_hash, hash, community_id, chain_seq FROM events ";

pub(crate) async fn events_of(pool: &Pool, request_id: RequestId) -> StoreResult<Vec<EventRecord>> {
    #[derive(sqlx::FromRow)]
    struct Named {
        #[sqlx(flatten)]
        event: EventRow,
        actor_name: Option<String>,
    }
    let rows: Vec<Named> = sqlx::query_as(
        "SELECT e.seq, e.request_id, e.actor, e.actor_id, e.at_ms, e.kind, CAST(e.data AS TEXT) AS data, e.prev_hash, e.hash, \
         u.display_name AS actor_name FROM events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.request_id = $1 ORDER BY e.seq",
    )
    .bind(request_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |Named {
                 event: row,
                 actor_name,
             }| {
                let kind = EventKind::parse(&row.kind).ok_or_else(|| {
                    StoreError::Corrupt(format!("event {} has kind {:?}", row.seq, row.kind))
                })?;
                Ok(EventRecord {
                    seq: row.seq,
                    request_id: row.request_id.unwrap_or(0),
                    actor: row.actor,
                    actor_name,
                    actor_id: row.actor_id.map(UserId::new),
                    at: from_ms(row.at_ms),
                    kind,
                    data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
                    hash: row.hash,
                })
            },
        )
        .collect()
}

/// Every chain's head, read in one statement each (the legacy head never moves).
pub(crate) async fn heads(conn: &mut Conn) -> StoreResult<LedgerHeads> {
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let legacy = ChainHead {
        seq,
        event_seq: seq,
        hash,
    };
    let rows: Vec<(i64, String, i64, i64, String)> = sqlx::query_as(
        "SELECT h.community_id, COALESCE(p.slug, CAST(h.community_id AS TEXT)), h.seq, \
         h.event_seq, h.hash FROM ledger_heads h LEFT JOIN places p ON p.id = h.community_id \
         ORDER BY 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    let communities = rows
        .into_iter()
        .map(|(community_id, slug, seq, event_seq, hash)| CommunityHead {
            community_id,
            slug,
            head: ChainHead {
                seq,
                event_seq,
                hash,
            },
        })
        .collect();
    Ok(LedgerHeads {
        legacy,
        communities,
    })
}

pub(crate) async fn current_heads(pool: &Pool) -> StoreResult<LedgerHeads> {
    let mut conn = pool.acquire().await?;
    heads(&mut conn).await
}

/// The global seq and hash of the event at `chain_seq` in a community's chain.
pub(crate) async fn chain_event(
    pool: &Pool,
    community_id: PlaceId,
    chain_seq: i64,
) -> StoreResult<Option<(i64, String)>> {
    Ok(
        sqlx::query_as("SELECT seq, hash FROM events WHERE community_id = $1 AND chain_seq = $2")
            .bind(community_id)
            .bind(chain_seq)
            .fetch_optional(pool)
            .await?,
    )
}

/// One chain being walked: its verifier until the first fault (kept in the report).
enum Walk {
    Going(ChainVerifier),
    Broken,
}

/// Streams the ledger in `seq` order (memory stays flat however long it is: one small
/// state per chain) and reports, per chain, the first event that was altered, removed or
/// reordered, the earliest of them first. Everything is read in one snapshot, so writes committed meanwhile are not
/// mistaken for events added behind a chain's back. `only`: one community's chain.
pub(crate) async fn verify(pool: &Pool, only: Option<PlaceId>) -> StoreResult<LedgerReport> {
    let only = only.map(PlaceId::get);
    let mut tx = pool.begin().await?;
    if is_postgres() {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let heads = heads(&mut tx).await?;
    let anchor = heads.legacy.hash.clone();
    let slugs: HashMap<i64, String> =
        sqlx::query_as("SELECT id, slug FROM places WHERE kind = 'community' AND slug IS NOT NULL")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let mut legacy = (only.is_none()).then(|| Walk::Going(ChainVerifier::legacy()));
    let mut chains: HashMap<i64, Walk> = HashMap::new();
    // Faults found while walking, in the order met: (global seq, chain, fault).
    let mut met: Vec<(ChainName, LedgerFault)> = Vec::new();
    let name =
        |id: i64| ChainName::Community(slugs.get(&id).cloned().unwrap_or_else(|| id.to_string()));
    {
        let sql = match only {
            None => format!("{EVENT_SELECT} ORDER BY seq"),
            Some(_) => format!("{EVENT_SELECT} WHERE community_id = $1 ORDER BY seq"),
        };
        let mut query = sqlx::query_as::<_, ChainedRow>(&sql);
        if let Some(id) = only {
            query = query.bind(id);
        }
        let mut rows = query.fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            let event = StoredEvent::from(row);
            // A legacy event is one outside every community's chain.
            let (walk, chain) = match (event.community_id, event.chain_seq) {
                (Some(c), Some(_)) => (
                    chains
                        .entry(c)
                        .or_insert_with(|| Walk::Going(ChainVerifier::community(c, &anchor))),
                    name(c),
                ),
                _ => match legacy.as_mut() {
                    Some(walk) => (walk, ChainName::Legacy),
                    None => continue,
                },
            };
            if let Walk::Going(verifier) = walk {
                if let Err(fault) = verifier.push(&event) {
                    met.push((chain, fault));
                    *walk = Walk::Broken;
                }
            }
        }
    }
    tx.commit().await?;

    let mut report = LedgerReport::default();
    // The ends of the chains, against their heads; the legacy chain first, then by slug.
    let mut ends: BTreeMap<ChainName, LedgerFault> = BTreeMap::new();
    let mut finish = |chain: ChainName, walk: Option<Walk>, head: Option<&ChainHead>| {
        report.chains_checked += 1;
        let verifier = match walk {
            Some(Walk::Broken) => return,
            Some(Walk::Going(v)) => v,
            None => match &chain {
                ChainName::Legacy => ChainVerifier::legacy(),
                ChainName::Community(_) => ChainVerifier::community(0, &anchor),
            },
        };
        let checked = verifier.checked();
        let missing = ChainHead {
            seq: 0,
            event_seq: 0,
            hash: String::new(),
        };
        match verifier.finish(head.unwrap_or(&missing)) {
            Ok(_) => report.events_checked += checked,
            Err(fault) => {
                ends.insert(chain, fault);
            }
        }
    };
    if only.is_none() {
        finish(ChainName::Legacy, legacy, Some(&heads.legacy));
    }
    for c in &heads.communities {
        if only.is_none_or(|id| id == c.community_id) {
            let walk = chains.remove(&c.community_id);
            finish(ChainName::Community(c.slug.clone()), walk, Some(&c.head));
        }
    }
    // Chains whose head row is gone.
    for (id, walk) in chains {
        finish(name(id), Some(walk), None);
    }
    // The first bad event first: a chain's end is bad at its last event, and the legacy
    // chain (whose head anchors all the others) comes before every community's.
    met.extend(ends);
    met.sort_by_key(|(chain, fault)| (*chain != ChainName::Legacy, fault.seq()));
    let mut faults = met.into_iter();
    if let Some((chain, fault)) = faults.next() {
        report.chain = Some(chain);
        report.fault = Some(fault);
    }
    report.other_faults = faults.collect();
    if only.is_none() {
        report.heads = Some(heads);
    }
    Ok(report)
}
