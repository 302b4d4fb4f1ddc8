//! What the store knows about an item's sensitivity and about known values, for the
//! classification cache: the cache answers from memory or Redis, and asks here when it has
//! nothing (a restart, an eviction, an entry aged out), so the store stays the truth.

use sqlx::{AssertSqlSafe, Row};

use super::batch::values_for;
use super::findings::{COLUMNS, FROM, record_from_row};
use super::model::parse_word;
use super::{FindingRecord, FindingStatus, Store, StoreError};
use dlp_domain::{Category, ContentType, Severity};

/// An item's last classification: the version and rule pack it was classified at, and the
/// findings it holds at that version (false positives and resolved findings left out).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVerdict {
    pub content_type: ContentType,
    pub item_id: String,
    pub version: Option<u32>,
    pub rules_digest: String,
    pub findings: Vec<FindingRecord>,
}

/// A value some finding holds, by its keyed fingerprint, that no one marked a false positive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownValueRow {
    pub fingerprint: String,
    pub detector: String,
    pub category: Category,
    pub severity: Severity,
}

/// The content types a redactor asks about by Confluence content id.
const CONFLUENCE_TYPES: &str = "('page', 'blogpost', 'comment', 'attachment')";

impl Store {
    /// The last classification of the Confluence item with this content id, if it was ever
    /// classified. Content ids are unique across pages, blog posts, comments and attachments
    /// (an attachment's is `att` and its number).
    pub async fn item_verdict(&self, item_id: &str) -> Result<Option<StoredVerdict>, StoreError> {
        let state = sqlx::query(AssertSqlSafe(format!(
            "SELECT content_type, version, rules_digest FROM content_state \
             WHERE item_id = $1 AND content_type IN {CONFLUENCE_TYPES} \
             ORDER BY updated_at DESC LIMIT 1"
        )))
        .bind(item_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(state) = state else {
            return Ok(None);
        };
        let content_type: String = state.try_get(0)?;
        let content_type = parse_word(
            &content_type,
            ContentType::parse,
            "content_state.content_type",
        )?;
        let version: Option<i64> = state.try_get(1)?;
        let version = version
            .map(|v| {
                u32::try_from(v).map_err(|_| StoreError::Corrupt {
                    column: "content_state.version",
                })
            })
            .transpose()?;
        let rules_digest: String = state.try_get(2)?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM {FROM} \
             WHERE f.content_type = $1 AND f.item_id = $2 AND f.status IN ('open', 'accepted_risk') \
             ORDER BY f.start_offset, f.id"
        )))
        .bind(content_type.as_str())
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?;
        let findings = rows
            .iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        debug_assert!(
            findings
                .iter()
                .all(|f| f.status != FindingStatus::FalsePositive)
        );
        Ok(Some(StoredVerdict {
            content_type,
            item_id: item_id.to_owned(),
            version,
            rules_digest,
            findings,
        }))
    }

    /// Of these fingerprints, those some finding holds (open, resolved or accepted: a secret
    /// taken off a page is still a secret) and that were never marked a false positive under
    /// the same detector.
    pub async fn known_values(
        &self,
        fingerprints: &[String],
    ) -> Result<Vec<KnownValueRow>, StoreError> {
        let mut known = Vec::new();
        for chunk in fingerprints.chunks(100) {
            let sql = format!(
                "SELECT DISTINCT f.fingerprint, f.detector, f.category, f.severity FROM findings f \
                 WHERE f.fingerprint IN ({}) AND f.status <> 'false_positive' \
                   AND NOT EXISTS (SELECT 1 FROM findings x WHERE x.fingerprint = f.fingerprint \
                     AND x.detector = f.detector AND x.status = 'false_positive')",
                values_for(self.backend, "?", chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for fingerprint in chunk {
                query = query.bind(fingerprint.as_str());
            }
            for row in query.fetch_all(&self.pool).await? {
                let category: String = row.try_get(2)?;
                let severity: String = row.try_get(3)?;
                known.push(KnownValueRow {
                    fingerprint: row.try_get(0)?,
                    detector: row.try_get(1)?,
                    category: parse_word(&category, Category::parse, "findings.category")?,
                    severity: parse_word(&severity, Severity::parse, "findings.severity")?,
                });
            }
        }
        Ok(known)
    }
}
