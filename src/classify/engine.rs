//! The detection engine: a compiled rule pack that turns segments into matches.
//!
//! Per segment, one Aho-Corasick pass over every rule's keywords (and, if any rule asks for
//! it, one byte pass for digit runs) decides where each rule is a candidate: the bytes
//! around its hits that a match can reach. Only there do its regexes run, with the rest of
//! the segment still visible to `\b` and `^`. A segment's `context` (a table cell's column
//! header) takes part in the keyword pass and counts as near for context words, but values
//! are only ever taken from its text. Most segments of a wiki hold no secret, so the
//! no-match path is kept to those passes plus the regexes over candidate regions, with
//! reused buffers and no allocation (tested).

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex::Regex;
use regex_automata::dfa::{Automaton, dense};
use regex_automata::{Input, PatternID, PatternSet, meta};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::gate::{GroupScratch, RuleGroup, Trigger, group_gate, pattern_gate};
use super::pack::RulePack;
use super::prefilter::{CandidateIndex, Reach, Region, Scratch, case_insensitive_automaton, prefilter_words};
use super::rule::{Prefilter, RuleError, RuleProblem, RuleSpec};
use super::score::{self, PLACEHOLDER_MARKERS, WordSet};
use super::validate::{Normalization, Verdict};
use crate::domain::{Category, Segment, SegmentOrigin, Severity};

/// Bump when engine code changes what a rule set detects, so that the digest (and with it
/// every cached classification) changes too.
const ENGINE_REVISION: &str = "confluence-dlp classify engine r3 (candidate regions)";

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
    value: String,
    /// The rule's place in the pack: of two rules reporting the same span equally sure, the
    /// earlier one is kept, in whatever order their regions were scanned.
    order: usize,
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

struct CompiledPattern {
    /// The meta regex rather than `regex::Regex`: it searches a span of a haystack while
    /// looking outside it for `\b` and `^`, which is what searching a candidate region needs.
    regex: meta::Regex,
    /// The longest match in bytes, if there is one.
    max_len: Option<usize>,
    /// A fully built DFA of the pattern, when it is small (ASCII classes, bounded): it says
    /// whether a region holds a match without the meta regex's per-search set-up, which on
    /// regions of a few dozen bytes costs more than the scan. `None` for patterns a dense
    /// DFA cannot take (Unicode word boundaries) or that would make it large.
    /// Built on first use, so rules that never get a candidate region cost nothing.
    gate: OnceLock<Option<dense::DFA<Vec<u32>>>>,
    source: String,
    /// Index of the `value` capture group, if the pattern has one.
    value_group: Option<usize>,
    /// Only reported with a raise word nearby.
    needs_context: bool,
}

struct CompiledRule {
    spec: RuleSpec,
    /// Index in the engine's rule list.
    order: usize,
    patterns: Vec<CompiledPattern>,
    ignore: Vec<Regex>,
    suspect: Vec<Regex>,
    raise: WordSet,
    lower: WordSet,
    normalization: Normalization,
}

