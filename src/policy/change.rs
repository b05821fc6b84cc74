//! A policy's rules over variables other than one row's items and totals
//! (the change variables of `psyscreen change`): bound through a resolver
//! the caller gives, evaluated with the same three-valued logic and the
//! same fail-toward-safety rule (`if_missing`) as the row rules.

use crate::condition::{Cond, Domain, Tri, Val};
use crate::diag::{self, Diagnostic, Reported};
use crate::instrument::Lang;
use crate::score::{Battery, Ref};

use super::{Level, NameCatalog, Policy, REASON_SEPARATOR};

/// Is `name` a change variable of a scale or instrument of the run or of
/// a known instrument? (Per row such a rule is skipped.)
pub fn is_change_variable(name: &str, battery: &Battery, catalog: &dyn NameCatalog) -> bool {
    use crate::change::vars::{parse, Name};
    match parse(name) {
        Some(Name::Scale(base, _)) => {
            matches!(battery.lookup(base), Some(Ref::Scale(_))) || catalog.is_known(base)
        }
        Some(Name::NewCritical(inst) | Name::EarlierCritical(inst)) => {
            battery.instruments.iter().any(|i| i.id == inst)
                || crate::instrument::builtin_ids().contains(&inst)
        }
        Some(Name::Risk(_)) => true,
        None => false,
    }
}

/// The instrument of the run that `name` (`{instrument}_new_critical`,
/// `{instrument}_earlier_critical`) is about, when it has no critical
/// items: such a rule could never be decided (`change` refuses it).
pub fn without_critical_items<'b>(name: &str, battery: &'b Battery) -> Option<&'b str> {
    use crate::change::vars::{parse, Name};
    let (Some(Name::NewCritical(inst)) | Some(Name::EarlierCritical(inst))) = parse(name) else {
        return None;
    };
    battery
        .instruments
        .iter()
        .find(|i| i.id == inst && i.critical.is_empty())
        .map(|i| i.id.as_str())
}

impl Policy {
    /// The error of a rule at `path` that names change variables and one
    /// wave's items or totals together (`bind` and `bind_vars` alike).
    pub(super) fn mixed_rule(&self, path: &str) -> Diagnostic {
        Diagnostic::new(&self.file, path, crate::messages::tr!("a rule names change variables and items or totals of one wave together: the two are decided at different times", "一条规则同时引用了变化变量和单次筛查的题目或总分：两者在不同时候判定"))
            .at(self.index_spans.span(path))
            .expected(crate::messages::pick("two rules, one of each", "分成两条规则，各引用一种"))
    }
}

/// What a name of a rule is to the caller.
pub enum Resolved<R> {
    /// A variable the caller evaluates.
    Var(R),
    /// A name of the row rules (an item or total): the rule is the rows'.
    Row,
    /// Neither: an error with this message.
    Error(String),
}

struct VarRule<R> {
    rule: usize,
    when: Cond<R>,
    level: Level,
    if_missing: Level,
}

/// The rules that name the caller's variables.
pub struct VarRules<R> {
    rules: Vec<VarRule<R>>,
}

impl<R> VarRules<R> {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

impl Policy {
    /// Bind the rules that name the caller's variables; a rule naming
    /// only row names is left to the rows; one mixing both is an error
    /// (each is decided at a different time).
    /// `domain`: the values a variable can hold (`None`: not checked); a
    /// comparison none of them meets is an error, as for row rules.
    pub fn bind_vars<R>(
        &self,
        resolve: &mut dyn FnMut(&str) -> Resolved<R>,
        domain: &dyn Fn(&R) -> Option<Domain>,
    ) -> anyhow::Result<VarRules<R>> {
        let mut errs = Vec::new();
        let mut rules = Vec::new();
        for (k, r) in self.rules.iter().enumerate() {
            let path = format!("{}.when", r.path);
            let mut rows = 0;
            let bound = r.when.bind(&path, &mut |name: &str| match resolve(name) {
                Resolved::Var(v) => Ok(Some(v)),
                Resolved::Row => {
                    rows += 1;
                    Ok(None)
                }
                Resolved::Error(m) => Err(m),
            });
            match bound {
                Ok(when) => {
                    let vars = when.targets().iter().filter(|t| t.is_some()).count();
                    if vars == 0 {
                        continue;
                    }
                    if rows > 0 {
                        errs.push(self.mixed_rule(&path));
                        continue;
                    }
                    let when = unwrap_targets(when);
                    let mut parts = Vec::new();
                    when.comparisons(&path, &mut parts);
                    for (p, part) in parts {
                        if let Some(m) = part.never(&|r: &R| domain(r)) {
                            errs.push(
                                Diagnostic::new(&self.file, &p, m)
                                    .at(self.index_spans.span(&p))
                                    .expected(crate::messages::pick(
                                        "a threshold some change reaches",
                                        "某个变化能达到的阈值",
                                    )),
                            );
                        }
                    }
                    rules.push(VarRule {
                        rule: k,
                        when,
                        level: r.level,
                        if_missing: r.if_missing.unwrap_or(self.missing_critical),
                    });
                }
                Err(e) => {
                    for (p, m) in e {
                        errs.push(Diagnostic::new(&self.file, &p, m).at(self.index_spans.span(&p)));
                    }
                }
            }
        }
        if !errs.is_empty() {
            return Err(Reported(diag::render_all(&errs, &self.source)).into());
        }
        Ok(VarRules { rules })
    }

