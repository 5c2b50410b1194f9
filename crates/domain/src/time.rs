//! Time in bangbang: stored as UTC milliseconds, shown and bucketed in Asia/Shanghai
//! (UTC+8 all year; China has had no daylight saving since 1991).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

pub fn to_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The local (Shanghai) calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// Midnight at the start of a local date, as UTC.
pub fn start_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    shanghai()
        .from_local_datetime(&midnight)
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

/// Parses the forms people and programs send: RFC 3339 (`2024-07-03T09:30:00+08:00`),
/// or local Shanghai time `2024-07-03 09:30[:00]`, or a bare local date `2024-07-03`
/// (taken as the start of that day).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    parse_any_instant(text.trim()).filter(|at| YEARS.contains(&at.year()))
}

fn parse_any_instant(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return shanghai()
                .from_local_datetime(&local)
                .single()
                .map(|at| at.with_timezone(&Utc));
        }
    }
    parse_date(text).map(start_of_local_day)
}

/// Years a ledger can sensibly hold; anything else is a typo (and would overflow the
/// arithmetic of day bounds).
const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
}

/// A period of whole local days, `from` and `to` both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    /// The half-open UTC range `[start, end)` in milliseconds that the period covers.
    pub fn bounds_ms(&self) -> (i64, i64) {
        let start = self
            .from
            .map(|d| to_ms(start_of_local_day(d)))
            .unwrap_or(i64::MIN);
        let end = self
            .to
            .and_then(|d| d.succ_opt())
            .map(|d| to_ms(start_of_local_day(d)))
            .unwrap_or(i64::MAX);
        (start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_forms_are_shanghai_time() {
        let at = parse_instant("2024-07-03 09:30").unwrap();
        assert_eq!(at.to_rfc3339(), "2024-07-03T01:30:00+00:00");
        assert_eq!(
            parse_instant("2024-07-03").unwrap().to_rfc3339(),
            "2024-07-02T16:00:00+00:00"
        );
        assert_eq!(
            parse_instant("2024-07-03T09:30:00+08:00"),
            parse_instant("2024-07-03 09:30:00")
        );
        assert!(parse_instant("2024-13-03").is_none());
        assert!(parse_instant("yesterday").is_none());
        // Years out of range are refused rather than overflowing later.
        assert!(parse_date("-262144-01-01").is_none());
        assert!(parse_instant("+262142-12-31T00:00:00Z").is_none());
        assert!(parse_date("1899-12-31").is_none());
    }

    #[test]
    fn a_period_includes_its_last_day() {
        let p = Period {
            from: parse_date("2024-07-01"),
            to: parse_date("2024-07-01"),
        };
        let (start, end) = p.bounds_ms();
        assert_eq!(end - start, 24 * 3600 * 1000);
        let late = to_ms(parse_instant("2024-07-01 23:59:59").unwrap());
        assert!(late >= start && late < end);
    }
}
