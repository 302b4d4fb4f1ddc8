//! Where a rule's matches begin and end, as the syntax of its patterns says: whether every
//! match begins, and every match ends, outside the digit run that made the rule a candidate,
//! and whether it stays on one line.
//!
//! Why it matters: a log line's order number `7376575029` is a run of ten digits, long
//! enough for an IBAN, a UK NI number or a Singapore NRIC, each of which has letters around
//! its digits. A match that begins with a letter and holds a run's digits begins before the
//! run, so the byte before the run is one of the match's bytes: after `order=` no such match
//! can stand, and the run needs no region for those rules. On log text that was a third of
//! every candidate region. Likewise a pattern with no longest match that holds no line
//! break is searched on the lines around its hit, not on its whole segment.

use regex_syntax::hir::{Hir, HirKind};

use super::digit_runs::RUN_SEPARATORS;
use super::shape::MatchBytes;

/// What every match of a rule says of the bytes next to a digit run it holds digits of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunEdges {
    /// No match begins with a digit or a run separator, so none begins inside a run: a
    /// match holding a run's digits holds the byte before the run too.
    pub begins_before: bool,
    /// No match ends with a digit or a run separator: a match holding a run's digits holds
    /// the byte after it.
    pub ends_after: bool,
}

impl RunEdges {
    /// Of a rule whose matches are those of `patterns` (each may be its match).
    pub fn of(patterns: &[Hir]) -> RunEdges {
        let outside = |side: Side| {
            !patterns.is_empty()
                && patterns.iter().all(|hir| {
                    let edge = edge(hir, side);
                    !edge.nullable && !edge.bytes.holds_any(&RUN_BYTES)
                })
        };
        RunEdges {
            begins_before: outside(Side::First),
            ends_after: outside(Side::Last),
        }
    }

    /// Whether a match holding digits of the run `start..end` of `text` could stand there:
    /// the bytes the edges say it must hold beyond the run are bytes a match can hold
    /// (`bytes`, or any when `None`).
    #[inline]
    pub fn admit(
        self,
        text: &[u8],
        (start, end): (usize, usize),
        bytes: Option<&MatchBytes>,
    ) -> bool {
        let holds = |at: Option<&u8>| at.is_some_and(|&b| bytes.is_none_or(|set| set.contains(b)));
        (!self.begins_before || holds(start.checked_sub(1).and_then(|i| text.get(i))))
            && (!self.ends_after || holds(text.get(end)))
    }
}

/// The bytes a digit run is made of.
const RUN_BYTES: [u8; 10 + RUN_SEPARATORS.len()] = {
    let mut bytes = [0u8; 10 + RUN_SEPARATORS.len()];
    let mut i = 0;
    while i < 10 {
        bytes[i] = b'0' + i as u8;
        i += 1;
    }
    let mut s = 0;
    while s < RUN_SEPARATORS.len() {
        bytes[10 + s] = RUN_SEPARATORS[s];
        s += 1;
    }
    bytes
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    First,
    Last,
}

/// The bytes a match can begin (or end) with, and whether it can be empty.
struct Edge {
    bytes: MatchBytes,
    nullable: bool,
}

impl Edge {
    const EMPTY: Edge = Edge {
        bytes: MatchBytes::NONE,
        nullable: true,
    };
}

fn edge(hir: &Hir, side: Side) -> Edge {
    match hir.kind() {
        // Look-arounds hold no byte: the edge is that of what comes next.
        HirKind::Empty | HirKind::Look(_) => Edge::EMPTY,
        HirKind::Literal(literal) => {
            let byte = match side {
                Side::First => literal.0.first(),
                Side::Last => literal.0.last(),
            };
            match byte {
                Some(&b) => Edge {
                    bytes: MatchBytes::of_byte(b),
                    nullable: false,
                },
                None => Edge::EMPTY,
            }
        }
        HirKind::Class(_) => Edge {
            bytes: MatchBytes::of_hir(hir),
            nullable: false,
        },
        HirKind::Repetition(rep) if rep.max == Some(0) => Edge::EMPTY,
        HirKind::Repetition(rep) => {
            let sub = edge(&rep.sub, side);
            Edge {
                nullable: sub.nullable || rep.min == 0,
                ..sub
            }
        }
        HirKind::Capture(cap) => edge(&cap.sub, side),
        HirKind::Concat(items) => {
            let mut bytes = MatchBytes::NONE;
            let ordered: Box<dyn Iterator<Item = &Hir>> = match side {
                Side::First => Box::new(items.iter()),
                Side::Last => Box::new(items.iter().rev()),
            };
            for item in ordered {
                let e = edge(item, side);
                bytes = bytes.union(&e.bytes);
                if !e.nullable {
                    return Edge {
                        bytes,
                        nullable: false,
                    };
                }
            }
            Edge {
                bytes,
                nullable: true,
            }
        }
        HirKind::Alternation(items) => items.iter().map(|h| edge(h, side)).fold(
            Edge {
                bytes: MatchBytes::NONE,
                nullable: false,
            },
            |a, b| Edge {
                bytes: a.bytes.union(&b.bytes),
                nullable: a.nullable || b.nullable,
            },
        ),
    }
}

