//! `change`: each scored row of a wave as the linker keeps it (id, totals,
//! bands, prorated marks, level, reasons, critical answers, `--by` cells),
//! the same for raw answers (scored here exactly as `score` scores them)
//! and for a file `score` wrote.

use crate::change::link::WaveRow;
use crate::change::Total;
use crate::instrument::Lang;
use crate::score::{Answer, Battery};
use crate::summary::ScaleInfo;

use super::{Row, Scores, Setup};

/// What one wave's rows are read with.
pub struct WaveReader {
    /// Per scale of the run: its decimals.
    decimals: Vec<u8>,
    /// Per critical item of the run: its global item index and lowest answer.
    critical: Vec<(usize, i32)>,
    id_col: usize,
    by_cols: Vec<usize>,
    lang: Lang,
    /// A scored file: per scale of the run, its index among the file's
    /// scales, its `_prorated` column, and per critical item a kept column.
    scored: Option<ScoredMap>,
}

struct ScoredMap {
    facts: Vec<Option<usize>>,
    prorated: Vec<Option<usize>>,
    critical: Vec<Option<usize>>,
}

impl WaveReader {
    /// `headers` and `scales` (`Rows::scales`) of the wave; `setup` says
    /// whether it holds raw answers (with a battery) or scored rows.
    pub fn new(
        battery: &Battery,
        setup: &Setup,
        (headers, scales): (&[String], &[ScaleInfo]),
        (id_col, by_cols): (usize, Vec<usize>),
        lang: Lang,
    ) -> WaveReader {
        let critical: Vec<(usize, i32)> = battery
            .critical_items()
            .into_iter()
            .map(|g| {
                let min = battery
                    .items()
                    .nth(g)
                    .map_or(0, |(_, inst, item)| inst.response_sets[item.set].min);
                (g, min)
            })
            .collect();
        let find = |name: &str| headers.iter().position(|h| h == name);
        let scored = setup.battery().is_none().then(|| ScoredMap {
            facts: battery
                .scales()
                .map(|(_, _, s)| scales.iter().position(|i| i.id == s.id))
                .collect(),
            prorated: battery
                .scales()
                .map(|(_, _, s)| find(&format!("{}_prorated", s.id)))
                .collect(),
            critical: critical
                .iter()
                .map(|&(g, _)| find(battery.item_id(g)))
                .collect(),
        });
        WaveReader {
            decimals: battery.scales().map(|(_, _, s)| s.decimals).collect(),
            critical,
            id_col,
            by_cols,
            lang,
            scored,
        }
    }

    /// The row's id (trimmed) and what the linker keeps of it.
    pub fn read(&self, setup: &Setup, row: &Row<'_>) -> (String, WaveRow) {
        let cell = |c: usize| String::from_utf8_lossy(row.record.get(c).unwrap_or_default());
        let mut out = WaveRow {
            row: row.number,
            level: usize::from(row.level.0),
            key: self
                .by_cols
                .iter()
                .map(|&c| cell(c).trim().to_string())
                .collect(),
            ..WaveRow::default()
        };
        match (&row.scores, &self.scored) {
            (
                Scores::Answers {
                    answers,
                    results,
                    outcome,
                    ..
                },
                _,
            ) => {
                for r in *results {
                    out.totals.push(r.total.map(|units| Total {
                        units,
                        prorated: r.prorated,
                    }));
                }
                out.critical = self
                    .critical
                    .iter()
                    .map(|&(g, min)| match answers.get(g) {
                        Some(Answer::Value(v)) => Some(*v > min),
                        Some(Answer::NotAsked) => Some(false),
                        _ => None,
                    })
                    .collect();
                if let Some((_, bound)) = &setup.scoring {
                    bound.reasons(outcome, self.lang, &mut out.reasons);
                }
            }
            (Scores::Scored { facts, reasons }, Some(map)) => {
                for (k, d) in self.decimals.iter().enumerate() {
                    let fact = map.facts[k].and_then(|f| facts.get(f));
                    let prorated = map.prorated[k].is_some_and(|c| cell(c).trim() == "true");
                    #[allow(clippy::cast_possible_truncation)] // checked totals are small
                    let total = fact.and_then(|f| f.total).map(|x| Total {
                        units: (x * 10f64.powi(i32::from(*d))).round() as i64,
                        prorated,
                    });
                    out.totals.push(total);
                }
                out.critical = self
                    .critical
                    .iter()
                    .zip(&map.critical)
                    .map(|(&(_, min), col)| {
                        let v: i32 = cell((*col)?).trim().parse().ok()?;
                        Some(v > min)
                    })
                    .collect();
                out.reasons = String::from_utf8_lossy(reasons).trim().to_string();
            }
            (Scores::Scored { .. }, None) => unreachable!("a scored wave has its map"),
        }
        (cell(self.id_col).trim().to_string(), out)
    }
}
