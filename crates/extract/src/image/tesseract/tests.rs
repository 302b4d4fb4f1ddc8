use std::io::Cursor;
use std::time::{Duration, Instant};

use ::image::{GrayImage, ImageFormat};

use super::*;

/// Three lines rendered from a PDF in a Helvetica-like face at 150 dpi (by
/// tests/data/make_ocr_images.py): "Staging credentials (do not share)",
/// "aws_access_key_id = AKIAQYLPMN5HGY2ZTBKW", "Card on file: 4111 1111 1111 1111".
pub(crate) fn credentials_png() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/ocr-credentials.png"
    );
    std::fs::read(path).expect("tests/data/ocr-credentials.png")
}

pub(crate) fn ocr() -> TesseractOcr {
    TesseractOcr::new("eng", ImageLimits::default()).expect("tesseract with the eng model")
}

fn squeezed(text: &OcrText) -> String {
    text.lines
        .iter()
        .map(|l| l.text().replace(' ', ""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn line_with<'t>(text: &'t OcrText, needle: &str) -> &'t OcrLine {
    text.lines
        .iter()
        .find(|l| l.text().replace(' ', "").contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"))
}

#[test]
fn reads_a_key_and_a_card_number_with_boxes_in_the_original_pixels() {
    let ocr = ocr();
    let text = ocr.recognize(&credentials_png(), Format::Png).unwrap();
    let all = squeezed(&text);
    assert!(all.contains("AKIAQYLPMN5HGY2ZTBKW"), "{all}");
    assert!(all.contains("4111111111111111"), "{all}");
    assert!(all.to_lowercase().contains("credentials"), "{all}");
    assert_eq!(ocr.recognitions(), 1);

    // The image is 700 x 120 with three lines of 11-point text starting near (20, 5).
    let key = line_with(&text, "AKIAQYLPMN5HGY2ZTBKW")
        .bounding_box()
        .unwrap();
    let card = line_with(&text, "4111111111111111").bounding_box().unwrap();
    for b in [key, card] {
        assert!(b.left >= 10 && b.left <= 40, "{b:?}");
        assert!(b.left + b.width <= 700 && b.top + b.height <= 120, "{b:?}");
        assert!(
            (10..=40).contains(&b.height),
            "a line of 11-point text at 150 dpi: {b:?}"
        );
        assert!(b.width > 250, "{b:?}");
    }
    assert!(
        card.top >= key.top + key.height / 2,
        "the card line is below: {key:?} {card:?}"
    );
    for word in text.lines.iter().flat_map(|l| &l.words) {
        assert!(
            word.width > 0 && word.height > 0 && word.left + word.width <= 700,
            "{word:?}"
        );
    }
}

/// A user list in a 9 px UI font (tests/data/make_ocr_images.py): at that size Tesseract
/// loses the dots and `@` of addresses while it reads the names beside them, unless the image
/// is enlarged first. Every row's address must come back as one address-shaped word, whose
/// box points into the original 960 x 300 pixels.
#[test]
fn reads_every_address_in_small_screenshot_text() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/ocr-small-addresses.png"
    );
    let png = std::fs::read(path).expect("tests/data/ocr-small-addresses.png");
    let text = ocr().recognize(&png, Format::Png).unwrap();
    let lines: Vec<String> = text.lines.iter().map(OcrLine::text).collect();
    let address = |word: &str| {
        word.split_once('@').is_some_and(|(local, domain)| {
            local.len() > 2 && domain.contains('.') && !domain.ends_with('.')
        })
    };
    let addresses: Vec<&str> = lines
        .iter()
        .flat_map(|l| l.split(' '))
        .filter(|w| address(w))
        .collect();
    assert_eq!(addresses.len(), 6, "{lines:#?}");
    for exact in [
        "ana.souza@lumen-varejo.com.br",
        "tanaka.mei@kyoto-biolabs.jp",
    ] {
        assert!(addresses.contains(&exact), "{addresses:?}");
    }
    for word in text.lines.iter().flat_map(|l| &l.words) {
        assert!(word.left + word.width <= 960 && word.top + word.height <= 300);
    }
}

