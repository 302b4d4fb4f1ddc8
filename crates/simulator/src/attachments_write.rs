//! Attachment and version writes: deleting an attachment (Cloud v2 `DELETE
//! /attachments/{id}`, Data Center v1 `DELETE {context}/rest/api/content/{attId}`), adding one
//! (v1 `POST .../content/{id}/child/attachment`, multipart with a `file` part and an optional
//! `comment`, refused without `X-Atlassian-Token: no-check`), and a page's or blog post's
//! versions (v1 `DELETE .../content/{id}/version/{n}`, which refuses the current version, and
//! `POST .../content/{id}/version` with `operationKey` `restore`, which makes version n's body
//! the next version).
//!
//! Confluence moves a deleted attachment to the trash; the simulator removes it at once, which
//! every read shows the same way (404, absent from lists and downloads).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::AppState;
use super::errors::ApiError;
use super::search::Hit;
use super::store::{Attachment, DocKind, Version};
use super::v1::{Expand, WRITER, content_json, version_json};

type Shared = State<Arc<AppState>>;
type ApiResult = Result<Response, ApiError>;

/// Largest upload taken.
const MAX_UPLOAD: usize = 25 * 1024 * 1024;

fn attachment_number(id: &str) -> Result<u64, ApiError> {
    id.strip_prefix("att")
        .unwrap_or(id)
        .parse()
        .map_err(|_| ApiError::NotFound)
}

