//! The queue backend, chosen once: Redis, or the embedded SQLite file.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{BackoffRetryPolicy, HasherRng, RetryPolicy};
use apalis::prelude::*;
use apalis_core::backend::Vacuum;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use futures::TryFutureExt;
use redis::aio::ConnectionManagerConfig;
use secrecy::{ExposeSecret, SecretString};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use super::ScanJob;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot open the embedded job queue at {path}: {source}")]
    Embedded { path: String, source: sqlx::Error },
    #[error("cannot set up the embedded job queue: {0}")]
    EmbeddedSetup(String),
    // The Redis URL can hold a password: never echo it.
    #[error("cannot connect to Redis: {0}")]
    Redis(String),
    #[error("cannot enqueue a job: {0}")]
    Push(String),
    #[error("worker pool stopped with an error: {0}")]
    Worker(String),
    #[error("cannot delete the jobs that have ended: {0}")]
    Sweep(String),
}

/// How long a Redis command may wait for its answer; see [`JobQueue::redis`].
const REDIS_RESPONSE_TIMEOUT: Duration = Duration::from_secs(15);
/// Attempts after the first to enqueue a job, waiting `PUSH_BACKOFF` times the attempt.
const PUSH_RETRIES: u32 = 3;
const PUSH_BACKOFF: Duration = Duration::from_millis(500);
/// The first pause before a pool that ended by itself is started again; it doubles, up to
/// `RESTART_MAX`, while restarts keep failing.
const RESTART_MIN: Duration = Duration::from_millis(500);
const RESTART_MAX: Duration = Duration::from_secs(30);
/// A pool that ran this long before it ended was healthy: the next pause is the first again.
const HEALTHY_RUN: Duration = Duration::from_secs(60);
/// How long the queue keeps a job that has ended: as long as Redis keeps a job's idempotency
/// key (see [`JobQueue::redis`]), so that a duplicate push is dropped alike. apalis keeps
/// every ended job, its sealed body with it, until it is swept.
pub const ENDED_JOBS_KEPT: Duration = Duration::from_secs(24 * 3600);
/// How often a worker pool deletes the jobs that ended more than [`ENDED_JOBS_KEPT`] ago.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// What a pool does with each job it takes; the workers crate implements it. The queue knows
/// only this, so that it carries jobs without knowing what they mean.
pub trait JobHandler: Send + Sync + 'static {
    /// Runs one job. `attempt` is this try's number, from 1. An error is retried with backoff
    /// until the pool's retries run out; a handler that wants the job to end on its last try
    /// records the outcome itself and returns `Ok`.
    fn handle(
        &self,
        job: ScanJob,
        attempt: usize,
    ) -> futures::future::BoxFuture<'_, Result<(), HandlerError>>;
}

/// A job attempt that failed and is worth another; the message is safe to log.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

/// The apalis handler: hands the job to the pool's [`JobHandler`].
async fn run_job(
    job: ScanJob,
    handler: Data<Arc<dyn JobHandler>>,
    attempt: Attempt,
) -> Result<(), HandlerError> {
    handler.handle(job, attempt.current()).await
}

/// How a pool of workers runs.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub name: String,
    pub concurrency: usize,
    /// Retries inside a worker, with jittered exponential backoff, before the job is handed
    /// back to the queue as failed.
    pub retries: usize,
    pub job_timeout: Duration,
    pub heartbeat: Duration,
    /// How often an idle worker asks the queue for work. Without it apalis waits for the next
    /// heartbeat, so jobs enqueued just after a worker found the queue empty sat for seconds.
    pub poll_interval: Duration,
}

/// The job queue of this process.
#[derive(Clone)]
pub enum JobQueue {
    Embedded(SqliteStorage<ScanJob>),
    Redis(RedisStorage<ScanJob>),
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JobQueue::Embedded(_) => "JobQueue::Embedded",
            JobQueue::Redis(_) => "JobQueue::Redis",
        })
    }
}

impl JobQueue {
    /// Redis when a URL is given, else the embedded queue file.
    pub async fn open(
        redis_url: Option<&SecretString>,
        embedded_path: &Path,
        queue: &str,
        heartbeat: Duration,
    ) -> Result<Self, QueueError> {
        match redis_url {
            Some(url) => Self::redis(url.expose_secret(), queue, heartbeat).await,
            None => Self::embedded(embedded_path, queue, heartbeat).await,
        }
    }

