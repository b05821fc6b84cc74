//! `psyscreen change` end to end: two waves of the shipped class survey,
//! three waves, people who cannot be linked, pseudonymised waves, a
//! higher-is-better scale, the message when no reliable-change value is
//! published, a policy on change, and counts per group.
//!
//! Reliable change for PHQ-9 and GAD-7 is the published IAPT threshold in
//! the built-ins (|change| >= 6 and >= 4); the clinical range starts at
//! 10 (PHQ-9) and 8 (GAD-7); PHQ-9 response is a reduction of >= 50 %
//! and remission a total < 5, both for people who started at >= 10.

use crate::{bin, data, root, run, score_waves_bare, write, PHQ9_HEAD};

fn change(args: &[&str]) -> (String, String, i32) {
    run(bin().current_dir(root()).arg("change").args(args))
}

const WAVES: [&str; 2] = [
    "examples/class-survey.csv",
    "examples/class-survey-wave2.csv",
];

const HEADER: &str = "id,status,waves,baseline,level_t1,level_t2,phq9_total_t1,phq9_total_t2,phq9_change,phq9_rc,phq9_reliable,phq9_clinical,phq9_response,phq9_remission,phq9_prorated,gad7_total_t1,gad7_total_t2,gad7_change,gad7_rc,gad7_reliable,gad7_clinical,gad7_response,gad7_remission,gad7_prorated,risk_trajectory,critical,risk_level,risk_label,risk_reasons";

fn line<'a>(stdout: &'a str, id: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("{id},")))
        .unwrap_or_else(|| panic!("no row for {id} in\n{stdout}"))
}

#[test]
fn two_waves_of_the_class_survey() {
    let (stdout, stderr, code) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--waves",
        "t1,t2",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout.lines().next(), Some(HEADER));
    assert_eq!(stdout.lines().count(), 32, "31 people, none dropped");
    for (id, want) in [
        // PHQ-9 11 → 4: −7, |−7| ≥ 6 reliable; from ≥ 10 to < 10 recovered;
        // (11 − 4) / 11 = 64 % ≥ 50 %: response; 4 < 5: remission.
        // GAD-7 8 → 3: −5 ≥ 4 reliable; from ≥ 8 to < 8 recovered
        ("S7A03", "S7A03,linked,t1+t2,t1,monitor,none,11,4,-7,,improved,recovered,true,true,false,8,3,-5,,improved,recovered,,,false,resolved,,none,No flag,"),
        // PHQ-9 5 → 12: +7, reliably worse, into the clinical range; GAD-7 2 → 8: +6, the same
        ("S7A04", "S7A04,linked,t1+t2,t1,none,monitor,5,12,7,,deteriorated,into_clinical,,,false,2,8,6,,deteriorated,into_clinical,,,false,new,,monitor,Monitor,t2: PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up"),
        // 3 → 9: +6 reliable, but 9 is under 10; item 9 endorsed at t2
        ("S7B02", "S7B02,linked,t1+t2,t1,none,urgent,3,9,6,,deteriorated,no,,,false,3,4,1,,no_change,no,,,false,new,PHQ-9 item 9 (t2),urgent,Urgent,t2: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)"),
        // 16 → 6: −10, recovered; (16 − 6) / 16 = 62.5 %: response; 6 is no remission
        ("S7B06", "S7B06,linked,t1+t2,t1,refer,none,16,6,-10,,improved,recovered,true,false,false,11,5,-6,,improved,recovered,,,false,resolved,,none,No flag,"),
        // t1 prorated 9 → 2: −7 would be an improvement; a prorated total never counts as one.
        // Its t1 level (monitor) rests on item 9 left blank: whether a risk
        // was there to resolve is not known
        ("S8A09", "S8A09,linked,t1+t2,t1,monitor,none,9,2,-7,,uncertain,,,,true,2,1,-1,,no_change,no,,,false,unknown,,none,No flag,"),
        ("S7B05", "S7B05,unlinked,t1,,none,,2,,,,unknown,,,,,3,,,,unknown,,,,,unknown,,none,No flag,"),
        ("S8A11", "S8A11,unlinked,t2,,,none,,5,,,unknown,,,,,,3,,,unknown,,,,,unknown,,none,No flag,"),
    ] {
        assert_eq!(line(&stdout, id), want);
    }
    assert!(line(&stdout, "S8A02").contains(",persisting,\"PHQ-9 item 9 (t1, t2)\",urgent,"));
    assert!(
        stderr.contains("warning: 2 not linked (too few waves): S7B05 (t1), S8A11 (t2)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: phq9: |change| >= 6 (Lawn S"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("linked 29 of 31 people across 2 waves (t1, t2)\n"),
        "{stderr}"
    );
    assert_eq!(
        code, 1,
        "the invalid cell of wave 1 is reported as by `score`"
    );
}

#[test]
fn scored_waves_give_the_same_changes_as_raw_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut scored = Vec::new();
    for (w, name) in WAVES.iter().zip(["t1.csv", "t2.csv"]) {
        let out = dir.path().join(name);
        let (_, _, code) = run(bin().current_dir(root()).args([
            "score",
            w,
            "-i",
            "phq9,gad7",
            "-q",
            "-o",
            out.to_str().unwrap(),
        ]));
        assert!(code <= 1);
        scored.push(out);
    }
    let (from_scored, _, code) = change(&[
        scored[0].to_str().unwrap(),
        scored[1].to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "-q",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let (from_raw, _, _) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--waves",
        "t1,t2",
        "-q",
        "--format",
        "csv",
    ]);
    // a scored file has no item columns: the critical items are not known
    // from it; everything else is the same
    let without_critical = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| {
                let cells: Vec<&str> = l.split(',').take(25).collect();
                cells.join(",")
            })
            .collect()
    };
    assert_eq!(without_critical(&from_scored), without_critical(&from_raw));
}

#[test]
fn pseudonymised_waves_link_by_pseudonym() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("school.key");
    let mut scored = Vec::new();
    for (w, name) in WAVES.iter().zip(["p1.csv", "p2.csv"]) {
        let out = dir.path().join(name);
        run(bin().current_dir(root()).args([
            "score",
            w,
            "-i",
            "phq9,gad7",
            "-q",
            "--pseudonymize",
            key.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]));
        scored.push(out);
    }
    let (stdout, stderr, code) = change(&[
        scored[0].to_str().unwrap(),
        scored[1].to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.ends_with("linked 29 of 31 people across 2 waves (p1, p2)\n"),
        "{stderr}"
    );
    assert!(!stdout.contains("S7A"), "no raw id in pseudonymised output");
    let recovered = stdout
        .lines()
        .filter(|l| l.contains(",improved,recovered,"))
        .count();
    assert_eq!(
        recovered, 3,
        "S7A03, S7A07, S7B06 under their pseudonyms:\n{stdout}"
    );
}

