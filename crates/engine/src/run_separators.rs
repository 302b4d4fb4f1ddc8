//! Which of the digit runs' separators a pattern's matches can join two digits with, worked
//! out from the pattern's syntax when a rule compiles: a small automaton over "digit,
//! separator, digit", run over the regex's structure rather than its text.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::digit_runs::RUN_SEPARATORS;

/// Which of [`RUN_SEPARATORS`] a match of a rule's `patterns` can hold between two digits
/// (bit `i` for the `i`th): only those can be part of the digit run a match holds. A card
/// number's groups are joined by spaces, but a phone pattern that ends on "a space, then no
/// digit" or track data with spaces in its name field join no digits with them, so a card's
/// `4111 1111 1111 1111` is no run of sixteen digits for them. Derived from the patterns, so
/// a rule author cannot get it wrong; look-arounds are taken as always true, which can only
/// add separators.
pub fn digit_separators(patterns: &[Hir]) -> u8 {
    let mut mask = 0;
    for hir in patterns {
        for (i, &b) in RUN_SEPARATORS.iter().enumerate() {
            if Steps::of(hir, b).0 & Steps::edge(Tail::Other, Tail::Joined).0 != 0 {
                mask |= 1 << i;
            }
        }
    }
    mask
}

/// What the bytes read so far end with, for one separator: how close they are to holding
/// "digit, separator, digit".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// Nothing that counts (or nothing yet).
    Other,
    Digit,
    /// A digit, then the separator.
    DigitSeparator,
    /// "digit, separator, digit" was read somewhere: it stays so.
    Joined,
}

impl Tail {
    const ALL: [Tail; 4] = [Tail::Other, Tail::Digit, Tail::DigitSeparator, Tail::Joined];

    fn after(self, byte: Kind) -> Tail {
        match (self, byte) {
            (Tail::Joined, _) | (Tail::DigitSeparator, Kind::Digit) => Tail::Joined,
            (_, Kind::Digit) => Tail::Digit,
            (Tail::Digit, Kind::Separator) => Tail::DigitSeparator,
            _ => Tail::Other,
        }
    }
}

/// The kinds of byte [`Tail`] tells apart.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Digit,
    Separator,
    Other,
}

/// Which tails some string of a pattern's language leads to from which: bit `4 * from + to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Steps(u16);

impl Steps {
    const NONE: Steps = Steps(0);
    const SAME: Steps = Steps(0b1000_0100_0010_0001);

    fn edge(from: Tail, to: Tail) -> Steps {
        Steps(1 << (4 * from as u16 + to as u16))
    }

    fn byte(kinds: &[Kind]) -> Steps {
        let mut steps = Steps::NONE;
        for from in Tail::ALL {
            for &kind in kinds {
                steps.0 |= Steps::edge(from, from.after(kind)).0;
            }
        }
        steps
    }

    /// `self`, then `next`.
    fn then(self, next: Steps) -> Steps {
        let mut out = Steps::NONE;
        for from in Tail::ALL {
            for mid in Tail::ALL {
                if self.0 & Steps::edge(from, mid).0 != 0 {
                    out.0 |= (next.0 >> (4 * mid as u16) & 0xF) << (4 * from as u16);
                }
            }
        }
        out
    }

    fn or(self, other: Steps) -> Steps {
        Steps(self.0 | other.0)
    }

    /// `self` repeated `min` times or more, at most `max` (no bound: `None`). The steps form
    /// a finite set, so powers repeat: past a fixed point, more repetitions add nothing.
    fn repeated(self, min: u32, max: Option<u32>) -> Steps {
        let mut exact = Steps::SAME;
        for _ in 0..min.min(64) {
            let next = exact.then(self);
            if next == exact {
                break;
            }
            exact = next;
        }
        let optional = self.or(Steps::SAME);
        let mut all = exact;
        let more = max.map_or(u32::MAX, |max| max.saturating_sub(min));
        for _ in 0..more.min(64) {
            let next = all.then(optional);
            if next == all {
                break;
            }
            all = next;
        }
        all
    }

