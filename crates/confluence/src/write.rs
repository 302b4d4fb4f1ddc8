//! Writes: one primitive that sends a JSON or multipart body with PUT, POST or DELETE through
//! the same site check, credentials, budget, counters and 429 handling as reads, and the
//! content writes remediation makes with it (a document's or comment's next version, a new
//! footer comment).
//!
//! Retries differ from reads in one way: a POST is repeated after a 429 only (see
//! [`crate::retry`]). Every write names the version it makes, so a PUT that is repeated after
//! it was applied fails with [`ConfluenceError::Conflict`] instead of applying twice.

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use url::Url;

use super::client::{ConfluenceClient, Container, numeric_id};
use super::config::Flavor;
use super::error::ConfluenceError;
use super::http::{Inner, read_capped};
use super::models::{Comment, Version};
use super::retry::Failure;

/// The most of a refusal's body read to tell why the write was refused.
const REFUSAL_LIMIT: u64 = 16 * 1024;

/// The HTTP methods a write uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMethod {
    Put,
    Post,
    Delete,
}

impl WriteMethod {
    fn http(self) -> Method {
        match self {
            WriteMethod::Put => Method::PUT,
            WriteMethod::Post => Method::POST,
            WriteMethod::Delete => Method::DELETE,
        }
    }

    /// Whether sending it twice leaves the same state as sending it once.
    fn idempotent(self) -> bool {
        !matches!(self, WriteMethod::Post)
    }
}

/// What a write sends.
pub(crate) enum Payload {
    None,
    Json(Vec<u8>),
    /// A `multipart/form-data` body already encoded, with its boundary.
    Multipart {
        boundary: String,
        body: Vec<u8>,
    },
}

/// A footer or an inline comment: Cloud keeps them under different paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentLocation {
    Footer,
    Inline,
}

impl Inner {
    /// Sends one write to an API URL on the site, with retries as its method allows; the raw
    /// answer body (empty for 204). A 400 is [`ConfluenceError::BadRequest`], a 409
    /// [`ConfluenceError::Conflict`].
    pub(crate) async fn write_api(
        &self,
        method: WriteMethod,
        url: &Url,
        payload: &Payload,
    ) -> Result<Vec<u8>, ConfluenceError> {
        self.write_api_reading_refusals(method, url, payload, |_| None)
            .await
    }

    /// [`Inner::write_api`], reading the body of a 403 into `refusal`, which may name a more
    /// precise error than [`ConfluenceError::Forbidden`] (a feature the site is not licensed
    /// for, say). The body is only looked at, never kept or quoted.
    pub(crate) async fn write_api_reading_refusals(
        &self,
        method: WriteMethod,
        url: &Url,
        payload: &Payload,
        refusal: fn(&[u8]) -> Option<ConfluenceError>,
    ) -> Result<Vec<u8>, ConfluenceError> {
        self.ensure_site(url)?;
        let (timeout, limit) = (self.cfg.request_timeout, self.cfg.max_response_bytes);
        self.retrying_as(url.path(), method.idempotent(), || async move {
            let mut request = self
                .http
                .request(method.http(), url.clone())
                .timeout(timeout)
                .header(ACCEPT, "application/json");
            request = match payload {
                Payload::None => request,
                Payload::Json(body) => request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone()),
                Payload::Multipart { boundary, body } => request
                    .header(
                        CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    // Confluence refuses multipart posts without it (XSRF protection).
                    .header("X-Atlassian-Token", "no-check")
                    .body(body.clone()),
            };
            let response = self
                .send_request(url, request)
                .await
                .map_err(Failure::Transport)?;
            let status = response.status();
            if status == reqwest::StatusCode::BAD_REQUEST {
                return Err(Failure::Fatal(ConfluenceError::BadRequest));
            }
            if status == reqwest::StatusCode::FORBIDDEN {
                let headers = response.headers().clone();
                let body = read_capped(response, REFUSAL_LIMIT)
                    .await
                    .unwrap_or_default();
                return Err(refusal(&body)
                    .map_or_else(|| Failure::from_status(status, &headers), Failure::Fatal));
            }
            if !status.is_success() {
                return Err(Failure::from_status(status, response.headers()));
            }
            read_capped(response, limit).await
        })
        .await
    }
}

impl ConfluenceClient {
    /// Sends `body` as JSON to any resource of the site by path and query, as
    /// [`ConfluenceClient::get_json`] reads one (same path rules, credentials, budget), with
    /// the retries `method` allows; the JSON answer, `None` when there was no body (204).
    pub async fn send_json(
        &self,
        method: WriteMethod,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ConfluenceError> {
        let url = self.site_path(path_and_query)?;
        let payload = match body {
            Some(body) => Payload::Json(body.to_string().into_bytes()),
            None => Payload::None,
        };
        let raw = self.inner.write_api(method, &url, &payload).await?;
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|err| ConfluenceError::decode("write answer", &err))
    }

    /// Writes `body` as JSON and reads the answer as `T`.
    pub(crate) async fn write_json<T: DeserializeOwned>(
        &self,
        method: WriteMethod,
        url: &Url,
        body: &Value,
        what: &'static str,
    ) -> Result<T, ConfluenceError> {
        let payload = Payload::Json(body.to_string().into_bytes());
        let raw = self.inner.write_api(method, url, &payload).await?;
        serde_json::from_slice(&raw).map_err(|err| ConfluenceError::decode(what, &err))
    }

