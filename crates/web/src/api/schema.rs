//! The API's bodies and answers as types. The OpenAPI document (`doc.rs`) is derived from
//! them, and every body is checked against that document's schema before the domain reads
//! it (`checked.rs`), so what the document says is what the server does.

use super::view::RequestView;
use bangbang_domain::{
    category::Category,
    lifecycle::{ActionKind, CloseReason, Satisfaction, Status},
    request::{Channel, Urgency},
    PlaceId, Role, UserId,
};
use bangbang_store::{Community, StatsReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

// ---------------------------------------------------------------- answers

/// One page of requests, newest first.
#[derive(Serialize, ToSchema)]
pub struct RequestPage {
    /// Newest first, by time reported then id; without `events`.
    pub items: Vec<RequestView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The signed-in account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: Option<UserId>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Id of the place the user works in (a community, sub-district or district); null
    /// for admins (everywhere).
    pub scope: Option<PlaceId>,
    /// Category codes a volunteer can take on; `general` fits any category.
    pub skills: Vec<String>,
}

/// The communities in the caller's scope.
#[derive(Serialize, ToSchema)]
pub struct CommunityList {
    pub items: Vec<Community>,
}

/// The deployment's categories, in their configured order.
#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<Category>,
}

/// Figures over the requests received in the period and scope, by their state now.
#[derive(Serialize, ToSchema)]
#[schema(as = Stats)]
pub struct StatsView {
    #[serde(flatten)]
    pub report: StatsReport,
    pub period: PeriodView,
    /// The community asked for, if one was.
    pub community: Option<String>,
    pub definitions: Definitions,
}

/// The period asked for (local dates, both included); null ends are open.
#[derive(Serialize, ToSchema)]
pub struct PeriodView {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What each figure counts.
#[derive(Serialize, ToSchema)]
pub struct Definitions {
    pub received: &'static str,
    pub resolved: &'static str,
    pub long_term: &'static str,
    pub open: &'static str,
    pub overdue: &'static str,
    pub entrances: &'static str,
}

impl Definitions {
    pub const FIGURES: Definitions = Definitions {
        received: "requests reported in the period (both dates included, local days)",
        resolved: "of those, resolved now (已办结 or 已回访)",
        long_term: "of those, in long-term follow-up now (长期跟进)",
        open: "of those, still waiting on someone: submitted, pooled, dispatched, accepted or in progress",
        overdue: "of the open ones, past their resolve-by deadline, or not yet acted on past their respond-by deadline",
        entrances: "distinct entrances (门) with a request in the category; resolved_entrances counts those where one was resolved",
    };
}

/// Every error answer: `{"error": {"code", "message", ...}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people: says what is wrong and, where it helps, how to fix it.
    pub message: String,
    /// `validation` (422) only: one message per bad field, keyed by its dotted path as sent
    /// (`reporter.phone`) or the query parameter's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// `not_allowed` (409) only: the request's state now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<Status>,
    /// `not_allowed` (409) only: the actions the lifecycle allows in that state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<ActionKind>>,
}

#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    NotAllowed,
    Conflict,
    Validation,
    MethodNotAllowed,
    UnsupportedMediaType,
    TooLarge,
    Timeout,
    TooManyRequests,
    Unavailable,
    Internal,
}

// ---------------------------------------------------------------- bodies

/// A new request and its five elements (who, when, where, what, how). Every bad field is
/// reported at once (422).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // read through the schema and the domain; the type is the contract
pub struct NewRequest {
    /// Slug of a community in the caller's scope (403 if outside it).
    #[schema(pattern = "^[a-z0-9-]{1,40}$", example = "liuxiali")]
    pub community: String,
    /// Defaults to `api`; for a grid worker to `grid_patrol`.
    pub channel: Option<Channel>,
    /// A category code from `GET /categories`.
    #[schema(pattern = "^[a-z0-9_]{1,40}$", example = "sewer_overflow")]
    pub category: String,
    /// Defaults to `normal`.
    pub urgency: Option<Urgency>,
    pub reporter: Option<ReporterInput>,
    pub address: Option<AddressInput>,
    /// What is wrong, in the resident's words.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
        example = "3号楼2门下水道堵了，污水漫到楼道"
    )]
    pub description: String,
    /// When it was reported (default: now); not in the future. RFC 3339, local time
    /// (`2024-07-03 09:30`) or a bare date (`2024-07-03`).
    #[schema(example = "2024-07-03 09:30")]
    pub reported_at: Option<String>,
}

/// Who raised it (personal data).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ReporterInput {
    /// Required, except for `grid_patrol` (a grid worker's own display name is used).
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
        example = "李阿姨"
    )]
    pub name: Option<String>,
    /// Required, except for `grid_patrol` and `import`. A mainland mobile (11 digits
    /// starting 13–19), a landline with its area code (`022-26281234`) or a 7–8 digit
    /// local number, optionally after `+86`; single spaces or dashes between groups are
    /// fine. Stored normalised.
    #[schema(
        pattern = r"^(\+86[ -]?)?(1[3-9][0-9]([ -]?[0-9]{4}){2}|0[0-9]{2,3}[ -]?[0-9]{7,8}|[2-9][0-9]{6,7})$",
        example = "138 1234 5678"
    )]
    pub phone: Option<String>,
}

