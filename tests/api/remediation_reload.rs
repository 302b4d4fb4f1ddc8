//! Remediation policies reloaded without a restart: the real server started with a config
//! file, the file rewritten under it, and plans made over the API before and after; a broken
//! file leaves the policies in force; SIGHUP through the reloader's own loop (a channel in
//! this process, where a real signal would reach every test's server) and through a real
//! `serve` process.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use confluence_dlp::app::App;
use confluence_dlp::config::Settings;
use confluence_dlp::remediate::reload;
use dlp_simulator::{Faults, Flavor};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::*;

/// A public meeting-notes page and a setup page, both with secrets (see `remediation.rs`).
const NOTES: &str = "66269";
const SETUP: &str = "65767";
/// A value that must never reach a log or the audit trail.
const SECRET: &str = "T0DO/B0DO/hunter2-webhook-path";

/// `[remediation]` with the `secrets` policy in `mode`, and a second one when asked.
fn policy_file(reload_secs: u64, mode: &str, second: bool) -> String {
    let mut text = format!(
        r#"
        [remediation]
        reload_secs = {reload_secs}
        # The worker idles: these tests only plan.
        poll_ms = 3600000

        [[remediation.policies]]
        name = "secrets"
        match = {{ categories = ["secret"] }}
        actions = ["notify"]
        mode = "{mode}"
        "#
    );
    if second {
        text.push_str(
            r#"
        [[remediation.policies]]
        name = "pii-watch"
        match = { categories = ["pii"] }
        actions = ["notify"]
        "#,
        );
    }
    text
}

