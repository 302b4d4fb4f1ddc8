//! The OpenAPI document: generated from the code, served at /api/v1/openapi.json, naming every
//! route the server answers, and describing what it answers: every response of a real
//! conversation through every route is validated against the document's schema for that
//! route, method and status.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;

/// Every route the server serves: what the document must name, no more, no less.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/findings"),
    ("get", "/api/v1/findings/summary"),
    ("get", "/api/v1/findings/{id}"),
    ("patch", "/api/v1/findings/{id}"),
    ("get", "/api/v1/scans"),
    ("post", "/api/v1/scans"),
    ("get", "/api/v1/scans/{id}"),
    ("post", "/api/v1/scans/{id}/cancel"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/audit/export"),
    ("post", "/api/v1/lookup/content"),
    ("post", "/api/v1/redact"),
    ("get", "/api/v1/mcp/approvals"),
    ("post", "/api/v1/mcp/approvals/{id}"),
    ("get", "/api/v1/remediations"),
    ("get", "/api/v1/remediations/{id}"),
    ("post", "/api/v1/remediations/plan"),
    ("post", "/api/v1/remediations/{id}/approve"),
    ("post", "/api/v1/remediations/{id}/reject"),
    ("post", "/api/v1/remediations/{id}/undo"),
    ("post", "/webhooks/forge"),
    ("post", "/webhooks/datacenter"),
    ("post", "/webhooks/connect"),
    ("post", "/webhooks/connect/installed"),
];

/// Checks a JSON body against the document's schema for (route, method, status).
pub fn conforms(doc: &Value, route: &str, method: &str, status: StatusCode, body: &Value) {
    let response = &doc["paths"][route][method]["responses"][status.as_str()];
    assert!(
        !response.is_null(),
        "{method} {route} answered {status}, which the document does not list"
    );
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {route} {status}: no JSON schema"
    );
    // The schema with the document's components beside it, so its $refs resolve.
    let mut root = schema.clone();
    if let Some(obj) = root.as_object_mut() {
        obj.insert("components".into(), doc["components"].clone());
    } else {
        root = json!({"allOf": [schema], "components": doc["components"]});
    }
    let validator = jsonschema::validator_for(&root).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {route} {status} does not conform:\n{}\n{body:#}",
        errors.join("\n")
    );
}

struct Conversation<'a> {
    server: &'a TestServer,
    doc: Value,
    token: String,
    seen: BTreeSet<(String, String)>,
}

