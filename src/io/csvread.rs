//! A CSV reader that gives exactly the records and positions of the `csv`
//! crate's `Reader` built with `.delimiter(d).flexible(true)` (default
//! quoting, `\n`, `\r` or `\r\n` ending a record), and reads the same bytes
//! from its source in the same reads, but faster: a line with no quote and
//! no `\r` (except a final `\r\n`) is split on the delimiter directly; any
//! other line is parsed by `csv_core`, the parser inside `csv`, from its
//! start. Its parser spends about ten instructions a byte; most lines of
//! an export have no quote (issue 14).
//!
//! It fills the project's own `fields::Record`, which takes a line as
//! one copy and its cells' bounds (filling a `csv::ByteRecord` a cell at a
//! time cost as much as `csv_core` on short cells: BENCHMARKS.md, issue 14).
//!
//! Why the two can take turns: between records `csv_core` is always in a
//! state that reads the next bytes as its start state does (after a record
//! ended by `\n`, or by `\r` whose `\n` it then skips as a blank line), so
//! a line split here leaves it as it was, with only its line count moved.

use std::io::{BufRead, BufReader, Read};

use csv::Position;

use super::fields::Record;

pub struct Reader<B> {
    /// Read through `fill_buf`, so a source that holds its bytes already
    /// (a part's blocks) is not copied into a buffer of ours first.
    rdr: B,
    core: csv_core::Reader,
    /// Where the next record starts (byte, line, records read), as
    /// `csv::Reader::position` tells it.
    pos: Position,
    delimiter: u8,
    /// Lines may be split here: `csv_core` has read once (it drops a UTF-8
    /// BOM only at its first read), and the delimiter is an ordinary byte.
    fast: bool,
    /// The end was reached, or a read failed: no more records (as `csv`).
    done: bool,
    /// `csv_core`'s output: the cells' bytes and where each cell ends.
    cells: Vec<u8>,
    ends: Vec<usize>,
    /// The byte the last record's read ended on: a `\r` (a CRLF's, whose
    /// `\n` the next record's read begins with, as in `csv`), a `\n`, or
    /// 0 (the end of the input ended it).
    ended_on: u8,
}

/// The cells' buffer kept between records (a longer one is let go).
const KEEP: usize = 1 << 20;

impl<R: Read> Reader<BufReader<R>> {
    /// Like `csv::ReaderBuilder::new().delimiter(delimiter).flexible(true)
    /// .buffer_capacity(capacity).from_reader(rdr)`; headers are read as
    /// the first record (`byte_headers`), as `has_headers` would.
    #[cfg(test)]
    pub fn new(delimiter: u8, capacity: usize, rdr: R) -> Self {
        Reader::from_buf(delimiter, BufReader::with_capacity(capacity, rdr))
    }
}

impl<B: BufRead> Reader<B> {
    /// `new` over a reader that has its own buffer.
    pub fn from_buf(delimiter: u8, rdr: B) -> Reader<B> {
        Reader {
            rdr,
            core: core_reader(delimiter),
            pos: Position::new(),
            delimiter,
            fast: false,
            done: false,
            cells: vec![0; 1024],
            ends: vec![0; 64],
            ended_on: 0,
        }
    }

    /// Did the last record read end at a `\r`? (A file may mix line ends:
    /// each record's line is worked out from its own.)
    pub fn ended_with_cr(&self) -> bool {
        self.ended_on == b'\r'
    }

    /// Did the last record read end at a `\n` (taken in its read)?
    pub fn ended_with_lf(&self) -> bool {
        self.ended_on == b'\n'
    }

    /// The first record, as `csv::Reader::byte_headers` reads it.
    pub fn byte_headers(&mut self) -> csv::Result<Record> {
        let mut rec = Record::new();
        self.read_byte_record(&mut rec)?;
        Ok(rec)
    }

    pub fn position(&self) -> &Position {
        &self.pos
    }

    pub fn get_ref(&self) -> &B {
        &self.rdr
    }

    pub fn get_mut(&mut self) -> &mut B {
        &mut self.rdr
    }

