//! `psyscreen administer`: plain mode through pipes (assert_cmd), and the
//! terminal front-end through a real pseudo-terminal (expectrl). A PTY that
//! cannot be opened fails the test: it never passes silently.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect as _};
use unicode_width::UnicodeWidthStr as _;

use super::{bin, run, write};

/// `administer` with its journal directory inside `dir`.
fn administer(dir: &Path) -> assert_cmd::Command {
    let mut c = bin();
    c.current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("HOME", dir)
        .arg("administer");
    c
}

/// `score FILE -i IDS --format csv` → the rows after the header.
fn scored(dir: &Path, file: &str, ids: &str) -> Vec<String> {
    let (out, err, code) = run(bin()
        .current_dir(dir)
        .args(["score", file, "-i", ids, "--format", "csv", "--quiet"]));
    assert!(code == 0 || code == 1, "{err}");
    out.lines().skip(1).map(str::to_string).collect()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p)
        .expect("file exists")
        .permissions()
        .mode()
        & 0o777
}

// ---------------------------------------------------------------- plain mode

#[test]
fn plain_gad7_values_labels_skip_back_and_the_saved_row_scores_the_same() {
    let dir = tempfile::tempdir().unwrap();
    // 7 is refused, "several days" is a label, back returns to item 2,
    // item 3 is skipped (missing), then 0 1 2 3 for items 4-7
    let input = "1\n7\nseveral days\nback\n2\nskip\n0\n1\n2\n3\n";
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "gad7", "--respondent", "S1", "--append", "out.csv"])
        .write_stdin(input));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("== Generalized Anxiety Disorder 7 (GAD-7) =="),
        "{out}"
    );
    assert!(out.contains("[1/7] 1. Feeling nervous, anxious or on edge\n  0 = Not at all; 1 = Several days; 2 = More than half the days; 3 = Nearly every day\n"), "{out}");
    assert!(out.contains("'7' is not an answer to this question: type 0–3 or an option's words, or skip, back, quit.\n[2/7] 2."), "{out}");
    assert!(
        out.contains("  (current answer: 1)"),
        "back shows the answer given: {out}"
    );
    // 1 + 2 + 0 + 1 + 2 + 3 = 9 over 6 answered, × 7 = 10.5 → 11 (prorated)
    assert!(
        out.contains("Results for S1 (6 answered, 1 skipped; policy default)"),
        "{out}"
    );
    assert!(
        out.contains("│ GAD-7 total ┆ 11    ┆ moderate ┆ prorated (1 missing) │"),
        "{out}"
    );
    assert!(out.contains("│ Risk level ┆ Monitor (monitor)"), "{out}");
    assert!(
        out.contains("GAD-7 ≥ 10 (moderate anxiety symptoms or more)"),
        "{out}"
    );
    assert!(
        out.contains("This is a screening result, not a diagnosis"),
        "{out}"
    );
    assert!(!out.contains("Crisis lines"), "below the top level: {out}");
    assert!(err.contains("saved S1 to out.csv ("), "{err}");

    let csv = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,timestamp,gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7,gad7_total,gad7_band,gad7_prorated,risk_level,risk_label,risk_reasons");
    assert!(lines[1].starts_with("S1,20"), "{csv}");
    assert!(
        lines[1].contains("Z,1,2,,0,1,2,3,11,moderate,true,monitor,Monitor,GAD-7 ≥ 10"),
        "{csv}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("out.csv")), 0o600);
    assert!(
        !dir.path().join("out.csv.S1.partial").exists(),
        "journal removed"
    );
    // the scorer reads the saved row and finds what the screen showed
    assert_eq!(
        scored(dir.path(), "out.csv", "gad7"),
        vec!["S1,11,moderate,true,monitor,Monitor,GAD-7 ≥ 10 (moderate anxiety symptoms or more): flag for follow-up"]
    );
}

