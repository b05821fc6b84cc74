//! `psyscreen summary`: read a scored file or raw answers (scored here with
//! the same pieces as `score`), count by group, suppress small groups,
//! write. The input side (`Setup`, `Rows`) also feeds `psyscreen report`.
//! Glue only: counting is in summary/, scoring in score/ and policy/.

use std::io::Write as _;

use anyhow::{bail, Context as _};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement};
use csv::ByteRecord;

use crate::cli::{Format, GroupInputArgs, SummaryArgs};
use crate::exit::Exit;
use crate::instrument::{self, Lang};
use crate::io::columns::{self, ColumnPlan, MapFile};
use crate::io::input::{self, InputSpec, Table};
use crate::io::output::Output;
use crate::io::protect::Protected;
use crate::io::record;
use crate::io::write::{Columns, Kind, Sink};
use crate::policy::{self, Bound, Level, Policy};
use crate::score::{Answer, Battery};
use crate::summary::alpha::{fmt3, Reliability};
use crate::summary::careless::{parse_seconds, RowFlags};
use crate::summary::rows::{self, BadCell, RowScorer, ScoredColumns};
use crate::summary::{
    fmt2, key_label, suppressed_mark, Cell, Groups, LevelInfo, ScaleFact, ScaleInfo, Shown, Tally,
};

/// Duration columns found without `--duration-column` (exports: wjx,
/// Qualtrics, generic).
const DURATION_HEADERS: [&str; 7] = [
    "所用时间",
    "答题时长",
    "作答时长",
    "duration",
    "Duration",
    "Duration (in seconds)",
    "duration_seconds",
];

/// What the run is made of: instruments (raw input) and the policy.
pub(super) struct Setup {
    pub policy: Policy,
    pub battery: Option<Battery>,
    pub bound: Option<Bound>,
    pub map: MapFile,
}

impl Setup {
    pub fn load(a: &GroupInputArgs) -> anyhow::Result<Setup> {
        let policy = policy::load(a.policy.as_deref())?;
        let (battery, bound) = if a.instruments.is_empty() {
            (None, None)
        } else {
            let battery = Battery::new(instrument::resolve(&a.instruments)?);
            let bound = policy.bind(&battery, &instrument::builtin_names())?;
            (Some(battery), Some(bound))
        };
        let map = match &a.map {
            Some(p) => MapFile::load(p)?,
            None => MapFile::default(),
        };
        Ok(Setup {
            policy,
            battery,
            bound,
            map,
        })
    }

    pub fn levels(&self) -> Vec<LevelInfo> {
        rows::levels_of(&self.policy)
    }
}

/// What a command needs from each row beyond counts.
#[derive(Default)]
pub(super) struct Need {
    /// Reasons of rows at this level or above.
    pub reasons_from: Option<usize>,
    /// Careless-responding flags (raw answers only).
    pub flags: bool,
    pub duration_column: Option<String>,
}

enum Mode<'s> {
    Raw {
        scorer: Box<RowScorer<'s>>,
        battery: &'s Battery,
        /// Answers as read, before skip logic (for flags).
        as_read: Vec<Answer>,
    },
    Scored(ScoredColumns),
}

/// One row, as read and scored.
pub(super) struct View<'r> {
    /// As a spreadsheet shows it: the header is row 1.
    pub row: u64,
    pub id: String,
    pub key: &'r [String],
    pub facts: &'r [ScaleFact],
    pub level: usize,
    /// Filled for rows at `Need::reasons_from` or above.
    pub reasons: &'r str,
    /// Raw input: the answers after skip logic, in the battery's order.
    pub answers: Option<&'r [Answer]>,
    pub flags: Option<&'r RowFlags>,
}

pub(super) struct Rows<'s> {
    pub table: Table,
    pub by: Vec<String>,
    /// The id column's header, when there is one.
    pub id_name: Option<String>,
    setup: &'s Setup,
    mode: Mode<'s>,
    by_cols: Vec<usize>,
    id_col: Option<usize>,
    duration_col: Option<usize>,
    need: Need,
    lang: Lang,
    rec: ByteRecord,
    key: Vec<String>,
    facts: Vec<ScaleFact>,
    bad: Vec<BadCell>,
    reasons: String,
    flags: RowFlags,
    pub rows: u64,
    /// Invalid cells and rows with a wrong number of fields.
    pub problems: u64,
    pub per_level: Vec<u64>,
}

