//! Recording what one job learnt, in one transaction: its findings, what it classified, where
//! the job stands in its scan, and the audit trail of all that.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audit::{self, WORKER, action};
use super::changes::next_stamp;
use super::findings::{item_id_of, upsert};
use super::model::{now_millis, parse_word};
use super::scans::unknown_scan_if_dangling;
use super::{
    FindingStatus, ItemResult, ItemStatus, ItemVerdict, JobOutcome, NewAuditEvent, RecordSummary,
    Store, StoreError,
};
use dlp_domain::Finding;

impl Store {
    /// Records the outcome of one job of a scan, in one transaction:
    ///
    /// - the job's row in the scan takes the outcome's status (a retry updates the same row,
    ///   and a late failure of a duplicate delivery does not undo a success);
    /// - for each item classified, its findings are upserted (same id: moved offsets and
    ///   version, `first_seen_at` kept, reopened if resolved) and its open findings that were
    ///   not found again are resolved; what was classified goes to `content_state`;
    /// - an item older than what is already recorded (a late retry) is skipped, as are items
    ///   given as unchanged; every item given is counted as covered by the scan;
    /// - audit events: one per finding opened, reopened or resolved, one for the job.
    ///
    /// `results` are applied as given whatever the outcome: a failed job may still list the
    /// items it covered (as unchanged), so that the scan keeps showing their findings. List
    /// every item the job covered, or the scan will not show its findings.
    pub async fn record_job(
        &self,
        scan_id: &str,
        item_key: &str,
        outcome: &JobOutcome,
        results: &[ItemResult],
    ) -> Result<RecordSummary, StoreError> {
        for result in results {
            check_findings_belong_to_their_item(result)?;
        }
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let stamp = next_stamp(&mut tx).await?;
        let summary = record_one(&mut tx, scan_id, item_key, outcome, results, now, stamp).await?;
        tx.commit().await?;
        Ok(summary)
    }
}

/// `record_job` inside the caller's transaction.
pub(crate) async fn record_one(
    tx: &mut AnyConnection,
    scan_id: &str,
    item_key: &str,
    outcome: &JobOutcome,
    results: &[ItemResult],
    now: i64,
    stamp: i64,
) -> Result<RecordSummary, StoreError> {
    // The job row first: on PostgreSQL it locks out a duplicate delivery of the same job
    // until this one commits, and a scan that does not exist fails here.
    record_job_status(&mut *tx, scan_id, item_key, outcome, now)
        .await
        .map_err(|e| unknown_scan_if_dangling(e, scan_id))?;

    let mut summary = RecordSummary::default();
    let mut events = Vec::new();
    for result in results {
        apply_item(
            &mut *tx,
            scan_id,
            item_key,
            (now, stamp),
            result,
            &mut summary,
            &mut events,
        )
        .await?;
    }
    events.push(job_event(scan_id, item_key, outcome, &summary));
    for event in &events {
        audit::insert(&mut *tx, now, event).await?;
    }
    Ok(summary)
}

/// The audit event of a job's outcome, with what it changed.
pub(crate) fn job_event(
    scan_id: &str,
    item_key: &str,
    outcome: &JobOutcome,
    summary: &RecordSummary,
) -> NewAuditEvent {
    let status = outcome.item_status();
    NewAuditEvent {
        actor: WORKER.into(),
        action: job_action(status).into(),
        scan_id: Some(scan_id.to_owned()),
        subject: Some(item_key.to_owned()),
        detail: json!({
            "status": status,
            "message": outcome.message(),
            "opened": summary.opened,
            "reopened": summary.reopened,
            "resolved": summary.resolved,
            "classified_items": summary.classified_items,
            "skipped_items": summary.skipped_items,
        }),
    }
}

pub(crate) fn check_findings_belong_to_their_item(result: &ItemResult) -> Result<(), StoreError> {
    let ItemVerdict::Classified(findings) = &result.verdict else {
        return Ok(());
    };
    let item = &result.item;
    let foreign = findings.iter().any(|f| {
        f.location.content_type != item.content_type || item_id_of(&f.location) != item.item_id()
    });
    if foreign {
        // Refused, not stored: it would resolve the findings of the item it claims to be in.
        return Err(StoreError::Invalid(
            "a finding is recorded under an item it is not in",
        ));
    }
    Ok(())
}

fn job_action(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Done | ItemStatus::Queued => action::JOB_DONE,
        ItemStatus::Unchanged => action::JOB_UNCHANGED,
        ItemStatus::Failed => action::JOB_FAILED,
        ItemStatus::NotExtracted => action::JOB_NOT_EXTRACTED,
    }
}

/// Sets the job's row. A duplicate delivery (at-least-once) must not undo what the first
/// recorded: a late failure keeps a success, and a duplicate that finds its item already
/// classified ("unchanged") keeps "done" or "not extracted".
async fn record_job_status(
    conn: &mut AnyConnection,
    scan_id: &str,
    item_key: &str,
    outcome: &JobOutcome,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO scan_items (scan_id, item_key, label, status, error, attempts, updated_at) \
         VALUES ($1, $2, $2, $3, $4, 1, $5) \
         ON CONFLICT (scan_id, item_key) DO UPDATE SET \
           status = CASE WHEN (excluded.status = 'failed' \
                   AND scan_items.status IN ('done', 'unchanged', 'not_extracted')) \
                 OR (excluded.status = 'unchanged' AND scan_items.status IN ('done', 'not_extracted')) \
                 THEN scan_items.status ELSE excluded.status END, \
           error = CASE WHEN (excluded.status = 'failed' \
                   AND scan_items.status IN ('done', 'unchanged', 'not_extracted')) \
                 OR (excluded.status = 'unchanged' AND scan_items.status IN ('done', 'not_extracted')) \
                 THEN scan_items.error ELSE excluded.error END, \
           attempts = scan_items.attempts + 1, \
           updated_at = excluded.updated_at",
    )
    .bind(scan_id)
    .bind(item_key)
    .bind(outcome.item_status().as_str())
    .bind(outcome.message())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