/// Where: the building and entrance must exist in the community.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct AddressInput {
    /// Building (楼) number.
    #[schema(max_length = 20, pattern = r"^[^\u0000]*$", example = "3")]
    pub building: Option<String>,
    /// Entrance (门/单元) number; needs `building`.
    #[schema(max_length = 20, pattern = r"^[^\u0000]*$", example = "2")]
    pub entrance: Option<String>,
    /// Room (personal data).
    #[schema(max_length = 20, pattern = r"^[^\u0000]*$", example = "301")]
    pub room: Option<String>,
}

/// Exactly one of `volunteer`, `partner` or `pool: true`.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum DispatchBody {
    /// To a volunteer (志愿者) of the request's community, by username.
    Volunteer {
        #[schema(
            min_length = 1,
            max_length = 40,
            pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
            example = "wangfang"
        )]
        volunteer: String,
    },
    /// To a partner organisation (协作单位): a referral (转办).
    Partner {
        #[schema(
            min_length = 1,
            max_length = 2000,
            pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
            example = "物业公司"
        )]
        partner: String,
    },
    /// To the open pool (待接单), where any volunteer with a fitting skill may claim it.
    Pool { pool: PoolFlag },
}

/// `true`: post to the pool.
#[derive(Deserialize, ToSchema)]
#[schema(value_type = bool)]
#[allow(dead_code)]
pub struct PoolFlag(bool);

/// Why (declining a job, reopening a request).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ReasonBody {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
        example = "这周不在本地"
    )]
    pub reason: String,
}

/// What was done.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ResolveBody {
    /// What was done (处置结果).
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
        example = "已疏通，楼道已清理"
    )]
    pub outcome: String,
    /// Service hours spent; recorded to the minute.
    #[schema(minimum = 0, maximum = 100, example = 1.5)]
    pub hours: Option<f64>,
}

/// Long-term follow-up (长期跟进): why, and when to look again.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct FollowUpBody {
    /// Why it needs long-term follow-up and what is awaited.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
        example = "等待维修基金审批"
    )]
    pub note: String,
    /// When to follow up next: not more than a day in the past, not more than two years
    /// ahead. RFC 3339, local time (`2024-08-01 09:00`) or a date (`2024-08-01`).
    #[schema(example = "2024-08-01")]
    pub next_at: String,
}

/// The call-back (回访): how satisfied the resident is.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ReviewBody {
    pub satisfaction: Satisfaction,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$", example = "居民很满意")]
    pub note: Option<String>,
}

/// Closing without resolving it.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CloseBody {
    pub reason: CloseReason,
    /// Required for `duplicate`: the code of another request in the same community.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
        example = "LXL-20240703-007"
    )]
    pub duplicate_of: Option<String>,
    /// Required for `out_of_remit`: say where the request was referred.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000]*$",
        example = "已转街道城管科"
    )]
    pub note: Option<String>,
}

/// A note on the request's record (备注).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NoteBody {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000]*[^\s\u0085\ufeff\u0000][^\u0000]*$",
        example = "已电话联系居民"
    )]
    pub text: String,
}

/// No body is needed (`{}` or nothing).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct EmptyBody {}

#[cfg(test)]
mod tests {
    use super::super::checked::schema_problems;
    use bangbang_domain::request::normalize_phone;
    use serde_json::json;

    /// A required text must hold something the domain does not trim away, however the
    /// document's reader defines white space (NEL and BOM differ between regex dialects).
    #[test]
    fn blank_text_is_refused_by_the_document_too() {
        for blank in ["", " ", "\u{85}", "\u{feff}", " \u{3000}\t", "a\u{0}b"] {
            let body = json!({"text": blank});
            assert!(!schema_problems(&body, "NoteBody").is_empty(), "{blank:?}");
        }
        for text in ["a", " 备注 ", "\u{85}a"] {
            let body = json!({"text": text});
            assert!(schema_problems(&body, "NoteBody").is_empty(), "{text:?}");
        }
    }

    /// Whatever the documented pattern lets by, the domain takes: a phone the document
    /// allows is never refused.
    #[test]
    fn every_documented_phone_is_one_the_domain_takes() {
        let mut shapes = Vec::new();
        for prefix in ["", "+86", "+86 ", "+86-"] {
            for sep in ["", " ", "-"] {
                shapes.push(format!("{prefix}139{sep}1234{sep}5678"));
                shapes.push(format!("{prefix}010{sep}1234567"));
                shapes.push(format!("{prefix}0222{sep}12345678"));
            }
            shapes.push(format!("{prefix}2628123"));
            shapes.push(format!("{prefix}96281234"));
        }
        for phone in &shapes {
            let body = json!({"name": "x", "phone": phone});
            assert!(
                schema_problems(&body, "ReporterInput").is_empty(),
                "{phone} should fit the pattern"
            );
            assert!(
                normalize_phone(phone).is_some(),
                "{phone}: the domain refuses it"
            );
        }
        for phone in [
            "0123456",
            "1234567",
            "12345678901",
            "139-1234-567",
            "+8613912345678x",
            "",
        ] {
            let body = json!({"name": "x", "phone": phone});
            assert!(
                !schema_problems(&body, "ReporterInput").is_empty(),
                "{phone} should not fit the pattern"
            );
        }
    }
}
