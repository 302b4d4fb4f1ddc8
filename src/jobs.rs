//! The service's job handler: crawl jobs go to ingest, content jobs to the workers crate, and
//! around both what every job of a service scan needs. A job of a scan that is no longer
//! running (cancelled) is dropped; what a job spent in Confluence requests is charged to its
//! scan; and the job that leaves its scan with nothing queued completes it.

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;

use dlp_jobs::{HandlerError, JobHandler, ScanJob, Work};
use dlp_workers::{ScanHandler, error_chain};

use crate::ingest::{CrawlDeps, CrawlEnd};
use crate::metrics::{JobResult, ProcessMetrics};

pub struct ServiceHandler {
    pub content: ScanHandler,
    pub crawl: Arc<CrawlDeps>,
    pub metrics: Arc<ProcessMetrics>,
}

/// The kind of a job, as metrics label it.
fn kind(work: &Work) -> &'static str {
    match work {
        Work::Body { .. } => "body",
        Work::Comments { .. } => "comments",
        Work::Comment { .. } => "comment",
        Work::Attachment { .. } => "attachment",
        Work::History { .. } => "history",
        Work::LocalFile { .. } => "file",
        Work::CrawlSpace { .. } | Work::CrawlAllSpaces => "crawl",
    }
}

impl JobHandler for ServiceHandler {
    fn handle(&self, job: ScanJob, attempt: usize) -> BoxFuture<'_, Result<(), HandlerError>> {
        Box::pin(async move {
            let started = Instant::now();
            let kind = kind(&job.work);
            let store = &self.crawl.store;
            let running = store
                .scan_is_running(&job.scan_id)
                .await
                .map_err(|e| HandlerError(format!("store: {}", error_chain(&e))))?;
            if !running {
                tracing::debug!(scan = %job.scan_id, item = %job.item_key, "scan not running: job dropped");
                self.metrics
                    .job(kind, JobResult::Dropped, started.elapsed());
                return Ok(());
            }
            let (result, requests) = dlp_confluence::count_requests(async {
                match &job.work {
                    Work::CrawlSpace { .. } | Work::CrawlAllSpaces => {
                        match self.crawl.run(&job, attempt).await {
                            CrawlEnd::Done => Ok(()),
                            CrawlEnd::Failed(why) => {
                                tracing::warn!(scan = %job.scan_id, error = %why, "crawl failed");
                                Ok(())
                            }
                            CrawlEnd::Retry(why) => Err(HandlerError(why)),
                        }
                    }
                    _ => self.content.handle(job.clone(), attempt).await,
                }
            })
            .await;
            // Charged and checked whatever happened: a retried attempt spent requests too. A
            // job whose scan cannot be checked is tried again (it is idempotent), or the scan
            // could wait for it forever.
            let ended = store
                .job_ended(&job.scan_id, &job.item_key, requests)
                .await
                .map_err(|e| HandlerError(format!("store: {}", error_chain(&e))));
            let result = result.and(ended.map(|_| ()));
            let counted = if result.is_ok() {
                JobResult::Ended
            } else {
                JobResult::Retried
            };
            self.metrics.job(kind, counted, started.elapsed());
            result
        })
    }
}
