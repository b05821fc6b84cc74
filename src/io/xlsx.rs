//! Reading a sheet of a workbook as rows, with bounded memory whatever the
//! file claims. xlsx streams cell by cell on a thread of its own (a lean
//! reader, `sheet_xml`, then calamine's cell reader from the first cell it
//! leaves), its sheet inflated on another; xls and ods have no streaming
//! reader in calamine and are read whole, then handed out the same way.
//!
//! Rows are assembled from the cells that hold something: the first such
//! row is the header, rows with no non-empty cell are skipped (like empty
//! CSV lines), and a row is as wide as its header (more only when a cell
//! beyond the header holds something, so the row is reported as ragged).
//! Nothing is ever sized by the sheet's declared dimension.
//!
//! Limits (README "Workbooks"): an xlsx or ods is a zip of XML parts, checked
//! before any is parsed (the sheet the lean reader reads: as it is read,
//! so it is inflated once; see `check_archive`): a worksheet part may expand to at most
//! `MAX_SHEET_XML`, any other XML part to `MAX_OTHER_XML`; a part above
//! `RATIO_FLOOR` may not compress more than `MAX_RATIO`:1 (real sheets
//! compress about 10–20:1, zip bombs about 1000:1); a part may not expand to
//! more than its zip header says; and no XML token (text between two `<`)
//! may be longer than `MAX_TOKEN`. A cell that holds something must lie
//! within `MAX_COLUMNS` columns and Excel's 1,048,576 rows. An ods may span
//! at most `MAX_WHOLE_CELLS` cells (it is read whole). Breaking any of these
//! is an error (exit 2), never an abort. An .xls is not checked: calamine
//! reads it whole when it opens it, before anything here could look.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::io::fields::Record;
use anyhow::{anyhow, bail, Context as _};
use calamine::{Data, DataRef, Reader as _};

use crate::messages::tr;
use crate::printable::printable_line;

/// The most a worksheet's XML may expand to (a full-height sheet of about
/// 60 short answers).
pub const MAX_SHEET_XML: u64 = 2 << 30;
/// The most any other XML part (shared strings, styles, workbook) may
/// expand to; these are read whole.
pub const MAX_OTHER_XML: u64 = 256 << 20;
/// Parts smaller than this are not checked for their compression ratio.
pub const RATIO_FLOOR: u64 = 16 << 20;
/// The most a part above `RATIO_FLOOR` may compress.
pub const MAX_RATIO: u64 = 250;
/// The longest XML token (a cell's text is at most 32,767 characters).
pub const MAX_TOKEN: u64 = 1 << 20;
/// Columns read: a cell that holds something beyond column 4,096 (FAN) is
/// an error rather than thousands of empty fields per row.
pub const MAX_COLUMNS: u32 = 4096;
/// Excel's last row.
pub const MAX_ROWS: u32 = 1 << 20;

/// The most cells the sheets of an .ods may span (rows × columns in use,
/// empty ones included): calamine reads them whole, about 60 bytes a cell.
pub const MAX_WHOLE_CELLS: u64 = 10_000_000;

/// Rows per batch handed from the sheet's thread to the reader.
const BATCH: usize = 256;
/// Batches in flight: bounds memory.
const IN_FLIGHT: usize = 4;

/// Does calamine read this file as a workbook (by its extension)?
pub fn is_workbook(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "xlsx" | "xlsm" | "xls" | "ods"
        )
    })
}

/// A sheet's header and the rows below it, read on another thread.
pub struct Sheet {
    /// Trimmed, as in a CSV header.
    pub headers: Vec<String>,
    pub rows: SheetRows,
}

/// Rows of a sheet, in order, each as wide as the header. The sheet's
/// thread ends with an empty batch, so a thread that died (a panic in the
/// parser) is an error, never a sheet that seems to end early.
pub struct SheetRows {
    batches: Option<Receiver<anyhow::Result<Vec<Record>>>>,
    current: std::vec::IntoIter<Record>,
    /// The records given back by `read`, sent back to the sheet's thread
    /// to be filled again (no allocation per row on either side).
    spent: Vec<Record>,
    back: Option<SyncSender<Vec<Record>>>,
}

impl SheetRows {
    /// No rows (a placeholder once the rows moved elsewhere).
    pub fn empty() -> SheetRows {
        SheetRows::new(None, None)
    }

    fn new(
        batches: Option<Receiver<anyhow::Result<Vec<Record>>>>,
        back: Option<SyncSender<Vec<Record>>>,
    ) -> SheetRows {
        SheetRows {
            batches,
            current: Vec::new().into_iter(),
            spent: Vec::new(),
            back,
        }
    }

    /// The next row into `rec`; false at the end.
    pub fn read(&mut self, rec: &mut Record) -> anyhow::Result<bool> {
        loop {
            if let Some(mut row) = self.current.next() {
                std::mem::swap(rec, &mut row);
                if self.back.is_some() {
                    self.spent.push(row);
                }
                return Ok(true);
            }
            let Some(batches) = &self.batches else {
                return Ok(false);
            };
            if let Some(back) = self.back.as_ref().filter(|_| !self.spent.is_empty()) {
                let spent = std::mem::replace(&mut self.spent, Vec::with_capacity(BATCH));
                // full: the sheet's thread has records enough; these are dropped
                let _ = back.try_send(spent);
            }
            match batches.recv() {
                Ok(Ok(batch)) if batch.is_empty() => {
                    self.batches = None;
                    return Ok(false);
                }
                Ok(Ok(batch)) => self.current = batch.into_iter(),
                Ok(Err(e)) => {
                    self.batches = None;
                    return Err(e);
                }
                Err(_) => {
                    self.batches = None;
                    bail!(tr!(
                        "reading the sheet stopped before its end (a damaged file?)",
                        "工作表没有读到结尾就停止了（文件损坏？）"
                    ));
                }
            }
        }
    }
}

