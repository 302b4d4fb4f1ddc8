//! The audit trail: append-only events of who did what to which scan, job or finding.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::batch::{rows_per_statement, values};

use super::model::{from_millis, now_millis};
use super::{AuditEvent, AuditQuery, NewAuditEvent, Store, StoreError};

/// Action names the store writes itself. Other components add their own (`remediation.*`).
pub mod action {
    pub const SCAN_STARTED: &str = "scan.started";
    pub const SCAN_FINISHED: &str = "scan.finished";
    /// A person (or an admin token) cancelled a running scan.
    pub const SCAN_CANCELLED: &str = "scan.cancelled";
    pub const JOB_DONE: &str = "job.done";
    pub const JOB_UNCHANGED: &str = "job.unchanged";
    pub const JOB_FAILED: &str = "job.failed";
    pub const JOB_NOT_EXTRACTED: &str = "job.not_extracted";
    pub const FINDING_OPENED: &str = "finding.opened";
    pub const FINDING_REOPENED: &str = "finding.reopened";
    pub const FINDING_RESOLVED: &str = "finding.resolved";
    /// A value a person suppressed was found, and recorded under their decision.
    pub const FINDING_SUPPRESSED: &str = "finding.suppressed";
    /// A person changed a finding's status (the API's PATCH), with their reason.
    pub const FINDING_STATUS_CHANGED: &str = "finding.status_changed";
}

/// The actor of what workers record.
pub(crate) const WORKER: &str = "worker";

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    at: i64,
    event: &NewAuditEvent,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audit_events (at, actor, action, scan_id, subject, detail) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(at)
    .bind(event.actor.as_str())
    .bind(event.action.as_str())
    .bind(event.scan_id.as_deref())
    .bind(event.subject.as_deref())
    .bind(event.detail.to_string())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Appends the events in their order, a few hundred rows per statement.
pub(crate) async fn insert_many(
    conn: &mut AnyConnection,
    at: i64,
    events: &[NewAuditEvent],
) -> Result<(), StoreError> {
    const ROW: &str = "(?, ?, ?, ?, ?, ?)";
    for chunk in events.chunks(rows_per_statement(ROW)) {
        let sql = format!(
            "INSERT INTO audit_events (at, actor, action, scan_id, subject, detail) VALUES {}",
            values(&*conn, ROW, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for event in chunk {
            query = query
                .bind(at)
                .bind(event.actor.as_str())
                .bind(event.action.as_str())
                .bind(event.scan_id.as_deref())
                .bind(event.subject.as_deref())
                .bind(event.detail.to_string());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// Appends an event to the audit trail and returns its id. `detail` must hold no
    /// sensitive value: ids, counts, safe messages.
    pub async fn record_audit(&self, event: &NewAuditEvent) -> Result<i64, StoreError> {
        let mut conn = self.writer.acquire().await?;
        insert(&mut conn, now_millis(), event).await
    }

    /// Audit events, oldest first, of one scan or of all.
    pub async fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        let limit = match query.limit {
            0 => 100,
            n => n.min(1000),
        };
        // A filter left out binds NULL and matches everything. An action ending in a dot is
        // a prefix (`scan.`), compared with substr: LIKE would read `_` as a wildcard.
        let rows = sqlx::query(
            "SELECT id, at, actor, action, scan_id, subject, detail FROM audit_events \
             WHERE ($1 IS NULL OR scan_id = $1) AND id > $2 \
               AND ($4 IS NULL OR actor = $4) \
               AND ($5 IS NULL OR action = $5 \
                    OR (substr($5, length($5), 1) = '.' AND substr(action, 1, length($5)) = $5)) \
               AND ($6 IS NULL OR subject = $6) \
               AND ($7 IS NULL OR at >= $7) AND ($8 IS NULL OR at < $8) \
             ORDER BY id LIMIT $3",
        )
        .bind(query.scan_id.as_deref())
        .bind(query.after_id.unwrap_or(0))
        .bind(i64::from(limit))
        .bind(query.actor.as_deref())
        .bind(query.action.as_deref())
        .bind(query.subject.as_deref())
        .bind(query.since)
        .bind(query.until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}

fn event_from_row(row: &AnyRow) -> Result<AuditEvent, StoreError> {
    let detail: String = row.try_get("detail")?;
    Ok(AuditEvent {
        id: row.try_get("id")?,
        at: from_millis(row.try_get("at")?, "audit_events.at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        scan_id: row.try_get("scan_id")?,
        subject: row.try_get("subject")?,
        detail: serde_json::from_str(&detail).map_err(|_| StoreError::Corrupt {
            column: "audit_events.detail",
        })?,
    })
}
