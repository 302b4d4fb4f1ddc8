//! What the remediation tests share: the sample space's pages with planted values, the
//! policies that act on them, and a bench (the server over a scanned simulator, as Cloud or as
//! Data Center, holding a space admin's credential) whose remediation worker is driven step by
//! step (`worker::run_once`; the server's own loop is told to idle) so that a test can look at
//! Confluence between steps and stage a crash.

use std::collections::HashMap;

use confluence_dlp::app::App;
use confluence_dlp::remediate::worker;
use dlp_simulator::{Faults, Flavor, SimulatorAuth, SimulatorHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;

const ADMIN_EMAIL: &str = "space-admin@acme-corp.com";
const ADMIN_SECRET: &str = "space-admin-secret";
/// A meeting-notes page (public: the space lets anonymous users in) with an AWS key and a
/// GitHub token in its prose, and a comment holding another token.
pub(crate) const NOTES: &str = "66269";
pub(crate) const NOTES_COMMENT: &str = "66292";
/// A setup page with an AWS key in a code macro and a `.env` attachment holding one too.
pub(crate) const SETUP: &str = "65767";
pub(crate) const SETUP_ATTACHMENT: &str = "att65817";
/// Under People Ops, whose read restriction makes it restricted.
pub(crate) const PAYROLL: &str = "66379";

pub(crate) fn policies(cloud: bool) -> confluence_dlp::remediate::RemediationSettings {
    // Cloud names groups by id, Data Center by name.
    let people_ops = if cloud {
        "5c1d2a0e-0b53-4c8f-9d3e-0a1b2c3d4e03"
    } else {
        "people-ops"
    };
    let text = format!(
        r#"
        poll_ms = 3600000
        [[policies]]
        name = "public-secrets"
        match = {{ categories = ["secret"], exposure = ["public"] }}
        actions = ["notify", "classify", "restrict_page", "remove_space_access",
                   "redact_in_place", "quarantine_attachment", "purge_history"]
        mode = "approve"
        restrict_to = {{ groups = ["{people_ops}"] }}
        classification = "Restricted"
        comment = true

        [[policies]]
        name = "hr-watch"
        match = {{ categories = ["pii"] }}
        actions = ["redact_in_place"]
        "#
    );
    let mut settings: confluence_dlp::remediate::RemediationSettings =
        toml::from_str(&text).expect("policies");
    if cloud {
        settings.space_admin.email = Some(ADMIN_EMAIL.into());
        settings.space_admin.api_token = Some(ADMIN_SECRET.to_string().into());
    } else {
        settings.space_admin.pat = Some(ADMIN_SECRET.to_string().into());
    }
    settings
}

pub(crate) struct Bench {
    pub(crate) sim: SimulatorHandle,
    pub(crate) server: TestServer,
    pub(crate) token: String,
    pub(crate) cloud: bool,
    _dir: tempfile::TempDir,
}

pub(crate) async fn bench(flavor: Flavor) -> Bench {
    let cloud = matches!(flavor, Flavor::Cloud);
    let sim = spawn_flavor(flavor, Faults::default()).await;
    sim.set_space_admin(Some(if cloud {
        SimulatorAuth::basic(ADMIN_EMAIL, ADMIN_SECRET)
    } else {
        SimulatorAuth::bearer(ADMIN_SECRET)
    }));
    let dir = tempfile::tempdir().unwrap();
    let mut settings = if cloud {
        settings(dir.path(), &sim.site_url())
    } else {
        settings_dc(dir.path(), &sim.site_url())
    };
    scan_sample_space(&settings).await;
    settings.remediation = policies(cloud);
    let server = spawn_server(settings).await;
    let token = server
        .token("secops", &["remediate", "findings:read", "audit:read"])
        .await;
    Bench {
        sim,
        server,
        token,
        cloud,
        _dir: dir,
    }
}

impl Bench {
    pub(crate) fn app(&self) -> &App {
        &self.server.app
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.server
            .client
            .post(format!("{}{path}", self.server.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn plan(&self, page: &str) -> Value {
        let r = self
            .post("/api/v1/remediations/plan", json!({"page_id": page}))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    pub(crate) async fn decide(&self, id: &str, verb: &str) -> Value {
        let r = self
            .post(
                &format!("/api/v1/remediations/{id}/{verb}"),
                json!({"reason": "test"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{verb} {id}");
        r.json().await.unwrap()
    }

    /// Runs the worker until nothing is due; answers the remediation as it then stands.
    pub(crate) async fn run(&self, id: &str) -> Value {
        while worker::run_once(self.app()).await.unwrap() {}
        self.server
            .json(&format!("/api/v1/remediations/{id}"), &self.token)
            .await
    }

    pub(crate) async fn page_body(&self, id: &str) -> (String, u32, String) {
        let page = self
            .app()
            .confluence
            .as_ref()
            .unwrap()
            .page(id)
            .await
            .unwrap();
        let v = page.version.unwrap();
        (page.body.storage.unwrap().value, v.number, v.message)
    }
}

/// The one planned remediation of `action` on `page` (and `comment`, when given).
pub(crate) fn planned<'a>(report: &'a Value, action: &str, comment: Option<&str>) -> &'a Value {
    report["planned"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["action"] == action
                && comment.is_none_or(|c| r["target"]["comment_id"] == c)
                && (comment.is_some() || r["target"]["comment_id"].is_null())
        })
        .unwrap_or_else(|| panic!("no {action} planned in {report:#}"))
}

/// The raw values planted in an item, and the masked form the scan gave each.
pub(crate) async fn planted(app: &App, page: &str, content_type: &str) -> Vec<(String, String)> {
    let findings = app
        .store
        .findings(&dlp_store::FindingFilter {
            page_id: Some(page.to_owned()),
            limit: dlp_store::FindingFilter::MAX_LIMIT,
            ..Default::default()
        })
        .await
        .unwrap();
    let masks: HashMap<String, String> = findings
        .into_iter()
        .map(|f| (f.finding.fingerprint, f.finding.masked))
        .collect();
    Expected::load()
        .planted
        .into_iter()
        .filter(|p| p.page_id == page && p.content_type == content_type && !p.future)
        .filter_map(|p| {
            let fp = value_fingerprint(&p.detector, &p.value);
            masks.get(&fp).map(|m| (p.value, m.clone()))
        })
        .collect()
}
