//! Rows read and scored on several threads (`--threads`): the file is
//! read in parts (`io::split`), each row's answers are read and scored on
//! the thread that read it, and this thread reports, counts and hands the
//! rows to the sink in input order, as `Rows::run` does for one reading
//! thread. The output, messages and counts are the same either way.

use crate::io::fields::Record;

use super::scorer::{incomplete, score_into};
use super::{row_number, Feed, Read, Row, RowSink, Rows, Scores};
use crate::io::input::Table;
use crate::io::record::RecordInfo;
use crate::io::split;
use crate::policy::{Level, Outcome};
use crate::score::{Answer, ScaleResult};

/// Is `table` read in parts on `threads` threads? A file large enough,
/// read as UTF-8, not hashed (see `Table::split_source`), and three threads
/// or more: on two cores the reader/scorer pair is faster (measured, 1M
/// rows: 0.32 s against 0.43 s; BENCHMARKS.md).
pub(super) fn splits(table: &Table, threads: usize) -> bool {
    threads > 2
        && table
            .split_source()
            .is_some_and(|s| s.size >= split::MIN_SIZE)
}

/// One row as a worker leaves it: read, scored.
#[derive(Default)]
struct ScoredRow<'s> {
    read: Read,
    /// The answers before skip logic (`Options::as_read`).
    as_read: Vec<Answer>,
    results: Vec<ScaleResult>,
    outcome: Outcome<'s>,
    level: Level,
    incomplete: u64,
}

impl<'s> Rows<'s> {
    /// `run` for `Feed::Parts`.
    pub(super) fn run_parts(&mut self, sink: &mut impl RowSink) -> anyhow::Result<()> {
        let Rows {
            counts,
            table,
            setup,
            stream,
            as_read,
            headers,
            shifts,
            position,
            threads,
            ..
        } = self;
        let Feed::Parts(read) = stream else {
            unreachable!("run_parts reads parts")
        };
        let (battery, bound) = setup.scoring.as_ref().expect("parts read raw answers");
        let keep_as_read = as_read.is_some();
        let n_scales = battery.n_scales();
        let derive = |rec: &mut Record, info: RecordInfo, row: &mut ScoredRow<'s>| {
            read.read(rec, info, &mut row.read);
            if keep_as_read {
                row.as_read.clone_from(&row.read.answers);
            }
            if row.results.len() != n_scales {
                row.results = vec![ScaleResult::default(); n_scales];
            }
            row.level = score_into(
                (battery, bound),
                &mut row.read.answers,
                &mut row.results,
                &mut row.outcome,
            );
            row.incomplete = incomplete(&row.results);
        };
        std::thread::scope(|scope| {
            let mut stream = split::stream(table, scope, *threads, &derive)
                .expect("`splits` said the file splits");
            stream.share_position(std::sync::Arc::clone(position));
            let mut last = 0;
            loop {
                let Some((rec, info, row)) = counts.next_or_stop(stream.next_row(), last)? else {
                    break;
                };
                counts.rows += 1;
                let number = row_number(table, rec, info, counts.rows);
                last = number;
                counts.record(number, &info, rec, (headers, *shifts));
                counts.cells(number, &row.read.bad, headers);
                counts.incomplete += row.incomplete;
                let row = Row {
                    number,
                    record: rec,
                    level: row.level,
                    scores: Scores::Answers {
                        answers: &row.read.answers,
                        as_read: if keep_as_read { &row.as_read } else { &[] },
                        results: &row.results,
                        outcome: &row.outcome,
                        raw_id: row.read.raw_id.as_deref(),
                    },
                };
                if let Some(n) = counts.per_level.get_mut(usize::from(row.level.0)) {
                    *n += 1;
                }
                if !sink.row(&row)? {
                    break;
                }
            }
            Ok(())
        })
    }
}
