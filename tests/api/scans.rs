//! The scans and audit routes: a scan started over HTTP is crawled and classified by the
//! server's workers and completed by the last of them; its progress, cost and problems are
//! served; a second scan of the same space is refused while one runs; cancelling works; the
//! audit trail pages and streams.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;

async fn post(server: &TestServer, path: &str, token: &str, body: Value) -> reqwest::Response {
    server
        .client
        .post(format!("{}{path}", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Polls the scan until it is no longer running.
async fn wait_for_end(server: &TestServer, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let scan = server.json(&format!("/api/v1/scans/{id}"), token).await;
        if scan["status"] != "running" {
            return scan;
        }
        assert!(Instant::now() < deadline, "the scan never ended: {scan}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_started_over_http_runs_to_completion_and_is_audited() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(settings(dir.path(), &sim.site_url())).await;
    let operator = server
        .token("operator", &["scans:write", "findings:read"])
        .await;
    let reader = server.token("reader", &["findings:read"]).await;
    let auditor = server.token("auditor", &["audit:read"]).await;

    // Bad requests are 4xx in the API's shape, and a reader cannot start scans.
    for (body, status) in [
        (json!({}), StatusCode::BAD_REQUEST),
        (
            json!({"space_key": "ENG", "all_spaces": true}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"space_key": "ENG", "mode": "sometimes"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"space_key": "ENG", "colour": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"space_key": 42}), StatusCode::BAD_REQUEST),
        (json!({"space_key": "a/b"}), StatusCode::BAD_REQUEST),
    ] {
        assert_error(
            post(&server, "/api/v1/scans", &operator, body).await,
            status,
        )
        .await;
    }
    let r = post(
        &server,
        "/api/v1/scans",
        &reader,
        json!({"space_key": "ENG"}),
    )
    .await;
    assert_eq!(assert_error(r, StatusCode::FORBIDDEN).await, "forbidden");

    let r = post(
        &server,
        "/api/v1/scans",
        &operator,
        json!({"space_key": "ENG"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let started: Value = r.json().await.unwrap();
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(started["status"], "running");
    assert_eq!(
        (&started["mode"], &started["actor"]),
        (&json!("full"), &json!("operator"))
    );
    // One scan of a space at a time.
    let again = post(
        &server,
        "/api/v1/scans",
        &operator,
        json!({"space_key": "ENG"}),
    )
    .await;
    assert_eq!(assert_error(again, StatusCode::CONFLICT).await, "conflict");

    let done = wait_for_end(&server, &reader, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let p = &done["progress"];
    assert_eq!(p["queued"], 0, "{done}");
    assert!(p["total"].as_u64().unwrap() > 30, "{done}");
    assert!(p["open_findings"].as_u64().unwrap() >= 20, "{done}");
    assert!(
        p["api_requests"].as_u64().unwrap() >= 5,
        "requests are charged: {done}"
    );
    assert_eq!(p["failed"], 0, "{done}");
    assert!(done["problems"].as_array().unwrap().is_empty(), "{done}");
    assert!(done["finished_at"].is_string());

    // The process counted its jobs and Confluence's answers.
    let metrics = server.get("/metrics", None).await.text().await.unwrap();
    for family in [
        "dlp_jobs_total{kind=\"body\",result=\"ended\"}",
        "dlp_jobs_total{kind=\"crawl\",result=\"ended\"} 1",
        "dlp_job_duration_seconds_count{kind=\"attachment\"}",
        "dlp_confluence_requests_total{status=\"200\"}",
        "dlp_findings{category=\"secret\",status=\"open\"}",
    ] {
        assert!(metrics.contains(family), "no {family} in\n{metrics}");
    }

    // The list shows it, newest first, and pages by cursor.
    let list = server.json("/api/v1/scans?limit=1", &reader).await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(list["next_cursor"].is_null());
    let r = server
        .get("/api/v1/scans?cursor=bogus", Some(&reader))
        .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;
    let r = server.get("/api/v1/scans/not-a-scan", Some(&reader)).await;
    assert_error(r, StatusCode::NOT_FOUND).await;
    let r = server
        .get(
            &format!("/api/v1/scans/{}", uuid::Uuid::new_v4()),
            Some(&reader),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND).await;
    // A finished scan cannot be cancelled.
    let r = post(
        &server,
        &format!("/api/v1/scans/{id}/cancel"),
        &operator,
        json!({}),
    )
    .await;
    assert_eq!(assert_error(r, StatusCode::CONFLICT).await, "conflict");

    // The findings it made, sorted by severity (highest first) across pages.
    let sorted = all_pages(&server, &reader, "&sort=-severity", 9).await;
    let rank = |f: &Value| match f["severity"].as_str().unwrap() {
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        _ => 4,
    };
    assert!(sorted.windows(2).all(|w| rank(&w[0]) >= rank(&w[1])));
    let by_first_seen = all_pages(&server, &reader, "&sort=first_seen", 500).await;
    assert_eq!(by_first_seen.len(), sorted.len());
    let r = server
        .get("/api/v1/findings?sort=colour", Some(&reader))
        .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;
    // A cursor of one order is refused by another.
    let page = server
        .json("/api/v1/findings?limit=2&sort=severity", &reader)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let r = server
        .get(
            &format!("/api/v1/findings?sort=last_seen&cursor={cursor}"),
            Some(&reader),
        )
        .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;

    // Full-text search: this process's index follows the store within a poll.
    let detector = sorted[0]["detector"].as_str().unwrap().to_owned();
    let by_filter = all_pages(&server, &reader, &format!("&detector={detector}"), 500).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = all_pages(
            &server,
            &reader,
            &format!("&q={detector}&detector={detector}"),
            3,
        )
        .await;
        if found.len() == by_filter.len() {
            assert!(found.iter().all(|f| f["detector"] == detector.as_str()));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the index never caught up: {} of {}",
            found.len(),
            by_filter.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Searching a masked preview finds its finding; the index holds nothing raw to find.
    let masked = sorted[0]["masked"].as_str().unwrap();
    let word: String = masked
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    if word.len() >= 3 {
        let hits = all_pages(&server, &reader, &format!("&q={word}&sort=-last_seen"), 50).await;
        assert!(hits.iter().any(|f| f["id"] == sorted[0]["id"]), "{word}");
    }
    // Odd input is a search for nothing much, never an error; too long is a 400.
    for odd in ["%22((title%3A", "%E2%80%AE%00", "*", "-"] {
        let page = server
            .json(&format!("/api/v1/findings?q={odd}"), &reader)
            .await;
        assert!(page["items"].is_array());
    }
    let long = "a".repeat(2000);
    let r = server
        .get(&format!("/api/v1/findings?q={long}"), Some(&reader))
        .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;
    let r = server
        .get("/api/v1/findings?q=x&cursor=f00", Some(&reader))
        .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;
    let r = server
        .get(&format!("/api/v1/findings?q=x&scan_id={id}"), Some(&reader))
        .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;

    // An incremental scan of the same rules starts from the completed one.
    let r = post(
        &server,
        "/api/v1/scans",
        &operator,
        json!({"space_key": "ENG", "mode": "incremental"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let second: Value = r.json().await.unwrap();
    assert_eq!(second["mode"], "incremental", "{second}");
    assert_eq!(second["since"], done["started_at"], "{second}");
    let second = wait_for_end(&server, &reader, second["id"].as_str().unwrap()).await;
    assert_eq!(second["status"], "completed", "{second}");
    // Nothing changed since: CQL names nothing, so the crawl is the scan's only job, and it
    // costs a handful of requests instead of a listing of the space.
    assert_eq!(second["progress"]["total"], 1, "{second}");
    assert!(
        second["progress"]["api_requests"].as_u64().unwrap() < 5,
        "{second}"
    );

    // The audit trail: both scans started and finished, filtered by an action's family.
    let r = server.get("/api/v1/audit", Some(&reader)).await;
    assert_error(r, StatusCode::FORBIDDEN).await;
    let scans = server
        .json("/api/v1/audit?action=scan.&limit=1000", &auditor)
        .await;
    let actions: Vec<&str> = scans["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "scan.started",
            "scan.finished",
            "scan.started",
            "scan.finished"
        ]
    );
    let of_scan = server
        .json(&format!("/api/v1/audit?scan_id={id}&limit=5"), &auditor)
        .await;
    assert_eq!(of_scan["items"].as_array().unwrap().len(), 5);
    let cursor = of_scan["next_cursor"].as_str().unwrap();
    let next = server
        .json(
            &format!("/api/v1/audit?scan_id={id}&limit=5&cursor={cursor}"),
            &auditor,
        )
        .await;
    assert!(next["items"][0]["id"].as_i64() > of_scan["items"][4]["id"].as_i64());
    for bad in ["since=yesterday", "limit=0", "cursor=xyz", "colour=red"] {
        let r = server
            .get(&format!("/api/v1/audit?{bad}"), Some(&auditor))
            .await;
        assert_error(r, StatusCode::BAD_REQUEST).await;
    }
    // The export streams every event as JSON Lines, the same as the pages.
    let export = server.get("/api/v1/audit/export", Some(&auditor)).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()["content-type"], "application/x-ndjson");
    let text = export.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one event per line"))
        .collect();
    let all = server.json("/api/v1/audit?limit=1000", &auditor).await;
    let paged = all["items"].as_array().unwrap();
    assert!(
        lines.len() >= paged.len() && paged.len() > 40,
        "{}",
        lines.len()
    );
    assert_eq!(&lines[..paged.len()], &paged[..]);
    server.stop().await;
}

/// An incremental crawl from a time between the sample space's edits: one CQL search names
/// what changed since then (checked against the v2 listing), and exactly those items are
/// crawled, with two requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_crawl_takes_what_changed_since_and_nothing_else() {
    use confluence_dlp::ingest::Crawler;
    use dlp_confluence::Content;

    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let app = confluence_dlp::app::App::build(settings(dir.path(), &sim.site_url()))
        .await
        .unwrap();
    let client = app.confluence.clone().unwrap();
    let space = client.space_by_key("ENG").await.unwrap();
    let mut pages = Vec::new();
    let mut list = client.pages_in_space(&space.id);
    while let Some(batch) = list.next_page().await.unwrap() {
        pages.extend(batch);
    }
    let mut edited: Vec<_> = pages
        .iter()
        .filter_map(|p| p.version.as_ref()?.created_at)
        .collect();
    edited.sort();
    let since = edited[edited.len() / 2];
    let minute = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();

    // The one search an incremental crawl makes: what it names as changed.
    let mut search = client.space_changes(&space, since);
    let mut cql_pages = BTreeSet::new();
    let mut changed: std::collections::BTreeMap<&str, u64> = Default::default();
    while let Some(batch) = search.next_page().await.unwrap() {
        for hit in batch {
            let kind = match hit {
                Content::Page(p) => {
                    cql_pages.insert(p.id);
                    "page"
                }
                Content::BlogPost(_) => "blogpost",
                Content::Comment(_) => "comment",
                Content::Attachment(_) => "attachment",
            };
            *changed.entry(kind).or_default() += 1;
        }
    }
    // CQL's answer agrees with the v2 listing for pages.
    let v2_pages: BTreeSet<String> = pages
        .iter()
        .filter(|p| p.status.as_deref() == Some("current"))
        .filter(|p| {
            p.version
                .as_ref()
                .and_then(|v| v.created_at)
                .is_some_and(|t| minute(t) >= minute(since))
        })
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(cql_pages, v2_pages);
    assert!(!v2_pages.is_empty() && v2_pages.len() < pages.len());

    // What the crawl enqueues: each item CQL names as changed, nothing else.
    let count = |kind: &str| changed.get(kind).copied().unwrap_or(0);
    let scan_id = app
        .store
        .create_scan(&dlp_store::NewScan {
            space_key: Some("ENG".into()),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let crawler = Crawler {
        client: &client,
        store: &app.store,
        queue: &app.queue,
        sealer: &app.workers.sealer,
        max_attempts: 1,
        history: None,
    };
    let requests_before = client.request_count();
    let stats = crawler.crawl_changes(&scan_id, "ENG", since).await.unwrap();
    assert_eq!(
        (
            stats.pages,
            stats.blog_posts,
            stats.comments,
            stats.attachments
        ),
        (
            count("page"),
            count("blogpost"),
            count("comment"),
            count("attachment")
        ),
        "{changed:?}"
    );
    let progress = app.store.scan_progress(&scan_id).await.unwrap();
    assert_eq!(progress.total, stats.jobs);
    assert!(
        (stats.pages as usize) < pages.len(),
        "the crawl was not incremental"
    );
    // The space, then one search with the bodies, 50 to a call: no read per changed item.
    let changed_items: u64 = changed.values().sum();
    assert_eq!(
        client.request_count() - requests_before,
        1 + changed_items
            .div_ceil(u64::from(dlp_confluence::CQL_BODY_LIMIT))
            .max(1)
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_scan_stops_and_every_space_gets_a_scan_of_its_own() {
    // Slow answers keep the scan running long enough to cancel it.
    let sim = spawn_simulator(dlp_simulator::Faults {
        every_nth_429: Some(3),
        retry_after_secs: 1,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    // Small batches: the crawl checks for a cancel between batches.
    let mut slow = settings(dir.path(), &sim.site_url());
    slow.confluence.page_limit = 5;
    let server = spawn_server(slow).await;
    let admin = server.token("admin", &["admin"]).await;

    let r = post(
        &server,
        "/api/v1/scans",
        &admin,
        json!({"all_spaces": true}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let parent: Value = r.json().await.unwrap();
    let id = parent["id"].as_str().unwrap().to_owned();
    assert_eq!(parent["all_spaces"], true);
    let r = post(
        &server,
        "/api/v1/scans",
        &admin,
        json!({"all_spaces": true}),
    )
    .await;
    assert_error(r, StatusCode::CONFLICT).await;

    // Once the space's own scan exists, cancel the whole.
    let deadline = Instant::now() + Duration::from_secs(60);
    let child = loop {
        let scan = server.json(&format!("/api/v1/scans/{id}"), &admin).await;
        if let Some(child) = scan["spaces"].as_array().and_then(|s| s.first()) {
            break child.clone();
        }
        assert!(Instant::now() < deadline, "no space scan: {scan}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(child["space_key"], "ENG");
    // And once its crawl has enqueued work (past a 429 or two), so there is work to stop.
    let child_path = format!("/api/v1/scans/{}", child["id"].as_str().unwrap());
    loop {
        let scan = server.json(&child_path, &admin).await;
        if scan["progress"]["total"].as_u64().unwrap() >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the space's crawl enqueued nothing: {scan}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = post(
        &server,
        &format!("/api/v1/scans/{id}/cancel"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled: Value = r.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    assert_eq!(cancelled["spaces"][0]["status"], "cancelled", "{cancelled}");
    // Work stops: what was in flight ends (the crawl at its current page), nothing else is
    // taken, and the counts settle far below a whole crawl of the space (over 30 items).
    let child_path = format!("/api/v1/scans/{}", child["id"].as_str().unwrap());
    let settle = Instant::now() + Duration::from_secs(90);
    let mut a = server.json(&child_path, &admin).await;
    let b = loop {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let b = server.json(&child_path, &admin).await;
        if a["progress"] == b["progress"] {
            break b;
        }
        assert!(
            Instant::now() < settle,
            "work went on after the cancel: {b}"
        );
        a = b;
    };
    assert!(b["progress"]["total"].as_u64().unwrap() < 30, "{b}");
    assert_eq!(b["status"], "cancelled");
    let audit = server
        .json("/api/v1/audit?action=scan.cancelled&actor=admin", &admin)
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");
    // Confluence's 429s are counted by status, and the dropped jobs by result.
    let metrics = server.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("dlp_confluence_requests_total{status=\"429\"}"),
        "{metrics}"
    );
    server.stop().await;
}

/// `scan --all-spaces` runs the service's all-spaces scan in one process: its findings are
/// those of scanning each space on its own (the sample site has one space).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_scan_of_all_spaces_finds_what_each_space_scan_finds() {
    use confluence_dlp::scan::{ScanRequest, ScanTarget, run_scan};
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let one = tempfile::tempdir().unwrap();
    let each = scan_sample_space(&settings(one.path(), &sim.site_url())).await;
    let all_dir = tempfile::tempdir().unwrap();
    let app = confluence_dlp::app::App::build(settings(all_dir.path(), &sim.site_url()))
        .await
        .unwrap();
    let request = ScanRequest {
        target: ScanTarget::AllSpaces,
        run_workers: true,
        incremental: false,
        history: None,
    };
    let all = run_scan(&app, request, |_| {}).await.unwrap();
    let parent = app.store.scan(&all.scan_id).await.unwrap();
    app.close().await;
    assert!(parent.all_spaces);
    assert_eq!(parent.status, dlp_store::ScanStatus::Completed);
    assert_eq!(all.progress.queued, 0);
    let ids = |o: &confluence_dlp::scan::ScanOutcome| -> BTreeSet<String> {
        o.findings.iter().map(|f| f.id.clone()).collect()
    };
    assert!(each.findings.len() >= 20);
    assert_eq!(ids(&all), ids(&each));
}

/// A scan started over HTTP with `history` reads older versions: after a write took a planted
/// value out of a page, the findings API serves it in the page's history at the old version,
/// `in_history_only`, while values still in the current body are not; the answers conform
/// to the OpenAPI document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_with_history_over_http_serves_history_only_findings() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(settings(dir.path(), &sim.site_url())).await;
    let operator = server
        .token("operator", &["scans:write", "findings:read"])
        .await;
    let doc = server.json("/api/v1/openapi.json", &operator).await;
    for history in [json!(0), json!("most"), json!(-2), json!(true)] {
        let r = post(
            &server,
            "/api/v1/scans",
            &operator,
            json!({"space_key": "ENG", "history": history}),
        )
        .await;
        assert_error(r, StatusCode::BAD_REQUEST).await;
    }

    let r = post(
        &server,
        "/api/v1/scans",
        &operator,
        json!({"space_key": "ENG"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let first: Value = r.json().await.unwrap();
    assert!(first.get("history").is_none(), "{first}");
    wait_for_end(&server, &operator, first["id"].as_str().unwrap()).await;

    // Page 66379 (version 8) loses its IBAN in version 9.
    let (body, meta) = sample_page("66379");
    let iban = "DE39953643793288394864";
    assert!(body.contains(iban));
    let title = meta["title"].as_str().unwrap();
    write_page_version(&sim, "66379", title, &body.replace(iban, "-"), 9).await;

    // Two versions back: 7 and 8.
    let r = post(
        &server,
        "/api/v1/scans",
        &operator,
        json!({"space_key": "ENG", "history": 2}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let started: Value = r.json().await.unwrap();
    crate::openapi::conforms(
        &doc,
        "/api/v1/scans",
        "post",
        StatusCode::ACCEPTED,
        &started,
    );
    assert_eq!(started["history"], json!(2));
    let id = started["id"].as_str().unwrap().to_owned();
    let ended = wait_for_end(&server, &operator, &id).await;
    assert_eq!(ended["status"], "completed", "{ended}");
    assert_eq!(ended["history"], json!(2));

    let page = server
        .json(
            "/api/v1/findings?page_id=66379&content_type=history&status=open",
            &operator,
        )
        .await;
    crate::openapi::conforms(&doc, "/api/v1/findings", "get", StatusCode::OK, &page);
    let items = page["items"].as_array().unwrap();
    let iban_fp = value_fingerprint("iban", iban);
    let gone: Vec<&Value> = items
        .iter()
        .filter(|f| f["fingerprint"] == json!(iban_fp))
        .collect();
    assert_eq!(gone.len(), 1, "{page:#}");
    assert_eq!(gone[0]["in_history_only"], json!(true));
    assert_eq!(gone[0]["location"]["page_version"], json!(8));
    assert_eq!(gone[0]["location"]["content_type"], json!("history"));
    // The page's other values are still in its current body.
    let still: Vec<&Value> = items
        .iter()
        .filter(|f| f["fingerprint"] != json!(iban_fp))
        .collect();
    assert!(still.len() >= 3, "{page:#}");
    assert!(
        still.iter().all(|f| f["in_history_only"] == json!(false)),
        "{page:#}"
    );
    let one = server
        .json(
            &format!("/api/v1/findings/{}", gone[0]["id"].as_str().unwrap()),
            &operator,
        )
        .await;
    assert_eq!(one["in_history_only"], json!(true));
    // Current content is never history-only; the IBAN is resolved there.
    let current = server
        .json(
            "/api/v1/findings?page_id=66379&content_type=page",
            &operator,
        )
        .await;
    for f in current["items"].as_array().unwrap() {
        assert_eq!(f["in_history_only"], json!(false), "{f}");
        if f["fingerprint"] == json!(iban_fp) {
            assert_eq!(f["status"], json!("resolved"), "{f}");
        }
    }
    server.stop().await;
}
