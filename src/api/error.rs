//! The API's errors: one enum, mapped to a status and a JSON body in one place.
//!
//! Every error leaves as `{"error": {"code": "...", "message": "..."}}`. The message says what
//! the caller can fix; the source chain of an internal error goes to the log, never to the
//! caller. Errors made by tower layers (413 from the body limit, 408 from the timeout, 405,
//! 404) are given the same shape by [`json_errors`].

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::auth::Scope;

/// Every error's body: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable word a program can branch on (`invalid_input`, `forbidden`, ...).
    pub code: String,
    /// What went wrong, for a person; never a sensitive value.
    pub message: String,
}

/// The refusals every `/api/v1` operation can answer, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    #[response(
        status = 400,
        description = "Bad input: a parameter, a body or a cursor"
    )]
    BadInput(ErrorBody),
    #[response(status = 401, description = "No token, or an unknown or revoked one")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "The token lacks the scope")]
    Forbidden(ErrorBody),
    #[response(status = 429, description = "Over the token's rate limit")]
    RateLimited(ErrorBody),
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, a malformed header, or a token that is unknown or revoked.
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("this route needs the {} scope", .0.as_str())]
    Forbidden(Scope),
    #[error("{0}")]
    NotFound(&'static str),
    /// A query parameter or body field the caller can correct.
    #[error("{0}")]
    InvalidInput(String),
    /// The request cannot be done in the resource's current state (a scan already running,
    /// cancelling a finished scan).
    #[error("{0}")]
    Conflict(String),
    #[error("the cursor is not one this API gave out")]
    InvalidCursor,
    #[error("the request body is larger than this API accepts")]
    PayloadTooLarge,
    #[error("the request body must be JSON, with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("too many requests for this token; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A dependency (store, queue) does not answer: for the readiness check.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: a store error, a bug. The caller sees only "internal error".
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::InvalidInput(_) | ApiError::InvalidCursor => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::InvalidInput(_) => "invalid_input",
            ApiError::InvalidCursor => "invalid_cursor",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<dlp_store::StoreError> for ApiError {
    fn from(e: dlp_store::StoreError) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(source) = &self {
            // `{:#}`-style: the whole chain, for the operator. Store errors carry no values.
            let mut chain = source.to_string();
            let mut next = source.source();
            while let Some(e) = next {
                chain.push_str(": ");
                chain.push_str(&e.to_string());
                next = e.source();
            }
            tracing::error!(error = %chain, "API request failed");
        }
        let mut response = body(self.status(), self.code(), &self.to_string());
        let headers = response.headers_mut();
        match &self {
            ApiError::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

fn body(status: StatusCode, code: &str, message: &str) -> Response {
    let json = json!({"error": {"code": code, "message": message}});
    (status, Json(json)).into_response()
}

/// Gives error responses that did not come from [`ApiError`] (tower layers, axum's own 404
/// and 405) the API's JSON shape; their status and other headers stay.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    };
    let message = status.canonical_reason().unwrap_or("error").to_lowercase();
    let (mut parts, _) = response.into_parts();
    let fresh = body(status, code, &message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, fresh.into_body())
}
