//! Instruments: the YAML model, loading with strict located validation, and
//! the built-in library (embedded with `include_str!`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::bail;

use crate::diag::{self, Diagnostic, Reported};
use crate::messages::tr;
use crate::yaml;

mod builtin;
pub mod codes;
mod describe;
pub mod known;
mod model;
pub mod scoring;
pub mod skeleton;

pub use builtin::{builtin, builtin_ids, builtin_with, BUILTIN_SOURCES};
pub use describe::describe;
pub use model::*;

/// Load and check one instrument from YAML text. `file` names it in errors.
pub fn load_str(file: &str, source: &str, origin: &str) -> Result<Instrument, Vec<Diagnostic>> {
    load_with(file, source, origin, true)
}

/// Load and check one instrument; `run_tests` = false leaves the
/// known-answer tests to the caller (`instruments test` reports each).
pub fn load_with(
    file: &str,
    source: &str,
    origin: &str,
    run_tests: bool,
) -> Result<Instrument, Vec<Diagnostic>> {
    let (raw, idx) = yaml::parse::<RawInstrument>(file, source)?;
    let mut c = Checker {
        file,
        idx: &idx,
        errs: Vec::new(),
    };
    let inst = c.compile(raw, origin);
    if !c.errs.is_empty() {
        return Err(c.errs);
    }
    if !run_tests {
        return Ok(inst);
    }
    let (_, failures) = known::run(&inst);
    if !failures.is_empty() {
        return Err(failures
            .into_iter()
            .map(|f| {
                Diagnostic::new(
                    file,
                    &f.path,
                    format!("known-answer test `{}` fails: {}", f.test, f.message),
                )
                .at(idx.span(&f.path))
            })
            .collect());
    }
    Ok(inst)
}

/// Load one instrument file from disk; errors rendered for the user.
pub fn load_file(path: &Path) -> anyhow::Result<Instrument> {
    load_file_with(path, true)
}

pub fn load_file_with(path: &Path, run_tests: bool) -> anyhow::Result<Instrument> {
    let text = yaml::read_config(path, "instrument file")?;
    let name = path.display().to_string();
    load_with(&name, &text, &name, run_tests)
        .map_err(|d| Reported(diag::render_all(&d, &text)).into())
}

/// Resolve `-i` arguments: built-in ids or YAML paths, comma lists allowed.
pub fn resolve(specs: &[String]) -> anyhow::Result<Vec<Instrument>> {
    let mut out: Vec<Instrument> = Vec::new();
    for spec in specs.iter().flat_map(|s| s.split(',')).map(str::trim) {
        if spec.is_empty() {
            continue;
        }
        let inst = resolve_one(spec)?;
        if out.iter().any(|i| i.id == inst.id) {
            let id = &inst.id;
            bail!(tr!(
                "instrument `{id}` is given twice",
                "量表 `{id}` 重复给出"
            ));
        }
        out.push(inst);
    }
    if out.is_empty() {
        bail!(tr!(
            "no instrument given: use -i with a built-in id (e.g. -i phq9,gad7) or a YAML file",
            "没有给出量表：请用 -i 指定内置量表（例如 -i phq9,gad7）或 YAML 文件"
        ));
    }
    check_no_collisions(&out)?;
    Ok(out)
}

pub fn resolve_one(spec: &str) -> anyhow::Result<Instrument> {
    resolve_one_with(spec, true)
}

pub fn resolve_one_with(spec: &str, run_tests: bool) -> anyhow::Result<Instrument> {
    if let Some(inst) = builtin_with(spec, run_tests) {
        return inst;
    }
    let path = Path::new(spec);
    if path.exists() {
        return load_file_with(path, run_tests);
    }
    let ids = builtin_ids().join(", ");
    bail!(tr!(
        "unknown instrument `{spec}`: not a built-in ({ids}) and no such file",
        "未知量表 `{spec}`：既不是内置量表（{ids}），也没有这个文件"
    ))
}

/// The names of the built-ins, loaded only when a policy names something
/// outside the run (loading all built-ins costs a few milliseconds).
#[derive(Default)]
pub struct BuiltinNames(std::sync::OnceLock<HashSet<String>>);

impl BuiltinNames {
    pub fn contains(&self, name: &str) -> bool {
        self.0.get_or_init(builtin_names).contains(name)
    }
}

