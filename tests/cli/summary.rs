//! `psyscreen summary` end to end: counts by group from raw answers and from
//! a scored file, suppression of small groups, located errors, `--quality`
//! against R psych, `--flags`.

use crate::{bin, data, root, run, write};

fn summary(args: &[&str]) -> (String, String, i32) {
    run(bin().current_dir(root()).arg("summary").args(args))
}

const CLASS_CSV: &str = "\
scope,class,n,suppressed,incomplete,phq9_mean,phq9_sd,phq9_minimal,phq9_mild,phq9_moderate,phq9_moderately_severe,phq9_severe,phq9_incomplete,gad7_mean,gad7_sd,gad7_minimal,gad7_mild,gad7_moderate,gad7_severe,gad7_incomplete,level_none,level_monitor,level_refer,level_urgent
group,7A,10,false,0,5.80,3.94,6,2,2,0,0,0,4.80,3.46,5,4,1,0,0,8,1,0,1
group,7B,10,false,0,5.40,4.12,4,5,0,1,0,0,4.80,3.74,7,1,2,0,0,8,1,1,0
group,8A,10,false,0,7.00,4.52,3,6,0,1,0,0,5.80,5.22,6,2,0,2,0,7,1,1,1
all,,30,false,0,6.07,4.11,13,13,2,2,0,0,5.13,4.09,18,7,3,2,0,23,3,2,2
";

#[test]
fn raw_answers_are_scored_and_counted_by_class() {
    let (stdout, stderr, code) = summary(&[
        "examples/class-survey.csv",
        "-i",
        "phq9,gad7",
        "--by",
        "class",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout, CLASS_CSV);
    assert_eq!(
        stderr,
        "row 28, column gad7_2: 'sometimes' is not a valid answer for gad7_2 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing
notice: 2 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)
notice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).
summarised 30 row(s) of examples/class-survey.csv (UTF-8) by class: 3 group(s) shown, 0 suppressed (fewer than 5 respondents); 1 problem(s) reported above
"
    );
    assert_eq!(code, 1, "one invalid cell, every row still counted");
}

#[test]
fn a_scored_file_gives_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let scored = dir.path().join("scored.csv");
    let (_, _, code) = run(bin()
        .current_dir(root())
        .args([
            "score",
            "examples/class-survey.csv",
            "-i",
            "phq9,gad7",
            "--keep",
            "class",
            "-q",
            "-o",
        ])
        .arg(&scored));
    assert_eq!(code, 1);
    let (stdout, stderr, code) = run(bin()
        .args(["summary", "--by", "class", "--format", "csv", "-q"])
        .arg(&scored));
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), code),
        (
            CLASS_CSV,
            "notice: 2 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)\nnotice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).\n",
            0
        )
    );
    // scored under another policy: its levels need that policy
    let tiers = dir.path().join("tiers.csv");
    run(bin()
        .current_dir(root())
        .args([
            "score",
            "examples/class-survey.csv",
            "-i",
            "phq9,gad7",
            "--keep",
            "class",
            "--policy",
            "policies/school-tiers.yaml",
            "-q",
            "-o",
        ])
        .arg(&tiers));
    let (stdout, stderr, code) = run(bin().args(["summary", "--by", "class"]).arg(&tiers));
    assert_eq!((stdout.as_str(), code), ("", 2));
    assert_eq!(
        stderr,
        "error: row 2, column risk_level: 'green' is not a level of policy `default` (expected none, monitor, refer, urgent): give the policy the file was scored with (--policy FILE)\n"
    );
    let (stdout, _, code) = run(bin()
        .current_dir(root())
        .args(["summary", "--by", "class", "-q", "--format", "csv"])
        .args(["--policy", "policies/school-tiers.yaml"])
        .arg(&tiers));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("scope,class,n,suppressed,incomplete,phq9_mean,")
            && stdout.contains(",level_green,level_yellow,level_orange,level_red\n")
            && stdout.ends_with(
                "\nall,,30,false,0,6.07,4.11,13,13,2,2,0,0,5.13,4.09,18,7,3,2,0,20,6,2,2\n"
            ),
        "{stdout}"
    );
}

