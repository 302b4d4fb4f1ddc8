//! What an attachment is, judged by its bytes.
//!
//! File names and declared media types are whatever the uploader chose; a DLP scanner that
//! trusted them would skip `passwords.txt` renamed to `photo.jpg`. So the format is read from
//! magic bytes, and for ZIP containers from the names of the entries inside.

/// A content format, as far as extraction cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Pdf,
    Docx,
    Xlsx,
    /// Legacy Excel workbook (an OLE compound file holding a `Workbook` stream).
    Xls,
    Ods,
    Pptx,
    /// A ZIP archive that is not one of the office formats above (ODT and ODP included).
    Zip,
    Png,
    Jpeg,
    Gif,
    Tiff,
    Bmp,
    Webp,
    /// Binary content of no format above (including OLE files that are not workbooks).
    Unknown,
}

impl Format {
    /// Stable lowercase name for summaries and stored extraction errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Pptx => "pptx",
            Format::Zip => "zip",
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Gif => "gif",
            Format::Tiff => "tiff",
            Format::Bmp => "bmp",
            Format::Webp => "webp",
            Format::Unknown => "unknown",
        }
    }

    /// Name for people, as in "extraction of PDF content is not available yet".
    pub fn display_name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Webp => "WebP",
            Format::Unknown => "unknown binary",
            other => other.upper_name(),
        }
    }

    fn upper_name(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::Docx => "DOCX",
            Format::Xlsx => "XLSX",
            Format::Xls => "XLS",
            Format::Ods => "ODS",
            Format::Pptx => "PPTX",
            Format::Zip => "ZIP",
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Gif => "GIF",
            Format::Tiff => "TIFF",
            Format::Bmp => "BMP",
            _ => self.as_str(),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// How much of the start of a file decides whether it is text.
const TEXT_SAMPLE_BYTES: usize = 8 * 1024;

/// Decides the format of `bytes` from their content.
///
/// `file_name` is not used to decide: with a single text kind there is nothing for it to
/// refine yet. It is taken so that callers need not change when text kinds (CSV, HTML) are told
/// apart, which is the only decision a name may influence.
pub fn sniff(bytes: &[u8], file_name: &str) -> Format {
    let _ = file_name;
    if let Some(format) = magic(bytes) {
        return format;
    }
    if looks_like_text(bytes) {
        Format::Text
    } else {
        Format::Unknown
    }
}

fn magic(bytes: &[u8]) -> Option<Format> {
    let starts = |prefix: &[u8]| bytes.starts_with(prefix);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return Some(zip_flavour(bytes));
    }
    // PDF readers accept the header anywhere in the first 1024 bytes.
    if bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
    {
        return Some(Format::Pdf);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if starts(b"\xFF\xD8\xFF") {
        return Some(Format::Jpeg);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(Format::Gif);
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Some(Format::Tiff);
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Some(Format::Webp);
    }
    if is_bmp(bytes) {
        return Some(Format::Bmp);
    }
    if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Some(if is_ole_workbook(bytes) {
            Format::Xls
        } else {
            Format::Unknown
        });
    }
    None
}

/// "BM" alone starts too many text files ("BMW fleet list"); a real bitmap also has zeroed
/// reserved fields and a known info-header size.
fn is_bmp(bytes: &[u8]) -> bool {
    bytes.starts_with(b"BM")
        && bytes.get(6..10) == Some(&[0, 0, 0, 0])
        && matches!(
            read_u32(bytes, 14),
            Some(12 | 40 | 52 | 56 | 64 | 108 | 124)
        )
}

/// An OLE compound file is a workbook when its directory names a `Workbook` (BIFF8) or `Book`
/// (BIFF5) stream; directory names are UTF-16LE and NUL-terminated.
fn is_ole_workbook(bytes: &[u8]) -> bool {
    let utf16 = |name: &str| -> Vec<u8> {
        name.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    };
    let (workbook, book) = (utf16("Workbook"), utf16("Book"));
    bytes
        .windows(workbook.len())
        .any(|w| w == workbook.as_slice())
        || bytes.windows(book.len()).any(|w| w == book.as_slice())
}

fn zip_flavour(bytes: &[u8]) -> Format {
    if let Some(mimetype) = odf_mimetype(bytes) {
        return if mimetype.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
            Format::Ods
        } else {
            Format::Zip
        };
    }
    let mut flavour = Format::Zip;
    for_each_zip_entry_name(bytes, |name| {
        flavour = match name {
            b"word/document.xml" => Format::Docx,
            b"xl/workbook.xml" => Format::Xlsx,
            b"ppt/presentation.xml" => Format::Pptx,
            _ => return true,
        };
        false
    });
    flavour
}

/// ODF requires its first entry to be an uncompressed file `mimetype` holding the media type.
fn odf_mimetype(bytes: &[u8]) -> Option<&[u8]> {
    let name_len = usize::from(read_u16(bytes, 26)?);
    let extra_len = usize::from(read_u16(bytes, 28)?);
    if bytes.get(30..30 + name_len)? != b"mimetype" {
        return None;
    }
    let start = 30 + name_len + extra_len;
    let size = usize::try_from(read_u32(bytes, 18)?).ok()?;
    bytes.get(start..start + size.min(128))
}

