//! Reading a table of answers: CSV from a file or stdin (UTF-8 with or
//! without BOM, GBK/GB18030 or UTF-16 detected, or forced with
//! `--encoding`; `,` `;` or tab detected), or the first/named sheet of an
//! xlsx workbook, or records already in memory (`Table::from_records`).
//! Rows stream, parsed on a second thread (`stream_with`): constant memory
//! for CSV. What is done with the rows is src/pipeline/'s.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::csvread::Reader as CsvReader;
use super::fields::{Record, Utf8Check};
use anyhow::{anyhow, bail, Context as _};
use encoding_rs::Encoding;

use super::cells::BadCell;
use super::record::{self, Decoding, RecordInfo};
use crate::messages::tr;

pub struct InputSpec<'a> {
    pub path: Option<&'a Path>,
    pub encoding: Option<&'a str>,
    pub delimiter: Option<char>,
    pub sheet: Option<&'a str>,
    /// The survey platform that wrote it (`--from`); `None`: detect.
    pub from: Option<super::platform::Platform>,
    /// `score --header`/`--header-from`: the input has no header row (a
    /// chunk of a larger file); these are its columns' names. CSV only.
    pub header: Option<&'a [String]>,
}

impl<'a> InputSpec<'a> {
    /// The file at `path`, its encoding, delimiter, sheet and platform
    /// detected.
    pub fn file(path: &'a Path) -> InputSpec<'a> {
        InputSpec {
            path: Some(path),
            encoding: None,
            delimiter: None,
            sheet: None,
            from: None,
            header: None,
        }
    }
}

pub struct Table {
    /// The input as the user named it (`<stdin>` for standard input).
    pub name: String,
    pub headers: Vec<String>,
    /// The encoding read (`UTF-8`, `GB18030`, …) or `xlsx`.
    pub encoding: &'static str,
    /// How cells were decoded: what counts as a cell that does not decode.
    pub decoding: Decoding,
    /// Header cells that do not decode (row 1; render with no header names).
    pub header_problems: Vec<BadCell>,
    /// Size in bytes when known (for progress).
    pub size: Option<u64>,
    /// The survey platform whose export this is, when one was detected or
    /// forced (its extra header rows are skipped; see io::platform).
    pub layout: Option<super::platform::Layout>,
    rows: Rows,
    digest: Option<Digest>,
    /// Where more readers over the same file may start (`super::split`).
    split: Option<super::split::Source>,
    /// Rows read ahead at open (io::platform), handed out first.
    ahead: ReadAhead,
}

/// Rows read ahead, and the error that stopped the read-ahead, if any.
#[derive(Default)]
struct ReadAhead {
    rows: std::collections::VecDeque<(Record, RecordInfo)>,
    error: Option<anyhow::Error>,
}

type Digest = std::sync::Arc<std::sync::Mutex<sha2::Sha256>>;

/// Feeds every byte read into a SHA-256 (for the provenance manifest).
struct Hashing<R> {
    inner: R,
    digest: Digest,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use sha2::Digest as _;
        let n = self.inner.read(buf)?;
        if let Ok(mut d) = self.digest.lock() {
            d.update(&buf[..n]);
        }
        Ok(n)
    }
}

enum Rows {
    Csv(Box<CsvRows>),
    Sheet(super::xlsx::SheetRows),
    /// Records already in memory (a binding's rows, tests).
    Memory(Box<dyn FillRecords>),
    /// A binding's typed columns: read into answers by the pipeline
    /// (`Table::take_typed`), never as records.
    Typed(TypedPart),
}

/// Rows `rows` of a binding's typed columns (`Table::from_typed`).
pub struct TypedPart {
    pub columns: std::sync::Arc<dyn super::typed::TypedColumns>,
    pub rows: std::ops::Range<usize>,
}

/// Rows already in memory, each written into the record the reader hands
/// over (its buffers reused: no allocation per row).
pub trait FillRecords: Send {
    /// Write the next row into `rec` (replacing what it held); `false`
    /// at the end.
    fn fill(&mut self, rec: &mut Record) -> bool;
    /// Rows not yet filled (a lower bound), to size the result columns.
    fn rows_left(&self) -> usize;
}

/// Owned records as `FillRecords` (`Table::from_records`).
struct Owned<I>(I);

impl<I: Iterator<Item = Record> + Send> FillRecords for Owned<I> {
    fn fill(&mut self, rec: &mut Record) -> bool {
        self.0.next().map(|r| *rec = r).is_some()
    }

    fn rows_left(&self) -> usize {
        self.0.size_hint().0
    }
}

/// The CSV reader and what it needs to tell where each record sits.
struct CsvRows {
    reader: CsvReader<Tail<Box<dyn BufRead + Send>>>,
    /// The next record, read one ahead so that the last one is known as
    /// the last (the end of the file decides whether its quote closed).
    ahead: Record,
    state: Ahead,
    /// Where the `ahead` record starts.
    ahead_start: csv::Position,
    /// The record read ahead ended at a `\r` (`csvread::Reader::ended_with_cr`).
    ahead_cr: bool,
    /// It ended at a `\n` (its own line break, read with it).
    ahead_lf: bool,
    /// The record before it did: the one read ahead starts at the `\n` of
    /// a CRLF (for a record too long to read).
    before_ahead_cr: bool,
    delimiter: u8,
    /// Lines end with a lone CR (old Mac exports): the `csv` crate counts
    /// no lines at all, so rows are counted instead.
    cr_only: bool,
    decoding: Decoding,
    replacement: memchr::memmem::Finder<'static>,
    headers: usize,
    /// Line breaks inside the cells of the records read so far: what sets
    /// a spreadsheet's rows apart from the file's lines.
    breaks_before: u64,
    /// Rows re-read from the lines a quote took in, still to hand out,
    /// and what the first of them says about the quote (taken when used).
    recovered: Option<(record::Reread, Option<RecordInfo>)>,
    /// Lines of the file before the bytes this reader reads (a part of
    /// the file read on its own thread, `super::split`); 0 for the whole.
    line_offset: u64,
    /// A part of a file (`line_offset`): its bytes start at a line break.
    in_part: bool,
    /// No quote read yet (in this part, or after the header): every line
    /// is a record, read without the read-ahead (`read_plain`) until a
    /// line is not plain.
    plain: bool,
    mixed: record::MixedCells,
    /// Where the decoder wrote U+FFFD, when it tells (GBK / GB18030):
    /// records before that are not searched for it.
    replacements: Option<super::gbk::Replacements>,
}

enum Ahead {
    NotRead,
    Record,
    End,
    Error(csv::Error),
}

/// Bytes kept from the end of the input: enough for the last line of any
/// ordinary file, to tell whether it ends inside a quote.
const TAIL: usize = 1 << 12;

/// The longest record (or header) read: an input with no line break (a
/// device, a binary file) or a quote never closed would otherwise grow one
/// record until memory runs out (README, Limits).
pub const MAX_RECORD: u64 = 64 << 20;

/// A record grew past `MAX_RECORD`: the read stops.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a record longer than {} MiB", MAX_RECORD >> 20)
    }
}

impl std::error::Error for RecordTooLong {}

