//! A rule compiled for the engine: its regexes, the dense DFAs that gate them on small
//! regions, and what its syntax says of every match (where its keywords stand, which digit
//! separators and bytes it can hold, how far it reaches from a hit).

use super::match_edges::RunEdges;
use std::sync::Arc;

use super::context::{ContextWords, WordIds};
use super::gate::{GROUP_MEMBER_LIMIT, PatternGate, Trigger, fits_dense_group, group_member_gate};
use super::lazy_gate::LazyGate;
use super::lazy_regex::{LazyRegex, LazyRegexSet, group, group_index};
use super::normalize::Normalization;
use super::prefilter::prefilter_words;
use super::regions::{Reach, ValueReach};
use super::rule::{Prefilter, RuleError, RuleProblem, RuleSpec};
use super::run_separators;
use super::score;
use super::shape::{self, KeywordsInMatches};

/// One regex of a rule (its `pattern` or its `contextual_pattern`), compiled.
pub(super) struct CompiledPattern {
    /// The meta regex rather than `regex::Regex`: it searches a span of a haystack while
    /// looking outside it for `\b` and `^`, which is what searching a candidate region needs.
    /// Compiled on first use (see [`LazyRegex`]).
    pub(super) regex: LazyRegex,
    /// The longest match in bytes, if there is one.
    pub(super) max_len: Option<usize>,
    /// The length in bytes of every match, when all have one (an AWS key id, an NPI): a
    /// match's start is then its end less that, with no search back from the end for it.
    pub(super) fixed_len: Option<usize>,
    /// The longest value (the `value` group, or the match) in bytes, if there is one.
    pub(super) value_max_len: Option<usize>,
    /// Fully built DFAs of the pattern, when it is small (ASCII classes, bounded): they say
    /// whether a region holds a match (or find the matches) without the meta regex's
    /// per-search set-up, which on regions of a few dozen bytes costs more than the scan.
    /// `None` for patterns a dense DFA cannot take (Unicode word boundaries) or that would
    /// make it large. Built once searching without it has cost enough, so rules with few
    /// candidate regions cost nothing.
    pub(super) gate: LazyGate,
    pub(super) source: String,
    /// Index of the `value` capture group, if the pattern has one.
    pub(super) value_group: Option<usize>,
    /// Only reported with a raise word nearby.
    pub(super) needs_context: bool,
    /// Bytes, none a digit, every match holds one of (see [`shape::required_non_digit`]).
    pub(super) required: Option<shape::MatchBytes>,
}

/// A rule of the pack as the engine runs it.
pub(super) struct CompiledRule {
    pub(super) spec: RuleSpec,
    /// `spec.id`, shared with every match.
    pub(super) id: Arc<str>,
    /// Index in the engine's rule list.
    pub(super) order: usize,
    pub(super) patterns: Vec<CompiledPattern>,
    /// The rule's `ignore_values`, searched together: one search a value.
    pub(super) ignore: Option<LazyRegexSet>,
    pub(super) suspect: Option<LazyRegexSet>,
    pub(super) min_entropy: Option<score::EntropyFloor>,
    pub(super) raise: WordIds,
    pub(super) lower: WordIds,
    pub(super) normalization: Normalization,
    /// Where its keywords stand in its matches: if in every one, it is a candidate only
    /// around them.
    pub(super) keywords: KeywordsInMatches,
    /// Which digit-run separators its matches can hold.
    pub(super) digit_separators: u8,
    /// The bytes its matches can hold, if not every byte.
    pub(super) match_bytes: Option<shape::MatchBytes>,
    /// Whether its matches begin and end outside the digit runs they hold.
    pub(super) run_edges: RunEdges,
    /// Every match holds a digit.
    pub(super) holds_a_digit: bool,
    /// The bytes a value (the `value` group, or the match) of any pattern can hold.
    pub(super) value_bytes: shape::MatchBytes,
    /// No match holds a line break but at either end (see [`match_edges::within_a_line`](super::match_edges::within_a_line)).
    pub(super) within_a_line: bool,
}

impl CompiledPattern {
    #[cfg(test)]
    pub(super) fn gate(&self) -> Option<&PatternGate> {
        self.gate
            .get_or_build(&self.source, self.value_group.is_none())
    }

    /// The gate once searching without it has cost enough to pay for building it (see
    /// [`LazyGate`]); `None` before, or when the pattern has none.
    pub(super) fn gate_when_worth_it(&self) -> Option<&PatternGate> {
        self.gate
            .when_worth_it(&self.source, self.value_group.is_none())
    }

    /// Whether its DFAs are small enough to join a group. A gate built here is kept (it is
    /// the pattern's gate too); a pattern too large is not built past the group's limit, and
    /// its own gate waits until its regions make it worth building (see [`LazyGate`]).
    fn fits_group(&self) -> bool {
        if let Some(built) = self.gate.decided() {
            return built
                .as_ref()
                .is_some_and(|g| g.memory_usage() <= GROUP_MEMBER_LIMIT);
        }
        match group_member_gate(&self.source, self.value_group.is_none()) {
            Some(gate) => {
                self.gate.keep(Some(gate));
                true
            }
            None => false,
        }
    }
}

