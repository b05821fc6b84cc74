use crate::{bin, root, run};

#[test]
fn list_is_csv_in_a_pipe() {
    let (stdout, stderr, code) = run(bin().args(["instruments", "list"]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    let mut rdr = csv::Reader::from_reader(stdout.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["id", "name", "items", "scales", "version", "license"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        ids,
        [
            "phq9", "phq2", "gad7", "gad2", "asq", "k10", "k6", "dass21", "pss10", "pss4", "who5",
            "cesd"
        ]
    );
    assert!(
        rows[7][1].starts_with("Depression Anxiety Stress Scales"),
        "{stdout}"
    );
}

#[test]
fn list_as_json() {
    let (stdout, _, code) = run(bin().args(["instruments", "list", "--format", "json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let who5 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "who5")
        .unwrap();
    assert_eq!(who5["items"], 5);
    assert!(who5["license"]
        .as_str()
        .unwrap()
        .contains("CC BY-NC-SA 3.0 IGO"));
}

#[test]
fn list_as_table() {
    let (stdout, _, code) = run(bin().args(["instruments", "list", "--format", "table"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("│ phq9"), "{stdout}");
}

#[test]
fn show_prints_the_whole_method() {
    let (stdout, stderr, code) = run(bin().args(["instruments", "show", "phq9"]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    for want in [
        "(phq9), version",
        "Citation: Kroenke K",
        "phq9_9",
        "CRITICAL",
        "0 = Not at all",
        "possible range: 0–27",
        "up to 1 missing item(s) prorated",
        "15–19     moderately_severe",
        "Critical items",
        "not a diagnosis",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
}

#[test]
fn show_marks_reverse_items_and_skip_logic() {
    let (stdout, _, _) = run(bin().args(["instruments", "show", "pss10"]));
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("pss10_4") && l.contains("reverse-scored (0 + 4 − answer)")),
        "{stdout}"
    );
    let (stdout, _, _) = run(bin().args(["instruments", "show", "k10"]));
    assert!(
        stdout.lines().any(|l| l.contains("k10_3")
            && l.contains("asked only if k10_2 > 1; if not asked: scored 1")),
        "{stdout}"
    );
    let (stdout, _, _) = run(bin().args(["instruments", "show", "dass21"]));
    assert!(stdout.contains("× 2 (after rounding)"), "{stdout}");
}

#[test]
fn show_in_chinese() {
    let (stdout, _, code) = run(bin().args(["instruments", "show", "gad7", "--lang", "zh"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("引用") && stdout.contains("完全不会") && stdout.contains("缺失规则"),
        "{stdout}"
    );
}

#[test]
fn show_a_users_file_works_like_a_built_in() {
    let f = root().join("tests/data/user/epds-skeleton.yaml");
    let (stdout, stderr, code) = run(bin().args(["instruments", "show"]).arg(&f));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.contains("(epds_skel)"), "{stdout}");
    let (stdout, _, code) = run(bin().args(["instruments", "test"]).arg(&f));
    assert_eq!(code, 0);
    assert!(stdout.ends_with("4 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn unknown_instrument_is_an_error() {
    let (stdout, stderr, code) = run(bin().args(["instruments", "show", "phq8"]));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("error: unknown instrument `phq8`: not a built-in (phq9, phq2,"),
        "{stderr}"
    );
}

#[test]
fn every_built_in_validates_from_disk() {
    let mut cmd = bin();
    cmd.current_dir(root()).args(["instruments", "validate"]);
    let files: Vec<String> = std::fs::read_dir(root().join("instruments"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml"))
        .map(|n| format!("instruments/{n}"))
        .collect();
    assert_eq!(files.len(), 12, "{files:?}");
    cmd.args(&files);
    let (stdout, stderr, code) = run(&mut cmd);
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.contains(": ok (")).count(), 12);
}

#[test]
fn shipped_example_and_skeleton_files_validate() {
    let (stdout, stderr, code) = run(bin().current_dir(root()).args([
        "instruments",
        "validate",
        "examples/dass42-anxiety.yaml",
        "instruments/skeletons/epds.yaml",
    ]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "examples/dass42-anxiety.yaml: ok (dass42_anxiety: 14 items, 1 scale(s), 6 known-answer test(s) passed)\n\
         instruments/skeletons/epds.yaml: ok (epds_skel: 10 items, 1 scale(s), 4 known-answer test(s) passed)\n"
    );
}

#[test]
fn test_runs_every_built_in() {
    let (stdout, stderr, code) = run(bin().args(["instruments", "test"]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    let last = stdout.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{stdout}");
    assert_eq!(stdout.lines().count(), 13, "{stdout}");
}

#[test]
fn a_failing_known_answer_test_is_reported_and_exits_2() {
    let f = root().join("tests/data/broken/failing-test.yaml");
    let (stdout, _, code) = run(bin().args(["instruments", "test"]).arg(&f));
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "mini: 0 passed, 1 failed\n  FAILED all 3 (tests[0]): mini total: expected 8, got 9\n0 passed, 1 failed\n"
    );
}

#[test]
fn template_header() {
    let (stdout, stderr, code) = run(bin().args(["template", "-i", "gad7,phq2"]));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "id,gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7,phq2_1,phq2_2\n"
    );
}

#[test]
fn template_to_file_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("blank.csv");
    let (_, _, code) = run(bin().args(["template", "-i", "gad2", "-o"]).arg(&out));
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "id,gad2_1,gad2_2\n");
    std::fs::write(&out, "precious").unwrap();
    let (_, stderr, code) = run(bin().args(["template", "-i", "gad2", "-o"]).arg(&out));
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists: use --force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    let (_, _, code) = run(bin()
        .args(["template", "-i", "gad2", "--force", "-o"])
        .arg(&out));
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "id,gad2_1,gad2_2\n");
}

#[test]
fn help_has_examples_everywhere() {
    for args in [
        vec!["--help"],
        vec!["score", "--help"],
        vec!["template", "--help"],
        vec!["instruments", "list", "--help"],
        vec!["instruments", "show", "--help"],
        vec!["instruments", "validate", "--help"],
        vec!["instruments", "test", "--help"],
        vec!["policy", "show", "--help"],
        vec!["policy", "validate", "--help"],
        vec!["hotlines", "--help"],
        vec!["completions", "--help"],
    ] {
        let (stdout, _, code) = run(bin().args(&args));
        assert_eq!(code, 0, "{args:?}");
        assert!(stdout.contains("Examples:"), "{args:?}:\n{stdout}");
    }
}

#[test]
fn completions() {
    let (stdout, _, code) = run(bin().args(["completions", "bash"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("_psyscreen()"));
}
