use std::sync::Mutex;

use super::*;
use crate::fixtures::{self, Cell, Page};
use crate::{NoOcr, OcrLine, OcrText, OcrWord, assert_consistent};

fn extract(bytes: &[u8], name: &str) -> Extraction {
    let out = attachment_segments(bytes, name, &AttachmentLimits::default(), &NoOcr);
    assert_consistent(&out.segments);
    out
}

fn texts(out: &Extraction) -> Vec<&str> {
    out.segments.iter().map(|s| s.text.as_str()).collect()
}

/// OCR that "reads" a fixed line from every image and remembers what it was given.
#[derive(Default)]
struct FakeOcr {
    seen: Mutex<Vec<Format>>,
}

impl Ocr for FakeOcr {
    fn recognize(&self, _image: &[u8], format: Format) -> Result<OcrText, ExtractError> {
        self.seen.lock().unwrap().push(format);
        let word = |t: &str| OcrWord {
            text: t.into(),
            left: 0,
            top: 0,
            width: 1,
            height: 1,
        };
        Ok(OcrText {
            lines: vec![OcrLine {
                words: vec![word("SSN"), word("536-22-1234")],
            }],
        })
    }
}

#[test]
fn text_attachments_are_extracted() {
    let out = extract(b"user: ada\npassword: hunter2\n", "creds.txt");
    assert!(out.is_complete(), "{:?}", out.problems);
    assert_eq!(texts(&out), ["user: ada\npassword: hunter2\n"]);
    assert_eq!(out.segments[0].origin, SegmentOrigin::default());
}

#[test]
fn unknown_binary_is_reported_not_extracted() {
    let out = extract(b"\x00\x01\x02\x03binary", "blob.dat");
    assert!(out.segments.is_empty());
    assert_eq!(
        out.problems,
        [ExtractError::NotExtracted {
            format: Format::Unknown
        }]
    );
}

#[test]
fn images_without_ocr_are_reported_not_extracted() {
    let out = extract(&fixtures::png(4, 4), "scan.png");
    assert_eq!(
        out.problems,
        [ExtractError::NotExtracted {
            format: Format::Png
        }]
    );
}

#[test]
fn images_go_to_ocr() {
    let ocr = FakeOcr::default();
    let out = attachment_segments(
        &fixtures::png(4, 4),
        "scan.png",
        &AttachmentLimits::default(),
        &ocr,
    );
    assert!(out.is_complete(), "{:?}", out.problems);
    assert_eq!(texts(&out), ["SSN 536-22-1234"]);
    assert_eq!(*ocr.seen.lock().unwrap(), [Format::Png]);
}

#[test]
fn oversized_attachments_break_the_size_limit() {
    let limits = AttachmentLimits {
        max_bytes: 8,
        ..AttachmentLimits::default()
    };
    let out = attachment_segments(b"123456789", "big.txt", &limits, &NoOcr);
    assert_eq!(
        out.problems,
        [ExtractError::LimitExceeded {
            what: "attachment size in bytes",
            limit: 8
        }]
    );
    assert_eq!(out.problems[0].kind(), "limit");
    assert!(attachment_segments(b"12345678", "ok.txt", &limits, &NoOcr).is_complete());
}

#[test]
fn pdf_text_is_extracted_per_page() {
    let bytes = fixtures::pdf_bytes(&[
        Page::Text(&["Quarterly report"]),
        Page::Text(&["Card 4111 1111 1111 1111"]),
    ]);
    let out = extract(&bytes, "report.pdf");
    assert!(out.is_complete(), "{:?}", out.problems);
    let pages: Vec<_> = out
        .segments
        .iter()
        .map(|s| (s.text.trim(), s.origin.pdf_page))
        .collect();
    assert_eq!(
        pages,
        [
            ("Quarterly report", Some(1)),
            ("Card 4111 1111 1111 1111", Some(2))
        ]
    );
}

#[test]
fn pdf_encrypted_with_an_empty_user_password_is_read() {
    let mut doc = fixtures::pdf(&[Page::Text(&["password: hunter2"])]);
    doc.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::string_literal("0123456789abcdef"),
            lopdf::Object::string_literal("0123456789abcdef"),
        ]),
    );
    let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "",
        key_length: 128,
        permissions: lopdf::Permissions::empty(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    assert!(
        !bytes.windows(7).any(|w| w == b"hunter2"),
        "the fixture is really encrypted"
    );
    let out = extract(&bytes, "locked.pdf");
    assert!(out.is_complete(), "{:?}", out.problems);
    assert_eq!(out.segments[0].text.trim(), "password: hunter2");
}

#[test]
fn pdf_with_a_user_password_is_a_problem_not_a_clean_file() {
    let mut doc = fixtures::pdf(&[Page::Text(&["password: hunter2"])]);
    doc.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::string_literal("0123456789abcdef"),
            lopdf::Object::string_literal("0123456789abcdef"),
        ]),
    );
    let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "secret",
        key_length: 128,
        permissions: lopdf::Permissions::empty(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let out = extract(&bytes, "locked.pdf");
    assert!(out.segments.is_empty());
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].kind(), "malformed");
}

