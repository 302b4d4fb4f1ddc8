//! Findings for the tests: deterministic, varied enough to tie on every sort key.
#![allow(dead_code)]

use dlp_search::{FindingIndex, IndexedFinding, SearchPage, SearchQuery, SearchSort};

/// An id whose order has nothing to do with `n`, so tie-breaks by id are really tested.
pub fn id(n: u64) -> String {
    let spread = u128::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) | 1;
    format!("{spread:032x}")
}

const DETECTORS: [&str; 4] = [
    "aws-access-key",
    "aws-access-key-id",
    "github-token",
    "credit-card",
];
const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
const STATUSES: [&str; 4] = ["open", "resolved", "false_positive", "accepted_risk"];
const SPACES: [&str; 3] = ["ENG", "OPS", "HR"];
const CONTENT: [&str; 5] = ["page", "blogpost", "comment", "attachment", "file"];

pub fn finding(n: u64) -> IndexedFinding {
    let i = n as usize;
    IndexedFinding {
        id: id(n),
        seq: n as i64 + 1,
        detector: DETECTORS[i % 4].into(),
        category: if i % 4 == 3 { "pci" } else { "secret" }.into(),
        severity: SEVERITIES[(i / 3) % 4].into(),
        status: STATUSES[(i / 5) % 4].into(),
        content_type: CONTENT[i % 5].into(),
        space_key: SPACES[i % 3].into(),
        page_id: format!("{}", 1000 + i % 17),
        page_title: Some(format!("Runbook {}", i % 11)),
        attachment_title: (i % 5 == 3).then(|| format!("export-{}.csv", i % 7)),
        path: i
            .is_multiple_of(6)
            .then(|| format!("exports.zip/customers-{}.csv", i % 9)),
        masked: format!("AKIA************{:04}", i % 100),
        confidence: 0.5 + (i % 6) as f64 * 0.1,
        // Few distinct values, so that sorts tie often.
        first_seen_ms: 1_700_000_000_000 + (i % 23) as i64 * 60_000,
        last_seen_ms: 1_700_100_000_000 - (i % 13) as i64 * 60_000,
    }
}

pub fn findings(range: std::ops::Range<u64>) -> Vec<IndexedFinding> {
    range.map(finding).collect()
}

pub fn query(q: &str) -> SearchQuery {
    SearchQuery {
        q: q.into(),
        limit: 1000,
        ..SearchQuery::default()
    }
}

pub fn sorted(q: &str, sort: SearchSort) -> SearchQuery {
    SearchQuery { sort, ..query(q) }
}

pub fn ids(index: &FindingIndex, query: &SearchQuery) -> Vec<String> {
    let page: SearchPage = index.search(query).expect("search");
    assert_eq!(
        page.next_cursor, None,
        "a page of 1000 holds every test result"
    );
    page.ids
}

/// Every page of `query`, `limit` at a time, concatenated.
pub fn all_pages(index: &FindingIndex, query: &SearchQuery, limit: usize) -> Vec<String> {
    let mut query = SearchQuery {
        limit,
        cursor: None,
        ..query.clone()
    };
    let mut out = Vec::new();
    loop {
        let page = index.search(&query).expect("search");
        assert!(page.ids.len() <= limit);
        out.extend(page.ids);
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return out,
        }
    }
}

pub fn index_of(findings: &[IndexedFinding]) -> FindingIndex {
    let index = FindingIndex::in_memory().expect("in-memory index");
    index.apply(findings).expect("apply");
    index
}

pub fn sorted_ids(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}
