//! Peers timed on the benchmark files as their own processes, made comparable with our per-core
//! number: one thread each, every rule or recognizer they ship enabled, findings counted from
//! their JSON, and start-up taken out of the throughput.
//!
//! Scanning time is what the peer reports for its scan when it does (Kingfisher's
//! `scan_duration_seconds`, Presidio's script's own clock around its loop), and otherwise
//! (detect-secrets) the run's wall time minus start-up: the median wall time of the same
//! command on a one-line file (loading rules, importing Python packages). On benchmark files of
//! a few MiB, Kingfisher's scan is shorter than the jitter of its start-up, which is why its
//! own clock is preferred. The Python peers scan a prefix
//! of each corpus (`python_mb`): at well under 1 MiB/s the full files would take an hour, and
//! throughput on a megabyte of the same generated text is the same rate.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::{BenchRow, median, mib};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Kingfisher,
    DetectSecrets,
    Presidio,
}

impl Peer {
    pub const ALL: [Peer; 3] = [Peer::Kingfisher, Peer::DetectSecrets, Peer::Presidio];

    pub fn name(self) -> &'static str {
        match self {
            Peer::Kingfisher => "kingfisher",
            Peer::DetectSecrets => "detect-secrets",
            Peer::Presidio => "presidio",
        }
    }

    /// Kingfisher is native and fast enough for the whole file; the others are Python.
    fn scans_prefix(self) -> bool {
        self != Peer::Kingfisher
    }

    fn command(self, file: &Path, presidio_script: &Path) -> Command {
        match self {
            Peer::Kingfisher => {
                let mut c = Command::new("kingfisher");
                // `--rule all` and `--confidence low`: every rule and every finding it has;
                // `--no-dedup` reports each occurrence, as we do.
                c.args([
                    "scan",
                    "--no-validate",
                    "--no-update-check",
                    "--jobs",
                    "1",
                    "--rule",
                    "all",
                ]);
                c.args(["--confidence", "low", "--no-dedup", "--format", "json"])
                    .arg(file);
                c
            }
            Peer::DetectSecrets => {
                // detect-secrets silently drops every path outside its working directory (it
                // keeps only paths it can make relative), so it runs in the file's folder.
                let mut c = Command::new("detect-secrets");
                c.args(["scan", "--all-files"])
                    .arg(file.file_name().unwrap_or_default());
                if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                    c.current_dir(dir);
                }
                c
            }
            Peer::Presidio => {
                let mut c = Command::new("python3");
                c.arg(presidio_script)
                    .args(["--recognizers", "all", "--count-only"])
                    .arg(file);
                c
            }
        }
    }

    fn version(self) -> Option<String> {
        let out = match self {
            Peer::Presidio => Command::new("python3")
                .args([
                    "-c",
                    "from importlib.metadata import version; print(version('presidio-analyzer'))",
                ])
                .output(),
            _ => Command::new(self.name()).arg("--version").output(),
        }
        .ok()
        .filter(|o| o.status.success())?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.split_whitespace().last().map(str::to_owned)
    }
}

/// One timed run: total wall time, the part of it spent scanning when the peer reports it, and
/// the number of findings read from its JSON.
struct Run {
    wall: Duration,
    scanning: Option<Duration>,
    findings: Option<usize>,
}

fn run_once(peer: Peer, file: &Path, presidio_script: &Path) -> Option<Run> {
    let started = Instant::now();
    let out = peer.command(file, presidio_script).output().ok()?;
    let wall = started.elapsed();
    if !succeeded(peer, &out) {
        return None;
    }
    let report = first_json_value(&out.stdout)?;
    let (scanning, findings) = match peer {
        Peer::Kingfisher => (
            report["metadata"]["summary"]["scan_duration_seconds"]
                .as_f64()
                .map(Duration::from_secs_f64),
            report["findings"].as_array().map(Vec::len),
        ),
        Peer::DetectSecrets => (
            None,
            report["results"].as_object().map(|files| {
                files
                    .values()
                    .filter_map(|f| f.as_array())
                    .map(Vec::len)
                    .sum()
            }),
        ),
        Peer::Presidio => (
            report["scan_seconds"].as_f64().map(Duration::from_secs_f64),
            report["finding_count"].as_u64().map(|n| n as usize),
        ),
    };
    Some(Run {
        wall,
        scanning,
        findings,
    })
}

