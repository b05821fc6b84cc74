//! A battery: the instruments of one run, laid out in flat arrays so one
//! person's answers and results live in two reused slices.

use super::{apply_skip_logic, div_round_half_up, score_scale, Answer, ScaleResult};
use crate::condition::{Fixed, Val};
use crate::instrument::{Instrument, Item, Method, Scale};

/// What a name in a rule or a column refers to, within a battery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// Global item index (raw answer).
    Item(usize),
    /// Global scale index (total).
    Scale(usize),
    /// A name of an instrument that is not part of this run.
    Absent,
}

#[derive(Debug)]
pub struct Battery {
    pub instruments: Vec<Instrument>,
    item_offset: Vec<usize>,
    scale_offset: Vec<usize>,
    /// Decimal places of every scale, by global index (hot path of rules).
    scale_decimals: Vec<u8>,
    n_items: usize,
    n_scales: usize,
    /// Every scale in global order, as `score` reads it.
    flat: Vec<FlatScale>,
    /// The instruments with skip logic.
    skipping: Vec<usize>,
}

/// A scale laid out for the usual row, where every item of it is
/// answered: its items' global indexes and terms side by side, and what
/// makes the total and the band. Any other row is scored by
/// `score_scale` itself. Built from the scale alone: it holds no fact of
/// its own.
#[derive(Debug)]
struct FlatScale {
    /// Per item: (global index, sign, base), as `Scale::terms`.
    terms: Box<[(usize, i32, i32)]>,
    /// Every term is (1, 0): no item reversed, the answers summed as they are.
    as_answered: bool,
    /// `Method::Mean`: 10^decimals; `Method::Sum`: none.
    mean_unit: Option<i64>,
    multiplier: i64,
    /// `Scale::bands`' bounds, in order.
    bands: Box<[(i64, i64)]>,
    /// When the bands follow one another (each begins one past the last's
    /// end, as the loader requires) over at most `BY_TOTAL` totals: the band
    /// of each total from the first band's `min` on, looked up with no
    /// branch per band (which band a total falls in is a coin toss per row,
    /// and a search's exit mispredicted about once a scale). Empty: search.
    by_total: Box<[u8]>,
    /// The first band's `min`: `by_total[0]`'s total.
    lowest: i64,
    /// The terms' global indexes are one run, `span`, in order (as a
    /// scale of consecutive items has them): the answers are then read as
    /// one slice, with no index per item.
    span: Option<std::ops::Range<usize>>,
    /// The instrument, its scale and its items' global indexes, for
    /// `score_scale`.
    instrument: usize,
    scale: usize,
    items: std::ops::Range<usize>,
}

impl FlatScale {
    /// The band `total` falls in, as `Scale::band_of` finds it.
    #[inline]
    fn band(&self, total: i64) -> Option<usize> {
        if self.by_total.is_empty() {
            return self
                .bands
                .iter()
                .position(|&(lo, hi)| lo <= total && total <= hi);
        }
        // below `lowest` is negative, and no total wraps into the table:
        // it is far shorter than any gap a wrap would need
        let at = usize::try_from(total.wrapping_sub(self.lowest)).ok()?;
        self.by_total.get(at).map(|&b| usize::from(b))
    }

    fn new(k: usize, s: usize, items: std::ops::Range<usize>, scale: &Scale) -> FlatScale {
        let terms: Box<[(usize, i32, i32)]> = scale
            .items
            .iter()
            .zip(&scale.terms)
            .map(|(&i, &(sign, base))| (items.start + i, sign, base))
            .collect();
        let span = terms
            .first()
            .map(|&(first, _, _)| first..first + terms.len())
            .filter(|span| span.clone().eq(terms.iter().map(|&(i, _, _)| i)));
        let (lowest, by_total) = by_total(&scale.bands);
        FlatScale {
            terms,
            span,
            as_answered: scale.terms.iter().all(|&t| t == (1, 0)),
            mean_unit: match scale.method {
                Method::Sum => None,
                Method::Mean => Some(10_i64.pow(u32::from(scale.decimals))),
            },
            multiplier: scale.multiplier,
            bands: scale.bands.iter().map(|b| (b.min, b.max)).collect(),
            by_total,
            lowest,
            instrument: k,
            scale: s,
            items,
        }
    }

