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
        stdout.contains(",关注,无法排除：PHQ-9 第9题缺失; 无法排除：PHQ-9 总分缺失\n"),
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

// ------------------------------------------------------------------
// The files people write: instruments, policies, --map files (issue 13,
// item 5). Each problem is in Chinese, keeps its place (file:line:col)
// and quotes the YAML as written.

/// The message lines of rendered diagnostics (`错误：…`, `警告：…` and
/// the `应为：…` beside a caret) hold no English word: quoted YAML
/// (`…`, "…"), file names, option names and ids are set aside.
fn assert_messages_chinese(stderr: &str) {
    for line in stderr.lines() {
        let message = match line.find("应为：") {
            Some(at) => &line[at..],
            None if line.starts_with("错误：")
                || line.starts_with("警告：")
                || line.starts_with("提示：")
                || line.starts_with("注意：") =>
            {
                line
            }
            None => continue,
        };
        let mut rest = String::new();
        let mut quote = None;
        for c in message.chars() {
            match (quote, c) {
                (None, '`' | '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, c) => rest.push(c),
                _ => {}
            }
        }
        let words: Vec<&str> = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || "-_./".contains(c)))
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            .filter(|w| !(w.starts_with("--") || w.contains('/') || w.contains('.')))
            .filter(|w| !w.contains('_'))
            .filter(|w| {
                ![
                    "YAML",
                    "UTF-8",
                    "PHQ-9",
                    "psyscreen",
                    "id",
                    "xlsx",
                    "CSV",
                    "ods",
                    "GiB",
                    "MiB",
                    "en",
                    "zh",
                    "min",
                    "max",
                    "gad2",
                    "phq9",
                    "levels",
                    "none",
                    "refer",
                    "urgent",
                    "yn",
                    "mood2",
                ]
                .contains(w)
            })
            .collect();
        assert!(words.is_empty(), "English {words:?} in: {line}");
    }
}

