//! What a pattern's syntax says about every one of its matches, worked out once when a rule
//! compiles, so that the prefilter and the engine can do less on every segment: whether the
//! match is the value, whether it always holds one of the rule's keywords, and which digit
//! separators it can hold. Each answer errs towards "no", which only costs speed.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};

use super::digit_runs::RUN_SEPARATORS;

/// Whether a pattern's `value` group is all of its match: `(?-u:\b)(?P<value>...)(?-u:\b)`,
/// the shape of most rules, where only zero-width assertions stand outside the group. Then
/// the match is the value, and finding it needs no capture search, which on dense text
/// costs as much as the search that found the match.
pub fn value_is_whole_match(hir: &Hir) -> bool {
    let is_value = |h: &Hir| matches!(h.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("value"));
    match hir.kind() {
        HirKind::Capture(_) => is_value(hir),
        HirKind::Concat(items) => {
            items.iter().filter(|h| is_value(h)).count() == 1
                && items.iter().all(|h| is_value(h) || matches!(h.kind(), HirKind::Look(_)))
        }
        _ => false,
    }
}

/// Whether every match of every pattern in `patterns` holds one of `keywords` (ASCII case
/// aside): each match begins with a literal prefix, and each of those prefixes holds a
/// keyword. Prefixes the extractor cannot list in full (too many, or a class where a prefix
/// goes on) answer no.
pub fn keywords_in_every_match(patterns: &[Hir], keywords: &[String]) -> bool {
    let keywords: Vec<Vec<u8>> = keywords.iter().map(|k| k.to_ascii_lowercase().into_bytes()).collect();
    if keywords.is_empty() || keywords.iter().any(Vec::is_empty) {
        return false;
    }
    patterns.iter().all(|hir| {
        let mut extractor = Extractor::new();
        extractor.kind(ExtractKind::Prefix).limit_total(4096).limit_class(16).limit_literal_len(64).limit_repeat(16);
        let prefixes = extractor.extract(&ascii_case_folded(hir));
        prefixes.literals().is_some_and(|literals| {
            !literals.is_empty()
                && literals.iter().all(|literal| {
                    let literal = literal.as_bytes().to_ascii_lowercase();
                    keywords.iter().any(|k| literal.windows(k.len()).any(|w| w == k.as_slice()))
                })
        })
    })
}

/// `hir` with every class that is exactly an ASCII letter in both cases written as the lower
/// case letter: keywords match ignoring ASCII case, and listing `(?i)policy number` in all
/// its 8192 spellings would exceed any sane limit. A class with more in it (`(?i)s` in Unicode
/// mode also holds `ſ`) stays a class, and then no prefix is listed through it.
fn ascii_case_folded(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Class(class) => ascii_letter(class).map_or_else(|| hir.clone(), |l| Hir::literal([l])),
        HirKind::Concat(items) => Hir::concat(items.iter().map(ascii_case_folded).collect()),
        HirKind::Alternation(items) => Hir::alternation(items.iter().map(ascii_case_folded).collect()),
        HirKind::Repetition(rep) => Hir::repetition(Repetition { sub: Box::new(ascii_case_folded(&rep.sub)), ..rep.clone() }),
        HirKind::Capture(cap) => Hir::capture(Capture { sub: Box::new(ascii_case_folded(&cap.sub)), ..cap.clone() }),
        _ => hir.clone(),
    }
}

/// The lower case letter a class is, when it is exactly one ASCII letter in both cases.
fn ascii_letter(class: &Class) -> Option<u8> {
    let ranges: Vec<(u32, u32)> = match class {
        Class::Unicode(c) => c.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end()))).collect(),
        Class::Bytes(c) => c.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end()))).collect(),
    };
    let [(upper, upper_end), (lower, lower_end)] = ranges[..] else { return None };
    let (upper, lower) = (u8::try_from(upper).ok()?, u8::try_from(lower).ok()?);
    let single = u32::from(upper) == upper_end && u32::from(lower) == lower_end;
    (single && upper.is_ascii_uppercase() && lower == upper.to_ascii_lowercase()).then_some(lower)
}

