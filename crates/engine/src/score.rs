//! The small measurements the engine takes around a candidate value: entropy, placeholder
//! words, the window its context words are looked for in, and where a word starts.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// Values that are obviously stand-ins, matched case-insensitively anywhere in the value.
/// `test` also hits real words that contain it (`contest@...`); for a DLP scanner a missed
/// sample value costs less than a reviewer drowning in fixtures, and the effect is a
/// confidence penalty, not a drop.
pub(super) const PLACEHOLDER_MARKERS: [&str; 12] = [
    "xxxx",
    "<your",
    "your-",
    "your_",
    "changeme",
    "change-me",
    "example",
    "dummy",
    "test",
    "sample",
    "placeholder",
    "redacted",
];

/// Finds the [`PLACEHOLDER_MARKERS`] in a value, ignoring ASCII case.
///
/// Every value a rule reports is checked, and most contain no marker: a table of the
/// markers' first two bytes answers those without running the automaton (a card number
/// or an SSN holds no letter pair at all).
#[derive(Debug)]
pub struct Placeholders {
    /// Bit `a << 8 | b` is set when some marker starts with bytes `a`, `b` (lower case).
    starts: Box<[u64; 1024]>,
    automaton: AhoCorasick,
}

impl Placeholders {
    pub fn new() -> Result<Self, aho_corasick::BuildError> {
        let mut starts = Box::new([0u64; 1024]);
        for marker in PLACEHOLDER_MARKERS {
            let pair = pair_index(marker.as_bytes()[0], marker.as_bytes()[1]);
            starts[pair / 64] |= 1 << (pair % 64);
        }
        // A full DFA and no literal prefilter: it reads values of a few dozen bytes, one per
        // match, where a prefilter's set-up costs more than the bytes it would skip.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .build(PLACEHOLDER_MARKERS)?;
        Ok(Placeholders { starts, automaton })
    }

    /// Whether `value` holds a marker.
    pub fn in_value(&self, value: &str) -> bool {
        let bytes = value.as_bytes();
        // Every marker holds letters; numbers (cards, SSNs, phones) are done here.
        if !bytes.iter().any(u8::is_ascii_alphabetic) {
            return false;
        }
        let may = bytes.windows(2).any(|w| {
            let pair = pair_index(w[0], w[1]);
            self.starts[pair / 64] & (1 << (pair % 64)) != 0
        });
        may && self.automaton.is_match(value)
    }
}

/// The table bit of two bytes, folded by setting `0x20`: both cases of a letter fold alike,
/// and the few other bytes that fold onto something only cost an automaton run.
fn pair_index(a: u8, b: u8) -> usize {
    usize::from(a | 0x20) << 8 | usize::from(b | 0x20)
}

/// A rule's least entropy, in bits per character, and 2 to that power.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EntropyFloor {
    bits: f64,
    /// `2^bits`, a little above it: the quick test must never pass a value the exact one
    /// would not.
    power: f64,
}

impl EntropyFloor {
    pub fn new(bits: f64) -> EntropyFloor {
        EntropyFloor {
            bits,
            power: bits.exp2() * (1.0 + 1e-9),
        }
    }

    /// Whether `value` carries at least this many bits per character.
    ///
    /// Collision entropy, `log2(n² / Σc²)` over the character counts `c`, is never more than
    /// Shannon entropy and needs only the squares, summed as the counts grow: a random token
    /// clears the floor on that alone, with no logarithm. The others get the exact sum.
    pub fn admits(self, value: &str) -> bool {
        if value.is_empty() || !value.is_ascii() || value.len() > usize::from(u16::MAX) {
            return shannon_entropy(value) >= self.bits;
        }
        let mut counts = [0u16; 128];
        let mut squares = 0u64;
        for &b in value.as_bytes() {
            let count = &mut counts[usize::from(b)];
            squares += 2 * u64::from(*count) + 1;
            *count += 1;
        }
        let n = value.len() as f64;
        if n * n >= self.power * squares as f64 {
            return true;
        }
        entropy_of(
            value.len() as u32,
            weighted_counts(value.as_bytes(), &mut counts),
        ) >= self.bits
    }
}

/// `sum(c * log2(c))` over the byte counts of `bytes` in `counts`, which it clears. Each count
/// is read (and cleared) once, on the first byte of its kind, instead of walking the whole
/// table.
fn weighted_counts(bytes: &[u8], counts: &mut [u16; 128]) -> f64 {
    bytes
        .iter()
        .map(|&b| std::mem::take(&mut counts[usize::from(b)]))
        .filter(|&n| n > 0)
        .map(|n| count_bits(u32::from(n)))
        .sum()
}

