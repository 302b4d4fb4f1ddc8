//! Hostile attachments: bombs, quines, absurd headers, truncated and corrupted files of every
//! format. Each must come back within its limits, as problems, without a panic escaping, a
//! hang or a huge allocation. Every file is generated here; none is committed.

use std::time::{Duration, Instant};

use super::attachment::{AttachmentLimits, Extraction, attachment_segments};
use super::fixtures::{self, Cell, Page};
use super::{ExtractError, Format, NoOcr, Ocr, OcrText, assert_consistent};

const GIB: usize = 1 << 30;

/// Runs an extraction and checks it stayed well inside a time bound.
fn bounded(bytes: &[u8], name: &str, limits: &AttachmentLimits, ocr: &dyn Ocr) -> Extraction {
    let started = Instant::now();
    let out = attachment_segments(bytes, name, limits, ocr);
    let took = started.elapsed();
    assert!(
        took < limits.max_duration + Duration::from_secs(10),
        "{name} took {took:?}"
    );
    assert_consistent(&out.segments);
    out
}

fn limit_names(out: &Extraction) -> Vec<&'static str> {
    out.problems
        .iter()
        .filter_map(|p| match p {
            ExtractError::LimitExceeded { what, .. } => Some(*what),
            _ => None,
        })
        .collect()
}

/// OCR that must never be reached.
struct PanickingOcr;

impl Ocr for PanickingOcr {
    fn recognize(&self, _image: &[u8], _format: Format) -> Result<OcrText, ExtractError> {
        panic!("an image over the pixel limit reached OCR")
    }
}

#[test]
fn zip_bomb_over_a_gibibyte_is_refused_by_its_ratio() {
    // 1,100 entries of 1 MiB of '0' each: 1.07 GiB expanded from about 1 MB.
    let bomb = fixtures::zip_bomb(1_100, 1 << 20);
    assert!(bomb.len() < 4 << 20);
    let out = bounded(&bomb, "bomb.zip", &AttachmentLimits::default(), &NoOcr);
    assert!(out.segments.is_empty());
    assert_eq!(limit_names(&out), ["compression ratio of an archive entry"]);
}

#[test]
fn zip_bomb_over_a_gibibyte_stops_at_the_expansion_budget() {
    let bomb = fixtures::zip_bomb(1_100, 1 << 20);
    let limits = AttachmentLimits {
        max_compression_ratio: u64::MAX,
        max_expanded_bytes: 64 << 20,
        ..AttachmentLimits::default()
    };
    let out = bounded(&bomb, "bomb.zip", &limits, &NoOcr);
    // The entries read before the budget ran out are still there to classify.
    assert_eq!(out.segments.len(), 64);
    assert!(out.segments.iter().all(|s| {
        s.origin
            .path
            .as_deref()
            .is_some_and(|p| p.starts_with("bomb.zip/part"))
    }));
    assert_eq!(limit_names(&out), ["expanded bytes of the attachment"]);
    let expanded: usize = out.segments.iter().map(|s| s.text.len()).sum();
    assert!(expanded < GIB / 8);
}

#[test]
fn archives_nested_25_deep_stop_at_the_depth_limit() {
    let nested = fixtures::nested_zip(25);
    let out = bounded(&nested, "deep.zip", &AttachmentLimits::default(), &NoOcr);
    assert!(out.segments.is_empty());
    assert_eq!(limit_names(&out), ["archive nesting depth"]);
    let shallow = fixtures::nested_zip(2);
    let out = bounded(
        &shallow,
        "shallow.zip",
        &AttachmentLimits::default(),
        &NoOcr,
    );
    assert!(out.is_complete(), "{:?}", out.problems);
    assert_eq!(
        out.segments[0].origin.path.as_deref(),
        Some("shallow.zip/level1.zip/level0.zip/secret.txt")
    );
}

