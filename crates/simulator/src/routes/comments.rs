//! Comments: a page's or blog post's root comments, one comment, and a comment's replies.
//! As on Cloud, a page's lists hold root comments only; replies are read under their parent
//! (`/footer-comments/{id}/children`), one level at a time.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use axum::response::IntoResponse;

use super::params::{
    DATED_SORTS, LIST_BODY_FORMATS, SINGLE_BODY_FORMATS, SortFields, body_format, numeric_id,
    sort_items,
};
use super::{ApiResult, Shared};
use crate::errors::ApiError;
use crate::model::{self, DocOptions};
use crate::paging::{ListSpec, Params, paginate};
use crate::store::{Comment, CommentLocation, DocKind};

const RESOLUTION_STATUSES: [&str; 4] = ["resolved", "open", "dangling", "reopened"];

pub(super) async fn list_comments(
    kind: DocKind,
    location: CommentLocation,
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let container_id = numeric_id(&id, "id")?;
    let body = body_format(&params, &LIST_BODY_FORMATS)?;
    let statuses: &[&str] = match kind {
        DocKind::Page => &[
            "current",
            "archived",
            "trashed",
            "deleted",
            "historical",
            "draft",
        ],
        DocKind::BlogPost => &["current", "deleted", "trashed", "historical", "draft"],
    };
    let status = params.enum_list("status", statuses, &["current"])?;
    let resolution = match location {
        CommentLocation::Inline => params.enum_list(
            "resolution-status",
            &RESOLUTION_STATUSES,
            &RESOLUTION_STATUSES,
        )?,
        CommentLocation::Footer => Vec::new(),
    };
    let sort = params
        .enum_one("sort", &DATED_SORTS)?
        .unwrap_or_else(|| "created-date".into());
    if store.document(kind, container_id).is_none() {
        return Err(ApiError::NotFound);
    }
    let mut comments: Vec<_> = store
        .comments
        .values()
        .filter(|c| {
            c.container == (kind, container_id)
                && c.parent.is_none()
                && c.location == location
                && status.contains(&c.status)
        })
        .filter(|c| {
            c.inline
                .as_ref()
                .is_none_or(|i| resolution.contains(&i.resolution_status))
        })
        .map(|c| &**c)
        .collect();
    sort_items(&mut comments, &sort, comment_sort_fields);
    let label = path_segment(location);
    let scope = format!("{label}:{container_id}");
    let spec = ListSpec {
        scope,
        sort: &sort,
        path: uri.path(),
        default_limit: 25,
        base: state.base(),
    };
    let page = paginate(comments, |c| c.id.to_string(), &params, spec)?;
    Ok(page
        .map(|c| {
            model::comment(
                &store,
                c,
                DocOptions {
                    body,
                    version: true,
                    base: None,
                },
            )
        })
        .into_response())
}

pub(super) async fn get_comment(
    location: CommentLocation,
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let id = numeric_id(&id, "comment-id")?;
    let body = body_format(&params, &SINGLE_BODY_FORMATS)?;
    let include_version = params.bool("include-version", true)?;
    let comment = store
        .comments
        .get(&id)
        .filter(|c| c.location == location)
        .ok_or(ApiError::NotFound)?;
    let options = DocOptions {
        body,
        version: include_version,
        base: Some(state.base()),
    };
    Ok(Json(model::comment(&store, comment, options)).into_response())
}

/// `GET /{footer|inline}-comments/{id}/children`: the direct replies to a comment, oldest
/// first by default. An unknown comment, or one of the other location, is a 404.
pub(super) async fn list_children(
    location: CommentLocation,
    State(state): Shared,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let store = state.store();
    let params = Params::parse(query.as_deref());
    let parent = numeric_id(&id, "id")?;
    let body = body_format(&params, &LIST_BODY_FORMATS)?;
    let sort = params
        .enum_one("sort", &DATED_SORTS)?
        .unwrap_or_else(|| "created-date".into());
    if store
        .comments
        .get(&parent)
        .is_none_or(|c| c.location != location)
    {
        return Err(ApiError::NotFound);
    }
    let mut replies: Vec<&Comment> = store
        .comments
        .values()
        .filter(|c| c.parent == Some(parent) && c.status == "current")
        .map(|c| &**c)
        .collect();
    sort_items(&mut replies, &sort, comment_sort_fields);
    let label = path_segment(location);
    let spec = ListSpec {
        scope: format!("{label}:{parent}:children"),
        sort: &sort,
        path: uri.path(),
        default_limit: 25,
        base: state.base(),
    };
    let page = paginate(replies, |c| c.id.to_string(), &params, spec)?;
    Ok(page
        .map(|c| {
            let options = DocOptions {
                body,
                version: true,
                base: None,
            };
            model::comment(&store, c, options)
        })
        .into_response())
}

fn comment_sort_fields(c: &&Comment) -> SortFields {
    SortFields {
        id: c.id,
        created: c.created_at,
        modified: c.version.created_at,
        text: String::new(),
    }
}

/// The location's part of a comment path (`/footer-comments/{id}`).
fn path_segment(location: CommentLocation) -> &'static str {
    match location {
        CommentLocation::Footer => "footer-comments",
        CommentLocation::Inline => "inline-comments",
    }
}
