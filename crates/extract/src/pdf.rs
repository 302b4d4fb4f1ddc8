//! PDFs through lopdf: the text of every page with `origin.pdf_page` (1-based), and for pages
//! without a text layer (scans), their images through OCR.
//!
//! Encrypted PDFs that open with the empty user password (the common "owner password only"
//! case: printing or copying restricted, reading not) are decrypted and read; others are a
//! `Malformed` problem, never passed as clean. Decompression is bounded by the attachment's
//! remaining expansion budget, both while lopdf loads object streams and per page content.
//!
//! Images: DCT (JPEG) streams go to OCR as they are; Flate or uncompressed 8-bit Gray, RGB and
//! CMYK, and 1-bit Gray, are decoded here and sent as PNG. Other encodings (CCITT, JBIG2,
//! JPX, indexed colour) are reported as not extracted.

use std::io::Cursor;

use lopdf::{Document, LoadOptions, Object};

use super::attachment::Job;
use super::{ExtractError, Format};
use dlp_domain::SegmentOrigin;

pub(super) fn extract(
    job: &mut Job<'_>,
    bytes: &[u8],
    origin: &SegmentOrigin,
) -> Result<(), ExtractError> {
    let budget = usize::try_from(job.expansion_left()).unwrap_or(usize::MAX);
    let options = LoadOptions {
        password: Some(String::new()),
        max_decompressed_size: Some(budget),
        ..LoadOptions::default()
    };
    let document = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => ExtractError::Malformed {
            position: 0,
            reason: "the PDF is encrypted with a user password",
        },
        _ => ExtractError::Malformed {
            position: 0,
            reason: "the PDF cannot be parsed",
        },
    })?;
    let pages = document.get_pages();
    let max_pages = job.limits.max_pdf_pages;
    for (&number, &page_id) in pages.iter() {
        if number > max_pages {
            job.problem(ExtractError::LimitExceeded {
                what: "pages of a PDF",
                limit: u64::from(max_pages),
            });
            break;
        }
        job.check_deadline()?;
        let page_origin = SegmentOrigin {
            pdf_page: Some(number),
            ..origin.clone()
        };
        let limit = usize::try_from(job.expansion_left()).unwrap_or(usize::MAX);
        let text = match super::pdf_text::page_text(&document, page_id, limit) {
            Ok(text) => text,
            Err(lopdf::Error::Decompress(_)) => return Err(job.expansion_exceeded()),
            Err(_) => {
                job.problem(ExtractError::Malformed {
                    position: 0,
                    reason: "the content of a PDF page cannot be read",
                });
                String::new()
            }
        };
        job.charge(super::attachment::as_u64(text.len()))?;
        let text = text.trim_end();
        if !text.trim().is_empty() {
            job.push(text.to_owned(), page_origin, None);
            continue;
        }
        if let Err(e) = page_images(job, &document, page_id, &page_origin) {
            if super::archive::is_terminal(&e) {
                return Err(e);
            }
            job.problem(e);
        }
    }
    Ok(())
}

/// Sends the images of a page without text to OCR.
fn page_images(
    job: &mut Job<'_>,
    document: &Document,
    page_id: lopdf::ObjectId,
    origin: &SegmentOrigin,
) -> Result<(), ExtractError> {
    let images = document
        .get_page_images(page_id)
        .map_err(|_| ExtractError::Malformed {
            position: 0,
            reason: "the images of a PDF page cannot be listed",
        })?;
    for image in images {
        job.check_deadline()?;
        let width = u64::try_from(image.width).unwrap_or(0);
        let height = u64::try_from(image.height).unwrap_or(0);
        if width == 0 || height == 0 {
            continue;
        }
        job.check_pixels(width, height)?;
        let filters = image.filters.clone().unwrap_or_default();
        let result = if filters.iter().any(|f| f == "DCTDecode") && filters.len() == 1 {
            job.recognize(image.content, Format::Jpeg, origin)
        } else if filters.iter().all(|f| f == "FlateDecode") {
            let raw = match document.get_object(image.id).and_then(Object::as_stream) {
                Ok(stream) if filters.is_empty() => stream.content.clone(),
                Ok(stream) => {
                    let limit = usize::try_from(job.expansion_left()).unwrap_or(usize::MAX);
                    stream
                        .decompressed_content_with_limit(limit)
                        .map_err(|_| job.expansion_exceeded())?
                }
                Err(_) => {
                    return Err(ExtractError::Malformed {
                        position: 0,
                        reason: "a PDF image stream cannot be read",
                    });
                }
            };
            job.charge(super::attachment::as_u64(raw.len()))?;
            match raw_to_png(
                &raw,
                width,
                height,
                image.color_space.as_deref(),
                image.bits_per_component,
            ) {
                Some(png) => job.recognize(&png, Format::Png, origin),
                None => Err(ExtractError::NotExtracted {
                    format: Format::Unknown,
                }),
            }
        } else {
            Err(ExtractError::NotExtracted {
                format: Format::Unknown,
            })
        };
        result?;
    }
    Ok(())
}

/// Raw samples of a PDF image as PNG, for the colour spaces scanners write.
fn raw_to_png(
    raw: &[u8],
    width: u64,
    height: u64,
    color_space: Option<&str>,
    bits: Option<i64>,
) -> Option<Vec<u8>> {
    let w = u32::try_from(width).ok()?;
    let h = u32::try_from(height).ok()?;
    let pixels = usize::try_from(width.checked_mul(height)?).ok()?;
    let image: image::DynamicImage = match (color_space.unwrap_or("DeviceGray"), bits.unwrap_or(8))
    {
        ("DeviceGray" | "CalGray", 8) => {
            image::GrayImage::from_raw(w, h, raw.get(..pixels)?.to_vec())?.into()
        }
        ("DeviceRGB" | "CalRGB", 8) => {
            image::RgbImage::from_raw(w, h, raw.get(..pixels.checked_mul(3)?)?.to_vec())?.into()
        }
        ("DeviceCMYK", 8) => {
            let cmyk = raw.get(..pixels.checked_mul(4)?)?;
            let rgb = cmyk
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| ((255 - u16::from(c)) * k / 255) as u8)
                })
                .collect();
            image::RgbImage::from_raw(w, h, rgb)?.into()
        }
        ("DeviceGray" | "CalGray", 1) => {
            let row_bytes = usize::try_from(width.div_ceil(8)).ok()?;
            let rows = raw.get(..row_bytes.checked_mul(usize::try_from(height).ok()?)?)?;
            let mut gray = Vec::with_capacity(pixels);
            for row in rows.chunks_exact(row_bytes) {
                for x in 0..w as usize {
                    let bit = (row[x / 8] >> (7 - (x % 8))) & 1;
                    gray.push(if bit == 1 { 255 } else { 0 });
                }
            }
            image::GrayImage::from_raw(w, h, gray)?.into()
        }
        _ => return None,
    };
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(png)
}
