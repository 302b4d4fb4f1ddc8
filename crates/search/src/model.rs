//! The types the API hands in and gets back. Plain data, no tantivy types.

/// One document of the index: a finding's metadata and masked preview, never a raw value.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedFinding {
    /// The finding's stable id: 32 lowercase hex characters. The index is keyed by it.
    pub id: String,
    /// The change sequence of this state of the finding; higher is newer.
    pub seq: i64,
    pub detector: String,
    /// `secret`, `pii`, `pci` or `phi`.
    pub category: String,
    /// `low`, `medium`, `high` or `critical`; anything else ranks below `low`.
    pub severity: String,
    /// `open`, `resolved`, `false_positive` or `accepted_risk`.
    pub status: String,
    /// `page`, `blogpost`, `comment`, `attachment` or `file`.
    pub content_type: String,
    pub space_key: String,
    pub page_id: String,
    pub page_title: Option<String>,
    pub attachment_title: Option<String>,
    pub path: Option<String>,
    /// The masked preview (`AKIA************MPLE`).
    pub masked: String,
    pub confidence: f64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

/// A search: the user's text, exact filters, an order, and where the previous page ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// The user's search text (see the crate docs for what it understands). Blank matches
    /// every finding the filters let through.
    pub q: String,
    pub filters: SearchFilters,
    pub sort: SearchSort,
    /// Ids per page, at most [`MAX_LIMIT`](crate::MAX_LIMIT) (more is clamped). 0 returns no
    /// ids, only `total_hits`.
    pub limit: usize,
    /// `next_cursor` of the previous page, for the same `q`, filters and sort.
    pub cursor: Option<String>,
}

/// Exact-match filters; each one set narrows the result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilters {
    pub space_key: Option<String>,
    pub page_id: Option<String>,
    pub content_type: Option<String>,
    pub detector: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    /// `low`, `medium`, `high` or `critical`: that severity and above. Anything else is
    /// [`SearchError::InvalidFilter`](crate::SearchError::InvalidFilter).
    pub min_severity: Option<String>,
    /// Confidence at or above this (NaN is an invalid filter).
    pub min_confidence: Option<f64>,
    /// First seen at or after this time (unix ms, inclusive).
    pub first_seen_after_ms: Option<i64>,
    /// First seen before this time (unix ms, exclusive).
    pub first_seen_before_ms: Option<i64>,
}

/// The order of a result. Ties are broken by ascending id, in every order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SearchSort {
    /// Best match first. With a blank `q` every finding scores the same, so this is id order.
    #[default]
    Relevance,
    FirstSeenAsc,
    FirstSeenDesc,
    LastSeenAsc,
    LastSeenDesc,
    SeverityDesc,
    SeverityAsc,
}

impl SearchSort {
    pub const ALL: [SearchSort; 7] = [
        SearchSort::Relevance,
        SearchSort::FirstSeenAsc,
        SearchSort::FirstSeenDesc,
        SearchSort::LastSeenAsc,
        SearchSort::LastSeenDesc,
        SearchSort::SeverityDesc,
        SearchSort::SeverityAsc,
    ];

    /// The name the API can accept in `sort=` (`first_seen_desc`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::FirstSeenAsc => "first_seen_asc",
            SearchSort::FirstSeenDesc => "first_seen_desc",
            SearchSort::LastSeenAsc => "last_seen_asc",
            SearchSort::LastSeenDesc => "last_seen_desc",
            SearchSort::SeverityDesc => "severity_desc",
            SearchSort::SeverityAsc => "severity_asc",
        }
    }

    /// The inverse of [`SearchSort::as_str`].
    pub fn parse(name: &str) -> Option<SearchSort> {
        SearchSort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == name)
    }
}

/// One page of a result: ids in order, for the caller to load from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchPage {
    pub ids: Vec<String>,
    /// Set when more ids follow; pass it back as [`SearchQuery::cursor`].
    pub next_cursor: Option<String>,
    /// How many findings match the query and filters, over all pages. Always counted today;
    /// an `Option` so that a future pruning collector may skip counting.
    pub total_hits: Option<usize>,
}
