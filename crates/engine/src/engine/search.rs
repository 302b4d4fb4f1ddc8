//! Searching candidate regions: a rule's patterns over the bytes around its hits, or a
//! group's search first and then only the members it saw match there.

use regex_automata::dfa::Automaton;
use regex_automata::{Input, PatternID, PatternSet};

use super::Engine;
use crate::compiled::{CompiledPattern, CompiledRule};
use crate::context::SegmentWords;
use crate::gate::{GroupScratch, PatternGate};
use crate::matches::Match;
use crate::regions::Region;
use crate::rule::Prefilter;
use dlp_domain::Segment;

/// Regions up to this many bytes are gated before the meta regex runs there. On a larger
/// region the gate saves little set-up and reads every byte, where the meta regex skips to
/// its pattern's literals (`AKIA`, `@`) with memchr: dense text merges the regions of a rule
/// that hits on every line into one as large as the segment. Digit rules are gated on
/// regions of any size: their patterns begin with digits, no literal to skip to, and a
/// region of theirs is digit runs close together (a table of card numbers).
const GATED_REGION: usize = 1024;

impl Engine {
    /// Scans a region of a rule, or of a group: then only the members whose patterns the
    /// group's search saw match there, and only those patterns.
    pub(super) fn scan_target(
        &self,
        region: Region,
        segment: &Segment,
        groups: &mut [GroupScratch],
        words: &mut SegmentWords,
        out: &mut Vec<Match>,
    ) {
        let Some(g) = region.rule.checked_sub(self.rules.len()) else {
            return self.scan_region(region, segment, None, words, out);
        };
        let group = &self.groups[g];
        let gate = group.gate.get(|| self.group_sources(group));
        // Only the members some hit here named: a region of short digit runs is not
        // searched for IBANs, nor a region of SSNs for NI numbers (whose runs are joined by
        // spaces only), and a region one member alone can match needs no group search.
        let named = region.members & low_bits(group.members.len());
        match named.count_ones() {
            0 => return,
            1 => {
                let rule = group.members[named.trailing_zeros() as usize];
                return self.scan_region(Region { rule, ..region }, segment, None, words, out);
            }
            _ => {}
        }
        let GroupScratch { set, cache } = &mut groups[g];
        set.clear();
        let input = Input::new(segment.text.as_str()).span(region.start..region.end);
        let searched = match gate.map(|gate| gate.which(cache, &input, set)) {
            Some(Ok(false)) => return,
            Some(Ok(true)) => true,
            Some(Err(_)) | None => false,
        };
        for n in BitIter(named) {
            let (rule, first) = (group.members[n], group.first_pattern[n]);
            let region = Region { rule, ..region };
            if !searched {
                self.scan_region(region, segment, None, words, out);
            } else if (0..self.rules[rule].patterns.len())
                .any(|i| set.contains(PatternID::new_unchecked(first + i)))
            {
                self.scan_region(region, segment, Some((set, first)), words, out);
            }
        }
    }

