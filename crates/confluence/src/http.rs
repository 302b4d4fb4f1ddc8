//! The shared core behind every clone of the client: one HTTP connection pool, the site's
//! origin, the credentials, the request budget and the request counter.
//!
//! Two rules are enforced here, in one place, for every request:
//! - the `Authorization` header goes only to the configured site's origin (scheme, host, port);
//! - requests to the site are paced by the budget and counted; requests elsewhere (the media
//!   host an attachment download redirects to) are neither, as they spend no Confluence quota.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, LINK};
use reqwest::{Response, redirect};
use url::Url;

use super::budget::RequestBudget;
use super::config::ClientConfig;
use super::error::ConfluenceError;
use super::quota::QuotaSignal;
use super::retry::Failure;

const USER_AGENT: &str = concat!("confluence-dlp/", env!("CARGO_PKG_VERSION"));
/// Upper bound on connection setup, below the whole-request timeouts.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Initial buffer reservation cap, so a lying Content-Length cannot reserve the whole limit.
const MAX_PREALLOCATION: u64 = 8 * 1024 * 1024;

pub(crate) struct Inner {
    pub http: reqwest::Client,
    /// The site's origin with path `/`: API paths and pagination links are joined to it.
    pub origin: Url,
    pub flavor: super::config::Flavor,
    /// Why that flavour: configured, or how it was detected.
    pub flavor_reason: &'static str,
    /// Where the REST APIs and downloads live under the origin: `/wiki` on Cloud, the
    /// context path on Data Center (`/confluence`, or `""` at the root). v1 links
    /// (`_links.next`, `_links.download`) are relative to it.
    pub context: String,
    pub auth_header: Option<HeaderValue>,
    pub cfg: ClientConfig,
    pub budget: RequestBudget,
    requests: AtomicU64,
    /// Answers of the site by HTTP status (0: no answer: a timeout, a refused connection).
    statuses: std::sync::Mutex<std::collections::BTreeMap<u16, u64>>,
}

/// A successful API answer: the raw body and the `Link: <...>; rel="next"` target, if any.
pub(crate) struct Fetched {
    pub body: Vec<u8>,
    pub link_next: Option<String>,
}

