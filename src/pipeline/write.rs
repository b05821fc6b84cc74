//! `score`'s rows out: the id (or pseudonym), kept columns, each scale's
//! total, band and prorated flag, then the level, its label and reasons
//! (DESIGN's batch layout). The hot path: band and level names are encoded
//! once for the output format and written per row without rescanning.
//!
//! A closed stdout (`| head`) stops the writing; with `--fail-on` scoring
//! goes on without writing, so the exit code still tells whether a row
//! reached the level.

use std::io::Write;

use crate::cli::Format;
use crate::exit;
use crate::instrument::{Lang, Scale};
use crate::io::fields::Record;
use crate::io::platform::Layout;
use crate::io::privacy::trim_id;
use crate::io::privacy::Pseudonymizer;
use crate::io::write::{
    csv_text, needs_formula_escape, Columns, CompactColumn, Dest, Encoded, Kind, Sink,
};
use crate::messages::tr;
use crate::policy::{Bound, Level, Policy};
use crate::printable::printable_line;
use crate::score::Battery;

use super::{unscored, Prepare, Prepared, Row, RowSink, Run, Scores, Setup};

/// Which input columns lead each output row.
pub struct Lead {
    /// `--id-column` (or `id`); none: the row number.
    pub id: Option<usize>,
    pub keep: Vec<usize>,
    /// `--pseudonymize`: ids written as keyed hashes.
    pub pseudonyms: Option<Pseudonymizer>,
}

/// Which rows are written and what is watched for.
pub struct Filter {
    /// `--min-level`: rows below are scored and counted, not written.
    pub min_level: Option<Level>,
    /// `--fail-on`: whether any row reached it.
    pub fail_on: Option<Level>,
}

/// What a plain CSV row is made of, encoded once per run: after a
/// scale's total, its band and prorated flag; the level's id and label;
/// the reasons of each set of rules that fired (a few per run).
struct CsvRow {
    /// Per scale, per band (the last: `incomplete`), per prorated flag:
    /// `,band,false`.
    tails: Vec<Vec<[Piece<32>; 2]>>,
    /// Per level: `,id,label`.
    levels: Vec<Vec<u8>>,
    /// `,reasons` by the rules that fired (bit k: rule k), for rows with
    /// no missing value named in their reasons.
    reasons: std::collections::HashMap<u64, Vec<u8>, std::hash::BuildHasherDefault<MaskHasher>>,
    /// The row's whole end, `,id,label,reasons`, by the rules that fired
    /// (the first `ENDS_RULES`) and the level: `mask × levels + level`;
    /// `None` until a row needs it.
    ends: Vec<Option<Piece<64>>>,
    num: itoa::Buffer,
}

/// Bytes appended to many lines. Up to `N` are held in an array and
/// appended as one copy of all `N` (which the compiler inlines), then the
/// line is cut back to their length: a call to `memcpy` for a dozen bytes,
/// four a row (the scales' tails, the row's end), stalled `csv_row` for a
/// quarter of its time.
#[derive(Clone)]
struct Piece<const N: usize> {
    short: [u8; N],
    len: usize,
    /// The bytes when more than `N`; else empty.
    long: Vec<u8>,
}

impl<const N: usize> Piece<N> {
    fn new(bytes: Vec<u8>) -> Piece<N> {
        let mut short = [0; N];
        match short.get_mut(..bytes.len()) {
            Some(head) => {
                head.copy_from_slice(&bytes);
                Piece {
                    short,
                    len: bytes.len(),
                    long: Vec::new(),
                }
            }
            None => Piece {
                short,
                len: bytes.len(),
                long: bytes,
            },
        }
    }

    #[inline]
    fn append_to(&self, line: &mut Vec<u8>) {
        if self.len <= N {
            let end = line.len() + self.len;
            line.extend_from_slice(&self.short);
            line.truncate(end);
        } else {
            line.extend_from_slice(&self.long);
        }
    }
}

/// Rules whose sets that fired are kept whole in `CsvRow::ends` (2^8 sets).
const ENDS_RULES: u32 = 8;

/// The rules that fired, as a bit mask, are their own hash: mixed by one
/// multiplication (SipHash cost more than writing the reasons).
#[derive(Default)]
struct MaskHasher(u64);

