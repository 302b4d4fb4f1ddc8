//! One typed `Settings`, loaded in layers: defaults, an optional TOML file, then environment
//! variables (`DLP_…`, plus the conventional `DATABASE_URL`, `REDIS_URL`, `CONFLUENCE_…`), then
//! command-line flags (applied by the CLI). Secrets are `SecretString` so they never print.
//!
//! The choice of backends is made here, once: no `REDIS_URL` means the embedded job queue,
//! no `DATABASE_URL` means the SQLite file under `data_dir`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("cannot prepare data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the embedded backends keep their files and the generated server key.
    pub data_dir: PathBuf,
    /// `postgres://…` for production; unset means `sqlite://DATA_DIR/dlp.sqlite`.
    pub database_url: Option<SecretString>,
    /// `redis://…` for production; unset means the embedded SQLite-backed job queue.
    pub redis_url: Option<SecretString>,
    /// Key for value fingerprints (HMAC-SHA256) and for sealing job payloads; at least 32
    /// bytes, hex. Unset: generated once and kept in `DATA_DIR/server.key`. Every process of a
    /// deployment must share it, or the same value fingerprints differently.
    pub server_key: Option<SecretString>,
    /// Where `serve` listens (`DLP_LISTEN`, `--listen`); loopback unless chosen otherwise.
    pub listen: SocketAddr,
    pub api: ApiSettings,
    pub confluence: ConfluenceSettings,
    pub workers: WorkerSettings,
    pub rules: RuleSettings,
    /// Scans the scheduler role starts (`[[schedules]]` in the config file).
    pub schedules: Vec<ScheduleSettings>,
    pub scheduler: SchedulerSettings,
    /// Confluence's webhooks, received by the API role (`/webhooks/...`).
    pub webhooks: WebhookSettings,
    /// The classification cache that redactor lookups ask (`[cache]`).
    pub cache: CacheSettings,
    /// The MCP redacting proxy (`[mcp_proxy]`, `confluence-dlp mcp-proxy`).
    pub mcp_proxy: crate::mcp::McpProxySettings,
    /// What to do about findings (`[[remediation.policies]]`, `[remediation.notify]`). The
    /// policies and notify settings here are those of the start; the ones in force are
    /// `App::policies()`, which `serve` reloads from `config_file`.
    pub remediation: crate::remediate::RemediationSettings,
    /// The file these settings were loaded from (`--config`, `DLP_CONFIG`), and what it held
    /// then: what `serve` re-reads for the remediation policies. Never in the file itself.
    #[serde(skip)]
    pub config_file: Option<ConfigFile>,
}

/// The config file a process started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// SHA-256 of the bytes read at start: a reload is due when the file no longer hashes
    /// to it.
    pub sha256: [u8; 32],
}

impl ConfigFile {
    pub fn hash(bytes: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(bytes).into()
    }
}

/// The classification cache: in Redis when `REDIS_URL` is set (shared by every process),
/// else in this process; bounded either way.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// Most verdicts, and most known values, kept: the oldest go first.
    pub max_entries: usize,
    /// How long an entry is served before the store is asked again.
    pub max_age_secs: u64,
    /// Redis key prefix; unset, the queue's name and `:cache:v1`, so that deployments that
    /// share a Redis (each with its own queue) keep their caches apart.
    pub redis_prefix: Option<String>,
    /// With Redis: how long a process keeps what it read from it (0: not at all). A lookup
    /// of a hot item then needs no round trip; an invalidation made by another process
    /// reaches this one within it (until then it over-redacts, never under).
    pub near_cache_ms: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            max_entries: 100_000,
            max_age_secs: 7 * 24 * 3600,
            redis_prefix: None,
            near_cache_ms: 1000,
        }
    }
}

/// The webhook receivers. Each is off until configured: an unconfigured receiver answers 404,
/// so no unverified request can ever become a job.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    pub forge: Option<ForgeWebhookSettings>,
    pub datacenter: Option<DataCenterWebhookSettings>,
    pub connect: Option<ConnectWebhookSettings>,
}

