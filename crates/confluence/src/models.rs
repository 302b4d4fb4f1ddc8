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
    /// v1 calls it `when`.
    #[serde(default, alias = "when", deserialize_with = "lenient::opt_datetime")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub author_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub minor_edit: bool,
    /// What the writer said of the version: remediation marks its own writes here.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub message: String,
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
/// since the crawler treats them alike. v1 content of type `comment` (Data Center, CQL
/// search) reads into it too: its `container` gives the page, `ancestors` the parent,
/// `extensions.location` footer or inline.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "v1_shapes::RawComment")]
pub struct Comment {
    pub id: String,
    pub status: Option<String>,
    pub title: String,
    pub page_id: Option<String>,
    pub blog_post_id: Option<String>,
    pub parent_comment_id: Option<String>,
    /// Inline comments only: `open`, `resolved`, `reopened`, `dangling`.
    pub resolution_status: Option<String>,
    /// `footer` or `inline` when the answer says (v1 always does, v2 by the list it is in).
    pub location: Option<String>,
    pub version: Option<Version>,
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

/// An attachment (`AttachmentBulk`), or v1 content of type `attachment` (Data Center, CQL
/// search): `extensions.mediaType`/`fileSize`, `container` and `_links.download` read into the
/// same fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "v1_shapes::RawAttachment")]
pub struct Attachment {
    pub id: String,
    /// The file name.
    pub title: String,
    pub status: Option<String>,
    pub media_type: Option<String>,
    pub file_size: Option<u64>,
    pub file_id: Option<String>,
    pub page_id: Option<String>,
    pub blog_post_id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub version: Option<Version>,
    /// Relative to the site's `/wiki` (`_links.base`); Cloud answers it with a redirect.
    pub download_link: Option<String>,
    pub webui_link: Option<String>,
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

/// The wire forms Comment and Attachment are read from: v2's flat fields and v1's nested
/// ones side by side, whichever the answer has.
mod v1_shapes {
    use super::*;

    /// v1's reference to related content: `container`, an entry of `ancestors`.
    #[derive(Default, Deserialize)]
    pub struct ContentRef {
        #[serde(default, deserialize_with = "lenient::opt_id")]
        pub id: Option<String>,
        #[serde(default, rename = "type")]
        pub kind: Option<String>,
    }

    #[derive(Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Extensions {
        #[serde(default)]
        pub location: Option<String>,
        #[serde(default)]
        pub media_type: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_u64")]
        pub file_size: Option<u64>,
        #[serde(default)]
        pub resolution: Option<serde_json::Value>,
    }

    #[derive(Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Metadata {
        #[serde(default)]
        pub media_type: Option<String>,
    }

    /// The page or blog post v1 names as the container, as (page id, blog post id).
    fn container_ids(container: Option<ContentRef>) -> (Option<String>, Option<String>) {
        match container {
            Some(ContentRef { id: Some(id), kind }) if kind.as_deref() == Some("blogpost") => {
                (None, Some(id))
            }
            Some(ContentRef { id: Some(id), kind })
                if kind.as_deref().is_none_or(|k| k == "page") =>
            {
                (Some(id), None)
            }
            _ => (None, None),
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RawComment {
        #[serde(deserialize_with = "lenient::id")]
        id: String,
        #[serde(default)]
        status: Option<String>,
        #[serde(default, deserialize_with = "lenient::null_default")]
        title: String,
        #[serde(default, deserialize_with = "lenient::opt_id")]
        page_id: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_id")]
        blog_post_id: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_id")]
        parent_comment_id: Option<String>,
        #[serde(default)]
        resolution_status: Option<String>,
        #[serde(default)]
        version: Option<Version>,
        #[serde(default, deserialize_with = "lenient::null_default")]
        body: Body,
        #[serde(default, deserialize_with = "lenient::null_default")]
        container: Option<ContentRef>,
        #[serde(default, deserialize_with = "lenient::null_default")]
        ancestors: Vec<ContentRef>,
        #[serde(default, deserialize_with = "lenient::null_default")]
        extensions: Extensions,
    }

    impl From<RawComment> for Comment {
        fn from(raw: RawComment) -> Self {
            let (page_id, blog_post_id) = match (raw.page_id, raw.blog_post_id) {
                (None, None) => container_ids(raw.container),
                ids => ids,
            };
            // v1 lists a reply's parent comments from the root down: the last is its parent.
            let parent = raw.parent_comment_id.or_else(|| {
                raw.ancestors
                    .into_iter()
                    .rev()
                    .find(|a| a.kind.as_deref().is_none_or(|k| k == "comment"))
                    .and_then(|a| a.id)
            });
            let resolution = raw
                .resolution_status
                .or_else(|| match raw.extensions.resolution {
                    Some(serde_json::Value::Object(r)) => {
                        r.get("status").and_then(|s| s.as_str()).map(str::to_owned)
                    }
                    _ => None,
                });
            Comment {
                id: raw.id,
                status: raw.status,
                title: raw.title,
                page_id,
                blog_post_id,
                parent_comment_id: parent,
                resolution_status: resolution,
                location: raw.extensions.location,
                version: raw.version,
                body: raw.body,
            }
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RawAttachment {
        #[serde(deserialize_with = "lenient::id")]
        id: String,
        #[serde(default, deserialize_with = "lenient::null_default")]
        title: String,
        #[serde(default)]
        status: Option<String>,
        #[serde(default)]
        media_type: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_u64")]
        file_size: Option<u64>,
        #[serde(default, deserialize_with = "lenient::opt_id")]
        file_id: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_id")]
        page_id: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_id")]
        blog_post_id: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_datetime")]
        created_at: Option<DateTime<Utc>>,
        #[serde(default)]
        version: Option<Version>,
        #[serde(default)]
        download_link: Option<String>,
        #[serde(default)]
        webui_link: Option<String>,
        #[serde(default, rename = "_links", deserialize_with = "lenient::null_default")]
        links: AttachmentLinks,
        #[serde(default, deserialize_with = "lenient::null_default")]
        container: Option<ContentRef>,
        #[serde(default, deserialize_with = "lenient::null_default")]
        extensions: Extensions,
        #[serde(default, deserialize_with = "lenient::null_default")]
        metadata: Metadata,
    }

    impl From<RawAttachment> for Attachment {
        fn from(raw: RawAttachment) -> Self {
            let (page_id, blog_post_id) = match (raw.page_id, raw.blog_post_id) {
                (None, None) => container_ids(raw.container),
                ids => ids,
            };
            Attachment {
                id: raw.id,
                title: raw.title,
                status: raw.status,
                media_type: raw
                    .media_type
                    .or(raw.extensions.media_type)
                    .or(raw.metadata.media_type),
                file_size: raw.file_size.or(raw.extensions.file_size),
                file_id: raw.file_id,
                page_id,
                blog_post_id,
                created_at: raw.created_at,
                version: raw.version,
                download_link: raw.download_link,
                webui_link: raw.webui_link,
                links: raw.links,
            }
        }
    }
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
mod tests;
