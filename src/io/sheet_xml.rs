//! A lean reader of an xlsx worksheet's XML, giving each cell as the text
//! calamine's cell reader (through `xlsx::render`) would, byte for byte,
//! but for a whole number of 16 or more digits: written as the file holds
//! it, where calamine's `f64` rounds it (`is_plain_integer`).
//!
//! It reads only what plain exports hold: numbers, shared strings (rich
//! text runs too), inline strings of one `<t>`, booleans, `str` formula
//! results, styles whose number format is a built-in non-date one, in
//! unprefixed markup. Anything else (dates, custom number formats, error
//! cells, rich inline text, `_x00HH_` escapes, odd references, any XML
//! error) is `Outside`: the caller then lets calamine read the sheet on
//! from the first cell not handed on, so odd files read and fail exactly
//! as before. Rows are scanned as bytes, whole `<row>` elements at a time
//! (at most `MAX_ROW_XML` each): quick-xml's events cost about 1 µs a cell.
//! The cells nearly every export writes are read in one pass
//! (`quick_cell`; an answer, a whole number in the row of the cell before,
//! with a few word compares, `number_cell`), the rest by `Cells::cell`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek};

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

/// The sheet holds something this reader leaves to calamine.
#[derive(Debug, PartialEq, Eq)]
pub struct Outside;

type Fast<T> = Result<T, Outside>;

/// What is read once per workbook: the shared strings (`None` for one
/// this reader does not render as calamine would) and, per style, whether
/// a number in it is a plain number.
pub struct Book {
    strings: Vec<Option<String>>,
    plain_style: Vec<bool>,
    /// The worksheet part of each sheet, by name, in the workbook's order.
    parts: Vec<(String, String)>,
}

fn reader<R: BufRead>(r: R) -> Reader<R> {
    // calamine's settings, so the same events come out
    let mut xml = Reader::from_reader(r);
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

fn part<'z, R: Read + Seek>(
    zip: &'z mut zip::ZipArchive<R>,
    name: &str,
) -> Fast<Option<Reader<BufReader<zip::read::ZipFile<'z, R>>>>> {
    match part_index(zip, name) {
        None => Ok(None),
        Some(i) => Ok(Some(reader(BufReader::with_capacity(
            1 << 16,
            zip.by_index(i).map_err(|_| Outside)?,
        )))),
    }
}

fn attr<'a>(e: &'a BytesStart<'_>, key: &[u8]) -> Fast<Option<std::borrow::Cow<'a, [u8]>>> {
    for a in e.attributes() {
        let a = a.map_err(|_| Outside)?;
        if a.key.as_ref() == key {
            return Ok(Some(a.value));
        }
    }
    Ok(None)
}

