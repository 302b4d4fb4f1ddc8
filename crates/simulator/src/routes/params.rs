//! What the v2 handlers read alike: numeric ids, body formats, and the `sort` orders of
//! their lists.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use crate::errors::ApiError;
use crate::paging::Params;

pub(super) const LIST_BODY_FORMATS: [&str; 2] = ["storage", "atlas_doc_format"];
pub(super) const SINGLE_BODY_FORMATS: [&str; 7] = [
    "storage",
    "atlas_doc_format",
    "view",
    "export_view",
    "anonymous_export_view",
    "styled_view",
    "editor",
];

/// The orders of comment and attachment lists.
pub(super) const DATED_SORTS: [&str; 4] = [
    "created-date",
    "-created-date",
    "modified-date",
    "-modified-date",
];

pub(super) fn numeric_id(raw: &str, name: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad_param(name, "is not the correct type; expected a number"))
}

/// Whether the storage body was asked for. Other valid representations exist on Cloud but
/// are not kept by the simulator, which says so rather than answering with a wrong shape.
pub(super) fn body_format(params: &Params, allowed: &[&str]) -> Result<bool, ApiError> {
    match params.enum_one("body-format", allowed)?.as_deref() {
        None => Ok(false),
        Some("storage") => Ok(true),
        Some(_) => Err(ApiError::bad_param(
            "body-format",
            "is a representation this simulator does not serve (use storage)",
        )),
    }
}

pub(super) struct SortFields {
    pub(super) id: u64,
    pub(super) created: DateTime<Utc>,
    pub(super) modified: DateTime<Utc>,
    /// Title, key or name, for the text sorts.
    pub(super) text: String,
}

/// Order by a v2 sort value (`field` ascending, `-field` descending), ties broken by id.
pub(super) fn sort_items<T>(items: &mut [T], sort: &str, fields: impl Fn(&T) -> SortFields) {
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
