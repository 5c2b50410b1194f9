//! A spreadsheet cell as the text people see in it.
//!
//! Date cells become `2024-07-03` (midnight) or `2024-07-03 09:30` (or `…:ss` when the
//! seconds are not zero); a time-only cell becomes `09:30`. Whole numbers lose their
//! `.0`, so a phone number stored as a number reads `13812345678`.

use calamine::{Data, ExcelDateTime};
use chrono::{Duration, NaiveDate, Timelike};

pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => date_text(dt),
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A date cell as `2024-07-03`, `2024-07-03 09:30`, `2024-07-03 09:30:15`, or `09:30` for
/// a time alone. calamine works out the day (1900 or 1904 date system); the time of day is
/// rounded to the second here.
fn date_text(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    let seconds = ((value - value.floor()) * 86_400.0).round() as i64;
    if (0.0..1.0).contains(&value) {
        let seconds = seconds.min(86_399);
        return format!("{:02}:{:02}", seconds / 3600, seconds / 60 % 60);
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    let Some(midnight) = NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        .and_then(|date| date.and_hms_opt(0, 0, 0))
    else {
        return number_text(value);
    };
    let at = midnight + Duration::seconds(seconds);
    let format = match at.time().num_seconds_from_midnight() {
        0 => "%Y-%m-%d",
        s if s % 60 == 0 => "%Y-%m-%d %H:%M",
        _ => "%Y-%m-%d %H:%M:%S",
    };
    at.format(format).to_string()
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_cells_in_both_date_systems() {
        use calamine::ExcelDateTimeType::DateTime;
        let text = |v: f64, is_1904: bool| date_text(&ExcelDateTime::new(v, DateTime, is_1904));
        assert_eq!(text(45476.0, false), "2024-07-03");
        assert_eq!(text(45476.0 + 9.5 / 24.0, false), "2024-07-03 09:30");
        assert_eq!(
            text(45476.0 + 9.5 / 24.0 + 15.0 / 86_400.0, false),
            "2024-07-03 09:30:15"
        );
        assert_eq!(text(45476.0 - 1462.0, true), "2024-07-03");
        assert_eq!(text(0.75, false), "18:00");
        // 23:59:59.9 rounds into the next day.
        assert_eq!(text(45476.0 + 86_399.9 / 86_400.0, false), "2024-07-04");
    }

    #[test]
    fn numbers_read_as_people_wrote_them() {
        assert_eq!(number_text(13812345678.0), "13812345678");
        assert_eq!(number_text(2.5), "2.5");
    }
}
