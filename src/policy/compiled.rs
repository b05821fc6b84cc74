//! A bound rule's condition flattened once per run for the per-row
//! evaluation: each comparison knows where its value sits (an answer or a
//! scale's total, with the total's decimals) and the tree is walked over
//! plain data, with no closure, no `Val` and no list of missing names.
//! It decides exactly what `Cond::eval` decides (a test compares them on
//! every built-in and shipped policy); the names that kept a rule from
//! being decided are still collected by `Cond::eval`, only for the rows
//! where a rule is undecided.

use crate::condition::{Cond, Fixed, Op, Tri};
use crate::score::{Answer, Battery, Ref, ScaleResult};

/// One comparison: where its value sits, and the values (in the
/// value's own units) for which it holds, `lo..=hi` (empty: never).
#[derive(Debug, Clone, Copy)]
pub(super) struct Cmp {
    at: At,
    lo: i64,
    hi: i64,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum At {
    Item(usize),
    Scale(usize),
    /// A name of an instrument outside the run: always false.
    Absent,
}

impl Cmp {
    fn new(target: Ref, op: Op, value: Fixed, battery: &Battery) -> Cmp {
        let (at, decimals) = match target {
            Ref::Item(i) => (At::Item(i), 0),
            Ref::Scale(s) => (At::Scale(s), battery.scale_decimals(s)),
            Ref::Absent => (At::Absent, 0),
        };
        let (lo, hi) = holds_for(op, value, decimals);
        Cmp { at, lo, hi }
    }

