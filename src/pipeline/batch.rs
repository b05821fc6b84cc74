//! Rows already in memory (a binding's batch: Python, Spark) scored
//! through the same pipeline as `score`: the same column plan, answer
//! reading, scoring and policy, into a sink that keeps columns instead of
//! writing lines. The library API for bindings; the CLI never calls it.
//!
//! ```text
//! let setup = Setup::load(&["phq9".into()], None, None)?;
//! let scored = score_batch(&setup, &BatchOptions::default(), "frame", headers, records)?;
//! ```
//!
//! Columns and values are `score`'s (DESIGN's batch layout): the id column
//! (or `row`), the `--keep` columns, each scale's total, band and prorated
//! flag, `risk_level`, `risk_label`, `risk_reasons` (`; `-joined, as in
//! CSV). Every row comes back, in order; bad cells come back as a list,
//! never printed. Errors are the CLI's, with the same messages.

use std::ops::Range;
use std::sync::Arc;

use crate::io::fields::Record;

use crate::instrument::Lang;
pub use crate::io::input::FillRecords;
use crate::io::input::{RowStream, Slot, Table, TypedPart};
use crate::io::record::RecordInfo;
pub use crate::io::typed::{AnswerBlock, ItemColumn, TypedColumns};
use crate::pipeline::write::{check_lead, columns, Lead};
use crate::policy::Level;
use crate::score::{Answer, Battery};

use super::{From, Input, Options, Read, ReadAnswers, Row, RowSink, Rows, Scores, Setup, Source};

/// What `score`'s flags would say (`--id-column`, `--keep`, `--lang`,
/// `--one-based`, `--min-level`).
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// The id column; `None`: `id` when there is one, else the row number.
    pub id_column: Option<String>,
    pub keep: Vec<String>,
    pub lang: Lang,
    pub one_based: bool,
    /// `--min-level`: rows below this level are scored and their bad
    /// cells listed, but they are left out of the columns.
    pub min_level: Option<String>,
}

/// One output column's values, one per input row.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// An input column as given (the id, a `--keep` column): its index
    /// in the headers. The caller has the values, in their own type.
    Input(usize),
    /// No id column: the row number as a spreadsheet shows it (the
    /// header is row 1, so the first row is 2).
    RowNumber(Vec<u64>),
    /// A scale's total in units of 10^-decimals (`decimals` 0: whole
    /// numbers); `None`: incomplete (an empty cell in CSV).
    Total {
        units: Vec<Option<i64>>,
        decimals: u8,
    },
    /// `labels[code]` for each row (bands with `incomplete` last, level
    /// ids, level labels).
    Label {
        labels: Vec<String>,
        codes: Vec<u32>,
    },
    Bool(Vec<bool>),
    /// Free text (`risk_reasons`): row k is `text[ends[k - 1]..ends[k]]`
    /// (from 0 for the first row), all rows in one string.
    Text {
        text: String,
        ends: Vec<usize>,
    },
}

/// A cell that could not be read; its row was still scored, with the
/// cell as missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedCell {
    /// As a spreadsheet shows it (the header is row 1).
    pub row: u64,
    pub column: String,
    pub value: String,
    pub message: String,
    /// The CLI's line: `row N, column C: 'VALUE' MESSAGE`.
    pub line: String,
}

/// Every row scored: `score`'s columns, and the cells that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredBatch {
    pub names: Vec<String>,
    pub values: Vec<Values>,
    pub bad_cells: Vec<ReportedCell>,
    pub rows: u64,
    /// With `min_level`: the rows in the columns (0 is the first row
    /// given), to take the caller's id and kept columns' values from.
    pub kept: Option<Vec<u64>>,
}

/// Score `records` (each as long as `headers`; an empty cell is a missing
/// answer) with `setup`, as `score` would score a file with this header.
pub fn score_batch(
    setup: &Setup,
    opts: &BatchOptions,
    name: &str,
    headers: Vec<String>,
    records: impl IntoIterator<Item = Record, IntoIter: Send + 'static>,
) -> anyhow::Result<ScoredBatch> {
    let records = records.into_iter();
    // the columns grow to this many rows without being moved
    let rows_hint = records.size_hint().0;
    score_table(
        setup,
        opts,
        Table::from_records(name, headers, records),
        rows_hint,
    )
}