/// Keeps the last `TAIL` bytes read (copying at most `TAIL` per chunk its
/// source hands it, so the cost is a small fraction of the reading), and
/// stops a record from growing past `MAX_RECORD`. It hands on its
/// source's own buffer (`BufRead`): a part's bytes are read where the
/// splitter put them, not copied into a buffer first.
struct Tail<R> {
    inner: R,
    last: Vec<u8>,
    total: u64,
    /// Where the record being read starts (set before each read).
    record_start: u64,
    /// The input has ended (a read returned nothing).
    ended: bool,
    /// Bytes of the source's current chunk counted in `total` and not yet
    /// consumed: at 0, the next `fill_buf` is a new chunk.
    unread: usize,
}

impl<R> Tail<R> {
    fn new(inner: R) -> Self {
        Tail {
            inner,
            last: Vec::with_capacity(TAIL),
            total: 0,
            record_start: 0,
            ended: false,
            unread: 0,
        }
    }
}

impl<R: BufRead> BufRead for Tail<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.unread == 0 {
            // every byte counted is consumed by now: the record's own
            if self.total - self.record_start.min(self.total) > MAX_RECORD {
                return Err(io::Error::other(RecordTooLong));
            }
            let Tail {
                inner,
                last,
                total,
                ended,
                unread,
                ..
            } = self;
            let new = inner.fill_buf()?;
            let n = new.len();
            *ended |= n == 0;
            if n >= TAIL {
                last.clear();
                last.extend_from_slice(&new[n - TAIL..]);
            } else {
                let keep = TAIL - n;
                if last.len() > keep {
                    last.drain(..last.len() - keep);
                }
                last.extend_from_slice(new);
            }
            *total += n as u64;
            *unread = n;
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.unread = self.unread.saturating_sub(n);
        self.inner.consume(n);
    }
}

impl<R: BufRead> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        super::read_from_buf(self, buf)
    }
}

impl<R> Tail<R> {
    /// The bytes from offset `from` to the end, if still kept.
    fn since(&self, from: u64) -> Option<&[u8]> {
        let kept_from = self.total - self.last.len() as u64;
        let skip = usize::try_from(from.checked_sub(kept_from)?).ok()?;
        self.last.get(skip..)
    }
}

/// `bytes` decoded from `encoding` to UTF-8, buffered for the CSV reader:
/// by `gbk::Decoder` for GBK and GB18030 when `gbk` (its replacements,
/// to locate them), else by `encoding_rs_io` (which drops a BOM).
fn transcoded(
    bytes: impl Read + Send + 'static,
    encoding: &'static Encoding,
    gbk: bool,
) -> (Box<dyn BufRead + Send>, Option<super::gbk::Replacements>) {
    if gbk && super::gbk::decodes(encoding) {
        let decoder = super::gbk::Decoder::new(bytes, encoding);
        let replacements = decoder.replacements();
        (
            Box::new(BufReader::with_capacity(PEEK, decoder)),
            Some(replacements),
        )
    } else {
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(bytes);
        (Box::new(BufReader::with_capacity(PEEK, decoder)), None)
    }
}

/// Is `e` a record that grew past `MAX_RECORD`?
fn is_too_long(e: &csv::Error) -> bool {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.get_ref().is_some_and(|e| e.is::<RecordTooLong>()),
        _ => false,
    }
}

/// `row N (line L): a record longer than 64 MiB: …`, saying why when the
/// last bytes read tell it: a quote that took in lines, or no line break.
fn too_long_message<R>(row: u64, line: u64, tail: &Tail<R>) -> String {
    let why = if memchr::memchr2(b'\n', b'\r', &tail.last).is_some() {
        "a quote opens there and is not closed within it, so the lines after it were read as one \
         cell; remove the stray `\"` (or close it) and score again"
    } else {
        "no line break in all that text (is this a CSV file?)"
    };
    format!("row {row} (line {line}): {RecordTooLong}: {why}; nothing from there on was read")
}

impl CsvRows {
    fn read_ahead(&mut self) {
        self.before_ahead_cr = self.reader.ended_with_cr();
        self.ahead_start = self.reader.position().clone();
        self.reader.get_mut().record_start = self.ahead_start.byte();
        self.state = match self.reader.read_byte_record(&mut self.ahead) {
            Ok(true) => Ahead::Record,
            Ok(false) => Ahead::End,
            Err(e) => Ahead::Error(e),
        };
        self.ahead_cr = self.reader.ended_with_cr();
        self.ahead_lf = self.reader.ended_with_lf();
    }

    /// The next record into `rec`, with where it sits; `None` at the end.
    /// With `defer`, a UTF-8 record's bytes are left unchecked
    /// (`Utf8Check::Pending`, `undecodable` false) for `Table::read_derived`.
    fn read(&mut self, rec: &mut Record, defer: bool) -> anyhow::Result<Option<RecordInfo>> {
        if let Some((rows, first)) = &mut self.recovered {
            if let Some(mut info) = rows.next(rec) {
                if let Some(quote) = first.take() {
                    info.breaks = quote.breaks;
                    info.unclosed = quote.unclosed;
                    info.reread = rows.rows;
                    info.column = quote.column;
                }
                info.row = info.line.saturating_sub(self.breaks_before);
                // (its position is in the re-read text: searched whole)
                info.undecodable = self.undecodable(rec, 0);
                rec.set_utf8_check(Utf8Check::Done);
                return Ok(Some(info));
            }
            self.recovered = None;
        }
        if self.plain && matches!(self.state, Ahead::NotRead) {
            if let Some(info) = self.read_plain(rec, defer) {
                return Ok(Some(info));
            }
        }
        if let Ahead::NotRead = self.state {
            self.read_ahead();
        }
        match std::mem::replace(&mut self.state, Ahead::End) {
            Ahead::Record => {}
            Ahead::End | Ahead::NotRead => return Ok(None),
            Ahead::Error(e) if is_too_long(&e) => {
                // the record starts after a line break the reader skips
                // first: the previous line's `\n` of a CRLF, or the one a
                // part's bytes start with (`in_part`)
                let skips_break =
                    self.before_ahead_cr || (self.in_part && self.ahead_start.record() == 0);
                let line = self.ahead_start.line() + u64::from(skips_break) + self.line_offset;
                let row = line.saturating_sub(self.breaks_before);
                bail!(too_long_message(row, line, self.reader.get_ref()));
            }
            Ahead::Error(e) => return Err(e.into()),
        }
        std::mem::swap(rec, &mut self.ahead);
        // how this record's line breaks count in `csv`'s lines: a CRLF's
        // `\n` counts with the record after it (each record's own, as a file
        // may mix line ends: the header's said nothing of the rest)
        let (started_after_cr, ended_cr) = (self.before_ahead_cr, self.ahead_cr);
        let ended_lf = self.ahead_lf;
        self.read_ahead();
        let start = rec.position().cloned().unwrap_or_else(csv::Position::new);
        // a read that failed after this record still began where the next
        // record would: this one ended with its line break, it is not the
        // file's last
        let last = matches!(self.state, Ahead::End | Ahead::NotRead);
        // the `csv` crate's lines read with this record: one for the line
        // break that ends it, plus breaks inside cells, plus blank lines it
        // skipped before it (not those after the last record: the read
        // that found the end took them)
        let lines = self.ahead_start.line().saturating_sub(start.line());
        let mut info = RecordInfo {
            line: start.line(),
            ..RecordInfo::default()
        };
        // its own line break counted in `lines`: not a CRLF's
        let mut own_break = !ended_cr;
        // one line and no cell with a line break in it, unless the record
        // began on a fresh line and ended at a CR (a mix of line ends)
        if lines != 1 || last || self.cr_only || (ended_cr && !started_after_cr) {
            let cells = rec.as_slice();
            let newlines = memchr::memchr_iter(b'\n', cells).count() as u64;
            // the breaks that rows are told from lines by: those the lines
            // count, so a `\n` (a lone `\r` in a cell is one only in a file
            // whose lines end with it; counted, it took a row off every row
            // after it, and only when the record did not fit on one line)
            info.breaks = if self.cr_only {
                record::count_breaks(cells)
            } else {
                newlines
            };
            if last {
                let tail = self.reader.get_ref();
                let ends_with_break = cells.ends_with(b"\n") || cells.ends_with(b"\r");
                info.unclosed = match tail.since(start.byte()) {
                    Some(text) => record::ends_inside_quotes(text, self.delimiter),
                    // longer than the tail: the file's last line break
                    // went into the cell
                    None => ends_with_break,
                };
                if info.unclosed && ends_with_break && (self.cr_only || cells.ends_with(b"\n")) {
                    // the file's own last line break, not a line taken in
                    info.breaks -= 1;
                }
                // the last record's own line break is in `lines` only when
                // its read took one (not inside the open quote, not missing
                // at the end of the file, not a CRLF's `\n`)
                own_break = ended_lf;
            }
            info.line += lines.saturating_sub(newlines + u64::from(own_break));
        } else {
            // one line: it began at the CRLF's `\n` before it, or right after
            // its own LF-ended line
            info.line += lines - u64::from(own_break);
        }
        info.line += self.line_offset;
        if self.cr_only {
            info.line = 0;
        }
        if info.breaks > 0 || info.unclosed {
            info.column = record::quote_column(rec, info.unclosed);
        }
        // lines a quote took in, or the rest of the last line when its
        // quote is never closed: re-read when they hold rows
        if info.breaks > 0 || (info.unclosed && rec.len() != self.headers) {
            if let Some(rows) = record::reread_lines(rec, info.line, self.delimiter, self.headers) {
                self.recovered = Some((rows, Some(info)));
                return self.read(rec, defer);
            }
        }
        info.row = info.line.saturating_sub(self.breaks_before);
        self.breaks_before += info.breaks;
        self.check_utf8(rec, &mut info, defer, start.byte());
        Ok(Some(info))
    }