    /// Runs a rule's patterns over a region; with `matched`, only the patterns a group search
    /// found there (by their id in the group's set, from the rule's first).
    pub(super) fn scan_region(
        &self,
        region: Region,
        segment: &Segment,
        matched: Option<(&PatternSet, usize)>,
        words: &mut SegmentWords,
        out: &mut Vec<Match>,
    ) {
        let rule = &self.rules[region.rule];
        let text = segment.text.as_str();
        let gated =
            region.end - region.start <= GATED_REGION || rule.spec.prefilter == Prefilter::Digits;
        for (i, pattern) in rule.patterns.iter().enumerate() {
            let input = Input::new(text).span(region.start..region.end);
            if let Some((set, first)) = matched
                && !set.contains(PatternID::new_unchecked(first + i))
            {
                continue;
            }
            // A digit rule's region is the digits and what its matches can hold around them:
            // without a byte every match holds (an IBAN's letters), no search is needed.
            if rule.spec.prefilter == Prefilter::Digits
                && let Some(required) = &pattern.required
                && !text.as_bytes()[region.start..region.end]
                    .iter()
                    .any(|&b| required.contains(b))
            {
                continue;
            }
            let gate = if gated {
                pattern.gate_when_worth_it()
            } else {
                None
            };
            let mut at = region.start;
            match gate {
                Some(PatternGate::Find(dfa)) => {
                    // Matches one by one as `find_iter` would; a search the DFA gives up on
                    // (it cannot, with no quit bytes, but the API allows it) is left to the
                    // meta regex from there.
                    let mut searched_all = false;
                    while at <= region.end {
                        match find_one(
                            dfa,
                            pattern.fixed_len,
                            &Input::new(text).span(at..region.end),
                        ) {
                            Ok(Some(m)) => {
                                self.report(rule, pattern, segment, m.clone(), words, out);
                                at = if m.is_empty() {
                                    next_char(text, m.end)
                                } else {
                                    m.end
                                };
                            }
                            Ok(None) => {
                                searched_all = true;
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    if searched_all || at > region.end {
                        continue;
                    }
                }
                Some(PatternGate::Check(dfa)) if matched.is_none() => {
                    if matches!(dfa.try_search_fwd(&input), Ok(None)) {
                        continue;
                    }
                }
                _ => {}
            }
            let Some(group) = pattern.value_group else {
                for whole in pattern
                    .regex
                    .get()
                    .find_iter(Input::new(text).span(at..region.end))
                {
                    self.report(rule, pattern, segment, whole.range(), words, out);
                }
                continue;
            };
            // Captures only once something matched, so the no-match path stays
            // allocation-free; from there one captures search a value, each finding the next
            // match as `find_iter` would, without a second search for its groups.
            let Some(first) = pattern.regex.get().find(input) else {
                continue;
            };
            let mut caps = pattern.regex.get().create_captures();
            let mut at = first.start();
            while at <= region.end {
                pattern
                    .regex
                    .get()
                    .search_captures(&Input::new(text).span(at..region.end), &mut caps);
                let Some(whole) = caps.get_match() else { break };
                if let Some(value) = caps.get_group(group) {
                    self.report(rule, pattern, segment, value.range(), words, out);
                }
                at = if whole.is_empty() {
                    next_char(text, whole.end())
                } else {
                    whole.end()
                };
            }
        }
    }

    fn report(
        &self,
        rule: &CompiledRule,
        pattern: &CompiledPattern,
        segment: &Segment,
        span: std::ops::Range<usize>,
        words: &mut SegmentWords,
        out: &mut Vec<Match>,
    ) {
        if span.is_empty() {
            return;
        }
        if let Some(m) = self.judge(rule, pattern.needs_context, segment, span, words) {
            out.push(m);
        }
    }
}

/// The next match of a `Find` gate in `input`'s span. A pattern whose matches all have one
/// length needs only the forward search: the reverse search for the start, as long as the
/// match, was a third of a dense text's search.
fn find_one(
    dfa: &regex_automata::dfa::regex::Regex,
    fixed_len: Option<usize>,
    input: &Input<'_>,
) -> Result<Option<std::ops::Range<usize>>, regex_automata::MatchError> {
    match fixed_len {
        Some(len) => Ok(dfa
            .forward()
            .try_search_fwd(input)?
            .map(|end| end.offset() - len..end.offset())),
        None => Ok(dfa.try_search(input)?.map(|m| m.range())),
    }
}

/// The positions of the set bits of a word, lowest first.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        (self.0 != 0).then(|| {
            let n = self.0.trailing_zeros() as usize;
            self.0 &= self.0 - 1;
            n
        })
    }
}

/// The low `n` bits set (all of them for 64 or more).
fn low_bits(n: usize) -> u64 {
    if n >= 64 { !0 } else { (1 << n) - 1 }
}

/// The byte position after the character at `at` (or past the end).
fn next_char(text: &str, at: usize) -> usize {
    text[at..]
        .chars()
        .next()
        .map_or(at + 1, |c| at + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern whose matches have one length finds, forward only, the matches the regex
    /// finds: side by side, overlapping starts, at either end of the span.
    #[test]
    fn a_match_of_one_length_is_found_without_searching_back() {
        let text = "AKIAABCDEFGHIJKLMNOPAKIA1234567890123456 xAKIAQQQQQQQQQQQQQQQQ \
                    000-12-3456 123-45-67890 999-99-9999-12-345-6789 AKIAAKIAABCDEFGHIJKLMNOP";
        for source in [
            r"AKIA[A-Z0-9]{16}",
            r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)",
            r"(?i-u)akia[a-z]{4}",
        ] {
            let hir = regex_syntax::parse(source).unwrap();
            let props = hir.properties();
            let len = props
                .maximum_len()
                .filter(|&m| props.minimum_len() == Some(m));
            assert!(len.is_some(), "{source}");
            let dfa = regex_automata::dfa::regex::Regex::new(source).unwrap();
            let expected: Vec<_> = regex::Regex::new(source)
                .unwrap()
                .find_iter(text)
                .map(|m| m.range())
                .collect();
            assert!(expected.len() >= 2, "{source}");
            let (mut found, mut at) = (Vec::new(), 0);
            while let Some(m) = find_one(&dfa, len, &Input::new(text).span(at..text.len())).unwrap()
            {
                at = m.end;
                found.push(m);
            }
            assert_eq!(found, expected, "{source}");
            let searched_back: Vec<_> = dfa.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(searched_back, expected, "{source}");
        }
        // A Unicode digit is one to four bytes: such a pattern has no one length.
        let props = regex_syntax::parse(r"\d{3}").unwrap().properties().clone();
        assert_ne!(props.minimum_len(), props.maximum_len());
    }
}
