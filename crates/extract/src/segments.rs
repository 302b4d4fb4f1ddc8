//! Building segments whose offsets and lines agree with the item's joined text.

use dlp_domain::{Segment, SegmentOrigin};

/// Appends segments one after another, as if their texts were joined with `"\n"`, and gives
/// each the byte offset and 1-based line of its first character in that joined text.
///
/// A text read for its positions (a plain-text file whose table cells are segments of their
/// own) places segments at the offsets and lines they have in it instead
/// ([`SegmentBuilder::push_at`]): what lies between two cells (delimiters, a separator row) is
/// in no segment, and findings still point at the file's own bytes and lines.
///
/// Extractors never compute offsets themselves: a finding's `start`, `end` and `line` come from
/// these numbers, and one place computing them is one place to get them right.
#[derive(Debug, Default)]
pub struct SegmentBuilder {
    segments: Vec<Segment>,
    /// Byte offset just past the last segment (0 before the first).
    end: usize,
    /// Line on which the last segment ends (1 before the first).
    end_line: u32,
}

impl SegmentBuilder {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// A builder with room for `segments` segments: a table's cells are many, and a vector
    /// of them grown by doubling is copied as many times.
    pub fn with_capacity(segments: usize) -> Self {
        SegmentBuilder {
            segments: Vec::with_capacity(segments),
            end: 0,
            end_line: 1,
        }
    }

    /// Where a segment pushed next starts: after a joining `"\n"`, or at the very start.
    fn next_position(&self) -> (usize, u32) {
        if self.segments.is_empty() {
            (0, 1)
        } else {
            (self.end + 1, self.end_line.saturating_add(1))
        }
    }

    /// Builds all segments at once from `(text, origin)` pairs.
    pub fn from_parts(parts: impl IntoIterator<Item = (String, SegmentOrigin)>) -> Vec<Segment> {
        let mut builder = SegmentBuilder::new();
        for (text, origin) in parts {
            builder.push(text, origin);
        }
        builder.finish()
    }

    pub fn push(&mut self, text: String, origin: SegmentOrigin) {
        self.push_with_context(text, origin, None);
    }

    /// As [`SegmentBuilder::push`], with text the reader sees next to the segment (a table
    /// cell's column header): detectors read it for context words, and it takes no place in
    /// the joined text, so offsets and lines are as without it.
    pub fn push_with_context(
        &mut self,
        text: String,
        origin: SegmentOrigin,
        context: Option<String>,
    ) {
        let (offset, line) = self.next_position();
        self.place(offset, line, text, origin, context);
    }

    /// Places a segment at `offset` and `line` of a text the caller reads positions from,
    /// which must lie past the previous segment with room for the lines in between (a gap of
    /// at least one byte, as [`SegmentBuilder::push`] leaves). A position that does not is
    /// moved to the nearest one that does, so segments never overlap or run backwards.
    pub fn push_at(
        &mut self,
        offset: usize,
        line: u32,
        text: String,
        origin: SegmentOrigin,
        context: Option<String>,
    ) {
        let (first_offset, _) = self.next_position();
        debug_assert!(
            offset >= first_offset,
            "segment placed before the previous one ends"
        );
        let offset = offset.max(first_offset);
        let gap = u32::try_from(offset - self.end).unwrap_or(u32::MAX);
        let line = line.clamp(self.end_line, self.end_line.saturating_add(gap));
        self.place(offset, line, text, origin, context);
    }

    /// Appends the segments of a text extracted on its own (positions counted from its
    /// start), keeping their positions relative to each other: an archive entry's table
    /// cells stay as far apart as in the entry.
    pub fn append(&mut self, segments: Vec<Segment>) {
        if self.segments.is_empty() {
            // Nothing to shift them by: take the vector itself rather than a second one as
            // large (a text of many table cells has hundreds of thousands of segments). They
            // come from a builder, so their offsets and lines need no clamping.
            if let Some(last) = segments.last() {
                self.end = last.offset + last.text.len();
                let newlines = bytecount::count(last.text.as_bytes(), b'\n');
                self.end_line = last
                    .line
                    .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            }
            self.segments = segments;
            return;
        }
        let (base, base_line) = self.next_position();
        for s in segments {
            self.push_at(
                base + s.offset,
                base_line.saturating_add(s.line.saturating_sub(1)),
                s.text,
                s.origin,
                s.context,
            );
        }
    }

    fn place(
        &mut self,
        offset: usize,
        line: u32,
        text: String,
        origin: SegmentOrigin,
        context: Option<String>,
    ) {
        let newlines = bytecount::count(text.as_bytes(), b'\n');
        self.end = offset + text.len();
        self.end_line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.segments.push(Segment {
            text,
            offset,
            line,
            origin,
            context,
        });
    }

