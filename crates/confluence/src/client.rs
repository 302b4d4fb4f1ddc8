//! The client's API: single reads and v2 listings. What differs between Cloud and Data
//! Center is decided here and in [`crate::content`], so callers never ask which one it is.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use url::Url;

use super::config::{ClientConfig, Flavor};
use super::error::ConfluenceError;
use super::http::Inner;
use super::models::{Attachment, BlogPost, Comment, Page, Space};
use super::pagination::Paginated;

/// A Confluence Cloud REST API v2 client.
///
/// Cheap to clone (one `Arc`); all clones share the connection pool, the request budget, the
/// rate-limit cool-down and the request counter, so concurrent workers pace themselves together.
#[derive(Clone)]
pub struct ConfluenceClient {
    pub(crate) inner: Arc<Inner>,
}

/// What a comment or an attachment hangs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    Page,
    BlogPost,
}

impl Container {
    fn path_segment(self) -> &'static str {
        match self {
            Container::Page => "pages",
            Container::BlogPost => "blogposts",
        }
    }
}

impl fmt::Debug for ConfluenceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfluenceClient")
            .field("site", &self.inner.origin.as_str())
            .field("auth", &self.inner.cfg.auth)
            .field("requests", &self.inner.request_count())
            .finish_non_exhaustive()
    }
}

impl ConfluenceClient {
    pub fn new(cfg: ClientConfig) -> Result<Self, ConfluenceError> {
        Ok(ConfluenceClient {
            inner: Arc::new(Inner::new(cfg)?),
        })
    }

    /// The site's origin (`https://acme.atlassian.net/`).
    pub fn site(&self) -> &Url {
        &self.inner.origin
    }

    /// A link the site gave relative to its context path (`_links.webui`), made absolute;
    /// `None` when it would leave the site.
    pub fn site_link(&self, relative: &str) -> Option<Url> {
        self.inner.resolve_next_link(relative).ok()
    }

    /// HTTP requests sent to the Confluence site by this client and all its clones: every
    /// attempt, retries included, and the first hop of each download. Requests to the media
    /// host that downloads redirect to are not counted: they spend no Confluence API quota.
    pub fn request_count(&self) -> u64 {
        self.inner.request_count()
    }

    /// How the site answered this client and its clones: (HTTP status, count), 0 for
    /// requests that got no answer (timeouts, refused connections). 429s included.
    pub fn status_counts(&self) -> Vec<(u16, u64)> {
        self.inner.status_counts()
    }

    /// Cloud or Data Center, as configured or detected.
    pub fn flavor(&self) -> Flavor {
        self.inner.flavor
    }

