//! Reading back a file `psyscreen score` wrote (`{scale}_total`,
//! `{scale}_band`, `risk_level`, `risk_reasons`): the pipeline's other
//! source of rows, for `summary` and `report` without `-i`. Pure: the
//! pipeline reads the records and reports the problems found here.

use crate::io::fields::Record;

use crate::instrument::{self, Scale};
use crate::io::cells::BadCell;
use crate::summary::info::scale_info;
use crate::summary::{BandInfo, ScaleFact, ScaleInfo};

#[derive(Debug, Clone)]
struct ScoredScale {
    total: usize,
    band: usize,
    /// A known instrument's scale: its bands are fixed and its values
    /// checked. Otherwise bands are learned in order of first appearance.
    limits: Option<Limits>,
}

/// What a known scale's values can be, in units of 10^-decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub decimals: u8,
    /// Lowest and highest possible total.
    pub range: (i64, i64),
    /// Each band's bounds (inclusive), in the scale's band order.
    pub bands: Vec<(i64, i64)>,
}

impl Limits {
    pub fn of(s: &Scale) -> Limits {
        Limits {
            decimals: s.decimals,
            range: s.range,
            bands: s.bands.iter().map(|b| (b.min, b.max)).collect(),
        }
    }

    fn scale(&self) -> f64 {
        10f64.powi(i32::from(self.decimals))
    }

    /// A count of units as the total is written.
    #[allow(clippy::cast_precision_loss)] // totals are small
    fn show(&self, units: i64) -> String {
        format!(
            "{:.*}",
            usize::from(self.decimals),
            units as f64 / self.scale()
        )
    }

    /// A total in units, or what the scale's totals are instead.
    #[allow(clippy::cast_possible_truncation)] // checked finite and in range
    fn units(&self, total: f64) -> Result<i64, String> {
        let scaled = total * self.scale();
        let units = scaled.round();
        if (scaled - units).abs() > 1e-6 {
            return Err(match self.decimals {
                0 => "whole numbers".to_string(),
                d => format!("at most {d} decimal(s)"),
            });
        }
        let (lo, hi) = self.range;
        #[allow(clippy::cast_precision_loss)]
        if units < lo as f64 || units > hi as f64 {
            return Err(format!("{} to {}", self.show(lo), self.show(hi)));
        }
        Ok(units as i64)
    }
}

/// The columns of a file `psyscreen score` wrote.
#[derive(Debug, Clone)]
pub struct ScoredColumns {
    pub scales: Vec<ScaleInfo>,
    cols: Vec<ScoredScale>,
    pub level: usize,
    pub reasons: Option<usize>,
}

/// Why a scored record cannot be summarised at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLevel(pub String);

/// Refuse a scored file whose header names a column twice: which copy is
/// the result is a guess (a `--keep risk_level` of an older `score` wrote
/// the input's stale level first), and a guess may count an urgent row as
/// none. Blank names are not looked up, so they may repeat.
pub fn refuse_duplicate_names(name: &str, headers: &[String]) -> anyhow::Result<()> {
    for (c, h) in headers.iter().enumerate() {
        if h.trim().is_empty() || headers[..c].contains(h) {
            continue;
        }
        let at: Vec<String> = (headers.iter().enumerate())
            .filter(|(_, o)| *o == h)
            .map(|(k, _)| (k + 1).to_string())
            .collect();
        if at.len() > 1 {
            let (h, n, at) = (crate::printable::printable_line(h), at.len(), at.join(", "));
            anyhow::bail!(crate::messages::tr!(
                "{name}: the header names `{h}` {n} times (columns {at}): which one holds the result cannot be told; rename or remove the extra column(s), or score the raw answers again with -i",
                "{name}：表头中 `{h}` 出现了 {n} 次（第 {at} 列）：无法判断哪一列是结果；请给多余的列改名或删去，或用 -i 重新对原始作答评分"
            ));
        }
    }
    Ok(())
}

