//! Hostile and careless inputs (issue 11): xlsx workbooks (item 15), the
//! table format's memory (item 16) and `risk_reasons` as a JSON array
//! (item 18). Each test ran against the code before its fix and failed.
//! Small inputs live in tests/hostile/xlsx/ (made by
//! scripts/make-hostile-xlsx.py); big ones are made here, in a tempdir.

use super::*;

fn hostile(name: &str) -> PathBuf {
    root().join("tests/hostile/xlsx").join(name)
}

// ------------------------------------------------ 18: risk_reasons in JSON

#[test]
fn json_reasons_are_an_array_of_strings() {
    // item 9 = 2 fires the item-9 rule and the total rule: two reasons
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-", "-i", "phq9", "--format", "json", "-q"])
        .write_stdin(
            "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n\
             a,3,3,3,3,3,3,3,3,2\n\
             b,0,0,0,0,0,0,0,0,0\n",
        ));
    assert_eq!(code, 0, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let a = &rows[0]["risk_reasons"];
    let reasons = a.as_array().unwrap_or_else(|| panic!("not an array: {a}"));
    assert!(reasons.len() >= 2, "{stdout}");
    assert!(reasons.iter().all(|r| r.is_string()), "{stdout}");
    assert_eq!(rows[1]["risk_reasons"], serde_json::json!([]), "{stdout}");
}

#[test]
fn jsonl_reasons_are_an_array_and_csv_keeps_the_joined_text() {
    let input = "id,gad2_1,gad2_2\na,3,\n";
    let (stdout, _, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "jsonl", "-q"])
        .write_stdin(input));
    assert_eq!(code, 0);
    assert!(
        stdout.ends_with("\"risk_reasons\":[\"cannot rule out: gad2 missing\"]}\n"),
        "{stdout}"
    );
    let (stdout, _, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "csv", "-q"])
        .write_stdin(input));
    assert_eq!(code, 0);
    assert!(
        stdout.ends_with(",monitor,Monitor,cannot rule out: gad2 missing\n"),
        "{stdout}"
    );
}

// ------------------------------------------------ 16: --format table memory

fn gad2_rows(n: usize) -> String {
    let mut s = String::from("id,gad2_1,gad2_2\n");
    for i in 0..n {
        s.push_str(&format!("p{i},{},{}\n", i % 4, (i / 4) % 4));
    }
    s
}

#[test]
fn a_big_table_switches_to_csv_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "big.csv", &gad2_rows(2500));
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "table", "-q"])
        .arg(&input));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "note: more than 1000 rows: writing CSV instead of a table (choose with --format, or write to a file with -o)\n"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2501, "every row, once");
    assert_eq!(
        lines[0],
        "id,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons"
    );
    assert!(lines[1].starts_with("p0,0,negative,false,"), "{}", lines[1]);
    assert!(lines[2500].starts_with("p2499,"), "{}", lines[2500]);
    // the same rows as --format csv would give
    let (csv, _, _) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&input));
    assert_eq!(stdout, csv);
}

#[test]
fn a_table_up_to_the_limit_stays_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "small.csv", &gad2_rows(1000));
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "table", "-q"])
        .arg(&input));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.starts_with('┌'), "{}", &stdout[..80]);
    assert!(stdout.contains("│ p999 "), "last row shown");
}