fn no_column(what: &str, name: &str, table: &Table) -> anyhow::Error {
    anyhow::anyhow!(
        "{what} `{name}` is not a column of {}: it has {}",
        table.name,
        table.headers.join(", ")
    )
}

impl<'s> Rows<'s> {
    pub fn open(a: &GroupInputArgs, setup: &'s Setup, need: Need) -> anyhow::Result<Rows<'s>> {
        let table = Table::open(&InputSpec {
            path: input::file_path(a.input.as_ref()),
            encoding: a.read.encoding.as_deref(),
            delimiter: a.read.delimiter,
            sheet: a.read.sheet.as_deref(),
        })?;
        for b in &table.header_problems {
            eprintln!("{}", b.render(1, &[]));
        }
        let find = |name: &str| table.headers.iter().position(|h| h == name.trim());
        let mut by_cols = Vec::new();
        for b in &a.by {
            by_cols.push(find(b).ok_or_else(|| no_column("--by", b, &table))?);
        }
        // item columns absent from the header: missing in every row
        let mut absent_columns = 0;
        let (mode, default_id) = match (&setup.battery, &setup.bound) {
            (Some(battery), Some(bound)) => {
                let plan = raw_plan(&table, battery, &setup.map)?;
                absent_columns = (plan.items.len() - plan.found()) as u64;
                let extra: Vec<(String, i32)> = setup
                    .map
                    .values
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                let scorer = RowScorer::new(battery, bound, plan, &extra, a.one_based);
                (
                    Mode::Raw {
                        scorer: Box::new(scorer),
                        battery,
                        as_read: Vec::new(),
                    },
                    find("id"),
                )
            }
            _ => {
                let cols = ScoredColumns::detect(&table.headers, known_scale).with_context(|| {
                    format!(
                        "{} has no scored columns ({{scale}}_total with {{scale}}_band, and risk_level): \
                         give -i with the instruments to score raw answers, or summarise a file `psyscreen score` wrote",
                        table.name
                    )
                })?;
                (Mode::Scored(cols), (!table.headers.is_empty()).then_some(0))
            }
        };
        let id_col = match &a.id_column {
            Some(c) => Some(find(c).ok_or_else(|| no_column("--id-column", c, &table))?),
            None => default_id,
        };
        let duration_col = match (&need.duration_column, need.flags) {
            (Some(c), _) => Some(find(c).ok_or_else(|| no_column("--duration-column", c, &table))?),
            (None, true) => DURATION_HEADERS.iter().find_map(|h| find(h)),
            (None, false) => None,
        };
        Ok(Rows {
            by: by_cols.iter().map(|&c| table.headers[c].clone()).collect(),
            id_name: id_col.map(|c| table.headers[c].clone()),
            setup,
            mode,
            by_cols,
            id_col,
            duration_col,
            need,
            lang: a.lang.into(),
            rec: ByteRecord::new(),
            key: Vec::new(),
            facts: Vec::new(),
            bad: Vec::new(),
            reasons: String::new(),
            flags: RowFlags::default(),
            rows: 0,
            problems: absent_columns + table.header_problems.len() as u64,
            per_level: vec![0; setup.policy.levels.len()],
            table,
        })
    }

    /// The scales in output order (for a scored file, with the bands seen).
    pub fn scales(&self) -> Vec<ScaleInfo> {
        match &self.mode {
            Mode::Raw { battery, .. } => rows::scales_of(battery),
            Mode::Scored(c) => c.scales.clone(),
        }
    }

    pub fn battery(&self) -> Option<&'s Battery> {
        match &self.mode {
            Mode::Raw { battery, .. } => Some(battery),
            Mode::Scored(_) => None,
        }
    }

