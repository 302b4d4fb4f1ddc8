//! Numbers that stand in code as operands: an element of a table of numbers, an argument of a
//! call, a value compared or computed with.
//!
//! Sixteen digits that pass the Luhn check are one number in ten; a field constant's limbs,
//! a table of powers or a random generator's expected output hold many of them, and nothing
//! there says "card". A person reading `from_limbs([2251799813685228, ...])` or
//! `assert_eq!(results[0], 5029875928683246316)` sees numbers of a program, not a card or a
//! telephone; in prose, a CSV row or a log line the same digits may well be one. The value of a
//! rule that reads numbers (one with `min_digits`) standing like this is reported only with one
//! of its rule's context words near, the context a person would need too.

/// Whether the value at `span` of `text` stands in code as an operand.
pub(super) fn stands_in_code(text: &[u8], span: std::ops::Range<usize>) -> bool {
    let line_start = text[..span.start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = text[span.end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| span.end + i);
    let before = &text[line_start..span.start];
    let after = &text[span.end..line_end];
    let spaced = text[span.clone()].contains(&b' ');
    computed_with(before, after)
        || (spaced && in_run_of_numbers(before, after))
        || in_table_of_numbers(before, after)
        || call_argument(before, after)
        || ends_a_table(&text[..line_start], before, after)
}

/// A value with an arithmetic or comparison operator next to it, or a minus sign glued to it:
/// `z < 4485585228861014016`, `-4386812962460287`, `2251799813685228 * k`. An `=` alone is no
/// operator here: `pan=4746...` is how logs write a field; nor is an angle bracket without a
/// space, which closes or opens a tag (`<pan>4746...</pan>`).
fn computed_with(before: &[u8], after: &[u8]) -> bool {
    let negative = before.last() == Some(&b'-')
        && before
            .len()
            .checked_sub(2)
            .is_none_or(|i| !before[i].is_ascii_alphanumeric());
    let spaced_before = before.last().is_some_and(u8::is_ascii_whitespace);
    let spaced_after = after.first().is_some_and(u8::is_ascii_whitespace);
    let before = trim_end(before);
    let after = trim_start(after);
    let operator_before = match before {
        [.., b'=' | b'!' | b'<' | b'>', b'='] => true,
        [.., b'='] => false,
        [.., b'<' | b'>'] => spaced_before,
        [.., b'*' | b'%' | b'^'] => true,
        _ => false,
    };
    let operator_after = match after {
        [b'<' | b'>', ..] => spaced_after,
        [b'*' | b'%' | b'^', ..] | [b'=' | b'!', b'=', ..] => true,
        _ => false,
    };
    negative || operator_before || operator_after
}

/// A value written with spaces that goes on with another number after a space, or follows
/// one: `884 19 1016` cut out of an OCR box's `bbox 884 19 1016 60`. A date after it
/// (`... 0347 04/27`) is no such number.
fn in_run_of_numbers(before: &[u8], after: &[u8]) -> bool {
    let plain =
        |b: Option<&u8>| b.is_none_or(|b| !b.is_ascii_alphanumeric() && !b"/-.:".contains(b));
    let next = after.strip_prefix(b" ").is_some_and(|rest| {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        digits > 0 && plain(rest.get(digits))
    });
    let previous = before.strip_suffix(b" ").is_some_and(|rest| {
        let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        digits > 0 && plain(rest.len().checked_sub(digits + 1).map(|i| &rest[i]))
    });
    next || previous
}

/// A value whose line holds nothing but numbers (quoted or not) and list punctuation, with
/// another number in it or the comma of an array's element:
/// `(16930026125143774626, 1273147485209053803),`, `    2251799813685228,`, `    "+3247409115",`,
/// a Unicode table's `1E2F;0069 0308 0301;`. A comment after the
/// numbers (`// 2^51`, `# LATIN SMALL LETTER`) is not part of the table.
fn in_table_of_numbers(before: &[u8], after: &[u8]) -> bool {
    let after = cut_comment(after);
    let mut numbers = 0;
    for token in tokens(before).chain(tokens(after)) {
        if !is_number(token) {
            return false;
        }
        numbers += 1;
    }
    let rest = after
        .iter()
        .position(|b| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\''));
    numbers > 0 || rest.is_some_and(|i| after[i] == b',')
}

