//! What a CSV record says about the file beyond its fields: where it sits
//! (physical lines, which differ from rows when a quoted cell holds line
//! breaks), whether a quote swallowed lines or was never closed, and which
//! cells do not decode. The reader finds these cheaply for every record;
//! the messages are made here, only for the rare record that needs one.

use crate::io::fields::Record;
use encoding_rs::Encoding;

use crate::io::cells::BadCell;
use crate::messages::tr;

/// Where one record sits in the file and what is wrong with it as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordInfo {
    /// The physical line (1-based, as a text editor counts) it starts on.
    pub line: u64,
    /// The row a spreadsheet shows it in (the header is row 1, a blank
    /// line is an empty row, a cell's line breaks stay in the cell); 0
    /// when unknown (count the records instead).
    pub row: u64,
    /// Line breaks inside its cells: more than 0 means the record runs over
    /// several physical lines, which a stray `"` makes happen.
    pub breaks: u64,
    /// The file ends inside a quoted cell of this record (the quote that
    /// opened it is never closed).
    pub unclosed: bool,
    /// Some cell does not decode (see `Decoding`).
    pub undecodable: bool,
    /// This record and the next `reread - 1` are the lines a stray quote
    /// took in, re-read one row per line (see `reread_lines`); 0 otherwise.
    pub reread: u64,
    /// The cell where the quote opens, for a record with `breaks` or
    /// `unclosed`.
    pub column: usize,
}

impl RecordInfo {
    /// The last physical line the record reaches.
    pub fn end_line(&self) -> u64 {
        self.line + self.breaks
    }
}

/// How the bytes of the input were turned into UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// Read as UTF-8 without transcoding (detected or `--encoding utf-8`):
    /// a cell that is not valid UTF-8 is a problem.
    Utf8,
    /// Transcoded from another encoding, whose decoder puts U+FFFD in place
    /// of bytes that are not valid in it.
    Transcoded(&'static Encoding),
}

pub(crate) const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

impl Decoding {
    /// Does any cell of `bytes` (one record's cells, `Record::as_slice`)
    /// fail to decode? The hot path: one validation pass over the record.
    #[inline]
    pub fn any_undecodable(self, bytes: &[u8], replacement: &memchr::memmem::Finder<'_>) -> bool {
        match self {
            Decoding::Utf8 => !super::fields::valid_utf8(bytes),
            Decoding::Transcoded(enc) => {
                replacement.find(bytes).is_some() || (!bytes.is_ascii() && mixes_utf8(enc, bytes))
            }
        }
    }

    /// `any_undecodable` for one record, with the mixed-encoding check
    /// made cell by cell through `mixed`'s memo (label answers repeat on
    /// every row; re-encoding each record to look cost a third of a GBK
    /// run). With `replaced` false the decoder wrote no U+FFFD in the
    /// record (`gbk::Replacements`), so it is not searched for one.
    #[inline]
    pub fn record_undecodable(
        self,
        rec: &Record,
        replacement: &memchr::memmem::Finder<'_>,
        replaced: bool,
        mixed: &mut MixedCells,
    ) -> bool {
        match self {
            Decoding::Utf8 => self.any_undecodable(rec.as_slice(), replacement),
            Decoding::Transcoded(enc) => {
                let bytes = rec.as_slice();
                (replaced && replacement.find(bytes).is_some()) || mixed.record(enc, rec)
            }
        }
    }

    fn cell_undecodable(self, cell: &[u8]) -> bool {
        match self {
            Decoding::Utf8 => std::str::from_utf8(cell).is_err(),
            Decoding::Transcoded(_) => memchr::memmem::find(cell, REPLACEMENT).is_some(),
        }
    }

    fn describe(self, cell: &[u8]) -> String {
        match self {
            Decoding::Utf8 => {
                // a GBK export read as UTF-8 (detection saw only the start)
                let hint = encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(cell)
                    .map(|text| {
                        let text = crate::printable::printable_line(text.trim());
                        tr!(
                            " (as GBK it reads \"{text}\": if the file is GBK, give --encoding gbk)",
                            "（按 GBK 读作“{text}”：如果文件是 GBK 编码，请加 --encoding gbk）"
                        )
                    })
                    .unwrap_or_default();
                tr!("is not valid UTF-8{hint}", "不是有效的 UTF-8{hint}")
            }
            Decoding::Transcoded(enc) => {
                let name = enc.name();
                tr!(
                    "has bytes that are not valid {name}",
                    "含有不是有效 {name} 的字节"
                )
            }
        }
    }
}

/// The text of `decoded`, read from GB18030 (or GBK, the same decoder),
/// as UTF-8 would read its bytes, when they are valid non-ASCII UTF-8.
/// GB18030 gives back every byte it decoded, so the bytes are its encoding.
fn utf8_reading(enc: &'static Encoding, decoded: &[u8]) -> Option<String> {
    if decoded.is_ascii() || !super::gbk::decodes(enc) {
        return None;
    }
    let text = std::str::from_utf8(decoded).ok()?;
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    String::from_utf8(bytes.into_owned()).ok()
}

