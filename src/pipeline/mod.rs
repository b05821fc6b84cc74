//! The row pipeline, once for every command: open an input, plan its
//! columns, read each row's answers (on the reading thread), score them,
//! apply the policy, report the input's problems, and push each scored row
//! into a `RowSink` the command supplies — `score` writes it, `summary`
//! and `report` count it. Adding an output means writing a sink; reading
//! and scoring stay here.
//!
//! - `scorer`: the pure core (answers → results → level), no CSV;
//! - `scored`: a file `score` wrote, read back (no `-i`);
//! - `problems`: problems reported and counted, the run's `Counts`;
//! - `write`: the sink that writes `score`'s rows; `check`: `score --check`;
//! - `group`: a row as `summary` and `report` see it (group key, id, facts);
//! - `duplicates`: one id in several rows, reported, and which rows go on;
//! - `waves`: a row as `change` links it across waves.
//! - `batch`: rows already in memory (a binding: Python, Spark), scored into columns.

pub mod batch;
pub mod check;
pub mod duplicates;
pub mod fhir;
pub mod group;
mod parallel;
pub mod problems;
pub mod progress;
pub mod scored;
pub mod scorer;
pub mod waves;
pub mod write;

use std::path::Path;

use crate::io::fields::{Record, Utf8Check};
use anyhow::Context as _;

use crate::instrument::{self, BuiltinNames};
use crate::io::cells::{self, AnswerReader, BadCell};
use crate::io::columns::{self, ColumnPlan, Lookup, MapFile};
use crate::io::input::{InputSpec, RowStream, Table};
use crate::io::record::{self, RecordInfo};
use crate::policy::{self, Bound, Level, Outcome, Policy};
use crate::score::{Answer, Battery, ScaleResult};
use crate::summary::info::scales_of;
use crate::summary::{ScaleFact, ScaleInfo};

pub use problems::{Counts, Stopped};
use scored::{ScoredColumns, UnknownLevel};
use scorer::Scorer;

/// What rows are scored with: the policy, and the instruments with the
/// policy bound to them (none: the input is a file `score` wrote).
pub struct Setup {
    pub policy: Policy,
    pub scoring: Option<(Battery, Bound)>,
    pub map: MapFile,
}

impl Setup {
    /// The instruments (none: rows come from a scored file), the policy
    /// bound to them, and the `--map` file.
    pub fn load(
        instruments: &[String],
        policy: Option<&Path>,
        map: Option<&Path>,
    ) -> anyhow::Result<Setup> {
        let battery = (!instruments.is_empty())
            .then(|| instrument::resolve(instruments).map(Battery::new))
            .transpose()?;
        Setup::bind(policy::load(policy)?, battery)?.with_map(map)
    }

    /// Bind the policy to the instruments (checks every name it uses).
    pub fn bind(policy: Policy, battery: Option<Battery>) -> anyhow::Result<Setup> {
        let scoring = match battery {
            Some(b) => {
                let bound = policy.bind(&b, &BuiltinNames::default())?;
                Some((b, bound))
            }
            None => None,
        };
        Ok(Setup {
            policy,
            scoring,
            map: MapFile::default(),
        })
    }

    /// `--map`: header and label mappings.
    pub fn with_map(mut self, map: Option<&Path>) -> anyhow::Result<Setup> {
        if let Some(p) = map {
            self.map = MapFile::load(p)?;
        }
        Ok(self)
    }

    pub fn battery(&self) -> Option<&Battery> {
        self.scoring.as_ref().map(|(b, _)| b)
    }
}

/// An open input whose header is read; problems in the header reported.
pub struct Input {
    pub table: Table,
}

impl Input {
    /// Rows from anywhere a `Table` can be made of (a file, memory).
    pub fn from_table(table: Table) -> Input {
        Input { table }
    }

    /// `hash`: keep a SHA-256 of the bytes read (for `--manifest`).
    pub fn open(spec: &InputSpec<'_>, hash: bool) -> anyhow::Result<Input> {
        let table = Table::open_with(spec, hash)?;
        // header cells that do not decode: reported, and the run exits 1
        for b in &table.header_problems {
            eprintln!("{}", b.render(1, &[]));
        }
        Ok(Input { table })
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.table.headers.iter().position(|h| h == name)
    }

