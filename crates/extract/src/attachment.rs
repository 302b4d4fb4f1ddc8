//! Attachment bytes into segments, by sniffed format.
//!
//! Every attachment is hostile until read: a 40 KB ZIP can expand to terabytes, a ZIP can
//! contain itself, a DOCX can declare an XML entity bomb, a PNG header can claim 2.5 billion
//! pixels. So every extractor runs inside one [`Job`] that carries the attachment's
//! [`AttachmentLimits`], its expansion budget and its deadline, and an extractor that breaks a
//! limit stops *there*: what it read before still goes to the classifier, and the broken
//! limit is reported next to it in [`Extraction::problems`].

use std::time::{Duration, Instant};

use super::{
    ExtractError, Format, Ocr, SegmentBuilder, ocr_to_segments, sniff, text_segments,
    text_segments_owned,
};
use super::{archive, docx, pdf, pptx, sheet};
use dlp_domain::{Segment, SegmentOrigin};

/// Bounds on what one attachment may cost to extract. The defaults suit a worker with a few
/// hundred MB of memory; every bound is configurable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// Largest attachment read, in bytes.
    pub max_bytes: usize,
    /// How many archives deep extraction goes (the attachment itself is depth 0, so 1 reads
    /// the entries of a ZIP but not the entries of a ZIP inside it).
    pub max_depth: u32,
    /// Most entries read from one archive or office file.
    pub max_entries: u64,
    /// Most bytes decompressed over the whole attachment, nested archives included.
    pub max_expanded_bytes: u64,
    /// Largest uncompressed/compressed ratio of one archive entry.
    pub max_compression_ratio: u64,
    /// Most pixels of an image decoded or sent to OCR.
    pub max_image_pixels: u64,
    /// Most pages read from one PDF.
    pub max_pdf_pages: u32,
    /// Largest sheet area (rows x columns spanned by values) of an ODS workbook, which calamine
    /// holds in memory whole; XLSX sheets are streamed and not bounded by it.
    pub max_sheet_cells: u64,
    /// Longest time spent on one attachment; checked between entries, pages and sheets.
    pub max_duration: Duration,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        AttachmentLimits {
            max_bytes: 64 * 1024 * 1024,
            max_depth: 4,
            max_entries: 10_000,
            max_expanded_bytes: 256 * 1024 * 1024,
            // Text compresses around 10:1, spreadsheets up to about 100:1; bombs go far past.
            max_compression_ratio: 200,
            max_image_pixels: 40_000_000,
            max_pdf_pages: 2_000,
            max_sheet_cells: 4_000_000,
            max_duration: Duration::from_secs(120),
        }
    }
}

/// What extraction of one attachment produced: the segments read, and every reason some part
/// was not read. Segments are worth classifying even when `problems` is not empty.
#[derive(Debug, Default)]
pub struct Extraction {
    pub segments: Vec<Segment>,
    pub problems: Vec<ExtractError>,
}

