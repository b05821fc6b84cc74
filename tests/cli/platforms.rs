//! Survey platform exports read as they come (issue 16, items 1–5): each
//! shipped example in examples/exports/ (the same four people's PHQ-9
//! answers, exported as each platform lays them out) scores to the same
//! totals, bands and levels, with no --map; detection, --from, --check,
//! and the code-book check that refuses numbers which do not fit.

use super::{bin, data, root, run, write};

/// The four people of every example, by hand (PHQ-9 = sum of 9 items,
/// 0–3 each; bands 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19
/// moderately severe, 20–27 severe; default policy: ≥10 monitor, ≥15
/// refer, item 9 ≥ 1 urgent):
/// 1: all 0                      = 0,  minimal, none
/// 2: 1,1,1,1,1,0,0,0,0          = 5,  mild,     none
/// 3: 2,2,2,2,2,2,2,0,0          = 14, moderate, monitor
/// 4: 3,3,3,2,2,2,2,2,1 (item 9) = 20, severe,   urgent
const EXPECTED: [(&str, &str, &str); 4] = [
    ("0", "minimal", "none"),
    ("5", "mild", "none"),
    ("14", "moderate", "monitor"),
    ("20", "severe", "urgent"),
];

/// Every example: its file, the flags it needs beyond `-i phq9`, the id
/// column the platform gives, and what `--check` says was detected.
const EXPORTS: [(&str, &[&str], &str, &str); 11] = [
    (
        "qualtrics-choice-text.csv",
        &[],
        "ResponseId",
        "Qualtrics export (3 header rows",
    ),
    (
        "qualtrics-recode-values.tsv",
        &[],
        "ResponseId",
        "Qualtrics export (3 header rows",
    ),
    (
        "qualtrics-legacy.csv",
        &[],
        "ResponseID",
        "Qualtrics export (legacy: 2 header rows",
    ),
    (
        "surveymonkey.csv",
        &[],
        "Respondent ID",
        "SurveyMonkey export (2 header rows",
    ),
    ("redcap-raw.csv", &[], "record_id", "REDCap export (raw"),
    (
        "redcap-labels.csv",
        &[],
        "Record ID",
        "REDCap export (labels",
    ),
    (
        "limesurvey-full.csv",
        &[],
        "Response ID",
        "LimeSurvey export (full (or abbreviated) headings",
    ),
    ("google-forms.csv", &[], "row", "Google Forms export"),
    (
        "tencent.csv",
        &[],
        "编号",
        "腾讯问卷 (Tencent Survey) export",
    ),
    ("wjx-text.csv", &[], "序号", "问卷星 (wjx) export"),
    // 按选项序号 numbers options 1..4: the user says so
    (
        "wjx-numbers.csv",
        &["--one-based"],
        "序号",
        "问卷星 (wjx) export",
    ),
];

fn example(name: &str) -> std::path::PathBuf {
    root().join("examples/exports").join(name)
}

/// (id column name, [(total, band, level)]) of a `score --format csv` run.
fn scores(stdout: &str) -> (String, Vec<(String, String, String)>) {
    let mut r = csv::Reader::from_reader(stdout.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (t, b, l) = (col("phq9_total"), col("phq9_band"), col("risk_level"));
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[t].to_string(), rec[b].to_string(), rec[l].to_string())
        })
        .collect();
    (h[0].to_string(), rows)
}