/// Every item and scale id of the built-ins: names a policy may use even
/// when their instrument is not part of the run.
pub fn builtin_names() -> HashSet<String> {
    builtin_ids()
        .into_iter()
        .filter_map(|id| builtin_with(id, false).and_then(Result::ok))
        .flat_map(|inst| {
            let items = inst.items.into_iter().map(|i| i.id);
            let scales = inst.scales.into_iter().map(|s| s.id);
            items.chain(scales).collect::<Vec<_>>()
        })
        .collect()
}

/// Item and scale ids become column and rule names: they must be unique
/// across the instruments of one run.
fn check_no_collisions(set: &[Instrument]) -> anyhow::Result<()> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for inst in set {
        let names = inst
            .items
            .iter()
            .map(|i| i.id.as_str())
            .chain(inst.scales.iter().map(|s| s.id.as_str()));
        for n in names {
            if let Some(other) = seen.insert(n, &inst.id) {
                if other != inst.id {
                    bail!("`{n}` is defined by both `{other}` and `{}`: item and scale ids must be unique across the instruments of a run", inst.id);
                }
            }
        }
    }
    Ok(())
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Normalise an answer label or alias for matching, as people type
/// answers: case, whitespace, full-width forms (`３`, `（`) and punctuation
/// that ends a sentence (`几乎每天。`, `Several days.`) do not matter.
/// Instrument and map-file checks use this too, so two options that only
/// differ in these ways are rejected when the file is loaded.
pub fn normalize_label(s: &str) -> String {
    let mut key: String = s
        .chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    trim_sentence_end(&mut key);
    key
}

/// A cell or label as a number the way people type one: `1`, `１`, ` 1. `,
/// `2.0`. Spaces inside (`1 0`) and anything after the digits (`3-4 days`)
/// make it not a number.
pub fn typed_number(s: &str) -> Option<i64> {
    let mut text: String = s.chars().map(fold_width).collect();
    text.truncate(text.trim_end().len());
    trim_sentence_end(&mut text);
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    let (neg, digits) = match int.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, int),
    };
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some(if neg { -n } else { n })
}

/// Full-width ASCII forms (`３`, `Ａ`, `（`) as their ASCII letters, the
/// ideographic space as a space.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Drop the punctuation that ends a typed sentence (and spaces around
/// it), never brackets: `(1-2 days)` keeps its `)`.
fn trim_sentence_end(s: &mut String) {
    const SENTENCE_END: &[char] = &['.', ',', ';', ':', '!', '?', '。', '、', '…', '｡'];
    loop {
        let kept = s.trim_end_matches(SENTENCE_END).trim_end().len();
        if kept == s.len() {
            return;
        }
        s.truncate(kept);
    }
}

fn to_units(x: f64, decimals: u8) -> Option<i64> {
    let scaled = x * 10f64.powi(i32::from(decimals));
    let r = scaled.round();
    #[allow(clippy::cast_possible_truncation)]
    ((scaled - r).abs() < 1e-6 && r.abs() < 1e15).then_some(r as i64)
}

