//! A progress bar over a run's rows: a sink that passes every row on and
//! moves the bar by the bytes read, on a terminal and for big inputs only.

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Prepare, Prepared, Row, RowSink, Run, Setup};

/// Rows between progress updates.
const PROGRESS_EVERY: u64 = 1 << 14;

/// The progress bar, moved every `PROGRESS_EVERY` rows.
pub struct Progress<'w, S> {
    pub inner: &'w mut S,
    pub bar: indicatif::ProgressBar,
    pub read: Arc<AtomicU64>,
    pub rows: u64,
}

impl<S: RowSink> RowSink for Progress<'_, S> {
    #[inline]
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        self.step();
        self.inner.row(row)
    }

    fn prepare<'s>(&self, setup: &'s Setup, work: &mut Prepare<'s>) {
        self.inner.prepare(setup, work);
    }

    #[inline]
    fn prepared(&mut self, row: &Row<'_>, done: &Prepared<'_>) -> anyhow::Result<bool> {
        self.step();
        self.inner.prepared(row, done)
    }

    fn takes_runs(&self) -> bool {
        self.inner.takes_runs()
    }

    fn prepared_run(&mut self, run: &Run<'_>) -> anyhow::Result<(usize, bool)> {
        let (took, go) = self.inner.prepared_run(run)?;
        let before = self.rows;
        self.rows += took as u64;
        if self.rows / PROGRESS_EVERY != before / PROGRESS_EVERY {
            self.bar.set_position(self.read.load(Ordering::Relaxed));
        }
        Ok((took, go))
    }
}

impl<S> Progress<'_, S> {
    /// One row more: the bar moves every `PROGRESS_EVERY` rows.
    #[inline]
    fn step(&mut self) {
        self.rows += 1;
        if self.rows.is_multiple_of(PROGRESS_EVERY) {
            self.bar.set_position(self.read.load(Ordering::Relaxed));
        }
    }
}

pub fn progress_bar(quiet: bool, size: Option<u64>) -> Option<indicatif::ProgressBar> {
    const BIG: u64 = 8 << 20;
    let size = size.filter(|&s| s >= BIG)?;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let p = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(crate::messages::pick(
        "{spinner} scoring [{bar:30}] {bytes}/{total_bytes} ({eta})",
        "{spinner} 评分中 [{bar:30}] {bytes}/{total_bytes}（剩余 {eta}）",
    )) {
        p.set_style(style);
    }
    Some(p)
}
