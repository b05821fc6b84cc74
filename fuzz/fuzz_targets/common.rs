//! Shared by the fuzz targets: run the real CLI on a file in a private
//! temporary folder, as a user would.

// each target uses part of it
#![allow(dead_code)]
use std::path::PathBuf;

use clap::Parser as _;

/// A folder for this process's inputs and outputs (on tmpfs when there is one).
pub fn scratch() -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("psyscreen-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Run `psyscreen ARGS`; exit codes 0-3 are all fine, a panic or abort is a bug.
pub fn run(args: &[&str]) -> u8 {
    let cli =
        psyscreen::cli::Cli::parse_from(std::iter::once("psyscreen").chain(args.iter().copied()));
    let code = psyscreen::main_with(cli);
    assert!(code <= 3, "exit code {code}");
    code
}

/// Write `data` as the answer file `name` (its extension picks the reader)
/// and score it with the real CLI into a file.
pub fn score_file(name: &str, data: &[u8]) {
    let dir = scratch();
    let input = dir.join(name);
    let output = dir.join("out.csv");
    std::fs::write(&input, data).expect("write input");
    let input = input.to_str().expect("utf-8 path");
    let output = output.to_str().expect("utf-8 path");
    run(&[
        "score",
        input,
        "-i",
        "phq9,gad7,asq",
        "-q",
        "--force",
        "-o",
        output,
    ]);
}
