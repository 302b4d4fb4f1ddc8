//! A worker pool that the queue stops counting as alive (its heartbeat was late on a busy
//! machine, and a peer handed its jobs out again) registers anew and goes on taking jobs, and
//! no job is lost on the way.

use std::sync::Arc;
use std::time::Duration;

use dlp_domain::{ContentRef, ContentType};
use dlp_jobs::{HandlerError, JobHandler, JobQueue, PoolOptions, ScanJob, Work};
use redis::Commands;
use tokio::sync::mpsc;

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

/// Deletes the queue's keys when the test ends, however it ends.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(redis_url()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection() else {
            return;
        };
        let keys: Vec<String> = match conn.scan_match(format!("{}:*", self.0)) {
            Ok(iter) => iter.filter_map(Result::ok).collect(),
            Err(_) => return,
        };
        for chunk in keys.chunks(500) {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(chunk).query(&mut conn);
        }
        // apalis-redis lists every queue a worker registered in a sorted set of its own
        // (`lua/register_worker.lua`), which nothing expires.
        let _: redis::RedisResult<()> = redis::cmd("ZREM")
            .arg("core:apalis:queues:list")
            .arg(format!("{}:workers", self.0))
            .query(&mut conn);
    }
}

/// Reports each job's item key once it has taken `delay`.
struct Record {
    handled: mpsc::UnboundedSender<String>,
    delay: Duration,
}

impl JobHandler for Record {
    fn handle(
        &self,
        job: ScanJob,
        _attempt: usize,
    ) -> futures::future::BoxFuture<'_, Result<(), HandlerError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            let _ = self.handled.send(job.item_key);
            Ok(())
        })
    }
}

fn job(n: u32) -> ScanJob {
    let work = Work::Body {
        item: ContentRef {
            space_key: "ENG".into(),
            content_type: ContentType::Page,
            page_id: n.to_string(),
            page_version: Some(1),
            comment_id: None,
            attachment_id: None,
            attachment_title: None,
        },
        body: None,
    };
    ScanJob {
        scan_id: "s1".into(),
        item_key: work.item_key(),
        label: format!("page {n}"),
        work,
    }
}

/// A pool on a queue of its own, with a one-second heartbeat.
struct RunningPool {
    queue: JobQueue,
    name: String,
    handled: mpsc::UnboundedReceiver<String>,
    stop: tokio::sync::oneshot::Sender<()>,
    pool: tokio::task::JoinHandle<Result<(), dlp_jobs::QueueError>>,
    _cleanup: Cleanup,
}

