//! `--format sarif`: SARIF 2.1.0, the format code-scanning dashboards (GitHub, GitLab, Azure
//! DevOps) import.
//!
//! One run. Its rules are the detectors that fired; each finding is a result whose message is
//! the detector and the masked preview; items that could not be scanned are the invocation's
//! tool execution notifications. The scan itself completed (SARIF is only written then), so
//! `executionSuccessful` is true; per the spec's appendix on incomplete result sets, an
//! `error` notification is what tells a consumer the results may not be complete.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use super::Problem;
use crate::scan::ScanOutcome;
use dlp_domain::{ContentType, Finding, Location, Severity};
use dlp_engine::RuleSpec;
use dlp_store::{ItemStatus, ScanItemRow};

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `level` of a result: what a dashboard shows as error, warning or note.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub ranks security alerts by a CVSS-like `security-severity` (0.0 to 10.0) in a rule's
/// properties; these are the middles of its critical, high, medium and low bands.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

pub fn write_sarif(
    out: &mut impl Write,
    o: &ScanOutcome,
    rules: &[RuleSpec],
) -> std::io::Result<()> {
    let log = sarif_log(&o.scan_id, &o.findings, &o.problems, rules);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn sarif_log(
    scan_id: &str,
    findings: &[Finding],
    problems: &[ScanItemRow],
    rules: &[RuleSpec],
) -> Value {
    let name_of = |id: &str| rules.iter().find(|r| r.id == id).map(|r| r.name.as_str());

    // Rules in id order, so the same findings give the same file and `ruleIndex` is stable.
    let fired: BTreeMap<&str, &Finding> =
        findings.iter().map(|f| (f.detector.as_str(), f)).collect();
    let index: BTreeMap<&str, usize> = fired.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let descriptors: Vec<Value> = fired
        .iter()
        .map(|(id, f)| {
            json!({
                "id": id,
                "shortDescription": { "text": name_of(id).unwrap_or(id) },
                "defaultConfiguration": { "level": level(f.severity) },
                "properties": {
                    "category": f.category.as_str(),
                    "severity": f.severity.as_str(),
                    "security-severity": security_severity(f.severity),
                    "tags": ["security", f.category.as_str()],
                },
            })
        })
        .collect();

    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let detector = name_of(&f.detector)
                .map_or_else(|| f.detector.clone(), |n| format!("{n} ({})", f.detector));
            json!({
                "ruleId": f.detector,
                "ruleIndex": index[f.detector.as_str()],
                "level": level(f.severity),
                // The masked preview only: a SARIF file travels to dashboards and artifacts.
                "message": { "text": format!("{detector}: {}", f.masked) },
                "locations": [{ "physicalLocation": physical_location(&f.location) }],
                "partialFingerprints": { "confluenceDlpFingerprint/v1": f.fingerprint },
                "properties": {
                    "findingId": f.id,
                    "confidence": f.confidence,
                    "category": f.category.as_str(),
                    "severity": f.severity.as_str(),
                    "location": f.location,
                },
            })
        })
        .collect();

    let notifications: Vec<Value> = problems
        .iter()
        .map(|row| notification(&Problem::from(row)))
        .collect();

    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "confluence-dlp",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                },
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            // Not `automationDetails.id`: GitHub treats that as the analysis category, and a
            // new id per scan would make every scan a category of its own.
            "properties": { "scanId": scan_id },
        }],
    })
}

fn physical_location(l: &Location) -> Value {
    let mut loc = json!({ "artifactLocation": { "uri": artifact_uri(l) } });
    // The line in the item's extracted text: the file's own line for a text file, the line
    // a reviewer sees in the page otherwise.
    if let Some(line) = l.line.filter(|n| *n >= 1) {
        loc["region"] = json!({ "startLine": line });
    }
    loc
}

/// A URI reference that stays the same from scan to scan: the path of a local file; for
/// Confluence content, the space and the page or blog post id (`ENG/content/123`), then the
/// comment or attachment in it. Places inside an item (archive member, sheet, cell, PDF page)
/// are in the result's `properties.location`, not in the URI: a dashboard links the item.
fn artifact_uri(l: &Location) -> String {
    // A local file's id is its path as given on the command line; an entry inside a local
    // archive is reported at the archive, the file a code-scanning dashboard can open.
    if l.content_type == ContentType::File {
        return encode(&l.page_id, true);
    }
    let mut uri = format!(
        "{}/content/{}",
        encode(&l.space_key, false),
        encode(&l.page_id, false)
    );
    match l.content_type {
        ContentType::Page | ContentType::BlogPost | ContentType::File => {}
        // The page's older versions; the version is in `properties.location`.
        ContentType::History => uri.push_str("/history"),
        ContentType::Comment => {
            uri.push_str("/comments/");
            uri.push_str(&encode(l.comment_id.as_deref().unwrap_or_default(), false));
        }
        ContentType::Attachment => {
            let name = l
                .attachment_title
                .as_deref()
                .or(l.attachment_id.as_deref())
                .unwrap_or_default();
            uri.push_str("/attachments/");
            uri.push_str(&encode(name, false));
        }
    }
    uri
}