    /// What `Cond::eval` gives for this comparison.
    #[inline]
    fn eval(self, answers: &[Answer], results: &[ScaleResult]) -> Tri {
        let x = match self.at {
            At::Item(i) => match answers[i] {
                Answer::Value(v) => i64::from(v),
                Answer::Missing | Answer::Invalid => return Tri::Unknown,
                Answer::NotAsked => return Tri::False,
            },
            At::Scale(s) => match results[s].total {
                Some(units) => units,
                None => return Tri::Unknown,
            },
            At::Absent => return Tri::False,
        };
        if self.lo <= x && x <= self.hi {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// The values `x` (in units of 10^-`decimals`) for which `x op value`
/// holds, compared exactly as `Fixed::cmp_exact` compares them, as an
/// inclusive range (`lo > hi`: none). Both sides have at most 18 decimals
/// (`Cmp::new` is not used otherwise), so every product fits an i128.
fn holds_for(op: Op, value: Fixed, decimals: u8) -> (i64, i64) {
    let v = i128::from(value.units);
    // x·10^(d−decimals) against v·10^(d−value.decimals), d the larger of
    // the two: against v·k, or x·k against v, that is x against v/k
    // rounded down (floor) or up (ceil), exact when k divides v
    let (floor, ceil, exact) = if decimals >= value.decimals {
        let t = v * 10_i128.pow(u32::from(decimals - value.decimals));
        (t, t, true)
    } else {
        let k = 10_i128.pow(u32::from(value.decimals - decimals));
        (v.div_euclid(k), -(-v).div_euclid(k), v.rem_euclid(k) == 0)
    };
    let (lo, hi) = match op {
        Op::Ge => (ceil, i128::MAX),
        Op::Gt => (floor + 1, i128::MAX),
        Op::Le => (i128::MIN, floor),
        Op::Lt => (i128::MIN, ceil - 1),
        Op::Eq if exact => (floor, floor),
        Op::Eq => return (1, 0),
    };
    let (lo, hi) = (lo.max(i128::from(i64::MIN)), hi.min(i128::from(i64::MAX)));
    match (i64::try_from(lo), i64::try_from(hi)) {
        (Ok(lo), Ok(hi)) if lo <= hi => (lo, hi),
        _ => (1, 0),
    }
}

/// Decimals `holds_for` handles (`Fixed::parse` reads at most 6).
const MAX_DECIMALS: u8 = 18;

/// One rule's condition, flattened: one comparison, or `any`/`all` of
/// comparisons (every rule of the shipped policies), walked in a loop;
/// anything deeper as a tree.
#[derive(Debug)]
pub(super) enum Rule {
    One(Cmp),
    Any(Box<[Cmp]>),
    All(Box<[Cmp]>),
    Tree(Node),
}

impl Rule {
    pub(super) fn new(c: &Cond<Ref>, battery: &Battery) -> Rule {
        let parts = |parts: &[Cond<Ref>]| -> Option<Box<[Cmp]>> {
            parts.iter().map(|p| Node::cmp(p, battery)).collect()
        };
        let flat = match c {
            Cond::Cmp { .. } => Node::cmp(c, battery).map(Rule::One),
            Cond::Any(p) => parts(p).map(Rule::Any),
            Cond::All(p) => parts(p).map(Rule::All),
        };
        flat.unwrap_or_else(|| Rule::Tree(Node::new(c, battery)))
    }

    /// What `Cond::eval` gives for the same answers and results.
    #[inline]
    pub(super) fn eval(&self, answers: &[Answer], results: &[ScaleResult]) -> Tri {
        match self {
            Rule::One(c) => c.eval(answers, results),
            Rule::Any(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.eval(answers, results) {
                        Tri::True => return Tri::True,
                        Tri::Unknown => unknown = true,
                        Tri::False => {}
                    }
                }
                if unknown {
                    Tri::Unknown
                } else {
                    Tri::False
                }
            }
            Rule::All(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.eval(answers, results) {
                        Tri::False => return Tri::False,
                        Tri::Unknown => unknown = true,
                        Tri::True => {}
                    }
                }
                if unknown {
                    Tri::Unknown
                } else {
                    Tri::True
                }
            }
            Rule::Tree(node) => node.eval(answers, results),
        }
    }
}

/// A condition of any depth.
#[derive(Debug)]
pub(super) enum Node {
    Cmp(Cmp),
    /// A comparison `Cmp` cannot hold (more than `MAX_DECIMALS`).
    Exact {
        at: At,
        decimals: u8,
        op: Op,
        value: Fixed,
    },
    Any(Box<[Node]>),
    All(Box<[Node]>),
}

impl Node {
    /// A comparison as `Cmp`, when it is one `Cmp` can hold.
    fn cmp(c: &Cond<Ref>, battery: &Battery) -> Option<Cmp> {
        let Cond::Cmp {
            target, op, value, ..
        } = c
        else {
            return None;
        };
        let decimals = match *target {
            Ref::Scale(s) => battery.scale_decimals(s),
            Ref::Item(_) | Ref::Absent => 0,
        };
        (decimals <= MAX_DECIMALS && value.decimals <= MAX_DECIMALS)
            .then(|| Cmp::new(*target, *op, *value, battery))
    }

    fn new(c: &Cond<Ref>, battery: &Battery) -> Node {
        if let Some(cmp) = Node::cmp(c, battery) {
            return Node::Cmp(cmp);
        }
        match c {
            Cond::Cmp {
                target, op, value, ..
            } => {
                let (at, decimals) = match *target {
                    Ref::Item(i) => (At::Item(i), 0),
                    Ref::Scale(s) => (At::Scale(s), battery.scale_decimals(s)),
                    Ref::Absent => (At::Absent, 0),
                };
                Node::Exact {
                    at,
                    decimals,
                    op: *op,
                    value: *value,
                }
            }
            Cond::Any(parts) => Node::Any(parts.iter().map(|p| Node::new(p, battery)).collect()),
            Cond::All(parts) => Node::All(parts.iter().map(|p| Node::new(p, battery)).collect()),
        }
    }