#[test]
fn plain_chinese_asq_labels_skip_logic_crisis_and_table() {
    let dir = tempfile::tempdir().unwrap();
    // all "no": item 5 is not asked, GAD-7 follows; then a second person
    // says yes to item 1 and yes to item 5: crisis, acknowledged by a line
    let (out, err, code) = run(administer(dir.path())
        .args([
            "-i",
            "asq",
            "--lang",
            "zh",
            "--respondent",
            "学生01",
            "--append",
            "a.csv",
        ])
        .write_stdin("否\n否\n0\n否\n"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("== 自杀风险筛查问题（ASQ） ==\n询问患者：\n[1/5] 1. 在过去几周里，你是否希望自己已经死了？\n  1 = 是; 0 = 否\n"), "{out}");
    assert!(
        !out.contains("[5/5]"),
        "item 5 not asked after four noes: {out}"
    );
    assert!(!out.contains("危机"), "{out}");
    assert!(
        out.contains("学生01 的结果（已答 4 题，跳过 0 题；策略 default）"),
        "{out}"
    );
    assert!(
        out.contains("│ ASQ 筛查（第1–4题） ┆ 0    ┆ 阴性 ┆ 完整 │"),
        "{out}"
    );
    assert!(out.contains("│ 风险级别 ┆ 无 (none)"), "{out}");
    assert!(out.contains("这是筛查结果，不是诊断"), "{out}");

    let (out, err, code) = run(administer(dir.path())
        .args([
            "-i",
            "asq",
            "--lang",
            "zh",
            "--respondent",
            "学生02",
            "--append",
            "a.csv",
        ])
        .write_stdin("是\n否\n否\n否\n是\n好的\n"));
    assert_eq!(code, 0, "{err}");
    let crisis = out.find("!! 危机提示：请先阅读 !!").expect("crisis shown");
    assert!(
        out[..crisis].contains("[5/5] 5. 你现在有自杀的想法吗？"),
        "after item 5: {out}"
    );
    // the respondent's text on the crisis screen, the protocol after it
    // (issue 13 item 1)
    let ack = out.find("按回车键继续。").expect("crisis acknowledged");
    assert!(
        out[crisis..ack].contains("请把你现在的感受告诉此刻陪在你身边的人"),
        "{out}"
    );
    assert!(!out[crisis..ack].contains("风险提示"), "{out}");
    assert!(
        out[ack..].contains("风险提示：此人可能有自杀或自伤风险。"),
        "{out}"
    );
    assert!(out[crisis..].contains("危机热线（列表核实于 "), "{out}");
    assert!(
        out[crisis..].contains("全国统一心理援助热线  12356"),
        "{out}"
    );
    // the crisis lines again, then the result at the very end
    assert!(
        out[crisis..].contains("按回车键继续。\n\n=========="),
        "{out}"
    );
    let again = out
        .find("!! 危机提示（工作人员）：请立即处理 !!")
        .expect("crisis lines again");
    assert!(out[again..].contains("12356\n"), "{out}");
    assert!(out[again..].contains("\n\n学生02 的结果"), "{out}");
    assert!(out.contains("│ 风险级别 ┆ 紧急 (urgent)"), "{out}");
    assert!(out.contains("ASQ 急性阳性筛查"), "{out}");
    let rows = scored(dir.path(), "a.csv", "asq");
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0].starts_with("学生01,0,negative,false,none,"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("学生02,1,positive,false,urgent,"),
        "{rows:?}"
    );
}

#[test]
fn plain_crisis_blocks_until_a_line_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // item 9 = 1, then input ends: the message was not acknowledged
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "phq9", "--respondent", "P9", "--append", "p.csv"])
        .write_stdin("0\n0\n0\n0\n0\n0\n0\n0\n1\n"));
    assert_eq!(code, 2, "{err}");
    assert!(
        out.contains("!! CRISIS: read this before going on !!\nThank you for answering honestly."),
        "{out}"
    );
    assert!(out.ends_with("Press Enter to continue.\n"), "{out}");
    assert!(!out.contains("Results for"), "{out}");
    assert!(err.contains("stopped (end of input) before the end: 9 answer(s) kept in p.csv.P9.partial; run the same command again to resume"), "{err}");
    // stopped at the crisis level: the crisis lines again, on stderr
    assert!(
        err.contains("!! CRISIS (for staff): act on this now !!\n"),
        "{err}"
    );
    assert!(
        err.contains("  - National psychological assistance hotline"),
        "{err}"
    );
    assert!(!dir.path().join("p.csv").exists());
    // resumed: the crisis message comes again before anything else
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "phq9", "--respondent", "P9", "--append", "p.csv"])
        .write_stdin("y\n\n"));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Unfinished answers found for P9 (phq9; started "),
        "{out}"
    );
    assert!(
        out.contains(
            "9 given).\nResume where it stopped? (y = resume, n = start again)\n\n!! CRISIS"
        ),
        "{out}"
    );
    assert!(
        out.contains("│ PHQ-9 total ┆ 1     ┆ minimal ┆ complete │"),
        "{out}"
    );
    // completed at the crisis level: the lines again, then the results last
    let results = out.find("Results for P9").expect("results");
    let again = out
        .find("!! CRISIS (for staff): act on this now !!")
        .expect("again");
    assert!(again < results, "{out}");
    assert!(
        out[again..results].contains("Crisis lines (list verified "),
        "{out}"
    );
    assert!(out[again..results].contains("12356"), "{out}");
    assert_eq!(
        scored(dir.path(), "p.csv", "phq9")[0]
            .split(',')
            .take(5)
            .collect::<Vec<_>>(),
        ["P9", "1", "minimal", "false", "urgent"]
    );
}