#[test]
fn pdf_pages_without_text_send_their_images_to_ocr() {
    let jpeg = fixtures::jpeg(8, 8);
    let bytes = fixtures::pdf_bytes(&[
        Page::Text(&["cover"]),
        Page::GrayImage(16, 16),
        Page::Jpeg(&jpeg, 8, 8),
    ]);
    let ocr = FakeOcr::default();
    let out = attachment_segments(&bytes, "scan.pdf", &AttachmentLimits::default(), &ocr);
    assert!(out.is_complete(), "{:?}", out.problems);
    let pages: Vec<_> = out
        .segments
        .iter()
        .map(|s| (s.text.trim(), s.origin.pdf_page))
        .collect();
    assert_eq!(
        pages,
        [
            ("cover", Some(1)),
            ("SSN 536-22-1234", Some(2)),
            ("SSN 536-22-1234", Some(3))
        ]
    );
    assert_eq!(*ocr.seen.lock().unwrap(), [Format::Png, Format::Jpeg]);
}

#[test]
fn pdf_page_limit_keeps_the_pages_before_it() {
    let bytes = fixtures::pdf_bytes(&[
        Page::Text(&["one"]),
        Page::Text(&["two"]),
        Page::Text(&["three"]),
    ]);
    let limits = AttachmentLimits {
        max_pdf_pages: 2,
        ..AttachmentLimits::default()
    };
    let out = attachment_segments(&bytes, "long.pdf", &limits, &NoOcr);
    assert_eq!(out.segments.len(), 2);
    assert_eq!(
        out.problems,
        [ExtractError::LimitExceeded {
            what: "pages of a PDF",
            limit: 2
        }]
    );
}

#[test]
fn docx_runs_join_and_every_part_is_read() {
    let body = [
        fixtures::paragraph(&["Card: 4111 1111", " 1111 1111"]),
        fixtures::word_table(&[&["Name", "SSN"], &["Ada", "536-22-1234"]]),
        r#"<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b &amp; c &#65;</w:t></w:r></w:p>"#.to_owned(),
        r#"<w:p><w:r><w:t>SSN 536</w:t><w:noBreakHyphen/><w:t>22</w:t><w:noBreakHyphen/><w:t>1234</w:t></w:r></w:p>"#.to_owned(),
    ]
    .concat();
    let part = |root: &str, text: &str| fixtures::word_xml(root, &fixtures::paragraph(&[text]));
    let bytes = fixtures::docx(
        &body,
        &[
            ("word/header1.xml", part("hdr", "header text")),
            ("word/footer1.xml", part("ftr", "footer text")),
            ("word/footnotes.xml", part("footnotes", "footnote text")),
            ("word/endnotes.xml", part("endnotes", "endnote text")),
            ("word/comments.xml", part("comments", "comment text")),
        ],
    );
    let out = extract(&bytes, "doc.docx");
    assert!(out.is_complete(), "{:?}", out.problems);
    assert_eq!(
        texts(&out),
        [
            "Card: 4111 1111 1111 1111",
            "Name",
            "SSN",
            "Ada",
            "536-22-1234",
            "a\tb & c A",
            "SSN 536-22-1234",
            "header text",
            "footer text",
            "footnote text",
            "endnote text",
            "comment text"
        ]
    );
    let ssn = &out.segments[4];
    assert_eq!(ssn.context.as_deref(), Some("SSN"));
    assert_eq!(out.segments[3].context.as_deref(), Some("Name"));
    assert_eq!(out.segments[1].context, None);
}

#[test]
fn docx_tables_without_a_header_row_give_no_context() {
    let bytes = fixtures::docx(
        &fixtures::word_table(&[&["Ada", "536-22-1234"], &["Bob", "536-22-9999"]]),
        &[],
    );
    let out = extract(&bytes, "t.docx");
    assert!(out.segments.iter().all(|s| s.context.is_none()));
    assert_eq!(out.segments.len(), 4);
}

