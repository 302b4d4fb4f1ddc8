//! Writing finding rows: one finding, or many a few hundred to a statement, inserted as open
//! or updated in place, with what a person decided about the value kept.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{item_id_of, offset, region_text};
use crate::batch::{rows_per_statement, values};
use crate::model::parse_word;
use crate::{FindingStatus, StoreError};
use dlp_domain::Finding;

/// Inserts the finding as open, or updates the row with its id: the place, version and
/// offsets move with edits, `first_seen_at` stays, a resolved finding is open again. A value
/// whose fingerprint is suppressed (a person's false positive or accepted risk) takes the
/// suppression's status instead of open, and a finding a person closed stays closed. Returns
/// the status the row has now.
pub(crate) async fn upsert(
    conn: &mut AnyConnection,
    finding: &Finding,
    scan_id: &str,
    now: i64,
    stamp: i64,
) -> Result<FindingStatus, StoreError> {
    let l = &finding.location;
    let row = sqlx::query(
        "INSERT INTO findings (id, detector, category, severity, confidence, masked, fingerprint, \
           space_key, content_type, item_id, page_id, page_version, comment_id, attachment_id, \
           attachment_title, path, sheet, cell, pdf_page, line, start_offset, end_offset, \
           status, first_seen_at, last_seen_at, resolved_at, last_scan_id, region, change_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
           $18, $19, $20, $21, $22, \
           COALESCE((SELECT s.status FROM finding_suppressions s WHERE s.fingerprint = $7), 'open'), \
           $23, $23, \
           CASE WHEN EXISTS (SELECT 1 FROM finding_suppressions s WHERE s.fingerprint = $7) \
             THEN $23 END, \
           $24, $25, $26) \
         ON CONFLICT (id) DO UPDATE SET \
           detector = excluded.detector, category = excluded.category, \
           severity = excluded.severity, confidence = excluded.confidence, \
           masked = excluded.masked, fingerprint = excluded.fingerprint, \
           space_key = excluded.space_key, content_type = excluded.content_type, \
           item_id = excluded.item_id, page_id = excluded.page_id, \
           page_version = excluded.page_version, comment_id = excluded.comment_id, \
           attachment_id = excluded.attachment_id, attachment_title = excluded.attachment_title, \
           path = excluded.path, sheet = excluded.sheet, cell = excluded.cell, \
           pdf_page = excluded.pdf_page, line = excluded.line, \
           start_offset = excluded.start_offset, end_offset = excluded.end_offset, \
           last_seen_at = excluded.last_seen_at, \
           status = CASE WHEN findings.status IN ('false_positive', 'accepted_risk') \
             THEN findings.status ELSE excluded.status END, \
           resolved_at = CASE WHEN findings.status IN ('false_positive', 'accepted_risk') \
             THEN findings.resolved_at ELSE excluded.resolved_at END, \
           last_scan_id = excluded.last_scan_id, region = excluded.region, \
           change_seq = excluded.change_seq \
         RETURNING status",
    )
    .bind(finding.id.as_str())
    .bind(finding.detector.as_str())
    .bind(finding.category.as_str())
    .bind(finding.severity.as_str())
    .bind(finding.confidence)
    .bind(finding.masked.as_str())
    .bind(finding.fingerprint.as_str())
    .bind(l.space_key.as_str())
    .bind(l.content_type.as_str())
    .bind(item_id_of(l))
    .bind(l.page_id.as_str())
    .bind(l.page_version.map(i64::from))
    .bind(l.comment_id.as_deref())
    .bind(l.attachment_id.as_deref())
    .bind(l.attachment_title.as_deref())
    .bind(l.path.as_deref())
    .bind(l.sheet.as_deref())
    .bind(l.cell.as_deref())
    .bind(l.pdf_page.map(i64::from))
    .bind(l.line.map(i64::from))
    .bind(offset(l.start)?)
    .bind(offset(l.end)?)
    .bind(now)
    .bind(scan_id)
    .bind(l.region.map(region_text))
    .bind(stamp)
    .fetch_one(conn)
    .await?;
    let status: String = row.try_get(0)?;
    parse_word(&status, FindingStatus::parse, "findings.status")
}

