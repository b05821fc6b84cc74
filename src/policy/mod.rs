//! Referral policy: ordered levels, rules with reasons, and the missing-data
//! rule that makes a person look no safer than the data allow. The model and
//! evaluation are pure; loading goes through the one YAML module.

mod change;
mod compiled;
mod crisis;
mod describe;
pub use change::{is_change_variable, Resolved, VarRules};
pub use crisis::CrisisMessage;
pub use describe::describe;

use std::collections::{HashMap, HashSet};
use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::condition::{Cond, Domain, RawCond, Tri};
use crate::diag::Reported;
use crate::diag::{self, Diagnostic};
use crate::instrument::{Lang, Text};
use crate::messages::{pick, tr};
use crate::score::{Answer, Battery, Ref, ScaleResult};
use crate::yaml;

pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.yaml");

/// A level: an index into the policy's ordered `levels` (0 = lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Level(pub u8);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    name: Option<Text>,
    #[serde(default)]
    description: Option<Text>,
    #[serde(default)]
    sources: Vec<String>,
    levels: Vec<String>,
    #[serde(default)]
    labels: IndexMap<String, IndexMap<String, String>>,
    missing_critical: String,
    rules: Vec<RawRule>,
    #[serde(default)]
    crisis_message: Option<crisis::RawCrisis>,
    #[serde(default)]
    crisis_regions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    level: String,
    when: RawCond,
    #[serde(default)]
    reason: Option<Reason>,
    #[serde(default)]
    if_missing: Option<String>,
}

