//! A whole scan, from start to summary: register it, crawl (or walk local paths), let the
//! workers drain the jobs, and collect what the store recorded. The CLI and the tests call
//! this; a `worker` process only runs the pool.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use dlp_domain::{Finding, HistoryDepth};
use dlp_store::{NewScan, ScanItemRow, ScanKind, ScanProgress, ScanStatus, Store};

use crate::app::App;
use crate::ingest::{CrawlStats, Crawler};

mod all_spaces;
mod local;
mod start;

pub use local::LocalPaths;

pub use start::{ScanScope, StartError, StartScan, start_scan};

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("store")]
    Store(#[from] dlp_store::StoreError),
    #[error("job queue")]
    Queue(#[from] dlp_jobs::QueueError),
    #[error("crawl")]
    Crawl(#[from] crate::ingest::CrawlError),
    #[error("{0}")]
    Input(String),
}

#[derive(Debug, Clone)]
pub enum ScanTarget {
    Space {
        space_key: String,
    },
    /// Every space the credentials can read, as the service runs it: a parent scan whose
    /// crawl job starts one scan per space.
    AllSpaces,
    /// Local files and folders, walked as soon as they are given.
    Paths(local::LocalPaths),
}

#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub target: ScanTarget,
    /// Run a worker pool in this process (the default); off, jobs wait for `worker` processes.
    pub run_workers: bool,
    /// A space scan reads only what changed since the space's last completed scan, when
    /// there is one with the same rules.
    pub incremental: bool,
    /// Also read the older versions of pages and blog posts, this far back (`--history`).
    pub history: Option<HistoryDepth>,
}

#[derive(Debug)]
pub struct ScanOutcome {
    pub scan_id: String,
    pub queue: &'static str,
    pub findings: Vec<Finding>,
    /// The ids of `findings` that sit in a page's older versions only: the value is gone
    /// from the page's current body (see `FindingRecord::in_history_only`).
    pub in_history_only: HashSet<String>,
    pub progress: ScanProgress,
    pub problems: Vec<ScanItemRow>,
    pub crawl: CrawlStats,
    pub elapsed: Duration,
    /// HTTP requests the client made to Confluence in this process (retries included).
    pub api_requests: u64,
    /// Which Confluence answered and why that one: `datacenter (configured)`.
    pub flavor: Option<String>,
}

/// Runs one scan to completion (or, with `run_workers` off, to the end of the crawl).
pub async fn run_scan(
    app: &App,
    request: ScanRequest,
    mut on_progress: impl FnMut(&ScanProgress),
) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    let settings = &app.settings;
    let client = app.confluence.as_ref();
    let (kind, site, space_key) = match &request.target {
        ScanTarget::Space { space_key } => (
            ScanKind::Space,
            settings.confluence.site.clone(),
            Some(space_key.clone()),
        ),
        ScanTarget::Paths(_) => (ScanKind::Paths, None, None),
        ScanTarget::AllSpaces => {
            return all_spaces::run(
                app,
                request.run_workers,
                request.history,
                started,
                &mut on_progress,
            )
            .await;
        }
    };
    let plan = match (&space_key, request.incremental) {
        (Some(key), true) => {
            crate::ingest::crawl_job::plan_scan(
                &app.store,
                key,
                dlp_store::ScanMode::Incremental,
                app.rules_digest(),
            )
            .await?
        }
        _ => crate::ingest::crawl_job::ScanPlan {
            mode: dlp_store::ScanMode::Full,
            since: None,
        },
    };
    let scan_id = app
        .store
        .create_scan(&NewScan {
            kind,
            site,
            space_key,
            actor: "cli".into(),
            rules_digest: Some(app.rules_digest().to_owned()),
            mode: plan.mode,
            since: plan.since,
            history: request.history,
            ..Default::default()
        })
        .await?;

    let crawl = match &request.target {
        ScanTarget::Paths(paths) => {
            let stats =
                local::scan_paths(app, &scan_id, paths, settings.workers.concurrency).await?;
            app.store
                .finish_scan(&scan_id, ScanStatus::Completed)
                .await?;
            stats
        }
        // Handled by `all_spaces::run` above.
        ScanTarget::AllSpaces => CrawlStats::default(),
        ScanTarget::Space { space_key } => {
            let client = client.ok_or_else(|| {
                ScanError::Input(
                    "scanning a space needs a site: give --site or CONFLUENCE_SITE".into(),
                )
            })?;
            let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
            let pool = if request.run_workers {
                let handler = app.handler();
                let queue = app.queue.clone();
                let options = app.pool.clone();
                Some(tokio::spawn(async move {
                    queue
                        .run_pool(handler, &options, async move {
                            let _ = stop_rx.await;
                        })
                        .await
                }))
            } else {
                None
            };
            let crawler = Crawler {
                client,
                store: &app.store,
                queue: &app.queue,
                sealer: &app.workers.sealer,
                max_attempts: settings.workers.max_attempts,
                history: request.history,
            };
            // The crawl is an item of the scan, as when a worker runs it: until it has ended,
            // workers that drain the jobs enqueued so far do not complete the scan.
            let crawl_key = dlp_jobs::crawl_key(Some(space_key));
            app.store
                .enqueue_item(&scan_id, &crawl_key, &format!("crawl of space {space_key}"))
                .await?;
            let crawled = match plan.since {
                Some(since) => crawler.crawl_changes(&scan_id, space_key, since).await,
                None => crawler.crawl_space(&scan_id, space_key).await,
            };
            let outcome = match &crawled {
                Ok(_) => dlp_store::JobOutcome::Classified,
                Err(e) => dlp_store::JobOutcome::Failed {
                    error: dlp_workers::error_chain(e),
                },
            };
            app.store
                .record_job(&scan_id, &crawl_key, &outcome, &[])
                .await?;
            // The pool may have drained every job before the crawl was recorded.
            app.store.complete_if_drained(&scan_id).await?;
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "crawl finished"
            );
            let crawled = match crawled {
                Ok(stats) => stats,
                Err(e) => {
                    let _ = stop_tx.send(());
                    app.store.finish_scan(&scan_id, ScanStatus::Failed).await?;
                    return Err(e.into());
                }
            };
            if let Some(mut pool) = pool {
                let waited =
                    wait_until_drained(&app.store, &scan_id, &mut on_progress, &mut pool).await;
                tracing::debug!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "scan drained"
                );
                let _ = stop_tx.send(());
                stop_pool(pool).await;
                tracing::debug!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "pool stopped"
                );
                waited?;
                app.store
                    .finish_scan(&scan_id, ScanStatus::Completed)
                    .await?;
            }
            crawled
        }
    };

    let progress = app.store.scan_progress(&scan_id).await?;
    on_progress(&progress);
    Ok(ScanOutcome {
        findings: app.store.scan_findings(&scan_id).await?,
        in_history_only: app.store.scan_findings_in_history_only(&scan_id).await?,
        problems: app.store.scan_item_problems(&scan_id).await?,
        queue: app.queue.kind(),
        scan_id,
        progress,
        crawl,
        elapsed: started.elapsed(),
        api_requests: client.map(|c| c.request_count()).unwrap_or(0),
        flavor: client.map(|c| format!("{} ({})", c.flavor(), c.flavor_reason())),
    })
}

