//! The command line as a user meets it: `scan PATH`, exit codes, logs, configuration.

mod cli_support;

use std::path::Path;
use std::process::{Command, Stdio};

use cli_support::*;
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
