//! A whole scan, from start to summary: register it, crawl (or walk local paths), let the
//! workers drain the jobs, and collect what the store recorded. The CLI and the tests call
//! this; a `worker` process only runs the pool.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use secrecy::ExposeSecret;

use crate::classify::Classifier;
use crate::config::Settings;
use crate::confluence::ConfluenceClient;
use crate::domain::{ContentRef, ContentType, Finding};
use crate::extract::image::{CachedOcr, ImageLimits, TesseractOcr};
use crate::extract::{AttachmentLimits, NoOcr, Ocr, StorageLimits};
use crate::ingest::{CrawlStats, Crawler};
use crate::jobs::{JobQueue, PoolOptions, ScanJob, Sealer, Work};
use crate::store::{NewScan, ScanItemRow, ScanKind, ScanProgress, ScanStatus, Store};
use crate::workers::{self, WorkerDeps};

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("rules: {0}")]
    Rules(String),
    #[error("store")]
    Store(#[from] crate::store::StoreError),
    #[error("job queue")]
    Queue(#[from] crate::jobs::QueueError),
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

/// The parts every scan and worker process wires the same way.
pub struct Runtime {
    pub store: Store,
    pub queue: JobQueue,
    pub deps: Arc<WorkerDeps>,
    pub pool: PoolOptions,
}

impl Runtime {
    pub async fn start(settings: &Settings, client: Option<ConfluenceClient>) -> Result<Self, ScanError> {
        settings.validate()?;
        settings.ensure_data_dir()?;
        let server_key = settings.server_key()?;
        let store = Store::connect(settings.store_url().expose_secret()).await?;
        let heartbeat = Duration::from_secs(settings.workers.heartbeat_secs.max(1));
        let queue = JobQueue::open(settings.redis_url.as_ref(), &settings.embedded_queue_path(), &settings.workers.queue, heartbeat).await?;
        let classifier = build_classifier(settings, &server_key)?;
        let sealer = Sealer::new(&server_key);
        let ocr = build_ocr(&store, &sealer).await;
        let deps = Arc::new(WorkerDeps {
            store: store.clone(),
            classifier,
            sealer,
            client,
            max_attempts: settings.workers.max_attempts,
            storage_limits: StorageLimits::default(),
            attachment_limits: AttachmentLimits {
                max_bytes: usize::try_from(settings.confluence.max_download_bytes).unwrap_or(usize::MAX),
                ..AttachmentLimits::default()
            },
            ocr,
        });
        let pool = PoolOptions {
            name: format!("confluence-dlp-{}-{}", hostname(), std::process::id()),
            concurrency: settings.workers.concurrency,
            // All attempts run in the worker that took the job, with backoff between them; the
            // queue hands a job out again only when its worker dies.
            retries: settings.workers.max_attempts.saturating_sub(1),
            job_timeout: settings.job_timeout(),
            heartbeat,
            poll_interval: Duration::from_millis(200),
        };
        Ok(Runtime { store, queue, deps, pool })
    }

    /// Runs the worker pool until `shutdown` resolves.
    pub async fn run_workers(&self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> Result<(), ScanError> {
        Ok(self.queue.run_pool(self.deps.clone(), &self.pool, shutdown).await?)
    }
}

/// Tesseract with the English model, its results cached in the store. A process where
/// Tesseract cannot start (the model not installed) still scans: its images are reported as
/// not extracted, never as clean, and the warning says why.
async fn build_ocr(store: &Store, sealer: &Sealer) -> Box<dyn Ocr> {
    // Loading the model reads tens of megabytes: not on an async thread.
    let started = tokio::task::spawn_blocking(|| TesseractOcr::new("eng", ImageLimits::default())).await;
    match started {
        Ok(Ok(tesseract)) => {
            tracing::info!(engine = tesseract.engine_identity(), "OCR ready");
            // libgomp reads it before main, so only the environment can set it.
            if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
                tracing::warn!(
                    "OMP_THREAD_LIMIT is not set: Tesseract's OpenMP threads compete with the worker pool \
                     and OCR runs several times slower; set OMP_THREAD_LIMIT=1 (docs/benchmarks.md, OCR)"
                );
            }
            Box::new(CachedOcr::new(tesseract, store.clone(), sealer.clone(), tokio::runtime::Handle::current()))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "OCR unavailable; images will be reported as not extracted");
            Box::new(NoOcr)
        }
        Err(_) => {
            tracing::warn!("OCR start-up stopped; images will be reported as not extracted");
            Box::new(NoOcr)
        }
    }
}

fn build_classifier(settings: &Settings, server_key: &secrecy::SecretBox<[u8]>) -> Result<Classifier, ScanError> {
    use crate::classify::{Engine, EngineOptions, Fingerprinter, RulePack};
    let rules = |e: &dyn std::fmt::Display| ScanError::Rules(e.to_string());
    let mut pack = RulePack::builtin();
    for path in &settings.rules.paths {
        let extra = if path.is_dir() {
            RulePack::load_dir(path).map_err(|e| rules(&e))?
        } else {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ScanError::Rules(format!("cannot read {}: {}", path.display(), e.kind())))?;
            RulePack::from_toml_str(&path.display().to_string(), &text).map_err(|e| rules(&e))?
        };
        pack = pack.merge(extra);
    }
    let options = EngineOptions { min_confidence: settings.rules.min_confidence, ..EngineOptions::default() };
    let engine = Engine::new(pack, options).map_err(|e| rules(&e))?;
    let key = secrecy::SecretSlice::from(server_key.expose_secret().to_vec());
    let fingerprinter = Fingerprinter::new(key).map_err(|e| rules(&e))?;
    Classifier::new(engine, fingerprinter).with_suppressions(&settings.rules.suppressions).map_err(|e| rules(&e))
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "host".into())
}

