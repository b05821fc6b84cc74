//! One person across the waves: the change of each scale from their first
//! wave to the run's last, the risk trajectory, the critical answers, and
//! the values of the change variables a policy names. Pure.

use crate::condition::Val;
use crate::instrument::Lang;
use crate::messages::tr;

use super::link::{Person, Status, WaveRow};
use super::vars::{self, ScaleVar, Var};
use super::{judge, Outcome, Params, Risks, Span, Trajectory};

/// What is judged of one person.
#[derive(Debug, Clone)]
pub struct Judged {
    pub status: Status,
    /// The wave their change is counted from.
    pub baseline: Option<usize>,
    /// Per scale; `None` unless linked.
    pub outcomes: Vec<Option<Outcome>>,
    /// The one trajectory the levels allow, else `Unknown`.
    pub trajectory: Trajectory,
    /// Every trajectory the levels allow (for `risk_*`).
    pub risks: Risks,
    /// The level at the person's latest wave: a missing wave never lowers it.
    pub latest_level: usize,
}

/// A wave's level as far as it is known (`top`: the policy's highest): a
/// level that rests on a missing value lies between the rules that fired
/// whatever it is (`floor`) and the top.
fn span(w: &WaveRow, top: usize) -> Span {
    if w.uncertain {
        (w.floor.min(w.level), top.max(w.level))
    } else {
        (w.level, w.level)
    }
}

/// Judge a person: linked people get a change per scale, from their first
/// wave to the last wave of the run. `top` is the index of the policy's
/// highest level.
pub fn judge_person(p: &Person, params: &[Params], min_waves: usize, top: usize) -> Judged {
    let status = p.status(min_waves);
    let baseline = p.baseline();
    let last = p.waves.last().and_then(Option::as_ref);
    let latest_level = p
        .latest()
        .and_then(|w| p.waves[w].as_ref())
        .map_or(0, |w| w.level);
    let (outcomes, risks) = match (status, baseline.and_then(|b| p.waves[b].as_ref()), last) {
        (Status::Linked, Some(b), Some(l)) => {
            // a risk between the first wave and the last, gone by the last
            let from = baseline.map_or(0, |k| k + 1);
            let between = p
                .waves
                .get(from..p.waves.len().saturating_sub(1))
                .unwrap_or_default()
                .iter()
                .flatten()
                .map(|w| span(w, top))
                .fold((0, 0), |a, s| (a.0.max(s.0), a.1.max(s.1)));
            (
                params
                    .iter()
                    .enumerate()
                    .map(|(k, prm)| {
                        let t = |w: &WaveRow| w.totals.get(k).copied().flatten();
                        Some(judge(prm, t(b), t(l)))
                    })
                    .collect(),
                Risks::of(span(b, top), span(l, top), between),
            )
        }
        _ => (vec![None; params.len()], Risks::UNKNOWN),
    };
    Judged {
        status,
        baseline,
        outcomes,
        trajectory: risks.trajectory(),
        risks,
        latest_level,
    }
}

/// What a policy name is in a change run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolve {
    Var(Var),
    /// A change variable of an instrument outside the run: never true,
    /// never missing (as a row rule's name outside the run).
    Absent,
    /// Not a change variable.
    NotChange,
    Error(String),
}

