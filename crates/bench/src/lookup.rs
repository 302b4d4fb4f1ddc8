//! Redactor lookups under load: `POST /api/v1/lookup/content` at a fixed rate, open loop, for
//! items the service classified, once the cache holds them. Open loop: each request is sent
//! on schedule whatever the earlier ones' answers, so a server that falls behind shows in the
//! tail rather than slowing the client down with it. Latency runs from the request's send,
//! not its scheduled time: the client's timer fires by the millisecond, and at 5,000 a second
//! a schedule of 0.2 ms steps would charge each request up to 0.8 ms of the client's own lag.

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
    /// The server's own time for the same requests (its latency histogram, read before and
    /// after): the bucket bound under which 50% and 99% of them were answered. The rest of
    /// the client's figure is the client, on the same two cores, and the loopback.
    pub server_p50_at_most: Option<f64>,
    pub server_p99_at_most: Option<f64>,
    pub redact: Option<RedactReport>,
}

/// `POST /api/v1/redact` on one page-sized text, at a steady rate.
#[derive(Debug, Clone)]
pub struct RedactReport {
    pub text_bytes: usize,
    pub rate: u64,
    pub sent: usize,
    pub failed: usize,
    /// Redactions in each answer (the same text every time).
    pub redactions: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl LookupReport {
    pub fn markdown(&self) -> String {
        format!(
            "\n**Redactor lookups on cache hits**: {} requests at {}/s; {} answered from the \
             cache, {} failed\n\n| measured by | p50 | p99 | max |\n| --- | ---: | ---: | ---: |\n\
             | the client (from each request's send) | {:.3} ms | {:.3} ms | {:.3} ms |\n\
             | the server (its histogram's bucket bound) | <= {} | <= {} | |\n",
            self.sent,
            self.rate,
            self.cache_hits,
            self.failed,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3,
            bound(self.server_p50_at_most),
            bound(self.server_p99_at_most),
        ) + &self.redact.as_ref().map(|r| format!(
            "\n**`/redact` on a {} KB page** ({} redactions each: values the engine finds, and \
             known values bare): {} requests at {}/s, {} failed\n\n| p50 | p99 | max |\n\
             | ---: | ---: | ---: |\n| {:.3} ms | {:.3} ms | {:.3} ms |\n",
            r.text_bytes / 1000,
            r.redactions,
            r.sent,
            r.rate,
            r.failed,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3,
            r.max.as_secs_f64() * 1e3,
        )).unwrap_or_default()
    }
}

fn bound(seconds: Option<f64>) -> String {
    seconds.map_or("?".into(), |s| format!("{:.2} ms", s * 1e3))
}

/// The lookup route's latency buckets (upper bound in seconds, cumulative count), from
/// `/metrics`.
async fn server_buckets(http: &reqwest::Client, addr: &str) -> anyhow::Result<Vec<(f64, u64)>> {
    let text = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let mut buckets = Vec::new();
    for line in text.lines() {
        if !line.starts_with("dlp_api_request_duration_seconds_bucket")
            || !line.contains("lookup/content")
            || !line.contains("status=\"200\"")
        {
            continue;
        }
        let le = line
            .split("le=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("+Inf");
        let bound = if le == "+Inf" {
            f64::INFINITY
        } else {
            le.parse()?
        };
        let count: u64 = line.rsplit(' ').next().unwrap_or("0").parse()?;
        buckets.push((bound, count));
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(buckets)
}

/// The smallest bucket bound holding `p` of the requests counted between two reads.
fn bucket_quantile(before: &[(f64, u64)], after: &[(f64, u64)], p: f64) -> Option<f64> {
    let count = |buckets: &[(f64, u64)], le: f64| {
        buckets
            .iter()
            .find(|(b, _)| *b == le)
            .map_or(0, |(_, c)| *c)
    };
    let total = after.last().map(|(le, c)| c - count(before, *le))?;
    after
        .iter()
        .find(|(le, c)| (c - count(before, *le)) as f64 >= p * total as f64)
        .map(|(le, _)| *le)
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
    let before = server_buckets(&http, addr).await?;
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
            let sent = Instant::now();
            let answer = ask(&http, &url, &token, &id, version).await;
            let latency = sent.elapsed();
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
    let after = server_buckets(&http, addr).await?;
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
        server_p50_at_most: bucket_quantile(&before, &after, 0.50),
        server_p99_at_most: bucket_quantile(&before, &after, 0.99),
        redact: None,
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

/// A page of about `bytes` of prose with `secrets` in it, bare (no `aws_...=` before them):
/// only what the scans found before marks them.
pub fn page_text(bytes: usize, secrets: &[String]) -> String {
    const PROSE: &str = "The payments team rotates credentials every quarter and records the \
        change in the runbook. Build 4521 passed on agent build-07 after the 2025-10-14 review. ";
    let mut text = String::with_capacity(bytes + 256);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(PROSE);
        if i % 25 == 0
            && let Some(secret) = secrets.get(i / 25)
        {
            text.push_str("Old key: ");
            text.push_str(secret);
            text.push_str(". ");
        }
        i += 1;
    }
    text
}

/// `rate` redactions of `text` a second for `secs`, open loop.
pub async fn redact_load(
    addr: &str,
    token: &str,
    text: &str,
    rate: u64,
    secs: u64,
) -> anyhow::Result<RedactReport> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let url = format!("http://{addr}/api/v1/redact");
    let body = serde_json::to_vec(&json!({"text": text}))?;
    let first: Value = http
        .post(&url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await?
        .json()
        .await?;
    let redactions = first["redactions"].as_array().map_or(0, Vec::len);
    let total = usize::try_from(rate * secs)?;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        tokio::time::sleep_until((started + interval.mul_f64(i as f64)).into()).await;
        let (http, url, token, body) = (http.clone(), url.clone(), token.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = match http
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
            {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (sent.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut failed = 0;
    for task in tasks {
        let (latency, ok) = task.await.context("a redact task")?;
        latencies.push(latency);
        failed += usize::from(!ok);
    }
    latencies.sort();
    Ok(RedactReport {
        text_bytes: text.len(),
        rate,
        sent: total,
        failed,
        redactions,
        p50: crate::api::load::percentile(&latencies, 0.50),
        p99: crate::api::load::percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
    })
}
