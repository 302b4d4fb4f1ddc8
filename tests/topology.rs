//! The production topology as real processes of the real binary against Redis and PostgreSQL:
//! one `serve --role api`, one `serve --role scheduler` and three `serve --role worker`. A scan
//! started over HTTP survives a worker killed with SIGKILL in the middle of it: every item
//! ends done, a job run twice changes nothing, and the findings equal those of an embedded
//! scan of the same space.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use confluence_dlp::app::App;
use confluence_dlp::scan::{ScanRequest, ScanTarget, run_scan};
use dlp_simulator::Faults;
use dlp_store::{AuditQuery, Store};
use serde_json::{Value, json};
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const WORKER_CONCURRENCY: usize = 2;

struct Topology {
    site: String,
    data_dir: tempfile::TempDir,
    queue: String,
    database_url: String,
}

impl Topology {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_confluence-dlp"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OMP_THREAD_LIMIT", "1")
            .env("DLP_DATA_DIR", self.data_dir.path())
            .env("DLP_SERVER_KEY", SERVER_KEY)
            .env("DLP_QUEUE", &self.queue)
            // apalis-redis keeps heartbeats in whole seconds and declares a worker dead after
            // two missed: at one second, a live but late worker on a loaded machine can be
            // declared dead (its jobs run a second time, a third with the killed worker's
            // redelivery), the likely cause of one item recorded three times on CI.
            .env("DLP_HEARTBEAT_SECS", "2")
            .env("DATABASE_URL", &self.database_url)
            .env("REDIS_URL", redis_url())
            .env("CONFLUENCE_SITE", &self.site)
            .env("CONFLUENCE_EMAIL", EMAIL)
            .env("CONFLUENCE_API_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Worker `n`, logging to a file of the test's data directory: a scan that never ends
    /// shows what the workers said.
    fn worker(&self, n: usize) -> Child {
        let log = std::fs::File::create(self.worker_log(n)).expect("a log file");
        let mut cmd = self.command(&["serve", "--role", "worker"]);
        // A tight request budget keeps the scan going long enough to kill a worker in it.
        cmd.env("DLP_MAX_REQUESTS_PER_SEC", "4")
            .env("DLP_WORKER_CONCURRENCY", WORKER_CONCURRENCY.to_string())
            .stdout(Stdio::null())
            .stderr(log);
        cmd.spawn().expect("worker starts")
    }

    fn worker_log(&self, n: usize) -> std::path::PathBuf {
        self.data_dir.path().join(format!("worker-{n}.log"))
    }

    /// Where the queue's jobs are: waiting, scheduled for a retry, held by a worker, done or
    /// dead, by the names apalis-redis gives its keys.
    fn queue_state(&self) -> String {
        use redis::Commands;
        let config = apalis_redis::Config::default().queue(&self.queue);
        let Ok(mut conn) = redis::Client::open(redis_url()).and_then(|c| c.get_connection()) else {
            return "Redis did not answer".into();
        };
        let active: Vec<String> = conn
            .lrange(config.active_jobs_list(), 0, -1)
            .unwrap_or_default();
        let scheduled: Vec<String> = conn
            .zrange(config.scheduled_jobs_set(), 0, -1)
            .unwrap_or_default();
        let dead: Vec<String> = conn.smembers(config.dead_jobs_set()).unwrap_or_default();
        let done: usize = conn.scard(config.done_jobs_set()).unwrap_or_default();
        let workers: Vec<(String, f64)> = conn
            .zrange_withscores(config.workers_set(), 0, -1)
            .unwrap_or_default();
        let held: Vec<String> = conn
            .scan_match::<_, String>(format!("{}:*", config.inflight_jobs_set()))
            .map(|keys| keys.filter_map(Result::ok).collect())
            .unwrap_or_default();
        let held: Vec<(String, Vec<String>)> = held
            .into_iter()
            .map(|key| {
                let jobs: Vec<String> = conn.smembers(&key).unwrap_or_default();
                (key, jobs)
            })
            .collect();
        format!(
            "queue: active {active:?}, scheduled {scheduled:?}, dead {dead:?}, done {done}, \
             workers {workers:?}, held {held:?}"
        )
    }

    /// The last lines each worker logged.
    fn worker_logs(&self, workers: usize) -> String {
        (0..workers)
            .map(|n| {
                let log = std::fs::read_to_string(self.worker_log(n)).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(15)..].join("\n");
                format!("--- worker {n}\n{tail}\n")
            })
            .collect()
    }
}

async fn terminate(mut child: Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
}

