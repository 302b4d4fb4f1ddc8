//! Spaces: the list, filtered and sorted as Cloud does, and one space by id.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use axum::response::IntoResponse;

use super::params::{SortFields, numeric_id, sort_items};
use super::{ApiResult, Shared};
use crate::errors::ApiError;
use crate::model;
use crate::paging::{ListSpec, Params, paginate};

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

pub(super) async fn list_spaces(
    State(state): Shared,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
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

pub(super) async fn get_space(
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
