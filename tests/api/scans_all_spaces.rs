//! A scan of all spaces: a parent scan with one scan of its own per space, started over HTTP
//! and cancelled as a whole, and run from the CLI with the findings of each space's own scan.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;
use crate::scans::post;

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
