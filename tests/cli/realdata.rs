//! Real responses from public studies (tests/data/realdata, sources and
//! licences in its README): psyscreen's totals against the studies' own
//! totals or an independent Python computation (`scripts/realdata.py
//! --write-fixtures`), never against psyscreen's own earlier output.

use std::collections::HashMap;

use super::{bin, data, run};

/// CSV text → rows of (column name → value).
fn rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().expect("a header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a CSV row");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn expected(name: &str) -> Vec<HashMap<String, String>> {
    rows(&std::fs::read_to_string(data(&format!("realdata/{name}"))).expect("expected file"))
}

/// Every expected column of every row equals psyscreen's, matched by id.
fn assert_agree(scored: &str, expected: &[HashMap<String, String>]) {
    let scored: HashMap<String, HashMap<String, String>> = rows(scored)
        .into_iter()
        .map(|r| (r["id"].clone(), r))
        .collect();
    assert_eq!(scored.len(), expected.len(), "one output row per input row");
    for want in expected {
        let got = &scored[&want["id"]];
        for (col, v) in want {
            assert_eq!(&got[col], v, "id {}, column {col}", want["id"]);
        }
    }
}

/// `psyscreen score tests/data/realdata/FILE -i INSTRUMENTS` as CSV.
fn score(file: &str, instruments: &str) -> (String, String, i32) {
    let path = data(&format!("realdata/{file}"));
    run(bin()
        .arg("score")
        .arg(path)
        .args(["-i", instruments, "--quiet", "--format", "csv"]))
}

#[test]
fn nhanes_refused_and_dont_know_codes_are_reported_and_count_as_missing() {
    let (out, err, code) = score("nhanes_phq9_with_codes.csv", "phq9");
    assert_eq!(code, 1, "invalid cells: exit 1\n{err}");
    assert_agree(&out, &expected("nhanes_phq9_with_codes.expected.csv"));
    // every 7 and 9 is named by its row (header = row 1) and column
    let bad: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("is not a valid answer"))
        .collect();
    assert_eq!(bad.len(), 58, "{err}");
    assert_eq!(
        bad[0],
        "row 119, column phq9_2: '9' is not a valid answer for phq9_2 (expected 0–3 or a label); counted as missing"
    );
    assert!(
        bad.contains(&"row 5381, column phq9_8: '9' is not a valid answer for phq9_8 (expected 0–3 or a label); counted as missing"),
        "{err}"
    );
    assert!(
        bad.iter()
            .any(|l| l.contains(": '7' is not a valid answer")),
        "{err}"
    );
    // a refused self-harm item cannot be ruled out: never `none`
    let scored = rows(&out);
    let input =
        rows(&std::fs::read_to_string(data("realdata/nhanes_phq9_with_codes.csv")).unwrap());
    for (row, got) in input.iter().zip(&scored) {
        if matches!(row["phq9_9"].as_str(), "7" | "9") {
            assert_ne!(got["risk_level"], "none", "id {}", row["id"]);
        }
    }
}

#[test]
fn ukm_students_phq9_gad7_pss10_equal_an_independent_computation() {
    let (out, err, code) = score("ukm_students.csv", "phq9,gad7,pss10");
    assert_eq!(code, 0, "{err}");
    assert_agree(&out, &expected("ukm_students.expected.csv"));
}

#[test]
fn groundhog_dass21_equals_the_authors_sums() {
    let (out, err, code) = score("groundhog_dass21.csv", "dass21");
    assert_eq!(code, 0, "{err}");
    let renamed: Vec<HashMap<String, String>> = expected("groundhog_dass21.expected.csv")
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|(k, v)| match k.as_str() {
                    "id" => (k, v),
                    _ => (format!("{k}_total"), v),
                })
                .collect()
        })
        .collect();
    assert_agree(&out, &renamed);
}
