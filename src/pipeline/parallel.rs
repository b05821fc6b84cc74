//! Rows read and scored on several threads (`--threads`): the file is
//! read in parts (`io::split`), each row's answers are read and scored on
//! the thread that read it, and so is whatever the sink can have done
//! there (`RowSink::prepare`: `score`'s CSV line, the id's hash); this
//! thread reports, counts and hands the rows to the sink in input order,
//! as `Rows::run` does for one reading thread. The output, messages and
//! counts are the same either way.

use crate::io::fields::Record;

use super::scorer::{incomplete, score_into};
use super::write::CsvEncoder;
use super::{
    row_number, Feed, Prepare, Prepared, Read, ReadAnswers, Row, RowSink, Rows, Run, RunRow, Scores,
};
use crate::io::input::{Slot, Table};
use crate::io::record::RecordInfo;
use crate::io::split;
use crate::policy::{Bound, Level, Outcome};
use crate::score::{Answer, Battery, ScaleResult};

/// May `table` be read in parts on `threads` threads? A file large
/// enough, read as UTF-8 or GBK, not hashed (see `Table::split_source`),
/// and two threads or more; whether it is, `parts_pay` says once the sink
/// is known.
pub(super) fn splits(table: &Table, threads: usize) -> bool {
    threads >= 2
        && table
            .split_source()
            .is_some_and(|s| s.size >= split::MIN_SIZE)
}

/// Do parts pay, for a sink that asks for `work`? From three threads on,
/// always. On two, only when the workers also encode the output: else this
/// thread formats every row from memory another core wrote, and the
/// reader/scorer pair is faster (measured, 1M rows: 0.31–0.33 s against
/// 0.43 s). With the output encoded on the workers, parts do 0.87× the
/// floor's instructions on the busiest thread against the pair's 1.01×;
/// on a busy machine the two were level in wall time (BENCHMARKS.md, branch
/// `parts2`): this is the one place to turn two-thread parts off.
pub(super) fn parts_pay(threads: usize, work: &Prepare<'_>) -> bool {
    threads > 2 || work.csv.is_some()
}

/// One row as a worker leaves it: read, scored, and prepared for the sink.
#[derive(Default)]
struct ScoredRow<'s> {
    /// What this thread reads of every row, together.
    done: Done,
    /// Only when `done.scores`: a row whose line the sink takes as it is
    /// leaves its scores in the worker's scratch row, in that core's cache
    /// (writing every row's answers and results into the batch, memory
    /// that rotates through thousands of rows, doubled the cost of scoring).
    scores: Scored<'s>,
}

/// A row's answers and scores.
#[derive(Default)]
struct Scored<'s> {
    read: Read,
    /// The answers before skip logic (`Options::as_read`).
    as_read: Vec<Answer>,
    results: Vec<ScaleResult>,
    outcome: Outcome<'s>,
}

#[derive(Default)]
struct Done {
    /// `RecordInfo::row`: a row without its scores comes without its
    /// record and info (`Worker::row`).
    number: u64,
    level: Level,
    incomplete: u64,
    /// Nothing to report: one line, the header's field count, no bad cell
    /// (`Counts::record` and `Counts::cells` would say nothing).
    clean: bool,
    /// `line` and `id` were made (the row's number was known: `RecordInfo::row`).
    prepared: bool,
    /// `Prepare::csv`: where the row's CSV line is in its batch's `block`.
    line: (u32, u32),
    /// The CSV lines of the whole batch, one after the other, in its first
    /// row only: this thread reads them in one sweep, not from a buffer of
    /// each row's scattered over the other core's heap (measured: copying
    /// those was a quarter of this thread's time).
    block: Vec<u8>,
    /// `Prepare::ids`: the id's hash.
    id: Option<Option<u128>>,
    /// The row's `scores` are filled in (else only `line` is for the sink).
    scores: bool,
    /// The rows with nothing but their line for the sink (not `scores`)
    /// that follow one another from this one on, when it is the first of
    /// them; else 0. They are handed over as one `Run`.
    run: u32,
    /// What the sinks read of those rows (`RunRow`), all of the batch's
    /// in order, in its first row only (as `block`).
    plain: Vec<RunRow>,
    /// A row without its scores comes without its record too (`Table::fill`):
    /// where its id cell, as `duplicates` compares it, is in `id_texts`
    /// (`Prepare::ids`; a row that repeats an id is named in a message).
    id_text: Option<(u32, u32)>,
    /// Those id cells of the whole batch, in its first row only (as `block`).
    id_texts: Vec<u8>,
}

