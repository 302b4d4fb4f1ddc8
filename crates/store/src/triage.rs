//! A person's decision on a finding (the API's `PATCH /findings/{id}`): its new status, a
//! suppression by fingerprint for a false positive or an accepted risk, and the audit event
//! with who and why, in one transaction.
//!
//! The suppression is what keeps the decision through re-scans: `findings::upsert` records a
//! suppressed fingerprint under the suppression's status, never as open, wherever the value is
//! found. The classifier's own suppressions (`rules.suppressions` in the settings) drop a
//! value before it is recorded; these keep it recorded, closed, with its history. Either way
//! no scan reports it as open.

use serde_json::json;
use sqlx::Row;

use super::audit::{self, action};
use super::changes::next_stamp;
use super::model::{now_millis, parse_word};
use super::{FindingRecord, FindingStatus, NewAuditEvent, Store, StoreError};

/// A status change a person asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub finding_id: String,
    pub status: FindingStatus,
    /// Required for a false positive or an accepted risk.
    pub reason: Option<String>,
    /// Who: the API token's name.
    pub actor: String,
}

impl Store {
    /// Applies the change; `None` when there is no finding with that id.
    ///
    /// - `false_positive` / `accepted_risk`: the finding takes the status, its fingerprint is
    ///   suppressed, and other open findings of the same value take it too.
    /// - `open` / `resolved`: the finding takes the status and its value is no longer
    ///   suppressed (findings already closed under the suppression stay as they are).
    pub async fn set_finding_status(
        &self,
        change: &StatusChange,
    ) -> Result<Option<FindingRecord>, StoreError> {
        let reason = change
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if change.status.is_suppression() && reason.is_none() {
            return Err(StoreError::Invalid(
                "a false positive or an accepted risk needs a reason",
            ));
        }
        let mut tx = self.begin_write().await?;
        let stamp = next_stamp(&mut tx).await?;
        let row = sqlx::query("SELECT fingerprint, status FROM findings WHERE id = $1")
            .bind(change.finding_id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let fingerprint: String = row.try_get("fingerprint")?;
        let before: String = row.try_get("status")?;
        let before = parse_word(&before, FindingStatus::parse, "findings.status")?;
        let now = now_millis();
        let closed_at = (change.status != FindingStatus::Open).then_some(now);
        sqlx::query(
            "UPDATE findings SET status = $1, resolved_at = $2, change_seq = $4 WHERE id = $3",
        )
        .bind(change.status.as_str())
        .bind(closed_at)
        .bind(change.finding_id.as_str())
        .bind(stamp)
        .execute(&mut *tx)
        .await?;
        let mut also_closed = 0;
        if change.status.is_suppression() {
            sqlx::query(
                "INSERT INTO finding_suppressions (fingerprint, status, finding_id, actor, created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, \
                   finding_id = excluded.finding_id, actor = excluded.actor, \
                   created_at = excluded.created_at",
            )
            .bind(fingerprint.as_str())
            .bind(change.status.as_str())
            .bind(change.finding_id.as_str())
            .bind(change.actor.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            also_closed = sqlx::query(
                "UPDATE findings SET status = $1, resolved_at = $2, change_seq = $4 \
                 WHERE fingerprint = $3 AND status = 'open'",
            )
            .bind(change.status.as_str())
            .bind(now)
            .bind(fingerprint.as_str())
            .bind(stamp)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        } else {
            sqlx::query("DELETE FROM finding_suppressions WHERE fingerprint = $1")
                .bind(fingerprint.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let event = NewAuditEvent {
            actor: change.actor.clone(),
            action: action::FINDING_STATUS_CHANGED.into(),
            scan_id: None,
            subject: Some(change.finding_id.clone()),
            // The reason is the person's own words about the finding, never its value (the
            // store has none to give).
            detail: json!({
                "from": before.as_str(),
                "to": change.status.as_str(),
                "reason": reason,
                "same_value_closed": also_closed,
            }),
        };
        audit::insert(&mut tx, now, &event).await?;
        tx.commit().await?;
        self.finding(&change.finding_id).await
    }
}
