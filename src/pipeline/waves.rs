//! `change`: each scored row of a wave as the linker keeps it (id, totals,
//! bands, prorated marks, level, reasons, critical answers, `--by` cells),
//! the same for raw answers (scored here exactly as `score` scores them)
//! and for a file `score` wrote.

use crate::change::link::{Person, WaveRow};
use crate::change::person::{self, Judged, Resolve};
use crate::change::vars::{ScaleVar, Var};
use crate::change::{Params, Total};
use crate::condition::Domain;
use crate::instrument::{self, Lang};
use crate::io::cells::AnswerReader;
use crate::policy::{Level, Policy, Resolved, VarRules, REASON_SEPARATOR};
use crate::score::{Answer, Battery};
use crate::summary::ScaleInfo;

use super::write::unguarded;
use super::{Row, Scores, Setup};

/// What one wave's rows are read with.
pub struct WaveReader {
    /// Per scale of the run: its decimals.
    decimals: Vec<u8>,
    /// Per critical item of the run: its global item index and lowest answer.
    critical: Vec<(usize, i32)>,
    id_col: usize,
    by_cols: Vec<usize>,
    lang: Lang,
    /// A scored file: per scale of the run, its index among the file's
    /// scales, its `_prorated` column, and per critical item a kept column.
    scored: Option<ScoredMap>,
}

struct ScoredMap {
    facts: Vec<Option<usize>>,
    prorated: Vec<Option<usize>>,
    critical: Vec<Option<usize>>,
    /// Reads a kept critical cell as `score` reads an answer (a number or
    /// an option's label, in either language): `score --keep` keeps the
    /// cell as it was written, and survey exports write labels.
    answers: AnswerReader,
}

impl WaveReader {
    /// `headers` and `scales` (`Rows::scales`) of the wave; `setup` says
    /// whether it holds raw answers (with a battery) or scored rows.
    pub fn new(
        battery: &Battery,
        setup: &Setup,
        (headers, scales): (&[String], &[ScaleInfo]),
        (id_col, by_cols): (usize, Vec<usize>),
        (lang, one_based): (Lang, bool),
    ) -> WaveReader {
        let critical: Vec<(usize, i32)> = battery
            .critical_items()
            .into_iter()
            .map(|g| {
                let min = battery
                    .items()
                    .nth(g)
                    .map_or(0, |(_, inst, item)| inst.response_sets[item.set].min);
                (g, min)
            })
            .collect();
        let find = |name: &str| headers.iter().position(|h| h == name);
        let scored = setup.battery().is_none().then(|| ScoredMap {
            facts: battery
                .scales()
                .map(|(_, _, s)| scales.iter().position(|i| i.id == s.id))
                .collect(),
            prorated: battery
                .scales()
                .map(|(_, _, s)| find(&format!("{}_prorated", s.id)))
                .collect(),
            critical: critical
                .iter()
                .map(|&(g, _)| find(battery.item_id(g)))
                .collect(),
            answers: AnswerReader::new(battery, &[], one_based),
        });
        WaveReader {
            decimals: battery.scales().map(|(_, _, s)| s.decimals).collect(),
            critical,
            id_col,
            by_cols,
            lang,
            scored,
        }
    }

