//! What a summary shows of the instruments and the policy: scales with
//! their bands, levels with their labels, and one person's scale facts.

use super::{BandInfo, LevelInfo, ScaleFact, ScaleInfo};
use crate::instrument::Scale;
use crate::policy::Policy;
use crate::score::{Battery, ScaleResult};

/// The scales of a battery as a summary shows them.
pub fn scales_of(battery: &Battery) -> Vec<ScaleInfo> {
    battery.scales().map(|(_, _, s)| scale_info(s)).collect()
}

pub fn scale_info(s: &Scale) -> ScaleInfo {
    ScaleInfo {
        id: s.id.clone(),
        bands: s
            .bands
            .iter()
            .map(|b| BandInfo {
                id: b.label.clone(),
                en: b.en.clone(),
                zh: b.zh.clone(),
            })
            .collect(),
    }
}

/// The levels of a policy as a summary shows them.
pub fn levels_of(policy: &Policy) -> Vec<LevelInfo> {
    policy
        .levels
        .iter()
        .map(|l| LevelInfo {
            id: l.id.clone(),
            label: l.label.clone(),
        })
        .collect()
}

/// Scale results as a summary counts them: totals with their decimals.
pub struct Facts {
    divisors: Vec<f64>,
    pub facts: Vec<ScaleFact>,
}

impl Facts {
    pub fn new(battery: &Battery) -> Self {
        Facts {
            divisors: battery
                .scales()
                .map(|(_, _, s)| 10f64.powi(i32::from(s.decimals)))
                .collect(),
            facts: vec![ScaleFact::default(); battery.n_scales()],
        }
    }

    pub fn fill(&mut self, results: &[ScaleResult]) -> &[ScaleFact] {
        for ((f, r), d) in self.facts.iter_mut().zip(results).zip(&self.divisors) {
            #[allow(clippy::cast_precision_loss)] // totals are small
            let total = r.total.map(|t| t as f64 / d);
            *f = ScaleFact {
                total,
                band: r.band,
            };
        }
        &self.facts
    }
}