impl std::hash::Hasher for MaskHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl CsvRow {
    fn new(scales: &[&Scale], policy: &Policy, lang: Lang) -> CsvRow {
        let field = |text: &[u8]| {
            let mut f = vec![b','];
            csv_text(&mut f, text);
            f
        };
        let tails = scales
            .iter()
            .map(|s| {
                let bands = s.bands.iter().map(|b| b.label.as_bytes());
                bands
                    .chain([&b"incomplete"[..]])
                    .map(|band| {
                        [false, true].map(|p| {
                            let mut f = field(band);
                            f.extend_from_slice(if p { b",true" } else { b",false" });
                            Piece::new(f)
                        })
                    })
                    .collect()
            })
            .collect();
        let levels: Vec<Vec<u8>> = policy
            .levels
            .iter()
            .map(|l| [field(l.id.as_bytes()), field(l.label.get(lang).as_bytes())].concat())
            .collect();
        CsvRow {
            ends: vec![None; levels.len() << ENDS_RULES],
            tails,
            levels,
            reasons: std::collections::HashMap::default(),
            num: itoa::Buffer::new(),
        }
    }
}

pub struct ScoreWriter<'a, W: Write> {
    sink: Sink<W>,
    policy: &'a Policy,
    bound: &'a Bound,
    lang: Lang,
    scales: Vec<&'a Scale>,
    bands: Vec<Vec<Encoded>>,
    incomplete: Encoded,
    level_ids: Vec<Encoded>,
    level_labels: Vec<Encoded>,
    lead: Lead,
    filter: Filter,
    reasons: String,
    /// Rows encoded whole, when the output is plain CSV data.
    csv: Option<CsvRow>,
    /// stdout closed: nothing more is written.
    pub closed: bool,
    /// A row reached `--fail-on`.
    pub hit_fail_on: bool,
}

/// The output's column names: the lead columns, then the results.
pub fn columns(headers: &[String], lead: &Lead, battery: &Battery) -> Columns {
    let mut cols = Columns::new();
    cols.push(lead.id.map_or("row", |c| headers[c].as_str()), Kind::Text);
    for &k in &lead.keep {
        cols.push(headers[k].clone(), Kind::Text);
    }
    cols.push_results(battery);
    cols
}

/// What a table on a terminal shows (`columns`' indexes): the id, the
/// `--keep` columns, each scale's total, band and whether it was prorated
/// in one column, the level's label and the
/// reasons, cut first to fit the width. Every column: CSV, JSON, `--wide`.
pub fn compact_columns(
    cols: &Columns,
    lead: &Lead,
    battery: &Battery,
    lang: Lang,
) -> Vec<CompactColumn> {
    let column = |header: &str, sources: Vec<usize>, cut_first: bool| CompactColumn {
        header: header.to_string(),
        sources,
        cut_first,
        shown_as: Vec::new(),
    };
    let mut compact = vec![column(&cols.names[0], vec![0], false)];
    // `--keep` columns were asked for by name: shown after the id
    for k in 0..lead.keep.len() {
        compact.push(column(&cols.names[1 + k], vec![1 + k], false));
    }
    let first_result = 1 + lead.keep.len();
    for (k, (_, _, s)) in battery.scales().enumerate() {
        let total = first_result + 3 * k;
        // bands as people read them, in the run's language
        let mut shown_as: Vec<(String, String)> = s
            .bands
            .iter()
            .map(|b| {
                (
                    b.label.clone(),
                    printable_line(&b.display(lang)).into_owned(),
                )
            })
            .collect();
        let (incomplete, prorated) = match lang {
            Lang::En => ("incomplete", "(prorated)"),
            Lang::Zh => ("不完整", "(折算)"),
        };
        shown_as.push(("incomplete".into(), incomplete.into()));
        // a total estimated from the answered items says so, as the
        // `_prorated` column does (a counselor reads the table, not that)
        shown_as.push(("true".into(), prorated.into()));
        shown_as.push(("false".into(), String::new()));
        compact.push(CompactColumn {
            shown_as,
            ..column(&s.id, vec![total, total + 1, total + 2], false)
        });
    }
    let level = first_result + 3 * battery.n_scales();
    let (level_header, reasons_header) = match lang {
        Lang::En => ("level", "reasons"),
        Lang::Zh => ("级别", "原因"),
    };
    compact.push(column(level_header, vec![level + 1], false));
    compact.push(column(reasons_header, vec![level + 2], true));
    compact
}

