//! `dlp-bench api`: the REST API's read path on a store of N synthetic findings, through the
//! real release binary (`confluence-dlp serve --role api`) as a child process.
//!
//! 1. A store (SQLite in a temporary data directory, or a fresh database on a PostgreSQL
//!    server) filled through the store's own write path ([`data`]); the load rate.
//! 2. A token from `confluence-dlp token create`, a config file that raises the per-token
//!    rate limit out of the way, and `serve --role api` on 127.0.0.1, port 0 ([`server`]).
//! 3. The search index built from nothing (it lives in the data directory): the time from
//!    start to the last write being searchable, and the build rate.
//! 4. RSS when idle after that, and the peak under the load that follows.
//! 5. The load ([`load`]): a fixed count of each kind of request, a few in flight at once;
//!    p50, p99, max, requests/s.

pub mod data;
mod generate;
pub mod load;
pub mod server;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::Rng;
use sqlx::Connection as _;

use load::{Client, Inputs, Kind, KindResult, LoadOptions};
use server::{Memory, ServeEnv};

#[derive(Debug, Clone)]
pub struct ApiBenchOptions {
    pub findings: u64,
    /// A PostgreSQL server (`postgres://…/postgres`): the benchmark makes a database of its own
    /// on it and drops it at the end. `None`: SQLite in the data directory.
    pub database_url: Option<String>,
    /// The queue for a PostgreSQL run (`redis://…`); `None`: the embedded queue.
    pub redis_url: Option<String>,
    /// The `confluence-dlp` binary to run.
    pub bin: PathBuf,
    pub requests: usize,
    pub concurrency: usize,
    pub warmup: usize,
    /// Longest a kind's run may take; fewer requests are then sent (and the table says so).
    pub max_secs_per_kind: u64,
    pub seed: u64,
    /// Keep the data directory (and the database) for a look afterwards.
    pub keep: bool,
    /// Print the query plans of the listing and summary SQL for one space.
    pub explain: bool,
}

pub struct ApiBenchReport {
    pub backend: &'static str,
    pub findings: u64,
    pub load: data::LoadReport,
    pub index_secs: f64,
    pub idle: Memory,
    /// Peak while the index was built (from start to caught up).
    pub build_peak_kib: u64,
    /// Peak during the load (VmHWM reset before it).
    pub load_peak_kib: u64,
    pub index_bytes: u64,
    pub kinds: Vec<KindResult>,
}

pub fn run(options: &ApiBenchOptions) -> anyhow::Result<ApiBenchReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_async(options))
}

async fn run_async(options: &ApiBenchOptions) -> anyhow::Result<ApiBenchReport> {
    crate::require_binary(&options.bin)?;
    let temp = tempfile::Builder::new()
        .prefix("dlp-bench-api-")
        .tempdir()?;
    let data_dir = temp.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let mut rng = rand::rng();
    let server_key: String = (0..32)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect();
    let database = match &options.database_url {
        Some(server) => Some(Database::create(server).await?),
        None => None,
    };
    let result = bench(
        options,
        temp.path(),
        &data_dir,
        &server_key,
        database.as_ref(),
    )
    .await;
    if options.keep {
        let kept = temp.keep();
        eprintln!("kept {}", kept.display());
        if let Some(db) = &database {
            eprintln!("kept database {}", db.name);
        }
    } else if let Some(db) = database {
        db.drop_it().await?;
    }
    result
}