    /// The id column when none is given: a platform export's response id
    /// (REDCap's record id, Qualtrics' ResponseId, …), else `id`.
    pub fn default_id(&self) -> Option<usize> {
        let platform = self.table.layout.as_ref().and_then(|l| l.id.as_deref());
        platform
            .and_then(|h| self.find(h))
            .or_else(|| self.find("id"))
    }

    /// The platform's response id when it only numbers the responses of
    /// one survey (`Layout::id_counts_responses`): no person's id across
    /// waves.
    pub fn running_response_id(&self) -> Option<&str> {
        self.table.layout.as_ref()?.running_id()
    }

    /// Per column, a platform's question text (none for a plain table).
    fn texts(&self) -> &[String] {
        self.table.layout.as_ref().map_or(&[], |l| &l.texts)
    }

    /// The column a flag names (`--by`, `--id-column`, …), found as
    /// `columns::find_column` finds it (`班级` finds `2、班级`), or an
    /// error that names the candidates or the closest header.
    pub fn column(&self, flag: &str, name: &str) -> anyhow::Result<usize> {
        let headers = &self.table.headers;
        let shown = |c: usize| {
            format!(
                "column {} (\"{}\")",
                c + 1,
                crate::printable::printable_line(&headers[c])
            )
        };
        let name_shown = crate::printable::printable_line(name);
        match columns::find_column(headers, name) {
            Lookup::Found(c) => Ok(c),
            Lookup::Ambiguous(cols) => {
                let (file, candidates) = (
                    &self.table.name,
                    cols.iter()
                        .map(|&c| shown(c))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                anyhow::bail!(crate::messages::tr!(
                    "{flag} `{name_shown}` matches several columns of {file}: {candidates}; give the whole header",
                    "{flag} `{name_shown}` 与 {file} 的多列相符：{candidates}；请给出完整列名"
                ))
            }
            Lookup::Absent(closest) => {
                let (file, all) = (&self.table.name, list_headers(headers));
                let hint = closest.map_or(String::new(), |c| {
                    let c = shown(c);
                    crate::messages::tr!("did you mean {c}? ", "是否应为 {c}？")
                });
                anyhow::bail!(crate::messages::tr!(
                    "{flag} `{name_shown}` is not a column of {file}: {hint}it has {all}",
                    "{flag} `{name_shown}` 不是 {file} 的列：{hint}它的列有 {all}"
                ))
            }
        }
    }

    /// The columns `--by` names, in order.
    pub fn columns(&self, flag: &str, names: &[String]) -> anyhow::Result<Vec<usize>> {
        names.iter().map(|n| self.column(flag, n.trim())).collect()
    }

    /// Which column feeds which item (`score --check` shows it).
    pub fn plan(&self, battery: &Battery, map: &MapFile) -> anyhow::Result<ColumnPlan> {
        columns::plan(
            &self.table.name,
            &self.table.headers,
            self.texts(),
            battery,
            map,
        )
    }

    /// Where the rows' scores come from: the items' columns (at least one
    /// found; absent ones warned about), or a scored file's columns.
    pub fn source(&self, setup: &Setup) -> anyhow::Result<Source> {
        let t = &self.table;
        if setup.battery().is_none() {
            scored::refuse_duplicate_names(&t.name, &t.headers)?;
        }
        Ok(match setup.battery() {
            Some(battery) => {
                // the encoding in the message: a wrong --encoding is the usual cause
                let (name, encoding) = (&t.name, t.encoding);
                let read_as = crate::messages::tr!(
                    "{name} (read as {encoding})",
                    "{name}（按 {encoding} 读取）"
                );
                Source(From::Answers(columns::plan_for_scoring(
                    &read_as,
                    &t.headers,
                    self.texts(),
                    battery,
                    &setup.map,
                )?))
            }
            None => Source(From::Scored(
                ScoredColumns::detect(&t.headers, scored::known_scale).with_context(|| {
                    crate::messages::tr!(
                        "{} has no scored columns ({{scale}}_total with {{scale}}_band, and risk_level): \
                         give -i with the instruments to score raw answers, or summarise a file `psyscreen score` wrote",
                        "{} 中没有评分结果列（{{scale}}_total 和 {{scale}}_band，以及 risk_level）：\
                         要对原始作答评分请用 -i 指定量表，或汇总由 `psyscreen score` 写出的文件",
                        t.name
                    )
                })?,
            )),
        })
    }
}

/// The headers for a message: all of a short header, the first of a long
/// one (a wjx export has a hundred).
fn list_headers(headers: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut list: Vec<String> = headers
        .iter()
        .take(SHOWN)
        .map(|h| crate::printable::printable_line(h).into_owned())
        .collect();
    if headers.len() > SHOWN {
        list.push(format!("… ({} more)", headers.len() - SHOWN));
    }
    list.join(", ")
}

/// Where a row's scores come from; made by `Input::source`, for
/// `Rows::start` with the same `Setup`.
pub struct Source(From);

impl Source {
    /// The item columns, when raw answers are scored.
    pub fn plan(&self) -> Option<&ColumnPlan> {
        match &self.0 {
            From::Answers(plan) => Some(plan),
            From::Scored(_) => None,
        }
    }
}

enum From {
    /// Raw answers, read through this plan and scored here.
    Answers(ColumnPlan),
    /// A file `score` wrote: its totals, bands and levels as written.
    Scored(ScoredColumns),
}

/// What a command needs beyond the scores.
#[derive(Default, Clone, Copy)]
pub struct Options {
    /// `--one-based`: a cell `1` means the first option.
    pub one_based: bool,
    /// Keep the answers as read, before skip logic (careless flags).
    pub as_read: bool,
    /// Keep this column's bytes as read, before bytes that do not decode
    /// are replaced (pseudonyms: two ids that differ only there stay two).
    pub raw_id: Option<usize>,
    /// Threads to read and score on (`--threads`): 1, all on the calling
    /// thread; 2 or more, a large file in parts on that many threads
    /// (else one reading thread); 0, one reading thread.
    pub threads: usize,
}

/// One row, read and scored.
pub struct Row<'r> {
    /// As a spreadsheet shows it: the header is row 1.
    pub number: u64,
    /// The cells (bytes that do not decode replaced by U+FFFD).
    pub record: &'r Record,
    pub level: Level,
    pub scores: Scores<'r>,
}