#[test]
fn every_export_scores_the_same_without_a_map() {
    // the shipped expected-scores file says the same as the hand count
    let expected = std::fs::read_to_string(example("expected.csv")).unwrap();
    let (_, from_file) = {
        let mut r = csv::Reader::from_reader(expected.as_bytes());
        let rows: Vec<_> = r
            .records()
            .map(|x| {
                let x = x.unwrap();
                (x[1].to_string(), x[2].to_string(), x[3].to_string())
            })
            .collect();
        ((), rows)
    };
    let want: Vec<(String, String, String)> = EXPECTED
        .iter()
        .map(|(t, b, l)| (t.to_string(), b.to_string(), l.to_string()))
        .collect();
    assert_eq!(from_file, want);
    for (file, flags, id, _) in EXPORTS {
        let (out, err, code) = run(bin()
            .args(["score", "-i", "phq9", "--format", "csv"])
            .arg(example(file))
            .args(flags));
        assert_eq!(code, 0, "{file}: {err}");
        assert!(!err.contains("warning"), "{file}: {err}");
        let (id_col, got) = scores(&out);
        assert_eq!(id_col, id, "{file}");
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn check_says_what_was_detected() {
    for (file, flags, id, detected) in EXPORTS {
        let (out, err, code) = run(bin()
            .args(["score", "-i", "phq9", "--check"])
            .arg(example(file))
            .args(flags));
        assert_eq!(code, 0, "{file}: {out}{err}");
        assert!(
            err.starts_with(&format!("note: detected: {detected}")),
            "{file}: {err}"
        );
        if id != "row" {
            assert!(
                err.contains(&format!("\nnote: id column: {id}\n")),
                "{file}: {err}"
            );
        }
        assert!(
            out.ends_with("9 of 9 item(s) found, 0 missing\n"),
            "{file}: {out}"
        );
    }
    // Qualtrics: row 1 names the column, row 2's statement found the item
    let (out, _, _) = run(bin()
        .args(["score", "-i", "phq9", "--check"])
        .arg(example("qualtrics-choice-text.csv")));
    assert!(
        out.contains("  phq9_9       ← column 26 \"Q1_9\" (by item text (en))\n"),
        "{out}"
    );
    // a plain table says so, and how to force a platform
    let (_, err, code) = run(bin()
        .args(["score", "-i", "gad7", "--check"])
        .arg(root().join("examples/class-survey.csv")));
    assert_eq!(code, 0);
    assert_eq!(
        err,
        "note: detected: plain table (no survey platform's layout; --from PLATFORM to force one)\n"
    );
}

#[test]
fn from_forces_a_platform_or_says_why_not() {
    // forced where it fits: the same scores
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv", "--from", "wjx"])
        .arg(example("wjx-text.csv")));
    assert_eq!(code, 0, "{err}");
    assert_eq!(scores(&out).1.len(), 4);
    // forced where it does not: a usage error naming what was expected
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--from", "qualtrics"])
        .arg(example("redcap-raw.csv")));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.contains("redcap-raw.csv: it does not look like a Qualtrics export: expected row 3 of {\"ImportId\":…} cells"),
        "{err}"
    );
    // plain: detection off, so Qualtrics' row 2 and 3 would be answers
    // and its Q1_1 names are no items: nothing is scored, nothing guessed
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--from", "plain"])
        .arg(example("qualtrics-choice-text.csv")));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("no item columns found"), "{err}");
}

/// DESIGN.md's names: `--from auto` is the default (detect), `google` is
/// Google Forms; both give what the default and `google-forms` give.
#[test]
fn from_auto_and_google_are_the_designs_names() {
    let score = |file: &str, from: Option<&str>| {
        let mut cmd = bin();
        cmd.args(["score", "-i", "phq9", "--format", "csv"]);
        if let Some(f) = from {
            cmd.args(["--from", f]);
        }
        let (out, err, code) = run(cmd.arg(example(file)));
        assert_eq!(code, 0, "{file} {from:?}: {err}");
        out
    };
    for file in [
        "qualtrics-choice-text.csv",
        "google-forms.csv",
        "wjx-text.csv",
    ] {
        assert_eq!(score(file, Some("auto")), score(file, None), "{file}");
    }
    let google = score("google-forms.csv", Some("google"));
    assert_eq!(google, score("google-forms.csv", Some("google-forms")));
    assert_eq!(scores(&google).1.len(), 4);
}

#[test]
fn duration_stays_reachable_with_keep() {
    let (out, err, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq9",
            "--format",
            "csv",
            "--keep",
            "Duration (in seconds)",
        ])
        .arg(example("qualtrics-choice-text.csv")));
    assert_eq!(code, 0, "{err}");
    let durations: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(durations, ["95", "140", "210", "61"]);
    assert!(
        out.starts_with("ResponseId,Duration (in seconds),phq9_total"),
        "{out}"
    );
}

