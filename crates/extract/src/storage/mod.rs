//! Confluence storage-format XHTML into segments: one per block a reader sees.
//!
//! A storage body is an XHTML *fragment*: several top-level elements, text between them, and
//! `ac:`/`ri:` prefixes that are never declared. quick-xml's pull reader takes a sequence of
//! top-level nodes as it is, so the body is read in place (no copy into a synthetic root) and
//! the [`Walker`](walker::Walker) checks at the end that every element was closed. Prefixed
//! names are plain names; no namespace is resolved.
//!
//! What becomes text, and what does not, is decided in [`elements`]; references in
//! [`entities`]; table cell positions in [`tables`]. Choices a reader of findings should know:
//!
//! - The `title` parameter of code, noformat, panel and the info/note/tip/warning/expand
//!   macros is a segment of its own (people title panels "Prod DB password"); the status
//!   macro's title is inline text; every other parameter is a setting and is skipped.
//! - `<time datetime="…"/>` reads as its date (a date of birth is PII).
//! - A link whose `href` differs from its text adds the target as a segment after its block:
//!   webhook URLs, presigned links and `mailto:` addresses are what a DLP scan is for.
//! - A data cell (`td`) carries its column header as the segment's `context` (the `th` cells of
//!   the table's leading header rows over its columns), and its row header when its row starts
//!   with a `th`, joined by " / " and cut at 200 characters: detectors read "SSN" over a cell
//!   of bare digits. Header cells are segments of their own, without context.
//! - A `<!DOCTYPE` that declares entities is refused; any other is ignored. Nothing is ever
//!   expanded from a DTD.
//! - Attributes are parsed only where they carry text or position (`ac:name`, `colspan`,
//!   `rowspan`, `href`, `datetime`); tags, nesting, CDATA and references are always checked.

mod elements;
mod entities;
mod tables;

pub(super) use tables::BoundedText;
mod walker;

#[cfg(test)]
mod robustness_tests;
#[cfg(test)]
mod tests;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::Event;

use super::ExtractError;
use dlp_domain::Segment;
use walker::Walker;

/// Bounds on what one storage body may cost to extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageLimits {
    /// Largest body read, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most segments one body may produce.
    pub max_segments: usize,
}

impl Default for StorageLimits {
    fn default() -> Self {
        StorageLimits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 256,
            max_segments: 200_000,
        }
    }
}

/// Extracts the text of a storage-format body: paragraphs, headings, list items, table cells
/// (with `table N` and an A1 cell as origin, and their headers as context), quotes, code and
/// noformat bodies (verbatim), and macro bodies, each as its own segment. See the module documentation for the details.
///
/// Malformed markup is an error with its byte position, never a partial result: a body that
/// cannot be read whole must be reported as such, not pass as scanned.
pub fn storage_segments(xhtml: &str, limits: &StorageLimits) -> Result<Vec<Segment>, ExtractError> {
    if xhtml.len() > limits.max_bytes {
        return Err(ExtractError::LimitExceeded {
            what: "storage body size in bytes",
            limit: u64::try_from(limits.max_bytes).unwrap_or(u64::MAX),
        });
    }
    let mut reader = Reader::from_str(xhtml);
    let config = reader.config_mut();
    // A bare `&` (as in "AT&T") is common in imported pages and harmless: keep it as text.
    config.allow_dangling_amp = true;
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);

    let mut walker = Walker::new(limits);
    loop {
        let event_start = position(reader.buffer_position());
        let event = reader.read_event().map_err(|e| ExtractError::Malformed {
            position: position(reader.error_position()),
            reason: reason(&e),
        })?;
        walker.at(event_start);
        match event {
            Event::Start(element) => walker.open(&element)?,
            Event::Empty(element) => {
                walker.open(&element)?;
                walker.close()?;
            }
            Event::End(_) => walker.close()?,
            Event::Text(text) => walker.text(&text.xml10_content()),
            Event::CData(cdata) => walker.text(&cdata.xml10_content()),
            Event::GeneralRef(reference) => walker.reference(&reference),
            Event::DocType(doctype) => {
                // quick-xml never expands DTD entities, but a body that declares any is not
                // something Confluence writes: refuse it rather than guess what it meant.
                if doctype
                    .as_bytes()
                    .windows(8)
                    .any(|w| w.eq_ignore_ascii_case(b"<!ENTITY"))
                {
                    return Err(ExtractError::Malformed {
                        position: event_start,
                        reason: "document type declaration with entity declarations is not accepted",
                    });
                }
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => return walker.finish(xhtml.len()),
        }
    }
}

fn position(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

/// Why quick-xml refused the input, in words that never quote it (its own messages name tags).
fn reason(error: &XmlError) -> &'static str {
    match error {
        XmlError::Syntax(syntax) => match syntax {
            SyntaxError::InvalidBangMarkup => "unknown markup after `<!`",
            SyntaxError::UnclosedPI => "processing instruction not closed",
            SyntaxError::UnclosedXmlDecl => "XML declaration not closed",
            SyntaxError::UnclosedComment => "comment not closed",
            SyntaxError::UnclosedDoctype => "document type declaration not closed",
            SyntaxError::UnclosedCData => "CDATA section not closed",
            SyntaxError::UnclosedTag => "tag not closed",
            SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue => "attribute value not closed",
        },
        XmlError::IllFormed(ill_formed) => match ill_formed {
            IllFormedError::MismatchedEndTag { .. } => {
                "closing tag does not match the open element"
            }
            IllFormedError::UnmatchedEndTag(_) => "closing tag without an open element",
            IllFormedError::MissingEndTag(_) => "element not closed",
            IllFormedError::UnclosedReference => "reference not closed",
            IllFormedError::DoubleHyphenInComment => "double hyphen in comment",
            IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion => {
                "invalid XML declaration"
            }
            IllFormedError::MissingDoctypeName => "document type declaration without a name",
        },
        XmlError::InvalidAttr(_) => "invalid attribute",
        XmlError::Encoding(_) => "invalid text encoding",
        XmlError::Escape(_) => "invalid reference",
        XmlError::Namespace(_) => "invalid namespace",
        XmlError::Io(_) => "input could not be read",
    }
}
