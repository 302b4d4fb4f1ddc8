//! The crawler walks a space and enqueues one job per page body, blog post body, comment and
//! attachment. It classifies nothing: it only turns what the list calls return into jobs,
//! batch by batch, so memory stays flat whatever the size of the space.

use dlp_confluence::{
    Attachment, BlogPost, Comment, ConfluenceClient, Container, Content, Page, Paginated,
};
use dlp_domain::{ContentRef, ContentType, HistoryDepth};
use dlp_jobs::{JobQueue, ScanJob, Sealer, Work, item_key};
use dlp_store::{PageInfo, Store};

/// Bodies larger than this are not carried in the job (the queue is no blob store); the
/// worker fetches them by id instead.
const MAX_INLINE_BODY: usize = 512 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("Confluence")]
    Confluence(#[from] dlp_confluence::ConfluenceError),
    #[error("store")]
    Store(#[from] dlp_store::StoreError),
    #[error("job queue")]
    Queue(#[from] dlp_jobs::QueueError),
    #[error("no Confluence site is configured: set confluence.site or CONFLUENCE_SITE")]
    NoSite,
    #[error("the job is not a crawl")]
    NotACrawl,
    #[error("the scan was cancelled")]
    Cancelled,
}

impl CrawlError {
    /// Worth another attempt: Confluence's transient answers, the store, the queue.
    pub fn is_transient(&self) -> bool {
        match self {
            CrawlError::Confluence(e) => e.is_transient(),
            CrawlError::Store(_) | CrawlError::Queue(_) => true,
            CrawlError::NoSite | CrawlError::NotACrawl | CrawlError::Cancelled => false,
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CrawlStats {
    pub pages: u64,
    pub blog_posts: u64,
    pub comments: u64,
    pub attachments: u64,
    /// Pages and blog posts whose older versions got a history job.
    pub histories: u64,
    pub jobs: u64,
}

pub struct Crawler<'a> {
    pub client: &'a ConfluenceClient,
    pub store: &'a Store,
    pub queue: &'a JobQueue,
    pub sealer: &'a Sealer,
    pub max_attempts: usize,
    /// Also read older versions (`scan --history`): each page or blog post past its first
    /// version gets one history job besides its body's.
    pub history: Option<HistoryDepth>,
}

/// A page or blog post as the crawler needs it, whichever list it came from.
struct Listed {
    kind: Container,
    id: String,
    title: String,
    version: Option<u32>,
    body: Option<String>,
    webui: Option<String>,
}

impl Listed {
    fn page(p: Page) -> Self {
        let body = p.body.storage().map(str::to_owned);
        Listed {
            kind: Container::Page,
            id: p.id,
            title: p.title,
            version: p.version.map(|v| v.number),
            body,
            webui: p.links.webui,
        }
    }

    fn blog_post(p: BlogPost) -> Self {
        let body = p.body.storage().map(str::to_owned);
        Listed {
            kind: Container::BlogPost,
            id: p.id,
            title: p.title,
            version: p.version.map(|v| v.number),
            body,
            webui: p.links.webui,
        }
    }
}

impl Crawler<'_> {
    /// A full crawl, in bulk: the space's pages and blog posts come with their bodies from
    /// their listings, its comments (replies included) and attachments from one search each.
    /// Requests grow with the number of pages over a listing's batch size, not with pages.
    pub async fn crawl_space(
        &self,
        scan_id: &str,
        space_key: &str,
    ) -> Result<CrawlStats, CrawlError> {
        let space = self.client.space_by_key(space_key).await?;
        let mut stats = CrawlStats::default();
        let pages = self.client.space_pages(&space);
        stats.pages = self
            .crawl_list(scan_id, &space.key, pages, Listed::page, &mut stats)
            .await?;
        let posts = self.client.space_blog_posts(&space);
        stats.blog_posts = self
            .crawl_list(scan_id, &space.key, posts, Listed::blog_post, &mut stats)
            .await?;
        let mut comments = self.client.space_comments(&space);
        while let Some(batch) = comments.next_page().await? {
            self.ensure_running(scan_id).await?;
            for c in batch {
                self.comment(scan_id, &space.key, c, &mut stats).await?;
            }
        }
        let mut attachments = self.client.space_attachments(&space);
        while let Some(batch) = attachments.next_page().await? {
            self.ensure_running(scan_id).await?;
            for a in batch {
                self.attachment(scan_id, &space.key, a, &mut stats).await?;
            }
        }
        Ok(stats)
    }

    /// An incremental crawl: one CQL search for what in the space changed since `since`
    /// (pages, blog posts, comments, attachments), bodies included, and a job for each.
    /// Nothing unchanged is listed or fetched.
    pub async fn crawl_changes(
        &self,
        scan_id: &str,
        space_key: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<CrawlStats, CrawlError> {
        let space = self.client.space_by_key(space_key).await?;
        let mut stats = CrawlStats::default();
        let mut changes = self.client.space_changes(&space, since);
        while let Some(batch) = changes.next_page().await? {
            self.ensure_running(scan_id).await?;
            for change in batch {
                match change {
                    Content::Page(p) => {
                        stats.pages += 1;
                        self.document(scan_id, &space.key, Listed::page(p), &mut stats)
                            .await?;
                    }
                    Content::BlogPost(p) => {
                        stats.blog_posts += 1;
                        self.document(scan_id, &space.key, Listed::blog_post(p), &mut stats)
                            .await?;
                    }
                    Content::Comment(c) => self.comment(scan_id, &space.key, c, &mut stats).await?,
                    Content::Attachment(a) => {
                        self.attachment(scan_id, &space.key, a, &mut stats).await?
                    }
                }
            }
        }
        Ok(stats)
    }

    /// A cancelled scan stops being crawled at the next batch.
    async fn ensure_running(&self, scan_id: &str) -> Result<(), CrawlError> {
        if self.store.scan_is_running(scan_id).await? {
            Ok(())
        } else {
            Err(CrawlError::Cancelled)
        }
    }

    /// Walks one list of pages or blog posts batch by batch; returns how many it saw.
    async fn crawl_list<T>(
        &self,
        scan_id: &str,
        space_key: &str,
        mut list: Paginated<T>,
        to_listed: fn(T) -> Listed,
        stats: &mut CrawlStats,
    ) -> Result<u64, CrawlError>
    where
        T: serde::de::DeserializeOwned,
    {
        let mut seen = 0;
        while let Some(batch) = list.next_page().await? {
            self.ensure_running(scan_id).await?;
            let batch: Vec<Listed> = batch.into_iter().map(to_listed).collect();
            let pages: Vec<PageInfo> = batch.iter().map(|c| self.page_info(space_key, c)).collect();
            self.store.record_pages(&pages).await?;
            for entry in batch {
                seen += 1;
                self.body(scan_id, space_key, entry, stats).await?;
            }
        }
        Ok(seen)
    }

    fn page_info(&self, space_key: &str, c: &Listed) -> PageInfo {
        PageInfo {
            page_id: c.id.clone(),
            space_key: space_key.to_owned(),
            title: c.title.clone(),
            web_link: c.webui.as_deref().and_then(|w| self.web_link(w)),
        }
    }

    /// One page or blog post found on its own (a change): its row, then its body's job.
    async fn document(
        &self,
        scan_id: &str,
        space_key: &str,
        c: Listed,
        stats: &mut CrawlStats,
    ) -> Result<(), CrawlError> {
        self.store
            .record_pages(&[self.page_info(space_key, &c)])
            .await?;
        self.body(scan_id, space_key, c, stats).await
    }

    /// `_links.webui` made absolute: it is relative to the site's context path (`/wiki` on
    /// Cloud). A link that does not stay on the site is dropped rather than served to people
    /// as the page's link.
    fn web_link(&self, webui: &str) -> Option<String> {
        let link = self.client.site_link(webui)?;
        Some(link.to_string())
    }

    async fn body(
        &self,
        scan_id: &str,
        space_key: &str,
        c: Listed,
        stats: &mut CrawlStats,
    ) -> Result<(), CrawlError> {
        let content_type = match c.kind {
            Container::Page => ContentType::Page,
            Container::BlogPost => ContentType::BlogPost,
        };
        let item = ContentRef {
            space_key: space_key.to_owned(),
            content_type,
            page_id: c.id.clone(),
            page_version: c.version,
            comment_id: None,
            attachment_id: None,
            attachment_title: None,
        };
        let body = c
            .body
            .filter(|b| b.len() <= MAX_INLINE_BODY)
            .map(|b| self.sealer.seal(&b));
        let history = match (self.history, c.version) {
            (Some(depth), Some(current)) if current > 1 => Some(Work::History {
                item: ContentRef {
                    content_type: ContentType::History,
                    ..item.clone()
                },
                container: content_type,
                current_version: current,
                depth,
            }),
            _ => None,
        };
        self.enqueue(scan_id, &c.title, Work::Body { item, body }, stats)
            .await?;
        if let Some(work) = history {
            stats.histories += 1;
            self.enqueue(scan_id, &format!("{} (history)", c.title), work, stats)
                .await?;
        }
        Ok(())
    }

    /// One comment from a search: its job carries its body sealed.
    async fn comment(
        &self,
        scan_id: &str,
        space_key: &str,
        c: Comment,
        stats: &mut CrawlStats,
    ) -> Result<(), CrawlError> {
        let Some(page_id) = c.container_id().map(str::to_owned) else {
            tracing::warn!(comment_id = %c.id, "a comment without its page was skipped");
            return Ok(());
        };
        stats.comments += 1;
        let label = if c.title.is_empty() {
            format!("comment {}", c.id)
        } else {
            c.title.clone()
        };
        let item = ContentRef {
            space_key: space_key.to_owned(),
            content_type: ContentType::Comment,
            page_id,
            page_version: c.version.as_ref().map(|v| v.number),
            comment_id: Some(c.id.clone()),
            attachment_id: None,
            attachment_title: None,
        };
        let body = c
            .body
            .storage()
            .filter(|b| b.len() <= MAX_INLINE_BODY)
            .map(|b| self.sealer.seal(b));
        self.enqueue(scan_id, &label, Work::Comment { item, body }, stats)
            .await
    }

    async fn attachment(
        &self,
        scan_id: &str,
        space_key: &str,
        a: Attachment,
        stats: &mut CrawlStats,
    ) -> Result<(), CrawlError> {
        let Some(page_id) = a.container_id().map(str::to_owned) else {
            tracing::warn!(attachment_id = %a.id, "an attachment without its page was skipped");
            return Ok(());
        };
        stats.attachments += 1;
        let item = ContentRef {
            space_key: space_key.to_owned(),
            content_type: ContentType::Attachment,
            page_id,
            page_version: a.version.as_ref().map(|v| v.number),
            comment_id: None,
            attachment_id: Some(a.id.clone()),
            attachment_title: Some(a.title.clone()),
        };
        let Some(download_link) = a.download_path().map(str::to_owned) else {
            // Nothing to fetch: record it so the gap is visible rather than silent.
            let key = item_key(&item);
            self.store.enqueue_item(scan_id, &key, &a.title).await?;
            self.store
                .record_job(
                    scan_id,
                    &key,
                    &dlp_store::JobOutcome::Failed {
                        error: "attachment has no download link".into(),
                    },
                    &[],
                )
                .await?;
            return Ok(());
        };
        let work = Work::Attachment {
            item,
            download_link: Some(download_link),
            media_type: a.media_type.clone(),
            file_size: a.file_size,
        };
        self.enqueue(scan_id, &a.title, work, stats).await
    }

    async fn enqueue(
        &self,
        scan_id: &str,
        label: &str,
        work: Work,
        stats: &mut CrawlStats,
    ) -> Result<(), CrawlError> {
        let key = work.item_key();
        // Register first: the scan is complete only when every registered item has an outcome,
        // so a job that runs before its row exists could be missed.
        if self.store.register_item(scan_id, &key, label).await? {
            let job = ScanJob {
                scan_id: scan_id.to_owned(),
                item_key: key,
                label: label.to_owned(),
                work,
            };
            self.queue.push(job, self.max_attempts).await?;
            stats.jobs += 1;
        }
        Ok(())
    }
}