#[test]
fn plain_end_of_input_keeps_the_journal_and_the_same_command_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-i", "phq9,gad7", "--respondent", "R7"];
    let (_, err, code) = run(administer(dir.path()).args(args).write_stdin("2\n1\n3\n"));
    assert_eq!(code, 2, "{err}");
    let journal = dir
        .path()
        .join("data/psyscreen/administer-R7-phq9+gad7.partial");
    assert!(
        err.contains(&format!("3 answer(s) kept in {}", journal.display())),
        "{err}"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(
        text.starts_with(
            "psyscreen-journal 1\nrespondent=R7\nid=R7\ninstruments=phq9,gad7\nstarted=20"
        ),
        "{text}"
    );
    assert!(text.ends_with("\nphq9_1=2\nphq9_2=1\nphq9_3=3\n"), "{text}");
    #[cfg(unix)]
    assert_eq!(mode(&journal), 0o600);

    // another respondent with the same journal directory is not offered it
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "phq9,gad7", "--respondent", "R8"])
        .write_stdin("q\n"));
    assert_eq!(code, 2, "{err}");
    assert!(out.contains("[1/16]"), "{out}");
    assert!(journal.exists());

    // an unclear reply is asked again; "y" resumes at item 4
    let answers = "0\n".repeat(16);
    let (out, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("maybe\ny\n{answers}")));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("[4/16] 4. Feeling tired or having little energy"),
        "resumes at item 4: {out}"
    );
    assert!(!out.contains("[3/16]"), "{out}");
    // 2 + 1 + 3 + 0 × 6 = 6
    assert!(
        out.contains("│ PHQ-9 total ┆ 6     ┆ mild    ┆ complete │"),
        "{out}"
    );
    assert!(
        out.contains("│ GAD-7 total ┆ 0     ┆ minimal ┆ complete │"),
        "{out}"
    );
    assert!(
        err.contains("note: not saved anywhere (use --append FILE to keep a row)"),
        "{err}"
    );
    assert!(!journal.exists(), "journal removed once completed");
}

#[test]
fn plain_start_again_keeps_the_old_answers_aside() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-i", "gad7", "--respondent", "N1", "--append", "n.csv"];
    let (_, _, code) = run(administer(dir.path()).args(args).write_stdin("3\n3\n"));
    assert_eq!(code, 2);
    let answers = "0\n".repeat(7);
    let (out, err, code) = run(administer(dir.path())
        .args(args)
        .write_stdin(format!("n\n{answers}")));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[1/7] 1."), "starts again at item 1: {out}");
    assert!(
        out.contains("│ GAD-7 total ┆ 0     ┆ minimal ┆ complete │"),
        "{out}"
    );
    assert!(
        err.contains(
            "note: the unfinished answers were not resumed; they are kept in n.csv.N1.partial."
        ),
        "{err}"
    );
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("n.csv.N1.partial.") && n.ends_with(".old"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    let old = std::fs::read_to_string(dir.path().join(&aside[0])).unwrap();
    // the answers, then the line of the session that was offered them
    assert!(old.contains("\ngad7_1=3\ngad7_2=3\nsession=pid "), "{old}");
    assert!(!dir.path().join("n.csv.N1.partial").exists());
}

