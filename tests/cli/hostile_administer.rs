//! Hostile and careless inputs (issue 11): administer. Each test ran against the
//! code before its fix and failed; the inputs live in tests/hostile/administer/.

#[allow(unused_imports)]
use super::*;

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn hostile(name: &str) -> PathBuf {
    root().join("tests/hostile/administer").join(name)
}

/// `administer` with its journal directory inside `dir`.
fn administer(dir: &Path) -> assert_cmd::Command {
    let mut c = bin();
    c.current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("HOME", dir)
        .arg("administer");
    c
}

/// `administer` started in the background, plain mode, stdin a pipe.
fn spawn_plain(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_psyscreen"))
        .current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("HOME", dir)
        .arg("administer")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psyscreen starts")
}

/// Wait until `path` holds `what` (the other process wrote it).
fn wait_for(path: &Path, what: &str) {
    let start = Instant::now();
    loop {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains(what)) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never held {what:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Close stdin, wait: (stdout, stderr, code).
fn finish(mut child: Child, more_input: &str) -> (String, String, i32) {
    {
        let mut stdin = child.stdin.take().expect("stdin piped");
        stdin
            .write_all(more_input.as_bytes())
            .expect("write answers");
    }
    let out = child.wait_with_output().expect("psyscreen ends");
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
        out.status.code().unwrap_or(-1),
    )
}

/// The data rows of a CSV the session appended to.
fn rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("the CSV exists")
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

// ------------------------------------------------ 3: two sessions, one journal

#[test]
fn a_second_session_on_an_open_journal_is_refused_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-i", "phq9", "--respondent", "R1", "--append", "s.csv"];
    let journal = dir.path().join("s.csv.R1.partial");
    // the first session: items 1-8 answered, still open
    let mut first = spawn_plain(dir.path(), &args);
    first
        .stdin
        .as_mut()
        .unwrap()
        .write_all("1\n0\n0\n0\n0\n0\n0\n0\n".as_bytes())
        .unwrap();
    wait_for(&journal, "phq9_8=0\n");
    let first_pid = first.id();

    // the same command in a second terminal: refused before any question
    let (out, err, code) = run(administer(dir.path()).args(args).write_stdin("y\n2\n\n"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "", "nothing asked, nothing offered");
    assert!(
        err.contains("error: s.csv.R1.partial is in use by another psyscreen session (--respondent R1, -i phq9, started 20"),
        "{err}"
    );
    assert!(err.contains(&format!("pid {first_pid} on ")), "{err}");
    assert!(journal.exists(), "the first session's journal is untouched");

    // the first session goes on: item 9 = 2, its crisis message, saved
    let (out, err, code) = finish(first, "2\n\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("!! CRISIS"), "{out}");
    assert!(err.contains("saved R1 to s.csv"), "{err}");
    let saved = rows(&dir.path().join("s.csv"));
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(saved[0].contains("Z,1,0,0,0,0,0,0,0,2,3,"), "{saved:?}");
    assert!(saved[0].contains(",urgent,"), "{saved:?}");
    assert!(!journal.exists());
}

#[test]
fn a_session_waits_for_a_locked_append_file_instead_of_writing_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("w.csv");
    // another program holds the CSV locked while it writes
    let held = std::fs::File::create(&csv).unwrap();
    held.lock().unwrap();
    let child = spawn_plain(
        dir.path(),
        &["-i", "gad2", "--respondent", "W1", "--append", "w.csv"],
    );
    let waiter = std::thread::spawn(move || finish(child, "1\n1\n"));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        std::fs::metadata(&csv).unwrap().len(),
        0,
        "nothing appended while another program holds the file"
    );
    held.unlock().unwrap();
    let (_, err, code) = waiter.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("waiting for another program to finish writing w.csv"),
        "{err}"
    );
    let saved = rows(&csv);
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(saved[0].starts_with("W1,20"), "{saved:?}");
}

// ---------------------------------------- 4: a crisis answer taken back