struct Checker<'a> {
    file: &'a str,
    idx: &'a yaml::Index,
    errs: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::new(self.file, path, message).at(self.idx.span(path));
        self.errs.push(d);
        self.errs.last_mut().expect("just pushed")
    }

    fn text(&mut self, t: &Text, path: &str, bilingual: bool) {
        if t.en.as_deref().is_none_or(|s| s.trim().is_empty()) {
            self.err(path, format!("`{path}` has no English text"))
                .expected = Some("`en: \"...\"`".into());
        }
        if bilingual && t.zh.as_deref().is_none_or(|s| s.trim().is_empty()) {
            self.err(
                path,
                format!(
                    "`{path}` has no Chinese text, but the file is bilingual (some text has `zh`)"
                ),
            )
            .expected = Some("`zh: \"...\"` beside `en`".into());
        }
    }

    #[allow(clippy::too_many_lines)]
    fn compile(&mut self, raw: RawInstrument, origin: &str) -> Instrument {
        if !valid_id(&raw.id) {
            self.err("id", format!("instrument id `{}` is not valid", raw.id))
                .expected = Some("lowercase letters, digits and _ (e.g. gad7)".into());
        }
        let bilingual = is_bilingual(&raw);
        self.text(&raw.name, "name", bilingual);
        if let Some(t) = &raw.instructions {
            self.text(t, "instructions", bilingual);
        }

        // response sets
        let mut sets = Vec::new();
        for (set_id, options) in &raw.response_sets {
            let path = format!("response_sets.{set_id}");
            if options.is_empty() {
                self.err(&path, format!("response set `{set_id}` has no options"));
            }
            let mut values = HashSet::new();
            let mut labels: HashMap<String, i32> = HashMap::new();
            for (k, o) in options.iter().enumerate() {
                let opath = format!("{path}[{k}]");
                if !values.insert(o.value) {
                    self.err(
                        &format!("{opath}.value"),
                        format!("response set `{set_id}` has the value {} twice", o.value),
                    )
                    .expected = Some("each value once".into());
                }
                self.text(&o.label, &format!("{opath}.label"), bilingual);
                let spellings = o
                    .label
                    .en
                    .iter()
                    .chain(o.label.zh.iter())
                    .chain(o.aliases.iter());
                for s in spellings {
                    if let Some(n) = typed_number(s) {
                        self.err(&opath, format!("response set `{set_id}`: the label or alias \"{s}\" is the number {n}; an answer typed that way is read as a number, never as this label"))
                            .expected = Some("labels in words; the option's number is its `value`".into());
                    }
                    let key = normalize_label(s);
                    if let Some(prev) = labels.insert(key, o.value) {
                        if prev != o.value {
                            self.err(&opath, format!("response set `{set_id}`: the label or alias \"{s}\" means both {prev} and {}", o.value))
                                .expected = Some("each label or alias on one option only".into());
                        }
                    }
                }
            }
            let min = options.iter().map(|o| o.value).min().unwrap_or(0);
            let max = options.iter().map(|o| o.value).max().unwrap_or(0);
            sets.push(ResponseSet {
                id: set_id.clone(),
                options: options
                    .iter()
                    .map(|o| ResponseOption {
                        value: o.value,
                        label: o.label.clone(),
                        aliases: o.aliases.clone(),
                    })
                    .collect(),
                min,
                max,
            });
        }

        // items (first pass: ids), so asked_if can name any item
        let mut item_ids: HashMap<&str, usize> = HashMap::new();
        for (k, it) in raw.items.iter().enumerate() {
            let path = format!("items[{k}].id");
            if !valid_id(&it.id) {
                self.err(&path, format!("item id `{}` is not valid", it.id))
                    .expected = Some("lowercase letters, digits and _ (e.g. gad7_1)".into());
            }
            if item_ids.insert(&it.id, k).is_some() {
                self.err(&path, format!("duplicate item id `{}`", it.id))
                    .expected = Some("each item id once".into());
            }
        }
        let mut items = Vec::new();
        for (k, it) in raw.items.iter().enumerate() {
            let path = format!("items[{k}]");
            self.text(&it.text, &format!("{path}.text"), bilingual);
            let set = sets.iter().position(|s| s.id == it.responses);
            if set.is_none() {
                let known: Vec<&str> = sets.iter().map(|s| s.id.as_str()).collect();
                self.err(
                    &format!("{path}.responses"),
                    format!(
                        "item `{}` uses response set `{}`, which is not defined",
                        it.id, it.responses
                    ),
                )
                .expected = Some(format!("one of: {}", known.join(", ")));
            }
            if let (Some(v), Some(s)) = (it.if_skipped, set) {
                if !sets[s].contains(v) {
                    self.err(
                        &format!("{path}.if_skipped"),
                        format!(
                            "item `{}`: if_skipped {v} is not a value of response set `{}`",
                            it.id, it.responses
                        ),
                    );
                }
            }
            if it.if_skipped.is_some() && it.asked_if.is_none() {
                self.err(
                    &format!("{path}.if_skipped"),
                    format!("item `{}` has if_skipped but no asked_if", it.id),
                );
            }
            let asked_if = it.asked_if.as_ref().and_then(|c| {
                let cpath = format!("{path}.asked_if");
                let bound = c.bind(&cpath, &mut |name: &str| match item_ids.get(name) {
                    Some(&j) if j < k => Ok(j),
                    Some(&j) if j == k => Err(format!(
                        "item `{}` cannot be asked depending on itself",
                        it.id
                    )),
                    // skip logic is applied in item order: a later answer
                    // is not known yet when this item is reached
                    Some(_) => Err(format!(
                        "item `{}` is asked depending on `{name}`, which comes after it: asked_if can only name an earlier item",
                        it.id
                    )),
                    None => Err(format!(
                        "asked_if names `{name}`, which is not an item of this instrument"
                    )),
                });
                match bound {
                    Ok(c) => {
                        let domain = |&j: &usize| {
                            let set = &raw.items.get(j)?.responses;
                            sets.iter().find(|s| &s.id == set).map(ResponseSet::domain)
                        };
                        let mut parts = Vec::new();
                        c.comparisons(&cpath, &mut parts);
                        for (p, part) in parts {
                            if let Some(m) = part.never(&domain) {
                                self.err(&p, m).expected =
                                    Some("a condition some answers meet".into());
                            }
                        }
                        let mut impossible = Vec::new();
                        c.impossible_alls(&cpath, &domain, &|j, _| domain(j), &mut impossible);
                        for (p, m) in impossible {
                            self.err(&p, m).expected =
                                Some("a condition some answers meet".into());
                        }
                        Some(c)
                    }
                    Err(errors) => {
                        for (p, m) in errors {
                            self.err(&p, m);
                        }
                        None
                    }
                }
            });
            items.push(Item {
                id: it.id.clone(),
                text: it.text.clone(),
                set: set.unwrap_or(0),
                reverse: it.reverse,
                asked_if,
                if_skipped: it.if_skipped,
            });
        }

        // scales
        let mut scales = Vec::new();
        let mut scale_ids = HashSet::new();
        for (k, s) in raw.scales.iter().enumerate() {
            let path = format!("scales[{k}]");
            if !valid_id(&s.id) {
                self.err(
                    &format!("{path}.id"),
                    format!("scale id `{}` is not valid", s.id),
                );
            }
            if !scale_ids.insert(s.id.clone()) {
                self.err(
                    &format!("{path}.id"),
                    format!("duplicate scale id `{}`", s.id),
                );
            }
            if item_ids.contains_key(s.id.as_str()) {
                self.err(
                    &format!("{path}.id"),
                    format!(
                        "scale id `{}` is also an item id: rules could not tell them apart",
                        s.id
                    ),
                );
            }
            if let Some(n) = &s.name {
                self.text(n, &format!("{path}.name"), bilingual);
            }
            let mut members = Vec::new();
            for (j, id) in s.items.iter().enumerate() {
                match item_ids.get(id.as_str()) {
                    Some(&i) if members.contains(&i) => {
                        self.err(
                            &format!("{path}.items[{j}]"),
                            format!("scale `{}` lists item `{id}` twice", s.id),
                        );
                    }
                    Some(&i) => members.push(i),
                    None => {
                        self.err(
                            &format!("{path}.items[{j}]"),
                            format!("scale `{}` names item `{id}`, which is not defined", s.id),
                        )
                        .expected = Some("an id from `items:`".into());
                    }
                }
            }
            if s.items.is_empty() {
                self.err(
                    &format!("{path}.items"),
                    format!("scale `{}` has no items", s.id),
                );
            }
            let multiplier = s.multiplier.unwrap_or(1);
            if multiplier < 1 {
                self.err(
                    &format!("{path}.multiplier"),
                    "multiplier must be a positive integer",
                );
            }
            let decimals = match (s.method, s.decimals) {
                (Method::Sum, None | Some(0)) => 0,
                (Method::Sum, Some(_)) => {
                    self.err(
                        &format!("{path}.decimals"),
                        "a sum scale has integer totals: decimals must be 0",
                    );
                    0
                }
                (Method::Mean, d) => d.unwrap_or(2).min(6),
            };
            let max_missing = s.missing.max_missing as usize;
            if max_missing > 0 && s.missing.impute.is_none() {
                self.err(
                    &format!("{path}.missing"),
                    format!("scale `{}` allows missing items but says not how to fill them: summing only the answered items would lower the score", s.id),
                )
                .expected = Some("`impute: prorate`".into());
            }
            if max_missing >= s.items.len() && !s.items.is_empty() {
                self.err(
                    &format!("{path}.missing.max_missing"),
                    format!(
                        "scale `{}` allows {max_missing} missing of {} items",
                        s.id,
                        s.items.len()
                    ),
                )
                .expected = Some(format!("at most {}", s.items.len() - 1));
            }
            let range = possible_range(&items, &sets, &members, s.method, decimals, multiplier);
            // with an unknown item the range is wrong: one error is enough
            let check_range = members.len() == s.items.len();
            let bands = self.bands(s, &path, decimals, range, bilingual, check_range);
            let terms = members
                .iter()
                .map(|&i| {
                    let it: &Item = &items[i];
                    match sets.get(it.set) {
                        Some(set) if it.reverse => (-1, set.min + set.max),
                        _ => (1, 0),
                    }
                })
                .collect();
            scales.push(Scale {
                id: s.id.clone(),
                name: s.name.clone(),
                items: members,
                terms,
                method: s.method,
                multiplier,
                decimals,
                max_missing,
                bands,
                range,
            });
        }
        if raw.scales.is_empty() {
            self.err("scales", "the instrument has no scales").expected =
                Some("at least one scale".into());
        }

        let askable = askable(&items, &sets);
        let mut critical = Vec::new();
        for (k, id) in raw.critical_items.iter().enumerate() {
            match item_ids.get(id.as_str()) {
                Some(&i) if !askable[i] => {
                    // never asked = never missing: no answer could flag it,
                    // and missing_critical would not catch its absence
                    self.err(
                        &format!("critical_items[{k}]"),
                        format!(
                            "critical item `{id}` can never be asked: no answers meet its asked_if"
                        ),
                    )
                    .expected = Some("an asked_if some answers meet, or none".into());
                }
                Some(&i) => critical.push(i),
                None => {
                    self.err(
                        &format!("critical_items[{k}]"),
                        format!("critical item `{id}` is not defined"),
                    );
                }
            }
        }

        let tests = self.tests(&raw, &items, &sets, &scales);
        let codes = raw.codes.as_ref().map(|c| {
            let ids: Vec<&str> = items.iter().map(|i: &Item| i.id.as_str()).collect();
            let (codes, problems) = codes::check(c, &ids, &scales, &sets);
            for (path, message, expected) in problems {
                self.err(&path, message).expected = expected;
            }
            codes
        });
        let skippable = (0..items.len())
            .filter(|&i| items[i].asked_if.is_some())
            .collect();

        Instrument {
            id: raw.id,
            version: raw.version,
            name: raw.name,
            citation: raw.citation,
            license: raw.license,
            source: raw.source,
            notes: raw.notes,
            instructions: raw.instructions.unwrap_or_default(),
            response_sets: sets,
            items,
            scales,
            critical,
            skippable,
            tests,
            origin: origin.to_string(),
            codes,
        }
    }

    fn bands(
        &mut self,
        s: &RawScale,
        path: &str,
        decimals: u8,
        range: (i64, i64),
        bilingual: bool,
        check_range: bool,
    ) -> Vec<Band> {
        let unit = Scale {
            id: s.id.clone(),
            name: None,
            items: vec![],
            terms: vec![],
            method: s.method,
            multiplier: 1,
            decimals,
            max_missing: 0,
            bands: vec![],
            range,
        };
        let show = |u: i64| unit.format_total(u);
        let mut bands: Vec<Band> = Vec::new();
        let mut labels = HashSet::new();
        for (k, b) in s.bands.iter().enumerate() {
            let bpath = format!("{path}.bands[{k}]");
            let (Some(min), Some(max)) = (to_units(b.min, decimals), to_units(b.max, decimals))
            else {
                self.err(
                    &format!("{bpath}.min"),
                    format!(
                        "scale `{}`: band bounds have more decimals than the scale's {decimals}",
                        s.id
                    ),
                );
                continue;
            };
            if min > max {
                self.err(
                    &format!("{bpath}.min"),
                    format!(
                        "scale `{}`: band `{}` has min {} above max {}",
                        s.id,
                        b.label,
                        show(min),
                        show(max)
                    ),
                );
            }
            if !valid_id(&b.label) || b.label == "incomplete" {
                self.err(
                    &format!("{bpath}.label"),
                    format!("band label `{}` is not valid", b.label),
                )
                .expected =
                    Some("lowercase letters, digits and _, not `incomplete` (reserved)".into());
            }
            if !labels.insert(b.label.clone()) {
                self.err(
                    &format!("{bpath}.label"),
                    format!("scale `{}` has two bands labelled `{}`", s.id, b.label),
                );
            }
            if bilingual && b.zh.is_none() {
                self.err(
                    &bpath,
                    format!(
                        "band `{}` has no Chinese label, but the file is bilingual",
                        b.label
                    ),
                )
                .expected = Some("`zh: \"...\"`".into());
            }
            if let Some(prev) = bands.last() {
                let want = prev.max + 1;
                if min > want {
                    self.err(
                        &format!("{bpath}.min"),
                        format!(
                            "scale `{}`: no band holds {} (bands must be contiguous)",
                            s.id,
                            show(want)
                        ),
                    )
                    .expected = Some(format!(
                        "min: {} (the band before ends at max: {})",
                        show(want),
                        show(prev.max)
                    ));
                } else if min < want {
                    self.err(
                        &format!("{bpath}.min"),
                        format!(
                            "scale `{}`: bands `{}` and `{}` overlap",
                            s.id, prev.label, b.label
                        ),
                    )
                    .expected = Some(format!(
                        "min: {} (the band before ends at max: {})",
                        show(want),
                        show(prev.max)
                    ));
                }
            }
            bands.push(Band {
                min,
                max,
                label: b.label.clone(),
                en: b.en.clone(),
                zh: b.zh.clone(),
            });
        }
        match (bands.first(), bands.last()) {
            (Some(_), Some(_)) if !check_range => {}
            (Some(first), Some(last)) => {
                if first.min != range.0 {
                    self.err(&format!("{path}.bands[0].min"), format!("scale `{}`: the bands start at {}, but the lowest possible total is {}", s.id, show(first.min), show(range.0)))
                        .expected = Some(format!("min: {}", show(range.0)));
                }
                if last.max != range.1 {
                    let k = bands.len() - 1;
                    self.err(
                        &format!("{path}.bands[{k}].max"),
                        format!(
                            "scale `{}`: the bands end at {}, but the highest possible total is {}",
                            s.id,
                            show(last.max),
                            show(range.1)
                        ),
                    )
                    .expected = Some(format!("max: {}", show(range.1)));
                }
            }
            _ => {
                self.err(&format!("{path}.bands"), format!("scale `{}` has no bands", s.id))
                    .expected = Some("at least one band covering the whole range (e.g. `{min: 0, max: 16, label: unbanded}`)".into());
            }
        }
        bands
    }

    fn tests(
        &mut self,
        raw: &RawInstrument,
        items: &[Item],
        sets: &[ResponseSet],
        scales: &[Scale],
    ) -> Vec<KnownAnswer> {
        let mut out = Vec::new();
        for (k, t) in raw.tests.iter().enumerate() {
            let path = format!("tests[{k}]");
            let mut answers = Vec::new();
            for (id, v) in &t.answers {
                let apath = format!("{path}.answers.{id}");
                let Some(i) = items.iter().position(|it| &it.id == id) else {
                    self.err(
                        &apath,
                        format!("test answers item `{id}`, which is not defined"),
                    );
                    continue;
                };
                if let Some(v) = v {
                    if let Some(set) = sets.get(items[i].set) {
                        if !set.contains(*v) {
                            self.err(
                                &apath,
                                format!(
                                    "test answers {v} for `{id}`, not a value of response set `{}`",
                                    set.id
                                ),
                            )
                            .expected = Some(format!("{}..{}", set.min, set.max));
                        }
                    }
                }
                answers.push((i, *v));
            }
            let mut expect = Vec::new();
            for (sid, e) in &t.expect {
                let epath = format!("{path}.expect.{sid}");
                let Some(si) = scales.iter().position(|s| &s.id == sid) else {
                    self.err(
                        &epath,
                        format!("test expects scale `{sid}`, which is not defined"),
                    );
                    continue;
                };
                let scale = &scales[si];
                if let Some(b) = &e.band {
                    if b != "incomplete" && !scale.bands.iter().any(|x| &x.label == b) {
                        self.err(
                            &format!("{epath}.band"),
                            format!("test expects band `{b}`, which scale `{sid}` does not have"),
                        );
                    }
                }
                let total = match e.total {
                    Some(x) => match to_units(x, scale.decimals) {
                        Some(u) => Some(Some(u)),
                        None => {
                            self.err(
                                &format!("{epath}.total"),
                                "expected total has more decimals than the scale",
                            );
                            None
                        }
                    },
                    None if e.band.as_deref() == Some("incomplete") => Some(None),
                    None => None,
                };
                expect.push(Expectation {
                    scale: si,
                    total,
                    band: e.band.clone(),
                    prorated: e.prorated,
                });
            }
            out.push(KnownAnswer {
                name: t.name.clone().unwrap_or_else(|| format!("#{}", k + 1)),
                answers,
                expect,
                path,
            });
        }
        out
    }
}

