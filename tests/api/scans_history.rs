//! A scan that reads older versions (`history`) over HTTP: a value taken out of a page is
//! served in the page's history, `in_history_only`, and the answers conform to the OpenAPI
//! document.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;
use crate::scans::{post, wait_for_end};

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