#[test]
fn small_groups_are_suppressed_and_not_in_the_overall_row() {
    let f = data("summary/small-groups.csv");
    let (stdout, stderr, code) = run(bin()
        .args(["summary", "-i", "phq9", "--by", "class", "--format", "csv"])
        .arg(&f));
    assert_eq!(code, 0, "{stderr}");
    // (blank) has 1 and 7B has 2 respondents; 7B holds an urgent row, which
    // must not show up anywhere, the overall row included (6 + 5 = 11)
    assert_eq!(
        stdout,
        "\
scope,class,n,suppressed,incomplete,phq9_mean,phq9_sd,phq9_minimal,phq9_mild,phq9_moderate,phq9_moderately_severe,phq9_severe,phq9_incomplete,level_none,level_monitor,level_refer,level_urgent
group,,<5,true,,,,,,,,,,,,,
group,7A,6,false,0,5.50,5.68,4,0,2,0,0,0,4,1,0,1
group,7B,<5,true,,,,,,,,,,,,,
group,8A,5,false,0,4.00,4.18,4,0,1,0,0,0,3,2,0,0
all,,11,false,0,4.82,4.87,8,0,3,0,0,0,7,3,0,1
"
    );
    assert!(
        stderr.ends_with("by class: 2 group(s) shown, 2 suppressed (fewer than 5 respondents); 0 problem(s) reported above\n"),
        "{stderr}"
    );
    // JSON has no `<5` number: null, and suppressed true
    let (stdout, _, _) = run(bin()
        .args([
            "summary", "-i", "phq9", "--by", "class", "--format", "jsonl", "-q",
        ])
        .arg(&f));
    assert_eq!(
        stdout.lines().nth(2),
        Some("{\"scope\":\"group\",\"class\":\"7B\",\"n\":null,\"suppressed\":true,\"incomplete\":null,\"phq9_mean\":null,\"phq9_sd\":null,\"phq9_minimal\":null,\"phq9_mild\":null,\"phq9_moderate\":null,\"phq9_moderately_severe\":null,\"phq9_severe\":null,\"phq9_incomplete\":null,\"level_none\":null,\"level_monitor\":null,\"level_refer\":null,\"level_urgent\":null}")
    );
    // --min-group 1 shows everyone; 0 is refused
    let (stdout, _, _) = run(bin()
        .args([
            "summary",
            "-i",
            "phq9",
            "--by",
            "class",
            "--min-group",
            "1",
            "-q",
        ])
        .args(["--format", "csv"])
        .arg(&f));
    assert!(stdout.contains("\ngroup,7B,2,false,0,"), "{stdout}");
    assert!(
        stdout.ends_with("\nall,,14,false,0,6.14,6.11,9,1,3,0,1,0,9,3,0,2\n"),
        "{stdout}"
    );
    let (_, stderr, code) = run(bin()
        .args(["summary", "-i", "phq9", "--by", "class", "--min-group", "0"])
        .arg(&f));
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: invalid value '0' for '--min-group <N>'"),
        "{stderr}"
    );
}

#[test]
fn tables_for_people_in_chinese() {
    let (stdout, _, code) = run(bin()
        .args([
            "summary", "-i", "phq9", "--by", "class", "--format", "table",
        ])
        .args(["--lang", "zh", "-q"])
        .arg(data("summary/small-groups.csv")));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("phq9\n"), "{stdout}");
    for want in [
        "│ class              ┆ n  ┆ 均值 ┆ 标准差 ┆ 无或极轻微 ┆ 轻度 ┆ 中度 ┆ 中重度 ┆ 重度 ┆ 不完整 │",
        "│ （空）             ┆ <5 ┆",
        "│ 7A                 ┆  6 ┆ 5.50 ┆   5.68 ┆          4 ┆    0 ┆    2 ┆      0 ┆    0 ┆      0 │",
        "│ 全部（已显示的组） ┆ 11 ┆",
        "风险级别\n",
        "┆ 无 ┆ 关注 ┆ 转介 ┆ 紧急 ┆",
        "<5：少于 5 人的组不显示，也不计入“全部”一行。\n",
    ] {
        assert!(stdout.contains(want), "{want}\n{stdout}");
    }
}