    pub async fn embedded(
        path: &Path,
        queue: &str,
        heartbeat: Duration,
    ) -> Result<Self, QueueError> {
        let err = |source| QueueError::Embedded {
            path: path.display().to_string(),
            source,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(30));
        // One connection, for the store's reason (`dlp_store` opens SQLite's writer the same
        // way): nearly every queue statement writes, and writers queued for this connection
        // are served in order, where writers waiting on SQLite's lock retry at random.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(err)?;
        SqliteStorage::setup(&pool)
            .await
            .map_err(|e| QueueError::EmbeddedSetup(e.to_string()))?;
        describe_jobs_table(&pool).await.map_err(err)?;
        delete_jobs_ended_before(&pool, ENDED_JOBS_KEPT)
            .await
            .map_err(err)?;
        let config = apalis_sqlite::Config::default()
            .queue(queue)
            .heartbeat_interval(heartbeat)
            .missed_heartbeats(2);
        Ok(JobQueue::Embedded(
            SqliteStorage::new(&pool).with_config(config),
        ))
    }

    pub async fn redis(url: &str, queue: &str, heartbeat: Duration) -> Result<Self, QueueError> {
        let redis_err = |e: apalis_redis::RedisError| QueueError::Redis(redis_error_kind(&e));
        let client = apalis_redis::Client::open(url).map_err(redis_err)?;
        // redis' default is to fail a command whose answer takes 500 ms. The answer's wait
        // counts while the task that reads it is not polled: with classification on the
        // runtime's one thread (a test's runtime, a debug build), a healthy local Redis failed
        // a crawler's push with "timed out". Workers now classify off the runtime, but any
        // busy stretch must cost a pause, not a scan. A dead Redis is still found by the
        // connection timeout and the reconnects.
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(REDIS_RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(Duration::from_secs(5)));
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(redis_err)?;
        let config = apalis_redis::Config::default()
            .queue(queue)
            .heartbeat_interval(heartbeat)
            .missed_heartbeats(2)
            // Idempotency keys are per scan: keep them a day, not forever.
            .idempotency_ttl(Some(Duration::from_secs(24 * 3600)));
        Ok(JobQueue::Redis(RedisStorage::new(conn).with_config(config)))
    }

    /// Closes the embedded queue's connections (Redis' connection manager closes on drop).
    pub async fn close(&self) {
        if let JobQueue::Embedded(storage) = self {
            storage.pool().close().await;
        }
    }

    /// Whether the queue's backend answers a trivial command (the API's readiness check).
    pub async fn ping(&self) -> Result<(), QueueError> {
        match self {
            JobQueue::Embedded(storage) => {
                sqlx::query("SELECT 1")
                    .execute(storage.pool())
                    .await
                    .map_err(|e| QueueError::EmbeddedSetup(e.to_string()))?;
            }
            JobQueue::Redis(storage) => {
                let mut conn = storage.clone().get_connection().clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .map_err(|e| QueueError::Redis(redis_error_kind(&e)))?;
            }
        }
        Ok(())
    }

    /// Deletes the jobs that ended more than `kept` ago; returns how many. Worker pools do it
    /// every hour with [`ENDED_JOBS_KEPT`], and opening the embedded file does it once.
    pub async fn delete_jobs_ended_before(&self, kept: Duration) -> Result<u64, QueueError> {
        match self {
            JobQueue::Embedded(storage) => delete_jobs_ended_before(storage.pool(), kept)
                .await
                .map_err(|e| QueueError::Sweep(e.to_string())),
            // apalis-redis' own sweep, by each job's `done_at`. (apalis-sqlite's compares
            // `run_at`, a number, with a date's text, which every number precedes: it would
            // delete every ended job, whatever its age.)
            JobQueue::Redis(storage) => storage
                .clone()
                .vacuum_before(kept)
                .await
                .map(|n| n as u64)
                .map_err(|e| match e {
                    apalis_redis::Error::Database(e) => QueueError::Sweep(redis_error_kind(&e)),
                    // No variant but the database's can hold an address.
                    other => QueueError::Sweep(other.to_string()),
                }),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            JobQueue::Embedded(_) => "embedded",
            JobQueue::Redis(_) => "redis",
        }
    }

