//! The on-disk sample format (see `samples/README.md`): one JSON file of metadata per item,
//! the storage body beside it in `<id>.xhtml`, attachment bytes under `attachments/files/<id>/`.
//! Parsing is strict (unknown fields are refused) so that a typo in a sample fails loudly.

use std::fs;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::SimulatorError;
use super::store::{
    Attachment, Comment, CommentLocation, DocKind, Document, InlineAnchor, Space, Version,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SpaceFile {
    id: String,
    key: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    status: String,
    author_id: String,
    created_at: String,
    homepage_id: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VersionFile {
    number: u32,
    created_at: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    minor_edit: bool,
    author_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DocumentFile {
    id: String,
    status: String,
    title: String,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    position: Option<i32>,
    author_id: String,
    #[serde(default)]
    owner_id: Option<String>,
    created_at: String,
    version: VersionFile,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CommentFile {
    id: String,
    status: String,
    title: String,
    container_type: String,
    container_id: String,
    // v2 reports a comment's or attachment's author only as version.authorId.
    #[serde(rename = "authorId")]
    _author_id: IgnoredAny,
    created_at: String,
    version: VersionFile,
    location: String,
    /// A reply's parent comment: v2 lists replies under it, not under the page.
    #[serde(default)]
    parent_comment_id: Option<String>,
    #[serde(default)]
    resolution_status: Option<String>,
    #[serde(default)]
    inline_marker_ref: Option<String>,
    #[serde(default)]
    inline_original_selection: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttachmentFile {
    id: String,
    status: String,
    title: String,
    media_type: String,
    #[serde(default)]
    comment: String,
    file_id: String,
    container_type: String,
    container_id: String,
    // v2 reports a comment's or attachment's author only as version.authorId.
    #[serde(rename = "authorId")]
    _author_id: IgnoredAny,
    created_at: String,
    version: VersionFile,
}

pub(super) fn load_space(file: &Path) -> Result<Space, SimulatorError> {
    let raw: SpaceFile = read_json(file)?;
    Ok(Space {
        id: parse_id(&raw.id, file, "space id")?,
        key: raw.key,
        name: raw.name,
        kind: raw.kind,
        status: raw.status,
        author_id: raw.author_id,
        created_at: parse_time(&raw.created_at, file)?,
        homepage_id: parse_id(&raw.homepage_id, file, "homepageId")?,
        description: raw.description,
    })
}

const DOCUMENT_STATUSES: [&str; 4] = ["current", "archived", "draft", "trashed"];
const RESOLUTION_STATUSES: [&str; 4] = ["open", "reopened", "resolved", "dangling"];

pub(super) fn load_document(
    kind: DocKind,
    space_id: u64,
    json: &Path,
) -> Result<Document, SimulatorError> {
    let raw: DocumentFile = read_json(json)?;
    let id = parse_id(&raw.id, json, "id")?;
    check_stem(json, &raw.id)?;
    if !DOCUMENT_STATUSES.contains(&raw.status.as_str()) {
        return Err(invalid(
            json,
            "status must be current, archived, draft or trashed",
        ));
    }
    if kind == DocKind::BlogPost && (raw.parent_id.is_some() || raw.position.is_some()) {
        return Err(invalid(json, "a blog post has no parentId or position"));
    }
    Ok(Document {
        kind,
        id,
        space_id,
        status: raw.status,
        title: raw.title,
        parent_id: raw
            .parent_id
            .as_deref()
            .map(|p| parse_id(p, json, "parentId"))
            .transpose()?,
        position: raw.position,
        author_id: raw.author_id,
        owner_id: raw.owner_id,
        created_at: parse_time(&raw.created_at, json)?,
        version: version(raw.version, json)?,
        body: read_body(json)?,
        history: Vec::new(),
    })
}

pub(super) fn load_comment(json: &Path) -> Result<Comment, SimulatorError> {
    let raw: CommentFile = read_json(json)?;
    check_stem(json, &raw.id)?;
    let (location, inline) = match raw.location.as_str() {
        "footer" => (CommentLocation::Footer, None),
        "inline" => {
            let (Some(status), Some(marker), Some(selection)) = (
                raw.resolution_status,
                raw.inline_marker_ref,
                raw.inline_original_selection,
            ) else {
                return Err(invalid(
                    json,
                    "an inline comment needs resolutionStatus, inlineMarkerRef and inlineOriginalSelection",
                ));
            };
            if !RESOLUTION_STATUSES.contains(&status.as_str()) {
                return Err(invalid(
                    json,
                    "resolutionStatus must be open, reopened, resolved or dangling",
                ));
            }
            let anchor = InlineAnchor {
                resolution_status: status,
                marker_ref: marker,
                original_selection: selection,
            };
            (CommentLocation::Inline, Some(anchor))
        }
        _ => return Err(invalid(json, "location must be footer or inline")),
    };
    let parent = raw
        .parent_comment_id
        .as_deref()
        .map(|id| parse_id(id, json, "parentCommentId"))
        .transpose()?;
    Ok(Comment {
        id: parse_id(&raw.id, json, "id")?,
        container: container(&raw.container_type, &raw.container_id, json)?,
        parent,
        location,
        inline,
        status: raw.status,
        title: raw.title,
        created_at: parse_time(&raw.created_at, json)?,
        version: version(raw.version, json)?,
        body: read_body(json)?,
        history: Vec::new(),
    })
}

pub(super) fn load_attachment(space_dir: &Path, json: &Path) -> Result<Attachment, SimulatorError> {
    let raw: AttachmentFile = read_json(json)?;
    check_stem(json, &raw.id)?;
    let numeric = raw
        .id
        .strip_prefix("att")
        .ok_or_else(|| invalid(json, "attachment id must start with att"))?;
    // The title is a file name inside files/<id>/; refuse anything that could leave that folder.
    if raw.title.is_empty()
        || raw.title.contains(['/', '\\'])
        || raw.title == "."
        || raw.title == ".."
    {
        return Err(invalid(json, "attachment title must be a plain file name"));
    }
    let file = space_dir
        .join("attachments")
        .join("files")
        .join(&raw.id)
        .join(&raw.title);
    let bytes = fs::read(&file).map_err(|source| SimulatorError::Io {
        path: file.clone(),
        source,
    })?;
    Ok(Attachment {
        id: parse_id(numeric, json, "id")?,
        container: container(&raw.container_type, &raw.container_id, json)?,
        status: raw.status,
        title: raw.title,
        media_type: raw.media_type,
        comment: raw.comment,
        file_id: raw.file_id,
        created_at: parse_time(&raw.created_at, json)?,
        version: version(raw.version, json)?,
        bytes: Bytes::from(bytes),
    })
}

fn container(kind: &str, id: &str, file: &Path) -> Result<(DocKind, u64), SimulatorError> {
    let kind = match kind {
        "page" => DocKind::Page,
        "blogpost" => DocKind::BlogPost,
        _ => return Err(invalid(file, "containerType must be page or blogpost")),
    };
    Ok((kind, parse_id(id, file, "containerId")?))
}

fn version(raw: VersionFile, file: &Path) -> Result<Version, SimulatorError> {
    if raw.number == 0 {
        return Err(invalid(file, "version numbers start at 1"));
    }
    Ok(Version {
        number: raw.number,
        created_at: parse_time(&raw.created_at, file)?,
        message: raw.message,
        minor_edit: raw.minor_edit,
        author_id: raw.author_id,
    })
}

fn check_stem(file: &Path, id: &str) -> Result<(), SimulatorError> {
    if file.file_stem().and_then(|s| s.to_str()) == Some(id) {
        Ok(())
    } else {
        Err(invalid(file, "file name must be the item id"))
    }
}

fn parse_id(raw: &str, file: &Path, field: &'static str) -> Result<u64, SimulatorError> {
    raw.parse().map_err(|_| SimulatorError::Malformed {
        path: file.to_path_buf(),
        reason: format!("{field} is not a numeric id"),
    })
}

fn parse_time(raw: &str, file: &Path) -> Result<DateTime<Utc>, SimulatorError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid(file, "a timestamp is not RFC 3339"))
}

pub(super) fn invalid(file: &Path, reason: &str) -> SimulatorError {
    SimulatorError::Malformed {
        path: file.to_path_buf(),
        reason: reason.to_string(),
    }
}

pub(super) fn read_json<T: DeserializeOwned>(file: &Path) -> Result<T, SimulatorError> {
    let text = fs::read_to_string(file).map_err(|source| SimulatorError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    // serde_json's messages can quote the offending value; report only its kind and place.
    serde_json::from_str(&text).map_err(|e| SimulatorError::Malformed {
        path: file.to_path_buf(),
        reason: format!(
            "invalid JSON ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ),
    })
}

fn read_body(json: &Path) -> Result<String, SimulatorError> {
    let file = json.with_extension("xhtml");
    fs::read_to_string(&file).map_err(|source| SimulatorError::Io { path: file, source })
}

pub(super) fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, SimulatorError> {
    let entries = fs::read_dir(dir).map_err(|source| SimulatorError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| SimulatorError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        paths.push(entry.path());
    }
    Ok(paths)
}

/// The `*.json` files of a content folder, in name order; a missing folder means no content.
pub(super) fn json_files(dir: &Path) -> Result<Vec<PathBuf>, SimulatorError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = read_dir(dir)?
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}
