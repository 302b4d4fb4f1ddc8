//! Feeding the index: upserts by id, sequence bookkeeping, idempotency.

mod support;

use dlp_search::{FindingIndex, SearchError, SearchFilters, SearchQuery};
use support::{finding, findings, id, ids, index_of, query, sorted_ids};

#[test]
fn the_index_is_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<FindingIndex>();
}

#[test]
fn a_new_index_is_empty_at_seq_0() {
    let index = FindingIndex::in_memory().unwrap();
    assert_eq!(index.last_seq(), 0);
    assert_eq!(index.num_docs(), 0);
    assert!(ids(&index, &query("")).is_empty());
}

#[test]
fn an_upsert_replaces_the_document_of_its_id() {
    let mut v1 = finding(1);
    v1.masked = "ghp_****************wxyz".into();
    v1.page_title = Some("Quarterly rotation".into());
    let index = index_of(&[v1.clone()]);
    assert_eq!(ids(&index, &query("wxyz")), [v1.id.clone()]);

    let mut v2 = v1.clone();
    v2.seq = 10;
    v2.masked = "ghp_****************abcd".into();
    v2.page_title = Some("Renamed page".into());
    index.apply(&[v2.clone()]).unwrap();

    assert_eq!(index.num_docs(), 1);
    assert!(ids(&index, &query("wxyz")).is_empty());
    assert!(ids(&index, &query("quarterly")).is_empty());
    assert_eq!(ids(&index, &query("abcd")), [v1.id.clone()]);
    assert_eq!(ids(&index, &query("renamed")), [v1.id]);
    assert_eq!(index.last_seq(), 10);
}

#[test]
fn a_status_change_is_reflected_in_filters_and_text() {
    let mut f = finding(7);
    f.status = "open".into();
    let index = index_of(&[f.clone()]);
    let open = SearchQuery {
        filters: SearchFilters {
            status: Some("open".into()),
            ..SearchFilters::default()
        },
        ..query("")
    };
    assert_eq!(ids(&index, &open), [f.id.clone()]);

    f.status = "false_positive".into();
    f.seq += 1;
    index.apply(&[f.clone()]).unwrap();
    assert!(ids(&index, &open).is_empty());
    assert_eq!(ids(&index, &query("false positive")), [f.id.clone()]);
    assert_eq!(ids(&index, &query("-open")), [f.id]);
}

#[test]
fn applying_a_batch_again_changes_nothing() {
    let batch = findings(0..50);
    let index = index_of(&batch);
    let before = ids(&index, &query(""));
    let seq = index.last_seq();
    index.apply(&batch).unwrap();
    index.apply(&batch[10..20]).unwrap();
    assert_eq!(index.num_docs(), 50);
    assert_eq!(index.last_seq(), seq);
    assert_eq!(ids(&index, &query("")), before);
}

#[test]
fn an_older_state_never_replaces_a_newer_one() {
    let mut newer = finding(3);
    newer.seq = 20;
    newer.status = "resolved".into();
    let mut older = newer.clone();
    older.seq = 12;
    older.status = "open".into();

    let index = index_of(&[newer.clone()]);
    // A feed re-reading a window behind last_seq hands the old state over again.
    index.apply(&[older.clone(), finding(4)]).unwrap();
    assert_eq!(index.last_seq(), 20);
    assert_eq!(ids(&index, &query("resolved")), [newer.id.clone()]);
    assert!(ids(&index, &query("open")).iter().all(|i| *i != newer.id));

    // Within one batch the highest seq wins, wherever it is.
    let fresh = FindingIndex::in_memory().unwrap();
    fresh.apply(&[newer.clone(), older.clone()]).unwrap();
    assert_eq!(ids(&fresh, &query("resolved")), [newer.id.clone()]);
    assert_eq!(fresh.num_docs(), 1);
}

#[test]
fn a_finding_missed_behind_last_seq_is_still_indexed() {
    // Out-of-order commits in the store: seq 5 becomes visible after seq 9 was fed.
    let index = index_of(&[finding(8)]);
    assert_eq!(index.last_seq(), 9);
    let late = finding(4);
    assert_eq!(late.seq, 5);
    index.apply(std::slice::from_ref(&late)).unwrap();
    assert_eq!(index.last_seq(), 9);
    assert_eq!(
        sorted_ids(ids(&index, &query(""))),
        sorted_ids(vec![late.id, id(8)])
    );
}

#[test]
fn last_seq_is_the_highest_seq_applied() {
    let index = FindingIndex::in_memory().unwrap();
    index.apply(&findings(0..10)).unwrap();
    assert_eq!(index.last_seq(), 10);
    index.apply(&[]).unwrap();
    assert_eq!(index.last_seq(), 10);
    index.apply(&findings(10..15)).unwrap();
    assert_eq!(index.last_seq(), 15);
    assert_eq!(index.num_docs(), 15);
}

#[test]
fn a_batch_with_a_bad_id_is_refused_whole() {
    let index = FindingIndex::in_memory().unwrap();
    let mut batch = findings(0..5);
    batch[3].id = "AKIAIOSFODNN7EXAMPLE".into();
    match index.apply(&batch) {
        Err(SearchError::InvalidFinding { position: 3, .. }) => {}
        other => panic!("expected InvalidFinding at 3, got {other:?}"),
    }
    assert_eq!(index.num_docs(), 0);
    assert_eq!(index.last_seq(), 0);
    // The message names the position, never the value.
    let message = index.apply(&batch).unwrap_err().to_string();
    assert!(!message.contains("AKIA"), "{message}");
}

#[test]
fn searches_run_while_batches_are_applied() {
    let index = index_of(&findings(0..100));
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            for _ in 0..200 {
                let page = index.search(&query("akia")).unwrap();
                assert!(page.total_hits.unwrap() >= 100);
            }
        });
        for start in (100..400).step_by(50) {
            index.apply(&findings(start..start + 50)).unwrap();
        }
        reader.join().unwrap();
    });
    assert_eq!(index.num_docs(), 400);
}
