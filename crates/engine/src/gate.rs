//! Cheap searches that say whether a candidate region can hold a match at all, before the
//! regex that reports matches runs there. On regions of a few dozen bytes around a digit run
//! or a keyword, setting up a full regex search costs more than the scan, and most regions
//! hold nothing.
//!
//! - A small pattern gets dense DFAs of its own: no cache, no set-up. When its match is its
//!   value, they find the matches too (a forward DFA for ends, a reverse one for starts), and
//!   the meta regex never runs on a small region.
//! - Rules that are candidates in the same places (all digit rules; the national phone rules,
//!   which share their context words) form a group whose patterns are searched together once
//!   per region; only the members whose patterns matched there run. That search is a dense
//!   DFA too when the patterns together make one of moderate size: a lazy DFA costs several
//!   times more per byte, and in dense text (a table of card numbers and SSNs) the group's
//!   regions are most of the text. A rule whose patterns alone are large (the card number,
//!   with every brand's ranges and groupings) joins no group: with it, the digit rules'
//!   patterns together would make a DFA of tens of megabytes.
//! - Every search here is unanchored (a `Find` gate's reverse DFA, which the library builds
//!   anchored, aside), so the DFAs have no anchored start states: the digit rules' group search
//!   is 0.76 MB instead of 1.0 MB, and an engine builds in about 6% less time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use regex_automata::dfa::{self, Automaton, StartKind, dense};
use regex_automata::{Input, MatchError, MatchKind, PatternSet, hybrid};

use super::prebuilt::{self, Answer, Key};
use super::prefilter::HitsAt;
use super::regions::Filing;

/// Largest dense DFA built for one pattern, in bytes: the card number's forward and reverse
/// DFAs are about 330 KB each; most patterns' are a few KB.
pub(crate) const PATTERN_GATE_LIMIT: usize = 1 << 20;

/// Largest dense DFAs (forward and reverse together) of a rule's pattern that may join a
/// group's search of its patterns together.
pub const GROUP_MEMBER_LIMIT: usize = 256 * 1024;

/// Dense DFAs of one small pattern.
///
/// `Find` is several times the size of `Check`; there is one gate per rule, built once, so
/// boxing it would save no memory worth having and add a pointer chase to every search.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum PatternGate {
    /// Finds the pattern's matches: for patterns whose match is the value.
    Find(dfa::regex::Regex),
    /// Says whether a region holds a match: for patterns whose value is a capture group.
    Check(dense::DFA<Vec<u32>>),
}

impl PatternGate {
    /// The gate a table's answer holds (`Some(None)`: refused); `None` when the answer is
    /// damaged or of another kind.
    fn read(answer: &Answer, whole_match: bool) -> Option<Option<PatternGate>> {
        if let Answer::Flag(_) = answer {
            return Some(None);
        }
        let mut dfas = answer.dfas()?.into_iter();
        let gate = match (whole_match, dfas.next(), dfas.next(), dfas.next()) {
            (true, Some(forward), Some(reverse), None) => {
                PatternGate::Find(dfa::regex::Builder::new().build_from_dfas(forward, reverse))
            }
            (false, Some(check), None, None) => PatternGate::Check(check),
            _ => return None,
        };
        Some(Some(gate))
    }

    /// Bytes of heap the DFAs hold.
    pub fn memory_usage(&self) -> usize {
        match self {
            PatternGate::Find(re) => re.forward().memory_usage() + re.reverse().memory_usage(),
            PatternGate::Check(dfa) => dfa.memory_usage(),
        }
    }
}

/// A pattern's gate, `None` as soon as its DFAs pass what a group member may hold: deciding
/// the groups builds the DFAs of every rule that shares a trigger, and the large
/// ones (the card number, connection strings with every spelling of their keys) spent most of
/// an engine's start determinizing states only to be refused.
pub fn group_member_gate(source: &str, whole_match: bool) -> Option<PatternGate> {
    gate_within(source, whole_match, GROUP_MEMBER_LIMIT)
        .filter(|g| g.memory_usage() <= GROUP_MEMBER_LIMIT)
}

/// Largest dense DFA of one pattern, built as a group's search builds it (reporting every
/// pattern that matches, `MatchKind::All`), that may join a group searched with a dense DFA.
/// The states of patterns searched together multiply: the IBAN (every country's length and
/// grouping) is 150 KB so built, and with it the digit rules' search was a dense DFA of
/// 10 MB that took 1.3 s to build, so it fell back to a lazy DFA, several times slower on
/// every byte of dense text; without it, 1 MB in 0.1 s.
const DENSE_GROUP_MEMBER_LIMIT: usize = 128 * 1024;

