//! The mid-term report (中期汇报): everything it shows for a period and scope, gathered once
//! for the printable page, the workbook and `bangbang report`.

use crate::Error;
use bangbang_domain::stats::RATE_DEFINITIONS_ZH;
use bangbang_domain::time::{local_date, parse_date, to_ms, Period};
use bangbang_domain::Actor;
use bangbang_store::{
    Community, Reach, ReportExtras, StatsReport, StatsScope, Store, VolunteerTotal,
};
use chrono::{Datelike, NaiveDate, Utc};

/// The period asked for, as whole local days: by default from the first of January of this
/// year to today; a `to` before `from` is taken as `from`.
pub fn period(from: Option<&str>, to: Option<&str>) -> (NaiveDate, NaiveDate) {
    let today = local_date(Utc::now());
    let from = from
        .and_then(parse_date)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let to = to.and_then(parse_date).unwrap_or(today).max(from);
    (from, to)
}

/// The half-open UTC milliseconds `[start, end)` of the days `from` to `to`, both included.
pub fn bounds(from: NaiveDate, to: NaiveDate) -> (i64, i64) {
    Period {
        from: Some(from),
        to: Some(to),
    }
    .bounds_ms()
}

/// What the report is asked for: a community (slug; all in scope when left out) and a
/// period.
#[derive(Debug, Clone, Default, serde::Deserialize)]
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
    /// The latest signed ledger checkpoint as one printable line, if one was taken.
    pub checkpoint: Option<String>,
}

/// Gathers the report for `actor`: the communities in their scope (or the one asked for),
/// for the period asked (by default this year so far).
pub async fn gather(store: &dyn Store, actor: &Actor, q: &ReportQuery) -> Result<Report, Error> {
    let (from, to) = period(q.from.as_deref(), q.to.as_deref());
    let communities: Vec<Community> = store
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
        reach: Reach::of(actor),
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
        stats: store.stats(&scope).await?,
        extras: store.report_extras(&scope).await?,
        communities: communities.clone(),
        volunteers: store
            .volunteer_totals(actor.scope, chosen.map(|c| c.id), start, end, 10)
            .await?,
        checkpoint: store
            .latest_checkpoint()
            .await?
            .map(|c| checkpoint_line(&c)),
    })
}

/// A checkpoint as one line for the foot of a printed report or an export: when it was
/// taken, the signing key's fingerprint and the start of the Merkle root, enough to find it
/// again and check the ledger against it (`bangbang ledger verify --checkpoint`).
pub fn checkpoint_line(c: &bangbang_store::CheckpointRecord) -> String {
    let at = bangbang_domain::time::from_ms(c.taken_ms)
        .with_timezone(&bangbang_domain::time::local_zone())
        .format("%Y-%m-%d %H:%M");
    let root: String = c.merkle_root.chars().take(16).collect();
    format!(
        "账本校验点 / ledger checkpoint {at} · 指纹 fingerprint {} · Merkle {root}",
        c.fingerprint
    )
}

/// The report as the workbook shows it (in Chinese, as offices file it).
pub fn report_data(
    r: &Report,
    categories: &[bangbang_domain::category::Category],
) -> bangbang_sheets::ReportData {
    let c = &r.stats.counts;
    let rates = &r.stats.rates;
    let rate = |name: &str, rate: &bangbang_domain::stats::Rate, definition: &str| {
        (
            name.to_string(),
            rate.percent(),
            rate.numerator,
            rate.denominator,
            definition.to_string(),
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
            rate("响应率", &rates.response, RATE_DEFINITIONS_ZH[0]),
            rate("办结率", &rates.resolution, RATE_DEFINITIONS_ZH[1]),
            rate("按时办结率", &rates.on_time, RATE_DEFINITIONS_ZH[2]),
            rate("满意率", &rates.satisfaction, RATE_DEFINITIONS_ZH[3]),
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
        checkpoint: r.checkpoint.clone(),
    }
}
