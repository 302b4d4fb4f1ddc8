//! The store's batch APIs against its one-job-at-a-time ones, on both backends: the same jobs
//! recorded with `record_jobs` leave what `record_job` called for each in turn leaves.

use dlp_domain::{Category, ContentRef, ContentType, Finding, Location, SegmentOrigin, Severity};
use dlp_store::{
    AuditQuery, FindingFilter, ItemResult, JobOutcome, JobRecord, NewScan, ScanKind, Store,
    StoreError,
};

const RULES: &str = "rules-v1";

/// Page `id` of `space`; items are keyed by id alone, so the space's name is in it too.
fn page(space: &str, id: &str, version: u32) -> ContentRef {
    ContentRef {
        space_key: space.into(),
        content_type: ContentType::Page,
        page_id: format!("{space}-{id}"),
        page_version: Some(version),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    }
}

fn finding(item: &ContentRef, detector: &str, fp: &str, start: usize) -> Finding {
    let location = Location::new(item, &SegmentOrigin::default(), 1, start, start + 20);
    Finding {
        id: Finding::stable_id(detector, fp, &location),
        detector: detector.into(),
        category: Category::Secret,
        severity: Severity::High,
        confidence: 0.9,
        masked: "****".into(),
        fingerprint: fp.into(),
        location,
    }
}

fn classified(item: &ContentRef, found: Vec<Finding>) -> ItemResult {
    ItemResult::classified(item.clone(), item.page_version, RULES, found)
}

fn job(key: &str, outcome: JobOutcome, results: Vec<ItemResult>) -> JobRecord {
    JobRecord {
        item_key: key.into(),
        label: None,
        outcome,
        results,
    }
}

/// A scan's jobs in the space `space`, with every case the rounds must keep in order: the
/// same item and the same job key twice, a job that lists one item twice, a late retry of
/// an older version, a failure, an unchanged item.
fn jobs(space: &str) -> Vec<JobRecord> {
    let (p1, p1v2, p2, p3) = (
        page(space, "1", 1),
        page(space, "1", 2),
        page(space, "2", 1),
        page(space, "3", 1),
    );
    let f = |item: &ContentRef, d: &str, fp: &str| finding(item, d, fp, 10);
    vec![
        job(
            "page:1@1",
            JobOutcome::Classified,
            vec![classified(
                &p1,
                vec![f(&p1, "aws", "k1"), f(&p1, "email", "e1")],
            )],
        ),
        job(
            "page:2@1",
            JobOutcome::Classified,
            vec![classified(&p2, vec![f(&p2, "email", "e2")])],
        ),
        job(
            "page:1@2",
            JobOutcome::Classified,
            vec![classified(&p1v2, vec![f(&p1v2, "aws", "k1")])],
        ),
        job(
            "page:9@1",
            JobOutcome::Failed {
                error: "gone".into(),
            },
            vec![],
        ),
        job(
            "page:2@1",
            JobOutcome::Unchanged,
            vec![ItemResult::unchanged(p2.clone(), Some(1), RULES)],
        ),
        job(
            "page:3@1",
            JobOutcome::Classified,
            vec![
                classified(&p3, vec![f(&p3, "aws", "x")]),
                classified(&p3, vec![]),
            ],
        ),
        job(
            "page:1@1",
            JobOutcome::Failed {
                error: "late".into(),
            },
            vec![classified(&p1, vec![f(&p1, "email", "e1")])],
        ),
        job(
            "page:4@1",
            JobOutcome::NotExtracted {
                reason: "7z".into(),
            },
            vec![],
        ),
    ]
}

async fn start(store: &Store, space: &str) -> String {
    let new = NewScan {
        kind: ScanKind::Space,
        site: None,
        space_key: Some(space.into()),
        actor: "t".into(),
        ..Default::default()
    };
    store.create_scan(&new).await.unwrap()
}

/// What a scan left, with the space's name taken out so two spaces compare.
async fn state(store: &Store, scan_id: &str, space: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut filter = FindingFilter {
        space_key: Some(space.into()),
        ..FindingFilter::default()
    };
    filter.limit = FindingFilter::MAX_LIMIT;
    for r in store.findings(&filter).await.unwrap() {
        let f = r.finding;
        out.push(format!(
            "finding {} {} {} {:?} v{:?}",
            f.location.page_id, f.detector, f.fingerprint, r.status, f.location.page_version
        ));
    }
    let p = store.scan_progress(scan_id).await.unwrap();
    out.push(format!(
        "progress {} {} {} {} {} {} {}",
        p.total, p.queued, p.done, p.unchanged, p.failed, p.not_extracted, p.open_findings
    ));
    for row in store.scan_item_problems(scan_id).await.unwrap() {
        out.push(format!(
            "problem {} {} {:?} {:?} {}",
            row.item_key, row.label, row.status, row.error, row.attempts
        ));
    }
    let query = AuditQuery {
        scan_id: Some(scan_id.into()),
        limit: 1000,
        ..AuditQuery::default()
    };
    let mut actions: Vec<String> = store
        .audit_events(&query)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("audit {} {}", e.action, e.detail))
        .collect();
    actions.sort();
    out.extend(actions);
    let mut out: Vec<String> = out.into_iter().map(|l| l.replace(space, "SPACE")).collect();
    out.sort();
    out
}

