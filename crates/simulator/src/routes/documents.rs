//! Pages and blog posts: a space's list of either, and one by id, at its current version or
//! an older one a write kept, in storage or (for native redaction) ADF.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use axum::response::IntoResponse;

use super::params::{
    LIST_BODY_FORMATS, SINGLE_BODY_FORMATS, SortFields, body_format, numeric_id, sort_items,
};
use super::{ApiResult, Shared};
use crate::errors::ApiError;
use crate::model::{self, DocOptions};
use crate::paging::{ListSpec, Params, paginate};
use crate::store::{DocKind, Document};

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

pub(super) async fn list_documents(
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

pub(super) async fn get_document(
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

fn doc_sort_fields(d: &&Document) -> SortFields {
    SortFields {
        id: d.id,
        created: d.created_at,
        modified: d.version.created_at,
        text: d.title.clone(),
    }
}