#[test]
fn a_crisis_answer_changed_to_0_keeps_the_level_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    // phq9_9 = 2 → crisis → acknowledged → back → 0, then GAD-7
    let input = format!("{}2\n\nback\n0\n{}", "0\n".repeat(8), "0\n".repeat(7));
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "phq9,gad7", "--respondent", "B1", "--append", "b.csv"])
        .write_stdin(input));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("!! CRISIS: read this before going on !!"),
        "{out}"
    );
    let results = &out[out.find("Results for B1").expect("results")..];
    assert!(results.contains("│ Risk level ┆ Urgent (urgent)"), "{out}");
    assert!(
        results.contains("PHQ-9 item 9 answered 2, then changed to 0"),
        "{out}"
    );
    // the crisis lines again, above the results (which end the output)
    assert!(
        out[..out.find("Results for B1").unwrap()]
            .contains("!! CRISIS (for staff): act on this now !!"),
        "{out}"
    );
    let saved = rows(&dir.path().join("b.csv"));
    assert!(
        saved[0].ends_with(&format!(
            "Z,{}0,minimal,false,0,minimal,false,urgent,Urgent,\"PHQ-9 item 9 answered 2, then changed to 0\"",
            "0,".repeat(16)
        )),
        "{saved:?}"
    );
}

#[test]
fn a_crisis_answer_skipped_afterwards_keeps_the_level_in_chinese_too() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{}2\n\n返回\n跳过\n{}", "0\n".repeat(8), "0\n".repeat(7));
    let (out, err, code) = run(administer(dir.path())
        .args([
            "-i",
            "phq9,gad7",
            "--lang",
            "zh",
            "--respondent",
            "B2",
            "--append",
            "b.csv",
        ])
        .write_stdin(input));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("│ 风险级别 ┆ 紧急 (urgent)"), "{out}");
    assert!(out.contains("PHQ-9 第9题先答 2，后跳过"), "{out}");
    let saved = rows(&dir.path().join("b.csv"));
    assert!(
        saved[0].contains(",urgent,紧急,") && saved[0].contains("PHQ-9 第9题先答 2，后跳过"),
        "{saved:?}"
    );
}

#[test]
fn a_crisis_answer_taken_back_survives_resuming_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-i", "phq9,gad7", "--respondent", "B3", "--append", "b.csv"];
    // item 9 = 3, crisis acknowledged, back, 0; then input ends
    let input = format!("{}3\n\nback\n0\n", "0\n".repeat(8));
    let (_, err, code) = run(administer(dir.path()).args(args).write_stdin(input));
    assert_eq!(code, 2, "{err}");
    // stopped after the answer was taken back: the crisis lines still follow
    assert!(
        err.contains("!! CRISIS (for staff): act on this now !!"),
        "{err}"
    );
    let journal = std::fs::read_to_string(dir.path().join("b.csv.B3.partial")).unwrap();
    assert!(
        journal.contains("\nphq9_9=3\nphq9_9=0\n"),
        "every answer given, in order: {journal}"
    );
    let (out, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("y\n{}", "0\n".repeat(7))));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("│ Risk level ┆ Urgent (urgent)"), "{out}");
    assert!(
        out.contains("PHQ-9 item 9 answered 3, then changed to 0"),
        "{out}"
    );
    let saved = rows(&dir.path().join("b.csv"));
    assert!(
        saved[0].ends_with(",urgent,Urgent,\"PHQ-9 item 9 answered 3, then changed to 0\""),
        "{saved:?}"
    );
    // `score` reads the final answers only; the saved columns keep the record
    let (scored, _, _) = run(bin().current_dir(dir.path()).args([
        "score",
        "b.csv",
        "-i",
        "phq9,gad7",
        "--format",
        "csv",
        "--quiet",
    ]));
    assert!(
        scored.contains("B3,0,minimal,false,0,minimal,false,none,"),
        "{scored}"
    );
}

