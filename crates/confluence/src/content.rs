//! What the crawler and the workers read, whichever Confluence answers.
//!
//! A space is read in bulk, not page by page: its pages and blog posts come with their bodies
//! from one listing each, and its comments (replies included) and attachments from one CQL
//! content search each, so a full crawl costs a few requests per few hundred pages however
//! few of them have comments or attachments. An incremental crawl asks one CQL search for
//! everything that changed, bodies included. Cloud lists pages through v2 and searches through
//! v1 (`/wiki/rest/api/content/search`); Data Center has v1 only, under its context path.
//!
//! Single items (a webhook's page, comment thread or attachment) have their own reads here
//! too, so that callers never branch on the flavour.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

use super::client::{ConfluenceClient, Container, V1_MAX_LIMIT, numeric_id};
use super::config::Flavor;
use super::cql::cql_quote;
use super::error::ConfluenceError;
use super::models::{Attachment, BlogPost, Comment, Page, Space};
use super::pagination::Paginated;

/// Most results a CQL content search returns per call when bodies are expanded: Cloud
/// restricts expanded searches below the plain maximum, so ask for no more than this.
pub const CQL_BODY_LIMIT: u32 = 50;

/// What v1 expands for a page, blog post or comment read in bulk: enough to classify it and
/// to say where it is, without a second request.
const EXPAND_TEXT: &str = "body.storage,version,container,ancestors,extensions.location";
/// What v1 expands for an attachment: its version and container; media type, size and
/// download link come unasked.
const EXPAND_ATTACHMENT: &str = "version,container";

/// Any content a CQL search returns, read by its `type`.
#[derive(Debug, Clone)]
pub enum Content {
    Page(Page),
    BlogPost(BlogPost),
    Comment(Comment),
    Attachment(Attachment),
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned();
        let read = |value| match kind.as_str() {
            "page" => serde_json::from_value(value).map(Content::Page),
            "blogpost" => serde_json::from_value(value).map(Content::BlogPost),
            "comment" => serde_json::from_value(value).map(Content::Comment),
            "attachment" => serde_json::from_value(value).map(Content::Attachment),
            _ => Err(serde_json::Error::custom(
                "a content type this client does not read",
            )),
        };
        read(value).map_err(D::Error::custom)
    }
}

impl ConfluenceClient {
    /// The pages of a space, current and archived, bodies included.
    pub fn space_pages(&self, space: &Space) -> Paginated<Page> {
        match self.inner.flavor {
            Flavor::Cloud => self.pages_in_space(&space.id),
            Flavor::DataCenter => self.v1_listing(&space.key, "page", "page list"),
        }
    }

    /// The blog posts of a space, bodies included.
    pub fn space_blog_posts(&self, space: &Space) -> Paginated<BlogPost> {
        match self.inner.flavor {
            Flavor::Cloud => self.blog_posts_in_space(&space.id),
            Flavor::DataCenter => self.v1_listing(&space.key, "blogpost", "blog post list"),
        }
    }

    /// Every comment in a space, footer and inline, replies at any depth, with bodies and
    /// the page or blog post each is on: one CQL search.
    pub fn space_comments(&self, space: &Space) -> Paginated<Comment> {
        let cql = format!("space = {} AND type = comment", cql_quote(&space.key));
        self.content_search(&cql, EXPAND_TEXT, CQL_BODY_LIMIT, "comment search")
    }

    /// Every attachment in a space, with its container and download link: one CQL search.
    pub fn space_attachments(&self, space: &Space) -> Paginated<Attachment> {
        let cql = format!("space = {} AND type = attachment", cql_quote(&space.key));
        self.content_search(&cql, EXPAND_ATTACHMENT, V1_MAX_LIMIT, "attachment search")
    }

    /// Pages, blog posts, comments and attachments of a space modified since `since`
    /// (minute precision: the minute of `since` is included), bodies included: an
    /// incremental crawl's one search.
    pub fn space_changes(&self, space: &Space, since: DateTime<Utc>) -> Paginated<Content> {
        let cql = super::cql::changed_since_cql(
            &space.key,
            &["page", "blogpost", "comment", "attachment"],
            since,
        );
        self.content_search(&cql, EXPAND_TEXT, CQL_BODY_LIMIT, "change search")
    }

