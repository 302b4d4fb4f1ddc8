//! Finding rows: writing a `Finding` as columns, reading it back exactly, and the queries
//! that list findings.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::batch::{rows_per_statement, values};
use super::model::{from_millis, parse_word};
use super::{FindingFilter, FindingRecord, FindingStatus, FindingSummary, Store, StoreError};
use dlp_domain::{Category, ContentType, Finding, Location, Region, Severity};

/// Every column of a finding row, in the order `record_from_row` reads them.
pub(crate) const COLUMNS: &str = "f.id, f.detector, f.category, f.severity, f.confidence, f.masked, \
    f.fingerprint, f.space_key, f.content_type, f.page_id, f.page_version, f.comment_id, \
    f.attachment_id, f.attachment_title, f.path, f.sheet, f.cell, f.pdf_page, f.line, \
    f.start_offset, f.end_offset, f.status, f.first_seen_at, f.last_seen_at, f.resolved_at, \
    f.last_scan_id, f.region, p.title AS page_title, p.web_link, \
    CAST(CASE WHEN f.content_type <> 'history' THEN 0 \
      WHEN EXISTS (SELECT 1 FROM findings cur WHERE cur.item_id = f.item_id \
        AND cur.fingerprint = f.fingerprint AND cur.detector = f.detector \
        AND cur.status = 'open' AND cur.content_type IN ('page', 'blogpost')) THEN 0 \
      ELSE 1 END AS BIGINT) AS in_history_only";

/// Findings with their page's title and link: the FROM clause of every query that reads
/// [`COLUMNS`]. `in_history_only` is computed per row served, one probe of the
/// `findings_by_value_in_item` index (migration 0010): the history item's id is its page's,
/// so the page's current body is found by the same `item_id`.
pub(crate) const FROM: &str = "findings f LEFT JOIN content_pages p ON p.page_id = f.page_id";

/// The id of the item a finding sits in, as `ContentRef::item_id` computes it for the item.
pub(crate) fn item_id_of(location: &Location) -> &str {
    let own = match location.content_type {
        ContentType::Comment => location.comment_id.as_deref(),
        ContentType::Attachment => location.attachment_id.as_deref(),
        ContentType::Page | ContentType::BlogPost | ContentType::File | ContentType::History => {
            None
        }
    };
    own.unwrap_or(&location.page_id)
}

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

fn offset(value: Option<usize>) -> Result<Option<i64>, StoreError> {
    value
        .map(i64::try_from)
        .transpose()
        .map_err(|_| StoreError::Invalid("a finding offset is beyond what the store can hold"))
}

impl Store {
    /// Every finding row, open or resolved: what a re-scan must never grow by duplicates.
    pub async fn count_findings(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM findings")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0))
    }

