//! The figures of docs/DESIGN.md over the requests received in a period. A period of whole
//! months at a community, sub-district, district or everywhere is read from the rollups
//! (`figures.rs`), so its cost does not grow with the requests; any other period is counted
//! from the rows, which the `(scope, reported_ms)` indexes bound. Both give the same figures.

use super::args::SqlBuilder;
use super::figures::{self, EVERYWHERE};
use super::requests::{push_figures_scope, push_scope, scope_sql, ScopeSql};
use super::{Conn, Pool};
use crate::model::{CategoryFigures, ChannelFigures, StatsReport, StatsScope};
use crate::StoreResult;
use bangbang_domain::figures::{covering_months, MonthSpan, Tally};
use bangbang_domain::stats::Counts;
use std::collections::BTreeMap;

const RESOLVED: &str = "r.status IN ('resolved', 'reviewed')";
const OPEN: &str = "r.status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress')";

fn scoped(select: &str, scope: &StatsScope, bound: ScopeSql) -> SqlBuilder {
    scoped_with(SqlBuilder::new(select), scope, bound)
}

/// The scope's conditions after a select already begun (and perhaps already holding
/// arguments of its own).
fn scoped_with(mut sql: SqlBuilder, scope: &StatsScope, bound: ScopeSql) -> SqlBuilder {
    sql.push(" FROM requests r");
    push_figures_scope(&mut sql, scope, bound);
    sql
}

fn count_if(condition: &str) -> String {
    format!("COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)")
}

#[derive(sqlx::FromRow)]
struct CountsRow {
    received: i64,
    resolved: i64,
    long_term: i64,
    open: i64,
    closed: i64,
    overdue: i64,
    responded_in_time: i64,
    resolved_in_time: i64,
    rated: i64,
    satisfied: i64,
}

/// The one place whose rollups hold exactly the figures of `scope`, and the whole months
/// to read: `None` means counting from the rows. The months may reach beyond the period
/// (a period that ends today reaches to the end of the month) only where no request lies
/// in what they add, and only while the rollups are current.
pub(crate) async fn rollup_of(
    conn: &mut Conn,
    scope: &StatsScope,
    bound: ScopeSql,
) -> StoreResult<Option<(i64, MonthSpan)>> {
    let place = match (bound, scope.community_id) {
        (ScopeSql::Everything, None) => EVERYWHERE,
        (ScopeSql::Everything, Some(community)) => community.get(),
        (ScopeSql::Column(_, place), None) => place.get(),
        (ScopeSql::Column("r.community_id", place), Some(community)) if place == community => {
            place.get()
        }
        _ => return Ok(None),
    };
    let Some(cover) = covering_months(scope.from_ms, scope.to_ms) else {
        return Ok(None);
    };
    if !figures::current(&mut *conn).await? {
        return Ok(None);
    }
    for (start, end) in cover.slivers {
        let mut sql =
            SqlBuilder::new("SELECT COUNT(*) FROM (SELECT 1 AS one FROM requests r WHERE 1 = 1");
        push_scope(&mut sql, bound, scope.community_id);
        let (start, end) = (sql.int(start), sql.int(end));
        sql.push(&format!(
            " AND r.reported_ms >= {start} AND r.reported_ms < {end} LIMIT 1) s"
        ));
        let (found,): (i64,) = sql.query_as().fetch_one(&mut *conn).await?;
        if found > 0 {
            return Ok(None);
        }
    }
    Ok(Some((place, cover.span)))
}

pub(crate) async fn stats(pool: &Pool, scope: &StatsScope) -> StoreResult<StatsReport> {
    let bound = scope_sql(pool, scope.reach.scope()).await?;
    let mut tx = figures::snapshot(pool).await?;
    let report = match rollup_of(&mut tx, scope, bound).await? {
        Some((place, span)) => from_rollups(&mut tx, scope, bound, place, span).await?,
        None => from_rows(&mut tx, scope, bound).await?,
    };
    tx.commit().await?;
    Ok(report)
}

/// The figures counted from the request rows: the reference the rollups are tested against.
pub(crate) async fn stats_from_rows(pool: &Pool, scope: &StatsScope) -> StoreResult<StatsReport> {
    let bound = scope_sql(pool, scope.reach.scope()).await?;
    let mut tx = figures::snapshot(pool).await?;
    let report = from_rows(&mut tx, scope, bound).await?;
    tx.commit().await?;
    Ok(report)
}

/// When an open request falls due: at its respond-by time while nobody has acted on it
/// (if that comes first), else at its resolve-by time. Migration 0011 indexes exactly this.
const DUE: &str = "(CASE WHEN r.first_response_ms IS NULL AND r.respond_by_ms < r.resolve_by_ms \
                   THEN r.respond_by_ms ELSE r.resolve_by_ms END)";

/// The open requests of the period not yet due: few (only recent ones), found by the
/// partial `(scope, due)` indexes. Overdue is the period's open requests less these.
async fn not_yet_due(conn: &mut Conn, scope: &StatsScope, bound: ScopeSql) -> StoreResult<i64> {
    let mut sql = SqlBuilder::new("SELECT COUNT(*)");
    sql = scoped_with(sql, scope, bound);
    let now = sql.int(scope.now_ms);
    sql.push(&format!(" AND {OPEN} AND {DUE} >= {now}"));
    let (n,): (i64,) = sql.query_as().fetch_one(&mut *conn).await?;
    Ok(n)
}

