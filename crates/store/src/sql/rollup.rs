//! Keeping the figures' rollups: folding their appended differences, rebuilding them, and
//! the row count they are checked against.

use super::{postgres, sqlite, Pools, SqlStore};
use crate::model::{ReportExtras, StatsReport, StatsScope};
use crate::StoreResult;
use std::time::Duration;

/// How often `serve` folds the rollups' differences into their base rows.
pub const FOLD_EVERY: Duration = Duration::from_secs(2);

impl SqlStore {
    /// Moves the differences writers appended to the figures' rollups into their base
    /// rows, so a figure reads few rows; returns how many base rows it touched. Figures
    /// are exact before and after: this only keeps them fast. Safe on several instances.
    pub async fn fold_figures(&self) -> StoreResult<u64> {
        on!(self, figures::fold())
    }

    /// Recomputes the figures' rollups from the requests (after a bulk load, or when the
    /// time zone months are cut in has changed).
    pub async fn rebuild_figures(&self) -> StoreResult<()> {
        on!(self, figures::rebuild())
    }

    /// Rebuilds the rollups if they were never built or were cut in another time zone.
    pub(crate) async fn ensure_figures(&self) -> StoreResult<()> {
        on!(self, figures::ensure())
    }

    /// The figures counted from the request rows, never from the rollups: the reference
    /// the rollups are tested against.
    pub async fn stats_from_rows(&self, scope: &StatsScope) -> StoreResult<StatsReport> {
        on!(self, stats::stats_from_rows(scope))
    }

    /// The report's trend and grids counted from the request rows: the reference again.
    pub async fn report_extras_from_rows(&self, scope: &StatsScope) -> StoreResult<ReportExtras> {
        on!(self, report::extras_from_rows(scope))
    }
}
