//! Turning a database URL into a pool: which backend, and what SQLite needs before many
//! connections can share one file.

use std::str::FromStr;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};

use super::{Backend, StoreError};

/// How the pool is sized and how long a SQLite writer waits for the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// SQLite only: how long a connection waits for another writer before "database is
    /// locked". Writers take the lock at `BEGIN`, so this bounds the queue of writers.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            busy_timeout: Duration::from_secs(30),
        }
    }
}

/// The backend a URL names. The URL itself never goes into an error: it may hold a password.
pub(crate) fn backend_of(url: &str) -> Result<Backend, StoreError> {
    let (scheme, rest) = url.split_once(':').ok_or(StoreError::InvalidUrl {
        reason: "it has no scheme (sqlite: or postgres:)",
    })?;
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" if is_in_memory(rest) => Err(StoreError::InvalidUrl {
            reason: "in-memory SQLite is not supported (each pooled connection would get its own \
                     database); use a file",
        }),
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        _ => Err(StoreError::InvalidUrl {
            reason: "the scheme must be sqlite or postgres",
        }),
    }
}

fn is_in_memory(rest: &str) -> bool {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path.trim_start_matches('/') == ":memory:"
        || path.is_empty()
        || query.split('&').any(|pair| pair == "mode=memory")
}

/// The store's connections: `pool` for reads, `writer` for writes. On PostgreSQL they are
/// one pool.
pub(crate) struct Pools {
    pub pool: AnyPool,
    pub writer: AnyPool,
}

/// Opens the pools; for SQLite first creates the file (and its directory) and switches it to
/// WAL, so that readers never block the one writer.
///
/// WAL is set once here and not per pooled connection because changing the journal mode needs
/// an exclusive lock that the busy timeout does not wait for; the mode is stored in the file.
///
/// SQLite writes through a pool of one connection. SQLite has one writer at a time anyway,
/// and writers that wait for its lock inside SQLite sleep and retry (up to 100 ms a try)
/// with no order among them: at a hundred webhook events a second a few writers waited
/// seconds while later ones went first. Waiting for the one pooled connection instead is a
/// fair queue in this process, and the busy timeout is left to the other processes.
pub(crate) async fn open_pools(
    url: &str,
    backend: Backend,
    options: &StoreOptions,
) -> Result<Pools, StoreError> {
    sqlx::any::install_default_drivers();
    if backend == Backend::Postgres {
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect(url)
            .await
            .map_err(hide_url)?;
        return Ok(Pools {
            writer: pool.clone(),
            pool,
        });
    }
    prepare_sqlite_file(url, options.busy_timeout).await?;
    let pool = sqlite_pool_options(options.max_connections.max(1), options.busy_timeout)
        .connect(url)
        .await
        .map_err(hide_url)?;
    let writer = sqlite_pool_options(1, options.busy_timeout)
        // A write waits for the writer ahead of it, however long: as long as SQLite's own
        // lock would have let it wait.
        .acquire_timeout(options.busy_timeout)
        .connect(url)
        .await
        .map_err(hide_url)?;
    Ok(Pools { pool, writer })
}

fn sqlite_pool_options(max_connections: u32, busy_timeout: Duration) -> AnyPoolOptions {
    let busy_ms = busy_timeout.as_millis();
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(AssertSqlSafe(format!("PRAGMA busy_timeout = {busy_ms}")))
                    .await?;
                // Durable at each checkpoint rather than each commit: the WAL default, and
                // what keeps many small job transactions cheap.
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                // The planner's statistics, refreshed as each pooled connection opens (the
                // pool replaces its connections every half hour): without them SQLite
                // guesses that every index narrows alike and may sort a whole space's
                // findings for one page of the API. The limit keeps it to milliseconds.
                conn.execute("PRAGMA analysis_limit = 400").await?;
                conn.execute("PRAGMA optimize = 0x10002").await?;
                Ok(())
            })
        })
}

async fn prepare_sqlite_file(url: &str, busy_timeout: Duration) -> Result<(), StoreError> {
    let options = SqliteConnectOptions::from_str(url).map_err(|_| StoreError::InvalidUrl {
        reason: "not a valid SQLite URL",
    })?;
    if let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(StoreError::CreateDir)?;
    }
    let conn = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(busy_timeout)
        .connect()
        .await
        .map_err(hide_url)?;
    conn.close().await?;
    Ok(())
}

/// sqlx's configuration errors may quote the URL; replace them with a reason of our own.
fn hide_url(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Configuration(_) => StoreError::InvalidUrl {
            reason: "the database driver rejected the URL",
        },
        other => StoreError::Database(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(backend_of("sqlite://data/dlp.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            backend_of("sqlite:///var/lib/dlp.db?mode=rwc").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            backend_of("postgres://u:p@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(backend_of("PostgreSQL://h/db").unwrap(), Backend::Postgres);
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for url in [
            "mysql://root:hunter2@h/db",
            "hunter2",
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
        ] {
            let e = backend_of(url).unwrap_err();
            assert!(matches!(e, StoreError::InvalidUrl { .. }), "{url}");
            assert!(!e.to_string().contains("hunter2"));
        }
    }

    #[tokio::test]
    async fn sqlite_file_and_its_directory_are_created_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/dlp.db");
        let url = format!("sqlite://{}", file.display());
        let Pools { pool, writer } = open_pools(&url, Backend::Sqlite, &StoreOptions::default())
            .await
            .unwrap();
        assert_eq!(writer.options().get_max_connections(), 1);
        writer.close().await;
        assert!(file.exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(busy, 30_000);
        pool.close().await;
    }
}
