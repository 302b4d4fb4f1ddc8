//! What the CLI prints for a scan: a summary table for people, and for programs JSON Lines,
//! one JSON document, CSV or SARIF 2.1.0 (`sarif`, `csv`); a progress bar on stderr.
//!
//! Every format holds what the finding contract holds (masked previews and keyed
//! fingerprints), never a raw value.

mod csv;
mod sarif;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::Format;
use crate::scan::ScanOutcome;
use dlp_domain::{ContentType, Finding, Severity};
use dlp_engine::RuleSpec;
use dlp_store::{ItemStatus, ScanItemRow, ScanProgress};

/// Writes `outcome` in `format`. `rules` describe the detectors for SARIF (it names and
/// describes each rule that fired); the other formats ignore them.
pub fn write(
    out: &mut impl Write,
    format: Format,
    outcome: &ScanOutcome,
    rules: &[RuleSpec],
) -> std::io::Result<()> {
    match format {
        Format::Table => write_summary(out, outcome),
        Format::Jsonl => write_jsonl(
            out,
            &outcome.findings,
            &outcome.in_history_only,
            &outcome.problems,
        ),
        Format::Json => write_json(out, outcome),
        Format::Csv => self::csv::write_csv(out, &outcome.findings),
        Format::Sarif => sarif::write_sarif(out, outcome, rules),
    }
}

/// Creates (or truncates) the `--output` file, readable by its owner only: findings are
/// masked, but where sensitive data sits is itself worth keeping private.
pub fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // `mode` applies only to a file this call creates; an existing one keeps its mode unless
    // we set it.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// An item the scan could not read, or not completely: how the machine-readable formats
/// report a `ScanItemRow` in `failed` or `not_extracted`.
#[derive(Debug, Serialize)]
pub struct Problem<'a> {
    /// What a reader recognises: the file path, or the page or attachment title.
    pub item: &'a str,
    /// The scan's key of the item (`file:/path`, `page:123@4`, `attachment:att5@2`).
    pub item_key: &'a str,
    /// `not_extracted` (a format or size the extractors do not read) or `failed`.
    pub outcome: ItemStatus,
    pub reason: Option<&'a str>,
}

impl<'a> From<&'a ScanItemRow> for Problem<'a> {
    fn from(row: &'a ScanItemRow) -> Self {
        Problem {
            item: &row.label,
            item_key: &row.item_key,
            outcome: row.status,
            reason: row.error.as_deref(),
        }
    }
}

/// A finding as the JSON formats write it: the contract's `Finding`, and for a finding in a
/// page's older versions (content type history) `in_history_only`, whether its value is gone
/// from the page's current body. Findings in current content are the contract's exactly.
#[derive(Serialize)]
struct FindingOut<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_history_only: Option<bool>,
}

impl<'a> FindingOut<'a> {
    fn of(finding: &'a Finding, in_history_only: &HashSet<String>) -> Self {
        FindingOut {
            finding,
            in_history_only: (finding.location.content_type == ContentType::History)
                .then(|| in_history_only.contains(&finding.id)),
        }
    }
}

/// A `--format jsonl` line that is not a finding. The tag keeps finding lines exactly the
/// contract's `Finding` while a reader can still tell the kinds apart.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum JsonlLine<'a> {
    Problem(Problem<'a>),
}

