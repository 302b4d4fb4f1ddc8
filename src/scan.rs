//! A whole scan, from start to summary: register it, crawl (or walk local paths), let the
//! workers drain the jobs, and collect what the store recorded. The CLI and the tests call
//! this; a `worker` process only runs the pool.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::StreamExt;

use dlp_domain::{ContentRef, ContentType, Finding};
use dlp_jobs::{ScanJob, Work};
use dlp_store::{NewScan, ScanItemRow, ScanKind, ScanProgress, ScanStatus, Store};

use crate::app::App;
use crate::ingest::{CrawlStats, Crawler};

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
    Space { space_key: String },
    Paths(Vec<PathBuf>),
}

#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub target: ScanTarget,
    /// Run a worker pool in this process (the default); off, jobs wait for `worker` processes.
    pub run_workers: bool,
}

#[derive(Debug)]
pub struct ScanOutcome {
    pub scan_id: String,
    pub queue: &'static str,
    pub findings: Vec<Finding>,
    pub progress: ScanProgress,
    pub problems: Vec<ScanItemRow>,
    pub crawl: CrawlStats,
    pub elapsed: Duration,
    /// HTTP requests the client made to Confluence in this process (retries included).
    pub api_requests: u64,
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
    };
    let scan_id = app
        .store
        .create_scan(&NewScan {
            kind,
            site,
            space_key,
            actor: "cli".into(),
        })
        .await?;

    let crawl = match &request.target {
        ScanTarget::Paths(paths) => {
            let stats = scan_paths(app, &scan_id, paths, settings.workers.concurrency).await?;
            app.store
                .finish_scan(&scan_id, ScanStatus::Completed)
                .await?;
            stats
        }
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
            };
            let crawled = crawler.crawl_space(&scan_id, space_key).await;
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
        problems: app.store.scan_item_problems(&scan_id).await?,
        queue: app.queue.kind(),
        scan_id,
        progress,
        crawl,
        elapsed: started.elapsed(),
        api_requests: client.map(|c| c.request_count()).unwrap_or(0),
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

/// Local files skip the queue: a job naming a path on this machine means nothing to a worker
/// on another. They run through the same handler, `concurrency` at a time.
async fn scan_paths(
    app: &App,
    scan_id: &str,
    paths: &[PathBuf],
    concurrency: usize,
) -> Result<CrawlStats, ScanError> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files)?;
    }
    let mut stats = CrawlStats::default();
    let mut jobs = Vec::with_capacity(files.len());
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = path.display().to_string();
        let item = ContentRef {
            space_key: "local".into(),
            content_type: ContentType::File,
            page_id: shown.clone(),
            page_version: None,
            comment_id: None,
            attachment_id: None,
            attachment_title: Some(name),
        };
        let key = dlp_jobs::item_key(&item);
        app.store.enqueue_item(scan_id, &key, &shown).await?;
        jobs.push(ScanJob {
            scan_id: scan_id.to_owned(),
            item_key: key,
            label: shown,
            work: Work::LocalFile { item, path },
        });
        stats.attachments += 1;
        stats.jobs += 1;
    }
    let deps = app.workers.clone();
    let results: Vec<_> = futures::stream::iter(jobs)
        .map(|job| {
            let deps = deps.clone();
            // Local files are read once: a failure to read one is its final outcome.
            async move { dlp_workers::execute(&job, &deps, deps.max_attempts).await }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    // A file that failed was recorded as failed; an error here means the store itself failed.
    for r in results {
        r.map_err(|e| ScanError::Input(e.to_string()))?;
    }
    Ok(stats)
}

fn collect_files(path: &std::path::Path, out: &mut Vec<PathBuf>) -> Result<(), ScanError> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| ScanError::Input(format!("{}: {}", path.display(), e.kind())))?;
    if meta.is_file() {
        out.push(path.to_owned());
    } else if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| ScanError::Input(format!("{}: {}", path.display(), e.kind())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            collect_files(&entry, out)?;
        }
    }
    // Symlinks and special files are not followed: a scan of a folder stays inside it.
    Ok(())
}
