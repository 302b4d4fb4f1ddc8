//! Where in a segment each rule is worth running: the cheap passes before any regex.
//!
//! One [`KeywordSet`] holds every keyword of every rule, so a segment is read once however
//! many rules there are; one byte pass finds digit runs if some rule asked for that.
//! A hit does not make the whole segment a candidate for its rules, only the bytes around it
//! that a match (and the context window that gates it) can reach: a 64 KiB page that says
//! "task" once runs the Twilio regex over a few hundred bytes, not 64 KiB. Candidate regions
//! live in a caller-owned [`Scratch`], so the passes allocate nothing once it has grown.

use regex_syntax::is_word_byte;

use super::context::SegmentWords;
use super::digit_runs::{for_each_digit_run, pieces};
use super::gate::GroupScratch;
use super::keywords::KeywordSet;
use super::match_edges::RunEdges;
use super::regions::{Candidates, Filing, Reach, ValueReach, clip};
use super::rule::{Prefilter, RuleSpec};
use super::score::{ends_abbreviation, starts_word};
use super::shape::{KeywordsInMatches, MatchBytes};

/// Buffers reused across calls to [`super::Engine::find_with`], so scanning many items does
/// not allocate per segment.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) candidates: Candidates,
    /// One per rule group of the engine.
    pub(crate) groups: Vec<GroupScratch>,
    pub(crate) words: SegmentWords,
    /// For putting a segment's matches in order.
    pub(crate) order: Vec<(super::matches::Key, usize)>,
    /// Per segment of the call, the decoder rules whose marker the keyword pass saw there.
    pub(crate) marked: Vec<u64>,
    /// How many matches the last call found: the next one starts with room for as many,
    /// rather than growing (and moving every match) a dozen times in dense text.
    pub(crate) last_found: usize,
}

/// What the candidate index needs of one rule.
#[derive(Debug, Clone, Copy)]
pub struct RulePrefilter<'a> {
    pub spec: &'a RuleSpec,
    /// Where its keywords stand in its matches (see [`prefilter_words`]).
    pub keywords: KeywordsInMatches,
    /// Which of [`RUN_SEPARATORS`](super::digit_runs::RUN_SEPARATORS) its matches can hold
    /// (bit `i` for the `i`th).
    pub digit_separators: u8,
    /// How far its matches lie from a hit of its prefilter.
    pub reach: Reach,
    /// For a rule that reports only near a context word, how far its values lie from one:
    /// where a hit makes digit runs its candidates (see `CompiledRule::value_reach`).
    pub value_reach: Option<ValueReach>,
    /// With `min_digits`, how far its matches reach past either end of a digit run they
    /// hold; `None` without, or when its matches have no longest.
    pub run_reach: Option<usize>,
    /// How its regions are filed: under itself, or its group.
    pub filing: Filing,
    /// The bytes its matches can hold, if not every byte: a match that holds a hit (its
    /// keyword, its digit run) lies within the bytes of that set around it.
    pub match_bytes: Option<MatchBytes>,
    /// Whether its matches begin and end outside the digit runs they hold.
    pub run_edges: RunEdges,
    /// Every match holds a digit.
    pub holds_a_digit: bool,
}

/// One rule's use of a keyword.
#[derive(Debug, Clone, Copy)]
struct KeywordUse {
    rule: usize,
    /// Which hits count (see [`prefilter_words`]).
    at: HitsAt,
    /// How far from a hit the rule's matches lie; for rules that share a near slot, the
    /// farthest of them (see [`CandidateIndex::share_near_uses`]).
    reach: Reach,
    /// Every match holds a digit, and the hit's region is clipped to the bytes a match can
    /// hold: a region without a digit is none (`cid` in "incident", `policy` in prose).
    needs_digit: bool,
    /// For a rule in a near slot that reports only near a context word, where its values
    /// lie: the digit runs there are its candidates.
    value: Option<ValueReach>,
}