    /// Open findings in the content items this scan covered, classified or found unchanged,
    /// ordered by location (space, page, item, place in the item, offset).
    pub async fn scan_findings(&self, scan_id: &str) -> Result<Vec<Finding>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} JOIN scan_contents c \
               ON c.content_type = f.content_type AND c.item_id = f.item_id \
             WHERE c.scan_id = $1 AND f.status = 'open'"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(scan_id)
            .fetch_all(&self.pool)
            .await?;
        let mut findings = rows
            .iter()
            .map(|row| record_from_row(row).map(|r| r.finding))
            .collect::<Result<Vec<_>, _>>()?;
        // Sorted here, not in SQL: the two databases order NULLs and text differently.
        findings.sort_by(|a, b| location_order(a).cmp(&location_order(b)));
        Ok(findings)
    }

    /// Findings matching the filter in the filter's order, one page at a time: pass the last
    /// finding's id (and, for an order other than by id, its sort key) to get the next page.
    pub async fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRecord>, StoreError> {
        let mut conditions = Conditions::of(filter);
        let key = filter.sort.key_sql();
        let descending = filter.sort.is_descending();
        if let Some(after) = filter.after.as_deref() {
            match (key, filter.after_key) {
                (Some(key), Some(at)) => {
                    let op = if descending { "<" } else { ">" };
                    conditions.binds.push(Bind::Int(at));
                    conditions.binds.push(Bind::Text(after.to_owned()));
                    let (k, i) = (conditions.binds.len() - 1, conditions.binds.len());
                    conditions.sql.push(format!(
                        "({key} {op} ${k} OR ({key} = ${k} AND f.id {op} ${i}))"
                    ));
                }
                (Some(_), None) => {
                    return Err(StoreError::Invalid(
                        "paging a sorted list needs the last finding's sort key",
                    ));
                }
                (None, _) => conditions.push("f.id > ?", Bind::Text(after.to_owned())),
            }
        }
        let limit = filter.limit.clamp(1, FindingFilter::MAX_LIMIT);
        let (where_clause, binds) = conditions.finish();
        let direction = if descending { "DESC" } else { "ASC" };
        let order = match key {
            Some(key) => format!("{key} {direction}, f.id {direction}"),
            None => "f.id".to_owned(),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} {where_clause} ORDER BY {order} LIMIT ${}",
            binds.len() + 1
        );
        let query = bind_all(sqlx::query(AssertSqlSafe(sql)), binds);
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Findings by id, in the order of `ids`; ids with no finding are left out (a search
    /// index may name a finding the store no longer has).
    pub async fn findings_by_ids(&self, ids: &[String]) -> Result<Vec<FindingRecord>, StoreError> {
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(super::batch::MAX_ROWS) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT {COLUMNS} FROM {FROM} WHERE f.id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(&self.pool).await? {
                let record = record_from_row(&row)?;
                found.insert(record.finding.id.clone(), record);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// One finding by id, whatever its status.
    pub async fn finding(&self, id: &str) -> Result<Option<FindingRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE f.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// Counts of the findings matching the filter (its `after` and `limit` are ignored): one
    /// pass over the matches, grouped by all five columns at once (the order of the `findings_summary` index) and added
    /// up here. The
    /// groups are few (categories, severities, statuses, detectors and spaces that occur
    /// together), far fewer than the rows.
    pub async fn finding_summary(
        &self,
        filter: &FindingFilter,
    ) -> Result<FindingSummary, StoreError> {
        let (where_clause, binds) = Conditions::of(filter).finish();
        let sql = format!(
            "SELECT f.space_key, f.category, f.severity, f.detector, f.status, COUNT(*) \
             FROM findings f {where_clause} \
             GROUP BY f.space_key, f.category, f.severity, f.detector, f.status"
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
            .fetch_all(&self.pool)
            .await?;
        let mut summary = FindingSummary::default();
        for row in &rows {
            let count: i64 = row.try_get(5)?;
            let count =
                u64::try_from(count).map_err(|_| StoreError::Corrupt { column: "COUNT(*)" })?;
            for (column, counts) in [
                (0, &mut summary.by_space),
                (1, &mut summary.by_category),
                (2, &mut summary.by_severity),
                (3, &mut summary.by_detector),
                (4, &mut summary.by_status),
            ] {
                *counts.entry(row.try_get(column)?).or_insert(0) += count;
            }
            summary.total += count;
        }
        Ok(summary)
    }

    /// How many findings there are of each (category, status): one grouped query.
    pub async fn finding_counts(&self) -> Result<Vec<(String, String, u64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT category, status, COUNT(*) AS n FROM findings GROUP BY category, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("n")?;
                Ok((
                    r.try_get("category")?,
                    r.try_get("status")?,
                    u64::try_from(n).map_err(|_| StoreError::Corrupt { column: "COUNT(*)" })?,
                ))
            })
            .collect()
    }

    /// The jobs of the running scans, by status: the queue's work as the store sees it.
    pub async fn running_job_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.status, COUNT(*) AS n FROM scan_items i \
             JOIN scans s ON s.id = i.scan_id WHERE s.status = 'running' GROUP BY i.status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("n")?;
                Ok((
                    r.try_get("status")?,
                    u64::try_from(n).map_err(|_| StoreError::Corrupt { column: "COUNT(*)" })?,
                ))
            })
            .collect()
    }

    /// A trivial query: whether the database answers (the API's readiness check).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }
}