/// A reason: a plain string or `{en, zh}`.
#[derive(Debug, Clone)]
struct Reason(Text);

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Reason;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a reason: a string or {en: ..., zh: ...}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Reason, E> {
                Ok(Reason(Text {
                    en: Some(v.to_string()),
                    zh: None,
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Reason, A::Error> {
                Text::deserialize(de::value::MapAccessDeserializer::new(map)).map(Reason)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone)]
pub struct LevelDef {
    pub id: String,
    pub label: Text,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub level: Level,
    pub when: RawCond,
    pub reason: Text,
    pub if_missing: Option<Level>,
    /// YAML path, for locating binding errors.
    path: String,
}

/// A checked policy, not yet bound to the instruments of a run.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub version: Option<String>,
    pub name: Option<Text>,
    pub description: Option<Text>,
    /// The published sources of the rules' cut-offs, as `policy show` cites them.
    pub sources: Vec<String>,
    pub levels: Vec<LevelDef>,
    pub missing_critical: Level,
    pub rules: Vec<Rule>,
    /// The crisis texts, per audience: read them with
    /// [`Policy::crisis_respondent`] and [`Policy::crisis_staff`].
    pub crisis_message: CrisisMessage,
    pub crisis_regions: Vec<String>,
    /// Allowed but unsafe settings (failing toward safety switched off),
    /// printed on stderr every time the policy is loaded from a file.
    pub warnings: Vec<Diagnostic>,
    /// Crisis texts missing for an audience or a language the policy uses
    /// (the built-in text stands in): warnings on every load, errors in
    /// `policy validate`.
    pub crisis_gaps: Vec<Diagnostic>,
    /// File name and text, to render binding errors.
    file: String,
    source: String,
    index_spans: yaml::Index,
}

impl Policy {
    pub fn level(&self, id: &str) -> Option<Level> {
        self.levels
            .iter()
            .position(|l| l.id == id)
            .and_then(|p| u8::try_from(p).ok())
            .map(Level)
    }

    /// The highest level: the crisis level when there is more than one.
    pub fn top(&self) -> Level {
        Level(u8::try_from(self.levels.len().saturating_sub(1)).unwrap_or(u8::MAX))
    }

    pub fn level_id(&self, l: Level) -> &str {
        &self.levels[usize::from(l.0)].id
    }

    pub fn level_label(&self, l: Level, lang: Lang) -> &str {
        self.levels[usize::from(l.0)].label.get(lang)
    }

    /// The crisis text for the person answering, in `lang`: the policy's,
    /// else a built-in supportive one. Never the staff protocol.
    pub fn crisis_respondent(&self, lang: Lang) -> &str {
        self.crisis_message.respondent(lang)
    }

    /// The crisis protocol for staff, in `lang` (else the policy's other
    /// language, else a built-in one): for the results of a session, the
    /// notice of a batch run and the report.
    pub fn crisis_staff(&self, lang: Lang) -> &str {
        self.crisis_message.staff(lang)
    }

    pub fn level_ids(&self) -> Vec<&str> {
        self.levels.iter().map(|l| l.id.as_str()).collect()
    }

    /// Resolve `--min-level` / `--fail-on`: a level's id, or its label in
    /// either language (a counselor writes `转介` or `Refer` as the output
    /// shows it); unknown names list the levels.
    pub fn parse_level(&self, id: &str) -> anyhow::Result<Level> {
        let by_label = || {
            let name = id.trim();
            let named = |l: &LevelDef| {
                [Lang::En, Lang::Zh]
                    .into_iter()
                    .any(|lang| l.label.get(lang).trim().eq_ignore_ascii_case(name))
            };
            let p = self.levels.iter().position(named)?;
            u8::try_from(p).ok().map(Level)
        };
        self.level(id).or_else(by_label).ok_or_else(|| {
            anyhow::anyhow!(tr!(
                "unknown level `{id}` for policy `{}`: expected one of {}",
                "策略 `{}` 中没有级别 `{id}`：应为以下之一：{}",
                self.id,
                self.level_ids().join(", ")
            ))
        })
    }
}

/// Load the built-in default policy.
pub fn default_policy() -> anyhow::Result<Policy> {
    load_str("policies/default.yaml", DEFAULT_POLICY)
        .map_err(|d| Reported(diag::render_all(&d, DEFAULT_POLICY)).into())
}

/// Load a policy file from disk, or the default when `path` is None.
pub fn load(path: Option<&std::path::Path>) -> anyhow::Result<Policy> {
    match path {
        Some(path) => load_file(path, false),
        None => default_policy(),
    }
}

/// Load a policy file for `policy validate`: a crisis text missing for an
/// audience or a language is an error, not a warning.
pub fn load_strict(path: &std::path::Path) -> anyhow::Result<Policy> {
    load_file(path, true)
}

fn load_file(path: &std::path::Path, strict: bool) -> anyhow::Result<Policy> {
    let text = yaml::read_config(path, crate::messages::pick("policy file", "策略文件"))?;
    let name = path.display().to_string();
    let policy = load_str(&name, &text).map_err(|d| Reported(diag::render_all(&d, &text)))?;
    if strict && !policy.crisis_gaps.is_empty() {
        return Err(Reported(diag::render_all(&policy.crisis_gaps, &text)).into());
    }
    for w in policy.warnings.iter().chain(&policy.crisis_gaps) {
        eprintln!("{}", w.render_warning(&text));
    }
    Ok(policy)
}

/// The separator of `risk_reasons` in CSV: no reason may contain it, or
/// a script splitting the column would see reasons that do not exist.
pub const REASON_SEPARATOR: &str = "; ";

/// How `Bound::reasons` begins a value that kept a rule from being decided,
/// per language.
const CANNOT_RULE_OUT: [&str; 2] = ["cannot rule out: ", "无法排除："];

/// Whether `reasons` (a `risk_reasons` cell, in either language, as
/// `Bound::reasons` writes it) hold a value that could not be decided: the
/// row's level rests on it.
pub fn rests_on_unknown(reasons: &str) -> bool {
    reasons
        .split(REASON_SEPARATOR)
        .map(str::trim_start)
        .any(|r| CANNOT_RULE_OUT.iter().any(|p| r.starts_with(p)))
}

pub fn load_str(file: &str, source: &str) -> Result<Policy, Vec<Diagnostic>> {
    let (raw, idx) = yaml::parse::<RawPolicy>(file, source)?;
    let mut errs = Vec::new();
    let mut err = |path: &str, msg: String, expected: Option<String>| {
        let mut d = Diagnostic::new(file, path, msg).at(idx.span(path));
        d.expected = expected;
        errs.push(d);
    };
    let mut seen = HashSet::new();
    for (k, l) in raw.levels.iter().enumerate() {
        if !seen.insert(l.as_str()) {
            err(
                &format!("levels[{k}]"),
                tr!("level `{l}` is listed twice", "级别 `{l}` 列出了两次"),
                Some(pick("each level once, lowest first", "每个级别一次，从低到高").into()),
            );
        }
    }
    if raw.levels.is_empty() || raw.levels.len() > 32 {
        err(
            "levels",
            pick(
                "a policy needs between 1 and 32 levels, lowest first",
                "策略需要 1 到 32 个级别，从低到高",
            )
            .into(),
            None,
        );
    }
    let known = raw.levels.join(", ");
    let find = |id: &str| {
        raw.levels
            .iter()
            .position(|l| l == id)
            .and_then(|p| u8::try_from(p).ok())
            .map(Level)
    };
    for (lang, map) in &raw.labels {
        if lang != "en" && lang != "zh" {
            err(
                &format!("labels.{lang}"),
                tr!(
                    "unknown language `{lang}` in labels",
                    "labels 中有未知语言 `{lang}`"
                ),
                Some(pick("en or zh", "en 或 zh").into()),
            );
        }
        for id in map.keys() {
            if find(id).is_none() {
                err(
                    &format!("labels.{lang}.{id}"),
                    tr!("label for unknown level `{id}`", "给未知级别 `{id}` 的标签"),
                    Some(tr!("one of {known}", "以下之一：{known}")),
                );
            }
        }
    }
    let missing_critical = find(&raw.missing_critical).unwrap_or_else(|| {
        err(
            "missing_critical",
            tr!("unknown level `{}`", "未知级别 `{}`", raw.missing_critical),
            Some(tr!("one of {known}", "以下之一：{known}")),
        );
        Level(0)
    });
    let mut rules = Vec::new();
    for (k, r) in raw.rules.iter().enumerate() {
        let path = format!("rules[{k}]");
        let level = find(&r.level).unwrap_or_else(|| {
            err(
                &format!("{path}.level"),
                tr!(
                    "rule uses unknown level `{}`",
                    "规则使用了未知级别 `{}`",
                    r.level
                ),
                Some(tr!("one of {known}", "以下之一：{known}")),
            );
            Level(0)
        });
        let if_missing = r.if_missing.as_ref().map(|m| {
            find(m).unwrap_or_else(|| {
                err(
                    &format!("{path}.if_missing"),
                    tr!("rule uses unknown level `{m}`", "规则使用了未知级别 `{m}`"),
                    Some(tr!("one of {known}", "以下之一：{known}")),
                );
                Level(0)
            })
        });
        // syntax now; names are checked when bound to instruments
        check_syntax(&r.when, &format!("{path}.when"), &mut err);
        if let Some(Reason(text)) = &r.reason {
            for (lang, language, t) in [
                ("en", pick("English", "英文"), &text.en),
                ("zh", pick("Chinese", "中文"), &text.zh),
            ] {
                if t.as_deref().is_some_and(|t| t.contains(REASON_SEPARATOR)) {
                    err(
                        &format!("{path}.reason.{lang}"),
                        tr!("the {language} reason contains `{REASON_SEPARATOR}`, which separates reasons in the risk_reasons column: a script splitting it would see two reasons", "{language}原因中含有 `{REASON_SEPARATOR}`，它在 risk_reasons 列中用来分隔原因：按它拆分的脚本会看到两个原因"),
                        Some(pick("another mark, e.g. `,` or ` - `", "别的符号，如 `,` 或 ` - `").into()),
                    );
                }
            }
        }
        let reason = r.reason.clone().map_or_else(
            || Text {
                en: Some(when_text(&r.when)),
                zh: None,
            },
            |Reason(t)| t,
        );
        rules.push(Rule {
            level,
            when: r.when.clone(),
            reason,
            if_missing,
            path,
        });
    }
    for (k, region) in raw.crisis_regions.iter().enumerate() {
        if !crate::hotlines::is_known_region(region) {
            err(
                &format!("crisis_regions[{k}]"),
                tr!(
                    "unknown crisis region `{region}`: no crisis line is listed for it",
                    "未知的危机热线地区 `{region}`：没有为它列出危机热线"
                ),
                Some(tr!(
                    "one of {}",
                    "以下之一：{}",
                    crate::hotlines::known_regions().join(", ")
                )),
            );
        }
    }
    let mut used = crisis::Languages::default();
    for t in [&raw.name, &raw.description].into_iter().flatten() {
        used.note(t);
    }
    for lang in raw.labels.keys() {
        used.note_lang(lang);
    }
    for Reason(t) in raw.rules.iter().filter_map(|r| r.reason.as_ref()) {
        used.note(t);
    }
    let (crisis_message, crisis_gaps) =
        match crisis::read(raw.crisis_message.as_ref(), used, file, &idx) {
            Ok(read) => read,
            Err(d) => {
                errs.push(d);
                Default::default()
            }
        };
    // only when the levels and rules are otherwise right
    if errs.is_empty() && !rules.iter().any(|r| r.level == top_of(&raw.levels)) {
        let k = raw.levels.len().saturating_sub(1);
        let top = &raw.levels[k];
        let path = format!("levels[{k}]");
        errs.push(
            Diagnostic::new(file, &path, tr!("no rule gives the top level `{top}`: no one could ever be flagged at it, and the crisis screen would never show", "没有规则给出最高级别 `{top}`：永远不会有人被标记到这一级，危机提示界面也永远不会出现"))
                .at(idx.span(&path))
                .expected(tr!("a rule with `level: {top}`", "一条 `level: {top}` 的规则")),
        );
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let lowest = &raw.levels[0];
    let mut warnings = Vec::new();
    let mut warn = |path: &str, msg: String| {
        warnings.push(Diagnostic::new(file, path, msg).at(idx.span(path)));
    };
    if missing_critical == Level(0) {
        warn(
            "missing_critical",
            tr!("`missing_critical: {lowest}` switches off failing toward safety: a person whose critical item is missing gets no flag for it", "`missing_critical: {lowest}` 关闭了“宁可从严”：关键题目缺失的人不会因此被标记"),
        );
    }
    for (k, r) in rules.iter().enumerate() {
        if r.if_missing == Some(Level(0)) {
            warn(
                &format!("rules[{k}].if_missing"),
                tr!("`if_missing: {lowest}` switches off failing toward safety: when this rule's data are missing, the person gets no flag for it", "`if_missing: {lowest}` 关闭了“宁可从严”：这条规则所需的数据缺失时，此人不会因此被标记"),
            );
        }
    }
    let levels = raw
        .levels
        .iter()
        .map(|id| LevelDef {
            id: id.clone(),
            label: Text {
                en: raw
                    .labels
                    .get("en")
                    .and_then(|m| m.get(id))
                    .cloned()
                    .or_else(|| Some(id.clone())),
                zh: raw.labels.get("zh").and_then(|m| m.get(id)).cloned(),
            },
        })
        .collect();
    Ok(Policy {
        id: raw.id,
        version: raw.version,
        name: raw.name,
        description: raw.description,
        sources: raw.sources,
        levels,
        missing_critical,
        rules,
        crisis_message,
        crisis_regions: raw.crisis_regions,
        warnings,
        crisis_gaps,
        file: file.to_string(),
        source: source.to_string(),
        index_spans: idx,
    })
}

fn top_of(levels: &[String]) -> Level {
    Level(u8::try_from(levels.len().saturating_sub(1)).unwrap_or(u8::MAX))
}

fn check_syntax(c: &RawCond, path: &str, err: &mut impl FnMut(&str, String, Option<String>)) {
    if let Err(errors) = c.bind(path, &mut |_| Ok(())) {
        for (p, m) in errors {
            err(&p, m, None);
        }
    }
}

fn when_text(c: &RawCond) -> String {
    match c.bind("", &mut |_| Ok(())) {
        Ok(b) => b.to_string(),
        Err(_) => String::new(),
    }
}

// ------------------------------------------------------------ bound to a run

#[derive(Debug)]
pub struct BoundRule {
    pub level: Level,
    pub when: Cond<Ref>,
    pub reason: Text,
    pub if_missing: Level,
}

/// A policy bound to the instruments of one run.
#[derive(Debug)]
pub struct Bound {
    pub rules: Vec<BoundRule>,
    /// (global item index, item id) of every critical item.
    pub critical: Vec<(usize, String)>,
    pub missing_critical: Level,
    /// How many rules were skipped because their instruments are not in the run.
    pub skipped: usize,
    /// How many rules are on change between waves (used by `psyscreen
    /// change`, skipped per row); not counted in `skipped`.
    pub change_rules: usize,
    /// Every item and scale id of the run as people name it (`PHQ-9 item 9`),
    /// for the reasons.
    pub names: HashMap<String, Text>,
    /// `rules`' conditions flattened, for the per-row evaluation.
    flat: Vec<compiled::Rule>,
}

/// Names every known instrument defines: the run's and the built-ins'.
pub trait NameCatalog {
    /// Is `name` an item or scale id of some instrument known to psyscreen?
    fn is_known(&self, name: &str) -> bool;
}

impl NameCatalog for HashSet<String> {
    fn is_known(&self, name: &str) -> bool {
        self.contains(name)
    }
}

impl NameCatalog for crate::instrument::BuiltinNames {
    fn is_known(&self, name: &str) -> bool {
        self.contains(name)
    }
}

impl Policy {
    /// Bind rules to the run. A name of an instrument outside the run is
    /// absent (its comparison is false; a rule with only such names is
    /// skipped); a name no known instrument has is an error.
    pub fn bind(&self, battery: &Battery, catalog: &dyn NameCatalog) -> anyhow::Result<Bound> {
        let mut errs = Vec::new();
        let mut rules = Vec::new();
        let mut skipped = 0;
        let mut change_rules = 0;
        for r in &self.rules {
            let path = format!("{}.when", r.path);
            let mut on_change = false;
            let bound = r.when.bind(&path, &mut |name: &str| match battery.lookup(name) {
                Some(x) => Ok(x),
                None if catalog.is_known(name) => Ok(Ref::Absent),
                // a change variable: decided by `psyscreen change`, not per row
                None if is_change_variable(name, battery, catalog) => {
                    on_change = true;
                    match change::without_critical_items(name, battery) {
                        Some(inst) => Err(crate::change::vars::no_critical_items(name, inst)),
                        None => Ok(Ref::Absent),
                    }
                }
                None => Err(tr!("rule names `{name}`, which is no item or scale of any known instrument (is it a typo?)", "规则引用的 `{name}` 不是任何已知量表的题目或分量表（是否拼错了？）")),
            });
            match bound {
                // `change` refuses such a rule: so does every command
                Ok(when) if on_change && when.targets().iter().any(|t| **t != Ref::Absent) => {
                    errs.push(self.mixed_rule(&path));
                }
                Ok(when) => {
                    if when.targets().iter().all(|t| **t == Ref::Absent) {
                        if on_change {
                            change_rules += 1;
                        } else {
                            skipped += 1;
                        }
                        continue;
                    }
                    let mut parts = Vec::new();
                    when.comparisons(&path, &mut parts);
                    let dom = |r: &Ref| domain(battery, *r);
                    let given =
                        |r: &Ref, narrowed: &[(&Ref, Domain)]| domain_given(battery, *r, narrowed);
                    for (p, part) in parts {
                        if let Some(m) = part.never(&dom) {
                            errs.push(
                                Diagnostic::new(&self.file, &p, m)
                                    .at(self.index_spans.span(&p))
                                    .expected(pick(
                                        "a threshold some answers reach",
                                        "某些答案能达到的界值",
                                    )),
                            );
                        }
                    }
                    let mut impossible = Vec::new();
                    when.impossible_alls(&path, &dom, &given, &mut impossible);
                    for (p, m) in impossible {
                        errs.push(
                            Diagnostic::new(&self.file, &p, m)
                                .at(self.index_spans.span(&p))
                                .expected(pick(
                                    "conditions some answers meet together",
                                    "某些答案能同时满足的条件",
                                )),
                        );
                    }
                    rules.push(BoundRule {
                        level: r.level,
                        when,
                        reason: r.reason.clone(),
                        if_missing: r.if_missing.unwrap_or(self.missing_critical),
                    });
                }
                Err(e) => {
                    for (p, m) in e {
                        errs.push(Diagnostic::new(&self.file, &p, m).at(self.index_spans.span(&p)));
                    }
                }
            }
        }
        if let Some(d) = self.top_unreachable(battery, &rules) {
            errs.push(d);
        }
        if !errs.is_empty() {
            return Err(Reported(diag::render_all(&errs, &self.source)).into());
        }
        let critical = battery
            .critical_items()
            .into_iter()
            .map(|i| (i, battery.item_id(i).to_string()))
            .collect();
        let name = |inst: &crate::instrument::Instrument, id: &str| Text {
            en: inst.name_of(id, Lang::En),
            zh: inst.name_of(id, Lang::Zh),
        };
        let names = battery
            .items()
            .map(|(_, inst, item)| (item.id.clone(), name(inst, &item.id)))
            .chain(
                battery
                    .scales()
                    .map(|(_, inst, scale)| (scale.id.clone(), name(inst, &scale.id))),
            )
            .collect();
        let flat = rules
            .iter()
            .map(|r| compiled::Rule::new(&r.when, battery))
            .collect();
        Ok(Bound {
            flat,
            rules,
            critical,
            missing_critical: self.missing_critical,
            skipped,
            change_rules,
            names,
        })
    }
}

impl Policy {
    /// When every rule of the top level bound to this run, each naming only
    /// instruments of the run, can never be true: no one could be flagged
    /// at it and the crisis screen would never show.
    fn top_unreachable(&self, battery: &Battery, rules: &[BoundRule]) -> Option<Diagnostic> {
        let top: Vec<&BoundRule> = rules.iter().filter(|r| r.level == self.top()).collect();
        let whole_run = |r: &&BoundRule| r.when.targets().iter().all(|t| **t != Ref::Absent);
        if top.is_empty() || !top.iter().all(whole_run) {
            return None;
        }
        let dom = |r: &Ref| domain(battery, *r);
        let given = |r: &Ref, narrowed: &[(&Ref, Domain)]| domain_given(battery, *r, narrowed);
        if top.iter().any(|r| r.when.can_hold_given(&dom, &given)) {
            return None;
        }
        let id = self.level_id(self.top());
        let path = format!("levels[{}]", self.top().0);
        Some(
            Diagnostic::new(&self.file, &path, tr!("no rule for the top level `{id}` can ever be true: no one could ever be flagged at it, and the crisis screen would never show", "最高级别 `{id}` 的规则没有一条可能成立：永远不会有人被标记到这一级，危机提示界面也永远不会出现"))
                .at(self.index_spans.span(&path))
                .expected(tr!("a rule with `level: {id}` that some answers meet", "一条某些答案能满足的 `level: {id}` 规则")),
        )
    }
}

/// What a scale's total can be when some of the run's items are narrowed
/// (the comparisons of one `all` on them hold); otherwise [`domain`].
fn domain_given(battery: &Battery, r: Ref, narrowed: &[(&Ref, Domain)]) -> Option<Domain> {
    let Ref::Scale(s) = r else {
        return domain(battery, r);
    };
    let (_, inst, scale) = battery.scales().nth(s)?;
    // global index of the instrument's first item
    let first = battery
        .items()
        .find(|(_, i, _)| std::ptr::eq(*i, inst))
        .map(|(g, _, _)| g)?;
    let known = |i: usize| {
        narrowed
            .iter()
            .find_map(|(n, d)| (**n == Ref::Item(first + i)).then_some((d.min, d.max)))
    };
    let (lo, hi) = crate::instrument::scoring::total_range_given(inst, scale, &known)?;
    Some(Domain::totals(lo, hi, scale.decimals, scale.multiplier))
}

/// What a rule's name can hold in this run: an item's raw answers or a
/// scale's totals; nothing for an instrument outside the run.
fn domain(battery: &Battery, r: Ref) -> Option<Domain> {
    match r {
        Ref::Item(g) => battery
            .items()
            .nth(g)
            .map(|(_, inst, item)| inst.response_sets[item.set].domain()),
        Ref::Scale(s) => battery.scales().nth(s).map(|(_, _, scale)| scale.domain()),
        Ref::Absent => None,
    }
}

/// The outcome of the policy for one person. Reused across rows.
#[derive(Debug, Default)]
pub struct Outcome<'p> {
    pub level: Level,
    /// Indexes of the rules that fired, in rule order.
    pub fired: Vec<usize>,
    /// Values that kept a rule or a critical item from being decided, with
    /// the level they raise the person to (one entry per name).
    pub cannot_rule_out: Vec<(&'p str, Level)>,
    scratch: Vec<&'p str>,
}

impl<'p> Outcome<'p> {
    fn note_missing(&mut self, name: &'p str, level: Level) {
        if let Some(e) = self.cannot_rule_out.iter_mut().find(|(n, _)| *n == name) {
            e.1 = e.1.max(level);
        } else {
            self.cannot_rule_out.push((name, level));
        }
    }
}

impl Bound {
    /// Evaluate every rule. The highest level wins; a rule that cannot be
    /// decided raises the person to at least its `if_missing` level.
    pub fn evaluate<'p>(
        &'p self,
        battery: &Battery,
        answers: &[Answer],
        results: &[ScaleResult],
        out: &mut Outcome<'p>,
    ) {
        out.level = Level(0);
        out.fired.clear();
        out.cannot_rule_out.clear();
        for (k, (rule, flat)) in self.rules.iter().zip(&self.flat).enumerate() {
            match flat.eval(answers, results) {
                Tri::True => {
                    out.fired.push(k);
                    out.level = out.level.max(rule.level);
                }
                Tri::Unknown if rule.if_missing > Level(0) => {
                    // the names that kept it undecided, as the tree's walk
                    // meets them (a row with missing data: the rarer case)
                    let mut scratch = std::mem::take(&mut out.scratch);
                    scratch.clear();
                    let t = rule
                        .when
                        .eval(&|r: &Ref| battery.value(*r, answers, results), &mut scratch);
                    debug_assert_eq!(t, Tri::Unknown);
                    for name in scratch.drain(..) {
                        out.note_missing(name, rule.if_missing);
                    }
                    out.level = out.level.max(rule.if_missing);
                    out.scratch = scratch;
                }
                Tri::Unknown | Tri::False => {}
            }
        }
        if self.missing_critical > Level(0) {
            for (i, name) in &self.critical {
                if matches!(answers[*i], Answer::Missing | Answer::Invalid) {
                    out.note_missing(name, self.missing_critical);
                    out.level = out.level.max(self.missing_critical);
                }
            }
        }
    }

    /// Reasons, `; `-joined, into `buf` (cleared first).
    pub fn reasons(&self, out: &Outcome<'_>, lang: Lang, buf: &mut String) {
        buf.clear();
        for &k in &out.fired {
            if !buf.is_empty() {
                buf.push_str(REASON_SEPARATOR);
            }
            buf.push_str(self.rules[k].reason.get(lang));
        }
        for (id, _) in &out.cannot_rule_out {
            if !buf.is_empty() {
                buf.push_str(REASON_SEPARATOR);
            }
            let name = self.names.get(*id).map_or(*id, |n| n.get(lang));
            match lang {
                Lang::En => {
                    buf.push_str(CANNOT_RULE_OUT[0]);
                    buf.push_str(name);
                    buf.push_str(" missing");
                }
                Lang::Zh => {
                    buf.push_str(CANNOT_RULE_OUT[1]);
                    buf.push_str(name);
                    // no space between Chinese words (`第9题缺失`); one
                    // after Latin letters or digits (`PHQ-9 cesd_x 缺失`)
                    if name.ends_with(|c: char| c.is_ascii_alphanumeric()) {
                        buf.push(' ');
                    }
                    buf.push_str("缺失");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
