//! A call that waits for a person: the proxy writes a pending approval to the store, polls
//! it until someone decides (`POST /api/v1/mcp/approvals/{id}`, from any process of the
//! deployment), and marks it expired when nobody has in time. Polling the store, not a
//! channel between processes, works the same on SQLite and PostgreSQL, and a decision made
//! while the proxy restarts is not lost.

use std::time::Duration;

use chrono::Utc;
use dlp_store::{ApprovalStatus, NewApproval, Store, StoreError};

/// How often a waiting call reads its approval; a person's click reaches it within this.
const POLL: Duration = Duration::from_millis(200);

/// Writes the approval, then waits for its decision; an approval nobody decided by its
/// `expires_at` ends as [`ApprovalStatus::Expired`].
pub async fn wait_for_decision(
    store: &Store,
    new: NewApproval,
) -> Result<ApprovalStatus, StoreError> {
    // A year at most: tokio's clock cannot add much more to now.
    let timeout = (new.expires_at - Utc::now())
        .to_std()
        .unwrap_or_default()
        .min(Duration::from_secs(365 * 24 * 3600));
    let approval = store.create_approval(&new).await?;
    tracing::info!(
        approval = %approval.id, tool = %approval.tool, client = %approval.client,
        "an MCP tool call waits for approval: POST /api/v1/mcp/approvals/{}", approval.id
    );
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        tokio::time::sleep_until((tokio::time::Instant::now() + POLL).min(deadline)).await;
        // A store that fails while we wait refuses the call: the error reaches the caller.
        if let Some(a) = store.approval(&approval.id).await?
            && a.status != ApprovalStatus::Pending
        {
            return Ok(a.status);
        }
        if tokio::time::Instant::now() >= deadline {
            let decided = store
                .decide_approval(&approval.id, ApprovalStatus::Expired, "mcp-proxy", None)
                .await?;
            // Someone may have decided between the last read and now: their word stands.
            return Ok(decided.map_or(ApprovalStatus::Expired, |(_, a)| a.status));
        }
    }
}
