//! `psyscreen change`: read each wave through the row pipeline (raw
//! answers scored as `score` scores them, or a file `score` wrote), link
//! people by id, judge each person's change, apply the policy's change
//! rules, write one row per person or the counts per group. Glue only:
//! linking and judging are in change/, reading in pipeline/.

use std::collections::HashMap;

use crate::change::layout::{group_records, Line, PersonRows, Shape, Tally};
use crate::change::link::{People, Status};
use crate::change::person::{self, Judged, Resolve};
use crate::change::{criterion, Given, Params};
use crate::cli::{ChangeArgs, Format};
use crate::exit::Exit;
use crate::instrument::{self, Lang};
use crate::io::input::InputSpec;
use crate::io::output::Output;
use crate::io::protect::Protected;
use crate::io::write::Dest;
use crate::messages::{self, tr};
use crate::pipeline::waves::WaveReader;
use crate::pipeline::{Input, Options, Row, Rows, Setup};
use crate::policy::{Level, Resolved};
use crate::score::Battery;
use crate::summary::Groups;

pub fn run(a: &ChangeArgs) -> anyhow::Result<Exit> {
    let lang: Lang = a.lang.into();
    let insts = instrument::resolve(&a.instruments)?;
    let battery = Battery::new(insts.clone());
    let params = params(&battery, a)?;
    let policy = crate::policy::load(a.policy.as_deref())?;
    let raw = Setup::bind(policy.clone(), Some(Battery::new(insts)))?.with_map(a.map.as_deref())?;
    let scored = Setup::bind(policy.clone(), None)?;
    let rules = bind_rules(&policy, &battery, &params)?;
    let (files, mut labels) = waves(a)?;
    let mut people = People::new(labels.len());
    let (mut problems, mut id_name) = (0u64, String::from("id"));
    let mut by_names = Vec::new();
    for (w, file) in files.iter().enumerate() {
        let spec = InputSpec {
            path: Some(file.as_path()),
            encoding: a.read.encoding.as_deref(),
            delimiter: a.read.delimiter,
            sheet: a.read.sheet.as_deref(),
        };
        let input = Input::open(&spec, false)?;
        let headers = &input.table.headers;
        let is_scored = headers.iter().any(|h| h == "risk_level")
            && battery
                .scales()
                .all(|(_, _, s)| headers.contains(&format!("{}_total", s.id)));
        let setup = if is_scored { &scored } else { &raw };
        let id_col = match &a.id_column {
            Some(c) => input.column("--id-column", c.trim())?,
            None => input.find("id").ok_or_else(|| {
                let name = &input.table.name;
                anyhow::anyhow!(tr!(
                    "{name} has no `id` column: change links people by id; give --id-column COL",
                    "{name} 没有 `id` 列：随访按编号关联同一个人；请用 --id-column 指定列"
                ))
            })?,
        };
        id_name.clone_from(&headers[id_col]);
        let by = input.columns("--by", &a.by)?;
        by_names = by.iter().map(|&c| headers[c].clone()).collect();
        let wave_col = match &a.wave_column {
            Some(c) => Some(input.column("--wave-column", c.trim())?),
            None => None,
        };
        let source = input.source(setup)?;
        let mut rows = Rows::start(
            input,
            setup,
            source,
            Options {
                one_based: a.one_based,
                ..Options::default()
            },
        );
        let reader = WaveReader::new(
            &battery,
            setup,
            (&rows.headers, &rows.scales()),
            (id_col, by),
            lang,
        );
        let fixed = !a.labels.is_empty();
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
                        None if !fixed && !v.is_empty() => {
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
            let (col, expected) = (
                a.wave_column.as_deref().unwrap_or_default(),
                labels.join(", "),
            );
            eprintln!("{}{}", messages::error(), tr!(
                "row {n}, column {col}: '{v}' is not a wave of --waves ({expected}); the row is not counted",
                "第 {n} 行，「{col}」列：'{v}' 不是 --waves 中的一次（{expected}）；该行不计入"
            ));
        }
        let c = &rows.counts;
        c.end_notes_with(
            &rows.name,
            messages::pick("read", "读取"),
            messages::pick("read", "读取"),
        );
        // a wave not read to its end, or empty: no change can be told
        if c.exit(false) == Exit::Error {
            return Ok(Exit::Error);
        }
        problems += c.problems() + bad_waves.len() as u64;
    }
    people.set_waves(labels.len());
    people.finish();
    let min_waves = usize::try_from(a.min_waves).unwrap_or(usize::MAX);
    let judged: Vec<Judged> = people
        .people
        .values()
        .map(|p| person::judge_person(p, &params, min_waves))
        .collect();
    report_unlinked(&people, &judged, &labels);
    let format = super::default_format(a.format, a.output.is_some());
    let mut protected =
        Protected::default().definitions(&a.instruments, a.policy.as_deref(), a.map.as_deref());
    for f in &files {
        protected = protected.data(Some(f.as_path()));
    }
    let output = Output::open(a.output.as_deref(), a.force, &mut protected)?;
    let dest = Dest::terminal_if(output.is_terminal());
    let scales: Vec<(String, u8)> = battery
        .scales()
        .map(|(_, _, s)| (s.id.clone(), s.decimals))
        .collect();
    let decimals: Vec<u8> = scales.iter().map(|s| s.1).collect();
    let out = if a.by.is_empty() {
        let critical: Vec<String> = battery
            .critical_items()
            .into_iter()
            .map(|g| {
                raw.scoring
                    .as_ref()
                    .and_then(|(_, b)| b.names.get(battery.item_id(g)))
                    .map_or_else(
                        || battery.item_id(g).to_string(),
                        |t| t.get(lang).to_string(),
                    )
            })
            .collect();
        let levels: Vec<String> = policy
            .level_ids()
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let shape = Shape {
            id_name: &id_name,
            by: &by_names,
            waves: &labels,
            scales: &scales,
            critical: &critical,
            levels: &levels,
        };
        let mut w = PersonRows::new((output, format, dest), &shape)?;
        let mut reasons = String::new();
        let mut per_level = vec![0u64; policy.levels.len()];
        for (p, j) in people.people.values().zip(&judged) {
            reasons.clear();
            let get = |v: &crate::change::vars::Var| person::value(v, p, j, &decimals);
            let by_change = policy.evaluate_vars(&rules, &get, lang, &mut reasons);
            // the latest wave's own reasons, named by wave
            if let Some(latest) = p.latest().and_then(|k| p.waves[k].as_ref().map(|r| (k, r))) {
                for r in latest
                    .1
                    .reasons
                    .split(crate::policy::REASON_SEPARATOR)
                    .filter(|r| !r.is_empty())
                {
                    if !reasons.is_empty() {
                        reasons.push_str(crate::policy::REASON_SEPARATOR);
                    }
                    reasons.push_str(&format!("{}: {r}", labels[latest.0]));
                }
            }
            let level = by_change.max(Level(u8::try_from(j.latest_level).unwrap_or(u8::MAX)));
            if let Some(n) = per_level.get_mut(usize::from(level.0)) {
                *n += 1;
            }
            w.row(&Line {
                person: p,
                judged: j,
                level_id: policy.level_id(level),
                level_label: policy.level_label(level, lang),
                reasons: &reasons,
            })?;
        }
        let counted = crate::pipeline::Counts {
            per_level,
            ..Default::default()
        };
        counted.top_level_notice(&policy);
        w.finish()?
    } else {
        let mut groups: Groups<Tally> = Groups::default();
        for (p, j) in people.people.values().zip(&judged) {
            let key = p
                .latest()
                .and_then(|k| p.waves[k].as_ref())
                .map(|r| r.key.clone())
                .unwrap_or_default();
            groups.row(&key, Tally::default).add(j);
        }
        let (n, shown) = (groups.len(), groups.finish(a.min_group));
        eprintln!(
            "{}",
            crate::summary::groups_note(n, shown.suppressed, a.min_group)
        );
        group_records(
            (
                output,
                if format == Format::Table {
                    Format::Table
                } else {
                    format
                },
                dest,
            ),
            &by_names,
            &scales,
            &shown,
        )?
    };
    out.finish()?;
    if !a.quiet {
        let (n, linked) = (
            judged.len(),
            judged.iter().filter(|j| j.status == Status::Linked).count(),
        );
        let (w, list) = (labels.len(), labels.join(", "));
        eprintln!(
            "{}",
            tr!(
                "linked {linked} of {n} people across {w} waves ({list})",
                "{n} 人中 {linked} 人在 {w} 次筛查（{list}）间关联"
            )
        );
    }
    Ok(Exit::after_batch(problems, false))
}