    /// How the flavour was chosen (`configured`, or what it was detected from), for the
    /// scan summary.
    pub fn flavor_reason(&self) -> &'static str {
        self.inner.flavor_reason
    }

    /// The space with this key: `GET /wiki/api/v2/spaces?keys=KEY` on Cloud,
    /// `GET /rest/api/space/KEY` on Data Center. `SpaceNotFound`, naming the key, when no
    /// space has that key (or the credentials cannot see it).
    pub async fn space_by_key(&self, key: &str) -> Result<Space, ConfluenceError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
            return Err(ConfluenceError::InvalidSpaceKey);
        }
        let not_found = || ConfluenceError::SpaceNotFound {
            key: key.to_owned(),
            anonymous: self.inner.cfg.auth.is_anonymous(),
        };
        if self.inner.flavor == Flavor::DataCenter {
            let url = self.inner.v1_url(&["space", key]);
            return match self.get_one::<Space>(&url, "space").await {
                Ok(space) => Ok(space),
                Err(ConfluenceError::NotFound) => Err(not_found()),
                Err(e) => Err(e),
            };
        }
        let mut url = self.inner.api_url(&["spaces"]);
        url.query_pairs_mut().append_pair("keys", key);
        let mut spaces: Paginated<Space> = Paginated::new(self.clone(), Ok(url), "space list");
        // The filter is exact, so the first batch holds the space if it exists.
        let found = spaces.next_page().await?.unwrap_or_default();
        found
            .into_iter()
            .find(|space| space.key.eq_ignore_ascii_case(key))
            .ok_or_else(not_found)
    }

    /// `GET /wiki/api/v2/spaces/{id}`.
    pub async fn space(&self, space_id: &str) -> Result<Space, ConfluenceError> {
        let url = self.inner.api_url(&["spaces", numeric_id(space_id)?]);
        self.get_one(&url, "space").await
    }

    /// Every space the credentials can read (`GET /wiki/api/v2/spaces` by cursor, or
    /// Data Center's `GET /rest/api/space` by `start`).
    pub fn spaces(&self) -> Paginated<Space> {
        let url = match self.inner.flavor {
            Flavor::Cloud => self.inner.api_url(&["spaces"]),
            Flavor::DataCenter => {
                let mut url = self.inner.v1_url(&["space"]);
                url.query_pairs_mut().append_pair(
                    "limit",
                    &self.inner.cfg.page_limit.min(V1_MAX_LIMIT).to_string(),
                );
                url
            }
        };
        Paginated::new(self.clone(), Ok(url), "space list")
    }

    /// All pages of a space (current and archived, the API's default), bodies included.
    pub fn pages_in_space(&self, space_id: &str) -> Paginated<Page> {
        self.list(
            numeric_id(space_id).map(|id| ["spaces", id, "pages"]),
            true,
            "page list",
        )
    }

    /// All blog posts of a space, bodies included.
    pub fn blog_posts_in_space(&self, space_id: &str) -> Paginated<BlogPost> {
        self.list(
            numeric_id(space_id).map(|id| ["spaces", id, "blogposts"]),
            true,
            "blog post list",
        )
    }

    /// Footer comments of a page or blog post, bodies included.
    pub fn footer_comments(&self, container: Container, id: &str) -> Paginated<Comment> {
        let segments = numeric_id(id).map(|id| [container.path_segment(), id, "footer-comments"]);
        self.list(segments, true, "footer comment list")
    }

    /// Inline comments of a page or blog post, bodies included.
    pub fn inline_comments(&self, container: Container, id: &str) -> Paginated<Comment> {
        let segments = numeric_id(id).map(|id| [container.path_segment(), id, "inline-comments"]);
        self.list(segments, true, "inline comment list")
    }

    /// Direct replies to a footer comment (`inline` false) or an inline comment, bodies
    /// included. A page's comment lists hold root comments only: a thread is read one level
    /// at a time from here.
    pub fn comment_replies(&self, inline: bool, comment_id: &str) -> Paginated<Comment> {
        let location = if inline {
            "inline-comments"
        } else {
            "footer-comments"
        };
        let segments = numeric_id(comment_id).map(|id| [location, id, "children"]);
        self.list(segments, true, "comment reply list")
    }

    /// Attachments of a page or blog post (metadata; bytes via [`ConfluenceClient::download`]).
    pub fn attachments(&self, container: Container, id: &str) -> Paginated<Attachment> {
        let segments = numeric_id(id).map(|id| [container.path_segment(), id, "attachments"]);
        self.list(segments, false, "attachment list")
    }

    /// One page with its storage body: for webhooks, and for a body the list call left out.
    pub async fn page(&self, id: &str) -> Result<Page, ConfluenceError> {
        let url = self.document_url("pages", id)?;
        self.get_one(&url, "page").await
    }

    /// One blog post with its storage body.
    pub async fn blog_post(&self, id: &str) -> Result<BlogPost, ConfluenceError> {
        let url = self.document_url("blogposts", id)?;
        self.get_one(&url, "blog post").await
    }

    /// v2's `/pages/{id}?body-format=storage`, or v1's `/content/{id}` with the body and
    /// version expanded (v1 content reads into the same records).
    fn document_url(&self, v2_kind: &str, id: &str) -> Result<Url, ConfluenceError> {
        let id = numeric_id(id)?;
        Ok(match self.inner.flavor {
            Flavor::Cloud => {
                let mut url = self.inner.api_url(&[v2_kind, id]);
                url.query_pairs_mut().append_pair("body-format", "storage");
                url
            }
            Flavor::DataCenter => {
                let mut url = self.inner.v1_url(&["content", id]);
                url.query_pairs_mut()
                    .append_pair("expand", "body.storage,version,space");
                url
            }
        })
    }

    /// Continues a listing from a link saved with [`Paginated::next_link`] (e.g. a crawl
    /// checkpoint). The link must be on the configured site.
    pub fn resume<T: DeserializeOwned>(&self, next_link: &str) -> Paginated<T> {
        Paginated::new(
            self.clone(),
            self.inner.resolve_next_link(next_link),
            "resumed list",
        )
    }

    /// GETs any JSON resource of the site by path and query (`/wiki/rest/api/...` for the v1
    /// endpoints v2 lacks, such as restrictions; on Data Center `{context}/rest/api/...`),
    /// with the client's credentials, budget and retries. The path must start with the site's
    /// context path (`/wiki/` on Cloud; `/rest/` on a Data Center served at the root); it is
    /// never joined to another host.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
    ) -> Result<T, ConfluenceError> {
        let url = self.site_path(path_and_query)?;
        self.get_one(&url, "resource").await
    }

    fn list<T: DeserializeOwned>(
        &self,
        segments: Result<[&str; 3], ConfluenceError>,
        with_body: bool,
        what: &'static str,
    ) -> Paginated<T> {
        let first = segments.map(|segments| {
            let mut url = self.inner.api_url(&segments);
            {
                let mut query = url.query_pairs_mut();
                if with_body {
                    query.append_pair("body-format", "storage");
                }
                query.append_pair("limit", &self.inner.cfg.page_limit.to_string());
            }
            url
        });
        Paginated::new(self.clone(), first, what)
    }

    pub(crate) async fn get_one<T: DeserializeOwned>(
        &self,
        url: &Url,
        what: &'static str,
    ) -> Result<T, ConfluenceError> {
        let fetched = self.inner.get_api(url).await?;
        serde_json::from_slice(&fetched.body).map_err(|err| ConfluenceError::decode(what, &err))
    }
}

