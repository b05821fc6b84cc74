//! Property: for random answers, the CLI's totals equal the scoring core's.
//!
//! `psyscreen score` wraps `Battery::score` in reading (CSV parsing, column
//! matching, cell parsing) and writing (number formatting, CSV encoding).
//! This test writes random answers to a CSV, runs the real binary on it and
//! checks, for every row and every scale, that `{scale}_total`,
//! `{scale}_band` and `{scale}_prorated` are what the core computes
//! in-process for the same answers, and that the exit code is 1 exactly when
//! an invalid cell was written. The instruments together cover reversed
//! items (PSS-10), multipliers (DASS-21, WHO-5), skip logic (K10, ASQ),
//! a response set not starting at 0 (K10), prorating and `max_missing: 0`
//! (ASQ).

use std::fmt;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use psyscreen::instrument::{self, ResponseSet, Scale};
use psyscreen::score::{Answer, Battery, ScaleResult};

/// The `-i` argument: several built-ins at once, scored in one run.
const INSTRUMENTS: &str = "phq9,gad7,pss10,dass21,who5,k10,asq";

static BATTERY: LazyLock<Battery> = LazyLock::new(|| {
    Battery::new(instrument::resolve(&[INSTRUMENTS.to_string()]).expect("built-ins load"))
});

/// One generated answer cell: the text written to the CSV and the answer
/// the core is given for it.
#[derive(Clone)]
struct Cell {
    text: String,
    answer: Answer,
}

/// Only the text, so that a failing input prints as the CSV cells it wrote.
impl fmt::Debug for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

impl Cell {
    fn value(v: i32) -> Self {
        Cell {
            text: v.to_string(),
            answer: Answer::Value(v),
        }
    }

    fn blank() -> Self {
        Cell {
            text: String::new(),
            answer: Answer::Missing,
        }
    }

    fn invalid(text: String) -> Self {
        Cell {
            text,
            answer: Answer::Invalid,
        }
    }
}

/// A cell for an item of `set`: mostly a valid value, sometimes blank, and,
/// when `with_invalid`, rarely a token the CLI rejects (a word, or a number
/// just outside the set's range).
fn cell_strategy(set: &ResponseSet, with_invalid: bool) -> BoxedStrategy<Cell> {
    let values: Vec<i32> = set.options.iter().map(|o| o.value).collect();
    let valid = prop::sample::select(values).prop_map(Cell::value);
    let blank = Just(Cell::blank());
    if !with_invalid {
        return prop_oneof![9 => valid, 1 => blank].boxed();
    }
    let tokens = vec![
        "x".to_string(),
        (set.min - 1).to_string(),
        (set.max + 1).to_string(),
    ];
    let invalid = prop::sample::select(tokens).prop_map(Cell::invalid);
    prop_oneof![180 => valid, 20 => blank, 1 => invalid].boxed()
}

/// 1..120 rows of one cell per item of the battery, in battery order. Half
/// of the cases contain no invalid cell at all, so both exit codes occur.
fn rows_strategy(battery: &'static Battery) -> impl Strategy<Value = Vec<Vec<Cell>>> {
    any::<bool>().prop_flat_map(move |with_invalid| {
        let row: Vec<BoxedStrategy<Cell>> = battery
            .items()
            .map(|(_, inst, item)| cell_strategy(&inst.response_sets[item.set], with_invalid))
            .collect();
        prop::collection::vec(row, 1..120)
    })
}

/// The header `psyscreen template -i INSTRUMENTS` prints: `id`, then every
/// item id.
fn header(battery: &Battery) -> Vec<String> {
    let items = battery.items().map(|(_, _, item)| item.id.clone());
    std::iter::once("id".to_string()).chain(items).collect()
}

fn row_id(n: usize) -> String {
    format!("p{}", n + 1)
}

fn write_input(path: &Path, rows: &[Vec<Cell>]) {
    let mut w = csv::Writer::from_path(path).expect("create input CSV");
    w.write_record(header(&BATTERY)).expect("write header");
    for (n, row) in rows.iter().enumerate() {
        let cells = row.iter().map(|c| c.text.clone());
        w.write_record(std::iter::once(row_id(n)).chain(cells))
            .expect("write row");
    }
    w.flush().expect("flush input CSV");
}

fn psyscreen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_psyscreen"))
        .args(args)
        .output()
        .expect("psyscreen runs")
}

/// The core's results for one row, scored in-process.
fn core_results(row: &[Cell]) -> Vec<ScaleResult> {
    let mut answers: Vec<Answer> = row.iter().map(|c| c.answer).collect();
    let mut results = vec![ScaleResult::default(); BATTERY.n_scales()];
    BATTERY.score(&mut answers, &mut results);
    results
}

/// `(total, band, prorated)` as `psyscreen score` writes them in CSV.
fn formatted(scale: &Scale, r: &ScaleResult) -> (String, String, String) {
    let total = match r.total {
        Some(t) if scale.decimals == 0 => t.to_string(),
        Some(t) => scale.format_total(t),
        None => String::new(),
    };
    let band = r.band.map_or_else(
        || "incomplete".to_string(),
        |b| scale.bands[b].label.clone(),
    );
    (total, band, r.prorated.to_string())
}

/// Score `rows` with the binary and compare its output with the core.
fn check_cli_matches_core(rows: &[Vec<Cell>]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("answers.csv");
    write_input(&input, rows);
    let out = psyscreen(&[
        "score",
        input.to_str().expect("UTF-8 temp path"),
        "-i",
        INSTRUMENTS,
        "--format",
        "csv",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);

    let any_invalid = rows.iter().flatten().any(|c| c.answer == Answer::Invalid);
    let expected_code = if any_invalid { 1 } else { 0 };
    prop_assert_eq!(
        out.status.code(),
        Some(expected_code),
        "stderr:\n{}",
        stderr
    );

    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let columns = reader.headers().expect("output header").clone();
    let column = |name: &str| {
        columns
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column `{name}` in the output"))
    };
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("output parses as CSV");
    prop_assert_eq!(records.len(), rows.len(), "one output row per input row");

    for (n, (row, rec)) in rows.iter().zip(&records).enumerate() {
        prop_assert_eq!(&rec[column("id")], &row_id(n));
        let results = core_results(row);
        for ((_, _, scale), r) in BATTERY.scales().zip(&results) {
            let (total, band, prorated) = formatted(scale, r);
            let id = &scale.id;
            let cli = (
                &rec[column(&format!("{id}_total"))],
                &rec[column(&format!("{id}_band"))],
                &rec[column(&format!("{id}_prorated"))],
            );
            prop_assert_eq!(
                cli,
                (total.as_str(), band.as_str(), prorated.as_str()),
                "row {} ({}), scale {}; cells: {:?}",
                n + 2,
                row_id(n),
                id,
                row
            );
        }
    }
    Ok(())
}

/// The CSV this test writes has the header the scorer documents.
#[test]
fn header_is_the_template() {
    let out = psyscreen(&["template", "-i", INSTRUMENTS]);
    assert!(out.status.success());
    let template = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(template.trim_end(), header(&BATTERY).join(","));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    })]

    #[test]
    fn cli_totals_equal_core_totals(rows in rows_strategy(&BATTERY)) {
        check_cli_matches_core(&rows)?;
    }
}
