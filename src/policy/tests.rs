use super::*;
use crate::instrument::load_str as load_instrument;

const INST: &str = r#"
id: t
version: "1"
name: {en: "T"}
citation: "c"
license: "l"
response_sets:
  r: [{value: 0, label: {en: "no"}}, {value: 1, label: {en: "some"}}, {value: 2, label: {en: "lots"}}, {value: 3, label: {en: "all"}}]
items:
  - {id: t_1, text: {en: "a"}, responses: r}
  - {id: t_2, text: {en: "b"}, responses: r}
  - {id: t_3, text: {en: "c"}, responses: r}
scales:
  - id: t
    items: [t_1, t_2, t_3]
    method: sum
    missing: {max_missing: 1, impute: prorate}
    bands: [{min: 0, max: 4, label: low}, {min: 5, max: 9, label: high}]
critical_items: [t_3]
"#;

const POLICY: &str = r#"
id: p
levels: [none, monitor, refer, urgent]
labels: {zh: {none: "无", monitor: "关注", refer: "转介", urgent: "紧急"}}
missing_critical: monitor
rules:
  - {level: urgent, when: "t_3 >= 2", reason: "item 3 high"}
  - {level: refer, when: "t >= 5"}
  - {level: monitor, when: {all: ["t_1 >= 1", "t_2 >= 1"]}, if_missing: refer, reason: "both"}
"#;

struct Names;
impl NameCatalog for Names {
    fn is_known(&self, name: &str) -> bool {
        name.starts_with("phq9")
    }
}

fn setup() -> (Battery, Policy) {
    let inst = load_instrument("t.yaml", INST, "test").unwrap();
    let battery = Battery::new(vec![inst]);
    let policy = load_str("p.yaml", POLICY).unwrap();
    (battery, policy)
}

fn run(answers: [Option<i32>; 3]) -> (String, String) {
    let (battery, policy) = setup();
    let bound = policy.bind(&battery, &Names).unwrap();
    let mut a: Vec<Answer> = answers
        .iter()
        .map(|v| v.map_or(Answer::Missing, Answer::Value))
        .collect();
    let mut r = vec![ScaleResult::default(); 1];
    battery.score(&mut a, &mut r);
    let mut out = Outcome::default();
    bound.evaluate(&battery, &a, &r, &mut out);
    let mut reasons = String::new();
    bound.reasons(&out, Lang::En, &mut reasons);
    (policy.level_id(out.level).to_string(), reasons)
}

#[test]
fn nothing_fires() {
    assert_eq!(
        run([Some(0), Some(0), Some(0)]),
        ("none".into(), String::new())
    );
}

#[test]
fn every_matching_rule_is_reported_highest_wins() {
    assert_eq!(
        run([Some(2), Some(1), Some(2)]),
        ("urgent".into(), "item 3 high; t >= 5; both".into())
    );
}

#[test]
fn missing_critical_item_cannot_be_ruled_out() {
    // t_3 missing: the urgent rule is undecidable → monitor (missing_critical)
    assert_eq!(
        run([Some(0), Some(0), None]),
        ("monitor".into(), "cannot rule out: T item 3 missing".into())
    );
}

#[test]
fn if_missing_raises_to_its_level() {
    // t_2 missing, t_1 true: the `all` rule is undecidable → refer
    let (level, reasons) = run([Some(1), None, Some(0)]);
    assert_eq!(level, "refer");
    assert_eq!(reasons, "cannot rule out: T item 2 missing");
    // t_1 false decides `all` even though t_2 is missing
    assert_eq!(
        run([Some(0), None, Some(0)]),
        ("none".into(), String::new())
    );
}

#[test]
fn incomplete_scale_is_missing_for_rules() {
    // two of three missing → t incomplete → `t >= 5` undecidable → monitor
    let (level, reasons) = run([None, None, Some(1)]);
    assert_eq!(level, "refer"); // the `all` rule: t_1 missing → if_missing refer
    assert!(
        reasons.contains("cannot rule out: T total missing"),
        "{reasons}"
    );
}

