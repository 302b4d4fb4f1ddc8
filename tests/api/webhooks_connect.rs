//! Connect: a signed install records the site with its shared secret sealed; events signed
//! with that secret become jobs; unknown sites, wrong `qsh`s and re-installs not signed by the
//! current secret are refused.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::common::*;
use super::helpers::*;
use confluence_dlp::config::{ConnectWebhookSettings, WebhookSettings};

const APP_KEY: &str = "com.acme.confluence-dlp";
const APP_BASE_URL: &str = "https://dlp.acme-corp.example";
const CLIENT_KEY: &str = "7c2a9f0e-3b1d-4e5f-9a8b-connect-test";
const KID: &str = "0f6f5a2e-install-key-1";
const PAGE: &str = "66379";

/// Atlassian's install signing key, played by a key of our own.
fn install_key() -> &'static (EncodingKey, String) {
    static KEY: OnceLock<(EncodingKey, String)> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::Generate as _;
        let key = rsa::PrivateKey::generate();
        let private = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        (
            EncodingKey::from_rsa_pem(private.as_bytes()).unwrap(),
            public,
        )
    })
}

/// Serves the public key at `/<kid>`, as connect-install-keys.atlassian.com does.
async fn spawn_install_keys() -> String {
    let pem = install_key().1.clone();
    let app = axum::Router::new().route(
        &format!("/{KID}"),
        axum::routing::get(move || {
            let pem = pem.clone();
            async move { pem }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Connect's `qsh`, written out by hand for the requests these tests send.
fn qsh(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn signed_install_token(client_key: &str, canonical: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    let claims = json!({
        "iss": client_key, "aud": [APP_BASE_URL], "exp": now() + 180, "iat": now(),
        "qsh": qsh(canonical), "sub": "557058:install",
    });
    jsonwebtoken::encode(&header, &claims, &install_key().0).unwrap()
}

fn hs256(secret: &str, iss: &str, canonical: &str, exp: u64) -> String {
    let claims = json!({
        "iss": iss, "exp": exp, "iat": now(), "qsh": qsh(canonical),
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

const INSTALL: &str = "POST&/webhooks/connect/installed&";

fn install_body(site: &str, secret: &str, key: &str) -> Value {
    json!({
        "key": key, "clientKey": CLIENT_KEY, "sharedSecret": secret,
        "baseUrl": format!("{site}wiki"), "displayUrl": format!("{site}wiki"),
        "productType": "confluence", "description": "Atlassian Confluence",
        "eventType": "installed",
    })
}

async fn post(
    server: &TestServer,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = server
        .client
        .post(format!("{}{path}", server.base))
        .json(body);
    if let Some(token) = token {
        request = request.header("Authorization", format!("JWT {token}"));
    }
    request.send().await.expect("request")
}

async fn status_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The tenant's stored secret, opened with the server's seal key.
async fn stored_secret(server: &TestServer) -> (String, String) {
    let tenant = server
        .app
        .store
        .connect_tenant(CLIENT_KEY)
        .await
        .unwrap()
        .expect("the tenant is stored");
    let sealed: dlp_jobs::Sealed = serde_json::from_str(&tenant.sealed_shared_secret).unwrap();
    let opened = server.app.workers.sealer.open(&sealed).unwrap();
    (tenant.sealed_shared_secret, opened)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_site_installs_and_its_signed_events_become_jobs() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let site = sim.site_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    settings.webhooks = WebhookSettings {
        connect: Some(ConnectWebhookSettings {
            app_key: APP_KEY.into(),
            base_url: APP_BASE_URL.into(),
            install_keys_url: spawn_install_keys().await,
        }),
        ..WebhookSettings::default()
    };
    let server = spawn_server(settings).await;
    let reader = server
        .token("triage", &["findings:read", "scans:write", "audit:read"])
        .await;
    let doc = server.json("/api/v1/openapi.json", &reader).await;
    const FIRST: &str = "first-shared-secret-0123456789";
    const SECOND: &str = "second-shared-secret-9876543210";

    // Installs refused: unsigned, for another app, signed for another request.
    let signed = signed_install_token(CLIENT_KEY, INSTALL);
    for (token, body) in [
        (None, install_body(&site, FIRST, APP_KEY)),
        (
            Some(signed.clone()),
            install_body(&site, FIRST, "com.someone.else"),
        ),
        (
            Some(signed_install_token(
                CLIENT_KEY,
                "POST&/webhooks/connect/uninstalled&",
            )),
            install_body(&site, FIRST, APP_KEY),
        ),
    ] {
        let (status, answer) = status_of(
            post(
                &server,
                "/webhooks/connect/installed",
                token.as_deref(),
                &body,
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        super::openapi::conforms(&doc, "/webhooks/connect/installed", "post", status, &answer);
    }
    assert!(
        server
            .app
            .store
            .connect_tenant(CLIENT_KEY)
            .await
            .unwrap()
            .is_none()
    );

    // Atlassian's signed install: the tenant is stored, its secret sealed, not in clear.
    let (status, installed) = status_of(
        post(
            &server,
            "/webhooks/connect/installed",
            Some(&signed),
            &install_body(&site, FIRST, APP_KEY),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &installed["status"]),
        (StatusCode::OK, &json!("installed"))
    );
    super::openapi::conforms(
        &doc,
        "/webhooks/connect/installed",
        "post",
        status,
        &installed,
    );
    let (sealed, opened) = stored_secret(&server).await;
    assert_eq!(opened, FIRST);
    assert!(!sealed.contains(FIRST));
    let db = std::fs::read(dir.path().join("dlp.sqlite")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(FIRST));

    // An event signed with the site's secret: queued.
    const UPDATED: &str = "POST&/webhooks/connect&event=page_updated";
    let event = json!({
        "page": {"id": PAGE.parse::<u64>().unwrap(), "idAsString": PAGE, "spaceKey": "ENG",
                 "version": 7, "title": "Runbook", "creatorAccountId": "5b10a2844c20165700ede21g"},
        "timestamp": now() * 1000, "userAccountId": "5b10a2844c20165700ede21g",
    });
    let path = "/webhooks/connect?event=page_updated";
    let (status, queued) = status_of(
        post(
            &server,
            path,
            Some(&hs256(FIRST, CLIENT_KEY, UPDATED, now() + 180)),
            &event,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &queued["status"]),
        (StatusCode::ACCEPTED, &json!("queued"))
    );
    super::openapi::conforms(&doc, "/webhooks/connect", "post", status, &queued);
    let scan_id = queued["scan_id"].as_str().unwrap();
    let scan = server
        .json(&format!("/api/v1/scans/{scan_id}"), &reader)
        .await;
    assert_eq!(scan["actor"], "webhook:connect");

    // Events refused: another request's qsh, an unknown site, a wrong secret, expired, none.
    let refused = [
        Some(hs256(
            FIRST,
            CLIENT_KEY,
            "POST&/webhooks/connect&event=page_removed",
            now() + 180,
        )),
        Some(hs256(FIRST, "someone-else", UPDATED, now() + 180)),
        Some(hs256(SECOND, CLIENT_KEY, UPDATED, now() + 180)),
        Some(hs256(FIRST, CLIENT_KEY, UPDATED, now() - 3600)),
        None,
    ];
    for token in &refused {
        let (status, answer) = status_of(post(&server, path, token.as_deref(), &event).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert_eq!(answer["error"]["code"], "unauthenticated");
        super::openapi::conforms(&doc, "/webhooks/connect", "post", status, &answer);
    }

    // A re-install with a new secret must be signed with the current one.
    let reinstall = install_body(&site, SECOND, APP_KEY);
    let forged = hs256("not-the-current-secret", CLIENT_KEY, INSTALL, now() + 180);
    let (status, _) = status_of(
        post(
            &server,
            "/webhooks/connect/installed",
            Some(&forged),
            &reinstall,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        stored_secret(&server).await.1,
        FIRST,
        "the secret is unchanged"
    );
    let by_current = hs256(FIRST, CLIENT_KEY, INSTALL, now() + 180);
    let (status, _) = status_of(
        post(
            &server,
            "/webhooks/connect/installed",
            Some(&by_current),
            &reinstall,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored_secret(&server).await.1, SECOND);

    // From now on the new secret signs: the old one is refused, a trash under the new one
    // resolves.
    let trashed_path = "/webhooks/connect?event=page_trashed";
    const TRASHED: &str = "POST&/webhooks/connect&event=page_trashed";
    let (status, _) = status_of(
        post(
            &server,
            trashed_path,
            Some(&hs256(FIRST, CLIENT_KEY, TRASHED, now() + 180)),
            &event,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, resolved) = status_of(
        post(
            &server,
            trashed_path,
            Some(&hs256(SECOND, CLIENT_KEY, TRASHED, now() + 180)),
            &event,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &resolved["status"]),
        (StatusCode::ACCEPTED, &json!("resolved"))
    );

    let rejected = server
        .json("/api/v1/audit?action=webhook.rejected&limit=100", &reader)
        .await;
    assert_eq!(
        rejected["items"].as_array().unwrap().len(),
        3 + refused.len() + 2
    );
    let scans = server.json("/api/v1/scans", &reader).await;
    assert_eq!(scans["items"].as_array().unwrap().len(), 1, "{scans}");
    server.stop().await;
}
