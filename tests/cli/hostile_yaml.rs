//! Hostile and careless inputs (issue 11): yaml. Each test ran against the
//! code before its fix and failed; the inputs live in tests/hostile/yaml/,
//! and the exact stderr of each case in `<case>.stderr` beside them
//! (`BLESS=1 cargo test` rewrites those; read the diff before committing).

#[allow(unused_imports)]
use super::*;

fn dir() -> PathBuf {
    root().join("tests/hostile/yaml")
}

/// Run psyscreen in tests/hostile/yaml/ and compare stderr with the pinned
/// `<case>.stderr`; returns (stdout, code).
fn pinned(case: &str, args: &[&str]) -> (String, i32) {
    let (stdout, stderr, code) = run(bin().current_dir(dir()).args(args));
    let want_path = dir().join(format!("{case}.stderr"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&want_path, &stderr).unwrap();
    }
    let want = std::fs::read_to_string(&want_path).unwrap_or_default();
    assert_eq!(stderr, want, "{case}: stderr (exit {code})");
    assert!(!stderr.contains("panicked"), "{case} panicked");
    (stdout, code)
}

fn score_with_map(map: &str) -> Vec<&str> {
    vec![
        "score",
        "item9-label.csv",
        "-i",
        "phq9",
        "--map",
        map,
        "--format",
        "csv",
    ]
}

// ---------------------------------------------------------------- item 2

/// `"Almost daily": 3` then `"Almost daily": 0` scored item 9 as 0: no
/// flag, exit 0. Now the run refuses to start, pointing at both keys.
#[test]
fn a_repeated_label_in_a_map_file_is_an_error_not_a_lower_risk() {
    let (stdout, code) = pinned("dup-label.map", &score_with_map("dup-label.map.yaml"));
    assert_eq!((code, stdout.as_str()), (2, ""));
    // the same file without the repeat flags S1 urgent: nobody is lost
    let (stdout, _, code) = run(bin()
        .current_dir(dir())
        .args(score_with_map("good.map.yaml"))
        .arg("-q"));
    assert_eq!(code, 0);
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(
        rows[0].starts_with("S1,") && rows[0].contains(",urgent,"),
        "{stdout}"
    );
}

/// A response set or a known-answer test given twice kept the last one.
#[test]
fn repeated_keys_in_an_instrument_are_located_errors() {
    for case in ["dup-response-set.instrument", "dup-test-answer.instrument"] {
        let file = format!("{case}.yaml");
        let (stdout, code) = pinned(case, &["instruments", "validate", &file]);
        assert_eq!((code, stdout.as_str()), (2, ""), "{case}");
    }
}

