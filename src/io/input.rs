//! Reading a table of answers: CSV from a file or stdin (UTF-8 with or
//! without BOM, GBK/GB18030 or UTF-16 detected, or forced with
//! `--encoding`; `,` `;` or tab detected), or the first/named sheet of an
//! xlsx workbook. Rows stream: constant memory for CSV.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use csv::ByteRecord;
use encoding_rs::Encoding;

pub struct InputSpec<'a> {
    pub path: Option<&'a Path>,
    pub encoding: Option<&'a str>,
    pub delimiter: Option<char>,
    pub sheet: Option<&'a str>,
}

pub struct Table {
    /// The input as the user named it (`<stdin>` for standard input).
    pub name: String,
    pub headers: Vec<String>,
    /// The encoding read (`UTF-8`, `GB18030`, …) or `xlsx`.
    pub encoding: &'static str,
    /// Size in bytes when known (for progress).
    pub size: Option<u64>,
    rows: Rows,
    digest: Option<Digest>,
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
    Csv(csv::Reader<Box<dyn Read + Send>>),
    Sheet(super::xlsx::SheetRows),
}

const PEEK: usize = 1 << 16;

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
                let mut t = open_sheet(p, spec.sheet)?;
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
            .with_context(|| format!("reading {name}"))?
            .to_vec();
        if peek.is_empty() {
            bail!("{name} is empty: expected a header row and answers");
        }
        let encoding = match spec.encoding {
            Some(label) => Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                anyhow!("unknown encoding `{label}`: try utf-8, gbk, gb18030, utf-16le, big5")
            })?,
            None => detect_encoding(&peek),
        };
        let reader: Box<dyn Read + Send> = if encoding == encoding_rs::UTF_8 {
            // fast path: no transcoding, only a BOM to drop
            if peek.starts_with(b"\xEF\xBB\xBF") {
                buf.consume(3);
            }
            Box::new(buf)
        } else {
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding))
                    .bom_override(true)
                    .build(buf),
            )
        };
        let delimiter = match spec.delimiter {
            Some(c) if c.is_ascii() => c as u8,
            Some(c) => bail!("--delimiter must be one ASCII character, not `{c}`"),
            None => detect_delimiter(&peek),
        };
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .buffer_capacity(PEEK)
            .from_reader(reader);
        let headers = rdr
            .byte_headers()
            .with_context(|| format!("reading the header of {name}"))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect::<Vec<_>>();
        if headers.iter().all(String::is_empty) {
            bail!("{name} has an empty header row: expected column names in row 1");
        }
        Ok(Table {
            name,
            headers,
            encoding: encoding.name(),
            size,
            rows: Rows::Csv(rdr),
            digest,
        })
    }

    /// Read the next row into `rec`; false at the end.
    pub fn read(&mut self, rec: &mut ByteRecord) -> anyhow::Result<bool> {
        match &mut self.rows {
            Rows::Csv(r) => r
                .read_byte_record(rec)
                .with_context(|| format!("reading {}", self.name)),
            Rows::Sheet(rows) => rows.read(rec),
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
    pub fn row_number(&self, rec: &ByteRecord, count: u64) -> u64 {
        match rec.position() {
            Some(at) if self.encoding == "xlsx" => at.line(),
            _ => count + 1,
        }
    }

    /// Bytes read so far (CSV only), for progress.
    pub fn position(&self) -> u64 {
        match &self.rows {
            Rows::Csv(r) => r.position().byte(),
            Rows::Sheet(_) => 0,
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
        size: None,
        rows: Rows::Sheet(sheet.rows),
        digest: None,
    })
}

/// Rows per batch handed from the reading thread to the scorer.
const BATCH: usize = 256;
/// Batches in flight: bounds memory (constant, whatever the input size).
const IN_FLIGHT: usize = 4;

/// One parsed row and what the reading thread derived from it.
type Slot<T> = (ByteRecord, T);

struct Batch<T> {
    rows: Vec<Slot<T>>,
    len: usize,
    /// Bytes read when the batch was filled (progress).
    position: u64,
    /// A read error after `len` rows; the stream ends with it.
    error: Option<anyhow::Error>,
}

/// Rows parsed on a second thread, so CSV parsing (and any per-row work
/// given to `stream_with`, such as reading the answers) overlaps with
/// scoring and writing. Order is kept; memory stays bounded by `IN_FLIGHT`
/// batches.
pub struct RowStream<T> {
    full: std::sync::mpsc::Receiver<Batch<T>>,
    empty: std::sync::mpsc::SyncSender<Vec<Slot<T>>>,
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
        F: FnMut(&ByteRecord, &mut T) + Send + 'static,
    {
        let mut table = Table {
            name: self.name.clone(),
            headers: Vec::new(),
            encoding: self.encoding,
            size: self.size,
            rows: std::mem::replace(&mut self.rows, Rows::Sheet(super::xlsx::SheetRows::empty())),
            digest: None,
        };
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
            let mut len = 0;
            let mut error = None;
            while len < rows.len() {
                let (rec, derived) = &mut rows[len];
                match table.read(rec) {
                    Ok(true) => {
                        derive(rec, derived);
                        len += 1;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            let last = len < rows.len();
            let batch = Batch {
                rows,
                len,
                position: table.position(),
                error,
            };
            if full_tx.send(batch).is_err() || last {
                return;
            }
        });
        RowStream {
            full,
            empty,
            current: None,
            next: 0,
            position: std::sync::Arc::default(),
            done: false,
        }
    }
}

impl<T> RowStream<T> {
    /// The next row and what was derived from it, in input order; `None`
    /// at the end.
    pub fn next_row(&mut self) -> anyhow::Result<Option<(&ByteRecord, &mut T)>> {
        loop {
            if let Some(b) = &self.current {
                if self.next < b.len {
                    self.next += 1;
                    let b = self.current.as_mut().expect("checked above");
                    let (rec, derived) = &mut b.rows[self.next - 1];
                    return Ok(Some((rec, derived)));
                }
            }
            if let Some(mut b) = self.current.take() {
                if let Some(e) = b.error.take() {
                    self.done = true;
                    return Err(e);
                }
                let last = b.len < b.rows.len();
                let _ = self.empty.send(b.rows);
                if last {
                    self.done = true;
                }
            }
            if self.done {
                return Ok(None);
            }
            match self.full.recv() {
                Ok(b) => {
                    self.position
                        .store(b.position, std::sync::atomic::Ordering::Relaxed);
                    self.current = Some(b);
                    self.next = 0;
                }
                Err(_) => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
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
}
