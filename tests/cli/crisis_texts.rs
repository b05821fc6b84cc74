//! Issue 13 item 1: a policy's crisis text has two audiences. The person
//! answering reads a supportive text with the crisis lines on the crisis
//! screen, never the staff protocol ("RISK FLAG … Do not leave them alone");
//! staff read the protocol in the results, on stderr in batch, and in
//! `policy show`. `policy validate` wants both, in every language used.

use std::path::Path;

use expectrl::Expect as _;

use super::administer::{expect, rest, spawn_tty, status};
use super::{bin, root, run, write};

/// `administer` with its journal directory inside `dir`.
fn administer(dir: &Path) -> assert_cmd::Command {
    let mut c = bin();
    c.current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("HOME", dir)
        .arg("administer");
    c
}

/// Words of the built-in policies' staff protocols.
const STAFF_WORDS: [&str; 6] = [
    "RISK FLAG",
    "RED FLAG",
    "Do not leave",
    "风险提示",
    "红色预警",
    "不要让",
];

/// The crisis screen of a plain session: from its title to the prompt.
fn crisis_screen<'a>(out: &'a str, title: &str, enter: &str) -> &'a str {
    let start = out.find(title).expect("the crisis screen is shown");
    let end = start + out[start..].find(enter).expect("it asks for Enter");
    &out[start..end]
}

#[test]
fn plain_the_respondent_reads_a_supportive_text_and_staff_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let nine = format!("{}2\n\n", "0\n".repeat(8));
    for (policy, lang, respondent, staff, title, enter, again) in [
        (
            "policies/default.yaml",
            "en",
            "Please tell the person who is with you, or who asked you to fill this in, how you are feeling.",
            "RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone.",
            "!! CRISIS: read this before going on !!",
            "Press Enter to continue.",
            "!! CRISIS (for staff): act on this now !!",
        ),
        (
            "policies/default.yaml",
            "zh",
            "请把你现在的感受告诉此刻陪在你身边的人",
            "风险提示：此人可能有自杀或自伤风险。请不要让其独处。",
            "!! 危机提示：请先阅读 !!",
            "按回车键继续。",
            "!! 危机提示（工作人员）：请立即处理 !!",
        ),
        (
            "policies/school-tiers.yaml",
            "en",
            "Please tell the teacher or counselor who is with you how you are feeling",
            "RED FLAG: this student may be at risk of suicide or self-harm.",
            "!! CRISIS: read this before going on !!",
            "Press Enter to continue.",
            "!! CRISIS (for staff): act on this now !!",
        ),
        (
            "policies/school-tiers.yaml",
            "zh",
            "请把你现在的感受告诉陪在你身边的老师或心理老师",
            "红色预警：该学生可能有自杀或自伤风险。",
            "!! 危机提示：请先阅读 !!",
            "按回车键继续。",
            "!! 危机提示（工作人员）：请立即处理 !!",
        ),
    ] {
        let (out, err, code) = run(administer(dir.path())
            .args(["-i", "phq9", "--lang", lang, "--policy"])
            .arg(root().join(policy))
            .write_stdin(nine.as_str()));
        assert_eq!(code, 0, "{policy} {lang}: {err}");
        let screen = crisis_screen(&out, title, enter);
        assert!(screen.contains(respondent), "{policy} {lang}:\n{screen}");
        assert!(screen.contains("12356"), "the crisis lines: {screen}");
        for word in STAFF_WORDS {
            assert!(
                !screen.contains(word),
                "{policy} {lang}: {word:?} on the respondent's screen:\n{screen}"
            );
        }
        // once the session is over: the protocol for the counselor, above
        // the results
        let after = &out[out.find(enter).unwrap()..];
        let block = after.find(again).expect("the protocol after the session");
        let results = after
            .find(if lang == "zh" { " 的结果（" } else { "Results for " })
            .expect("results");
        assert!(block < results, "{after}");
        // wrapped to the terminal: compared without the line breaks
        let squash = |t: &str| t.split_whitespace().collect::<String>();
        assert!(
            squash(&after[block..results]).contains(&squash(staff)),
            "{policy} {lang}:\n{after}"
        );
    }
}