/// Refuse lead columns the output cannot hold as asked (a usage error,
/// before anything is read or created): a kept or id column named like a
/// column `score` writes would give the output two columns of one name, and
/// whoever reads it back (`summary`, a spreadsheet lookup) may take the
/// input's stale copy for the result; a kept id column under
/// `--pseudonymize` would put the raw ids next to their pseudonyms.
pub fn check_lead(
    headers: &[String],
    (id, keep): (Option<usize>, &[usize]),
    pseudonymize: bool,
    battery: &Battery,
) -> anyhow::Result<()> {
    let shown = |c: usize| crate::printable::printable_line(&headers[c]).into_owned();
    let mut results = Columns::new();
    results.push_results(battery);
    let fix = crate::messages::pick(
        "rename the column in the input, or leave it out",
        "请在输入中给这一列改名，或不要指定它",
    );
    if let Some(c) = id.filter(|&c| results.names.contains(&headers[c])) {
        let name = shown(c);
        anyhow::bail!(tr!(
            "--id-column `{name}` has the name of a column score writes itself: the output would have two `{name}` columns; {fix}",
            "--id-column `{name}` 与 score 自己写出的列同名：输出会有两个 `{name}` 列；{fix}"
        ));
    }
    let first = id.map_or("row", |c| headers[c].as_str());
    for (k, &c) in keep.iter().enumerate() {
        let name = &headers[c];
        let kept = shown(c);
        if Some(c) == id && pseudonymize {
            anyhow::bail!(tr!(
                "--keep `{kept}` is the id column, and --pseudonymize writes it as pseudonyms: keeping it would put the raw ids next to their pseudonyms; leave it out of --keep",
                "--keep `{kept}` 是 id 列，而 --pseudonymize 会把它写成化名：保留它会把原始 id 放在化名旁边；请不要在 --keep 中指定它"
            ));
        }
        if Some(c) == id || name == first {
            let which = match (crate::messages::lang(), id.is_some()) {
                (Lang::En, true) => "id",
                (Lang::En, false) => "row number",
                (Lang::Zh, true) => "id",
                (Lang::Zh, false) => "行号",
            };
            anyhow::bail!(tr!(
                "--keep `{kept}` is the {which} column, written first already: the output would have two `{kept}` columns; leave it out of --keep",
                "--keep `{kept}` 是{which}列，已经写在第一列：输出会有两个 `{kept}` 列；请不要在 --keep 中指定它"
            ));
        }
        if keep[..k].iter().any(|&o| headers[o] == *name) {
            anyhow::bail!(tr!(
                "--keep names `{kept}` twice: give it once",
                "--keep 两次指定了 `{kept}`：请只给一次"
            ));
        }
        if results.names.contains(name) {
            anyhow::bail!(tr!(
                "--keep `{kept}` has the name of a column score writes itself: the output would have two `{kept}` columns, and a reader could take the input's copy for the result; {fix}",
                "--keep `{kept}` 与 score 自己写出的列同名：输出会有两个 `{kept}` 列，读者可能把输入中的那一列当成结果；{fix}"
            ));
        }
    }
    Ok(())
}

