//! The store's queries compiled against SQLite's native sqlx driver.
//!
//! The query modules (`queries/`) are shared with the other dialect: each dialect module
//! compiles them against its own concrete driver types ([`Db`], [`Pool`], [`Conn`]), so
//! one SQL text serves both databases with no generic bounds, and what differs between the
//! two lives here.

use super::Backend;

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Pool = sqlx::SqlitePool;
pub(crate) type Conn = sqlx::SqliteConnection;
pub(crate) const BACKEND: Backend = Backend::Sqlite;

/// A stored list (skills, photo ids). SQLite has no array type: the list is kept
/// comma-separated (its items never hold a comma).
pub(crate) type List = String;

pub(crate) fn to_list(items: &[String]) -> List {
    items.join(",")
}

pub(crate) fn from_list(list: List) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
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
