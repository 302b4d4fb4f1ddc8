//! Which rules are worth running on a segment: the cheap passes before any regex.
//!
//! One Aho-Corasick automaton holds every keyword of every rule, so a segment is read once
//! however many rules there are; a second byte pass measures digit runs only if some rule
//! asked for that. Candidate marks live in a caller-owned [`Scratch`], so the passes
//! allocate nothing.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::rule::{Prefilter, RuleSpec};
use super::score;

/// Buffers reused across calls to [`super::Engine::find_with`], so scanning many items does
/// not allocate per segment.
#[derive(Debug, Default)]
pub struct Scratch {
    is_candidate: Vec<bool>,
    candidates: Vec<usize>,
}

impl Scratch {
    fn mark(&mut self, rule: usize) -> bool {
        let fresh = !self.is_candidate[rule];
        if fresh {
            self.is_candidate[rule] = true;
            self.candidates.push(rule);
        }
        fresh
    }

    /// The marked rules in pack order, clearing the marks as they are handed out.
    pub(crate) fn drain_in_order(&mut self, mut each: impl FnMut(usize)) {
        self.candidates.sort_unstable();
        for &i in &self.candidates {
            self.is_candidate[i] = false;
            each(i);
        }
        self.candidates.clear();
    }
}

/// The prefilters of a compiled rule list, by rule index.
#[derive(Debug)]
pub struct CandidateIndex {
    rule_count: usize,
    /// All keywords (lower-cased, deduplicated); a hit's pattern id indexes `keyword_rules`.
    keywords: Option<AhoCorasick>,
    keyword_rules: Vec<Vec<usize>>,
    keyword_rule_count: usize,
    /// Rules without a prefilter: their regex runs on every segment.
    always: Vec<usize>,
    /// (rule index, min_digits) of digit-prefiltered rules.
    digit_rules: Vec<(usize, usize)>,
    longest_min_digits: usize,
}

impl CandidateIndex {
    pub fn new<'a>(
        rules: impl Iterator<Item = &'a RuleSpec>,
    ) -> Result<Self, aho_corasick::BuildError> {
        let mut index = CandidateIndex {
            rule_count: 0,
            keywords: None,
            keyword_rules: Vec::new(),
            keyword_rule_count: 0,
            always: Vec::new(),
            digit_rules: Vec::new(),
            longest_min_digits: 0,
        };
        let mut words: Vec<String> = Vec::new();
        for (i, rule) in rules.enumerate() {
            index.rule_count += 1;
            match (rule.prefilter, rule.min_digits) {
                (Prefilter::Digits, Some(n)) => {
                    index.digit_rules.push((i, n));
                    index.longest_min_digits = index.longest_min_digits.max(n);
                }
                _ if rule.keywords.is_empty() => index.always.push(i),
                _ => {
                    index.keyword_rule_count += 1;
                    for kw in &rule.keywords {
                        let kw = kw.to_ascii_lowercase();
                        match words.iter().position(|w| *w == kw) {
                            Some(p) if !index.keyword_rules[p].contains(&i) => {
                                index.keyword_rules[p].push(i)
                            }
                            Some(_) => {}
                            None => {
                                words.push(kw);
                                index.keyword_rules.push(vec![i]);
                            }
                        }
                    }
                }
            }
        }
        if !words.is_empty() {
            index.keywords = Some(case_insensitive_automaton(&words)?);
        }
        Ok(index)
    }

    /// Marks in `scratch` the rules whose prefilter passes on `text`.
    pub fn mark(&self, text: &str, scratch: &mut Scratch) {
        self.fit(scratch);
        for &i in &self.always {
            scratch.mark(i);
        }
        self.mark_keywords(text, scratch);
        if !self.digit_rules.is_empty() {
            let run = score::longest_digit_run(text, self.longest_min_digits);
            for &(i, min_digits) in &self.digit_rules {
                if run >= min_digits {
                    scratch.mark(i);
                }
            }
        }
    }

    /// Marks in `scratch` the keyword rules with a keyword in `context`, the text next to a
    /// segment (a column header): a rule whose keywords are its context words (`npi`) must
    /// run on a cell under an "NPI" header. The regex still runs on the segment's text only.
    pub fn mark_context(&self, context: &str, scratch: &mut Scratch) {
        self.fit(scratch);
        self.mark_keywords(context, scratch);
    }

    /// Sizes `scratch` for this index (allocates on first use only).
    fn fit(&self, scratch: &mut Scratch) {
        if scratch.is_candidate.len() < self.rule_count {
            scratch.is_candidate.resize(self.rule_count, false);
            scratch.candidates.reserve(self.rule_count);
        }
    }

    fn mark_keywords(&self, text: &str, scratch: &mut Scratch) {
        let Some(ac) = &self.keywords else { return };
        let mut found = 0;
        for hit in ac.find_overlapping_iter(text) {
            for &i in &self.keyword_rules[hit.pattern().as_usize()] {
                found += usize::from(scratch.mark(i));
            }
            if found == self.keyword_rule_count {
                break;
            }
        }
    }
}

/// An automaton reporting every occurrence (overlapping ones too) of `words`, ignoring ASCII
/// case.
pub fn case_insensitive_automaton(
    words: &[String],
) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(words)
}
