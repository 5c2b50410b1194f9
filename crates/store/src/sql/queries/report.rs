//! What the mid-term report adds to the stats: figures by grid and a monthly trend, both
//! counted by the database (from the rollups for whole months at a community or above,
//! otherwise from the rows).

use super::args::SqlBuilder;
use super::figures;
use super::requests::{push_figures_scope, scope_sql, ScopeSql};
use super::stats::rollup_of;
use super::{Conn, Pool};
use crate::model::{ReportExtras, StatsScope};
use crate::StoreResult;
use bangbang_domain::figures::{month_label, MonthSpan};
use bangbang_domain::time::local_zone;

const RESOLVED: &str = "CASE WHEN r.status IN ('resolved', 'reviewed') THEN 1 ELSE 0 END";
/// The grid of requests filed without one.
const NO_GRID: &str = "—";

fn scoped(select: &str, scope: &StatsScope, bound: ScopeSql) -> SqlBuilder {
    let mut sql = SqlBuilder::new(select);
    push_figures_scope(&mut sql, scope, bound);
    sql
}

pub(crate) async fn extras(pool: &Pool, scope: &StatsScope) -> StoreResult<ReportExtras> {
    let bound = scope_sql(pool, scope.reach.scope()).await?;
    let mut tx = figures::snapshot(pool).await?;
    let extras = match rollup_of(&mut tx, scope, bound).await? {
        Some((place, span)) => from_rollups(&mut tx, place, span).await?,
        None => from_rows(&mut tx, scope, bound).await?,
    };
    tx.commit().await?;
    Ok(extras)
}

pub(crate) async fn extras_from_rows(pool: &Pool, scope: &StatsScope) -> StoreResult<ReportExtras> {
    let bound = scope_sql(pool, scope.reach.scope()).await?;
    let mut tx = figures::snapshot(pool).await?;
    let extras = from_rows(&mut tx, scope, bound).await?;
    tx.commit().await?;
    Ok(extras)
}

async fn from_rollups(conn: &mut Conn, place: i64, span: MonthSpan) -> StoreResult<ReportExtras> {
    let monthly: Vec<(String, i64, i64)> = figures::monthly(&mut *conn, place, span)
        .await?
        .into_iter()
        .map(|(month, received, resolved)| (month_label(month), received, resolved))
        .collect();
    let within = if place == figures::EVERYWHERE {
        None
    } else {
        let (kind,): (String,) = sqlx::query_as("SELECT kind FROM places WHERE id = $1")
            .bind(place)
            .fetch_one(&mut *conn)
            .await?;
        let column = match kind.as_str() {
            "subdistrict" => "subdistrict_id",
            "district" => "district_id",
            _ => "community_id",
        };
        Some((column, place))
    };
    let mut grids: Vec<(i64, String, i64, i64)> =
        figures::by_grid(&mut *conn, within, span).await?;
    // What no grid holds: the place's total less its grids'.
    let (received, resolved) = monthly
        .iter()
        .fold((0, 0), |(a, b), (_, r, s)| (a + r, b + s));
    let (in_grids, resolved_in_grids) = grids
        .iter()
        .fold((0, 0), |(a, b), (_, _, r, s)| (a + r, b + s));
    if received > in_grids {
        grids.push((
            0,
            NO_GRID.to_string(),
            received - in_grids,
            resolved - resolved_in_grids,
        ));
    }
    let by_grid = in_order(grids);
    Ok(ReportExtras { by_grid, monthly })
}

/// Grids by name (in Rust, so both databases and both paths agree whatever their
/// collation), then requests with no grid (id 0) last.
fn in_order(mut grids: Vec<(i64, String, i64, i64)>) -> Vec<(String, i64, i64)> {
    grids.sort_by(|a, b| {
        (a.0 == 0)
            .cmp(&(b.0 == 0))
            .then_with(|| a.1.cmp(&b.1))
            .then(a.0.cmp(&b.0))
    });
    grids
        .into_iter()
        .map(|(_, name, received, resolved)| (name, received, resolved))
        .collect()
}

async fn from_rows(
    conn: &mut Conn,
    scope: &StatsScope,
    bound: ScopeSql,
) -> StoreResult<ReportExtras> {
    let mut sql = scoped(
        &format!(
            "SELECT COALESCE(g.id, 0), COALESCE(g.name, '{NO_GRID}'), COUNT(*), \
             COALESCE(SUM({RESOLVED}), 0) FROM requests r LEFT JOIN places g ON g.id = r.grid_id"
        ),
        scope,
        bound,
    );
    sql.push(" GROUP BY g.id, g.name");
    let grids: Vec<(i64, String, i64, i64)> = sql.query_as().fetch_all(&mut *conn).await?;
    let by_grid = in_order(grids);

    let month = figures::month_sql("r.reported_ms", local_zone().local_minus_utc());
    let mut sql = scoped(
        &format!("SELECT {month} AS month, COUNT(*), COALESCE(SUM({RESOLVED}), 0) FROM requests r"),
        scope,
        bound,
    );
    sql.push(" GROUP BY 1 ORDER BY 1");
    let monthly: Vec<(i32, i64, i64)> = sql.query_as().fetch_all(&mut *conn).await?;
    let monthly = monthly
        .into_iter()
        .map(|(month, received, resolved)| (month_label(month), received, resolved))
        .collect();
    Ok(ReportExtras { by_grid, monthly })
}
