//! The instrument model: the YAML schema as written (`Raw*`, strict serde)
//! and the checked, resolved form the scorer uses.

use indexmap::IndexMap;
use serde::Deserialize;
use unicode_width::UnicodeWidthStr as _;

use crate::condition::{Cond, Domain, RawCond};
use crate::printable::printable_line;

/// A text in English and, optionally, Simplified Chinese.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: Option<String>,
    pub zh: Option<String>,
}

pub use crate::messages::Lang;

impl Text {
    /// The text in `lang`, falling back to English (then Chinese).
    pub fn get(&self, lang: Lang) -> &str {
        let first = match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        };
        first
            .as_deref()
            .or(self.en.as_deref())
            .or(self.zh.as_deref())
            .unwrap_or("")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstrument {
    pub id: String,
    pub version: String,
    pub name: Text,
    pub citation: String,
    pub license: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub instructions: Option<Text>,
    pub response_sets: IndexMap<String, Vec<RawOption>>,
    pub items: Vec<RawItem>,
    pub scales: Vec<RawScale>,
    #[serde(default)]
    pub critical_items: Vec<String>,
    #[serde(default)]
    pub tests: Vec<RawTest>,
    #[serde(default)]
    pub change: Option<super::change::RawChange>,
    /// Verified terminology codes (LOINC) for the FHIR output.
    #[serde(default)]
    pub codes: Option<super::codes::RawCodes>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub value: i32,
    pub label: Text,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub id: String,
    pub text: Text,
    pub responses: String,
    #[serde(default)]
    pub reverse: bool,
    #[serde(default)]
    pub asked_if: Option<RawCond>,
    #[serde(default)]
    pub if_skipped: Option<i32>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Sum,
    Mean,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Impute {
    Prorate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMissing {
    pub max_missing: u32,
    #[serde(default)]
    pub impute: Option<Impute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScale {
    pub id: String,
    #[serde(default)]
    pub name: Option<Text>,
    pub items: Vec<String>,
    pub method: Method,
    #[serde(default)]
    pub multiplier: Option<i64>,
    #[serde(default)]
    pub decimals: Option<u8>,
    pub missing: RawMissing,
    pub bands: Vec<RawBand>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub min: f64,
    pub max: f64,
    pub label: String,
    #[serde(default)]
    pub en: Option<String>,
    #[serde(default)]
    pub zh: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    #[serde(default)]
    pub name: Option<String>,
    pub answers: IndexMap<String, Option<i32>>,
    pub expect: IndexMap<String, RawExpect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    #[serde(default)]
    pub total: Option<f64>,
    #[serde(default)]
    pub band: Option<String>,
    #[serde(default)]
    pub prorated: Option<bool>,
}

// ---------------------------------------------------------------- checked form

#[derive(Debug, Clone)]
pub struct Instrument {
    pub id: String,
    pub version: String,
    pub name: Text,
    pub citation: String,
    pub license: String,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub instructions: Text,
    pub response_sets: Vec<ResponseSet>,
    pub items: Vec<Item>,
    pub scales: Vec<Scale>,
    /// Indexes into `items`.
    pub critical: Vec<usize>,
    /// Items with skip logic (`asked_if`), in item order.
    pub skippable: Vec<usize>,
    pub tests: Vec<KnownAnswer>,
    /// Where it came from: `built-in` or the path as given.
    pub origin: String,
    /// `change:`: the facts `psyscreen change` uses, one per scale.
    pub change: Option<super::change::Change>,
    /// Verified terminology codes (`codes:`), if any.
    pub codes: Option<super::codes::Codes>,
}

#[derive(Debug, Clone)]
pub struct ResponseSet {
    pub id: String,
    /// In printed order.
    pub options: Vec<ResponseOption>,
    pub min: i32,
    pub max: i32,
}

#[derive(Debug, Clone)]
pub struct ResponseOption {
    pub value: i32,
    pub label: Text,
    pub aliases: Vec<String>,
}

impl ResponseSet {
    pub fn contains(&self, v: i32) -> bool {
        self.options.iter().any(|o| o.value == v)
    }

    /// The raw answers an item with this set can have.
    pub fn domain(&self) -> Domain {
        Domain::answers(self.options.iter().map(|o| i64::from(o.value)))
    }
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub text: Text,
    /// Index into `Instrument::response_sets`.
    pub set: usize,
    pub reverse: bool,
    /// Skip logic over this instrument's items (indexes into `items`).
    pub asked_if: Option<Cond<usize>>,
    pub if_skipped: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Scale {
    pub id: String,
    pub name: Option<Text>,
    /// Indexes into `Instrument::items`.
    pub items: Vec<usize>,
    /// Per item of the scale: (sign, base) with scored = base + sign × answer:
    /// (1, 0) as answered, (−1, min + max) when reverse-scored.
    pub terms: Vec<(i32, i32)>,
    pub method: Method,
    pub multiplier: i64,
    /// Decimal places of the total (0 for sums).
    pub decimals: u8,
    pub max_missing: usize,
    pub bands: Vec<Band>,
    /// Lowest and highest possible total, in units of 10^-decimals.
    pub range: (i64, i64),
}

#[derive(Debug, Clone)]
pub struct Band {
    /// Inclusive bounds in units of 10^-decimals of the scale.
    pub min: i64,
    pub max: i64,
    pub label: String,
    pub en: Option<String>,
    pub zh: Option<String>,
}

impl Band {
    pub fn display(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh if self.zh.is_some() => self.zh.clone().unwrap_or_default(),
            _ => self
                .en
                .clone()
                .unwrap_or_else(|| self.label.replace('_', " ")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct KnownAnswer {
    pub name: String,
    /// (item index, raw answer or None = blank)
    pub answers: Vec<(usize, Option<i32>)>,
    pub expect: Vec<Expectation>,
    /// YAML path of this test, for locating failures.
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Expectation {
    pub scale: usize,
    /// Expected total in the scale's units; `Some(None)` = expected empty.
    pub total: Option<Option<i64>>,
    pub band: Option<String>,
    pub prorated: Option<bool>,
}

impl Instrument {
    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }

    pub fn scale_index(&self, id: &str) -> Option<usize> {
        self.scales.iter().position(|s| s.id == id)
    }

    pub fn set_of(&self, item: usize) -> &ResponseSet {
        &self.response_sets[self.items[item].set]
    }

    /// The instrument as people name it: the abbreviation its name ends with
    /// in parentheses (`PHQ-9` of "Patient Health Questionnaire-9 (PHQ-9)"),
    /// in `lang`, else in the other language; else its name when that is
    /// short; else its id.
    pub fn short_name(&self, lang: Lang) -> String {
        let other = match lang {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        };
        let name = self.name.get(lang).trim();
        let short = [name, self.name.get(other).trim()]
            .into_iter()
            .find_map(abbreviation)
            .or_else(|| (!name.is_empty() && name.width() <= NAME_WIDTH).then_some(name))
            .map_or_else(|| self.id.clone(), |n| printable_line(n).into_owned());
        // `; ` separates reasons in a `risk_reasons` cell
        short.replace("; ", ", ")
    }

    /// Item `index` as people name it: `PHQ-9 item 9`, `PHQ-9 第9题` (items
    /// are numbered in the order the instrument gives them, as on screen).
    pub fn item_name(&self, index: usize, lang: Lang) -> String {
        let short = self.short_name(lang);
        let number = index + 1;
        match lang {
            Lang::En => format!("{short} item {number}"),
            Lang::Zh => format!("{short} 第{number}题"),
        }
    }

    /// Scale `index` as people name it: its own name when short (`PHQ-9
    /// total`), else the instrument's with `total` (its only scale) or the
    /// scale's id.
    pub fn scale_name(&self, index: usize, lang: Lang) -> String {
        let scale = &self.scales[index];
        let own = scale.name.as_ref().map_or("", |n| n.get(lang).trim());
        if !own.is_empty() && own.width() <= 2 * NAME_WIDTH {
            return printable_line(own).replace("; ", ", ");
        }
        let short = self.short_name(lang);
        match (lang, self.scales.len()) {
            (Lang::En, 1) => format!("{short} total"),
            (Lang::Zh, 1) => format!("{short} 总分"),
            _ => format!("{short} {}", printable_line(&scale.id)),
        }
    }

    /// An item or scale id of this instrument as people name it.
    pub fn name_of(&self, id: &str, lang: Lang) -> Option<String> {
        self.item_index(id)
            .map(|i| self.item_name(i, lang))
            .or_else(|| self.scale_index(id).map(|s| self.scale_name(s, lang)))
    }
}

/// Wider than this (terminal columns), a name is a phrase, not a name.
const NAME_WIDTH: usize = 16;

/// `X` of a name ending in `(X)` or `（X）`, when X is short.
fn abbreviation(name: &str) -> Option<&str> {
    let inner = name
        .strip_suffix(')')
        .and_then(|n| n.rsplit_once('('))
        .or_else(|| name.strip_suffix('）').and_then(|n| n.rsplit_once('（')))?
        .1
        .trim();
    (!inner.is_empty() && inner.width() <= NAME_WIDTH).then_some(inner)
}

impl Scale {
    /// The totals the scale can have.
    pub fn domain(&self) -> Domain {
        Domain::totals(self.range.0, self.range.1, self.decimals, self.multiplier)
    }

    /// Format a total held in units of 10^-decimals.
    pub fn format_total(&self, units: i64) -> String {
        crate::condition::Fixed {
            units,
            decimals: self.decimals,
        }
        .to_string()
    }

    pub fn band_of(&self, units: i64) -> Option<usize> {
        self.bands
            .iter()
            .position(|b| b.min <= units && units <= b.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruments_and_items_as_people_name_them() {
        let name = |id: &str, lang| {
            let i = crate::instrument::builtin(id).unwrap().unwrap();
            (i.short_name(lang), i.item_name(8, lang))
        };
        assert_eq!(
            name("phq9", Lang::En),
            ("PHQ-9".into(), "PHQ-9 item 9".into())
        );
        assert_eq!(
            name("phq9", Lang::Zh),
            ("PHQ-9".into(), "PHQ-9 第9题".into())
        );
        // no abbreviation in the English name: the Chinese one has it
        assert_eq!(name("who5", Lang::En).0, "WHO-5");
        assert_eq!(abbreviation("Kessler Scale (K10)"), Some("K10"));
        assert_eq!(
            abbreviation("A scale (that is long enough to be a phrase)"),
            None
        );
        assert_eq!(abbreviation("()"), None);
        let mut own = crate::instrument::builtin("gad2").unwrap().unwrap();
        own.name = Text {
            en: Some("My very own long questionnaire".into()),
            zh: None,
        };
        assert_eq!(own.short_name(Lang::Zh), "gad2", "a long name: the id");
        own.name.en = Some("Mood check".into());
        assert_eq!(own.item_name(0, Lang::En), "Mood check item 1");
    }

    #[test]
    fn scales_as_people_name_them() {
        let phq9 = crate::instrument::builtin("phq9").unwrap().unwrap();
        let name = |lang| phq9.name_of(&phq9.scales[0].id, lang).unwrap();
        assert!(name(Lang::En).starts_with("PHQ-9"), "{}", name(Lang::En));
        assert!(name(Lang::Zh).starts_with("PHQ-9"), "{}", name(Lang::Zh));
        assert_eq!(
            phq9.name_of("phq9_9", Lang::Zh).as_deref(),
            Some("PHQ-9 第9题")
        );
        assert_eq!(phq9.name_of("nothing", Lang::En), None);
    }

    #[test]
    fn a_name_never_splits_a_reasons_cell() {
        let mut own = crate::instrument::builtin("gad2").unwrap().unwrap();
        own.name = Text {
            en: Some("Mood; check".into()),
            zh: None,
        };
        own.scales[0].name = Some(Text {
            en: Some("Mood; total".into()),
            zh: None,
        });
        assert_eq!(own.item_name(1, Lang::En), "Mood, check item 2");
        assert_eq!(own.scale_name(0, Lang::En), "Mood, total");
    }
}
