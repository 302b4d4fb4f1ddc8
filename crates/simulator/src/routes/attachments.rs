//! Attachments: a page's or blog post's list, and one attachment by id.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use axum::response::IntoResponse;

use super::params::{DATED_SORTS, SortFields, numeric_id, sort_items};
use super::{ApiResult, Shared};
use crate::errors::ApiError;
use crate::model;
use crate::paging::{ListSpec, Params, paginate};
use crate::store::DocKind;

pub(super) async fn list_attachments(
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

pub(super) async fn get_attachment(
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