// ------------------------------------ 11: no respondent, no one else's answers

#[test]
fn without_a_respondent_the_next_person_is_never_shown_the_last_ones_answers() {
    let dir = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--append", "a.csv"][..]] {
        let args: Vec<&str> = ["-i", "gad7"].iter().chain(extra).copied().collect();
        // the first person answers two items and walks away
        let (_, err, code) = run(administer(dir.path()).args(&args).write_stdin("3\n2\n"));
        assert_eq!(code, 2, "{err}");
        let kept = err
            .split("answer(s) kept in ")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .unwrap_or_else(|| panic!("where the answers are: {err}"))
            .to_string();
        assert!(
            err.contains("without --respondent it is not offered to the next person"),
            "{err}"
        );
        let kept = dir.path().join(kept);
        assert!(
            std::fs::read_to_string(&kept)
                .unwrap()
                .ends_with("\ngad7_1=3\ngad7_2=2\n"),
            "nothing lost"
        );
        // the next person on the same terminal starts afresh
        let (out, err, code) = run(administer(dir.path())
            .args(&args)
            .write_stdin("0\n".repeat(7)));
        assert_eq!(code, 0, "{err}");
        assert!(!out.contains("Unfinished answers"), "{out}");
        assert!(!out.contains("current answer"), "{out}");
        assert!(out.contains("│ GAD-7 total ┆ 0 "), "{out}");
        assert!(kept.exists(), "the first person's answers are still kept");
        // a named respondent is not offered them either
        let (out, err, code) = run(administer(dir.path())
            .args(&args)
            .args(["--respondent", "N1"])
            .write_stdin("q\n"));
        assert_eq!(code, 2, "{err}");
        assert!(out.starts_with("\n== Generalized Anxiety"), "{out}");
    }
}

// ------------------------------------------------ 17: terminal escapes

fn assert_no_escapes(what: &str, text: &str) {
    for c in ['\x1b', '\x07', '\r', '\u{202E}'] {
        assert!(!text.contains(c), "{what} holds {c:?}:\n{text:?}");
    }
}

#[test]
fn escapes_in_a_policy_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let policy = hostile("crisis-escape-policy.yaml");
    let policy = policy.to_str().unwrap();
    for lang in ["en", "zh"] {
        let input = format!("{}2\n\n", "0\n".repeat(8));
        let (out, err, code) = run(administer(dir.path())
            .args(["-i", "phq9", "--policy", policy, "--lang", lang])
            .write_stdin(input));
        assert_eq!(code, 0, "{err}");
        assert_no_escapes("stdout", &out);
        assert_no_escapes("stderr", &err);
        assert!(
            out.contains("pwned"),
            "the text is shown, made harmless: {out}"
        );
        // stopped at the crisis level: the reminder goes to stderr
        let (out, err, code) = run(administer(dir.path())
            .args(["-i", "phq9", "--policy", policy, "--lang", lang])
            .write_stdin(format!("{}2\n", "0\n".repeat(8))));
        assert_eq!(code, 2, "{err}");
        assert_no_escapes("stdout", &out);
        assert_no_escapes("stderr", &err);
        assert!(err.contains("pwned"), "{err}");
    }
}

#[test]
fn escapes_in_csv_headers_and_cells_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(hostile("escape-header.csv"), dir.path().join("e.csv")).unwrap();
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "gad7", "--append", "e.csv"])
        .write_stdin("0\n"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("e.csv has other columns"), "{err}");
    assert!(err.contains("gad7\u{FFFD}]0;pwned\u{FFFD}_1"), "{err}");
    assert_no_escapes("stderr", &err);

    // a mapped header and a cell, echoed by `score` for invalid cells
    let (out, err, code) = run(bin().args([
        "score",
        hostile("escape-cells.csv").to_str().unwrap(),
        "-i",
        "gad7",
        "--map",
        hostile("escape-cells-map.yaml").to_str().unwrap(),
        "--format",
        "csv",
    ]));
    assert_eq!(code, 1, "{err}");
    assert_no_escapes("stderr", &err);
    assert!(
        err.contains("row 2, column Q1\u{FFFD}[2J\u{FFFD}]0;pwned\u{FFFD}: 'often'"),
        "{err}"
    );
    assert!(
        err.contains("row 3, column gad7_2: '\u{FFFD}evil'"),
        "{err}"
    );
    assert_eq!(out.lines().count(), 3, "both respondents scored: {out}");
}

