//! Which words make a rule a candidate, and which of their hits count: a keyword that
//! begins every match counts at a word boundary only, a context word of a rule that needs
//! one only where it could be one.

use super::super::rule::RuleSpec;
use super::super::shape::KeywordsInMatches;

/// Which hits of a word make a rule a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitsAt {
    Anywhere,
    /// Only where a word starts (`score::starts_word`).
    WordStart,
    /// Only after a byte that is no ASCII word byte (or at the start): the keyword begins
    /// every match, and every match begins at a word boundary.
    WordBoundary,
    /// Only where it could be a context word of a value: where a word starts and, for an
    /// abbreviation of three letters or fewer, ends too (`score::ends_abbreviation`). A rule
    /// that reports only near one of its context words is no candidate at `exp` in "export".
    ContextWord,
}

impl HitsAt {
    /// Where a word counts that is listed twice for one rule: wherever either would.
    pub(super) fn either(self, other: HitsAt) -> HitsAt {
        match (self, other) {
            _ if self == other => self,
            (HitsAt::WordStart, HitsAt::ContextWord) | (HitsAt::ContextWord, HitsAt::WordStart) => {
                HitsAt::WordStart
            }
            _ => HitsAt::Anywhere,
        }
    }
}

/// The words whose hits make `rule` a candidate near them, lower-cased, each with which of
/// its hits count.
///
/// A rule that reports only next to a context word (`context.required`, or its
/// `contextual_pattern`) is a candidate wherever one of its context words starts a word,
/// whether or not its keywords list them: then a value is found near "cell" even when the
/// keyword that got the rule run is elsewhere. For a rule that reports nothing without
/// context, that is all it needs, so its keywords, too, count only where a word starts:
/// `tin` inside "setting" cannot be what gates an ITIN.
///
/// A rule whose every match holds one of its keywords (a label like "policy number" or a
/// prefix like `AKIA` begins each) is a candidate at its keywords only, wherever they occur:
/// no match is anywhere else. When every match begins at a word boundary with a keyword
/// (`(?-u:\b)(?i-u:cvv|cid)...`), only hits after a byte that is no word byte count: `cid`
/// inside "incident" begins no match.
///
/// A keyword of digits only (`00`, the international dialling prefix) is the start of a
/// number, so it counts only where a word starts: the `00` inside `1000` or a hex digest
/// begins no number.
pub fn prefilter_words(rule: &RuleSpec, keywords: KeywordsInMatches) -> Vec<(String, HitsAt)> {
    let mut words = words_and_hits(rule, keywords);
    for (word, at) in &mut words {
        if *at == HitsAt::Anywhere && word.bytes().all(|b| b.is_ascii_digit()) {
            *at = HitsAt::WordStart;
        }
    }
    words
}

fn words_and_hits(rule: &RuleSpec, keywords: KeywordsInMatches) -> Vec<(String, HitsAt)> {
    let lower = |k: &String| k.to_ascii_lowercase();
    match keywords {
        KeywordsInMatches::EveryFirst { at_boundary: true } => {
            return rule
                .keywords
                .iter()
                .map(|k| (lower(k), HitsAt::WordBoundary))
                .collect();
        }
        KeywordsInMatches::Every | KeywordsInMatches::EveryFirst { .. } => {
            return rule
                .keywords
                .iter()
                .map(|k| (lower(k), HitsAt::Anywhere))
                .collect();
        }
        KeywordsInMatches::NotEvery => {}
    }
    let required = rule.context.required;
    let raise: Vec<String> = rule.context.raise.iter().map(lower).collect();
    // A rule that reports nothing without a context word near is a candidate only where one
    // of its context words stands as one.
    let context_word = if required {
        HitsAt::ContextWord
    } else {
        HitsAt::WordStart
    };
    let mut words: Vec<(String, HitsAt)> = rule
        .keywords
        .iter()
        .map(|k| {
            let k = lower(k);
            let at = if !required {
                HitsAt::Anywhere
            } else if raise.contains(&k) {
                HitsAt::ContextWord
            } else {
                HitsAt::WordStart
            };
            (k, at)
        })
        .collect();
    if required || rule.contextual_pattern.is_some() {
        for raise in raise {
            if !words.iter().any(|(w, _)| *w == raise) {
                words.push((raise, context_word));
            }
        }
    }
    words
}
