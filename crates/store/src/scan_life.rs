//! How a scan started by the service ends: its jobs report their cost, the last one to end
//! completes the scan (and an all-spaces parent once its last space is done), and a person can
//! cancel it. Listing scans for the API lives here too.

use serde_json::json;
use sqlx::AssertSqlSafe;

use super::audit::{self, action};
use super::model::now_millis;
use super::scans::{SCAN_COLUMNS, load_scan, scan_from_row};
use super::{NewAuditEvent, ScanQuery, ScanRecord, ScanStatus, Store, StoreError};

/// Item keys of crawl jobs start with this: a scan whose crawl failed has failed.
pub const CRAWL_ITEM_PREFIX: &str = "crawl:";

impl Store {
    /// Adds what a job spent in Confluence requests to its row, then completes the scan if no
    /// job of it is left queued. Returns the scan's status afterwards.
    pub async fn job_ended(
        &self,
        scan_id: &str,
        item_key: &str,
        api_requests: u64,
    ) -> Result<ScanStatus, StoreError> {
        if api_requests > 0 {
            sqlx::query(
                "UPDATE scan_items SET api_requests = api_requests + $1 \
                 WHERE scan_id = $2 AND item_key = $3",
            )
            .bind(i64::try_from(api_requests).unwrap_or(i64::MAX))
            .bind(scan_id)
            .bind(item_key)
            .execute(&self.writer)
            .await?;
        }
        self.complete_if_drained(scan_id).await
    }

    /// Completes a running scan none of whose jobs is queued and none of whose child scans
    /// is running; then its parent, the same way. A scan whose crawl failed ends `failed`.
    /// Safe to call from any number of workers at once: one of them finishes the scan.
    pub async fn complete_if_drained(&self, scan_id: &str) -> Result<ScanStatus, StoreError> {
        let mut current = scan_id.to_owned();
        let mut first_status = None;
        // A parent's parent is never made, but the loop is bounded anyway.
        for _ in 0..4 {
            let (status, parent) = self.complete_one(&current).await?;
            first_status.get_or_insert(status);
            match parent {
                Some(parent) if status != ScanStatus::Running => current = parent,
                _ => break,
            }
        }
        Ok(first_status.unwrap_or(ScanStatus::Running))
    }

