//! `dlp-bench`: the engine's throughput per core on generated text, next to the peers on PATH;
//! `dlp-bench api`: the REST API's read path on a store of synthetic findings.
//! Its own binary, so that the product binary does not ship a benchmark harness.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dlp_bench::BenchOptions;
use dlp_bench::api::ApiBenchOptions;

#[derive(Debug, Parser)]
#[command(
    name = "dlp-bench",
    about = "Measure the detection engine's throughput on generated text (and peers on PATH)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    engine: Args,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The REST API's read path: N synthetic findings in a store, the release binary's
    /// `serve --role api` as a child, its search index build, RSS, and request latencies.
    Api(ApiArgs),
    /// A full crawl of N generated pages on the simulator at a real site's latency: wall
    /// time and Confluence requests per page, first scan and re-scan.
    Crawl(CrawlArgs),
    /// Page edit to queryable finding through the Forge webhook, at a steady rate of edits:
    /// p50, p99, and edits whose finding never appeared.
    Webhooks(WebhookArgs),
    /// The MCP proxy in front of mcp-atlassian on the Data Center simulator: added latency
    /// per tool call on a 50 KB page against mcp-atlassian straight, and recall over the
    /// sample space with and without the scan's fingerprints.
    Mcp(McpArgs),
}

#[derive(Debug, clap::Args)]
struct McpArgs {
    /// The confluence-dlp binary (default: $CARGO_TARGET_DIR or target, /release/confluence-dlp).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// mcp-atlassian (default: the venv scripts/setup.sh mcp makes).
    #[arg(long)]
    mcp_atlassian: Option<PathBuf>,
    #[arg(long, default_value = "samples/spaces/ENG")]
    space: PathBuf,
    /// Calls of each client, alternating.
    #[arg(long, default_value_t = 300)]
    rounds: usize,
    #[arg(long, default_value_t = 50_000)]
    page_bytes: usize,
    /// A config file for the proxies, e.g. `[mcp_proxy]` with `default_policy = "allow"` to
    /// measure the hop alone.
    #[arg(long)]
    proxy_config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct WebhookArgs {
    /// Edits per second.
    #[arg(long, default_value_t = 100)]
    rate: u64,
    /// After the burst, redactor lookups of the pages edited at this many a second (cache
    /// hits: each page is looked up once first).
    #[arg(long)]
    lookup_rate: Option<u64>,
    #[arg(long, default_value_t = 10)]
    lookup_secs: u64,
    #[arg(long, default_value_t = 60)]
    secs: u64,
    /// A PostgreSQL server (a database of the benchmark's own is made and dropped); without
    /// it, SQLite and the embedded queue.
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long)]
    redis_url: Option<String>,
    #[arg(long)]
    bin: Option<PathBuf>,
    /// How long after the last edit a finding may still arrive.
    #[arg(long, default_value_t = 120)]
    grace_secs: u64,
    /// Keep the data directory and serve.log.
    #[arg(long)]
    keep: bool,
    /// Worker tasks in `serve` (default: its own).
    #[arg(long)]
    worker_concurrency: Option<usize>,
    /// Run the workers as `serve --role worker` and SIGKILL that process this many seconds
    /// into the burst (a new one starts at once). Needs --database-url and --redis-url.
    #[arg(long)]
    kill_worker_after_secs: Option<f64>,
}

#[derive(Debug, clap::Args)]
struct CrawlArgs {
    #[arg(long, default_value_t = 10_000)]
    pages: u64,
    /// Added to every API request by the simulator.
    #[arg(long, default_value_t = 150)]
    latency_ms: u64,
    /// One page in this many has a footer comment.
    #[arg(long, default_value_t = 20)]
    comment_every: u64,
    /// One page in this many has an attachment.
    #[arg(long, default_value_t = 25)]
    attachment_every: u64,
    /// The scan's worker tasks.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// The confluence-dlp binary (default: $CARGO_TARGET_DIR or target, /release/confluence-dlp).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// The simulated site: `cloud`, or `datacenter` (v1 under /confluence).
    #[arg(long, default_value = "cloud", value_parser = ["cloud", "datacenter"])]
    flavor: String,
}