#[test]
fn a_policy_with_one_old_crisis_text_never_shows_it_to_the_respondent() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "old.yaml",
        "id: old\nlevels: [none, urgent]\nmissing_critical: urgent\nrules:\n  - {level: urgent, when: \"phq9_9 >= 1\", reason: \"PHQ-9 item 9\"}\ncrisis_message: {en: \"STAFF ONLY: call the duty psychologist on 555-0100.\"}\n",
    );
    let (out, err, code) = run(administer(dir.path())
        .args(["-i", "phq9", "--policy"])
        .arg(&policy)
        .write_stdin(format!("{}1\n\n", "0\n".repeat(8))));
    assert_eq!(code, 0, "{err}");
    let screen = crisis_screen(
        &out,
        "!! CRISIS: read this before going on !!",
        "Press Enter to continue.",
    );
    assert!(!screen.contains("STAFF ONLY"), "{screen}");
    assert!(
        screen.contains("Please tell the person who is with you"),
        "the built-in supportive text: {screen}"
    );
    let after = &out[out.find("Press Enter to continue.").unwrap()..];
    assert!(
        after.contains("STAFF ONLY: call the duty psychologist on 555-0100."),
        "{after}"
    );
    // every load says what happened to the text, located
    assert!(
        err.starts_with("warning: crisis_message has one text for everyone: it is used as the staff protocol only"),
        "{err}"
    );
    assert!(err.contains("--> "), "{err}");
    assert!(err.contains("old.yaml:6:17"), "{err}");
}

#[test]
fn batch_runs_give_the_staff_protocol_on_stderr() {
    let csv = "id,class,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\nA,1,0,0,0,0,0,0,0,0,2\nB,1,0,0,0,0,0,0,0,0,0\n";
    for (cmd, policy, protocol) in [
        (
            "score",
            "policies/default.yaml",
            "notice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone.",
        ),
        (
            "summary",
            "policies/school-tiers.yaml",
            "notice: crisis protocol: RED FLAG: this student may be at risk of suicide or self-harm. Do not leave the student alone.",
        ),
    ] {
        let (_, err, code) = run(bin()
            .args([cmd, "-", "-i", "phq9", "-q", "--policy"])
            .arg(root().join(policy))
            .args(if cmd == "summary" { &["--by", "class"][..] } else { &[] })
            .write_stdin(csv));
        assert_eq!(code, 0, "{cmd}: {err}");
        assert!(err.contains(protocol), "{cmd}: {err}");
    }
    // nobody at the top level: no protocol
    let (_, err, code) = run(bin()
        .args(["score", "-", "-i", "phq9", "-q"])
        .write_stdin("id,phq9_9\nB,0\n"));
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("crisis protocol"), "{err}");
}

