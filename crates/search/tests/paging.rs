//! Sort orders and cursor paging: the pages of a query are its full order, cut in pieces.

mod support;

use std::cmp::Reverse;

use dlp_search::{
    FindingIndex, IndexedFinding, SearchError, SearchFilters, SearchQuery, SearchSort,
};
use support::{all_pages, finding, findings, id, ids, query, sorted};

/// Several commits (so several segments), then updates of some findings (so deleted docs).
fn index_in_pieces(all: &[IndexedFinding], batch: usize) -> FindingIndex {
    let index = FindingIndex::in_memory().unwrap();
    for chunk in all.chunks(batch) {
        index.apply(chunk).unwrap();
    }
    index
}

fn corpus() -> Vec<IndexedFinding> {
    let mut all = findings(0..300);
    // Changed states of every seventh finding, applied last.
    let next_seq = all.len() as i64 + 1;
    for (k, f) in all.iter_mut().filter(|f| f.seq % 7 == 0).enumerate() {
        f.seq = next_seq + k as i64;
        f.status = "resolved".into();
        f.last_seen_ms += 3_600_000;
    }
    all
}

fn apply_corpus(index: &FindingIndex, all: &[IndexedFinding]) {
    let (first, updated): (Vec<_>, Vec<_>) = all.iter().cloned().partition(|f| f.seq <= 300);
    let originals: Vec<_> = updated.iter().map(|f| finding(u64_of(f))).collect();
    for chunk in first.chunks(64).chain(originals.chunks(64)) {
        index.apply(chunk).unwrap();
    }
    index.apply(&updated).unwrap();
}

fn u64_of(f: &IndexedFinding) -> u64 {
    (0..300).find(|&n| id(n) == f.id).unwrap()
}

fn rank(severity: &str) -> u8 {
    match severity {
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        _ => 4,
    }
}

/// The order each sort promises, computed from the findings themselves.
fn expected(all: &[IndexedFinding], sort: SearchSort) -> Vec<String> {
    let mut v: Vec<&IndexedFinding> = all.iter().collect();
    match sort {
        SearchSort::Relevance => v.sort_by(|a, b| a.id.cmp(&b.id)),
        SearchSort::FirstSeenAsc => v.sort_by_key(|f| (f.first_seen_ms, f.id.clone())),
        SearchSort::FirstSeenDesc => v.sort_by_key(|f| (Reverse(f.first_seen_ms), f.id.clone())),
        SearchSort::LastSeenAsc => v.sort_by_key(|f| (f.last_seen_ms, f.id.clone())),
        SearchSort::LastSeenDesc => v.sort_by_key(|f| (Reverse(f.last_seen_ms), f.id.clone())),
        SearchSort::SeverityDesc => v.sort_by_key(|f| (Reverse(rank(&f.severity)), f.id.clone())),
        SearchSort::SeverityAsc => v.sort_by_key(|f| (rank(&f.severity), f.id.clone())),
    }
    v.into_iter().map(|f| f.id.clone()).collect()
}

#[test]
fn every_sort_pages_through_its_full_order() {
    let all = corpus();
    let index = FindingIndex::in_memory().unwrap();
    apply_corpus(&index, &all);
    assert_eq!(index.num_docs(), 300);
    for sort in SearchSort::ALL {
        let want = expected(&all, sort);
        assert_eq!(ids(&index, &sorted("", sort)), want, "{sort:?}, one page");
        for limit in [1, 7, 50, 299, 300] {
            let got = all_pages(&index, &sorted("", sort), limit);
            assert_eq!(got, want, "{sort:?}, pages of {limit}");
        }
    }
}

#[test]
fn paging_a_filtered_text_query_follows_its_order() {
    let all = corpus();
    let index = FindingIndex::in_memory().unwrap();
    apply_corpus(&index, &all);
    let keep: Vec<IndexedFinding> = all
        .iter()
        .filter(|f| f.status == "resolved" && f.detector.starts_with("aws"))
        .cloned()
        .collect();
    assert!(keep.len() > 10);
    for sort in SearchSort::ALL {
        let query = SearchQuery {
            filters: SearchFilters {
                status: Some("resolved".into()),
                ..SearchFilters::default()
            },
            ..sorted("aws", sort)
        };
        // Every kept finding matches `aws` in the detector alone, so relevance ties: id order.
        assert_eq!(
            all_pages(&index, &query, 3),
            expected(&keep, sort),
            "{sort:?}"
        );
    }
}