    /// The next row, or `None` at the end. Problems with cells are printed
    /// (`row N, column C: ...`) and counted; the row is still used.
    pub fn next(&mut self) -> anyhow::Result<Option<View<'_>>> {
        let Some(info) = self.table.read(&mut self.rec)? else {
            return Ok(None);
        };
        self.rows += 1;
        // as a spreadsheet shows it: the header is row 1
        let row = if info.row > 0 {
            info.row
        } else {
            self.table.row_number(&self.rec, self.rows)
        };
        if info.breaks > 0 || info.unclosed {
            eprintln!(
                "{}",
                record::span_message(row, &info, &self.rec, &self.table.headers)
            );
            self.problems += 1;
        }
        let n_headers = self.table.headers.len();
        if self.rec.len() != n_headers {
            eprintln!("{}", record::ragged_message(row, self.rec.len(), n_headers));
            self.problems += 1;
        }
        self.key.clear();
        for &c in &self.by_cols {
            let v = String::from_utf8_lossy(self.rec.get(c).unwrap_or_default());
            self.key.push(v.trim().to_string());
        }
        let id = match self.id_col {
            Some(c) => String::from_utf8_lossy(self.rec.get(c).unwrap_or_default())
                .trim()
                .to_string(),
            None => row.to_string(),
        };
        self.reasons.clear();
        let level;
        let facts: &[ScaleFact];
        let mut answers = None;
        let mut flags = None;
        match &mut self.mode {
            Mode::Raw {
                scorer,
                battery,
                as_read,
            } => {
                scorer.read(&self.rec);
                if info.undecodable {
                    record::undecodable_cells(&mut self.rec, self.table.decoding, &mut scorer.bad);
                }
                for b in &scorer.bad {
                    eprintln!("{}", b.render(row, &self.table.headers));
                }
                self.problems += scorer.bad.len() as u64;
                if self.need.flags {
                    as_read.clone_from(&scorer.answers);
                }
                scorer.score();
                level = scorer.level();
                if self.need.reasons_from.is_some_and(|f| level >= f) {
                    scorer.reasons(self.lang, &mut self.reasons);
                }
                if self.need.flags {
                    let seconds = match self.duration_col.and_then(|c| self.rec.get(c)) {
                        Some(cell) if !cell.trim_ascii().is_empty() => {
                            let text = String::from_utf8_lossy(cell);
                            let s = parse_seconds(&text);
                            if s.is_none() {
                                let column = self
                                    .duration_col
                                    .map_or("", |c| self.table.headers[c].as_str());
                                eprintln!(
                                    "row {row}, column {column}: '{}' is not a duration (expected seconds such as 107秒, 107 or 1:47); no time check for this row",
                                    crate::diag::sanitize(text.trim())
                                );
                                self.problems += 1;
                            }
                            s
                        }
                        _ => None,
                    };
                    self.flags = RowFlags::check(battery, as_read, seconds);
                    flags = Some(&self.flags);
                }
                facts = scorer.facts.as_slice();
                answers = Some(scorer.answers.as_slice());
            }
            Mode::Scored(cols) => {
                let policy = &self.setup.policy;
                let level_of = |id: &str| policy.level(id).map(|l| usize::from(l.0));
                let read = cols.read(&self.rec, level_of, &mut self.facts, &mut self.bad);
                if info.undecodable {
                    record::undecodable_cells(&mut self.rec, self.table.decoding, &mut self.bad);
                }
                match read {
                    Ok(l) => level = l,
                    Err(rows::UnknownLevel(found)) => bail!(
                        "row {row}, column risk_level: '{}' is not a level of policy `{}` (expected {}): \
                         give the policy the file was scored with (--policy FILE)",
                        crate::diag::sanitize(&found),
                        policy.id,
                        policy.level_ids().join(", ")
                    ),
                }
                for b in &self.bad {
                    eprintln!("{}", b.render(row, &self.table.headers));
                }
                self.problems += self.bad.len() as u64;
                facts = &self.facts;
                if self.need.reasons_from.is_some_and(|f| level >= f) {
                    self.reasons
                        .push_str(String::from_utf8_lossy(cols.reasons(&self.rec)).trim());
                }
            }
        }
        if let Some(n) = self.per_level.get_mut(level) {
            *n += 1;
        }
        Ok(Some(View {
            row,
            id,
            key: &self.key,
            facts,
            level,
            reasons: &self.reasons,
            answers,
            flags,
        }))
    }

    /// Warnings and notices at the end of a read (stderr).
    pub fn finish_notes(&self) {
        if self.rows == 0 {
            eprintln!(
                "error: {} has a header but no rows: nothing summarised",
                self.table.name
            );
        }
        let levels = &self.setup.policy.levels;
        if levels.len() > 1 {
            let top = levels.len() - 1;
            let at_top = self.per_level.get(top).copied().unwrap_or(0);
            if at_top > 0 {
                eprintln!(
                    "notice: {at_top} row(s) at `{}`: act on them now (crisis protocol; `psyscreen hotlines`)",
                    levels[top].id
                );
            }
        }
    }
}