/// A compiled rule pack. Cheap to share (`Arc<Engine>`); `find` takes `&self`.
pub struct Engine {
    rules: Vec<CompiledRule>,
    /// Rules that share their prefilter (the digit rules; the national phone rules) are
    /// candidates in the same places: one search of their patterns together says which of
    /// them can match in a region, instead of one search per pattern.
    groups: Vec<RuleGroup>,
    candidates: CandidateIndex,
    placeholders: AhoCorasick,
    allow: Vec<Regex>,
    opts: EngineOptions,
    digest: String,
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
        let mut rules = Vec::with_capacity(specs.len());
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
            rules.push(compile(spec, rules.len())?);
        }
        let json = serde_json::to_vec(&opts).map_err(|e| option_error("options", e.to_string()))?;
        digest.update([0]);
        digest.update(&json);

        let (groups, target, reach) = {
            let keys: Vec<Option<Trigger>> = rules.iter().map(|r| r.trigger()).collect();
            let mut reach: Vec<Reach> = rules.iter().map(CompiledRule::reach).collect();
            let counts: Vec<usize> = rules.iter().map(|r| r.patterns.len()).collect();
            let (groups, target) = RuleGroup::form(&keys, &mut reach, &counts);
            (groups, target, reach)
        };
        let candidates = CandidateIndex::new(
            rules.iter().enumerate().map(|(i, r)| (&r.spec, reach[i], target[i])),
            rules.len() + groups.len(),
        );
        let markers: Vec<String> = PLACEHOLDER_MARKERS.iter().map(|s| s.to_string()).collect();
        let placeholders =
            case_insensitive_automaton(&markers).map_err(|e| automaton_error("placeholder", e))?;
        Ok(Engine {
            rules,
            groups,
            candidates,
            placeholders,
            allow,
            opts,
            digest: hex::encode(digest.finalize()),
        })
    }

    /// The builtin pack with default options.
    pub fn builtin() -> Self {
        Engine::new(RulePack::builtin(), EngineOptions::default())
            .expect("the builtin rule pack compiles (tested by builtin_engine_compiles)")
    }

    /// Ids of the rules this engine runs, in pack order.
    pub fn detector_ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.spec.id.as_str()).collect()
    }

    /// The rules this engine runs.
    pub fn rules(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| &r.spec)
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
        let mut out = Vec::new();
        for segment in segments {
            let first = out.len();
            self.candidates.collect(&segment.text, segment.context.as_deref(), &mut scratch.candidates);
            let groups = &mut scratch.groups;
            if groups.len() != self.groups.len() {
                *groups = self.groups.iter().map(|g| GroupScratch { set: PatternSet::new(g.pattern_count), cache: None }).collect();
            }
            scratch.candidates.drain_in_order(|region| self.scan_target(region, segment, groups, &mut out));
            number_lines(segment, &mut out[first..]);
        }
        keep_best_per_span(&mut out);
        out
    }

    /// Every rule's regexes over every whole segment, with no prefilter: slow, and the
    /// reference [`Engine::find`] must agree with. Tests and the benchmark compare the two,
    /// so a keyword list or reach that loses a match shows up as a difference.
    pub fn find_exhaustive(&self, segments: &[Segment]) -> Vec<Match> {
        let mut out = Vec::new();
        for segment in segments {
            let first = out.len();
            for rule in 0..self.rules.len() {
                let region = Region { rule, start: 0, end: segment.text.len() };
                self.scan_region(region, segment, None, &mut out);
            }
            number_lines(segment, &mut out[first..]);
        }
        keep_best_per_span(&mut out);
        out
    }

    /// Scans a region of a rule, or of a group: then only the members whose patterns the
    /// group's search saw match there, and only those patterns.
    fn scan_target(&self, region: Region, segment: &Segment, groups: &mut [GroupScratch], out: &mut Vec<Match>) {
        let Some(g) = region.rule.checked_sub(self.rules.len()) else {
            return self.scan_region(region, segment, None, out);
        };
        let group = &self.groups[g];
        let GroupScratch { set, cache } = &mut groups[g];
        set.clear();
        let input = Input::new(segment.text.as_str()).span(region.start..region.end);
        let gate = group.gate.get_or_init(|| {
            let sources: Vec<&str> =
                group.members.iter().flat_map(|&m| self.rules[m].patterns.iter().map(|p| p.source.as_str())).collect();
            group_gate(&sources)
        });
        let searched = gate.as_ref().is_some_and(|dfa| {
            let cache = cache.get_or_insert_with(|| dfa.create_cache());
            dfa.try_which_overlapping_matches(cache, &input, set).is_ok()
        });
        for (&rule, &first) in group.members.iter().zip(&group.first_pattern) {
            let region = Region { rule, ..region };
            if !searched {
                self.scan_region(region, segment, None, out);
            } else if (0..self.rules[rule].patterns.len()).any(|i| set.contains(PatternID::new_unchecked(first + i))) {
                self.scan_region(region, segment, Some((set, first)), out);
            }
        }
    }

    /// Runs a rule's patterns over a region; with `matched`, only the patterns a group search
    /// found there (by their id in the group's set, from the rule's first).
    fn scan_region(&self, region: Region, segment: &Segment, matched: Option<(&PatternSet, usize)>, out: &mut Vec<Match>) {
        let rule = &self.rules[region.rule];
        let text = segment.text.as_str();
        for (i, pattern) in rule.patterns.iter().enumerate() {
            let input = Input::new(text).span(region.start..region.end);
            match matched {
                Some((set, first)) => {
                    if !set.contains(PatternID::new_unchecked(first + i)) {
                        continue;
                    }
                }
                None => {
                    if let Some(gate) = pattern.gate.get_or_init(|| pattern_gate(&pattern.source))
                        && matches!(gate.try_search_fwd(&input), Ok(None))
                    {
                        continue;
                    }
                }
            }
            let Some(group) = pattern.value_group else {
                for whole in pattern.regex.find_iter(input) {
                    self.report(rule, pattern, segment, whole.range(), out);
                }
                continue;
            };
            // Captures only once something matched, so the no-match path stays
            // allocation-free; from there one captures search a value, each finding the next
            // match as `find_iter` would, without a second search for its groups.
            let Some(first) = pattern.regex.find(input) else { continue };
            let mut caps = pattern.regex.create_captures();
            let mut at = first.start();
            while at <= region.end {
                pattern.regex.search_captures(&Input::new(text).span(at..region.end), &mut caps);
                let Some(whole) = caps.get_match() else { break };
                if let Some(value) = caps.get_group(group) {
                    self.report(rule, pattern, segment, value.range(), out);
                }
                at = if whole.is_empty() { next_char(text, whole.end()) } else { whole.end() };
            }
        }
    }

    fn report(&self, rule: &CompiledRule, pattern: &CompiledPattern, segment: &Segment, span: std::ops::Range<usize>, out: &mut Vec<Match>) {
        if span.is_empty() {
            return;
        }
        if let Some(m) = self.judge(rule, pattern.needs_context, segment, span) {
            out.push(m);
        }
    }

    /// Decides whether a value the regex found is reported, and how sure we are.
    fn judge(
        &self,
        rule: &CompiledRule,
        needs_context: bool,
        segment: &Segment,
        span: std::ops::Range<usize>,
    ) -> Option<Match> {
        let text = segment.text.as_str();
        let value = &text[span.clone()];
        if self.allow.iter().any(|re| re.is_match(value)) {
            return None;
        }
        let normalized = rule.normalization.apply_borrowed(value);
        if rule.ignore.iter().any(|re| re.is_match(&normalized)) {
            return None;
        }
        let mut suspect = rule.suspect.iter().any(|re| re.is_match(&normalized));
        if let Some(validator) = rule.spec.validator {
            match validator.check(value) {
                Verdict::Invalid => return None,
                Verdict::Suspect => suspect = true,
                Verdict::Valid => {}
            }
        }
        if rule
            .spec
            .min_entropy
            .is_some_and(|min| score::shannon_entropy(&normalized) < min)
        {
            return None;
        }
        let ctx = &rule.spec.context;
        let (before, after) = score::window(text, span.start, span.end, ctx.window);
        // The segment's context (a column header) stands next to the value whatever the
        // window: a reader sees "SSN" over the cell as plainly as "SSN:" before it.
        let near = |words: &WordSet| {
            words.occurs_in(text, before..span.start)
                || words.occurs_in(text, span.end..after)
                || segment
                    .context
                    .as_deref()
                    .is_some_and(|context| words.occurs_in(context, 0..context.len()))
        };
        let raised = near(&rule.raise);
        if (ctx.required || needs_context) && !raised {
            return None;
        }
        let mut confidence = rule.spec.confidence;
        if raised {
            confidence += ctx.raise_by;
        }
        if near(&rule.lower) {
            confidence -= ctx.lower_by;
        }
        if suspect {
            confidence -= self.opts.suspect_penalty;
        }
        if self.placeholders.is_match(value) {
            confidence -= self.opts.placeholder_penalty;
        }
        // Rounded so that 0.7 - 0.2 is 0.5 and not 0.49999999999999994: thresholds in rule
        // files and options are decimal, and reported confidences should read as written.
        let confidence = ((confidence * 1000.0).round() / 1000.0).clamp(0.0, 1.0);
        if confidence < self.opts.min_confidence {
            return None;
        }
        Some(Match {
            rule_id: rule.spec.id.clone(),
            category: rule.spec.category,
            severity: rule.spec.severity,
            confidence,
            // Set by `number_lines` once the segment is done: counting newlines per match
            // would read the segment once for every value in it.
            line: segment.line,
            start: segment.offset + span.start,
            end: segment.offset + span.end,
            origin: segment.origin.clone(),
            normalization: rule.normalization,
            value: value.to_owned(),
            order: rule.order,
        })
    }
}