/// The worksheet part of each sheet, by name, in the workbook's order,
/// read from the workbook and its relationships (each read whole, at most
/// `MAX_INDEX_XML`: larger ones are left to calamine).
fn sheet_parts<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Fast<Vec<(String, String)>> {
    let mut buf = Vec::new();
    // relationships: id -> target
    let mut rels = HashMap::new();
    {
        let text = small_part(zip, "xl/_rels/workbook.xml.rels")?;
        let mut xml = reader(&text[..]);
        loop {
            match xml.read_event_into(&mut buf).map_err(|_| Outside)? {
                Event::Start(e) if e.local_name().as_ref() == b"Relationship" => {
                    let id = attr(&e, b"Id")?.unwrap_or_default().into_owned();
                    let target = attr(&e, b"Target")?.unwrap_or_default();
                    let target = String::from_utf8(target.into_owned()).map_err(|_| Outside)?;
                    rels.insert(id, target);
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
    }
    let mut parts = Vec::new();
    let text = small_part(zip, "xl/workbook.xml")?;
    let mut xml = reader(&text[..]);
    loop {
        match xml.read_event_into(&mut buf).map_err(|_| Outside)? {
            Event::Start(e) if e.local_name().as_ref() == b"sheet" => {
                let name = e
                    .try_get_attribute("name")
                    .map_err(|_| Outside)?
                    .ok_or(Outside)?
                    .decode_and_unescape_value(xml.decoder())
                    .map_err(|_| Outside)?
                    .into_owned();
                let id = match attr(&e, b"r:id")? {
                    Some(id) => id.into_owned(),
                    None => attr(&e, b"relationships:id")?.ok_or(Outside)?.into_owned(),
                };
                let r = rels.get(&id).ok_or(Outside)?;
                let path = if let Some(p) = r.strip_prefix('/') {
                    p.to_string()
                } else if r.starts_with("xl/") {
                    r.clone()
                } else {
                    format!("xl/{r}")
                };
                parts.push((name, path));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(parts)
}

/// The most the workbook part or its relationships may hold for this
/// reader (real ones hold a few KiB).
const MAX_INDEX_XML: u64 = 4 << 20;

/// A small part read whole, before the archive is checked: at most
/// `MAX_INDEX_XML`, whatever its header says.
fn small_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Fast<Vec<u8>> {
    let index = part_index(zip, name).ok_or(Outside)?;
    let file = zip.by_index(index).map_err(|_| Outside)?;
    if file.size() > MAX_INDEX_XML {
        return Err(Outside);
    }
    let mut text = Vec::new();
    file.take(MAX_INDEX_XML + 1)
        .read_to_end(&mut text)
        .map_err(|_| Outside)?;
    if text.len() as u64 > MAX_INDEX_XML {
        return Err(Outside);
    }
    Ok(text)
}

/// The index of part `name` in the zip, found as calamine finds it
/// (ignoring case and `\` for `/`).
fn part_index<R: Read + Seek>(zip: &zip::ZipArchive<R>, name: &str) -> Option<usize> {
    let found = zip
        .file_names()
        .find(|n| n.replace('\\', "/").eq_ignore_ascii_case(name))?;
    zip.index_for_name(found)
}

/// The index of the worksheet part of `sheet` (or the first sheet), read
/// before anything else is: the part the lean reader will read, so the one
/// whose limits can be checked as it is read. `None` when unsure.
pub fn first_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    sheet: Option<&str>,
) -> Option<usize> {
    let parts = sheet_parts(zip).ok()?;
    let path = match sheet {
        Some(s) => &parts.iter().find(|(n, _)| n == s)?.1,
        None => &parts.first()?.1,
    };
    part_index(zip, path)
}

impl Book {
    pub fn read<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Fast<Book> {
        let mut buf = Vec::new();
        let parts = sheet_parts(zip)?;
        let plain_style = match part(zip, "xl/styles.xml")? {
            None => Vec::new(),
            Some(mut xml) => read_styles(&mut xml)?,
        };
        let strings = match part(zip, "xl/sharedStrings.xml")? {
            None => Vec::new(),
            Some(mut xml) => {
                let mut strings = Vec::new();
                loop {
                    match xml.read_event_into(&mut buf).map_err(|_| Outside)? {
                        Event::Start(e) if e.local_name().as_ref() == b"si" => {
                            let end = e.name().as_ref().to_vec();
                            strings.push(read_string(&mut xml, &end)?);
                        }
                        Event::End(e) if e.local_name().as_ref() == b"sst" => break,
                        Event::Eof => return Err(Outside),
                        _ => {}
                    }
                    buf.clear();
                }
                strings
            }
        };
        Ok(Book {
            strings,
            plain_style,
            parts,
        })
    }

    /// The index in the zip of the worksheet part of sheet `sheet` (the
    /// first of that name, as calamine finds it).
    pub fn part<R: Read + Seek>(&self, zip: &zip::ZipArchive<R>, sheet: &str) -> Option<usize> {
        let (_, path) = self.parts.iter().find(|(n, _)| n == sheet)?;
        part_index(zip, path)
    }
}

/// Per cell style (`cellXfs`): is its number format a built-in non-date
/// one? Custom formats are left to calamine.
fn read_styles<R: BufRead>(xml: &mut Reader<R>) -> Fast<Vec<bool>> {
    let mut buf = Vec::new();
    let mut custom = Vec::new();
    let mut styles = Vec::new();
    let mut in_xfs = false;
    loop {
        match xml.read_event_into(&mut buf).map_err(|_| Outside)? {
            Event::Start(e) if e.local_name().as_ref() == b"numFmt" => {
                custom.push(attr(&e, b"numFmtId")?.unwrap_or_default().into_owned());
            }
            Event::Start(e) if e.local_name().as_ref() == b"cellXfs" => in_xfs = true,
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_xfs = false,
            Event::Start(e) if in_xfs && e.local_name().as_ref() == b"xf" => {
                let plain = match attr(&e, b"numFmtId")? {
                    None => true,
                    Some(id) => {
                        !custom.iter().any(|c| c[..] == id[..])
                            && !matches!(
                                &id[..],
                                b"14"
                                    | b"15"
                                    | b"16"
                                    | b"17"
                                    | b"18"
                                    | b"19"
                                    | b"20"
                                    | b"21"
                                    | b"22"
                                    | b"45"
                                    | b"46"
                                    | b"47"
                            )
                    }
                };
                styles.push(plain);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(styles)
}

/// An entity as calamine resolves it.
fn entity(e: &BytesRef<'_>, out: &mut String) -> Fast<()> {
    let name = e.decode().map_err(|_| Outside)?;
    if let Some(s) = quick_xml::escape::resolve_xml_entity(&name) {
        out.push_str(s);
        return Ok(());
    }
    match e.resolve_char_ref() {
        Ok(Some(c)) => {
            out.push(c);
            Ok(())
        }
        _ => Err(Outside),
    }
}

/// The text of an `<si>` or `<is>` (runs joined, phonetic runs left out);
/// `None` for text calamine would unescape further (`_x00HH_`).
fn read_string<R: BufRead>(xml: &mut Reader<R>, closing: &[u8]) -> Fast<Option<String>> {
    let mut buf = Vec::new();
    let mut out = String::new();
    let (mut rich, mut phonetic, mut plain_done) = (false, false, false);
    loop {
        match xml.read_event_into(&mut buf).map_err(|_| Outside)? {
            Event::Start(e) if e.local_name().as_ref() == b"r" => rich = true,
            Event::Start(e) if e.local_name().as_ref() == b"rPh" => phonetic = true,
            Event::End(e) if e.name().as_ref() == closing => break,
            Event::End(e) if e.local_name().as_ref() == b"rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == b"t" && !phonetic && !plain_done => {
                let end = e.name().as_ref().to_vec();
                let mut inner = Vec::new();
                loop {
                    match xml.read_event_into(&mut inner).map_err(|_| Outside)? {
                        Event::Text(t) => out.push_str(&t.xml10_content().map_err(|_| Outside)?),
                        Event::GeneralRef(r) => entity(&r, &mut out)?,
                        Event::End(x) if x.name().as_ref() == end => break,
                        Event::Eof => return Err(Outside),
                        _ => {}
                    }
                    inner.clear();
                }
                // calamine keeps only the first `<t>` outside runs
                plain_done = !rich;
            }
            Event::Eof => return Err(Outside),
            _ => {}
        }
        buf.clear();
    }
    if out.contains("_x00") {
        return Ok(None);
    }
    Ok(Some(out))
}

/// `A1` (or `a1`) as a 0-based row and column, as calamine reads it.
fn position(r: &[u8]) -> Fast<(u32, u32)> {
    let mut col = 0u32;
    let mut i = 0;
    while let Some(c) = r.get(i).filter(|c| c.is_ascii_alphabetic()) {
        if i == 3 {
            return Err(Outside);
        }
        col = col * 26 + u32::from(c.to_ascii_uppercase() - b'A') + 1;
        i += 1;
    }
    if i == 0 {
        return Err(Outside);
    }
    Ok((row_number(&r[i..])?, col - 1))
}

/// 1 to 7 digits, as a 0-based row.
fn row_number(digits: &[u8]) -> Fast<u32> {
    if digits.is_empty() || digits.len() > 7 {
        return Err(Outside);
    }
    let mut n = 0u32;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(Outside);
        }
        n = n * 10 + u32::from(d - b'0');
    }
    n.checked_sub(1).ok_or(Outside)
}

/// `<row r="N">` at the start of `xml`, the start tag of nearly every row:
/// N as a 0-based row, and where the content begins, as `tag` and
/// `row_number` read them; `None` for anything else, which they read.
#[inline]
fn plain_row_tag(xml: &[u8]) -> Option<(u32, usize)> {
    if !holds(xml, 0, b"<row r=\"") {
        return None;
    }
    let len = xml.get(8..)?.iter().take(8).position(|&b| b == b'"')?;
    let row = row_number(&xml[8..8 + len]).ok()?;
    (xml.get(9 + len) == Some(&b'>')).then_some((row, 10 + len))
}

/// Does `xml` hold `pat` at `i`? (A fixed-size compare, not a call.)
#[inline]
fn holds<const N: usize>(xml: &[u8], i: usize, pat: &[u8; N]) -> bool {
    xml.get(i..i + N)
        .and_then(|s| <&[u8; N]>::try_from(s).ok())
        .is_some_and(|s| s == pat)
}

/// The start tag at `xml` whose name is `name_len` bytes after `<`: each
/// `key="value"` to `f`, then whether it is empty (`/>`) and where its
/// content begins. Strict: attributes apart by whitespace, names of name
/// characters, each once (calamine refuses a name twice), at most
/// `MAX_ATTRS`, values without `&` or `<`; anything else is `Outside`.
#[inline]
fn tag<'x>(
    xml: &'x [u8],
    name_len: usize,
    mut f: impl FnMut(&'x [u8], &'x [u8]) -> Fast<()>,
) -> Fast<(bool, usize)> {
    let space = |xml: &[u8], mut i: usize| {
        while matches!(xml.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            i += 1;
        }
        i
    };
    let mut seen: [&[u8]; MAX_ATTRS] = [b""; MAX_ATTRS];
    let mut i = 1 + name_len;
    for n in 0.. {
        let before = i;
        i = space(xml, i);
        match *xml.get(i).ok_or(Outside)? {
            b'>' => return Ok((false, i + 1)),
            b'/' if xml.get(i + 1) == Some(&b'>') => return Ok((true, i + 2)),
            _ if i == before => return Err(Outside),
            _ => {}
        }
        let key_at = i;
        while xml
            .get(i)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.'))
        {
            i += 1;
        }
        let key = &xml[key_at..i];
        if n == MAX_ATTRS || seen[..n].contains(&key) {
            return Err(Outside);
        }
        seen[n] = key;
        i = space(xml, i);
        if key.is_empty() || xml.get(i) != Some(&b'=') {
            return Err(Outside);
        }
        i = space(xml, i + 1);
        let quote = *xml.get(i).ok_or(Outside)?;
        if quote != b'"' && quote != b'\'' {
            return Err(Outside);
        }
        let len = xml[i + 1..]
            .iter()
            .position(|&b| b == quote)
            .ok_or(Outside)?;
        let value = &xml[i + 1..i + 1 + len];
        if value.iter().any(|&b| b == b'&' || b == b'<') {
            return Err(Outside);
        }
        f(key, value)?;
        i += len + 2;
    }
    Err(Outside)
}

/// The most attributes a start tag may have for this reader.
const MAX_ATTRS: usize = 8;

/// The most one `<row>` element may take (a full row of long answers is
/// far less); beyond it the sheet is left to calamine.
const MAX_ROW_XML: usize = 16 << 20;

/// Takes a cell (0-based row, column, text); false: no more.
pub type TakeCell<'t> = dyn FnMut(u32, u32, &[u8]) -> anyhow::Result<bool> + 't;

/// How reading stopped.
pub enum Stop {
    /// At `</sheetData>`.
    End,
    /// The taker of cells said no more.
    Enough,
}

/// Cells of one worksheet part, in file order: a byte scanner over whole
/// `<row>` elements (plain markup only; anything else is `Outside`).
pub struct Cells<'b, R: Read> {
    book: &'b Book,
    input: R,
    /// Input read, `buf[at..end]` not yet scanned; the rest is room.
    buf: Vec<u8>,
    at: usize,
    end: usize,
    eof: bool,
    row: u32,
    col: u32,
    text: Vec<u8>,
    digits: RowDigits,
}

/// Bytes read from the part at a time.
const CHUNK: usize = 1 << 18;

/// Input that can hand over its next piece whole, so that `Cells` scans it
/// where it lies instead of copying it into its own buffer (the buffers of
/// the thread that inflates the part, `xlsx::Inflated`). By default none.
pub trait Pieces: Read {
    /// The next piece of input whole: a buffer and where its new bytes
    /// are, `start..end` (not empty), with `start` bytes of room before
    /// them; `None` when there is none (`read` then says why: the end, or
    /// an error).
    fn next_piece(&mut self) -> Option<(Vec<u8>, usize, usize)> {
        None
    }

    /// A buffer done with, to be filled again.
    fn recycle(&mut self, _buf: Vec<u8>) {}
}

impl<T: Pieces + ?Sized> Pieces for &mut T {
    fn next_piece(&mut self) -> Option<(Vec<u8>, usize, usize)> {
        (**self).next_piece()
    }

    fn recycle(&mut self, buf: Vec<u8>) {
        (**self).recycle(buf);
    }
}

impl<R: Read> Pieces for zip::read::ZipFile<'_, R> {}

impl<'b, R: Pieces> Cells<'b, R> {
    /// Past the sheet's head, at its first row.
    pub fn new(book: &'b Book, input: R) -> Fast<Self> {
        let mut head = BufReader::with_capacity(1 << 16, input);
        {
            let mut xml = reader(&mut head);
            // `<sheetData/>` (no rows) is calamine's
            xml.config_mut().expand_empty_elements = false;
            let mut buf = Vec::new();
            loop {
                match xml.read_event_into(&mut buf).map_err(|_| Outside)? {
                    Event::Start(e) if e.name().as_ref() == b"sheetData" => break,
                    Event::Start(e) if e.local_name().as_ref() == b"sheetData" => {
                        return Err(Outside)
                    }
                    Event::Eof => return Err(Outside),
                    _ => {}
                }
                buf.clear();
            }
        }
        // what the head's reader holds beyond `<sheetData>` comes first
        let mut buf = vec![0; CHUNK.max(head.buffer().len() * 2)];
        let end = head.buffer().len();
        buf[..end].copy_from_slice(head.buffer());
        Ok(Cells {
            book,
            input: head.into_inner(),
            buf,
            at: 0,
            end,
            eof: false,
            row: 0,
            col: 0,
            text: Vec::new(),
            digits: RowDigits::default(),
        })
    }

    /// The part's reader (to read it on to its end, or to ask it why it
    /// stopped).
    pub fn input(&mut self) -> &mut R {
        &mut self.input
    }

    /// More input; false at its end.
    fn fill(&mut self) -> Fast<bool> {
        if self.eof {
            return Ok(false);
        }
        if let Some((mut piece, start, end)) = self.input.next_piece() {
            let keep = self.end - self.at;
            if keep <= start {
                // the bytes not scanned yet (part of a row) go just before
                // the new ones, and the piece becomes the buffer
                piece[start - keep..start].copy_from_slice(&self.buf[self.at..self.end]);
                let done = std::mem::replace(&mut self.buf, piece);
                self.input.recycle(done);
                (self.at, self.end) = (start - keep, end);
            } else {
                // no room before it: appended
                self.buf.copy_within(self.at..self.end, 0);
                (self.at, self.end) = (0, keep);
                let n = end - start;
                if self.buf.len() < keep + n {
                    self.buf.resize(keep + n, 0);
                }
                self.buf[keep..keep + n].copy_from_slice(&piece[start..end]);
                self.end += n;
                self.input.recycle(piece);
            }
            return Ok(true);
        }
        if self.at > 0 {
            self.buf.copy_within(self.at..self.end, 0);
            self.end -= self.at;
            self.at = 0;
        }
        if self.buf.len() - self.end < CHUNK / 2 {
            self.buf.resize(self.buf.len() + CHUNK, 0);
        }
        let n = loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Outside),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.end += n;
        Ok(true)
    }

    /// Hand every cell to `take` (0-based row, column, text) until it says
    /// no more or the sheet ends; `count` is how many it was handed.
    pub fn run(
        &mut self,
        count: &mut u64,
        take: &mut TakeCell<'_>,
    ) -> anyhow::Result<Result<Stop, Outside>> {
        loop {
            // the next element, whole
            while self.buf[self.at..self.end]
                .iter()
                .all(u8::is_ascii_whitespace)
            {
                self.at = self.end;
                match self.fill() {
                    Ok(true) => {}
                    _ => return Ok(Err(Outside)),
                }
            }
            while self.buf[self.at].is_ascii_whitespace() {
                self.at += 1;
            }
            let rest = &self.buf[self.at..self.end];
            if rest.starts_with(b"</sheetData>") {
                return Ok(Ok(Stop::End));
            }
            if !(rest.starts_with(b"<row") && rest.len() > 4) {
                if rest.len() < 16 && !self.eof {
                    if !matches!(self.fill(), Ok(true)) {
                        return Ok(Err(Outside));
                    }
                    continue;
                }
                return Ok(Err(Outside));
            }
            let Some(end) = self.row_end() else {
                if self.end - self.at > MAX_ROW_XML || !matches!(self.fill(), Ok(true)) {
                    return Ok(Err(Outside));
                }
                continue;
            };
            let (from, to) = (self.at, self.at + end);
            match self.row(from, to, count, take)? {
                Ok(true) => self.at = to,
                Ok(false) => return Ok(Ok(Stop::Enough)),
                Err(Outside) => return Ok(Err(Outside)),
            }
        }
    }

    /// The length of the `<row>` element at `at`, if it is all here.
    fn row_end(&self) -> Option<usize> {
        let rest = &self.buf[self.at..self.end];
        let tag = memchr::memchr(b'>', rest)?;
        if rest[tag - 1] == b'/' {
            return Some(tag + 1);
        }
        row_close(rest, tag)
    }

    /// One `<row>` element, `buf[from..to]`.
    fn row(
        &mut self,
        from: usize,
        to: usize,
        count: &mut u64,
        take: &mut TakeCell<'_>,
    ) -> anyhow::Result<Result<bool, Outside>> {
        let xml = &self.buf[from..to];
        let (empty, mut i) = if let Some((row, i)) = plain_row_tag(xml) {
            self.row = row;
            (false, i)
        } else {
            let mut row_attr = None;
            let Ok((empty, i)) = tag(xml, 3, |k, v| {
                if k == b"r" {
                    row_attr = Some(v);
                }
                Ok(())
            }) else {
                return Ok(Err(Outside));
            };
            if let Some(r) = row_attr {
                match row_number(r) {
                    Ok(r) => self.row = r,
                    Err(o) => return Ok(Err(o)),
                }
            }
            (empty, i)
        };
        if !empty {
            loop {
                // the answers first, in a loop of their own (what it needs
                // kept in registers): no space, no `</row>` between them
                let (rest, digits) = (&self.buf[from..self.end], &self.digits);
                let (mut taken, mut col) = (0, self.col);
                while let Some(cell) = number_cell(digits, rest, i) {
                    taken += 1;
                    match take(cell.row, cell.col, cell.text) {
                        Ok(true) => (col, i) = (cell.col + 1, cell.end),
                        end => {
                            *count += taken;
                            return end.map(|_| Ok(false));
                        }
                    }
                }
                *count += taken;
                self.col = col;
                let xml = &self.buf[from..to];
                while xml[i].is_ascii_whitespace() {
                    i += 1;
                }
                if holds(xml, i, b"</row>") {
                    break;
                }
                if let Some(cell) = quick_cell(self.book, &mut self.digits, xml, i) {
                    self.col = cell.col + 1;
                    *count += 1;
                    if !take(cell.row, cell.col, cell.text)? {
                        return Ok(Ok(false));
                    }
                    i = cell.end;
                    continue;
                }
                if !(holds(xml, i, b"<c") && matches!(xml[i + 2], b' ' | b'>' | b'/')) {
                    return Ok(Err(Outside));
                }
                let cell = match self.cell(from + i, to) {
                    Ok(c) => c,
                    Err(o) => return Ok(Err(o)),
                };
                i = cell.end - from;
                *count += 1;
                if !take(cell.pos.0, cell.pos.1, &self.text)? {
                    return Ok(Ok(false));
                }
            }
        }
        match self.row.checked_add(1) {
            Some(r) => self.row = r,
            None => return Ok(Err(Outside)),
        }
        self.col = 0;
        Ok(Ok(true))
    }

    /// The `<c>` element at `buf[at..row_end]`: its position; its text into
    /// `self.text`.
    fn cell(&mut self, at: usize, row_end: usize) -> Fast<CellAt> {
        // a cell never reads past its row's end, whatever the markup
        let xml = &self.buf[at..row_end];
        let (mut kind, mut style, mut pos) = (Kind::Number, None, None);
        let (empty, mut i) = tag(xml, 1, |k, v| {
            match k {
                b"r" => pos = Some(position(v)?),
                b"t" => kind = Kind::of(v)?,
                b"s" => style = Some(v),
                _ => {}
            }
            Ok(())
        })?;
        let pos = match pos {
            Some((row, col)) => {
                self.col = col;
                (row, col)
            }
            None => (self.row, self.col),
        };
        let plain = match style {
            None => true,
            Some(s) => {
                // calamine reads a bad index as 0; left to it
                let id = std::str::from_utf8(s)
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                    .ok_or(Outside)?;
                // no such style: calamine reads a plain number
                self.book.plain_style.get(id).copied().unwrap_or(true)
            }
        };
        self.text.clear();
        if !empty {
            let mut value: Option<(usize, usize)> = None;
            let mut inline: Option<(usize, usize)> = None;
            loop {
                while xml.get(i).ok_or(Outside)?.is_ascii_whitespace() {
                    i += 1;
                }
                let rest = &xml[i..];
                if holds(rest, 0, b"</c>") {
                    i += 4;
                    break;
                }
                // the last value child wins, as in calamine
                if holds(rest, 0, b"<v>") {
                    let len = closed_by(&rest[3..], b"</v>")?;
                    value = Some((i + 3, i + 3 + len));
                    inline = None;
                    i += 3 + len + 4;
                } else if holds(rest, 0, b"<v/>") {
                    value = Some((i, i));
                    inline = None;
                    i += 4;
                } else if holds(rest, 0, b"<is><t") && matches!(rest.get(6), Some(b' ' | b'>')) {
                    // `<t>` or `<t xml:space="preserve">`: the text is the same
                    let (_, empty_t, after) = start_tag(&rest[4..], 1)?;
                    if empty_t {
                        return Err(Outside);
                    }
                    let from = 4 + after;
                    let len = closed_by(&rest[from..], b"</t></is>")?;
                    inline = Some((i + from, i + from + len));
                    value = None;
                    i += from + len + 9;
                } else if holds(rest, 0, b"<f") && matches!(rest.get(2), Some(b' ' | b'>' | b'/')) {
                    let (_, empty_f, after) = start_tag(rest, 1)?;
                    i += after;
                    if !empty_f {
                        i += closed_by(&xml[i..], b"</f>")? + 4;
                    }
                    value = None;
                    inline = None;
                } else {
                    return Err(Outside);
                }
            }
            let end = at + i;
            if let Some((a, b)) = inline {
                let t = &xml[a..b];
                if t.contains(&b'<') {
                    return Err(Outside);
                }
                unescape(t, &mut self.text)?;
            } else if let Some((a, b)) = value {
                let v = &xml[a..b];
                if v.contains(&b'<') || v.contains(&b'&') || v.contains(&b'\r') {
                    return Err(Outside);
                }
                render_v(self.book, v, kind, plain, &mut self.text)?;
            }
            self.col = self.col.checked_add(1).ok_or(Outside)?;
            return Ok(CellAt { pos, end });
        }
        self.col = self.col.checked_add(1).ok_or(Outside)?;
        Ok(CellAt { pos, end: at + i })
    }
}

/// The cell at `xml[i..]` when it is a whole number in the row of the
/// cell before (`digits`), with no style: `<c r="C5"><v>1</v></c>` or
/// `<c r="C5" t="n"><v>1</v></c>`, the cells of an export's answers, read
/// with a few word compares at offsets known once the letters are. What
/// `quick_cell` gives for it; `None` for anything else, and for a cell
/// within `NUMBER_CELL` bytes of the end of `xml`, which `quick_cell` reads.
///
/// `xml` may run past the row's end: no cell read here can hold or
/// straddle `</row>` (its only `</` are in `</v></c>`).
#[inline]
fn number_cell<'x>(digits: &RowDigits, xml: &'x [u8], i: usize) -> Option<QuickCell<'x>> {
    // the bytes read below are there: each read's check is against a constant
    let w: &'x [u8; NUMBER_CELL] = xml.get(i..)?.first_chunk()?;
    let word =
        |at: usize| -> Option<u64> { Some(u64::from_le_bytes(*w.get(at..)?.first_chunk()?)) };
    const LOW6: u64 = 0xFFFF_FFFF_FFFF;
    let head = word(0)?;
    if head & LOW6 != u64::from_le_bytes(*b"<c r=\"\0\0") {
        return None;
    }
    // one to three letters: bytes 6 and 7 are in `head`
    let upper = |b: u8| b.wrapping_sub(b'A') < 26;
    let (a, b) = ((head >> 48) as u8, (head >> 56) as u8);
    if !upper(a) {
        return None;
    }
    let (col, letters) = if !upper(b) {
        (u32::from(a - b'A'), 1)
    } else {
        let ab = u32::from(a - b'A' + 1) * 26 + u32::from(b - b'A');
        match w[8] {
            c if !upper(c) => (ab, 2),
            _ if upper(w[9]) => return None,
            c => ((ab + 1) * 26 + u32::from(c - b'A'), 3),
        }
    };
    let (row, len) = digits.same(w, 6 + letters)?;
    let mut j = 6 + letters + len;
    // `>` or ` t="n">`, then `<v>`
    let tag = word(j)?;
    if tag & 0xFFFF_FFFF == u64::from(u32::from_le_bytes(*b"><v>")) {
        j += 4;
    } else if tag == u64::from_le_bytes(*b" t=\"n\"><") && w.get(j + 8..j + 10) == Some(b"v>") {
        j += 10;
    } else {
        return None;
    }
    const CLOSE: u64 = u64::from_le_bytes(*b"</v></c>");
    // most answers are one digit
    let len = if w[j].is_ascii_digit() && word(j + 1)? == CLOSE {
        1
    } else {
        // the digits, up to the `<` of `</v></c>` (at most seven here)
        let value = word(j)?;
        let lt = value ^ 0x3C3C_3C3C_3C3C_3C3C;
        let found = lt.wrapping_sub(0x0101_0101_0101_0101) & !lt & 0x8080_8080_8080_8080;
        let len = (found.trailing_zeros() / 8) as usize;
        if len == 0 || len == 8 || !is_plain_integer(&w[j..j + len]) || word(j + len)? != CLOSE {
            return None;
        }
        len
    };
    Some(QuickCell {
        end: i + j + len + 8,
        row,
        col,
        text: &w[j..j + len],
    })
}

