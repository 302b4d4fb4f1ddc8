//! `confluence-dlp bench`: throughput of the detection engine on generated text, per core,
//! next to the peers run on the same files when they are installed. A table, not a test:
//! speed targets live here, never in timed unit tests.

mod corpus;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::classify::{Engine, Scratch};
use crate::domain::SegmentOrigin;
use crate::extract::text_segments;

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Where the corpus files are written (kept for reruns and for the peers).
    pub dir: PathBuf,
    pub benign_mb: usize,
    pub dense_mb: usize,
    pub runs: usize,
    /// Also time peers found on PATH (kingfisher, detect-secrets).
    pub peers: bool,
}

pub struct BenchRow {
    pub tool: String,
    pub corpus: &'static str,
    pub mb: f64,
    pub median: Duration,
    pub findings: Option<usize>,
}

impl BenchRow {
    pub fn mb_per_s(&self) -> f64 {
        self.mb / self.median.as_secs_f64()
    }
}

pub fn run(options: &BenchOptions) -> std::io::Result<Vec<BenchRow>> {
    std::fs::create_dir_all(&options.dir)?;
    let benign = options.dir.join(format!("benign-{}mb.txt", options.benign_mb));
    let dense = options.dir.join(format!("dense-{}mb.txt", options.dense_mb));
    if !benign.exists() {
        corpus::write_benign(&benign, options.benign_mb, 1)?;
    }
    if !dense.exists() {
        corpus::write_dense(&dense, options.dense_mb, 2)?;
    }
    let engine = Engine::builtin();
    let mut rows = Vec::new();
    for (name, path) in [("benign", &benign), ("dense", &dense)] {
        rows.push(bench_engine(&engine, name, path, options.runs)?);
        if options.peers {
            rows.extend(bench_peers(name, path, options.runs));
        }
    }
    Ok(rows)
}

/// One core: the engine reads the file as the text extractor hands it over (segments of about
/// 64 KiB), so the number includes segmenting as a scan would.
fn bench_engine(engine: &Engine, corpus: &'static str, path: &Path, runs: usize) -> std::io::Result<BenchRow> {
    let bytes = std::fs::read(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let segments = text_segments(&bytes, &name, SegmentOrigin::default());
    let mut scratch = Scratch::default();
    let mut times = Vec::with_capacity(runs);
    let mut findings = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        findings = segments.chunks(1).map(|s| engine.find_with(s, &mut scratch).len()).sum();
        times.push(started.elapsed());
    }
    Ok(BenchRow { tool: "confluence-dlp".into(), corpus, mb: mib(bytes.len() as u64), median: median(times), findings: Some(findings) })
}

/// Peers run as their own processes on the same file; their time includes start-up, which on
/// files of this size is small next to scanning.
fn bench_peers(corpus: &'static str, path: &Path, runs: usize) -> Vec<BenchRow> {
    let mb = std::fs::metadata(path).map(|m| mib(m.len())).unwrap_or(0.0);
    let file = path.display().to_string();
    let peers: [(&str, Vec<&str>); 2] = [
        // One thread, so the number is per core like ours.
        ("kingfisher", vec!["scan", "--no-validate", "--no-update-check", "--jobs", "1", "--format", "json", file.as_str()]),
        ("detect-secrets", vec!["scan", file.as_str()]),
    ];
    let mut rows = Vec::new();
    for (tool, args) in peers {
        let mut times = Vec::new();
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            match Command::new(tool).args(&args).output() {
                Ok(out) if out.status.code().is_some_and(|c| c <= 205) => times.push(started.elapsed()),
                _ => break,
            }
        }
        if !times.is_empty() {
            rows.push(BenchRow { tool: tool.into(), corpus, mb, median: median(times), findings: None });
        }
    }
    rows
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn print_table(rows: &[BenchRow], out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(out, "{:<16} {:<8} {:>9} {:>10} {:>10} {:>10}", "TOOL", "CORPUS", "MiB", "MEDIAN", "MiB/s", "FINDINGS")?;
    for r in rows {
        let findings = r.findings.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:<16} {:<8} {:>9.1} {:>9.2}s {:>10.1} {:>10}",
            r.tool,
            r.corpus,
            r.mb,
            r.median.as_secs_f64(),
            r.mb_per_s(),
            findings
        )?;
    }
    Ok(())
}