/// Upper bound on entries looked at, so a crafted archive cannot make sniffing slow.
const MAX_ZIP_ENTRIES: usize = 10_000;

/// Calls `visit` with each entry name until it returns `false`. Reads the central directory
/// when the end-of-central-directory record is found; otherwise (a truncated or ZIP64 file)
/// walks the local file headers from the start, which stops at the first entry whose size is
/// only known from a trailing data descriptor.
fn for_each_zip_entry_name(bytes: &[u8], mut visit: impl FnMut(&[u8]) -> bool) {
    if let Some(mut pos) = central_directory_offset(bytes) {
        for _ in 0..MAX_ZIP_ENTRIES {
            if bytes.get(pos..pos + 4) != Some(b"PK\x01\x02") {
                return;
            }
            let (Some(name_len), Some(extra_len), Some(comment_len)) = (
                read_u16(bytes, pos + 28),
                read_u16(bytes, pos + 30),
                read_u16(bytes, pos + 32),
            ) else {
                return;
            };
            let name_start = pos + 46;
            let Some(name) = bytes.get(name_start..name_start + usize::from(name_len)) else {
                return;
            };
            if !visit(name) {
                return;
            }
            pos = name_start
                + usize::from(name_len)
                + usize::from(extra_len)
                + usize::from(comment_len);
        }
        return;
    }
    let mut pos = 0usize;
    for _ in 0..MAX_ZIP_ENTRIES {
        if bytes.get(pos..pos + 4) != Some(b"PK\x03\x04") {
            return;
        }
        let (Some(flags), Some(size), Some(name_len), Some(extra_len)) = (
            read_u16(bytes, pos + 6),
            read_u32(bytes, pos + 18),
            read_u16(bytes, pos + 26),
            read_u16(bytes, pos + 28),
        ) else {
            return;
        };
        let name_start = pos + 30;
        let Some(name) = bytes.get(name_start..name_start + usize::from(name_len)) else {
            return;
        };
        if !visit(name) || (flags & 0x08 != 0 && size == 0) {
            return;
        }
        let Ok(size) = usize::try_from(size) else {
            return;
        };
        pos = name_start + usize::from(name_len) + usize::from(extra_len) + size;
    }
}

/// Offset of the central directory, from the end-of-central-directory record (searched for
/// backwards over the maximum comment length).
fn central_directory_offset(bytes: &[u8]) -> Option<usize> {
    const EOCD_LEN: usize = 22;
    let last = bytes.len().checked_sub(EOCD_LEN)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    let eocd = (first..=last)
        .rev()
        .find(|&i| bytes.get(i..i + 4) == Some(b"PK\x05\x06"))?;
    let offset = read_u32(bytes, eocd + 16)?;
    // 0xFFFFFFFF means the real offset is in a ZIP64 record; fall back to local headers.
    if offset == u32::MAX {
        return None;
    }
    usize::try_from(offset).ok().filter(|&o| o < bytes.len())
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Text is what has no NUL bytes and almost no control characters in its first 8 KiB. Invalid
/// UTF-8 is tolerated up to a quarter of the sample, because legacy 8-bit text (Latin-1 CSV
/// exports) is still text worth scanning; compressed or encrypted data fails the control test.
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let sample = &bytes[..bytes.len().min(TEXT_SAMPLE_BYTES)];
    if sample.contains(&0) {
        return false;
    }
    let controls = control_characters(sample);
    if controls * 100 > sample.len() {
        return false;
    }
    // The standard library's check first: several times faster than walking the chunks, and
    // nearly every text sample is valid whole.
    if std::str::from_utf8(sample).is_ok() {
        return true;
    }
    let invalid: usize = sample
        .utf8_chunks()
        .map(|chunk| chunk.invalid().len())
        .sum();
    invalid * 4 <= sample.len()
}