/// The column plan for raw answers, with `score`'s checks and warnings.
fn raw_plan(table: &Table, battery: &Battery, map: &MapFile) -> anyhow::Result<ColumnPlan> {
    columns::plan_for_scoring(&table.name, &table.headers, battery, map)
}

/// The bands of a built-in scale, to order a scored file's bands.
fn known_scale(id: &str) -> Option<ScaleInfo> {
    instrument::builtin_ids().into_iter().find_map(|i| {
        let inst = instrument::builtin_with(i, false)?.ok()?;
        inst.scales
            .iter()
            .find(|s| s.id == id)
            .map(rows::scale_info)
    })
}

/// The files the run reads, which `-o` must never overwrite.
pub(super) fn protected(a: &GroupInputArgs) -> Protected {
    Protected::default()
        .data(input::file_path(a.input.as_ref()))
        .instruments(&a.instruments)
        .file("the --policy file", a.policy.as_deref())
        .file("the --map file", a.map.as_deref())
}

// ------------------------------------------------------------- the command

pub fn run(a: &SummaryArgs) -> anyhow::Result<Exit> {
    let inp = &a.input;
    let lang: Lang = inp.lang.into();
    let setup = Setup::load(inp)?;
    let need = Need {
        reasons_from: None,
        flags: a.flags,
        duration_column: a.duration_column.clone(),
    };
    let mut rows = Rows::open(inp, &setup, need)?;
    let format = super::default_format(a.format, a.output.is_some());
    let output = Output::open(a.output.as_deref(), a.force, &mut protected(inp))?;

    let what = if a.quality {
        quality(&mut rows, inp.min_group, format, output)?
    } else if a.flags {
        flags(&mut rows, format, output, lang)?
    } else {
        counts(&mut rows, &setup, inp.min_group, format, output, lang)?
    };
    rows.finish_notes();
    if !inp.quiet {
        eprintln!(
            "summarised {} row(s) of {} ({}) by {}: {what}; {} problem(s) reported above",
            rows.rows,
            rows.table.name,
            rows.table.encoding,
            rows.by.join(", "),
            rows.problems
        );
    }
    Ok(Exit::after_run(rows.rows, rows.problems, false))
}

/// Flush the output, or move its file into place; but nothing read is
/// nothing summarised (exit 2): then no file that looks like a result.
fn finish_output(out: Output, rows: &Rows<'_>) -> anyhow::Result<()> {
    match out {
        Output::File { .. } if rows.rows == 0 => Ok(()),
        out => out.finish(),
    }
}

fn groups_note(shown_groups: usize, suppressed: usize, min_group: u64) -> String {
    format!(
        "{} group(s) shown, {suppressed} suppressed (fewer than {min_group} respondents)",
        shown_groups - suppressed
    )
}

/// Counts per group: the summary proper.
fn counts(
    rows: &mut Rows<'_>,
    setup: &Setup,
    min_group: u64,
    format: Format,
    output: Output,
    lang: Lang,
) -> anyhow::Result<String> {
    let mut groups: Groups<Tally> = Groups::default();
    while let Some(v) = rows.next()? {
        groups.row(v.key, Tally::default).add(v.facts, v.level);
    }
    let n_groups = groups.len();
    let shown = groups.finish(min_group);
    let scales = rows.scales();
    let levels = setup.levels();
    let out = match format {
        Format::Table => counts_table(output, &rows.by, &scales, &levels, &shown, lang)?,
        _ => counts_records(output, format, &rows.by, &scales, &levels, &shown)?,
    };
    finish_output(out, rows)?;
    Ok(groups_note(n_groups, shown.suppressed, min_group))
}

