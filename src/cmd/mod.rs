//! One module per subcommand: parse arguments, call the row pipeline and
//! the domain modules, choose the writer, decide the exit. No subcommand
//! imports another; what two share is here.

use std::io::IsTerminal as _;

use crate::cli::{Cli, Command, Format, GroupInputArgs, InstrumentsCmd, PolicyCmd};
use crate::exit::Exit;
use crate::io::input::{self, InputSpec};
use crate::io::output::Output;
use crate::io::protect::Protected;
use crate::pipeline::duplicates::{Duplicates, Mode};
use crate::pipeline::{Input, Setup, Source};

mod administer;
mod change;
mod completions;
mod hotlines;
mod instruments;
mod policy;
mod report;
mod score;
mod summary;
mod template;

pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    crate::messages::set(lang_of(&cli.command));
    match cli.command {
        Command::Instruments(c) => match c {
            InstrumentsCmd::List { format } => instruments::list(format.map(Into::into)),
            InstrumentsCmd::Show { instrument, lang } => {
                instruments::show(&instrument, lang.into())
            }
            InstrumentsCmd::Validate { files, .. } => Ok(instruments::validate(&files)),
            InstrumentsCmd::Test { instruments } => instruments::test(&instruments),
            InstrumentsCmd::Export {
                instrument,
                fhir,
                output,
                force,
                lang,
                ..
            } => instruments::export(&instrument, (fhir, lang.into()), (output.as_deref(), force)),
            InstrumentsCmd::Import {
                source,
                file,
                form,
                output,
                force,
                ..
            } => instruments::import(
                (&source, file.as_deref(), form.as_deref()),
                (output.as_deref(), force),
            ),
        },
        Command::Score(a) => score::run(&a),
        Command::Summary(a) => summary::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Template(a) => template::run(&a),
        Command::Policy(c) => match c {
            PolicyCmd::Show { file, lang } => policy::show(file.as_deref(), lang.into()),
            PolicyCmd::Validate {
                file, instruments, ..
            } => policy::validate(&file, &instruments),
        },
        Command::Hotlines(a) => hotlines::run(&a),
        Command::Administer(a) => administer::run(&a),
        Command::Completions { shell } => Ok(completions::run(shell)),
        Command::Change(a) => change::run(&a),
    }
}

/// No `--format`: a table for a person at a terminal, CSV for a pipe or file.
pub fn default_format(format: Option<Format>, to_file: bool) -> Format {
    format.unwrap_or(if !to_file && std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Csv
    })
}

/// A terminal's width in columns (80 when it cannot be told).
pub fn terminal_width() -> usize {
    crossterm::terminal::size()
        .ok()
        .map(|(cols, _)| usize::from(cols))
        .filter(|&c| c > 0)
        .unwrap_or(80)
}

/// `summary` and `report`: the instruments (none: a scored file) and
/// the policy.
fn group_setup(a: &GroupInputArgs) -> anyhow::Result<Setup> {
    let policy = crate::policy::load(a.policy.as_deref())?;
    let battery = (!a.instruments.is_empty())
        .then(|| crate::instrument::resolve(&a.instruments).map(crate::score::Battery::new))
        .transpose()?;
    Setup::bind(policy, battery)?.with_map(a.map.as_deref())
}

/// `summary` and `report`: the open input, its `--by` columns and where
/// its scores come from.
fn open_group_input(
    a: &GroupInputArgs,
    setup: &Setup,
) -> anyhow::Result<(Input, Vec<usize>, Source)> {
    let input = Input::open(&group_spec(a), false)?;
    crate::pipeline::check::say_header_rows(&input);
    let by = input.columns("--by", &a.by)?;
    let source = input.source(setup)?;
    if let (Some(plan), Some(battery)) = (source.plan(), setup.battery()) {
        let codes = (a.one_based, a.read.codes_as_is);
        let labels = a.read.labels_export.as_deref();
        let with = (labels, &setup.map);
        crate::pipeline::check::refuse_wrong_codes(&input, plan, battery, codes, with)?;
    }
    Ok((input, by, source))
}

fn group_spec(a: &GroupInputArgs) -> InputSpec<'_> {
    InputSpec {
        path: input::file_path(a.input.as_ref()),
        encoding: a.read.encoding.as_deref(),
        delimiter: a.read.delimiter,
        sheet: a.read.sheet.as_deref(),
        from: a.read.from(),
        header: None,
    }
}

/// `summary` and `report` count each person once: an id's last row (the
/// file is read a first time to know it). Stdin is read once: there every
/// row counts, and a repeated id is said. No id column: no duplicates.
fn group_duplicates<'p>(
    a: &GroupInputArgs,
    id: Option<usize>,
    policy: &'p crate::policy::Policy,
) -> anyhow::Result<Option<Duplicates<'p>>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let spec = group_spec(a);
    let stdin = spec.path.is_none_or(|p| p.as_os_str() == "-");
    let (mode, hint) = if stdin {
        (
            Mode::All,
            crate::messages::pick(
                "stdin is read once: give the file to count each person once",
                "标准输入只读一遍：要每人只计一次，请给出文件",
            ),
        )
    } else {
        (Mode::Last, "")
    };
    let limit = Some(crate::pipeline::duplicates::TRACKED);
    Duplicates::new(
        mode,
        (&spec, id, a.read.threads()),
        policy,
        (true, hint, limit),
    )
    .map(Some)
}

/// The files `summary` and `report` read, which `-o` must never overwrite.
fn group_protected(a: &GroupInputArgs) -> Protected {
    Protected::default()
        .data(input::file_path(a.input.as_ref()))
        .definitions(&a.instruments, a.policy.as_deref(), a.map.as_deref())
}

/// Flush the output, or move its file into place; but nothing read is
/// nothing summarised (exit 2): then no file that looks like a result.
fn finish_unless_empty(out: Output, rows: u64) -> anyhow::Result<()> {
    match out {
        Output::File { .. } if rows == 0 => Ok(()),
        out => out.finish(),
    }
}

/// The `--lang` of a command (English for one without it): the language
/// of its messages.
fn lang_of(command: &Command) -> crate::instrument::Lang {
    let lang = match command {
        Command::Instruments(InstrumentsCmd::Show { lang, .. })
        | Command::Policy(PolicyCmd::Show { lang, .. })
        | Command::Instruments(InstrumentsCmd::Export { lang, .. })
        | Command::Instruments(InstrumentsCmd::Import { lang, .. })
        | Command::Instruments(InstrumentsCmd::Validate { lang, .. })
        | Command::Policy(PolicyCmd::Validate { lang, .. }) => *lang,
        Command::Score(a) => a.lang,
        Command::Summary(a) => a.input.lang,
        Command::Report(a) => a.input.lang,
        Command::Hotlines(a) => a.lang,
        Command::Administer(a) => a.lang,
        Command::Change(a) => a.lang,
        _ => return crate::instrument::Lang::En,
    };
    lang.into()
}