/// Whether no match of `hir` holds a line break, but as a byte of its own first or last:
/// `(?:^|[^A-Za-z0-9_])key[ \t]*=[ \t]*[^\s]+` begins with any byte but a word byte, a line
/// break too, and holds none after it. Then a match found near a hit lies on the lines
/// around it, however long the pattern lets it be.
pub fn within_a_line(hir: &Hir) -> bool {
    let no_break = |h: &Hir| !MatchBytes::of_hir(h).contains(b'\n');
    if no_break(hir) {
        return true;
    }
    match hir.kind() {
        HirKind::Capture(cap) => within_a_line(&cap.sub),
        HirKind::Alternation(items) => items.iter().all(within_a_line),
        HirKind::Concat(items) => {
            let (mut from, mut to) = (0, items.len());
            if from < to && one_char(&items[from]) {
                from += 1;
            }
            if from < to && one_char(&items[to - 1]) {
                to -= 1;
            }
            items[from..to].iter().all(no_break)
        }
        _ => false,
    }
}

/// Whether every match of `hir` is at most one character (a line break is one byte).
fn one_char(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) | HirKind::Class(_) => true,
        HirKind::Literal(literal) => {
            std::str::from_utf8(&literal.0).map_or(literal.0.len() <= 1, |s| s.chars().count() <= 1)
        }
        HirKind::Capture(cap) => one_char(&cap.sub),
        HirKind::Repetition(rep) => rep.max.is_some_and(|max| max <= 1) && one_char(&rep.sub),
        HirKind::Alternation(items) => items.iter().all(one_char),
        HirKind::Concat(items) => {
            // Look-arounds and at most one character.
            items
                .iter()
                .filter(|h| !matches!(h.kind(), HirKind::Look(_) | HirKind::Empty))
                .count()
                <= 1
                && items.iter().all(one_char)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_within_a_line_may_hold_a_line_break_only_as_its_own_first_or_last_character() {
        let within = |p: &str| within_a_line(&regex_syntax::parse(p).unwrap());
        // A byte before the key that is no word byte (a line break, too), then nothing but
        // the line; in Unicode mode that byte is any one character.
        assert!(within(
            r#"(?:^|[^A-Za-z0-9_])(?i:[a-z_]*password)[ \t]*=[ \t]*(?P<value>[^\s"']{8,})"#
        ));
        assert!(within(r"[A-Za-z0-9+/]{170,}(?:[^A-Za-z0-9+/=]|$)"));
        assert!(within(r"(?:^|\s)key=\S+(?:\s|$)"));
        // A line break anywhere else, or two characters before the rest.
        assert!(!within(r"BEGIN[\s\S]*END"));
        assert!(!within(r"(?:^|[^a-z]{2})key=\S+"));
        assert!(!within(r"(?:^|\s)key:\s*\S+"));
    }

    fn edges(pattern: &str) -> RunEdges {
        RunEdges::of(&[regex_syntax::parse(pattern).unwrap()])
    }

    #[test]
    fn letters_around_the_digits_put_the_match_outside_the_run() {
        let iban = edges(
            r"(?-u:\b)[A-Z]{2}[0-9]{2}(?:\x20?[0-9A-Z]{4}){3,7}(?:\x20?[0-9A-Z]{1,3})?(?-u:\b)",
        );
        assert_eq!(
            iban,
            RunEdges {
                begins_before: true,
                ends_after: false
            }
        );
        let nino = edges(
            r"(?-u:\b)[A-CEGHJ-PR-TW-Z]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[A-D](?-u:\b)",
        );
        assert!(nino.begins_before && nino.ends_after);
        // A card begins and ends with its digits; a phone number may begin with `+`, which
        // is no run byte, or with a digit.
        assert_eq!(edges(r"(?-u:\b)[0-9]{13,19}(?-u:\b)"), RunEdges::default());
        assert!(!edges(r"\+?[0-9]{7,15}").begins_before);
        assert!(edges(r"\+[0-9]{7,15}").begins_before);
        // A match that may begin with a separator may begin inside a run (`-12345` in
        // `99-12345`); an empty one anywhere.
        assert!(!edges(r"[A-Z-][0-9]{5}").begins_before);
        assert!(!edges(r"(?:[A-Z][0-9]{5})?").begins_before);
        // Every pattern of the rule must say so.
        let two = [
            regex_syntax::parse(r"[A-Z][0-9]{6}").unwrap(),
            regex_syntax::parse(r"[0-9]{6}").unwrap(),
        ];
        assert!(!RunEdges::of(&two).begins_before);
    }

    #[test]
    fn a_run_is_admitted_only_where_the_bytes_beyond_it_can_be_a_match_s() {
        let iban = edges(r"[A-Z]{2}[0-9]{2}[0-9 ]{10,30}");
        let bytes =
            MatchBytes::of(&[regex_syntax::parse(r"[A-Z]{2}[0-9]{2}[0-9 ]{10,30}").unwrap()]);
        let text = b"order=7376575029 iban DE89 3704 0044 0532 0130 00";
        let order = (6, 16);
        assert!(
            !iban.admit(text, order, bytes.as_ref()),
            "`=` begins no IBAN"
        );
        let at = text.iter().position(|&b| b == b'8').unwrap();
        assert!(iban.admit(text, (at, text.len()), bytes.as_ref()));
        assert!(
            !iban.admit(b"7376575029", (0, 10), None),
            "nothing before the run"
        );
        assert!(RunEdges::default().admit(b"7376575029", (0, 10), None));
    }
}
