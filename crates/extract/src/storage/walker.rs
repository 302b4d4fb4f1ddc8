//! The state of one pass over a storage body: the open elements, the block being read, and
//! where in which table it sits.

use std::mem;

use quick_xml::events::BytesStart;
use quick_xml::events::attributes::Attribute;

use super::StorageLimits;
use super::elements::{ElementKind, TitleRole, element_kind, title_role};
use super::entities::{Resolved, decode_attribute_value, resolve};
use super::tables::{BoundedText, HeaderCell, Tables};
use crate::{ExtractError, SegmentBuilder};
use dlp_domain::{Segment, SegmentOrigin};

/// What closing an element has to undo or finish.
#[derive(Debug)]
enum Frame {
    Inline,
    Block,
    Verbatim,
    Ignored,
    Table,
    /// A table cell; `placed` when it is inside a table and so pushed a [`CellText`]. A header
    /// cell remembers the first segment of its text, which becomes its column's or row's
    /// header when it closes.
    Cell {
        placed: bool,
        header: Option<(HeaderCell, usize)>,
    },
    Link {
        href: Option<String>,
        mark: TextMark,
    },
    Time {
        datetime: Option<String>,
        mark: TextMark,
    },
    Macro,
}

/// Where the text of an open table cell goes, and what a reader sees next to it.
#[derive(Debug)]
struct CellText {
    origin: SegmentOrigin,
    context: Option<String>,
}

/// A point in the block text, to tell later what text an inline element contributed.
#[derive(Debug, Clone, Copy)]
struct TextMark {
    /// Which block: blocks are numbered by the flushes before them.
    block: u64,
    len: usize,
}

pub(super) struct Walker<'l> {
    limits: &'l StorageLimits,
    out: SegmentBuilder,
    /// Text of the block being read.
    block: String,
    /// Prose only: whitespace was seen after the last word, so the next word needs a space.
    pending_space: bool,
    /// Open verbatim elements; text is kept as written while any is open.
    verbatim: usize,
    /// Open ignored elements (with their descendants); text is dropped while any is open.
    ignored: usize,
    /// Number of the current block (see [`TextMark`]).
    block_number: u64,
    stack: Vec<Frame>,
    tables: Tables,
    /// The open table cells, innermost last: segments get the innermost's origin and context.
    cells: Vec<CellText>,
    /// Title roles of the open macros, innermost last.
    macros: Vec<TitleRole>,
    /// Link targets to emit as their own segments after the current block.
    link_targets: Vec<String>,
    /// Byte position of the event being handled, for error reports.
    position: usize,
}

impl<'l> Walker<'l> {
    pub(super) fn new(limits: &'l StorageLimits) -> Self {
        Walker {
            limits,
            out: SegmentBuilder::new(),
            block: String::new(),
            pending_space: false,
            verbatim: 0,
            ignored: 0,
            block_number: 0,
            stack: Vec::new(),
            tables: Tables::default(),
            cells: Vec::new(),
            macros: Vec::new(),
            link_targets: Vec::new(),
            position: 0,
        }
    }

    /// Sets the byte position of the event about to be handled.
    pub(super) fn at(&mut self, position: usize) {
        self.position = position;
    }

