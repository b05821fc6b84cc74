//! The change variables a policy rule may name, one general set for every
//! instrument: `{scale}_change`, `{scale}_rc`, `{scale}_reliably_improved`,
//! `{scale}_reliably_deteriorated`, `{scale}_recovered`,
//! `{scale}_into_clinical`, `{scale}_response`, `{scale}_remission`;
//! `{instrument}_new_critical`, `{instrument}_earlier_critical`;
//! `risk_new`, `risk_escalated`,
//! `risk_persisting`, `risk_resolved`. Yes/no variables are 1 or 0.

use crate::condition::{Fixed, Val};

use super::{Clinical, Met, Outcome, Reliable, Trajectory};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleVar {
    Change,
    Rc,
    ReliablyImproved,
    ReliablyDeteriorated,
    Recovered,
    IntoClinical,
    Response,
    Remission,
}

impl ScaleVar {
    /// Whether the variable rests on a reliable-change verdict, which a
    /// scale without a published (or given) value does not have.
    pub fn needs_verdict(self) -> bool {
        !matches!(
            self,
            ScaleVar::Change | ScaleVar::Response | ScaleVar::Remission
        )
    }
}

const SCALE_SUFFIXES: [(&str, ScaleVar); 8] = [
    ("_change", ScaleVar::Change),
    ("_rc", ScaleVar::Rc),
    ("_reliably_improved", ScaleVar::ReliablyImproved),
    ("_reliably_deteriorated", ScaleVar::ReliablyDeteriorated),
    ("_recovered", ScaleVar::Recovered),
    ("_into_clinical", ScaleVar::IntoClinical),
    ("_response", ScaleVar::Response),
    ("_remission", ScaleVar::Remission),
];

const CRITICAL_SUFFIX: &str = "_new_critical";
const EARLIER_SUFFIX: &str = "_earlier_critical";

const RISK: [(&str, Trajectory); 4] = [
    ("risk_new", Trajectory::New),
    ("risk_escalated", Trajectory::Escalated),
    ("risk_persisting", Trajectory::Persisting),
    ("risk_resolved", Trajectory::Resolved),
];

/// A change variable as a policy names it, before it is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name<'a> {
    /// A scale id and what of its change.
    Scale(&'a str, ScaleVar),
    /// An instrument id: a critical item endorsed at the last wave and not
    /// at the baseline.
    NewCritical(&'a str),
    /// An instrument id: a critical item endorsed at a wave before the
    /// last, and none at the last.
    EarlierCritical(&'a str),
    Risk(Trajectory),
}

/// Read a name as a change variable (`None`: it is none).
pub fn parse(name: &str) -> Option<Name<'_>> {
    if let Some((_, t)) = RISK.iter().find(|(n, _)| *n == name) {
        return Some(Name::Risk(*t));
    }
    if let Some(base) = name.strip_suffix(CRITICAL_SUFFIX).filter(|b| !b.is_empty()) {
        return Some(Name::NewCritical(base));
    }
    if let Some(base) = name.strip_suffix(EARLIER_SUFFIX).filter(|b| !b.is_empty()) {
        return Some(Name::EarlierCritical(base));
    }
    SCALE_SUFFIXES.iter().find_map(|(suffix, v)| {
        name.strip_suffix(suffix)
            .filter(|b| !b.is_empty())
            .map(|b| Name::Scale(b, *v))
    })
}

/// A resolved variable: scale and instrument indexes of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Scale(usize, ScaleVar),
    /// The critical items (indexes into the run's critical list) of one
    /// instrument.
    NewCritical(usize, usize),
    /// The same, for `{instrument}_earlier_critical`.
    EarlierCritical(usize, usize),
    Risk(Trajectory),
    /// Of an instrument outside the run: never true, never missing.
    Absent,
}

fn yes(b: bool) -> Val {
    Val::Known(Fixed::int(i64::from(b)))
}

/// A scale variable's value for one person (`outcome`: `None` when the
/// person's change was not computed: not linked, a wave missing).
pub fn scale_value(v: ScaleVar, outcome: Option<&Outcome>, decimals: u8) -> Val {
    let Some(o) = outcome else {
        return Val::Missing;
    };
    match v {
        ScaleVar::Change => o
            .change
            .map_or(Val::Missing, |units| Val::Known(Fixed { units, decimals })),
        ScaleVar::Rc => match o.rc {
            #[allow(clippy::cast_possible_truncation)] // |RC| is small
            Some(rc) if rc.is_finite() => Val::Known(Fixed {
                units: (rc * 100.0).round() as i64,
                decimals: 2,
            }),
            _ => Val::Missing,
        },
        ScaleVar::ReliablyImproved => match o.reliable {
            Reliable::Improved => yes(true),
            Reliable::NoChange | Reliable::Deteriorated => yes(false),
            // not judged: a rule on it is refused when bound; never a no
            Reliable::Uncertain | Reliable::Unknown | Reliable::NotJudged => Val::Missing,
        },
        ScaleVar::ReliablyDeteriorated => match o.reliable {
            Reliable::Deteriorated => yes(true),
            Reliable::NoChange | Reliable::Improved | Reliable::Uncertain => yes(false),
            Reliable::Unknown | Reliable::NotJudged => Val::Missing,
        },
        ScaleVar::Recovered => match o.clinical {
            Clinical::Recovered => yes(true),
            Clinical::No | Clinical::IntoClinical => yes(false),
            Clinical::Unknown => Val::Missing,
        },
        ScaleVar::IntoClinical => match (o.clinical, o.reliable) {
            (Clinical::IntoClinical, _) => yes(true),
            // a change toward better, only uncertain: not into the range
            (Clinical::No | Clinical::Recovered, _) | (_, Reliable::Uncertain) => yes(false),
            (Clinical::Unknown, _) => Val::Missing,
        },
        ScaleVar::Response => met(o.response),
        ScaleVar::Remission => met(o.remission),
    }
}