/// Shannon entropy of `value` in bits per character.
///
/// Computed as `log2(n) - sum(c * log2(c)) / n` over the character counts `c`, with `c *
/// log2(c)` from a table for the small counts every token has: one logarithm per value
/// instead of one per distinct character (a secret rule checks the entropy of every match).
pub fn shannon_entropy(value: &str) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    if value.is_ascii() && value.len() <= usize::from(u16::MAX) {
        // The common case, counted by byte.
        let mut counts = [0u16; 128];
        for &b in value.as_bytes() {
            counts[usize::from(b)] += 1;
        }
        return entropy_of(
            value.len() as u32,
            weighted_counts(value.as_bytes(), &mut counts),
        );
    }
    let mut chars: Vec<char> = value.chars().collect();
    chars.sort_unstable();
    let weighted = chars
        .chunk_by(|a, b| a == b)
        .map(|chunk| count_bits(chunk.len() as u32))
        .sum::<f64>();
    entropy_of(chars.len() as u32, weighted)
}

/// Entropy from the number of characters and the sum of `c * log2(c)` over their counts.
fn entropy_of(total: u32, weighted: f64) -> f64 {
    let total = f64::from(total);
    (total.log2() - weighted / total).max(0.0)
}

/// `c * log2(c)`, from a table below 256.
fn count_bits(c: u32) -> f64 {
    static TABLE: std::sync::LazyLock<[f64; 256]> = std::sync::LazyLock::new(|| {
        let mut t = [0.0; 256];
        for (c, v) in t.iter_mut().enumerate().skip(1) {
            let c = c as f64;
            *v = c * c.log2();
        }
        t
    });
    match TABLE.get(c as usize) {
        Some(&v) => v,
        None => f64::from(c) * f64::from(c).log2(),
    }
}

/// How far back a sentence's start is looked for: a sentence longer than this is read from
/// here.
const SENTENCE_REACH: usize = 320;

/// Where the sentence holding byte `at` of `text` starts: after the last `.`, `!` or `?`
/// that ends a word (after a letter, a digit, a closing bracket or quote) and is followed by
/// white space, or the last blank line, at most [`SENTENCE_REACH`] bytes back (on a
/// character boundary). The period of an abbreviation with periods in it (`e.g.`, `i.e.`)
/// ends no sentence: it is how examples are introduced. Nor does a mark that ends no word:
/// a Rust doc comment's `//!` on every line of an example would cut it into one-line
/// sentences.
pub(crate) fn sentence_start(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut from = at.saturating_sub(SENTENCE_REACH);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut i = at;
    while i > from {
        i -= 1;
        let next = bytes.get(i + 1).copied();
        match bytes[i] {
            b'.' | b'!' | b'?'
                if next.is_some_and(|b| b.is_ascii_whitespace())
                    && i > 0
                    && ends_a_word(bytes[i - 1]) =>
            {
                let word = bytes[from..i]
                    .iter()
                    .rev()
                    .take_while(|b| !b.is_ascii_whitespace() && **b != b'(')
                    .count();
                if bytes[i] != b'.' || !bytes[i - word..i].contains(&b'.') {
                    return i + 1;
                }
            }
            b'\n' if i > from && bytes[i - 1] == b'\n' => return i + 1,
            _ => {}
        }
    }
    from
}

/// Whether a sentence's closing mark may follow `byte`: a letter or digit (any byte past
/// ASCII, a letter's last), or a closing bracket or quote.
fn ends_a_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || !byte.is_ascii()
        || matches!(byte, b')' | b']' | b'"' | b'\'' | b'`')
}

/// Whether a word starts at byte `at` of `text`: after a non-alphanumeric character or at a
/// camelCase hump.
pub(crate) fn starts_word(text: &str, at: usize) -> bool {
    let Some(prev) = text[..at].chars().next_back() else {
        return true;
    };
    if !prev.is_alphanumeric() {
        return true;
    }
    let first = text[at..].chars().next();
    prev.is_lowercase() && first.is_some_and(char::is_uppercase)
}

/// Whether a context word found at `at` stands as a word of the text around a value: it
/// starts a word, and it is not part of an address. A word inside an e-mail address or a
/// URL names a mailbox or a site (`billing@samplefoods.com`, `https://dummy-lane.ie/`); it
/// says nothing of the value next to it.
pub(crate) fn context_word_at(text: &str, at: usize) -> bool {
    starts_word(text, at) && !in_address(text.as_bytes(), at)
}

/// Whether a context word found at `range` stands as a word ([`context_word_at`]), and, if
/// it is an abbreviation of three letters or fewer, ends there too. A long word may be the
/// stem of a longer one (`phone` in "phones", `card` in "cardholder"); three letters begin
/// too many words for that: `aba` in "Addis Ababa", `tel` in "GREEK ANO TELEIA", `sin` in
/// "since". Such a word still counts before a digit, at a camelCase hump (`telNumber`) and
/// with a plural `s` ("SSNs").
pub(crate) fn context_word_within(text: &str, range: std::ops::Range<usize>) -> bool {
    context_word_at(text, range.start) && ends_abbreviation(text, range)
}

