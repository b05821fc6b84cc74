//! A lean reader of an xlsx worksheet's XML, giving each cell as the text
//! calamine's cell reader (through `xlsx::render`) would, byte for byte.
//!
//! It reads only what plain exports hold: numbers, shared and inline
//! strings (rich text runs too), booleans, `str` formula results, styles
//! whose number format is a built-in non-date one. Anything else (dates,
//! custom number formats, error cells, odd references, any XML error) is
//! `Outside`: the caller then lets calamine read the sheet from where this
//! stopped, so odd files read and fail exactly as before.

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
    /// The worksheet part of each sheet, by name.
    parts: HashMap<String, String>,
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
    // calamine matches part names ignoring case and `\` for `/`
    let found = zip
        .file_names()
        .find(|n| n.replace('\\', "/").eq_ignore_ascii_case(name))
        .map(str::to_string);
    match found {
        None => Ok(None),
        Some(n) => Ok(Some(reader(BufReader::with_capacity(
            1 << 16,
            zip.by_name(&n).map_err(|_| Outside)?,
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

impl Book {
    pub fn read<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Fast<Book> {
        let mut buf = Vec::new();
        // relationships: id -> target
        let mut rels = HashMap::new();
        {
            let mut xml = part(zip, "xl/_rels/workbook.xml.rels")?.ok_or(Outside)?;
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
        let mut parts = HashMap::new();
        {
            let mut xml = part(zip, "xl/workbook.xml")?.ok_or(Outside)?;
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
                        parts.insert(name, path);
                    }
                    // dates are calamine's
                    Event::Start(e) if e.name().as_ref() == b"workbookPr" => {}
                    Event::Eof => break,
                    _ => {}
                }
                buf.clear();
            }
        }
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

    /// The cells of sheet `sheet`.
    pub fn cells<'z, R: Read + Seek>(
        &self,
        zip: &'z mut zip::ZipArchive<R>,
        sheet: &str,
    ) -> Fast<Cells<'_, BufReader<zip::read::ZipFile<'z, R>>>> {
        let name = self.parts.get(sheet).ok_or(Outside)?;
        let xml = part(zip, name)?.ok_or(Outside)?;
        Cells::new(self, xml.into_inner())
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
    let split = r.iter().position(u8::is_ascii_digit).ok_or(Outside)?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 || digits.len() > 7 {
        return Err(Outside);
    }
    let mut col = 0u32;
    for &c in letters {
        if !c.is_ascii_alphabetic() {
            return Err(Outside);
        }
        col = col * 26 + u32::from(c.to_ascii_uppercase() - b'A') + 1;
    }
    Ok((row_number(digits)?, col - 1))
}

fn row_number(digits: &[u8]) -> Fast<u32> {
    if digits.is_empty() || digits.len() > 7 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Outside);
    }
    let n: u32 = std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Outside)?;
    n.checked_sub(1).ok_or(Outside)
}

/// Cells of one worksheet part, in file order.
pub struct Cells<'b, R: BufRead> {
    book: &'b Book,
    xml: Reader<R>,
    buf: Vec<u8>,
    inner: Vec<u8>,
    value: Vec<u8>,
    row: u32,
    col: u32,
}

impl<'b, R: BufRead> Cells<'b, R> {
    /// Past the sheet's head, at its first row.
    pub fn new(book: &'b Book, input: R) -> Fast<Self> {
        let mut xml = reader(input);
        let mut buf = Vec::new();
        loop {
            match xml.read_event_into(&mut buf).map_err(|_| Outside)? {
                Event::Start(e) if e.local_name().as_ref() == b"sheetData" => break,
                Event::Eof => return Err(Outside),
                _ => {}
            }
            buf.clear();
        }
        Ok(Cells {
            book,
            xml,
            buf,
            inner: Vec::new(),
            value: Vec::new(),
            row: 0,
            col: 0,
        })
    }

