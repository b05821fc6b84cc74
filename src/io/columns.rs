//! Finding the items among the input's columns: by item id, by the item's
//! text in any language (a leading question number such as `3、`, `Q3.` or
//! `(3)` is ignored), or by a map file.

use std::collections::HashMap;
use std::path::Path;

use anyhow::bail;
use indexmap::IndexMap;
use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::diag::Reported;
use crate::instrument::{normalize_label, Lang};
use crate::score::Battery;
use crate::{diag, yaml};

/// A `--map` file: other headers for items, other labels for values.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFile {
    #[serde(default)]
    pub columns: IndexMap<String, String>,
    #[serde(default)]
    pub values: IndexMap<String, i32>,
    /// The file it was read from, to locate errors found when the map
    /// meets the instruments of a run.
    #[serde(skip)]
    origin: Option<MapOrigin>,
}

#[derive(Debug)]
struct MapOrigin {
    file: String,
    text: String,
    index: yaml::Index,
}

impl MapFile {
    pub fn load(path: &Path) -> anyhow::Result<MapFile> {
        let text = yaml::read_config(path, "map file")?;
        let name = path.display().to_string();
        let (mut map, idx) = yaml::parse::<MapFile>(&name, &text)
            .map_err(|d| Reported(diag::render_all(&d, &text)))?;
        let errs = map.check(&name, &idx);
        if !errs.is_empty() {
            return Err(Reported(diag::render_all(&errs, &text)).into());
        }
        map.origin = Some(MapOrigin {
            file: name,
            text,
            index: idx,
        });
        Ok(map)
    }

    /// A problem at `path` of the map file, located when the file is known.
    fn problem(&self, path: &str, message: String, expected: String) -> Diagnostic {
        let (file, span) = self.origin.as_ref().map_or(("map file", None), |o| {
            (o.file.as_str(), o.index.span(path))
        });
        Diagnostic::new(file, path, message)
            .at(span)
            .expected(expected)
    }

    /// Check the map against the instruments of the run: every column maps
    /// to one of their items, and no label in `values` is a number or
    /// another value's label of theirs. A cell holding a number is read as
    /// that number, and an instrument's own label wins over the map's:
    /// either way the entry would be silently ignored.
    fn check_against(&self, battery: &Battery) -> Vec<Diagnostic> {
        let mut errs = Vec::new();
        for (header, target) in &self.columns {
            if !matches!(battery.lookup(target), Some(crate::score::Ref::Item(_))) {
                errs.push(self.problem(
                    &format!("columns.{header}"),
                    format!("column \"{header}\" maps to `{target}`, which is no item of the instruments given"),
                    format!("an item id of {}", battery.instruments.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", ")),
                ));
            }
        }
        // the instruments' own labels and aliases: normalised label → (value, instrument)
        let mut own: HashMap<String, Vec<(i32, &str)>> = HashMap::new();
        for inst in &battery.instruments {
            for set in &inst.response_sets {
                for o in &set.options {
                    let names = o.label.en.iter().chain(&o.label.zh).chain(&o.aliases);
                    for name in names {
                        let entry = own.entry(normalize_label(name)).or_default();
                        if !entry.contains(&(o.value, inst.id.as_str())) {
                            entry.push((o.value, inst.id.as_str()));
                        }
                    }
                }
            }
        }
        for (label, &value) in &self.values {
            let path = format!("values.{label}");
            if looks_like_a_number(label) {
                errs.push(self.problem(
                    &path,
                    format!("label \"{label}\" is a number: a cell holding a number is read as that answer (or option number), never looked up in `values`, so this entry would be ignored"),
                    "a label with letters".into(),
                ));
                continue;
            }
            let Some(theirs) = own.get(&normalize_label(label)) else {
                continue;
            };
            if let Some((v, inst)) = theirs.iter().find(|(v, _)| *v != value) {
                errs.push(self.problem(
                    &path,
                    format!("label \"{label}\" ({value}) is already a label of answer {v} of {inst}: the instrument's own label wins, so this entry would be ignored"),
                    format!("a label {inst} does not use, or `{label}: {v}`"),
                ));
            }
        }
        errs
    }

    /// Render `errs` as the error of the run.
    fn report(&self, errs: &[Diagnostic]) -> anyhow::Error {
        let text = self.origin.as_ref().map_or("", |o| o.text.as_str());
        Reported(diag::render_all(errs, text)).into()
    }

    /// Keys that differ in the file but are one key when matched (labels
    /// ignore case and spaces, headers surrounding spaces): one of them
    /// would silently win, as a repeated key would.
    fn check(&self, file: &str, idx: &yaml::Index) -> Vec<Diagnostic> {
        let mut errs = Vec::new();
        let mut labels: HashMap<String, (&str, i32)> = HashMap::new();
        for (label, &value) in &self.values {
            let path = format!("values.{label}");
            let key = normalize_label(label);
            if key.is_empty() {
                errs.push(
                    Diagnostic::new(
                        file,
                        &path,
                        "a label with no text would turn a blank answer into a value",
                    )
                    .at(idx.span(&path))
                    .expected("a label with letters or digits"),
                );
            } else if let Some((first, v)) = labels.insert(key, (label, value)) {
                if v != value {
                    errs.push(
                        Diagnostic::new(file, &path, format!("labels \"{first}\" ({v}) and \"{label}\" ({value}) are the same label: case and spaces do not matter in matching"))
                            .at(idx.span(&path))
                            .expected("each label once"),
                    );
                }
            }
        }
        let mut headers: HashMap<&str, (&str, &str)> = HashMap::new();
        for (header, item) in &self.columns {
            let path = format!("columns.{header}");
            if let Some((first, i)) = headers.insert(header.trim(), (header, item)) {
                if i != item {
                    errs.push(
                        Diagnostic::new(file, &path, format!("headers \"{first}\" (→ {i}) and \"{header}\" (→ {item}) are the same header: surrounding spaces do not matter in matching"))
                            .at(idx.span(&path))
                            .expected("each header once"),
                    );
                }
            }
        }
        errs
    }
}

