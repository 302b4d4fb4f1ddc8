//! What a pattern's syntax says about every one of its matches, worked out once when a rule
//! compiles, so that the prefilter and the engine can do less on every segment: whether the
//! match is the value, whether it always holds one of the rule's keywords, and which bytes it
//! can hold (the digit separators it can hold are `run_separators`'). Each answer errs towards
//! "no", which only costs speed.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Capture, Class, Hir, HirKind, Look, Repetition};
use regex_syntax::is_word_byte;

/// Whether a pattern's `value` group is all of its match: `(?-u:\b)(?P<value>...)(?-u:\b)`,
/// the shape of most rules, where only zero-width assertions stand outside the group. Then
/// the match is the value, and finding it needs no capture search, which on dense text
/// costs as much as the search that found the match.
pub fn value_is_whole_match(hir: &Hir) -> bool {
    let is_value =
        |h: &Hir| matches!(h.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("value"));
    match hir.kind() {
        HirKind::Capture(_) => is_value(hir),
        HirKind::Concat(items) => {
            items.iter().filter(|h| is_value(h)).count() == 1
                && items
                    .iter()
                    .all(|h| is_value(h) || matches!(h.kind(), HirKind::Look(_)))
        }
        _ => false,
    }
}

/// Where a rule's keywords stand in its matches (ASCII case aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordsInMatches {
    /// Some match may hold none: a keyword may be a label near the value, or a context word.
    NotEvery,
    /// Every match holds one.
    Every,
    /// Every match begins with one, so it lies after the keyword's hit. `at_boundary`: and
    /// every pattern begins with a word boundary and every such keyword with an ASCII word
    /// byte, so a hit right after another ASCII word byte (`cid` in "incident") begins none.
    EveryFirst { at_boundary: bool },
}

/// Where `keywords` stand in every match of every pattern in `patterns`: each match begins
/// with a literal prefix, and each of those prefixes holds (or begins with) a keyword, or
/// every match holds a literal that holds one. Prefixes the extractor cannot list in full (too
/// many, or a class where a prefix goes on) say nothing.
pub fn keywords_in_matches(patterns: &[Hir], keywords: &[String]) -> KeywordsInMatches {
    let keywords: Vec<Vec<u8>> = keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .collect();
    if patterns.is_empty() || keywords.is_empty() || keywords.iter().any(Vec::is_empty) {
        return KeywordsInMatches::NotEvery;
    }
    let holds_keyword = |literal: &[u8]| {
        let literal = literal.to_ascii_lowercase();
        keywords
            .iter()
            .any(|k| literal.windows(k.len()).any(|w| w == k.as_slice()))
    };
    let (mut first, mut at_boundary) = (true, true);
    let prefixes_hold_one = patterns.iter().all(|hir| {
        let mut extractor = Extractor::new();
        extractor
            .kind(ExtractKind::Prefix)
            .limit_total(4096)
            .limit_class(16)
            .limit_literal_len(64)
            .limit_repeat(16);
        let prefixes = extractor.extract(&ascii_case_folded(hir));
        let Some(literals) = prefixes.literals().filter(|l| !l.is_empty()) else {
            return false;
        };
        for literal in literals {
            let literal = literal.as_bytes().to_ascii_lowercase();
            if !holds_keyword(&literal) {
                return false;
            }
            let leading: Vec<&Vec<u8>> =
                keywords.iter().filter(|k| literal.starts_with(k)).collect();
            first &= !leading.is_empty();
            at_boundary &= leading.iter().all(|k| is_word_byte(k[0]));
        }
        at_boundary &= begins_at_word_boundary(hir);
        true
    });
    // When the prefixes say nothing, a literal that every match holds somewhere (the `@` of
    // an e-mail address) will do.
    let required = || {
        patterns.iter().all(|hir| {
            let mut literals = Vec::new();
            required_literals(hir, &mut literals);
            literals.iter().any(|l| holds_keyword(l))
        })
    };
    match (prefixes_hold_one, first) {
        (true, true) => KeywordsInMatches::EveryFirst { at_boundary },
        (true, false) => KeywordsInMatches::Every,
        (false, _) if required() => KeywordsInMatches::Every,
        (false, _) => KeywordsInMatches::NotEvery,
    }
}

/// Literals that every match of `hir` holds, as written (case matters).
fn required_literals(hir: &Hir, out: &mut Vec<Vec<u8>>) {
    match hir.kind() {
        HirKind::Literal(literal) => out.push(literal.0.to_vec()),
        HirKind::Capture(cap) => required_literals(&cap.sub, out),
        HirKind::Concat(items) => items.iter().for_each(|h| required_literals(h, out)),
        HirKind::Repetition(rep) if rep.min > 0 => required_literals(&rep.sub, out),
        _ => {}
    }
}

