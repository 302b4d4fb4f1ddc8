//! The detection engine: a compiled rule pack that turns segments into matches.
//!
//! Per segment, one pass over every rule's keywords (and, if any rule asks for it, one byte
//! pass for digit runs) decides where each rule is a candidate: the bytes
//! around its hits that a match can reach. Only there do its regexes run, with the rest of
//! the segment still visible to `\b` and `^`. A segment's `context` (a table cell's column
//! header) takes part in the keyword pass and counts as near for context words, but values
//! are only ever taken from its text. Most segments of a wiki hold no secret, so the
//! no-match path is kept to those passes plus the regexes over candidate regions, with
//! reused buffers and no allocation (tested).

use std::sync::Arc;

use regex::Regex;
use regex_automata::dfa::Automaton;
use regex_automata::{Input, PatternID, PatternSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::compiled::{CompiledPattern, CompiledRule, compile};
use super::context::{ContextWords, SegmentWords};
use super::decoders::Decoders;
use super::gate::{GROUP_DENSE_PATTERNS, GroupGate, GroupScratch, PatternGate, RuleGroup, Trigger};
use super::matches::{Match, finish_segment, gather_values, keep_best_per_span};
use super::pack::RulePack;
use super::parallel::map_ordered;
use super::prefilter::{CandidateIndex, RulePrefilter, Scratch};
use super::regions::{Reach, Region};
use super::rule::{Prefilter, RuleError, RuleProblem, RuleSpec};
use super::score;
use super::validate::Verdict;
use dlp_domain::Segment;

/// Bump when engine code changes what a rule set detects, so that the digest (and with it
/// every cached classification) changes too.
const ENGINE_REVISION: &str = "confluence-dlp classify engine r4 (decoder rules)";

/// Regions up to this many bytes are gated before the meta regex runs there. On a larger
/// region the gate saves little set-up and reads every byte, where the meta regex skips to
/// its pattern's literals (`AKIA`, `@`) with memchr: dense text merges the regions of a rule
/// that hits on every line into one as large as the segment. Digit rules are gated on
/// regions of any size: their patterns begin with digits, no literal to skip to, and a
/// region of theirs is digit runs close together (a table of card numbers).
const GATED_REGION: usize = 1024;

/// Knobs that apply to every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineOptions {
    /// Matches below this confidence are dropped.
    pub min_confidence: f64,
    /// Rule ids switched off for this engine, on top of the pack's own disable list.
    pub disabled_rules: Vec<String>,
    /// Regexes over the raw value: a value that matches one is never reported (an
    /// organisation's own test accounts or known-public keys).
    pub allow_values: Vec<String>,
    /// Confidence taken off a value that contains a placeholder word (`changeme`, `xxxx`).
    pub placeholder_penalty: f64,
    /// Confidence taken off a value its validator or rule marks as well-known test data.
    pub suspect_penalty: f64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            min_confidence: 0.5,
            disabled_rules: Vec::new(),
            allow_values: Vec::new(),
            placeholder_penalty: 0.4,
            suspect_penalty: 0.2,
        }
    }
}

