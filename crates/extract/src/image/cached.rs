//! [`CachedOcr`]: OCR that remembers, by image content.
//!
//! The same screenshot, logo or scanned form is attached to many pages, and a re-scan meets
//! every image again; OCR is by far the most expensive step of extraction. So a result is kept
//! under the SHA-256 of the image bytes in an [`OcrCache`], which the composition root hands
//! down: in a deployment, the store that every worker process shares (sealed there, since it
//! holds content), so that an image is recognised once in the whole deployment per engine (a
//! new Tesseract or new preprocessing reads it again).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::TesseractOcr;
use crate::{ExtractError, Format, Ocr, OcrText};

/// Where OCR results are remembered, by the SHA-256 (hex) of the image and the identity of the
/// engine that produced them.
///
/// Calls come from extraction, which runs on blocking threads: an implementation may block,
/// and must never fail an image: trouble is a miss on `get` and a lost entry on `put`.
pub trait OcrCache: Send + Sync {
    fn get(&self, image_sha256: &str, engine: &str) -> Option<OcrText>;
    fn put(&self, image_sha256: &str, engine: &str, text: &OcrText);
}

/// An [`Ocr`] in front of another, with results kept in an [`OcrCache`].
pub struct CachedOcr<O = TesseractOcr> {
    inner: O,
    engine: String,
    cache: Arc<dyn OcrCache>,
    /// Images being recognised in this process right now, by hash: a second request for the
    /// same image waits for the first one's result instead of recognising it too (the same
    /// attachment on many pages arrives as many jobs at once).
    in_flight: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl<O> std::fmt::Debug for CachedOcr<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedOcr")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl CachedOcr<TesseractOcr> {
    /// Tesseract, cached under its engine identity.
    pub fn new(inner: TesseractOcr, cache: Arc<dyn OcrCache>) -> Self {
        let engine = inner.engine_identity().to_owned();
        CachedOcr::with_engine(inner, engine, cache)
    }
}

impl<O: Ocr> CachedOcr<O> {
    /// Any OCR, with `engine` naming what produces its results (see
    /// [`TesseractOcr::engine_identity`]).
    pub fn with_engine(inner: O, engine: String, cache: Arc<dyn OcrCache>) -> Self {
        CachedOcr {
            inner,
            engine,
            cache,
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    pub fn inner(&self) -> &O {
        &self.inner
    }

    fn gate(&self, hash: &str) -> Arc<Mutex<()>> {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(in_flight.entry(hash.to_owned()).or_default())
    }

    fn release(&self, hash: &str, gate: Arc<Mutex<()>>) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Two references, the map's and ours, mean nobody is waiting on this image: clones
        // are only made under this same lock.
        if Arc::strong_count(&gate) == 2 {
            in_flight.remove(hash);
        }
    }
}

impl<O: Ocr> Ocr for CachedOcr<O> {
    fn recognize(&self, image: &[u8], format: Format) -> Result<OcrText, ExtractError> {
        let hash = hex::encode(Sha256::digest(image));
        let gate = self.gate(&hash);
        let result = {
            let _one_at_a_time = gate.lock().unwrap_or_else(PoisonError::into_inner);
            match self.cache.get(&hash, &self.engine) {
                Some(text) => Ok(text),
                // Only results are kept: an image refused by a limit or unreadable is refused
                // again, cheaply, by the checks that come before recognition.
                None => self
                    .inner
                    .recognize(image, format)
                    .inspect(|text| self.cache.put(&hash, &self.engine, text)),
            }
        };
        self.release(&hash, gate);
        result
    }
}

#[cfg(test)]
mod tests;
