//! A rule's regex, compiled the first time a candidate region asks for it.
//!
//! Why: compiling the 434 rules' meta regexes was a third of building the engine (about
//! 1.9 G of its 6.2 G instructions), and most rules never get a region in a given scan (171
//! did on a tree of 24,000 source files). A one-shot `scan`, every test and every start of
//! the service paid for all of them.
//!
//! What compiling alone finds is an NFA past the size limit; the syntax is parsed when the
//! rule loads. So a pattern waits only when a bound on its NFAs, worked out from its syntax
//! and above what the compiler makes, stays under that limit: then its first use compiles
//! without a limit and cannot fail. A pattern the bound cannot clear compiles when the engine
//! is built, and a rule that is too large is still refused when its pack loads.

use std::sync::OnceLock;

use regex::{RegexSet, RegexSetBuilder};
use regex_automata::meta;
use regex_syntax::hir::{Capture, Class, Hir, HirKind};
use regex_syntax::utf8::Utf8Sequences;

/// The meta regex's default NFA size limit, in bytes. It stops patterns that would take
/// hundreds of megabytes (`\w{5000}`); a bound off by a small factor lets none of those by.
const NFA_SIZE_LIMIT: u64 = 10 << 20;
/// What an NFA takes before its first state.
const FIXED_BYTES: u64 = 4096;
/// Bytes counted for each unit of [`nfa_units`], a state or a transition: about twice the
/// most any pattern of the pack takes per unit compiled (15). A test checks the bound
/// against every pattern of the pack.
const BYTES_PER_UNIT: u64 = 32;

/// A meta regex compiled on first use, or when built if it may be too large.
pub(crate) struct LazyRegex {
    source: String,
    compiled: OnceLock<meta::Regex>,
}

impl LazyRegex {
    /// `hir` is `source` parsed. Errs only when the pattern is compiled now, and is too
    /// large: the compiler's message.
    pub(crate) fn new(source: &str, hir: &Hir) -> Result<LazyRegex, String> {
        let lazy = LazyRegex {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        };
        if !surely_within_limit(hir) {
            let _ = lazy
                .compiled
                .set(meta::Regex::new(source).map_err(|e| e.to_string())?);
        }
        Ok(lazy)
    }

    pub(crate) fn get(&self) -> &meta::Regex {
        self.compiled.get_or_init(|| {
            meta::Regex::builder()
                .configure(meta::Regex::config().nfa_size_limit(None))
                .build(&self.source)
                // Unreachable: the syntax parsed when the rule loaded, and without a size
                // limit nothing else refuses a pattern. Should it happen, the rule finds
                // nothing rather than stopping the scan.
                .unwrap_or_else(|_| meta::Regex::new_many::<&str>(&[]).expect("an empty set"))
        })
    }

    /// Whether it is compiled yet.
    #[cfg(test)]
    fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }
}

/// A rule's `ignore_values` or `suspect_values`, searched together, compiled the first time
/// a value is judged: most rules never report one in a scan.
pub(crate) struct LazyRegexSet {
    sources: Vec<String>,
    compiled: OnceLock<RegexSet>,
}

impl LazyRegexSet {
    /// As [`LazyRegex::new`], for patterns whose syntax has been checked.
    pub(crate) fn new(sources: &[String]) -> Result<LazyRegexSet, regex::Error> {
        let lazy = LazyRegexSet {
            sources: sources.to_vec(),
            compiled: OnceLock::new(),
        };
        let bound = sources
            .iter()
            .map(|source| regex_syntax::parse(source).map_or(u64::MAX, |hir| nfa_bound(&hir)))
            .fold(0, u64::saturating_add);
        if bound > NFA_SIZE_LIMIT {
            let _ = lazy.compiled.set(RegexSet::new(sources)?);
        }
        Ok(lazy)
    }

