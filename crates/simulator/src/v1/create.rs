//! `POST {context}/rest/api/content`: a new page, blog post or comment, as Data Center takes
//! it (what atlassian-python-api's `create_page`, `add_comment` and MCP servers' replies send):
//!
//! - a page or blog post: `{"type", "title", "status"?, "space": {"key"}, "ancestors"?:
//!   [{"id": parent}], "body": {"storage": {"value", "representation": "storage"}}}`;
//! - a comment: `{"type": "comment", "container": {"id"}, "ancestors"?: [{"id": parent
//!   comment}], "body": {"storage": ...}}`.
//!
//! The new content is version 1, by the token's owner, with the next free id; the answer is
//! the content with its body, version, space and container expanded, as DC answers a create.
//! As on DC, a title already used in the space is a 400, an unknown space or container a 404.
//! `metadata` (the editor's appearance properties) is accepted and not kept.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::IntoResponse;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

use super::{ApiResult, Expand, WRITER, content_json};
use crate::AppState;
use crate::errors::ApiError;
use crate::search::Hit;
use crate::store::{Comment, CommentLocation, DocKind, Document, Store, Version};

#[derive(Debug, Deserialize)]
pub(crate) struct NewContent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    status: Option<String>,
    space: Option<KeyRef>,
    #[serde(default)]
    ancestors: Vec<IdRef>,
    container: Option<IdRef>,
    body: NewBody,
}

#[derive(Debug, Deserialize)]
struct KeyRef {
    key: String,
}

/// `{"id": ...}`; clients send ids as strings or as numbers.
#[derive(Debug, Deserialize)]
struct IdRef {
    id: Value,
}

impl IdRef {
    fn numeric(&self) -> Option<u64> {
        match &self.id {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct NewBody {
    storage: Storage,
}

#[derive(Debug, Deserialize)]
struct Storage {
    value: String,
    representation: String,
}

/// Largest body taken, as for updates.
const MAX_BODY: usize = 5 * 1024 * 1024;

pub async fn create_content(
    State(state): State<Arc<AppState>>,
    body: Result<Json<NewContent>, JsonRejection>,
) -> ApiResult {
    let Json(new) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    if new.body.storage.representation != "storage" || new.body.storage.value.len() > MAX_BODY {
        return Err(ApiError::bad_param(
            "body.storage",
            "must be storage format of at most 5 MiB",
        ));
    }
    let created = match new.kind.as_str() {
        "page" => state.try_write(|store| new_document(store, DocKind::Page, &new))?,
        "blogpost" => state.try_write(|store| new_document(store, DocKind::BlogPost, &new))?,
        "comment" => state.try_write(|store| new_comment(store, &new))?,
        _ => {
            return Err(ApiError::bad_param(
                "type",
                "must be page, blogpost or comment",
            ));
        }
    };
    let store = state.store();
    let expand = Expand {
        body: true,
        version: true,
        space: true,
        container: true,
        history: true,
        ancestors: true,
        ..Expand::default()
    };
    let hit = match created {
        Created::Document(kind, id) => {
            let doc = store.document(kind, id).ok_or(ApiError::NotFound)?;
            let event = crate::model::forge_event(&store, doc, "created");
            crate::forge::ForgeEmitter::emit(&state, event);
            Hit::Document(doc)
        }
        Created::Comment(id) => Hit::Comment(store.comments.get(&id).ok_or(ApiError::NotFound)?),
    };
    Ok(Json(content_json(&state, &store, hit, expand)).into_response())
}

enum Created {
    Document(DocKind, u64),
    Comment(u64),
}

fn first_version() -> Version {
    Version {
        number: 1,
        created_at: Utc::now(),
        message: String::new(),
        minor_edit: false,
        author_id: WRITER.to_string(),
    }
}

fn new_document(store: &mut Store, kind: DocKind, new: &NewContent) -> Result<Created, ApiError> {
    let title = new.title.trim();
    if title.is_empty() {
        return Err(ApiError::BadRequest("A title is required".into()));
    }
    let status = new.status.clone().unwrap_or_else(|| "current".into());
    if status != "current" {
        return Err(ApiError::bad_param("status", "must be current"));
    }
    let space_key = new
        .space
        .as_ref()
        .ok_or_else(|| ApiError::BadRequest("A space is required".into()))?;
    let space_id = store
        .spaces
        .values()
        .find(|s| s.key == space_key.key)
        .map(|s| s.id)
        .ok_or(ApiError::NotFound)?;
    let taken = store
        .pages
        .values()
        .chain(store.blogposts.values())
        .any(|d| d.space_id == space_id && d.status == "current" && d.title == title);
    if taken {
        return Err(ApiError::BadRequest(
            "A page with this title already exists in this space".into(),
        ));
    }
    // The parent is the last ancestor named; it must be a page of the same space.
    let parent_id = match new.ancestors.last().filter(|_| kind == DocKind::Page) {
        None => None,
        Some(parent) => {
            let id = parent.numeric().ok_or(ApiError::NotFound)?;
            store
                .pages
                .get(&id)
                .filter(|p| p.space_id == space_id)
                .ok_or(ApiError::NotFound)?;
            Some(id)
        }
    };
    // Appended after its siblings, as the editor places a new page.
    let position = (kind == DocKind::Page).then(|| {
        store
            .pages
            .values()
            .filter(|p| p.space_id == space_id && p.parent_id == parent_id)
            .filter_map(|p| p.position)
            .max()
            .map_or(0, |last| last + 1)
    });
    let id = store.next_id();
    let doc = Document {
        kind,
        id,
        space_id,
        status,
        title: title.to_string(),
        parent_id,
        position,
        author_id: WRITER.to_string(),
        owner_id: (kind == DocKind::Page).then(|| WRITER.to_string()),
        created_at: Utc::now(),
        version: first_version(),
        body: new.body.storage.value.clone(),
        history: Vec::new(),
    };
    let docs = match kind {
        DocKind::Page => &mut store.pages,
        DocKind::BlogPost => &mut store.blogposts,
    };
    docs.insert(id, Arc::new(doc));
    Ok(Created::Document(kind, id))
}

fn new_comment(store: &mut Store, new: &NewContent) -> Result<Created, ApiError> {
    let container_id = new
        .container
        .as_ref()
        .ok_or_else(|| ApiError::BadRequest("A comment needs a container".into()))?
        .numeric()
        .ok_or(ApiError::NotFound)?;
    let container = store
        .pages
        .get(&container_id)
        .or_else(|| store.blogposts.get(&container_id))
        .map(|d| ((d.kind, d.id), format!("Re: {}", d.title)))
        .ok_or(ApiError::NotFound)?;
    // A reply names the comment it answers as its ancestor; it must be on the same content.
    let parent = match new.ancestors.last() {
        None => None,
        Some(a) => {
            let id = a.numeric().ok_or(ApiError::NotFound)?;
            store
                .comments
                .get(&id)
                .filter(|c| c.container == container.0)
                .ok_or(ApiError::NotFound)?;
            Some(id)
        }
    };
    let id = store.next_id();
    let version = first_version();
    let comment = Comment {
        id,
        container: container.0,
        parent,
        location: CommentLocation::Footer,
        inline: None,
        status: "current".into(),
        title: container.1,
        created_at: version.created_at,
        version,
        body: new.body.storage.value.clone(),
        history: Vec::new(),
    };
    store.comments.insert(id, Arc::new(comment));
    Ok(Created::Comment(id))
}
