//! The builtin rules over a tree of files (source code, say), without the extractors: how
//! many findings each detector reports, and where, for judging false alarms by class.
//! Files are read as the text extractor reads plain text: binary files (a NUL byte in the
//! first 8 KiB) and files over 8 MiB are skipped, UTF-8 is decoded lossily, and the text is
//! cut into segments of about 64 KiB at a line break.
//!
//!     cargo run --release -p dlp-engine --example code_tree -- DIR [--where] [--all]
//!
//! `--where` prints `path:line:column+length detector` for every finding except e-mail
//! addresses (`--all`: those too). Values are never printed: open the line to judge a finding.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use dlp_engine::{Engine, Scratch};

#[path = "common/segments.rs"]
mod segments;
use segments::chunks;

const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
const SNIFF_BYTES: usize = 8 * 1024;

fn main() {
    let mut root = None;
    let mut show_where = false;
    let mut show_all = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--where" => show_where = true,
            "--all" => {
                show_where = true;
                show_all = true;
            }
            _ => root = Some(PathBuf::from(arg)),
        }
    }
    let root = root.expect("usage: code_tree DIR [--where] [--all]");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();

    let engine = Engine::builtin();
    let mut scratch = Scratch::default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let (mut scanned, mut skipped) = (0usize, 0usize);
    for path in &files {
        let Some(text) = read_text(path) else {
            skipped += 1;
            continue;
        };
        scanned += 1;
        let segments = chunks(&text);
        for m in engine.find_with(&segments, &mut scratch) {
            let id = m.rule_id.to_string();
            if show_where && (show_all || id != "email") {
                let line_start = text[..m.start].rfind('\n').map_or(0, |i| i + 1);
                println!(
                    "{}:{}:{}+{} {id}",
                    path.display(),
                    m.line,
                    m.start - line_start + 1,
                    m.end - m.start
                );
            }
            *counts.entry(id).or_default() += 1;
        }
    }

    let total: usize = counts.values().sum();
    let email = counts.get("email").copied().unwrap_or(0);
    let mut by_count: Vec<_> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    eprintln!("{scanned} files scanned, {skipped} skipped (binary or over 8 MiB)");
    for (id, n) in &by_count {
        eprintln!("{n:6} {id}");
    }
    eprintln!("{total} findings, {} not e-mail", total - email);
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&entry.path(), out);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

/// The file's text, or `None` for a file that is binary, too large or unreadable.
fn read_text(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    if file.metadata().ok()?.len() > MAX_FILE_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    if bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0) {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