    /// Enqueues a job; a second job with the same idempotency key in the same scan is dropped
    /// by the queue.
    pub async fn push(&self, job: ScanJob, max_attempts: usize) -> Result<(), QueueError> {
        let key = job.idempotency_key();
        let push_err = |e: &dyn std::fmt::Display| QueueError::Push(e.to_string());
        // A push that failed may still have landed (the answer was lost, not the command);
        // the idempotency key makes the next attempt a no-op then, so retrying is safe, and a
        // Redis that restarts under a scan costs a pause, not the scan.
        let mut attempt = 0;
        loop {
            let task = TaskBuilder::new(job.clone())
                .idempotency_key(key.clone())
                .max_attempts(max_attempts)
                .build();
            let pushed = match self {
                JobQueue::Embedded(s) => s.clone().push_task(task).await.map_err(|e| push_err(&e)),
                JobQueue::Redis(s) => s.clone().push_task(task).await.map_err(|e| push_err(&e)),
            };
            match pushed {
                Err(e) if attempt < PUSH_RETRIES => {
                    attempt += 1;
                    tracing::warn!(queue = self.kind(), attempt, error = %e, "enqueueing a job failed; trying again");
                    tokio::time::sleep(PUSH_BACKOFF * attempt).await;
                }
                done => return done,
            }
        }
    }

    /// Runs a pool of workers until `shutdown` resolves; in-flight jobs finish first.
    ///
    /// A pool that ends by itself is started again, under a new name, after a pause that
    /// doubles up to [`RESTART_MAX`]. The queue declares a worker dead when its heartbeats
    /// stop for two intervals, and hands its jobs to the others; a worker that was only late
    /// (a loaded machine, a long pause) then has its next heartbeat refused, and apalis ends
    /// its pool. Left ended, a `serve --role worker` process exited, and a `serve` with every
    /// role kept answering the API while no job ran. A Redis that drops a fetch ends the pool
    /// the same way.
    pub async fn run_pool<F>(
        &self,
        handler: Arc<dyn JobHandler>,
        options: &PoolOptions,
        shutdown: F,
    ) -> Result<(), QueueError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let watcher = AbortOnDrop(tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        }));
        // A service runs for months on one queue; the embedded file's opening is not enough.
        let _sweeper = AbortOnDrop(tokio::spawn(sweep_ended_jobs(self.clone())));
        // Closed without a value: the shutdown future panicked, which asks for a stop too.
        let asked_to_stop =
            |rx: &tokio::sync::watch::Receiver<bool>| *rx.borrow() || rx.has_changed().is_err();
        let mut pause = RESTART_MIN;
        loop {
            let mut rx = stopping.clone();
            let signal = async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            let started = tokio::time::Instant::now();
            let ended = self.run_pool_once(handler.clone(), options, signal).await;
            if asked_to_stop(&stopping) {
                drop(watcher);
                // Stopped as asked: a pool the queue ended at the same moment stopped too.
                if let Err(e) = ended {
                    tracing::warn!(queue = self.kind(), error = %e, "the worker pool ended as it was stopping");
                }
                return Ok(());
            }
            match &ended {
                Ok(()) => tracing::warn!(
                    queue = self.kind(),
                    "the worker pool ended by itself; starting it again"
                ),
                Err(e) => tracing::warn!(
                    queue = self.kind(),
                    error = %e,
                    "the worker pool ended; starting it again"
                ),
            }
            if started.elapsed() >= HEALTHY_RUN {
                pause = RESTART_MIN;
            }
            let mut rx = stopping.clone();
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = rx.wait_for(|stop| *stop) => return Ok(()),
            }
            pause = (pause * 2).min(RESTART_MAX);
        }
    }

    /// One pool, registered under a name of its own, until `shutdown` resolves or apalis ends
    /// it.
    async fn run_pool_once<F>(
        &self,
        handler: Arc<dyn JobHandler>,
        options: &PoolOptions,
        shutdown: F,
    ) -> Result<(), QueueError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let signal = async move {
            shutdown.await;
            Ok::<(), std::io::Error>(())
        };
        let worker_err = |e: WorkerError| QueueError::Worker(e.to_string());
        // The queue remembers workers by name (heartbeats, held jobs); a pool started again in
        // the same process must not take over the registration of one that stopped.
        let name = format!(
            "{}-{}",
            options.name,
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        // The two arms differ only in the backend's type; apalis' builder is generic over it
        // in ways that do not name well, so the chain is spelled twice.
        // Boxed as `dyn Send` here, where every type is concrete: left to inference, the
        // compiler cannot prove apalis' worker future `Send` for all lifetimes, and a caller
        // could not `tokio::spawn` the pool.
        let pool: std::pin::Pin<Box<dyn Future<Output = Result<(), QueueError>> + Send>> =
            match self {
                JobQueue::Embedded(storage) => Box::pin(
                    WorkerBuilder::new(name.as_str())
                        .backend(storage.clone().poll_with_interval(options.poll_interval))
                        .concurrency(options.concurrency)
                        .retry(retry_policy(options.retries))
                        .timeout(options.job_timeout)
                        .catch_panic()
                        .data(handler.clone())
                        .build(run_job)
                        .run_until(signal)
                        .map_err(worker_err),
                ),
                JobQueue::Redis(storage) => Box::pin(
                    WorkerBuilder::new(name.as_str())
                        .backend(storage.clone().poll_with_interval(options.poll_interval))
                        .concurrency(options.concurrency)
                        .retry(retry_policy(options.retries))
                        .timeout(options.job_timeout)
                        .catch_panic()
                        .data(handler.clone())
                        .build(run_job)
                        .run_until(signal)
                        .map_err(worker_err),
                ),
            };
        pool.await
    }
}