impl Conversation<'_> {
    /// Sends the request, checks the answer's status and shape; returns its body.
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        route: &str,
        body: Option<Value>,
        expect: StatusCode,
    ) -> Value {
        let mut request = self
            .server
            .client
            .request(method.clone(), format!("{}{path}", self.server.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, expect, "{method} {path}: {text}");
        let m = method.as_str().to_lowercase();
        self.seen.insert((m.clone(), route.to_owned()));
        let value: Value = serde_json::from_str(&text).expect("JSON");
        conforms(&self.doc, route, &m, status, &value);
        value
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_names_every_route_and_every_answer_conforms_to_it() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(settings(dir.path(), &sim.site_url())).await;
    let token = server.token("admin", &["admin"]).await;

    // Served with a token, like every /api/v1 route.
    let r = server.get("/api/v1/openapi.json", None).await;
    assert_error(r, StatusCode::UNAUTHORIZED).await;
    let doc = server.json("/api/v1/openapi.json", &token).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "patch", "put", "delete"].contains(&k.as_str()))
                .map(|m| (m.clone(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, served);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let mut c = Conversation {
        server: &server,
        doc: doc.clone(),
        token,
        seen: BTreeSet::new(),
    };
    let get = Method::GET;
    c.call(get.clone(), "/healthz", "/healthz", None, StatusCode::OK)
        .await;
    c.call(get.clone(), "/readyz", "/readyz", None, StatusCode::OK)
        .await;
    c.seen.insert(("get".into(), "/metrics".into())); // text, not JSON: checked in api.rs
    c.seen.insert(("get".into(), "/api/v1/openapi.json".into()));

    let scan = c
        .call(
            Method::POST,
            "/api/v1/scans",
            "/api/v1/scans",
            Some(json!({"space_key": "ENG"})),
            StatusCode::ACCEPTED,
        )
        .await;
    let id = scan["id"].as_str().unwrap().to_owned();
    c.call(
        Method::POST,
        "/api/v1/scans",
        "/api/v1/scans",
        Some(json!({"space_key": "ENG"})),
        StatusCode::CONFLICT,
    )
    .await;
    c.call(
        Method::POST,
        "/api/v1/scans",
        "/api/v1/scans",
        Some(json!({"mode": 1})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let route = "/api/v1/scans/{id}";
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let s = c
            .call(
                get.clone(),
                &format!("/api/v1/scans/{id}"),
                route,
                None,
                StatusCode::OK,
            )
            .await;
        if s["status"] != "running" {
            break;
        }
        assert!(Instant::now() < deadline, "the scan never ended");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    c.call(
        get.clone(),
        "/api/v1/scans/nope",
        route,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    c.call(
        get.clone(),
        "/api/v1/scans?limit=5",
        "/api/v1/scans",
        None,
        StatusCode::OK,
    )
    .await;
    c.call(
        get.clone(),
        "/api/v1/scans?limit=0",
        "/api/v1/scans",
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    c.call(
        Method::POST,
        &format!("/api/v1/scans/{id}/cancel"),
        "/api/v1/scans/{id}/cancel",
        None,
        StatusCode::CONFLICT,
    )
    .await;

    let page = c
        .call(
            get.clone(),
            "/api/v1/findings?limit=50&sort=-severity",
            "/api/v1/findings",
            None,
            StatusCode::OK,
        )
        .await;
    c.call(
        get.clone(),
        "/api/v1/findings?q=aws&limit=5",
        "/api/v1/findings",
        None,
        StatusCode::OK,
    )
    .await;
    c.call(
        get.clone(),
        "/api/v1/findings?severity=bogus",
        "/api/v1/findings",
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    c.call(
        get.clone(),
        "/api/v1/findings/summary",
        "/api/v1/findings/summary",
        None,
        StatusCode::OK,
    )
    .await;
    // Every item of a page, and one with an OCR region if the scan found any.
    let fid = page["items"][0]["id"].as_str().unwrap().to_owned();
    let one = "/api/v1/findings/{id}";
    c.call(
        get.clone(),
        &format!("/api/v1/findings/{fid}"),
        one,
        None,
        StatusCode::OK,
    )
    .await;
    c.call(
        get.clone(),
        &format!("/api/v1/findings/{}", "0".repeat(32)),
        one,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    c.call(
        Method::PATCH,
        &format!("/api/v1/findings/{fid}"),
        one,
        Some(json!({"status": "accepted_risk", "reason": "a sandbox value"})),
        StatusCode::OK,
    )
    .await;
    c.call(
        Method::PATCH,
        &format!("/api/v1/findings/{fid}"),
        one,
        Some(json!({"status": "accepted_risk"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let lookup = "/api/v1/lookup/content";
    let on_page = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"]["content_type"] == "page")
        .expect("a finding in a page body");
    let known = c
        .call(
            Method::POST,
            lookup,
            lookup,
            Some(json!({
                "content_id": on_page["location"]["page_id"],
                "version": on_page["location"]["page_version"],
            })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(known["status"], "known", "{known}");
    c.call(
        Method::POST,
        lookup,
        lookup,
        Some(json!({"content_id": "999999999"})),
        StatusCode::OK,
    )
    .await;
    c.call(
        Method::POST,
        lookup,
        lookup,
        Some(json!({"content_id": "../1"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let redact = "/api/v1/redact";
    c.call(
        Method::POST,
        redact,
        redact,
        Some(json!({"text": "card 4111 1111 1111 1111", "style": "label"})),
        StatusCode::OK,
    )
    .await;
    c.call(
        Method::POST,
        redact,
        redact,
        Some(json!({"text": "{", "format": "json"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    // An approval the MCP proxy would have asked for, decided once.
    server
        .app
        .store
        .create_approval(&dlp_store::NewApproval {
            id: "a1".into(),
            client: "claude-code".into(),
            tool: "confluence_update_page".into(),
            args_digest: "0".repeat(64),
            detectors: vec![],
            expires_at: chrono::Utc::now() + chrono::Duration::minutes(5),
        })
        .await
        .unwrap();
    let approvals = "/api/v1/mcp/approvals";
    let pending = c
        .call(get.clone(), approvals, approvals, None, StatusCode::OK)
        .await;
    assert_eq!(pending["items"][0]["id"], "a1", "{pending}");
    c.call(
        get.clone(),
        "/api/v1/mcp/approvals?status=soon",
        approvals,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let decide = "/api/v1/mcp/approvals/{id}";
    for (id, body, status) in [
        (
            "a1",
            json!({"decision": "deny", "reason": "not today"}),
            StatusCode::OK,
        ),
        ("a1", json!({"decision": "approve"}), StatusCode::CONFLICT),
        ("zz", json!({"decision": "approve"}), StatusCode::NOT_FOUND),
        (
            "a1",
            json!({"decision": "perhaps"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        c.call(
            Method::POST,
            &format!("/api/v1/mcp/approvals/{id}"),
            decide,
            Some(body),
            status,
        )
        .await;
    }

    c.call(
        get.clone(),
        "/api/v1/audit?limit=20",
        "/api/v1/audit",
        None,
        StatusCode::OK,
    )
    .await;
    c.call(
        get.clone(),
        "/api/v1/audit?since=soon",
        "/api/v1/audit",
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // The export is JSON Lines: each line is an AuditEvent of the document.
    let export = server
        .client
        .get(format!("{}/api/v1/audit/export", server.base))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    let event_schema =
        json!({"$ref": "#/components/schemas/AuditEvent", "components": doc["components"]});
    let validator = jsonschema::validator_for(&event_schema).unwrap();
    for line in export.text().await.unwrap().lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        assert!(validator.is_valid(&event), "{event}");
    }
    c.seen.insert(("get".into(), "/api/v1/audit/export".into()));
    // Remediations: no policy is configured here, so a plan plans nothing; an unknown id is
    // a 404 for every decision (the conversations with plans are in
    // api/remediation_actions.rs).
    c.call(
        Method::POST,
        "/api/v1/remediations/plan",
        "/api/v1/remediations/plan",
        Some(json!({"page_id": "66269"})),
        StatusCode::OK,
    )
    .await;
    c.call(
        Method::POST,
        "/api/v1/remediations/plan",
        "/api/v1/remediations/plan",
        Some(json!({"page_id": "not a page"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    c.call(
        get.clone(),
        "/api/v1/remediations?state=planned&limit=5",
        "/api/v1/remediations",
        None,
        StatusCode::OK,
    )
    .await;
    let unknown = uuid::Uuid::new_v4();
    c.call(
        get.clone(),
        &format!("/api/v1/remediations/{unknown}"),
        "/api/v1/remediations/{id}",
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    for verb in ["approve", "reject", "undo"] {
        c.call(
            Method::POST,
            &format!("/api/v1/remediations/{unknown}/{verb}"),
            &format!("/api/v1/remediations/{{id}}/{verb}"),
            Some(json!({"reason": "checking"})),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    // No receiver is configured here: each route answers 404 in the error shape (the
    // conversations with configured ones are in api/webhooks*.rs, checked against this
    // document).
    for (route, body) in [
        (
            "/webhooks/forge",
            json!({"eventType": "avi:confluence:updated:page"}),
        ),
        ("/webhooks/datacenter", json!({"event": "page_updated"})),
        ("/webhooks/connect", json!({"page": {"id": 1}})),
        (
            "/webhooks/connect/installed",
            json!({"eventType": "installed"}),
        ),
    ] {
        c.call(
            Method::POST,
            route,
            route,
            Some(body),
            StatusCode::NOT_FOUND,
        )
        .await;
    }

    assert_eq!(c.seen, served, "the conversation missed a route");
    server.stop().await;
}