/// Data Center (7.7+) webhooks: each request carries `X-Hub-Signature`, an HMAC-SHA256 of the
/// raw body under the webhook's secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataCenterWebhookSettings {
    /// The secret entered for the webhook in Confluence (`DLP_DATACENTER_WEBHOOK_SECRET`).
    pub secret: SecretString,
    /// How far an event's `timestamp` may be from now, either way: the replay window.
    #[serde(default = "datacenter_max_age_secs")]
    pub max_age_secs: u64,
}

fn datacenter_max_age_secs() -> u64 {
    300
}

/// Cloud events through the project's Connect app: lifecycle at
/// `/webhooks/connect/installed`, events at `/webhooks/connect?event=NAME`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectWebhookSettings {
    /// The app's `key` in its descriptor: an install for another app is refused.
    pub app_key: String,
    /// The app's `baseUrl` in its descriptor: the `aud` of Atlassian's signed installs.
    pub base_url: String,
    /// Where Atlassian publishes the public keys of signed installs, one PEM per `kid`.
    #[serde(default = "connect_install_keys_url")]
    pub install_keys_url: String,
}

fn connect_install_keys_url() -> String {
    "https://connect-install-keys.atlassian.com/".into()
}

/// Cloud events forwarded by the project's Forge app through Forge Remote
/// (`forge/manifest.yml`): each carries a Forge Invocation Token, an RS256 JWT.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgeWebhookSettings {
    /// The app's id (`ari:cloud:ecosystem::app/...`): the token's `aud`.
    pub app_id: String,
    /// Where Atlassian publishes the keys that sign invocation tokens.
    #[serde(default = "forge_jwks_url")]
    pub jwks_url: String,
}

fn forge_jwks_url() -> String {
    "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json".into()
}

/// One scheduled scan: a space (or every space), a cron expression (five fields, UTC) and a
/// mode. Its `name` keys what the scheduler remembers of it, so renaming it starts afresh.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    pub name: String,
    pub space_key: Option<String>,
    #[serde(default)]
    pub all_spaces: bool,
    pub cron: String,
    /// `full` or `incremental` (the default).
    #[serde(default = "incremental")]
    pub mode: String,
    /// Also read older versions of pages and blog posts: a number of versions before the
    /// current one, or `all` (as `scan --history`). Absent: current content only.
    #[serde(default)]
    pub history: Option<String>,
}

