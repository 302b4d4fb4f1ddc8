//! Which rules of a target could hold a digit run, by the run's own bytes (its digits and the
//! separators between them) and the bytes before it, read off the rules' patterns.
//!
//! Why it exists: near "Contact" in a table of SSNs and card numbers, every run is a
//! candidate of the national phone rules, and each costs their group search over a hundred
//! bytes. But an SSN's groups of 3, 2 and 4 digits, a card's four groups of four and an NPI's
//! ten digits fit almost no country's layout. A match holds the whole of every run it holds
//! digits of (checked here from its patterns, or the rule gets no shape), so a run is a
//! candidate of a rule only if it is a whole run of some match of the rule's patterns: one
//! table walk over the run's bytes says which rules that could be.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

use super::digit_runs::RUN_SEPARATORS;

/// Largest DFA built of one rule's patterns; a rule past it gets no shape.
const RULE_DFA_LIMIT: usize = 1 << 20;
/// Most states of a target's table (the national phone rules' has about 4,900); a target
/// past it gets none.
const MOST_STATES: usize = 1 << 14;

/// The bytes a run is made of, as the table's symbols: the ten digits, then the separators.
const SYMBOLS: usize = 10 + RUN_SEPARATORS.len();

/// What the rules of one target allow a run to be.
#[derive(Debug)]
pub struct RunShapes {
    /// By state and symbol, the next state; state 0 is the dead state.
    next: Vec<u32>,
    /// By what stands before a run ([`context`]), the state its first byte is read from.
    start_of: Vec<u32>,
    /// By state, the rules (their member bits) that may hold a run ending there.
    holds: Vec<u64>,
    /// Rules whose patterns say nothing here: every run may be theirs.
    always: u64,
}

impl RunShapes {
    /// The shapes of `rules`, each its member bit and its patterns; `None` when no rule
    /// could be read.
    pub fn new(rules: &[(u64, Vec<&str>)]) -> Option<RunShapes> {
        let mut always = 0;
        let mut read = Vec::new();
        for (bit, patterns) in rules {
            match RuleRuns::new(patterns) {
                Some(runs) => read.push((*bit, runs)),
                None => always |= bit,
            }
        }
        if read.is_empty() {
            return None;
        }
        Self::table(&read, always)
    }

    /// [`RunShapes::new`], built once per process for each list of rules: a process builds
    /// many engines of one pack (a test each, a configuration reload).
    pub fn shared(rules: Vec<(u64, Vec<String>)>) -> Option<Arc<RunShapes>> {
        type Built = HashMap<Vec<(u64, Vec<String>)>, Option<Arc<RunShapes>>>;
        static BUILT: OnceLock<Mutex<Built>> = OnceLock::new();
        if rules.is_empty() {
            return None;
        }
        let mut built = BUILT
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        built
            .entry(rules)
            .or_insert_with_key(|rules| {
                let rules: Vec<(u64, Vec<&str>)> = rules
                    .iter()
                    .map(|(bit, p)| (*bit, p.iter().map(String::as_str).collect()))
                    .collect();
                RunShapes::new(&rules).map(Arc::new)
            })
            .clone()
    }

    /// The rules among the target's that may hold the run `start..end` of `text`.
    #[inline]
    pub fn admits(&self, text: &[u8], (start, end): (usize, usize)) -> u64 {
        let mut state = self.start_of[context(text, start)] as usize;
        for &b in &text[start..end] {
            let Some(symbol) = symbol(b) else {
                return self.always;
            };
            state = self.next[state * SYMBOLS + symbol] as usize;
            if state == 0 {
                return self.always;
            }
        }
        self.holds[state] | self.always
    }

