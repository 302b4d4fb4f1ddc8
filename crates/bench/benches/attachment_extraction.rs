//! Attachment extraction throughput per format, and PDF text extraction against poppler's
//! `pdftotext` on the same file. Prints a Markdown table (docs/benchmarks.md):
//!
//!     cargo bench --bench attachment_extraction
//!
//! Every input is generated here, with values a scanner looks for spread through it. MB/s is
//! input bytes per second of wall time, best of five runs, one thread.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use dlp_extract::{AttachmentLimits, NoOcr, attachment_segments};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn line(i: usize) -> String {
    format!(
        "row {i}: customer {i} card 4111 1111 1111 {:04} ssn 536-22-{:04} email user{i}@example.com",
        i % 10_000,
        i % 10_000
    )
}

fn zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn text(lines: usize) -> Vec<u8> {
    (0..lines)
        .map(|i| line(i) + "\n")
        .collect::<String>()
        .into_bytes()
}

fn pdf(pages: usize, lines_per_page: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier" },
    );
    let mut kids = Vec::new();
    for p in 0..pages {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 8.into()]),
        ];
        for l in 0..lines_per_page {
            let y = 820 - (l as i64) * 14;
            ops.push(Operation::new(
                "Tm",
                vec![1.into(), 0.into(), 0.into(), 1.into(), 20.into(), y.into()],
            ));
            ops.push(Operation::new(
                "Tj",
                vec![Object::string_literal(line(p * lines_per_page + l))],
            ));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = doc.add_object(Stream::new(
            dictionary! {},
            Content { operations: ops }.encode().unwrap(),
        ));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(Object::from(page));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn docx(paragraphs: usize) -> Vec<u8> {
    let mut body = String::new();
    for i in 0..paragraphs {
        let l = line(i);
        let (a, b) = l.split_at(l.len() / 2);
        body.push_str(&format!("<w:p><w:r><w:t xml:space=\"preserve\">{a}</w:t></w:r><w:r><w:t xml:space=\"preserve\">{b}</w:t></w:r></w:p>"));
    }
    let document = format!(
        r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    zip(&[
        ("[Content_Types].xml".into(), b"<Types/>".to_vec()),
        ("word/document.xml".into(), document.into_bytes()),
    ])
}

fn xlsx(rows: usize) -> Vec<u8> {
    let mut data = String::from(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Card</t></is></c><c r="C1" t="inlineStr"><is><t>SSN</t></is></c></row>"#,
    );
    for r in 2..rows + 2 {
        data.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>customer {r}</t></is></c><c r="B{r}"><v>411111111111{:04}</v></c><c r="C{r}" t="inlineStr"><is><t>536-22-{:04}</t></is></c></row>"#,
            r % 10_000,
            r % 10_000
        ));
    }
    let sheet = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
    );
    let workbook = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let root_rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    zip(&[
        ("[Content_Types].xml".into(), b"<Types/>".to_vec()),
        ("_rels/.rels".into(), root_rels.into()),
        ("xl/workbook.xml".into(), workbook.into()),
        ("xl/_rels/workbook.xml.rels".into(), rels.into()),
        ("xl/worksheets/sheet1.xml".into(), sheet.into_bytes()),
    ])
}

fn pptx(slides: usize) -> Vec<u8> {
    let ns = r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main""#;
    let mut entries = vec![
        ("[Content_Types].xml".to_owned(), b"<Types/>".to_vec()),
        (
            "ppt/presentation.xml".into(),
            format!("<p:presentation {ns}/>").into_bytes(),
        ),
    ];
    for s in 1..=slides {
        let paras: String = (0..20)
            .map(|i| format!("<a:p><a:r><a:t>{}</a:t></a:r></a:p>", line(s * 20 + i)))
            .collect();
        entries.push((format!("ppt/slides/slide{s}.xml"), format!("<p:sld {ns}><p:cSld><p:spTree><p:sp><p:txBody>{paras}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>").into_bytes()));
    }
    zip(&entries)
}

fn archive(files: usize, lines: usize) -> Vec<u8> {
    let entries: Vec<(String, Vec<u8>)> = (0..files)
        .map(|f| (format!("exports/part{f}.csv"), text(lines)))
        .collect();
    zip(&entries)
}

/// Best wall time of five runs of `f`.
fn best(mut f: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let limits = AttachmentLimits {
        max_bytes: usize::MAX,
        max_expanded_bytes: u64::MAX,
        ..AttachmentLimits::default()
    };
    let inputs: Vec<(&str, &str, Vec<u8>)> = vec![
        ("text (CSV)", "a.csv", text(200_000)),
        ("PDF (text layer)", "a.pdf", pdf(400, 55)),
        ("DOCX", "a.docx", docx(100_000)),
        ("XLSX", "a.xlsx", xlsx(100_000)),
        ("PPTX", "a.pptx", pptx(1_000)),
        ("ZIP of CSVs", "a.zip", archive(20, 10_000)),
    ];
    println!("| format | input MB | extracted MB | segments | best of 5 | input MB/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut pdf_time = Duration::ZERO;
    for (label, name, bytes) in &inputs {
        let probe = attachment_segments(bytes, name, &limits, &NoOcr);
        assert!(probe.problems.is_empty(), "{label}: {:?}", probe.problems);
        let extracted: usize = probe.segments.iter().map(|s| s.text.len()).sum();
        let took = best(|| {
            std::hint::black_box(attachment_segments(bytes, name, &limits, &NoOcr));
        });
        if name.ends_with(".pdf") {
            pdf_time = took;
        }
        let mb = bytes.len() as f64 / 1e6;
        println!(
            "| {label} | {mb:.1} | {:.1} | {} | {:.0} ms | {:.1} |",
            extracted as f64 / 1e6,
            probe.segments.len(),
            took.as_secs_f64() * 1e3,
            mb / took.as_secs_f64()
        );
    }

    let pdf_bytes = &inputs[1].2;
    let dir = std::env::temp_dir().join(format!("dlp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.pdf");
    std::fs::write(&path, pdf_bytes).unwrap();
    let poppler = best(|| {
        let status = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg(dir.join("out.txt"))
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "pdftotext (poppler-utils) is needed for the comparison"
        );
    });
    let ours = attachment_segments(pdf_bytes, "a.pdf", &limits, &NoOcr);
    let ours_text: String = ours
        .segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let theirs = std::fs::read_to_string(dir.join("out.txt")).unwrap_or_default();
    let words = |t: &str| t.split_whitespace().count();
    std::fs::remove_dir_all(&dir).ok();
    println!();
    println!(
        "| PDF text, {:.1} MB, {} pages | best of 5 | MB/s | words out |",
        pdf_bytes.len() as f64 / 1e6,
        400
    );
    println!("|---|---:|---:|---:|");
    for (label, took, w) in [
        ("confluence-dlp (lopdf)", pdf_time, words(&ours_text)),
        ("pdftotext (poppler)", poppler, words(&theirs)),
    ] {
        println!(
            "| {label} | {:.0} ms | {:.1} | {w} |",
            took.as_secs_f64() * 1e3,
            pdf_bytes.len() as f64 / 1e6 / took.as_secs_f64()
        );
    }
}
