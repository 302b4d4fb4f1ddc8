//! The sample spaces (`samples/`, built by `samples/generate.py`) plant values in PDF, DOCX,
//! XLSX and ZIP attachments; every one must come out of its attachment at the place
//! `expected.json` names (sheet and cell, PDF page, archive path).

use std::path::Path;

use serde_json::Value;

use super::{AttachmentLimits, NoOcr, attachment_segments};

#[test]
fn planted_values_in_sample_attachments_are_extracted_where_expected() {
    let spaces = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/spaces");
    let mut checked = 0;
    for space in std::fs::read_dir(&spaces).unwrap() {
        let space = space.unwrap().path();
        let Ok(expected) = std::fs::read_to_string(space.join("expected.json")) else {
            continue;
        };
        let expected: Value = serde_json::from_str(&expected).unwrap();
        for planted in expected["planted"].as_array().unwrap() {
            let needs = planted["needs"].as_str();
            if !matches!(
                needs,
                Some("pdf" | "docx" | "xlsx" | "xls" | "ods" | "pptx" | "zip")
            ) {
                continue;
            }
            let id = planted["attachment_id"].as_str().unwrap();
            let title = planted["attachment_title"].as_str().unwrap();
            let value = planted["value"].as_str().unwrap();
            let bytes =
                std::fs::read(space.join("attachments/files").join(id).join(title)).unwrap();
            let out = attachment_segments(&bytes, title, &AttachmentLimits::default(), &NoOcr);
            assert!(out.is_complete(), "{title}: {:?}", out.problems);
            let found = out.segments.iter().any(|s| {
                s.text.contains(value)
                    && planted["sheet"]
                        .as_str()
                        .is_none_or(|sheet| s.origin.sheet.as_deref() == Some(sheet))
                    && planted["cell"]
                        .as_str()
                        .is_none_or(|cell| s.origin.cell.as_deref() == Some(cell))
                    && planted["path"]
                        .as_str()
                        .is_none_or(|path| s.origin.path.as_deref() == Some(path))
                    && planted["pdf_page"]
                        .as_u64()
                        .is_none_or(|page| s.origin.pdf_page == u32::try_from(page).ok())
            });
            assert!(
                found,
                "{title}: planted value ({needs:?}) not found at its expected origin"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} planted attachment values checked"
    );
}
