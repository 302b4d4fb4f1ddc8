//! `dlp-bench mcp`: what the MCP proxy costs per tool call, and what it catches.
//!
//! The sample space, plus one page of about 50 KB of prose with planted values, is served by
//! the Data Center simulator in this process and scanned by the release binary into a data
//! directory. Then three MCP clients run side by side, each over stdio:
//! - mcp-atlassian straight (the peer);
//! - `confluence-dlp mcp-proxy` in front of mcp-atlassian, over the scanned store;
//! - the same proxy over an empty store: the engine alone, nothing known from a scan.
//!
//! Latency: `confluence_get_page` of the 50 KB page, straight and through the proxy in
//! alternation, `rounds` times each; p50/p99 of both, and of the proxy's own time per call
//! (its audit trail's `proxy_ms`: policy, redaction, not the upstream). Recall: every page
//! and blog post of the sample space read through each client; of the planted values the
//! straight answers show, how many each proxy let through.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

use crate::api::load::percentile;

#[derive(Debug, Clone)]
pub struct McpBenchOptions {
    pub bin: PathBuf,
    pub mcp_atlassian: PathBuf,
    /// The sample space (samples/spaces/ENG), with its expected.json.
    pub space: PathBuf,
    pub rounds: usize,
    pub page_bytes: usize,
    /// A config file for the proxies (`DLP_CONFIG`), e.g. `default_policy = "allow"` to
    /// measure the hop alone.
    pub proxy_config: Option<PathBuf>,
}

const PAT: &str = "bench-personal-access-token";
const BIG_PAGE: &str = "990001";
/// Planted in the sample space, and found there by its scan; written bare on the 50 KB page.
/// The AWS secret is a secret by its context only (`aws_secret_access_key =` in the sample).
const BARE: [&str; 4] = [
    "AKIACSNCMFN5TBERFPSF",
    "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",
    "071-07-5029",
    "g2Gnwcg6V5lRQ2NhyTvd4QAs+mZZzSZY1dbvfy0a",
];
const KEY: &str = "4f1c7e9a0b2d3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6";

#[derive(Debug, Default)]
pub struct McpReport {
    pub rounds: usize,
    pub page_bytes: usize,
    pub direct: (Duration, Duration),
    pub proxied: (Duration, Duration),
    pub proxy_own: (Duration, Duration),
    /// Planted values (not of a later round) that the straight answers showed.
    pub shown: usize,
    pub leaked_with_scan: Vec<String>,
    pub leaked_engine_only: Vec<String>,
    pub known_redactions: u64,
    /// Attachments holding planted values (not of a later round) that mcp-atlassian hands
    /// over whole, and of them those each proxy let through.
    pub attachments_shown: usize,
    pub attachments_passed_with_scan: Vec<String>,
    pub attachments_passed_engine_only: Vec<String>,
    /// Values written bare on the 50 KB page (no keyword before them), and of them those each
    /// proxy let through.
    pub bare: Vec<String>,
    pub bare_passed_with_scan: Vec<String>,
    pub bare_passed_engine_only: Vec<String>,
}

impl McpReport {
    pub fn markdown(&self) -> String {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        let caught = |leaked: &[String]| {
            format!(
                "{} of {} ({:.1}%)",
                self.shown - leaked.len(),
                self.shown,
                100.0 * (self.shown - leaked.len()) as f64 / self.shown.max(1) as f64
            )
        };
        format!(
            "| `confluence_get_page`, {} KB page, {} calls each | p50 | p99 |\n|---|---:|---:|\n\
             | mcp-atlassian straight | {} | {} |\n\
             | through `confluence-dlp mcp-proxy` | {} | {} |\n\
             | difference | {} | {} |\n\
             | the proxy's own time per call (audit `proxy_ms`) | {} | {} |\n\n\
             | Recall over the sample space (pages, blog posts, comments) | planted values caught |\n|---|---:|\n\
             | proxy, with the scan's fingerprints | {} |\n\
             | proxy, engine alone (empty store) | {} |\n\n\
             | {} values written bare on the 50 KB page | let through |\n|---|---:|\n\
             | proxy, with the scan's fingerprints | {:?} |\n\
             | proxy, engine alone | {:?} |\n\n\
             | Attachments with planted values, downloaded whole | withheld |\n|---|---:|\n\
             | proxy, with the scan's fingerprints | {} of {} |\n\
             | proxy, engine alone | {} of {} |\n\n\
             Redactions recognised from the scan's fingerprints alone: {}. Let through with the scan: {:?} {:?}; engine alone: {:?} {:?}\n",
            self.page_bytes / 1000,
            self.rounds,
            ms(self.direct.0),
            ms(self.direct.1),
            ms(self.proxied.0),
            ms(self.proxied.1),
            ms(self.proxied.0.saturating_sub(self.direct.0)),
            ms(self.proxied.1.saturating_sub(self.direct.1)),
            ms(self.proxy_own.0),
            ms(self.proxy_own.1),
            caught(&self.leaked_with_scan),
            caught(&self.leaked_engine_only),
            self.bare.len(),
            self.bare_passed_with_scan,
            self.bare_passed_engine_only,
            self.attachments_shown - self.attachments_passed_with_scan.len(),
            self.attachments_shown,
            self.attachments_shown - self.attachments_passed_engine_only.len(),
            self.attachments_shown,
            self.known_redactions,
            self.leaked_with_scan,
            self.attachments_passed_with_scan,
            self.leaked_engine_only,
            self.attachments_passed_engine_only,
        )
    }
}