/// A compiled rule pack. Cheap to share (`Arc<Engine>`); `find` takes `&self`.
pub struct Engine {
    rules: Vec<CompiledRule>,
    /// Rules that share their prefilter (the digit rules; the national phone rules) are
    /// candidates in the same places: one search of their patterns together says which of
    /// them can match in a region, instead of one search per pattern.
    groups: Vec<RuleGroup>,
    candidates: CandidateIndex,
    context_words: ContextWords,
    placeholders: score::Placeholders,
    allow: Vec<Regex>,
    opts: EngineOptions,
    digest: String,
    /// For rules with `near`: the rule id, and the id and window of the rule it needs.
    companions: Vec<(Arc<str>, Arc<str>, usize)>,
    /// Rules that read a structure (a Kubernetes Secret, a Terraform state) where their
    /// marker occurs; not candidates of the keyword pass.
    decoders: Decoders,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("detectors", &self.detector_ids())
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

fn option_error(option: &'static str, problem: impl Into<String>) -> RuleError {
    RuleError::Option {
        option,
        problem: problem.into(),
    }
}

fn automaton_error(what: &'static str, e: aho_corasick::BuildError) -> RuleError {
    RuleError::Automaton {
        what,
        message: e.to_string(),
    }
}

impl Engine {
    /// Compiles the enabled rules of `pack`.
    pub fn new(pack: RulePack, opts: EngineOptions) -> Result<Self, RuleError> {
        for (name, v) in [
            ("min_confidence", opts.min_confidence),
            ("placeholder_penalty", opts.placeholder_penalty),
            ("suspect_penalty", opts.suspect_penalty),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(option_error(name, "must be within 0..=1"));
            }
        }
        // The entries may themselves be sensitive, so errors name the position only.
        let allow = opts
            .allow_values
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Regex::new(p).map_err(|_| {
                    option_error("allow_values", format!("entry {i} is not a valid regex"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let specs: Vec<RuleSpec> = pack
            .rules()
            .iter()
            .filter(|r| pack.is_enabled(r) && !opts.disabled_rules.contains(&r.id))
            .cloned()
            .collect();
        let mut digest = Sha256::new();
        digest.update(ENGINE_REVISION.as_bytes());
        let context_words = ContextWords::new(
            specs
                .iter()
                .flat_map(|s| [s.context.raise.as_slice(), s.context.lower.as_slice()]),
        );
        let mut rule_specs = Vec::with_capacity(specs.len());
        let mut decoder_specs = Vec::new();
        for spec in specs {
            spec.check()?;
            let json = serde_json::to_vec(&spec).map_err(|e| {
                RuleError::invalid(
                    &spec,
                    RuleProblem::Shape(format!("cannot be serialised: {e}")),
                )
            })?;
            digest.update([0]);
            digest.update(&json);
            if spec.decoder.is_some() {
                decoder_specs.push(spec);
            } else {
                rule_specs.push(spec);
            }
        }
        let rules = map_ordered(rule_specs, |order, spec| {
            compile(spec, order, &context_words)
        })
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        // After every other rule in the order that breaks ties: a provider's own rule names a
        // value better than a structure's generic one.
        let decoders = decoder_specs
            .into_iter()
            .map(|spec| compile(spec, rules.len(), &context_words))
            .collect::<Result<Vec<_>, _>>()?;
        let decoders = Decoders::new(decoders);
        let json = serde_json::to_vec(&opts).map_err(|e| option_error("options", e.to_string()))?;
        digest.update([0]);
        digest.update(&json);

        let (groups, filing, reach) = {
            let mut keys: Vec<Option<Trigger>> = rules.iter().map(|r| r.trigger()).collect();
            // A rule whose patterns are large (the card number, every brand's ranges and
            // groupings) joins no group: with it, the group's patterns together would make a
            // dense DFA of tens of megabytes, and on its own its regions are those of its
            // own hits only. Only rules that would share a group are asked: that builds
            // their DFAs now rather than on first use.
            let shared: Vec<usize> = (0..rules.len())
                .filter(|&i| {
                    keys[i].is_some()
                        && keys
                            .iter()
                            .enumerate()
                            .any(|(j, k)| j != i && *k == keys[i])
                })
                .collect();
            // A group of few patterns is searched with a dense DFA (see `GroupGate`), whose
            // states multiply with each member's.
            let dense = |i: usize| {
                let patterns: usize = (0..rules.len())
                    .filter(|&j| keys[j] == keys[i])
                    .map(|j| rules[j].patterns.len())
                    .sum();
                patterns <= GROUP_DENSE_PATTERNS
            };
            let dense: Vec<bool> = shared.iter().map(|&i| dense(i)).collect();
            let small = map_ordered(
                shared.iter().copied().zip(dense).collect(),
                |_, (i, dense)| rules[i].small_enough_to_group(dense),
            );
            for (i, small) in shared.into_iter().zip(small) {
                if !small {
                    keys[i] = None;
                }
            }
            let reach: Vec<Reach> = rules.iter().map(CompiledRule::reach).collect();
            let counts: Vec<usize> = rules.iter().map(|r| r.patterns.len()).collect();
            // Digit rules by the run they need: a run long enough for one is long enough for
            // every rule that needs a shorter one.
            let ranks: Vec<usize> = rules
                .iter()
                .map(|r| r.spec.min_digits.unwrap_or(0))
                .collect();
            let (groups, filing) = RuleGroup::form(&keys, &ranks, &counts);
            (groups, filing, reach)
        };
        let candidates = CandidateIndex::new(
            rules.iter().enumerate().map(|(i, r)| RulePrefilter {
                spec: &r.spec,
                keywords: r.keywords,
                digit_separators: r.digit_separators,
                reach: reach[i],
                run_reach: r.run_reach(),
                filing: filing[i],
                match_bytes: r.match_bytes,
            }),
            rules.len() + groups.len(),
            context_words.words(),
        );
        let placeholders =
            score::Placeholders::new().map_err(|e| automaton_error("placeholder", e))?;
        let mut companions = Vec::new();
        for r in &rules {
            let Some(near) = &r.spec.near else { continue };
            let Some(anchor) = rules.iter().find(|a| a.spec.id == near.rule) else {
                return Err(option_error(
                    "near",
                    format!(
                        "rule {} needs rule {}, which is not in the pack",
                        r.spec.id, near.rule
                    ),
                ));
            };
            companions.push((Arc::clone(&r.id), Arc::clone(&anchor.id), near.window));
        }
        Ok(Engine {
            rules,
            groups,
            candidates,
            context_words,
            placeholders,
            allow,
            opts,
            digest: hex::encode(digest.finalize()),
            companions,
            decoders,
        })
    }

    /// The builtin pack with default options.
    pub fn builtin() -> Self {
        Engine::new(RulePack::builtin(), EngineOptions::default())
            .expect("the builtin rule pack compiles (tested by builtin_engine_compiles)")
    }

    /// Ids of the rules this engine runs, in pack order.
    pub fn detector_ids(&self) -> Vec<&str> {
        self.rules().map(|r| r.id.as_str()).collect()
    }

    /// The rules this engine runs.
    pub fn rules(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules
            .iter()
            .chain(self.decoders.rules())
            .map(|r| &r.spec)
    }

    /// Hex SHA-256 of the compiled rule set and options: equal digests classify alike, so an
    /// item classified under this digest need not be classified again.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    /// All matches in `segments`, ordered by position.
    pub fn find(&self, segments: &[Segment]) -> Vec<Match> {
        self.find_with(segments, &mut Scratch::default())
    }

    /// As [`Engine::find`], reusing `scratch` across calls.
    pub fn find_with(&self, segments: &[Segment], scratch: &mut Scratch) -> Vec<Match> {
        self.find_at(segments, scratch, true)
    }

    /// As [`Engine::find_with`]; with `decode` false, decoder rules do not run (on text they
    /// decoded: one level deep).
    pub(super) fn find_at(
        &self,
        segments: &[Segment],
        scratch: &mut Scratch,
        decode: bool,
    ) -> Vec<Match> {
        let mut out = Vec::with_capacity(scratch.last_found);
        for (index, segment) in segments.iter().enumerate() {
            let first = out.len();
            // A segment that needed all its context words is usually followed by another:
            // this one's keyword pass finds them too.
            let dense = scratch.words.indexed();
            scratch.words.reset();
            let words = dense.then_some(&mut scratch.words);
            self.candidates.collect(
                &segment.text,
                segment.context.as_deref(),
                &mut scratch.candidates,
                words,
            );
            let groups = &mut scratch.groups;
            if groups.len() != self.groups.len() {
                *groups = self.groups.iter().map(GroupScratch::new).collect();
            }
            let words = &mut scratch.words;
            scratch.candidates.drain_in_order(|region| {
                self.scan_target(region, segment, groups, words, &mut out)
            });
            finish_segment((index, segment), &mut out, first, &mut scratch.order);
        }
        if decode {
            self.decoders.decode(self, segments, &mut out, false);
        }
        keep_best_per_span(&mut out, &mut scratch.order);
        self.keep_with_companions(&mut out);
        gather_values(segments, &mut out);
        scratch.last_found = out.len();
        out
    }

    /// Drops the matches of a rule with `near` that stand near no match of the rule they
    /// need. Runs after overlaps are settled, on what will be reported: a card number that
    /// failed its checksum was never a match, so nothing stands next to it.
    fn keep_with_companions(&self, out: &mut Vec<Match>) {
        if self.companions.is_empty() {
            return;
        }
        let near = |m: &Match, anchor: &Arc<str>, window: usize| {
            out.iter().any(|a| {
                Arc::ptr_eq(&a.rule_id, anchor)
                    && a.start <= m.end.saturating_add(window)
                    && m.start <= a.end.saturating_add(window)
            })
        };
        let keep: Vec<bool> = out
            .iter()
            .map(|m| {
                self.companions
                    .iter()
                    .find(|(id, _, _)| Arc::ptr_eq(id, &m.rule_id))
                    .is_none_or(|(_, anchor, window)| near(m, anchor, *window))
            })
            .collect();
        let mut keep = keep.into_iter();
        out.retain(|_| keep.next().unwrap_or(true));
    }

    /// Every rule's regexes over every whole segment, with no prefilter: slow, and the
    /// reference [`Engine::find`] must agree with. Tests and the benchmark compare the two,
    /// so a keyword list or reach that loses a match shows up as a difference.
    pub fn find_exhaustive(&self, segments: &[Segment]) -> Vec<Match> {
        self.find_exhaustive_at(segments, true)
    }

    pub(super) fn find_exhaustive_at(&self, segments: &[Segment], decode: bool) -> Vec<Match> {
        let mut out = Vec::new();
        let (mut words, mut order) = (SegmentWords::default(), Vec::new());
        for (index, segment) in segments.iter().enumerate() {
            let first = out.len();
            words.reset();
            for rule in 0..self.rules.len() {
                let region = Region {
                    rule,
                    start: 0,
                    end: segment.text.len(),
                    members: 1,
                };
                self.scan_region(region, segment, None, &mut words, &mut out);
            }
            finish_segment((index, segment), &mut out, first, &mut order);
        }
        if decode {
            self.decoders.decode(self, segments, &mut out, true);
        }
        keep_best_per_span(&mut out, &mut order);
        self.keep_with_companions(&mut out);
        gather_values(segments, &mut out);
        out
    }

    /// Scans a region of a rule, or of a group: then only the members whose patterns the
    /// group's search saw match there, and only those patterns.
    fn scan_target(
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
        let gate = group.gate.get_or_init(|| {
            let members: Vec<Vec<&str>> = group
                .members
                .iter()
                .map(|&m| {
                    self.rules[m]
                        .patterns
                        .iter()
                        .map(|p| p.source.as_str())
                        .collect()
                })
                .collect();
            GroupGate::shared(&members)
        });
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
        let searched = match gate.as_ref().map(|gate| gate.which(cache, &input, set)) {
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
    fn scan_region(
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
            let gate = if gated { pattern.gate() } else { None };
            let mut at = region.start;
            match gate {
                Some(PatternGate::Find(dfa)) => {
                    // Matches one by one as `find_iter` would; a search the DFA gives up on
                    // (it cannot, with no quit bytes, but the API allows it) is left to the
                    // meta regex from there.
                    let mut searched_all = false;
                    while at <= region.end {
                        match dfa.try_search(&Input::new(text).span(at..region.end)) {
                            Ok(Some(m)) => {
                                self.report(rule, pattern, segment, m.range(), words, out);
                                at = if m.is_empty() {
                                    next_char(text, m.end())
                                } else {
                                    m.end()
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
                    .find_iter(Input::new(text).span(at..region.end))
                {
                    self.report(rule, pattern, segment, whole.range(), words, out);
                }
                continue;
            };
            // Captures only once something matched, so the no-match path stays
            // allocation-free; from there one captures search a value, each finding the next
            // match as `find_iter` would, without a second search for its groups.
            let Some(first) = pattern.regex.find(input) else {
                continue;
            };
            let mut caps = pattern.regex.create_captures();
            let mut at = first.start();
            while at <= region.end {
                pattern
                    .regex
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

    /// Decides whether a value the regex found is reported, and how sure we are. Decoder
    /// rules judge the values they read with it too.
    pub(super) fn judge(
        &self,
        rule: &CompiledRule,
        needs_context: bool,
        segment: &Segment,
        span: std::ops::Range<usize>,
        words: &mut SegmentWords,
    ) -> Option<Match> {
        let text = segment.text.as_str();
        let value = &text[span.clone()];
        if self.allow.iter().any(|re| re.is_match(value)) {
            return None;
        }
        // Every rule that reads a number (a digit rule, or one with `min_digits`: the phone
        // rules near "call"): a requirement id `R-63257-11740` holds no phone number.
        if (rule.spec.prefilter == crate::rule::Prefilter::Digits || rule.spec.min_digits.is_some())
            && inside_identifier(text.as_bytes(), span.clone())
        {
            return None;
        }
        let normalized = rule.normalization.canonical(value);
        if rule
            .ignore
            .as_ref()
            .is_some_and(|re| re.is_match(&normalized))
        {
            return None;
        }
        let mut suspect = rule
            .suspect
            .as_ref()
            .is_some_and(|re| re.is_match(&normalized));
        if let Some(validator) = rule.spec.validator {
            match validator.check(value) {
                Verdict::Invalid => return None,
                Verdict::Suspect => suspect = true,
                Verdict::Valid => {}
            }
        }
        if rule
            .min_entropy
            .is_some_and(|floor| !floor.admits(&normalized))
        {
            return None;
        }
        let ctx = &rule.spec.context;
        let (before, after) = score::window(text, span.start, span.end, ctx.window);
        // The segment's context (a column header) stands next to the value whatever the
        // window: a reader sees "SSN" over the cell as plainly as "SSN:" before it.
        let context = segment.context.as_deref();
        let nearby = words.near(
            &self.context_words,
            text,
            context,
            [&rule.raise, &rule.lower],
            before..span.start,
            span.end..after,
        );
        let in_code = || {
            rule.spec.min_digits.is_some()
                && !ctx.raise.is_empty()
                && crate::code_operand::stands_in_code(text.as_bytes(), span.clone())
        };
        if !nearby.raise && (ctx.required || needs_context || in_code()) {
            return None;
        }
        let mut confidence = rule.spec.confidence;
        if nearby.raise {
            confidence += ctx.raise_by;
        }
        if nearby.lower {
            confidence -= ctx.lower_by;
        }
        if suspect {
            confidence -= self.opts.suspect_penalty;
        }
        let filled_in = rule
            .spec
            .validator
            .map_or(value, |v| v.placeholder_part(value));
        if self.placeholders.in_value(filled_in) {
            confidence -= self.opts.placeholder_penalty;
        }
        // Rounded so that 0.7 - 0.2 is 0.5 and not 0.49999999999999994: thresholds in rule
        // files and options are decimal, and reported confidences should read as written.
        let confidence = ((confidence * 1000.0).round() / 1000.0).clamp(0.0, 1.0);
        if confidence < self.opts.min_confidence {
            return None;
        }
        Some(Match::found(
            Arc::clone(&rule.id),
            rule.spec.category,
            rule.spec.severity,
            confidence,
            rule.normalization,
            rule.order,
            segment,
            span,
        ))
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

/// Whether a number lies inside a longer identifier: joined by `-`, `.` or `/` to more
/// letters or digits on either side (`ACC-4539578763621486-77`, `orders/4539578763621486`,
/// `INV.123456789.2`). Sixteen digits cut out of an account reference are not a card, nor nine
/// of them an SSN; a number written with its own separators (`4539-5787-6362-1486`) is the
/// whole match, so nothing of it is outside.
fn inside_identifier(bytes: &[u8], span: std::ops::Range<usize>) -> bool {
    let joined = |sep: Option<&u8>, next: Option<&u8>| {
        matches!(sep, Some(b'-' | b'.' | b'/')) && next.is_some_and(u8::is_ascii_alphanumeric)
    };
    let before = span
        .start
        .checked_sub(1)
        .map(|i| (bytes.get(i), i.checked_sub(1)));
    let glued_before = before.is_some_and(|(sep, i)| joined(sep, i.and_then(|i| bytes.get(i))));
    let glued_after = joined(bytes.get(span.end), bytes.get(span.end + 1));
    glued_before || glued_after
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::Candidates;

    /// The candidate regions of `text` under `engine`, as the text they cover.
    fn regions<'t>(engine: &Engine, text: &'t str) -> Vec<&'t str> {
        let mut candidates = Candidates::default();
        engine.candidates.collect(text, None, &mut candidates, None);
        let mut found = Vec::new();
        candidates.drain_in_order(|r| found.push(&text[r.start..r.end]));
        found
    }

    #[test]
    fn a_digit_rule_that_needs_context_is_a_candidate_near_its_words_only() {
        let pack = RulePack::from_toml_str(
            "tfn.toml",
            r#"
[[rule]]
id = "tfn"
name = "Tax file number"
category = "pii"
severity = "high"
pattern = '(?-u:\b)[0-9]{3}\x20?[0-9]{3}\x20?[0-9]{3}(?-u:\b)'
prefilter = "digits"
min_digits = 9
confidence = 0.7
examples = ["TFN 123 456 782"]
negative_examples = ["order 123456782"]
[rule.context]
window = 16
raise = ["tfn"]
required = true
"#,
        )
        .unwrap();
        let engine = Engine::new(pack, EngineOptions::default()).unwrap();
        let text = "order=123456782 took=5ms; later on the form, TFN 123 456 782 was given";
        // The order number's run is as long as the TFN's, but no "tfn" stands near it. The
        // TFN's region reaches the 2 bytes its match may hold past its run of 9 digits.
        assert_eq!(regions(&engine, text), [" 123 456 782 "]);
        assert!(regions(&engine, "order=123456782 took=5ms").is_empty());
        let found = engine.find(&[Segment {
            text: "123 456 782".into(),
            offset: 0,
            line: 1,
            origin: Default::default(),
            context: Some("TFN".into()),
        }]);
        assert_eq!(found.len(), 1, "under a TFN column header");
    }

    #[test]
    fn a_keyword_of_digits_counts_where_a_number_starts() {
        let engine = Engine::builtin();
        let e164 = engine
            .rules
            .iter()
            .position(|r| r.spec.id == "phone-e164")
            .unwrap();
        let regions_of_e164 = |text: &str| {
            let mut candidates = Candidates::default();
            engine.candidates.collect(text, None, &mut candidates, None);
            let mut found = 0;
            candidates.drain_in_order(|r| found += usize::from(r.rule == e164));
            found
        };
        // `00` inside a digest or a larger number dials nowhere.
        assert_eq!(
            regions_of_e164("sha=9b3e2e981f1100764864d3db1e1 order 6983146493"),
            0
        );
        assert_eq!(regions_of_e164("took 1000ms, order 6983146493"), 0);
        assert_eq!(regions_of_e164("call 0049 30 12345678 today"), 1);
        let found = engine.find(&[Segment {
            text: "call 0049 30 12345678 today".into(),
            offset: 0,
            line: 1,
            origin: Default::default(),
            context: None,
        }]);
        assert!(
            found.iter().any(|m| &*m.rule_id == "phone-e164"),
            "{found:?}"
        );
    }

    #[test]
    fn rules_with_large_patterns_stay_out_of_groups() {
        let engine = Engine::builtin();
        let ids = |g: &RuleGroup| {
            g.members
                .iter()
                .map(|&m| engine.rules[m].spec.id.as_str())
                .collect::<Vec<_>>()
        };
        let digits = engine
            .groups
            .iter()
            .map(ids)
            .find(|ids| ids.contains(&"us-ssn"))
            .expect("a digit group");
        assert!(
            digits.contains(&"us-ssn") && digits.contains(&"uk-nino"),
            "{digits:?}"
        );
        // The IBAN's DFA is small, but searched with the other digit rules' together it
        // would make theirs ten times larger.
        assert!(
            !digits.contains(&"credit-card") && !digits.contains(&"iban"),
            "{digits:?}"
        );
        let phones = engine
            .groups
            .iter()
            .map(ids)
            .find(|ids| ids.contains(&"phone-de"))
            .expect("a group of national phone rules");
        assert_eq!(phones.len(), 18, "{phones:?}");
        let card = engine
            .rules
            .iter()
            .find(|r| r.spec.id == "credit-card")
            .unwrap();
        assert!(!card.small_enough_to_group(false));
        assert!(card.patterns[0].gate().is_some(), "its own DFAs are built");
    }
}