/// Were the bytes of a record read as GB18030 UTF-8 (the file mixes
/// encodings)? Only when its whole text is valid UTF-8 that reads as
/// Chinese: some common CJK character, and no character outside CJK,
/// Latin-1 and general punctuation. GBK text is rarely valid UTF-8, and
/// then mostly in two-byte sequences (Cyrillic, Hebrew …) or rare CJK
/// (about 1 in 100 000 random names of two to four GB2312 characters
/// pass, none made of the 3,755 common ones).
fn mixes_utf8(enc: &'static Encoding, decoded: &[u8]) -> bool {
    utf8_reading(enc, decoded).is_some_and(|t| t.chars().any(cjk_char) && t.chars().all(usual_char))
}

/// `mixes_utf8` of a record whose cells that did not decode (U+FFFD:
/// their bytes are lost) say nothing either way: a UTF-8 line read as
/// GB18030 seldom decodes whole (`一班` does not), and its other cells
/// (`几乎每天`, an answer) must still be read back. Every other cell
/// beyond ASCII reads as usual UTF-8 text, and one as Chinese.
fn mixes_utf8_around(enc: &'static Encoding, rec: &Record) -> bool {
    let mut chinese = false;
    let lost = |c: &[u8]| Decoding::Transcoded(enc).cell_undecodable(c);
    for cell in rec.iter().filter(|c| !c.is_ascii() && !lost(c)) {
        match utf8_reading(enc, cell) {
            Some(t) if t.chars().all(usual_char) => chinese |= t.chars().any(cjk_char),
            _ => return false,
        }
    }
    chinese
}

/// `mixes_utf8` asked of a record one cell at a time, each distinct cell
/// looked at once (up to `MixedCells::KEPT` of them). A record's bytes are
/// UTF-8 when each cell's are (the delimiters are ASCII), so a record
/// mixes encodings when every non-ASCII cell reads as usual UTF-8 text and
/// some cell holds Chinese.
#[derive(Default)]
pub struct MixedCells {
    /// cell → (its bytes read as UTF-8 are usual text, and hold Chinese)
    memo:
        std::collections::HashMap<Vec<u8>, (bool, bool), std::hash::BuildHasherDefault<CellHasher>>,
}

/// A cell hashed whole by xxh3: SipHash cost more than the re-reading it
/// saves, on a label export's every row. (The memo holds at most
/// `MixedCells::KEPT` cells, so crafted collisions cannot make it slow.)
#[derive(Default)]
struct CellHasher(u64);

impl std::hash::Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }

    fn write_usize(&mut self, n: usize) {
        self.0 ^= n as u64;
    }
}

impl MixedCells {
    const KEPT: usize = 4096;

    fn record(&mut self, enc: &'static Encoding, rec: &Record) -> bool {
        // nothing but GBK / GB18030 is read back as UTF-8 (`utf8_reading`)
        if !crate::io::gbk::decodes(enc) {
            return false;
        }
        // the first character beyond ASCII begins the first such cell, and
        // its GB18030 bytes begin that cell's: most rule it out at once,
        // without the cell's hash and lookup (a row's first Chinese cell
        // is often its own, `61秒`, seen once)
        let Some(first) = first_not_ascii(rec.as_slice()) else {
            return false;
        };
        if code_point_at(rec.as_slice(), first)
            .is_some_and(|cp| !crate::io::gbk::may_begin_utf8(cp))
        {
            return false;
        }
        let mut chinese = false;
        for cell in rec.iter().filter(|c| !c.is_ascii()) {
            let (usual, cjk) = match self.memo.get(cell) {
                Some(&seen) => seen,
                None => {
                    let seen = utf8_reading(enc, cell).map_or((false, false), |t| {
                        (t.chars().all(usual_char), t.chars().any(cjk_char))
                    });
                    if self.memo.len() < Self::KEPT {
                        self.memo.insert(cell.to_vec(), seen);
                    }
                    seen
                }
            };
            if !usual {
                return false;
            }
            chinese |= cjk;
        }
        chinese
    }
}