/// The control characters of `bytes` that text does not hold (tab, line breaks, form feed and
/// escape it may). Counted a byte lane per position over runs of 255 bytes, in a form the
/// compiler turns into vector compares: this runs over the first 8 KiB of every file, and
/// byte by byte it was a tenth of a local scan's extraction.
fn control_characters(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|run| {
            let in_run = run.iter().fold(0u8, |n, &b| {
                let allowed =
                    (b == b'\t') | (b == b'\n') | (b == b'\r') | (b == 0x0C) | (b == 0x1B);
                n + u8::from(((b < 0x20) & !allowed) | (b == 0x7F))
            });
            usize::from(in_run)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_counted_as_byte_by_byte() {
        let by_byte = |bytes: &[u8]| {
            bytes
                .iter()
                .filter(|&&b| {
                    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)) || b == 0x7F
                })
                .count()
        };
        let every_byte: Vec<u8> = (0..=255u8).cycle().take(8192 + 77).collect();
        assert_eq!(control_characters(&every_byte), by_byte(&every_byte));
        // 28 in each of 32 whole rounds of the 256 bytes (32 below 0x20, less 5 allowed, and
        // 0x7F), then 27 in the 77 bytes after.
        assert_eq!(control_characters(&every_byte), 32 * 28 + 27);
        // Past a run's 255 bytes, nothing wraps around.
        let all_controls = vec![0x01u8; 1000];
        assert_eq!(control_characters(&all_controls), 1000);
        assert_eq!(control_characters(b""), 0);
    }

    /// A minimal stored (uncompressed) ZIP archive with the given entries.
    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            let header = |sig: &[u8], central: bool| {
                let mut h = sig.to_vec();
                if central {
                    h.extend([20, 0]);
                }
                h.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
                h.extend((data.len() as u32).to_le_bytes());
                h.extend((data.len() as u32).to_le_bytes());
                h.extend((name.len() as u16).to_le_bytes());
                h.extend([0, 0]);
                if central {
                    h.extend([0; 10]);
                    h.extend(offset.to_le_bytes());
                }
                h.extend(name.as_bytes());
                h
            };
            out.extend(header(b"PK\x03\x04", false));
            out.extend(*data);
            central.extend(header(b"PK\x01\x02", true));
        }
        let cd_offset = out.len() as u32;
        out.extend(&central);
        out.extend(b"PK\x05\x06\0\0\0\0");
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((central.len() as u32).to_le_bytes());
        out.extend(cd_offset.to_le_bytes());
        out.extend([0, 0]);
        out
    }

    #[test]
    fn images_and_pdf_by_magic_whatever_the_name() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", "notes.txt"),
            Format::Pdf
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a.txt"),
            Format::Png
        );
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0", "a.png"),
            Format::Jpeg
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0", "x"), Format::Gif);
        assert_eq!(sniff(b"II*\0\x08\0\0\0", "x"), Format::Tiff);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 ", "x"), Format::Webp);
        let mut bmp = b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec();
        bmp.extend([0; 16]);
        assert_eq!(sniff(&bmp, "x"), Format::Bmp);
        assert_eq!(
            sniff(b"BMW fleet list, plates and drivers\n", "cars.bmp"),
            Format::Text
        );
    }

    #[test]
    fn office_zip_containers_by_their_entries() {
        let docx = zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ]);
        assert_eq!(sniff(&docx, "report.zip"), Format::Docx);
        let xlsx = zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        assert_eq!(sniff(&xlsx, "x"), Format::Xlsx);
        let pptx = zip(&[("ppt/presentation.xml", b"<p/>")]);
        assert_eq!(sniff(&pptx, "x"), Format::Pptx);
        let plain = zip(&[("customers.csv", b"name,ssn\n")]);
        assert_eq!(sniff(&plain, "x.docx"), Format::Zip);
        let ods = zip(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", b"<x/>"),
        ]);
        assert_eq!(sniff(&ods, "x"), Format::Ods);
        let odt = zip(&[("mimetype", b"application/vnd.oasis.opendocument.text")]);
        assert_eq!(sniff(&odt, "x"), Format::Zip);
    }

    #[test]
    fn truncated_zip_is_read_from_local_headers() {
        let xlsx = zip(&[
            ("docProps/app.xml", b"<a/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        let cut = xlsx.len() - 30;
        assert_eq!(sniff(&xlsx[..cut], "x"), Format::Xlsx);
        assert_eq!(sniff(b"PK\x03\x04\x14\0", "x"), Format::Zip);
    }

    #[test]
    fn ole_files_are_workbooks_only_with_a_workbook_stream() {
        let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        xls.extend([0; 64]);
        xls.extend(
            "Workbook"
                .encode_utf16()
                .chain([0])
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(sniff(&xls, "x"), Format::Xls);
        let mut doc = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        doc.extend(
            "WordDocument"
                .encode_utf16()
                .chain([0])
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(sniff(&doc, "x.xls"), Format::Unknown);
    }

    #[test]
    fn text_by_content_not_by_extension() {
        assert_eq!(
            sniff(
                b"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n",
                "config.bin"
            ),
            Format::Text
        );
        assert_eq!(
            sniff("Zoë Müller;Straße 5\r\n".as_bytes(), "x"),
            Format::Text
        );
        assert_eq!(
            sniff(b"Zo\xEB M\xFCller;Stra\xDFe 5\r\n", "latin1.csv"),
            Format::Text
        );
        assert_eq!(sniff(b"\xFF\xFEh\0i\0", "utf16.txt"), Format::Text);
        assert_eq!(sniff(b"", "empty.txt"), Format::Text);
        assert_eq!(sniff(b"name\0with nul", "notes.txt"), Format::Unknown);
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1)
            .collect();
        assert_eq!(sniff(&noise, "notes.txt"), Format::Unknown);
    }

    #[test]
    fn crafted_zip_headers_do_not_panic() {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend([0xFF; 40]);
        bytes.extend(b"PK\x05\x06");
        bytes.extend([0xFF; 18]);
        assert_eq!(sniff(&bytes, "x"), Format::Zip);
        for len in 0..bytes.len() {
            sniff(&bytes[..len], "x");
        }
    }
}
