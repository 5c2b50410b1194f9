//! A request (诉求) and its five elements: who, when, where, what, how. Raw input is
//! parsed into a [`RequestDraft`] or a full set of per-field errors.

use crate::category::CategoryCode;
use crate::place::{building_number, entrance_number, halfwidth};
use crate::time::parse_instant;
use crate::validation::{optional_text, required_text, Code, FieldErrors, Problem};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Phone,
    Visit,
    GridPatrol,
    Web,
    Api,
    Import,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Phone,
        Channel::Visit,
        Channel::GridPatrol,
        Channel::Web,
        Channel::Api,
        Channel::Import,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Visit => "visit",
            Channel::GridPatrol => "grid_patrol",
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Import => "import",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Channel::Phone => "来电",
            Channel::Visit => "来访",
            Channel::GridPatrol => "网格巡查",
            Channel::Web => "扫码自助",
            Channel::Api => "接口",
            Channel::Import => "导入",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Urgency {
    Normal,
    Urgent,
    Critical,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Normal, Urgency::Urgent, Urgency::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::Critical => "critical",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Urgency::Normal => "一般",
            Urgency::Urgent => "紧急",
            Urgency::Critical => "特急",
        }
    }

    pub fn parse(text: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|u| u.as_str() == text)
    }

    /// The default time limits of docs/DESIGN.md: (respond within, resolve within).
    pub fn default_limits(self) -> (Duration, Duration) {
        match self {
            Urgency::Critical => (Duration::hours(2), Duration::hours(24)),
            Urgency::Urgent => (Duration::hours(24), Duration::days(3)),
            Urgency::Normal => (Duration::hours(24), Duration::days(7)),
        }
    }
}

/// Deadlines to respond by and resolve by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub respond_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
}

impl Deadlines {
    pub fn from_limits(reported_at: DateTime<Utc>, limits: (Duration, Duration)) -> Deadlines {
        Deadlines {
            respond_by: reported_at + limits.0,
            resolve_by: reported_at + limits.1,
        }
    }
}

/// A request as the client sent it: every field text, none yet trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInput {
    pub community: Option<String>,
    pub channel: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub room: Option<String>,
    pub description: Option<String>,
    pub reported_at: Option<String>,
}

/// A request whose fields are each well-formed. Whether the community, category and
/// address exist is for the store to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDraft {
    pub community: String,
    pub channel: Channel,
    pub category: CategoryCode,
    pub urgency: Urgency,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub room: Option<String>,
    pub description: String,
    pub reported_at: DateTime<Utc>,
    /// Content ids of photos already checked and stored.
    pub photos: Vec<String>,
}

pub const MAX_NAME: usize = 50;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_ROOM: usize = 20;
pub const MAX_NOTE: usize = 2000;

