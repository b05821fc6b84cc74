//! `psyscreen report`: run the row pipeline as `summary` does, count by
//! group, keep the referral list, and write one self-contained HTML file.
//! Glue only: rows come from pipeline/, the HTML is made in report/.

use std::io::Write as _;

use anyhow::Context as _;

use crate::cli::ReportArgs;
use crate::exit::Exit;
use crate::instrument::Lang;
use crate::io::output::Output;
use crate::messages::{self, tr};
use crate::pipeline::group::Grouping;
use crate::pipeline::{Options, Row, Rows};
use crate::report::{self, InstrumentLine, Referral, ReportData};
use crate::summary::info::levels_of;
use crate::summary::{Groups, Tally};

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
        Some(from),
        lang,
    )?;
    // refuse an existing file before reading the whole input
    let output = Output::open(Some(&a.output), a.force, &mut super::group_protected(inp))?;
    let options = Options {
        one_based: inp.one_based,
        ..Options::default()
    };

    let mut groups: Groups<Tally> = Groups::default();
    let mut referrals: Vec<Referral> = Vec::new();
    let mut rows = Rows::start(input, &setup, source, options);
    rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
        let v = grouping.view(row);
        groups.row(v.key, Tally::default).add(v.facts, v.level);
        if v.level >= from {
            referrals.push(Referral {
                id: v.id,
                level: v.level,
                reasons: v.reasons.to_string(),
            });
        }
        Ok(true)
    })?;
    // highest level first; input order within a level (the sort is stable)
    referrals.sort_by_key(|r| std::cmp::Reverse(r.level));
    let n_groups = groups.len();
    let shown = groups.finish(inp.min_group);
    let scales = rows.scales();
    let levels = levels_of(&setup.policy);
    let instruments = setup
        .battery()
        .map(|b| {
            b.instruments
                .iter()
                .map(|i| InstrumentLine {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    version: i.version.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let html = report::render(&ReportData {
        lang,
        date: report::date(report_time()),
        input: rows.name.clone(),
        by: grouping.by.clone(),
        instruments,
        policy_id: setup.policy.id.clone(),
        policy_version: setup.policy.version.clone(),
        scales: &scales,
        levels: &levels,
        shown: &shown,
        refer_from: from,
        referrals: &referrals,
        version: env!("CARGO_PKG_VERSION"),
    });
    let c = &rows.counts;
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
    if !inp.quiet && c.rows > 0 && c.stopped.is_none() {
        let (out, n, name, encoding) = (a.output.display(), c.rows, &rows.name, rows.encoding);
        let (by, shown_groups, suppressed) = (
            grouping.by.join(", "),
            n_groups - shown.suppressed,
            shown.suppressed,
        );
        let (min, referred, problems) = (inp.min_group, referrals.len(), c.problems());
        let from = setup.policy.levels.get(from).map_or("", |l| l.id.as_str());
        eprintln!(
            "{}",
            tr!(
                "wrote {out} from {n} row(s) of {name} ({encoding}) by {by}: {shown_groups} group(s) shown, {suppressed} suppressed (fewer than {min} respondents); {referred} on the referral list (`{from}` and above); {problems} problem(s) reported above",
                "已写入 {out}，按 {by} 汇总 {name}（{encoding}）的 {n} 行：显示 {shown_groups} 组，隐去 {suppressed} 组（不足 {min} 人）；转介名单 {referred} 人（`{from}` 及以上）；上文报告了 {problems} 个问题"
            )
        );
    }
    Ok(c.exit(false))
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
