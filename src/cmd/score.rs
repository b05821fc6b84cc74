//! `psyscreen score`: stream rows in, score every instrument, apply the
//! policy, stream rows out. Glue only: reading is in io/, scoring in
//! score/, the policy in policy/.

use std::io::{IsTerminal as _, Write as _};
use std::time::Instant;

use anyhow::Context as _;

use crate::cli::ScoreArgs;
use crate::exit::{self, Exit};
use crate::instrument::{self, Lang};
use crate::io::cells::{AnswerReader, BadCell};
use crate::io::columns::{self, ColumnPlan, MapFile};
use crate::io::input::{self, InputSpec, Table};
use crate::io::manifest::{self, InputInfo, InstrumentInfo, Manifest, PolicyInfo};
use crate::io::output::Output;
use crate::io::privacy::Pseudonymizer;
use crate::io::protect::Protected;
use crate::io::record;
use crate::io::write::{Columns, Encoded, Kind, Sink};
use crate::policy::{self, Level, Outcome};
use crate::score::{Answer, Battery, ScaleResult};

/// Rows between progress updates.
const PROGRESS_EVERY: u64 = 1 << 14;

pub fn run(a: &ScoreArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let lang: Lang = a.lang.into();
    let battery = Battery::new(instrument::resolve(&a.instruments)?);
    let policy = policy::load(a.policy.as_deref())?;
    let bound = policy.bind(&battery, &instrument::BuiltinNames::default())?;
    let min_level = a
        .min_level
        .as_deref()
        .map(|l| policy.parse_level(l))
        .transpose()?;
    let fail_on = a
        .fail_on
        .as_deref()
        .map(|l| policy.parse_level(l))
        .transpose()?;
    let map = match &a.map {
        Some(p) => MapFile::load(p)?,
        None => MapFile::default(),
    };
    let input_path = input::file_path(a.input.as_ref());
    let mut table = Table::open_with(
        &InputSpec {
            path: input_path,
            encoding: a.read.encoding.as_deref(),
            delimiter: a.read.delimiter,
            sheet: a.read.sheet.as_deref(),
        },
        a.manifest.is_some(),
    )?;
    // header cells that do not decode: reported, and the run exits 1
    for b in &table.header_problems {
        eprintln!("{}", b.render(1, &[]));
    }
    let header_problems = table.header_problems.len() as u64;
    if a.check {
        let plan = columns::plan(&table.headers, &battery, &map)?;
        return check_report(&table, &battery, &plan);
    }
    // the encoding in the message: a wrong --encoding is the usual cause
    let read_as = format!("{} (read as {})", table.name, table.encoding);
    let plan = columns::plan_for_scoring(&read_as, &table.headers, &battery, &map)?;
    // every row of those items is missing: a problem with the input itself
    let absent_columns = (plan.items.len() - plan.found()) as u64;

    let find = |name: &str| table.headers.iter().position(|h| h == name);
    let id_col = match &a.id_column {
        Some(c) => Some(find(c).with_context(|| {
            format!(
                "--id-column `{c}` is not a column of {}: it has {}",
                table.name,
                table.headers.join(", ")
            )
        })?),
        None => find("id"),
    };
    let mut keep = Vec::new();
    for k in &a.keep {
        keep.push(find(k).with_context(|| {
            format!(
                "--keep `{k}` is not a column of {}: it has {}",
                table.name,
                table.headers.join(", ")
            )
        })?);
    }

    let mut cols = Columns::new();
    cols.push(
        id_col.map_or("row", |c| table.headers[c].as_str()),
        Kind::Text,
    );
    for &k in &keep {
        cols.push(table.headers[k].clone(), Kind::Text);
    }
    cols.push_results(&battery);

    let pseudonyms = match &a.pseudonymize {
        Some(key) => {
            let (p, created) = Pseudonymizer::load_or_create(key)?;
            if created {
                eprintln!(
                    "created key file {} (owner-only): keep it safe; without it pseudonyms cannot be re-linked",
                    key.display()
                );
            }
            Some(p)
        }
        None => None,
    };
    let format = super::default_format(a.format, a.output.is_some());
    // built after the key file exists: a new key is protected too
    let mut protected = Protected::default()
        .data(input_path)
        .instruments(&a.instruments)
        .file("the --policy file", a.policy.as_deref())
        .file("the --map file", a.map.as_deref())
        .file("the --pseudonymize key", a.pseudonymize.as_deref());
    let output = Output::open(a.output.as_deref(), a.force, &mut protected)?;
    let manifest_output = a
        .manifest
        .as_deref()
        .map(|m| Output::open(Some(m), a.force, &mut protected))
        .transpose()?;
    let mut sink = Sink::new(format, output, cols)?;

    let extra: Vec<(String, i32)> = map.values.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let reader = AnswerReader::new(&battery, &extra, a.one_based);
    let scales: Vec<&instrument::Scale> = battery.scales().map(|(_, _, s)| s).collect();

    let progress = progress_bar(a.quiet, table.size);
    let mut results = vec![ScaleResult::default(); battery.n_scales()];
    let mut outcome = Outcome::default();
    let mut reasons = String::new();
    let mut stats = Stats::new(policy.levels.len());
    let n_headers = table.headers.len();

    // band and level names encoded once, written per row without rescanning
    let bands: Vec<Vec<Encoded>> = scales
        .iter()
        .map(|s| {
            s.bands
                .iter()
                .map(|b| sink.encode(b.label.as_bytes()))
                .collect()
        })
        .collect();
    let incomplete = sink.encode(b"incomplete");
    let level_ids: Vec<Encoded> = policy
        .levels
        .iter()
        .map(|l| sink.encode(l.id.as_bytes()))
        .collect();
    let level_labels: Vec<Encoded> = policy
        .levels
        .iter()
        .map(|l| sink.encode(l.label.get(lang).as_bytes()))
        .collect();
    // answers are read on the parsing thread, in step with the rows
    let n_items = battery.n_items();
    let decoding = table.decoding;
    let hashed_id = id_col.filter(|_| pseudonyms.is_some());
    let mut rows = table.stream_with(move |rec, info, row: &mut ReadRow| {
        if row.answers.len() != n_items {
            row.answers = vec![Answer::Missing; n_items];
        }
        reader.read_record(&plan, rec, &mut row.answers, &mut row.bad);
        row.raw_id = None;
        if info.undecodable {
            // two ids that differ only in bytes that do not decode must not
            // become one pseudonym: hash them as read
            row.raw_id = hashed_id.and_then(|c| rec.get(c)).map(<[u8]>::to_vec);
            record::undecodable_cells(rec, decoding, &mut row.bad);
        }
    });
    let read_so_far = rows.position();
    // stdout closed (`| head`): with --fail-on, score on without writing so
    // the exit code still tells whether a row reached the level
    let mut closed = false;
    while let Some((rec, info, read)) = rows.next_row()? {
        stats.rows += 1;
        // as a spreadsheet shows it: the header is row 1
        let row = if info.row > 0 {
            info.row
        } else {
            table.row_number(rec, stats.rows)
        };
        if info.breaks > 0 || info.unclosed {
            eprintln!("{}", record::span_message(row, &info, rec, &table.headers));
            if info.reread == 0 {
                stats.absorbed += info.breaks;
                stats.swallowing += 1;
            }
            stats.spanning += 1;
        }
        if rec.len() != n_headers {
            eprintln!("{}", record::ragged_message(row, rec.len(), n_headers));
            stats.ragged += 1;
        }
        for b in &read.bad {
            eprintln!("{}", b.render(row, &table.headers));
        }
        stats.bad_cells += read.bad.len() as u64;
        let row_bad = !read.bad.is_empty();
        stats.bad_rows += u64::from(row_bad);
        // skip logic is applied in place: these answers are this row's own
        let answers = &mut read.answers;
        battery.score(answers, &mut results);
        bound.evaluate(&battery, answers, &results, &mut outcome);
        stats.per_level[usize::from(outcome.level.0)] += 1;
        for r in &results {
            stats.incomplete += u64::from(r.is_incomplete());
        }
        if fail_on.is_some_and(|f| outcome.level >= f) {
            stats.hit_fail_on = true;
        }
        if stats.rows.is_multiple_of(PROGRESS_EVERY) {
            if let Some(p) = &progress {
                p.set_position(read_so_far.load(std::sync::atomic::Ordering::Relaxed));
            }
        }
        if closed || min_level.is_some_and(|m| outcome.level < m) {
            continue;
        }

        match id_col.and_then(|c| rec.get(c)) {
            Some(id) if !id.is_empty() && pseudonyms.is_some() => {
                let p = pseudonyms.as_ref().expect("checked");
                sink.text(p.pseudonym(read.raw_id.as_deref().unwrap_or(id)).as_bytes());
            }
            Some(id) => sink.text(id),
            None if id_col.is_some() => sink.text(b""),
            None => sink.integer(i64::try_from(row).unwrap_or(i64::MAX)),
        }
        for &k in &keep {
            sink.text(rec.get(k).unwrap_or_default());
        }
        for (k, (s, r)) in scales.iter().zip(&results).enumerate() {
            match r.total {
                Some(t) if s.decimals == 0 => sink.integer(t),
                Some(t) => sink.number(s.format_total(t).as_bytes()),
                None => sink.number(b""),
            }
            match r.band {
                Some(b) => sink.encoded(&bands[k][b]),
                None => sink.encoded(&incomplete),
            }
            sink.boolean(r.prorated);
        }
        sink.encoded(&level_ids[usize::from(outcome.level.0)]);
        sink.encoded(&level_labels[usize::from(outcome.level.0)]);
        bound.reasons(&outcome, lang, &mut reasons);
        sink.reasons(reasons.as_bytes());
        match sink.end_row() {
            Err(e) if exit::is_broken_pipe(&e) && fail_on.is_some() => closed = true,
            Err(e) if exit::is_broken_pipe(&e) => {
                closed = true;
                break;
            }
            other => other?,
        }
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    if !closed {
        match sink.finish().and_then(|o| {
            if stats.rows == 0 && a.output.is_some() {
                // nothing scored: leave no file that looks like a result
                return Ok(());
            }
            o.finish()
        }) {
            Err(e) if exit::is_broken_pipe(&e) => closed = true,
            other => other?,
        }
    }
    if closed && fail_on.is_none() {
        // a closed pipe ends quietly (DESIGN), but a crisis is never quiet
        top_level_notice(&policy, &stats);
        return Ok(Exit::Success);
    }

    if let Some(manifest_output) = manifest_output {
        let manifest = Manifest {
            psyscreen_version: env!("CARGO_PKG_VERSION"),
            created: manifest::now_utc(),
            input: InputInfo {
                name: table.name.clone(),
                sha256: table.sha256(),
                encoding: table.encoding.to_string(),
                rows: stats.rows,
            },
            instruments: battery
                .instruments
                .iter()
                .map(|i| InstrumentInfo {
                    id: i.id.clone(),
                    version: i.version.clone(),
                    origin: i.origin.clone(),
                })
                .collect(),
            policy: PolicyInfo {
                id: policy.id.clone(),
                version: policy.version.clone(),
                file: a
                    .policy
                    .as_ref()
                    .map_or_else(|| "built-in".to_string(), |p| p.display().to_string()),
            },
            levels: policy
                .levels
                .iter()
                .zip(&stats.per_level)
                .map(|(l, n)| (l.id.clone(), *n))
                .collect(),
            invalid_cells: stats.bad_cells,
            incomplete_scale_results: stats.incomplete,
            pseudonymized: pseudonyms.is_some(),
            output: a
                .output
                .as_ref()
                .map_or_else(|| "<stdout>".to_string(), |p| p.display().to_string()),
        };
        manifest.write(manifest_output)?;
    }
    if stats.rows == 0 {
        eprintln!(
            "error: {} has a header but no rows: nothing scored",
            table.name
        );
    }
    if stats.absorbed > 0 {
        eprintln!(
            "warning: {} row(s) took in {} more line(s) through a quoted cell: any rows on those lines were not scored (see above)",
            stats.swallowing, stats.absorbed
        );
    }
    top_level_notice(&policy, &stats);
    if !a.quiet {
        let levels: Vec<String> = policy
            .levels
            .iter()
            .zip(&stats.per_level)
            .map(|(l, n)| format!("{} {n}", l.id))
            .collect();
        let dest = a
            .output
            .as_ref()
            .map(|p| format!(" → {}", p.display()))
            .unwrap_or_default();
        eprintln!(
            "scored {} row(s) of {} ({}){dest} in {:.2} s; {} invalid cell(s) in {} row(s){}{}; {} incomplete scale result(s); levels: {}",
            stats.rows,
            table.name,
            table.encoding,
            started.elapsed().as_secs_f64(),
            stats.bad_cells,
            stats.bad_rows,
            input_problems(&stats, absent_columns, header_problems),
            if closed { "; output stopped early (stdout closed)" } else { "" },
            stats.incomplete,
            levels.join(", ")
        );
    }
    Ok(Exit::after_run(
        stats.rows,
        stats.bad_cells + stats.ragged + stats.spanning + absent_columns + header_problems,
        stats.hit_fail_on,
    ))
}

/// The input's problems beyond invalid cells, for the summary line (each
/// was reported above, and each makes the exit code at least 1).
fn input_problems(stats: &Stats, absent_columns: u64, header_problems: u64) -> String {
    let mut out = String::new();
    for (n, what) in [
        (stats.ragged, "row(s) with a wrong number of fields"),
        (stats.spanning, "quoted cell(s) over several lines"),
        (absent_columns, "item column(s) missing"),
        (header_problems, "header cell(s) that do not decode"),
    ] {
        if n > 0 {
            out.push_str(&format!(", {n} {what}"));
        }
    }
    out
}

/// The one-line notice for rows at the policy's top level, printed in any
/// case (also with `--quiet`, also when stdout closed early).
fn top_level_notice(policy: &policy::Policy, stats: &Stats) {
    let top = policy.top();
    let at_top = stats.per_level[usize::from(top.0)];
    if at_top > 0 && top > Level(0) {
        eprintln!(
            "notice: {at_top} row(s) at `{}`: act on them now (crisis protocol; `psyscreen hotlines`)",
            policy.level_id(top)
        );
    }
}

/// What the parsing thread reads from one row.
#[derive(Default)]
struct ReadRow {
    answers: Vec<Answer>,
    bad: Vec<BadCell>,
    /// The id as read, before bytes that do not decode were replaced
    /// (only then, and only for `--pseudonymize`).
    raw_id: Option<Vec<u8>>,
}

struct Stats {
    rows: u64,
    bad_cells: u64,
    bad_rows: u64,
    ragged: u64,
    /// Records that ran over several physical lines, and the line breaks
    /// inside them.
    spanning: u64,
    /// Of those, the ones whose lines could not be re-read as rows.
    swallowing: u64,
    absorbed: u64,
    incomplete: u64,
    per_level: Vec<u64>,
    hit_fail_on: bool,
}

impl Stats {
    fn new(levels: usize) -> Self {
        Stats {
            rows: 0,
            bad_cells: 0,
            bad_rows: 0,
            ragged: 0,
            spanning: 0,
            swallowing: 0,
            absorbed: 0,
            incomplete: 0,
            per_level: vec![0; levels],
            hit_fail_on: false,
        }
    }
}

fn progress_bar(quiet: bool, size: Option<u64>) -> Option<indicatif::ProgressBar> {
    const BIG: u64 = 8 << 20;
    let size = size.filter(|&s| s >= BIG)?;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let p = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} scoring [{bar:30}] {bytes}/{total_bytes} ({eta})",
    ) {
        p.set_style(style);
    }
    Some(p)
}

/// `--check`: which column feeds which item; exit 0 when all are found.
fn check_report(table: &Table, battery: &Battery, plan: &ColumnPlan) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} ({}): {} column(s)",
        table.name,
        table.encoding,
        table.headers.len()
    )?;
    let mut missing = 0;
    for (g, inst, item) in battery.items() {
        match plan.items[g] {
            Some((c, how)) => writeln!(
                out,
                "  {:<12} ← column {} \"{}\" (by {})",
                item.id,
                c + 1,
                table.headers[c],
                how.describe()
            )?,
            None => {
                missing += 1;
                writeln!(
                    out,
                    "  {:<12} MISSING ({}: no column with this id or text)",
                    item.id, inst.id
                )?;
            }
        }
    }
    writeln!(
        out,
        "{} of {} item(s) found, {missing} missing",
        battery.n_items() - missing,
        battery.n_items()
    )?;
    Ok(if missing == 0 {
        Exit::Success
    } else {
        Exit::Error
    })
}