    /// The next record while no line read has held a quote: with no quote
    /// before it, a line without a quote or a stray `\r` is a whole
    /// record, and where it sits is known without reading the next one
    /// (the read-ahead tells only where a quote closes), so the record is
    /// read straight into `rec` (issue 14: two threads took 9% less CPU
    /// time). The record, its line and everything else are those of
    /// `read`. `None`: read it with `read`, as every record after it (no
    /// line is read here again).
    fn read_plain(&mut self, rec: &mut Record, defer: bool) -> Option<RecordInfo> {
        debug_assert!(self.recovered.is_none());
        let started_cr = self.reader.ended_with_cr();
        let start = self.reader.position().clone();
        self.reader.get_mut().record_start = start.byte();
        match self.reader.read_plain(rec) {
            Ok(true) => {}
            Ok(false) => {
                self.plain = false;
                return None;
            }
            Err(e) => {
                // as if read ahead: `read` reports it
                self.plain = false;
                self.before_ahead_cr = started_cr;
                self.ahead_start = start;
                self.state = Ahead::Error(e);
                return None;
            }
        }
        // the line breaks before it, its own counted unless a CRLF's
        // (whose `\n` the next record's read takes), as `read` counts
        let own_break = u64::from(!self.reader.ended_with_cr());
        let line = self.reader.position().line() - own_break + self.line_offset;
        // no cell took in a line yet (`breaks_before` is 0)
        let mut info = RecordInfo {
            line,
            row: line,
            ..RecordInfo::default()
        };
        self.check_utf8(rec, &mut info, defer, start.byte());
        Some(info)
    }

    /// Check `rec`'s bytes, which start at byte `from` of the decoded text,
    /// for cells that do not decode, or with `defer` leave a long UTF-8
    /// record's to whoever reads its cells.
    #[inline]
    fn check_utf8(&mut self, rec: &mut Record, info: &mut RecordInfo, defer: bool, from: u64) {
        if defer && self.decoding == Decoding::Utf8 && rec.as_slice().len() >= DEFER_FROM {
            rec.set_utf8_check(Utf8Check::Pending);
        } else {
            info.undecodable = self.undecodable(rec, from);
            rec.set_utf8_check(Utf8Check::Done);
        }
    }

    /// Does `rec`, which starts at byte `from` of the decoded text (or
    /// later), have a cell that does not decode?
    #[inline]
    fn undecodable(&mut self, rec: &Record, from: u64) -> bool {
        let replaced = self
            .replacements
            .as_ref()
            .is_none_or(|r| r.may_be_from(from));
        self.decoding
            .record_undecodable(rec, &self.replacement, replaced, &mut self.mixed)
    }
}

const PEEK: usize = 1 << 16;

/// The shortest record whose UTF-8 check `CsvRows::read` leaves to the
/// reader of its cells: a check of a few dozen bytes costs mostly its
/// setting up, so one of a short record whole costs about what one of
/// the bytes around its answers would (`cells::valid_utf8_around`).
const DEFER_FROM: usize = 192;

impl Table {
    pub fn open(spec: &InputSpec<'_>) -> anyhow::Result<Table> {
        Table::open_with(spec, false)
    }