fn score_zh_with(file: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = score_zh(file).into_iter().map(String::from).collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn a_mistaken_instrument_file_is_reported_in_chinese_with_its_places() {
    let args = score_zh_with(
        "examples/wjx-export-zh.csv",
        &["-i", "tests/data/zh/bad-instrument.yaml"],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (stdout, stderr, code) = pinned("bad-instrument", &args);
    assert_eq!((code, stdout.as_str()), (2, ""));
    for needle in [
        "错误：选项集 `yn`：标签或别名 \"2\" 是数字 2",
        "  --> tests/data/zh/bad-instrument.yaml:11:7\n",
        "11 |     - {value: 1, label: {en: \"2\", zh: \"是\"}}\n",
        "错误：题目 `mood2_2` 使用的选项集 `yesno` 没有定义",
        "^ 应为：以下之一：yn",
        "错误：分量表 `mood2` 引用的题目 `mood2_3` 没有定义",
        "错误：分量表 `mood2`：没有分级包含 1（分级必须连续）\n  --> tests/data/zh/bad-instrument.yaml:23:15\n",
        "^ 应为：min: 1（前一个分级止于 max: 0）",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert_messages_chinese(&stderr);
}

#[test]
fn yaml_that_does_not_parse_is_reported_in_chinese() {
    for (case, needles) in [
        (
            "syntax",
            &[
                "错误：没有找到应有的 ',' 或 '}'（解析流式映射时，开头在第 2 行第 7 列）\n  --> tests/data/zh/syntax.yaml:3:1\n",
                "3 | items: []\n",
            ][..],
        ),
        (
            "unknown-key",
            &[
                "错误：未知字段 `nmae`，应为以下之一：`id`, `version`, `name`",
                "  --> tests/data/zh/unknown-key.yaml:2:1\n",
            ][..],
        ),
    ] {
        let file = format!("tests/data/zh/{case}.yaml");
        let args = score_zh_with("examples/wjx-export-zh.csv", &["-i", &file]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_, stderr, code) = pinned(case, &args);
        assert_eq!(code, 2, "{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{needle}: {stderr}");
        }
        assert_messages_chinese(&stderr);
    }
}

#[test]
fn a_mistaken_policy_is_reported_in_chinese() {
    for (case, needles) in [
        (
            "dup-policy",
            &[
                "错误：键 `levels` 重复（第一次在第 2 行第 1 列）\n  --> tests/data/zh/dup-policy.yaml:3:1\n",
                "^ 应为：每个键只写一次：重复的键会悄悄替换第一个\n",
            ][..],
        ),
        (
            "bad-policy",
            &[
                "错误：规则使用了未知级别 `urgnet`\n  --> tests/data/zh/bad-policy.yaml:10:12\n",
                "^ 应为：以下之一：none, refer, urgent\n",
                "错误：英文原因中含有 `; `，它在 risk_reasons 列中用来分隔原因",
            ][..],
        ),
        (
            "never-policy",
            &[
                "错误：`phq9 >= 28` 永远不可能成立：`phq9` 的总分在 0 到 27 之间\n  --> tests/data/zh/never-policy.yaml:13:11\n",
                "^ 应为：某些答案能达到的界值\n",
            ][..],
        ),
    ] {
        let file = format!("tests/data/zh/{case}.yaml");
        let args = score_zh_with("examples/wjx-export-zh.csv", &["--policy", &file]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (stdout, stderr, code) = pinned(case, &args);
        assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{needle}: {stderr}");
        }
        assert_messages_chinese(&stderr);
    }
}

/// The whole stderr of a run whose policy has the old single crisis text
/// and switches off failing toward safety: both warnings in Chinese,
/// then the run.
#[test]
fn policy_warnings_and_the_whole_run_are_in_chinese() {
    let args = score_zh_with(
        "examples/wjx-export-zh.csv",
        &["--policy", "tests/data/zh/old-crisis-policy.yaml"],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (stdout, stderr, code) = pinned("old-crisis-policy", &args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 13, "{stdout}");
    for needle in [
        "警告：`missing_critical: none` 关闭了“宁可从严”：关键题目缺失的人不会因此被标记\n  --> tests/data/zh/old-crisis-policy.yaml:8:19\n",
        "警告：crisis_message 只有一段给所有人的文本：它只用作工作人员的处理流程",
        "17 |   en: \"RISK FLAG: follow the school's protocol now.\"\n",
        "提示：危机处理流程：风险提示：请立即按学校的流程处理。\n",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_messages_chinese(&stderr);
}

#[test]
fn a_map_file_is_checked_in_chinese() {
    let (stdout, stderr, code) = pinned(
        "bad-map",
        &[
            "score",
            "tests/data/columns/q.csv",
            "-i",
            "gad2",
            "--map",
            "tests/data/columns/bad-map.yaml",
            "--lang",
            "zh",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
    for needle in [
        "错误：列 \"Q2 wory\"（→ gad2_2）不是 tests/data/columns/q.csv（按 UTF-8 读取）中的列\n  --> tests/data/columns/bad-map.yaml:3:14\n",
        "3 |   \"Q2 wory\": gad2_2\n",
        "^ 应为：输入中的某个列名：是不是第 3 列（\"Q2 worry\"）？\n",
        "错误：列 \"Q3 relax\" 映射到 `gad2_9`，但它不是所给量表中的题目\n",
        "错误：标签 \"Nearly daily\" 映射到 7，但它不是所给量表任何题目的答案",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert_messages_chinese(&stderr);
    // two columns for one item under a map: the fix names the map, in Chinese
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "score",
        "tests/data/columns/q.csv",
        "-i",
        "gad2",
        "--map",
        "tests/data/columns/twice-map.yaml",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "错误：第 2 列（\"Q1 nervous\"）和第 3 列（\"Q2 worry\"）都对应题目 gad2_1：修改映射文件（tests/data/columns/twice-map.yaml:2:17 映射了第 2 列；tests/data/columns/twice-map.yaml:3:15 映射了第 3 列）\n"
    );
}

#[test]
fn a_damaged_workbook_is_reported_in_chinese() {
    for (name, want) in [
        (
            "duplicate-cell.xlsx",
            "错误：tests/hostile/xlsx/duplicate-cell.xlsx 的工作表 `Answers`：单元格 C2 重复出现或顺序错乱：文件已损坏（请用电子表格软件重新保存）\n",
        ),
        (
            "bomb-ratio.xlsx",
            "错误：tests/hostile/xlsx/bomb-ratio.xlsx：拒绝读取其中的 `xl/worksheets/sheet1.xml`，它解压后会膨胀 510 倍（到 16.8 MiB），超过 psyscreen 允许的 250 倍（文件损坏，或是压缩炸弹？）\n",
        ),
        (
            "liar.xlsx",
            "错误：tests/hostile/xlsx/liar.xlsx：拒绝读取其中的 `xl/worksheets/sheet1.xml`，它解压后超过了压缩包头声明的 100 字节（文件损坏，或是压缩炸弹？）\n",
        ),
        (
            "stray-far.ods",
            "错误：tests/hostile/xlsx/stray-far.ods：其工作表占用 16769128005 个单元格（已用的行 × 列），超过 psyscreen 从 .ods 读取的上限 10000000：请把工作表另存为 xlsx 或 CSV，或删除远离数据的多余单元格\n",
        ),
    ] {
        let (_, stderr, code) = run(bin().current_dir(root()).args([
            "score",
            "-i",
            "gad2",
            "--format",
            "csv",
            "-q",
            "--lang",
            "zh",
            &format!("tests/hostile/xlsx/{name}"),
        ]));
        assert_eq!((code, stderr.as_str()), (2, want), "{name}");
    }
    let (_, stderr, _) = run(bin().current_dir(root()).args([
        "score",
        "-i",
        "gad2",
        "-q",
        "--lang",
        "zh",
        "tests/hostile/xlsx/stray-xfd.xlsx",
    ]));
    assert!(
        stderr.starts_with("错误：tests/hostile/xlsx/stray-xfd.xlsx 的工作表 `Answers`：单元格 XFD1048576 中有 'x'，超出了 psyscreen 读取的最后一列 FAN（第 4096 列）：请删除多余的单元格，或把数据左移\n"),
        "{stderr}"
    );
}

#[test]
fn the_check_plan_is_in_chinese() {
    let (stdout, stderr, code) = run(bin().current_dir(root()).args([
        "score",
        "examples/wjx-export-zh.csv",
        "-i",
        "phq9,gad2",
        "--check",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 2, "gad2 has no columns: {stderr}");
    assert!(
        stdout.starts_with(
            "examples/wjx-export-zh.csv（UTF-8）：17 列\n  phq9_1       ← 第 9 列 \"3、做事时提不起劲或没有兴趣\"（按题目中文原文）\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  gad2_1       缺失（gad2：没有列的名称是这个 id 或题目原文）\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("11 个题目中找到 9 个，缺失 2 个\n"),
        "{stdout}"
    );
}

/// Usage errors around duplicates, hotlines and `administer --append`,
/// and the hint of a kept repeated id, in Chinese.
#[test]
fn usage_errors_of_duplicates_hotlines_and_append_are_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let noid = write(dir.path(), "noid.csv", "phq9_1,phq9_2\n1,2\n");
    let dup = write(dir.path(), "dup.csv", "id,phq9_1\nA,1\nA,2\n");
    let zh = |args: &[&str]| {
        let mut cmd = bin();
        cmd.args(args).args(["--lang", "zh"]);
        cmd
    };
    let (noid, dup_path) = (noid.to_str().unwrap(), dup.to_str().unwrap());

    let (_, stderr, code) = run(&mut zh(&[
        "score",
        noid,
        "-i",
        "phq9",
        "--duplicates",
        "first",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.ends_with(
            "错误：--duplicates first 需要 id 列：请给出 --id-column（输入中没有 `id` 列）\n"
        ),
        "{stderr}"
    );

    let (_, stderr, code) = run(zh(&["score", "-", "-i", "phq9", "--duplicates", "last"])
        .write_stdin("id,phq9_1\nA,1\nA,2\n"));
    assert_eq!(code, 2);
    assert!(
        stderr.ends_with("错误：--duplicates last 需要在写出第一行之前知道每个 id 的最后一行：标准输入不能读两遍；请把输入存成文件，或用 --duplicates first|keep|error\n"),
        "{stderr}"
    );

    let (stdout, stderr, code) = run(&mut zh(&[
        "score",
        dup_path,
        "-i",
        "phq9",
        "--duplicates",
        "error",
        "-q",
    ]));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.ends_with("错误：1 个 id 提交了不止一次（--duplicates error）；没有写出任何内容：\n  id \"A\": 第 2 行和第 3 行\n请用 --duplicates first|last 为每个 id 选一行，或用 --duplicates keep 全部保留\n"),
        "{stderr}"
    );

    // kept (the default): the hint says how to choose; pseudonymized: no id shown
    let key = dir.path().join("k.key");
    let (_, stderr, code) = run(&mut zh(&[
        "score",
        dup_path,
        "-i",
        "phq9",
        "-q",
        "--format",
        "csv",
        "--pseudonymize",
        key.to_str().unwrap(),
    ]));
    assert_eq!(code, 1, "absent items: {stderr}");
    assert!(
        stderr.contains("警告：第 3 行：同一个 id 已在第 2 行提交过：两行都保留（用 --duplicates first|last|error 决定取舍）\n"),
        "{stderr}"
    );

    let (_, stderr, code) = run(&mut zh(&["hotlines", "--region", "xx"]));
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("错误：没有地区 `xx` 的热线：已知地区有 "),
        "{stderr}"
    );

    let (_, stderr, code) = run(&mut zh(&[
        "administer",
        "-i",
        "phq2",
        "--append",
        dir.path().to_str().unwrap(),
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("是目录，不是普通文件：结果行不会被保存。请给出一个 CSV 文件（不加 --append 时结果只显示不保存）"),
        "{stderr}"
    );
}

/// The progress bar of a big input on a terminal (stderr a pseudo-terminal
/// of 80×24, stdout discarded) says what it does in Chinese.
#[test]
fn the_progress_bar_is_in_chinese() {
    use expectrl::session::OsSession as Session;
    use expectrl::{Eof, Expect as _};
    use std::io::Write as _;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    // past the 8 MiB from which a bar is shown
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "id,gad2_1,gad2_2").unwrap();
    for i in 0..700_000 {
        writeln!(f, "P{i:07},1,2").unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_psyscreen"));
    cmd.args([
        "score", "-i", "gad2", "--format", "csv", "--lang", "zh", "-o",
    ])
    .arg(dir.path().join("out.csv"))
    .arg(&path);
    let mut s = Session::spawn(cmd).expect("spawn psyscreen on a pseudo-terminal");
    s.get_process_mut().set_window_size(80, 24).unwrap();
    s.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    let out = match s.expect(Eof) {
        Ok(c) => String::from_utf8_lossy(c.as_bytes()).into_owned(),
        Err(e) => panic!("waiting for the end: {e}"),
    };
    assert!(out.contains("评分中 ["), "{out}");
    assert!(!out.contains("scoring"), "{out}");
    assert!(out.contains("已评分 "), "{out}");
}

/// The whole stderr of a `report` in Chinese whose input has a student
/// who submitted twice, the first time at the top level: the warnings,
/// the crisis notice and the closing line are Chinese, and the report
/// says (in Chinese, naming no one) that an earlier submission was higher.
#[test]
fn a_report_of_a_repeated_urgent_submission_says_everything_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let (stdout, stderr, code) = run(bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1773619200")
        .args([
            "report",
            "tests/data/zh/wjx-twice.csv",
            "-i",
            "phq9",
            "--id-column",
            "1、姓名或学号",
            "--by",
            "班级",
            "--min-group",
            "3",
            "--lang",
            "zh",
            "-o",
        ])
        .arg(&out));
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let stderr = stderr.replace(out.to_str().unwrap(), "OUT");
    let want_path = data("zh/wjx-twice.stderr");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&want_path, &stderr).unwrap();
    }
    assert_eq!(
        stderr,
        std::fs::read_to_string(&want_path).unwrap_or_default()
    );
    assert!(
        stderr.contains(
            "保留的级别为 `none`，但未计入的较早提交（第 8 行）级别为 `urgent`：请与本人核实"
        ),
        "{stderr}"
    );
    assert_chinese(
        &stderr
            .replace("tests/data/zh/wjx-twice.csv", "")
            .replace("id \"", "\"")
            .replace("id 相同", "")
            .replace("id 保留", "")
            .replace("refer", "")
            .replace("none", "")
            .replace("OUT", ""),
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("有 1 人较早的一次提交级别高于最后一次提交（此处只计最后一次）"),
        "{html}"
    );
    assert!(!html.contains("202508007"), "no one named");
    assert!(
        html.contains("<dt>作答人数：</dt><dd>12</dd>"),
        "13 rows, 12 people"
    );
}

/// A table of more than 1,000 rows goes on as CSV, and says so in Chinese.
#[test]
fn a_table_too_big_for_a_table_says_so_in_chinese() {
    let mut input = String::from("id,gad2_1,gad2_2\n");
    for i in 0..1001 {
        input.push_str(&format!("P{i},1,2\n"));
    }
    let (stdout, stderr, code) = run(bin()
        .args([
            "score", "-", "-i", "gad2", "--format", "table", "--lang", "zh", "-q",
        ])
        .write_stdin(input));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.lines().count(),
        1002,
        "a header and every row, as CSV"
    );
    assert_eq!(
        stderr,
        "注意：超过 1000 行：改为输出 CSV 而不是表格（可用 --format 选择，或用 -o 写入文件）\n"
    );
}

/// `administer --append` onto a file another program holds locked waits,
/// and says so in Chinese.
#[test]
fn waiting_for_a_locked_append_file_is_said_in_chinese() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("w.csv");
    let held = std::fs::File::create(&csv).unwrap();
    held.lock().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_psyscreen"))
        .current_dir(dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("HOME", dir.path())
        .args([
            "administer",
            "-i",
            "gad2",
            "--respondent",
            "W1",
            "--append",
            "w.csv",
        ])
        .args(["--lang", "zh"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"1\n1\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    held.unlock().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("正在等待另一个程序写完 w.csv\n"),
        "{stderr}"
    );
}

/// A definition file that is not there, or is a directory, is said in
/// Chinese (the system's words stay in English runs).
#[test]
fn a_missing_definition_file_is_said_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yaml");
    for (flag, file, what, why) in [
        ("--policy", missing.as_path(), "策略文件", "没有这个文件"),
        ("--map", missing.as_path(), "映射文件", "没有这个文件"),
        ("--policy", dir.path(), "策略文件", "这是一个目录，不是文件"),
    ] {
        let (_, stderr, code) = run(bin()
            .current_dir(root())
            .args([
                "score",
                "examples/wjx-export-zh.csv",
                "-i",
                "phq9",
                "--lang",
                "zh",
                flag,
            ])
            .arg(file));
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(
            stderr,
            format!("错误：读取{what} {} 时出错：{why}\n", file.display())
        );
    }
    // the input itself
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "phq9", "--lang", "zh"])
        .arg(&missing));
    assert_eq!(
        (code, stderr),
        (
            2,
            format!("错误：无法打开 {}：没有这个文件\n", missing.display())
        )
    );
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "phq9", "--lang", "zh"])
        .arg(dir.path()));
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "错误：读取 {} 时出错：这是一个目录，不是文件\n",
                dir.path().display()
            )
        )
    );
}