/// `score_batch` for rows written into the reader's records (a binding
/// converting its columns without an allocation per row).
pub fn score_filled(
    setup: &Setup,
    opts: &BatchOptions,
    name: &str,
    headers: Vec<String>,
    records: Box<dyn FillRecords>,
) -> anyhow::Result<ScoredBatch> {
    let rows_hint = records.rows_left();
    score_table(
        setup,
        opts,
        Table::from_filler(name, headers, records),
        rows_hint,
    )
}

/// `score_batch` for a binding's typed columns (Arrow): numbers read as
/// answers without being written out as text, and a large batch scored
/// in parts on the machine's cores. The same columns, values and bad
/// cells as `score_batch` of the cells as text (a number as its decimal
/// text).
pub fn score_typed(
    setup: &Setup,
    opts: &BatchOptions,
    name: &str,
    headers: Vec<String>,
    columns: Arc<dyn TypedColumns>,
) -> anyhow::Result<ScoredBatch> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parts = parts_of(columns.rows(), cores);
    score_parts(setup, opts, name, headers, columns, &parts)
}

/// `score_typed` in these parts (in order, covering every row).
fn score_parts(
    setup: &Setup,
    opts: &BatchOptions,
    name: &str,
    headers: Vec<String>,
    columns: Arc<dyn TypedColumns>,
    parts: &[Range<usize>],
) -> anyhow::Result<ScoredBatch> {
    let rows = columns.rows();
    let table = |rows: Range<usize>| {
        let columns = Arc::clone(&columns);
        Table::from_typed(name, headers.clone(), TypedPart { columns, rows })
    };
    // the header is checked (and its warnings given) once
    let (batch, _, source) = Batch::check(setup, opts, Input::from_table(table(0..rows)))?;
    let Source(From::Answers(plan)) = &source else {
        unreachable!("a batch is scored from raw answers")
    };
    let run = |rows: Range<usize>| {
        let source = Source(From::Answers(plan.clone()));
        batch.run(Input::from_table(table(rows.clone())), source, rows.len())
    };
    let mut done = std::thread::scope(|scope| {
        let rest: Vec<_> = (parts.iter().skip(1).cloned())
            .map(|r| scope.spawn(move || run(r)))
            .collect();
        let mut done = vec![run(parts[0].clone())];
        done.extend(rest.into_iter().map(|t| t.join().expect("a part's thread")));
        done
    })
    .into_iter();
    let mut whole = done.next().expect("one part at least")?;
    for part in done {
        whole.append(part?);
    }
    Ok(batch.finish(whole))
}

/// Rows `0..rows` in parts of at least `PART_ROWS`, one per core at most.
fn parts_of(rows: usize, cores: usize) -> Vec<Range<usize>> {
    let n = (rows / PART_ROWS).clamp(1, cores.max(1));
    (0..n).map(|k| rows * k / n..rows * (k + 1) / n).collect()
}

/// Rows below which a part costs more in threads than it saves.
const PART_ROWS: usize = 100_000;

fn score_table(
    setup: &Setup,
    opts: &BatchOptions,
    table: Table,
    rows_hint: usize,
) -> anyhow::Result<ScoredBatch> {
    let (batch, input, source) = Batch::check(setup, opts, Input::from_table(table))?;
    let part = batch.run(input, source, rows_hint)?;
    Ok(batch.finish(part))
}

/// A batch whose header was checked: its output columns.
struct Batch<'s> {
    setup: &'s Setup,
    opts: &'s BatchOptions,
    battery: &'s Battery,
    lead: Lead,
    names: Vec<String>,
    headers: Vec<String>,
    min_level: Option<Level>,
}

/// Rows scored (all, or a part): the result columns, the bad cells with
/// their rows, how many rows.
struct Part<'s> {
    sink: Collect<'s>,
    bad: Vec<(u64, crate::io::cells::BadCell)>,
    rows: u64,
}

