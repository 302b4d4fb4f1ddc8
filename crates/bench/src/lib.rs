//! `dlp-bench` (`cargo run --release -p dlp-bench`): throughput of the detection engine on generated text, per core,
//! next to the peers run on the same files when they are installed. A table, not a test:
//! speed targets live here, never in timed unit tests.

pub mod api;
pub mod corpus;
pub mod crawl;
pub mod lookup;
pub mod mcp;
mod peers;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The release `confluence-dlp` a benchmark runs as a child must exist: say how to build it.
pub fn require_binary(bin: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        bin.is_file(),
        "{} is not there: build it with `cargo build --release -p confluence-dlp --bin \
         confluence-dlp`, or pass --bin",
        bin.display()
    );
    Ok(())
}

use dlp_domain::SegmentOrigin;
use dlp_engine::{Engine, Scratch};
use dlp_extract::text_segments;

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Where the corpus files are written (kept for reruns and for the peers).
    pub dir: PathBuf,
    pub benign_mb: usize,
    pub dense_mb: usize,
    pub runs: usize,
    /// Also time peers found on PATH (kingfisher, detect-secrets, and Presidio through
    /// `presidio_script`).
    pub peers: bool,
    /// MiB of each corpus given to the Python peers, which scan well under 1 MiB/s.
    pub python_mb: usize,
    pub presidio_script: PathBuf,
}

pub struct BenchRow {
    pub tool: String,
    pub corpus: &'static str,
    pub mb: f64,
    /// Median time spent scanning, start-up excluded.
    pub median: Duration,
    /// Peers only: median wall time of the whole command, and of the same command on a
    /// one-line file.
    pub wall: Option<Duration>,
    pub startup: Option<Duration>,
    pub findings: Option<usize>,
}

impl BenchRow {
    pub fn mb_per_s(&self) -> f64 {
        self.mb / self.median.as_secs_f64()
    }
}

pub fn run(options: &BenchOptions) -> std::io::Result<Vec<BenchRow>> {
    std::fs::create_dir_all(&options.dir)?;
    let benign = options
        .dir
        .join(format!("benign-{}mb.txt", options.benign_mb));
    let dense = options
        .dir
        .join(format!("dense-{}mb.txt", options.dense_mb));
    if !benign.exists() {
        corpus::write_benign(&benign, options.benign_mb, 1)?;
    }
    if !dense.exists() {
        corpus::write_dense(&dense, options.dense_mb, 2)?;
    }
    let engine = Engine::builtin();
    let peer_settings = peers::PeerSettings {
        dir: &options.dir,
        runs: options.runs,
        python_mb: options.python_mb,
        presidio_script: &options.presidio_script,
    };
    let mut rows = Vec::new();
    for (name, path) in [("benign", &benign), ("dense", &dense)] {
        rows.push(bench_engine(&engine, name, path, options.runs)?);
        if options.peers {
            rows.extend(peers::bench(name, path, &peer_settings)?);
        }
    }
    Ok(rows)
}

/// One core: the engine reads the file as the text extractor hands it over (segments of about
/// 64 KiB), so the number includes segmenting as a scan would.
fn bench_engine(
    engine: &Engine,
    corpus: &'static str,
    path: &Path,
    runs: usize,
) -> std::io::Result<BenchRow> {
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let segments = text_segments(&bytes, &name, SegmentOrigin::default());
    let mut scratch = Scratch::default();
    let mut times = Vec::with_capacity(runs);
    let mut findings = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        findings = segments
            .chunks(1)
            .map(|s| engine.find_with(s, &mut scratch).len())
            .sum();
        times.push(started.elapsed());
    }
    Ok(BenchRow {
        tool: "confluence-dlp".into(),
        corpus,
        mb: mib(bytes.len() as u64),
        median: median(times),
        wall: None,
        startup: None,
        findings: Some(findings),
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

const HEADER: [&str; 9] = [
    "tool", "corpus", "MiB", "wall", "start-up", "scanning", "MiB/s", "findings", "ours x",
];

/// One line per tool and corpus, as aligned text or a Markdown table (for docs/benchmarks.md).
/// `ours x` is our MiB/s over the row's on the same corpus: how many times faster we are.
pub fn print_table(
    rows: &[BenchRow],
    markdown: bool,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let secs = |d: Option<Duration>| {
        d.map(|d| format!("{:.2} s", d.as_secs_f64()))
            .unwrap_or_else(|| "-".into())
    };
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            let ours = rows
                .iter()
                .find(|o| o.corpus == r.corpus && o.tool == "confluence-dlp");
            [
                r.tool.clone(),
                r.corpus.to_owned(),
                format!("{:.2}", r.mb),
                secs(r.wall),
                secs(r.startup),
                secs(Some(r.median)),
                format!("{:.3}", r.mb_per_s()),
                r.findings
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                ours.map(|o| format!("{:.1}", o.mb_per_s() / r.mb_per_s()))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    if markdown {
        writeln!(out, "| {} |", HEADER.join(" | "))?;
        writeln!(out, "| --- | --- |{}", " ---: |".repeat(HEADER.len() - 2))?;
        for row in &cells {
            writeln!(out, "| {} |", row.join(" | "))?;
        }
        return Ok(());
    }
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].len())
                .chain([HEADER[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[String]| {
        row.iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i < 2 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(&HEADER.map(str::to_uppercase)))?;
    for row in &cells {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}
