//! One module per subcommand: resolve arguments, call the core, write.

use std::io::IsTerminal as _;

use crate::cli::{Cli, Command, Format, InstrumentsCmd, PolicyCmd};
use crate::exit::Exit;

mod administer;
mod hotlines;
mod instruments;
mod policy;
mod report;
mod score;
mod summary;
mod template;

pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Instruments(c) => match c {
            InstrumentsCmd::List { format } => instruments::list(format),
            InstrumentsCmd::Show { instrument, lang } => {
                instruments::show(&instrument, lang.into())
            }
            InstrumentsCmd::Validate { files } => Ok(instruments::validate(&files)),
            InstrumentsCmd::Test { instruments } => instruments::test(&instruments),
        },
        Command::Score(a) => score::run(&a),
        Command::Summary(a) => summary::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Template(a) => template::run(&a),
        Command::Policy(c) => match c {
            PolicyCmd::Show { file, lang } => policy::show(file.as_deref(), lang.into()),
            PolicyCmd::Validate { file, instruments } => policy::validate(&file, &instruments),
        },
        Command::Hotlines(a) => hotlines::run(&a),
        Command::Administer(a) => administer::run(&a),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut cmd, "psyscreen", &mut out);
            Ok(Exit::Success)
        }
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