/// `psyscreen change --lang zh` (issue 15 review): the reasons a person
/// is flagged for, the people who could not be linked, the notes and the
/// errors people can fix are Chinese; ids, wave labels and sources stay
/// as written.
#[test]
fn change_says_in_chinese_what_people_act_on() {
    let args = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec![
            "change",
            "examples/class-survey.csv",
            "examples/class-survey-wave2.csv",
            "-i",
            "phq9,gad7",
            "--waves",
            "t1,t2",
            "--lang",
            "zh",
        ];
        v.extend_from_slice(extra);
        v
    };
    let (stdout, stderr, code) = run(bin().current_dir(root()).args(args(&[
        "--policy",
        "policies/follow-up.yaml",
        "--format",
        "csv",
    ])));
    assert_eq!(code, 1, "{stderr}");
    // not re-screened / a newcomer: what cannot be ruled out, as people say it
    let row = |id: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap()
            .to_string()
    };
    assert!(row("S7B05").ends_with(",monitor,关注,无法排除：PHQ-9 关键条目是否新出现阳性未知（t2 未筛查）; 无法排除：PHQ-9 变化未知（t2 未筛查）; 无法排除：GAD-7 变化未知（t2 未筛查）"), "{}", row("S7B05"));
    // a newcomer: their wave's level, no change to rule out
    assert!(row("S8A11").ends_with(",none,无,"), "{}", row("S8A11"));
    assert!(row("S7A07").ends_with(",monitor,关注,此前筛查中自杀风险题作答为阳性或未作答（PHQ-9 第9题或 ASQ），本次作答为否：随访时询问其近况"), "{}", row("S7A07"));
    // item 9 blank at t1, answered no at t2: not ruled out then
    assert!(row("S8A09").ends_with(",monitor,关注,此前筛查中自杀风险题作答为阳性或未作答（PHQ-9 第9题或 ASQ），本次作答为否：随访时询问其近况"), "{}", row("S8A09"));
    for needle in [
        "注意：phq9: |变化| >= 6（Lawn S",
        "注意：以上问题出自筛查 t1（examples/class-survey.csv）\n",
        "警告：未能关联（筛查次数不足）（2）：S7B05 (t1), S8A11 (t2)\n",
        "31 人中 29 人在 2 次筛查（t1, t2）间关联\n",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    // a scale without published values: what to give, in Chinese
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "change",
        "tests/data/change/who5-long.csv",
        "-i",
        "who5",
        "--wave-column",
        "wave",
        "--sd",
        "who5=3",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "错误：who5：给了 --sd 但没有信度：请同时给出 --reliability\n"
    );
    // the same file twice
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "change",
        "examples/class-survey.csv",
        "examples/class-survey.csv",
        "-i",
        "phq9",
        "--waves",
        "t1,t2",
        "--lang",
        "zh",
    ]));
    assert_eq!((code, stderr.as_str()), (2, "错误：筛查 t1 与 t2 是同一个文件（examples/class-survey.csv）：请给出每次筛查各自的文件\n"));
    // counts per group as tables: Chinese headers
    let (stdout, _, _) = run(bin()
        .current_dir(root())
        .args(args(&["--by", "class", "--format", "table"])));
    for h in [
        "已关联",
        "可靠改善",
        "无可靠变化",
        "可靠变差",
        "康复",
        "进入临床范围",
        "风险变化",
        "新出现风险",
        "全部（已显示的组）",
    ] {
        assert!(stdout.contains(h), "{h}: {stdout}");
    }
}

