//! A scan of one space started over HTTP: crawled and classified by the server's workers and
//! completed by the last of them; its progress, cost and problems are served; a second scan of
//! the same space is refused while one runs; the findings it made are sorted and searched; an
//! incremental scan follows it; the audit trail pages and streams. Starting a scan and waiting
//! for its end are shared with the other scan tests.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;

pub(crate) async fn post(
    server: &TestServer,
    path: &str,
    token: &str,
    body: Value,
) -> reqwest::Response {
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
pub(crate) async fn wait_for_end(server: &TestServer, token: &str, id: &str) -> Value {
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
