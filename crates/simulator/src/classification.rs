//! Data classification (Cloud v2): the organisation's levels (`GET /classification-levels`)
//! and a page's or blog post's level (`GET|PUT /{pages|blogposts}/{id}/classification-level`,
//! PUT body `{id, status: current|draft}`, 204). Content without a level of its own has its
//! space's default; with neither, the GET is a 404.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::access::{LEVELS, Level, level_by_id};
use super::errors::ApiError;
use super::store::DocKind;

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Response, ApiError>;

fn level_json(l: &Level) -> Value {
    json!({"id": l.id, "status": "PUBLISHED", "order": l.order, "name": l.name,
           "description": l.guideline, "guideline": l.guideline, "color": l.color})
}

/// `GET /wiki/api/v2/classification-levels`: a bare array, as Cloud answers.
pub(crate) async fn levels() -> ApiResult {
    Ok(Json(LEVELS.iter().map(level_json).collect::<Vec<_>>()).into_response())
}

fn content_id(kind: DocKind, state: &AppState, id: &str) -> Result<(u64, u64), ApiError> {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a number"))?;
    let store = state.store();
    let doc = store.document(kind, id).ok_or(ApiError::NotFound)?;
    Ok((doc.id, doc.space_id))
}

/// `GET /wiki/api/v2/{pages|blogposts}/{id}/classification-level`
pub(crate) async fn get_level(
    kind: DocKind,
    State(state): Shared,
    Path(id): Path<String>,
) -> ApiResult {
    let (id, space_id) = content_id(kind, &state, &id)?;
    let store = state.store();
    let level = store
        .classification
        .get(&id)
        .or_else(|| store.space_classification.get(&space_id))
        .and_then(|l| level_by_id(l))
        .ok_or(ApiError::NotFound)?;
    Ok(Json(level_json(level)).into_response())
}

/// `PUT /wiki/api/v2/{pages|blogposts}/{id}/classification-level`
pub(crate) async fn put_level(
    kind: DocKind,
    State(state): Shared,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let (id, _) = content_id(kind, &state, &id)?;
    if !matches!(body["status"].as_str(), Some("current" | "draft")) {
        return Err(ApiError::bad_param("status", "must be current or draft"));
    }
    let level = body["id"]
        .as_str()
        .and_then(level_by_id)
        .ok_or_else(|| ApiError::bad_param("id", "is not a classification level"))?;
    state.try_write(|store| {
        store.classification.insert(id, level.id.to_string());
        Ok::<_, ApiError>(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /wiki/api/v2/{pages|blogposts}/{id}/classification-level/reset`: the content's own
/// level goes; its space's default (if any) applies again.
pub(crate) async fn reset_level(
    kind: DocKind,
    State(state): Shared,
    Path(id): Path<String>,
) -> ApiResult {
    let (id, _) = content_id(kind, &state, &id)?;
    state.try_write(|store| {
        store.classification.remove(&id);
        Ok::<_, ApiError>(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
