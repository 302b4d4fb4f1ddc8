//! What can go wrong talking to Confluence.
//!
//! Messages are written for an operator's log. They never quote a response body, a credential
//! or a URL query (signed media URLs carry tokens in their query), so an error can be logged
//! or stored as a job's failure reason as it is.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfluenceError {
    /// The client configuration cannot work; the message names the setting, never its value.
    #[error("invalid Confluence client configuration: {0}")]
    InvalidConfig(&'static str),

    /// An id given to the client is not a Confluence id (they are decimal numbers).
    #[error("invalid Confluence content id: ids are decimal numbers")]
    InvalidId,

    #[error("invalid space key: 1 to 255 printable characters")]
    InvalidSpaceKey,

    /// An API path given to [`crate::ConfluenceClient::get_json`] that is not a
    /// path under `/wiki/` on the site.
    #[error("invalid Confluence API path: expected a path under /wiki/")]
    InvalidPath,

    #[error(
        "Confluence rejected the credentials (401 Unauthorized): check CONFLUENCE_EMAIL with \
         CONFLUENCE_API_TOKEN (Cloud), or CONFLUENCE_PAT (Data Center)"
    )]
    Unauthorized,

    /// A 401 to a client with no credentials: not the same trouble as wrong ones.
    #[error(
        "Confluence asks for credentials (401 Unauthorized) and none were given: set \
         CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN (Cloud), or CONFLUENCE_PAT (Data Center)"
    )]
    CredentialsRequired,

    #[error("the credentials lack permission for this Confluence resource (403 Forbidden)")]
    Forbidden,

    #[error("Confluence resource not found (404 Not Found)")]
    NotFound,

    /// A write that lost a race (409 Conflict): the version it names is no longer the current
    /// one plus one, or the resource changed under it. Read again and decide again.
    #[error(
        "Confluence refused the write as stale (409 Conflict): the content changed since it was read"
    )]
    Conflict,

    /// The operation does not exist on this Confluence flavour (e.g. data classification on
    /// Data Center); no request was made.
    #[error("not supported by Confluence {flavor}: {what}")]
    Unsupported {
        what: &'static str,
        flavor: &'static str,
    },

    /// The site's plan does not include the feature (403 naming the licence, e.g. native
    /// redaction without Atlassian Guard Premium). The caller may fall back to another way.
    #[error("this Confluence site is not licensed for {what} (403 Forbidden)")]
    NotLicensed { what: &'static str },

    /// A write was refused as malformed (400 Bad Request): the body or the target is not one
    /// Confluence takes (e.g. deleting a page's current version). Not retried.
    #[error("Confluence refused the request as invalid (400 Bad Request)")]
    BadRequest,

    /// No space with this key is visible: it does not exist, or the credentials cannot read
    /// it (Confluence does not say which). Space keys are configuration, not content.
    #[error("no space with key {key:?} is visible to {who}: it does not exist, or {who} cannot read it{hint}",
        who = if *.anonymous { "anonymous access" } else { "these credentials" },
        hint = if *.anonymous { " (no credentials were given: set CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN, or CONFLUENCE_PAT)" } else { "" })]
    SpaceNotFound { key: String, anonymous: bool },

    /// A 4xx other than 401, 403, 404 and 429, or a status the client does not expect (a 3xx
    /// from an API call): a bug in the request or an API change, so not retried.
    #[error("Confluence answered with unexpected status {status}")]
    UnexpectedStatus { status: u16 },

    /// Still rate limited after all retries, or asked to wait longer than the client accepts
    /// (`retry_after`, when the server said how long).
    #[error("rate limited by Confluence (429) after {attempts} attempt(s)")]
    RateLimited {
        attempts: u32,
        retry_after: Option<Duration>,
    },

    /// A 5xx answer after all retries.
    #[error("Confluence server error {status} after {attempts} attempt(s)")]
    Server { status: u16, attempts: u32 },

    #[error("request to Confluence timed out after {attempts} attempt(s)")]
    Timeout { attempts: u32 },

    /// Connection or protocol failure. The source has its URL stripped.
    #[error("transport error talking to Confluence after {attempts} attempt(s)")]
    Transport {
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },

    /// A link (pagination or download) points outside the configured site; no request was made.
    #[error("refused a link to a host other than the configured Confluence site: {host}")]
    ForeignHost { host: String },

    #[error("Confluence returned a link that is not a valid URL")]
    InvalidLink,

    #[error("refused a link with unsupported scheme {scheme}")]
    UnsupportedScheme { scheme: String },

    #[error("attachment download redirected more than {limit} times")]
    TooManyRedirects { limit: u32 },

    /// A redirect from https to http: the next URL (a signed media link) would travel in clear.
    #[error("refused a redirect from https to http")]
    InsecureRedirect,

    #[error("attachment download redirect has no usable Location header")]
    BadRedirect,

    #[error("attachment has no download link")]
    NoDownloadLink,

    /// A response body (attachment or API answer) is larger than the configured limit.
    #[error("response is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },

    /// The body is not the JSON the API documents. Only the position is kept: serde's own
    /// message can quote the offending value, which may be page content.
    #[error(
        "could not decode Confluence {what} response: {category} error at line {line}, column {column}"
    )]
    Decode {
        what: &'static str,
        category: &'static str,
        line: usize,
        column: usize,
    },

    /// Asked for one version of a page, the server answered with another.
    #[error("Confluence answered with another version than the one asked for")]
    UnexpectedVersion,

    /// The server handed back the link it was just asked for; following it would never end.
    #[error("Confluence pagination returned the same next link again")]
    PaginationLoop,
}

