//! Writers for scored rows: CSV (streams), JSON Lines (streams), JSON (one
//! array, streams) and a table (for people at a terminal: buffers up to
//! `TABLE_MAX_ROWS` rows, then switches to CSV so memory stays bounded). A row is
//! written field by field with typed calls (`text`, `number`, `label`,
//! `boolean`), so batch output builds no intermediate record: each format
//! encodes straight into one reused line buffer.
//!
//! Output for a terminal (`Dest::Terminal`) carries no terminal control
//! characters: text from outside (cells, column names, policy and
//! instrument labels) is passed through `printable`, so a crafted cell
//! cannot set the window title or clear the screen. Output to a pipe or a
//! file is data and stays byte-exact. A table shortens long cells
//! (`TABLE_CELL_MAX`): it is for reading, and drawing a huge cell takes
//! comfy-table a long time. Given a terminal's width (`Sink::compact_table`)
//! and a compact set of columns (`Columns::compact`), a table shows only
//! those, each line within the width (`compact_layout`): a table of every
//! column wraps each cell over many lines on an 80-column terminal.

use std::borrow::Cow;

use std::io::Write;

use anyhow::Context as _;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use csv::ByteRecord;

use crate::cli::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Copied from the input or free text: escaped against spreadsheet formulas.
    Text,
    /// A number, or empty when there is none (JSON null).
    Number,
    /// true / false.
    Bool,
    /// Written by psyscreen (band, level): plain string.
    Label,
    /// `risk_reasons`: `; `-joined text in CSV and tables, an array of
    /// strings in JSON (DESIGN: no reason text contains `; `).
    Reasons,
}

/// The most rows a table holds: past this, output switches to CSV (with a
/// note on stderr) rather than buffer an unbounded number of rows.
pub const TABLE_MAX_ROWS: usize = 1000;

/// The most characters a table cell shows; a longer one is cut to its
/// start and `…`.
pub const TABLE_CELL_MAX: usize = 200;

/// Where a sink's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// A person's terminal: text from outside is made printable.
    Terminal,
    /// A pipe or a file: every byte as it came.
    Data,
}

impl Dest {
    pub fn terminal_if(is_terminal: bool) -> Dest {
        if is_terminal {
            Dest::Terminal
        } else {
            Dest::Data
        }
    }
}

/// What joins reasons in `risk_reasons` (CSV, tables).
const REASONS_SEPARATOR: &str = "; ";

pub struct Columns {
    pub names: Vec<String>,
    pub kinds: Vec<Kind>,
    /// What a compact table shows (empty: every column).
    pub compact: Vec<CompactColumn>,
}

/// One column of a compact table: its header and the columns whose
/// non-empty cells it shows, joined by a space (a total and its band).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactColumn {
    pub header: String,
    pub sources: Vec<usize>,
    /// May be cut to fit the width (free text, such as reasons) before any
    /// other column is.
    pub cut_first: bool,
    /// A cell shown as people read it: a band id (`moderately_severe`) as
    /// its label in the run's language (`中重度`). Cells not here are shown
    /// as written.
    pub shown_as: Vec<(String, String)>,
}

impl Columns {
    pub fn new() -> Self {
        Columns {
            names: Vec::new(),
            kinds: Vec::new(),
            compact: Vec::new(),
        }
    }
    pub fn push(&mut self, name: impl Into<String>, kind: Kind) {
        self.names.push(name.into());
        self.kinds.push(kind);
    }
}

impl Columns {
    /// The result columns `score` writes after the id and kept columns:
    /// per scale `{scale}_total`, `{scale}_band`, `{scale}_prorated`, then
    /// `risk_level`, `risk_label`, `risk_reasons` (DESIGN's batch layout;
    /// `administer --append` writes the same, so `score` reads it back).
    pub fn push_results(&mut self, battery: &crate::score::Battery) {
        for (_, _, s) in battery.scales() {
            self.push(format!("{}_total", s.id), Kind::Number);
            self.push(format!("{}_band", s.id), Kind::Label);
            self.push(format!("{}_prorated", s.id), Kind::Bool);
        }
        self.push("risk_level", Kind::Label);
        self.push("risk_label", Kind::Label);
        self.push("risk_reasons", Kind::Reasons);
    }
}

impl Default for Columns {
    fn default() -> Self {
        Self::new()
    }
}

/// A label already encoded for one sink's format.
pub struct Encoded {
    bytes: Vec<u8>,
    raw: Vec<u8>,
}

