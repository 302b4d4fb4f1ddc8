//! The v2 API's records, read leniently.
//!
//! Live responses carry fields the specification does not list, omit fields it does, and send
//! `null` where a string is expected; ids are strings in v2 but numbers in older answers. So:
//! unknown fields are ignored, everything but `id` is optional or defaulted, `null` reads as
//! the default, and ids accept a string or a number. Bodies are wrapped in [`BodyValue`], whose
//! `Debug` shows only a length: page bodies are what this system scans for secrets.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

/// A space, as `GET /wiki/api/v2/spaces?keys=KEY` returns it (`SpaceBulk`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub key: String,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub name: String,
    /// `global`, `personal`, `collaboration`, ...
    #[serde(default, rename = "type")]
    pub space_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub homepage_id: Option<String>,
}

/// A version stamp (`Version`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub number: u32,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub author_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub minor_edit: bool,
}

/// One representation of a body. `Debug` prints the representation and the length only.
#[derive(Clone, Default, Deserialize)]
pub struct BodyValue {
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub representation: String,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub value: String,
}

impl fmt::Debug for BodyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyValue")
            .field("representation", &self.representation)
            .field("value", &format_args!("<{} bytes>", self.value.len()))
            .finish()
    }
}

/// The representations asked for with `body-format` (`BodyBulk` / `BodySingle`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Body {
    #[serde(default)]
    pub storage: Option<BodyValue>,
    #[serde(default)]
    pub atlas_doc_format: Option<BodyValue>,
}

impl Body {
    /// The storage-format (XHTML) body, when the response carried one.
    pub fn storage(&self) -> Option<&str> {
        self.storage.as_ref().map(|b| b.value.as_str())
    }
}

/// The links of a page or blog post; `webui` is relative to the site's `/wiki`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContentLinks {
    #[serde(default)]
    pub webui: Option<String>,
}

/// A page (`PageBulk` in lists, `PageSingle` by id).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub title: String,
    /// `current`, `draft`, `archived`, `trashed`, ...
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub space_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub parent_type: Option<String>,
    #[serde(default)]
    pub author_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub version: Option<Version>,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub body: Body,
    #[serde(default, rename = "_links", deserialize_with = "lenient::null_default")]
    pub links: ContentLinks,
}

/// A blog post (`BlogPostBulk` / `BlogPostSingle`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlogPost {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub title: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub space_id: Option<String>,
    #[serde(default)]
    pub author_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub version: Option<Version>,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub body: Body,
    #[serde(default, rename = "_links", deserialize_with = "lenient::null_default")]
    pub links: ContentLinks,
}

/// A footer or inline comment on a page or blog post (`PageCommentModel`,
/// `PageInlineCommentModel`, `BlogPostCommentModel`, `FooterCommentModel`, ...): one type,
/// since the crawler treats them alike; which list it came from tells the kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub title: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub page_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub blog_post_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub parent_comment_id: Option<String>,
    /// Inline comments only: `open`, `resolved`, `reopened`, `dangling`.
    #[serde(default)]
    pub resolution_status: Option<String>,
    #[serde(default)]
    pub version: Option<Version>,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub body: Body,
}

impl Comment {
    /// The page or blog post the comment sits on.
    pub fn container_id(&self) -> Option<&str> {
        self.page_id.as_deref().or(self.blog_post_id.as_deref())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AttachmentLinks {
    #[serde(default)]
    pub download: Option<String>,
    #[serde(default)]
    pub webui: Option<String>,
}

/// An attachment (`AttachmentBulk`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    /// The file name.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub title: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub file_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub file_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub page_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub blog_post_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub version: Option<Version>,
    /// Relative to the site's `/wiki` (`_links.base`); Cloud answers it with a redirect.
    #[serde(default)]
    pub download_link: Option<String>,
    #[serde(default)]
    pub webui_link: Option<String>,
    #[serde(default, rename = "_links", deserialize_with = "lenient::null_default")]
    pub links: AttachmentLinks,
}

impl Attachment {
    /// The page or blog post the attachment belongs to.
    pub fn container_id(&self) -> Option<&str> {
        self.page_id.as_deref().or(self.blog_post_id.as_deref())
    }

    /// `downloadLink`, or `_links.download` when only that one is present.
    pub fn download_path(&self) -> Option<&str> {
        fn usable(link: &Option<String>) -> Option<&str> {
            link.as_deref().filter(|l| !l.trim().is_empty())
        }
        usable(&self.download_link).or_else(|| usable(&self.links.download))
    }
}

/// The envelope of every v2 list response. Items stay raw JSON so that one malformed item
/// can be skipped without losing the rest of the batch.
#[derive(Deserialize)]
pub(crate) struct ListEnvelope {
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub results: Vec<serde_json::Value>,
    #[serde(default, rename = "_links", deserialize_with = "lenient::null_default")]
    pub links: ListLinks,
}

#[derive(Default, Deserialize)]
pub(crate) struct ListLinks {
    #[serde(default)]
    pub next: Option<String>,
}

mod lenient {
    use super::*;
    use serde::de::Error as _;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum RawId {
        Text(String),
        Unsigned(u64),
        Signed(i64),
    }