/// The most bytes `number_cell` reads (42: `<c r="`, three letters, seven
/// digits and `"`, ` t="n"><v>`, seven digits, `</v></c>`), rounded up.
const NUMBER_CELL: usize = 48;

/// Just past the first `</row>` in `xml` that starts at `from` or later:
/// found by its `w`, which number and shared-string cells
/// (`<c r=…><v>…</v></c>`) do not hold (an inline string may: each `w` is
/// checked), where `</` comes twice a cell (a search for the whole of
/// `</row>` stopped at each).
fn row_close(xml: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let w = at + memchr::memchr(b'w', xml.get(at..)?)?;
        if w >= from + 4 && xml[w - 4..].starts_with(b"</row>") {
            return Some(w + 2);
        }
        at = w + 1;
    }
}

/// The row number of the last cell `quick_cell` read, as written (its
/// digits and the closing `"`, at most eight bytes): the cells of a row
/// all repeat it, and comparing eight bytes costs less than reading the
/// digits again.
struct RowDigits {
    /// The bytes, little-endian, and the mask of those that count (0, with
    /// a `word` no masked word equals, when there are none).
    word: u64,
    mask: u64,
    len: usize,
    /// 0-based.
    row: u32,
}

impl Default for RowDigits {
    fn default() -> Self {
        RowDigits {
            word: u64::MAX,
            mask: 0,
            len: 0,
            row: 0,
        }
    }
}

