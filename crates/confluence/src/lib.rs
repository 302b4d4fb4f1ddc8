//! The Confluence REST client: the fetch edge of the data flow.
//!
//! It reads Confluence Cloud (REST API v2, and v1 for CQL search) and Data Center / Server
//! (REST API v1 under the site's context path): spaces, pages, blog posts, comment threads,
//! attachments, and attachment bytes. [`Flavor`] says which, configured or detected; the
//! reads in [`content`] hide the difference from callers. Three properties matter to the rest
//! of the system:
//!
//! - **Few API calls per scanned page.** List calls ask for bodies with the largest `limit`,
//!   and a space's comments and attachments come from one CQL search each, so a crawl never
//!   needs a request per page.
//! - **Good citizenship.** 429 answers are waited out (`Retry-After`, then `X-RateLimit-Reset`,
//!   then backoff) and the wait is shared by every clone of the client; an optional request
//!   budget spaces requests out; 5xx, connect errors and timeouts are retried with jittered
//!   exponential backoff; other 4xx fail at once with a typed error.
//! - **Nothing leaks.** Credentials go only to the configured site's origin (never to the media
//!   host that attachment downloads redirect to), links that point elsewhere are refused before
//!   any request, and neither `Debug` output nor error messages ever carry a body, a token or a
//!   URL query.
//!
//! v1 endpoints that v2 lacks (restrictions, CQL search) can be read with
//! [`ConfluenceClient::get_json`], which shares the credentials, budget and retries.
//!
//! It also writes, for remediation: new versions of pages, blog posts and comments, footer
//! comments, restrictions and space permissions ([`permissions`]), attachments and versions
//! ([`versions`]), Cloud's data classification ([`classification`]), and Cloud's native
//! redaction where the site has Atlassian Guard Premium ([`redaction`]). Writes go through
//! the same site check, credentials, budget and 429 handling as reads; a POST is never
//! repeated after a 5xx or a broken connection, and a stale version is
//! [`ConfluenceError::Conflict`].
//!
//! Pagination follows `_links.next` as the server wrote it ([`Paginated`]), batch by batch, so
//! the crawler can enqueue work without holding a whole space in memory.

mod budget;
mod classification;
mod client;
mod config;
mod content;
mod cql;
mod download;
mod error;
mod http;
mod labels;
mod models;
mod pagination;
mod permissions;
mod quota;
mod redaction;
mod retry;
mod versions;
mod write;

pub use classification::ClassificationLevel;
pub use client::{ConfluenceClient, Container};
pub use config::{Auth, ClientConfig, Flavor, MAX_PAGE_LIMIT};
pub use content::{CQL_BODY_LIMIT, Content};
pub use cql::changed_since_cql;
pub use download::MAX_REDIRECTS;
pub use error::ConfluenceError;
pub use http::count_requests;
pub use models::{
    Attachment, AttachmentLinks, BlogPost, Body, BodyValue, Comment, ContentLinks, Page, Space,
    Version,
};
pub use pagination::Paginated;
pub use permissions::{ContentRestrictions, Principal, SpacePermission};
pub use redaction::{NativeRedacted, NativeRedaction};
pub use write::{CommentLocation, WriteMethod};

/// The path under which Confluence Cloud serves its wiki, REST APIs and downloads.
/// `_links.next` already starts with it; `downloadLink` is relative to it.
pub const WIKI_CONTEXT: &str = "/wiki";