    /// A scored wave's critical items that have no column in it (`score`
    /// writes them only with `--keep`): their answers there are unknown.
    pub fn unkept_critical<'b>(&self, battery: &'b Battery) -> Vec<&'b str> {
        let Some(map) = &self.scored else {
            return Vec::new();
        };
        self.critical
            .iter()
            .zip(&map.critical)
            .filter(|(_, col)| col.is_none())
            .map(|(&(g, _), _)| battery.item_id(g))
            .collect()
    }

    /// The row's id (trimmed) and what the linker keeps of it.
    pub fn read(&self, setup: &Setup, row: &Row<'_>) -> (String, WaveRow) {
        let cell = |c: usize| String::from_utf8_lossy(row.record.get(c).unwrap_or_default());
        let mut out = WaveRow {
            row: row.number,
            level: usize::from(row.level.0),
            key: self
                .by_cols
                .iter()
                .map(|&c| cell(c).trim().to_string())
                .collect(),
            ..WaveRow::default()
        };
        match (&row.scores, &self.scored) {
            (
                Scores::Answers {
                    answers,
                    results,
                    outcome,
                    ..
                },
                _,
            ) => {
                for r in *results {
                    out.totals.push(r.total.map(|units| Total {
                        units,
                        prorated: r.prorated,
                    }));
                }
                out.critical = self
                    .critical
                    .iter()
                    .map(|&(g, min)| match answers.get(g) {
                        Some(Answer::Value(v)) => Some(*v > min),
                        Some(Answer::NotAsked) => Some(false),
                        _ => None,
                    })
                    .collect();
                if let Some((_, bound)) = &setup.scoring {
                    bound.reasons(outcome, self.lang, &mut out.reasons);
                }
                // from the outcome itself; a scored wave's from its reasons
                // (`People::add`)
                out.uncertain = !outcome.cannot_rule_out.is_empty();
                if let Some((_, bound)) = &setup.scoring {
                    // the rules that fired hold whatever the missing values are
                    out.floor = (outcome.fired.iter())
                        .filter_map(|&k| bound.rules.get(k))
                        .map(|r| usize::from(r.level.0))
                        .max()
                        .unwrap_or(0);
                }
            }
            (Scores::Scored { facts, reasons }, Some(map)) => {
                for (k, d) in self.decimals.iter().enumerate() {
                    let fact = map.facts[k].and_then(|f| facts.get(f));
                    // not known to be a full total (no `_prorated` column, or
                    // not `false` in it): an estimate, never an improvement
                    let prorated = map.prorated[k].is_none_or(|c| cell(c).trim() != "false");
                    #[allow(clippy::cast_possible_truncation)] // checked totals are small
                    let total = fact.and_then(|f| f.total).map(|x| Total {
                        units: (x * 10f64.powi(i32::from(*d))).round() as i64,
                        prorated,
                    });
                    out.totals.push(total);
                }
                out.critical = (self.critical.iter().zip(&map.critical))
                    .map(|(&(g, min), col)| {
                        // without `score`'s formula guard; blank or not an
                        // answer of the item: not known, never read as no
                        let cell = unguarded(row.record.get((*col)?)?);
                        match map.answers.read(g, cell) {
                            Answer::Value(v) => Some(v > min),
                            _ => None,
                        }
                    })
                    .collect();
                out.reasons = String::from_utf8_lossy(reasons).trim().to_string();
                out.uncertain = crate::policy::rests_on_unknown(&out.reasons);
            }
            (Scores::Scored { .. }, None) => unreachable!("a scored wave has its map"),
        }
        (cell(self.id_col).trim().to_string(), out)
    }
}

/// The policy's rules on change variables, resolved for this run.
pub fn change_rules(
    policy: &Policy,
    battery: &Battery,
    params: &[Params],
) -> anyhow::Result<VarRules<Var>> {
    let scale_ids: Vec<String> = battery.scales().map(|(_, _, s)| s.id.clone()).collect();
    let scales: Vec<(&str, &Params)> = scale_ids.iter().map(String::as_str).zip(params).collect();
    let critical = battery.critical_items();
    let instruments: Vec<(&str, std::ops::Range<usize>)> = battery
        .instruments
        .iter()
        .map(|inst| {
            let mine = |g: &usize| {
                battery
                    .items()
                    .nth(*g)
                    .is_some_and(|(_, i, _)| std::ptr::eq(i, inst))
            };
            let start = critical.iter().position(mine).unwrap_or(critical.len());
            let n = critical.iter().filter(|g| mine(g)).count();
            (inst.id.as_str(), start..start + n)
        })
        .collect();
    let names = instrument::BuiltinNames::default();
    let known = |n: &str| names.contains(n) || instrument::builtin_ids().contains(&n);
    // what each variable can hold: a change spans the scale's range both
    // ways; yes/no variables are 0 or 1; an RC index is not bounded
    let spans: Vec<(i64, u8, i64)> = battery
        .scales()
        .map(|(_, _, s)| (s.range.1 - s.range.0, s.decimals, s.multiplier))
        .collect();
    let domain = |v: &Var| match *v {
        Var::Scale(k, ScaleVar::Change) => spans
            .get(k)
            .map(|&(w, d, step)| Domain::totals(-w, w, d, step)),
        Var::Scale(_, ScaleVar::Rc) | Var::Absent => None,
        Var::Scale(..) | Var::NewCritical(..) | Var::EarlierCritical(..) | Var::Risk(_) => {
            Some(Domain::answers([0, 1]))
        }
    };
    let mut resolve = |name: &str| {
        match person::resolve(name, &scales, &instruments, &known) {
        Resolve::Var(v) => Resolved::Var(v),
        Resolve::Absent => Resolved::Var(Var::Absent),
        Resolve::Error(m) => Resolved::Error(m),
        Resolve::NotChange if battery.lookup(name).is_some() || names.contains(name) => Resolved::Row,
        Resolve::NotChange => Resolved::Error(crate::messages::tr!("rule names `{name}`, which is no item, scale or change variable of any known instrument (is it a typo?)", "规则引用的 `{name}` 不是任何已知量表的题目、分量表或变化变量（是否拼错了？）")),
    }
    };
    policy.bind_vars(&mut resolve, &domain)
}

