//! Time in bangbang: stored as UTC milliseconds, shown and bucketed in the deployment's
//! local time zone: Asia/Shanghai (UTC+8 all year; China has had no daylight saving since
//! 1991) unless the settings say otherwise.
//!
//! The zone is a fixed offset from UTC, set once at start-up ([`set_local_zone`]) before
//! anything is shown or counted; every instance of one deployment must use the same.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::sync::OnceLock;

/// UTC+8: China's time, all year.
pub const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

static LOCAL_ZONE: OnceLock<FixedOffset> = OnceLock::new();

/// The deployment's local time zone: where days and months begin, and how times are shown.
pub fn local_zone() -> FixedOffset {
    LOCAL_ZONE.get().copied().unwrap_or(CHINA)
}

/// Sets the local time zone, once, at start-up. Setting it again to another offset is
/// refused (the zone in use is returned): days already cut one way must not be cut another.
pub fn set_local_zone(zone: FixedOffset) -> Result<(), FixedOffset> {
    let set = *LOCAL_ZONE.get_or_init(|| zone);
    if set == zone {
        Ok(())
    } else {
        Err(set)
    }
}

/// Parses a time-zone setting: `Asia/Shanghai` (and the other names of China's time),
/// `UTC`, or a fixed offset such as `+08:00`, `UTC+8` or `-03:30`. Zones with daylight
/// saving are not offered: a fixed offset cannot follow them.
pub fn parse_zone(text: &str) -> Option<FixedOffset> {
    let text = text.trim();
    match text {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "PRC" | "Asia/Hong_Kong"
        | "Asia/Macau" | "Asia/Taipei" => return Some(CHINA),
        "UTC" | "Etc/UTC" | "Z" => return FixedOffset::east_opt(0),
        _ => {}
    }
    let offset = text.strip_prefix("UTC").unwrap_or(text);
    let (sign, rest) = match offset.as_bytes().first()? {
        b'+' => (1, &offset[1..]),
        b'-' => (-1, &offset[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None => (rest, "0"),
    };
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

pub fn to_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The local (Shanghai) calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&local_zone()).date_naive()
}

/// Midnight at the start of a local date, as UTC.
pub fn start_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    local_zone()
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
            return local_zone()
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
    fn zones_parse_as_fixed_offsets() {
        let east = |h: i32, m: i32| FixedOffset::east_opt(h * 3600 + m * 60);
        assert_eq!(parse_zone("Asia/Shanghai"), Some(CHINA));
        assert_eq!(parse_zone("+08:00"), Some(CHINA));
        assert_eq!(parse_zone("UTC+8"), Some(CHINA));
        assert_eq!(parse_zone("UTC"), east(0, 0));
        assert_eq!(parse_zone("-03:30"), east(-3, -30));
        for bad in [
            "",
            "+",
            "8",
            "+8:60",
            "+15",
            "Europe/Berlin",
            "+08:00:00",
            "+０８",
        ] {
            assert_eq!(parse_zone(bad), None, "{bad:?}");
        }
    }

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
