//! The site's routing tables, one per flavour. Cloud: the v2 routes for [`spaces`],
//! [`documents`] (pages and blog posts), their [`comments`] and [`attachments`], and the v1
//! ones Cloud still serves; Data Center: v1 only, under its context path ([`crate::v1`]). The
//! v2 handlers read and check parameters as Cloud does ([`params`]: unknown ones ignored, bad
//! values a 400, `limit` clamped).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};

use super::AppState;
use super::errors::ApiError;
use super::gate::{UNMATCHED_ROUTE, api_gate};
use super::media;
use super::store::{CommentLocation, DocKind};

mod attachments;
mod comments;
mod documents;
mod params;
mod spaces;

use attachments::{get_attachment, list_attachments};
use comments::{get_comment, list_children, list_comments};
use documents::{get_document, list_documents};
use spaces::{get_space, list_spaces};

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