impl RequestInput {
    pub fn parse(self, now: DateTime<Utc>) -> Result<RequestDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let community = required_text(&mut errors, "community", self.community.as_deref(), 64);
        let channel = match self.channel.as_deref().map(str::trim) {
            None | Some("") => Channel::Api,
            Some(text) => Channel::parse(text).unwrap_or_else(|| {
                errors.add(
                    "channel",
                    Problem::new(
                        Code::UnknownChannel,
                        format!(
                            "unknown channel {text:?}; use one of {}",
                            names(&Channel::ALL.map(Channel::as_str))
                        ),
                    ),
                );
                Channel::Api
            }),
        };
        let category = required_text(&mut errors, "category", self.category.as_deref(), 40);
        let category = CategoryCode::parse(category.trim()).unwrap_or_else(|| {
            if !category.is_empty() {
                errors.add(
                    "category",
                    Problem::new(
                        Code::UnknownCategory,
                        format!("unknown category {category:?}"),
                    ),
                );
            }
            CategoryCode::other()
        });
        let urgency = match self.urgency.as_deref().map(str::trim) {
            None | Some("") => Urgency::Normal,
            Some(text) => Urgency::parse(text).unwrap_or_else(|| {
                errors.add(
                    "urgency",
                    Problem::new(
                        Code::UnknownUrgency,
                        format!(
                            "unknown urgency {text:?}; use one of {}",
                            names(&Urgency::ALL.map(Urgency::as_str))
                        ),
                    ),
                );
                Urgency::Normal
            }),
        };
        let patrol = channel == Channel::GridPatrol;
        let reporter_name = if patrol {
            optional_text(
                &mut errors,
                "reporter.name",
                self.reporter_name.as_deref(),
                MAX_NAME,
            )
            .unwrap_or_default()
        } else {
            required_text(
                &mut errors,
                "reporter.name",
                self.reporter_name.as_deref(),
                MAX_NAME,
            )
        };
        let reporter_phone = match self.reporter_phone.as_deref().map(str::trim) {
            None | Some("") if patrol || channel == Channel::Import => String::new(),
            None | Some("") => {
                errors.add("reporter.phone", Problem::required());
                String::new()
            }
            Some(text) => normalize_phone(text).unwrap_or_else(|| {
                errors.add(
                    "reporter.phone",
                    Problem::new(
                        Code::NotAPhone,
                        "is not a phone number: use a mobile like 13812345678 or a landline like 022-26281234",
                    ),
                );
                String::new()
            }),
        };
        let building = optional_text(
            &mut errors,
            "address.building",
            self.building.as_deref(),
            20,
        )
        .map(|b| building_number(&b));
        let entrance = optional_text(
            &mut errors,
            "address.entrance",
            self.entrance.as_deref(),
            20,
        )
        .map(|e| entrance_number(&e));
        if entrance.is_some() && building.is_none() {
            errors.add(
                "address.building",
                Problem::new(
                    Code::EntranceWithoutBuilding,
                    "is required when an entrance is given",
                ),
            );
        }
        let room = optional_text(&mut errors, "address.room", self.room.as_deref(), MAX_ROOM)
            .map(|r| r.chars().map(halfwidth).collect());
        let description = required_text(
            &mut errors,
            "description",
            self.description.as_deref(),
            MAX_DESCRIPTION,
        );
        let reported_at = match self.reported_at.as_deref().map(str::trim) {
            None | Some("") => now,
            Some(text) => match parse_instant(text) {
                // A clock a little fast on the client is fine; a date in the future is not.
                Some(at) if at > now + Duration::minutes(10) => {
                    errors.add(
                        "reported_at",
                        Problem::new(Code::InFuture, "is in the future"),
                    );
                    now
                }
                Some(at) if at < earliest() => {
                    errors.add(
                        "reported_at",
                        Problem::new(Code::TooEarly("2000-01-01".into()), "is before 2000-01-01"),
                    );
                    now
                }
                Some(at) => at,
                None => {
                    errors.add(
                        "reported_at",
                        Problem::new(
                            Code::NotADate,
                            "is not a date: use 2024-07-03, 2024-07-03 09:30 or RFC 3339",
                        ),
                    );
                    now
                }
            },
        };
        errors.into_result(RequestDraft {
            community,
            channel,
            category,
            urgency,
            reporter_name,
            reporter_phone,
            building,
            entrance,
            room,
            description,
            reported_at,
            photos: Vec::new(),
        })
    }
}

fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or_default()
}

fn names(list: &[&str]) -> String {
    list.join(", ")
}

/// Accepts a mainland mobile (11 digits starting 1[3-9]), a landline with area code
/// (`022-26281234`, `02226281234`) or a 7–8 digit local number; returns digits with a
/// dash after the area code for landlines. Spaces, dashes and full-width digits are fine.
pub fn normalize_phone(text: &str) -> Option<String> {
    let cleaned: String = text
        .chars()
        .map(halfwidth)
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let cleaned = cleaned.strip_prefix("+86").unwrap_or(&cleaned);
    if !cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bytes = cleaned.as_bytes();
    match bytes.len() {
        11 if bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1]) => Some(cleaned.to_string()),
        10..=12 if bytes[0] == b'0' => {
            // Three-digit area codes for the big cities (010, 02x), four for the rest.
            let area = if bytes[1] == b'1' || bytes[1] == b'2' {
                3
            } else {
                4
            };
            Some(format!("{}-{}", &cleaned[..area], &cleaned[area..]))
        }
        7 | 8 if bytes[0] != b'0' && bytes[0] != b'1' => Some(cleaned.to_string()),
        _ => None,
    }
}

/// The human-friendly code a resident reads out over the phone: `LXL-20240703-007`.
pub fn request_code(prefix: &str, local_date: NaiveDate, number: u32) -> String {
    format!("{prefix}-{}-{number:03}", local_date.format("%Y%m%d"))
}

/// How many characters a tracking key has: 10 hex digits, 40 random bits.
pub const TRACK_KEY_LEN: usize = 10;

