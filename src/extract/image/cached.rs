//! [`CachedOcr`]: OCR that remembers, by image content, in the store.
//!
//! The same screenshot, logo or scanned form is attached to many pages, and a re-scan meets
//! every image again; OCR is by far the most expensive step of extraction. So a result is kept
//! under the SHA-256 of the image bytes, in the store that every worker process shares, and
//! an image is recognised once in the whole deployment (per engine: a new Tesseract or new
//! preprocessing reads it again).
//!
//! The cache holds content, so it holds it sealed under the server key; a row that cannot be
//! opened (the key changed) is a miss and is replaced.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};
use tokio::runtime::Handle;

use super::TesseractOcr;
use crate::extract::{ExtractError, Format, Ocr, OcrText};
use crate::jobs::Sealer;
use crate::store::Store;

/// An [`Ocr`] in front of another, with results kept sealed in the store.
///
/// `recognize` blocks on the store through `runtime`: call it from a blocking thread
/// (`spawn_blocking`, as the workers do), never from an async task, where blocking on the
/// runtime panics.
pub struct CachedOcr<O = TesseractOcr> {
    inner: O,
    engine: String,
    store: Store,
    sealer: Sealer,
    runtime: Handle,
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
    pub fn new(inner: TesseractOcr, store: Store, sealer: Sealer, runtime: Handle) -> Self {
        let engine = inner.engine_identity().to_owned();
        CachedOcr::with_engine(inner, engine, store, sealer, runtime)
    }
}

impl<O: Ocr> CachedOcr<O> {
    /// Any OCR, with `engine` naming what produces its results (see
    /// [`TesseractOcr::engine_identity`]).
    pub fn with_engine(
        inner: O,
        engine: String,
        store: Store,
        sealer: Sealer,
        runtime: Handle,
    ) -> Self {
        CachedOcr {
            inner,
            engine,
            store,
            sealer,
            runtime,
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    pub fn inner(&self) -> &O {
        &self.inner
    }

    /// The cached result, if there is a usable one. Store trouble is a miss: the cache saves
    /// time, and its absence must never cost an image its scan.
    fn cached(&self, hash: &str) -> Option<OcrText> {
        let sealed = match self
            .runtime
            .block_on(self.store.ocr_cache_get(hash, &self.engine))
        {
            Ok(found) => found?,
            Err(e) => {
                tracing::warn!(error = %e, "OCR cache lookup failed; recognising the image");
                return None;
            }
        };
        // Either side failing means a row sealed under another server key or damaged: read
        // the image again, and the fresh result replaces the row.
        let opened = self.sealer.open(&sealed).ok()?;
        match serde_json::from_str(&opened) {
            Ok(text) => Some(text),
            Err(_) => {
                tracing::warn!("unreadable OCR cache entry; recognising the image again");
                None
            }
        }
    }

    fn remember(&self, hash: &str, text: &OcrText) {
        let json = match serde_json::to_string(text) {
            Ok(json) => json,
            Err(_) => return,
        };
        let sealed = self.sealer.seal(&json);
        if let Err(e) = self
            .runtime
            .block_on(self.store.ocr_cache_put(hash, &self.engine, &sealed))
        {
            tracing::warn!(error = %e, "could not record an OCR result in the cache");
        }
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
            match self.cached(&hash) {
                Some(text) => Ok(text),
                // Only results are kept: an image refused by a limit or unreadable is refused
                // again, cheaply, by the checks that come before recognition.
                None => self
                    .inner
                    .recognize(image, format)
                    .inspect(|text| self.remember(&hash, text)),
            }
        };
        self.release(&hash, gate);
        result
    }
}

#[cfg(test)]
mod tests;
