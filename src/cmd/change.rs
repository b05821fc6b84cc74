//! `psyscreen change`: read each wave through the row pipeline (raw
//! answers scored as `score` scores them, or a file `score` wrote), link
//! people by id, judge each person's change, apply the policy's change
//! rules, write one row per person or the counts per group. Glue only:
//! linking and judging are in change/, reading in pipeline/.

use crate::change::layout::{
    group_records, group_tables, near_ids, unlinked_lines, Line, PersonRows, Shape, Tally,
};
use crate::change::link::Status;
use crate::change::params::params;
use crate::change::person::{self, Judged};
use crate::cli::ChangeArgs;
use crate::exit::Exit;
use crate::instrument::{self, Lang};
use crate::io::input::InputSpec;
use crate::io::output::Output;
use crate::io::protect::Protected;
use crate::io::write::Dest;
use crate::messages::{self, tr};
use crate::pipeline::waves::{
    change_rules, person_level, shown_name, wave_files, WaveOptions, Waves,
};
use crate::pipeline::{Counts, Input, Setup};
use crate::score::Battery;
use crate::summary::Groups;

pub fn run(a: &ChangeArgs) -> anyhow::Result<Exit> {
    let lang: Lang = a.lang.into();
    // one labels download cannot stand for several waves: not ignored
    if a.read.labels_export.is_some() {
        anyhow::bail!(tr!(
            "--labels-export pairs one export with its labels download; change reads several waves: check each with `psyscreen score WAVE --check --labels-export FILE`, then give --codes-as-is",
            "--labels-export 只能对应一个导出文件的标签版下载；change 读取多个波次：请先对每个波次运行 `psyscreen score 波次文件 --check --labels-export 文件`，再加 --codes-as-is"
        ));
    }
    let insts = instrument::resolve(&a.instruments)?;
    let battery = Battery::new(insts.clone());
    let (params, notes) = params(&battery, (&a.reliability, &a.sd, &a.reliable_change))?;
    let policy = crate::policy::load(a.policy.as_deref())?;
    let raw = Setup::bind(policy.clone(), Some(Battery::new(insts)))?.with_map(a.map.as_deref())?;
    let scored = Setup::bind(policy.clone(), None)?;
    let rules = change_rules(&policy, &battery, &params)?;
    let (files, labels) = wave_files(&a.waves, &a.labels, a.wave_column.is_some())?;
    // refused before anything is read (an input as output, an existing file)
    let format = super::default_format(a.format.map(Into::into), a.output.is_some());
    let mut protected =
        Protected::default().definitions(&a.instruments, a.policy.as_deref(), a.map.as_deref());
    for f in &files {
        protected = protected.data(Some(f.as_path()));
    }
    let target = a.report.as_deref().or(a.output.as_deref());
    let output = Output::open(target, a.force, &mut protected)?;
    let dest = Dest::terminal_if(output.is_terminal());
    // the values used, once nothing on the command line is wrong
    if !a.quiet {
        for n in notes {
            eprintln!("{}{n}", messages::note());
        }
    }
    let mut waves = Waves::new(&battery, (&raw, &scored), labels);
    let options = WaveOptions {
        id_column: a.id_column.as_deref(),
        by: &a.by,
        wave_column: a.wave_column.as_deref(),
        fixed: !a.labels.is_empty(),
        one_based: a.one_based,
        codes_as_is: a.read.codes_as_is,
        lang,
    };
    for (w, file) in files.iter().enumerate() {
        let spec = InputSpec {
            path: Some(file.as_path()),
            encoding: a.read.encoding.as_deref(),
            delimiter: a.read.delimiter,
            sheet: a.read.sheet.as_deref(),
            from: a.read.from(),
            header: None,
        };
        // a wave not read to its end, or empty: no change can be told
        if !waves.read(w, Input::open(&spec, false)?, &options)? {
            return Ok(Exit::Error);
        }
    }
    let Waves {
        mut people,
        labels,
        id_name,
        by_names,
        problems,
        ..
    } = waves;
    people.set_waves(labels.len());
    people.finish();
    let min_waves = usize::try_from(a.min_waves).unwrap_or(usize::MAX);
    crate::pipeline::waves::warn_empty_waves(&people, &labels);
    // more waves asked for than read: nobody could be linked
    let n_waves = labels.len();
    anyhow::ensure!(
        min_waves <= n_waves,
        tr!(
            "--min-waves {min_waves} but only {n_waves} waves were read: nobody could be linked",
            "--min-waves {min_waves}，但只读取了 {n_waves} 次筛查：没有人能被关联"
        )
    );
    let judged: Vec<Judged> = people
        .people
        .values()
        .map(|p| person::judge_person(p, &params, min_waves, policy.levels.len().saturating_sub(1)))
        .collect();
    for line in unlinked_lines(&people, &judged, &labels) {
        eprintln!("{}{line}", messages::warning());
    }
    let all: Vec<&crate::change::link::Person> = people.people.values().collect();
    if person::all_unchanged(&all, &judged) {
        eprintln!("{}{}", messages::warning(), tr!(
            "every linked person has the same totals at every wave: was one wave's data given twice (a copied file)?",
            "每个已关联的人在各次筛查中的总分都完全相同：是否把同一次筛查的数据给了两次（复制的文件）？"
        ));
    }
    // nobody linked across waves that each have people: ids not alike
    if judged.iter().all(|j| j.status != Status::Linked) && people.people.len() > 1 {
        eprintln!("{}{}", messages::warning(), tr!(
            "nobody was linked: are the waves' ids alike (the same id column, the same --pseudonymize key)?",
            "没有任何人被关联：各次筛查的编号是否一致（相同的编号列、相同的 --pseudonymize 密钥）？"
        ));
    }
    if let Some(line) = near_ids(&people, &judged, &labels) {
        eprintln!("{}{line}", messages::warning());
    }
    let scales: Vec<(String, u8)> = battery
        .scales()
        .map(|(_, _, s)| (s.id.clone(), s.decimals))
        .collect();
    let decimals: Vec<u8> = scales.iter().map(|s| s.1).collect();
    let scale_ids: Vec<String> = scales.iter().map(|s| s.0.clone()).collect();
    let shown = |id: &str| shown_name(&battery, id, lang);
    let naming = person::Naming {
        scales: &scale_ids,
        labels: &labels,
        shown: &shown,
        lang,
    };
    // every person's level and reasons, for the rows and the crisis notice
    let mut counted = Counts {
        per_level: vec![0; policy.levels.len()],
        ..Counts::default()
    };
    let leveled: Vec<(crate::policy::Level, String)> = people
        .people
        .values()
        .zip(&judged)
        .map(|(p, j)| {
            let mut reasons = String::new();
            let level = person_level((&policy, &rules), (p, j), &decimals, &naming, &mut reasons);
            counted.per_level[usize::from(level.0)] += 1;
            (level, reasons)
        })
        .collect();
    // a policy without rules on change judges each person by their latest
    // wave alone: a suicide-risk answer of an earlier wave is not followed
    if rules.is_empty() {
        let earlier_endorsed = |p: &crate::change::link::Person| {
            let last = p.waves.len().saturating_sub(1);
            p.waves[..last]
                .iter()
                .flatten()
                .any(|w| w.critical.iter().any(|c| *c != Some(false)))
        };
        let n = people
            .people
            .values()
            .zip(&leveled)
            .filter(|(p, (level, _))| level.0 == 0 && earlier_endorsed(p))
            .count();
        if n > 0 {
            let lowest = policy.level_id(crate::policy::Level(0));
            eprintln!("{}{}", messages::warning(), tr!(
                "{n} person(s) endorsed or did not answer a critical item (such as PHQ-9 item 9) at an earlier wave and are at `{lowest}` now: this policy has no rules on change between waves, so only the critical column names them; a policy with such rules (see policies/follow-up.yaml) keeps them on the list",
                "{n} 人在此前的筛查中关键题目（如 PHQ-9 第9题）作答为阳性或未作答，现在处于 `{lowest}`：该策略没有关于两次筛查之间变化的规则，只有 critical 列会列出他们；使用含此类规则的策略（见 policies/follow-up.yaml）可把他们保留在名单中"
            ));
        }
    }
    let out = if a.by.is_empty() {
        let names = raw.scoring.as_ref().map(|(_, b)| &b.names);
        let critical: Vec<String> = battery
            .critical_items()
            .into_iter()
            .map(|g| {
                let id = battery.item_id(g);
                names
                    .and_then(|n| n.get(id))
                    .map_or_else(|| id.to_string(), |t| t.get(lang).to_string())
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
            lang,
        };
        let mut w = PersonRows::new((output, format, dest), &shape)?;
        // a table on a terminal: the columns that fit its width
        let compact = format == crate::cli::Format::Table && dest == Dest::Terminal;
        if compact {
            w.compact_table(super::terminal_width());
            if !a.quiet {
                eprintln!(
                    "{}{}",
                    messages::note(),
                    tr!(
                        "a compact table for this terminal; every column: --format csv or -o FILE",
                        "为适应终端宽度只显示部分列；全部列：--format csv 或 -o 文件"
                    )
                );
            }
        }
        for ((p, j), (level, reasons)) in people.people.values().zip(&judged).zip(&leveled) {
            w.row(&Line {
                person: p,
                judged: j,
                level_id: policy.level_id(*level),
                level_label: policy.level_label(*level, lang),
                reasons,
            })?;
        }
        w.finish()?
    } else {
        let mut groups: Groups<Tally> = Groups::default();
        for (p, j) in people.people.values().zip(&judged) {
            let key = p
                .latest()
                .and_then(|k| p.waves[k].as_ref())
                .map(|r| r.key.clone());
            groups.row(&key.unwrap_or_default(), Tally::default).add(j);
        }
        let (n, shown) = (groups.len(), groups.finish(a.min_group));
        eprintln!(
            "{}",
            crate::summary::groups_note(n, shown.suppressed, a.min_group)
        );
        match &a.report {
            Some(_) => report_page(
                output,
                a,
                (&battery, &policy.id),
                (&by_names, &labels),
                &shown,
            )?,
            None if format == crate::cli::Format::Table => {
                group_tables(output, &by_names, &scales, &shown, lang)?
            }
            None => group_records((output, format, dest), &by_names, &scales, &shown)?,
        }
    };
    out.finish()?;
    counted.top_level_notice(&policy);
    if !a.quiet {
        let n = judged.len();
        let linked = judged.iter().filter(|j| j.status == Status::Linked).count();
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

/// `--report`: the group counts as one HTML page (aggregate only).
fn report_page(
    mut output: Output,
    a: &ChangeArgs,
    (battery, policy): (&Battery, &str),
    (by, waves): (&[String], &[String]),
    shown: &crate::summary::Shown<Tally>,
) -> anyhow::Result<Output> {
    use std::io::Write as _;
    let lang: Lang = a.lang.into();
    let instruments: Vec<String> = battery
        .instruments
        .iter()
        .map(|i| format!("{} {}", i.short_name(lang), i.version))
        .collect();
    let scales: Vec<String> = battery
        .scales()
        .map(|(_, inst, s)| {
            let k = inst.scale_index(&s.id).unwrap_or(0);
            inst.scale_name(k, lang)
        })
        .collect();
    let unix = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    let html = crate::report::change::render_change(&crate::report::change::ChangeView {
        lang,
        by,
        waves,
        instruments: &instruments,
        scales: &scales,
        policy,
        date: &crate::clock::date(unix),
        version: env!("CARGO_PKG_VERSION"),
        shown,
    });
    output.write_all(html.as_bytes())?;
    Ok(output)
}
