//! The context window around a hit or a value: so many characters before it and after it,
//! asked of one segment thousands of times in dense text (once per keyword hit's rule, once
//! per value judged).
//!
//! Most wiki text is ASCII, where a character is a byte and the window is arithmetic once
//! its bytes are known to be ASCII. Checking them for each window read every byte of the
//! text several times over in dense text (windows overlap), and was most of a window's cost.
//! So a segment whose windows have read as many bytes as a fraction of it is looked through
//! once for where it leaves ASCII, and its windows are answered from that.

use std::ops::Range;

/// A segment's windows have read this fraction of it, byte by byte, before it is looked
/// through whole: a segment with a few hits never pays for the whole look, and one with
/// many pays for it once.
const INDEX_AFTER: usize = 2;

/// The windows of one segment; kept in the caller's scratch, so the list of where the text
/// leaves ASCII reuses its buffer from segment to segment.
#[derive(Debug, Default)]
pub struct CharWindows {
    /// The last window worked out, by hit and width: the rules of one hit often share a
    /// width (the phone rules near "contact").
    last: Option<(Range<usize>, usize, (usize, usize))>,
    /// Bytes checked window by window in this segment so far.
    checked: usize,
    /// Whether `non_ascii` holds every run of bytes past ASCII in the segment.
    indexed: bool,
    /// Runs of bytes past ASCII, in text order; their ends sorted with them.
    non_ascii: Vec<Range<usize>>,
}

impl CharWindows {
    /// Forgets the previous segment.
    pub fn reset(&mut self) {
        self.last = None;
        self.checked = 0;
        self.indexed = false;
        self.non_ascii.clear();
    }

    /// Byte range of up to `chars` characters before `start` and after `end` in `text`: the
    /// segment's text, the same on every call until [`CharWindows::reset`].
    #[inline]
    pub fn around(&mut self, text: &str, start: usize, end: usize, chars: usize) -> (usize, usize) {
        match &self.last {
            Some((span, width, window)) if *span == (start..end) && *width == chars => *window,
            _ => self.work_out(text, start, end, chars),
        }
    }

    fn work_out(&mut self, text: &str, start: usize, end: usize, chars: usize) -> (usize, usize) {
        let back = start.min(chars);
        let ahead = (text.len() - end).min(chars);
        if !self.indexed {
            self.checked += back + ahead;
            if self.checked >= text.len() / INDEX_AFTER {
                self.index(text);
            }
        }
        let before = if self.ascii(text, start - back..start) {
            start - back
        } else {
            text[..start]
                .char_indices()
                .rev()
                .take(chars)
                .last()
                .map_or(start, |(i, _)| i)
        };
        let after = if self.ascii(text, end..end + ahead) {
            end + ahead
        } else {
            text[end..]
                .char_indices()
                .nth(chars)
                .map_or(text.len(), |(i, _)| end + i)
        };
        self.last = Some((start..end, chars, (before, after)));
        (before, after)
    }

    fn ascii(&self, text: &str, range: Range<usize>) -> bool {
        if !self.indexed {
            return text.as_bytes()[range].is_ascii();
        }
        if self.non_ascii.is_empty() {
            return true;
        }
        let first_after = self.non_ascii.partition_point(|run| run.end <= range.start);
        self.non_ascii
            .get(first_after)
            .is_none_or(|run| run.start >= range.end)
    }

    fn index(&mut self, text: &str) {
        self.indexed = true;
        self.non_ascii.clear();
        if text.is_ascii() {
            return;
        }
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(start) = bytes[at..].iter().position(|b| !b.is_ascii()) {
            let start = at + start;
            let end = bytes[start..]
                .iter()
                .position(u8::is_ascii)
                .map_or(bytes.len(), |n| start + n);
            self.non_ascii.push(start..end);
            at = end;
        }
    }
}

/// The window of `chars` characters around `start..end`, worked out alone.
#[cfg(test)]
pub fn window(text: &str, start: usize, end: usize, chars: usize) -> (usize, usize) {
    CharWindows::default().around(text, start, end, chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_characters_not_bytes() {
        let text = "ééé VALUE ééé";
        let start = text.find("VALUE").unwrap();
        let (b, a) = window(text, start, start + 5, 2);
        assert_eq!(&text[b..start], "é ");
        assert_eq!(&text[start + 5..a], " é");
        assert_eq!(window(text, start, start + 5, 0), (start, start + 5));
        assert_eq!(window(text, start, start + 5, 100), (0, text.len()));
        let ascii = "0123456789";
        assert_eq!(window(ascii, 4, 6, 2), (2, 8));
        assert_eq!(window(ascii, 4, 6, 0), (4, 6));
        assert_eq!(window(ascii, 1, 9, 3), (0, 10));
        assert_eq!(
            window("ab é cd", 3, 5, 1),
            (2, 6),
            "a non-ASCII character is one character"
        );
    }

    /// Once a segment is looked through whole, every window is what it is worked out alone:
    /// before it, and after, over text with characters past ASCII here and there.
    #[test]
    fn windows_after_the_segment_is_indexed_are_the_windows_worked_out_alone() {
        let text = "key ä 1234 and some ascii then ß€ here 5678 plain text — end 9 ñ";
        let mut windows = CharWindows::default();
        let mut asked = 0;
        for chars in [0, 1, 3, 7, 20] {
            for (start, _) in text.char_indices() {
                for (end, _) in text[start..].char_indices().take(4) {
                    let end = start + end;
                    assert_eq!(
                        windows.around(text, start, end, chars),
                        window(text, start, end, chars),
                        "{start}..{end} {chars}"
                    );
                    asked += 1;
                }
            }
        }
        assert!(windows.indexed, "{asked} windows never indexed the segment");
        windows.reset();
        assert!(!windows.indexed);
        assert_eq!(windows.around("abc", 1, 2, 5), (0, 3));
    }
}
