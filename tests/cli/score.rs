//! `psyscreen score` end to end: inputs, encodings, bad cells, outputs,
//! exit codes, `-o` safety, `| head`.

use std::process::Command;

use crate::{bin, data, root, run, write};

/// The summary line carries the run time; make it stable for pinning.
fn stable(stderr: &str) -> String {
    if stderr.is_empty() {
        return String::new();
    }
    stderr
        .lines()
        .map(|l| match (l.find(" in "), l.find(" s; ")) {
            (Some(a), Some(b)) if l.starts_with("scored ") && a < b => {
                format!("{} in T{}", &l[..a], &l[b + 2..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn score(args: &[&str]) -> (String, String, i32) {
    let (o, e, c) = run(bin().current_dir(data("score")).arg("score").args(args));
    (o, stable(&e), c)
}

#[test]
fn default_policy_one_row_per_rule() {
    let (stdout, stderr, code) = score(&["rules.csv", "-i", "phq9,gad7,asq", "--format", "csv"]);
    assert_eq!(code, 1, "one invalid cell → exit 1\n{stderr}");
    let want = "\
id,phq9_total,phq9_band,phq9_prorated,gad7_total,gad7_band,gad7_prorated,asq_total,asq_band,asq_prorated,risk_level,risk_label,risk_reasons
all-zero,0,minimal,false,0,minimal,false,0,negative,false,none,No flag,
phq9-item9,1,minimal,false,0,minimal,false,0,negative,false,urgent,Urgent,PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)
phq9-15,15,moderately_severe,false,0,minimal,false,0,negative,false,refer,Refer,PHQ-9 ≥ 15 (moderately severe or severe depressive symptoms): refer for clinical assessment; PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up
phq9-14,14,moderate,false,0,minimal,false,0,negative,false,monitor,Monitor,PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up
phq9-10,10,moderate,false,0,minimal,false,0,negative,false,monitor,Monitor,PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up
phq9-9,9,mild,false,0,minimal,false,0,negative,false,none,No flag,
gad7-15,0,minimal,false,15,severe,false,0,negative,false,refer,Refer,GAD-7 ≥ 15 (severe anxiety symptoms): refer for clinical assessment; GAD-7 ≥ 10 (moderate anxiety symptoms or more): flag for follow-up
gad7-10,0,minimal,false,10,moderate,false,0,negative,false,monitor,Monitor,GAD-7 ≥ 10 (moderate anxiety symptoms or more): flag for follow-up
asq-positive,0,minimal,false,0,minimal,false,1,positive,false,refer,Refer,\"ASQ positive: brief suicide safety assessment the same day, before the person leaves\"
asq-acute,0,minimal,false,0,minimal,false,1,positive,false,urgent,Urgent,\"ASQ acute positive screen (thoughts of suicide right now): urgent safety evaluation — do not let the person leave or stay alone until evaluated; ASQ positive: brief suicide safety assessment the same day, before the person leaves\"
asq-item5-blank,0,minimal,false,0,minimal,false,4,positive,false,urgent,Urgent,\"ASQ positive: brief suicide safety assessment the same day, before the person leaves; cannot rule out: ASQ item 5 missing\"
asq-refusal,0,minimal,false,0,minimal,false,,incomplete,false,urgent,Urgent,cannot rule out: ASQ item 5 missing; cannot rule out: ASQ screen (items 1-4) missing; cannot rule out: ASQ item 2 missing
phq9-item9-missing,9,mild,true,0,minimal,false,0,negative,false,monitor,Monitor,cannot rule out: PHQ-9 item 9 missing
phq9-item9-invalid,0,minimal,true,0,minimal,false,0,negative,false,monitor,Monitor,cannot rule out: PHQ-9 item 9 missing
two-missing,,incomplete,false,0,minimal,false,0,negative,false,urgent,Urgent,PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment); cannot rule out: PHQ-9 total missing
";
    assert_eq!(stdout, want);
    assert_eq!(
        stderr,
        "row 15, column phq9_9: 'x' is not a valid answer for phq9_9 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing
notice: 5 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)
notice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).
scored 15 row(s) of rules.csv (UTF-8) in T; 1 invalid cell(s) in 1 row(s); 2 incomplete scale result(s); levels: none 2, monitor 5, refer 3, urgent 5
"
    );
}

#[test]
fn min_level_gives_the_referral_list_and_fail_on_wins_over_bad_cells() {
    let (stdout, _, code) = score(&[
        "rules.csv",
        "-i",
        "phq9,gad7,asq",
        "--format",
        "csv",
        "--min-level",
        "refer",
        "--fail-on",
        "urgent",
        "-q",
    ]);
    assert_eq!(code, 3);
    let ids: Vec<&str> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "phq9-item9",
            "phq9-15",
            "gad7-15",
            "asq-positive",
            "asq-acute",
            "asq-item5-blank",
            "asq-refusal",
            "two-missing"
        ]
    );
    // --fail-on not reached: the invalid cell decides (1)
    let (_, _, code) = score(&["bom.csv", "-i", "gad2", "--fail-on", "refer", "-q"]);
    assert_eq!(code, 0);
}