#[test]
fn escapes_in_a_policy_never_reach_the_terminal_screens() {
    use super::administer::{expect, rest, spawn_tty, status};
    use expectrl::Expect as _;
    let dir = tempfile::tempdir().unwrap();
    let policy = hostile("crisis-escape-policy.yaml");
    let mut s = spawn_tty(
        dir.path(),
        &["-i", "phq9", "--policy", policy.to_str().unwrap()],
        false,
    );
    let mut seen = String::new();
    for n in 1..=8 {
        seen += &expect(&mut s, &format!("Question {n} of 9"));
        s.send("0").unwrap();
    }
    seen += &expect(&mut s, "Question 9 of 9");
    s.send("2").unwrap();
    seen += &expect(&mut s, "!! CRISIS: read this before going on !!");
    seen += &expect(&mut s, "Press Enter to continue.");
    s.send("\r").unwrap();
    seen += &expect(&mut s, "All questions done");
    s.send("\r").unwrap();
    seen += &rest(&mut s);
    assert!(status(&s).ends_with(", 0)"), "{}", status(&s));
    // the screen is drawn with escapes of its own; none come from the file
    for planted in [
        "\x1b]0;pwned",
        "\x07",
        "\r\u{FFFD}hidden",
        "\x1b[1A",
        "\u{202E}",
    ] {
        assert!(
            !seen.contains(planted),
            "{planted:?} reached the terminal:\n{seen:?}"
        );
    }
    assert!(
        seen.contains("\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2JCrisis"),
        "{seen:?}"
    );
}

// ------------------------------- 8 and 7, for --append: where the rows go

#[cfg(unix)]
#[test]
fn append_onto_a_link_to_nothing_is_refused_before_the_first_question() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("gone/rows.csv", dir.path().join("s.csv")).unwrap();
    std::os::unix::fs::symlink("missing.csv", dir.path().join("t.csv")).unwrap();
    for link in ["s.csv", "t.csv"] {
        let (out, err, code) = run(administer(dir.path())
            .args(["-i", "gad2", "--respondent", "L1", "--append", link])
            .write_stdin("1\n1\n"));
        assert_eq!(code, 2, "{err}");
        assert_eq!(out, "", "nothing asked");
        assert!(
            err.contains(&format!(
                "error: --append {link} is a symbolic link to {}, which does not exist: refusing to create it; give the path you mean",
                if link == "s.csv" { "gone/rows.csv" } else { "missing.csv" }
            )),
            "{err}"
        );
    }
    assert!(!dir.path().join("missing.csv").exists(), "nothing created");
    assert!(!dir.path().join("gone").exists(), "nothing created");
    // a link to an existing file is appended through; the link stays
    std::fs::write(dir.path().join("real.csv"), "").unwrap();
    std::os::unix::fs::symlink("real.csv", dir.path().join("u.csv")).unwrap();
    let (_, err, code) = run(administer(dir.path())
        .args(["-i", "gad2", "--respondent", "L2", "--append", "u.csv"])
        .write_stdin("1\n1\n"));
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("u.csv").is_symlink());
    assert_eq!(rows(&dir.path().join("real.csv")).len(), 1);
}

