//! [`TesseractOcr`]: images in, lines of boxed words out, with the limits of [`ImageLimits`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::ImageLimits;
use super::engine::{Engine, EngineError, RawWord, RecognizeError, tesseract_version};
use super::prepare::{
    DEFAULT_UPSCALE_BELOW_HEIGHT, PREPROCESS_REVISION, PreparedImage, Scale, prepare_with,
};
use super::seen_pictures::SeenPictures;
use crate::{ExtractError, Format, Ocr, OcrLine, OcrText, OcrWord};

/// How many idle engines are kept loaded. Each holds its language model (tens of MB), and one
/// is needed per image being read at the same moment, which the worker pool's concurrency
/// bounds; engines beyond this are created for a burst and then dropped.
const DEFAULT_IDLE_ENGINES: usize = 4;

/// OCR with Tesseract.
///
/// A Tesseract engine serves one image at a time and takes a few hundred milliseconds to
/// load, so engines are kept in a small pool behind a mutex: a call takes one (or loads a new
/// one when all are busy), recognises, and gives it back. The mutex is held only to take and
/// give back, never while recognising.
pub struct TesseractOcr {
    datapath: Option<String>,
    language: String,
    limits: ImageLimits,
    idle: Mutex<Vec<Engine>>,
    max_idle: usize,
    upscale_below_height: u32,
    identity: String,
    recognitions: AtomicU64,
    seen: SeenPictures,
}

impl std::fmt::Debug for TesseractOcr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TesseractOcr")
            .field("engine", &self.identity)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl TesseractOcr {
    /// An OCR for `language` (e.g. `eng`) from Tesseract's installed models. Loads one engine
    /// now, so that a missing model is an error at start-up and not on every image.
    pub fn new(language: &str, limits: ImageLimits) -> Result<TesseractOcr, EngineError> {
        TesseractOcr::with_datapath(None, language, limits)
    }

    /// As [`TesseractOcr::new`], with the models read from `datapath` (a tessdata directory).
    pub fn with_datapath(
        datapath: Option<&str>,
        language: &str,
        limits: ImageLimits,
    ) -> Result<TesseractOcr, EngineError> {
        let first = Engine::new(datapath, language)?;
        Ok(TesseractOcr {
            datapath: datapath.map(str::to_owned),
            language: language.to_owned(),
            limits,
            idle: Mutex::new(vec![first]),
            max_idle: DEFAULT_IDLE_ENGINES,
            upscale_below_height: DEFAULT_UPSCALE_BELOW_HEIGHT,
            identity: identity(language, DEFAULT_UPSCALE_BELOW_HEIGHT),
            recognitions: AtomicU64::new(0),
            seen: SeenPictures::default(),
        })
    }

    /// Enlarges images shorter than `height` pixels 2x before recognition (0: never). Small
    /// text reads better enlarged, at four times the pixels to recognise.
    pub fn upscale_below_height(mut self, height: u32) -> Self {
        self.upscale_below_height = height;
        self.identity = identity(&self.language, height);
        self
    }

    /// What produced a result: Tesseract's version, the language and the preprocessing
    /// revision. A cached result from another engine is not reused.
    pub fn engine_identity(&self) -> &str {
        &self.identity
    }

    pub fn limits(&self) -> &ImageLimits {
        &self.limits
    }

    /// How many images this OCR handed to Tesseract (those refused by a limit before are not
    /// counted).
    pub fn recognitions(&self) -> u64 {
        self.recognitions.load(Ordering::Relaxed)
    }

    fn take_engine(&self) -> Result<Engine, EngineError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(engine) => Ok(engine),
            None => Engine::new(self.datapath.as_deref(), &self.language),
        }
    }

    fn give_back(&self, engine: Engine) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.max_idle {
            idle.push(engine);
        }
    }

    fn read(&self, prepared: &PreparedImage, format: Format) -> Result<OcrText, ExtractError> {
        // An engine that loaded at start-up and fails to load now (memory, a model removed
        // underneath) leaves this image unread: reported as such, not as clean.
        let mut engine = self
            .take_engine()
            .map_err(|_| ExtractError::NotExtracted { format })?;
        self.recognitions.fetch_add(1, Ordering::Relaxed);
        let recognized = engine.recognize(&prepared.pixels, self.limits.ocr_time);
        self.give_back(engine);
        let lines = recognized.map_err(|e| match e {
            RecognizeError::Deadline => ExtractError::LimitExceeded {
                what: "OCR time per image in milliseconds",
                limit: u64::try_from(self.limits.ocr_time.as_millis()).unwrap_or(u64::MAX),
            },
            RecognizeError::TooLarge => ExtractError::LimitExceeded {
                what: "image size in pixels",
                limit: self.limits.max_pixels,
            },
            RecognizeError::Failed => ExtractError::Malformed {
                position: 0,
                reason: "the OCR engine could not process the image",
            },
        })?;
        let original = prepared.original;
        Ok(OcrText {
            lines: lines
                .into_iter()
                .map(|words| OcrLine {
                    words: words
                        .into_iter()
                        .map(|w| in_original(w, prepared.scale, original))
                        .collect(),
                })
                .collect(),
        })
    }
}

impl Ocr for TesseractOcr {
    fn recognize(&self, image: &[u8], format: Format) -> Result<OcrText, ExtractError> {
        let prepared = prepare_with(image, format, &self.limits, self.upscale_below_height)?;
        if prepared.shapes.textless() {
            // A logo or a picture: Tesseract would spend as long on its layout as on a page
            // of text and read nothing worth a rule (see `text_size`).
            return Ok(OcrText::default());
        }
        self.seen.read(&prepared, || self.read(&prepared, format))
    }
}

fn identity(language: &str, upscale_below_height: u32) -> String {
    let version = tesseract_version();
    if upscale_below_height == DEFAULT_UPSCALE_BELOW_HEIGHT {
        format!("tesseract {version} {language} preprocess {PREPROCESS_REVISION}")
    } else {
        format!(
            "tesseract {version} {language} preprocess {PREPROCESS_REVISION} upscale<{upscale_below_height}"
        )
    }
}

/// A word's box in the pixels of the original image, from its box in the resized one: edges
/// rounded outwards, so the box still covers the whole word, and kept inside the image.
fn in_original(word: RawWord, scale: Scale, (width, height): (u32, u32)) -> OcrWord {
    let left = scale.to_original_floor(word.left).min(width);
    let top = scale.to_original_floor(word.top).min(height);
    let right = scale.to_original_ceil(word.right).clamp(left, width);
    let bottom = scale.to_original_ceil(word.bottom).clamp(top, height);
    OcrWord {
        text: word.text,
        left,
        top,
        width: right - left,
        height: bottom - top,
    }
}

#[cfg(test)]
pub(crate) mod tests;
