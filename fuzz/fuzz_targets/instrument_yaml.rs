//! Any text as an instrument definition: a located error or an instrument,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = psyscreen::instrument::load_str("fuzz.yaml", text, "fuzz");
    }
});
