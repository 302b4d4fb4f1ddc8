//! What every process of the service counts about its own work, whatever its role: jobs by
//! kind and result with their durations, and Confluence's answers by status (429s included).
//! The API's `/metrics` shows these beside its own; a worker or scheduler process shows them
//! on `--metrics-listen` (`DLP_METRICS_LISTEN`), since each process counts only itself.
//!
//! A registry per `App`, not the process-wide default, so that tests running several apps in
//! one process do not count into each other.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

use crate::app::App;

pub struct ProcessMetrics {
    pub registry: Registry,
    jobs: IntCounterVec,
    job_duration: HistogramVec,
    confluence: IntCounterVec,
    /// The client's cumulative counts at the last scrape, to turn them into counter steps.
    confluence_seen: Mutex<HashMap<u16, u64>>,
}

/// How a job attempt ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobResult {
    /// Recorded (classified, unchanged, not extracted, or failed for good).
    Ended,
    /// Failed in a way worth another attempt.
    Retried,
    /// Its scan was no longer running (cancelled): nothing done.
    Dropped,
}

impl JobResult {
    fn as_str(self) -> &'static str {
        match self {
            JobResult::Ended => "ended",
            JobResult::Retried => "retried",
            JobResult::Dropped => "dropped",
        }
    }
}

impl ProcessMetrics {
    pub fn new() -> ProcessMetrics {
        let registry = Registry::new();
        let jobs = IntCounterVec::new(
            Opts::new(
                "dlp_jobs_total",
                "Job attempts this process ran, by kind and result",
            ),
            &["kind", "result"],
        )
        .expect("valid metric");
        let job_duration = HistogramVec::new(
            HistogramOpts::new(
                "dlp_job_duration_seconds",
                "Time a job attempt took in this process, by kind",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
            ]),
            &["kind"],
        )
        .expect("valid metric");
        let confluence = IntCounterVec::new(
            Opts::new(
                "dlp_confluence_requests_total",
                "Requests this process sent to Confluence, by the status answered (0: no answer)",
            ),
            &["status"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(jobs.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(job_duration.clone()),
            Box::new(confluence.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        ProcessMetrics {
            registry,
            jobs,
            job_duration,
            confluence,
            confluence_seen: Mutex::new(HashMap::new()),
        }
    }

    pub fn job(&self, kind: &str, result: JobResult, took: Duration) {
        self.jobs.with_label_values(&[kind, result.as_str()]).inc();
        if result != JobResult::Dropped {
            self.job_duration
                .with_label_values(&[kind])
                .observe(took.as_secs_f64());
        }
    }

    /// Brings the Confluence counter up to the client's counts.
    pub fn refresh(&self, app: &App) {
        let Some(client) = &app.confluence else {
            return;
        };
        let Ok(mut seen) = self.confluence_seen.lock() else {
            return;
        };
        for (status, total) in client.status_counts() {
            let before = seen.insert(status, total).unwrap_or(0);
            if total > before {
                self.confluence
                    .with_label_values(&[status.to_string().as_str()])
                    .inc_by(total - before);
            }
        }
    }
}

impl Default for ProcessMetrics {
    fn default() -> Self {
        ProcessMetrics::new()
    }
}

/// The Prometheus text of these registries.
pub fn render(registries: &[&Registry]) -> Result<Response, prometheus::Error> {
    let mut families = Vec::new();
    for r in registries {
        families.extend(r.gather());
    }
    let text = TextEncoder::new().encode_to_string(&families)?;
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}

/// `/metrics` alone, for a process without the API (`--role worker|scheduler`).
pub async fn serve_metrics(
    app: Arc<App>,
    addr: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    async fn scrape(State(app): State<Arc<App>>) -> Response {
        app.metrics.refresh(&app);
        render(&[&app.metrics.registry]).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot render metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "metrics on /metrics");
    let router = Router::new().route("/metrics", get(scrape)).with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
