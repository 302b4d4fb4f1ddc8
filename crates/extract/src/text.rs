//! Plain-text content (attachments and local files) into segments.

use std::borrow::Cow;
use std::ops::Range;

use super::SegmentBuilder;
use super::delimited;
use super::sheet::a1;
use super::storage::BoundedText;
use super::table_text::{Table, markdown_tables};
use dlp_domain::{Segment, SegmentOrigin};

/// Target size of one segment. Large texts are cut at the last line break before this size, so
/// a segment is a run of whole lines and the joined text equals the (normalised) input.
const CHUNK_BYTES: usize = 64 * 1024;

/// Most table cells one text is cut into. A cell is a segment of its own, and a 64 MB CSV of
/// short fields would be millions of them; the rows past the limit are scanned as plain text.
const MAX_TABLE_CELLS: usize = 250_000;

/// Turns text bytes into segments.
///
/// Never rejects input: invalid UTF-8 is decoded lossily (a legacy 8-bit file still gets its
/// ASCII scanned), a UTF-8 BOM is dropped, UTF-16 with a BOM is decoded, and line breaks are
/// normalised (`\r\n` and a lone `\r` become `\n`) so that line numbers mean what an editor shows.
///
/// Tables are read as tables: a CSV or TSV file (by its name, or by its look — see
/// [`delimited`](super::delimited)) and the Markdown pipe tables of any other text have every
/// cell as a segment of its own, with its column header as context, `origin.cell` its A1
/// reference (and `origin.sheet` "table N" for the N-th pipe table). Cells keep the offsets and
/// lines they have in the text; what lies between them (delimiters, the separator row) is in no
/// segment.
///
/// Text outside tables up to 64 KiB is one segment; longer runs are cut on line boundaries
/// into segments of about 64 KiB. The line break at a cut is the joining `"\n"`, so every
/// offset and line number is the one in the file. A single line longer than a chunk is kept
/// whole rather than split, so no value is cut in two.
pub fn text_segments(bytes: &[u8], file_name: &str, origin: SegmentOrigin) -> Vec<Segment> {
    let text = normalise_line_breaks(decode(bytes));
    let placed = place(&text, file_name, origin);
    let mut builder = SegmentBuilder::with_capacity(placed.len());
    for piece in placed {
        let segment = text[piece.span.clone()].to_owned();
        piece.push_into(&mut builder, segment);
    }
    builder.finish()
}

/// [`text_segments`] of bytes the caller gives up. Each step reuses or frees what the step
/// before it held, and the segments are cut off the end of the text one by one, its freed
/// tail handed back as they go: a large file is in memory little more than once (its bytes
/// become its text, its text becomes its segments), not four times (its bytes, their lossy
/// decoding, the line breaks normalised, the segments).
pub fn text_segments_owned(bytes: Vec<u8>, file_name: &str, origin: SegmentOrigin) -> Vec<Segment> {
    /// Spare capacity the text may keep before it is shrunk (memory handed back).
    const SLACK: usize = 8 << 20;
    let mut text = normalise_line_breaks_owned(decode_owned(bytes));
    let placed = place(&text, file_name, origin);
    let mut cut: Vec<String> = Vec::with_capacity(placed.len());
    for piece in placed.iter().rev() {
        text.truncate(piece.span.end);
        cut.push(text.split_off(piece.span.start));
        if text.capacity() - text.len() > SLACK {
            text.shrink_to_fit();
        }
    }
    drop(text);
    let mut builder = SegmentBuilder::with_capacity(placed.len());
    for (piece, segment) in placed.into_iter().zip(cut.into_iter().rev()) {
        piece.push_into(&mut builder, segment);
    }
    builder.finish()
}

/// Where each segment of `text` lies, in text order, without copying any of it.
fn place(text: &str, file_name: &str, origin: SegmentOrigin) -> Vec<Placed> {
    let (tables, sheet_names) = match delimited::table(text, file_name, MAX_TABLE_CELLS) {
        Some(table) => (vec![table], false),
        None => (markdown_tables(text, MAX_TABLE_CELLS), true),
    };
    // Sized up front: a table's cells are hundreds of thousands of places, and growing the
    // list by doubling copied it into fresh memory again and again, most of a CSV file's
    // extraction (page faults and copies; 2.6 MB of cells took 0.2 s).
    let cells: usize = tables.iter().map(|t| t.cells.len()).sum();
    let mut out = Placer {
        placed: Vec::with_capacity(cells + text.len() / CHUNK_BYTES + 1 + tables.len()),
        text,
        lines: LineCounter::default(),
    };
    let mut at = 0;
    for (n, table) in tables.iter().enumerate() {
        out.plain(at..table.region.start, &origin);
        let table_origin = SegmentOrigin {
            sheet: sheet_names.then(|| format!("table {}", n + 1)),
            ..origin.clone()
        };
        out.table(table, &table_origin);
        at = table.region.end;
    }
    out.plain(at..text.len(), &origin);
    out.placed
}