#[test]
fn two_grouping_columns_and_natural_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,grade,class,gad2_1,gad2_2\n");
    for (grade, class, n) in [("10", "A", 5), ("7", "B", 5), ("7", "A", 6)] {
        for i in 0..n {
            text.push_str(&format!("{grade}{class}{i},{grade},{class},{},1\n", i % 4));
        }
    }
    let f = write(dir.path(), "g.csv", &text);
    let (stdout, _, code) = run(bin()
        .args([
            "summary",
            "-i",
            "gad2",
            "--by",
            "grade,class",
            "--format",
            "csv",
            "-q",
        ])
        .arg(&f));
    assert_eq!(code, 0);
    assert_eq!(
        stdout.lines().next(),
        Some("scope,grade,class,n,suppressed,incomplete,gad2_mean,gad2_sd,gad2_negative,gad2_positive,gad2_incomplete,level_none,level_monitor,level_refer,level_urgent")
    );
    let order: Vec<String> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        order,
        ["group,7,A,6", "group,7,B,5", "group,10,A,5", "all,,,16"]
    );
}

#[test]
fn located_errors_exit_2() {
    let (stdout, stderr, code) =
        summary(&["examples/class-survey.csv", "-i", "phq9", "--by", "klass"]);
    assert_eq!((stdout.as_str(), code), ("", 2));
    assert_eq!(
        stderr,
        "error: --by `klass` is not a column of examples/class-survey.csv: did you mean column 2 (\"class\")? it has id, class, phq9_1, phq9_2, phq9_3, phq9_4, phq9_5, phq9_6, phq9_7, phq9_8, phq9_9, gad7_1, gad7_2, gad7_3, gad7_4, gad7_5, gad7_6, gad7_7\n"
    );
    let (_, stderr, code) = summary(&["examples/class-survey.csv", "--by", "class"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: examples/class-survey.csv has no scored columns ({scale}_total with {scale}_band, and risk_level): give -i with the instruments to score raw answers, or summarise a file `psyscreen score` wrote\n"
    );
    let (_, stderr, code) = summary(&[
        "examples/class-survey.csv",
        "-i",
        "phq9",
        "--by",
        "class",
        "--id-column",
        "sid",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: --id-column `sid` is not a column of examples/class-survey.csv: did you mean column 1 (\"id\")? it has id, class,"), "{stderr}");
    let (_, stderr, code) = summary(&["examples/class-survey.csv", "--by", "class", "--quality"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--instruments <ID|FILE>"),
        "--quality needs -i: {stderr}"
    );
    let (_, stderr, code) = summary(&["examples/class-survey.csv", "-i", "phq9"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--by <COL>"), "{stderr}");
}

#[test]
fn scored_files_of_other_instruments_and_bad_cells() {
    let (stdout, stderr, code) = run(bin()
        .args(["summary", "--by", "class", "--format", "csv"])
        .arg(data("summary/scored-custom.csv")));
    assert_eq!(code, 1);
    // bands of an unknown scale in order of first appearance
    assert_eq!(
        stdout,
        "\
scope,class,n,suppressed,incomplete,wb_mean,wb_sd,wb_high,wb_low,wb_mid,wb_incomplete,level_none,level_monitor,level_refer,level_urgent
group,A,5,false,1,2.25,1.15,1,1,2,1,3,2,0,0
all,,5,false,1,2.25,1.15,1,1,2,1,3,2,0,0
"
    );
    assert!(
        stderr.starts_with("row 4, column wb_total: 'x' is not a number; the total is left out\n"),
        "{stderr}"
    );
}

#[test]
fn header_only_input_and_output_file_safety() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "h.csv", "id,class,gad2_1,gad2_2\n");
    let (stdout, stderr, code) = run(bin()
        .args(["summary", "-i", "gad2", "--by", "class", "--format", "csv"])
        .arg(&f));
    // issue 11: nothing summarised is exit 2, as for `score`
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "scope,class,n,suppressed,incomplete,gad2_mean,gad2_sd,gad2_negative,gad2_positive,gad2_incomplete,level_none,level_monitor,level_refer,level_urgent\n"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("has a header but no rows: nothing summarised\n"),
        "{stderr}"
    );
    let out = dir.path().join("s.csv");
    std::fs::write(&out, "keep me").unwrap();
    let (_, stderr, code) = run(bin()
        .args(["summary", "-i", "gad2", "--by", "class", "-o"])
        .arg(&out)
        .arg(&f));
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists: use --force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
}

/// `--quality` on tests/data/quality/pss10.csv, against what R psych's
/// alpha() computed on the same data (tests/data/quality/alpha.R wrote
/// psych-alpha.csv): raw alpha, r.drop and alpha.drop, to 3 decimals.
#[test]
fn quality_matches_r_psych_alpha() {
    let (stdout, stderr, code) = summary(&[
        "tests/data/quality/pss10.csv",
        "-i",
        "pss10",
        "--by",
        "class",
        "--quality",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("scope,class,scale,item,n,suppressed,alpha,r_drop,alpha_if_dropped")
    );
    let ours: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let r = std::fs::read_to_string(data("quality/psych-alpha.csv")).unwrap();
    let round = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!("{:.3}", s.parse::<f64>().unwrap())
        }
    };
    let mut checked = 0;
    for line in r.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (scope, class) = if f[0] == "all" {
            ("all", "")
        } else {
            ("group", f[0])
        };
        let row = ours
            .iter()
            .find(|o| o[0] == scope && o[1] == class && o[3] == f[1])
            .unwrap_or_else(|| panic!("no row for {line}\n{stdout}"));
        assert_eq!(row[4], f[2], "n: {line}");
        assert_eq!(row[6], round(f[3]), "alpha: {line}");
        assert_eq!(row[7], round(f[4]), "r_drop: {line}");
        assert_eq!(row[8], round(f[5]), "alpha_if_dropped: {line}");
        checked += 1;
    }
    assert_eq!(checked, 33);
    assert!(
        stdout.contains("\nall,,pss10,,60,false,0.885,,\n"),
        "{stdout}"
    );
}