#[test]
fn relevance_ranks_by_the_field_matched_then_id() {
    let mut docs = Vec::new();
    for n in 0..60u64 {
        let mut f = finding(n);
        f.detector = "generic-secret".into();
        f.masked = "****".into();
        f.page_title = None;
        f.attachment_title = None;
        f.path = None;
        match n % 3 {
            0 => f.detector = "zebra-token".into(),         // weight 3
            1 => f.page_title = Some("Zebra notes".into()), // weight 2
            _ => f.path = Some("zebra/notes.txt".into()),   // weight 1
        }
        docs.push(f);
    }
    let index = index_in_pieces(&docs, 13);
    let tier = |r: u64| {
        let mut ids: Vec<String> = (0..60).filter(|n| n % 3 == r).map(id).collect();
        ids.sort();
        ids
    };
    let want: Vec<String> = [tier(0), tier(1), tier(2)].concat();
    assert_eq!(ids(&index, &query("zebra")), want);
    assert_eq!(all_pages(&index, &query("zebra"), 4), want);
    // Two words: matching both outranks either; "notes" is in titles and paths only.
    let both: Vec<String> = [tier(1), tier(2)].concat();
    assert_eq!(ids(&index, &query("zebra notes")), both);
}

#[test]
fn a_cursor_from_another_index_with_the_same_findings_continues_the_order() {
    // Two API processes fed the same findings in different batches have different segments.
    let all = corpus();
    let a = FindingIndex::in_memory().unwrap();
    apply_corpus(&a, &all);
    let b = FindingIndex::in_memory().unwrap();
    let mut by_seq = all.clone();
    by_seq.sort_by_key(|f| f.seq);
    for chunk in by_seq.chunks(17) {
        b.apply(chunk).unwrap();
    }
    for sort in SearchSort::ALL {
        let q = if sort == SearchSort::Relevance {
            "akia customers"
        } else {
            ""
        };
        let mut query = SearchQuery {
            limit: 25,
            ..sorted(q, sort)
        };
        let mut got = Vec::new();
        for turn in 0.. {
            let index = if turn % 2 == 0 { &a } else { &b };
            let page = index.search(&query).unwrap();
            got.extend(page.ids);
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }
        assert_eq!(got, ids(&a, &sorted(q, sort)), "{sort:?}");
    }
}

#[test]
fn a_cursor_is_refused_by_another_query_and_when_mangled() {
    let index = FindingIndex::in_memory().unwrap();
    index.apply(&findings(0..30)).unwrap();
    let first = index
        .search(&SearchQuery {
            limit: 5,
            ..sorted("akia", SearchSort::FirstSeenDesc)
        })
        .unwrap();
    let cursor = first.next_cursor.expect("more than one page");

    let reuse = |query: SearchQuery| {
        index.search(&SearchQuery {
            cursor: Some(cursor.clone()),
            limit: 5,
            ..query
        })
    };
    assert!(reuse(sorted("akia", SearchSort::FirstSeenDesc)).is_ok());
    for other in [
        sorted("akia", SearchSort::FirstSeenAsc),
        sorted("runbook", SearchSort::FirstSeenDesc),
        SearchQuery {
            filters: SearchFilters {
                space_key: Some("ENG".into()),
                ..SearchFilters::default()
            },
            ..sorted("akia", SearchSort::FirstSeenDesc)
        },
    ] {
        assert!(matches!(reuse(other), Err(SearchError::InvalidCursor)));
    }
    let mut mangled = cursor.clone().into_bytes();
    mangled[10] = if mangled[10] == b'A' { b'B' } else { b'A' };
    for bad in [
        String::from_utf8(mangled).unwrap(),
        format!("{cursor}x"),
        cursor[1..].to_string(),
        "not a cursor".into(),
        String::new(),
    ] {
        let result = index.search(&SearchQuery {
            cursor: Some(bad.clone()),
            limit: 5,
            ..sorted("akia", SearchSort::FirstSeenDesc)
        });
        assert!(matches!(result, Err(SearchError::InvalidCursor)), "{bad:?}");
    }
}

#[test]
fn the_last_page_has_no_cursor() {
    let index = FindingIndex::in_memory().unwrap();
    index.apply(&findings(0..10)).unwrap();
    let page = index
        .search(&SearchQuery {
            limit: 10,
            ..query("")
        })
        .unwrap();
    assert_eq!(page.ids.len(), 10);
    assert_eq!(page.next_cursor, None);
    let page = index
        .search(&SearchQuery {
            limit: 9,
            ..query("")
        })
        .unwrap();
    let rest = index
        .search(&SearchQuery {
            limit: 9,
            cursor: page.next_cursor,
            ..query("")
        })
        .unwrap();
    assert_eq!(rest.ids.len(), 1);
    assert_eq!(rest.next_cursor, None);
    assert_eq!(rest.total_hits, Some(10));
}