    /// Open, and with `hash` compute the SHA-256 of the input bytes as they
    /// are read (for the provenance manifest).
    pub fn open_with(spec: &InputSpec<'_>, hash: bool) -> anyhow::Result<Table> {
        let path = spec.path.filter(|p| p.as_os_str() != "-");
        if let Some(p) = path {
            if super::xlsx::is_workbook(p) {
                if spec.header.is_some() {
                    let name = p.display();
                    bail!(tr!(
                        "--header and --header-from are for text (CSV) without a header row; {name} is a workbook, whose first row is its header",
                        "--header 与 --header-from 用于没有表头行的文本（CSV）；{name} 是工作簿，其第 1 行就是表头"
                    ));
                }
                let mut t = open_sheet(p, spec.sheet)?;
                super::platform::adapt(&mut t, spec.from)?;
                if hash {
                    t.digest = Some(std::sync::Arc::new(std::sync::Mutex::new(
                        super::xlsx::hash_file(p)?,
                    )));
                }
                return Ok(t);
            }
        }
        let (name, size, raw): (String, Option<u64>, Box<dyn Read + Send>) = match path {
            Some(p) => {
                let f = super::output::open_read(p)?;
                let size = f.metadata().ok().map(|m| m.len());
                (p.display().to_string(), size, Box::new(f))
            }
            None => ("<stdin>".to_string(), None, Box::new(io::stdin())),
        };
        let digest: Option<Digest> = hash.then(Digest::default);
        let raw: Box<dyn Read + Send> = match &digest {
            Some(d) => Box::new(Hashing {
                inner: raw,
                digest: std::sync::Arc::clone(d),
            }),
            None => raw,
        };
        let mut buf = BufReader::with_capacity(PEEK, raw);
        let peek = buf
            .fill_buf()
            .map_err(|e| {
                let why = crate::messages::io_reason(&e);
                anyhow::anyhow!(tr!("reading {name}: {why}", "读取 {name} 时出错：{why}"))
            })?
            .to_vec();
        if peek.is_empty() {
            bail!(tr!(
                "{name} is empty: expected a header row and answers",
                "{name} 是空的：应有一行表头和作答数据"
            ));
        }
        let encoding = match spec.encoding {
            Some(label) => Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                anyhow!(tr!(
                    "unknown encoding `{label}`: try utf-8, gbk, gb18030, utf-16le, big5",
                    "未知编码 `{label}`：可试 utf-8、gbk、gb18030、utf-16le、big5"
                ))
            })?,
            None => detect_encoding(&peek),
        };
        let decoding = if encoding == encoding_rs::UTF_8 {
            Decoding::Utf8
        } else {
            Decoding::Transcoded(encoding)
        };
        let bom =
            u64::from(encoding == encoding_rs::UTF_8 && peek.starts_with(b"\xEF\xBB\xBF")) * 3;
        let mut replacements = None;
        let reader: Box<dyn BufRead + Send> = if encoding == encoding_rs::UTF_8 {
            // fast path: no transcoding, only a BOM to drop
            if bom > 0 {
                buf.consume(3);
            }
            Box::new(buf)
        } else {
            let gbk = Encoding::for_bom(&peek).is_none();
            let (reader, gbk_replacements) = transcoded(buf, encoding, gbk);
            replacements = gbk_replacements;
            reader
        };
        let delimiter = match spec.delimiter {
            Some(c) if c.is_ascii() => c as u8,
            Some(c) => bail!("--delimiter must be one ASCII character, not `{c}`"),
            None => detect_delimiter(&peek),
        };
        let mut rdr = CsvReader::from_buf(delimiter, Tail::new(reader));
        let mut raw_headers = match spec.header {
            // a headerless chunk: its names were given, nothing to read
            Some(names) => Record::from(names.to_vec()),
            None => match rdr.byte_headers() {
                Ok(h) => h,
                Err(e) if is_too_long(&e) => bail!(
                    "reading the header of {name}: {}",
                    too_long_message(1, 1, rdr.get_ref())
                ),
                Err(e) => return Err(e).with_context(|| format!("reading the header of {name}")),
            },
        };
        // a quote in the header that is never closed takes in the whole
        // file: say so, rather than that no rows or columns were found
        if rdr.get_ref().ended {
            let unclosed = match rdr.get_ref().since(0) {
                Some(text) => record::ends_inside_quotes(text, delimiter),
                // longer than the tail: it took in lines
                None => record::count_breaks(raw_headers.as_slice()) > 0,
            };
            if unclosed {
                bail!(
                    "{name}: the header row has a quote that is never closed: it opens in column \
                     #{} of line 1 and takes in the rest of the file, so no column after it and no \
                     row was read; remove the stray `\"` (or close it) and score again",
                    record::quote_column(&raw_headers, true) + 1
                );
            }
        }
        let replacement = record::replacement_finder();
        let mut header_problems = Vec::new();
        if decoding.any_undecodable(raw_headers.as_slice(), &replacement) {
            record::undecodable_cells(&mut raw_headers, decoding, &mut header_problems);
        }
        let headers = raw_headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect::<Vec<_>>();
        if headers.iter().all(String::is_empty) {
            bail!(tr!(
                "{name} has an empty header row: expected column names in row 1",
                "{name} 的表头行是空的：第 1 行应为列名"
            ));
        }
        let n_headers = headers.len();
        let cr_only = line_end(&peek) == Some(b"\r");
        // a file whose bytes are not all hashed by one reader (no
        // manifest) may be read in parts (`super::split`): UTF-8, or GBK /
        // GB18030 with no BOM and a header of one line without quotes (a
        // line break or a quote is never part of a character there, so
        // the parts are cut on the file's bytes)
        let data_start = match decoding {
            Decoding::Utf8 => Some(rdr.position().byte() + bom),
            Decoding::Transcoded(enc)
                if (enc == encoding_rs::GB18030 || enc == encoding_rs::GBK)
                    && Encoding::for_bom(&peek).is_none() =>
            {
                let first_line = memchr::memchr(b'\n', &peek);
                first_line
                    .filter(|&n| memchr::memchr(b'"', &peek[..n]).is_none())
                    .map(|n| n as u64 + 1)
            }
            Decoding::Transcoded(_) => None,
        };
        let split = match (path, size, data_start) {
            // (not a headerless chunk: its row numbers count from its first line)
            (Some(p), Some(size), Some(data_start))
                if digest.is_none() && !cr_only && spec.header.is_none() =>
            {
                Some(super::split::Source {
                    path: p.to_path_buf(),
                    size,
                    data_start,
                    delimiter,
                    headers: n_headers,
                    decoding,
                })
            }
            _ => None,
        };
        let mut table = Table {
            name,
            headers,
            encoding: encoding.name(),
            decoding,
            header_problems,
            size,
            rows: Rows::Csv(Box::new(CsvRows {
                reader: rdr,
                ahead: Record::new(),
                state: Ahead::NotRead,
                ahead_start: csv::Position::new(),
                ahead_cr: false,
                ahead_lf: false,
                before_ahead_cr: false,
                delimiter,
                cr_only,
                decoding,
                replacement,
                headers: n_headers,
                breaks_before: 0,
                recovered: None,
                line_offset: 0,
                in_part: false,
                // (a file whose lines end with a lone CR numbers no lines)
                plain: !cr_only,
                mixed: record::MixedCells::default(),
                replacements,
            })),
            digest,
            layout: None,
            ahead: ReadAhead::default(),
            split,
        };
        // a headerless chunk (`--header`) has no platform header rows to find
        let from = match (spec.from, spec.header) {
            (None, Some(_)) => Some(super::platform::Platform::Plain),
            (from, _) => from,
        };
        super::platform::adapt(&mut table, from)?;
        Ok(table)
    }

    /// Read ahead up to `platform::SAMPLE` rows (handed out first by
    /// `read`), for a platform's header rows and the code-book check.
    pub(super) fn read_ahead(&mut self) {
        let (rows, error) = super::platform::peek(|rec| self.read(rec));
        self.ahead = ReadAhead { rows, error };
    }

    /// The rows read ahead: drop the first `n` (a platform's header rows).
    pub(super) fn ahead_rows(&mut self) -> &mut std::collections::VecDeque<(Record, RecordInfo)> {
        &mut self.ahead.rows
    }

    /// The answer rows read ahead, with their numbers as a spreadsheet
    /// shows them (the code-book check's sample).
    pub fn sample(&self) -> impl Iterator<Item = (&Record, u64)> + Clone {
        self.ahead.rows.iter().enumerate().map(|(i, (rec, info))| {
            let row = if info.row > 0 {
                info.row
            } else {
                self.row_number(rec, i as u64 + 1)
            };
            (rec, row)
        })
    }

    /// Read the next row into `rec`, with where it sits in the file and
    /// whether it decodes; `None` at the end.
    pub fn read(&mut self, rec: &mut Record) -> anyhow::Result<Option<RecordInfo>> {
        self.read_or_defer(rec, false)
    }

    /// The next row as `read` reads it, then `derive`d from: with `derive`
    /// given the record first, a UTF-8 record's check is left to it (it
    /// may know cells valid from reading them: `ReadAnswers` in
    /// `pipeline`), done here when it did not (`Utf8Check`). `info` is
    /// then final; `derive` saw `undecodable` false for a `Pending` record.
    #[inline]
    fn read_derived<T>(
        &mut self,
        rec: &mut Record,
        info: &mut RecordInfo,
        derived: &mut T,
        derive: &mut impl FnMut(&mut Record, RecordInfo, &mut T),
    ) -> anyhow::Result<bool> {
        let Some(read) = self.read_or_defer(rec, true)? else {
            return Ok(false);
        };
        *info = read;
        derive(rec, read, derived);
        match rec.utf8_check() {
            Utf8Check::Done => {}
            Utf8Check::Pending => info.undecodable = !super::fields::valid_utf8(rec.as_slice()),
            Utf8Check::Checked { undecodable } => info.undecodable = undecodable,
        }
        rec.set_utf8_check(Utf8Check::Done);
        Ok(true)
    }

    fn read_or_defer(
        &mut self,
        rec: &mut Record,
        defer: bool,
    ) -> anyhow::Result<Option<RecordInfo>> {
        if let Some((r, info)) = self.ahead.rows.pop_front() {
            *rec = r;
            return Ok(Some(info));
        }
        if let Some(e) = self.ahead.error.take() {
            return Err(e);
        }
        match &mut self.rows {
            Rows::Csv(r) => r
                .read(rec, defer)
                .with_context(|| format!("reading {}", self.name)),
            // a cell's line breaks are its own (Alt+Enter), not lines; the
            // sheet's row number is in the record's position (row_number)
            Rows::Sheet(rows) => Ok(rows.read(rec)?.then(RecordInfo::default)),
            Rows::Memory(records) => Ok(records.fill(rec).then(|| RecordInfo {
                // bytes from memory are checked as a file's are
                undecodable: std::str::from_utf8(rec.as_slice()).is_err(),
                ..RecordInfo::default()
            })),
            Rows::Typed(_) => bail!("typed columns are read into answers, not as records"),
        }
    }

    /// SHA-256 (hex) of every input byte read so far; complete once all
    /// rows are read. `None` unless asked for with `InputSpec::hash`.
    pub fn sha256(&self) -> Option<String> {
        use sha2::Digest as _;
        let d = self.digest.as_ref()?.lock().ok()?.clone();
        Some(hex::encode(d.finalize()))
    }

    /// The number of the row `rec`, the `count`th read, as a spreadsheet
    /// shows it (the header is row 1): in a workbook the sheet's own row,
    /// since empty rows are skipped, not counted.
    pub fn row_number(&self, rec: &Record, count: u64) -> u64 {
        match rec.position() {
            Some(at) if self.encoding == "xlsx" => at.line(),
            _ => count + 1,
        }
    }

    /// Bytes read so far (CSV only), for progress.
    pub fn position(&self) -> u64 {
        match &self.rows {
            Rows::Csv(r) => r.reader.position().byte(),
            Rows::Sheet(_) | Rows::Memory(_) | Rows::Typed(_) => 0,
        }
    }
}

