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