    pub(super) fn open(&mut self, element: &BytesStart<'_>) -> Result<(), ExtractError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(ExtractError::LimitExceeded {
                what: "element nesting depth",
                limit: as_u64(self.limits.max_depth),
            });
        }
        if self.ignored > 0 {
            self.ignored += 1;
            self.stack.push(Frame::Ignored);
            return Ok(());
        }
        let frame = match element_kind(element.name().as_ref()) {
            ElementKind::Inline => Frame::Inline,
            ElementKind::Break => {
                self.line_break();
                Frame::Inline
            }
            ElementKind::Block => {
                self.flush()?;
                Frame::Block
            }
            ElementKind::Row => {
                self.flush()?;
                self.tables.start_row();
                Frame::Block
            }
            ElementKind::Verbatim => {
                self.flush()?;
                self.verbatim += 1;
                Frame::Verbatim
            }
            ElementKind::Ignored => self.ignore(),
            ElementKind::Table => {
                self.flush()?;
                self.tables.open_table();
                Frame::Table
            }
            ElementKind::Cell(kind) => {
                self.flush()?;
                let colspan = self.span(element, "colspan")?;
                let rowspan = self.span(element, "rowspan")?;
                match self.tables.place_cell(colspan, rowspan, kind) {
                    Some(placed) => {
                        self.cells.push(CellText {
                            origin: placed.origin,
                            context: placed.context,
                        });
                        let first_segment = self.out.len();
                        Frame::Cell {
                            placed: true,
                            header: placed.header.map(|cell| (cell, first_segment)),
                        }
                    }
                    None => Frame::Cell {
                        placed: false,
                        header: None,
                    },
                }
            }
            ElementKind::Link => Frame::Link {
                href: self.text_attribute(element, "href")?,
                mark: self.mark(),
            },
            ElementKind::Time => Frame::Time {
                datetime: self.text_attribute(element, "datetime")?,
                mark: self.mark(),
            },
            ElementKind::Macro => {
                let role = match self.attribute(element, "ac:name")? {
                    Some(name) => title_role(&name.value),
                    None => TitleRole::NotText,
                };
                self.macros.push(role);
                Frame::Macro
            }
            ElementKind::Parameter => {
                let is_title = self
                    .attribute(element, "ac:name")?
                    .is_some_and(|name| &*name.value == "title");
                match self.macros.last() {
                    Some(TitleRole::Heading) if is_title => {
                        self.flush()?;
                        Frame::Block
                    }
                    Some(TitleRole::InlineText) if is_title => Frame::Inline,
                    _ => self.ignore(),
                }
            }
        };
        self.stack.push(frame);
        Ok(())
    }

    pub(super) fn close(&mut self) -> Result<(), ExtractError> {
        let Some(frame) = self.stack.pop() else {
            return Err(ExtractError::Malformed {
                position: self.position,
                reason: "closing tag without an open element",
            });
        };
        match frame {
            Frame::Inline => {}
            Frame::Ignored => self.ignored = self.ignored.saturating_sub(1),
            Frame::Block => self.flush()?,
            Frame::Verbatim => {
                self.flush()?;
                self.verbatim = self.verbatim.saturating_sub(1);
            }
            Frame::Table => {
                self.flush()?;
                self.tables.close_table();
            }
            Frame::Cell { placed, header } => {
                self.flush()?;
                if let Some((cell, first_segment)) = header {
                    let mut text = BoundedText::default();
                    for segment in self.out.segments().get(first_segment..).unwrap_or_default() {
                        if !text.append(" ", &segment.text) {
                            break;
                        }
                    }
                    if let Some(text) = text.into_text() {
                        self.tables.header_read(cell, &text);
                    }
                }
                if placed {
                    self.cells.pop();
                }
            }
            Frame::Link {
                href: Some(href),
                mark,
            } => {
                if self.is_new_link_target(&href, mark) {
                    self.link_targets.push(href);
                }
            }
            Frame::Time {
                datetime: Some(datetime),
                mark,
            } => {
                // Confluence writes dates as `<time datetime="1985-03-12" />`: the attribute is
                // the date a reader sees (a date of birth is PII). Text inside wins if present.
                if self.text_since(mark) == Some("") {
                    self.text(&datetime);
                }
            }
            Frame::Link { href: None, .. } | Frame::Time { datetime: None, .. } => {}
            Frame::Macro => {
                self.macros.pop();
            }
        }
        Ok(())
    }

    /// Appends character data of the current element.
    pub(super) fn text(&mut self, text: &str) {
        if self.ignored > 0 {
            return;
        }
        if self.verbatim > 0 {
            self.block.push_str(text);
        } else {
            self.push_prose(text);
        }
    }

    /// Appends what the reference `&name;` stands for.
    pub(super) fn reference(&mut self, name: &str) {
        match resolve(name) {
            Resolved::Char(c) => self.text(c.encode_utf8(&mut [0; 4])),
            Resolved::Text(text) => self.text(text),
            Resolved::Literal => {
                self.text("&");
                self.text(name);
                self.text(";");
            }
        }
    }

    /// Ends the pass: every element must be closed.
    pub(super) fn finish(mut self, end: usize) -> Result<Vec<Segment>, ExtractError> {
        if !self.stack.is_empty() {
            return Err(ExtractError::Malformed {
                position: end,
                reason: "element not closed before end of input",
            });
        }
        self.flush()?;
        Ok(self.out.finish())
    }

    fn ignore(&mut self) -> Frame {
        self.ignored += 1;
        Frame::Ignored
    }

    /// Prose collapses every run of whitespace (U+00A0 from `&nbsp;` included) to one space and
    /// drops it at the start and end of the block; words are never split or joined.
    fn push_prose(&mut self, text: &str) {
        for (i, word) in text.split(char::is_whitespace).enumerate() {
            if i > 0 {
                self.pending_space = true;
            }
            if word.is_empty() {
                continue;
            }
            if self.pending_space && !self.block.is_empty() && !self.block.ends_with('\n') {
                self.block.push(' ');
            }
            self.pending_space = false;
            self.block.push_str(word);
        }
    }

    fn line_break(&mut self) {
        if self.verbatim > 0 || !self.block.is_empty() {
            self.block.push('\n');
        }
        self.pending_space = false;
    }

    /// Ends the current block: emits its text (if any is more than whitespace) and then the
    /// link targets found in it.
    fn flush(&mut self) -> Result<(), ExtractError> {
        self.block_number += 1;
        self.pending_space = false;
        if self.verbatim == 0 {
            let kept = self.block.trim_end_matches(['\n', ' ']).len();
            self.block.truncate(kept);
        }
        if self.block.trim().is_empty() {
            self.block.clear();
        } else {
            let text = mem::take(&mut self.block);
            self.emit(text)?;
        }
        for target in mem::take(&mut self.link_targets) {
            self.emit(target)?;
        }
        Ok(())
    }

    fn emit(&mut self, text: String) -> Result<(), ExtractError> {
        if self.out.len() >= self.limits.max_segments {
            return Err(ExtractError::LimitExceeded {
                what: "segments",
                limit: as_u64(self.limits.max_segments),
            });
        }
        match self.cells.last() {
            Some(cell) => {
                self.out
                    .push_with_context(text, cell.origin.clone(), cell.context.clone())
            }
            None => self.out.push(text, SegmentOrigin::default()),
        }
        Ok(())
    }

    fn mark(&self) -> TextMark {
        TextMark {
            block: self.block_number,
            len: self.block.len(),
        }
    }

    /// The text added since `mark`, or `None` when a block ended in between.
    fn text_since(&self, mark: TextMark) -> Option<&str> {
        (mark.block == self.block_number)
            .then(|| self.block.get(mark.len..).unwrap_or_default().trim())
    }

    /// A link's target is scanned too (a reader sees it on hover, and tokens travel in URLs:
    /// webhook URLs, presigned links, `mailto:` addresses), unless it only repeats the link
    /// text or points inside the page.
    fn is_new_link_target(&self, href: &str, mark: TextMark) -> bool {
        if href.is_empty() || href.starts_with('#') {
            return false;
        }
        let plain = |s: &str| -> String {
            let s = s
                .strip_prefix("mailto:")
                .or_else(|| s.strip_prefix("tel:"))
                .unwrap_or(s);
            s.trim_end_matches('/').to_owned()
        };
        match self.text_since(mark) {
            Some(text) => plain(text) != plain(href),
            None => true,
        }
    }

    fn attribute<'e>(
        &self,
        element: &'e BytesStart<'_>,
        name: &str,
    ) -> Result<Option<Attribute<'e>>, ExtractError> {
        element
            .try_get_attribute(name)
            .map_err(|_| ExtractError::Malformed {
                position: self.position,
                reason: "invalid attribute",
            })
    }

    fn text_attribute(
        &self,
        element: &BytesStart<'_>,
        name: &str,
    ) -> Result<Option<String>, ExtractError> {
        Ok(self.attribute(element, name)?.map(|attribute| {
            let mut value = String::new();
            decode_attribute_value(attribute.value.trim(), &mut value);
            value
        }))
    }

    /// A `colspan`/`rowspan` value; anything unreadable counts as 1, as browsers do.
    fn span(&self, element: &BytesStart<'_>, name: &str) -> Result<u32, ExtractError> {
        Ok(self
            .attribute(element, name)?
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(1))
    }
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}
