//! From image bytes to the pixels the OCR engine reads: limits checked on the header first,
//! then decoded, flattened onto white, turned grey, and resized: enlarged when text would be too
//! small to read, reduced when it is far larger than Tesseract needs.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageError, ImageFormat, ImageReader, Limits};

use super::ImageLimits;
use super::text_size::{TextShapes, text_shapes};
use crate::{ExtractError, Format};

/// Images shorter than this are enlarged 2x before OCR: a crop of one or a few lines, a badge,
/// a banner, where the text may be a handful of pixels tall and Tesseract's binarisation loses
/// its strokes. Taller images are read as they are: measured on a 1280 x 800 screenshot with
/// 7-point text, enlarging found no more words and took twice as long (docs/benchmarks.md,
/// "OCR"), since Tesseract's line recogniser rescales each line itself.
pub(crate) const DEFAULT_UPSCALE_BELOW_HEIGHT: u32 = 300;

/// Images whose characters are shorter than this (median, in pixels; see [`text_size`]) are
/// enlarged 2x too, whatever their height: a screenshot in a 9-14 px UI font, whose glyphs
/// measure 5-7 px. On screenshots rendered in DejaVu Sans and Liberation Sans at 9 to 16 px,
/// Tesseract lost the dot or the `@` of an address up to 14 px at 1x, and read them at 2x;
/// `tests/data/ocr-screenshot.png` (7.5-point text at 151 dpi, glyphs of 9 px) reads as well
/// at 1x as at 2x, in half the time, and stays as it is.
///
/// [`text_size`]: super::text_size
pub(crate) const SMALL_GLYPH_HEIGHT: u32 = 8;

/// An image at least this many glyph heights tall holds about six lines or more of text (a
/// line takes about twice its glyphs' height): not the crop of a line or two that
/// [`DEFAULT_UPSCALE_BELOW_HEIGHT`] enlarges. A 732 x 213 excerpt of a paper, eight lines of
/// 9 px glyphs, read the same 108 words at 1x in 201 ms as at 2x in 314 ms; a one-line crop
/// (200 x 23, glyphs of 12 px) reads only enlarged.
pub(crate) const MANY_LINES_HEIGHT: u32 = 12;

/// Images whose characters are at least this tall (median, in pixels) are reduced before OCR,
/// to glyphs of about [`READABLE_GLYPH_HEIGHT`]: a screenshot from a high-density display, a
/// slide, a page scanned at 600 dpi. Tesseract's line recogniser scales every line it finds
/// to its own height anyway; what the extra pixels cost is its binarisation and layout
/// analysis, which grow with the area. `tests/data/ocr-screenshot.png` enlarged 4x (5120 x
/// 3200, glyphs of 38 px) took 0.95-1.08 s at full size and 0.64-0.69 s halved, and read the same
/// values (docs/benchmarks.md, "OCR"). Area averaging (`thumbnail`) reduces it; a filter of
/// several taps a pixel took as long as it saved.
pub(crate) const LARGE_GLYPH_HEIGHT: u32 = 32;

/// The glyph height a reduced image is brought to, no less: twice [`SMALL_GLYPH_HEIGHT`],
/// where dots and `@`s keep their strokes.
pub(crate) const READABLE_GLYPH_HEIGHT: u32 = 16;

/// Changes whenever this module changes what the engine is given: results cached under an
/// older revision are then recognised again rather than reused.
pub(crate) const PREPROCESS_REVISION: u32 = 6;

/// How the prepared pixels relate to the original's: `times` of them for every `over`
/// original pixels, along each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scale {
    pub times: u32,
    pub over: u32,
}

impl Scale {
    pub const ONE: Scale = Scale { times: 1, over: 1 };

    /// A length in the prepared pixels, `n` in the original's.
    fn apply(self, n: u32) -> u32 {
        let scaled = u64::from(n) * u64::from(self.times) / u64::from(self.over);
        u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
    }

