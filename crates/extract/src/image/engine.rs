//! The Tesseract C API, wrapped: one engine handle, recognition with a deadline, and words with
//! their boxes.
//!
//! The `tesseract` crate does not expose the handle, the result iterator or the progress
//! monitor, so this goes to `tesseract-sys` (re-exported through the crate) directly. All the
//! `unsafe` of OCR is in this file.

use std::ffi::{CStr, CString, c_int};
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use image::GrayImage;
use tesseract::plumbing::tesseract_sys as sys;

/// A word as Tesseract reports it, with its box in the pixels it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the OCR engine could not be created")]
    Create,
    /// Usually a missing `<language>.traineddata`: the tesseract-ocr-<language> package.
    #[error("the OCR engine could not load language {language:?} (is its traineddata installed?)")]
    Init { language: String },
    #[error("the OCR engine rejected its setting {name}")]
    Setting { name: &'static str },
}

/// Why one recognition gave no text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecognizeError {
    /// The deadline passed before every word was recognised.
    Deadline,
    /// Tesseract reported a failure of its own (no usable image, layout analysis failed).
    Failed,
    /// The image is wider or taller than the C API's `int` can describe.
    TooLarge,
}

/// One initialised Tesseract engine: the language model loaded (a few hundred milliseconds),
/// ready for any number of recognitions, one at a time.
pub(crate) struct Engine {
    api: NonNull<sys::TessBaseAPI>,
}

// A TessBaseAPI holds no thread-local state and may move between threads; it must not be used
// from two at once, which `&mut self` on every use and the absence of `Sync` guarantee.
unsafe impl Send for Engine {}