    pub(crate) fn get(&self) -> &RegexSet {
        self.compiled.get_or_init(|| {
            RegexSetBuilder::new(&self.sources)
                .size_limit(usize::MAX)
                .build()
                // Unreachable, as for `LazyRegex::get`: then the list matches nothing.
                .unwrap_or_else(|_| RegexSet::empty())
        })
    }
}

/// Whether the NFAs compiled from `hir` (forward and reverse) are sure to stay within the
/// size limit, by a bound that counts more than compiling makes.
fn surely_within_limit(hir: &Hir) -> bool {
    nfa_bound(hir) <= NFA_SIZE_LIMIT
}

fn nfa_bound(hir: &Hir) -> u64 {
    nfa_units(hir)
        .saturating_mul(BYTES_PER_UNIT)
        .saturating_add(FIXED_BYTES)
}

/// An upper bound on the NFA states a Thompson compiler makes of `hir`, counting a class's
/// ranges as states too. A bounded repetition is compiled as that many copies; an unbounded
/// one as its minimum plus one. A Unicode class is its ranges' UTF-8 byte sequences, each of
/// up to four bytes, before the compiler shares their common suffixes.
fn nfa_units(hir: &Hir) -> u64 {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 1,
        HirKind::Literal(literal) => literal.0.len() as u64 + 1,
        HirKind::Class(Class::Bytes(class)) => class.ranges().len() as u64 + 1,
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .map(|r| Utf8Sequences::new(r.start(), r.end()).count() as u64 * 4)
            .fold(1, u64::saturating_add),
        HirKind::Repetition(rep) => {
            let copies = u64::from(rep.max.unwrap_or(rep.min)) + 1;
            nfa_units(&rep.sub).saturating_mul(copies).saturating_add(2)
        }
        HirKind::Capture(capture) => nfa_units(&capture.sub).saturating_add(2),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs
            .iter()
            .map(nfa_units)
            .fold(subs.len() as u64 + 1, u64::saturating_add),
    }
}

/// The capture group named `name` in `hir`, if it has one.
fn capture<'h>(hir: &'h Hir, name: &str) -> Option<&'h Capture> {
    match hir.kind() {
        HirKind::Capture(capture) if capture.name.as_deref() == Some(name) => Some(capture),
        HirKind::Capture(capture) => self::capture(&capture.sub, name),
        HirKind::Repetition(rep) => self::capture(&rep.sub, name),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().find_map(|sub| self::capture(sub, name))
        }
        HirKind::Empty | HirKind::Look(_) | HirKind::Literal(_) | HirKind::Class(_) => None,
    }
}

/// The syntax of the capture group named `name` in `hir`, if it has one.
pub(crate) fn group<'h>(hir: &'h Hir, name: &str) -> Option<&'h Hir> {
    capture(hir, name).map(|capture| &*capture.sub)
}