    async fn complete_one(
        &self,
        scan_id: &str,
    ) -> Result<(ScanStatus, Option<String>), StoreError> {
        let mut conn = self.pool.acquire().await?;
        let scan = load_scan(&mut conn, scan_id).await?;
        if scan.status != ScanStatus::Running {
            return Ok((scan.status, scan.parent_id));
        }
        let waiting: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM scan_items WHERE scan_id = $1 AND status = 'queued') \
                  + (SELECT COUNT(*) FROM scans WHERE parent_id = $1 AND status = 'running')",
        )
        .bind(scan_id)
        .fetch_one(&mut *conn)
        .await?;
        if waiting > 0 {
            return Ok((ScanStatus::Running, scan.parent_id));
        }
        let crawl_error: Option<String> = sqlx::query_scalar(
            "SELECT error FROM scan_items WHERE scan_id = $1 AND item_key LIKE 'crawl:%' \
               AND status = 'failed' LIMIT 1",
        )
        .bind(scan_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
        let failed_children: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM scans WHERE parent_id = $1 AND status = 'failed'",
        )
        .bind(scan_id)
        .fetch_one(&mut *conn)
        .await?;
        drop(conn);
        let (status, error) = match (crawl_error, failed_children) {
            (Some(e), _) => (ScanStatus::Failed, Some(format!("the crawl failed: {e}"))),
            (None, n) if n > 0 => (
                ScanStatus::Failed,
                Some(format!("{n} of its spaces failed")),
            ),
            (None, _) => (ScanStatus::Completed, None),
        };
        let ended = self
            .end_scan(scan_id, status, error.as_deref(), "worker")
            .await?;
        Ok((ended, scan.parent_id))
    }

    /// Sets a running scan's final status, once: of concurrent callers, one writes it and
    /// its audit event; the others get the status it has. Returns that status.
    async fn end_scan(
        &self,
        scan_id: &str,
        status: ScanStatus,
        error: Option<&str>,
        actor: &str,
    ) -> Result<ScanStatus, StoreError> {
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE scans SET status = $1, finished_at = $2, error = $3 \
             WHERE id = $4 AND status = 'running'",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(error)
        .bind(scan_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            let scan = load_scan(&mut tx, scan_id).await?;
            return Ok(scan.status);
        }
        let scan = load_scan(&mut tx, scan_id).await?;
        let event = NewAuditEvent {
            actor: actor.to_owned(),
            action: if status == ScanStatus::Cancelled {
                action::SCAN_CANCELLED
            } else {
                action::SCAN_FINISHED
            }
            .into(),
            scan_id: Some(scan_id.to_owned()),
            subject: scan.space_key,
            detail: json!({ "status": status, "error": error }),
        };
        audit::insert(&mut tx, now, &event).await?;
        tx.commit().await?;
        Ok(status)
    }

    /// Cancels a running scan and its running child scans. Jobs still queued stay queued
    /// and are dropped by the workers that take them. Returns the scan as it is now.
    pub async fn cancel_scan(&self, scan_id: &str, actor: &str) -> Result<ScanRecord, StoreError> {
        let children: Vec<String> =
            sqlx::query_scalar("SELECT id FROM scans WHERE parent_id = $1 AND status = 'running'")
                .bind(scan_id)
                .fetch_all(&self.pool)
                .await?;
        // The parent first: a child that ends meanwhile finds it no longer running.
        self.end_scan(scan_id, ScanStatus::Cancelled, None, actor)
            .await?;
        for child in children {
            self.end_scan(&child, ScanStatus::Cancelled, None, actor)
                .await?;
        }
        self.scan(scan_id).await
    }

    /// Scans, newest first.
    pub async fn scans(&self, query: &ScanQuery) -> Result<Vec<ScanRecord>, StoreError> {
        enum Bind {
            Text(String),
            Int(i64),
        }
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let mut text = |fragment: &str, value: &str, binds: &mut Vec<Bind>| {
            binds.push(Bind::Text(value.to_owned()));
            conditions.push(fragment.replace('?', &format!("${}", binds.len())));
        };
        if let Some(status) = query.status {
            text("status = ?", status.as_str(), &mut binds);
        }
        if let Some(space) = &query.space_key {
            text("space_key = ?", space, &mut binds);
        }
        if let Some(parent) = &query.parent_id {
            text("parent_id = ?", parent, &mut binds);
        }
        if let Some((at, id)) = &query.before {
            binds.push(Bind::Int(*at));
            binds.push(Bind::Text(id.clone()));
            let (t, i) = (binds.len() - 1, binds.len());
            conditions.push(format!(
                "(started_at < ${t} OR (started_at = ${t} AND id < ${i}))"
            ));
        }
        if query.top_level {
            conditions.push("parent_id IS NULL".into());
        }
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {SCAN_COLUMNS} FROM scans {where_clause} \
             ORDER BY started_at DESC, id DESC LIMIT ${}",
            binds.len() + 1
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Text(v) => q.bind(v),
                Bind::Int(v) => q.bind(v),
            };
        }
        let rows = q
            .bind(i64::from(query.limit.clamp(1, 500)))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(scan_from_row).collect()
    }

    /// The newest completed scan of a space (on its own or as part of an all-spaces scan):
    /// where an incremental scan starts from.
    pub async fn last_completed_scan(
        &self,
        space_key: &str,
    ) -> Result<Option<ScanRecord>, StoreError> {
        let sql = format!(
            "SELECT {SCAN_COLUMNS} FROM scans WHERE space_key = $1 AND status = 'completed' \
               AND kind = 'space' AND mode <> 'event' ORDER BY started_at DESC, id DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(space_key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(scan_from_row).transpose()
    }

    /// Whether the scan is still running (a worker drops the jobs of a cancelled scan).
    pub async fn scan_is_running(&self, scan_id: &str) -> Result<bool, StoreError> {
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM scans WHERE id = $1")
            .bind(scan_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(status.as_deref() == Some(ScanStatus::Running.as_str()))
    }

    /// The newest scan that covered this finding's item, and every scan that did, newest
    /// first (at most `limit`): a finding's history of being seen.
    pub async fn scans_of_finding(
        &self,
        finding_id: &str,
        limit: u32,
    ) -> Result<Vec<ScanRecord>, StoreError> {
        let cols: Vec<String> = SCAN_COLUMNS
            .split(", ")
            .map(|c| format!("s.{}", c.trim()))
            .collect();
        let sql = format!(
            "SELECT {} FROM scans s JOIN scan_contents c ON c.scan_id = s.id \
               JOIN findings f ON f.content_type = c.content_type AND f.item_id = c.item_id \
             WHERE f.id = $1 ORDER BY s.started_at DESC, s.id DESC LIMIT $2",
            cols.join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(finding_id)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(scan_from_row).collect()
    }
}
