//! The real server on port 0, zero2prod style: `spawn_server` builds it from settings, runs
//! it on a task and hands back its address, an HTTP client and a way to stop it.

use std::sync::Arc;

use confluence_dlp::api::Server;
use confluence_dlp::api::auth::issue_token;
use confluence_dlp::app::App;
use confluence_dlp::config::Settings;
use confluence_dlp::scan::{ScanOutcome, ScanRequest, ScanTarget, run_scan};
use reqwest::{Response, StatusCode};
use serde_json::Value;

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), confluence_dlp::api::ServeError>>>,
}

/// Builds the server on 127.0.0.1:0 from `settings` and serves it on a task.
pub async fn spawn_server(mut settings: Settings) -> TestServer {
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let server = Server::build(settings).await.expect("server builds");
    let base = format!("http://{}", server.local_addr());
    let app = server.app();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    TestServer {
        base,
        // No pooled connections: a server that refuses a huge body closes the connection while
        // the body is still being sent, and the next request must not be sent on it.
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap(),
        app,
        stop: Some(stop),
        task: Some(task),
    }
}

/// Scans the sample space on the simulator into the store `settings` name, with an App of
/// its own that is closed before the server starts.
pub async fn scan_sample_space(settings: &Settings) -> ScanOutcome {
    let app = App::build(settings.clone()).await.expect("app");
    let request = ScanRequest {
        target: ScanTarget::Space {
            space_key: "ENG".into(),
        },
        run_workers: true,
        incremental: false,
        history: None,
    };
    let outcome = run_scan(&app, request, |_| {}).await.expect("scan");
    app.close().await;
    outcome
}

impl TestServer {
    /// A new token with these scopes.
    pub async fn token(&self, name: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        issue_token(&self.app.store, &self.app.token_hasher, name, &scopes)
            .await
            .expect("token")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// GET with a token, expecting 200 and JSON.
    pub async fn json(&self, path: &str, token: &str) -> Value {
        let response = self.get(path, Some(token)).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// GET without a token, expecting 200 and JSON.
    pub async fn json_unauthenticated(&self, path: &str) -> Value {
        let response = self.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    /// Stops the server as SIGTERM would, and waits for it to finish.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(30), task)
            .await
            .expect("the server stops within 30 s")
            .expect("the server task did not panic")
            .expect("the server stopped cleanly");
    }
}

/// Sends a body beyond the server's limit and checks it was refused: by a 413 in the error
/// shape, or, when the server answered and closed the connection before the client had
/// written the whole body, by that closed connection (a race of the kernel's buffers, not of
/// the server). Either way the server must answer the next request.
pub async fn assert_too_large(server: &TestServer, request: reqwest::RequestBuilder) {
    match request.send().await {
        Ok(response) => {
            assert_eq!(
                assert_error(response, StatusCode::PAYLOAD_TOO_LARGE).await,
                "payload_too_large"
            );
        }
        Err(e) => assert!(e.is_request(), "not a refused body: {e}"),
    }
    assert_eq!(server.get("/healthz", None).await.status(), StatusCode::OK);
}

/// Asserts the API's error shape and status; returns the error code.
pub async fn assert_error(response: Response, status: StatusCode) -> String {
    let got = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/json"), "{body}");
    let json: Value = serde_json::from_str(&body).expect("JSON error body");
    let error = &json["error"];
    let message = error["message"].as_str().expect("error.message");
    assert!(!message.is_empty());
    error["code"].as_str().expect("error.code").to_owned()
}

/// Every finding, page by page through `next_cursor`; checks that no page is longer than
/// asked and no finding comes twice.
pub async fn all_pages(server: &TestServer, token: &str, query: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/api/v1/findings?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = server.json(&path, token).await;
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit as usize);
        items.extend(got.iter().cloned());
        pages += 1;
        assert!(pages < 10_000, "paging does not end");
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut ids: Vec<&str> = items.iter().map(|f| f["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "a finding came twice");
    items
}

/// Polls the findings of a page for one detector until the first appears (60 s at most).
pub async fn wait_for_finding(
    server: &TestServer,
    token: &str,
    page_id: &str,
    detector: &str,
    what: impl Fn() -> String,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let page = server
            .json(
                &format!("/api/v1/findings?page_id={page_id}&detector={detector}"),
                token,
            )
            .await;
        if let Some(finding) = page["items"].as_array().and_then(|i| i.first()) {
            return finding.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the finding never appeared: {}",
            what()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Waits for a revoked token to be refused at `path`: at once, or once the API's copy of it
/// lapses (`api.token_cache_secs`), never later; and refused from then on.
pub async fn assert_refused_once_revoked(server: &TestServer, path: &str, token: &str) {
    let revoked_at = std::time::Instant::now();
    let window = std::time::Duration::from_secs(server.app.settings.api.token_cache_secs);
    loop {
        let r = server.get(path, Some(token)).await;
        if r.status() == StatusCode::UNAUTHORIZED {
            assert_error(r, StatusCode::UNAUTHORIZED).await;
            break;
        }
        assert!(
            revoked_at.elapsed() <= window + std::time::Duration::from_millis(500),
            "a revoked token still works after {:?}",
            revoked_at.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let again = server.get(path, Some(token)).await;
    assert_error(again, StatusCode::UNAUTHORIZED).await;
}

/// Runs the built binary with `args` over the data directory `dir` (the test server key, no
/// other environment but PATH).
pub fn run_cli(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DLP_DATA_DIR", dir)
        .env("DLP_SERVER_KEY", crate::common::SERVER_KEY)
        .output()
        .unwrap()
}