    /// The subsets of the rules' DFA states a run's bytes lead to, as one table.
    fn table(rules: &[(u64, RuleRuns)], always: u64) -> Option<RunShapes> {
        type Subset = Vec<(u8, StateID)>;
        let mut ids: HashMap<Subset, u32> = HashMap::new();
        let mut subsets: Vec<Subset> = vec![Vec::new()];
        ids.insert(Vec::new(), 0);
        let mut intern = |subset: Subset, subsets: &mut Vec<Subset>| -> Option<u32> {
            if let Some(&id) = ids.get(&subset) {
                return Some(id);
            }
            if subsets.len() >= MOST_STATES {
                return None;
            }
            let id = subsets.len() as u32;
            ids.insert(subset.clone(), id);
            subsets.push(subset);
            Some(id)
        };
        let mut start_of = Vec::with_capacity(CONTEXTS);
        for ctx in 0..CONTEXTS {
            let mut subset: Subset = rules
                .iter()
                .enumerate()
                .flat_map(|(i, (_, r))| r.starts_for(ctx).into_iter().map(move |s| (i as u8, s)))
                .collect();
            subset.sort_unstable();
            subset.dedup();
            start_of.push(intern(subset, &mut subsets)?);
        }
        let mut next = Vec::new();
        let mut at = 0;
        while at < subsets.len() {
            for symbol in 0..SYMBOLS {
                let byte = byte_of(symbol);
                let mut to: Subset = subsets[at]
                    .iter()
                    .map(|&(i, s)| (i, rules[usize::from(i)].1.dfa.next_state(s, byte)))
                    .filter(|&(i, s)| !rules[usize::from(i)].1.dfa.is_dead_state(s))
                    .collect();
                to.sort_unstable();
                to.dedup();
                next.push(intern(to, &mut subsets)?);
            }
            at += 1;
        }
        let holds = subsets
            .iter()
            .map(|subset| {
                subset
                    .iter()
                    .filter(|&&(i, s)| rules[usize::from(i)].1.ends.contains(&s))
                    .fold(0, |bits, &(i, _)| bits | rules[usize::from(i)].0)
            })
            .collect();
        Some(RunShapes {
            next,
            start_of,
            holds,
            always,
        })
    }
}

/// What stands before a run, as an index: 0 the text's start; `1 + b` a byte `b` no run
/// holds; then a separator (by its index) after the text's start or a byte.
const CONTEXTS: usize = 1 + 256 + RUN_SEPARATORS.len() * 257;

#[inline]
fn context(text: &[u8], start: usize) -> usize {
    let Some(before) = start.checked_sub(1).map(|i| text[i]) else {
        return 0;
    };
    match RUN_SEPARATORS.iter().position(|&s| s == before) {
        None => 1 + usize::from(before),
        Some(sep) => {
            let earlier = start.checked_sub(2).map_or(0, |i| 1 + usize::from(text[i]));
            257 + sep * 257 + earlier
        }
    }
}

/// One rule's patterns as a DFA, with the states a whole run of a match may begin and end in.
struct RuleRuns {
    dfa: dense::DFA<Vec<u32>>,
    /// Every state a match reaches.
    reached: Vec<StateID>,
    /// States after a run from which the match can go on and end with the run whole.
    ends: HashSet<StateID>,
}

/// What the bytes read so far end with, for where a run may begin.
#[derive(Debug, Clone, Copy)]
enum Last {
    Nothing,
    Digit,
    /// A separator right after a digit: a digit next would go on with that run.
    SeparatorAfterDigit,
    Other,
}