    /// Sends a write whose answer is not read (a 204, or a body nobody needs).
    pub(crate) async fn write_ignoring_answer(
        &self,
        method: WriteMethod,
        url: &Url,
        payload: &Payload,
    ) -> Result<(), ConfluenceError> {
        self.inner.write_api(method, url, payload).await.map(|_| ())
    }

    /// Makes `storage_body` (storage format) the next version of a page or blog post, with
    /// `title` and a version `message`; `next_version` must be the current version plus one,
    /// else [`ConfluenceError::Conflict`]. Cloud `PUT /wiki/api/v2/{pages|blogposts}/{id}`,
    /// Data Center `PUT {context}/rest/api/content/{id}`. Returns the new version.
    pub async fn update_document(
        &self,
        kind: Container,
        id: &str,
        title: &str,
        next_version: u32,
        storage_body: &str,
        message: &str,
    ) -> Result<Version, ConfluenceError> {
        let id = numeric_id(id)?;
        let (url, body) = match self.inner.flavor {
            Flavor::Cloud => (
                self.inner.api_url(&[v2_kind(kind), id]),
                json!({"id": id, "status": "current", "title": title,
                       "body": {"representation": "storage", "value": storage_body},
                       "version": {"number": next_version, "message": message}}),
            ),
            Flavor::DataCenter => (
                self.inner.v1_url(&["content", id]),
                json!({"id": id, "type": v1_kind(kind), "status": "current", "title": title,
                       "body": {"storage": {"value": storage_body, "representation": "storage"}},
                       "version": {"number": next_version, "message": message}}),
            ),
        };
        let answer: Versioned = self
            .write_json(WriteMethod::Put, &url, &body, "updated content")
            .await?;
        answer.version.ok_or(ConfluenceError::UnexpectedVersion)
    }

    /// Makes `storage_body` the next version of a comment. Cloud `PUT
    /// /wiki/api/v2/{footer|inline}-comments/{id}`, Data Center `PUT
    /// {context}/rest/api/content/{id}` (type `comment`). Returns the new version.
    pub async fn update_comment(
        &self,
        id: &str,
        location: CommentLocation,
        next_version: u32,
        storage_body: &str,
        message: &str,
    ) -> Result<Version, ConfluenceError> {
        let id = numeric_id(id)?;
        let (url, body) = match self.inner.flavor {
            Flavor::Cloud => {
                let segment = match location {
                    CommentLocation::Footer => "footer-comments",
                    CommentLocation::Inline => "inline-comments",
                };
                (
                    self.inner.api_url(&[segment, id]),
                    json!({"version": {"number": next_version, "message": message},
                           "body": {"representation": "storage", "value": storage_body}}),
                )
            }
            Flavor::DataCenter => (
                self.inner.v1_url(&["content", id]),
                json!({"id": id, "type": "comment", "status": "current",
                       "body": {"storage": {"value": storage_body, "representation": "storage"}},
                       "version": {"number": next_version, "message": message}}),
            ),
        };
        let answer: Versioned = self
            .write_json(WriteMethod::Put, &url, &body, "updated comment")
            .await?;
        answer.version.ok_or(ConfluenceError::UnexpectedVersion)
    }

    /// Adds a footer comment (storage format) to a page or blog post: Cloud `POST
    /// /wiki/api/v2/footer-comments`, Data Center `POST {context}/rest/api/content` (type
    /// `comment` with its container). Not retried after a 5xx: it could be added twice.
    pub async fn add_footer_comment(
        &self,
        container: Container,
        id: &str,
        storage_body: &str,
    ) -> Result<Comment, ConfluenceError> {
        let id = numeric_id(id)?;
        let (url, body) = match self.inner.flavor {
            Flavor::Cloud => {
                let owner = match container {
                    Container::Page => "pageId",
                    Container::BlogPost => "blogPostId",
                };
                (
                    self.inner.api_url(&["footer-comments"]),
                    json!({owner: id,
                           "body": {"representation": "storage", "value": storage_body}}),
                )
            }
            Flavor::DataCenter => (
                self.inner.v1_url(&["content"]),
                json!({"type": "comment",
                       "container": {"id": id, "type": v1_kind(container)},
                       "body": {"storage": {"value": storage_body, "representation": "storage"}}}),
            ),
        };
        let mut comment: Comment = self
            .write_json(WriteMethod::Post, &url, &body, "new comment")
            .await?;
        comment.location.get_or_insert_with(|| "footer".into());
        Ok(comment)
    }

    /// A path under the site's context, as [`ConfluenceClient::get_json`] takes it.
    pub(crate) fn site_path(&self, path_and_query: &str) -> Result<Url, ConfluenceError> {
        let path_and_query = path_and_query.trim();
        let context = self.inner.context.as_str();
        let allowed = if context.is_empty() {
            path_and_query.starts_with("/rest/")
        } else {
            path_and_query
                .strip_prefix(context)
                .is_some_and(|rest| rest.starts_with('/') && !rest.starts_with("//"))
        };
        if !allowed {
            return Err(ConfluenceError::InvalidPath);
        }
        self.inner.resolve_next_link(path_and_query)
    }
}

/// Any answer that carries the content's version (v2 and v1 content alike).
#[derive(Deserialize)]
struct Versioned {
    #[serde(default)]
    version: Option<Version>,
}

pub(crate) fn v2_kind(kind: Container) -> &'static str {
    match kind {
        Container::Page => "pages",
        Container::BlogPost => "blogposts",
    }
}

pub(crate) fn v1_kind(kind: Container) -> &'static str {
    match kind {
        Container::Page => "page",
        Container::BlogPost => "blogpost",
    }
}
