//! Content that is gone from Confluence (a webhook said it was trashed or deleted): its open
//! findings are resolved, each with an audit event that says why, in one transaction.

use dlp_domain::ContentType;
use serde_json::json;
use sqlx::Row;

use super::audit::{self, action};
use super::changes::next_stamp;
use super::model::now_millis;
use super::{NewAuditEvent, Store, StoreError};

/// What was removed: a page or blog post (with everything on it: comments, attachments), or
/// one comment or attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRemoval {
    pub content_type: ContentType,
    /// The page's or blog post's id, or the comment's or attachment's.
    pub content_id: String,
    /// Who said so (`webhook:forge`).
    pub actor: String,
    /// Why, in the audit trail (`content deleted`).
    pub reason: String,
}

impl Store {
    /// Resolves the open findings of removed content; returns how many.
    pub async fn resolve_removed_content(
        &self,
        removal: &ContentRemoval,
    ) -> Result<u64, StoreError> {
        let (filter, binds): (&str, Vec<&str>) = match removal.content_type {
            ContentType::Page | ContentType::BlogPost => {
                ("page_id = $1", vec![removal.content_id.as_str()])
            }
            ContentType::Comment
            | ContentType::Attachment
            | ContentType::File
            | ContentType::History => (
                "content_type = $1 AND item_id = $2",
                vec![removal.content_type.as_str(), removal.content_id.as_str()],
            ),
        };
        let mut tx = self.begin_write().await?;
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM findings WHERE {filter} AND status = 'open'"
        )));
        for b in &binds {
            query = query.bind(*b);
        }
        let ids: Vec<String> = query
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(0);
        }
        let stamp = next_stamp(&mut tx).await?;
        let now = now_millis();
        // The same filter as the SELECT, in the same transaction: exactly those rows.
        let mut update = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE findings SET status = 'resolved', resolved_at = ${n}, change_seq = ${m} \
             WHERE {filter} AND status = 'open'",
            n = binds.len() + 1,
            m = binds.len() + 2,
        )));
        for b in &binds {
            update = update.bind(*b);
        }
        update.bind(now).bind(stamp).execute(&mut *tx).await?;
        let events: Vec<NewAuditEvent> = ids
            .iter()
            .map(|id| NewAuditEvent {
                actor: removal.actor.clone(),
                action: action::FINDING_RESOLVED.into(),
                scan_id: None,
                subject: Some(id.clone()),
                detail: json!({
                    "reason": removal.reason,
                    "content_type": removal.content_type.as_str(),
                    "content_id": removal.content_id,
                }),
            })
            .collect();
        audit::insert_many(&mut tx, now, &events).await?;
        tx.commit().await?;
        Ok(ids.len() as u64)
    }
}
