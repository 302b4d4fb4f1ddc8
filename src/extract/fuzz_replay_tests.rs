//! Replays every input under `fuzz/corpus/<target>/` through the extractor of that target, so
//! the seed corpus and every input that once crashed a fuzz target stay tested on stable Rust.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{
    AttachmentLimits, Format, NoOcr, StorageLimits, assert_consistent, attachment_segments_as,
    storage_segments,
};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
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

/// Writes the seed corpus from the test fixtures: `cargo test --lib write_fuzz_seed_corpus -- --ignored`.
#[test]
#[ignore = "writes files; run by hand to refresh fuzz/corpus"]
fn write_fuzz_seed_corpus() {
    use super::hostile_tests::valid_files;
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir().join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    for (name, bytes) in valid_files() {
        let target = match name.rsplit('.').next().unwrap() {
            "png" | "jpg" => continue,
            "txt" => "text",
            other => other,
        };
        write(target, &format!("seed-{name}"), &bytes);
    }
    write("text", "seed-crlf.txt", b"a\r\nb\r\n\xef\xbb\xbfbom\n");
    write("text", "seed-utf16.txt", b"\xff\xfeh\0i\0");
    write("zip", "seed-nested.zip", &super::fixtures::nested_zip(3));
    write("pdf", "seed-truncated.pdf", &valid_files()[3].1[..200]);
    let lol = br#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"#;
    write(
        "docx",
        "seed-entities.docx",
        &super::fixtures::docx_raw(lol, &[]),
    );
    let numbers = super::fixtures::xlsx(&[(
        "Cards",
        &[
            super::fixtures::Cell::Number("A1", "4111111111111111"),
            super::fixtures::Cell::Number("XFD1048576", "0.30000000000000004"),
        ],
    )]);
    write("xlsx", "seed-far-cell.xlsx", &numbers);
    write("storage", "seed-page.xhtml", br#"<p>SSN <strong>536-22-1234</strong> &amp; &nbsp;</p><table><tbody><tr><th>Card</th></tr><tr><td>4111 1111 1111 1111</td></tr></tbody></table><ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[password=hunter2]]></ac:plain-text-body></ac:structured-macro>"#);
    write(
        "storage",
        "seed-entities.xhtml",
        b"<!DOCTYPE x [<!ENTITY a \"b\">]><p>&a;</p>",
    );
}