enum Encoding {
    Csv,
    Jsonl,
    /// Rows inside one array; `first` until a row is written.
    Json {
        first: bool,
    },
    /// Rows kept for a table drawn at the end, and the same rows as CSV
    /// in case there are too many for a table.
    Table {
        rows: Vec<Vec<String>>,
        cells: Vec<String>,
        csv: Vec<u8>,
    },
}

pub struct Sink<W: Write> {
    w: W,
    enc: Encoding,
    cols: Columns,
    line: Vec<u8>,
    /// What goes before each field: `,` in CSV, `,"name":` in JSON.
    prefix: Vec<Vec<u8>>,
    /// Index of the next field in the current row.
    col: usize,
    num: itoa::Buffer,
    dest: Dest,
    /// A terminal's width: a table shows the compact columns within it.
    compact_width: Option<usize>,
}

impl<W: Write> Sink<W> {
    /// Draw a table as the compact columns within `width` terminal cells
    /// (when the columns define a compact set; other formats are as they are).
    pub fn compact_table(&mut self, width: usize) {
        self.compact_width = Some(width);
    }

    pub fn new(format: Format, mut w: W, mut cols: Columns, dest: Dest) -> anyhow::Result<Self> {
        if dest == Dest::Terminal {
            for n in &mut cols.names {
                if let Cow::Owned(p) = crate::printable::printable(n) {
                    *n = p;
                }
            }
        }
        let mut line = Vec::new();
        let enc = match format {
            Format::Csv => {
                csv_header(&mut line, &cols);
                w.write_all(&line).context("writing the header")?;
                line.clear();
                Encoding::Csv
            }
            Format::Jsonl => Encoding::Jsonl,
            Format::Json => {
                w.write_all(b"[").context("writing output")?;
                Encoding::Json { first: true }
            }
            Format::Table => Encoding::Table {
                rows: Vec::new(),
                cells: Vec::new(),
                csv: Vec::new(),
            },
            // FHIR resources are made per row by `pipeline::fhir`, for `score` only
            Format::Fhir => anyhow::bail!(crate::messages::tr!(
                "--format fhir is written by `score` only; here choose table, csv, json or jsonl",
                "--format fhir 仅用于 `score`；这里请选 table、csv、json 或 jsonl"
            )),
        };
        let prefix = (0..cols.names.len())
            .map(|i| match enc {
                Encoding::Csv if i > 0 => b",".to_vec(),
                Encoding::Jsonl | Encoding::Json { .. } => {
                    let mut p = vec![if i == 0 { b'{' } else { b',' }];
                    json_string(&mut p, cols.names[i].as_bytes());
                    p.push(b':');
                    p
                }
                _ => Vec::new(),
            })
            .collect();
        Ok(Sink {
            w,
            enc,
            cols,
            line,
            prefix,
            col: 0,
            num: itoa::Buffer::new(),
            dest,
            compact_width: None,
        })
    }