#[test]
fn invalid_answer_counts_as_missing() {
    let (battery, policy) = setup();
    let bound = policy.bind(&battery, &Names).unwrap();
    let mut a = vec![Answer::Value(0), Answer::Value(0), Answer::Invalid];
    let mut r = vec![ScaleResult::default(); 1];
    battery.score(&mut a, &mut r);
    let mut out = Outcome::default();
    bound.evaluate(&battery, &a, &r, &mut out);
    assert_eq!(policy.level_id(out.level), "monitor");
}

#[test]
fn rules_of_absent_instruments_are_skipped_and_typos_are_errors() {
    let (battery, _) = setup();
    let p = load_str("p.yaml", "id: p\nlevels: [a, b]\nmissing_critical: b\nrules:\n  - {level: b, when: \"phq9 >= 10\"}\n").unwrap();
    let bound = p.bind(&battery, &Names).unwrap();
    assert_eq!((bound.rules.len(), bound.skipped), (0, 1));
    let p = load_str("p.yaml", "id: p\nlevels: [a, b]\nmissing_critical: b\nrules:\n  - {level: b, when: \"phq8 >= 10\"}\n").unwrap();
    let err = p.bind(&battery, &Names).unwrap_err().to_string();
    assert!(
        err.contains("rule names `phq8`, which is no item or scale"),
        "{err}"
    );
    assert!(err.contains("p.yaml:5:"), "{err}");
}

#[test]
fn bad_policies_are_located() {
    let errs = load_str(
        "p.yaml",
        "id: p\nlevels: [a, b, a]\nmissing_critical: c\nrules:\n  - {level: z, when: \"x >> 1\"}\n",
    )
    .unwrap_err();
    let msgs: Vec<String> = errs
        .iter()
        .map(|d| format!("{}:{}", d.span.map_or(0, |s| s.line), d.message))
        .collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(
        msgs[0].starts_with("2:level `a` is listed twice"),
        "{msgs:?}"
    );
    assert!(msgs[1].starts_with("3:unknown level `c`"), "{msgs:?}");
    assert!(
        msgs[2].starts_with("5:rule uses unknown level `z`"),
        "{msgs:?}"
    );
    assert!(
        msgs[3].starts_with("5:cannot read condition `x >> 1`"),
        "{msgs:?}"
    );
}

#[test]
fn levels_are_ordered() {
    let (_, p) = setup();
    assert!(p.level("urgent").unwrap() > p.level("refer").unwrap());
    assert!(p
        .parse_level("severe")
        .unwrap_err()
        .to_string()
        .contains("expected one of none, monitor, refer, urgent"));
}

#[test]
fn a_level_is_named_by_its_id_or_its_label() {
    let (_, p) = setup();
    let refer = p.level("refer").unwrap();
    for name in ["refer", "Refer", "REFER", "转介", " 转介 "] {
        assert_eq!(p.parse_level(name).unwrap(), refer, "{name}");
    }
    assert!(p.parse_level("转").is_err());
}

fn messages(errs: &[Diagnostic]) -> Vec<String> {
    errs.iter()
        .map(|d| format!("{}:{}", d.span.map_or(0, |s| s.line), d.message))
        .collect()
}

#[test]
fn an_unknown_crisis_region_is_located() {
    let errs = load_str(
        "p.yaml",
        "id: p\nlevels: [a, b]\nmissing_critical: b\nrules:\n  - {level: b, when: \"t >= 5\"}\ncrisis_regions: [cn-bj, china]\n",
    )
    .unwrap_err();
    assert_eq!(
        messages(&errs),
        ["6:unknown crisis region `china`: no crisis line is listed for it"]
    );
}

#[test]
fn a_policy_needs_a_rule_at_its_top_level() {
    let errs = load_str(
        "p.yaml",
        "id: p\nlevels: [a, b, c]\nmissing_critical: b\nrules:\n  - {level: b, when: \"t >= 5\", if_missing: c}\n",
    )
    .unwrap_err();
    assert_eq!(messages(&errs).len(), 1);
    assert!(
        errs[0]
            .message
            .starts_with("no rule gives the top level `c`"),
        "{:?}",
        errs[0]
    );
}