#[test]
fn quiet_hides_the_summary_not_errors() {
    let (_, stderr, code) = score(&["rules.csv", "-i", "phq9,gad7,asq", "-q"]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("row 15, column phq9_9:"), "{stderr}");
    assert!(!stderr.contains("scored "), "{stderr}");
}

#[test]
fn bom_and_semicolons() {
    let (stdout, _, code) = score(&["bom.csv", "-i", "gad2", "-q"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("id,gad2_total"),
        "BOM must not stick to the first header: {stdout}"
    );
    let (stdout, _, code) = score(&["semicolon.csv", "-i", "gad2", "-q"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().nth(1), Some("c1,3,positive,false,monitor,Monitor,GAD-2 ≥ 3 (positive screen): flag and give the full GAD-7"));
}

#[test]
fn gbk_export_with_chinese_headers_and_labels_scores_like_utf8() {
    let args = |f: &str| {
        vec![
            "score".to_string(),
            root().join("examples").join(f).display().to_string(),
            "-i".into(),
            "phq9".into(),
            "--id-column".into(),
            "1、姓名或学号".into(),
            "--lang".into(),
            "zh".into(),
            "-q".into(),
        ]
    };
    let (utf8, e1, c1) = run(bin().args(args("wjx-export-zh.csv")));
    let (gbk, e2, c2) = run(bin().args(args("wjx-export-gbk.csv")));
    assert_eq!((c1, c2), (0, 0), "{e1}{e2}");
    assert_eq!(utf8, gbk);
    assert!(utf8.starts_with("1、姓名或学号,phq9_total,"), "{utf8}");
    assert!(
        utf8.contains("202507003,11,moderate,false,monitor,关注,"),
        "{utf8}"
    );
}

#[test]
fn the_xlsx_example_scores_like_its_csv_twin() {
    let example = |file: &str| {
        run(bin().current_dir(root()).args([
            "score",
            file,
            "-i",
            "phq9,gad7",
            "--keep",
            "class",
            "--format",
            "csv",
        ]))
    };
    let (xlsx, e1, c1) = example("examples/class-survey.xlsx");
    let (csv, e2, c2) = example("examples/class-survey.csv");
    assert_eq!((c1, c2), (1, 1), "one invalid cell in each\n{e1}{e2}");
    assert_eq!(xlsx, csv);
    assert_eq!(xlsx.lines().count(), 31, "{xlsx}");
    let bad = "row 28, column gad7_2: 'sometimes' is not a valid answer for gad7_2 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing\n";
    assert!(e1.starts_with(bad) && e2.starts_with(bad), "{e1}{e2}");
    assert!(
        stable(&e1).contains("scored 30 row(s) of examples/class-survey.xlsx (xlsx) in T"),
        "{e1}"
    );
}

#[test]
fn check_reports_which_column_feeds_which_item() {
    let (stdout, _, code) = run(bin().current_dir(root()).args([
        "score",
        "examples/wjx-export-gbk.csv",
        "-i",
        "phq9",
        "--check",
    ]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("examples/wjx-export-gbk.csv (gb18030): 17 column(s)\n  phq9_1       ← column 9 \"3、做事时提不起劲或没有兴趣\" (by item text (zh))\n"), "{stdout}");
    assert!(
        stdout.ends_with("9 of 9 item(s) found, 0 missing\n"),
        "{stdout}"
    );
    let (stdout, _, code) = score(&["bom.csv", "-i", "gad2,phq2", "--check"]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("  phq2_1       MISSING (phq2: no column with this id or text)\n"),
        "{stdout}"
    );
}

#[test]
fn map_file_maps_headers_and_labels() {
    let (stdout, stderr, code) = run(bin().current_dir(root()).args([
        "score",
        "examples/english-export.csv",
        "-i",
        "phq9",
        "--map",
        "examples/map-example.yaml",
        "-q",
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        stderr,
        "notice: 1 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)\nnotice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).\n"
    );
    assert!(
        stdout.contains("\nR102,12,moderate,false,monitor,"),
        "{stdout}"
    );
}

#[test]
fn labels_in_both_languages_and_one_based_codes() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "l.csv",
        "id,gad2_1,gad2_2\nx, NOT AT ALL ,完全不会\ny,Nearly every day,几乎每天\n",
    );
    let (stdout, _, code) = run(bin().args(["score", "-i", "gad2", "-q"]).arg(&f));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("\nx,0,negative,") && stdout.contains("\ny,6,positive,"),
        "{stdout}"
    );
    let f = write(
        dir.path(),
        "o.csv",
        "id,gad2_1,gad2_2\nx,1,1\ny,4,4\nz,5,0\n",
    );
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--one-based", "-q"])
        .arg(&f));
    assert_eq!(code, 1);
    assert!(
        stdout.contains("\nx,0,negative,") && stdout.contains("\ny,6,positive,"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "row 4, column gad2_1: '5' is not a valid answer for gad2_1 (expected 1–4 (option number) or a label); counted as missing\n\
         row 4, column gad2_2: '0' is not a valid answer for gad2_2 (expected 1–4 (option number) or a label); counted as missing\n"
    );
}

#[test]
fn out_of_range_values_are_reported_and_good_rows_still_scored() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "r.csv",
        "id,gad2_1,gad2_2\nok,1,1\nbad,7,9\nok2,0,0\n",
    );
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "-q", "--format", "csv"])
        .arg(&f));
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "id,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons\n\
         ok,2,negative,false,none,No flag,\n\
         bad,,incomplete,false,monitor,Monitor,cannot rule out: GAD-2 total missing\n\
         ok2,0,negative,false,none,No flag,\n"
    );
    assert!(stderr.starts_with("row 3, column gad2_1: '7' is not a valid answer for gad2_1 (expected 0–3 or a label); counted as missing\n"), "{stderr}");
}

