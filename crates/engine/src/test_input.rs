//! Numbers that are the input of a test: an argument of an assertion or of a test case.
//!
//! `#[case(parsed("+61406823897"), Some(AU), Type::Mobile)]`, `assert_eq!(format(n),
//! "tel:+33-6-31-96-65-43")` and `@pytest.mark.parametrize("pan", ["4929 1234 ..."])` hold
//! numbers a test feeds to the code under test, and the words around them are the code's
//! own: `Type::Mobile`, `phone_number(`, the `tel:` of a URI it parses. A person reading them
//! sees a test of a telephone or card library, not someone's telephone or card. So a number
//! inside the parentheses of an assertion or a test case is not reported, whatever words
//! stand near it; a number given as a contact in code (`phone = "+44 20 ..."`) still is.

/// How far back the opening of an enclosing assertion or test case is looked for: a test
/// case's arguments rarely span more than three lines. Dense text asks for every value, so
/// the reach is the cost: at 512 bytes this check took 1.6% of a dense pass's instructions.
const REACH: usize = 256;

/// Whether the value starting at `start` of `text` stands inside the parentheses (or
/// brackets) of an assertion or a test case opened before it, on its line or a few lines up.
pub(super) fn is_test_input(text: &[u8], start: usize) -> bool {
    let from = start.saturating_sub(REACH);
    // Dense text (a table of card numbers) asks for every value; without a bracket before
    // it, which prose and CSV rarely hold, nothing can enclose it.
    let Some(last_open) = memchr::memrchr2(b'(', b'[', &text[from..start]) else {
        return false;
    };
    let before = &text[from..start];
    let mut depth = 0usize;
    // Past the last opening bracket only closing ones and stops remain: start at the bracket
    // unless a stop lies after it.
    let mut i = if before[last_open + 1..]
        .iter()
        .any(|b| matches!(b, b';' | b'{' | b'}' | b')' | b']' | b'\n'))
    {
        before.len()
    } else {
        last_open + 1
    };
    while i > 0 {
        i -= 1;
        match before[i] {
            b')' | b']' => depth += 1,
            b'(' | b'[' if depth > 0 => depth -= 1,
            b'(' | b'[' if names_a_test(&before[..i]) => return true,
            // The start of the statement or block the value is in: nothing before it
            // encloses the value.
            b'{' | b'}' | b';' if depth == 0 => return false,
            b'\n' if before[..i].ends_with(b"\n") || before[..i].ends_with(b"\n\r") => {
                return false;
            }
            _ => {}
        }
    }
    false
}

/// Whether the code right before an opening bracket names an assertion or a test case:
/// `assert_eq!`, `self.assertEqual`, `XCTAssertEqual`, `expect`, `EXPECT_EQ`, rstest's
/// `#[case`, `#[test_case`, NUnit's `[TestCase`, xUnit's `[InlineData`, pytest's
/// `parametrize`.
fn names_a_test(before: &[u8]) -> bool {
    let before = before.strip_suffix(b"!").unwrap_or(before);
    let len = before
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    if len == 0 {
        return false;
    }
    let name = before[before.len() - len..].to_ascii_lowercase();
    let attribute = before[..before.len() - len].ends_with(b"[");
    name.starts_with(b"assert")
        || name.starts_with(b"debug_assert")
        || name.starts_with(b"xctassert")
        || name.starts_with(b"expect")
        || name == b"parametrize"
        || (attribute
            && matches!(
                &name[..],
                b"case" | b"test_case" | b"testcase" | b"inlinedata"
            ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(line: &str, value: &str) -> bool {
        let start = line.find(value).expect("the value is in the line");
        is_test_input(line.as_bytes(), start)
    }

    #[test]
    fn arguments_of_assertions_and_test_cases_are_test_input() {
        for (line, value) in [
            (
                r#"#[case(parsed("+61406823897"), Some(AU), Type::Mobile)]"#,
                "+614",
            ),
            (
                "assert_eq!(\n    \"tel:+33-6-31-96-65-43\",\n    format(&n)\n);",
                "+33",
            ),
            (
                "assert_eq!(\n    natural::phone_number(\"650 253 0000 extn. 4567\").unwrap().1,",
                "650",
            ),
            ("self.assertEqual(normalize(\"(312) 867-4421\"), x)", "(312"),
            ("expect(format('+49 30 90182736')).toBe(x)", "+49"),
            ("EXPECT_EQ(parse(\"4929123456781234\"), ok);", "4929"),
            (
                "@pytest.mark.parametrize(\"pan\", [\"4929 1234 5678 1234\", \"x\"])",
                "4929",
            ),
            ("[TestCase(\"+44 20 7123 4567\")]", "+44"),
            ("[InlineData(\"+44 20 7123 4567\")]", "+44"),
        ] {
            assert!(input(line, value), "{line}");
        }
    }

    #[test]
    fn numbers_given_as_data_are_not() {
        for (line, value) in [
            ("phone = \"+44 20 7123 4567\"", "+44"),
            ("contact: Dr. Weber +49 (0)89 2340-5678", "+49"),
            ("send_sms(\"+14155238886\", body)", "+1415"),
            (
                "{\"name\": \"Ana\", \"phone\": \"+55 11 98456 5666\"}",
                "+55",
            ),
            // The assertion ended before the value's statement began.
            ("assert!(ok);\nlet phone = \"+44 20 7123 4567\";", "+44"),
            ("fn test() {\n    let phone = \"+44 20 7123 4567\";", "+44"),
            // A case label in prose, or a bracket after a space, names no test.
            ("In that case (call +44 20 7123 4567) ask for Ana", "+44"),
            ("assert (see +44 20 7123 4567)", "+44"),
            // A paragraph break ends what could enclose it.
            ("assert_eq!(x,\n\ncall +44 20 7123 4567", "+44"),
        ] {
            assert!(!input(line, value), "{line}");
        }
    }
}