async fn apply_item(
    conn: &mut AnyConnection,
    scan_id: &str,
    item_key: &str,
    (now, stamp): (i64, i64),
    result: &ItemResult,
    summary: &mut RecordSummary,
    events: &mut Vec<NewAuditEvent>,
) -> Result<(), StoreError> {
    link_to_scan(conn, scan_id, item_key, result).await?;
    let findings = match &result.verdict {
        ItemVerdict::Classified(findings) if claim_content(conn, result, now).await? => findings,
        ItemVerdict::Classified(_) | ItemVerdict::Unchanged => {
            summary.skipped_items += 1;
            return Ok(());
        }
    };
    summary.classified_items += 1;

    let existing = findings_of_item(conn, result).await?;
    let mut found = HashSet::new();
    for finding in findings {
        if !found.insert(finding.id.as_str()) {
            continue;
        }
        let now_status = upsert(conn, finding, scan_id, now, stamp).await?;
        let before = existing.get(&finding.id).copied();
        let change = match (before, now_status) {
            // Stays what it was: open, or closed by a person's decision.
            (Some(b), n) if b == n => None,
            (_, FindingStatus::Open) if before.is_none() => {
                Some((action::FINDING_OPENED, Some(&mut summary.opened)))
            }
            (_, FindingStatus::Open) => {
                Some((action::FINDING_REOPENED, Some(&mut summary.reopened)))
            }
            // A suppressed value found (again): recorded, never open.
            (_, s) if s.is_suppression() => Some((action::FINDING_SUPPRESSED, None)),
            _ => None,
        };
        if let Some((action, counter)) = change {
            if let Some(counter) = counter {
                *counter += 1;
            }
            events.push(finding_event(action, scan_id, &finding.id, Some(finding)));
        }
    }
    for (id, status) in &existing {
        if *status == FindingStatus::Open && !found.contains(id.as_str()) {
            sqlx::query(
                "UPDATE findings SET status = 'resolved', resolved_at = $1, last_scan_id = $2, \
                   change_seq = $4 WHERE id = $3",
            )
            .bind(now)
            .bind(scan_id)
            .bind(id.as_str())
            .bind(stamp)
            .execute(&mut *conn)
            .await?;
            summary.resolved += 1;
            events.push(finding_event(action::FINDING_RESOLVED, scan_id, id, None));
        }
    }
    Ok(())
}

/// Counts the item as covered by the scan (whatever happened to it), for `scan_findings`.
async fn link_to_scan(
    conn: &mut AnyConnection,
    scan_id: &str,
    item_key: &str,
    result: &ItemResult,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO scan_contents (scan_id, content_type, item_id, item_key) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (scan_id, content_type, item_id) DO NOTHING",
    )
    .bind(scan_id)
    .bind(result.item.content_type.as_str())
    .bind(result.item.item_id())
    .bind(item_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that this version of the item was classified with this rule set, unless a newer
/// version is already recorded; returns whether the result is to be applied.
///
/// On PostgreSQL the upsert also locks the item's row until commit, so two jobs for the same
/// item apply their findings one after the other.
async fn claim_content(
    conn: &mut AnyConnection,
    result: &ItemResult,
    now: i64,
) -> Result<bool, StoreError> {
    let claimed = sqlx::query(
        "INSERT INTO content_state (content_type, item_id, version, rules_digest, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (content_type, item_id) DO UPDATE SET \
           version = excluded.version, rules_digest = excluded.rules_digest, \
           updated_at = excluded.updated_at \
         WHERE content_state.version IS NULL OR excluded.version IS NULL \
           OR content_state.version <= excluded.version \
         RETURNING item_id",
    )
    .bind(result.item.content_type.as_str())
    .bind(result.item.item_id())
    .bind(result.version.map(i64::from))
    .bind(result.rules_digest.as_str())
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(claimed.is_some())
}

async fn findings_of_item(
    conn: &mut AnyConnection,
    result: &ItemResult,
) -> Result<HashMap<String, FindingStatus>, StoreError> {
    let rows =
        sqlx::query("SELECT id, status FROM findings WHERE content_type = $1 AND item_id = $2")
            .bind(result.item.content_type.as_str())
            .bind(result.item.item_id())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            let status: String = row.try_get("status")?;
            Ok((
                row.try_get("id")?,
                parse_word(&status, FindingStatus::parse, "findings.status")?,
            ))
        })
        .collect()
}

/// A finding's lifecycle event: its id and what detected it, never its value.
pub(crate) fn finding_event(
    action: &str,
    scan_id: &str,
    finding_id: &str,
    finding: Option<&Finding>,
) -> NewAuditEvent {
    let detail = match finding {
        Some(f) => json!({
            "detector": f.detector,
            "category": f.category,
            "severity": f.severity,
            "space_key": f.location.space_key,
            "page_id": f.location.page_id,
        }),
        None => json!({}),
    };
    NewAuditEvent {
        actor: WORKER.into(),
        action: action.into(),
        scan_id: Some(scan_id.to_owned()),
        subject: Some(finding_id.to_owned()),
        detail,
    }
}
