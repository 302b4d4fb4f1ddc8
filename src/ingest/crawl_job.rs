//! Crawls as jobs: the first job of every scan that the API or a schedule starts. A worker
//! takes it like any other job, so a scan survives the process that started it, and a crawl
//! whose worker dies is handed out again (enqueueing is idempotent per item key).

use dlp_confluence::ConfluenceClient;
use dlp_jobs::{JobQueue, ScanJob, Sealer, Work};
use dlp_store::{JobOutcome, NewScan, ScanKind, ScanMode, ScanQuery, ScanRecord, Store};
use dlp_workers::error_chain;

use super::{CrawlError, Crawler};

/// What crawl jobs need; built once per process.
pub struct CrawlDeps {
    pub store: Store,
    pub queue: JobQueue,
    pub client: Option<ConfluenceClient>,
    pub sealer: Sealer,
    pub max_attempts: usize,
    /// The rule pack's digest: an incremental scan is full when it differs from the last.
    pub rules_digest: String,
}

/// How a crawl attempt ended, before it is recorded.
pub enum CrawlEnd {
    Done,
    /// Worth another attempt (the network, Confluence's 5xx or 429, the store).
    Retry(String),
    Failed(String),
}

impl CrawlDeps {
    /// Runs one crawl job. Records its outcome unless it is to be retried.
    pub async fn run(&self, job: &ScanJob, attempt: usize) -> CrawlEnd {
        let crawled = match &job.work {
            Work::CrawlSpace { space_key } => self.crawl_space(&job.scan_id, space_key).await,
            Work::CrawlAllSpaces => self.crawl_all(&job.scan_id).await,
            _ => Err(CrawlError::NotACrawl),
        };
        let outcome = match crawled {
            Ok(()) => JobOutcome::Classified,
            Err(e) if e.is_transient() && attempt < self.max_attempts => {
                return CrawlEnd::Retry(error_chain(&e));
            }
            Err(e) => JobOutcome::Failed {
                error: error_chain(&e),
            },
        };
        let end = match &outcome {
            JobOutcome::Failed { error } => CrawlEnd::Failed(error.clone()),
            _ => CrawlEnd::Done,
        };
        match self
            .store
            .record_job(&job.scan_id, &job.item_key, &outcome, &[])
            .await
        {
            Ok(_) => end,
            Err(e) => CrawlEnd::Retry(format!("cannot record the crawl: {}", error_chain(&e))),
        }
    }

    fn client(&self) -> Result<&ConfluenceClient, CrawlError> {
        self.client.as_ref().ok_or(CrawlError::NoSite)
    }

    async fn crawl_space(&self, scan_id: &str, space_key: &str) -> Result<(), CrawlError> {
        let scan = self.store.scan(scan_id).await?;
        let crawler = Crawler {
            client: self.client()?,
            store: &self.store,
            queue: &self.queue,
            sealer: &self.sealer,
            max_attempts: self.max_attempts,
            history: scan.history,
        };
        let stats = match (scan.mode, scan.since) {
            (ScanMode::Incremental, Some(since)) => {
                crawler.crawl_changes(scan_id, space_key, since).await?
            }
            _ => crawler.crawl_space(scan_id, space_key).await?,
        };
        tracing::info!(
            scan = scan_id,
            space = space_key,
            pages = stats.pages,
            blog_posts = stats.blog_posts,
            comments = stats.comments,
            attachments = stats.attachments,
            histories = stats.histories,
            jobs = stats.jobs,
            "crawl finished"
        );
        Ok(())
    }

    /// Starts one scan per readable space under the parent. A crawl handed out again finds
    /// the spaces it already started and does not start them twice.
    async fn crawl_all(&self, parent_id: &str) -> Result<(), CrawlError> {
        let parent = self.store.scan(parent_id).await?;
        let started: Vec<ScanRecord> = self
            .store
            .scans(&ScanQuery {
                parent_id: Some(parent_id.to_owned()),
                limit: 500,
                ..ScanQuery::default()
            })
            .await?;
        let mut started: std::collections::HashSet<String> =
            started.into_iter().filter_map(|s| s.space_key).collect();
        let mut spaces = self.client()?.spaces();
        while let Some(batch) = spaces.next_page().await? {
            if !self.store.scan_is_running(parent_id).await? {
                return Err(CrawlError::Cancelled);
            }
            for space in batch {
                if !started.insert(space.key.clone()) {
                    continue;
                }
                let plan =
                    plan_scan(&self.store, &space.key, parent.mode, &self.rules_digest).await?;
                let child = self
                    .store
                    .create_scan(&NewScan {
                        kind: ScanKind::Space,
                        site: parent.site.clone(),
                        space_key: Some(space.key.clone()),
                        actor: parent.actor.clone(),
                        mode: plan.mode,
                        parent_id: Some(parent_id.to_owned()),
                        since: plan.since,
                        rules_digest: Some(self.rules_digest.clone()),
                        all_spaces: false,
                        history: parent.history,
                    })
                    .await?;
                enqueue_crawl(
                    &self.store,
                    &self.queue,
                    &child,
                    Work::CrawlSpace {
                        space_key: space.key.clone(),
                    },
                    self.max_attempts,
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// How a scan of a space is to run: incremental only when asked for, when the space has a
/// completed scan to start from, and when that scan used the same rule pack (new rules must
/// see old content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanPlan {
    pub mode: ScanMode,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn plan_scan(
    store: &Store,
    space_key: &str,
    asked: ScanMode,
    rules_digest: &str,
) -> Result<ScanPlan, dlp_store::StoreError> {
    let full = ScanPlan {
        mode: ScanMode::Full,
        since: None,
    };
    if asked == ScanMode::Full {
        return Ok(full);
    }
    let Some(last) = store.last_completed_scan(space_key).await? else {
        return Ok(full);
    };
    if last.rules_digest.as_deref() != Some(rules_digest) {
        return Ok(full);
    }
    Ok(ScanPlan {
        mode: ScanMode::Incremental,
        // From when the last scan started, not ended: what changed while it ran is seen again.
        since: Some(last.started_at),
    })
}

/// Registers a scan's crawl as its item and enqueues the job.
pub async fn enqueue_crawl(
    store: &Store,
    queue: &JobQueue,
    scan_id: &str,
    work: Work,
    max_attempts: usize,
) -> Result<(), CrawlError> {
    let key = work.item_key();
    let label = match &work {
        Work::CrawlSpace { space_key } => format!("crawl of space {space_key}"),
        _ => "crawl of every space".to_owned(),
    };
    if store.register_item(scan_id, &key, &label).await? {
        let job = ScanJob {
            scan_id: scan_id.to_owned(),
            item_key: key,
            label,
            work,
        };
        queue.push(job, max_attempts).await?;
    }
    Ok(())
}