/// The bytes a match can hold, as a set: bit `b % 64` of word `b / 64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchBytes([u64; 4]);

impl MatchBytes {
    /// No byte.
    pub(crate) const NONE: MatchBytes = MatchBytes([0; 4]);

    /// The bytes some match of some pattern can hold; `None` when that is every byte.
    /// Look-arounds hold none: they read the bytes next to a match, not in it.
    pub fn of(patterns: &[Hir]) -> Option<MatchBytes> {
        let mut set = MatchBytes([0; 4]);
        patterns.iter().for_each(|h| set.add(h));
        (set.0 != [!0; 4]).then_some(set)
    }

    /// The bytes of either set.
    pub fn union(&self, other: &MatchBytes) -> MatchBytes {
        MatchBytes(std::array::from_fn(|i| self.0[i] | other.0[i]))
    }

    /// How many bytes the set holds.
    fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    fn holds_a_digit(&self) -> bool {
        (b'0'..=b'9').any(|d| self.contains(d))
    }

    pub(crate) fn holds_any(&self, bytes: &[u8]) -> bool {
        bytes.iter().any(|&b| self.contains(b))
    }

    /// The bytes matches of `hir` can hold, every byte included.
    pub(crate) fn of_hir(hir: &Hir) -> MatchBytes {
        let mut set = MatchBytes::NONE;
        set.add(hir);
        set
    }

    /// The set of one byte.
    pub(crate) fn of_byte(b: u8) -> MatchBytes {
        let mut set = MatchBytes([0; 4]);
        set.insert_range(u32::from(b), u32::from(b));
        set
    }

    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b / 64)] & (1 << (b % 64)) != 0
    }

    fn insert_range(&mut self, lo: u32, hi: u32) {
        // Code points past ASCII are bytes 0x80..=0xFF in UTF-8, whichever they are.
        let (lo, hi) = (lo.min(0x80), if hi >= 0x80 { 0xFF } else { hi });
        for b in lo..=hi {
            self.0[(b / 64) as usize] |= 1 << (b % 64);
        }
    }

    fn add(&mut self, hir: &Hir) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(literal) => literal
                .0
                .iter()
                .for_each(|&b| self.insert_range(u32::from(b), u32::from(b))),
            HirKind::Class(Class::Unicode(class)) => class
                .ranges()
                .iter()
                .for_each(|r| self.insert_range(u32::from(r.start()), u32::from(r.end()))),
            HirKind::Class(Class::Bytes(class)) => class
                .ranges()
                .iter()
                .for_each(|r| self.insert_range(u32::from(r.start()), u32::from(r.end()))),
            HirKind::Repetition(rep) if rep.max == Some(0) => {}
            HirKind::Repetition(rep) => self.add(&rep.sub),
            HirKind::Capture(cap) => self.add(&cap.sub),
            HirKind::Concat(items) | HirKind::Alternation(items) => {
                items.iter().for_each(|h| self.add(h))
            }
        }
    }
}

/// A set of bytes every match of `hir` holds one of, with no digit in it: the letters of an
/// IBAN's country code, the `%B` of track data. A digit rule's region is a run of digits and
/// what its matches can hold around it; a region without such a byte holds no match, which
/// takes one look at its bytes to say, where searching it costs a DFA's set-up. The
/// smallest such set, or `None` when every match could be digits and separators.
pub fn required_non_digit(hir: &Hir) -> Option<MatchBytes> {
    required(hir)
        .into_iter()
        .min_by_key(rank)
        .filter(|set| !set.holds_a_digit())
}

/// Whether every match of `hir` holds a digit: then a region without one holds no match.
pub fn every_match_holds_a_digit(hir: &Hir) -> bool {
    required(hir)
        .iter()
        .any(|set| set.len() > 0 && (0..=255u8).all(|b| !set.contains(b) || b.is_ascii_digit()))
}

/// Which of two sets a match must hold a byte of says more: one with no digit, then the
/// smaller.
fn rank(set: &MatchBytes) -> (bool, u32) {
    (set.holds_a_digit(), set.len())
}