    /// The steps of `hir`'s language, with `separator` as the separator.
    fn of(hir: &Hir, separator: u8) -> Steps {
        let kinds_of_bytes = |bytes: &mut dyn Iterator<Item = (u32, u32)>| {
            let (mut digit, mut sep, mut other) = (false, false, false);
            for (lo, hi) in bytes {
                let digits = hi
                    .min(u32::from(b'9'))
                    .saturating_add(1)
                    .saturating_sub(lo.max(u32::from(b'0')));
                let has_sep = (lo..=hi).contains(&u32::from(separator));
                digit |= digits > 0;
                sep |= has_sep;
                // Whatever else the range holds is of neither kind (a code point past ASCII
                // is bytes of neither kind too).
                other |= hi - lo + 1 > digits + u32::from(has_sep);
            }
            let mut kinds = Vec::with_capacity(3);
            if digit {
                kinds.push(Kind::Digit);
            }
            if sep {
                kinds.push(Kind::Separator);
            }
            if other {
                kinds.push(Kind::Other);
            }
            Steps::byte(&kinds)
        };
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Steps::SAME,
            HirKind::Literal(lit) => lit.0.iter().fold(Steps::SAME, |steps, &b| {
                let kind = if b.is_ascii_digit() {
                    Kind::Digit
                } else if b == separator {
                    Kind::Separator
                } else {
                    Kind::Other
                };
                steps.then(Steps::byte(&[kind]))
            }),
            HirKind::Class(Class::Unicode(class)) => kinds_of_bytes(
                &mut class
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end()))),
            ),
            HirKind::Class(Class::Bytes(class)) => kinds_of_bytes(
                &mut class
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end()))),
            ),
            HirKind::Repetition(rep) => Steps::of(&rep.sub, separator).repeated(rep.min, rep.max),
            HirKind::Capture(cap) => Steps::of(&cap.sub, separator),
            HirKind::Concat(items) => items
                .iter()
                .fold(Steps::SAME, |steps, h| steps.then(Steps::of(h, separator))),
            HirKind::Alternation(items) => items
                .iter()
                .fold(Steps::NONE, |steps, h| steps.or(Steps::of(h, separator))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digit_runs::ALL_SEPARATORS;

    fn separators_in<const N: usize>(patterns: [&str; N]) -> u8 {
        let parsed: Vec<Hir> = patterns
            .iter()
            .map(|p| regex_syntax::parse(p).unwrap())
            .collect();
        digit_separators(&parsed)
    }

    #[test]
    fn a_rule_holds_only_the_separators_its_patterns_can_match() {
        let spec = |pattern: &str| separators_in([pattern]);
        assert_eq!(spec(r"[0-9]{3}-[0-9]{2}-[0-9]{4}"), 0b010);
        assert_eq!(spec(r"(?-u:\b)[0-9]{4}(?:[ -]?[0-9]{4}){3}"), 0b011);
        assert_eq!(spec(r"[0-9]{9}|\+[0-9 ]+"), 0b001);
        assert_eq!(spec(r"(?s:.){9}"), ALL_SEPARATORS);
        assert_eq!(spec(r"[^a-z]{9}"), ALL_SEPARATORS);
        assert_eq!(
            spec(r"(?x) [0-9]{3} \x20 [0-9]{2}"),
            0b001,
            "free spacing: only the escaped space"
        );
        assert_eq!(
            separators_in([r"[0-9]{9}", r"[0-9]{2}\.[0-9]{7}"]),
            0b100,
            "either pattern's"
        );
    }

    #[test]
    fn only_separators_between_two_digits_count() {
        let spec = |pattern: &str| separators_in([pattern]);
        assert_eq!(
            spec(r"\+1[0-9]{10}(?:[^0-9 ]|[ .-](?:[^0-9]|$)|$)"),
            0,
            "after the number, never before a digit"
        );
        assert_eq!(
            spec(r";[0-9]{13,19}=[0-9]{7}|%B[0-9]{13}\^[A-Z .-]{2,26}\^[0-9]{7}"),
            0,
            "in the name, between letters"
        );
        assert_eq!(
            spec(r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}"),
            0b001,
            "letters or digits either side"
        );
        assert_eq!(spec(r"[0-9]{2}-[A-Z]-[0-9]{2}"), 0, "a letter between");
        assert_eq!(
            spec(r"[0-9]-?(?:x|-[0-9])"),
            0b010,
            "through an alternation"
        );
        assert_eq!(spec(r"(?:[0-9] ?)+"), 0b001, "through a repetition");
        assert_eq!(spec(r"[0-9](?:[0-9]\.){0}[0-9]"), 0, "no repetition at all");
        assert_eq!(spec(r"[0-9]{3}(?:-(?:[a-z]|[0-9]{2}))"), 0b010);
        assert_eq!(spec(r"[0-9](?:[-. ]|é)[0-9]"), ALL_SEPARATORS);
        assert_eq!(
            spec(r"[0-9](?:é|x)[0-9]"),
            0,
            "non-ASCII is neither digit nor separator"
        );
    }
}
