//! Complete Chinese (issue 13, item 5): under `--lang zh` every message a
//! person reads is Chinese. The whole stderr of a run is pinned byte for
//! byte in tests/data/zh/<case>.stderr (`BLESS=1 cargo test --test cli zh`
//! rewrites those; read the diff before committing). Only the elapsed time
//! of the summary line is masked: it differs from run to run.

#[allow(unused_imports)]
use super::*;

/// `用时 0.08 秒` → `用时 T 秒`.
fn mask_time(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| match (l.find("用时 "), l.find(" 秒")) {
            (Some(a), Some(b)) if a < b => format!("{}用时 T{}", &l[..a], &l[b..]),
            _ => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect()
}

/// Run psyscreen in the project root and compare its stderr with the
/// pinned `tests/data/zh/<case>.stderr`; returns (stdout, stderr, code).
fn pinned(case: &str, args: &[&str]) -> (String, String, i32) {
    let (stdout, stderr, code) = run(bin().current_dir(root()).args(args));
    let stderr = mask_time(&stderr);
    let want_path = data(&format!("zh/{case}.stderr"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&want_path, &stderr).unwrap();
    }
    let want = std::fs::read_to_string(&want_path).unwrap_or_default();
    assert_eq!(stderr, want, "{case}: stderr (exit {code})");
    (stdout, stderr, code)
}

fn score_zh(file: &str) -> Vec<&str> {
    vec![
        "score",
        file,
        "-i",
        "phq9",
        "--id-column",
        "1、姓名或学号",
        "--lang",
        "zh",
        "--format",
        "csv",
    ]
}

/// No ASCII letters but the file name, ids people type (`psyscreen
/// hotlines`, `urgent`, `UTF-8`, `phq9`) and the option names.
fn assert_chinese(stderr: &str) {
    for line in stderr.lines() {
        let rest = line
            .replace("psyscreen hotlines", "")
            .replace("UTF-8", "")
            .replace("用时 T", "")
            .replace("PHQ-9", "")
            .replace("urgent", "")
            .replace("examples/wjx-export-zh.csv", "")
            .replace("tests/data/zh/wjx-problems.csv", "");
        assert!(
            !rest.chars().any(|c| c.is_ascii_alphabetic()),
            "an English word in: {line}"
        );
    }
}

#[test]
fn a_wjx_export_scored_in_chinese_says_everything_in_chinese() {
    let (stdout, stderr, code) = pinned("wjx-export", &score_zh("examples/wjx-export-zh.csv"));
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 13, "a header and every row");
    assert!(
        stderr.starts_with("提示：1 行处于最高级别「紧急」"),
        "{stderr}"
    );
    assert_chinese(&stderr);
}

#[test]
fn problems_in_a_wjx_export_are_reported_in_chinese() {
    let (stdout, stderr, code) =
        pinned("wjx-problems", &score_zh("tests/data/zh/wjx-problems.csv"));
    assert_eq!(code, 1, "invalid cells and ragged rows");
    assert_eq!(
        stdout.lines().count(),
        5,
        "a header and every row: {stdout}"
    );
    // reasons name items as people say them, and still split on `; `
    assert!(
        stdout.contains(",关注,无法排除：PHQ-9 第9题 缺失; 无法排除：PHQ-9 总分 缺失\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n202507103,5,mild,false,urgent,紧急,PHQ-9 第9题："),
        "{stdout}"
    );
    for needle in [
        "不是 PHQ-9 第2题 的有效答案",
        "缺少的字段按缺失计",
        "是否有未加引号的逗号",
        "1 个无效单元格",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert_chinese(&stderr);
}

#[test]
fn an_error_people_can_fix_is_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let out = write(dir.path(), "out.csv", "kept\n");
    let out = out.to_str().unwrap();
    let mut args = score_zh("examples/wjx-export-zh.csv");
    args.extend(["-o", out]);
    let (_, stderr, code) = run(bin().current_dir(root()).args(&args));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!("错误：{out} 已存在：如要覆盖请加 --force")),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(out).unwrap(), "kept\n");
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "score",
        "examples/wjx-export-zh.csv",
        "-i",
        "phq9",
        "--id-column",
        "学生",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("错误：--id-column `学生` 不是 examples/wjx-export-zh.csv 的列"),
        "{stderr}"
    );
}

#[test]
fn english_stays_english() {
    let mut args = score_zh("tests/data/zh/wjx-problems.csv");
    args.truncate(6);
    let (stdout, stderr, _) = run(bin().current_dir(root()).args(&args));
    assert!(
        stderr.contains("row 3: has 15 field(s), but the header has 17"),
        "{stderr}"
    );
    assert!(
        stderr.contains("is not a valid answer for phq9_2"),
        "{stderr}"
    );
    assert!(
        stdout.contains(
            "cannot rule out: PHQ-9 item 9 missing; cannot rule out: PHQ-9 total missing"
        ),
        "{stdout}"
    );
}

#[test]
fn summary_and_report_end_in_chinese() {
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "summary",
        "examples/wjx-export-zh.csv",
        "-i",
        "phq9",
        "--by",
        "2、班级",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.ends_with(
            "已按 2、班级 汇总 examples/wjx-export-zh.csv（UTF-8）的 12 行：显示 2 组，隐去 0 组（不足 5 人）；上文报告了 0 个问题\n"
        ),
        "{stderr}"
    );
    assert_chinese(&stderr.replace("2、班级", ""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "report",
        "examples/wjx-export-zh.csv",
        "-i",
        "phq9",
        "--by",
        "2、班级",
        "--lang",
        "zh",
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("\n已写入 "), "{stderr}");
}

/// The duplicate warnings, the safety one above all, follow `--lang zh`
/// (second red-team pass, finding 7).
#[test]
fn duplicate_warnings_are_in_chinese() {
    let (_, stderr, code) = run(bin()
        .args([
            "score",
            "-",
            "-i",
            "phq9",
            "--duplicates",
            "first",
            "--lang",
            "zh",
            "-q",
            "--format",
            "csv",
        ])
        .write_stdin(
            "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n\
             A1,0,0,0,0,0,0,0,0,0\nA1,0,0,0,0,0,0,0,0,3\n",
        ));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("警告：第 3 行"), "{stderr}");
    assert!(stderr.contains("请与本人核实"), "{stderr}");
    assert!(!stderr.contains("check with the person"), "{stderr}");
}
