//! The one error type of the HTTP API and its mapping to responses.
//!
//! Every error leaves the server as `{"detail": "…"}` with the status the spec
//! gives (FastAPI's shape, spec NOTES #4). Client errors carry a message that
//! says what to fix; internal errors are logged and answered with a generic
//! text so that no SQL or file path leaks to a caller.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an HTTP caller. Each variant documents its status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed (bad JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token, or an invalid or expired one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 403: a browser origin not in the integration's `allowed_origins`.
    #[error("Origin {0} is not allowed for this integration (settings: allowed_origins)")]
    OriginNotAllowed(String),
    /// 404: no such resource in the caller's tenant.
    #[error("{0}")]
    NotFound(String),
    /// 409: the write conflicts with the stored state (stale version, taken name).
    #[error("{0}")]
    Conflict(String),
    /// 413: a body, a file or a file count over its limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 423: the resource is locked by a pending publish request; the text
    /// says how to get out (wait for the decision, or cancel the request).
    #[error("{0}")]
    Locked(String),
    /// 416: a `Range` outside the file; the text gives the file's size.
    #[error("{0}")]
    RangeNotSatisfiable(String),
    /// 415: the body is not `application/json`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed JSON whose content fails validation.
    #[error("{0}")]
    Unprocessable(String),
    /// 422 with one entry per invalid field (`details: [{field, error}]`).
    #[error("{detail}")]
    Invalid {
        detail: String,
        details: Vec<FieldIssue>,
    },
    /// 429: too many attempts; try again after this many seconds.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_seconds: u64,
    },
    /// 503: a dependency (the database) is down.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a bug or an infrastructure failure; logged, never echoed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if crate::db::is_pool_timeout(&err) {
            return AppError::Unavailable(
                "The database is busy: no connection came free in time. Try again in a moment."
                    .into(),
            );
        }
        if crate::db::is_query_timeout(&err) {
            return AppError::Unavailable(format!(
                "The query ran longer than {} ms and was stopped. Narrow it (filters, a smaller limit, fewer search columns) and try again.",
                crate::db::query_timeout().as_millis()
            ));
        }
        AppError::Internal(anyhow::Error::new(err).context("database error"))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in words a caller can act on.
    pub detail: String,
    /// For validation errors: what is wrong with each field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<FieldIssue>>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldIssue {
    pub field: String,
    pub error: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::Unprocessable(_) | AppError::Invalid { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            AppError::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                "Internal server error".to_owned()
            }
            other => other.to_string(),
        };
        let origin_denied = matches!(self, AppError::OriginNotAllowed(_));
        let retry_after = match &self {
            AppError::TooManyRequests {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let details = match self {
            AppError::Invalid { details, .. } => Some(details),
            _ => None,
        };
        let mut response = (status, axum::Json(ErrorBody { detail, details })).into_response();
        if origin_denied {
            response.extensions_mut().insert(OriginDenied);
        }
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        // The rest of a too-large body is never read, so this connection
        // cannot carry another request: say so, or a client that pools
        // connections sends its next request into a closing socket.
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// Marks a response that refused the request's origin, so the CORS layer
/// does not let the browser read it.
#[derive(Debug, Clone, Copy)]
pub struct OriginDenied;

/// Maps an axum rejection to the variant of the same status, keeping axum's
/// message (it names the offending line, column or field).
fn from_rejection(status: StatusCode, text: String) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(text),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(
            "Expected request with `Content-Type: application/json`".into(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Unprocessable(text),
        status if status.is_client_error() => AppError::BadRequest(text),
        _ => AppError::Internal(anyhow::anyhow!("request rejected: {text}")),
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        from_rejection(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

/// `axum::Json` whose rejections use the `{"detail"}` envelope.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` whose rejections use the `{"detail"}` envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path` whose rejections use the `{"detail"}` envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

pub type ApiResult<T> = Result<T, AppError>;