/// JSON Lines, two kinds of line:
///
/// - a finding: exactly the `Finding` of the finding contract (no `type` field), one per line,
///   with `in_history_only` for a finding in a page's older versions;
/// - a problem: `{"type":"problem","item":...,"item_key":...,"outcome":"not_extracted"|"failed","reason":...}`,
///   an item that could not be scanned (or not completely), after all findings.
///
/// A reader that wants findings only skips lines with `"type":"problem"`; a problem line
/// does not parse as a `Finding` (it has none of its fields).
pub fn write_jsonl(
    out: &mut impl Write,
    findings: &[Finding],
    in_history_only: &HashSet<String>,
    problems: &[ScanItemRow],
) -> std::io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut *out, &FindingOut::of(f, in_history_only))?;
        out.write_all(b"\n")?;
    }
    for row in problems {
        serde_json::to_writer(&mut *out, &JsonlLine::Problem(row.into()))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The counts at the end of `--format json`.
#[derive(Debug, Serialize)]
struct Summary {
    items: u64,
    classified: u64,
    unchanged: u64,
    not_extracted: u64,
    failed: u64,
    findings: usize,
    /// Every severity, zero included, so a reader need not handle a missing key.
    findings_by_severity: BTreeMap<&'static str, usize>,
    elapsed_secs: f64,
}

/// One JSON document: `{"scan_id", "findings", "problems", "summary"}`; findings are the
/// contract's, problems as in `jsonl` without the `type` tag.
pub fn write_json(out: &mut impl Write, o: &ScanOutcome) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Report<'a> {
        scan_id: &'a str,
        findings: Vec<FindingOut<'a>>,
        problems: Vec<Problem<'a>>,
        summary: Summary,
    }
    let mut by_severity: BTreeMap<&'static str, usize> =
        Severity::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for f in &o.findings {
        *by_severity.entry(f.severity.as_str()).or_default() += 1;
    }
    let p = &o.progress;
    let report = Report {
        scan_id: &o.scan_id,
        findings: o
            .findings
            .iter()
            .map(|f| FindingOut::of(f, &o.in_history_only))
            .collect(),
        problems: o.problems.iter().map(Problem::from).collect(),
        summary: Summary {
            items: p.total,
            classified: p.done,
            unchanged: p.unchanged,
            not_extracted: p.not_extracted,
            failed: p.failed,
            findings: o.findings.len(),
            findings_by_severity: by_severity,
            elapsed_secs: o.elapsed.as_secs_f64(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")?;
    out.flush()
}
pub fn write_summary(out: &mut impl Write, o: &ScanOutcome) -> std::io::Result<()> {
    let p = &o.progress;
    writeln!(
        out,
        "scan {} ({} queue) in {:.2}s",
        o.scan_id,
        o.queue,
        o.elapsed.as_secs_f64()
    )?;
    writeln!(
        out,
        "items: {} total, {} classified, {} unchanged, {} not extracted, {} failed",
        p.total, p.done, p.unchanged, p.not_extracted, p.failed
    )?;
    if o.crawl.pages + o.crawl.blog_posts > 0 {
        let scanned = (o.crawl.pages + o.crawl.blog_posts) as f64;
        writeln!(
            out,
            "crawled: {} pages, {} blog posts, {} comments, {} attachments; {} API requests ({:.2} per page)",
            o.crawl.pages,
            o.crawl.blog_posts,
            o.crawl.comments,
            o.crawl.attachments,
            o.api_requests,
            o.api_requests as f64 / scanned
        )?;
    }
    if let Some(flavor) = &o.flavor {
        writeln!(out, "confluence: {flavor}")?;
    }
    writeln!(out)?;
    if o.findings.is_empty() {
        writeln!(out, "no findings")?;
    } else {
        let mut by_detector: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
        for f in &o.findings {
            *by_detector
                .entry((
                    f.category.as_str(),
                    f.detector.as_str(),
                    f.severity.as_str(),
                ))
                .or_default() += 1;
        }
        writeln!(
            out,
            "{:<8} {:<28} {:<9} {:>8}",
            "CATEGORY", "DETECTOR", "SEVERITY", "FINDINGS"
        )?;
        for ((category, detector, severity), n) in &by_detector {
            writeln!(out, "{category:<8} {detector:<28} {severity:<9} {n:>8}")?;
        }
        writeln!(
            out,
            "{:<8} {:<28} {:<9} {:>8}",
            "",
            "total",
            "",
            o.findings.len()
        )?;
    }
    if !o.problems.is_empty() {
        writeln!(out)?;
        writeln!(out, "not scanned or not fully scanned:")?;
        for item in &o.problems {
            writeln!(
                out,
                "  [{}] {} ({}): {}",
                item.status,
                item.label,
                item.item_key,
                item.error.as_deref().unwrap_or("")
            )?;
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
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} items {msg}",
            ) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn finding_in(content_type: ContentType, fingerprint: &str) -> Finding {
        let item = dlp_domain::ContentRef {
            space_key: "ENG".into(),
            content_type,
            page_id: "66379".into(),
            page_version: Some(8),
            comment_id: None,
            attachment_id: None,
            attachment_title: None,
        };
        let location =
            dlp_domain::Location::new(&item, &dlp_domain::SegmentOrigin::default(), 1, 0, 22);
        Finding {
            id: Finding::stable_id("iban", fingerprint, &location),
            detector: "iban".into(),
            category: dlp_domain::Category::Pci,
            severity: Severity::High,
            confidence: 0.9,
            masked: "DE39**************4864".into(),
            fingerprint: fingerprint.into(),
            location,
        }
    }

    #[test]
    fn history_findings_say_whether_they_are_in_history_only() {
        let current = finding_in(ContentType::Page, "kept");
        let kept = finding_in(ContentType::History, "kept");
        let gone = finding_in(ContentType::History, "gone");
        let only = HashSet::from([gone.id.clone()]);
        let mut out = Vec::new();
        write_jsonl(&mut out, &[current, kept, gone], &only, &[]).unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // A finding in current content is the contract's exactly: no extra key.
        assert!(lines[0].get("in_history_only").is_none(), "{}", lines[0]);
        let back: Finding = serde_json::from_value(lines[0].clone()).unwrap();
        assert_eq!(back.location.content_type, ContentType::Page);
        assert_eq!(lines[1]["in_history_only"], false);
        assert_eq!(lines[2]["in_history_only"], true);
        assert_eq!(lines[2]["location"]["content_type"], "history");
        assert_eq!(lines[2]["location"]["page_version"], 8);
    }

    #[test]
    fn problem_lines_are_tagged_and_are_not_findings() {
        let row = ScanItemRow {
            item_key: "file:x/backup.7z".into(),
            label: "x/backup.7z".into(),
            status: ItemStatus::NotExtracted,
            error: Some("not a format we read".into()),
            attempts: 1,
            updated_at: chrono::Utc::now(),
        };
        let mut out = Vec::new();
        write_jsonl(&mut out, &[], &HashSet::new(), std::slice::from_ref(&row)).unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = text.strip_suffix('\n').unwrap();
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "type": "problem",
                "item": "x/backup.7z",
                "item_key": "file:x/backup.7z",
                "outcome": "not_extracted",
                "reason": "not a format we read",
            })
        );
        assert!(serde_json::from_str::<Finding>(line).is_err());
    }
}