impl<'a, W: Write> ScoreWriter<'a, W> {
    /// `headers`: the input's, for the lead columns' names.
    pub fn new(
        (format, w, dest): (Format, W, Dest),
        headers: &[String],
        (battery, policy, bound): (&'a Battery, &'a Policy, &'a Bound),
        lang: Lang,
        lead: Lead,
        filter: Filter,
    ) -> anyhow::Result<Self> {
        let mut cols = columns(headers, &lead, battery);
        cols.compact = compact_columns(&cols, &lead, battery, lang);
        let sink = Sink::new(format, w, cols, dest)?;
        let scales: Vec<&Scale> = battery.scales().map(|(_, _, s)| s).collect();
        let bands = scales
            .iter()
            .map(|s| {
                s.bands
                    .iter()
                    .map(|b| sink.encode(b.label.as_bytes()))
                    .collect()
            })
            .collect();
        let incomplete = sink.encode(b"incomplete");
        let level_ids = policy
            .levels
            .iter()
            .map(|l| sink.encode(l.id.as_bytes()))
            .collect();
        let level_labels = policy
            .levels
            .iter()
            .map(|l| sink.encode(l.label.get(lang).as_bytes()))
            .collect();
        let csv = (sink.is_csv_data() && lead.pseudonyms.is_none())
            .then(|| CsvRow::new(&scales, policy, lang));
        Ok(ScoreWriter {
            csv,
            sink,
            policy,
            bound,
            lang,
            scales,
            bands,
            incomplete,
            level_ids,
            level_labels,
            lead,
            filter,
            reasons: String::new(),
            closed: false,
            hit_fail_on: false,
        })
    }

    /// A table shows the compact columns within `width` terminal cells.
    pub fn compact_table(&mut self, width: usize) {
        self.sink.compact_table(width);
    }

    /// The end: the output flushed (unless stdout closed), or `None` when
    /// stdout closed now.
    pub fn finish(self) -> anyhow::Result<Option<W>> {
        if self.closed {
            return Ok(None);
        }
        match self.sink.finish() {
            Err(e) if exit::is_broken_pipe(&e) => Ok(None),
            other => other.map(Some),
        }
    }
}

impl<W: Write> RowSink for ScoreWriter<'_, W> {
    // into the read loop, as the loop it replaced was (callgrind: fewer
    // instructions per row)
    #[inline(always)]
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        let Scores::Answers {
            results,
            outcome,
            raw_id,
            ..
        } = &row.scores
        else {
            unreachable!("score reads raw answers only")
        };
        if self.filter.fail_on.is_some_and(|f| row.level >= f) {
            self.hit_fail_on = true;
        }
        if self.closed || self.filter.min_level.is_some_and(|m| row.level < m) {
            return Ok(true);
        }
        if let (Some(csv), Some(line)) = (&mut self.csv, self.sink.csv_data_line()) {
            csv_row(
                csv,
                (line, &self.lead, &self.scales),
                (self.bound, self.lang),
                row,
            );
            return self.end_row();
        }
        let (sink, rec) = (&mut self.sink, row.record);
        match self.lead.id.and_then(|c| rec.get(c)) {
            // an id of only spaces is no one's: left empty, never one shared
            // pseudonym (its trimmed form is empty)
            Some(id) if self.lead.pseudonyms.is_some() && trim_id(id).is_empty() => sink.text(b""),
            Some(id) if self.lead.pseudonyms.is_some() => {
                let p = self.lead.pseudonyms.as_ref().expect("checked");
                sink.text(p.pseudonym(raw_id.unwrap_or(id)).as_bytes());
            }
            Some(id) => sink.text(id),
            None if self.lead.id.is_some() => sink.text(b""),
            None => sink.integer(i64::try_from(row.number).unwrap_or(i64::MAX)),
        }
        for &k in &self.lead.keep {
            sink.text(rec.get(k).unwrap_or_default());
        }
        for (k, (s, r)) in self.scales.iter().zip(*results).enumerate() {
            match r.total {
                Some(t) if s.decimals == 0 => sink.integer(t),
                Some(t) => sink.number(s.format_total(t).as_bytes()),
                None => sink.number(b""),
            }
            match r.band {
                Some(b) => sink.encoded(&self.bands[k][b]),
                None => sink.encoded(&self.incomplete),
            }
            sink.boolean(r.prorated);
        }
        let level = usize::from(row.level.0);
        sink.encoded(&self.level_ids[level]);
        sink.encoded(&self.level_labels[level]);
        self.bound.reasons(outcome, self.lang, &mut self.reasons);
        sink.reasons(self.reasons.as_bytes());
        self.end_row()
    }

    fn prepare<'s>(&self, setup: &'s Setup, work: &mut Prepare<'s>) {
        work.csv = self.csv_format(setup);
    }

    /// `row`, its CSV line encoded already.
    #[inline]
    fn prepared(&mut self, row: &Row<'_>, done: &Prepared<'_>) -> anyhow::Result<bool> {
        let Some(line) = done.line.filter(|_| self.csv.is_some()) else {
            anyhow::ensure!(done.scores, unscored());
            return self.row(row);
        };
        if self.filter.fail_on.is_some_and(|f| row.level >= f) {
            self.hit_fail_on = true;
        }
        if self.closed || self.filter.min_level.is_some_and(|m| row.level < m) {
            return Ok(true);
        }
        match self.sink.csv_data_row(line) {
            Ok(true) => Ok(true),
            Ok(false) if done.scores => self.row(row),
            Ok(false) => Err(unscored()),
            Err(e) => self.written(Err(e)),
        }
    }

    /// Runs are plain CSV lines made elsewhere, all written: not with
    /// `--min-level`, which leaves some out.
    fn takes_runs(&self) -> bool {
        self.csv.is_some() && self.filter.min_level.is_none() && self.sink.is_csv_data()
    }

    /// `prepared` of every row of `run`: its lines written in one piece.
    fn prepared_run(&mut self, run: &Run<'_>) -> anyhow::Result<(usize, bool)> {
        if !self.takes_runs() {
            return Ok((0, true));
        }
        if let Some(f) = self.filter.fail_on {
            self.hit_fail_on |= run.rows.iter().any(|r| r.level >= f);
        }
        let n = run.rows.len();
        if self.closed {
            return Ok((n, true));
        }
        match self.sink.csv_data_row(run.lines()) {
            Ok(true) => Ok((n, true)),
            // not between rows: one by one (nothing above is undone by that)
            Ok(false) => Ok((0, true)),
            Err(e) => self.written(Err(e)).map(|go| (n, go)),
        }
    }
}

