//! Plain-text content (attachments and local files) into segments.

use std::borrow::Cow;

use super::SegmentBuilder;
use crate::domain::{Segment, SegmentOrigin};

/// Target size of one segment. Large texts are cut at the last line break before this size, so
/// a segment is a run of whole lines and the joined text equals the (normalised) input.
const CHUNK_BYTES: usize = 64 * 1024;

/// Turns text bytes into segments.
///
/// Never rejects input: invalid UTF-8 is decoded lossily (a legacy 8-bit file still gets its
/// ASCII scanned), a UTF-8 BOM is dropped, UTF-16 with a BOM is decoded, and line breaks are
/// normalised (`\r\n` and a lone `\r` become `\n`) so that line numbers mean what an editor shows.
///
/// Texts up to 64 KiB are one segment; longer ones are cut on line boundaries into segments of
/// about 64 KiB. The line break at a cut is the joining `"\n"`, so the joined text is exactly
/// the normalised input and every line number is the line in the file. A single line longer
/// than a chunk is kept whole rather than split, so no value is cut in two.
pub fn text_segments(bytes: &[u8], origin: SegmentOrigin) -> Vec<Segment> {
    let decoded = decode(bytes);
    let text = normalise_line_breaks(&decoded);
    let mut builder = SegmentBuilder::new();
    let mut rest: &str = &text;
    while !rest.is_empty() {
        if rest.len() <= CHUNK_BYTES {
            builder.push(rest.to_owned(), origin.clone());
            break;
        }
        match cut_point(rest) {
            Some(newline) => {
                builder.push(rest[..newline].to_owned(), origin.clone());
                rest = &rest[newline + 1..];
            }
            None => {
                builder.push(rest.to_owned(), origin.clone());
                break;
            }
        }
    }
    builder.finish()
}

/// The byte index of the newline to cut `text` at: the last one within the first chunk, or
/// the first one after it when the first chunk is a single long line. Index 0 is never chosen,
/// so no segment is empty.
fn cut_point(text: &str) -> Option<usize> {
    let window_end = text.floor_char_boundary(CHUNK_BYTES);
    let bytes = text.as_bytes();
    bytes[1..window_end]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .or_else(|| {
            bytes[window_end..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| i + window_end)
        })
}

fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(decode_utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(decode_utf16(rest, u16::from_be_bytes));
    }
    String::from_utf8_lossy(bytes)
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks(2).map(|pair| match pair {
        [a, b] => unit([*a, *b]),
        // An odd trailing byte is a truncated unit: decode it as a replacement character.
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

fn normalise_line_breaks(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut pieces = text.split('\r');
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for piece in pieces {
        out.push('\n');
        // "\r\n" is one break: the "\n" is already pushed for the "\r".
        out.push_str(piece.strip_prefix('\n').unwrap_or(piece));
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{assert_consistent, joined_text};

    fn texts(segments: &[Segment]) -> Vec<&str> {
        segments.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn small_text_is_one_segment_with_the_given_origin() {
        let origin = SegmentOrigin {
            path: Some("exports.zip/customers.csv".into()),
            ..Default::default()
        };
        let segments = text_segments(b"name,ssn\nAda,078-05-1120\n", origin.clone());
        assert_eq!(texts(&segments), ["name,ssn\nAda,078-05-1120\n"]);
        assert_eq!(segments[0].origin, origin);
        assert_eq!((segments[0].offset, segments[0].line), (0, 1));
    }

    #[test]
    fn empty_input_has_no_segments() {
        assert!(text_segments(b"", SegmentOrigin::default()).is_empty());
        assert!(text_segments(b"\xEF\xBB\xBF", SegmentOrigin::default()).is_empty());
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_not_rejected() {
        let segments = text_segments(b"caf\xE9 card 4111111111111111", SegmentOrigin::default());
        assert_eq!(texts(&segments), ["caf\u{FFFD} card 4111111111111111"]);
    }

    #[test]
    fn bom_is_stripped_and_crlf_normalised() {
        let segments = text_segments(
            b"\xEF\xBB\xBFone\r\ntwo\rthree\r\n",
            SegmentOrigin::default(),
        );
        assert_eq!(texts(&segments), ["one\ntwo\nthree\n"]);
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let le: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain("ok\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            texts(&text_segments(&le, SegmentOrigin::default())),
            ["ok\n"]
        );
        let be: Vec<u8> = b"\xFE\xFF"
            .iter()
            .copied()
            .chain("ok".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(texts(&text_segments(&be, SegmentOrigin::default())), ["ok"]);
    }

    #[test]
    fn large_text_is_cut_on_line_boundaries_with_true_line_numbers() {
        let mut input = String::new();
        for n in 1..=20_000 {
            input.push_str(&format!("line {n:05} with some padding text\n"));
        }
        let segments = text_segments(input.as_bytes(), SegmentOrigin::default());
        assert!(segments.len() > 1, "{} segments", segments.len());
        assert_consistent(&segments);
        assert!(
            segments
                .iter()
                .all(|s| s.text.len() <= CHUNK_BYTES && !s.text.is_empty())
        );
        // The joined text is the input, so lines are file lines.
        assert!(
            joined_text(&segments) == input,
            "joined text differs from the input"
        );
        for s in &segments {
            let first_line: u32 = s.text[5..10].parse().unwrap();
            assert_eq!(s.line, first_line);
        }
    }

    #[test]
    fn a_line_longer_than_a_chunk_is_never_split() {
        let long = "x".repeat(CHUNK_BYTES * 2);
        let input = format!("short\n{long}\ntail");
        let segments = text_segments(input.as_bytes(), SegmentOrigin::default());
        assert_consistent(&segments);
        assert!(
            joined_text(&segments) == input,
            "joined text differs from the input"
        );
        assert!(segments.iter().any(|s| s.text == long));
        let without_breaks = "é".repeat(CHUNK_BYTES);
        let segments = text_segments(without_breaks.as_bytes(), SegmentOrigin::default());
        assert!(segments.len() == 1 && segments[0].text == without_breaks);
    }
}
