//! `psyscreen report`: run the row pipeline as `summary` does, count by
//! group, and write one self-contained HTML file. Memory is bounded by the
//! groups, not the rows: no person is kept unless `--list-ids` asks for the
//! referral list (itself bounded). Glue only: rows come from pipeline/, the
//! HTML is made in report/.

use std::io::Write as _;

use anyhow::Context as _;

use crate::cli::ReportArgs;
use crate::exit::Exit;
use crate::instrument::Lang;
use crate::io::output::Output;
use crate::messages::{self, tr};
use crate::pipeline::duplicates::admits;
use crate::pipeline::group::Grouping;
use crate::pipeline::{Options, Row, Rows};
use crate::report::{self, InstrumentLine, Listed, Referral, ReferralList, ReportData};
use crate::summary::info::levels_of;
use crate::summary::tallies::Tallies;

pub fn run(a: &ReportArgs) -> anyhow::Result<Exit> {
    let inp = &a.input;
    let lang: Lang = inp.lang.into();
    let setup = super::group_setup(inp)?;
    let from = report::refer_from(&setup.policy, a.min_level.as_deref())?;
    let (input, by, source) = super::open_group_input(inp, &setup)?;
    let mut grouping = Grouping::new(
        &input,
        &setup,
        (by, inp.id_column.as_deref()),
        // reasons only for a list that names people
        a.list_ids.then_some(from),
        lang,
    )?;
    if grouping.groups_people() && !a.list_ids {
        // one group per person would name everyone in a report that says
        // it names no one
        anyhow::bail!(crate::messages::tr!(
            "--by names the id column: every group would be one person, in a report that names no one; group by a class or another shared column, or give --list-ids for a staff report",
            "--by 指定的是 id 列：每组只有一个人，而此报告不应列出任何个人；请按班级等共有的列分组，或加 --list-ids 生成仅供工作人员的报告"
        ));
    }
    let by_labels = by_labels(&grouping.by, &a.by_label)?;
    let mut dups = super::group_duplicates(inp, grouping.id_column(), &setup.policy)?;
    // refuse an existing file before reading the whole input
    let output = Output::open(Some(&a.output), a.force, &mut super::group_protected(inp))?;
    let options = Options {
        one_based: inp.one_based,
        // duplicates compare ids as read
        raw_id: grouping.id_column(),
        threads: inp.read.threads(),
        ..Options::default()
    };

    let mut groups = Tallies::default();
    let mut referrals = ReferralList::default();
    let mut rows = Rows::start(input, &setup, source, options);
    rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
        let admitted = admits(dups.as_mut(), row)?;
        let v = grouping.view(row);
        if admitted {
            groups.row(v.key, v.facts, v.level);
        } else if !(a.list_ids && v.level >= from) {
            return Ok(true);
        }
        // a repeated submission set aside from the counts still goes on the
        // staff list when it is at the list's level: it may be the urgent one
        if v.level >= from {
            if a.list_ids {
                referrals.push(Referral {
                    group: v.key.to_vec(),
                    id: v.id.to_string(),
                    level: v.level,
                    reasons: v.reasons.to_string(),
                    seq: v.row,
                });
            } else {
                referrals.total += 1;
            }
        }
        Ok(true)
    })?;
    if let Some(d) = &dups {
        d.end_note();
    }
    let at_refer = referrals.total;
    let (people, left_out) = referrals.finish();
    let n_groups = groups.len();
    let shown = groups.finish(inp.min_group);
    let scales = rows.scales();
    let scale_names = report::scale_names(setup.battery(), &scales, lang);
    let levels = levels_of(&setup.policy);
    let instruments = setup
        .battery()
        .map(|b| {
            b.instruments
                .iter()
                .map(|i| InstrumentLine {
                    name: i.name.clone(),
                    version: i.version.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let c = &rows.counts;
    let html = report::render(&ReportData {
        lang,
        date: report::date(report_time()),
        input: rows.name.clone(),
        by: by_labels,
        // each person once: the repeated submissions set aside are not respondents
        rows: c.rows - dups.as_ref().map_or(0, |d| d.set_aside),
        invalid_cells: c.bad_cells,
        instruments,
        policy_id: setup.policy.id.clone(),
        policy_version: setup.policy.version.clone(),
        scales: &scales,
        scale_names: &scale_names,
        levels: &levels,
        shown: &shown,
        refer_from: from,
        referrals: a.list_ids.then_some(Listed {
            people: &people,
            left_out,
        }),
        // in an aggregate report only when the overview shows a row at the
        // top level: else the box would tell a suppressed group holds one
        crisis_protocol: {
            let top = usize::from(setup.policy.top().0);
            let at_top = if a.list_ids {
                c.per_level.get(top).copied().unwrap_or(0)
            } else {
                shown.overall.as_ref().map_or(0, |(_, t)| t.level(top))
            };
            (top > 0 && at_top > 0).then(|| setup.policy.crisis_staff(lang).to_string())
        },
        earlier_higher: dups.as_ref().map_or(0, |d| d.earlier_higher),
        version: env!("CARGO_PKG_VERSION"),
    });
    // nothing read, or not all: no report that looks like one (the temporary goes)
    if c.rows > 0 && c.stopped.is_none() {
        let mut output = output;
        output
            .write_all(html.as_bytes())
            .with_context(|| format!("writing {}", a.output.display()))?;
        output.finish()?;
    }
    c.end_notes_with(
        &rows.name,
        messages::pick("summarised", "汇总"),
        messages::pick("read but not summarised", "读取但未汇总"),
    );
    c.unwritten_note(Some(&a.output));
    c.top_level_notice(&setup.policy);
    if a.list_ids && left_out > 0 {
        let (level, max) = (
            setup.policy.levels.get(from).map_or("", |l| l.id.as_str()),
            report::MAX_LISTED,
        );
        eprintln!(
            "{}",
            tr!(
                "note: {left_out} of the {at_refer} people at `{level}` or above are not listed in the report (at most {max}, the highest levels first): write the staff-only referral file with `psyscreen score ... --min-level {level} -o referrals.csv`",
                "注意：`{level}` 及以上的 {at_refer} 人中有 {left_out} 人未列入报告（最多列 {max} 人，级别高者优先）：请用 `psyscreen score ... --min-level {level} -o referrals.csv` 另写仅供工作人员使用的转介文件"
            )
        );
    }
    if !inp.quiet && c.rows > 0 && c.stopped.is_none() {
        let (out, n, name, encoding) = (a.output.display(), c.rows, &rows.name, rows.encoding);
        let (by, shown_groups, suppressed) = (
            grouping.by.join(", "),
            n_groups - shown.suppressed,
            shown.suppressed,
        );
        let (min, problems) = (inp.min_group, c.problems());
        let from = setup.policy.levels.get(from).map_or("", |l| l.id.as_str());
        let named = if a.list_ids {
            messages::pick(
                "named in the report (staff only)",
                "已在报告中列名（仅供工作人员）",
            )
        } else {
            messages::pick("not named in the report", "报告中不列姓名")
        };
        eprintln!(
            "{}",
            tr!(
                "wrote {out} from {n} row(s) of {name} ({encoding}) by {by}: {shown_groups} group(s) shown, {suppressed} suppressed (fewer than {min} respondents); {at_refer} at `{from}` or above, {named}; {problems} problem(s) reported above",
                "已写入 {out}，按 {by} 汇总 {name}（{encoding}）的 {n} 行：显示 {shown_groups} 组，隐去 {suppressed} 组（不足 {min} 人）；`{from}` 及以上 {at_refer} 人，{named}；上文报告了 {problems} 个问题"
            )
        );
    }
    Ok(c.exit(false))
}

/// The `--by` columns as the report names them: `--by-label`, else the
/// column's name without a leading question number (`2、班级` → `班级`).
fn by_labels(columns: &[String], given: &[String]) -> anyhow::Result<Vec<String>> {
    if given.is_empty() {
        return Ok(columns
            .iter()
            .map(|c| {
                let bare = crate::io::columns::strip_question_number(c.trim());
                if bare.is_empty() { c } else { bare }.to_string()
            })
            .collect());
    }
    let (n, want) = (given.len(), columns.len());
    if n != want {
        anyhow::bail!(crate::messages::tr!(
            "--by-label gives {n} label(s) for {want} --by column(s): give one label per column, comma-separated",
            "--by-label 给出 {n} 个名称，但 --by 有 {want} 列：每列一个名称，用逗号分隔"
        ));
    }
    if given.iter().any(|l| l.trim().is_empty()) {
        anyhow::bail!(crate::messages::tr!(
            "--by-label has an empty label: the report's title and columns need a name for each --by column",
            "--by-label 中有空名称：报告的标题和列需要每个 --by 列的名称"
        ));
    }
    Ok(given.iter().map(|l| l.trim().to_string()).collect())
}

/// Seconds since 1970 for the report's date: `SOURCE_DATE_EPOCH` when set
/// (reproducible reports, tests), else now.
fn report_time() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        })
}
