//! Building segments whose offsets and lines agree with the item's joined text.

use crate::domain::{Segment, SegmentOrigin};

/// Appends segments one after another, as if their texts were joined with `"\n"`, and gives
/// each the byte offset and 1-based line of its first character in that joined text.
///
/// Extractors never compute offsets themselves: a finding's `start`, `end` and `line` come from
/// these numbers, and one place computing them is one place to get them right.
#[derive(Debug, Default)]
pub struct SegmentBuilder {
    segments: Vec<Segment>,
    next_offset: usize,
    next_line: u32,
}

impl SegmentBuilder {
    pub fn new() -> Self {
        SegmentBuilder {
            segments: Vec::new(),
            next_offset: 0,
            next_line: 1,
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
        let newlines = text.bytes().filter(|&b| b == b'\n').count();
        let offset = self.next_offset;
        let line = self.next_line;
        // The joining "\n" after this segment moves the next one down one more line.
        self.next_offset = offset + text.len() + 1;
        self.next_line = line
            .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX))
            .saturating_add(1);
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

/// The item's extracted text: all segment texts joined with `"\n"`, the text that segment
/// offsets and lines point into (what a reviewer sees, and what redaction works on).
pub fn joined_text(segments: &[Segment]) -> String {
    let len = segments.iter().map(|s| s.text.len() + 1).sum::<usize>();
    let mut joined = String::with_capacity(len);
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            joined.push('\n');
        }
        joined.push_str(&segment.text);
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
    fn no_segments_join_to_nothing() {
        assert_eq!(joined_text(&[]), "");
        assert!(SegmentBuilder::new().is_empty());
    }
}
