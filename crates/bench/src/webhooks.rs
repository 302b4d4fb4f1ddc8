//! `dlp-bench webhooks`: the time from a page edit in Confluence to its finding being
//! queryable over REST, through the Forge webhook, at a steady rate of edits.
//!
//! The simulator (in this process) serves a generated space of `rate x secs` pages and plays
//! Forge: each edit (`PUT /wiki/api/v2/pages/{id}`, the next version) pastes a new AWS key into
//! a page no other edit touches and is POSTed, signed, to the release binary's `serve` (every
//! role in one process, a child). A poller walks `GET /findings` (open AWS-key findings by
//! first seen, by cursor) every 50 ms; an edit's latency runs from its write's answer to the
//! first poll that shows a finding on its page at its version.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use serde_json::json;
use tokio::sync::Mutex;

use crate::api::load::Client;
use crate::api::server::ServeEnv;
use crate::crawl::{CrawlBenchOptions, FIRST_ID, generate};

#[derive(Debug, Clone)]
pub struct WebhookBenchOptions {
    /// Edits per second.
    pub rate: u64,
    pub secs: u64,
    pub bin: PathBuf,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    /// How long after the last edit its finding may still arrive; after that an edit counts
    /// as not seen (late or lost: the serve log tells which).
    pub grace: Duration,
    /// Keep the data directory (store, queue, serve.log) for a look afterwards.
    pub keep: bool,
    /// The worker pool's tasks in `serve` (its default when `None`).
    pub worker_concurrency: Option<usize>,
    /// Run the workers in a process of their own (`serve --role worker`, beside
    /// `serve --role api`) and SIGKILL it this long into the burst, starting a new one at
    /// once, as a supervisor would: no edit's finding may be lost. PostgreSQL + Redis only
    /// (the embedded backends are one process's).
    pub kill_worker_after: Option<Duration>,
    /// After the burst, redactor lookups of the pages edited, at this load.
    pub lookups: Option<crate::lookup::LookupLoad>,
}

#[derive(Debug, Clone)]
pub struct WebhookReport {
    pub backend: &'static str,
    pub edits: usize,
    pub seen: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub delivered: u64,
    pub failed: u64,
    /// The slowest answer `serve` gave to an event's POST (Confluence expects 3 s at most).
    pub answer_max: Duration,
    /// When the worker process was killed, if it was.
    pub killed_at: Option<Duration>,
    /// From each write's answer to the finding's `first_seen`, the server's stamp (its
    /// commit follows within the transaction): latency without the poller's own delays.
    pub recorded_p50: Duration,
    pub recorded_p99: Duration,
    pub lookups: Option<crate::lookup::LookupReport>,
}

/// Latencies, edits seen, when the worker was killed, the server's stamps, lookups.
type Measured = (
    Vec<Duration>,
    usize,
    Option<Duration>,
    Vec<Duration>,
    Option<crate::lookup::LookupReport>,
);

/// Edits whose finding is awaited: (page id, version) -> when the write was answered, by the
/// monotonic clock (for latency) and the wall clock (to compare with the server's stamp).
type Pending = Arc<Mutex<HashMap<(String, u64), (Instant, SystemTime)>>>;

const APP_ID: &str = "ari:cloud:ecosystem::app/dlp-bench";
const POLL: Duration = Duration::from_millis(50);

pub fn run(options: &WebhookBenchOptions) -> anyhow::Result<WebhookReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run_async(options))
}

