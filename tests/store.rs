//! The store's behaviours, each run against both backends: SQLite in a temporary file, and
//! PostgreSQL in a fresh database per test that `#[sqlx::test]` creates from `DATABASE_URL`
//! (`scripts/test.sh` sets it) and drops when the test passes.

use std::time::Duration;

use dlp_domain::{
    Category, ContentRef, ContentType, Finding, Location, Region, SegmentOrigin, Severity,
};
use dlp_store::{
    AuditQuery, Backend, FindingFilter, FindingRecord, FindingStatus, ItemResult, ItemStatus,
    JobOutcome, NewAuditEvent, NewScan, RecordSummary, ScanKind, ScanProgress, ScanStatus, Store,
    StoreError,
};

const RULES: &str = "rules-v1";

fn page(id: &str, version: u32) -> ContentRef {
    ContentRef {
        space_key: "ENG".into(),
        content_type: ContentType::Page,
        page_id: id.into(),
        page_version: Some(version),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    }
}

fn comment(page_id: &str, comment_id: &str) -> ContentRef {
    let comment_id = Some(comment_id.into());
    ContentRef {
        content_type: ContentType::Comment,
        comment_id,
        ..page(page_id, 1)
    }
}

fn attachment(page_id: &str, attachment_id: &str) -> ContentRef {
    ContentRef {
        content_type: ContentType::Attachment,
        attachment_id: Some(attachment_id.into()),
        attachment_title: Some("exports.zip".into()),
        ..page(page_id, 1)
    }
}

/// A finding of `detector` for the value fingerprinted `fp`, at byte `start` of `item`.
fn finding(item: &ContentRef, detector: &str, fp: &str, start: usize) -> Finding {
    let line = 1 + start as u32 / 80;
    let at = Location::new(item, &SegmentOrigin::default(), line, start, start + 20);
    finding_at(at, detector, fp)
}

fn finding_at(location: Location, detector: &str, fp: &str) -> Finding {
    Finding {
        id: Finding::stable_id(detector, fp, &location),
        detector: detector.into(),
        category: if detector.starts_with("aws") {
            Category::Secret
        } else {
            Category::Pci
        },
        severity: Severity::High,
        confidence: 0.9,
        masked: format!("************{}", &fp[fp.len().saturating_sub(4)..]),
        fingerprint: fp.into(),
        location,
    }
}

fn failed(error: &str) -> JobOutcome {
    JobOutcome::Failed {
        error: error.into(),
    }
}

fn unknown_scan<T>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::UnknownScan { .. }))
}

fn not_extracted(reason: &str) -> JobOutcome {
    JobOutcome::NotExtracted {
        reason: reason.into(),
    }
}

/// Findings narrowed by `narrow`, first page of up to 1000.
async fn listed(store: &Store, narrow: impl FnOnce(&mut FindingFilter)) -> Vec<FindingRecord> {
    let limit = FindingFilter::MAX_LIMIT;
    let mut filter = FindingFilter {
        limit,
        ..FindingFilter::default()
    };
    narrow(&mut filter);
    store.findings(&filter).await.unwrap()
}

async fn all_findings(store: &Store, status: Option<FindingStatus>) -> Vec<Finding> {
    let records = listed(store, |f| f.status = status).await;
    records.into_iter().map(|r| r.finding).collect()
}

/// A running scan of the ENG space.
struct Scan<'s> {
    store: &'s Store,
    id: String,
}

impl<'s> Scan<'s> {
    async fn start(store: &'s Store) -> Self {
        let new = NewScan {
            kind: ScanKind::Space,
            site: Some("https://example.atlassian.net/wiki".into()),
            space_key: Some("ENG".into()),
            actor: "alice".into(),
            ..Default::default()
        };
        let id = store.create_scan(&new).await.unwrap();
        Scan { store, id }
    }

    async fn progress(&self) -> ScanProgress {
        self.store.scan_progress(&self.id).await.unwrap()
    }

    async fn findings(&self) -> Vec<Finding> {
        self.store.scan_findings(&self.id).await.unwrap()
    }
}

/// Records the job `key` of the scan as having classified `item` (at its page version).
async fn classify<const N: usize>(
    scan: &Scan<'_>,
    key: &str,
    item: &ContentRef,
    found: [Finding; N],
) -> RecordSummary {
    let result = ItemResult::classified(item.clone(), item.page_version, RULES, found.into());
    record(scan, key, JobOutcome::Classified, vec![result])
        .await
        .unwrap()
}