#[test]
fn plain_quit_asks_whether_to_keep_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "gad7", "--respondent", "Q1", "--append", "q.csv"])
        .write_stdin("1\n1\nquit\nn\n"));
    assert_eq!(code, 2);
    assert!(
        out.ends_with("Keep the 2 answer(s) given so far to resume later? (y/n)\n"),
        "{out}"
    );
    assert_eq!(err, "stopped (quit): the 2 answer(s) given were deleted\n");
    assert!(!dir.path().join("q.csv.Q1.partial").exists());
    assert!(!dir.path().join("q.csv").exists());

    let (_, err, code) = run(administer(dir.path())
        .args(["-i", "gad7", "--respondent", "Q1", "--append", "q.csv"])
        .write_stdin("1\nq\ny\n"));
    assert_eq!(code, 2);
    assert!(
        err.contains("stopped (quit) before the end: 1 answer(s) kept in q.csv.Q1.partial"),
        "{err}"
    );
    assert!(dir.path().join("q.csv.Q1.partial").exists());
}

#[test]
fn refusals_before_anything_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "other.csv", "id,phq9_1\n1,2\n");
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "gad7", "--append", "other.csv"])
        .write_stdin("1\n"));
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.starts_with("error: other.csv has other columns than a row for these instruments: it starts `id,phq9_1`, expected `id,timestamp,gad7_1,gad7_2,…,risk_reasons`"), "{err}");

    // a journal of other instruments beside the --append file is never
    // overwritten (another respondent has a journal of their own)
    let (_, _, code) = run(administer(dir.path())
        .args(["-i", "gad7", "--respondent", "A", "--append", "g.csv"])
        .write_stdin("1\n"));
    assert_eq!(code, 2);
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "gad2", "--respondent", "A", "--append", "g.csv"])
        .write_stdin("1\n"));
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("error: g.csv.A.partial holds unfinished answers of another session (--respondent A, -i gad7, started "), "{err}");

    let (_, err, code) = run(administer(dir.path())
        .args(["-i", "gad7", "--respondent", "a\tb"])
        .write_stdin(""));
    assert_eq!(code, 2);
    assert!(
        err.contains("--respondent must be 1 to 64 printable characters"),
        "{err}"
    );
}

// ------------------------------------------------------- pseudo-terminal

const TIMEOUT: Duration = Duration::from_secs(5);

/// The real binary on a fresh 80×24 pseudo-terminal.
pub(super) fn spawn_tty(dir: &Path, args: &[&str], colour: bool) -> Session {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_psyscreen"));
    cmd.current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("HOME", dir)
        .env("TERM", "xterm-256color")
        .arg("administer")
        .args(args);
    if colour {
        cmd.env_remove("NO_COLOR");
    } else {
        cmd.env("NO_COLOR", "1");
    }
    let mut s = Session::spawn(cmd).expect("open a pseudo-terminal and spawn psyscreen");
    s.set_expect_timeout(Some(TIMEOUT));
    s
}

pub(super) fn expect(s: &mut Session, what: &str) -> String {
    match s.expect(what) {
        Ok(c) => String::from_utf8_lossy(c.before()).into_owned(),
        Err(e) => panic!("waiting for {what:?}: {e}"),
    }
}

/// Everything until the program exits.
pub(super) fn rest(s: &mut Session) -> String {
    match s.expect(Eof) {
        Ok(c) => String::from_utf8_lossy(c.as_bytes()).into_owned(),
        Err(e) => panic!("waiting for the end: {e}"),
    }
}

/// The exit status as nix prints it, e.g. `Exited(Pid(123), 0)`.
pub(super) fn status(s: &Session) -> String {
    format!("{:?}", s.get_process().wait().expect("wait for psyscreen"))
}

