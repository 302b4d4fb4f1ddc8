//! [`SeenPictures`]: this process's recognitions, remembered by the pixels read rather than
//! the bytes they came in.
//!
//! [`CachedOcr`](super::CachedOcr) keys its results by the image's bytes. The same picture
//! often comes in other bytes: saved again by another program, its metadata stripped, a scan
//! kept as PNG and as TIFF. Decoding and preparing cost milliseconds; recognising the picture
//! again costs a tenth of a second or more (Tesseract's test page, a PNG and a TIFF of the same
//! 2256 x 324 pixels in the code tree, about 0.2 s each).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::one_at_a_time::OneAtATime;
use super::prepare::PreparedImage;
use crate::{ExtractError, OcrText};

/// Results kept. A full page's words are a few kilobytes: a few MB at most.
const KEPT: usize = 256;

#[derive(Debug, Default)]
pub(crate) struct SeenPictures {
    results: Mutex<HashMap<[u8; 32], OcrText>>,
    in_flight: OneAtATime<[u8; 32]>,
}

impl SeenPictures {
    /// What `recognize` reads in `prepared`, or what it read in the same pixels before: a
    /// second thread with the same pixels waits for the first one's result.
    pub fn read(
        &self,
        prepared: &PreparedImage,
        recognize: impl FnOnce() -> Result<OcrText, ExtractError>,
    ) -> Result<OcrText, ExtractError> {
        let key = key(prepared);
        self.in_flight.run(&key, || {
            if let Some(text) = self.lock().get(&key) {
                return Ok(text.clone());
            }
            let text = recognize()?;
            let mut results = self.lock();
            if results.len() >= KEPT
                && let Some(old) = results.keys().next().copied()
            {
                results.remove(&old);
            }
            results.insert(key, text.clone());
            Ok(text)
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], OcrText>> {
        self.results.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The pixels as given to the engine, their size, and how they were resized from the
/// original: the same pixels read from an original of another size would need other boxes.
fn key(prepared: &PreparedImage) -> [u8; 32] {
    let mut hash = Sha256::new();
    let (width, height) = prepared.pixels.dimensions();
    for n in [
        width,
        height,
        prepared.original.0,
        prepared.original.1,
        prepared.scale.times,
        prepared.scale.over,
    ] {
        hash.update(n.to_le_bytes());
    }
    hash.update(prepared.pixels.as_raw());
    hash.finalize().into()
}