    /// A page's or blog post's comments, whole threads. Data Center lists them all at once
    /// (`child/comment?depth=all`); Cloud lists root comments per location and each
    /// comment's replies one level at a time. At most `max` comments are read.
    pub async fn thread_comments(
        &self,
        container: Container,
        id: &str,
        max: usize,
    ) -> Result<Vec<Comment>, ConfluenceError> {
        let id = numeric_id(id)?;
        let mut out = Vec::new();
        if self.inner.flavor == Flavor::DataCenter {
            let mut url = self.inner.v1_url(&["content", id, "child", "comment"]);
            url.query_pairs_mut()
                .append_pair("expand", EXPAND_TEXT)
                .append_pair("depth", "all")
                .append_pair("limit", &self.v1_limit(V1_MAX_LIMIT));
            let mut list: Paginated<Comment> =
                Paginated::new(self.clone(), Ok(url), "comment list");
            while let Some(batch) = list.next_page().await? {
                out.extend(batch);
                if out.len() >= max {
                    out.truncate(max);
                    break;
                }
            }
            return Ok(out);
        }
        // Comments whose replies are still to be read, and every comment seen: a server that
        // named a comment as its own descendant must not send the walk round in a loop.
        let mut threads: Vec<(bool, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut take =
            |batch: Vec<Comment>, inline: bool, threads: &mut Vec<_>, out: &mut Vec<_>| {
                for mut c in batch {
                    if seen.insert(c.id.clone()) {
                        threads.push((inline, c.id.clone()));
                        c.location
                            .get_or_insert_with(|| if inline { "inline" } else { "footer" }.into());
                        out.push(c);
                    }
                }
            };
        for inline in [false, true] {
            let mut roots = if inline {
                self.inline_comments(container, id)
            } else {
                self.footer_comments(container, id)
            };
            while let Some(batch) = roots.next_page().await? {
                take(batch, inline, &mut threads, &mut out);
            }
        }
        let mut next = 0;
        while next < threads.len() && out.len() < max {
            let (inline, comment_id) = threads[next].clone();
            next += 1;
            let mut replies = self.comment_replies(inline, &comment_id);
            while let Some(batch) = replies.next_page().await? {
                take(batch, inline, &mut threads, &mut out);
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// The attachments of one page or blog post.
    pub fn container_attachments(&self, container: Container, id: &str) -> Paginated<Attachment> {
        match self.inner.flavor {
            Flavor::Cloud => self.attachments(container, id),
            Flavor::DataCenter => {
                let first = numeric_id(id).map(|id| {
                    let mut url = self.inner.v1_url(&["content", id, "child", "attachment"]);
                    url.query_pairs_mut()
                        .append_pair("expand", EXPAND_ATTACHMENT)
                        .append_pair("limit", &self.v1_limit(V1_MAX_LIMIT));
                    url
                });
                Paginated::new(self.clone(), first, "attachment list")
            }
        }
    }

    /// One comment with its body and container. Cloud keeps footer and inline comments
    /// apart: a footer id that is not found is tried as an inline one.
    pub async fn comment(&self, id: &str) -> Result<Comment, ConfluenceError> {
        let id = numeric_id(id)?;
        match self.inner.flavor {
            Flavor::DataCenter => {
                let mut url = self.inner.v1_url(&["content", id]);
                url.query_pairs_mut().append_pair("expand", EXPAND_TEXT);
                self.get_one(&url, "comment").await
            }
            Flavor::Cloud => {
                for (location, name) in
                    [("footer-comments", "footer"), ("inline-comments", "inline")]
                {
                    let mut url = self.inner.api_url(&[location, id]);
                    url.query_pairs_mut().append_pair("body-format", "storage");
                    match self.get_one::<Comment>(&url, "comment").await {
                        Ok(mut comment) => {
                            comment.location.get_or_insert_with(|| name.into());
                            return Ok(comment);
                        }
                        Err(ConfluenceError::NotFound) => continue,
                        Err(e) => return Err(e),
                    }
                }
                Err(ConfluenceError::NotFound)
            }
        }
    }

    /// One attachment's metadata (download link, size, container), by its id (`att123`, or
    /// the bare number as Data Center's webhooks send it).
    pub async fn attachment(&self, id: &str) -> Result<Attachment, ConfluenceError> {
        let number = numeric_id(id.trim().trim_start_matches("att"))?;
        match self.inner.flavor {
            Flavor::Cloud => {
                let url = self
                    .inner
                    .api_url(&["attachments", &format!("att{number}")]);
                self.get_one(&url, "attachment").await
            }
            Flavor::DataCenter => {
                let mut url = self.inner.v1_url(&["content", &format!("att{number}")]);
                url.query_pairs_mut()
                    .append_pair("expand", EXPAND_ATTACHMENT);
                self.get_one(&url, "attachment").await
            }
        }
    }

    /// The storage body of an older version of a page or blog post; `None` when that version
    /// is not found (it was deleted). Versions are numbered 1..=current, so none is listed:
    /// Cloud `GET /wiki/api/v2/{pages|blogposts}/{id}?version=N&body-format=storage`, Data
    /// Center `GET {context}/rest/api/content/{id}?status=historical&version=N`, with the body
    /// and version expanded. An answer for another version than the one asked is refused.
    pub async fn document_version(
        &self,
        container: Container,
        id: &str,
        version: u32,
    ) -> Result<Option<String>, ConfluenceError> {
        let number = numeric_id(id)?;
        let n = version.to_string();
        let url = match self.inner.flavor {
            Flavor::Cloud => {
                let kind = match container {
                    Container::Page => "pages",
                    Container::BlogPost => "blogposts",
                };
                let mut url = self.inner.api_url(&[kind, number]);
                url.query_pairs_mut()
                    .append_pair("version", &n)
                    .append_pair("body-format", "storage");
                url
            }
            Flavor::DataCenter => {
                let mut url = self.inner.v1_url(&["content", number]);
                url.query_pairs_mut()
                    .append_pair("status", "historical")
                    .append_pair("version", &n)
                    .append_pair("expand", "body.storage,version");
                url
            }
        };
        let page: Page = match self.get_one(&url, "page version").await {
            Ok(page) => page,
            Err(ConfluenceError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        if page.version.as_ref().is_some_and(|v| v.number != version) {
            return Err(ConfluenceError::UnexpectedVersion);
        }
        Ok(Some(page.body.storage.map(|s| s.value).unwrap_or_default()))
    }

    /// `GET /rest/api/content?spaceKey=&type=&expand=body.storage,version` by `start`.
    fn v1_listing<T: serde::de::DeserializeOwned>(
        &self,
        space_key: &str,
        kind: &str,
        what: &'static str,
    ) -> Paginated<T> {
        let mut url = self.inner.v1_url(&["content"]);
        url.query_pairs_mut()
            .append_pair("spaceKey", space_key)
            .append_pair("type", kind)
            .append_pair("status", "current")
            .append_pair("status", "archived")
            .append_pair("expand", "body.storage,version")
            .append_pair("limit", &self.v1_limit(CQL_BODY_LIMIT));
        Paginated::new(self.clone(), Ok(url), what)
    }

    /// `GET {context}/rest/api/content/search?cql=...&expand=...`: v1 content objects, paged
    /// by `_links.next` relative to the context path.
    fn content_search<T: serde::de::DeserializeOwned>(
        &self,
        cql: &str,
        expand: &str,
        max_limit: u32,
        what: &'static str,
    ) -> Paginated<T> {
        let mut url: Url = self.inner.v1_url(&["content", "search"]);
        url.query_pairs_mut()
            .append_pair("cql", cql)
            .append_pair("expand", expand)
            .append_pair("limit", &self.v1_limit(max_limit));
        Paginated::new(self.clone(), Ok(url), what)
    }

    fn v1_limit(&self, max: u32) -> String {
        self.inner.cfg.page_limit.min(max).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Auth, ClientConfig};

    fn client(site: &str) -> ConfluenceClient {
        ConfluenceClient::new(ClientConfig::new(site.parse().unwrap(), Auth::None)).unwrap()
    }

    fn space(key: &str) -> Space {
        serde_json::from_value(serde_json::json!({"id": 98306, "key": key})).unwrap()
    }

    #[test]
    fn bulk_reads_ask_one_search_per_kind() {
        let cloud = client("https://acme.atlassian.net");
        let comments = cloud.space_comments(&space("ENG"));
        let link = comments.next_link().unwrap();
        assert!(link.starts_with("/wiki/rest/api/content/search?cql=space+%3D+%22ENG%22+AND+type+%3D+comment&expand=body.storage"), "{link}");
        assert!(link.ends_with("&limit=50"), "{link}");
        assert_eq!(
            cloud.space_pages(&space("ENG")).next_link(),
            Some("/wiki/api/v2/spaces/98306/pages?body-format=storage&limit=250")
        );
        let dc = client("https://wiki.acme.internal/confluence");
        assert_eq!(
            dc.space_pages(&space("ENG")).next_link(),
            Some(
                "/confluence/rest/api/content?spaceKey=ENG&type=page&status=current&status=archived&expand=body.storage%2Cversion&limit=50"
            )
        );
        let atts = dc
            .space_attachments(&space("E\"G"))
            .next_link()
            .unwrap()
            .to_owned();
        assert!(atts.starts_with("/confluence/rest/api/content/search?cql=space+%3D+%22E%5C%22G%22+AND+type+%3D+attachment"), "{atts}");
    }

    #[test]
    fn content_reads_by_type_and_refuses_the_rest() {
        let page: Content =
            serde_json::from_value(serde_json::json!({"id": "1", "type": "page", "title": "t"}))
                .unwrap();
        assert!(matches!(page, Content::Page(p) if p.title == "t"));
        let att: Content = serde_json::from_value(
            serde_json::json!({"id": "att2", "type": "attachment", "container": {"id": "1", "type": "page"}}),
        )
        .unwrap();
        assert!(matches!(att, Content::Attachment(a) if a.container_id() == Some("1")));
        assert!(
            serde_json::from_value::<Content>(serde_json::json!({"id": "3", "type": "space"}))
                .is_err()
        );
    }
}