pub enum Scores<'r> {
    /// Raw answers, scored here.
    Answers {
        /// After skip logic, in the battery's item order.
        answers: &'r [Answer],
        /// Before skip logic (`Options::as_read`; else empty).
        as_read: &'r [Answer],
        results: &'r [ScaleResult],
        outcome: &'r Outcome<'r>,
        /// `Options::raw_id`'s cell as read, when it did not decode.
        raw_id: Option<&'r [u8]>,
    },
    /// Read back from a file `score` wrote.
    Scored {
        facts: &'r [ScaleFact],
        reasons: &'r [u8],
    },
}

/// Where scored rows go. Returning `Ok(false)` stops the read early.
pub trait RowSink {
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool>;

    /// The work on each row this sink can have done on the threads that
    /// read and score the rows (a file read in parts, `--threads`), so the
    /// thread that runs the sink has less to do: each sink that wraps
    /// another adds its own to the inner one's. Rows scored with `setup`.
    /// None by default.
    fn prepare<'s>(&self, _setup: &'s Setup, _work: &mut Prepare<'s>) {}

    /// `row`, with the work `prepare` asked for done (as far as it could
    /// be: see `Prepared`). A sink that forwards `prepare` to another must
    /// forward this too: a row whose `line` is made may come without its
    /// scores (`Prepared::scores`), and only the sink that asked for the
    /// line can do without them.
    fn prepared(&mut self, row: &Row<'_>, done: &Prepared<'_>) -> anyhow::Result<bool> {
        anyhow::ensure!(done.scores, unscored());
        self.row(row)
    }

    /// Does this sink take rows a `Run` at a time (`prepared_run`)? A sink
    /// that forwards runs says so only when the inner one does.
    fn takes_runs(&self) -> bool {
        false
    }

    /// `prepared` of each row of `run`, in order, in one go: how many rows
    /// it took, from the first (the caller hands the rest over one by one,
    /// with `prepared`), and whether to go on. A sink that `takes_runs`
    /// takes all of them, unless a sink it wraps stops short; one that
    /// wraps another hands over only what it took itself. None by default.
    fn prepared_run(&mut self, _run: &Run<'_>) -> anyhow::Result<(usize, bool)> {
        Ok((0, true))
    }
}

