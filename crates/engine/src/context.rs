//! Context words near a value, looked up instead of searched for.
//!
//! Every reported value asks whether a raise or lower word of its rule stands within the
//! rule's window. Searching the window for each value reads the same bytes again and again
//! in dense text (a table of card numbers, a log of e-mail addresses): a value every 40 bytes
//! with a 64-character window on either side reads each byte three times per word list. So
//! one automaton holds the context words of every rule, and once the windows searched in a
//! segment add up to a sixteenth of it, the segment is searched whole, once, and each further
//! question becomes a binary search over its word hits. A segment with a few values (most of
//! them) never pays for a whole search.

use super::keywords::KeywordSet;
use super::score::context_word_within;
use crate::char_windows::CharWindows;
use crate::given_examples::GivenExamples;

/// A segment is searched whole once the windows searched in it add up to this fraction of
/// it. Searching a window of a few dozen bytes costs several times more per byte than the
/// whole segment (the search is set up for each window, and windows overlap in dense text).
const INDEX_AFTER: usize = 16;

/// The context words of every rule of an engine, each with an id.
#[derive(Debug)]
pub struct ContextWords {
    /// Lower-cased, deduplicated; a word's id is its index here and in `search`.
    words: Vec<String>,
    search: Option<KeywordSet>,
}

/// A rule's raise or lower words, as a set of word ids.
#[derive(Debug, Clone, Default)]
pub struct WordIds {
    bits: Vec<u64>,
}

impl WordIds {
    fn insert(&mut self, id: usize) {
        let (word, bit) = (id / 64, id % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    fn contains(&self, id: usize) -> bool {
        self.bits
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    fn intersects(&self, other: &WordIds) -> bool {
        self.bits.iter().zip(&other.bits).any(|(a, b)| a & b != 0)
    }
}

impl ContextWords {
    pub fn new<'a>(lists: impl IntoIterator<Item = &'a [String]>) -> Self {
        let mut words: Vec<String> = Vec::new();
        for list in lists {
            for word in list {
                let word = word.to_ascii_lowercase();
                if !words.contains(&word) {
                    words.push(word);
                }
            }
        }
        let search = if words.is_empty() {
            None
        } else {
            Some(KeywordSet::new(&words))
        };
        ContextWords { words, search }
    }

    /// Every word, lower-cased; a word's id is its index here.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The ids of `list`, which must have been among the lists given to [`ContextWords::new`].
    pub fn ids(&self, list: &[String]) -> WordIds {
        let mut ids = WordIds::default();
        for word in list {
            let word = word.to_ascii_lowercase();
            if let Some(id) = self.words.iter().position(|w| *w == word) {
                ids.insert(id);
            }
        }
        ids
    }
}

/// One occurrence of a context word where a word starts.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    word: usize,
    /// Whether it stands as a word of the text ([`context_word_within`]), once a value
    /// asked: in dense text most hits are no word of any rule whose value is near them,
    /// and the check walks the token around the hit.
    stands: Option<bool>,
}

impl Hit {
    fn new(start: usize, end: usize, word: usize) -> Self {
        Hit {
            start,
            end,
            word,
            stands: None,
        }
    }
}

/// The context words of one segment, found on first use; kept in the caller's scratch so
/// its buffer is reused from segment to segment.
#[derive(Debug, Default)]
pub struct SegmentWords {
    /// Whether `hits` holds every hit of the segment.
    indexed: bool,
    /// Bytes of the segment searched window by window so far.
    searched: usize,
    /// Ordered by start.
    hits: Vec<Hit>,
    /// The words among `hits`, once they are all there.
    present: WordIds,
    header_ready: bool,
    /// Words found in the segment's context (its column header).
    header: WordIds,
    /// Where the segment's first opening bracket stands (its length when it has none),
    /// once asked: see [`SegmentWords::bracket_before`].
    first_bracket: Option<usize>,
    /// The context windows around the segment's hits and values, which the words are
    /// looked for in.
    pub windows: CharWindows,
    /// The values a lower word stood near, whose repeats it lowers too.
    pub examples: GivenExamples,
}

impl SegmentWords {
    /// Whether the segment needed all its context words: its values were dense enough.
    pub fn indexed(&self) -> bool {
        self.indexed
    }

    /// Forgets the previous segment.
    pub fn reset(&mut self) {
        self.indexed = false;
        self.header_ready = false;
        self.searched = 0;
        self.hits.clear();
        self.present.bits.iter_mut().for_each(|w| *w = 0);
        self.first_bracket = None;
        self.windows.reset();
        self.examples.reset();
    }

