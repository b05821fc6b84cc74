//! `psyscreen summary`: run the row pipeline over raw answers (scored as
//! `score` does) or a scored file, count by group and suppress small
//! groups (or `--quality`, `--flags`), write. Glue only: rows come from
//! pipeline/, counting and layouts are in summary/.

use anyhow::Context as _;

use crate::cli::{Format, SummaryArgs};
use crate::exit::Exit;
use crate::instrument::Lang;
use crate::io::output::Output;
use crate::io::write::Dest;
use crate::messages::{self, tr};
use crate::pipeline::duplicates::admits;
use crate::pipeline::group::Grouping;
use crate::pipeline::{Options, Row, Rows};
use crate::summary::flags::{FlagList, Who, DURATION_HEADERS};
use crate::summary::groups_note;
use crate::summary::info::levels_of;
use crate::summary::layout::{counts_table, tallies_records};
use crate::summary::quality::Quality;
use crate::summary::tallies::Tallies;

pub fn run(a: &SummaryArgs) -> anyhow::Result<Exit> {
    let inp = &a.input;
    let lang: Lang = inp.lang.into();
    let setup = super::group_setup(inp)?;
    let (input, by, source) = super::open_group_input(inp, &setup)?;
    let mut grouping = Grouping::new(&input, &setup, (by, inp.id_column.as_deref()), None, lang)?;
    let duration = match (&a.duration_column, a.flags) {
        (Some(c), _) => Some(input.column("--duration-column", c.trim())?),
        (None, true) => DURATION_HEADERS.iter().find_map(|h| input.find(h)),
        (None, false) => None,
    }
    .map(|c| (c, input.table.headers[c].clone()));
    let mut dups = super::group_duplicates(inp, grouping.id_column(), &setup.policy)?;
    let format = super::default_format(a.format.map(Format::from), a.output.is_some());
    let output = Output::open(
        a.output.as_deref(),
        a.force,
        &mut super::group_protected(inp),
    )?;
    let dest = Dest::terminal_if(output.is_terminal());
    let options = Options {
        one_based: inp.one_based,
        as_read: a.flags,
        // duplicates compare ids as read
        raw_id: grouping.id_column(),
        threads: inp.read.threads(),
    };
    let needs_answers = |what: &str| {
        setup.battery().with_context(|| {
            tr!(
                "{what} needs raw answers: give -i with the instruments",
                "{what} 需要原始作答：请用 -i 指定量表"
            )
        })
    };
    let (rows, (out, what)) = if a.quality {
        let mut quality = Quality::new(needs_answers("--quality")?);
        let mut rows = Rows::start(input, &setup, source, options);
        rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
            if !admits(dups.as_mut(), row)? {
                return Ok(true);
            }
            let v = grouping.view(row);
            if let Some(answers) = v.answers {
                quality.add(v.key, answers);
            }
            Ok(true)
        })?;
        // not all read: no figures of part of the rows
        let (out, note) = match rows.counts.stopped {
            Some(_) => (output, String::new()),
            None => quality.write(&grouping.by, inp.min_group, (format, output, dest))?,
        };
        (rows, (out, note))
    } else if a.flags {
        let battery = needs_answers("--flags")?;
        let mut list = FlagList::new(
            battery,
            (format, output, dest),
            grouping.id_name.as_deref(),
            &grouping.by,
            lang,
        )?;
        let mut rows = Rows::start(input, &setup, source, options);
        rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
            if !admits(dups.as_mut(), row)? {
                return Ok(true);
            }
            let cell = duration
                .as_ref()
                .map(|(c, name)| (name.as_str(), row.record.get(*c).unwrap_or_default()));
            let v = grouping.view(row);
            let who = Who {
                row: v.row,
                id: v.id,
                key: v.key,
            };
            list.row(&who, v.as_read.unwrap_or_default(), cell)?;
            Ok(true)
        })?;
        rows.counts.other += list.problems;
        (rows, list.finish()?)
    } else {
        let mut groups = Tallies::default();
        let mut rows = Rows::start(input, &setup, source, options);
        rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
            if !admits(dups.as_mut(), row)? {
                return Ok(true);
            }
            let v = grouping.view(row);
            groups.row(v.key, v.facts, v.level);
            Ok(true)
        })?;
        let n_groups = groups.len();
        let scales = rows.scales();
        let levels = levels_of(&setup.policy);
        let (by, min_group) = (&grouping.by, inp.min_group);
        let (out, suppressed) = match format {
            // not all read: counts of part of the rows would pass for all
            _ if rows.counts.stopped.is_some() => (output, 0),
            Format::Table => {
                let shown = groups.finish(min_group);
                let out = counts_table(output, by, &scales, &levels, &shown, lang)?;
                (out, shown.suppressed)
            }
            _ => tallies_records(
                (output, format, dest),
                by,
                (&scales, &levels),
                (groups, min_group),
                options.threads,
            )?,
        };
        (rows, (out, groups_note(n_groups, suppressed, min_group)))
    };
    if let Some(d) = &dups {
        d.end_note();
    }
    let c = &rows.counts;
    super::finish_unless_empty(out, if c.stopped.is_some() { 0 } else { c.rows })?;
    c.end_notes_with(
        &rows.name,
        messages::pick("summarised", "汇总"),
        messages::pick("read but not summarised", "读取但未汇总"),
    );
    c.unwritten_note(a.output.as_deref());
    c.top_level_notice(&setup.policy);
    if !inp.quiet && c.stopped.is_none() {
        let (n, name, encoding) = (c.rows, &rows.name, rows.encoding);
        let (by, problems) = (grouping.by.join(", "), c.problems());
        eprintln!(
            "{}",
            tr!(
                "summarised {n} row(s) of {name} ({encoding}) by {by}: {what}; {problems} problem(s) reported above",
                "已按 {by} 汇总 {name}（{encoding}）的 {n} 行：{what}；上文报告了 {problems} 个问题"
            )
        );
    }
    Ok(c.exit(false))
}