impl ConfluenceError {
    pub(crate) fn decode(what: &'static str, err: &serde_json::Error) -> Self {
        let category = match err.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "unexpected end of input",
        };
        ConfluenceError::Decode {
            what,
            category,
            line: err.line(),
            column: err.column(),
        }
    }

    /// HTTP status behind the error, when it came from a status code.
    pub fn status(&self) -> Option<u16> {
        match self {
            ConfluenceError::Unauthorized | ConfluenceError::CredentialsRequired => Some(401),
            ConfluenceError::Forbidden | ConfluenceError::NotLicensed { .. } => Some(403),
            ConfluenceError::NotFound | ConfluenceError::SpaceNotFound { .. } => Some(404),
            ConfluenceError::Conflict => Some(409),
            ConfluenceError::BadRequest => Some(400),
            ConfluenceError::RateLimited { .. } => Some(429),
            ConfluenceError::UnexpectedStatus { status }
            | ConfluenceError::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying the same operation later may succeed (worth a job retry): rate limits,
    /// server errors, timeouts and transport failures.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ConfluenceError::RateLimited { .. }
                | ConfluenceError::Server { .. }
                | ConfluenceError::Timeout { .. }
                | ConfluenceError::Transport { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_error_does_not_quote_the_offending_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct N {
            n: u32,
        }
        let secret = "AKIAIOSFODNN7EXAMPLE";
        let raw = format!(r#"{{"n": "{secret}"}}"#);
        let serde_err = serde_json::from_str::<N>(&raw).unwrap_err();
        assert!(
            serde_err.to_string().contains(secret),
            "serde quotes values; the premise of the test"
        );
        let err = ConfluenceError::decode("page", &serde_err);
        assert!(!err.to_string().contains(secret));
        assert!(!format!("{err:?}").contains(secret));
    }

    #[test]
    fn statuses_and_transience() {
        assert_eq!(ConfluenceError::NotFound.status(), Some(404));
        assert!(!ConfluenceError::Unauthorized.is_transient());
        assert!(
            ConfluenceError::Server {
                status: 503,
                attempts: 3
            }
            .is_transient()
        );
        assert!(
            ConfluenceError::RateLimited {
                attempts: 1,
                retry_after: None
            }
            .is_transient()
        );
    }
}