#[test]
fn a_zip_that_contains_itself_ends_at_the_depth_limit() {
    // Not a true quine (those need hand-built deflate), but the same shape for the extractor:
    // every level holds an archive holding the next, 8 copies wide, which a naive reader
    // would expand 8^depth times.
    let mut bytes = fixtures::zip(&[("x.txt", b"x")]);
    for _ in 0..6 {
        let names: Vec<String> = (0..8).map(|i| format!("copy{i}.zip")).collect();
        let entries: Vec<(&str, &[u8])> = names
            .iter()
            .map(|n| (n.as_str(), bytes.as_slice()))
            .collect();
        bytes = fixtures::zip(&entries);
    }
    let out = bounded(&bytes, "wide.zip", &AttachmentLimits::default(), &NoOcr);
    assert!(out.segments.is_empty());
    assert!(limit_names(&out).contains(&"archive nesting depth"));
}

#[test]
fn too_many_entries_are_refused_before_indexing() {
    let names: Vec<String> = (0..300).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"x".as_slice()))
        .collect();
    let bytes = fixtures::zip(&entries);
    let limits = AttachmentLimits {
        max_entries: 100,
        ..AttachmentLimits::default()
    };
    let out = bounded(&bytes, "many.zip", &limits, &NoOcr);
    assert_eq!(limit_names(&out), ["entries in an archive"]);
}

#[test]
fn xml_entity_bomb_in_a_docx_is_refused() {
    let mut doctype = String::from("<!DOCTYPE w:document [<!ENTITY lol \"lol\">");
    for level in 1..10 {
        let previous = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        doctype.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">",
            format!("&{previous};").repeat(10)
        ));
    }
    doctype.push(']');
    doctype.push('>');
    let document = format!(
        r#"<?xml version="1.0"?>{doctype}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#
    );
    let bytes = fixtures::docx_raw(document.as_bytes(), &[]);
    let out = bounded(&bytes, "lol.docx", &AttachmentLimits::default(), &NoOcr);
    assert!(out.segments.is_empty());
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].kind(), "malformed");
    assert!(
        out.problems[0]
            .to_string()
            .contains("declares XML entities")
    );
}

#[test]
fn undeclared_entities_stay_as_written() {
    let bytes = fixtures::docx(&fixtures::paragraph(&["a &lol9; b"]), &[]);
    let out = bounded(&bytes, "ref.docx", &AttachmentLimits::default(), &NoOcr);
    assert_eq!(out.segments[0].text, "a &lol9; b");
}

#[test]
fn a_50000_by_50000_png_is_refused_by_its_header() {
    let header = fixtures::png_header(50_000, 50_000);
    let out = bounded(
        &header,
        "huge.png",
        &AttachmentLimits::default(),
        &PanickingOcr,
    );
    assert_eq!(limit_names(&out), ["image pixels"]);
    let zipped = fixtures::zip(&[("scans/huge.png", &header), ("ok.txt", b"fine")]);
    let out = bounded(
        &zipped,
        "scans.zip",
        &AttachmentLimits::default(),
        &PanickingOcr,
    );
    assert_eq!(limit_names(&out), ["image pixels"]);
    assert_eq!(out.segments.len(), 1);
}

#[test]
fn a_huge_image_in_a_pdf_is_refused_before_decoding() {
    // The stream claims 50,000 x 50,000 gray pixels but holds 16 x 16.
    let mut doc = fixtures::pdf(&[Page::GrayImage(16, 16)]);
    for object in doc.objects.values_mut() {
        if let Ok(stream) = object.as_stream_mut()
            && stream.dict.get(b"Subtype").and_then(|s| s.as_name()).ok()
                == Some(b"Image".as_slice())
        {
            stream.dict.set("Width", 50_000);
            stream.dict.set("Height", 50_000);
        }
    }
    let bytes = fixtures::save(doc);
    let out = bounded(
        &bytes,
        "huge.pdf",
        &AttachmentLimits::default(),
        &PanickingOcr,
    );
    assert_eq!(limit_names(&out), ["image pixels"]);
}