#[test]
fn ragged_rows_are_reported_per_row() {
    let (stdout, stderr, code) = score(&["ragged.csv", "-i", "gad2"]);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 5, "every row is output: {stdout}");
    assert!(stdout.contains("\nr2,,incomplete,"), "{stdout}");
    assert!(stdout.contains("\nr4,0,negative,"), "{stdout}");
    // extra fields: the cells may have moved, so no answer is used (red team 2)
    assert!(stdout.contains("\nr3,,incomplete,"), "{stdout}");
    assert_eq!(
        stderr,
        "row 3: has 2 field(s), but the header has 3; absent fields count as missing
row 4: 4 fields but the header has 3 — an unquoted comma? its answers cannot be matched to their columns and are not used (counted as missing)
scored 4 row(s) of ragged.csv (UTF-8) in T; 0 invalid cell(s) in 0 row(s), 2 row(s) with a wrong number of fields; 2 incomplete scale result(s); levels: none 2, monitor 2, refer 0, urgent 0
"
    );
}

#[test]
fn empty_header_only_and_itemless_inputs() {
    assert_eq!(
        score(&["empty.csv", "-i", "gad2"]),
        (
            String::new(),
            "error: empty.csv is empty: expected a header row and answers\n".into(),
            2
        )
    );
    // issue 11: nothing scored is exit 2, as the README's table says
    let (stdout, stderr, code) = score(&["header-only.csv", "-i", "gad2", "-q"]);
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "id,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons\n"
    );
    assert_eq!(
        stderr,
        "error: header-only.csv has a header but no rows: nothing scored\n"
    );
    let (stdout, stderr, code) = score(&["no-items.csv", "-i", "gad2"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("error: no item columns found in no-items.csv"),
        "{stderr}"
    );
}

#[test]
fn xlsx_first_sheet_and_named_sheet() {
    let (stdout, _, code) = score(&["gad7.xlsx", "-i", "gad7", "--keep", "class", "-q"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.lines().nth(3),
        Some("a3,7B,7,mild,true,none,No flag,"),
        "labels in cells, one blank prorated: {stdout}"
    );
    let (_, stderr, code) = score(&["gad7.xlsx", "-i", "gad7", "--sheet", "Nope"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: gad7.xlsx has no sheet `Nope`: it has Answers, Other\n"
    );
}

#[test]
fn stdin_to_jsonl_with_types() {
    let (stdout, _, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "jsonl", "-q"])
        .write_stdin("id,gad2_1,gad2_2\na,3,\nb,,\n"));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "{\"id\":\"a\",\"gad2_total\":null,\"gad2_band\":\"incomplete\",\"gad2_prorated\":false,\"risk_level\":\"monitor\",\"risk_label\":\"Monitor\",\"risk_reasons\":[\"cannot rule out: GAD-2 total missing\"]}\n\
         {\"id\":\"b\",\"gad2_total\":null,\"gad2_band\":\"incomplete\",\"gad2_prorated\":false,\"risk_level\":\"monitor\",\"risk_label\":\"Monitor\",\"risk_reasons\":[\"cannot rule out: GAD-2 total missing\"]}\n"
    );
}

