//! Getting a job's content: from Confluence through the client, or from a local file.

use std::path::Path;

use tokio::io::AsyncReadExt;

use super::{WorkerDeps, container_of};
use dlp_confluence::{ConfluenceError, Container};
use dlp_domain::{ContentRef, ContentType};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("this worker has no Confluence site configured")]
    NoClient,
    #[error("Confluence")]
    Confluence(#[from] ConfluenceError),
    #[error("cannot read {path}: {kind}")]
    File {
        path: String,
        kind: std::io::ErrorKind,
    },
    #[error("{path} is larger than the {limit} byte limit")]
    FileTooLarge { path: String, limit: u64 },
    #[error("the content has no storage-format body")]
    NoBody,
}

impl FetchError {
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Confluence(e) => e.is_transient(),
            FetchError::File { kind, .. } => matches!(
                kind,
                std::io::ErrorKind::Interrupted | std::io::ErrorKind::TimedOut
            ),
            FetchError::NoClient | FetchError::FileTooLarge { .. } | FetchError::NoBody => false,
        }
    }
}

fn client(deps: &WorkerDeps) -> Result<&dlp_confluence::ConfluenceClient, FetchError> {
    deps.client.as_ref().ok_or(FetchError::NoClient)
}

/// A body that did not travel with the job (too large, or the job came from a webhook): a
/// page's, a blog post's, or a comment's.
pub(super) async fn body(deps: &WorkerDeps, item: &ContentRef) -> Result<String, FetchError> {
    let client = client(deps)?;
    let body = match item.content_type {
        ContentType::BlogPost => client.blog_post(&item.page_id).await?.body,
        ContentType::Comment => {
            let id = item.comment_id.as_deref().ok_or(FetchError::NoBody)?;
            client.comment(id).await?.body
        }
        _ => client.page(&item.page_id).await?.body,
    };
    body.storage.map(|s| s.value).ok_or(FetchError::NoBody)
}

/// The storage body of an older version of a page or blog post; `None` when the version is
/// gone (deleted versions answer 404).
pub(super) async fn document_version(
    deps: &WorkerDeps,
    container: ContentType,
    page_id: &str,
    version: u32,
) -> Result<Option<String>, FetchError> {
    Ok(client(deps)?
        .document_version(container_of(container), page_id, version)
        .await?)
}

/// Most comments a page's threads may hold before the rest are left unread: a bound on the
/// work one job does, whatever the server answers.
const MAX_COMMENTS: usize = 10_000;

/// Footer and inline comments of a page or blog post, replies included (whole threads, to
/// any depth), each with the reference findings get.
pub(super) async fn comments(
    deps: &WorkerDeps,
    container: ContentType,
    of: &ContentRef,
) -> Result<Vec<(ContentRef, String)>, FetchError> {
    let client = client(deps)?;
    let kind: Container = container_of(container);
    let comments = client
        .thread_comments(kind, &of.page_id, MAX_COMMENTS)
        .await?;
    if comments.len() >= MAX_COMMENTS {
        tracing::warn!(
            page_id = %of.page_id,
            limit = MAX_COMMENTS,
            "comment threads cut at the limit"
        );
    }
    Ok(comments.into_iter().map(|c| comment_item(of, c)).collect())
}

/// An attachment's download link and file name, for a job that names the attachment only.
pub(super) async fn attachment_link(
    deps: &WorkerDeps,
    item: &ContentRef,
) -> Result<(String, String), FetchError> {
    let id = item.attachment_id.as_deref().ok_or(FetchError::NoBody)?;
    let attachment = client(deps)?.attachment(id).await?;
    let link = attachment
        .download_path()
        .map(str::to_owned)
        .ok_or(FetchError::Confluence(ConfluenceError::NoDownloadLink))?;
    Ok((link, attachment.title))
}

fn comment_item(of: &ContentRef, c: dlp_confluence::Comment) -> (ContentRef, String) {
    let body = c.body.storage.map(|s| s.value).unwrap_or_default();
    let item = ContentRef {
        space_key: of.space_key.clone(),
        content_type: ContentType::Comment,
        page_id: of.page_id.clone(),
        page_version: c.version.map(|v| v.number),
        comment_id: Some(c.id),
        attachment_id: None,
        attachment_title: None,
    };
    (item, body)
}

pub(super) async fn attachment(
    deps: &WorkerDeps,
    download_link: &str,
) -> Result<Vec<u8>, FetchError> {
    Ok(client(deps)?.download_link(download_link).await?)
}

/// Reads a local file, refusing more than `limit` bytes without reading them.
pub(super) async fn local_file(path: &Path, limit: u64) -> Result<Vec<u8>, FetchError> {
    let shown = path.display().to_string();
    let file_err = |e: std::io::Error| FetchError::File {
        path: shown.clone(),
        kind: e.kind(),
    };
    let file = tokio::fs::File::open(path).await.map_err(file_err)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit to tell "exactly at the limit" from "over it".
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(file_err)?;
    if bytes.len() as u64 > limit {
        return Err(FetchError::FileTooLarge { path: shown, limit });
    }
    Ok(bytes)
}