impl<W: Write> ScoreWriter<'_, W> {
    /// How rows scored with `setup` are encoded on other threads, when
    /// they are written as plain CSV data (`csv_row`) by this very setup
    /// (the writer was made with its battery, policy and bound).
    fn csv_format<'s>(&self, setup: &'s Setup) -> Option<CsvFormat<'s>> {
        self.csv.as_ref()?;
        let (battery, bound) = setup.scoring.as_ref()?;
        let scales: Vec<&'s Scale> = battery.scales().map(|(_, _, s)| s).collect();
        let same = std::ptr::eq(self.bound, bound)
            && std::ptr::eq(self.policy, &setup.policy)
            && scales.len() == self.scales.len()
            && scales
                .iter()
                .zip(&self.scales)
                .all(|(a, b)| std::ptr::eq(*a, *b));
        same.then(|| CsvFormat {
            id: self.lead.id,
            keep: self.lead.keep.clone(),
            scales,
            policy: &setup.policy,
            bound,
            lang: self.lang,
        })
    }

    #[inline]
    fn end_row(&mut self) -> anyhow::Result<bool> {
        let ended = self.sink.end_row();
        self.written(ended)
    }

    /// Whether to go on after a row was written (or not, as `result` says).
    #[inline]
    fn written(&mut self, result: anyhow::Result<()>) -> anyhow::Result<bool> {
        match result {
            // go on scoring, unwritten, only when the exit code depends on it
            Err(e) if exit::is_broken_pipe(&e) => {
                self.closed = true;
                Ok(self.filter.fail_on.is_some())
            }
            other => other.map(|()| true),
        }
    }
}

/// `score`'s output: rows (CSV, JSON, a table) or FHIR resources.
// one per run, on the stack: boxing the row writer would add an
// indirection to every row of the hot path for nothing
#[allow(clippy::large_enum_variant)]
pub enum Writer<'a, W: Write> {
    Rows(ScoreWriter<'a, W>),
    Fhir(super::fhir::FhirWriter<'a, W>),
}

impl<'a, W: Write> Writer<'a, W> {
    /// As `ScoreWriter::new`; `--format fhir` (`bundle`: `--fhir-bundle`)
    /// writes FHIR resources, which have no place for `--keep` columns
    /// and take the submission time and the kind of id from the
    /// platform's `layout`.
    pub fn new(
        (format, w, dest, bundle): (Format, W, Dest, bool),
        (headers, layout): (&[String], Option<&Layout>),
        (battery, policy, bound): (&'a Battery, &'a Policy, &'a Bound),
        lang: Lang,
        lead: Lead,
        filter: Filter,
    ) -> anyhow::Result<Self> {
        if format != Format::Fhir {
            if bundle {
                anyhow::bail!(tr!(
                    "--fhir-bundle goes with --format fhir",
                    "--fhir-bundle 需与 --format fhir 一起使用"
                ));
            }
            let rows = ScoreWriter::new(
                (format, w, dest),
                headers,
                (battery, policy, bound),
                lang,
                lead,
                filter,
            )?;
            return Ok(Writer::Rows(rows));
        }
        if !lead.keep.is_empty() {
            anyhow::bail!(tr!(
                "--keep has no place in FHIR resources: leave it out with --format fhir",
                "FHIR 资源中没有 --keep 列的位置：使用 --format fhir 时请不要指定 --keep"
            ));
        }
        let fhir = super::fhir::FhirWriter::new(
            (w, dest, bundle),
            (battery, policy, bound),
            lang,
            lead,
            filter,
        )?
        .source(headers, layout);
        Ok(Writer::Fhir(fhir))
    }

    pub fn compact_table(&mut self, width: usize) {
        if let Writer::Rows(r) = self {
            r.compact_table(width);
        }
    }

    /// A row reached `--fail-on`.
    pub fn hit_fail_on(&self) -> bool {
        match self {
            Writer::Rows(r) => r.hit_fail_on,
            Writer::Fhir(f) => f.hit_fail_on,
        }
    }

    pub fn finish(self) -> anyhow::Result<Option<W>> {
        match self {
            Writer::Rows(r) => r.finish(),
            Writer::Fhir(f) => f.finish(),
        }
    }
}

impl<W: Write> RowSink for Writer<'_, W> {
    #[inline(always)]
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        match self {
            Writer::Rows(r) => r.row(row),
            Writer::Fhir(f) => f.row(row),
        }
    }

    fn prepare<'s>(&self, setup: &'s Setup, work: &mut Prepare<'s>) {
        match self {
            Writer::Rows(r) => r.prepare(setup, work),
            Writer::Fhir(f) => f.prepare(setup, work),
        }
    }

    #[inline(always)]
    fn prepared(&mut self, row: &Row<'_>, done: &Prepared<'_>) -> anyhow::Result<bool> {
        match self {
            Writer::Rows(r) => r.prepared(row, done),
            Writer::Fhir(f) => f.prepared(row, done),
        }
    }

    fn takes_runs(&self) -> bool {
        match self {
            Writer::Rows(r) => r.takes_runs(),
            Writer::Fhir(f) => f.takes_runs(),
        }
    }

    fn prepared_run(&mut self, run: &Run<'_>) -> anyhow::Result<(usize, bool)> {
        match self {
            Writer::Rows(r) => r.prepared_run(run),
            Writer::Fhir(f) => f.prepared_run(run),
        }
    }
}