/// The prefilters of a compiled rule list, by rule index.
#[derive(Debug)]
pub struct CandidateIndex {
    /// Per rule, how its regions are filed.
    filing: Vec<Filing>,
    /// Per rule whose keywords are part of every match, the bytes a match can hold (if not
    /// every byte).
    clip_keyword_hits: Vec<Option<MatchBytes>>,
    target_count: usize,
    /// All keywords (lower-cased, deduplicated); a hit's pattern indexes `keyword_rules`.
    keywords: Option<KeywordSet>,
    /// The keywords (same patterns) and then the context words that are not keywords: in
    /// dense text, where every value asks for its context words, one pass finds both.
    /// Benign text pays for a larger set and gains nothing, so it is used only after a
    /// segment that needed its context words indexed.
    keywords_and_context: Option<KeywordSet>,
    keyword_rules: Vec<Vec<KeywordUse>>,
    /// Per word of `keywords_and_context`, its id among the context words, if it is one.
    context_ids: Vec<Option<usize>>,
    /// Rules without a prefilter: their regex runs on every segment.
    always: Vec<usize>,
    /// Digit-prefiltered rules, by the target their regions are filed under, the targets by
    /// the shortest run one of their rules needs.
    digit_targets: Vec<DigitTarget>,
    shortest_min_digits: usize,
    /// Keyword rules with `min_digits` (and digit rules that need context), by target:
    /// candidates at the digit runs their hits reach. Target `i` collects those in
    /// [`Candidates`]' near slot `i`: a group's members (the phone rules near "call") share
    /// their keywords, so their hits reach the same runs.
    near_targets: Vec<DigitTarget>,
    /// Per rule, its index in `near_targets`, if it is in one.
    near_slot: Vec<Option<usize>>,
    /// Per keyword pattern, the decoder markers it stands for, as written (a marker is
    /// case-sensitive, the keyword pass is not), with the bit of the decoder rule each
    /// marks: the decoders look for their structure only in segments where this pass saw
    /// a marker, instead of reading every segment again for it.
    markers: Vec<Vec<(Box<[u8]>, u64)>>,
}