    /// The next record into `record` (`false` at the end), with its
    /// position set, as `csv::Reader::read_byte_record`.
    pub fn read_byte_record(&mut self, record: &mut Record) -> csv::Result<bool> {
        use csv_core::ReadRecordResult::*;

        // a whole line without quotes is split here; any other record is
        // csv_core's, from its start (the record is cleared and its
        // position set either way)
        if self.read_plain(record)? {
            return Ok(true);
        }
        if self.done {
            return Ok(false);
        }
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            // the same reads as `csv`: one `fill_buf` a turn
            let input = match self.rdr.fill_buf() {
                Ok(input) => input,
                Err(e) => {
                    self.done = true;
                    return Err(e.into());
                }
            };
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.cells[outlen..], &mut self.ends[endlen..]);
            self.fast = !matches!(self.delimiter, b'"' | b'\r' | b'\n');
            if matches!(res, csv_core::ReadRecordResult::Record) {
                self.ended_on = match input[..nin].last() {
                    Some(&b @ (b'\r' | b'\n')) => b,
                    _ => 0,
                };
            }
            self.rdr.consume(nin);
            outlen += nout;
            endlen += nend;
            match res {
                InputEmpty => {
                    let byte = self.pos.byte() + nin as u64;
                    self.pos.set_byte(byte).set_line(self.core.line());
                }
                OutputFull => {
                    let byte = self.pos.byte() + nin as u64;
                    self.pos.set_byte(byte).set_line(self.core.line());
                    let len = self.cells.len().max(4) * 2;
                    self.cells.resize(len, 0);
                }
                OutputEndsFull => {
                    let byte = self.pos.byte() + nin as u64;
                    self.pos.set_byte(byte).set_line(self.core.line());
                    let len = self.ends.len().max(4) * 2;
                    self.ends.resize(len, 0);
                }
                Record => {
                    record.push_cells(&self.cells[..outlen], &self.ends[..endlen]);
                    if self.cells.len() > KEEP {
                        self.cells = vec![0; 1024];
                    }
                    self.advance(nin);
                    return Ok(true);
                }
                End => {
                    let byte = self.pos.byte() + nin as u64;
                    self.pos.set_byte(byte).set_line(self.core.line());
                    self.done = true;
                    return Ok(false);
                }
            }
        }
    }

    /// The next record when it is a whole line without quotes or stray
    /// `\r` (`split_line`), as `read_byte_record` reads it; `false`: it is
    /// not (or the end is reached), nothing is consumed, and the record is
    /// left for `csv_core`. Before `csv_core` has read, this reads only
    /// where the input starts at a line break (a part of a file,
    /// `io::split`): `csv_core` is then given that line break, as its
    /// first read would have been (so it drops no BOM later on).
    pub fn read_plain(&mut self, record: &mut Record) -> csv::Result<bool> {
        record.clear();
        record.set_position(Some(self.pos.clone()));
        if self.done {
            return Ok(false);
        }
        let input = match self.rdr.fill_buf() {
            Ok(input) => input,
            Err(e) => {
                self.done = true;
                return Err(e.into());
            }
        };
        let starts_at_break = input.first() == Some(&b'\n');
        let delimiter_ok = !matches!(self.delimiter, b'"' | b'\r' | b'\n');
        if !(self.fast || (starts_at_break && delimiter_ok)) {
            return Ok(false);
        }
        let Some((used, mut lines)) = split_line(input, self.delimiter, record) else {
            return Ok(false);
        };
        let ended_on = input[used - 1];
        if !self.fast {
            let (res, nin, _, _) = self
                .core
                .read_record(b"\n", &mut self.cells, &mut self.ends);
            debug_assert!(matches!(res, csv_core::ReadRecordResult::InputEmpty) && nin == 1);
            // that line break is counted in `csv_core`'s line now
            lines -= 1;
            self.fast = true;
        }
        self.ended_on = ended_on;
        self.rdr.consume(used);
        self.core.set_line(self.core.line() + lines);
        self.advance(used);
        Ok(true)
    }

    /// After a record: `nin` more bytes read, one more record.
    fn advance(&mut self, nin: usize) {
        let byte = self.pos.byte() + nin as u64;
        let record = self.pos.record() + 1;
        self.pos
            .set_byte(byte)
            .set_line(self.core.line())
            .set_record(record);
    }
}