impl RowDigits {
    /// The 0-based row and the length of the digits and `"` at `xml[at..]`,
    /// if they are the ones remembered.
    #[inline]
    fn same(&self, xml: &[u8], at: usize) -> Option<(u32, usize)> {
        let word = u64::from_le_bytes(*xml.get(at..)?.first_chunk()?);
        (word & self.mask == self.word).then_some((self.row, self.len))
    }

    /// Remember the `len` bytes at `xml[at..]` (digits and `"`) as 0-based
    /// row `row`.
    fn remember(&mut self, xml: &[u8], at: usize, len: usize, row: u32) {
        let mut bytes = [0u8; 8];
        if len > 8 || xml.len() < at + len {
            *self = RowDigits::default();
            return;
        }
        bytes[..len].copy_from_slice(&xml[at..at + len]);
        self.word = u64::from_le_bytes(bytes);
        self.mask = u64::MAX >> (64 - 8 * len);
        self.len = len;
        self.row = row;
    }
}

/// A cell read by `quick_cell`: where it ends in its row, its position
/// and its text.
struct QuickCell<'x> {
    end: usize,
    row: u32,
    col: u32,
    text: &'x [u8],
}

/// The cell at `xml[i..]` when it has the form nearly every cell of an
/// export has, read in one pass with nothing copied: `<c r="B2"` with
/// `s="…"` or `t="s|n|str|inlineStr"` at most, then `/>`, `><v>…</v></c>`
/// or `><is><t>…</t></is></c>`, giving the text `Cells::cell` would.
/// Anything else (or any doubt) is `None`, and `Cells::cell` reads it.
#[inline]
fn quick_cell<'x>(
    book: &'x Book,
    digits: &mut RowDigits,
    xml: &'x [u8],
    i: usize,
) -> Option<QuickCell<'x>> {
    if !holds(xml, i, b"<c r=\"") {
        return None;
    }
    let mut j = i + 6;
    let (mut col, mut letters) = (0u32, 0);
    while let Some(&b) = xml.get(j).filter(|b| b.is_ascii_uppercase()) {
        col = col * 26 + u32::from(b - b'A') + 1;
        letters += 1;
        j += 1;
    }
    if !(1..=3).contains(&letters) {
        return None;
    }
    let row = match digits.same(xml, j) {
        Some((row, len)) => {
            j += len;
            row
        }
        None => {
            let (mut row, digits_at) = (0u32, j);
            while let Some(&b) = xml.get(j).filter(|b| b.is_ascii_digit()) {
                row = row * 10 + u32::from(b - b'0');
                j += 1;
            }
            let len = j - digits_at;
            if !(1..=7).contains(&len) || row == 0 || *xml.get(j)? != b'"' {
                return None;
            }
            j += 1;
            digits.remember(xml, digits_at, len + 1, row - 1);
            row - 1
        }
    };
    let (mut kind, mut plain) = (Kind::Number, true);
    let (mut styled, mut typed) = (false, false);
    loop {
        match *xml.get(j)? {
            b'>' => {
                j += 1;
                break;
            }
            b'/' if xml.get(j + 1) == Some(&b'>') => {
                return Some(QuickCell {
                    end: j + 2,
                    row,
                    col: col - 1,
                    text: b"",
                });
            }
            b' ' if holds(xml, j, b" s=\"") && !styled => {
                styled = true;
                j += 4;
                let (mut id, at) = (0usize, j);
                while let Some(&b) = xml.get(j).filter(|b| b.is_ascii_digit()) {
                    id = id * 10 + usize::from(b - b'0');
                    j += 1;
                }
                if j == at || j - at > 9 || *xml.get(j)? != b'"' {
                    return None;
                }
                j += 1;
                plain = book.plain_style.get(id).copied().unwrap_or(true);
            }
            b' ' if holds(xml, j, b" t=\"") && !typed => {
                typed = true;
                j += 4;
                let len;
                (kind, len) = Kind::quoted(xml, j)?;
                j += len;
            }
            _ => return None,
        }
    }
    let text = if holds(xml, j, b"<v>") {
        let from = j + 3;
        let len = xml[from..].iter().position(|&b| b == b'<')?;
        let v = &xml[from..from + len];
        j = from + len;
        if !holds(xml, j, b"</v></c>") || v.iter().any(|&b| b == b'&' || b == b'\r') {
            return None;
        }
        j += 8;
        match kind {
            Kind::Number | Kind::N if plain && is_plain_integer(v) => v,
            Kind::Shared if !v.is_empty() && v.len() <= 9 && v.iter().all(u8::is_ascii_digit) => {
                let n = v
                    .iter()
                    .fold(0usize, |n, &d| n * 10 + usize::from(d - b'0'));
                book.strings.get(n)?.as_deref()?.as_bytes()
            }
            Kind::Text => v,
            _ => return None,
        }
    } else if holds(xml, j, b"<is><t>") {
        // the inline text, whatever `t` says, as `Cells::cell` takes it
        let from = j + 7;
        let (len, odd) = text_len(xml, from)?;
        let t = &xml[from..from + len];
        j = from + len;
        if !holds(xml, j, b"</t></is></c>")
            || odd
                && (t.iter().any(|&b| b == b'&' || b == b'\r')
                    || memchr::memmem::find(t, b"_x00").is_some()
                    || std::str::from_utf8(t).is_err())
        {
            return None;
        }
        j += 13;
        t
    } else {
        return None;
    };
    Some(QuickCell {
        end: j,
        row,
        col: col - 1,
        text,
    })
}

