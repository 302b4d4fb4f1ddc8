#![no_main]

use dlp_extract::{StorageLimits, storage_segments};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(xhtml) = std::str::from_utf8(data) {
        let _ = storage_segments(xhtml, &StorageLimits::default());
    }
});