/// Where the first byte that is not ASCII is, eight bytes at a time.
fn first_not_ascii(bytes: &[u8]) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let high = u64::from_le_bytes(word.try_into().expect("eight bytes")) & HIGH;
        if high != 0 {
            return Some(at + high.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = words.remainder();
    rest.iter().position(|b| !b.is_ascii()).map(|p| at + p)
}

/// The code point of the two- or three-byte UTF-8 character at `at`;
/// `None` for anything else (a four-byte one, bytes that are not UTF-8).
fn code_point_at(bytes: &[u8], at: usize) -> Option<u32> {
    let lead = *bytes.get(at)?;
    let (len, mut cp) = match lead {
        0xC2..=0xDF => (2, u32::from(lead & 0x1F)),
        0xE0..=0xEF => (3, u32::from(lead & 0x0F)),
        _ => return None,
    };
    for k in 1..len {
        let b = *bytes.get(at + k)?;
        if b & 0xC0 != 0x80 {
            return None;
        }
        cp = cp << 6 | u32::from(b & 0x3F);
    }
    Some(cp)
}

fn cjk_char(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{33FF}' | '\u{FF00}'..='\u{FFEF}')
}

fn usual_char(c: char) -> bool {
    c.is_ascii() || cjk_char(c) || matches!(c, '\u{A0}'..='\u{FF}' | '\u{2000}'..='\u{206F}')
}

/// The rows a quote took in, re-read one per physical line. When every
/// line of the record has exactly the header's number of fields, the quote
/// was a stray one (typed by hand, never closed or closed by another stray
/// one further down) and these are the rows the file meant: each is scored
/// rather than lost. `None` when the lines do not look like rows (a real
/// multi-line cell, such as a comment): then the record stays as read.
/// A single line is re-read only when that changes its fields (a quote
/// left open in a middle cell of the file's last line took in the
/// delimiters after it).
///
/// The text is the record's cells joined by the delimiter: inside the
/// quote the `csv` crate copied the lines as they are, and any other `"`
/// would have closed it, so this is the text of those lines without the
/// stray quotes. It is read without quoting, so nothing is taken in again.
/// Rows are handed out one at a time (`Reread::next`): memory stays the
/// record's text, and each line is scanned a bounded number of times.
pub fn reread_lines(rec: &Record, line: u64, delimiter: u8, headers: usize) -> Option<Reread> {
    // with two columns, a cell whose lines each hold one delimiter would
    // pass for rows: too weak a sign to split a record on
    if headers < 3 {
        return None;
    }
    let mut text = Vec::with_capacity(rec.as_slice().len() + rec.len());
    for (i, cell) in rec.iter().enumerate() {
        if i > 0 {
            text.push(delimiter);
        }
        text.extend_from_slice(cell);
    }
    let builder = || {
        let mut b = csv::ReaderBuilder::new();
        b.has_headers(false)
            .flexible(true)
            .quoting(false)
            .delimiter(delimiter);
        b
    };
    // first pass: are these lines rows? (nothing kept)
    let mut check = builder().from_reader(text.as_slice());
    let mut row = csv::ByteRecord::new();
    let mut rows = 0u64;
    while check.read_byte_record(&mut row).ok()? {
        if row.len() != headers {
            return None;
        }
        rows += 1;
    }
    if rows == 0 || (rows == 1 && rec.len() == headers) {
        return None;
    }
    Some(Reread {
        reader: builder().from_reader(std::io::Cursor::new(text)),
        raw: csv::ByteRecord::new(),
        line,
        rows,
        scanned: 0,
        lines_before: 0,
    })
}

/// The rows of `reread_lines`, read one at a time.
pub struct Reread {
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    raw: csv::ByteRecord,
    /// The physical line the text starts on.
    line: u64,
    /// How many rows the text holds.
    pub rows: u64,
    /// Bytes of the text whose line breaks are counted in `lines_before`:
    /// each row counts only the breaks since the previous one (counting
    /// from the start each time made a long stray quote quadratic).
    scanned: usize,
    lines_before: u64,
}

impl Reread {
    /// The next row into `row`, with the line it is on; `None` after the
    /// last.
    pub fn next(&mut self, row: &mut Record) -> Option<RecordInfo> {
        if !self.reader.read_byte_record(&mut self.raw).ok()? {
            return None;
        }
        *row = Record::from(&self.raw);
        let text = self.reader.get_ref().get_ref();
        // lines before this row in the text (the `csv` crate's own count
        // stops short of a CRLF's `\n`)
        let at = row.position().map_or(0, csv::Position::byte);
        let at = usize::try_from(at).unwrap_or(text.len()).min(text.len());
        let from = self.scanned.min(at);
        self.lines_before += memchr::memchr_iter(b'\n', &text[from..at]).count() as u64;
        self.scanned = at;
        let own_break = u64::from(text.get(at) == Some(&b'\n'));
        if own_break == 1 {
            // counted here, so not again from `scanned` on
            self.scanned = at + 1;
        }
        self.lines_before += own_break;
        Some(RecordInfo {
            line: self.line + self.lines_before,
            ..RecordInfo::default()
        })
    }
}

/// The finder for U+FFFD that `Decoding::any_undecodable` takes.
pub fn replacement_finder() -> memchr::memmem::Finder<'static> {
    memchr::memmem::Finder::new(REPLACEMENT)
}

