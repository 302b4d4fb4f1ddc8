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
use chrono::{DateTime, Utc};
use dlp_domain::{Exposure, Finding, Severity};
use dlp_search::{SearchFilters, SearchQuery, SearchSort};
use dlp_store::{FindingRecord, FindingSort, FindingStatus, FindingSummary, StatusChange};
use serde::{Deserialize, Serialize};

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::{ApiError, ErrorBody, Refusals};
use super::extract::{ApiJson, ApiQuery, page_limit};

pub const MAX_LIMIT: u32 = 500;
const DEFAULT_LIMIT: u32 = 100;
const CURSOR_TAG: &str = "f2:";

/// The query string of the list and the summary. Every value is a string here and parsed
/// below, so an error names the parameter and the values it takes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    /// Full-text search over detector, category, severity, space key, page and attachment
    /// title, path, masked preview and status (this process's search index).
    q: Option<String>,
    /// `first_seen`, `last_seen` or `severity`, ascending; `-` before it for descending.
    /// By id when absent (by relevance with `q`).
    sort: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// A finding as the API serves it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// `severity` is raised by the page's exposure (a secret anonymous users can read is
    /// critical); `detected_severity` is the engine's.
    #[serde(flatten)]
    pub finding: Finding,
    pub detected_severity: Severity,
    /// Who can read the page: `public`, `site`, `space` or `restricted`; `null` until the
    /// page's permissions have been read.
    pub exposure: Option<Exposure>,
    pub status: FindingStatus,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub last_scan_id: Option<String>,
    /// The title of the page the finding is on, and its link on the site.
    pub page_title: Option<String>,
    pub web_link: Option<String>,
    /// For a finding in a page's older versions (`location.content_type` history, its
    /// `page_version` the newest older version holding the value): true when the value is
    /// gone from the page's current body (no open finding of the same detector and value
    /// there), so only purging history removes it. Always false for other findings.
    pub in_history_only: bool,
}

impl FindingView {
    /// The finding as served: with who can read its page, and its severity raised by that
    /// (`detected_severity` keeps the engine's).
    pub fn new(r: FindingRecord, exposure: Option<Exposure>) -> Self {
        let mut finding = r.finding;
        let detected_severity = finding.severity;
        if let Some(e) = exposure {
            finding.severity = e.raise(finding.severity, finding.category);
        }
        FindingView {
            finding,
            detected_severity,
            exposure,
            status: r.status,
            first_seen: r.first_seen_at,
            last_seen: r.last_seen_at,
            resolved_at: r.resolved_at,
            last_scan_id: r.last_scan_id,
            page_title: r.page_title,
            web_link: r.web_link,
            in_history_only: r.in_history_only,
        }
    }
}

/// Findings as served, with their pages' exposure (one store call for all of them).
pub async fn views(
    store: &dlp_store::Store,
    records: Vec<FindingRecord>,
) -> Result<Vec<FindingView>, ApiError> {
    let pages: Vec<&str> = records
        .iter()
        .map(|r| r.finding.location.page_id.as_str())
        .collect();
    let exposures = store.page_exposures(&pages).await?;
    Ok(records
        .into_iter()
        .map(|r| {
            let e = exposures
                .get(&r.finding.location.page_id)
                .map(|e| e.exposure);
            FindingView::new(r, e)
        })
        .collect())
}