#[cfg(unix)]
#[test]
fn append_to_a_device_or_fifo_is_refused_before_the_first_question() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (target, kind) in [
        ("/dev/null", "a character device"),
        ("pipe.csv", "a FIFO"),
        (".", "a directory"),
    ] {
        let (out, err, code) = run(administer(dir.path())
            .args(["-i", "gad2", "--respondent", "D1", "--append", target])
            .write_stdin("1\n1\n"));
        assert_eq!(code, 2, "{target}: {err}");
        assert_eq!(out, "", "{target}: nothing asked");
        assert!(
            err.contains(&format!(
                "error: --append {target} is {kind}, not a regular file: the rows would not be kept. Give a CSV file"
            )),
            "{err}"
        );
    }
    assert!(!dir.path().join("data").exists(), "no journal started");
}

#[test]
fn append_never_writes_into_the_policy_or_an_instrument_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    let policy_text = std::fs::read_to_string(root().join("policies/default.yaml")).unwrap();
    std::fs::write(&policy, &policy_text).unwrap();
    let inst = dir.path().join("g.yaml");
    let inst_text = std::fs::read_to_string(root().join("instruments/gad2.yaml")).unwrap();
    std::fs::write(&inst, &inst_text).unwrap();
    for (target, what) in [
        ("p.yaml", "the --policy file p.yaml"),
        ("./g.yaml", "the instrument file g.yaml"),
    ] {
        let (out, err, code) = run(administer(dir.path())
            .args(["-i", "g.yaml", "--policy", "p.yaml", "--append", target])
            .write_stdin("1\n1\n"));
        assert_eq!(code, 2, "{err}");
        assert_eq!(out, "");
        assert!(
            err.contains(&format!(
                "error: refusing to write {target} over its own input ({what})"
            )),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), policy_text);
    assert_eq!(std::fs::read_to_string(&inst).unwrap(), inst_text);
}

// ------------------- issue 13 item 3: one unfinished session blocks nobody

#[test]
fn an_unfinished_session_in_the_append_file_does_not_block_the_next_student() {
    let dir = tempfile::tempdir().unwrap();
    let session = |who: &str| {
        let mut c = administer(dir.path());
        c.args(["-i", "gad7", "--respondent", who, "--append", "class.csv"]);
        c
    };
    // A answers two items and is called away: the answers are kept
    let (_, err, code) = run(session("A").write_stdin("3\n2\n"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("2 answer(s) kept in class.csv.A.partial"),
        "{err}"
    );
    // B, at the same terminal and file, is neither refused nor offered A's answers
    let (out, err, code) = run(session("B").write_stdin("0\n".repeat(7)));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("Unfinished answers"), "{out}");
    assert!(err.contains("saved B to class.csv"), "{err}");
    // A comes back: resumed where it stopped, both rows saved
    let (out, err, code) = run(session("A").write_stdin(format!("y\n{}", "1\n".repeat(5))));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Unfinished answers found for A (gad7;"),
        "{out}"
    );
    assert!(out.contains("│ GAD-7 total ┆ 10 "), "3 + 2 + 5 × 1: {out}");
    let saved = rows(&dir.path().join("class.csv"));
    assert_eq!(saved.len(), 2, "{saved:?}");
    assert!(
        saved[0].starts_with("B,") && saved[1].starts_with("A,"),
        "{saved:?}"
    );
    assert!(!dir.path().join("class.csv.A.partial").exists());
    assert!(!dir.path().join("class.csv.B.partial").exists());
}

#[test]
fn a_journal_left_by_an_earlier_version_beside_the_append_file_is_still_resumed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("old.csv.partial"),
        "psyscreen-journal 1\nrespondent=A\nid=A\ninstruments=gad2\nstarted=2026-11-01T00:00:00Z\ngad2_1=3\n",
    )
    .unwrap();
    let args = ["-i", "gad2", "--append", "old.csv", "--respondent"];
    // another respondent is not blocked by it
    let (_, err, code) = run(administer(dir.path())
        .args(args)
        .arg("B")
        .write_stdin("0\n0\n"));
    assert_eq!(code, 0, "{err}");
    let (out, err, code) = run(administer(dir.path())
        .args(args)
        .arg("A")
        .write_stdin("y\n1\n"));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Unfinished answers found for A (gad2;"),
        "{out}"
    );
    assert!(out.contains("│ GAD-2 total ┆ 4 "), "{out}");
    assert!(!dir.path().join("old.csv.partial").exists());
    assert_eq!(rows(&dir.path().join("old.csv")).len(), 2);
}