#[test]
fn quality_leaves_suppressed_groups_out() {
    let (stdout, _, code) = run(bin()
        .args([
            "summary",
            "-i",
            "phq9",
            "--by",
            "class",
            "--quality",
            "--format",
            "csv",
            "-q",
        ])
        .arg(data("summary/small-groups.csv")));
    assert_eq!(code, 0);
    let scale_rows: Vec<&str> = stdout.lines().filter(|l| l.contains(",phq9,,")).collect();
    assert_eq!(
        scale_rows,
        [
            "group,,phq9,,<5,true,,,",
            "group,7A,phq9,,6,false,0.950,,",
            "group,7B,phq9,,<5,true,,,",
            "group,8A,phq9,,4,false,0.948,,",
            "all,,phq9,,10,false,0.935,,",
        ],
        "8A: 5 rows, 4 complete cases (phq9_9 never varies there: left out, as psych does); \
         all = the complete cases of 7A and 8A (values checked with R psych::alpha)"
    );
}

#[test]
fn flags_longstring_too_fast_and_reverse_inconsistency() {
    let (stdout, stderr, code) = summary(&[
        "tests/data/summary/careless.csv",
        "-i",
        "gad7,pss10",
        "--by",
        "class",
        "--flags",
        "--format",
        "csv",
    ]);
    assert_eq!(
        stdout,
        "\
row,id,class,longstring,seconds,flags
3,c2,A,17,30,\"longstring: the same answer 17 times in a row (17 items); too fast: 30 s for 17 items (under 34 s, 2 s per item); inconsistent: pss10 forward items average 1.0 and reverse-worded items 1.0 (answers 0–4), though they point opposite ways\"
4,c3,A,,,\"inconsistent: pss10 forward items average 3.8 and reverse-worded items 3.8 (answers 0–4), though they point opposite ways\"
"
    );
    assert_eq!(
        stderr,
        "row 5, column 所用时间: 'abc' is not a duration (expected seconds such as 107秒, 107 or 1:47); no time check for this row
summarised 5 row(s) of tests/data/summary/careless.csv (UTF-8) by class: 2 row(s) flagged for careless responding; 1 problem(s) reported above
"
    );
    assert_eq!(code, 1, "the unreadable duration is reported");
    // a wjx export: 所用时间 found by name, labels as answers; nobody too fast
    let (stdout, _, code) = summary(&[
        "examples/wjx-export-zh.csv",
        "-i",
        "phq9",
        "--by",
        "2、班级",
        "--id-column",
        "1、姓名或学号",
        "--flags",
        "--format",
        "csv",
        "--duration-column",
        "所用时间",
        "-q",
    ]);
    assert_eq!(
        (stdout.as_str(), code),
        ("row,1、姓名或学号,2、班级,longstring,seconds,flags\n", 0)
    );
    let (_, stderr, code) = summary(&[
        "examples/class-survey.csv",
        "-i",
        "phq9",
        "--by",
        "class",
        "--duration-column",
        "t",
    ]);
    assert_eq!(code, 2, "--duration-column needs --flags: {stderr}");
}