#[test]
fn a_bad_change_block_is_explained_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(root().join("instruments/gad2.yaml")).unwrap();
    let bad = yaml.replace(
        "change:\n  higher_is: worse\n",
        "change:\n  higher_is: worse\n  reliability: {value: 1.5, source: \"\"}\n  remission_below: 99\n  clinical_cutoff: nope\n",
    );
    assert_ne!(bad, yaml);
    let f = write(dir.path(), "gad2x.yaml", &bad);
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "change",
        "examples/class-survey.csv",
        "examples/class-survey-wave2.csv",
        "-i",
        f.to_str().unwrap(),
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 2, "{stderr}");
    for needle in [
        "错误：信度 1.5 超出范围\n",
        "错误：信度没有来源：已发表的数值须写明发表出处\n",
        "错误：分量表 `gad2` 没有分级 `nope`\n",
        "错误：`remission_below: 99` 不是 `gad2` 高于最低分的总分\n",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert!(!stderr.contains("out of range"), "{stderr}");
}

#[test]
fn change_on_a_terminal_has_chinese_headers() {
    let out = crate::table::on_terminal(
        120,
        24,
        "change examples/class-survey.csv examples/class-survey-wave2.csv -i phq9,gad7 --waves t1,t2 --lang zh",
    );
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        [
            "id",
            "状态",
            "phq9",
            "t1",
            "phq9",
            "t2",
            "gad7",
            "t1",
            "gad7",
            "t2",
            "风险变化",
            "级别",
            "原因"
        ],
        "{out}"
    );
    let s7a03 = out.lines().find(|l| l.starts_with("S7A03")).unwrap();
    // PHQ-9 11 → 4 (−7, from ≥ 10 to < 10); GAD-7 8 → 3 (−5, from ≥ 8 to < 8)
    let cells: Vec<&str> = s7a03.split("  ").filter(|c| !c.is_empty()).collect();
    assert_eq!(
        cells[2..6].iter().map(|c| c.trim()).collect::<Vec<_>>(),
        ["11", "4 可靠改善 康复", "8", "3 可靠改善 康复"],
        "{s7a03}"
    );
}

