//! The mid-term report (中期汇报): one printable page for a period and scope, with the
//! counts, the four rates and their definitions, by category (requests and entrances), by
//! channel, by grid, the monthly trend, top volunteers and charts.

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
use bangbang_domain::{time::to_ms, Actor};
use bangbang_media::charts::{bar_chart, Series};
use bangbang_store::{Community, ReportExtras, StatsReport, StatsScope, VolunteerTotal};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/report", get(report_page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportQuery {
    pub community: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Everything the report shows, gathered once for the page and the workbook.
pub struct Report {
    /// The communities the viewer may report on.
    pub communities: Vec<Community>,
    pub title: String,
    /// The communities covered, by name.
    pub scope_name: String,
    pub community: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub stats: StatsReport,
    pub extras: ReportExtras,
    pub volunteers: Vec<VolunteerTotal>,
}

pub async fn gather(state: &AppState, actor: &Actor, q: &ReportQuery) -> Result<Report, PageError> {
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
    let chosen = q
        .community
        .as_deref()
        .and_then(|slug| communities.iter().find(|c| c.slug == slug));
    let scope_name = match (chosen, communities.as_slice()) {
        (Some(c), _) => c.name.clone(),
        (None, [only]) => only.name.clone(),
        (None, list) => list
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
    };
    let (start, end) = bounds(from, to);
    let scope = StatsScope {
        scope: actor.scope,
        community_id: chosen.map(|c| c.id),
        from_ms: Some(start),
        to_ms: Some(end),
        now_ms: to_ms(Utc::now()),
    };
    Ok(Report {
        title: format!("{scope_name}邻里互助工作室中期汇报"),
        community: chosen.map(|c| c.slug.clone()).unwrap_or_default(),
        scope_name,
        from,
        to,
        stats: state.store.stats(&scope).await?,
        extras: state.store.report_extras(&scope).await?,
        communities: communities.clone(),
        volunteers: state
            .store
            .volunteer_totals(actor.scope, chosen.map(|c| c.id), start, end, 10)
            .await?,
    })
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ctx: Ctx,
    r: Report,
    category_chart: String,
    monthly_chart: String,
    xlsx_link: String,
}

async fn report_page(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    require(&actor, READERS)?;
    let r = gather(&state, &actor, &q).await?;
    Ok(render(&report_view(ctx, r)))
}

/// The printable report page for `r`.
fn report_view(ctx: Ctx, r: Report) -> ReportPage {
    let category_chart = super::dashboard::category_chart(&ctx, &r.stats);
    let months: Vec<String> = r.extras.monthly.iter().map(|(m, _, _)| m.clone()).collect();
    let series = [
        Series {
            name: ctx.t("dash.received"),
            values: r.extras.monthly.iter().map(|(_, a, _)| *a).collect(),
        },
        Series {
            name: ctx.t("dash.resolved"),
            values: r.extras.monthly.iter().map(|(_, _, b)| *b).collect(),
        },
    ];
    let monthly_chart =
        bar_chart(ctx.t("report.monthly"), &months, &series, 760, 360).unwrap_or_default();
    let xlsx_link = format!(
        "/report.xlsx?community={}&from={}&to={}",
        r.community, r.from, r.to
    );
    ReportPage {
        ctx,
        r,
        category_chart,
        monthly_chart,
        xlsx_link,
    }
}

/// The report as a standalone HTML page, for `bangbang report --format html`.
pub async fn report_html(
    state: &AppState,
    actor: &bangbang_domain::Actor,
    q: &ReportQuery,
) -> Result<String, PageError> {
    let r = gather(state, actor, q).await?;
    let ctx = Ctx::offline(super::i18n::Lang::Zh, state.store.categories().await?);
    report_view(ctx, r)
        .render()
        .map_err(|e| PageError::from(crate::AppError::Internal(e.to_string())))
}

/// The report as the workbook shows it (in Chinese, as offices file it).
pub fn report_data(
    r: &Report,
    categories: &[bangbang_domain::category::Category],
) -> bangbang_sheets::ReportData {
    let c = &r.stats.counts;
    let rates = &r.stats.rates;
    let rate = |name: &str, rate: &bangbang_domain::stats::Rate, key: &str| {
        (
            name.to_string(),
            rate.percent(),
            rate.numerator,
            rate.denominator,
            super::i18n::text(super::i18n::Lang::Zh, key).to_string(),
        )
    };
    let name_of = |code: &str| {
        categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.name_zh.clone())
            .unwrap_or_else(|| code.to_string())
    };
    bangbang_sheets::ReportData {
        title: r.title.clone(),
        community: r.scope_name.clone(),
        period: format!("{} 至 {}", r.from, r.to),
        counts: vec![
            ("收到诉求".into(), c.received),
            ("已办结".into(), c.resolved),
            ("长期跟进".into(), c.long_term),
            ("在办".into(), c.open),
            ("超时".into(), c.overdue),
        ],
        rates: vec![
            rate("响应率", &rates.response, "def.response"),
            rate("办结率", &rates.resolution, "def.resolution"),
            rate("按时办结率", &rates.on_time, "def.on_time"),
            rate("满意率", &rates.satisfaction, "def.satisfaction"),
        ],
        by_category: r
            .stats
            .by_category
            .iter()
            .map(|f| (name_of(&f.category), f.requests, f.resolved, f.entrances))
            .collect(),
        by_channel: r
            .stats
            .by_channel
            .iter()
            .map(|f| {
                (
                    bangbang_domain::Channel::parse(&f.channel)
                        .map(|c| c.zh().to_string())
                        .unwrap_or_else(|| f.channel.clone()),
                    f.requests,
                    f.resolved,
                )
            })
            .collect(),
        by_grid: r.extras.by_grid.clone(),
        monthly: r.extras.monthly.clone(),
        top_volunteers: r
            .volunteers
            .iter()
            .map(|v| (v.display_name.clone(), v.jobs, v.hours(), v.stars()))
            .collect(),
    }
}
