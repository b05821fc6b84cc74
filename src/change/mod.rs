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
//! - `vars`: the change variables a policy may name (`phq9_change`).

pub mod link;
pub mod person;
pub mod vars;

use crate::instrument::change::{HigherIs, ScaleChange};

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

/// What a scale's change is judged by.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub higher_is: HigherIs,
    pub criterion: Criterion,
    /// Decimal places of the total (units → written value).
    pub decimals: u8,
    /// The total (units) the clinical range starts at, from the healthy end.
    pub clinical_from: Option<i64>,
    pub remission_below: Option<i64>,
    pub response_milli: Option<i64>,
}

impl Params {
    pub fn new(facts: &ScaleChange, criterion: Criterion, scale: &crate::instrument::Scale) -> Self {
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
}

impl Reliable {
    pub fn as_str(self) -> &'static str {
        match self {
            Reliable::Improved => "improved",
            Reliable::Deteriorated => "deteriorated",
            Reliable::NoChange => "no_change",
            Reliable::Uncertain => "uncertain",
            Reliable::Unknown => "unknown",
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

/// One scale's change for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Last − baseline, in units of the scale.
    pub change: Option<i64>,
    /// The reliable change index (only with reliability and SD).
    pub rc: Option<f64>,
    pub reliable: Reliable,
    pub clinical: Clinical,
    /// `None`: not declared by the instrument, or not known.
    pub response: Option<bool>,
    pub remission: Option<bool>,
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
            response: None,
            remission: None,
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
        Criterion::Rci { s_diff } => {
            let rc = p.written(diff) / s_diff;
            (Some(rc), rc.abs() > RC_CRITICAL)
        }
        Criterion::Threshold { units } => (None, diff.abs() >= units),
    };
    let prorated = b.prorated || l.prorated;
    let reliable = match (beyond, better > 0) {
        (false, _) => Reliable::NoChange,
        (true, false) => Reliable::Deteriorated,
        (true, true) if prorated => Reliable::Uncertain,
        (true, true) => Reliable::Improved,
    };
    let clinical = match (p.clinical(b.units), p.clinical(l.units)) {
        (Some(was), Some(is)) => match reliable {
            Reliable::Improved if was && !is => Clinical::Recovered,
            Reliable::Deteriorated if !was && is => Clinical::IntoClinical,
            Reliable::Uncertain => Clinical::Unknown,
            _ => Clinical::No,
        },
        _ => Clinical::Unknown,
    };
    // response: (baseline − last) ≥ fraction × baseline, in integers
    // (thousandths), so exactly 50 % is a response
    let response = p.response_milli.and_then(|milli| {
        if b.units <= 0 {
            return None;
        }
        let met = (b.units - l.units) * 1000 >= milli * b.units;
        (!(met && prorated)).then_some(met)
    });
    let remission = p.remission_below.and_then(|cut| {
        let met = l.units < cut;
        (!(met && prorated)).then_some(met)
    });
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

#[cfg(test)]
mod tests;
