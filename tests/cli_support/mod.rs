//! What the command-line tests share: the binary run as a user runs it, and the values they
//! plant.
#![allow(dead_code)]

use std::process::{Command, Output, Stdio};

use dlp_domain::Finding;

pub const AWS_KEY: &str = "AKIAQX4BRZ7ELK2MWN5T";
pub const CARD: &str = "4539 5787 6362 1486";

/// The findings of `--format jsonl` output, and its other lines (items not scanned).
pub fn jsonl(stdout: &str) -> (Vec<Finding>, Vec<serde_json::Value>) {
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

/// The binary with an empty environment but `PATH` and its data directory.
pub fn dlp(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confluence-dlp"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DLP_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}