#[test]
fn policy_validate_wants_both_texts_in_every_language_used() {
    let dir = tempfile::tempdir().unwrap();
    let head = "id: p\nname: {en: \"P\", zh: \"策略\"}\nlevels: [none, urgent]\nmissing_critical: urgent\nrules:\n  - {level: urgent, when: \"phq9_9 >= 1\"}\n";
    let validate = |name: &str, crisis: &str| {
        write(dir.path(), name, &format!("{head}{crisis}"));
        run(bin()
            .current_dir(dir.path())
            .args(["policy", "validate", name, "-i", "phq9"]))
    };
    // the old single text: an error for validate (a warning for a run)
    let (out, err, code) = validate(
        "old.yaml",
        "crisis_message: {en: \"Call 120.\", zh: \"拨打120。\"}\n",
    );
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.starts_with("error: crisis_message has one text for everyone: it is used as the staff protocol only (results, stderr, report); the respondent's crisis screen shows a built-in supportive text until you add a `respondent` text\n  --> old.yaml:7:17\n"),
        "{err}"
    );
    // no Chinese respondent text in a policy written in Chinese too
    let (_, err, code) = validate(
        "nozh.yaml",
        "crisis_message:\n  respondent: {en: \"Tell the person with you.\"}\n  staff: {en: \"Stay with them.\", zh: \"陪伴其身边。\"}\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: crisis_message.respondent has no Chinese text (what the person answering reads on the crisis screen), but the policy is written in Chinese too\n  --> nozh.yaml:8:15\n"),
        "{err}"
    );
    assert!(err.contains("expected `zh: ...`"), "{err}");
    // no staff text at all
    let (_, err, code) = validate(
        "nostaff.yaml",
        "crisis_message:\n  respondent: {en: \"Tell the person with you.\", zh: \"请告诉身边的人。\"}\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: crisis_message has no `staff` text (the protocol staff read): the built-in one is used\n  --> nostaff.yaml:8:"),
        "{err}"
    );
    // both forms at once: unclear which the respondent reads, for any command
    let (_, err, code) = validate(
        "both.yaml",
        "crisis_message:\n  en: \"Call 120.\"\n  staff: {en: \"Stay with them.\"}\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: crisis_message has both a single text"),
        "{err}"
    );
    // both texts in both languages: ok, nothing on stderr
    let (out, err, code) = validate(
        "good.yaml",
        "crisis_message:\n  respondent: {en: \"Tell the person with you.\", zh: \"请告诉身边的人。\"}\n  staff: {en: \"Stay with them.\", zh: \"陪伴其身边。\"}\n",
    );
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
}

#[test]
fn policy_show_gives_both_texts_and_the_published_sources() {
    let (out, _, code) = run(bin().args(["policy", "show"]));
    assert_eq!(code, 0);
    assert!(!out.contains("INSTRUMENTS.md"), "{out}");
    assert!(
        out.contains("Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure. J Gen Intern Med 2001;16:606-13"),
        "{out}"
    );
    assert!(
        out.contains("Crisis message for the respondent (on their screen):\n  Thank you for answering honestly."),
        "{out}"
    );
    assert!(
        out.contains(
            "Crisis protocol for staff (in the results, on stderr, in the report):\n  RISK FLAG:"
        ),
        "{out}"
    );
    let (out, _, _) = run(bin()
        .args(["policy", "show", "--lang", "zh"])
        .arg(root().join("policies/school-tiers.yaml")));
    assert!(out.contains("何筱衍"), "{out}");
    assert!(out.contains("  谢谢你如实作答。"), "{out}");
    assert!(out.contains("  红色预警："), "{out}");
}

/// The crisis screen at 80×24 holds the respondent's text and every crisis
/// line of the default regions at once, without the protocol; the protocol
/// comes after the question screens closed.
#[test]
fn tty_80x24_crisis_screen_is_for_the_respondent() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(dir.path(), &["-i", "phq9"], false);
    for n in 1..=8 {
        expect(&mut s, &format!("Question {n} of 9"));
        s.send("0").unwrap();
    }
    expect(&mut s, "Question 9 of 9");
    s.send("3").unwrap();
    expect(&mut s, "!! CRISIS: read this before going on !!");
    let screen = expect(&mut s, "Press Enter to continue.");
    for what in [
        "Thank you for answering honestly.",
        "Please tell the person who is with you",
        "12356",
        "112",
    ] {
        assert!(
            screen.contains(what),
            "{what:?} not on the screen:\n{screen}"
        );
    }
    assert!(!screen.contains("More below"), "it fits: {screen}");
    for word in STAFF_WORDS {
        assert!(!screen.contains(word), "{word:?}:\n{screen}");
    }
    s.send("\r").unwrap();
    expect(&mut s, "All questions done");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    assert!(status(&s).ends_with(", 0)"), "{}", status(&s));
    let closed = out
        .rfind("\x1b[?1049l")
        .expect("the alternate screen was left");
    let after = &out[closed..];
    assert!(
        after.contains("!! CRISIS (for staff): act on this now !!"),
        "{after}"
    );
    assert!(
        after.contains("RISK FLAG: this person may be at risk"),
        "{after}"
    );
}

