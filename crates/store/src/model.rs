//! The values the store takes and gives back. Statuses are stored as the lowercase words of
//! their `as_str`, which the migrations' CHECK constraints list.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use dlp_domain::{Category, ContentRef, ContentType, Finding, HistoryDepth, Severity};

use super::StoreError;

/// Declares a status enum spelled in the database and in JSON by the same words.
macro_rules! stored_words {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn parse(word: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == word)
            }
        }

        // By hand: the derive does not see serde's renames through this macro's tokens.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_words! {
    /// Where a remediation stands. `planned` waits for a decision (or, for a dry run, stays
    /// there: it is only shown); `approved` waits for a worker (and its `not_before`);
    /// `done` was written and awaits verification; `verified` is done and re-scanned clean.
    /// `undoing` waits for a worker to take the change back.
    RemediationState {
        Planned = "planned",
        Approved = "approved",
        Rejected = "rejected",
        Running = "running",
        Done = "done",
        Verified = "verified",
        Failed = "failed",
        Undoing = "undoing",
        Undone = "undone",
    }
}

stored_words! {
    /// What a scan walks: a Confluence space, or local paths (`confluence-dlp scan PATH`).
    ScanKind { Space = "space", Paths = "paths" }
}

stored_words! {
    /// `Incremental` looks only at content modified since the space's last completed scan.
    /// `Event` is the few items a webhook named: never a baseline for the next incremental
    /// scan, and never in the way of a scan of the whole space.
    ScanMode { Full = "full", Incremental = "incremental", Event = "event" }
}

stored_words! {
    ScanStatus { Running = "running", Completed = "completed", Failed = "failed", Cancelled = "cancelled" }
}

stored_words! {
    /// Where one job of a scan stands. `Queued` until the job records its outcome.
    ItemStatus {
        Queued = "queued",
        Done = "done",
        Failed = "failed",
        NotExtracted = "not_extracted",
        Unchanged = "unchanged",
    }
}

stored_words! {
    /// `Resolved` when a later classification of the same item no longer finds the value (or a
    /// person says it is fixed). `FalsePositive` and `AcceptedRisk` are a person's decisions,
    /// which re-scans keep (see `Store::set_finding_status`).
    FindingStatus {
        Open = "open",
        Resolved = "resolved",
        FalsePositive = "false_positive",
        AcceptedRisk = "accepted_risk",
    }
}

impl FindingStatus {
    /// A person's decision that the value stays where it is: suppressed by fingerprint.
    pub fn is_suppression(self) -> bool {
        matches!(
            self,
            FindingStatus::FalsePositive | FindingStatus::AcceptedRisk
        )
    }
}

/// A scan about to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScan {
    pub kind: ScanKind,
    /// The Confluence site (base URL) for a space scan; `None` for local paths.
    pub site: Option<String>,
    pub space_key: Option<String>,
    /// Who started it (a user, `cli`, `scheduler`, `webhook`), for the audit trail.
    pub actor: String,
    pub mode: ScanMode,
    /// A scan of every space the credentials can read: the parent of one scan per space.
    pub all_spaces: bool,
    pub parent_id: Option<String>,
    /// For an incremental scan: content modified after this instant.
    pub since: Option<DateTime<Utc>>,
    /// The rule pack that classifies it.
    pub rules_digest: Option<String>,
    /// How far back the crawl reads the older versions of pages and blog posts; `None` for
    /// current content only.
    pub history: Option<HistoryDepth>,
}