/// Kingfisher exits 200 when it found something, and other codes up to 205 for similar news;
/// an error is anything else.
fn succeeded(peer: Peer, out: &Output) -> bool {
    match peer {
        Peer::Kingfisher => out
            .status
            .code()
            .is_some_and(|c| c == 0 || (200..=205).contains(&c)),
        _ => out.status.success(),
    }
}

/// Kingfisher's `json` format is a report followed by a summary line; the first value is the
/// report.
fn first_json_value(stdout: &[u8]) -> Option<serde_json::Value> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<serde_json::Value>()
        .next()?
        .ok()
}

pub struct PeerSettings<'a> {
    pub dir: &'a Path,
    pub runs: usize,
    pub python_mb: usize,
    pub presidio_script: &'a Path,
}

/// Times every installed peer on `path`; a peer that is missing or fails is left out (and said
/// so on stderr), so the table still shows the others.
pub fn bench(
    corpus: &'static str,
    path: &Path,
    settings: &PeerSettings,
) -> std::io::Result<Vec<BenchRow>> {
    let tiny = settings.dir.join("startup-one-line.txt");
    if !tiny.exists() {
        std::fs::write(
            &tiny,
            "the deploy service owner will review the quarterly rollback budget.\n",
        )?;
    }
    let mut rows = Vec::new();
    for peer in Peer::ALL {
        if peer == Peer::Presidio && !settings.presidio_script.exists() {
            eprintln!(
                "presidio: {} not found, skipped",
                settings.presidio_script.display()
            );
            continue;
        }
        let input = if peer.scans_prefix() {
            prefix_file(path, settings.python_mb)?
        } else {
            path.to_path_buf()
        };
        match bench_peer(peer, &input, &tiny, settings) {
            Some(mut row) => {
                row.corpus = corpus;
                rows.push(row);
            }
            None => eprintln!(
                "{}: not installed or failed on {}, skipped",
                peer.name(),
                input.display()
            ),
        }
    }
    Ok(rows)
}

fn bench_peer(peer: Peer, input: &Path, tiny: &Path, settings: &PeerSettings) -> Option<BenchRow> {
    let script = settings.presidio_script;
    // The first run also fills caches (Kingfisher compiles its rules once per rule set), so it is
    // not timed.
    run_once(peer, tiny, script)?;
    let mut startups = Vec::new();
    for _ in 0..settings.runs.max(1) {
        let r = run_once(peer, tiny, script)?;
        startups.push(r.scanning.map_or(r.wall, |s| r.wall.saturating_sub(s)));
    }
    let startup = median(startups);
    let mut walls = Vec::new();
    let mut scans = Vec::new();
    let mut findings = None;
    for _ in 0..settings.runs.max(1) {
        let r = run_once(peer, input, script)?;
        walls.push(r.wall);
        scans.push(r.scanning.unwrap_or_else(|| r.wall.saturating_sub(startup)));
        findings = r.findings;
    }
    let version = peer.version().unwrap_or_default();
    Some(BenchRow {
        tool: format!("{} {}", peer.name(), version).trim_end().to_owned(),
        corpus: "",
        mb: mib(std::fs::metadata(input).ok()?.len()),
        median: median(scans),
        wall: Some(median(walls)),
        startup: Some(startup),
        findings,
    })
}

/// The first `mb` MiB of `path`, cut after a whole line, written once beside it.
fn prefix_file(path: &Path, mb: usize) -> std::io::Result<PathBuf> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("corpus");
    let prefix = path.with_file_name(format!("{stem}-prefix-{mb}mb.txt"));
    if !prefix.exists() {
        let bytes = std::fs::read(path)?;
        let limit = (mb << 20).min(bytes.len());
        let cut = bytes[..limit]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(limit, |i| i + 1);
        std::fs::write(&prefix, &bytes[..cut])?;
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_ends_after_a_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dense.txt");
        let line = "Employee SSN 175-85-6645 verified by HR\n";
        std::fs::write(&file, line.repeat(40_000)).unwrap();
        let prefix = std::fs::read_to_string(prefix_file(&file, 1).unwrap()).unwrap();
        assert!(prefix.len() <= 1 << 20 && prefix.len() > (1 << 20) - line.len());
        assert!(prefix.ends_with('\n') && prefix.len().is_multiple_of(line.len()));
    }

    #[test]
    fn kingfisher_report_is_read_from_the_first_of_its_two_json_values() {
        let stdout = br#"{"findings":[{"rule":{}},{"rule":{}}],"metadata":{}}
{"findings":2,"rules_applied":488}"#;
        assert_eq!(
            first_json_value(stdout).unwrap()["findings"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }
}
