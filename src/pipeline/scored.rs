//! Reading back a file `psyscreen score` wrote (`{scale}_total`,
//! `{scale}_band`, `risk_level`, `risk_reasons`): the pipeline's other
//! source of rows, for `summary` and `report` without `-i`. Pure: the
//! pipeline reads the records and reports the problems found here.

use csv::ByteRecord;

use crate::instrument;
use crate::io::cells::BadCell;
use crate::summary::info::scale_info;
use crate::summary::{BandInfo, ScaleFact, ScaleInfo};

#[derive(Debug, Clone)]
struct ScoredScale {
    total: usize,
    band: usize,
    /// Bands from a known instrument; otherwise learned in order of first
    /// appearance.
    fixed: bool,
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
            anyhow::bail!(
                "{name}: the header names `{}` {} times (columns {}): which one holds the result cannot be told; rename or remove the extra column(s), or score the raw answers again with -i",
                crate::printable::printable_line(h),
                at.len(),
                at.join(", ")
            );
        }
    }
    Ok(())
}

impl ScoredColumns {
    /// Find `{scale}_total` + `{scale}_band` pairs and `risk_level`.
    /// `known` gives the bands of a scale id of a known instrument.
    pub fn detect(
        headers: &[String],
        known: impl Fn(&str) -> Option<ScaleInfo>,
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
            let (info, fixed) = match known(id) {
                Some(info) => (info, true),
                None => (
                    ScaleInfo {
                        id: id.to_string(),
                        bands: Vec::new(),
                    },
                    false,
                ),
            };
            scales.push(info);
            cols.push(ScoredScale {
                total: c,
                band,
                fixed,
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
        rec: &ByteRecord,
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
            let total = if total_text.is_empty() {
                None
            } else if let Some(x) = total_text.parse::<f64>().ok().filter(|x| x.is_finite()) {
                Some(x)
            } else {
                bad.push(BadCell::new(
                    col.total,
                    cell(col.total),
                    "is not a number; the total is left out".into(),
                ));
                None
            };
            let label = text(col.band);
            let band = if label.is_empty() || label == "incomplete" {
                None
            } else if let Some(b) = info.bands.iter().position(|b| b.id == label) {
                Some(b)
            } else if col.fixed {
                let expected: Vec<&str> = info.bands.iter().map(|b| b.id.as_str()).collect();
                bad.push(BadCell::new(
                    col.band,
                    cell(col.band),
                    format!(
                        "is not a band of {} (expected {} or incomplete); counted as incomplete",
                        info.id,
                        expected.join(", ")
                    ),
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
            facts.push(ScaleFact { total, band });
        }
        let level = String::from_utf8_lossy(rec.get(self.level).unwrap_or_default())
            .trim()
            .to_string();
        level_of(&level).ok_or(UnknownLevel(level))
    }

    /// The reasons cell of a record, if the file has one.
    pub fn reasons<'r>(&self, rec: &'r ByteRecord) -> &'r [u8] {
        self.reasons.and_then(|c| rec.get(c)).unwrap_or_default()
    }
}

/// The bands of a built-in scale, to order a scored file's bands.
pub fn known_scale(id: &str) -> Option<ScaleInfo> {
    instrument::builtin_ids().into_iter().find_map(|i| {
        let inst = instrument::builtin_with(i, false)?.ok()?;
        inst.scales.iter().find(|s| s.id == id).map(scale_info)
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

    #[test]
    fn scored_files_known_and_learned_bands() {
        let gad2 = instrument::builtin("gad2").unwrap().unwrap();
        let known = |id: &str| (id == "gad2").then(|| scale_info(&gad2.scales[0]));
        let h = headers("id,gad2_total,gad2_band,my_total,my_band,risk_level,risk_reasons");
        let mut c = ScoredColumns::detect(&h, known).unwrap();
        assert_eq!(c.scales.len(), 2);
        let level_of = |s: &str| ["none", "monitor"].iter().position(|l| *l == s);
        let (mut facts, mut bad) = (Vec::new(), Vec::new());
        let rec = ByteRecord::from(vec!["a", "4", "positive", "2.5", "high", "monitor", "why"]);
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
        let rec = ByteRecord::from(vec!["b", "x", "nope", "", "incomplete", "none", ""]);
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
        let rec = ByteRecord::from(vec!["c", "1", "negative", "", "", "orange", ""]);
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
