//! Scans and their jobs: starting a scan, enqueueing its jobs, counting its progress,
//! finishing it, and what content was last classified.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::audit::{self, action};
use super::model::{from_millis, now_millis, parse_word};
use super::{
    ItemStatus, NewAuditEvent, NewScan, ScanItemRow, ScanKind, ScanMode, ScanProgress, ScanRecord,
    ScanStatus, Store, StoreError,
};
use dlp_domain::ContentType;

impl Store {
    /// Starts a scan (status `running`) and returns its id.
    pub async fn create_scan(&self, new: &NewScan) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = insert_scan(&mut tx, new).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The most recently started scan, if any (for tools that enqueue and then watch).
    pub async fn latest_scan_id(&self) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT id FROM scans ORDER BY started_at DESC, id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<String, _>(0)))
    }

    pub async fn scan(&self, scan_id: &str) -> Result<ScanRecord, StoreError> {
        let mut conn = self.pool.acquire().await?;
        load_scan(&mut conn, scan_id).await
    }

    /// Adds a job to the scan's progress. Enqueueing the same `item_key` again changes
    /// nothing and returns `false`, so a crawler that restarts does not inflate the total.
    pub async fn enqueue_item(
        &self,
        scan_id: &str,
        item_key: &str,
        label: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.writer.acquire().await?;
        insert_item(&mut conn, scan_id, item_key, label).await
    }

    /// Registers the item as [`Store::enqueue_item`] does, and says whether its job is to be
    /// pushed: the item is new, or was registered before and has no outcome yet. A crawl that
    /// stopped between registering an item and pushing its job (its worker killed, its pool
    /// ended by the queue) left a row no job would answer; the crawl run again pushes it, and
    /// the queue drops a second copy of a job that was pushed, by its idempotency key.
    pub async fn register_item(
        &self,
        scan_id: &str,
        item_key: &str,
        label: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.writer.acquire().await?;
        // The no-op update touches only a row still queued, so the row counts as affected
        // exactly when the job is to be pushed.
        queue_item(
            &mut conn,
            "INSERT INTO scan_items (scan_id, item_key, label, status, attempts, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5) \
             ON CONFLICT (scan_id, item_key) DO UPDATE SET status = scan_items.status \
             WHERE scan_items.status = $4",
            (scan_id, item_key, label),
        )
        .await
    }

    /// Whether this version of the item was already classified with this rule set, so a job
    /// can skip fetching and classifying it again.
    pub async fn is_current(
        &self,
        content_type: ContentType,
        item_id: &str,
        version: u32,
        rules_digest: &str,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM content_state \
             WHERE content_type = $1 AND item_id = $2 AND version = $3 AND rules_digest = $4",
        )
        .bind(content_type.as_str())
        .bind(item_id)
        .bind(i64::from(version))
        .bind(rules_digest)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// The scan and its counts, from its job rows (each job counted once, however often it
    /// was delivered or retried).
    pub async fn scan_progress(&self, scan_id: &str) -> Result<ScanProgress, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let scan = load_scan(&mut conn, scan_id).await?;
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM scan_items WHERE scan_id = $1 GROUP BY status",
        )
        .bind(scan_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut progress = ScanProgress {
            scan,
            total: 0,
            queued: 0,
            done: 0,
            unchanged: 0,
            failed: 0,
            not_extracted: 0,
            open_findings: 0,
            api_requests: 0,
        };
        for row in &rows {
            let status: String = row.try_get("status")?;
            let n = count(row.try_get("n")?, "scan_items.count")?;
            progress.total += n;
            *match parse_word(&status, ItemStatus::parse, "scan_items.status")? {
                ItemStatus::Queued => &mut progress.queued,
                ItemStatus::Done => &mut progress.done,
                ItemStatus::Unchanged => &mut progress.unchanged,
                ItemStatus::Failed => &mut progress.failed,
                ItemStatus::NotExtracted => &mut progress.not_extracted,
            } += n;
        }
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM findings f JOIN scan_contents c \
               ON c.content_type = f.content_type AND c.item_id = f.item_id \
             WHERE c.scan_id = $1 AND f.status = 'open'",
        )
        .bind(scan_id)
        .fetch_one(&mut *conn)
        .await?;
        progress.open_findings = count(open, "findings.count")?;
        // PostgreSQL sums BIGINTs as NUMERIC, which the Any driver cannot read: cast back.
        let requests: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(api_requests), 0) AS BIGINT) FROM scan_items \
             WHERE scan_id = $1",
        )
        .bind(scan_id)
        .fetch_one(&mut *conn)
        .await?;
        progress.api_requests = count(requests, "scan_items.api_requests")?;
        Ok(progress)
    }

    /// Ends a running scan. Finishing it again with the same status is a no-op (a duplicate
    /// delivery); with another status it is refused.
    pub async fn finish_scan(&self, scan_id: &str, status: ScanStatus) -> Result<(), StoreError> {
        if status == ScanStatus::Running {
            return Err(StoreError::Invalid("a scan cannot be finished as running"));
        }
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let scan = load_scan(&mut tx, scan_id).await?;
        if scan.status == status {
            return Ok(());
        }
        if scan.status != ScanStatus::Running {
            return Err(StoreError::ScanAlreadyFinished {
                scan_id: scan_id.to_owned(),
                status: scan.status.as_str(),
            });
        }
        sqlx::query("UPDATE scans SET status = $1, finished_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now)
            .bind(scan_id)
            .execute(&mut *tx)
            .await?;
        let event = NewAuditEvent {
            actor: scan.actor,
            action: action::SCAN_FINISHED.into(),
            scan_id: Some(scan_id.to_owned()),
            subject: scan.space_key,
            detail: json!({ "status": status }),
        };
        audit::insert(&mut tx, now, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The scan's jobs that failed or whose content could not be extracted, with their
    /// messages, ordered by item key.
    pub async fn scan_item_problems(&self, scan_id: &str) -> Result<Vec<ScanItemRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT item_key, label, status, error, attempts, updated_at FROM scan_items \
             WHERE scan_id = $1 AND status IN ('failed', 'not_extracted') ORDER BY item_key",
        )
        .bind(scan_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_from_row).collect()
    }
}

