//! `/api/v1/remediations`: what the policies planned, and a person's word on it (scope
//! `remediate` to decide or plan; `findings:read` to look). The work itself is done by the
//! remediation worker (`crate::remediate::worker`), never on the request path.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use dlp_store::{Remediation, RemediationQuery, RemediationState};
use serde::{Deserialize, Serialize};

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::{ApiError, ErrorBody, Refusals};
use super::extract::{ApiJson, ApiQuery, page_limit};
use crate::remediate::lifecycle::{self, DecideError, Decision};
use crate::remediate::plan::{PlanReport, PlanScope};

const CURSOR_TAG: &str = "r1:";

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RemediationsQuery {
    /// planned, approved, rejected, running, done, verified, failed, undoing or undone.
    state: Option<String>,
    page_id: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RemediationPage {
    pub items: Vec<Remediation>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/remediations", tag = "remediations",
    params(RemediationsQuery),
    responses(
        (status = 200, description = "Remediations, newest first", body = RemediationPage),
        Refusals,
    ),
    security(("bearer" = ["findings:read"])))]
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(query): ApiQuery<RemediationsQuery>,
) -> Result<Json<RemediationPage>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    let limit = page_limit(query.limit, 50, 500)?;
    let state_word = query
        .state
        .as_deref()
        .map(|w| {
            RemediationState::parse(w).ok_or_else(|| {
                ApiError::InvalidInput(format!(
                    "state is one of {}",
                    RemediationState::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
        })
        .transpose()?;
    if let Some(page) = &query.page_id
        && (page.is_empty() || page.len() > 64 || !page.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::InvalidInput(
            "page_id is a page's numeric id".into(),
        ));
    }
    let mut items = state
        .app
        .store
        .remediations(&RemediationQuery {
            state: state_word,
            page_id: query.page_id.clone(),
            before: query.cursor.as_deref().map(decode_cursor).transpose()?,
            limit: limit + 1,
        })
        .await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Json(RemediationPage { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/remediations/{id}", tag = "remediations",
    params(("id" = String, Path, description = "The remediation's id")),
    responses(
        (status = 200, description = "The remediation, its plan and its result", body = Remediation),
        (status = 404, description = "No such remediation", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["findings:read"])))]
pub async fn get(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Remediation>, ApiError> {
    caller.require(Scope::FindingsRead)?;
    let id = checked_id(&id)?;
    let found = state.app.store.remediation(id).await?;
    found
        .map(Json)
        .ok_or(ApiError::NotFound("no such remediation"))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Why, for the audit trail (at most 1,000 characters).
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/remediations/{id}/approve", tag = "remediations",
    params(("id" = String, Path, description = "The remediation's id")),
    request_body(content = Option<DecisionBody>),
    responses(
        (status = 200, description = "Approved: a worker carries it out", body = Remediation),
        (status = 404, description = "No such remediation", body = ErrorBody),
        (status = 409, description = "Not planned any more, or a dry run", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["remediate"])))]
pub async fn approve(
    state: State<Arc<ApiState>>,
    caller: Extension<Caller>,
    id: Path<String>,
    body: Bytes,
) -> Result<Json<Remediation>, ApiError> {
    decide(state, caller, id, body, Decision::Approve).await
}

#[utoipa::path(post, path = "/api/v1/remediations/{id}/reject", tag = "remediations",
    params(("id" = String, Path, description = "The remediation's id")),
    request_body(content = Option<DecisionBody>),
    responses(
        (status = 200, description = "Rejected: never carried out, never planned again", body = Remediation),
        (status = 404, description = "No such remediation", body = ErrorBody),
        (status = 409, description = "Already carried out or decided", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["remediate"])))]
pub async fn reject(
    state: State<Arc<ApiState>>,
    caller: Extension<Caller>,
    id: Path<String>,
    body: Bytes,
) -> Result<Json<Remediation>, ApiError> {
    decide(state, caller, id, body, Decision::Reject).await
}

#[utoipa::path(post, path = "/api/v1/remediations/{id}/undo", tag = "remediations",
    params(("id" = String, Path, description = "The remediation's id")),
    request_body(content = Option<DecisionBody>),
    responses(
        (status = 200, description = "A worker takes the change back (state undoing, then undone)", body = Remediation),
        (status = 404, description = "No such remediation", body = ErrorBody),
        (status = 409, description = "Nothing was changed, or Confluence allows no undo", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["remediate"])))]
pub async fn undo(
    state: State<Arc<ApiState>>,
    caller: Extension<Caller>,
    id: Path<String>,
    body: Bytes,
) -> Result<Json<Remediation>, ApiError> {
    decide(state, caller, id, body, Decision::Undo).await
}

async fn decide(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
    decision: Decision,
) -> Result<Json<Remediation>, ApiError> {
    caller.require(Scope::Remediate)?;
    let id = checked_id(&id)?;
    // The body is optional: an empty one is no reason.
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<DecisionBody>(&body)
            .map_err(|e| ApiError::InvalidInput(format!("the body is not a decision: {e}")))?
            .reason
    };
    if reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(ApiError::InvalidInput(
            "reason is at most 1000 characters".into(),
        ));
    }
    let moved = lifecycle::decide(
        &state.app.store,
        id,
        decision,
        &caller.name,
        reason.as_deref(),
    )
    .await
    .map_err(|e| match e {
        DecideError::NotFound => ApiError::NotFound("no such remediation"),
        DecideError::Conflict(why) => ApiError::Conflict(why),
        DecideError::Store(e) => e.into(),
    })?;
    Ok(Json(moved))
}

#[utoipa::path(post, path = "/api/v1/remediations/plan", tag = "remediations",
    request_body = PlanScope,
    responses(
        (status = 200, description = "What the policies planned for the open findings in scope", body = PlanReport),
        (status = 409, description = "No Confluence site is configured", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["remediate"])))]
pub async fn plan(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiJson(scope): ApiJson<PlanScope>,
) -> Result<Json<PlanReport>, ApiError> {
    caller.require(Scope::Remediate)?;
    scope.check().map_err(ApiError::InvalidInput)?;
    let report = crate::remediate::plan::plan(&state.app, &scope, &caller.name)
        .await
        .map_err(|e| match e {
            crate::remediate::plan::PlanError::NoSite => ApiError::Conflict(e.to_string()),
            other => ApiError::Internal(Box::new(other)),
        })?;
    Ok(Json(report))
}

fn checked_id(id: &str) -> Result<&str, ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|_| id)
        .map_err(|_| ApiError::NotFound("no such remediation"))
}

fn encode_cursor(last: &Remediation) -> String {
    super::cursor::encode(CURSOR_TAG, last.created_at.timestamp_millis(), &last.id)
}

fn decode_cursor(cursor: &str) -> Result<(i64, String), ApiError> {
    super::cursor::decode(CURSOR_TAG, cursor)
}
