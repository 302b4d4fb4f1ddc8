//! `POST /api/v1/scans` (scope `scans:write`), `GET /scans` and `GET /scans/{id}` (scope
//! `scans:write` or `findings:read`), `POST /scans/{id}/cancel` (scope `scans:write`).
//!
//! Starting a scan only registers it and enqueues its crawl; the answer is 202 with the scan,
//! whose progress the caller then follows. Workers do the rest, in this process (`serve`) or
//! in others (`--role worker`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use dlp_store::{ScanItemRow, ScanMode, ScanProgress, ScanQuery, ScanRecord, ScanStatus};
use serde::{Deserialize, Serialize};

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::{ApiError, ErrorBody, Refusals};
use super::extract::{ApiJson, ApiQuery, page_limit};
use crate::scan::{ScanError, ScanScope, StartError, StartScan, start_scan};

const MAX_LIMIT: u32 = 100;
const DEFAULT_LIMIT: u32 = 20;
const CURSOR_TAG: &str = "s1:";
/// Failed and not-extracted items listed with a scan; the count is always complete.
const MAX_PROBLEMS: usize = 500;

/// The body of `POST /scans`: one space, or all of them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    space_key: Option<String>,
    #[serde(default)]
    all_spaces: bool,
    /// `full` (the default) or `incremental`.
    mode: Option<String>,
    /// Also scan older versions of pages and blog posts: the number of versions before the
    /// current one (a number, or a string of one), or `"all"`. Absent: current content only.
    history: Option<dlp_domain::HistoryDepth>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScanView {
    #[serde(flatten)]
    pub scan: ScanRecord,
    pub progress: ProgressView,
    /// The scans of each space, for a scan of all spaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spaces: Option<Vec<ChildView>>,
    /// Items that failed or could not be extracted, with their reasons (first
    /// [`MAX_PROBLEMS`]; `progress` counts them all). Only on `GET /scans/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<ScanItemRow>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    pub total: u64,
    pub queued: u64,
    pub done: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub not_extracted: u64,
    pub open_findings: u64,
    pub api_requests: u64,
}

