//! The whole pipeline against the simulator: crawl -> jobs -> extract -> classify -> findings,
//! on the embedded default and on Redis + PostgreSQL.

mod common;

use std::collections::HashSet;

use common::*;
use confluence_dlp::app::App;
use confluence_dlp::scan::{ScanOutcome, ScanRequest, ScanTarget, run_scan};
use dlp_simulator::{Faults, ServerErrorBurst};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

fn space_request() -> ScanRequest {
    ScanRequest {
        target: ScanTarget::Space {
            space_key: "ENG".into(),
        },
        run_workers: true,
        incremental: false,
        history: None,
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
    let _cleanup = on_postgres_and_redis(&mut settings, &db);
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
        history: None,
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

// --- page history ------------------------------------------------------------------------

/// The sample page edited by the history tests (version 8, five planted values), the value
/// taken out of it, and one that stays in its current body.
const EDITED_PAGE: &str = "66379";
const REMOVED_VALUE: &str = "DE39953643793288394864";
const KEPT_VALUE: &str = "071-07-5029";

fn history_request(depth: dlp_domain::HistoryDepth) -> ScanRequest {
    ScanRequest {
        history: Some(depth),
        ..space_request()
    }
}

/// Requests for one version of a page: the route of a single page read, which a bulk crawl
/// never uses for current content (bodies come with the listings).
fn version_reads(sim: &dlp_simulator::SimulatorHandle) -> u64 {
    let route = if sim.site_url().path() == "/" {
        "GET /wiki/api/v2/pages/{id}".to_string()
    } else {
        format!("GET {}/rest/api/content/{{id}}", sim.site_url().path())
    };
    sim.stats()
        .requests_by_route
        .get(&route)
        .copied()
        .unwrap_or(0)
}

fn finding_of<'a>(
    o: &'a ScanOutcome,
    content_type: dlp_domain::ContentType,
    detector: &str,
    value: &str,
) -> Option<&'a dlp_domain::Finding> {
    let fingerprint = value_fingerprint(detector, value);
    o.findings.iter().find(|f| {
        f.location.content_type == content_type
            && f.location.page_id == EDITED_PAGE
            && f.detector == detector
            && f.fingerprint == fingerprint
    })
}

/// Scan, take a planted value out of a page with a write (a new version), scan with history:
/// the value is resolved in the current body and open in the page's history at the old
/// version, `in_history_only`; a value still in the current body is in history too but not
/// history-only. A second history scan fetches no version again and finds the same.
async fn history_keeps_what_an_edit_removed(flavor: dlp_simulator::Flavor) {
    use dlp_domain::{ContentType, HistoryDepth};
    let sim = spawn_flavor(flavor.clone(), Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = match &flavor {
        dlp_simulator::Flavor::Cloud => settings(dir.path(), &sim.site_url()),
        dlp_simulator::Flavor::DataCenter { .. } => settings_dc(dir.path(), &sim.site_url()),
    };
    let name = format!("history {flavor:?}");

    let first = scan(&settings).await;
    assert!(
        finding_of(&first, ContentType::Page, "iban", REMOVED_VALUE).is_some(),
        "the planted value is found in the current body first"
    );
    assert!(
        first
            .findings
            .iter()
            .all(|f| f.location.content_type != ContentType::History),
        "no history without --history"
    );
    assert_eq!(version_reads(&sim), 0, "no version read without --history");

    let (body, meta) = sample_page(EDITED_PAGE);
    assert_eq!(meta["version"]["number"], 8);
    assert!(body.contains(REMOVED_VALUE) && body.contains(KEPT_VALUE));
    let edited = body.replace(REMOVED_VALUE, "(removed)");
    write_page_version(
        &sim,
        EDITED_PAGE,
        meta["title"].as_str().unwrap(),
        &edited,
        9,
    )
    .await;

    let before = version_reads(&sim);
    let app = App::build(settings.clone()).await.expect("app");
    let second = run_scan(&app, history_request(HistoryDepth::All), |_| {})
        .await
        .expect("history scan completes");
    app.close().await;
    report(&name, &second);
    let read = version_reads(&sim) - before;
    // The edited page's versions 1..=8 at least (1..=7 are not kept: 404, skipped).
    assert!(read >= 8, "{read} versions read");
    assert!(
        second
            .problems
            .iter()
            .all(|p| !p.item_key.starts_with("history:")),
        "history jobs ran clean: {:?}",
        second.problems
    );
    assert!(
        finding_of(&second, ContentType::Page, "iban", REMOVED_VALUE).is_none(),
        "the value is gone from the current body"
    );
    let removed = finding_of(&second, ContentType::History, "iban", REMOVED_VALUE)
        .expect("the removed value lives on in history");
    assert_eq!(removed.location.page_version, Some(8));
    assert!(second.in_history_only.contains(&removed.id));
    let kept = finding_of(&second, ContentType::History, "us-ssn", KEPT_VALUE)
        .expect("a value still current is in history too");
    assert_eq!(kept.location.page_version, Some(8));
    assert!(
        finding_of(&second, ContentType::Page, "us-ssn", KEPT_VALUE).is_some(),
        "and in the current body"
    );
    assert!(!second.in_history_only.contains(&kept.id));
    assert!(
        second.in_history_only.iter().all(|id| second
            .findings
            .iter()
            .any(|f| &f.id == id && f.location.content_type == ContentType::History)),
        "only history findings are history-only"
    );

    // Nothing new: no version is fetched again, and the findings are the same.
    let before = version_reads(&sim);
    let app = App::build(settings.clone()).await.expect("app");
    let third = run_scan(&app, history_request(HistoryDepth::All), |_| {})
        .await
        .expect("second history scan completes");
    app.close().await;
    assert_eq!(version_reads(&sim), before, "a version was fetched twice");
    let ids = |o: &ScanOutcome| o.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&third), ids(&second));
    assert_eq!(third.in_history_only, second.in_history_only);
    let again = finding_of(&third, ContentType::History, "iban", REMOVED_VALUE).unwrap();
    assert_eq!(again.location.page_version, Some(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_scan_on_cloud_finds_values_removed_from_the_current_body() {
    history_keeps_what_an_edit_removed(dlp_simulator::Flavor::Cloud).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_scan_on_data_center_finds_values_removed_from_the_current_body() {
    history_keeps_what_an_edit_removed(dlp_simulator::Flavor::data_center()).await;
}
