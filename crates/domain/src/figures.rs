//! How one request counts in the figures, and how the figures of a period are kept ready.
//!
//! The figures (docs/DESIGN.md) count the requests *received* in a period by the state they
//! are in *now*. Each request therefore contributes a [`Tally`] to the month it was
//! received in; when its state changes, its tally changes, and the difference is what the
//! store adds to the month's rollup, in the same transaction as the event. Summing the
//! rollups of whole months gives exactly what counting the rows would.
//!
//! Two figures cannot be summed that way:
//! - *overdue* depends on the moment it is asked, so it is counted from the open requests
//!   (few, and indexed) when asked;
//! - the *distinct entrances* (门) per category: an entrance asked twice in a period counts
//!   once. For these the store keeps, per (entrance, category), the months it had requests
//!   in (a *cell* each), and for each cell the previous such month. An entrance counts in
//!   the months `[a, b)` exactly once: at its first cell there, the one whose previous cell
//!   lies before `a`. So the distinct count over any run of whole months is the number of
//!   cells with `a <= month < b` and `previous < a`, and that *is* a sum, of cells by
//!   (month, previous month), which can be rolled up and added across places like the rest.

use crate::lifecycle::{Satisfaction, Status};
use crate::time::local_zone;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// A month as a number: `year * 12 + (month - 1)`, in the local time zone.
pub type Month = i32;

/// "No earlier cell": the previous month of an entrance's first cell.
pub const NO_MONTH: Month = -1;

/// The local month an instant falls in.
pub fn month_of(at: DateTime<Utc>) -> Month {
    let local = at.with_timezone(&local_zone());
    local.year() * 12 + local.month0() as i32
}

/// The local month of an instant in milliseconds.
pub fn month_of_ms(ms: i64) -> Month {
    month_of(crate::time::from_ms(ms))
}

/// The first instant of a local month.
pub fn month_start(month: Month) -> DateTime<Utc> {
    let (year, month0) = (month.div_euclid(12), month.rem_euclid(12) as u32);
    let date = NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap_or_default();
    crate::time::start_of_local_day(date)
}

/// `YYYY-MM` of a month.
pub fn month_label(month: Month) -> String {
    format!(
        "{:04}-{:02}",
        month.div_euclid(12),
        month.rem_euclid(12) + 1
    )
}

/// The whole local months that cover a period `[from, to)` (either end may be open), and
/// the slivers `[start, end)` they add beyond it. Where no request lies in the slivers,
/// the months' figures are exactly the period's: a period that ends today adds only days
/// no request has been received in yet. `None` for an empty period.
pub fn covering_months(from_ms: Option<i64>, to_ms: Option<i64>) -> Option<Cover> {
    if let (Some(from), Some(to)) = (from_ms, to_ms) {
        if from >= to {
            return None;
        }
    }
    let mut slivers = Vec::new();
    let from = from_ms.map(|from| {
        let month = month_of_ms(from);
        let start = month_start(month).timestamp_millis();
        if start < from {
            slivers.push((start, from));
        }
        month
    });
    let to = to_ms.map(|to| {
        let month = month_of_ms(to);
        let start = month_start(month).timestamp_millis();
        if start < to {
            let next = month + 1;
            slivers.push((to, month_start(next).timestamp_millis()));
            next
        } else {
            month
        }
    });
    Some(Cover {
        span: MonthSpan { from, to },
        slivers,
    })
}

/// Whole months covering a period, and what they add to it (see [`covering_months`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    pub span: MonthSpan,
    pub slivers: Vec<(i64, i64)>,
}

/// Whole months `[from, to)`; an open end reaches as far as there are requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSpan {
    pub from: Option<Month>,
    pub to: Option<Month>,
}

impl MonthSpan {
    /// The first month, for the distinct-entrance rule `previous < first`: with no lower
    /// bound, month 0 (year 0), so that only first cells ([`NO_MONTH`]) count.
    pub fn first(&self) -> Month {
        self.from.unwrap_or(0)
    }

    /// One past the last month.
    pub fn end(&self) -> Month {
        self.to.unwrap_or(Month::MAX)
    }
}

