//! The write that matters to a scanner: a new version of a page's or blog post's body, v2's
//! `PUT /pages/{id}` and `PUT /blogposts/{id}` (Cloud) or v1's `PUT {context}/rest/api/content/{id}`
//! (Data Center). As on Confluence, the version must be the current one plus one (409
//! otherwise); the version it replaces is kept as history (served with `?version=N`), and the
//! change is announced to the registered webhook receivers.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use super::AppState;
use super::errors::ApiError;
use super::model::{self, DocOptions};
use super::store::{DocKind, Document, Version};

#[derive(Debug, Deserialize)]
pub(crate) struct UpdateDocument {
    id: String,
    status: String,
    title: String,
    body: UpdateBody,
    version: UpdateVersion,
}

#[derive(Debug, Deserialize)]
struct UpdateBody {
    representation: String,
    value: String,
}

#[derive(Debug, Deserialize)]
struct UpdateVersion {
    number: u32,
    #[serde(default)]
    message: String,
}

/// The account id of the other user whose edit lands just before a write (a concurrent edit).
const INTERLOPER: &str = "557058:concurrent-editor";

/// Largest body taken: Cloud refuses pages far smaller than this.
const MAX_BODY: usize = 5 * 1024 * 1024;

pub(crate) async fn update_document(
    kind: DocKind,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Json<UpdateDocument>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(update) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let numeric: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a valid id"))?;
    if update.id != id {
        return Err(ApiError::bad_param("id", "does not match the path"));
    }
    if update.body.representation != "storage" {
        return Err(ApiError::bad_param(
            "body.representation",
            "must be storage",
        ));
    }
    let updated = write_version(&state, kind, numeric, update)?;
    let store = state.store();
    let options = DocOptions {
        body: true,
        version: true,
        base: Some(state.base()),
    };
    Ok(Json(model::document(&store, &updated, options)).into_response())
}

/// v1's update of a page or blog post (`type` says which), as Data Center takes it:
/// `{"id", "type", "title", "status"?, "version": {"number"}, "body": {"storage": {"value",
/// "representation": "storage"}}}`. Answers with the content and its new version.
#[derive(Debug, Deserialize)]
pub(crate) struct UpdateContent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default = "current")]
    status: String,
    #[serde(default)]
    title: String,
    body: UpdateContentBody,
    version: UpdateVersion,
}

fn current() -> String {
    "current".into()
}

#[derive(Debug, Deserialize)]
struct UpdateContentBody {
    storage: UpdateBody,
}

pub(crate) async fn update_content(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(raw) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let numeric: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a valid id"))?;
    // A comment's update names less (no title) and answers as a comment.
    if raw.get("type").and_then(|t| t.as_str()) == Some("comment") {
        if raw.get("id").and_then(|i| i.as_str()) != Some(id.as_str()) {
            return Err(ApiError::bad_param("id", "does not match the path"));
        }
        return super::comment_writes::update_comment_v1(&state, numeric, &raw);
    }
    let update: UpdateContent = serde_json::from_value(raw)
        .map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let kind = match update.kind.as_str() {
        "page" => DocKind::Page,
        "blogpost" => DocKind::BlogPost,
        _ => return Err(ApiError::bad_param("type", "must be page or blogpost")),
    };
    let update = UpdateDocument {
        id: update.id,
        status: update.status,
        title: update.title,
        body: update.body.storage,
        version: update.version,
    };
    if update.id != id {
        return Err(ApiError::bad_param("id", "does not match the path"));
    }
    if update.body.representation != "storage" {
        return Err(ApiError::bad_param(
            "body.storage.representation",
            "must be storage",
        ));
    }
    let updated = write_version(&state, kind, numeric, update)?;
    let store = state.store();
    Ok(Json(super::v1::document_json(&state, &store, &updated)).into_response())
}

/// Makes the update the document's current version, keeping the one it replaces, and
/// announces it; returns the document as it is now.
fn write_version(
    state: &Arc<AppState>,
    kind: DocKind,
    id: u64,
    update: UpdateDocument,
) -> Result<Document, ApiError> {
    if update.body.value.len() > MAX_BODY || update.title.trim().is_empty() {
        return Err(ApiError::BadRequest("Invalid request body".into()));
    }
    // Another user's save lands first, as its own write: the one below then comes stale.
    if let Some(body) = state.gate.take_interloper(id) {
        state.try_write(|store| {
            let docs = match kind {
                DocKind::Page => &mut store.pages,
                DocKind::BlogPost => &mut store.blogposts,
            };
            let doc = Arc::make_mut(docs.get_mut(&id).ok_or(ApiError::NotFound)?);
            let version = Version {
                number: doc.version.number + 1,
                created_at: Utc::now(),
                message: String::new(),
                minor_edit: false,
                author_id: INTERLOPER.into(),
            };
            doc.new_version(version, body);
            Ok::<_, ApiError>(())
        })?;
    }
    let author = super::v1::WRITER.to_string();
    let updated = state.try_write(|store| {
        let docs = match kind {
            DocKind::Page => &mut store.pages,
            DocKind::BlogPost => &mut store.blogposts,
        };
        let doc = Arc::make_mut(docs.get_mut(&id).ok_or(ApiError::NotFound)?);
        if update.version.number != doc.version.number + 1 {
            return Err(ApiError::Conflict(format!(
                "Version must be incremented on update. Current version is: {}",
                doc.version.number
            )));
        }
        let version = Version {
            number: update.version.number,
            created_at: Utc::now(),
            message: update.version.message.clone(),
            minor_edit: false,
            author_id: author.clone(),
        };
        doc.new_version(version, update.body.value.clone());
        doc.title = update.title.clone();
        doc.status = update.status.clone();
        Ok(doc.clone())
    })?;
    let store = state.store();
    let event = model::forge_event(&store, &updated, "updated");
    super::forge::ForgeEmitter::emit(state, event);
    super::dc_hooks::DataCenterEmitter::emit_update(state, &store, &updated);
    Ok(updated)
}