#[test]
fn codes_recoded_one_to_four_are_refused_with_the_evidence() {
    let file = data("platforms/qualtrics-recoded-1-4.csv");
    let (out, err, code) = run(bin().args(["score", "-i", "phq9"]).arg(&file));
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
    assert!(err.contains(
        "the export's codes do not match the instruments (from the first rows):\n  \
         PHQ-9: the export's numbers run 1–4, one above PHQ-9's codes (0 = Not at all, \
         1 = Several days, 2 = More than half the days, 3 = Nearly every day): \
         1 ×15 (first in row 4), 2 ×6 (first in row 5), 3 ×12 (first in row 6), 4 ×3 (first in row 7). \
         Qualtrics exports each choice's recode value, 1..k unless the survey's \"Recode values\" set others."
    ), "{err}");
    // told that 1 is the first option: the same scores as every example
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv", "--one-based"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        scores(&out).1[3],
        ("20".into(), "severe".into(), "urgent".into())
    );
    // --check says it, and exits 2 (as for a missing item column)
    let (out, err, code) = run(bin().args(["score", "-i", "phq9", "--check"]).arg(&file));
    assert_eq!(code, 2);
    assert!(
        err.contains("\nwarning: code book: PHQ-9: the export's numbers run 1–4"),
        "{err}"
    );
    assert!(out.ends_with("9 of 9 item(s) found, 0 missing\n"), "{out}");
}

#[test]
fn reversed_codes_are_refused_not_scored_backwards() {
    // "Not at all" exported as 4: the person with all 0 would score 27
    let file = data("platforms/qualtrics-reversed.csv");
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv"])
        .arg(&file));
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
    assert!(err.contains("if the codes run the other way (the first option exported as 4), fix the recode in the platform"), "{err}");
    // summary refuses them too
    let (_, err, code) = run(bin()
        .args(["summary", "-i", "phq9", "--by", "UserLanguage"])
        .arg(&file));
    assert_eq!(code, 2);
    assert!(err.contains("PHQ-9: the export's numbers run 1–4"), "{err}");
}

#[test]
fn numbers_with_no_zero_are_asked_about_and_can_be_taken_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    // a wjx download whose numbers could be 按选项序号 or scores
    let f = write(
        dir.path(),
        "wjx.csv",
        "序号,提交答卷时间,所用时间,第1题(做事时提不起劲或没有兴趣),第1题(感到心情低落、沮丧或绝望)\n\
         1,2026/3/16 8:12:00,95秒,1,2\n2,2026/3/16 8:13:00,80秒,3,1\n",
    );
    let (_, err, code) = run(bin().args(["score", "-i", "phq2"]).arg(&f));
    assert_eq!(code, 2);
    assert!(err.contains("PHQ-2: no 0 among the export's numbers (1 ×2 (first in row 2), 2 ×1 (first in row 2), 3 ×1 (first in row 3)), and wjx's 按选项序号 download numbers options from 1."), "{err}");
    // the user says they are PHQ-2's own codes: 1+2 = 3, 3+1 = 4
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq2", "--format", "csv", "--codes-as-is"])
        .arg(&f));
    assert_eq!(code, 0, "{err}");
    let totals: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(totals, ["3", "4"]);
}

#[test]
fn a_column_whose_texts_name_two_items_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "q.csv",
        "ResponseId,Q - Poor appetite or overeating\n\
         Response ID,Q - Feeling tired or having little energy\n\
         \"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1_1\"\"}\"\n\
         R_1,Not at all\n",
    );
    let (out, err, code) = run(bin().args(["score", "-i", "phq9"]).arg(&f));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.contains("column 2 (\"Q - Poor appetite or overeating\") of "),
        "{err}"
    );
    assert!(err.contains("matches several items by its text: phq9_5, phq9_4; which one is meant cannot be told: map it with --map"), "{err}");
}

