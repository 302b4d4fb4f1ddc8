//! What the search text finds, what the filters keep, and input that must not break it.

mod support;

use dlp_search::{IndexedFinding, MAX_LIMIT, SearchError, SearchFilters, SearchQuery, SearchSort};
use support::{finding, findings, id, ids, index_of, query, sorted_ids};

fn planted() -> Vec<IndexedFinding> {
    let mut aws = finding(1);
    aws.detector = "aws-access-key".into();
    aws.masked = "AKIA************MPLE".into();
    aws.path = Some("exports/q3.zip/customers.csv".into());
    aws.page_title = Some("Übersicht der Schlüssel".into());
    aws.attachment_title = None;
    aws.space_key = "ENG".into();

    let mut aws_id = finding(2);
    aws_id.detector = "aws-access-key-id".into();
    aws_id.masked = "ASIA************ABCD".into();
    aws_id.path = None;
    aws_id.page_title = Some("Deploy runbook".into());
    aws_id.attachment_title = Some("keys-backup.txt".into());
    aws_id.space_key = "OPS".into();

    let mut card = finding(3);
    card.detector = "credit-card".into();
    card.category = "pci".into();
    card.masked = "****-****-****-1111".into();
    card.path = None;
    card.page_title = Some("Refunds, key accounts".into());
    card.attachment_title = None;
    card.space_key = "FIN".into();
    vec![aws, aws_id, card]
}

fn find(q: &str) -> Vec<String> {
    sorted_ids(ids(&index_of(&planted()), &query(q)))
}

fn just(ns: &[u64]) -> Vec<String> {
    sorted_ids(ns.iter().map(|&n| id(n)).collect())
}

#[test]
fn a_preview_is_found_by_its_visible_parts() {
    assert_eq!(find("AKIA"), just(&[1]));
    assert_eq!(find("akia"), just(&[1]));
    assert_eq!(find("AKIA************MPLE"), just(&[1]));
    assert_eq!(find("1111"), just(&[3]));
}

#[test]
fn a_path_component_or_a_title_word_finds_its_finding() {
    assert_eq!(find("customers.csv"), just(&[1]));
    assert_eq!(find("q3"), just(&[1]));
    assert_eq!(find("runbook"), just(&[2]));
    assert_eq!(find("keys-backup.txt"), just(&[2]));
    // Folded to ASCII on both sides.
    assert_eq!(find("übersicht"), just(&[1]));
    assert_eq!(find("schlussel"), just(&[1]));
}

#[test]
fn a_detector_id_is_found_whole_and_by_its_words() {
    assert_eq!(find("aws-access-key-id"), just(&[2]));
    // A phrase: the whole id also matches the id that extends it, but not scattered words.
    assert_eq!(find("aws-access-key"), just(&[1, 2]));
    assert_eq!(find("aws"), just(&[1, 2]));
    assert_eq!(find("card"), just(&[3]));
    assert_eq!(find("key"), just(&[1, 2, 3]));
    assert_eq!(find("access-card"), just(&[]));
}

