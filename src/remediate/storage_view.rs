//! A storage-format body as the engine reads it, and the way back: the text of its text nodes
//! and CDATA sections (code macros), entities decoded, with every piece of that text
//! remembering the bytes of the body it came from. Redacting in place finds a value in the
//! text and replaces exactly those bytes, so tags, attributes and macros are never touched and
//! the body stays well-formed whatever the value looked like in the markup: split across
//! `<strong>` runs, written with `&amp;`, or inside a code block.

use std::ops::Range;

use quick_xml::escape::resolve_html5_entity;
use quick_xml::events::BytesRef;

/// Where a piece of the view came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Text copied byte for byte (a text node's or a CDATA section's).
    Copied { cdata: bool },
    /// One character reference (`&amp;`, `&#8211;`): its text is atomic.
    Entity,
    /// A line break the view adds at a block boundary (a paragraph, a cell) so that text of
    /// two cells is not read as one value; it stands for no byte of the body.
    Break,
}

#[derive(Debug, Clone)]
struct Piece {
    view: Range<usize>,
    body: Range<usize>,
    origin: Origin,
}

/// The text of a storage body, and where each piece of it came from.
#[derive(Debug, Clone)]
pub struct StorageView {
    text: String,
    pieces: Vec<Piece>,
}

/// Elements that start a new line of text: what a reader sees as separate.
const BLOCKS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "tbody",
    "thead",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "hr",
    "ac:parameter",
    "ac:plain-text-body",
    "ac:rich-text-body",
    "ac:structured-macro",
    "ac:task",
    "ac:task-body",
];

impl StorageView {
    /// Reads `body`. Never fails: markup it cannot make sense of (a stray `<`) is read as text,
    /// and replacing there is still confined to the bytes the text came from.
    pub fn read(body: &str) -> StorageView {
        let bytes = body.as_bytes();
        let mut view = StorageView {
            text: String::with_capacity(body.len() / 2),
            pieces: Vec::new(),
        };
        let mut i = 0;
        let mut text_start = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'<' => {
                    if let Some(rest) = body[i..].strip_prefix("<![CDATA[") {
                        view.copy(body, text_start..i, false);
                        let start = i + "<![CDATA[".len();
                        let len = rest.find("]]>").unwrap_or(rest.len());
                        view.copy(body, start..start + len, true);
                        i = (start + len + 3).min(bytes.len());
                        text_start = i;
                        continue;
                    }
                    let Some(end) = tag_end(body, i) else {
                        // Not markup: a literal `<` in text.
                        i += 1;
                        continue;
                    };
                    view.copy(body, text_start..i, false);
                    if is_block(&body[i..end]) {
                        view.line_break(i);
                    }
                    i = end;
                    text_start = i;
                }
                b'&' => {
                    let Some(len) = body[i + 1..].find(';').filter(|&n| n > 0 && n <= 32) else {
                        i += 1;
                        continue;
                    };
                    let name = &body[i + 1..i + 1 + len];
                    let decoded = name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'#')
                        .then(|| decode(name))
                        .flatten();
                    let Some(decoded) = decoded else {
                        // Unknown: it stays in the text as written, copied.
                        i += len + 2;
                        continue;
                    };
                    view.copy(body, text_start..i, false);
                    let at = view.text.len();
                    view.text.push_str(&decoded);
                    view.pieces.push(Piece {
                        view: at..view.text.len(),
                        body: i..i + len + 2,
                        origin: Origin::Entity,
                    });
                    i += len + 2;
                    text_start = i;
                }
                _ => i += 1,
            }
        }
        view.copy(body, text_start..bytes.len(), false);
        view
    }

    /// What the engine reads.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn copy(&mut self, body: &str, range: Range<usize>, cdata: bool) {
        if range.is_empty() {
            return;
        }
        let at = self.text.len();
        self.text.push_str(&body[range.clone()]);
        self.pieces.push(Piece {
            view: at..self.text.len(),
            body: range,
            origin: Origin::Copied { cdata },
        });
    }

    fn line_break(&mut self, at_body: usize) {
        if self.text.is_empty() || self.text.ends_with('\n') {
            return;
        }
        let at = self.text.len();
        self.text.push('\n');
        self.pieces.push(Piece {
            view: at..at + 1,
            body: at_body..at_body,
            origin: Origin::Break,
        });
    }

    /// The body's byte ranges that a span of the view came from, in order, each inside one
    /// text node or CDATA section (adjacent pieces of one node are merged), with whether it is
    /// CDATA. An entity is taken whole as soon as the span touches it.
    fn body_ranges(&self, span: Range<usize>) -> Vec<(Range<usize>, bool)> {
        let first = self.pieces.partition_point(|p| p.view.end <= span.start);
        let mut out: Vec<(Range<usize>, bool)> = Vec::new();
        for piece in self.pieces[first..]
            .iter()
            .take_while(|p| p.view.start < span.end)
        {
            let range = match piece.origin {
                Origin::Break => continue,
                Origin::Entity => piece.body.clone(),
                Origin::Copied { .. } => {
                    let from = span.start.max(piece.view.start) - piece.view.start;
                    let to = span.end.min(piece.view.end) - piece.view.start;
                    piece.body.start + from..piece.body.start + to
                }
            };
            let cdata = matches!(piece.origin, Origin::Copied { cdata: true });
            match out.last_mut() {
                Some((last, last_cdata)) if last.end == range.start && *last_cdata == cdata => {
                    last.end = range.end;
                }
                _ => out.push((range, cdata)),
            }
        }
        out
    }

    /// `body` with each span of the view replaced by its text. The replacement goes where the
    /// span's first byte was; what the span covered in other text nodes (the rest of a value
    /// split by `<strong>`) is emptied, tags kept. Spans that overlap an earlier one are
    /// skipped. Answers how many spans were replaced.
    pub fn replace(&self, body: &str, spans: &[(Range<usize>, String)]) -> (String, usize) {
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        let mut sorted: Vec<&(Range<usize>, String)> = spans.iter().collect();
        sorted.sort_by_key(|(r, _)| (r.start, r.end));
        let mut last_end = 0;
        let mut replaced = 0;
        for (span, with) in sorted {
            if span.start < last_end || span.is_empty() || span.end > self.text.len() {
                continue;
            }
            let ranges = self.body_ranges(span.clone());
            let Some(((first, cdata), rest)) = ranges.split_first() else {
                continue;
            };
            last_end = span.end;
            replaced += 1;
            edits.push((first.clone(), escape(with, *cdata)));
            edits.extend(rest.iter().map(|(r, _)| (r.clone(), String::new())));
        }
        edits.sort_by_key(|(r, _)| r.start);
        let mut out = String::with_capacity(body.len());
        let mut at = 0;
        for (range, with) in edits {
            if range.start < at {
                continue;
            }
            out.push_str(&body[at..range.start]);
            out.push_str(&with);
            at = range.end;
        }
        out.push_str(&body[at..]);
        (out, replaced)
    }

    /// A short stretch of the view around `span` ([`context`]).
    pub fn context(&self, span: Range<usize>, around: usize) -> (String, String) {
        context(&self.text, span, around)
    }
}