async fn from_rollups(
    conn: &mut Conn,
    scope: &StatsScope,
    bound: ScopeSql,
    place: i64,
    span: MonthSpan,
) -> StoreResult<StatsReport> {
    let tallies = figures::tallies(&mut *conn, place, span).await?;
    let entrances = figures::entrances(&mut *conn, place, span).await?;
    let mut total = Tally::default();
    let mut by_category: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (category, channel, t) in &tallies {
        total = total.plus(t);
        for (map, key) in [(&mut by_category, category), (&mut by_channel, channel)] {
            let entry = map.entry(key.clone()).or_default();
            entry.0 += t.received;
            entry.1 += t.resolved;
        }
    }
    let counts = Counts {
        received: total.received,
        resolved: total.resolved,
        long_term: total.long_term,
        open: total.open,
        closed: total.closed,
        overdue: total.open - not_yet_due(&mut *conn, scope, bound).await?,
        responded_in_time: total.responded_in_time,
        resolved_in_time: total.resolved_in_time,
        rated: total.rated,
        satisfied: total.satisfied,
    };
    let categories = by_category
        .into_iter()
        .filter(|(_, (requests, _))| *requests != 0)
        .map(|(category, (requests, resolved))| {
            let (entrances, resolved_entrances) =
                entrances.get(&category).copied().unwrap_or_default();
            (category, requests, resolved, entrances, resolved_entrances)
        })
        .collect();
    let channels = by_channel
        .into_iter()
        .filter(|(_, (requests, _))| *requests != 0)
        .map(|(channel, (requests, resolved))| ChannelFigures {
            channel,
            requests,
            resolved,
        })
        .collect();
    report(&mut *conn, counts, categories, channels).await
}

async fn from_rows(
    conn: &mut Conn,
    scope: &StatsScope,
    bound: ScopeSql,
) -> StoreResult<StatsReport> {
    // The time is bound like any value, so the statement's text is the same every time and
    // the database can reuse its plan.
    let mut sql = SqlBuilder::new("");
    let now = sql.int(scope.now_ms);
    let select = format!(
        "SELECT COUNT(*) AS received, {} AS resolved, {} AS long_term, {} AS open, {} AS closed, \
         {} AS overdue, {} AS responded_in_time, {} AS resolved_in_time, {} AS rated, {} AS satisfied",
        count_if(RESOLVED),
        count_if("r.status = 'long_term'"),
        count_if(OPEN),
        count_if("r.status = 'closed'"),
        count_if(&format!(
            "{OPEN} AND (r.resolve_by_ms < {now} OR (r.first_response_ms IS NULL AND r.respond_by_ms < {now}))"
        )),
        count_if("r.first_response_ms IS NOT NULL AND r.first_response_ms <= r.respond_by_ms"),
        count_if(&format!("{RESOLVED} AND r.resolved_ms <= r.resolve_by_ms")),
        count_if("r.satisfaction IS NOT NULL"),
        count_if("r.satisfaction IN ('satisfied', 'basic')"),
    );
    sql.push(&select);
    let row = scoped_with(sql, scope, bound)
        .query_as::<CountsRow>()
        .fetch_one(&mut *conn)
        .await?;
    let counts = Counts {
        received: row.received,
        resolved: row.resolved,
        long_term: row.long_term,
        open: row.open,
        closed: row.closed,
        overdue: row.overdue,
        responded_in_time: row.responded_in_time,
        resolved_in_time: row.resolved_in_time,
        rated: row.rated,
        satisfied: row.satisfied,
    };

    let select = format!(
        "SELECT r.category, COUNT(*), {}, COUNT(DISTINCT r.entrance_id), \
         COUNT(DISTINCT CASE WHEN {RESOLVED} THEN r.entrance_id END)",
        count_if(RESOLVED)
    );
    let mut sql = scoped(&select, scope, bound);
    sql.push(" GROUP BY r.category");
    let categories: Vec<(String, i64, i64, i64, i64)> =
        sql.query_as().fetch_all(&mut *conn).await?;

    let select = format!("SELECT r.channel, COUNT(*), {}", count_if(RESOLVED));
    let mut sql = scoped(&select, scope, bound);
    sql.push(" GROUP BY r.channel ORDER BY r.channel");
    let rows: Vec<(String, i64, i64)> = sql.query_as().fetch_all(&mut *conn).await?;
    let channels = rows
        .into_iter()
        .map(|(channel, requests, resolved)| ChannelFigures {
            channel,
            requests,
            resolved,
        })
        .collect();
    report(&mut *conn, counts, categories, channels).await
}

/// The report from its parts: categories named and put in the office's order.
async fn report(
    conn: &mut Conn,
    counts: Counts,
    categories: Vec<(String, i64, i64, i64, i64)>,
    by_channel: Vec<ChannelFigures>,
) -> StoreResult<StatsReport> {
    let names: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT code, name_zh, sort_order FROM categories")
            .fetch_all(&mut *conn)
            .await?;
    let mut by_category: Vec<(i64, CategoryFigures)> = categories
        .into_iter()
        .map(
            |(category, requests, resolved, entrances, resolved_entrances)| {
                let (name_zh, order) = names
                    .iter()
                    .find(|(code, _, _)| *code == category)
                    .map(|(_, name, order)| (name.clone(), *order))
                    .unwrap_or_else(|| (category.clone(), i64::MAX));
                (
                    order,
                    CategoryFigures {
                        category,
                        name_zh,
                        requests,
                        resolved,
                        entrances,
                        resolved_entrances,
                    },
                )
            },
        )
        .collect();
    by_category.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.category.cmp(&b.1.category)));
    Ok(StatsReport {
        rates: counts.rates(),
        counts,
        by_category: by_category.into_iter().map(|(_, f)| f).collect(),
        by_channel,
    })
}