/// Whether `source` may join a group whose patterns make a dense DFA together: its own
/// DFA, built as the group's is, stays within [`DENSE_GROUP_MEMBER_LIMIT`].
pub fn fits_dense_group(source: &str) -> bool {
    let key = Key::new("fits dense group", DENSE_GROUP_MEMBER_LIMIT, [source]);
    if let Some(Answer::Flag(fits)) = prebuilt::lookup(key) {
        return *fits;
    }
    let fits = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Unanchored)
                .dfa_size_limit(Some(DENSE_GROUP_MEMBER_LIMIT))
                .determinize_size_limit(Some(4 * DENSE_GROUP_MEMBER_LIMIT)),
        )
        .thompson(regex_automata::nfa::thompson::Config::new().shrink(true))
        .build(source)
        .is_ok_and(|dfa| dfa.memory_usage() <= DENSE_GROUP_MEMBER_LIMIT);
    prebuilt::built(key, || Answer::Flag(fits));
    fits
}

/// The dense DFAs of `source` (`Find` when `whole_match`), or `None` when they would pass
/// `limit` bytes or cannot be built (Unicode word boundaries).
pub(crate) fn gate_within(source: &str, whole_match: bool, limit: usize) -> Option<PatternGate> {
    let kind = if whole_match {
        "find gate"
    } else {
        "check gate"
    };
    let key = Key::new(kind, limit, [source]);
    if let Some(gate) = prebuilt::lookup(key).and_then(|a| PatternGate::read(a, whole_match)) {
        return gate;
    }
    let gate = build_gate(source, whole_match, limit);
    prebuilt::built(key, || match &gate {
        None => Answer::Flag(false),
        Some(PatternGate::Find(re)) => Answer::of_dfas([re.forward(), re.reverse()]),
        Some(PatternGate::Check(dfa)) => Answer::of_dfas([dfa]),
    });
    gate
}

fn build_gate(source: &str, whole_match: bool, limit: usize) -> Option<PatternGate> {
    let config = dense::Config::new()
        .start_kind(StartKind::Unanchored)
        .dfa_size_limit(Some(limit))
        .determinize_size_limit(Some(4 * limit));
    let thompson = regex_automata::nfa::thompson::Config::new().shrink(true);
    if whole_match {
        dfa::regex::Builder::new()
            .dense(config)
            .thompson(thompson)
            .build(source)
            .ok()
            .map(PatternGate::Find)
    } else {
        dense::Builder::new()
            .configure(config)
            .thompson(thompson)
            .build(source)
            .ok()
            .map(PatternGate::Check)
    }
}

/// Largest dense DFA built for a group's patterns together, in bytes. The digit rules but
/// the card number make about 2 MB.
const GROUP_GATE_LIMIT: usize = 4 << 20;

/// Most patterns a group's dense DFA is tried for. The national phone rules (two patterns
/// for each of 19 countries, digit groups of every length) determinize for seconds before
/// they pass the size limit; so many patterns go straight to the lazy DFA, which builds only
/// the states their regions (digits next to a telephone word) visit.
pub const GROUP_DENSE_PATTERNS: usize = 24;

/// The search of a group's patterns together, reporting each pattern that matches anywhere in
/// a region (`MatchKind::All`).
#[derive(Debug)]
pub enum GroupGate {
    Dense(dense::DFA<Vec<u32>>),
    /// When the patterns together make too large a dense DFA: a lazy one only builds the
    /// states a region visits.
    Lazy(hybrid::dfa::DFA),
}

impl GroupGate {
    /// The search of `members`' patterns, built once per process for each list of patterns:
    /// the digit rules' takes a few hundred milliseconds to build, and a process may build
    /// many engines of one rule pack (one per test, one per configuration reload).
    pub fn shared(members: Vec<Vec<String>>) -> Option<Arc<GroupGate>> {
        type Built = HashMap<Vec<Vec<String>>, Option<Arc<GroupGate>>>;
        static BUILT: OnceLock<Mutex<Built>> = OnceLock::new();
        // Held while building: another thread asking for the same search waits for it
        // rather than building it again.
        let mut built = BUILT
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        built
            .entry(members)
            .or_insert_with_key(|members| {
                let members: Vec<Vec<&str>> = members
                    .iter()
                    .map(|m| m.iter().map(String::as_str).collect())
                    .collect();
                GroupGate::new(&members).map(Arc::new)
            })
            .clone()
    }

