//! Change between screening waves, per person and scale: the pure core of
//! `psyscreen change` (no I/O). Jacobson & Truax (1991) reliable change,
//! clinically significant change across the instrument's clinical
//! cut-off, response and remission, and the risk trajectory across waves.
//!
//! Fail toward safety: an incomplete total gives no verdict (`unknown`),
//! and a prorated total (an estimate) is never counted as improvement: a
//! change that would be one is `uncertain`, while a deterioration still
//! counts.
//!
//! - `link`: people of several waves linked by id (duplicates, dropouts);
//! - `person`: one person judged across the waves;
//! - `layout`: the rows per person, or the counts per group (`--by`);
//! - `vars`: the change variables a policy may name (`phq9_change`).

pub mod layout;
pub mod link;
pub mod params;
pub mod person;
pub mod vars;

use crate::instrument::change::{self as instrument_change, HigherIs, ScaleChange};
use crate::messages::tr;

/// Jacobson & Truax's criterion: |RC| > 1.96 (p < .05, two-sided).
pub const RC_CRITICAL: f64 = 1.96;

/// One total at one wave, in units of 10^-decimals of the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub units: i64,
    pub prorated: bool,
}

/// How "reliable" is decided for a scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Criterion {
    /// S_diff = √2 · SD · √(1 − r), in total units as written.
    Rci { s_diff: f64 },
    /// |x₂ − x₁| ≥ threshold (units of the scale), a published value.
    Threshold { units: i64 },
}

impl Criterion {
    /// From reliability and SD (Jacobson & Truax 1991):
    /// SE = SD · √(1 − r), S_diff = √(2 · SE²) = √2 · SE.
    pub fn from_reliability(r: f64, sd: f64) -> Criterion {
        let se = sd * (1.0 - r).sqrt();
        Criterion::Rci {
            s_diff: std::f64::consts::SQRT_2 * se,
        }
    }
}

/// Values given on the command line for one scale (they override the
/// instrument's: an SD is sample-dependent).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Given {
    pub reliability: Option<f64>,
    pub sd: Option<f64>,
    pub threshold: Option<f64>,
}

/// How a scale's reliable change is decided, and where the values come
/// from (for the note on stderr), or why the values given are wrong.
/// `None`: no value is published or given; the scale's change is shown but
/// not judged reliable, and a policy rule that needs the verdict is refused
/// when it is bound (`no_reliable_change`).
pub fn criterion(
    scale: &crate::instrument::Scale,
    facts: Option<&ScaleChange>,
    given: Given,
) -> Result<(Option<Criterion>, String), String> {
    let id = &scale.id;
    let threshold = |x: f64| -> Result<Criterion, String> {
        let units = (x * 10f64.powi(i32::from(scale.decimals))).round();
        if !(x > 0.0 && units.is_finite()) {
            return Err(tr!(
                "{id}: a reliable-change threshold must be a positive number",
                "{id}：可靠变化阈值必须是正数"
            ));
        }
        #[allow(clippy::cast_possible_truncation)] // checked finite; totals are small
        Ok(Criterion::Threshold {
            units: units as i64,
        })
    };
    let rci = |r: f64, sd: f64| -> Result<Criterion, String> {
        if !(r > 0.0 && r < 1.0) {
            return Err(tr!(
                "{id}: --reliability {r} is not between 0 and 1 (exclusive)",
                "{id}：--reliability {r} 不在 0 与 1 之间（不含端点）"
            ));
        }
        if !(sd > 0.0 && sd.is_finite()) {
            return Err(tr!(
                "{id}: --sd {sd} is not a positive number",
                "{id}：--sd {sd} 不是正数"
            ));
        }
        Ok(Criterion::from_reliability(r, sd))
    };
    if let Some(t) = given.threshold {
        return Ok((
            Some(threshold(t)?),
            tr!(
                "|change| >= {t} (--reliable-change)",
                "|变化| >= {t}（--reliable-change）"
            ),
        ));
    }
    let published = |x: Option<&instrument_change::Sourced>| x.map(|s| s.value);
    let r = given
        .reliability
        .or_else(|| published(facts.and_then(|f| f.reliability.as_ref())));
    let sd = given
        .sd
        .or_else(|| published(facts.and_then(|f| f.sd.as_ref())));
    let from = |cli: bool| {
        if cli {
            crate::messages::pick("given", "命令行给出")
        } else {
            crate::messages::pick("published", "已发表")
        }
    };
    if given.reliability.is_some() || given.sd.is_some() {
        return match (r, sd) {
            (Some(r), Some(sd)) => Ok((Some(rci(r, sd)?), {
                let (fr, fs) = (from(given.reliability.is_some()), from(given.sd.is_some()));
                tr!(
                    "RC with r = {r} ({fr}) and SD = {sd} ({fs})",
                    "RC 采用 r = {r}（{fr}）与 SD = {sd}（{fs}）"
                )
            })),
            (None, _) => Err(tr!(
                "{id}: --sd without a reliability: give --reliability too",
                "{id}：给了 --sd 但没有信度：请同时给出 --reliability"
            )),
            (_, None) => Err(tr!(
                "{id}: --reliability without an SD: give --sd too",
                "{id}：给了 --reliability 但没有标准差：请同时给出 --sd"
            )),
        };
    }
    if let Some(t) = facts.and_then(|f| f.reliable_change.as_ref()) {
        return Ok((Some(threshold(t.value)?), {
            let (v, src) = (t.value, &t.source);
            tr!("|change| >= {v} ({src})", "|变化| >= {v}（{src}）")
        }));
    }
    if let (Some(r), Some(sd)) = (r, sd) {
        return Ok((
            Some(rci(r, sd)?),
            tr!(
                "RC with published r = {r} and SD = {sd}",
                "RC 采用已发表的 r = {r} 与 SD = {sd}"
            ),
        ));
    }
    Ok((
        None,
        tr!(
            "no published reliable-change value: its totals and change are shown, not judged reliable (to judge them: --reliable-change {id}=N, or --reliability {id}=R --sd {id}=SD, from a published source for your population)",
            "没有已发表的可靠变化值：只列出总分与变化，不判断是否为可靠变化（如需判断：--reliable-change {id}=N，或 --reliability {id}=R --sd {id}=SD，取自适用于你的人群的已发表文献）"
        ),
    ))
}