/// Which of [`RUN_SEPARATORS`] a match of a rule's `patterns` can hold (bit `i` for the
/// `i`th): those some pattern can match at all. Derived from the patterns, so a rule author
/// cannot get it wrong.
pub fn digit_separators(patterns: &[Hir]) -> u8 {
    let mut mask = 0;
    for hir in patterns {
        for (i, &b) in RUN_SEPARATORS.iter().enumerate() {
            if can_match_byte(hir, b) {
                mask |= 1 << i;
            }
        }
    }
    mask
}

/// Whether some match of `hir` can hold the ASCII byte `b`.
fn can_match_byte(hir: &Hir, b: u8) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.contains(&b),
        HirKind::Class(Class::Unicode(class)) => {
            class.ranges().iter().any(|r| (r.start()..=r.end()).contains(&char::from(b)))
        }
        HirKind::Class(Class::Bytes(class)) => class.ranges().iter().any(|r| (r.start()..=r.end()).contains(&b)),
        HirKind::Repetition(rep) => rep.max != Some(0) && can_match_byte(&rep.sub, b),
        HirKind::Capture(cap) => can_match_byte(&cap.sub, b),
        HirKind::Concat(items) | HirKind::Alternation(items) => items.iter().any(|h| can_match_byte(h, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::digit_runs::ALL_SEPARATORS;

    fn parsed<const N: usize>(patterns: [&str; N]) -> Vec<Hir> {
        patterns.iter().map(|p| regex_syntax::parse(p).unwrap()).collect()
    }

    fn separators_in<const N: usize>(patterns: [&str; N]) -> u8 {
        digit_separators(&parsed(patterns))
    }

    fn keywords_in_every_match<const N: usize>(patterns: [&str; N], keywords: &[String]) -> bool {
        super::keywords_in_every_match(&parsed(patterns), keywords)
    }

    #[test]
    fn a_rule_holds_only_the_separators_its_patterns_can_match() {
        let spec = |pattern: &str| separators_in([pattern]);
        assert_eq!(spec(r"[0-9]{3}-[0-9]{2}-[0-9]{4}"), 0b010);
        assert_eq!(spec(r"(?-u:\b)[0-9]{4}(?:[ -]?[0-9]{4}){3}"), 0b011);
        assert_eq!(spec(r"[0-9]{9}|\+[0-9 ]+"), 0b001);
        assert_eq!(spec(r"(?s:.){9}"), ALL_SEPARATORS);
        assert_eq!(spec(r"[^a-z]{9}"), ALL_SEPARATORS);
        assert_eq!(spec(r"(?x) [0-9]{3} \x20 [0-9]{2}"), 0b001, "free spacing: only the escaped space");
        assert_eq!(separators_in([r"[0-9]{9}", r"[0-9]{2}\.[0-9]{7}"]), 0b100, "either pattern's");
    }

    #[test]
    fn keywords_in_every_match_only_when_every_prefix_holds_one() {
        let kw = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(keywords_in_every_match([r"(?-u:\b)(?:AKIA|ASIA)[A-Z2-7]{16}"], &kw(&["akia", "asia"])));
        assert!(!keywords_in_every_match([r"(?-u:\b)(?:AKIA|ASIA)[A-Z2-7]{16}"], &kw(&["akia"])), "ASIA keys hold no keyword");
        assert!(keywords_in_every_match([r"(?i-u:policy\x20(?:id|number))[\x20:]*[0-9]{6}"], &kw(&["policy"])));
        assert!(
            !keywords_in_every_match([r"(?i:insurance\x20id)[0-9]{6}"], &kw(&["insurance"])),
            "Unicode (?i)s is [Ssſ]: 'ınsurance' spellings the keyword pass cannot see"
        );
        assert!(!keywords_in_every_match([r"[0-9]{9}"], &kw(&["ssn"])), "a context word, not part of the match");
        assert!(!keywords_in_every_match([r"[a-z]+@example\.com"], &kw(&["@"])), "inside, not a prefix: not listed");
        assert!(!keywords_in_every_match([r"ghp_[a-z]{36}", r"[0-9]{9}"], &kw(&["ghp_"])), "every pattern must");
        assert!(!keywords_in_every_match([r"(?:tok_)?[a-z]{12}"], &kw(&["tok_"])), "an optional prefix");
        assert!(!keywords_in_every_match([r"AKIA[A-Z]{16}"], &kw(&[])));
    }
}
