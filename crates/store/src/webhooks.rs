//! Webhook deliveries already taken: the replay and duplicate guard of the receivers.

use sqlx::AnyConnection;

use super::model::now_millis;
use super::{NewAuditEvent, NewScan, Store, StoreError, audit};

/// A verified webhook event to take: its claims, and the scan and job it becomes.
pub struct EventIntake<'a> {
    /// `forge`, `datacenter`, `connect`.
    pub source: &'a str,
    pub delivery_id: &'a str,
    /// The content and version it is about (`page:123@4`): two deliveries about the same
    /// one make one job.
    pub content_key: &'a str,
    /// The event's scan (mode `event`).
    pub scan: &'a NewScan,
    pub item_key: &'a str,
    pub label: &'a str,
    /// Written with the scan's id once it exists (`webhook.queued`).
    pub audit: NewAuditEvent,
}

/// What became of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// This delivery was taken before.
    Duplicate,
    /// Another delivery about the same content version was.
    Coalesced,
    /// Its scan and item exist; the job is the caller's to push, or to give back with
    /// [`Store::release_intake`] if that fails.
    Accepted { scan_id: String },
}

impl Store {
    /// Takes an event in one transaction (one write, which SQLite's single writer pays once
    /// rather than five times): claims the delivery, claims the content version, starts the
    /// event's scan with its item, and audits it. A duplicate delivery changes nothing; a
    /// coalesced one keeps only its delivery claim, so its replay is a duplicate too.
    pub async fn take_event(&self, intake: &EventIntake<'_>) -> Result<Intake, StoreError> {
        let mut tx = self.begin_write().await?;
        if !claim(&mut tx, intake.source, intake.delivery_id).await? {
            return Ok(Intake::Duplicate);
        }
        if !claim(&mut tx, "content", intake.content_key).await? {
            tx.commit().await?;
            return Ok(Intake::Coalesced);
        }
        let scan_id = super::scans::insert_scan(&mut tx, intake.scan).await?;
        super::scans::insert_item(&mut tx, &scan_id, intake.item_key, intake.label).await?;
        let event = NewAuditEvent {
            scan_id: Some(scan_id.clone()),
            ..intake.audit.clone()
        };
        audit::insert(&mut tx, now_millis(), &event).await?;
        tx.commit().await?;
        Ok(Intake::Accepted { scan_id })
    }

    /// Gives an accepted event back when its job could not be pushed: both claims go, so the
    /// sender's retry is taken, and the scan ends failed.
    pub async fn release_intake(
        &self,
        intake: &EventIntake<'_>,
        scan_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (source, id) in [
            (intake.source, intake.delivery_id),
            ("content", intake.content_key),
        ] {
            sqlx::query("DELETE FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2")
                .bind(source)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.finish_scan(scan_id, super::ScanStatus::Failed).await?;
        Ok(())
    }

    /// Claims a delivery (or a content version) for this process: `true` the first time,
    /// `false` for one already claimed and not yet pruned.
    pub async fn claim_delivery(
        &self,
        source: &str,
        delivery_id: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.writer.acquire().await?;
        claim(&mut conn, source, delivery_id).await
    }

    /// Drops claims older than `keep_ms`, so the table holds about one replay window.
    pub async fn prune_deliveries(&self, keep_ms: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM webhook_deliveries WHERE received_at < $1")
            .bind(now_millis().saturating_sub(keep_ms))
            .execute(&self.writer)
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
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

async fn claim(
    conn: &mut AnyConnection,
    source: &str,
    delivery_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (source, delivery_id, received_at) \
         VALUES ($1, $2, $3) ON CONFLICT (source, delivery_id) DO NOTHING",
    )
    .bind(source)
    .bind(delivery_id)
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
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

    #[tokio::test]
    async fn an_event_is_taken_in_one_go_duplicates_and_versions_coalesce() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let store = Store::connect(&url).await.unwrap();
        let scan = NewScan {
            space_key: Some("ENG".into()),
            actor: "webhook:forge".into(),
            mode: crate::ScanMode::Event,
            ..NewScan::default()
        };
        let audit = NewAuditEvent {
            actor: "webhook:forge".into(),
            action: "webhook.queued".into(),
            scan_id: None,
            subject: Some("page:1@2".into()),
            detail: serde_json::json!({}),
        };
        let intake = |delivery: &'static str| EventIntake {
            source: "forge",
            delivery_id: delivery,
            content_key: "page:1@2",
            scan: &scan,
            item_key: "page:1@2",
            label: "page 1",
            audit: audit.clone(),
        };
        let Intake::Accepted { scan_id } = store.take_event(&intake("a")).await.unwrap() else {
            panic!("the first delivery is accepted");
        };
        let progress = store.scan_progress(&scan_id).await.unwrap();
        assert_eq!((progress.total, progress.queued), (1, 1));
        assert_eq!(
            store.take_event(&intake("a")).await.unwrap(),
            Intake::Duplicate
        );
        assert_eq!(
            store.take_event(&intake("b")).await.unwrap(),
            Intake::Coalesced
        );
        assert_eq!(
            store.take_event(&intake("b")).await.unwrap(),
            Intake::Duplicate
        );
        // Given back (the push failed): the retry of the same delivery is accepted anew.
        store.release_intake(&intake("a"), &scan_id).await.unwrap();
        assert_eq!(
            store.scan(&scan_id).await.unwrap().status,
            crate::ScanStatus::Failed
        );
        assert!(matches!(
            store.take_event(&intake("a")).await.unwrap(),
            Intake::Accepted { .. }
        ));
    }
}