fn is_bilingual(raw: &RawInstrument) -> bool {
    let has = |t: &Text| t.zh.is_some();
    has(&raw.name)
        || raw.instructions.as_ref().is_some_and(has)
        || raw.items.iter().any(|i| has(&i.text))
        || raw.response_sets.values().flatten().any(|o| has(&o.label))
        || raw
            .scales
            .iter()
            .any(|s| s.name.as_ref().is_some_and(has) || s.bands.iter().any(|b| b.zh.is_some()))
}

/// Which items can ever be asked, in item order: an item whose `asked_if`
/// no answers to the items before it can meet is never asked. An item
/// never asked holds only its `if_skipped` value, if any.
fn askable(items: &[Item], sets: &[ResponseSet]) -> Vec<bool> {
    let mut askable: Vec<bool> = Vec::with_capacity(items.len());
    for item in items {
        let can = item.asked_if.as_ref().is_none_or(|c| {
            c.can_hold(&|&j: &usize| {
                let before = items.get(j)?;
                if *askable.get(j)? {
                    sets.get(before.set).map(ResponseSet::domain)
                } else {
                    before
                        .if_skipped
                        .map(|v| crate::condition::Domain::answers([i64::from(v)]))
                }
            })
        });
        askable.push(can);
    }
    askable
}