fn remove_attachment(state: &AppState, number: u64) -> ApiResult {
    state.try_write(|store| store.remove_attachment(number).ok_or(ApiError::NotFound))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /wiki/api/v2/attachments/{id}`
pub(crate) async fn delete_v2(State(state): Shared, Path(id): Path<String>) -> ApiResult {
    remove_attachment(&state, attachment_number(&id)?)
}

/// `DELETE {context}/rest/api/content/{id}`: attachments only here.
pub(crate) async fn delete_content(State(state): Shared, Path(id): Path<String>) -> ApiResult {
    if !id.starts_with("att") {
        return Err(ApiError::BadRequest(
            "Only attachments can be deleted in this simulator".into(),
        ));
    }
    remove_attachment(&state, attachment_number(&id)?)
}

/// One part of a multipart body: its name, file name, content type and bytes.
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Bytes,
}

/// Splits a `multipart/form-data` body; `None` for anything malformed.
fn parse_multipart(content_type: &str, body: &Bytes) -> Option<Vec<Part>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest: &[u8] = body;
    let start = find(rest, &delimiter)?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
        let content = &rest[header_end + 4..];
        let end = find(content, &[b"\r\n".as_slice(), &delimiter].concat())?;
        let (mut name, mut filename, mut kind) = (None, None, None);
        for line in headers.split("\r\n") {
            let (key, value) = line.split_once(':')?;
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                for param in value.split(';').map(str::trim) {
                    if let Some(v) = param.strip_prefix("name=") {
                        name = Some(v.trim_matches('"').to_string());
                    } else if let Some(v) = param.strip_prefix("filename=") {
                        filename = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                kind = Some(value.trim().to_string());
            }
        }
        let offset = content.as_ptr() as usize - body.as_ptr() as usize;
        parts.push(Part {
            name: name?,
            filename,
            content_type: kind,
            data: body.slice(offset..offset + end),
        });
        rest = &content[end + 2 + delimiter.len()..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `POST .../content/{id}/child/attachment`: a new attachment on a page or blog post, version
/// 1; its name must be new on the container (400 otherwise). Answers `{results: [the
/// attachment], size: 1}`.
pub(crate) async fn upload(
    State(state): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let token = headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    if !matches!(token.as_deref(), Some("no-check" | "nocheck")) {
        return Err(ApiError::Forbidden("XSRF check failed".into()));
    }
    if body.len() > MAX_UPLOAD {
        return Err(ApiError::BadRequest("The file is too large".into()));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.starts_with("multipart/form-data"))
        .ok_or_else(|| ApiError::BadRequest("A multipart/form-data body is required".into()))?;
    let parts = parse_multipart(content_type, &body)
        .ok_or_else(|| ApiError::BadRequest("Invalid multipart body".into()))?;
    let file = parts
        .iter()
        .find(|p| p.name == "file")
        .ok_or_else(|| ApiError::BadRequest("A file part is required".into()))?;
    let title = file
        .filename
        .clone()
        .filter(|f| !f.trim().is_empty() && !f.contains(['/', '\\']))
        .ok_or_else(|| ApiError::bad_param("file", "needs a file name"))?;
    let comment = parts
        .iter()
        .find(|p| p.name == "comment")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default();
    let media_type = file
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let container: u64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let bytes = file.data.clone();
    let new_id = state.try_write(|store| {
        let kind = store
            .document(DocKind::Page, container)
            .or_else(|| store.document(DocKind::BlogPost, container))
            .map(|d| d.kind)
            .ok_or(ApiError::NotFound)?;
        let taken = store
            .attachments
            .values()
            .any(|a| a.container == (kind, container) && a.title == title);
        if taken {
            return Err(ApiError::BadRequest(
                "Cannot add a new attachment with same file name as an existing attachment".into(),
            ));
        }
        let id = store.next_id();
        let now = Utc::now();
        store.insert_attachment(Attachment {
            id,
            container: (kind, container),
            status: "current".into(),
            title,
            media_type,
            comment,
            file_id: uuid::Uuid::new_v4().to_string(),
            created_at: now,
            version: Version {
                number: 1,
                created_at: now,
                message: String::new(),
                minor_edit: false,
                author_id: WRITER.to_string(),
            },
            bytes,
        });
        Ok(id)
    })?;
    let store = state.store();
    let attachment = store.attachments.get(&new_id).ok_or(ApiError::NotFound)?;
    let expand = Expand {
        version: true,
        container: true,
        ..Expand::default()
    };
    let result = content_json(&state, &store, Hit::Attachment(attachment), expand);
    Ok(Json(
        json!({"results": [result], "start": 0, "limit": 1, "size": 1,
                   "_links": {"base": state.base(), "context": state.context}}),
    )
    .into_response())
}

fn document_kind(state: &AppState, id: u64) -> Result<DocKind, ApiError> {
    let store = state.store();
    store
        .document(DocKind::Page, id)
        .or_else(|| store.document(DocKind::BlogPost, id))
        .map(|d| d.kind)
        .ok_or(ApiError::NotFound)
}

/// `DELETE .../content/{id}/version/{n}`: 204; the current version, or one not kept, is a 400.
pub(crate) async fn delete_version(
    State(state): Shared,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult {
    let id: u64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let number: u32 = number
        .parse()
        .map_err(|_| ApiError::bad_param("versionNumber", "is not a number"))?;
    let kind = document_kind(&state, id)?;
    state.try_write(|store| {
        let docs = match kind {
            DocKind::Page => &mut store.pages,
            DocKind::BlogPost => &mut store.blogposts,
        };
        let doc = Arc::make_mut(docs.get_mut(&id).ok_or(ApiError::NotFound)?);
        if number == doc.version.number {
            return Err(ApiError::BadRequest(
                "The current version cannot be deleted".into(),
            ));
        }
        let at = doc
            .history
            .iter()
            .position(|(v, _)| v.number == number)
            .ok_or_else(|| ApiError::BadRequest("No such version".into()))?;
        doc.history.remove(at);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST .../content/{id}/version`: `{operationKey: "restore", params: {versionNumber,
/// message, restoreTitle}}`; answers with the new version. Titles are not versioned here, so
/// `restoreTitle` keeps the current one.
pub(crate) async fn restore_version(
    State(state): Shared,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let Json(body) = body.map_err(|_| ApiError::BadRequest("Invalid request body".into()))?;
    if body["operationKey"] != "restore" {
        return Err(ApiError::bad_param("operationKey", "must be restore"));
    }
    let number = body["params"]["versionNumber"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| ApiError::bad_param("params.versionNumber", "is required"))?;
    let message = body["params"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id: u64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let kind = document_kind(&state, id)?;
    let restored = state.try_write(|store| {
        let docs = match kind {
            DocKind::Page => &mut store.pages,
            DocKind::BlogPost => &mut store.blogposts,
        };
        let doc = Arc::make_mut(docs.get_mut(&id).ok_or(ApiError::NotFound)?);
        let old_body = doc
            .history
            .iter()
            .find(|(v, _)| v.number == number)
            .map(|(_, body)| body.clone())
            .ok_or_else(|| ApiError::BadRequest("No such historical version".into()))?;
        let version = Version {
            number: doc.version.number + 1,
            created_at: Utc::now(),
            message,
            minor_edit: false,
            author_id: WRITER.to_string(),
        };
        doc.new_version(version, old_body);
        Ok(doc.clone())
    })?;
    let store = state.store();
    let event = super::model::forge_event(&store, &restored, "updated");
    super::forge::ForgeEmitter::emit(&state, event);
    super::dc_hooks::DataCenterEmitter::emit_update(&state, &store, &restored);
    Ok(Json(version_json(&state, &restored.version)).into_response())
}
