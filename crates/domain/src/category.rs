//! Request categories. Three codes are fixed by the seed; the rest is a realistic default
//! list that a deployment may change.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A category's code: a short lowercase identifier (`sewer_overflow`), checked once where
/// it enters, so nothing further in needs to wonder whether it is one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, pattern = "^[a-z0-9_]{1,40}$", example = "sewer_overflow")
)]
pub struct CategoryCode(String);

impl CategoryCode {
    /// The code, if `text` is one: 1 to 40 of `a-z`, `0-9` and `_`.
    pub fn parse(text: &str) -> Option<CategoryCode> {
        is_valid_code(text).then(|| CategoryCode(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `other`: where whatever fits nowhere else is filed.
    pub fn other() -> CategoryCode {
        CategoryCode("other".into())
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = String;

    fn try_from(text: String) -> Result<CategoryCode, String> {
        if is_valid_code(&text) {
            Ok(CategoryCode(text))
        } else {
            Err(format!(
                "{text:?} is not a category code (a-z, 0-9 and _, at most 40)"
            ))
        }
    }
}

impl From<CategoryCode> for String {
    fn from(code: CategoryCode) -> String {
        code.0
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Read-only access to the text: a code is shown, compared and bound as a plain string.
impl std::ops::Deref for CategoryCode {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for CategoryCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<CategoryCode> for String {
    fn eq(&self, other: &CategoryCode) -> bool {
        *self == other.0
    }
}

impl PartialEq<CategoryCode> for &str {
    fn eq(&self, other: &CategoryCode) -> bool {
        *self == other.0
    }
}

impl PartialEq<str> for CategoryCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CategoryCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub code: CategoryCode,
    pub name_zh: String,
    pub name_en: String,
    /// Whether reports count this category by distinct entrances (门).
    pub counts_entrances: bool,
}

/// The seed's three codes, which reports name by entrance.
pub const SEED_CODES: [&str; 3] = ["sewer_overflow", "wall_hazard", "stairwell_light"];

const DEFAULTS: &[(&str, &str, &str)] = &[
    ("sewer_overflow", "下水跑冒", "Sewer overflow"),
    ("wall_hazard", "外墙排险修缮", "External wall hazard"),
    ("stairwell_light", "楼道灯检修", "Stairwell light"),
    ("plumbing", "水管维修", "Plumbing"),
    ("electrical", "电路维修", "Electrical"),
    ("elder_care", "助老服务", "Elder care"),
    ("errands", "代办跑腿", "Errands"),
    ("appliance", "家电维修", "Appliance repair"),
    ("sanitation", "环境卫生", "Sanitation"),
    ("greening", "绿化养护", "Greening"),
    ("neighbour_dispute", "邻里纠纷", "Neighbour dispute"),
    ("consultation", "政策咨询", "Consultation"),
    ("other", "其他", "Other"),
];

pub fn default_categories() -> Vec<Category> {
    DEFAULTS
        .iter()
        .map(|(code, zh, en)| Category {
            code: CategoryCode::parse(code).expect("the default codes are valid"),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
            counts_entrances: SEED_CODES.contains(code),
        })
        .collect()
}

/// Category codes are short lowercase identifiers.
pub fn is_valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_codes_lead_the_default_list() {
        let list = default_categories();
        let codes: Vec<&str> = list.iter().take(3).map(|c| c.code.as_str()).collect();
        assert_eq!(codes, SEED_CODES);
        assert!(list.len() >= 13);
        assert!(list.iter().all(|c| is_valid_code(c.code.as_str())));
    }
}