#[test]
fn without_append_the_session_says_at_the_start_that_nothing_will_be_saved() {
    let dir = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_psyscreen");
    // stderr and stdout in one stream, in the order they were written
    let (both, _, code) = run(assert_cmd::Command::new("sh")
        .current_dir(dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .args([
            "-c",
            &format!("'{exe}' administer -i gad2 --respondent N 2>&1"),
        ])
        .write_stdin("1\n"));
    assert_eq!(code, 2, "{both}");
    let note = both
        .find("note: no --append FILE: the answers will not be saved anywhere")
        .unwrap_or_else(|| panic!("said at the start: {both}"));
    let first = both.find("[1/2]").expect("the first question");
    assert!(note < first, "{both}");
    // in Chinese too
    let (_, err, _) = run(administer(dir.path())
        .args(["-i", "gad2", "--lang", "zh"])
        .write_stdin(""));
    assert!(
        err.contains("注意：未指定 --append FILE，作答不会保存到任何地方"),
        "{err}"
    );

    // on a terminal the stderr note is hidden by the question screens:
    // they say it themselves, from the first one
    use super::administer::{expect, rest, spawn_tty, status};
    use expectrl::Expect as _;
    let mut s = spawn_tty(dir.path(), &["-i", "gad2", "--respondent", "T"], false);
    expect(&mut s, "Question 1 of 2");
    expect(&mut s, "Respondent: T · not saved (no --append)");
    s.send("1").unwrap();
    expect(&mut s, "Question 2 of 2");
    s.send("1").unwrap();
    expect(&mut s, "Enter = show the results (not saved: no --append)");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    assert!(out.contains("│ GAD-2 total ┆ 2 "), "{out}");
    assert!(status(&s).ends_with(", 0)"), "{}", status(&s));
}

#[cfg(unix)]
#[test]
fn a_journal_path_that_is_a_link_or_fifo_is_refused_not_written_through() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("elsewhere.txt", dir.path().join("j.csv.R1.partial")).unwrap();
    let fifo = dir.path().join("j.csv.R2.partial");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (who, kind) in [("R1", "a symbolic link"), ("R2", "not a regular file")] {
        let child = spawn_plain(
            dir.path(),
            &["-i", "gad2", "--respondent", who, "--append", "j.csv"],
        );
        // a FIFO once hung the session before its first question
        let waiter = std::thread::spawn(move || finish(child, "1\n1\n"));
        let start = Instant::now();
        while !waiter.is_finished() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(waiter.is_finished(), "{who}: the session hangs");
        let (out, err, code) = waiter.join().unwrap();
        assert_eq!(code, 2, "{err}");
        assert_eq!(out, "", "nothing asked");
        assert!(
            err.contains(&format!(
                "error: the journal j.csv.{who}.partial is {kind}, not a file this program made: refusing to keep answers in it; move it away"
            )),
            "{err}"
        );
    }
    assert!(
        !dir.path().join("elsewhere.txt").exists(),
        "nothing created"
    );
    assert!(!dir.path().join("j.csv").exists());
}

// ------------------------- red-team 4: a crisis answer taken back by starting again

/// The `started=` time of the session in a journal.
fn journal_started(journal: &Path) -> String {
    let text = std::fs::read_to_string(journal).expect("the journal exists");
    text.lines()
        .find_map(|l| l.strip_prefix("started="))
        .expect("a started= line")
        .to_string()
}

/// Files beside the `--append` file that end in `.old` (journals set aside).
fn set_aside(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".old")
        })
        .count()
}