#[test]
fn switching_off_fail_toward_safety_is_allowed_with_warnings() {
    let p = load_str(
        "p.yaml",
        "id: p\nlevels: [ok, flag]\nmissing_critical: ok\nrules:\n  - {level: flag, when: \"t >= 5\", if_missing: ok}\n  - {level: flag, when: \"t_1 >= 3\"}\n",
    )
    .unwrap();
    assert_eq!(
        messages(&p.warnings),
        [
            "3:`missing_critical: ok` switches off failing toward safety: a person whose critical item is missing gets no flag for it",
            "5:`if_missing: ok` switches off failing toward safety: when this rule's data are missing, the person gets no flag for it",
        ]
    );
    let (_, safe) = setup();
    assert!(safe.warnings.is_empty());
}

#[test]
fn thresholds_no_answer_can_reach_fail_to_bind() {
    let (battery, _) = setup();
    let p = load_str(
        "p.yaml",
        "id: p\nlevels: [a, b]\nmissing_critical: b\nrules:\n  - {level: b, when: {all: [\"t_1 >= 4\", \"t >= 9\", \"t > 9\"]}}\n  - {level: b, when: \"t == 2.5\"}\n",
    )
    .unwrap();
    let err = p.bind(&battery, &Names).unwrap_err().to_string();
    assert!(
        err.contains(
            "error: `t_1 >= 4` can never be true: answers of `t_1` are 0 to 3\n  --> p.yaml:5:"
        ),
        "{err}"
    );
    assert!(
        err.contains("`t > 9` can never be true: totals of `t` range from 0 to 9"),
        "{err}"
    );
    assert!(
        err.contains("`t == 2.5` can never be true: totals of `t` are whole numbers"),
        "{err}"
    );
    assert!(!err.contains("`t >= 9`"), "{err}");
}

#[test]
fn a_reason_may_not_contain_the_separator() {
    let errs = load_str(
        "p.yaml",
        "id: p\nlevels: [a, b]\nmissing_critical: b\nrules:\n  - {level: b, when: \"t >= 5\", reason: \"high; act\"}\n  - level: b\n    when: \"t_1 >= 3\"\n    reason: {en: \"fine, really\", zh: \"高; 处理\"}\n",
    )
    .unwrap_err();
    let m = messages(&errs);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].starts_with("5:the English reason contains `; `"),
        "{m:?}"
    );
    assert!(
        m[1].starts_with("8:the Chinese reason contains `; `"),
        "{m:?}"
    );
    // the full-width ； is no separator
    load_str(
        "p.yaml",
        "id: p\nlevels: [a, b]\nmissing_critical: b\nrules:\n  - {level: b, when: \"t >= 5\", reason: {en: \"a, b\", zh: \"高；处理\"}}\n",
    )
    .unwrap();
}

#[test]
fn shipped_policies_load_and_no_reason_holds_the_separator() {
    for (file, text) in [
        ("policies/default.yaml", DEFAULT_POLICY),
        (
            "policies/school-tiers.yaml",
            include_str!("../../policies/school-tiers.yaml"),
        ),
    ] {
        let p = load_str(file, text).unwrap();
        assert!(p.warnings.is_empty(), "{file}");
        for r in &p.rules {
            for t in [&r.reason.en, &r.reason.zh].into_iter().flatten() {
                assert!(!t.contains(';') && !t.contains('；'), "{file}: {t}");
            }
        }
    }
}

#[test]
fn rules_that_can_never_hold_together_are_errors_and_so_is_an_unreachable_top() {
    let (battery, _) = setup();
    let bind = |rules: &str| {
        load_str(
            "p.yaml",
            &format!("id: p\nlevels: [a, b]\nmissing_critical: b\nrules:\n{rules}"),
        )
        .unwrap()
        .bind(&battery, &Names)
        .map(|b| b.rules.len())
        .map_err(|e| e.to_string())
    };
    // t_1 and t_2 at 0 keep t (prorated or not) at most 3
    let err = bind("  - {level: b, when: {all: [\"t >= 4\", \"t_1 == 0\", \"t_2 == 0\"]}}\n")
        .unwrap_err();
    assert!(
        err.contains("with those answers, totals of `t` range from 0 to 3, and none is >= 4"),
        "{err}"
    );
    assert!(
        err.contains("no rule for the top level `b` can ever be true"),
        "{err}"
    );
    assert_eq!(
        bind("  - {level: b, when: {all: [\"t >= 3\", \"t_1 == 0\", \"t_2 == 0\"]}}\n"),
        Ok(1)
    );
    // one part of an instrument outside the run: not this check's business
    assert_eq!(
        bind("  - {level: b, when: {all: [\"phq9 >= 10\", \"t_1 >= 1\"]}}\n"),
        Ok(1)
    );
}

