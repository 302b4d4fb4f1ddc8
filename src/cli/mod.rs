//! The command line: a thin layer that loads settings, wires the parts and prints.
//!
//! Exit codes of `scan`: 0 no findings (or none at `--fail-on` severity or above), 1
//! findings, 2 error.

mod output;
mod rules;
mod scan;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "confluence-dlp",
    version,
    about = "Finds and fixes sensitive data at rest in Confluence"
)]
pub struct Cli {
    /// A TOML settings file (see README, "Configuration").
    #[arg(long, global = true, env = "DLP_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where embedded state lives (SQLite store and queue, generated server key).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a Confluence space (--site, --space) or local files and folders (PATH...).
    Scan(ScanArgs),
    /// Run a pool of workers that takes scan jobs from the queue until interrupted.
    Worker(WorkerArgs),
    /// Serve the REST API (--listen, DLP_LISTEN) with a worker pool beside it, until SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),
    /// Create, list and revoke API tokens.
    Token(serve::TokenArgs),
    /// Serve sample spaces from disk over the Confluence Cloud REST API (for tests and demos).
    Simulate(SimulateArgs),
    /// Put the MCP redacting proxy between an AI client (stdio, or --listen for HTTP) and an
    /// upstream MCP server (the command after `--`, or --upstream-url).
    McpProxy(crate::mcp::ProxyArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// List the detection rules, or test a rule file's examples.
    Rules(rules::RulesArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A summary table (and a progress bar on a terminal).
    Table,
    /// One finding per line, as the JSON contract in docs/ARCHITECTURE.md; then a line per item that
    /// could not be scanned, `{"type":"problem",...}`.
    Jsonl,
    /// One JSON document: scan id, findings, problems and a summary.
    Json,
    /// One row per finding, with a header.
    Csv,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// The lowest severity that fails a scan (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding (no detector reports below `low`; the same as `low`).
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    /// The lowest severity that fails the scan.
    pub fn threshold(self) -> dlp_domain::Severity {
        use dlp_domain::Severity;
        match self {
            FailOn::Info | FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Local files or folders to scan instead of a Confluence space.
    pub paths: Vec<PathBuf>,
    /// Confluence site, e.g. https://acme.atlassian.net.
    #[arg(long, env = "CONFLUENCE_SITE")]
    pub site: Option<String>,
    /// Space key to scan, e.g. ENG.
    #[arg(long)]
    pub space: Option<String>,
    /// Scan every space the credentials can read (one scan per space under a parent scan).
    #[arg(long, conflicts_with = "space")]
    pub all_spaces: bool,
    /// Cloud account email (with --api-token).
    #[arg(long)]
    pub email: Option<String>,
    /// Cloud API token; prefer CONFLUENCE_API_TOKEN so it stays out of shell history.
    #[arg(long, hide_env_values = true)]
    pub api_token: Option<SecretString>,
    /// Data Center personal access token; prefer CONFLUENCE_PAT.
    #[arg(long, hide_env_values = true)]
    pub pat: Option<SecretString>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file (created readable by its owner only) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 only for a finding of this severity or above (default: any finding).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Only crawl and enqueue; leave the jobs to `confluence-dlp worker` processes.
    #[arg(long)]
    pub enqueue_only: bool,
    /// Scan only what changed in the space since its last completed scan (found by one CQL
    /// search); a full scan when there is none, or when the rules changed since.
    #[arg(long, requires = "space")]
    pub incremental: bool,
    /// Also scan older versions of pages and blog posts: the N versions before the current
    /// one, or all of them. Versions already classified with the same rules are not fetched
    /// again; findings say the version that holds them and whether the value is in history
    /// only.
    #[arg(long, value_name = "N|all")]
    pub history: Option<dlp_domain::HistoryDepth>,
    /// Workers in this process (default: settings, 4).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Client-side request budget, requests per second.
    #[arg(long)]
    pub max_requests_per_sec: Option<f64>,
    /// Findings below this confidence are not reported.
    #[arg(long)]
    pub min_confidence: Option<f64>,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Confluence site the jobs come from (needed to fetch comments and attachments).
    #[arg(long, env = "CONFLUENCE_SITE")]
    pub site: Option<String>,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// A folder holding one space (space.json) or several space folders.
    pub dir: PathBuf,
    #[arg(long, default_value_t = 8090)]
    pub port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Require Basic auth with this email (and --auth-token).
    #[arg(long)]
    pub auth_email: Option<String>,
    #[arg(long, hide_env_values = true)]
    pub auth_token: Option<String>,
    /// Require this Bearer token (Data Center PAT).
    #[arg(long, hide_env_values = true)]
    pub auth_pat: Option<String>,
    /// Answer every Nth API request with 429 and Retry-After.
    #[arg(long)]
    pub every_nth_429: Option<u32>,
    /// Retry-After seconds on injected 429s.
    #[arg(long, default_value_t = 1)]
    pub retry_after_secs: u32,
    /// Answer this fraction of API requests with a random 5xx (seeded, reproducible).
    #[arg(long)]
    pub rate_5xx: Option<f64>,
    /// Answer this fraction of API requests with a random 429 (seeded, reproducible).
    #[arg(long)]
    pub rate_429: Option<f64>,
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// Milliseconds added to every API request, as a real site's latency (e.g. 150).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Cloud's points quota: this many points (1 per call, 1 per object returned) per
    /// `--quota-window-secs`; spent, the API answers 429 until the window ends.
    #[arg(long)]
    pub quota_points: Option<u64>,
    #[arg(long, default_value_t = 3600)]
    pub quota_window_secs: u64,
    /// Which Confluence to be: `cloud` (REST v2) or `datacenter` (REST v1 under
    /// `--context-path`).
    #[arg(long, default_value = "cloud", value_parser = ["cloud", "datacenter"])]
    pub flavor: String,
    /// Data Center's context path.
    #[arg(long, default_value = "/confluence")]
    pub context_path: String,
}

/// Runs a parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    init_tracing();
    match dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            // `{:#}` prints the cause chain; none of our errors carry content or secrets.
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    match cli.command {
        Command::Scan(args) => scan::command(settings, args).await,
        Command::Worker(args) => scan::worker_command(settings, args).await,
        Command::Serve(args) => serve::command(settings, args).await,
        Command::Token(args) => serve::token_command(settings, args).await,
        Command::Simulate(args) => simulate(args).await,
        Command::Rules(args) => rules::command(&settings, args),
        Command::McpProxy(args) => {
            let app = std::sync::Arc::new(crate::app::App::build(settings).await?);
            let result = crate::mcp::run(app.clone(), args).await;
            app.close().await;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = crate::app::open_store(&settings).await?;
            eprintln!("migrations applied ({:?})", store.backend());
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn simulate(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    use dlp_simulator::{Faults, RandomFaults, SimulatorAuth, SimulatorConfig};
    let auth = SimulatorAuth {
        basic: match (args.auth_email, args.auth_token) {
            (Some(e), Some(t)) => Some((e, t)),
            (None, None) => None,
            _ => anyhow::bail!("--auth-email and --auth-token go together"),
        },
        bearer: args.auth_pat,
    };
    let random = (args.rate_5xx.is_some() || args.rate_429.is_some()).then(|| RandomFaults {
        rate_429: args.rate_429.unwrap_or(0.0),
        rate_5xx: args.rate_5xx.unwrap_or(0.0),
        seed: args.fault_seed,
    });
    let faults = Faults {
        every_nth_429: args.every_nth_429,
        retry_after_secs: args.retry_after_secs,
        random,
        ..Faults::default()
    };
    let config = SimulatorConfig {
        root: args.dir,
        auth,
        faults,
        latency: std::time::Duration::from_millis(args.latency_ms),
        quota: args.quota_points.map(|points| dlp_simulator::Quota {
            points,
            window: std::time::Duration::from_secs(args.quota_window_secs),
        }),
        flavor: match args.flavor.as_str() {
            "datacenter" => dlp_simulator::Flavor::DataCenter {
                context: args.context_path,
            },
            _ => dlp_simulator::Flavor::Cloud,
        },
    };
    let handle = dlp_simulator::spawn(config, SocketAddr::new(args.bind, args.port)).await?;
    eprintln!(
        "simulated Confluence at {} (Ctrl-C to stop)",
        handle.site_url()
    );
    handle.wait().await;
    Ok(ExitCode::SUCCESS)
}

fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("DLP_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    // Colour codes only for a terminal: in a file or a log collector they are noise.
    let ansi = std::io::stderr().is_terminal();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}