impl CompiledRule {
    /// What makes this rule a candidate, for grouping: rules with the same trigger are
    /// candidates in the same places. `None` for a rule without a prefilter.
    pub(super) fn trigger(&self) -> Option<Trigger> {
        match self.spec.prefilter {
            Prefilter::Digits if !self.spec.digits_near_context() => Some(Trigger::Digits),
            Prefilter::Keywords if self.spec.keywords.is_empty() => None,
            Prefilter::Keywords | Prefilter::Digits => {
                let mut words = prefilter_words(&self.spec, self.keywords);
                words.sort();
                Some(Trigger::Words(words))
            }
        }
    }

    /// Whether each of its patterns has dense DFAs of at most [`GROUP_MEMBER_LIMIT`] bytes;
    /// for a group whose search is a dense DFA (`dense`), also whether each is small when
    /// built as that search is (see [`fits_dense_group`]). That check goes first: it refuses
    /// a large pattern at half the size, and building the engine spent 0.4 G of its 3.4 G
    /// instructions on the other check's DFAs of rules the first then refused.
    pub(super) fn small_enough_to_group(&self, dense: bool) -> bool {
        self.patterns
            .iter()
            .all(|p| (!dense || fits_dense_group(&p.source)) && p.fits_group())
    }

    /// How far from a prefilter hit this rule's matches can lie. A keyword is part of the
    /// match (`AKIA`, `ghp_`) or a context word (`licence`), and then the match may start or
    /// end a context window away from it. A digit run is part of the match.
    pub(super) fn reach(&self) -> Reach {
        match (self.longest(), self.run_reach(), self.spec.prefilter) {
            // A keyword inside every match, with no line break among the bytes a match can
            // hold: the region is clipped to those bytes around the hit, which bounds it
            // better and costs less than finding its line first (an e-mail's `@`).
            (None, _, Prefilter::Keywords)
                if self.keywords != KeywordsInMatches::NotEvery
                    && self.match_bytes.is_some_and(|b| !b.contains(b'\n')) =>
            {
                Reach::Segment
            }
            (None, _, Prefilter::Keywords) if self.within_a_line => Reach::Lines {
                window: match self.keywords {
                    KeywordsInMatches::NotEvery => self.spec.context.window,
                    KeywordsInMatches::Every | KeywordsInMatches::EveryFirst { .. } => 0,
                },
            },
            (None, _, _) => Reach::Segment,
            (Some(longest), _, Prefilter::Keywords) => match self.keywords {
                KeywordsInMatches::EveryFirst { .. } => Reach::Ahead(longest),
                KeywordsInMatches::Every => Reach::Bytes(longest),
                KeywordsInMatches::NotEvery => Reach::Near {
                    longest,
                    window: self.spec.context.window,
                },
            },
            // Near its context words, as a keyword rule's; its runs reach `run_reach`.
            (Some(longest), _, Prefilter::Digits) if self.spec.digits_near_context() => {
                Reach::Near {
                    longest,
                    window: self.spec.context.window,
                }
            }
            (_, Some(run_reach), Prefilter::Digits) => Reach::Bytes(run_reach),
            (Some(longest), None, Prefilter::Digits) => Reach::Bytes(longest),
        }
    }

    /// Where a value lies around a hit of one of its context words, for a rule that reports
    /// a value only with one of them within its window (`context.required`): within the
    /// window's characters and, beyond them, over the bytes a value holds, as far as the
    /// longest value. The longest match is longer when a pattern holds a label before its
    /// value (a phone number's `Tel. no.:`), and the digit runs a match holds are runs of
    /// its value. `None` for other rules.
    pub(super) fn value_reach(&self) -> Option<ValueReach> {
        if !self.spec.context.required || !matches!(self.reach(), Reach::Near { .. }) {
            return None;
        }
        let longest = self
            .patterns
            .iter()
            .map(|p| p.value_max_len)
            .try_fold(0, |acc, len| len.map(|l| acc.max(l)))?;
        Some(ValueReach {
            longest,
            window: self.spec.context.window,
            bytes: self.value_bytes,
        })
    }

    /// The longest match of any of the rule's patterns, if there is one.
    fn longest(&self) -> Option<usize> {
        self.patterns
            .iter()
            .map(|p| p.max_len)
            .try_fold(0, |acc, len| len.map(|l| acc.max(l)))
    }

    /// How far a match can reach past either end of a digit run it holds, for a rule with
    /// `min_digits`: it overlaps the run by at least that many bytes, so the rest of it, at
    /// most the longest match less those, lies outside. An SSN reaches 2 bytes past its run,
    /// not its 11; a card number 10, not 23.
    pub(super) fn run_reach(&self) -> Option<usize> {
        Some(self.longest()?.saturating_sub(self.spec.min_digits?))
    }
}