    /// A coordinate in the original from one in the prepared pixels, rounded down.
    pub fn to_original_floor(self, n: u32) -> u32 {
        let n = u64::from(n) * u64::from(self.over) / u64::from(self.times.max(1));
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// As [`Scale::to_original_floor`], rounded up: an edge that still covers the word.
    pub fn to_original_ceil(self, n: u32) -> u32 {
        let n = (u64::from(n) * u64::from(self.over)).div_ceil(u64::from(self.times.max(1)));
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// An 8-bit grey image ready for OCR, and how it was resized from the original.
#[derive(Debug)]
pub(crate) struct PreparedImage {
    pub pixels: GrayImage,
    /// Boxes found in `pixels` are brought back through it to point into the original.
    pub scale: Scale,
    /// The original's width and height.
    pub original: (u32, u32),
    /// The character shapes of the original, before resizing.
    pub shapes: TextShapes,
}

/// Checks the limits and prepares `bytes` (sniffed as `format`) for OCR.
///
/// The dimensions are read from the header before anything is decoded, so a small file that
/// declares an enormous image (a decompression bomb) is refused without allocating its pixels.
#[cfg(test)]
pub(crate) fn prepare(
    bytes: &[u8],
    format: Format,
    limits: &ImageLimits,
) -> Result<PreparedImage, ExtractError> {
    prepare_with(bytes, format, limits, DEFAULT_UPSCALE_BELOW_HEIGHT)
}

/// As [`prepare`], enlarging images shorter than `upscale_below_height` (0: never).
pub(crate) fn prepare_with(
    bytes: &[u8],
    format: Format,
    limits: &ImageLimits,
    upscale_below_height: u32,
) -> Result<PreparedImage, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::LimitExceeded {
            what: "image size in bytes",
            limit: u64::try_from(limits.max_bytes).unwrap_or(u64::MAX),
        });
    }
    let image_format = image_format(format)?;
    let (width, height) = reader(bytes, image_format, limits)
        .into_dimensions()
        .map_err(|e| decode_error(e, limits, "the image header is unreadable"))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(pixel_limit(limits));
    }
    if width == 0 || height == 0 {
        return Err(ExtractError::Malformed {
            position: 0,
            reason: "the image has no pixels",
        });
    }
    let decoded = reader(bytes, image_format, limits)
        .decode()
        .map_err(|e| decode_error(e, limits, "the image data is corrupt or truncated"))?;
    let grey = grey_on_white(decoded);
    let shapes = text_shapes(&grey);
    // A short image of many lines (a paragraph cropped from a paper, a dense dialog) is no
    // crop of a line or two: its glyphs read as well at 1x, in two thirds of the time.
    let few_lines = shapes
        .median_height
        .is_none_or(|h| height < MANY_LINES_HEIGHT * h);
    // An image without text is not read at all (`TextShapes::textless`): enlarging it only
    // cost time, 2% of a scan of a source tree's logos.
    let small = !shapes.textless()
        && ((height < upscale_below_height && few_lines)
            || shapes.median_height.is_some_and(|h| h < SMALL_GLYPH_HEIGHT));
    let scale = if small && pixels.saturating_mul(4) <= limits.max_pixels {
        Scale { times: 2, over: 1 }
    } else {
        match shapes.median_height {
            Some(h) if h >= LARGE_GLYPH_HEIGHT && !shapes.textless() => Scale {
                times: 1,
                over: h / READABLE_GLYPH_HEIGHT,
            },
            _ => Scale::ONE,
        }
    };
    let pixels = if scale == Scale::ONE {
        grey
    } else if scale.times == 1 {
        image::imageops::thumbnail(&grey, scale.apply(width), scale.apply(height))
    } else {
        image::imageops::resize(
            &grey,
            scale.apply(width),
            scale.apply(height),
            image::imageops::FilterType::Triangle,
        )
    };
    Ok(PreparedImage {
        pixels,
        scale,
        original: (width, height),
        shapes,
    })
}

fn image_format(format: Format) -> Result<ImageFormat, ExtractError> {
    Ok(match format {
        Format::Png => ImageFormat::Png,
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Gif => ImageFormat::Gif,
        Format::Tiff => ImageFormat::Tiff,
        Format::Bmp => ImageFormat::Bmp,
        Format::Webp => ImageFormat::WebP,
        other => return Err(ExtractError::NotExtracted { format: other }),
    })
}

/// A reader that refuses, inside the decoder too, any image past the pixel limit: a header
/// that lies about its size, or a format whose decoder allocates before we could look.
fn reader<'a>(
    bytes: &'a [u8],
    format: ImageFormat,
    limits: &ImageLimits,
) -> ImageReader<Cursor<&'a [u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = Limits::default();
    // Four bytes a pixel (RGBA8) is what the widest decoded form we accept takes; 16-bit
    // images are converted down and may need twice that while decoding.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(1 << 20));
    let side = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    decoder_limits.max_image_width = Some(side);
    decoder_limits.max_image_height = Some(side);
    reader.limits(decoder_limits);
    reader
}

