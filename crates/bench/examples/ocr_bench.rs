//! OCR timing, for docs/benchmarks.md ("OCR"):
//!
//! ```text
//! cargo run --release --example ocr_bench               # the screenshot benchmark
//! cargo run --release --example ocr_bench -- a.png ...  # time (and show) given images
//! ```
//!
//! The benchmark image is `tests/data/ocr-screenshot.png`, a 1280 x 800 rendering of a
//! wiki-like page (header bar, sidebar, body text, a table of values), made by
//! `tests/data/make_ocr_images.py`. Each image is recognised once to warm the engine pool and
//! then `RUNS` times; the table gives the median and the extremes. No cache: this is the cost
//! of one Tesseract recognition, preprocessing included.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use dlp_extract::image::{ImageLimits, TesseractOcr};
use dlp_extract::{Ocr, sniff};

const RUNS: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let given: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let show_text = !given.is_empty();
    let paths = if given.is_empty() {
        vec![PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/ocr-screenshot.png"
        ))]
    } else {
        given
    };
    let mut ocr = TesseractOcr::new("eng", ImageLimits::default())?;
    // For comparing preprocessing: OCR_UPSCALE_BELOW=0 never enlarges.
    if let Some(height) = std::env::var("OCR_UPSCALE_BELOW")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        ocr = ocr.upscale_below_height(height);
    }
    println!("engine: {}", ocr.engine_identity());
    println!("| image | pixels | words | median ms | min ms | max ms |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for path in &paths {
        let bytes = std::fs::read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let format = sniff(&bytes, &name);
        let dims = image::ImageReader::new(std::io::Cursor::new(&bytes))
            .with_guessed_format()?
            .into_dimensions()?;
        let text = ocr.recognize(&bytes, format)?;
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let _ = ocr.recognize(&bytes, format);
                started.elapsed()
            })
            .collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {name} | {}x{} | {} | {:.0} | {:.0} | {:.0} |",
            dims.0,
            dims.1,
            text.word_count(),
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1])
        );
        if show_text {
            for line in &text.lines {
                let b = line.bounding_box();
                println!(
                    "    {:?} {}",
                    b.map(|b| (b.left, b.top, b.width, b.height)),
                    line.text()
                );
            }
        }
    }
    Ok(())
}