/// `GET /findings/{id}`: the finding and its history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingDetail {
    #[serde(flatten)]
    pub view: FindingView,
    pub history: FindingHistory,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingHistory {
    /// Its lifecycle, oldest first: opened, resolved, reopened, and people's status changes
    /// with who made them and why.
    pub events: Vec<dlp_store::AuditEvent>,
    /// The scans that covered its item, newest first (at most [`HISTORY_SCANS`]).
    pub scans: Vec<SeenBy>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeenBy {
    pub scan_id: String,
    pub status: dlp_store::ScanStatus,
    pub actor: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const HISTORY_EVENTS: u32 = 500;
const HISTORY_SCANS: u32 = 100;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingPage {
    pub items: Vec<FindingView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/findings", tag = "findings",
    params(FindingsQuery),
    responses(
        (status = 200, description = "A page of findings", body = FindingPage),
        Refusals,
    ),
    security(("bearer" = ["findings:read"])))]
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(query): ApiQuery<FindingsQuery>,
) -> Result<Json<FindingPage>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    let limit = page_limit(query.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    if let Some(q) = query.q.as_deref() {
        return search(&state, &query, q, limit).await.map(Json);
    }
    let mut filter = filter_of(&query)?;
    filter.sort = sort_of(query.sort.as_deref())?;
    if let Some(cursor) = query.cursor.as_deref() {
        let (key, id) = decode_cursor(cursor, filter.sort)?;
        (filter.after_key, filter.after) = (key, Some(id));
    }
    // One more than asked: whether it comes back tells whether there is a next page.
    filter.limit = limit + 1;
    let mut records = state.app.store.findings(&filter).await?;
    let next_cursor = if records.len() > limit as usize {
        records.truncate(limit as usize);
        records.last().map(|r| encode_cursor(filter.sort, r))
    } else {
        None
    };
    Ok(Json(FindingPage {
        items: views(&state.app.store, records).await?,
        next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/findings/summary", tag = "findings",
    params(FindingsQuery),
    responses(
        (status = 200, description = "Counts of the matching findings", body = SummaryView),
        Refusals,
    ),
    security(("bearer" = ["findings:read"])))]
pub async fn summary(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(query): ApiQuery<FindingsQuery>,
) -> Result<Json<SummaryView>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    if query.limit.is_some() || query.cursor.is_some() || query.sort.is_some() || query.q.is_some()
    {
        return Err(ApiError::InvalidInput(
            "the summary takes filters only, not q, limit, cursor or sort".into(),
        ));
    }
    let filter = filter_of(&query)?;
    let store = &state.app.store;
    let summary = store.finding_summary(&filter).await?;
    let by_exposure = store
        .open_findings_by_exposure(filter.space_key.as_deref())
        .await?
        .into_iter()
        .map(|(e, n)| (e.map_or("unknown", Exposure::as_str).to_owned(), n))
        .collect();
    Ok(Json(SummaryView {
        summary,
        by_exposure,
    }))
}

/// The counts, and the open findings by the exposure of their page (in the space filtered
/// on, or in all): `public`, `site`, `space`, `restricted`, or `unknown` until read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SummaryView {
    #[serde(flatten)]
    pub summary: FindingSummary,
    pub by_exposure: std::collections::BTreeMap<String, u64>,
}

/// The body of `PATCH /findings/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
#[utoipa::path(patch, path = "/api/v1/findings/{id}", tag = "findings",
    params(("id" = String, Path, description = "The finding's id (32 hex characters)")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "The finding as it is now", body = FindingView),
        (status = 404, description = "No finding with that id", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["findings:write"])))]
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
    // What redactors are told changes with the triage (a false positive is no longer
    // redacted, a reopened value is again), here and in every item holding the value. The
    // change is in the store already: a cache that cannot be told makes the call fail, and
    // the caller's retry (the same change again) tells it.
    let finding = &record.finding;
    let location = &finding.location;
    let item_id = match location.content_type {
        dlp_domain::ContentType::Comment => location.comment_id.clone(),
        dlp_domain::ContentType::Attachment => location.attachment_id.clone(),
        _ => None,
    }
    .unwrap_or_else(|| location.page_id.clone());
    state
        .app
        .workers
        .cache
        .forget(&[item_id], std::slice::from_ref(&finding.fingerprint))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "a triage could not reach the classification cache");
            ApiError::Unavailable("the classification cache did not take the change; retry".into())
        })?;
    Ok(Json(
        views(&state.app.store, vec![record])
            .await?
            .pop()
            .ok_or(NOT_FOUND)?,
    ))
}

const NOT_FOUND: ApiError = ApiError::NotFound("no finding with that id");