#[test]
fn tty_full_phq9_back_skip_crisis_blocks_then_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(
        dir.path(),
        &["-i", "phq9", "--respondent", "T1", "--append", "t.csv"],
        false,
    );
    expect(&mut s, "Question 1 of 9");
    expect(&mut s, "1. Little interest or pleasure in doing things");
    expect(&mut s, " > 0  Not at all");
    expect(
        &mut s,
        "0–3 answer · ↑↓ Enter choose · b back · s skip · q quit",
    );
    s.send("2").unwrap(); // a digit answers at once
    expect(&mut s, "Question 2 of 9");
    s.send("\x1b[B").unwrap(); // ↓
    expect(&mut s, " > 1  Several days");
    s.send("\x1b[B\r").unwrap(); // ↓ Enter: 2
    expect(&mut s, "Question 3 of 9");
    s.send("b").unwrap(); // back to item 2, its answer marked
    expect(&mut s, "Question 2 of 9");
    expect(&mut s, " > 2  More than half the days ← current answer");
    s.send("x").unwrap(); // not a key: a hint, no crash
    expect(
        &mut s,
        "Press 0–3 to answer, or ↑/↓ and Enter; b back, s skip, q quit.",
    );
    s.send("3").unwrap();
    expect(&mut s, "Question 3 of 9");
    s.send("s").unwrap(); // skip asks first
    expect(
        &mut s,
        "Skip this question? It is recorded as missing. y = skip",
    );
    s.send("y").unwrap();
    expect(&mut s, "Question 4 of 9");
    for (n, key) in (5..=9).zip(["1", "1", "0", "0", "0"]) {
        s.send(key).unwrap();
        expect(&mut s, &format!("Question {n} of 9"));
    }
    s.send("1").unwrap(); // item 9: thoughts of self-harm
    expect(&mut s, "!! CRISIS: read this before going on !!");
    let shown = Instant::now();
    expect(&mut s, "Thank you for answering honestly.");
    expect(&mut s, "Crisis lines (list verified ");
    expect(&mut s, "12356");
    // typed ahead: discarded, the message stays
    s.send("\r0\r").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        s.check("All questions done").unwrap().is_empty(),
        "Enter within the first second must not pass the crisis message"
    );
    expect(&mut s, "Press Enter to continue.");
    assert!(
        shown.elapsed() >= Duration::from_millis(900),
        "{:?}",
        shown.elapsed()
    );
    s.send("\r").unwrap();
    expect(&mut s, "All questions done");
    expect(&mut s, "8 answered, 1 skipped.");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    // 2 + 3 + 1 + 1 + 0 + 0 + 0 + 1 = 8 over 8 answered, × 9 = 9 (prorated)
    assert!(
        out.contains("Results for T1 (8 answered, 1 skipped; policy default)"),
        "{out}"
    );
    assert!(
        out.contains("│ PHQ-9 total ┆ 9     ┆ mild ┆ prorated (1 missing) │"),
        "{out}"
    );
    assert!(out.contains("│ Risk level ┆ Urgent (urgent)"), "{out}");
    assert!(out.contains("saved T1 to t.csv"), "{out}");
    let st = status(&s);
    assert!(st.ends_with(", 0)"), "{st}");
    assert_eq!(
        scored(dir.path(), "t.csv", "phq9"),
        vec!["T1,9,mild,true,urgent,Urgent,PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)"]
    );
    let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    assert!(
        csv.contains("Z,2,3,,1,1,0,0,0,1,9,mild,true,urgent,"),
        "{csv}"
    );
}

#[test]
fn tty_small_terminal_crisis_scrolls_and_enter_waits_for_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(dir.path(), &["-i", "phq9"], false);
    // too small for even the short list of crisis lines
    s.get_process_mut().set_window_size(50, 10).unwrap();
    for n in 1..=8 {
        expect(&mut s, &format!("Question {n} of 9"));
        s.send("0").unwrap();
    }
    expect(&mut s, "Question 9 of 9");
    s.send("1").unwrap();
    expect(&mut s, "!! CRISIS: read this before going on !!");
    expect(&mut s, "↓ More below: press ↓ or Space to read on.");
    // the hold time is over, but the end has not been on screen
    std::thread::sleep(Duration::from_millis(1200));
    s.send("\r").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        s.check("All questions done").unwrap().is_empty(),
        "Enter before the last crisis line was shown must not pass the message"
    );
    for _ in 0..20 {
        s.send(" ").unwrap();
    }
    expect(&mut s, "112"); // the last line of the default regions (cn, intl)
    expect(&mut s, "Press Enter to continue.");
    s.send("\r").unwrap();
    expect(&mut s, "All questions done");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    // every crisis line again once the question screens closed, left in the
    // scrollback above the results
    let closed = out
        .rfind("\x1b[?1049l")
        .expect("the alternate screen was left");
    let results = out.find("Results for").expect("results printed");
    let again = &out[closed..results];
    for number in [
        "12356",
        "400-161-9995",
        "12355",
        "120 / 110",
        "findahelpline.com",
        "112",
    ] {
        assert!(
            again.contains(number),
            "{number} missing above the results:\n{out}"
        );
    }
    assert!(
        again.contains("!! CRISIS (for staff): act on this now !!"),
        "{out}"
    );
    let st = status(&s);
    assert!(st.ends_with(", 0)"), "{st}");
}

