//! `/metrics` in the Prometheus text format: API requests and their latency by route, method
//! and status, counted by a middleware; findings by category and status and the running scans'
//! jobs by state, read from the store at each scrape (grouped queries, so the numbers are
//! those of every process writing it); and this process's own counts (`crate::metrics`).
//!
//! Each server has its own registry rather than the process-wide default, so that several
//! servers in one test process do not count into each other.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};

use axum::middleware::Next;
use axum::response::Response;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

use super::ApiState;
use super::error::ApiError;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    findings: IntGaugeVec,
    jobs: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "dlp_api_requests_total",
                "API requests answered, by route, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        // Buckets around the read routes' goal (p99 under 50 ms) and, below a millisecond,
        // the redactor lookups' (p99 under 1 ms).
        let buckets = vec![
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            2.5, 10.0,
        ];
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "dlp_api_request_duration_seconds",
                "API request latency, by route, method and status",
            )
            .buckets(buckets),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let findings = IntGaugeVec::new(
            Opts::new(
                "dlp_findings",
                "Findings in the store, by category and status",
            ),
            &["category", "status"],
        )
        .expect("valid metric");
        let jobs = IntGaugeVec::new(
            Opts::new(
                "dlp_scan_jobs",
                "Jobs of the running scans, by state (queued, done, unchanged, failed, \
                 not_extracted), from the store: every process's work",
            ),
            &["state"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(findings.clone()),
            Box::new(jobs.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Metrics {
            registry,
            requests,
            latency,
            findings,
            jobs,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Middleware on every route: counts the request and its latency. The route label is the
/// route's pattern (`/api/v1/findings/{id}`), never the path itself, so ids and probes of
/// unknown paths do not grow the label set.
pub async fn track(State(state): State<Arc<ApiState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [route.as_str(), method.as_str(), status.as_str()];
    state.metrics.requests.with_label_values(&labels).inc();
    state
        .metrics
        .latency
        .with_label_values(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

#[utoipa::path(get, path = "/metrics", tag = "probes",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
/// `GET /metrics`, without a token (scrapers on the private network): it shows counts only.
pub async fn scrape(State(state): State<Arc<ApiState>>) -> Result<Response, ApiError> {
    let m = &state.metrics;
    let store = &state.app.store;
    m.findings.reset();
    for (category, status, count) in store.finding_counts().await? {
        m.findings
            .with_label_values(&[category.as_str(), status.as_str()])
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    m.jobs.reset();
    for (status, count) in store.running_job_counts().await? {
        m.jobs
            .with_label_values(&[status.as_str()])
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    let process = &state.app.metrics;
    process.refresh(&state.app);
    crate::metrics::render(&[&m.registry, &process.registry])
        .map_err(|e| ApiError::Internal(Box::new(e)))
}