impl RuleRuns {
    fn new(patterns: &[&str]) -> Option<RuleRuns> {
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Anchored)
                    .dfa_size_limit(Some(RULE_DFA_LIMIT))
                    .determinize_size_limit(Some(4 * RULE_DFA_LIMIT)),
            )
            .thompson(regex_automata::nfa::thompson::Config::new().shrink(true))
            .build_many(patterns)
            .ok()?;
        let start_after = |byte: Option<u8>| {
            dfa.start_state(
                &start::Config::new()
                    .anchored(Anchored::Yes)
                    .look_behind(byte),
            )
            .ok()
        };
        // Sound only if no match begins inside a run: after a digit (or a separator after
        // one), a match that begins with a digit, or with a separator and a digit, would.
        let after_digit = start_after(Some(b'7'))?;
        let takes_digit =
            |state: StateID| (b'0'..=b'9').any(|d| !dfa.is_dead_state(dfa.next_state(state, d)));
        for &sep in &RUN_SEPARATORS {
            if takes_digit(dfa.next_state(after_digit, sep)) || takes_digit(start_after(Some(sep))?)
            {
                return None;
            }
        }
        if takes_digit(after_digit) {
            return None;
        }
        // Every state a match reaches, from the start of the text or after a line, with what
        // its bytes end with.
        let mut kinds: HashMap<StateID, [bool; 4]> = HashMap::new();
        let mut queue = Vec::new();
        for state in [None, Some(b'\n'), Some(b'a'), Some(b'#')]
            .into_iter()
            .map(start_after)
            .collect::<Option<Vec<_>>>()?
        {
            if !std::mem::replace(
                &mut kinds.entry(state).or_default()[Last::Nothing as usize],
                true,
            ) {
                queue.push((state, Last::Nothing));
            }
        }
        let mut forward: HashMap<StateID, Vec<StateID>> = HashMap::new();
        while let Some((state, last)) = queue.pop() {
            let mut out = Vec::new();
            for byte in 0..=255u8 {
                let to = dfa.next_state(state, byte);
                if dfa.is_dead_state(to) || dfa.is_quit_state(to) {
                    continue;
                }
                out.push(to);
                let kind = match (byte.is_ascii_digit(), RUN_SEPARATORS.contains(&byte), last) {
                    (true, _, _) => Last::Digit,
                    (false, true, Last::Digit) => Last::SeparatorAfterDigit,
                    _ => Last::Other,
                };
                if !std::mem::replace(&mut kinds.entry(to).or_default()[kind as usize], true) {
                    queue.push((to, kind));
                }
            }
            // A state's edges are the same whatever its bytes ended with: kept once, each
            // target once (most of the 256 bytes lead to a few states).
            forward.entry(state).or_insert_with(|| {
                out.sort_unstable();
                out.dedup();
                out
            });
        }
        let has = |state: StateID, last: Last| kinds.get(&state).is_some_and(|k| k[last as usize]);
        // Nor if a match ends inside a run: reported at a digit after its last digit (or at a
        // separator, which a digit may follow), or at a digit after a separator after one.
        let matches_at = |state: StateID, byte: u8| dfa.is_match_state(dfa.next_state(state, byte));
        let ends_inside = kinds.keys().any(|&q| {
            (has(q, Last::Digit)
                && ((b'0'..=b'9').any(|d| matches_at(q, d))
                    || RUN_SEPARATORS.iter().any(|&s| matches_at(q, s))))
                || (has(q, Last::SeparatorAfterDigit) && (b'0'..=b'9').any(|d| matches_at(q, d)))
        });
        if ends_inside {
            return None;
        }
        let reached = kinds.keys().copied().collect();
        // States from which a match is still reported: a match state, or one at the end.
        let mut backward: HashMap<StateID, Vec<StateID>> = HashMap::new();
        for (&from, to) in &forward {
            for &t in to {
                backward.entry(t).or_default().push(from);
            }
        }
        let mut live: HashSet<StateID> = kinds
            .keys()
            .copied()
            .filter(|&s| dfa.is_match_state(s) || dfa.is_match_state(dfa.next_eoi_state(s)))
            .collect();
        let mut queue: Vec<StateID> = live.iter().copied().collect();
        while let Some(state) = queue.pop() {
            for &from in backward.get(&state).into_iter().flatten() {
                if live.insert(from) {
                    queue.push(from);
                }
            }
        }
        // A run read from a start may end where the match goes on with a byte no run
        // holds, or with a separator and such a byte, or ends (at the text's end too).
        let no_run_byte = |b: &u8| !b.is_ascii_digit() && !RUN_SEPARATORS.contains(b);
        let goes_on = |state: StateID| live.contains(&state) || dfa.is_match_state(state);
        let ends = kinds
            .keys()
            .copied()
            .filter(|&q| {
                dfa.is_match_state(dfa.next_eoi_state(q))
                    || (0..=255u8)
                        .filter(no_run_byte)
                        .any(|b| goes_on(dfa.next_state(q, b)))
                    || RUN_SEPARATORS.iter().any(|&s| {
                        let to = dfa.next_state(q, s);
                        dfa.is_match_state(dfa.next_eoi_state(to))
                            || (0..=255u8)
                                .filter(no_run_byte)
                                .any(|b| goes_on(dfa.next_state(to, b)))
                    })
            })
            .collect();
        Some(RuleRuns { dfa, reached, ends })
    }
}

impl RuleRuns {
    /// The states a run's first byte may be read from, given what stands before it (see
    /// [`context`]): the match began there, or holds those bytes.
    fn starts_for(&self, ctx: usize) -> Vec<StateID> {
        let start = |before: Option<u8>| {
            self.dfa
                .start_state(
                    &start::Config::new()
                        .anchored(Anchored::Yes)
                        .look_behind(before),
                )
                .ok()
        };
        let live = |s: &StateID| !self.dfa.is_dead_state(*s) && !self.dfa.is_quit_state(*s);
        let mut out: Vec<StateID> = Vec::new();
        match ctx {
            0 => out.extend(start(None)),
            1..=256 => {
                let b = (ctx - 1) as u8;
                out.extend(start(Some(b)));
                out.extend(self.reached.iter().map(|&q| self.dfa.next_state(q, b)));
            }
            _ => {
                let (sep, earlier) = ((ctx - 257) / 257, (ctx - 257) % 257);
                let s = RUN_SEPARATORS[sep];
                let c = earlier.checked_sub(1).map(|c| c as u8);
                out.extend(start(Some(s)));
                out.extend(start(c).map(|q| self.dfa.next_state(q, s)));
                if let Some(c) = c {
                    out.extend(
                        self.reached
                            .iter()
                            .map(|&q| self.dfa.next_state(self.dfa.next_state(q, c), s)),
                    );
                }
            }
        }
        out.retain(live);
        out
    }
}