/// A value bound to a numbered placeholder.
enum Bind {
    Text(String),
    Real(f64),
    Int(i64),
}

/// A WHERE clause built from fixed fragments: only the fragments below and numbered
/// placeholders go into the SQL; every value from a filter is bound.
#[derive(Default)]
struct Conditions {
    sql: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    fn of(filter: &FindingFilter) -> Conditions {
        let mut c = Conditions::default();
        let text = |v: &str| Bind::Text(v.to_owned());
        for (fragment, value) in [
            ("f.space_key = ?", filter.space_key.as_deref()),
            ("f.status = ?", filter.status.map(FindingStatus::as_str)),
            ("f.category = ?", filter.category.map(Category::as_str)),
            ("f.detector = ?", filter.detector.as_deref()),
            ("f.page_id = ?", filter.page_id.as_deref()),
            (
                "f.content_type = ?",
                filter.content_type.map(ContentType::as_str),
            ),
        ] {
            if let Some(value) = value {
                c.push(fragment, text(value));
            }
        }
        if let Some(min) = filter.min_severity {
            // The stored rank (migration 0007), so that "at least" is a range an index serves.
            c.push(
                "f.severity_rank >= ?",
                Bind::Int(super::model::severity_rank(min)),
            );
        }
        if let Some(min) = filter.min_confidence {
            c.push("f.confidence >= ?", Bind::Real(min));
        }
        if let Some(t) = filter.first_seen_after {
            c.push("f.first_seen_at > ?", Bind::Int(t.timestamp_millis()));
        }
        if let Some(t) = filter.first_seen_before {
            c.push("f.first_seen_at < ?", Bind::Int(t.timestamp_millis()));
        }
        if let Some(scan_id) = filter.scan_id.as_deref() {
            c.push(
                "EXISTS (SELECT 1 FROM scan_contents c WHERE c.scan_id = ? \
                   AND c.content_type = f.content_type AND c.item_id = f.item_id)",
                text(scan_id),
            );
        }
        c
    }

    /// Adds a fragment whose one `?` becomes the next numbered placeholder.
    fn push(&mut self, fragment: &str, value: Bind) {
        self.binds.push(value);
        self.sql
            .push(fragment.replacen('?', &format!("${}", self.binds.len()), 1));
    }

    fn finish(self) -> (String, Vec<Bind>) {
        let clause = if self.sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.sql.join(" AND "))
        };
        (clause, self.binds)
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in binds {
        query = match value {
            Bind::Text(v) => query.bind(v),
            Bind::Real(v) => query.bind(v),
            Bind::Int(v) => query.bind(v),
        };
    }
    query
}

/// The order a reviewer reads findings in: by page, then by item and the place inside it.
fn location_order(f: &Finding) -> impl Ord + '_ {
    let l = &f.location;
    (
        (
            l.space_key.as_str(),
            l.page_id.as_str(),
            l.content_type.as_str(),
        ),
        (
            l.comment_id.as_deref(),
            l.attachment_id.as_deref(),
            l.path.as_deref(),
        ),
        (
            l.sheet.as_deref(),
            l.cell.as_deref(),
            l.pdf_page,
            l.line,
            l.start,
        ),
        f.id.as_str(),
    )
}