mod behaviours {
    use super::*;

    pub async fn a_batch_records_what_one_job_at_a_time_records(store: &Store) {
        let one_by_one = start(store, "SEQ").await;
        store
            .enqueue_items(&one_by_one, &[("page:1@1".into(), "Page one".into())])
            .await
            .unwrap();
        for j in jobs("SEQ") {
            store
                .record_job(&one_by_one, &j.item_key, &j.outcome, &j.results)
                .await
                .unwrap();
        }
        let batched = start(store, "BAT").await;
        store
            .enqueue_items(&batched, &[("page:1@1".into(), "Page one".into())])
            .await
            .unwrap();
        let all = jobs("BAT");
        // Two batches, so that the second meets what the first recorded.
        let summary = store.record_jobs(&batched, &all[..3]).await.unwrap();
        assert_eq!((summary.opened, summary.resolved), (3, 1));
        store.record_jobs(&batched, &all[3..]).await.unwrap();

        let expected = state(store, &one_by_one, "SEQ").await;
        assert!(
            expected
                .iter()
                .any(|l| l.starts_with("finding SPACE-1 email e1 Resolved")),
            "{expected:#?}"
        );
        assert!(
            expected
                .iter()
                .any(|l| l.starts_with("finding SPACE-3 aws x Resolved")),
            "{expected:#?}"
        );
        assert_eq!(state(store, &batched, "BAT").await, expected);
    }

    /// Enough jobs that every table's rows take more than one statement (the widest, the
    /// findings, 81 rows a statement; the narrowest, the scan links, 512), recorded as one
    /// batch and as many small ones.
    pub async fn a_batch_larger_than_one_statement_records_what_small_batches_record(
        store: &Store,
    ) {
        let jobs = |space: &str| -> Vec<JobRecord> {
            (0..520)
                .map(|i| {
                    let item = page(space, &i.to_string(), 1);
                    let found = if i % 2 == 0 {
                        vec![finding(&item, "email", &format!("e{i}"), 10)]
                    } else {
                        Vec::new()
                    };
                    let results = vec![classified(&item, found)];
                    job(&format!("page:{i}@1"), JobOutcome::Classified, results)
                })
                .collect()
        };
        let small = start(store, "SML").await;
        for chunk in jobs("SML").chunks(10) {
            store.record_jobs(&small, chunk).await.unwrap();
        }
        let whole = start(store, "BIG").await;
        let summary = store.record_jobs(&whole, &jobs("BIG")).await.unwrap();
        assert_eq!(
            (summary.opened, summary.classified_items),
            (260, 520),
            "{summary:?}"
        );
        let expected = state(store, &small, "SML").await;
        assert_eq!(
            expected
                .iter()
                .filter(|l| l.starts_with("finding "))
                .count(),
            260
        );
        assert_eq!(state(store, &whole, "BIG").await, expected);
    }

    pub async fn enqueue_items_counts_new_items_once(store: &Store) {
        let scan = start(store, "ENQ").await;
        let items: Vec<(String, String)> = (0..1200)
            .map(|i| (format!("file:{i}"), format!("f{i}")))
            .collect();
        assert_eq!(store.enqueue_items(&scan, &items).await.unwrap(), 1200);
        assert_eq!(store.enqueue_items(&scan, &items[..10]).await.unwrap(), 0);
        let p = store.scan_progress(&scan).await.unwrap();
        assert_eq!((p.total, p.queued), (1200, 1200));
        let unknown = store.enqueue_items("no-such-scan", &items[..1]).await;
        assert!(
            matches!(unknown, Err(StoreError::UnknownScan { .. })),
            "{unknown:?}"
        );
        let unknown = store.record_jobs("no-such-scan", &jobs("ENQ")[..1]).await;
        assert!(
            matches!(unknown, Err(StoreError::UnknownScan { .. })),
            "{unknown:?}"
        );
    }
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
                    super::behaviours::$name(&store).await;
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
                    super::behaviours::$name(&store).await;
                    store.close().await;
                }
            )+
        }
    };
}

on_both_backends!(
    a_batch_records_what_one_job_at_a_time_records,
    a_batch_larger_than_one_statement_records_what_small_batches_record,
    enqueue_items_counts_new_items_once
);