/// `instruments validate` and `policy validate` take `--lang zh`: their
/// errors and summary lines in Chinese; the whole stderr pinned.
#[test]
fn validate_says_its_findings_in_chinese() {
    let (stdout, stderr, code) = pinned(
        "validate-instrument",
        &[
            "instruments",
            "validate",
            "tests/data/zh/bad-instrument.yaml",
            "instruments/phq9.yaml",
            "--lang",
            "zh",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "instruments/phq9.yaml：通过（phq9：9 个题目，1 个分量表，16 个已知答案测试通过）\n"
    );
    assert!(stderr.ends_with("\n2 个文件中有 1 个有错误\n"), "{stderr}");
    assert_messages_chinese(&stderr);

    let (stdout, stderr, code) = pinned(
        "validate-policy",
        &[
            "policy",
            "validate",
            "tests/data/zh/bad-policy.yaml",
            "-i",
            "phq9",
            "--lang",
            "zh",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("错误：规则使用了未知级别 `urgnet`\n"),
        "{stderr}"
    );
    assert_messages_chinese(&stderr);

    let (stdout, _, code) = run(bin().current_dir(root()).args([
        "policy",
        "validate",
        "policies/default.yaml",
        "-i",
        "phq9",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("policies/default.yaml：通过（3 条规则适用于 phq9，"),
        "{stdout}"
    );
    // a file that is not there: a message people fix, in Chinese
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "instruments",
        "validate",
        "nope.yaml",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "错误：读取量表文件 nope.yaml 时出错：没有这个文件\n1 个文件中有 1 个有错误\n"
    );
}

/// The input's name before Chinese words: no stray space after its
/// closing full-width parenthesis.
#[test]
fn no_item_columns_is_said_without_a_stray_space() {
    let (_, stderr, code) = run(bin().current_dir(root()).args([
        "score",
        "tests/data/columns/q.csv",
        "-i",
        "phq9",
        "--lang",
        "zh",
    ]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "错误：在 tests/data/columns/q.csv（按 UTF-8 读取）中没有找到题目列：应有 phq9_1, phq9_2, phq9_3 这样的列名（或题目原文）；见 `psyscreen score --check` 和 --map\n"
    );
}

/// `score --check` under `--lang zh`: the plan on stdout in Chinese,
/// the "nearly" line too; column names and ids as written.
#[test]
fn the_check_plan_and_a_near_miss_are_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/wjx-export-zh.csv"))
        .unwrap()
        .replacen("感到心情低落、沮丧或绝望", "感到心情低落、沮丧或者绝望", 1);
    let f = write(dir.path(), "w.csv", &text);
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "phq9", "--check", "--lang", "zh"])
        .arg(&f));
    assert_eq!(code, 2, "{stderr}");
    let want = "  phq9_1       ← 第 9 列 \"3、做事时提不起劲或没有兴趣\"（按题目中文原文）\n  \
phq9_2       缺失（phq9：没有列的名称是这个 id 或题目原文）\n               \
相近：第 10 列 \"4、感到心情低落、沮丧或者绝望\"（未采用：文字不同；若就是此题，请用 --map 指定）\n  \
phq9_3       ← 第 11 列 \"5、入睡困难、睡不安或睡得过多\"（按题目中文原文）\n";
    assert!(stdout.contains(want), "{stdout}");
    assert!(
        stdout.ends_with("9 个题目中找到 8 个，缺失 1 个\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("nearly"), "{stdout}");
    assert_eq!(
        stderr,
        "注意：识别为：问卷星 (wjx) 导出（题目文字作表头（按选项序号或按选项文本））\n注意：编号列：序号\n"
    );

    // a plain table by ids
    let f = write(dir.path(), "ids.csv", "id,gad2_1,gad2_2\nA,1,2\n");
    let (stdout, _, code) = run(bin()
        .args(["score", "-i", "gad2", "--check", "--lang", "zh"])
        .arg(&f));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        format!(
            "{}（UTF-8）：3 列\n  gad2_1       ← 第 2 列 \"gad2_1\"（按题目 id）\n  gad2_2       ← 第 3 列 \"gad2_2\"（按题目 id）\n2 个题目中找到 2 个，缺失 0 个\n",
            f.display()
        )
    );
}

/// `instruments import --lang zh`: the skeleton's fixed comments are
/// Chinese (the `TODO` marker kept for search), the YAML still reads, and
/// `instruments validate --lang zh` still refuses it until completed.
#[test]
fn an_imported_skeleton_is_commented_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("d.csv");
    let (_, err, code) = run(bin()
        .args(["instruments", "export", "gad7", "--redcap", "-o"])
        .arg(&dict));
    assert_eq!(code, 0, "{err}");
    let (out, err, code) = run(bin()
        .args([
            "instruments",
            "import",
            "redcap",
            "--form",
            "gad7",
            "--lang",
            "zh",
        ])
        .arg(&dict));
    assert_eq!(code, 0, "{err}");
    let head = format!(
        "# psyscreen 从 REDCap 数据字典 {} 的表单 gad7 读出的量表骨架。\n\
         # 需由人工补全后才能计分；补全后用以下命令检查：\n\
         #   psyscreen instruments validate 本文件\n\
         # 需要人工完成：\n\
         # - 版本与名称：REDCap 中没有；`1.0` 与表单名只是占位\n",
        dict.display()
    );
    assert!(out.starts_with(&head), "{out}");
    for line in [
        "citation: \"TODO: 正式发表的出处\"\n",
        "license: \"TODO: 使用条款\"\n",
        "    missing: {max_missing: 0}   # TODO: 原作者的缺失数据规则\n",
        "    bands: []   # TODO: 正式发表的分级（含两端），覆盖每一个总分\n",
        "critical_items: []   # TODO: 其答案是危机信号的题目\n",
        "tests: []   # TODO: 已知答案测试，依正式发表的计分方法手工算出\n",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    // every comment line is Chinese but for ids, commands and the TODO marker
    for line in out.lines().filter(|l| l.contains('#')) {
        let comment = &line[line.find('#').unwrap()..];
        let rest = comment
            .replace("TODO", "")
            .replace("psyscreen instruments validate", "")
            .replace("psyscreen", "")
            .replace("REDCap", "")
            .replace(&dict.display().to_string(), "")
            .replace("gad7_total", "")
            .replace("gad7", "");
        assert!(
            !rest.chars().any(|c| c.is_ascii_alphabetic()),
            "English in: {line}"
        );
    }
    let y: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(y["id"].as_str(), Some("gad7"));
    assert_eq!(y["citation"].as_str(), Some("TODO: 正式发表的出处"));
    assert_eq!(y["scales"][0]["bands"].as_sequence().map(Vec::len), Some(0));
    // codes' comment, from a Questionnaire
    let q = dir.path().join("q.json");
    run(bin()
        .args(["instruments", "export", "phq9", "--fhir", "-o"])
        .arg(&q));
    let (out, _, code) = run(bin()
        .args(["instruments", "import", "--lang", "zh"])
        .arg(&q));
    assert_eq!(code, 0);
    assert!(
        out.contains("\ncodes:   # 按读到的原样；使用前逐一对照来源核对每个编码\n"),
        "{out}"
    );
    serde_yaml::from_str::<serde_yaml::Value>(&out).unwrap();
    // not complete: refused, in Chinese
    let sk = write(dir.path(), "phq9.yaml", &out);
    let (_, err, code) = run(bin()
        .args(["instruments", "validate", "--lang", "zh"])
        .arg(&sk));
    assert_eq!(code, 2);
    assert!(err.starts_with("错误："), "{err}");
    assert!(err.ends_with("1 个文件中有 1 个有错误\n"), "{err}");
}

/// A stray quote, in Chinese: the message for a last line whose quote is
/// never closed is Chinese too (it was English), and a file's lines are
/// `文件第 N 行`, apart from the rows (`第 N 行`), as 行 names both.
#[test]
fn stray_quote_messages_are_chinese_and_tell_lines_from_rows() {
    let head = "id,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons\n\
                a,2,negative,false,none,无,\n";
    let score = |input: &str| {
        run(bin()
            .args(["score", "-", "-i", "gad2", "--lang", "zh", "-q"])
            .write_stdin(input.to_string()))
    };

    let (stdout, stderr, code) = score("id,gad2_1,gad2_2\na,1,1\nb,\"1,2\n");
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        format!("{head}b,3,positive,false,monitor,关注,GAD-2 ≥ 3（筛查阳性）：标记关注，并请完成完整的 GAD-7\n")
    );
    assert_eq!(
        stderr,
        "第 3 行（文件第 3 行），「gad2_1」列：一个引号在此开始且从未闭合（文件在引号内结束），所以这一行的其余部分被读成了一个单元格；去掉这个引号后，这一行正好有表头的 3 个字段，所以按这些字段评分；请删去多余的 `\"` 并检查这一行\n"
    );

    let (stdout, stderr, code) = score("id,gad2_1,gad2_2\na,1,1\nb,\"1\n2\",1\nc,0,0\n");
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        format!("{head}b,,incomplete,false,monitor,关注,无法排除：GAD-2 总分缺失\nc,0,negative,false,none,无,\n")
    );
    assert_eq!(
        stderr,
        "第 3 行（文件第 3–4 行），「gad2_1」列：一个带引号的单元格跨越了 1 个换行，所以文件第 4 行被读成了这一行的一部分，其中的行都没有评分；如果那里的 `\"` 不是要开始引号，请删去它并重新评分（行号与电子表格一致：每条记录一行，而不是每个物理行）\n\
         第 3 行，「gad2_1」列：'1\\n2' 不是 GAD-2 第1题 的有效答案（应为 0–3 或选项文字：Not at all、Several days、More than half the days、Nearly every day）；按缺失计\n\
         警告：1 行通过带引号的单元格多包含了 1 行：这些行上的数据都没有评分（见上文）\n"
    );
}