/// Whether the word at `range` of `text`, if an abbreviation of three letters or fewer,
/// ends there ([`context_word_within`]); true of a longer word.
pub(crate) fn ends_abbreviation(text: &str, range: std::ops::Range<usize>) -> bool {
    let word = &text.as_bytes()[range.clone()];
    let abbreviation = word.len() <= 3 && word.iter().all(u8::is_ascii_alphanumeric);
    !abbreviation || ends_word(text, range.end)
}

fn ends_word(text: &str, at: usize) -> bool {
    let mut rest = text[at..].chars();
    let Some(next) = rest.next() else {
        return true;
    };
    if !next.is_alphabetic() {
        return true;
    }
    let last = text[..at].chars().next_back();
    let hump = last.is_some_and(char::is_lowercase) && next.is_uppercase();
    let plural = matches!(next, 's' | 'S') && rest.next().is_none_or(|c| !c.is_alphanumeric());
    hump || plural
}

/// Whether the token holding byte `at` (letters, digits and the punctuation of addresses,
/// at most 256 bytes either way) is an e-mail address or a URL.
///
/// Asked of every context word in dense text (a fifth of a value's cost there): one walk
/// each way over a byte table, noting `@` and `:` on the way, and a look for `://` only
/// when a colon was seen.
fn in_address(bytes: &[u8], at: usize) -> bool {
    // Per byte: whether it is part of a token, and whether it is `@` or `:` (one OR a byte
    // notes both on the walk).
    const TOKEN: u8 = 1;
    const AT_SIGN: u8 = 2;
    const COLON: u8 = 4;
    const fn classes() -> [u8; 256] {
        let mut table = [0; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'%' | b'+' | b'/') {
                table[b] = TOKEN;
            }
            b += 1;
        }
        table[b'@' as usize] = TOKEN | AT_SIGN;
        table[b':' as usize] = TOKEN | COLON;
        table
    }
    static CLASS: [u8; 256] = classes();
    let (mut from, mut to, mut seen) = (at, at, 0);
    let low = at.saturating_sub(256);
    while from > low {
        let class = CLASS[usize::from(bytes[from - 1])];
        if class == 0 {
            break;
        }
        seen |= class;
        from -= 1;
    }
    let high = (at + 256).min(bytes.len());
    while to < high {
        let class = CLASS[usize::from(bytes[to])];
        if class == 0 {
            break;
        }
        seen |= class;
        to += 1;
    }
    // A token is short, and building a substring searcher costs more than reading it.
    seen & AT_SIGN != 0 || (seen & COLON != 0 && bytes[from..to].windows(3).any(|w| w == b"://"))
}

