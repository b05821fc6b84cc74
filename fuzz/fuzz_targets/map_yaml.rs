//! Any bytes as a --map file, used to score a small valid CSV: never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let dir = common::scratch();
    let map = dir.join("map.yaml");
    let input = dir.join("in.csv");
    let output = dir.join("out.csv");
    std::fs::write(&map, data).expect("write map");
    std::fs::write(
        &input,
        "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\nA,1,2,3,0,1,2,3,0,Almost daily\n",
    )
    .expect("write input");
    let path = |p: &std::path::Path| p.to_str().expect("utf-8 path").to_string();
    let (map, input, output) = (path(&map), path(&input), path(&output));
    common::run(&[
        "score", &input, "-i", "phq9", "--map", &map, "-q", "--force", "-o", &output,
    ]);
});