/// One row of a `Run`: what the sinks read of a row with nothing to report.
#[derive(Clone, Copy, Default)]
pub struct RunRow {
    pub number: u64,
    pub level: Level,
    /// `Prepared::id`.
    pub id: Option<Option<u128>>,
    /// Scale results with no total or band (`Counts::incomplete`).
    pub incomplete: u64,
    /// Where its CSV line ends in `Run::block`.
    pub end: u32,
}

/// Rows in input order, each with nothing to report (one line, every
/// field, no bad cell) and its CSV line made (`Prepare::csv`): the sinks
/// take them together (`RowSink::prepared_run`), and their lines are
/// written in one piece.
pub struct Run<'r> {
    pub rows: &'r [RunRow],
    /// The lines of the batch the rows come from; the first row's begins
    /// at `from`, each row's ends at its `end`.
    pub block: &'r [u8],
    pub from: usize,
}

impl<'r> Run<'r> {
    /// The rows' CSV lines, one after the other, line breaks included.
    pub fn lines(&self) -> &'r [u8] {
        let to = self.rows.last().map_or(self.from, |r| r.end as usize);
        self.block.get(self.from..to).unwrap_or_default()
    }

    /// The first `n` rows.
    pub fn prefix(&self, n: usize) -> Run<'r> {
        Run {
            rows: &self.rows[..n.min(self.rows.len())],
            block: self.block,
            from: self.from,
        }
    }
}

/// A sink met a row without the scores it needs (`Prepared::scores`): a
/// bug, never a row written from empty scores.
fn unscored() -> anyhow::Error {
    anyhow::anyhow!(crate::messages::tr!(
        "internal error: a row was handed over without its scores",
        "内部错误：一行交出时没有附带它的评分"
    ))
}

/// A sink took only part of a run whose ids were noted already (see
/// `RowSink::prepared_run`): a bug, never rows dropped or noted twice.
fn run_cut() -> anyhow::Error {
    anyhow::anyhow!(crate::messages::tr!(
        "internal error: a run of rows was taken only in part",
        "内部错误：一组连续的行只被接收了一部分"
    ))
}

/// What `RowSink::prepare` asks the reading threads to do with each row.
#[derive(Default)]
pub struct Prepare<'s> {
    /// Encode the row as plain CSV, as the sink would write it.
    pub csv: Option<write::CsvFormat<'s>>,
    /// Hash its id, as `duplicates` compares ids.
    pub ids: Option<duplicates::IdKeys>,
}

/// One row's `Prepare` work, done.
pub struct Prepared<'r> {
    /// The row as plain CSV, its line break included (`None`: not encoded).
    pub line: Option<&'r [u8]>,
    /// The hash of its id (`IdKeys::of`; `None`: not hashed).
    pub id: Option<Option<u128>>,
    /// The row's answers and scores are in `Row::scores`; `false`: they
    /// were left out (a row with nothing to report whose `line` is made),
    /// and `Row::scores` is empty, and so is `Row::record` but for the id
    /// cell as `duplicates` compares it, in `raw_id` (`pipeline::parallel`).
    pub scores: bool,
}

impl<F: FnMut(&Row<'_>) -> anyhow::Result<bool>> RowSink for F {
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        self(row)
    }
}

/// What the reading thread reads from one row.
#[derive(Default)]
struct Read {
    answers: Vec<Answer>,
    bad: Vec<BadCell>,
    raw_id: Option<Vec<u8>>,
}

/// How a row's answers are read (on the thread that read the row).
struct ReadAnswers {
    reader: AnswerReader,
    plan: ColumnPlan,
    /// Per item, its column (`u32::MAX`: none): `plan` in the form the
    /// hot path reads.
    columns: Vec<u32>,
    n_items: usize,
    raw_id: Option<usize>,
    /// The header's fields, and whether more fields misalign a row.
    fields: usize,
    shifts: bool,
    decoding: record::Decoding,
    /// `cells::answer_block` of `columns`: a record whose UTF-8 check was
    /// left to the answers (`Utf8Check::Pending`) is checked around it.
    block: Option<(usize, usize)>,
}

