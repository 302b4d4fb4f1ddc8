//! The prefilter may only save work, never lose a match: on every rule example, the sample
//! space and generated wiki text, `Engine::find` (keywords and digit runs, regexes over
//! candidate regions) must report exactly what running every rule over every whole segment
//! reports.

use std::path::Path;

use dlp_bench::corpus::{write_benign, write_dense};
use dlp_domain::{Segment, SegmentOrigin};
use dlp_engine::{Engine, RulePack};
use dlp_extract::{
    AttachmentLimits, NoOcr, StorageLimits, attachment_segments, storage_segments, text_segments,
};

fn summary(engine: &Engine, segments: &[Segment], exhaustive: bool) -> Vec<(String, usize, usize)> {
    let found = if exhaustive {
        engine.find_exhaustive(segments)
    } else {
        engine.find(segments)
    };
    found
        .into_iter()
        .map(|m| (m.rule_id.to_string(), m.start, m.end))
        .collect()
}

fn assert_agree(engine: &Engine, what: &str, segments: &[Segment]) -> usize {
    let fast = summary(engine, segments, false);
    let reference = summary(engine, segments, true);
    assert_eq!(
        fast, reference,
        "{what}: the prefilter changed what was found (left: find, right: every rule everywhere)"
    );
    fast.len()
}

#[test]
fn every_rule_example_is_found_alike() {
    let engine = Engine::builtin();
    let mut found = 0;
    for rule in RulePack::builtin().rules() {
        for (kind, texts) in [
            ("example", &rule.examples),
            ("negative example", &rule.negative_examples),
        ] {
            for (i, text) in texts.iter().enumerate() {
                let segments =
                    text_segments(text.as_bytes(), "example.txt", SegmentOrigin::default());
                found += assert_agree(&engine, &format!("{} {kind} {i}", rule.id), &segments);
            }
        }
    }
    assert!(found > 200, "the examples should produce matches: {found}");
}

#[test]
fn the_sample_space_is_found_alike() {
    let engine = Engine::builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/spaces/ENG");
    let mut found = 0;
    for dir in ["pages", "blogposts", "comments"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xhtml") {
                let xhtml = std::fs::read_to_string(&path).unwrap();
                let segments = storage_segments(&xhtml, &StorageLimits::default()).unwrap();
                found += assert_agree(&engine, &path.display().to_string(), &segments);
            }
        }
    }
    for entry in std::fs::read_dir(root.join("attachments")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy();
            let extraction =
                attachment_segments(&bytes, &name, &AttachmentLimits::default(), &NoOcr);
            found += assert_agree(&engine, &path.display().to_string(), &extraction.segments);
        }
    }
    assert!(
        found > 50,
        "the sample space should produce matches: {found}"
    );
}

#[test]
fn generated_wiki_text_is_found_alike() {
    let engine = Engine::builtin();
    let dir = tempfile::tempdir().unwrap();
    for (name, write) in [
        (
            "benign",
            write_benign as fn(&Path, usize, u64) -> std::io::Result<u64>,
        ),
        ("dense", write_dense),
    ] {
        let path = dir.path().join(name);
        write(&path, 1, 7).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let segments = text_segments(&bytes, name, SegmentOrigin::default());
        assert_agree(&engine, name, &segments);
    }
}

#[test]
fn the_labelled_corpus_is_found_alike() {
    let engine = Engine::builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/labelled/corpus");
    let mut stack = vec![root];
    let (mut files, mut found) = (0, 0);
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy();
            let extraction =
                attachment_segments(&bytes, &name, &AttachmentLimits::default(), &NoOcr);
            found += assert_agree(&engine, &path.display().to_string(), &extraction.segments);
            files += 1;
        }
    }
    assert!(files > 50 && found > 500, "{files} files, {found} matches");
}
