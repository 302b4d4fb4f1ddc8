//! The v2 routes: spaces, pages, blog posts, their comments ([`comments`]) and attachments. Parameters are
//! read and checked as Cloud does (unknown ones ignored, bad values a 400, `limit` clamped).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use chrono::{DateTime, Utc};

use super::AppState;
use super::errors::ApiError;
use super::gate::{UNMATCHED_ROUTE, api_gate};
use super::media;
use super::model::{self, DocOptions};
use super::paging::{ListSpec, Params, paginate};

mod comments;
use super::store::{CommentLocation, DocKind, Document};
use comments::{get_comment, list_children, list_comments};

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Response, ApiError>;

const API: &str = "/wiki/api/v2";

pub fn router(state: Arc<AppState>) -> Router {
    if state.is_data_center() {
        return data_center_router(state);
    }
    cloud_router(state)
}

/// Data Center: v1 only, under the context path; downloads from the site itself.
fn data_center_router(state: Arc<AppState>) -> Router {
    use super::v1;
    let ctx = state.context.clone();
    let at = |path: &str| format!("{ctx}{path}");
    let api = Router::new()
        .route(&at("/rest/api/space"), get(v1::list_spaces))
        .route(&at("/rest/api/space/{key}"), get(v1::get_space))
        .route(
            &at("/rest/api/content"),
            get(v1::list_content).post(v1::create_content),
        )
        // atlassian-python-api creates content at `rest/api/content/`; DC takes both forms.
        .route(
            &at("/rest/api/content/"),
            axum::routing::post(v1::create_content),
        )
        .route(&at("/rest/api/content/search"), get(v1::content_search))
        .route(
            &at("/rest/api/content/{id}"),
            get(v1::get_content)
                .put(super::writes::update_content)
                .delete(super::attachments_write::delete_content),
        )
        .route(
            &at("/rest/api/content/{id}/child/comment"),
            get(v1::child_comments),
        )
        .route(
            &at("/rest/api/content/{id}/child/attachment"),
            get(v1::child_attachments).post(super::attachments_write::upload),
        )
        .route(
            &at("/rest/api/content/{id}/child/page"),
            get(v1::child_pages),
        )
        .route(
            &at("/rest/api/content/{id}/history"),
            get(v1::content_history),
        )
        .route(&at("/rest/api/content/{id}/label"), get(v1::labels))
        .route(&at("/rest/api/content/{id}/property"), get(v1::properties))
        .merge(super::access_routes::data_center(&ctx))
        .route(&at("/rest/api/user"), get(v1::get_user))
        .route(&at("/rest/api/user/current"), get(v1::current_user))
        .route(&at("/rest/api/search"), get(super::search::search))
        .route_layer(middleware::from_fn_with_state(state.clone(), api_gate));
    Router::new()
        .merge(api)
        .route(
            &at("/download/attachments/{container_id}/{filename}"),
            get(v1::download),
        )
        .fallback(data_center_not_found)
        .layer(middleware::map_response(super::errors::data_center_errors))
        .with_state(state)
}

