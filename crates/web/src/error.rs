//! The web layer's one error type. The API answers `{error:{code,message,...}}`; 5xx
//! details are logged and never reach the client.

use crate::api::schema::{ErrorBody, ErrorCode, ErrorDetail};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangbang_domain::{
    lifecycle::{ActionKind, LifecycleError, Status},
    validation::FieldErrors,
};
use bangbang_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    NotAllowed {
        message: String,
        state: Status,
        allowed: Vec<ActionKind>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The body is larger than the route takes.
    #[error("{0}")]
    TooLarge(String),
    /// The request did not finish in time.
    #[error("{0}")]
    Timeout(String),
    /// Too busy now (every photo decoder taken, say); worth trying again shortly.
    #[error("{0}")]
    Unavailable(String),
    /// Refused before any handler saw it (a wrong method, a query string that does not
    /// parse): the status axum chose, told in our shape.
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(
        field: &str,
        message: impl Into<bangbang_domain::validation::Problem>,
    ) -> AppError {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Invalid(errors)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::NotAllowed { .. } | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Rejected { status, .. } => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> ErrorCode {
        match self {
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::Unauthorized(_) => ErrorCode::Unauthorized,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::NotAllowed { .. } => ErrorCode::NotAllowed,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Invalid(_) => ErrorCode::Validation,
            AppError::TooLarge(_) => ErrorCode::TooLarge,
            AppError::Timeout(_) => ErrorCode::Timeout,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Rejected { status, .. } => match *status {
                StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
                StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyRequests,
                _ => ErrorCode::BadRequest,
            },
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// An error some layer below the handlers answered on its own (axum's rejections, a
    /// wrong method, a body limit, a timeout), as the API tells it. 5xx details are kept
    /// for the log.
    pub fn from_status(status: StatusCode, message: impl Into<String>) -> AppError {
        let message = message.into();
        match status {
            StatusCode::BAD_REQUEST => AppError::BadRequest(message),
            StatusCode::UNAUTHORIZED => AppError::Unauthorized(message),
            StatusCode::FORBIDDEN => AppError::Forbidden(message),
            StatusCode::NOT_FOUND => AppError::NotFound(message),
            StatusCode::CONFLICT => AppError::Conflict(message),
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(message),
            StatusCode::REQUEST_TIMEOUT => AppError::Timeout(message),
            StatusCode::SERVICE_UNAVAILABLE => AppError::Unavailable(message),
            s if s.is_client_error() => AppError::Rejected { status, message },
            _ => AppError::Internal(format!("{status}: {message}")),
        }
    }
}

/// axum's rejections ([`axum::extract::Query`], [`axum::extract::Path`], ...) as API
/// errors, keeping their status and their explanation.
macro_rules! from_rejection {
    ($($rejection:ty),*) => {$(
        impl From<$rejection> for AppError {
            fn from(rejection: $rejection) -> AppError {
                AppError::from_status(rejection.status(), rejection.body_text())
            }
        }
    )*};
}

from_rejection!(
    axum::extract::rejection::QueryRejection,
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::FormRejection,
    axum::extract::rejection::BytesRejection
);

impl From<bangbang_app::Error> for AppError {
    fn from(err: bangbang_app::Error) -> AppError {
        match err {
            bangbang_app::Error::Invalid(fields) => AppError::Invalid(fields),
            bangbang_app::Error::Store(e) => e.into(),
            bangbang_app::Error::Internal(detail) => AppError::Internal(detail),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> AppError {
        match err {
            StoreError::NotFound(what) => AppError::NotFound(format!("{what} not found")),
            StoreError::Lifecycle(e @ LifecycleError::NotAllowed { .. }) => {
                let LifecycleError::NotAllowed {
                    state, ref allowed, ..
                } = e;
                AppError::NotAllowed {
                    message: e.to_string(),
                    state,
                    allowed: allowed.clone(),
                }
            }
            StoreError::Forbidden(message) => AppError::Forbidden(message),
            StoreError::Invalid(errors) => AppError::Invalid(errors),
            StoreError::Conflict(message) => AppError::Conflict(message),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut error = ErrorDetail {
            code: self.code(),
            message: self.to_string(),
            fields: None,
            state: None,
            allowed: None,
        };
        match self {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                error.message = "something went wrong on our side; it has been logged".into();
            }
            AppError::NotAllowed { state, allowed, .. } => {
                error.state = Some(state);
                error.allowed = Some(allowed);
            }
            AppError::Invalid(fields) => {
                error.message = "some fields are not valid".into();
                error.fields = Some(
                    fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                );
            }
            _ => {}
        }
        (status, Json(ErrorBody { error })).into_response()
    }
}