/// Ids are 32 hex characters: anything else is no finding, and need not reach the store.
fn is_finding_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "findings",
    params(("id" = String, Path, description = "The finding's id (32 hex characters)")),
    responses(
        (status = 200, description = "The finding and its history", body = FindingDetail),
        (status = 404, description = "No finding with that id", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["findings:read"])))]
pub async fn get(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<FindingDetail>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    if !is_finding_id(&id) {
        return Err(NOT_FOUND);
    }
    let store = &state.app.store;
    let record = store.finding(&id).await?.ok_or(NOT_FOUND)?;
    let events = store
        .audit_events(&dlp_store::AuditQuery {
            subject: Some(id.clone()),
            action: Some("finding.".into()),
            limit: HISTORY_EVENTS,
            ..Default::default()
        })
        .await?;
    let scans = store
        .scans_of_finding(&id, HISTORY_SCANS)
        .await?
        .into_iter()
        .map(|s| SeenBy {
            scan_id: s.id,
            status: s.status,
            actor: s.actor,
            started_at: s.started_at,
            finished_at: s.finished_at,
        })
        .collect();
    Ok(Json(FindingDetail {
        view: views(store, vec![record]).await?.pop().ok_or(NOT_FOUND)?,
        history: FindingHistory { events, scans },
    }))
}

/// Longest `q` taken: a search string, not a document.
const MAX_Q: usize = 1000;

/// `GET /findings?q=...`: the index finds and orders, the store supplies the findings. The
/// index follows the store within a poll, so a finding changed a moment ago may still be
/// matched by its old state; the item served is always the store's.
async fn search(
    state: &ApiState,
    query: &FindingsQuery,
    q: &str,
    limit: u32,
) -> Result<FindingPage, ApiError> {
    if q.len() > MAX_Q {
        return Err(ApiError::InvalidInput(format!(
            "q is at most {MAX_Q} bytes"
        )));
    }
    if query.scan_id.is_some() {
        return Err(ApiError::InvalidInput(
            "scan_id cannot be combined with q".into(),
        ));
    }
    let f = filter_of(query)?;
    let sort = match query.sort.as_deref() {
        None => SearchSort::Relevance,
        Some(s) => match sort_of(Some(s))? {
            FindingSort::Id => SearchSort::Relevance,
            FindingSort::FirstSeenAsc => SearchSort::FirstSeenAsc,
            FindingSort::FirstSeenDesc => SearchSort::FirstSeenDesc,
            FindingSort::LastSeenAsc => SearchSort::LastSeenAsc,
            FindingSort::LastSeenDesc => SearchSort::LastSeenDesc,
            FindingSort::SeverityAsc => SearchSort::SeverityAsc,
            FindingSort::SeverityDesc => SearchSort::SeverityDesc,
        },
    };
    let search = SearchQuery {
        q: q.to_owned(),
        filters: SearchFilters {
            space_key: f.space_key,
            page_id: f.page_id,
            content_type: f.content_type.map(|c| c.as_str().to_owned()),
            detector: f.detector,
            category: f.category.map(|c| c.as_str().to_owned()),
            status: f.status.map(|s| s.as_str().to_owned()),
            min_severity: f.min_severity.map(|s| s.as_str().to_owned()),
            min_confidence: f.min_confidence,
            first_seen_after_ms: f.first_seen_after.map(|t| t.timestamp_millis() + 1),
            first_seen_before_ms: f.first_seen_before.map(|t| t.timestamp_millis()),
        },
        sort,
        limit: limit as usize,
        cursor: query.cursor.clone(),
    };
    let index = state.search.clone();
    let page = tokio::task::spawn_blocking(move || index.search(&search))
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .map_err(|e| match e {
            dlp_search::SearchError::InvalidCursor => ApiError::InvalidCursor,
            dlp_search::SearchError::InvalidFilter(why) => ApiError::InvalidInput(why.into()),
            other => ApiError::Internal(Box::new(other)),
        })?;
    let records = state.app.store.findings_by_ids(&page.ids).await?;
    Ok(FindingPage {
        items: views(&state.app.store, records).await?,
        next_cursor: page.next_cursor,
    })
}

mod query;
use query::{decode_cursor, encode_cursor, filter_of, sort_of};