#[test]
fn qualtrics_duration_feeds_the_careless_flags() {
    // the fourth person took 10 s for 9 items: under 2 s an item is too fast
    let text = std::fs::read_to_string(example("qualtrics-choice-text.csv"))
        .unwrap()
        .replace(",100,61,1,", ",100,10,1,");
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "q.csv", &text);
    let (out, err, code) = run(bin()
        .args(["summary", "-i", "phq9", "--by", "UserLanguage", "--flags"])
        .arg(&f));
    assert_eq!(code, 0, "{err}");
    // numbered as a spreadsheet shows it: answers start on row 4
    assert!(
        out.starts_with("row,ResponseId,UserLanguage,longstring,seconds,flags\n"),
        "{out}"
    );
    assert!(out.contains("\n7,R_3example04,EN,,10,"), "{out}");
}

#[test]
fn a_utf16_tsv_export_reads_the_same() {
    let text = std::fs::read_to_string(example("qualtrics-recode-values.tsv")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("q.tsv");
    std::fs::write(&f, bytes).unwrap();
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv"])
        .arg(&f));
    assert_eq!(code, 0, "{err}");
    let want: Vec<(String, String, String)> = EXPECTED
        .iter()
        .map(|(t, b, l)| (t.to_string(), b.to_string(), l.to_string()))
        .collect();
    assert_eq!(scores(&out).1, want);
}

#[test]
fn check_gives_the_platforms_hint_when_items_are_missing() {
    let (_, err, code) = run(bin()
        .args(["score", "-i", "phq9,gad2", "--check"])
        .arg(example("redcap-raw.csv")));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "note: detected: REDCap export (raw: variable names and coded answers)\n\
         note: a raw export is matched by variable names (phq9_1 …): other names need --map, or an export with labels\n\
         note: id column: record_id\n"
    );
}

#[test]
fn the_code_book_message_follows_lang_zh() {
    let (_, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--lang", "zh"])
        .arg(data("platforms/qualtrics-recoded-1-4.csv")));
    assert_eq!(code, 2);
    assert!(err.contains("导出的编码与量表不符（据前面的若干行）：\n  PHQ-9：导出的数字为 1–4，比 PHQ-9 的计分（0 = 完全不会，1 = 好几天，2 = 一半以上的天数，3 = 几乎每天）高一"), "{err}");
    let (_, err, _) = run(bin()
        .args(["score", "-i", "phq9", "--check", "--lang", "zh"])
        .arg(example("wjx-text.csv")));
    assert!(
        err.starts_with(
            "注意：识别为：问卷星 (wjx) 导出（题目文字作表头（按选项序号或按选项文本））\n"
        ),
        "{err}"
    );
}

#[test]
fn a_labels_export_shows_what_the_codes_mean() {
    let labels = example("qualtrics-choice-text.csv");
    // "Not at all" exported as 4: the labels export shows it, with the evidence
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--labels-export"])
        .arg(&labels)
        .arg(data("platforms/qualtrics-reversed.csv")));
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
    assert!(err.contains(
        "PHQ-9: the labels export shows what the export's codes stand for, and they are not PHQ-9's codes \
         (0 = Not at all, 1 = Several days, 2 = More than half the days, 3 = Nearly every day): \
         1 = \"Nearly every day\" (3) ×3, 2 = \"More than half the days\" (2) ×12, \
         3 = \"Several days\" (1) ×6, 4 = \"Not at all\" (0) ×15. Nothing was scored. \
         Score the labels export instead, or fix the codes in the platform."
    ), "{err}");
    // codes 1–4 in option order: --one-based is the fix the labels prove
    let recoded = data("platforms/qualtrics-recoded-1-4.csv");
    let (_, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--labels-export"])
        .arg(&labels)
        .arg(&recoded));
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "Every code is its option's position (1 = the first option): give --one-based"
        ),
        "{err}"
    );
    let (out, err, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq9",
            "--format",
            "csv",
            "--one-based",
            "--labels-export",
        ])
        .arg(&labels)
        .arg(&recoded));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        scores(&out).1[2],
        ("14".into(), "moderate".into(), "monitor".into())
    );
}

