//! Crisis hotlines: a dated, editable resources file (embedded copy of
//! `resources/hotlines.yaml`).

use serde::Deserialize;

use crate::diag::Reported;
use crate::instrument::{Lang, Text};
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

/// The region of the lines shown when none match the policy's regions.
pub const INTERNATIONAL: &str = "intl";

/// The lines a crisis screen shows: never empty.
#[derive(Debug)]
pub struct CrisisLines<'a> {
    pub lines: Vec<&'a Line>,
    /// No line matched the policy's regions: these are the international
    /// ones, and the screen should say so.
    pub fallback: bool,
}

impl Hotlines {
    pub fn in_regions<'a>(&'a self, regions: &'a [String]) -> impl Iterator<Item = &'a Line> {
        self.lines.iter().filter(move |l| {
            regions.is_empty() || regions.iter().any(|r| region_matches(&l.region, r))
        })
    }

    /// The crisis lines for `regions`; when none match, the international
    /// list (or every line, should it have none): a person in crisis is
    /// never shown an empty list.
    pub fn for_crisis<'a>(&'a self, regions: &'a [String]) -> CrisisLines<'a> {
        let lines: Vec<&Line> = self.in_regions(regions).collect();
        if !lines.is_empty() {
            return CrisisLines {
                lines,
                fallback: false,
            };
        }
        let intl: Vec<&Line> = self
            .lines
            .iter()
            .filter(|l| l.region == INTERNATIONAL)
            .collect();
        CrisisLines {
            lines: if intl.is_empty() {
                self.lines.iter().collect()
            } else {
                intl
            },
            fallback: true,
        }
    }

    /// Every region with a line, sorted (`cn-bj` counts, and so does `cn`).
    pub fn regions(&self) -> Vec<&str> {
        let set: std::collections::BTreeSet<&str> =
            self.lines.iter().map(|l| l.region.as_str()).collect();
        set.into_iter().collect()
    }

    pub fn knows_region(&self, wanted: &str) -> bool {
        self.lines.iter().any(|l| region_matches(&l.region, wanted))
    }
}

/// The regions of the built-in list, read once.
fn builtin() -> Option<&'static Hotlines> {
    static LIST: std::sync::OnceLock<Option<Hotlines>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| load().ok()).as_ref()
}

/// Does the built-in list have a line for `region` (or a sub-region)?
pub fn is_known_region(region: &str) -> bool {
    builtin().is_some_and(|h| h.knows_region(region))
}

/// The regions of the built-in list, for messages.
pub fn known_regions() -> Vec<&'static str> {
    builtin().map(Hotlines::regions).unwrap_or_default()
}

/// `wanted` names the line's region or the region it is part of (`cn`
/// for `cn-bj`), in any case: `CN` is `cn` (a policy or a counselor may
/// write either, and a crisis screen must not fall back to the
/// international list for it).
fn region_matches(line: &str, wanted: &str) -> bool {
    let wanted = wanted.trim();
    match line.get(..wanted.len()) {
        Some(head) if head.eq_ignore_ascii_case(wanted) => {
            matches!(line.as_bytes().get(wanted.len()), None | Some(b'-'))
        }
        _ => false,
    }
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
    fn every_region_is_known_and_others_are_not() {
        assert!(is_known_region("cn"));
        assert!(is_known_region("cn-bj"));
        assert!(is_known_region(INTERNATIONAL));
        assert!(!is_known_region("china"));
        assert!(!is_known_region("c"));
        assert_eq!(known_regions(), ["ca", "cn", "cn-bj", "intl", "uk", "us"]);
    }

    #[test]
    fn a_crisis_screen_always_has_a_line() {
        let h = load().unwrap();
        let cn = ["cn".to_string()];
        let c = h.for_crisis(&cn);
        assert!(!c.fallback && c.lines.iter().all(|l| l.region.starts_with("cn")));
        let none = ["china".to_string()];
        let c = h.for_crisis(&none);
        assert!(c.fallback);
        assert!(!c.lines.is_empty());
        assert!(c.lines.iter().all(|l| l.region == INTERNATIONAL));
        // no region given: every line, as before
        assert_eq!(h.for_crisis(&[]).lines.len(), h.lines.len());
    }

    #[test]
    fn region_prefix() {
        assert!(region_matches("cn-bj", "CN"));
        assert!(region_matches("cn-bj", "cn-BJ"));
        assert!(region_matches("cn", " Cn "));
        assert!(!region_matches("cn-bj", "cn-b"));
        assert!(!region_matches("中国", "中"));
        assert!(region_matches("cn-bj", "cn"));
        assert!(region_matches("cn", "cn"));
        assert!(!region_matches("ca", "c"));
    }
}