impl ScoredColumns {
    /// Find `{scale}_total` + `{scale}_band` pairs and `risk_level`.
    /// `known` gives the bands of a scale id of a known instrument.
    pub fn detect(
        headers: &[String],
        known: impl Fn(&str) -> Option<(ScaleInfo, Limits)>,
    ) -> Option<ScoredColumns> {
        let find = |name: &str| headers.iter().position(|h| h == name);
        let level = find("risk_level")?;
        let mut scales = Vec::new();
        let mut cols = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            let Some(id) = h.strip_suffix("_total").filter(|id| !id.is_empty()) else {
                continue;
            };
            let Some(band) = find(&format!("{id}_band")) else {
                continue;
            };
            let (info, limits) = match known(id) {
                Some((info, limits)) => (info, Some(limits)),
                None => (
                    ScaleInfo {
                        id: id.to_string(),
                        bands: Vec::new(),
                    },
                    None,
                ),
            };
            scales.push(info);
            cols.push(ScoredScale {
                total: c,
                band,
                limits,
            });
        }
        if scales.is_empty() {
            return None;
        }
        Some(ScoredColumns {
            scales,
            cols,
            level,
            reasons: find("risk_reasons"),
        })
    }

    /// Read one record: facts into `facts`, unreadable cells into `bad`
    /// (they count as incomplete), the level's index as the result.
    pub fn read(
        &mut self,
        rec: &Record,
        level_of: impl Fn(&str) -> Option<usize>,
        facts: &mut Vec<ScaleFact>,
        bad: &mut Vec<BadCell>,
    ) -> Result<usize, UnknownLevel> {
        bad.clear();
        facts.clear();
        for (info, col) in self.scales.iter_mut().zip(&self.cols) {
            let cell = |c: usize| rec.get(c).unwrap_or_default();
            let text = |c: usize| String::from_utf8_lossy(cell(c)).trim().to_string();
            let total_text = text(col.total);
            let mut total = if total_text.is_empty() {
                None
            } else if let Some(x) = total_text.parse::<f64>().ok().filter(|x| x.is_finite()) {
                Some(x)
            } else {
                bad.push(BadCell::new(
                    col.total,
                    cell(col.total),
                    crate::messages::pick(
                        "is not a number; the total is left out",
                        "不是数字；不计入总分",
                    )
                    .into(),
                ));
                None
            };
            let label = text(col.band);
            let band = if label.is_empty() || label == "incomplete" {
                None
            } else if let Some(b) = info.bands.iter().position(|b| b.id == label) {
                Some(b)
            } else if col.limits.is_some() {
                let expected: Vec<&str> = info.bands.iter().map(|b| b.id.as_str()).collect();
                bad.push(BadCell::new(
                    col.band,
                    cell(col.band),
                    {
                        let (id, expected) = (&info.id, expected.join(", "));
                        crate::messages::tr!(
                            "is not a band of {id} (expected {expected} or incomplete); counted as incomplete",
                            "不是 {id} 的分级（应为 {expected} 或 incomplete）；按不完整计"
                        )
                    },
                ));
                None
            } else {
                info.bands.push(BandInfo {
                    id: label,
                    en: None,
                    zh: None,
                });
                Some(info.bands.len() - 1)
            };
            let mut band = band;
            if let (Some(x), Some(limits)) = (total, &col.limits) {
                check_values(info, limits, (col, rec), (x, &mut total, &mut band), bad);
            }
            facts.push(ScaleFact { total, band });
        }
        let level = String::from_utf8_lossy(rec.get(self.level).unwrap_or_default())
            .trim()
            .to_string();
        level_of(&level).ok_or(UnknownLevel(level))
    }

    /// The reasons cell of a record, if the file has one.
    pub fn reasons<'r>(&self, rec: &'r Record) -> &'r [u8] {
        self.reasons.and_then(|c| rec.get(c)).unwrap_or_default()
    }
}

/// A known scale's total that it cannot have (out of its range, more
/// decimals than it has), or a band that is not the total's: a located
/// problem, and neither the total nor the band is used (the scale counts
/// as incomplete): the file was edited or damaged after `score` wrote it,
/// and which value is wrong cannot be told. The row's level is kept as
/// written: a flag is never lowered for a bad total.
fn check_values(
    info: &ScaleInfo,
    limits: &Limits,
    (col, rec): (&ScoredScale, &Record),
    (x, total, band): (f64, &mut Option<f64>, &mut Option<usize>),
    bad: &mut Vec<BadCell>,
) {
    let cell = |c: usize| rec.get(c).unwrap_or_default();
    let units = match limits.units(x) {
        Ok(u) => u,
        Err(why) => {
            bad.push(BadCell::new(
                col.total,
                cell(col.total),
                {
                    let id = &info.id;
                    crate::messages::tr!(
                        "is not a possible total of {id} ({why}): the file was changed after scoring? the total and band are left out",
                        "不是 {id} 可能的总分（{why}）：文件在评分后被改过？总分和分级不予采用"
                    )
                },
            ));
            *total = None;
            *band = None;
            return;
        }
    };
    let fits = |(lo, hi): &(i64, i64)| (*lo..=*hi).contains(&units);
    let expected = limits.bands.iter().position(fits);
    match *band {
        Some(b) if limits.bands.get(b).is_some_and(fits) => return,
        // `incomplete` is right for a total in no band; a band the scale
        // does not have is reported already
        None if expected.is_none() || bad.iter().any(|c| c.column == col.band) => return,
        _ => {}
    }
    let expected = expected
        .and_then(|e| info.bands.get(e))
        .map_or("incomplete", |e| e.id.as_str());
    bad.push(BadCell::new(
        col.band,
        cell(col.band),
        {
            let (id, total) = (&info.id, limits.show(units));
            crate::messages::tr!(
                "is not the band of {id} total {total} (expected {expected}): the file was changed after scoring? the total and band are left out",
                "不是 {id} 总分 {total} 对应的分级（应为 {expected}）：文件在评分后被改过？总分和分级不予采用"
            )
        },
    ));
    *total = None;
    *band = None;
}