async fn run_async(options: &WebhookBenchOptions) -> anyhow::Result<WebhookReport> {
    crate::require_binary(&options.bin)?;
    anyhow::ensure!(
        options.kill_worker_after.is_none() || options.database_url.is_some(),
        "--kill-worker-after-secs needs --database-url and --redis-url: the embedded \
         backends serve one process"
    );
    let edits = (options.rate * options.secs) as usize;
    let temp = tempfile::Builder::new()
        .prefix("dlp-bench-webhooks-")
        .tempdir()?;
    let root = temp.path().join("spaces");
    generate(
        &root.join("GEN"),
        &CrawlBenchOptions {
            pages: edits as u64,
            latency: Duration::ZERO,
            comment_every: 0,
            attachment_every: 0,
            bin: options.bin.clone(),
            concurrency: 1,
            flavor: dlp_simulator::Flavor::Cloud,
        },
    )?;
    let sim = dlp_simulator::spawn(
        dlp_simulator::SimulatorConfig::new(&root),
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let data_dir = temp.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let config = temp.path().join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "[api]\nrequests_per_sec = 1000000\nburst = 1000000\n\n\
             [confluence]\nsite = \"{}\"\n\n\
             [webhooks.forge]\napp_id = \"{APP_ID}\"\njwks_url = \"{}\"\n\n\
             [workers]\n{}{}",
            sim.site_url(),
            sim.forge_jwks_url(),
            options
                .worker_concurrency
                .map(|n| format!("concurrency = {n}\n"))
                .unwrap_or_default(),
            // A killed worker's jobs go back to the queue once its heartbeat is missed.
            if options.kill_worker_after.is_some() {
                "heartbeat_secs = 1\n"
            } else {
                ""
            }
        ),
    )?;
    let database = match &options.database_url {
        Some(server) => Some(crate::api::Database::create(server).await?),
        None => None,
    };
    let backend = if database.is_some() {
        "PostgreSQL + Redis"
    } else {
        "SQLite + embedded queue"
    };
    let env = ServeEnv {
        bin: options.bin.clone(),
        config,
        data_dir: data_dir.clone(),
        server_key: "ab".repeat(32),
        database_url: database.as_ref().map(|d| d.url.clone()),
        redis_url: database.as_ref().and(options.redis_url.clone()),
        queue: format!("dlp-bench-webhooks-{}", std::process::id()),
    };
    let result = measure(options, edits, &sim, &env, temp.path()).await;
    if options.keep {
        eprintln!("kept {}", temp.keep().display());
    }
    if let Some(db) = database {
        db.drop_it().await?;
    }
    let (latencies, seen_all, killed_at, mut recorded, lookups) = result?;
    recorded.sort();
    let stats = sim.stats();
    let mut sorted = latencies;
    sorted.sort();
    let at = |p: f64| crate::api::load::percentile(&sorted, p);
    Ok(WebhookReport {
        backend,
        edits,
        seen: seen_all,
        p50: at(0.50),
        p99: at(0.99),
        max: sorted.last().copied().unwrap_or_default(),
        delivered: stats.webhooks_delivered,
        failed: stats.webhooks_failed,
        answer_max: Duration::from_millis(stats.webhook_answer_max_ms),
        killed_at,
        recorded_p50: crate::api::load::percentile(&recorded, 0.50),
        recorded_p99: crate::api::load::percentile(&recorded, 0.99),
        lookups,
    })
}