impl ReadAnswers {
    #[inline]
    fn read(&self, rec: &mut Record, info: RecordInfo, row: &mut Read) {
        if row.answers.len() != self.n_items {
            row.answers = vec![Answer::Missing; self.n_items];
        }
        if self.shifts && rec.len() > self.fields {
            // misaligned: no answer is surely under its own header
            row.answers.fill(Answer::Invalid);
            row.bad.clear();
            self.check_utf8(rec, None);
        } else if self.read_fields(rec, &mut row.answers) {
            row.bad.clear();
            self.check_utf8(rec, self.block);
        } else {
            // an invalid cell: read item by item again, saying what is
            // wrong with each
            self.reader
                .read_record(&self.plan, rec, &mut row.answers, &mut row.bad);
            self.check_utf8(rec, None);
        }
        row.raw_id = None;
        let undecodable = match rec.utf8_check() {
            Utf8Check::Checked { undecodable } => undecodable,
            Utf8Check::Done | Utf8Check::Pending => info.undecodable,
        };
        if undecodable {
            row.raw_id = self.raw_id.and_then(|c| rec.get(c)).map(<[u8]>::to_vec);
            record::undecodable_cells(rec, self.decoding, &mut row.bad);
            // the record it made in place of this one does not know
            // (`RecordInfo::undecodable` is set from it: `Table::fill`)
            if !info.undecodable {
                rec.set_utf8_check(Utf8Check::Checked { undecodable });
            }
        }
    }
}

impl ReadAnswers {
    /// The hot path of `read`: what `AnswerReader::read_record` reads, as
    /// long as no cell is invalid (false: one is, and nothing is said
    /// about it here).
    #[inline]
    fn read_fields(&self, rec: &Record, answers: &mut [Answer]) -> bool {
        self.reader.read_columns(&self.columns, rec, answers)
    }

    /// A record the reader left unchecked (`Utf8Check::Pending`): checked
    /// here, around `block` (`Some` only when the hot path read it with
    /// no invalid cell: `cells::valid_utf8_around`), else whole.
    #[inline]
    fn check_utf8(&self, rec: &mut Record, block: Option<(usize, usize)>) {
        if rec.utf8_check() != Utf8Check::Pending {
            return;
        }
        let valid = match block {
            Some(block) => cells::valid_utf8_around(rec, block),
            None => crate::io::fields::valid_utf8(rec.as_slice()),
        };
        rec.set_utf8_check(Utf8Check::Checked {
            undecodable: !valid,
        });
    }
}

/// Where `run` takes its rows from.
enum Feed {
    /// One reading thread, started by `Rows::start`.
    One(RowStream<Read>),
    /// Parts of the file read and scored on several threads, started by
    /// `run` (`parallel`), or one reading thread after all when the sink
    /// does not make parts pay (`parallel::parts_pay`).
    Parts(ReadAnswers),
    /// For a moment, while `run` turns `Parts` into `One`.
    Switching,
}

/// The rows of an input, streamed from the reading thread; `run` scores
/// them into a sink.
pub struct Rows<'s> {
    pub name: String,
    pub encoding: &'static str,
    pub headers: Vec<String>,
    pub counts: Counts,
    table: Table,
    setup: &'s Setup,
    mode: Mode<'s>,
    stream: Feed,
    /// Bytes read so far (progress).
    position: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Threads to read and score on (`Feed::Parts`).
    threads: usize,
    as_read: Option<Vec<Answer>>,
    /// A row with extra fields is misaligned (CSV; a sheet's cells stay
    /// in their columns).
    shifts: bool,
}

enum Mode<'s> {
    Answers(Scorer<'s>),
    Scored {
        cols: ScoredColumns,
        facts: Vec<ScaleFact>,
        bad: Vec<BadCell>,
    },
}

