//! What each rule costs: the builtin pack's rules one at a time over a text file, slowest
//! first. For rule authors chasing the engine's throughput (a rule whose keyword is common
//! in prose, or whose regex has no literal to skip to, shows up at the top).
//!
//!     cargo run --release --example rule_cost -- target/bench-corpus/benign-100mb.txt [TOP]

use std::time::Instant;

use dlp_domain::SegmentOrigin;
use dlp_engine::{Engine, EngineOptions, RulePack, Scratch};
use dlp_extract::text_segments;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: rule_cost FILE [TOP]");
    let top: usize = args
        .next()
        .map_or(20, |n| n.parse().expect("TOP is a number"));
    let bytes = std::fs::read(&path).expect("readable file");
    let segments = text_segments(&bytes, &path, SegmentOrigin::default());
    let mb = bytes.len() as f64 / (1024.0 * 1024.0);
    let started = Instant::now();
    let full = Engine::builtin();
    println!(
        "building the engine: {:.3}s",
        started.elapsed().as_secs_f64()
    );
    let mut scratch = Scratch::default();
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let found: usize = segments
            .chunks(1)
            .map(|s| full.find_with(s, &mut scratch).len())
            .sum();
        times.push((started.elapsed(), found));
    }
    times.sort();
    let (took, found) = times[2];
    println!(
        "the whole pack: {:.3}s median of 5, {:.0} MiB/s, {found} found",
        took.as_secs_f64(),
        mb / took.as_secs_f64()
    );
    if top == 0 {
        return;
    }
    let pack = RulePack::builtin();
    let ids: Vec<String> = pack.rules().iter().map(|r| r.id.clone()).collect();
    let mut costs = Vec::new();
    for (id, spec) in ids.iter().zip(pack.rules()) {
        // A rule reported only near another's value needs that rule to run at all.
        let anchor = spec.near.as_ref().map(|n| n.rule.as_str());
        let mut one = RulePack::builtin();
        for other in ids
            .iter()
            .filter(|o| *o != id && Some(o.as_str()) != anchor)
        {
            one.disable(other);
        }
        let engine = Engine::new(one, EngineOptions::default()).expect("builtin rules compile");
        let mut scratch = Scratch::default();
        let started = Instant::now();
        let found: usize = segments
            .chunks(1)
            .map(|s| engine.find_with(s, &mut scratch).len())
            .sum();
        costs.push((started.elapsed(), id, found));
    }
    costs.sort_by_key(|c| std::cmp::Reverse(c.0));
    let total: f64 = costs.iter().map(|c| c.0.as_secs_f64()).sum();
    println!("{mb:.1} MiB, {} rules, {total:.2}s summed", ids.len());
    println!(
        "{:<36} {:>9} {:>10} {:>8}",
        "RULE", "SECONDS", "MiB/s", "FOUND"
    );
    for (took, id, found) in costs.into_iter().take(top) {
        println!(
            "{id:<36} {:>9.3} {:>10.0} {found:>8}",
            took.as_secs_f64(),
            mb / took.as_secs_f64()
        );
    }
}