/// The error of `name`, a policy variable that needs a reliable-change
/// verdict of `scale`, which has no published value and none was given.
pub fn no_reliable_change(name: &str, scale: &str) -> String {
    tr!(
        "`{name}`: scale `{scale}` has no published reliable-change value, so this rule could never be decided: give --reliable-change {scale}=N, or --reliability {scale}=R --sd {scale}=SD, with values from a published source for your population (or remove the rule)",
        "`{name}`：分量表 `{scale}` 没有已发表的可靠变化值，这条规则永远无法判定：请给出 --reliable-change {scale}=N，或 --reliability {scale}=R --sd {scale}=SD，数值取自适用于你的人群的已发表文献（或删去这条规则）"
    )
}

/// What a scale's change is judged by.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub higher_is: HigherIs,
    /// `None`: no reliable-change value published or given (the change
    /// is shown, never judged reliable).
    pub criterion: Option<Criterion>,
    /// Decimal places of the total (units → written value).
    pub decimals: u8,
    /// The total (units) the clinical range starts at, from the healthy end.
    pub clinical_from: Option<i64>,
    pub remission_below: Option<i64>,
    pub response_milli: Option<i64>,
}

impl Params {
    pub fn new(
        facts: &ScaleChange,
        criterion: Option<Criterion>,
        scale: &crate::instrument::Scale,
    ) -> Self {
        Params {
            higher_is: facts.higher_is,
            criterion,
            decimals: scale.decimals,
            clinical_from: facts.clinical_from,
            remission_below: facts.remission_below,
            response_milli: facts.response_milli,
        }
    }

    /// Is the total in the clinical range? `None` without a cut-off.
    pub fn clinical(&self, units: i64) -> Option<bool> {
        let from = self.clinical_from?;
        Some(match self.higher_is {
            HigherIs::Worse => units >= from,
            HigherIs::Better => units <= from,
        })
    }

    #[allow(clippy::cast_precision_loss)] // totals are small
    fn written(&self, units: i64) -> f64 {
        units as f64 / 10f64.powi(i32::from(self.decimals))
    }
}