/// The byte position after the character at `at` (or past the end).
fn next_char(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at + 1, |c| at + c.len_utf8())
}

impl CompiledRule {
    /// What makes this rule a candidate, for grouping: rules with the same trigger are
    /// candidates in the same places. `None` for a rule without a prefilter.
    fn trigger(&self) -> Option<Trigger> {
        match self.spec.prefilter {
            Prefilter::Digits => Some(Trigger::Digits),
            Prefilter::Keywords if self.spec.keywords.is_empty() => None,
            Prefilter::Keywords => {
                let mut words = prefilter_words(&self.spec);
                words.sort();
                Some(Trigger::Words(words))
            }
        }
    }

    /// How far from a prefilter hit this rule's matches can lie. A keyword is part of the
    /// match (`AKIA`, `ghp_`) or a context word (`licence`), and then the match may start or
    /// end a context window away from it. A digit run is part of the match.
    fn reach(&self) -> Reach {
        let longest = self.patterns.iter().map(|p| p.max_len).try_fold(0, |acc, len| len.map(|l| acc.max(l)));
        match (longest, self.spec.prefilter) {
            (None, _) => Reach::Segment,
            (Some(longest), Prefilter::Keywords) => Reach::Near { longest, window: self.spec.context.window },
            (Some(longest), Prefilter::Digits) => Reach::Bytes(longest),
        }
    }
}