#[test]
fn three_waves_from_the_first_wave_to_the_last() {
    let (t1, t2, t3) = (wave_file("t1"), wave_file("t2"), wave_file("t3"));
    let (stdout, stderr, code) = change(&[&t1, &t2, &t3, "-i", "phq9", "--format", "csv"]);
    assert_eq!(
        stdout,
        "id,status,waves,baseline,level_t1,level_t2,level_t3,phq9_total_t1,phq9_total_t2,phq9_total_t3,phq9_change,phq9_rc,phq9_reliable,phq9_clinical,phq9_response,phq9_remission,phq9_prorated,risk_trajectory,critical,risk_level,risk_label,risk_reasons
A,linked,t1+t2+t3,t1,monitor,none,none,14,8,2,-12,,improved,recovered,true,true,false,resolved,,none,No flag,
B,linked,t1+t2+t3,t1,none,urgent,none,2,9,0,-2,,no_change,no,,,false,resolved,PHQ-9 item 9 (t2),none,No flag,
C,linked,t1+t3,t1,none,,urgent,8,,9,1,,no_change,no,,,false,new,PHQ-9 item 9 (t3),urgent,Urgent,t3: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)
D,not_rescreened,t1+t2,,refer,refer,,17,16,,,,unknown,,,,,unknown,,refer,Refer,t2: PHQ-9 ≥ 15 (moderately severe or severe depressive symptoms): refer for clinical assessment; t2: PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up
E,linked,t2+t3,t2,,none,urgent,,0,9,9,,deteriorated,no,,,false,new,PHQ-9 item 9 (t3),urgent,Urgent,t3: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)
"
    );
    // A: 14 → 2 = −12; (14 − 2) / 14 = 86 % ≥ 50 %; 2 < 5. D keeps its t2 level
    assert!(
        stderr.contains("warning: 1 not re-screened at the last wave: D (t1+t2)\n"),
        "{stderr}"
    );
    assert_eq!(code, 0);
    let (_, stderr, _) = change(&[&t1, &t2, &t3, "-i", "phq9", "--min-waves", "3", "-q"]);
    assert!(
        stderr.contains("warning: 3 not linked (too few waves): C (t1+t3), D (t1+t2), E (t2+t3)\n"),
        "{stderr}"
    );
}

#[test]
fn duplicates_and_rows_without_an_id_keep_a_status() {
    let (t1, dup) = (data("change/t1.csv"), data("change/dup2.csv"));
    let (stdout, stderr, code) = change(&[
        t1.to_str().unwrap(),
        dup.to_str().unwrap(),
        "-i",
        "phq9",
        "--waves",
        "t1,t2",
        "--format",
        "csv",
    ]);
    assert!(
        line(&stdout, "A").starts_with("A,duplicate,t1+t2,,monitor,urgent,14,25,,,unknown,"),
        "the higher level is kept:\n{stdout}"
    );
    // the row without an id is named by its row and wave, as on stderr
    assert!(
        stdout.contains("\nrow 4 (t2),no_id,t2,,,none,,0,"),
        "{stdout}"
    );
    assert!(stderr.contains("warning: 1 in one wave twice (which row is theirs cannot be told; the higher level is kept): A (t1+t2)\n"), "{stderr}");
    assert!(
        stderr.contains("warning: 1 row(s) without an id, or with one that did not decode (cannot be linked): row 4 (t2)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: 2 not linked (too few waves): C (t1), D (t1)\n"),
        "{stderr}"
    );
    assert_eq!(
        stdout.lines().count(),
        6,
        "5 people and the row without an id"
    );
    assert_eq!(code, 0);
}

