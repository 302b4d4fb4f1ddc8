//! A sensitive value as the engine reports it, and the rules that make the values of a
//! segment one list: each in its line, and one finding per value.

use std::cmp::Reverse;
use std::ops::Range;
use std::sync::Arc;

use dlp_domain::{Category, Segment, SegmentOrigin, Severity};

use super::normalize::Normalization;

/// A sensitive value found in a segment. The raw value is reachable only through
/// [`Match::value`]; `Debug` prints its length, never its content.
#[derive(Clone)]
pub struct Match {
    /// Shared with the rule: dense text has a value every 40 bytes, and a string per match
    /// was an allocation each.
    pub rule_id: Arc<str>,
    pub category: Category,
    pub severity: Severity,
    pub confidence: f64,
    /// 1-based line in the item's joined text.
    pub line: u32,
    /// Byte offsets of the value in the item's joined text (`segment.offset` + offset in
    /// the segment).
    pub start: usize,
    pub end: usize,
    /// How the value is canonicalised for fingerprints.
    pub normalization: Normalization,
    /// Shared by the matches of one segment, and set with the values ([`gather_values`]):
    /// a match is moved several times on its way out, and an origin is a hundred bytes.
    origin: Option<Arc<SegmentOrigin>>,
    /// The values of all matches of one `find`, in one buffer ([`gather_values`]): one
    /// allocation per call instead of one per value. `None` only while the engine is still
    /// finding.
    values: Option<Arc<str>>,
    value_at: Range<usize>,
    /// Which of the `find` call's segments the value lies in, until the values are gathered.
    segment: usize,
    /// The rule's place in the pack: of two rules reporting the same span equally sure, the
    /// earlier one is kept, in whatever order their regions were scanned.
    pub(super) order: usize,
}

impl Match {
    /// A match of `rule_id` at `span` of `seg`; its value is read from there by
    /// [`gather_values`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn found(
        rule_id: Arc<str>,
        category: Category,
        severity: Severity,
        confidence: f64,
        normalization: Normalization,
        order: usize,
        seg: &Segment,
        span: Range<usize>,
    ) -> Match {
        Match {
            rule_id,
            category,
            severity,
            confidence,
            // Set by `finish_segment` once the segment is done: counting newlines per match
            // would read the segment once for every value in it.
            line: seg.line,
            start: seg.offset + span.start,
            end: seg.offset + span.end,
            origin: None,
            normalization,
            values: None,
            value_at: span,
            // Set by `finish_segment`.
            segment: 0,
            order,
        }
    }

    /// A match found in text decoded from `span` of the item's text (a Secret's base64 value,
    /// in the `index`th segment), moved to stand at that span. It keeps its value, the decoded
    /// one: that is what is masked and fingerprinted, so a key reads and counts the same
    /// decoded or in plain text.
    pub(super) fn moved_to(mut self, at: (usize, &Segment), span: &Range<usize>) -> Match {
        debug_assert!(self.values.is_some(), "gathered in the decoded text");
        self.start = span.start;
        self.end = span.end;
        self.origin = None;
        self.placed_in(at)
    }

    /// The match, known to lie in the `index`th segment, with its segment and line set: for a
    /// match added once the segments are done ([`finish_segment`] sets them for the rest).
    pub(super) fn placed_in(mut self, (index, segment): (usize, &Segment)) -> Match {
        let before = &segment.text.as_bytes()[..self.start - segment.offset];
        let newlines = memchr::memchr_iter(b'\n', before).count();
        self.line = segment
            .line
            .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.segment = index;
        self
    }

    /// Where in its item the value was read (an archive member, a cell, a PDF page).
    pub fn origin(&self) -> &SegmentOrigin {
        static NOWHERE: SegmentOrigin = SegmentOrigin {
            path: None,
            sheet: None,
            cell: None,
            pdf_page: None,
            region: None,
        };
        self.origin.as_deref().unwrap_or(&NOWHERE)
    }

    /// The raw value. Never log it; mask or fingerprint it.
    pub fn value(&self) -> &str {
        self.values
            .as_deref()
            .map_or("", |v| &v[self.value_at.clone()])
    }

    /// The value in its canonical spelling (digits only for numbers, lower case for e-mail).
    pub fn normalized_value(&self) -> String {
        self.normalization.apply(self.value())
    }
}

impl PartialEq for Match {
    fn eq(&self, other: &Self) -> bool {
        self.rule_id == other.rule_id
            && self.category == other.category
            && self.severity == other.severity
            && self.confidence == other.confidence
            && self.line == other.line
            && (self.start, self.end) == (other.start, other.end)
            && self.origin() == other.origin()
            && self.normalization == other.normalization
            && self.value() == other.value()
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
            .field("origin", self.origin())
            .field(
                "value",
                &format_args!("<redacted, {} chars>", self.value().chars().count()),
            )
            .finish()
    }
}