#[test]
fn a_labels_export_answers_the_no_zero_question() {
    // wjx: 按选项序号 and 按选项文本 of the same two people, nobody chose
    // the first option, so the numbers alone cannot tell 1..4 from 0..3
    let dir = tempfile::tempdir().unwrap();
    let head = "序号,提交答卷时间,所用时间,第1题(做事时提不起劲或没有兴趣),第1题(感到心情低落、沮丧或绝望)\n";
    let numbers = write(
        dir.path(),
        "numbers.csv",
        &format!("{head}1,2026/3/16 8:12:00,95秒,2,3\n2,2026/3/16 8:13:00,80秒,4,2\n"),
    );
    let texts = write(
        dir.path(),
        "texts.csv",
        &format!("{head}1,2026/3/16 8:12:00,95秒,好几天,一半以上的天数\n2,2026/3/16 8:13:00,80秒,几乎每天,好几天\n"),
    );
    let (_, err, code) = run(bin().args(["score", "-i", "phq2"]).arg(&numbers));
    assert_eq!(code, 2, "{err}");
    // with the texts: positions, proven; --one-based scores 1+2 = 3, 3+1 = 4
    let (out, err, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq2",
            "--format",
            "csv",
            "--one-based",
            "--labels-export",
        ])
        .arg(&texts)
        .arg(&numbers));
    assert_eq!(code, 0, "{err}");
    let totals: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(totals, ["3", "4"]);
    // a labels export of other responses is refused, not paired
    let other = write(
        dir.path(),
        "other.csv",
        &format!("{head}1,2026/3/16 8:12:00,95秒,好几天,好几天\n"),
    );
    let (_, err, code) = run(bin()
        .args(["score", "-i", "phq2", "--one-based", "--labels-export"])
        .arg(&other)
        .arg(&numbers));
    assert_eq!(code, 2);
    assert!(
        err.contains("has 2 answer row(s) but the labels export"),
        "{err}"
    );
}

#[test]
fn a_qualtrics_workbook_reads_as_its_csv() {
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv"])
        .arg(data("platforms/qualtrics.xlsx")));
    assert_eq!(code, 0, "{err}");
    let (id, got) = scores(&out);
    assert_eq!(id, "ResponseId");
    assert_eq!(got.len(), 4);
    assert_eq!(got[3], ("20".into(), "severe".into(), "urgent".into()));
}

#[test]
fn cells_are_located_as_the_spreadsheet_shows_them() {
    // the header rows 2 and 3 count: the first answer row is row 4
    let text = std::fs::read_to_string(example("qualtrics-choice-text.csv"))
        .unwrap()
        .replacen("anonymous,EN,Not at all", "anonymous,EN,sometimes", 1);
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "q.csv", &text);
    let (_, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv"])
        .arg(&f));
    assert_eq!(code, 1);
    assert!(
        err.starts_with("row 4, column Q1_1: 'sometimes' is not a valid answer for phq9_1"),
        "{err}"
    );
}

#[test]
fn limesurvey_short_answers_are_named_and_a_map_answers_them() {
    // the same export with short answers: the options' codes A1–A4
    let text = std::fs::read_to_string(example("limesurvey-full.csv")).unwrap();
    let mut lines = text.lines();
    let mut short = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let (meta, answers) = cells.split_at(5);
        let coded: Vec<String> = answers
            .iter()
            .map(|a| {
                match *a {
                    "Not at all" => "A1",
                    "Several days" => "A2",
                    "More than half the days" => "A3",
                    _ => "A4",
                }
                .to_string()
            })
            .collect();
        short.push_str(&format!("{},{}\n", meta.join(","), coded.join(",")));
    }
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "short.csv", &short);
    let (_, err, code) = run(bin().args(["score", "-i", "phq9"]).arg(&f));
    assert_eq!(code, 2);
    assert!(err.contains("PHQ-9: the export has LimeSurvey answer codes (A1 ×15 (first in row 2), A2 ×6 (first in row 3), A3 ×12 (first in row 4), A4 ×3 (first in row 5)), not PHQ-9's codes"), "{err}");
    // the codes mapped: the same scores as every example
    let map = write(
        dir.path(),
        "map.yaml",
        "values:\n  A1: 0\n  A2: 1\n  A3: 2\n  A4: 3\n",
    );
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv", "--map"])
        .arg(&map)
        .arg(&f));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        scores(&out).1[3],
        ("20".into(), "severe".into(), "urgent".into())
    );
}

