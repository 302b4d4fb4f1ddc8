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
//!   per region; only the members whose patterns matched there run.

use std::sync::OnceLock;

use regex_automata::dfa::{self, dense};
use regex_automata::{MatchKind, hybrid};

use super::prefilter::Filing;


/// Largest dense DFA built for one pattern, in bytes: a few of them per rule pack keep the
/// engine's memory and build time small.
const PATTERN_GATE_LIMIT: usize = 256 * 1024;

/// Dense DFAs of one small pattern.
#[derive(Debug)]
pub enum PatternGate {
    /// Finds the pattern's matches: for patterns whose match is the value.
    Find(dfa::regex::Regex),
    /// Says whether a region holds a match: for patterns whose value is a capture group.
    Check(dense::DFA<Vec<u32>>),
}

/// The dense DFAs of `source` (`Find` when `whole_match`), or `None` when they would be large
/// or cannot be built (Unicode word boundaries).
pub fn pattern_gate(source: &str, whole_match: bool) -> Option<PatternGate> {
    let config = dense::Config::new()
        .dfa_size_limit(Some(PATTERN_GATE_LIMIT))
        .determinize_size_limit(Some(4 * PATTERN_GATE_LIMIT));
    let thompson = regex_automata::nfa::thompson::Config::new().shrink(true);
    if whole_match {
        dfa::regex::Builder::new().dense(config).thompson(thompson).build(source).ok().map(PatternGate::Find)
    } else {
        dense::Builder::new().configure(config).thompson(thompson).build(source).ok().map(PatternGate::Check)
    }
}

/// One lazy DFA over every pattern of a group, reporting each pattern that matches anywhere
/// in a region (`MatchKind::All`). Lazy, because the patterns together are too many states to
/// build in full (the digit rules' would be megabytes), and a region only ever visits a few.
pub fn group_gate(sources: &[&str]) -> Option<hybrid::dfa::DFA> {
    hybrid::dfa::DFA::builder()
        .configure(hybrid::dfa::Config::new().match_kind(MatchKind::All))
        .build_many(sources)
        .ok()
}

/// What makes a rule a candidate: rules with equal triggers are candidates in the same places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A run of digits (every digit rule, whatever its `min_digits`).
    Digits,
    /// Its prefilter words, sorted, each with whether only word starts count.
    Words(Vec<(String, bool)>),
}

/// What searching a group of rules' patterns together needs between calls; kept in the
/// caller's [`super::Scratch`].
#[derive(Debug)]
pub struct GroupScratch {
    /// Which of the group's patterns matched in a region.
    pub set: regex_automata::PatternSet,
    /// The lazy DFAs' states, per gate, made on a gate's first search.
    pub caches: Vec<Option<hybrid::dfa::Cache>>,
}

impl GroupScratch {
    pub fn new(group: &RuleGroup) -> Self {
        GroupScratch {
            set: regex_automata::PatternSet::new(group.pattern_count),
            caches: group.gates.iter().map(|_| None).collect(),
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
    /// Per member `n`, the search of the first `n + 1` members' patterns, for a region whose
    /// last candidate is member `n`: a region where only short digit runs were seen is
    /// searched for the rules those can be, with an automaton a fraction of the size of all
    /// of them. Built on first use; `None` if it cannot be built (then each member is
    /// scanned as if ungrouped).
    pub gates: Vec<OnceLock<Option<hybrid::dfa::DFA>>>,
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
    pub fn form(triggers: &[Option<Trigger>], ranks: &[usize], pattern_counts: &[usize]) -> (Vec<RuleGroup>, Vec<Filing>) {
        let count = triggers.len();
        let mut filing: Vec<Filing> = (0..count).map(|target| Filing { target, members: 1 }).collect();
        let mut groups = Vec::new();
        let mut grouped = vec![false; count];
        for i in 0..count {
            let Some(trigger) = &triggers[i] else { continue };
            if grouped[i] {
                continue;
            }
            let mut members: Vec<usize> =
                (i..count).filter(|&j| !grouped[j] && triggers[j].as_ref() == Some(trigger)).collect();
            members.sort_by_key(|&m| ranks[m]);
            members.truncate(64);
            if members.len() < 2 {
                continue;
            }
            let mut first_pattern = Vec::with_capacity(members.len());
            let mut pattern_count = 0;
            for (n, &m) in members.iter().enumerate() {
                grouped[m] = true;
                filing[m] = Filing { target: count + groups.len(), members: 1 << n };
                first_pattern.push(pattern_count);
                pattern_count += pattern_counts[m];
            }
            let gates = members.iter().map(|_| OnceLock::new()).collect();
            groups.push(RuleGroup { members, first_pattern, pattern_count, gates });
        }
        (groups, filing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_with_one_trigger_form_a_group() {
        let words = |w: &str| Some(Trigger::Words(vec![(w.to_owned(), true)]));
        let triggers = [Some(Trigger::Digits), None, words("call"), Some(Trigger::Digits), words("x"), Some(Trigger::Digits)];
        let (groups, filing) = RuleGroup::form(&triggers, &[13, 0, 0, 9, 0, 13], &[1, 1, 2, 3, 1, 1]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].members, vec![3, 0, 5], "by rank, then pack order");
        assert_eq!(groups[0].first_pattern, vec![0, 3, 4]);
        assert_eq!(groups[0].pattern_count, 5);
        assert_eq!(groups[0].gates.len(), 3);
        let targets: Vec<(usize, u64)> = filing.iter().map(|f| (f.target, f.members)).collect();
        assert_eq!(targets, vec![(6, 2), (1, 1), (2, 1), (6, 1), (4, 1), (6, 4)]);
    }

    #[test]
    fn a_group_gate_reports_each_pattern_that_matches_in_a_span() {
        let dfa = group_gate(&["[0-9]{3}-[0-9]{2}", "(?-u:\\b)[0-9]{9}(?-u:\\b)", "zzz"]).unwrap();
        let mut cache = dfa.create_cache();
        let mut set = regex_automata::PatternSet::new(3);
        let text = "ssn 123-45-6789 or 123456789";
        dfa.try_which_overlapping_matches(&mut cache, &regex_automata::Input::new(text), &mut set).unwrap();
        let found: Vec<usize> = set.iter().map(|p| p.as_usize()).collect();
        assert_eq!(found, vec![0, 1]);
        set.clear();
        let span = regex_automata::Input::new(text).span(0..16);
        dfa.try_which_overlapping_matches(&mut cache, &span, &mut set).unwrap();
        assert_eq!(set.iter().map(|p| p.as_usize()).collect::<Vec<_>>(), vec![0], "only within the span");
    }
}