#[test]
fn show_and_hotlines_say_versions_sums_and_dates_in_chinese() {
    // they said `version 1.0 [built-in]`, `求和 of 9 items` and
    // `(verified …)` under --lang zh
    let (show, _, code) = run(bin().args(["instruments", "show", "phq9", "--lang", "zh"]));
    assert_eq!(code, 0);
    assert!(
        show.starts_with("患者健康问卷抑郁量表（PHQ-9）（phq9），版本 1.0 [内置]\n"),
        "{show}"
    );
    assert!(
        show.contains("\n  phq9（PHQ-9 总分）：9 题求和：phq9_1, phq9_2,"),
        "{show}"
    );
    let (policy, _, code) = run(bin().args(["policy", "show", "--lang", "zh"]));
    assert_eq!(code, 0);
    assert!(
        policy.starts_with("默认转介策略（default），版本 1.0\n"),
        "{policy}"
    );
    let (lines, _, code) = run(bin().args(["hotlines", "--region", "cn", "--lang", "zh"]));
    assert_eq!(code, 0);
    assert!(lines.contains("（核实于 2026-"), "{lines}");
    assert!(lines.contains("\n名单核实于 2026-"), "{lines}");
    for out in [&show, &policy, &lines] {
        for english in [
            "version 1.0",
            "[built-in]",
            "of 9 items",
            "(verified",
            "List verified",
        ] {
            assert!(!out.contains(english), "{english}: {out}");
        }
    }
}

