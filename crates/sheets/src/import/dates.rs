//! The date forms found in hand-kept ledgers: `2024年7月3日`, `2024年7月3日 9:30`,
//! `2024/7/3`, `2024.7.3`, `2024-07-03 09:30`, `20240703`, `7月3日` and `7/3` (with a year
//! given by the caller), `下午3点`, Excel serial numbers such as `45476` or `45476.375`, all
//! with full-width digits allowed.

use super::text::ascii_clean;
use chrono::{Duration, NaiveDate, NaiveTime};

/// A date read from a cell, with the time of day when the cell had one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct When {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

/// Why a date cell could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DateProblem {
    Empty,
    /// A month and day without a year, and no year was given.
    NoYear,
    Unreadable,
}

/// Excel serials this far apart cover 1950–2099: anything else is not a ledger date.
const SERIAL_RANGE: std::ops::Range<f64> = 18_264.0..73_051.0;

pub(crate) fn parse_when(text: &str, year: Option<i32>) -> Result<When, DateProblem> {
    let text = strip_noise(&ascii_clean(text));
    if text.is_empty() {
        return Err(DateProblem::Empty);
    }
    if let Some(when) = compact_or_serial(&text) {
        return Ok(when);
    }
    let scan = scan(&text).ok_or(DateProblem::Unreadable)?;
    let nums = &scan.nums;
    let (y, m, d, rest) = if nums.first().is_some_and(|n| n.digits == 4) {
        if nums.len() < 3 || !nums[..2].iter().all(|n| n.date_sep) {
            return Err(DateProblem::Unreadable);
        }
        (
            nums[0].value as i32,
            nums[1].value,
            nums[2].value,
            &nums[3..],
        )
    } else if nums.len() >= 2 && nums[0].date_sep && nums[0].digits <= 2 {
        let y = year.ok_or(DateProblem::NoYear)?;
        (y, nums[0].value, nums[1].value, &nums[2..])
    } else {
        return Err(DateProblem::Unreadable);
    };
    let date = NaiveDate::from_ymd_opt(y, m, d).ok_or(DateProblem::Unreadable)?;
    let time = match rest {
        [] => None,
        [h] => Some((h.value, 0, 0)),
        [h, mi] => Some((h.value, mi.value, 0)),
        [h, mi, s] => Some((h.value, mi.value, s.value)),
        _ => return Err(DateProblem::Unreadable),
    };
    let time = match time {
        None => None,
        Some((mut h, mi, s)) => {
            if scan.afternoon && h < 12 {
                h += 12;
            }
            Some(NaiveTime::from_hms_opt(h, mi, s).ok_or(DateProblem::Unreadable)?)
        }
    };
    Ok(When { date, time })
}

/// Converts an Excel serial date (1900 date system) to a date and, if it has a fraction,
/// a time rounded to the second.
pub(crate) fn from_serial(serial: f64) -> Option<When> {
    if !SERIAL_RANGE.contains(&serial) {
        return None;
    }
    let days = serial.floor();
    let seconds = ((serial - days) * 86_400.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let at = epoch.and_hms_opt(0, 0, 0)? + Duration::days(days as i64) + Duration::seconds(seconds);
    Some(When {
        date: at.date(),
        time: (seconds != 0).then(|| at.time()),
    })
}

/// Drops what people add around a date: `（周三）`, `星期三`, `左右`.
fn strip_noise(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    for noise in ["左右", "前后", "许"] {
        out = out.replace(noise, "");
    }
    for prefix in ["星期", "周", "礼拜"] {
        while let Some(at) = out.find(prefix) {
            let end = out[at + prefix.len()..]
                .chars()
                .next()
                .map_or(at + prefix.len(), |c| at + prefix.len() + c.len_utf8());
            out.replace_range(at..end, " ");
        }
    }
    out.trim().to_string()
}

/// `20240703`, or an Excel serial such as `45476` / `45476.375`.
fn compact_or_serial(text: &str) -> Option<When> {
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        let date = NaiveDate::parse_from_str(text, "%Y%m%d").ok()?;
        return Some(When { date, time: None });
    }
    let digits = text.split_once('.').map_or(text, |(whole, _)| whole);
    if digits.len() == 5 && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return from_serial(text.parse().ok()?);
    }
    None
}