impl Table {
    /// Where more readers may start, if this input can be read in parts
    /// (a UTF-8 or GBK file, not hashed, lines not ended by a lone CR).
    /// Never a platform export with header rows after row 1: they were
    /// taken from the rows read ahead, and parts reading the file's bytes
    /// would read them again as answers. (An export whose header is row 1
    /// alone, a wjx or REDCap one, splits as a plain table does.)
    pub fn split_source(&self) -> Option<super::split::Source> {
        let extra_rows = self.layout.as_ref().map_or(0, |l| l.extra_rows);
        self.split.clone().filter(|_| extra_rows == 0)
    }

    /// This table with every line read the general way (`CsvRows::read`
    /// without `read_plain`): what the straight reads are tested against.
    #[cfg(test)]
    pub(super) fn without_plain(mut self) -> Table {
        if let Rows::Csv(rows) = &mut self.rows {
            rows.plain = false;
        }
        self
    }

    /// A reader of one part of a file `split_source` allowed to split:
    /// its rows numbered as in the whole file.
    pub(super) fn part(
        src: &super::split::Source,
        name: &str,
        part: &super::split::Part,
    ) -> anyhow::Result<Table> {
        let bytes = src.open(part).with_context(|| format!("reading {name}"))?;
        let (bytes, encoding, replacements) = match src.decoding {
            Decoding::Utf8 => (bytes, "UTF-8", None),
            // a part starts at a line break: no BOM
            Decoding::Transcoded(enc) => {
                let (bytes, replacements) = transcoded(bytes, enc, true);
                (bytes, enc.name(), replacements)
            }
        };
        let reader = CsvReader::from_buf(src.delimiter, Tail::new(bytes));
        Ok(Table {
            name: name.to_string(),
            headers: Vec::new(),
            encoding,
            decoding: src.decoding,
            header_problems: Vec::new(),
            size: None,
            layout: None,
            ahead: ReadAhead::default(),
            rows: Rows::Csv(Box::new(CsvRows {
                reader,
                ahead: Record::new(),
                state: Ahead::NotRead,
                ahead_start: csv::Position::new(),
                ahead_cr: false,
                ahead_lf: false,
                before_ahead_cr: false,
                delimiter: src.delimiter,
                cr_only: false,
                decoding: src.decoding,
                replacement: record::replacement_finder(),
                headers: src.headers,
                breaks_before: 0,
                recovered: None,
                line_offset: part.line_offset,
                in_part: true,
                plain: true,
                mixed: record::MixedCells::default(),
                replacements,
            })),
            digest: None,
            split: None,
        })
    }

    /// Rows already in memory, as UTF-8 cells under `headers`: the same
    /// pipeline as a file, for a binding (rows in memory → scored rows).
    /// Rows are numbered as in a file: the header is row 1.
    pub fn from_records(
        name: impl Into<String>,
        headers: Vec<String>,
        records: impl IntoIterator<Item = Record, IntoIter: Send + 'static>,
    ) -> Table {
        Table::from_filler(name, headers, Box::new(Owned(records.into_iter())))
    }

    /// Rows in memory written into the reader's records (`FillRecords`).
    pub fn from_filler(
        name: impl Into<String>,
        headers: Vec<String>,
        records: Box<dyn FillRecords>,
    ) -> Table {
        Table {
            name: name.into(),
            headers,
            encoding: "UTF-8",
            decoding: Decoding::Utf8,
            header_problems: Vec::new(),
            size: None,
            layout: None,
            rows: Rows::Memory(records),
            digest: None,
            ahead: ReadAhead::default(),
            split: None,
        }
    }
}

impl Table {
    /// Rows `part.rows` of a binding's typed columns under `headers`:
    /// the pipeline reads their answers a block at a time
    /// (`take_typed`), as a CSV of the same cells would read.
    pub fn from_typed(name: impl Into<String>, headers: Vec<String>, part: TypedPart) -> Table {
        let mut table = Table::from_filler(name, headers, Box::new(Owned(std::iter::empty())));
        table.rows = Rows::Typed(part);
        table
    }

    /// The typed columns of a table made by `from_typed` (taken: the
    /// table has no rows left).
    pub fn take_typed(&mut self) -> Option<TypedPart> {
        if !matches!(self.rows, Rows::Typed(_)) {
            return None;
        }
        let empty = Rows::Memory(Box::new(Owned(std::iter::empty())));
        match std::mem::replace(&mut self.rows, empty) {
            Rows::Typed(part) => Some(part),
            _ => None,
        }
    }
}

/// A workbook's sheet: read by io::xlsx, streaming and bounded.
fn open_sheet(path: &Path, sheet: Option<&str>) -> anyhow::Result<Table> {
    let name = path.display().to_string();
    let sheet = super::xlsx::open(path, &name, sheet)?;
    Ok(Table {
        name,
        headers: sheet.headers,
        encoding: "xlsx",
        decoding: Decoding::Utf8,
        header_problems: Vec::new(),
        size: None,
        layout: None,
        rows: Rows::Sheet(sheet.rows),
        digest: None,
        ahead: ReadAhead::default(),
        split: None,
    })
}

