//! [`CachedOcr`]: OCR that remembers, by image content.
//!
//! The same screenshot, logo or scanned form is attached to many pages, and a re-scan meets
//! every image again; OCR is by far the most expensive step of extraction. So a result is kept
//! under the SHA-256 of the image bytes in an [`OcrCache`], which the composition root hands
//! down: in a deployment, the store that every worker process shares (sealed there, since it
//! holds content), so that an image is recognised once in the whole deployment per engine (a
//! new Tesseract or new preprocessing reads it again).

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::TesseractOcr;
use super::one_at_a_time::OneAtATime;
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
    in_flight: OneAtATime<String>,
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
            in_flight: OneAtATime::default(),
        }
    }

    pub fn inner(&self) -> &O {
        &self.inner
    }
}

impl<O: Ocr> Ocr for CachedOcr<O> {
    fn recognize(&self, image: &[u8], format: Format) -> Result<OcrText, ExtractError> {
        let hash = hex::encode(Sha256::digest(image));
        self.in_flight
            .run(&hash, || match self.cache.get(&hash, &self.engine) {
                Some(text) => Ok(text),
                // Only results are kept: an image refused by a limit or unreadable is refused
                // again, cheaply, by the checks that come before recognition.
                None => self
                    .inner
                    .recognize(image, format)
                    .inspect(|text| self.cache.put(&hash, &self.engine, text)),
            })
    }
}

#[cfg(test)]
mod tests;