    /// The sum of the scored answers, one per term in order; `None` at
    /// the first that is not a value.
    #[inline(always)]
    fn sum<'a>(&self, answers: impl Iterator<Item = Option<&'a Answer>>) -> Option<i64> {
        let mut sum: i64 = 0;
        if self.as_answered {
            for a in answers {
                match a {
                    // base + sign × v with (sign, base) = (1, 0)
                    Some(&Answer::Value(v)) => sum += i64::from(v),
                    _ => return None,
                }
            }
        } else {
            for (a, &(_, sign, base)) in answers.zip(&self.terms) {
                match a {
                    // as `score_scale` adds it
                    Some(&Answer::Value(v)) => sum += i64::from(base + sign * v),
                    _ => return None,
                }
            }
        }
        Some(sum)
    }

    /// `score_scale` of a row in which every item of the scale has a
    /// value, into `out`: the sum of the scored answers, no proration.
    /// False (`out` untouched): an item is missing, invalid or not asked,
    /// or the scale has no items.
    #[inline]
    fn all_answered(&self, answers: &[Answer], out: &mut ScaleResult) -> bool {
        let sum = match &self.span {
            Some(span) => answers
                .get(span.clone())
                .and_then(|a| self.sum(a.iter().map(Some))),
            None => self.sum(self.terms.iter().map(|&(i, _, _)| answers.get(i))),
        };
        let Some(sum) = sum else {
            return false;
        };
        let Some(answered) = i64::try_from(self.terms.len()).ok().filter(|&n| n > 0) else {
            return false;
        };
        let base = match self.mean_unit {
            None => sum,
            Some(unit) => div_round_half_up(sum * unit, answered),
        };
        let total = base * self.multiplier;
        // written field by field: a whole `ScaleResult` went through the stack
        out.total = Some(total);
        out.band = self.band(total);
        out.prorated = false;
        out.missing = 0;
        true
    }
}

/// At most this many totals get a band table (`FlatScale::by_total`).
const BY_TOTAL: i64 = 4096;

/// The band of every total from the first band's `min` to the last's
/// `max`, when the bands follow one another without a gap over at most
/// `BY_TOTAL` totals (at most 255 bands); else no table.
fn by_total(bands: &[crate::instrument::Band]) -> (i64, Box<[u8]>) {
    let (Some(first), Some(last)) = (bands.first(), bands.last()) else {
        return (0, Box::default());
    };
    let follow = bands
        .windows(2)
        .all(|w| w[0].max.checked_add(1) == Some(w[1].min));
    let fits = last
        .max
        .checked_sub(first.min)
        .is_some_and(|d| (0..BY_TOTAL).contains(&d));
    if !follow || !fits || bands.len() > 255 || bands.iter().any(|b| b.min > b.max) {
        return (0, Box::default());
    }
    let table = bands
        .iter()
        .enumerate()
        .flat_map(|(k, b)| (b.min..=b.max).map(move |_| u8::try_from(k).unwrap_or(u8::MAX)))
        .collect();
    (first.min, table)
}

