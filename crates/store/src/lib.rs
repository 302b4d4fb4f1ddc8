//! The findings store: findings with their lifecycle, scans and the progress of their jobs,
//! what content was last classified, and the audit trail.
//!
//! SQLite (a file) in the embedded mode, PostgreSQL in production, chosen once from the URL
//! given to [`Store::connect`]. Both go through sqlx's `Any` driver with one set of portable
//! queries (`$N` placeholders, which SQLite accepts too; TEXT, BIGINT and a double; times as
//! unix milliseconds), so every behaviour has one code path and the tests run it on both.
//! Only the migrations and the statement that opens a write transaction differ per backend.
//!
//! Sensitive values never reach this module: a [`Finding`](dlp_domain::Finding) holds a
//! masked preview and a keyed fingerprint, and audit details hold ids and counts.

mod audit;
mod batch;
mod changes;
mod connect;
mod connect_tenants;
mod error;
mod exposure;
mod findings;
mod history;
mod mcp_approvals;
mod metrics;
mod model;
mod ocr_cache;
mod pages;
mod quarantine;
mod record;
mod remediations;
mod removal;
mod scan_life;
mod scans;
mod schedules;
mod tokens;
mod triage;
mod verdicts;
mod webhooks;

use sqlx::AnyPool;
use sqlx::migrate::Migrator;
use sqlx::{Any, Transaction};

pub use audit::action as audit_action;
pub use batch::JobRecord;
pub use changes::FindingChange;
pub use connect::StoreOptions;
pub use connect_tenants::ConnectTenant;
pub use error::StoreError;
pub use exposure::PageExposure;
pub use mcp_approvals::{Approval, ApprovalStatus, NewApproval};
pub use model::{
    AuditEvent, AuditQuery, FindingFilter, FindingRecord, FindingSort, FindingStatus,
    FindingSummary, ItemResult, ItemStatus, ItemVerdict, JobOutcome, NewAuditEvent, NewScan,
    RecordSummary, RemediationState, ScanItemRow, ScanKind, ScanMode, ScanProgress, ScanQuery,
    ScanRecord, ScanStatus, severity_rank,
};
pub use pages::PageInfo;
pub use quarantine::QuarantinedAttachment;
pub use remediations::{NewRemediation, Remediation, RemediationQuery, RemediationTarget};
pub use removal::ContentRemoval;
pub use scan_life::CRAWL_ITEM_PREFIX;
pub use tokens::{ApiTokenRecord, NewApiToken};
pub use triage::StatusChange;
pub use verdicts::{KnownValueRow, StoredVerdict};
pub use webhooks::{EventIntake, Intake};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the store; cheap to clone (a connection pool inside).
#[derive(Clone)]
pub struct Store {
    /// Reads.
    pool: AnyPool,
    /// Writes: every transaction that writes and every statement that does (see
    /// `connect::open_pools` for why SQLite's is one connection).
    writer: AnyPool,
    backend: Backend,
}

// By hand: the pool's Debug shows its connect options, and with them the URL's password.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to `sqlite://path/to/file.db` (created if missing) or `postgres://...` and
    /// applies the migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, &StoreOptions::default()).await
    }

    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        let backend = connect::backend_of(url)?;
        let connect::Pools { pool, writer } = connect::open_pools(url, backend, options).await?;
        let store = Store {
            pool,
            writer,
            backend,
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the migrations not yet applied; running it again changes nothing. On
    /// PostgreSQL an advisory lock keeps processes that start together from racing.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.writer).await?;
        Ok(())
    }

    /// Closes every connection; waits for the ones in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Opens a transaction that will write.
    ///
    /// SQLite's default `BEGIN` takes the write lock at the first write, and a reader that
    /// then tries to write fails at once with "database is locked" when another writer got
    /// there first; the busy timeout does not help there. `BEGIN IMMEDIATE` takes the lock up
    /// front, where the busy timeout makes concurrent writers queue instead.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        };
        Ok(tx)
    }
}
