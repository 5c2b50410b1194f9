//! Bulk loading for benchmarks (`bangbang bench load`): many requests at once, each with its
//! `created` event hash-chained in its community's chain, written with COPY on PostgreSQL
//! and large multi-row inserts on SQLite. The requests carry the state the generator gave
//! them; their later events are not written (the ledger verifies, but replaying it would
//! not reach those states), which is what a benchmark of reads and of intake needs.

use super::{Pools, SqlStore};
use crate::StoreResult;
use bangbang_domain::{
    category::CategoryCode,
    ledger::EventBody,
    lifecycle::{Satisfaction, Status},
    request::{Channel, Urgency},
    PlaceId, UserId,
};
use serde_json::json;
use std::collections::BTreeMap;

/// One request of a bulk load.
#[derive(Debug, Clone)]
pub struct BulkRequest {
    pub community: PlaceId,
    pub subdistrict: PlaceId,
    pub district: PlaceId,
    pub grid: Option<PlaceId>,
    pub building: Option<PlaceId>,
    pub entrance: Option<PlaceId>,
    pub code: String,
    pub category: CategoryCode,
    pub channel: Channel,
    pub urgency: Urgency,
    pub status: Status,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub description: String,
    pub reported_ms: i64,
    pub respond_by_ms: i64,
    pub resolve_by_ms: i64,
    pub first_response_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
    pub assignee: Option<UserId>,
    pub service_minutes: Option<i64>,
    pub satisfaction: Option<Satisfaction>,
    pub track_key: String,
}

/// A request's row values and its event's, ready to write.
struct Prepared {
    id: i64,
    seq: i64,
    chain_seq: i64,
    data: String,
    prev_hash: String,
    hash: String,
}

/// Takes (opening where needed) and locks the heads of the batch's communities, lowest id
/// first (either driver's connection).
macro_rules! take_heads {
    ($conn:ident, $batch:ident) => {{
        let mut heads = Heads::new();
        for id in communities($batch) {
            sqlx::query(OPEN_HEAD).bind(id).execute(&mut *$conn).await?;
            let head: (i64, i64, String) = sqlx::query_as(LOCK_HEAD)
                .bind(id)
                .fetch_one(&mut *$conn)
                .await?;
            heads.insert(id, head);
        }
        heads
    }};
}

