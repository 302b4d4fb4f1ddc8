//! Page history (`scan --history`): which older versions of a page were already classified
//! under which rule pack, and the findings its history item holds.
//!
//! The older versions of a page or blog post are one item, content type history, whose id is
//! the page's. A history job records that item whole: the findings of the versions it read
//! this time and those of the versions read before under the same rules, which it does not
//! fetch again (a version never changes once written).

use std::collections::HashSet;

use sqlx::{AssertSqlSafe, Row};

use super::batch::{rows_per_statement, values};
use super::findings::{COLUMNS, FROM, record_from_row};
use super::model::now_millis;
use super::{Store, StoreError};
use dlp_domain::Finding;

impl Store {
    /// The older versions of the page (its history item's id) already classified with this
    /// rule pack.
    pub async fn classified_history_versions(
        &self,
        page_id: &str,
        rules_digest: &str,
    ) -> Result<HashSet<u32>, StoreError> {
        let rows = sqlx::query(
            "SELECT version FROM history_versions WHERE item_id = $1 AND rules_digest = $2",
        )
        .bind(page_id)
        .bind(rules_digest)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let v: i64 = row.try_get(0)?;
                u32::try_from(v).map_err(|_| StoreError::Corrupt {
                    column: "history_versions.version",
                })
            })
            .collect()
    }

    /// Records that these older versions of the page were classified with this rule pack
    /// (their findings already recorded with the page's history item).
    pub async fn mark_history_versions(
        &self,
        page_id: &str,
        versions: &[u32],
        rules_digest: &str,
    ) -> Result<(), StoreError> {
        const ROW: &str = "(?, ?, ?, ?)";
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        for chunk in versions.chunks(rows_per_statement(ROW)) {
            let sql = format!(
                "INSERT INTO history_versions (item_id, version, rules_digest, updated_at) \
                 VALUES {} ON CONFLICT (item_id, version) DO UPDATE SET \
                   rules_digest = excluded.rules_digest, updated_at = excluded.updated_at",
                values(&tx, ROW, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for version in chunk {
                query = query
                    .bind(page_id)
                    .bind(i64::from(*version))
                    .bind(rules_digest)
                    .bind(now);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The findings of the page's history item that are not resolved (open, or closed by a
    /// person), each at the newest older version recorded to hold it.
    pub async fn history_findings(&self, page_id: &str) -> Result<Vec<Finding>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} \
             WHERE f.content_type = 'history' AND f.item_id = $1 AND f.status <> 'resolved'"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(page_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| record_from_row(row).map(|r| r.finding))
            .collect()
    }

    /// The ids of the scan's open findings (as [`Store::scan_findings`] lists them) that sit
    /// in history only: in a page's older versions, with no open finding of the same rule and
    /// value in the page's current body.
    pub async fn scan_findings_in_history_only(
        &self,
        scan_id: &str,
    ) -> Result<HashSet<String>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} JOIN scan_contents c \
               ON c.content_type = f.content_type AND c.item_id = f.item_id \
             WHERE c.scan_id = $1 AND f.status = 'open' AND f.content_type = 'history'"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(scan_id)
            .fetch_all(&self.pool)
            .await?;
        let mut ids = HashSet::new();
        for row in &rows {
            let record = record_from_row(row)?;
            if record.in_history_only {
                ids.insert(record.finding.id);
            }
        }
        Ok(ids)
    }
}
