//! JSON bodies read leniently: any malformed JSON is a clear 400, and each field is
//! checked on its own so a client hears about every bad field at once (422).

use crate::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use bangbang_domain::action_input::Fields;
use bangbang_domain::validation::{Code, FieldErrors, Problem};
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
    /// The body as one JSON value.
    pub fn value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// The value at a dotted path (`reporter.phone`).
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut value = self.0.get(parts.next()?)?;
        for part in parts {
            value = value.get(part)?;
        }
        Some(value).filter(|v| !v.is_null())
    }
}

impl Fields for Body {
    /// A text field. Numbers are accepted as text (`"building": 3`).
    fn text(&self, path: &str) -> Result<Option<String>, Problem> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(Problem::new(Code::NotText, "must be text")),
        }
    }

    /// A number, or text that reads as one.
    fn number(&self, path: &str) -> Result<Option<f64>, Problem> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| "must be a number".into()),
            Some(_) => Err("must be a number".into()),
        }
    }

    fn flag(&self, path: &str) -> Result<Option<bool>, Problem> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err("must be true or false".into()),
        }
    }
}

impl Body {
    /// A text field, its problem noted in `errors`.
    pub fn text(&self, errors: &mut FieldErrors, path: &str) -> Option<String> {
        Fields::text(self, path).unwrap_or_else(|problem| {
            errors.add(path, problem);
            None
        })
    }
}