impl Extraction {
    /// True when the attachment was read whole.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Extracts an attachment's text: text files by line, PDFs by page, spreadsheets by cell,
/// documents and slides by paragraph, archives by entry (recursively), images through `ocr`.
///
/// Never fails as a whole: a format without an extractor is a `NotExtracted` problem naming
/// the format, a broken limit a `LimitExceeded` problem, a damaged file a `Malformed` one, and
/// whatever was read before any of them is in `segments`.
pub fn attachment_segments(
    bytes: &[u8],
    file_name: &str,
    limits: &AttachmentLimits,
    ocr: &dyn Ocr,
) -> Extraction {
    attachment_segments_as(bytes, file_name, sniff(bytes, file_name), limits, ocr)
}

/// [`attachment_segments`] of bytes the caller gives up. A plain text (most local files, and
/// the largest) is decoded in their own buffer and split into segments as it goes, holding
/// the text about twice at its peak instead of four times; any other format is read as by
/// [`attachment_segments`].
pub fn attachment_segments_owned(
    bytes: Vec<u8>,
    file_name: &str,
    limits: &AttachmentLimits,
    ocr: &dyn Ocr,
) -> Extraction {
    let format = sniff(&bytes, file_name);
    if format != Format::Text || bytes.len() > limits.max_bytes {
        return attachment_segments_as(&bytes, file_name, format, limits, ocr);
    }
    let mut job = Job::new(limits, file_name, ocr);
    // Our own parser, but guarded like the others: a panic is this file's problem only.
    let segments = std::panic::catch_unwind(|| {
        text_segments_owned(bytes, file_name, SegmentOrigin::default())
    });
    match segments {
        Ok(segments) => job.builder.append(segments),
        Err(_) => job.problems.push(ExtractError::Malformed {
            position: 0,
            reason: "the parser for this format gave up on the content",
        }),
    }
    job.finish()
}

/// As [`attachment_segments`], reading the bytes as `format` whatever they look like: for
/// fuzzing one extractor at a time (a mutated magic number still reaches the parser under
/// test), and for callers that know better than the sniffer.
pub fn attachment_segments_as(
    bytes: &[u8],
    file_name: &str,
    format: Format,
    limits: &AttachmentLimits,
    ocr: &dyn Ocr,
) -> Extraction {
    let mut job = Job::new(limits, file_name, ocr);
    if bytes.len() > limits.max_bytes {
        job.problems.push(ExtractError::LimitExceeded {
            what: "attachment size in bytes",
            limit: as_u64(limits.max_bytes),
        });
        return job.finish();
    }
    if let Err(e) = job.extract_guarded(format, bytes, &SegmentOrigin::default(), 0) {
        job.problems.push(e);
    }
    job.finish()
}

/// The state of one attachment's extraction, handed to every extractor it reaches.
pub(super) struct Job<'a> {
    pub limits: &'a AttachmentLimits,
    /// The attachment's file name, the first part of every archive entry's path.
    pub root_name: &'a str,
    ocr: &'a dyn Ocr,
    deadline: Instant,
    expanded: u64,
    builder: SegmentBuilder,
    problems: Vec<ExtractError>,
}

