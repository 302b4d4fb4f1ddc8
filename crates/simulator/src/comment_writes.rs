//! Comment writes: a comment's next version (v2 `PUT /footer-comments/{id}` and
//! `/inline-comments/{id}`, Data Center's v1 `PUT {context}/rest/api/content/{id}` with type
//! `comment`) and a new footer comment (v2 `POST /footer-comments`). As for pages, an update
//! must name the current version plus one (409 otherwise) and keeps the version it replaces.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::Value;

use super::AppState;
use super::errors::ApiError;
use super::model::{self, DocOptions};
use super::search::Hit;
use super::store::{Comment, CommentLocation, DocKind, Version};
use super::v1::{Expand, WRITER, content_json};

/// Largest body taken, as for pages.
const MAX_BODY: usize = 5 * 1024 * 1024;

type ApiResult = Result<Response, ApiError>;

/// The storage value of a v2 body, `{representation, value}` or `{storage: {...}}`; other
/// representations are refused, as the simulator keeps storage only.
fn storage_value(body: Option<&Value>) -> Result<String, ApiError> {
    let body = body.ok_or_else(|| ApiError::bad_param("body", "is required"))?;
    let inner = body.get("storage").unwrap_or(body);
    if inner.get("representation").and_then(Value::as_str) != Some("storage") {
        return Err(ApiError::bad_param(
            "body.representation",
            "must be storage",
        ));
    }
    let value = inner
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_param("body.value", "is required"))?;
    if value.len() > MAX_BODY {
        return Err(ApiError::BadRequest("Invalid request body".into()));
    }
    Ok(value.to_string())
}

fn version_of(update: &Value) -> Result<(u32, String), ApiError> {
    let version = update
        .get("version")
        .ok_or_else(|| ApiError::bad_param("version", "is required"))?;
    let number = version
        .get("number")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| ApiError::bad_param("version.number", "is not a number"))?;
    let message = version
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok((number, message))
}

/// Makes `body` the comment's next version; `location` when the path names one (v2).
fn write_comment_version(
    state: &AppState,
    id: u64,
    location: Option<CommentLocation>,
    update: &Value,
    body: String,
) -> Result<(), ApiError> {
    let (number, message) = version_of(update)?;
    state.try_write(|store| {
        let comment = store
            .comments
            .get_mut(&id)
            .filter(|c| location.is_none_or(|l| c.location == l))
            .ok_or(ApiError::NotFound)?;
        let comment = Arc::make_mut(comment);
        if number != comment.version.number + 1 {
            return Err(ApiError::Conflict(format!(
                "Version must be incremented on update. Current version is: {}",
                comment.version.number
            )));
        }
        let version = Version {
            number,
            created_at: Utc::now(),
            message,
            minor_edit: false,
            author_id: WRITER.to_string(),
        };
        comment.new_version(version, body);
        Ok(())
    })
}

/// `PUT /wiki/api/v2/{footer|inline}-comments/{comment-id}`: `{version: {number, message},
/// body}`; answers with the comment, its body and new version.
pub(crate) async fn update_comment(
    location: CommentLocation,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    update: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let Json(update) = update.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("comment-id", "is not a valid id"))?;
    let body = storage_value(update.get("body"))?;
    write_comment_version(&state, id, Some(location), &update, body)?;
    let store = state.store();
    let comment = store.comments.get(&id).ok_or(ApiError::NotFound)?;
    let options = DocOptions {
        body: true,
        version: true,
        base: Some(state.base()),
    };
    Ok(Json(model::comment(&store, comment, options)).into_response())
}

/// Data Center's v1 update of a comment, reached from `PUT {context}/rest/api/content/{id}`
/// when `type` is `comment`: `{version: {number}, body: {storage: {value, representation}}}`.
pub(crate) fn update_comment_v1(state: &AppState, id: u64, update: &Value) -> ApiResult {
    let body = update
        .get("body")
        .and_then(|b| b.get("storage"))
        .ok_or_else(|| ApiError::bad_param("body.storage", "is required"))?;
    let body = storage_value(Some(body))?;
    write_comment_version(state, id, None, update, body)?;
    let store = state.store();
    let comment = store.comments.get(&id).ok_or(ApiError::NotFound)?;
    let expand = Expand {
        body: true,
        version: true,
        container: true,
        ..Expand::default()
    };
    Ok(Json(content_json(state, &store, Hit::Comment(comment), expand)).into_response())
}

/// `POST /wiki/api/v2/footer-comments`: `{pageId | blogPostId | parentCommentId, body}`; a
/// new root comment or reply, version 1 by the token's owner; 201 with the comment.
pub(crate) async fn create_footer_comment(
    State(state): State<Arc<AppState>>,
    new: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let Json(new) = new.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let body = storage_value(new.get("body"))?;
    let id_of = |name: &str| -> Result<Option<u64>, ApiError> {
        match new.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad_param(name, "is not a valid id")),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| ApiError::bad_param(name, "is not a valid id")),
            Some(_) => Err(ApiError::bad_param(name, "is not a valid id")),
        }
    };
    let (page, blog, parent) = (
        id_of("pageId")?,
        id_of("blogPostId")?,
        id_of("parentCommentId")?,
    );
    let id = state.try_write(|store| {
        let (container, parent) = match (page, blog, parent) {
            (Some(id), None, None) => ((DocKind::Page, id), None),
            (None, Some(id), None) => ((DocKind::BlogPost, id), None),
            (None, None, Some(parent)) => {
                let p = store
                    .comments
                    .get(&parent)
                    .filter(|p| p.location == CommentLocation::Footer)
                    .ok_or(ApiError::NotFound)?;
                (p.container, Some(parent))
            }
            _ => {
                return Err(ApiError::BadRequest(
                    "Exactly one of pageId, blogPostId or parentCommentId is required".into(),
                ));
            }
        };
        let title = store
            .document(container.0, container.1)
            .map(|d| format!("Re: {}", d.title))
            .ok_or(ApiError::NotFound)?;
        let id = store.next_id();
        let version = Version {
            number: 1,
            created_at: Utc::now(),
            message: String::new(),
            minor_edit: false,
            author_id: WRITER.to_string(),
        };
        let comment = Comment {
            id,
            container,
            parent,
            location: CommentLocation::Footer,
            inline: None,
            status: "current".into(),
            title,
            created_at: version.created_at,
            version,
            body,
            history: Vec::new(),
        };
        store.comments.insert(id, Arc::new(comment));
        Ok(id)
    })?;
    let store = state.store();
    let comment = store.comments.get(&id).ok_or(ApiError::NotFound)?;
    let options = DocOptions {
        body: true,
        version: true,
        base: Some(state.base()),
    };
    Ok((
        StatusCode::CREATED,
        Json(model::comment(&store, comment, options)),
    )
        .into_response())
}