impl Default for NewScan {
    fn default() -> Self {
        NewScan {
            kind: ScanKind::Space,
            site: None,
            space_key: None,
            actor: String::new(),
            mode: ScanMode::Full,
            all_spaces: false,
            parent_id: None,
            since: None,
            rules_digest: None,
            history: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanRecord {
    pub id: String,
    pub kind: ScanKind,
    pub site: Option<String>,
    pub space_key: Option<String>,
    pub actor: String,
    pub status: ScanStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub mode: ScanMode,
    pub all_spaces: bool,
    pub parent_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub rules_digest: Option<String>,
    /// How far back older versions of pages and blog posts are read: a number of versions
    /// before the current one, or `all`; absent for current content only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryDepth>,
    /// Why the scan failed (a safe message).
    pub error: Option<String>,
}

/// Which scans to list, newest first. Pass the last scan of a page as `before` for the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanQuery {
    pub status: Option<ScanStatus>,
    pub space_key: Option<String>,
    /// The scans of one space of an all-spaces scan.
    pub parent_id: Option<String>,
    /// Only scans that are no one's child (what a person started or a schedule ran).
    pub top_level: bool,
    /// `(started_at in ms, id)` of the last scan of the previous page.
    pub before: Option<(i64, String)>,
    /// Clamped to 1..=500.
    pub limit: u32,
}

/// A scan and its counts, all read from the scan's job rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanProgress {
    pub scan: ScanRecord,
    /// Jobs enqueued (distinct item keys).
    pub total: u64,
    pub queued: u64,
    pub done: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub not_extracted: u64,
    /// Open findings in the content items the scan covered so far.
    pub open_findings: u64,
    /// Confluence requests the scan's jobs made (retries included).
    pub api_requests: u64,
}

impl ScanProgress {
    /// Jobs that reached an outcome, whatever it was.
    pub fn finished(&self) -> u64 {
        self.total - self.queued
    }
}

/// How one job of a scan ended. Sets the job's row in the scan and the audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// The content was fetched and classified (some of its items may have been unchanged).
    Classified,
    /// Nothing to classify: every item was current.
    Unchanged,
    /// The job failed; `error` is a safe message (no content) and the job may be retried.
    Failed { error: String },
    /// The content could not be turned into text (a limit, an unsupported format).
    NotExtracted { reason: String },
}

impl JobOutcome {
    pub fn item_status(&self) -> ItemStatus {
        match self {
            JobOutcome::Classified => ItemStatus::Done,
            JobOutcome::Unchanged => ItemStatus::Unchanged,
            JobOutcome::Failed { .. } => ItemStatus::Failed,
            JobOutcome::NotExtracted { .. } => ItemStatus::NotExtracted,
        }
    }

    pub(crate) fn message(&self) -> Option<&str> {
        match self {
            JobOutcome::Failed { error } => Some(error),
            JobOutcome::NotExtracted { reason } => Some(reason),
            JobOutcome::Classified | JobOutcome::Unchanged => None,
        }
    }
}

/// What a job learnt about one content item (a page body, one comment, one attachment).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    pub item: ContentRef,
    /// The version classified, when the content has versions.
    pub version: Option<u32>,
    /// The digest of the rule pack that classified it.
    pub rules_digest: String,
    pub verdict: ItemVerdict,
}

/// Whether an item was classified this time, or skipped as current.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemVerdict {
    /// Everything found in the item: this list replaces the item's open findings, so a
    /// value missing from it is resolved.
    Classified(Vec<Finding>),
    /// The item's version and rule set were already classified ([`Store::is_current`]):
    /// its findings stay as they are, and the scan counts the item as covered.
    ///
    /// [`Store::is_current`]: super::Store::is_current
    Unchanged,
}

impl ItemResult {
    pub fn classified(
        item: ContentRef,
        version: Option<u32>,
        rules_digest: &str,
        findings: Vec<Finding>,
    ) -> Self {
        ItemResult {
            item,
            version,
            rules_digest: rules_digest.to_owned(),
            verdict: ItemVerdict::Classified(findings),
        }
    }

    pub fn unchanged(item: ContentRef, version: Option<u32>, rules_digest: &str) -> Self {
        ItemResult {
            item,
            version,
            rules_digest: rules_digest.to_owned(),
            verdict: ItemVerdict::Unchanged,
        }
    }
}

