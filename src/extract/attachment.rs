//! Attachment bytes into segments, by sniffed format.

use super::{ExtractError, Format, Ocr, ocr_to_segments, sniff, text_segments};
use crate::domain::{Segment, SegmentOrigin};

/// Bounds on what one attachment may cost to extract.
///
/// Only the size bound exists while text is the only extracted format; the depth, expansion
/// ratio and time bounds of DESIGN.md arrive with the archive and document extractors that
/// need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// Largest attachment read, in bytes.
    pub max_bytes: usize,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        AttachmentLimits {
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Extracts an attachment's text.
///
/// Formats without an extractor yet (PDF, office documents, archives, images) are an
/// `ExtractError::NotExtracted` naming the format, so that the caller records the attachment
/// as not extracted instead of it passing as clean.
pub fn attachment_segments(
    bytes: &[u8],
    file_name: &str,
    limits: &AttachmentLimits,
    ocr: &dyn Ocr,
) -> Result<Vec<Segment>, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::LimitExceeded {
            what: "attachment size in bytes",
            limit: u64::try_from(limits.max_bytes).unwrap_or(u64::MAX),
        });
    }
    match sniff(bytes, file_name) {
        Format::Text => Ok(text_segments(bytes, SegmentOrigin::default())),
        format @ (Format::Png | Format::Jpeg | Format::Gif | Format::Tiff | Format::Bmp | Format::Webp) => {
            let text = ocr.recognize(bytes, format)?;
            Ok(ocr_to_segments(&text, &SegmentOrigin::default()))
        }
        format => Err(ExtractError::NotExtracted { format }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::NoOcr;

    #[test]
    fn text_attachments_are_extracted() {
        let segments = attachment_segments(
            b"user: ada\npassword: hunter2\n",
            "creds.txt",
            &AttachmentLimits::default(), &NoOcr,
        )
        .unwrap();
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].text, "user: ada\npassword: hunter2\n");
        assert_eq!(segments[0].origin, SegmentOrigin::default());
    }

    #[test]
    fn known_binary_formats_are_reported_not_extracted() {
        let err = attachment_segments(b"%PDF-1.4\n1 0 obj", "a.pdf", &AttachmentLimits::default(), &NoOcr)
            .unwrap_err();
        assert_eq!(
            err,
            ExtractError::NotExtracted {
                format: Format::Pdf
            }
        );
        assert_eq!(err.kind(), "not_extracted");
        assert!(err.to_string().contains("not available yet"));
        let err = attachment_segments(
            b"\x89PNG\r\n\x1a\n....",
            "scan.png",
            &AttachmentLimits::default(), &NoOcr,
        )
        .unwrap_err();
        assert_eq!(
            err,
            ExtractError::NotExtracted {
                format: Format::Png
            }
        );
    }

    #[test]
    fn unknown_binary_is_reported_not_extracted() {
        let err = attachment_segments(
            b"\x00\x01\x02\x03binary",
            "blob.dat",
            &AttachmentLimits::default(), &NoOcr,
        )
        .unwrap_err();
        assert_eq!(
            err,
            ExtractError::NotExtracted {
                format: Format::Unknown
            }
        );
    }

    #[test]
    fn oversized_attachments_break_the_size_limit() {
        let limits = AttachmentLimits { max_bytes: 8 };
        let err = attachment_segments(b"123456789", "big.txt", &limits, &NoOcr).unwrap_err();
        assert_eq!(
            err,
            ExtractError::LimitExceeded {
                what: "attachment size in bytes",
                limit: 8
            }
        );
        assert_eq!(err.kind(), "limit");
        assert!(attachment_segments(b"12345678", "ok.txt", &limits, &NoOcr).is_ok());
    }
}
