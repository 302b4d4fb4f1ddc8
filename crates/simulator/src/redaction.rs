//! Native redaction, Cloud with Atlassian Guard Premium only ([`crate::SimulatorHandle::
//! set_guard_premium`]): `POST /wiki/api/v2/{pages|blogposts}/{id}/redact` with `{"createdAt",
//! "versionNumber"?, "cleanHistory"?, "body": {"redactions": [{"pointer", "from", "to",
//! "reason"?}]}}`, answered 202 with each redaction and its id.
//!
//! What the simulator decides where the spec is silent (all documented in the crate README's
//! spirit: realistic, and stated):
//! - Without Guard Premium: 403 in Cloud's error shape, titled so a client can tell it from a
//!   missing permission ("... requires Atlassian Guard Premium").
//! - `pointer` names a text node of the ADF served with `body-format=atlas_doc_format`;
//!   `from`/`to` count UTF-16 code units in its `text`, as the JavaScript editor that owns ADF
//!   counts (the same as characters for text without astral characters).
//! - The redacted characters become one solid bar, [`BAR`], whatever their number: Atlassian
//!   documents that "the length of the bar is not related to the length of the sensitive
//!   data". The stored storage body changes in the bytes the text came from, and the change is
//!   a new version whose message says content was redacted.
//! - A `createdAt` older than the current version's is "out of date" (400, as the spec says);
//!   a `versionNumber` other than the current one is refused with 409: the simulator redacts
//!   the current version only.
//! - Overlapping redactions in one node are merged and share one id; a code block's
//!   redactions get no id (the spec: they cannot be restored).
//! - `cleanHistory: true` deletes the historical versions whose text holds a redacted text.
//! - Title redactions are refused (400): the simulator does not redact titles.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::adf::{self, decode_run};
use super::errors::ApiError;
use super::store::{DocKind, Version};

/// What replaces redacted text: a solid bar of fixed length.
pub const BAR: &str = "█████";

/// The version message of a redaction.
pub const MESSAGE: &str = "Sensitive content was redacted";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RedactRequest {
    created_at: String,
    #[serde(default)]
    version_number: Option<u32>,
    #[serde(default)]
    clean_history: Option<bool>,
    #[serde(default)]
    body: Option<Section>,
    #[serde(default)]
    title: Option<Section>,
}

#[derive(Debug, Deserialize)]
struct Section {
    #[serde(default)]
    redactions: Vec<Pointer>,
}

#[derive(Debug, Deserialize)]
struct Pointer {
    pointer: String,
    #[serde(default)]
    from: Option<u64>,
    #[serde(default)]
    to: Option<u64>,
    #[serde(default)]
    reason: Option<String>,
}

/// One redaction checked against the body: the storage bytes it replaces.
struct Planned {
    node: usize,
    body: Range<usize>,
    in_code: bool,
}

