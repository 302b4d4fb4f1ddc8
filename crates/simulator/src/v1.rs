//! The v1 REST API, under the site's context path: all of it that a scanner reads on Data
//! Center (spaces, content listings by space and type, content by id, a page's comments and
//! attachments, CQL content search, downloads served directly), what MCP servers read and
//! write beside ([`meta`]: child pages, history, labels, properties, restrictions; [`users`];
//! [`create`]: new pages and comments), and on Cloud only the CQL content search
//! (`/wiki/rest/api/content/search`), which v2 has no equivalent for.
//!
//! v1 answers are content objects ([`content`]). Lists page by `start` on Data Center and by
//! `cursor` on Cloud's search, with `_links.next` relative to `_links.base`. Expanding bodies
//! lowers the most a call returns (50, else 100), as both products restrict expanded answers.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::AppState;
use super::errors::ApiError;
use super::paging::Params;
use super::search::{Hit, matching};
use super::store::{CommentLocation, DocKind, Store};

mod content;
mod create;
mod meta;
mod users;
use content::space_json;
pub(crate) use content::{Expand, content_json, document_json, version_json};
pub use create::create_content;
pub use meta::{child_pages, content_history, labels, properties};
pub(crate) use users::{WRITER, known_accounts, user_json};
pub use users::{current_user, get_user};

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Response, ApiError>;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
const MAX_LIMIT_WITH_BODY: usize = 50;

/// Where a request starts in its list: `start`, or Cloud's opaque `cursor`.
fn start_of(params: &Params) -> Result<usize, ApiError> {
    if let Some(cursor) = params.get("cursor") {
        return URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("start:").and_then(|n| n.parse().ok()))
            .ok_or_else(|| ApiError::bad_param("cursor", "is not a valid cursor"));
    }
    match params.get("start") {
        None => Ok(0),
        Some(raw) => raw
            .parse::<usize>()
            .map_err(|_| ApiError::bad_param("start", "is not a number")),
    }
}

/// One page of a v1 list: `{results, start, limit, size, _links}`, `next` relative to the
/// base and carrying the request's own parameters.
pub(crate) fn page_of(
    state: &AppState,
    params: &Params,
    path: &str,
    items: Vec<Value>,
    max_limit: usize,
) -> ApiResult {
    let limit = params.limit(DEFAULT_LIMIT)?.clamp(1, max_limit);
    let start = start_of(params)?;
    let total = items.len();
    let results: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let size = results.len();
    let mut links = json!({"base": state.base(), "context": state.context});
    if start + size < total {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.pairs() {
            if !matches!(k.as_str(), "start" | "cursor" | "limit") {
                next.append_pair(k, v);
            }
        }
        next.append_pair("limit", &limit.to_string());
        // Cloud's search pages by cursor; Data Center by start.
        if state.is_data_center() {
            next.append_pair("start", &(start + size).to_string());
        } else {
            next.append_pair(
                "cursor",
                &URL_SAFE_NO_PAD.encode(format!("start:{}", start + size)),
            );
        }
        links["next"] = Value::String(format!("{path}?{}", next.finish()));
    }
    Ok(Json(
        json!({"results": results, "start": start, "limit": limit, "size": size,
                   "_links": links}),
    )
    .into_response())
}

/// `GET /rest/api/space`
pub async fn list_spaces(State(state): Shared, RawQuery(q): RawQuery) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let items = store
        .spaces
        .values()
        .map(|s| space_json(&state, s))
        .collect();
    page_of(&state, &params, "/rest/api/space", items, MAX_LIMIT)
}

/// `GET /rest/api/space/{key}`
pub async fn get_space(State(state): Shared, Path(key): Path<String>) -> ApiResult {
    let store = state.store();
    let space = store
        .spaces
        .values()
        .find(|s| s.key == key)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(space_json(&state, space)).into_response())
}

/// `GET /rest/api/content?spaceKey=&type=page|blogpost&title=&status=`: content by id.
pub async fn list_content(State(state): Shared, RawQuery(q): RawQuery) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let expand = Expand::parse(&params);
    let kind = match params.get("type").unwrap_or("page") {
        "page" => DocKind::Page,
        "blogpost" => DocKind::BlogPost,
        _ => return Err(ApiError::bad_param("type", "must be page or blogpost")),
    };
    let space = params.get("spaceKey");
    let title = params.get("title");
    // `status` repeats or lists with commas; `any` is current and archived here (trashed and
    // draft content is not listed); unset, current only.
    let mut statuses: Vec<&str> = params
        .list("status")
        .into_iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .collect();
    if statuses.is_empty() {
        statuses.push("current");
    }
    if statuses.contains(&"any") {
        statuses.extend(["current", "archived"]);
    }
    let docs = match kind {
        DocKind::Page => &store.pages,
        DocKind::BlogPost => &store.blogposts,
    };
    let items = docs
        .values()
        .filter(|d| statuses.contains(&d.status.as_str()))
        .filter(|d| space.is_none_or(|k| store.space_of(d).is_some_and(|s| s.key == k)))
        .filter(|d| title.is_none_or(|t| d.title == t))
        .map(|d| content_json(&state, &store, Hit::Document(d), expand))
        .collect();
    page_of(
        &state,
        &params,
        "/rest/api/content",
        items,
        expand.max_limit(),
    )
}