impl<'s> Batch<'s> {
    /// The CLI's checks of the header: the item columns, `--id-column`,
    /// `--keep`. The input comes back, with where its answers are.
    fn check(
        setup: &'s Setup,
        opts: &'s BatchOptions,
        input: Input,
    ) -> anyhow::Result<(Self, Input, Source)> {
        crate::messages::set(opts.lang);
        let Some((battery, _)) = &setup.scoring else {
            anyhow::bail!(crate::messages::tr!(
                "no instrument given: a batch is scored from raw answers",
                "未指定量表：批量评分需要原始作答"
            ))
        };
        let source = input.source(setup)?;
        let id = match &opts.id_column {
            Some(c) => Some(input.column("--id-column", c)?),
            None => input.find("id"),
        };
        let keep: Vec<usize> =
            (opts.keep.iter().map(|k| input.column("--keep", k))).collect::<Result<_, _>>()?;
        check_lead(&input.table.headers, (id, &keep), false, battery)?;
        let lead = Lead {
            id,
            keep,
            pseudonyms: None,
        };
        let names = columns(&input.table.headers, &lead, battery).names;
        let min_level = (opts.min_level.as_deref())
            .map(|l| setup.policy.parse_level(l))
            .transpose()?;
        let batch = Batch {
            setup,
            opts,
            battery,
            lead,
            names,
            headers: input.table.headers.clone(),
            min_level,
        };
        Ok((batch, input, source))
    }

    /// Score the rows of `input` (the checked header's) into columns.
    fn run(&self, input: Input, source: Source, rows_hint: usize) -> anyhow::Result<Part<'s>> {
        let options = Options {
            one_based: self.opts.one_based,
            ..Options::default()
        };
        let mut rows = Rows::start(input, self.setup, source, options);
        rows.counts.collected = Some(Vec::new());
        let mut sink = Collect::new(self.battery, self.setup, self.opts.lang, &self.lead);
        sink.min_level = self.min_level;
        sink.reserve(rows_hint);
        rows.run(&mut sink)?;
        if let Some(s) = &rows.counts.stopped {
            anyhow::bail!("{}", s.error);
        }
        Ok(Part {
            sink,
            bad: rows.counts.collected.take().unwrap_or_default(),
            rows: rows.counts.rows,
        })
    }

    fn finish(self, part: Part<'_>) -> ScoredBatch {
        let headers = &self.headers;
        let bad_cells = (part.bad.into_iter())
            .map(|(row, b)| ReportedCell {
                line: b.render(row, headers),
                row,
                column: headers
                    .get(b.column)
                    .cloned()
                    .unwrap_or_else(|| format!("#{}", b.column + 1)),
                value: b.value,
                message: b.message,
            })
            .collect();
        let mut values: Vec<Values> = Vec::with_capacity(self.names.len());
        values.push(match self.lead.id {
            Some(c) => Values::Input(c),
            None => Values::RowNumber(part.sink.numbers),
        });
        values.extend(self.lead.keep.iter().map(|&k| Values::Input(k)));
        values.extend(part.sink.columns);
        ScoredBatch {
            names: self.names,
            values,
            bad_cells,
            rows: part.rows,
            kept: self.min_level.map(|_| part.sink.kept),
        }
    }
}

impl Part<'_> {
    /// The rows of `next`, the part after this one, after this one's.
    fn append(&mut self, next: Part<'_>) {
        self.sink.numbers.extend(next.sink.numbers);
        self.sink.kept.extend(next.sink.kept);
        for (mine, theirs) in self.sink.columns.iter_mut().zip(next.sink.columns) {
            match (mine, theirs) {
                (Values::Total { units, .. }, Values::Total { units: more, .. }) => {
                    units.extend(more)
                }
                (Values::Label { codes, .. }, Values::Label { codes: more, .. }) => {
                    codes.extend(more)
                }
                (Values::Bool(b), Values::Bool(more)) => b.extend(more),
                (
                    Values::Text { text, ends },
                    Values::Text {
                        text: more,
                        ends: theirs,
                    },
                ) => {
                    let before = text.len();
                    text.push_str(&more);
                    ends.extend(theirs.into_iter().map(|e| e + before));
                }
                _ => unreachable!("the parts of one batch have the same columns"),
            }
        }
        self.bad.extend(next.bad);
        self.rows += next.rows;
    }
}