/// Done with the `index`th segment, whose matches are `matches[first..]`: puts them in
/// finding order ([`finding_order`]), then sets each one's line from its position, in one
/// pass over the text.
pub(super) fn finish_segment(
    (index, segment): (usize, &Segment),
    matches: &mut [Match],
    first: usize,
    order: &mut Vec<(Key, usize)>,
) {
    sort_from(matches, first, order);
    let bytes = segment.text.as_bytes();
    let (mut at, mut newlines) = (0usize, 0usize);
    for m in &mut matches[first..] {
        let upto = m.start - segment.offset;
        newlines += memchr::memchr_iter(b'\n', &bytes[at..upto]).count();
        at = upto;
        m.line = segment
            .line
            .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        m.segment = index;
    }
}

/// What orders matches: by start, then longest, then surest, then in pack order.
pub(super) type Key = (usize, Reverse<usize>, Reverse<i64>, usize);

fn finding_order(m: &Match) -> Key {
    // The order of `f64::total_cmp`, as an integer.
    let bits = m.confidence.to_bits() as i64;
    let confidence = bits ^ ((((bits >> 63) as u64) >> 1) as i64);
    (m.start, Reverse(m.end), Reverse(confidence), m.order)
}

/// Sorts `matches[first..]` into finding order by sorting small keys, then following the
/// permutation's cycles: a `Match` is over a hundred bytes, and sorting them in place moved each a
/// dozen times.
fn sort_from(matches: &mut [Match], first: usize, order: &mut Vec<(Key, usize)>) {
    let tail = &mut matches[first..];
    if tail.is_sorted_by_key(finding_order) {
        return;
    }
    order.clear();
    order.extend(tail.iter().enumerate().map(|(i, m)| (finding_order(m), i)));
    // A stable sort: it finds the runs already in order (each rule's matches come in text
    // order) and merges them, where an unstable one sorts from scratch.
    order.sort();
    // Position `k` takes the match at `order[k].1`; a visited position points at itself.
    for start in 0..tail.len() {
        let mut at = start;
        while order[at].1 != start {
            let from = std::mem::replace(&mut order[at].1, at);
            tail.swap(at, from);
            at = from;
        }
        order[at].1 = at;
    }
}

/// One value, one finding. Two rules reporting the same span keep only the surer one (ties:
/// the earlier rule in the pack, by `Match::order`), and a match
/// lying inside another one's span is dropped: the password of a connection string is not also
/// an e-mail address (`user:pw@host.tld`), nor the digits of a card a phone number, nor a
/// token in URL credentials a second finding. The enclosing match names the whole value, so
/// recall loses nothing. Output is ordered by position.
pub(super) fn keep_best_per_span(matches: &mut Vec<Match>, order: &mut Vec<(Key, usize)>) {
    if matches.len() < 2 {
        return;
    }
    // Enclosing spans first; what compares equal on all four keys is the same finding twice.
    // Each segment's matches are in this order already (`finish_segment`), and segments follow
    // one another in the text.
    sort_from(matches, 0, order);
    let mut reach = 0;
    matches.retain(|m| {
        let inside = m.end <= reach;
        reach = reach.max(m.end);
        !inside
    });
}

/// Copies the values of `matches` out of `segments` (the segments the engine was given)
/// into one shared buffer, and gives each match its segment's origin. A match that holds its
/// value already (found in decoded text, [`Match::moved_to`]) keeps it.
pub(super) fn gather_values(segments: &[Segment], matches: &mut [Match]) {
    if matches.is_empty() {
        return;
    }
    let mut all = String::with_capacity(matches.iter().map(|m| m.value_at.len()).sum());
    let spans: Vec<Range<usize>> = matches
        .iter()
        .map(|m| {
            if m.values.is_some() {
                return m.value_at.clone();
            }
            let at = all.len();
            all.push_str(&segments[m.segment].text[m.value_at.clone()]);
            at..all.len()
        })
        .collect();
    let all: Arc<str> = Arc::from(all);
    let mut origin: Option<(usize, Arc<SegmentOrigin>)> = None;
    for (m, span) in matches.iter_mut().zip(spans) {
        if m.values.is_none() {
            m.values = Some(Arc::clone(&all));
            m.value_at = span;
        }
        // Matches are in text order, so one segment's come together.
        let shared = match &origin {
            Some((segment, shared)) if *segment == m.segment => Arc::clone(shared),
            _ => Arc::clone(
                &origin
                    .insert((m.segment, Arc::new(segments[m.segment].origin.clone())))
                    .1,
            ),
        };
        m.origin = Some(shared);
    }
}