/// What [`Store::record_job`](super::Store::record_job) changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    /// Findings seen for the first time.
    pub opened: u32,
    /// Resolved findings found again.
    pub reopened: u32,
    /// Open findings no longer found in their item.
    pub resolved: u32,
    /// Items classified and recorded.
    pub classified_items: u32,
    /// Items skipped: unchanged, or older than what was already recorded (a late retry).
    pub skipped_items: u32,
}

/// One job row of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanItemRow {
    pub item_key: String,
    pub label: String,
    pub status: ItemStatus,
    pub error: Option<String>,
    pub attempts: u32,
    pub updated_at: DateTime<Utc>,
}

/// A finding as stored: the contract's `Finding` and its lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRecord {
    #[serde(flatten)]
    pub finding: Finding,
    pub status: FindingStatus,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub last_scan_id: Option<String>,
    /// The title of the page (or blog post) the finding is on, as the crawler last saw it.
    pub page_title: Option<String>,
    /// Where a person opens that page on the site (Confluence's `_links.webui`).
    pub web_link: Option<String>,
    /// For a finding in a page's older versions (content type history): whether its value
    /// is gone from the page's current body, i.e. the page has no open finding of the same
    /// rule and value. Read with the finding, so it is right whatever was scanned last.
    /// Always false for other findings.
    pub in_history_only: bool,
}

/// Which findings to list; every field narrows. Pages are ordered by finding id: pass the
/// last id of a page as `after` to get the next.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingFilter {
    pub space_key: Option<String>,
    pub status: Option<FindingStatus>,
    pub category: Option<Category>,
    pub detector: Option<String>,
    /// The page (or blog post) itself, its comments and its attachments.
    pub page_id: Option<String>,
    pub content_type: Option<ContentType>,
    /// This severity and those above it.
    pub min_severity: Option<Severity>,
    /// Findings with at least this confidence.
    pub min_confidence: Option<f64>,
    /// First seen strictly after this instant.
    pub first_seen_after: Option<DateTime<Utc>>,
    /// First seen strictly before this instant.
    pub first_seen_before: Option<DateTime<Utc>>,
    /// Findings in the content items this scan covered (as `Store::scan_findings`, whatever
    /// their status).
    pub scan_id: Option<String>,
    pub sort: FindingSort,
    /// The id of the last finding of the previous page.
    pub after: Option<String>,
    /// The sort key of that finding (milliseconds, or the severity's rank 1-4), for every
    /// order but by id.
    pub after_key: Option<i64>,
    /// Clamped to 1..=[`FindingFilter::MAX_LIMIT`].
    pub limit: u32,
}

/// The orders findings can be listed in; ties are broken by id, in the same direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FindingSort {
    #[default]
    Id,
    FirstSeenAsc,
    FirstSeenDesc,
    LastSeenAsc,
    LastSeenDesc,
    SeverityAsc,
    SeverityDesc,
}

impl FindingSort {
    /// The SQL of the sort key; `None` for the order by id. Fixed text, never input.
    pub(crate) fn key_sql(self) -> Option<&'static str> {
        match self {
            FindingSort::Id => None,
            FindingSort::FirstSeenAsc | FindingSort::FirstSeenDesc => Some("f.first_seen_at"),
            FindingSort::LastSeenAsc | FindingSort::LastSeenDesc => Some("f.last_seen_at"),
            FindingSort::SeverityAsc | FindingSort::SeverityDesc => Some("f.severity_rank"),
        }
    }

    pub(crate) fn is_descending(self) -> bool {
        matches!(
            self,
            FindingSort::FirstSeenDesc | FindingSort::LastSeenDesc | FindingSort::SeverityDesc
        )
    }

    /// The key of a finding in this order, as `after_key` takes it.
    pub fn key_of(self, record: &FindingRecord) -> Option<i64> {
        match self {
            FindingSort::Id => None,
            FindingSort::FirstSeenAsc | FindingSort::FirstSeenDesc => {
                Some(record.first_seen_at.timestamp_millis())
            }
            FindingSort::LastSeenAsc | FindingSort::LastSeenDesc => {
                Some(record.last_seen_at.timestamp_millis())
            }
            FindingSort::SeverityAsc | FindingSort::SeverityDesc => {
                Some(severity_rank(record.finding.severity))
            }
        }
    }
}