/// [`upsert`] for many findings, a few hundred rows per statement. The ids must be distinct:
/// PostgreSQL refuses a statement that updates the same row twice.
pub(crate) async fn upsert_many(
    conn: &mut AnyConnection,
    findings: &[&Finding],
    scan_id: &str,
    now: i64,
    stamp: i64,
) -> Result<(), StoreError> {
    // As in `upsert`: a suppressed fingerprint is recorded under its suppression's status, and
    // a finding a person closed stays closed.
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \
                       COALESCE((SELECT s.status FROM finding_suppressions s WHERE s.fingerprint = ?), 'open'), \
                       ?, ?, \
                       CASE WHEN EXISTS (SELECT 1 FROM finding_suppressions s WHERE s.fingerprint = ?) THEN ? END, \
                       ?, ?, ?)";
    for chunk in findings.chunks(rows_per_statement(ROW)) {
        let sql = format!(
            "INSERT INTO findings (id, detector, category, severity, confidence, masked, \
               fingerprint, space_key, content_type, item_id, page_id, page_version, comment_id, \
               attachment_id, attachment_title, path, sheet, cell, pdf_page, line, start_offset, \
               end_offset, status, first_seen_at, last_seen_at, resolved_at, last_scan_id, region, \
               change_seq) \
             VALUES {} \
             ON CONFLICT (id) DO UPDATE SET \
               detector = excluded.detector, category = excluded.category, \
               severity = excluded.severity, confidence = excluded.confidence, \
               masked = excluded.masked, fingerprint = excluded.fingerprint, \
               space_key = excluded.space_key, content_type = excluded.content_type, \
               item_id = excluded.item_id, page_id = excluded.page_id, \
               page_version = excluded.page_version, comment_id = excluded.comment_id, \
               attachment_id = excluded.attachment_id, \
               attachment_title = excluded.attachment_title, \
               path = excluded.path, sheet = excluded.sheet, cell = excluded.cell, \
               pdf_page = excluded.pdf_page, line = excluded.line, \
               start_offset = excluded.start_offset, end_offset = excluded.end_offset, \
               last_seen_at = excluded.last_seen_at, \
               status = CASE WHEN findings.status IN ('false_positive', 'accepted_risk') \
                 THEN findings.status ELSE excluded.status END, \
               resolved_at = CASE WHEN findings.status IN ('false_positive', 'accepted_risk') \
                 THEN findings.resolved_at ELSE excluded.resolved_at END, \
               last_scan_id = excluded.last_scan_id, region = excluded.region, \
               change_seq = excluded.change_seq",
            values(&*conn, ROW, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for finding in chunk {
            let l = &finding.location;
            query = query
                .bind(finding.id.as_str())
                .bind(finding.detector.as_str())
                .bind(finding.category.as_str())
                .bind(finding.severity.as_str())
                .bind(finding.confidence)
                .bind(finding.masked.as_str())
                .bind(finding.fingerprint.as_str())
                .bind(l.space_key.as_str())
                .bind(l.content_type.as_str())
                .bind(item_id_of(l))
                .bind(l.page_id.as_str())
                .bind(l.page_version.map(i64::from))
                .bind(l.comment_id.as_deref())
                .bind(l.attachment_id.as_deref())
                .bind(l.attachment_title.as_deref())
                .bind(l.path.as_deref())
                .bind(l.sheet.as_deref())
                .bind(l.cell.as_deref())
                .bind(l.pdf_page.map(i64::from))
                .bind(l.line.map(i64::from))
                .bind(offset(l.start)?)
                .bind(offset(l.end)?)
                // status (a suppression's), first_seen_at, last_seen_at, resolved_at
                .bind(finding.fingerprint.as_str())
                .bind(now)
                .bind(now)
                .bind(finding.fingerprint.as_str())
                .bind(now)
                .bind(scan_id)
                .bind(l.region.map(region_text))
                .bind(stamp);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