/// Runs one scan to completion (or, with `run_workers` off, to the end of the crawl).
pub async fn run_scan(
    settings: &Settings,
    client: Option<ConfluenceClient>,
    request: ScanRequest,
    mut on_progress: impl FnMut(&ScanProgress),
) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    let runtime = Runtime::start(settings, client.clone()).await?;
    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "runtime started");
    let (kind, site, space_key) = match &request.target {
        ScanTarget::Space { space_key } => (ScanKind::Space, settings.confluence.site.clone(), Some(space_key.clone())),
        ScanTarget::Paths(_) => (ScanKind::Paths, None, None),
    };
    let scan_id = runtime.store.create_scan(&NewScan { kind, site, space_key, actor: "cli".into() }).await?;

    let crawl = match &request.target {
        ScanTarget::Paths(paths) => {
            let stats = scan_paths(&runtime, &scan_id, paths, settings.workers.concurrency).await?;
            runtime.store.finish_scan(&scan_id, ScanStatus::Completed).await?;
            stats
        }
        ScanTarget::Space { space_key } => {
            let client = client.as_ref().ok_or_else(|| ScanError::Input("scanning a space needs --site".into()))?;
            let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
            let pool = if request.run_workers {
                let deps = runtime.deps.clone();
                let queue = runtime.queue.clone();
                let options = runtime.pool.clone();
                Some(tokio::spawn(async move {
                    queue.run_pool(deps, &options, async move { let _ = stop_rx.await; }).await
                }))
            } else {
                None
            };
            let crawler = Crawler {
                client,
                store: &runtime.store,
                queue: &runtime.queue,
                sealer: &runtime.deps.sealer,
                max_attempts: settings.workers.max_attempts,
            };
            let crawled = crawler.crawl_space(&scan_id, space_key).await;
            tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "crawl finished");
            let crawled = match crawled {
                Ok(stats) => stats,
                Err(e) => {
                    let _ = stop_tx.send(());
                    runtime.store.finish_scan(&scan_id, ScanStatus::Failed).await?;
                    return Err(e.into());
                }
            };
            if let Some(mut pool) = pool {
                let waited = wait_until_drained(&runtime.store, &scan_id, &mut on_progress, &mut pool).await;
                tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "scan drained");
                let _ = stop_tx.send(());
                stop_pool(pool).await;
                tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "pool stopped");
                waited?;
                runtime.store.finish_scan(&scan_id, ScanStatus::Completed).await?;
            }
            crawled
        }
    };

    let progress = runtime.store.scan_progress(&scan_id).await?;
    on_progress(&progress);
    Ok(ScanOutcome {
        findings: runtime.store.scan_findings(&scan_id).await?,
        problems: runtime.store.scan_item_problems(&scan_id).await?,
        queue: runtime.queue.kind(),
        scan_id,
        progress,
        crawl,
        elapsed: started.elapsed(),
        api_requests: client.map(|c| c.request_count()).unwrap_or(0),
    })
}

type PoolTask = tokio::task::JoinHandle<Result<(), crate::jobs::QueueError>>;

/// Stops the in-process pool once this scan is drained. apalis notices the stop signal only at
/// its next heartbeat (seconds); every item of this scan already has its outcome, so the pool
/// gets a moment to acknowledge its last jobs and is then dropped. A job acknowledged too late
/// is handed out again after the heartbeat timeout and changes nothing (handlers are idempotent).
async fn stop_pool(mut pool: PoolTask) {
    if tokio::time::timeout(Duration::from_secs(1), &mut pool).await.is_err() {
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
            return Err(ScanError::Input(format!("the worker pool ended before the scan was done: {why}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Local files skip the queue: a job naming a path on this machine means nothing to a worker
/// on another. They run through the same handler, `concurrency` at a time.
async fn scan_paths(runtime: &Runtime, scan_id: &str, paths: &[PathBuf], concurrency: usize) -> Result<CrawlStats, ScanError> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files)?;
    }
    let mut stats = CrawlStats::default();
    let mut jobs = Vec::with_capacity(files.len());
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let shown = path.display().to_string();
        let item = ContentRef {
            space_key: "local".into(),
            content_type: ContentType::Attachment,
            page_id: path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
            page_version: None,
            comment_id: None,
            attachment_id: Some(shown.clone()),
            attachment_title: Some(name),
        };
        let key = format!("file:{shown}");
        runtime.store.enqueue_item(scan_id, &key, &shown).await?;
        jobs.push(ScanJob { scan_id: scan_id.to_owned(), item_key: key, label: shown, work: Work::LocalFile { item, path } });
        stats.attachments += 1;
        stats.jobs += 1;
    }
    let deps = runtime.deps.clone();
    let results: Vec<_> = futures::stream::iter(jobs)
        .map(|job| {
            let deps = deps.clone();
            // Local files are read once: a failure to read one is its final outcome.
            async move { workers::execute(&job, &deps, deps.max_attempts).await }
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
    let meta = std::fs::symlink_metadata(path).map_err(|e| ScanError::Input(format!("{}: {}", path.display(), e.kind())))?;
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