impl RunningPool {
    async fn start(concurrency: usize, delay: Duration) -> RunningPool {
        let name = format!("pool-recovery-{}", uuid::Uuid::new_v4().simple());
        let cleanup = Cleanup(name.clone());
        let queue = JobQueue::redis(&redis_url(), &name, Duration::from_secs(1))
            .await
            .expect("Redis answers");
        let (sent, handled) = mpsc::unbounded_channel();
        let options = PoolOptions {
            name: "recovery".into(),
            concurrency,
            retries: 0,
            job_timeout: Duration::from_secs(10),
            heartbeat: Duration::from_secs(1),
            poll_interval: Duration::from_millis(50),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handler = Arc::new(Record {
            handled: sent,
            delay,
        });
        let pool = {
            let queue = queue.clone();
            tokio::spawn(async move {
                queue
                    .run_pool(handler, &options, async {
                        let _ = stopped.await;
                    })
                    .await
            })
        };
        RunningPool {
            queue,
            name,
            handled,
            stop,
            pool,
            _cleanup: cleanup,
        }
    }

    async fn next_handled(&mut self, what: &str) -> String {
        tokio::time::timeout(Duration::from_secs(30), self.handled.recv())
            .await
            .unwrap_or_else(|_| panic!("{what} was not handled within 30 s"))
            .expect("the pool holds the sender")
    }

    /// Asks the pool to stop; it must, and without an error.
    async fn stop(self) {
        assert!(!self.pool.is_finished(), "the pool ended on its own");
        let _ = self.stop.send(());
        let ended = tokio::time::timeout(Duration::from_secs(30), self.pool)
            .await
            .expect("the pool stops when asked")
            .unwrap();
        assert!(ended.is_ok(), "{ended:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_declared_dead_registers_again_and_goes_on() {
    let mut pool = RunningPool::start(1, Duration::ZERO).await;
    pool.queue.push(job(1), 1).await.unwrap();
    assert_eq!(pool.next_handled("the first job").await, "page:1@1");

    // The pool's next heartbeat is refused, and apalis ends it.
    declare_every_worker_dead(&pool.name).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    pool.queue.push(job(2), 1).await.unwrap();
    // The first job may run again: the queue handed it out again if its acknowledgement had
    // not reached it yet (delivery is at least once).
    while pool.next_handled("a job pushed after").await != "page:2@1" {}
    pool.stop().await;
}

/// Slow jobs, two at a time, and the pool declared dead while it holds some, five times:
/// every job is still handled (at least once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_job_is_lost_when_a_busy_pool_is_declared_dead() {
    let mut pool = RunningPool::start(2, Duration::from_millis(150)).await;
    for n in 0..30 {
        pool.queue.push(job(n), 3).await.unwrap();
    }
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 30 {
        let what = format!("job {} of 30 (handled: {seen:?})", seen.len() + 1);
        let before = seen.len();
        seen.insert(pool.next_handled(&what).await);
        if seen.len() > before && seen.len() % 6 == 0 {
            declare_every_worker_dead(&pool.name).await;
        }
    }
    pool.stop().await;
}

/// What a peer's heartbeat does to workers whose heartbeats it saw stop (apalis-redis'
/// `reenqueue_orphaned.lua`), to every worker of the queue: their held jobs go back on the
/// active list, and they are taken off the live workers.
async fn declare_every_worker_dead(queue: &str) {
    let config = apalis_redis::Config::default().queue(queue);
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let script = redis::Script::new(
        r#"
        local workers = redis.call("zrange", KEYS[1], 0, -1)
        for _, worker in ipairs(workers) do
            local held = KEYS[3] .. ":" .. worker
            local jobs = redis.call("smembers", held)
            if #jobs > 0 then
                redis.call("rpush", KEYS[2], unpack(jobs))
                redis.call("del", held)
            end
            redis.call("zrem", KEYS[1], worker)
        end
        return #workers
        "#,
    );
    let _: i64 = script
        .key(config.workers_set())
        .key(config.active_jobs_list())
        .key(config.inflight_jobs_set())
        .invoke_async(&mut conn)
        .await
        .unwrap();
}

/// Jobs a pool has finished leave Redis when swept (apalis-redis keeps them until then), and
/// a job not ended stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_jobs_are_swept_from_redis() {
    let mut pool = RunningPool::start(1, Duration::ZERO).await;
    for n in 0..3 {
        pool.queue.push(job(n), 1).await.unwrap();
    }
    for _ in 0..3 {
        pool.next_handled("a job").await;
    }
    // Acknowledgements reach Redis in batches, after the handler returns.
    let mut swept = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while swept < 3 && tokio::time::Instant::now() < deadline {
        swept += pool
            .queue
            .delete_jobs_ended_before(Duration::ZERO)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(swept, 3);
    let queue = pool.queue.clone();
    let name = pool.name.clone();
    pool.stop().await;
    // The pool's guard has gone with it; this job's keys need one of their own.
    let _cleanup = Cleanup(name.clone());

    // Pushed with no pool to run it: it has not ended, and a sweep leaves it.
    queue.push(job(9), 1).await.unwrap();
    assert_eq!(
        queue
            .delete_jobs_ended_before(Duration::ZERO)
            .await
            .unwrap(),
        0
    );
    let data = apalis_redis::Config::default().queue(&name).job_data_hash();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let held: usize = conn.hlen(data).unwrap();
    assert_eq!(held, 1);
}
