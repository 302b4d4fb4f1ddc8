//! Extraction: turns an item's content into text `Segment`s, each with the place it came from.
//!
//! - [`storage`]: Confluence storage-format XHTML (page, blog post and comment bodies).
//! - [`text`]: plain-text attachments and local files, their tables (CSV and TSV files,
//!   Markdown pipe tables) cell by cell with column headers as context.
//! - [`sniff`]: what an attachment is, by its bytes.
//! - [`attachment`]: dispatches attachment bytes to the extractor for their format, within
//!   [`AttachmentLimits`]: PDF (`pdf`), DOCX (`docx`), PPTX (`pptx`), XLSX/XLS/ODS (`sheet`),
//!   ZIP archives nested or not (`archive`), images through [`Ocr`].
//!
//! Every extractor builds its segments through [`SegmentBuilder`], so the offsets and lines of
//! every segment agree with the item's joined text ([`joined_text`]) by construction. Whatever
//! an extractor cannot or will not read is an [`ExtractError`] that the caller records against
//! the item ("not extracted", "limit", "malformed"); nothing is skipped silently.

mod archive;
pub mod attachment;
mod delimited;
mod docx;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod fuzz_replay_tests;
#[cfg(test)]
mod hostile_tests;
pub mod image;
pub mod ocr;
mod office_xml;
mod pdf;
mod pdf_text;
mod pptx;
#[cfg(test)]
mod sample_tests;
mod segments;
mod sheet;
pub mod sniff;
pub mod storage;
mod table_text;
pub mod text;

pub use attachment::{
    AttachmentLimits, Extraction, attachment_segments, attachment_segments_as,
    attachment_segments_owned,
};
pub use image::OcrCache;
pub use ocr::{NoOcr, Ocr, OcrLine, OcrText, OcrWord, ocr_to_segments};
pub use segments::{SegmentBuilder, joined_text};
pub use sniff::{Format, sniff};
pub use storage::{StorageLimits, storage_segments};
pub use text::{text_segments, text_segments_owned};

#[cfg(test)]
pub(crate) use segments::assert_consistent;

/// Why an item's content yielded no segments.
///
/// Messages name positions, limits and formats only: they never quote the content, because the
/// content is what this service is looking for secrets in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The content does not follow its format's grammar.
    #[error("malformed content at byte {position}: {reason}")]
    Malformed {
        position: usize,
        reason: &'static str,
    },
    /// The content is larger, deeper or more fragmented than the extractor accepts.
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded { what: &'static str, limit: u64 },
    /// The format is recognised (or not) but there is no extractor for it.
    #[error("{}", not_extracted_message(*.format))]
    NotExtracted { format: Format },
}

impl ExtractError {
    /// A short, stable name for summaries and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ExtractError::Malformed { .. } => "malformed",
            ExtractError::LimitExceeded { .. } => "limit",
            ExtractError::NotExtracted { .. } => "not_extracted",
        }
    }
}

fn not_extracted_message(format: Format) -> String {
    match format {
        Format::Unknown => "content of an unrecognised binary format was not extracted".to_owned(),
        known => format!(
            "extraction of {} content is not available yet",
            known.display_name()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_and_messages_name_no_content() {
        let malformed = ExtractError::Malformed {
            position: 17,
            reason: "tag not closed",
        };
        assert_eq!(malformed.kind(), "malformed");
        assert_eq!(
            malformed.to_string(),
            "malformed content at byte 17: tag not closed"
        );

        let limit = ExtractError::LimitExceeded {
            what: "nesting depth",
            limit: 256,
        };
        assert_eq!(limit.kind(), "limit");
        assert_eq!(limit.to_string(), "nesting depth exceeds the limit of 256");

        let pdf = ExtractError::NotExtracted {
            format: Format::Pdf,
        };
        assert_eq!(pdf.kind(), "not_extracted");
        assert_eq!(
            pdf.to_string(),
            "extraction of PDF content is not available yet"
        );
        let unknown = ExtractError::NotExtracted {
            format: Format::Unknown,
        };
        assert!(unknown.to_string().contains("unrecognised binary format"));
    }
}
