//! Any bytes as a CSV answer file, through the row pipeline in-process
//! (instruments and policy loaded once, no output file): hundreds of times
//! faster than csv_score, so it reaches deeper. Never a panic; every row the
//! pipeline yields has a level.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use psyscreen::io::input::InputSpec;
use psyscreen::pipeline::{Input, Options, Row, Rows, Setup};

#[path = "common.rs"]
mod common;

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let specs = ["phq9,gad7,asq".to_string()];
        Setup::load(&specs, None, None).expect("built-ins load")
    })
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    let path = common::scratch().join("rows.csv");
    std::fs::write(&path, data).expect("write input");
    let spec = InputSpec::file(&path);
    let Ok(input) = Input::open(&spec, false) else {
        return;
    };
    let Ok(source) = input.source(setup) else {
        return;
    };
    let mut rows = Rows::start(input, setup, source, Options::default());
    let levels = setup.policy.levels.len();
    let _ = rows.run(&mut |row: &Row<'_>| {
        assert!(usize::from(row.level.0) < levels);
        Ok(true)
    });
});
