//! OCR as the extractors see it: the bytes of an image in, lines of text with the pixel box of
//! each word out. Images arrive as attachments of their own, inside archives, and as the pages
//! of scanned PDFs, so every extractor that can meet one takes an `&dyn Ocr`.
//!
//! `recognize` is synchronous and CPU-bound: callers run extraction on a blocking thread.

use serde::{Deserialize, Serialize};

use super::{ExtractError, Format, SegmentBuilder};
use dlp_domain::{Region, Segment, SegmentOrigin};

/// A word and where it sits in the original image, in pixels from the top-left corner.
///
/// Serialisable so that recognised text can be cached (sealed) and not recognised twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcrWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// One line of recognised text, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OcrLine {
    pub words: Vec<OcrWord>,
}

impl OcrLine {
    /// The line's text: its words joined by single spaces, except around an address's `@`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 && !split_address(&self.words[i - 1].text, &w.text) {
                out.push(' ');
            }
            out.push_str(&w.text);
        }
        out
    }

    /// The smallest box holding every word of the line; `None` for a line without words.
    pub fn bounding_box(&self) -> Option<Region> {
        let mut words = self.words.iter();
        let first = words.next()?;
        let (mut left, mut top) = (first.left, first.top);
        let mut right = first.left.saturating_add(first.width);
        let mut bottom = first.top.saturating_add(first.height);
        for w in words {
            left = left.min(w.left);
            top = top.min(w.top);
            right = right.max(w.left.saturating_add(w.width));
            bottom = bottom.max(w.top.saturating_add(w.height));
        }
        Some(Region {
            left,
            top,
            width: right - left,
            height: bottom - top,
        })
    }
}

/// Whether two neighbouring words are the halves of one e-mail address that OCR cut at its
/// `@`: Tesseract reads the narrow gap beside a small `@` as a space (`j_smith42 @fabrikam.io`,
/// `priya.raman@ northwind.org`). Only when the half after the `@` is a domain, with a dot, so
/// that a mention (`ping @jsmith`) stays two words.
fn split_address(before: &str, after: &str) -> bool {
    let local_char = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |d: &str| {
        d.contains('.')
            && d.starts_with(|c: char| c.is_ascii_alphanumeric())
            && d.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-,;)".contains(c))
    };
    // The address's own part of the word before: what follows its last other character.
    let local = |word: &str| {
        word.rsplit(|c: char| !local_char(c))
            .next()
            .is_some_and(|l| !l.is_empty())
    };
    match (before.strip_suffix('@'), after.strip_prefix('@')) {
        (None, Some(domain_part)) => local(before) && domain(domain_part),
        (Some(head), None) => local(head) && domain(after),
        _ => false,
    }
}

impl OcrText {
    /// Number of recognised words, for summaries and tests.
    pub fn word_count(&self) -> usize {
        self.lines.iter().map(|l| l.words.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
/// path or PDF page the image came from) and the line's box as its `region`. Every extractor
/// that meets an image goes through here, so where a finding in an image points is decided in
/// one place.
///
/// One segment per line rather than per word: a card number or a key split into groups by
/// spaces is one value to the detectors, and OCR puts each group in a word of its own.
pub fn ocr_to_segments(text: &OcrText, base: &SegmentOrigin) -> Vec<Segment> {
    SegmentBuilder::from_parts(text.lines.iter().filter(|l| !l.words.is_empty()).map(|l| {
        let origin = SegmentOrigin {
            region: l.bounding_box(),
            ..base.clone()
        };
        (l.text(), origin)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assert_consistent;

    fn word(text: &str, left: u32, top: u32, width: u32, height: u32) -> OcrWord {
        OcrWord {
            text: text.into(),
            left,
            top,
            width,
            height,
        }
    }

    #[test]
    fn an_address_cut_at_its_at_sign_is_one_word_again() {
        let line = |words: &[&str]| {
            OcrLine {
                words: words.iter().map(|t| word(t, 0, 0, 10, 10)).collect(),
            }
            .text()
        };
        assert_eq!(
            line(&["Escalation:", "j_smith42", "@fabrikam.io"]),
            "Escalation: j_smith42@fabrikam.io"
        );
        assert_eq!(
            line(&["priya.raman@", "northwind-health.org", "ext"]),
            "priya.raman@northwind-health.org ext"
        );
        assert_eq!(line(&["ping", "@jsmith", "today"]), "ping @jsmith today");
        assert_eq!(line(&["meet", "@", "10.30"]), "meet @ 10.30");
        assert_eq!(line(&["a", "b"]), "a b");
    }

    #[test]
    fn one_segment_per_line_boxed_by_its_words() {
        let text = OcrText {
            lines: vec![
                OcrLine {
                    words: vec![
                        word("CARD", 24, 104, 90, 28),
                        word("5217", 140, 100, 90, 30),
                    ],
                },
                OcrLine { words: vec![] },
                OcrLine {
                    words: vec![word("2026-02-09", 24, 150, 230, 29)],
                },
            ],
        };
        let base = SegmentOrigin {
            path: Some("scans.zip/receipt.png".into()),
            ..SegmentOrigin::default()
        };
        let segments = ocr_to_segments(&text, &base);
        assert_consistent(&segments);
        assert_eq!(segments.len(), 2, "a line without words is no segment");
        assert_eq!(segments[0].text, "CARD 5217");
        assert_eq!(
            segments[0].origin.region,
            Some(Region {
                left: 24,
                top: 100,
                width: 206,
                height: 32
            })
        );
        assert_eq!(segments[0].origin.path, base.path);
        assert_eq!(
            (segments[1].text.as_str(), segments[1].line),
            ("2026-02-09", 2)
        );
        assert_eq!(
            segments[1].origin.region,
            Some(Region {
                left: 24,
                top: 150,
                width: 230,
                height: 29
            })
        );
    }

    #[test]
    fn recognised_text_round_trips_through_json() {
        let text = OcrText {
            lines: vec![OcrLine {
                words: vec![word("AKIA", 1, 2, 3, 4)],
            }],
        };
        let json = serde_json::to_string(&text).unwrap();
        assert_eq!(serde_json::from_str::<OcrText>(&json).unwrap(), text);
        assert_eq!(text.word_count(), 1);
    }

    #[test]
    fn no_ocr_reports_images_not_extracted() {
        assert_eq!(
            NoOcr.recognize(b"\x89PNG", Format::Png),
            Err(ExtractError::NotExtracted {
                format: Format::Png
            })
        );
    }
}
