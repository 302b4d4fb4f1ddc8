//! `scan` output formats: json, csv, SARIF, `--output` and `--fail-on`.

mod cli_support;

use std::path::{Path, PathBuf};

use cli_support::*;
use dlp_domain::Finding;
/// Scans [`sample_files`] in `format`: it exits 1 (there are findings) and prints no raw value.
fn scan_sample(dir: &Path, format: &str) -> (PathBuf, String) {
    let files = sample_files(dir);
    let out = dlp(
        &dir.join("state"),
        &["scan", files.to_str().unwrap(), "--format", format],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.contains(AWS_KEY) && !stdout.contains(CARD),
        "raw values printed"
    );
    (files, stdout)
}

/// A folder with a text file holding an AWS key (line 3, high) and a card number (line 4,
/// high), and a 7z archive that is not extracted.
fn sample_files(dir: &Path) -> PathBuf {
    let files = dir.join("files");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(
        files.join("run book, v2.txt"),
        format!(
            "Deploy steps\n\nexport AWS_ACCESS_KEY_ID={AWS_KEY}\ncorporate card on file: {CARD}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        files.join("backup.7z"),
        b"7z\xbc\xaf\x27\x1c\x00\x04\x8d\x9b\xd5\x0f",
    )
    .unwrap();
    files
}

#[test]
fn json_format_is_one_document_with_findings_problems_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (files, stdout) = scan_sample(dir.path(), "json");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert!(doc["scan_id"].as_str().is_some_and(|id| !id.is_empty()));
    let findings: Vec<Finding> =
        serde_json::from_value(doc["findings"].clone()).expect("contract findings");
    let aws = findings
        .iter()
        .find(|f| f.detector == "aws-access-key-id")
        .expect("the AWS key");
    assert_eq!(aws.location.line, Some(3));
    assert!(findings.iter().any(|f| f.detector == "credit-card"));
    let problems = doc["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{stdout}");
    assert_eq!(
        problems[0]["item"],
        files.join("backup.7z").to_str().unwrap()
    );
    assert_eq!(problems[0]["outcome"], "not_extracted");
    let summary = &doc["summary"];
    assert_eq!(summary["items"], 2);
    assert_eq!(summary["not_extracted"], 1);
    assert_eq!(summary["findings"], findings.len());
    assert_eq!(
        summary["findings_by_severity"]["high"],
        findings
            .iter()
            .filter(|f| f.severity.as_str() == "high")
            .count()
    );
}

#[test]
fn csv_format_has_a_header_and_a_quoted_row_per_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stdout) = scan_sample(dir.path(), "csv");
    let header = "id,detector,category,severity,confidence,masked,fingerprint,space_key,content_type,page_id,page_version,comment_id,attachment_id,attachment_title,path,sheet,cell,pdf_page,line,start,end";
    assert_eq!(stdout.lines().next(), Some(header));
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let columns: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.expect("a well-formed row"))
        .collect();
    let col = |row: &csv::StringRecord, name: &str| {
        row[columns.iter().position(|c| c == name).unwrap()].to_owned()
    };
    let aws = rows
        .iter()
        .find(|r| col(r, "detector") == "aws-access-key-id")
        .expect("the AWS key's row");
    // The comma in the file name is quoted, not a column break.
    assert_eq!(col(aws, "attachment_title"), "run book, v2.txt");
    assert_eq!(col(aws, "severity"), "high");
    assert_eq!(col(aws, "line"), "3");
    assert_eq!(col(aws, "comment_id"), "");
    assert!(col(aws, "masked").ends_with(&AWS_KEY[AWS_KEY.len() - 4..]));
    assert!(rows.iter().any(|r| col(r, "detector") == "credit-card"));
    assert!(rows.iter().all(|r| r.len() == columns.len()));
}

