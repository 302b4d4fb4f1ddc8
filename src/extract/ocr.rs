//! OCR as the extractors see it: the bytes of an image in, lines of text with the pixel box of
//! each word out. Images arrive as attachments of their own, inside archives, and as the pages
//! of scanned PDFs, so every extractor that can meet one takes an `&dyn Ocr`.
//!
//! `recognize` is synchronous and CPU-bound: callers run extraction on a blocking thread.

use super::{ExtractError, Format, SegmentBuilder};
use crate::domain::{Segment, SegmentOrigin};

/// A word and where it sits in the original image, in pixels from the top-left corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// One line of recognised text, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OcrLine {
    pub words: Vec<OcrWord>,
}

impl OcrLine {
    /// The line's text: its words joined by single spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&w.text);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OcrText {
    pub lines: Vec<OcrLine>,
}

/// Recognises text in an image whose format was sniffed as `format`.
pub trait Ocr: Send + Sync {
    fn recognize(&self, image: &[u8], format: Format) -> Result<OcrText, ExtractError>;
}

/// For processes without OCR: every image is "not extracted", named, never passed as clean.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOcr;

impl Ocr for NoOcr {
    fn recognize(&self, _image: &[u8], format: Format) -> Result<OcrText, ExtractError> {
        Err(ExtractError::NotExtracted { format })
    }
}

/// Segments from recognised text: one per line, each with `base` as its origin (the archive
/// path or PDF page the image came from). Every extractor that meets an image goes through
/// here, so where a finding in an image points is decided in one place.
pub fn ocr_to_segments(text: &OcrText, base: &SegmentOrigin) -> Vec<Segment> {
    SegmentBuilder::from_parts(text.lines.iter().map(|l| (l.text(), base.clone())))
}
