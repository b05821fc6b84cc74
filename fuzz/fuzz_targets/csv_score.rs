//! Any bytes as a CSV answer file: scoring never panics, hangs or aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::score_file("in.csv", data));