/// The length of the text at `xml[from..]`, up to its first `<`, and
/// whether it may hold a byte to look at closer (`&`, `\r`, the `_` of
/// `_x00`, or one not ASCII; a text without any is valid UTF-8), read
/// eight bytes at a time. `None` when a read runs past the end before the
/// `<` is found (after a cell's text come the 13 bytes of `</t></is></c>`).
#[inline]
fn text_len(xml: &[u8], from: usize) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // the high bit of each byte of `w` that is `b`: exact up to the first
    // such byte, perhaps set in the bytes after it
    let eq = |w: u64, b: u8| {
        let x = w ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGH
    };
    let (mut odd, mut at) = (0, from);
    loop {
        let w = u64::from_le_bytes(*xml.get(at..)?.first_chunk()?);
        let lt = eq(w, b'<');
        let here = eq(w, b'&') | eq(w, b'\r') | eq(w, b'_') | w & HIGH;
        if lt != 0 {
            let n = lt.trailing_zeros() as usize / 8;
            odd |= here & ((1 << (8 * n)) - 1);
            return Some((at + n - from, odd != 0));
        }
        odd |= here;
        at += 8;
    }
}

/// The length of text up to `end`, the first markup after it (text
/// holds no `<`: anything else there is left to calamine).
fn closed_by<const N: usize>(xml: &[u8], end: &[u8; N]) -> Fast<usize> {
    // values are short: a loop beats memchr's set-up
    let len = xml.iter().position(|&b| b == b'<').ok_or(Outside)?;
    if holds(xml, len, end) {
        Ok(len)
    } else {
        Err(Outside)
    }
}