fn counts_records(
    output: Output,
    format: Format,
    by: &[String],
    scales: &[ScaleInfo],
    levels: &[LevelInfo],
    shown: &Shown<Tally>,
) -> anyhow::Result<Output> {
    let mut cols = Columns::new();
    cols.push("scope", Kind::Label);
    for b in by {
        cols.push(b.clone(), Kind::Text);
    }
    cols.push("n", Kind::Number);
    cols.push("suppressed", Kind::Bool);
    cols.push("incomplete", Kind::Number);
    for s in scales {
        cols.push(format!("{}_mean", s.id), Kind::Number);
        cols.push(format!("{}_sd", s.id), Kind::Number);
        for b in &s.bands {
            cols.push(format!("{}_{}", s.id, b.id), Kind::Number);
        }
        cols.push(format!("{}_incomplete", s.id), Kind::Number);
    }
    for l in levels {
        cols.push(format!("level_{}", l.id), Kind::Number);
    }
    let width = cols.names.len();
    let mut sink = Sink::new(format, output, cols)?;
    let json = matches!(format, Format::Json | Format::Jsonl);
    let mut rec = ByteRecord::new();
    let fill = |rec: &mut ByteRecord, n: u64, t: &Tally| {
        rec.push_field(n.to_string().as_bytes());
        rec.push_field(b"false");
        rec.push_field(t.incomplete.to_string().as_bytes());
        for (k, s) in scales.iter().enumerate() {
            let st = t.scales.get(k).cloned().unwrap_or_default();
            rec.push_field(fmt2(st.totals.mean()).as_bytes());
            rec.push_field(fmt2(st.totals.sd()).as_bytes());
            for b in 0..s.bands.len() {
                rec.push_field(st.band(b).to_string().as_bytes());
            }
            rec.push_field(st.incomplete.to_string().as_bytes());
        }
        for l in 0..levels.len() {
            rec.push_field(t.level(l).to_string().as_bytes());
        }
    };
    for (key, cell) in &shown.groups {
        rec.clear();
        rec.push_field(b"group");
        for v in key {
            rec.push_field(v.as_bytes());
        }
        match cell {
            Cell::Shown { n, data } => fill(&mut rec, *n, data),
            Cell::Suppressed => {
                // JSON has no `<5` number: null, with suppressed = true
                let mark = if json {
                    String::new()
                } else {
                    suppressed_mark(shown.min_group)
                };
                rec.push_field(mark.as_bytes());
                rec.push_field(b"true");
                while rec.len() < width {
                    rec.push_field(b"");
                }
            }
        }
        sink.row(&rec)?;
    }
    if let Some((n, all)) = &shown.overall {
        rec.clear();
        rec.push_field(b"all");
        for _ in by {
            rec.push_field(b"");
        }
        fill(&mut rec, *n, all);
        sink.row(&rec)?;
    }
    sink.finish()
}

fn comfy() -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t
}