#[test]
fn a_repeated_key_in_a_policy_is_a_located_error() {
    let (stdout, code) = pinned(
        "dup-label.policy",
        &["policy", "validate", "dup-label.policy.yaml", "-i", "phq9"],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

// ---------------------------------------------------------------- item 14

/// A byte-order mark (Windows editors add one) is not part of the first key.
#[test]
fn files_with_a_byte_order_mark_are_read() {
    let (stdout, stderr, code) =
        run(bin()
            .current_dir(dir())
            .args(["instruments", "validate", "bom.instrument.yaml"]));
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    assert!(
        stdout.starts_with("bom.instrument.yaml: ok (tst: 2 items"),
        "{stdout}"
    );
    let (stdout, stderr, code) =
        run(bin()
            .current_dir(dir())
            .args(["policy", "validate", "bom.policy.yaml", "-i", "phq9"]));
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    let (stdout, _, code) = run(bin()
        .current_dir(dir())
        .args(score_with_map("bom.map.yaml"))
        .arg("-q"));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("\nS1,") && stdout.contains(",urgent,"),
        "{stdout}"
    );
}

/// Several documents, a file of comments only, bytes that are not UTF-8:
/// located messages for every kind of file.
#[test]
fn multi_document_empty_and_non_utf8_files_get_located_messages() {
    let runs: [(&str, Vec<&str>); 8] = [
        (
            "two-docs.instrument",
            vec!["instruments", "validate", "two-docs.instrument.yaml"],
        ),
        (
            "two-docs.policy",
            vec!["policy", "validate", "two-docs.policy.yaml", "-i", "phq9"],
        ),
        ("two-docs.map", score_with_map("two-docs.map.yaml")),
        (
            "comments-only.instrument",
            vec!["instruments", "validate", "comments-only.yaml"],
        ),
        (
            "comments-only.policy",
            vec!["policy", "validate", "comments-only.yaml", "-i", "phq9"],
        ),
        ("comments-only.map", score_with_map("comments-only.yaml")),
        (
            "not-utf8.policy",
            vec!["policy", "validate", "not-utf8.policy.yaml", "-i", "phq9"],
        ),
        ("not-utf8.map", score_with_map("not-utf8.map.yaml")),
    ];
    for (case, args) in runs {
        let (stdout, code) = pinned(case, &args);
        assert_eq!((code, stdout.as_str()), (2, ""), "{case}");
    }
}

// ---------------------------------------------------------------- item 15

/// Configuration files are read whole: an endless stream or a huge file
/// is refused at 16 MB with the file named, not read until memory runs out.
#[test]
fn oversized_configuration_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.yaml");
    let mut text = "# padding\n".repeat(16 * 1024 * 1024 / 10 + 1);
    text.push_str("id: x\n");
    std::fs::write(&big, text).unwrap();
    let big = big.to_str().unwrap();
    let limit = |what: &str, file: &str| {
        format!("error: {what} {file} is larger than 16 MB, the most psyscreen reads of a configuration file: is it the right file?\n")
    };
    let cases: [(&str, Vec<&str>); 3] = [
        ("instrument file", vec!["instruments", "validate", big]),
        ("policy file", vec!["policy", "validate", big, "-i", "phq9"]),
        ("map file", score_with_map(big)),
    ];
    for (what, args) in cases {
        let (stdout, stderr, code) = run(bin().current_dir(dir()).args(&args));
        assert_eq!(code, 2, "{what}: {stderr}");
        assert_eq!(stdout, "", "{what}");
        assert!(stderr.starts_with(&limit(what, big)), "{what}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn dev_zero_as_a_configuration_file_is_refused() {
    for (what, args) in [
        (
            "policy file",
            vec!["policy", "validate", "/dev/zero", "-i", "phq9"],
        ),
        ("map file", score_with_map("/dev/zero")),
        (
            "instrument file",
            vec!["instruments", "validate", "/dev/zero"],
        ),
    ] {
        let (_, stderr, code) = run(bin().current_dir(dir()).args(&args));
        assert_eq!(code, 2, "{what}");
        assert!(
            stderr.starts_with(&format!("error: {what} /dev/zero is larger than 16 MB")),
            "{stderr}"
        );
    }
}

// ---------------------------------------------------------------- item 13

/// `crisis_regions: [china]` validated, and the crisis screen then listed
/// no line at all.
#[test]
fn an_unknown_crisis_region_is_a_located_error_wherever_the_policy_is_loaded() {
    let (stdout, code) = pinned(
        "unknown-region.policy",
        &[
            "policy",
            "validate",
            "unknown-region.policy.yaml",
            "-i",
            "phq9",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
    let (stdout, stderr, code) = run(bin().current_dir(dir()).args([
        "score",
        "item9-label.csv",
        "-i",
        "phq9",
        "--policy",
        "unknown-region.policy.yaml",
    ]));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("error: unknown crisis region `china`"),
        "{stderr}"
    );
}

/// `tst_1 >= 4` on a 0–3 item, `phq9 > 27`, `phq9 == 2.5`: rules that can
/// never fire validated as ok.
#[test]
fn thresholds_no_answer_can_reach_are_located_errors() {
    let (stdout, code) = pinned(
        "unreachable.policy",
        &[
            "policy",
            "validate",
            "unreachable.policy.yaml",
            "-i",
            "tst.instrument.yaml,phq9,gad7",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

#[test]
fn a_policy_with_no_rule_at_its_top_level_is_an_error() {
    let (stdout, code) = pinned(
        "no-top-rule.policy",
        &[
            "policy",
            "validate",
            "no-top-rule.policy.yaml",
            "-i",
            "phq9",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

/// `missing_critical: none` and `if_missing: none` switch off failing
/// toward safety: allowed, with a warning every time the policy is loaded.
#[test]
fn switching_off_fail_toward_safety_warns_every_time() {
    let (stdout, code) = pinned(
        "no-safety.policy",
        &["policy", "validate", "no-safety.policy.yaml", "-i", "phq9"],
    );
    assert_eq!(code, 0);
    assert!(stdout.starts_with("no-safety.policy.yaml: ok"), "{stdout}");
    let want = std::fs::read_to_string(dir().join("no-safety.policy.stderr")).unwrap();
    let (stdout, stderr, code) = run(bin().current_dir(dir()).args([
        "score",
        "item9-label.csv",
        "-i",
        "phq9",
        "--map",
        "good.map.yaml",
        "--policy",
        "no-safety.policy.yaml",
        "-q",
    ]));
    assert_eq!(code, 0);
    assert!(
        stderr.starts_with(&want),
        "-q hides the summary, not this warning: {stderr}"
    );
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
}

#[test]
fn asked_if_on_a_later_item_is_a_located_error() {
    let (stdout, code) = pinned(
        "later-asked-if.instrument",
        &["instruments", "validate", "later-asked-if.instrument.yaml"],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

/// A critical item whose asked_if no answers can meet is never asked, so
/// never missing: neither its answer nor its absence could flag anyone.
#[test]
fn a_critical_item_that_can_never_be_asked_is_an_error() {
    let (stdout, code) = pinned(
        "critical-never-asked.instrument",
        &[
            "instruments",
            "validate",
            "critical-never-asked.instrument.yaml",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

// ---------------------------------------------------------------- item 18

#[test]
fn a_reason_containing_the_separator_is_a_located_error() {
    let (stdout, code) = pinned(
        "semicolon-reason.policy",
        &[
            "policy",
            "validate",
            "semicolon-reason.policy.yaml",
            "-i",
            "phq9",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

/// Split on `; `, risk_reasons gives back exactly the reasons that fired:
/// no built-in reason text contains the separator (both policies, both
/// languages).
#[test]
fn built_in_reasons_split_cleanly() {
    let input = "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,asq_1,asq_2,asq_3,asq_4,asq_5,who5_1,who5_2,who5_3,who5_4,who5_5,phq2_1,phq2_2,gad2_1,gad2_2\n\
                 A,3,3,3,3,3,3,3,3,2,1,1,1,1,1,0,0,0,0,0,3,3,3,3\n";
    let cases = [
        ("policies/default.yaml", "en", 10),
        ("policies/default.yaml", "zh", 10),
        ("policies/school-tiers.yaml", "en", 6),
        ("policies/school-tiers.yaml", "zh", 6),
    ];
    for (policy, lang, n) in cases {
        let (stdout, stderr, code) = run(bin()
            .current_dir(root())
            .args([
                "score",
                "-",
                "-i",
                "phq9,asq,who5,phq2,gad2",
                "--policy",
                policy,
                "--lang",
                lang,
                "--format",
                "jsonl",
                "-q",
            ])
            .write_stdin(input));
        assert_eq!(code, 0, "{stderr}");
        let row: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        let reasons = match &row["risk_reasons"] {
            serde_json::Value::String(s) => s.split("; ").map(str::to_string).collect(),
            serde_json::Value::Array(a) => a
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect::<Vec<_>>(),
            other => panic!("{other}"),
        };
        assert_eq!(reasons.len(), n, "{policy} {lang}: {reasons:#?}");
        for r in &reasons {
            assert!(!r.contains("; ") && !r.is_empty(), "{policy} {lang}: {r}");
        }
    }
}

// ------------------------------------------------- siblings of 2, 14, 15

/// Nesting a YAML parser must not recurse into (`- - - - …` overflowed
/// the stack of yaml-rust2's loader; `[[[[…` costs libyaml quadratic
/// time), and a flood of repeated keys on one long line: each ends at once
/// with exit 2 and a message of a few lines.
#[test]
fn hostile_structures_end_quickly_with_short_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let dashes = write(
        tmp.path(),
        "dashes.yaml",
        &format!("{}x\n", "- ".repeat(1_000_000)),
    );
    let brackets = write(
        tmp.path(),
        "brackets.yaml",
        &format!("{}{}\n", "[".repeat(4_000_000), "]".repeat(4_000_000)),
    );
    let flood = write(
        tmp.path(),
        "flood.yaml",
        &format!(
            "values: {{{}}}\n",
            vec!["\"Almost daily\": 0"; 200_000].join(", ")
        ),
    );
    for (file, message) in [
        (
            &dashes,
            "error: the file nests mappings and lists more than 100 levels deep\n",
        ),
        (
            &brackets,
            "error: the file nests mappings and lists more than 100 levels deep\n",
        ),
        (
            &flood,
            "error: duplicate key `Almost daily` in `values` (first at line 1, column 10)\n",
        ),
    ] {
        let (stdout, stderr, code) = run(bin()
            .current_dir(dir())
            .args(score_with_map(file.to_str().unwrap())));
        assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
        assert!(stderr.starts_with(message), "{stderr}");
        assert!(stderr.len() < 20_000, "{} bytes of stderr", stderr.len());
    }
}

/// `policy show` and `instruments show` print a definition's own text:
/// escapes in it must not reach the terminal (issue 11 item 17).
#[test]
fn show_commands_strip_terminal_escapes_from_definitions() {
    let no_escapes = |what: &str, text: &str| {
        for bad in ['\x1b', '\x07', '\r', '\u{9b}', '\u{202e}'] {
            assert!(!text.contains(bad), "{what}: {bad:?} in {text:?}");
        }
    };
    let policy = root().join("tests/hostile/administer/crisis-escape-policy.yaml");
    for lang in ["en", "zh"] {
        let (stdout, stderr, code) = run(bin()
            .args(["policy", "show"])
            .arg(&policy)
            .args(["--lang", lang]));
        assert_eq!(code, 0, "{stderr}");
        no_escapes("policy show", &stdout);
        assert!(
            stdout.contains("Crisis text") || stdout.contains("危机"),
            "{stdout}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let gad2 = std::fs::read_to_string(root().join("instruments/gad2.yaml")).unwrap();
    let hostile = gad2.replacen(
        "name: {en: \"",
        "name: {en: \"\\e]0;pwned\\a\\e[2Jnote \\u202Eback ",
        1,
    );
    assert_ne!(gad2, hostile, "the fixture must carry the escapes");
    let file = write(tmp.path(), "gad2-escapes.yaml", &hostile);
    let (stdout, stderr, code) = run(bin().args(["instruments", "show"]).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    no_escapes("instruments show", &stdout);
    assert!(stdout.contains("note"), "{stdout}");
}

// ------------------------------------------------ red-team findings 12, 15, 18

/// Red-team 18: a 15 MB key came back whole in the error, 15 MB of
/// stderr. Echoed user text is cut to 80 characters, marked `…`.
#[test]
fn a_huge_key_is_not_echoed_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let key = "K".repeat(15_000_000);
    let short = format!("{}…", "K".repeat(80));
    let unknown_field = write(tmp.path(), "field.map.yaml", &format!("{key}: 1\n"));
    let unknown_item = write(
        tmp.path(),
        "item.map.yaml",
        &format!("columns:\n  Q9: {}\n", key.to_lowercase()),
    );
    for file in [&unknown_field, &unknown_item] {
        let (stdout, stderr, code) = run(bin()
            .current_dir(dir())
            .args(score_with_map(file.to_str().unwrap())));
        assert_eq!((code, stdout.as_str()), (2, ""), "{}", &stderr[..200]);
        assert!(stderr.len() < 4_000, "{} bytes of stderr", stderr.len());
        let first = stderr.lines().next().unwrap();
        assert!(
            first.contains(&short) || first.contains(&short.to_lowercase()),
            "{first}"
        );
    }
}

/// Red-team 15: `values` labels that are PHQ-9's own labels with another
/// value, or numbers, were silently ignored ("Not at all": 3 scored 0, no
/// flag). Each is a located error and nothing is scored.
#[test]
fn map_labels_the_instrument_already_uses_or_numbers_are_errors() {
    let (stdout, code) = pinned(
        "clash-label.map",
        &[
            "score",
            "clash-label.csv",
            "-i",
            "phq9",
            "--map",
            "clash-label.map.yaml",
            "--format",
            "csv",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

/// Red-team 12: conditions no answers can meet together passed validation:
/// an `all` whose comparisons on one item leave no value, a total its own
/// items' bounds keep below the threshold (three items `== 0` leave PHQ-9
/// at most 18), and with them the only rules of the top level.
#[test]
fn conditions_that_can_never_hold_together_are_located_errors() {
    let (stdout, code) = pinned(
        "impossible-top.policy",
        &[
            "policy",
            "validate",
            "impossible-top.policy.yaml",
            "-i",
            "phq9",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
    // scoring refuses the policy too, before any row
    let (stdout, stderr, code) = run(bin().current_dir(dir()).args([
        "score",
        "item9-label.csv",
        "-i",
        "phq9",
        "--policy",
        "impossible-top.policy.yaml",
    ]));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.contains("no rule for the top level `urgent` can ever be true"),
        "{stderr}"
    );
}

/// Red-team 12: `dass21_depression == 21` (totals doubled, always even)
/// and `who5 == 2` (multiples of 4) never hold; `who5 == 52` does.
#[test]
fn equalities_between_the_steps_of_a_total_are_located_errors() {
    let (stdout, code) = pinned(
        "impossible-steps.policy",
        &[
            "policy",
            "validate",
            "impossible-steps.policy.yaml",
            "-i",
            "dass21,who5",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}

/// Red-team 12: a critical item asked only when `tst_2 >= 2` and
/// `tst_2 < 1` is never asked, so never missing: no flag could come of it.
#[test]
fn a_critical_item_whose_asked_if_can_never_hold_is_an_error() {
    let (stdout, code) = pinned(
        "critical-impossible-all.instrument",
        &[
            "instruments",
            "validate",
            "critical-impossible-all.instrument.yaml",
        ],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
}