struct CellAt {
    pos: (u32, u32),
    /// Just past the element, in `buf`.
    end: usize,
}

/// Text of an inline string as calamine gives it: entities resolved;
/// what it would change further (`\r`, `_x00HH_`) is left to it.
fn unescape(t: &[u8], out: &mut Vec<u8>) -> Fast<()> {
    if t.contains(&b'\r') || memchr::memmem::find(t, b"_x00").is_some() {
        return Err(Outside);
    }
    let s = std::str::from_utf8(t).map_err(|_| Outside)?;
    if t.contains(&b'&') {
        let u = quick_xml::escape::unescape(s).map_err(|_| Outside)?;
        if u.contains("_x00") {
            return Err(Outside);
        }
        out.extend_from_slice(u.as_bytes());
    } else {
        out.extend_from_slice(t);
    }
    Ok(())
}

/// The start tag at `xml` whose name is `name_len` bytes after `<`: its
/// attributes, whether it is empty (`/>`), and where its content begins.
fn start_tag(xml: &[u8], name_len: usize) -> Fast<(&[u8], bool, usize)> {
    let mut i = 1 + name_len;
    let mut quote = None;
    while let Some(&b) = xml.get(i) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => {
                let empty = xml[i - 1] == b'/';
                let attrs = &xml[1 + name_len..if empty { i - 1 } else { i }];
                return Ok((attrs, empty, i + 1));
            }
            (None, b'<') => return Err(Outside),
            _ => {}
        }
        i += 1;
    }
    Err(Outside)
}

fn render_v(book: &Book, v: &[u8], kind: Kind, plain: bool, out: &mut Vec<u8>) -> Fast<()> {
    match kind {
        Kind::Shared => {
            if !v.iter().all(u8::is_ascii_digit) || v.is_empty() {
                return Err(Outside);
            }
            let i: usize = std::str::from_utf8(v)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(Outside)?;
            let s = book.strings.get(i).ok_or(Outside)?.as_ref();
            out.extend_from_slice(s.ok_or(Outside)?.as_bytes());
        }
        Kind::Bool => super::xlsx::render_data(&calamine::Data::Bool(v != b"0"), out),
        Kind::Text => out.extend_from_slice(v),
        Kind::Inline => return Err(Outside),
        Kind::Number | Kind::N => {
            if v.is_empty() && kind == Kind::N {
                return Ok(());
            }
            // a whole number as it is written: what render gives
            if plain && is_plain_integer(v) {
                out.extend_from_slice(v);
                return Ok(());
            }
            let s = std::str::from_utf8(v).map_err(|_| Outside)?;
            match s.parse::<f64>() {
                Ok(_) if !plain => return Err(Outside),
                Ok(f) => super::xlsx::render_float(f, out),
                Err(_) if kind == Kind::N => return Err(Outside),
                Err(_) => out.extend_from_slice(v),
            }
        }
    }
    Ok(())
}