    impl RawId {
        fn into_string(self) -> String {
            match self {
                RawId::Text(s) => s,
                RawId::Unsigned(n) => n.to_string(),
                RawId::Signed(n) => n.to_string(),
            }
        }
    }

    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        RawId::deserialize(d)
            .map(RawId::into_string)
            .map_err(|_| D::Error::custom("id must be a string or a number"))
    }

    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Option::<RawId>::deserialize(d)
            .map(|raw| raw.map(RawId::into_string).filter(|s| !s.is_empty()))
            .map_err(|_| D::Error::custom("id must be a string or a number"))
    }

    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(Option::<RawId>::deserialize(d)
            .map_err(|_| D::Error::custom("size must be a number"))?
            .and_then(|raw| match raw {
                RawId::Unsigned(n) => Some(n),
                RawId::Signed(_) => None,
                RawId::Text(s) => s.trim().parse().ok(),
            }))
    }

    /// A timestamp that does not parse is dropped, not an error: no scan should fail on it.
    pub fn opt_datetime<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let raw = Option::<serde_json::Value>::deserialize(d)?;
        Ok(raw.and_then(|v| match v {
            serde_json::Value::String(s) => DateTime::parse_from_rfc3339(&s)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            serde_json::Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
            _ => None,
        }))
    }

    pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_reads_a_live_shaped_record() {
        let page: Page = serde_json::from_value(json!({
            "id": "65538", "status": "current", "title": "Runbook", "spaceId": "98306",
            "parentId": "65537", "parentType": "page", "position": 3, "authorId": "abc",
            "createdAt": "2024-05-01T10:20:30.000Z",
            "version": {"number": 4, "createdAt": "2024-06-01T00:00:00.000Z", "message": "",
                        "minorEdit": false, "authorId": "abc", "ncsStepVersion": "12"},
            "body": {"storage": {"representation": "storage", "value": "<p>hello</p>"}},
            "_links": {"webui": "/spaces/ENG/pages/65538", "edituiv2": "/x", "tinyui": "/x/AQ"}
        }))
        .unwrap();
        assert_eq!(page.id, "65538");
        assert_eq!(page.space_id.as_deref(), Some("98306"));
        assert_eq!(page.parent_id.as_deref(), Some("65537"));
        assert_eq!(page.version.as_ref().map(|v| v.number), Some(4));
        assert_eq!(page.body.storage(), Some("<p>hello</p>"));
        assert!(page.created_at.is_some());
    }

    #[test]
    fn ids_may_be_numbers_and_most_fields_may_be_missing_or_null() {
        let page: Page = serde_json::from_value(json!({
            "id": 123, "title": null, "parentId": null, "spaceId": 7, "body": null,
            "createdAt": "not a date"
        }))
        .unwrap();
        assert_eq!(page.id, "123");
        assert_eq!(page.space_id.as_deref(), Some("7"));
        assert_eq!(page.parent_id, None);
        assert_eq!(page.title, "");
        assert_eq!(page.body.storage(), None);
        assert_eq!(page.created_at, None);
        assert!(serde_json::from_value::<Page>(json!({"title": "no id"})).is_err());
    }

    #[test]
    fn attachment_reads_download_link_and_sizes() {
        let att: Attachment = serde_json::from_value(json!({
            "id": "att98", "title": "export.csv", "mediaType": "text/csv", "fileSize": "2048",
            "fileId": "f-uuid", "pageId": "65538", "version": {"number": 2},
            "downloadLink": "/download/attachments/65538/export.csv?version=2&api=v2",
            "_links": {"download": "/download/attachments/65538/export.csv?version=2"}
        }))
        .unwrap();
        assert_eq!(att.file_size, Some(2048));
        assert_eq!(att.container_id(), Some("65538"));
        assert_eq!(
            att.download_path(),
            Some("/download/attachments/65538/export.csv?version=2&api=v2")
        );
        let only_links: Attachment = serde_json::from_value(json!({
            "id": "att1", "downloadLink": "", "_links": {"download": "/download/x"}
        }))
        .unwrap();
        assert_eq!(only_links.download_path(), Some("/download/x"));
    }

    #[test]
    fn comment_knows_its_container() {
        let on_blog: Comment = serde_json::from_value(json!({
            "id": "9", "blogPostId": "44", "body": {"storage": {"value": "hi"}}
        }))
        .unwrap();
        assert_eq!(on_blog.container_id(), Some("44"));
        assert_eq!(on_blog.body.storage(), Some("hi"));
    }

    #[test]
    fn debug_never_prints_bodies() {
        let secret = "password=hunter2-very-secret";
        let page: Page = serde_json::from_value(json!({
            "id": "1", "body": {"storage": {"representation": "storage", "value": secret}}
        }))
        .unwrap();
        let text = format!("{page:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains(&format!("<{} bytes>", secret.len())));
    }

    #[test]
    fn list_envelope_tolerates_missing_links() {
        let env: ListEnvelope = serde_json::from_value(json!({"results": [{"id": "1"}]})).unwrap();
        assert_eq!(env.results.len(), 1);
        assert!(env.links.next.is_none());
        let env: ListEnvelope =
            serde_json::from_value(json!({"results": null, "_links": null})).unwrap();
        assert!(env.results.is_empty());
    }
}