struct Number {
    value: u32,
    digits: usize,
    /// Followed by a date separator (`年 月 - / .`).
    date_sep: bool,
}

struct Scan {
    nums: Vec<Number>,
    afternoon: bool,
}

fn scan(text: &str) -> Option<Scan> {
    let mut text = text.to_lowercase();
    let mut afternoon = false;
    for (word, pm) in [
        ("上午", false),
        ("早上", false),
        ("凌晨", false),
        ("下午", true),
        ("晚上", true),
        ("傍晚", true),
        ("中午", false),
        ("pm", true),
        ("am", false),
    ] {
        if text.contains(word) {
            afternoon |= pm;
            text = text.replace(word, " ");
        }
    }
    // `2024-07-03T09:30:00.000`: drop the fraction of a second.
    if let Some(dot) = text.rfind('.') {
        if text[..dot].contains(':') {
            text.truncate(dot);
        }
    }
    let mut nums: Vec<Number> = Vec::new();
    let mut current: Option<(u32, usize)> = None;
    for c in text.chars().chain(std::iter::once(' ')) {
        if let Some(digit) = c.to_digit(10) {
            let (value, digits) = current.unwrap_or((0, 0));
            current = Some((value.checked_mul(10)?.checked_add(digit)?, digits + 1));
            continue;
        }
        let date_sep = matches!(c, '年' | '月' | '-' | '/' | '.');
        let known = date_sep
            || matches!(
                c,
                '日' | '号' | ':' | '时' | '点' | '分' | '秒' | ' ' | 't' | ','
            );
        if !known {
            return None;
        }
        if let Some((value, digits)) = current.take() {
            nums.push(Number {
                value,
                digits,
                date_sep,
            });
        }
    }
    Some(Scan { nums, afternoon })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, year: Option<i32>) -> String {
        match parse_when(text, year) {
            Ok(When {
                date,
                time: Some(t),
            }) => format!("{date} {}", t.format("%H:%M")),
            Ok(When { date, time: None }) => date.to_string(),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn chinese_and_numeric_forms() {
        assert_eq!(at("2024年7月3日", None), "2024-07-03");
        assert_eq!(at("2024年7月3日 9:30", None), "2024-07-03 09:30");
        assert_eq!(at("2024年7月3日9时30分", None), "2024-07-03 09:30");
        assert_eq!(at("2024/7/3", None), "2024-07-03");
        assert_eq!(at("2024.7.3", None), "2024-07-03");
        assert_eq!(at("2024-07-03 09:30", None), "2024-07-03 09:30");
        assert_eq!(at("2024-07-03T09:30:00.000", None), "2024-07-03 09:30");
        assert_eq!(at("20240703", None), "2024-07-03");
        assert_eq!(at("２０２４年７月３日", None), "2024-07-03");
        assert_eq!(at("2024年7月3日（周三）下午3点", None), "2024-07-03 15:00");
    }

    #[test]
    fn dates_without_a_year_need_one() {
        assert_eq!(at("7月3日", Some(2024)), "2024-07-03");
        assert_eq!(at("7/3", Some(2024)), "2024-07-03");
        assert_eq!(at("7月3日", None), "NoYear");
        assert_eq!(at("7/3 14:05", Some(2023)), "2023-07-03 14:05");
    }

    #[test]
    fn excel_serials() {
        assert_eq!(at("45476", None), "2024-07-03");
        assert_eq!(at("45476.375", None), "2024-07-03 09:00");
        assert_eq!(at("45476.395833333", None), "2024-07-03 09:30");
        assert_eq!(at("12345", None), "Unreadable");
    }

    #[test]
    fn nonsense_is_refused() {
        assert_eq!(at("2024-13-45", None), "Unreadable");
        assert_eq!(at("yesterday", None), "Unreadable");
        assert_eq!(at("9:30", Some(2024)), "Unreadable");
        assert_eq!(at("  ", None), "Empty");
        assert_eq!(at("2024年7月", None), "Unreadable");
    }
}