impl<'s> Rows<'s> {
    /// Start the reading thread. Raw answers are read on it, in step with
    /// the rows, so the scoring thread only scores.
    pub fn start(input: Input, setup: &'s Setup, source: Source, opts: Options) -> Rows<'s> {
        let mut table = input.table;
        let mut counts = Counts {
            header_problems: table.header_problems.len() as u64,
            per_level: vec![0; setup.policy.levels.len()],
            ..Counts::default()
        };
        let decoding = table.decoding;
        let (mode, stream) = match (source.0, &setup.scoring) {
            (From::Answers(plan), Some((battery, bound))) => {
                // every row of those items is missing: a problem with the input itself
                counts.absent_columns = (plan.items.len() - plan.found()) as u64;
                let extra: Vec<(String, i32)> = setup
                    .map
                    .values
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                let columns: Vec<u32> = plan
                    .items
                    .iter()
                    .map(|c| {
                        c.and_then(|(c, _)| u32::try_from(c).ok())
                            .unwrap_or(u32::MAX)
                    })
                    .collect();
                let read = ReadAnswers {
                    reader: AnswerReader::new(battery, &extra, opts.one_based),
                    block: cells::answer_block(&columns),
                    columns,
                    plan,
                    n_items: battery.n_items(),
                    raw_id: opts.raw_id,
                    fields: table.headers.len(),
                    shifts: cells_can_shift(&table),
                    decoding,
                };
                let mode = Mode::Answers(Scorer::new(battery, bound));
                if parallel::splits(&table, opts.threads) {
                    // read and scored in parts on `opts.threads` threads, in `run`
                    (mode, Feed::Parts(read))
                } else if let Some(part) = table.take_typed() {
                    // a binding's typed columns: no text between them and the answers
                    (mode, Feed::One(batch::typed_stream(read, part)))
                } else {
                    let derive = move |rec: &mut Record, info, row: &mut Read| {
                        read.read(rec, info, row);
                    };
                    let stream = if opts.threads == 1 {
                        // one thread: no hand-off of rows between threads
                        table.stream_inline(derive)
                    } else {
                        table.stream_with(derive)
                    };
                    (mode, Feed::One(stream))
                }
            }
            (From::Answers(_), None) => unreachable!("a plan is only made with instruments"),
            (From::Scored(cols), _) => {
                let stream = if opts.threads == 1 {
                    table.stream_inline(|_, _, _: &mut Read| {})
                } else {
                    table.stream_with(|_, _, _: &mut Read| {})
                };
                let mode = Mode::Scored {
                    cols,
                    facts: Vec::new(),
                    bad: Vec::new(),
                };
                (mode, Feed::One(stream))
            }
        };
        Rows {
            shifts: cells_can_shift(&table),
            name: table.name.clone(),
            encoding: table.encoding,
            headers: table.headers.clone(),
            counts,
            table,
            setup,
            mode,
            position: match &stream {
                Feed::One(s) => s.position(),
                Feed::Parts(_) | Feed::Switching => std::sync::Arc::default(),
            },
            stream,
            threads: opts.threads,
            as_read: opts.as_read.then(Vec::new),
        }
    }

    /// The input's size in bytes, when known (for progress).
    pub fn table_size(&self) -> Option<u64> {
        self.table.size
    }

    /// Bytes read so far (CSV only), for progress.
    pub fn progress(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        std::sync::Arc::clone(&self.position)
    }

    /// SHA-256 of the input's bytes (`Input::open` with `hash`); complete
    /// after `run`.
    pub fn sha256(&self) -> Option<String> {
        self.table.sha256()
    }

    /// The scales as a summary shows them, in output order (for a scored
    /// file, with the bands seen so far).
    pub fn scales(&self) -> Vec<ScaleInfo> {
        match &self.mode {
            Mode::Scored { cols, .. } => cols.scales.clone(),
            Mode::Answers(_) => self.setup.battery().map(scales_of).unwrap_or_default(),
        }
    }

    /// Read, report and score every row into `sink`, until the end or
    /// until the sink says stop (`Ok(false)`) or fails (its error is the
    /// run's). The counts are in `counts` afterwards, for the exit code and
    /// the closing lines; the reading thread ends with `self`. A read error
    /// before any row is the run's error; after rows were scored it ends
    /// the read and is kept in `counts.stopped` (those rows stand: the
    /// command closes its output, gives the notices and exits 2 or 3).
    pub fn run(&mut self, sink: &mut impl RowSink) -> anyhow::Result<()> {
        let mut work = Prepare::default();
        sink.prepare(self.setup, &mut work);
        if let Feed::Parts(_) = self.stream {
            if parallel::parts_pay(self.threads, &work) {
                return self.run_parts(sink, work);
            }
            self.one_reading_thread();
        }
        // rows go on one at a time: the id is hashed before the row is
        // scored and what the sink will look up of it asked for, so that
        // it is in cache by then (`IdKeys::ahead`); no line is encoded here
        let ids = work.ids;
        let Rows {
            counts,
            table,
            setup,
            mode,
            stream,
            as_read,
            headers,
            shifts,
            ..
        } = self;
        let decoding = table.decoding;
        let Feed::One(stream) = stream else {
            unreachable!("parts are read in run_parts")
        };
        let mut last = 0;
        loop {
            let Some((rec, info, read)) = counts.next_or_stop(stream.next_row(), last)? else {
                break;
            };
            counts.rows += 1;
            let number = row_number(table, rec, info, counts.rows);
            last = number;
            let misaligned = *shifts && rec.len() > headers.len();
            counts.record(number, &info, rec, (headers, *shifts));
            // (a scored file's rows read nothing: no id cell as read)
            let id = ids.as_ref().map(|k| {
                let hash = k.of_record(rec, read.raw_id.as_deref());
                if let Some(h) = hash {
                    k.ahead(h);
                }
                hash
            });
            let row = match mode {
                Mode::Answers(scorer) => {
                    counts.cells(number, &read.bad, headers);
                    if let Some(keep) = as_read.as_mut() {
                        keep.clone_from(&read.answers);
                    }
                    let level = scorer.score(&mut read.answers);
                    counts.incomplete += scorer.incomplete();
                    Row {
                        number,
                        record: rec,
                        level,
                        scores: Scores::Answers {
                            answers: &read.answers,
                            as_read: as_read.as_deref().unwrap_or_default(),
                            results: &scorer.results,
                            outcome: &scorer.outcome,
                            raw_id: read.raw_id.as_deref(),
                        },
                    }
                }
                Mode::Scored { cols, facts, bad } => {
                    let level = if misaligned {
                        misaligned_scored(&setup.policy, cols, (rec, headers.len()), facts, bad)
                    } else {
                        read_scored(&setup.policy, cols, rec, number, facts, bad)?
                    };
                    if info.undecodable {
                        record::undecodable_cells(rec, decoding, bad);
                    }
                    counts.cells(number, bad, headers);
                    Row {
                        number,
                        record: rec,
                        level,
                        scores: Scores::Scored {
                            facts,
                            reasons: cols.reasons(rec),
                        },
                    }
                }
            };
            counts.scored(row.level, 0);
            let done = Prepared {
                line: None,
                id,
                scores: true,
            };
            if !sink.prepared(&row, &done)? {
                break;
            }
        }
        Ok(())
    }
}

impl Rows<'_> {
    /// Read the rows `Feed::Parts` would have read in parts on one
    /// reading thread instead, as `start` does for a file that does not split.
    fn one_reading_thread(&mut self) {
        let Feed::Parts(read) = std::mem::replace(&mut self.stream, Feed::Switching) else {
            return;
        };
        let mut stream = self
            .table
            .stream_with(move |rec: &mut Record, info, row: &mut Read| {
                read.read(rec, info, row);
            });
        stream.share_position(std::sync::Arc::clone(&self.position));
        self.stream = Feed::One(stream);
    }
}