#[test]
fn words_must_all_match_and_a_minus_excludes() {
    assert_eq!(find("aws ops"), just(&[2]));
    assert_eq!(find("aws -ops"), just(&[1]));
    assert_eq!(find("-aws"), just(&[3]));
    assert_eq!(find(r#""deploy runbook""#), just(&[2]));
    assert_eq!(find(r#""runbook deploy""#), just(&[]));
    assert_eq!(find("pci fin"), just(&[3]));
}

#[test]
fn odd_input_never_errors() {
    let index = index_of(&findings(0..60));
    let long_word = "x".repeat(10_000);
    let long_text = "aws key ".repeat(1_300);
    let many_quotes = "\"".repeat(5_000);
    let many_parens = "((((((((((".repeat(1_000);
    let odd = [
        "",
        " ",
        "\"",
        "\"unclosed phrase",
        "((",
        "))",
        "a:",
        "detector:aws",
        "field:\"x",
        "*",
        "*:*",
        "-",
        "--",
        "- -",
        "-\"\"",
        "AND OR NOT",
        "a^2",
        "/regex/",
        "[1 TO 5]",
        "{}",
        "\\",
        "\0",
        "\u{202e}evil",
        "🔑🔑",
        "密码 キー",
        "e\u{301}",
        "\u{ffff}",
        long_word.as_str(),
        long_text.as_str(),
        many_quotes.as_str(),
        many_parens.as_str(),
    ];
    for q in odd {
        for sort in SearchSort::ALL {
            let query = SearchQuery {
                q: q.into(),
                sort,
                limit: 10,
                ..SearchQuery::default()
            };
            let page = index.search(&query);
            assert!(
                page.is_ok(),
                "{:?} {sort:?}: {page:?}",
                &q[..q.len().min(20)]
            );
        }
    }
    // Nothing searchable in it: nothing found, rather than everything.
    for q in ["((", "\"", "*:*", "-", "🔑", "\0"] {
        assert_eq!(
            index.search(&query(q)).unwrap().total_hits,
            Some(0),
            "{q:?}"
        );
    }
    assert_eq!(index.search(&query("")).unwrap().total_hits, Some(60));
}

fn filtered(filters: SearchFilters) -> SearchQuery {
    SearchQuery {
        filters,
        ..query("")
    }
}

#[test]
fn each_filter_keeps_exactly_its_matches() {
    let all = findings(0..120);
    let index = index_of(&all);
    let expect = |keep: &dyn Fn(&IndexedFinding) -> bool| {
        sorted_ids(
            all.iter()
                .filter(|f| keep(f))
                .map(|f| f.id.clone())
                .collect(),
        )
    };
    let check = |filters: SearchFilters, keep: &dyn Fn(&IndexedFinding) -> bool| {
        let got = sorted_ids(ids(&index, &filtered(filters.clone())));
        let want = expect(keep);
        assert!(
            !want.is_empty(),
            "{filters:?} keeps nothing in the test data"
        );
        assert_eq!(got, want, "{filters:?}");
    };
    let none = SearchFilters::default;
    check(
        SearchFilters {
            space_key: Some("OPS".into()),
            ..none()
        },
        &|f| f.space_key == "OPS",
    );
    check(
        SearchFilters {
            page_id: Some("1003".into()),
            ..none()
        },
        &|f| f.page_id == "1003",
    );
    check(
        SearchFilters {
            content_type: Some("attachment".into()),
            ..none()
        },
        &|f| f.content_type == "attachment",
    );
    check(
        SearchFilters {
            detector: Some("aws-access-key".into()),
            ..none()
        },
        // Exact: not aws-access-key-id.
        &|f| f.detector == "aws-access-key",
    );
    check(
        SearchFilters {
            category: Some("pci".into()),
            ..none()
        },
        &|f| f.category == "pci",
    );
    check(
        SearchFilters {
            status: Some("false_positive".into()),
            ..none()
        },
        &|f| f.status == "false_positive",
    );
    let rank = |s: &str| {
        ["low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
    };
    check(
        SearchFilters {
            min_severity: Some("high".into()),
            ..none()
        },
        &|f| rank(&f.severity) >= Some(2),
    );
    check(
        SearchFilters {
            min_confidence: Some(0.8),
            ..none()
        },
        &|f| f.confidence >= 0.8,
    );
    let t0 = 1_700_000_000_000 + 5 * 60_000;
    let t1 = 1_700_000_000_000 + 9 * 60_000;
    check(
        SearchFilters {
            first_seen_after_ms: Some(t0),
            ..none()
        },
        &|f| f.first_seen_ms >= t0,
    );
    check(
        SearchFilters {
            first_seen_before_ms: Some(t1),
            ..none()
        },
        &|f| f.first_seen_ms < t1,
    );
    check(
        SearchFilters {
            space_key: Some("ENG".into()),
            status: Some("open".into()),
            min_severity: Some("medium".into()),
            first_seen_after_ms: Some(t0),
            first_seen_before_ms: Some(t1 + 10 * 60_000),
            ..none()
        },
        &|f| {
            f.space_key == "ENG"
                && f.status == "open"
                && rank(&f.severity) >= Some(1)
                && f.first_seen_ms >= t0
                && f.first_seen_ms < t1 + 10 * 60_000
        },
    );
}

#[test]
fn filters_and_text_combine() {
    let all = findings(0..120);
    let index = index_of(&all);
    let query = SearchQuery {
        filters: SearchFilters {
            status: Some("open".into()),
            ..SearchFilters::default()
        },
        ..query("customers")
    };
    let want: Vec<String> = all
        .iter()
        .filter(|f| f.status == "open" && f.path.is_some())
        .map(|f| f.id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(sorted_ids(ids(&index, &query)), sorted_ids(want));
}

#[test]
fn filter_values_that_mean_nothing_are_errors_or_match_nothing() {
    let index = index_of(&findings(0..20));
    let bad_severity = filtered(SearchFilters {
        min_severity: Some("urgent".into()),
        ..SearchFilters::default()
    });
    assert!(matches!(
        index.search(&bad_severity),
        Err(SearchError::InvalidFilter(_))
    ));
    // Even when the text can match nothing.
    let bad_with_nothing = SearchQuery {
        q: "((".into(),
        ..bad_severity
    };
    assert!(matches!(
        index.search(&bad_with_nothing),
        Err(SearchError::InvalidFilter(_))
    ));
    let nan = filtered(SearchFilters {
        min_confidence: Some(f64::NAN),
        ..SearchFilters::default()
    });
    assert!(matches!(
        index.search(&nan),
        Err(SearchError::InvalidFilter(_))
    ));
    // An unknown exact value is simply not there; an empty range is empty.
    let unknown = filtered(SearchFilters {
        status: Some("deleted".into()),
        ..SearchFilters::default()
    });
    assert_eq!(index.search(&unknown).unwrap().total_hits, Some(0));
    let inverted = filtered(SearchFilters {
        first_seen_after_ms: Some(i64::MAX),
        first_seen_before_ms: Some(i64::MIN),
        ..SearchFilters::default()
    });
    assert_eq!(index.search(&inverted).unwrap().total_hits, Some(0));
}

#[test]
fn limit_zero_counts_and_a_large_limit_is_clamped() {
    let index = index_of(&findings(0..1_200));
    let count = index
        .search(&SearchQuery {
            limit: 0,
            ..query("akia")
        })
        .unwrap();
    assert!(count.ids.is_empty());
    assert_eq!(count.next_cursor, None);
    assert_eq!(count.total_hits, Some(1_200));

    let big = index
        .search(&SearchQuery {
            limit: usize::MAX,
            ..query("")
        })
        .unwrap();
    assert_eq!(big.ids.len(), MAX_LIMIT);
    assert!(big.next_cursor.is_some());
}
