//! Remediations: planned changes to Confluence, from plan to verification or undo, and the
//! state they move through. Any process may plan or decide; a worker claims an approved one
//! with a lease, so two workers never run the same change at once and a dead worker's claim
//! lapses. The action itself is idempotent (see `crate::remediate` in the service), which
//! makes running one twice after a crash harmless.
//!
//! The store knows actions and modes as words: what they mean is the service's.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{RemediationState, from_millis, now_millis, parse_word};
use super::{Store, StoreError};

/// What a planner proposes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRemediation {
    pub id: String,
    pub dedup_key: String,
    pub policy: String,
    pub action: String,
    pub mode: String,
    /// `planned`, or `approved` for a policy that runs without approval.
    pub state: RemediationState,
    pub target: RemediationTarget,
    pub finding_ids: Vec<String>,
    pub plan: serde_json::Value,
    pub not_before: Option<DateTime<Utc>>,
}

/// The content a remediation changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemediationTarget {
    pub space_key: String,
    /// `page`, `blogpost`, `comment`, `attachment` or `history`.
    pub content_type: String,
    /// The page or blog post (for a comment or an attachment, the one it is on).
    pub page_id: String,
    pub comment_id: Option<String>,
    pub attachment_id: Option<String>,
    pub title: Option<String>,
    pub web_link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Remediation {
    pub id: String,
    pub policy: String,
    pub action: String,
    pub mode: String,
    pub state: RemediationState,
    pub target: RemediationTarget,
    pub finding_ids: Vec<String>,
    /// What will change: masked snippets before and after, permissions before and after.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub plan: serde_json::Value,
    /// What was done: versions written, snapshots to undo from.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub not_before: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// Which remediations to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemediationQuery {
    pub state: Option<RemediationState>,
    pub page_id: Option<String>,
    /// `(created_at ms, id)` of the last row of the previous page.
    pub before: Option<(i64, String)>,
    pub limit: u32,
}

const COLUMNS: &str = "id, policy, action, mode, state, space_key, content_type, page_id, \
                       comment_id, attachment_id, title, web_link, finding_ids, plan, result, \
                       error, attempts, created_at, updated_at, not_before, decided_by, \
                       decided_at, reason";

impl Store {
    /// Records a plan; `None` when the same change was planned before (whatever became of it).
    pub async fn plan_remediation(
        &self,
        new: &NewRemediation,
    ) -> Result<Option<Remediation>, StoreError> {
        let now = now_millis();
        let t = &new.target;
        let inserted = sqlx::query(
            "INSERT INTO remediations (id, dedup_key, policy, action, mode, state, space_key, \
             content_type, page_id, comment_id, attachment_id, title, web_link, finding_ids, \
             plan, created_at, updated_at, not_before) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, \
             $17) ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(new.id.as_str())
        .bind(new.dedup_key.as_str())
        .bind(new.policy.as_str())
        .bind(new.action.as_str())
        .bind(new.mode.as_str())
        .bind(new.state.as_str())
        .bind(t.space_key.as_str())
        .bind(t.content_type.as_str())
        .bind(t.page_id.as_str())
        .bind(t.comment_id.as_deref())
        .bind(t.attachment_id.as_deref())
        .bind(t.title.as_deref())
        .bind(t.web_link.as_deref())
        .bind(serde_json::to_string(&new.finding_ids).unwrap_or_else(|_| "[]".into()))
        .bind(new.plan.to_string())
        .bind(now)
        .bind(new.not_before.map(|t| t.timestamp_millis()))
        .execute(&self.writer)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(None);
        }
        self.remediation(&new.id).await
    }