/// A segment's place in the text: its bytes, the line it starts on, and what it is.
struct Placed {
    span: Range<usize>,
    line: u32,
    origin: SegmentOrigin,
    context: Option<String>,
}

impl Placed {
    fn push_into(self, builder: &mut SegmentBuilder, text: String) {
        builder.push_at(self.span.start, self.line, text, self.origin, self.context);
    }
}

/// Finds the places of segments in the text, in order.
struct Placer<'a> {
    placed: Vec<Placed>,
    text: &'a str,
    lines: LineCounter,
}

impl Placer<'_> {
    /// Text outside tables, in chunks of whole lines. A line break at either end of `range`
    /// belongs to the gap next to a table.
    fn plain(&mut self, range: Range<usize>, origin: &SegmentOrigin) {
        let mut start = range.start;
        let mut end = range.end;
        if start < end && self.text.as_bytes()[start] == b'\n' && start > 0 {
            start += 1;
        }
        if start < end && self.text.as_bytes()[end - 1] == b'\n' && end < self.text.len() {
            end -= 1;
        }
        let mut rest = &self.text[start..end];
        while !rest.is_empty() {
            let chunk = if rest.len() <= CHUNK_BYTES {
                rest
            } else {
                cut_point(rest).map_or(rest, |newline| &rest[..newline])
            };
            self.push(start..start + chunk.len(), origin.clone(), None);
            start += chunk.len() + 1;
            rest = rest.get(chunk.len() + 1..).unwrap_or("");
        }
    }

    fn table(&mut self, table: &Table, origin: &SegmentOrigin) {
        let mut headers: Vec<Option<String>> = Vec::new();
        for cell in &table.cells {
            let text = &self.text[cell.span.clone()];
            if cell.row == 0 {
                let mut header = BoundedText::default();
                header.append(" ", text);
                headers.push(header.into_text());
            }
            if text.is_empty() {
                continue;
            }
            let context = match cell.row {
                0 => None,
                _ => headers.get(cell.column as usize).cloned().flatten(),
            };
            let cell_origin = SegmentOrigin {
                cell: Some(a1(cell.row, cell.column)),
                ..origin.clone()
            };
            self.push(cell.span.clone(), cell_origin, context);
        }
    }

    fn push(&mut self, span: Range<usize>, origin: SegmentOrigin, context: Option<String>) {
        let line = self.lines.line_at(self.text, span.start);
        self.placed.push(Placed {
            span,
            line,
            origin,
            context,
        });
    }
}

/// The 1-based line of byte offsets asked for in increasing order, counted once.
#[derive(Default)]
struct LineCounter {
    at: usize,
    newlines: u32,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, offset: usize) -> u32 {
        let counted = bytecount::count(&text.as_bytes()[self.at..offset], b'\n');
        self.newlines = self
            .newlines
            .saturating_add(u32::try_from(counted).unwrap_or(u32::MAX));
        self.at = offset;
        self.newlines.saturating_add(1)
    }
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
        return lossy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(decode_utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(decode_utf16(rest, u16::from_be_bytes));
    }
    lossy(bytes)
}

/// The bytes as UTF-8, invalid sequences replaced. Checked first with the standard library's
/// validation, several times faster than the lossy decoder's walk on the valid text that
/// nearly every file is.
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(replace_invalid(bytes)),
    }
}

/// `String::from_utf8_lossy` of invalid bytes, in a string of exactly its size: the standard
/// one starts at the input's size and grows by doubling at the first replacement character
/// that does not fit, so a large file with a few stray bytes was held at three times its size.
fn replace_invalid(bytes: &[u8]) -> String {
    let replacement = char::REPLACEMENT_CHARACTER.len_utf8();
    let size: usize = bytes
        .utf8_chunks()
        .map(|c| {
            c.valid().len()
                + if c.invalid().is_empty() {
                    0
                } else {
                    replacement
                }
        })
        .sum();
    let mut text = String::with_capacity(size);
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    text
}

/// [`decode`], reusing the bytes' buffer when they are valid UTF-8 and freeing it as soon as
/// their decoding is made when they are not.
fn decode_owned(mut bytes: Vec<u8>) -> String {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return decode(&bytes).into_owned();
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).unwrap_or_else(|invalid| replace_invalid(invalid.as_bytes()))
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

fn normalise_line_breaks(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(text) if !text.contains('\r') => Cow::Borrowed(text),
        other => Cow::Owned(normalise_line_breaks_owned(other.into_owned())),
    }
}