type PoolTask = tokio::task::JoinHandle<Result<(), dlp_jobs::QueueError>>;

/// Stops the in-process pool once this scan is drained. apalis notices the stop signal only at
/// its next heartbeat (seconds); every item of this scan already has its outcome, so the pool
/// gets a moment to acknowledge its last jobs and is then dropped. A job acknowledged too late
/// is handed out again after the heartbeat timeout and changes nothing (handlers are idempotent).
async fn stop_pool(mut pool: PoolTask) {
    if tokio::time::timeout(Duration::from_secs(1), &mut pool)
        .await
        .is_err()
    {
        pool.abort();
        let _ = pool.await;
    }
}

async fn wait_until_drained(
    store: &Store,
    scan_id: &str,
    on_progress: &mut impl FnMut(&ScanProgress),
    pool: &mut PoolTask,
) -> Result<(), ScanError> {
    loop {
        let progress = store.scan_progress(scan_id).await?;
        on_progress(&progress);
        if progress.queued == 0 {
            return Ok(());
        }
        if pool.is_finished() {
            let why = match pool.await {
                Ok(Ok(())) => "it stopped".to_owned(),
                Ok(Err(e)) => e.to_string(),
                Err(e) => format!("it panicked or was cancelled: {e}"),
            };
            return Err(ScanError::Input(format!(
                "the worker pool ended before the scan was done: {why}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