/// Sets of bytes such that every match of `hir` holds a byte of each.
fn required(hir: &Hir) -> Vec<MatchBytes> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Vec::new(),
        HirKind::Literal(literal) => literal.0.iter().map(|&b| MatchBytes::of_byte(b)).collect(),
        HirKind::Class(_) => {
            let mut set = MatchBytes([0; 4]);
            set.add(hir);
            vec![set]
        }
        HirKind::Repetition(rep) if rep.min == 0 => Vec::new(),
        HirKind::Repetition(rep) => required(&rep.sub),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Concat(items) => items.iter().flat_map(required).collect(),
        // Each branch's own smallest set, together: a match holds a byte of the branch it took.
        HirKind::Alternation(items) => {
            let mut union = MatchBytes([0; 4]);
            for item in items {
                match required(item).into_iter().min_by_key(rank) {
                    Some(set) => union = union.union(&set),
                    None => return Vec::new(),
                }
            }
            vec![union]
        }
    }
}

/// Whether every match of `hir` begins where a word boundary holds (`(?-u:\b)`, `\b`, `\<`).
/// Before an ASCII word byte, each says the byte before is none.
fn begins_at_word_boundary(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(look) => matches!(
            look,
            Look::WordAscii
                | Look::WordUnicode
                | Look::WordStartAscii
                | Look::WordStartUnicode
                | Look::WordStartHalfAscii
                | Look::WordStartHalfUnicode
        ),
        HirKind::Concat(items) => items.first().is_some_and(begins_at_word_boundary),
        HirKind::Capture(cap) => begins_at_word_boundary(&cap.sub),
        _ => false,
    }
}

/// `hir` with every class that is exactly an ASCII letter in both cases written as the lower
/// case letter: keywords match ignoring ASCII case, and listing `(?i)policy number` in all
/// its 8192 spellings would exceed any sane limit. A class with more in it (`(?i)s` in Unicode
/// mode also holds `ſ`) stays a class, and then no prefix is listed through it.
fn ascii_case_folded(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Class(class) => {
            ascii_letter(class).map_or_else(|| hir.clone(), |l| Hir::literal([l]))
        }
        HirKind::Concat(items) => Hir::concat(items.iter().map(ascii_case_folded).collect()),
        HirKind::Alternation(items) => {
            Hir::alternation(items.iter().map(ascii_case_folded).collect())
        }
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            sub: Box::new(ascii_case_folded(&rep.sub)),
            ..rep.clone()
        }),
        HirKind::Capture(cap) => Hir::capture(Capture {
            sub: Box::new(ascii_case_folded(&cap.sub)),
            ..cap.clone()
        }),
        _ => hir.clone(),
    }
}

