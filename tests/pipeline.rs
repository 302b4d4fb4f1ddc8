//! The whole pipeline against the simulator: crawl -> jobs -> extract -> classify -> findings,
//! on the embedded default and on Redis + PostgreSQL.

mod common;

use std::collections::HashSet;

use common::*;
use confluence_dlp::app::App;
use confluence_dlp::scan::{ScanOutcome, ScanRequest, ScanTarget, run_scan};
use dlp_simulator::{Faults, ServerErrorBurst};
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

fn space_request() -> ScanRequest {
    ScanRequest {
        target: ScanTarget::Space {
            space_key: "ENG".into(),
        },
        run_workers: true,
        incremental: false,
    }
}

fn detectors() -> HashSet<String> {
    dlp_engine::Engine::builtin()
        .detector_ids()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

async fn scan(settings: &confluence_dlp::config::Settings) -> ScanOutcome {
    let app = App::build(settings.clone()).await.expect("app");
    run_scan(&app, space_request(), |_| {})
        .await
        .expect("scan completes")
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
    assert!(
        o.crawl.pages >= 30,
        "sample space has >= 30 pages, crawled {}",
        o.crawl.pages
    );
    assert!(o.crawl.blog_posts >= 1);
    assert_eq!(o.progress.queued, 0, "every job has an outcome");
    assert_eq!(
        o.progress.total,
        o.crawl.jobs + 1,
        "one item per job, and the crawl"
    );
    assert_eq!(o.progress.failed, 0, "no job failed: {:?}", o.problems);
    let checked = assert_matches_expected(&o.findings, &detectors());
    assert!(checked >= 20, "checked only {checked} planted values");
    // Every attachment of the sample space is in a format we read, images through OCR.
    assert!(
        o.problems.is_empty(),
        "items not (fully) scanned: {:?}",
        o.problems
    );
    assert_eq!(o.progress.not_extracted, 0);
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
    let per_page_gets: u64 = [
        "GET /wiki/api/v2/pages/{id}",
        "GET /wiki/api/v2/blogposts/{id}",
    ]
    .iter()
    .map(|r| stats.requests_by_route.get(*r).copied().unwrap_or(0))
    .sum();
    assert_eq!(per_page_gets, 0, "{stats:?}");
    assert!(
        !stats.media_saw_authorization,
        "credentials reached the media host"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_scan_of_the_sample_space_on_data_center() {
    let sim = spawn_flavor(dlp_simulator::Flavor::data_center(), Faults::default()).await;
    assert_eq!(sim.site_url().path(), "/confluence");
    let dir = tempfile::tempdir().unwrap();
    let settings = settings_dc(dir.path(), &sim.site_url());
    let outcome = scan(&settings).await;
    report("data center", &outcome);
    assert_complete(&outcome);
    assert_eq!(
        outcome.flavor.as_deref(),
        Some("datacenter (detected: the site has a context path)")
    );
    let stats = sim.stats();
    assert!(
        stats
            .requests_by_route
            .keys()
            .all(|route| route.contains(" /confluence/rest/api/")),
        "only v1 under the context path: {stats:?}"
    );
    assert_eq!(stats.unauthorized, 0, "the PAT was sent: {stats:?}");
    // Bulk reads: the listings and one search each for comments and attachments, whatever
    // the number of pages; downloads are one request per attachment.
    assert!(
        stats.api_requests <= 12,
        "{} API requests for {} pages: {stats:?}",
        stats.api_requests,
        outcome.crawl.pages
    );
}

#[sqlx::test(migrations = false)]
async fn full_scan_of_the_sample_space_on_redis_and_postgres(
    _pool: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_simulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    settings.database_url = Some(db.to_url_lossy().to_string().into());
    settings.redis_url = Some(redis_url().into());
    let _cleanup = RedisQueueGuard {
        queue: settings.workers.queue.clone(),
    };
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
    assert!(
        second.progress.unchanged > 0,
        "unchanged pages are skipped: {:?}",
        second.progress
    );
    assert_complete(&second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_do_not_lose_anything() {
    let faults = Faults {
        every_nth_429: Some(3),
        retry_after_secs: 1,
        burst_5xx: Some(ServerErrorBurst {
            after_requests: 6,
            count: 3,
            status: 503,
        }),
        ..Faults::default()
    };
    let sim = spawn_simulator(faults).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    // Small pages of results, so the crawl follows `_links.next` several times.
    settings.confluence.page_limit = 10;
    let outcome = scan(&settings).await;
    report("faults", &outcome);
    let stats = sim.stats();
    let page_lists = stats
        .requests_by_route
        .get("GET /wiki/api/v2/spaces/{id}/pages")
        .copied()
        .unwrap_or(0);
    assert!(
        page_lists >= 4,
        "36 pages at 10 a page take >= 4 list calls: {stats:?}"
    );
    assert!(stats.rate_limited >= 3, "{stats:?}");
    assert!(stats.server_errors >= 3, "{stats:?}");
    assert_complete(&outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_that_keep_failing_end_failed_with_their_error_after_max_attempts() {
    // Crawl a healthy site, then let the workers meet one that answers every API call with 503.
    let healthy = spawn_simulator(Faults::default()).await;
    let always_503 = Faults {
        burst_5xx: Some(ServerErrorBurst {
            after_requests: 0,
            count: u64::MAX / 2,
            status: 503,
        }),
        ..Faults::default()
    };
    let broken = spawn_simulator(always_503).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &healthy.site_url());
    settings.workers.max_attempts = 3;
    settings.confluence.max_retries = 0; // one request per attempt, so attempts can be counted
    let enqueue_only = ScanRequest {
        target: ScanTarget::Space {
            space_key: "ENG".into(),
        },
        run_workers: false,
        incremental: false,
    };
    let crawler = App::build(settings.clone()).await.unwrap();
    let crawled = run_scan(&crawler, enqueue_only, |_| {}).await.unwrap();
    // The crawl's jobs carry their bodies; a webhook's job about a page's comments must fetch
    // them. One such job per page joins the scan, to meet the broken site.
    let client = crawler.confluence.clone().unwrap();
    let space = client.space_by_key("ENG").await.unwrap();
    let pages = client.space_pages(&space).collect_all().await.unwrap();
    for page in &pages {
        let item = dlp_domain::ContentRef {
            space_key: "ENG".into(),
            content_type: dlp_domain::ContentType::Comment,
            page_id: page.id.clone(),
            page_version: None,
            comment_id: None,
            attachment_id: None,
            attachment_title: None,
        };
        let work = dlp_jobs::Work::Comments {
            item,
            container: dlp_domain::ContentType::Page,
        };
        let key = work.item_key();
        assert!(
            crawler
                .store
                .enqueue_item(&crawled.scan_id, &key, "comments")
                .await
                .unwrap()
        );
        let job = dlp_jobs::ScanJob {
            scan_id: crawled.scan_id.clone(),
            item_key: key,
            label: "comments".into(),
            work,
        };
        crawler.queue.push(job, 3).await.unwrap();
    }

    settings.confluence.site = Some(broken.site_url().to_string());
    let app = App::build(settings).await.unwrap();
    let store = app.store.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let pool = tokio::spawn(async move {
        app.run_workers(async move {
            let _ = stopped.await;
        })
        .await
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let progress = loop {
        let p = store.scan_progress(&crawled.scan_id).await.unwrap();
        if p.queued == 0 {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "jobs never reached an outcome: {p:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let _ = stop.send(());
    pool.await.unwrap().unwrap();

    let comment_jobs = pages.len() as u64;
    assert_eq!(progress.failed, comment_jobs, "{progress:?}");
    let problems = store.scan_item_problems(&crawled.scan_id).await.unwrap();
    let failed: Vec<_> = problems
        .iter()
        .filter(|p| p.status.as_str() == "failed")
        .collect();
    assert_eq!(failed.len() as u64, comment_jobs);
    for p in failed {
        assert!(p.item_key.starts_with("comments:"), "{p:?}");
        let error = p.error.as_deref().unwrap_or("");
        assert!(
            error.contains("gave up after 3 attempts") && error.contains("503"),
            "{error}"
        );
    }
    // The crawl's bodies travelled with the jobs and attachments download outside the API:
    // those finished.
    assert_eq!(
        progress.done + progress.not_extracted,
        progress.total - comment_jobs
    );
    // Each failing job was tried exactly max_attempts times.
    assert_eq!(
        broken.stats().server_errors,
        comment_jobs * 3,
        "{:?}",
        broken.stats()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_is_an_error_on_that_item_and_the_rest_goes_on() {
    use dlp_domain::{ContentRef, ContentType};
    use dlp_jobs::{ScanJob, Work, item_key};
    use dlp_store::{NewScan, ScanKind};

    let dir = tempfile::tempdir().unwrap();
    let settings = confluence_dlp::config::Settings {
        data_dir: dir.path().to_owned(),
        server_key: Some(SERVER_KEY.to_string().into()),
        ..Default::default()
    };
    let app = App::build(settings).await.unwrap();
    let scan_id = app
        .store
        .create_scan(&NewScan {
            kind: ScanKind::Space,
            site: None,
            space_key: Some("ENG".into()),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let page = |id: &str| ContentRef {
        space_key: "ENG".into(),
        content_type: ContentType::Page,
        page_id: id.into(),
        page_version: Some(1),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    };
    let bodies = [
        (
            "1",
            "<p>card <strong>4539 5787</strong> 6362 1486</p><table><tr><td>unclosed",
        ),
        ("2", "<p>AKIAQX4BRZ7ELK2MWN5T is the deploy key</p>"),
    ];
    for (id, body) in bodies {
        let item = page(id);
        let key = item_key(&item);
        app.store.enqueue_item(&scan_id, &key, id).await.unwrap();
        let job = ScanJob {
            scan_id: scan_id.clone(),
            item_key: key,
            label: id.into(),
            work: Work::Body {
                item,
                body: Some(app.workers.sealer.seal(body)),
            },
        };
        dlp_workers::execute(&job, &app.workers, 1)
            .await
            .expect("a malformed body is recorded, not retried");
    }
    let progress = app.store.scan_progress(&scan_id).await.unwrap();
    assert_eq!(
        (progress.done, progress.failed, progress.queued),
        (1, 1, 0),
        "{progress:?}"
    );
    let problems = app.store.scan_item_problems(&scan_id).await.unwrap();
    let error = problems[0].error.as_deref().unwrap();
    assert!(error.contains("malformed"), "{error}");
    assert!(
        !error.contains("4539") && !error.contains("1486"),
        "the error quotes content: {error}"
    );
    let findings = app.store.scan_findings(&scan_id).await.unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].detector, "aws-access-key-id");
}