#[test]
fn a_near_miss_text_is_pointed_at_never_taken() {
    // "low" for "down": not the item's text, so not the item's column
    let text = std::fs::read_to_string(example("google-forms.csv"))
        .unwrap()
        .replace(
            "[Feeling down, depressed, or hopeless]",
            "[Feeling low, depressed, or hopeless]",
        );
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "g.csv", &text);
    let (out, _, code) = run(bin().args(["score", "-i", "phq9", "--check"]).arg(&f));
    assert_eq!(code, 2);
    assert!(out.contains(
        "  phq9_2       MISSING (phq9: no column with this id or text)\n               nearly: column 3 \"Over the last 2 weeks, how often have you been bothered by any of the following problems? [Feeling low, depressed, or hopeless]\" (not taken: its text differs; if it is this item, map it with --map)\n"
    ), "{out}");
    // scored: the item counts as missing in every row, and that is said
    let (_, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv"])
        .arg(&f));
    assert_eq!(code, 1);
    assert!(
        err.starts_with("warning: no column for phq9_2 (1 of the 9 items of phq9)"),
        "{err}"
    );
}

// ---- review of issue 16: detection never drops or mis-scores a row ----

const PHQ9_HEADER: &str = "phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9";

#[test]
fn a_plain_table_with_surveymonkey_columns_loses_no_row() {
    // a table someone built keeping SurveyMonkey's id columns, whose first
    // person has no Respondent ID: row 2 is an answer row, not a header
    // row. Totals by hand: all 3s = 9 × 3 = 27; all 0s = 0; all 1s = 9.
    let dir = tempfile::tempdir().unwrap();
    for (name, second) in [
        // the collector is filled in, as in every answer row
        ("collector.csv", ",431,3,3,3,3,3,3,3,3,3"),
        // no collector either, but answers are numbers, never statements
        ("numbers.csv", ",,3,3,3,3,3,3,3,3,3"),
    ] {
        let file = write(
            dir.path(),
            name,
            &format!(
                "Respondent ID,Collector ID,{PHQ9_HEADER}\n{second}\n115,431,0,0,0,0,0,0,0,0,0\n116,431,1,1,1,1,1,1,1,1,1\n"
            ),
        );
        let (out, err, code) = run(bin()
            .args(["score", "-i", "phq9", "--format", "csv"])
            .arg(&file));
        assert_eq!(code, 0, "{name}: {err}");
        let totals: Vec<String> = scores(&out).1.into_iter().map(|(t, _, _)| t).collect();
        assert_eq!(totals, ["27", "0", "9"], "{name}: {out}");
        assert!(!err.contains("header rows"), "{name}: {err}");
    }
}

