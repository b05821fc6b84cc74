//! Pure scoring of one instrument: answers → scale totals, bands, prorated
//! and incomplete status. No I/O. Integer arithmetic throughout; rounding
//! is half up. It sits below the loader, which runs each file's
//! known-answer tests (known.rs) through it; `score::Battery` scores the
//! instruments of a run together.

use super::{Instrument, Method, Scale};
use crate::condition::{Fixed, Tri, Val};

/// One item's answer for one person, as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A raw value in the item's response set (before reversing).
    Value(i32),
    /// Blank.
    Missing,
    /// Something that is not a valid answer: counted as missing, reported.
    Invalid,
    /// Not asked because of skip logic and no value is implied: neither
    /// missing nor scored.
    NotAsked,
}

impl Answer {
    /// What a condition sees: the raw answer, or why there is none.
    pub fn as_val(self) -> Val {
        match self {
            Answer::Value(v) => Val::Known(Fixed::int(i64::from(v))),
            Answer::Missing | Answer::Invalid => Val::Missing,
            Answer::NotAsked => Val::Absent,
        }
    }
}

/// One scale's result for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScaleResult {
    /// Total in units of 10^-decimals; `None` = incomplete.
    pub total: Option<i64>,
    /// Index into the scale's bands; `None` = incomplete.
    pub band: Option<usize>,
    pub prorated: bool,
    /// Items missing or invalid (items not asked do not count).
    pub missing: usize,
}

impl ScaleResult {
    pub fn is_incomplete(&self) -> bool {
        self.total.is_none()
    }
}

/// Round half up (toward +infinity) of `num / den`, `den > 0`.
pub fn div_round_half_up(num: i64, den: i64) -> i64 {
    (2 * num + den).div_euclid(2 * den)
}

/// Apply skip logic in item order: an item whose `asked_if` is false and
/// that has no answer takes its `if_skipped` value, or becomes `NotAsked`.
/// An undecidable `asked_if` counts the item as asked (a blank is missing):
/// failing toward safety. An answer given anyway is kept.
pub fn apply_skip_logic(inst: &Instrument, answers: &mut [Answer]) {
    for &i in &inst.skippable {
        let item = &inst.items[i];
        let Some(cond) = &item.asked_if else { continue };
        if answers[i] != Answer::Missing {
            continue;
        }
        let mut missing = Vec::new();
        let asked = cond.eval(&|&j: &usize| answers[j].as_val(), &mut missing);
        if asked == Tri::False {
            answers[i] = item.if_skipped.map_or(Answer::NotAsked, Answer::Value);
        }
    }
}

/// Score one scale from the instrument's answers (skip logic applied).
pub fn score_scale(scale: &Scale, answers: &[Answer]) -> ScaleResult {
    let mut sum: i64 = 0;
    let mut answered: i64 = 0;
    let mut not_asked = 0usize;
    let mut missing = 0usize;
    for (&i, &(sign, base)) in scale.items.iter().zip(&scale.terms) {
        match answers[i] {
            // scored = base + sign × answer: the answer itself, or reversed
            Answer::Value(v) => {
                sum += i64::from(base + sign * v);
                answered += 1;
            }
            Answer::Missing | Answer::Invalid => missing += 1,
            Answer::NotAsked => not_asked += 1,
        }
    }
    let applicable = i64::try_from(scale.items.len() - not_asked).unwrap_or(i64::MAX);
    if missing > scale.max_missing || answered == 0 {
        return ScaleResult {
            total: None,
            band: None,
            prorated: false,
            missing,
        };
    }
    let prorated = missing > 0;
    let base = match scale.method {
        // prorate: mean of answered × applicable items, rounded half up
        Method::Sum if prorated => div_round_half_up(sum * applicable, answered),
        Method::Sum => sum,
        Method::Mean => div_round_half_up(sum * 10_i64.pow(u32::from(scale.decimals)), answered),
    };
    // the multiplier comes after rounding (DASS-21: 12 × 2 = 24, not 23)
    let total = base * scale.multiplier;
    ScaleResult {
        total: Some(total),
        band: scale.band_of(total),
        prorated,
        missing,
    }
}

