//! Exposure follows Confluence: a permission webhook and a completed scan read again who can
//! read the pages with findings, and the findings show it.

use std::time::Duration;

use dlp_simulator::{Faults, Flavor};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;
use crate::remediation::{NOTES, PAYROLL, policies};

/// A permission webhook reads exposure again: once anonymous access is gone from the space,
/// the findings of a page that was public show who can read it now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_webhook_refreshes_exposure() {
    use confluence_dlp::config::{DataCenterWebhookSettings, WebhookSettings};
    use hmac::{Hmac, Mac};
    const SECRET: &str = "dc-webhook-secret";
    let sim = spawn_flavor(Flavor::Cloud, Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    settings.remediation = policies(true);
    // Cloud names groups by id: this one is confluence-users, which every user is in.
    settings
        .remediation
        .site_wide_groups
        .push("5c1d2a0e-0b53-4c8f-9d3e-0a1b2c3d4e01".into());
    settings.webhooks = WebhookSettings {
        datacenter: Some(DataCenterWebhookSettings {
            secret: SECRET.to_string().into(),
            max_age_secs: 300,
        }),
        ..WebhookSettings::default()
    };
    let server = spawn_server(settings).await;
    let token = server
        .token("secops", &["remediate", "findings:read"])
        .await;
    let plan = server
        .client
        .post(format!("{}/api/v1/remediations/plan", server.base))
        .bearer_auth(&token)
        .json(&json!({"page_id": NOTES}))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.status(), StatusCode::OK);
    let exposure = || async {
        server
            .json(&format!("/api/v1/findings?page_id={NOTES}"), &token)
            .await["items"][0]["exposure"]
            .clone()
    };
    assert_eq!(exposure().await, "public");
    // Someone takes anonymous access away in Confluence.
    let client = server.app.confluence.as_ref().unwrap();
    let space = client.space_by_key("ENG").await.unwrap();
    let permissions = client.space_permissions(&space).await.unwrap();
    let anonymous = permissions
        .iter()
        .find(|p| p.principal == dlp_confluence::Principal::Anonymous)
        .unwrap();
    client
        .remove_space_permission(&space, anonymous)
        .await
        .unwrap();
    let body = serde_json::to_vec(&json!({
        "timestamp": chrono::Utc::now().timestamp_millis(),
        "event": "space_permissions_updated",
        "userKey": "8a7f808a7a0f1b2c017a0f1b2c5e0000",
        "space": {"key": "ENG"},
    }))
    .unwrap();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let answer = server
        .client
        .post(format!("{}/webhooks/datacenter", server.base))
        .header("content-type", "application/json")
        .header("X-Hub-Signature", hex::encode(mac.finalize().into_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let now = exposure().await;
        if now != "public" {
            assert_eq!(now, "site", "confluence-users may still read the space");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "exposure not read again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop().await;
}

/// A scan the service runs refreshes exposure: once it completes, its pages' findings show
/// who can read them, with no plan made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_scan_refreshes_exposure() {
    let sim = spawn_flavor(Flavor::Cloud, Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(settings(dir.path(), &sim.site_url())).await;
    let token = server
        .token("operator", &["scans:write", "findings:read"])
        .await;
    let started: Value = server
        .client
        .post(format!("{}/api/v1/scans", server.base))
        .bearer_auth(&token)
        .json(&json!({"space_key": "ENG"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        let scan = server.json(&format!("/api/v1/scans/{id}"), &token).await;
        if scan["status"] != "running" {
            assert_eq!(scan["status"], "completed", "{scan}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the scan never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let exposure_of = |page: &'static str| {
        let server = &server;
        let token = &token;
        async move {
            server
                .json(&format!("/api/v1/findings?page_id={page}"), token)
                .await["items"][0]["exposure"]
                .clone()
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while exposure_of(NOTES).await.is_null() {
        assert!(
            std::time::Instant::now() < deadline,
            "exposure not read after the scan"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(exposure_of(NOTES).await, "public");
    assert_eq!(exposure_of(PAYROLL).await, "restricted");
    let summary = server
        .json("/api/v1/findings/summary?status=open", &token)
        .await;
    assert!(
        summary["by_exposure"]["public"].as_u64().unwrap() > 0,
        "{summary}"
    );
    server.stop().await;
}
