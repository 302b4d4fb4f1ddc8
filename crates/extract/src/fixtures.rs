//! Small valid attachments built in code for the extractor tests (and hostile variants of
//! them), so no binary test files are committed.

use std::io::{Cursor, Write};

use crc32fast::hash as crc32;

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

pub fn word_xml(root: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{root} {W_NS}>{body}</w:{root}>"#
    )
}

/// A DOCX whose body is `body` (the content of `<w:body>`), with extra parts.
pub fn docx(body: &str, extra: &[(&str, String)]) -> Vec<u8> {
    let document = word_xml("document", &format!("<w:body>{body}</w:body>"));
    docx_raw(document.as_bytes(), extra)
}

pub fn docx_raw(document: &[u8], extra: &[(&str, String)]) -> Vec<u8> {
    let types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("word/document.xml", document),
    ];
    for (name, xml) in extra {
        entries.push((name, xml.as_bytes()));
    }
    zip(&entries)
}

pub fn paragraph(runs: &[&str]) -> String {
    let runs: String = runs
        .iter()
        .map(|r| format!(r#"<w:r><w:t xml:space="preserve">{r}</w:t></w:r>"#))
        .collect();
    format!("<w:p>{runs}</w:p>")
}

pub fn word_table(rows: &[&[&str]]) -> String {
    let rows: String = rows
        .iter()
        .map(|cells| {
            let cells: String = cells
                .iter()
                .map(|c| format!("<w:tc>{}</w:tc>", paragraph(&[c])))
                .collect();
            format!("<w:tr>{cells}</w:tr>")
        })
        .collect();
    format!("<w:tbl>{rows}</w:tbl>")
}

/// A PPTX: each slide's paragraphs, and its notes if any.
pub fn pptx(slides: &[(&[&str], Option<&str>)]) -> Vec<u8> {
    let types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#;
    let ns = r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main""#;
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), types.into()),
        (
            "ppt/presentation.xml".into(),
            format!("<p:presentation {ns}/>").into(),
        ),
    ];
    for (i, (texts, notes)) in slides.iter().enumerate() {
        let n = i + 1;
        let paras: String = texts
            .iter()
            .map(|t| format!("<a:p><a:r><a:t>{t}</a:t></a:r></a:p>"))
            .collect();
        let slide = format!(
            "<p:sld {ns}><p:cSld><p:spTree><p:sp><p:txBody>{paras}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        );
        parts.push((format!("ppt/slides/slide{n}.xml"), slide.into()));
        if let Some(notes) = notes {
            // Notes parts numbered apart from slides, as PowerPoint does after reordering.
            let m = 100 + n;
            let rels = format!(
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide{m}.xml"/></Relationships>"#
            );
            parts.push((format!("ppt/slides/_rels/slide{n}.xml.rels"), rels.into()));
            let xml = format!(
                "<p:notes {ns}><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{notes}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>"
            );
            parts.push((format!("ppt/notesSlides/notesSlide{m}.xml"), xml.into()));
        }
    }
    let entries: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip(&entries)
}

/// An XLSX cell: a reference and either a number or inline text.
pub enum Cell<'a> {
    Text(&'a str, &'a str),
    Number(&'a str, &'a str),
}