    /// Notes that context word `word` occurs at `start..end` of the segment, starting a
    /// word: the keyword pass over the segment finds the context words too, so that dense
    /// text is not searched a second time for them. Whether it stands as a word there is
    /// asked when a value near it needs it. Hits may come in any order.
    pub fn record(&mut self, start: usize, end: usize, word: usize) {
        self.hits.push(Hit::new(start, end, word));
    }

    /// The hits recorded since [`SegmentWords::reset`] are every context word of the segment.
    pub fn recorded_all(&mut self) {
        if !self.hits.is_sorted_by_key(|h| h.start) {
            self.hits.sort_unstable_by_key(|h| h.start);
        }
        self.indexed = true;
        self.note_present();
    }

    /// Whether an opening bracket (`(`, `[`) stands in `text`, the segment's text, before
    /// byte `at`. Only there can a value be the argument of an assertion or a test case
    /// (`test_input`); dense text (a table, a log) asks for every value, and most segments
    /// of it hold no bracket at all.
    pub fn bracket_before(&mut self, text: &[u8], at: usize) -> bool {
        let first = *self
            .first_bracket
            .get_or_insert_with(|| memchr::memchr2(b'(', b'[', text).unwrap_or(text.len()));
        first < at
    }

    /// Whether a word of `list` may occur in the segment: false only once every hit of the
    /// segment is known and none is one of its words.
    pub fn may_hold_any(&self, list: &WordIds) -> bool {
        !self.indexed || list.intersects(&self.present)
    }

    /// Whether one of `raise`, and whether one of `lower`, starts a word fully inside
    /// `before` or `after` of `text`, or anywhere in `context`: the segment's text and
    /// context, the same on every call until [`SegmentWords::reset`].
    pub fn near(
        &mut self,
        words: &ContextWords,
        text: &str,
        context: Option<&str>,
        [raise, lower]: [&WordIds; 2],
        before: std::ops::Range<usize>,
        after: std::ops::Range<usize>,
    ) -> Nearby {
        let mut found = Nearby::default();
        let Some(search) = &words.search else {
            return found;
        };
        if raise.is_empty() && lower.is_empty() {
            return found;
        }
        if !self.header_ready {
            self.header_ready = true;
            self.header.bits.iter_mut().for_each(|w| *w = 0);
            if let Some(context) = context {
                search.for_each_hit(context.as_bytes(), |hit| {
                    if context_word_within(context, hit.start..hit.end) {
                        self.header.insert(hit.pattern);
                    }
                });
            }
        }
        found.raise = self.header.intersects(raise);
        found.lower = self.header.intersects(lower);
        let mut note = |word: usize| {
            found.raise |= raise.contains(word);
            found.lower |= lower.contains(word);
        };
        if !self.indexed {
            self.searched += before.len() + after.len();
            if self.searched < text.len() / INDEX_AFTER {
                for range in [before, after] {
                    if let Some(window) = text.as_bytes().get(range.clone()) {
                        search.for_each_hit(window, |hit| {
                            if context_word_within(
                                text,
                                range.start + hit.start..range.start + hit.end,
                            ) {
                                note(hit.pattern);
                            }
                        });
                    }
                }
                return found;
            }
            self.index(search, text);
        }
        // A list none of whose words the segment holds counts as answered (the `phone` or
        // `invoice` that lowers a card number, in a table of card numbers): the walk stops
        // once the other is found.
        let mut raise_open = !found.raise && self.may_hold_any(raise);
        let mut lower_open = !found.lower && self.may_hold_any(lower);
        if !(raise_open || lower_open) {
            return found;
        }
        let first = self
            .hits
            .partition_point(|h| h.start < before.start.min(after.start));
        let last = before.end.max(after.end);
        for h in self.hits[first..].iter_mut().take_while(|h| h.start < last) {
            let inside = |r: &std::ops::Range<usize>| h.start >= r.start && h.end <= r.end;
            // Only a word that would answer a list still open is checked as a word: in dense
            // text a window holds several of a list's words (`aws` and `access_key`), and
            // the check walks the token around each.
            let raises = raise_open && raise.contains(h.word);
            let lowers = lower_open && lower.contains(h.word);
            if !(raises || lowers) || !(inside(&before) || inside(&after)) {
                continue;
            }
            if *h
                .stands
                .get_or_insert_with(|| context_word_within(text, h.start..h.end))
            {
                found.raise |= raises;
                found.lower |= lowers;
                raise_open &= !raises;
                lower_open &= !lowers;
                if !(raise_open || lower_open) {
                    break;
                }
            }
        }
        found
    }

