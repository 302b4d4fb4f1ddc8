//! The engine alone over the benchmark's text, without the extractors: for profiling the
//! engine (`perf record`) and comparing rule packs quickly. Segments are cut as the text
//! extractor cuts plain text (about 64 KiB, at a line break).
//!
//!     cargo run --release -p dlp-engine --example throughput -- benign|dense [MB] [RUNS]
//!
//! `DLP_DISABLE=phone-de,phone-fr` leaves rules out of the built-in pack, to measure what
//! they cost (docs/benchmarks.md, sessions 22 and 23: the national phone rules).

#[path = "../../bench/src/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use std::time::Instant;

use dlp_domain::Segment;
use dlp_engine::{Engine, Scratch};

#[path = "common/segments.rs"]
mod segments;
use segments::chunks;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "benign".into());
    let mb: usize = args
        .next()
        .map_or(100, |n| n.parse().expect("MB is a number"));
    let runs: usize = args
        .next()
        .map_or(3, |n| n.parse().expect("RUNS is a number"));
    let dir = std::env::temp_dir().join("dlp-throughput");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{kind}-{mb}mb.txt"));
    if !path.exists() {
        match kind.as_str() {
            "benign" => corpus::write_benign(&path, mb, 1),
            "dense" => corpus::write_dense(&path, mb, 2),
            _ => panic!("benign or dense"),
        }
        .unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let segments = chunks(&text);
    let started = Instant::now();
    let mut pack = dlp_engine::RulePack::builtin();
    for id in std::env::var("DLP_DISABLE")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        pack.disable(id);
    }
    let engine = Engine::new(pack, Default::default()).unwrap();
    eprintln!("engine: {:.3}s", started.elapsed().as_secs_f64());
    let mut scratch = Scratch::default();
    let mut times = Vec::new();
    for run in 0..=runs {
        let started = Instant::now();
        let found = measured_run(&engine, &segments, &mut scratch);
        let took = started.elapsed().as_secs_f64();
        let mib_s = text.len() as f64 / 1048576.0 / took;
        eprintln!("{took:.3}s {mib_s:.1} MiB/s, {found} found");
        // The first run builds what the engine builds on first use (lazy DFAs' states).
        if run > 0 {
            times.push(took);
        }
    }
    if times.is_empty() {
        return;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{kind}: median {:.1} MiB/s of {runs} runs after a first",
        text.len() as f64 / 1048576.0 / times[times.len() / 2]
    );
}

/// One pass over every segment. Not inlined, so that `valgrind --tool=callgrind
/// --dump-after='*measured_run*'` writes the instructions of each pass to a file of its own
/// (the last: a warm pass): on a busy machine, instruction counts compare two builds where
/// seconds do not.
#[inline(never)]
fn measured_run(engine: &Engine, segments: &[Segment], scratch: &mut Scratch) -> usize {
    segments
        .iter()
        .map(|s| engine.find_with(std::slice::from_ref(s), scratch).len())
        .sum()
}
