//! Attachments a quarantine took out of Confluence, sealed (the service seals them under its
//! seal key before they get here: the store never sees their bytes in the clear), kept until
//! they are restored.

use sqlx::Row;

use super::model::now_millis;
use super::{Store, StoreError};

#[derive(Clone, PartialEq, Eq)]
pub struct QuarantinedAttachment {
    pub remediation_id: String,
    pub attachment_id: String,
    /// The page or blog post it was attached to.
    pub container_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    /// Of the bytes, so a restore can prove it uploads what was taken.
    pub sha256: String,
    /// Base64 of the sealed bytes.
    pub sealed: String,
}

// By hand: the sealed bytes are large and say nothing to a reader.
impl std::fmt::Debug for QuarantinedAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuarantinedAttachment")
            .field("remediation_id", &self.remediation_id)
            .field("attachment_id", &self.attachment_id)
            .field("file_name", &self.file_name)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Keeps a quarantined attachment; writing the same remediation's again changes nothing
    /// (a retried quarantine downloads again, and the first copy stands).
    pub async fn quarantine(&self, q: &QuarantinedAttachment) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO quarantined_attachments (remediation_id, attachment_id, container_id, \
             file_name, media_type, size, sha256, sealed, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (remediation_id) DO NOTHING",
        )
        .bind(q.remediation_id.as_str())
        .bind(q.attachment_id.as_str())
        .bind(q.container_id.as_str())
        .bind(q.file_name.as_str())
        .bind(q.media_type.as_str())
        .bind(i64::try_from(q.size).unwrap_or(i64::MAX))
        .bind(q.sha256.as_str())
        .bind(q.sealed.as_str())
        .bind(now_millis())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn quarantined(
        &self,
        remediation_id: &str,
    ) -> Result<Option<QuarantinedAttachment>, StoreError> {
        let row = sqlx::query(
            "SELECT remediation_id, attachment_id, container_id, file_name, media_type, size, \
             sha256, sealed FROM quarantined_attachments WHERE remediation_id = $1",
        )
        .bind(remediation_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let size: i64 = row.try_get("size")?;
            Ok(QuarantinedAttachment {
                remediation_id: row.try_get("remediation_id")?,
                attachment_id: row.try_get("attachment_id")?,
                container_id: row.try_get("container_id")?,
                file_name: row.try_get("file_name")?,
                media_type: row.try_get("media_type")?,
                size: u64::try_from(size).unwrap_or(0),
                sha256: row.try_get("sha256")?,
                sealed: row.try_get("sealed")?,
            })
        })
        .transpose()
    }

    /// Forgets a quarantined attachment once it is back in Confluence.
    pub async fn release_quarantine(&self, remediation_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM quarantined_attachments WHERE remediation_id = $1")
            .bind(remediation_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