/// Rows per batch handed from the reading thread to the scorer.
pub(super) const BATCH: usize = 256;
/// Batches in flight: bounds memory (constant, whatever the input size).
const IN_FLIGHT: usize = 4;

/// One parsed row, where it sits, and what the reading thread derived
/// from it.
pub type Slot<T> = (Record, RecordInfo, T);

impl Table {
    /// Read rows into `rows`, each `derive`d as it is read, until it is full,
    /// the input ends or a read fails: how many were read, and the error.
    ///
    /// Each row is read into `scratch`, and moved into its slot with its
    /// `RecordInfo` only when `derive` says the slot's reader reads them;
    /// else both are left as they were, for a reader that promised not to
    /// (`split::Work::row`). The rows of a batch go to memory the other
    /// core last wrote, a cache miss per line written: a row's cells,
    /// bounds and info were most of them (`score`, 1M rows, two threads,
    /// 41 alternating rounds: 0.95× the CPU time; cachegrind with a 512 KB
    /// last level, 300k rows: misses 6.9M → 3.3M, `u32` bounds included).
    pub(super) fn fill<T>(
        &mut self,
        rows: &mut [Slot<T>],
        scratch: &mut Record,
        derive: &mut impl FnMut(&mut Record, RecordInfo, &mut T) -> bool,
    ) -> (usize, Option<anyhow::Error>) {
        for (len, (rec, slot_info, derived)) in rows.iter_mut().enumerate() {
            let mut keep = true;
            let mut derive = |r: &mut Record, i, d: &mut T| keep = derive(r, i, d);
            let mut info = RecordInfo::default();
            match self.read_derived(scratch, &mut info, derived, &mut derive) {
                Ok(true) if keep => {
                    std::mem::swap(rec, scratch);
                    *slot_info = info;
                }
                Ok(true) => {}
                Ok(false) => return (len, None),
                Err(e) => return (len, Some(e)),
            }
        }
        (rows.len(), None)
    }
}

pub(super) struct Batch<T> {
    pub rows: Vec<Slot<T>>,
    pub len: usize,
    /// Bytes read when the batch was filled (progress).
    pub position: u64,
    /// A read error after `len` rows; the stream ends with it.
    pub error: Option<anyhow::Error>,
}

/// Rows parsed on a second thread, so CSV parsing (and any per-row work
/// given to `stream_with`, such as reading the answers) overlaps with
/// scoring and writing. Order is kept; memory stays bounded by `IN_FLIGHT`
/// batches.
pub struct RowStream<T> {
    feed: Feed<T>,
    current: Option<Batch<T>>,
    next: usize,
    position: std::sync::Arc<std::sync::atomic::AtomicU64>,
    done: bool,
}

impl Table {
    /// Hand the rows to a reading thread that also runs `derive` on each
    /// (in order, on that thread); the header stays with `self`.
    pub fn stream_with<T, F>(&mut self, mut derive: F) -> RowStream<T>
    where
        T: Default + Send + 'static,
        F: FnMut(&mut Record, RecordInfo, &mut T) + Send + 'static,
    {
        let mut table = Table {
            name: self.name.clone(),
            headers: Vec::new(),
            encoding: self.encoding,
            decoding: self.decoding,
            header_problems: Vec::new(),
            size: self.size,
            layout: None,
            rows: std::mem::replace(&mut self.rows, Rows::Sheet(super::xlsx::SheetRows::empty())),
            digest: None,
            ahead: std::mem::take(&mut self.ahead),
            split: None,
        };
        let mut scratch = Record::new();
        RowStream::reading_thread(move |rows| {
            let (len, error) = table.fill(rows, &mut scratch, &mut |rec, info, row| {
                derive(rec, info, row);
                true
            });
            (len, table.position(), error)
        })
    }
}

impl<T: Default + Send + 'static> RowStream<T> {
    /// Rows made a block at a time by `fill` on a thread of its own (a
    /// binding's typed columns): it fills the slots it is given and says
    /// how many; fewer than given: the end.
    pub fn from_blocks<F>(mut fill: F) -> RowStream<T>
    where
        F: FnMut(&mut [Slot<T>]) -> usize + Send + 'static,
    {
        RowStream::reading_thread(move |rows| (fill(rows), 0, None))
    }

    /// A thread that fills batches with `fill` (rows read, bytes read so
    /// far, the error that ended them) until fewer rows than asked for.
    fn reading_thread<F>(mut fill: F) -> RowStream<T>
    where
        F: FnMut(&mut [Slot<T>]) -> (usize, u64, Option<anyhow::Error>) + Send + 'static,
    {
        let (full_tx, full) = std::sync::mpsc::sync_channel::<Batch<T>>(IN_FLIGHT);
        let (empty, empty_rx) = std::sync::mpsc::sync_channel::<Vec<Slot<T>>>(IN_FLIGHT + 2);
        for _ in 0..IN_FLIGHT {
            let _ = empty.send((0..BATCH).map(|_| Slot::default()).collect());
        }
        std::thread::spawn(move || loop {
            // the scorer hung up (error or closed pipe): stop reading
            let Ok(mut rows) = empty_rx.recv() else {
                return;
            };
            let (len, position, error) = fill(&mut rows);
            let last = len < rows.len();
            let batch = Batch {
                rows,
                len,
                position,
                error,
            };
            if full_tx.send(batch).is_err() || last {
                return;
            }
        });
        RowStream {
            feed: Feed::One { full, empty },
            current: None,
            next: 0,
            position: std::sync::Arc::default(),
            done: false,
        }
    }
}

/// What the reading thread derives from each row (`Table::stream_with`).
type Derive<T> = dyn FnMut(&mut Record, RecordInfo, &mut T) + Send;

/// Where a stream's batches come from.
enum Feed<T> {
    /// One reading thread.
    One {
        full: std::sync::mpsc::Receiver<Batch<T>>,
        empty: std::sync::mpsc::SyncSender<Vec<Slot<T>>>,
    },
    /// Parts of the file read on several threads (`super::split`).
    Parts(super::split::Parts<T>),
    /// Read on the consumer's thread, one row at a time (one core: no
    /// hand-off between threads).
    Inline {
        table: Box<Table>,
        derive: Box<Derive<T>>,
        /// The row handed out last.
        row: Box<Slot<T>>,
    },
}

impl Table {
    /// Like `stream_with`, but the rows are read on the thread that takes
    /// them (for one core, where a second thread only adds hand-offs).
    pub fn stream_inline<T, F>(&mut self, derive: F) -> RowStream<T>
    where
        T: Default + Send + 'static,
        F: FnMut(&mut Record, RecordInfo, &mut T) + Send + 'static,
    {
        let table = Table {
            name: self.name.clone(),
            headers: Vec::new(),
            encoding: self.encoding,
            decoding: self.decoding,
            header_problems: Vec::new(),
            size: self.size,
            layout: None,
            rows: std::mem::replace(&mut self.rows, Rows::Sheet(super::xlsx::SheetRows::empty())),
            digest: None,
            ahead: std::mem::take(&mut self.ahead),
            split: None,
        };
        RowStream {
            feed: Feed::Inline {
                table: Box::new(table),
                derive: Box::new(derive),
                row: Box::default(),
            },
            current: None,
            next: 0,
            position: std::sync::Arc::default(),
            done: false,
        }
    }
}