/// `change`'s new words in Chinese: an earlier item 9 that may persist,
/// the warning of a policy without rules on change, and a scored wave
/// without the item's column.
#[test]
fn change_says_in_chinese_what_follows_an_earlier_suicide_risk_answer() {
    let dir = tempfile::tempdir().unwrap();
    let head = PHQ9_HEAD;
    write(
        dir.path(),
        "w1.csv",
        &format!("{head}A,0,0,0,0,0,0,0,0,2\nB,0,0,0,0,0,0,0,0,1\n"),
    );
    write(
        dir.path(),
        "w2.csv",
        &format!("{head}A,0,0,0,0,0,0,0,0,0\nB,0,0,0,0,0,0,0,0,\n"),
    );
    let pol = root().join("policies/follow-up.yaml");
    let change = |args: &[&str]| {
        run(bin()
            .current_dir(dir.path())
            .args([
                "change", "w1.csv", "w2.csv", "-i", "phq9", "--format", "csv", "-q", "--lang", "zh",
            ])
            .args(args))
    };
    let (out, err, code) = change(&["--policy", pol.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let row = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap()
            .to_string()
    };
    assert!(row("A").ends_with(",monitor,关注,此前筛查中自杀风险题作答为阳性或未作答（PHQ-9 第9题或 ASQ），本次作答为否：随访时询问其近况"), "{}", row("A"));
    assert!(
        row("B").contains(",urgent,紧急,")
            && row("B")
                .contains("无法排除：此前 PHQ-9 关键条目阳性仍然存在（w2 关键条目作答未知）"),
        "{}",
        row("B")
    );
    let (_, err, code) = change(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("警告：1 人在此前的筛查中关键题目（如 PHQ-9 第9题）作答为阳性或未作答，现在处于 `none`：该策略没有关于两次筛查之间变化的规则，只有 critical 列会列出他们；使用含此类规则的策略（见 policies/follow-up.yaml）可把他们保留在名单中\n"), "{err}");
    score_waves_bare(dir.path(), &["w1", "w2"]);
    let (_, err, _) = run(bin().current_dir(dir.path()).args([
        "change", "sw1.csv", "sw2.csv", "-i", "phq9", "--format", "csv", "-q", "--lang", "zh",
    ]));
    assert!(err.contains("警告：sw1.csv 是已评分文件，但没有关键题目列 phq9_9：无法知道这些题在该次筛查中是否作答为阳性（critical 列无法列出该次筛查，关于此前关键题作答的规则按无法排除处理）；请给 change 该次筛查的原始作答，或在评分时加 --keep phq9_9 以保留这些列\n"), "{err}");
}

/// `change`'s words for what a trial session found, in Chinese: a scale
/// without a published reliable-change value (ASQ: a note, and the error
/// of a rule that needs one), a row without an id named by its row and
/// wave, and a risk trajectory a blank item 9 leaves unknown (also from
/// waves `score` wrote in Chinese: their `无法排除` reasons are read).
#[test]
fn change_says_in_chinese_what_it_cannot_judge() {
    let dir = tempfile::tempdir().unwrap();
    let head = "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,asq_1,asq_2,asq_3,asq_4,asq_5\n";
    write(
        dir.path(),
        "w1.csv",
        &format!("{head}A,0,0,0,0,0,0,0,0,0,0,0,0,0,\n"),
    );
    write(
        dir.path(),
        "w2.csv",
        &format!("{head}A,0,0,0,0,0,0,0,0,,0,0,0,0,\n,0,0,0,0,0,0,0,0,2,0,0,0,0,\n"),
    );
    write(
        dir.path(),
        "p.yaml",
        "id: p\nlevels: [none, monitor, refer, urgent]\nlabels: {zh: {none: \"无\", monitor: \"关注\", refer: \"转介\", urgent: \"紧急\"}}\nmissing_critical: monitor\nrules:\n  - {level: urgent, when: \"phq9_9 >= 1\", reason: {en: \"item 9\", zh: \"第9题\"}}\n  - {level: refer, when: \"risk_new == 1\", reason: {en: \"new\", zh: \"新出现\"}}\n",
    );
    let change = |files: [&str; 2], args: &[&str]| {
        run(bin()
            .current_dir(dir.path())
            .arg("change")
            .args(files)
            .args(["-i", "phq9,asq", "--format", "csv", "--lang", "zh"])
            .args(args))
    };
    let (out, err, code) = change(["w1.csv", "w2.csv"], &["--policy", "p.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("注意：asq: 没有已发表的可靠变化值：只列出总分与变化，不判断是否为可靠变化（如需判断：--reliable-change asq=N，或 --reliability asq=R --sd asq=SD，取自适用于你的人群的已发表文献）\n"), "{err}");
    let row = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("{id}: {out}"))
            .to_string()
    };
    assert!(
        row("A").ends_with(",unknown,,monitor,关注,无法排除：风险变化未知（w2 的级别因数值缺失无法确定）; w2: 无法排除：PHQ-9 第9题缺失"),
        "{}",
        row("A")
    );
    assert!(
        row("第 3 行（w2）").starts_with("第 3 行（w2）,no_id,w2,"),
        "{out}"
    );
    // a rule on ASQ's reliable change
    write(
        dir.path(),
        "q.yaml",
        "id: q\nlevels: [none, refer]\nmissing_critical: refer\nrules:\n  - {level: refer, when: \"asq_reliably_improved == 0\"}\n",
    );
    let (out, err, code) = change(["w1.csv", "w2.csv"], &["--policy", "q.yaml"]);
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
    assert!(err.starts_with("错误：`asq_reliably_improved`：分量表 `asq` 没有已发表的可靠变化值，这条规则永远无法判定：请给出 --reliable-change asq=N，或 --reliability asq=R --sd asq=SD，数值取自适用于你的人群的已发表文献（或删去这条规则）\n  --> q.yaml:5:26\n"), "{err}");
    // waves `score` wrote in Chinese: the blank item 9 is still read
    for w in ["w1", "w2"] {
        let (_, e, c) = run(bin().current_dir(dir.path()).args([
            "score",
            &format!("{w}.csv"),
            "-i",
            "phq9,asq",
            "--policy",
            "p.yaml",
            "--lang",
            "zh",
            "-q",
            "-o",
            &format!("s{w}.csv"),
        ]));
        assert!(c <= 1, "{e}");
    }
    let (out, err, code) = change(["sw1.csv", "sw2.csv"], &["--policy", "p.yaml", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        row_of(&out, "A").contains(
            ",unknown,,monitor,关注,无法排除：风险变化未知（sw2 的级别因数值缺失无法确定）"
        ),
        "{out}"
    );
}

fn row_of(out: &str, id: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(&format!("{id},")))
        .unwrap_or_else(|| panic!("{id}: {out}"))
        .to_string()
}

/// An empty `--waves` label is refused in Chinese too.
#[test]
fn change_refuses_an_empty_wave_label_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.csv", "id,phq9_9\nS1,0\n");
    write(dir.path(), "b.csv", "id,phq9_9\nS1,0\n");
    let (out, err, code) = run(bin().current_dir(dir.path()).args([
        "change", "a.csv", "b.csv", "-i", "phq9", "--waves", "t1,", "--lang", "zh",
    ]));
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        (
            "",
            "错误：--waves t1,：第 2 个标签为空：请给每次筛查一个标签\n",
            2
        )
    );
}