/// Lowest and highest possible total of a scale, from its items' response
/// sets and the multiplier. An item that skip logic may leave unasked
/// (no `if_skipped`) can contribute nothing.
fn possible_range(
    items: &[Item],
    sets: &[ResponseSet],
    members: &[usize],
    method: Method,
    decimals: u8,
    multiplier: i64,
) -> (i64, i64) {
    let (mut lo, mut hi) = (0i64, 0i64);
    for &i in members {
        let Some(set) = sets.get(items[i].set) else {
            continue;
        };
        let (mut a, mut b) = (i64::from(set.min), i64::from(set.max));
        if method == Method::Sum && items[i].asked_if.is_some() && items[i].if_skipped.is_none() {
            a = a.min(0);
            b = b.max(0);
        }
        lo += a;
        hi += b;
    }
    let n = i64::try_from(members.len().max(1)).unwrap_or(1);
    match method {
        Method::Sum => (lo * multiplier, hi * multiplier),
        Method::Mean => {
            let p = 10_i64.pow(u32::from(decimals));
            (
                scoring::div_round_half_up(lo * p, n) * multiplier,
                scoring::div_round_half_up(hi * p, n) * multiplier,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "id: t\nversion: \"1\"\nname: {en: T}\ncitation: c\nlicense: l\nresponse_sets:\n  r: [{value: 0, label: {en: no}}, {value: 1, label: {en: yes}}]\n";
    const SCALE: &str = "scales:\n  - {id: t, items: [t_1, t_2, t_3], method: sum, missing: {max_missing: 0}, bands: [{min: 0, max: 3, label: all}]}\n";

    fn errors(items: &str, critical: &str) -> Vec<String> {
        let src = format!("{HEAD}items:\n{items}{SCALE}critical_items: [{critical}]\n");
        match load_str("t.yaml", &src, "test") {
            Ok(_) => vec![],
            Err(d) => d.iter().map(|d| d.message.clone()).collect(),
        }
    }

    #[test]
    fn asked_if_names_only_earlier_items() {
        let e = errors(
            "  - {id: t_1, text: {en: a}, responses: r, asked_if: \"t_2 == 1\"}\n  - {id: t_2, text: {en: b}, responses: r}\n  - {id: t_3, text: {en: c}, responses: r, asked_if: \"t_3 == 1\"}\n",
            "",
        );
        assert_eq!(
            e,
            [
                "item `t_1` is asked depending on `t_2`, which comes after it: asked_if can only name an earlier item",
                "item `t_3` cannot be asked depending on itself",
            ]
        );
    }

    #[test]
    fn a_critical_item_never_asked_is_an_error_even_down_a_chain() {
        // t_2 is never asked (t_1 is 0 or 1), so t_3, asked after t_2, never is
        let items = "  - {id: t_1, text: {en: a}, responses: r}\n  - {id: t_2, text: {en: b}, responses: r, asked_if: \"t_1 >= 2\"}\n  - {id: t_3, text: {en: c}, responses: r, asked_if: \"t_2 == 1\"}\n";
        assert_eq!(
            errors(items, "t_3"),
            [
                "`t_1 >= 2` can never be true: answers of `t_1` are 0 or 1",
                "critical item `t_3` can never be asked: no answers meet its asked_if",
            ]
        );
        // an item skipped with if_skipped: 1 still holds 1 for the next one
        let items = "  - {id: t_1, text: {en: a}, responses: r}\n  - {id: t_2, text: {en: b}, responses: r, asked_if: \"t_1 >= 2\", if_skipped: 1}\n  - {id: t_3, text: {en: c}, responses: r, asked_if: \"t_2 == 1\"}\n";
        assert_eq!(
            errors(items, "t_3"),
            ["`t_1 >= 2` can never be true: answers of `t_1` are 0 or 1"]
        );
    }

    #[test]
    fn every_built_in_item_can_be_asked() {
        for id in builtin_ids() {
            let inst = builtin_with(id, false).unwrap().unwrap();
            let askable = askable(&inst.items, &inst.response_sets);
            assert!(askable.iter().all(|&a| a), "{id}: {askable:?}");
        }
    }

    fn set_errors(options: &str) -> Vec<String> {
        let head = HEAD.replace(
            "  r: [{value: 0, label: {en: no}}, {value: 1, label: {en: yes}}]",
            &format!("  r: [{options}]"),
        );
        let items = "  - {id: t_1, text: {en: a}, responses: r}\n  - {id: t_2, text: {en: b}, responses: r}\n  - {id: t_3, text: {en: c}, responses: r}\n";
        let src = format!("{head}items:\n{items}{SCALE}");
        match load_str("t.yaml", &src, "test") {
            Ok(_) => vec![],
            Err(d) => d.iter().map(|d| d.message.clone()).collect(),
        }
    }

    #[test]
    fn labels_are_matched_as_people_type_them() {
        assert_eq!(normalize_label(" Several Days. "), "severaldays");
        assert_eq!(normalize_label("几乎每天。"), "几乎每天");
        assert_eq!(normalize_label("有时（1–2天）"), "有时(1–2天)");
        assert_eq!(
            normalize_label("ＳＥＶＥＲＡＬ\u{3000}days！"),
            "severaldays"
        );
        assert_eq!(
            normalize_label("Most or all of the time (5-7 days)"),
            "mostorallofthetime(5-7days)"
        );
        assert_eq!(typed_number("１"), Some(1));
        assert_eq!(typed_number(" 1. "), Some(1));
        assert_eq!(typed_number("３。"), Some(3));
        assert_eq!(typed_number("2.0"), Some(2));
        assert_eq!(typed_number("-1"), Some(-1));
        for not_a_number in ["3-4 days", "1 0", "2.5", "1.0.0", "", ".", "-", "1a", "一"] {
            assert_eq!(typed_number(not_a_number), None, "{not_a_number}");
        }
    }

    #[test]
    fn options_that_differ_only_as_typed_are_rejected() {
        // would otherwise both be read from the cell `Yes`
        let e = set_errors("{value: 0, label: {en: \"Yes.\"}}, {value: 1, label: {en: \"yes\"}}");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("means both 0 and 1"), "{e:?}");
        let e = set_errors("{value: 0, label: {en: \"Ａ\"}}, {value: 1, label: {en: a}}");
        assert!(e[0].contains("means both 0 and 1"), "{e:?}");
        // a label that is a number would be read as that number
        let e = set_errors(
            "{value: 0, label: {en: no}, aliases: [\"１\"]}, {value: 1, label: {en: yes}}",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("is the number 1"), "{e:?}");
        assert!(set_errors(
            "{value: 0, label: {en: \"no (0 days)\"}}, {value: 1, label: {en: \"yes (1-2 days)\"}}"
        )
        .is_empty());
    }
}
