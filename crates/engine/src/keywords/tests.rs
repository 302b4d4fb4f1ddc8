//! The keyword search must report exactly what the Aho-Corasick automaton it replaced
//! reports, on any words and any text: it decides where rules run, so a missed hit is a
//! missed finding.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::RulePack;
use crate::prefilter::prefilter_words;
use crate::shape::KeywordsInMatches;

type Hits = Vec<(usize, usize, usize)>;

/// A keyword set with the automaton the prefilter used before, which says what it must find.
struct Case {
    words: Vec<Vec<u8>>,
    set: KeywordSet,
    reference: AhoCorasick,
}

impl Case {
    fn new(words: Vec<Vec<u8>>) -> Case {
        let reference = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .expect("automaton");
        Case {
            set: KeywordSet::new(&words),
            words,
            reference,
        }
    }

    /// Every overlapping occurrence, ASCII case ignored, as a set (the automaton reports an
    /// empty word twice where another word ends; the search under test must report each hit
    /// once).
    fn expected(&self, text: &[u8]) -> Hits {
        let mut hits: Hits = self
            .reference
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    fn found(&self, text: &[u8], wide: bool) -> Hits {
        let mut hits = Vec::new();
        self.set.scan(text, wide, &mut |h: KeywordHit| {
            hits.push((h.pattern, h.start, h.end))
        });
        hits.sort_unstable();
        hits
    }

    /// Checks both step widths on `text`; the number of hits.
    fn check(&self, text: &[u8]) -> usize {
        let expected = self.expected(text);
        for wide in [true, false] {
            let words: Vec<_> = self
                .words
                .iter()
                .map(|w| String::from_utf8_lossy(w))
                .collect();
            let shown = String::from_utf8_lossy(text);
            assert_eq!(
                self.found(text, wide),
                expected,
                "wide={wide}, text {shown:?}, words {words:?}"
            );
        }
        expected.len()
    }
}

/// Bytes that keywords and text are made of: letters of both cases (few of them, so words
/// recur), digits, the punctuation keywords use, and UTF-8 with and without ASCII letters
/// next to it.
const PIECES: &[&str] = &[
    "a", "b", "s", "k", "t", "e", "l", "A", "B", "S", "K", "T", "E", "L", "0", "1", "9", "@", "_",
    "-", ".", "#", "~", "$", "=", "/", ":", " ", "\n", "`", "[", "é", "É", "ß", "€", "\u{7f}",
];

fn random_string(rng: &mut StdRng, len: impl rand::distr::uniform::SampleRange<usize>) -> Vec<u8> {
    let len = rng.random_range(len);
    let mut out = Vec::new();
    while out.len() < len {
        out.extend_from_slice(PIECES[rng.random_range(0..PIECES.len())].as_bytes());
    }
    out
}

/// `word` with the case of each ASCII letter flipped at random.
fn recased(rng: &mut StdRng, word: &[u8]) -> Vec<u8> {
    word.iter()
        .map(|&b| {
            if rng.random_bool(0.5) {
                b.to_ascii_uppercase()
            } else {
                b.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Text that holds many of `words`, in any case, touching and overlapping each other, at the
/// very start and end too, between random pieces.
fn text_with_words(rng: &mut StdRng, words: &[Vec<u8>], len: usize) -> Vec<u8> {
    let mut text = Vec::new();
    while text.len() < len {
        match rng.random_range(0..4) {
            0 => text.extend(random_string(rng, 1..6)),
            1 if text.len() > 2 => {
                // A word over the end of the text so far, so that words overlap.
                let word = &words[rng.random_range(0..words.len())];
                let back = rng.random_range(0..text.len().min(word.len()));
                text.truncate(text.len() - back);
                text.extend(recased(rng, word));
            }
            _ => text.extend({
                let word = &words[rng.random_range(0..words.len())];
                recased(rng, word)
            }),
        }
    }
    text
}

fn random_words(rng: &mut StdRng, count: usize) -> Vec<Vec<u8>> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    for _ in 0..count {
        let word = match rng.random_range(0..5) {
            // Prefixes and extensions of earlier words.
            0 if !words.is_empty() => {
                let other = &words[rng.random_range(0..words.len())];
                let mut w = other[..rng.random_range(1..=other.len())].to_vec();
                if rng.random_bool(0.5) {
                    w.extend(random_string(rng, 1..4));
                }
                w
            }
            1 => random_string(rng, 1..=3),
            _ => random_string(rng, 1..=24),
        };
        words.push(word);
    }
    words
}

#[test]
fn agrees_with_aho_corasick_on_generated_words_and_text() {
    let mut rng = StdRng::seed_from_u64(0x6b77);
    let mut hits = 0;
    for round in 0..300 {
        let case = Case::new(random_words(&mut rng, [1, 2, 5, 30, 120][round % 5]));
        for len in [0, 1, 7, 8, 9, 16, 17, 31, 33, rng.random_range(0..400)] {
            hits += case.check(&text_with_words(&mut rng, &case.words, len));
            case.check(&random_string(&mut rng, len..=len));
        }
        let noise: Vec<u8> = (0..rng.random_range(0..300))
            .map(|_| rng.random())
            .collect();
        case.check(&noise);
    }
    assert!(
        hits > 10_000,
        "the generated text should hold many words: {hits}"
    );
}

#[test]
fn agrees_with_aho_corasick_on_the_builtin_keywords() {
    let mut words: Vec<Vec<u8>> = Vec::new();
    for rule in RulePack::builtin().rules() {
        for (word, _) in prefilter_words(rule, KeywordsInMatches::NotEvery) {
            if !words.iter().any(|w| *w == word.as_bytes()) {
                words.push(word.into_bytes());
            }
        }
    }
    assert!(
        words.len() > 300,
        "the builtin pack has a few hundred keywords: {}",
        words.len()
    );
    let case = Case::new(words);
    let mut rng = StdRng::seed_from_u64(361);
    for len in [5, 100, 5_000, 70_000] {
        case.check(&text_with_words(&mut rng, &case.words, len));
    }
    let prose = "Call the policy desk: the ABA routing number, the NPI and the patient's DOB are on the \
                 claim. Password=hunter2, token ghp_x, AKIA..., sécu, SÉCU, TÉL, tél, Téléphone, q~q, @home. ";
    assert!(case.check(prose.repeat(40).as_bytes()) > 40 * 20);
}

#[test]
fn words_at_the_edges_inside_and_over_each_other() {
    let words = [
        "a",
        "aa",
        "aaa",
        "aaaaaaaaaa",
        "ss#",
        "ss #",
        "tél",
        "sk",
        "@",
        "password",
        "pass",
        "word",
    ];
    let case = Case::new(words.iter().map(|w| w.as_bytes().to_vec()).collect());
    for text in [
        "",
        "a",
        "A",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "PassWord",
        "xpasswordx",
        "ss #ss#",
        "SK",
        "TÉL tÉl TéL",
        "@@",
    ] {
        case.check(text.as_bytes());
    }
    // Non-ASCII letters keep their case: "TÉL" is not "tél".
    assert_eq!(case.found("TÉL".as_bytes(), true), vec![]);
    assert_eq!(case.found("TéL".as_bytes(), true), vec![(6, 0, 4)]);
    let long = format!("{}password", "x".repeat(100));
    assert_eq!(
        case.found(long.as_bytes(), true),
        vec![(0, 101, 102), (9, 100, 108), (10, 100, 104), (11, 104, 108)]
    );
}

#[test]
fn an_empty_word_occurs_everywhere() {
    let case = Case::new(vec![Vec::new(), b"ab".to_vec()]);
    for text in ["", "ab", "xxabxxxxxxxxxxxxxxxxxxxxxab"] {
        assert_eq!(
            case.check(text.as_bytes()),
            text.len() + 1 + text.matches("ab").count()
        );
    }
}

#[test]
fn many_words_split_into_buckets_on_a_grid() {
    let mut rng = StdRng::seed_from_u64(9);
    let case = Case::new(random_words(&mut rng, 1_500));
    for len in [50, 3_000] {
        case.check(&text_with_words(&mut rng, &case.words, len));
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn sixteen_positions_at_once_rule_out_what_eight_twice_do() {
    let mut rng = StdRng::seed_from_u64(16);
    let set = KeywordSet::new(&random_words(&mut rng, 200));
    for _ in 0..20_000 {
        let chunk: [u8; 17] = std::array::from_fn(|_| {
            if rng.random_bool(0.7) {
                b"aBsKtE@_-#"[rng.random_range(0..10)]
            } else {
                rng.random()
            }
        });
        let (first, first_next) = set.windows8(chunk[..9].try_into().expect("nine bytes"));
        let (second, second_next) = set.windows8(chunk[8..].try_into().expect("nine bytes"));
        // SAFETY: SSE2 is part of every x86_64 target.
        let wide = unsafe { set.windows16(&chunk) };
        assert_eq!(
            wide,
            (first, second | first_next, second_next),
            "chunk {chunk:?}"
        );
    }
}
