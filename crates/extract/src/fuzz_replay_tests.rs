//! Replays every input under `fuzz/corpus/<target>/` through the extractor of that target, so
//! the seed corpus and every input that once crashed a fuzz target stay tested on stable Rust.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{
    AttachmentLimits, Format, NoOcr, StorageLimits, assert_consistent, attachment_segments_as,
    storage_segments,
};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

fn target_format(target: &str) -> Option<Format> {
    Some(match target {
        "text" => Format::Text,
        "pdf" => Format::Pdf,
        "docx" => Format::Docx,
        "xlsx" => Format::Xlsx,
        "pptx" => Format::Pptx,
        "zip" => Format::Zip,
        _ => return None,
    })
}

#[test]
fn every_fuzz_corpus_input_replays_without_panic_or_hang() {
    let limits = AttachmentLimits {
        max_duration: Duration::from_secs(10),
        ..AttachmentLimits::default()
    };
    let mut replayed = 0;
    let mut targets = 0;
    for target in std::fs::read_dir(corpus_dir()).unwrap() {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        targets += 1;
        for input in std::fs::read_dir(&target).unwrap() {
            let input = input.unwrap().path();
            let bytes = std::fs::read(&input).unwrap();
            let started = Instant::now();
            if name == "storage" {
                if let Ok(xhtml) = std::str::from_utf8(&bytes) {
                    let _ = storage_segments(xhtml, &StorageLimits::default());
                }
            } else {
                let format = target_format(&name)
                    .unwrap_or_else(|| panic!("fuzz/corpus/{name} names no target"));
                let out = attachment_segments_as(&bytes, "corpus", format, &limits, &NoOcr);
                assert_consistent(&out.segments);
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{} took {:?}",
                input.display(),
                started.elapsed()
            );
            replayed += 1;
        }
    }
    assert_eq!(targets, 7, "one corpus per fuzz target");
    assert!(replayed >= 14, "only {replayed} corpus inputs");
}
