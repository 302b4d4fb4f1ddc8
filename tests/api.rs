//! The REST API over HTTP, zero2prod style: the real server on port 0 with a fresh store,
//! the simulator scanned into it, and real requests.

mod common;
#[path = "api/helpers.rs"]
mod helpers;

use common::*;
use confluence_dlp::config::{Settings, WorkerSettings};
use helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Settings with no site: for what needs no scan.
fn bare_settings(dir: &std::path::Path) -> Settings {
    Settings {
        data_dir: dir.to_owned(),
        server_key: Some(SERVER_KEY.to_string().into()),
        workers: WorkerSettings {
            heartbeat_secs: 1,
            queue: format!("test-{}", uuid::Uuid::new_v4()),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics_need_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(bare_settings(dir.path())).await;
    assert_eq!(server.get("/healthz", None).await.status(), StatusCode::OK);
    let ready: Value = server.get("/readyz", None).await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["store"], "sqlite");
    assert_eq!(ready["queue"], "embedded");
    // One refused request, so the counters have a 401 to show.
    let _ = server.get("/api/v1/findings", None).await;
    let metrics = server.get("/metrics", None).await;
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    for line in [
        r#"dlp_api_requests_total{method="GET",route="/healthz",status="200"} 1"#,
        r#"dlp_api_requests_total{method="GET",route="/api/v1/findings",status="401"} 1"#,
        r#"dlp_api_request_duration_seconds_count{method="GET",route="/readyz",status="200"} 1"#,
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    // A store that does not answer makes the process unready, in the error shape.
    server.app.store.close().await;
    let unready = server.get("/readyz", None).await;
    assert_eq!(
        assert_error(unready, StatusCode::SERVICE_UNAVAILABLE).await,
        "unavailable"
    );
    assert_eq!(server.get("/healthz", None).await.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_unknown_and_revoked_tokens_are_401_and_a_wrong_scope_is_403() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(bare_settings(dir.path())).await;
    let reader = server.token("reader", &["findings:read"]).await;
    let auditor = server.token("auditor", &["audit:read"]).await;
    let admin = server.token("root", &["admin"]).await;
    assert!(reader.starts_with("dlp_") && reader.len() >= 40, "{reader}");

    let path = "/api/v1/findings";
    let no_token = server.get(path, None).await;
    assert_eq!(
        no_token.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
    assert_eq!(
        assert_error(no_token, StatusCode::UNAUTHORIZED).await,
        "unauthenticated"
    );
    // A well-formed token no one issued, one without our prefix, and another scheme.
    let forged = format!("dlp_{}", "A".repeat(43));
    for token in [forged.as_str(), "not-a-token"] {
        let r = server.get(path, Some(token)).await;
        assert_error(r, StatusCode::UNAUTHORIZED).await;
    }
    let basic = server
        .client
        .get(format!("{}{path}", server.base))
        .basic_auth("reader", Some(&reader))
        .send()
        .await
        .unwrap();
    assert_error(basic, StatusCode::UNAUTHORIZED).await;

    let wrong_scope = server.get(path, Some(&auditor)).await;
    assert_eq!(
        assert_error(wrong_scope, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    assert_eq!(
        server.get(path, Some(&reader)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        server.get(path, Some(&admin)).await.status(),
        StatusCode::OK,
        "admin implies findings:read"
    );

    // Use is recorded; the token itself is stored nowhere.
    let tokens = server.app.store.api_tokens().await.unwrap();
    let used = tokens.iter().find(|t| t.name == "reader").unwrap();
    assert!(used.last_used_at.is_some());
    assert!(!format!("{tokens:?}").contains(&reader));

    assert!(server.app.store.revoke_api_token("reader").await.unwrap());
    let revoked = server.get(path, Some(&reader)).await;
    assert_error(revoked, StatusCode::UNAUTHORIZED).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_4xx_in_the_error_shape_never_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(bare_settings(dir.path())).await;
    let token = server.token("reader", &["findings:read"]).await;
    let t = Some(token.as_str());
    for (query, code) in [
        ("limit=0", "invalid_input"),
        ("limit=501", "invalid_input"),
        ("limit=-1", "invalid_input"),
        ("limit=ten", "invalid_input"),
        ("severity=bogus", "invalid_input"),
        ("category=secrets", "invalid_input"),
        ("content_type=wiki", "invalid_input"),
        ("status=closed", "invalid_input"),
        ("confidence_min=abc", "invalid_input"),
        ("confidence_min=2", "invalid_input"),
        ("first_seen_after=yesterday", "invalid_input"),
        ("severty=high", "invalid_input"),
        ("cursor=bm90LWEtY3Vyc29y", "invalid_cursor"),
        ("cursor=%00%27%20OR%201%3D1", "invalid_cursor"),
    ] {
        let r = server.get(&format!("/api/v1/findings?{query}"), t).await;
        assert_eq!(
            assert_error(r, StatusCode::BAD_REQUEST).await,
            code,
            "{query}"
        );
    }
    // Strange strings in filters are values, not SQL: nothing matches, nothing breaks.
    let odd = server
        .json(
            "/api/v1/findings?space_key=%27%3B%20DROP%20TABLE%20findings%3B--",
            &token,
        )
        .await;
    assert_eq!(odd["items"].as_array().unwrap().len(), 0);
    let r = server.get("/api/v1/findings/summary?limit=5", t).await;
    assert_error(r, StatusCode::BAD_REQUEST).await;
    for id in ["0123456789abcdef0123456789abcdef", "nope", "%27"] {
        let r = server.get(&format!("/api/v1/findings/{id}"), t).await;
        assert_eq!(assert_error(r, StatusCode::NOT_FOUND).await, "not_found");
    }
    let r = server.get("/api/v1/nothing-here", t).await;
    assert_error(r, StatusCode::NOT_FOUND).await;
    // A body beyond the limit is refused before it is read.
    let huge = server
        .client
        .post(format!("{}/api/v1/findings", server.base))
        .bearer_auth(&token)
        .body(vec![b'x'; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(huge, StatusCode::PAYLOAD_TOO_LARGE).await,
        "payload_too_large"
    );
    let wrong_method = server
        .client
        .delete(format!("{}/api/v1/findings", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_error(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_has_a_rate_limit_answered_with_429_and_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = bare_settings(dir.path());
    settings.api.requests_per_sec = 1;
    settings.api.burst = 3;
    let server = spawn_server(settings).await;
    let busy = server.token("busy", &["findings:read"]).await;
    let calm = server.token("calm", &["findings:read"]).await;
    for _ in 0..3 {
        let r = server.get("/api/v1/findings", Some(&busy)).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let limited = server.get("/api/v1/findings", Some(&busy)).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(
        assert_error(limited, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    let other = server.get("/api/v1/findings", Some(&calm)).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another token has its own budget"
    );
    // Probes are not rate limited: they carry no token.
    for _ in 0..5 {
        assert_eq!(server.get("/healthz", None).await.status(), StatusCode::OK);
    }
    server.stop().await;
}

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
    let one = server
        .json(&format!("/api/v1/findings/{}", contract.id), &token)
        .await;
    assert_eq!(&one, first);

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
    settings.database_url = Some(db.to_url_lossy().to_string().into());
    settings.redis_url = Some(redis_url().into());
    let _cleanup = RedisQueueGuard {
        queue: settings.workers.queue.clone(),
    };
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
async fn token_commands_print_the_token_once_and_revoke_it() {
    let dir = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DLP_DATA_DIR", dir.path())
            .env("DLP_SERVER_KEY", SERVER_KEY)
            .output()
            .unwrap()
    };
    let created = cli(&[
        "token",
        "create",
        "--name",
        "siem",
        "--scope",
        "findings:read",
        "audit:read",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let stdout = String::from_utf8(created.stdout).unwrap();
    let token = stdout.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("dlp_"), "{stdout}");
    let again = cli(&["token", "create", "--name", "siem", "--scope", "admin"]);
    assert!(!again.status.success(), "a name is never reused");
    let bad_scope = cli(&["token", "create", "--name", "x", "--scope", "root"]);
    assert!(!bad_scope.status.success());

    let listed = cli(&["token", "list"]);
    let list = String::from_utf8(listed.stdout).unwrap();
    assert!(
        list.contains("siem") && list.contains("findings:read,audit:read"),
        "{list}"
    );
    assert!(!list.contains(&token), "token list shows the token");
    // The store holds a hash, not the token.
    let db = std::fs::read(dir.path().join("dlp.sqlite")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(&token));

    let mut settings = bare_settings(dir.path());
    settings.server_key = Some(SERVER_KEY.to_string().into());
    let server = spawn_server(settings).await;
    assert_eq!(
        server.get("/api/v1/findings", Some(&token)).await.status(),
        StatusCode::OK
    );
    let revoked = cli(&["token", "revoke", "siem"]);
    assert!(revoked.status.success());
    assert_error(
        server.get("/api/v1/findings", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        !cli(&["token", "revoke", "siem"]).status.success(),
        "revoking twice is an error"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_gracefully_on_sigterm() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OMP_THREAD_LIMIT", "1")
        .env("DLP_DATA_DIR", dir.path())
        .env("DLP_SERVER_KEY", SERVER_KEY)
        .env("DLP_HEARTBEAT_SECS", "1")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // `serve` names the address it bound on stderr.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("serving on http://") {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("serve exited before listening");
    })
    .await
    .expect("serve starts listening");
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .expect("serve exits within 30 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    // Closed as a finished command is: the embedded store folded its WAL back.
    assert!(!dir.path().join("dlp.sqlite-wal").exists());
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err(),
        "still listening"
    );
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