/// What a request adds to the figures of the month it was received in. Every field is a
/// count; the sum of many tallies is a tally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub received: i64,
    pub resolved: i64,
    pub long_term: i64,
    pub open: i64,
    pub closed: i64,
    pub responded_in_time: i64,
    pub resolved_in_time: i64,
    pub rated: i64,
    pub satisfied: i64,
}

impl Tally {
    pub fn as_array(&self) -> [i64; 9] {
        [
            self.received,
            self.resolved,
            self.long_term,
            self.open,
            self.closed,
            self.responded_in_time,
            self.resolved_in_time,
            self.rated,
            self.satisfied,
        ]
    }

    pub fn minus(&self, other: &Tally) -> Tally {
        let (a, b) = (self.as_array(), other.as_array());
        let d: Vec<i64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        Tally {
            received: d[0],
            resolved: d[1],
            long_term: d[2],
            open: d[3],
            closed: d[4],
            responded_in_time: d[5],
            resolved_in_time: d[6],
            rated: d[7],
            satisfied: d[8],
        }
    }

    pub fn plus(&self, other: &Tally) -> Tally {
        self.minus(&Tally::default().minus(other))
    }

    pub fn is_zero(&self) -> bool {
        self.as_array().iter().all(|v| *v == 0)
    }
}

/// The facts about a request that the figures read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted<'a> {
    pub reported_ms: i64,
    pub category: &'a str,
    pub channel: &'a str,
    pub grid_id: Option<i64>,
    pub entrance_id: Option<i64>,
    pub status: Status,
    pub first_response_ms: Option<i64>,
    pub respond_by_ms: i64,
    pub resolved_ms: Option<i64>,
    pub resolve_by_ms: i64,
    pub satisfaction: Option<Satisfaction>,
}

/// Whether a state counts as resolved (办结, with or without the call-back).
pub fn is_resolved(status: Status) -> bool {
    matches!(status, Status::Resolved | Status::Reviewed)
}

/// Whether a state is still being worked on.
pub fn is_open(status: Status) -> bool {
    matches!(
        status,
        Status::Submitted
            | Status::Pooled
            | Status::Dispatched
            | Status::Accepted
            | Status::InProgress
    )
}

impl Counted<'_> {
    pub fn month(&self) -> Month {
        month_of_ms(self.reported_ms)
    }

    /// The request's tally, by the definitions of the four rates.
    pub fn tally(&self) -> Tally {
        let resolved = is_resolved(self.status);
        let one = |b: bool| i64::from(b);
        Tally {
            received: 1,
            resolved: one(resolved),
            long_term: one(self.status == Status::LongTerm),
            open: one(is_open(self.status)),
            closed: one(self.status == Status::Closed),
            responded_in_time: one(self
                .first_response_ms
                .is_some_and(|at| at <= self.respond_by_ms)),
            resolved_in_time: one(
                resolved && self.resolved_ms.is_some_and(|at| at <= self.resolve_by_ms)
            ),
            rated: one(self.satisfaction.is_some()),
            satisfied: one(matches!(
                self.satisfaction,
                Some(Satisfaction::Satisfied | Satisfaction::Basic)
            )),
        }
    }
}

/// The two kinds of entrance cell: an entrance with any request in a month, and one with
/// a resolved request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CellKind {
    Asked = 0,
    Resolved = 1,
}

/// A change to one cell's count of requests (of one kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellChange {
    /// The cell went from none to some.
    Opened,
    /// The cell went from some to none.
    Emptied,
}

impl CellChange {
    /// The change when a cell's count goes from `before` to `after`, if it crosses zero.
    pub fn of(before: i64, after: i64) -> Option<CellChange> {
        match (before > 0, after > 0) {
            (false, true) => Some(CellChange::Opened),
            (true, false) => Some(CellChange::Emptied),
            _ => None,
        }
    }
}