/// `n` as an offset in a batch's buffers (`Done::line`, `Done::id_text`).
fn at(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What each worker does with its rows (`split::Work`).
struct Worker<'w, 's> {
    read: &'w ReadAnswers,
    scoring: (&'s Battery, &'s Bound),
    work: &'w Prepare<'s>,
    encoder: Option<CsvEncoder<'w>>,
    /// Where each row is read and scored.
    scratch: Scored<'s>,
    /// The lines of the batch being read (`Done::block`).
    block: Vec<u8>,
    /// Its rows with nothing but a line for the sink (`Done::plain`).
    plain: Vec<RunRow>,
    /// Their id cells (`Done::id_texts`).
    id_texts: Vec<u8>,
    keep_as_read: bool,
    fields: usize,
}

impl<'s> split::Work<ScoredRow<'s>> for Worker<'_, 's> {
    fn row(&mut self, rec: &mut Record, info: RecordInfo, row: &mut ScoredRow<'s>) -> bool {
        let s = &mut self.scratch;
        self.read.read(rec, info, &mut s.read);
        if self.keep_as_read {
            s.as_read.clone_from(&s.read.answers);
        }
        let n_scales = self.scoring.0.n_scales();
        if s.results.len() != n_scales {
            s.results = vec![ScaleResult::default(); n_scales];
        }
        let done = &mut row.done;
        done.number = info.row;
        done.level = score_into(
            self.scoring,
            &mut s.read.answers,
            &mut s.results,
            &mut s.outcome,
        );
        done.incomplete = incomplete(&s.results);
        done.clean = info.breaks == 0
            && !info.unclosed
            && !info.undecodable
            && rec.len() == self.fields
            && s.read.bad.is_empty();
        // the number `row_number` gives: a CSV reader's row
        done.prepared = info.row > 0;
        if done.prepared {
            let view = Row {
                number: info.row,
                record: rec,
                level: done.level,
                scores: Scores::Answers {
                    answers: &s.read.answers,
                    as_read: &s.as_read,
                    results: &s.results,
                    outcome: &s.outcome,
                    raw_id: s.read.raw_id.as_deref(),
                },
            };
            if let Some(e) = &mut self.encoder {
                let start = self.block.len();
                e.encode(&view, &mut self.block);
                done.line = (at(start), at(self.block.len()));
            }
            done.id = self.work.ids.as_ref().map(|k| k.of(&view));
        }
        // a clean row whose line is made needs nothing more
        done.scores = !(done.clean && done.prepared && self.encoder.is_some());
        done.run = 0;
        done.id_text = None;
        if done.scores {
            std::mem::swap(&mut row.scores, &mut self.scratch);
        } else {
            let cell = self.work.ids.as_ref().and_then(|k| k.cell(rec));
            done.id_text = cell.map(|cell| {
                let start = self.id_texts.len();
                self.id_texts.extend_from_slice(cell);
                (at(start), at(self.id_texts.len()))
            });
            self.plain.push(RunRow {
                number: info.row,
                level: done.level,
                id: done.id,
                incomplete: done.incomplete,
                end: done.line.1,
            });
        }
        // the record and its info go along with the scores: a sink reads
        // either all or none (`Prepared::scores`)
        done.scores
    }

    fn batch(&mut self, rows: &mut [Slot<ScoredRow<'s>>]) {
        // each run of plain rows, marked at its first
        let mut start = None;
        for i in 0..=rows.len() {
            let plain = rows.get(i).is_some_and(|(_, _, r)| !r.done.scores);
            match (plain, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    rows[s].2.done.run = u32::try_from(i - s).expect("a batch's rows");
                    start = None;
                }
                _ => {}
            }
        }
        if let Some((_, _, first)) = rows.first_mut() {
            // the block the first row brings back (from an earlier batch) is
            // the next one's: no allocation
            std::mem::swap(&mut first.done.block, &mut self.block);
            self.block.clear();
            std::mem::swap(&mut first.done.plain, &mut self.plain);
            self.plain.clear();
            std::mem::swap(&mut first.done.id_texts, &mut self.id_texts);
            self.id_texts.clear();
        }
    }
}

impl<'s> Rows<'s> {
    /// `run` for `Feed::Parts`, with the `work` the sink asked for.
    pub(super) fn run_parts(
        &mut self,
        sink: &mut impl RowSink,
        work: Prepare<'s>,
    ) -> anyhow::Result<()> {
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
        let (work, read) = (&work, &*read);
        let fields = headers.len();
        // each worker's own: its encoder caches fields it encoded
        let make = || Worker {
            read,
            scoring: (battery, bound),
            work,
            encoder: work.csv.as_ref().map(|f| f.encoder()),
            scratch: Scored::default(),
            block: Vec::new(),
            plain: Vec::new(),
            id_texts: Vec::new(),
            keep_as_read,
            fields,
        };
        let asked_line = work.csv.is_some();
        // the lines of the batch being handed to the sink (`Done::block`),
        // its plain rows (`Done::plain`) and the next run's first among them
        let mut block = Vec::new();
        let mut plain: Vec<RunRow> = Vec::new();
        let mut id_texts = Vec::new();
        let mut next_plain = 0;
        let (unscored, no_record) = (Scored::default(), Record::new());
        std::thread::scope(|scope| {
            let mut stream = split::stream(table, scope, *threads, &make)
                .expect("`splits` said the file splits");
            stream.share_position(std::sync::Arc::clone(position));
            let mut last = 0;
            loop {
                let Some((rec, info, row)) = counts.next_or_stop(stream.next_row(), last)? else {
                    break;
                };
                if !row.done.block.is_empty() {
                    // a new batch: its lines here, the last batch's back to the workers
                    std::mem::swap(&mut block, &mut row.done.block);
                    std::mem::swap(&mut plain, &mut row.done.plain);
                    std::mem::swap(&mut id_texts, &mut row.done.id_texts);
                    next_plain = 0;
                }
                let run = row.done.run as usize;
                let rows = plain.get(next_plain..next_plain + run).unwrap_or_default();
                next_plain += run;
                if run > 0 && sink.takes_runs() {
                    let from = row.done.line.0 as usize;
                    let (took, go) = sink.prepared_run(&Run {
                        rows,
                        block: &block,
                        from,
                    })?;
                    if let Some(end) = rows[..took].last() {
                        for r in &rows[..took] {
                            counts.scored(r.level, r.incomplete);
                        }
                        counts.rows += took as u64;
                        last = end.number;
                        // the run's first row is this one
                        stream.skip_rows(took - 1);
                        if !go {
                            break;
                        }
                        continue;
                    }
                }
                counts.rows += 1;
                let done = &row.done;
                // a row that comes without its scores has neither its record
                // nor its info (`Worker::row`): a prepared row's number is
                // its `RecordInfo::row`
                let (rec, number) = if done.scores {
                    (&*rec, row_number(table, rec, info, counts.rows))
                } else {
                    (&no_record, done.number)
                };
                last = number;
                if !done.clean {
                    counts.record(number, &info, rec, (headers, *shifts));
                    counts.cells(number, &row.scores.read.bad, headers);
                }
                counts.scored(done.level, done.incomplete);
                // a row whose scores stayed with its worker (`Done::scores`)
                let (row_scores, empty) = (&row.scores, &unscored);
                let scored = if done.scores { row_scores } else { empty };
                // a row without its scores has no record either: its id
                // cell as read (`Done::id_text`)
                let id_text = done
                    .id_text
                    .and_then(|(a, b)| id_texts.get(a as usize..b as usize));
                let view = Row {
                    number,
                    record: rec,
                    level: done.level,
                    scores: Scores::Answers {
                        answers: &scored.read.answers,
                        as_read: if keep_as_read { &scored.as_read } else { &[] },
                        results: &scored.results,
                        outcome: &scored.outcome,
                        raw_id: scored.read.raw_id.as_deref().or(id_text),
                    },
                };
                let go = if done.prepared {
                    let (from, to) = (done.line.0 as usize, done.line.1 as usize);
                    let prepared = Prepared {
                        line: block.get(from..to).filter(|_| asked_line),
                        id: done.id,
                        scores: done.scores,
                    };
                    sink.prepared(&view, &prepared)?
                } else {
                    sink.row(&view)?
                };
                if !go {
                    break;
                }
            }
            Ok(())
        })
    }
}