fn compile(spec: RuleSpec, order: usize) -> Result<CompiledRule, RuleError> {
    let pattern = |field, source: &str, needs_context| -> Result<CompiledPattern, RuleError> {
        // `RuleSpec::check` has compiled it with the `regex` crate already, so a bad pattern
        // is reported in the words rule authors know before this point.
        let bad = |message: String| RuleError::invalid(&spec, RuleProblem::BadRegex { field, message });
        let regex = meta::Regex::new(source).map_err(|e| bad(e.to_string()))?;
        let max_len = regex_syntax::parse(source).map_err(|e| bad(e.to_string()))?.properties().maximum_len();
        let value_group = regex.group_info().to_index(regex_automata::PatternID::ZERO, "value");
        Ok(CompiledPattern {
            regex,
            max_len,
            gate: OnceLock::new(),
            source: source.to_owned(),
            value_group,
            needs_context,
        })
    };
    let mut patterns = vec![pattern("pattern", &spec.pattern, false)?];
    if let Some(p) = &spec.contextual_pattern {
        patterns.push(pattern("contextual_pattern", p, true)?);
    }
    let regexes = |field, list: &[String]| {
        list.iter()
            .map(|p| spec.compile_regex(field, p))
            .collect::<Result<Vec<_>, _>>()
    };
    let words = |field: &'static str, list: &[String]| {
        WordSet::new(list)
            .map_err(|e| RuleError::invalid(&spec, RuleProblem::Shape(format!("{field}: {e}"))))
    };
    Ok(CompiledRule {
        order,
        ignore: regexes("ignore_values", &spec.ignore_values)?,
        suspect: regexes("suspect_values", &spec.suspect_values)?,
        raise: words("context.raise", &spec.context.raise)?,
        lower: words("context.lower", &spec.context.lower)?,
        normalization: spec.normalization(),
        patterns,
        spec,
    })
}

/// Sets each match's line from its position in `segment`, in one pass over the text, after
/// putting the matches in text order.
fn number_lines(segment: &Segment, matches: &mut [Match]) {
    matches.sort_by_key(|m| m.start);
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
fn keep_best_per_span(matches: &mut Vec<Match>) {
    if matches.len() < 2 {
        return;
    }
    // Enclosing spans first: by start, then longest, then surest; the sort is stable, so
    // equal spans and confidences stay in pack order.
    matches.sort_by(|a, b| {
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