/// A value inside the parentheses or brackets of a call, a macro or an index opened on its
/// line (`check(5503284107318959, 446)`, `assert_eq!(x, "+44 20 7031 3000")`), or a string in
/// a row of a literal table, a tuple or array opened at the start of its line and closed before
/// the comma that ends it (`(Some(GB), "+44 20 7031 3000", "+442070313000"),`). An opening
/// parenthesis after a space is prose's aside ("(card ...)"), not a call; a brace opens a
/// JSON record as often as a block, and a record is data. So is a row of SQL: `VALUES(...)` is
/// no call, and its rows quote with `'`, where code's table rows quote with `"`.
fn call_argument(before: &[u8], after: &[u8]) -> bool {
    let quoted = before.last() == Some(&b'"') && after.first() == Some(&b'"');
    let row = quoted && matches!(trim_end(cut_comment(after)), [.., b')' | b']' | b'}', b',']);
    let mut depth = 0usize;
    for (i, &b) in before.iter().enumerate().rev() {
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' | b'[' | b'{' => {
                let called = i.checked_sub(1).is_some_and(|p| {
                    matches!(before[p], b'_' | b'!' | b')' | b']' | b'>')
                        || before[p].is_ascii_alphanumeric()
                }) && !before[..i].to_ascii_lowercase().ends_with(b"values");
                let opens_row = before[..i].iter().all(u8::is_ascii_whitespace);
                if b != b'{' && (called || (row && opens_row)) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// A value alone on its line after a line of a table of numbers that ends in a comma: the
/// last element of an array (`    374555092627893` before `}` or `#else`).
fn ends_a_table(text_before: &[u8], before: &[u8], after: &[u8]) -> bool {
    let alone = |bytes: &[u8]| {
        bytes
            .iter()
            .all(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\''))
    };
    if !alone(before) || !alone(cut_comment(after)) {
        return false;
    }
    let Some(text_before) = text_before.strip_suffix(b"\n") else {
        return false;
    };
    let previous = &text_before[text_before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)..];
    let previous = trim_end(cut_comment(previous));
    previous.ends_with(b",") && tokens(previous).all(is_number) && tokens(previous).count() > 0
}

fn tokens(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|b| {
            b.is_ascii_whitespace()
                || matches!(
                    b,
                    b',' | b';' | b'|' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b'\''
                )
        })
        .filter(|t| !t.is_empty())
}

/// A numeric literal as code and data tables write them: `-12`, `+44`, `1_000u64`, `0x1F`, `1e308_f64`,
/// `3.25`, or bare hexadecimal holding a digit (`1E2F`, `00EF`).
fn is_number(token: &[u8]) -> bool {
    let token = token
        .strip_prefix(b"-")
        .or(token.strip_prefix(b"+"))
        .unwrap_or(token);
    let Some(first) = token.first() else {
        return false;
    };
    if !first.is_ascii_digit() && !token.iter().any(u8::is_ascii_digit) {
        return false;
    }
    if token.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    if !first.is_ascii_digit() {
        return false;
    }
    let hex = token.starts_with(b"0x") || token.starts_with(b"0X");
    let body = if hex { &token[2..] } else { token };
    let digits = body
        .iter()
        .take_while(|&&b| {
            b == b'_'
                || b == b'.'
                || if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
        })
        .count();
    let mut rest = &body[digits..];
    if !hex && let [b'e' | b'E', tail @ ..] = rest {
        let tail = tail
            .strip_prefix(b"-")
            .or(tail.strip_prefix(b"+"))
            .unwrap_or(tail);
        let exponent = tail.iter().take_while(|b| b.is_ascii_digit()).count();
        if exponent > 0 {
            rest = &tail[exponent..];
        }
    }
    // A type suffix: `u64`, `_f64`, `L`, `ULL`, `i128`.
    let rest = rest.strip_prefix(b"_").unwrap_or(rest);
    rest.len() <= 4
        && rest
            .iter()
            .all(|b| b.is_ascii_alphabetic() || b.is_ascii_digit())
        && rest.first().is_none_or(u8::is_ascii_alphabetic)
}

/// The part of a line before a comment: `//`, `/*`, or a `#` after a space.
fn cut_comment(line: &[u8]) -> &[u8] {
    let at = line
        .windows(2)
        .position(|w| w == b"//" || w == b"/*" || w == b" #")
        .unwrap_or(line.len());
    &line[..at]
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    &bytes[..bytes.len() - n]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_code(line: &str, value: &str) -> bool {
        let start = line.find(value).unwrap();
        stands_in_code(line.as_bytes(), start..start + value.len())
    }

    #[test]
    fn numbers_of_a_program_stand_in_code() {
        let v = "5820417396052834";
        for line in [
            "    5820417396052834,",
            "    (5820417396052834, 1273147485209053803),",
            "  411, 5820417396052834, 0x1F, 3.5e10, 12u64",
            "check(5820417396052834, 446, 11);",
            "assert_eq!(out[0], 5820417396052834);",
            "// if b < 1.5 we get z < 5820417396052834.",
            "{ mantissa -5820417396052834, base 2 }",
            "let n = 5820417396052834 * k;",
            "    5820417396052834, // 2^51 - 19",
            "    (Some(GB), \"5820417396052834\", \"+5820417396052834\"),",
            "    \"5820417396052834\",",
            "    (\"5820417396052834\", \"+5820417396052834\"),",
        ] {
            assert!(in_code(line, v), "{line}");
        }
        assert!(in_code("title='bbox 884 19 1016 60; x'", "884 19 1016"));
        assert!(in_code(
            "1E2F;1E2F;0069 0308 0301; # LATIN",
            "0069 0308 0301"
        ));
        assert!(in_code(
            "parse(Some(GB), \"+44 20 7031 3000\")",
            "+44 20 7031 3000"
        ));
    }

    #[test]
    fn values_in_text_and_records_do_not() {
        let v = "5820417396052834";
        for line in [
            "5820417396052834",
            "Card: 5820417396052834 exp 04/27",
            "\"Dmitri Okafor\",5820417396052834,08-29,454,\"565.08 EUR\"",
            "declined pan=5820417396052834 exp=04/27",
            "Refund to card (5820417396052834) approved.",
            "cards: 5820417396052834, next",
            "<Pan>5820417396052834</Pan>",
            "<td>5820417396052834</td><td>04/27</td>",
            "INSERT INTO pay VALUES(17, 'Jane Roe', '5820417396052834', '2027-04');",
            "    (18, 'John Roe', '5820417396052834', '2027-05'),",
            "ORD-2023-1,5820417396052834,11/31",
            "(Refund to card 5820417396052834, approved)",
            "{\"card\": \"5820417396052834\"},",
        ] {
            assert!(!in_code(line, v), "{line}");
        }
        assert!(!in_code("4746 5075 2917 0347", "4746 5075 2917 0347"));
        assert!(!in_code(
            "Card 4746 5075 2917 0347 04/27",
            "4746 5075 2917 0347"
        ));
        assert!(!in_code("Tel: +44 20 7031 3000", "+44 20 7031 3000"));
        let alone = "Cards on file:\n    5820417396052834\n";
        let start = alone.find(v).unwrap();
        assert!(!stands_in_code(alone.as_bytes(), start..start + v.len()));
    }
}
