//! Crisis hotlines: a dated, editable resources file (embedded copy of
//! `resources/hotlines.yaml`).

use serde::Deserialize;

use crate::instrument::{Lang, Reported, Text};
use crate::{diag, yaml};

pub const HOTLINES: &str = include_str!("../resources/hotlines.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hotlines {
    /// When the list as a whole was last checked (YYYY-MM-DD).
    pub verified: String,
    pub lines: Vec<Line>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub region: String,
    pub name: Text,
    pub number: String,
    #[serde(default)]
    pub hours: Option<Text>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub verified: String,
    #[serde(default)]
    pub notes: Option<Text>,
}

pub fn load() -> anyhow::Result<Hotlines> {
    let file = "resources/hotlines.yaml";
    yaml::parse::<Hotlines>(file, HOTLINES)
        .map(|(h, _)| h)
        .map_err(|d| Reported(diag::render_all(&d, HOTLINES)).into())
}

impl Hotlines {
    pub fn in_regions<'a>(&'a self, regions: &'a [String]) -> impl Iterator<Item = &'a Line> {
        self.lines.iter().filter(move |l| {
            regions.is_empty() || regions.iter().any(|r| region_matches(&l.region, r))
        })
    }
}

/// `cn` matches `cn` and `cn-bj`.
fn region_matches(line: &str, wanted: &str) -> bool {
    line == wanted || line.starts_with(&format!("{wanted}-"))
}

impl Line {
    pub fn one_line(&self, lang: Lang) -> String {
        let mut s = format!("{}  {}", self.name.get(lang), self.number);
        if let Some(h) = &self.hours {
            s.push_str(&format!(" ({})", h.get(lang)));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_file_loads_and_is_dated() {
        let h = load().unwrap();
        assert_eq!(h.verified.len(), 10);
        assert!(h.lines.iter().any(|l| l.number.contains("12356")));
        assert!(h.lines.iter().all(|l| l.verified.len() == 10));
    }

    #[test]
    fn region_prefix() {
        assert!(region_matches("cn-bj", "cn"));
        assert!(region_matches("cn", "cn"));
        assert!(!region_matches("ca", "c"));
    }
}
