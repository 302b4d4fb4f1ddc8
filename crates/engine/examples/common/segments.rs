//! Text cut into segments as the text extractor cuts plain text, for the engine's examples,
//! which run without the extractors (and their Tesseract and archive dependencies).

use dlp_domain::{Segment, SegmentOrigin};

/// The extractor's segment size: about 64 KiB, cut after a line break.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Segments of about [`CHUNK_BYTES`], cut after a line break, each knowing its first line.
pub fn chunks(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut line = 1u32;
    while !rest.is_empty() {
        let mut end = rest.len().min(CHUNK_BYTES);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end < rest.len() {
            end = rest[..end].rfind('\n').map_or(end, |i| i + 1);
        }
        let piece = &rest[..end];
        out.push(Segment {
            text: piece.to_owned(),
            offset: text.len() - rest.len(),
            line,
            origin: SegmentOrigin::default(),
            context: None,
        });
        let newlines = piece.bytes().filter(|&b| b == b'\n').count();
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        rest = &rest[end..];
    }
    out
}
