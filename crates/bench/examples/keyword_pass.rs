//! The keyword pass alone: the builtin pack's prefilter words searched over a text file's
//! segments by [`KeywordSet`] and by the Aho-Corasick DFA it replaced, in turns, median of 5
//! each, with the hits of both compared.
//!
//!     cargo run --release --example keyword_pass -- /tmp/benign20.txt

use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use dlp_domain::SegmentOrigin;
use dlp_engine::{Engine, KeywordSet, KeywordsInMatches, Prefilter, prefilter_words};
use dlp_extract::text_segments;

fn main() {
    let path = std::env::args().nth(1).expect("usage: keyword_pass FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let segments = text_segments(&bytes, &path, SegmentOrigin::default());
    let mb = bytes.len() as f64 / (1024.0 * 1024.0);
    // The words `CandidateIndex` gives its search: rules prefiltered by keywords only.
    let mut words: Vec<String> = Vec::new();
    for rule in Engine::builtin()
        .rules()
        .filter(|r| r.prefilter == Prefilter::Keywords && !r.keywords.is_empty())
    {
        for (word, _) in prefilter_words(rule, KeywordsInMatches::NotEvery) {
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    let started = Instant::now();
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&words)
        .expect("automaton");
    let automaton_built = started.elapsed();
    let started = Instant::now();
    let set = KeywordSet::new(&words);
    let set_built = started.elapsed();
    let mut old_hits = Vec::new();
    let mut new_hits = Vec::new();
    let (mut old_times, mut new_times) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        old_hits.clear();
        let started = Instant::now();
        for (i, s) in segments.iter().enumerate() {
            old_hits.extend(
                automaton
                    .find_overlapping_iter(&s.text)
                    .map(|m| (i, m.start(), m.pattern().as_usize(), m.end())),
            );
        }
        old_times.push(started.elapsed());
        new_hits.clear();
        let started = Instant::now();
        for (i, s) in segments.iter().enumerate() {
            set.for_each_hit(s.text.as_bytes(), |h| {
                new_hits.push((i, h.start, h.pattern, h.end))
            });
        }
        new_times.push(started.elapsed());
    }
    old_hits.sort_unstable();
    new_hits.sort_unstable();
    assert!(old_hits == new_hits, "the two searches disagree");
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[2].as_secs_f64()
    };
    println!(
        "{} words, {mb:.1} MiB, {} segments, {} hits (both)",
        words.len(),
        segments.len(),
        new_hits.len()
    );
    println!(
        "aho-corasick DFA: {:.0} MiB/s, built in {automaton_built:.1?}",
        mb / median(&mut old_times)
    );
    println!(
        "KeywordSet:       {:.0} MiB/s, built in {set_built:.1?}",
        mb / median(&mut new_times)
    );
}