/// The most items a v1 list returns per call (Data Center's listings, CQL content search).
pub(crate) const V1_MAX_LIMIT: u32 = 100;

/// Page, blog post and space ids are decimal numbers in Confluence; anything else is refused
/// before it becomes part of a URL path.
pub(crate) fn numeric_id(id: &str) -> Result<&str, ConfluenceError> {
    let id = id.trim();
    if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(ConfluenceError::InvalidId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Auth;

    fn client() -> ConfluenceClient {
        let mut cfg = ClientConfig::new("https://acme.atlassian.net".parse().unwrap(), Auth::None);
        cfg.page_limit = 100;
        ConfluenceClient::new(cfg).unwrap()
    }

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<ConfluenceClient>();
        let a = client();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
    }

    #[test]
    fn futures_are_send() {
        fn assert_send<F: Send>(_: F) {}
        let client = client();
        assert_send(client.page("1"));
        assert_send(client.space_by_key("ENG"));
        let mut pages = client.pages_in_space("1");
        assert_send(pages.next_page());
    }

    #[test]
    fn list_urls_carry_limit_and_body_format() {
        let client = client();
        let pages = client.pages_in_space("98306");
        assert_eq!(
            pages.next_link(),
            Some("/wiki/api/v2/spaces/98306/pages?body-format=storage&limit=100")
        );
        let comments = client.inline_comments(Container::BlogPost, "7");
        assert_eq!(
            comments.next_link(),
            Some("/wiki/api/v2/blogposts/7/inline-comments?body-format=storage&limit=100")
        );
        let attachments = client.attachments(Container::Page, "7");
        assert_eq!(
            attachments.next_link(),
            Some("/wiki/api/v2/pages/7/attachments?limit=100")
        );
    }

    #[tokio::test]
    async fn non_numeric_ids_are_refused_without_a_request() {
        let client = client();
        let mut pages = client.pages_in_space("../admin");
        assert!(matches!(
            pages.next_page().await,
            Err(ConfluenceError::InvalidId)
        ));
        assert!(
            matches!(pages.next_page().await, Ok(None)),
            "the error is reported once"
        );
        assert!(matches!(
            client.page("12a").await,
            Err(ConfluenceError::InvalidId)
        ));
        assert_eq!(client.request_count(), 0);
    }

    #[test]
    fn debug_shows_no_credentials() {
        let cfg = ClientConfig::new(
            "https://acme.atlassian.net".parse().unwrap(),
            Auth::Bearer {
                token: "pat-very-secret".into(),
            },
        );
        let text = format!("{:?}", ConfluenceClient::new(cfg).unwrap());
        assert!(!text.contains("pat-very-secret"), "{text}");
        assert!(text.contains("acme.atlassian.net"));
    }
}
