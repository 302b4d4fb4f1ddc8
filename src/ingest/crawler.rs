//! The crawler walks a space and enqueues one job per page body, blog post body, comment set
//! and attachment. It classifies nothing: it only turns what the list calls return into jobs,
//! batch by batch, so memory stays flat whatever the size of the space.

use dlp_confluence::{Attachment, BlogPost, ConfluenceClient, Container, Page, Paginated};
use dlp_domain::{ContentRef, ContentType};
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
    pub attachments: u64,
    pub jobs: u64,
}

pub struct Crawler<'a> {
    pub client: &'a ConfluenceClient,
    pub store: &'a Store,
    pub queue: &'a JobQueue,
    pub sealer: &'a Sealer,
    pub max_attempts: usize,
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
    pub async fn crawl_space(
        &self,
        scan_id: &str,
        space_key: &str,
    ) -> Result<CrawlStats, CrawlError> {
        let space = self.client.space_by_key(space_key).await?;
        let mut stats = CrawlStats::default();
        let pages = self.client.pages_in_space(&space.id);
        stats.pages = self
            .crawl_list(scan_id, &space.key, pages, Listed::page, &mut stats)
            .await?;
        let posts = self.client.blog_posts_in_space(&space.id);
        stats.blog_posts = self
            .crawl_list(scan_id, &space.key, posts, Listed::blog_post, &mut stats)
            .await?;
        Ok(stats)
    }

    /// An incremental crawl: asks CQL what in the space changed since `since` (pages, blog
    /// posts, and the attachments and comments on them), then crawls each page or blog post
    /// that changed or holds a change, as a full crawl would crawl it. Its attachments that
    /// did not change are skipped by the workers as current; nothing unchanged is listed.
    pub async fn crawl_changes(
        &self,
        scan_id: &str,
        space_key: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<CrawlStats, CrawlError> {
        let space = self.client.space_by_key(space_key).await?;
        let cql = dlp_confluence::changed_since_cql(
            &space.key,
            &["page", "blogpost", "attachment", "comment"],
            since,
        );
        let mut changed = std::collections::BTreeSet::new();
        let mut search = self.client.search_cql(&cql);
        while let Some(batch) = search.next_page().await? {
            for hit in batch {
                let (kind, id) = match hit.kind.as_str() {
                    "page" | "blogpost" => (hit.kind, hit.id),
                    _ => match hit.container {
                        Some(container) => container,
                        None => continue,
                    },
                };
                let kind = match kind.as_str() {
                    "page" => Container::Page,
                    "blogpost" => Container::BlogPost,
                    _ => continue,
                };
                changed.insert((kind == Container::BlogPost, id));
            }
        }
        let mut stats = CrawlStats::default();
        for (is_blog_post, id) in changed {
            if !self.store.scan_is_running(scan_id).await? {
                return Err(CrawlError::Cancelled);
            }
            let fetched = if is_blog_post {
                self.client.blog_post(&id).await.map(Listed::blog_post)
            } else {
                self.client.page(&id).await.map(Listed::page)
            };
            let listed = match fetched {
                Ok(listed) => listed,
                // Deleted since it changed: nothing left to scan.
                Err(dlp_confluence::ConfluenceError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let page = PageInfo {
                page_id: listed.id.clone(),
                space_key: space.key.clone(),
                title: listed.title.clone(),
                web_link: listed.webui.as_deref().and_then(|w| self.web_link(w)),
            };
            self.store.record_pages(&[page]).await?;
            if is_blog_post {
                stats.blog_posts += 1;
            } else {
                stats.pages += 1;
            }
            self.container(scan_id, &space.key, listed, &mut stats)
                .await?;
        }
        Ok(stats)
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
            let batch: Vec<Listed> = batch.into_iter().map(to_listed).collect();
            let pages: Vec<PageInfo> = batch
                .iter()
                .map(|c| PageInfo {
                    page_id: c.id.clone(),
                    space_key: space_key.to_owned(),
                    title: c.title.clone(),
                    web_link: c.webui.as_deref().and_then(|w| self.web_link(w)),
                })
                .collect();
            self.store.record_pages(&pages).await?;
            for entry in batch {
                seen += 1;
                // A cancelled scan stops being crawled at the next page: one small query per
                // page, beside the two or more Confluence requests each page costs anyway.
                if !self.store.scan_is_running(scan_id).await? {
                    return Err(CrawlError::Cancelled);
                }
                self.container(scan_id, space_key, entry, stats).await?;
            }
        }
        Ok(seen)
    }

    /// `_links.webui` made absolute: it is relative to the site's `/wiki`. A link that does
    /// not stay on the site is dropped rather than served to people as the page's link.
    fn web_link(&self, webui: &str) -> Option<String> {
        let site = self.client.site();
        let joined = site
            .join(&format!("{}{}", dlp_confluence::WIKI_CONTEXT, webui))
            .ok()?;
        (joined.origin() == site.origin()).then(|| joined.to_string())
    }

    async fn container(
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
        self.enqueue(
            scan_id,
            &c.title,
            Work::Body {
                item: item.clone(),
                body,
            },
            stats,
        )
        .await?;

        let comments = ContentRef {
            content_type: ContentType::Comment,
            page_version: None,
            ..item.clone()
        };
        let work = Work::Comments {
            item: comments,
            container: content_type,
        };
        self.enqueue(scan_id, &format!("comments on {}", c.title), work, stats)
            .await?;

        let mut attachments = self.client.attachments(c.kind, &c.id);
        while let Some(batch) = attachments.next_page().await? {
            for a in batch {
                stats.attachments += 1;
                self.attachment(scan_id, &item, a, stats).await?;
            }
        }
        Ok(())
    }

    async fn attachment(
        &self,
        scan_id: &str,
        container: &ContentRef,
        a: Attachment,
        stats: &mut CrawlStats,
    ) -> Result<(), CrawlError> {
        let item = ContentRef {
            space_key: container.space_key.clone(),
            content_type: ContentType::Attachment,
            page_id: container.page_id.clone(),
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
            download_link,
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
        if self.store.enqueue_item(scan_id, &key, label).await? {
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