/// Moves every community's head on to its last new event (either driver's transaction).
macro_rules! move_heads {
    ($tx:ident, $heads:ident) => {
        for (community, (seq, event_seq, hash)) in $heads {
            sqlx::query(
                "UPDATE ledger_heads SET seq = $1, event_seq = $2, hash = $3 \
                 WHERE community_id = $4",
            )
            .bind(seq)
            .bind(event_seq)
            .bind(hash)
            .bind(community)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

impl SqlStore {
    /// Finishes a bulk load: rebuilds the figures' rollups from the requests, then
    /// refreshes the planner's statistics (until then it plans as if the tables were empty).
    pub async fn analyze(&self) -> StoreResult<()> {
        self.rebuild_figures().await?;
        match &self.pools {
            Pools::Postgres(pool) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
            Pools::Sqlite(pool) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Writes `batch` in one transaction: the requests and their `created` events, each
    /// chained from its community's head, and the heads moved on. `actor` names who filed
    /// them in the ledger. The figures' rollups are marked stale (figures are counted from
    /// the rows) until [`SqlStore::analyze`] rebuilds them at the end of the load.
    pub async fn bulk_load(&self, actor: &str, batch: &[BulkRequest]) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        match &self.pools {
            Pools::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // Not while the rollups are rebuilt: the batch marks them stale, and a
                // rebuild that began before it would mark them current again without it.
                super::postgres::figures::hold_off_rebuilds(&mut tx).await?;
                let (heads, first_id, first_seq) = pg_reserve(&mut tx, batch).await?;
                let (prepared, heads) = prepare(actor, batch, heads, first_id, first_seq);
                pg_copy(&mut tx, actor, batch, &prepared).await?;
                move_heads!(tx, heads);
                sqlx::query(ROLLUPS_STALE).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }
            Pools::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let (heads, first_id, first_seq) = sqlite_reserve(&mut tx, batch).await?;
                let (prepared, heads) = prepare(actor, batch, heads, first_id, first_seq);
                sqlite_insert(&mut tx, actor, batch, &prepared).await?;
                move_heads!(tx, heads);
                sqlx::query(ROLLUPS_STALE).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }
}

/// A bulk load does not keep the figures' rollups: it marks them stale, so figures are
/// counted from the rows until [`SqlStore::analyze`] rebuilds them.
const ROLLUPS_STALE: &str = "DELETE FROM figures_state";

/// Each community's head: (chain seq, global seq of its last event, hash).
type Heads = BTreeMap<i64, (i64, i64, String)>;

/// Chains every request's `created` event from its community's head, in batch order.
fn prepare(
    actor: &str,
    batch: &[BulkRequest],
    mut heads: Heads,
    first_id: i64,
    first_seq: i64,
) -> (Vec<Prepared>, Heads) {
    let mut out = Vec::with_capacity(batch.len());
    for (i, r) in batch.iter().enumerate() {
        let (id, seq) = (first_id + i as i64, first_seq + i as i64);
        let head = heads
            .get_mut(&r.community.get())
            .expect("every community's head was taken");
        let chain_seq = head.0 + 1;
        let data = json!({
            "code": r.code,
            "channel": r.channel,
            "category": r.category,
            "urgency": r.urgency,
            "reporter": {"name": r.reporter_name, "phone": r.reporter_phone},
            "description": r.description,
            "reported_at_ms": r.reported_ms,
            "respond_by_ms": r.respond_by_ms,
            "resolve_by_ms": r.resolve_by_ms,
        });
        let body = EventBody {
            seq,
            request_id: id,
            actor,
            actor_id: None,
            at_ms: r.reported_ms,
            kind: "created",
            data: &data,
            community_id: Some(r.community.get()),
            chain_seq: Some(chain_seq),
        };
        let prev_hash = head.2.clone();
        let hash = body.hash(&prev_hash);
        *head = (chain_seq, seq, hash.clone());
        out.push(Prepared {
            id,
            seq,
            chain_seq,
            data: data.to_string(),
            prev_hash,
            hash,
        });
    }
    (out, heads)
}

const LOCK_HEAD: &str =
    "UPDATE ledger_heads SET seq = seq WHERE community_id = $1 RETURNING seq, event_seq, hash";
const OPEN_HEAD: &str = "INSERT INTO ledger_heads (community_id, seq, event_seq, hash) \
     SELECT $1, 0, 0, hash FROM ledger_head WHERE id = 1 ON CONFLICT (community_id) DO NOTHING";

fn communities(batch: &[BulkRequest]) -> Vec<i64> {
    let mut ids: Vec<i64> = batch.iter().map(|r| r.community.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn pg_reserve(
    conn: &mut sqlx::PgConnection,
    batch: &[BulkRequest],
) -> StoreResult<(Heads, i64, i64)> {
    let heads = take_heads!(conn, batch);
    let n = batch.len() as i64;
    // Take a block of request ids and of global event numbers.
    let (last_id,): (i64,) = sqlx::query_as(
        "SELECT setval(pg_get_serial_sequence('requests', 'id'), \
         (SELECT COALESCE(MAX(id), 0) FROM requests) + $1)",
    )
    .bind(n)
    .fetch_one(&mut *conn)
    .await?;
    let (last_seq,): (i64,) =
        sqlx::query_as("SELECT setval('events_seq', nextval('events_seq') + $1 - 1)")
            .bind(n)
            .fetch_one(&mut *conn)
            .await?;
    Ok((heads, last_id - n + 1, last_seq - n + 1))
}

async fn sqlite_reserve(
    conn: &mut sqlx::SqliteConnection,
    batch: &[BulkRequest],
) -> StoreResult<(Heads, i64, i64)> {
    let heads = take_heads!(conn, batch);
    let (max_id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM requests")
        .fetch_one(&mut *conn)
        .await?;
    let (max_seq,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM events")
        .fetch_one(&mut *conn)
        .await?;
    Ok((heads, max_id + 1, max_seq + 1))
}

const REQUEST_COLUMNS: &str = "id, code, community_id, subdistrict_id, district_id, grid_id, \
    building_id, entrance_id, category, channel, urgency, status, reporter_name, reporter_phone, \
    description, reported_ms, respond_by_ms, resolve_by_ms, first_response_ms, resolved_ms, \
    assignee_id, service_minutes, satisfaction, last_seq, track_key";
const EVENT_COLUMNS: &str =
    "seq, request_id, actor, actor_id, at_ms, kind, data, prev_hash, hash, community_id, chain_seq";

/// A value in COPY's text format.
fn copy_text(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push_str("\\N"),
        Some(text) => {
            for c in text.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

fn copy_row(out: &mut String, values: &[Option<&str>]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        copy_text(out, *v);
    }
    out.push('\n');
}

async fn pg_copy(
    conn: &mut sqlx::PgConnection,
    actor: &str,
    batch: &[BulkRequest],
    prepared: &[Prepared],
) -> StoreResult<()> {
    let int = |v: i64| v.to_string();
    let opt = |v: Option<i64>| v.map(|v| v.to_string());
    let mut text = String::with_capacity(batch.len() * 400);
    for (r, p) in batch.iter().zip(prepared) {
        let values = [
            Some(int(p.id)),
            Some(r.code.clone()),
            Some(int(r.community.get())),
            Some(int(r.subdistrict.get())),
            Some(int(r.district.get())),
            opt(r.grid.map(PlaceId::get)),
            opt(r.building.map(PlaceId::get)),
            opt(r.entrance.map(PlaceId::get)),
            Some(r.category.to_string()),
            Some(r.channel.as_str().to_string()),
            Some(r.urgency.as_str().to_string()),
            Some(r.status.as_str().to_string()),
            Some(r.reporter_name.clone()),
            Some(r.reporter_phone.clone()),
            Some(r.description.clone()),
            Some(int(r.reported_ms)),
            Some(int(r.respond_by_ms)),
            Some(int(r.resolve_by_ms)),
            opt(r.first_response_ms),
            opt(r.resolved_ms),
            opt(r.assignee.map(UserId::get)),
            opt(r.service_minutes),
            r.satisfaction.map(|s| s.as_str().to_string()),
            Some(int(p.seq)),
            Some(r.track_key.clone()),
        ];
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        copy_row(&mut text, &refs);
    }
    copy_in(
        conn,
        &format!("COPY requests ({REQUEST_COLUMNS}) FROM STDIN"),
        text,
    )
    .await?;
    let mut text = String::with_capacity(batch.len() * 700);
    for (r, p) in batch.iter().zip(prepared) {
        let values = [
            Some(int(p.seq)),
            Some(int(p.id)),
            Some(actor.to_string()),
            None,
            Some(int(r.reported_ms)),
            Some("created".to_string()),
            Some(p.data.clone()),
            Some(p.prev_hash.clone()),
            Some(p.hash.clone()),
            Some(int(r.community.get())),
            Some(int(p.chain_seq)),
        ];
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        copy_row(&mut text, &refs);
    }
    copy_in(
        conn,
        &format!("COPY events ({EVENT_COLUMNS}) FROM STDIN"),
        text,
    )
    .await
}

async fn copy_in(conn: &mut sqlx::PgConnection, statement: &str, text: String) -> StoreResult<()> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(text.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// Rows per INSERT on SQLite: 25 values a request, well under its 32,766 bound values.
const SQLITE_ROWS: usize = 500;

async fn sqlite_insert(
    conn: &mut sqlx::SqliteConnection,
    actor: &str,
    batch: &[BulkRequest],
    prepared: &[Prepared],
) -> StoreResult<()> {
    let rows: Vec<(&BulkRequest, &Prepared)> = batch.iter().zip(prepared).collect();
    for chunk in rows.chunks(SQLITE_ROWS) {
        let placeholders = |width: usize, rows: usize| -> String {
            (0..rows)
                .map(|r| {
                    let cols: Vec<String> =
                        (1..=width).map(|c| format!("${}", r * width + c)).collect();
                    format!("({})", cols.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "INSERT INTO requests ({REQUEST_COLUMNS}) VALUES {}",
            placeholders(25, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for (r, p) in chunk {
            q = q
                .bind(p.id)
                .bind(&r.code)
                .bind(r.community)
                .bind(r.subdistrict)
                .bind(r.district)
                .bind(r.grid)
                .bind(r.building)
                .bind(r.entrance)
                .bind(r.category.as_str())
                .bind(r.channel.as_str())
                .bind(r.urgency.as_str())
                .bind(r.status.as_str())
                .bind(&r.reporter_name)
                .bind(&r.reporter_phone)
                .bind(&r.description)
                .bind(r.reported_ms)
                .bind(r.respond_by_ms)
                .bind(r.resolve_by_ms)
                .bind(r.first_response_ms)
                .bind(r.resolved_ms)
                .bind(r.assignee)
                .bind(r.service_minutes)
                .bind(r.satisfaction.map(Satisfaction::as_str))
                .bind(p.seq)
                .bind(&r.track_key);
        }
        q.execute(&mut *conn).await?;
        let sql = format!(
            "INSERT INTO events ({EVENT_COLUMNS}) VALUES {}",
            placeholders(11, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for (r, p) in chunk {
            q = q
                .bind(p.seq)
                .bind(p.id)
                .bind(actor)
                .bind(None::<i64>)
                .bind(r.reported_ms)
                .bind("created")
                .bind(&p.data)
                .bind(&p.prev_hash)
                .bind(&p.hash)
                .bind(r.community)
                .bind(p.chain_seq);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
