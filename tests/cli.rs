//! The command line as a user meets it: `scan PATH`, output formats and exit codes.

use std::process::{Command, Output, Stdio};

use confluence_dlp::domain::Finding;

const AWS_KEY: &str = "AKIAQX4BRZ7ELK2MWN5T";
const CARD: &str = "4539 5787 6362 1486";

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
        format!("Deploy steps\n\nexport AWS_ACCESS_KEY_ID={AWS_KEY}\ncorporate card on file: {CARD}\n"),
    )
    .unwrap();
    std::fs::write(files.join("notes.md"), "nothing to see here\nversion 4.1.1111\n").unwrap();
    // A 7z archive: a format we do not read is listed as not extracted, never silently skipped.
    std::fs::write(files.join("backup.7z"), b"7z\xbc\xaf\x27\x1c\x00\x04\x8d\x9b\xd5\x0f").unwrap();

    let out = dlp(&dir.path().join("state"), &["scan", files.to_str().unwrap(), "--format", "jsonl"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains(AWS_KEY) && !stdout.contains(CARD), "raw values printed");
    let findings: Vec<Finding> = stdout.lines().map(|l| serde_json::from_str(l).expect("contract JSON")).collect();
    let detectors: Vec<&str> = findings.iter().map(|f| f.detector.as_str()).collect();
    assert!(detectors.contains(&"aws-access-key-id"), "{detectors:?}");
    assert!(detectors.contains(&"credit-card"), "{detectors:?}");
    let aws = findings.iter().find(|f| f.detector == "aws-access-key-id").unwrap();
    assert_eq!(aws.location.attachment_title.as_deref(), Some("runbook.txt"));
    assert_eq!(aws.location.line, Some(3));
    assert!(aws.masked.ends_with(&AWS_KEY[AWS_KEY.len() - 4..]));

    let table = dlp(&dir.path().join("state"), &["scan", files.to_str().unwrap()]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert_eq!(table.status.code(), Some(1));
    assert!(text.contains("aws-access-key-id"), "{text}");
    assert!(text.contains("backup.7z") && text.contains("not_extracted"), "{text}");
}

#[test]
fn a_clean_file_exits_0_and_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.txt");
    std::fs::write(&clean, "just prose, a uuid 3f2b8c1e-9a4d-4e5f-8b7a-1c2d3e4f5a6b and a sha 9fceb02d0ae598e95dc970b74767f19372d61af8\n").unwrap();
    let state = dir.path().join("state");
    let out = dlp(&state, &["scan", clean.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());

    let missing = dlp(&state, &["scan", "/definitely/not/here"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/definitely/not/here"));

    let nothing = dlp(&state, &["scan"]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("nothing to scan"));
}

#[tokio::test]
async fn simulate_serves_the_sample_space_with_auth() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let space = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/spaces/ENG");
    let mut sim = tokio::process::Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args(["simulate", space, "--port", &port.to_string(), "--auth-email", "a@acme-corp.com", "--auth-token", "t0k"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/wiki/api/v2/spaces?keys=ENG");
    let http = reqwest::Client::new();
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(r) = http.get(&url).basic_auth("a@acme-corp.com", Some("t0k")).send().await {
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
    std::fs::write(&file, format!("export AWS_ACCESS_KEY_ID={AWS_KEY}\ncorporate card on file: {CARD}\n")).unwrap();
    let config = dir.path().join("dlp.toml");
    std::fs::write(&config, format!("[rules.suppressions]\nvalues = [\"^{AWS_KEY}$\"]\n")).unwrap();
    let out = dlp(&dir.path().join("state"), &["--config", config.to_str().unwrap(), "scan", file.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let findings: Vec<Finding> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
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
    let out = dlp(&dir.path().join("state"), &["--config", config.to_str().unwrap(), "scan", file.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("[failed]") && text.contains("larger than the 10 byte limit"), "{text}");
    assert!(!text.contains(CARD));
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
    std::fs::write(&config, format!("[rules]\npaths = [{:?}]\n", rules.to_str().unwrap())).unwrap();
    let state = dir.path().join("state");

    let table = dlp(&state, &["--config", config.to_str().unwrap(), "rules", "list"]);
    assert_eq!(table.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&table.stderr));
    let text = String::from_utf8(table.stdout).unwrap();
    let line = |id: &str| text.lines().find(|l| l.starts_with(&format!("{id} "))).unwrap_or_else(|| panic!("no {id} in\n{text}"));
    assert!(line("aws-access-key-id").contains("rules/aws.toml") && line("aws-access-key-id").contains("high"), "{text}");
    assert!(line("acme-token").contains(rules.to_str().unwrap()) && line("acme-token").contains("ACME deploy token"), "{text}");
    assert!(line("email").contains("(disabled)"), "{text}");

    let json = dlp(&state, &["--config", config.to_str().unwrap(), "rules", "list", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let acme = listed.iter().find(|r| r["id"] == "acme-token").expect("the user's rule");
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
    assert_eq!(out.status.code(), Some(0), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "ok: 1 rule, all 2 examples hold\n");

    // An example the pattern misses (upper case) and a negative example it matches.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, USER_RULE.replace("token acme_abcdefgh", "token acme_ABCDEFGH").replace(r#"["acme_abc"]"#, r#"["acme_abc", "acme_zzzzzzzz"]"#)).unwrap();
    let out = dlp(&state, &["rules", "test", bad.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let at = bad.display();
    assert!(text.contains(&format!("FAIL acme-token ({at}): examples[0] \"token acme_ABCDEFGH\": expected a match, got none")), "{text}");
    assert!(text.contains(&format!("FAIL acme-token ({at}): negative_examples[1] \"acme_zzzzzzzz\": expected no match, got a match")), "{text}");
    assert!(text.ends_with("2 of 3 examples failed (1 rule)\n"), "{text}");

    // A folder is every rule file in it.
    let folder = dir.path().join("rules");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.toml"), USER_RULE).unwrap();
    std::fs::write(folder.join("b.toml"), USER_RULE.replace("acme", "zeta")).unwrap();
    let out = dlp(&state, &["rules", "test", folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "ok: 2 rules, all 4 examples hold\n");

    // A file that does not parse: exit 2, and the message names the file and the problem.
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[[rule]\nid = \"x\"\n").unwrap();
    let out = dlp(&state, &["rules", "test", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(broken.to_str().unwrap()) && stderr.contains("invalid TOML at line 1"), "{stderr}");
    // A rule that parses as TOML but is not a valid rule: the same.
    std::fs::write(&broken, USER_RULE.replace("acme_[a-z]{8}", "acme_[a-z")).unwrap();
    let out = dlp(&state, &["rules", "test", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("acme-token") && stderr.contains("regex"), "{stderr}");
}