#[test]
fn tty_killed_after_three_answers_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-i", "phq9", "--respondent", "K1", "--append", "k.csv"];
    let mut s = spawn_tty(dir.path(), &args, true);
    expect(&mut s, "Question 1 of 9");
    for (n, key) in (2..=4).zip(["3", "2", "1"]) {
        s.send(key).unwrap();
        expect(&mut s, &format!("Question {n} of 9"));
    }
    let pid = s.get_process().pid().as_raw().to_string();
    let killed = Command::new("kill").args(["-KILL", &pid]).status().unwrap();
    assert!(killed.success());
    let st = status(&s);
    assert!(st.contains("SIGKILL"), "{st}");
    let journal = std::fs::read_to_string(dir.path().join("k.csv.K1.partial")).unwrap();
    assert!(
        journal.ends_with("\nphq9_1=3\nphq9_2=2\nphq9_3=1\n"),
        "{journal}"
    );

    let mut s = spawn_tty(dir.path(), &args, true);
    expect(&mut s, "Unfinished answers found");
    expect(&mut s, "K1: phq9; started ");
    expect(&mut s, "3 question(s) answered or skipped.");
    s.send("y").unwrap();
    expect(&mut s, "Question 4 of 9");
    expect(&mut s, "4. Feeling tired or having little energy");
    s.send("b").unwrap();
    expect(&mut s, "Question 3 of 9");
    expect(&mut s, " > 1  Several days ← current answer");
    s.send("\r").unwrap(); // the answer under the cursor: Enter keeps it
    for n in 5..=9 {
        expect(&mut s, &format!("Question {} of 9", n - 1));
        s.send("0").unwrap();
    }
    expect(&mut s, "Question 9 of 9");
    s.send("0").unwrap();
    expect(&mut s, "All questions done");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    assert!(
        out.contains("│ PHQ-9 total ┆ 6     ┆ mild ┆ complete │"),
        "{out}"
    );
    let st = status(&s);
    assert!(st.ends_with(", 0)"), "{st}");
    assert!(!dir.path().join("k.csv.K1.partial").exists());
    assert_eq!(
        scored(dir.path(), "k.csv", "phq9"),
        vec!["K1,6,mild,false,none,No flag,"]
    );
}

#[test]
fn tty_chinese_wide_characters_and_ctrl_c_keeps_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-i", "gad7", "--lang", "zh", "--respondent", "学生03"];
    let mut s = spawn_tty(dir.path(), &args, false);
    // the progress is right-aligned after a wide title: 80 - 1 columns
    let title = "广泛性焦虑量表（GAD-7）";
    let right = "第 1 题，共 7 题";
    let pad = 79 - title.width() - right.width();
    expect(&mut s, &format!("{title}{}{right}", " ".repeat(pad)));
    expect(&mut s, "受评者：学生03");
    expect(&mut s, " > 0  完全不会");
    expect(&mut s, "0–3 作答 · ↑↓ 回车 选择 · b 返回 · s 跳过 · q 退出");
    s.send("２").unwrap(); // a full-width digit from an input method
    expect(&mut s, "第 2 题，共 7 题");
    s.send("b").unwrap();
    expect(&mut s, "← 当前答案");
    s.send("b").unwrap();
    expect(&mut s, "这是第一题。");
    s.send("\x03").unwrap(); // Ctrl-C
    let out = rest(&mut s);
    // --lang zh: the message is Chinese (issue 13 item 5)
    assert!(
        out.contains("已停止（中断），尚未完成：已作答的 1 题保存在 "),
        "{out}"
    );
    let st = status(&s);
    assert!(st.ends_with(", 2)"), "{st}");
    let journal = dir
        .path()
        .join("data/psyscreen/administer-%E5%AD%A6%E7%94%9F03-gad7.partial");
    let text = std::fs::read_to_string(journal).unwrap();
    assert!(text.ends_with("\ngad7_1=2\n"), "{text}");
}

/// A closed terminal window or a dropped connection hangs the terminal up,
/// often without SIGHUP. The session must end (it once spun at 50-65% CPU
/// forever) and keep the answers given. Python's `pty` module closes the
/// master side without signalling the child, which no Rust PTY crate here
/// does without `unsafe`; python3 is on every machine of this project.
#[cfg(target_os = "linux")]
#[test]
fn tty_hung_up_terminal_ends_the_session_and_keeps_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let exe = assert_cmd::cargo::cargo_bin("psyscreen");
    let script = r#"
