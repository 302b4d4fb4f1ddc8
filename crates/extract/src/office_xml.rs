//! Text of an Office Open XML part (WordprocessingML and DrawingML alike): paragraphs, and
//! table cells with their column header.
//!
//! Word and PowerPoint split a paragraph into runs wherever formatting, spell-checking or an
//! edit session changes, so `4111 1111` and ` 1111 1111` can be two `<w:t>` elements: the runs
//! of a paragraph are joined before anything sees them. Paragraphs can nest (a text box inside
//! a run), and so can tables; both are kept on stacks.
//!
//! No DTD is read: a part that declares entities is refused, and a reference to an undeclared
//! entity stays in the text as written, so an entity bomb has nothing to expand.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::ExtractError;
use super::attachment::Job;
use dlp_domain::SegmentOrigin;

/// Appends the text of the XML part `xml` to `job`, every segment with `origin`.
pub(super) fn extract_part(
    job: &mut Job<'_>,
    xml: &[u8],
    origin: &SegmentOrigin,
) -> Result<(), ExtractError> {
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.check_end_names = false;
    config.trim_text(false);
    let mut part = Part::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| ExtractError::Malformed {
                position: usize::try_from(reader.error_position()).unwrap_or(usize::MAX),
                reason: "the XML of an office document part is not well-formed",
            })?;
        match event {
            Event::Start(e) => part.open(&e),
            Event::Empty(e) => {
                part.open(&e);
                part.close(e.local_name().as_ref(), job, origin);
            }
            Event::End(e) => part.close(e.local_name().as_ref(), job, origin),
            Event::Text(t) if part.in_text > 0 => part.text(&t.xml10_content()),
            Event::CData(t) if part.in_text > 0 => part.text(&t.xml10_content()),
            Event::GeneralRef(r) if part.in_text > 0 => part.text(&resolve(&r)),
            Event::DocType(doctype)
                if doctype
                    .as_ref()
                    .as_bytes()
                    .windows(8)
                    .any(|w| w.eq_ignore_ascii_case(b"<!ENTITY")) =>
            {
                return Err(ExtractError::Malformed {
                    position: usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX),
                    reason: "an office document part declares XML entities, which are not accepted",
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // A part cut short still gives what it had.
    while !part.paragraphs.is_empty() {
        part.close("p", job, origin);
    }
    Ok(())
}

/// `&amp;` and the other four XML entities, and character references; anything else stays
/// as written.
fn resolve(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let name = r.xml10_content();
    match quick_xml::escape::resolve_xml_entity(&name) {
        Some(text) => text.to_owned(),
        None => format!("&{name};"),
    }
}

#[derive(Default)]
struct Part {
    /// Open paragraphs, innermost last.
    paragraphs: Vec<String>,
    tables: Vec<Table>,
    /// How many text elements (`w:t`, `a:t`, `w:delText`) are open.
    in_text: u32,
}

#[derive(Default)]
struct Table {
    rows_done: usize,
    row: Vec<String>,
    cell: Option<String>,
    first_row_marked_header: bool,
    header: Option<Vec<String>>,
}

impl Part {
    fn open(&mut self, e: &BytesStart<'_>) {
        match e.local_name().as_ref() {
            "p" => self.paragraphs.push(String::new()),
            "t" | "delText" => self.in_text += 1,
            "tab" if self.in_text == 0 => self.text("\t"),
            // Word writes a hyphen typed as non-breaking (common in phone numbers and SSNs) as
            // an element, not a character.
            "noBreakHyphen" => self.text("-"),
            "br" | "cr" if self.in_text == 0 => self.text("\n"),
            "tbl" => self.tables.push(Table::default()),
            "tc" => {
                if let Some(table) = self.tables.last_mut() {
                    table.cell = Some(String::new());
                }
            }
            "tblHeader" => {
                if let Some(table) = self.tables.last_mut()
                    && table.rows_done == 0
                {
                    table.first_row_marked_header = true;
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &str, job: &mut Job<'_>, origin: &SegmentOrigin) {
        match name {
            "p" => {
                let Some(paragraph) = self.paragraphs.pop() else {
                    return;
                };
                if let Some(outer) = self.paragraphs.last_mut() {
                    // A text box's paragraphs read as part of the paragraph holding them.
                    if !paragraph.trim().is_empty() {
                        outer.push(' ');
                        outer.push_str(&paragraph);
                    }
                } else if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    if !cell.is_empty() && !paragraph.is_empty() {
                        cell.push('\n');
                    }
                    cell.push_str(&paragraph);
                } else if !paragraph.trim().is_empty() {
                    job.push(paragraph, origin.clone(), None);
                }
            }
            "t" | "delText" => self.in_text = self.in_text.saturating_sub(1),
            "tc" => {
                if let Some(table) = self.tables.last_mut()
                    && let Some(cell) = table.cell.take()
                {
                    table.row.push(cell);
                }
            }
            "tr" => {
                if let Some(table) = self.tables.last_mut() {
                    table.end_row(job, origin);
                }
            }
            "tbl" => {
                if let Some(mut table) = self.tables.pop() {
                    table.end_row(job, origin);
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(paragraph) = self.paragraphs.last_mut() {
            paragraph.push_str(text);
        }
    }
}

impl Table {
    fn end_row(&mut self, job: &mut Job<'_>, origin: &SegmentOrigin) {
        if let Some(cell) = self.cell.take() {
            self.row.push(cell);
        }
        if self.row.is_empty() {
            return;
        }
        let row = std::mem::take(&mut self.row);
        if self.rows_done == 0 && (self.first_row_marked_header || looks_like_header(&row)) {
            self.header = Some(row.clone());
        }
        for (column, cell) in row.into_iter().enumerate() {
            if cell.trim().is_empty() {
                continue;
            }
            let context = match &self.header {
                Some(header) if self.rows_done > 0 => {
                    header.get(column).filter(|h| !h.trim().is_empty()).cloned()
                }
                _ => None,
            };
            job.push(cell, origin.clone(), context);
        }
        self.rows_done += 1;
    }
}

/// A first row of short labels without digits reads as column headers ("Name", "SSN",
/// "Card number"); a row holding values does not.
pub(super) fn looks_like_header(row: &[String]) -> bool {
    row.iter().any(|c| !c.trim().is_empty())
        && row.iter().all(|c| {
            c.chars().count() <= 40 && !c.chars().any(|ch| ch.is_ascii_digit()) && !c.contains('@')
        })
}
