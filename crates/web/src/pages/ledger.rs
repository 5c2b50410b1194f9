//! The two ledgers staff keep: 接待台账 (who asked what, when) and 处置清单 (what was done),
//! with filters, text search and keyset pages.

use super::ctx::{Ctx, SignedIn};
use super::desk::{require, READERS};
use super::form::{render, PageError};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bangbang_domain::{
    category::CategoryCode,
    lifecycle::Status,
    request::Channel,
    time::{parse_date, Period},
    Scope,
};
use bangbang_store::{Cursor, GridRecord, RequestFilter, RequestRecord};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/desk/ledger", get(ledger))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct LedgerQuery {
    pub view: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub grid: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
}

impl LedgerQuery {
    fn get(v: &Option<String>) -> &str {
        v.as_deref().map(str::trim).unwrap_or("")
    }

    pub fn view(&self) -> &str {
        match Self::get(&self.view) {
            "disposal" => "disposal",
            "both" => "both",
            _ => "intake",
        }
    }

    pub fn from(&self) -> &str {
        Self::get(&self.from)
    }
    pub fn to(&self) -> &str {
        Self::get(&self.to)
    }
    pub fn status(&self) -> &str {
        Self::get(&self.status)
    }
    pub fn category(&self) -> &str {
        Self::get(&self.category)
    }
    pub fn channel(&self) -> &str {
        Self::get(&self.channel)
    }
    pub fn grid(&self) -> &str {
        Self::get(&self.grid)
    }
    pub fn q(&self) -> &str {
        Self::get(&self.q)
    }

    /// This query's filters as URL parameters, for the tabs and the next page link.
    pub fn params(&self, view: &str) -> String {
        let pairs = [
            ("view", view),
            ("from", self.from()),
            ("to", self.to()),
            ("status", self.status()),
            ("category", self.category()),
            ("channel", self.channel()),
            ("grid", self.grid()),
            ("q", self.q()),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", super::ctx::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub struct Row {
    pub r: RequestRecord,
    pub phone: String,
    pub room: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    ctx: Ctx,
    q: LedgerQuery,
    rows: Vec<Row>,
    next: Option<String>,
    grids: Vec<GridRecord>,
    statuses: Vec<Status>,
    channels: Vec<Channel>,
    problems: Vec<String>,
}

/// The request filter a ledger query asks for, within the actor's scope, and any dates
/// that could not be read.
pub fn filter_of(actor: &bangbang_domain::Actor, q: &LedgerQuery) -> (RequestFilter, Vec<String>) {
    let mut problems = Vec::new();
    let mut date = |text: &str, what: &str| {
        if text.is_empty() {
            return None;
        }
        parse_date(text).or_else(|| {
            problems.push(format!("{what}: {text}?"));
            None
        })
    };
    let period = Period {
        from: date(q.from(), "from"),
        to: date(q.to(), "to"),
    };
    let (start, end) = period.bounds_ms();
    let filter = RequestFilter {
        status: Status::parse(q.status()),
        category: CategoryCode::parse(q.category()),
        channel: Channel::parse(q.channel()),
        grid_id: q.grid().parse().ok(),
        text: Some(q.q().to_string()).filter(|t| !t.is_empty()),
        text_in_rooms: actor.is_office(),
        from_ms: period.from.map(|_| start),
        to_ms: period.to.map(|_| end),
        cursor: Cursor::decode(LedgerQuery::get(&q.cursor)),
        limit: 50,
        ..RequestFilter::for_actor(actor)
    };
    (filter, problems)
}

async fn ledger(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    require(&actor, READERS)?;
    let (filter, problems) = filter_of(&actor, &q);
    let page = state.store.list_requests(&filter).await?;
    state.reads.log(&actor, &page.items).await?;
    let rows = page
        .items
        .into_iter()
        .map(|r| {
            let (phone, room, _) = r.contact_for(&actor);
            Row { phone, room, r }
        })
        .collect();
    let grids = match actor.scope {
        Scope::Within(place) => state.store.grids(place).await?,
        Scope::Everywhere => Vec::new(),
    };
    let next = page
        .next
        .map(|c| format!("{}&cursor={}", q.params(q.view()), c.encode()));
    Ok(render(&LedgerPage {
        ctx,
        q,
        rows,
        next,
        grids,
        statuses: Status::ALL.to_vec(),
        channels: Channel::ALL.to_vec(),
        problems,
    }))
}