/// Not applicable: the comparison is false and nothing is missing.
fn met(m: Met) -> Val {
    match m {
        Met::Yes => yes(true),
        Met::No => yes(false),
        Met::NotApplicable => Val::Absent,
        Met::Unknown => Val::Missing,
    }
}

/// `risk_*` for the trajectories a person's levels allow: missing when
/// they cannot tell (a wave missing, a level resting on a missing value).
pub fn risk_value(want: Trajectory, got: super::Risks) -> Val {
    got.is(want).map_or(Val::Missing, yes)
}

/// `{instrument}_new_critical`: endorsed at the last wave and not known
/// to be endorsed at the baseline; missing when the last answer is.
pub fn new_critical(baseline: &[Option<bool>], last: &[Option<bool>]) -> Val {
    let mut missing = false;
    for (k, now) in last.iter().enumerate() {
        match now {
            Some(true) if baseline.get(k).copied().flatten() != Some(true) => return yes(true),
            None => missing = true,
            _ => {}
        }
    }
    if missing {
        Val::Missing
    } else {
        yes(false)
    }
}

/// `{instrument}_earlier_critical`: a critical item endorsed, or not
/// answered (blank, invalid, a scored file without its column: it cannot
/// be ruled out), at one of the `earlier` waves, and every critical item
/// of the instrument answered no at the `last`: a risk the last screen no
/// longer shows, still to be followed up. Missing when one was endorsed
/// earlier and the last wave cannot say it is gone (not screened then, an
/// answer missing or invalid): it may persist, and a missing answer never
/// lowers a level. Only unknown earlier and unknown at the last too: no,
/// as the last wave's own missing critical answer raises the person.
/// Answered no at every earlier wave: no.
pub fn earlier_critical(earlier: &[&[Option<bool>]], last: Option<&[Option<bool>]>) -> Val {
    let endorsed = earlier.iter().any(|w| w.contains(&Some(true)));
    let unknown = earlier.iter().any(|w| w.contains(&None));
    if !endorsed && !unknown {
        return yes(false);
    }
    match last {
        // the last wave's own rules see it
        Some(now) if now.contains(&Some(true)) => yes(false),
        Some(now) if now.iter().all(|a| *a == Some(false)) => yes(true),
        _ if endorsed => Val::Missing,
        _ => yes(false),
    }
}

/// The error of `name`, a critical-answer variable of `inst`, which has
/// no critical items (such a rule could never be decided).
pub fn no_critical_items(name: &str, inst: &str) -> String {
    crate::messages::tr!(
        "`{name}`: instrument `{inst}` has no critical items",
        "`{name}`：量表 `{inst}` 没有关键条目"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            parse("phq9_change"),
            Some(Name::Scale("phq9", ScaleVar::Change))
        );
        assert_eq!(
            parse("dass21_d_reliably_deteriorated"),
            Some(Name::Scale("dass21_d", ScaleVar::ReliablyDeteriorated))
        );
        assert_eq!(parse("phq9_new_critical"), Some(Name::NewCritical("phq9")));
        assert_eq!(
            parse("asq_earlier_critical"),
            Some(Name::EarlierCritical("asq"))
        );
        assert_eq!(parse("risk_new"), Some(Name::Risk(Trajectory::New)));
        assert_eq!(parse("phq9"), None);
        assert_eq!(parse("_change"), None);
    }

    #[test]
    fn critical_answers() {
        let (y, n) = (Some(true), Some(false));
        assert_eq!(new_critical(&[n], &[y]), yes(true));
        assert_eq!(new_critical(&[y], &[y]), yes(false), "persisting, not new");
        assert_eq!(new_critical(&[None], &[y]), yes(true), "not known before");
        assert_eq!(new_critical(&[n], &[n]), yes(false));
        assert_eq!(new_critical(&[n], &[None]), Val::Missing);
    }

    #[test]
    fn earlier_critical_answers() {
        let (y, n) = (Some(true), Some(false));
        assert_eq!(earlier_critical(&[&[y]], Some(&[n])), yes(true));
        assert_eq!(
            earlier_critical(&[&[n], &[y]], Some(&[n])),
            yes(true),
            "any earlier wave"
        );
        assert_eq!(
            earlier_critical(&[&[y]], Some(&[y])),
            yes(false),
            "the last wave's rules see it"
        );
        // it may persist: not answered, or not screened, at the last wave
        assert_eq!(earlier_critical(&[&[y]], Some(&[None])), Val::Missing);
        assert_eq!(earlier_critical(&[&[y, n]], Some(&[n, None])), Val::Missing);
        assert_eq!(earlier_critical(&[&[y]], None), Val::Missing);
        // answered no at every earlier wave
        assert_eq!(earlier_critical(&[&[n], &[n]], Some(&[n])), yes(false));
        assert_eq!(earlier_critical(&[], Some(&[n])), yes(false));
        // not answered earlier (blank, invalid, no column): not ruled out,
        // so followed up like an endorsement once the last answers no
        assert_eq!(earlier_critical(&[&[None]], Some(&[n])), yes(true));
        assert_eq!(
            earlier_critical(&[&[n], &[n, None]], Some(&[n, n])),
            yes(true)
        );
        // unknown then and now: the last wave's missing answer raises it
        assert_eq!(earlier_critical(&[&[None]], Some(&[None])), yes(false));
        assert_eq!(earlier_critical(&[&[None]], None), yes(false));
        assert_eq!(earlier_critical(&[&[None]], Some(&[y])), yes(false));
    }
}
