//! End to end with the real upstream: `confluence-dlp mcp-proxy` (the built binary) starts
//! mcp-atlassian 0.23.1 (the venv `scripts/setup.sh mcp` makes) against the Data Center
//! simulator, after a scan of the sample space fed the store. An MCP client calls the read
//! tools for every page through the proxy: no planted value reaches it in any form, the
//! benign look-alikes arrive unchanged, write tools carrying a planted value are refused,
//! and the audit trail has every call.

use std::collections::BTreeSet;
use std::path::PathBuf;

use confluence_dlp::app::open_store;
use dlp_store::AuditQuery;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;

/// mcp-atlassian in the venv `scripts/setup.sh mcp` installs.
pub fn mcp_atlassian() -> PathBuf {
    let venv = std::env::var_os("DLP_MCP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                .join(".cache/confluence-dlp/mcp-atlassian-venv")
        });
    let bin = venv.join("bin/mcp-atlassian");
    assert!(
        bin.exists(),
        "{} is missing: run scripts/setup.sh mcp (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// The environment mcp-atlassian reads: the simulator as a Data Center site.
pub fn upstream_env(site: &url::Url) -> Vec<(&'static str, String)> {
    vec![
        (
            "CONFLUENCE_URL",
            site.as_str().trim_end_matches('/').to_owned(),
        ),
        ("CONFLUENCE_PERSONAL_TOKEN", PAT.to_owned()),
        ("TOOLSETS", "all".to_owned()),
        ("READ_ONLY_MODE", "false".to_owned()),
    ]
}

/// Starts `confluence-dlp mcp-proxy -- mcp-atlassian --transport stdio` over the store in
/// `data_dir`, and connects an MCP client to it.
pub async fn start_proxy(
    data_dir: &std::path::Path,
    site: &url::Url,
) -> RunningService<rmcp::RoleClient, ()> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"));
    command
        .arg("mcp-proxy")
        .arg("--")
        .arg(mcp_atlassian())
        .args(["--transport", "stdio"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .env("OMP_THREAD_LIMIT", "1")
        .env("DLP_DATA_DIR", data_dir)
        .env("DLP_SERVER_KEY", SERVER_KEY);
    for (name, value) in upstream_env(site) {
        command.env(name, value);
    }
    let transport = TokioChildProcess::new(command).expect("the proxy starts");
    tokio::time::timeout(std::time::Duration::from_secs(90), ().serve(transport))
        .await
        .expect("the proxy and mcp-atlassian start within 90 s")
        .expect("MCP handshake with the proxy")
}

pub async fn call(
    client: &RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    args: Value,
) -> CallToolResult {
    let Value::Object(map) = args else {
        panic!("arguments are an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(map))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// Every form a value may take in a response: as planted, and with what Markdown, JSON and
/// line wrapping put in or take out (the text is compared with the same characters removed).
fn squeezed(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '*' | '_' | '`' | '\\' | '-' | '"')))
        .collect()
}

/// Everything a client could read of a result: its JSON, and the text inside it decoded.
fn readable(result: &CallToolResult) -> String {
    let mut out = serde_json::to_string(result).unwrap();
    for c in &result.content {
        if let Some(t) = c.as_text() {
            out.push('\n');
            out.push_str(&t.text);
        }
    }
    out
}

pub fn sample_pages() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(sample_space().join("pages"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_atlassian_through_the_proxy_leaks_no_planted_value() {
    let sim = spawn_flavor(dlp_simulator::Flavor::data_center(), Default::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings_dc(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    let client = start_proxy(dir.path(), &sim.site_url()).await;

    let mut responses = Vec::new();
    let pages = sample_pages();
    for page in &pages {
        for (tool, args) in [
            ("confluence_get_page", json!({"page_id": page})),
            ("confluence_get_comments", json!({"page_id": page})),
            ("confluence_get_attachments", json!({"content_id": page})),
            (
                "confluence_download_content_attachments",
                json!({"content_id": page}),
            ),
        ] {
            let result = call(&client, tool, args).await;
            assert_ne!(result.is_error, Some(true), "{tool} {page}: {result:?}");
            responses.push(readable(&result));
        }
    }
    for query in ["laptop", "password", "key", "ssn", "card", "salary"] {
        let result = call(
            &client,
            "confluence_search",
            json!({"query": query, "limit": 50}),
        )
        .await;
        assert_ne!(result.is_error, Some(true), "search {query}: {result:?}");
        responses.push(readable(&result));
    }
    let all = responses.join("\n");
    let all_squeezed = squeezed(&all);

    let expected = Expected::load();
    let mut leaked = Vec::new();
    for planted in expected.planted.iter().filter(|p| !p.future) {
        let v = &planted.value;
        if all.contains(v.as_str()) || all_squeezed.contains(&squeezed(v)) {
            leaked.push(format!(
                "{} {} ({:?})",
                planted.detector, planted.page_id, planted.placement
            ));
        }
    }
    assert!(
        leaked.is_empty(),
        "planted values reached the client: {leaked:#?}"
    );
    // Not over-redacted: look-alikes in page bodies (versions, asset tags, phone numbers of
    // the switchboard) arrive as they are.
    let benign: Vec<&str> = expected
        .lookalikes
        .iter()
        .filter(|l| l.content_type == "page" && l.placement != "attachment")
        .map(|l| l.value.as_str())
        .collect();
    assert!(benign.len() >= 5, "{benign:?}");
    let missing: Vec<&&str> = benign.iter().filter(|v| !all.contains(**v)).collect();
    assert!(missing.is_empty(), "benign text was changed: {missing:?}");

    // Writes carrying a planted value never reach Confluence.
    let card = expected
        .planted
        .iter()
        .find(|p| p.detector == "credit-card" && !p.future)
        .unwrap()
        .value
        .clone();
    for (tool, args) in [
        (
            "confluence_update_page",
            json!({"page_id": pages[0], "title": "Runbook", "content": format!("card {card}")}),
        ),
        (
            "confluence_create_page",
            // Bare, out of its context: only the scan's fingerprint knows it for a secret.
            json!({"space_key": "ENG", "title": "Keys", "content": format!("rotate to {}", crate::mcp_upstream::SECRET)}),
        ),
        (
            "confluence_add_comment",
            json!({"page_id": pages[0], "body": "SSN 071-07-5029"}),
        ),
    ] {
        let result = call(&client, tool, args).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{tool} went through: {result:?}"
        );
    }
    // A benign write goes through, and comes back.
    let ok = call(
        &client,
        "confluence_add_comment",
        json!({"page_id": pages[0], "body": "Reviewed, nothing to change."}),
    )
    .await;
    assert_ne!(ok.is_error, Some(true), "{ok:?}");
    let _ = client.cancel().await;

    // The proxy has exited and written its trail.
    let store = open_store(&settings).await.unwrap();
    let events = store
        .audit_events(&AuditQuery {
            action: Some("mcp.call".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let expected_calls = pages.len() * 4 + 6 + 4;
    assert_eq!(events.len(), expected_calls, "one event per call");
    let blocked: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.detail["action"] == "blocked")
        .filter_map(|e| e.subject.as_deref())
        .collect();
    assert_eq!(
        blocked,
        BTreeSet::from([
            "confluence_add_comment",
            "confluence_create_page",
            "confluence_update_page"
        ])
    );
    let known: u64 = events
        .iter()
        .filter_map(|e| e.detail["known"].as_u64())
        .sum();
    assert!(
        known > 0,
        "the bare secret was not recognised from the scan"
    );
    let trail = serde_json::to_string(&events).unwrap();
    assert!(!trail.contains(&card) && !trail.contains(crate::mcp_upstream::SECRET));
    store.close().await;
}

/// A free port on loopback, for a peer that cannot be told to take port 0.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// mcp-atlassian serving streamable HTTP on a free port of loopback, and its `/mcp` URL.
///
/// The port is free when picked, but another test's server may take it before the peer binds
/// it: the peer then exits, and whatever holds the port answers 404 at `/mcp`. So the peer is
/// ready when `/mcp` answers as it does (406 to a plain GET), and is started again on another
/// port when it has exited.
async fn spawn_streamable_upstream(site: &url::Url) -> (tokio::process::Child, String) {
    let http = reqwest::Client::new();
    for _ in 0..3 {
        let port = free_port();
        let mut upstream = tokio::process::Command::new(mcp_atlassian());
        upstream
            .args(["--transport", "streamable-http", "--host", "127.0.0.1"])
            .args(["--port", &port.to_string()])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        for (name, value) in upstream_env(site) {
            upstream.env(name, value);
        }
        let mut child = upstream.spawn().unwrap();
        let url = format!("http://127.0.0.1:{port}/mcp");
        for _ in 0..300 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if let Ok(answer) = http.get(&url).send().await
                && answer.status() != reqwest::StatusCode::NOT_FOUND
            {
                return (child, url);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    panic!("mcp-atlassian did not serve /mcp on any of three ports");
}

/// Reads a child's stderr until a line starts with `prefix`; returns the rest of that line.
async fn line_after(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStderr>>,
    prefix: &str,
) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(90), async {
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(at) = line.find(prefix) {
                return line[at + prefix.len()..].trim().to_owned();
            }
            seen.push(line);
        }
        panic!("the process exited before printing {prefix:?}: {seen:#?}");
    })
    .await
    .unwrap_or_else(|_| panic!("no {prefix:?} within 90 s"))
}

/// Both sides over streamable HTTP: mcp-atlassian serves `/mcp` on a port, the proxy
/// reaches it by URL and serves its own `/mcp` to clients with an API token of scope `mcp`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_speaks_streamable_http_on_both_sides() {
    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
    use tokio::io::AsyncBufReadExt;

    let sim = spawn_flavor(dlp_simulator::Flavor::data_center(), Default::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings_dc(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;

    let (_upstream, upstream_url) = spawn_streamable_upstream(&sim.site_url()).await;

    let cli = |args: &[&str]| run_cli(dir.path(), args);
    let token_of = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_owned()
    };
    let agent = token_of(cli(&[
        "token", "create", "--name", "agent", "--scope", "mcp",
    ]));
    let reader = token_of(cli(&[
        "token",
        "create",
        "--name",
        "reader",
        "--scope",
        "findings:read",
    ]));

    let mut proxy = tokio::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args([
            "mcp-proxy",
            "--listen",
            "127.0.0.1:0",
            "--upstream-url",
            &upstream_url,
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OMP_THREAD_LIMIT", "1")
        .env("DLP_DATA_DIR", dir.path())
        .env("DLP_SERVER_KEY", SERVER_KEY)
        // mcp-atlassian over HTTP takes each request's credentials, a PAT as `Token …`.
        .env("DLP_MCP_UPSTREAM_AUTHORIZATION", format!("Token {PAT}"))
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(proxy.stderr.take().unwrap()).lines();
    let endpoint = format!(
        "http://{}",
        line_after(&mut lines, "listening on http://").await
    );

    // No token, or a token without the scope: refused before any MCP is spoken.
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let http = reqwest::Client::new();
    let post = |token: Option<&str>| {
        let mut r = http
            .post(&endpoint)
            .header("accept", "application/json, text/event-stream")
            .json(&init);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(
        post(None).await.unwrap().status(),
        reqwest::StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(Some(&reader)).await.unwrap().status(),
        reqwest::StatusCode::FORBIDDEN
    );

    let _ = rustls::crypto::ring::default_provider().install_default();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(endpoint.as_str()).auth_header(agent),
    );
    let client = ().serve(transport).await.expect("MCP over HTTP with a token");
    let expected = Expected::load();
    let mut all = String::new();
    for page in ["65750", "66410", "66475"] {
        let result = call(&client, "confluence_get_page", json!({"page_id": page})).await;
        assert_ne!(result.is_error, Some(true), "{result:?}");
        all.push_str(&readable(&result));
    }
    for planted in expected.planted.iter().filter(|p| {
        !p.future
            && ["65750", "66410", "66475"].contains(&p.page_id.as_str())
            && p.content_type == "page"
    }) {
        assert!(
            !squeezed(&all).contains(&squeezed(&planted.value)),
            "{} leaked",
            planted.detector
        );
    }
    let _ = client.cancel().await;
    let pid = proxy.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), proxy.wait())
        .await
        .expect("the proxy exits on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let store = open_store(&settings).await.unwrap();
    let events = store
        .audit_events(&AuditQuery {
            action: Some("mcp.call".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 3, "{events:#?}");
    assert!(
        events.iter().all(|e| e.actor.starts_with("mcp:agent/")),
        "{events:#?}"
    );
    store.close().await;
}
