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
use crate::messages::{pick, tr};
use crate::printable::printable_line;
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
        let text = yaml::read_config(path, crate::messages::pick("map file", "映射文件"))?;
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
                    tr!("column \"{header}\" maps to `{target}`, which is no item of the instruments given", "列 \"{header}\" 映射到 `{target}`，但它不是所给量表中的题目"),
                    tr!("an item id of {}", "以下量表中的题目 id：{}", battery.instruments.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", ")),
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
        let sets = || {
            battery
                .instruments
                .iter()
                .flat_map(|i| i.response_sets.iter().map(move |s| (i, s)))
        };
        for (label, &value) in &self.values {
            let path = format!("values.{label}");
            if !sets().any(|(_, s)| s.contains(value)) {
                let mut ranges: Vec<String> = sets()
                    .map(|(i, s)| format!("{}–{} ({})", s.min, s.max, i.id))
                    .collect();
                ranges.dedup();
                errs.push(self.problem(
                    &path,
                    tr!("label \"{label}\" maps to {value}, which is no answer of any item of the instruments given: a cell with it would be invalid", "标签 \"{label}\" 映射到 {value}，但它不是所给量表任何题目的答案：含有它的单元格会无效"),
                    tr!("an answer value: {}", "答案数值：{}", ranges.join(", ")),
                ));
                continue;
            }
            if looks_like_a_number(label) {
                errs.push(self.problem(
                    &path,
                    tr!("label \"{label}\" is a number: a cell holding a number is read as that answer (or option number), never looked up in `values`, so this entry would be ignored", "标签 \"{label}\" 是数字：单元格中的数字按该答案（或选项序号）读取，不会在 `values` 中查找，所以这一项会被忽略"),
                    pick("a label with letters", "含文字的标签").into(),
                ));
                continue;
            }
            let Some(theirs) = own.get(&normalize_label(label)) else {
                continue;
            };
            if let Some((v, inst)) = theirs.iter().find(|(v, _)| *v != value) {
                errs.push(self.problem(
                    &path,
                    tr!("label \"{label}\" ({value}) is already a label of answer {v} of {inst}: the instrument's own label wins, so this entry would be ignored", "标签 \"{label}\"（{value}）已经是 {inst} 中答案 {v} 的标签：以量表自己的标签为准，所以这一项会被忽略"),
                    tr!("a label {inst} does not use, or `{label}: {v}`", "{inst} 没有用到的标签，或 `{label}: {v}`"),
                ));
            }
        }
        errs
    }

    /// What to do about two columns feeding one item. The map is the
    /// fix when there is none; with one, say where it maps either column.
    fn fix_for_two(&self, cols: [(usize, How); 2], mapped: &[Option<(usize, &str)>]) -> String {
        let Some(origin) = &self.origin else {
            return pick(
                "keep one, or map them with --map",
                "只保留其中一列，或用 --map 映射",
            )
            .into();
        };
        let located: Vec<String> = cols
            .iter()
            .filter(|(_, how)| *how == How::Map)
            .filter_map(|&(c, _)| {
                let (_, header) = mapped[c]?;
                let at = origin
                    .index
                    .span(&format!("columns.{header}"))
                    .map_or_else(String::new, |s| format!(":{}:{}", s.line, s.col));
                Some(tr!(
                    "{}{at} maps column {}",
                    "{}{at} 映射了第 {} 列",
                    origin.file,
                    c + 1
                ))
            })
            .collect();
        if located.is_empty() {
            pick("keep one of them in the input", "在输入中只保留其中一列").into()
        } else if located.len() == cols.len() {
            tr!(
                "change the map ({})",
                "修改映射文件（{}）",
                located.join(pick("; ", "；"))
            )
        } else {
            tr!(
                "keep one of them in the input, or change the map ({})",
                "在输入中只保留其中一列，或修改映射文件（{}）",
                located.join(pick("; ", "；"))
            )
        }
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
                        pick(
                            "a label with no text would turn a blank answer into a value",
                            "没有文字的标签会把空白答案变成一个数值",
                        ),
                    )
                    .at(idx.span(&path))
                    .expected(pick("a label with letters or digits", "含文字或数字的标签")),
                );
            } else if let Some((first, v)) = labels.insert(key, (label, value)) {
                if v != value {
                    errs.push(
                        Diagnostic::new(file, &path, tr!("labels \"{first}\" ({v}) and \"{label}\" ({value}) are the same label: case and spaces do not matter in matching", "标签 \"{first}\"（{v}）和 \"{label}\"（{value}）是同一个标签：匹配时不区分大小写和空格"))
                            .at(idx.span(&path))
                            .expected(pick("each label once", "每个标签只写一次")),
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
                        Diagnostic::new(file, &path, tr!("headers \"{first}\" (→ {i}) and \"{header}\" (→ {item}) are the same header: surrounding spaces do not matter in matching", "列名 \"{first}\"（→ {i}）和 \"{header}\"（→ {item}）是同一个列名：匹配时不考虑首尾空格"))
                            .at(idx.span(&path))
                            .expected(pick("each header once", "每个列名只写一次")),
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
            How::Id => pick("item id", "题目 id"),
            How::Text(Lang::En) => pick("item text (en)", "题目英文原文"),
            How::Text(Lang::Zh) => pick("item text (zh)", "题目中文原文"),
            How::Map => pick("map file", "映射文件"),
        }
    }
}

