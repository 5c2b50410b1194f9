//! The figures' rollups (see `bangbang_domain::figures`): kept in the events'
//! transactions, folded in the background, rebuilt from the requests when the time zone
//! they were cut in changes, and read for whole-month periods.

use super::args::SqlBuilder;
use super::{Conn, Pool, BACKEND};
use crate::sql::Backend;
use crate::StoreResult;
use bangbang_domain::figures::{
    span_moves, CellChange, CellKind, Counted, Month, MonthSpan, Tally, NO_MONTH,
};
use bangbang_domain::time::local_zone;
use std::collections::BTreeMap;

/// The places a request lies in, from the smallest up; place 0 stands for everywhere.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Places {
    pub grid: Option<i64>,
    pub community: i64,
    pub subdistrict: i64,
    pub district: i64,
}

/// "Everywhere": the place of the rollups that cover every community.
pub(crate) const EVERYWHERE: i64 = 0;

impl Places {
    /// Where the distinct-entrance cells are counted (grids are not).
    fn above_grid(&self) -> Vec<i64> {
        let mut places = vec![self.community, self.subdistrict];
        if self.district != self.subdistrict {
            places.push(self.district);
        }
        places.push(EVERYWHERE);
        places
    }

    /// Where the tallies are counted by category and channel (a grid's are counted as a
    /// whole: the report wants only its received and resolved).
    fn all(&self) -> Vec<i64> {
        self.above_grid()
    }
}

const TALLY_COLUMNS: &str = "received, resolved, long_term, open, closed, responded_in_time, \
                             resolved_in_time, rated, satisfied";

/// The advisory lock a rebuild holds alone and every writer of rollups (an event's
/// transaction, a bulk load's batch) holds shared, on PostgreSQL: no rollup is written
/// while they are rebuilt, so a rebuild neither waits on writers' rows nor misses a write
/// made from rollups it is replacing. (On SQLite the rebuild holds the one write lock.)
pub(crate) const REBUILD_LOCK: i64 = 88500009;