/// The reliable-change verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reliable {
    Improved,
    Deteriorated,
    NoChange,
    /// Would be an improvement, but a total is prorated: not counted.
    Uncertain,
    /// A total is missing or incomplete.
    Unknown,
    /// No reliable-change value published or given: not judged.
    NotJudged,
}

impl Reliable {
    pub fn as_str(self) -> &'static str {
        match self {
            Reliable::Improved => "improved",
            Reliable::Deteriorated => "deteriorated",
            Reliable::NoChange => "no_change",
            Reliable::Uncertain => "uncertain",
            Reliable::Unknown => "unknown",
            Reliable::NotJudged => "",
        }
    }
}

/// Clinically significant change (Jacobson & Truax's second criterion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clinical {
    /// Reliably improved, from the clinical range to outside it.
    Recovered,
    /// Reliably deteriorated, from outside the clinical range into it.
    IntoClinical,
    /// Neither.
    No,
    /// No cut-off declared, or the verdict is not known.
    Unknown,
}

impl Clinical {
    pub fn as_str(self) -> &'static str {
        match self {
            Clinical::Recovered => "recovered",
            Clinical::IntoClinical => "into_clinical",
            Clinical::No => "no",
            Clinical::Unknown => "",
        }
    }
}

/// Response or remission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Met {
    Yes,
    No,
    /// Not declared, or the baseline was not in the clinical range (there
    /// was nothing to respond or remit from).
    NotApplicable,
    /// Would be met, but a total is prorated; or a total is incomplete.
    Unknown,
}

impl Met {
    fn of(met: bool) -> Met {
        if met {
            Met::Yes
        } else {
            Met::No
        }
    }

    /// `true`, `false`, or empty.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Met::Yes => b"true",
            Met::No => b"false",
            Met::NotApplicable | Met::Unknown => b"",
        }
    }
}

/// One scale's change for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Last − baseline, in units of the scale.
    pub change: Option<i64>,
    /// The reliable change index (only with reliability and SD).
    pub rc: Option<f64>,
    pub reliable: Reliable,
    pub clinical: Clinical,
    pub response: Met,
    pub remission: Met,
    /// Either total prorated.
    pub prorated: bool,
}

impl Outcome {
    fn unknown() -> Outcome {
        Outcome {
            change: None,
            rc: None,
            reliable: Reliable::Unknown,
            clinical: Clinical::Unknown,
            response: Met::Unknown,
            remission: Met::Unknown,
            prorated: false,
        }
    }
}

/// Judge the change from `baseline` to `last` (`None`: incomplete).
pub fn judge(p: &Params, baseline: Option<Total>, last: Option<Total>) -> Outcome {
    let (Some(b), Some(l)) = (baseline, last) else {
        return Outcome::unknown();
    };
    let diff = l.units - b.units;
    // positive: better, whichever way the scale runs
    let better = match p.higher_is {
        HigherIs::Worse => -diff,
        HigherIs::Better => diff,
    };
    let (rc, beyond) = match p.criterion {
        Some(Criterion::Rci { s_diff }) => {
            let rc = p.written(diff) / s_diff;
            (Some(rc), Some(rc.abs() > RC_CRITICAL))
        }
        Some(Criterion::Threshold { units }) => (None, Some(diff.abs() >= units)),
        None => (None, None),
    };
    let prorated = b.prorated || l.prorated;
    let reliable = match (beyond, better > 0) {
        (None, _) => Reliable::NotJudged,
        (Some(false), _) => Reliable::NoChange,
        (Some(true), false) => Reliable::Deteriorated,
        (Some(true), true) if prorated => Reliable::Uncertain,
        (Some(true), true) => Reliable::Improved,
    };
    let clinical = match (p.clinical(b.units), p.clinical(l.units)) {
        (Some(was), Some(is)) => match reliable {
            Reliable::Improved if was && !is => Clinical::Recovered,
            Reliable::Deteriorated if !was && is => Clinical::IntoClinical,
            Reliable::Uncertain | Reliable::NotJudged => Clinical::Unknown,
            _ => Clinical::No,
        },
        _ => Clinical::Unknown,
    };
    // both are about people who started in the clinical range (without a
    // declared cut-off: who had something to lose)
    let was_clinical = p.clinical(b.units);
    let counted = |met: bool| match (met, prorated) {
        (true, true) => Met::Unknown,
        (met, _) => Met::of(met),
    };
    // response: (baseline − last) ≥ fraction × baseline, in integers
    // (thousandths), so exactly 50 % is a response
    let response = match p.response_milli {
        Some(milli) if was_clinical.unwrap_or(b.units > 0) && b.units > 0 => {
            counted((b.units - l.units) * 1000 >= milli * b.units)
        }
        _ => Met::NotApplicable,
    };
    let remission = match p.remission_below {
        Some(cut) if was_clinical.unwrap_or(b.units >= cut) => counted(l.units < cut),
        _ => Met::NotApplicable,
    };
    Outcome {
        change: Some(diff),
        rc,
        reliable,
        clinical,
        response,
        remission,
        prorated,
    }
}