/// Open the first or the named sheet of the workbook at `path` (`name` is
/// how messages name it).
pub fn open(path: &Path, name: &str, sheet: Option<&str>) -> anyhow::Result<Sheet> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let streaming = matches!(ext.as_str(), "xlsx" | "xlsm");
    let (mut zip, mut unchecked) = (None, None);
    if streaming || ext == "ods" {
        if let Some(mut z) = open_zip(path)? {
            if streaming {
                unchecked = super::sheet_xml::first_part(&mut z, sheet);
            }
            check_archive(&mut z, name, unchecked)?;
            zip = Some(z);
        }
    }
    if ext == "ods" {
        check_ods_cells(path, name)?;
    }
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let mut back = None;
    let wanted = if streaming {
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook(path).with_context(|| cannot_open(name))?;
        let wanted = choose_sheet(name, wb.sheet_names(), sheet)?;
        let (name, sheet) = (name.to_string(), wanted.clone());
        let (back_tx, spares) = sync_channel(IN_FLIGHT + 2);
        back = Some(back_tx);
        std::thread::spawn(move || {
            let lean = Lean {
                zip: zip.as_mut(),
                unchecked,
                wanted: &sheet,
                name: &name,
            };
            if let Err(e) = stream_xlsx(&mut wb, lean, &tx, spares) {
                let _ = tx.send(Err(e));
            }
        });
        wanted
    } else {
        let mut wb = calamine::open_workbook_auto(path).with_context(|| cannot_open(name))?;
        let wanted = choose_sheet(name, wb.sheet_names(), sheet)?;
        let range = wb
            .worksheet_range(&wanted)
            .with_context(|| reading_sheet(&printable_line(&wanted), name))?;
        let (name, sheet) = (name.to_string(), wanted.clone());
        std::thread::spawn(move || {
            if let Err(e) = stream_range(&range, &sheet, &name, &tx) {
                let _ = tx.send(Err(e));
            }
        });
        wanted
    };
    let wanted = printable_line(&wanted);
    let mut rows = SheetRows::new(Some(rx), back);
    let mut header = Record::new();
    if !rows.read(&mut header)? {
        bail!(crate::messages::tr!(
            "sheet `{wanted}` of {name} is empty: expected a header row and answers",
            "{name} 的工作表 `{wanted}` 是空的：应有一行表头和作答数据"
        ));
    }
    let headers = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    Ok(Sheet { headers, rows })
}

fn choose_sheet(name: &str, sheets: Vec<String>, sheet: Option<&str>) -> anyhow::Result<String> {
    match sheet {
        Some(s) if sheets.iter().any(|x| x == s) => Ok(s.to_string()),
        Some(s) => {
            let all = sheets.join(", ");
            let (s, all) = (printable_line(s), printable_line(&all));
            bail!(crate::messages::tr!(
                "{name} has no sheet `{s}`: it has {all}",
                "{name} 没有工作表 `{s}`：它的工作表有 {all}"
            ))
        }
        None => sheets
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!(tr!("{name} has no sheets", "{name} 中没有工作表"))),
    }
}

/// What the lean reader reads: the zip checked by `check_archive`, with
/// the part it left to be checked as it is read.
struct Lean<'a> {
    zip: Option<&'a mut Zip>,
    unchecked: Option<usize>,
    wanted: &'a str,
    name: &'a str,
}

fn stream_xlsx(
    wb: &mut calamine::Xlsx<BufReader<File>>,
    lean: Lean<'_>,
    tx: &SyncSender<anyhow::Result<Vec<Record>>>,
    spares: Receiver<Vec<Record>>,
) -> anyhow::Result<()> {
    let (wanted, name) = (lean.wanted, lean.name);
    let shown = printable_line(wanted);
    let context = || reading_sheet(&shown, name);
    let mut rows = Assembler::new(&shown, name, tx);
    rows.spares = Some(spares);
    let mut text = Vec::new();
    let skip = match stream_fast(lean, &mut rows)? {
        FastEnd::Done => return rows.finish(),
        FastEnd::HungUp => return Ok(()),
        FastEnd::LeftAt(cells) => cells,
    };
    // calamine reads on from the first cell the lean reader left to it
    let mut cells = wb.worksheet_cells_reader(wanted).with_context(context)?;
    let mut skipped = 0u64;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            // calamine does not say where: the cell after the last one read
            Err(e) => return Err(rows.stop(anyhow!(rows.unreadable(&e)))),
        };
        if skipped < skip {
            skipped += 1;
            continue;
        }
        let (row, col) = cell.get_position();
        text.clear();
        render(cell.get_value(), &mut text);
        if let DataRef::Float(f) = cell.get_value() {
            rows.check_exact(*f, (row, col), &text);
        }
        match rows.cell(row, col, &text) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(rows.stop(e)),
        }
    }
    rows.finish()
}

/// How far the lean reader got.
enum FastEnd {
    /// The whole sheet.
    Done,
    /// The reader of the rows hung up.
    HungUp,
    /// It handed on this many cells, then met one it leaves to calamine
    /// (every part is checked whole by then).
    LeftAt(u64),
}

/// Read the sheet with the lean reader (`sheet_xml`) as far as it can,
/// checking the part it reads as it reads it (`Checked`).
fn stream_fast(lean: Lean<'_>, rows: &mut Assembler<'_>) -> anyhow::Result<FastEnd> {
    use super::sheet_xml::{Book, Cells, Stop};
    let Lean {
        zip,
        unchecked,
        wanted,
        name,
    } = lean;
    let Some(zip) = zip else {
        return Ok(FastEnd::LeftAt(0));
    };
    // the part left unchecked, checked whole: calamine may read it
    let check_whole = |zip: &mut Zip, rows: &mut Assembler<'_>| match unchecked {
        Some(u) => check_part(zip, u, name, false).map_err(|e| rows.stop(e)),
        None => Ok(()),
    };
    let Ok(book) = Book::read(zip) else {
        check_whole(zip, rows)?;
        return Ok(FastEnd::LeftAt(0));
    };
    let Some(index) = book.part(zip, wanted) else {
        check_whole(zip, rows)?;
        return Ok(FastEnd::LeftAt(0));
    };
    if unchecked != Some(index) {
        check_whole(zip, rows)?;
    }
    if zip.by_index(index).is_err() {
        check_whole(zip, rows)?;
        return Ok(FastEnd::LeftAt(0));
    }
    let Ok(file) = zip.by_index(index) else {
        return Ok(FastEnd::LeftAt(0));
    };
    let check = PartCheck::new(&file, name).map_err(|e| rows.stop(e))?;
    let mut part = Checked {
        part: file,
        check,
        refused: None,
    };
    let mut count = 0u64;
    // inflated on a thread of its own while this one reads the XML
    let ((pieces, from_inflater), (to_inflater, spent)) =
        (sync_channel(INFLATED), sync_channel(INFLATED + 2));
    let (end, checked) = std::thread::scope(|scope| {
        let part = &mut part;
        scope.spawn(move || part.inflate(&pieces, &spent));
        let mut inflated = Inflated::new(from_inflater, to_inflater);
        let end = match Cells::new(&book, &mut inflated) {
            Ok(mut cells) => {
                let mut take = |row: u32, col: u32, text: &[u8]| rows.cell(row, col, text);
                cells.run(&mut count, &mut take)
            }
            Err(outside) => Ok(Err(outside)),
        };
        // read to its end: the rest is checked (and its checksum) before
        // the reading is done or calamine reads the part again
        let checked = match &end {
            Ok(Ok(Stop::Enough)) => Ok(()),
            _ => inflated.finish(),
        };
        // hang up, so the inflating thread stops
        drop(inflated);
        (end, checked)
    });
    match (end, checked) {
        (_, Err(refused)) => Err(rows.stop(refused)),
        (Ok(Ok(Stop::End)), Ok(())) => Ok(FastEnd::Done),
        (Ok(Ok(Stop::Enough)), Ok(())) => Ok(FastEnd::HungUp),
        (Ok(Err(_)), Ok(())) => Ok(FastEnd::LeftAt(count)),
        (Err(e), Ok(())) => Err(rows.stop(e)),
    }
}