/// Digits with no leading zero: written as they are. Of more than 15
/// digits too, where calamine's `f64` would round them (an 18-digit
/// student or ID-card number written as a number by pandas or openpyxl
/// kept its digits in the file: rounded, two people would share an id).
fn is_plain_integer(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(u8::is_ascii_digit) && (v[0] != b'0' || v.len() == 1)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No `t`: a number, or text when it is not one.
    Number,
    /// `t="n"`.
    N,
    Shared,
    Bool,
    /// `str`.
    Text,
    /// `inlineStr`: a `<v>` in it is an error in calamine.
    Inline,
}

impl Kind {
    /// The kind named at `xml[at..]` and the length of its name and the
    /// closing `"`, as `Kind::of` reads the name (compared whole, not
    /// searched for its end).
    #[inline]
    fn quoted(xml: &[u8], at: usize) -> Option<(Kind, usize)> {
        Some(if holds(xml, at, b"s\"") {
            (Kind::Shared, 2)
        } else if holds(xml, at, b"inlineStr\"") {
            (Kind::Inline, 10)
        } else if holds(xml, at, b"n\"") {
            (Kind::N, 2)
        } else if holds(xml, at, b"str\"") {
            (Kind::Text, 4)
        } else if holds(xml, at, b"b\"") {
            (Kind::Bool, 2)
        } else {
            return None;
        })
    }