/// 1 (low) to 4 (critical), as the store sorts them.
pub fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

impl FindingFilter {
    pub const MAX_LIMIT: u32 = 1000;
}

impl Default for FindingFilter {
    fn default() -> Self {
        FindingFilter {
            space_key: None,
            status: None,
            category: None,
            detector: None,
            page_id: None,
            content_type: None,
            min_severity: None,
            min_confidence: None,
            first_seen_after: None,
            first_seen_before: None,
            scan_id: None,
            sort: FindingSort::Id,
            after: None,
            after_key: None,
            limit: 100,
        }
    }
}

/// How many findings match a filter, in all and by category, severity, space, detector and
/// status (the maps hold only values that occur, in their order as words).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingSummary {
    pub total: u64,
    pub by_category: BTreeMap<String, u64>,
    pub by_severity: BTreeMap<String, u64>,
    pub by_space: BTreeMap<String, u64>,
    pub by_detector: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
}

/// An audit event to write. `detail` is JSON of ids, counts and safe messages only.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub actor: String,
    pub action: String,
    pub scan_id: Option<String>,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub scan_id: Option<String>,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
}

/// Which audit events to read, oldest first: pass the last id seen as `after_id` to page on
/// (an export reads the whole trail this way).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub scan_id: Option<String>,
    pub actor: Option<String>,
    /// An action (`finding.status_changed`) or a family of them by prefix (`scan.`).
    pub action: Option<String>,
    /// The finding, job item or space the event is about.
    pub subject: Option<String>,
    /// Events at or after this instant (ms).
    pub since: Option<i64>,
    /// Events before this instant (ms).
    pub until: Option<i64>,
    pub after_id: Option<i64>,
    /// Clamped to 1..=1000; 0 means 100.
    pub limit: u32,
}

/// Unix milliseconds, the store's clock (portable across both databases).
pub(crate) fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

pub(crate) fn from_millis(ms: i64, column: &'static str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or(StoreError::Corrupt { column })
}

pub(crate) fn parse_word<T>(
    word: &str,
    parse: fn(&str) -> Option<T>,
    column: &'static str,
) -> Result<T, StoreError> {
    parse(word).ok_or(StoreError::Corrupt { column })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_words() {
        for s in ItemStatus::ALL {
            assert_eq!(ItemStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(ItemStatus::NotExtracted.as_str(), "not_extracted");
        assert_eq!(ScanStatus::parse("cancelled"), Some(ScanStatus::Cancelled));
        assert_eq!(FindingStatus::parse("closed"), None);
        assert_eq!(ScanKind::Paths.to_string(), "paths");
    }

    #[test]
    fn outcomes_map_to_job_statuses_and_keep_their_message() {
        let failed = JobOutcome::Failed {
            error: "HTTP 503 from Confluence".into(),
        };
        assert_eq!(failed.item_status(), ItemStatus::Failed);
        assert_eq!(failed.message(), Some("HTTP 503 from Confluence"));
        assert_eq!(JobOutcome::Unchanged.item_status(), ItemStatus::Unchanged);
        assert_eq!(JobOutcome::Classified.message(), None);
    }

    #[test]
    fn millis_out_of_range_is_reported_as_corrupt() {
        assert!(from_millis(0, "x").is_ok());
        assert!(matches!(
            from_millis(i64::MAX, "x"),
            Err(StoreError::Corrupt { column: "x" })
        ));
    }
}
