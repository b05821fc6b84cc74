//! The instrument model: the YAML schema as written (`Raw*`, strict serde)
//! and the checked, resolved form the scorer uses.

use indexmap::IndexMap;
use serde::Deserialize;

use crate::condition::{Cond, Domain, RawCond};

/// A text in English and, optionally, Simplified Chinese.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: Option<String>,
    pub zh: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

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