impl Engine {
    /// Loads `language` from `datapath` (Tesseract's default tessdata directory when `None`).
    pub fn new(datapath: Option<&str>, language: &str) -> Result<Engine, EngineError> {
        let init_error = || EngineError::Init {
            language: language.to_owned(),
        };
        let datapath = datapath
            .map(CString::new)
            .transpose()
            .map_err(|_| init_error())?;
        let language_c = CString::new(language).map_err(|_| init_error())?;
        // SAFETY: TessBaseAPICreate has no preconditions; null means allocation failed.
        let api = NonNull::new(unsafe { sys::TessBaseAPICreate() }).ok_or(EngineError::Create)?;
        // From here on, Drop deletes the handle whatever happens.
        let mut engine = Engine { api };
        // SAFETY: the handle is live; the strings are NUL-terminated and outlive the call.
        let rc = unsafe {
            sys::TessBaseAPIInit2(
                engine.api.as_ptr(),
                datapath.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()),
                language_c.as_ptr(),
                sys::TessOcrEngineMode_OEM_DEFAULT,
            )
        };
        if rc != 0 {
            return Err(init_error());
        }
        // Tesseract writes warnings ("Invalid resolution", "Empty page") to stderr, where
        // they would interleave with the service's logs and say nothing a caller can act on.
        engine.set("debug_file", "/dev/null")?;
        // SAFETY: live handle; PSM_AUTO is a valid mode.
        unsafe {
            sys::TessBaseAPISetPageSegMode(engine.api.as_ptr(), sys::TessPageSegMode_PSM_AUTO)
        };
        Ok(engine)
    }

    fn set(&mut self, name: &'static str, value: &str) -> Result<(), EngineError> {
        let setting = || EngineError::Setting { name };
        let name_c = CString::new(name).map_err(|_| setting())?;
        let value_c = CString::new(value).map_err(|_| setting())?;
        // SAFETY: live handle, NUL-terminated strings that outlive the call.
        let ok = unsafe {
            sys::TessBaseAPISetVariable(self.api.as_ptr(), name_c.as_ptr(), value_c.as_ptr())
        };
        if ok == 0 { Err(setting()) } else { Ok(()) }
    }

    /// Recognises the words in `image`, giving up when `deadline` has passed.
    ///
    /// The deadline is Tesseract's own (a progress monitor checked between words), so a slow
    /// image stops in the middle rather than running to the end and being thrown away. Layout
    /// analysis, before the first word, does not look at the monitor; the pixel limit is what
    /// bounds that part.
    pub fn recognize(
        &mut self,
        image: &GrayImage,
        deadline: Duration,
    ) -> Result<Vec<Vec<RawWord>>, RecognizeError> {
        let (width, height) = image.dimensions();
        let width_c = c_int::try_from(width).map_err(|_| RecognizeError::TooLarge)?;
        let height_c = c_int::try_from(height).map_err(|_| RecognizeError::TooLarge)?;
        // At least one millisecond: Tesseract reads a deadline of 0 as "none".
        let deadline_ms = c_int::try_from(deadline.as_millis())
            .unwrap_or(c_int::MAX)
            .max(1);
        let result = {
            let monitor = Monitor::new().ok_or(RecognizeError::Failed)?;
            let started = Instant::now();
            // SAFETY: the handle is live and used by this thread only (`&mut self`). SetImage
            // copies the pixels (width x height, one byte each, rows `width` bytes apart, as
            // a GrayImage lays them out) into an image of its own before returning.
            let rc = unsafe {
                sys::TessBaseAPISetImage(
                    self.api.as_ptr(),
                    image.as_raw().as_ptr(),
                    width_c,
                    height_c,
                    1,
                    width_c,
                );
                // Screenshots and scans carry no usable resolution; without one Tesseract
                // guesses and warns. 300 dpi is what its models were trained at.
                sys::TessBaseAPISetSourceResolution(self.api.as_ptr(), 300);
                sys::TessMonitorSetDeadlineMSecs(monitor.0.as_ptr(), deadline_ms);
                sys::TessBaseAPIRecognize(self.api.as_ptr(), monitor.0.as_ptr())
            };
            if rc == 0 {
                Ok(self.words_by_line())
            } else if started.elapsed() >= deadline {
                Err(RecognizeError::Deadline)
            } else {
                Err(RecognizeError::Failed)
            }
        };
        // Frees the image and the results, keeps the loaded model for the next image.
        // SAFETY: live handle.
        unsafe { sys::TessBaseAPIClear(self.api.as_ptr()) };
        result
    }

    /// The recognised words, grouped in text lines in reading order.
    fn words_by_line(&mut self) -> Vec<Vec<RawWord>> {
        let mut lines: Vec<Vec<RawWord>> = Vec::new();
        // SAFETY: called right after a successful Recognize on this live handle; the iterator
        // is deleted below and not used after; every text it returns is freed with
        // TessDeleteText after being copied.
        unsafe {
            let Some(iter) = NonNull::new(sys::TessBaseAPIGetIterator(self.api.as_ptr())) else {
                return lines;
            };
            let page = sys::TessResultIteratorGetPageIteratorConst(iter.as_ptr());
            let word = sys::TessPageIteratorLevel_RIL_WORD;
            loop {
                // A line whose words were all blank is reused rather than left empty.
                let line_starts = lines.is_empty()
                    || sys::TessPageIteratorIsAtBeginningOf(
                        page,
                        sys::TessPageIteratorLevel_RIL_TEXTLINE,
                    ) != 0;
                if line_starts && lines.last().is_none_or(|l| !l.is_empty()) {
                    lines.push(Vec::new());
                }
                let text_ptr = sys::TessResultIteratorGetUTF8Text(iter.as_ptr(), word);
                if !text_ptr.is_null() {
                    let text = CStr::from_ptr(text_ptr).to_string_lossy().trim().to_owned();
                    sys::TessDeleteText(text_ptr);
                    let (mut left, mut top, mut right, mut bottom) = (0, 0, 0, 0);
                    let boxed = sys::TessPageIteratorBoundingBox(
                        page,
                        word,
                        &mut left,
                        &mut top,
                        &mut right,
                        &mut bottom,
                    ) != 0;
                    if boxed && !text.is_empty() {
                        let px = |v: c_int| u32::try_from(v).unwrap_or(0);
                        if let Some(line) = lines.last_mut() {
                            line.push(RawWord {
                                text,
                                left: px(left),
                                top: px(top),
                                right: px(right),
                                bottom: px(bottom),
                            });
                        }
                    }
                }
                if sys::TessResultIteratorNext(iter.as_ptr(), word) == 0 {
                    break;
                }
            }
            sys::TessResultIteratorDelete(iter.as_ptr());
        }
        lines.retain(|l| !l.is_empty());
        lines
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: the handle is live and dropped once; End frees the model, Delete the handle.
        unsafe {
            sys::TessBaseAPIEnd(self.api.as_ptr());
            sys::TessBaseAPIDelete(self.api.as_ptr());
        }
    }
}

/// Tesseract's progress monitor, which carries the deadline.
struct Monitor(NonNull<sys::ETEXT_DESC>);

impl Monitor {
    fn new() -> Option<Monitor> {
        // SAFETY: no preconditions; null means allocation failed.
        NonNull::new(unsafe { sys::TessMonitorCreate() }).map(Monitor)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        // SAFETY: created by TessMonitorCreate, deleted once.
        unsafe { sys::TessMonitorDelete(self.0.as_ptr()) }
    }
}

/// Tesseract's version, as the library reports it ("5.3.0").
pub(crate) fn tesseract_version() -> String {
    tesseract::plumbing::version()
        .to_string_lossy()
        .into_owned()
}
