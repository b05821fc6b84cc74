//! Provenance manifest: what was scored, with what, by which version, when,
//! and what came out — so a shared result can be traced and checked.

use std::io::Write as _;

use serde::Serialize;

use super::output::Output;

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub psyscreen_version: &'static str,
    /// UTC, RFC 3339.
    pub created: String,
    pub input: InputInfo,
    pub instruments: Vec<InstrumentInfo>,
    pub policy: PolicyInfo,
    /// Rows per level id (all rows, also those --min-level left out), in the policy's order.
    pub levels: indexmap::IndexMap<String, u64>,
    pub invalid_cells: u64,
    pub incomplete_scale_results: u64,
    /// Every other problem the run reported on stderr.
    pub problems: Problems,
    pub pseudonymized: bool,
    pub output: String,
    /// The run's exit code (DESIGN: 0, 1 problems, 3 `--fail-on` reached).
    pub exit_code: u8,
}

/// The input's problems by class, as reported on stderr; any of them makes
/// the exit code at least 1. `input.rows` counts the rows scored.
#[derive(Debug, Serialize)]
pub struct Problems {
    pub rows_with_invalid_cells: u64,
    /// Rows with more or fewer fields than the header.
    pub rows_with_wrong_field_count: u64,
    /// Records that ran over several physical lines (an unclosed quote).
    pub records_over_several_lines: u64,
    /// Lines such a record took in that were not re-read as rows: any
    /// respondent on them was not scored.
    pub lines_not_scored: u64,
    /// Item columns absent from the header (missing in every row).
    pub missing_item_columns: u64,
    /// Header cells that do not decode in the input's encoding.
    pub undecodable_header_cells: u64,
}

#[derive(Debug, Serialize)]
pub struct InputInfo {
    pub name: String,
    pub sha256: Option<String>,
    pub encoding: String,
    pub rows: u64,
}

#[derive(Debug, Serialize)]
pub struct InstrumentInfo {
    pub id: String,
    pub version: String,
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub version: Option<String>,
    pub file: String,
}

pub use crate::clock::now_utc;

impl Manifest {
    /// Write to `out`, opened before the run so that a target it may not
    /// replace is refused before any scoring.
    pub fn write(&self, mut out: Output) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        writeln!(out)?;
        out.finish()
    }
}