#[derive(Debug, clap::Args)]
struct ApiArgs {
    /// Findings to load (e.g. 100000 or 1000000).
    #[arg(long, default_value_t = 100_000)]
    findings: u64,
    /// A PostgreSQL server; a database of the benchmark's own is made on it and dropped at
    /// the end. Without it: SQLite in a temporary data directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Redis for the PostgreSQL run's queue (without it: the embedded queue).
    #[arg(long)]
    redis_url: Option<String>,
    /// The confluence-dlp binary (default: $CARGO_TARGET_DIR or target, /release/confluence-dlp).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Measured requests per kind.
    #[arg(long, default_value_t = 3000)]
    requests: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Unmeasured requests before each kind.
    #[arg(long, default_value_t = 30)]
    warmup: usize,
    /// Longest one kind may run; it then stops with fewer requests.
    #[arg(long, default_value_t = 120)]
    max_secs_per_kind: u64,
    #[arg(long, default_value_t = 14)]
    seed: u64,
    /// Keep the temporary data directory and the database.
    #[arg(long)]
    keep: bool,
    /// Print the query plans of the listing and summary SQL.
    #[arg(long)]
    explain: bool,
}

#[derive(Debug, clap::Args)]
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
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Api(args)) => api(args),
        Some(Command::Crawl(args)) => crawl(args),
        Some(Command::Webhooks(args)) => webhooks(args),
        Some(Command::Mcp(args)) => mcp(args),
        None => engine(cli.engine),
    }
}

/// The release binary the benchmarks run, unless one is named.
fn release_binary(named: Option<PathBuf>) -> PathBuf {
    named.unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("target"));
        target.join("release/confluence-dlp")
    })
}

/// A benchmark's report as Markdown on stdout, or its error on stderr (exit code 2).
fn printed<R>(result: anyhow::Result<R>, markdown: impl Fn(&R) -> String) -> ExitCode {
    match result {
        Ok(report) => {
            print!("{}", markdown(&report));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn webhooks(args: WebhookArgs) -> ExitCode {
    let options = dlp_bench::webhooks::WebhookBenchOptions {
        rate: args.rate.max(1),
        secs: args.secs.max(1),
        bin: release_binary(args.bin),
        database_url: args.database_url,
        redis_url: args.redis_url,
        grace: std::time::Duration::from_secs(args.grace_secs),
        keep: args.keep,
        worker_concurrency: args.worker_concurrency,
        kill_worker_after: args
            .kill_worker_after_secs
            .map(std::time::Duration::from_secs_f64),
        lookups: args.lookup_rate.map(|rate| dlp_bench::lookup::LookupLoad {
            rate: rate.max(1),
            secs: args.lookup_secs.max(1),
        }),
    };
    printed(dlp_bench::webhooks::run(&options), |r| r.markdown(&options))
}

fn mcp(args: McpArgs) -> ExitCode {
    let venv = std::env::var_os("DLP_MCP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/confluence-dlp/mcp-atlassian-venv")
        });
    let options = dlp_bench::mcp::McpBenchOptions {
        bin: release_binary(args.bin),
        mcp_atlassian: args
            .mcp_atlassian
            .unwrap_or_else(|| venv.join("bin/mcp-atlassian")),
        space: args.space,
        rounds: args.rounds.max(1),
        page_bytes: args.page_bytes,
        proxy_config: args.proxy_config,
    };
    let report = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(dlp_bench::mcp::run(&options)));
    printed(report, |r| r.markdown())
}

fn crawl(args: CrawlArgs) -> ExitCode {
    let options = dlp_bench::crawl::CrawlBenchOptions {
        pages: args.pages,
        latency: std::time::Duration::from_millis(args.latency_ms),
        comment_every: args.comment_every,
        attachment_every: args.attachment_every,
        bin: release_binary(args.bin),
        concurrency: args.concurrency,
        flavor: match args.flavor.as_str() {
            "datacenter" => dlp_simulator::Flavor::data_center(),
            _ => dlp_simulator::Flavor::Cloud,
        },
    };
    printed(dlp_bench::crawl::run(&options), |r| r.markdown(&options))
}

fn api(args: ApiArgs) -> ExitCode {
    let bin = release_binary(args.bin);
    let options = ApiBenchOptions {
        findings: args.findings,
        database_url: args.database_url,
        redis_url: args.redis_url,
        bin,
        requests: args.requests,
        concurrency: args.concurrency,
        warmup: args.warmup,
        max_secs_per_kind: args.max_secs_per_kind,
        seed: args.seed,
        keep: args.keep,
        explain: args.explain,
    };
    printed(dlp_bench::api::run(&options), |r| r.markdown(&options))
}

fn engine(args: Args) -> ExitCode {
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
