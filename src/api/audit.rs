//! `GET /api/v1/audit` and `GET /audit/export` (scope `audit:read`): the audit trail, oldest
//! first, filtered; the export streams every matching event as JSON Lines, page by page from
//! the store, so its memory stays flat however long the trail.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use dlp_store::{AuditEvent, AuditQuery};
use serde::{Deserialize, Serialize};

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::{ApiError, Refusals};
use super::extract::{ApiQuery, page_limit};

const MAX_LIMIT: u32 = 1000;
const DEFAULT_LIMIT: u32 = 100;
const CURSOR_TAG: &str = "a1:";
/// Events read from the store per step of an export.
const EXPORT_PAGE: u32 = 1000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    scan_id: Option<String>,
    actor: Option<String>,
    /// An action (`finding.status_changed`), or a family by its prefix ending in a dot
    /// (`scan.`).
    action: Option<String>,
    subject: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

fn query_of(p: &AuditParams) -> Result<AuditQuery, ApiError> {
    let time = |name: &str, v: Option<&str>| -> Result<Option<i64>, ApiError> {
        v.map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc).timestamp_millis())
                .map_err(|_| {
                    ApiError::InvalidInput(format!(
                        "{name} must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z"
                    ))
                })
        })
        .transpose()
    };
    for (name, value) in [
        ("scan_id", &p.scan_id),
        ("actor", &p.actor),
        ("action", &p.action),
        ("subject", &p.subject),
    ] {
        if value.as_ref().is_some_and(|v| v.len() > 1024) {
            return Err(ApiError::InvalidInput(format!(
                "{name} is at most 1024 bytes"
            )));
        }
    }
    Ok(AuditQuery {
        scan_id: p.scan_id.clone(),
        actor: p.actor.clone(),
        action: p.action.clone(),
        subject: p.subject.clone(),
        since: time("since", p.since.as_deref())?,
        until: time("until", p.until.as_deref())?,
        after_id: p.cursor.as_deref().map(decode_cursor).transpose()?,
        limit: 0,
    })
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, description = "Audit events, oldest first", body = AuditPage),
        Refusals,
    ),
    security(("bearer" = ["audit:read"])))]
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    caller.require(Scope::AuditRead)?;
    let limit = page_limit(params.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let mut query = query_of(&params)?;
    query.limit = limit;
    let items = state.app.store.audit_events(&query).await?;
    // A full page may have a next one; the cursor is the last id, so a page never repeats or
    // skips an event.
    let next_cursor = (items.len() == limit as usize)
        .then(|| items.last().map(|e| encode_cursor(e.id)))
        .flatten();
    Ok(Json(AuditPage { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, description = "Every matching event, one JSON object (an AuditEvent) a line",
         content_type = "application/x-ndjson", body = String),
        Refusals,
    ),
    security(("bearer" = ["audit:read"])))]
pub async fn export(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Response, ApiError> {
    caller.require(Scope::AuditRead)?;
    if params.limit.is_some() {
        return Err(ApiError::InvalidInput(
            "the export takes filters and a cursor, not a limit".into(),
        ));
    }
    let mut query = query_of(&params)?;
    query.limit = EXPORT_PAGE;
    let store = state.app.store.clone();
    let pages = futures::stream::try_unfold(Some(query), move |next| {
        let store = store.clone();
        async move {
            let Some(query) = next else {
                return Ok(None);
            };
            let events = store.audit_events(&query).await.map_err(|e| {
                tracing::error!(error = %e, "the audit export stopped: the store failed");
                std::io::Error::other("the audit export stopped")
            })?;
            let mut chunk = Vec::with_capacity(events.len() * 256);
            for event in &events {
                serde_json::to_writer(&mut chunk, event).map_err(std::io::Error::other)?;
                chunk.push(b'\n');
            }
            let next = (events.len() == EXPORT_PAGE as usize).then(|| AuditQuery {
                after_id: events.last().map(|e| e.id),
                ..query
            });
            Ok::<_, std::io::Error>(Some((chunk, next)))
        }
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(pages),
    )
        .into_response())
}

fn encode_cursor(last_id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{CURSOR_TAG}{last_id}"))
}

fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ApiError::InvalidCursor)?;
    text.strip_prefix(CURSOR_TAG)
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id >= 0)
        .ok_or(ApiError::InvalidCursor)
}
