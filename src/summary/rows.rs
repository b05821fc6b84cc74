//! One input record → what a summary needs: the scale facts and risk level
//! of one person. Two sources: raw answers, scored with the same public
//! pieces as `psyscreen score` (column plan, answer reader, battery, bound
//! policy); or a file `score` already wrote (`{scale}_total`,
//! `{scale}_band`, `risk_level`). Pure: the caller reads the records and
//! prints the problems found here.

use csv::ByteRecord;

use super::{BandInfo, ScaleFact, ScaleInfo};
use crate::instrument::{Lang, Scale};
use crate::io::cells::AnswerReader;
pub use crate::io::cells::BadCell;
use crate::io::columns::ColumnPlan;
use crate::policy::{Bound, Outcome, Policy};
use crate::score::{Answer, Battery, ScaleResult};

/// Scores raw answers one record at a time; buffers are reused.
pub struct RowScorer<'a> {
    battery: &'a Battery,
    bound: &'a Bound,
    plan: ColumnPlan,
    reader: AnswerReader,
    /// The answers of the last record, in the battery's item order: as read
    /// after `read`, with skip logic applied after `score`.
    pub answers: Vec<Answer>,
    pub results: Vec<ScaleResult>,
    pub outcome: Outcome<'a>,
    pub facts: Vec<ScaleFact>,
    /// Cells of the last record that were not valid answers.
    pub bad: Vec<BadCell>,
    divisors: Vec<f64>,
}

impl<'a> RowScorer<'a> {
    pub fn new(
        battery: &'a Battery,
        bound: &'a Bound,
        plan: ColumnPlan,
        extra_labels: &[(String, i32)],
        one_based: bool,
    ) -> Self {
        let divisors = battery
            .scales()
            .map(|(_, _, s)| 10f64.powi(i32::from(s.decimals)))
            .collect();
        RowScorer {
            battery,
            bound,
            plan,
            reader: AnswerReader::new(battery, extra_labels, one_based),
            answers: vec![Answer::Missing; battery.n_items()],
            results: vec![ScaleResult::default(); battery.n_scales()],
            outcome: Outcome::default(),
            facts: vec![ScaleFact::default(); battery.n_scales()],
            bad: Vec::new(),
            divisors,
        }
    }

    /// Read one record's answers; an invalid cell is missing, and noted.
    pub fn read(&mut self, rec: &ByteRecord) {
        self.reader
            .read_record(&self.plan, rec, &mut self.answers, &mut self.bad);
    }

    /// Score what `read` read: totals, bands, the policy's level.
    pub fn score(&mut self) {
        self.battery.score(&mut self.answers, &mut self.results);
        self.bound.evaluate(
            self.battery,
            &self.answers,
            &self.results,
            &mut self.outcome,
        );
        for ((f, r), d) in self.facts.iter_mut().zip(&self.results).zip(&self.divisors) {
            #[allow(clippy::cast_precision_loss)] // totals are small
            let total = r.total.map(|t| t as f64 / d);
            *f = ScaleFact {
                total,
                band: r.band,
            };
        }
    }

    /// The level of the last record scored.
    pub fn level(&self) -> usize {
        usize::from(self.outcome.level.0)
    }

    /// The reasons of the last record scored, `; `-joined into `buf`.
    pub fn reasons(&self, lang: Lang, buf: &mut String) {
        self.bound.reasons(&self.outcome, lang, buf);
    }
}

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
pub fn levels_of(policy: &Policy) -> Vec<super::LevelInfo> {
    policy
        .levels
        .iter()
        .map(|l| super::LevelInfo {
            id: l.id.clone(),
            label: l.label.clone(),
        })
        .collect()
}

// ------------------------------------------------------------ scored files

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument;
    use crate::io::columns::{self, MapFile};

    fn headers(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    #[test]
    fn raw_rows_score_like_score_does() {
        let battery = Battery::new(vec![instrument::builtin("gad2").unwrap().unwrap()]);
        let policy = crate::policy::default_policy().unwrap();
        let bound = policy.bind(&battery, &instrument::builtin_names()).unwrap();
        let h = headers("id,gad2_1,gad2_2");
        let plan = columns::plan(&h, &battery, &MapFile::default()).unwrap();
        let mut s = RowScorer::new(&battery, &bound, plan, &[], false);
        s.read(&ByteRecord::from(vec!["a", "3", "2"]));
        assert!(s.bad.is_empty());
        s.score();
        assert_eq!(
            s.facts,
            vec![ScaleFact {
                total: Some(5.0),
                band: Some(1)
            }]
        );
        assert_eq!(policy.level_id(s.outcome.level), "monitor");
        let mut why = String::new();
        s.reasons(Lang::En, &mut why);
        assert!(why.starts_with("GAD-2 ≥ 3"), "{why}");
        s.read(&ByteRecord::from(vec!["b", "x", ""]));
        assert_eq!(
            s.bad[0].render(3, &h),
            "row 3, column gad2_1: 'x' is not a valid answer for gad2_1 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing"
        );
        s.score();
        assert_eq!(s.facts[0].band, None, "both missing: incomplete");
        assert_eq!(policy.level_id(s.outcome.level), "monitor", "never lower");
        assert_eq!(scales_of(&battery)[0].bands[1].id, "positive");
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
