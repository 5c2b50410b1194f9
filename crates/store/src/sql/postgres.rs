//! The store's queries compiled against PostgreSQL's native sqlx driver.
//!
//! The query modules (`queries/`) are shared with the other dialect: each dialect module
//! compiles them against its own concrete driver types ([`Db`], [`Pool`], [`Conn`]), so
//! one SQL text serves both databases with no generic bounds, and what differs between the
//! two lives here.

use super::Backend;

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Pool = sqlx::PgPool;
pub(crate) type Conn = sqlx::PgConnection;
pub(crate) const BACKEND: Backend = Backend::Postgres;

/// A stored list (skills, photo ids): a native `text[]`.
pub(crate) type List = Vec<String>;

pub(crate) fn to_list(items: &[String]) -> List {
    items.to_vec()
}

pub(crate) fn from_list(list: List) -> Vec<String> {
    list
}

#[path = "queries/args.rs"]
pub(crate) mod args;
#[path = "queries/checkpoints.rs"]
pub(crate) mod checkpoints;
#[path = "queries/desk.rs"]
pub(crate) mod desk;
#[path = "queries/export.rs"]
pub(crate) mod export;
#[path = "queries/figures.rs"]
pub(crate) mod figures;
#[path = "queries/hours.rs"]
pub(crate) mod hours;
#[path = "queries/import.rs"]
pub(crate) mod import;
#[path = "queries/ledger.rs"]
pub(crate) mod ledger;
#[path = "queries/places.rs"]
pub(crate) mod places;
#[path = "queries/report.rs"]
pub(crate) mod report;
#[path = "queries/requests.rs"]
pub(crate) mod requests;
#[path = "queries/rows.rs"]
pub(crate) mod rows;
#[path = "queries/stats.rs"]
pub(crate) mod stats;
#[path = "queries/throttle.rs"]
pub(crate) mod throttle;
#[path = "queries/users.rs"]
pub(crate) mod users;