fn symbol(b: u8) -> Option<usize> {
    if b.is_ascii_digit() {
        Some(usize::from(b - b'0'))
    } else {
        RUN_SEPARATORS.iter().position(|&s| s == b).map(|i| 10 + i)
    }
}

fn byte_of(symbol: usize) -> u8 {
    if symbol < 10 {
        b'0' + symbol as u8
    } else {
        RUN_SEPARATORS[symbol - 10]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RulePack;
    use crate::digit_runs::for_each_digit_run;

    /// The national phone rules of the built-in pack, each with its bit and its patterns.
    fn national_phone_rules(pack: &RulePack) -> Vec<(&crate::RuleSpec, u64, Vec<&str>)> {
        pack.rules()
            .iter()
            .filter(|r| r.id.starts_with("phone-") && r.id != "phone-us" && r.id != "phone-e164")
            .enumerate()
            .map(|(i, r)| {
                let mut patterns = vec![r.pattern.as_str()];
                patterns.extend(r.contextual_pattern.as_deref());
                (r, 1u64 << i, patterns)
            })
            .collect()
    }

    fn shapes_of(rules: &[(&crate::RuleSpec, u64, Vec<&str>)]) -> RunShapes {
        let list: Vec<_> = rules.iter().map(|(_, bit, p)| (*bit, p.clone())).collect();
        RunShapes::new(&list).expect("the phone rules have shapes")
    }

    /// The rules whose bits `mask` holds, by id.
    fn named<'a>(rules: &[(&'a crate::RuleSpec, u64, Vec<&str>)], mask: u64) -> Vec<&'a str> {
        rules
            .iter()
            .filter(|(_, bit, _)| mask & bit != 0)
            .map(|(r, _, _)| r.id.as_str())
            .collect()
    }

    #[test]
    fn a_run_no_national_layout_has_is_no_national_rules_and_a_number_is() {
        let pack = RulePack::builtin();
        let rules = national_phone_rules(&pack);
        let shapes = shapes_of(&rules);
        let after = |before: &str, run: &str| {
            let text = format!("{before}{run} and more");
            named(
                &rules,
                shapes.admits(text.as_bytes(), (before.len(), before.len() + run.len())),
            )
        };
        // An SSN's 3-2-4 groups that begin with 1, a card's four groups of four, an
        // address's dotted quad: no country writes a number so.
        for run in ["175-85-6645", "4457 1921 6105 6952", "10.89.235.121"] {
            assert_eq!(after("Contact: ", run), Vec::<&str>::new(), "{run}");
        }
        // German numbers, whole, and the part after an area code in parentheses, which a
        // bare 2340-5678 is not.
        assert!(after("Tel. ", "030 12345678").contains(&"phone-de"));
        assert!(after("Tel. (089) ", "2340-5678").contains(&"phone-de"));
        assert!(!after("Contact: ", "2340-5678").contains(&"phone-de"));
        assert!(after("Tel.: 030/", "8847 2210").contains(&"phone-de"));
        assert_eq!(
            after("portable ", "06 12 34 56 78"),
            ["phone-fr", "phone-se", "phone-nl"]
        );
        assert!(after("celular (11) ", "98456-5666").contains(&"phone-br"));
        // At the very start of the text, as after any byte.
        let text = "030 12345678 Tel";
        assert!(named(&rules, shapes.admits(text.as_bytes(), (0, 12))).contains(&"phone-de"));
    }

    /// Every run a rule's match holds digits of, in every example of every national phone
    /// rule, is one the rule's shapes admit: the table may only rule out runs no match holds.
    #[test]
    fn every_run_a_match_holds_is_admitted() {
        let pack = RulePack::builtin();
        let rules = national_phone_rules(&pack);
        let shapes = shapes_of(&rules);
        let mut checked = 0;
        for (rule, bit, patterns) in &rules {
            let regexes: Vec<_> = patterns
                .iter()
                .map(|p| regex::Regex::new(p).unwrap())
                .collect();
            for example in rule.examples.iter().chain(&rule.negative_examples) {
                for m in regexes.iter().flat_map(|re| re.find_iter(example)) {
                    for_each_digit_run(example, 1, |start, end, _| {
                        if start < m.end() && end > m.start() {
                            let mask = shapes.admits(example.as_bytes(), (start, end));
                            assert!(
                                mask & bit != 0,
                                "{}: {example:?} run {start}..{end}",
                                rule.id
                            );
                            checked += 1;
                        }
                    });
                }
            }
        }
        assert!(checked > 50, "{checked} runs");
    }
}