/// The tracking code a resident is given: the short code they read out over the phone,
/// then the request's secret tracking key: `LXL-20240703-007-3FA9C01B7E`. Only the whole
/// code opens the public tracking page, so codes cannot be walked.
pub fn tracking_code(code: &str, track_key: &str) -> String {
    format!("{code}-{track_key}")
}

/// Splits a tracking code as typed or scanned (any case, spaces ignored) into the short
/// code and the key. `None` when it is not shaped like one.
pub fn parse_tracking_code(text: &str) -> Option<(String, String)> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let (code, key) = cleaned.rsplit_once('-')?;
    let well_formed = key.len() == TRACK_KEY_LEN
        && key.bytes().all(|b| b.is_ascii_hexdigit())
        && code.len() <= 40
        && code.contains('-');
    well_formed.then(|| (code.to_string(), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        parse_instant("2024-07-03 10:00").unwrap()
    }

    fn good() -> RequestInput {
        RequestInput {
            community: Some("liuxiali".into()),
            channel: Some("phone".into()),
            category: Some("sewer_overflow".into()),
            urgency: None,
            reporter_name: Some("张大爷".into()),
            reporter_phone: Some("138 1234 5678".into()),
            building: Some("3号楼".into()),
            entrance: Some("2门".into()),
            room: Some("301".into()),
            description: Some("楼道下水反味，往外冒水".into()),
            reported_at: Some("2024-07-03 09:30".into()),
        }
    }

    #[test]
    fn tracking_codes_split_into_code_and_key() {
        assert_eq!(
            tracking_code("LXL-20240703-007", "3FA9C01B7E"),
            "LXL-20240703-007-3FA9C01B7E"
        );
        assert_eq!(
            parse_tracking_code(" lxl-20240703-007-3fa9c01b7e "),
            Some(("LXL-20240703-007".into(), "3FA9C01B7E".into()))
        );
        // The short code alone, a short key, or a key that is not hex: not a tracking code.
        assert_eq!(parse_tracking_code("LXL-20240703-007"), None);
        assert_eq!(parse_tracking_code("LXL-20240703-007-3FA9"), None);
        assert_eq!(parse_tracking_code("LXL-20240703-007-ZZZZZZZZZZ"), None);
        assert_eq!(parse_tracking_code("3FA9C01B7E"), None);
    }

    #[test]
    fn a_good_request_parses_and_normalises() {
        let d = good().parse(now()).unwrap();
        assert_eq!(d.reporter_phone, "13812345678");
        assert_eq!(d.building.as_deref(), Some("3"));
        assert_eq!(d.entrance.as_deref(), Some("2"));
        assert_eq!(d.urgency, Urgency::Normal);
        assert_eq!(d.channel, Channel::Phone);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = RequestInput {
            community: None,
            channel: Some("fax".into()),
            urgency: Some("asap".into()),
            reporter_phone: Some("12345".into()),
            description: Some("漏".repeat(MAX_DESCRIPTION + 1)),
            reported_at: Some("2024-02-30".into()),
            entrance: Some("2".into()),
            building: None,
            ..good()
        };
        let errors = input.parse(now()).unwrap_err();
        for field in [
            "community",
            "channel",
            "urgency",
            "reporter.phone",
            "description",
            "reported_at",
            "address.building",
        ] {
            assert!(errors.get(field).is_some(), "{field} missing from {errors}");
        }
        assert!(errors
            .get("description")
            .unwrap()
            .contains("longer than 2000"));
    }

    #[test]
    fn future_dates_are_refused() {
        let input = RequestInput {
            reported_at: Some("2030-01-01".into()),
            ..good()
        };
        assert_eq!(
            input.parse(now()).unwrap_err().get("reported_at"),
            Some("is in the future")
        );
    }

    #[test]
    fn phone_forms() {
        assert_eq!(
            normalize_phone("１３８１２３４５６７８").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            normalize_phone("+86 138-1234-5678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            normalize_phone("022-26281234").as_deref(),
            Some("022-26281234")
        );
        assert_eq!(
            normalize_phone("0315 1234567").as_deref(),
            Some("0315-1234567")
        );
        assert_eq!(normalize_phone("26281234").as_deref(), Some("26281234"));
        for bad in ["12812345678", "1381234567", "phone", "138123456789", ""] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_read_well() {
        let day = NaiveDate::from_ymd_opt(2024, 7, 3).unwrap();
        assert_eq!(request_code("LXL", day, 7), "LXL-20240703-007");
    }
}