    /// Evaluate the rules: the highest level of those that fired, and at
    /// least a rule's `if_missing` when a variable it needs is missing.
    /// Reasons are appended to `reasons` (`; `-joined); `say` names a
    /// missing variable as people say it (`PHQ-9 change unknown (…)`).
    pub fn evaluate_vars<R>(
        &self,
        rules: &VarRules<R>,
        (get, say): (&impl Fn(&R) -> Val, &dyn Fn(&str) -> String),
        lang: Lang,
        reasons: &mut String,
    ) -> Level {
        let mut level = Level(0);
        let mut missing_names: Vec<String> = Vec::new();
        for r in &rules.rules {
            let mut missing = Vec::new();
            match r.when.eval(get, &mut missing) {
                Tri::True => {
                    level = level.max(r.level);
                    push(reasons, self.rules[r.rule].reason.get(lang));
                }
                Tri::Unknown if r.if_missing > Level(0) => {
                    level = level.max(r.if_missing);
                    // two variables of one scale read alike: said once
                    for m in missing {
                        let said = say(m);
                        if !missing_names.contains(&said) {
                            missing_names.push(said);
                        }
                    }
                }
                Tri::Unknown | Tri::False => {}
            }
        }
        for name in missing_names {
            push(
                reasons,
                &match lang {
                    Lang::En => format!("cannot rule out: {name}"),
                    Lang::Zh => format!("无法排除：{name}"),
                },
            );
        }
        level
    }
}

fn push(buf: &mut String, s: &str) {
    if !buf.is_empty() {
        buf.push_str(REASON_SEPARATOR);
    }
    buf.push_str(s);
}

/// A rule whose every name is a variable: its `Option`s are all `Some`.
fn unwrap_targets<R>(c: Cond<Option<R>>) -> Cond<R> {
    match c {
        Cond::Cmp {
            name,
            target,
            op,
            value,
        } => Cond::Cmp {
            name,
            target: target.unwrap_or_else(|| unreachable!("checked: no row names")),
            op,
            value,
        },
        Cond::Any(p) => Cond::Any(p.into_iter().map(unwrap_targets).collect()),
        Cond::All(p) => Cond::All(p.into_iter().map(unwrap_targets).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Fixed;

    const POLICY: &str = "id: t\nlevels: [none, monitor, refer]\nmissing_critical: monitor\nrules:\n  - {level: refer, when: \"phq9 >= 20\"}\n  - {level: refer, when: \"x_change >= 6\", reason: \"worse by 6\"}\n  - {level: monitor, when: {any: [\"x_flag == 1\", \"y_flag == 1\"]}}\n";

    fn resolve(name: &str) -> Resolved<u8> {
        match name {
            "x_change" => Resolved::Var(0),
            "x_flag" => Resolved::Var(1),
            "y_flag" => Resolved::Var(2),
            "phq9" => Resolved::Row,
            n => Resolved::Error(format!("unknown {n}")),
        }
    }

    #[test]
    fn variables_are_three_valued_and_missing_never_lowers() {
        let policy = super::super::load_str("t.yaml", POLICY).unwrap();
        let rules = policy.bind_vars(&mut resolve, &|_| None).unwrap();
        let eval = |vals: [Val; 3]| {
            let mut why = String::new();
            let l = {
                let say = |n: &str| format!("{n} missing");
                policy.evaluate_vars(
                    &rules,
                    (&|r: &u8| vals[usize::from(*r)], &say),
                    Lang::En,
                    &mut why,
                )
            };
            (policy.level_id(l).to_string(), why)
        };
        let k = |v| Val::Known(Fixed::int(v));
        assert_eq!(
            eval([k(6), k(0), k(0)]),
            ("refer".into(), "worse by 6".into())
        );
        assert_eq!(eval([k(5), k(0), k(0)]), ("none".into(), String::new()));
        assert_eq!(
            eval([Val::Missing, k(0), Val::Missing]),
            (
                "monitor".into(),
                "cannot rule out: x_change missing; cannot rule out: y_flag missing".into()
            )
        );
        assert_eq!(
            eval([k(0), k(1), Val::Missing]).0,
            "monitor",
            "any: one true decides"
        );
    }

    #[test]
    fn a_rule_mixing_rows_and_variables_is_an_error() {
        let src = "id: t\nlevels: [none, refer]\nmissing_critical: refer\nrules:\n  - {level: refer, when: {all: [\"phq9 >= 10\", \"x_change >= 6\"]}}\n";
        let policy = super::super::load_str("t.yaml", src).unwrap();
        let e = policy
            .bind_vars(&mut resolve, &|_| None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("decided at different times"), "{e}");
        assert!(e.contains("t.yaml:5:"), "{e}");
    }

    #[test]
    fn a_threshold_no_change_reaches_is_an_error() {
        let src = "id: t\nlevels: [none, refer]\nmissing_critical: refer\nrules:\n  - {level: refer, when: \"x_change >= 30\"}\n";
        let policy = super::super::load_str("t.yaml", src).unwrap();
        let dom = |_: &u8| Some(Domain::totals(-27, 27, 0, 1));
        let e = policy
            .bind_vars(&mut resolve, &dom)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains(
                "`x_change >= 30` can never be true: totals of `x_change` range from -27 to 27"
            ),
            "{e}"
        );
    }
}