/// Lowest and highest total `scale` can have when the raw answers to some
/// of its items are known to lie in a range (`known`, by item index; such
/// an item is answered). It follows [`score_scale`]: any other item may be
/// answered, missing (up to `max_missing`, then prorated) or, with skip
/// logic, not asked; which ones is left open, so the range errs wide.
/// `None` when no total is possible.
pub fn total_range_given(
    inst: &Instrument,
    scale: &Scale,
    known: &dyn Fn(usize) -> Option<(i64, i64)>,
) -> Option<(i64, i64)> {
    let n = scale.items.len();
    let (mut fixed_lo, mut fixed_hi, mut fixed) = (0i64, 0i64, 0usize);
    let (mut free_lo, mut free_hi) = (Vec::new(), Vec::new());
    let mut skippable = 0usize;
    for (&i, &(sign, base)) in scale.items.iter().zip(&scale.terms) {
        let set = inst.set_of(i);
        let (sign, base) = (i64::from(sign), i64::from(base));
        match known(i) {
            Some((a, b)) => {
                let (x, y) = (base + sign * a, base + sign * b);
                fixed_lo += x.min(y);
                fixed_hi += x.max(y);
                fixed += 1;
            }
            None => {
                free_lo.push(i64::from(set.min));
                free_hi.push(i64::from(set.max));
                let item = &inst.items[i];
                if item.asked_if.is_some() && item.if_skipped.is_none() {
                    skippable += 1;
                }
            }
        }
    }
    free_lo.sort_unstable();
    free_hi.sort_unstable_by(|a, b| b.cmp(a));
    let p = 10_i64.pow(u32::from(scale.decimals));
    let mut range: Option<(i64, i64)> = None;
    // `answered` items, `missing` of them missing, the rest not asked
    for answered in fixed.max(1)..=n {
        let free = answered - fixed;
        if free > free_lo.len() {
            break;
        }
        let lo: i64 = fixed_lo + free_lo[..free].iter().sum::<i64>();
        let hi: i64 = fixed_hi + free_hi[..free].iter().sum::<i64>();
        for missing in 0..=scale.max_missing.min(n - answered) {
            if n - answered - missing > skippable {
                continue;
            }
            let (a, applicable) = (answered as i64, (answered + missing) as i64);
            let total = |sum: i64| {
                let base = match scale.method {
                    Method::Sum if missing > 0 => div_round_half_up(sum * applicable, a),
                    Method::Sum => sum,
                    Method::Mean => div_round_half_up(sum * p, a),
                };
                base * scale.multiplier
            };
            let (x, y) = (total(lo).min(total(hi)), total(lo).max(total(hi)));
            range = Some(range.map_or((x, y), |(l, h)| (l.min(x), h.max(y))));
        }
    }
    range
}

/// Score every scale of `inst`. `answers` is indexed like `inst.items` and
/// gets skip logic applied in place; `out` is indexed like `inst.scales`.
pub fn score_instrument(inst: &Instrument, answers: &mut [Answer], out: &mut [ScaleResult]) {
    // most instruments have no skip logic: no call for them (every row)
    if !inst.skippable.is_empty() {
        apply_skip_logic(inst, answers);
    }
    for (scale, slot) in inst.scales.iter().zip(out.iter_mut()) {
        *slot = score_scale(scale, answers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_half_up() {
        assert_eq!(div_round_half_up(135, 8), 17); // 16.875
        assert_eq!(div_round_half_up(5, 2), 3); // 2.5 → 3
        assert_eq!(div_round_half_up(7, 2), 4); // 3.5 → 4
        assert_eq!(div_round_half_up(4, 3), 1); // 1.33 → 1
        assert_eq!(div_round_half_up(-5, 2), -2); // -2.5 → -2 (up)
        assert_eq!(div_round_half_up(70, 6), 12); // DASS: 10/6×7 = 11.67 → 12
    }

    /// Every total scoring gives, over every answer or blank to the items
    /// of small built-in scales with their first item fixed, lies in the
    /// range `total_range_given` gives; and the range is met at both ends
    /// when nothing is fixed.
    #[test]
    fn total_range_given_holds_every_total() {
        for id in crate::instrument::builtin_ids() {
            let inst = crate::instrument::builtin(id).unwrap().unwrap();
            for scale in inst.scales.iter().filter(|s| s.items.len() <= 7) {
                let first = scale.items[0];
                for fixed in inst.set_of(first).options.iter().map(|o| o.value) {
                    let known =
                        |i: usize| (i == first).then_some((i64::from(fixed), i64::from(fixed)));
                    let (lo, hi) = total_range_given(&inst, scale, &known).unwrap();
                    let mut answers = vec![Answer::Missing; inst.items.len()];
                    answers[first] = Answer::Value(fixed);
                    let rest = &scale.items[1..];
                    let choices: Vec<Vec<Answer>> = rest
                        .iter()
                        .map(|&i| {
                            let mut c: Vec<Answer> = inst
                                .set_of(i)
                                .options
                                .iter()
                                .map(|o| Answer::Value(o.value))
                                .collect();
                            c.push(Answer::Missing);
                            c
                        })
                        .collect();
                    let mut pick = vec![0usize; rest.len()];
                    loop {
                        for (k, &i) in rest.iter().enumerate() {
                            answers[i] = choices[k][pick[k]];
                        }
                        if let Some(t) = score_scale(scale, &answers).total {
                            assert!(
                                lo <= t && t <= hi,
                                "{id} {}: {t} outside {lo}..{hi} with {fixed}",
                                scale.id
                            );
                        }
                        let Some(k) = (0..pick.len()).find(|&k| pick[k] + 1 < choices[k].len())
                        else {
                            break;
                        };
                        pick[k] += 1;
                        pick[..k].fill(0);
                    }
                }
                assert_eq!(
                    total_range_given(&inst, scale, &|_| None),
                    Some(scale.range),
                    "{id} {}",
                    scale.id
                );
            }
        }
    }
}
