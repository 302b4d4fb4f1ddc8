//! What the scheduler role keeps: leases (one scheduler acts at a time) and the last tick of
//! each schedule (a missed tick runs once, never twice).

use sqlx::Row;

use super::model::now_millis;
use super::{Store, StoreError};

impl Store {
    /// Takes or renews the lease `name` for `holder` until `ttl_ms` from now; `true` when
    /// `holder` has it. Another holder's lease is taken only once it has expired.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = now_millis();
        let row = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
               expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at < $4 \
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now.saturating_add(ttl_ms))
        .bind(now)
        .fetch_optional(&self.writer)
        .await?;
        Ok(row.is_some())
    }

    /// Gives the lease up at once (a scheduler that stops), if `holder` has it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The last tick (ms) the schedule acted on, if it ever did.
    pub async fn schedule_tick(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT last_tick_at FROM schedule_ticks WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<i64, _>(0)))
    }

    /// Records that the schedule acted on `tick_ms` (and started `scan_id`, if it did).
    pub async fn set_schedule_tick(
        &self,
        name: &str,
        tick_ms: i64,
        scan_id: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO schedule_ticks (name, last_tick_at, last_scan_id, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET \
               last_tick_at = excluded.last_tick_at, last_scan_id = excluded.last_scan_id, \
               updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(tick_ms)
        .bind(scan_id)
        .bind(now_millis())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Ids of the scans still running: the scheduler re-checks them, so that a scan whose last
    /// job's check was lost (a store outage at that moment) still completes.
    pub async fn running_scan_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM scans WHERE status = 'running' AND kind = 'space' \
                 ORDER BY started_at",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