/// Resolve `name` for a run: `scales` are the run's scale ids with their
/// params, `instruments` the run's instrument ids with the range of their
/// critical items in the run's critical list; `known` says whether a name
/// belongs to some known instrument.
pub fn resolve(
    name: &str,
    scales: &[(&str, &Params)],
    instruments: &[(&str, std::ops::Range<usize>)],
    known: &dyn Fn(&str) -> bool,
) -> Resolve {
    use vars::Name;
    match vars::parse(name) {
        Some(Name::Risk(t)) => Resolve::Var(Var::Risk(t)),
        Some(which @ (Name::NewCritical(inst) | Name::EarlierCritical(inst))) => {
            match instruments.iter().find(|(i, _)| *i == inst) {
                Some((_, r)) if r.is_empty() => Resolve::Error(vars::no_critical_items(name, inst)),
                Some((_, r)) if matches!(which, Name::NewCritical(_)) => {
                    Resolve::Var(Var::NewCritical(r.start, r.end))
                }
                Some((_, r)) => Resolve::Var(Var::EarlierCritical(r.start, r.end)),
                None if known(inst) => Resolve::Absent,
                None => Resolve::NotChange,
            }
        }
        Some(Name::Scale(base, v)) => match scales.iter().position(|(s, _)| *s == base) {
            Some(k) => {
                let p = scales[k].1;
                if v.needs_verdict() && p.criterion.is_none() {
                    return Resolve::Error(super::no_reliable_change(name, base));
                }
                let missing = match v {
                    ScaleVar::Rc if !matches!(p.criterion, Some(super::Criterion::Rci { .. })) => Some(
                        crate::messages::pick("is judged by a published threshold here, not an RC index: give --reliability and --sd to use it", "在此按已发表的阈值判断，而不是 RC 指数：要使用它请给出 --reliability 与 --sd"),
                    ),
                    ScaleVar::Recovered | ScaleVar::IntoClinical if p.clinical_from.is_none() => {
                        Some(crate::messages::pick("has no clinical cut-off (`clinical_cutoff` in its change: block)", "没有临床划界分（change: 中的 `clinical_cutoff`）"))
                    }
                    ScaleVar::Response if p.response_milli.is_none() => {
                        Some(crate::messages::pick("has no response criterion (`response_reduction`)", "没有应答标准（`response_reduction`）"))
                    }
                    ScaleVar::Remission if p.remission_below.is_none() => {
                        Some(crate::messages::pick("has no remission cut-off (`remission_below`)", "没有缓解划界分（`remission_below`）"))
                    }
                    _ => None,
                };
                match missing {
                    Some(why) => Resolve::Error(tr!(
                        "`{name}`: scale `{base}` {why}",
                        "`{name}`：分量表 `{base}` {why}"
                    )),
                    None => Resolve::Var(Var::Scale(k, v)),
                }
            }
            None if known(base) => Resolve::Absent,
            None => Resolve::NotChange,
        },
        None => Resolve::NotChange,
    }
}

/// A baseline counts when the person is one person (not a duplicate
/// id or a row without one).
fn p_is_one(s: Status) -> bool {
    !matches!(s, Status::Duplicate | Status::NoId)
}

/// Someone screened for the first time at the run's last wave: no
/// earlier wave to change from, so their change and trajectory are not
/// applicable (never true, never missing), as response is for someone who
/// did not start in the clinical range. Their level is their wave's, by
/// the policy's rules on it; a critical answer of theirs is new.
fn newcomer(person: &Person, judged: &Judged) -> bool {
    p_is_one(judged.status)
        && person.present() == 1
        && person.waves.last().is_some_and(Option::is_some)
}

/// A variable's value for one person.
pub fn value(var: &Var, person: &Person, judged: &Judged, decimals: &[u8]) -> Val {
    let last = person.waves.len().saturating_sub(1);
    let critical = |w: usize, (from, to): (usize, usize)| {
        person
            .waves
            .get(w)
            .and_then(Option::as_ref)
            .map(|r| r.critical.get(from..to).unwrap_or_default())
    };
    match *var {
        // a newcomer's answers are their wave's: its rules judge them
        Var::Scale(..) | Var::Risk(_) | Var::NewCritical(..) | Var::EarlierCritical(..)
            if newcomer(person, judged) =>
        {
            Val::Absent
        }
        Var::Scale(k, v) => vars::scale_value(
            v,
            judged.outcomes.get(k).and_then(Option::as_ref),
            decimals.get(k).copied().unwrap_or(0),
        ),
        Var::Risk(want) => vars::risk_value(want, judged.risks),
        Var::NewCritical(from, to) => {
            // known whenever the last wave's answers are
            let Some(now) = critical(last, (from, to)) else {
                return Val::Missing;
            };
            let before = judged
                .baseline
                .filter(|&b| b < last && p_is_one(judged.status))
                .and_then(|b| critical(b, (from, to)))
                .unwrap_or_default();
            vars::new_critical(before, now)
        }
        // a row without an id has no other wave (an id twice in one wave
        // does: each wave's kept row, the one at the higher level)
        Var::EarlierCritical(..) if judged.status == Status::NoId => Val::Absent,
        Var::EarlierCritical(from, to) => {
            let earlier: Vec<&[Option<bool>]> =
                (0..last).filter_map(|w| critical(w, (from, to))).collect();
            vars::earlier_critical(&earlier, critical(last, (from, to)))
        }
        Var::Absent => Val::Absent,
    }
}

/// Every linked person (five or more) with the same totals at every
/// wave: most likely one wave's data given twice (a copied file).
pub fn all_unchanged(people: &[&Person], judged: &[Judged]) -> bool {
    let linked: Vec<&Person> = people
        .iter()
        .zip(judged)
        .filter(|(_, j)| j.status == Status::Linked)
        .map(|(p, _)| *p)
        .collect();
    linked.len() >= 5
        && linked.iter().all(|p| {
            let mut rows = p.waves.iter().flatten();
            let first = rows.next().map(|r| &r.totals);
            rows.all(|r| Some(&r.totals) == first)
        })
}

