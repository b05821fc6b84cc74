//! `psyscreen score`: resolve the arguments, run the row pipeline into
//! `score`'s writer, write the manifest and the summary line, decide the
//! exit. Glue only: reading, scoring and writing rows are in pipeline/.

use std::time::Instant;

use crate::cli::{DuplicatesArg, Format, ScoreArgs};
use crate::exit::Exit;
use crate::instrument::{self, Lang};
use crate::io::input::{self, InputSpec};
use crate::io::manifest::{self, InputInfo, InstrumentInfo, Manifest, PolicyInfo, Problems};
use crate::io::output::Output;
use crate::io::privacy::Pseudonymizer;
use crate::io::protect::Protected;
use crate::io::write::Dest;
use crate::messages::{self, tr};
use crate::pipeline::duplicates::{self, Admitted, Duplicates};
use crate::pipeline::progress::{progress_bar, Progress};
use crate::pipeline::write::{check_lead, Filter, Lead, Writer};
use crate::pipeline::{check, Input, Options, Rows, Setup};
use crate::policy;
use crate::score::Battery;

pub fn run(a: &ScoreArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let lang: Lang = a.lang.into();
    let battery = Battery::new(instrument::resolve(&a.instruments)?);
    let setup = Setup::bind(policy::load(a.policy.as_deref())?, Some(battery))?;
    let level = |l: &Option<String>| {
        let parse = |l: &str| setup.policy.parse_level(l);
        l.as_deref().map(parse).transpose()
    };
    let filter = Filter {
        min_level: level(&a.min_level)?,
        fail_on: level(&a.fail_on)?,
    };
    let setup = setup.with_map(a.map.as_deref())?;
    let policy = &setup.policy;
    let (battery, bound) = setup.scoring.as_ref().expect("bound above");
    let input_path = input::file_path(a.input.as_ref());
    let header = input::given_header(&a.header, a.header_from.as_deref())?;
    let spec = InputSpec {
        path: input_path,
        encoding: a.read.encoding.as_deref(),
        delimiter: a.read.delimiter,
        sheet: a.read.sheet.as_deref(),
        from: a.read.from(),
        header: header.as_deref(),
    };
    let input = Input::open(&spec, a.manifest.is_some())?;
    let codes = (a.one_based, a.read.codes_as_is);
    if a.check {
        let plan = input.plan(battery, &setup.map)?;
        let labels = a.read.labels_export.as_deref();
        let findings = check::codes(&input, &plan, battery, codes, (labels, &setup.map))?;
        check::platform(&input, &findings, plan.found() < battery.n_items());
        let out = &mut std::io::stdout().lock();
        let missing = check::report(out, &input, battery, &plan)?;
        return Ok(if missing == 0 && findings.is_empty() {
            Exit::Success
        } else {
            Exit::Error
        });
    }
    // said after the rows' own messages, with the run's end
    let header_rows = check::header_rows(&input);
    // a run that stops before any row still says which rows were headers
    let with_note = |e: anyhow::Error| {
        if let Some(note) = &header_rows {
            eprintln!("{note}");
        }
        e
    };
    let source = input.source(&setup).map_err(with_note)?;
    if let Some(plan) = source.plan() {
        let labels = a.read.labels_export.as_deref();
        check::refuse_wrong_codes(&input, plan, battery, codes, (labels, &setup.map))
            .map_err(with_note)?;
    }
    let id = match &a.id_column {
        Some(c) => Some(input.column("--id-column", c)?),
        None => input.default_id(),
    };
    let keep: Vec<usize> =
        (a.keep.iter().map(|k| input.column("--keep", k))).collect::<Result<_, _>>()?;
    let pseudonymize = a.pseudonymize.is_some();
    check_lead(&input.table.headers, (id, &keep), pseudonymize, battery)?;
    // before any output: `last` and `error` read the file once first
    let mut dups = match id {
        Some(c) => Some(Duplicates::new(
            mode(a.duplicates),
            (&spec, c, a.read.threads()),
            policy,
            (
                !pseudonymize,
                crate::messages::pick(
                    "--duplicates first|last|error decides",
                    "用 --duplicates first|last|error 决定取舍",
                ),
                // the default stays in bounded memory; a chosen mode looks at every id
                (a.duplicates == DuplicatesArg::Keep).then_some(duplicates::TRACKED),
            ),
        )?),
        None if a.duplicates != DuplicatesArg::Keep => anyhow::bail!(crate::messages::tr!(
            "--duplicates {} needs an id column: give --id-column (the input has no `id` column)",
            "--duplicates {} 需要 id 列：请给出 --id-column（输入中没有 `id` 列）",
            mode(a.duplicates).flag()
        )),
        None => None,
    };
    let pseudonyms = match &a.pseudonymize {
        Some(key) => {
            let (p, created) = Pseudonymizer::load_or_create(key)?;
            if created {
                let key = key.display();
                eprintln!(
                    "{}",
                    tr!(
                        "created key file {key} (owner-only): keep it safe; without it pseudonyms cannot be re-linked",
                        "已创建密钥文件 {key}（仅所有者可读）：请妥善保管；没有它，化名无法再对应回原身份"
                    )
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
        .file(
            crate::messages::pick("the --labels-export file", "--labels-export 文件"),
            a.read.labels_export.as_deref(),
        )
        .definitions(&a.instruments, a.policy.as_deref(), a.map.as_deref())
        .file(
            crate::messages::pick("the --pseudonymize key", "--pseudonymize 密钥"),
            a.pseudonymize.as_deref(),
        )
        .file(
            crate::messages::pick("the --header-from file", "--header-from 文件"),
            a.header_from.as_deref(),
        );
    let output = Output::open(a.output.as_deref(), a.force, &mut protected)?;
    let manifest_output = a
        .manifest
        .as_deref()
        .map(|m| Output::open(Some(m), a.force, &mut protected))
        .transpose()?;
    let options = Options {
        one_based: a.one_based,
        // FHIR responses hold the answers given, before skip logic
        as_read: format == Format::Fhir,
        // pseudonyms and duplicates compare ids as read
        raw_id: id,
        threads: a.read.threads(),
    };
    let pseudonymized = pseudonyms.is_some();
    let dest = Dest::terminal_if(output.is_terminal());
    let lead = Lead {
        id,
        keep,
        pseudonyms,
    };
    let fail_on = filter.fail_on;
    // the header is written before any row is read
    let mut writer = Writer::new(
        (format, output, dest, a.fhir_bundle),
        (&input.table.headers, input.table.layout.as_ref()),
        (battery, policy, bound),
        lang,
        lead,
        filter,
    )?;
    // a table on a terminal: the columns that fit its width, unless --wide
    let compact = format == Format::Table && dest == Dest::Terminal && !a.wide;
    if compact {
        writer.compact_table(terminal_width());
    }
    let mut rows = Rows::start(input, &setup, source, options);
    let mut admitted = Admitted {
        dups: dups.as_mut(),
        inner: &mut writer,
    };
    match progress_bar(a.quiet, rows.table_size()) {
        Some(bar) => {
            let mut sink = Progress {
                inner: &mut admitted,
                bar,
                read: rows.progress(),
                rows: 0,
            };
            rows.run(&mut sink)?;
            sink.bar.finish_and_clear();
        }
        None => rows.run(&mut admitted)?,
    }
    if let Some(d) = &dups {
        d.end_note();
    }
    if let Some(note) = header_rows {
        eprintln!("{note}");
    }
    if compact && !a.quiet {
        eprintln!(
            "{}{}",
            messages::note(),
            tr!(
                "a compact table for this terminal; every column: --wide, --format csv or -o FILE",
                "为适应终端宽度只显示部分列；全部列：--wide、--format csv 或 -o 文件"
            )
        );
    }
    let counts = &rows.counts;
    // a row set aside as a repeated submission still reached its level
    let set_aside_reached =
        |f: crate::policy::Level| counts.per_level[usize::from(f.0)..].iter().any(|&n| n > 0);
    let hit_fail_on = writer.hit_fail_on() || fail_on.is_some_and(set_aside_reached);
    let closed = match writer.finish()? {
        // nothing scored, or not all read: leave no file that looks like a result
        Some(_) if (counts.rows == 0 || counts.stopped.is_some()) && a.output.is_some() => false,
        Some(o) => match o.finish() {
            Err(e) if crate::exit::is_broken_pipe(&e) => true,
            other => other.map(|()| false)?,
        },
        None => true,
    };
    if closed && a.fail_on.is_none() {
        // a closed pipe ends quietly (DESIGN), but a crisis is never quiet
        counts.top_level_notice_closed_early(policy);
        return Ok(Exit::Success);
    }
    let exit = counts.exit(hit_fail_on);
    // not all read: no provenance for a run that did not finish
    if let Some(m) = manifest_output.filter(|_| counts.stopped.is_none()) {
        manifest_of(a, &setup, &rows, (pseudonymized, exit)).write(m)?;
    }
    counts.end_notes(&rows.name, messages::pick("scored", "评分"));
    counts.unwritten_note(a.output.as_deref());
    counts.top_level_notice(policy);
    if !a.quiet {
        rows.counts.score_summary(
            &setup.policy,
            (&rows.name, rows.encoding, a.output.as_deref()),
            started.elapsed().as_secs_f64(),
            closed,
        );
    }
    Ok(exit)
}

/// The terminal's width in cells (80 when it cannot be told).
fn terminal_width() -> usize {
    crossterm::terminal::size()
        .ok()
        .map(|(cols, _)| usize::from(cols))
        .filter(|&c| c > 0)
        .unwrap_or(80)
}

fn manifest_of(
    a: &ScoreArgs,
    setup: &Setup,
    rows: &Rows<'_>,
    (pseudonymized, exit): (bool, Exit),
) -> Manifest {
    let policy = &setup.policy;
    let c = &rows.counts;
    let display = |p: &Option<std::path::PathBuf>, none: &str| {
        p.as_ref()
            .map_or_else(|| none.to_string(), |p| p.display().to_string())
    };
    Manifest {
        psyscreen_version: env!("CARGO_PKG_VERSION"),
        created: manifest::now_utc(),
        input: InputInfo {
            name: rows.name.clone(),
            sha256: rows.sha256(),
            encoding: rows.encoding.to_string(),
            rows: rows.counts.rows,
        },
        instruments: setup
            .battery()
            .map(|b| &b.instruments[..])
            .unwrap_or_default()
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
            file: display(&a.policy, "built-in"),
        },
        levels: policy
            .levels
            .iter()
            .zip(&rows.counts.per_level)
            .map(|(l, n)| (l.id.clone(), *n))
            .collect(),
        invalid_cells: c.bad_cells,
        incomplete_scale_results: c.incomplete,
        problems: Problems {
            rows_with_invalid_cells: c.bad_rows,
            rows_with_wrong_field_count: c.ragged,
            records_over_several_lines: c.spanning,
            lines_not_scored: c.absorbed,
            missing_item_columns: c.absent_columns,
            undecodable_header_cells: c.header_problems,
        },
        pseudonymized,
        output: display(&a.output, "<stdout>"),
        exit_code: exit.code(),
    }
}

fn mode(d: DuplicatesArg) -> duplicates::Mode {
    match d {
        DuplicatesArg::Keep => duplicates::Mode::All,
        DuplicatesArg::First => duplicates::Mode::First,
        DuplicatesArg::Last => duplicates::Mode::Last,
        DuplicatesArg::Error => duplicates::Mode::Refuse,
    }
}
