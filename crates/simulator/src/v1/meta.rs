//! What Data Center's v1 keeps about content beside its body, as far as MCP servers read it:
//! a page's child pages, its history (which clients read the next version number from
//! before an update), labels and content properties (restrictions are in
//! [`crate::restrictions`]). The samples have no labels or properties, so those lists are
//! empty, in the shapes DC gives; an
//! unknown id is a 404 everywhere, as on DC.

use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::IntoResponse;
use serde_json::json;

use super::content::history_json;
use super::{ApiResult, Expand, Shared, container_of, content_json, find, page_of};
use crate::errors::ApiError;
use crate::paging::Params;
use crate::search::Hit;
use crate::store::{DocKind, Document};

/// `GET /rest/api/content/{id}/child/page`: a page's current child pages in their order
/// (position, then id), expanded as asked. A blog post has none.
pub async fn child_pages(
    axum::extract::State(state): Shared,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let expand = Expand::parse(&params);
    let (kind, parent) = container_of(&store, &id)?;
    let mut children: Vec<&Document> = store
        .pages
        .values()
        .filter(|p| kind == DocKind::Page && p.parent_id == Some(parent))
        .filter(|p| p.status == "current")
        .map(|p| &**p)
        .collect();
    children.sort_by_key(|p| (p.position.unwrap_or(i32::MAX), p.id));
    let items = children
        .into_iter()
        .map(|p| content_json(&state, &store, Hit::Document(p), expand))
        .collect();
    let path = format!("/rest/api/content/{id}/child/page");
    page_of(&state, &params, &path, items, expand.max_limit())
}

/// `GET /rest/api/content/{id}/history`: who created the content and when, and its latest
/// version (atlassian-python-api's `update_page` reads `lastUpdated.number` from it).
pub async fn content_history(
    axum::extract::State(state): Shared,
    Path(id): Path<String>,
) -> ApiResult {
    let store = state.store();
    let (created_at, author, version) = match find(&store, &id).ok_or(ApiError::NotFound)? {
        Hit::Document(d) => (d.created_at, d.author_id.clone(), d.version.clone()),
        Hit::Comment(c) => (c.created_at, c.version.author_id.clone(), c.version.clone()),
        Hit::Attachment(a) => (a.created_at, a.version.author_id.clone(), a.version.clone()),
    };
    let base = state.base();
    let mut history = history_json(&state, created_at, &author, &version);
    history["_links"] = json!({"self": format!("{base}/rest/api/content/{id}/history"),
                               "base": base, "context": state.context});
    Ok(Json(history).into_response())
}

/// `GET /rest/api/content/{id}/label`: the content's labels (none in the samples).
pub async fn labels(
    axum::extract::State(state): Shared,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    empty_list(&state, &id, "label", q.as_deref())
}

/// `GET /rest/api/content/{id}/property`: the content's properties (none in the samples).
pub async fn properties(
    axum::extract::State(state): Shared,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    empty_list(&state, &id, "property", q.as_deref())
}

fn empty_list(state: &crate::AppState, id: &str, what: &str, q: Option<&str>) -> ApiResult {
    find(&state.store(), id).ok_or(ApiError::NotFound)?;
    let params = Params::parse(q);
    let path = format!("/rest/api/content/{id}/{what}");
    page_of(state, &params, &path, Vec::new(), super::MAX_LIMIT)
}