/// Percent-encodes everything but RFC 3986's unreserved characters (and `/` where it
/// separates path segments), so titles with spaces, `#`, `?` or `:` stay one valid URI.
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn notification(p: &Problem<'_>) -> Value {
    let (level, what) = match p.outcome {
        ItemStatus::NotExtracted => ("warning", "not extracted"),
        _ => ("error", "not scanned"),
    };
    let location = match p.item_key.strip_prefix("file:") {
        Some(path) => {
            json!({ "physicalLocation": { "artifactLocation": { "uri": encode(path, true) } } })
        }
        // A Confluence item's key does not hold its space, so it cannot be given the URI its
        // findings would have; a logical location names it instead.
        None => {
            json!({ "logicalLocations": [{ "name": p.item, "fullyQualifiedName": p.item_key }] })
        }
    };
    let reason = p.reason.unwrap_or("no reason recorded");
    json!({
        "level": level,
        "message": { "text": format!("{what}: {}: {reason}", p.item) },
        "locations": [location],
        "properties": { "itemKey": p.item_key, "outcome": p.outcome },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlp_domain::{Category, ContentRef, SegmentOrigin};

    fn finding(detector: &str, severity: Severity, item: &ContentRef, line: u32) -> Finding {
        let location = Location::new(item, &SegmentOrigin::default(), line, 10, 30);
        Finding {
            id: Finding::stable_id(detector, "fp", &location),
            detector: detector.into(),
            category: Category::Secret,
            severity,
            confidence: 0.9,
            masked: "AKIA************WN5T".into(),
            fingerprint: format!("fp-{detector}"),
            location,
        }
    }

    fn item(content_type: ContentType) -> ContentRef {
        ContentRef {
            space_key: "ENG".into(),
            content_type,
            page_id: "123".into(),
            page_version: Some(4),
            comment_id: Some("77".into()),
            attachment_id: Some("att5".into()),
            attachment_title: Some("Q3 keys/#1.xlsx".into()),
        }
    }

    fn problem(key: &str, status: ItemStatus) -> ScanItemRow {
        ScanItemRow {
            item_key: key.into(),
            label: "Runbook".into(),
            status,
            error: Some("download refused: HTTP 403".into()),
            attempts: 3,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn levels_follow_severity_and_stay_in_the_sarif_set() {
        let levels: Vec<_> = Severity::ALL.into_iter().map(level).collect();
        assert_eq!(levels, ["note", "warning", "error", "error"]);
    }

    #[test]
    fn confluence_content_gets_stable_encoded_uris() {
        let uri = |t| artifact_uri(&Location::new(&item(t), &SegmentOrigin::default(), 1, 0, 1));
        assert_eq!(uri(ContentType::Page), "ENG/content/123");
        assert_eq!(uri(ContentType::BlogPost), "ENG/content/123");
        assert_eq!(uri(ContentType::Comment), "ENG/content/123/comments/77");
        // A `/` in a title is part of the name, not a folder.
        assert_eq!(
            uri(ContentType::Attachment),
            "ENG/content/123/attachments/Q3%20keys%2F%231.xlsx"
        );
        let local = ContentRef {
            space_key: "local".into(),
            page_id: "./docs/run book.txt".into(),
            attachment_title: Some("run book.txt".into()),
            ..item(ContentType::File)
        };
        let l = Location::new(&local, &SegmentOrigin::default(), 1, 0, 1);
        assert_eq!(artifact_uri(&l), "./docs/run%20book.txt");
        // An entry of a local archive is reported at the archive, the file on disk.
        let inside = SegmentOrigin {
            path: Some("./docs/keys.zip/a.csv".into()),
            ..SegmentOrigin::default()
        };
        let l = Location::new(
            &ContentRef {
                page_id: "./docs/keys.zip".into(),
                ..local
            },
            &inside,
            1,
            0,
            1,
        );
        assert_eq!(artifact_uri(&l), "./docs/keys.zip");
    }

    #[test]
    fn results_rules_and_notifications_agree() {
        let rules = dlp_engine::RulePack::builtin().rules().to_vec();
        let findings = [
            finding(
                "aws-access-key-id",
                Severity::High,
                &item(ContentType::Page),
                3,
            ),
            finding(
                "custom-thing",
                Severity::Low,
                &item(ContentType::Comment),
                0,
            ),
            finding(
                "aws-access-key-id",
                Severity::High,
                &item(ContentType::Attachment),
                9,
            ),
        ];
        let problems = [
            problem("page:9@1", ItemStatus::Failed),
            problem("file:/tmp/a b.7z", ItemStatus::NotExtracted),
        ];
        let log = sarif_log("scan-1", &findings, &problems, &rules);
        let run = &log["runs"][0];
        let ids: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["aws-access-key-id", "custom-thing"]);
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        for r in results {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(ids[index], r["ruleId"]);
        }
        assert_eq!(
            results[0]["message"]["text"],
            "AWS access key ID (aws-access-key-id): AKIA************WN5T"
        );
        // A rule not in the pack is still named, by its id.
        assert_eq!(
            results[1]["message"]["text"],
            "custom-thing: AKIA************WN5T"
        );
        assert_eq!(results[1]["level"], "note");
        // Line 0 is "unknown": SARIF lines start at 1.
        assert!(results[1]["locations"][0]["physicalLocation"]["region"].is_null());
        assert_eq!(
            results[2]["locations"][0]["physicalLocation"]["region"]["startLine"],
            9
        );
        assert_eq!(
            results[2]["partialFingerprints"]["confluenceDlpFingerprint/v1"],
            "fp-aws-access-key-id"
        );

        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap();
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(
            notes[0]["message"]["text"],
            "not scanned: Runbook: download refused: HTTP 403"
        );
        assert_eq!(
            notes[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "page:9@1"
        );
        assert_eq!(notes[1]["level"], "warning");
        assert_eq!(
            notes[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "/tmp/a%20b.7z"
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        assert_eq!(run["properties"]["scanId"], "scan-1");
    }
}
