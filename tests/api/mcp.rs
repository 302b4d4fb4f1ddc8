//! The MCP proxy against an upstream MCP server of the test's own (`mcp_upstream.rs`; real MCP
//! over in-memory pipes, rmcp on both sides), in front of a server whose store holds the
//! sample space's scan: redaction of every shape a result can take, write tools, policies,
//! approvals over the API, failures that fail closed, and the audit trail. `mcp_e2e.rs` runs
//! the real mcp-atlassian.

use std::sync::Arc;
use std::time::Duration;

use confluence_dlp::mcp::settings::ToolPolicy;
use confluence_dlp::mcp::{Auditor, McpProxySettings, Proxy, ProxyCore};
use reqwest::StatusCode;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ProtocolVersion, ReadResourceRequestParams,
};
use rmcp::service::RunningService;
use rmcp::{ClientLifecycleMode, ClientServiceExt, RoleClient, ServerHandler, ServiceExt};
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;
use crate::mcp_upstream::*;

/// A proxy in front of `upstream`, all in this process; returns the client's session.
pub async fn proxy_client(
    server: &TestServer,
    upstream: impl ServerHandler,
    settings: McpProxySettings,
    lifecycle: ClientLifecycleMode,
) -> (
    RunningService<RoleClient, ()>,
    RunningService<RoleClient, ()>,
) {
    let (up_a, up_b) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(s) = upstream.serve(up_b).await {
            let _ = s.waiting().await;
        }
    });
    let to_upstream = ().serve(up_a).await.expect("upstream handshake");
    let (auditor, _writer) = Auditor::start(server.app.store.clone());
    let core = Arc::new(ProxyCore {
        upstream: to_upstream.peer().clone(),
        upstream_info: to_upstream.peer_info().map(|i| (*i).clone()),
        deps: server.app.workers.clone(),
        settings,
        auditor,
    });
    let (down_a, down_b) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(s) = Proxy::new(core).serve(down_b).await {
            let _ = s.waiting().await;
        }
    });
    let client = ().serve_with_lifecycle(down_a, lifecycle).await.expect("client handshake");
    (client, to_upstream)
}