fn incremental() -> String {
    "incremental".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// How often the scheduler wakes to renew its lease and look for due ticks.
    pub tick_secs: u64,
    /// How long a scheduler's lease lasts unrenewed: the longest a dead scheduler blocks
    /// another from taking over.
    pub lease_secs: u64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        SchedulerSettings {
            tick_secs: 5,
            lease_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfluenceSettings {
    /// Cloud: the site root, e.g. `https://acme.atlassian.net`; Data Center: the base URL
    /// with its context path, e.g. `https://wiki.acme.internal/confluence`.
    pub site: Option<String>,
    /// `cloud` or `datacenter`; unset, detected from the site and the credentials.
    pub flavor: Option<dlp_confluence::Flavor>,
    /// Cloud: account email, with `api_token`.
    pub email: Option<String>,
    pub api_token: Option<SecretString>,
    /// Data Center: personal access token (Bearer).
    pub pat: Option<SecretString>,
    /// Client-side request budget shared by all workers of a process.
    pub max_requests_per_sec: Option<f64>,
    /// Items per list call (Cloud allows up to 250).
    pub page_limit: u32,
    pub max_retries: u32,
    pub request_timeout_secs: u64,
    /// Largest attachment downloaded and extracted (local files too): one limit, so nothing
    /// is fetched only to be refused.
    pub max_download_bytes: u64,
}

/// The REST API's limits (`serve`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// Requests a second each token may make on average (per API process)...
    pub requests_per_sec: u32,
    /// ...in bursts of up to this many.
    pub burst: u32,
    /// A request not answered in this time gets a 408.
    pub request_timeout_secs: u64,
    /// Larger request bodies get a 413 before they are read.
    pub max_body_bytes: usize,
    /// How long a verified token is taken without asking the store again: the longest a
    /// revoked token still works in a process that saw it just before. 0 asks every time.
    pub token_cache_secs: u64,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            requests_per_sec: 20,
            burst: 50,
            request_timeout_secs: 30,
            max_body_bytes: 64 * 1024,
            token_cache_secs: 2,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Queue name; processes that should share work use the same one.
    pub queue: String,
    /// Jobs run at once per process.
    pub concurrency: usize,
    /// Attempts per job before it lands in the failed state with its error.
    pub max_attempts: usize,
    /// Time one job may take before it is failed (and retried).
    pub job_timeout_secs: u64,
    /// How often a worker tells the queue it is alive; a worker silent for two intervals is
    /// presumed dead and its jobs go back to the queue.
    pub heartbeat_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    /// Extra rule files or folders, merged over the built-in pack (same id overrides).
    pub paths: Vec<PathBuf>,
    /// Findings below this confidence are dropped.
    pub min_confidence: f64,
    /// Accepted values and places: by fingerprint, by regex on the value, by space or page.
    pub suppressions: dlp_engine::Suppressions,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from(".confluence-dlp"),
            database_url: None,
            redis_url: None,
            server_key: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            api: ApiSettings::default(),
            confluence: ConfluenceSettings::default(),
            workers: WorkerSettings::default(),
            rules: RuleSettings::default(),
            schedules: Vec::new(),
            scheduler: SchedulerSettings::default(),
            webhooks: WebhookSettings::default(),
            cache: CacheSettings::default(),
            mcp_proxy: Default::default(),
            remediation: Default::default(),
            config_file: None,
        }
    }
}

impl Default for ConfluenceSettings {
    fn default() -> Self {
        ConfluenceSettings {
            site: None,
            flavor: None,
            email: None,
            api_token: None,
            pat: None,
            max_requests_per_sec: None,
            page_limit: 250,
            max_retries: 6,
            request_timeout_secs: 30,
            max_download_bytes: 64 * 1024 * 1024,
        }
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            queue: "confluence-dlp.scan".into(),
            concurrency: 4,
            max_attempts: 5,
            job_timeout_secs: 300,
            heartbeat_secs: 5,
        }
    }
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            paths: Vec::new(),
            min_confidence: 0.5,
            suppressions: Default::default(),
        }
    }
}

