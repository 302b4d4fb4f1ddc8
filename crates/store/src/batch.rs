//! Recording many jobs of one scan at once: a few multi-row statements per batch, in one
//! transaction. A local scan records thousands of small files, and one transaction of five or
//! more statements per file cost more than classifying the file (about 0.8 ms each).
//!
//! The result is that of [`Store::record_job`] called for each job in turn. A multi-row upsert
//! cannot touch one row twice (PostgreSQL refuses the statement), so the jobs are applied in
//! rounds: a job goes into the round after the last one that touches any of its rows (its job
//! row, its items, its findings). Within a round no two jobs share a row, so their order does
//! not change what is stored.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::audit;
use super::changes::next_stamp;
use super::findings::upsert_many;
use super::model::{now_millis, parse_word};
use super::record::{check_findings_belong_to_their_item, finding_event, job_event, record_one};
use super::scans::unknown_scan_if_dangling;
use super::{
    Backend, FindingStatus, ItemResult, ItemStatus, ItemVerdict, JobOutcome, RecordSummary, Store,
    StoreError,
};
use crate::audit::action;

/// One job's outcome, as [`Store::record_job`] takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub item_key: String,
    /// What a job row created here (one never enqueued) is labelled with; its key if `None`.
    pub label: Option<String>,
    pub outcome: JobOutcome,
    pub results: Vec<ItemResult>,
}

/// Bind parameters per multi-row statement written with [`values`]. Below the databases'
/// limits (SQLite 32,766, PostgreSQL 65,535), and enough that a batch of 256 jobs writes each
/// table in one or two statements: every statement is a round trip to sqlx's SQLite thread.
/// At 128 parameters a statement, a local scan of 24,494 files switched threads about 20,000
/// times, mostly between those two; about 12,000 at this size. Binding stays linear:
/// [`values`] leaves SQLite's parameters anonymous.
const MAX_PARAMS: usize = 2048;
/// Rows per multi-row statement, for the statements of one parameter per row.
const MAX_VALUES_ROWS: usize = 1024;
/// Ids per `IN (...)` list. These lists number their parameters (`$1`, `$2`, ...), which
/// sqlx looks up by name on SQLite, a scan of the statement's names: binding costs the square
/// of their number (18% of a local scan's CPU at 30,000 a statement), lost in the noise at
/// this size.
pub(crate) const MAX_ROWS: usize = 128;

/// How many rows of `template` (one row, a `?` per parameter) fit in one statement.
pub(crate) fn rows_per_statement(template: &str) -> usize {
    let params = template.matches('?').count().max(1);
    (MAX_PARAMS / params).clamp(1, MAX_VALUES_ROWS)
}

/// `rows` copies of `template`, comma-separated, with its `?`s as `conn`'s backend takes
/// them: numbered `$1`, `$2`, ... in order for PostgreSQL, left anonymous for SQLite. sqlx
/// asks SQLite the name of each numbered parameter, and SQLite finds it by a scan of the
/// statement's names: binding cost the square of the parameters, 1.6% of a local scan's CPU
/// at 128 a statement. An anonymous `?` has no name to look up.
pub(crate) fn values(conn: &AnyConnection, template: &str, rows: usize) -> String {
    let numbered = !conn.backend_name().eq_ignore_ascii_case("sqlite");
    placeholders(template, rows, numbered)
}

/// [`values`] for a statement run on one of `backend`'s pools.
pub(crate) fn values_for(backend: Backend, template: &str, rows: usize) -> String {
    placeholders(template, rows, backend == Backend::Postgres)
}

fn placeholders(template: &str, rows: usize, numbered: bool) -> String {
    let mut out = String::with_capacity((template.len() + 16) * rows);
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        for c in template.chars() {
            if c == '?' && numbered {
                n += 1;
                let _ = write!(out, "${n}");
            } else {
                out.push(c);
            }
        }
    }
    out
}