/// `GET /rest/api/content/{id}`: a page, blog post, comment or attachment (`att123`).
pub async fn get_content(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let expand = Expand::parse(&params);
    let hit = find(&store, &id).ok_or(ApiError::NotFound)?;
    if let Some(version) = params.get("version")
        && params.get("status") == Some("historical")
    {
        let wanted = version.parse::<u32>().ok();
        // A page's or blog post's older versions are kept by writes; of comments and
        // attachments only the current one is.
        let older = match hit {
            Hit::Document(d) => wanted.and_then(|n| d.at_version(n)),
            Hit::Comment(c) if wanted == Some(c.version.number) => None,
            Hit::Attachment(a) if wanted == Some(a.version.number) => None,
            Hit::Comment(_) | Hit::Attachment(_) => return Err(ApiError::NotFound),
        };
        if let Some(doc) = older {
            return Ok(
                Json(content_json(&state, &store, Hit::Document(&doc), expand)).into_response(),
            );
        }
        if matches!(hit, Hit::Document(_)) {
            return Err(ApiError::NotFound);
        }
    }
    Ok(Json(content_json(&state, &store, hit, expand)).into_response())
}

pub(crate) fn find<'a>(store: &'a Store, id: &str) -> Option<Hit<'a>> {
    if let Some(n) = id.strip_prefix("att") {
        return store
            .attachments
            .get(&n.parse().ok()?)
            .map(|a| Hit::Attachment(a));
    }
    let n: u64 = id.parse().ok()?;
    store
        .pages
        .get(&n)
        .or_else(|| store.blogposts.get(&n))
        .map(|d| Hit::Document(d))
        .or_else(|| store.comments.get(&n).map(|c| Hit::Comment(c)))
}

fn container_of(store: &Store, id: &str) -> Result<(DocKind, u64), ApiError> {
    let n: u64 = id.parse().map_err(|_| ApiError::NotFound)?;
    store
        .pages
        .get(&n)
        .or_else(|| store.blogposts.get(&n))
        .map(|d| (d.kind, d.id))
        .ok_or(ApiError::NotFound)
}

/// `GET /rest/api/content/{id}/child/comment?depth=all&location=`: root comments, or with
/// `depth=all` every comment of the page, replies included, in id order.
pub async fn child_comments(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let expand = Expand::parse(&params);
    let container = container_of(&store, &id)?;
    let all = params.get("depth") == Some("all");
    let location = params.get("location");
    let items = store
        .comments
        .values()
        .filter(|c| c.container == container && (all || c.parent.is_none()))
        .filter(|c| {
            location.is_none_or(|l| match c.location {
                CommentLocation::Footer => l == "footer",
                CommentLocation::Inline => l == "inline",
            })
        })
        .map(|c| content_json(&state, &store, Hit::Comment(c), expand))
        .collect();
    let path = format!("/rest/api/content/{id}/child/comment");
    page_of(&state, &params, &path, items, expand.max_limit())
}

/// `GET /rest/api/content/{id}/child/attachment`
pub async fn child_attachments(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let expand = Expand::parse(&params);
    let container = container_of(&store, &id)?;
    let items = store
        .attachments
        .values()
        .filter(|a| a.container == container)
        .map(|a| content_json(&state, &store, Hit::Attachment(a), expand))
        .collect();
    let path = format!("/rest/api/content/{id}/child/attachment");
    page_of(&state, &params, &path, items, expand.max_limit())
}

/// `GET /rest/api/content/search?cql=`: content objects, as `expand` asks.
pub async fn content_search(State(state): Shared, RawQuery(q): RawQuery) -> ApiResult {
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let cql = params
        .get("cql")
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("cql is required".into()))?;
    let expand = Expand::parse(&params);
    let items = matching(&store, cql)?
        .into_iter()
        .map(|(_, _, hit)| content_json(&state, &store, hit, expand))
        .collect();
    page_of(
        &state,
        &params,
        "/rest/api/content/search",
        items,
        expand.max_limit(),
    )
}

/// `GET {context}/download/attachments/{container}/{file}` on Data Center: the bytes, from
/// the site itself (no media host), with the site's credentials.
pub async fn download(
    State(state): Shared,
    Path((container_id, filename)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    if !state.gate.admits(&headers) {
        state.gate.record(|s| s.unauthorized += 1);
        return ApiError::Unauthorized.into_response();
    }
    let store = state.store();
    let params = Params::parse(q.as_deref());
    let Ok(container_id) = container_id.parse::<u64>() else {
        return ApiError::NotFound.into_response();
    };
    let found = store
        .attachments
        .values()
        .find(|a| a.container.1 == container_id && a.title == filename)
        .filter(|a| {
            params
                .get("version")
                .is_none_or(|v| v.parse::<u32>().ok() == Some(a.version.number))
        });
    let Some(attachment) = found else {
        return ApiError::NotFound.into_response();
    };
    state.gate.record(|s| s.media_downloads += 1);
    let content_type = HeaderValue::from_str(&attachment.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let mut response = (StatusCode::OK, attachment.bytes.clone()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}
