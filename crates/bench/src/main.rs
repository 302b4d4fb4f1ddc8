//! `dlp-bench`: the engine's throughput per core on generated text, next to the peers on PATH.
//! Its own binary, so that the product binary does not ship a benchmark harness.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dlp_bench::BenchOptions;

#[derive(Debug, Parser)]
#[command(
    name = "dlp-bench",
    about = "Measure the detection engine's throughput on generated text (and peers on PATH)"
)]
struct Args {
    /// Folder for the generated corpus (reused across runs).
    #[arg(long, default_value = "target/bench-corpus")]
    dir: PathBuf,
    /// MiB of mostly benign prose, code and logs.
    #[arg(long, default_value_t = 100)]
    benign_mb: usize,
    /// MiB of text where every line holds a sensitive value.
    #[arg(long, default_value_t = 20)]
    dense_mb: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Also time kingfisher, detect-secrets and Presidio on the same files, when installed.
    #[arg(long)]
    peers: bool,
    /// MiB of each corpus the Python peers (detect-secrets, Presidio) scan: a prefix, since
    /// they run well under 1 MiB/s.
    #[arg(long, default_value_t = 1)]
    python_mb: usize,
    /// The script that runs Presidio's analyzer over files.
    #[arg(long, default_value = "scripts/peers/presidio_scan.py")]
    presidio_script: PathBuf,
    /// Print the table as Markdown.
    #[arg(long)]
    markdown: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = BenchOptions {
        dir: args.dir,
        benign_mb: args.benign_mb,
        dense_mb: args.dense_mb,
        runs: args.runs,
        peers: args.peers,
        python_mb: args.python_mb,
        presidio_script: args.presidio_script,
    };
    let table = dlp_bench::run(&options).and_then(|rows| {
        dlp_bench::print_table(&rows, args.markdown, &mut std::io::stdout().lock())
    });
    match table {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
