//! A label export (answers as the printed option labels, UTF-8) is checked
//! for bytes that are not UTF-8 around the cells read as labels, not
//! through them (issue 14): bytes that are not UTF-8 inside a cell that
//! is almost a label, in the cells before and after the answers, and a
//! character split between two answer cells are each still reported
//! with their row and column, on one thread and on two (the file is read
//! in parts there). The rows that take the label reader's other ways
//! (digits and labels mixed, padded or unknown answers, a stray quote)
//! are scored the same on one thread and two.

use crate::{bin, run};

const LABELS: [&str; 4] = ["完全不会", "好几天", "一半以上的天数", "几乎每天"];

/// A counselor's note, 48 bytes.
const NOTE: &str = "家长已知情，情况稳定，下周复查。";

/// 4,000 rows (~900 KB: enough to be read in parts on two threads) of
/// `id,姓名,phq9_1..phq9_9,备注`, row `n`'s item `i` (0-based) answered
/// `LABELS[(7n + 3i) % 4]`, with a few rows spoiled past the first 64 KiB
/// (where the encoding is detected). The note makes a row ~230 bytes, so
/// that its UTF-8 is checked around the answers (from 192 bytes; the
/// answers, ~120–130 bytes, are checked around from 128, else the whole
/// record is); row 3999's is short, and checked by the reader itself.
fn label_export() -> Vec<u8> {
    let mut out = phq9_header("姓名,", ",备注").into_bytes();
    for n in 1..=4000usize {
        let mut cells: Vec<Vec<u8>> = (0..9)
            .map(|i| LABELS[(n * 7 + i * 3) % 4].as_bytes().to_vec())
            .collect();
        let mut id = format!("s{n}").into_bytes();
        let mut name = "张三".as_bytes().to_vec();
        let mut note = NOTE.repeat(2).into_bytes();
        match n {
            // a label whose last byte is not UTF-8
            1000 => cells[2] = ["完全不".as_bytes(), b"\xff"].concat(),
            1500 => id = b"s\xff".to_vec(),
            // 会 (e4 bc 9a) split between two answer cells by the comma
            2000 => {
                cells[0] = ["完全不".as_bytes(), b"\xe4"].concat();
                cells[1] = [&b"\xbc\x9a"[..], "好几天".as_bytes()].concat();
            }
            // U+FFFD written in the file: valid UTF-8, not a label
            2600 => cells[4] = "完全不\u{FFFD}".as_bytes().to_vec(),
            // labels typed another way: read as the labels
            3000 => {
                cells[5] = " 好几天 ".as_bytes().to_vec();
                cells[6] = "几乎每天。".as_bytes().to_vec();
            }
            // a name cut inside its last character, before the answers
            3500 => name = b"\xe5\xbc\xa0\xe4".to_vec(),
            // after the answers
            3999 => note = b"ok\xff".to_vec(),
            _ => {}
        }
        for cell in [&id, &name].into_iter().chain(&cells).chain([&note]) {
            out.extend_from_slice(cell);
            out.push(b',');
        }
        out.pop();
        out.push(b'\n');
    }
    out
}

#[test]
fn bytes_not_utf8_in_and_around_label_answers_are_located() {
    let (stdout, stderr) = scored_on_one_thread_and_two(label_export());
    // rows as a spreadsheet shows them: the header is row 1
    assert_eq!(
        problems(&stderr),
        [
            "row 1001, column phq9_3: '完全不\u{FFFD}' is not valid UTF-8; counted as missing",
            "row 1501, column id: 's\u{FFFD}' is not valid UTF-8; they are shown as \u{FFFD}",
            "row 2001, column phq9_1: '完全不\u{FFFD}' is not valid UTF-8 (as GBK it reads \"瀹屽叏涓嶄\": if the file is GBK, give --encoding gbk); counted as missing",
            "row 2001, column phq9_2: '\u{FFFD}\u{FFFD}好几天' is not valid UTF-8; counted as missing",
            "row 2601, column phq9_5: '完全不\u{FFFD}' is not a valid answer for phq9_5 (expected 0–3 or a label: 完全不会, 好几天, 一半以上的天数, 几乎每天); counted as missing — did you mean 完全不会?",
            "row 3501, column 姓名: '张\u{FFFD}' is not valid UTF-8 (as GBK it reads \"寮犱\": if the file is GBK, give --encoding gbk); they are shown as \u{FFFD}",
            "row 4000, column 备注: 'ok\u{FFFD}' is not valid UTF-8; they are shown as \u{FFFD}",
        ]
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4001);
    // rows 1000 and 2000 answer 0,3,2,1,0,3,2,1,0 ((7n + 3i) % 4 with
    // 7n % 4 = 0). Row 1000 lost item 3 (2): 10 from eight items,
    // prorated 10 × 9 / 8 = 11.25 → 11, moderate. Row 2000 lost items
    // 1 and 2: two missing, no total; item 9 answered 0.
    assert_eq!(
        lines[1000],
        "s1000,11,moderate,true,monitor,Monitor,PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up"
    );
    assert_eq!(
        lines[1500].split(',').next(),
        Some("s\u{FFFD}"),
        "the id as shown"
    );
    assert_eq!(
        lines[2000],
        "s2000,,incomplete,false,monitor,Monitor,cannot rule out: PHQ-9 total missing"
    );
    // row 3000 (3000 × 7 % 4 = 0: 0,3,2,1,0,3,2,1,0) typed items 6 and
    // 7 as " 好几天 " (1) and "几乎每天。" (3): 0+3+2+1+0+1+3+1+0 = 11
    assert!(
        lines[3000].starts_with("s3000,11,moderate,false,"),
        "{}",
        lines[3000]
    );
}