/// A person's level and reasons in a change run: the policy's change
/// rules, and their latest wave's level and reasons (named by wave): a
/// missing wave never lowers it.
pub fn person_level(
    (policy, rules): (&Policy, &VarRules<Var>),
    (p, j): (&Person, &Judged),
    decimals: &[u8],
    naming: &person::Naming<'_>,
    reasons: &mut String,
) -> Level {
    reasons.clear();
    let get = |v: &Var| person::value(v, p, j, decimals);
    let say = |name: &str| person::unknown_phrase(name, p, j, naming);
    let by_change = policy.evaluate_vars(rules, (&get, &say), naming.lang, reasons);
    if let Some((k, latest)) = p.latest().and_then(|k| p.waves[k].as_ref().map(|r| (k, r))) {
        let label = naming.labels.get(k).map_or("", String::as_str);
        for r in latest
            .reasons
            .split(REASON_SEPARATOR)
            .filter(|r| !r.is_empty())
        {
            if !reasons.is_empty() {
                reasons.push_str(REASON_SEPARATOR);
            }
            reasons.push_str(label);
            reasons.push_str(": ");
            reasons.push_str(r);
        }
    }
    by_change.max(Level(u8::try_from(j.latest_level).unwrap_or(u8::MAX)))
}

/// How `change` reads its waves.
pub struct WaveOptions<'a> {
    pub id_column: Option<&'a str>,
    pub by: &'a [String],
    pub wave_column: Option<&'a str>,
    /// `--waves` fixed the labels: a long file's other values are errors.
    pub fixed: bool,
    pub one_based: bool,
    /// `--codes-as-is`: skip the code-book check of a platform export.
    pub codes_as_is: bool,
    pub lang: Lang,
}

/// Every wave read so far, linked by id.
pub struct Waves<'s> {
    battery: &'s Battery,
    /// Raw answers are scored with this; a file `score` wrote is read with `scored`.
    raw: &'s Setup,
    scored: &'s Setup,
    pub people: crate::change::link::People,
    pub labels: Vec<String>,
    pub id_name: String,
    pub by_names: Vec<String>,
    /// Problems reported (cells, rows, wave values), for the exit code.
    pub problems: u64,
}

impl<'s> Waves<'s> {
    pub fn new(
        battery: &'s Battery,
        (raw, scored): (&'s Setup, &'s Setup),
        labels: Vec<String>,
    ) -> Self {
        Waves {
            battery,
            raw,
            scored,
            people: crate::change::link::People::new(labels.len()),
            labels,
            id_name: "id".into(),
            by_names: Vec::new(),
            problems: 0,
        }
    }