/// Whether an address-like value starting at `start` is the userinfo of a URL: right after
/// `scheme://`, or after `scheme://user:`. In `https://deploy@git.acme-corp.com/x.git` or
/// `http://user:pass@host` the part before `@` is a login or a password and the part after it
/// the URL's host; nobody's mailbox.
pub(crate) fn in_url_userinfo(bytes: &[u8], start: usize) -> bool {
    let mut head = &bytes[..start];
    // The value is the password: the user and its colon come first.
    if let Some(with_user) = head.strip_suffix(b":") {
        let user = with_user
            .iter()
            .rev()
            .take_while(|&&b| !matches!(b, b':' | b'/' | b'@') && !b.is_ascii_whitespace())
            .count();
        head = &with_user[..with_user.len() - user];
    }
    let Some(before_slashes) = head.strip_suffix(b"://") else {
        return false;
    };
    let scheme = before_slashes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
        .count();
    scheme > 0 && before_slashes[before_slashes.len() - scheme].is_ascii_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_urls_userinfo_is_no_address() {
        let at =
            |text: &str, value: &str| in_url_userinfo(text.as_bytes(), text.find(value).unwrap());
        assert!(at(
            "git clone https://deploy@git.acme-corp.com/x.git",
            "deploy@"
        ));
        assert!(at(
            "proxy http://relay:pass@relay.acme-corp.com:3128",
            "pass@"
        ));
        assert!(at("\"telnet://user:pass@foobar.com:23/\"", "pass@"));
        assert!(at("http://:in@yo.local", "in@"));
        // An address in a URL's path or query, or after a colon of prose, is one.
        assert!(!at(
            "https://acme-corp.com/?to=jane.doe@acme-corp.com",
            "jane.doe@"
        ));
        assert!(!at(
            "https://acme-corp.com/people/jane.doe@acme-corp.com",
            "jane.doe@"
        ));
        assert!(!at("Contact: jane.doe@acme-corp.com", "jane.doe@"));
        assert!(!at("mailto:jane.doe@acme-corp.com", "jane.doe@"));
        assert!(!at("jane.doe@acme-corp.com", "jane.doe@"));
        assert!(!at("://jane.doe@acme-corp.com", "jane.doe@"));
    }

    #[test]
    fn a_mark_that_ends_no_word_ends_no_sentence() {
        let text = "pairs.\n//!\n//! {\n//!     \"name\": \"John Doe\",\n//!     \"street\": \"x\"";
        assert_eq!(
            sentence_start(text, text.find("\"x\"").unwrap()),
            "pairs.".len()
        );
        let text = "It failed (twice). Retry at noon";
        assert_eq!(
            sentence_start(text, text.find("noon").unwrap()),
            text.find(" Retry").unwrap()
        );
        let text = "Wait... then the number";
        assert_eq!(sentence_start(text, text.find("number").unwrap()), 0);
    }

    #[test]
    fn abbreviations_are_whole_words() {
        let within = |text: &str, word: &str| {
            let at = text.find(word).unwrap();
            context_word_within(text, at..at + word.len())
        };
        for (text, word) in [
            ("251111340|Addis Ababa", "Aba"),
            ("GREEK ANO TELEIA", "TEL"),
            ("since 2019", "sin"),
        ] {
            assert!(!within(text, word), "{text}");
        }
        for (text, word) in [
            ("ABA: 011000015", "ABA"),
            ("Tel.+44 20", "Tel"),
            ("telNumber", "tel"),
            ("the SSNs of", "SSN"),
            ("tel0201234", "tel"),
            ("cardholder", "card"),
            ("電話番号", "電話"),
        ] {
            assert!(within(text, word), "{text}");
        }
    }

    #[test]
    fn words_inside_addresses_are_not_context() {
        let text = "orders go to billing@samplefoods.com; see https://dummy-lane.ie/x; a sample";
        let at = |w: &str| text.find(w).unwrap();
        assert!(!context_word_at(text, at("samplefoods")));
        assert!(!context_word_at(text, at("dummy")));
        assert!(context_word_at(text, text.rfind("sample").unwrap()));
        assert!(context_word_at(text, at("orders")));
        let dotted = "spring.datasource.password=hunter2";
        assert!(!in_address(
            dotted.as_bytes(),
            dotted.find("password").unwrap()
        ));
    }

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert!((shannon_entropy("ééüü") - 1.0).abs() < 1e-9);
        assert!(shannon_entropy("AKIAQYLPMN5HHHFPZAM2") > 3.0);
        // The textbook sum, on values with counts past the table too.
        let reference = |v: &str| {
            let n = v.chars().count() as f64;
            let mut counts = std::collections::HashMap::new();
            v.chars()
                .for_each(|c| *counts.entry(c).or_insert(0u32) += 1);
            counts
                .values()
                .map(|&c| -(f64::from(c) / n) * (f64::from(c) / n).log2())
                .sum::<f64>()
        };
        for v in [
            "AKIAQYLPMN5HHHFPZAM2",
            "ab",
            "aab",
            "é€x€",
            &"ab".repeat(300),
            &format!("{}b", "a".repeat(1000)),
        ] {
            assert!((shannon_entropy(v) - reference(v)).abs() < 1e-9, "{v}");
        }
    }

    #[test]
    fn the_entropy_floor_agrees_with_the_exact_entropy() {
        let values = [
            "",
            "a",
            "aaaa",
            "abcd",
            "aabb",
            "AKIAQYLPMN5HHHFPZAM2",
            "AKIAAAAAAAAAAAAAAAAA",
            "ééüü",
            "password1",
            "bO5FeYx9pM5gNfdKwkEJ3PEVVIPcP4Y7p4tD14z4",
            "0123456789abcdef",
            "aaab",
            "ab",
        ];
        for bits in [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 3.8, 4.0, 4.5, 5.0] {
            let floor = EntropyFloor::new(bits);
            for v in values {
                assert_eq!(
                    floor.admits(v),
                    shannon_entropy(v) >= bits,
                    "{v:?} at {bits}"
                );
            }
        }
    }

    #[test]
    fn placeholders_are_found_behind_the_pair_table() {
        let p = Placeholders::new().unwrap();
        for v in [
            "xxxx-1234",
            "<YOUR-TOKEN>",
            "ChangeMe123",
            "my_EXAMPLE_key",
            "sk_test_abc",
            "REDACTED",
            "a-sample",
        ] {
            assert!(p.in_value(v), "{v}");
        }
        for v in [
            "4111 1111 1111 1111",
            "AKIAQYLPMN5HHHFPZAM2",
            "jane.doe@acme-corp.com",
            "",
            "x",
            "tes",
            "xx",
        ] {
            assert!(!p.in_value(v), "{v}");
        }
    }
}