#[test]
fn a_sheet_with_a_cell_at_xfd1048576_costs_only_its_cells() {
    let bytes = fixtures::xlsx(&[(
        "S",
        &[
            Cell::Number("A1", "4111111111111111"),
            Cell::Number("XFD1048576", "1"),
        ],
    )]);
    let out = bounded(&bytes, "far.xlsx", &AttachmentLimits::default(), &NoOcr);
    assert!(out.is_complete(), "{:?}", out.problems);
    let cells: Vec<_> = out
        .segments
        .iter()
        .map(|s| s.origin.cell.as_deref().unwrap())
        .collect();
    assert_eq!(cells, ["A1", "XFD1048576"]);
}

#[test]
fn the_deadline_stops_extraction() {
    let bytes = fixtures::zip(&[("a.txt", b"one"), ("b.txt", b"two")]);
    let limits = AttachmentLimits {
        max_duration: Duration::ZERO,
        ..AttachmentLimits::default()
    };
    std::thread::sleep(Duration::from_millis(2));
    let out = bounded(&bytes, "slow.zip", &limits, &NoOcr);
    assert_eq!(limit_names(&out), ["extraction time in seconds"]);
}

/// One valid file of every format.
pub(super) fn valid_files() -> Vec<(&'static str, Vec<u8>)> {
    let docx = fixtures::docx(
        &[
            fixtures::paragraph(&["Card 4111 1111", " 1111 1111"]),
            fixtures::word_table(&[&["Name", "SSN"], &["Ada", "536-22-1234"]]),
        ]
        .concat(),
        &[(
            "word/footer1.xml",
            fixtures::word_xml("ftr", &fixtures::paragraph(&["footer"])),
        )],
    );
    let xlsx = fixtures::xlsx(&[(
        "S",
        &[Cell::Text("A1", "SSN"), Cell::Number("A2", "536221234")],
    )]);
    let pptx = fixtures::pptx(&[(&["title"], Some("notes"))]);
    let pdf = fixtures::pdf_bytes(&[Page::Text(&["page one"]), Page::GrayImage(8, 8)]);
    let zip = fixtures::zip(&[
        ("a.csv", b"a,b\n1,2\n"),
        ("d.docx", &docx),
        ("in.zip", &fixtures::zip(&[("x.txt", b"x")])),
    ]);
    vec![
        ("a.docx", docx),
        ("a.xlsx", xlsx),
        ("a.pptx", pptx),
        ("a.pdf", pdf),
        ("a.zip", zip),
        ("a.png", fixtures::png(8, 8)),
        ("a.jpg", fixtures::jpeg(8, 8)),
        ("a.txt", b"user: ada\npassword: hunter2\n".to_vec()),
    ]
}

/// A deterministic stream of numbers, so a failing mutation can be reproduced.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

#[test]
fn truncated_files_of_every_format_are_problems_not_panics() {
    let limits = AttachmentLimits {
        max_duration: Duration::from_secs(5),
        ..AttachmentLimits::default()
    };
    for (name, bytes) in valid_files() {
        let points = 40.min(bytes.len());
        for i in 0..points {
            let cut = bytes.len() * i / points;
            bounded(&bytes[..cut], name, &limits, &NoOcr);
        }
    }
}

#[test]
fn corrupted_files_of_every_format_are_problems_not_panics() {
    let limits = AttachmentLimits {
        max_duration: Duration::from_secs(5),
        ..AttachmentLimits::default()
    };
    let mut seed = 0x5eed;
    for (name, bytes) in valid_files() {
        for _ in 0..60 {
            let mut corrupt = bytes.clone();
            for _ in 0..1 + lcg(&mut seed) % 8 {
                let at = (lcg(&mut seed) as usize) % corrupt.len();
                corrupt[at] ^= 1 << (lcg(&mut seed) % 8);
            }
            bounded(&corrupt, name, &limits, &NoOcr);
        }
    }
}
