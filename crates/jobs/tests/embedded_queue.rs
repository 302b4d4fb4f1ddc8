//! The embedded queue's upkeep: apalis acknowledges a job by its id, not by walking every job
//! its worker ever took (see `describe_jobs_table`), and jobs that ended long ago are deleted.

use std::path::Path;
use std::time::Duration;

use dlp_jobs::JobQueue;

/// The shape of apalis' acknowledgement: a JSON list of results joined to `Jobs` by id, for
/// the jobs the worker holds.
const ACK_SHAPE: &str = "EXPLAIN QUERY PLAN \
    WITH j AS (SELECT value ->> 'task_id' AS task_id, value ->> 'status' AS status \
               FROM json_each(?1)) \
    UPDATE Jobs SET status = j.status FROM j \
    WHERE Jobs.id = j.task_id AND Jobs.lock_by = ?2";

async fn open(path: &Path) -> JobQueue {
    JobQueue::embedded(path, "scan", Duration::from_secs(5))
        .await
        .unwrap()
}

fn pool(queue: &JobQueue) -> &sqlx::SqlitePool {
    let JobQueue::Embedded(storage) = queue else {
        panic!("an embedded queue");
    };
    storage.pool()
}

async fn count(queue: &JobQueue, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool(queue))
        .await
        .unwrap()
}

async fn plan(queue: &JobQueue) -> String {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(ACK_SHAPE)
        .bind("[]")
        .bind("worker")
        .fetch_all(pool(queue))
        .await
        .unwrap();
    rows.into_iter()
        .map(|(_, _, _, detail)| detail)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn acknowledgements_find_jobs_by_id_on_a_new_queue_and_a_reopened_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.sqlite");
    for open_count in 0..2 {
        let queue = open(&path).await;
        let plan = plan(&queue).await;
        assert!(
            plan.contains("sqlite_autoindex_Jobs_1 (id=?)"),
            "open {open_count}: {plan}"
        );
        assert!(!plan.contains("LIdx"), "open {open_count}: {plan}");
        // Written again at each open, not added to.
        let rows = count(
            &queue,
            "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'Jobs'",
        )
        .await;
        assert_eq!(rows, 2, "open {open_count}");
        queue.close().await;
    }
}

#[tokio::test]
async fn jobs_that_ended_long_ago_are_deleted_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.sqlite");
    let queue = open(&path).await;
    let now = count(&queue, "SELECT CAST(strftime('%s', 'now') AS INTEGER)").await;
    let day_ago = now - 24 * 3600;
    // (id, status, attempts, max_attempts, done_at)
    let jobs: [(&str, &str, i64, i64, Option<i64>); 7] = [
        ("done-old", "Done", 1, 3, Some(day_ago)),
        ("killed-old", "Killed", 1, 3, Some(day_ago)),
        ("failed-spent-old", "Failed", 3, 3, Some(day_ago)),
        ("done-recent", "Done", 1, 3, Some(now - 60)),
        ("failed-to-retry-old", "Failed", 1, 3, Some(day_ago)),
        ("pending", "Pending", 0, 3, None),
        ("running", "Running", 1, 3, None),
    ];
    for (id, status, attempts, max_attempts, done_at) in jobs {
        sqlx::query(
            "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, done_at) \
             VALUES (x'00', ?1, 'scan', ?2, ?3, ?4, ?5)",
        )
        .bind(id)
        .bind(status)
        .bind(attempts)
        .bind(max_attempts)
        .bind(done_at)
        .execute(pool(&queue))
        .await
        .unwrap();
    }
    let deleted = queue
        .delete_jobs_ended_before(Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(deleted, 3);
    let mut left: Vec<String> = sqlx::query_scalar("SELECT id FROM Jobs")
        .fetch_all(pool(&queue))
        .await
        .unwrap();
    left.sort();
    assert_eq!(
        left,
        ["done-recent", "failed-to-retry-old", "pending", "running"]
    );
    queue.close().await;

    // Opening the file sweeps with a day's grace: the recent job stays.
    let queue = open(&path).await;
    assert_eq!(count(&queue, "SELECT count(*) FROM Jobs").await, 4);
    queue.close().await;
}