fn stream_range(
    range: &calamine::Range<Data>,
    wanted: &str,
    name: &str,
    tx: &SyncSender<anyhow::Result<Vec<Record>>>,
) -> anyhow::Result<()> {
    let (top, left) = range.start().unwrap_or_default();
    let wanted = printable_line(wanted);
    let mut rows = Assembler::new(&wanted, name, tx);
    let mut text = Vec::new();
    for (r, c, value) in range.used_cells() {
        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
            bail!(tr!(
                "sheet `{wanted}` of {name} is larger than a spreadsheet can be",
                "{name} 的工作表 `{wanted}` 超出了电子表格可能的大小"
            ));
        };
        text.clear();
        render_data(value, &mut text);
        let (r, c) = (top.saturating_add(r), left.saturating_add(c));
        if let Data::Float(f) = value {
            rows.check_exact(*f, (r, c), &text);
        }
        match rows.cell(r, c, &text) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(rows.stop(e)),
        }
    }
    rows.finish()
}

/// A cell as text, as the CSV export of the sheet would show it: whole
/// numbers without `.0`.
fn render(value: &DataRef<'_>, out: &mut Vec<u8>) {
    match value {
        DataRef::Empty => {}
        DataRef::String(s) => out.extend_from_slice(s.as_bytes()),
        DataRef::SharedString(s) => out.extend_from_slice(s.as_bytes()),
        DataRef::Float(f) => render_float(*f, out),
        other => render_data(&Data::from(other.clone()), out),
    }
}

pub(super) fn render_data(value: &Data, out: &mut Vec<u8>) {
    use std::io::Write as _;
    match value {
        Data::Empty => {}
        Data::String(s) => out.extend_from_slice(s.as_bytes()),
        Data::Float(f) => render_float(*f, out),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

pub(super) fn render_float(f: f64, out: &mut Vec<u8>) {
    use std::io::Write as _;
    if f.fract() == 0.0 && f.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        let _ = write!(out, "{}", f as i64);
    } else {
        let _ = write!(out, "{}", Data::Float(f));
    }
}

/// Builds rows from cells given in order (row by row, left to right).
struct Assembler<'a> {
    /// The sheet's name as messages show it.
    sheet: &'a str,
    name: &'a str,
    tx: &'a SyncSender<anyhow::Result<Vec<Record>>>,
    batch: Vec<Record>,
    /// The header's width, once the header is read.
    width: Option<usize>,
    /// The row being built, its fields (only up to the last that holds
    /// something: cells come left to right) and the last cell seen.
    row: Option<u32>,
    fields: Record,
    last: Option<(u32, u32)>,
    /// Records the reader is done with, to be filled again.
    spares: Option<Receiver<Vec<Record>>>,
    spare: Vec<Record>,
    /// A whole number too large for calamine's `f64` to hold exactly was
    /// met (and said).
    inexact: bool,
}

impl<'a> Assembler<'a> {
    fn new(sheet: &'a str, name: &'a str, tx: &'a SyncSender<anyhow::Result<Vec<Record>>>) -> Self {
        Assembler {
            sheet,
            name,
            tx,
            batch: Vec::with_capacity(BATCH),
            inexact: false,
            width: None,
            row: None,
            fields: Record::new(),
            last: None,
            spares: None,
            spare: Vec::new(),
        }
    }

    /// An empty record for the next row: one the reader is done with if
    /// there is one.
    fn fresh(&mut self) -> Record {
        if self.spare.is_empty() {
            if let Some(more) = self.spares.as_ref().and_then(|s| s.try_recv().ok()) {
                self.spare = more;
            }
        }
        match self.spare.pop() {
            Some(mut rec) => {
                rec.clear();
                rec
            }
            None => Record::with_capacity(self.fields.as_slice().len(), self.fields.len()),
        }
    }

    /// Take one cell (0-based row and column); false when the reader hung
    /// up (nothing more is wanted).
    #[inline]
    fn cell(&mut self, row: u32, col: u32, text: &[u8]) -> anyhow::Result<bool> {
        // the usual cell: the next one of the row being built, holding
        // something (`last` is in `row` when `row` is being built), as
        // the checks below would take it
        if let Some((last_row, last_col)) = self.last {
            if last_row == row
                && last_col < col
                && col as usize == self.fields.len()
                && col < MAX_COLUMNS
                && text.first().is_some_and(|b| !b.is_ascii_whitespace())
            {
                self.last = Some((row, col));
                self.fields.push_field(text);
                return Ok(true);
            }
        }
        self.any_cell(row, col, text)
    }

    /// Says, once, that a number calamine read may have lost its last
    /// digits: a whole number past 2^53 as an `f64` is the nearest one it
    /// holds, not always the one in the file (the lean reader writes those
    /// as they are; calamine reads a sheet it leaves, such as one with
    /// dates). An id in it may now be another person's.
    fn check_exact(&mut self, f: f64, (row, col): (u32, u32), text: &[u8]) {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        if self.inexact || f.abs() < EXACT || f.fract() != 0.0 {
            return;
        }
        self.inexact = true;
        let (sheet, name, cell) = (&self.sheet, &self.name, cell_name(row, col));
        let read = String::from_utf8_lossy(text);
        eprintln!(
            "{}{}",
            crate::messages::warning(),
            tr!(
                "sheet `{sheet}` of {name}: cell {cell} holds a number of 16 or more digits, read as {read}: its last digits may not be the ones typed, and two ids may read the same (numbers like it after it too); store ids as text in the workbook",
                "{name} 的工作表 `{sheet}`：单元格 {cell} 是 16 位以上的数字，读作 {read}：末几位可能与原值不同，两个编号可能读成同一个（其后同类数字也是如此）；请在工作簿中把编号存为文本"
            )
        );
    }

    /// `cell`, for any cell.
    #[inline(never)]
    fn any_cell(&mut self, row: u32, col: u32, text: &[u8]) -> anyhow::Result<bool> {
        if self.last.is_some_and(|last| (row, col) <= last) {
            let (sheet, name, cell) = (&self.sheet, &self.name, cell_name(row, col));
            bail!(tr!(
                "sheet `{sheet}` of {name}: cell {cell} comes twice or out of order: the file is damaged (save it again from a spreadsheet program)",
                "{name} 的工作表 `{sheet}`：单元格 {cell} 重复出现或顺序错乱：文件已损坏（请用电子表格软件重新保存）"
            ));
        }
        self.last = Some((row, col));
        if row >= MAX_ROWS {
            let (sheet, name, cell) = (&self.sheet, &self.name, cell_name(row, col));
            bail!(tr!(
                "sheet `{sheet}` of {name}: cell {cell} is below row {MAX_ROWS}, the last row of a spreadsheet: the file is damaged",
                "{name} 的工作表 `{sheet}`：单元格 {cell} 在电子表格最后一行（第 {MAX_ROWS} 行）之下：文件已损坏"
            ));
        }
        if self.row != Some(row) && !self.end_row()? {
            return Ok(false);
        }
        self.row = Some(row);
        if text.trim_ascii().is_empty() {
            return Ok(true);
        }
        if col >= MAX_COLUMNS {
            let shown = String::from_utf8_lossy(&text[..text.len().min(40)]);
            let (sheet, name, cell) = (&self.sheet, &self.name, cell_name(row, col));
            let (shown, last) = (printable_line(&shown), column_name(MAX_COLUMNS - 1));
            bail!(tr!(
                "sheet `{sheet}` of {name}: cell {cell} holds '{shown}', beyond column {last} ({MAX_COLUMNS}), the last psyscreen reads: delete the stray cell or move the data left",
                "{name} 的工作表 `{sheet}`：单元格 {cell} 中有 '{shown}'，超出了 psyscreen 读取的最后一列 {last}（第 {MAX_COLUMNS} 列）：请删除多余的单元格，或把数据左移"
            ));
        }
        // cells come left to right within a row (checked above), so the
        // fields before `col` are the empty ones between
        while self.fields.len() < col as usize {
            self.fields.push_field(b"");
        }
        self.fields.push_field(text);
        Ok(true)
    }