    fn index(&mut self, search: &KeywordSet, text: &str) {
        self.indexed = true;
        self.hits.clear();
        search.for_each_hit(text.as_bytes(), |hit| {
            self.hits.push(Hit::new(hit.start, hit.end, hit.pattern));
        });
        // One-byte words come first.
        self.hits.sort_unstable_by_key(|h| h.start);
        self.note_present();
    }

    fn note_present(&mut self) {
        for h in &self.hits {
            self.present.insert(h.word);
        }
    }
}

/// Which of a rule's two word lists stand near a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nearby {
    pub raise: bool,
    pub lower: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn words_count_only_where_a_word_starts_and_fully_inside_the_range() {
        let (ssn, card) = (words(&["ssn", "Card"]), words(&["card", "visa"]));
        let all = ContextWords::new([ssn.as_slice(), card.as_slice()]);
        let (ssn, card) = (all.ids(&ssn), all.ids(&card));
        let mut seen = SegmentWords::default();
        let none = WordIds::default();
        let mut hit = |text: &str, set: &WordIds| {
            seen.reset();
            seen.near(&all, text, None, [set, &none], 0..text.len(), 0..0)
                .raise
        };
        assert!(hit("SSN: 1", &ssn));
        assert!(hit("patient_ssn", &ssn));
        assert!(hit("patientSsn", &ssn));
        assert!(
            hit("Cards on file", &ssn),
            "card is one of the ssn list's words too"
        );
        assert!(hit("a VISA card", &card));
        assert!(!hit("classname", &ssn));
        assert!(!hit("nothing here", &card));
        let mut near = |text: &str, set: &WordIds, before, after| {
            seen.reset();
            seen.near(&all, text, None, [set, set], before, after)
        };
        let (yes, no) = (
            Nearby {
                raise: true,
                lower: true,
            },
            Nearby::default(),
        );
        assert_eq!(
            near("card", &card, 1..4, 0..0),
            no,
            "a word must start inside the range"
        );
        assert_eq!(near("card", &card, 0..3, 0..0), no, "and end inside it");
        assert_eq!(near("x card", &card, 0..0, 2..6), yes);
        assert_eq!(near("x card", &none, 0..6, 0..6), no);
    }

    #[test]
    fn a_header_word_counts_wherever_the_value_is() {
        let ssn = words(&["ssn"]);
        let all = ContextWords::new([ssn.as_slice()]);
        let ids = all.ids(&ssn);
        let none = WordIds::default();
        let mut seen = SegmentWords::default();
        let mut near = |context| {
            seen.reset();
            seen.near(&all, "536-22-1234", context, [&ids, &none], 0..0, 11..11)
        };
        assert_eq!(
            near(Some("Employee SSN")),
            Nearby {
                raise: true,
                lower: false
            }
        );
        assert_eq!(near(Some("Phone")), Nearby::default());
        assert_eq!(near(None), Nearby::default(), "reset forgets the header");
    }

    #[test]
    fn window_searches_and_the_segment_index_agree() {
        let list = words(&["card", "ssn", "cardholder", "visa"]);
        let all = ContextWords::new([list.as_slice()]);
        let (raise, lower) = (
            all.ids(&words(&["card", "visa"])),
            all.ids(&words(&["cardholder", "ssn"])),
        );
        // Long enough that no pair of windows below reaches the index threshold.
        let text = "the CARDholder x ssn card; visa?cardinal card".repeat(12);
        let mut windows = SegmentWords::default();
        for start in 0..text.len() {
            for end in start..text.len().min(start + 12) {
                for value in [0, 3] {
                    let (before, after) = (
                        start..end,
                        (end + value).min(text.len())..text.len().min(end + value + 9),
                    );
                    // A fresh segment each time stays below the index threshold: a window search.
                    windows.reset();
                    let searched = windows.near(
                        &all,
                        &text,
                        None,
                        [&raise, &lower],
                        before.clone(),
                        after.clone(),
                    );
                    let mut indexed = SegmentWords {
                        searched: text.len(),
                        ..SegmentWords::default()
                    };
                    let looked_up = indexed.near(
                        &all,
                        &text,
                        None,
                        [&raise, &lower],
                        before.clone(),
                        after.clone(),
                    );
                    assert!(indexed.indexed && !windows.indexed);
                    assert_eq!(searched, looked_up, "{before:?} {after:?}");
                }
            }
        }
    }