/// The wave files and their labels (`--waves`, else the file names; a
/// long file finds its labels as it reads).
fn waves(a: &ChangeArgs) -> anyhow::Result<(Vec<std::path::PathBuf>, Vec<String>)> {
    if a.wave_column.is_some() {
        let n = a.waves.len();
        anyhow::ensure!(
            n == 1,
            tr!(
                "--wave-column reads one long file, not {n}",
                "--wave-column 只读取一个长格式文件，而不是 {n} 个"
            )
        );
        return Ok((a.waves.clone(), a.labels.clone()));
    }
    anyhow::ensure!(
        a.waves.len() >= 2,
        tr!(
            "change needs two waves or more (or one long file with --wave-column)",
            "change 需要至少两次筛查的文件（或一个长格式文件加 --wave-column）"
        )
    );
    let labels: Vec<String> = if a.labels.is_empty() {
        a.waves
            .iter()
            .map(|p| {
                p.file_stem().map_or_else(
                    || p.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                )
            })
            .collect()
    } else {
        let (l, f) = (a.labels.len(), a.waves.len());
        anyhow::ensure!(
            l == f,
            tr!(
                "--waves names {l} waves but {f} files are given",
                "--waves 给出 {l} 个标签，但有 {f} 个文件"
            )
        );
        a.labels.clone()
    };
    let mut seen = std::collections::HashSet::new();
    for l in &labels {
        anyhow::ensure!(
            seen.insert(l),
            tr!(
                "two waves are labelled `{l}`: give --waves",
                "两次筛查的标签都是 `{l}`：请用 --waves 指定"
            )
        );
    }
    Ok((a.waves.clone(), labels))
}

