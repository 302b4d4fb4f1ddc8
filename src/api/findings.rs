//! `GET /api/v1/findings`, `/findings/summary` and `/findings/{id}` (scope `findings:read`);
//! `PATCH /findings/{id}` (scope `findings:write`).
//!
//! Each item is the finding contract (docs/ARCHITECTURE.md) with its `status`, `first_seen`
//! and `last_seen`. Paging is by cursor over the finding id: `next_cursor` is opaque to the
//! caller (base64url of a version tag and the last id), so the scheme can change without
//! breaking clients, and a page never skips or repeats a finding when others are added.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use dlp_domain::{Category, ContentType, Finding, Severity};
use dlp_store::{FindingFilter, FindingRecord, FindingStatus, FindingSummary, StatusChange};
use serde::{Deserialize, Serialize};

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};

pub const MAX_LIMIT: u32 = 500;
const DEFAULT_LIMIT: u32 = 100;
const CURSOR_TAG: &str = "f1:";

/// The query string of the list and the summary. Every value is a string here and parsed
/// below, so an error names the parameter and the values it takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingsQuery {
    space_key: Option<String>,
    page_id: Option<String>,
    content_type: Option<String>,
    detector: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    confidence_min: Option<f64>,
    first_seen_after: Option<String>,
    first_seen_before: Option<String>,
    scan_id: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// A finding as the API serves it.
#[derive(Debug, Serialize)]
pub struct FindingView {
    #[serde(flatten)]
    pub finding: Finding,
    pub status: FindingStatus,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub last_scan_id: Option<String>,
}

impl From<FindingRecord> for FindingView {
    fn from(r: FindingRecord) -> Self {
        FindingView {
            finding: r.finding,
            status: r.status,
            first_seen: r.first_seen_at,
            last_seen: r.last_seen_at,
            resolved_at: r.resolved_at,
            last_scan_id: r.last_scan_id,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FindingPage {
    pub items: Vec<FindingView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(query): ApiQuery<FindingsQuery>,
) -> Result<Json<FindingPage>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    let limit = match query.limit {
        None => DEFAULT_LIMIT,
        Some(n @ 1..=MAX_LIMIT) => n,
        Some(_) => {
            return Err(ApiError::InvalidInput(format!(
                "limit must be within 1..={MAX_LIMIT}"
            )));
        }
    };
    let mut filter = filter_of(&query)?;
    filter.after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    // One more than asked: whether it comes back tells whether there is a next page.
    filter.limit = limit + 1;
    let mut records = state.app.store.findings(&filter).await?;
    let next_cursor = if records.len() > limit as usize {
        records.truncate(limit as usize);
        records.last().map(|r| encode_cursor(&r.finding.id))
    } else {
        None
    };
    Ok(Json(FindingPage {
        items: records.into_iter().map(FindingView::from).collect(),
        next_cursor,
    }))
}

pub async fn summary(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(query): ApiQuery<FindingsQuery>,
) -> Result<Json<FindingSummary>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    if query.limit.is_some() || query.cursor.is_some() {
        return Err(ApiError::InvalidInput(
            "the summary takes filters only, not limit or cursor".into(),
        ));
    }
    Ok(Json(
        state.app.store.finding_summary(&filter_of(&query)?).await?,
    ))
}

/// The body of `PATCH /findings/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    status: String,
    reason: Option<String>,
}

/// Longest reason kept: it goes into the audit trail.
const MAX_REASON: usize = 1000;