const CRISIS_HEAD: &str = "id: p\nlevels: [a, b]\nlabels: {zh: {a: \"甲\", b: \"乙\"}}\nmissing_critical: b\nrules:\n  - {level: b, when: \"t >= 5\"}\n";

#[test]
fn the_old_single_crisis_text_is_the_staff_protocol() {
    let p = load_str(
        "p.yaml",
        &format!("{CRISIS_HEAD}crisis_message: {{en: \"RISK FLAG: stay with them\"}}\n"),
    )
    .unwrap();
    assert_eq!(p.crisis_staff(Lang::En), "RISK FLAG: stay with them");
    assert!(!p.crisis_respondent(Lang::En).contains("RISK FLAG"));
    assert_eq!(p.crisis_gaps.len(), 1);
    assert!(p.crisis_gaps[0]
        .message
        .starts_with("crisis_message has one text for everyone"));
}

#[test]
fn crisis_texts_are_wanted_in_every_language_the_policy_uses() {
    // the zh labels make it a Chinese policy too
    let p = load_str(
        "p.yaml",
        &format!("{CRISIS_HEAD}crisis_message:\n  respondent: {{en: \"Tell the person with you.\"}}\n  staff: {{en: \"Stay.\", zh: \"陪伴。\"}}\n"),
    )
    .unwrap();
    let gaps: Vec<&str> = p.crisis_gaps.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(gaps, ["crisis_message.respondent"]);
    assert_eq!(p.crisis_respondent(Lang::En), "Tell the person with you.");
    assert!(p.crisis_respondent(Lang::Zh).contains("陪在你身边的人"));
    // both forms at once: an error
    let e = load_str(
        "p.yaml",
        &format!("{CRISIS_HEAD}crisis_message:\n  en: \"x\"\n  staff: {{en: \"y\"}}\n"),
    )
    .unwrap_err();
    assert!(e[0].message.contains("both a single text"), "{e:?}");
    // no crisis_message: the built-in texts, nothing missing
    let p = load_str("p.yaml", CRISIS_HEAD).unwrap();
    assert!(p.crisis_gaps.is_empty());
    assert!(p.crisis_staff(Lang::Zh).starts_with("风险提示"));
}

/// `rests_on_unknown` reads the reasons `Bound::reasons` writes, in either
/// language: a blank item 9 is `cannot rule out`, an endorsed one is not
/// (the words are the policy's own: this test follows them).
#[test]
fn reasons_that_rest_on_a_missing_value() {
    use crate::score::{Answer, Battery, ScaleResult};
    let battery = Battery::new(crate::instrument::resolve(&["phq9".into()]).unwrap());
    let policy = load(None).unwrap();
    let bound = policy
        .bind(&battery, &crate::instrument::BuiltinNames::default())
        .unwrap();
    let reasons = |item9: Answer, lang: Lang| {
        let mut a = vec![Answer::Value(0); 8];
        a.push(item9);
        let mut r = vec![ScaleResult::default(); 1];
        battery.score(&mut a, &mut r);
        let mut out = Outcome::default();
        bound.evaluate(&battery, &a, &r, &mut out);
        let mut buf = String::new();
        bound.reasons(&out, lang, &mut buf);
        buf
    };
    for lang in [Lang::En, Lang::Zh] {
        let blank = reasons(Answer::Missing, lang);
        assert!(rests_on_unknown(&blank), "{blank}");
        let endorsed = reasons(Answer::Value(2), lang);
        assert!(
            !endorsed.is_empty() && !rests_on_unknown(&endorsed),
            "{endorsed}"
        );
    }
    assert!(rests_on_unknown(
        "PHQ-9 ≥ 10; cannot rule out: GAD-7 total missing"
    ));
    assert!(!rests_on_unknown(""));
}