/// `[SCALE=]VALUE` lists: per scale id, with `*` for a bare value.
fn per_scale(
    flag: &str,
    values: &[String],
    battery: &Battery,
) -> anyhow::Result<HashMap<String, f64>> {
    let mut out = HashMap::new();
    for v in values {
        let (scale, num) = v
            .split_once('=')
            .map_or(("*", v.as_str()), |(s, n)| (s.trim(), n));
        anyhow::ensure!(
            scale == "*" || battery.scales().any(|(_, _, s)| s.id == scale),
            tr!(
                "{flag} {v}: `{scale}` is no scale of the run",
                "{flag} {v}：`{scale}` 不是本次量表的分量表"
            )
        );
        let x: f64 = num.trim().parse().map_err(|_| {
            anyhow::anyhow!(tr!("{flag} {v}: not a number", "{flag} {v}：不是数字"))
        })?;
        out.insert(scale.to_string(), x);
    }
    Ok(out)
}

/// Each scale's params: the instrument's change facts, the command line's
/// values over them; a scale with neither is an error naming what to give.
fn params(battery: &Battery, a: &ChangeArgs) -> anyhow::Result<Vec<Params>> {
    let r = per_scale("--reliability", &a.reliability, battery)?;
    let sd = per_scale("--sd", &a.sd, battery)?;
    let t = per_scale("--reliable-change", &a.reliable_change, battery)?;
    let pick = |m: &HashMap<String, f64>, id: &str| m.get(id).or_else(|| m.get("*")).copied();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (k, inst, scale) in battery.scales() {
        let local = k - battery
            .scales()
            .position(|(_, i, _)| std::ptr::eq(i, inst))
            .unwrap_or(k);
        let facts = inst.change.as_ref().and_then(|c| c.scales.get(local));
        let given = Given {
            reliability: pick(&r, &scale.id),
            sd: pick(&sd, &scale.id),
            threshold: pick(&t, &scale.id),
        };
        let Some(facts) = facts else {
            let (id, file) = (&scale.id, &inst.origin);
            errors.push(tr!("{id}: the instrument says not which way is worse: add `change: {{higher_is: worse}}` (or better) to {file}", "{id}：量表未说明分数方向：请在 {file} 中加入 `change: {{higher_is: worse}}`（或 better）"));
            continue;
        };
        match criterion(scale, Some(facts), given) {
            Ok((c, why)) => {
                if !a.quiet {
                    eprintln!("{}{}: {why}", messages::note(), scale.id);
                }
                out.push(Params::new(facts, c, scale));
            }
            Err(e) => errors.push(e),
        }
    }
    anyhow::ensure!(errors.is_empty(), "{}", errors.join("\n"));
    Ok(out)
}