/// Can a cell typed with the delimiter in it move the cells after it?
/// Yes in delimited text; a sheet's cells keep their columns.
fn cells_can_shift(table: &Table) -> bool {
    table.encoding != "xlsx"
}

/// A scored row with more fields than the header: its totals and bands
/// cannot be matched to their columns (all incomplete). Its level is the
/// highest level found where `risk_level` may have moved to (the extra
/// fields push it right), and at least the policy's `missing_critical`.
fn misaligned_scored(
    policy: &Policy,
    cols: &ScoredColumns,
    (rec, fields): (&Record, usize),
    facts: &mut Vec<ScaleFact>,
    bad: &mut Vec<BadCell>,
) -> Level {
    bad.clear();
    facts.clear();
    facts.resize(cols.scales.len(), ScaleFact::default());
    let extra = rec.len().saturating_sub(fields);
    (cols.level..=cols.level + extra)
        .filter_map(|c| rec.get(c))
        .filter_map(|cell| policy.level(String::from_utf8_lossy(cell).trim()))
        .fold(policy.missing_critical, Level::max)
}

/// As a spreadsheet shows it: the header is row 1.
#[inline]
fn row_number(table: &Table, rec: &Record, info: RecordInfo, count: u64) -> u64 {
    if info.row > 0 {
        info.row
    } else {
        table.row_number(rec, count)
    }
}