/// What a `cannot rule out` reason needs to name a variable as people
/// say it: the run's scale ids (in order), the wave labels, and a name
/// for each scale or instrument id (`PHQ-9`).
pub struct Naming<'a> {
    pub scales: &'a [String],
    pub labels: &'a [String],
    pub shown: &'a dyn Fn(&str) -> String,
    pub lang: Lang,
}

/// Why `name` (a change variable) is not known for this person, as people
/// say it: `PHQ-9 change unknown (not screened at t2)`. Pure.
pub fn unknown_phrase(name: &str, p: &Person, j: &Judged, n: &Naming<'_>) -> String {
    use vars::Name;
    let zh = n.lang == Lang::Zh;
    let label = |w: usize| n.labels.get(w).map_or("", String::as_str);
    let last = p.waves.len().saturating_sub(1);
    // why the person has no change at all
    let why_person = || -> String {
        match j.status {
            Status::NoId if zh => "没有可用于关联的编号".into(),
            Status::NoId => "no id to link the waves by".into(),
            Status::Duplicate if zh => "同一次筛查中编号出现两次".into(),
            Status::Duplicate => "the id is twice in one wave".into(),
            _ if p.waves.get(last).is_none_or(Option::is_none) => {
                if zh {
                    format!("{} 未筛查", label(last))
                } else {
                    format!("not screened at {}", label(last))
                }
            }
            _ if p.present() < 2 => {
                if zh {
                    "此前没有筛查".into()
                } else {
                    "no earlier wave".into()
                }
            }
            _ if zh => "筛查次数少于 --min-waves".into(),
            _ => "in fewer waves than --min-waves".into(),
        }
    };
    match vars::parse(name) {
        Some(Name::Scale(base, _)) => {
            let shown = (n.shown)(base);
            let why = match (j.status, n.scales.iter().position(|s| s == base)) {
                (Status::Linked, Some(k)) => {
                    let at = |w: Option<usize>| {
                        w.and_then(|w| p.waves[w].as_ref())
                            .and_then(|r| r.totals.get(k).copied().flatten())
                    };
                    let incomplete = [j.baseline, Some(last)]
                        .into_iter()
                        .flatten()
                        .find(|&w| at(Some(w)).is_none());
                    match incomplete {
                        Some(w) if zh => format!("{shown} 在 {} 不完整", label(w)),
                        Some(w) => format!("{shown} incomplete at {}", label(w)),
                        None if zh => "基于按比例估算的总分".into(),
                        None => "it rests on a prorated total".into(),
                    }
                }
                _ => why_person(),
            };
            if zh {
                format!("{shown} 变化未知（{why}）")
            } else {
                format!("{shown} change unknown ({why})")
            }
        }
        Some(which @ (Name::NewCritical(inst) | Name::EarlierCritical(inst))) => {
            // new: not known whether it is endorsed now; earlier: endorsed
            // before, and the last wave cannot say it is gone
            let shown = (n.shown)(inst);
            let why = if p.waves.get(last).is_some_and(Option::is_some) {
                if zh {
                    format!("{} 关键条目作答未知", label(last))
                } else {
                    format!("no critical answer known at {}", label(last))
                }
            } else {
                why_person()
            };
            match (which, zh) {
                (Name::NewCritical(_), true) => {
                    format!("{shown} 关键条目是否新出现阳性未知（{why}）")
                }
                (Name::NewCritical(_), false) => {
                    format!("a new {shown} critical answer unknown ({why})")
                }
                (_, true) => format!("此前 {shown} 关键条目阳性仍然存在（{why}）"),
                (_, false) => format!("an earlier {shown} critical answer persisting ({why})"),
            }
        }
        Some(Name::Risk(_)) => {
            // linked: a level that rests on a missing value (the first such
            // wave from the baseline on)
            let open = (j.status == Status::Linked)
                .then(|| {
                    (j.baseline.unwrap_or(0)..=last)
                        .find(|&w| p.waves[w].as_ref().is_some_and(|r| r.uncertain))
                })
                .flatten();
            let why = match open {
                Some(w) if zh => format!("{} 的级别因数值缺失无法确定", label(w)),
                Some(w) => format!("the level at {} rests on a missing value", label(w)),
                None => why_person(),
            };
            if zh {
                format!("风险变化未知（{why}）")
            } else {
                format!("risk trajectory unknown ({why})")
            }
        }
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::link::{People, WaveRow};
    use crate::change::{Criterion, Reliable, Total};
    use crate::condition::Fixed;
    use crate::instrument::change::HigherIs;

    fn params() -> Params {
        Params {
            higher_is: HigherIs::Worse,
            criterion: Some(Criterion::Threshold { units: 6 }),
            decimals: 0,
            clinical_from: Some(10),
            remission_below: None,
            response_milli: None,
        }
    }

    fn row(total: i64, level: usize, critical: bool) -> WaveRow {
        WaveRow {
            totals: vec![Some(Total {
                units: total,
                prorated: false,
            })],
            level,
            critical: vec![Some(critical)],
            ..WaveRow::default()
        }
    }

    /// Three waves: the change runs from the first to the last; someone
    /// absent at the last wave has none, and their variables are missing.
    #[test]
    fn three_waves() {
        let mut people = People::new(3);
        people.add(0, "a", row(16, 1, false));
        people.add(1, "a", row(12, 1, false));
        people.add(2, "a", row(9, 0, false));
        people.add(0, "b", row(3, 0, false));
        people.add(1, "b", row(12, 3, true));
        people.add(1, "c", row(4, 0, false));
        people.add(2, "c", row(11, 3, true));
        let p = [params()];
        let get = |id: &str| {
            let person = &people.people[id];
            (person, judge_person(person, &p, 2, 3))
        };
        let (a, ja) = get("a");
        let o = ja.outcomes[0].as_ref().unwrap();
        // 16 → 9 = −7: reliable (≥ 6), from ≥ 10 to < 10: recovered
        assert_eq!((o.change, o.reliable), (Some(-7), Reliable::Improved));
        assert_eq!(ja.trajectory, Trajectory::Resolved);
        let (b, jb) = get("b");
        assert_eq!(jb.status, Status::NotRescreened);
        assert_eq!(jb.latest_level, 3, "the level of their latest wave stays");
        let change = Var::Scale(0, ScaleVar::Change);
        assert_eq!(value(&change, b, &jb, &[0]), Val::Missing);
        assert_eq!(value(&change, a, &ja, &[0]), Val::Known(Fixed::int(-7)));
        // c: from their first wave (t2) to t3: 4 → 11, a new critical answer
        let (c, jc) = get("c");
        assert_eq!(jc.baseline, Some(1));
        assert_eq!(jc.trajectory, Trajectory::New);
        assert_eq!(
            value(&Var::NewCritical(0, 1), c, &jc, &[0]),
            Val::Known(Fixed::int(1))
        );
        assert_eq!(
            value(&Var::NewCritical(0, 1), b, &jb, &[0]),
            Val::Missing,
            "not at t3"
        );
    }

    /// A newcomer (first screened at the last wave) has no change to rule
    /// out: their change, trajectory and critical-answer variables are not
    /// applicable (their wave's rules judge them). An answer endorsed (or
    /// left blank) at an earlier wave and answered no at the last is
    /// `earlier_critical`; one endorsed
    /// the last wave cannot say is gone (blank, or not screened) may
    /// persist: missing, never no.
    #[test]
    fn newcomers_have_no_change_and_earlier_answers_are_followed() {
        let mut people = People::new(3);
        people.add(2, "new", row(12, 1, true));
        people.add(0, "was", row(14, 3, true));
        people.add(1, "was", row(8, 0, false));
        people.add(2, "was", row(8, 0, false));
        let blank = || WaveRow {
            totals: vec![None],
            critical: vec![None],
            ..WaveRow::default()
        };
        people.add(0, "blank", blank());
        people.add(2, "blank", row(3, 0, false));
        people.add(0, "gone", row(14, 3, true));
        people.add(2, "gone", blank());
        people.add(0, "left", row(14, 3, true));
        people.add(1, "left", row(14, 3, false));
        let p = [params()];
        let get = |id: &str| {
            let person = &people.people[id];
            (person, judge_person(person, &p, 2, 3))
        };
        let yes = |b: bool| Val::Known(Fixed::int(i64::from(b)));
        let earlier = Var::EarlierCritical(0, 1);
        let (n, jn) = get("new");
        assert_eq!(jn.status, Status::Unlinked);
        for var in [
            Var::Scale(0, ScaleVar::ReliablyDeteriorated),
            Var::Risk(Trajectory::New),
            Var::NewCritical(0, 1),
            earlier,
        ] {
            assert_eq!(value(&var, n, &jn, &[0]), Val::Absent, "{var:?}");
        }
        let (w, jw) = get("was");
        assert_eq!(jw.trajectory, Trajectory::Resolved);
        assert_eq!(value(&earlier, w, &jw, &[0]), yes(true), "endorsed at t1");
        // item 9 blank at t1, answered no at t3: not ruled out then, so
        // followed up as an earlier answer
        let (b, jb) = get("blank");
        assert_eq!(value(&earlier, b, &jb, &[0]), yes(true));
        let labels = ["t1".to_string(), "t2".to_string(), "t3".to_string()];
        let ids = ["phq9".to_string()];
        let shown = |_: &str| "PHQ-9".to_string();
        let n = Naming {
            scales: &ids,
            labels: &labels,
            shown: &shown,
            lang: Lang::En,
        };
        for (id, why) in [
            ("gone", "no critical answer known at t3"),
            ("left", "not screened at t3"),
        ] {
            let (g, jg) = get(id);
            assert_eq!(value(&earlier, g, &jg, &[0]), Val::Missing, "{id}");
            assert_eq!(
                unknown_phrase("phq9_earlier_critical", g, &jg, &n),
                format!("an earlier PHQ-9 critical answer persisting ({why})")
            );
        }
    }

    /// Why a variable is unknown, per person, as people say it.
    #[test]
    fn unknowns_say_why() {
        let mut people = People::new(2);
        let prorated = |t: i64| WaveRow {
            totals: vec![Some(Total {
                units: t,
                prorated: true,
            })],
            critical: vec![Some(false)],
            ..WaveRow::default()
        };
        // 16 → 9 (−7 ≥ 6) resting on a prorated total: uncertain
        people.add(0, "p", prorated(16));
        people.add(1, "p", row(9, 0, false));
        people.add(0, "d", row(3, 0, false));
        people.add(1, "d", row(3, 0, false));
        people.add(1, "d", row(4, 0, false));
        people.add(1, "", row(4, 0, false));
        people.add(0, "gone", row(4, 0, false));
        let ids = ["phq9".to_string()];
        let labels = ["t1".to_string(), "t2".to_string()];
        let shown = |_: &str| "PHQ-9".to_string();
        let say = |id: &str, name: &str, lang: Lang| {
            let key = if id.is_empty() { "\u{0}1" } else { id };
            let person = &people.people[key];
            let j = judge_person(person, &[params()], 2, 3);
            let n = Naming {
                scales: &ids,
                labels: &labels,
                shown: &shown,
                lang,
            };
            unknown_phrase(name, person, &j, &n)
        };
        assert_eq!(
            say("p", "phq9_reliably_improved", Lang::En),
            "PHQ-9 change unknown (it rests on a prorated total)"
        );
        assert_eq!(
            say("d", "phq9_change", Lang::En),
            "PHQ-9 change unknown (the id is twice in one wave)"
        );
        assert_eq!(
            say("", "risk_new", Lang::En),
            "risk trajectory unknown (no id to link the waves by)"
        );
        assert_eq!(
            say("gone", "phq9_new_critical", Lang::Zh),
            "PHQ-9 关键条目是否新出现阳性未知（t2 未筛查）"
        );
    }

    #[test]
    fn names_resolve_or_say_why_not() {
        let p = params();
        let scales = [("phq9", &p)];
        let inst = [("phq9", 0..1), ("gad7", 1..1)];
        let known = |n: &str| n == "gad7" || n == "k10";
        let r = |n: &str| resolve(n, &scales, &inst, &known);
        assert_eq!(
            r("phq9_change"),
            Resolve::Var(Var::Scale(0, ScaleVar::Change))
        );
        assert_eq!(r("phq9_new_critical"), Resolve::Var(Var::NewCritical(0, 1)));
        assert_eq!(
            r("phq9_earlier_critical"),
            Resolve::Var(Var::EarlierCritical(0, 1))
        );
        assert_eq!(r("k10_earlier_critical"), Resolve::Absent);
        assert_eq!(r("k10_change"), Resolve::Absent);
        assert_eq!(r("phq9"), Resolve::NotChange);
        assert!(matches!(r("phq9_rc"), Resolve::Error(m) if m.contains("--reliability")));
        assert!(matches!(r("phq9_remission"), Resolve::Error(m) if m.contains("remission_below")));
        assert!(matches!(r("gad7_new_critical"), Resolve::Error(m) if m.contains("no critical")));
    }
}