/// A `csv_core` reader for `delimiter`, as if new. Building one works out
/// its state machine (a quarter of a million instructions), and a file read
/// in parts opens a reader per part: each thread keeps the last one it let
/// go (`Reader`'s drop) and resets it. (Not a clone of a built one:
/// csv_core's `Clone` leaves most of the state machine out.)
fn core_reader(delimiter: u8) -> csv_core::Reader {
    KEPT.with_borrow_mut(|kept| match kept.take() {
        Some((d, mut core)) if d == delimiter => {
            core.reset();
            core
        }
        _ => csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
    })
}

thread_local! {
    static KEPT: std::cell::RefCell<Option<(u8, csv_core::Reader)>> =
        const { std::cell::RefCell::new(None) };
}

impl<R> Drop for Reader<R> {
    fn drop(&mut self) {
        let core = std::mem::take(&mut self.core);
        let _ = KEPT.try_with(|kept| kept.replace(Some((self.delimiter, core))));
    }
}

/// The record at the start of `input` when it is a whole line without
/// quotes or stray `\r`: its cells into `record`, and the bytes it takes
/// and the `\n` among them. `None` (and `record` untouched): let `csv_core`
/// read it. Like `csv_core`, skips the line breaks before it (blank lines)
/// and takes a `\r\n`'s `\r` but leaves its `\n` to the next record.
fn split_line(input: &[u8], delimiter: u8, record: &mut Record) -> Option<(usize, u64)> {
    let start = input.iter().position(|&b| b != b'\n' && b != b'\r')?;
    let blank = input[..start].iter().filter(|&&b| b == b'\n').count() as u64;
    // input[start] is no line break, so the line is not empty
    let (end, newline) = record.push_plain_line(&input[start..], delimiter)?;
    Some(if end < newline {
        // a `\r\n`: its `\n` is the next record's
        (start + newline, blank)
    } else {
        (start + newline + 1, blank + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io;

    /// Hands out its bytes in reads of the given sizes (in turn), and fails
    /// once at the first read from byte `fail` on (before the end); counts
    /// what it handed out, and in how many reads. (`csv` may read the end
    /// once more than this reader, when its record's buffers happen to be
    /// full there: an empty read, harmless, not compared.)
    struct Chunks {
        data: Vec<u8>,
        at: usize,
        sizes: Vec<usize>,
        reads: usize,
        fail: Option<usize>,
    }

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self
                .fail
                .is_some_and(|f| self.at >= f && self.at < self.data.len())
            {
                self.fail = None;
                self.reads += 1;
                return Err(io::Error::other("injected"));
            }
            let size = self.sizes[self.reads % self.sizes.len()];
            let n = size.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            self.reads += usize::from(n > 0);
            Ok(n)
        }
    }

    fn chunks(data: &[u8], sizes: &[usize], fail: Option<usize>) -> Chunks {
        Chunks {
            data: data.to_vec(),
            at: 0,
            sizes: sizes.to_vec(),
            reads: 0,
            fail,
        }
    }

    /// The result, cells and position of a read, where the reader stands
    /// after it, and how many bytes and reads it has taken from its source.
    type Step = (
        String,
        Vec<Vec<u8>>,
        Option<Position>,
        Position,
        usize,
        usize,
    );

    fn step(res: String, rec: &Record, pos: &Position, inner: &Chunks) -> Step {
        let cells = rec.iter().map(<[u8]>::to_vec).collect();
        let at = rec.position().cloned();
        (res, cells, at, pos.clone(), inner.at, inner.reads)
    }

    /// Every read of the `csv` crate's reader and of this one, side by side;
    /// with `plain`, this one tries `read_plain` first for each record.
    fn both(
        data: &[u8],
        delimiter: u8,
        capacity: usize,
        (headers, plain): (bool, bool),
        sizes: &[usize],
        fail: Option<usize>,
    ) -> (Vec<Step>, Vec<Step>) {
        let mut theirs = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(headers)
            .buffer_capacity(capacity)
            .from_reader(chunks(data, sizes, fail));
        let mut ours = Reader::new(delimiter, capacity, chunks(data, sizes, fail));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        if headers {
            let h = theirs.byte_headers().cloned();
            let rec = h.as_ref().map(Record::from).unwrap_or_default();
            a.push(step(
                format!("{:?}", h.is_ok()),
                &rec,
                theirs.position(),
                theirs.get_ref(),
            ));
            let h = ours.byte_headers();
            let rec = h.as_ref().cloned().unwrap_or_default();
            b.push(step(
                format!("{:?}", h.is_ok()),
                &rec,
                ours.position(),
                ours.get_ref().get_ref(),
            ));
            if h.is_err() {
                // psyscreen stops there
                return (a, b);
            }
        }
        let (mut ra, mut rb) = (csv::ByteRecord::new(), Record::new());
        // on past the end: reads there must stay at the end
        let mut past = 0;
        while past < 3 {
            let res = theirs.read_byte_record(&mut ra);
            past = if matches!(res, Ok(true)) { 0 } else { past + 1 };
            let res = format!("{:?}", res.map_err(|e| e.to_string()));
            a.push(step(
                res,
                &Record::from(&ra),
                theirs.position(),
                theirs.get_ref(),
            ));
            let res = match plain {
                true => ours.read_plain(&mut rb).and_then(|read| match read {
                    true => Ok(true),
                    false => ours.read_byte_record(&mut rb),
                }),
                false => ours.read_byte_record(&mut rb),
            };
            let res = format!("{:?}", res.map_err(|e| e.to_string()));
            b.push(step(res, &rb, ours.position(), ours.get_ref().get_ref()));
        }
        (a, b)
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => Just(&b"a"[..]),
            3 => Just(&b","[..]),
            2 => Just(&b"\""[..]),
            2 => Just(&b"\r"[..]),
            3 => Just(&b"\n"[..]),
            2 => Just(&b"\r\n"[..]),
            1 => Just(&b"1"[..]),
            1 => Just(&b"2"[..]),
            1 => Just(&b";"[..]),
            1 => Just("中".as_bytes()),
            1 => Just(&b"\xff"[..]),
            1 => Just(&b"\xef\xbb\xbf"[..]),
            1 => Just(&b"aa,bb,1,2\n"[..]),
            1 => Just(&b"x,y\r\n"[..]),
        ];
        prop::collection::vec(piece, 0..60).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn same_as_the_csv_crate(
            data in text(),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t'), Just(b'"'), Just(b'\r')],
            capacity in prop_oneof![Just(1usize), Just(2), Just(3), 4usize..40, Just(64 << 10)],
            headers in any::<bool>(),
            plain in any::<bool>(),
            sizes in prop::collection::vec(
                prop_oneof![1usize..8, 8usize..100, Just(64 << 10)], 1..6),
            fail in prop::option::weighted(0.1, 0usize..200),
        ) {
            let (a, b) = both(&data, delimiter, capacity, (headers, plain), &sizes, fail);
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn long_lines_across_buffer_ends() {
        // lines of every length around the buffer size, with and without quotes
        let mut data = b"h1,h2,h3\n".to_vec();
        for n in 0..300 {
            let cell = "中".repeat(n % 37) + &"b".repeat(n);
            let row = match n % 5 {
                0 => format!("{cell},2,\"q,{n}\"\r\n"),
                1 => format!("{cell},,{n}\r\n"),
                2 => format!("\n\n{cell},x\n"),
                3 => format!("{cell}\r"),
                _ => format!("{cell},{n}\n"),
            };
            data.extend_from_slice(row.as_bytes());
        }
        for capacity in [16, 100, 1000, 64 << 10] {
            for sizes in [vec![64 << 10], vec![7, 300, 1], vec![4096]] {
                for plain in [false, true] {
                    let (a, b) = both(&data, b',', capacity, (true, plain), &sizes, None);
                    assert_eq!(a, b, "capacity {capacity}, reads {sizes:?}, plain {plain}");
                }
            }
        }
    }
}