    /// Hand on the row being built, unless nothing in it holds anything.
    fn end_row(&mut self) -> anyhow::Result<bool> {
        if self.fields.is_empty() {
            return Ok(true);
        }
        let is_header = self.width.is_none();
        let width = *self.width.get_or_insert(self.fields.len());
        while self.fields.len() < width {
            self.fields.push_field(b"");
        }
        let next = self.fresh();
        let mut rec = std::mem::replace(&mut self.fields, next);
        // the sheet's own row number, as the csv reader gives a line
        let mut at = csv::Position::new();
        at.set_line(u64::from(self.row.unwrap_or_default()) + 1);
        rec.set_position(Some(at));
        self.batch.push(rec);
        // the header goes alone, so the caller has it at once
        if is_header || self.batch.len() == BATCH {
            return self.send();
        }
        Ok(true)
    }

    /// Reading stops at `error`: the rows read whole before it are still
    /// handed on (they are scored, and the error says how far it got); the
    /// row being built is not, as its cells may be incomplete.
    fn stop(&mut self, error: anyhow::Error) -> anyhow::Error {
        if !self.batch.is_empty() {
            let _ = self.send();
        }
        error
    }

    /// calamine's error for a cell it could not read, with where it is:
    /// calamine does not say, but it reads cells in order, so it is the
    /// one after the last cell read.
    fn unreadable(&self, error: &calamine::XlsxError) -> String {
        let at = match self.last {
            Some((row, col)) => {
                let cell = cell_name(row, col);
                crate::messages::tr!("the cell after {cell}", "{cell} 之后的单元格")
            }
            None => crate::messages::pick("its first cell", "第一个单元格").to_string(),
        };
        let (sheet, name) = (&self.sheet, &self.name);
        let why = printable_line(&error.to_string()).into_owned();
        crate::messages::tr!(
            "sheet `{sheet}` of {name}: {at} cannot be read ({why}): the file is damaged (save it again from a spreadsheet program)",
            "{name} 的工作表 `{sheet}`：{at}无法读取（{why}）：文件已损坏（请用电子表格程序重新保存）"
        )
    }

    fn send(&mut self) -> anyhow::Result<bool> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        Ok(self.tx.send(Ok(batch)).is_ok())
    }

    /// Hand on the last rows, then an empty batch: the end.
    fn finish(mut self) -> anyhow::Result<()> {
        if self.end_row()? && (self.batch.is_empty() || self.send()?) {
            let _ = self.tx.send(Ok(Vec::new()));
        }
        Ok(())
    }
}

/// `A`, `B`, … `XFD` for a 0-based column.
fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `XFD1048576` for a 0-based row and column.
fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), u64::from(row) + 1)
}

/// The zip of an xlsx or ods, as `check_archive` and the readers open it.
type Zip = zip::ZipArchive<BufReader<File>>;

/// Open the zip at `path`; `None` when it is not one (say, a
/// password-protected workbook): calamine then says what it is.
fn open_zip(path: &Path) -> anyhow::Result<Option<Zip>> {
    let file = super::output::open_read(path)?;
    Ok(zip::ZipArchive::new(BufReader::new(file)).ok())
}