fn policies() -> McpProxySettings {
    let mut s = McpProxySettings::default();
    s.tools.insert("delete_page".into(), ToolPolicy::Block);
    s.tools.insert("publish_page".into(), ToolPolicy::Approval);
    s.tools.insert("get_status".into(), ToolPolicy::Allow);
    s.approval_timeout_secs = 20;
    s.call_timeout_secs = 1;
    s
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> CallToolResult {
    let mut params = CallToolRequestParams::new(tool.to_owned());
    if let Value::Object(map) = args {
        params = params.with_arguments(map);
    }
    client.call_tool(params).await.expect("a tool result")
}

/// No planted value in any form anywhere in `v`, serialised.
fn assert_clean(v: &impl serde::Serialize) {
    let text = serde_json::to_string(v).unwrap();
    for raw in [
        SECRET,
        &SECRET[..20],
        &SECRET[20..],
        AWS_KEY,
        "071 07 5029",
        "071-07-5029",
    ] {
        assert!(!text.contains(raw), "{raw} reached the client: {text}");
    }
}

fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn check_proxy(server: &TestServer, lifecycle: ClientLifecycleMode) {
    let upstream = Upstream::default();
    let (client, _up) = proxy_client(server, upstream.clone(), policies(), lifecycle).await;

    let tools: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(tools.contains(&"get_page".to_owned()), "{tools:?}");
    assert!(
        !tools.contains(&"delete_page".to_owned()),
        "a blocked tool is offered: {tools:?}"
    );

    // The page: redacted in content[0].text (still JSON) and in structuredContent alike.
    let page = call(&client, "get_page", json!({"page_id": "65601"})).await;
    assert_ne!(page.is_error, Some(true));
    assert_clean(&page);
    let text: Value = serde_json::from_str(&text_of(&page)).expect("still JSON text");
    let content = text["content"].as_str().unwrap();
    assert!(content.ends_with(BENIGN), "benign text changed: {content}");
    assert!(content.contains("[SECRET-"), "{content}");
    assert_eq!(text["labels"], json!(["ops", "runbook"]));
    assert_eq!(
        page.structured_content.as_ref().unwrap()["content"],
        content
    );

    // `allow`: as the upstream sent it.
    let raw = call(&client, "get_status", json!({})).await;
    assert!(text_of(&raw).contains(AWS_KEY));

    // Images: the receipt with a card number (OCR) withheld; a blank one passes untouched.
    let images = call(&client, "get_images", json!({})).await;
    assert_clean(&images);
    assert!(
        text_of(&images).contains("withheld") && text_of(&images).contains("credit-card"),
        "{images:?}"
    );
    assert!(!serde_json::to_string(&images).unwrap().contains("5217"));
    let blank = images
        .content
        .iter()
        .find_map(|c| c.as_image())
        .expect("blank image passes");
    assert_eq!(blank.data, b64(&blank_png()));

    // Embedded resources: text redacted, the PDF with an SSN withheld.
    let resources = call(&client, "get_resources", json!({})).await;
    assert_clean(&resources);
    let json = serde_json::to_string(&resources).unwrap();
    assert!(
        !json.contains("369-12-6632") && !json.contains("JVBER"),
        "{json}"
    );
    assert!(json.contains("confluence://attachment/att66435"), "{json}");
    let audio = call(&client, "get_audio", json!({})).await;
    assert!(
        text_of(&audio).contains("audio cannot be checked"),
        "{audio:?}"
    );

    // resources/list and resources/read.
    let listed = client.list_all_resources().await.unwrap();
    assert_clean(&listed);
    let read = client
        .read_resource(ReadResourceRequestParams::new("confluence://page/65601"))
        .await
        .unwrap();
    assert_clean(&read);
    assert!(serde_json::to_string(&read).unwrap().contains(BENIGN));

    // Write tools: a planted value in the arguments blocks the call before the upstream.
    let body = format!("<p>creds {AWS_KEY}</p>");
    let blocked = call(
        &client,
        "update_page",
        json!({"page_id": "1", "content": body}),
    )
    .await;
    assert_eq!(blocked.is_error, Some(true));
    assert!(
        text_of(&blocked).contains("aws-access-key-id"),
        "{blocked:?}"
    );
    assert_clean(&blocked);
    let reformatted = call(
        &client,
        "update_page",
        json!({"content": format!("card {}", "4799 4721 1517 5950")}),
    )
    .await;
    assert_eq!(reformatted.is_error, Some(true), "a known card, spaced");
    assert_eq!(upstream.called("update_page"), 0);
    let fine = call(
        &client,
        "update_page",
        json!({"page_id": "1", "content": BENIGN}),
    )
    .await;
    assert_ne!(fine.is_error, Some(true));
    assert_eq!(upstream.called("update_page"), 1);
    let deleted = call(&client, "delete_page", json!({"page_id": "1"})).await;
    assert_eq!(deleted.is_error, Some(true));
    assert_eq!(upstream.called("delete_page"), 0);

    // Failures fail closed: an upstream error's message is redacted; a late answer is an error.
    let failed = client
        .call_tool(CallToolRequestParams::new("fail"))
        .await
        .unwrap_err();
    let message = failed.to_string();
    assert!(
        !message.contains(AWS_KEY) && message.contains("cannot save a body"),
        "{message}"
    );
    let slow = call(&client, "slow", json!({})).await;
    assert_eq!(slow.is_error, Some(true));
    assert!(
        text_of(&slow).contains("did not answer in time"),
        "{slow:?}"
    );

    // Approval: waits for a person over the API; approved goes on, denied does not.
    let approver = server
        .token(
            &format!("approver-{}", uuid::Uuid::new_v4().simple()),
            &["mcp:approve"],
        )
        .await;
    for (decision, runs) in [("approve", true), ("deny", false)] {
        let before = upstream.called("publish_page");
        let pending = tokio::spawn({
            let peer = client.peer().clone();
            async move {
                peer.call_tool(CallToolRequestParams::new("publish_page"))
                    .await
                    .unwrap()
            }
        });
        let id = wait_for_pending_approval(server, &approver).await;
        let r = server
            .client
            .post(format!("{}/api/v1/mcp/approvals/{id}", server.base))
            .bearer_auth(&approver)
            .json(&json!({"decision": decision, "reason": "checked"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let result = tokio::time::timeout(Duration::from_secs(10), pending)
            .await
            .expect("the call goes on within the poll interval")
            .unwrap();
        assert_eq!(
            result.is_error != Some(true),
            runs,
            "{decision}: {result:?}"
        );
        assert_eq!(upstream.called("publish_page"), before + usize::from(runs));
        // The first word stands.
        let again = server
            .client
            .post(format!("{}/api/v1/mcp/approvals/{id}", server.base))
            .bearer_auth(&approver)
            .json(&json!({"decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert_error(again, StatusCode::CONFLICT).await;
    }
    let _ = client.cancel().await;
}

async fn wait_for_pending_approval(server: &TestServer, token: &str) -> String {
    for _ in 0..100 {
        let list = server.json("/api/v1/mcp/approvals", token).await;
        if let Some(a) = list["items"].as_array().and_then(|i| i.first()) {
            assert_eq!(a["tool"], "publish_page");
            return a["id"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no approval was asked for");
}

/// The audit trail has every call, with detectors and the action, and no value.
async fn check_audit(server: &TestServer) {
    let auditor = server.token("mcp-auditor", &["audit:read"]).await;
    let mut events = Vec::new();
    for _ in 0..50 {
        let page = server
            .json("/api/v1/audit?action=mcp.&limit=1000", &auditor)
            .await;
        events = page["items"].as_array().unwrap().clone();
        if events.iter().any(|e| e["action"] == "mcp.approval_decided") && events.len() > 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_clean(&events);
    let find = |tool: &str, action: &str| {
        events
            .iter()
            .find(|e| e["subject"] == tool && e["detail"]["action"] == action)
            .unwrap_or_else(|| panic!("no {action} event for {tool}: {events:#?}"))
            .clone()
    };
    let page = find("get_page", "redacted");
    assert_eq!(page["action"], "mcp.call");
    let detectors = page["detail"]["detectors"].as_array().unwrap();
    assert!(
        detectors.contains(&json!("aws-secret-access-key")),
        "{page}"
    );
    assert!(page["detail"]["known"].as_u64().unwrap() >= 1, "{page}");
    assert!(page["detail"]["args_digest"].as_str().unwrap().len() >= 16);
    assert!(page["detail"]["latency_ms"].as_f64().unwrap() > 0.0);
    assert!(page["actor"].as_str().unwrap().starts_with("mcp:"));
    find("update_page", "blocked");
    find("delete_page", "blocked");
    find("get_status", "allowed");
    find("publish_page", "denied");
    find("slow", "failed");
    find("confluence://page/65601", "redacted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_redacts_blocks_and_audits_on_sqlite() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    let server = spawn_server(settings).await;
    // 2025-11-25, with the initialize handshake; then 2026-07-28, without one.
    check_proxy(&server, ClientLifecycleMode::Initialize).await;
    check_audit(&server).await;
    check_approval_refusals(&server).await;
    check_proxy(
        &server,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    )
    .await;

    // `sensitive_arguments = "redact"`: the call goes on with the values replaced.
    let mut lenient = policies();
    lenient.sensitive_arguments = confluence_dlp::mcp::settings::ArgumentPolicy::Redact;
    lenient.approval_timeout_secs = 1;
    let upstream = Upstream::default();
    let (client, _up) = proxy_client(
        &server,
        upstream.clone(),
        lenient,
        ClientLifecycleMode::Initialize,
    )
    .await;
    let body = format!("<p>{BENIGN} key {AWS_KEY}</p>");
    let sent = call(
        &client,
        "update_page",
        json!({"page_id": "7", "content": body}),
    )
    .await;
    assert_ne!(sent.is_error, Some(true), "{sent:?}");
    let arrived = upstream.arguments.lock().unwrap().last().cloned().unwrap();
    assert_eq!(arrived["page_id"], "7");
    let content = arrived["content"].as_str().unwrap();
    assert!(
        !content.contains(AWS_KEY) && content.contains(BENIGN),
        "{content}"
    );
    // Nobody decides in time: the call is refused and the approval expires.
    let expired = call(&client, "publish_page", json!({})).await;
    assert_eq!(expired.is_error, Some(true));
    assert!(text_of(&expired).contains("expired"), "{expired:?}");
    assert_eq!(upstream.called("publish_page"), 0);

    // A result that cannot be redacted in time is withheld, never passed.
    let mut hurried = policies();
    hurried.redact_timeout_ms = 1;
    let (client, _up) = proxy_client(
        &server,
        Upstream::default(),
        hurried,
        ClientLifecycleMode::Initialize,
    )
    .await;
    let big = call(&client, "big_page", json!({})).await;
    assert_eq!(big.is_error, Some(true));
    assert!(text_of(&big).contains("in time"), "{}", text_of(&big));
    assert_clean(&big);

    // An upstream that goes away: an error, at once, not a hang or a raw answer.
    let (client, up) = proxy_client(
        &server,
        Upstream::default(),
        policies(),
        ClientLifecycleMode::Initialize,
    )
    .await;
    let _ = up.cancel().await;
    let gone = tokio::time::timeout(
        Duration::from_secs(10),
        client.call_tool(CallToolRequestParams::new("get_page")),
    )
    .await
    .expect("an answer, not a hang");
    let message = match gone {
        Err(e) => e.to_string(),
        Ok(r) => {
            assert_eq!(r.is_error, Some(true), "{r:?}");
            text_of(&r)
        }
    };
    assert!(!message.contains(AWS_KEY), "{message}");
    server.stop().await;
}

/// The approvals routes refuse what they should: a token without the scope, an unknown id,
/// a decision that is not one.
async fn check_approval_refusals(server: &TestServer) {
    let reader = server.token("mcp-reader", &["findings:read"]).await;
    let approver = server.token("mcp-approver", &["mcp:approve"]).await;
    let r = server.get("/api/v1/mcp/approvals", Some(&reader)).await;
    assert_error(r, StatusCode::FORBIDDEN).await;
    let r = server
        .get("/api/v1/mcp/approvals?status=maybe", Some(&approver))
        .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;
    let decide = |id: &str, body: Value| {
        server
            .client
            .post(format!("{}/api/v1/mcp/approvals/{id}", server.base))
            .bearer_auth(&approver)
            .json(&body)
            .send()
    };
    let r = decide("no-such-id", json!({"decision": "approve"}))
        .await
        .unwrap();
    assert_error(r, StatusCode::NOT_FOUND).await;
    let r = decide("no-such-id", json!({"decision": "maybe"}))
        .await
        .unwrap();
    assert_error(r, StatusCode::BAD_REQUEST).await;
    let r = decide("no-such-id", json!({"verdict": "approve"}))
        .await
        .unwrap();
    assert_error(r, StatusCode::BAD_REQUEST).await;
    let all = server
        .json("/api/v1/mcp/approvals?status=all", &approver)
        .await;
    assert!(all["items"].is_array());
}

#[sqlx::test(migrations = false)]
async fn the_proxy_redacts_and_waits_for_approval_on_postgres_and_redis(
    _pool: sqlx::postgres::PgPoolOptions,
    db: sqlx::postgres::PgConnectOptions,
) {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    let _cleanup = on_postgres_and_redis(&mut settings, &db);
    scan_sample_space(&settings).await;
    let server = spawn_server(settings).await;
    assert_eq!(server.app.workers.cache.kind(), "redis");
    check_proxy(&server, ClientLifecycleMode::Initialize).await;
    check_audit(&server).await;
    check_approval_refusals(&server).await;
    server.stop().await;
}