/// Report every cell of `rec` that does not decode, in `bad`, and replace
/// its invalid bytes by U+FFFD so nothing raw reaches an output. A cell the
/// answer reader already reported (an answer: invalid, so missing) gets the
/// decoding message instead of its own. Cold: only for records flagged
/// `undecodable`.
pub fn undecodable_cells(rec: &mut Record, decoding: Decoding, bad: &mut Vec<BadCell>) {
    if let Decoding::Transcoded(enc) = decoding {
        if mixes_utf8_around(enc, rec) {
            mixed_cells(rec, enc, bad);
        }
    }
    let mut fixed = Record::with_capacity(rec.as_slice().len(), rec.len());
    let mut changed = false;
    for (c, cell) in rec.iter().enumerate() {
        if !decoding.cell_undecodable(cell) {
            fixed.push_field(cell);
            continue;
        }
        let what = decoding.describe(cell);
        match bad.iter_mut().find(|b| b.column == c) {
            Some(b) => b.message = tr!("{what}; counted as missing", "{what}；按缺失计"),
            None => bad.push(BadCell::new(
                c,
                cell,
                tr!("{what}; they are shown as �", "{what}；显示为 �"),
            )),
        }
        let lossy = String::from_utf8_lossy(cell);
        changed |= lossy.len() != cell.len() || lossy.as_bytes() != cell;
        fixed.push_field(lossy.as_bytes());
    }
    if changed {
        fixed.set_position(rec.position().cloned());
        *rec = fixed;
    }
}

/// Report every non-ASCII cell of a record whose bytes were UTF-8 in a
/// file read as `enc`: read as `enc` it is garbled, so it is never taken
/// silently; an answer is counted as missing (the answer reader already
/// found it invalid), any other cell is kept as read.
fn mixed_cells(rec: &Record, enc: &'static Encoding, bad: &mut Vec<BadCell>) {
    for (c, cell) in rec.iter().enumerate() {
        let Some(utf8) = utf8_reading(enc, cell) else {
            continue;
        };
        let (name, utf8) = (enc.name(), crate::printable::printable_line(utf8.trim()));
        let what = tr!(
            "is read as {name}, but this line is valid UTF-8, where it reads \"{utf8}\": the file mixes encodings; save it in one and score again",
            "按 {name} 读出，但这一行是有效的 UTF-8，按 UTF-8 读作“{utf8}”：文件混用了编码；请统一存为一种编码后重新评分"
        );
        match bad.iter_mut().find(|b| b.column == c) {
            Some(b) => b.message = tr!("{what}; counted as missing", "{what}；按缺失计"),
            None => bad.push(BadCell::new(
                c,
                cell,
                tr!("{what}; kept as read", "{what}；按读到的原样保留"),
            )),
        }
    }
}

/// `row N (line L): …` for a record that runs over several physical
/// lines: where it starts and ends, in which column, and how many lines it
/// took in. Rows are numbered as a spreadsheet shows them (one row per
/// record), lines as a text editor does.
pub fn span_message(row: u64, info: &RecordInfo, rec: &Record, headers: &[String]) -> String {
    let column = column_name(info.column, headers);
    // line numbers, when the reader could count them (not with lone CRs)
    let known = info.line > 0;
    let at = |first: u64, last: u64| {
        if known {
            let lines = line_range(first, last);
            tr!(" ({lines})", "（{lines}）")
        } else {
            String::new()
        }
    };
    let taken_in = if known {
        line_range(info.line + 1, info.end_line())
    } else {
        let breaks = info.breaks;
        tr!("{breaks} line(s)", "{breaks} 行")
    };
    if info.reread == 1 {
        // the file's last line, its quote opening a cell before the last
        let (here, fields) = (at(info.line, info.line), rec.len());
        return tr!(
            "row {row}{here}, column {column}: a quote opens here and is never closed (the file ends \
             inside it), so the rest of the line was read as one cell; without the quote the line \
             holds the header's {fields} fields, so it is scored as them; remove the stray `\"` and \
             check this row",
            "第 {row} 行{here}，「{column}」列：一个引号在此开始且从未闭合（文件在引号内结束），\
             所以这一行的其余部分被读成了一个单元格；去掉这个引号后，这一行正好有表头的 {fields} 个\
             字段，所以按这些字段评分；请删去多余的 `\"` 并检查这一行"
        );
    }
    if info.reread > 0 {
        let end = info.end_line();
        let opens = if info.unclosed {
            tr!("opens here and is never closed", "在此开始且从未闭合")
        } else if known {
            tr!(
                "opens here and closes only on line {end}",
                "在此开始，直到第 {end} 行才闭合"
            )
        } else {
            tr!(
                "opens here and closes only lines later",
                "在此开始，几行之后才闭合"
            )
        };
        let lines = if known {
            line_range(info.line, end)
        } else {
            tr!("the lines it took in", "它包含的各行")
        };
        let (here, reread, fields) = (at(info.line, info.line), info.reread, rec.len());
        let last = row + info.reread - 1;
        return tr!(
            "row {row}{here}, column {column}: a quote {opens}; {lines} were read as one cell, but they \
             hold {reread} rows of {fields} fields each, so each line is scored as its own row (rows {row}–{last}); \
             remove the stray `\"` and check those rows",
            "第 {row} 行{here}，「{column}」列：一个引号{opens}；{lines}被读成了一个单元格，但其中是 \
             {reread} 行、每行 {fields} 个字段，所以每行按单独一行评分（第 {row}–{last} 行）；\
             请删去多余的 `\"` 并检查这些行"
        );
    }
    let here = at(info.line, info.line);
    match (info.unclosed, info.breaks) {
        (true, 0) => tr!(
            "row {row}{here}, column {column}: a quote opens here and is never closed (the file ends \
             inside it); check this cell and close the quote",
            "第 {row} 行{here}，「{column}」列：一个引号在此开始且从未闭合（文件在引号内结束）；\
             请检查此单元格并闭合引号"
        ),
        (true, _) => tr!(
            "row {row}{here}, column {column}: a quote opens here and is never closed, so the rest of \
             the file ({taken_in}) was read as this one cell and any rows there were not scored; \
             remove the stray `\"` or close it, and score again",
            "第 {row} 行{here}，「{column}」列：一个引号在此开始且从未闭合，所以文件的其余部分\
             （{taken_in}）被读成了这一个单元格，其中的行都没有评分；请删去多余的 `\"` 或将其闭合，\
             然后重新评分"
        ),
        (false, _) => {
            let (span, breaks) = (at(info.line, info.end_line()), info.breaks);
            let were = if info.breaks == 1 { "was" } else { "were" };
            tr!(
                "row {row}{span}, column {column}: a quoted cell runs over {breaks} line break(s), so {taken_in} \
                 {were} read as part of this one row and any rows there were not scored; if a `\"` there \
                 was not meant to open a quote, remove it and score again (rows are numbered as a \
                 spreadsheet shows them: one per record, not per line)",
                "第 {row} 行{span}，「{column}」列：一个带引号的单元格跨越了 {breaks} 个换行，所以{taken_in}\
                 被读成了这一行的一部分，其中的行都没有评分；如果那里的 `\"` 不是要开始引号，\
                 请删去它并重新评分（行号与电子表格一致：每条记录一行，而不是每个物理行）"
            )
        }
    }
}