pub(super) fn compile(
    spec: RuleSpec,
    order: usize,
    context_words: &ContextWords,
) -> Result<CompiledRule, RuleError> {
    // Each pattern's syntax, parsed once for what it says of every match (`shape`).
    let mut syntax = Vec::new();
    let mut value_bytes = shape::MatchBytes::NONE;
    let mut pattern = |field, source: &str, needs_context| -> Result<CompiledPattern, RuleError> {
        // `RuleSpec::check` has compiled it with the `regex` crate already, so a bad pattern
        // is reported in the words rule authors know before this point.
        let bad =
            |message: String| RuleError::invalid(&spec, RuleProblem::BadRegex { field, message });
        let hir = regex_syntax::parse(source).map_err(|e| bad(e.to_string()))?;
        let regex = LazyRegex::new(source, &hir).map_err(bad)?;
        let max_len = hir.properties().maximum_len();
        let fixed_len = max_len.filter(|&max| hir.properties().minimum_len() == Some(max));
        let value = group(&hir, "value").unwrap_or(&hir);
        let value_max_len = value.properties().maximum_len();
        value_bytes = value_bytes.union(&shape::MatchBytes::of_hir(value));
        let value_group = group_index(&hir, "value").filter(|_| !shape::value_is_whole_match(&hir));
        let required = shape::required_non_digit(&hir);
        syntax.push(hir);
        Ok(CompiledPattern {
            required,
            regex,
            max_len,
            fixed_len,
            value_max_len,
            gate: LazyGate::default(),
            source: source.to_owned(),
            value_group,
            needs_context,
        })
    };
    let mut patterns = vec![pattern("pattern", &spec.pattern, false)?];
    if let Some(p) = &spec.contextual_pattern {
        patterns.push(pattern("contextual_pattern", p, true)?);
    }
    // All as one set; only when that fails, each on its own, so the error names the bad one.
    let regexes = |field, list: &[String]| -> Result<Option<LazyRegexSet>, RuleError> {
        if list.is_empty() {
            return Ok(None);
        }
        match LazyRegexSet::new(list) {
            Ok(set) => Ok(Some(set)),
            Err(e) => {
                for p in list {
                    spec.compile_regex(field, p)?;
                }
                Err(spec.bad_regex(field, e.to_string()))
            }
        }
    };
    let keywords = match spec.prefilter {
        Prefilter::Keywords => shape::keywords_in_matches(&syntax, &spec.keywords),
        Prefilter::Digits => KeywordsInMatches::NotEvery,
    };
    Ok(CompiledRule {
        keywords,
        digit_separators: run_separators::digit_separators(&syntax),
        run_edges: RunEdges::of(&syntax),
        holds_a_digit: syntax.iter().all(shape::every_match_holds_a_digit),
        value_bytes,
        within_a_line: syntax.iter().all(super::match_edges::within_a_line),
        match_bytes: shape::MatchBytes::of(&syntax),
        order,
        ignore: regexes("ignore_values", &spec.ignore_values)?,
        suspect: regexes("suspect_values", &spec.suspect_values)?,
        raise: context_words.ids(&spec.context.raise),
        lower: context_words.ids(&spec.context.lower),
        normalization: spec.normalization(),
        min_entropy: spec.min_entropy.map(score::EntropyFloor::new),
        patterns,
        id: Arc::from(spec.id.as_str()),
        spec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RulePack;

    fn compiled(rule: &str) -> CompiledRule {
        let pack = RulePack::from_toml_str("rule.toml", rule).unwrap();
        let spec = pack.rules()[0].clone();
        let words = ContextWords::new([spec.context.raise.as_slice()]);
        compile(spec, 0, &words).unwrap()
    }

    #[test]
    fn a_rule_that_needs_its_context_reaches_from_it_as_far_as_its_longest_value() {
        let rule = |required: bool| {
            format!(
                r#"
[[rule]]
id = "labelled"
name = "Labelled number"
category = "pii"
severity = "low"
pattern = '(?:^|[^0-9])(?P<value>[0-9]{{5}}\x20[0-9]{{5}})'
contextual_pattern = '(?:phone|call)[a-z]{{0,20}}:\x20?(?P<value>[0-9]{{5}}\x20[0-9]{{5}})'
keywords = ["call"]
min_digits = 5
confidence = 0.7
examples = ["call 12345 67890"]
negative_examples = ["12345-67890"]

[rule.context]
window = 10
raise = ["call"]
required = {required}
"#
            )
        };
        let needs = compiled(&rule(true));
        assert_eq!(
            needs.reach(),
            Reach::Near {
                longest: 38,
                window: 10
            }
        );
        let value = needs.value_reach().unwrap();
        assert_eq!((value.longest, value.window), (11, 10));
        let holds = |b: u8| value.bytes.contains(b);
        assert!(holds(b'0') && holds(b'9') && holds(b' '));
        assert!(
            !holds(b':') && !holds(b'c'),
            "the label is no part of the value"
        );
        assert_eq!(compiled(&rule(false)).value_reach(), None);
    }
}