import os, pty, select, sys, time
exe, data = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.environ["XDG_DATA_HOME"] = data
    os.environ.pop("NO_COLOR", None)
    os.execv(exe, [exe, "administer", "-i", "phq9", "--respondent", "HUP1"])
def drain(seconds):
    end = time.time() + seconds
    while time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                os.read(fd, 65536)
            except OSError:
                return
drain(1.5)
os.write(fd, b"2")
drain(1.0)
os.close(fd)                       # hang up, no signal
for _ in range(50):                # up to 5 s
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print("exited", os.waitstatus_to_exitcode(status))
        sys.exit(0)
    time.sleep(0.1)
os.kill(pid, 9)
os.waitpid(pid, 0)
print("still running after 5 s")
sys.exit(1)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&exe)
        .arg(dir.path().join("data"))
        .output()
        .expect("python3 runs (it is on every machine of this project)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "exited 2");
    let journal = std::fs::read_to_string(
        dir.path()
            .join("data/psyscreen/administer-HUP1-phq9.partial"),
    )
    .unwrap();
    assert!(journal.ends_with("\nphq9_1=2\n"), "{journal}");
}

/// What an 80×24 terminal shows once the program has ended: the lines
/// printed after the question screens closed, the last 23 of them (the
/// 24th row holds the cursor).
fn last_screen(out: &str) -> (Vec<String>, String) {
    let after = out
        .rsplit("\x1b[?1049l")
        .next()
        .expect("the alternate screen was left")
        .replace('\r', "");
    let lines: Vec<String> = after.lines().map(str::to_string).collect();
    let shown = lines[lines.len().saturating_sub(23)..].to_vec();
    (shown, after)
}

#[test]
fn tty_a_session_ending_at_the_top_level_ends_with_its_result_on_the_last_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(
        dir.path(),
        &["-i", "phq9,gad7", "--respondent", "C1", "--append", "c.csv"],
        false,
    );
    for n in 1..=8 {
        expect(&mut s, &format!("Question {n} of 16"));
        s.send("1").unwrap();
    }
    expect(&mut s, "Question 9 of 16");
    s.send("2").unwrap();
    expect(&mut s, "Press Enter to continue.");
    s.send("\r").unwrap();
    for n in 10..=16 {
        expect(&mut s, &format!("Question {n} of 16"));
        s.send("2").unwrap();
    }
    expect(&mut s, "All questions done");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    assert!(status(&s).ends_with(", 0)"), "{}", status(&s));
    let (screen, after) = last_screen(&out);
    let text = screen.join("\n");
    // totals, bands, level and reasons together on the last screen
    for what in [
        "Results for C1 (16 answered, 0 skipped; policy default)",
        "│ PHQ-9 total ┆ 10 ",
        "│ GAD-7 total ┆ 14 ",
        "│ Risk level ┆ Urgent (urgent)",
        "PHQ-9 item 9: thoughts of death or self-harm",
        "GAD-7 ≥ 10",
        "saved C1 to c.csv",
    ] {
        assert!(
            text.contains(what),
            "{what:?} is not on the last screen:\n{text}"
        );
    }
    assert!(screen.iter().all(|l| l.width() <= 80), "{text}");
    // the crisis lines stay above it, in the scrollback
    let crisis = after
        .find("!! CRISIS (for staff): act on this now !!")
        .expect("crisis lines again");
    let results = after.find("Results for C1").unwrap();
    assert!(crisis < results, "{after}");
    assert!(after[crisis..results].contains("12356"), "{after}");
}

#[test]
fn tty_34x10_keeps_the_question_whole_and_scrolls_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(dir.path(), &["-i", "phq9,k10"], false);
    s.get_process_mut().set_window_size(34, 10).unwrap();
    for n in 1..=7 {
        expect(&mut s, &format!("Question {n} of 19"));
        s.send("0").unwrap();
    }
    // the longest PHQ-9 question: all of it, an option and the keys
    expect(&mut s, "Question 8 of 19");
    for line in [
        "8. Moving or speaking so slowly",
        "   around a lot more than usual",
        " > 0  Not at all",
        "0–3 answer · ↑↓ Enter choose · b",
    ] {
        expect(&mut s, line);
    }
    s.send("\x1b[B").unwrap(); // ↓: the next option scrolls into view
    expect(&mut s, " > 1  Several days");
    s.send("0").unwrap();
    // a risk question: skipping warns, and the question stays on screen
    expect(&mut s, "Question 9 of 19");
    s.send("s").unwrap();
    for line in [
        "9. Thoughts that you would be",
        "This is a risk question: without",
        "Skip this question? It is",
    ] {
        expect(&mut s, line);
    }
    s.send("n").unwrap();
    s.send("0").unwrap();
    // five options: those that do not fit are reached with ↓
    expect(&mut s, "Question 10 of 19");
    expect(&mut s, "1. In the past 4 weeks, about how");
    expect(&mut s, "   ↓ more options (↓)");
    s.send("\x1b[B\x1b[B\x1b[B\x1b[B").unwrap();
    expect(&mut s, " > 5  All of the time");
    s.send("\x03").unwrap();
    rest(&mut s);
}