pub fn xlsx(sheets: &[(&str, &[Cell<'_>])]) -> Vec<u8> {
    let types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
    let root_rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let mut sheet_list = String::new();
    let mut rels = String::new();
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), types.into()),
        ("_rels/.rels".into(), root_rels.into()),
    ];
    for (i, (name, cells)) in sheets.iter().enumerate() {
        let n = i + 1;
        sheet_list.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
        let mut rows: Vec<(u32, String)> = Vec::new();
        for cell in cells.iter() {
            let (reference, xml) = match cell {
                Cell::Text(r, t) => (
                    *r,
                    format!(r#"<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>"#),
                ),
                Cell::Number(r, v) => (*r, format!(r#"<c r="{r}"><v>{v}</v></c>"#)),
            };
            let row: u32 = reference
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .parse()
                .unwrap();
            match rows.last_mut() {
                Some((last, xmls)) if *last == row => xmls.push_str(&xml),
                _ => rows.push((row, xml)),
            }
        }
        let rows: String = rows
            .iter()
            .map(|(r, cells)| format!(r#"<row r="{r}">{cells}</row>"#))
            .collect();
        let sheet = format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
        );
        parts.push((format!("xl/worksheets/sheet{n}.xml"), sheet.into()));
    }
    let workbook = format!(
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheet_list}</sheets></workbook>"#
    );
    parts.push(("xl/workbook.xml".into(), workbook.into()));
    parts.push((
        "xl/_rels/workbook.xml.rels".into(),
        format!(r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#).into(),
    ));
    let entries: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip(&entries)
}

/// What a PDF page holds.
pub enum Page<'a> {
    Text(&'a [&'a str]),
    /// A grayscale image of the given size, Flate-compressed, and no text.
    GrayImage(u32, u32),
    /// A JPEG image stream (its bytes as given), and no text.
    Jpeg(&'a [u8], u32, u32),
}

pub fn pdf(pages: &[Page<'_>]) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier" },
    );
    let mut kids = Vec::new();
    for page in pages {
        let (operations, resources) = match page {
            Page::Text(lines) => {
                let mut ops = vec![
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec!["F1".into(), 12.into()]),
                ];
                let mut y = 800;
                for line in lines.iter() {
                    ops.push(Operation::new(
                        "Tm",
                        vec![1.into(), 0.into(), 0.into(), 1.into(), 50.into(), y.into()],
                    ));
                    ops.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
                    y -= 20;
                }
                ops.push(Operation::new("ET", vec![]));
                (
                    ops,
                    dictionary! { "Font" => dictionary! { "F1" => font_id } },
                )
            }
            Page::GrayImage(w, h) => {
                let pixels = vec![200u8; (*w as usize) * (*h as usize)];
                let mut stream = Stream::new(
                    dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => *w as i64, "Height" => *h as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
                    pixels,
                );
                stream.compress().unwrap();
                let image_id = doc.add_object(stream);
                (
                    image_ops(*w, *h),
                    dictionary! { "XObject" => dictionary! { "Im1" => image_id } },
                )
            }
            Page::Jpeg(bytes, w, h) => {
                let stream = Stream::new(
                    dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => *w as i64, "Height" => *h as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode" },
                    bytes.to_vec(),
                );
                let image_id = doc.add_object(stream);
                (
                    image_ops(*w, *h),
                    dictionary! { "XObject" => dictionary! { "Im1" => image_id } },
                )
            }
        };
        let content = Content { operations };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc
}

fn image_ops(w: u32, h: u32) -> Vec<Operation> {
    vec![
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                (w as i64).into(),
                0.into(),
                0.into(),
                (h as i64).into(),
                0.into(),
                0.into(),
            ],
        ),
        Operation::new("Do", vec!["Im1".into()]),
        Operation::new("Q", vec![]),
    ]
}

pub fn pdf_bytes(pages: &[Page<'_>]) -> Vec<u8> {
    save(pdf(pages))
}

pub fn save(mut doc: Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.compress();
    doc.save_to(&mut out).unwrap();
    out
}

/// The first bytes of a PNG that claims `width` x `height` pixels: signature and IHDR only.
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&ihdr);
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    png
}

/// A small real PNG (gray, `width` x `height`).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::GrayImage::from_pixel(width, height, image::Luma([255]));
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A small real JPEG.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::GrayImage::from_pixel(width, height, image::Luma([255]));
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

/// A ZIP of `copies` entries, each `entry_size` zero bytes, compressed once and copied raw: a
/// bomb of `copies * entry_size` bytes that costs one entry's compression to build.
pub fn zip_bomb(copies: usize, entry_size: usize) -> Vec<u8> {
    let one = zip(&[("zeros.txt", &vec![b'0'; entry_size])]);
    let mut source = zip::ZipArchive::new(Cursor::new(one)).unwrap();
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..copies {
        let entry = source.by_index_raw(0).unwrap();
        writer
            .raw_copy_file_rename(entry, format!("part{i:05}.txt"))
            .unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A ZIP nested `levels` deep with a text file at the bottom.
pub fn nested_zip(levels: usize) -> Vec<u8> {
    let mut bytes = zip(&[("secret.txt", b"password=hunter2")]);
    for level in 0..levels {
        bytes = zip(&[(&format!("level{level}.zip"), &bytes)]);
    }
    bytes
}