async fn record(
    scan: &Scan<'_>,
    key: &str,
    outcome: JobOutcome,
    results: Vec<ItemResult>,
) -> Result<RecordSummary, StoreError> {
    scan.store
        .record_job(&scan.id, key, &outcome, &results)
        .await
}

/// Records the outcome of a job that covered no item (it failed before fetching any).
async fn end_job(scan: &Scan<'_>, key: &str, outcome: JobOutcome) {
    record(scan, key, outcome, vec![]).await.unwrap();
}

async fn enqueue(scan: &Scan<'_>, key: &str) -> bool {
    let label = format!("label of {key}");
    scan.store
        .enqueue_item(&scan.id, key, &label)
        .await
        .unwrap()
}

#[path = "store/behaviours.rs"]
mod behaviours;

#[path = "store/history.rs"]
mod history_behaviours;

mod all {
    pub use super::behaviours::*;
    pub use super::history_behaviours::*;
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = format!("sqlite://{}", dir.path().join("dlp.db").display());
                    let store = dlp_store::Store::connect(&url).await.unwrap();
                    super::all::$name(&store, &url).await;
                    store.close().await;
                }
            )+
        }

        mod postgres {
            use sqlx::ConnectOptions;
            use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(_: PgPoolOptions, database: PgConnectOptions) {
                    let url = database.to_url_lossy().to_string();
                    let store = dlp_store::Store::connect(&url).await.unwrap();
                    super::all::$name(&store, &url).await;
                    // Every connection closed, or the database cannot be dropped.
                    store.close().await;
                }
            )+
        }
    };
}

on_both_backends!(
    registering_again_asks_for_the_job_only_while_it_has_no_outcome,
    page_history_is_an_item_of_its_own_and_knows_what_is_history_only,
    migrations_are_idempotent,
    findings_round_trip_exactly,
    upsert_keeps_first_seen_and_moves_the_rest,
    a_missing_value_is_resolved_and_reopened_when_back,
    progress_counts_each_job_once,
    is_current_by_version_and_digest,
    scan_findings_cover_unchanged_items_of_a_rescan,
    problems_are_listed_with_their_messages,
    audit_trail_records_scans_jobs_and_findings,
    findings_filter_and_page_by_id,
    a_finding_under_the_wrong_item_is_refused,
    concurrent_jobs_do_not_lock_each_other_out,
    the_change_feed_misses_nothing_under_concurrent_writers,
    connect_tenants_are_kept_and_replaced,
);

/// A SQLite database made before the scan rows were stored by key (migration 13) keeps every
/// row and answers as before once a newer process opens it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_sqlite_database_keeps_its_scan_rows_through_the_move_to_keyed_tables() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    let dir = tempfile::tempdir().unwrap();
    let older = dir.path().join("migrations");
    std::fs::create_dir(&older).unwrap();
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap()
    {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0013" {
            std::fs::copy(&path, older.join(&name)).unwrap();
        }
    }
    let file = dir.path().join("dlp.db");
    let pool = SqlitePoolOptions::new()
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&file)
                .create_if_missing(true),
        )
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(older.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO scans (id, kind, actor, status, started_at) \
         VALUES ('s1', 'space', 'cli', 'running', 1)",
        "INSERT INTO scan_items (scan_id, item_key, label, status, error, attempts, updated_at, api_requests) \
         VALUES ('s1', 'page:1', 'Runbook', 'done', NULL, 1, 5, 3), \
                ('s1', 'page:2', 'Broken', 'failed', 'timed out', 3, 6, 9), \
                ('s1', 'page:3', 'Later', 'queued', NULL, 0, 7, 0)",
        "INSERT INTO scan_contents (scan_id, content_type, item_id, item_key) \
         VALUES ('s1', 'page', '1', 'page:1')",
        "INSERT INTO content_state (content_type, item_id, version, rules_digest, updated_at) \
         VALUES ('page', '1', 4, 'rules-v1', 5)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let url = format!("sqlite://{}", file.display());
    let store = Store::connect(&url).await.unwrap();
    let progress = store.scan_progress("s1").await.unwrap();
    assert_eq!(
        (
            progress.done,
            progress.failed,
            progress.queued,
            progress.api_requests
        ),
        (1, 1, 1, 12)
    );
    let problems = store.scan_item_problems("s1").await.unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].error.as_deref(), Some("timed out"));
    assert_eq!(problems[0].attempts, 3);
    assert!(
        store
            .is_current(ContentType::Page, "1", 4, "rules-v1")
            .await
            .unwrap()
    );
    store.close().await;

    let pool = SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(&file))
        .await
        .unwrap();
    let keyed: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(keyed, ["content_state", "scan_contents", "scan_items"]);
    pool.close().await;
}