pub(crate) async fn redact(
    kind: DocKind,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Json<RedactRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    if !state.guard_premium() {
        return Err(ApiError::Forbidden(
            "Redaction requires Atlassian Guard Premium".into(),
        ));
    }
    let Json(request) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_param("id", "is not a valid id"))?;
    if request
        .title
        .as_ref()
        .is_some_and(|t| !t.redactions.is_empty())
    {
        return Err(ApiError::bad_param(
            "title",
            "cannot be redacted by this simulator",
        ));
    }
    let pointers = request.body.map(|b| b.redactions).unwrap_or_default();
    if pointers.is_empty() {
        return Err(ApiError::bad_param("body.redactions", "must not be empty"));
    }
    let created_at = DateTime::parse_from_rfc3339(&request.created_at)
        .map_err(|_| ApiError::bad_param("createdAt", "is not a date-time"))?
        .with_timezone(&Utc);
    let clean = request.clean_history.unwrap_or(false);
    let author = super::v1::WRITER.to_string();
    let (answer, updated) = state.try_write(|store| {
        let docs = match kind {
            DocKind::Page => &mut store.pages,
            DocKind::BlogPost => &mut store.blogposts,
        };
        let doc = Arc::make_mut(docs.get_mut(&id).ok_or(ApiError::NotFound)?);
        if doc.status != "current" {
            return Err(ApiError::NotFound);
        }
        if request
            .version_number
            .is_some_and(|n| n != doc.version.number)
        {
            return Err(ApiError::Conflict(format!(
                "Only the current version can be redacted. Current version is: {}",
                doc.version.number
            )));
        }
        // Served with millisecond precision: compare at that precision.
        let current = doc.version.created_at.timestamp_millis();
        if created_at.timestamp_millis() < current {
            return Err(ApiError::bad_param("createdAt", "is out of date"));
        }
        let adf = adf::from_storage(&doc.body);
        let mut planned = Vec::with_capacity(pointers.len());
        for (n, p) in pointers.iter().enumerate() {
            planned.push(check(&adf, &doc.body, n, p)?);
        }
        let (ids, merged) = merge(&planned);
        let mut removed = Vec::new();
        let mut storage = doc.body.clone();
        // Back to front, so earlier ranges keep their offsets.
        for range in merged.iter().rev() {
            removed.push(adf::plain_text(&doc.body[range.clone()]));
            storage.replace_range(range.clone(), BAR);
        }
        let version = Version {
            number: doc.version.number + 1,
            created_at: Utc::now(),
            message: MESSAGE.into(),
            minor_edit: false,
            author_id: author.clone(),
        };
        doc.new_version(version, storage);
        if clean {
            let holds = |body: &str| {
                let text = adf::plain_text(body);
                removed
                    .iter()
                    .map(|r| r.trim())
                    .any(|r| !r.is_empty() && text.contains(r))
            };
            doc.history.retain(|(_, body)| !holds(body));
        }
        let answer: Vec<Value> = pointers
            .iter()
            .zip(&planned)
            .zip(&ids)
            .map(|((p, plan), id)| {
                let mut item = json!({"pointer": p.pointer, "from": p.from.unwrap_or(0),
                                      "to": p.to.unwrap_or(0), "reason": p.reason});
                if !plan.in_code {
                    item["redactionId"] = id.clone().into();
                }
                item
            })
            .collect();
        Ok((answer, doc.clone()))
    })?;
    let store = state.store();
    super::forge::ForgeEmitter::emit(
        &state,
        super::model::forge_event(&store, &updated, "updated"),
    );
    let body = json!({"body": {"redactions": answer}, "title": {"redactions": []}});
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Checks one redaction against the body; what it replaces, or the 400 Cloud gives.
fn check(adf: &adf::Adf, storage: &str, n: usize, p: &Pointer) -> Result<Planned, ApiError> {
    let field = format!("body.redactions[{n}]");
    let Some(origin) = adf.origin(&p.pointer) else {
        return Err(ApiError::bad_param(
            &format!("{field}.pointer"),
            "does not point to a text node",
        ));
    };
    let chars = decode_run(&storage[origin.body.clone()], origin.cdata);
    // UTF-16 offset of each character's start, and the end.
    let mut starts = Vec::with_capacity(chars.len() + 1);
    let mut at = 0u64;
    for (c, _) in &chars {
        starts.push(at);
        at += c.len_utf16() as u64;
    }
    starts.push(at);
    let (from, to) = (p.from.unwrap_or(0), p.to.unwrap_or(at));
    let (Ok(first), Ok(end)) = (starts.binary_search(&from), starts.binary_search(&to)) else {
        return Err(ApiError::bad_param(
            &field,
            "has offsets outside the text node or inside a character",
        ));
    };
    if from >= to {
        return Err(ApiError::bad_param(&field, "must have from below to"));
    }
    let base = origin.body.start;
    let body = base + chars[first].1.start..base + chars[end - 1].1.end;
    let node = adf
        .texts
        .iter()
        .position(|(ptr, _)| *ptr == p.pointer)
        .unwrap_or(0);
    Ok(Planned {
        node,
        body,
        in_code: origin.in_code,
    })
}

/// Merges overlapping ranges of one node: an id per input (shared by merged ones), and the
/// storage ranges to replace, in order.
fn merge(planned: &[Planned]) -> (Vec<String>, Vec<Range<usize>>) {
    let mut order: Vec<usize> = (0..planned.len()).collect();
    order.sort_by_key(|&i| (planned[i].body.start, planned[i].body.end));
    let mut groups: Vec<(usize, Range<usize>)> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for i in order {
        let p = &planned[i];
        match groups.last_mut() {
            Some((node, range)) if *node == p.node && p.body.start < range.end => {
                range.end = range.end.max(p.body.end);
            }
            _ => groups.push((p.node, p.body.clone())),
        }
        group_of.insert(i, groups.len() - 1);
    }
    let uuids: Vec<String> = groups
        .iter()
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let ids = (0..planned.len())
        .map(|i| uuids[group_of[&i]].clone())
        .collect();
    (ids, groups.into_iter().map(|(_, r)| r).collect())
}
