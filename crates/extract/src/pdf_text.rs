//! The text of one PDF page, in content-stream order, with line breaks where the text moves
//! to another line and spaces where it jumps along one.
//!
//! lopdf's own `extract_text` breaks lines only at `T*`, `'`, `"` and `ET`: text placed line
//! by line with `Td` or `Tm` (as most producers do) comes out as one run, so the last word of
//! a line and the first of the next are glued together (`user@example.comrow 12`), which
//! both hides and invents values. Font widths are not read, so a jump along a line is a
//! space whatever its size, and kerning in a `TJ` array is a space past a fifth of an em.

use std::collections::BTreeMap;

use lopdf::content::Content;
use lopdf::{Document, Encoding, Object, ObjectId};

/// Kerning (thousandths of an em, negative moves right) wide enough to read as a space.
const WORD_GAP: f32 = 200.0;

pub(super) fn page_text(
    document: &Document,
    page_id: ObjectId,
    limit: usize,
) -> lopdf::Result<String> {
    let fonts = document.get_page_fonts(page_id)?;
    let mut encodings: BTreeMap<Vec<u8>, Encoding<'_>> = BTreeMap::new();
    for (name, font) in fonts {
        match font.get_font_encoding_with_limit(document, limit) {
            Ok(encoding) => {
                encodings.insert(name, encoding);
            }
            Err(e @ lopdf::Error::Decompress(_)) => return Err(e),
            // A font whose encoding cannot be read leaves its text out, not the page.
            Err(_) => {}
        }
    }
    let content = Content::decode(&document.get_page_content_with_limit(page_id, limit)?)?;
    let mut page = PageText::default();
    let mut encoding = None;
    for operation in &content.operations {
        let operands = &operation.operands;
        match operation.operator.as_str() {
            "Tf" => {
                encoding = operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|name| encodings.get(name))
            }
            "Td" | "TD" => page.move_by(number(operands.first()), number(operands.get(1))),
            "Tm" => page.move_to(number(operands.get(5))),
            "T*" | "ET" => page.new_line(),
            "Tj" => page.show(encoding, operands.first()),
            "'" => {
                page.new_line();
                page.show(encoding, operands.first());
            }
            "\"" => {
                page.new_line();
                page.show(encoding, operands.get(2));
            }
            "TJ" => {
                let Some(Object::Array(items)) = operands.first() else {
                    continue;
                };
                for item in items {
                    match item {
                        Object::String(..) => page.show(encoding, Some(item)),
                        other if number(Some(other)) < -WORD_GAP => page.space(),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(page.text)
}

fn number(object: Option<&Object>) -> f32 {
    match object {
        Some(Object::Integer(i)) => *i as f32,
        Some(Object::Real(r)) => *r,
        _ => 0.0,
    }
}

#[derive(Default)]
struct PageText {
    text: String,
    /// The baseline of the current line, as far as `Tm` and `Td` tell.
    y: Option<f32>,
}

impl PageText {
    fn show(&mut self, encoding: Option<&Encoding<'_>>, string: Option<&Object>) {
        let (Some(encoding), Some(Object::String(bytes, _))) = (encoding, string) else {
            return;
        };
        if let Ok(text) = encoding.bytes_to_string(bytes) {
            self.text.push_str(&text);
        }
    }

    fn move_by(&mut self, dx: f32, dy: f32) {
        if dy.abs() > 0.01 {
            self.y = Some(self.y.unwrap_or(0.0) + dy);
            self.new_line();
        } else if dx > 0.0 {
            self.space();
        }
    }

    fn move_to(&mut self, y: f32) {
        match self.y {
            Some(current) if (current - y).abs() <= 0.01 => self.space(),
            _ => self.new_line(),
        }
        self.y = Some(y);
    }

    fn new_line(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            // Trailing spaces of the line go; they only pad.
            let trimmed = self.text.trim_end_matches(' ').len();
            self.text.truncate(trimmed);
            self.text.push('\n');
        }
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.text.push(' ');
        }
    }
}
