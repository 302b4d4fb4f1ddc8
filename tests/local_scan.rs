//! `scan PATH` over local files: what cannot be read is that item's problem, not the end of
//! the scan, and many files recorded in batches keep the store's per-item semantics.

mod cli_support;

use std::process::Output;

use cli_support::dlp;

/// The `--format jsonl` lines: findings, and problems (items not scanned).
fn jsonl(out: &Output) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"));
    lines.partition(|v| v["type"] != "problem")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_path_is_that_items_problem_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let leaky = dir.path().join("leaky.txt");
    std::fs::write(&leaky, "Contact jane.doe@acme-corp.com for access\n").unwrap();
    let clean = dir.path().join("clean.txt");
    std::fs::write(&clean, "nothing to see here\n").unwrap();
    let missing = dir.path().join("not/here.txt");

    let out = dlp(
        &state,
        &[
            "scan",
            missing.to_str().unwrap(),
            leaky.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let (findings, problems) = jsonl(&out);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["detector"], "email");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["item"], missing.to_str().unwrap());
    assert_eq!(problems[0]["outcome"], "failed");
    let reason = problems[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("not found") && reason.contains(missing.to_str().unwrap()),
        "{reason}"
    );

    // Nothing found: exit 0 even though an item could not be read; the problem is still shown.
    let out = dlp(
        &state,
        &[
            "scan",
            clean.to_str().unwrap(),
            missing.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let (findings, problems) = jsonl(&out);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["item"], missing.to_str().unwrap());
}

/// More files than one batch of the store, each with its own address: every finding is
/// recorded under its file, a rescan opens no duplicate, and a removed value is gone.
#[test]
fn many_files_are_recorded_in_batches_with_each_finding_in_its_file() {
    const FILES: usize = 600;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let tree = dir.path().join("tree");
    for i in 0..FILES {
        let sub = tree.join(format!("d{}", i % 7));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join(format!("f{i}.txt")),
            format!("owner: Contact user{i}@acme-corp.com\n"),
        )
        .unwrap();
    }
    let scan = |expected: usize| {
        let out = dlp(
            &state,
            &["scan", tree.to_str().unwrap(), "--format", "jsonl"],
        );
        assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
        let (findings, problems) = jsonl(&out);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(findings.len(), expected);
        let files: std::collections::HashSet<&str> = findings
            .iter()
            .map(|f| f["location"]["page_id"].as_str().unwrap())
            .collect();
        assert_eq!(files.len(), expected, "not one finding in each file");
        findings
            .into_iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let first = scan(FILES);
    let second = scan(FILES);
    assert_eq!(first, second, "a rescan changed the findings' ids");

    std::fs::write(tree.join("d0/f0.txt"), "owner: nobody\n").unwrap();
    let third = scan(FILES - 1);
    assert!(third.iter().all(|id| first.contains(id)));
}

/// `samples/benign`: code and configuration in several languages that handle credentials the
/// way working code does (read from the environment, a vault, a prompt; passed by reference)
/// next to the digit tables, digests, versions and documentation addresses code is full of.
/// Nothing in it is a person's data or a credential, so a scan reports nothing.
#[test]
fn benign_code_and_configuration_yield_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/benign");
    let files = std::fs::read_dir(samples).unwrap().count();
    assert!(files >= 10, "the sample holds {files} files");
    let out = dlp(
        &dir.path().join("state"),
        &["scan", samples, "--format", "jsonl"],
    );
    let (findings, problems) = jsonl(&out);
    assert!(problems.is_empty(), "{problems:?}");
    let shown: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {} {}", f["detector"], f["location"], f["masked"]))
        .collect();
    assert!(
        shown.is_empty(),
        "findings on benign code:\n{}",
        shown.join("\n")
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
