use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = psyscreen::cli::Cli::parse();
    ExitCode::from(psyscreen::main_with(cli))
}
