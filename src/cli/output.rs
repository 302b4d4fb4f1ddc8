//! What the CLI prints: JSON Lines findings, or a summary table; a progress bar on stderr.

use std::collections::BTreeMap;
use std::io::Write;

use dlp_domain::Finding;
use crate::scan::ScanOutcome;
use dlp_store::ScanProgress;

/// One finding per line, exactly the contract of DESIGN.md.
pub fn write_jsonl(out: &mut impl Write, findings: &[Finding]) -> std::io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut *out, f)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

pub fn write_summary(out: &mut impl Write, o: &ScanOutcome) -> std::io::Result<()> {
    let p = &o.progress;
    writeln!(out, "scan {} ({} queue) in {:.2}s", o.scan_id, o.queue, o.elapsed.as_secs_f64())?;
    writeln!(
        out,
        "items: {} total, {} classified, {} unchanged, {} not extracted, {} failed",
        p.total, p.done, p.unchanged, p.not_extracted, p.failed
    )?;
    if o.crawl.pages + o.crawl.blog_posts > 0 {
        let scanned = (o.crawl.pages + o.crawl.blog_posts) as f64;
        writeln!(
            out,
            "crawled: {} pages, {} blog posts, {} attachments; {} API requests ({:.2} per page)",
            o.crawl.pages,
            o.crawl.blog_posts,
            o.crawl.attachments,
            o.api_requests,
            o.api_requests as f64 / scanned
        )?;
    }
    writeln!(out)?;
    if o.findings.is_empty() {
        writeln!(out, "no findings")?;
    } else {
        let mut by_detector: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
        for f in &o.findings {
            *by_detector.entry((f.category.as_str(), f.detector.as_str(), f.severity.as_str())).or_default() += 1;
        }
        writeln!(out, "{:<8} {:<28} {:<9} {:>8}", "CATEGORY", "DETECTOR", "SEVERITY", "FINDINGS")?;
        for ((category, detector, severity), n) in &by_detector {
            writeln!(out, "{category:<8} {detector:<28} {severity:<9} {n:>8}")?;
        }
        writeln!(out, "{:<8} {:<28} {:<9} {:>8}", "", "total", "", o.findings.len())?;
    }
    if !o.problems.is_empty() {
        writeln!(out)?;
        writeln!(out, "not scanned or not fully scanned:")?;
        for item in &o.problems {
            writeln!(out, "  [{}] {} ({}): {}", item.status, item.label, item.item_key, item.error.as_deref().unwrap_or(""))?;
        }
    }
    out.flush()
}

/// A progress bar over scan items; does nothing when not on a terminal.
pub struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    pub fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} items {msg}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        ProgressBar { bar }
    }

    pub fn update(&self, p: &ScanProgress) {
        if let Some(bar) = &self.bar {
            bar.set_length(p.total);
            bar.set_position(p.total.saturating_sub(p.queued));
            bar.set_message(format!("{} findings", p.open_findings));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
