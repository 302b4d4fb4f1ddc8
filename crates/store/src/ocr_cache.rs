//! OCR results by image content: what lets every worker process skip an image that any of
//! them has read before.
//!
//! Rows hold the recognised text sealed by the caller (the workers seal it under the server's
//! seal key): this module stores and returns the sealed envelope as text and never sees what
//! it holds.

use sqlx::Row;

use super::model::now_millis;
use super::{Store, StoreError};

impl Store {
    /// The sealed OCR result of the image whose SHA-256 is `image_sha256` (hex), if `engine`
    /// produced it. A result from another engine (an older Tesseract, another preprocessing)
    /// is not returned: the image is to be read again.
    pub async fn ocr_cache_get(
        &self,
        image_sha256: &str,
        engine: &str,
    ) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT sealed FROM ocr_cache WHERE image_sha256 = $1 AND engine = $2")
                .bind(image_sha256)
                .bind(engine)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(row.try_get("sealed")?))
    }

    /// Records the sealed OCR result of an image. Two workers that read the same new image at
    /// once both write; the last one wins, and both wrote the same text. A row from another
    /// engine is replaced.
    pub async fn ocr_cache_put(
        &self,
        image_sha256: &str,
        engine: &str,
        sealed: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ocr_cache (image_sha256, engine, sealed, created_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (image_sha256) DO UPDATE SET \
               engine = excluded.engine, sealed = excluded.sealed, created_at = excluded.created_at",
        )
        .bind(image_sha256)
        .bind(engine)
        .bind(sealed)
        .bind(now_millis())
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    async fn cache_keeps_sealed_results_per_engine(store: &Store) {
        assert_eq!(
            store
                .ocr_cache_get(HASH, "tesseract 5.3.0 eng preprocess 1")
                .await
                .unwrap(),
            None
        );

        let sealed = r#"{"nonce":"bm9uY2U=","ciphertext":"c2VhbGVk"}"#;
        store
            .ocr_cache_put(HASH, "tesseract 5.3.0 eng preprocess 1", sealed)
            .await
            .unwrap();
        let back = store
            .ocr_cache_get(HASH, "tesseract 5.3.0 eng preprocess 1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back, sealed);

        // Another engine misses, and its result replaces the old one.
        assert_eq!(
            store
                .ocr_cache_get(HASH, "tesseract 5.4.0 eng preprocess 1")
                .await
                .unwrap(),
            None
        );
        let newer = r#"{"nonce":"bmV3ZXI=","ciphertext":"bmV3ZXI="}"#;
        store
            .ocr_cache_put(HASH, "tesseract 5.4.0 eng preprocess 1", newer)
            .await
            .unwrap();
        assert_eq!(
            store
                .ocr_cache_get(HASH, "tesseract 5.3.0 eng preprocess 1")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .ocr_cache_get(HASH, "tesseract 5.4.0 eng preprocess 1")
                .await
                .unwrap(),
            Some(newer.to_owned())
        );
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ocr_cache")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[tokio::test]
    async fn sqlite_cache_keeps_sealed_results_per_engine() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("dlp.db").display());
        let store = Store::connect(&url).await.unwrap();
        cache_keeps_sealed_results_per_engine(&store).await;
        store.close().await;
    }

    /// PostgreSQL in a fresh database that `#[sqlx::test]` creates from `DATABASE_URL`.
    #[sqlx::test(migrations = false)]
    async fn postgres_cache_keeps_sealed_results_per_engine(
        _: sqlx::postgres::PgPoolOptions,
        database: sqlx::postgres::PgConnectOptions,
    ) {
        use sqlx::ConnectOptions;
        let store = Store::connect(database.to_url_lossy().as_ref())
            .await
            .unwrap();
        cache_keeps_sealed_results_per_engine(&store).await;
        store.close().await;
    }
}
