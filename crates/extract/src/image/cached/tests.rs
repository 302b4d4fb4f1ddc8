use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::image::prepare::PREPROCESS_REVISION;
use crate::image::tesseract::tests::{credentials_png, ocr};
use crate::{OcrLine, OcrWord};

/// The cache as a map, counting what it is asked.
#[derive(Default)]
struct MemoryCache {
    entries: Mutex<HashMap<(String, String), OcrText>>,
}

impl OcrCache for MemoryCache {
    fn get(&self, image_sha256: &str, engine: &str) -> Option<OcrText> {
        self.entries
            .lock()
            .unwrap()
            .get(&(image_sha256.to_owned(), engine.to_owned()))
            .cloned()
    }
    fn put(&self, image_sha256: &str, engine: &str, text: &OcrText) {
        // One row per image, as in the store: another engine's result replaces it.
        let mut entries = self.entries.lock().unwrap();
        entries.retain(|(hash, _), _| hash != image_sha256);
        entries.insert((image_sha256.to_owned(), engine.to_owned()), text.clone());
    }
}

fn memory() -> Arc<MemoryCache> {
    Arc::new(MemoryCache::default())
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
fn the_same_bytes_are_recognised_once_and_kept_under_their_hash() {
    let cache = memory();
    let cached = CachedOcr::new(ocr(), cache.clone());
    let png = credentials_png();
    let first = cached.recognize(&png, Format::Png).unwrap();
    let second = cached.recognize(&png, Format::Png).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        cached.inner().recognitions(),
        1,
        "the second call came from the cache"
    );

    // Another process (a fresh CachedOcr on the same cache) does not recognise it either.
    let other = CachedOcr::new(ocr(), cache.clone());
    assert_eq!(other.recognize(&png, Format::Png).unwrap(), first);
    assert_eq!(other.inner().recognitions(), 0);

    let entries = cache.entries.lock().unwrap();
    assert_eq!(entries.len(), 1);
    let (hash, engine) = entries.keys().next().unwrap();
    assert_eq!(hash, &hex::encode(Sha256::digest(&png)));
    assert!(
        engine.starts_with("tesseract 5.")
            && engine.ends_with(&format!("eng preprocess {PREPROCESS_REVISION}")),
        "{engine}"
    );
}

#[test]
fn concurrent_requests_for_one_image_recognise_it_once() {
    let cached = CachedOcr::with_engine(counting(false), "fake 1".into(), memory());
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
    assert!(cached.in_flight.keys_held() == 0, "no gate left behind");

    cached.recognize(b"another image", Format::Png).unwrap();
    assert_eq!(cached.inner().calls.load(Ordering::SeqCst), 2);
}

#[test]
fn failures_are_not_cached_and_other_engines_miss() {
    let cache = memory();
    let failing = CachedOcr::with_engine(counting(true), "fake 1".into(), cache.clone());
    for _ in 0..2 {
        assert_eq!(
            failing.recognize(b"img", Format::Gif).unwrap_err().kind(),
            "not_extracted"
        );
    }
    assert_eq!(failing.inner().calls.load(Ordering::SeqCst), 2);
    assert!(cache.entries.lock().unwrap().is_empty());

    let first = CachedOcr::with_engine(counting(false), "fake 1".into(), cache.clone());
    first.recognize(b"img", Format::Gif).unwrap();
    first.recognize(b"img", Format::Gif).unwrap();
    assert_eq!(first.inner().calls.load(Ordering::SeqCst), 1);
    // A new engine reads every image again.
    let upgraded = CachedOcr::with_engine(counting(false), "fake 2".into(), cache.clone());
    upgraded.recognize(b"img", Format::Gif).unwrap();
    assert_eq!(upgraded.inner().calls.load(Ordering::SeqCst), 1);
}
