//! A worker process killed with SIGKILL in the middle of a scan loses no job, and running the
//! scan again duplicates no finding. Real processes of the real binary, on the embedded
//! queue and store (the default a laptop or CI uses).

mod common;

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use confluence_dlp::domain::Finding;
use confluence_dlp::simulator::Faults;
use confluence_dlp::store::Store;

struct Env {
    site: String,
    data_dir: tempfile::TempDir,
    queue: String,
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_confluence-dlp"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DLP_DATA_DIR", self.data_dir.path())
            .env("DLP_SERVER_KEY", SERVER_KEY)
            .env("DLP_QUEUE", &self.queue)
            .env("DLP_HEARTBEAT_SECS", "1")
            .env("CONFLUENCE_SITE", &self.site)
            .env("CONFLUENCE_EMAIL", EMAIL)
            .env("CONFLUENCE_API_TOKEN", TOKEN)
            .stdin(Stdio::null());
        cmd
    }

    async fn store(&self) -> Store {
        let url = format!("sqlite://{}", self.data_dir.path().join("dlp.sqlite").display());
        Store::connect(&url).await.expect("store opens")
    }
}

/// Kills the child on drop, so a failed assertion leaves no process behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_scan_loses_no_job_and_a_rerun_duplicates_nothing() {
    let sim = spawn_simulator(Faults::default()).await;
    let env = Env {
        site: sim.site_url().to_string(),
        data_dir: tempfile::tempdir().unwrap(),
        queue: format!("crash-{}", uuid::Uuid::new_v4()),
    };

    // Crawl and enqueue only: the jobs wait in the embedded queue.
    let status = env.command(&["scan", "--space", "ENG", "--enqueue-only"]).stdout(Stdio::null()).status().unwrap();
    assert!(status.code() == Some(0), "enqueue-only scan: {status:?}");
    let store = env.store().await;
    let scan_id = store.latest_scan_id().await.unwrap().expect("a scan was registered");
    let total = store.scan_progress(&scan_id).await.unwrap().total;
    assert!(total > 30, "jobs enqueued: {total}");

    // A slow worker (a tight request budget), killed with SIGKILL once it is part-way through.
    let mut slow = env.command(&["worker", "--concurrency", "2"]);
    slow.env("DLP_MAX_REQUESTS_PER_SEC", "3").stderr(Stdio::null());
    let mut slow = Reaped(slow.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = store.scan_progress(&scan_id).await.unwrap();
        if p.total - p.queued >= 5 {
            break;
        }
        assert!(Instant::now() < deadline, "the first worker made no progress: {p:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    slow.0.kill().unwrap(); // SIGKILL: no shutdown, no ack, heartbeats just stop
    slow.0.wait().unwrap();
    let at_kill = store.scan_progress(&scan_id).await.unwrap();
    assert!(at_kill.queued > 0, "the worker was killed mid-scan, not after it: {at_kill:?}");

    // A fresh worker picks up the rest, including the jobs the dead one held.
    let _fresh = Reaped(env.command(&["worker"]).stderr(Stdio::null()).spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(120);
    let done = loop {
        let p = store.scan_progress(&scan_id).await.unwrap();
        if p.queued == 0 {
            break p;
        }
        assert!(Instant::now() < deadline, "jobs were lost: {p:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(done.total, total);
    assert_eq!(done.failed, 0, "{:?}", store.scan_item_problems(&scan_id).await.unwrap());
    let after_crash = store.scan_findings(&scan_id).await.unwrap();
    assert_matches_expected(&after_crash, &detectors());

    // Scanning again (one command, in-process pool) reports the same findings, no duplicates.
    let out = env.command(&["scan", "--space", "ENG", "--format", "jsonl"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "findings exit with 1: {}", String::from_utf8_lossy(&out.stderr));
    let rerun: Vec<Finding> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).expect("contract JSON")).collect();
    let ids = |fs: &[Finding]| fs.iter().map(|f| f.id.clone()).collect::<HashSet<_>>();
    assert_eq!(ids(&rerun), ids(&after_crash));
    assert_eq!(rerun.len(), ids(&rerun).len(), "no duplicate findings");
    assert_eq!(store.count_findings().await.unwrap(), after_crash.len() as i64, "the store holds each finding once");
}

fn detectors() -> HashSet<String> {
    confluence_dlp::classify::Engine::builtin().detector_ids().into_iter().map(str::to_owned).collect()
}