/// `score -i phq9 --format csv` of `export` (written to a file) on one
/// thread and on two, each exiting 1 for the problems it reports: their
/// stdout and stderr, the same for both.
fn scored_on_one_thread_and_two(export: Vec<u8>) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("export.csv");
    std::fs::write(&f, export).unwrap();
    let runs: Vec<(String, String)> = ["1", "2"]
        .into_iter()
        .map(|threads| {
            let (stdout, stderr, code) = run(bin()
                .args([
                    "score",
                    "-i",
                    "phq9",
                    "-q",
                    "--format",
                    "csv",
                    "--threads",
                    threads,
                ])
                .arg(&f));
            assert_eq!(code, 1, "threads {threads}: {stderr}");
            (stdout, stderr)
        })
        .collect();
    assert_eq!(runs[0], runs[1], "one thread and two read the same");
    runs.into_iter().next().expect("two runs")
}

/// The lines of `stderr` about a row.
fn problems(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("row ")).collect()
}

/// `id,` then `before`, the items `phq9_1..phq9_9`, `after`, and a line break.
fn phq9_header(before: &str, after: &str) -> String {
    let items: Vec<String> = (1..=9).map(|i| format!("phq9_{i}")).collect();
    format!("id,{before}{}{after}\n", items.join(","))
}

/// 5,000 rows of `id,phq9_1..phq9_9` (~680 KB: read in parts on two
/// threads), answered with the printed labels as `label_export`'s, the
/// last answer ending the record, with the row shapes the answer reader
/// takes different ways: digits before labels and after them, a label
/// padded past 24 bytes, an unknown first answer, a short cell at the very
/// end of a record, a label spoiled at the end, and a stray quote that
/// opens a cell never closed.
fn shapes_export() -> Vec<u8> {
    let mut out = phq9_header("", "");
    for n in 1..=5000usize {
        let values: Vec<usize> = (0..9).map(|i| (n * 7 + i * 3) % 4).collect();
        let mut cells: Vec<String> = values.iter().map(|&v| LABELS[v].to_string()).collect();
        let digit = |i: usize| values[i].to_string();
        // rows `n % 4 == 0` answer 0,3,2,1,0,3,2,1,0: 12
        match n {
            1000 => cells[0] = digit(0),
            1200 => (0..8).for_each(|i| cells[i] = digit(i)),
            1400 => (1..9).for_each(|i| cells[i] = digit(i)),
            1600 => cells[2] = format!("  {}  ", LABELS[2]),
            1800 => {
                cells[0] = "??".into();
                cells[1] = String::new();
            }
            2000 => cells[8] = format!("{} ", digit(8)),
            2200 => cells[8] = format!("{}x", LABELS[1]),
            4800 => cells[3] = format!("\"{}", LABELS[1]),
            _ => {}
        }
        out.push_str(&format!("s{n},{}\n", cells.join(",")));
    }
    out.into_bytes()
}

#[test]
fn label_rows_of_every_shape_and_a_stray_quote_score_alike_on_one_thread_and_two() {
    let (stdout, stderr) = scored_on_one_thread_and_two(shapes_export());
    assert_eq!(
        problems(&stderr),
        [
            "row 1801, column phq9_1: '??' is not a valid answer for phq9_1 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing",
            "row 2201, column phq9_9: '好几天x' is not a valid answer for phq9_9 (expected 0–3 or a label: 完全不会, 好几天, 一半以上的天数, 几乎每天); counted as missing — did you mean 好几天?",
            "row 4801 (line 4801), column phq9_4: a quote opens here and is never closed; lines 4801–5001 were read as one cell, but they hold 201 rows of 10 fields each, so each line is scored as its own row (rows 4801–5001); remove the stray `\"` and check those rows",
        ]
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5001, "every row scored");
    let moderate = "12,moderate,false,monitor,Monitor,PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up";
    // digits and labels in any order, a padded label, a short last cell,
    // and the cell after the stray quote: all read as answered
    for n in [1000, 1200, 1400, 1600, 2000, 4800] {
        assert_eq!(lines[n], format!("s{n},{moderate}"), "row {n}");
    }
    // two answers missing: no total, and never a lower level
    assert_eq!(
        lines[1800],
        "s1800,,incomplete,false,monitor,Monitor,cannot rule out: PHQ-9 total missing"
    );
    // item 9 missing: 12 from eight items, 12 × 9 / 8 = 13.5 → 14
    assert_eq!(
        lines[2200],
        "s2200,14,moderate,true,monitor,Monitor,PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up; cannot rule out: PHQ-9 item 9 missing"
    );
}
