//! Who can read each page that has findings, as last read from Confluence
//! (`dlp_domain::Exposure`), with the audiences behind it. Written by the exposure check of a
//! scan or a permission webhook, read beside findings.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dlp_domain::Exposure;
use serde::Serialize;
use sqlx::Row;

use super::model::{from_millis, now_millis};
use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageExposure {
    pub page_id: String,
    pub space_key: String,
    pub exposure: Exposure,
    /// The audiences that make it so (JSON; names and ids, never content).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
    pub checked_at: DateTime<Utc>,
}

impl Store {
    pub async fn set_page_exposure(
        &self,
        page_id: &str,
        space_key: &str,
        exposure: Exposure,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO page_exposure (page_id, space_key, exposure, detail, checked_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (page_id) DO UPDATE SET \
             space_key = $2, exposure = $3, detail = $4, checked_at = $5",
        )
        .bind(page_id)
        .bind(space_key)
        .bind(exposure.as_str())
        .bind(detail.to_string())
        .bind(now_millis())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The exposure of each of `page_ids` that has one.
    pub async fn page_exposures(
        &self,
        page_ids: &[&str],
    ) -> Result<HashMap<String, PageExposure>, StoreError> {
        let mut out = HashMap::new();
        // One statement per hundred ids: portable (no array binds in `Any`) and bounded.
        for chunk in page_ids.chunks(100) {
            let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT page_id, space_key, exposure, detail, checked_at FROM page_exposure \
                 WHERE page_id IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let word: String = row.try_get("exposure")?;
                let detail: String = row.try_get("detail")?;
                let exposure = PageExposure {
                    page_id: row.try_get("page_id")?,
                    space_key: row.try_get("space_key")?,
                    exposure: Exposure::parse(&word).ok_or(StoreError::Corrupt {
                        column: "page_exposure.exposure",
                    })?,
                    detail: serde_json::from_str(&detail).unwrap_or_default(),
                    checked_at: from_millis(
                        row.try_get("checked_at")?,
                        "page_exposure.checked_at",
                    )?,
                };
                out.insert(exposure.page_id.clone(), exposure);
            }
        }
        Ok(out)
    }

    /// Spaces whose scans completed after `after_ms` (a time in ms), with the latest such
    /// finish: a follower reads exposure again for what those scans found.
    pub async fn spaces_scanned_since(
        &self,
        after_ms: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT space_key, MAX(finished_at) AS finished FROM scans \
             WHERE status = 'completed' AND finished_at > $1 AND space_key IS NOT NULL \
             GROUP BY space_key",
        )
        .bind(after_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("space_key")?, r.try_get("finished")?)))
            .collect()
    }

    /// The pages (and blog posts) of a space with open findings on them or their comments
    /// and attachments.
    pub async fn open_finding_pages(&self, space_key: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT page_id FROM findings WHERE status = 'open' AND space_key = $1 \
             AND content_type <> 'file' ORDER BY page_id",
        )
        .bind(space_key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("page_id")?)).collect()
    }

    /// Every page whose exposure is known, with its space.
    pub async fn exposed_pages(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT page_id, space_key FROM page_exposure ORDER BY page_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("page_id")?, r.try_get("space_key")?)))
            .collect()
    }

    /// Open findings (of one space, or all) counted by the exposure of their page (`None`:
    /// not known yet).
    pub async fn open_findings_by_exposure(
        &self,
        space_key: Option<&str>,
    ) -> Result<Vec<(Option<Exposure>, u64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.exposure AS exposure, COUNT(*) AS n FROM findings f \
             LEFT JOIN page_exposure e ON e.page_id = f.page_id \
             WHERE f.status = 'open' AND ($1 IS NULL OR f.space_key = $1) GROUP BY e.exposure",
        )
        .bind(space_key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let word: Option<String> = row.try_get("exposure")?;
                let n: i64 = row.try_get("n")?;
                Ok((
                    word.as_deref().and_then(Exposure::parse),
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }
}