/// The same in Chinese, with the school policy: the student's text and the
/// lines fit 80×24; the school's procedure comes after the session.
#[test]
fn tty_80x24_chinese_crisis_screen_is_for_the_student() {
    let dir = tempfile::tempdir().unwrap();
    let policy = root().join("policies/school-tiers.yaml");
    let mut s = spawn_tty(
        dir.path(),
        &[
            "-i",
            "phq9",
            "--lang",
            "zh",
            "--policy",
            policy.to_str().unwrap(),
        ],
        false,
    );
    for n in 1..=8 {
        expect(&mut s, &format!("第 {n} 题，共 9 题"));
        s.send("0").unwrap();
    }
    expect(&mut s, "第 9 题，共 9 题");
    s.send("1").unwrap();
    expect(&mut s, "!! 危机提示：请先阅读 !!");
    let screen = expect(&mut s, "按回车键继续。");
    for what in ["谢谢你如实作答。", "12356", "12355"] {
        assert!(
            screen.contains(what),
            "{what:?} not on the screen:\n{screen}"
        );
    }
    assert!(!screen.contains("下面还有内容"), "it fits: {screen}");
    for word in STAFF_WORDS {
        assert!(!screen.contains(word), "{word:?}:\n{screen}");
    }
    s.send("\r").unwrap();
    expect(&mut s, "全部题目已完成");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    assert!(status(&s).ends_with(", 0)"), "{}", status(&s));
    let closed = out
        .rfind("\x1b[?1049l")
        .expect("the alternate screen was left");
    assert!(out[closed..].contains("红色预警："), "{}", &out[closed..]);
}

/// At 40×12 (issue 13, tests: items 1–4 at 80×24 and 40×12): the first
/// question screen says the answers will not be saved (item 3), and the
/// crisis screen, paged with Space, is the respondent's text with the
/// crisis lines, never the staff protocol (item 1); the protocol comes
/// after the session, for staff.
#[test]
fn tty_40x12_not_saved_from_the_start_and_the_crisis_screen_is_for_the_respondent() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn_tty(dir.path(), &["-i", "phq9"], false);
    s.get_process_mut().set_window_size(40, 12).unwrap();
    expect(&mut s, "Question 1 of 9");
    s.send("0").unwrap();
    // the rest of the first screen
    let first = expect(&mut s, "Question 2 of 9");
    assert!(first.contains("not saved"), "{first}");
    let mut screens = String::new();
    s.send("0").unwrap();
    for n in 3..=8 {
        expect(&mut s, &format!("Question {n} of 9"));
        s.send("0").unwrap();
    }
    expect(&mut s, "Question 9 of 9");
    s.send("3").unwrap();
    expect(&mut s, "!! CRISIS: read this before going");
    // page through to its end: Enter is asked for once all was shown
    for _ in 0..8 {
        s.send(" ").unwrap();
    }
    screens.push_str(&expect(&mut s, "Press Enter to continue."));
    for what in ["person who is with you", "12356"] {
        assert!(
            screens.contains(what),
            "{what:?} not on the crisis screens:\n{screens}"
        );
    }
    for word in STAFF_WORDS {
        assert!(!screens.contains(word), "{word:?}:\n{screens}");
    }
    s.send("\r").unwrap();
    expect(&mut s, "All questions done");
    s.send("\r").unwrap();
    let out = rest(&mut s);
    assert!(status(&s).ends_with(", 0)"), "{}", status(&s));
    let after = &out[out.rfind("\x1b[?1049l").expect("the screens closed")..];
    assert!(
        after.contains("RISK FLAG: this person may be at risk"),
        "{after}"
    );
}