#[sqlx::test(migrations = false)]
async fn a_scan_survives_a_killed_worker_in_the_production_topology(
    _pool: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_simulator(Faults::default()).await;
    let topology = Topology {
        site: sim.site_url().to_string(),
        data_dir: tempfile::tempdir().unwrap(),
        queue: format!("topology-{}", uuid::Uuid::new_v4()),
        database_url: db.to_url_lossy().to_string(),
    };
    let _cleanup = RedisQueueGuard {
        queue: topology.queue.clone(),
    };

    let created = topology
        .command(&["token", "create", "--name", "ops", "--scope", "admin"])
        .output()
        .await
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();

    let mut api = topology
        .command(&["serve", "--role", "api", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(api.stderr.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("serving on http://") {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("the api exited before listening");
    })
    .await
    .expect("the api listens");
    // Keep reading its stderr so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let scheduler = topology
        .command(&["serve", "--role", "scheduler"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut workers: Vec<Child> = (0..3).map(|n| topology.worker(n)).collect();

    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let started: Value = client
        .post(format!("{base}/api/v1/scans"))
        .bearer_auth(&token)
        .json(&json!({"space_key": "ENG"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scan_id = started["id"].as_str().expect("a scan").to_owned();
    let scan = |client: reqwest::Client| {
        let (url, token) = (format!("{base}/api/v1/scans/{scan_id}"), token.clone());
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };

    // Kill one worker once the scan is part-way through.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = scan(client.clone()).await;
        let p = &s["progress"];
        if p["done"].as_u64().unwrap_or(0) + p["unchanged"].as_u64().unwrap_or(0) >= 8 {
            break;
        }
        assert!(Instant::now() < deadline, "no progress: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut killed = workers.remove(0);
    killed.kill().await.unwrap(); // SIGKILL: no ack, no shutdown; its heartbeats stop
    let at_kill = scan(client.clone()).await;
    assert!(
        at_kill["progress"]["queued"].as_u64().unwrap() > 0,
        "killed after the scan, not in it: {at_kill}"
    );

    let deadline = Instant::now() + Duration::from_secs(240);
    let done = loop {
        let s = scan(client.clone()).await;
        if s["status"] != "running" {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the scan never ended: {s}\n{}\n{}",
            topology.queue_state(),
            topology.worker_logs(3)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["status"], "completed", "{done}");
    let p = &done["progress"];
    assert_eq!(
        (p["queued"].as_u64(), p["failed"].as_u64()),
        (Some(0), Some(0)),
        "{done}"
    );

    // Every item was recorded; more than once only for what the dead worker held.
    let store = Store::connect(&topology.database_url).await.unwrap();
    let events = store
        .audit_events(&AuditQuery {
            scan_id: Some(scan_id.clone()),
            action: Some("job.".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut recorded: HashMap<String, Vec<chrono::DateTime<chrono::Utc>>> = HashMap::new();
    for e in &events {
        recorded
            .entry(e.subject.clone().unwrap())
            .or_default()
            .push(e.at);
    }
    assert_eq!(
        recorded.len() as u64,
        p["total"].as_u64().unwrap(),
        "{done}"
    );
    // Delivery is at least once: the jobs the dead worker held are handed out again, and a
    // job whose redelivery races another can run twice. Running twice changes nothing (the
    // findings below equal the embedded scan's, row for row); running more often would mean
    // the queue hands jobs out without bound.
    for (item, times) in &recorded {
        assert!(
            times.len() <= 2,
            "{item} recorded {} times, at {times:?}\n{}",
            times.len(),
            topology.worker_logs(3)
        );
    }
    let twice = recorded.values().filter(|t| t.len() > 1).count();
    eprintln!(
        "{} items, {twice} recorded again after the kill, {} Confluence requests",
        recorded.len(),
        p["api_requests"]
    );
    let found: BTreeSet<String> = store
        .scan_findings(&scan_id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    let rows = store.count_findings().await.unwrap();
    store.close().await;

    // The same space scanned in one process on the embedded default: the same findings.
    let embedded_dir = tempfile::tempdir().unwrap();
    let app = App::build(settings(embedded_dir.path(), &sim.site_url()))
        .await
        .unwrap();
    let request = ScanRequest {
        target: ScanTarget::Space {
            space_key: "ENG".into(),
        },
        run_workers: true,
        incremental: false,
        history: None,
    };
    let embedded = run_scan(&app, request, |_| {}).await.unwrap();
    app.close().await;
    let expected: BTreeSet<String> = embedded.findings.into_iter().map(|f| f.id).collect();
    assert!(expected.len() >= 20);
    assert_eq!(found, expected);
    assert_eq!(
        rows as usize,
        expected.len(),
        "a job run twice duplicated a finding"
    );

    for w in workers {
        terminate(w).await;
    }
    terminate(scheduler).await;
    terminate(api).await;
}
