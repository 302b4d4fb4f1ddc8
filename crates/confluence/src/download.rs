//! Attachment downloads.
//!
//! Cloud answers `downloadLink` with a redirect to a media host, whose URL carries a signed
//! token. Redirects are followed by hand so that each hop is judged on its own: credentials go
//! only to the configured site, only http(s) is followed, an https chain never drops to http
//! (the media token would travel in the clear), and there are at most [`MAX_REDIRECTS`] hops.
//! The body is capped at `max_download_bytes`, by Content-Length first, then while streaming.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use url::Url;

use super::client::ConfluenceClient;
use super::error::ConfluenceError;
use super::http::{Inner, ensure_http, read_capped};
use super::models::Attachment;
use super::retry::Failure;

pub const MAX_REDIRECTS: u32 = 5;

impl ConfluenceClient {
    /// The bytes of an attachment's current version. Refused without a request when the
    /// attachment declares a size over the limit or its link points off the site.
    pub async fn download(&self, attachment: &Attachment) -> Result<Vec<u8>, ConfluenceError> {
        let limit = self.inner.cfg.max_download_bytes;
        if attachment.file_size.is_some_and(|size| size > limit) {
            return Err(ConfluenceError::TooLarge { limit });
        }
        let link = attachment
            .download_path()
            .ok_or(ConfluenceError::NoDownloadLink)?;
        self.download_link(link).await
    }

    /// Downloads a `downloadLink` (relative to the site's `/wiki`, or absolute on the site).
    /// The whole redirect chain is retried on transient failures, since the media host's
    /// signed URL may have expired by then.
    pub async fn download_link(&self, link: &str) -> Result<Vec<u8>, ConfluenceError> {
        let start = self.inner.resolve_download_link(link)?;
        let inner: &Inner = &self.inner;
        let start = &start;
        // The label stays generic: download paths hold file names.
        inner
            .retrying("attachment download", || async move {
                download_attempt(inner, start).await
            })
            .await
    }
}

async fn download_attempt(inner: &Inner, start: &Url) -> Result<Vec<u8>, Failure> {
    let mut url = start.clone();
    for _hop in 0..=MAX_REDIRECTS {
        let response = inner
            .send(&url, inner.cfg.download_timeout, "*/*")
            .await
            .map_err(Failure::Transport)?;
        let status = response.status();
        if is_followable_redirect(status) {
            url = next_hop(&url, response.headers())?;
            continue;
        }
        if !status.is_success() {
            return Err(Failure::from_status(status, response.headers()));
        }
        return read_capped(response, inner.cfg.max_download_bytes).await;
    }
    Err(Failure::Fatal(ConfluenceError::TooManyRedirects {
        limit: MAX_REDIRECTS,
    }))
}

fn is_followable_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

fn next_hop(current: &Url, headers: &HeaderMap) -> Result<Url, ConfluenceError> {
    let location = headers
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or(ConfluenceError::BadRedirect)?;
    let next = current
        .join(location)
        .map_err(|_| ConfluenceError::BadRedirect)?;
    ensure_http(&next)?;
    if current.scheme() == "https" && next.scheme() == "http" {
        return Err(ConfluenceError::InsecureRedirect);
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn location(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn hops_resolve_relative_locations_and_refuse_bad_ones() {
        let here: Url = "https://acme.atlassian.net/wiki/download/attachments/1/a.pdf"
            .parse()
            .unwrap();
        let media = next_hop(
            &here,
            &location("https://api.media.atlassian.com/file/x?token=t"),
        )
        .unwrap();
        assert_eq!(media.host_str(), Some("api.media.atlassian.com"));
        let relative = next_hop(&here, &location("/wiki/other")).unwrap();
        assert_eq!(relative.as_str(), "https://acme.atlassian.net/wiki/other");
        assert!(matches!(
            next_hop(&here, &HeaderMap::new()),
            Err(ConfluenceError::BadRedirect)
        ));
        assert!(matches!(
            next_hop(&here, &location("ftp://x/y")),
            Err(ConfluenceError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            next_hop(&here, &location("http://media.example/x")),
            Err(ConfluenceError::InsecureRedirect)
        ));
    }

    #[test]
    fn only_redirect_statuses_are_followed() {
        assert!(is_followable_redirect(StatusCode::FOUND));
        assert!(is_followable_redirect(StatusCode::TEMPORARY_REDIRECT));
        assert!(!is_followable_redirect(StatusCode::NOT_MODIFIED));
        assert!(!is_followable_redirect(StatusCode::OK));
    }
}