    /// `f` as written: made printable for a terminal, else as it is. The
    /// data case is the hot path of every cell: inlined, one comparison.
    #[inline(always)]
    fn shown<'f>(&self, f: &'f [u8]) -> Cow<'f, [u8]> {
        if self.dest == Dest::Data {
            return Cow::Borrowed(f);
        }
        Self::shown_on_terminal(f)
    }

    #[inline(never)]
    fn shown_on_terminal(f: &[u8]) -> Cow<'_, [u8]> {
        if !f.iter().any(|&b| MAY_CONTROL[usize::from(b)]) {
            return Cow::Borrowed(f);
        }
        let text = String::from_utf8_lossy(f);
        let printable = crate::printable::printable(&text);
        if matches!((&text, &printable), (Cow::Borrowed(_), Cow::Borrowed(_))) {
            return Cow::Borrowed(f);
        }
        Cow::Owned(printable.into_owned().into_bytes())
    }

    /// Start a field: separator, and for JSON the key.
    #[inline]
    fn open(&mut self) {
        match self.enc {
            Encoding::Csv | Encoding::Table { .. } if self.col > 0 => self.line.push(b','),
            Encoding::Csv | Encoding::Table { .. } => {}
            Encoding::Jsonl | Encoding::Json { .. } => {
                if let Some(p) = self.prefix.get(self.col) {
                    self.line.extend_from_slice(p);
                }
            }
        }
        self.col += 1;
    }

    /// In a table, keep the cell as shown (the row is also encoded as CSV,
    /// for a switch to CSV).
    #[inline]
    fn table_cell(&mut self, f: &[u8]) {
        if let Encoding::Table { cells, .. } = &mut self.enc {
            cells.push(crate::diag::sanitize(&shortened(f)));
        }
    }

    /// Is the line being encoded as CSV (also the shadow copy of a table)?
    #[inline]
    fn csv_line(&self) -> bool {
        matches!(self.enc, Encoding::Csv | Encoding::Table { .. })
    }

    /// A text cell from the input or free text.
    #[inline]
    pub fn text(&mut self, f: &[u8]) {
        self.table_cell(f);
        let shown = self.shown(f);
        let f = &*shown;
        self.open();
        if self.csv_line() {
            csv_text(&mut self.line, f);
        } else {
            json_string(&mut self.line, f);
        }
    }

    /// The line being built, when rows are plain CSV data (not a table,
    /// not a terminal) and no field of it is written yet: a writer that
    /// encodes whole rows itself appends them here (with `csv_text` and
    /// fields it encoded once), then calls `end_row`.
    #[inline]
    pub fn csv_data_line(&mut self) -> Option<&mut Vec<u8>> {
        (matches!(self.enc, Encoding::Csv) && self.dest == Dest::Data && self.col == 0)
            .then_some(&mut self.line)
    }

    /// A whole row of plain CSV data, its line break included, encoded
    /// elsewhere as `csv_data_line` and `end_row` would have it: written
    /// as it is. `false`: the sink is not writing plain CSV data, or is in
    /// the middle of a row; nothing written.
    #[inline]
    pub fn csv_data_row(&mut self, row: &[u8]) -> anyhow::Result<bool> {
        let between_rows = self.col == 0 && self.line.is_empty();
        if !(matches!(self.enc, Encoding::Csv) && self.dest == Dest::Data && between_rows) {
            return Ok(false);
        }
        self.w.write_all(row).context("writing output")?;
        Ok(true)
    }

    /// Is this sink writing plain CSV data (see `csv_data_line`)?
    pub fn is_csv_data(&self) -> bool {
        matches!(self.enc, Encoding::Csv) && self.dest == Dest::Data
    }

    /// `risk_reasons`, `; `-joined as the policy gives them: text in CSV and
    /// tables, an array of strings in JSON (`[]` for none).
    pub fn reasons(&mut self, joined: &[u8]) {
        if self.csv_line() {
            return self.text(joined);
        }
        let shown = self.shown(joined);
        let joined = &*shown;
        self.open();
        self.line.push(b'[');
        if !joined.is_empty() {
            let sep = REASONS_SEPARATOR.as_bytes();
            let mut rest = joined;
            loop {
                let end = rest
                    .windows(sep.len())
                    .position(|w| w == sep)
                    .unwrap_or(rest.len());
                json_string(&mut self.line, &rest[..end]);
                if end == rest.len() {
                    break;
                }
                self.line.push(b',');
                rest = &rest[end + sep.len()..];
            }
        }
        self.line.push(b']');
    }

    /// A label psyscreen writes (band, level id or label).
    #[inline]
    pub fn label(&mut self, f: &[u8]) {
        self.table_cell(f);
        let shown = self.shown(f);
        let f = &*shown;
        self.open();
        if self.csv_line() {
            csv_field(&mut self.line, f);
        } else {
            json_string(&mut self.line, f);
        }
    }

    /// Encode a label once for this sink's format, to write it many times
    /// with `encoded` (band and level names: no per-row quoting scan).
    pub fn encode(&self, f: &[u8]) -> Encoded {
        let mut bytes = Vec::new();
        let shown = self.shown(f);
        if self.csv_line() {
            csv_field(&mut bytes, &shown);
        } else {
            json_string(&mut bytes, &shown);
        }
        Encoded {
            bytes,
            raw: f.to_vec(),
        }
    }

    /// A label encoded with `encode` by this sink.
    #[inline]
    pub fn encoded(&mut self, e: &Encoded) {
        self.table_cell(&e.raw);
        self.open();
        self.line.extend_from_slice(&e.bytes);
    }

    /// An integer.
    #[inline]
    pub fn integer(&mut self, n: i64) {
        let mut buf = std::mem::take(&mut self.num);
        self.number(buf.format(n).as_bytes());
        self.num = buf;
    }

    /// A number already formatted, or empty for none.
    #[inline]
    pub fn number(&mut self, f: &[u8]) {
        self.table_cell(f);
        let shown = self.shown(f);
        self.open();
        if f.is_empty() && !self.csv_line() {
            self.line.extend_from_slice(b"null");
        } else {
            self.line.extend_from_slice(&shown);
        }
    }

    #[inline]
    pub fn boolean(&mut self, b: bool) {
        let f: &[u8] = if b { b"true" } else { b"false" };
        self.table_cell(f);
        self.open();
        self.line.extend_from_slice(f);
    }

    /// End the row and write it out.
    pub fn end_row(&mut self) -> anyhow::Result<()> {
        self.col = 0;
        match &mut self.enc {
            Encoding::Csv => self.line.push(b'\n'),
            Encoding::Jsonl => self.line.extend_from_slice(b"}\n"),
            Encoding::Json { first } => {
                self.line.push(b'}');
                let sep: &[u8] = if *first { b"\n" } else { b",\n" };
                *first = false;
                self.w.write_all(sep).context("writing output")?;
            }
            Encoding::Table { rows, cells, csv } => {
                rows.push(std::mem::take(cells));
                csv.extend_from_slice(&self.line);
                csv.push(b'\n');
                self.line.clear();
                if rows.len() > TABLE_MAX_ROWS {
                    self.switch_to_csv()?;
                }
                return Ok(());
            }
        }
        self.w.write_all(&self.line).context("writing output")?;
        self.line.clear();
        Ok(())
    }

    /// Too many rows for a table: write the rows so far as CSV and go on in
    /// CSV, saying so on stderr (a table of every row would hold them all).
    fn switch_to_csv(&mut self) -> anyhow::Result<()> {
        let Encoding::Table { csv, .. } = std::mem::replace(&mut self.enc, Encoding::Csv) else {
            return Ok(());
        };
        eprintln!(
            "{}{}",
            crate::messages::note(),
            crate::messages::tr!(
                "more than {TABLE_MAX_ROWS} rows: writing CSV instead of a table (choose with --format, or write to a file with -o)",
                "超过 {TABLE_MAX_ROWS} 行：改为输出 CSV 而不是表格（可用 --format 选择，或用 -o 写入文件）"
            )
        );
        let mut header = Vec::new();
        csv_header(&mut header, &self.cols);
        self.w.write_all(&header).context("writing the header")?;
        self.w.write_all(&csv).context("writing output")
    }

    /// A whole row, each field written as its column's kind.
    pub fn row(&mut self, rec: &ByteRecord) -> anyhow::Result<()> {
        for (i, f) in rec.iter().enumerate() {
            match self.cols.kinds.get(i).copied().unwrap_or(Kind::Text) {
                Kind::Text => self.text(f),
                Kind::Reasons => self.reasons(f),
                Kind::Label => self.label(f),
                Kind::Number => self.number(f),
                Kind::Bool => self.boolean(f == b"true"),
            }
        }
        self.end_row()
    }

    /// Finish the format and hand back the writer (to flush or persist).
    pub fn finish(mut self) -> anyhow::Result<W> {
        match self.enc {
            Encoding::Csv | Encoding::Jsonl => {}
            Encoding::Json { first } => {
                self.w
                    .write_all(if first { b"]\n" } else { b"\n]\n" })
                    .context("writing output")?;
            }
            Encoding::Table { rows, .. }
                if self.compact_width.is_some() && !self.cols.compact.is_empty() =>
            {
                let width = self.compact_width.unwrap_or(80);
                let compact = &self.cols.compact;
                let headers: Vec<String> = compact.iter().map(|c| c.header.clone()).collect();
                let cut_first: Vec<bool> = compact.iter().map(|c| c.cut_first).collect();
                let cells: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        compact
                            .iter()
                            .map(|c| {
                                let parts: Vec<&str> = c
                                    .sources
                                    .iter()
                                    .filter_map(|&i| r.get(i).map(String::as_str))
                                    .filter(|v| !v.is_empty())
                                    .map(|v| {
                                        c.shown_as
                                            .iter()
                                            .find(|(id, _)| id == v)
                                            .map_or(v, |(_, label)| label.as_str())
                                    })
                                    // a value shown as nothing (`no`) takes no space
                                    .filter(|v| !v.is_empty())
                                    .collect();
                                parts.join(" ")
                            })
                            .collect()
                    })
                    .collect();
                self.w
                    .write_all(compact_layout(&headers, &cut_first, &cells, width).as_bytes())
                    .context("writing output")?;
            }
            Encoding::Table { rows, .. } => {
                let mut t = Table::new();
                let header = self.cols.names.iter().map(|n| shortened(n.as_bytes()));
                t.load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header(header);
                for r in rows {
                    t.add_row(r);
                }
                writeln!(self.w, "{t}").context("writing output")?;
            }
        }
        Ok(self.w)
    }
}