impl<T> RowStream<T> {
    pub(super) fn from_parts(parts: super::split::Parts<T>) -> RowStream<T> {
        RowStream {
            feed: Feed::Parts(parts),
            current: None,
            next: 0,
            position: std::sync::Arc::default(),
            done: false,
        }
    }

    /// `next_row` for `Feed::Inline`.
    fn next_inline(&mut self) -> anyhow::Result<Option<(&mut Record, RecordInfo, &mut T)>> {
        let Feed::Inline { table, derive, row } = &mut self.feed else {
            unreachable!("checked by next_row")
        };
        if self.done {
            return Ok(None);
        }
        let (rec, info, derived) = &mut **row;
        match table.read_derived(rec, info, derived, derive) {
            Ok(true) => {
                self.next += 1;
                if self.next.is_multiple_of(BATCH) {
                    self.position
                        .store(table.position(), std::sync::atomic::Ordering::Relaxed);
                }
                Ok(Some((rec, *info, derived)))
            }
            Ok(false) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    /// Pass over the next `n` rows of the batch the last row came from
    /// (rows handed over together, after the first: `RowSink::prepared_run`).
    pub fn skip_rows(&mut self, n: usize) {
        let len = self.current.as_ref().map_or(0, |b| b.len);
        debug_assert!(self.next + n <= len, "rows skipped past their batch");
        self.next = (self.next + n).min(len);
    }

    /// The next row and what was derived from it, in input order; `None`
    /// at the end.
    pub fn next_row(&mut self) -> anyhow::Result<Option<(&mut Record, RecordInfo, &mut T)>> {
        if matches!(self.feed, Feed::Inline { .. }) {
            return self.next_inline();
        }
        loop {
            if let Some(b) = &self.current {
                if self.next < b.len {
                    self.next += 1;
                    let b = self.current.as_mut().expect("checked above");
                    let (rec, info, derived) = &mut b.rows[self.next - 1];
                    return Ok(Some((rec, *info, derived)));
                }
            }
            if let Some(mut b) = self.current.take() {
                if let Some(e) = b.error.take() {
                    self.done = true;
                    return Err(e);
                }
                let last = b.len < b.rows.len();
                match &mut self.feed {
                    Feed::One { empty, .. } => {
                        let _ = empty.send(b.rows);
                        if last {
                            self.done = true;
                        }
                    }
                    Feed::Parts(parts) => {
                        if let Ok(mut pool) = parts.pool.lock() {
                            pool.push(b.rows);
                        }
                    }
                    Feed::Inline { .. } => unreachable!("no batches"),
                }
            }
            if self.done {
                return Ok(None);
            }
            let next = match &mut self.feed {
                Feed::One { full, .. } => full.recv().ok(),
                Feed::Inline { .. } => unreachable!("read above"),
                Feed::Parts(parts) => {
                    let Some(part) = &parts.current else {
                        match parts.order.recv() {
                            Ok(part) => parts.current = Some(part),
                            Err(_) => self.done = true,
                        }
                        continue;
                    };
                    match part.recv() {
                        Ok(b) => Some(b),
                        Err(_) => {
                            // the part is read: the next one may be read ahead
                            parts.current = None;
                            let _ = parts.tickets.send(());
                            continue;
                        }
                    }
                }
            };
            match next {
                Some(b) => {
                    self.position
                        .store(b.position, std::sync::atomic::Ordering::Relaxed);
                    self.current = Some(b);
                    self.next = 0;
                }
                None => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }

    /// Report progress in `position` instead of an own counter.
    pub fn share_position(&mut self, position: std::sync::Arc<std::sync::atomic::AtomicU64>) {
        self.position = position;
    }

    /// Bytes read so far (CSV only), for progress; readable while rows
    /// are borrowed.
    pub fn position(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        std::sync::Arc::clone(&self.position)
    }
}

/// UTF-8 BOM or valid UTF-8 → UTF-8; UTF-16 BOM → UTF-16; otherwise the
/// Chinese national encoding (GB18030 is a superset of GBK and GB2312).
pub fn detect_encoding(peek: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(peek) {
        return enc;
    }
    match std::str::from_utf8(peek) {
        Ok(_) => encoding_rs::UTF_8,
        // a character cut at the end of the peek is still UTF-8
        Err(e) if e.error_len().is_none() => encoding_rs::UTF_8,
        Err(_) => encoding_rs::GB18030,
    }
}

/// How the first line ends (then all do, in any real export): `\n`,
/// `\r\n` or a lone `\r`; `None` for a single line.
fn line_end(peek: &[u8]) -> Option<&'static [u8]> {
    let i = memchr::memchr2(b'\n', b'\r', peek)?;
    Some(match (peek[i], peek.get(i + 1)) {
        (b'\n', _) => b"\n",
        (_, Some(b'\n')) => b"\r\n",
        (_, Some(_)) => b"\r",
        // cut by the peek window or the end: assume the common CRLF
        (_, None) => b"\r\n",
    })
}

/// The most frequent of `,` `;` tab in the first line (outside quotes).
pub fn detect_delimiter(peek: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in peek {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let cands = [b',', b';', b'\t'];
    let best = (0..3)
        .max_by_key(|&i| (counts[i], usize::from(i == 0)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        cands[best]
    }
}

/// `--header COLS` or `--header-from FILE`: the names of a headerless
/// input's columns (FILE's header row, read as any input's is); `None`:
/// the input has its own header row.
pub fn given_header(names: &[String], from: Option<&Path>) -> anyhow::Result<Option<Vec<String>>> {
    if let Some(file) = from {
        let spec = InputSpec {
            path: Some(file),
            encoding: None,
            delimiter: None,
            sheet: None,
            from: Some(super::platform::Platform::Plain),
            header: None,
        };
        let table = Table::open(&spec)
            .with_context(|| format!("reading the header of --header-from {}", file.display()))?;
        return Ok(Some(table.headers));
    }
    Ok((!names.is_empty()).then(|| names.iter().map(|n| n.trim().to_string()).collect()))
}

/// The input path, if it is a file (not stdin).
pub fn file_path(p: Option<&PathBuf>) -> Option<&Path> {
    p.map(PathBuf::as_path).filter(|p| p.as_os_str() != "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(detect_encoding(b"id,a\n1,2\n"), encoding_rs::UTF_8);
        assert_eq!(
            detect_encoding("\u{feff}学号,a\n".as_bytes()),
            encoding_rs::UTF_8
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("学号,班级\n");
        assert_eq!(detect_encoding(&gbk), encoding_rs::GB18030);
        // a multi-byte character cut by the peek window
        let s = "学号".as_bytes();
        assert_eq!(detect_encoding(&s[..4]), encoding_rs::UTF_8);
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n1;2\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"x;y\",b\n"), b',');
        assert_eq!(detect_delimiter(b"single\n"), b',');
    }

    /// A CSV text with blank lines, quoted cells with line breaks, LF or
    /// CRLF line by line (a file may mix them), with or without a final
    /// line break; and for each record the physical line it starts on and
    /// the row a spreadsheet shows it in.
    fn layout() -> impl proptest::strategy::Strategy<Value = (String, Vec<(u64, u64, u64)>)> {
        use proptest::prelude::*;
        // no `,` in cells: a cell whose lines each hold the header's number
        // of fields would be re-read as rows (see `record::reread_lines`)
        let cell = prop::collection::vec(
            prop::sample::select(vec!["a", "1", ";", "\"", "\n", " "]),
            0..4,
        );
        // cells, blank lines before, quoted, its lines' ends CRLF
        let record = (
            prop::collection::vec(cell, 2..=2),
            0..3usize,
            any::<bool>(),
            any::<bool>(),
        );
        (
            prop::collection::vec(record, 1..6),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(records, header_crlf, final_break)| {
                let end = |crlf: bool| if crlf { "\r\n" } else { "\n" };
                let mut text = format!("h1,h2,h3{}", end(header_crlf));
                let (mut line, mut row) = (2u64, 1u64);
                let mut want = Vec::new();
                let n = records.len();
                for (i, (cells, blanks, quote, crlf)) in records.into_iter().enumerate() {
                    let nl = end(crlf);
                    for _ in 0..blanks {
                        text.push_str(nl);
                        line += 1;
                        row += 1;
                    }
                    row += 1;
                    let mut breaks = 0;
                    let fields: Vec<String> = cells
                        .iter()
                        .map(|parts| {
                            let c = parts.concat().replace('\n', nl);
                            breaks += c.matches('\n').count() as u64;
                            if quote || c.contains(['"', '\n']) || c.is_empty() {
                                format!("\"{}\"", c.replace('"', "\"\""))
                            } else {
                                c
                            }
                        })
                        .collect();
                    text.push_str(&fields.join(","));
                    want.push((line, row, breaks));
                    line += breaks;
                    if i + 1 < n || final_break {
                        text.push_str(nl);
                        line += 1;
                    }
                }
                (text, want)
            })
    }

    proptest::proptest! {
        #[test]
        fn lines_and_rows_are_where_an_editor_and_a_spreadsheet_show_them(
            (text, want) in layout()
        ) {
            let mut got = Vec::new();
            for (_, info) in read_all(text.as_ref()) {
                proptest::prop_assert!(!info.unclosed, "{text:?}");
                got.push((info.line, info.row, info.breaks));
            }
            proptest::prop_assert_eq!(got, want, "{:?}", text);
        }
    }

    fn read_all(text: &[u8]) -> Vec<(Vec<Vec<u8>>, RecordInfo)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut table = Table::open(&InputSpec {
            path: Some(&path),
            encoding: None,
            delimiter: Some(','),
            sheet: None,
            from: Some(crate::io::platform::Platform::Plain),
            header: None,
        })
        .unwrap();
        let mut rec = Record::new();
        let mut got = Vec::new();
        while let Some(info) = table.read(&mut rec).unwrap() {
            got.push((rec.iter().map(<[u8]>::to_vec).collect(), info));
        }
        got
    }

    /// A long UTF-8 record's check is left to the `derive` of a stream
    /// (`Utf8Check::Pending`, as `pipeline` reads answers): whatever the
    /// derive does with it (nothing; checks it; checks it and puts a
    /// record mended with U+FFFD in its place, saying so again), each row
    /// comes out with `undecodable` as `Table::read` gives it, on one
    /// thread and on the reading thread.
    #[test]
    fn a_check_left_to_derive_ends_as_the_readers() {
        let long = "完全不会,".repeat(40);
        let mut text = b"h1,h2\n".to_vec();
        for tail in [&b"ok"[..], b"\xff", b"\xe4", b"\xe4\xbc\x9a", b""] {
            for row in [[long.as_bytes(), tail].concat(), [tail, b",short"].concat()] {
                text.extend_from_slice(&row);
                text.push(b'\n');
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let open = || {
            Table::open(&InputSpec {
                path: Some(&path),
                encoding: Some("utf-8"),
                delimiter: Some(','),
                sheet: None,
                from: Some(crate::io::platform::Platform::Plain),
                header: None,
            })
            .unwrap()
        };
        let (mut table, mut rec, mut want) = (open(), Record::new(), Vec::new());
        while let Some(info) = table.read(&mut rec).unwrap() {
            want.push(info);
        }
        assert_eq!(want.len(), 10);
        assert_eq!(want.iter().filter(|i| i.undecodable).count(), 4);
        for how in 0..3 {
            for inline in [true, false] {
                let derive = move |rec: &mut Record, _: RecordInfo, pending: &mut bool| {
                    *pending = rec.utf8_check() == Utf8Check::Pending;
                    if !*pending || how == 0 {
                        return;
                    }
                    let undecodable = !super::super::fields::valid_utf8(rec.as_slice());
                    rec.set_utf8_check(Utf8Check::Checked { undecodable });
                    if undecodable && how == 2 {
                        let mended: Record = rec
                            .iter()
                            .map(|c| String::from_utf8_lossy(c).into_owned())
                            .collect::<Vec<_>>()
                            .into();
                        *rec = mended;
                        rec.set_utf8_check(Utf8Check::Checked { undecodable });
                    }
                };
                let mut table = open();
                let mut stream = if inline {
                    table.stream_inline(derive)
                } else {
                    table.stream_with(derive)
                };
                let (mut got, mut pending) = (Vec::new(), 0);
                while let Some((rec, info, &mut was)) = stream.next_row().unwrap() {
                    assert_eq!(rec.utf8_check(), Utf8Check::Done);
                    got.push(info);
                    pending += usize::from(was);
                }
                assert_eq!(got, want, "derive {how}, inline {inline}");
                assert_eq!(pending, 5, "the long records were left to derive");
            }
        }
    }

    proptest::proptest! {
        /// A `"` typed at the start of any cell of a plain file: every row
        /// still comes out as it was meant, and the quote is found.
        #[test]
        fn a_stray_quote_anywhere_loses_no_row(
            rows in proptest::collection::vec(proptest::collection::vec("[a-z0-9]{1,3}", 3..=3), 1..8),
            at in (0..8usize, 0..3usize),
            crlf: bool,
            final_break: bool,
        ) {
            let nl = if crlf { "\r\n" } else { "\n" };
            let (k, j) = (at.0 % rows.len(), at.1);
            let mut text = format!("a,b,c{nl}");
            for (i, r) in rows.iter().enumerate() {
                let mut cells = r.clone();
                if i == k {
                    cells[j].insert(0, '"');
                }
                text.push_str(&cells.join(","));
                if i + 1 < rows.len() || final_break {
                    text.push_str(nl);
                }
            }
            let got = read_all(text.as_bytes());
            proptest::prop_assert_eq!(got.len(), rows.len(), "{:?}", text);
            proptest::prop_assert_eq!(got.iter().filter(|(_, i)| i.unclosed).count(), 1, "{:?}", text);
            let last_line_only = k + 1 == rows.len();
            for (i, (r, (cells, info))) in rows.iter().zip(&got).enumerate() {
                if last_line_only && i == k {
                    // the quote takes in only the rest of its own line: in
                    // the last cell that changes nothing; in another it
                    // took in delimiters, so the line is re-read
                    proptest::prop_assert!(info.unclosed, "{:?}", text);
                    proptest::prop_assert_eq!(info.reread, u64::from(j < 2), "{:?}", text);
                    if j == 2 {
                        continue;
                    }
                }
                let want: Vec<Vec<u8>> = r.iter().map(|c| c.as_bytes().to_vec()).collect();
                proptest::prop_assert_eq!(cells, &want, "{:?}", text);
                proptest::prop_assert_eq!(info.row, i as u64 + 2, "{:?}", text);
            }
        }
    }
}