/// Takes [`REBUILD_LOCK`] shared for the caller's transaction, on PostgreSQL.
pub(crate) async fn hold_off_rebuilds(conn: &mut Conn) -> StoreResult<()> {
    if BACKEND == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
            .bind(REBUILD_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A read-only transaction that sees one snapshot, so every part of a figure (rollups,
/// differences, the open requests not yet due) is read as of one moment.
pub(crate) async fn snapshot(pool: &Pool) -> StoreResult<sqlx::Transaction<'static, super::Db>> {
    let mut tx = pool.begin().await?;
    if BACKEND == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Records, in the caller's transaction, how a request's change moves the figures:
/// `before` is `None` for a request just received.
pub(crate) async fn record(
    conn: &mut Conn,
    places: Places,
    before: Option<&Counted<'_>>,
    after: &Counted<'_>,
) -> StoreResult<()> {
    hold_off_rebuilds(conn).await?;
    // The tallies, as signed differences at each key.
    let mut moves: Vec<(Month, &str, &str, Tally)> = Vec::new();
    match before {
        Some(b)
            if b.month() == after.month()
                && b.category == after.category
                && b.channel == after.channel =>
        {
            let d = after.tally().minus(&b.tally());
            if !d.is_zero() {
                moves.push((after.month(), after.category, after.channel, d));
            }
        }
        Some(b) => {
            moves.push((
                b.month(),
                b.category,
                b.channel,
                Tally::default().minus(&b.tally()),
            ));
            moves.push((after.month(), after.category, after.channel, after.tally()));
        }
        None => moves.push((after.month(), after.category, after.channel, after.tally())),
    }
    if !moves.is_empty() {
        let mut sql = SqlBuilder::new(&format!(
            "INSERT INTO figure_deltas (place_id, month, category, channel, {TALLY_COLUMNS}) VALUES "
        ));
        let mut first = true;
        let grid = places.grid.map(|grid| (grid, true));
        for (place, whole) in places.all().into_iter().map(|p| (p, false)).chain(grid) {
            for (month, category, channel, d) in &moves {
                let (category, channel) = if whole {
                    ("", "")
                } else {
                    (*category, *channel)
                };
                if !first {
                    sql.push(", ");
                }
                first = false;
                let mut values = vec![
                    sql.int(place),
                    sql.int(*month),
                    sql.text(category),
                    sql.text(channel),
                ];
                for v in d.as_array() {
                    values.push(sql.int(v));
                }
                sql.push(&format!("({})", values.join(", ")));
            }
        }
        sql.query().execute(&mut *conn).await?;
    }

    // The entrance cells: (entrance, category, month) -> (requests, resolved) differences.
    let mut cells: Cells = BTreeMap::new();
    if let Some(b) = before {
        add_cell(&mut cells, b, -1);
    }
    add_cell(&mut cells, after, 1);
    for ((entrance, category, month), (d_requests, d_resolved)) in cells {
        if d_requests == 0 && d_resolved == 0 {
            continue;
        }
        let (requests, resolved): (i64, i64) = sqlx::query_as(
            "INSERT INTO entrance_months (entrance_id, category, month, requests, resolved) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (entrance_id, category, month) DO UPDATE SET \
             requests = entrance_months.requests + excluded.requests, \
             resolved = entrance_months.resolved + excluded.resolved \
             RETURNING requests, resolved",
        )
        .bind(entrance)
        .bind(category)
        .bind(month)
        .bind(d_requests)
        .bind(d_resolved)
        .fetch_one(&mut *conn)
        .await?;
        let kinds = [
            (CellKind::Asked, requests - d_requests, requests),
            (CellKind::Resolved, resolved - d_resolved, resolved),
        ];
        for (kind, was, now) in kinds {
            let Some(change) = CellChange::of(was, now) else {
                continue;
            };
            let column = match kind {
                CellKind::Asked => "requests",
                CellKind::Resolved => "resolved",
            };
            let (previous, next): (Option<i32>, Option<i32>) = sqlx::query_as(&format!(
                "SELECT \
                 (SELECT MAX(month) FROM entrance_months \
                  WHERE entrance_id = $1 AND category = $2 AND month < $3 AND {column} > 0), \
                 (SELECT MIN(month) FROM entrance_months \
                  WHERE entrance_id = $1 AND category = $2 AND month > $3 AND {column} > 0)"
            ))
            .bind(entrance)
            .bind(category)
            .bind(month)
            .fetch_one(&mut *conn)
            .await?;
            let spans = span_moves(change, month, previous.unwrap_or(NO_MONTH), next);
            let mut sql = SqlBuilder::new(
                "INSERT INTO entrance_span_deltas (place_id, kind, category, month, prev_month, cells) VALUES ",
            );
            let mut first = true;
            for place in places.above_grid() {
                for (m, prev, d) in &spans {
                    if !first {
                        sql.push(", ");
                    }
                    first = false;
                    let values = [
                        sql.int(place),
                        sql.int(kind as i64),
                        sql.text(category),
                        sql.int(*m),
                        sql.int(*prev),
                        sql.int(*d),
                    ];
                    sql.push(&format!("({})", values.join(", ")));
                }
            }
            sql.query().execute(&mut *conn).await?;
        }
    }
    Ok(())
}

type Cells<'a> = BTreeMap<(i64, &'a str, Month), (i64, i64)>;

fn add_cell<'a>(cells: &mut Cells<'a>, c: &Counted<'a>, sign: i64) {
    if let Some(entrance) = c.entrance_id {
        let entry = cells.entry((entrance, c.category, c.month())).or_default();
        entry.0 += sign;
        entry.1 += sign * i64::from(bangbang_domain::figures::is_resolved(c.status));
    }
}

/// Moves the appended differences into the base tables. Safe beside writers and beside
/// another instance folding at the same time: on PostgreSQL each fold deletes exactly the
/// rows it adds up (`DELETE ... RETURNING`); on SQLite the fold holds the one write lock.
pub(crate) async fn fold(pool: &Pool) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let sums = |table: &str, keys: &str, values: &str| {
        let set: Vec<String> = values
            .split(", ")
            .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
            .collect();
        (
            format!(
                "SELECT {keys}, {} FROM",
                values
                    .split(", ")
                    .map(|c| format!("SUM({c})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "GROUP BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {}",
                set.join(", ")
            ),
        )
    };
    let mut moved = 0;
    for (table, deltas, keys, values) in [
        (
            "figures",
            "figure_deltas",
            "place_id, month, category, channel",
            TALLY_COLUMNS,
        ),
        (
            "entrance_spans",
            "entrance_span_deltas",
            "place_id, month, kind, category, prev_month",
            "cells",
        ),
    ] {
        let (select, group) = sums(table, keys, values);
        let values_list = values;
        let sql = match BACKEND {
            Backend::Postgres => format!(
                "WITH moved AS (DELETE FROM {deltas} RETURNING {keys}, {values_list}) \
                 INSERT INTO {table} ({keys}, {values_list}) {select} moved {group}"
            ),
            // `WHERE true` tells SQLite's parser the ON CONFLICT belongs to the INSERT.
            Backend::Sqlite => format!(
                "INSERT INTO {table} ({keys}, {values_list}) {select} {deltas} WHERE true {group}"
            ),
        };
        moved += sqlx::query(&sql).execute(&mut *tx).await?.rows_affected();
        if BACKEND == Backend::Sqlite {
            sqlx::query(&format!("DELETE FROM {deltas}"))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(moved)
}

/// The month of a `reported_ms` column, cut at `offset` seconds east of UTC.
pub(crate) fn month_sql(column: &str, offset_seconds: i32) -> String {
    let offset_ms = i64::from(offset_seconds) * 1000;
    match BACKEND {
        Backend::Postgres => format!(
            "CAST(EXTRACT(YEAR FROM to_timestamp(({column} + {offset_ms}) / 1000.0) AT TIME ZONE 'UTC') * 12 \
             + EXTRACT(MONTH FROM to_timestamp(({column} + {offset_ms}) / 1000.0) AT TIME ZONE 'UTC') - 1 AS INTEGER)"
        ),
        Backend::Sqlite => format!(
            "(CAST(strftime('%Y', ({column} + {offset_ms}) / 1000, 'unixepoch') AS INTEGER) * 12 \
             + CAST(strftime('%m', ({column} + {offset_ms}) / 1000, 'unixepoch') AS INTEGER) - 1)"
        ),
    }
}

const RESOLVED: &str = "CASE WHEN r.status IN ('resolved', 'reviewed') THEN 1 ELSE 0 END";

/// Recomputes every rollup from the requests, in one transaction (a consistent snapshot:
/// what writers append meanwhile stays in the differences and still counts once). The rows
/// are written in the order figures read them (by place, then month), so a place's year
/// lies in a few pages, not one page a row.
pub(crate) async fn rebuild(pool: &Pool) -> StoreResult<()> {
    rebuild_if(pool, false).await
}

/// [`rebuild`], one instance at a time: on PostgreSQL under a session advisory lock taken
/// *before* the rebuild's snapshot, so an instance that waited sees the rebuild it waited
/// for and (with `only_if_stale`) does not repeat it.
async fn rebuild_if(pool: &Pool, only_if_stale: bool) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    if BACKEND == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(REBUILD_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let rebuilt = rebuild_on(&mut conn, only_if_stale).await;
    if BACKEND == Backend::Postgres {
        let unlocked = match &rebuilt {
            Ok(_) => sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(REBUILD_LOCK)
                .execute(&mut *conn)
                .await
                .is_ok(),
            Err(_) => false,
        };
        if !unlocked {
            // Closing the connection is what surely lets the lock go.
            drop(conn.detach());
        }
    }
    if rebuilt? {
        // The planner's statistics of tables just rewritten, so it plans for what they hold.
        for table in ["figures", "entrance_months", "entrance_spans"] {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// Rewrites the rollups on `conn`; `false` when `only_if_stale` found them current.
async fn rebuild_on(conn: &mut Conn, only_if_stale: bool) -> StoreResult<bool> {
    let offset = local_zone().local_minus_utc();
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    if BACKEND == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await?;
    }
    if only_if_stale {
        let state: Option<(i32,)> =
            sqlx::query_as("SELECT zone_offset_seconds FROM figures_state WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
        if state.map(|(o,)| o) == Some(offset) {
            return Ok(false);
        }
    }
    for table in [
        "figures",
        "figure_deltas",
        "entrance_months",
        "entrance_spans",
        "entrance_span_deltas",
        "figures_state",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
    }
    let month = month_sql("r.reported_ms", offset);
    let one = |condition: &str| format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)");
    let base = format!(
        "WITH base AS (SELECT r.grid_id, r.community_id, r.subdistrict_id, r.district_id, \
         {month} AS month, r.category, r.channel, COUNT(*) AS received, \
         {} AS resolved, {} AS long_term, {} AS open, {} AS closed, {} AS responded_in_time, \
         {} AS resolved_in_time, {} AS rated, {} AS satisfied \
         FROM requests r GROUP BY 1, 2, 3, 4, 5, 6, 7)",
        one("r.status IN ('resolved', 'reviewed')"),
        one("r.status = 'long_term'"),
        one("r.status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress')"),
        one("r.status = 'closed'"),
        one("r.first_response_ms IS NOT NULL AND r.first_response_ms <= r.respond_by_ms"),
        one("r.status IN ('resolved', 'reviewed') AND r.resolved_ms <= r.resolve_by_ms"),
        one("r.satisfaction IS NOT NULL"),
        one("r.satisfaction IN ('satisfied', 'basic')"),
    );
    let levels = [
        "grid_id, '' AS category, '' AS channel FROM base WHERE grid_id IS NOT NULL",
        "community_id, category, channel FROM base",
        "subdistrict_id, category, channel FROM base WHERE subdistrict_id IS NOT NULL",
        "district_id, category, channel FROM base \
         WHERE district_id IS NOT NULL AND district_id <> subdistrict_id",
        "0, category, channel FROM base",
    ];
    let union: Vec<String> = levels
        .iter()
        .map(|level| {
            let (place, rest) = level.split_once(" FROM ").expect("a level");
            let (place, keys) = place.split_once(", ").expect("a place and its keys");
            format!("SELECT {place} AS place_id, month, {keys}, {TALLY_COLUMNS} FROM {rest}")
        })
        .collect();
    let sums: Vec<String> = TALLY_COLUMNS
        .split(", ")
        .map(|c| format!("SUM({c})"))
        .collect();
    sqlx::query(&format!(
        "{base} INSERT INTO figures (place_id, month, category, channel, {TALLY_COLUMNS}) \
         SELECT place_id, month, category, channel, {} FROM ({}) t \
         GROUP BY place_id, month, category, channel \
         ORDER BY place_id, month, category, channel",
        sums.join(", "),
        union.join(" UNION ALL ")
    ))
    .execute(&mut *tx)
    .await?;

    sqlx::query(&format!(
        "INSERT INTO entrance_months (entrance_id, category, month, requests, resolved) \
         SELECT r.entrance_id, r.category, {month}, COUNT(*), SUM({RESOLVED}) \
         FROM requests r WHERE r.entrance_id IS NOT NULL GROUP BY 1, 2, 3"
    ))
    .execute(&mut *tx)
    .await?;
    for (kind, column) in [
        (CellKind::Asked, "requests"),
        (CellKind::Resolved, "resolved"),
    ] {
        let cells = format!(
            "WITH cells AS (SELECT e.community_id, e.subdistrict_id, e.district_id, c.category, \
             c.month, COALESCE(LAG(c.month) OVER (PARTITION BY c.entrance_id, c.category \
             ORDER BY c.month), {NO_MONTH}) AS prev_month \
             FROM entrance_months c JOIN places e ON e.id = c.entrance_id WHERE c.{column} > 0)"
        );
        let levels = [
            "community_id FROM cells",
            "subdistrict_id FROM cells WHERE subdistrict_id IS NOT NULL",
            "district_id FROM cells WHERE district_id IS NOT NULL AND district_id <> subdistrict_id",
            "0 FROM cells",
        ];
        let union: Vec<String> = levels
            .iter()
            .map(|level| {
                let (place, rest) = level.split_once(" FROM ").expect("a level");
                format!("SELECT {place} AS place_id, category, month, prev_month FROM {rest}")
            })
            .collect();
        sqlx::query(&format!(
            "{cells} INSERT INTO entrance_spans (place_id, kind, category, month, prev_month, cells) \
             SELECT place_id, {}, category, month, prev_month, COUNT(*) FROM ({}) t \
             GROUP BY place_id, category, month, prev_month \
             ORDER BY place_id, month, category, prev_month",
            kind as i64,
            union.join(" UNION ALL ")
        ))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("INSERT INTO figures_state (id, zone_offset_seconds) VALUES (1, $1)")
        .bind(offset)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether the rollups are whole and were cut in this time zone (a bulk load marks them
/// stale until they are rebuilt).
pub(crate) async fn current(conn: &mut Conn) -> StoreResult<bool> {
    let state: Option<(i32,)> =
        sqlx::query_as("SELECT zone_offset_seconds FROM figures_state WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(state.map(|(offset,)| offset) == Some(local_zone().local_minus_utc()))
}

/// Rebuilds the rollups if they were never built, are stale, or were cut in another time
/// zone.
pub(crate) async fn ensure(pool: &Pool) -> StoreResult<()> {
    if !current(&mut *pool.acquire().await?).await? {
        rebuild_if(pool, true).await?;
    }
    Ok(())
}

/// The rows of one place's rollup and its pending differences, for whole months.
fn rollup_rows(
    sql: &mut SqlBuilder,
    table: &str,
    deltas: &str,
    columns: &str,
    place: i64,
    span: MonthSpan,
) {
    let p = sql.int(place);
    let from = sql.int(span.first());
    let to = sql.int(span.end());
    let filter = format!("place_id = {p} AND month >= {from} AND month < {to}");
    sql.push(&format!(
        "(SELECT {columns} FROM {table} WHERE {filter} UNION ALL SELECT {columns} FROM {deltas} WHERE {filter}) f"
    ));
}

/// Sums of the tallies of `place` over `span`, by category and channel.
pub(crate) async fn tallies(
    conn: &mut Conn,
    place: i64,
    span: MonthSpan,
) -> StoreResult<Vec<(String, String, Tally)>> {
    let sums: Vec<String> = TALLY_COLUMNS
        .split(", ")
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect();
    let mut sql = SqlBuilder::new(&format!(
        "SELECT category, channel, {} FROM ",
        sums.join(", ")
    ));
    rollup_rows(
        &mut sql,
        "figures",
        "figure_deltas",
        &format!("category, channel, {TALLY_COLUMNS}"),
        place,
        span,
    );
    sql.push(" GROUP BY category, channel");
    type Row = (String, String, i64, i64, i64, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = sql.query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(category, channel, a, b, c, d, e, f, g, h, i)| {
            let tally = Tally {
                received: a,
                resolved: b,
                long_term: c,
                open: d,
                closed: e,
                responded_in_time: f,
                resolved_in_time: g,
                rated: h,
                satisfied: i,
            };
            (category, channel, tally)
        })
        .collect())
}

/// Distinct entrances of `place` over `span`, by category: (asked, resolved).
pub(crate) async fn entrances(
    conn: &mut Conn,
    place: i64,
    span: MonthSpan,
) -> StoreResult<BTreeMap<String, (i64, i64)>> {
    let mut sql = SqlBuilder::new(
        "SELECT category, CAST(COALESCE(SUM(CASE WHEN kind = 0 THEN cells ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN kind = 1 THEN cells ELSE 0 END), 0) AS BIGINT) FROM ",
    );
    rollup_rows(
        &mut sql,
        "entrance_spans",
        "entrance_span_deltas",
        "kind, category, prev_month, cells",
        place,
        span,
    );
    let first = sql.int(span.first());
    sql.push(&format!(" WHERE prev_month < {first} GROUP BY category"));
    let rows: Vec<(String, i64, i64)> = sql.query_as().fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|(c, a, r)| (c, (a, r))).collect())
}

/// Requests received and resolved by month, for `place` over `span`.
pub(crate) async fn monthly(
    conn: &mut Conn,
    place: i64,
    span: MonthSpan,
) -> StoreResult<Vec<(Month, i64, i64)>> {
    let mut sql = SqlBuilder::new(
        "SELECT month, CAST(SUM(received) AS BIGINT), CAST(SUM(resolved) AS BIGINT) FROM ",
    );
    rollup_rows(
        &mut sql,
        "figures",
        "figure_deltas",
        "month, received, resolved",
        place,
        span,
    );
    sql.push(" GROUP BY month HAVING SUM(received) <> 0 ORDER BY month");
    Ok(sql.query_as().fetch_all(&mut *conn).await?)
}

/// Requests received and resolved by grid, for the grids whose `column` (`community_id`,
/// `subdistrict_id`, `district_id`, or none for every grid) is `place`, over `span`.
pub(crate) async fn by_grid(
    conn: &mut Conn,
    within: Option<(&str, i64)>,
    span: MonthSpan,
) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    let mut sql = SqlBuilder::new("");
    let grids = match within {
        Some((column, place)) => {
            let p = sql.int(place);
            format!("SELECT id FROM places WHERE kind = 'grid' AND {column} = {p}")
        }
        None => "SELECT id FROM places WHERE kind = 'grid'".to_string(),
    };
    let from = sql.int(span.first());
    let to = sql.int(span.end());
    let filter = format!("place_id IN ({grids}) AND month >= {from} AND month < {to}");
    sql.push(&format!(
        "SELECT g.id, g.name, f.received, f.resolved FROM \
         (SELECT place_id, CAST(SUM(received) AS BIGINT) AS received, CAST(SUM(resolved) AS BIGINT) AS resolved FROM \
          (SELECT place_id, received, resolved FROM figures WHERE {filter} UNION ALL \
           SELECT place_id, received, resolved FROM figure_deltas WHERE {filter}) u \
          GROUP BY place_id HAVING SUM(received) <> 0) f \
         JOIN places g ON g.id = f.place_id"
    ));
    Ok(sql.query_as().fetch_all(&mut *conn).await?)
}