    pub async fn remediation(&self, id: &str) -> Result<Option<Remediation>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM remediations WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(remediation_from_row).transpose()
    }

    pub async fn remediations(
        &self,
        query: &RemediationQuery,
    ) -> Result<Vec<Remediation>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM remediations WHERE ($1 IS NULL OR state = $1) \
             AND ($2 IS NULL OR page_id = $2) \
             AND ($3 IS NULL OR created_at < $3 OR (created_at = $3 AND id < $4)) \
             ORDER BY created_at DESC, id DESC LIMIT $5"
        );
        let (before_at, before_id) = match &query.before {
            Some((at, id)) => (Some(*at), Some(id.as_str())),
            None => (None, None),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(query.state.map(RemediationState::as_str))
            .bind(query.page_id.as_deref())
            .bind(before_at)
            .bind(before_id)
            .bind(i64::from(query.limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(remediation_from_row).collect()
    }

    /// Moves a remediation from one of `from` to `to`, with who decided and why; `None` when
    /// it is in none of `from` (someone else moved it first: the first word stands).
    pub async fn decide_remediation(
        &self,
        id: &str,
        from: &[RemediationState],
        to: RemediationState,
        by: &str,
        reason: Option<&str>,
    ) -> Result<Option<Remediation>, StoreError> {
        if from.is_empty() {
            return Ok(None);
        }
        let now = now_millis();
        let marks: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 6)).collect();
        let sql = format!(
            "UPDATE remediations SET state = $2, decided_by = $3, decided_at = $4, reason = $5, \
             updated_at = $4, error = NULL WHERE id = $1 AND state IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(to.as_str())
            .bind(by)
            .bind(now)
            .bind(reason);
        for state in from {
            query = query.bind(state.as_str());
        }
        let changed = query.execute(&self.writer).await?.rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        self.remediation(id).await
    }

    /// Claims the oldest remediation with work due: approved and past its `not_before` (it
    /// becomes `running`), asked to be undone (it stays `undoing`), or either under a lease
    /// that lapsed (its worker died). The claim is a compare-and-set on the state and lease,
    /// so of several workers exactly one gets a row.
    pub async fn claim_remediation(
        &self,
        lease: std::time::Duration,
    ) -> Result<Option<Remediation>, StoreError> {
        for _ in 0..5 {
            let now = now_millis();
            let candidate = sqlx::query(
                "SELECT id, state, lease_until FROM remediations \
                 WHERE (state = 'approved' AND (not_before IS NULL OR not_before <= $1)) \
                 OR (state = 'undoing' AND lease_until IS NULL \
                     AND (not_before IS NULL OR not_before <= $1)) \
                 OR (state IN ('running', 'undoing') AND lease_until < $1) \
                 ORDER BY updated_at LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            let Some(row) = candidate else {
                return Ok(None);
            };
            let id: String = row.try_get("id")?;
            let state: String = row.try_get("state")?;
            let lease_until: Option<i64> = row.try_get("lease_until")?;
            let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
            let next = if state == "approved" {
                "running"
            } else {
                state.as_str()
            };
            let claimed = sqlx::query(
                "UPDATE remediations SET state = $6, lease_until = $2, \
                 attempts = attempts + 1, updated_at = $3 \
                 WHERE id = $1 AND state = $4 AND ((lease_until IS NULL AND $5 IS NULL) \
                 OR lease_until = $5)",
            )
            .bind(id.as_str())
            .bind(until)
            .bind(now)
            .bind(state.as_str())
            .bind(lease_until)
            .bind(next)
            .execute(&self.writer)
            .await?
            .rows_affected();
            if claimed == 1 {
                return self.remediation(&id).await;
            }
        }
        Ok(None)
    }

    /// Keeps what a running remediation has done so far (a version written, a snapshot
    /// taken): a worker that takes it over after a crash reads it and does not do it again.
    pub async fn checkpoint_remediation(
        &self,
        id: &str,
        result: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE remediations SET result = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(result.to_string())
            .bind(now_millis())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Ends a run: the state it reached, what was done, and the error if any. `retry_at`
    /// puts it back in `approved` for a later attempt instead.
    pub async fn finish_remediation(
        &self,
        id: &str,
        state: RemediationState,
        result: Option<&serde_json::Value>,
        error: Option<&str>,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<Option<Remediation>, StoreError> {
        sqlx::query(
            "UPDATE remediations SET state = $2, result = COALESCE($3, result), error = $4, \
             not_before = COALESCE($5, not_before), lease_until = NULL, updated_at = $6 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(result.map(|r| r.to_string()))
        .bind(error)
        .bind(not_before.map(|t| t.timestamp_millis()))
        .bind(now_millis())
        .execute(&self.writer)
        .await?;
        self.remediation(id).await
    }
}

fn remediation_from_row(row: &AnyRow) -> Result<Remediation, StoreError> {
    let time = |column: &'static str| -> Result<Option<DateTime<Utc>>, StoreError> {
        row.try_get::<Option<i64>, _>(column)?
            .map(|ms| from_millis(ms, column))
            .transpose()
    };
    let json = |column: &'static str| -> Result<Option<serde_json::Value>, StoreError> {
        row.try_get::<Option<String>, _>(column)?
            .map(|s| serde_json::from_str(&s).map_err(|_| StoreError::Corrupt { column }))
            .transpose()
    };
    let state: String = row.try_get("state")?;
    let finding_ids: String = row.try_get("finding_ids")?;
    Ok(Remediation {
        id: row.try_get("id")?,
        policy: row.try_get("policy")?,
        action: row.try_get("action")?,
        mode: row.try_get("mode")?,
        state: parse_word(&state, RemediationState::parse, "remediations.state")?,
        target: RemediationTarget {
            space_key: row.try_get("space_key")?,
            content_type: row.try_get("content_type")?,
            page_id: row.try_get("page_id")?,
            comment_id: row.try_get("comment_id")?,
            attachment_id: row.try_get("attachment_id")?,
            title: row.try_get("title")?,
            web_link: row.try_get("web_link")?,
        },
        finding_ids: serde_json::from_str(&finding_ids).unwrap_or_default(),
        plan: json("plan")?.unwrap_or_default(),
        result: json("result")?,
        error: row.try_get("error")?,
        attempts: row.try_get("attempts")?,
        created_at: from_millis(row.try_get("created_at")?, "remediations.created_at")?,
        updated_at: from_millis(row.try_get("updated_at")?, "remediations.updated_at")?,
        not_before: time("not_before")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: time("decided_at")?,
        reason: row.try_get("reason")?,
    })
}
