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

/// dup.csv: S1 in rows 2 (monitor), 4 (" S1 ", spaces are typing noise)
/// and 8; two rows with an empty id (no one's, so not duplicates).
fn ids(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or_default())
        .collect()
}

#[test]
fn duplicate_submissions_are_reported_and_chosen() {
    let score = |mode: &str| {
        in_data(
            "score",
            &[
                "dup.csv",
                "-i",
                "gad2",
                "-q",
                "--format",
                "csv",
                "--duplicates",
                mode,
            ],
        )
    };

    let (stdout, stderr, code) =
        in_data("score", &["dup.csv", "-i", "gad2", "-q", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(
        ids(&stdout),
        ["S1", "S2", " S1 ", "", "", "S3", "S1"],
        "keep is the default"
    );
    assert_eq!(
        stderr,
        "warning: row 4: id \"S1\" was submitted before, in row 2: both rows kept (--duplicates first|last|error decides)\n\
         warning: row 8: id \"S1\" was submitted before, in row 2: both rows kept (--duplicates first|last|error decides)\n\
         warning: 2 row(s) repeat the id of an earlier row (submitted twice?): all kept\n"
    );

    let (stdout, stderr, code) = score("first");
    assert_eq!(code, 0);
    assert_eq!(ids(&stdout), ["S1", "S2", "", "", "S3"]);
    assert_eq!(
        stderr,
        "warning: row 4: id \"S1\" was submitted before, in row 2: row 4 set aside (--duplicates first)\n\
         warning: row 8: id \"S1\" was submitted before, in row 2: row 8 set aside (--duplicates first)\n\
         warning: 2 row(s) repeat the id of an earlier row (submitted twice?): 2 set aside\n"
    );

    let (stdout, stderr, code) = score("last");
    assert_eq!(code, 0);
    assert_eq!(ids(&stdout), ["S2", "", "", "S3", "S1"]);
    assert_eq!(
        stderr,
        "warning: row 2: id \"S1\" is submitted again, in row 8: row 2 set aside, the last submission kept\n\
         warning: row 4: id \"S1\" is submitted again, in row 8: row 4 set aside, the last submission kept\n\
         warning: row 8: id \"S1\" is kept at `none`, but an earlier submission set aside, row 2, was at `monitor`: check with the person\n\
         warning: 2 row(s) repeat the id of an earlier row (submitted twice?): 2 set aside, each id's last row kept\n"
    );

    let (stdout, stderr, code) = score("error");
    assert_eq!((stdout.as_str(), code), ("", 2), "nothing written");
    assert_eq!(
        stderr,
        "error: 1 id(s) submitted more than once (--duplicates error); nothing written:\n  id \"S1\": rows 2 … 8 (3 rows)\nchoose one row per id with --duplicates first|last, or keep all with --duplicates keep\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let (_, _, code) = in_data(
        "score",
        &[
            "dup.csv",
            "-i",
            "gad2",
            "--duplicates",
            "error",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(!out.exists(), "no file that looks like a result");
}

#[test]
fn duplicates_on_stdin_are_read_once() {
    let stdin = std::fs::read(data("columns/dup.csv")).unwrap();
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--duplicates", "last"])
        .write_stdin(stdin.clone()));
    assert_eq!((stdout.as_str(), code), ("", 2));
    assert!(stderr.starts_with("error: --duplicates last must know each id's last row before writing the first: stdin cannot be read twice"), "{stderr}");

    let (stdout, stderr, code) = run(bin()
        .args([
            "score",
            "-",
            "-i",
            "gad2",
            "-q",
            "--format",
            "csv",
            "--duplicates",
            "error",
        ])
        .write_stdin(stdin.clone()));
    assert_eq!(code, 2);
    assert_eq!(
        ids(&stdout),
        ["S1", "S2"],
        "the rows before the repeat were written"
    );
    assert!(
        stderr.starts_with(
            "error: row 4: id \"S1\" was submitted before, in row 2 (--duplicates error)"
        ),
        "{stderr}"
    );

    // summary counts every row of stdin, and says so
    let (stdout, stderr, code) = run(bin()
        .args([
            "summary",
            "-",
            "-i",
            "gad2",
            "--by",
            "class",
            "--min-group",
            "1",
            "--format",
            "csv",
            "-q",
        ])
        .write_stdin(stdin));
    assert_eq!(code, 0);
    assert!(stdout.contains("\ngroup,A,4,"), "{stdout}");
    assert!(
        stderr.contains(
            "both rows kept (stdin is read once: give the file to count each person once)"
        ),
        "{stderr}"
    );
}

#[test]
fn summary_and_report_count_each_person_once() {
    let (stdout, stderr, code) = in_data(
        "summary",
        &[
            "dup.csv",
            "-i",
            "gad2",
            "--by",
            "class",
            "--min-group",
            "1",
            "--format",
            "csv",
            "-q",
        ],
    );
    assert_eq!(code, 0);
    // A: S1 (its last row, row 8) and S2; B: two rows without an id, S3
    assert!(stdout.contains("\ngroup,A,2,"), "{stdout}");
    assert!(stdout.contains("\ngroup,B,3,"), "{stdout}");
    assert!(stdout.contains("\nall,,5,"), "{stdout}");
    assert!(
        stderr.ends_with("warning: 2 row(s) repeat the id of an earlier row (submitted twice?): 2 set aside, each id's last row kept\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "earlier submission set aside, row 2, was at `monitor`: check with the person"
        ),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let (_, stderr, code) = in_data(
        "report",
        &[
            "dup.csv",
            "-i",
            "gad2",
            "--by",
            "class",
            "--min-group",
            "1",
            "-q",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(
        stderr.contains("2 set aside, each id's last row kept"),
        "{stderr}"
    );
}

#[test]
fn pseudonymized_ids_are_compared_before_hashing_and_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let (stdout, stderr, code) = run(bin()
        .current_dir(data("columns"))
        .args([
            "score",
            "dup.csv",
            "-i",
            "gad2",
            "-q",
            "--format",
            "csv",
            "--duplicates",
            "first",
            "--pseudonymize",
        ])
        .arg(&key));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.lines().count(),
        6,
        "S1 once, S2, two empty ids, S3\n{stdout}"
    );
    assert!(
        stderr.contains("row 4: the same id was submitted before, in row 2: row 4 set aside"),
        "{stderr}"
    );
    assert!(!stderr.contains("S1"), "no raw id on stderr\n{stderr}");
}

#[test]
fn a_higher_level_set_aside_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "twice.csv",
        "id,gad2_1,gad2_2\nS1,0,0\nS1,3,3\n",
    );
    let (stdout, stderr, code) = run(bin().arg("score").arg(&f).args([
        "-i",
        "gad2",
        "-q",
        "--format",
        "csv",
        "--duplicates",
        "first",
    ]));
    assert_eq!((ids(&stdout), code), (vec!["S1"], 0));
    assert!(
        stderr.starts_with("warning: row 3: id \"S1\" was submitted before, in row 2: row 3 set aside (--duplicates first); its level `monitor` is above the kept row's `none`: check with the person\n"),
        "{stderr}"
    );
}

#[test]
fn a_row_set_aside_still_reaches_fail_on() {
    let (stdout, _, code) = in_data(
        "score",
        &[
            "dup.csv",
            "-i",
            "gad2",
            "-q",
            "--format",
            "csv",
            "--duplicates",
            "last",
            "--fail-on",
            "monitor",
        ],
    );
    assert_eq!(code, 3, "row 2 (monitor) was set aside, not unread");
    assert!(!stdout.contains("monitor"), "{stdout}");
    let (_, stderr, code) = in_data("score", &["wjx.csv", "-i", "gad2", "--duplicates", "first"]);
    assert_eq!(
        (stderr.as_str(), code),
        ("error: --duplicates first needs an id column: give --id-column (the input has no `id` column)\n", 2)
    );
}

/// Second red-team pass, finding 4: two ids whose bytes do not decode read
/// the same (`A�1`); `--duplicates last` set the urgent one aside. An id that
/// did not decode is never compared.
#[test]
fn ids_that_do_not_decode_are_never_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad-ids.csv");
    std::fs::write(
        &f,
        b"id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n\
          A\xfe1,0,0,0,0,0,0,0,0,3\nA\xff1,0,0,0,0,0,0,0,0,0\n",
    )
    .unwrap();
    let (stdout, stderr, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq9",
            "--duplicates",
            "last",
            "--format",
            "csv",
        ])
        .arg(&f));
    assert_eq!(code, 1, "undecodable cells: {stderr}");
    assert_eq!(stdout.lines().count(), 3, "both rows kept: {stdout}");
    assert!(stdout.contains(",urgent,"), "{stdout}");
    assert!(!stderr.contains("set aside"), "{stderr}");
}
