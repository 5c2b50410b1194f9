//! Per-field validation errors, collected rather than failing on the first one.

use serde::Serialize;
use std::collections::BTreeMap;

/// What is wrong with a field: a code the front ends put in their own words, with the
/// English sentence the API sends. Nothing reads the sentence back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: Code,
    text: String,
}

/// The kinds of field problem the front ends know how to say. `Other` is said as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Required,
    /// Longer than this many characters.
    TooLong(usize),
    NotAPhone,
    InFuture,
    /// Before this date (`2000-01-01`).
    TooEarly(String),
    NotADate,
    TooFarAhead,
    UnknownCategory,
    UnknownChannel,
    UnknownUrgency,
    UnknownCommunity,
    /// No such building (its number) in the community.
    NoSuchBuilding(String),
    /// No such entrance (building, entrance).
    NoSuchEntrance(String, String),
    EntranceWithoutBuilding,
    NotText,
    Other,
}

impl Problem {
    pub fn new(code: Code, text: impl Into<String>) -> Problem {
        Problem {
            code,
            text: text.into(),
        }
    }

    pub fn required() -> Problem {
        Problem::new(Code::Required, "is required")
    }

    /// Text holding the NUL character, which neither database can store in text.
    pub fn nul() -> Problem {
        Problem::new(Code::NotText, "must not contain the NUL character (U+0000)")
    }

    pub fn too_long(max: usize) -> Problem {
        Problem::new(
            Code::TooLong(max),
            format!("is longer than {max} characters"),
        )
    }

    /// The English sentence, as the API sends it.
    pub fn en(&self) -> &str {
        &self.text
    }

    /// The same in Chinese, for the pages and for the reasons an import gives.
    pub fn zh(&self) -> String {
        match &self.code {
            Code::Required => "必填".into(),
            Code::TooLong(n) => format!("不能超过{n}个字"),
            Code::NotAPhone => {
                "电话号码不对：请填11位手机号（如13812345678）或带区号的座机（如022-26281234）"
                    .into()
            }
            Code::TooFarAhead => "不能晚于两年以后".into(),
            Code::InFuture => "不能是将来的时间".into(),
            Code::TooEarly(_) => "时间太早了".into(),
            Code::NotADate => "时间格式不对，例如 2024-07-03 09:30".into(),
            Code::UnknownCategory => "请选择问题类别".into(),
            Code::UnknownChannel => "渠道不对".into(),
            Code::UnknownUrgency => "紧急程度不对".into(),
            Code::UnknownCommunity => "没有这个社区".into(),
            Code::NoSuchBuilding(b) => format!("本社区没有{b}号楼"),
            Code::NoSuchEntrance(b, e) => format!("{b}号楼没有{e}门"),
            Code::EntranceWithoutBuilding => "选了门，也请选楼号".into(),
            Code::NotText => "格式不对".into(),
            Code::Other => self.text.clone(),
        }
    }
}

impl From<&str> for Problem {
    fn from(text: &str) -> Problem {
        Problem::new(Code::Other, text)
    }
}

impl From<String> for Problem {
    fn from(text: String) -> Problem {
        Problem::new(Code::Other, text)
    }
}

/// Problems keyed by the field path as the client sent it (`reporter.phone`). Serialised
/// as the API's `{field: "English sentence"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Problem>);

impl Serialize for FieldErrors {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, problem) in &self.0 {
            map.serialize_entry(field, problem.en())?;
        }
        map.end()
    }
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first problem for a field; later ones for the same field are dropped
    /// so the client sees the most basic problem first.
    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<Problem>) {
        self.0.entry(field.into()).or_insert_with(|| problem.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The English sentence for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(Problem::en)
    }

    /// (field, English sentence).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.en()))
    }

    /// (field, problem), for front ends that say it in their own words.
    pub fn problems(&self) -> impl Iterator<Item = (&str, &Problem)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// `Ok(value)` when no field failed, otherwise the errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    pub fn merge(&mut self, other: FieldErrors) {
        for (k, v) in other.0 {
            self.add(k, v);
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.en()))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// Trims and checks a required text field's length in characters (not bytes: Chinese text).
pub fn required_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> String {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        errors.add(field, Problem::required());
    } else if value.contains('\0') {
        errors.add(field, Problem::nul());
    } else if value.chars().count() > max_chars {
        errors.add(field, Problem::too_long(max_chars));
    }
    value.to_string()
}

/// Like [`required_text`] but an absent or blank value is fine.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    if value.contains('\0') {
        errors.add(field, Problem::nul());
    } else if value.chars().count() > max_chars {
        errors.add(field, Problem::too_long(max_chars));
    }
    Some(value.to_string())
}