/// How a column was matched to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Id,
    Text(Lang),
    Map,
}

impl How {
    pub fn describe(self) -> &'static str {
        match self {
            How::Id => "item id",
            How::Text(Lang::En) => "item text (en)",
            How::Text(Lang::Zh) => "item text (zh)",
            How::Map => "map file",
        }
    }
}

#[derive(Debug)]
pub struct ColumnPlan {
    /// Per global item: (column index, how it matched).
    pub items: Vec<Option<(usize, How)>>,
}

impl ColumnPlan {
    pub fn found(&self) -> usize {
        self.items.iter().filter(|c| c.is_some()).count()
    }
}

/// Match headers to items. Two columns feeding one item is an error (which
/// one would be right?); a map naming an unknown item is an error too.
pub fn plan(headers: &[String], battery: &Battery, map: &MapFile) -> anyhow::Result<ColumnPlan> {
    let mut by_name: HashMap<String, (usize, How)> = HashMap::new();
    let mut items = vec![None; battery.n_items()];
    // keys: normalised id and item texts → (global item, how)
    let mut keys: HashMap<String, (usize, How)> = HashMap::new();
    for (g, _, item) in battery.items() {
        keys.insert(item.id.to_ascii_lowercase(), (g, How::Id));
        for (lang, t) in [(Lang::En, &item.text.en), (Lang::Zh, &item.text.zh)] {
            if let Some(t) = t {
                keys.entry(question_key(t)).or_insert((g, How::Text(lang)));
            }
        }
    }
    let errs = map.check_against(battery);
    if !errs.is_empty() {
        return Err(map.report(&errs));
    }
    for (header, target) in &map.columns {
        if let Some(crate::score::Ref::Item(g)) = battery.lookup(target) {
            by_name.insert(header.trim().to_string(), (g, How::Map));
        }
    }
    for (col, h) in headers.iter().enumerate() {
        let hit = by_name
            .get(h.trim())
            .copied()
            .or_else(|| {
                keys.get(&h.trim().to_ascii_lowercase())
                    .copied()
                    .filter(|x| x.1 == How::Id)
            })
            .or_else(|| {
                keys.get(&question_key(h))
                    .copied()
                    .filter(|_| !question_key(h).is_empty())
            });
        if let Some((g, how)) = hit {
            if let Some((prev, _)) = items[g] {
                bail!(
                    "columns {} (\"{}\") and {} (\"{}\") both feed item {}: keep one, or map them with --map",
                    prev + 1,
                    headers[prev],
                    col + 1,
                    h,
                    battery.item_id(g)
                );
            }
            items[g] = Some((col, how));
        }
    }
    Ok(ColumnPlan { items })
}

