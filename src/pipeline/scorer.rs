//! The core of a row: answers in, totals, bands and the policy's level out.
//! Pure (no CSV, no files): the reading thread, `summary`, the coming
//! `change` command and a Python binding all score a row through this, with
//! answers they got however they got them (`io::cells::AnswerReader` reads
//! cells; a binding may build `Answer`s from memory).

use crate::policy::{Bound, Level, Outcome};
use crate::score::{Answer, Battery, ScaleResult};

/// Scores one row at a time; its buffers are reused, so a row allocates
/// nothing.
pub struct Scorer<'a> {
    battery: &'a Battery,
    bound: &'a Bound,
    /// Per scale, in the battery's order: the last row's results.
    pub results: Vec<ScaleResult>,
    /// The last row's level, the rules that fired and what was missing.
    pub outcome: Outcome<'a>,
}

impl<'a> Scorer<'a> {
    pub fn new(battery: &'a Battery, bound: &'a Bound) -> Self {
        Scorer {
            battery,
            bound,
            results: vec![ScaleResult::default(); battery.n_scales()],
            outcome: Outcome::default(),
        }
    }

    /// Score one row's answers (battery item order). Skip logic is applied
    /// in place: afterwards `answers` are the ones the totals were made of.
    #[inline]
    pub fn score(&mut self, answers: &mut [Answer]) -> Level {
        score_into(
            (self.battery, self.bound),
            answers,
            &mut self.results,
            &mut self.outcome,
        )
    }

    /// Scale results of the last row with no total or band.
    pub fn incomplete(&self) -> u64 {
        incomplete(&self.results)
    }
}

/// `Scorer::score` into buffers the caller keeps (one per row in flight,
/// when rows are scored on several threads). `results` holds one entry
/// per scale.
#[inline]
pub fn score_into<'a>(
    (battery, bound): (&Battery, &'a Bound),
    answers: &mut [Answer],
    results: &mut [ScaleResult],
    outcome: &mut Outcome<'a>,
) -> Level {
    battery.score(answers, results);
    bound.evaluate(battery, answers, results, outcome);
    outcome.level
}

/// Scale results with no total or band.
pub fn incomplete(results: &[ScaleResult]) -> u64 {
    results.iter().map(|r| u64::from(r.is_incomplete())).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::{self, Lang};

    #[test]
    fn answers_in_memory_score_without_a_file() {
        let battery = Battery::new(vec![instrument::builtin("gad2").unwrap().unwrap()]);
        let policy = crate::policy::default_policy().unwrap();
        let bound = policy.bind(&battery, &instrument::builtin_names()).unwrap();
        let mut s = Scorer::new(&battery, &bound);
        let level = s.score(&mut [Answer::Value(3), Answer::Value(2)]);
        assert_eq!(s.results[0].total, Some(5));
        assert_eq!(s.results[0].band, Some(1));
        assert_eq!(policy.level_id(level), "monitor");
        let mut why = String::new();
        bound.reasons(&s.outcome, Lang::En, &mut why);
        assert!(why.starts_with("GAD-2 ≥ 3"), "{why}");
        let level = s.score(&mut [Answer::Invalid, Answer::Missing]);
        assert_eq!(s.results[0].band, None, "both missing: incomplete");
        assert_eq!(s.incomplete(), 1);
        assert_eq!(policy.level_id(level), "monitor", "never lower");
    }
}
