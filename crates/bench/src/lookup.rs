//! Redactor lookups under load: `POST /api/v1/lookup/content` at a fixed rate, open loop, for
//! items the service classified, once the cache holds them. Latency runs from each request's
//! scheduled start (a request the client could not send on time counts its wait), so a
//! server that falls behind shows in the tail rather than slowing the client down with it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Debug, Clone, Copy)]
pub struct LookupLoad {
    pub rate: u64,
    pub secs: u64,
}

#[derive(Debug, Clone)]
pub struct LookupReport {
    pub rate: u64,
    pub sent: usize,
    /// Answered 200 with a verdict from the cache.
    pub cache_hits: usize,
    pub failed: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl LookupReport {
    pub fn markdown(&self) -> String {
        format!(
            "\n**Redactor lookups on cache hits**: {} requests at {}/s; {} answered from the \
             cache, {} failed\n\n| p50 | p99 | max |\n| ---: | ---: | ---: |\n| {:.3} ms | {:.3} ms | {:.3} ms |\n",
            self.sent,
            self.rate,
            self.cache_hits,
            self.failed,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3,
        )
    }
}

/// Asks for each item once (the cache is filled), then `load.rate` lookups a second for
/// `load.secs`, round-robin over the items.
pub async fn run(
    addr: &str,
    token: &str,
    items: &[(String, u64)],
    load: LookupLoad,
) -> anyhow::Result<LookupReport> {
    anyhow::ensure!(
        addr.starts_with("127.0.0.1:"),
        "the benchmark only talks to 127.0.0.1, not {addr}"
    );
    anyhow::ensure!(!items.is_empty(), "no items to look up");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(256)
        .build()?;
    let url = format!("http://{addr}/api/v1/lookup/content");
    for (id, version) in items {
        let answer = ask(&http, &url, token, id, *version).await?;
        anyhow::ensure!(answer.0 == 200, "warm-up lookup of {id}: {}", answer.0);
    }
    let total = usize::try_from(load.rate * load.secs)?;
    let interval = Duration::from_secs_f64(1.0 / load.rate.max(1) as f64);
    let results: Arc<Mutex<Vec<(Duration, bool, bool)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(total)));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (id, version) = items[i % items.len()].clone();
        let (http, url, token, results) =
            (http.clone(), url.clone(), token.to_owned(), results.clone());
        tasks.push(tokio::spawn(async move {
            let answer = ask(&http, &url, &token, &id, version).await;
            let latency = due.elapsed();
            let (ok, hit) = match answer {
                Ok((200, body)) => (true, body["source"] == "cache"),
                _ => (false, false),
            };
            results.lock().await.push((latency, ok, hit));
        }));
    }
    for task in tasks {
        task.await.context("a lookup task")?;
    }
    let results = results.lock().await;
    let mut latencies: Vec<Duration> = results.iter().map(|r| r.0).collect();
    latencies.sort();
    let at = |p| crate::api::load::percentile(&latencies, p);
    Ok(LookupReport {
        rate: load.rate,
        sent: results.len(),
        cache_hits: results.iter().filter(|r| r.1 && r.2).count(),
        failed: results.iter().filter(|r| !r.1).count(),
        p50: at(0.50),
        p99: at(0.99),
        max: latencies.last().copied().unwrap_or_default(),
    })
}

async fn ask(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    id: &str,
    version: u64,
) -> anyhow::Result<(u16, Value)> {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(&json!({"content_id": id, "version": version}))
        .send()
        .await?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}