#[test]
fn json_is_one_array_even_when_empty() {
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "json", "-q"])
        .write_stdin("id,gad2_1,gad2_2\na,3,2\nb,,1\n"));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "[\n\
         {\"id\":\"a\",\"gad2_total\":5,\"gad2_band\":\"positive\",\"gad2_prorated\":false,\"risk_level\":\"monitor\",\"risk_label\":\"Monitor\",\"risk_reasons\":[\"GAD-2 ≥ 3 (positive screen): flag and give the full GAD-7\"]},\n\
         {\"id\":\"b\",\"gad2_total\":null,\"gad2_band\":\"incomplete\",\"gad2_prorated\":false,\"risk_level\":\"monitor\",\"risk_label\":\"Monitor\",\"risk_reasons\":[\"cannot rule out: GAD-2 total missing\"]}\n\
         ]\n"
    );
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "json", "-q"])
        .write_stdin("id,gad2_1,gad2_2\n"));
    // issue 11: nothing scored is exit 2; the output is still well formed
    assert_eq!(code, 2);
    assert_eq!(stdout, "[]\n");
    assert_eq!(
        stderr,
        "error: <stdin> has a header but no rows: nothing scored\n"
    );
}

#[test]
fn without_an_id_column_rows_are_numbered_as_in_a_spreadsheet() {
    let (stdout, _, _) = run(bin()
        .args(["score", "-i", "gad2", "-q"])
        .write_stdin("gad2_1,gad2_2\n0,0\n1,1\n"));
    assert_eq!(stdout.lines().nth(2).map(|l| &l[..6]), Some("3,2,ne"));
    assert!(stdout.starts_with("row,gad2_total"), "{stdout}");
}

