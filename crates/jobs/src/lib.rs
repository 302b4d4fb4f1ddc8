//! Scan jobs and the queue that carries them (apalis 1.0).
//!
//! One job per page body, blog post body, comment set and attachment. The queue is Redis
//! (`apalis-redis`) when `REDIS_URL` is set and an embedded SQLite file otherwise; the choice is
//! made once, in [`JobQueue::open`], and nothing else in the code asks which it is.
//!
//! Delivery is at least once: a job whose worker dies (kill -9) is handed out again once the
//! worker has missed two heartbeats, and failed attempts are retried with backoff. Handlers are
//! therefore idempotent: progress is counted per (scan, item key) and findings are upserted by
//! their stable id, so a job that runs twice changes nothing the second time.

mod queue;
mod seal;

use serde::{Deserialize, Serialize};

use dlp_domain::{ContentRef, ContentType, HistoryDepth};

pub use queue::{HandlerError, JobHandler, JobQueue, PoolOptions, QueueError};
pub use seal::{SealError, Sealed, Sealer};

/// A unit of work for a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanJob {
    pub scan_id: String,
    /// Names the item within the scan (`page:123@4`); progress and de-duplication key on it.
    pub item_key: String,
    /// Human label for summaries (a title or file name). Titles are not scanned content.
    pub label: String,
    pub work: Work,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// A page or blog post body (storage format). The crawler got it in a list call and
    /// passes it on sealed; `None` means the worker fetches it (webhooks, oversized bodies).
    Body {
        item: ContentRef,
        body: Option<Sealed>,
    },
    /// Footer and inline comments of a page or blog post, whole threads, fetched by the
    /// worker (`container`, page_id in `item`): a webhook about a page's comments.
    Comments {
        item: ContentRef,
        container: ContentType,
    },
    /// One comment (`item.comment_id`, on `item.page_id`). A crawl found it in the space's
    /// comment search and passes its body on sealed; `None`: the worker fetches it.
    Comment {
        item: ContentRef,
        body: Option<Sealed>,
    },
    /// An attachment; the worker downloads it through the Confluence client. Without a
    /// download link (a webhook names the attachment only) the worker looks it up first.
    Attachment {
        item: ContentRef,
        #[serde(default)]
        download_link: Option<String>,
        media_type: Option<String>,
        file_size: Option<u64>,
    },
    /// The older versions of a page or blog post (`scan --history`): `item` is the page's
    /// history item (content type history, `page_id` the page's, `page_version` its current
    /// version), `container` whether it is a page or a blog post. The worker fetches the
    /// versions `depth` asks for that were not classified yet with the current rules, one by
    /// one, and records the history item once. No body travels with the job.
    History {
        item: ContentRef,
        container: ContentType,
        current_version: u32,
        depth: HistoryDepth,
    },
    /// A file on the scanning machine (`confluence-dlp scan PATH`).
    LocalFile {
        item: ContentRef,
        path: std::path::PathBuf,
    },
    /// Walks a space and enqueues its content: the first job of a scan that the API or a
    /// schedule started. The scan's row says how (full or incremental, and since when).
    /// Being a job of the scan, the crawl keeps the scan running until it has ended.
    CrawlSpace { space_key: String },
    /// Lists every space the credentials can read and starts a scan of each, under this one.
    CrawlAllSpaces,
}

impl Work {
    /// The key of the job's item within its scan (see [`item_key`]); `crawl:ENG` for the
    /// crawl of a space, `crawl:*` for the crawl of all of them.
    pub fn item_key(&self) -> String {
        match self {
            Work::Body { item, .. }
            | Work::Comments { item, .. }
            | Work::Comment { item, .. }
            | Work::Attachment { item, .. }
            | Work::History { item, .. }
            | Work::LocalFile { item, .. } => item_key(item),
            Work::CrawlSpace { space_key } => crawl_key(Some(space_key)),
            Work::CrawlAllSpaces => crawl_key(None),
        }
    }
}

/// The item key of a crawl job: `crawl:ENG`, or `crawl:*` for all spaces.
pub fn crawl_key(space_key: Option<&str>) -> String {
    format!("crawl:{}", space_key.unwrap_or("*"))
}

impl ScanJob {
    /// The key under which the queue refuses a second copy of the same job in one scan, so a
    /// crawler that is retried does not enqueue twice.
    pub fn idempotency_key(&self) -> String {
        format!("{}/{}", self.scan_id, self.item_key)
    }
}

/// `page:123@4`, `blogpost:9@1`, `comments:123` (a page's threads), `comment:77@2` (one
/// comment), `attachment:att5@2`, `file:/path`, `history:123@4` (the versions before 4).
pub fn item_key(item: &ContentRef) -> String {
    let version = item
        .page_version
        .map(|v| format!("@{v}"))
        .unwrap_or_default();
    match item.content_type {
        ContentType::Page | ContentType::BlogPost => {
            format!("{}:{}{}", item.content_type.as_str(), item.page_id, version)
        }
        ContentType::Comment => match &item.comment_id {
            Some(id) => format!("comment:{id}{version}"),
            None => format!("comments:{}", item.page_id),
        },
        ContentType::Attachment => format!("attachment:{}{}", item.item_id(), version),
        ContentType::File => format!("file:{}", item.item_id()),
        ContentType::History => format!("history:{}{}", item.page_id, version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_json_and_keys_are_stable() {
        let item = ContentRef {
            space_key: "ENG".into(),
            content_type: ContentType::Attachment,
            page_id: "42".into(),
            page_version: Some(3),
            comment_id: None,
            attachment_id: Some("att7".into()),
            attachment_title: Some("keys.csv".into()),
        };
        let job = ScanJob {
            scan_id: "s1".into(),
            item_key: item_key(&item),
            label: "keys.csv".into(),
            work: Work::Attachment {
                item: item.clone(),
                download_link: Some("/download/attachments/42/keys.csv?version=3&api=v2".into()),
                media_type: Some("text/csv".into()),
                file_size: Some(10),
            },
        };
        assert_eq!(job.item_key, "attachment:att7@3");
        assert_eq!(job.idempotency_key(), "s1/attachment:att7@3");
        let back: ScanJob = serde_json::from_str(&serde_json::to_string(&job).unwrap()).unwrap();
        assert_eq!(back.item_key, job.item_key);
        assert!(
            matches!(back.work, Work::Attachment { ref item, .. } if item.attachment_id.as_deref() == Some("att7"))
        );
    }
}