/// What the SARIF 2.1.0 schema requires of the parts we write, and the values it allows.
fn assert_valid_sarif(log: &serde_json::Value) {
    const LEVELS: [&str; 4] = ["none", "note", "warning", "error"];
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-schema-2.1.0")),
        "$schema"
    );
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "confluence-dlp");
    assert!(driver["version"].is_string());
    let rules = driver["rules"].as_array().expect("driver.rules");
    for rule in rules {
        assert!(rule["id"].is_string(), "rule without id: {rule}");
        assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        assert!(
            LEVELS.contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()),
            "{rule}"
        );
    }
    for result in run["results"].as_array().expect("results") {
        let text = result["message"]["text"]
            .as_str()
            .expect("result.message.text");
        assert!(!text.is_empty());
        assert!(
            LEVELS.contains(&result["level"].as_str().unwrap()),
            "{result}"
        );
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at the result's rule"
        );
        for location in result["locations"].as_array().expect("locations") {
            let physical = &location["physicalLocation"];
            assert!(
                physical["artifactLocation"]["uri"]
                    .as_str()
                    .is_some_and(|u| !u.is_empty() && !u.contains(' ')),
                "{physical}"
            );
            if !physical["region"].is_null() {
                assert!(
                    physical["region"]["startLine"]
                        .as_u64()
                        .is_some_and(|l| l >= 1),
                    "{physical}"
                );
            }
        }
        let fingerprints = result["partialFingerprints"]
            .as_object()
            .expect("partialFingerprints");
        assert!(!fingerprints.is_empty() && fingerprints.values().all(|v| v.is_string()));
    }
    let invocations = run["invocations"].as_array().expect("invocations");
    for invocation in invocations {
        assert!(
            invocation["executionSuccessful"].is_boolean(),
            "executionSuccessful is required"
        );
        for note in invocation["toolExecutionNotifications"]
            .as_array()
            .unwrap_or(&Vec::new())
        {
            assert!(note["message"]["text"].is_string(), "{note}");
            assert!(LEVELS.contains(&note["level"].as_str().unwrap()), "{note}");
        }
    }
}

#[test]
fn sarif_output_file_is_valid_sarif_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let files = sample_files(dir.path());
    let report = dir.path().join("report.sarif");
    // An existing, world-readable file is truncated and made private.
    std::fs::write(
        &report,
        "old content that is longer than nothing".repeat(1000),
    )
    .unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = dlp(
        &dir.path().join("state"),
        &[
            "scan",
            files.to_str().unwrap(),
            "--format",
            "sarif",
            "--output",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "the report goes to the file, not stdout"
    );
    assert_eq!(
        std::fs::metadata(&report).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        !text.contains(AWS_KEY) && !text.contains(CARD),
        "raw values written"
    );
    let log: serde_json::Value =
        serde_json::from_str(&text).expect("one JSON document, nothing left of the old file");
    assert_valid_sarif(&log);

    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    let aws = results
        .iter()
        .find(|r| r["ruleId"] == "aws-access-key-id")
        .expect("the AWS key");
    assert_eq!(aws["level"], "error");
    assert!(
        aws["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with(&AWS_KEY[AWS_KEY.len() - 4..]),
        "{aws}"
    );
    let physical = &aws["locations"][0]["physicalLocation"];
    let file = files.join("run book, v2.txt");
    assert_eq!(
        physical["artifactLocation"]["uri"],
        file.to_str()
            .unwrap()
            .replace(' ', "%20")
            .replace(',', "%2C")
    );
    assert_eq!(physical["region"]["startLine"], 3);
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        rule_ids.contains(&"aws-access-key-id") && rule_ids.contains(&"credit-card"),
        "{rule_ids:?}"
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["level"], "warning");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("backup.7z")
    );

    // A file that cannot be created fails the command before the scan.
    let nowhere = dir.path().join("no-such-dir/report.sarif");
    let out = dlp(
        &dir.path().join("state"),
        &[
            "scan",
            files.to_str().unwrap(),
            "--format",
            "sarif",
            "--output",
            nowhere.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-dir/report.sarif"));
}

#[test]
fn fail_on_sets_the_lowest_severity_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.txt");
    // Two high findings, nothing critical.
    std::fs::write(
        &file,
        format!("export AWS_ACCESS_KEY_ID={AWS_KEY}\ncorporate card on file: {CARD}\n"),
    )
    .unwrap();
    let state = dir.path().join("state");
    let code = |extra: &[&str]| {
        let mut args = vec!["scan", file.to_str().unwrap(), "--format", "jsonl"];
        args.extend_from_slice(extra);
        let out = dlp(&state, &args);
        let (findings, _) = jsonl(&String::from_utf8(out.stdout).unwrap());
        assert!(
            !findings.is_empty() && findings.iter().all(|f| f.severity.as_str() == "high"),
            "{findings:?}"
        );
        out.status.code()
    };
    assert_eq!(code(&[]), Some(1));
    assert_eq!(code(&["--fail-on", "info"]), Some(1));
    assert_eq!(code(&["--fail-on", "high"]), Some(1));
    assert_eq!(code(&["--fail-on", "critical"]), Some(0));
    let bad = dlp(
        &state,
        &["scan", file.to_str().unwrap(), "--fail-on", "severe"],
    );
    assert_eq!(bad.status.code(), Some(2));
}