    #[test]
    fn a_word_is_checked_only_while_its_list_is_unanswered() {
        let (raise, lower) = (words(&["aws", "access_key"]), words(&["example"]));
        let all = ContextWords::new([raise.as_slice(), lower.as_slice()]);
        let (raise, lower) = (all.ids(&raise), all.ids(&lower));
        let text = "export AWS_ACCESS_KEY_ID=AKIAEHQJXUJHCSU3UNMY";
        let mut seen = SegmentWords {
            searched: text.len(),
            ..SegmentWords::default()
        };
        let found = seen.near(&all, text, None, [&raise, &lower], 0..25, 45..45);
        assert_eq!(
            found,
            Nearby {
                raise: true,
                lower: false
            }
        );
        let checked: Vec<&str> = seen
            .hits
            .iter()
            .filter(|h| h.stands.is_some())
            .map(|h| &text[h.start..h.end])
            .collect();
        assert_eq!(checked, ["AWS"], "`access_key` answers nothing more");
    }

    #[test]
    fn the_words_a_segment_holds_are_known_however_its_hits_were_found() {
        let (raise, lower) = (words(&["card"]), words(&["phone"]));
        let all = ContextWords::new([raise.as_slice(), lower.as_slice()]);
        let (raise, lower) = (all.ids(&raise), all.ids(&lower));
        let search = all.search.as_ref().unwrap();
        // As the keyword pass leaves them (recorded), and as a dense segment's first values
        // leave them (indexed).
        let recorded = |text: &str| {
            let mut seen = SegmentWords::default();
            search.for_each_hit(text.as_bytes(), |h| seen.record(h.start, h.end, h.pattern));
            seen.recorded_all();
            seen
        };
        let indexed = |text: &str| SegmentWords {
            searched: text.len(),
            ..SegmentWords::default()
        };
        let (card, both) = (
            Nearby {
                raise: true,
                lower: false,
            },
            Nearby {
                raise: true,
                lower: true,
            },
        );
        for (text, after, want) in [
            // No `phone` in the segment: the first card answers all there is to ask.
            ("card on file 4290 2454 3162 5914 card", 32..37, card),
            // A `phone` after the value is still looked for once the card is found.
            ("card on file 4290 2454 3162 5914 card, phone", 32..44, both),
        ] {
            for mut seen in [recorded(text), indexed(text)] {
                let found = seen.near(&all, text, None, [&raise, &lower], 0..13, after.clone());
                assert_eq!(found, want, "{text}");
                // Once every hit is known, a list none of whose words the segment holds may
                // be passed over (a value's sentence is not read for it).
                assert_eq!(seen.may_hold_any(&lower), want.lower, "{text}");
                assert!(seen.may_hold_any(&raise));
            }
        }
        assert!(
            SegmentWords::default().may_hold_any(&lower),
            "before the hits are known, any word may be there"
        );
    }

    #[test]
    fn a_bracket_before_a_value_is_known_per_segment() {
        let mut seen = SegmentWords::default();
        let text = b"card 4290 2454 3162 5914; assert_eq!(check(\"4290\"))";
        let call = text.iter().position(|&b| b == b'(').unwrap();
        assert!(!seen.bracket_before(text, 5), "none before the first value");
        assert!(
            !seen.bracket_before(text, call),
            "nor at the bracket itself"
        );
        assert!(seen.bracket_before(text, call + 7));
        seen.reset();
        assert!(
            !seen.bracket_before(b"no brackets (here)", 3),
            "reset forgets the segment"
        );
    }

    #[test]
    fn a_segment_is_searched_once_until_reset() {
        let card = words(&["card"]);
        let all = ContextWords::new([card.as_slice()]);
        let ids = all.ids(&card);
        let mut seen = SegmentWords::default();
        // Windows as large as the segment: indexed at once.
        assert!(
            seen.near(&all, "card 1", None, [&ids, &ids], 0..5, 6..6)
                .raise
        );
        assert!(seen.indexed);
        assert!(
            seen.near(&all, "other text entirely", None, [&ids, &ids], 0..5, 6..6)
                .raise,
            "still the first segment's words"
        );
        seen.reset();
        assert!(
            !seen
                .near(&all, "other text entirely", None, [&ids, &ids], 0..5, 6..6)
                .raise
        );
    }
}