async fn bench(
    options: &ApiBenchOptions,
    dir: &std::path::Path,
    data_dir: &std::path::Path,
    server_key: &str,
    database: Option<&Database>,
) -> anyhow::Result<ApiBenchReport> {
    let backend = if database.is_some() {
        "PostgreSQL + Redis"
    } else {
        "SQLite + embedded queue"
    };
    let store_url = match database {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}", data_dir.join("dlp.sqlite").display()),
    };

    eprintln!("loading {} findings into {backend}", options.findings);
    let store = dlp_store::Store::connect(&store_url).await?;
    let triage_tasks = if database.is_some() { 4 } else { 1 };
    let loaded = data::load(
        &store,
        &store_url,
        options.findings,
        options.seed,
        triage_tasks,
    )
    .await?;
    let counted = store.count_findings().await?;
    anyhow::ensure!(
        counted as u64 == options.findings,
        "the store holds {counted} findings"
    );
    store.close().await;
    let r = &loaded.report;
    eprintln!(
        "loaded {} findings on {} pages in {:.1} s: scan pass {:.1} s ({:.0} findings/s), \
         re-scan {:.1} s ({} resolved), triage {:.1} s ({} findings), ageing {:.1} s",
        options.findings,
        r.pages,
        r.total_secs,
        r.scan_secs,
        r.scan_rate(options.findings),
        r.rescan_secs,
        r.resolved,
        r.triage_secs,
        r.triaged,
        r.age_secs
    );
    if let Some(db) = database {
        // What autovacuum does within a minute or two of a load this size: statistics for the
        // planner and a visibility map for index-only scans. Measured at once, PostgreSQL
        // would plan from an empty table's estimates, which no running service sees for long.
        let started = Instant::now();
        let mut conn = sqlx::postgres::PgConnection::connect(&db.url).await?;
        sqlx::query("VACUUM (ANALYZE) findings, content_pages")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        eprintln!(
            "VACUUM (ANALYZE) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    if options.explain {
        explain(&store_url, &loaded.spaces[0]).await?;
    }

    // The rate limit is raised so the benchmark measures the API, not the limiter.
    let config = dir.join("bench.toml");
    std::fs::write(
        &config,
        "[api]\nrequests_per_sec = 1000000\nburst = 1000000\n",
    )?;
    let env = ServeEnv {
        bin: options.bin.clone(),
        config,
        data_dir: data_dir.to_path_buf(),
        server_key: server_key.to_owned(),
        database_url: database.map(|d| d.url.clone()),
        redis_url: database.and(options.redis_url.clone()),
        queue: format!("dlp-bench-{}", std::process::id()),
    };
    let token = env.create_token("bench")?;

    let mut served = env.serve(&dir.join("serve.log"))?;
    let client = Client::new(&served.addr, &token)?;
    load::wait_caught_up(
        &client,
        &loaded.last_page_id,
        &loaded.last_finding_id,
        Duration::from_secs(3600),
    )
    .await?;
    let index_secs = served.started.elapsed().as_secs_f64();
    eprintln!(
        "search index caught up in {index_secs:.1} s ({:.0} findings/s)",
        options.findings as f64 / index_secs
    );
    let build_peak_kib = served.memory()?.hwm_kib;
    // Idle: a moment after catching up, with the follower polling an unchanged feed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = served.memory()?;
    let index_bytes = dir_size(&data_dir.join("search-index"));
    served.reset_peak()?;

    let inputs = Arc::new(Inputs::new(&client, loaded.spaces.clone(), loaded.words.clone()).await?);
    let load_options = LoadOptions {
        count: options.requests,
        concurrency: options.concurrency,
        warmup: options.warmup,
        max_time: Duration::from_secs(options.max_secs_per_kind),
        seed: options.seed,
    };
    let mut kinds = Vec::new();
    for kind in Kind::ALL {
        let t = Instant::now();
        let result = load::run_kind(&client, &inputs, kind, &load_options).await?;
        eprintln!(
            "  {:<34} {:>5} requests in {:>5.1} s: p50 {:>7.1} ms, p99 {:>7.1} ms, max {:>7.1} ms, {:>6.0}/s{}",
            kind.name(),
            result.requests,
            t.elapsed().as_secs_f64(),
            ms(result.p50),
            ms(result.p99),
            ms(result.max),
            result.per_sec,
            result
                .first_error
                .as_deref()
                .map(|e| format!(", {} errors, e.g. {e}", result.errors))
                .unwrap_or_default()
        );
        kinds.push(result);
    }
    let load_peak_kib = served.memory()?.hwm_kib;
    served.stop();
    Ok(ApiBenchReport {
        backend,
        findings: options.findings,
        load: loaded.report,
        index_secs,
        idle,
        build_peak_kib,
        load_peak_kib,
        index_bytes,
        kinds,
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

impl ApiBenchReport {
    /// The report as Markdown: the load and memory line, then a row per kind.
    pub fn markdown(&self, options: &ApiBenchOptions) -> String {
        let mut out = String::new();
        let r = &self.load;
        let _ = writeln!(
            out,
            "**{}, {} findings** ({} pages; {} resolved by a re-scan, {} triaged)\n",
            self.backend, self.findings, r.pages, r.resolved, r.triaged
        );
        let _ = writeln!(out, "| measure | value |\n| --- | ---: |");
        let _ = writeln!(
            out,
            "| load, scan pass (record_pages + enqueue_items + record_jobs) | {:.1} s, {:.0} findings/s |",
            r.scan_secs,
            r.scan_rate(self.findings)
        );
        let _ = writeln!(
            out,
            "| load, all (with re-scan, triage, ageing) | {:.1} s |",
            r.total_secs
        );
        let _ = writeln!(
            out,
            "| search index build (serve start to caught up) | {:.1} s, {:.0} findings/s, {:.0} MiB on disk |",
            self.index_secs,
            self.findings as f64 / self.index_secs,
            self.index_bytes as f64 / (1024.0 * 1024.0)
        );
        let _ = writeln!(
            out,
            "| RSS idle after catch-up / peak during the build / peak under load | {:.0} / {:.0} / {:.0} MiB |",
            mib(self.idle.rss_kib),
            mib(self.build_peak_kib),
            mib(self.load_peak_kib)
        );
        let _ = writeln!(
            out,
            "\n| request ({} each, {} in flight) | requests | p50 ms | p99 ms | max ms | req/s | items/answer |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            options.requests, options.concurrency
        );
        for k in &self.kinds {
            let _ = writeln!(
                out,
                "| {} | {}{}{} | {:.1} | {:.1} | {:.1} | {:.0} | {} |",
                k.kind.name(),
                k.requests,
                if k.cut_short { " (time limit)" } else { "" },
                if k.errors > 0 {
                    format!(", {} errors", k.errors)
                } else {
                    String::new()
                },
                ms(k.p50),
                ms(k.p99),
                ms(k.max),
                k.per_sec,
                k.mean_items
                    .map(|n| format!("{n:.0}"))
                    .unwrap_or_else(|| "-".into())
            );
        }
        out
    }
}

/// A database of our own on a PostgreSQL server, dropped at the end.
pub(crate) struct Database {
    server: String,
    name: String,
    pub(crate) url: String,
}

impl Database {
    pub(crate) async fn create(server: &str) -> anyhow::Result<Database> {
        let name = format!(
            "dlp_bench_{}_{:06x}",
            std::process::id(),
            rand::rng().random::<u32>() & 0xff_ffff
        );
        let mut conn = sqlx::postgres::PgConnection::connect(server)
            .await
            .context("connecting to the PostgreSQL server")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let (base, query) = server.split_once('?').unwrap_or((server, ""));
        let root = base.rsplit_once('/').map(|(r, _)| r).unwrap_or(base);
        let url = if query.is_empty() {
            format!("{root}/{name}")
        } else {
            format!("{root}/{name}?{query}")
        };
        Ok(Database {
            server: server.to_owned(),
            name,
            url,
        })
    }

    pub(crate) async fn drop_it(self) -> anyhow::Result<()> {
        let mut conn = sqlx::postgres::PgConnection::connect(&self.server).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await?;
        conn.close().await?;
        Ok(())
    }
}

/// The plans of the SQL behind the filter listing (by id, and by last seen) and the summary,
/// as the store builds it (`crates/store/src/findings/queries.rs`), for one space.
async fn explain(url: &str, space: &str) -> anyhow::Result<()> {
    let pool = data::pool(url).await?;
    let sqlite = url.starts_with("sqlite:");
    let prefix = if sqlite {
        "EXPLAIN QUERY PLAN"
    } else {
        "EXPLAIN (ANALYZE, BUFFERS)"
    };
    let filter =
        format!("WHERE f.space_key = '{space}' AND f.status = 'open' AND f.severity_rank >= 3");
    let columns = "f.*, p.title AS page_title, p.web_link";
    let from = "findings f LEFT JOIN content_pages p ON p.page_id = f.page_id";
    for sql in [
        format!("SELECT {columns} FROM {from} {filter} ORDER BY f.id LIMIT 101"),
        format!(
            "SELECT {columns} FROM {from} {filter} ORDER BY f.last_seen_at DESC, f.id DESC LIMIT 101"
        ),
        format!(
            "SELECT f.space_key, f.category, f.severity, f.detector, f.status, COUNT(*) \
             FROM findings f WHERE f.space_key = '{space}' \
             GROUP BY f.space_key, f.category, f.severity, f.detector, f.status"
        ),
    ] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{prefix} {sql}")))
            .fetch_all(&pool)
            .await?;
        eprintln!("-- {sql}");
        for row in rows {
            use sqlx::Row as _;
            let text: String = if sqlite {
                row.try_get(3).unwrap_or_default()
            } else {
                row.try_get(0).unwrap_or_default()
            };
            eprintln!("   {text}");
        }
    }
    pool.close().await;
    Ok(())
}
