use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use secrecy::SecretBox;

use super::*;
use crate::extract::image::tesseract::tests::{credentials_png, ocr};
use crate::extract::{OcrLine, OcrWord};

fn sealer(key: u8) -> Sealer {
    Sealer::new(&SecretBox::new(vec![key; 32].into_boxed_slice()))
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

/// Counts its calls; answers one word, slowly, or fails.
struct Counting {
    calls: AtomicUsize,
    fail: bool,
}

impl Ocr for Counting {
    fn recognize(&self, _image: &[u8], format: Format) -> Result<OcrText, ExtractError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
        if self.fail {
            return Err(ExtractError::NotExtracted { format });
        }
        Ok(OcrText {
            lines: vec![OcrLine {
                words: vec![OcrWord {
                    text: "4111111111111111".into(),
                    left: 1,
                    top: 2,
                    width: 3,
                    height: 4,
                }],
            }],
        })
    }
}

fn counting(fail: bool) -> Counting {
    Counting {
        calls: AtomicUsize::new(0),
        fail,
    }
}

#[test]
fn the_same_bytes_are_recognised_once_and_stored_sealed() {
    let f = fixture();
    let cached = CachedOcr::new(
        ocr(),
        f.store.clone(),
        sealer(1),
        f.runtime.handle().clone(),
    );
    let png = credentials_png();
    let first = cached.recognize(&png, Format::Png).unwrap();
    let second = cached.recognize(&png, Format::Png).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        cached.inner().recognitions(),
        1,
        "the second call came from the cache"
    );

    // Another process (a fresh CachedOcr on the same store) does not recognise it either.
    let other = CachedOcr::new(
        ocr(),
        f.store.clone(),
        sealer(1),
        f.runtime.handle().clone(),
    );
    assert_eq!(other.recognize(&png, Format::Png).unwrap(), first);
    assert_eq!(other.inner().recognitions(), 0);

    let rows: Vec<(String, String, String)> = f
        .runtime
        .block_on(
            sqlx::query_as("SELECT image_sha256, engine, sealed FROM ocr_cache")
                .fetch_all(f.store.pool_for_tests()),
        )
        .unwrap();
    assert_eq!(rows.len(), 1);
    let (hash, engine, sealed) = &rows[0];
    assert_eq!(hash, &hex::encode(Sha256::digest(&png)));
    assert!(
        engine.starts_with("tesseract 5.") && engine.ends_with("eng preprocess 1"),
        "{engine}"
    );
    for raw in ["AKIA", "4111", "credentials", "Card"] {
        assert!(
            !sealed.contains(raw),
            "raw OCR text {raw:?} in the database"
        );
    }
}

#[test]
fn concurrent_requests_for_one_image_recognise_it_once() {
    let f = fixture();
    let cached = CachedOcr::with_engine(
        counting(false),
        "fake 1".into(),
        f.store.clone(),
        sealer(1),
        f.runtime.handle().clone(),
    );
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| cached.recognize(b"same image", Format::Png)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(cached.inner().calls.load(Ordering::SeqCst), 1);
    assert!(
        cached.in_flight.lock().unwrap().is_empty(),
        "no gate left behind"
    );

    cached.recognize(b"another image", Format::Png).unwrap();
    assert_eq!(cached.inner().calls.load(Ordering::SeqCst), 2);
}

#[test]
fn failures_are_not_cached_and_other_keys_or_engines_miss() {
    let f = fixture();
    let failing = CachedOcr::with_engine(
        counting(true),
        "fake 1".into(),
        f.store.clone(),
        sealer(1),
        f.runtime.handle().clone(),
    );
    for _ in 0..2 {
        assert_eq!(
            failing.recognize(b"img", Format::Gif).unwrap_err().kind(),
            "not_extracted"
        );
    }
    assert_eq!(failing.inner().calls.load(Ordering::SeqCst), 2);

    let first = CachedOcr::with_engine(
        counting(false),
        "fake 1".into(),
        f.store.clone(),
        sealer(1),
        f.runtime.handle().clone(),
    );
    first.recognize(b"img", Format::Gif).unwrap();
    // Sealed under another server key: unreadable, so recognised again and replaced.
    let rekeyed = CachedOcr::with_engine(
        counting(false),
        "fake 1".into(),
        f.store.clone(),
        sealer(2),
        f.runtime.handle().clone(),
    );
    rekeyed.recognize(b"img", Format::Gif).unwrap();
    rekeyed.recognize(b"img", Format::Gif).unwrap();
    assert_eq!(rekeyed.inner().calls.load(Ordering::SeqCst), 1);
    // A new engine reads every image again.
    let upgraded = CachedOcr::with_engine(
        counting(false),
        "fake 2".into(),
        f.store.clone(),
        sealer(2),
        f.runtime.handle().clone(),
    );
    upgraded.recognize(b"img", Format::Gif).unwrap();
    assert_eq!(upgraded.inner().calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_closed_store_costs_the_cache_not_the_image() {
    let f = fixture();
    f.runtime.block_on(f.store.close());
    let cached = CachedOcr::with_engine(
        counting(false),
        "fake 1".into(),
        f.store.clone(),
        sealer(1),
        f.runtime.handle().clone(),
    );
    assert_eq!(
        cached.recognize(b"img", Format::Png).unwrap().word_count(),
        1
    );
    assert_eq!(
        cached.recognize(b"img", Format::Png).unwrap().word_count(),
        1
    );
    assert_eq!(cached.inner().calls.load(Ordering::SeqCst), 2);
}