    fn of(t: &[u8]) -> Fast<Kind> {
        Ok(match t {
            b"n" => Kind::N,
            b"s" => Kind::Shared,
            b"b" => Kind::Bool,
            b"str" => Kind::Text,
            b"inlineStr" => Kind::Inline,
            _ => return Err(Outside),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Attrs = Vec<(String, String)>;

    fn attrs(xml: &str) -> Fast<(Attrs, bool, usize)> {
        let mut got = Vec::new();
        let (empty, end) = tag(xml.as_bytes(), 1, |k, v| {
            let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
            got.push((text(k), text(v)));
            Ok(())
        })?;
        Ok((got, empty, end))
    }

    #[test]
    fn start_tags_are_read_strictly() {
        let (got, empty, end) = attrs(r#"<c r="A1"  s = '2' t="s">"#).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!((got[1].0.as_str(), got[1].1.as_str()), ("s", "2"));
        assert_eq!((empty, end), (false, 25));
        assert!(attrs(r#"<c r="A1"/>"#).unwrap().1);
        // calamine refuses a name twice; a value with an entity or `<`, no
        // space between attributes, a bare `/`: all left to calamine
        for odd in [
            r#"<c r="A1" r="A1">"#,
            r#"<c r="A&amp;1">"#,
            r#"<c r="<">"#,
            r#"<c r="A1"s="1">"#,
            r#"<c / r="A1">"#,
            r#"<c r=A1>"#,
            r#"<c r="A1""#,
            r#"<c a="" b="" d="" e="" f="" g="" h="" i="" j="">"#,
        ] {
            assert_eq!(attrs(odd).err(), Some(Outside), "{odd}");
        }
    }

    /// The answers of an export, in the row read before, are read by
    /// `number_cell`; a cell of another row is left to `quick_cell`.
    #[test]
    fn answers_in_the_row_before_are_number_cells() {
        let mut remembered = RowDigits::default();
        let book = Book {
            strings: Vec::new(),
            plain_style: Vec::new(),
            parts: Vec::new(),
        };
        let primer = b"<c r=\"A5\" t=\"inlineStr\"><is><t>S1</t></is></c>";
        assert!(quick_cell(&book, &mut remembered, primer, 0).is_some());
        // what follows a cell is there to be read past (`NUMBER_CELL`)
        let pad = |xml: &[u8]| [xml, &[b' '; NUMBER_CELL]].concat();
        for (xml, text) in [
            (&b"<c r=\"C5\"><v>3</v></c>"[..], &b"3"[..]),
            (b"<c r=\"AB5\" t=\"n\"><v>1234567</v></c><c", b"1234567"),
        ] {
            let xml = pad(xml);
            let cell = number_cell(&remembered, &xml, 0).expect("a number cell");
            assert_eq!((cell.row, cell.text), (4, text));
        }
        assert!(number_cell(&remembered, &pad(b"<c r=\"C6\"><v>3</v></c>"), 0).is_none());
        // too near the end: left to `quick_cell`
        assert!(number_cell(&remembered, b"<c r=\"C5\"><v>3</v></c>", 0).is_none());
    }

    impl Pieces for &[u8] {}

    /// Hands its bytes over in pieces of `len`, each with `room` bytes of
    /// room before it (read through `Read` too, as the head is).
    struct Chunked {
        data: Vec<u8>,
        at: usize,
        len: usize,
        room: usize,
    }

    impl Read for Chunked {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.len).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    impl Pieces for Chunked {
        fn next_piece(&mut self) -> Option<(Vec<u8>, usize, usize)> {
            let n = self.len.min(self.data.len() - self.at);
            if n == 0 {
                return None;
            }
            let mut piece = vec![b'#'; self.room];
            piece.extend_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Some((piece, self.room, self.room + n))
        }
    }

    fn all_cells<R: Pieces>(book: &Book, input: R) -> Vec<(u32, u32, Vec<u8>)> {
        let mut cells = Cells::new(book, input).unwrap();
        let mut got = Vec::new();
        let mut count = 0;
        let end = cells.run(&mut count, &mut |r, c, t| {
            got.push((r, c, t.to_vec()));
            Ok(true)
        });
        assert!(matches!(end, Ok(Ok(Stop::End))));
        got
    }

    /// Pieces handed over whole, with room for the row they cut or without
    /// (then appended), give the cells a plain reader gives.
    #[test]
    fn cells_read_from_pieces_as_from_a_reader() {
        let book = Book {
            strings: Vec::new(),
            plain_style: Vec::new(),
            parts: Vec::new(),
        };
        let mut xml = String::from("<worksheet><sheetData>");
        for r in 1..=300 {
            xml.push_str(&format!("<row r=\"{r}\">"));
            for c in 0..(r % 13) {
                let col = char::from(b'A' + c as u8);
                if c % 4 == 3 {
                    let text = "x".repeat((r * c) % 90);
                    xml.push_str(&format!(
                        "<c r=\"{col}{r}\" t=\"inlineStr\"><is><t>{text}</t></is></c>"
                    ));
                } else {
                    xml.push_str(&format!("<c r=\"{col}{r}\"><v>{}</v></c>", (r + c) % 5));
                }
            }
            xml.push_str("</row>");
        }
        xml.push_str("</sheetData></worksheet>");
        let want = all_cells(&book, xml.as_bytes());
        assert!(want.len() > 1000);
        for (len, room) in [
            (7, 0),
            (100, 5),
            (100, 1000),
            (4096, 64),
            (4096, 1 << 16),
            (1 << 20, 0),
        ] {
            let input = Chunked {
                data: xml.clone().into_bytes(),
                at: 0,
                len,
                room,
            };
            assert_eq!(all_cells(&book, input), want, "{len} {room}");
        }
    }

    proptest::proptest! {
        /// The end of a row is where a search for the whole `</row>` finds it.
        #[test]
        fn rows_close_where_the_whole_tag_is_found(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["</row>", "w", "</", "row>", "<row r=\"1\">", "</c>", "w>", "a", "/"]),
                0..30,
            ),
            from in 0usize..12,
        ) {
            let xml = pieces.concat().into_bytes();
            let from = from.min(xml.len());
            let want = memchr::memmem::find(&xml[from..], b"</row>").map(|c| from + c + 6);
            proptest::prop_assert_eq!(row_close(&xml, from), want);
        }

        /// A cell `number_cell` reads is read the same by `quick_cell`,
        /// whatever row `quick_cell` read before (so whatever digits are
        /// remembered); it leaves anything else to `quick_cell`.
        #[test]
        fn number_cells_read_as_quick_cell_reads_them(
            before in proptest::sample::select(vec!["1", "5", "100000", "1048576", "12"]),
            letters in proptest::sample::select(vec!["A", "Z", "AB", "XFD", "ABCD", "", "a"]),
            digits in proptest::sample::select(vec!["1", "5", "100000", "1048576", "0", "01", "12345678", "5x"]),
            attrs in proptest::sample::select(vec![
                "", " t=\"n\"", " t=\"s\"", " s=\"1\"", " s=\"0\"", " t=\"n\" s=\"0\"", " t=\"str\"", " t=\"m\"", "  ",
            ]),
            content in proptest::sample::select(vec![
                "<v>0</v>", "<v>7</v>", "<v>12</v>", "<v>01</v>", "<v>1.5</v>", "<v>1234567</v>",
                "<v>12345678</v>", "<v>123456789012345</v>", "<v></v>", "<v>-1</v>", "<v>1&amp;</v>",
                "<is><t>x</t></is>", "<v>3</v><v>4</v>", "<v>0</v >", "<v>1\r</v>",
            ]),
            after in proptest::sample::select(vec!["</c>", "", "</c><c r=\"B1\"><v>1</v></c>", "</c></row>", "</"]),
            // `number_cell` reads a cell only with `NUMBER_CELL` bytes from it
            pad in proptest::sample::select(vec![String::new(), " ".repeat(20), "<".repeat(NUMBER_CELL)]),
        ) {
            let book = Book {
                strings: vec![Some("s0".to_string())],
                plain_style: vec![true, false],
                parts: Vec::new(),
            };
            let mut remembered = RowDigits::default();
            let primer = format!("<c r=\"B{before}\"><v>1</v></c>");
            proptest::prop_assert!(quick_cell(&book, &mut remembered, primer.as_bytes(), 0).is_some());
            let xml = format!("<c r=\"{letters}{digits}\"{attrs}>{content}{after}{pad}");
            let xml = xml.as_bytes();
            let fast = number_cell(&remembered, xml, 0).map(|c| (c.end, c.row, c.col, c.text.to_vec()));
            // with the row's digits unknown, parsed again: the remembered
            // digits' shortcut reads as a fresh parse does
            let fresh = quick_cell(&book, &mut RowDigits::default(), xml, 0)
                .map(|c| (c.end, c.row, c.col, c.text.to_vec()));
            let slow = quick_cell(&book, &mut remembered, xml, 0).map(|c| (c.end, c.row, c.col, c.text.to_vec()));
            proptest::prop_assert_eq!(&fresh, &slow);
            if fast.is_some() {
                proptest::prop_assert_eq!(fast, slow);
            }
        }
    }

    proptest::proptest! {
        /// The text's length is where its first `<` is; any `&`, `\r`,
        /// `_` or byte not ASCII before it is seen.
        #[test]
        fn text_len_finds_the_text_end_and_odd_bytes(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'0', b'<', b'&', b'\r', b'_', b'x', 0xE4, 0x80, b' ', b'>']),
                0..40,
            ),
            from in 0usize..4,
        ) {
            let from = from.min(bytes.len());
            let got = text_len(&bytes, from);
            let len = bytes[from..].iter().position(|&b| b == b'<');
            if let Some((got_len, got_odd)) = got {
                proptest::prop_assert_eq!(Some(got_len), len);
                let t = &bytes[from..from + got_len];
                let odd = t.iter().any(|&b| matches!(b, b'&' | b'\r' | b'_') || !b.is_ascii());
                proptest::prop_assert!(got_odd || !odd);
            }
            // the eight bytes from the `<` there: found
            if len.is_some_and(|len| from + len + 8 <= bytes.len()) {
                proptest::prop_assert!(got.is_some());
            }
        }

        /// `Kind::quoted` reads a kind as `Kind::of` reads it.
        #[test]
        fn kinds_are_quoted_as_read(
            name in proptest::sample::select(vec!["s", "n", "b", "str", "inlineStr", "e", "", "inline", "st", "d", "S"]),
            after in proptest::sample::select(vec!["\"", "\">", "", "x\"", " \""]),
        ) {
            let xml = format!("{name}{after}");
            let got = Kind::quoted(xml.as_bytes(), 0);
            let want = after
                .starts_with('"')
                .then(|| Kind::of(name.as_bytes()).ok())
                .flatten()
                .map(|k| (k, name.len() + 1));
            proptest::prop_assert!(got == want);
        }

        /// `plain_row_tag` reads a row's start tag as `tag` and `row_number` do.
        #[test]
        fn plain_row_tags_are_read_as_tag_reads_them(
            digits in proptest::sample::select(vec!["1", "9", "0", "01", "1048576", "12345678", "", "1x", "x"]),
            tail in proptest::sample::select(vec!["\">", "\"/>", "\" >", "\" spans=\"1:3\">", "\"", "'>"]),
        ) {
            let xml = format!("<row r=\"{digits}{tail}<c");
            let plain = tail == "\">" && row_number(digits.as_bytes()).is_ok();
            proptest::prop_assert_eq!(plain_row_tag(xml.as_bytes()).is_some(), plain);
            if let Some((row, at)) = plain_row_tag(xml.as_bytes()) {
                let mut r = None;
                let (empty, i) = tag(xml.as_bytes(), 3, |k, v| {
                    if k == b"r" {
                        r = Some(v);
                    }
                    Ok(())
                })
                .expect("a start tag");
                proptest::prop_assert_eq!((empty, i), (false, at));
                proptest::prop_assert_eq!(row_number(r.expect("r")), Ok(row));
            }
        }
    }

    #[test]
    fn positions_are_read_as_calamine_reads_them() {
        assert_eq!(position(b"A1"), Ok((0, 0)));
        assert_eq!(position(b"xfd1048576"), Ok((1_048_575, 16_383)));
        for odd in [
            &b"A0"[..],
            b"1",
            b"ABCD1",
            b"A1B",
            b"A",
            b"A12345678",
            b"A_1",
        ] {
            assert_eq!(position(odd), Err(Outside));
        }
    }
}