/// `\r\n` and a lone `\r` become `\n`, in the string's own buffer: the text only shrinks, and
/// only ASCII bytes move, so what is left is UTF-8 still.
fn normalise_line_breaks_owned(text: String) -> String {
    let Some(first) = memchr::memchr(b'\r', text.as_bytes()) else {
        return text;
    };
    let mut bytes = text.into_bytes();
    let mut write = first;
    let mut read = first;
    while read < bytes.len() {
        let b = bytes[read];
        read += 1;
        if b == b'\r' {
            bytes[write] = b'\n';
            if bytes.get(read) == Some(&b'\n') {
                read += 1;
            }
        } else {
            bytes[write] = b;
        }
        write += 1;
    }
    bytes.truncate(write);
    String::from_utf8(bytes).unwrap_or_else(|invalid| replace_invalid(invalid.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{assert_consistent, joined_text};

    fn texts(segments: &[Segment]) -> Vec<&str> {
        segments.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn small_text_is_one_segment_with_the_given_origin() {
        let origin = SegmentOrigin {
            path: Some("exports.zip/customers.csv".into()),
            ..Default::default()
        };
        let segments = text_segments(b"name,ssn\nAda,078-05-1120\n", "notes.txt", origin.clone());
        assert_eq!(texts(&segments), ["name,ssn\nAda,078-05-1120\n"]);
        assert_eq!(segments[0].origin, origin);
        assert_eq!((segments[0].offset, segments[0].line), (0, 1));
    }

    #[test]
    fn empty_input_has_no_segments() {
        assert!(text_segments(b"", "notes.txt", SegmentOrigin::default()).is_empty());
        assert!(text_segments(b"\xEF\xBB\xBF", "notes.txt", SegmentOrigin::default()).is_empty());
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_not_rejected() {
        let segments = text_segments(
            b"caf\xE9 card 4111111111111111",
            "notes.txt",
            SegmentOrigin::default(),
        );
        assert_eq!(texts(&segments), ["caf\u{FFFD} card 4111111111111111"]);
    }

    #[test]
    fn bom_is_stripped_and_crlf_normalised() {
        let segments = text_segments(
            b"\xEF\xBB\xBFone\r\ntwo\rthree\r\n",
            "notes.txt",
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
            texts(&text_segments(&le, "notes.txt", SegmentOrigin::default())),
            ["ok\n"]
        );
        let be: Vec<u8> = b"\xFE\xFF"
            .iter()
            .copied()
            .chain("ok".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(
            texts(&text_segments(&be, "notes.txt", SegmentOrigin::default())),
            ["ok"]
        );
    }

    #[test]
    fn large_text_is_cut_on_line_boundaries_with_true_line_numbers() {
        let mut input = String::new();
        for n in 1..=20_000 {
            input.push_str(&format!("line {n:05} with some padding text\n"));
        }
        let segments = text_segments(input.as_bytes(), "notes.txt", SegmentOrigin::default());
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
        let segments = text_segments(input.as_bytes(), "notes.txt", SegmentOrigin::default());
        assert_consistent(&segments);
        assert!(
            joined_text(&segments) == input,
            "joined text differs from the input"
        );
        assert!(segments.iter().any(|s| s.text == long));
        let without_breaks = "é".repeat(CHUNK_BYTES);
        let segments = text_segments(
            without_breaks.as_bytes(),
            "notes.txt",
            SegmentOrigin::default(),
        );
        assert!(segments.len() == 1 && segments[0].text == without_breaks);
    }

    /// Every segment's text is the file's bytes at its offset, on its line.
    fn assert_at_file_positions(segments: &[Segment], file: &str) {
        assert_consistent(segments);
        for s in segments {
            assert_eq!(&file[s.offset..s.offset + s.text.len()], s.text);
            let line = file[..s.offset].matches('\n').count() + 1;
            assert_eq!(s.line as usize, line, "line of {:?}", s.text);
        }
    }

    #[test]
    fn csv_cells_are_segments_with_their_header_as_context_at_file_positions() {
        let file = "Name,DOB,Address\n\"Ada\",22/05/1977,\"1 Main St,\nLeeds\"\nBob,,York\n";
        let segments = text_segments(file.as_bytes(), "staff.csv", SegmentOrigin::default());
        assert_at_file_positions(&segments, file);
        let cells: Vec<_> = segments
            .iter()
            .map(|s| {
                (
                    s.text.as_str(),
                    s.origin.cell.as_deref().unwrap(),
                    s.context.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                ("Name", "A1", None),
                ("DOB", "B1", None),
                ("Address", "C1", None),
                ("Ada", "A2", Some("Name")),
                ("22/05/1977", "B2", Some("DOB")),
                ("1 Main St,\nLeeds", "C2", Some("Address")),
                ("Bob", "A3", Some("Name")),
                ("York", "C3", Some("Address")),
            ]
        );
        assert_eq!((segments[6].offset, segments[6].line), (53, 4));
    }

    #[test]
    fn a_malformed_csv_is_plain_text() {
        let file = "Name,DOB\n\"Ada,22/05/1977\n";
        let segments = text_segments(file.as_bytes(), "staff.csv", SegmentOrigin::default());
        assert_eq!(texts(&segments), [file]);
    }

    #[test]
    fn markdown_tables_are_read_cell_by_cell_and_the_prose_around_them_as_before() {
        let file = "# Staff\n\nIntro line.\n\n| Name | DOB |\n|---|---|\n| Ada | 1977-05-22 |\n\nOutro.\n| Key |\n|:-:|\n| k1 |\n";
        let segments = text_segments(file.as_bytes(), "staff.md", SegmentOrigin::default());
        assert_at_file_positions(&segments, file);
        let got: Vec<_> = segments
            .iter()
            .map(|s| {
                (
                    s.text.as_str(),
                    s.origin.sheet.as_deref(),
                    s.origin.cell.as_deref(),
                    s.context.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("# Staff\n\nIntro line.\n", None, None, None),
                ("Name", Some("table 1"), Some("A1"), None),
                ("DOB", Some("table 1"), Some("B1"), None),
                ("Ada", Some("table 1"), Some("A2"), Some("Name")),
                ("1977-05-22", Some("table 1"), Some("B2"), Some("DOB")),
                ("\nOutro.", None, None, None),
                ("Key", Some("table 2"), Some("A1"), None),
                ("k1", Some("table 2"), Some("A2"), Some("Key")),
            ]
        );
    }

    #[test]
    fn table_cells_keep_file_positions_inside_an_archive_entry() {
        let mut builder = SegmentBuilder::new();
        builder.push("before\nthe entry".to_owned(), SegmentOrigin::default());
        let file = "id,email\n1,ada@example.com\n";
        builder.append(text_segments(
            file.as_bytes(),
            "a.csv",
            SegmentOrigin::default(),
        ));
        let segments = builder.finish();
        assert_consistent(&segments);
        let email = segments.last().unwrap();
        assert_eq!((email.offset, email.line), (17 + 11, 4));
    }

    #[test]
    fn owned_bytes_give_the_segments_borrowed_bytes_give() {
        let utf16: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain("a\r\nb".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let long_lines = "line with 4111111111111111\r\n".repeat(5000);
        let inputs: Vec<&[u8]> = vec![
            b"",
            b"\xEF\xBB\xBF",
            b"plain ascii, no break",
            b"\xEF\xBB\xBFone\r\ntwo\rthree\r\n\r",
            b"caf\xE9\r\ncard 4111111111111111\r",
            b"\r\r\n\n\r",
            &utf16,
            b"| Name | SSN |\r\n|---|:-:|\r\n| Ada | 078-05-1120 |\r\n\r\nafter\r\n",
            b"name,ssn\r\nAda,078-05-1120\r\n",
            long_lines.as_bytes(),
        ];
        for input in inputs {
            let borrowed = text_segments(input, "notes.txt", SegmentOrigin::default());
            let owned = text_segments_owned(input.to_vec(), "notes.txt", SegmentOrigin::default());
            assert_eq!(owned, borrowed, "{:?}", String::from_utf8_lossy(input));
            assert_consistent(&owned);
        }
    }

    #[test]
    fn invalid_bytes_are_replaced_as_the_standard_library_does() {
        for bytes in [
            &b"caf\xE9"[..],
            b"\xF0\x9F\x98",
            b"ok \xC3\x28 \xE2\x82 \xFF\xFE end",
            b"\x80\x80\x80",
        ] {
            let text = replace_invalid(bytes);
            assert_eq!(text, String::from_utf8_lossy(bytes));
            assert_eq!(text.capacity(), text.len(), "sized exactly");
        }
    }

    #[test]
    fn a_pipe_table_needs_a_separator_row_of_pipes_and_dashes() {
        let tables = |text: &str| markdown_tables(text, usize::MAX).len();
        assert_eq!(tables("| a | b |\n|---|---|\n| 1 | 2 |\n"), 1);
        assert_eq!(tables("a | b\n--- | ---\n1 | 2\n"), 1);
        // A setext heading's underline, and a separator row with other text in it.
        assert_eq!(tables("| a |\n---\n"), 0);
        assert_eq!(tables("| a | b |\n|---|-x-|\n"), 0);
        assert_eq!(tables("| a | b |\n|---|---|---|\n"), 0);
    }
}
