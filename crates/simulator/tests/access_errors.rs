//! The simulator's refusals of permission and restriction writes come in the flavour's JSON
//! error shape: Cloud's `{errors: [{status, code, title}]}`, Data Center's `{statusCode,
//! data, message, reason}`; bad input is a 4xx, never a crash.

use std::path::PathBuf;

use dlp_simulator::{Flavor, SimulatorAuth, SimulatorConfig, SimulatorHandle, spawn};
use serde_json::{Value, json};

async fn start(dc: bool) -> SimulatorHandle {
    let mut config = SimulatorConfig::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/spaces"),
    );
    if dc {
        config.flavor = Flavor::data_center();
    }
    let sim = spawn(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("starts");
    sim.set_space_admin(Some(SimulatorAuth::bearer("admin-token")));
    sim
}

async fn send(
    sim: &SimulatorHandle,
    method: reqwest::Method,
    path: &str,
    body: &str,
    auth: Option<&str>,
) -> (u16, Value) {
    let base = sim.site_url().as_str().trim_end_matches('/').to_string();
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = auth {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn permission_writes_without_the_admin_are_403_in_each_flavours_shape() {
    let cloud = start(false).await;
    let add = json!({"subject": {"type": "user", "identifier": "anonymous"},
                     "operation": {"key": "export", "target": "space"}})
    .to_string();
    let (status, body) = send(
        &cloud,
        reqwest::Method::POST,
        "/wiki/rest/api/space/ENG/permission",
        &add,
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["status"], 403, "{body}");
    let (status, _) = send(
        &cloud,
        reqwest::Method::POST,
        "/wiki/rest/api/space/ENG/permission",
        &add,
        Some("admin-token"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &cloud,
        reqwest::Method::DELETE,
        "/wiki/rest/api/space/ENG/permission/1001",
        "",
        None,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].clone()),
        (403, json!("FORBIDDEN"))
    );

    let dc = start(true).await;
    let set = json!([{"groupName": "people-ops", "operations": [{"operationKey": "read", "targetType": "space"}]}]).to_string();
    let (status, body) = send(
        &dc,
        reqwest::Method::POST,
        "/rest/api/space/ENG/permissions",
        &set,
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["statusCode"], 403, "{body}");
    assert_eq!(body["data"]["authorized"], false);
    let (status, _) = send(
        &dc,
        reqwest::Method::POST,
        "/rest/api/space/ENG/permissions",
        &set,
        Some("admin-token"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_input_is_a_json_4xx() {
    for dc in [false, true] {
        let sim = start(dc).await;
        let prefix = if dc { "" } else { "/wiki" };
        for (method, path, body) in [
            (
                reqwest::Method::PUT,
                "/rest/api/content/65721/restriction",
                "{not json",
            ),
            (
                reqwest::Method::PUT,
                "/rest/api/content/65721/restriction",
                r#"[{"operation": "delete", "restrictions": {}}]"#,
            ),
            (
                reqwest::Method::PUT,
                "/rest/api/content/nope/restriction",
                "[]",
            ),
            (
                reqwest::Method::POST,
                "/rest/api/content/65868/version",
                r#"{"operationKey": "restore"}"#,
            ),
            (
                reqwest::Method::DELETE,
                "/rest/api/content/65868/version/x",
                "",
            ),
            (
                reqwest::Method::POST,
                "/rest/api/content/65868/child/attachment",
                "x",
            ),
        ] {
            let (status, answer) = send(
                &sim,
                method,
                &format!("{prefix}{path}"),
                body,
                Some("admin-token"),
            )
            .await;
            assert!((400..500).contains(&status), "{dc} {path}: {status}");
            assert!(answer.is_object(), "{dc} {path}: {answer}");
        }
    }
}
