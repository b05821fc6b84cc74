//! psyscreen: score psychological screening questionnaires from YAML
//! definitions and flag people for follow-up by a referral policy.
//! A screening aid, not a diagnostic tool.
//!
//! Flow goes one way: `cmd` (glue, one file per subcommand) → `pipeline`
//! (every row read, scored and reported once) → `summary`, `report`, `io`,
//! `policy` → `score` → `instrument`, `condition`, `yaml`, `diag`. See the
//! README's Layout section for where a change goes.

pub mod administer;
pub mod capped;
pub mod change;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod condition;
pub mod diag;
pub mod exit;
pub mod fhir;
pub mod hotlines;
pub mod instrument;
pub mod io;
pub mod messages;
pub mod pipeline;
pub mod policy;
pub mod printable;
pub mod redcap;
pub mod report;
pub mod score;
pub mod summary;
mod yaml;

use diag::Reported;
use exit::Exit;

/// Run a parsed command line; returns the process exit code. Errors are
/// printed here, once: already-rendered diagnostics verbatim, others as
/// `error: ...` with their context chain. Both echo file text and header
/// names, so terminal control characters are stripped.
pub fn main_with(cli: cli::Cli) -> u8 {
    match cmd::run(cli) {
        Ok(code) => code.code(),
        Err(e) if exit::is_broken_pipe(&e) => Exit::Success.code(),
        Err(e) => {
            if let Some(r) = e.downcast_ref::<Reported>() {
                eprintln!("{}", printable::printable(r.0.trim_end()));
            } else {
                eprintln!(
                    "{}{}",
                    messages::error(),
                    printable::printable(&format!("{e:#}"))
                );
            }
            Exit::Error.code()
        }
    }
}
