//! `psyscreen report` end to end: one self-contained HTML file, one SVG
//! chart per shown group, nothing from outside, a sound structure, small
//! groups suppressed, no person named unless `--list-ids` (then per group,
//! with the group column), display names, `-o` safety.

use crate::{bin, data, root, run};

/// 2026-03-16, so the date in the report is known.
const EPOCH: &str = "1773619200";

fn report(args: &[&str]) -> (String, String, i32) {
    run(bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("report")
        .args(args))
}

/// Every element closed, in order (void elements excepted); the number of
/// elements seen.
fn balanced(html: &str) -> Result<usize, String> {
    const VOID: [&str; 6] = ["meta", "br", "hr", "img", "link", "input"];
    let mut stack: Vec<String> = Vec::new();
    let mut seen = 0;
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("a `<` without `>`")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if name == "style" {
            let close = rest.find("</style>").ok_or("<style> not closed")?;
            rest = &rest[close + "</style>".len()..];
            seen += 1;
        } else if tag.starts_with('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else {
            seen += 1;
            if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
                stack.push(name);
            }
        }
    }
    if stack.is_empty() {
        Ok(seen)
    } else {
        Err(format!("left open: {stack:?}"))
    }
}

fn check_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang="), "{html}");
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert_eq!(html.matches("<head>").count(), 1);
    assert_eq!(html.matches("<body>").count(), 1);
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no links out"
    );
    for outside in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import",
    ] {
        assert!(
            !html.contains(outside),
            "{outside} in a self-contained report"
        );
    }
    assert!(html.contains("@media print"), "print styles");
    balanced(html).unwrap_or_else(|e| panic!("{e}"));
    assert!(!html.to_lowercase().contains("diagnosed"));
}