/// The policy's rules on change variables, resolved for this run.
fn bind_rules(
    policy: &crate::policy::Policy,
    battery: &Battery,
    params: &[Params],
) -> anyhow::Result<crate::policy::VarRules<crate::change::vars::Var>> {
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
    policy.bind_vars(&mut |name: &str| match person::resolve(name, &scales, &instruments, &known) {
        Resolve::Var(v) => Resolved::Var(v),
        Resolve::Absent => Resolved::Var(crate::change::vars::Var::Absent),
        Resolve::Error(m) => Resolved::Error(m),
        Resolve::NotChange if battery.lookup(name).is_some() || names.contains(name) => Resolved::Row,
        Resolve::NotChange => Resolved::Error(format!("rule names `{name}`, which is no item, scale or change variable of any known instrument (is it a typo?)")),
    })
}

/// People whose change is not computed, counted and named on stderr.
fn report_unlinked(people: &People, judged: &[Judged], labels: &[String]) {
    for status in [
        Status::Unlinked,
        Status::NotRescreened,
        Status::Duplicate,
        Status::NoId,
    ] {
        let who: Vec<String> = people
            .people
            .values()
            .zip(judged)
            .filter(|(_, j)| j.status == status)
            .map(|(p, _)| {
                let at: Vec<&str> = labels
                    .iter()
                    .zip(&p.waves)
                    .filter(|(_, w)| w.is_some())
                    .map(|(l, _)| l.as_str())
                    .collect();
                let rows: Vec<String> = p
                    .waves
                    .iter()
                    .flatten()
                    .map(|w| w.row.to_string())
                    .collect();
                match status {
                    Status::NoId => format!("row {} ({})", rows.join(", "), at.join("+")),
                    _ => format!(
                        "{} ({})",
                        crate::printable::printable_line(&p.id),
                        at.join("+")
                    ),
                }
            })
            .collect();
        if who.is_empty() {
            continue;
        }
        let (n, list) = (who.len(), who.join(", "));
        let what = match status {
            Status::Unlinked => tr!("not linked (too few waves)", "未能关联（筛查次数不足）"),
            Status::NotRescreened => tr!("not re-screened at the last wave", "最后一次未再筛查"),
            Status::Duplicate => tr!(
                "in one wave twice (which row is theirs cannot be told; the higher level is kept)",
                "在同一次筛查中出现两次（无法判断哪一行属于此人；保留较高级别）"
            ),
            _ => tr!(
                "row(s) without an id (cannot be linked)",
                "没有编号的行（无法关联）"
            ),
        };
        eprintln!("{}{n} {what}: {list}", messages::warning());
    }
}