#[test]
fn help_has_examples() {
    let (stdout, _, code) = run(bin().args(["summary", "--help"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Examples:\n  psyscreen summary scored.csv --by class\n"),
        "{stdout}"
    );
    assert!(stdout.contains("--min-group <N>"), "{stdout}");
    assert!(!stdout.to_lowercase().contains("diagnos"), "{stdout}");
}

/// Raw answers whose classes start with what a spreadsheet would run
/// (`=A`, `@B`, `-3 `), are blank, a tab or a space, are typed with a
/// `'` (`'x`), or are named `(blank)`.
const GUARDED_CLASSES: &str = "\
id,class,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9
s1,=A,0,0,0,0,0,0,0,0,0
s2,=A,1,1,1,1,1,0,0,0,0
s3,@B,1,0,0,0,0,0,0,0,0
s4,\t,1,1,0,0,0,0,0,0,0
s5,,1,1,1,0,0,0,0,0,0
s6,(blank),1,1,1,1,1,1,0,0,0
s7,'x,1,1,1,1,0,0,0,0,0
s8,-3 ,1,1,1,1,1,1,1,0,0
s9,-3,2,0,0,0,0,0,0,0,0
s10, ,2,2,0,0,0,0,0,0,0
";

/// `summary` of `args` run in `dir`, every group shown.
fn summary_in(dir: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    run(bin().current_dir(dir).arg("summary").args(args).args([
        "--by",
        "class",
        "--min-group",
        "1",
    ]))
}

/// A class groups under the value as typed whether summary scores the raw
/// answers or reads the file `score` wrote of them, where `=A` is `'=A`
/// and a tab-only class `'` and a tab (the formula guard): the guard is
/// taken off again, a `'` typed (`'x`) is kept, and the CSV out is guarded
/// as `score`'s is. A tab, a space and nothing are all the blank group.
/// `GUARDED_CLASSES` as raw.csv in `dir`, and scored by `score` into
/// scored.csv (the class kept).
fn raw_and_scored(dir: &std::path::Path) {
    write(dir, "raw.csv", GUARDED_CLASSES);
    let (_, stderr, code) = run(bin().current_dir(dir).args([
        "score",
        "raw.csv",
        "-i",
        "phq9",
        "--keep",
        "class",
        "-q",
        "-o",
        "scored.csv",
    ]));
    assert_eq!((stderr.as_str(), code), ("", 0));
}

#[test]
fn raw_answers_and_their_scored_file_give_the_same_groups() {
    let dir = tempfile::tempdir().unwrap();
    raw_and_scored(dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("scored.csv")).unwrap(),
        "\
id,class,phq9_total,phq9_band,phq9_prorated,risk_level,risk_label,risk_reasons
s1,'=A,0,minimal,false,none,No flag,
s2,'=A,5,mild,false,none,No flag,
s3,'@B,1,minimal,false,none,No flag,
s4,'\t,2,minimal,false,none,No flag,
s5,,3,minimal,false,none,No flag,
s6,(blank),6,mild,false,none,No flag,
s7,'x,4,minimal,false,none,No flag,
s8,'-3 ,7,mild,false,none,No flag,
s9,-3,2,minimal,false,none,No flag,
s10, ,4,minimal,false,none,No flag,
",
        "what score writes: the guard before =A, @B, a tab and -3 followed by a space"
    );
    let csv = "\
scope,class,n,suppressed,incomplete,phq9_mean,phq9_sd,phq9_minimal,phq9_mild,phq9_moderate,phq9_moderately_severe,phq9_severe,phq9_incomplete,level_none,level_monitor,level_refer,level_urgent
group,,3,false,0,3.00,1.00,3,0,0,0,0,0,3,0,0,0
group,'x,1,false,0,4.00,,1,0,0,0,0,0,1,0,0,0
group,(blank),1,false,0,6.00,,0,1,0,0,0,0,1,0,0,0
group,-3,2,false,0,4.50,3.54,1,1,0,0,0,0,2,0,0,0
group,'=A,2,false,0,2.50,3.54,1,1,0,0,0,0,2,0,0,0
group,'@B,1,false,0,1.00,,1,0,0,0,0,0,1,0,0,0
all,,10,false,0,3.40,2.22,7,3,0,0,0,0,10,0,0,0
";
    let said = |file: &str| {
        format!("summarised 10 row(s) of {file} (UTF-8) by class: 6 group(s) shown, 0 suppressed (fewer than 1 respondents); 0 problem(s) reported above\n")
    };
    let raw = ["raw.csv", "-i", "phq9"];
    let (stdout, stderr, code) = summary_in(dir.path(), &[&raw[..], &["--format", "csv"]].concat());
    assert_eq!((stdout.as_str(), stderr, code), (csv, said("raw.csv"), 0));
    let (stdout, stderr, code) = summary_in(dir.path(), &["scored.csv", "--format", "csv"]);
    assert_eq!(
        (stdout.as_str(), stderr, code),
        (csv, said("scored.csv"), 0)
    );

    // JSON Lines: the values as typed, no guard (JSON is not a spreadsheet)
    let classes = |jsonl: &str| -> Vec<(String, u64)> {
        jsonl
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["class"].as_str().unwrap().to_string(),
                    v["n"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let want: Vec<(String, u64)> = [
        ("", 3),
        ("'x", 1),
        ("(blank)", 1),
        ("-3", 2),
        ("=A", 2),
        ("@B", 1),
        ("", 10),
    ]
    .iter()
    .map(|(c, n)| ((*c).to_string(), *n))
    .collect();
    let jsonl = |args: &[&str]| {
        let (stdout, stderr, code) =
            summary_in(dir.path(), &[args, &["--format", "jsonl", "-q"]].concat());
        assert_eq!((stderr.as_str(), code), ("", 0));
        stdout
    };
    let (from_raw, from_scored) = (jsonl(&raw), jsonl(&["scored.csv"]));
    assert_eq!(from_raw, from_scored);
    assert_eq!(classes(&from_raw), want);

    // a table: the blank group is (blank), the class named so "(blank)"
    let table = |args: &[&str], lang: &str| {
        let (stdout, stderr, code) = summary_in(
            dir.path(),
            &[args, &["--format", "table", "-q", "--lang", lang]].concat(),
        );
        assert_eq!((stderr.as_str(), code), ("", 0));
        stdout
    };
    let from_raw = table(&raw, "en");
    assert_eq!(from_raw, table(&["scored.csv"], "en"));
    let risk = from_raw.split("risk levels\n").nth(1).unwrap();
    assert_eq!(
        risk,
        "\
┌──────────────────┬────┬─────────┬─────────┬───────┬────────┬──────────────────────────┐
│ class            ┆ n  ┆ No flag ┆ Monitor ┆ Refer ┆ Urgent ┆ with an incomplete scale │
╞══════════════════╪════╪═════════╪═════════╪═══════╪════════╪══════════════════════════╡
│ (blank)          ┆  3 ┆       3 ┆       0 ┆     0 ┆      0 ┆                        0 │
│ 'x               ┆  1 ┆       1 ┆       0 ┆     0 ┆      0 ┆                        0 │
│ \"(blank)\"        ┆  1 ┆       1 ┆       0 ┆     0 ┆      0 ┆                        0 │
│ -3               ┆  2 ┆       2 ┆       0 ┆     0 ┆      0 ┆                        0 │
│ =A               ┆  2 ┆       2 ┆       0 ┆     0 ┆      0 ┆                        0 │
│ @B               ┆  1 ┆       1 ┆       0 ┆     0 ┆      0 ┆                        0 │
│ all shown groups ┆ 10 ┆      10 ┆       0 ┆     0 ┆      0 ┆                        0 │
└──────────────────┴────┴─────────┴─────────┴───────┴────────┴──────────────────────────┘
"
    );
    let zh = table(&raw, "zh");
    assert_eq!(zh, table(&["scored.csv"], "zh"));
    for want in [
        "│ （空）             ┆  3 ┆  3 ┆    0 ┆    0 ┆    0 ┆            0 │",
        "│ \"(blank)\"          ┆  1 ┆  1 ┆    0 ┆    0 ┆    0 ┆            0 │",
        "│ =A                 ┆  2 ┆  2 ┆    0 ┆    0 ┆    0 ┆            0 │",
    ] {
        assert!(zh.contains(want), "{want}\n{zh}");
    }
}

/// `summary --help` offers the formats summary writes; `fhir` (score's)
/// is neither offered nor taken, and is refused before any row is read.
#[test]
fn help_offers_only_the_formats_summary_writes() {
    let (stdout, stderr, code) = run(bin().args(["summary", "--help"]));
    assert_eq!((stderr.as_str(), code), ("", 0));
    assert!(
        stdout.contains("--format <FORMAT>\n          Output format [default: table on a terminal, csv otherwise]")
            && stdout.contains("[possible values: table, csv, json, jsonl]\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("fhir"), "{stdout}");
    let (stdout, _, _) = run(bin().args(["summary", "-h"]));
    assert!(!stdout.contains("fhir"), "{stdout}");
    let (stdout, stderr, code) = summary(&[
        "examples/class-survey.csv",
        "-i",
        "phq9",
        "--by",
        "class",
        "--format",
        "fhir",
    ]);
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), code),
        (
            "",
            "error: invalid value 'fhir' for '--format <FORMAT>'
  [possible values: table, csv, json, jsonl]

For more information, try '--help'.
",
            2
        )
    );
    // score still writes it
    let (stdout, _, _) = run(bin().args(["score", "--help"]));
    assert!(stdout.contains("fhir"), "{stdout}");
}

/// `report` groups a scored file as `summary` does (both take a row's key
/// from `Grouping`): the same page from raw answers and from their scored
/// file but for the lines that name the input.
#[test]
fn report_groups_a_scored_file_as_its_raw_answers() {
    let dir = tempfile::tempdir().unwrap();
    raw_and_scored(dir.path());
    let psyscreen = |args: &[&str]| {
        let (_, stderr, code) = run(bin().current_dir(dir.path()).args(args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
    };
    let page = |input: &[&str], out: &str| {
        let by = ["--by", "class", "--min-group", "1", "-q", "-o", out];
        psyscreen(&[&["report"][..], input, &by].concat());
        let html = std::fs::read_to_string(dir.path().join(out)).unwrap();
        // the meta line names the input and its instruments
        html.lines()
            .filter(|l| !l.contains("class=\"meta\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (raw, scored) = (
        page(&["raw.csv", "-i", "phq9"], "r1.html"),
        page(&["scored.csv"], "r2.html"),
    );
    assert_eq!(raw, scored);
    assert!(raw.contains("aria-label=\"=A: n = 2\""), "{raw}");
    assert!(!raw.contains("&#39;=A") && !raw.contains("'=A"), "{raw}");
}
