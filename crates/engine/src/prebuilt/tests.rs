use regex_automata::dfa::Automaton;
use regex_automata::{Input, MatchKind};

use super::*;

fn dfa(patterns: &[&str]) -> dense::DFA<Vec<u32>> {
    dense::Builder::new()
        .configure(dense::Config::new().match_kind(MatchKind::All))
        .build_many(patterns)
        .unwrap()
}

fn ends(dfa: &dense::DFA<impl AsRef<[u32]>>, text: &str) -> Vec<usize> {
    (0..=text.len())
        .filter_map(|start| {
            dfa.try_search_fwd(&Input::new(text).range(start..))
                .unwrap()
                .map(|m| m.offset())
        })
        .collect()
}

#[test]
fn a_dfa_read_back_finds_what_it_found() {
    let built = dfa(&[r"[0-9]{3}-[0-9]{2}-[0-9]{4}", r"AKIA[A-Z0-9]{16}"]);
    let answer = Answer::of_dfas([&built]);
    let read = answer.dfas().expect("readable");
    assert_eq!(read.len(), 1);
    let text = "ssn 536-22-1234 key AKIAIOSFODNN7EXAMPLE and 12-34";
    assert_eq!(ends(&read[0], text), ends(&built, text));
    assert!(!ends(&built, text).is_empty());
}

#[test]
fn a_table_gives_back_every_answer_it_was_made_of() {
    let answers = HashMap::from([
        (Key::new("a", 1, ["x"]), Answer::Flag(true)),
        (Key::new("a", 1, ["y"]), Answer::Flag(false)),
        (
            Key::new("b", 2, ["[0-9]+", "z"]),
            Answer::of_dfas([&dfa(&["[0-9]+"]), &dfa(&["z"])]),
        ),
    ]);
    let table = encode(&answers);
    assert_eq!(decode(&table), Some(answers.clone()));
    // The same answers make the same bytes, whatever order they were built in.
    let mut reversed: Vec<_> = answers.into_iter().collect();
    reversed.reverse();
    assert_eq!(encode(&reversed.into_iter().collect()), table);
}

#[test]
fn a_damaged_table_or_dfa_answers_nothing() {
    let answers = HashMap::from([(Key::new("a", 1, ["x"]), Answer::of_dfas([&dfa(&["x+"])]))]);
    let table = encode(&answers);
    // Cut short anywhere: not read at all, rather than read in part.
    for cut in [1, 32, 33, 37, 41, table.len() - 1] {
        assert_eq!(decode(&table[..cut]), None, "cut at {cut}");
    }
    let mut tags = table.clone();
    tags[32] = 9;
    assert_eq!(decode(&tags), None);
    // A DFA whose bytes were changed is refused when read, and built instead.
    let Some(Answer::Dfas(dfas)) = decode(&table)
        .and_then(|mut a| a.drain().next())
        .map(|(_, a)| a)
    else {
        panic!("one answer of DFAs");
    };
    let mut bytes = dfas[0].clone();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 16] {
        *b = 0xff;
    }
    assert!(Answer::Dfas(vec![bytes]).dfas().is_none());
    assert!(Answer::Dfas(vec![dfas[0][..10].to_vec()]).dfas().is_none());
}

#[test]
fn keys_tell_apart_what_is_built() {
    assert_ne!(Key::new("g", 1, ["ab", "c"]), Key::new("g", 1, ["a", "bc"]));
    assert_ne!(Key::new("g", 1, ["ab"]), Key::new("g", 2, ["ab"]));
    assert_ne!(Key::new("g", 1, ["ab"]), Key::new("h", 1, ["ab"]));
    assert_eq!(Key::new("g", 1, ["ab"]), Key::new("g", 1, ["ab"]));
}