/// `PATCH /api/v1/findings/{id}` (scope `findings:write`): a person's decision, audited with
/// the token's name. A false positive or an accepted risk needs a reason and becomes a
/// suppression by fingerprint, so the next scan does not open the finding again.
pub async fn patch(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<FindingView>, ApiError> {
    caller.require(Scope::FindingsWrite)?;
    let allowed: Vec<&str> = FindingStatus::ALL.iter().map(|s| s.as_str()).collect();
    let status = FindingStatus::parse(&body.status).ok_or_else(|| {
        ApiError::InvalidInput(format!("status must be one of: {}", allowed.join(", ")))
    })?;
    let reason = body
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if status.is_suppression() && reason.is_none() {
        return Err(ApiError::InvalidInput(format!(
            "a reason is required for {status}"
        )));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON)
    {
        return Err(ApiError::InvalidInput(format!(
            "reason is at most {MAX_REASON} characters"
        )));
    }
    if !is_finding_id(&id) {
        return Err(NOT_FOUND);
    }
    let change = StatusChange {
        finding_id: id,
        status,
        reason,
        actor: caller.name,
    };
    let record = state
        .app
        .store
        .set_finding_status(&change)
        .await?
        .ok_or(NOT_FOUND)?;
    Ok(Json(record.into()))
}

const NOT_FOUND: ApiError = ApiError::NotFound("no finding with that id");

/// Ids are 32 hex characters: anything else is no finding, and need not reach the store.
fn is_finding_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn get(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<FindingView>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    if !is_finding_id(&id) {
        return Err(NOT_FOUND);
    }
    let record = state.app.store.finding(&id).await?.ok_or(NOT_FOUND)?;
    Ok(Json(record.into()))
}

fn filter_of(q: &FindingsQuery) -> Result<FindingFilter, ApiError> {
    fn word<T>(
        name: &str,
        value: Option<&str>,
        parse: impl Fn(&str) -> Option<T>,
        allowed: &[&str],
    ) -> Result<Option<T>, ApiError> {
        value
            .map(|v| {
                parse(v).ok_or_else(|| {
                    ApiError::InvalidInput(format!("{name} must be one of: {}", allowed.join(", ")))
                })
            })
            .transpose()
    }
    let time = |name: &str, value: Option<&str>| -> Result<Option<DateTime<Utc>>, ApiError> {
        value
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        ApiError::InvalidInput(format!(
                            "{name} must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z"
                        ))
                    })
            })
            .transpose()
    };
    if let Some(c) = q.confidence_min
        && !(0.0..=1.0).contains(&c)
    {
        return Err(ApiError::InvalidInput(
            "confidence_min must be within 0..1".into(),
        ));
    }
    Ok(FindingFilter {
        space_key: q.space_key.clone(),
        page_id: q.page_id.clone(),
        detector: q.detector.clone(),
        scan_id: q.scan_id.clone(),
        content_type: word(
            "content_type",
            q.content_type.as_deref(),
            ContentType::parse,
            &ContentType::ALL.map(ContentType::as_str),
        )?,
        category: word(
            "category",
            q.category.as_deref(),
            Category::parse,
            &Category::ALL.map(Category::as_str),
        )?,
        min_severity: word(
            "severity",
            q.severity.as_deref(),
            Severity::parse,
            &Severity::ALL.map(Severity::as_str),
        )?,
        status: word(
            "status",
            q.status.as_deref(),
            FindingStatus::parse,
            &FindingStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
        )?,
        min_confidence: q.confidence_min,
        first_seen_after: time("first_seen_after", q.first_seen_after.as_deref())?,
        first_seen_before: time("first_seen_before", q.first_seen_before.as_deref())?,
        ..FindingFilter::default()
    })
}

fn encode_cursor(last_id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{CURSOR_TAG}{last_id}"))
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ApiError::InvalidCursor)?;
    let id = text
        .strip_prefix(CURSOR_TAG)
        .ok_or(ApiError::InvalidCursor)?;
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ApiError::InvalidCursor);
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_anything_else_is_refused() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(decode_cursor(&encode_cursor(id)).unwrap(), id);
        for bad in [
            "",
            "!!",
            "Zm9v",
            &encode_cursor("' OR 1=1 --"),
            &encode_cursor(&id.to_uppercase()),
        ] {
            assert!(
                matches!(decode_cursor(bad), Err(ApiError::InvalidCursor)),
                "{bad}"
            );
        }
    }

    #[test]
    fn filter_words_are_checked_and_named_in_errors() {
        let q = FindingsQuery {
            severity: Some("bogus".into()),
            ..Default::default()
        };
        let e = filter_of(&q).unwrap_err().to_string();
        assert!(e.contains("severity") && e.contains("critical"), "{e}");
        let q = FindingsQuery {
            first_seen_after: Some("yesterday".into()),
            ..Default::default()
        };
        assert!(filter_of(&q).is_err());
        let q = FindingsQuery {
            severity: Some("high".into()),
            confidence_min: Some(0.9),
            ..Default::default()
        };
        let f = filter_of(&q).unwrap();
        assert_eq!(
            (f.min_severity, f.min_confidence),
            (Some(Severity::High), Some(0.9))
        );
    }
}