    /// The search of `members`' patterns (each member's list, in pattern-id order).
    pub fn new(members: &[Vec<&str>]) -> Option<GroupGate> {
        let sources: Vec<&str> = members.iter().flatten().copied().collect();
        // Only a dense search is kept ahead: a lazy one builds its states as regions visit
        // them, and a group refused both has nothing to keep.
        let key = Key::new("group search", GROUP_GATE_LIMIT, sources.iter().copied());
        if let Some(answer) = prebuilt::lookup(key)
            && let Some(Ok(dfa)) = answer.dfas().map(<[_; 1]>::try_from)
        {
            let [dfa] = dfa;
            return Some(GroupGate::Dense(dfa));
        }
        let config = dense::Config::new()
            .match_kind(MatchKind::All)
            .start_kind(StartKind::Unanchored)
            .dfa_size_limit(Some(GROUP_GATE_LIMIT))
            .determinize_size_limit(Some(4 * GROUP_GATE_LIMIT));
        let thompson = regex_automata::nfa::thompson::Config::new().shrink(true);
        if sources.len() <= GROUP_DENSE_PATTERNS
            && let Ok(dfa) = dense::Builder::new()
                .configure(config)
                .thompson(thompson)
                .build_many(&sources)
        {
            prebuilt::built(key, || Answer::of_dfas([&dfa]));
            return Some(GroupGate::Dense(dfa));
        }
        let lazy = hybrid::dfa::DFA::builder()
            .configure(hybrid::dfa::Config::new().match_kind(MatchKind::All))
            .build_many(&sources)
            .ok()?;
        Some(GroupGate::Lazy(lazy))
    }

    /// Whether any of the patterns matches in `input`'s span; if so, `set` holds those that
    /// do. Most regions hold no match: a plain search that stops at the first
    /// one says so at a fraction of the cost per byte of the overlapping search, which must
    /// carry every pattern's matches along.
    pub fn which(
        &self,
        cache: &mut Option<hybrid::dfa::Cache>,
        input: &Input<'_>,
        set: &mut PatternSet,
    ) -> Result<bool, MatchError> {
        let earliest = input.clone().earliest(true);
        match self {
            GroupGate::Dense(dfa) => {
                if dfa.try_search_fwd(&earliest)?.is_none() {
                    return Ok(false);
                }
                which_dense(dfa, input, set)?;
            }
            GroupGate::Lazy(dfa) => {
                let cache = cache.get_or_insert_with(|| dfa.create_cache());
                if dfa.try_search_fwd(cache, &earliest)?.is_none() {
                    return Ok(false);
                }
                dfa.try_which_overlapping_matches(cache, input, set)?;
            }
        }
        Ok(true)
    }
}

/// Adds to `set` the patterns of `dfa` (`MatchKind::All`) that match somewhere in `input`'s
/// span, in one pass: the library's overlapping search returns at every match state and is
/// entered again for the next, which in dense text (a match every few bytes, a digit group's
/// region of SSNs and card numbers) costs more than the scan itself.
fn which_dense(
    dfa: &dense::DFA<Vec<u32>>,
    input: &Input<'_>,
    set: &mut PatternSet,
) -> Result<(), MatchError> {
    let note = |sid, set: &mut PatternSet| {
        for i in 0..dfa.match_len(sid) {
            let _ = set.insert(dfa.match_pattern(sid, i));
        }
    };
    let mut sid = dfa.start_state_forward(input)?;
    let haystack = input.haystack();
    for (at, &byte) in haystack[input.start()..input.end()].iter().enumerate() {
        sid = dfa.next_state(sid, byte);
        if dfa.is_special_state(sid) {
            if dfa.is_match_state(sid) {
                note(sid, set);
            } else if dfa.is_dead_state(sid) {
                return Ok(());
            } else if dfa.is_quit_state(sid) {
                return Err(MatchError::quit(byte, input.start() + at));
            }
        }
    }
    // Matches show one byte late: the byte after the span (or the end of the haystack) says
    // whether the last ones hold, as it does for `$` and `\b` there.
    sid = match haystack.get(input.end()) {
        Some(&b) => dfa.next_state(sid, b),
        None => dfa.next_eoi_state(sid),
    };
    if dfa.is_match_state(sid) {
        note(sid, set);
    }
    Ok(())
}