impl From<&ScanProgress> for ProgressView {
    fn from(p: &ScanProgress) -> Self {
        ProgressView {
            total: p.total,
            queued: p.queued,
            done: p.done,
            unchanged: p.unchanged,
            failed: p.failed,
            not_extracted: p.not_extracted,
            open_findings: p.open_findings,
            api_requests: p.api_requests,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChildView {
    pub id: String,
    pub space_key: Option<String>,
    pub status: ScanStatus,
    pub mode: ScanMode,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScanPage {
    pub items: Vec<ScanView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    space_key: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn can_read(caller: &Caller) -> Result<(), ApiError> {
    caller
        .require(Scope::ScansWrite)
        .or_else(|_| caller.require(Scope::FindingsRead))
}

#[utoipa::path(post, path = "/api/v1/scans", tag = "scans",
    request_body = StartBody,
    responses(
        (status = 202, description = "The scan, registered and queued", body = ScanView),
        (status = 409, description = "A scan of that scope is already running", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "No Confluence site is configured", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["scans:write"])))]
pub async fn start(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<(StatusCode, Json<ScanView>), ApiError> {
    caller.require(Scope::ScansWrite)?;
    let scope = match (body.space_key, body.all_spaces) {
        (Some(key), false) => ScanScope::Space(space_key(&key)?),
        (None, true) => ScanScope::AllSpaces,
        _ => {
            return Err(ApiError::InvalidInput(
                "give either space_key or \"all_spaces\": true".into(),
            ));
        }
    };
    let mode = match body.mode.as_deref() {
        None => ScanMode::Full,
        Some(m) => ScanMode::parse(m)
            .filter(|m| *m != ScanMode::Event)
            .ok_or_else(|| {
                ApiError::InvalidInput("mode must be one of: full, incremental".into())
            })?,
    };
    let request = StartScan {
        scope,
        mode,
        actor: caller.name,
        history: body.history,
    };
    let scan = start_scan(&state.app, &request)
        .await
        .map_err(|e| match e {
            StartError::AlreadyRunning { .. } => ApiError::Conflict(e.to_string()),
            StartError::Scan(ScanError::Input(why)) => ApiError::Unavailable(why),
            StartError::Scan(other) => ApiError::Internal(Box::new(other)),
        })?;
    let view = view(&state, scan, false).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/scans", tag = "scans",
    params(ListQuery),
    responses(
        (status = 200, description = "Scans, newest first", body = ScanPage),
        Refusals,
    ),
    security(("bearer" = ["scans:write"]), ("bearer" = ["findings:read"])))]
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<ScanPage>, ApiError> {
    can_read(&caller)?;
    let limit = page_limit(query.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            ScanStatus::parse(s).ok_or_else(|| {
                ApiError::InvalidInput(
                    "status must be one of: running, completed, failed, cancelled".into(),
                )
            })
        })
        .transpose()?;
    let store_query = ScanQuery {
        status,
        space_key: query.space_key.as_deref().map(space_key).transpose()?,
        parent_id: None,
        top_level: true,
        before: query.cursor.as_deref().map(decode_cursor).transpose()?,
        limit: limit + 1,
    };
    let mut scans = state.app.store.scans(&store_query).await?;
    let next_cursor = if scans.len() > limit as usize {
        scans.truncate(limit as usize);
        scans.last().map(encode_cursor)
    } else {
        None
    };
    let mut items = Vec::with_capacity(scans.len());
    for scan in scans {
        items.push(view(&state, scan, false).await?);
    }
    Ok(Json(ScanPage { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/scans/{id}", tag = "scans",
    params(("id" = String, Path, description = "The scan's id (a UUID)")),
    responses(
        (status = 200, description = "The scan, its progress and problems", body = ScanView),
        (status = 404, description = "No scan with that id", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["scans:write"]), ("bearer" = ["findings:read"])))]
pub async fn get(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<ScanView>, ApiError> {
    can_read(&caller)?;
    let scan = load(&state, &id).await?;
    Ok(Json(view(&state, scan, true).await?))
}

#[utoipa::path(post, path = "/api/v1/scans/{id}/cancel", tag = "scans",
    params(("id" = String, Path, description = "The scan's id (a UUID)")),
    responses(
        (status = 200, description = "The scan, cancelled", body = ScanView),
        (status = 404, description = "No scan with that id", body = ErrorBody),
        (status = 409, description = "The scan is not running", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["scans:write"])))]
pub async fn cancel(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<ScanView>, ApiError> {
    caller.require(Scope::ScansWrite)?;
    let scan = load(&state, &id).await?;
    if scan.status != ScanStatus::Running {
        return Err(ApiError::Conflict(format!(
            "the scan is not running: it is {}",
            scan.status
        )));
    }
    let scan = state.app.store.cancel_scan(&scan.id, &caller.name).await?;
    Ok(Json(view(&state, scan, true).await?))
}

const NOT_FOUND: ApiError = ApiError::NotFound("no scan with that id");

async fn load(state: &ApiState, id: &str) -> Result<ScanRecord, ApiError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(NOT_FOUND);
    }
    match state.app.store.scan(id).await {
        Ok(scan) => Ok(scan),
        Err(dlp_store::StoreError::UnknownScan { .. }) => Err(NOT_FOUND),
        Err(e) => Err(e.into()),
    }
}

async fn view(state: &ApiState, scan: ScanRecord, detailed: bool) -> Result<ScanView, ApiError> {
    let store = &state.app.store;
    let progress = store.scan_progress(&scan.id).await?;
    let spaces = if scan.all_spaces {
        let children = store
            .scans(&ScanQuery {
                parent_id: Some(scan.id.clone()),
                limit: 500,
                ..ScanQuery::default()
            })
            .await?;
        Some(
            children
                .into_iter()
                .map(|c| ChildView {
                    id: c.id,
                    space_key: c.space_key,
                    status: c.status,
                    mode: c.mode,
                    started_at: c.started_at,
                    finished_at: c.finished_at,
                    error: c.error,
                })
                .collect(),
        )
    } else {
        None
    };
    let problems = if detailed {
        let mut rows = store.scan_item_problems(&scan.id).await?;
        rows.truncate(MAX_PROBLEMS);
        Some(rows)
    } else {
        None
    };
    Ok(ScanView {
        progress: ProgressView::from(&progress),
        scan: progress.scan,
        spaces,
        problems,
    })
}

/// Space keys are short words; anything else is refused before it reaches Confluence.
fn space_key(key: &str) -> Result<String, ApiError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 255 || key.chars().any(|c| c.is_control() || c == '/') {
        return Err(ApiError::InvalidInput(
            "space_key must be a space's key, such as ENG".into(),
        ));
    }
    Ok(key.to_owned())
}

fn encode_cursor(last: &ScanRecord) -> String {
    super::cursor::encode(CURSOR_TAG, last.started_at.timestamp_millis(), &last.id)
}

fn decode_cursor(cursor: &str) -> Result<(i64, String), ApiError> {
    super::cursor::decode(CURSOR_TAG, cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_keys_are_words() {
        assert_eq!(space_key(" ENG ").unwrap(), "ENG");
        for bad in ["", "a/b", "x\u{0}"] {
            assert!(space_key(bad).is_err(), "{bad:?}");
        }
    }
}
