#![no_main]

use std::time::Duration;

use dlp_extract::{AttachmentLimits, Format, NoOcr, attachment_segments_as};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small budgets keep each run fast; the limits themselves are under test too.
    let limits = AttachmentLimits {
        max_expanded_bytes: 16 << 20,
        max_duration: Duration::from_secs(5),
        ..AttachmentLimits::default()
    };
    let _ = attachment_segments_as(data, "fuzz.pptx", Format::Pptx, &limits, &NoOcr);
});
