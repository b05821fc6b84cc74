//! Instruments: the YAML model, loading with strict located validation, and
//! the built-in library (embedded with `include_str!`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::bail;

use crate::diag::{self, Diagnostic, Reported};
use crate::messages::{pick, tr};
use crate::yaml;

mod builtin;
pub mod change;
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
    compile(file, yaml::parse(file, source)?, origin, run_tests)
}

/// A parsed instrument checked and compiled; its known-answer tests run
/// when `run_tests`.
fn compile(
    file: &str,
    (raw, idx): (RawInstrument, yaml::Index),
    origin: &str,
    run_tests: bool,
) -> Result<Instrument, Vec<Diagnostic>> {
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
                    tr!(
                        "known-answer test `{}` fails: {}",
                        "已知答案测试 `{}` 未通过：{}",
                        f.test,
                        f.message
                    ),
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
    let text = yaml::read_config(path, crate::messages::pick("instrument file", "量表文件"))?;
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
/// when their instrument is not part of the run. Read as ids alone, not
/// as instruments (compiling all twelve was two thirds of the start-up of
/// a run with the default policy); a test checks it names what loading
/// them does.
pub fn builtin_names() -> HashSet<String> {
    #[derive(serde::Deserialize)]
    struct Ids {
        #[serde(default)]
        items: Vec<Id>,
        #[serde(default)]
        scales: Vec<Id>,
    }
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    BUILTIN_SOURCES
        .iter()
        .filter_map(|(id, text)| yaml::parse_shipped::<Ids>(id, text).ok())
        .flat_map(|(ids, _)| ids.items.into_iter().chain(ids.scales).map(|i| i.id))
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
                    bail!(tr!("`{n}` is defined by both `{other}` and `{}`: item and scale ids must be unique across the instruments of a run", "`{n}` 同时由 `{other}` 和 `{}` 定义：同一次运行的各量表中，题目和分量表的 id 必须唯一", inst.id));
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
            self.err(
                path,
                tr!("`{path}` has no English text", "`{path}` 没有英文文本"),
            )
            .expected = Some("`en: \"...\"`".into());
        }
        if bilingual && t.zh.as_deref().is_none_or(|s| s.trim().is_empty()) {
            self.err(
                path,
                tr!(
                    "`{path}` has no Chinese text, but the file is bilingual (some text has `zh`)",
                    "`{path}` 没有中文文本，但此文件是双语的（有的文本有 `zh`）"
                ),
            )
            .expected =
                Some(pick("`zh: \"...\"` beside `en`", "在 `en` 旁加 `zh: \"...\"`").into());
        }
    }

    #[allow(clippy::too_many_lines)]
    fn compile(&mut self, raw: RawInstrument, origin: &str) -> Instrument {
        if !valid_id(&raw.id) {
            self.err(
                "id",
                tr!(
                    "instrument id `{}` is not valid",
                    "量表 id `{}` 无效",
                    raw.id
                ),
            )
            .expected = Some(
                pick(
                    "lowercase letters, digits and _ (e.g. gad7)",
                    "小写字母、数字和 _（如 gad7）",
                )
                .into(),
            );
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
                self.err(
                    &path,
                    tr!(
                        "response set `{set_id}` has no options",
                        "选项集 `{set_id}` 没有选项"
                    ),
                );
            }
            let mut values = HashSet::new();
            let mut labels: HashMap<String, i32> = HashMap::new();
            for (k, o) in options.iter().enumerate() {
                let opath = format!("{path}[{k}]");
                if !values.insert(o.value) {
                    self.err(
                        &format!("{opath}.value"),
                        tr!(
                            "response set `{set_id}` has the value {} twice",
                            "选项集 `{set_id}` 中数值 {} 出现了两次",
                            o.value
                        ),
                    )
                    .expected = Some(pick("each value once", "每个数值只出现一次").into());
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
                        self.err(&opath, tr!("response set `{set_id}`: the label or alias \"{s}\" is the number {n}; an answer typed that way is read as a number, never as this label", "选项集 `{set_id}`：标签或别名 \"{s}\" 是数字 {n}；这样填写的答案会按数字读取，而不会当作这个标签"))
                            .expected = Some(pick("labels in words; the option's number is its `value`", "用文字写标签；选项的数字是它的 `value`").into());
                    }
                    let key = normalize_label(s);
                    if let Some(prev) = labels.insert(key, o.value) {
                        if prev != o.value {
                            self.err(&opath, tr!("response set `{set_id}`: the label or alias \"{s}\" means both {prev} and {}", "选项集 `{set_id}`：标签或别名 \"{s}\" 既表示 {prev} 又表示 {}", o.value))
                                .expected = Some(pick("each label or alias on one option only", "每个标签或别名只用于一个选项").into());
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
                self.err(
                    &path,
                    tr!("item id `{}` is not valid", "题目 id `{}` 无效", it.id),
                )
                .expected = Some(
                    pick(
                        "lowercase letters, digits and _ (e.g. gad7_1)",
                        "小写字母、数字和 _（如 gad7_1）",
                    )
                    .into(),
                );
            }
            if item_ids.insert(&it.id, k).is_some() {
                self.err(
                    &path,
                    tr!("duplicate item id `{}`", "题目 id `{}` 重复", it.id),
                )
                .expected = Some(pick("each item id once", "每个题目 id 只出现一次").into());
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
                    tr!(
                        "item `{}` uses response set `{}`, which is not defined",
                        "题目 `{}` 使用的选项集 `{}` 没有定义",
                        it.id,
                        it.responses
                    ),
                )
                .expected = Some(tr!("one of: {}", "以下之一：{}", known.join(", ")));
            }
            if let (Some(v), Some(s)) = (it.if_skipped, set) {
                if !sets[s].contains(v) {
                    self.err(
                        &format!("{path}.if_skipped"),
                        tr!(
                            "item `{}`: if_skipped {v} is not a value of response set `{}`",
                            "题目 `{}`：if_skipped {v} 不是选项集 `{}` 中的数值",
                            it.id,
                            it.responses
                        ),
                    );
                }
            }
            if it.if_skipped.is_some() && it.asked_if.is_none() {
                self.err(
                    &format!("{path}.if_skipped"),
                    tr!(
                        "item `{}` has if_skipped but no asked_if",
                        "题目 `{}` 有 if_skipped 但没有 asked_if",
                        it.id
                    ),
                );
            }
            let asked_if = it.asked_if.as_ref().and_then(|c| {
                let cpath = format!("{path}.asked_if");
                let bound = c.bind(&cpath, &mut |name: &str| match item_ids.get(name) {
                    Some(&j) if j < k => Ok(j),
                    Some(&j) if j == k => Err(tr!(
                        "item `{}` cannot be asked depending on itself", "题目 `{}` 不能依据自身决定是否作答",
                        it.id
                    )),
                    // skip logic is applied in item order: a later answer
                    // is not known yet when this item is reached
                    Some(_) => Err(tr!(
                        "item `{}` is asked depending on `{name}`, which comes after it: asked_if can only name an earlier item", "题目 `{}` 依据 `{name}` 决定是否作答，但 `{name}` 在它之后：asked_if 只能引用前面的题目",
                        it.id
                    )),
                    None => Err(tr!(
                        "asked_if names `{name}`, which is not an item of this instrument", "asked_if 引用的 `{name}` 不是此量表的题目"
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
                                    Some(pick("a condition some answers meet", "某些答案能满足的条件").into());
                            }
                        }
                        let mut impossible = Vec::new();
                        c.impossible_alls(&cpath, &domain, &|j, _| domain(j), &mut impossible);
                        for (p, m) in impossible {
                            self.err(&p, m).expected =
                                Some(pick("a condition some answers meet", "某些答案能满足的条件").into());
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
                    tr!("scale id `{}` is not valid", "分量表 id `{}` 无效", s.id),
                );
            }
            if !scale_ids.insert(s.id.clone()) {
                self.err(
                    &format!("{path}.id"),
                    tr!("duplicate scale id `{}`", "分量表 id `{}` 重复", s.id),
                );
            }
            if item_ids.contains_key(s.id.as_str()) {
                self.err(
                    &format!("{path}.id"),
                    tr!(
                        "scale id `{}` is also an item id: rules could not tell them apart",
                        "分量表 id `{}` 同时也是题目 id：规则无法区分两者",
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
                            tr!(
                                "scale `{}` lists item `{id}` twice",
                                "分量表 `{}` 两次列出题目 `{id}`",
                                s.id
                            ),
                        );
                    }
                    Some(&i) => members.push(i),
                    None => {
                        self.err(
                            &format!("{path}.items[{j}]"),
                            tr!(
                                "scale `{}` names item `{id}`, which is not defined",
                                "分量表 `{}` 引用的题目 `{id}` 没有定义",
                                s.id
                            ),
                        )
                        .expected =
                            Some(pick("an id from `items:`", "`items:` 中的某个 id").into());
                    }
                }
            }
            if s.items.is_empty() {
                self.err(
                    &format!("{path}.items"),
                    tr!("scale `{}` has no items", "分量表 `{}` 没有题目", s.id),
                );
            }
            let multiplier = s.multiplier.unwrap_or(1);
            if multiplier < 1 {
                self.err(
                    &format!("{path}.multiplier"),
                    pick(
                        "multiplier must be a positive integer",
                        "multiplier 必须是正整数",
                    ),
                );
            }
            let decimals = match (s.method, s.decimals) {
                (Method::Sum, None | Some(0)) => 0,
                (Method::Sum, Some(_)) => {
                    self.err(
                        &format!("{path}.decimals"),
                        pick(
                            "a sum scale has integer totals: decimals must be 0",
                            "求和的分量表总分是整数：decimals 必须为 0",
                        ),
                    );
                    0
                }
                (Method::Mean, d) => d.unwrap_or(2).min(6),
            };
            let max_missing = s.missing.max_missing as usize;
            if max_missing > 0 && s.missing.impute.is_none() {
                self.err(
                    &format!("{path}.missing"),
                    tr!("scale `{}` allows missing items but says not how to fill them: summing only the answered items would lower the score", "分量表 `{}` 允许缺题，却没有说明如何补足：只把已答题目相加会拉低分数", s.id),
                )
                .expected = Some("`impute: prorate`".into());
            }
            if max_missing >= s.items.len() && !s.items.is_empty() {
                self.err(
                    &format!("{path}.missing.max_missing"),
                    tr!(
                        "scale `{}` allows {max_missing} missing of {} items",
                        "分量表 `{}` 允许 {} 题中缺 {max_missing} 题",
                        s.id,
                        s.items.len()
                    ),
                )
                .expected = Some(tr!("at most {}", "最多 {}", s.items.len() - 1));
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
            self.err(
                "scales",
                pick(
                    "the instrument has no scales",
                    "量表没有任何分量表（scales）",
                ),
            )
            .expected = Some(pick("at least one scale", "至少一个分量表").into());
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
                        tr!(
                            "critical item `{id}` can never be asked: no answers meet its asked_if",
                            "关键题目 `{id}` 永远不会被问到：没有答案能满足它的 asked_if"
                        ),
                    )
                    .expected = Some(
                        pick(
                            "an asked_if some answers meet, or none",
                            "某些答案能满足的 asked_if，或不写 asked_if",
                        )
                        .into(),
                    );
                }
                Some(&i) => critical.push(i),
                None => {
                    self.err(
                        &format!("critical_items[{k}]"),
                        tr!(
                            "critical item `{id}` is not defined",
                            "关键题目 `{id}` 没有定义"
                        ),
                    );
                }
            }
        }

        let tests = self.tests(&raw, &items, &sets, &scales);
        let change = self.change(raw.change.as_ref(), &scales);
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
            change,
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
                    tr!(
                        "scale `{}`: band bounds have more decimals than the scale's {decimals}",
                        "分量表 `{}`：分级界值的小数位多于分量表的 {decimals} 位",
                        s.id
                    ),
                );
                continue;
            };
            if min > max {
                self.err(
                    &format!("{bpath}.min"),
                    tr!(
                        "scale `{}`: band `{}` has min {} above max {}",
                        "分量表 `{}`：分级 `{}` 的 min {} 大于 max {}",
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
                    tr!(
                        "band label `{}` is not valid",
                        "分级标签 `{}` 无效",
                        b.label
                    ),
                )
                .expected = Some(
                    pick(
                        "lowercase letters, digits and _, not `incomplete` (reserved)",
                        "小写字母、数字和 _，不能是 `incomplete`（保留字）",
                    )
                    .into(),
                );
            }
            if !labels.insert(b.label.clone()) {
                self.err(
                    &format!("{bpath}.label"),
                    tr!(
                        "scale `{}` has two bands labelled `{}`",
                        "分量表 `{}` 有两个标签为 `{}` 的分级",
                        s.id,
                        b.label
                    ),
                );
            }
            if bilingual && b.zh.is_none() {
                self.err(
                    &bpath,
                    tr!(
                        "band `{}` has no Chinese label, but the file is bilingual",
                        "分级 `{}` 没有中文标签，但此文件是双语的",
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
                        tr!(
                            "scale `{}`: no band holds {} (bands must be contiguous)",
                            "分量表 `{}`：没有分级包含 {}（分级必须连续）",
                            s.id,
                            show(want)
                        ),
                    )
                    .expected = Some(tr!(
                        "min: {} (the band before ends at max: {})",
                        "min: {}（前一个分级止于 max: {}）",
                        show(want),
                        show(prev.max)
                    ));
                } else if min < want {
                    self.err(
                        &format!("{bpath}.min"),
                        tr!(
                            "scale `{}`: bands `{}` and `{}` overlap",
                            "分量表 `{}`：分级 `{}` 与 `{}` 重叠",
                            s.id,
                            prev.label,
                            b.label
                        ),
                    )
                    .expected = Some(tr!(
                        "min: {} (the band before ends at max: {})",
                        "min: {}（前一个分级止于 max: {}）",
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
                    self.err(&format!("{path}.bands[0].min"), tr!("scale `{}`: the bands start at {}, but the lowest possible total is {}", "分量表 `{}`：分级从 {} 开始，但最低可能总分是 {}", s.id, show(first.min), show(range.0)))
                        .expected = Some(format!("min: {}", show(range.0)));
                }
                if last.max != range.1 {
                    let k = bands.len() - 1;
                    self.err(
                        &format!("{path}.bands[{k}].max"),
                        tr!(
                            "scale `{}`: the bands end at {}, but the highest possible total is {}",
                            "分量表 `{}`：分级止于 {}，但最高可能总分是 {}",
                            s.id,
                            show(last.max),
                            show(range.1)
                        ),
                    )
                    .expected = Some(format!("max: {}", show(range.1)));
                }
            }
            _ => {
                self.err(&format!("{path}.bands"), tr!("scale `{}` has no bands", "分量表 `{}` 没有分级", s.id))
                    .expected = Some(pick("at least one band covering the whole range (e.g. `{min: 0, max: 16, label: unbanded}`)", "至少一个覆盖全部范围的分级（如 `{min: 0, max: 16, label: unbanded}`）").into());
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
                        tr!(
                            "test answers item `{id}`, which is not defined",
                            "测试回答的题目 `{id}` 没有定义"
                        ),
                    );
                    continue;
                };
                if let Some(v) = v {
                    if let Some(set) = sets.get(items[i].set) {
                        if !set.contains(*v) {
                            self.err(
                                &apath,
                                tr!(
                                    "test answers {v} for `{id}`, not a value of response set `{}`",
                                    "测试为 `{id}` 回答 {v}，不是选项集 `{}` 中的数值",
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
                        tr!(
                            "test expects scale `{sid}`, which is not defined",
                            "测试期望的分量表 `{sid}` 没有定义"
                        ),
                    );
                    continue;
                };
                let scale = &scales[si];
                if let Some(b) = &e.band {
                    if b != "incomplete" && !scale.bands.iter().any(|x| &x.label == b) {
                        self.err(
                            &format!("{epath}.band"),
                            tr!(
                                "test expects band `{b}`, which scale `{sid}` does not have",
                                "测试期望的分级 `{b}` 在分量表 `{sid}` 中没有"
                            ),
                        );
                    }
                }
                let total = match e.total {
                    Some(x) => match to_units(x, scale.decimals) {
                        Some(u) => Some(Some(u)),
                        None => {
                            self.err(
                                &format!("{epath}.total"),
                                pick(
                                    "expected total has more decimals than the scale",
                                    "期望总分的小数位多于分量表",
                                ),
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
    /// `builtin_names` reads the ids alone: the same names as loading
    /// every built-in gives.
    #[test]
    fn builtin_names_are_the_loaded_builtins_ids() {
        let loaded: super::HashSet<String> = super::builtin_ids()
            .into_iter()
            .map(|id| super::builtin_with(id, false).unwrap().unwrap())
            .flat_map(|inst| {
                let items = inst.items.into_iter().map(|i| i.id);
                items
                    .chain(inst.scales.into_iter().map(|s| s.id))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(loaded.len() > 100, "{}", loaded.len());
        assert_eq!(super::builtin_names(), loaded);
    }

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
