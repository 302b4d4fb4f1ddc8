//! The REST API over HTTP, zero2prod style: the real server on port 0 with a fresh store,
//! the simulator scanned into it, and real requests.

//!
//! Here: probes, the token commands and the process; `api/auth.rs`: authentication, bad input
//! and rate limits; `api/findings.rs`: the findings routes over a scan, on both backends;
//! `api/lookup.rs`: redactor lookups and the classification cache; `api/mcp.rs`: the MCP
//! proxy; `api/scans.rs`: a scan started over HTTP and the audit routes, with an all-spaces
//! scan and cancels in `api/scans_all_spaces.rs`, older versions in `api/scans_history.rs`
//! and incremental crawls in `api/scans_incremental.rs`; `api/schedules.rs`: the scheduler;
//! `api/webhooks.rs`: Confluence's webhooks (Forge), `api/webhooks_datacenter.rs` and
//! `api/webhooks_connect.rs`: the Data Center and Connect receivers; `api/console.rs`: the
//! console at `/`, over HTTP and in a headless Chromium (`api/browser.rs`);
//! `api/remediation_actions.rs`: every remediation action end to end, on the bench of
//! `api/remediation.rs`; `api/remediation_policies.rs`: what a policy's settings make of a
//! plan; `api/remediation_reload.rs`: the remediation policies reloaded without a restart.

#[path = "api/auth.rs"]
mod auth;
#[path = "api/browser.rs"]
mod browser;
mod common;
#[path = "api/console.rs"]
mod console;
#[path = "api/console_remediations.rs"]
mod console_remediations;
#[path = "api/exposure.rs"]
mod exposure;
#[path = "api/findings.rs"]
mod findings;
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/lookup.rs"]
mod lookup;
#[path = "api/mcp.rs"]
mod mcp;
#[path = "api/mcp_e2e.rs"]
mod mcp_e2e;
#[path = "api/mcp_upstream.rs"]
mod mcp_upstream;
#[path = "api/openapi.rs"]
mod openapi;
#[path = "api/remediation.rs"]
mod remediation;
#[path = "api/remediation_actions.rs"]
mod remediation_actions;
#[path = "api/remediation_native.rs"]
mod remediation_native;
#[path = "api/remediation_policies.rs"]
mod remediation_policies;
#[path = "api/remediation_reload.rs"]
mod remediation_reload;
#[path = "api/scans.rs"]
mod scans;
#[path = "api/scans_all_spaces.rs"]
mod scans_all_spaces;
#[path = "api/scans_history.rs"]
mod scans_history;
#[path = "api/scans_incremental.rs"]
mod scans_incremental;
#[path = "api/schedules.rs"]
mod schedules;
#[path = "api/webhooks.rs"]
mod webhooks;
#[path = "api/webhooks_connect.rs"]
mod webhooks_connect;
#[path = "api/webhooks_datacenter.rs"]
mod webhooks_datacenter;

use common::*;
use confluence_dlp::config::{Settings, WorkerSettings};
use helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Settings with no site: for what needs no scan.
pub fn bare_settings(dir: &std::path::Path) -> Settings {
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
async fn token_commands_print_the_token_once_and_revoke_it() {
    let dir = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| run_cli(dir.path(), args);
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
    assert_refused_once_revoked(&server, "/api/v1/findings", &token).await;
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
