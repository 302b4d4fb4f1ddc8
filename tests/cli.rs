//! The command line as a user meets it: `scan PATH`, output formats and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dlp_domain::Finding;

const AWS_KEY: &str = "AKIAQX4BRZ7ELK2MWN5T";
const CARD: &str = "4539 5787 6362 1486";

/// The findings of `--format jsonl` output, and its other lines (items not scanned).
fn jsonl(stdout: &str) -> (Vec<Finding>, Vec<serde_json::Value>) {
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let (problems, findings): (Vec<_>, Vec<_>) =
        lines.into_iter().partition(|v| v["type"] == "problem");
    (
        findings
            .into_iter()
            .map(|v| serde_json::from_value(v).expect("contract JSON"))
            .collect(),
        problems,
    )
}

fn dlp(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DLP_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn scanning_local_files_prints_contract_jsonl_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(
        files.join("runbook.txt"),
        format!(
            "Deploy steps\n\nexport AWS_ACCESS_KEY_ID={AWS_KEY}\ncorporate card on file: {CARD}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        files.join("notes.md"),
        "nothing to see here\nversion 4.1.1111\n",
    )
    .unwrap();
    // A 7z archive: a format we do not read is listed as not extracted, never silently skipped.
    std::fs::write(
        files.join("backup.7z"),
        b"7z\xbc\xaf\x27\x1c\x00\x04\x8d\x9b\xd5\x0f",
    )
    .unwrap();

    let out = dlp(
        &dir.path().join("state"),
        &["scan", files.to_str().unwrap(), "--format", "jsonl"],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.contains(AWS_KEY) && !stdout.contains(CARD),
        "raw values printed"
    );
    let (findings, problems) = jsonl(&stdout);
    let detectors: Vec<&str> = findings.iter().map(|f| f.detector.as_str()).collect();
    assert!(detectors.contains(&"aws-access-key-id"), "{detectors:?}");
    assert!(detectors.contains(&"credit-card"), "{detectors:?}");
    let aws = findings
        .iter()
        .find(|f| f.detector == "aws-access-key-id")
        .unwrap();
    assert_eq!(
        aws.location.attachment_title.as_deref(),
        Some("runbook.txt")
    );
    assert_eq!(aws.location.line, Some(3));
    assert!(aws.masked.ends_with(&AWS_KEY[AWS_KEY.len() - 4..]));
    // The 7z archive is reported after the findings, as a line of its own kind.
    assert_eq!(problems.len(), 1, "{stdout}");
    assert_eq!(
        problems[0]["item"],
        files.join("backup.7z").to_str().unwrap()
    );
    assert_eq!(problems[0]["outcome"], "not_extracted");
    assert!(
        problems[0]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .contains(r#""type":"problem""#),
        "problems come last: {stdout}"
    );

    let table = dlp(
        &dir.path().join("state"),
        &["scan", files.to_str().unwrap()],
    );
    let text = String::from_utf8(table.stdout).unwrap();
    assert_eq!(table.status.code(), Some(1));
    assert!(text.contains("aws-access-key-id"), "{text}");
    assert!(
        text.contains("backup.7z") && text.contains("not_extracted"),
        "{text}"
    );
}

#[test]
fn a_clean_file_exits_0_and_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.txt");
    std::fs::write(&clean, "just prose, a uuid 3f2b8c1e-9a4d-4e5f-8b7a-1c2d3e4f5a6b and a sha 9fceb02d0ae598e95dc970b74767f19372d61af8\n").unwrap();
    let state = dir.path().join("state");
    let out = dlp(
        &state,
        &["scan", clean.to_str().unwrap(), "--format", "jsonl"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    // A path that is not there is that item's error, as for any unreadable item: the scan
    // goes on with the others and names it.
    let missing = dlp(
        &state,
        &[
            "scan",
            "/definitely/not/here",
            clean.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(
        missing.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let problem: serde_json::Value =
        serde_json::from_slice(&missing.stdout).expect("one problem line");
    assert_eq!(
        (problem["type"].as_str(), problem["outcome"].as_str()),
        (Some("problem"), Some("failed"))
    );
    assert!(
        problem["reason"]
            .as_str()
            .unwrap()
            .contains("/definitely/not/here: not found"),
        "{problem}"
    );
    // The embedded state is private, and a finished scan leaves no -wal/-shm files.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&state), 0o700);
    let mut left: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["dlp.sqlite", "queue.sqlite", "server.key"]);
    for file in &left {
        assert_eq!(mode(&state.join(file)), 0o600, "{file}");
    }

    let nothing = dlp(&state, &["scan"]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("nothing to scan"));
}

#[test]
fn logs_to_a_file_are_plain_and_openmp_needs_no_setting() {
    let dir = tempfile::tempdir().unwrap();
    // A scanned receipt with a card number, so that OCR starts (on the first image) and says
    // so at info level.
    let file = dir.path().join("receipt.png");
    let png = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/spaces/ENG/attachments/files/att66540/receipt-scan.png");
    std::fs::copy(png, &file).unwrap();
    // The environment is cleared, so OMP_THREAD_LIMIT is unset: the binary sets it for itself.
    let out = Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args(["scan", file.to_str().unwrap(), "--format", "jsonl"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DLP_DATA_DIR", dir.path().join("state"))
        .env("DLP_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("OCR ready"), "info logging is on: {stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in a log that is not a terminal: {stderr}"
    );
    assert!(!stderr.contains("OMP_THREAD_LIMIT"), "{stderr}");
}

#[tokio::test]
async fn simulate_serves_the_sample_space_with_auth() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let space = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/spaces/ENG");
    let mut sim = tokio::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args([
            "simulate",
            space,
            "--port",
            &port.to_string(),
            "--auth-email",
            "a@acme-corp.com",
            "--auth-token",
            "t0k",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/wiki/api/v2/spaces?keys=ENG");
    let http = reqwest::Client::new();
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(r) = http
            .get(&url)
            .basic_auth("a@acme-corp.com", Some("t0k"))
            .send()
            .await
        {
            answer = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let answer = answer.expect("the simulator answers");
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["results"][0]["key"], "ENG");
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    sim.kill().await.unwrap();
}

#[test]
fn suppressions_in_the_config_file_hide_accepted_values() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("runbook.txt");
    std::fs::write(
        &file,
        format!("export AWS_ACCESS_KEY_ID={AWS_KEY}\ncorporate card on file: {CARD}\n"),
    )
    .unwrap();
    let config = dir.path().join("dlp.toml");
    std::fs::write(
        &config,
        format!("[rules.suppressions]\nvalues = [\"^{AWS_KEY}$\"]\n"),
    )
    .unwrap();
    let out = dlp(
        &dir.path().join("state"),
        &[
            "--config",
            config.to_str().unwrap(),
            "scan",
            file.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (findings, _) = jsonl(&String::from_utf8(out.stdout).unwrap());
    let detectors: Vec<&str> = findings.iter().map(|f| f.detector.as_str()).collect();
    assert!(!detectors.contains(&"aws-access-key-id"), "{detectors:?}");
    assert!(detectors.contains(&"credit-card"), "{detectors:?}");
}

#[test]
fn one_size_limit_governs_downloads_and_local_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.txt");
    std::fs::write(&file, format!("card {CARD}\n")).unwrap();
    let config = dir.path().join("dlp.toml");
    std::fs::write(&config, "[confluence]\nmax_download_bytes = 10\n").unwrap();
    let out = dlp(
        &dir.path().join("state"),
        &[
            "--config",
            config.to_str().unwrap(),
            "scan",
            file.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("[failed]") && text.contains("larger than the 10 byte limit"),
        "{text}"
    );
    assert!(!text.contains(CARD));
}

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

const USER_RULE: &str = r#"
disable = ["email"]

[[rule]]
id = "acme-token"
name = "ACME deploy token"
category = "secret"
severity = "critical"
pattern = 'acme_[a-z]{8}'
keywords = ["acme_"]
confidence = 0.8
examples = ["token acme_abcdefgh"]
negative_examples = ["acme_abc"]
"#;

#[test]
fn rules_list_names_every_rule_and_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("acme.toml");
    std::fs::write(&rules, USER_RULE).unwrap();
    let config = dir.path().join("dlp.toml");
    std::fs::write(
        &config,
        format!("[rules]\npaths = [{:?}]\n", rules.to_str().unwrap()),
    )
    .unwrap();
    let state = dir.path().join("state");

    let table = dlp(
        &state,
        &["--config", config.to_str().unwrap(), "rules", "list"],
    );
    assert_eq!(
        table.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&table.stderr)
    );
    let text = String::from_utf8(table.stdout).unwrap();
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no {id} in\n{text}"))
    };
    assert!(
        line("aws-access-key-id").contains("rules/aws.toml")
            && line("aws-access-key-id").contains("high"),
        "{text}"
    );
    assert!(
        line("acme-token").contains(rules.to_str().unwrap())
            && line("acme-token").contains("ACME deploy token"),
        "{text}"
    );
    assert!(line("email").contains("(disabled)"), "{text}");

    let json = dlp(
        &state,
        &[
            "--config",
            config.to_str().unwrap(),
            "rules",
            "list",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.status.code(), Some(0));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let acme = listed
        .iter()
        .find(|r| r["id"] == "acme-token")
        .expect("the user's rule");
    assert_eq!(acme["category"], "secret");
    assert_eq!(acme["severity"], "critical");
    assert_eq!(acme["description"], "ACME deploy token");
    assert_eq!(acme["source"], rules.to_str().unwrap());
    assert_eq!(acme["enabled"], true);
    let email = listed.iter().find(|r| r["id"] == "email").unwrap();
    assert_eq!(email["enabled"], false);
    assert_eq!(email["source"], "rules/email.toml");
    assert!(listed.len() > 30, "the built-in pack is listed too");
}

#[test]
fn rules_test_runs_a_rule_files_examples() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, USER_RULE).unwrap();
    let out = dlp(&state, &["rules", "test", good.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ok: 1 rule, all 2 examples hold\n"
    );

    // An example the pattern misses (upper case) and a negative example it matches.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        USER_RULE
            .replace("token acme_abcdefgh", "token acme_ABCDEFGH")
            .replace(r#"["acme_abc"]"#, r#"["acme_abc", "acme_zzzzzzzz"]"#),
    )
    .unwrap();
    let out = dlp(&state, &["rules", "test", bad.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let at = bad.display();
    assert!(text.contains(&format!("FAIL acme-token ({at}): examples[0] \"token acme_ABCDEFGH\": expected a match, got none")), "{text}");
    assert!(text.contains(&format!("FAIL acme-token ({at}): negative_examples[1] \"acme_zzzzzzzz\": expected no match, got a match")), "{text}");
    assert!(
        text.ends_with("2 of 3 examples failed (1 rule)\n"),
        "{text}"
    );

    // A folder is every rule file in it.
    let folder = dir.path().join("rules");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.toml"), USER_RULE).unwrap();
    std::fs::write(folder.join("b.toml"), USER_RULE.replace("acme", "zeta")).unwrap();
    let out = dlp(&state, &["rules", "test", folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ok: 2 rules, all 4 examples hold\n"
    );

    // A file that does not parse: exit 2, and the message names the file and the problem.
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[[rule]\nid = \"x\"\n").unwrap();
    let out = dlp(&state, &["rules", "test", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(broken.to_str().unwrap()) && stderr.contains("invalid TOML at line 1"),
        "{stderr}"
    );
    // A rule that parses as TOML but is not a valid rule: the same.
    std::fs::write(&broken, USER_RULE.replace("acme_[a-z]{8}", "acme_[a-z")).unwrap();
    let out = dlp(&state, &["rules", "test", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("acme-token") && stderr.contains("regex"),
        "{stderr}"
    );
}