impl Inner {
    pub fn new(cfg: ClientConfig) -> Result<Self, ConfluenceError> {
        let (origin, context) = cfg.validated_origin()?;
        let (flavor, flavor_reason) = cfg.flavor();
        let auth_header = cfg.auth.header_value()?;
        let budget = RequestBudget::new(cfg.max_requests_per_sec)?;
        // Redirects are followed by hand (downloads only), so that each hop's host decides
        // whether credentials go along; an API call that redirects is an unexpected status.
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT.min(cfg.request_timeout))
            .build()
            .map_err(|_| {
                ConfluenceError::InvalidConfig("could not initialise the HTTP client (TLS setup)")
            })?;
        Ok(Inner {
            http,
            origin,
            flavor,
            flavor_reason,
            context,
            auth_header,
            cfg,
            budget,
            requests: AtomicU64::new(0),
            statuses: Default::default(),
        })
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// How the site answered so far: (status, count), 0 for requests that got no answer.
    pub fn status_counts(&self) -> Vec<(u16, u64)> {
        match self.statuses.lock() {
            Ok(counts) => counts.iter().map(|(s, n)| (*s, *n)).collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn is_site(&self, url: &Url) -> bool {
        url.origin() == self.origin.origin()
    }

    /// Refuses, before any request, a URL that is not http(s) on the configured site.
    pub fn ensure_site(&self, url: &Url) -> Result<(), ConfluenceError> {
        ensure_http(url)?;
        if self.is_site(url) {
            return Ok(());
        }
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => String::from("<none>"),
        };
        Err(ConfluenceError::ForeignHost { host })
    }

    /// `{origin}/wiki/api/v2/{segments...}`, each segment percent-encoded.
    pub fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.origin.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().extend(["wiki", "api", "v2"]).extend(segments);
        }
        url
    }

    /// `{origin}{context}/rest/api/{segments...}`: the v1 API, each segment percent-encoded.
    pub fn v1_url(&self, segments: &[&str]) -> Url {
        let mut url = self.origin.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear();
            path.extend(self.context.split('/').filter(|s| !s.is_empty()));
            path.extend(["rest", "api"]).extend(segments);
        }
        url
    }

    /// A pagination link. v2's `_links.next` already starts with `/wiki`; v1's is relative to
    /// `_links.base`, the site with its context path (`/rest/api/...`). Either way the result
    /// must stay on the site.
    pub fn resolve_next_link(&self, link: &str) -> Result<Url, ConfluenceError> {
        let link = link.trim();
        let url = match Url::parse(link) {
            Ok(absolute) => absolute,
            Err(url::ParseError::RelativeUrlWithoutBase) => self
                .origin
                .join(&self.under_context(link))
                .map_err(|_| ConfluenceError::InvalidLink)?,
            Err(_) => return Err(ConfluenceError::InvalidLink),
        };
        self.ensure_site(&url)?;
        Ok(url)
    }

    /// A path relative to `_links.base`, made relative to the origin: a path already under
    /// the context (or protocol-relative) is taken as it is.
    fn under_context(&self, link: &str) -> String {
        let context = self.context.as_str();
        let already = link.starts_with("//")
            || context.is_empty()
            || link == context
            || link
                .strip_prefix(context)
                .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'));
        if already {
            link.to_owned()
        } else {
            format!("{context}/{}", link.trim_start_matches('/'))
        }
    }

    /// An attachment's `downloadLink`, relative to `_links.base` (the site plus its context
    /// path). Absolute links and links already under the context are taken as they are;
    /// whatever the form, a link off the site is refused here, before any request.
    pub fn resolve_download_link(&self, link: &str) -> Result<Url, ConfluenceError> {
        let link = link.trim();
        if link.is_empty() {
            return Err(ConfluenceError::NoDownloadLink);
        }
        let url = match Url::parse(link) {
            Ok(absolute) => absolute,
            Err(url::ParseError::RelativeUrlWithoutBase) => self
                .origin
                .join(&self.under_context(link))
                .map_err(|_| ConfluenceError::InvalidLink)?,
            Err(_) => return Err(ConfluenceError::InvalidLink),
        };
        self.ensure_site(&url)?;
        Ok(url)
    }

    /// Sends one GET. Site requests wait for their budget slot, are counted, and carry the
    /// credentials; requests to any other origin carry none of that.
    pub async fn send(
        &self,
        url: &Url,
        timeout: Duration,
        accept: &'static str,
    ) -> Result<Response, reqwest::Error> {
        let request = self
            .http
            .get(url.clone())
            .timeout(timeout)
            .header(ACCEPT, accept);
        self.send_request(url, request).await
    }

    /// Sends a prepared request to `url` (any method): the one place where the budget, the
    /// counters, the credentials and the quota headers are handled, for reads and writes alike.
    pub(crate) async fn send_request(
        &self,
        url: &Url,
        mut request: reqwest::RequestBuilder,
    ) -> Result<Response, reqwest::Error> {
        let site = self.is_site(url);
        if site {
            self.budget.acquire().await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let _ = TASK_REQUESTS.try_with(|n| n.fetch_add(1, Ordering::Relaxed));
            if let Some(auth) = &self.auth_header {
                request = request.header(AUTHORIZATION, auth.clone());
            }
        }
        let answer = request.send().await;
        if site {
            let status = answer.as_ref().map_or(0, |r| r.status().as_u16());
            if let Ok(mut counts) = self.statuses.lock() {
                *counts.entry(status).or_default() += 1;
            }
            // A 429's wait is the retry loop's; every other answer tells how much is left.
            if let Ok(response) = &answer
                && response.status() != reqwest::StatusCode::TOO_MANY_REQUESTS
            {
                let signal = QuotaSignal::from_headers(response.headers(), SystemTime::now());
                self.budget.observe(signal);
            }
        }
        answer
    }

    /// GETs an API URL on the site, with retries, returning the raw JSON body.
    pub async fn get_api(&self, url: &Url) -> Result<Fetched, ConfluenceError> {
        self.ensure_site(url)?;
        let (timeout, limit) = (self.cfg.request_timeout, self.cfg.max_response_bytes);
        self.retrying(url.path(), || async move {
            let response = self
                .send(url, timeout, "application/json")
                .await
                .map_err(Failure::Transport)?;
            if !response.status().is_success() {
                return Err(Failure::from_status(response.status(), response.headers()));
            }
            let link_next = response
                .headers()
                .get_all(LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(next_from_link_header);
            let body = read_capped(response, limit).await?;
            Ok(Fetched { body, link_next })
        })
        .await
    }
}

