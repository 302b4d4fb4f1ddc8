//! The findings routes over a real scan of the simulator: paging, filters, the summary and
//! metrics on SQLite and on PostgreSQL with Redis, and triage through a re-scan.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::common::*;
use crate::helpers::*;

/// What both backends must answer after a scan of the sample space.
async fn check_findings_api(server: &TestServer, outcome: &confluence_dlp::scan::ScanOutcome) {
    let token = server.token("triage", &["findings:read"]).await;
    let stored = server.app.store.count_findings().await.unwrap();
    assert!(stored >= 20, "the scan found only {stored} findings");

    // Paging in small pages reaches every finding once.
    let all = all_pages(server, &token, "", 7).await;
    assert_eq!(all.len() as i64, stored);
    let big = all_pages(server, &token, "", 500).await;
    assert_eq!(big, all, "page size changes nothing but the pages");

    // Each item is the finding contract plus its lifecycle.
    let first = &all[0];
    for key in [
        "id",
        "detector",
        "category",
        "severity",
        "confidence",
        "masked",
        "fingerprint",
        "location",
        "status",
        "first_seen",
        "last_seen",
    ] {
        assert!(first.get(key).is_some(), "{key} missing from {first}");
    }
    let contract: dlp_domain::Finding =
        serde_json::from_value(first.clone()).expect("the finding contract");
    let mut one = server
        .json(&format!("/api/v1/findings/{}", contract.id), &token)
        .await;
    // One finding is the item of the list, with its history.
    let history = one
        .as_object_mut()
        .unwrap()
        .remove("history")
        .expect("history");
    assert_eq!(&one, first);
    assert_eq!(
        history["events"][0]["action"], "finding.opened",
        "{history}"
    );
    assert!(
        !history["scans"].as_array().unwrap().is_empty(),
        "{history}"
    );
    assert!(
        first["page_title"].is_string() && first["web_link"].as_str().unwrap().contains("/wiki/"),
        "{first}"
    );

    // Filters narrow, and agree with the summary.
    let summary = server.json("/api/v1/findings/summary", &token).await;
    assert_eq!(summary["total"].as_i64(), Some(stored));
    let by_category = summary["by_category"].as_object().unwrap();
    assert!(by_category.len() >= 2, "{summary}");
    for (category, count) in by_category {
        let items = all_pages(server, &token, &format!("&category={category}"), 500).await;
        assert_eq!(Some(items.len() as u64), count.as_u64(), "{category}");
        assert!(items.iter().all(|f| f["category"] == category.as_str()));
    }
    let high = all_pages(server, &token, "&severity=high", 500).await;
    assert!(
        !high.is_empty() && high.len() < all.len(),
        "severity narrows: {} of {}",
        high.len(),
        all.len()
    );
    assert!(
        high.iter()
            .all(|f| ["high", "critical"].contains(&f["severity"].as_str().unwrap()))
    );
    let expected_high = ["high", "critical"]
        .iter()
        .filter_map(|s| summary["by_severity"][s].as_u64())
        .sum::<u64>();
    assert_eq!(high.len() as u64, expected_high);

    let page_id = contract.location.page_id.clone();
    let on_page = all_pages(server, &token, &format!("&page_id={page_id}"), 500).await;
    assert!(
        !on_page.is_empty()
            && on_page
                .iter()
                .all(|f| f["location"]["page_id"] == page_id.as_str())
    );
    let attachments = all_pages(server, &token, "&content_type=attachment", 500).await;
    assert!(!attachments.is_empty() && attachments.len() < all.len());
    assert!(
        attachments
            .iter()
            .all(|f| f["location"]["content_type"] == "attachment")
    );
    let sure = all_pages(server, &token, "&confidence_min=0.9", 500).await;
    assert!(
        sure.iter()
            .all(|f| f["confidence"].as_f64().unwrap() >= 0.9)
    );
    assert!(sure.len() < all.len());
    let of_scan = all_pages(
        server,
        &token,
        &format!("&scan_id={}&status=open", outcome.scan_id),
        500,
    )
    .await;
    assert_eq!(of_scan.len(), outcome.findings.len());
    let none = all_pages(server, &token, "&scan_id=no-such-scan", 500).await;
    assert!(none.is_empty());
    let later = all_pages(
        server,
        &token,
        "&first_seen_after=2999-01-01T00:00:00Z",
        500,
    )
    .await;
    assert!(later.is_empty());
    let before = all_pages(
        server,
        &token,
        "&first_seen_before=2999-01-01T00:00:00%2B02:00&space_key=ENG",
        500,
    )
    .await;
    assert_eq!(before.len(), all.len());

    // No raw planted value in any answer: findings are served masked.
    let bodies = format!("{all:?}{summary}");
    for planted in Expected::load().planted {
        assert!(
            !bodies.contains(&planted.value),
            "a raw {} value was served",
            planted.detector
        );
    }

    // Findings by category in /metrics come from the store.
    let metrics = server.get("/metrics", None).await.text().await.unwrap();
    for (category, count) in by_category {
        let line = format!("dlp_findings{{category=\"{category}\",status=\"open\"}} {count}");
        assert!(metrics.contains(&line), "missing {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_are_paged_filtered_and_summarised_after_a_scan_on_sqlite() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    let outcome = scan_sample_space(&settings).await;
    let server = spawn_server(settings).await;
    check_findings_api(&server, &outcome).await;

    // Responses are compressed for clients that ask.
    let token = server.token("gzip", &["findings:read"]).await;
    let compressed = server
        .client
        .get(format!("{}/api/v1/findings?limit=500", server.base))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "gzip");

    // A graceful stop closes the store: the embedded SQLite folds its WAL back.
    server.stop().await;
    assert!(
        !dir.path().join("dlp.sqlite-wal").exists(),
        "the store was not closed"
    );
}

#[sqlx::test(migrations = false)]
async fn findings_are_paged_filtered_and_summarised_on_postgres_and_redis(
    _pool: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    let _cleanup = on_postgres_and_redis(&mut settings, &db);
    let outcome = scan_sample_space(&settings).await;
    let server = spawn_server(settings).await;
    let ready = server.json_unauthenticated("/readyz").await;
    assert_eq!(
        (&ready["store"], &ready["queue"]),
        (&"postgres".into(), &"redis".into())
    );
    check_findings_api(&server, &outcome).await;
    let auditor = server.token("auditor", &["audit:read"]).await;
    let r = server.get("/api/v1/findings/summary", Some(&auditor)).await;
    assert_error(r, StatusCode::FORBIDDEN).await;
    // Triage on PostgreSQL: the widened status constraint and the suppression (migration 0005).
    let admin = server.token("admin", &["admin"]).await;
    let id = outcome.findings[0].id.clone();
    let r = server
        .client
        .patch(format!("{}/api/v1/findings/{id}", server.base))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"status": "accepted_risk", "reason": "a test value"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Every open finding of the same value (by fingerprint) is closed with it.
    let fingerprint = &outcome.findings[0].fingerprint;
    let same_value = outcome
        .findings
        .iter()
        .filter(|f| &f.fingerprint == fingerprint)
        .count();
    let summary = server.json("/api/v1/findings/summary", &admin).await;
    assert_eq!(summary["by_status"]["accepted_risk"], same_value);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_false_positive_stays_closed_through_a_rescan_and_is_audited() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    let first = scan_sample_space(&settings).await;
    let server = spawn_server(settings.clone()).await;
    let reader = server.token("reader", &["findings:read"]).await;
    let writer = server
        .token("alice", &["findings:write", "findings:read"])
        .await;
    let all = all_pages(&server, &reader, "&status=open", 500).await;
    let fp_id = all[0]["id"].as_str().unwrap().to_owned();
    let fingerprint = all[0]["fingerprint"].clone();
    let same_value = all
        .iter()
        .filter(|f| f["fingerprint"] == fingerprint)
        .count();
    let other = all
        .iter()
        .find(|f| f["fingerprint"] != fingerprint)
        .unwrap();
    let ar_id = other["id"].as_str().unwrap().to_owned();
    let patch = |id: &str, token: &str, body: &str, json: bool| {
        let mut r = server
            .client
            .patch(format!("{}/api/v1/findings/{id}", server.base))
            .bearer_auth(token)
            .body(body.to_owned());
        if json {
            r = r.header("content-type", "application/json");
        }
        r.send()
    };

    // Bad bodies and wrong scopes change nothing.
    let ok_body = r#"{"status":"false_positive","reason":"test fixture"}"#;
    let r = patch(&fp_id, &reader, ok_body, true).await.unwrap();
    assert_error(r, StatusCode::FORBIDDEN).await;
    for body in [
        r#"{"status":"false_positive""#,
        r#"{"status":5}"#,
        r#"{"status":"false_positive","reason":"x","by":"me"}"#,
        r#"{"status":"closed"}"#,
        r#"{"status":"false_positive"}"#,
        r#"{"status":"accepted_risk","reason":"   "}"#,
        "[]",
    ] {
        let r = patch(&fp_id, &writer, body, true).await.unwrap();
        assert_eq!(
            assert_error(r, StatusCode::BAD_REQUEST).await,
            "invalid_input",
            "{body}"
        );
    }
    let r = patch(&fp_id, &writer, ok_body, false).await.unwrap();
    assert_error(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let r = patch("0123456789abcdef0123456789abcdef", &writer, ok_body, true)
        .await
        .unwrap();
    assert_error(r, StatusCode::NOT_FOUND).await;
    let unchanged = server
        .json(&format!("/api/v1/findings/{fp_id}"), &reader)
        .await;
    assert_eq!(unchanged["status"], "open");

    // A false positive; an accepted risk taken back.
    let r = patch(&fp_id, &writer, ok_body, true).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let closed: Value = r.json().await.unwrap();
    assert_eq!(closed["status"], "false_positive");
    assert!(closed["resolved_at"].is_string());
    let risk = r#"{"status":"accepted_risk","reason":"owned by the test"}"#;
    assert_eq!(
        patch(&ar_id, &writer, risk, true).await.unwrap().status(),
        StatusCode::OK
    );
    let reopened = patch(&ar_id, &writer, r#"{"status":"open"}"#, true)
        .await
        .unwrap();
    let reopened: Value = reopened.json().await.unwrap();
    assert_eq!(
        (&reopened["status"], &reopened["resolved_at"]),
        (&"open".into(), &Value::Null)
    );

    // Audited with the token's name and the reason.
    let events = server
        .app
        .store
        .audit_events(&dlp_store::AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let changes: Vec<_> = events
        .iter()
        .filter(|e| e.action == "finding.status_changed")
        .collect();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(changes.iter().all(|e| e.actor == "alice"));
    assert_eq!(changes[0].subject.as_deref(), Some(fp_id.as_str()));
    assert_eq!(changes[0].detail["reason"], "test fixture");
    assert_eq!(
        (&changes[0].detail["from"], &changes[0].detail["to"]),
        (&"open".into(), &"false_positive".into())
    );

    // Forget what was classified, as a rule change would, so the re-scan classifies every item
    // again and finds the false positive's value again.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("dlp.sqlite").display()
    ))
    .await
    .unwrap();
    sqlx::query("DELETE FROM content_state")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let second = scan_sample_space(&settings).await;
    assert_eq!(
        second.progress.unchanged, 0,
        "the re-scan classified everything again"
    );
    let ids: Vec<&str> = second.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(
        !ids.contains(&fp_id.as_str()),
        "the false positive was reported again"
    );
    assert!(
        ids.contains(&ar_id.as_str()),
        "the reopened finding is reported"
    );
    assert_eq!(second.findings.len(), first.findings.len() - same_value);
    let after = server
        .json(&format!("/api/v1/findings/{fp_id}"), &reader)
        .await;
    assert_eq!(after["status"], "false_positive");
    let still_open = server
        .json(&format!("/api/v1/findings/{ar_id}"), &reader)
        .await;
    assert_eq!(still_open["status"], "open");
    let summary = server.json("/api/v1/findings/summary", &reader).await;
    assert_eq!(summary["by_status"]["false_positive"], same_value);
    server.stop().await;
}
