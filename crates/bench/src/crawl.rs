//! `dlp-bench crawl`: what a full crawl of a large space costs in Confluence requests and
//! wall time, at a real site's latency.
//!
//! A space of N generated pages (most with neither comments nor attachments: one in
//! `comment_every` has a footer comment, one in `attachment_every` a small text attachment) is
//! written in the simulator's sample format and served by the simulator in this process, with
//! `latency` added to every API request. The release binary's `scan --space GEN` crawls it
//! twice into one data directory: a first scan, and a re-scan that finds nothing changed.
//! Requests are the simulator's own count.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct CrawlBenchOptions {
    pub pages: u64,
    pub latency: Duration,
    pub comment_every: u64,
    pub attachment_every: u64,
    /// The `confluence-dlp` binary.
    pub bin: PathBuf,
    /// Worker tasks of the scan (`--concurrency`).
    pub concurrency: usize,
    /// Cloud (v2 under `/wiki`) or Data Center (v1 under `/confluence`).
    pub flavor: dlp_simulator::Flavor,
}

/// One scan's cost.
#[derive(Debug, Clone)]
pub struct CrawlRun {
    pub secs: f64,
    /// API requests (listings, searches, reads).
    pub requests: u64,
    /// Attachment downloads from the site (first hops; Cloud's redirect, Data Center's file).
    pub downloads: u64,
}

#[derive(Debug, Clone)]
pub struct CrawlReport {
    pub pages: u64,
    pub comments: u64,
    pub attachments: u64,
    pub first: CrawlRun,
    pub rescan: CrawlRun,
    /// `scan --incremental` after the re-scan: nothing changed since.
    pub incremental: CrawlRun,
}

const SPACE_ID: u64 = 90_001;
/// The first page's id; pages are numbered on from it.
pub(crate) const FIRST_ID: u64 = 1_000_000;
const AUTHOR: &str = "712020:00000000-0000-4000-8000-000000000001";
const AT: &str = "2026-03-01T09:00:00.000Z";