/// The rows of a binding's typed columns, their answers read a block at
/// a time on a thread of their own (for `Rows::start`). Each record is
/// as long as the header and empty: a batch's sink takes the id and
/// kept columns from the caller's own columns, and typed cells are never
/// text that does not decode.
pub(super) fn typed_stream(read: ReadAnswers, part: TypedPart) -> RowStream<Read> {
    let items: Vec<ItemColumn> = (read.plan.items.iter().enumerate())
        .filter_map(|(item, c)| c.map(|(column, _)| ItemColumn { item, column }))
        .collect();
    let empty = Record::from(vec![""; read.fields]);
    let mut next = part.rows.start;
    let mut bad = Vec::new();
    RowStream::from_blocks(move |slots: &mut [Slot<Read>]| {
        let n = slots.len().min(part.rows.end - next);
        let slots = &mut slots[..n];
        for (k, (rec, info, row)) in slots.iter_mut().enumerate() {
            if rec.len() != read.fields {
                rec.clone_from(&empty);
            }
            // as a file numbers its rows: the header is row 1
            *info = RecordInfo {
                row: (next + k) as u64 + 2,
                ..RecordInfo::default()
            };
            row.answers.resize(read.n_items, Answer::Missing);
            row.bad.clear();
            row.raw_id = None;
        }
        let answers = (slots.iter_mut())
            .map(|(_, _, row)| &mut row.answers[..])
            .collect();
        let mut block = AnswerBlock::new(&read.reader, &items, answers, &mut bad);
        part.columns.read(next..next + n, &mut block);
        // as `AnswerReader::read_record` lists them: by row, then item
        bad.sort_by_key(|&(k, item, _)| (k, item));
        for (k, _, cell) in bad.drain(..) {
            slots[k].2.bad.push(cell);
        }
        next += n;
        n
    })
}

/// The sink: each result column filled row by row.
struct Collect<'a> {
    setup: &'a Setup,
    lang: Lang,
    numbers: Vec<u64>,
    numbered: bool,
    /// Per scale total, band, prorated; then level, label, reasons.
    columns: Vec<Values>,
    reasons: String,
    /// Rows below it are left out; those in are listed in `kept`.
    min_level: Option<Level>,
    kept: Vec<u64>,
}

impl<'a> Collect<'a> {
    fn new(battery: &Battery, setup: &'a Setup, lang: Lang, lead: &Lead) -> Collect<'a> {
        let mut columns = Vec::new();
        for (_, _, s) in battery.scales() {
            let mut labels: Vec<String> = s.bands.iter().map(|b| b.label.clone()).collect();
            labels.push("incomplete".to_string());
            columns.push(Values::Total {
                units: Vec::new(),
                decimals: s.decimals,
            });
            columns.push(Values::Label {
                labels,
                codes: Vec::new(),
            });
            columns.push(Values::Bool(Vec::new()));
        }
        let policy = &setup.policy;
        columns.push(Values::Label {
            labels: policy.levels.iter().map(|l| l.id.clone()).collect(),
            codes: Vec::new(),
        });
        columns.push(Values::Label {
            labels: (policy.levels.iter())
                .map(|l| l.label.get(lang).to_string())
                .collect(),
            codes: Vec::new(),
        });
        columns.push(Values::Text {
            text: String::new(),
            ends: Vec::new(),
        });
        Collect {
            setup,
            lang,
            numbers: Vec::new(),
            numbered: lead.id.is_none(),
            columns,
            reasons: String::new(),
            min_level: None,
            kept: Vec::new(),
        }
    }
}

impl Collect<'_> {
    fn reserve(&mut self, rows: usize) {
        if self.numbered {
            self.numbers.reserve(rows);
        }
        for c in &mut self.columns {
            match c {
                Values::Total { units, .. } => units.reserve(rows),
                Values::Label { codes, .. } => codes.reserve(rows),
                Values::Bool(b) => b.reserve(rows),
                Values::Text { ends, .. } => ends.reserve(rows),
                Values::Input(_) | Values::RowNumber(_) => {}
            }
        }
    }
}

