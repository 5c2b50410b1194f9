//! Per-field validation errors, collected rather than failing on the first one.

use serde::Serialize;
use std::collections::BTreeMap;

/// Messages keyed by the field path as the client sent it (`reporter.phone`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first message for a field; later ones for the same field are dropped
    /// so the client sees the most basic problem first.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
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
        errors.add(field, "is required");
    } else if value.chars().count() > max_chars {
        errors.add(field, format!("is longer than {max_chars} characters"));
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
    if value.chars().count() > max_chars {
        errors.add(field, format!("is longer than {max_chars} characters"));
    }
    Some(value.to_string())
}

/// A field error of the domain (written in English) in Chinese, for the pages and for the
/// reasons an import gives. Messages it does not know stay as they are.
pub fn message_zh(message: &str) -> String {
    let between = |text: &str, start: &str, end: &str| -> Option<String> {
        text.strip_prefix(start)?
            .strip_suffix(end)
            .map(String::from)
    };
    if message == "is required" {
        return "必填".into();
    }
    if let Some(n) = between(message, "is longer than ", " characters") {
        return format!("不能超过{n}个字");
    }
    if message.starts_with("is not a phone number") {
        return "电话号码不对：请填11位手机号（如13812345678）或带区号的座机（如022-26281234）"
            .into();
    }
    if message == "is more than two years ahead" {
        return "不能晚于两年以后".into();
    }
    if message == "is in the future" {
        return "不能是将来的时间".into();
    }
    if message.starts_with("is before 2000") {
        return "时间太早了".into();
    }
    if message.starts_with("is not a date") {
        return "时间格式不对，例如 2024-07-03 09:30".into();
    }
    if message.starts_with("unknown category") {
        return "请选择问题类别".into();
    }
    if message.starts_with("unknown channel") {
        return "渠道不对".into();
    }
    if message.starts_with("unknown urgency") {
        return "紧急程度不对".into();
    }
    if message.starts_with("unknown community") {
        return "没有这个社区".into();
    }
    if let Some(b) = between(message, "there is no building ", " in this community") {
        return format!("本社区没有{b}号楼");
    }
    if let Some(rest) = message.strip_prefix("building ") {
        if let Some((b, e)) = rest.split_once(" has no entrance ") {
            return format!("{b}号楼没有{e}门");
        }
    }
    if message.starts_with("is required when an entrance") {
        return "选了门，也请选楼号".into();
    }
    if message == "must be text" {
        return "格式不对".into();
    }
    message.to_string()
}