/// Gives SQLite's planner the shape apalis' `Jobs` table takes in use: every job a worker
/// ever took keeps its `lock_by`, while `id` is unique.
///
/// Why: apalis acknowledges jobs with `UPDATE Jobs ... FROM json_each(?) WHERE Jobs.id =
/// task_id AND Jobs.lock_by = ?`. Without statistics SQLite guesses that the `lock_by` index
/// narrows to a few rows, walks every job of the worker, and parses the JSON list again for
/// each: every acknowledgement cost the worker's whole history. A crawl of 10,900 jobs spent
/// a quarter of SQLite's time in that JSON, 4.5 ms a job in all. With these two rows the
/// plan reads the list once and finds each job by its id. No other apalis statement changes
/// plan (each was checked with `EXPLAIN QUERY PLAN`).
///
/// The rows are written at each open: `ANALYZE` from elsewhere would replace them with what
/// the table held at that moment, which for a new queue says nothing.
async fn describe_jobs_table(pool: &sqlx::SqlitePool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    // Creates `sqlite_stat1` when it is missing, without reading any table.
    sqlx::query("ANALYZE sqlite_schema")
        .execute(&mut *conn)
        .await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query(
        "DELETE FROM sqlite_stat1 WHERE tbl = 'Jobs' \
         AND idx IN ('LIdx', 'sqlite_autoindex_Jobs_1')",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES \
         ('Jobs', 'LIdx', '1000000 1000000'), ('Jobs', 'sqlite_autoindex_Jobs_1', '1000000 1')",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // Loads the rows into the planner; statements prepared before are prepared again.
    sqlx::query("ANALYZE sqlite_schema")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes the jobs that ended (done, killed, or failed with no attempt left) more than
/// `kept` ago; returns how many. Their outcome is in the store (`scan_items`); the queue's
/// copy only made the file grow, by a sealed page body a job.
async fn delete_jobs_ended_before(
    pool: &sqlx::SqlitePool,
    kept: Duration,
) -> Result<u64, sqlx::Error> {
    // `done_at` is in seconds (apalis writes `strftime('%s', 'now')`). The first two
    // conditions are those of apalis' partial index on ended jobs, so it serves the delete.
    let deleted = sqlx::query(
        "DELETE FROM Jobs WHERE status IN ('Done', 'Failed', 'Killed') \
         AND done_at IS NOT NULL AND done_at < CAST(strftime('%s', 'now') AS INTEGER) - ?1 \
         AND (status <> 'Failed' OR attempts >= max_attempts)",
    )
    .bind(i64::try_from(kept.as_secs()).unwrap_or(i64::MAX))
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}

/// [`JobQueue::delete_jobs_ended_before`] every [`SWEEP_EVERY`], for as long as it is not
/// aborted; the first an interval after the start (the embedded file's opening has swept).
async fn sweep_ended_jobs(queue: JobQueue) {
    let start = tokio::time::Instant::now() + SWEEP_EVERY;
    let mut every = tokio::time::interval_at(start, SWEEP_EVERY);
    loop {
        every.tick().await;
        match queue.delete_jobs_ended_before(ENDED_JOBS_KEPT).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(queue = queue.kind(), deleted, "deleted ended jobs"),
            Err(e) => {
                tracing::warn!(queue = queue.kind(), error = %e, "deleting ended jobs failed")
            }
        }
    }
}

/// Aborts the task when dropped, so that no watcher outlives the pool it stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn retry_policy(retries: usize) -> BackoffRetryPolicy<ExponentialBackoff<HasherRng>> {
    let backoff = ExponentialBackoffMaker::new(
        Duration::from_millis(200),
        Duration::from_secs(20),
        0.5,
        HasherRng::default(),
    )
    .expect("backoff bounds are valid")
    .make_backoff();
    RetryPolicy::retries(retries).with_backoff(backoff)
}

fn redis_error_kind(e: &apalis_redis::RedisError) -> String {
    // RedisError's Display can include the address but not the password; keep only the kind
    // and category to be safe.
    format!("{:?}: {}", e.kind(), e.category())
}
