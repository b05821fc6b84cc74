//! Tables for people at a terminal, through a real pseudo-terminal
//! (expectrl) of a set size: `score`'s compact table fits the width at
//! 80×24 and 40×12 (every column with `--wide`), and `instruments list` is
//! a short table. The layout itself is unit-tested with a width argument
//! (io::write::compact_layout).

use std::process::Command;
use std::time::Duration;

use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect as _};
use unicode_width::UnicodeWidthStr as _;

use crate::root;

/// psyscreen's stdout on a pseudo-terminal of `cols`×`rows`; stderr is
/// left out. The size is set from this side once the terminal exists, and
/// the shell waits until it sees that size before psyscreen starts, so
/// psyscreen reads it whatever size the terminal was opened with.
pub(crate) fn on_terminal(cols: u16, rows: u16, args: &str) -> String {
    let mut cmd = Command::new("sh");
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg(format!(
            "until [ \"$(stty size)\" = '{rows} {cols}' ]; do sleep 0.02; done; exec '{}' {args} 2>/dev/null",
            env!("CARGO_BIN_EXE_psyscreen")
        ));
    let mut s = Session::spawn(cmd).expect("open a pseudo-terminal and spawn psyscreen");
    s.get_process_mut()
        .set_window_size(cols, rows)
        .expect("set the terminal's size");
    s.set_expect_timeout(Some(Duration::from_secs(10)));
    let out = match s.expect(Eof) {
        Ok(c) => String::from_utf8_lossy(c.as_bytes()).into_owned(),
        Err(e) => panic!("waiting for the end: {e}"),
    };
    out.replace("\r\n", "\n")
}

fn check_fits(out: &str, cols: usize) {
    for line in out.lines() {
        assert!(
            line.width() <= cols,
            "a line wider than {cols}: {line:?}\n{out}"
        );
    }
}

#[test]
fn score_table_fits_80_by_24() {
    let out = on_terminal(
        80,
        24,
        "score examples/class-survey.csv -i phq9,gad7 --format table",
    );
    check_fits(&out, 80);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        2 + 30,
        "a header, a rule and one line per row:\n{out}"
    );
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["id", "phq9", "gad7", "level", "reasons"]
    );
    let s7a07 = lines.iter().find(|l| l.starts_with("S7A07")).unwrap();
    assert!(
        s7a07.contains("14 moderate")
            && s7a07.contains("Urgent")
            && s7a07.contains("PHQ-9 item 9: thought"),
        "{s7a07}"
    );
    assert!(s7a07.ends_with('…'), "the reason is cut to fit: {s7a07}");
    // a total estimated from the answered items says so
    let s7b09 = lines.iter().find(|l| l.starts_with("S7B09")).unwrap();
    assert!(s7b09.contains(" 5 mild (prorated) "), "{s7b09}");
    assert!(!out.contains("risk_reasons"), "not every column");
}

#[test]
fn score_table_fits_40_by_12_and_wide_shows_every_column() {
    let out = on_terminal(
        40,
        12,
        "score examples/class-survey.csv -i phq9,gad7 --format table",
    );
    check_fits(&out, 40);
    assert_eq!(out.lines().count(), 2 + 30, "{out}");
    let s7a07 = out.lines().find(|l| l.starts_with("S7A07")).unwrap();
    assert!(
        s7a07.contains("Urgent"),
        "id and level on one line: {s7a07}"
    );

    let wide = on_terminal(
        80,
        24,
        "score examples/class-survey.csv -i phq9,gad7 --format table --wide",
    );
    // --wide: the table of every column (ten here), however it wraps
    let header = wide.lines().nth(1).unwrap();
    assert_eq!(header.matches('┆').count(), 9, "{wide}");
    assert!(header.contains("risk_"), "{wide}");
}

#[test]
fn instruments_list_on_a_terminal_is_short() {
    let out = on_terminal(80, 24, "instruments list");
    check_fits(&out, 80);
    assert!(
        out.contains("Patient Health Questionnaire-9 (PHQ-9)"),
        "{out}"
    );
    assert!(
        !out.contains("license"),
        "licences are in `instruments show`:\n{out}"
    );
    // a border, the header, a rule, 12 instruments, a border: one line each
    assert_eq!(out.lines().count(), 16, "{out}");
}

/// Bands in the compact table are the instrument's labels in the run's
/// language (`中重度`), never ids (`moderately_severe`).
#[test]
fn compact_table_shows_band_labels_in_the_run_language() {
    let en = on_terminal(
        80,
        24,
        "score examples/class-survey.csv -i phq9,gad7 --format table",
    );
    let s7b06 = en.lines().find(|l| l.starts_with("S7B06")).unwrap();
    assert!(s7b06.contains("16 moderately severe"), "{s7b06}");
    assert!(!en.contains("moderately_severe"), "{en}");
    let zh = on_terminal(
        80,
        24,
        "score examples/class-survey.csv -i phq9,gad7 --format table --lang zh",
    );
    check_fits(&zh, 80);
    let s7a07 = zh.lines().find(|l| l.starts_with("S7A07")).unwrap();
    assert!(s7a07.contains("14 中度"), "{s7a07}");
    let s7b06 = zh.lines().find(|l| l.starts_with("S7B06")).unwrap();
    assert!(s7b06.contains("16 中重度"), "{s7b06}");
    assert!(!zh.contains("moderate"), "{zh}");
    assert!(!zh.contains("minimal"), "{zh}");
}