/// How `score` writes a plain CSV row, for threads other than the
/// writer's (`RowSink::prepare`): each makes its own `CsvEncoder` of it.
pub struct CsvFormat<'s> {
    id: Option<usize>,
    keep: Vec<usize>,
    scales: Vec<&'s Scale>,
    policy: &'s Policy,
    bound: &'s Bound,
    lang: Lang,
}

impl CsvFormat<'_> {
    /// An encoder of rows, with its own fields encoded once.
    pub fn encoder(&self) -> CsvEncoder<'_> {
        CsvEncoder {
            csv: CsvRow::new(&self.scales, self.policy, self.lang),
            lead: Lead {
                id: self.id,
                keep: self.keep.clone(),
                pseudonyms: None,
            },
            format: self,
        }
    }
}

/// Rows encoded as `ScoreWriter` writes plain CSV (`csv_row`).
pub struct CsvEncoder<'f> {
    csv: CsvRow,
    lead: Lead,
    format: &'f CsvFormat<'f>,
}

impl CsvEncoder<'_> {
    /// `row` appended to `out`, its line break included.
    #[inline]
    pub fn encode(&mut self, row: &Row<'_>, out: &mut Vec<u8>) {
        let (f, line) = (self.format, out);
        csv_row(
            &mut self.csv,
            (line, &self.lead, &f.scales),
            (f.bound, f.lang),
            row,
        );
        line.push(b'\n');
    }
}

/// One row as plain CSV into `line`, from fields encoded once where it
/// can (the hot path of `score -o out.csv`); the same bytes the sink's
/// field-by-field writing gives (a test compares them).
#[inline]
fn csv_row(
    csv: &mut CsvRow,
    (line, lead, scales): (&mut Vec<u8>, &Lead, &[&Scale]),
    (bound, lang): (&Bound, Lang),
    row: &Row<'_>,
) {
    let Scores::Answers {
        results, outcome, ..
    } = &row.scores
    else {
        unreachable!("score reads raw answers only")
    };
    let rec = row.record;
    match lead.id {
        Some(c) => record_cell(line, rec, c),
        None => line.extend_from_slice(csv.num.format(row.number).as_bytes()),
    }
    for &k in &lead.keep {
        line.push(b',');
        record_cell(line, rec, k);
    }
    for ((s, r), tails) in scales.iter().zip(*results).zip(&csv.tails) {
        line.push(b',');
        match r.total {
            Some(t) if s.decimals == 0 => push_whole(line, &mut csv.num, t),
            Some(t) => line.extend_from_slice(s.format_total(t).as_bytes()),
            None => {}
        }
        let band = r.band.unwrap_or(tails.len() - 1);
        tails[band][usize::from(r.prorated)].append_to(line);
    }
    let level = usize::from(row.level.0);
    let mask = outcome
        .fired
        .iter()
        .try_fold(0u64, |m, &k| (k < 64).then(|| m | 1 << k));
    let reasons = |line: &mut Vec<u8>| {
        let mut text = String::new();
        bound.reasons(outcome, lang, &mut text);
        line.push(b',');
        csv_text(line, text.as_bytes());
    };
    let mask = mask.filter(|_| outcome.cannot_rule_out.is_empty());
    // the usual row: its whole end encoded once
    let end = mask
        .filter(|&m| m < 1 << ENDS_RULES)
        .and_then(|m| usize::try_from(m).ok())
        .and_then(|m| csv.ends.get_mut(m * csv.levels.len() + level));
    if let Some(end) = end {
        end.get_or_insert_with(|| {
            let mut e = csv.levels[level].clone();
            reasons(&mut e);
            Piece::new(e)
        })
        .append_to(line);
        return;
    }
    line.extend_from_slice(&csv.levels[level]);
    match mask {
        Some(mask) => {
            let encoded = csv.reasons.entry(mask).or_insert_with(|| {
                let mut f = Vec::new();
                reasons(&mut f);
                f
            });
            line.extend_from_slice(encoded);
        }
        None => reasons(line),
    }
}

/// Cell `c` of `rec` as a CSV text cell (`csv_text`): a plain one
/// (`plain_cell`, such as an id or a class) as one 16-byte copy of the
/// record from where it starts, cut back to its length (no call to
/// `memcpy` and no look-up per byte, twice a row).
#[inline(always)]
fn record_cell(line: &mut Vec<u8>, rec: &Record, c: usize) {
    match plain_cell(rec, c) {
        Some((chunk, len)) => {
            let end = line.len() + len;
            line.extend_from_slice(chunk);
            line.truncate(end);
        }
        None => csv_text(line, rec.get(c).unwrap_or_default()),
    }
}

