//! The OCR cache over the store: what lets every worker process skip an image that any of them
//! has read before.
//!
//! Recognised text is content, so it is sealed under the seal key before it reaches the store,
//! and a row that cannot be opened (the key changed, or the row is damaged) is a miss and is
//! replaced by the fresh result.

use dlp_extract::{OcrCache, OcrText};
use dlp_jobs::{Sealed, Sealer};
use dlp_store::Store;
use tokio::runtime::Handle;

/// [`OcrCache`] in the store, sealed.
///
/// Extraction runs on blocking threads and calls this synchronously, so each call blocks on
/// the store through `runtime`: never call it from an async task.
pub struct StoreOcrCache {
    store: Store,
    sealer: Sealer,
    runtime: Handle,
}

impl StoreOcrCache {
    pub fn new(store: Store, sealer: Sealer, runtime: Handle) -> Self {
        StoreOcrCache {
            store,
            sealer,
            runtime,
        }
    }
}

impl OcrCache for StoreOcrCache {
    fn get(&self, image_sha256: &str, engine: &str) -> Option<OcrText> {
        let stored = match self
            .runtime
            .block_on(self.store.ocr_cache_get(image_sha256, engine))
        {
            Ok(found) => found?,
            Err(e) => {
                tracing::warn!(error = %e, "OCR cache lookup failed; recognising the image");
                return None;
            }
        };
        let opened = serde_json::from_str::<Sealed>(&stored)
            .ok()
            .and_then(|sealed| self.sealer.open(&sealed).ok());
        let text = opened.and_then(|json| serde_json::from_str(&json).ok());
        if text.is_none() {
            tracing::warn!("unreadable OCR cache entry; recognising the image again");
        }
        text
    }

    fn put(&self, image_sha256: &str, engine: &str, text: &OcrText) {
        let Ok(json) = serde_json::to_string(text) else {
            return;
        };
        let Ok(sealed) = serde_json::to_string(&self.sealer.seal(&json)) else {
            return;
        };
        if let Err(e) =
            self.runtime
                .block_on(self.store.ocr_cache_put(image_sha256, engine, &sealed))
        {
            tracing::warn!(error = %e, "could not record an OCR result in the cache");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use dlp_extract::image::CachedOcr;
    use dlp_extract::{ExtractError, Format, Ocr, OcrLine, OcrWord};
    use secrecy::SecretBox;

    use super::*;

    const CARD: &str = "4111111111111111";

    fn sealer(key: u8) -> Sealer {
        Sealer::new(&SecretBox::new(Box::new([key; 32])))
    }

    /// A runtime of its own and a store in a temporary SQLite file; the test thread is outside
    /// the runtime, as a blocking worker thread is.
    struct Fixture {
        runtime: tokio::runtime::Runtime,
        store: Store,
        _dir: tempfile::TempDir,
    }

    fn fixture() -> Fixture {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("dlp.db").display());
        let store = runtime.block_on(Store::connect(&url)).unwrap();
        Fixture {
            runtime,
            store,
            _dir: dir,
        }
    }

    impl Fixture {
        fn cached(&self, key: u8, engine: &str) -> CachedOcr<Counting> {
            let cache = StoreOcrCache::new(
                self.store.clone(),
                sealer(key),
                self.runtime.handle().clone(),
            );
            CachedOcr::with_engine(Counting::default(), engine.into(), Arc::new(cache))
        }
    }

    /// Counts its calls; answers one card number.
    #[derive(Default)]
    struct Counting {
        calls: AtomicUsize,
    }

    impl Ocr for Counting {
        fn recognize(&self, _image: &[u8], _format: Format) -> Result<OcrText, ExtractError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let word = OcrWord {
                text: CARD.into(),
                left: 1,
                top: 2,
                width: 3,
                height: 4,
            };
            Ok(OcrText {
                lines: vec![OcrLine { words: vec![word] }],
            })
        }
    }

    impl Counting {
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn results_are_shared_through_the_store_and_kept_sealed() {
        let f = fixture();
        let first = f.cached(1, "fake 1");
        let text = first.recognize(b"img", Format::Png).unwrap();
        // Another process on the same store does not recognise it again.
        let other = f.cached(1, "fake 1");
        assert_eq!(other.recognize(b"img", Format::Png).unwrap(), text);
        assert_eq!((first.inner().calls(), other.inner().calls()), (1, 0));

        let rows: Vec<String> = f.runtime.block_on(async {
            let pool = sqlx::AnyPool::connect(&format!(
                "sqlite://{}",
                f._dir.path().join("dlp.db").display()
            ))
            .await
            .unwrap();
            sqlx::query_scalar("SELECT sealed FROM ocr_cache")
                .fetch_all(&pool)
                .await
                .unwrap()
        });
        assert_eq!(rows.len(), 1);
        assert!(
            !rows[0].contains(CARD) && !rows[0].contains("4111"),
            "raw OCR text in the database"
        );
    }

    #[test]
    fn another_seal_key_or_engine_misses_and_replaces() {
        let f = fixture();
        f.cached(1, "fake 1")
            .recognize(b"img", Format::Gif)
            .unwrap();
        // Sealed under another key: unreadable, so recognised again and replaced.
        let rekeyed = f.cached(2, "fake 1");
        rekeyed.recognize(b"img", Format::Gif).unwrap();
        rekeyed.recognize(b"img", Format::Gif).unwrap();
        assert_eq!(rekeyed.inner().calls(), 1);
        let upgraded = f.cached(2, "fake 2");
        upgraded.recognize(b"img", Format::Gif).unwrap();
        assert_eq!(upgraded.inner().calls(), 1);
    }

    #[test]
    fn a_closed_store_costs_the_cache_not_the_image() {
        let f = fixture();
        f.runtime.block_on(f.store.close());
        let cached = f.cached(1, "fake 1");
        for _ in 0..2 {
            assert_eq!(
                cached.recognize(b"img", Format::Png).unwrap().word_count(),
                1
            );
        }
        assert_eq!(cached.inner().calls(), 2);
    }
}