pub(crate) fn record_from_row(row: &AnyRow) -> Result<FindingRecord, StoreError> {
    let category: String = row.try_get("category")?;
    let severity: String = row.try_get("severity")?;
    let content_type: String = row.try_get("content_type")?;
    let status: String = row.try_get("status")?;
    let resolved_at: Option<i64> = row.try_get("resolved_at")?;
    let in_history_only: i64 = row.try_get("in_history_only")?;
    let location = Location {
        space_key: row.try_get("space_key")?,
        content_type: parse_word(&content_type, ContentType::parse, "findings.content_type")?,
        page_id: row.try_get("page_id")?,
        page_version: small(row, "page_version")?,
        comment_id: row.try_get("comment_id")?,
        attachment_id: row.try_get("attachment_id")?,
        attachment_title: row.try_get("attachment_title")?,
        path: row.try_get("path")?,
        sheet: row.try_get("sheet")?,
        cell: row.try_get("cell")?,
        pdf_page: small(row, "pdf_page")?,
        region: region_of(row)?,
        line: small(row, "line")?,
        start: wide(row, "start_offset")?,
        end: wide(row, "end_offset")?,
    };
    Ok(FindingRecord {
        finding: Finding {
            id: row.try_get("id")?,
            detector: row.try_get("detector")?,
            category: parse_word(&category, Category::parse, "findings.category")?,
            severity: parse_word(&severity, Severity::parse, "findings.severity")?,
            confidence: row.try_get("confidence")?,
            masked: row.try_get("masked")?,
            fingerprint: row.try_get("fingerprint")?,
            location,
        },
        status: parse_word(&status, FindingStatus::parse, "findings.status")?,
        first_seen_at: from_millis(row.try_get("first_seen_at")?, "findings.first_seen_at")?,
        last_seen_at: from_millis(row.try_get("last_seen_at")?, "findings.last_seen_at")?,
        resolved_at: resolved_at
            .map(|ms| from_millis(ms, "findings.resolved_at"))
            .transpose()?,
        last_scan_id: row.try_get("last_scan_id")?,
        page_title: row.try_get("page_title")?,
        web_link: row.try_get("web_link")?,
        in_history_only: in_history_only != 0,
    })
}

/// An OCR box as one column, "left,top,width,height": it is read and written whole, never
/// queried by its parts.
fn region_text(r: Region) -> String {
    format!("{},{},{},{}", r.left, r.top, r.width, r.height)
}

fn region_of(row: &AnyRow) -> Result<Option<Region>, StoreError> {
    let corrupt = || StoreError::Corrupt {
        column: "findings.region",
    };
    let Some(text) = row.try_get::<Option<String>, _>("region")? else {
        return Ok(None);
    };
    let parts: Vec<u32> = text
        .split(',')
        .map(|p| p.parse().map_err(|_| corrupt()))
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [left, top, width, height] => Ok(Some(Region {
            left,
            top,
            width,
            height,
        })),
        _ => Err(corrupt()),
    }
}

fn small(row: &AnyRow, column: &'static str) -> Result<Option<u32>, StoreError> {
    let value: Option<i64> = row.try_get(column)?;
    value
        .map(u32::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt { column })
}

fn wide(row: &AnyRow, column: &'static str) -> Result<Option<usize>, StoreError> {
    let value: Option<i64> = row.try_get(column)?;
    value
        .map(usize::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt { column })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlp_domain::{ContentRef, SegmentOrigin};

    fn item(content_type: ContentType) -> ContentRef {
        ContentRef {
            space_key: "ENG".into(),
            content_type,
            page_id: "123".into(),
            page_version: Some(4),
            comment_id: Some("c9".into()).filter(|_| content_type == ContentType::Comment),
            attachment_id: Some("att7".into()).filter(|_| content_type == ContentType::Attachment),
            attachment_title: None,
        }
    }

    #[test]
    fn a_finding_sits_in_the_same_item_its_content_ref_names() {
        for ct in ContentType::ALL {
            let item = item(ct);
            let loc = Location::new(&item, &SegmentOrigin::default(), 1, 0, 4);
            assert_eq!(item_id_of(&loc), item.item_id(), "{ct:?}");
        }
    }

    #[test]
    fn offsets_beyond_i64_are_refused() {
        assert_eq!(offset(Some(7)).unwrap(), Some(7));
        assert_eq!(offset(None).unwrap(), None);
        assert!(matches!(
            offset(Some(usize::MAX)),
            Err(StoreError::Invalid(_))
        ));
    }
}