#[test]
fn formulas_in_text_columns_are_escaped() {
    let (stdout, _, _) = score(&["formula.csv", "-i", "gad2", "-q"]);
    assert!(
        stdout.contains("\n\"'=HYPERLINK(\"\"http://x\"\")\",2,"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n-5,0,negative"),
        "numbers stay numbers: {stdout}"
    );
}

#[test]
fn output_file_is_atomic_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", "id,gad2_1,gad2_2\na,1,1\n");
    let out = dir.path().join("out.csv");
    let (stdout, _, code) = run(bin()
        .args(["score", "-i", "gad2", "-q", "-o"])
        .arg(&out)
        .arg(&input));
    assert_eq!((code, stdout.as_str()), (0, ""));
    let first = std::fs::read_to_string(&out).unwrap();
    assert!(first.starts_with("id,gad2_total"), "{first}");
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "-o"])
        .arg(&out)
        .arg(&input));
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists: use --force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first, "kept");
    // --force replaces it (fsync'd first: it replaces a file)
    let other = write(dir.path(), "other.csv", "id,gad2_1,gad2_2\nb,3,3\n");
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "-q", "--force", "-o"])
        .arg(&out)
        .arg(&other));
    assert_eq!((code, stderr.as_str()), (0, ""));
    let replaced = std::fs::read_to_string(&out).unwrap();
    assert!(replaced.contains("\nb,6,positive,false,"), "{replaced}");
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--force", "-o"])
        .arg(&input)
        .arg(&input));
    assert_eq!(code, 2);
    assert!(stderr.contains("over its own input"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        "id,gad2_1,gad2_2\na,1,1\n"
    );
    // no temporary files left behind
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn unknown_level_and_instrument_are_usage_errors() {
    let (_, stderr, code) = score(&["bom.csv", "-i", "gad2", "--min-level", "severe"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: unknown level `severe` for policy `default`: expected one of none, monitor, refer, urgent\n");
    let (_, stderr, code) = score(&["bom.csv", "-i", "gad8"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: unknown instrument `gad8`"),
        "{stderr}"
    );
}

/// `psyscreen score big.csv | head -1`: a closed pipe ends quietly with 0.
#[test]
fn closed_stdout_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7\n");
    for i in 0..60_000 {
        text.push_str(&format!("p{i},1,2,0,1,3,0,1\n"));
    }
    let big = write(dir.path(), "big.csv", &text);
    let args = [
        "score".as_ref(),
        "-i".as_ref(),
        "gad7".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
        big.as_os_str(),
    ];
    let (code, _, stderr) = crate::head_of_stdout(args, 64);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
}

/// A big file with a few bad rows: each is reported by its spreadsheet
/// row, every row is still scored, in order, and the exit code is 1.
#[test]
fn a_big_file_with_scattered_bad_cells_scores_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let rows = 100_000;
    let mut text = String::from("id,gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7\n");
    for i in 1..=rows {
        // file line (= spreadsheet row) i + 1
        text.push_str(&match i {
            1 => format!("p{i},9,2,0,1,3,0,1\n"),
            50_000 => format!("p{i},1,2,0,1,3,0,{}\n", "x".repeat(1 << 20)),
            77_776 => format!("p{i},1,2,0\n"),
            _ => format!("p{i},1,2,0,1,3,0,1\n"),
        });
    }
    let big = write(dir.path(), "big.csv", &text);
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad7", "--format", "csv", "-q"])
        .arg(&big));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "row 2, column gad7_1: '9' is not a valid answer for gad7_1 (expected 0–3 or a label); counted as missing\n\
             row 50001, column gad7_7: '{}…' is not a valid answer for gad7_7 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing\n\
             row 77777: has 4 field(s), but the header has 8; absent fields count as missing\n",
            "x".repeat(40)
        )
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), rows + 1);
    // 2+0+1+3+0+1 = 7 over 6 answered: 7 × 7 / 6 = 8.17 → 8, prorated
    assert_eq!(lines[1], "p1,8,mild,true,none,No flag,");
    assert_eq!(lines[50_000], "p50000,8,mild,true,none,No flag,");
    // 4 of 7 missing: incomplete, and the policy cannot rule the rule out
    assert_eq!(
        lines[77_776],
        "p77776,,incomplete,false,monitor,Monitor,cannot rule out: GAD-7 total missing"
    );
    assert_eq!(lines[rows], format!("p{rows},8,mild,false,none,No flag,"));
}

/// On a terminal a big input (8 MiB or more) shows a progress bar on
/// stderr, cleared before the summary; in a pipe it never appears.
#[cfg(unix)]
#[test]
fn progress_bar_on_a_terminal_only() {
    use expectrl::{Eof, Expect as _};
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7\n");
    for i in 0..400_000 {
        text.push_str(&format!("p{i},1,2,0,1,3,0,1\n"));
    }
    assert!(text.len() >= 8 << 20);
    let big = write(dir.path(), "big.csv", &text);
    let out = dir.path().join("out.csv");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("psyscreen"));
    cmd.env("TERM", "xterm-256color")
        .args(["score", "-i", "gad7", "-o"])
        .arg(&out)
        .arg(&big);
    let mut s = expectrl::session::OsSession::spawn(cmd).expect("open a pseudo-terminal");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
    let all = s.expect(Eof).expect("runs to the end");
    let all = String::from_utf8_lossy(all.as_bytes());
    assert!(all.contains("scoring ["), "{all}");
    assert!(all.contains("scored 400000 row(s) of "), "{all}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        400_001
    );

    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "gad7", "--force", "-o"])
        .arg(&out)
        .arg(&big));
    assert_eq!(code, 0);
    assert!(!stderr.contains("scoring ["), "{stderr}");
    // the ids past the first 100,000 are not looked at for duplicates: said
    assert!(stderr.contains("\nscored 400000 row(s) of "), "{stderr}");
}

