//! A worker process killed with SIGKILL in the middle of a scan loses no job, and running the
//! scan again duplicates no finding. Real processes of the real binary, on the embedded queue
//! and store (the default a laptop or CI uses) and on Redis + PostgreSQL.

mod common;

use std::collections::HashSet;
use std::process::Stdio;

use std::time::{Duration, Instant};
use tokio::process::Command;

use common::*;
use dlp_domain::Finding;
use dlp_simulator::Faults;
use dlp_store::Store;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

struct Env {
    site: String,
    data_dir: tempfile::TempDir,
    queue: String,
    /// Production backends; `None` runs on the embedded ones.
    database_url: Option<String>,
    redis_url: Option<String>,
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
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        if let Some(url) = &self.redis_url {
            cmd.env("REDIS_URL", url);
        }
        cmd
    }

    async fn store(&self) -> Store {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.path().join("dlp.sqlite").display()
            ),
        };
        Store::connect(&url).await.expect("store opens")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_scan_loses_no_job_on_the_embedded_default() {
    kill_a_worker_mid_scan(None, None).await;
}

#[sqlx::test(migrations = false)]
async fn a_worker_killed_mid_scan_loses_no_job_on_redis_and_postgres(
    _pool: PgPoolOptions,
    db: PgConnectOptions,
) {
    kill_a_worker_mid_scan(
        Some(db.to_url_lossy().to_string()),
        Some(common::redis_url()),
    )
    .await;
}

async fn kill_a_worker_mid_scan(database_url: Option<String>, redis_url: Option<String>) {
    let sim = spawn_simulator(Faults::default()).await;
    let env = Env {
        site: sim.site_url().to_string(),
        data_dir: tempfile::tempdir().unwrap(),
        queue: format!("crash-{}", uuid::Uuid::new_v4()),
        database_url,
        redis_url,
    };
    let _cleanup = env.redis_url.is_some().then(|| common::RedisQueueGuard {
        queue: env.queue.clone(),
    });
    let started = Instant::now();

    // Crawl and enqueue only: the jobs wait in the embedded queue.
    // Children are awaited asynchronously: the simulator runs on this test's runtime, which
    // may be single-threaded, and a blocking wait would starve it.
    let status = env
        .command(&["scan", "--space", "ENG", "--enqueue-only"])
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(status.code() == Some(0), "enqueue-only scan: {status:?}");
    let store = env.store().await;
    let scan_id = store
        .latest_scan_id()
        .await
        .unwrap()
        .expect("a scan was registered");
    let total = store.scan_progress(&scan_id).await.unwrap().total;
    assert!(total > 30, "jobs enqueued: {total}");

    // A slow worker (a tight request budget), killed with SIGKILL once it is part-way through.
    let mut slow = env.command(&["worker", "--concurrency", "2"]);
    slow.env("DLP_MAX_REQUESTS_PER_SEC", "3")
        .stderr(Stdio::null());
    let mut slow = slow.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = store.scan_progress(&scan_id).await.unwrap();
        if p.total - p.queued >= 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first worker made no progress: {p:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    slow.kill().await.unwrap(); // SIGKILL: no shutdown, no ack, heartbeats just stop
    let at_kill = store.scan_progress(&scan_id).await.unwrap();
    assert!(
        at_kill.queued > 0,
        "the worker was killed mid-scan, not after it: {at_kill:?}"
    );
    let killed_at = started.elapsed();

    // A fresh worker picks up the rest, including the jobs the dead one held.
    let _fresh = env
        .command(&["worker"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
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
    eprintln!(
        "killed the worker at {:.1}s with {} of {total} jobs done; a fresh worker finished the rest {:.1}s later",
        killed_at.as_secs_f64(),
        at_kill.total - at_kill.queued,
        (started.elapsed() - killed_at).as_secs_f64()
    );
    assert_eq!(
        done.failed,
        0,
        "{:?}",
        store.scan_item_problems(&scan_id).await.unwrap()
    );
    let after_crash = store.scan_findings(&scan_id).await.unwrap();
    assert_matches_expected(&after_crash, &detectors());

    // Scanning again (one command, in-process pool) reports the same findings, no duplicates.
    let out = env
        .command(&["scan", "--space", "ENG", "--format", "jsonl"])
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings exit with 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rerun: Vec<Finding> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("contract JSON"))
        .collect();
    let ids = |fs: &[Finding]| fs.iter().map(|f| f.id.clone()).collect::<HashSet<_>>();
    assert_eq!(ids(&rerun), ids(&after_crash));
    assert_eq!(rerun.len(), ids(&rerun).len(), "no duplicate findings");
    assert_eq!(
        store.count_findings().await.unwrap(),
        after_crash.len() as i64,
        "the store holds each finding once"
    );
}

fn detectors() -> HashSet<String> {
    dlp_engine::Engine::builtin()
        .detector_ids()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// A crawl that stopped between registering an item and pushing its job (its worker killed,
/// its pool ended by the queue) left a row that no job would answer, and the scan never
/// ended. The attempt handed out again pushes the job; the queue drops a second copy of one
/// that was pushed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_registered_by_a_crawl_that_stopped_before_pushing_its_job_still_runs() {
    use confluence_dlp::app::App;
    use confluence_dlp::ingest::enqueue_crawl;
    use dlp_jobs::Work;

    let sim = spawn_simulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let app = App::build(settings(dir.path(), &sim.site_url()))
        .await
        .unwrap();
    let scan_id = app
        .store
        .create_scan(&dlp_store::NewScan {
            space_key: Some("ENG".into()),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let work = Work::CrawlSpace {
        space_key: "ENG".into(),
    };
    // What the stopped attempt did: the crawl's row, and no job.
    assert!(
        app.store
            .enqueue_item(&scan_id, &work.item_key(), "crawl of space ENG")
            .await
            .unwrap()
    );
    enqueue_crawl(&app.store, &app.queue, &scan_id, work, 3)
        .await
        .unwrap();

    let store = app.store.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let pool = tokio::spawn(async move {
        app.run_workers(async move {
            let _ = stopped.await;
        })
        .await
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let progress = loop {
        let p = store.scan_progress(&scan_id).await.unwrap();
        if p.queued == 0 && p.total > 1 {
            break p;
        }
        assert!(Instant::now() < deadline, "the scan never ended: {p:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = stop.send(());
    pool.await.unwrap().unwrap();
    assert_eq!(progress.failed, 0, "{progress:?}");
}