impl CandidateIndex {
    /// `rules` in engine order, `target_count` targets in all; `context_words` by id;
    /// `markers` the decoder rules' markers, each with the bit of its rule.
    pub fn new<'a>(
        rules: impl Iterator<Item = RulePrefilter<'a>>,
        target_count: usize,
        context_words: &[String],
        markers: &[(&str, u64)],
    ) -> Self {
        let mut index = CandidateIndex {
            filing: Vec::new(),
            clip_keyword_hits: Vec::new(),
            target_count,
            keywords: None,
            keywords_and_context: None,
            keyword_rules: Vec::new(),
            context_ids: Vec::new(),
            always: Vec::new(),
            digit_targets: Vec::new(),
            shortest_min_digits: usize::MAX,
            near_targets: Vec::new(),
            near_slot: Vec::new(),
            markers: Vec::new(),
        };
        let mut words: Vec<String> = Vec::new();
        for (i, prefilter) in rules.enumerate() {
            let RulePrefilter {
                spec: rule,
                keywords,
                digit_separators,
                reach,
                value_reach,
                run_reach,
                filing,
                match_bytes,
                run_edges,
                holds_a_digit,
            } = prefilter;
            // A keyword that is part of every match: the match lies in the bytes around it.
            index
                .clip_keyword_hits
                .push(match_bytes.filter(|_| keywords != KeywordsInMatches::NotEvery));
            index.filing.push(filing);
            index.near_slot.push(None);
            match (rule.prefilter, rule.min_digits) {
                (Prefilter::Digits, Some(n)) if !rule.digits_near_context() => {
                    let member = DigitMember {
                        min_digits: n,
                        separators: digit_separators,
                        members: filing.members,
                        reach,
                        edges: run_edges,
                        bytes: match_bytes,
                    };
                    DigitTarget::file(&mut index.digit_targets, filing.target, member);
                    index.shortest_min_digits = index.shortest_min_digits.min(n);
                }
                (Prefilter::Keywords, _) if rule.keywords.is_empty() => index.always.push(i),
                (_, min_digits) => {
                    if let (Some(n), Some(run_reach)) = (min_digits, run_reach) {
                        let member = DigitMember {
                            min_digits: n,
                            separators: digit_separators,
                            members: filing.members,
                            reach: Reach::Bytes(run_reach),
                            edges: run_edges,
                            bytes: match_bytes,
                        };
                        let slot =
                            DigitTarget::file(&mut index.near_targets, filing.target, member);
                        index.near_slot[i] = Some(slot);
                        index.near_targets[slot].patterns.push((
                            filing.members,
                            std::iter::once(&rule.pattern)
                                .chain(&rule.contextual_pattern)
                                .cloned()
                                .collect(),
                        ));
                    }
                    for (word, at) in prefilter_words(rule, keywords) {
                        let use_ = KeywordUse {
                            rule: i,
                            at,
                            reach,
                            // A hit of a rule with `min_digits` marks the runs that are its
                            // candidates: those its values may hold.
                            value: value_reach.filter(|_| index.near_slot[i].is_some()),
                            needs_digit: holds_a_digit
                                && index.clip_keyword_hits[i].is_some()
                                && index.near_slot[i].is_none(),
                        };
                        match words.iter().position(|w| *w == word) {
                            Some(p) => {
                                match index.keyword_rules[p].iter_mut().find(|u| u.rule == i) {
                                    // A word that is both a keyword and a context word of the
                                    // rule counts wherever either would.
                                    Some(u) => u.at = u.at.either(at),
                                    None => index.keyword_rules[p].push(use_),
                                }
                            }
                            None => {
                                words.push(word);
                                index.keyword_rules.push(vec![use_]);
                            }
                        }
                    }
                }
            }
        }
        index.share_near_uses();
        index.markers = vec![Vec::new(); words.len()];
        for &(marker, bit) in markers {
            let word = marker.to_ascii_lowercase();
            let p = words.iter().position(|w| *w == word).unwrap_or_else(|| {
                words.push(word);
                index.keyword_rules.push(Vec::new());
                index.markers.push(Vec::new());
                words.len() - 1
            });
            index.markers[p].push((marker.as_bytes().into(), bit));
        }
        for t in index
            .digit_targets
            .iter_mut()
            .chain(&mut index.near_targets)
        {
            t.merge_alike();
            t.rules.sort_by_key(|r| r.min_digits);
        }
        // Near targets keep their order: it is their slot.
        index.digit_targets.sort_by_key(|t| t.min_digits);
        if !words.is_empty() {
            index.keywords = Some(KeywordSet::new(&words));
        }
        index.context_ids = vec![None; words.len()];
        for (id, word) in context_words.iter().enumerate() {
            match words.iter().position(|w| w == word) {
                Some(p) => index.context_ids[p] = Some(id),
                None => {
                    words.push(word.clone());
                    index.context_ids.push(Some(id));
                }
            }
        }
        if !words.is_empty() {
            index.keywords_and_context = Some(KeywordSet::new(&words));
        }
        index
    }

    /// Makes one use of each word for the rules that file its hits in one near slot: the
    /// eighteen national phone rules share "call", and a hit of it is one span of their
    /// slot, as far as the farthest of them reaches, rather than eighteen spans that merge.
    fn share_near_uses(&mut self) {
        let mut keyword_rules = std::mem::take(&mut self.keyword_rules);
        for uses in &mut keyword_rules {
            let mut kept: Vec<KeywordUse> = Vec::with_capacity(uses.len());
            for u in uses.drain(..) {
                let slot = self.near_slot[u.rule];
                let shares = |k: &KeywordUse| {
                    slot.is_some()
                        && self.near_slot[k.rule] == slot
                        && k.at == u.at
                        && self.clip_keyword_hits[k.rule].is_none()
                        && self.clip_keyword_hits[u.rule].is_none()
                };
                let shared = kept
                    .iter_mut()
                    .filter(|k| shares(k))
                    .find_map(|k| Some((k.reach.farthest(u.reach)?, k)));
                match shared {
                    Some((reach, k)) => {
                        k.reach = reach;
                        k.value = k.value.zip(u.value).and_then(|(a, b)| a.farthest(b));
                    }
                    None => kept.push(u),
                }
            }
            *uses = kept;
        }
        self.keyword_rules = keyword_rules;
    }

    /// [`CandidateIndex::collect`] of a segment alone, recording no context words.
    #[cfg(test)]
    pub(crate) fn collect_alone(
        &self,
        text: &str,
        context: Option<&str>,
        scratch: &mut Candidates,
    ) {
        self.collect(text, context, scratch, &mut SegmentWords::default(), false);
    }

    /// Collects in `scratch` the regions of `text` where rules are worth running. `context`
    /// is the text next to the segment (a column header): a keyword there makes the whole
    /// segment a candidate for its rules, since a rule whose keywords are its context words
    /// (`npi`) must run on a cell under an "NPI" header. `words` is the segment's: with
    /// `record_words`, the same pass records there where context words start a word.
    pub fn collect(
        &self,
        text: &str,
        context: Option<&str>,
        scratch: &mut Candidates,
        words: &mut SegmentWords,
        record_words: bool,
    ) {
        scratch.fit(self.target_count, self.near_targets.len());
        let len = text.len();
        for &i in &self.always {
            scratch.add(self.filing[i], 0, len);
        }
        let keywords = match record_words {
            true => &self.keywords_and_context,
            false => &self.keywords,
        };
        if let Some(keywords) = keywords {
            let bytes = text.as_bytes();
            keywords.for_each_hit(bytes, |hit| {
                let word_start = starts_word(text, hit.start);
                let after_boundary = hit.start == 0 || !is_word_byte(bytes[hit.start - 1]);
                if word_start
                    && record_words
                    && let Some(id) = self.context_ids[hit.pattern]
                {
                    words.record(hit.start, hit.end, id);
                }
                if let Some(markers) = self.markers.get(hit.pattern) {
                    for (marker, bit) in markers {
                        if bytes[hit.start..hit.end] == **marker {
                            scratch.marked |= bit;
                        }
                    }
                }
                let Some(uses) = self.keyword_rules.get(hit.pattern) else {
                    return;
                };
                for u in uses {
                    let counts = match u.at {
                        HitsAt::Anywhere => true,
                        HitsAt::WordStart => word_start,
                        HitsAt::WordBoundary => after_boundary,
                        HitsAt::ContextWord => {
                            word_start && ends_abbreviation(text, hit.start..hit.end)
                        }
                    };
                    if !counts {
                        continue;
                    }
                    let (start, end) = match u.value {
                        Some(value) => value.around(text, hit.start, hit.end, &mut words.windows),
                        None => u.reach.around(text, hit.start, hit.end, &mut words.windows),
                    };
                    let (start, end) = match &self.clip_keyword_hits[u.rule] {
                        Some(bytes) => clip(text, (hit.start, hit.end), (start, end), bytes),
                        None => (start, end),
                    };
                    if u.needs_digit && !bytes[start..end].iter().any(u8::is_ascii_digit) {
                        continue;
                    }
                    match self.near_slot[u.rule] {
                        Some(slot) => scratch.near[slot].add(start, end),
                        None => scratch.add(self.filing[u.rule], start, end),
                    }
                }
            });
            if record_words {
                words.recorded_all();
            }
            if let Some(context) = context {
                keywords.for_each_hit(context.as_bytes(), |hit| {
                    for u in self.keyword_rules.get(hit.pattern).into_iter().flatten() {
                        match self.near_slot[u.rule] {
                            Some(slot) => scratch.near[slot].add(0, len),
                            None => scratch.add(self.filing[u.rule], 0, len),
                        }
                    }
                });
            }
        }
        // Keyword rules with `min_digits` take part in the digit pass only where their
        // keywords were seen, and only down to the shortest run one of those needs.
        let mut shortest = self.shortest_min_digits;
        scratch.near_active.clear();
        for (slot, (target, near)) in self.near_targets.iter().zip(&mut scratch.near).enumerate() {
            if !near.spans.is_empty() {
                near.settle();
                shortest = shortest.min(target.min_digits);
                scratch.near_active.push(slot);
            }
        }
        if shortest == usize::MAX {
            return;
        }
        let bytes = text.as_bytes();
        let windows = &mut words.windows;
        // No keyword rule's hit reaches a run that ends by here: most runs of a log are
        // nowhere near one ("on-call" in one line of it), and are asked of no keyword rule at
        // the cost of one comparison, rather than of each rule with hits in the segment.
        let mut quiet_until = 0;
        for_each_digit_run(text, shortest, |start, end, digits| {
            let maybe_near = end > quiet_until;
            // A run shorter than every digit rule takes is read for a keyword rule that takes
            // it (a German number of five digits), and counts only near that rule's keywords.
            if digits < self.shortest_min_digits && !maybe_near {
                return;
            }
            // Digits a rule's match could hold in one piece of this run, by the separators
            // the rule allows: an IP address or a date is a run of digits, but no run an IBAN
            // or an NI number can be part of.
            let pieces = pieces(&bytes[start..end], digits);
            // One region per target (a group's members around one run all hold the run, so
            // their regions would merge anyway). Targets by min_digits: the first too long for
            // the run ends the list.
            for target in self
                .digit_targets
                .iter()
                .take_while(|t| digits >= t.min_digits)
            {
                target.add_run(text, (start, end), digits, &pieces, scratch, windows);
            }
            if !maybe_near {
                return;
            }
            let (mut near, mut next) = (false, usize::MAX);
            for i in 0..scratch.near_active.len() {
                let slot = scratch.near_active[i];
                let spans = &mut scratch.near[slot];
                if !spans.overlaps(start, end) {
                    next = next.min(spans.next_start().unwrap_or(usize::MAX));
                    continue;
                }
                near = true;
                let target = &self.near_targets[slot];
                if digits >= target.min_digits {
                    target.add_run(text, (start, end), digits, &pieces, scratch, windows);
                }
            }
            if !near {
                quiet_until = next;
            }
        });
    }
}

mod digit_target;
mod words;
use digit_target::{DigitMember, DigitTarget};
pub use words::{HitsAt, prefilter_words};

#[cfg(test)]
mod tests;
