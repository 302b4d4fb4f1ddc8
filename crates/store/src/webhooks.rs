//! Webhook deliveries already taken: the replay and duplicate guard of the receivers.

use super::model::now_millis;
use super::{Store, StoreError};

impl Store {
    /// Claims a delivery (or a content version) for this process: `true` the first time,
    /// `false` for one already claimed and not yet pruned.
    pub async fn claim_delivery(
        &self,
        source: &str,
        delivery_id: &str,
    ) -> Result<bool, StoreError> {
        let now = now_millis();
        let done = sqlx::query(
            "INSERT INTO webhook_deliveries (source, delivery_id, received_at) \
             VALUES ($1, $2, $3) ON CONFLICT (source, delivery_id) DO NOTHING",
        )
        .bind(source)
        .bind(delivery_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Drops claims older than `keep_ms`, so the table holds about one replay window.
    pub async fn prune_deliveries(&self, keep_ms: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM webhook_deliveries WHERE received_at < $1")
            .bind(now_millis().saturating_sub(keep_ms))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives a claim back: the delivery could not be persisted as a job, so the sender's
    /// retry must be taken.
    pub async fn release_delivery(
        &self,
        source: &str,
        delivery_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2")
            .bind(source)
            .bind(delivery_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_delivery_is_claimed_once_until_released_or_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let store = Store::connect(&url).await.unwrap();
        assert!(store.claim_delivery("forge", "jti-1").await.unwrap());
        assert!(!store.claim_delivery("forge", "jti-1").await.unwrap());
        assert!(store.claim_delivery("datacenter", "jti-1").await.unwrap());
        store.release_delivery("forge", "jti-1").await.unwrap();
        assert!(store.claim_delivery("forge", "jti-1").await.unwrap());
        // A day's window keeps it; a window of -1 ms prunes everything claimed before now.
        store.prune_deliveries(86_400_000).await.unwrap();
        assert!(!store.claim_delivery("forge", "jti-1").await.unwrap());
        store.prune_deliveries(-1).await.unwrap();
        assert!(store.claim_delivery("forge", "jti-1").await.unwrap());
    }
}
