//! The composition root: every part a process needs, built from [`Settings`] in one place.
//!
//! The CLI commands, `serve` and the tests all build an [`App`]; nothing else opens a
//! store, a queue or a Confluence client, loads the rule pack or starts Tesseract. Each
//! backend choice (SQLite or PostgreSQL, embedded queue or Redis) is made here, once, by what
//! the settings hold.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use dlp_cache::{CacheLimits, ClassificationCache, Front, MemoryFront, RedisFront};
use dlp_confluence::{Auth, ClientConfig, ConfluenceClient};
use dlp_engine::{Classifier, Engine, EngineOptions, Fingerprinter, RulePack};
use dlp_extract::image::{CachedOcr, ImageLimits, TesseractOcr};
use dlp_extract::{AttachmentLimits, ExtractError, Format, NoOcr, Ocr, OcrText, StorageLimits};
use dlp_jobs::{JobHandler, JobQueue, PoolOptions, QueueError};
use dlp_store::Store;
use dlp_workers::{ScanHandler, StoreOcrCache, WorkerDeps};
use secrecy::ExposeSecret;
use url::Url;

use crate::config::{ConfigError, Settings};
use crate::ingest::CrawlDeps;
use crate::jobs::ServiceHandler;
use crate::keys::{Keys, TokenHasher};
use crate::metrics::ProcessMetrics;
use crate::remediate::live::{LivePolicies, PolicySet};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("rules: {0}")]
    Rules(String),
    #[error("Confluence: {0}")]
    Confluence(#[from] dlp_confluence::ConfluenceError),
    #[error("store")]
    Store(#[from] dlp_store::StoreError),
    #[error("job queue")]
    Queue(#[from] QueueError),
    #[error("classification cache")]
    Cache(#[from] dlp_cache::CacheError),
}

/// The parts of a running process, wired once.
pub struct App {
    pub settings: Settings,
    pub store: Store,
    pub queue: JobQueue,
    /// Present when a site is configured; local scans need none.
    pub confluence: Option<ConfluenceClient>,
    /// What every job handler shares: the classifier, the sealer, OCR and its cache, limits.
    pub workers: Arc<WorkerDeps>,
    /// How this process runs its worker pool.
    pub pool: PoolOptions,
    /// Hashes API tokens under their purpose key (`serve`, `token`).
    pub token_hasher: TokenHasher,
    /// What crawl jobs need (the scans the service starts are crawled by workers).
    pub crawl: Arc<CrawlDeps>,
    /// What this process counts of its own work (jobs, Confluence's answers).
    pub metrics: Arc<ProcessMetrics>,
    /// The remediation policies in force: `settings.remediation`'s at start, then whatever
    /// `serve`'s reloader put in ([`App::policies`]).
    live_policies: LivePolicies,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.store)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl App {
    pub async fn build(settings: Settings) -> Result<App, AppError> {
        settings.validate()?;
        settings.ensure_data_dir()?;
        let keys = Keys::load(&settings)?;
        let confluence = confluence_client(&settings)?;
        // Compiling the rules is most of a start (0.3 s); the store and the queue open
        // meanwhile.
        let building = {
            let (settings, fingerprinter) = (settings.clone(), keys.fingerprinter());
            tokio::task::spawn_blocking(move || classifier(&settings, fingerprinter))
        };
        let store = open_store(&settings).await?;
        let heartbeat = Duration::from_secs(settings.workers.heartbeat_secs.max(1));
        let queue = JobQueue::open(
            settings.redis_url.as_ref(),
            &settings.embedded_queue_path(),
            &settings.workers.queue,
            heartbeat,
        )
        .await?;
        let classifier = building
            .await
            .map_err(|e| AppError::Rules(format!("compiling the rules stopped: {e}")))??;
        let sealer = keys.sealer();
        let ocr = ocr(Arc::new(StoreOcrCache::new(
            store.clone(),
            sealer.clone(),
            tokio::runtime::Handle::current(),
        )));
        let cache = Arc::new(classification_cache(&settings, &store).await?);
        let workers = Arc::new(WorkerDeps {
            store: store.clone(),
            classifier,
            sealer,
            client: confluence.clone(),
            max_attempts: settings.workers.max_attempts,
            storage_limits: StorageLimits::default(),
            attachment_limits: AttachmentLimits {
                max_bytes: usize::try_from(settings.confluence.max_download_bytes)
                    .unwrap_or(usize::MAX),
                ..AttachmentLimits::default()
            },
            ocr,
            cache,
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
        let token_hasher = keys.token_hasher();
        let crawl = Arc::new(CrawlDeps {
            store: store.clone(),
            queue: queue.clone(),
            client: confluence.clone(),
            sealer: workers.sealer.clone(),
            max_attempts: settings.workers.max_attempts,
            rules_digest: workers.classifier.engine().digest().to_owned(),
        });
        let live_policies = LivePolicies::new(PolicySet::from_settings(&settings.remediation));
        Ok(App {
            live_policies,
            settings,
            store,
            queue,
            confluence,
            workers,
            pool,
            token_hasher,
            crawl,
            metrics: Arc::new(ProcessMetrics::new()),
        })
    }

    /// The remediation policies (and notify settings) in force now. Take it once per plan or
    /// action and use that snapshot throughout: a reload in between must not mix two
    /// versions of the file.
    pub fn policies(&self) -> Arc<PolicySet> {
        self.live_policies.current()
    }

    /// Where a reload puts a new set ([`crate::remediate::reload`]).
    pub fn live_policies(&self) -> &LivePolicies {
        &self.live_policies
    }

    /// The handler a worker pool runs jobs with.
    pub fn handler(&self) -> Arc<dyn JobHandler> {
        Arc::new(ServiceHandler {
            content: ScanHandler(self.workers.clone()),
            crawl: self.crawl.clone(),
            metrics: self.metrics.clone(),
        })
    }

    /// The digest of the rule pack this process classifies with.
    pub fn rules_digest(&self) -> &str {
        &self.crawl.rules_digest
    }

    /// Closes the store's and the queue's connections, waiting for those in use. An embedded
    /// SQLite file whose last connection closes folds its `-wal` file back and removes it,
    /// so a finished command leaves no `-wal`/`-shm` files behind.
    pub async fn close(&self) {
        self.store.close().await;
        self.queue.close().await;
    }

    /// Runs this process's worker pool until `shutdown` resolves.
    pub async fn run_workers(
        &self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), QueueError> {
        self.queue
            .run_pool(self.handler(), &self.pool, shutdown)
            .await
    }
}

/// The store the settings name, migrated; for commands that need nothing else (`migrate`).
pub async fn open_store(settings: &Settings) -> Result<Store, AppError> {
    settings.validate()?;
    settings.ensure_data_dir()?;
    Ok(Store::connect(settings.store_url().expose_secret()).await?)
}

/// The Confluence client of the configured site, with the credentials [`Auth::resolve`] makes
/// of the settings; `None` without a site.
pub fn confluence_client(settings: &Settings) -> Result<Option<ConfluenceClient>, AppError> {
    let c = &settings.confluence;
    let Some(site) = c.site.as_deref() else {
        return Ok(None);
    };
    let site = Url::parse(site).map_err(|_| ConfigError::Invalid {
        name: "confluence.site (CONFLUENCE_SITE, --site)",
        reason: "not a URL; give the site root, e.g. https://acme.atlassian.net, or a Data \
                 Center base URL, e.g. https://wiki.acme.internal/confluence"
            .into(),
    })?;
    let auth = Auth::resolve(c.email.as_deref(), c.api_token.as_ref(), c.pat.as_ref())?;
    client_for(settings, site, auth).map(Some)
}

/// A client of the configured site acting as its space administrator
/// (`[remediation.space_admin]`); `None` when no such credential is configured.
pub fn space_admin_client(settings: &Settings) -> Result<Option<ConfluenceClient>, AppError> {
    let admin = &settings.remediation.space_admin;
    let Some(site) = settings.confluence.site.as_deref() else {
        return Ok(None);
    };
    if !admin.is_set() {
        return Ok(None);
    }
    let site = Url::parse(site).map_err(|_| ConfigError::Invalid {
        name: "confluence.site (CONFLUENCE_SITE, --site)",
        reason: "not a URL".into(),
    })?;
    let auth = Auth::resolve(
        admin.email.as_deref(),
        admin.api_token.as_ref(),
        admin.pat.as_ref(),
    )
    .map_err(|_| ConfigError::Invalid {
        name: "remediation.space_admin",
        reason: "set DLP_SPACE_ADMIN_EMAIL with DLP_SPACE_ADMIN_API_TOKEN (Cloud), or \
                     DLP_SPACE_ADMIN_PAT (Data Center), not both"
            .into(),
    })?;
    client_for(settings, site, auth).map(Some)
}

fn client_for(settings: &Settings, site: Url, auth: Auth) -> Result<ConfluenceClient, AppError> {
    let c = &settings.confluence;
    let mut config = ClientConfig::new(site, auth);
    config.flavor = c.flavor;
    config.page_limit = c.page_limit;
    config.max_requests_per_sec = c.max_requests_per_sec;
    config.max_retries = c.max_retries;
    config.request_timeout = Duration::from_secs(c.request_timeout_secs);
    config.max_download_bytes = c.max_download_bytes;
    Ok(ConfluenceClient::new(config)?)
}

/// The built-in rule pack with the configured rule files over it (same id overrides).
pub fn rule_pack(settings: &Settings) -> Result<RulePack, AppError> {
    let mut pack = RulePack::builtin();
    for path in &settings.rules.paths {
        pack = pack.merge(rule_file(path)?);
    }
    Ok(pack)
}

/// One rule file, or every `*.toml` file of a folder. Errors name the file and the rule.
pub fn rule_file(path: &std::path::Path) -> Result<RulePack, AppError> {
    let rules = |e: &dyn std::fmt::Display| AppError::Rules(e.to_string());
    if path.is_dir() {
        return RulePack::load_dir(path).map_err(|e| rules(&e));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Rules(format!("cannot read rule file {}: {e}", path.display())))?;
    RulePack::from_toml_str(&path.display().to_string(), &text).map_err(|e| rules(&e))
}

/// The cache in Redis when the deployment has one (every process shares it), else in this
/// process; the store behind it either way.
async fn classification_cache(
    settings: &Settings,
    store: &Store,
) -> Result<ClassificationCache, AppError> {
    let limits = CacheLimits {
        max_entries: settings.cache.max_entries.max(1),
        max_age: Duration::from_secs(settings.cache.max_age_secs.max(1)),
    };
    let front = match &settings.redis_url {
        Some(url) => {
            let prefix = settings
                .cache
                .redis_prefix
                .clone()
                .unwrap_or_else(|| format!("{}:cache:v1", settings.workers.queue));
            Front::Redis(RedisFront::connect(url.expose_secret(), &prefix, limits).await?)
        }
        None => Front::Memory(MemoryFront::new(limits)),
    };
    Ok(ClassificationCache::new(front, store.clone())
        .with_near_cache(Duration::from_millis(settings.cache.near_cache_ms)))
}

/// The automata the built-in rules' engine builds at its start, worked out by `build.rs`.
static PREBUILT_AUTOMATA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/automata.bin"));

/// Gives this process's engines the automata worked out when the binary was built (see
/// `dlp_engine::prebuilt`); returns how many answers the table holds. Idempotent.
pub fn install_prebuilt_automata() -> usize {
    dlp_engine::prebuilt::install(PREBUILT_AUTOMATA)
}

fn classifier(settings: &Settings, fingerprinter: Fingerprinter) -> Result<Classifier, AppError> {
    install_prebuilt_automata();
    let rules = |e: &dyn std::fmt::Display| AppError::Rules(e.to_string());
    let options = EngineOptions {
        min_confidence: settings.rules.min_confidence,
        ..EngineOptions::default()
    };
    let engine = Engine::new(rule_pack(settings)?, options).map_err(|e| rules(&e))?;
    // Built beside the rest of the start (the store opening, a local scan's walk) rather
    // than by the first files: a scan's threads that met the digit rules' search unbuilt
    // went without it or waited. If no thread can be started, the first scan builds it.
    let _ = std::thread::Builder::new()
        .name("rule-groups".into())
        .spawn(engine.group_searches());
    Classifier::new(engine, fingerprinter)
        .with_suppressions(&settings.rules.suppressions)
        .map_err(|e| rules(&e))
}

/// Tesseract with the English model, its results cached in the store, started on the first
/// image: loading the model takes most of a second that a scan of text and documents should
/// not pay. A process where Tesseract cannot start (the model not installed) still scans: its
/// images are reported as not extracted, never as clean, and the warning says why.
struct LazyOcr {
    cache: Arc<StoreOcrCache>,
    engine: OnceLock<Box<dyn Ocr>>,
}

impl LazyOcr {
    fn start(&self) -> Box<dyn Ocr> {
        match TesseractOcr::new("eng", ImageLimits::default()) {
            Ok(tesseract) => {
                tracing::info!(engine = tesseract.engine_identity(), "OCR ready");
                Box::new(CachedOcr::new(tesseract, self.cache.clone()))
            }
            Err(e) => {
                tracing::warn!(error = %e, "OCR unavailable; images will be reported as not extracted");
                Box::new(NoOcr)
            }
        }
    }
}

impl Ocr for LazyOcr {
    // Extraction calls this on a blocking thread, where loading the model may block.
    fn recognize(&self, image: &[u8], format: Format) -> Result<OcrText, ExtractError> {
        self.engine
            .get_or_init(|| self.start())
            .recognize(image, format)
    }
}

fn ocr(cache: Arc<StoreOcrCache>) -> Box<dyn Ocr> {
    Box::new(LazyOcr {
        cache,
        engine: OnceLock::new(),
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into())
}