#[test]
fn starting_again_after_a_crisis_answer_keeps_the_level_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-i",
        "phq9,gad7",
        "--plain",
        "--respondent",
        "P1",
        "--append",
        "r1.csv",
    ];
    // item 9 = 2, crisis acknowledged, quit (end of input: the answers are kept)
    let (_, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("{}2\n\nquit\n", "0\n".repeat(8))));
    assert_eq!(code, 2, "{err}");
    let journal = dir.path().join("r1.csv.P1.partial");
    let started = journal_started(&journal);
    // the same command: start again, and answer 0 everywhere
    let (out, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("n\n{}", "0\n".repeat(16))));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        set_aside(dir.path()),
        1,
        "the unfinished answers are kept aside"
    );
    let reason = format!(
        "PHQ-9 item 9 answered 2 in an earlier session (P1, started {started}), then started again"
    );
    let results = &out[out.find("Results for P1").expect("results")..];
    assert!(results.contains("│ Risk level ┆ Urgent (urgent)"), "{out}");
    assert!(
        results.contains("• PHQ-9 item 9 answered 2 in an earlier session (P1, started"),
        "{out}"
    );
    let saved = rows(&dir.path().join("r1.csv"));
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(
        saved[0].ends_with(&format!(
            "Z,{}0,minimal,false,0,minimal,false,urgent,Urgent,\"{reason}\"",
            "0,".repeat(16)
        )),
        "{saved:?}"
    );
    assert!(!journal.exists(), "saved: the journal is gone");
}

#[test]
fn starting_again_twice_and_stopping_in_between_still_keeps_the_level_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-i",
        "phq9,gad7",
        "--plain",
        "--lang",
        "zh",
        "--respondent",
        "P2",
        "--append",
        "r2.csv",
    ];
    let journal = dir.path().join("r2.csv.P2.partial");
    // 1: item 9 = 3, back, 1... then 0; input ends
    let (_, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("{}3\n\n返回\n0\n", "0\n".repeat(8))));
    assert_eq!(code, 2, "{err}");
    let started = journal_started(&journal);
    // 2: start again, two answers, input ends
    let (_, err, code) = run(administer(dir.path()).args(args).write_stdin("n\n0\n0\n"));
    assert_eq!(code, 2, "{err}");
    // the stop shows the crisis lines: the earlier session reached the top level
    assert!(err.contains("!!"), "{err}");
    // 3: start again, and stop before answering anything
    let (_, err, code) = run(administer(dir.path()).args(args).write_stdin("n\n"));
    assert_eq!(code, 2, "{err}");
    assert!(
        journal.exists(),
        "the journal keeps the earlier session's fact: {err}"
    );
    assert_eq!(set_aside(dir.path()), 2);
    // 4: nothing answered in the journal: a new session, no offer
    let (out, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin("0\n".repeat(16)));
    assert_eq!(code, 0, "{err}");
    let reason = format!("PHQ-9 第9题在之前的一次作答中答 3（P2，开始于 {started}），之后重新开始");
    assert!(out.contains("│ 风险级别 ┆ 紧急 (urgent)"), "{out}");
    assert!(
        out.contains("PHQ-9 第9题在之前的一次作答中答 3（P2，"),
        "{out}"
    );
    let saved = rows(&dir.path().join("r2.csv"));
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(
        saved[0].ends_with(&format!(",urgent,紧急,{reason}")),
        "{saved:?}"
    );
}

