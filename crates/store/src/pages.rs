//! Pages as the crawler last listed them: the title and link findings are served with.

use sqlx::AssertSqlSafe;

use super::Store;
use super::StoreError;
use super::batch::{MAX_ROWS, rows_per_statement, values};
use super::changes::next_stamp;
use super::model::now_millis;

/// A page or blog post as a list call returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInfo {
    pub page_id: String,
    pub space_key: String,
    pub title: String,
    /// Absolute: the site's origin joined with `_links.webui`.
    pub web_link: Option<String>,
}

impl Store {
    /// Records the pages' titles and links. The findings of a page whose title changed are
    /// stamped as changed, so search indexes pick up the new title.
    pub async fn record_pages(&self, pages: &[PageInfo]) -> Result<(), StoreError> {
        if pages.is_empty() {
            return Ok(());
        }
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let stamp = next_stamp(&mut tx).await?;
        for chunk in pages.chunks(MAX_ROWS) {
            // Titles that will change, read before they do.
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT page_id, title FROM content_pages WHERE page_id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for page in chunk {
                query = query.bind(page.page_id.as_str());
            }
            let known: std::collections::HashMap<String, String> =
                query.fetch_all(&mut *tx).await?.into_iter().collect();
            let retitled: Vec<&str> = chunk
                .iter()
                .filter(|p| known.get(&p.page_id).is_some_and(|t| *t != p.title))
                .map(|p| p.page_id.as_str())
                .collect();

            const ROW: &str = "(?, ?, ?, ?, ?)";
            for rows in chunk.chunks(rows_per_statement(ROW)) {
                let sql = format!(
                    "INSERT INTO content_pages (page_id, space_key, title, web_link, updated_at) \
                     VALUES {} ON CONFLICT (page_id) DO UPDATE SET \
                       space_key = excluded.space_key, title = excluded.title, \
                       web_link = excluded.web_link, updated_at = excluded.updated_at",
                    values(&tx, ROW, rows.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for p in rows {
                    query = query
                        .bind(p.page_id.as_str())
                        .bind(p.space_key.as_str())
                        .bind(p.title.as_str())
                        .bind(p.web_link.as_deref())
                        .bind(now);
                }
                query.execute(&mut *tx).await?;
            }
            if !retitled.is_empty() {
                let placeholders: Vec<String> =
                    (2..retitled.len() + 2).map(|n| format!("${n}")).collect();
                let sql = format!(
                    "UPDATE findings SET change_seq = $1 WHERE page_id IN ({})",
                    placeholders.join(", ")
                );
                let mut query = sqlx::query(AssertSqlSafe(sql)).bind(stamp);
                for id in retitled {
                    query = query.bind(id);
                }
                query.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