/// Between two columns of a compact table.
const COMPACT_GAP: &str = "  ";
/// The narrowest a column is cut to (a cut-first column narrower than
/// this is left out instead).
const COMPACT_MIN: usize = 6;

/// A table within `width` terminal cells: a header, a rule, one line per
/// row, columns two spaces apart. Columns keep their full width when they
/// fit; else the `cut_first` ones are cut (and left out when they would be
/// narrower than `COMPACT_MIN`), then the widest of the others, one cell at
/// a time, down to `COMPACT_MIN`. A
/// cut cell ends with `…`. Only when even that is too wide are lines longer
/// than `width`.
pub fn compact_layout(
    headers: &[String],
    cut_first: &[bool],
    rows: &[Vec<String>],
    width: usize,
) -> String {
    use unicode_width::UnicodeWidthStr as _;
    let n = headers.len();
    let mut widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|v| v.width())
                .chain([headers[c].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut shown = vec![true; n];
    let total = |widths: &[usize], shown: &[bool]| {
        let cols = shown.iter().filter(|s| **s).count();
        let sum: usize = (0..n).filter(|&c| shown[c]).map(|c| widths[c]).sum();
        sum + COMPACT_GAP.len() * cols.saturating_sub(1)
    };
    for c in (0..n).filter(|&c| cut_first.get(c) == Some(&true)) {
        let over = total(&widths, &shown).saturating_sub(width);
        if over == 0 {
            break;
        }
        if widths[c] >= over + COMPACT_MIN {
            widths[c] -= over;
        } else {
            shown[c] = false;
        }
    }
    // the first column (the id) is never cut: two ids cut to one start
    // could not be told apart, and the row would name no one
    while total(&widths, &shown) > width {
        let Some(c) = (1..n)
            .filter(|&c| shown[c] && widths[c] > COMPACT_MIN)
            .max_by_key(|&c| widths[c])
        else {
            break;
        };
        widths[c] -= 1;
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.collect();
        let mut l = String::new();
        let last = (0..n).rev().find(|&c| shown[c]).unwrap_or(0);
        for c in (0..n).filter(|&c| shown[c]) {
            let cell = fit(cells.get(c).map_or("", String::as_str), widths[c]);
            l.push_str(&cell);
            if c != last {
                l.push_str(&" ".repeat(widths[c] - cell.width()));
                l.push_str(COMPACT_GAP);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().cloned());
    line(&mut widths.iter().map(|&w| "─".repeat(w)));
    for r in rows {
        line(&mut r.iter().cloned());
    }
    out
}

/// `s` within `width` terminal cells: cut to its start and `…` when longer.
fn fit(s: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// A table cell's text: at most `TABLE_CELL_MAX` characters, a longer
/// cell cut to its start and `…` (only the start is decoded, so a huge
/// cell costs no more than a short one).
fn shortened(f: &[u8]) -> Cow<'_, str> {
    // enough bytes for TABLE_CELL_MAX characters of up to 4 bytes, and one more
    let head = &f[..f.len().min(4 * TABLE_CELL_MAX + 4)];
    let text = String::from_utf8_lossy(head);
    match text.char_indices().nth(TABLE_CELL_MAX) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None if head.len() < f.len() => Cow::Owned(format!("{text}…")),
        None => text,
    }
}

/// Bytes that may be or start a terminal control character: C0 controls
/// but line feed and tab, DEL, and any byte past ASCII (C1 controls and the
/// bidirectional overrides are multi-byte in UTF-8; bytes that are not
/// UTF-8 are shown as `\u{FFFD}`).
static MAY_CONTROL: [bool; 256] = {
    let mut t = [true; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = false;
        b += 1;
    }
    t[b'\n' as usize] = false;
    t[b'\t' as usize] = false;
    t
};

/// The CSV header line, with its line end.
fn csv_header(line: &mut Vec<u8>, cols: &Columns) {
    for (i, n) in cols.names.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        csv_field(line, n.as_bytes());
    }
    line.push(b'\n');
}

/// A text cell as CSV: a cell a spreadsheet would run as a formula gets
/// a leading `'`, then the field is quoted as needed.
#[inline]
pub fn csv_text(line: &mut Vec<u8>, f: &[u8]) {
    if needs_formula_escape(f) {
        let mut v = Vec::with_capacity(f.len() + 1);
        v.push(b'\'');
        v.extend_from_slice(f);
        csv_field(line, &v);
    } else {
        csv_field(line, f);
    }
}

/// Append one CSV field (RFC 4180): quoted only when it holds a comma, a
/// quote or a line break, as the csv crate's `QuoteStyle::Necessary` does
/// (a test checks they agree).
#[inline]
fn csv_field(line: &mut Vec<u8>, f: &[u8]) {
    if !f.iter().any(|&b| NEEDS_QUOTES[usize::from(b)]) {
        line.extend_from_slice(f);
        return;
    }
    line.push(b'"');
    for &b in f {
        if b == b'"' {
            line.push(b'"');
        }
        line.push(b);
    }
    line.push(b'"');
}

/// Bytes that make a CSV field need quotes.
static NEEDS_QUOTES: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

fn json_string(line: &mut Vec<u8>, f: &[u8]) {
    let _ = serde_json::to_writer(&mut *line, &String::from_utf8_lossy(f));
}

/// Cells a spreadsheet would run as a formula; numbers like -3 stay numbers.
pub fn needs_formula_escape(f: &[u8]) -> bool {
    match f.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => std::str::from_utf8(f).map_or(true, |s| s.parse::<f64>().is_err()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    fn widest(text: &str) -> usize {
        use unicode_width::UnicodeWidthStr as _;
        text.lines().map(|l| l.width()).max().unwrap_or(0)
    }

    #[test]
    fn compact_layout_never_cuts_the_id() {
        let headers = strings(&["id", "class", "level"]);
        let rows = vec![
            strings(&["school-2025-grade7-class3-001", "7A", "No flag"]),
            strings(&["school-2025-grade7-class3-002", "7A", "Urgent"]),
        ];
        let out = compact_layout(&headers, &[false, false, false], &rows, 30);
        assert!(out.contains("school-2025-grade7-class3-002"), "{out}");
        assert!(out.contains("school-2025-grade7-class3-001"), "{out}");
    }

    #[test]
    fn compact_layout_fits_the_width_cutting_reasons_first() {
        let headers = strings(&["id", "phq9", "level", "reasons"]);
        let cut = [false, false, false, true];
        let rows = vec![
            strings(&[
                "S7A07",
                "14 moderate",
                "Urgent",
                "PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)",
            ]),
            strings(&["S7A01", "3 minimal", "No flag", ""]),
            strings(&[
                "学生一",
                "16 moderately_severe",
                "紧急",
                "PHQ-9 第9题：有死亡或自伤念头",
            ]),
        ];
        let wide = compact_layout(&headers, &cut, &rows, 200);
        assert!(
            wide.contains("(same-day suicide risk assessment)"),
            "{wide}"
        );
        assert_eq!(
            wide.lines().count(),
            5,
            "header, rule, three rows: no wrapping"
        );

        let at80 = compact_layout(&headers, &cut, &rows, 80);
        assert!(widest(&at80) <= 80, "{at80}");
        assert_eq!(at80.lines().count(), 5);
        assert!(
            at80.contains("PHQ-9 item 9: thoughts of"),
            "a short reason: {at80}"
        );
        assert!(at80.contains('…'));
        assert!(
            at80.contains("16 moderately_severe"),
            "nothing else is cut: {at80}"
        );

        // 40 cells: the reasons go, the widest other column is cut
        let at40 = compact_layout(&headers, &cut, &rows, 40);
        assert!(widest(&at40) <= 40, "{at40}");
        assert!(!at40.contains("reasons"), "{at40}");
        assert!(
            at40.contains("S7A07") && at40.contains("学生一"),
            "ids kept: {at40}"
        );
        assert!(
            at40.contains("Urgent") && at40.contains("紧急"),
            "levels kept: {at40}"
        );
        let first = at40.lines().nth(2).unwrap();
        assert_eq!(first, "S7A07   14 moderate           Urgent");
        // 30 cells: the widest other column is cut as well
        let at30 = compact_layout(&headers, &cut, &rows, 30);
        assert!(widest(&at30) <= 30, "{at30}");
        assert!(at30.contains("16 moderatel…"), "{at30}");
    }

    #[test]
    fn a_compact_table_through_the_sink() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        cols.push("phq9_total", Kind::Number);
        cols.push("phq9_band", Kind::Label);
        cols.push("risk_label", Kind::Label);
        cols.compact = vec![
            CompactColumn {
                header: "id".into(),
                sources: vec![0],
                cut_first: false,
                shown_as: Vec::new(),
            },
            CompactColumn {
                header: "phq9".into(),
                sources: vec![1, 2],
                cut_first: false,
                shown_as: Vec::new(),
            },
            CompactColumn {
                header: "level".into(),
                sources: vec![3],
                cut_first: false,
                shown_as: Vec::new(),
            },
        ];
        let mut s = Sink::new(Format::Table, Vec::new(), cols, Dest::Terminal).unwrap();
        s.compact_table(80);
        s.row(&ByteRecord::from(vec!["a1", "", "incomplete", "Monitor"]))
            .unwrap();
        s.row(&ByteRecord::from(vec!["a2", "3", "minimal", "No flag"]))
            .unwrap();
        let out = String::from_utf8(s.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "id  phq9        level\n──  ──────────  ───────\na1  incomplete  Monitor\na2  3 minimal   No flag\n"
        );
    }

    #[test]
    fn formula_escape() {
        assert!(needs_formula_escape(b"=SUM(A1)"));
        assert!(needs_formula_escape(b"+cmd"));
        assert!(needs_formula_escape(b"@x"));
        assert!(!needs_formula_escape(b"-3"));
        assert!(!needs_formula_escape(b"+2.5"));
        assert!(!needs_formula_escape(b"abc"));
    }

    #[test]
    fn csv_escapes_text_columns_only() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        cols.push("t", Kind::Number);
        let mut s = Sink::new(Format::Csv, Vec::new(), cols, Dest::Data).unwrap();
        s.row(&ByteRecord::from(vec!["=1+1", "-2"])).unwrap();
        let out = String::from_utf8(s.finish().unwrap()).unwrap();
        assert_eq!(out, "id,t\n'=1+1,-2\n");
    }

    #[test]
    fn csv_quoting_matches_the_csv_crate() {
        let fields: Vec<&[u8]> = vec![
            b"plain",
            b"a,b",
            b"say \"hi\"",
            b"two\nlines",
            b"",
            "中文".as_bytes(),
            b"cr\r",
        ];
        let mut ours = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                ours.push(b',');
            }
            csv_field(&mut ours, f);
        }
        ours.push(b'\n');
        let mut theirs = csv::Writer::from_writer(Vec::new());
        theirs.write_record(&fields).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs.into_inner().unwrap()).unwrap()
        );
    }

    #[test]
    fn json_types() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        cols.push("total", Kind::Number);
        cols.push("p", Kind::Bool);
        let mut s = Sink::new(Format::Jsonl, Vec::new(), cols, Dest::Data).unwrap();
        s.row(&ByteRecord::from(vec!["a\"b", "", "true"])).unwrap();
        s.text(b"c");
        s.integer(12);
        s.boolean(false);
        s.end_row().unwrap();
        let out = String::from_utf8(s.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "{\"id\":\"a\\\"b\",\"total\":null,\"p\":true}\n{\"id\":\"c\",\"total\":12,\"p\":false}\n"
        );
    }

    #[test]
    fn encoded_labels_match_labels() {
        for format in [Format::Csv, Format::Jsonl, Format::Table] {
            let mut cols = Columns::new();
            cols.push("a", Kind::Label);
            cols.push("b", Kind::Label);
            let mut direct = Sink::new(format, Vec::new(), cols, Dest::Data).unwrap();
            direct.label(b"x,y");
            direct.label("中度".as_bytes());
            direct.end_row().unwrap();
            let mut cols = Columns::new();
            cols.push("a", Kind::Label);
            cols.push("b", Kind::Label);
            let mut pre = Sink::new(format, Vec::new(), cols, Dest::Data).unwrap();
            let (e1, e2) = (pre.encode(b"x,y"), pre.encode("中度".as_bytes()));
            pre.encoded(&e1);
            pre.encoded(&e2);
            pre.end_row().unwrap();
            assert_eq!(
                direct.finish().unwrap(),
                pre.finish().unwrap(),
                "{format:?}"
            );
        }
    }

    #[test]
    fn json_array_and_table() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        let mut s = Sink::new(Format::Json, Vec::new(), cols, Dest::Data).unwrap();
        s.text(b"a");
        s.end_row().unwrap();
        s.text(b"b");
        s.end_row().unwrap();
        assert_eq!(
            String::from_utf8(s.finish().unwrap()).unwrap(),
            "[\n{\"id\":\"a\"},\n{\"id\":\"b\"}\n]\n"
        );
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        let mut s = Sink::new(Format::Table, Vec::new(), cols, Dest::Data).unwrap();
        s.text(b"x\x1b");
        s.end_row().unwrap();
        let t = String::from_utf8(s.finish().unwrap()).unwrap();
        assert!(t.contains("x\\u{1b}"), "{t}");
    }

    #[test]
    fn reasons_are_an_array_in_json_and_text_in_csv() {
        for (format, want) in [
            (Format::Jsonl, "{\"r\":[\"a\",\"b c\"]}\n{\"r\":[]}\n"),
            (Format::Csv, "r\na; b c\n\n"),
        ] {
            let mut cols = Columns::new();
            cols.push("r", Kind::Reasons);
            let mut s = Sink::new(format, Vec::new(), cols, Dest::Data).unwrap();
            s.reasons(b"a; b c");
            s.end_row().unwrap();
            s.row(&ByteRecord::from(vec![""])).unwrap();
            assert_eq!(String::from_utf8(s.finish().unwrap()).unwrap(), want);
        }
    }

    #[test]
    fn a_table_past_its_row_limit_becomes_csv() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        cols.push("n", Kind::Number);
        let mut s = Sink::new(Format::Table, Vec::new(), cols, Dest::Data).unwrap();
        for i in 0..=TABLE_MAX_ROWS {
            s.text(format!("=p{i}").as_bytes());
            s.integer(i64::try_from(i).unwrap());
            s.end_row().unwrap();
        }
        let out = String::from_utf8(s.finish().unwrap()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), TABLE_MAX_ROWS + 2);
        assert_eq!(lines[0], "id,n");
        // CSV rules, formula escape included
        assert_eq!(lines[1], "'=p0,0");
        assert_eq!(
            lines[TABLE_MAX_ROWS + 1],
            format!("'=p{TABLE_MAX_ROWS},{TABLE_MAX_ROWS}")
        );
    }

    #[test]
    fn text_for_a_terminal_is_printable_and_data_stays_exact() {
        let cell: &[u8] = b"S1\x1b]0;pwn\x07\x1b[2J";
        let label = "sev\u{9b}31m\u{202e}ere".as_bytes();
        for (format, dest, want) in [
            (
                Format::Csv,
                Dest::Terminal,
                "id\u{FFFD},level\nS1\u{FFFD}]0;pwn\u{FFFD}\u{FFFD}[2J,sev\u{FFFD}31m\u{FFFD}ere\n",
            ),
            (
                Format::Csv,
                Dest::Data,
                "id\x1b,level\nS1\x1b]0;pwn\x07\x1b[2J,sev\u{9b}31m\u{202e}ere\n",
            ),
            (
                Format::Jsonl,
                Dest::Terminal,
                "{\"id\u{FFFD}\":\"S1\u{FFFD}]0;pwn\u{FFFD}\u{FFFD}[2J\",\"level\":\"sev\u{FFFD}31m\u{FFFD}ere\"}\n",
            ),
        ] {
            let mut cols = Columns::new();
            cols.push("id\x1b", Kind::Text);
            cols.push("level", Kind::Label);
            let mut s = Sink::new(format, Vec::new(), cols, dest).unwrap();
            let level = s.encode(label);
            s.text(cell);
            s.encoded(&level);
            s.end_row().unwrap();
            let out = String::from_utf8(s.finish().unwrap()).unwrap();
            assert_eq!(out, want, "{format:?} {dest:?}");
        }
        // plain and CJK text is left as it is
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        let mut s = Sink::new(Format::Csv, Vec::new(), cols, Dest::Terminal).unwrap();
        s.text("李四 S1".as_bytes());
        s.end_row().unwrap();
        assert_eq!(s.finish().unwrap(), "id\n李四 S1\n".as_bytes());
    }

    #[test]
    fn the_csv_a_table_turns_into_on_a_terminal_is_printable() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        let mut s = Sink::new(Format::Table, Vec::new(), cols, Dest::Terminal).unwrap();
        for _ in 0..=TABLE_MAX_ROWS {
            s.text(b"a\x1b[2J");
            s.end_row().unwrap();
        }
        let out = String::from_utf8(s.finish().unwrap()).unwrap();
        assert!(!out.contains('\x1b'));
        assert_eq!(out.lines().nth(1), Some("a\u{FFFD}[2J"));
    }

    #[test]
    fn long_table_cells_are_cut_to_their_start() {
        assert_eq!(shortened(b"short"), "short");
        let exact = "é".repeat(TABLE_CELL_MAX);
        assert_eq!(shortened(exact.as_bytes()), exact);
        let long = "中".repeat(TABLE_CELL_MAX + 1);
        let cut = shortened(long.as_bytes());
        assert_eq!(cut.chars().count(), TABLE_CELL_MAX + 1);
        assert!(cut.ends_with("中…"), "{cut}");
        let huge = "x".repeat(4 << 20);
        assert_eq!(
            shortened(huge.as_bytes()),
            format!("{}…", &huge[..TABLE_CELL_MAX])
        );
        // a character cut at the byte limit is not shown broken
        let wide = "😀".repeat(TABLE_CELL_MAX + 5);
        let cut = shortened(wide.as_bytes());
        assert_eq!(cut, format!("{}…", "😀".repeat(TABLE_CELL_MAX)));
    }
}