#[test]
fn a_higher_is_better_scale_in_one_long_file() {
    let long = data("change/who5-long.csv");
    let long = long.to_str().unwrap();
    // no published WHO-5 value is declared: the totals and the change are
    // shown, not judged reliable, and stderr says what would judge them
    let (stdout, stderr, code) = change(&[
        long,
        "-i",
        "who5",
        "--wave-column",
        "wave",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        line(&stdout, "a").starts_with(
            "a,linked,pre+post,pre,monitor,none,40,60,20,,,,,,false,10,15,5,,,,,,false,"
        ),
        "{stdout}"
    );
    assert!(
        stderr.starts_with("note: who5: no published reliable-change value: its totals and change are shown, not judged reliable (to judge them: --reliable-change who5=N, or --reliability who5=R --sd who5=SD, from a published source for your population)\n\
         note: who5_raw: no published reliable-change value: its totals and change are shown, not judged reliable (to judge them: --reliable-change who5_raw=N, or --reliability who5_raw=R --sd who5_raw=SD, from a published source for your population)\n"),
        "{stderr}"
    );
    let (stdout, stderr, code) = change(&[
        long,
        "-i",
        "who5",
        "--wave-column",
        "wave",
        "--reliability",
        "0.84",
        "--sd",
        "who5=10,who5_raw=2.5",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("note: who5: RC with r = 0.84 (given) and SD = 10 (given)\n"),
        "{stderr}"
    );
    // SE = 10 · √(1 − .84) = 4; S_diff = √2 · 4 = 5.657.
    // a: 40 → 60 %: RC = 20 / 5.657 = 3.54 > 1.96, higher is better: improved.
    // b: 60 → 20 %: RC = −40 / 5.657 = −7.07: deteriorated.
    // raw (0–25): SD 2.5, S_diff = 1.414; a: 10 → 15: 3.54; b: 15 → 5: −7.07
    assert!(line(&stdout, "a").starts_with("a,linked,pre+post,pre,monitor,none,40,60,20,3.54,improved,,,,false,10,15,5,3.54,improved,"), "{stdout}");
    assert!(line(&stdout, "b").starts_with("b,linked,pre+post,pre,none,refer,60,20,-40,-7.07,deteriorated,,,,false,15,5,-10,-7.07,deteriorated,"), "{stdout}");
    assert!(
        line(&stdout, "c").starts_with("c,unlinked,post,,,refer,"),
        "{stdout}"
    );
}

#[test]
fn values_given_on_the_command_line_must_be_whole_and_name_a_scale() {
    let (_, stderr, code) = change(&[WAVES[0], WAVES[1], "-i", "phq9", "--reliability", "0.8"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("phq9: --reliability without an SD: give --sd too"),
        "{stderr}"
    );
    let (_, stderr, code) = change(&[WAVES[0], WAVES[1], "-i", "phq9", "--sd", "nope=3"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--sd nope=3: `nope` is no scale of the run"),
        "{stderr}"
    );
}

#[test]
fn a_policy_on_change_flags_who_got_worse_and_never_lowers_for_a_missing_wave() {
    let (stdout, stderr, code) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--waves",
        "t1,t2",
        "--policy",
        "policies/follow-up.yaml",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let tail = |id: &str| {
        let l = line(&stdout, id);
        l.splitn(27, ',').nth(26).unwrap_or_default().to_string()
    };
    assert_eq!(
        tail("S7B02"),
        "urgent,Urgent,PHQ-9 item 9 newly endorsed since the first screening: same-day suicide risk assessment; reliably worse since the first screening (PHQ-9 or GAD-7): follow up; t2: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)"
    );
    assert_eq!(
        tail("S7A04"),
        "refer,Refer,reliably worse and now in the clinical range (PHQ-9 or GAD-7): refer for clinical assessment; reliably worse since the first screening (PHQ-9 or GAD-7): follow up; t2: PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up"
    );
    // not re-screened: the change cannot be ruled out, at least missing_critical;
    // each unknown said as people say it, once per scale (two rules name
    // PHQ-9's change: said once)
    assert_eq!(
        tail("S7B05"),
        "monitor,Monitor,cannot rule out: a new PHQ-9 critical answer unknown (not screened at t2); cannot rule out: PHQ-9 change unknown (not screened at t2); cannot rule out: GAD-7 change unknown (not screened at t2)"
    );
    // a newcomer: no earlier wave to change from, so no change to rule
    // out; their level is their wave's (PHQ-9 5, GAD-7 3: none)
    assert_eq!(tail("S8A11"), "none,No flag,");
    // item 9 endorsed at t1 (urgent), answered no at t2 (a clear screen):
    // still followed up
    assert_eq!(
        tail("S7A07"),
        "monitor,Monitor,\"suicide-risk question endorsed or not answered at an earlier screening (PHQ-9 item 9 or ASQ), answered no at this one: ask about it at follow-up\""
    );
    // item 9 left blank at t1 (monitor then), answered no at t2: it was
    // not ruled out then, so it is followed up too (an uncertain,
    // prorated, improvement is no deterioration)
    assert_eq!(
        tail("S8A09"),
        "monitor,Monitor,\"suicide-risk question endorsed or not answered at an earlier screening (PHQ-9 item 9 or ASQ), answered no at this one: ask about it at follow-up\""
    );
    assert!(stderr.contains("notice: 2 row(s) at `urgent`"), "{stderr}");
    // `score` skips the change rules: one wave has no change; `policy
    // validate` says they are rules for `change`, not rules left out
    let (out, stderr, code) = run(bin().current_dir(root()).args([
        "policy",
        "validate",
        "policies/follow-up.yaml",
        "-i",
        "phq9,gad7",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        out,
        "policies/follow-up.yaml: ok (5 rule(s) apply to phq9,gad7, 4 on change between waves (used by `psyscreen change`), 18 skipped: their instruments are not in the run)\n"
    );
}

#[test]
fn a_rule_naming_an_undeclared_outcome_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.yaml",
        "id: p\nlevels: [none, refer]\nmissing_critical: refer\nrules:\n  - {level: refer, when: \"phq9 >= 20\"}\n  - {level: refer, when: \"gad7_remission == 0\"}\n",
    );
    let (_, stderr, code) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--policy",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "`gad7_remission`: scale `gad7` has no remission cut-off (`remission_below`)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("p.yaml:6:"), "{stderr}");
    // a threshold no change reaches never fires: an error, as for row rules
    let p = write(
        dir.path(),
        "q.yaml",
        "id: q\nlevels: [none, refer]\nmissing_critical: refer\nrules:\n  - {level: refer, when: \"phq9 >= 20\"}\n  - {level: refer, when: \"phq9_change >= 28\"}\n",
    );
    let (_, stderr, code) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9",
        "--policy",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error: `phq9_change >= 28` can never be true: totals of `phq9_change` range from -27 to 27\n  --> "), "{stderr}");
}

#[test]
fn counts_per_class_suppress_small_groups() {
    let (stdout, stderr, code) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--by",
        "class",
        "--min-group",
        "11",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(
        stdout,
        "scope,class,n,suppressed,linked,phq9_improved,phq9_no_change,phq9_deteriorated,phq9_recovered,phq9_into_clinical,phq9_not_known,gad7_improved,gad7_no_change,gad7_deteriorated,gad7_recovered,gad7_into_clinical,gad7_not_known,risk_new,risk_escalated
group,7A,<11,true,,,,,,,,,,,,,,,
group,7B,<11,true,,,,,,,,,,,,,,,
group,8A,11,false,10,0,9,0,0,0,2,0,9,1,0,0,1,0,0
all,,11,false,10,0,9,0,0,0,2,0,9,1,0,0,1,0,0
"
    );
    assert!(
        stderr.contains("1 group(s) shown, 2 suppressed"),
        "{stderr}"
    );
    assert_eq!(code, 1);
    let (stdout, _, _) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--by",
        "class",
        "--format",
        "csv",
        "-q",
    ]);
    assert!(
        stdout.contains("\ngroup,7A,10,false,10,2,7,1,2,1,0,2,7,1,2,1,0,1,0\n"),
        "{stdout}"
    );
}

#[test]
fn a_bad_change_block_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(root().join("instruments/gad2.yaml")).unwrap();
    let bad = yaml.replace(
        "change:\n  higher_is: worse\n",
        "change:\n  higher_is: worse\n  reliability: {value: 1.5, source: \"\"}\n",
    );
    assert_ne!(bad, yaml);
    let f = write(dir.path(), "gad2x.yaml", &bad);
    let (_, stderr, code) = run(bin().args(["instruments", "validate", f.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error: reliability 1.5 is out of range"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: reliability without a source"),
        "{stderr}"
    );
    let line = bad.lines().position(|l| l.contains("value: 1.5")).unwrap() + 1;
    assert!(stderr.contains(&format!("gad2x.yaml:{line}:")), "{stderr}");
}

#[test]
fn instruments_show_prints_the_change_facts_with_their_sources() {
    let (stdout, _, code) = run(bin().args(["instruments", "show", "gad7"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("\nChange over time (psyscreen change):\n  gad7:\n    higher is worse\n    reliable change: |change| >= 4 (published threshold (IAPT reliable improvement / deterioration); Lawn S, Huang N, Zabeen S, et al. BMC Psychiatry 2019;19:2 (doi 10.1186/s12888-018-1987-1), Table 1: reliable improvement = improvement of >= 4 on GAD-7 (IAPT definition))\n    clinical range: total >= 8\n"), "{stdout}");
    let (stdout, _, _) = run(bin().args(["instruments", "show", "k10"]));
    assert!(stdout.contains("reliable change: none published here: give --reliability and --sd, or --reliable-change"), "{stdout}");
}

#[test]
fn the_report_page_counts_per_group_and_names_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("follow-up.html");
    let (stdout, stderr, code) = run(bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1764460800")
        .args([
            "change",
            WAVES[0],
            WAVES[1],
            "-i",
            "phq9,gad7",
            "--waves",
            "t1,t2",
            "--by",
            "class",
            "--min-group",
            "11",
            "-q",
        ])
        .arg("--report")
        .arg(&html));
    assert_eq!((stdout.as_str(), code), ("", 1), "{stderr}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<h1>Follow-up between screenings by class: t1 → t2</h1>"),
        "{page}"
    );
    assert!(page.contains("<dt>Date</dt><dd>2025-11-30</dd>"), "{page}");
    assert!(
        page.contains("<td class=\"num suppressed\">&lt;11</td>"),
        "7A and 7B are suppressed"
    );
    // 8A: 11 people, 10 linked; PHQ-9 none improved, 9 no change, 2 not known
    assert!(page.contains("<tr><td class=\"group\">8A</td><td class=\"num\">11</td><td class=\"num\">0</td><td class=\"num\">9</td>"), "{page}");
    assert!(
        !page.contains("S7A") && !page.contains("S8A"),
        "no id in the page"
    );
    let (_, stderr, code) = change(&[WAVES[0], WAVES[1], "-i", "phq9", "--report", "x.html"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--by"), "{stderr}");
}

// ---- found in review (issue 15 follow-up): careless and hostile inputs

/// Wave 2 of the class survey with three ids typed another way: one with
/// spaces around it (trimmed: linked), one in lower case and one in
/// full-width characters (a Chinese input method).
fn wave2_with_ids_typed_another_way(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join(WAVES[1])).unwrap();
    let text = text
        .replace("\nS7A01,", "\n S7A01 ,")
        .replace("\nS7A02,", "\ns7a02,")
        .replace("\nS7A03,", "\nＳ７Ａ０３,");
    write(dir, "t2.csv", &text)
}

#[test]
fn the_same_file_given_twice_is_refused() {
    // once everyone would read "no change": a slip, never a second wave
    let (stdout, stderr, code) =
        change(&[WAVES[0], WAVES[0], "-i", "phq9,gad7", "--waves", "t1,t2"]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.contains("error: waves t1 and t2 are the same file (examples/class-survey.csv): give each wave's own file\n"),
        "{stderr}"
    );
}

#[test]
fn ids_typed_another_way_are_trimmed_or_named_never_linked_silently() {
    let dir = tempfile::tempdir().unwrap();
    let t2 = wave2_with_ids_typed_another_way(dir.path());
    let (stdout, stderr, code) = change(&[
        WAVES[0],
        t2.to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "--waves",
        "t1,t2",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "the invalid cell of wave 1: {stderr}");
    // surrounding spaces are no part of an id
    assert!(line(&stdout, "S7A01").starts_with("S7A01,linked,t1+t2,"));
    // case and width are: two pupils may differ by case alone; named instead
    assert!(line(&stdout, "s7a02").starts_with("s7a02,unlinked,t2,"));
    assert!(
        stderr.contains("warning: 2 id(s) differ from another only in case or full-width characters and were not linked: S7A02 (t1) ~ s7a02 (t2), S7A03 (t1) ~ Ｓ７Ａ０３ (t2); if they are one person, write the id alike in every wave\n"),
        "{stderr}"
    );
}

#[test]
fn a_blank_wave_cell_is_said_to_be_empty() {
    let dir = tempfile::tempdir().unwrap();
    let long = write(
        dir.path(),
        "long.csv",
        "id,wave,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n\
         a,t1,1,1,1,1,1,1,1,1,0\n\
         a,t2,0,0,0,0,0,0,0,0,0\n\
         b,,3,3,3,3,3,3,3,3,0\n\
         b,t2,3,3,3,3,3,3,3,3,0\n",
    );
    let (_, stderr, code) = change(&[
        long.to_str().unwrap(),
        "-i",
        "phq9",
        "--wave-column",
        "wave",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "{stderr}");
    // no --waves was given: the message does not send the user to it
    assert!(
        stderr.contains("error: row 4, column wave: the wave is empty, so the row belongs to no wave; the row is not counted\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: the problem(s) above are in "),
        "{stderr}"
    );
}

#[test]
fn each_waves_problems_name_the_wave() {
    let (_, stderr, _) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--waves",
        "t1,t2",
        "-q",
        "--format",
        "csv",
    ]);
    assert!(
        stderr.starts_with("row 28, column gad7_2: 'sometimes' is not a valid answer for gad7_2 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing\nnote: the problem(s) above are in wave t1 (examples/class-survey.csv)\n"),
        "{stderr}"
    );
}

#[test]
fn a_duplicate_id_at_the_urgent_level_stays_urgent_in_rows_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut t2 = std::fs::read_to_string(root().join(WAVES[1])).unwrap();
    // S7A01 again in wave 2, now with item 9 endorsed (urgent by the default policy)
    t2.push_str("S7A01,7A,0,0,0,0,0,0,0,0,3,0,0,0,0,0,0,0\n");
    let t2 = write(dir.path(), "t2.csv", &t2);
    let args = |extra: &[&str]| {
        let mut v = vec![
            WAVES[0],
            t2.to_str().unwrap(),
            "-i",
            "phq9,gad7",
            "--waves",
            "t1,t2",
        ];
        v.extend_from_slice(extra);
        v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let a = args(&["--format", "csv"]);
    let (stdout, stderr, _) = change(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // which row is theirs cannot be told: no change, the higher level kept
    assert_eq!(
        line(&stdout, "S7A01"),
        "S7A01,duplicate,t1+t2,,none,urgent,3,3,,,unknown,,,,,7,0,,,unknown,,,,,unknown,PHQ-9 item 9 (t2),urgent,Urgent,t2: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)"
    );
    assert!(stderr.contains("notice: 3 row(s) at `urgent`"), "{stderr}");
    // counts per group: still the crisis notice (it was missing with --by)
    let a = args(&["--by", "class", "--format", "csv"]);
    let (_, stderr, _) = change(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        stderr.contains("notice: 3 row(s) at `urgent`: act on them now"),
        "{stderr}"
    );
    assert!(stderr.contains("notice: crisis protocol: "), "{stderr}");
}

#[test]
fn counts_per_group_as_a_table_are_one_table_per_scale() {
    let (stdout, stderr, _) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "--waves",
        "t1,t2",
        "--by",
        "class",
        "--format",
        "table",
    ]);
    // per class, by hand from the rows of two_waves_of_the_class_survey:
    // 7A: improved S7A03, S7A07; worse S7A04 (into the clinical range)
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "phq9", "{stdout}");
    assert!(
        lines[2].contains("improved") && lines[2].contains("recovered"),
        "{stdout}"
    );
    let row_7a = lines.iter().find(|l| l.contains(" 7A ")).unwrap();
    let cells: Vec<&str> = row_7a
        .split(['│', '┆'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        ["7A", "10", "10", "2", "7", "1", "2", "1", "0"],
        "{stdout}"
    );
    assert!(
        stdout.contains("\ngad7\n") && stdout.contains("\nrisk\n"),
        "{stdout}"
    );
    assert!(stderr.contains("notice: 2 row(s) at `urgent`"), "{stderr}");
}

#[test]
fn a_table_on_a_terminal_is_compact() {
    let out = crate::table::on_terminal(
        120,
        24,
        "change examples/class-survey.csv examples/class-survey-wave2.csv -i phq9,gad7 --waves t1,t2",
    );
    for l in out.lines() {
        use unicode_width::UnicodeWidthStr as _;
        assert!(l.width() <= 120, "wider than the terminal: {l:?}\n{out}");
    }
    let lines: Vec<&str> = out.lines().collect();
    // each total under its own wave's header (found by a trial session:
    // `phq9 t1 t2` over `5 unknown` did not say which wave the 5 was from)
    assert_eq!(
        compact_cells(lines[0], lines[0]),
        ["id", "status", "phq9 t1", "phq9 t2", "gad7 t1", "gad7 t2", "risk", "level", "reasons"],
        "{out}"
    );
    assert_eq!(
        lines.len(),
        2 + 31,
        "a header, a rule, one line per person:\n{out}"
    );
    let s7a04 = lines.iter().find(|l| l.starts_with("S7A04")).unwrap();
    // PHQ-9 5 → 12 (+7 ≥ 6, into ≥ 10); GAD-7 2 → 8 (+6 ≥ 4, into ≥ 8):
    // the verdict with the last wave's total
    assert_eq!(
        compact_cells(lines[0], s7a04)[2..6],
        ["5", "12 worse into clinical", "2", "8 worse into clinical"],
        "{s7a04}"
    );
    // seen at t2 only: the total under t2, none under t1
    let s8a11 = lines.iter().find(|l| l.starts_with("S8A11")).unwrap();
    assert_eq!(
        compact_cells(lines[0], s8a11)[..7],
        [
            "S8A11",
            "unlinked",
            "",
            "5 unknown",
            "",
            "3 unknown",
            "unknown"
        ],
        "{s8a11}"
    );
    assert!(
        s7a04.contains("Refer") || s7a04.contains("Monitor"),
        "{s7a04}"
    );
    // 80 columns: every line fits, the level still shown (reasons left out)
    let narrow = crate::table::on_terminal(
        80,
        24,
        "change examples/class-survey.csv examples/class-survey-wave2.csv -i phq9,gad7 --waves t1,t2",
    );
    for l in narrow.lines() {
        use unicode_width::UnicodeWidthStr as _;
        assert!(l.width() <= 80, "wider than the terminal: {l:?}\n{narrow}");
    }
    assert!(
        narrow
            .lines()
            .any(|l| l.starts_with("S8A02") && l.contains("Urgent")),
        "{narrow}"
    );
    let s8a09 = lines.iter().find(|l| l.starts_with("S8A09")).unwrap();
    assert_eq!(
        compact_cells(lines[0], s8a09)[2..4],
        ["9", "2 uncertain (prorated)"],
        "{s8a09}"
    );
}

/// A compact table's line cut into its cells at the columns of its header
/// line (columns start after two spaces; ASCII lines only).
fn compact_cells(header: &str, line: &str) -> Vec<String> {
    let h: Vec<char> = header.chars().collect();
    let starts: Vec<usize> = (0..h.len())
        .filter(|&i| h[i] != ' ' && (i == 0 || (i >= 2 && h[i - 1] == ' ' && h[i - 2] == ' ')))
        .collect();
    let l: Vec<char> = line.chars().collect();
    let cell = |from: usize, to: usize| -> String {
        l.get(from.min(l.len())..to.min(l.len()))
            .unwrap_or_default()
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    };
    starts
        .iter()
        .enumerate()
        .map(|(k, &from)| cell(from, starts.get(k + 1).copied().unwrap_or(usize::MAX)))
        .collect()
}

#[test]
fn a_scored_wave_without_its_prorated_column_never_counts_an_improvement() {
    // scored waves whose `_prorated` columns were deleted (a spreadsheet
    // tidied by hand): S8A09's PHQ-9 at t1 is prorated (9, one item
    // missing), 9 → 2 = −7 must not become a reliable improvement
    let dir = tempfile::tempdir().unwrap();
    let mut scored = Vec::new();
    for (w, name) in WAVES.iter().zip(["t1.csv", "t2.csv"]) {
        let (out, _, code) = run(bin().current_dir(root()).args([
            "score",
            w,
            "-i",
            "phq9,gad7",
            "-q",
            "--format",
            "csv",
        ]));
        assert!(code <= 1);
        let kept: String = out
            .lines()
            .map(|l| {
                // id, phq9_total, phq9_band, [phq9_prorated], gad7_total, gad7_band, [gad7_prorated], risk…
                let c: Vec<&str> = l.splitn(10, ',').collect();
                [c[0], c[1], c[2], c[4], c[5], c[7], c[8], c[9]].join(",") + "\n"
            })
            .collect();
        scored.push(write(dir.path(), name, &kept));
    }
    let (stdout, stderr, _) = change(&[
        scored[0].to_str().unwrap(),
        scored[1].to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "--format",
        "csv",
    ]);
    assert!(
        stderr.contains("t1.csv lacks phq9_prorated, gad7_prorated: whether its totals were prorated is not known, so no improvement from or to them counts as reliable (`uncertain`)\n"),
        "{stderr}"
    );
    assert!(
        line(&stdout, "S8A09")
            .starts_with("S8A09,linked,t1+t2,t1,monitor,none,9,2,-7,,uncertain,,,,true,"),
        "{stdout}"
    );
    // a deterioration still counts: S7A04 5 → 12 (+7 ≥ 6, into ≥ 10)
    assert!(
        line(&stdout, "S7A04").contains(",5,12,7,,deteriorated,into_clinical,"),
        "{stdout}"
    );
}

#[test]
fn a_scored_wave_without_an_instrument_of_the_run_says_so() {
    // wave 2 scored with PHQ-9 only, compared on PHQ-9 and GAD-7: once
    // "no item columns found", which sent the user looking for answers
    let dir = tempfile::tempdir().unwrap();
    let t2 = dir.path().join("t2.csv");
    let (_, _, code) = run(bin().current_dir(root()).args([
        "score",
        WAVES[1],
        "-i",
        "phq9",
        "-q",
        "-o",
        t2.to_str().unwrap(),
    ]));
    assert_eq!(code, 0);
    let (stdout, stderr, code) = change(&[WAVES[0], t2.to_str().unwrap(), "-i", "phq9,gad7", "-q"]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.contains("t2.csv is a file `score` wrote, without gad7_total: it was scored without some instrument of -i; give -i only the instruments every wave was scored with\n"),
        "{stderr}"
    );
    // with -i phq9 the two waves compare
    let (stdout, stderr, _) = change(&[
        WAVES[0],
        t2.to_str().unwrap(),
        "-i",
        "phq9",
        "-q",
        "--waves",
        "t1,t2",
        "--format",
        "csv",
    ]);
    assert!(
        line(&stdout, "S7A04")
            .starts_with("S7A04,linked,t1+t2,t1,none,monitor,5,12,7,,deteriorated,into_clinical,"),
        "{stdout}{stderr}"
    );
}

#[test]
fn more_min_waves_than_waves_is_a_usage_error() {
    // once every person was `unlinked`, with exit 1 for wave 1's bad cell
    let (stdout, stderr, code) =
        change(&[WAVES[0], WAVES[1], "-i", "phq9", "--min-waves", "3", "-q"]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr
            .ends_with("error: --min-waves 3 but only 2 waves were read: nobody could be linked\n"),
        "{stderr}"
    );
}

#[test]
fn a_wave_of_waves_that_no_row_names_is_warned_of() {
    let w = data("change/who5-long.csv");
    let (_, stderr, _) = change(&[
        w.to_str().unwrap(),
        "-i",
        "who5",
        "--wave-column",
        "wave",
        "--waves",
        "pre,post,fu",
        "--reliable-change",
        "10",
        "-q",
        "--format",
        "csv",
    ]);
    assert!(
        stderr.starts_with("warning: no row is of wave fu: nobody was screened at it (a label of --waves mistyped?)\n"),
        "{stderr}"
    );
}

#[test]
fn waves_pseudonymised_with_two_keys_link_nobody_and_say_so_briefly() {
    // two keys: every id differs; the warning must stay readable (once
    // every id of both waves on one line) and say what to check
    let dir = tempfile::tempdir().unwrap();
    let mut scored = Vec::new();
    for (k, w) in WAVES.iter().enumerate() {
        let key = dir.path().join(format!("k{k}.key"));
        let out = dir.path().join(format!("p{k}.csv"));
        run(bin().current_dir(root()).args([
            "score",
            w,
            "-i",
            "phq9,gad7",
            "-q",
            "--pseudonymize",
            key.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]));
        scored.push(out);
    }
    let (stdout, stderr, code) = change(&[
        scored[0].to_str().unwrap(),
        scored[1].to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "-q",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.lines().count(),
        1 + 60,
        "30 + 30 people, none dropped"
    );
    let named = stderr
        .lines()
        .find(|l| l.starts_with("warning: 60 not linked (too few waves): "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        named.ends_with(" and 10 more (see the status column)"),
        "{named}"
    );
    assert_eq!(named.matches(" (p").count(), 50, "fifty named: {named}");
    assert!(
        stderr.contains("warning: nobody was linked: are the waves' ids alike (the same id column, the same --pseudonymize key)?\n"),
        "{stderr}"
    );
}

#[test]
fn an_incomplete_total_is_named_in_the_reason_it_cannot_be_ruled_out() {
    // x: PHQ-9 at t2 with four items blank (more than the one PHQ-9
    // allows): incomplete, so neither its change nor a deterioration is
    // known; the follow-up policy's change rules give missing_critical
    let dir = tempfile::tempdir().unwrap();
    let head = PHQ9_HEAD;
    let t1 = write(
        dir.path(),
        "t1.csv",
        &format!("{head}x,1,1,1,1,0,0,0,0,0\n"),
    );
    let t2 = write(dir.path(), "t2.csv", &format!("{head}x,3,3,3,3,,,,,0\n"));
    let (stdout, stderr, code) = change(&[
        t1.to_str().unwrap(),
        t2.to_str().unwrap(),
        "-i",
        "phq9",
        "--policy",
        "policies/follow-up.yaml",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        line(&stdout, "x"),
        // the t2 row itself is at monitor: its total cannot be ruled out
        // either; a level that rests on a missing value is no new risk:
        // the trajectory is unknown
        "x,linked,t1+t2,t1,none,monitor,4,,,,unknown,,,,,unknown,,monitor,Monitor,cannot rule out: PHQ-9 change unknown (PHQ-9 incomplete at t2); t2: cannot rule out: PHQ-9 total missing"
    );
}

#[test]
fn a_copied_wave_is_warned_of() {
    // a copy of wave 1 under another name: not the same file, the same data
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("t2.csv");
    std::fs::copy(root().join(WAVES[0]), &copy).unwrap();
    let (_, stderr, _) = change(&[
        WAVES[0],
        copy.to_str().unwrap(),
        "-i",
        "phq9,gad7",
        "-q",
        "--format",
        "csv",
    ]);
    assert!(
        stderr.contains("warning: every linked person has the same totals at every wave: was one wave's data given twice (a copied file)?\n"),
        "{stderr}"
    );
    // two real waves: no such warning
    let (_, stderr, _) = change(&[
        WAVES[0],
        WAVES[1],
        "-i",
        "phq9,gad7",
        "-q",
        "--format",
        "csv",
    ]);
    assert!(!stderr.contains("same totals"), "{stderr}");
}

/// A suicide-risk answer never drops out of follow-up with
/// `policies/follow-up.yaml` (found by a trial session): endorsed at w1
/// and answered no at w3 is `monitor`; endorsed and then left blank, or
/// not screened again, stays `urgent` (it may persist); a newcomer is
/// judged by their own wave's rules alone; an id twice in the last wave
/// is judged by its kept row. Waves written by `score` without the item's
/// column say so on stderr.
#[test]
fn an_earlier_suicide_risk_answer_stays_on_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let head = PHQ9_HEAD;
    let row = |id: &str, item9: &str| format!("{id},0,0,0,0,0,0,0,0,{item9}\n");
    let w1: String = [
        row("A", "2"),
        row("B", "1"),
        row("C", "1"),
        row("D", "1"),
        row("E", "0"),
    ]
    .concat();
    let w2: String = [
        row("A", "0"),
        row("B", ""),
        row("D", "0"),
        row("D", "0"),
        row("E", "0"),
        row("N", "1"),
        row("M", "0"),
    ]
    .concat();
    write(dir.path(), "w1.csv", &format!("{head}{w1}"));
    write(dir.path(), "w2.csv", &format!("{head}{w2}"));
    let pol = root().join("policies/follow-up.yaml");
    let (stdout, stderr, code) = run(bin().current_dir(dir.path()).args([
        "change",
        "w1.csv",
        "w2.csv",
        "-i",
        "phq9",
        "--policy",
        pol.to_str().unwrap(),
        "--format",
        "csv",
        "-q",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let end = |id: &str| {
        let l = line(&stdout, id);
        // risk_level, risk_label, risk_reasons: after the critical column
        let cells: Vec<&str> = l.splitn(18, ',').collect();
        cells[cells.len() - 1].to_string()
    };
    let followed = "\"suicide-risk question endorsed or not answered at an earlier screening (PHQ-9 item 9 or ASQ), answered no at this one: ask about it at follow-up\"";
    assert_eq!(end("A"), format!("monitor,Monitor,{followed}"));
    assert_eq!(
        end("B"),
        "urgent,Urgent,cannot rule out: a new PHQ-9 critical answer unknown (no critical answer known at w2); cannot rule out: an earlier PHQ-9 critical answer persisting (no critical answer known at w2); w2: cannot rule out: PHQ-9 item 9 missing"
    );
    assert!(end("C").starts_with("urgent,Urgent,"), "{}", end("C"));
    assert!(
        end("C").contains(
            "cannot rule out: an earlier PHQ-9 critical answer persisting (not screened at w2)"
        ),
        "{}",
        end("C")
    );
    assert_eq!(
        end("D"),
        "monitor,Monitor,\"suicide-risk question endorsed or not answered at an earlier screening (PHQ-9 item 9 or ASQ), answered no at this one: ask about it at follow-up; cannot rule out: PHQ-9 change unknown (the id is twice in one wave)\""
    );
    assert_eq!(end("E"), "none,No flag,");
    // newcomers: their wave's rules only
    assert_eq!(
        end("N"),
        "urgent,Urgent,w2: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)"
    );
    assert_eq!(end("M"), "none,No flag,");

    // the default policy has no rules on change: A and D (item 9 at w1,
    // none at w2) end at `none`, and that is said
    let (_, stderr, code) = run(bin().current_dir(dir.path()).args([
        "change", "w1.csv", "w2.csv", "-i", "phq9", "--format", "csv", "-q",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: 2 person(s) endorsed or did not answer a critical item (such as PHQ-9 item 9) at an earlier wave and are at `none` now: this policy has no rules on change between waves, so only the critical column names them; a policy with such rules (see policies/follow-up.yaml) keeps them on the list\n"),
        "{stderr}"
    );

    // the same waves scored first, without the item's column
    score_waves_bare(dir.path(), &["w1", "w2"]);
    let (_, stderr, _) = run(bin().current_dir(dir.path()).args([
        "change", "sw1.csv", "sw2.csv", "-i", "phq9", "--format", "csv", "-q",
    ]));
    assert!(
        stderr.contains("warning: sw1.csv is a scored file without the critical item column(s) phq9_9: whether they were endorsed in this wave is not known (the critical column cannot name it, and rules on earlier critical answers count it as not ruled out); give change the wave's raw answers, or score it with --keep phq9_9 to carry them\n"),
        "{stderr}"
    );
}

/// A scored earlier wave keeps item 9 as it was written: a label in either
/// language is read as the answer it names, and a wave scored without the
/// column cannot rule the answer out. Both once counted as "no", so a
/// person with an earlier suicide-risk answer ended at `none` (found by a
/// trial session). A blank item 9 at an earlier wave is followed up too.
#[test]
fn a_scored_earlier_wave_never_hides_a_suicide_risk_answer() {
    let dir = tempfile::tempdir().unwrap();
    let head = PHQ9_HEAD;
    let row = |id: &str, item9: &str| format!("{id},1,1,0,0,0,0,0,0,{item9}\n");
    let w1: String = [
        row("L1", "Nearly every day"),
        row("L2", "几乎每天"),
        row("L3", " 1 "),
        row("Z", "Not at all"),
        row("B", ""),
    ]
    .concat();
    let w2: String = ["L1", "L2", "L3", "Z", "B"].map(|id| row(id, "0")).concat();
    write(dir.path(), "w1.csv", &format!("{head}{w1}"));
    write(dir.path(), "w2.csv", &format!("{head}{w2}"));
    let pol = root().join("policies/follow-up.yaml");
    let pol = pol.to_str().unwrap();
    let score = |keep: &[&str], out: &str| {
        let (_, e, c) = run(bin()
            .current_dir(dir.path())
            .args([
                "score", "w1.csv", "-i", "phq9", "--policy", pol, "-q", "-o", out,
            ])
            .args(keep));
        assert_eq!(c, 0, "{e}");
    };
    score(&["--keep", "phq9_9"], "kept.csv");
    score(&[], "bare.csv");
    let levels = |first: &str| {
        let (out, err, code) = run(bin().current_dir(dir.path()).args([
            "change", first, "w2.csv", "-i", "phq9", "--policy", pol, "--format", "csv", "-q",
        ]));
        assert_eq!(code, 0, "{err}");
        // no cell before `risk_level` holds a comma
        let at = out
            .lines()
            .next()
            .unwrap()
            .split(',')
            .position(|h| h == "risk_level");
        let level = |id: &str| {
            let line = out
                .lines()
                .find(|l| l.starts_with(&format!("{id},")))
                .unwrap();
            line.split(',').nth(at.unwrap()).unwrap().to_string()
        };
        (["L1", "L2", "L3", "Z", "B"].map(level), err)
    };
    let followed = ["monitor", "monitor", "monitor", "none", "monitor"];
    // the raw wave, the scored wave with the item kept as written
    assert_eq!(levels("w1.csv").0, followed);
    assert_eq!(levels("kept.csv").0, followed);
    // without the column nobody's answer is known: nobody is dropped
    let (bare, err) = levels("bare.csv");
    assert_eq!(bare, ["monitor"; 5]);
    assert!(
        err.contains("bare.csv is a scored file without the critical item column(s) phq9_9"),
        "{err}"
    );
}

/// Two waves with one label: from their files' names, give --waves; from
/// --waves itself, give each its own (it said "give --waves" when --waves
/// was given; found by a trial session).
#[test]
fn two_waves_with_one_label_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        write(&dir.path().join(sub), "x.csv", "id,phq9_9\nS1,0\n");
    }
    let refuse = |extra: &[&str]| {
        let (out, err, code) = run(bin()
            .current_dir(dir.path())
            .args(["change", "a/x.csv", "b/x.csv", "-i", "phq9"])
            .args(extra));
        assert_eq!((out.as_str(), code), ("", 2), "{err}");
        err
    };
    assert_eq!(
        refuse(&[]),
        "error: two waves are labelled `x` (their files' names): give --waves\n"
    );
    assert_eq!(
        refuse(&["--waves", "t,t"]),
        "error: --waves labels two waves `t`: give each wave its own label\n"
    );
    assert_eq!(
        refuse(&["--waves", " t, t "]),
        "error: --waves labels two waves `t`: give each wave its own label\n",
        "spaces around a label are not part of it"
    );
    // an empty label named columns `level_` (found by a trial session)
    assert_eq!(
        refuse(&["--waves", "t1,"]),
        "error: --waves t1,: label 2 is empty: give each wave a label\n"
    );
}

// ---- found by a trial session (ASQ in change, rows without an id, the
// compact table's waves, a blank item 9, --min-waves)

const PHQ9_ASQ: &str = "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,asq_1,asq_2,asq_3,asq_4,asq_5\n";

/// ASQ has no published reliable-change value. It once stopped every
/// `change` run that had it (so follow-up.yaml's `asq_earlier_critical`
/// could not run without an invented number); now its totals and change
/// are shown, not judged reliable, its critical answers are followed, and
/// only a rule that needs its reliable change stops the run, located, with
/// the flag to give.
#[test]
fn asq_has_no_reliable_change_but_its_critical_answers_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    // A: ASQ item 1 yes at w1, all no at w2 (item 5 not asked);
    // B: all no at w1, item 4 yes at w2
    write(
        dir.path(),
        "w1.csv",
        &format!("{PHQ9_ASQ}A,0,0,0,0,0,0,0,0,0,1,0,0,0,0\nB,0,0,0,0,0,0,0,0,0,0,0,0,0,\n"),
    );
    write(
        dir.path(),
        "w2.csv",
        &format!("{PHQ9_ASQ}A,0,0,0,0,0,0,0,0,0,0,0,0,0,\nB,0,0,0,0,0,0,0,0,0,0,0,0,1,0\n"),
    );
    let pol = root().join("policies/follow-up.yaml");
    let run_with = |extra: &[&str]| {
        run(bin()
            .current_dir(dir.path())
            .args([
                "change", "w1.csv", "w2.csv", "-i", "phq9,asq", "--format", "csv",
            ])
            .args(extra))
    };
    let (stdout, stderr, code) = run_with(&["--policy", pol.to_str().unwrap()]);
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), code),
        (
            "id,status,waves,baseline,level_w1,level_w2,phq9_total_w1,phq9_total_w2,phq9_change,phq9_rc,phq9_reliable,phq9_clinical,phq9_response,phq9_remission,phq9_prorated,asq_total_w1,asq_total_w2,asq_change,asq_rc,asq_reliable,asq_clinical,asq_response,asq_remission,asq_prorated,risk_trajectory,critical,risk_level,risk_label,risk_reasons
A,linked,w1+w2,w1,refer,none,0,0,0,,no_change,no,,,false,1,0,-1,,,,,,false,resolved,ASQ item 1 (w1),monitor,Monitor,\"suicide-risk question endorsed or not answered at an earlier screening (PHQ-9 item 9 or ASQ), answered no at this one: ask about it at follow-up\"
B,linked,w1+w2,w1,none,refer,0,0,0,,no_change,no,,,false,0,1,1,,,,,,false,new,ASQ item 4 (w2),refer,Refer,\"w2: ASQ positive: brief suicide safety assessment the same day, before the person leaves\"
",
            "note: phq9: |change| >= 6 (Lawn S, Huang N, Zabeen S, et al. BMC Psychiatry 2019;19:2 (doi 10.1186/s12888-018-1987-1), Table 1: reliable improvement = improvement of >= 6 on PHQ-9 (IAPT definition))
note: asq: no published reliable-change value: its totals and change are shown, not judged reliable (to judge them: --reliable-change asq=N, or --reliability asq=R --sd asq=SD, from a published source for your population)
linked 2 of 2 people across 2 waves (w1, w2)
",
            0
        )
    );
    // a rule on ASQ's reliable change could never be decided: refused
    // before anything is read, naming the rule and the flag to give
    let p = write(
        dir.path(),
        "p.yaml",
        "id: p\nlevels: [none, refer]\nmissing_critical: refer\nrules:\n  - {level: refer, when: \"asq >= 1\"}\n  - {level: refer, when: \"asq_reliably_deteriorated == 1\"}\n",
    );
    let (stdout, stderr, code) = run_with(&["--policy", p.to_str().unwrap()]);
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), code),
        (
            "",
            format!(
                "error: `asq_reliably_deteriorated`: scale `asq` has no published reliable-change value, so this rule could never be decided: give --reliable-change asq=N, or --reliability asq=R --sd asq=SD, with values from a published source for your population (or remove the rule)
  --> {}:6:26
  |
6 |   - {{level: refer, when: \"asq_reliably_deteriorated == 1\"}}
  |                          ^
",
                p.display()
            )
            .as_str(),
            2
        )
    );
    // with the flag it names, the rule runs
    let (stdout, stderr, code) = run_with(&[
        "--policy",
        p.to_str().unwrap(),
        "--reliable-change",
        "asq=1",
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        line(&stdout, "B").ends_with(",0,1,1,,deteriorated,,,,false,new,ASQ item 4 (w2),refer,refer,asq_reliably_deteriorated == 1; w2: asq >= 1"),
        "{stdout}"
    );
}

/// A row without an id cannot be linked; its line in the output is named
/// by its row and wave (it was blank: an urgent row no one could find),
/// in CSV, JSON Lines and on a terminal.
#[test]
fn a_row_without_an_id_is_named_by_its_row_and_wave() {
    let dir = tempfile::tempdir().unwrap();
    let head = PHQ9_HEAD;
    write(
        dir.path(),
        "w1.csv",
        &format!("{head}A,0,0,0,0,0,0,0,0,0\n"),
    );
    write(
        dir.path(),
        "w2.csv",
        &format!("{head}A,0,0,0,0,0,0,0,0,0\n,0,0,0,0,0,0,0,0,2\n"),
    );
    let args = ["change", "w1.csv", "w2.csv", "-i", "phq9", "-q"];
    let (stdout, stderr, code) = run(bin()
        .current_dir(dir.path())
        .args(args)
        .args(["--format", "csv"]));
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), code),
        (
            "id,status,waves,baseline,level_w1,level_w2,phq9_total_w1,phq9_total_w2,phq9_change,phq9_rc,phq9_reliable,phq9_clinical,phq9_response,phq9_remission,phq9_prorated,risk_trajectory,critical,risk_level,risk_label,risk_reasons
A,linked,w1+w2,w1,none,none,0,0,0,,no_change,no,,,false,none,,none,No flag,
row 3 (w2),no_id,w2,,,urgent,,2,,,unknown,,,,,unknown,PHQ-9 item 9 (w2),urgent,Urgent,w2: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)
",
            "warning: 1 row(s) without an id, or with one that did not decode (cannot be linked): row 3 (w2)
notice: 1 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)
notice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).
",
            0
        )
    );
    let (stdout, _, code) = run(bin()
        .current_dir(dir.path())
        .args(args)
        .args(["--format", "jsonl"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("\n{\"id\":\"row 3 (w2)\",\"status\":\"no_id\",\"waves\":\"w2\","),
        "{stdout}"
    );
    // on a terminal: the compact table's first column
    let w = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let out = crate::table::on_terminal(
        100,
        24,
        &format!("change {} {} -i phq9", w("w1.csv"), w("w2.csv")),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        compact_cells(lines[0], lines[3])[..6],
        ["row 3 (w2)", "no id", "", "2 unknown", "unknown", "Urgent"],
        "{out}"
    );
}

/// The compact table (on a terminal) puts each total under its own wave:
/// a person absent at a wave has a blank there, never a total that reads
/// as another wave's (three waves, one missed in the middle).
#[test]
fn a_compact_table_says_which_wave_each_total_is_from() {
    let out = crate::table::on_terminal(
        120,
        24,
        &format!(
            "change {} {} {} -i phq9",
            wave_file("t1"),
            wave_file("t2"),
            wave_file("t3")
        ),
    );
    let lines: Vec<&str> = out.lines().collect();
    let row = |id: &str| {
        let l = lines
            .iter()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no {id} in\n{out}"));
        compact_cells(lines[0], l)[..7].to_vec()
    };
    assert_eq!(
        row("id"),
        ["id", "status", "phq9 t1", "phq9 t2", "phq9 t3", "risk", "level"],
        "{out}"
    );
    // C: t1 and t3 (8 → 9); E: t2 and t3 (0 → 9); D: not at t3
    assert_eq!(
        row("C"),
        ["C", "linked", "8", "", "9 no change", "new", "Urgent"]
    );
    assert_eq!(
        row("E"),
        ["E", "linked", "", "0", "9 worse", "new", "Urgent"]
    );
    assert_eq!(
        row("D"),
        [
            "D",
            "not re-screened",
            "17",
            "16",
            "unknown",
            "unknown",
            "Refer"
        ]
    );
}

/// A critical item left blank makes that wave's level rest on a missing
/// value ("cannot rule out"): no risk trajectory is told from it. It once
/// read `new` (none at w1, monitor for the blank at w2), so a rule on new
/// risks fired as if item 9 had been endorsed. Now the trajectory is
/// `unknown`, and a rule on it gives its `if_missing` level, said why; a
/// blank at w1 with a clear w2 cannot be a new risk (no risk at w2).
#[test]
fn a_blank_critical_item_is_no_new_risk_but_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let head = PHQ9_HEAD;
    let row = |id: &str, item9: &str| format!("{id},0,0,0,0,0,0,0,0,{item9}\n");
    let w1 = [row("A", "0"), row("B", ""), row("C", "0"), row("D", "0")].concat();
    // D: monitor at w2 by item 1 whatever item 9 is, so a new risk for sure
    let w2 = [row("A", ""), row("B", "0"), row("C", "1")].concat() + "D,3,0,0,0,0,0,0,0,\n";
    write(dir.path(), "w1.csv", &format!("{head}{w1}"));
    write(dir.path(), "w2.csv", &format!("{head}{w2}"));
    write(
        dir.path(),
        "p.yaml",
        "id: p\nlevels: [none, monitor, refer, urgent]\nmissing_critical: monitor\nrules:\n  - {level: urgent, when: \"phq9_9 >= 1\", reason: \"item 9 endorsed\"}\n  - {level: monitor, when: \"phq9_1 >= 3\", reason: \"item 1 every day\"}\n  - {level: refer, when: \"risk_new == 1\", reason: \"a new risk since the first screening\"}\n",
    );
    let (stdout, stderr, code) = run(bin().current_dir(dir.path()).args([
        "change", "w1.csv", "w2.csv", "-i", "phq9", "--policy", "p.yaml", "--format", "csv", "-q",
    ]));
    assert_eq!(
        (stdout.as_str(), code),
        (
            "id,status,waves,baseline,level_w1,level_w2,phq9_total_w1,phq9_total_w2,phq9_change,phq9_rc,phq9_reliable,phq9_clinical,phq9_response,phq9_remission,phq9_prorated,risk_trajectory,critical,risk_level,risk_label,risk_reasons
A,linked,w1+w2,w1,none,monitor,0,0,0,,no_change,no,,,true,unknown,,monitor,monitor,cannot rule out: risk trajectory unknown (the level at w2 rests on a missing value); w2: cannot rule out: PHQ-9 item 9 missing
B,linked,w1+w2,w1,monitor,none,0,0,0,,no_change,no,,,true,unknown,,none,none,
C,linked,w1+w2,w1,none,urgent,0,1,1,,no_change,no,,,false,new,PHQ-9 item 9 (w2),urgent,urgent,a new risk since the first screening; w2: item 9 endorsed
D,linked,w1+w2,w1,none,monitor,0,3,3,,no_change,no,,,true,new,,refer,refer,a new risk since the first screening; w2: item 1 every day; w2: cannot rule out: PHQ-9 item 9 missing
",
            0
        ),
        "{stderr}"
    );
    // counted as a new risk only when it is one
    let (stdout, _, _) = run(bin().current_dir(dir.path()).args([
        "change",
        "w1.csv",
        "w2.csv",
        "-i",
        "phq9",
        "--policy",
        "p.yaml",
        "--by",
        "id",
        "--min-group",
        "1",
        "--format",
        "csv",
        "-q",
    ]));
    assert!(
        stdout.ends_with("\nall,,4,false,4,0,4,0,0,0,0,2,0\n"),
        "{stdout}"
    );
}