    pub fn len(&self) -> usize {
        self.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The segments pushed so far, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn finish(self) -> Vec<Segment> {
        self.segments
    }
}

/// The item's extracted text, the text that segment offsets and lines point into (what a
/// reviewer sees, and what redaction works on): every segment's text at its offset. Segments
/// pushed one after another are joined with `"\n"`; a gap between placed segments (the
/// delimiters between table cells) holds the line breaks it spans, then spaces.
pub fn joined_text(segments: &[Segment]) -> String {
    let len = segments.last().map_or(0, |s| s.offset + s.text.len());
    let mut joined = String::with_capacity(len);
    let mut line: u32 = 1;
    for segment in segments {
        let gap = segment.offset.saturating_sub(joined.len());
        let breaks = usize::try_from(segment.line.saturating_sub(line)).unwrap_or(usize::MAX);
        joined.extend(std::iter::repeat_n('\n', breaks.min(gap)));
        joined.extend(std::iter::repeat_n(' ', gap.saturating_sub(breaks)));
        joined.push_str(&segment.text);
        line = segment.line.saturating_add(
            u32::try_from(segment.text.bytes().filter(|&b| b == b'\n').count()).unwrap_or(u32::MAX),
        );
    }
    joined
}

/// Test helper for every extractor: checks the segment invariant against the joined text.
#[cfg(test)]
pub(crate) fn assert_consistent(segments: &[Segment]) {
    let joined = joined_text(segments);
    for s in segments {
        assert_eq!(
            &joined[s.offset..s.offset + s.text.len()],
            s.text,
            "segment text at its offset"
        );
        let line = joined[..s.offset].bytes().filter(|&b| b == b'\n').count() + 1;
        assert_eq!(
            s.line as usize, line,
            "line of segment at offset {}",
            s.offset
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_lines_follow_the_joined_text() {
        let cell = SegmentOrigin {
            cell: Some("B2".into()),
            ..Default::default()
        };
        let segments = SegmentBuilder::from_parts([
            ("first".to_owned(), SegmentOrigin::default()),
            ("two\nlines".to_owned(), cell.clone()),
            (String::new(), SegmentOrigin::default()),
            ("last".to_owned(), SegmentOrigin::default()),
        ]);
        assert_consistent(&segments);
        let at: Vec<_> = segments.iter().map(|s| (s.offset, s.line)).collect();
        assert_eq!(at, [(0, 1), (6, 2), (16, 4), (17, 5)]);
        assert_eq!(segments[1].origin, cell);
        assert_eq!(joined_text(&segments), "first\ntwo\nlines\n\nlast");
    }

    #[test]
    fn context_takes_no_place_in_the_joined_text() {
        let mut builder = SegmentBuilder::new();
        builder.push("Jane".to_owned(), SegmentOrigin::default());
        builder.push_with_context(
            "536-22-1234".to_owned(),
            SegmentOrigin::default(),
            Some("SSN".to_owned()),
        );
        builder.push("after".to_owned(), SegmentOrigin::default());
        let segments = builder.finish();
        assert_consistent(&segments);
        assert_eq!(joined_text(&segments), "Jane\n536-22-1234\nafter");
        assert_eq!(segments[1].context.as_deref(), Some("SSN"));
        assert_eq!((segments[2].offset, segments[2].line), (17, 3));
        assert_eq!(segments[0].context, None);
    }

    #[test]
    fn placed_segments_keep_their_positions_and_the_gaps_between_them() {
        // "a,b\nc" read cell by cell: the comma is in no segment.
        let mut builder = SegmentBuilder::new();
        builder.push_at(0, 1, "a".to_owned(), SegmentOrigin::default(), None);
        builder.push_at(2, 1, "b".to_owned(), SegmentOrigin::default(), None);
        builder.push_at(4, 2, "c".to_owned(), SegmentOrigin::default(), None);
        builder.push("after".to_owned(), SegmentOrigin::default());
        let segments = builder.finish();
        assert_consistent(&segments);
        assert_eq!(joined_text(&segments), "a b\nc\nafter");
        let at: Vec<_> = segments.iter().map(|s| (s.offset, s.line)).collect();
        assert_eq!(at, [(0, 1), (2, 1), (4, 2), (6, 3)]);
    }

    #[test]
    fn no_segments_join_to_nothing() {
        assert_eq!(joined_text(&[]), "");
        assert!(SegmentBuilder::new().is_empty());
    }
}