/// The bands and limits of a built-in scale, to order a scored file's
/// bands and check its values.
pub fn known_scale(id: &str) -> Option<(ScaleInfo, Limits)> {
    instrument::builtin_ids().into_iter().find_map(|i| {
        let inst = instrument::builtin_with(i, false)?.ok()?;
        let s = inst.scales.iter().find(|s| s.id == id)?;
        Some((scale_info(s), Limits::of(s)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument;
    use crate::summary::info::scale_info;

    fn headers(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    /// Totals a known scale cannot have, and bands that are not the
    /// total's, are located problems; the scale's values are left out.
    #[test]
    fn values_a_known_scale_cannot_have_are_left_out() {
        let gad2 = instrument::builtin("gad2").unwrap().unwrap();
        let known = |id: &str| {
            let s = &gad2.scales[0];
            (id == "gad2").then(|| (scale_info(s), Limits::of(s)))
        };
        let h = headers("gad2_total,gad2_band,risk_level");
        let mut c = ScoredColumns::detect(&h, known).unwrap();
        let level_of = |_: &str| Some(0);
        let (mut facts, mut bad) = (Vec::new(), Vec::new());
        for (total, band, problem) in [
            (
                "7",
                "positive",
                Some("'7' is not a possible total of gad2 (0 to 6)"),
            ),
            (
                "-1",
                "negative",
                Some("'-1' is not a possible total of gad2 (0 to 6)"),
            ),
            (
                "1.5",
                "negative",
                Some("'1.5' is not a possible total of gad2 (whole numbers)"),
            ),
            (
                "4",
                "negative",
                Some("'negative' is not the band of gad2 total 4 (expected positive)"),
            ),
            (
                "1",
                "incomplete",
                Some("'incomplete' is not the band of gad2 total 1 (expected negative)"),
            ),
            ("2", "negative", None),
            ("2.0", "negative", None),
            ("6", "positive", None),
        ] {
            let rec = Record::from(vec![total, band, "none"]);
            c.read(&rec, level_of, &mut facts, &mut bad).unwrap();
            let got = bad.first().map(|b| b.render(2, &h));
            match problem {
                Some(p) => {
                    let got = got.unwrap_or_default();
                    assert!(got.contains(p), "{total} {band}: {got}");
                    assert_eq!(facts[0], ScaleFact::default(), "{total} {band}");
                }
                None => {
                    assert_eq!(got, None, "{total} {band}");
                    assert!(facts[0].total.is_some() && facts[0].band.is_some());
                }
            }
        }
        // a band the scale does not have: reported once, not twice
        let rec = Record::from(vec!["1", "nope", "none"]);
        c.read(&rec, level_of, &mut facts, &mut bad).unwrap();
        assert_eq!(bad.len(), 1);
    }

    #[test]
    fn scored_files_known_and_learned_bands() {
        let gad2 = instrument::builtin("gad2").unwrap().unwrap();
        let known = |id: &str| {
            let s = &gad2.scales[0];
            (id == "gad2").then(|| (scale_info(s), Limits::of(s)))
        };
        let h = headers("id,gad2_total,gad2_band,my_total,my_band,risk_level,risk_reasons");
        let mut c = ScoredColumns::detect(&h, known).unwrap();
        assert_eq!(c.scales.len(), 2);
        let level_of = |s: &str| ["none", "monitor"].iter().position(|l| *l == s);
        let (mut facts, mut bad) = (Vec::new(), Vec::new());
        let rec = Record::from(vec!["a", "4", "positive", "2.5", "high", "monitor", "why"]);
        assert_eq!(c.read(&rec, level_of, &mut facts, &mut bad), Ok(1));
        assert_eq!(facts[0].band, Some(1));
        assert_eq!(
            facts[1],
            ScaleFact {
                total: Some(2.5),
                band: Some(0)
            }
        );
        assert_eq!(c.scales[1].bands[0].id, "high", "learned");
        assert_eq!(c.reasons(&rec), b"why");
        let rec = Record::from(vec!["b", "x", "nope", "", "incomplete", "none", ""]);
        assert_eq!(c.read(&rec, level_of, &mut facts, &mut bad), Ok(0));
        assert_eq!(
            facts[0],
            ScaleFact {
                total: None,
                band: None
            }
        );
        assert_eq!(facts[1].band, None);
        assert_eq!(bad.len(), 2);
        assert_eq!(
            bad[1].render(3, &h),
            "row 3, column gad2_band: 'nope' is not a band of gad2 (expected negative, positive or incomplete); counted as incomplete"
        );
        let rec = Record::from(vec!["c", "1", "negative", "", "", "orange", ""]);
        assert_eq!(
            c.read(&rec, level_of, &mut facts, &mut bad),
            Err(UnknownLevel("orange".into()))
        );
        assert!(ScoredColumns::detect(&headers("id,gad2_1,gad2_2"), known).is_none());
        assert!(
            ScoredColumns::detect(&headers("id,risk_level,x_total"), known).is_none(),
            "a total without its band is not a scale"
        );
    }
}
