//! Webhooks: a Forge event about a page becomes a job, and the page's findings appear over
//! REST; forged, expired, foreign and replayed deliveries do not.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::{Value, json};

use super::common::*;
use super::helpers::*;
use confluence_dlp::config::{ForgeWebhookSettings, WebhookSettings};

const APP_ID: &str = "ari:cloud:ecosystem::app/6f3c2d0e-test";
/// A sample page with five planted values in its body.
const PAGE: &str = "66379";

/// A signing key of our own, standing in for Atlassian's: generated once per test binary.
fn signing_key(slot: usize) -> &'static EncodingKey {
    static KEYS: OnceLock<Vec<EncodingKey>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        (0..2)
            .map(|_| {
                use rsa::Generate as _;
                let key = rsa::PrivateKey::generate();
                let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
                EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()
            })
            .collect()
    })[slot]
}

/// Serves the published key set, as Atlassian's CDN does.
async fn spawn_jwks() -> String {
    let mut jwk = Jwk::from_encoding_key(signing_key(0), Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("forge-1".into());
    let set = serde_json::to_value(JwkSet { keys: vec![jwk] }).unwrap();
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let set = set.clone();
            async move { axum::Json(set) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/.well-known/jwks.json")
}

/// The server with the Forge receiver on, its keys at `jwks_url`, its site the simulator.
async fn spawn_receiver(
    sim: &dlp_simulator::SimulatorHandle,
    dir: &std::path::Path,
    jwks_url: String,
) -> TestServer {
    let mut settings = settings(dir, &sim.site_url());
    settings.webhooks = WebhookSettings {
        forge: Some(ForgeWebhookSettings {
            app_id: APP_ID.into(),
            jwks_url,
        }),
        ..WebhookSettings::default()
    };
    spawn_server(settings).await
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

struct Fit {
    key: usize,
    kid: &'static str,
    aud: &'static str,
    exp: u64,
    jti: String,
}

impl Fit {
    fn valid() -> Fit {
        Fit {
            key: 0,
            kid: "forge-1",
            aud: APP_ID,
            exp: now() + 300,
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }

    fn sign(&self) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.into());
        let claims = json!({
            "iss": "forge/invocation-token", "aud": self.aud, "exp": self.exp,
            "iat": now(), "jti": self.jti, "app": {"id": APP_ID},
        });
        jsonwebtoken::encode(&header, &claims, signing_key(self.key)).unwrap()
    }
}

/// The sample page's current version, as Confluence would name it in the event.
fn version() -> u32 {
    let meta: Value = serde_json::from_slice(
        &std::fs::read(sample_space().join(format!("pages/{PAGE}.json"))).unwrap(),
    )
    .unwrap();
    meta["version"]["number"].as_u64().unwrap() as u32
}

fn page_event(version: u32) -> Value {
    json!({
        "eventType": "avi:confluence:updated:page",
        "atlassianId": "712020:0060208b-f63f-471b-aff4-c2423ef97131",
        "suppressNotifications": false,
        "content": {
            "id": PAGE, "type": "page", "status": "current", "title": "Runbook",
            "space": {"key": "ENG", "id": 32770},
            "version": {"number": version},
        },
    })
}

async fn post(server: &TestServer, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = server
        .client
        .post(format!("{}/webhooks/forge", server.base))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forge_event_becomes_a_job_and_the_pages_findings_appear_over_rest() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_receiver(&sim, dir.path(), spawn_jwks().await).await;
    let reader = server
        .token("triage", &["findings:read", "scans:write", "audit:read"])
        .await;

    // Refused, each with 401 and an audit row, none a job.
    let forged = Fit {
        key: 1,
        ..Fit::valid()
    };
    let unknown_kid = Fit {
        kid: "forge-9",
        ..Fit::valid()
    };
    let expired = Fit {
        exp: now() - 3600,
        ..Fit::valid()
    };
    let other_app = Fit {
        aud: "ari:cloud:ecosystem::app/someone-else",
        ..Fit::valid()
    };
    let refused: Vec<Option<String>> = vec![
        None,
        Some("not-a-jwt".into()),
        Some(forged.sign()),
        Some(unknown_kid.sign()),
        Some(expired.sign()),
        Some(other_app.sign()),
    ];
    let doc = server.json("/api/v1/openapi.json", &reader).await;
    let conforms = |status: StatusCode, body: &Value| {
        super::openapi::conforms(&doc, "/webhooks/forge", "post", status, body)
    };
    for token in &refused {
        let response = post(&server, token.as_deref(), &page_event(version())).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated", "{body}");
        conforms(StatusCode::UNAUTHORIZED, &body);
    }
    let rejected = server
        .json("/api/v1/audit?action=webhook.rejected&limit=100", &reader)
        .await;
    assert_eq!(rejected["items"].as_array().unwrap().len(), refused.len());
    let no_scans = server.json("/api/v1/scans", &reader).await;
    assert!(
        no_scans["items"].as_array().unwrap().is_empty(),
        "{no_scans}"
    );

    // A verified event: queued, scanned by the in-process workers, findings over REST.
    let fit = Fit::valid();
    let token = fit.sign();
    let response = post(&server, Some(&token), &page_event(version())).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let queued: Value = response.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    conforms(StatusCode::ACCEPTED, &queued);
    let scan_id = queued["scan_id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let findings = loop {
        let page = server
            .json(&format!("/api/v1/findings?page_id={PAGE}"), &reader)
            .await;
        let items = page["items"].as_array().unwrap().clone();
        if !items.is_empty() {
            break items;
        }
        if std::time::Instant::now() > deadline {
            let scan = server
                .json(&format!("/api/v1/scans/{scan_id}"), &reader)
                .await;
            panic!("no findings for the page; the scan: {scan}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let expected = Expected::load();
    let planted = expected
        .planted
        .iter()
        .filter(|p| p.content_type == "page" && p.page_id == PAGE)
        .count();
    assert_eq!(planted, 5);
    assert!(findings.len() >= planted, "{} findings", findings.len());
    assert!(findings.iter().all(|f| f["location"]["space_key"] == "ENG"));
    let scan = server
        .json(&format!("/api/v1/scans/{scan_id}"), &reader)
        .await;
    assert_eq!(scan["mode"], "event");
    assert_eq!(scan["actor"], "webhook:forge");

    // The same delivery again, and another delivery about the same version: no new job.
    let again = post(&server, Some(&token), &page_event(version())).await;
    assert_eq!(again.status(), StatusCode::OK);
    let duplicate: Value = again.json().await.unwrap();
    assert_eq!(duplicate["status"], "duplicate");
    conforms(StatusCode::OK, &duplicate);
    let twin = post(&server, Some(&Fit::valid().sign()), &page_event(version())).await;
    assert_eq!(twin.status(), StatusCode::OK);
    assert_eq!(twin.json::<Value>().await.unwrap()["status"], "coalesced");
    // A permission event is recorded, not scanned.
    let permissions =
        json!({"eventType": "avi:confluence:permissions_updated:space", "space": {"key": "ENG"}});
    let recorded = post(&server, Some(&Fit::valid().sign()), &permissions).await;
    assert_eq!(recorded.status(), StatusCode::ACCEPTED);
    assert_eq!(
        recorded.json::<Value>().await.unwrap()["status"],
        "recorded"
    );
    let scans = server.json("/api/v1/scans", &reader).await;
    assert_eq!(
        scans["items"].as_array().unwrap().len(),
        1,
        "one job for one version"
    );

    // The page is trashed: its findings are resolved, with the reason in their history.
    let mut trashed = page_event(version());
    trashed["eventType"] = json!("avi:confluence:trashed:page");
    let response = post(&server, Some(&Fit::valid().sign()), &trashed).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let resolved: Value = response.json().await.unwrap();
    assert_eq!(resolved["status"], "resolved");
    conforms(StatusCode::ACCEPTED, &resolved);
    let open = server
        .json(
            &format!("/api/v1/findings?page_id={PAGE}&status=open"),
            &reader,
        )
        .await;
    assert!(open["items"].as_array().unwrap().is_empty(), "{open}");
    let id = findings[0]["id"].as_str().unwrap();
    let detail = server
        .json(&format!("/api/v1/findings/{id}"), &reader)
        .await;
    assert_eq!(detail["status"], "resolved");
    let last = detail["history"]["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "finding.resolved");
    assert_eq!(last["actor"], "webhook:forge");
    assert_eq!(last["detail"]["reason"], "content deleted");

    // Bad bodies: not an event, and far too large.
    let garbage = post(&server, Some(&Fit::valid().sign()), &json!({"hello": 1})).await;
    assert_eq!(
        assert_error(garbage, StatusCode::BAD_REQUEST).await,
        "invalid_input"
    );
    let huge = json!({"eventType": "x".repeat(400 * 1024)});
    let too_large = server
        .client
        .post(format!("{}/webhooks/forge", server.base))
        .bearer_auth(Fit::valid().sign())
        .json(&huge);
    assert_too_large(&server, too_large).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfigured_receiver_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(crate::bare_settings(dir.path())).await;
    let response = post(&server, Some(&Fit::valid().sign()), &page_event(version())).await;
    assert_eq!(
        assert_error(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_edited_in_confluence_is_scanned_through_its_forge_event() {
    // The simulator plays Confluence and Forge both: a write to a page sends a signed event.
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_receiver(&sim, dir.path(), sim.forge_jwks_url().to_string()).await;
    let reader = server.token("triage", &["findings:read"]).await;
    sim.add_forge_target(dlp_simulator::ForgeTarget {
        url: format!("{}/webhooks/forge", server.base).parse().unwrap(),
        app_id: APP_ID.into(),
    });

    // The home page holds nothing sensitive; an edit pastes a key into it.
    let home = "65601";
    let url = format!("{}wiki/api/v2/pages/{home}", sim.site_url());
    let client = reqwest::Client::new();
    let current: Value = client
        .get(format!("{url}?body-format=storage"))
        .basic_auth(EMAIL, Some(TOKEN))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = current["version"]["number"].as_u64().unwrap();
    let edit = |number: u64| {
        json!({
            "id": home, "status": "current", "title": current["title"],
            "body": {"representation": "storage",
                     "value": "<p>Deploy with aws_access_key_id = AKIAQYLPMN5HHHFPZAM2 until the vault is up.</p>"},
            "version": {"number": number, "message": "deploy notes"},
        })
    };
    let stale = client
        .put(&url)
        .basic_auth(EMAIL, Some(TOKEN))
        .json(&edit(version))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        StatusCode::CONFLICT,
        "a write must name the next version"
    );
    let written = client
        .put(&url)
        .basic_auth(EMAIL, Some(TOKEN))
        .json(&edit(version + 1))
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
    server.stop().await;
}