/// What makes a rule a candidate: rules with equal triggers are candidates in the same places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A run of digits (every digit rule, whatever its `min_digits`).
    Digits,
    /// Its prefilter words, sorted, each with which of its hits count.
    Words(Vec<(String, HitsAt)>),
}

/// What searching a group of rules' patterns together needs between calls; kept in the
/// caller's [`super::Scratch`].
#[derive(Debug)]
pub struct GroupScratch {
    /// Which of the group's patterns matched in a region.
    pub set: PatternSet,
    /// A lazy DFA's states, made on its first search.
    pub cache: Option<hybrid::dfa::Cache>,
}

impl GroupScratch {
    pub fn new(group: &RuleGroup) -> Self {
        GroupScratch {
            set: PatternSet::new(group.pattern_count),
            cache: None,
        }
    }
}

/// Rules that share their trigger, searched together first.
pub struct RuleGroup {
    /// Rule indexes, by rank (the digit rules by `min_digits`): a region where only short
    /// digit runs were seen names members at the start only. At most 64.
    pub members: Vec<usize>,
    /// Per member, the id of its first pattern in the group's search.
    pub first_pattern: Vec<usize>,
    pub pattern_count: usize,
    /// The search of all members' patterns. Built on first use, or ahead of it by
    /// [`crate::Engine::group_searches`]; shared with the thread that builds it.
    pub gate: Arc<GateCell>,
}

/// Where a group's search is kept once built. Whoever needs it first builds it; a thread that
/// finds it being built goes on without it, each named member searched alone (what a group
/// whose search cannot be built does, with the same matches), rather than wait: the digit
/// rules' search takes about 0.15 s to build, and a local scan's threads reached it within
/// milliseconds of each other, one building and the other waiting.
#[derive(Debug, Default)]
pub struct GateCell {
    built: OnceLock<Option<Arc<GroupGate>>>,
    claimed: AtomicBool,
}

impl GateCell {
    /// The search, built here from `sources` (each member's patterns) if nobody has started
    /// it; `None` while another thread builds it, or if it cannot be built.
    pub fn get(&self, sources: impl FnOnce() -> Vec<Vec<String>>) -> Option<&GroupGate> {
        if let Some(built) = self.built.get() {
            return built.as_deref();
        }
        if self.claimed.swap(true, Ordering::AcqRel) {
            return None;
        }
        self.built
            .get_or_init(|| GroupGate::shared(sources()))
            .as_deref()
    }
}

impl RuleGroup {
    /// Groups the rules with equal `triggers` (`None`: never grouped), each group ordered by
    /// `ranks` (then pack order), at most 64 to a group. Returns the groups and how each
    /// rule's regions are filed: under itself, or under the rule count + its group, naming
    /// itself.
    ///
    /// Each member keeps its own reach: a hit files one region per member under the group,
    /// and since they surround the same hit they merge into one, as wide as the farthest
    /// member that hit can start. Widening every member to the group's farthest instead would
    /// give each 9-digit order number the 130 bytes a card's track data can span, and merge
    /// the regions of a log's digit runs into one as large as the segment.
    pub fn form(
        triggers: &[Option<Trigger>],
        ranks: &[usize],
        pattern_counts: &[usize],
    ) -> (Vec<RuleGroup>, Vec<Filing>) {
        let count = triggers.len();
        let mut filing: Vec<Filing> = (0..count)
            .map(|target| Filing { target, members: 1 })
            .collect();
        let mut groups = Vec::new();
        let mut grouped = vec![false; count];
        for i in 0..count {
            let Some(trigger) = &triggers[i] else {
                continue;
            };
            if grouped[i] {
                continue;
            }
            let mut members: Vec<usize> = (i..count)
                .filter(|&j| !grouped[j] && triggers[j].as_ref() == Some(trigger))
                .collect();
            members.sort_by_key(|&m| ranks[m]);
            members.truncate(64);
            if members.len() < 2 {
                continue;
            }
            let mut first_pattern = Vec::with_capacity(members.len());
            let mut pattern_count = 0;
            for (n, &m) in members.iter().enumerate() {
                grouped[m] = true;
                filing[m] = Filing {
                    target: count + groups.len(),
                    members: 1 << n,
                };
                first_pattern.push(pattern_count);
                pattern_count += pattern_counts[m];
            }
            groups.push(RuleGroup {
                members,
                first_pattern,
                pattern_count,
                gate: Arc::default(),
            });
        }
        (groups, filing)
    }
}

#[cfg(test)]
mod tests;