/// Replaces the file whole, as an editor or a config manager does (a rename: never seen
/// half-written).
fn write(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

struct Bench {
    server: TestServer,
    token: String,
    path: std::path::PathBuf,
    _sim: dlp_simulator::SimulatorHandle,
    _dir: tempfile::TempDir,
}

/// The sample space scanned, then the server started from `text` written to a config file.
async fn bench(text: &str) -> Bench {
    let sim = spawn_flavor(Flavor::Cloud, Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confluence-dlp.toml");
    write(&path, text);
    let mut settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    // What `--config` gives: the file's remediation part, and the file remembered.
    let loaded = Settings::load(Some(&path)).expect("the config file loads");
    assert!(loaded.config_file.is_some());
    settings.remediation = loaded.remediation;
    settings.config_file = loaded.config_file;
    let server = spawn_server(settings).await;
    let token = server
        .token("secops", &["remediate", "findings:read", "audit:read"])
        .await;
    Bench {
        server,
        token,
        path,
        _sim: sim,
        _dir: dir,
    }
}

impl Bench {
    fn app(&self) -> &Arc<App> {
        &self.server.app
    }

    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.server
            .client
            .post(format!("{}{path}", self.server.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Plans for `page`; answers the modes of what the `secrets` policy planned (one at
    /// least), and the report.
    async fn plan_modes(&self, page: &str) -> (Vec<String>, Value) {
        let r = self
            .post("/api/v1/remediations/plan", json!({"page_id": page}))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let report: Value = r.json().await.unwrap();
        let modes: Vec<String> = report["planned"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["policy"] == "secrets")
            .map(|p| p["mode"].as_str().unwrap().to_owned())
            .collect();
        assert!(!modes.is_empty(), "nothing planned for {page}: {report:#}");
        (modes, report)
    }

    async fn audit(&self, action: &str) -> Vec<Value> {
        let page = self
            .server
            .json(&format!("/api/v1/audit?action={action}"), &self.token)
            .await;
        page["items"].as_array().unwrap().clone()
    }

    /// Waits (bounded) until the audit trail holds `n` events of `action`; answers the newest.
    async fn await_audit(&self, action: &str, n: usize) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let events = self.audit(action).await;
            if events.len() >= n {
                // Oldest first.
                return events[events.len() - 1].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {n} {action} event(s) within 20 s: {events:#?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_file_changes_the_next_plan_and_a_broken_one_changes_nothing() {
    let b = bench(&policy_file(1, "dry_run", false)).await;
    let (modes, notes) = b.plan_modes(NOTES).await;
    assert!(modes.iter().all(|m| m == "dry_run"), "{modes:?}");
    let before = b.app().policies();
    assert_eq!(before.names(), ["secrets"]);

    // The policy now asks for approval, and a second one comes.
    write(&b.path, &policy_file(1, "approve", true));
    let reloaded = b.await_audit("remediation.policies_reloaded", 1).await;
    let detail = &reloaded["detail"];
    assert_eq!(detail["policies"], json!(["secrets", "pii-watch"]));
    assert_eq!(detail["trigger"], "file_changed");
    assert_eq!(detail["previous_digest"], before.digest.as_str());
    let digest = detail["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert_ne!(digest, before.digest);
    assert_eq!(reloaded["actor"], "config-reloader");
    let (modes, setup) = b.plan_modes(SETUP).await;
    assert!(modes.iter().all(|m| m == "approve"), "{modes:?}");
    // The new policy plans too, in its own (default) mode.
    let pii: Vec<&Value> = setup["planned"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["policy"] == "pii-watch")
        .collect();
    assert!(!pii.is_empty(), "{setup:#}");
    assert!(pii.iter().all(|p| p["mode"] == "dry_run"), "{setup:#}");

    // What was planned before keeps its mode: a dry run is still never approvable.
    let earlier = notes["planned"][0]["id"].as_str().unwrap();
    let stored = b
        .server
        .json(&format!("/api/v1/remediations/{earlier}"), &b.token)
        .await;
    assert_eq!(stored["mode"], "dry_run");
    let refused = b
        .post(
            &format!("/api/v1/remediations/{earlier}/approve"),
            json!({"reason": "reloaded"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);

    // A file that fails the policies' checks: nothing changes, and the trail says why.
    write(
        &b.path,
        "[remediation]\nreload_secs = 1\n[[remediation.policies]]\nname = \"empty\"\nactions = []\n",
    );
    let rejected = b.await_audit("remediation.policies_rejected", 1).await;
    let reason = rejected["detail"]["reason"].as_str().unwrap();
    assert!(reason.contains("has no action"), "{reason}");
    assert_eq!(rejected["detail"]["kept_digest"], digest);
    assert_eq!(b.app().policies().digest, digest);
    // A file that does not parse, with a secret beside the error: never quoted.
    write(
        &b.path,
        &format!(
            "[remediation.notify]\nslack_webhook_url = \"https://hooks.slack.com/services/{SECRET}\"\n\
             [[remediation.policies]\nname = \"broken\"\n"
        ),
    );
    let rejected = b.await_audit("remediation.policies_rejected", 2).await;
    let printed = rejected.to_string();
    assert!(printed.contains("syntax or type error"), "{printed}");
    assert!(
        !printed.contains(SECRET),
        "a secret reached the audit trail"
    );
    assert_eq!(b.app().policies().names(), ["secrets", "pii-watch"]);
    assert_eq!(b.app().policies().digest, digest);
    // One event per change, not one per look.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(b.audit("remediation.policies_rejected").await.len(), 2);
    assert_eq!(b.audit("remediation.policies_reloaded").await.len(), 1);
    b.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hangup_reloads_even_an_unchanged_file_and_polling_can_be_off() {
    // reload_secs = 0: the server's own reloader waits for a real SIGHUP, never sent here.
    let b = bench(&policy_file(0, "dry_run", false)).await;
    let (hangup, hangups) = tokio::sync::mpsc::channel(1);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(reload::watch(b.app().clone(), Some(hangups), async {
        let _ = stopped.await;
    }));

    write(&b.path, &policy_file(0, "approve", true));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(b.app().policies().names(), ["secrets"], "polling is off");
    assert!(b.audit("remediation.").await.is_empty());

    hangup.send(()).await.unwrap();
    let reloaded = b.await_audit("remediation.policies_reloaded", 1).await;
    assert_eq!(reloaded["detail"]["trigger"], "signal");
    assert_eq!(b.app().policies().names(), ["secrets", "pii-watch"]);
    let (modes, _) = b.plan_modes(SETUP).await;
    assert!(modes.iter().all(|m| m == "approve"), "{modes:?}");

    // Asked again with the file unchanged: read again all the same.
    hangup.send(()).await.unwrap();
    let again = b.await_audit("remediation.policies_reloaded", 2).await;
    assert_eq!(again["detail"]["digest"], reloaded["detail"]["digest"]);

    // A missing file is refused; the set stays.
    std::fs::remove_file(&b.path).unwrap();
    hangup.send(()).await.unwrap();
    let rejected = b.await_audit("remediation.policies_rejected", 1).await;
    assert!(
        rejected["detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("cannot read config file"),
        "{rejected:#}"
    );
    assert_eq!(b.app().policies().names(), ["secrets", "pii-watch"]);

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(5), watcher)
        .await
        .expect("the reloader stops with the server")
        .unwrap();
    b.server.stop().await;
}

/// The real signal, to a real `serve`: SIGHUP reloads (and does not end the process).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reloads_its_policies_on_sighup() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confluence-dlp.toml");
    write(&path, &policy_file(0, "dry_run", false));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&path)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OMP_THREAD_LIMIT", "1")
        .env("DLP_DATA_DIR", dir.path().join("data"))
        .env("DLP_SERVER_KEY", SERVER_KEY)
        .env("DLP_HEARTBEAT_SECS", "1")
        .env("DLP_LOG", "warn,confluence_dlp::remediate::reload=info")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut wait_for = async |needle: &str| {
        tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if line.contains(needle) {
                    return line;
                }
            }
            panic!("serve exited before logging {needle:?}");
        })
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} within 60 s"))
    };
    let serving = wait_for("serving on http://").await;
    let addr = serving
        .split("serving on http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    let pid = child.id().unwrap().to_string();
    let kill = |signal: &str| {
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
    };

    // A SIGHUP before the reloader listens would end the process (the default): it says
    // when it does.
    wait_for("watching the config file").await;
    write(&path, &policy_file(0, "approve", true));
    kill("-HUP");
    let reloaded = wait_for("remediation policies reloaded").await;
    assert!(reloaded.contains("pii-watch"), "{reloaded}");

    write(&path, "[[remediation.policies]\n");
    kill("-HUP");
    let rejected = wait_for("remediation policies not reloaded").await;
    assert!(rejected.contains("syntax or type error"), "{rejected}");

    // Still serving; and answering means the shutdown signal is listened to by now (it is
    // set up as serving starts, a moment after the line above is printed).
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    kill("-TERM");
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("serve exits within 30 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