    /// Read `input` as wave `w` (with a wave column: the waves its rows
    /// name). `Ok(false)`: it had no rows or could not be read to its end.
    pub fn read(
        &mut self,
        w: usize,
        input: super::Input,
        o: &WaveOptions<'_>,
    ) -> anyhow::Result<bool> {
        super::check::say_header_rows(&input);
        let headers = &input.table.headers;
        // a file `score` wrote; one that has every item too (`administer
        // --append`) is scored again from its answers, as `score` would
        let has = |name: &str| headers.iter().any(|h| h == name);
        let is_scored = has("risk_level")
            && self
                .battery
                .scales()
                .all(|(_, _, s)| has(&format!("{}_total", s.id)))
            && !self.battery.items().all(|(_, _, i)| has(&i.id));
        // scored, but not with every instrument of -i: no answers to score again
        let totals: Vec<String> = self
            .battery
            .scales()
            .map(|(_, _, s)| format!("{}_total", s.id))
            .collect();
        let absent: Vec<&str> = totals
            .iter()
            .filter(|t| !has(t))
            .map(String::as_str)
            .collect();
        let no_items = !self.battery.items().any(|(_, _, i)| has(&i.id));
        if has("risk_level") && absent.len() < totals.len() && !absent.is_empty() && no_items {
            let (name, absent) = (&input.table.name, absent.join(", "));
            anyhow::bail!(crate::messages::tr!(
                "{name} is a file `score` wrote, without {absent}: it was scored without some instrument of -i; give -i only the instruments every wave was scored with",
                "{name} 是 `score` 写出的文件，但没有 {absent}：评分时没有包含 -i 中的某个量表；-i 请只给出每次筛查都评分过的量表"
            ));
        }
        let setup = if is_scored { self.scored } else { self.raw };
        if is_scored {
            let missing: Vec<String> = self
                .battery
                .scales()
                .map(|(_, _, s)| format!("{}_prorated", s.id))
                .filter(|c| !has(c))
                .collect();
            if !missing.is_empty() {
                let (name, cols) = (&input.table.name, missing.join(", "));
                eprintln!("{}{}", crate::messages::warning(), crate::messages::tr!(
                    "{name} lacks {cols}: whether its totals were prorated is not known, so no improvement from or to them counts as reliable (`uncertain`)",
                    "{name} 没有 {cols} 列：无法知道其总分是否按比例估算，因此与之相比的改善都不算可靠改善（`uncertain`）"
                ));
            }
        }
        // a running number of responses is no person's id (read once)
        let running = input.running_response_id();
        let id_col = match o.id_column {
            Some(c) => input.column("--id-column", c.trim())?,
            // a platform export's response id, as `score` takes it, unless
            // it only counts the responses (wave 1's fifth is not wave 2's)
            None if running.is_some() => {
                let (name, col) = (&input.table.name, running.unwrap_or_default());
                anyhow::bail!(crate::messages::tr!(
                    "{name}: its `{col}` column numbers the responses of one survey (1, 2, 3 …), not people: linked by it, two waves would pair whoever answered in the same order; give --id-column COL, a column that names each person (such as a student number)",
                    "{name}：其 `{col}` 列是一次问卷内作答的流水号（1、2、3 …），不是人的编号：按它关联，两次测评会把作答顺序相同的不同人配在一起；请用 --id-column 指定能标识每个人的列（如学号）"
                ))
            }
            None => input.default_id().ok_or_else(|| {
                let name = &input.table.name;
                anyhow::anyhow!(crate::messages::tr!(
                    "{name} has no `id` column: change links people by id; give --id-column COL",
                    "{name} 没有 `id` 列：随访按编号关联同一个人；请用 --id-column 指定列"
                ))
            })?,
        };
        self.id_name.clone_from(&headers[id_col]);
        let by = input.columns("--by", o.by)?;
        self.by_names = by.iter().map(|&c| headers[c].clone()).collect();
        let wave_col = o
            .wave_column
            .map(|c| input.column("--wave-column", c.trim()))
            .transpose()?;
        let source = input.source(setup)?;
        // a platform's option numbers (1..k) or a recode are refused before
        // any wave is judged, as `score` refuses them
        if let (Some(plan), Some(battery)) = (source.plan(), setup.battery()) {
            let codes = (o.one_based, o.codes_as_is);
            super::check::refuse_wrong_codes(&input, plan, battery, codes, (None, &setup.map))?;
        }
        let opts = super::Options {
            one_based: o.one_based,
            ..super::Options::default()
        };
        let mut rows = super::Rows::start(input, setup, source, opts);
        let reader = WaveReader::new(
            self.battery,
            setup,
            (&rows.headers, &rows.scales()),
            (id_col, by),
            (o.lang, o.one_based),
        );
        let unkept = reader.unkept_critical(self.battery);
        if !unkept.is_empty() {
            let (name, cols) = (&rows.name, unkept.join(","));
            eprintln!(
                "{}{}",
                crate::messages::warning(),
                crate::messages::tr!(
                    "{name} is a scored file without the critical item column(s) {cols}: whether they were endorsed in this wave is not known (the critical column cannot name it, and rules on earlier critical answers count it as not ruled out); give change the wave's raw answers, or score it with --keep {cols} to carry them",
                    "{name} 是已评分文件，但没有关键题目列 {cols}：无法知道这些题在该次筛查中是否作答为阳性（critical 列无法列出该次筛查，关于此前关键题作答的规则按无法排除处理）；请给 change 该次筛查的原始作答，或在评分时加 --keep {cols} 以保留这些列"
                )
            );
        }
        let (labels, people) = (&mut self.labels, &mut self.people);
        let mut bad_waves: Vec<(u64, String)> = Vec::new();
        rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
            let wave = match wave_col {
                None => w,
                Some(c) => {
                    let v = String::from_utf8_lossy(row.record.get(c).unwrap_or_default())
                        .trim()
                        .to_string();
                    match labels.iter().position(|l| *l == v) {
                        Some(k) => k,
                        None if !o.fixed && !v.is_empty() => {
                            labels.push(v);
                            labels.len() - 1
                        }
                        None => {
                            bad_waves.push((row.number, v));
                            return Ok(true);
                        }
                    }
                }
            };
            let (id, wave_row) = reader.read(setup, row);
            people.add(wave, &id, wave_row);
            Ok(true)
        })?;
        for (n, v) in &bad_waves {
            let (col, expected) = (o.wave_column.unwrap_or_default(), self.labels.join(", "));
            // an empty cell names no wave, whether or not --waves was given
            let msg = if v.is_empty() {
                crate::messages::tr!(
                    "row {n}, column {col}: the wave is empty, so the row belongs to no wave; the row is not counted",
                    "第 {n} 行，「{col}」列：筛查批次为空，该行不属于任何一次筛查；该行不计入"
                )
            } else {
                crate::messages::tr!(
                    "row {n}, column {col}: '{v}' is not a wave of --waves ({expected}); the row is not counted",
                    "第 {n} 行，「{col}」列：'{v}' 不是 --waves 中的一次（{expected}）；该行不计入"
                )
            };
            eprintln!("{}{msg}", crate::messages::error());
        }
        let c = &rows.counts;
        let read = crate::messages::pick("read", "读取");
        c.end_notes_with(&rows.name, read, read);
        let found = c.problems() + bad_waves.len() as u64;
        // the messages above say row and column, not which wave's file
        if found > 0 {
            let name = &rows.name;
            let line = match (wave_col, self.labels.get(w)) {
                (None, Some(label)) => crate::messages::tr!(
                    "the problem(s) above are in wave {label} ({name})",
                    "以上问题出自筛查 {label}（{name}）"
                ),
                _ => crate::messages::tr!(
                    "the problem(s) above are in {name}",
                    "以上问题出自 {name}"
                ),
            };
            eprintln!("{}{line}", crate::messages::note());
        }
        self.problems += found;
        Ok(c.stopped.is_none() && c.rows > 0)
    }
}