impl<'a> Job<'a> {
    fn new(limits: &'a AttachmentLimits, root_name: &'a str, ocr: &'a dyn Ocr) -> Self {
        Job {
            limits,
            root_name,
            ocr,
            deadline: Instant::now()
                .checked_add(limits.max_duration)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400)),
            expanded: 0,
            builder: SegmentBuilder::new(),
            problems: Vec::new(),
        }
    }

    fn finish(self) -> Extraction {
        Extraction {
            segments: self.builder.finish(),
            problems: self.problems,
        }
    }

    pub fn push(&mut self, text: String, origin: SegmentOrigin, context: Option<String>) {
        self.builder.push_with_context(text, origin, context);
    }

    /// Records a problem with one part (a page, an entry) and lets extraction go on.
    pub fn problem(&mut self, e: ExtractError) {
        // A thousand broken entries say nothing a few do not; the list stays small.
        if self.problems.len() < 32 && !self.problems.contains(&e) {
            self.problems.push(e);
        }
    }

    /// Err once the attachment's time is up; extractors call it between parts.
    pub fn check_deadline(&self) -> Result<(), ExtractError> {
        if Instant::now() > self.deadline {
            return Err(ExtractError::LimitExceeded {
                what: "extraction time in seconds",
                limit: self.limits.max_duration.as_secs(),
            });
        }
        Ok(())
    }

    /// Bytes still allowed to be decompressed for this attachment.
    pub fn expansion_left(&self) -> u64 {
        self.limits.max_expanded_bytes.saturating_sub(self.expanded)
    }

    /// Counts `bytes` decompressed against the attachment's budget.
    pub fn charge(&mut self, bytes: u64) -> Result<(), ExtractError> {
        self.expanded = self.expanded.saturating_add(bytes);
        if self.expanded > self.limits.max_expanded_bytes {
            return Err(self.expansion_exceeded());
        }
        Ok(())
    }

    pub fn expansion_exceeded(&self) -> ExtractError {
        ExtractError::LimitExceeded {
            what: "expanded bytes of the attachment",
            limit: self.limits.max_expanded_bytes,
        }
    }

    /// Err when an image of `width` x `height` is too large to decode or recognise.
    pub fn check_pixels(&self, width: u64, height: u64) -> Result<(), ExtractError> {
        if width.saturating_mul(height) > self.limits.max_image_pixels {
            return Err(ExtractError::LimitExceeded {
                what: "image pixels",
                limit: self.limits.max_image_pixels,
            });
        }
        Ok(())
    }

    /// Sends an image to OCR and appends its lines with `origin`.
    pub fn recognize(
        &mut self,
        image: &[u8],
        format: Format,
        origin: &SegmentOrigin,
    ) -> Result<(), ExtractError> {
        let text = self.ocr.recognize(image, format)?;
        for segment in ocr_to_segments(&text, origin) {
            self.push(segment.text, segment.origin, segment.context);
        }
        Ok(())
    }

    /// Extracts `bytes`, found at `origin` (an archive path, or nothing for the attachment
    /// itself), `depth` archives deep. Problems with parts are recorded; the returned error
    /// is the one that stopped this item.
    pub fn extract(
        &mut self,
        bytes: &[u8],
        name: &str,
        origin: &SegmentOrigin,
        depth: u32,
    ) -> Result<(), ExtractError> {
        self.check_deadline()?;
        self.extract_guarded(sniff(bytes, name), bytes, origin, depth)
    }

    fn extract_guarded(
        &mut self,
        format: Format,
        bytes: &[u8],
        origin: &SegmentOrigin,
        depth: u32,
    ) -> Result<(), ExtractError> {
        self.check_deadline()?;
        // Under the fuzzer a panic must surface: it is what the fuzzer is looking for.
        #[cfg(fuzzing)]
        return self.extract_format(format, bytes, origin, depth);
        // Parsers of third-party crates meet hostile bytes here; a panic in one of them is a
        // malformed file, not a dead worker thread.
        #[cfg(not(fuzzing))]
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.extract_format(format, bytes, origin, depth)
        }));
        #[cfg(not(fuzzing))]
        outcome.unwrap_or(Err(ExtractError::Malformed {
            position: 0,
            reason: "the parser for this format gave up on the content",
        }))
    }

    fn extract_format(
        &mut self,
        format: Format,
        bytes: &[u8],
        origin: &SegmentOrigin,
        depth: u32,
    ) -> Result<(), ExtractError> {
        match format {
            Format::Text => {
                let name = origin.path.as_deref().unwrap_or(self.root_name);
                self.builder
                    .append(text_segments(bytes, name, origin.clone()));
                Ok(())
            }
            Format::Pdf => pdf::extract(self, bytes, origin),
            Format::Docx => docx::extract(self, bytes, origin),
            Format::Pptx => pptx::extract(self, bytes, origin),
            Format::Xlsx | Format::Xls | Format::Ods => sheet::extract(self, bytes, format, origin),
            Format::Zip => archive::extract(self, bytes, origin, depth),
            image @ (Format::Png
            | Format::Jpeg
            | Format::Gif
            | Format::Tiff
            | Format::Bmp
            | Format::Webp) => {
                if let Some((width, height)) = image_dimensions(bytes, image) {
                    self.check_pixels(width.into(), height.into())?;
                }
                self.recognize(bytes, image, origin)
            }
            Format::Unknown => Err(ExtractError::NotExtracted { format }),
        }
    }
}

/// The dimensions an image's header declares, read without decoding a pixel.
fn image_dimensions(bytes: &[u8], format: Format) -> Option<(u32, u32)> {
    // PNG's IHDR is always first and fixed: read it directly, so that a file that is nothing
    // but a header claiming 50,000 x 50,000 is refused too (the decoder wants more chunks).
    if format == Format::Png && bytes.get(12..16) == Some(b"IHDR") {
        let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
        let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
        return Some((width, height));
    }
    let format = match format {
        Format::Png => image::ImageFormat::Png,
        Format::Jpeg => image::ImageFormat::Jpeg,
        Format::Gif => image::ImageFormat::Gif,
        Format::Tiff => image::ImageFormat::Tiff,
        Format::Bmp => image::ImageFormat::Bmp,
        Format::Webp => image::ImageFormat::WebP,
        _ => return None,
    };
    image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .ok()
}

pub(super) fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[path = "attachment_tests.rs"]
mod tests;
