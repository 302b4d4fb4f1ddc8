//! What a policy's settings make of a plan: without a space admin's credential, no space
//! access action and the variables to set; in `auto` mode, approval when planned and work once
//! the delay has passed.

use confluence_dlp::remediate::worker;
use dlp_simulator::{Faults, Flavor};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;
use crate::remediation::{NOTES, NOTES_COMMENT, planned, policies};

/// Without a space admin's credential, the plan says which variables to set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn space_access_needs_a_space_admin_credential() {
    let sim = spawn_flavor(Flavor::Cloud, Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    settings.remediation = policies(true);
    settings.remediation.space_admin = Default::default();
    let server = spawn_server(settings).await;
    let token = server.token("secops", &["remediate"]).await;
    let report: Value = server
        .client
        .post(format!("{}/api/v1/remediations/plan", server.base))
        .bearer_auth(&token)
        .json(&json!({"page_id": NOTES}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let skipped = report["skipped"].to_string();
    assert!(skipped.contains("DLP_SPACE_ADMIN_EMAIL"), "{skipped}");
    // A token without the scope cannot plan.
    let reader = server.token("reader", &["findings:read"]).await;
    let refused = server
        .client
        .post(format!("{}/api/v1/remediations/plan", server.base))
        .bearer_auth(&reader)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    server.stop().await;
}

/// An `auto` policy needs no one: its plans are approved when made and carried out once its
/// delay has passed, not before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_policy_runs_after_its_delay_without_approval() {
    let sim = spawn_flavor(Flavor::Cloud, Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    settings.remediation = toml::from_str(
        r#"
        poll_ms = 3600000
        [[policies]]
        name = "later"
        match = { categories = ["secret"] }
        scope = { content_types = ["comment"] }
        actions = ["redact_in_place"]
        mode = "auto"
        delay_secs = 3600

        [[policies]]
        name = "now"
        match = { categories = ["secret"] }
        scope = { content_types = ["page"] }
        actions = ["redact_in_place"]
        mode = "auto"
        "#,
    )
    .unwrap();
    let server = spawn_server(settings).await;
    let token = server
        .token("secops", &["remediate", "findings:read"])
        .await;
    let report: Value = server
        .client
        .post(format!("{}/api/v1/remediations/plan", server.base))
        .bearer_auth(&token)
        .json(&json!({"page_id": NOTES}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let later = planned(&report, "redact_in_place", Some(NOTES_COMMENT));
    let now = planned(&report, "redact_in_place", None);
    assert_eq!(later["state"], "approved");
    assert!(later["not_before"].is_string(), "{later:#}");
    assert_eq!(now["state"], "approved");
    while worker::run_once(&server.app).await.unwrap() {}
    let get = |id: &str| {
        let url = format!("/api/v1/remediations/{id}");
        let server = &server;
        let token = &token;
        async move { server.json(&url, token).await }
    };
    assert_eq!(get(now["id"].as_str().unwrap()).await["state"], "verified");
    assert_eq!(
        get(later["id"].as_str().unwrap()).await["state"],
        "approved",
        "ran before its delay"
    );
    server.stop().await;
}
