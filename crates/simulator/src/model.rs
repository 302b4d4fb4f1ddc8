//! The JSON objects of v2 as the spec names them: SpaceBulk, PageBulk, BlogPostBulk,
//! (Page|BlogPost)(Inline)CommentModel, AttachmentBulk; the single-object variants add
//! `_links.base`. Built from the store on each request.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::store::{
    Attachment, Comment, CommentLocation, DocKind, Document, Space, Store, Version,
};

pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionJson {
    created_at: String,
    message: String,
    number: u32,
    minor_edit: bool,
    author_id: String,
}

impl From<&Version> for VersionJson {
    fn from(v: &Version) -> Self {
        VersionJson {
            created_at: timestamp(&v.created_at),
            message: v.message.clone(),
            number: v.number,
            minor_edit: v.minor_edit,
            author_id: v.author_id.clone(),
        }
    }
}

/// `body`: one field per representation asked for; `{}` when none was.
#[derive(Serialize, Default)]
pub struct BodyJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    storage: Option<BodyType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    atlas_doc_format: Option<BodyType>,
}

#[derive(Serialize)]
struct BodyType {
    representation: &'static str,
    value: String,
}

impl BodyJson {
    pub fn storage(value: &str, wanted: bool) -> Self {
        BodyJson {
            storage: wanted.then(|| BodyType {
                representation: "storage",
                value: value.to_string(),
            }),
            atlas_doc_format: None,
        }
    }

    /// The storage body as ADF: `value` is the document as a JSON string, as Cloud sends it.
    pub fn adf(storage: &str) -> Self {
        BodyJson {
            storage: None,
            atlas_doc_format: Some(BodyType {
                representation: "atlas_doc_format",
                value: super::adf::from_storage(storage).doc.to_string(),
            }),
        }
    }
}

#[derive(Serialize, Default)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    webui: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    editui: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tinyui: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<String>,
    /// Only on single-object answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<String>,
}

impl Links {
    pub fn with_base(mut self, base: Option<String>) -> Self {
        self.base = base;
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpaceJson {
    id: String,
    key: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    status: String,
    author_id: String,
    space_owner_id: String,
    current_active_alias: String,
    created_at: String,
    homepage_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<DescriptionJson>,
    #[serde(rename = "_links")]
    links: Links,
}

#[derive(Serialize)]
struct DescriptionJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    plain: Option<BodyType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    view: Option<BodyType>,
}

/// `description_format`: `plain` or `view` when the request asked for a description.
pub fn space(s: &Space, description_format: Option<&str>, base: Option<String>) -> SpaceJson {
    let description = description_format.map(|format| {
        let text = |representation| BodyType {
            representation,
            value: s.description.clone(),
        };
        let view = BodyType {
            representation: "view",
            value: format!("<p>{}</p>", escape_html(&s.description)),
        };
        match format {
            "view" => DescriptionJson {
                plain: None,
                view: Some(view),
            },
            _ => DescriptionJson {
                plain: Some(text("plain")),
                view: None,
            },
        }
    });
    SpaceJson {
        id: s.id.to_string(),
        key: s.key.clone(),
        name: s.name.clone(),
        kind: s.kind.clone(),
        status: s.status.clone(),
        author_id: s.author_id.clone(),
        space_owner_id: s.author_id.clone(),
        current_active_alias: s.key.clone(),
        created_at: timestamp(&s.created_at),
        homepage_id: s.homepage_id.to_string(),
        description,
        links: Links {
            webui: Some(format!("/spaces/{}", s.key)),
            ..Links::default()
        }
        .with_base(base),
    }
}

/// A page (PageBulk / PageSingle) or a blog post (BlogPostBulk / BlogPostSingle).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentJson {
    id: String,
    status: String,
    title: String,
    space_id: String,
    #[serde(flatten)]
    tree: Option<PageTree>,
    author_id: String,
    #[serde(flatten)]
    owner: Option<PageOwner>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<VersionJson>,
    body: BodyJson,
    #[serde(rename = "_links")]
    links: Links,
}

