//! One pass of the builtin engine over a text file, after a warm-up pass that builds the
//! lazily made DFAs: for counting instructions, which unlike seconds repeat from run to run.
//!
//!     cargo build --release --example one_pass
//!     valgrind --tool=callgrind --toggle-collect='*measured_pass*' \
//!         target/release/examples/one_pass dense-5mb.txt

use dlp_domain::{Segment, SegmentOrigin};
use dlp_engine::{Engine, Scratch};
use dlp_extract::text_segments;

fn main() {
    let path = std::env::args().nth(1).expect("usage: one_pass FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let segments = text_segments(&bytes, &path, SegmentOrigin::default());
    let engine = Engine::builtin();
    let mut scratch = Scratch::default();
    warm_up(&engine, &segments, &mut scratch);
    println!("{} values", measured_pass(&engine, &segments, &mut scratch));
}

#[inline(never)]
fn warm_up(engine: &Engine, segments: &[Segment], scratch: &mut Scratch) -> usize {
    segments
        .chunks(1)
        .map(|s| engine.find_with(s, scratch).len())
        .sum()
}

/// The pass the instruction count is taken of, a segment at a time as the workers hand them.
#[inline(never)]
fn measured_pass(engine: &Engine, segments: &[Segment], scratch: &mut Scratch) -> usize {
    segments
        .chunks(1)
        .map(|s| engine.find_with(s, scratch).len())
        .sum()
}
