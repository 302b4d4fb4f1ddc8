//! MCP tool calls waiting for a person: the MCP proxy asks, any process of the deployment
//! answers (`POST /api/v1/mcp/approvals/{id}`), and the proxy, polling its row, goes on or
//! refuses. A row names the client, the tool, a keyed digest of the arguments and the
//! detectors that matched in them; never an argument.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{from_millis, now_millis, parse_word};
use super::{Store, StoreError};

/// Where an approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Denied,
    /// Nobody decided before the proxy stopped waiting.
    Expired,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Denied => "denied",
            ApprovalStatus::Expired => "expired",
        }
    }

    pub fn parse(word: &str) -> Option<ApprovalStatus> {
        [
            ApprovalStatus::Pending,
            ApprovalStatus::Approved,
            ApprovalStatus::Denied,
            ApprovalStatus::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == word)
    }
}

/// A tool call about to wait for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApproval {
    pub id: String,
    pub client: String,
    pub tool: String,
    pub args_digest: String,
    pub detectors: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// When the proxy stops waiting; a pending approval cannot be decided after it.
    pub expires_at: DateTime<Utc>,
    pub client: String,
    pub tool: String,
    /// HMAC of the call's arguments under the server key: equal digests, equal arguments.
    pub args_digest: String,
    /// Detectors that matched in the arguments (none for a tool that always asks).
    pub detectors: Vec<String>,
    pub status: ApprovalStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

const COLUMNS: &str = "id, created_at, expires_at, client, tool, args_digest, detectors, status, \
                       decided_by, decided_at, reason";

impl Store {
    pub async fn create_approval(&self, new: &NewApproval) -> Result<Approval, StoreError> {
        sqlx::query(
            "INSERT INTO mcp_approvals \
             (id, created_at, expires_at, client, tool, args_digest, detectors, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')",
        )
        .bind(new.id.as_str())
        .bind(now_millis())
        .bind(new.expires_at.timestamp_millis())
        .bind(new.client.as_str())
        .bind(new.tool.as_str())
        .bind(new.args_digest.as_str())
        .bind(serde_json::to_string(&new.detectors).unwrap_or_else(|_| "[]".into()))
        .execute(&self.writer)
        .await?;
        self.approval(&new.id)
            .await?
            .ok_or(StoreError::Invalid("an approval just written is not there"))
    }

    pub async fn approval(&self, id: &str) -> Result<Option<Approval>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM mcp_approvals WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(approval_from_row).transpose()
    }

    /// Approvals newest first, of one status or of all.
    pub async fn approvals(
        &self,
        status: Option<ApprovalStatus>,
        limit: u32,
    ) -> Result<Vec<Approval>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM mcp_approvals WHERE ($1 IS NULL OR status = $1) \
             ORDER BY created_at DESC, id LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(status.map(ApprovalStatus::as_str))
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(approval_from_row).collect()
    }

    /// Decides a pending approval that has not expired; returns whether this call decided it,
    /// and the row as it now stands (`None`: no such approval). A second decision, or one
    /// after the proxy gave up, changes nothing: the first word stands.
    pub async fn decide_approval(
        &self,
        id: &str,
        status: ApprovalStatus,
        by: &str,
        reason: Option<&str>,
    ) -> Result<Option<(bool, Approval)>, StoreError> {
        if status == ApprovalStatus::Pending {
            return Err(StoreError::Invalid("a decision is not pending"));
        }
        let now = now_millis();
        // Expiry is the proxy's to write, whenever it is; a person's decision only in time.
        let changed = sqlx::query(
            "UPDATE mcp_approvals SET status = $2, decided_by = $3, decided_at = $4, reason = $5 \
             WHERE id = $1 AND status = 'pending' AND ($2 = 'expired' OR expires_at > $4)",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(by)
        .bind(now)
        .bind(reason)
        .execute(&self.writer)
        .await?
        .rows_affected()
            == 1;
        Ok(self.approval(id).await?.map(|a| (changed, a)))
    }
}

fn approval_from_row(row: &AnyRow) -> Result<Approval, StoreError> {
    let detectors: String = row.try_get("detectors")?;
    let status: String = row.try_get("status")?;
    Ok(Approval {
        id: row.try_get("id")?,
        created_at: from_millis(row.try_get("created_at")?, "mcp_approvals.created_at")?,
        expires_at: from_millis(row.try_get("expires_at")?, "mcp_approvals.expires_at")?,
        client: row.try_get("client")?,
        tool: row.try_get("tool")?,
        args_digest: row.try_get("args_digest")?,
        detectors: serde_json::from_str(&detectors).unwrap_or_default(),
        status: parse_word(&status, ApprovalStatus::parse, "mcp_approvals.status")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row
            .try_get::<Option<i64>, _>("decided_at")?
            .map(|ms| from_millis(ms, "mcp_approvals.decided_at"))
            .transpose()?,
        reason: row.try_get("reason")?,
    })
}
