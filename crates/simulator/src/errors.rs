//! Error answers in Cloud's v2 shape:
//! `{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found","detail":null}]}`, or on
//! Data Center in its v1 shape (`{"statusCode":404,"data":{...},"message":"...","reason":"Not
//! Found"}`, see [`data_center_errors`]). Messages describe the parameter at fault and never
//! echo what the caller sent.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    NotFound,
    BadRequest(String),
    Unauthorized,
    /// A write against a stale version.
    Conflict(String),
    /// Authenticated, but not allowed to do this (e.g. change space permissions without
    /// being a space admin).
    Forbidden(String),
    RateLimited {
        retry_after_secs: u32,
    },
    /// The points quota of the window is spent ([`crate::Quota`]).
    QuotaSpent {
        retry_after_secs: u64,
        limit: u64,
    },
    ServerError(StatusCode),
}

/// What the simulator tells a client about its burst limit in 429 answers.
pub const RATE_LIMIT: u32 = 100;

impl ApiError {
    pub fn bad_param(name: &str, problem: &str) -> Self {
        ApiError::BadRequest(format!("Provided value for '{name}' {problem}"))
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found".into()),
            ApiError::BadRequest(title) => (
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_PARAMETER",
                title.clone(),
            ),
            ApiError::Conflict(title) => (StatusCode::CONFLICT, "CONFLICT", title.clone()),
            ApiError::Forbidden(title) => (StatusCode::FORBIDDEN, "FORBIDDEN", title.clone()),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Unauthorized".into(),
            ),
            ApiError::RateLimited { .. } | ApiError::QuotaSpent { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Rate limit exceeded".into(),
            ),
            ApiError::ServerError(status) => {
                let title = status
                    .canonical_reason()
                    .unwrap_or("Server Error")
                    .to_string();
                let code = match status.as_u16() {
                    502 => "BAD_GATEWAY",
                    503 => "SERVICE_UNAVAILABLE",
                    504 => "GATEWAY_TIMEOUT",
                    _ => "INTERNAL_SERVER_ERROR",
                };
                (*status, code, title)
            }
        }
    }
}

impl ApiError {
    /// Data Center's v1 error body. `data` is what DC sends beside the message: its clients
    /// (atlassian-python-api) read `message` and `reason`, and some check `data.errors`.
    pub fn data_center_body(&self) -> Value {
        let (status, _, title) = self.parts();
        let message = match self {
            ApiError::NotFound => {
                "No content found with the given id, or the path names no resource".to_string()
            }
            _ => title,
        };
        json!({
            "statusCode": status.as_u16(),
            "data": {"authorized": !matches!(self, ApiError::Unauthorized | ApiError::Forbidden(_)), "valid": true,
                     "allowedInReadOnlyMode": true, "errors": [], "successful": false},
            "message": message,
            "reason": status.canonical_reason().unwrap_or("Error"),
        })
    }
}

/// Response middleware of the Data Center router: an error answered in Cloud's shape is
/// answered in Data Center's instead, headers (Retry-After, WWW-Authenticate) kept. Every
/// handler returns [`ApiError`] and stays flavour-blind; the error rides along in the
/// response's extensions until here.
pub async fn data_center_errors(response: Response) -> Response {
    let Some(error) = response.extensions().get::<ApiError>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.extensions.remove::<ApiError>();
    Response::from_parts(parts, Body::from(error.data_center_body().to_string()))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        let body = json!({"errors": [{"status": status.as_u16(), "code": code, "title": title, "detail": null}]});
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(self.clone());
        let headers = response.headers_mut();
        match self {
            ApiError::RateLimited { .. } | ApiError::QuotaSpent { .. } => {
                let (retry_after_secs, limit, reason) = match self {
                    ApiError::QuotaSpent {
                        retry_after_secs,
                        limit,
                    } => (retry_after_secs, limit, "confluence-quota-tenant-based"),
                    ApiError::RateLimited { retry_after_secs } => (
                        u64::from(retry_after_secs),
                        u64::from(RATE_LIMIT),
                        "confluence-burst-based",
                    ),
                    _ => unreachable!("matched above"),
                };
                let reset = (Utc::now()
                    + Duration::seconds(i64::try_from(retry_after_secs).unwrap_or(i64::MAX / 2)))
                .format("%Y-%m-%dT%H:%M:%S%.3fZ");
                let pairs = [
                    (header::RETRY_AFTER.as_str(), retry_after_secs.to_string()),
                    ("x-ratelimit-limit", limit.to_string()),
                    ("x-ratelimit-remaining", "0".to_string()),
                    ("x-ratelimit-reset", reset.to_string()),
                    ("x-ratelimit-nearlimit", "true".to_string()),
                    ("ratelimit-reason", reason.to_string()),
                ];
                for (name, value) in pairs {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        headers.insert(name, value);
                    }
                }
            }
            ApiError::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Confluence\""),
                );
            }
            _ => {}
        }
        response
    }
}