/// The risk trajectory from the baseline level to the last (policy level
/// indexes, 0 = lowest: no risk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trajectory {
    None,
    New,
    Persisting,
    Escalated,
    Resolved,
    /// A wave is missing.
    Unknown,
}

impl Trajectory {
    pub fn of(baseline: Option<usize>, last: Option<usize>) -> Trajectory {
        match (baseline, last) {
            (Some(0), Some(0)) => Trajectory::None,
            (Some(0), Some(_)) => Trajectory::New,
            (Some(_), Some(0)) => Trajectory::Resolved,
            (Some(b), Some(l)) if l > b => Trajectory::Escalated,
            (Some(_), Some(_)) => Trajectory::Persisting,
            _ => Trajectory::Unknown,
        }
    }

    const ALL: [Trajectory; 5] = [
        Trajectory::None,
        Trajectory::New,
        Trajectory::Persisting,
        Trajectory::Escalated,
        Trajectory::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trajectory::None => "none",
            Trajectory::New => "new",
            Trajectory::Persisting => "persisting",
            Trajectory::Escalated => "escalated",
            Trajectory::Resolved => "resolved",
            Trajectory::Unknown => "unknown",
        }
    }
}

/// A wave's level as far as it is known: from `.0` to `.1` (the same
/// when the level is certain; a level that rests on a missing value may be
/// anything from the lowest to the top).
pub type Span = (usize, usize);

/// The trajectories the known levels allow: one when the levels are
/// certain; several when a level rests on a missing value (a blank item 9
/// is not a new risk, nor no risk: not known). Every one when no change is
/// computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Risks(u8);

impl Risks {
    /// Not known at all (not linked, a wave missing).
    pub const UNKNOWN: Risks = Risks(0b1_1111);

    fn bit(t: Trajectory) -> u8 {
        Trajectory::ALL
            .iter()
            .position(|x| *x == t)
            .map_or(0, |k| 1 << k)
    }

    /// From the baseline's level to the last's, with the highest level of
    /// the waves between them (a risk that came and went is `resolved`).
    pub fn of(baseline: Span, last: Span, between: Span) -> Risks {
        let mut bits = 0;
        for b in baseline.0..=baseline.1.max(baseline.0) {
            for l in last.0..=last.1.max(last.0) {
                bits |= match Trajectory::of(Some(b), Some(l)) {
                    Trajectory::None if between.0 > 0 => Risks::bit(Trajectory::Resolved),
                    Trajectory::None if between.1 > 0 => {
                        Risks::bit(Trajectory::None) | Risks::bit(Trajectory::Resolved)
                    }
                    t => Risks::bit(t),
                };
            }
        }
        Risks(bits)
    }

    /// Whether `t` is the trajectory: `Some(true)` when it is the only one
    /// the levels allow, `Some(false)` when they rule it out, `None` when
    /// they cannot tell.
    pub fn is(self, t: Trajectory) -> Option<bool> {
        let bit = Risks::bit(t);
        match (self.0 & bit != 0, self.0 == bit) {
            (false, _) => Some(false),
            (true, true) => Some(true),
            (true, false) => None,
        }
    }

    /// The trajectory, or `Unknown` when the levels allow several.
    pub fn trajectory(self) -> Trajectory {
        Trajectory::ALL
            .into_iter()
            .find(|t| self.is(*t) == Some(true))
            .unwrap_or(Trajectory::Unknown)
    }
}

#[cfg(test)]
mod tests;
