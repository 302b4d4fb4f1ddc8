//! Images through OCR: attachments that are pictures, and pictures inside archives and scanned
//! PDFs, read by Tesseract.
//!
//! - [`prepare`]: the limits, checked on the header before decoding; decoding, grey, enlarging.
//! - [`text_size`]: how tall the characters are, which decides the enlarging, and whether
//!   there are any: a picture without character shapes is not given to Tesseract.
//! - [`engine`]: the Tesseract C API, with a recognition deadline and word boxes.
//! - [`TesseractOcr`]: the [`Ocr`](super::Ocr) the extractors call, over a pool of engines.
//! - [`CachedOcr`]: the same, remembering results by image content in an [`OcrCache`] (the
//!   store, in a deployment), so that an image is recognised once however often it is attached;
//!   [`seen_pictures`]: within a process, by the pixels, whatever bytes they came in.

mod cached;
mod engine;
mod one_at_a_time;
pub(crate) mod prepare;
mod seen_pictures;
mod tesseract;
mod text_size;

use std::time::Duration;

pub use cached::{CachedOcr, OcrCache};
pub use engine::EngineError;
pub use tesseract::TesseractOcr;

/// Bounds on what one image may cost to read. The defaults admit a 600 dpi A4 scan and any
/// screenshot, and refuse what would take a worker's memory or minutes of its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest encoded image, in bytes.
    pub max_bytes: usize,
    /// Largest image, in pixels (width x height), as its header declares it.
    pub max_pixels: u64,
    /// Longest recognition of one image.
    pub ocr_time: Duration,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 32 * 1024 * 1024,
            max_pixels: 40_000_000,
            ocr_time: Duration::from_secs(30),
        }
    }
}