/// How the counts of cells by (month, previous month) move when the cell at `month` opens
/// or empties, given the entrance's nearest other cells before (`previous`, or
/// [`NO_MONTH`]) and after (`next`): `(month, previous month, +1 or -1)` each.
pub fn span_moves(
    change: CellChange,
    month: Month,
    previous: Month,
    next: Option<Month>,
) -> Vec<(Month, Month, i64)> {
    let sign = match change {
        CellChange::Opened => 1,
        CellChange::Emptied => -1,
    };
    let mut moves = vec![(month, previous, sign)];
    if let Some(next) = next {
        // The next cell's previous month was `previous`; now it is `month` (or back).
        moves.push((next, previous, -sign));
        moves.push((next, month, sign));
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn months_number_and_label_round_trip() {
        let m = month_of(Utc.with_ymd_and_hms(2024, 6, 30, 17, 0, 0).unwrap());
        // 01:00 on 1 July in Shanghai.
        assert_eq!(month_label(m), "2024-07");
        assert_eq!(
            month_start(m),
            Utc.with_ymd_and_hms(2024, 6, 30, 16, 0, 0).unwrap()
        );
        assert_eq!(month_label(2024 * 12), "2024-01");
    }

    #[test]
    fn months_cover_a_period_with_slivers_beside_it() {
        let july = month_start(2024 * 12 + 6).timestamp_millis();
        let sept = month_start(2024 * 12 + 8).timestamp_millis();
        let day = 86_400_000;
        let whole = covering_months(Some(july), Some(sept)).unwrap();
        assert_eq!(
            whole.span,
            MonthSpan {
                from: Some(2024 * 12 + 6),
                to: Some(2024 * 12 + 8)
            }
        );
        assert!(whole.slivers.is_empty());
        let open = covering_months(None, None).unwrap();
        assert_eq!((open.span.from, open.span.to), (None, None));
        // 2 July to 15 August: July and August, less 1 July and 15-31 August.
        let inside = covering_months(Some(july + day), Some(sept - 17 * day)).unwrap();
        assert_eq!(inside.span, whole.span);
        assert_eq!(
            inside.slivers,
            vec![(july, july + day), (sept - 17 * day, sept)]
        );
        assert_eq!(covering_months(Some(sept), Some(july)), None);
    }

    /// The distinct-entrance rule, checked against counting sets, over every window of a
    /// small random history built up and torn down by `span_moves` alone.
    #[test]
    fn cells_by_previous_month_count_distinct_entrances() {
        let mut seed = 7u64;
        let mut next_rand = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        // (entrance, month) -> requests; spans (month, previous) -> cells.
        let mut counts: BTreeMap<(u64, Month), i64> = BTreeMap::new();
        let mut spans: BTreeMap<(Month, Month), i64> = BTreeMap::new();
        for step in 0..400 {
            let (entrance, month) = (next_rand(4), next_rand(12) as Month);
            let before = counts.get(&(entrance, month)).copied().unwrap_or(0);
            let after = if before > 0 && step % 3 == 0 {
                before - 1
            } else {
                before + 1
            };
            let others: BTreeSet<Month> = counts
                .iter()
                .filter(|((e, m), n)| *e == entrance && *m != month && **n > 0)
                .map(|((_, m), _)| *m)
                .collect();
            if let Some(change) = CellChange::of(before, after) {
                let previous = others
                    .range(..month)
                    .next_back()
                    .copied()
                    .unwrap_or(NO_MONTH);
                let next = others.range(month + 1..).next().copied();
                for (m, p, d) in span_moves(change, month, previous, next) {
                    *spans.entry((m, p)).or_default() += d;
                }
            }
            counts.insert((entrance, month), after);
            for a in 0..12 {
                for b in a..=12 {
                    let distinct: BTreeSet<u64> = counts
                        .iter()
                        .filter(|((_, m), n)| **n > 0 && (a..b).contains(m))
                        .map(|((e, _), _)| *e)
                        .collect();
                    let summed: i64 = spans
                        .iter()
                        .filter(|((m, p), _)| (a..b).contains(m) && *p < a)
                        .map(|(_, n)| n)
                        .sum();
                    assert_eq!(summed, distinct.len() as i64, "months {a}..{b}");
                }
            }
        }
    }
}
