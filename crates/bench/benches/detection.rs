//! The detection engine's throughput on one core, on the generated text `confluence-dlp
//! bench` uses (mostly benign prose, code and logs; and dense text where every line holds a
//! sensitive value). Criterion reports MiB/s; the `bench` subcommand prints the table with
//! the peers next to it.
//!
//!     cargo bench --bench detection

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use dlp_bench::corpus::{write_benign, write_dense};
use dlp_domain::SegmentOrigin;
use dlp_engine::{Engine, Scratch};
use dlp_extract::text_segments;

fn detection(c: &mut Criterion) {
    let engine = Engine::builtin();
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut group = c.benchmark_group("detection");
    group.sample_size(10);
    for (name, mb, write) in [
        (
            "benign",
            16,
            write_benign as fn(&std::path::Path, usize, u64) -> std::io::Result<u64>,
        ),
        ("dense", 4, write_dense),
    ] {
        let path = dir.path().join(name);
        write(&path, mb, 1).expect("corpus written");
        let bytes = std::fs::read(&path).expect("corpus read");
        let segments = text_segments(&bytes, name, SegmentOrigin::default());
        let mut scratch = Scratch::default();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                segments
                    .chunks(1)
                    .map(|s| engine.find_with(s, &mut scratch).len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, detection);
criterion_main!(benches);