/// The lower case letter a class is, when it is exactly one ASCII letter in both cases.
fn ascii_letter(class: &Class) -> Option<u8> {
    let ranges: Vec<(u32, u32)> = match class {
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    let [(upper, upper_end), (lower, lower_end)] = ranges[..] else {
        return None;
    };
    let (upper, lower) = (u8::try_from(upper).ok()?, u8::try_from(lower).ok()?);
    let single = u32::from(upper) == upper_end && u32::from(lower) == lower_end;
    (single && upper.is_ascii_uppercase() && lower == upper.to_ascii_lowercase()).then_some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed<const N: usize>(patterns: [&str; N]) -> Vec<Hir> {
        patterns
            .iter()
            .map(|p| regex_syntax::parse(p).unwrap())
            .collect()
    }

    fn keywords_in_every_match<const N: usize>(patterns: [&str; N], keywords: &[String]) -> bool {
        keywords_in_matches(&parsed(patterns), keywords) != KeywordsInMatches::NotEvery
    }

    #[test]
    fn keywords_in_every_match_only_when_every_prefix_holds_one() {
        let kw = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(keywords_in_every_match(
            [r"(?-u:\b)(?:AKIA|ASIA)[A-Z2-7]{16}"],
            &kw(&["akia", "asia"])
        ));
        assert!(
            !keywords_in_every_match([r"(?-u:\b)(?:AKIA|ASIA)[A-Z2-7]{16}"], &kw(&["akia"])),
            "ASIA keys hold no keyword"
        );
        assert!(keywords_in_every_match(
            [r"(?i-u:policy\x20(?:id|number))[\x20:]*[0-9]{6}"],
            &kw(&["policy"])
        ));
        assert!(
            !keywords_in_every_match([r"(?i:insurance\x20id)[0-9]{6}"], &kw(&["insurance"])),
            "Unicode (?i)s is [Ssſ]: 'ınsurance' spellings the keyword pass cannot see"
        );
        assert!(
            !keywords_in_every_match([r"[0-9]{9}"], &kw(&["ssn"])),
            "a context word, not part of the match"
        );
        assert!(
            keywords_in_every_match([r"[a-z]+@example\.com"], &kw(&["@"])),
            "inside: a literal every match holds"
        );
        assert!(
            !keywords_in_every_match([r"[a-z]+(?:@|%40)example\.com"], &kw(&["@"])),
            "one of two literals"
        );
        assert!(
            !keywords_in_every_match([r"[a-z]+(?:@x)?\.com"], &kw(&["@"])),
            "an optional literal"
        );
        assert!(
            !keywords_in_every_match([r"ghp_[a-z]{36}", r"[0-9]{9}"], &kw(&["ghp_"])),
            "every pattern must"
        );
        assert!(
            !keywords_in_every_match([r"(?:tok_)?[a-z]{12}"], &kw(&["tok_"])),
            "an optional prefix"
        );
        assert!(!keywords_in_every_match([r"AKIA[A-Z]{16}"], &kw(&[])));
    }

    #[test]
    fn the_bytes_a_match_can_hold() {
        let bytes = |p: &str| MatchBytes::of(&parsed([p]));
        let email = bytes(r"(?-u:\b)[A-Za-z0-9._%+-]+@[a-z0-9.-]+(?-u:\b)").unwrap();
        assert!(email.contains(b'@') && email.contains(b'.') && email.contains(b'Z'));
        assert!(
            !email.contains(b' ')
                && !email.contains(b'\n')
                && !email.contains(b'<')
                && !email.contains(0xC3)
        );
        let accented = bytes(r"[a-zé]+").unwrap();
        assert!(
            accented.contains(0xC3) && accented.contains(0xA9) && !accented.contains(b'A'),
            "é is bytes past ASCII"
        );
        assert_eq!(bytes(r"(?s:.)+"), None, "every byte");
        assert_eq!(
            bytes(r"[0-9]{3}(?:x){0}"),
            MatchBytes::of(&parsed([r"[0-9]{3}"])),
            "a repetition of none holds nothing"
        );
    }

    #[test]
    fn keywords_that_begin_every_match_and_where() {
        let kw = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let place = |patterns: &[&str], keywords: &[&str]| {
            let parsed: Vec<Hir> = patterns
                .iter()
                .map(|p| regex_syntax::parse(p).unwrap())
                .collect();
            keywords_in_matches(&parsed, &kw(keywords))
        };
        let first = |at_boundary| KeywordsInMatches::EveryFirst { at_boundary };
        assert_eq!(
            place(&[r"(?-u:\b)(?:AKIA|ASIA)[A-Z2-7]{16}"], &["akia", "asia"]),
            first(true)
        );
        assert_eq!(
            place(
                &[r"(?-u:\b)(?P<value>(?i-u:cvv|cid)[ :]{0,4}[0-9]{3})"],
                &["cvv", "cid"]
            ),
            first(true)
        );
        assert_eq!(
            place(&[r"(?:AKIA|ASIA)[A-Z2-7]{16}"], &["akia", "asia"]),
            first(false),
            "no boundary"
        );
        assert_eq!(
            place(
                &[r"\b(?:AKIA|ASIA)[A-Z2-7]{16}", r"AKIA[0-9]"],
                &["akia", "asia"]
            ),
            first(false),
            "every pattern"
        );
        assert_eq!(
            place(&[r"(?-u:\b)(?:@token|ghp_)[a-z]{9}"], &["@token", "ghp_"]),
            first(false),
            "@ is no word byte"
        );
        assert_eq!(
            place(&[r"(?-u:\b)api_token=[a-z]{9}"], &["token"]),
            KeywordsInMatches::Every,
            "inside the prefix"
        );
        assert_eq!(
            place(
                &[r"(?-u:\b)(?:xoxb-|api_token=)[a-z]{9}"],
                &["xoxb-", "token"]
            ),
            KeywordsInMatches::Every
        );
        assert_eq!(place(&[r"[0-9]{9}"], &["ssn"]), KeywordsInMatches::NotEvery);
    }

    #[test]
    fn a_byte_every_match_holds_that_is_no_digit() {
        let required = |p: &str| {
            required_non_digit(&regex_syntax::parse(p).unwrap()).map(|set| {
                (0..=255u8)
                    .filter(|&b| set.contains(b))
                    .collect::<Vec<u8>>()
            })
        };
        assert_eq!(
            required(r"[A-Z]{2}[0-9]{2}(?:\x20?[A-Z0-9]{4}){2,7}"),
            Some((b'A'..=b'Z').collect())
        );
        assert_eq!(required(r"%B[0-9]{13,19}\^"), Some(vec![b'%']));
        assert_eq!(required(r"(?:SSN|TIN)[0-9]{9}"), Some(vec![b'S', b'T']));
        assert_eq!(
            required(r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}"),
            None,
            "the dash is optional"
        );
        assert_eq!(
            required(r"[0-9]{3}-[0-9]{4}|[0-9]{7}"),
            None,
            "one branch is all digits"
        );
    }
}