fn pixel_limit(limits: &ImageLimits) -> ExtractError {
    ExtractError::LimitExceeded {
        what: "image size in pixels",
        limit: limits.max_pixels,
    }
}

/// The decoder's own messages are not passed on: some quote bytes of the input.
fn decode_error(e: ImageError, limits: &ImageLimits, reason: &'static str) -> ExtractError {
    match e {
        ImageError::Limits(_) => pixel_limit(limits),
        ImageError::Unsupported(_) => ExtractError::Malformed {
            position: 0,
            reason: "the image uses a feature the decoder does not support",
        },
        _ => ExtractError::Malformed {
            position: 0,
            reason,
        },
    }
}

/// Grey pixels with any transparency laid over white: a PNG of black text on a transparent
/// background would otherwise turn black on black.
fn grey_on_white(image: DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        return image.into_luma8();
    }
    let with_alpha = image.into_luma_alpha8();
    let (width, height) = with_alpha.dimensions();
    let mut out = GrayImage::new(width, height);
    for (target, source) in out.pixels_mut().zip(with_alpha.pixels()) {
        let [luma, alpha] = source.0;
        let (luma, alpha) = (u32::from(luma), u32::from(alpha));
        // Alpha blending onto 255; the sum is at most 255 * 255, and / 255 brings it back.
        let blended = (luma * alpha + 255 * (255 - alpha)) / 255;
        target.0 = [u8::try_from(blended).unwrap_or(u8::MAX)];
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crc32fast::hash as crc32;
    use std::time::{Duration, Instant};

    fn png(width: u32, height: u32, fill: impl Fn(u32, u32) -> image::Rgba<u8>) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(width, height, fill);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// A valid PNG header that declares `width` x `height` grey pixels, followed by a single
    /// byte of pixel data: what a decompression bomb looks like to a reader of headers.
    pub(crate) fn png_header_only(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        // A zlib stream with one stored block holding one zero byte.
        let idat = [
            0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01,
        ];
        for (kind, data) in [
            (b"IHDR", &ihdr[..]),
            (b"IDAT", &idat[..]),
            (b"IEND", &[][..]),
        ] {
            out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            let mut chunk = kind.to_vec();
            chunk.extend_from_slice(data);
            out.extend_from_slice(&chunk);
            out.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        out
    }

    #[test]
    fn an_enormous_declared_image_is_refused_from_its_header() {
        let bomb = png_header_only(50_000, 50_000);
        let started = Instant::now();
        let err = prepare(&bomb, Format::Png, &ImageLimits::default()).unwrap_err();
        assert_eq!(
            err,
            ExtractError::LimitExceeded {
                what: "image size in pixels",
                limit: ImageLimits::default().max_pixels
            }
        );
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "refused without decoding"
        );
    }

    #[test]
    fn small_images_are_enlarged_and_large_ones_kept() {
        // A line of eight dark blocks of a character's proportions, 4 x 6 pixels, 3 apart.
        let small = png(60, 20, |x, y| {
            let ink = (7..13).contains(&y) && (4..60).contains(&x) && (x - 4) % 7 < 4;
            let v = if ink { 30 } else { 250 };
            image::Rgba([v, v, v, 255])
        });
        let prepared = prepare(&small, Format::Png, &ImageLimits::default()).unwrap();
        assert!(!prepared.shapes.textless(), "{:?}", prepared.shapes);
        assert_eq!(prepared.scale, Scale { times: 2, over: 1 });
        assert_eq!(prepared.pixels.dimensions(), (120, 40));

        // Ten lines of 9 px glyphs in 200 px: short, but no crop of a line or two.
        let paragraph = png(120, 200, |x, y| {
            let ink = (y % 18) < 9 && (4..116).contains(&x) && (x - 4) % 8 < 5;
            let v = if ink { 30 } else { 250 };
            image::Rgba([v, v, v, 255])
        });
        let prepared = prepare(&paragraph, Format::Png, &ImageLimits::default()).unwrap();
        assert_eq!(
            prepared.shapes.median_height,
            Some(9),
            "{:?}",
            prepared.shapes
        );
        assert_eq!(
            (prepared.scale, prepared.pixels.dimensions()),
            (Scale::ONE, (120, 200))
        );

        // Just as small, without a character's shape: not read, so not enlarged either.
        let logo = png(40, 20, |x, _| {
            image::Rgba([if x < 20 { 0 } else { 255 }, 0, 0, 255])
        });
        let prepared = prepare(&logo, Format::Png, &ImageLimits::default()).unwrap();
        assert!(prepared.shapes.textless());
        assert_eq!(
            (prepared.scale, prepared.pixels.dimensions()),
            (Scale::ONE, (40, 20))
        );

        let tall = png(8, 400, |_, _| image::Rgba([255, 255, 255, 255]));
        let prepared = prepare(&tall, Format::Png, &ImageLimits::default()).unwrap();
        assert_eq!(
            (prepared.scale, prepared.pixels.dimensions()),
            (Scale::ONE, (8, 400))
        );

        // Enlarging must not step over the pixel limit either.
        let limits = ImageLimits {
            max_pixels: 60 * 20 * 2,
            ..ImageLimits::default()
        };
        assert_eq!(
            prepare(&small, Format::Png, &limits).unwrap().scale,
            Scale::ONE
        );
    }

    #[test]
    fn large_text_is_reduced_to_a_readable_size() {
        // Three lines of glyphs 40 px tall and 24 wide, 12 apart: halved to 20 px.
        let slide = png(1000, 300, |x, y| {
            let ink = (y % 100) >= 20 && (y % 100) < 60 && (x % 36) < 24;
            let v = if ink { 20 } else { 240 };
            image::Rgba([v, v, v, 255])
        });
        let prepared = prepare(&slide, Format::Png, &ImageLimits::default()).unwrap();
        assert_eq!(prepared.shapes.median_height, Some(40));
        assert_eq!(prepared.scale, Scale { times: 1, over: 2 });
        assert_eq!(prepared.pixels.dimensions(), (500, 150));
        assert_eq!(prepared.original, (1000, 300));

        // Glyphs of 24 px are read as they are.
        let page = png(1000, 300, |x, y| {
            let ink = (y % 50) >= 10 && (y % 50) < 34 && (x % 22) < 14;
            let v = if ink { 20 } else { 240 };
            image::Rgba([v, v, v, 255])
        });
        let prepared = prepare(&page, Format::Png, &ImageLimits::default()).unwrap();
        assert_eq!(prepared.shapes.median_height, Some(24));
        assert_eq!(prepared.scale, Scale::ONE);
    }

    #[test]
    fn transparency_is_laid_over_white() {
        let clear = png(4, 4, |x, _| {
            image::Rgba([0, 0, 0, if x < 2 { 0 } else { 255 }])
        });
        let prepared = prepare(&clear, Format::Png, &ImageLimits::default()).unwrap();
        let g = &prepared.pixels;
        assert_eq!(
            g.get_pixel(0, 0).0,
            [255],
            "transparent becomes white paper"
        );
        let corner = g.get_pixel(g.width() - 1, g.height() - 1);
        assert_eq!(corner.0, [0], "opaque black ink stays black");
    }

    #[test]
    fn corrupt_and_truncated_images_are_malformed_not_panics() {
        let good = png(64, 32, |x, y| {
            image::Rgba([(x * 4) as u8, (y * 8) as u8, 0, 255])
        });
        for cut in [8, 20, 33, good.len() / 2, good.len() - 13] {
            let err = prepare(&good[..cut], Format::Png, &ImageLimits::default()).unwrap_err();
            assert_eq!(err.kind(), "malformed", "cut at {cut}: {err}");
        }
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        for b in &mut flipped[mid..mid + 16] {
            *b ^= 0x5A;
        }
        assert_eq!(
            prepare(&flipped, Format::Png, &ImageLimits::default())
                .unwrap_err()
                .kind(),
            "malformed"
        );
        for format in [
            Format::Jpeg,
            Format::Gif,
            Format::Tiff,
            Format::Bmp,
            Format::Webp,
        ] {
            let err = prepare(b"not an image at all", format, &ImageLimits::default()).unwrap_err();
            assert_eq!(err.kind(), "malformed", "{format}");
        }
        assert_eq!(
            prepare(
                &png_header_only(0, 10),
                Format::Png,
                &ImageLimits::default()
            )
            .unwrap_err()
            .kind(),
            "malformed"
        );
    }

    #[test]
    fn the_byte_limit_comes_first() {
        let limits = ImageLimits {
            max_bytes: 10,
            ..ImageLimits::default()
        };
        assert_eq!(
            prepare(&png_header_only(1, 1), Format::Png, &limits).unwrap_err(),
            ExtractError::LimitExceeded {
                what: "image size in bytes",
                limit: 10
            }
        );
        assert_eq!(
            prepare(b"%PDF-1.4", Format::Pdf, &ImageLimits::default()).unwrap_err(),
            ExtractError::NotExtracted {
                format: Format::Pdf
            }
        );
    }
}
