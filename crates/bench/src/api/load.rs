//! The load: a small client of the API on loopback, a fixed number of requests per kind with a
//! bounded number in flight and a time limit, and the latencies it saw.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    pub fn new(addr: &str, token: &str) -> anyhow::Result<Client> {
        anyhow::ensure!(
            addr.starts_with("127.0.0.1:"),
            "the benchmark only talks to 127.0.0.1, not {addr}"
        );
        Ok(Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(64)
                .build()?,
            base: format!("http://{addr}"),
            token: token.to_owned(),
        })
    }

    /// GET `path` (with its query string); the status and the body.
    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?.to_vec();
        Ok((status, body))
    }

    pub async fn get_json(&self, path: &str) -> anyhow::Result<Value> {
        let (status, body) = self.get(path).await?;
        if status != 200 {
            bail!("GET {path}: {status} {}", String::from_utf8_lossy(&body));
        }
        Ok(serde_json::from_slice(&body)?)
    }
}

/// Polls until the search index shows the store's last write: the finding that was made a
/// false positive alone in the last transaction. The index applies the change feed in stamp
/// order and commits each batch whole, so once that change is searchable, every earlier one
/// is.
pub async fn wait_caught_up(
    client: &Client,
    page_id: &str,
    finding_id: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    let path = format!("/api/v1/findings?q=&page_id={page_id}&status=false_positive&limit=500");
    loop {
        let page = client.get_json(&path).await?;
        let found = page["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|f| f["id"] == finding_id));
        if found {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the search index did not catch up in {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Filters,
    FiltersPage2,
    FiltersSorted,
    Search,
    SearchFiltered,
    Summary,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Filters,
        Kind::FiltersPage2,
        Kind::FiltersSorted,
        Kind::Search,
        Kind::SearchFiltered,
        Kind::Summary,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Filters => "filters",
            Kind::FiltersPage2 => "filters, 2nd page (cursor)",
            Kind::FiltersSorted => "filters, sort=-last_seen",
            Kind::Search => "q=WORD",
            Kind::SearchFiltered => "q=WORD&space_key&sort=-severity",
            Kind::Summary => "summary?space_key",
        }
    }

    /// The request's path: what every request of the kind looks like.
    pub fn shape(self) -> &'static str {
        match self {
            Kind::Filters => "/findings?limit=100&space_key=S&severity=high&status=open",
            Kind::FiltersPage2 => "... &cursor=(page 1's next_cursor)",
            Kind::FiltersSorted => "... &sort=-last_seen",
            Kind::Search => "/findings?q=W&limit=100",
            Kind::SearchFiltered => "/findings?q=W&limit=100&space_key=S&sort=-severity",
            Kind::Summary => "/findings/summary?space_key=S",
        }
    }
}

fn filters(space: &str) -> String {
    format!("/api/v1/findings?limit=100&space_key={space}&severity=high&status=open")
}

/// What the requests vary over.
pub struct Inputs {
    pub spaces: Vec<String>,
    pub words: Vec<String>,
    /// (space, page 1's next_cursor) for every space with a second page.
    pub cursors: Vec<(String, String)>,
}

impl Inputs {
    pub async fn new(
        client: &Client,
        spaces: Vec<String>,
        words: Vec<String>,
    ) -> anyhow::Result<Inputs> {
        let mut cursors = Vec::new();
        for space in &spaces {
            let page = client.get_json(&filters(space)).await?;
            if let Some(cursor) = page["next_cursor"].as_str() {
                cursors.push((space.clone(), cursor.to_owned()));
            }
        }
        anyhow::ensure!(!cursors.is_empty(), "no space has a second page");
        Ok(Inputs {
            spaces,
            words,
            cursors,
        })
    }

    fn path(&self, kind: Kind, rng: &mut StdRng) -> String {
        let space = &self.spaces[rng.random_range(0..self.spaces.len())];
        let word = &self.words[rng.random_range(0..self.words.len())];
        match kind {
            Kind::Filters => filters(space),
            Kind::FiltersPage2 => {
                let (space, cursor) = &self.cursors[rng.random_range(0..self.cursors.len())];
                format!("{}&cursor={cursor}", filters(space))
            }
            Kind::FiltersSorted => format!("{}&sort=-last_seen", filters(space)),
            Kind::Search => format!("/api/v1/findings?q={word}&limit=100"),
            Kind::SearchFiltered => {
                format!("/api/v1/findings?q={word}&limit=100&space_key={space}&sort=-severity")
            }
            Kind::Summary => format!("/api/v1/findings/summary?space_key={space}"),
        }
    }
}

/// One kind's measurements.
#[derive(Debug)]
pub struct KindResult {
    pub kind: Kind,
    pub requests: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub per_sec: f64,
    /// Findings per answer, on average (None for the summary).
    pub mean_items: Option<f64>,
    /// Whether the time limit ended the run before `count` requests.
    pub cut_short: bool,
}

pub struct LoadOptions {
    pub count: usize,
    pub concurrency: usize,
    pub warmup: usize,
    pub max_time: Duration,
    pub seed: u64,
}

pub async fn run_kind(
    client: &Client,
    inputs: &Arc<Inputs>,
    kind: Kind,
    options: &LoadOptions,
) -> anyhow::Result<KindResult> {
    // Warm-up, not measured: connections, caches, the first page of each file.
    let mut rng = StdRng::seed_from_u64(options.seed ^ 0x5eed);
    for _ in 0..options.warmup {
        let path = inputs.path(kind, &mut rng);
        client.get(&path).await?;
    }

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + options.max_time;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency.max(1) {
        let client = client.clone();
        let inputs = inputs.clone();
        let next = next.clone();
        let count = options.count;
        let seed = options.seed;
        tasks.spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || Instant::now() > deadline {
                    break;
                }
                // Request i is the same in every run, whichever worker sends it.
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(i as u64));
                let path = inputs.path(kind, &mut rng);
                let t = Instant::now();
                let answer = client.get(&path).await;
                let elapsed = t.elapsed();
                samples.push(Sample::of(elapsed, answer, &path));
            }
            samples
        });
    }
    let mut samples = Vec::with_capacity(options.count);
    while let Some(done) = tasks.join_next().await {
        samples.extend(done.context("a load task panicked")?);
    }
    let wall = started.elapsed();
    let requests = samples.len();
    anyhow::ensure!(requests > 0, "no request was sent for {}", kind.name());
    let errors: Vec<&Sample> = samples.iter().filter(|s| s.error.is_some()).collect();
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    latencies.sort();
    let items: Vec<usize> = samples.iter().filter_map(|s| s.items).collect();
    Ok(KindResult {
        kind,
        requests,
        errors: errors.len(),
        first_error: errors.first().and_then(|s| s.error.clone()),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: *latencies.last().unwrap_or(&Duration::ZERO),
        per_sec: requests as f64 / wall.as_secs_f64(),
        mean_items: (kind != Kind::Summary && !items.is_empty())
            .then(|| items.iter().sum::<usize>() as f64 / items.len() as f64),
        cut_short: requests < options.count,
    })
}

struct Sample {
    latency: Duration,
    error: Option<String>,
    items: Option<usize>,
}

impl Sample {
    fn of(latency: Duration, answer: anyhow::Result<(u16, Vec<u8>)>, path: &str) -> Sample {
        match answer {
            Ok((200, body)) => Sample {
                latency,
                error: None,
                items: serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v["items"].as_array().map(Vec::len)),
            },
            Ok((status, body)) => Sample {
                latency,
                error: Some(format!(
                    "GET {path}: {status} {}",
                    String::from_utf8_lossy(&body)
                )),
                items: None,
            },
            Err(e) => Sample {
                latency,
                error: Some(format!("GET {path}: {e}")),
                items: None,
            },
        }
    }
}

/// Nearest-rank percentile of sorted samples (zero for none).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&ms, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&ms, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&ms[..1], 0.99), Duration::from_millis(1));
    }
}