#[test]
fn starting_again_after_no_crisis_answer_or_a_skipped_one_adds_nothing() {
    for (who, instruments, first, second, level) in [
        // five answers, none at the top level
        (
            "Q1",
            "phq9,gad7",
            "0\n".repeat(5),
            "0\n".repeat(16),
            "│ Risk level ┆ No flag (none)",
        ),
        // ASQ item 5 skipped: cannot rule out urgent, the crisis message is
        // shown; answered in the new session, it is ruled out, as going back
        // and answering it in one session would (only a rule that fired is
        // kept: a skip is no risk answer)
        (
            "Q2",
            "asq,gad7",
            "1\n0\n0\n0\nskip\n\n".to_string(),
            format!("1\n0\n0\n0\n0\n{}", "0\n".repeat(7)),
            "│ Risk level ┆ Refer (refer)",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let args = [
            "-i",
            instruments,
            "--plain",
            "--respondent",
            who,
            "--append",
            "q.csv",
        ];
        let (out, err, code) = run(administer(dir.path()).args(args).write_stdin(first));
        assert_eq!(code, 2, "{who}: {err}");
        if who == "Q2" {
            assert!(out.contains("!! CRISIS"), "{out}");
        }
        let (out, err, code) = run(administer(dir.path())
            .args(args)
            .write_stdin(format!("n\n{second}")));
        assert_eq!(code, 0, "{who}: {err}");
        assert!(out.contains(level), "{who}: {out}");
        assert!(!out.contains("earlier session"), "{who}: {out}");
        let saved = rows(&dir.path().join("q.csv"));
        assert!(!saved[0].contains("earlier session"), "{who}: {saved:?}");
        if who == "Q1" {
            assert!(saved[0].ends_with(",none,No flag,"), "{who}: {saved:?}");
        }
        let journal = std::fs::read_to_string(dir.path().join(format!("q.csv.{who}.partial")));
        assert!(journal.is_err(), "saved: no journal left");
    }
}

#[test]
fn starting_again_after_a_crisis_answer_then_skipped_keeps_the_level() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-i",
        "phq9,gad7",
        "--plain",
        "--respondent",
        "Q3",
        "--append",
        "q.csv",
    ];
    // item 9 = 1, crisis acknowledged, back, skip (cannot rule out, shown again)
    let (_, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("{}1\n\nback\nskip\n\n", "0\n".repeat(8))));
    assert_eq!(code, 2, "{err}");
    let started = journal_started(&dir.path().join("q.csv.Q3.partial"));
    let (out, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("n\n{}", "0\n".repeat(16))));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("│ Risk level ┆ Urgent (urgent)"), "{out}");
    let saved = rows(&dir.path().join("q.csv"));
    assert!(
        saved[0].ends_with(&format!(
            ",urgent,Urgent,\"PHQ-9 item 9 answered 1 in an earlier session (Q3, started {started}), then started again\""
        )),
        "{saved:?}"
    );
}

#[test]
fn after_starting_again_resuming_or_deleting_the_new_answers_keeps_the_earlier_fact() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-i",
        "phq9,gad7",
        "--plain",
        "--respondent",
        "P4",
        "--append",
        "r4.csv",
    ];
    let journal = dir.path().join("r4.csv.P4.partial");
    let (_, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("{}2\n\n", "0\n".repeat(8))));
    assert_eq!(code, 2, "{err}");
    let started = journal_started(&journal);
    // start again, one answer, quit deleting it: the earlier fact stays
    let (_, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin("n\n0\nquit\nn\n"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the 1 answer(s) given were deleted"), "{err}");
    assert!(
        err.contains(
            "r4.csv.P4.partial keeps the answer at the top level of an earlier session of P4"
        ),
        "{err}"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(
        text.contains(&format!("\nearlier-started={started}\n")),
        "{text}"
    );
    assert!(
        !text.contains("\nphq9_1=0\n"),
        "this session's answer is gone: {text}"
    );
    // two answers, input ends; then resume and finish
    let (_, err, code) = run(administer(dir.path()).args(args).write_stdin("0\n0\n"));
    assert_eq!(code, 2, "{err}");
    let (_, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("y\n{}", "0\n".repeat(14))));
    assert_eq!(code, 0, "{err}");
    let saved = rows(&dir.path().join("r4.csv"));
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(
        saved[0].ends_with(&format!(
            ",urgent,Urgent,\"PHQ-9 item 9 answered 2 in an earlier session (P4, started {started}), then started again\""
        )),
        "{saved:?}"
    );
}