/// A text cell of a file `score` wrote, as it was before `csv_text`'s
/// guard: the `'` put before a value a spreadsheet would run (`'=A`, `'@B`,
/// a tab-only `'\t`) taken off, any other cell as it is (`'x`, `'-3`:
/// written so because typed so). Read back this way, a class groups as one
/// whether summarised from raw answers or from `score`'s output. Exact for
/// every value but one typed as `'` and a guarded value (`'=A`), which
/// `score` writes unchanged and so cannot be told from a guarded `=A`.
pub fn unguarded(cell: &[u8]) -> &[u8] {
    match cell.split_first() {
        Some((b'\'', rest)) if needs_formula_escape(rest) => rest,
        _ => cell,
    }
}

/// The 16 bytes of `rec` from where cell `c` starts, and the cell's
/// length, when `csv_text` would copy the cell as it is: at most 16 bytes,
/// no formula start, and no byte below `-` (every byte that needs quotes,
/// `,` `"` `\n` `\r`, is one; a property test holds this to `csv_text`).
#[inline(always)]
fn plain_cell(rec: &Record, c: usize) -> Option<(&[u8; 16], usize)> {
    let r = rec.range(c)?;
    let chunk: &[u8; 16] = rec.as_slice().get(r.start..)?.first_chunk()?;
    let len = r.len();
    if len > chunk.len() || needs_formula_escape(&chunk[..len]) {
        return None;
    }
    let word =
        |w: usize| u64::from_le_bytes(chunk[8 * w..8 * w + 8].try_into().unwrap_or_default());
    // the cell's bytes of a word: its low `n` bytes (little-endian)
    let mine = |n: usize| {
        if n >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        }
    };
    let below = below_dash(word(0)) & mine(len) | below_dash(word(1)) & mine(len.saturating_sub(8));
    (below == 0).then_some((chunk, len))
}

/// The high bit of bytes of `word` below `-`: exactly those up to the
/// first (lowest) such byte; above it a borrow may mark others, which
/// matters not, as one is marked already.
#[inline]
fn below_dash(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    word.wrapping_sub(ONES * u64::from(b'-')) & !word & (ONES << 7)
}