/// Page-only fields; `parentId` and `parentType` are null at the top of the tree.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageTree {
    parent_id: Option<String>,
    parent_type: Option<&'static str>,
    position: Option<i32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageOwner {
    owner_id: Option<String>,
    last_owner_id: Option<String>,
}

impl DocumentJson {
    pub fn with_body(mut self, body: BodyJson) -> Self {
        self.body = body;
        self
    }
}

pub struct DocOptions {
    pub body: bool,
    pub version: bool,
    pub base: Option<String>,
}

pub fn document(store: &Store, d: &Document, options: DocOptions) -> DocumentJson {
    let is_page = d.kind == DocKind::Page;
    DocumentJson {
        id: d.id.to_string(),
        status: d.status.clone(),
        title: d.title.clone(),
        space_id: d.space_id.to_string(),
        tree: is_page.then(|| PageTree {
            parent_id: d.parent_id.map(|p| p.to_string()),
            parent_type: d.parent_id.map(|_| "page"),
            position: d.position,
        }),
        author_id: d.author_id.clone(),
        owner: is_page.then(|| PageOwner {
            owner_id: d.owner_id.clone(),
            last_owner_id: None,
        }),
        created_at: timestamp(&d.created_at),
        version: options.version.then(|| VersionJson::from(&d.version)),
        body: BodyJson::storage(&d.body, options.body),
        links: Links {
            webui: Some(webui(store, d)),
            editui: Some(format!("/pages/resumedraft.action?draftId={}", d.id)),
            tinyui: Some(format!("/x/{}", tiny_id(d.id))),
            ..Links::default()
        }
        .with_base(options.base),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentJson {
    id: String,
    status: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blog_post_id: Option<String>,
    /// A reply's parent (ChildrenCommentModel); absent on a root comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_comment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<VersionJson>,
    body: BodyJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<InlineProperties>,
    #[serde(rename = "_links")]
    links: Links,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InlineProperties {
    inline_marker_ref: String,
    inline_original_selection: String,
}

pub fn comment(store: &Store, c: &Comment, options: DocOptions) -> CommentJson {
    let (kind, container_id) = c.container;
    let container_webui = store
        .document(kind, container_id)
        .map(|d| webui(store, d))
        .unwrap_or_default();
    let inline = c
        .inline
        .as_ref()
        .filter(|_| c.location == CommentLocation::Inline);
    CommentJson {
        id: c.id.to_string(),
        status: c.status.clone(),
        title: c.title.clone(),
        page_id: (kind == DocKind::Page).then(|| container_id.to_string()),
        blog_post_id: (kind == DocKind::BlogPost).then(|| container_id.to_string()),
        parent_comment_id: c.parent.map(|p| p.to_string()),
        version: options.version.then(|| VersionJson::from(&c.version)),
        body: BodyJson::storage(&c.body, options.body),
        resolution_status: inline.map(|i| i.resolution_status.clone()),
        properties: inline.map(|i| InlineProperties {
            inline_marker_ref: i.marker_ref.clone(),
            inline_original_selection: i.original_selection.clone(),
        }),
        links: Links {
            webui: Some(format!("{container_webui}?focusedCommentId={}", c.id)),
            ..Links::default()
        }
        .with_base(options.base),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentJson {
    id: String,
    status: String,
    title: String,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blog_post_id: Option<String>,
    media_type: String,
    media_type_description: &'static str,
    comment: String,
    file_id: String,
    file_size: u64,
    webui_link: String,
    download_link: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<VersionJson>,
    #[serde(rename = "_links")]
    links: Links,
}

/// Path of the download, relative to `_links.base`, as Cloud writes `downloadLink`.
pub fn download_link(a: &Attachment) -> String {
    format!(
        "/download/attachments/{}/{}?version={}&modificationDate={}&cacheVersion=1&api=v2",
        a.container.1,
        encode_path_segment(&a.title),
        a.version.number,
        a.version.created_at.timestamp_millis()
    )
}

pub fn attachment(a: &Attachment, version: bool, base: Option<String>) -> AttachmentJson {
    let (kind, container_id) = a.container;
    let download = download_link(a);
    let webui = format!(
        "/pages/viewpageattachments.action?pageId={container_id}&preview=%2F{container_id}%2F{}%2F{}",
        a.id,
        encode_path_segment(&a.title)
    );
    AttachmentJson {
        id: format!("att{}", a.id),
        status: a.status.clone(),
        title: a.title.clone(),
        created_at: timestamp(&a.created_at),
        page_id: (kind == DocKind::Page).then(|| container_id.to_string()),
        blog_post_id: (kind == DocKind::BlogPost).then(|| container_id.to_string()),
        media_type: a.media_type.clone(),
        media_type_description: media_type_description(&a.media_type),
        comment: a.comment.clone(),
        file_id: a.file_id.clone(),
        file_size: a.bytes.len() as u64,
        webui_link: webui.clone(),
        download_link: download.clone(),
        version: version.then(|| VersionJson::from(&a.version)),
        links: Links {
            webui: Some(webui),
            download: Some(download),
            ..Links::default()
        }
        .with_base(base),
    }
}

pub(crate) fn webui(store: &Store, d: &Document) -> String {
    let key = store
        .space_of(d)
        .map(|s| s.key.as_str())
        .unwrap_or_default();
    let slug: String = url::form_urlencoded::byte_serialize(d.title.as_bytes()).collect();
    match d.kind {
        DocKind::Page => format!("/spaces/{key}/pages/{}/{slug}", d.id),
        DocKind::BlogPost => format!(
            "/spaces/{key}/blog/{}/{}/{slug}",
            d.created_at.format("%Y/%m/%d"),
            d.id
        ),
    }
}

/// Confluence's short link: the id's little-endian bytes in URL-safe base64, trailing zero
/// bytes dropped.
fn tiny_id(id: u64) -> String {
    use base64::Engine;
    let bytes = id.to_le_bytes();
    let used = bytes.iter().rposition(|b| *b != 0).map_or(1, |i| i + 1);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..used])
}

fn media_type_description(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "PDF Document",
        "application/zip" => "Zip Archive",
        "application/json" => "JSON File",
        "text/csv" => "CSV File",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "Excel Spreadsheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            "Word Document"
        }
        t if t.starts_with("image/") => "Image",
        t if t.starts_with("text/") => "Text File",
        _ => "File",
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Forge product event about a page or blog post (`avi:confluence:<verb>:page`), as the
/// project's Forge app receives it: the content's id, type, status, title, space and version.
pub fn forge_event(store: &Store, d: &Document, verb: &str) -> serde_json::Value {
    let kind = match d.kind {
        DocKind::Page => "page",
        DocKind::BlogPost => "blogpost",
    };
    let space = store.spaces.get(&d.space_id);
    serde_json::json!({
        "eventType": format!("avi:confluence:{verb}:{kind}"),
        "atlassianId": d.version.author_id,
        "suppressNotifications": false,
        "content": {
            "id": d.id.to_string(),
            "type": kind,
            "status": d.status,
            "title": d.title,
            "space": space.map(|s| serde_json::json!({"id": s.id, "key": s.key})),
            "version": {"number": d.version.number},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(
            encode_path_segment("Q1 report (final).pdf"),
            "Q1%20report%20%28final%29.pdf"
        );
        assert_eq!(encode_path_segment("dev.env"), "dev.env");
    }

    #[test]
    fn tiny_links_are_short_and_distinct() {
        assert_ne!(tiny_id(65601), tiny_id(65602));
        assert!(tiny_id(65601).len() <= 4);
    }
}
