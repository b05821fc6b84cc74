//! `psyscreen completions SHELL`: a completion script made by
//! clap_complete from the clap definitions, to stdout.

use clap_complete::Shell;

use crate::cli::Cli;
use crate::exit::Exit;

pub fn run(shell: Shell) -> Exit {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "psyscreen", &mut out);
    Exit::Success
}
