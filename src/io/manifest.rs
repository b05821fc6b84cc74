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
    pub pseudonymized: bool,
    pub output: String,
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
