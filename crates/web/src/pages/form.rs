//! Posted forms, checked against the CSRF cookie before a handler sees them, and the
//! friendly error page.

use super::ctx::{cookie, CsrfToken, CSRF_COOKIE};
use crate::AppError;
use askama::Template;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;

/// The fields of a posted form (urlencoded or multipart) and any uploaded files.
pub struct PageForm {
    fields: Vec<(String, String)>,
    /// (field name, file name, bytes) of non-empty file parts.
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl PageForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(String::from)
    }

    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, _, v)| v.as_slice())
    }

    /// The name the browser gave an uploaded file.
    pub fn file_name(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, n, _)| n.as_str())
    }
}

impl FromRequest<crate::AppState> for PageForm {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &crate::AppState) -> Result<Self, PageError> {
        if !crate::guard::same_origin(req.headers(), state.config.public_url.as_deref()) {
            tracing::warn!(origin = ?req.headers().get(header::ORIGIN), "cross-site form refused");
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "这个表单来自别的网站，已拒绝。 This form was sent from another site and was refused.",
            ));
        }
        let expected = req.extensions().get::<CsrfToken>().cloned();
        let had_cookie = cookie(req.headers(), CSRF_COOKIE).is_some();
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let mut form = PageForm {
            fields: Vec::new(),
            files: Vec::new(),
        };
        if multipart {
            let mut parts = Multipart::from_request(req, state)
                .await
                .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
            while let Some(field) = parts.next_field().await.map_err(|e| {
                PageError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the upload could not be read: {e}"),
                )
            })? {
                let name = field.name().unwrap_or_default().to_string();
                if let Some(file_name) = field.file_name().map(String::from) {
                    let bytes = field.bytes().await.map_err(|e| {
                        PageError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!("the upload could not be read: {e}"),
                        )
                    })?;
                    if !bytes.is_empty() {
                        form.files.push((name, file_name, bytes.to_vec()));
                    }
                } else {
                    let value = field.text().await.unwrap_or_default();
                    form.fields.push((name, value));
                }
            }
        } else {
            let Form(fields) = Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
            form.fields = fields;
        }
        let sent = form.get("_csrf").unwrap_or_default();
        let matches = |expected: &CsrfToken| {
            (expected.bound_to_session || had_cookie)
                && !sent.is_empty()
                && constant_time_eq(sent.as_bytes(), expected.token.as_bytes())
        };
        match expected {
            Some(token) if matches(&token) => Ok(form),
            _ => Err(PageError::new(
                StatusCode::FORBIDDEN,
                "这个页面已过期或来源不明，请刷新后再提交。 This form is stale or did not come from this site: reload the page and submit again.",
            )),
        }
    }
}

/// Compares two tokens in time that depends only on their length.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

/// An error shown as a page, in both languages (the error may come before we know which).
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }
}

impl From<AppError> for PageError {
    fn from(err: AppError) -> PageError {
        let status = err.status();
        let message = match &err {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "page failed");
                "something went wrong on our side; it has been logged".to_string()
            }
            AppError::Invalid(fields) => fields.to_string(),
            other => other.to_string(),
        };
        PageError { status, message }
    }
}

impl From<bangbang_app::Error> for PageError {
    fn from(err: bangbang_app::Error) -> PageError {
        AppError::from(err).into()
    }
}

impl From<bangbang_store::StoreError> for PageError {
    fn from(err: bangbang_store::StoreError) -> PageError {
        AppError::from(err).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            message: &self.message,
        };
        (self.status, render(&page)).into_response()
    }
}

/// Renders a template into a response; a template that fails is a logged 500.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

impl PageForm {
    /// Every non-empty field except the CSRF token.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .filter(|(k, v)| k != "_csrf" && !v.trim().is_empty())
            .map(|(k, v)| (k.as_str(), v.trim()))
    }
}