#[test]
fn header_rows_skipped_are_said_on_stderr() {
    let cases = [
        (
            "qualtrics-choice-text.csv",
            "rows 2–3 are header rows of a Qualtrics export, not answers (answers from row 4)",
        ),
        (
            "surveymonkey.csv",
            "row 2 is a header row of a SurveyMonkey export, not answers (answers from row 3)",
        ),
        (
            "qualtrics-legacy.csv",
            "row 2 is a header row of a Qualtrics export, not answers (answers from row 3)",
        ),
    ];
    for (file, said) in cases {
        let path = example(file);
        let want = format!(
            "note: {}: {said}; `--from plain` reads every row after row 1 as answers\n",
            path.display()
        );
        for cmd in [
            &["score", "-i", "phq9", "--format", "csv"][..],
            &[
                "summary",
                "-i",
                "phq9",
                "--by",
                "phq9_1",
                "--min-group",
                "1",
            ][..],
        ] {
            let (_, err, code) = run(bin().args(cmd).arg(&path));
            assert!(code == 0 || cmd[0] == "summary", "{file}: {err}");
            assert!(err.contains(&want), "{file} {cmd:?}: {err}");
        }
        // --check says it too, after what was detected
        let (_, err, _) = run(bin().args(["score", "-i", "phq9", "--check"]).arg(&path));
        assert!(err.contains(&want), "{file} --check: {err}");
    }
    // a platform with no extra header row says nothing of the kind
    let (_, err, _) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv"])
        .arg(example("redcap-raw.csv")));
    assert!(!err.contains("header rows"), "{err}");
    // in Chinese
    let path = example("qualtrics-choice-text.csv");
    let (_, err, _) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv", "--lang", "zh"])
        .arg(&path));
    assert!(
        err.contains(&format!(
            "{}：第 2–3 行是 Qualtrics 导出的表头行，不是作答（作答从第 4 行起）；`--from plain` 会把第 1 行之后的每一行都当作作答",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn change_refuses_option_numbers_as_score_does() {
    // wjx 按选项序号 numbers options 1–4: read as codes, person 1 (all
    // "Not at all" = 0) would total 9 and every person would "deteriorate"
    let (out, err, code) = run(bin()
        .args([
            "change",
            "-i",
            "phq9",
            "--id-column",
            "序号",
            "--waves",
            "a,b",
        ])
        .arg(example("wjx-text.csv"))
        .arg(example("wjx-numbers.csv")));
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
    assert!(
        err.contains("wjx-numbers.csv: the export's codes do not match the instruments"),
        "{err}"
    );
    // told that 1 is the first option: the same totals both waves (0, 5, 14, 20)
    let (out, err, code) = run(bin()
        .args([
            "change",
            "-i",
            "phq9",
            "--id-column",
            "序号",
            "--waves",
            "a,b",
        ])
        .args(["--one-based", "--format", "csv"])
        .arg(example("wjx-text.csv"))
        .arg(example("wjx-numbers.csv")));
    assert_eq!(code, 0, "{err}");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (a, b) = (col("phq9_total_a"), col("phq9_total_b"));
    let pairs: Vec<(String, String)> = r
        .records()
        .map(|x| {
            let x = x.unwrap();
            (x[a].to_string(), x[b].to_string())
        })
        .collect();
    let want: Vec<(String, String)> = ["0", "5", "14", "20"]
        .iter()
        .map(|t| (t.to_string(), t.to_string()))
        .collect();
    assert_eq!(pairs, want);
    // one labels download cannot stand for several waves: refused, not ignored
    let (_, err, code) = run(bin()
        .args([
            "change",
            "-i",
            "phq9",
            "--id-column",
            "序号",
            "--waves",
            "a,b",
        ])
        .args(["--labels-export"])
        .arg(example("wjx-text.csv"))
        .arg(example("wjx-text.csv"))
        .arg(example("wjx-numbers.csv")));
    assert_eq!(code, 2);
    assert!(err.contains("--labels-export pairs one export"), "{err}");
}

#[test]
fn change_links_by_the_platforms_response_id() {
    // score takes Qualtrics' ResponseId as the id; change does the same
    let (out, err, code) = run(bin()
        .args(["change", "-i", "phq9", "--format", "csv"])
        .arg(example("qualtrics-choice-text.csv"))
        .arg(example("qualtrics-recode-values.tsv")));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ResponseId,status,"), "{out}");
    assert!(err.contains("linked 4 of 4 people"), "{err}");
}

#[test]
fn change_does_not_link_waves_by_a_running_number_of_responses() {
    // wjx's 序号 is 1, 2, 3 … in each survey: the fifth to answer in
    // wave 1 is not the fifth in wave 2, so change asks for a person's id
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("wave2.csv");
    std::fs::copy(example("wjx-text.csv"), &copy).unwrap();
    let (out, err, code) = run(bin()
        .args(["change", "-i", "phq9", "--format", "csv", "-q"])
        .arg(example("wjx-text.csv"))
        .arg(&copy));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.ends_with(&format!(
            "error: {}: its `序号` column numbers the responses of one survey (1, 2, 3 …), not people: linked by it, two waves would pair whoever answered in the same order; give --id-column COL, a column that names each person (such as a student number)\n",
            example("wjx-text.csv").display()
        )),
        "{err}"
    );
}

#[test]
fn from_naming_the_wrong_platform_is_said_in_chinese() {
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--from", "wjx", "--lang", "zh"])
        .arg(example("qualtrics-choice-text.csv")));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.contains("qualtrics-choice-text.csv: 看起来不是 问卷星 (wjx) 的导出：应当有 序号 与 提交答卷时间（或 所用时间）列"),
        "{err}"
    );
}

