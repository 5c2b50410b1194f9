//! The figures for a chosen period and community: counts, the four rates, and a
//! by-category bar chart (requests and entrances) drawn on the server as SVG.

use super::ctx::{Ctx, SignedIn};
use super::desk::{require, READERS};
use super::form::{render, PageError};
use super::volunteers::{bounds, PeriodQuery};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bangbang_domain::time::to_ms;
use bangbang_media::charts::{bar_chart, Series};
use bangbang_store::{Community, Reach, StatsReport, StatsScope};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DashQuery {
    community: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    communities: Vec<Community>,
    community: String,
    from: NaiveDate,
    to: NaiveDate,
    stats: StatsReport,
    chart: String,
    /// Every community in scope side by side, when no single one is chosen.
    comparison: Vec<(String, StatsReport)>,
}

/// The by-category chart (requests and entrances) for a set of figures.
pub fn category_chart(ctx: &Ctx, stats: &StatsReport) -> String {
    let labels: Vec<String> = stats
        .by_category
        .iter()
        .map(|c| ctx.category(&c.category))
        .collect();
    let series = [
        Series {
            name: ctx.t("dash.requests"),
            values: stats.by_category.iter().map(|c| c.requests).collect(),
        },
        Series {
            name: ctx.t("dash.entrances"),
            values: stats.by_category.iter().map(|c| c.entrances).collect(),
        },
    ];
    bar_chart(ctx.t("dash.by_category"), &labels, &series, 760, 420).unwrap_or_else(|e| {
        tracing::error!(error = %e, "chart failed");
        String::new()
    })
}

async fn dashboard(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<DashQuery>,
) -> Result<Response, PageError> {
    require(&actor, READERS)?;
    let (from, to) = PeriodQuery {
        from: q.from.clone(),
        to: q.to.clone(),
    }
    .period();
    let communities: Vec<Community> = state
        .store
        .communities()
        .await?
        .into_iter()
        .filter(|c| actor.covers(&c.path()))
        .collect();
    let chosen = communities
        .iter()
        .find(|c| q.community.as_deref() == Some(c.slug.as_str()));
    let community = chosen.map(|c| c.slug.clone()).unwrap_or_default();
    let (start, end) = bounds(from, to);
    let scope = |community_id| StatsScope {
        reach: Reach::of(&actor),
        community_id,
        from_ms: Some(start),
        to_ms: Some(end),
        now_ms: to_ms(Utc::now()),
    };
    let stats = state.store.stats(&scope(chosen.map(|c| c.id))).await?;
    let chart = category_chart(&ctx, &stats);
    let mut comparison = Vec::new();
    if chosen.is_none() && communities.len() > 1 {
        for c in &communities {
            comparison.push((c.name.clone(), state.store.stats(&scope(Some(c.id))).await?));
        }
    }
    Ok(render(&DashboardPage {
        ctx,
        communities,
        community,
        from,
        to,
        stats,
        chart,
        comparison,
    }))
}
