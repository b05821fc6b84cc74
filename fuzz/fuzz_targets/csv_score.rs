//! Any bytes as a CSV answer file: scoring never panics, hangs or aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let dir = common::scratch();
    let input = dir.join("in.csv");
    let output = dir.join("out.csv");
    std::fs::write(&input, data).expect("write input");
    let input = input.to_str().expect("utf-8 path");
    let output = output.to_str().expect("utf-8 path");
    common::run(&[
        "score",
        input,
        "-i",
        "phq9,gad7,asq",
        "-q",
        "--force",
        "-o",
        output,
    ]);
});