async fn measure(
    options: &WebhookBenchOptions,
    edits: usize,
    sim: &dlp_simulator::SimulatorHandle,
    env: &ServeEnv,
    dir: &std::path::Path,
) -> anyhow::Result<Measured> {
    let token = env.create_token("bench")?;
    let log = dir.join("serve.log");
    let (served, mut worker) = match options.kill_worker_after {
        None => (env.serve_roles(&log, &[])?, None),
        Some(_) => {
            let served = env.serve_roles(&log, &["--role", "api"])?;
            (served, Some(env.worker(&dir.join("worker.log"))?))
        }
    };
    let api = Client::new(&served.addr, &token)?;
    let checker = api.clone();
    sim.add_forge_target(dlp_simulator::ForgeTarget {
        url: format!("http://{}/webhooks/forge", served.addr).parse()?,
        app_id: APP_ID.into(),
    });
    // (page id, version) -> when its write was answered.
    let pending: Pending = Arc::default();
    // (when the edit was answered, its latency)
    let latencies: Arc<Mutex<Vec<(Instant, Duration)>>> = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let recorded: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let poller = tokio::spawn(poll(
        api,
        pending.clone(),
        latencies.clone(),
        recorded.clone(),
        done.clone(),
    ));

    let http = reqwest::Client::new();
    let site = sim.site_url();
    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / options.rate as f64);
    let mut writes = Vec::with_capacity(edits);
    let mut killed_at = None;
    for i in 0..edits {
        tokio::time::sleep_until((started + interval * i as u32).into()).await;
        if let (Some(after), Some(child), None) =
            (options.kill_worker_after, worker.as_mut(), killed_at)
            && started.elapsed() >= after
        {
            // SIGKILL: no shutdown, no acknowledgement of the jobs in hand.
            child.kill()?;
            child.wait()?;
            killed_at = Some(started.elapsed());
            eprintln!(
                "killed the worker process at {:.1} s; starting another",
                after.as_secs_f64()
            );
            worker = Some(env.worker(&dir.join("worker.log"))?);
        }
        let page = (FIRST_ID + i as u64).to_string();
        let url = format!("{site}wiki/api/v2/pages/{page}");
        let body = json!({
            "id": page, "status": "current", "title": format!("Generated page {i}"),
            "body": {"representation": "storage",
                     "value": format!("<p>aws_access_key_id = {}</p>", aws_key(i))},
            "version": {"number": 2, "message": "bench edit"},
        });
        let (http, pending) = (http.clone(), pending.clone());
        writes.push(tokio::spawn(async move {
            let answer = http.put(&url).json(&body).send().await;
            match answer {
                Ok(r) if r.status().is_success() => {
                    pending
                        .lock()
                        .await
                        .insert((page, 2), (Instant::now(), SystemTime::now()));
                    Ok(())
                }
                Ok(r) => Err(anyhow::anyhow!("edit of {page}: {}", r.status())),
                Err(e) => Err(anyhow::Error::new(e).context(format!("edit of {page}"))),
            }
        }));
    }
    for write in writes {
        write.await??;
    }
    let deadline = Instant::now() + options.grace;
    while Instant::now() < deadline && !pending.lock().await.is_empty() {
        tokio::time::sleep(POLL).await;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.await.context("the poller")??;
    let lost = pending.lock().await.len();
    // An edit the walk did not see is asked for by its page: recorded (the walk passed it,
    // e.g. a finding committed after a later-stamped one) or not recorded at all (lost).
    let mut recorded_late = 0;
    for (page, version) in pending.lock().await.keys() {
        let found = checker
            .get_json(&format!(
                "/api/v1/findings?page_id={page}&detector=aws-access-key-id&status=open"
            ))
            .await?;
        let at_version = found["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["location"]["page_version"].as_u64() == Some(*version));
        if at_version {
            recorded_late += 1;
        } else {
            eprintln!("lost: page {page} version {version} has no finding");
        }
    }
    if lost > 0 {
        eprintln!(
            "{lost} edits' findings were not seen by the walk within {:?} of the last edit; \
             {recorded_late} of them are recorded (found by page), {} are not",
            options.grace,
            lost - recorded_late
        );
    }
    // The pages edited, each classified at version 2, looked up as a redactor would.
    let lookups = match options.lookups {
        Some(load) => {
            let token = env.create_token_with("bench-lookup", "lookup")?;
            let items: Vec<(String, u64)> = (0..edits)
                .map(|i| ((FIRST_ID + i as u64).to_string(), 2))
                .collect();
            let mut report = crate::lookup::run(&served.addr, &token, &items, load).await?;
            // A 50 KB page holding twenty of the keys the edits pasted, bare.
            let secrets: Vec<String> = (0..20).map(|i| aws_key(i * 7)).collect();
            let text = crate::lookup::page_text(50_000, &secrets);
            report.redact =
                Some(crate::lookup::redact_load(&served.addr, &token, &text, 50, 10).await?);
            Some(report)
        }
        None => None,
    };
    if let Some(mut child) = worker {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut timeline = latencies.lock().await.clone();
    // Where in the burst the slowest edits were made: a stall shows as a cluster.
    timeline.sort_by_key(|(_, latency)| std::cmp::Reverse(*latency));
    for (written, latency) in timeline.iter().take(5) {
        eprintln!(
            "slow: an edit made {:.1} s into the burst took {} ms",
            written.saturating_duration_since(started).as_secs_f64(),
            latency.as_millis()
        );
    }
    let latencies: Vec<Duration> = timeline.into_iter().map(|(_, l)| l).collect();
    let seen = latencies.len();
    let recorded = recorded.lock().await.clone();
    Ok((latencies, seen, killed_at, recorded, lookups))
}

/// Open AWS-key findings in the order first seen, walked by cursor so that none is skipped
/// however many arrive between two polls, matched to the edits waiting for them.
async fn poll(
    api: Client,
    pending: Pending,
    latencies: Arc<Mutex<Vec<(Instant, Duration)>>>,
    recorded: Arc<Mutex<Vec<Duration>>>,
    done: Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<()> {
    // The last page's cursor: each poll reads on from it (the page it ends is read again,
    // until a next page exists, and what was matched before is no longer waited for).
    let mut cursor: Option<String> = None;
    while !done.load(std::sync::atomic::Ordering::Relaxed) {
        let mut path =
            "/api/v1/findings?detector=aws-access-key-id&status=open&sort=first_seen&limit=500"
                .to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = api.get_json(&path).await?;
        let now = Instant::now();
        let mut waiting = pending.lock().await;
        for item in page["items"].as_array().into_iter().flatten() {
            let key = (
                item["location"]["page_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                item["location"]["page_version"].as_u64().unwrap_or(0),
            );
            if let Some((written, written_at)) = waiting.remove(&key) {
                latencies.lock().await.push((written, now - written));
                // When the server stamped the finding: queryable from its commit, a moment
                // later, whether or not this poller was there to ask.
                let stamped = item["first_seen"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| SystemTime::from(t.with_timezone(&chrono::Utc)));
                if let Some(stamped) = stamped {
                    recorded
                        .lock()
                        .await
                        .push(stamped.duration_since(written_at).unwrap_or_default());
                }
            }
        }
        drop(waiting);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => tokio::time::sleep(POLL).await,
        }
    }
    Ok(())
}

/// A distinct, well-formed AWS access key id per edit (`AKIA` and 16 base32 characters).
fn aws_key(i: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut n = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1A4_F87D;
    let tail: String = (0..16)
        .map(|_| {
            let c = ALPHABET[(n % 32) as usize] as char;
            n = n / 32 + 0x1234_5678_9ABC_DEF1u64.rotate_left((n % 13) as u32);
            c
        })
        .collect();
    format!("AKIA{tail}")
}

impl WebhookReport {
    pub fn markdown(&self, options: &WebhookBenchOptions) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "**Webhook to finding, {}**{}: {} edits at {}/s for {} s; {} findings seen \
             ({} not seen within {} s of the last edit); events delivered {}, failed {}; \
             slowest answer to an event {} ms\n\n\
             | measured to | p50 ms | p99 ms | max ms |\n| --- | ---: | ---: | ---: |\n\
             | the poller seeing it over REST | {:.0} | {:.0} | {:.0} |\n\
             | the server's stamp (`first_seen`) | {:.0} | {:.0} | |\n",
            self.backend,
            self.killed_at
                .map(|at| format!(
                    ", the worker process SIGKILLed at {:.1} s and replaced",
                    at.as_secs_f64()
                ))
                .unwrap_or_default(),
            self.edits,
            options.rate,
            options.secs,
            self.seen,
            self.edits - self.seen,
            options.grace.as_secs(),
            self.delivered,
            self.failed,
            self.answer_max.as_millis(),
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            ms(self.recorded_p50),
            ms(self.recorded_p99),
        ) + &self
            .lookups
            .as_ref()
            .map(crate::lookup::LookupReport::markdown)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_keys_are_distinct_and_well_formed() {
        let keys: std::collections::HashSet<String> = (0..10_000).map(aws_key).collect();
        assert_eq!(keys.len(), 10_000);
        assert!(keys.iter().all(|k| {
            k.len() == 20
                && k.starts_with("AKIA")
                && k[4..]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        }));
    }
}