/// Check every XML part of the zip before anything parses it: declared
/// and real sizes, compression ratio, token length (see the module note).
/// Part `unchecked`, the one the lean reader reads, is checked only by its
/// header here and by its bytes as it is read (`Checked`), so it is
/// inflated once; when a later part is refused, it is checked first, so
/// the error is the one of the first bad part, as if all were checked here.
fn check_archive(zip: &mut Zip, name: &str, unchecked: Option<usize>) -> anyhow::Result<()> {
    for i in 0..zip.len() {
        if let Err(e) = check_part(zip, i, name, unchecked == Some(i)) {
            if let Some(u) = unchecked.filter(|&u| u < i) {
                check_part(zip, u, name, false)?;
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Check part `index` (its header only with `header_only`).
fn check_part(zip: &mut Zip, index: usize, name: &str, header_only: bool) -> anyhow::Result<()> {
    let part = zip.by_index(index).with_context(|| cannot_open(name))?;
    let Some(mut check) = PartCheck::new(&part, name)? else {
        return Ok(());
    };
    if header_only {
        return Ok(());
    }
    let mut buf = vec![0u8; 1 << 16];
    let mut part = part;
    loop {
        let n = part.read(&mut buf).map_err(|e| check.unreadable(&e))?;
        if n == 0 {
            return Ok(());
        }
        check.bytes(&buf[..n])?;
    }
}

/// The checks of one XML part: its header when it is opened, then its
/// bytes as they are inflated, in order.
struct PartCheck {
    /// The file and the part, as refusals name them.
    name: String,
    part: String,
    declared: u64,
    total: u64,
    /// Bytes since the last `<`.
    since_open: u64,
}

impl PartCheck {
    /// Check the header of `part`; `None` for a part that is not XML
    /// (not checked).
    fn new<R: Read>(part: &zip::read::ZipFile<'_, R>, name: &str) -> anyhow::Result<Option<Self>> {
        let lower = part.name().to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) {
            return Ok(None);
        }
        let check = PartCheck {
            name: name.to_string(),
            part: printable_line(part.name()).into_owned(),
            declared: part.size(),
            total: 0,
            since_open: 0,
        };
        let limit = if lower.starts_with("xl/worksheets/") || lower == "content.xml" {
            MAX_SHEET_XML
        } else {
            MAX_OTHER_XML
        };
        let declared = check.declared;
        if declared > limit {
            return Err(check.refuse(&tr!(
                "would expand to {}, more than the {} psyscreen reads",
                "解压后有 {}，超过 psyscreen 读取的上限 {}",
                size(declared),
                size(limit)
            )));
        }
        let compressed = part.compressed_size().max(1);
        if declared > RATIO_FLOOR && declared / compressed > MAX_RATIO {
            return Err(check.refuse(&tr!(
                "would expand {}-fold (to {}), more than the {MAX_RATIO}-fold psyscreen allows",
                "解压后会膨胀 {} 倍（到 {}），超过 psyscreen 允许的 {MAX_RATIO} 倍",
                declared / compressed,
                size(declared)
            )));
        }
        Ok(Some(check))
    }

    fn refuse(&self, why: &str) -> anyhow::Error {
        let (name, part_name) = (&self.name, &self.part);
        anyhow!(tr!(
            "{name}: refusing part `{part_name}`, which {why} (a damaged file or a zip bomb?)",
            "{name}：拒绝读取其中的 `{part_name}`，它{why}（文件损坏，或是压缩炸弹？）"
        ))
    }

    fn unreadable(&self, e: &std::io::Error) -> anyhow::Error {
        self.refuse(&tr!("cannot be read ({e})", "无法读取（{e}）"))
    }

    /// The next bytes of the part, as inflated.
    fn bytes(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        // in pieces shorter than a token may be, so a run inside one is seen
        for piece in bytes.chunks(1 << 16) {
            self.piece(piece)?;
        }
        Ok(())
    }

    fn piece(&mut self, chunk: &[u8]) -> anyhow::Result<()> {
        let n = chunk.len();
        self.total += n as u64;
        if self.total > self.declared {
            let declared = self.declared;
            return Err(self.refuse(&tr!(
                "expands to more than the {declared} bytes its zip header says",
                "解压后超过了压缩包头声明的 {declared} 字节"
            )));
        }
        // a run without `<` is one token for the XML parser, held whole
        match memchr::memchr(b'<', chunk) {
            Some(first) => {
                let last = memchr::memrchr(b'<', chunk).unwrap_or(first);
                let run = self.since_open + first as u64;
                self.since_open = (n - last - 1) as u64;
                if run > MAX_TOKEN {
                    self.since_open = run;
                }
            }
            None => self.since_open += n as u64,
        }
        if self.since_open > MAX_TOKEN {
            return Err(self.refuse(&tr!(
                "holds a run of more than {} without markup",
                "含有一段超过 {} 的无标记内容",
                size(MAX_TOKEN)
            )));
        }
        Ok(())
    }
}

/// A part read through its checks (`PartCheck`; none for a part that is
/// not XML): the first refusal stops it and is kept for the caller, who
/// sees only an I/O error.
struct Checked<R> {
    part: R,
    check: Option<PartCheck>,
    refused: Option<anyhow::Error>,
}

/// Bytes inflated at a time, and pieces in flight.
const PIECE: usize = 1 << 18;
const INFLATED: usize = 4;

/// Room left before the bytes of a piece: the reader puts the end of the
/// last piece there (part of a row) and reads the piece where it lies.
const ROOM: usize = 1 << 16;

/// A piece of a part, inflated on its own thread.
enum Piece {
    /// `n` bytes after `ROOM` (the buffer kept whole, so it is not zeroed
    /// again).
    Bytes(Vec<u8>, usize),
    End,
    /// The part's checks refused it.
    Refused(anyhow::Error),
    /// It could not be read (a part that is not checked).
    Failed,
}

impl<R: Read> Checked<R> {
    /// Inflate the part into `pieces` until its end or until the reader
    /// hangs up; pieces come back through `spent` to be filled again.
    fn inflate(&mut self, pieces: &SyncSender<Piece>, spent: &Receiver<Vec<u8>>) {
        loop {
            let mut buf = spent.try_recv().unwrap_or_default();
            buf.resize(ROOM + PIECE, 0);
            let piece = match self.read(&mut buf[ROOM..]) {
                Ok(0) => Piece::End,
                Ok(n) => Piece::Bytes(buf, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => self.refused.take().map_or(Piece::Failed, Piece::Refused),
            };
            let last = !matches!(piece, Piece::Bytes(..));
            if pieces.send(piece).is_err() || last {
                return;
            }
        }
    }
}

/// The reading end of `Checked::inflate`.
struct Inflated {
    pieces: Receiver<Piece>,
    spent: SyncSender<Vec<u8>>,
    /// `piece[at..len]` is still to be read.
    piece: Vec<u8>,
    at: usize,
    len: usize,
    /// Why the part stopped, once it did (`None` at its end).
    stopped: Option<Option<anyhow::Error>>,
}

impl Inflated {
    fn new(pieces: Receiver<Piece>, spent: SyncSender<Vec<u8>>) -> Self {
        Inflated {
            pieces,
            spent,
            piece: Vec::new(),
            at: 0,
            len: 0,
            stopped: None,
        }
    }

    /// Read the part on to its end (its checksum is checked there): the
    /// refusal, if its checks refused it.
    fn finish(&mut self) -> anyhow::Result<()> {
        while self.stopped.is_none() {
            self.next();
        }
        match self.stopped.take() {
            Some(Some(refused)) => Err(refused),
            _ => Ok(()),
        }
    }

    /// The next piece (false: there is none).
    fn next(&mut self) -> bool {
        if self.stopped.is_some() {
            return false;
        }
        let done = std::mem::take(&mut self.piece);
        super::sheet_xml::Pieces::recycle(self, done);
        (self.at, self.len) = (0, 0);
        match self.pieces.recv() {
            Ok(Piece::Bytes(b, n)) => {
                (self.piece, self.at, self.len) = (b, ROOM, ROOM + n);
                true
            }
            Ok(Piece::Refused(e)) => {
                self.stopped = Some(Some(e));
                false
            }
            Ok(Piece::End | Piece::Failed) | Err(_) => {
                self.stopped = Some(None);
                false
            }
        }
    }
}

impl super::sheet_xml::Pieces for Inflated {
    fn next_piece(&mut self) -> Option<(Vec<u8>, usize, usize)> {
        if self.at == self.len && !self.next() {
            return None;
        }
        let piece = std::mem::take(&mut self.piece);
        let (start, end) = (self.at, self.len);
        (self.at, self.len) = (0, 0);
        Some((piece, start, end))
    }

    fn recycle(&mut self, buf: Vec<u8>) {
        if buf.capacity() > 0 {
            let _ = self.spent.try_send(buf);
        }
    }
}

impl Read for Inflated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.len {
            if !self.next() {
                return match &self.stopped {
                    Some(None) => Ok(0),
                    _ => Err(std::io::Error::other("refused")),
                };
            }
        }
        let n = buf.len().min(self.len - self.at);
        buf[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.refused.is_some() {
            return Err(std::io::Error::other("refused"));
        }
        let Some(check) = &mut self.check else {
            return self.part.read(buf);
        };
        let checked = match self.part.read(buf) {
            Ok(n) => check.bytes(&buf[..n]).map(|()| n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
            Err(e) => Err(check.unreadable(&e)),
        };
        checked.map_err(|e| {
            self.refused = Some(e);
            std::io::Error::other("refused")
        })
    }
}

/// calamine reads every table of an ods whole, as one dense block from its
/// first to its last cell that holds something, repeats expanded: count
/// what that would be before it does (`table:number-rows-repeated` and
/// `-columns-repeated` let a few bytes stand for billions of cells).
fn check_ods_cells(path: &Path, name: &str) -> anyhow::Result<()> {
    use quick_xml::events::{BytesStart, Event};
    let file = super::output::open_read(path)?;
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let repeats = |e: &BytesStart<'_>, key: &[u8]| -> u64 {
        match e.try_get_attribute(key) {
            Ok(Some(a)) => std::str::from_utf8(&a.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(u64::MAX),
            Ok(None) => 1,
            Err(_) => u64::MAX,
        }
    };
    let holds_value = |e: &BytesStart<'_>| {
        e.attributes().flatten().any(|a| {
            matches!(
                a.key.as_ref(),
                b"office:value"
                    | b"office:string-value"
                    | b"office:date-value"
                    | b"office:time-value"
                    | b"office:boolean-value"
                    | b"table:formula"
            )
        })
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buf = Vec::new();
    // per table: rows so far, rows up to the last that holds something,
    // the widest such row; per row: its repeats, column, last value column
    let (mut rows, mut used_rows, mut width) = (0u64, 0u64, 0u64);
    let (mut row_repeats, mut col, mut row_width) = (1u64, 0u64, 0u64);
    let mut total = 0u64;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .with_context(|| format!("reading {name}: content.xml"))?;
        let (e, has_children) = match &event {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(e) if e.name().as_ref() == b"table:table-row" => {
                if row_width > 0 {
                    used_rows = rows.saturating_add(row_repeats);
                    width = width.max(row_width);
                }
                rows = rows.saturating_add(row_repeats);
                buf.clear();
                continue;
            }
            Event::End(e) if e.name().as_ref() == b"table:table" => {
                total = total.saturating_add(used_rows.saturating_mul(width));
                if total > MAX_WHOLE_CELLS {
                    let cells = if total == u64::MAX {
                        crate::messages::pick("billions of", "数十亿个").to_string()
                    } else {
                        total.to_string()
                    };
                    bail!(tr!(
                        "{name}: its sheets span {cells} cells (rows × columns in use), more than the {MAX_WHOLE_CELLS} psyscreen reads from an .ods: save the sheet as xlsx or CSV, or delete stray cells far from the data",
                        "{name}：其工作表占用 {cells} 个单元格（已用的行 × 列），超过 psyscreen 从 .ods 读取的上限 {MAX_WHOLE_CELLS}：请把工作表另存为 xlsx 或 CSV，或删除远离数据的多余单元格"
                    ));
                }
                (rows, used_rows, width) = (0, 0, 0);
                buf.clear();
                continue;
            }
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        match e.name().as_ref() {
            b"table:table-row" => {
                row_repeats = repeats(e, b"table:number-rows-repeated");
                (col, row_width) = (0, 0);
                if !has_children {
                    rows = rows.saturating_add(row_repeats);
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                col = col.saturating_add(repeats(e, b"table:number-columns-repeated"));
                if has_children || holds_value(e) {
                    row_width = col;
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

fn cannot_open(name: &str) -> String {
    tr!("cannot open workbook {name}", "无法打开工作簿 {name}")
}

fn reading_sheet(sheet: &str, name: &str) -> String {
    tr!(
        "reading sheet `{sheet}` of {name}",
        "读取 {name} 的工作表 `{sheet}` 时出错"
    )
}

/// Bytes for people: `3.5 GiB`, `17 MiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            #[allow(clippy::cast_precision_loss)]
            let n = bytes as f64 / unit as f64;
            let n = format!("{n:.1}");
            return format!("{} {name}", n.trim_end_matches(".0"));
        }
    }
    tr!("{bytes} bytes", "{bytes} 字节")
}

/// A SHA-256 of a whole file, read in pieces (for the provenance manifest).
pub fn hash_file(path: &Path) -> anyhow::Result<sha2::Sha256> {
    use sha2::Digest as _;
    let mut file = super::output::open_read(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(4095), "FAN");
        assert_eq!(column_name(16383), "XFD");
        assert_eq!(cell_name(1_048_575, 9), "J1048576");
    }

    /// Rows assembled from (row, column, text) cells.
    fn assemble(cells: &[(u32, u32, &str)]) -> anyhow::Result<Vec<Vec<String>>> {
        assemble_by(cells, true)
    }

    /// The rows (or the error) `cells` make, each taken by `cell` (or,
    /// without the shortcut, by `any_cell`).
    fn assemble_by(cells: &[(u32, u32, &str)], shortcut: bool) -> anyhow::Result<Vec<Vec<String>>> {
        let (tx, rx) = sync_channel(1 << 12);
        let mut rows = Assembler::new("S", "f.xlsx", &tx);
        for &(r, c, t) in cells {
            if shortcut {
                rows.cell(r, c, t.as_bytes())?;
            } else {
                rows.any_cell(r, c, t.as_bytes())?;
            }
        }
        rows.finish()?;
        drop(tx);
        let mut out = Vec::new();
        for batch in rx {
            for rec in batch? {
                out.push(
                    rec.iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                );
            }
        }
        Ok(out)
    }

    #[test]
    fn rows_are_as_wide_as_the_header_and_empty_rows_are_skipped() {
        let rows = assemble(&[
            (0, 0, "id"),
            (0, 1, "a"),
            (0, 2, "b"),
            (1, 0, "x"),
            (2, 1, " "),
            (3, 2, "3"),
            (5, 0, "y"),
            (5, 4, "extra"),
            (9, 7, ""),
        ])
        .unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["id", "a", "b"],
                vec!["x", "", ""],
                vec!["", "", "3"],
                vec!["y", "", "", "", "extra"],
            ]
        );
    }

    proptest::proptest! {
        /// `cell`'s shortcut for the next cell of a row takes what
        /// `any_cell` takes, in the same rows, and fails where it fails.
        #[test]
        fn the_usual_cell_is_taken_as_any_cell_takes_it(
            steps in proptest::collection::vec((0..3u32, 0..4u32, 0..5usize), 0..40),
            wide in proptest::bool::ANY,
        ) {
            let texts = ["", " ", "x", " y", "1"];
            let (mut row, mut col) = (0u32, 0u32);
            let cells: Vec<(u32, u32, &str)> = steps
                .iter()
                .map(|&(down, right, t)| {
                    // mostly onward; sometimes back (an error either way)
                    if down > 0 {
                        row += down - 1;
                        col = right;
                    } else {
                        col = (col + right).saturating_sub(1);
                    }
                    let col = if wide && right == 3 { MAX_COLUMNS } else { col };
                    (row, col, texts[t])
                })
                .collect();
            let fast = assemble(&cells).map_err(|e| e.to_string());
            let slow = assemble_by(&cells, false).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn cells_twice_out_of_order_or_too_far_are_errors() {
        let twice = assemble(&[(0, 0, "id"), (1, 0, "3"), (1, 0, "0")]).unwrap_err();
        assert!(twice.to_string().contains("cell A2 comes twice"), "{twice}");
        let back = assemble(&[(0, 0, "id"), (2, 0, "3"), (1, 0, "0")]).unwrap_err();
        assert!(
            back.to_string()
                .contains("cell A2 comes twice or out of order"),
            "{back}"
        );
        let far = assemble(&[(0, 0, "id"), (1, MAX_COLUMNS, "x")]).unwrap_err();
        assert!(far.to_string().contains("cell FAO2 holds 'x'"), "{far}");
        // an empty cell that far is nothing
        assert_eq!(assemble(&[(0, 0, "id"), (1, 16_383, "")]).unwrap().len(), 1);
        let below = assemble(&[(0, 0, "id"), (MAX_ROWS, 0, "x")]).unwrap_err();
        assert!(
            below.to_string().contains("cell A1048577 is below row"),
            "{below}"
        );
    }

    #[test]
    fn a_sheet_that_stops_without_its_end_is_an_error() {
        let (tx, rx) = sync_channel(4);
        let mut rec = Record::from(vec!["a"]);
        tx.send(Ok(vec![rec.clone()])).unwrap();
        drop(tx);
        let mut rows = SheetRows::new(Some(rx), None);
        assert!(rows.read(&mut rec).unwrap());
        let err = rows.read(&mut rec).unwrap_err();
        assert!(err.to_string().contains("stopped before its end"), "{err}");
    }

    #[test]
    fn whole_numbers_lose_their_point() {
        let mut out = Vec::new();
        render(&DataRef::Float(3.0), &mut out);
        out.push(b' ');
        render(&DataRef::Float(2.5), &mut out);
        out.push(b' ');
        render(&DataRef::Int(-4), &mut out);
        out.push(b' ');
        render(&DataRef::SharedString("从不"), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "3 2.5 -4 从不");
    }

    /// A workbook of `sheets` (name, `<sheetData>` content) with a
    /// shared strings table and styles: xf 0 plain, 1 a date, 2 custom.
    fn workbook(dir: &Path, sheets: &[(&str, &str)]) -> std::path::PathBuf {
        use std::io::Write as _;
        let path = dir.join("w.xlsx");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut put = |name: &str, text: &str| {
            zip.start_file(name, opts).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        };
        let (mut list, mut rels) = (String::new(), String::new());
        for (i, (name, data)) in sheets.iter().enumerate() {
            let n = i + 1;
            list.push_str(&format!(
                r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
            ));
            rels.push_str(&format!(
                r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
            ));
            put(
                &format!("xl/worksheets/sheet{n}.xml"),
                &format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:Z9"/><sheetData>{data}</sheetData></worksheet>"#
                ),
            );
        }
        put(
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        );
        put(
            "xl/workbook.xml",
            &format!(
                r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{list}</sheets></workbook>"#
            ),
        );
        put(
            "xl/_rels/workbook.xml.rels",
            &format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
            ),
        );
        put(
            "xl/sharedStrings.xml",
            r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5"><si><t>从不</t></si><si><r><rPr><b/></rPr><t xml:space="preserve">Hi </t></r><r><t>there</t></r></si><si><t>a &amp; b &#x41;</t></si><si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si><si><t/></si><si><t>x_x000D_y</t></si></sst>"#,
        );
        put(
            "xl/styles.xml",
            r#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>"#,
        );
        zip.finish().unwrap();
        path
    }

    /// The cells calamine's reader gives, as `render` writes them.
    fn calamine_cells(path: &Path, sheet: &str) -> Vec<(u32, u32, String)> {
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
        let mut cells = wb.worksheet_cells_reader(sheet).unwrap();
        let mut out = Vec::new();
        while let Some(cell) = cells.next_cell().unwrap() {
            let mut text = Vec::new();
            render(cell.get_value(), &mut text);
            let (r, c) = cell.get_position();
            out.push((r, c, String::from_utf8(text).unwrap()));
        }
        out
    }

    /// `calamine_cells` of `PLAIN`, but for N1, a whole number of 19
    /// digits: calamine's `f64` rounds it, the lean reader writes it as the
    /// file holds it (`sheet_xml::is_plain_integer`).
    fn plain_cells(path: &Path) -> Vec<(u32, u32, String)> {
        let mut cells = calamine_cells(path, "Plain");
        let n1 = cells.iter_mut().find(|c| (c.0, c.1) == (0, 13)).unwrap();
        assert_eq!(n1.2, "1234567890123456800");
        n1.2 = "1234567890123456789".to_string();
        cells
    }

    /// Every row `open` gives for the sheet (the header first).
    fn read_all(path: &Path, sheet: &str) -> Vec<Vec<String>> {
        let got = open(path, "w.xlsx", Some(sheet)).unwrap();
        let mut rows = got.rows;
        let mut out = vec![got.headers];
        let mut rec = Record::new();
        while rows.read(&mut rec).unwrap() {
            out.push(
                rec.iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
        out
    }

    /// What the plain exports hold, all read by the lean reader.
    const PLAIN: &str = concat!(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>inline &lt;3&gt;</t></is></c>"#,
        r#"<c r="C1"><v>1</v></c><c r="D1"><v>1.0</v></c><c r="E1"><v>3E-2</v></c><c r="F1" s="0"><v>0.5</v></c>"#,
        r#"<c r="G1" t="b"><v>1</v></c><c r="H1" t="b"><v>0</v></c><c r="I1"/><c r="K1" t="s"><v>1</v></c>"#,
        r#"<c r="L1" t="n"><v>-4</v></c><c r="M1"><v>007</v></c><c r="N1"><v>1234567890123456789</v></c>"#,
        r#"<c r="O1" t="str"><f>A1&amp;"x"</f><v>从不x</v></c><c r="P1"><f>1+1</f><v>2</v></c><c r="Q1"><v> 12 </v></c>"#,
        r#"<c r="R1"><v>abc</v></c><c r="S1" t="s"><v>2</v></c><c r="T1" t="s"><v>3</v></c><c r="U1" t="s"><v>4</v></c></row>"#,
        "\n",
        r#"<row><c><v>5</v></c><c t="n"><v></v></c><c><v/></c><c r="E2"><v>1e3</v></c><c><v>2.50</v></c></row>"#,
        r#"<row r="4" spans="1:3"><c r="A4" s="7"><v>9</v></c><c r="C4" t="inlineStr"><is><t xml:space="preserve"> sp </t></is></c></row>"#,
        r#"<row r="5"/><row r="7"><c r="B7"><v>0</v></c><c r="C7"><v>1E+20</v></c><c r="D7"><v>-0.0</v></c></row>"#,
    );

    #[test]
    fn the_lean_reader_gives_the_cells_calamine_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = workbook(dir.path(), &[("Plain", PLAIN)]);
        let want = plain_cells(&path);
        // read whole, with nothing left to calamine
        let (got, count) = lean_cells_whole(&path, "Plain");
        assert_eq!(got, want);
        assert_eq!(count as usize, want.len());
        // a few by hand, so the reference is not only calamine
        let text = |r, c| &want.iter().find(|x| (x.0, x.1) == (r, c)).unwrap().2;
        assert_eq!(
            [text(0, 0), text(0, 1), text(0, 2), text(0, 3), text(0, 4)],
            ["从不", "inline <3>", "1", "1", "0.03"]
        );
        assert_eq!(
            [text(0, 6), text(0, 7), text(0, 10)],
            ["true", "false", "Hi there"]
        );
        assert_eq!([text(0, 12), text(0, 19)], ["7", "漢字"]);
    }

    /// The cells the lean reader reads from a sheet, asserting it read the
    /// whole sheet with nothing left to calamine.
    fn lean_cells_whole(path: &Path, sheet: &str) -> (Vec<(u32, u32, String)>, u64) {
        let file = File::open(path).unwrap();
        let mut zip = zip::ZipArchive::new(BufReader::new(file)).unwrap();
        let book = super::super::sheet_xml::Book::read(&mut zip).unwrap();
        let part = zip.by_index(book.part(&zip, sheet).unwrap()).unwrap();
        let mut cells = super::super::sheet_xml::Cells::new(&book, part).unwrap();
        let (mut got, mut count) = (Vec::new(), 0);
        let end = cells.run(&mut count, &mut |r, c, t| {
            got.push((r, c, String::from_utf8(t.to_vec()).unwrap()));
            Ok(true)
        });
        assert!(
            matches!(end, Ok(Ok(super::super::sheet_xml::Stop::End))),
            "left to calamine after {got:?}"
        );
        (got, count)
    }

    /// Cells in the forms the one-pass reader (`quick_cell`) takes, and
    /// near misses it leaves to the general one.
    const QUICK: &str = concat!(
        r#"<row r="1"><c r="A1" s="0" t="s"><v>0</v></c><c r="B1" t="s" s="0"><v>3</v></c><c r="C1" t="n"><v>5</v></c>"#,
        r#"<c r="D1" t="str"><v>abc</v></c><c r="E1" t="inlineStr"><is><t>漢字 text</t></is></c><c r="F1"/><c r="G1" s="0"/>"#,
        r#"<c r="H1"><v>12</v></c><c r="I1"><v>012</v></c><c r="J1" s="0"><v>2.5</v></c><c r="L1" t="inlineStr"><is><t>a_x0</t></is></c>"#,
        r#"<c r="M1" t="s"><v>1</v></c><c r="N1" t="b"><v>1</v></c><c r="O1" t="s"><v>4</v></c><c r="P1"><v>0</v></c></row>"#,
        r#"<row r="2"><c r="a2"><v>1</v></c><c r="B2" s="99"><v>7</v></c><c r="C2"><v>1234567890123456</v></c>"#,
        r#"<c r="D2" t="inlineStr"><is><t></t></is></c><c r="E2" t="inlineStr"><is><t>x &amp; y</t></is></c>"#,
        r#"<c r="F2" t="inlineStr"><is><t xml:space="preserve"> p </t></is></c><c  r="G2"><v>3</v></c>"#,
        r#"<c r="H2" t="inlineStr" ><is><t>q</t></is></c><c r="I2"><v>4</v> </c><c r="XFD2"><v>1</v></c></row>"#,
        r#"<row r="1048576"><c r="A1048576"><v>1</v></c><c r="B1048576" t="n"><v>999999999999999</v></c></row>"#,
    );

    #[test]
    fn the_one_pass_cells_are_the_cells_calamine_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = workbook(dir.path(), &[("Quick", QUICK)]);
        let want = calamine_cells(&path, "Quick");
        let (got, _) = lean_cells_whole(&path, "Quick");
        assert_eq!(got, want);
        // by hand: a shared string whichever order `s` and `t` come in, a
        // missing style as plain, the last row of a sheet
        let text = |r, c| &want.iter().find(|x| (x.0, x.1) == (r, c)).unwrap().2;
        assert_eq!(
            [text(0, 0), text(0, 1), text(0, 4)],
            ["从不", "漢字", "漢字 text"]
        );
        assert_eq!([text(1, 1), text(1_048_575, 0)], ["7", "1"]);
    }

    #[test]
    fn cells_the_lean_reader_leaves_are_read_by_calamine_from_there() {
        // a date, a custom date format, an error, rich inline text, `_x000D_`
        let odd = concat!(
            r#"<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="s"><v>0</v></c><c r="C1" s="1"><v>45000</v></c>"#,
            r#"<c r="D1" s="2"><v>45000.5</v></c><c r="E1" t="e"><v>#N/A</v></c></row>"#,
            r#"<row r="2"><c r="A2"><v>2</v></c><c r="B2" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c>"#,
            r#"<c r="C2" t="s"><v>5</v></c><c r="D2"><v>3</v></c></row>"#,
        );
        // blank cells of every kind, and cells without `r`, before the first
        // cell left to calamine: the count handed on must be calamine's too
        let blanks = concat!(
            r#"<row r="1"><c r="A1"><v>1</v></c><c r="B1"/><c r="C1"><v/></c><c r="D1" t="n"></c><c><v>7</v></c></row>"#,
            r#"<row r="2"><c r="A2"/><c r="B2" t="s"><v>0</v></c><c/><c r="D2"><v>2</v></c></row>"#,
            r#"<row r="3"><c r="A3"><v>3</v></c><c r="B3" s="1"><v>45000</v></c><c r="C3"/><c r="D3"><v>4</v></c></row>"#,
            r#"<row r="4"><c r="A4"/><c r="B4"><v>5</v></c></row>"#,
        );
        let dir = tempfile::tempdir().unwrap();
        for (name, data) in [("Odd", odd), ("Blanks", blanks), ("Plain", PLAIN)] {
            let path = workbook(dir.path(), &[(name, data)]);
            let want: Vec<_> = match name {
                "Plain" => plain_cells(&path),
                _ => calamine_cells(&path, name),
            };
            let want: Vec<_> = want.iter().map(|(r, c, t)| (*r, *c, t.as_str())).collect();
            let mut want = assemble(&want).unwrap();
            for h in &mut want[0] {
                *h = h.trim().to_string();
            }
            assert_eq!(read_all(&path, name), want, "{name}");
        }
    }

    #[test]
    fn a_cell_left_open_is_calamines_error_not_a_panic() {
        let open_cell = concat!(
            r#"<row r="1"><c r="A1"><v>id</v></c></row>"#,
            r#"<row r="2"><c r="A2"><v>4</v></row><row r="3"><c r="A3"><v>5</v></c></row>"#,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = workbook(dir.path(), &[("S", open_cell)]);
        // the header row is not whole when calamine stops, so `open` fails
        let err = open(&path, "w.xlsx", Some("S")).err().unwrap();
        assert!(
            err.to_string()
                .contains("the cell after A1 cannot be read (Expecting 'v, f, or is' node)"),
            "{err}"
        );
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(size(100), "100 bytes");
        assert_eq!(size(MAX_TOKEN), "1 MiB");
        assert_eq!(size(0xE000_0000), "3.5 GiB");
        assert_eq!(size(MAX_SHEET_XML), "2 GiB");
    }
}