#[test]
fn a_run_stopped_before_any_row_still_says_the_header_row() {
    // a table with SurveyMonkey's id columns, labels as answers, and no id
    // for its first person: row 2 looks like SurveyMonkey's statements row.
    // The run stops (no item found) and says why; --from plain scores it.
    let dir = tempfile::tempdir().unwrap();
    let row = |answer: &str| [answer; 9].join(",");
    let file = write(
        dir.path(),
        "labels.csv",
        &format!(
            "Respondent ID,Collector ID,{PHQ9_HEADER}\n,,{}\n115,431,{}\n",
            row("Nearly every day"),
            row("Not at all")
        ),
    );
    let (out, err, code) = run(bin().args(["score", "-i", "phq9"]).arg(&file));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.starts_with(&format!(
            "note: {}: row 2 is a header row of a SurveyMonkey export, not answers (answers from row 3); `--from plain` reads every row after row 1 as answers\nerror: no item columns found",
            file.display()
        )),
        "{err}"
    );
    // Nearly every day = 3 on 9 items: 27; Not at all = 0
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "csv", "--from", "plain"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    let totals: Vec<String> = scores(&out).1.into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(totals, ["27", "0"]);
}

#[test]
fn every_export_summarises_reports_and_links_across_waves() {
    // (file, a column to group by, flags, the id for `change` when the
    // export has no response id); the four people's PHQ-9 totals 0, 5,
    // 14, 20: mean (0 + 5 + 14 + 20) / 4 = 9.75
    let cases: [(&str, &str, &[&str], &[&str]); 11] = [
        ("qualtrics-choice-text.csv", "Status", &[], &[]),
        ("qualtrics-recode-values.tsv", "Status", &[], &[]),
        ("qualtrics-legacy.csv", "ResponseSet", &[], &[]),
        ("surveymonkey.csv", "Collector ID", &[], &[]),
        ("redcap-raw.csv", "phq9_complete", &[], &[]),
        ("redcap-labels.csv", "Complete?", &[], &[]),
        // a running number of responses links no one by default
        (
            "limesurvey-full.csv",
            "Start language",
            &[],
            &["--id-column", "Response ID"],
        ),
        (
            "google-forms.csv",
            "Timestamp",
            &[],
            &["--id-column", "Timestamp"],
        ),
        ("tencent.csv", "用户类型", &[], &["--id-column", "编号"]),
        ("wjx-text.csv", "来源", &[], &["--id-column", "序号"]),
        (
            "wjx-numbers.csv",
            "来源",
            &["--one-based"],
            &["--id-column", "序号"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (file, by, flags, id) in cases {
        let (out, err, code) = run(bin()
            .args([
                "summary",
                "-i",
                "phq9",
                "--by",
                by,
                "--min-group",
                "1",
                "--format",
                "csv",
            ])
            .arg(example(file))
            .args(flags));
        assert_eq!(code, 0, "{file}: {err}");
        let all = out
            .lines()
            .find(|l| l.starts_with("all,"))
            .unwrap_or_default();
        assert!(all.starts_with("all,,4,false,0,9.75,"), "{file}: {out}");
        let html = dir.path().join(format!("{file}.html"));
        let (_, err, code) = run(bin()
            .args(["report", "-i", "phq9", "--by", by, "--min-group", "1", "-o"])
            .arg(&html)
            .arg(example(file))
            .args(flags));
        assert_eq!(code, 0, "{file}: {err}");
        assert!(html.exists(), "{file}");
        // the same export as two waves (a copy: the same file twice is
        // refused): everyone linked, no change
        let copy = dir.path().join(format!("copy-{file}"));
        std::fs::copy(example(file), &copy).unwrap();
        let (out, err, code) = run(bin()
            .args(["change", "-i", "phq9", "--waves", "a,b", "--format", "csv"])
            .args(id)
            .arg(example(file))
            .arg(&copy)
            .args(flags));
        assert_eq!(code, 0, "{file}: {err}");
        assert!(
            err.contains("linked 4 of 4 people across 2 waves"),
            "{file}: {err}"
        );
        assert_eq!(out.lines().count(), 5, "{file}: {out}");
    }
}
