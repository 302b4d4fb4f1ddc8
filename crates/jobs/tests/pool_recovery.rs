//! A worker pool that the queue stops counting as alive (its heartbeat was late on a busy
//! machine, and a peer handed its jobs out again) registers anew and goes on taking jobs.

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
    }
}

struct Record(mpsc::UnboundedSender<String>);

impl JobHandler for Record {
    fn handle(
        &self,
        job: ScanJob,
        _attempt: usize,
    ) -> futures::future::BoxFuture<'_, Result<(), HandlerError>> {
        let _ = self.0.send(job.item_key);
        Box::pin(async { Ok(()) })
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

async fn handled(rx: &mut mpsc::UnboundedReceiver<String>, what: &str) -> String {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("{what} was not handled within 30 s"))
        .expect("the pool holds the sender")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_dropped_from_the_live_workers_registers_again_and_goes_on() {
    let queue_name = format!("pool-recovery-{}", uuid::Uuid::new_v4().simple());
    let _cleanup = Cleanup(queue_name.clone());
    let queue = JobQueue::redis(&redis_url(), &queue_name, Duration::from_secs(1))
        .await
        .expect("Redis answers");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let options = PoolOptions {
        name: "recovery".into(),
        concurrency: 1,
        retries: 0,
        job_timeout: Duration::from_secs(10),
        heartbeat: Duration::from_secs(1),
        poll_interval: Duration::from_millis(50),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let pool = {
        let queue = queue.clone();
        tokio::spawn(async move {
            queue
                .run_pool(Arc::new(Record(tx)), &options, async {
                    let _ = stopped.await;
                })
                .await
        })
    };

    queue.push(job(1), 1).await.unwrap();
    assert_eq!(handled(&mut rx, "the first job").await, "page:1@1");

    // What a peer does to a worker whose heartbeats it saw stop: take it off the set of live
    // workers (apalis-redis' reenqueue_orphaned). The pool's next heartbeat is refused.
    let workers = apalis_redis::Config::default()
        .queue(&queue_name)
        .workers_set();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL")
        .arg(&workers)
        .query_async(&mut conn)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;

    queue.push(job(2), 1).await.unwrap();
    assert_eq!(handled(&mut rx, "a job pushed after").await, "page:2@1");
    assert!(!pool.is_finished(), "the pool ended on its own");

    let _ = stop.send(());
    let ended = tokio::time::timeout(Duration::from_secs(30), pool)
        .await
        .expect("the pool stops when asked")
        .unwrap();
    assert!(ended.is_ok(), "{ended:?}");
}

/// Slow jobs, two at a time, and the pool dropped from the live workers while it holds some:
/// every job is still handled (at least once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_job_is_lost_when_a_busy_pool_is_dropped_from_the_live_workers() {
    let queue_name = format!("pool-recovery-{}", uuid::Uuid::new_v4().simple());
    let _cleanup = Cleanup(queue_name.clone());
    let queue = JobQueue::redis(&redis_url(), &queue_name, Duration::from_secs(1))
        .await
        .expect("Redis answers");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let options = PoolOptions {
        name: "recovery".into(),
        concurrency: 2,
        retries: 0,
        job_timeout: Duration::from_secs(10),
        heartbeat: Duration::from_secs(1),
        poll_interval: Duration::from_millis(50),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let pool = {
        let queue = queue.clone();
        tokio::spawn(async move {
            queue
                .run_pool(Arc::new(Slow(tx)), &options, async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    for n in 0..30 {
        queue.push(job(n), 3).await.unwrap();
    }
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut dropped = 0;
    while seen.len() < 30 {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(key)) => {
                seen.insert(key);
            }
            _ => panic!("handled {} of 30 jobs: {seen:?}", seen.len()),
        }
        if seen.len() % 6 == 0 && dropped < seen.len() / 6 {
            dropped += 1;
            declare_every_worker_dead(&mut conn, &queue_name).await;
        }
    }
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(30), pool).await;
}

struct Slow(mpsc::UnboundedSender<String>);

impl JobHandler for Slow {
    fn handle(
        &self,
        job: ScanJob,
        _attempt: usize,
    ) -> futures::future::BoxFuture<'_, Result<(), HandlerError>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let _ = self.0.send(job.item_key);
            Ok(())
        })
    }
}

/// What a peer's heartbeat does to workers whose heartbeats it saw stop (apalis-redis'
/// `reenqueue_orphaned.lua`), to every worker of the queue: their held jobs go back on the
/// active list, and they are taken off the live workers.
async fn declare_every_worker_dead(conn: &mut redis::aio::MultiplexedConnection, queue: &str) {
    let config = apalis_redis::Config::default().queue(queue);
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
        .invoke_async(conn)
        .await
        .unwrap();
}