#[test]
fn tty_space_pages_the_crisis_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(dir.path(), &["-i", "phq9"], false);
    s.get_process_mut().set_window_size(34, 10).unwrap();
    for n in 1..=8 {
        expect(&mut s, &format!("Question {n} of 9"));
        s.send("0").unwrap();
    }
    expect(&mut s, "Question 9 of 9");
    s.send("2").unwrap();
    expect(&mut s, "!! CRISIS: read this before going");
    expect(&mut s, "who is with you, or who asked you");
    expect(&mut s, "↓ More: Space"); // one row at 34 columns
                                     // one Space: the next page (a line overlaps), not the next line
    s.send(" ").unwrap();
    expect(&mut s, "number now (in China: 120).");
    expect(&mut s, "Crisis lines (list verified");
    s.send(" ").unwrap();
    expect(&mut s, "  - 12356 National psychological");
    s.send("\x03").unwrap();
    rest(&mut s);
}

#[test]
fn plain_chinese_session_messages_are_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-i",
        "gad2",
        "--lang",
        "zh",
        "--respondent",
        "学生9",
        "--append",
        "z.csv",
    ];
    let (_, err, code) = run(administer(dir.path()).args(args).write_stdin("1\n"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "已停止（输入结束），尚未完成：已作答的 1 题保存在 z.csv.%E5%AD%A6%E7%94%9F9.partial；再次运行同一命令即可继续\n"
    );
    let (_, err, code) = run(administer(dir.path()).args(args).write_stdin("n\n0\n0\n"));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with(
            "注意：未完成的作答没有继续，已另存于 z.csv.%E5%AD%A6%E7%94%9F9.partial.20"
        ),
        "{err}"
    );
    assert!(err.contains("\n已将 学生9 的作答保存到 z.csv（20"), "{err}");
    let (_, err, code) = run(administer(dir.path())
        .args(["-i", "gad2", "--lang", "zh"])
        .write_stdin("0\nq\nn\n"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.ends_with("\n已停止（退出）：已作答的 1 题已删除\n"),
        "{err}"
    );
    assert!(!err.contains("stopped") && !err.contains("note:"), "{err}");
}

#[test]
fn tty_40x12_the_result_is_a_list_that_fits_the_last_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(
        dir.path(),
        &["-i", "phq9", "--respondent", "N4", "--append", "n.csv"],
        false,
    );
    s.get_process_mut().set_window_size(40, 12).unwrap();
    for n in 1..=8 {
        expect(&mut s, &format!("Question {n} of 9"));
        s.send("0").unwrap();
    }
    expect(&mut s, "Question 9 of 9");
    s.send("1").unwrap();
    expect(&mut s, "!! CRISIS: read this before going on !!");
    for _ in 0..6 {
        s.send(" ").unwrap();
    }
    expect(&mut s, "Press Enter to continue.");
    s.send("\r").unwrap();
    expect(&mut s, "All questions done");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    assert!(status(&s).ends_with(", 0)"), "{}", status(&s));
    let (screen, _) = last_screen(&out);
    let screen = &screen[screen.len().saturating_sub(11)..];
    let text = screen.join("\n");
    for what in [
        "Results for N4 (9 answered, 0 skipped;",
        "  PHQ-9 total: 1 · minimal",
        "Risk level: Urgent (urgent)",
        "  • PHQ-9 item 9: thoughts of death or",
        "saved N4 to n.csv",
    ] {
        assert!(
            text.contains(what),
            "{what:?} is not on the last screen:\n{text}"
        );
    }
    assert!(screen.iter().all(|l| l.width() <= 40), "{text}");
}
