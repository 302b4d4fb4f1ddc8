//! The whole pipeline against the simulator: crawl -> jobs -> extract -> classify -> findings,
//! on the embedded default and on Redis + PostgreSQL.

mod common;

use std::collections::HashSet;

use common::*;
use confluence_dlp::cli::client_from;
use confluence_dlp::scan::{ScanOutcome, ScanRequest, ScanTarget, run_scan};
use confluence_dlp::simulator::{Faults, ServerErrorBurst};
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

fn space_request() -> ScanRequest {
    ScanRequest { target: ScanTarget::Space { space_key: "ENG".into() }, run_workers: true }
}

fn detectors() -> HashSet<String> {
    confluence_dlp::classify::Engine::builtin().detector_ids().into_iter().map(str::to_owned).collect()
}

async fn scan(settings: &confluence_dlp::config::Settings) -> ScanOutcome {
    let client = client_from(settings).expect("client");
    run_scan(settings, Some(client), space_request(), |_| {}).await.expect("scan completes")
}

fn report(name: &str, o: &ScanOutcome) {
    let pages = (o.crawl.pages + o.crawl.blog_posts) as f64;
    eprintln!(
        "[{name}] queue={} wall={:.2}s pages+posts={} ({:.1}/s) jobs={} api_requests={} ({:.2} per page) findings={} not_extracted={} failed={}",
        o.queue,
        o.elapsed.as_secs_f64(),
        pages,
        pages / o.elapsed.as_secs_f64(),
        o.crawl.jobs,
        o.api_requests,
        o.api_requests as f64 / pages,
        o.findings.len(),
        o.progress.not_extracted,
        o.progress.failed,
    );
}

fn assert_complete(o: &ScanOutcome) {
    let expected = Expected::load();
    assert!(o.crawl.pages >= 30, "sample space has >= 30 pages, crawled {}", o.crawl.pages);
    assert!(o.crawl.blog_posts >= 1);
    assert_eq!(o.progress.queued, 0, "every job has an outcome");
    assert_eq!(o.progress.total, o.crawl.jobs, "one item per job");
    assert_eq!(o.progress.failed, 0, "no job failed: {:?}", o.problems);
    let checked = assert_matches_expected(&o.findings, &detectors());
    assert!(checked >= 20, "checked only {checked} planted values");
    // Attachments whose format is not extracted here (images: these scans run without OCR)
    // are listed, not skipped silently.
    let waiting: HashSet<&str> =
        expected.planted.iter().filter(|p| p.needs.as_deref() == Some("ocr")).filter_map(|p| p.attachment_title.as_deref()).collect();
    for title in waiting {
        assert!(
            o.problems.iter().any(|p| p.status.as_str() == "not_extracted" && p.label == title),
            "{title} is not listed as not extracted: {:?}",
            o.problems
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_scan_of_the_sample_space_on_the_embedded_default() {
    let sim = spawn_simulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    let outcome = scan(&settings).await;
    report("embedded", &outcome);
    assert_eq!(outcome.queue, "embedded");
    assert_complete(&outcome);
    // The body came with the list call: no per-page GET on a full crawl.
    let stats = sim.stats();
    let per_page_gets: u64 = ["GET /wiki/api/v2/pages/{id}", "GET /wiki/api/v2/blogposts/{id}"]
        .iter()
        .map(|r| stats.requests_by_route.get(*r).copied().unwrap_or(0))
        .sum();
    assert_eq!(per_page_gets, 0, "{stats:?}");
    assert!(!stats.media_saw_authorization, "credentials reached the media host");
}

#[sqlx::test(migrations = false)]
async fn full_scan_of_the_sample_space_on_redis_and_postgres(_pool: PgPoolOptions, db: PgConnectOptions) {
    let sim = spawn_simulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    settings.database_url = Some(db.to_url_lossy().to_string().into());
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    settings.redis_url = Some(redis.into());
    let outcome = scan(&settings).await;
    report("redis+postgres", &outcome);
    assert_eq!(outcome.queue, "redis");
    assert_complete(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rescan_duplicates_nothing_and_skips_unchanged_content() {
    let sim = spawn_simulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    let first = scan(&settings).await;
    let second = scan(&settings).await;
    report("rescan", &second);
    let ids = |o: &ScanOutcome| o.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&second));
    assert!(second.progress.unchanged > 0, "unchanged pages are skipped: {:?}", second.progress);
    assert_complete(&second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_do_not_lose_anything() {
    let mut faults = Faults::default();
    faults.every_nth_429 = Some(20);
    faults.retry_after_secs = 1;
    faults.burst_5xx = Some(ServerErrorBurst { after_requests: 15, count: 3, status: 503 });
    let sim = spawn_simulator(faults).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    let outcome = scan(&settings).await;
    report("faults", &outcome);
    let stats = sim.stats();
    assert!(stats.rate_limited >= 3, "{stats:?}");
    assert!(stats.server_errors >= 3, "{stats:?}");
    assert_complete(&outcome);
}
