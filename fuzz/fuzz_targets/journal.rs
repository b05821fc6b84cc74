//! Any bytes as an administer journal (a crash can leave any tail): parsed
//! or refused with a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = psyscreen::administer::journal::parse(&text);
});