/// A whole number as CSV text; the usual total (0–99) digit by digit,
/// without formatting it.
#[inline]
fn push_whole(line: &mut Vec<u8>, num: &mut itoa::Buffer, t: i64) {
    match u8::try_from(t) {
        Ok(v) if v < 10 => line.push(b'0' + v),
        Ok(v) if v < 100 => line.extend_from_slice(&[b'0' + v / 10, b'0' + v % 10]),
        _ => line.extend_from_slice(num.format(t).as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::input::Table;

    /// A piece appends its bytes and nothing more, at, below and past
    /// its inline size, onto a line that holds bytes already.
    #[test]
    fn a_piece_appends_exactly_its_bytes() {
        for len in [0, 1, 7, 31, 32, 33, 100] {
            let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let mut line = b"S1,".to_vec();
            Piece::<32>::new(bytes.clone()).append_to(&mut line);
            assert_eq!(line, [&b"S1,"[..], &bytes].concat(), "{len}");
        }
    }

    #[test]
    fn whole_numbers_are_written_as_itoa_writes_them() {
        let mut num = itoa::Buffer::new();
        for t in (-1200..1200).chain([i64::MIN, i64::MAX, 255, 256]) {
            let mut line = b"x".to_vec();
            push_whole(&mut line, &mut num, t);
            assert_eq!(line, format!("x{t}").into_bytes());
        }
    }
    use crate::io::fields::Record;
    use crate::pipeline::{Input, Options, Rows, Setup};

    /// Write rows of answers (with missing and invalid ones, a formula-like
    /// and a quoted id) through the writer, with or without the rows
    /// encoded whole.
    fn written(whole_rows: bool, lang: Lang) -> Vec<u8> {
        let setup = Setup::load(&["phq9".into(), "gad7".into()], None, None).unwrap();
        let (battery, bound) = setup.scoring.as_ref().unwrap();
        let mut headers = vec!["id".to_string(), "class".to_string()];
        headers.extend((1..=9).map(|i| format!("phq9_{i}")));
        headers.extend((1..=7).map(|i| format!("gad7_{i}")));
        let cells = ["0", "1", "2", "3", "", "x"];
        let records: Vec<Record> = (0..400usize)
            .map(|r| {
                let id = match r % 5 {
                    0 => "=cmd".to_string(),
                    1 => format!("a,\"{r}\""),
                    2 => String::new(),
                    _ => format!("S{r}"),
                };
                let mut row = vec![id, format!("C{}", r % 3)];
                row.extend((0..16).map(|i| cells[(r * 7 + i * (r % 11)) % 6].to_string()));
                Record::from(row)
            })
            .collect();
        let input = Input::from_table(Table::from_records("memory", headers.clone(), records));
        let source = input.source(&setup).unwrap();
        let lead = Lead {
            id: Some(0),
            keep: vec![1],
            pseudonyms: None,
        };
        let filter = Filter {
            min_level: None,
            fail_on: None,
        };
        let mut writer = ScoreWriter::new(
            (Format::Csv, Vec::new(), Dest::Data),
            &headers,
            (battery, &setup.policy, bound),
            lang,
            lead,
            filter,
        )
        .unwrap();
        assert!(writer.csv.is_some(), "plain CSV data is encoded whole");
        if !whole_rows {
            writer.csv = None;
        }
        let mut rows = Rows::start(input, &setup, source, Options::default());
        rows.run(&mut writer).unwrap();
        writer.finish().unwrap().unwrap()
    }

    proptest::proptest! {
        /// A cell copied whole from its record is what `csv_text` makes of
        /// it, for cells near the quick path's limits (16 bytes, bytes
        /// around `-`, formula starts) and any cells after it.
        #[test]
        fn a_record_cell_is_csv_text_of_it(
            cells in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::prop_oneof![
                        proptest::sample::select(b"=@-+\t\r\n,\"' 0A9z".to_vec()),
                        0x28u8..0x32,
                        proptest::num::u8::ANY,
                    ],
                    0..20,
                ),
                1..4,
            )
        ) {
            let mut rec = Record::new();
            for c in &cells {
                rec.push_field(c);
            }
            for (c, cell) in cells.iter().enumerate() {
                let (mut ours, mut theirs) = (b"x,".to_vec(), b"x,".to_vec());
                record_cell(&mut ours, &rec, c);
                csv_text(&mut theirs, cell);
                proptest::prop_assert_eq!(ours, theirs);
            }
        }
    }

    proptest::proptest! {
        /// What `csv_text` writes of a text cell, read back as a CSV field
        /// and `unguarded`, is the cell, but for a typed `'` before a
        /// value that needs the guard (the one value the guard makes
        /// ambiguous, checked below).
        #[test]
        fn unguarded_undoes_the_guard_score_writes(
            cell in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"=@-+\t\r\n,\"' 0A9z.e".to_vec()),
                    proptest::num::u8::ANY,
                ],
                0..12,
            )
        ) {
            let ambiguous = matches!(cell.split_first(), Some((b'\'', rest)) if needs_formula_escape(rest));
            // after an id, as `score` writes a kept column (a line of one
            // empty field would be no record)
            let mut line = b"s1,".to_vec();
            csv_text(&mut line, &cell);
            line.push(b'\n');
            let mut rd = csv::ReaderBuilder::new().has_headers(false).from_reader(&line[..]);
            let mut rec = csv::ByteRecord::new();
            proptest::prop_assert!(rd.read_byte_record(&mut rec).unwrap());
            let written = rec.get(1).unwrap_or_default();
            if ambiguous {
                proptest::prop_assert_eq!(unguarded(written), &cell[1..]);
            } else {
                proptest::prop_assert_eq!(unguarded(written), &cell[..]);
            }
        }
    }

    #[test]
    fn unguarded_takes_off_only_the_guard() {
        for (written, typed) in [
            (&b"'=A"[..], &b"=A"[..]),
            (b"'@B", b"@B"),
            (b"'\t", b"\t"),
            (b"'\r", b"\r"),
            (b"'+C", b"+C"),
            (b"'-", b"-"),
            // typed with a `'`, written as typed: kept
            (b"'x", b"'x"),
            (b"'", b"'"),
            (b"''", b"''"),
            (b"'-3", b"'-3"),
            (b"'+2.5", b"'+2.5"),
            (b"' =A", b"' =A"),
            (b"=A", b"=A"),
            (b"", b""),
        ] {
            assert_eq!(unguarded(written), typed, "{written:?}");
        }
    }

    #[test]
    fn rows_encoded_whole_are_the_rows_written_field_by_field() {
        for lang in [Lang::En, Lang::Zh] {
            let (whole, fields) = (written(true, lang), written(false, lang));
            assert!(whole.len() > 400 * 40);
            assert_eq!(
                String::from_utf8(whole).unwrap(),
                String::from_utf8(fields).unwrap()
            );
        }
    }
}
