//! JSON bodies read leniently: any malformed JSON is a clear 400, and each field is
//! checked on its own so a client hears about every bad field at once (422).

use crate::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use bangbang_domain::validation::FieldErrors;
use serde_json::{Map, Value};

/// A JSON object body; an empty body reads as `{}`.
pub struct Body(pub Map<String, Value>);

impl Body {
    /// A body made from a page's form fields: `pool=true` becomes a flag, the rest text.
    pub fn from_fields<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> Body {
        let mut map = Map::new();
        for (k, v) in fields {
            let value = match (k, v) {
                ("pool", "true") => Value::Bool(true),
                (_, v) => Value::String(v.to_string()),
            };
            map.insert(k.to_string(), value);
        }
        Body(map)
    }
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("could not read the body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Body(map)),
            Ok(Value::Null) => Ok(Body(Map::new())),
            Ok(_) => Err(AppError::BadRequest(
                "the body must be a JSON object".into(),
            )),
            Err(e) => Err(AppError::BadRequest(format!(
                "the body is not valid JSON: {e}"
            ))),
        }
    }
}

impl Body {
    /// The value at a dotted path (`reporter.phone`).
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut value = self.0.get(parts.next()?)?;
        for part in parts {
            value = value.get(part)?;
        }
        Some(value).filter(|v| !v.is_null())
    }

    /// A text field. Numbers are accepted as text (`"building": 3`); anything else is an
    /// error on that field.
    pub fn text(&self, errors: &mut FieldErrors, path: &str) -> Option<String> {
        match self.get(path)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                errors.add(
                    path,
                    bangbang_domain::validation::Problem::new(
                        bangbang_domain::validation::Code::NotText,
                        "must be text",
                    ),
                );
                None
            }
        }
    }

    pub fn number(&self, errors: &mut FieldErrors, path: &str) -> Option<f64> {
        match self.get(path)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok().or_else(|| {
                errors.add(path, "must be a number");
                None
            }),
            _ => {
                errors.add(path, "must be a number");
                None
            }
        }
    }

    pub fn flag(&self, errors: &mut FieldErrors, path: &str) -> bool {
        match self.get(path) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                errors.add(path, "must be true or false");
                false
            }
        }
    }
}
