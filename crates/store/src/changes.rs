//! The findings' change sequence: what keeps every search index in step with the store.
//!
//! Each transaction that writes findings first takes the next value of one counter and stamps
//! every row it writes with it. The counter's row stays locked until the transaction ends
//! (PostgreSQL row lock; SQLite's write lock is already exclusive), so stamps are handed out
//! in commit order: once a reader has seen stamp N, no transaction can still commit a stamp
//! below N. An index that remembers the last (stamp, id) it read therefore catches up by
//! reading what comes after, however many processes write and read.

use sqlx::{AnyConnection, Row};

use super::{FindingRecord, Store, StoreError};
use crate::findings::{COLUMNS, FROM, record_from_row};

/// Takes the next stamp. Call it before any other write of the transaction, so that every
/// writer takes its locks in the same order (the counter first) and none can deadlock.
pub(crate) async fn next_stamp(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "UPDATE change_counters SET value = value + 1 WHERE name = 'findings' RETURNING value",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

/// A finding as the search index takes it: the stored finding (with its page's title) and
/// the stamp of its last change.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingChange {
    pub seq: i64,
    pub record: FindingRecord,
}

impl Store {
    /// Findings changed after `(seq, id)`, in stamp order, at most `limit`. Start from
    /// `(0, "")`; pass the last change's stamp and id to continue.
    pub async fn finding_changes(
        &self,
        after_seq: i64,
        after_id: &str,
        limit: u32,
    ) -> Result<Vec<FindingChange>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, f.change_seq FROM {FROM} \
             WHERE f.change_seq > $1 OR (f.change_seq = $1 AND f.id > $2) \
             ORDER BY f.change_seq, f.id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after_seq)
            .bind(after_id)
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FindingChange {
                    seq: row.try_get("change_seq")?,
                    record: record_from_row(row)?,
                })
            })
            .collect()
    }

    /// The newest stamp handed out (0 on a new store): how far behind an index is.
    pub async fn latest_change(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT value FROM change_counters WHERE name = 'findings'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }
}
