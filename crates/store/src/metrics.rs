//! What the service's `/metrics` and readiness probe ask of the store: findings and the
//! running scans' jobs counted by status, and whether the database answers at all.

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
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