    fn eval(&self, answers: &[Answer], results: &[ScaleResult]) -> Tri {
        match self {
            Node::Cmp(c) => c.eval(answers, results),
            Node::Exact {
                at,
                decimals,
                op,
                value,
            } => {
                let v = match *at {
                    At::Item(i) => match answers[i] {
                        Answer::Value(v) => Fixed::int(i64::from(v)),
                        Answer::Missing | Answer::Invalid => return Tri::Unknown,
                        Answer::NotAsked => return Tri::False,
                    },
                    At::Scale(s) => match results[s].total {
                        Some(units) => Fixed {
                            units,
                            decimals: *decimals,
                        },
                        None => return Tri::Unknown,
                    },
                    At::Absent => return Tri::False,
                };
                if op.holds(v.cmp_exact(*value)) {
                    Tri::True
                } else {
                    Tri::False
                }
            }
            Node::Any(parts) => combine(parts, Tri::True, answers, results),
            Node::All(parts) => combine(parts, Tri::False, answers, results),
        }
    }
}

fn combine(parts: &[Node], decisive: Tri, answers: &[Answer], results: &[ScaleResult]) -> Tri {
    crate::condition::combine(parts.iter().map(|p| p.eval(answers, results)), decisive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::{builtin_ids, builtin_with};
    use crate::policy::{load_str, Policy};

    fn policies() -> Vec<Policy> {
        let mut all = vec![crate::policy::default_policy().unwrap()];
        for f in [
            "policies/follow-up.yaml",
            "policies/school-tiers.yaml",
            "bench/oracle-policy.yaml",
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f);
            let text = std::fs::read_to_string(&path).unwrap();
            all.push(load_str(f, &text).unwrap());
        }
        all
    }

    /// The flattened condition decides every rule of every shipped
    /// policy, bound to every built-in, as the tree does, whatever the
    /// answers (values, blanks, invalid, not asked) and totals.
    #[test]
    fn the_flat_condition_decides_as_the_tree() {
        let ids = builtin_ids();
        let battery = Battery::new(
            ids.iter()
                .map(|id| builtin_with(id, false).unwrap().unwrap())
                .collect(),
        );
        let policies = policies();
        let bound: Vec<_> = policies
            .iter()
            .map(|p| {
                p.bind(&battery, &crate::instrument::builtin_names())
                    .unwrap()
            })
            .collect();
        let flat: Vec<Vec<Rule>> = bound
            .iter()
            .map(|b| {
                b.rules
                    .iter()
                    .map(|r| Rule::new(&r.when, &battery))
                    .collect()
            })
            .collect();
        // xorshift: the same cases every run
        let mut x = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut decided = [0usize; 3];
        for _ in 0..2000 {
            // rows with few blanks, and rows with many
            let blanks = 1 + next(8);
            let answers: Vec<Answer> = (0..battery.n_items())
                .map(|_| match next(40) {
                    k if k < blanks => Answer::Missing,
                    8 => Answer::Invalid,
                    9 => Answer::NotAsked,
                    k => Answer::Value(i32::try_from(k % 7).unwrap() - 1),
                })
                .collect();
            let results: Vec<ScaleResult> = (0..battery.n_scales())
                .map(|s| ScaleResult {
                    total: (next(10) >= blanks).then(|| {
                        let units = i64::try_from(next(60)).unwrap();
                        units * 10_i64.pow(u32::from(battery.scale_decimals(s)))
                            + i64::try_from(next(3)).unwrap()
                            - 1
                    }),
                    ..ScaleResult::default()
                })
                .collect();
            for (b, flat) in bound.iter().zip(&flat) {
                for (rule, node) in b.rules.iter().zip(flat) {
                    let mut missing = Vec::new();
                    let tree = rule.when.eval(
                        &|r: &Ref| battery.value(*r, &answers, &results),
                        &mut missing,
                    );
                    assert_eq!(node.eval(&answers, &results), tree, "{}", rule.when);
                    decided[tree as usize] += 1;
                }
            }
        }
        // every outcome was met many times
        assert!(decided.iter().all(|&n| n > 1000), "{decided:?}");
    }

    /// `holds_for`'s range is exactly the values `cmp_exact` says the
    /// comparison holds for, whatever the decimals on either side.
    #[test]
    fn a_range_holds_where_the_exact_comparison_holds() {
        let ops = [Op::Ge, Op::Gt, Op::Le, Op::Lt, Op::Eq];
        for decimals in 0..=3u8 {
            for value_decimals in 0..=3u8 {
                for units in (-260..=260).step_by(7) {
                    let value = Fixed {
                        units,
                        decimals: value_decimals,
                    };
                    for op in ops {
                        let (lo, hi) = holds_for(op, value, decimals);
                        for x in -400..=400 {
                            let exact = op.holds(Fixed { units: x, decimals }.cmp_exact(value));
                            assert_eq!(
                                lo <= x && x <= hi,
                                exact,
                                "{x}e-{decimals} {op:?} {value:?}"
                            );
                        }
                    }
                }
            }
        }
        // the ends of i64: nothing overflows, nothing is lost
        for (op, value) in [(Op::Ge, i64::MAX), (Op::Le, i64::MIN), (Op::Eq, i64::MAX)] {
            let (lo, hi) = holds_for(
                op,
                Fixed {
                    units: value,
                    decimals: 0,
                },
                3,
            );
            assert!(lo > hi, "{op:?} {value} in thousandths: no i64 reaches it");
        }
        let (lo, hi) = holds_for(
            Op::Lt,
            Fixed {
                units: i64::MIN,
                decimals: 6,
            },
            0,
        );
        assert!(lo <= hi && hi < -1_000_000_000_000);
    }

    /// Conditions nested deeper than the shipped policies' (a tree), and
    /// names outside the run, decide as `Cond::eval` does.
    #[test]
    fn a_nested_condition_decides_as_the_tree() {
        let battery = Battery::new(vec![builtin_with("phq9", false).unwrap().unwrap()]);
        let cmp = |target, op, units, decimals| Cond::Cmp {
            name: String::new(),
            target,
            op,
            value: Fixed { units, decimals },
        };
        let conds = [
            Cond::Any(vec![
                Cond::All(vec![
                    cmp(Ref::Item(0), Op::Ge, 2, 0),
                    cmp(Ref::Item(1), Op::Lt, 15, 1),
                ]),
                cmp(Ref::Scale(0), Op::Gt, 95, 1),
                cmp(Ref::Absent, Op::Ge, 1, 0),
            ]),
            Cond::All(vec![
                Cond::Any(vec![
                    cmp(Ref::Item(8), Op::Eq, 1, 0),
                    cmp(Ref::Absent, Op::Le, 3, 0),
                ]),
                cmp(Ref::Scale(0), Op::Le, 20, 0),
            ]),
            Cond::All(vec![
                cmp(Ref::Item(2), Op::Le, 1, 0),
                cmp(Ref::Absent, Op::Le, 3, 0),
            ]),
        ];
        let values = [
            Answer::Missing,
            Answer::Invalid,
            Answer::NotAsked,
            Answer::Value(0),
            Answer::Value(1),
            Answer::Value(2),
            Answer::Value(3),
        ];
        for c in &conds {
            let rule = Rule::new(c, &battery);
            for k in 0..7 * 7 * 7 * 7 * 4 {
                let mut answers = vec![Answer::Value(1); battery.n_items()];
                for (n, i) in [0, 1, 2, 8].into_iter().enumerate() {
                    answers[i] = values[k / 7_usize.pow(u32::try_from(n).unwrap()) % 7];
                }
                let results = [ScaleResult {
                    total: [None, Some(9), Some(10), Some(20)][k / 2401],
                    ..ScaleResult::default()
                }];
                let mut missing = Vec::new();
                let tree = c.eval(
                    &|r: &Ref| battery.value(*r, &answers, &results),
                    &mut missing,
                );
                assert_eq!(
                    rule.eval(&answers, &results),
                    tree,
                    "{c} {answers:?} {results:?}"
                );
            }
        }
    }
}