pub(crate) async fn load_scan(
    conn: &mut AnyConnection,
    scan_id: &str,
) -> Result<ScanRecord, StoreError> {
    let sql = format!("SELECT {SCAN_COLUMNS} FROM scans WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(scan_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::UnknownScan {
            scan_id: scan_id.to_owned(),
        })?;
    scan_from_row(&row)
}

pub(crate) const SCAN_COLUMNS: &str = "id, kind, site, space_key, actor, status, started_at, finished_at, \
    mode, all_spaces, parent_id, since_at, rules_digest, history, error";

pub(crate) fn scan_from_row(row: &AnyRow) -> Result<ScanRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let mode: String = row.try_get("mode")?;
    let all_spaces: i64 = row.try_get("all_spaces")?;
    let since: Option<i64> = row.try_get("since_at")?;
    let status: String = row.try_get("status")?;
    let finished_at: Option<i64> = row.try_get("finished_at")?;
    let history: Option<String> = row.try_get("history")?;
    let history = history
        .map(|h| {
            dlp_domain::HistoryDepth::parse(&h).ok_or(StoreError::Corrupt {
                column: "scans.history",
            })
        })
        .transpose()?;
    Ok(ScanRecord {
        id: row.try_get("id")?,
        kind: parse_word(&kind, ScanKind::parse, "scans.kind")?,
        site: row.try_get("site")?,
        space_key: row.try_get("space_key")?,
        actor: row.try_get("actor")?,
        status: parse_word(&status, ScanStatus::parse, "scans.status")?,
        started_at: from_millis(row.try_get("started_at")?, "scans.started_at")?,
        finished_at: finished_at
            .map(|ms| from_millis(ms, "scans.finished_at"))
            .transpose()?,
        mode: parse_word(&mode, ScanMode::parse, "scans.mode")?,
        all_spaces: all_spaces != 0,
        parent_id: row.try_get("parent_id")?,
        since: since
            .map(|ms| from_millis(ms, "scans.since_at"))
            .transpose()?,
        rules_digest: row.try_get("rules_digest")?,
        history,
        error: row.try_get("error")?,
    })
}