fn right(s: impl ToString) -> comfy_table::Cell {
    comfy_table::Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

/// For people: one table per scale and one of risk levels.
fn counts_table(
    mut out: Output,
    by: &[String],
    scales: &[ScaleInfo],
    levels: &[LevelInfo],
    shown: &Shown<Tally>,
    lang: Lang,
) -> anyhow::Result<Output> {
    let zh = lang == Lang::Zh;
    let group_head = by.join(" / ");
    let all_label = if zh {
        "全部（已显示的组）"
    } else {
        "all shown groups"
    };
    let incomplete = if zh { "不完整" } else { "incomplete" };
    let mark = suppressed_mark(shown.min_group);
    let rows_of = |t: &mut comfy_table::Table,
                   f: &dyn Fn(u64, &Tally) -> Vec<comfy_table::Cell>| {
        for (key, cell) in &shown.groups {
            let mut r = vec![comfy_table::Cell::new(crate::diag::sanitize(&key_label(
                key, lang,
            )))];
            match cell {
                Cell::Shown { n, data } => r.extend(f(*n, data)),
                Cell::Suppressed => r.push(right(&mark)),
            }
            t.add_row(r);
        }
        if let Some((n, all)) = &shown.overall {
            let mut r = vec![comfy_table::Cell::new(all_label)];
            r.extend(f(*n, all));
            t.add_row(r);
        }
    };
    for (k, s) in scales.iter().enumerate() {
        let mut t = comfy();
        let mut head = vec![group_head.clone(), "n".into()];
        head.push(if zh { "均值" } else { "mean" }.into());
        head.push(if zh { "标准差" } else { "SD" }.into());
        head.extend(s.bands.iter().map(|b| b.display(lang)));
        head.push(incomplete.into());
        t.set_header(head);
        rows_of(&mut t, &|n, data| {
            let st = data.scales.get(k).cloned().unwrap_or_default();
            let mut r = vec![
                right(n),
                right(fmt2(st.totals.mean())),
                right(fmt2(st.totals.sd())),
            ];
            r.extend((0..s.bands.len()).map(|b| right(st.band(b))));
            r.push(right(st.incomplete));
            r
        });
        writeln!(out, "{}\n{t}\n", s.id)?;
    }
    let mut t = comfy();
    let mut head = vec![group_head.clone(), "n".into()];
    head.extend(levels.iter().map(|l| l.label.get(lang).to_string()));
    head.push(
        if zh {
            "含不完整量表"
        } else {
            "with an incomplete scale"
        }
        .into(),
    );
    t.set_header(head);
    rows_of(&mut t, &|n, data| {
        let mut r = vec![right(n)];
        r.extend((0..levels.len()).map(|l| right(data.level(l))));
        r.push(right(data.incomplete));
        r
    });
    writeln!(out, "{}\n{t}", if zh { "风险级别" } else { "risk levels" })?;
    if shown.suppressed > 0 {
        writeln!(
            out,
            "{}",
            if zh {
                format!(
                    "{mark}：少于 {} 人的组不显示，也不计入“全部”一行。",
                    shown.min_group
                )
            } else {
                format!(
                    "{mark}: groups with fewer than {} respondents are not shown and not part of the overall row.",
                    shown.min_group
                )
            }
        )?;
    }
    Ok(out)
}

/// Per scale: the k scored item values of a complete case, else `None`.
fn scored_items(battery: &Battery, answers: &[Answer], out: &mut [Vec<i64>]) -> Vec<bool> {
    let mut complete = Vec::with_capacity(out.len());
    let mut s = 0;
    let mut offset = 0;
    for inst in &battery.instruments {
        for scale in &inst.scales {
            let vals = &mut out[s];
            vals.clear();
            let mut ok = true;
            for &i in &scale.items {
                let item = &inst.items[i];
                match answers.get(offset + i) {
                    Some(Answer::Value(v)) => {
                        let set = &inst.response_sets[item.set];
                        let v = if item.reverse {
                            set.min + set.max - v
                        } else {
                            *v
                        };
                        vals.push(i64::from(v));
                    }
                    _ => ok = false,
                }
            }
            complete.push(ok);
            s += 1;
        }
        offset += inst.items.len();
    }
    complete
}

/// `--quality`: alpha and item statistics per scale, per shown group and
/// over all shown groups.
fn quality(
    rows: &mut Rows<'_>,
    min_group: u64,
    format: Format,
    output: Output,
) -> anyhow::Result<String> {
    let battery = rows
        .battery()
        .context("--quality needs raw answers: give -i with the instruments")?;
    let sizes: Vec<usize> = battery.scales().map(|(_, _, s)| s.items.len()).collect();
    let fresh = || {
        sizes
            .iter()
            .map(|&k| Reliability::new(k))
            .collect::<Vec<_>>()
    };
    let mut groups: Groups<Vec<Reliability>> = Groups::default();
    let mut vals: Vec<Vec<i64>> = vec![Vec::new(); sizes.len()];
    while let Some(v) = rows.next()? {
        let acc = groups.row(v.key, fresh);
        let Some(answers) = v.answers else { continue };
        let complete = scored_items(battery, answers, &mut vals);
        for ((r, vs), ok) in acc.iter_mut().zip(&vals).zip(complete) {
            if ok {
                r.add(vs);
            }
        }
    }
    let n_groups = groups.len();
    let shown = groups.finish(min_group);

    let mut cols = Columns::new();
    cols.push("scope", Kind::Label);
    for b in &rows.by {
        cols.push(b.clone(), Kind::Text);
    }
    for (name, kind) in [
        ("scale", Kind::Label),
        ("item", Kind::Label),
        ("n", Kind::Number),
        ("suppressed", Kind::Bool),
        ("alpha", Kind::Number),
        ("r_drop", Kind::Number),
        ("alpha_if_dropped", Kind::Number),
    ] {
        cols.push(name, kind);
    }
    let json = matches!(format, Format::Json | Format::Jsonl);
    let mut sink = Sink::new(format, output, cols)?;
    let scales: Vec<(&str, Vec<&str>)> = battery
        .scales()
        .map(|(_, inst, s)| {
            (
                s.id.as_str(),
                s.items.iter().map(|&i| inst.items[i].id.as_str()).collect(),
            )
        })
        .collect();
    let mut rec = ByteRecord::new();
    let mut emit = |sink: &mut Sink<Output>,
                    scope: &str,
                    key: &[String],
                    data: Option<&Vec<Reliability>>|
     -> anyhow::Result<()> {
        for (k, (scale, items)) in scales.iter().enumerate() {
            let head = |rec: &mut ByteRecord, item: &str| {
                rec.clear();
                rec.push_field(scope.as_bytes());
                for v in key {
                    rec.push_field(v.as_bytes());
                }
                rec.push_field(scale.as_bytes());
                rec.push_field(item.as_bytes());
            };
            head(&mut rec, "");
            let Some(r) = data.and_then(|d| d.get(k)) else {
                let mark = if json {
                    String::new()
                } else {
                    suppressed_mark(min_group)
                };
                rec.push_field(mark.as_bytes());
                for f in ["true", "", "", ""] {
                    rec.push_field(f.as_bytes());
                }
                sink.row(&rec)?;
                continue;
            };
            let n = r.n().to_string();
            for f in [n.as_str(), "false", &fmt3(r.alpha()), "", ""] {
                rec.push_field(f.as_bytes());
            }
            sink.row(&rec)?;
            for (item, st) in items.iter().zip(r.item_stats()) {
                head(&mut rec, item);
                for f in [
                    n.as_str(),
                    "false",
                    "",
                    &fmt3(st.r_drop),
                    &fmt3(st.alpha_if_dropped),
                ] {
                    rec.push_field(f.as_bytes());
                }
                sink.row(&rec)?;
            }
        }
        Ok(())
    };
    for (key, cell) in &shown.groups {
        match cell {
            Cell::Shown { data, .. } => emit(&mut sink, "group", key, Some(data))?,
            Cell::Suppressed => emit(&mut sink, "group", key, None)?,
        }
    }
    if let Some((_, all)) = &shown.overall {
        let blank = vec![String::new(); rows.by.len()];
        emit(&mut sink, "all", &blank, Some(all))?;
    }
    finish_output(sink.finish()?, rows)?;
    Ok(groups_note(n_groups, shown.suppressed, min_group))
}

/// `--flags`: the rows with a careless-responding flag, with their ids.
fn flags(
    rows: &mut Rows<'_>,
    format: Format,
    output: Output,
    lang: Lang,
) -> anyhow::Result<String> {
    let items = rows
        .battery()
        .context("--flags needs raw answers: give -i with the instruments")?
        .n_items();
    let mut cols = Columns::new();
    cols.push("row", Kind::Number);
    if let Some(id) = &rows.id_name {
        cols.push(id.clone(), Kind::Text);
    }
    for b in &rows.by {
        cols.push(b.clone(), Kind::Text);
    }
    cols.push("longstring", Kind::Number);
    cols.push("seconds", Kind::Number);
    cols.push("flags", Kind::Text);
    let has_id = rows.id_name.is_some();
    let mut sink = Sink::new(format, output, cols)?;
    let mut rec = ByteRecord::new();
    let mut flagged = 0u64;
    while let Some(v) = rows.next()? {
        let Some(f) = v.flags.filter(|f| f.any()) else {
            continue;
        };
        flagged += 1;
        rec.clear();
        rec.push_field(v.row.to_string().as_bytes());
        if has_id {
            rec.push_field(v.id.as_bytes());
        }
        for k in v.key {
            rec.push_field(k.as_bytes());
        }
        rec.push_field(
            f.longstring
                .map(|n| n.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        rec.push_field(
            f.too_fast
                .map(|(s, _)| s.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        rec.push_field(f.describe(items, lang).as_bytes());
        sink.row(&rec)?;
    }
    finish_output(sink.finish()?, rows)?;
    Ok(format!("{flagged} row(s) flagged for careless responding"))
}

/// The referral list's lowest level: `--min-level`, else `refer`, else the
/// policy's second-highest level.
pub(super) fn refer_from(policy: &Policy, min_level: Option<&str>) -> anyhow::Result<usize> {
    if let Some(l) = min_level {
        return Ok(usize::from(policy.parse_level(l)?.0));
    }
    Ok(policy.level("refer").map_or_else(
        || policy.levels.len().saturating_sub(2).max(1),
        |Level(l)| usize::from(l),
    ))
}