/// A row whose number of fields differs from the header's.
pub fn ragged_message(row: u64, fields: usize, headers: usize) -> String {
    if fields > headers {
        let extra = fields - headers;
        tr!(
            "row {row}: has {fields} field(s), but the header has {headers}; the {extra} extra field(s) are ignored",
            "第 {row} 行：有 {fields} 个字段，但表头有 {headers} 个；多出的 {extra} 个字段被忽略"
        )
    } else {
        tr!(
            "row {row}: has {fields} field(s), but the header has {headers}; absent fields count as missing",
            "第 {row} 行：有 {fields} 个字段，但表头有 {headers} 个；缺少的字段按缺失计"
        )
    }
}

fn line_range(first: u64, last: u64) -> String {
    if first == last {
        // "文件第": 行 is both a row and a line, and these are the file's lines
        tr!("line {first}", "文件第 {first} 行")
    } else {
        tr!("lines {first}–{last}", "文件第 {first}–{last} 行")
    }
}

fn column_name(c: usize, headers: &[String]) -> String {
    match headers.get(c) {
        Some(h) if !h.is_empty() => crate::printable::printable_line(h).into_owned(),
        _ => format!("#{}", c + 1),
    }
}

/// The cell where the quote of a record that runs over lines opens: an
/// open quote takes in everything after it, so with `unclosed` it is the
/// last cell; otherwise the first with a line break.
pub fn quote_column(rec: &Record, unclosed: bool) -> usize {
    if unclosed {
        return rec.len().saturating_sub(1);
    }
    rec.iter()
        .position(|f| f.contains(&b'\n') || f.contains(&b'\r'))
        .unwrap_or(0)
}

/// Line breaks a person sees inside the cells: `\n`, `\r\n`, or a lone `\r`.
pub fn count_breaks(bytes: &[u8]) -> u64 {
    let mut n = 0;
    let mut prev_cr = false;
    for &b in bytes {
        match b {
            b'\n' if prev_cr => {}
            b'\n' | b'\r' => n += 1,
            _ => {}
        }
        prev_cr = b == b'\r';
    }
    n
}