/// The ids in the input's `id` column.
fn ids_of(csv: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(csv)).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|id| !id.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn class_report_one_chart_per_group_and_the_referral_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let (stdout, stderr, code) = run(bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args([
            "report",
            "examples/class-survey.csv",
            "-i",
            "phq9,gad7",
            "--by",
            "class",
            "-o",
        ])
        .arg(&out));
    assert_eq!(
        (stdout.as_str(), code),
        ("", 1),
        "one invalid cell: {stderr}"
    );
    // aggregate only: the report a head teacher can receive
    assert!(
        stderr.ends_with("by class: 3 group(s) shown, 0 suppressed (fewer than 5 respondents); 4 at `refer` or above, not named in the report; 1 problem(s) reported above\n"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    check_self_contained(&html);
    let ids = ids_of("examples/class-survey.csv");
    assert_eq!(ids.len(), 30);
    for id in &ids {
        assert!(!html.contains(id.as_str()), "{id} in the default report");
    }
    for individual in [
        "thoughts of death",
        "item 9",
        "Referral list",
        "<td class=\"id\">",
    ] {
        assert!(
            !html.contains(individual),
            "{individual} in the default report"
        );
    }
    for want in [
        "<dt>Instruments:</dt><dd>Patient Health Questionnaire-9 (PHQ-9) v1.0; Generalized Anxiety Disorder 7 (GAD-7) v1.0</dd>",
        "<dt>Respondents:</dt><dd>30</dd>",
        "<dt>Invalid cells:</dt><dd>1 (counted as missing",
        "<th class=\"num\">PHQ-9 total mean (SD)</th>",
        "This report names no one.",
        // two rows are urgent: the staff protocol, never the respondent's text
        "<h2>Crisis protocol (staff)</h2>",
        "same-day suicide risk assessment",
    ] {
        assert!(html.contains(want), "{want}\n{html}");
    }
    assert!(
        !html.contains("Thank you for answering honestly"),
        "the respondent's crisis text is not for a report"
    );
    assert!(!html.contains("phq9"), "instruments by name, not id");

    // --list-ids: the people, per group, with the group column
    std::fs::remove_file(&out).unwrap();
    let (stdout, stderr, code) = run(bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args([
            "report",
            "examples/class-survey.csv",
            "-i",
            "phq9,gad7",
            "--by",
            "class",
            "--list-ids",
            "-o",
        ])
        .arg(&out));
    assert_eq!((stdout.as_str(), code), ("", 1), "{stderr}");
    assert!(
        stderr.starts_with("row 28, column gad7_2: 'sometimes' is not a valid answer"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("by class: 3 group(s) shown, 0 suppressed (fewer than 5 respondents); 4 at `refer` or above, named in the report (staff only); 1 problem(s) reported above\n"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    check_self_contained(&html);
    assert_eq!(html.matches("<svg").count(), 3, "7A, 7B, 8A");
    assert_eq!(html.matches("</svg>").count(), 3);
    for want in [
        "<html lang=\"en\">",
        "<title>Screening summary by class</title>",
        "<dt>Date:</dt><dd>2026-03-16</dd>",
        "Patient Health Questionnaire-9 (PHQ-9) v1.0; Generalized Anxiety Disorder 7 (GAD-7) v1.0",
        "<dt>Policy:</dt><dd>default v1.0</dd>",
        "<strong>Screening, not diagnosis.</strong>",
        "<tr class=\"overall\"><td>All groups shown</td><td class=\"num\">30</td><td class=\"num\">23</td><td class=\"num\">3</td><td class=\"num\">2</td><td class=\"num\">2</td>",
        "<h3>7A <small>(n = 10)</small></h3>",
        "Referral list: Refer and above",
    ] {
        assert!(html.contains(want), "{want}");
    }
    // per group (natural order), highest level first, input order within a level
    let list = &html[html.find("Referral list").unwrap()..];
    let rows: Vec<&str> = list
        .split("<tr><td class=\"group\">")
        .skip(1)
        .map(|r| &r[..r.find("</td><td class=\"level").unwrap()])
        .collect();
    assert_eq!(
        rows,
        [
            "7A</td><td class=\"id\">S7A07",
            "7B</td><td class=\"id\">S7B06",
            "8A</td><td class=\"id\">S8A02",
            "8A</td><td class=\"id\">S8A05"
        ]
    );
    assert!(list.contains(
        "<td class=\"level\">Urgent</td><td>PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)"
    ));
    assert!(list.contains("<h3>class: 8A</h3>\n<table>\n<thead><tr><th>class</th><th>id</th>"));
    assert!(html.contains("Staff only: this part names people."));
}

#[test]
fn by_column_named_without_its_question_number_or_by_label() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("wjx.csv");
    let src = std::fs::read_to_string(root().join("examples/class-survey.csv")).unwrap();
    std::fs::write(&csv, src.replacen("id,class,", "id,2、班级,", 1)).unwrap();
    let out = dir.path().join("r.html");
    let (_, stderr, code) = report(&[
        csv.to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "--by",
        "2、班级",
        "--lang",
        "zh",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("<title>筛查结果汇总（按班级）</title>"),
        "{html}"
    );
    assert!(!html.contains("2、"));
    // level names are kept on one line ("紧急" was broken over two)
    assert!(html.contains("th.level, td.level") && html.contains("white-space: nowrap"));
    assert!(html.contains("<th class=\"num level\">"));
    std::fs::remove_file(&out).unwrap();
    let (_, stderr, code) = report(&[
        csv.to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "--by",
        "2、班级",
        "--by-label",
        "Class",
        "--list-ids",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<title>Screening summary by Class</title>"));
    assert!(html.contains("<thead><tr><th>Class</th><th>id</th>"));
    // one label per column
    let (_, stderr, code) = report(&[
        csv.to_str().unwrap(),
        "-i",
        "phq9",
        "--by",
        "2、班级",
        "--by-label",
        "a,b",
        "-o",
        dir.path().join("x.html").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--by-label gives 2 label(s) for 1 --by column(s)"),
        "{stderr}"
    );
}

#[test]
fn small_groups_get_no_chart_and_no_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let (_, stderr, code) = report(&[
        data("summary/small-groups.csv").to_str().unwrap(),
        "-i",
        "phq9",
        "--by",
        "class",
        "--list-ids",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    check_self_contained(&html);
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "7A and 8A; (blank) and 7B are suppressed"
    );
    assert!(html.contains("<tr><td>7B</td><td class=\"num suppressed\">&lt;5</td><td class=\"suppressed\" colspan=\"6\">not shown: too few respondents</td></tr>"));
    assert!(html.contains("<h3>(blank) <small>(n &lt;5)</small></h3>"));
    // overall = 7A (6) + 8A (5); 7B's urgent row is not in it
    assert!(html.contains("<tr class=\"overall\"><td>All groups shown</td><td class=\"num\">11</td><td class=\"num\">7</td><td class=\"num\">3</td><td class=\"num\">0</td><td class=\"num\">1</td>"), "{html}");
    assert!(html.contains("2 group(s) with fewer than 5 respondents are not shown"));
    // everyone at refer or above is listed, whatever their group's size
    assert!(
        html.contains("<td class=\"id\">a5</td><td class=\"level\">Urgent</td>")
            && html.contains("<td class=\"id\">b1</td><td class=\"level\">Urgent</td>"),
        "{html}"
    );
}

#[test]
fn groups_below_the_default_size_are_not_said_to_hide_anyone() {
    // --min-group 1 shows a group of one: the note must not promise that
    // no individual can be singled out, and the meta line names the size
    let dir = tempfile::tempdir().unwrap();
    let small = data("summary/small-groups.csv");
    for (min, promise, shown_from) in [
        (
            "5",
            true,
            "<dt>Groups shown from:</dt><dd>5 respondents</dd>",
        ),
        (
            "1",
            false,
            "<dt>Groups shown from:</dt><dd>1 respondents</dd>",
        ),
    ] {
        let out = dir.path().join(format!("r{min}.html"));
        let (_, stderr, code) = report(&[
            small.to_str().unwrap(),
            "-i",
            "phq9",
            "--by",
            "class",
            "--min-group",
            min,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(html.contains(shown_from), "{html}");
        assert_eq!(
            html.contains("no individual can be singled out"),
            promise,
            "{min}"
        );
        assert_eq!(
            html.contains(
                "Groups of 1 or more respondents are shown (--min-group 1, below the default 5): \
                 a group this small can show one person&#39;s answers, so keep this report with \
                 the staff who may see them."
            ),
            !promise,
            "{html}"
        );
    }
}

#[test]
fn chinese_report_from_a_scored_file_with_the_school_policy() {
    let dir = tempfile::tempdir().unwrap();
    let scored = dir.path().join("scored.csv");
    run(bin()
        .current_dir(root())
        .args([
            "score",
            "examples/class-survey.csv",
            "-i",
            "phq9,gad7",
            "--keep",
            "class",
        ])
        .args([
            "--policy",
            "policies/school-tiers.yaml",
            "--lang",
            "zh",
            "-q",
            "-o",
        ])
        .arg(&scored));
    let out = dir.path().join("zh.html");
    let (_, stderr, code) = report(&[
        scored.to_str().unwrap(),
        "--by",
        "class",
        "--lang",
        "zh",
        "--policy",
        "policies/school-tiers.yaml",
        "--list-ids",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    check_self_contained(&html);
    assert_eq!(html.matches("<svg").count(), 3);
    for want in [
        "<html lang=\"zh-CN\">",
        "这是筛查，不是诊断。",
        "<dt>量表：</dt><dd>已评分文件（量表 PHQ-9 总分、GAD-7 总分；文件中未记录量表版本）</dd>",
        "<dt>转介策略：</dt><dd>school-tiers",
        "中重度",
        "转介名单：橙色（转介）及以上",
    ] {
        assert!(html.contains(want), "{want}\n{html}");
    }
    // reasons come from the scored file's risk_reasons, as written (zh)
    assert!(html.contains("<td>PHQ-9 第9题"), "{html}");
    assert!(
        html.contains("<td class=\"level\">红色（紧急）</td>"),
        "{html}"
    );
}

#[test]
fn output_is_required_atomic_and_never_overwritten() {
    let (_, stderr, code) = report(&["examples/class-survey.csv", "-i", "phq9", "--by", "class"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--output <FILE>"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    std::fs::write(&out, "mine").unwrap();
    let args = |force: bool| {
        let mut v = vec![
            "examples/class-survey.csv",
            "-i",
            "phq9",
            "--by",
            "class",
            "-q",
            "-o",
        ];
        v.push(out.to_str().unwrap());
        if force {
            v.push("--force");
        }
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let a = args(false);
    let (_, stderr, code) = report(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists: use --force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    let a = args(true);
    let (_, _, code) = report(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    // a missing --by column is located and nothing is written
    let other = dir.path().join("other.html");
    let (_, stderr, code) = report(&[
        "examples/class-survey.csv",
        "-i",
        "phq9",
        "--by",
        "grade",
        "-o",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: --by `grade` is not a column of examples/class-survey.csv: it has id, class, phq9_1,"), "{stderr}");
    assert!(!other.exists());
    // an unknown --min-level lists the levels
    let (_, stderr, code) = report(&[
        "examples/class-survey.csv",
        "-i",
        "phq9",
        "--by",
        "class",
        "--min-level",
        "severe",
        "-o",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: unknown level `severe` for policy `default`: expected one of none, monitor, refer, urgent\n");
}

#[test]
fn help_has_examples() {
    let (stdout, _, code) = run(bin().args(["report", "--help"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Examples:\n  psyscreen report examples/class-survey.csv"),
        "{stdout}"
    );
}

#[test]
fn help_recommends_a_staff_only_referral_file() {
    let (stdout, _, code) = run(bin().args(["report", "--help"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("aggregate only"), "{stdout}");
    assert!(
        stdout.contains("psyscreen score survey.csv -i phq9,gad7 --keep class --min-level refer -o referrals.csv"),
        "{stdout}"
    );
    assert!(stdout.contains("--list-ids"), "{stdout}");
}

/// The list a report names is bounded (its memory and size do not grow
/// with the rows); past the bound it says how many it left out, and the
/// default report keeps no one at all.
#[test]
fn the_referral_list_is_bounded_and_says_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("many.csv");
    let mut text =
        String::from("id,class,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n");
    // everyone answers 3 to item 9: urgent
    for r in 0..10_003 {
        text.push_str(&format!("P{r},{},0,0,0,0,0,0,0,0,3\n", r % 3));
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.path().join("r.html");
    let (_, stderr, code) = report(&[
        csv.to_str().unwrap(),
        "-i",
        "phq9",
        "--by",
        "class",
        "--list-ids",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("note: 3 of the 10003 people at `refer` or above are not listed in the report (at most 10000"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("3 more people at Refer or above are not listed here"));
    assert_eq!(html.matches("<td class=\"id\">").count(), 10_000);
    let (_, stderr, code) = report(&[
        csv.to_str().unwrap(),
        "-i",
        "phq9",
        "--by",
        "class",
        "-q",
        "--force",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("P1000") && !html.contains("not listed"));
    assert!(
        html.len() < 64 * 1024,
        "the size of a few groups: {}",
        html.len()
    );
}

/// Second red-team pass, findings 2, 3 and 6: a report must not leak what
/// its suppression hides, must not drop an urgent submission that was set
/// aside as a repeat from the staff list, and must not name everyone when
/// grouped by the id.
#[test]
fn an_aggregate_report_hides_small_groups_and_the_staff_list_keeps_set_aside_rows() {
    let dir = tempfile::tempdir().unwrap();
    let h = "id,class,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n";
    let mut small = String::from(h);
    for i in 1..=6 {
        small.push_str(&format!("A{i},7A,0,0,0,0,0,0,0,0,0\n"));
    }
    small.push_str("S1,7B,0,0,0,0,0,0,0,0,3\nS2,7B,1,1,1,1,1,1,1,1,1\n");
    let input = crate::write(dir.path(), "small.csv", &small);
    let out = dir.path().join("r.html");
    let (_, stderr, code) = run(bin()
        .args(["report", "-i", "phq9", "--by", "class", "-q", "-o"])
        .arg(&out)
        .arg(&input));
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    // 8 rows, 6 shown: the header must not give 8 (8 − 6 = the small group)
    assert!(
        html.contains("<dt>Respondents (groups shown):</dt><dd>6</dd>"),
        "{html}"
    );
    assert!(!html.contains("<dd>8</dd>"), "{html}");
    // the urgent person is in the suppressed group: no crisis box saying so
    assert!(!html.contains("Crisis protocol (staff)"), "{html}");

    // grouped by the id: one group per person, refused without --list-ids
    let (_, stderr, code) = run(bin()
        .args([
            "report",
            "-i",
            "phq9",
            "--by",
            "id",
            "--min-group",
            "1",
            "--force",
            "-o",
        ])
        .arg(&out)
        .arg(&input));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--by names the id column"), "{stderr}");

    // the urgent submission is the one set aside (the last row is kept)
    let twice =
        format!("{h}D1,7A,0,0,0,0,0,0,0,0,3\nD1,7A,0,0,0,0,0,0,0,0,0\nN1,7A,0,0,0,0,0,0,0,0,0\n");
    let input = crate::write(dir.path(), "twice.csv", &twice);
    let (_, stderr, code) = run(bin()
        .args([
            "report",
            "-i",
            "phq9",
            "--by",
            "class",
            "--list-ids",
            "--force",
            "-o",
        ])
        .arg(&out)
        .arg(&input));
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("D1"),
        "the urgent submission is listed for staff: {html}"
    );
    assert!(html.contains("Crisis protocol (staff)"), "{html}");
}

/// An empty `--by-label` would title the report "by " (second red-team
/// pass): a usage error.
#[test]
fn an_empty_by_label_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let (_, stderr, code) = report(&[
        "examples/class-survey.csv",
        "-i",
        "phq9",
        "--by",
        "class",
        "--by-label",
        " ",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--by-label has an empty label"), "{stderr}");
    assert!(!out.exists());
}

/// The counts hold each person's last submission; an earlier one at a
/// higher level is said on the page itself, in either language, and no
/// one is named (issue 13: fail toward safety).
#[test]
fn an_aggregate_report_says_when_an_earlier_submission_was_higher() {
    let dir = tempfile::tempdir().unwrap();
    let h = "id,class,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n";
    let mut rows = String::from(h);
    // D1 first urgent (item 9 = 3), then a calm last submission, which counts
    rows.push_str("D1,7A,0,0,0,0,0,0,0,0,3\nD1,7A,0,0,0,0,0,0,0,0,0\n");
    for i in 1..=5 {
        rows.push_str(&format!("A{i},7A,0,0,0,0,0,0,0,0,0\n"));
    }
    let input = crate::write(dir.path(), "twice.csv", &rows);
    let out = dir.path().join("r.html");
    for (lang, said) in [
        (
            "en",
            "1 person had an earlier submission at a higher level than their last one, which is the one counted here",
        ),
        (
            "zh",
            "有 1 人较早的一次提交级别高于最后一次提交（此处只计最后一次）",
        ),
    ] {
        let (_, stderr, code) = run(bin()
            .args(["report", "-i", "phq9", "--by", "class", "--force", "--lang", lang, "-o"])
            .arg(&out)
            .arg(&input));
        assert_eq!(code, 0, "{stderr}");
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(html.contains(said), "{lang}: {html}");
        assert!(!html.contains("D1"), "no one named: {html}");
        // 7 rows, 6 people: each person counted once
        assert!(html.contains("</dt><dd>6</dd>"), "{html}");
    }
    // no repeated submission above the kept one: nothing said
    let calm = format!("{h}D1,7A,0,0,0,0,0,0,0,0,0\nD1,7A,0,0,0,0,0,0,0,0,3\n");
    let input = crate::write(dir.path(), "calm.csv", &calm);
    let (_, stderr, code) = run(bin()
        .args([
            "report",
            "-i",
            "phq9",
            "--by",
            "class",
            "--force",
            "--min-group",
            "1",
            "-o",
        ])
        .arg(&out)
        .arg(&input));
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("earlier submission"), "{html}");
}
