//! The embedded queue's statistics: apalis acknowledges a job by its id, not by walking every
//! job its worker ever took (see `describe_jobs_table`).

use std::time::Duration;

use dlp_jobs::JobQueue;

/// The shape of apalis' acknowledgement: a JSON list of results joined to `Jobs` by id, for
/// the jobs the worker holds.
const ACK_SHAPE: &str = "EXPLAIN QUERY PLAN \
    WITH j AS (SELECT value ->> 'task_id' AS task_id, value ->> 'status' AS status \
               FROM json_each(?1)) \
    UPDATE Jobs SET status = j.status FROM j \
    WHERE Jobs.id = j.task_id AND Jobs.lock_by = ?2";

async fn plan(queue: &JobQueue) -> String {
    let JobQueue::Embedded(storage) = queue else {
        panic!("an embedded queue");
    };
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(ACK_SHAPE)
        .bind("[]")
        .bind("worker")
        .fetch_all(storage.pool())
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
    for open in 0..2 {
        let queue = JobQueue::embedded(&path, "scan", Duration::from_secs(5))
            .await
            .unwrap();
        let plan = plan(&queue).await;
        assert!(
            plan.contains("sqlite_autoindex_Jobs_1 (id=?)"),
            "open {open}: {plan}"
        );
        assert!(!plan.contains("LIdx"), "open {open}: {plan}");
        let JobQueue::Embedded(storage) = &queue else {
            unreachable!()
        };
        // Written again at each open, not added to.
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'Jobs'")
            .fetch_one(storage.pool())
            .await
            .unwrap();
        assert_eq!(rows, 2, "open {open}");
        queue.close().await;
    }
}