/// The column plan for scoring: at least one item column must be found
/// (else nothing could be scored); absent items are warned about on stderr,
/// since they count as missing in every row (callers count each as a
/// problem of the input: exit 1).
pub fn plan_for_scoring(
    input: &str,
    headers: &[String],
    battery: &Battery,
    map: &MapFile,
) -> anyhow::Result<ColumnPlan> {
    let plan = plan(headers, battery, map)?;
    if plan.found() == 0 {
        bail!(
            "no item columns found in {input}: expected headers such as {} (or the items' texts); see `psyscreen score --check` and --map",
            battery.items().take(3).map(|(_, _, i)| i.id.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    // one warning per instrument, naming what is missing out of how many
    for inst in &battery.instruments {
        let absent: Vec<&str> = battery
            .items()
            .filter(|(g, i, _)| std::ptr::eq(*i, inst) && plan.items[*g].is_none())
            .map(|(_, _, item)| item.id.as_str())
            .collect();
        if absent.len() == inst.items.len() {
            let (id, absent) = (&inst.id, absent.join(", "));
            eprintln!(
                "{}{}",
                crate::messages::warning(),
                crate::messages::tr!(
                    "no column for any item of {id} ({absent}): it is incomplete in every row (see `psyscreen score --check`)",
                    "{id} 的所有题目都没有对应的列（{absent}）：每一行都不完整（见 `psyscreen score --check`）"
                )
            );
        } else if !absent.is_empty() {
            let (n, of, id) = (absent.len(), inst.items.len(), &inst.id);
            let absent = absent.join(", ");
            eprintln!(
                "{}{}",
                crate::messages::warning(),
                crate::messages::tr!(
                    "no column for {absent} ({n} of the {of} items of {id}): counted as missing in every row, so every {id} total is prorated or incomplete (see `psyscreen score --check`)",
                    "{absent} 没有对应的列（{id} 共 {of} 题中的 {n} 题）：每一行都按缺失计，所以每个 {id} 总分都是按比例估算或不完整（见 `psyscreen score --check`）"
                )
            );
        }
    }
    Ok(plan)
}

/// `3`, `１`, `2.0`, `1.`: what the cell reader takes for a number before
/// it looks up a label (the one rule, `instrument::typed_number`).
fn looks_like_a_number(label: &str) -> bool {
    crate::instrument::typed_number(label).is_some()
}

/// A header or item text reduced for matching: no leading question number,
/// no spaces or punctuation, lower case.
pub fn question_key(s: &str) -> String {
    let s = strip_question_number(s.trim());
    s.chars()
        .filter(|c| !c.is_whitespace() && !is_punct(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() || "，。、？！：；“”‘’（）《》【】…—·～「」".contains(c)
}

/// `3、`, `3.`, `Q3.`, `Q3:`, `(3)`, `（3）`, `第3题`, `3)` at the start.
fn strip_question_number(s: &str) -> &str {
    let mut rest = s;
    for p in ["第", "Q", "q", "(", "（"] {
        if let Some(r) = rest.strip_prefix(p) {
            if r.starts_with(|c: char| c.is_ascii_digit()) {
                rest = r;
                break;
            }
        }
    }
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return s;
    }
    let mut r = &rest[digits..];
    r = r.strip_prefix('题').unwrap_or(r);
    for sep in ["、", ".", "．", ")", "）", ":", "：", " "] {
        if let Some(x) = r.strip_prefix(sep) {
            return x.trim_start();
        }
    }
    // a bare number followed directly by text ("3做事…") is not stripped
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_errors(source: &str) -> Vec<String> {
        let (map, idx) = yaml::parse::<MapFile>("m.yaml", source).unwrap();
        map.check("m.yaml", &idx)
            .iter()
            .map(|d| format!("{}: {}", d.span.map_or(0, |s| s.line), d.message))
            .collect()
    }

    #[test]
    fn map_keys_that_match_alike_are_errors() {
        assert_eq!(
            map_errors("values:\n  Almost daily: 3\n  ALMOST  daily: 0\n  \"  \": 0\n"),
            [
                "3: labels \"Almost daily\" (3) and \"ALMOST  daily\" (0) are the same label: case and spaces do not matter in matching",
                "4: a label with no text would turn a blank answer into a value",
            ]
        );
        assert_eq!(
            map_errors("columns:\n  \"Q9\": phq9_9\n  \"Q9 \": phq9_1\n"),
            ["3: headers \"Q9\" (→ phq9_9) and \"Q9 \" (→ phq9_1) are the same header: surrounding spaces do not matter in matching"]
        );
        // the same meaning twice is harmless
        assert!(map_errors("values:\n  Yes: 1\n  yes: 1\n").is_empty());
    }

    #[test]
    fn numbers_as_the_cell_reader_reads_them() {
        for n in ["3", " -1 ", "2.0", "2.00", "123456789", "2.", "３", "1。"] {
            assert!(looks_like_a_number(n), "{n}");
        }
        // these reach the label lookup, so a map label for them works
        for l in ["2.5", "+1", "1,5", "1234567890", "-", "", "3 days"] {
            assert!(!looks_like_a_number(l), "{l}");
        }
    }

    #[test]
    fn question_numbers_are_stripped() {
        assert_eq!(strip_question_number("3、做事时提不起劲"), "做事时提不起劲");
        assert_eq!(strip_question_number("Q3. Feeling down"), "Feeling down");
        assert_eq!(strip_question_number("12.Feeling"), "Feeling");
        assert_eq!(strip_question_number("(3) x"), "x");
        assert_eq!(strip_question_number("（3）x"), "x");
        assert_eq!(strip_question_number("第3题：x"), "x");
        assert_eq!(strip_question_number("phq9_1"), "phq9_1");
        assert_eq!(strip_question_number("2020 cohort"), "cohort");
    }

    #[test]
    fn keys_ignore_punctuation_and_case() {
        assert_eq!(
            question_key("3、 做事时提不起劲或没有兴趣？"),
            question_key("做事时提不起劲或没有兴趣")
        );
        assert_eq!(
            question_key("Q1. Little interest or pleasure in doing things?"),
            question_key("Little interest or pleasure in doing things")
        );
    }
}