impl Battery {
    pub fn new(instruments: Vec<Instrument>) -> Self {
        let mut item_offset = Vec::new();
        let mut scale_offset = Vec::new();
        let (mut ni, mut ns) = (0, 0);
        for inst in &instruments {
            item_offset.push(ni);
            scale_offset.push(ns);
            ni += inst.items.len();
            ns += inst.scales.len();
        }
        let scale_decimals = instruments
            .iter()
            .flat_map(|i| i.scales.iter().map(|s| s.decimals))
            .collect();
        let mut flat = Vec::new();
        for (k, inst) in instruments.iter().enumerate() {
            let items = item_offset[k]..item_offset[k] + inst.items.len();
            for (s, scale) in inst.scales.iter().enumerate() {
                flat.push(FlatScale::new(k, s, items.clone(), scale));
            }
        }
        let skipping = (0..instruments.len())
            .filter(|&k| !instruments[k].skippable.is_empty())
            .collect();
        Battery {
            flat,
            skipping,
            instruments,
            item_offset,
            scale_offset,
            scale_decimals,
            n_items: ni,
            n_scales: ns,
        }
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn n_scales(&self) -> usize {
        self.n_scales
    }

    /// Decimal places of the total of scale `s` (global index).
    pub fn scale_decimals(&self, s: usize) -> u8 {
        self.scale_decimals[s]
    }

    /// Every item with its global index, in instrument order.
    pub fn items(&self) -> impl Iterator<Item = (usize, &Instrument, &Item)> {
        self.instruments
            .iter()
            .enumerate()
            .flat_map(move |(k, inst)| {
                inst.items
                    .iter()
                    .enumerate()
                    .map(move |(i, it)| (self.item_offset[k] + i, inst, it))
            })
    }

    /// Every scale with its global index, in instrument order.
    pub fn scales(&self) -> impl Iterator<Item = (usize, &Instrument, &Scale)> {
        self.instruments
            .iter()
            .enumerate()
            .flat_map(move |(k, inst)| {
                inst.scales
                    .iter()
                    .enumerate()
                    .map(move |(i, s)| (self.scale_offset[k] + i, inst, s))
            })
    }

    /// Global indexes of every critical item.
    pub fn critical_items(&self) -> Vec<usize> {
        self.instruments
            .iter()
            .enumerate()
            .flat_map(|(k, inst)| inst.critical.iter().map(move |&i| self.item_offset[k] + i))
            .collect()
    }

    pub fn item_id(&self, global: usize) -> &str {
        let k = self.item_offset.partition_point(|&o| o <= global) - 1;
        &self.instruments[k].items[global - self.item_offset[k]].id
    }

    /// Resolve an item or scale id of this run.
    pub fn lookup(&self, name: &str) -> Option<Ref> {
        for (k, inst) in self.instruments.iter().enumerate() {
            if let Some(i) = inst.item_index(name) {
                return Some(Ref::Item(self.item_offset[k] + i));
            }
            if let Some(s) = inst.scale_index(name) {
                return Some(Ref::Scale(self.scale_offset[k] + s));
            }
        }
        None
    }

    /// Score one person: `answers` (global item order) gets skip logic
    /// applied in place; `results` receives every scale in global order.
    /// As `score_instrument` on each instrument in turn (skip logic only
    /// reads and writes its own instrument's answers), with a scale whose
    /// items are all answered summed without `score_scale`'s bookkeeping.
    pub fn score(&self, answers: &mut [Answer], results: &mut [ScaleResult]) {
        for &k in &self.skipping {
            let a = self.item_offset[k];
            let inst = &self.instruments[k];
            apply_skip_logic(inst, &mut answers[a..a + inst.items.len()]);
        }
        for (flat, slot) in self.flat.iter().zip(&mut results[..self.n_scales]) {
            if !flat.all_answered(answers, slot) {
                *slot = self.score_scale(flat, answers);
            }
        }
    }

    /// A scale with an item not answered: by the instrument's own scoring.
    #[inline(never)]
    fn score_scale(&self, flat: &FlatScale, answers: &[Answer]) -> ScaleResult {
        let scale = &self.instruments[flat.instrument].scales[flat.scale];
        score_scale(scale, &answers[flat.items.clone()])
    }

    /// The value a condition sees for `r`.
    pub fn value(&self, r: Ref, answers: &[Answer], results: &[ScaleResult]) -> Val {
        match r {
            Ref::Item(i) => answers[i].as_val(),
            Ref::Scale(s) => match results[s].total {
                Some(units) => Val::Known(Fixed {
                    units,
                    decimals: self.scale_decimals[s],
                }),
                None => Val::Missing,
            },
            Ref::Absent => Val::Absent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::{builtin_ids, builtin_with, load_str};
    use crate::score::score_instrument;

    /// Every built-in and a mean scale with decimals and a reversed item.
    fn instruments() -> Vec<Instrument> {
        let mut all: Vec<Instrument> = builtin_ids()
            .iter()
            .map(|id| builtin_with(id, false).unwrap().unwrap())
            .collect();
        let mean3 = include_str!("../../tests/data/fhir/mean3.yaml");
        all.push(load_str("mean3.yaml", mean3, "test").unwrap());
        all
    }

    static ALL: std::sync::LazyLock<Battery> =
        std::sync::LazyLock::new(|| Battery::new(instruments()));

    /// The general path: each instrument scored by `score_instrument`, as
    /// `Battery::score` did before it summed answered scales itself.
    fn by_instrument(b: &Battery, answers: &mut [Answer]) -> Vec<ScaleResult> {
        let mut results = vec![ScaleResult::default(); b.n_scales()];
        for (k, inst) in b.instruments.iter().enumerate() {
            let (a, s) = (b.item_offset[k], b.scale_offset[k]);
            score_instrument(
                inst,
                &mut answers[a..a + inst.items.len()],
                &mut results[s..s + inst.scales.len()],
            );
        }
        results
    }

    fn check(b: &Battery, answers: &[Answer]) -> Result<(), String> {
        let (mut fast, mut general) = (answers.to_vec(), answers.to_vec());
        // stale results from another row must not leak through
        let mut results = vec![
            ScaleResult {
                total: Some(99),
                band: Some(7),
                prorated: true,
                missing: 5,
            };
            b.n_scales()
        ];
        b.score(&mut fast, &mut results);
        let want = by_instrument(b, &mut general);
        if fast != general || results != want {
            return Err(format!("{answers:?}: {results:?} vs {want:?}"));
        }
        Ok(())
    }

    /// Every combination of answers to every scale small enough to list
    /// (all of PHQ-9, GAD-7, DASS-21's scales, WHO-5, mean3, …), every
    /// item answered — the rows the sum takes — and with the scale's
    /// first item missing: the same totals and bands as `score_instrument`.
    #[test]
    fn every_answered_row_of_a_small_scale_scores_as_by_instrument() {
        let b = &*ALL;
        let mut listed = 0;
        for (_, inst, scale) in b.scales() {
            let k = b.instruments.iter().position(|i| i.id == inst.id).unwrap();
            let offset = b.item_offset[k];
            let choices: Vec<Vec<i32>> = scale
                .items
                .iter()
                .map(|&i| inst.set_of(i).options.iter().map(|o| o.value).collect())
                .collect();
            let combos: usize = choices.iter().map(Vec::len).product();
            if combos > 300_000 {
                continue;
            }
            let mut answers = vec![Answer::Missing; b.n_items()];
            let mut pick = vec![0usize; choices.len()];
            loop {
                for (n, &i) in scale.items.iter().enumerate() {
                    answers[offset + i] = Answer::Value(choices[n][pick[n]]);
                }
                check(b, &answers).unwrap();
                let first = answers[offset + scale.items[0]];
                answers[offset + scale.items[0]] = Answer::Missing;
                check(b, &answers).unwrap();
                answers[offset + scale.items[0]] = first;
                listed += 1;
                let Some(n) = (0..pick.len()).find(|&n| pick[n] + 1 < choices[n].len()) else {
                    break;
                };
                pick[n] += 1;
                pick[..n].fill(0);
            }
        }
        assert!(listed > 300_000, "{listed}");
    }

    fn answer(values: &[i32]) -> impl proptest::strategy::Strategy<Value = Answer> {
        use proptest::prelude::*;
        prop_oneof![
            12 => proptest::sample::select(values.to_vec()).prop_map(Answer::Value),
            1 => (-50..50i32).prop_map(Answer::Value),
            1 => Just(Answer::Missing),
            1 => Just(Answer::Invalid),
            1 => Just(Answer::NotAsked),
        ]
    }

    /// Every total around every built-in scale's bands, and bands with a
    /// gap or out of order (which the loader refuses): the band the fast
    /// path counts is the one `Scale::band_of` finds.
    #[test]
    fn bands_are_found_as_band_of_finds_them() {
        for flat in ALL.flat.iter() {
            let scale = &ALL.instruments[flat.instrument].scales[flat.scale];
            assert!(!flat.by_total.is_empty(), "{}", scale.id);
            let (lo, hi) = (flat.bands[0].0, flat.bands[flat.bands.len() - 1].1);
            for total in (lo - 40..=hi + 40).chain([i64::MIN, i64::MAX]) {
                assert_eq!(
                    flat.band(total),
                    scale.band_of(total),
                    "{} {total}",
                    scale.id
                );
            }
        }
        let phq9 = ALL.instruments.iter().find(|i| i.id == "phq9").unwrap();
        let mut swapped = phq9.scales[0].clone();
        swapped.bands.swap(0, 1);
        let mut gap = phq9.scales[0].clone();
        gap.bands[2].min += 1;
        for scale in [swapped, gap] {
            let flat = FlatScale::new(0, 0, 0..0, &scale);
            assert!(flat.by_total.is_empty());
            for total in -5..40 {
                assert_eq!(flat.band(total), scale.band_of(total), "{total}");
            }
        }
    }

    /// A scale of consecutive items reads its answers as one slice; one
    /// whose items are spread out (DASS-21's subscales) by index. The
    /// property test below checks both against `score_instrument`.
    #[test]
    fn consecutive_items_are_read_as_one_span() {
        let span_of = |inst: &str, scale: &str| {
            let k = ALL.instruments.iter().position(|i| i.id == inst).unwrap();
            let s = ALL.instruments[k].scale_index(scale).unwrap();
            let flat = ALL.flat.iter().find(|f| f.instrument == k && f.scale == s);
            flat.unwrap().span.clone()
        };
        let phq9 = span_of("phq9", "phq9").unwrap();
        assert_eq!(phq9.len(), 9);
        assert_eq!(span_of("dass21", "dass21_depression"), None);
    }

    proptest::proptest! {
        /// Any row over every built-in at once (skip logic included; most
        /// scales all answered, some not): what `score_instrument` gives.
        #[test]
        fn any_row_scores_as_by_instrument(
            answers in ALL
                .items()
                .map(|(_, inst, item)| {
                    let set = &inst.response_sets[item.set];
                    answer(&set.options.iter().map(|o| o.value).collect::<Vec<_>>())
                })
                .collect::<Vec<_>>()
        ) {
            proptest::prop_assert_eq!(check(&ALL, &answers), Ok(()));
        }
    }
}
