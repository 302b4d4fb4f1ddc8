//! Extractors that turn bad input into an [`ApiError`] (a 4xx in the API's JSON shape)
//! before a handler runs, instead of axum's plain-text rejections.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// `Query<T>` whose rejection is an [`ApiError::InvalidInput`]. With
/// `#[serde(deny_unknown_fields)]` on `T`, an unknown parameter is refused too, so a typo
/// (`severty=high`) is not silently a query for everything.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::InvalidInput(e.body_text()))
            }
            Err(other) => Err(ApiError::InvalidInput(other.body_text())),
        }
    }
}

/// `Json<T>` whose rejection is an [`ApiError`]: malformed JSON, a wrong type or (with
/// `#[serde(deny_unknown_fields)]`) an unknown field is a 400, a missing JSON content type a
/// 415, a body over the limit a 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::PayloadTooLarge)
            }
            Err(e) => Err(ApiError::InvalidInput(e.body_text())),
        }
    }
}

/// A page size from the query: `default` when absent, refused outside `1..=max`.
pub fn page_limit(asked: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match asked {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::InvalidInput(format!(
            "limit must be within 1..={max}"
        ))),
    }
}
