//! The mid-term report (中期汇报): one printable page for a period and scope, with the
//! counts, the four rates and their definitions, by category (requests and entrances), by
//! channel, by grid, the monthly trend, top volunteers and charts.

use super::ctx::{Ctx, SignedIn};
use super::desk::{require, READERS};
use super::form::{render, PageError};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bangbang_app::report::gather;
pub use bangbang_app::report::{report_data, Report, ReportQuery};
use bangbang_domain::Actor;
use bangbang_media::charts::{bar_chart, Series};
use bangbang_store::Store;

pub fn router() -> Router<AppState> {
    Router::new().route("/report", get(report_page))
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
    let r = gather(state.store.as_ref(), &actor, &q).await?;
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
    store: &dyn Store,
    actor: &Actor,
    q: &ReportQuery,
) -> Result<String, PageError> {
    let r = gather(store, actor, q).await?;
    let ctx = Ctx::offline(super::i18n::Lang::Zh, store.categories().await?);
    report_view(ctx, r)
        .render()
        .map_err(|e| PageError::from(crate::AppError::Internal(e.to_string())))
}