impl Store {
    /// [`Store::enqueue_item`] for many items, in one transaction; returns how many were new.
    pub async fn enqueue_items(
        &self,
        scan_id: &str,
        items: &[(String, String)],
    ) -> Result<u64, StoreError> {
        const ROW: &str = "(?, ?, ?, ?, 0, ?)";
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let mut inserted = 0;
        for chunk in items.chunks(rows_per_statement(ROW)) {
            let sql = format!(
                "INSERT INTO scan_items (scan_id, item_key, label, status, attempts, updated_at) \
                 VALUES {} ON CONFLICT (scan_id, item_key) DO NOTHING",
                values(&tx, ROW, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (key, label) in chunk {
                query = query
                    .bind(scan_id)
                    .bind(key.as_str())
                    .bind(label.as_str())
                    .bind(ItemStatus::Queued.as_str())
                    .bind(now);
            }
            let done = query
                .execute(&mut *tx)
                .await
                .map_err(|e| unknown_scan_if_dangling(e.into(), scan_id))?;
            inserted += done.rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Records the outcomes of many jobs of a scan in one transaction, with what
    /// [`Store::record_job`] does for each (job rows, findings, `content_state`, audit);
    /// returns the sum of their summaries. Either all are recorded or none.
    pub async fn record_jobs(
        &self,
        scan_id: &str,
        jobs: &[JobRecord],
    ) -> Result<RecordSummary, StoreError> {
        for job in jobs {
            for result in &job.results {
                check_findings_belong_to_their_item(result)?;
            }
        }
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let stamp = next_stamp(&mut tx).await?;
        let mut total = RecordSummary::default();
        let mut planner = Rounds::default();
        for job in jobs {
            if !planner.add(job) {
                // The job touches one of its own rows twice (the same item listed twice): no
                // multi-row statement can hold it, so it goes alone, after what came before.
                for round in planner.take() {
                    add(
                        &mut total,
                        record_round(&mut tx, scan_id, &round, now, stamp).await?,
                    );
                }
                let summary = record_one(
                    &mut tx,
                    scan_id,
                    &job.item_key,
                    &job.outcome,
                    &job.results,
                    now,
                    stamp,
                )
                .await?;
                add(&mut total, summary);
            }
        }
        for round in planner.take() {
            add(
                &mut total,
                record_round(&mut tx, scan_id, &round, now, stamp).await?,
            );
        }
        tx.commit().await?;
        Ok(total)
    }
}

fn add(total: &mut RecordSummary, part: RecordSummary) {
    total.opened += part.opened;
    total.reopened += part.reopened;
    total.resolved += part.resolved;
    total.classified_items += part.classified_items;
    total.skipped_items += part.skipped_items;
}

/// A row a job writes, to keep two jobs that write the same row out of one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Touches<'a> {
    Job(&'a str),
    Item(&'a str, &'a str),
    Finding(&'a str),
}

#[derive(Default)]
struct Rounds<'a> {
    rounds: Vec<Vec<&'a JobRecord>>,
    last_round: HashMap<Touches<'a>, usize>,
}

impl<'a> Rounds<'a> {
    /// Places the job in the round after the last that touches one of its rows; `false` when
    /// the job touches a row twice itself.
    fn add(&mut self, job: &'a JobRecord) -> bool {
        let mut rows = vec![Touches::Job(&job.item_key)];
        for result in &job.results {
            rows.push(Touches::Item(
                result.item.content_type.as_str(),
                result.item.item_id(),
            ));
            if let ItemVerdict::Classified(findings) = &result.verdict {
                // One finding twice in an item is written once (see `record_job`).
                let ids: HashSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
                rows.extend(ids.into_iter().map(Touches::Finding));
            }
        }
        let distinct: HashSet<_> = rows.iter().collect();
        if distinct.len() != rows.len() {
            return false;
        }
        let round = rows
            .iter()
            .filter_map(|r| self.last_round.get(r))
            .map(|r| r + 1)
            .max()
            .unwrap_or(0);
        if round == self.rounds.len() {
            self.rounds.push(Vec::new());
        }
        self.rounds[round].push(job);
        for row in rows {
            self.last_round.insert(row, round);
        }
        true
    }

    fn take(&mut self) -> Vec<Vec<&'a JobRecord>> {
        self.last_round.clear();
        std::mem::take(&mut self.rounds)
    }
}

/// Jobs that share no row, with a few statements each for all of them.
async fn record_round(
    conn: &mut AnyConnection,
    scan_id: &str,
    jobs: &[&JobRecord],
    now: i64,
    stamp: i64,
) -> Result<RecordSummary, StoreError> {
    job_statuses(conn, scan_id, jobs, now)
        .await
        .map_err(|e| unknown_scan_if_dangling(e, scan_id))?;
    let results: Vec<(&str, &ItemResult)> = jobs
        .iter()
        .flat_map(|job| job.results.iter().map(|r| (job.item_key.as_str(), r)))
        .collect();
    link_to_scan(conn, scan_id, &results).await?;
    let classified: Vec<&ItemResult> = results
        .iter()
        .filter(|(_, r)| matches!(r.verdict, ItemVerdict::Classified(_)))
        .map(|(_, r)| *r)
        .collect();
    let claimed = claim_contents(conn, &classified, now).await?;
    let existing = findings_of_items(conn, &claimed).await?;

    let none = HashMap::new();
    let mut total = RecordSummary::default();
    let mut events = Vec::new();
    let mut upserts = Vec::new();
    let mut resolves = Vec::new();
    for job in jobs {
        let mut summary = RecordSummary::default();
        for result in &job.results {
            let item = (
                result.item.content_type.as_str().to_owned(),
                result.item.item_id().to_owned(),
            );
            let findings = match &result.verdict {
                ItemVerdict::Classified(findings) if claimed.contains(&item) => findings,
                ItemVerdict::Classified(_) | ItemVerdict::Unchanged => {
                    summary.skipped_items += 1;
                    continue;
                }
            };
            summary.classified_items += 1;
            let existing = existing.get(&item).unwrap_or(&none);
            let mut found = HashSet::new();
            for finding in findings {
                if !found.insert(finding.id.as_str()) {
                    continue;
                }
                let change = match existing.get(&finding.id) {
                    None => Some((action::FINDING_OPENED, &mut summary.opened)),
                    Some(FindingStatus::Resolved) => {
                        Some((action::FINDING_REOPENED, &mut summary.reopened))
                    }
                    // Open stays open; a person's decision stays (the upsert keeps it).
                    Some(
                        FindingStatus::Open
                        | FindingStatus::FalsePositive
                        | FindingStatus::AcceptedRisk,
                    ) => None,
                };
                if let Some((action, counter)) = change {
                    *counter += 1;
                    events.push(finding_event(action, scan_id, &finding.id, Some(finding)));
                }
                upserts.push(finding);
            }
            for (id, status) in existing {
                if *status == FindingStatus::Open && !found.contains(id.as_str()) {
                    summary.resolved += 1;
                    events.push(finding_event(action::FINDING_RESOLVED, scan_id, id, None));
                    resolves.push(id.as_str());
                }
            }
        }
        events.push(job_event(scan_id, &job.item_key, &job.outcome, &summary));
        add(&mut total, summary);
    }
    // Resolved before upserted: should an id be found under another item than the one that
    // held it, it ends open, as it would with the jobs recorded one by one in either order.
    resolve(conn, scan_id, &resolves, now, stamp).await?;
    upsert_many(conn, &upserts, scan_id, now, stamp).await?;
    audit::insert_many(conn, now, &events).await?;
    Ok(total)
}

/// The jobs' rows, as `record_job_status` writes one.
async fn job_statuses(
    conn: &mut AnyConnection,
    scan_id: &str,
    jobs: &[&JobRecord],
    now: i64,
) -> Result<(), StoreError> {
    const ROW: &str = "(?, ?, ?, ?, ?, 1, ?)";
    for chunk in jobs.chunks(rows_per_statement(ROW)) {
        let sql = format!(
            "INSERT INTO scan_items (scan_id, item_key, label, status, error, attempts, updated_at) \
             VALUES {} \
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
            values(&*conn, ROW, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for job in chunk {
            query = query
                .bind(scan_id)
                .bind(job.item_key.as_str())
                .bind(job.label.as_deref().unwrap_or(&job.item_key))
                .bind(job.outcome.item_status().as_str())
                .bind(job.outcome.message())
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn link_to_scan(
    conn: &mut AnyConnection,
    scan_id: &str,
    results: &[(&str, &ItemResult)],
) -> Result<(), StoreError> {
    const ROW: &str = "(?, ?, ?, ?)";
    for chunk in results.chunks(rows_per_statement(ROW)) {
        let sql = format!(
            "INSERT INTO scan_contents (scan_id, content_type, item_id, item_key) VALUES {} \
             ON CONFLICT (scan_id, content_type, item_id) DO NOTHING",
            values(&*conn, ROW, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (item_key, result) in chunk {
            query = query
                .bind(scan_id)
                .bind(result.item.content_type.as_str())
                .bind(result.item.item_id())
                .bind(*item_key);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `claim_content` for many items: the (content type, item id) of those to apply.
async fn claim_contents(
    conn: &mut AnyConnection,
    results: &[&ItemResult],
    now: i64,
) -> Result<HashSet<(String, String)>, StoreError> {
    const ROW: &str = "(?, ?, ?, ?, ?)";
    let mut claimed = HashSet::new();
    for chunk in results.chunks(rows_per_statement(ROW)) {
        let sql = format!(
            "INSERT INTO content_state (content_type, item_id, version, rules_digest, updated_at) \
             VALUES {} \
             ON CONFLICT (content_type, item_id) DO UPDATE SET \
               version = excluded.version, rules_digest = excluded.rules_digest, \
               updated_at = excluded.updated_at \
             WHERE content_state.version IS NULL OR excluded.version IS NULL \
               OR content_state.version <= excluded.version \
             RETURNING content_type, item_id",
            values(&*conn, ROW, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for result in chunk {
            query = query
                .bind(result.item.content_type.as_str())
                .bind(result.item.item_id())
                .bind(result.version.map(i64::from))
                .bind(result.rules_digest.as_str())
                .bind(now);
        }
        for row in query.fetch_all(&mut *conn).await? {
            claimed.insert((row.try_get("content_type")?, row.try_get("item_id")?));
        }
    }
    Ok(claimed)
}

type ItemFindings = HashMap<(String, String), HashMap<String, FindingStatus>>;

/// The findings recorded for each item, by content type and item id.
async fn findings_of_items(
    conn: &mut AnyConnection,
    items: &HashSet<(String, String)>,
) -> Result<ItemFindings, StoreError> {
    let mut by_type: HashMap<&str, Vec<&str>> = HashMap::new();
    for (content_type, item_id) in items {
        by_type.entry(content_type).or_default().push(item_id);
    }
    let mut out = ItemFindings::new();
    for (content_type, ids) in by_type {
        for chunk in ids.chunks(MAX_ROWS) {
            let placeholders: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT id, status, item_id FROM findings \
                 WHERE content_type = $1 AND item_id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(content_type);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let status: String = row.try_get("status")?;
                let status = parse_word(&status, FindingStatus::parse, "findings.status")?;
                out.entry((content_type.to_owned(), row.try_get("item_id")?))
                    .or_default()
                    .insert(row.try_get("id")?, status);
            }
        }
    }
    Ok(out)
}

async fn resolve(
    conn: &mut AnyConnection,
    scan_id: &str,
    ids: &[&str],
    now: i64,
    stamp: i64,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(MAX_ROWS) {
        let placeholders: Vec<String> = (4..chunk.len() + 4).map(|n| format!("${n}")).collect();
        let sql = format!(
            "UPDATE findings SET status = 'resolved', resolved_at = $1, last_scan_id = $2, \
               change_seq = $3 WHERE id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(now)
            .bind(scan_id)
            .bind(stamp);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_number_the_placeholders_across_rows() {
        assert_eq!(
            placeholders("(?, ?, 0)", 2, true),
            "($1, $2, 0), ($3, $4, 0)"
        );
        assert_eq!(placeholders("(?)", 1, true), "($1)");
        assert_eq!(placeholders("(?, ?, 0)", 2, false), "(?, ?, 0), (?, ?, 0)");
    }

    #[test]
    fn statements_stay_under_the_parameter_limit() {
        assert_eq!(rows_per_statement("(?)"), MAX_VALUES_ROWS);
        assert_eq!(rows_per_statement("(?, ?, 0)"), MAX_PARAMS / 2);
        // A row wider than the limit still goes, one to a statement.
        let wide = format!("({})", vec!["?"; MAX_PARAMS + 1].join(", "));
        assert_eq!(rows_per_statement(&wide), 1);
    }
}