fn item_from_row(row: &AnyRow) -> Result<ScanItemRow, StoreError> {
    let status: String = row.try_get("status")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(ScanItemRow {
        item_key: row.try_get("item_key")?,
        label: row.try_get("label")?,
        status: parse_word(&status, ItemStatus::parse, "scan_items.status")?,
        error: row.try_get("error")?,
        attempts: u32::try_from(attempts).map_err(|_| StoreError::Corrupt {
            column: "scan_items.attempts",
        })?,
        updated_at: from_millis(row.try_get("updated_at")?, "scan_items.updated_at")?,
    })
}

fn count(n: i64, column: &'static str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt { column })
}

/// A write that names a scan the database does not know fails on the foreign key; say so.
pub(crate) fn unknown_scan_if_dangling(e: StoreError, scan_id: &str) -> StoreError {
    if e.is_foreign_key_violation() {
        StoreError::UnknownScan {
            scan_id: scan_id.to_owned(),
        }
    } else {
        e
    }
}

/// A scan's row and its `scan.started` audit event, inside the caller's transaction.
pub(crate) async fn insert_scan(
    conn: &mut AnyConnection,
    new: &NewScan,
) -> Result<String, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_millis();
    sqlx::query(
        "INSERT INTO scans (id, kind, site, space_key, actor, status, started_at, mode, \
           all_spaces, parent_id, since_at, rules_digest, history) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id.as_str())
    .bind(new.kind.as_str())
    .bind(new.site.as_deref())
    .bind(new.space_key.as_deref())
    .bind(new.actor.as_str())
    .bind(ScanStatus::Running.as_str())
    .bind(now)
    .bind(new.mode.as_str())
    .bind(i64::from(new.all_spaces))
    .bind(new.parent_id.as_deref())
    .bind(new.since.map(|t| t.timestamp_millis()))
    .bind(new.rules_digest.as_deref())
    .bind(new.history.map(|h| h.to_string()))
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from)
    .map_err(|e| match &new.parent_id {
        Some(parent) => unknown_scan_if_dangling(e, parent),
        None => e,
    })?;
    let event = NewAuditEvent {
        actor: new.actor.clone(),
        action: action::SCAN_STARTED.into(),
        scan_id: Some(id.clone()),
        subject: new.space_key.clone(),
        detail: json!({
            "kind": new.kind,
            "site": new.site,
            "mode": new.mode,
            "all_spaces": new.all_spaces,
            "parent_id": new.parent_id,
            "history": new.history,
        }),
    };
    audit::insert(conn, now, &event).await?;
    Ok(id)
}

/// An item of a scan, queued, inside the caller's transaction: `false` if it was there.
pub(crate) async fn insert_item(
    conn: &mut AnyConnection,
    scan_id: &str,
    item_key: &str,
    label: &str,
) -> Result<bool, StoreError> {
    queue_item(
        conn,
        "INSERT INTO scan_items (scan_id, item_key, label, status, attempts, updated_at) \
         VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (scan_id, item_key) DO NOTHING",
        (scan_id, item_key, label),
    )
    .await
}

/// Runs `sql`, an insert of a queued item (`$1` scan, `$2` key, `$3` label, `$4` the queued
/// status, `$5` now) that says by the rows it affects whether a job is to be pushed.
async fn queue_item(
    conn: &mut AnyConnection,
    sql: &'static str,
    (scan_id, item_key, label): (&str, &str, &str),
) -> Result<bool, StoreError> {
    let affected = sqlx::query(sql)
        .bind(scan_id)
        .bind(item_key)
        .bind(label)
        .bind(ItemStatus::Queued.as_str())
        .bind(now_millis())
        .execute(&mut *conn)
        .await
        .map_err(StoreError::from)
        .map_err(|e| unknown_scan_if_dangling(e, scan_id))?;
    Ok(affected.rows_affected() == 1)
}