#[test]
fn reads_the_sample_spaces_receipt_scan() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../samples/spaces/ENG/attachments/files/att66540/receipt-scan.png"
    );
    let text = ocr()
        .recognize(&std::fs::read(path).unwrap(), Format::Png)
        .unwrap();
    let lines: Vec<String> = text.lines.iter().map(OcrLine::text).collect();
    assert_eq!(
        lines,
        [
            "ACME TAXI RECEIPT",
            "TOTAL $42.80",
            "CARD 5217 0314 2174 0823",
            "2026-02-09"
        ]
    );
}

/// The credentials image with `margin` white columns added on the right: other pixels, the
/// same words in the same places.
fn credentials_with_margin(margin: u32) -> Vec<u8> {
    let original = ::image::load_from_memory(&credentials_png())
        .unwrap()
        .into_luma8();
    let (width, height) = original.dimensions();
    let wider = GrayImage::from_fn(width + margin, height, |x, y| {
        if x < width {
            *original.get_pixel(x, y)
        } else {
            ::image::Luma([255])
        }
    });
    let mut png = Vec::new();
    wider
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    png
}

#[test]
fn engines_serve_concurrent_calls_alike() {
    let pictures: Vec<Vec<u8>> = (0..3).map(credentials_with_margin).collect();
    let alone: Vec<OcrText> = pictures
        .iter()
        .map(|p| ocr().recognize(p, Format::Png).unwrap())
        .collect();
    let ocr = ocr();
    let together: Vec<OcrText> = std::thread::scope(|s| {
        let handles: Vec<_> = pictures
            .iter()
            .map(|p| s.spawn(|| ocr.recognize(p, Format::Png)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert_eq!(together, alone);
    assert_eq!(ocr.recognitions(), 3);
}

#[test]
fn the_same_pixels_in_other_bytes_are_read_once() {
    let png = credentials_png();
    let mut tiff = Vec::new();
    ::image::load_from_memory(&png)
        .unwrap()
        .write_to(&mut Cursor::new(&mut tiff), ImageFormat::Tiff)
        .unwrap();
    let mut bmp = Vec::new();
    ::image::load_from_memory(&png)
        .unwrap()
        .write_to(&mut Cursor::new(&mut bmp), ImageFormat::Bmp)
        .unwrap();
    let ocr = ocr();
    let texts: Vec<OcrText> = std::thread::scope(|s| {
        let handles: Vec<_> = [
            (&png, Format::Png),
            (&tiff, Format::Tiff),
            (&bmp, Format::Bmp),
        ]
        .into_iter()
        .map(|(bytes, format)| {
            let ocr = &ocr;
            s.spawn(move || ocr.recognize(bytes, format))
        })
        .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert!(!texts[0].lines.is_empty());
    assert!(texts.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(ocr.recognitions(), 1, "read once, the others waited for it");
    // Other pixels are read again.
    ocr.recognize(&credentials_with_margin(4), Format::Png)
        .unwrap();
    assert_eq!(ocr.recognitions(), 2);
}

#[test]
fn the_time_limit_stops_recognition() {
    // Many lines of text, so that recognition takes far longer than the deadline.
    let tile = ::image::load_from_memory(&credentials_png())
        .unwrap()
        .into_luma8();
    let (w, h) = tile.dimensions();
    let page = GrayImage::from_fn(w * 2, h * 10, |x, y| *tile.get_pixel(x % w, y % h));
    let mut png = Vec::new();
    page.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();

    let limits = ImageLimits {
        ocr_time: Duration::from_millis(1),
        ..ImageLimits::default()
    };
    let ocr = TesseractOcr::new("eng", limits).unwrap();
    let started = Instant::now();
    let err = ocr.recognize(&png, Format::Png).unwrap_err();
    assert_eq!(
        err,
        ExtractError::LimitExceeded {
            what: "OCR time per image in milliseconds",
            limit: 1
        }
    );
    let stopped_after = started.elapsed();
    let full = Instant::now();
    let text = self::ocr().recognize(&png, Format::Png).unwrap();
    assert!(text.word_count() > 100);
    assert!(
        stopped_after < full.elapsed(),
        "stopped early: {stopped_after:?} vs {:?}",
        full.elapsed()
    );
}

#[test]
fn limits_and_damage_are_errors_before_the_engine() {
    let ocr = ocr();
    let bomb = crate::image::prepare::tests::png_header_only(50_000, 50_000);
    let started = Instant::now();
    assert_eq!(
        ocr.recognize(&bomb, Format::Png).unwrap_err().kind(),
        "limit"
    );
    assert!(started.elapsed() < Duration::from_millis(200));
    let png = credentials_png();
    let err = ocr
        .recognize(&png[..png.len() / 3], Format::Png)
        .unwrap_err();
    assert_eq!(err.kind(), "malformed");
    assert!(!err.to_string().contains("AKIA"));
    assert_eq!(
        ocr.recognitions(),
        0,
        "refused images never reach Tesseract"
    );
}

#[test]
fn a_blank_image_has_no_lines() {
    let blank = GrayImage::from_pixel(300, 100, ::image::Luma([255]));
    let mut png = Vec::new();
    blank
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    assert_eq!(
        ocr().recognize(&png, Format::Png).unwrap(),
        OcrText::default()
    );
}

/// A logo-like picture (filled shapes, no character-sized marks) is not given to Tesseract:
/// it would read nothing in it, after as long a layout analysis as a page of text takes.
#[test]
fn a_picture_without_text_shapes_is_not_recognised() {
    let picture = GrayImage::from_fn(1600, 1000, |x, y| {
        let (dx, dy) = (i64::from(x) - 800, i64::from(y) - 500);
        ::image::Luma([if dx * dx + dy * dy < 350 * 350 {
            30
        } else {
            240
        }])
    });
    let mut png = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    let ocr = ocr();
    assert_eq!(
        ocr.recognize(&png, Format::Png).unwrap(),
        OcrText::default()
    );
    assert_eq!(ocr.recognitions(), 0);
    ocr.recognize(&credentials_png(), Format::Png).unwrap();
    assert_eq!(ocr.recognitions(), 1, "three lines of text are read");
}

const TWICE: Scale = Scale { times: 2, over: 1 };

#[test]
fn boxes_shrink_back_outwards_and_stay_inside() {
    let word = RawWord {
        text: "x".into(),
        left: 21,
        top: 9,
        right: 41,
        bottom: 30,
    };
    let w = in_original(word, TWICE, (100, 14));
    assert_eq!((w.left, w.top, w.width, w.height), (10, 4, 11, 10));
    let word = RawWord {
        text: "x".into(),
        left: 190,
        top: 0,
        right: 260,
        bottom: 5,
    };
    let w = in_original(word, TWICE, (100, 14));
    assert_eq!((w.left, w.width), (95, 5));
}

#[test]
fn boxes_grow_back_from_a_reduced_image() {
    let third = Scale { times: 1, over: 3 };
    let word = RawWord {
        text: "x".into(),
        left: 10,
        top: 4,
        right: 21,
        bottom: 9,
    };
    let w = in_original(word, third, (100, 40));
    // 30..63 across, 12..27 down; the right edge stops at the image's.
    assert_eq!(
        (w.left, w.top, w.width, w.height),
        (30, 12, 63 - 30, 27 - 12)
    );
    let word = RawWord {
        text: "x".into(),
        left: 30,
        top: 0,
        right: 34,
        bottom: 14,
    };
    let w = in_original(word, third, (100, 40));
    assert_eq!((w.left, w.width, w.height), (90, 10, 40));
}
