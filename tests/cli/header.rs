//! `score --header COLS` / `--header-from FILE`: a chunk of a file without
//! its header row (what Spark's RDD.pipe hands each process) is scored as
//! the whole file would be.

use crate::{bin, data, run, write};

/// GAD-2, total = item 1 + item 2: s1 3+2 = 5 (positive, ≥ 3: monitor);
/// s2 has an invalid and a missing answer (incomplete; never lower than
/// monitor); s3 0+1 = 1 (negative, no flag).
const SCORED: &str = "\
id,class,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons
s1,1A,5,positive,false,monitor,Monitor,GAD-2 ≥ 3 (positive screen): flag and give the full GAD-7
s2,1A,,incomplete,false,monitor,Monitor,cannot rule out: GAD-2 total missing
s3,1B,1,negative,false,none,No flag,
";

#[test]
fn a_headerless_chunk_with_header_is_scored_as_the_whole_file() {
    let (whole, _, code) = run(bin()
        .args(["score", "-i", "gad2", "--keep", "class", "-q"])
        .arg(data("header/survey.csv")));
    assert_eq!((whole.as_str(), code), (SCORED, 1));
    let (out, err, code) = run(bin()
        .args(["score", "-i", "gad2", "--keep", "class", "-q"])
        .args(["--header", "id, class,gad2_1,gad2_2"])
        .arg(data("header/chunk.csv")));
    assert_eq!(out, SCORED, "the same rows, the same columns");
    // the bad cell is located by its line in the chunk (row 2 of the chunk)
    assert!(
        err.starts_with("row 2, column gad2_1: 'x' is not a valid answer for gad2_1"),
        "{err}"
    );
    assert_eq!(code, 1);
}

#[test]
fn header_from_takes_the_names_from_a_files_first_row() {
    for from in ["header/header.csv", "header/survey.csv"] {
        let (out, _, code) = run(bin()
            .args(["score", "-", "-i", "gad2", "--keep", "class", "-q"])
            .arg("--header-from")
            .arg(data(from))
            .pipe_stdin(data("header/chunk.csv"))
            .unwrap());
        assert_eq!((out.as_str(), code), (SCORED, 1), "--header-from {from}");
    }
    let (out, _, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "jsonl", "-q"])
        .args(["--header", "id,class,gad2_1,gad2_2"])
        .write_stdin("s9,2B,1,1\n"));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "{\"id\":\"s9\",\"gad2_total\":2,\"gad2_band\":\"negative\",\"gad2_prorated\":false,\
         \"risk_level\":\"none\",\"risk_label\":\"No flag\",\"risk_reasons\":[]}\n"
    );
}

#[test]
fn header_and_header_from_are_refused_where_they_cannot_hold() {
    let (_, err, code) = run(bin()
        .args(["score", "-i", "gad2", "--header", "id,gad2_1,gad2_2"])
        .arg("--header-from")
        .arg(data("header/header.csv"))
        .arg(data("header/chunk.csv")));
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");

    let (_, err, code) = run(bin()
        .args(["score", "-i", "gad2", "--header-from", "no-such-header.csv"])
        .arg(data("header/chunk.csv")));
    assert_eq!(code, 2);
    assert!(
        err.contains("reading the header of --header-from no-such-header.csv"),
        "{err}"
    );

    let (_, err, code) = run(bin()
        .args(["score", "-i", "gad7", "--header", "id"])
        .arg(data("score/gad7.xlsx")));
    assert_eq!(code, 2);
    assert!(
        err.contains("--header and --header-from are for text (CSV) without a header row;"),
        "{err}"
    );

    // -o never replaces the file the names come from
    let dir = tempfile::tempdir().unwrap();
    let names = write(dir.path(), "names.csv", "id,gad2_1,gad2_2\n");
    let (_, err, code) = run(bin()
        .args(["score", "-i", "gad2", "--force", "-o"])
        .arg(&names)
        .arg("--header-from")
        .arg(&names)
        .arg(data("header/chunk.csv")));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        std::fs::read_to_string(&names).unwrap(),
        "id,gad2_1,gad2_2\n",
        "{err}"
    );
}