pub fn run(options: &CrawlBenchOptions) -> anyhow::Result<CrawlReport> {
    crate::require_binary(&options.bin)?;
    let temp = tempfile::Builder::new()
        .prefix("dlp-bench-crawl-")
        .tempdir()?;
    let root = temp.path().join("spaces");
    let (comments, attachments) = generate(&root.join("GEN"), options)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sim = runtime.block_on(dlp_simulator::spawn(
        dlp_simulator::SimulatorConfig {
            latency: options.latency,
            flavor: options.flavor.clone(),
            ..dlp_simulator::SimulatorConfig::new(&root)
        },
        "127.0.0.1:0".parse()?,
    ))?;
    let data_dir = temp.path().join("data");
    let scan = |label: &str, incremental: bool| -> anyhow::Result<CrawlRun> {
        let downloads = |s: &dlp_simulator::SimulatorStats| match options.flavor {
            dlp_simulator::Flavor::Cloud => s.download_redirects,
            dlp_simulator::Flavor::DataCenter { .. } => s.media_downloads,
        };
        let before = sim.stats();
        let started = Instant::now();
        let mut command = scan_command(options, sim.site_url().as_ref(), &data_dir);
        if incremental {
            command.arg("--incremental");
        }
        let out = command
            .output()
            .with_context(|| format!("running {}", options.bin.display()))?;
        // Exit 1 means findings were reported; anything else is a failed scan.
        if !matches!(out.status.code(), Some(0 | 1)) {
            bail!(
                "{label} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let after = sim.stats();
        let run = CrawlRun {
            secs: started.elapsed().as_secs_f64(),
            requests: after.api_requests - before.api_requests,
            downloads: downloads(&after) - downloads(&before),
        };
        eprintln!(
            "{label}: {:.1} s, {} requests and {} downloads ({:.3} per page)",
            run.secs,
            run.requests,
            run.downloads,
            (run.requests + run.downloads) as f64 / options.pages as f64
        );
        Ok(run)
    };
    let first = scan("first scan", false)?;
    let rescan = scan("re-scan, nothing changed", false)?;
    let incremental = scan("incremental scan, nothing changed", true)?;
    Ok(CrawlReport {
        pages: options.pages,
        comments,
        attachments,
        first,
        rescan,
        incremental,
    })
}

fn scan_command(options: &CrawlBenchOptions, site: &str, data_dir: &Path) -> Command {
    let mut cmd = Command::new(&options.bin);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("DLP_") || name.starts_with("CONFLUENCE_") || name == "DATABASE_URL" {
            cmd.env_remove(name);
        }
    }
    cmd.args(["scan", "--space", "GEN", "--format", "json", "--output"])
        .arg(data_dir.with_extension("findings.json"))
        .args(["--concurrency", &options.concurrency.to_string()])
        .env("CONFLUENCE_SITE", site)
        .env("DLP_DATA_DIR", data_dir)
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Writes the space; returns how many comments and attachments it has.
pub(crate) fn generate(dir: &Path, options: &CrawlBenchOptions) -> anyhow::Result<(u64, u64)> {
    for sub in ["pages", "blogposts", "comments", "attachments/files"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let version = json!({"number": 1, "createdAt": AT, "message": "", "minorEdit": false,
                         "authorId": AUTHOR});
    write(
        &dir.join("space.json"),
        &json!({"id": SPACE_ID.to_string(), "key": "GEN", "name": "Generated", "type": "global",
                "status": "current", "authorId": AUTHOR, "createdAt": AT,
                "homepageId": FIRST_ID.to_string(), "description": "dlp-bench crawl"}),
    )?;
    let mut next_id = FIRST_ID + options.pages;
    let (mut comments, mut attachments) = (0, 0);
    for i in 0..options.pages {
        let id = FIRST_ID + i;
        // A tree ten wide, as real spaces are deeper than they are flat.
        let parent = (i > 0).then(|| (FIRST_ID + (i - 1) / 10).to_string());
        let page = json!({"id": id.to_string(), "status": "current",
                          "title": format!("Generated page {i}"), "parentId": parent,
                          "position": i % 10, "authorId": AUTHOR, "ownerId": AUTHOR,
                          "createdAt": AT, "version": version});
        write(&dir.join(format!("pages/{id}.json")), &page)?;
        std::fs::write(
            dir.join(format!("pages/{id}.xhtml")),
            format!(
                "<h2>Page {i}</h2><p>Steps for service {i}: restart the pod, check the \
                 dashboard, page the on-call engineer if the error rate stays high.</p>"
            ),
        )?;
        if options.comment_every > 0 && i % options.comment_every == 0 {
            let cid = next_id;
            next_id += 1;
            comments += 1;
            let comment = json!({"id": cid.to_string(), "status": "current",
                                 "title": format!("Re: Generated page {i}"),
                                 "containerType": "page", "containerId": id.to_string(),
                                 "authorId": AUTHOR, "createdAt": AT, "version": version,
                                 "location": "footer"});
            write(&dir.join(format!("comments/{cid}.json")), &comment)?;
            std::fs::write(
                dir.join(format!("comments/{cid}.xhtml")),
                "<p>Done, thanks.</p>",
            )?;
        }
        if options.attachment_every > 0 && i % options.attachment_every == 0 {
            let aid = format!("att{next_id}");
            next_id += 1;
            attachments += 1;
            let title = format!("notes-{i}.txt");
            let attachment = json!({"id": aid, "status": "current", "title": title,
                                    "mediaType": "text/plain", "comment": "",
                                    "fileId": format!("00000000-0000-4000-8000-{i:012}"),
                                    "containerType": "page", "containerId": id.to_string(),
                                    "authorId": AUTHOR, "createdAt": AT, "version": version});
            write(&dir.join(format!("attachments/{aid}.json")), &attachment)?;
            let files = dir.join(format!("attachments/files/{aid}"));
            std::fs::create_dir_all(&files)?;
            std::fs::write(
                files.join(&title),
                format!("release notes for service {i}\n"),
            )?;
        }
    }
    Ok((comments, attachments))
}

fn write(path: &Path, value: &Value) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_vec_pretty(value)?)?;
    Ok(())
}

impl CrawlReport {
    pub fn markdown(&self, options: &CrawlBenchOptions) -> String {
        let per_page = |r: &CrawlRun| (r.requests + r.downloads) as f64 / self.pages as f64;
        format!(
            "**Crawl of {} generated pages on {}** ({} with a comment, {} with an attachment), \
             {} ms latency per request, `--concurrency {}`\n\n\
             | scan | wall time | API requests | downloads | all requests per page |\n\
             | --- | ---: | ---: | ---: | ---: |\n\
             | first, full | {:.1} s | {} | {} | {:.3} |\n\
             | full re-scan, nothing changed | {:.1} s | {} | {} | {:.3} |\n\
             | incremental, nothing changed | {:.1} s | {} | {} | {:.4} |\n",
            self.pages,
            match options.flavor {
                dlp_simulator::Flavor::Cloud => "Cloud",
                dlp_simulator::Flavor::DataCenter { .. } => "Data Center",
            },
            self.comments,
            self.attachments,
            options.latency.as_millis(),
            options.concurrency,
            self.first.secs,
            self.first.requests,
            self.first.downloads,
            per_page(&self.first),
            self.rescan.secs,
            self.rescan.requests,
            self.rescan.downloads,
            per_page(&self.rescan),
            self.incremental.secs,
            self.incremental.requests,
            self.incremental.downloads,
            per_page(&self.incremental),
        )
    }
}