/// Does a CSV text that starts at a record boundary end inside a quoted
/// field? The same states as the `csv` crate: a `"` opens a quote only at
/// the start of a field, `""` inside quotes is one quote, and text after a
/// closing quote is plain.
pub fn ends_inside_quotes(bytes: &[u8], delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Plain,
        Quoted,
        QuoteInQuoted,
    }
    let boundary = |b: u8| b == delimiter || b == b'\n' || b == b'\r';
    let mut state = State::FieldStart;
    for &b in bytes {
        state = match state {
            State::FieldStart if b == b'"' => State::Quoted,
            State::FieldStart | State::Plain if boundary(b) => State::FieldStart,
            State::FieldStart | State::Plain => State::Plain,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted if boundary(b) => State::FieldStart,
            State::QuoteInQuoted => State::Plain,
        };
    }
    state == State::Quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_are_counted_as_an_editor_shows_them() {
        assert_eq!(count_breaks(b"a,b"), 0);
        assert_eq!(count_breaks(b"a\nb\r\nc\rd"), 3);
    }

    #[test]
    fn quotes_left_open_at_the_end() {
        assert!(ends_inside_quotes(b"S1,1,\"0", b','));
        assert!(ends_inside_quotes(b"\"S5,1,2\nS6,0,1\n", b','));
        assert!(!ends_inside_quotes(b"S1,\"a,b\",2", b','));
        assert!(!ends_inside_quotes(b"S1,\"say \"\"hi\"\"\",2", b','));
        assert!(ends_inside_quotes(b"S1,\"say \"\"hi", b','));
        // a quote inside a plain field is a plain character
        assert!(!ends_inside_quotes(b"S1,5\",2", b','));
        assert!(!ends_inside_quotes(b"\n\"a\"x\"", b','));
        assert!(ends_inside_quotes(b"a;\"b", b';'));
        assert!(!ends_inside_quotes(b"a,\"b", b';'));
    }

    #[test]
    fn lines_taken_in_are_re_read_only_when_they_are_rows() {
        // `S5,1,"2` … closed by `S7"`: the record the csv crate makes
        let rec = Record::from(vec!["S5", "1", "2\nS6,0,0\r\nS7", "3,3"]);
        let got = all_rows(reread_lines(&rec, 6, b',', 3).unwrap());
        let want: Vec<(Vec<Vec<u8>>, u64)> = vec![
            (vec![b"S5".to_vec(), b"1".to_vec(), b"2".to_vec()], 6),
            (vec![b"S6".to_vec(), b"0".to_vec(), b"0".to_vec()], 7),
            (vec![b"S7".to_vec(), b"3".to_vec(), b"3".to_vec()], 8),
        ];
        assert_eq!(got, want);
        // a comment with a line break: its lines are no rows
        let rec = Record::from(vec!["a", "1", "line one\nline two"]);
        assert!(reread_lines(&rec, 2, b',', 3).is_none());
        let rec = Record::from(vec!["a,1\nb", "2"]);
        assert!(
            reread_lines(&rec, 2, b',', 2).is_none(),
            "two columns: never"
        );
    }

    fn all_rows(mut reread: Reread) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut row = Record::new();
        let mut got = Vec::new();
        while let Some(info) = reread.next(&mut row) {
            got.push((row.iter().map(<[u8]>::to_vec).collect(), info.line));
        }
        assert_eq!(got.len() as u64, reread.rows);
        got
    }

    /// Each row's line is counted from the previous row's (issue: a stray
    /// quote over 250 000 lines took 19 s, counting from the start for
    /// every row); the numbers stay those of the whole text, LF or CRLF.
    #[test]
    fn re_read_lines_are_numbered_in_one_pass() {
        for nl in ["\n", "\r\n"] {
            let lines: Vec<String> = (0..1000).map(|i| format!("S{i},{i},0")).collect();
            let rec = Record::from(vec![lines.join(nl)]);
            let got = all_rows(reread_lines(&rec, 3, b',', 3).unwrap());
            assert_eq!(got.len(), 1000);
            for (i, (cells, line)) in got.iter().enumerate() {
                assert_eq!(*line, 3 + i as u64, "{nl:?}");
                assert_eq!(cells[0], format!("S{i}").into_bytes());
            }
        }
    }

    /// The file's last line, a quote left open in a middle cell: re-read
    /// when that gives the header's fields; a quote in the last cell
    /// changes nothing, so the record stays.
    #[test]
    fn a_single_line_is_re_read_only_when_its_fields_change() {
        let rec = Record::from(vec!["S2", "0", "0,3\n"]);
        let got = all_rows(reread_lines(&rec, 4, b',', 4).unwrap());
        let want = vec![b"S2".to_vec(), b"0".to_vec(), b"0".to_vec(), b"3".to_vec()];
        assert_eq!(got, vec![(want, 4)]);
        let rec = Record::from(vec!["S2", "0", "0", "3"]);
        assert!(reread_lines(&rec, 4, b',', 4).is_none());
    }

    #[test]
    fn undecodable_cells_are_reported_and_replaced() {
        let (gbk, _, _) = encoding_rs::GBK.encode("学生");
        let mut rec = Record::new();
        rec.push_field(b"ok");
        rec.push_field(&[b"S", &gbk[..]].concat());
        rec.push_field(b"\xff");
        let finder = replacement_finder();
        assert!(Decoding::Utf8.any_undecodable(rec.as_slice(), &finder));
        let mut bad = vec![BadCell::new(2, b"\xff", "is not a valid answer".into())];
        undecodable_cells(&mut rec, Decoding::Utf8, &mut bad);
        assert_eq!(rec.get(1), Some("S\u{467}\u{FFFD}\u{FFFD}".as_bytes()));
        assert_eq!(rec.get(2), Some("\u{FFFD}".as_bytes()));
        assert!(std::str::from_utf8(rec.as_slice()).is_ok());
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].column, 2);
        assert!(bad[0].message.ends_with("; counted as missing"), "{bad:?}");
        assert_eq!(
            bad[1].message,
            "is not valid UTF-8 (as GBK it reads \"S学生\": if the file is GBK, give --encoding gbk); they are shown as �"
        );
    }

    /// A UTF-8 line with a cell that is no GB18030 (`一班`: its bytes are
    /// lost as U+FFFD) still has its other cells read back as UTF-8: the
    /// answer `几乎每天` (3, on item 9) is named, not only garbled.
    #[test]
    fn utf8_cells_around_one_that_did_not_decode_are_read_back() {
        let d = Decoding::Transcoded(encoding_rs::GB18030);
        let read = |t: &str| encoding_rs::GB18030.decode(t.as_bytes()).0.into_owned();
        let (class, answer) = (read("一班"), read("几乎每天"));
        assert!(class.contains('\u{FFFD}') && !answer.contains('\u{FFFD}'));
        let mut rec = Record::from(vec!["s1", class.as_str(), answer.as_str()]);
        let mut bad = vec![BadCell::new(2, answer.as_bytes(), "not an answer".into())];
        undecodable_cells(&mut rec, d, &mut bad);
        let messages: Vec<(usize, &str)> =
            bad.iter().map(|b| (b.column, b.message.as_str())).collect();
        assert_eq!(
            messages,
            [
                (
                    2,
                    "is read as gb18030, but this line is valid UTF-8, where it reads \"几乎每天\": \
                     the file mixes encodings; save it in one and score again; counted as missing"
                ),
                (1, "has bytes that are not valid gb18030; they are shown as �"),
            ]
        );
        // a real GBK line with one bad cell is no UTF-8 line
        let name = encoding_rs::GBK.encode("张三").0.into_owned();
        let name = encoding_rs::GB18030.decode(&name).0.into_owned();
        let mut rec = Record::from(vec![name.as_str(), class.as_str()]);
        let mut bad = Vec::new();
        undecodable_cells(&mut rec, d, &mut bad);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].column, 1);
    }

    /// A GB18030 file whose later lines are UTF-8: each such cell is
    /// reported with its UTF-8 reading; GBK text is left alone.
    #[test]
    fn utf8_lines_in_a_gbk_file_are_reported() {
        let d = Decoding::Transcoded(encoding_rs::GB18030);
        let finder = replacement_finder();
        // 李四 in UTF-8, read as GB18030
        let (garbled, _, _) = encoding_rs::GB18030.decode("李四".as_bytes());
        let mut rec = Record::from(vec![garbled.as_ref(), "0", "3"]);
        assert!(d.any_undecodable(rec.as_slice(), &finder));
        let mut bad = Vec::new();
        undecodable_cells(&mut rec, d, &mut bad);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].column, 0);
        assert_eq!(
            bad[0].message,
            "is read as gb18030, but this line is valid UTF-8, where it reads \"李四\": the file \
             mixes encodings; save it in one and score again; kept as read"
        );
        assert_eq!(rec.get(0), Some(garbled.as_bytes()), "kept as read");
        // real GBK text (names, labels, punctuation) is no UTF-8
        let gbk = Decoding::Transcoded(encoding_rs::GBK);
        for text in [
            "张三",
            "李四",
            "王小明",
            "欧阳娜娜",
            "几乎每天",
            "学号，班级",
            "完全不会",
        ] {
            let (bytes, _, _) = encoding_rs::GBK.encode(text);
            let (read, _, _) = encoding_rs::GBK.decode(&bytes);
            assert_eq!(read, text);
            assert!(!d.any_undecodable(read.as_bytes(), &finder), "{text}");
            assert!(!gbk.any_undecodable(read.as_bytes(), &finder), "{text}");
        }
        // other encodings are not second-guessed
        let big5 = Decoding::Transcoded(encoding_rs::BIG5);
        assert!(!big5.any_undecodable(garbled.as_bytes(), &finder));
    }

    /// What `MixedCells::record` answers, computed without its memo or
    /// its first-character shortcut: every non-ASCII cell reads as usual
    /// UTF-8, and some cell holds Chinese.
    fn mixes_cell_by_cell(enc: &'static Encoding, rec: &Record) -> bool {
        let mut chinese = false;
        for cell in rec.iter().filter(|c| !c.is_ascii()) {
            let Some(text) = utf8_reading(enc, cell) else {
                return false;
            };
            if !text.chars().all(usual_char) {
                return false;
            }
            chinese |= text.chars().any(cjk_char);
        }
        chinese
    }

    /// A cell of a GB18030 file as the reader has it: Chinese or other
    /// text written in GB18030, or UTF-8 bytes read as GB18030.
    fn read_cell() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let chars = prop_oneof![
            4 => proptest::char::range('\u{4E00}', '\u{9FFF}'),
            1 => proptest::char::range('\u{80}', '\u{FFFF}'),
            1 => proptest::char::range('0', 'z'),
            1 => proptest::sample::select(vec!['秒', '完', '全', '不', '会', '，', '€', '😀']),
        ];
        let text = proptest::collection::vec(chars, 0..6).prop_map(String::from_iter);
        (text, any::<bool>()).prop_map(|(text, utf8)| {
            let bytes = if utf8 {
                text.into_bytes()
            } else {
                encoding_rs::GB18030.encode(&text).0.into_owned()
            };
            encoding_rs::GB18030
                .decode_without_bom_handling(&bytes)
                .0
                .into_owned()
        })
    }

    /// UTF-8 cells in a GB18030 row are found whether or not their first
    /// character is ruled out at once; a row of GB18030 labels is not.
    #[test]
    fn mixed_records_are_found_with_or_without_the_shortcut() {
        let gb = encoding_rs::GB18030;
        let garbled = |t: &str| gb.decode_without_bom_handling(t.as_bytes()).0.into_owned();
        let mut mixed = MixedCells::default();
        for (cells, want) in [
            (vec!["1".to_string(), garbled("李四"), "0".into()], true),
            (vec![garbled("学号"), garbled("完全不会")], true),
            // (odd bytes: a U+FFFD, which is no UTF-8 once encoded back)
            (vec![garbled("61秒"), garbled("完全不会")], false),
            (vec!["61秒".into(), "完全不会".into()], false),
            (vec!["S1".into(), "好几天".into(), garbled("李四")], false),
            (vec![garbled("李四"), "好几天".into()], false),
            (vec!["plain".into(), "ascii".into()], false),
        ] {
            let rec = Record::from(cells.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(
                mixes_cell_by_cell(gb, &rec) && !rec.as_slice().is_ascii(),
                want,
                "{cells:?}"
            );
            assert_eq!(mixed.record(gb, &rec), want, "{cells:?}");
        }
        // the first character of a UTF-8 cell read as GB18030 is never
        // ruled out: its GB18030 bytes are the UTF-8 ones
        let firsts: Vec<bool> = ["李四", "王小明", "张三", "学号", "完全不会"]
            .iter()
            .map(|t| {
                let c = garbled(t).chars().next().unwrap();
                crate::io::gbk::may_begin_utf8(c.into())
            })
            .collect();
        assert!(firsts.iter().all(|&may| may), "{firsts:?}");
    }

    proptest::proptest! {
        /// Records of such cells: the memo (kept across records) and the
        /// shortcut give the answer of the cell-by-cell reading.
        #[test]
        fn mixed_records_are_found_as_cell_by_cell(
            records in proptest::collection::vec(proptest::collection::vec(read_cell(), 1..6), 1..8),
        ) {
            let mut mixed = MixedCells::default();
            for cells in &records {
                let rec = Record::from(cells.iter().map(String::as_str).collect::<Vec<_>>());
                for enc in [encoding_rs::GB18030, encoding_rs::GBK, encoding_rs::BIG5] {
                    let want = rec.as_slice().iter().any(|b| !b.is_ascii())
                        && mixes_cell_by_cell(enc, &rec);
                    proptest::prop_assert_eq!(mixed.record(enc, &rec), want, "{:?}", cells);
                }
            }
        }

        #[test]
        fn the_first_character_beyond_ascii_is_found(text in "\\PC{0,40}") {
            let bytes = text.as_bytes();
            let want = text.char_indices().find(|(_, c)| !c.is_ascii());
            let at = first_not_ascii(bytes);
            proptest::prop_assert_eq!(at, want.map(|(i, _)| i));
            if let Some((i, c)) = want {
                let cp = u32::from(c);
                let expected = (cp <= 0xFFFF).then_some(cp);
                proptest::prop_assert_eq!(code_point_at(bytes, i), expected);
            }
        }
    }

    #[test]
    fn transcoded_replacements_are_found() {
        let finder = replacement_finder();
        let d = Decoding::Transcoded(encoding_rs::GB18030);
        assert!(!d.any_undecodable("学生，".as_bytes(), &finder));
        assert!(d.any_undecodable("学\u{FFFD}".as_bytes(), &finder));
        let mut rec = Record::from(vec!["a", "学\u{FFFD}"]);
        let mut bad = Vec::new();
        undecodable_cells(&mut rec, d, &mut bad);
        assert_eq!(bad[0].column, 1);
        assert_eq!(
            bad[0].message,
            "has bytes that are not valid gb18030; they are shown as �"
        );
    }
}
