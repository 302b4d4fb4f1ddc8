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
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::compiled::{CompiledRule, compile};
use super::context::{ContextWords, SegmentWords};
use super::decoders::Decoders;
use super::gate::{GROUP_DENSE_PATTERNS, GroupScratch, RuleGroup, Trigger};
use super::matches::{Match, finish_segment, gather_values, keep_best_per_span};
use super::pack::RulePack;
use super::parallel::map_ordered;
use super::prefilter::{CandidateIndex, RulePrefilter, Scratch};
use super::regions::{Reach, Region};
use super::rule::{RuleError, RuleProblem, RuleSpec};
use super::score;
use dlp_domain::Segment;

/// Bump when engine code changes what a rule set detects, so that the digest (and with it
/// every cached classification) changes too.
const ENGINE_REVISION: &str = "confluence-dlp classify engine r4 (decoder rules)";

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
                value_reach: r.value_reach(),
                run_reach: r.run_reach(),
                filing: filing[i],
                match_bytes: r.match_bytes,
                run_edges: r.run_edges,
                holds_a_digit: r.holds_a_digit,
            }),
            rules.len() + groups.len(),
            context_words.words(),
            &decoders.markers(),
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

    /// The searches of the rule groups, which a scan would otherwise build on first use, as
    /// work for another thread. A process about to scan runs it while it does something else
    /// (a local scan walks its paths meanwhile), so that its first files need not wait or go
    /// without: the digit rules' search takes about 0.15 s. Searches already built, by this
    /// engine or another of the same rules in the process, cost nothing.
    pub fn group_searches(&self) -> impl FnOnce() + Send + 'static {
        let work: Vec<_> = self
            .groups
            .iter()
            .map(|group| (Arc::clone(&group.gate), self.group_sources(group)))
            .collect();
        move || {
            for (gate, sources) in work {
                gate.get(|| sources);
            }
        }
    }

    /// Each member's pattern sources, in the order of the group's search.
    pub(crate) fn group_sources(&self, group: &RuleGroup) -> Vec<Vec<String>> {
        group
            .members
            .iter()
            .map(|&m| {
                self.rules[m]
                    .patterns
                    .iter()
                    .map(|p| p.source.clone())
                    .collect()
            })
            .collect()
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
        scratch.marked.clear();
        for (index, segment) in segments.iter().enumerate() {
            let first = out.len();
            // A segment that needed all its context words is usually followed by another:
            // this one's keyword pass finds them too.
            let dense = scratch.words.indexed();
            scratch.words.reset();
            self.candidates.collect(
                &segment.text,
                segment.context.as_deref(),
                &mut scratch.candidates,
                &mut scratch.words,
                dense,
            );
            scratch.marked.push(scratch.candidates.marked);
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
            let seen = Some(scratch.marked.as_slice());
            self.decoders.decode(self, segments, seen, &mut out, false);
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
            self.decoders.decode(self, segments, None, &mut out, true);
        }
        keep_best_per_span(&mut out, &mut order);
        self.keep_with_companions(&mut out);
        gather_values(segments, &mut out);
        out
    }
}

mod judge;
mod search;

#[cfg(test)]
mod tests;