/// Reads a body, refusing more than `limit` bytes: by Content-Length before reading, then by
/// counting, since the header may be absent or wrong.
pub(crate) async fn read_capped(mut response: Response, limit: u64) -> Result<Vec<u8>, Failure> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit) {
        return Err(Failure::Fatal(ConfluenceError::TooLarge { limit }));
    }
    let reserve = declared.unwrap_or(0).min(limit).min(MAX_PREALLOCATION);
    let mut body = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(Failure::Transport)? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(Failure::Fatal(ConfluenceError::TooLarge { limit }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(crate) fn ensure_http(url: &Url) -> Result<(), ConfluenceError> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(ConfluenceError::UnsupportedScheme {
            scheme: other.chars().take(16).collect(),
        }),
    }
}

/// The `rel="next"` target of a `Link` header (`<url>; rel="next", <url>; rel="base"`).
fn next_from_link_header(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after_open = &rest[open + 1..];
        let close = after_open.find('>')?;
        let target = &after_open[..close];
        let params_end = after_open[close + 1..]
            .find('<')
            .map_or(after_open.len(), |i| close + 1 + i);
        let params = &after_open[close + 1..params_end];
        let is_next = params.split(';').any(|param| {
            let param = param.trim().trim_end_matches(',').trim();
            param.strip_prefix("rel=").is_some_and(|rel| {
                rel.trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return Some(target.to_owned());
        }
        rest = &after_open[params_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Auth;

    fn inner(site: &str) -> Inner {
        Inner::new(ClientConfig::new(site.parse().unwrap(), Auth::None)).unwrap()
    }

    #[test]
    fn link_header_next_is_found_among_relations() {
        let header = r#"</wiki/api/v2/spaces/1/pages?cursor=abc,def>; rel="next", <https://acme.atlassian.net/wiki>; rel="base""#;
        assert_eq!(
            next_from_link_header(header).as_deref(),
            Some("/wiki/api/v2/spaces/1/pages?cursor=abc,def")
        );
        let base_first = r#"<https://acme.atlassian.net/wiki>; rel="base", </wiki/next>; rel=next"#;
        assert_eq!(
            next_from_link_header(base_first).as_deref(),
            Some("/wiki/next")
        );
        assert_eq!(
            next_from_link_header(r#"<https://acme.atlassian.net/wiki>; rel="base""#),
            None
        );
        assert_eq!(next_from_link_header("garbage <unterminated"), None);
    }

    #[test]
    fn api_urls_are_under_wiki_api_v2_and_encoded() {
        let inner = inner("https://acme.atlassian.net/wiki");
        let url = inner.api_url(&["pages", "12", "footer-comments"]);
        assert_eq!(
            url.as_str(),
            "https://acme.atlassian.net/wiki/api/v2/pages/12/footer-comments"
        );
        let odd = inner.api_url(&["pages", "a/b?c"]);
        assert_eq!(odd.path(), "/wiki/api/v2/pages/a%2Fb%3Fc");
    }

    #[test]
    fn next_links_join_the_origin_and_stay_on_the_site() {
        let inner = inner("https://acme.atlassian.net");
        let next = inner
            .resolve_next_link("/wiki/api/v2/spaces/1/pages?cursor=xyz&limit=250")
            .unwrap();
        assert_eq!(
            next.as_str(),
            "https://acme.atlassian.net/wiki/api/v2/spaces/1/pages?cursor=xyz&limit=250"
        );
        assert!(matches!(
            inner.resolve_next_link("https://evil.example/wiki/api/v2/x"),
            Err(ConfluenceError::ForeignHost { host }) if host == "evil.example"
        ));
        assert!(matches!(
            inner.resolve_next_link("//evil.example/x"),
            Err(ConfluenceError::ForeignHost { .. })
        ));
        assert!(matches!(
            inner.resolve_next_link("http://acme.atlassian.net/x"),
            Err(ConfluenceError::ForeignHost { .. })
        ));
        assert!(matches!(
            inner.resolve_next_link("javascript:alert(1)"),
            Err(ConfluenceError::UnsupportedScheme { .. })
        ));
    }

    #[test]
    fn v1_links_are_relative_to_the_context_path() {
        let cloud = inner("https://acme.atlassian.net");
        assert_eq!(
            cloud
                .resolve_next_link("/rest/api/search?cql=x&cursor=a")
                .unwrap()
                .as_str(),
            "https://acme.atlassian.net/wiki/rest/api/search?cql=x&cursor=a"
        );
        assert_eq!(
            cloud.v1_url(&["content", "search"]).as_str(),
            "https://acme.atlassian.net/wiki/rest/api/content/search"
        );
        let dc = inner("https://wiki.acme.internal/confluence");
        assert_eq!(dc.flavor, crate::Flavor::DataCenter);
        assert_eq!(
            dc.resolve_next_link("/rest/api/content?spaceKey=ENG&start=50")
                .unwrap()
                .as_str(),
            "https://wiki.acme.internal/confluence/rest/api/content?spaceKey=ENG&start=50"
        );
        assert_eq!(
            dc.resolve_next_link("/confluence/rest/api/content?start=50")
                .unwrap()
                .as_str(),
            "https://wiki.acme.internal/confluence/rest/api/content?start=50"
        );
        assert_eq!(
            dc.resolve_download_link("/download/attachments/7/a.pdf?version=2")
                .unwrap()
                .as_str(),
            "https://wiki.acme.internal/confluence/download/attachments/7/a.pdf?version=2"
        );
        assert_eq!(
            dc.v1_url(&["content", "7", "child", "comment"]).as_str(),
            "https://wiki.acme.internal/confluence/rest/api/content/7/child/comment"
        );
        let root = Inner::new(ClientConfig::new(
            "https://wiki.acme.internal".parse().unwrap(),
            Auth::Bearer { token: "t".into() },
        ))
        .unwrap();
        assert_eq!(
            root.resolve_next_link("/rest/api/content?start=5")
                .unwrap()
                .as_str(),
            "https://wiki.acme.internal/rest/api/content?start=5"
        );
        assert!(matches!(
            dc.resolve_next_link("https://evil.example/confluence/rest/api/x"),
            Err(ConfluenceError::ForeignHost { .. })
        ));
    }

    #[test]
    fn download_links_are_relative_to_wiki() {
        let inner = inner("http://127.0.0.1:8080");
        let cases = [
            (
                "/download/attachments/1/a.pdf?version=1&api=v2",
                "http://127.0.0.1:8080/wiki/download/attachments/1/a.pdf?version=1&api=v2",
            ),
            (
                "download/attachments/1/a.pdf",
                "http://127.0.0.1:8080/wiki/download/attachments/1/a.pdf",
            ),
            (
                "/wiki/download/attachments/1/a.pdf",
                "http://127.0.0.1:8080/wiki/download/attachments/1/a.pdf",
            ),
            (
                "http://127.0.0.1:8080/wiki/download/x",
                "http://127.0.0.1:8080/wiki/download/x",
            ),
        ];
        for (link, expected) in cases {
            assert_eq!(
                inner.resolve_download_link(link).unwrap().as_str(),
                expected,
                "{link}"
            );
        }
        for foreign in [
            "http://127.0.0.1:8081/wiki/download/x",
            "https://127.0.0.1:8080/x",
            "//media.example/x",
        ] {
            assert!(
                matches!(
                    inner.resolve_download_link(foreign),
                    Err(ConfluenceError::ForeignHost { .. })
                ),
                "{foreign}"
            );
        }
        assert!(matches!(
            inner.resolve_download_link("  "),
            Err(ConfluenceError::NoDownloadLink)
        ));
        assert!(matches!(
            inner.resolve_download_link("file:///etc/passwd"),
            Err(ConfluenceError::UnsupportedScheme { .. })
        ));
    }
}

tokio::task_local! {
    /// The requests of the future running under [`count_requests`]: what one job spent,
    /// whatever else the shared client is doing at the same time.
    static TASK_REQUESTS: std::sync::Arc<AtomicU64>;
}

/// Runs `work` and counts the requests to the site that it made (through any clone of any
/// client, retries included), for charging a job's cost to its scan.
pub async fn count_requests<F: std::future::Future>(work: F) -> (F::Output, u64) {
    let counter = std::sync::Arc::new(AtomicU64::new(0));
    let output = TASK_REQUESTS.scope(counter.clone(), work).await;
    (output, counter.load(Ordering::Relaxed))
}