impl RowSink for Collect<'_> {
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        let Scores::Answers {
            results, outcome, ..
        } = &row.scores
        else {
            unreachable!("a batch is scored from raw answers")
        };
        let (_, bound) = self.setup.scoring.as_ref().expect("checked");
        if let Some(min) = self.min_level {
            if row.level < min {
                return Ok(true);
            }
            // as a spreadsheet numbers it: the first row is 2
            self.kept.push(row.number - 2);
        }
        if self.numbered {
            self.numbers.push(row.number);
        }
        let mut cols = self.columns.iter_mut();
        for r in *results {
            if let Some(Values::Total { units, .. }) = cols.next() {
                units.push(r.total);
            }
            if let Some(Values::Label { labels, codes }) = cols.next() {
                let incomplete = labels.len() - 1;
                codes.push(r.band.unwrap_or(incomplete) as u32);
            }
            if let Some(Values::Bool(b)) = cols.next() {
                b.push(r.prorated);
            }
        }
        let level = u32::from(row.level.0);
        for _ in 0..2 {
            if let Some(Values::Label { codes, .. }) = cols.next() {
                codes.push(level);
            }
        }
        bound.reasons(outcome, self.lang, &mut self.reasons);
        if let Some(Values::Text { text, ends }) = cols.next() {
            text.push_str(&self.reasons);
            ends.push(text.len());
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(cells: &[&str]) -> Record {
        Record::from(cells.to_vec())
    }

    /// GAD-2 (items 0–3 each, total = sum): `a` 3+2 = 5 ≥ 3, band
    /// `positive`, level monitor; `b` has an invalid and a missing item
    /// (incomplete; never lower than monitor); `c` 0+0 = 0, `none`. The
    /// bad cell comes back as a list with the CLI's line, its row kept.
    #[test]
    fn a_batch_gives_scores_columns_and_its_bad_cells() {
        let setup = Setup::load(&["gad2".to_string()], None, None).unwrap();
        let headers: Vec<String> = ["id", "class", "gad2_1", "gad2_2"].map(String::from).into();
        let records = vec![
            rec(&["a", "1A", "3", "2"]),
            rec(&["b", "1A", "x", ""]),
            rec(&["c", "1B", "0", "0"]),
        ];
        let opts = BatchOptions {
            keep: vec!["class".into()],
            ..BatchOptions::default()
        };
        let b = score_batch(&setup, &opts, "memory", headers, records).unwrap();
        assert_eq!(
            b.names,
            [
                "id",
                "class",
                "gad2_total",
                "gad2_band",
                "gad2_prorated",
                "risk_level",
                "risk_label",
                "risk_reasons"
            ]
        );
        assert_eq!(b.values[0], Values::Input(0));
        assert_eq!(b.values[1], Values::Input(1));
        assert_eq!(
            b.values[2],
            Values::Total {
                units: vec![Some(5), None, Some(0)],
                decimals: 0
            }
        );
        let Values::Label { labels, codes } = &b.values[3] else {
            panic!("band labels")
        };
        let bands: Vec<&str> = codes.iter().map(|&c| labels[c as usize].as_str()).collect();
        assert_eq!(bands, ["positive", "incomplete", "negative"]);
        assert_eq!(b.values[4], Values::Bool(vec![false; 3]));
        let Values::Label { labels, codes } = &b.values[5] else {
            panic!("level ids")
        };
        let levels: Vec<&str> = codes.iter().map(|&c| labels[c as usize].as_str()).collect();
        assert_eq!(levels, ["monitor", "monitor", "none"]);
        assert_eq!(b.bad_cells.len(), 1);
        let cell = &b.bad_cells[0];
        assert_eq!(
            (cell.row, cell.column.as_str(), cell.value.as_str()),
            (3, "gad2_1", "x")
        );
        assert!(
            cell.line.starts_with("row 3, column gad2_1: 'x' "),
            "{}",
            cell.line
        );
        assert_eq!(b.rows, 3);
    }

    /// Rows written into the reader's records (`score_filled`, the
    /// Python package's path) score as owned records do: the record
    /// handed in holds the previous row, so each cell must be replaced.
    /// GAD-2 (0–3 each, total = sum): 3+3 = 6, 1+0 = 1, then an empty
    /// and a bad cell (incomplete, the bad cell listed).
    #[test]
    fn filled_records_score_as_owned_ones() {
        struct Filler(std::vec::IntoIter<[&'static str; 3]>);
        impl FillRecords for Filler {
            fn fill(&mut self, rec: &mut Record) -> bool {
                let Some(row) = self.0.next() else {
                    return false;
                };
                rec.clear();
                row.iter().for_each(|c| rec.push_field(c.as_bytes()));
                true
            }
            fn rows_left(&self) -> usize {
                self.0.len()
            }
        }
        let rows = vec![["a", "3", "3"], ["b", "1", "0"], ["c", "", "x"]];
        let setup = Setup::load(&["gad2".to_string()], None, None).unwrap();
        let headers: Vec<String> = ["id", "gad2_1", "gad2_2"].map(String::from).into();
        let opts = BatchOptions::default();
        let owned: Vec<Record> = rows.iter().map(|r| rec(r)).collect();
        let expected = score_batch(&setup, &opts, "memory", headers.clone(), owned).unwrap();
        let filled = Box::new(Filler(rows.into_iter()));
        let got = score_filled(&setup, &opts, "memory", headers, filled).unwrap();
        assert_eq!(got, expected);
        assert_eq!(
            got.values[1],
            Values::Total {
                units: vec![Some(6), Some(1), None],
                decimals: 0
            }
        );
        assert_eq!(got.bad_cells.len(), 1);
    }

    /// No id column: rows are numbered as the CLI numbers them (from 2);
    /// an unknown --keep is the CLI's error.
    #[test]
    fn row_numbers_and_the_clis_errors() {
        let setup = Setup::load(&["gad2".to_string()], None, None).unwrap();
        let headers: Vec<String> = ["gad2_1", "gad2_2"].map(String::from).into();
        let b = score_batch(
            &setup,
            &BatchOptions::default(),
            "memory",
            headers.clone(),
            vec![rec(&["1", "1"]), rec(&["0", "0"])],
        )
        .unwrap();
        assert_eq!(b.names[0], "row");
        assert_eq!(b.values[0], Values::RowNumber(vec![2, 3]));
        let opts = BatchOptions {
            keep: vec!["klass".into()],
            ..BatchOptions::default()
        };
        let e = score_batch(&setup, &opts, "memory", headers, Vec::new()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--keep `klass` is not a column of memory"),
            "{e}"
        );
    }

    /// A binding's typed columns, for tests: numbers, text, nulls.
    #[derive(Clone)]
    enum Cell {
        Int(i64),
        Text(&'static str),
        Null,
    }

    struct Cols(Vec<Vec<Cell>>);

    impl TypedColumns for Cols {
        fn rows(&self) -> usize {
            self.0.first().map_or(0, Vec::len)
        }
        fn read(&self, rows: Range<usize>, block: &mut AnswerBlock<'_>) {
            for &at in block.items() {
                for (k, cell) in self.0[at.column][rows.clone()].iter().enumerate() {
                    match cell {
                        Cell::Int(n) => block.number(k, at, *n),
                        Cell::Text(t) => block.text(k, at, t.as_bytes()),
                        Cell::Null => {}
                    }
                }
            }
        }
    }

    /// Typed cells, in any parts, score as their text does: the same
    /// totals, levels, row numbers and bad cells (numbers as their decimal
    /// text, nulls empty). GAD-2 (0–3 each): row 2 has 3 + 2 = 5; rows
    /// with 7, -1, 12, `x` or a null are incomplete; a label is read.
    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one part is one range
    fn typed_columns_score_as_their_text_in_any_parts() {
        use Cell::*;
        let setup = Setup::load(&["gad2".to_string()], None, None).unwrap();
        let headers: Vec<String> = ["class", "gad2_1", "gad2_2"].map(String::from).into();
        let class = vec![Text("a"); 10];
        let one = vec![
            Int(3),
            Int(7),
            Null,
            Text("x"),
            Int(-1),
            Int(0),
            Text("Several days"),
            Int(12),
            Int(1),
            Text(""),
        ];
        let two = vec![
            Int(2),
            Int(0),
            Int(1),
            Int(9),
            Text(" 2 "),
            Int(0),
            Int(1),
            Text("2.0"),
            Null,
            Int(3),
        ];
        let text = |c: &Cell| match c {
            Int(n) => n.to_string(),
            Text(t) => t.to_string(),
            Null => String::new(),
        };
        let records: Vec<Record> = (0..10)
            .map(|r| Record::from(vec![text(&class[r]), text(&one[r]), text(&two[r])]))
            .collect();
        let opts = BatchOptions {
            keep: vec!["class".into()],
            ..BatchOptions::default()
        };
        let expected = score_batch(&setup, &opts, "memory", headers.clone(), records).unwrap();
        assert_eq!(expected.bad_cells.len(), 5, "{:?}", expected.bad_cells);
        assert_eq!(
            expected.values[2],
            Values::Total {
                units: vec![
                    Some(5),
                    None,
                    None,
                    None,
                    None,
                    Some(0),
                    Some(2),
                    None,
                    None,
                    None
                ],
                decimals: 0
            }
        );
        let columns: Arc<dyn TypedColumns> = Arc::new(Cols(vec![class, one, two]));
        for parts in [
            vec![0..10],
            vec![0..3, 3..10],
            vec![0..1, 1..5, 5..9, 9..10],
        ] {
            let got = score_parts(
                &setup,
                &opts,
                "memory",
                headers.clone(),
                Arc::clone(&columns),
                &parts,
            )
            .unwrap();
            assert_eq!(got, expected, "{parts:?}");
        }
        assert_eq!(
            score_typed(&setup, &opts, "memory", headers, columns).unwrap(),
            expected
        );
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one part is one range
    fn parts_are_large_and_cover_every_row() {
        assert_eq!(parts_of(0, 4), [0..0]);
        assert_eq!(parts_of(150_000, 4), [0..150_000]);
        assert_eq!(parts_of(250_001, 2), [0..125_000, 125_000..250_001]);
        assert_eq!(parts_of(1_000_000, 1), [0..1_000_000]);
    }

    /// `min_level` leaves the rows below out of the columns (their bad
    /// cells still listed) and says which rows are in, in every part.
    /// GAD-2 with the default policy: 3 + 2 = 5 is monitor, 0 + 0 none,
    /// `x` + 1 incomplete: monitor (cannot rule out).
    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one part is one range
    fn min_level_keeps_the_rows_at_or_above_it() {
        use Cell::*;
        let setup = Setup::load(&["gad2".to_string()], None, None).unwrap();
        let headers: Vec<String> = ["gad2_1", "gad2_2"].map(String::from).into();
        let one = vec![Int(3), Int(0), Text("x"), Int(0)];
        let two = vec![Int(2), Int(0), Int(1), Int(0)];
        let columns: Arc<dyn TypedColumns> = Arc::new(Cols(vec![one, two]));
        let opts = BatchOptions {
            min_level: Some("monitor".into()),
            ..BatchOptions::default()
        };
        for parts in [vec![0..4], vec![0..1, 1..4]] {
            let got = score_parts(
                &setup,
                &opts,
                "memory",
                headers.clone(),
                Arc::clone(&columns),
                &parts,
            )
            .unwrap();
            assert_eq!(got.kept, Some(vec![0, 2]), "{parts:?}");
            assert_eq!(got.values[0], Values::RowNumber(vec![2, 4]));
            assert_eq!(got.bad_cells.len(), 1);
            assert_eq!(got.rows, 4);
        }
        let opts = BatchOptions {
            min_level: Some("nope".into()),
            ..BatchOptions::default()
        };
        let e = score_typed(&setup, &opts, "memory", headers, columns).unwrap_err();
        assert!(e.to_string().starts_with("unknown level `nope`"), "{e}");
    }
}
