//! A sensitive value as the engine reports it, and the rules that make the values of a
//! segment one list: each in its line, and one finding per value.

use crate::domain::{Category, Segment, SegmentOrigin, Severity};

use super::validate::Normalization;

/// A sensitive value found in a segment. The raw value is reachable only through
/// [`Match::value`]; `Debug` prints its length, never its content.
#[derive(Clone, PartialEq)]
pub struct Match {
    pub rule_id: String,
    pub category: Category,
    pub severity: Severity,
    pub confidence: f64,
    /// 1-based line in the item's joined text.
    pub line: u32,
    /// Byte offsets of the value in the item's joined text (`segment.offset` + offset in
    /// the segment).
    pub start: usize,
    pub end: usize,
    pub origin: SegmentOrigin,
    /// How the value is canonicalised for fingerprints.
    pub normalization: Normalization,
    pub(super) value: String,
    /// The rule's place in the pack: of two rules reporting the same span equally sure, the
    /// earlier one is kept, in whatever order their regions were scanned.
    pub(super) order: usize,
}

impl Match {
    /// The raw value. Never log it; mask or fingerprint it.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value in its canonical spelling (digits only for numbers, lower case for e-mail).
    pub fn normalized_value(&self) -> String {
        self.normalization.apply(&self.value)
    }
}

impl std::fmt::Debug for Match {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Match")
            .field("rule_id", &self.rule_id)
            .field("category", &self.category)
            .field("severity", &self.severity)
            .field("confidence", &self.confidence)
            .field("line", &self.line)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("origin", &self.origin)
            .field(
                "value",
                &format_args!("<redacted, {} chars>", self.value.chars().count()),
            )
            .finish()
    }
}

/// Sets each match's line from its position in `segment`, in one pass over the text, after
/// putting the matches in text order.
pub(super) fn number_lines(segment: &Segment, matches: &mut [Match]) {
    matches.sort_unstable_by_key(|m| m.start);
    let bytes = segment.text.as_bytes();
    let (mut at, mut newlines) = (0usize, 0usize);
    for m in matches {
        let upto = m.start - segment.offset;
        newlines += bytes[at..upto].iter().filter(|&&b| b == b'\n').count();
        at = upto;
        m.line = segment.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
    }
}

/// One value, one finding. Two rules reporting the same span keep only the surer one (ties:
/// the earlier rule in the pack, by `Match::order`), and a match
/// lying inside another one's span is dropped: the password of a connection string is not also
/// an e-mail address (`user:pw@host.tld`), nor the digits of a card a phone number, nor a
/// token in URL credentials a second finding. The enclosing match names the whole value, so
/// recall loses nothing. Output is ordered by position.
pub(super) fn keep_best_per_span(matches: &mut Vec<Match>) {
    if matches.len() < 2 {
        return;
    }
    // Enclosing spans first: by start, then longest, then surest, then in pack order; what
    // compares equal on all four is the same finding twice.
    matches.sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.order.cmp(&b.order))
    });
    let mut reach = 0;
    matches.retain(|m| {
        let inside = m.end <= reach;
        reach = reach.max(m.end);
        !inside
    });
}