#[test]
fn pseudonymize_with_a_key_file_and_write_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    let manifest = dir.path().join("m.json");
    let input = root().join("examples/class-survey.csv");
    let (first, stderr, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq9,gad7",
            "-q",
            "--format",
            "csv",
            "--pseudonymize",
        ])
        .arg(&key)
        .arg("--manifest")
        .arg(&manifest)
        .arg(&input));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("created key file "), "{stderr}");
    assert!(!first.contains("S7A01"), "ids must not leak: {first}");
    let pseudo: Vec<&str> = first
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(pseudo.len(), 30);
    assert!(pseudo
        .iter()
        .all(|p| p.len() == 32 && p.bytes().all(|b| b.is_ascii_hexdigit())));
    // the same key gives the same pseudonyms; the key file is reused
    let (second, stderr2, _) = run(bin()
        .args([
            "score",
            "-i",
            "phq9,gad7",
            "-q",
            "--format",
            "csv",
            "--pseudonymize",
        ])
        .arg(&key)
        .arg(&input));
    assert_eq!(first, second);
    assert!(!stderr2.contains("created key file"), "{stderr2}");
    // a new key, new pseudonyms
    let (third, _, _) = run(bin()
        .args([
            "score",
            "-i",
            "phq9,gad7",
            "-q",
            "--format",
            "csv",
            "--pseudonymize",
        ])
        .arg(dir.path().join("other.key"))
        .arg(&input));
    assert_ne!(first.lines().nth(1), third.lines().nth(1));

    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    use sha2::Digest as _;
    let want = hex::encode(sha2::Sha256::digest(std::fs::read(&input).unwrap()));
    assert_eq!(m["input"]["sha256"], want.as_str());
    assert_eq!(m["input"]["rows"], 30);
    assert_eq!(m["instruments"][0]["id"], "phq9");
    assert_eq!(m["instruments"][1]["version"], "1.0");
    assert_eq!(m["policy"]["id"], "default");
    assert_eq!(m["levels"]["urgent"], 2);
    assert_eq!(m["invalid_cells"], 1);
    assert_eq!(m["pseudonymized"], true);
    assert_eq!(m["psyscreen_version"], env!("CARGO_PKG_VERSION"));
    // the manifest is never overwritten without --force
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "phq9", "-q", "--manifest"])
        .arg(&manifest)
        .arg(&input));
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists: use --force"), "{stderr}");
}

#[test]
fn only_the_id_and_kept_columns_are_copied() {
    // wjx exports carry IP addresses, sources and times: none reach the output
    let (stdout, _, _) = run(bin().current_dir(root()).args([
        "score",
        "examples/wjx-export-zh.csv",
        "-i",
        "phq9",
        "-q",
        "--format",
        "csv",
    ]));
    assert!(!stdout.contains("203.0.113"), "{stdout}");
    assert!(!stdout.contains("手机提交"), "{stdout}");
}

#[test]
fn duplicate_item_headers_are_an_error_not_a_guess() {
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-", "-i", "gad2"])
        .write_stdin("id,gad2_1,gad2_1,gad2_2\na,1,2,1\n"));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "error: columns 2 (\"gad2_1\") and 3 (\"gad2_1\") both feed item gad2_1: keep one, or map them with --map\n"
    );
}

#[test]
fn forced_encoding_wins_and_a_wrong_one_is_named() {
    let gbk = root().join("examples/wjx-export-gbk.csv");
    let (stdout, _, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq9",
            "-q",
            "--format",
            "csv",
            "--encoding",
            "gbk",
        ])
        .arg(&gbk));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("序号,phq9_total,"), "{stdout}");
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "phq9", "--encoding", "utf-8"])
        .arg(&gbk));
    assert_eq!(code, 2);
    assert!(stderr.contains("(read as UTF-8)"), "{stderr}");
}

#[test]
fn table_format_for_people() {
    let (stdout, stderr, code) = score(&["bom.csv", "-i", "gad2", "--format", "table", "-q"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(lines[1].starts_with("│ id ┆ gad2_total ┆ gad2_band ┆ gad2_prorated ┆ risk_level ┆ risk_label ┆ risk_reasons"), "{stdout}");
    assert!(
        lines[4].starts_with(
            "│ b2 ┆ 3          ┆ positive  ┆ false         ┆ monitor    ┆ Monitor    ┆ GAD-2 ≥ 3"
        ),
        "{stdout}"
    );
}

#[test]
fn asq_answers_written_y_and_n_are_yes_and_no() {
    // exports that write yes/no as Y/N came out incomplete and urgent
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "asq.csv",
        "id,asq_1,asq_2,asq_3,asq_4,asq_5\nlong,Yes,No,No,No,No\nshort,Y,N,n,N,n\nnone,N,N,N,N,\n",
    );
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "asq", "--format", "csv", "-q"])
        .arg(&f));
    assert_eq!((stderr.as_str(), code), ("", 0));
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(rows[0].replacen("long", "short", 1), rows[1]);
    assert!(
        rows[1].starts_with("short,1,positive,false,refer,"),
        "{stdout}"
    );
    assert!(
        rows[2].starts_with("none,0,negative,false,none,"),
        "{stdout}"
    );
}