type Client = RunningService<rmcp::RoleClient, ()>;

pub async fn run(options: &McpBenchOptions) -> anyhow::Result<McpReport> {
    crate::require_binary(&options.bin)?;
    anyhow::ensure!(
        options.mcp_atlassian.exists(),
        "{} is missing (scripts/setup.sh mcp installs it)",
        options.mcp_atlassian.display()
    );
    let work = tempfile::tempdir()?;
    let space = work.path().join("space");
    copy_dir(&options.space, &space)?;
    add_big_page(&space, options.page_bytes)?;
    let sim = dlp_simulator::spawn(
        dlp_simulator::SimulatorConfig {
            root: space.clone(),
            auth: dlp_simulator::SimulatorAuth::bearer(PAT),
            faults: Default::default(),
            latency: Duration::ZERO,
            quota: None,
            flavor: dlp_simulator::Flavor::data_center(),
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await?;
    let site = sim.site_url().to_string();
    let scanned = work.path().join("scanned");
    let empty = work.path().join("empty");
    scan(&options.bin, &scanned, &site)?;
    std::fs::create_dir_all(&empty)?;

    let direct = connect(direct_command(options, &site)).await?;
    let proxied = connect(proxy_command(options, &scanned, &site)).await?;
    let engine_only = connect(proxy_command(options, &empty, &site)).await?;

    let mut report = McpReport {
        rounds: options.rounds,
        page_bytes: options.page_bytes,
        ..Default::default()
    };
    // Latency, alternating so that both see the same machine.
    let page = json!({"page_id": BIG_PAGE});
    for _ in 0..10 {
        call(&direct, "confluence_get_page", &page).await?;
        call(&proxied, "confluence_get_page", &page).await?;
    }
    let (mut straight, mut through) = (Vec::new(), Vec::new());
    for _ in 0..options.rounds {
        let t = Instant::now();
        call(&direct, "confluence_get_page", &page).await?;
        straight.push(t.elapsed());
        let t = Instant::now();
        let r = call(&proxied, "confluence_get_page", &page).await?;
        through.push(t.elapsed());
        anyhow::ensure!(
            r.is_error != Some(true),
            "the proxy refused the page: {r:?}"
        );
    }
    straight.sort();
    through.sort();
    report.direct = (percentile(&straight, 0.5), percentile(&straight, 0.99));
    report.proxied = (percentile(&through, 0.5), percentile(&through, 0.99));

    // The bare values of the 50 KB page, through each proxy.
    let mut bare = [String::new(), String::new()];
    for (i, client) in [&proxied, &engine_only].into_iter().enumerate() {
        bare[i] = squeezed(&readable(
            &call(client, "confluence_get_page", &page).await?,
        ));
    }
    for value in BARE {
        report.bare.push(value.to_owned());
        if bare[0].contains(&squeezed(value)) {
            report
                .bare_passed_with_scan
                .push(value[..6].to_owned() + "…");
        }
        if bare[1].contains(&squeezed(value)) {
            report
                .bare_passed_engine_only
                .push(value[..6].to_owned() + "…");
        }
    }

    // Recall.
    let expected: Value =
        serde_json::from_slice(&std::fs::read(options.space.join("expected.json"))?)?;
    let planted: Vec<(String, String)> = expected["planted"]
        .as_array()
        .context("expected.json has planted values")?
        .iter()
        .filter(|p| p["future"] != true && p["content_type"] != "attachment")
        .map(|p| {
            (
                format!(
                    "{}:{}",
                    p["detector"].as_str().unwrap_or(""),
                    p["page_id"].as_str().unwrap_or("")
                ),
                p["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut answers = [String::new(), String::new(), String::new()];
    for id in content_ids(&options.space)? {
        for (tool, args) in [
            ("confluence_get_page", json!({"page_id": id})),
            ("confluence_get_comments", json!({"page_id": id})),
        ] {
            for (i, client) in [&direct, &proxied, &engine_only].into_iter().enumerate() {
                let r = call(client, tool, &args).await?;
                answers[i].push_str(&readable(&r));
            }
        }
    }
    let [straight_text, scanned_text, engine_text] = answers.map(|a| squeezed(&a));
    let mut seen = BTreeSet::new();
    for (name, value) in &planted {
        let v = squeezed(value);
        if v.len() < 6 || !straight_text.contains(&v) || !seen.insert(v.clone()) {
            continue;
        }
        report.shown += 1;
        if scanned_text.contains(&v) {
            report.leaked_with_scan.push(name.clone());
        }
        if engine_text.contains(&v) {
            report.leaked_engine_only.push(name.clone());
        }
    }
    // Attachments: mcp-atlassian hands each one over whole, as a blob at
    // attachment:///{page}/{file name}; a proxy withholds those it finds a value in.
    let holders: BTreeSet<String> = expected["planted"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["future"] != true && p["content_type"] == "attachment")
        .filter_map(|p| {
            Some(format!(
                "{}/{}",
                p["page_id"].as_str()?,
                p["attachment_title"].as_str()?
            ))
        })
        .collect();
    let mut blobs = [BTreeSet::new(), BTreeSet::new(), BTreeSet::new()];
    for id in content_ids(&options.space)? {
        let args = json!({"content_id": id});
        for (i, client) in [&direct, &proxied, &engine_only].into_iter().enumerate() {
            let r = call(client, "confluence_download_content_attachments", &args).await?;
            blobs[i].extend(blob_uris(&r));
        }
    }
    let shown: Vec<&String> = holders.iter().filter(|h| blobs[0].contains(*h)).collect();
    report.attachments_shown = shown.len();
    report.attachments_passed_with_scan = shown
        .iter()
        .filter(|h| blobs[1].contains(**h))
        .map(|h| h.to_string())
        .collect();
    report.attachments_passed_engine_only = shown
        .iter()
        .filter(|h| blobs[2].contains(**h))
        .map(|h| h.to_string())
        .collect();
    for client in [direct, proxied, engine_only] {
        let _ = client.cancel().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (own, known) = audit(&scanned, 10, options.rounds).await?;
    report.proxy_own = own;
    report.known_redactions = known;
    Ok(report)
}

fn direct_command(options: &McpBenchOptions, site: &str) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(&options.mcp_atlassian);
    c.args(["--transport", "stdio"]);
    upstream_env(&mut c, site);
    c
}

fn proxy_command(
    options: &McpBenchOptions,
    data_dir: &Path,
    site: &str,
) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(&options.bin);
    c.arg("mcp-proxy")
        .arg("--")
        .arg(&options.mcp_atlassian)
        .args(["--transport", "stdio"]);
    upstream_env(&mut c, site);
    c.env("DLP_DATA_DIR", data_dir).env("DLP_SERVER_KEY", KEY);
    if let Some(config) = &options.proxy_config {
        c.env("DLP_CONFIG", config);
    }
    c
}

fn upstream_env(c: &mut tokio::process::Command, site: &str) {
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .env("OMP_THREAD_LIMIT", "1")
        .env("CONFLUENCE_URL", site.trim_end_matches('/'))
        .env("CONFLUENCE_PERSONAL_TOKEN", PAT)
        .env("TOOLSETS", "all")
        .env("READ_ONLY_MODE", "true");
}

async fn connect(command: tokio::process::Command) -> anyhow::Result<Client> {
    let transport = TokioChildProcess::new(command)?;
    tokio::time::timeout(Duration::from_secs(120), ().serve(transport))
        .await
        .context("no MCP handshake within 120 s")?
        .context("MCP handshake")
}

async fn call(client: &Client, tool: &str, args: &Value) -> anyhow::Result<CallToolResult> {
    let Value::Object(map) = args.clone() else {
        bail!("arguments are an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(map))
        .await
        .with_context(|| tool.to_owned())
}

/// `{page}/{file name}` of every blob resource a result carries.
fn blob_uris(r: &CallToolResult) -> Vec<String> {
    let value = serde_json::to_value(r).unwrap_or_default();
    value["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["resource"]["blob"].is_string())
        .filter_map(|c| c["resource"]["uri"].as_str())
        .filter_map(|u| u.strip_prefix("attachment:///"))
        .map(str::to_owned)
        .collect()
}

fn readable(r: &CallToolResult) -> String {
    let mut out = serde_json::to_string(r).unwrap_or_default();
    for c in &r.content {
        if let Some(t) = c.as_text() {
            out.push('\n');
            out.push_str(&t.text);
        }
    }
    out
}

/// A value as it may be written: without whitespace and the characters Markdown and JSON
/// add or a writer puts between digit groups.
fn squeezed(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '*' | '_' | '`' | '\\' | '-' | '"')))
        .collect()
}

fn scan(bin: &Path, data_dir: &Path, site: &str) -> anyhow::Result<()> {
    let out = Command::new(bin)
        .args(["scan", "--site", site, "--space", "ENG", "--format", "json"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OMP_THREAD_LIMIT", "1")
        .env("DLP_DATA_DIR", data_dir)
        .env("DLP_SERVER_KEY", KEY)
        .env("CONFLUENCE_PAT", PAT)
        .output()?;
    // 1: findings, as expected of the sample space.
    if out.status.code() != Some(1) {
        bail!("the scan failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// The proxy's own time per call (p50, p99) and its redactions known from the scan, from its
/// audit trail in the store.
async fn audit(
    data_dir: &Path,
    warmup: usize,
    rounds: usize,
) -> anyhow::Result<((Duration, Duration), u64)> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", data_dir.join("dlp.sqlite").display());
    let pool = sqlx::AnyPool::connect(&url).await?;
    let rows = sqlx::query_as::<_, (String,)>(
        "SELECT detail FROM audit_events WHERE action = 'mcp.call' ORDER BY id",
    )
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    let mut own = Vec::new();
    let mut known = 0;
    for (i, (detail,)) in rows.into_iter().enumerate() {
        let d: Value = serde_json::from_str(&detail)?;
        // The latency phase's calls come first, in order; the recall calls (OCR of every
        // image attachment among them) after.
        if (warmup..warmup + rounds).contains(&i)
            && let Some(ms) = d["proxy_ms"].as_f64()
        {
            own.push(Duration::from_secs_f64(ms / 1000.0));
        }
        known += d["known"].as_u64().unwrap_or(0);
    }
    own.sort();
    Ok(((percentile(&own, 0.5), percentile(&own, 0.99)), known))
}

/// Page and blog post ids of a sample space.
fn content_ids(space: &Path) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for dir in ["pages", "blogposts"] {
        let Ok(entries) = std::fs::read_dir(space.join(dir)) else {
            continue;
        };
        for e in entries {
            let name = e?.file_name().into_string().unwrap_or_default();
            if let Some(id) = name.strip_suffix(".json") {
                ids.push(id.to_owned());
            }
        }
    }
    ids.sort();
    Ok(ids)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// A page of `bytes` of prose under the home page, with three planted values of the sample
/// space in it bare.
fn add_big_page(space: &Path, bytes: usize) -> anyhow::Result<()> {
    let home: Value = serde_json::from_slice(&std::fs::read(space.join("pages/65601.json"))?)?;
    let mut page = home.clone();
    page["id"] = json!(BIG_PAGE);
    page["parentId"] = json!("65601");
    page["position"] = json!(99);
    page["title"] = json!("Payments runbook (long)");
    std::fs::write(
        space.join(format!("pages/{BIG_PAGE}.json")),
        serde_json::to_vec_pretty(&page)?,
    )?;
    let secrets: Vec<String> = BARE.iter().map(|s| s.to_string()).collect();
    let text = crate::lookup::page_text(bytes, &secrets);
    let body: String = text
        .split(". ")
        .collect::<Vec<_>>()
        .chunks(6)
        .map(|c| format!("<p>{}.</p>", c.join(". ")))
        .collect();
    std::fs::write(space.join(format!("pages/{BIG_PAGE}.xhtml")), body)?;
    Ok(())
}
