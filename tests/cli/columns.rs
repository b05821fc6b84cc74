//! Columns as exports write them (issue 13): `--id-column`, `--by` and
//! `--keep` find `1、姓名或学号` / `2、班级` as item columns are found;
//! duplicate submissions; `--map` files checked against the run.

use crate::{bin, data, run, write};

fn in_data(cmd: &str, args: &[&str]) -> (String, String, i32) {
    run(bin()
        .current_dir(data("columns"))
        .env("SOURCE_DATE_EPOCH", "1773619200")
        .arg(cmd)
        .args(args))
}

#[test]
fn flag_columns_ignore_a_leading_question_number() {
    let (stdout, stderr, code) = in_data(
        "score",
        &[
            "wjx.csv",
            "-i",
            "gad2",
            "--id-column",
            "姓名或学号",
            "--keep",
            "班级",
            "--format",
            "csv",
            "-q",
        ],
    );
    assert_eq!((stderr.as_str(), code), ("", 0));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "every respondent written\n{stdout}");
    assert!(
        lines[0].starts_with("1、姓名或学号,2、班级,gad2_total"),
        "{stdout}"
    );
    assert!(lines[1].starts_with("S1,一班,6,"), "{stdout}");

    let (stdout, stderr, code) = in_data(
        "summary",
        &[
            "wjx.csv",
            "-i",
            "gad2",
            "--by",
            "班级",
            "--id-column",
            "姓名或学号",
            "--min-group",
            "1",
            "--format",
            "csv",
            "-q",
        ],
    );
    assert_eq!((stderr.as_str(), code), ("", 0));
    assert!(stdout.starts_with("scope,2、班级,n,"), "{stdout}");
    assert!(stdout.contains("group,一班,2,"), "{stdout}");
    assert!(stdout.contains("group,二班,1,"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let (_, stderr, code) = in_data(
        "report",
        &[
            "wjx.csv",
            "-i",
            "gad2",
            "--by",
            "班级",
            "--min-group",
            "1",
            "-q",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!((stderr.as_str(), code), ("", 0));
    assert!(std::fs::read_to_string(&out).unwrap().contains("一班"));
}

#[test]
fn an_absent_or_ambiguous_column_names_the_candidates() {
    let (stdout, stderr, code) = in_data("summary", &["wjx.csv", "-i", "gad2", "--by", "班别"]);
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), code),
        (
            "",
            "error: --by `班别` is not a column of wjx.csv: did you mean column 3 (\"2、班级\")? it has 序号, 1、姓名或学号, 2、班级, 3、性别, gad2_1, gad2_2\n",
            2
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let two = write(
        dir.path(),
        "two.csv",
        "1、班级,2、班级,gad2_1,gad2_2\n一班,一班,0,0\n",
    );
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(&two)
        .args(["-i", "gad2", "--keep", "班级"]));
    assert_eq!(code, 2);
    assert!(
        stderr
            .ends_with(": column 1 (\"1、班级\"), column 2 (\"2、班级\"); give the whole header\n")
            && stderr.starts_with("error: --keep `班级` matches several columns of "),
        "{stderr}"
    );
    // the whole header still works
    let (_, stderr, code) =
        run(bin()
            .arg("score")
            .arg(&two)
            .args(["-i", "gad2", "--keep", "2、班级", "-q"]));
    assert_eq!((stderr.as_str(), code), ("", 0));
}

#[test]
fn a_map_file_is_checked_against_the_instruments_and_the_input() {
    let (stdout, stderr, code) =
        in_data("score", &["q.csv", "-i", "gad2", "--map", "bad-map.yaml"]);
    assert_eq!((stdout.as_str(), code), ("", 2));
    assert_eq!(
        stderr,
        r#"error: column "Q2 wory" (→ gad2_2) is not a column of q.csv (read as UTF-8)
  --> bad-map.yaml:3:14
  |
3 |   "Q2 wory": gad2_2
  |              ^ expected a header of the input: did you mean column 3 ("Q2 worry")?

error: column "Q3 relax" maps to `gad2_9`, which is no item of the instruments given
  --> bad-map.yaml:4:15
  |
4 |   "Q3 relax": gad2_9
  |               ^ expected an item id of gad2

error: label "Nearly daily" maps to 7, which is no answer of any item of the instruments given: a cell with it would be invalid
  --> bad-map.yaml:6:17
  |
6 |   Nearly daily: 7
  |                 ^ expected an answer value: 0–3 (gad2)
"#
    );
    // summary and report load the map the same way
    let (_, stderr2, code) = in_data(
        "summary",
        &["q.csv", "-i", "gad2", "--map", "bad-map.yaml", "--by", "id"],
    );
    assert_eq!(code, 2);
    assert!(stderr2.contains("bad-map.yaml:3:14"), "{stderr2}");

    let (stdout, stderr, code) = in_data(
        "score",
        &[
            "q.csv",
            "-i",
            "gad2",
            "--map",
            "good-map.yaml",
            "--format",
            "csv",
            "-q",
        ],
    );
    assert_eq!((stderr.as_str(), code), ("", 0));
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
}

#[test]
fn two_columns_for_one_item_under_a_map_name_the_map() {
    let (_, stderr, code) = in_data("score", &["q.csv", "-i", "gad2", "--map", "twice-map.yaml"]);
    assert_eq!(
        (stderr.as_str(), code),
        (
            "error: columns 2 (\"Q1 nervous\") and 3 (\"Q2 worry\") both feed item gad2_1: change the map (twice-map.yaml:2:17 maps column 2; twice-map.yaml:3:15 maps column 3)\n",
            2
        )
    );
    let (_, stderr, code) = in_data(
        "score",
        &["both.csv", "-i", "gad2", "--map", "values-map.yaml"],
    );
    assert_eq!(
        (stderr.as_str(), code),
        (
            "error: columns 2 (\"gad2_1\") and 3 (\"1、感觉紧张、焦虑或急切\") both feed item gad2_1: keep one of them in the input\n",
            2
        )
    );
    assert!(!stderr.contains("--map"));
}