/// The text either side of `span`, for a person to see what changes: at most `around` bytes
/// either side, cut at character boundaries, on one line, marked `…` where it was cut.
pub fn context(text: &str, span: Range<usize>, around: usize) -> (String, String) {
    let mut start = span.start.saturating_sub(around);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end + around).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let before = &text[start..span.start];
    let after = &text[span.end..end];
    let before = if start > 0 {
        format!("…{}", one_line(before).trim_start())
    } else {
        one_line(before)
    };
    let after = if end < text.len() {
        format!("{}…", one_line(after).trim_end())
    } else {
        one_line(after)
    };
    // Whitespace at the seams is kept as one space, so the value does not glue to a word.
    let pad_before = if span.start > start && text[..span.start].ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    let pad_after = if end > span.end && text[span.end..].starts_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    (
        format!("{}{pad_before}", before.trim_end()),
        format!("{pad_after}{}", after.trim_start()),
    )
}

/// Where the tag starting at `at` ends (just past its `>`), skipping `>` in quoted attribute
/// values and whole comments; `None` when `<` does not start markup.
fn tag_end(body: &str, at: usize) -> Option<usize> {
    let rest = &body[at..];
    if let Some(comment) = rest.strip_prefix("<!--") {
        return Some(at + 4 + comment.find("-->").map_or(comment.len(), |n| n + 3));
    }
    let second = rest.as_bytes().get(1)?;
    if !(second.is_ascii_alphabetic() || matches!(second, b'/' | b'!' | b'?')) {
        return None;
    }
    let mut quote = None;
    for (n, b) in rest.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(at + n + 1),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

fn is_block(tag: &str) -> bool {
    let name: String = tag
        .trim_start_matches('<')
        .trim_start_matches('/')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect::<String>()
        .to_ascii_lowercase();
    BLOCKS.contains(&name.as_str())
}

fn decode(name: &str) -> Option<String> {
    if name.starts_with('#') {
        return match BytesRef::new(name).resolve_char_ref() {
            Ok(Some(c)) => Some(c.to_string()),
            _ => None,
        };
    }
    resolve_html5_entity(name).map(str::to_owned)
}

/// Text as it must be written where it goes: escaped in a text node; in CDATA as is, except
/// that it cannot end the section early.
fn escape(text: &str, cdata: bool) -> String {
    if cdata {
        text.replace("]]>", "]] >")
    } else {
        quick_xml::escape::escape(text).into_owned()
    }
}

#[cfg(test)]
mod tests;