#[derive(Debug, Clone)]
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
/// one would be right?); a map naming an unknown item, or a header the
/// input does not have, is an error located in the map file. `input`
/// names the input in messages.
///
/// `texts`: per column, the question text a platform export puts in a
/// header row of its own (Qualtrics row 2; empty: none). A header or text
/// matches an item by its id or its whole text, or when a matrix
/// statement after its stem is the item's whole text (`Stem - Text`,
/// `Stem [Text]`, `第3题(Text)`); a column whose parts match two items is
/// an error naming it, never a guess.
pub fn plan(
    input: &str,
    headers: &[String],
    texts: &[String],
    battery: &Battery,
    map: &MapFile,
) -> anyhow::Result<ColumnPlan> {
    let mut items = vec![None; battery.n_items()];
    // the input's name before Chinese words (`q.csv（按 UTF-8 读取）中的列`)
    let input_zh = crate::messages::spaced(input);
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
    let mut errs = map.check_against(battery);
    // per column: the item the map gives it, and the map entry's header
    let mut mapped: Vec<Option<(usize, &str)>> = vec![None; headers.len()];
    for (header, target) in &map.columns {
        let Some(crate::score::Ref::Item(g)) = battery.lookup(target) else {
            continue; // reported by check_against
        };
        let path = format!("columns.{header}");
        let shown = |c: usize| {
            tr!(
                "column {} (\"{}\")",
                "第 {} 列（\"{}\"）",
                c + 1,
                printable_line(&headers[c])
            )
        };
        match find_column(headers, header) {
            Lookup::Found(c) => match mapped[c] {
                Some((other, first)) if other != g => errs.push(map.problem(
                    &path,
                    tr!(
                        "\"{header}\" and \"{first}\" both name {}, mapped to `{target}` and `{}`",
                        "\"{header}\" 和 \"{first}\" 都指向{}，分别映射到 `{target}` 和 `{}`",
                        shown(c),
                        battery.item_id(other)
                    ),
                    pick("each column once", "每列只映射一次").into(),
                )),
                _ => mapped[c] = Some((g, header)),
            },
            Lookup::Ambiguous(cols) => errs.push(map.problem(
                &path,
                tr!(
                        "column \"{header}\" (→ {target}) matches several columns of {input}: {}",
                        "列 \"{header}\"（→ {target}）与 {input_zh}的多个列相符：{}",
                        cols.iter()
                            .map(|&c| shown(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                pick("the whole header", "完整的列名").into(),
            )),
            Lookup::Absent(closest) => errs.push(map.problem(
                &path,
                tr!(
                    "column \"{header}\" (→ {target}) is not a column of {input}",
                    "列 \"{header}\"（→ {target}）不是 {input_zh}中的列"
                ),
                closest.map_or_else(
                    || pick("a header of the input", "输入中的某个列名").into(),
                    |c| {
                        tr!(
                            "a header of the input: did you mean {}?",
                            "输入中的某个列名：是不是{}？",
                            shown(c)
                        )
                    },
                ),
            )),
        }
    }
    if !errs.is_empty() {
        // in the file's order
        errs.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
        return Err(map.report(&errs));
    }
    for (col, h) in headers.iter().enumerate() {
        let hit = mapped[col]
            .map(|(g, _)| (g, How::Map))
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
        let hit = match hit {
            Some(hit) => Some(hit),
            None => by_statement(input, (col, h, texts.get(col)), &keys, battery)?,
        };
        if let Some((g, how)) = hit {
            if let Some((prev, prev_how)) = items[g] {
                bail!(tr!(
                    "columns {} (\"{}\") and {} (\"{}\") both feed item {}: {}",
                    "第 {} 列（\"{}\"）和第 {} 列（\"{}\"）都对应题目 {}：{}",
                    prev + 1,
                    headers[prev],
                    col + 1,
                    h,
                    battery.item_id(g),
                    map.fix_for_two([(prev, prev_how), (col, how)], &mapped)
                ));
            }
            items[g] = Some((col, how));
        }
    }
    Ok(ColumnPlan { items })
}

/// A column found by its platform question text (whole), or by the
/// statement after a matrix stem in its header or text. Parts that match
/// two different items are an error: which one is meant cannot be told.
fn by_statement(
    input: &str,
    (col, header, text): (usize, &str, Option<&String>),
    keys: &HashMap<String, (usize, How)>,
    battery: &Battery,
) -> anyhow::Result<Option<(usize, How)>> {
    let text = text.map(String::as_str).filter(|t| !t.trim().is_empty());
    if let Some(t) = text {
        let key = question_key(t);
        if let Some(&hit) = keys.get(&key).filter(|_| !key.is_empty()) {
            return Ok(Some(hit));
        }
    }
    let mut found: Vec<(usize, How)> = Vec::new();
    for whole in std::iter::once(header).chain(text) {
        for part in crate::io::platform::statement_parts(whole) {
            let key = question_key(part);
            if let Some(&hit) = keys.get(&key).filter(|_| !key.is_empty()) {
                if found.iter().all(|(g, _)| *g != hit.0) {
                    found.push(hit);
                }
            }
        }
    }
    if found.len() > 1 {
        let items = found
            .iter()
            .map(|(g, _)| battery.item_id(*g))
            .collect::<Vec<_>>()
            .join(", ");
        let shown = printable_line(header);
        let input_zh = crate::messages::spaced(input);
        bail!(crate::messages::tr!(
            "column {n} (\"{shown}\") of {input} matches several items by its text: {items}; which one is meant cannot be told: map it with --map",
            "{input_zh}的第 {n} 列（\"{shown}\"）按文字与多个题目相符：{items}；无法判断是哪一题：请用 --map 指定",
            n = col + 1
        ));
    }
    Ok(found.pop())
}

/// The column plan for scoring: at least one item column must be found
/// (else nothing could be scored); absent items are warned about on stderr,
/// since they count as missing in every row (callers count each as a
/// problem of the input: exit 1).
pub fn plan_for_scoring(
    input: &str,
    headers: &[String],
    texts: &[String],
    battery: &Battery,
    map: &MapFile,
) -> anyhow::Result<ColumnPlan> {
    let plan = plan(input, headers, texts, battery, map)?;
    if plan.found() == 0 {
        let input_zh = crate::messages::spaced(input);
        bail!(tr!(
            "no item columns found in {input}: expected headers such as {} (or the items' texts); see `psyscreen score --check` and --map",
            "在 {input_zh}中没有找到题目列：应有 {} 这样的列名（或题目原文）；见 `psyscreen score --check` 和 --map",
            battery.items().take(3).map(|(_, _, i)| i.id.as_str()).collect::<Vec<_>>().join(", ")
        ));
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

/// Where the column a flag names (`--id-column`, `--by`, `--keep`) is.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(usize),
    /// Several columns match alike: which one was meant?
    Ambiguous(Vec<usize>),
    /// None matches; the closest header, when one is close.
    Absent(Option<usize>),
}

/// Find the column `name` names, as exports write headers: the exact
/// header first, then one equal but for surrounding spaces, then one
/// equal but for a leading question number, punctuation and case (`班级`
/// finds `2、班级`, as item columns are found). Each step must match one
/// column only.
pub fn find_column(headers: &[String], name: &str) -> Lookup {
    if let Some(c) = headers.iter().position(|h| h == name) {
        return Lookup::Found(c);
    }
    let trimmed = name.trim();
    let key = question_key(name);
    let steps: [&dyn Fn(&String) -> bool; 2] =
        [&|h: &String| h.trim() == trimmed, &|h: &String| {
            !key.is_empty() && question_key(h) == key
        }];
    for matches in steps {
        let hits: Vec<usize> = (0..headers.len())
            .filter(|&c| matches(&headers[c]))
            .collect();
        match hits.len() {
            0 => {}
            1 => return Lookup::Found(hits[0]),
            _ => return Lookup::Ambiguous(hits),
        }
    }
    Lookup::Absent(closest_header(headers, &key))
}

/// The header nearest to `key` (a `question_key`), when it is near enough
/// to be a likely typo: at most a third of the characters differ (and at
/// least one may).
fn closest_header(headers: &[String], key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let allowed = (key.chars().count() / 3).max(1);
    headers
        .iter()
        .enumerate()
        .map(|(c, h)| (strsim::levenshtein(&question_key(h), key), c))
        .filter(|&(d, _)| d <= allowed)
        .min()
        .map(|(_, c)| c)
}

/// The column whose header or platform text (or a matrix statement in
/// them) is nearest to one of an item's texts (`keys`, as `question_key`
/// makes them), when near enough to be the item written another way: for
/// `--check` to point at, never to take (a column must match whole).
pub fn nearest_for_item(headers: &[String], texts: &[String], keys: &[String]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (c, h) in headers.iter().enumerate() {
        let text = texts.get(c).map_or("", String::as_str);
        let parts = [h.as_str(), text]
            .into_iter()
            .flat_map(|t| std::iter::once(t).chain(crate::io::platform::statement_parts(t)));
        for part in parts {
            let got = question_key(part);
            for key in keys.iter().filter(|k| !k.is_empty()) {
                let allowed = (key.chars().count() / 3).max(1);
                let d = strsim::levenshtein(&got, key);
                if d <= allowed && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, c));
                }
            }
        }
    }
    best.map(|(_, c)| c)
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
pub fn strip_question_number(s: &str) -> &str {
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
    fn flag_columns_are_found_as_exports_write_them() {
        let headers: Vec<String> = [
            "序号",
            "1、姓名或学号",
            "2、班级",
            "Class ",
            "class",
            "3、Q1",
        ]
        .map(String::from)
        .into();
        assert_eq!(find_column(&headers, "2、班级"), Lookup::Found(2));
        assert_eq!(find_column(&headers, "姓名或学号"), Lookup::Found(1));
        assert_eq!(find_column(&headers, " 班级 "), Lookup::Found(2));
        // the exact header first, then the one equal but for spaces
        assert_eq!(find_column(&headers, "class"), Lookup::Found(4));
        assert_eq!(find_column(&headers, "Class"), Lookup::Found(3));
        assert_eq!(
            find_column(&headers, "CLASS"),
            Lookup::Ambiguous(vec![3, 4])
        );
        assert_eq!(find_column(&headers, "班别"), Lookup::Absent(Some(2)));
        assert_eq!(find_column(&headers, "年龄"), Lookup::Absent(None));
        assert_eq!(find_column(&headers, ""), Lookup::Absent(None));
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