/// Unknown paths under Data Center's REST root are API requests (counted, faulted,
/// authenticated) answered with its JSON 404; others get a plain 404, as its web UI would.
async fn data_center_not_found(
    State(state): Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if uri.path().starts_with(&format!("{}/rest/", state.context)) {
        if let Err(error) = state
            .gate
            .admit(&format!("{method} {UNMATCHED_ROUTE}"), &headers)
        {
            return error.into_response();
        }
        return ApiError::NotFound.into_response();
    }
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

fn cloud_router(state: Arc<AppState>) -> Router {
    use CommentLocation::{Footer, Inline};
    use DocKind::{BlogPost, Page};
    let api = Router::new()
        .route("/wiki/api/v2/spaces", get(list_spaces))
        .route("/wiki/api/v2/spaces/{id}", get(get_space))
        .route(
            "/wiki/api/v2/spaces/{id}/pages",
            get(|s: Shared, p, q, u| list_documents(Page, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/spaces/{id}/blogposts",
            get(|s: Shared, p, q, u| list_documents(BlogPost, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/pages/{id}",
            get(|s: Shared, p, q| get_document(Page, s, p, q))
                .put(|s: Shared, p, b| super::writes::update_document(Page, s, p, b)),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}",
            get(|s: Shared, p, q| get_document(BlogPost, s, p, q))
                .put(|s: Shared, p, b| super::writes::update_document(BlogPost, s, p, b)),
        )
        .route(
            "/wiki/api/v2/pages/{id}/redact",
            axum::routing::post(|s: Shared, p, b| super::redaction::redact(Page, s, p, b)),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/redact",
            axum::routing::post(|s: Shared, p, b| super::redaction::redact(BlogPost, s, p, b)),
        )
        .route(
            "/wiki/api/v2/pages/{id}/footer-comments",
            get(|s: Shared, p, q, u| list_comments(Page, Footer, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/pages/{id}/inline-comments",
            get(|s: Shared, p, q, u| list_comments(Page, Inline, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/footer-comments",
            get(|s: Shared, p, q, u| list_comments(BlogPost, Footer, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/inline-comments",
            get(|s: Shared, p, q, u| list_comments(BlogPost, Inline, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/footer-comments",
            axum::routing::post(super::comment_writes::create_footer_comment),
        )
        .route(
            "/wiki/api/v2/footer-comments/{id}",
            get(|s: Shared, p, q| get_comment(Footer, s, p, q))
                .put(|s: Shared, p, b| super::comment_writes::update_comment(Footer, s, p, b)),
        )
        .route(
            "/wiki/api/v2/inline-comments/{id}",
            get(|s: Shared, p, q| get_comment(Inline, s, p, q))
                .put(|s: Shared, p, b| super::comment_writes::update_comment(Inline, s, p, b)),
        )
        .route(
            "/wiki/api/v2/footer-comments/{id}/children",
            get(|s: Shared, p, q, u| list_children(Footer, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/inline-comments/{id}/children",
            get(|s: Shared, p, q, u| list_children(Inline, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/pages/{id}/attachments",
            get(|s: Shared, p, q, u| list_attachments(Page, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/attachments",
            get(|s: Shared, p, q, u| list_attachments(BlogPost, s, p, q, u)),
        )
        .route(
            "/wiki/api/v2/attachments/{id}",
            get(get_attachment).delete(super::attachments_write::delete_v2),
        )
        .route("/wiki/rest/api/search", get(super::search::search))
        .route(
            "/wiki/rest/api/content/search",
            get(super::v1::content_search),
        )
        .merge(super::access_routes::cloud())
        .route_layer(middleware::from_fn_with_state(state.clone(), api_gate));
    Router::new()
        .merge(api)
        .route(
            "/forge/.well-known/jwks.json",
            get(|State(state): Shared| async move { Json(state.forge.jwks()) }),
        )
        .route(
            "/wiki/download/attachments/{container_id}/{filename}",
            get(media::redirect),
        )
        .fallback(not_found)
        .with_state(state)
}

/// Unknown paths under the API are still API requests: counted, faulted, authenticated.
async fn not_found(State(state): Shared, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with(API) {
        if let Err(error) = state
            .gate
            .admit(&format!("{method} {UNMATCHED_ROUTE}"), &headers)
        {
            return error.into_response();
        }
        return ApiError::NotFound.into_response();
    }
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

// --- spaces -------------------------------------------------------------------------------

const SPACE_SORTS: [&str; 6] = ["id", "-id", "key", "-key", "name", "-name"];
const SPACE_TYPES: [&str; 7] = [
    "global",
    "collaboration",
    "knowledge_base",
    "personal",
    "system",
    "onboarding",
    "xflow_sample_space",
];
const DESCRIPTION_FORMATS: [&str; 2] = ["plain", "view"];

async fn list_spaces(State(state): Shared, RawQuery(query): RawQuery, uri: Uri) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let ids = params
        .list("ids")
        .into_iter()
        .map(|raw| numeric_id(raw, "ids"))
        .collect::<Result<Vec<_>, _>>()?;
    let keys = params.list("keys");
    let kind = params.enum_one("type", &SPACE_TYPES)?;
    let status = params.enum_one("status", &["current", "archived"])?;
    let sort = params
        .enum_one("sort", &SPACE_SORTS)?
        .unwrap_or_else(|| "id".into());
    let description = params.enum_one("description-format", &DESCRIPTION_FORMATS)?;
    let mut spaces: Vec<_> = store
        .spaces
        .values()
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .filter(|s| keys.is_empty() || keys.contains(&s.key.as_str()))
        .filter(|s| kind.as_ref().is_none_or(|k| *k == s.kind))
        .filter(|s| status.as_ref().is_none_or(|st| *st == s.status))
        .collect();
    sort_items(&mut spaces, &sort, |s| SortFields {
        id: s.id,
        created: s.created_at,
        modified: s.created_at,
        text: if sort.ends_with("key") {
            s.key.clone()
        } else {
            s.name.clone()
        },
    });
    let spec = ListSpec {
        scope: "spaces".into(),
        sort: &sort,
        path: uri.path(),
        default_limit: 25,
        base: state.base(),
    };
    let page = paginate(spaces, |s| s.id.to_string(), &params, spec)?;
    Ok(page
        .map(|s| model::space(s, description.as_deref(), None))
        .into_response())
}

async fn get_space(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let description = params.enum_one("description-format", &DESCRIPTION_FORMATS)?;
    let space = store
        .spaces
        .get(&numeric_id(&id, "id")?)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(model::space(
        space,
        description.as_deref(),
        Some(state.base()),
    ))
    .into_response())
}

// --- pages and blog posts ---------------------------------------------------------------------

const PAGE_SORTS: [&str; 8] = [
    "id",
    "-id",
    "created-date",
    "-created-date",
    "modified-date",
    "-modified-date",
    "title",
    "-title",
];
const BLOGPOST_SORTS: [&str; 6] = [
    "id",
    "-id",
    "created-date",
    "-created-date",
    "modified-date",
    "-modified-date",
];
const LIST_BODY_FORMATS: [&str; 2] = ["storage", "atlas_doc_format"];
const SINGLE_BODY_FORMATS: [&str; 7] = [
    "storage",
    "atlas_doc_format",
    "view",
    "export_view",
    "anonymous_export_view",
    "styled_view",
    "editor",
];

async fn list_documents(
    kind: DocKind,
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let space_id = numeric_id(&id, "id")?;
    let body = body_format(&params, &LIST_BODY_FORMATS)?;
    let (sorts, statuses, default_status, label): (&[&str], &[&str], &[&str], _) = match kind {
        DocKind::Page => (
            &PAGE_SORTS,
            &["current", "archived", "deleted", "trashed"],
            &["current", "archived"],
            "space-pages",
        ),
        DocKind::BlogPost => (
            &BLOGPOST_SORTS,
            &["current", "deleted", "trashed"],
            &["current"],
            "space-blogposts",
        ),
    };
    let sort = params
        .enum_one("sort", sorts)?
        .unwrap_or_else(|| "id".into());
    let status = params.enum_list("status", statuses, default_status)?;
    let root_only = kind == DocKind::Page
        && params.enum_one("depth", &["all", "root"])?.as_deref() == Some("root");
    let title = params.get("title");
    if !store.spaces.contains_key(&space_id) {
        return Err(ApiError::NotFound);
    }
    let source = match kind {
        DocKind::Page => &store.pages,
        DocKind::BlogPost => &store.blogposts,
    };
    let mut docs: Vec<&Document> = source
        .values()
        .filter(|d| d.space_id == space_id && status.contains(&d.status))
        .filter(|d| !root_only || d.parent_id.is_none())
        .filter(|d| title.is_none_or(|t| d.title == t))
        .map(|d| &**d)
        .collect();
    sort_items(&mut docs, &sort, doc_sort_fields);
    let scope = format!("{label}:{space_id}");
    let spec = ListSpec {
        scope,
        sort: &sort,
        path: uri.path(),
        default_limit: 25,
        base: state.base(),
    };
    let page = paginate(docs, |d| d.id.to_string(), &params, spec)?;
    Ok(page
        .map(|d| {
            model::document(
                &store,
                d,
                DocOptions {
                    body,
                    version: true,
                    base: None,
                },
            )
        })
        .into_response())
}

async fn get_document(
    kind: DocKind,
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let id = numeric_id(&id, "id")?;
    // ADF is served for a page or blog post read by id (what native redaction points into).
    let adf = params.get("body-format") == Some("atlas_doc_format");
    let body = adf || body_format(&params, &SINGLE_BODY_FORMATS)?;
    let allowed: &[&str] = match kind {
        DocKind::Page => &[
            "current",
            "archived",
            "trashed",
            "deleted",
            "historical",
            "draft",
        ],
        DocKind::BlogPost => &["current", "trashed", "deleted", "historical", "draft"],
    };
    let status = params.enum_list("status", allowed, &["current", "archived"])?;
    let include_version = params.bool("include-version", true)?;
    let doc = store
        .document(kind, id)
        .filter(|d| status.contains(&d.status))
        .ok_or(ApiError::NotFound)?;
    // An older version kept by a write, with its body; one not kept is not found.
    let doc = match params.get("version") {
        Some(raw) => {
            let wanted: u32 = raw
                .parse()
                .map_err(|_| ApiError::bad_param("version", "is not a number"))?;
            doc.at_version(wanted).ok_or(ApiError::NotFound)?
        }
        None => doc.clone(),
    };
    let options = DocOptions {
        body: body && !adf,
        version: include_version,
        base: Some(state.base()),
    };
    let mut json = model::document(&store, &doc, options);
    if adf {
        json = json.with_body(model::BodyJson::adf(&doc.body));
    }
    Ok(Json(json).into_response())
}

/// The orders of comment and attachment lists.
const DATED_SORTS: [&str; 4] = [
    "created-date",
    "-created-date",
    "modified-date",
    "-modified-date",
];

// --- attachments ------------------------------------------------------------------------------

async fn list_attachments(
    kind: DocKind,
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let container_id = numeric_id(&id, "id")?;
    let sort = params
        .enum_one("sort", &DATED_SORTS)?
        .unwrap_or_else(|| "created-date".into());
    let status = params.enum_list(
        "status",
        &["current", "archived", "trashed"],
        &["current", "archived"],
    )?;
    let media_type = params.get("mediaType");
    let filename = params.get("filename");
    if store.document(kind, container_id).is_none() {
        return Err(ApiError::NotFound);
    }
    let mut attachments: Vec<_> = store
        .attachments
        .values()
        .filter(|a| a.container == (kind, container_id) && status.contains(&a.status))
        .filter(|a| {
            media_type.is_none_or(|m| a.media_type == m) && filename.is_none_or(|f| a.title == f)
        })
        .collect();
    sort_items(&mut attachments, &sort, |a| SortFields {
        id: a.id,
        created: a.created_at,
        modified: a.version.created_at,
        text: String::new(),
    });
    let scope = format!("attachments:{container_id}");
    let spec = ListSpec {
        scope,
        sort: &sort,
        path: uri.path(),
        default_limit: 50,
        base: state.base(),
    };
    let page = paginate(attachments, |a| a.id.to_string(), &params, spec)?;
    Ok(page
        .map(|a| model::attachment(a, true, None))
        .into_response())
}

async fn get_attachment(
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let numeric = numeric_id(id.strip_prefix("att").unwrap_or(&id), "id")?;
    let include_version = params.bool("include-version", true)?;
    let attachment = store.attachments.get(&numeric).ok_or(ApiError::NotFound)?;
    if let Some(raw) = params.get("version") {
        let wanted: u32 = raw
            .parse()
            .map_err(|_| ApiError::bad_param("version", "is not a number"))?;
        if wanted != attachment.version.number {
            return Err(ApiError::NotFound);
        }
    }
    Ok(Json(model::attachment(
        attachment,
        include_version,
        Some(state.base()),
    ))
    .into_response())
}

// --- shared helpers ---------------------------------------------------------------------------

fn numeric_id(raw: &str, name: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad_param(name, "is not the correct type; expected a number"))
}

/// Whether the storage body was asked for. Other valid representations exist on Cloud but
/// are not kept by the simulator, which says so rather than answering with a wrong shape.
fn body_format(params: &Params, allowed: &[&str]) -> Result<bool, ApiError> {
    match params.enum_one("body-format", allowed)?.as_deref() {
        None => Ok(false),
        Some("storage") => Ok(true),
        Some(_) => Err(ApiError::bad_param(
            "body-format",
            "is a representation this simulator does not serve (use storage)",
        )),
    }
}

struct SortFields {
    id: u64,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    /// Title, key or name, for the text sorts.
    text: String,
}

fn doc_sort_fields(d: &&Document) -> SortFields {
    SortFields {
        id: d.id,
        created: d.created_at,
        modified: d.version.created_at,
        text: d.title.clone(),
    }
}

/// Order by a v2 sort value (`field` ascending, `-field` descending), ties broken by id.
fn sort_items<T>(items: &mut [T], sort: &str, fields: impl Fn(&T) -> SortFields) {
    let (descending, field) = match sort.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, sort),
    };
    items.sort_by(|a, b| {
        let (a, b) = (fields(a), fields(b));
        let primary = match field {
            "created-date" => a.created.cmp(&b.created),
            "modified-date" => a.modified.cmp(&b.modified),
            "title" | "key" | "name" => a.text.cmp(&b.text),
            _ => Ordering::Equal,
        };
        let order = primary.then(a.id.cmp(&b.id));
        if descending { order.reverse() } else { order }
    });
}