impl Settings {
    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut settings = match file {
            Some(path) => Self::from_file(path)?,
            None => Settings::default(),
        };
        settings.apply_env(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))?;
        Ok(settings)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut settings = Self::from_bytes(path, &bytes)?;
        settings.config_file = Some(ConfigFile {
            path: path.to_owned(),
            sha256: ConfigFile::hash(&bytes),
        });
        Ok(settings)
    }

    /// What a config file's bytes say, with the environment over it: the same steps as
    /// [`Settings::load`], for bytes already read (a reload hashes what it parses).
    pub fn from_config_bytes(path: &Path, bytes: &[u8]) -> Result<Self, ConfigError> {
        let mut settings = Self::from_bytes(path, bytes)?;
        settings.apply_env(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))?;
        Ok(settings)
    }

    fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: path.to_owned(),
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|e| parse_error(format!("not UTF-8 at byte {}", e.valid_up_to())))?;
        // toml's message can quote the offending line, which may hold a secret: keep only
        // the position.
        toml::from_str(text).map_err(|e| {
            parse_error(match e.span() {
                Some(span) => format!("syntax or type error at byte {}", span.start),
                None => "syntax or type error".to_owned(),
            })
        })
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_reloadable()?;
        let admin = &self.remediation.space_admin;
        if admin.is_set() {
            dlp_confluence::Auth::resolve(
                admin.email.as_deref(),
                admin.api_token.as_ref(),
                admin.pat.as_ref(),
            )
            .map_err(|_| ConfigError::Invalid {
                name: "remediation.space_admin",
                reason: "set DLP_SPACE_ADMIN_EMAIL with DLP_SPACE_ADMIN_API_TOKEN (Cloud), or \
                         DLP_SPACE_ADMIN_PAT (Data Center), not both and not half"
                    .into(),
            })?;
        }
        if self.workers.concurrency == 0 {
            return Err(ConfigError::Invalid {
                name: "workers.concurrency",
                reason: "must be at least 1".into(),
            });
        }
        if self.workers.max_attempts == 0 {
            return Err(ConfigError::Invalid {
                name: "workers.max_attempts",
                reason: "must be at least 1".into(),
            });
        }
        if !(0.0..=1.0).contains(&self.rules.min_confidence) {
            return Err(ConfigError::Invalid {
                name: "rules.min_confidence",
                reason: "must be within 0..1".into(),
            });
        }
        if let Some(rps) = self.confluence.max_requests_per_sec
            && !(rps > 0.0 && rps.is_finite())
        {
            return Err(ConfigError::Invalid {
                name: "confluence.max_requests_per_sec",
                reason: "must be a positive number".into(),
            });
        }
        if self.api.requests_per_sec == 0 || self.api.burst == 0 {
            return Err(ConfigError::Invalid {
                name: "api.requests_per_sec, api.burst",
                reason: "must be at least 1".into(),
            });
        }
        if self.confluence.page_limit == 0 || self.confluence.page_limit > 250 {
            return Err(ConfigError::Invalid {
                name: "confluence.page_limit",
                reason: "must be within 1..=250".into(),
            });
        }
        Ok(())
    }

    /// The checks of what `serve` reloads without a restart (the remediation policies and
    /// notify settings): at start as part of [`Settings::validate`], and on every reload.
    pub fn validate_reloadable(&self) -> Result<(), ConfigError> {
        crate::remediate::policy::validate(&self.remediation.policies).map_err(|e| {
            ConfigError::Invalid {
                name: "remediation.policies",
                reason: e.to_string(),
            }
        })?;
        self.remediation.notify.validate()
    }

    /// Creates the data directory, readable by its owner only (0700): it holds the server key,
    /// the embedded store and the queue. The embedded backends' files are created 0600 before
    /// SQLite opens them (SQLite gives its `-wal` and `-shm` files the database's mode), and
    /// files an older version left readable to others are made private.
    pub fn ensure_data_dir(&self) -> Result<(), ConfigError> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let err = |path: &Path| {
            let path = path.to_owned();
            move |source| ConfigError::DataDir { path, source }
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)
            .map_err(err(&self.data_dir))?;
        let mut embedded = Vec::new();
        if self.database_url.is_none() {
            embedded.push(self.embedded_store_path());
        }
        if self.redis_url.is_none() {
            embedded.push(self.embedded_queue_path());
        }
        for path in embedded {
            write_private(&path, b"").map_err(err(&path))?;
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                match std::fs::metadata(&file) {
                    Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                            .map_err(err(&file))?
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The store URL: `DATABASE_URL`, or the SQLite file in the data directory.
    pub fn store_url(&self) -> SecretString {
        match &self.database_url {
            Some(url) => url.clone(),
            None => {
                SecretString::from(format!("sqlite://{}", self.embedded_store_path().display()))
            }
        }
    }

    /// The embedded store's file (used only without `DATABASE_URL`).
    pub fn embedded_store_path(&self) -> PathBuf {
        self.data_dir.join("dlp.sqlite")
    }

    /// The embedded queue's file (used only without `REDIS_URL`).
    pub fn embedded_queue_path(&self) -> PathBuf {
        self.data_dir.join("queue.sqlite")
    }

    pub fn job_timeout(&self) -> Duration {
        Duration::from_secs(self.workers.job_timeout_secs)
    }
}

/// Creates `path` readable by its owner only (0600) with `contents`; an existing file is left as
/// it is.
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true).mode(0o600);
    match options.open(path) {
        Ok(mut f) => f.write_all(contents),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

mod env;

#[cfg(test)]
mod tests;
