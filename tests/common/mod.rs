//! Shared by the pipeline tests: the simulator over the sample space, settings for a scan,
//! and the sample space's expectations.
#![allow(dead_code)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use confluence_dlp::config::{ConfluenceSettings, Settings, WorkerSettings};
use dlp_domain::Finding;
use dlp_simulator::{Faults, SimulatorAuth, SimulatorConfig, SimulatorHandle};
use redis::TypedCommands;
use secrecy::SecretString;
use serde::Deserialize;

pub const EMAIL: &str = "scanner@acme-corp.com";
pub const TOKEN: &str = "sim-api-token";
/// The server key the tests scan with, so they can fingerprint expected values themselves.
pub const SERVER_KEY: &str = "3f1c9a7e5b2d4086a1e3c5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7";

pub fn sample_space() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/spaces/ENG")
}

pub async fn spawn_simulator(faults: Faults) -> SimulatorHandle {
    spawn_flavor(dlp_simulator::Flavor::Cloud, faults).await
}

/// The personal access token a Data Center simulator takes.
pub const PAT: &str = "sim-personal-access-token";

/// The simulator as Cloud (Basic auth) or as Data Center (a PAT, v1 under a context path).
pub async fn spawn_flavor(flavor: dlp_simulator::Flavor, faults: Faults) -> SimulatorHandle {
    let auth = match flavor {
        dlp_simulator::Flavor::Cloud => SimulatorAuth {
            basic: Some((EMAIL.into(), TOKEN.into())),
            bearer: None,
        },
        dlp_simulator::Flavor::DataCenter { .. } => SimulatorAuth::bearer(PAT),
    };
    let config = SimulatorConfig {
        root: sample_space(),
        auth,
        faults,
        latency: std::time::Duration::ZERO,
        quota: None,
        flavor,
    };
    dlp_simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

/// Settings for a scan of a Data Center simulator: its PAT, its base URL with the context
/// path, the flavour left to detection.
pub fn settings_dc(data_dir: &Path, site: &url::Url) -> Settings {
    let mut s = settings(data_dir, site);
    s.confluence.email = None;
    s.confluence.api_token = None;
    s.confluence.pat = Some(SecretString::from(PAT.to_string()));
    s
}

/// Settings for a scan of the simulator on the embedded backends in `data_dir`.
pub fn settings(data_dir: &Path, site: &url::Url) -> Settings {
    Settings {
        data_dir: data_dir.to_owned(),
        server_key: Some(SecretString::from(SERVER_KEY.to_string())),
        confluence: ConfluenceSettings {
            site: Some(site.to_string()),
            email: Some(EMAIL.into()),
            api_token: Some(SecretString::from(TOKEN.to_string())),
            ..Default::default()
        },
        workers: WorkerSettings {
            heartbeat_secs: 1,
            queue: format!("test-{}", uuid::Uuid::new_v4()),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[derive(Debug, Deserialize)]
pub struct Expected {
    pub planted: Vec<Planted>,
    pub lookalikes: Vec<Lookalike>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct Planted {
    pub value: String,
    pub detector: String,
    pub category: String,
    pub content_type: String,
    pub page_id: String,
    pub comment_id: Option<String>,
    pub attachment_id: Option<String>,
    pub attachment_title: Option<String>,
    /// The extractor this value needs (pdf, docx, xlsx, zip, ocr); informational.
    #[serde(default)]
    pub needs: Option<String>,
    /// Where it sits: prose, table, code, comment, attachment...
    #[serde(default)]
    pub placement: String,
    /// A detector of a later round finds it: not expected of this one.
    #[serde(default)]
    pub future: bool,
}

#[derive(Debug, Deserialize, Clone)]
pub struct Lookalike {
    pub value: String,
    pub looks_like: String,
    pub content_type: String,
    pub page_id: String,
    #[serde(default)]
    pub placement: String,
}

impl Expected {
    pub fn load() -> Expected {
        let text =
            std::fs::read_to_string(sample_space().join("expected.json")).expect("expected.json");
        serde_json::from_str(&text).expect("expected.json parses")
    }
}

/// Where a finding or a planted value sits: content type, page, and comment or attachment.
pub fn place(
    content_type: &str,
    page_id: &str,
    comment_id: Option<&str>,
    attachment_id: Option<&str>,
) -> String {
    format!(
        "{content_type}/{page_id}/{}/{}",
        comment_id.unwrap_or("-"),
        attachment_id.unwrap_or("-")
    )
}

pub fn finding_place(f: &Finding) -> String {
    let l = &f.location;
    place(
        l.content_type.as_str(),
        &l.page_id,
        l.comment_id.as_deref(),
        l.attachment_id.as_deref(),
    )
}

/// Checks findings against the sample space both ways: every planted value the current rule
/// pack and extractors can find is found, at its place, and every finding is a planted value
/// (so no look-alike and nothing else). Returns how many planted values were checked.
pub fn assert_matches_expected(findings: &[Finding], detectors: &HashSet<String>) -> usize {
    let expected = Expected::load();
    let fp = confluence_dlp::keys::Keys::from_hex(SERVER_KEY)
        .unwrap()
        .fingerprinter();
    let engine = dlp_engine::Engine::builtin();
    let normalization = |detector: &str| {
        engine
            .rules()
            .find(|r| r.id == detector)
            .map(|r| r.normalization())
    };
    let found: HashSet<(String, String, String)> = findings
        .iter()
        .map(|f| (f.detector.clone(), f.fingerprint.clone(), finding_place(f)))
        .collect();

    let mut checked = 0;
    let mut missed = Vec::new();
    let mut planted_keys = HashSet::new();
    for p in &expected.planted {
        // Values of detectors the pack does not have yet are neither expected nor allowed.
        let Some(norm) = normalization(&p.detector) else {
            continue;
        };
        let key = (
            p.detector.clone(),
            fp.fingerprint(norm, &p.value),
            place(
                &p.content_type,
                &p.page_id,
                p.comment_id.as_deref(),
                p.attachment_id.as_deref(),
            ),
        );
        planted_keys.insert(key.clone());
        // Every format is extracted, images through OCR: every planted value must be found.
        if !detectors.contains(&p.detector) {
            continue;
        }
        checked += 1;
        if !found.contains(&key) {
            missed.push(format!("{} {} at {}", p.detector, mask(&p.value), key.2));
        }
    }
    let unexpected: Vec<String> = findings
        .iter()
        .filter(|f| {
            !planted_keys.contains(&(f.detector.clone(), f.fingerprint.clone(), finding_place(f)))
        })
        .map(|f| format!("{} {} at {}", f.detector, f.masked, finding_place(f)))
        .collect();
    assert!(
        missed.is_empty(),
        "planted values not found ({}):\n{}",
        missed.len(),
        missed.join("\n")
    );
    assert!(
        unexpected.is_empty(),
        "findings that are not planted values ({}):\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    // Same value at the same place reported once.
    let mut ids = HashSet::new();
    for f in findings {
        assert!(ids.insert(f.id.clone()), "duplicate finding id {}", f.id);
    }
    checked
}

fn mask(v: &str) -> String {
    let n = v.chars().count();
    v.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 >= n { c } else { '*' })
        .collect()
}

/// The Redis of the tests, and a guard that deletes one test queue's keys when dropped (also
/// when the test panics): the queue keeps job data and metadata with no expiry, and a suite run
/// used to leave hundreds of keys behind.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

pub struct RedisQueueGuard {
    pub queue: String,
}

impl Drop for RedisQueueGuard {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(redis_url()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection() else {
            return;
        };
        let pattern = format!("{}:*", self.queue);
        let keys: Vec<String> = match conn.scan_match(&pattern) {
            Ok(iter) => iter.filter_map(Result::ok).collect(),
            Err(_) => return,
        };
        for chunk in keys.chunks(500) {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(chunk).query(&mut conn);
        }
        // apalis-redis registers every queue a worker served in one sorted set of its own,
        // which no expiry empties: a suite run left a dozen test queues there.
        let _: redis::RedisResult<()> = redis::cmd("ZREM")
            .arg(APALIS_QUEUES)
            .arg(format!("{}:workers", self.queue))
            .query(&mut conn);
    }
}

/// Where apalis-redis lists the queues its workers registered (`lua/register_worker.lua`).
const APALIS_QUEUES: &str = "core:apalis:queues:list";

/// Points `settings` at the test's own PostgreSQL database and at the tests' Redis. The guard
/// it returns deletes the queue's keys when dropped, and the classification cache's with them
/// (they sit under the queue's name).
pub fn on_postgres_and_redis(
    settings: &mut Settings,
    db: &sqlx::postgres::PgConnectOptions,
) -> RedisQueueGuard {
    use sqlx::ConnectOptions as _;
    settings.database_url = Some(db.to_url_lossy().to_string().into());
    settings.redis_url = Some(redis_url().into());
    RedisQueueGuard {
        queue: settings.workers.queue.clone(),
    }
}

/// Writes a new version of a sample page through the simulator's own write API, as a person
/// editing it would: v2 `PUT /wiki/api/v2/pages/{id}` on Cloud, v1
/// `PUT {context}/rest/api/content/{id}` on Data Center. `body` becomes the current body.
pub async fn write_page_version(
    sim: &dlp_simulator::SimulatorHandle,
    page_id: &str,
    title: &str,
    body: &str,
    version: u32,
) {
    let site = sim.site_url().to_string();
    let site = site.trim_end_matches('/');
    let client = reqwest::Client::new();
    let data_center = sim.site_url().path() != "/";
    let request = if data_center {
        client
            .put(format!("{site}/rest/api/content/{page_id}"))
            .bearer_auth(PAT)
            .json(&serde_json::json!({
                "id": page_id, "type": "page", "title": title, "status": "current",
                "version": {"number": version},
                "body": {"storage": {"value": body, "representation": "storage"}},
            }))
    } else {
        client
            .put(format!("{site}/wiki/api/v2/pages/{page_id}"))
            .basic_auth(EMAIL, Some(TOKEN))
            .json(&serde_json::json!({
                "id": page_id, "status": "current", "title": title,
                "version": {"number": version},
                "body": {"representation": "storage", "value": body},
            }))
    };
    let response = request.send().await.expect("write request");
    assert_eq!(
        response.status(),
        reqwest::StatusCode::OK,
        "the write was taken"
    );
}

/// The keyed fingerprint the tests' scans give `value` under `detector`'s rule.
pub fn value_fingerprint(detector: &str, value: &str) -> String {
    let fp = confluence_dlp::keys::Keys::from_hex(SERVER_KEY)
        .unwrap()
        .fingerprinter();
    let engine = dlp_engine::Engine::builtin();
    let rule = engine.rules().find(|r| r.id == detector).expect("rule");
    fp.fingerprint(rule.normalization(), value)
}

/// A sample page's current body and title (as the simulator loads them).
pub fn sample_page(page_id: &str) -> (String, serde_json::Value) {
    let page = sample_space().join("pages").join(page_id);
    let body = std::fs::read_to_string(page.with_extension("xhtml")).unwrap();
    let meta = serde_json::from_str(&std::fs::read_to_string(page.with_extension("json")).unwrap())
        .unwrap();
    (body, meta)
}
