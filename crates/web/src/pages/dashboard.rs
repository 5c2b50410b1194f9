//! The figures for a chosen period and community: counts, the four rates, and a
//! by-category bar chart (requests and entrances) drawn on the server as SVG.

use super::ctx::{Ctx, SignedIn};
use super::desk::{require, READERS};
use super::form::{render, PageError};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bangbang_domain::time::{local_date, parse_date, to_ms, Period};
use bangbang_media::charts::{bar_chart, Series};
use bangbang_store::{Community, StatsReport, StatsScope};
use chrono::{Datelike, NaiveDate, Utc};
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

async fn dashboard(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<DashQuery>,
) -> Result<Response, PageError> {
    require(&actor, READERS)?;
    let today = local_date(Utc::now());
    let from = q
        .from
        .as_deref()
        .and_then(parse_date)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let to =
        q.to.as_deref()
            .and_then(parse_date)
            .unwrap_or(today)
            .max(from);
    let communities: Vec<Community> = state
        .store
        .communities()
        .await?
        .into_iter()
        .filter(|c| actor.covers(&c.path()))
        .collect();
    let community = q
        .community
        .clone()
        .filter(|slug| communities.iter().any(|c| &c.slug == slug))
        .unwrap_or_default();
    let community_id = communities
        .iter()
        .find(|c| c.slug == community)
        .map(|c| c.id);
    let (start, end) = Period {
        from: Some(from),
        to: Some(to),
    }
    .bounds_ms();
    let stats = state
        .store
        .stats(&StatsScope {
            scope: actor.scope,
            community_id,
            from_ms: Some(start),
            to_ms: Some(end),
            now_ms: to_ms(Utc::now()),
        })
        .await?;
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
    let height = 420;
    let chart =
        bar_chart(ctx.t("dash.by_category"), &labels, &series, 760, height).unwrap_or_else(|e| {
            tracing::error!(error = %e, "chart failed");
            String::new()
        });
    let mut comparison = Vec::new();
    if community_id.is_none() && communities.len() > 1 {
        for c in &communities {
            let scope = StatsScope {
                scope: actor.scope,
                community_id: Some(c.id),
                from_ms: Some(start),
                to_ms: Some(end),
                now_ms: to_ms(Utc::now()),
            };
            comparison.push((c.name.clone(), state.store.stats(&scope).await?));
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