/// A scale or instrument id as people say it: `PHQ-9`, `DASS-21 depression`.
pub fn shown_name(battery: &Battery, id: &str, lang: Lang) -> String {
    for inst in &battery.instruments {
        if inst.id == id {
            return inst.short_name(lang);
        }
        if let Some(k) = inst.scale_index(id) {
            return match inst.scales.len() {
                1 => inst.short_name(lang),
                _ => inst.scale_name(k, lang),
            };
        }
    }
    id.to_string()
}

/// The wave files and their labels (`--waves`, else the file names; a
/// long file finds its labels as it reads).
pub fn wave_files(
    waves: &[std::path::PathBuf],
    given: &[String],
    wave_column: bool,
) -> anyhow::Result<(Vec<std::path::PathBuf>, Vec<String>)> {
    // a label names columns (`level_t1`) and waves in messages: spaces
    // around it are not part of it, and an empty one names nothing
    let given: Vec<String> = given.iter().map(|l| l.trim().to_string()).collect();
    if let Some(k) = given.iter().position(String::is_empty) {
        let (n, list) = (k + 1, given.join(","));
        anyhow::bail!(crate::messages::tr!(
            "--waves {list}: label {n} is empty: give each wave a label",
            "--waves {list}：第 {n} 个标签为空：请给每次筛查一个标签"
        ));
    }
    let given = given.as_slice();
    if wave_column {
        let n = waves.len();
        anyhow::ensure!(
            n == 1,
            crate::messages::tr!(
                "--wave-column reads one long file, not {n}",
                "--wave-column 只读取一个长格式文件，而不是 {n} 个"
            )
        );
        return Ok((waves.to_vec(), given.to_vec()));
    }
    anyhow::ensure!(
        waves.len() >= 2,
        crate::messages::tr!(
            "change needs two waves or more (or one long file with --wave-column)",
            "change 需要至少两次筛查的文件（或一个长格式文件加 --wave-column）"
        )
    );
    let labels: Vec<String> = if given.is_empty() {
        waves
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    return "stdin".to_string();
                }
                p.file_stem().map_or_else(
                    || p.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                )
            })
            .collect()
    } else {
        let (l, f) = (given.len(), waves.len());
        anyhow::ensure!(
            l == f,
            crate::messages::tr!(
                "--waves names {l} waves but {f} files are given",
                "--waves 给出 {l} 个标签，但有 {f} 个文件"
            )
        );
        given.to_vec()
    };
    // the same file twice would show everyone unchanged: a mistake, never a wave
    let mut files = std::collections::HashMap::new();
    for (k, f) in waves.iter().enumerate() {
        if f.as_os_str() == "-" {
            continue;
        }
        let Ok(real) = std::fs::canonicalize(f) else {
            continue;
        };
        if let Some(first) = files.insert(real, k) {
            let (l1, l2, file) = (&labels[first], &labels[k], f.display());
            anyhow::bail!(crate::messages::tr!(
                "waves {l1} and {l2} are the same file ({file}): give each wave's own file",
                "筛查 {l1} 与 {l2} 是同一个文件（{file}）：请给出每次筛查各自的文件"
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for l in &labels {
        // labels of one's own: each must differ; from file names: give some
        let what = if given.is_empty() {
            crate::messages::tr!(
                "two waves are labelled `{l}` (their files' names): give --waves",
                "两次筛查的标签都是 `{l}`（取自文件名）：请用 --waves 指定"
            )
        } else {
            crate::messages::tr!(
                "--waves labels two waves `{l}`: give each wave its own label",
                "--waves 给两次筛查都标为 `{l}`：请给每次筛查不同的标签"
            )
        };
        anyhow::ensure!(seen.insert(l), what);
    }
    Ok((waves.to_vec(), labels))
}

/// A wave of --waves that no row names: everyone would be "not re-screened".
pub fn warn_empty_waves(people: &crate::change::link::People, labels: &[String]) {
    for (w, label) in labels.iter().enumerate() {
        if !people.people.values().any(|p| p.waves[w].is_some()) {
            eprintln!(
                "{}{}",
                crate::messages::warning(),
                crate::messages::tr!(
                    "no row is of wave {label}: nobody was screened at it (a label of --waves mistyped?)",
                    "没有任何行属于筛查 {label}：此次无人筛查（--waves 的标签写错了？）"
                )
            );
        }
    }
}
