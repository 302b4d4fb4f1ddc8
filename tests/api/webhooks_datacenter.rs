//! Data Center webhooks: a signed event about a page becomes a job; unsigned, forged, stale
//! and replayed deliveries do not; a trashed page's findings are resolved.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use super::common::*;
use super::helpers::*;
use confluence_dlp::config::{DataCenterWebhookSettings, WebhookSettings};

const SECRET: &str = "dc-webhook-secret";
const PAGE: &str = "66379";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn page_event(event: &str, timestamp: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "timestamp": timestamp, "event": event, "userKey": "8a7f808a7a0f1b2c017a0f1b2c5e0000",
        "page": {"id": PAGE.parse::<u64>().unwrap(), "spaceKey": "ENG", "version": 7,
                 "title": "Runbook", "creatorKey": "8a7f808a7a0f1b2c017a0f1b2c5e0000"},
    }))
    .unwrap()
}

async fn post(server: &TestServer, signature: Option<&str>, body: &[u8]) -> reqwest::Response {
    let mut request = server
        .client
        .post(format!("{}/webhooks/datacenter", server.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature", signature);
    }
    request.send().await.expect("request")
}

async fn status_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_center_event_is_verified_queued_deduplicated_and_resolved() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    settings.webhooks = WebhookSettings {
        datacenter: Some(DataCenterWebhookSettings {
            secret: SECRET.to_string().into(),
            max_age_secs: 300,
        }),
        ..WebhookSettings::default()
    };
    let server = spawn_server(settings).await;
    let reader = server
        .token("triage", &["findings:read", "scans:write", "audit:read"])
        .await;
    let doc = server.json("/api/v1/openapi.json", &reader).await;
    let conforms = |status: StatusCode, body: &Value| {
        super::openapi::conforms(&doc, "/webhooks/datacenter", "post", status, body)
    };

    // Refused, each with 401 and an audit row, none a job.
    let body = page_event("page_updated", now_ms());
    let stale = page_event("page_updated", now_ms() - 600_000);
    let future = page_event("page_updated", now_ms() + 600_000);
    let refused: Vec<(Option<String>, &[u8])> = vec![
        (None, &body),
        (Some(sign("another secret", &body)), &body),
        (
            Some(format!("sha256={}", sign("another secret", &body))),
            &body,
        ),
        (Some("sha256=not-hex".into()), &body),
        (Some(sign(SECRET, &stale)), &stale),
        (Some(sign(SECRET, &future)), &future),
    ];
    for (signature, body) in &refused {
        let (status, answer) = status_of(post(&server, signature.as_deref(), body).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert_eq!(answer["error"]["code"], "unauthenticated");
        conforms(status, &answer);
    }
    let rejected = server
        .json("/api/v1/audit?action=webhook.rejected&limit=100", &reader)
        .await;
    let rejected = rejected["items"].as_array().unwrap();
    assert_eq!(rejected.len(), refused.len());
    assert!(rejected.iter().all(|r| r["actor"] == "webhook:datacenter"));
    let scans = server.json("/api/v1/scans", &reader).await;
    assert!(scans["items"].as_array().unwrap().is_empty(), "{scans}");

    // Signed (with the `sha256=` prefix): queued as a scan of mode `event` with one job.
    let signature = format!("sha256={}", sign(SECRET, &body));
    let (status, queued) = status_of(post(&server, Some(&signature), &body).await).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["status"], "queued");
    conforms(status, &queued);
    let scan_id = queued["scan_id"].as_str().unwrap();
    let scan = server
        .json(&format!("/api/v1/scans/{scan_id}"), &reader)
        .await;
    assert_eq!(
        (&scan["mode"], &scan["actor"]),
        (&json!("event"), &json!("webhook:datacenter"))
    );

    // The exact delivery again: a duplicate. The same version in another delivery, signed
    // as bare hex: verified, and coalesced into the job already queued.
    let (status, again) = status_of(post(&server, Some(&signature), &body).await).await;
    assert_eq!(
        (status, &again["status"]),
        (StatusCode::OK, &json!("duplicate"))
    );
    conforms(status, &again);
    let twin = page_event("page_updated", now_ms() + 1);
    let (status, twin) = status_of(post(&server, Some(&sign(SECRET, &twin)), &twin).await).await;
    assert_eq!(
        (status, &twin["status"]),
        (StatusCode::OK, &json!("coalesced"))
    );

    // A permission event is recorded only; an attachment event becomes the attachment's job
    // (the worker looks it up by id).
    let permissions = serde_json::to_vec(&json!({
        "timestamp": now_ms(), "event": "space_permissions_updated", "userKey": "u",
        "space": {"key": "ENG"},
    }))
    .unwrap();
    let attachment = serde_json::to_vec(&json!({
        "timestamp": now_ms(), "event": "attachment_created", "userKey": "u",
        "attachment": {"id": 900, "fileName": "keys.txt", "version": 1},
        "page": {"id": PAGE, "spaceKey": "ENG"},
    }))
    .unwrap();
    for (body, expected) in [(&permissions, "recorded"), (&attachment, "queued")] {
        let (status, answer) =
            status_of(post(&server, Some(&sign(SECRET, body)), body).await).await;
        assert_eq!(
            (status, &answer["status"]),
            (StatusCode::ACCEPTED, &json!(expected))
        );
    }
    let scans = server.json("/api/v1/scans", &reader).await;
    assert_eq!(scans["items"].as_array().unwrap().len(), 2, "{scans}");

    // A signed body that is not an event: 400.
    let garbage =
        serde_json::to_vec(&json!({"timestamp": now_ms(), "event": "page_updated"})).unwrap();
    let response = post(&server, Some(&sign(SECRET, &garbage)), &garbage).await;
    assert_eq!(
        assert_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_input"
    );

    // Trashed: the page's open findings are resolved (none to resolve here, the job may not
    // have run; the answer and its audit row are what the receiver owns).
    let trashed = page_event("page_trashed", now_ms());
    let (status, resolved) =
        status_of(post(&server, Some(&sign(SECRET, &trashed)), &trashed).await).await;
    assert_eq!(
        (status, &resolved["status"]),
        (StatusCode::ACCEPTED, &json!("resolved"))
    );
    conforms(status, &resolved);
    let audited = server
        .json("/api/v1/audit?action=webhook.resolved&limit=10", &reader)
        .await;
    assert_eq!(audited["items"][0]["subject"], format!("page:{PAGE}@7"));

    // The webhook limit is 256 KiB, not the API's 64 KiB: a 100 KiB event is taken, a
    // 300 KiB one is refused before it is read.
    let mut big: Value = serde_json::from_slice(&page_event("page_created", now_ms())).unwrap();
    big["page"]["title"] = json!("t".repeat(100 * 1024));
    big["page"]["version"] = json!(8);
    let big = serde_json::to_vec(&big).unwrap();
    let (status, answer) = status_of(post(&server, Some(&sign(SECRET, &big)), &big).await).await;
    assert_eq!(
        (status, &answer["status"]),
        (StatusCode::ACCEPTED, &json!("queued"))
    );
    let huge = vec![b' '; 300 * 1024];
    let too_large = server
        .client
        .post(format!("{}/webhooks/datacenter", server.base))
        .header("X-Hub-Signature", sign(SECRET, &huge))
        .body(huge);
    assert_too_large(&server, too_large).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_edited_on_data_center_is_scanned_through_its_signed_webhook() {
    // The simulator is a Data Center: v1 only, a PAT, and a webhook signed with its secret.
    let sim = spawn_flavor(
        dlp_simulator::Flavor::data_center(),
        dlp_simulator::Faults::default(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings_dc(dir.path(), &sim.site_url());
    settings.webhooks = WebhookSettings {
        datacenter: Some(DataCenterWebhookSettings {
            secret: SECRET.to_string().into(),
            max_age_secs: 300,
        }),
        ..WebhookSettings::default()
    };
    let server = spawn_server(settings).await;
    let reader = server.token("triage", &["findings:read"]).await;
    sim.add_datacenter_target(dlp_simulator::DataCenterTarget {
        url: format!("{}/webhooks/datacenter", server.base)
            .parse()
            .unwrap(),
        secret: SECRET.into(),
    });

    let home = "65601";
    let url = format!("{}/rest/api/content/{home}", sim.site_url());
    let client = reqwest::Client::new();
    let current: Value = client
        .get(format!("{url}?expand=version"))
        .bearer_auth(PAT)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = current["version"]["number"].as_u64().unwrap();
    let written = client
        .put(&url)
        .bearer_auth(PAT)
        .json(&json!({
            "id": home, "type": "page", "title": current["title"],
            "body": {"storage": {"representation": "storage",
                     "value": "<p>Deploy with aws_access_key_id = AKIAQYLPMN5HHHFPZAM2 for now.</p>"}},
            "version": {"number": version + 1},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), StatusCode::OK);

    let finding = wait_for_finding(&server, &reader, home, "aws-access-key-id", || {
        format!("simulator: {:?}", sim.stats())
    })
    .await;
    assert_eq!(finding["location"]["page_version"], version + 1);
    assert!(!finding.to_string().contains("AKIAQYLPMN5HHHFPZAM2"));
    let stats = sim.stats();
    assert_eq!((stats.webhooks_delivered, stats.webhooks_failed), (1, 0));
    // Confluence gives a receiver 3 s; this one answers once the job is persisted.
    assert!(stats.webhook_answer_max_ms < 3000, "{stats:?}");
    // The worker read the page through v1 under the context path, with the PAT.
    assert!(
        stats
            .requests_by_route
            .contains_key("GET /confluence/rest/api/content/{id}"),
        "{stats:?}"
    );
    assert_eq!(stats.unauthorized, 0);
}
