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

use csv::ByteRecord;

use crate::instrument::Lang;
pub use crate::io::input::FillRecords;
use crate::io::input::Table;
use crate::pipeline::write::{check_lead, columns, Lead};
use crate::score::Battery;

use super::{Input, Options, Row, RowSink, Rows, Scores, Setup};

/// What `score`'s flags would say (`--id-column`, `--keep`, `--lang`,
/// `--one-based`).
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// The id column; `None`: `id` when there is one, else the row number.
    pub id_column: Option<String>,
    pub keep: Vec<String>,
    pub lang: Lang,
    pub one_based: bool,
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
}

/// Score `records` (each as long as `headers`; an empty cell is a missing
/// answer) with `setup`, as `score` would score a file with this header.
pub fn score_batch(
    setup: &Setup,
    opts: &BatchOptions,
    name: &str,
    headers: Vec<String>,
    records: impl IntoIterator<Item = ByteRecord, IntoIter: Send + 'static>,
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

fn score_table(
    setup: &Setup,
    opts: &BatchOptions,
    table: Table,
    rows_hint: usize,
) -> anyhow::Result<ScoredBatch> {
    crate::messages::set(opts.lang);
    let Some((battery, _)) = &setup.scoring else {
        anyhow::bail!("no instrument given: a batch is scored from raw answers")
    };
    let input = Input::from_table(table);
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
    let options = Options {
        one_based: opts.one_based,
        ..Options::default()
    };
    let mut rows = Rows::start(input, setup, source, options);
    rows.counts.collected = Some(Vec::new());
    let mut sink = Collect::new(battery, setup, opts.lang, &lead);
    sink.reserve(rows_hint);
    rows.run(&mut sink)?;
    if let Some(s) = &rows.counts.stopped {
        anyhow::bail!("{}", s.error);
    }
    let headers = &rows.headers;
    let bad_cells = (rows.counts.collected.take().unwrap_or_default().into_iter())
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
    let mut values: Vec<Values> = Vec::with_capacity(names.len());
    values.push(match lead.id {
        Some(c) => Values::Input(c),
        None => Values::RowNumber(sink.numbers),
    });
    values.extend(lead.keep.iter().map(|&k| Values::Input(k)));
    values.extend(sink.columns);
    Ok(ScoredBatch {
        names,
        values,
        bad_cells,
        rows: rows.counts.rows,
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

    fn rec(cells: &[&str]) -> ByteRecord {
        ByteRecord::from(cells.to_vec())
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
            fn fill(&mut self, rec: &mut ByteRecord) -> bool {
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
        let owned: Vec<ByteRecord> = rows.iter().map(|r| rec(r)).collect();
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
}
