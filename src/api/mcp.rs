//! `GET /api/v1/mcp/approvals` and `POST /api/v1/mcp/approvals/{id}` (scope `mcp:approve`):
//! the MCP tool calls waiting for a person, and their decision. The proxy that holds the
//! call polls the store and goes on, or refuses, within a fraction of a second.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use dlp_store::{Approval, ApprovalStatus, NewAuditEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::{ApiError, ErrorBody, Refusals};
use super::extract::{ApiJson, ApiQuery, page_limit};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsQuery {
    /// `pending` (the default), `approved`, `denied`, `expired` or `all`.
    status: Option<String>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApprovalList {
    pub items: Vec<Approval>,
}

#[utoipa::path(get, path = "/api/v1/mcp/approvals", tag = "mcp",
    params(ApprovalsQuery),
    responses(
        (status = 200, description = "Approvals, newest first", body = ApprovalList),
        Refusals,
    ),
    security(("bearer" = ["mcp:approve"])))]
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiQuery(query): ApiQuery<ApprovalsQuery>,
) -> Result<Json<ApprovalList>, ApiError> {
    caller.require(Scope::McpApprove)?;
    let status = match query.status.as_deref().unwrap_or("pending") {
        "all" => None,
        word => Some(ApprovalStatus::parse(word).ok_or_else(|| {
            ApiError::InvalidInput("status is pending, approved, denied, expired or all".into())
        })?),
    };
    let limit = page_limit(query.limit, 100, 1000)?;
    let items = state.app.store.approvals(status, limit).await?;
    Ok(Json(ApprovalList { items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `approve` or `deny`.
    decision: String,
    /// Why, for the audit trail (at most 1,000 characters).
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/mcp/approvals/{id}", tag = "mcp",
    params(("id" = String, Path, description = "The approval's id, as the proxy logged it")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "Decided; the waiting call goes on or is refused", body = Approval),
        (status = 404, description = "No such approval", body = ErrorBody),
        (status = 409, description = "Already decided, or expired", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["mcp:approve"])))]
pub async fn decide(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<Approval>, ApiError> {
    caller.require(Scope::McpApprove)?;
    let status = match body.decision.as_str() {
        "approve" => ApprovalStatus::Approved,
        "deny" => ApprovalStatus::Denied,
        _ => {
            return Err(ApiError::InvalidInput("decision is approve or deny".into()));
        }
    };
    if body
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > 1000)
    {
        return Err(ApiError::InvalidInput(
            "reason is at most 1000 characters".into(),
        ));
    }
    if id.len() > 64 {
        return Err(ApiError::NotFound("no such approval"));
    }
    let store = &state.app.store;
    let (changed, approval) = store
        .decide_approval(&id, status, &caller.name, body.reason.as_deref())
        .await?
        .ok_or(ApiError::NotFound("no such approval"))?;
    if !changed {
        return Err(ApiError::Conflict(format!(
            "this approval is {} already",
            match approval.status {
                ApprovalStatus::Pending => "past its time",
                other => other.as_str(),
            }
        )));
    }
    store
        .record_audit(&NewAuditEvent {
            actor: caller.name.clone(),
            action: "mcp.approval_decided".into(),
            scan_id: None,
            subject: Some(approval.id.clone()),
            detail: json!({
                "decision": approval.status.as_str(),
                "tool": approval.tool,
                "client": approval.client,
                "args_digest": approval.args_digest,
            }),
        })
        .await?;
    Ok(Json(approval))
}
