//! Known-answer tests: the `tests:` of an instrument file, run through the
//! same scoring code as batch and interactive scoring.

use super::scoring::{score_instrument, Answer, ScaleResult};
use super::Instrument;
use crate::messages::tr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub test: String,
    /// YAML path of the test, for locating it.
    pub path: String,
    pub message: String,
}

/// Run every known-answer test; returns the number run and the failures.
pub fn run(inst: &Instrument) -> (usize, Vec<Failure>) {
    let mut failures = Vec::new();
    for t in &inst.tests {
        let mut answers = vec![Answer::Missing; inst.items.len()];
        for &(i, v) in &t.answers {
            answers[i] = v.map_or(Answer::Missing, Answer::Value);
        }
        let mut results = vec![ScaleResult::default(); inst.scales.len()];
        score_instrument(inst, &mut answers, &mut results);
        let mut problems = Vec::new();
        for e in &t.expect {
            let scale = &inst.scales[e.scale];
            let got = results[e.scale];
            let show = |t: Option<i64>| t.map_or("empty".to_string(), |u| scale.format_total(u));
            if let Some(want) = e.total {
                if want != got.total {
                    problems.push(tr!(
                        "{} total: expected {}, got {}",
                        "{} 总分：应为 {}，实为 {}",
                        scale.id,
                        show(want),
                        show(got.total)
                    ));
                }
            }
            let got_band = got
                .band
                .map_or("incomplete", |b| scale.bands[b].label.as_str());
            if let Some(want) = &e.band {
                if want != got_band {
                    problems.push(tr!(
                        "{} band: expected {want}, got {got_band}",
                        "{} 分级：应为 {want}，实为 {got_band}",
                        scale.id
                    ));
                }
            }
            if let Some(want) = e.prorated {
                if want != got.prorated {
                    problems.push(tr!(
                        "{} prorated: expected {want}, got {}",
                        "{} 按比例推算：应为 {want}，实为 {}",
                        scale.id,
                        got.prorated
                    ));
                }
            }
        }
        if !problems.is_empty() {
            failures.push(Failure {
                test: t.name.clone(),
                path: t.path.clone(),
                message: problems.join("; "),
            });
        }
    }
    (inst.tests.len(), failures)
}
