//! Native redaction end to end on the Cloud simulator: with Atlassian Guard Premium the worker
//! has Confluence redact the values (a solid bar, Confluence's own version); without it, in
//! `auto`, it masks them in the storage body as before; in `always` it fails and says why.

use confluence_dlp::app::App;
use confluence_dlp::remediate::native::NativeMode;
use confluence_dlp::remediate::{RemediationSettings, execute, worker};
use dlp_simulator::{Faults, Flavor, SimulatorHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;

/// A public meeting-notes page with an AWS key and a GitHub token in its prose.
const NOTES: &str = "66269";
/// What the simulator (like Cloud) leaves where a value was.
const BAR: &str = "█████";

struct Bench {
    sim: SimulatorHandle,
    server: TestServer,
    token: String,
    _dir: tempfile::TempDir,
}

async fn bench(guard: bool, mode: NativeMode) -> Bench {
    let sim = spawn_flavor(Flavor::Cloud, Faults::default()).await;
    sim.set_guard_premium(guard);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    let mut remediation: RemediationSettings = toml::from_str(
        r#"
        poll_ms = 3600000
        [[policies]]
        name = "public-secrets"
        match = { categories = ["secret"], exposure = ["public"] }
        actions = ["redact_in_place"]
        mode = "approve"
        "#,
    )
    .expect("policies");
    remediation.native_redaction = mode;
    settings.remediation = remediation;
    let server = spawn_server(settings).await;
    let token = server
        .token("secops", &["remediate", "findings:read", "audit:read"])
        .await;
    Bench {
        sim,
        server,
        token,
        _dir: dir,
    }
}

impl Bench {
    fn app(&self) -> &App {
        &self.server.app
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .server
            .client
            .post(format!("{}{path}", self.server.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        r.json().await.unwrap()
    }

    /// Plans the notes page, approves its redaction and runs the worker until nothing is due;
    /// the remediation as it then stands.
    async fn redact_notes(&self) -> Value {
        let report = self
            .post("/api/v1/remediations/plan", json!({"page_id": NOTES}))
            .await;
        let planned = report["planned"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == "redact_in_place" && r["target"]["comment_id"].is_null())
            .unwrap_or_else(|| panic!("no redaction planned in {report:#}"))
            .clone();
        let id = planned["id"].as_str().unwrap();
        self.post(
            &format!("/api/v1/remediations/{id}/approve"),
            json!({"reason": "test"}),
        )
        .await;
        self.run(id).await
    }

    async fn run(&self, id: &str) -> Value {
        while worker::run_once(self.app()).await.unwrap() {}
        self.server
            .json(&format!("/api/v1/remediations/{id}"), &self.token)
            .await
    }

    async fn page(&self) -> (String, u32, String) {
        let page = self
            .app()
            .confluence
            .as_ref()
            .unwrap()
            .page(NOTES)
            .await
            .unwrap();
        let v = page.version.unwrap();
        (page.body.storage.unwrap().value, v.number, v.message)
    }
}

/// The raw values planted in the notes page's body.
fn raw_values() -> Vec<String> {
    let values: Vec<String> = Expected::load()
        .planted
        .into_iter()
        .filter(|p| p.page_id == NOTES && p.content_type == "page" && !p.future)
        .map(|p| p.value)
        .collect();
    assert!(values.len() >= 2, "{values:?}");
    values
}

#[tokio::test]
async fn with_guard_premium_confluence_redacts_the_values() {
    let b = bench(true, NativeMode::Auto).await;
    let (original, version, _) = b.page().await;
    let done = b.redact_notes().await;
    assert_eq!(done["state"], "verified", "{done:#}");
    let result = &done["result"];
    assert_eq!(result["path"], "native", "{result:#}");
    assert_eq!(result["base_version"], version);
    assert_eq!(result["new_version"], version + 1);
    let ids = result["redaction_ids"].as_array().expect("ids");
    assert!(
        !ids.is_empty() && ids.iter().all(Value::is_string),
        "{ids:?}"
    );

    let (body, now, message) = b.page().await;
    assert_eq!(now, version + 1, "one version, Confluence's");
    assert!(message.to_lowercase().contains("redacted"), "{message}");
    for raw in raw_values() {
        assert!(!body.contains(raw.as_str()), "a value is still there");
        assert!(
            !done.to_string().contains(raw.as_str()),
            "a raw value in the result"
        );
    }
    assert_eq!(body.matches(BAR).count(), raw_values().len());

    // A second run (a worker that died before recording) redacts nothing more.
    let id = done["id"].as_str().unwrap();
    let rem = b.app().store.remediation(id).await.unwrap().unwrap();
    let digest = b.sim.state_digest();
    let again = execute::execute(b.app(), &rem).await.expect("rerun");
    assert_eq!(again["path"], "native");
    assert_eq!(again["new_version"], version + 1, "{again:#}");
    assert_eq!(b.sim.state_digest(), digest, "the rerun wrote nothing");

    // Undo restores the version before the redaction, which the history kept.
    b.post(
        &format!("/api/v1/remediations/{id}/undo"),
        json!({"reason": "test"}),
    )
    .await;
    let undone = b.run(id).await;
    assert_eq!(undone["state"], "undone", "{undone:#}");
    assert_eq!(b.page().await.0, original);
}

#[tokio::test]
async fn without_guard_premium_auto_masks_the_storage_body() {
    let b = bench(false, NativeMode::Auto).await;
    let (_, version, _) = b.page().await;
    let done = b.redact_notes().await;
    assert_eq!(done["state"], "verified", "{done:#}");
    let result = &done["result"];
    assert_eq!(result["path"], "storage", "{result:#}");
    assert!(
        result["native_skipped"]
            .as_str()
            .is_some_and(|s| s.contains("Guard Premium")),
        "{result:#}"
    );
    let (body, now, message) = b.page().await;
    assert_eq!(now, version + 1);
    let id = done["id"].as_str().unwrap();
    assert!(message.contains(&format!("[dlp:{id}]")), "{message}");
    assert!(!body.contains(BAR));
    for raw in raw_values() {
        assert!(!body.contains(raw.as_str()));
    }
}

#[tokio::test]
async fn always_without_guard_premium_fails_and_changes_nothing() {
    let b = bench(false, NativeMode::Always).await;
    let digest = b.sim.state_digest();
    let failed = b.redact_notes().await;
    assert_eq!(failed["state"], "failed", "{failed:#}");
    let why = failed.to_string();
    assert!(
        why.contains("always") && why.contains("Guard Premium"),
        "{why}"
    );
    assert_eq!(b.sim.state_digest(), digest);
}
