//! The queries that list findings: by filter in a chosen order and a page at a time, by id,
//! the open findings of a scan, and a filter's counts.

use sqlx::{AssertSqlSafe, Row};

use super::{COLUMNS, FROM, record_from_row};
use crate::{FindingFilter, FindingRecord, FindingStatus, FindingSummary, Store, StoreError};
use dlp_domain::{Category, ContentType, Finding};

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
        for chunk in ids.chunks(crate::batch::MAX_ROWS) {
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
    /// pass over the matches, grouped by all five columns at once (the order of the
    /// `findings_summary` index) and added up here. The groups are few (categories,
    /// severities, statuses, detectors and spaces that occur together), far fewer than the rows.
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
                Bind::Int(crate::model::severity_rank(min)),
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