/// One row of a scored file; a level the policy does not have stops the
/// read (the file was scored with another policy).
fn read_scored(
    policy: &Policy,
    cols: &mut ScoredColumns,
    rec: &Record,
    row: u64,
    facts: &mut Vec<ScaleFact>,
    bad: &mut Vec<BadCell>,
) -> anyhow::Result<Level> {
    let level_of = |id: &str| policy.level(id).map(|l| usize::from(l.0));
    match cols.read(rec, level_of, facts, bad) {
        Ok(l) => Ok(Level(u8::try_from(l).unwrap_or(u8::MAX))),
        Err(UnknownLevel(found)) => {
            let (found, id) = (crate::diag::sanitize(&found), &policy.id);
            let levels = policy.level_ids().join(", ");
            anyhow::bail!(crate::messages::tr!(
                "row {row}, column risk_level: '{found}' is not a level of policy `{id}` (expected {levels}): \
                 give the policy the file was scored with (--policy FILE)",
                "第 {row} 行，「risk_level」列：'{found}' 不是策略 `{id}` 的级别（应为 {levels}）：\
                 请给出评分时所用的策略（--policy FILE）"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> Setup {
        Setup::load(&["gad2".to_string()], None, None).unwrap()
    }

    /// Rows in memory (as a binding has them) go through the same
    /// pipeline as a file: numbered from 2, bad cells reported and
    /// counted, levels as `score` gives them.
    #[test]
    fn rows_in_memory_are_scored_like_a_file() {
        let setup = setup();
        let headers: Vec<String> = ["id", "gad2_1", "gad2_2"].map(String::from).into();
        let records = vec![
            Record::from(vec!["a", "3", "2"]),
            Record::from(vec!["b", "x", ""]),
            Record::from(vec!["c", "0", "0"]),
        ];
        let input = Input::from_table(Table::from_records("memory", headers, records));
        let source = input.source(&setup).unwrap();
        let mut rows = Rows::start(input, &setup, source, Options::default());
        let mut seen = Vec::new();
        rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
            let Scores::Answers { results, .. } = &row.scores else {
                panic!("raw answers")
            };
            let level = setup.policy.level_id(row.level).to_string();
            seen.push((row.number, results[0].total, level));
            Ok(true)
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                (2, Some(5), "monitor".to_string()),
                (3, None, "monitor".to_string()),
                (4, Some(0), "none".to_string()),
            ],
            "an unreadable row is never lower than monitor"
        );
        assert_eq!(rows.counts.rows, 3);
        assert_eq!(rows.counts.bad_cells, 1);
        assert_eq!(rows.counts.per_level, [1, 2, 0, 0]);
        assert_eq!(rows.counts.exit(false), crate::exit::Exit::BadCells);
    }

    /// A row with more fields than the header (an unquoted comma moved
    /// its cells): none of its answers is used, so it is never `none`.
    #[test]
    fn a_misaligned_row_uses_none_of_its_answers() {
        let setup = setup();
        let headers: Vec<String> = ["id", "gad2_1", "gad2_2"].map(String::from).into();
        let records = vec![Record::from(vec!["Smith", " John", "0", "0"])];
        let input = Input::from_table(Table::from_records("memory", headers, records));
        let source = input.source(&setup).unwrap();
        let mut rows = Rows::start(input, &setup, source, Options::default());
        let mut seen = Vec::new();
        rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> {
            let Scores::Answers { answers, .. } = &row.scores else {
                panic!("raw answers")
            };
            seen.push((
                answers.to_vec(),
                setup.policy.level_id(row.level).to_string(),
            ));
            Ok(true)
        })
        .unwrap();
        assert_eq!(
            seen,
            [(vec![Answer::Invalid; 2], "monitor".to_string())],
            "at face value ' John' is invalid and 0 scored: none"
        );
        assert_eq!((rows.counts.ragged, rows.counts.bad_cells), (1, 0));
    }

    /// A sink that says stop ends the read.
    #[test]
    fn a_sink_can_stop_early() {
        let setup = setup();
        let headers: Vec<String> = ["gad2_1", "gad2_2"].map(String::from).into();
        let records: Vec<Record> = (0..1000).map(|_| Record::from(vec!["1", "1"])).collect();
        let input = Input::from_table(Table::from_records("memory", headers, records));
        let source = input.source(&setup).unwrap();
        let mut rows = Rows::start(input, &setup, source, Options::default());
        rows.run(&mut |row: &Row<'_>| -> anyhow::Result<bool> { Ok(row.number < 11) })
            .unwrap();
        assert_eq!(rows.counts.rows, 10);
    }
}