    /// The next cell's position, its text into `out`; `None` at the end.
    pub fn next(&mut self, out: &mut Vec<u8>) -> Fast<Option<(u32, u32)>> {
        loop {
            self.buf.clear();
            match self
                .xml
                .read_event_into(&mut self.buf)
                .map_err(|_| Outside)?
            {
                Event::Start(e) if e.local_name().as_ref() == b"row" => {
                    if let Some(r) = attr(&e, b"r")? {
                        self.row = row_number(&r)?;
                    }
                }
                Event::End(e) if e.local_name().as_ref() == b"row" => {
                    self.row = self.row.checked_add(1).ok_or(Outside)?;
                    self.col = 0;
                }
                Event::Start(e) if e.local_name().as_ref() == b"c" => {
                    let (mut kind, mut style, mut at) = (Kind::Number, None, None);
                    for a in e.attributes() {
                        let a = a.map_err(|_| Outside)?;
                        match a.key.as_ref() {
                            b"r" => at = Some(position(&a.value)?),
                            b"t" => kind = Kind::of(&a.value)?,
                            b"s" => style = Some(a.value),
                            _ => {}
                        }
                    }
                    let pos = match at {
                        Some((row, col)) => {
                            self.col = col;
                            (row, col)
                        }
                        None => (self.row, self.col),
                    };
                    let plain = match style {
                        None => true,
                        Some(s) => {
                            // calamine reads a bad index as 0
                            let id = std::str::from_utf8(&s)
                                .ok()
                                .and_then(|s| s.parse::<usize>().ok())
                                .ok_or(Outside)?;
                            // no such style: calamine reads a plain number
                            self.book.plain_style.get(id).copied().unwrap_or(true)
                        }
                    };
                    out.clear();
                    self.cell(kind, plain, out)?;
                    self.col = self.col.checked_add(1).ok_or(Outside)?;
                    return Ok(Some(pos));
                }
                Event::End(e) if e.local_name().as_ref() == b"sheetData" => return Ok(None),
                Event::Eof => return Err(Outside),
                _ => {}
            }
        }
    }

    /// The children of a `<c>` up to its end; the last value child wins,
    /// as in calamine.
    fn cell(&mut self, kind: Kind, plain: bool, out: &mut Vec<u8>) -> Fast<()> {
        loop {
            self.inner.clear();
            match self
                .xml
                .read_event_into(&mut self.inner)
                .map_err(|_| Outside)?
            {
                Event::Start(e) => match e.local_name().as_ref() {
                    b"is" => {
                        let end = e.name().as_ref().to_vec();
                        let s = read_string(&mut self.xml, &end)?.ok_or(Outside)?;
                        out.clear();
                        out.extend_from_slice(s.as_bytes());
                    }
                    b"v" => {
                        let end = e.name().as_ref().to_vec();
                        self.value.clear();
                        let mut text = Vec::new();
                        loop {
                            match self.xml.read_event_into(&mut text).map_err(|_| Outside)? {
                                Event::Text(t) => {
                                    if t.contains(&b'\r') {
                                        return Err(Outside);
                                    }
                                    self.value.extend_from_slice(&t);
                                }
                                Event::End(x) if x.name().as_ref() == end => break,
                                Event::Eof | Event::GeneralRef(_) => return Err(Outside),
                                _ => {}
                            }
                            text.clear();
                        }
                        out.clear();
                        self.render_v(kind, plain, out)?;
                    }
                    b"f" => {
                        let end = e.name().as_ref().to_vec();
                        let mut skip = Vec::new();
                        self.xml
                            .read_to_end_into(quick_xml::name::QName(&end), &mut skip)
                            .map_err(|_| Outside)?;
                        out.clear();
                    }
                    _ => return Err(Outside),
                },
                Event::End(e) if e.local_name().as_ref() == b"c" => return Ok(()),
                Event::Eof => return Err(Outside),
                _ => {}
            }
        }
    }

    fn render_v(&self, kind: Kind, plain: bool, out: &mut Vec<u8>) -> Fast<()> {
        let v = &self.value[..];
        match kind {
            Kind::Shared => {
                if !v.iter().all(u8::is_ascii_digit) || v.is_empty() {
                    return Err(Outside);
                }
                let i: usize = std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or(Outside)?;
                let s = self.book.strings.get(i).ok_or(Outside)?.as_ref();
                out.extend_from_slice(s.ok_or(Outside)?.as_bytes());
            }
            Kind::Bool => super::xlsx::render_data(&calamine::Data::Bool(v != b"0"), out),
            Kind::Text => out.extend_from_slice(v),
            Kind::Inline => return Err(Outside),
            Kind::Number | Kind::N => {
                if v.is_empty() && kind == Kind::N {
                    return Ok(());
                }
                let s = std::str::from_utf8(v).map_err(|_| Outside)?;
                match s.parse::<f64>() {
                    Ok(_) if !plain => return Err(Outside),
                    // a whole number as it is written: what render gives
                    Ok(_) if is_plain_integer(v) => out.extend_from_slice(v),
                    Ok(f) => super::xlsx::render_float(f, out),
                    Err(_) if kind == Kind::N => return Err(Outside),
                    Err(_) => out.extend_from_slice(v),
                }
            }
        }
        Ok(())
    }
}

/// Digits with no leading zero, few enough that `f as i64` writes them back.
fn is_plain_integer(v: &[u8]) -> bool {
    !v.is_empty()
        && v.len() <= 15
        && v.iter().all(u8::is_ascii_digit)
        && (v[0] != b'0' || v.len() == 1)
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