/// `--min-waves N` promises that people seen in fewer waves are
/// `unlinked`, with no change computed (`--help`, README). A policy's
/// change rules cannot be decided for them, so they get the rule's
/// `if_missing` level, said why: by design (a missing value never lowers a
/// level), pinned here.
#[test]
fn min_waves_leaves_people_in_fewer_waves_unlinked_and_not_ruled_out() {
    let (stdout, stderr, code) = change(&[
        &wave_file("t1"),
        &wave_file("t2"),
        &wave_file("t3"),
        "-i",
        "phq9",
        "--min-waves",
        "3",
        "--policy",
        "policies/follow-up.yaml",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    // C: t1 (8) and t3 (9, item 9): two waves of three
    assert_eq!(
        line(&stdout, "C"),
        "C,unlinked,t1+t3,,none,,urgent,8,,9,,,unknown,,,,,unknown,PHQ-9 item 9 (t3),urgent,Urgent,PHQ-9 item 9 newly endorsed since the first screening: same-day suicide risk assessment; cannot rule out: PHQ-9 change unknown (in fewer waves than --min-waves); t3: PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)"
    );
    assert!(line(&stdout, "A").starts_with("A,linked,t1+t2+t3,t1,"));
}

/// The path of `tests/data/change/{name}.csv`, as an argument.
fn wave_file(name: &str) -> String {
    data(&format!("change/{name}.csv"))
        .to_str()
        .unwrap()
        .to_string()
}