/// The index of the capture group named `name`, as the meta regex numbers its groups (the
/// whole match is 0, then each group in the order its parenthesis opens).
pub(crate) fn group_index(hir: &Hir, name: &str) -> Option<usize> {
    capture(hir, name).map(|capture| capture.index as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Hir {
        regex_syntax::parse(source).unwrap()
    }

    #[test]
    fn group_numbers_agree_with_the_meta_regex() {
        for source in [
            r"(?P<value>\d+)",
            r"(a)(?:b)(?P<value>c)",
            r"(x(y))|(?P<value>z)",
            r"(?i:key)=(?P<value>[A-Z0-9]{20})(?:;|$)",
            r"(?:(a)|(b))+(?P<value>c)?",
            r"no groups",
        ] {
            let re = meta::Regex::new(source).unwrap();
            let expected = re
                .group_info()
                .to_index(regex_automata::PatternID::ZERO, "value");
            assert_eq!(group_index(&parse(source), "value"), expected, "{source}");
        }
    }

    #[test]
    fn small_patterns_wait_and_compile_on_first_use() {
        let source = r"(?-u:\b)(?P<value>AKIA[A-Z0-9]{16})(?-u:\b)";
        let lazy = LazyRegex::new(source, &parse(source)).unwrap();
        assert!(!lazy.is_compiled());
        assert!(lazy.get().is_match("id AKIAABCDEFGHIJKLMNOP here"));
        assert!(lazy.is_compiled());
    }

    #[test]
    fn value_lists_wait_unless_large() {
        let small = LazyRegexSet::new(&["(?i)^changeme$".into(), "^x+$".into()]).unwrap();
        assert!(small.compiled.get().is_none());
        assert!(small.get().is_match("CHANGEME"));
        let large = LazyRegexSet::new(&[r"\w{100}".into()]).unwrap();
        assert!(large.compiled.get().is_some());
        assert!(LazyRegexSet::new(&[r"\w{300}".into()]).is_err());
    }

    #[test]
    fn patterns_the_bound_cannot_clear_compile_at_once_and_too_large_ones_are_refused() {
        // Unicode word characters repeated: large, but within the limit.
        let large = r"\w{100}";
        assert!(!surely_within_limit(&parse(large)));
        let lazy = LazyRegex::new(large, &parse(large)).unwrap();
        assert!(lazy.is_compiled());
        // Past the limit: refused when built, as an eager compile would refuse it.
        let too_large = r"\w{300}";
        assert!(meta::Regex::new(too_large).is_err());
        assert!(LazyRegex::new(too_large, &parse(too_large)).is_err());
    }

    /// The bound counts more than the compiler makes, forward and reverse, for every
    /// pattern of the pack.
    #[test]
    fn the_bound_is_above_the_compiled_size_of_every_builtin_pattern() {
        use regex_automata::nfa::thompson::{self, NFA, WhichCaptures};
        let pack = crate::RulePack::builtin();
        let (mut waited, mut all) = (0, 0);
        for rule in pack.rules() {
            for source in std::iter::once(&rule.pattern).chain(&rule.contextual_pattern) {
                all += 1;
                let hir = parse(source);
                waited += usize::from(surely_within_limit(&hir));
                let forward = NFA::new(source).unwrap();
                let reverse = NFA::compiler()
                    .configure(
                        thompson::Config::new()
                            .reverse(true)
                            .which_captures(WhichCaptures::None),
                    )
                    .build(source)
                    .unwrap();
                let compiled = forward.memory_usage().max(reverse.memory_usage()) as u64;
                assert!(
                    compiled <= nfa_bound(&hir),
                    "{}: {compiled} bytes compiled, {} counted",
                    rule.id,
                    nfa_bound(&hir)
                );
            }
        }
        assert_eq!(
            waited, all,
            "every pattern of the pack waits for its first use"
        );
    }

    /// A rule too large to compile is still refused when the engine is built, naming the rule
    /// and the field, as when every regex compiled then.
    #[test]
    fn a_pattern_too_large_to_compile_is_refused_when_the_engine_is_built() {
        use crate::tests::TOKEN_RULE;
        use crate::{Engine, EngineOptions, RulePack};
        let engine = |toml: &str| {
            Engine::new(
                RulePack::from_toml_str("test.toml", toml).unwrap(),
                EngineOptions::default(),
            )
        };
        for (field, from, to) in [
            ("pattern", "[a-z0-9]{12}", r"\w{300}"),
            (
                "ignore_values",
                "negative_examples",
                "ignore_values = ['\\w{300}']\nnegative_examples",
            ),
        ] {
            let toml = TOKEN_RULE.replacen(from, to, 1);
            assert_ne!(toml, TOKEN_RULE);
            let msg = engine(&toml)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            let expected =
                format!("rule file test.toml, rule demo-token: {field} is not a valid regex");
            assert!(msg.starts_with(&expected), "{field}: {msg}");
        }
        // The same rule, small, builds and finds its token.
        let found =
            engine(TOKEN_RULE)
                .unwrap()
                .find(&[crate::tests::seg("key tok_a1b2c3d4e5f6", 0, 1)]);
        assert_eq!(found.len(), 1);
    }
}