#[test]
fn xlsx_cells_have_sheet_cell_and_header_context() {
    let bytes = fixtures::xlsx(&[
        (
            "Customers",
            &[
                Cell::Text("A1", "Name"),
                Cell::Text("B1", "Card number"),
                Cell::Text("C1", "SSN"),
                Cell::Text("A2", "Ada"),
                Cell::Number("B2", "4111111111111111"),
                Cell::Number("C2", "536221234"),
                Cell::Number("C3", "1.5"),
            ],
        ),
        ("Other", &[Cell::Number("AA10", "5551234567")]),
    ]);
    let out = extract(&bytes, "book.xlsx");
    assert!(out.is_complete(), "{:?}", out.problems);
    let cells: Vec<_> = out
        .segments
        .iter()
        .map(|s| {
            (
                s.origin.sheet.as_deref().unwrap(),
                s.origin.cell.as_deref().unwrap(),
                s.text.as_str(),
                s.context.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("Customers", "A1", "Name", None),
            ("Customers", "B1", "Card number", None),
            ("Customers", "C1", "SSN", None),
            ("Customers", "A2", "Ada", Some("Name")),
            ("Customers", "B2", "4111111111111111", Some("Card number")),
            ("Customers", "C2", "536221234", Some("SSN")),
            ("Customers", "C3", "1.5", Some("SSN")),
            ("Other", "AA10", "5551234567", None),
        ]
    );
}

#[test]
fn xlsx_numeric_first_row_is_not_a_header() {
    let bytes = fixtures::xlsx(&[(
        "S",
        &[
            Cell::Number("A1", "4111111111111111"),
            Cell::Number("A2", "5"),
        ],
    )]);
    let out = extract(&bytes, "n.xlsx");
    assert!(out.segments.iter().all(|s| s.context.is_none()));
}

#[test]
fn pptx_slides_and_notes_are_named_in_sheet() {
    let bytes = fixtures::pptx(&[
        (&["Roadmap", "Q3 goals"], None),
        (&["Contacts"], Some("call 555-867-5309")),
    ]);
    let out = extract(&bytes, "deck.pptx");
    assert!(out.is_complete(), "{:?}", out.problems);
    let slides: Vec<_> = out
        .segments
        .iter()
        .map(|s| (s.origin.sheet.as_deref().unwrap(), s.text.as_str()))
        .collect();
    assert_eq!(
        slides,
        [
            ("slide 1", "Roadmap"),
            ("slide 1", "Q3 goals"),
            ("slide 2", "Contacts"),
            ("notes 2", "call 555-867-5309")
        ]
    );
}

#[test]
fn zip_entries_are_extracted_by_their_own_format_with_paths() {
    let inner = fixtures::zip(&[("a.csv", b"name,ssn\nada,536-22-1234\n")]);
    let xlsx = fixtures::xlsx(&[("S", &[Cell::Text("A1", "token")])]);
    let docx = fixtures::docx(&fixtures::paragraph(&["doc text"]), &[]);
    let bytes = fixtures::zip(&[
        ("customers.csv", b"id,email\n1,ada@example.com\n"),
        ("dir/", b""),
        ("nested/inner.zip", &inner),
        ("book.xlsx", &xlsx),
        ("doc.docx", &docx),
    ]);
    let out = extract(&bytes, "exports.zip");
    assert!(out.is_complete(), "{:?}", out.problems);
    let paths: Vec<_> = out
        .segments
        .iter()
        .map(|s| (s.origin.path.as_deref().unwrap(), s.text.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("exports.zip/customers.csv", "id"),
            ("exports.zip/customers.csv", "email"),
            ("exports.zip/customers.csv", "1"),
            ("exports.zip/customers.csv", "ada@example.com"),
            ("exports.zip/nested/inner.zip/a.csv", "name"),
            ("exports.zip/nested/inner.zip/a.csv", "ssn"),
            ("exports.zip/nested/inner.zip/a.csv", "ada"),
            ("exports.zip/nested/inner.zip/a.csv", "536-22-1234"),
            ("exports.zip/book.xlsx", "token"),
            ("exports.zip/doc.docx", "doc text"),
        ]
    );
    assert_eq!(out.segments[8].origin.cell.as_deref(), Some("A1"));
    // A CSV entry is read cell by cell, its header as each cell's context.
    let ssn = &out.segments[7];
    assert_eq!(
        (ssn.origin.cell.as_deref(), ssn.context.as_deref()),
        (Some("B2"), Some("ssn"))
    );
}

#[test]
fn a_broken_entry_is_a_problem_and_the_others_are_still_read() {
    let bytes = fixtures::zip(&[
        ("blob.bin", b"\x00\x01\x02\x03"),
        ("notes.txt", b"api_key=abc"),
    ]);
    let out = extract(&bytes, "mixed.zip");
    assert_eq!(texts(&out), ["api_key=abc"]);
    assert_eq!(
        out.problems,
        [ExtractError::NotExtracted {
            format: Format::Unknown
        }]
    );
}

#[test]
fn pdf_lines_placed_by_text_matrix_stay_apart() {
    let bytes = fixtures::pdf_bytes(&[Page::Text(&[
        "mail ada@example.com",
        "row 2 SSN 536-22-1234",
    ])]);
    let out = extract(&bytes, "lines.pdf");
    assert_eq!(texts(&out), ["mail ada@example.com\nrow 2 SSN 536-22-1234"]);
    assert_eq!(
        (out.segments[0].line, out.segments[0].origin.pdf_page),
        (1, Some(1))
    );
}
