//! One CSV file read on several threads (`--threads`): the file is cut
//! into parts of about `PART_ROWS` lines at line breaks, each part is parsed
//! (and whatever the caller's `Work` makes of a row, such as its scores) on
//! whichever worker thread is free, and the rows come out in input order.
//!
//! A cut is made only where it is sure to fall between two records: at a
//! line break with no `"` anywhere between the header and it. Without a
//! quote no cell can hold a line break, so every line break ends a record,
//! and the lines and rows before the cut are known exactly (the same
//! number: no cell took in a line). From the first `"` on, the rest of the
//! file is one part, read by one reader as before (a quote may open a
//! cell that takes in lines, which only a reader from the start can tell).
//! Each part's reader numbers its rows from the lines before it, so every
//! row number, line number and message is the one a single reader gives.
//!
//! The worker that needs the next part cuts it (`Handout`, under a lock):
//! a planner thread of its own was woken, and preempted a worker, for
//! nearly every part (1M rows, two threads: ~1,100 fewer context switches
//! without it, 8% less CPU time).
//!
//! Memory stays bounded: at most `3 × threads` parts are read or waiting
//! to be handed out at any time (a few MB).

use std::io::{Read, Seek as _, SeekFrom};
use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use crate::io::fields::Record;

use super::input::{Batch, RowStream, Slot, Table, BATCH};
use super::record::RecordInfo;

/// What a split needs to know about the file (found by `Table::open`).
#[derive(Clone)]
pub struct Source {
    pub path: PathBuf,
    pub size: u64,
    /// Where the first record after the header starts (a byte offset of
    /// the file, BOM included).
    pub data_start: u64,
    pub delimiter: u8,
    pub headers: usize,
    /// UTF-8, or GBK / GB18030 decoded by each part's reader.
    pub decoding: super::record::Decoding,
}

/// The fewest bytes of a part: large enough that starting a reader per
/// part costs nothing.
const PART: u64 = 64 << 10;

/// Rows a part holds about (a digit export's row is ~65 bytes, a label
/// export's ~300: what stays in cache is rows, not bytes, so parts are cut
/// by rows), up to `PART_MAX` bytes, well inside the planner's two blocks.
/// Few rows in flight keep them in the cores' caches: with parts of 4,000
/// rows two threads took ~10% more CPU than with 2,000. Parts of 1,000
/// rows, three per worker in flight (`stream`), let a worker that got
/// ahead go on while the part before is still read (1M rows, two threads,
/// medians of 15 alternating runs: 0.189 → 0.183 s; the label export
/// 0.279 → 0.264 s).
const PART_ROWS: u64 = 1_000;
const PART_MAX: u64 = 768 << 10;

/// The bytes of a part, for lines of `bytes / lines` so far on average.
fn part_bytes(bytes: u64, lines: u64) -> u64 {
    (bytes.saturating_mul(PART_ROWS) / lines.max(1)).clamp(PART, PART_MAX)
}

/// Rows per batch a worker hands over: more than one reading thread's
/// (`BATCH`), as the thread that takes them does little with each and
/// would otherwise wait, and be woken, for every few hundred rows
/// (measured: 1024 rows cut the context switches of 1M rows from ~3,800
/// to ~2,000 and the CPU time by ~8%; 4096 cost more than they saved).
const PART_BATCH: usize = 4 * BATCH;

/// Smaller files are read by one reader.
pub const MIN_SIZE: u64 = 512 << 10;

/// The bytes `start..end` (`None`: to the end of the file) as one reader
/// reads them: `start` is a line break (the one that ends the line before
/// the part, so the reader begins, as a single reader would, right after
/// a record's end), `line_offset` the line breaks before it.
pub struct Part {
    pub start: u64,
    pub end: Option<u64>,
    pub line_offset: u64,
    /// The part's bytes as the planner read them (none: read from the
    /// file): the file is read once, not once to cut it and again to
    /// parse it.
    pub bytes: Vec<Segment>,
}

/// Some bytes of a block the planner read.
#[derive(Clone)]
pub struct Segment {
    block: Arc<Vec<u8>>,
    range: std::ops::Range<usize>,
}

/// A part's segments, read in order.
struct Segments {
    segments: Vec<Segment>,
    next: usize,
}

impl std::io::BufRead for Segments {
    /// The rest of the current segment, where the splitter read it.
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while let Some(s) = self.segments.get(self.next) {
            if !s.range.is_empty() {
                break;
            }
            self.next += 1;
        }
        Ok(self
            .segments
            .get(self.next)
            .map_or(&[][..], |s| &s.block[s.range.clone()]))
    }

    fn consume(&mut self, n: usize) {
        if let Some(s) = self.segments.get_mut(self.next) {
            s.range.start = (s.range.start + n).min(s.range.end);
        }
    }
}

impl Read for Segments {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        super::read_from_buf(self, buf)
    }
}

impl Source {
    /// Open the bytes of `part` for reading.
    pub fn open(&self, part: &Part) -> std::io::Result<Box<dyn std::io::BufRead + Send>> {
        if !part.bytes.is_empty() {
            return Ok(Box::new(Segments {
                segments: part.bytes.clone(),
                next: 0,
            }));
        }
        let mut f = std::fs::File::open(&self.path)?;
        f.seek(SeekFrom::Start(part.start))?;
        let capacity = 1 << 16;
        Ok(match part.end {
            Some(end) => Box::new(std::io::BufReader::with_capacity(
                capacity,
                f.take(end - part.start),
            )),
            None => Box::new(std::io::BufReader::with_capacity(capacity, f)),
        })
    }
}

/// Cuts the file into parts, a block at a time, as the workers ask for
/// them: the file is read once, looking only for line breaks and quotes,
/// by whichever worker needs the next part (no thread of its own to wake).
struct Planner {
    src: Arc<Source>,
    file: Option<std::fs::File>,
    blocks: Blocks,
    /// Bytes read, and the line breaks in them.
    at: u64,
    lines: u64,
    /// Where the part being cut begins (a line break) and the line breaks
    /// before it; none before the first record is reached.
    start: Option<(u64, u64)>,
    last_byte: Option<u8>,
    /// Parts cut and not handed out yet (those of the last block read).
    cut: std::collections::VecDeque<Part>,
    /// The last part is cut.
    done: bool,
    /// Bytes to read next (`READ_PARTS`).
    read_len: u64,
}

impl Planner {
    fn new(src: Arc<Source>) -> Planner {
        // the reader of the part meets the same error and reports it
        let file = std::fs::File::open(&src.path).ok();
        let mut planner = Planner {
            src,
            file,
            blocks: Blocks::default(),
            at: 0,
            lines: 0,
            start: None,
            last_byte: None,
            cut: std::collections::VecDeque::new(),
            done: false,
            read_len: PART,
        };
        if planner.file.is_none() {
            let whole = Planner::whole(planner.src.data_start, 0, Vec::new());
            planner.finish(whole);
        }
        planner
    }

    /// The next part in file order; `None` after the last.
    fn next_part(&mut self) -> Option<Part> {
        while self.cut.is_empty() && !self.done {
            self.read_block();
        }
        self.cut.pop_front()
    }

    /// The part from `start` to the end of the file.
    fn whole(start: u64, line_offset: u64, bytes: Vec<Segment>) -> Part {
        Part {
            start,
            end: None,
            line_offset,
            bytes,
        }
    }

    /// `last`, the rest of the file, is the last part.
    fn finish(&mut self, last: Part) {
        self.cut.push_back(last);
        self.done = true;
        self.file = None;
    }

    /// Read the next block and cut the parts that end in it.
    fn read_block(&mut self) {
        let data_start = self.src.data_start;
        let mut buf = self.blocks.take();
        let read = match (&mut self.file, Arc::get_mut(&mut buf)) {
            (Some(f), Some(b)) => {
                let want = usize::try_from(self.read_len).map_or(b.len(), |n| n.clamp(1, b.len()));
                f.read(&mut b[..want])
            }
            _ => Ok(0),
        };
        let n = match read {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return,
            Err(_) => 0,
        };
        if n == 0 {
            // the end of the file (or a read error the part's reader meets)
            let (s, l) = self.start.unwrap_or((data_start, self.lines));
            let last = Planner::whole(s, l, self.blocks.segments(s, self.at));
            self.finish(last);
            return;
        }
        self.blocks.read(self.at, Arc::clone(&buf), n);
        let block = &buf[..n];
        let block_start = self.at;
        let previous_last = self.last_byte;
        self.last_byte = block.last().copied();
        let count = |from: u64, to: u64| {
            let (a, b) = ((from - block_start) as usize, (to - block_start) as usize);
            memchr::memchr_iter(b'\n', &block[a..b]).count() as u64
        };
        let end = block_start + n as u64;
        let mut cursor = block_start;
        if self.start.is_none() {
            if end < data_start {
                self.lines += count(cursor, end);
                self.at = end;
                return;
            }
            // the first part begins at the line break before the first
            // record (the header's own, unless the reader stopped at the
            // `\n` of a CRLF, where the part begins)
            let s = data_start;
            let before = match s.checked_sub(1) {
                Some(b) if b >= block_start => Some(block[(b - block_start) as usize]),
                Some(_) => previous_last,
                None => None,
            };
            self.lines += count(cursor, s);
            cursor = s;
            self.start = Some(if before == Some(b'\n') {
                (s - 1, self.lines - 1)
            } else {
                (s, self.lines)
            });
        }
        let (mut part_start, mut part_lines) = self.start.expect("set above");
        // cuts only before the first quote after the header
        let quote = memchr::memchr(b'"', &block[(cursor - block_start) as usize..])
            .map(|i| cursor + i as u64);
        let limit = quote.unwrap_or(end);
        // the average line so far; until a part's rows are seen, this block's
        let part_len = if self.lines >= PART_ROWS {
            part_bytes(cursor, self.lines)
        } else {
            part_bytes(end, self.lines + count(cursor, end))
        };
        self.read_len = part_len.saturating_mul(READ_PARTS);
        while part_start + part_len < limit {
            let target = (part_start + part_len).max(cursor);
            let from = (target - block_start) as usize;
            let to = (limit - block_start) as usize;
            let Some(i) = memchr::memchr(b'\n', &block[from..to]) else {
                break;
            };
            let cut = target + i as u64;
            self.lines += count(cursor, cut);
            cursor = cut;
            self.cut.push_back(Part {
                start: part_start,
                end: Some(cut + 1),
                line_offset: part_lines,
                bytes: self.blocks.segments(part_start, cut + 1),
            });
            (part_start, part_lines) = (cut, self.lines);
        }
        if quote.is_some() {
            // the rest of the file, not read yet
            let last = Planner::whole(part_start, part_lines, Vec::new());
            self.finish(last);
            return;
        }
        self.lines += count(cursor, end);
        self.at = end;
        self.start = Some((part_start, part_lines));
    }
}

/// Bytes a block holds: the most the planner reads at once.
const BLOCK: usize = 1 << 20;

/// Parts' worth of bytes the planner reads at once (up to `BLOCK`): the
/// worker that read them goes on to parse the first part cut from them
/// while they are still in its core's cache. Reading a whole MB at a
/// time, the bytes of most parts were cold by then (1M rows, two threads,
/// 13 and 7 alternating rounds: digits 0.87× the wall and 0.93× the CPU,
/// Chinese labels 0.73× / 0.79×, in GB18030 0.78× / 0.81×; one part's
/// worth was as fast, two leave room for a part that began in the block
/// before).
const READ_PARTS: u64 = 2;

/// The blocks the planner read last, for the parts cut from them, and
/// blocks done with, to read into again (a new block of a MB each time
/// cost a page fault per 4 KB).
#[derive(Default)]
struct Blocks {
    /// (where in the file, the block, bytes read into it): the last two.
    recent: std::collections::VecDeque<(u64, Arc<Vec<u8>>, usize)>,
    spare: Vec<Arc<Vec<u8>>>,
}

impl Blocks {
    /// A block no part reads any more, or a new one.
    fn take(&mut self) -> Arc<Vec<u8>> {
        match self.spare.iter().position(|b| Arc::strong_count(b) == 1) {
            Some(i) => self.spare.swap_remove(i),
            None => Arc::new(vec![0; BLOCK]),
        }
    }

    /// `block` holds `n` bytes of the file from `at`.
    fn read(&mut self, at: u64, block: Arc<Vec<u8>>, n: usize) {
        self.recent.push_back((at, block, n));
        if self.recent.len() > 2 {
            if let Some((_, old, _)) = self.recent.pop_front() {
                // parts in flight may still hold it: reused once they let go
                if self.spare.len() < 4 {
                    self.spare.push(old);
                }
            }
        }
    }

    /// The bytes `start..end` of the file, when the recent blocks hold all
    /// of them; else none (the part is read from the file: a part longer
    /// than a block, with lines of a MB).
    fn segments(&self, start: u64, end: u64) -> Vec<Segment> {
        let mut segments = Vec::new();
        let mut from = start;
        for (at, block, n) in &self.recent {
            let block_end = at + *n as u64;
            if from >= end || from < *at || from >= block_end {
                continue;
            }
            let to = end.min(block_end);
            segments.push(Segment {
                block: Arc::clone(block),
                range: (from - at) as usize..(to - at) as usize,
            });
            from = to;
        }
        if from == end && !segments.is_empty() {
            segments
        } else {
            Vec::new()
        }
    }
}

/// A part's batches, and the part's place in the order.
type Job<T> = (Part, Sender<Batch<T>>);

/// Batches handed back by the consumer, for the workers to fill again.
pub(super) type Pool<T> = Arc<Mutex<Vec<Vec<Slot<T>>>>>;

/// The consumer's end: each part's batches in order, and tickets that
/// bound how many parts are read ahead.
pub(super) struct Parts<T> {
    pub order: Receiver<Receiver<Batch<T>>>,
    pub current: Option<Receiver<Batch<T>>>,
    pub pool: Pool<T>,
    pub tickets: SyncSender<()>,
}

/// What a worker does with the rows it reads: each row as it is read, and
/// each batch of rows once it is full, before it is handed over.
pub trait Work<T> {
    /// The row read into `rec`; whether the consumer reads `rec` and the
    /// row's `RecordInfo`. `false` promises it reads neither (only `row`):
    /// the slot's record and info are then left as an earlier batch left
    /// them, and the row's bytes stay where the worker read them, in its
    /// core's cache (`Table::fill`).
    fn row(&mut self, rec: &mut Record, info: RecordInfo, row: &mut T) -> bool;

    /// The batch's rows, all read (by `row`), before they are handed over.
    fn batch(&mut self, _rows: &mut [Slot<T>]) {}
}

/// Read `table`'s file in parts on `threads` workers in `scope`, each
/// running the `Work` it got from `make` (once: its own state, such as a
/// cache of encoded fields) on the rows it reads; the rows come out of the
/// stream in input order. `None`: the file cannot be split (see
/// `Table::split_source`), read it with `Table::stream_with`.
pub fn stream<'scope, T, M, W>(
    table: &Table,
    scope: &'scope std::thread::Scope<'scope, '_>,
    threads: usize,
    make: &'scope M,
) -> Option<RowStream<T>>
where
    T: Default + Send + 'scope,
    M: Fn() -> W + Sync,
    W: Work<T>,
{
    let src = Arc::new(table.split_source()?);
    if threads < 2 || src.size < MIN_SIZE {
        return None;
    }
    let name = table.name.clone();
    // three parts a worker: one done with its part goes on to the next
    // while this thread still waits for an earlier one (with one part more
    // than the workers, a worker waited a sixth of the time)
    let ahead = 3 * threads;
    let (tickets, ticket_rx) = sync_channel::<()>(ahead);
    for _ in 0..ahead {
        let _ = tickets.send(());
    }
    let (order_tx, order) = channel::<Receiver<Batch<T>>>();
    // the planner, and what hands its parts out in order: a worker that
    // needs a part cuts it (no planner thread to wake and to preempt a
    // worker for every part)
    let handout = Arc::new(Mutex::new(Handout {
        planner: Planner::new(Arc::clone(&src)),
        tickets: ticket_rx,
        order: order_tx,
    }));
    let pool: Pool<T> = Arc::default();
    for _ in 0..threads {
        let (src, handout, pool, name) = (
            Arc::clone(&src),
            Arc::clone(&handout),
            Arc::clone(&pool),
            name.clone(),
        );
        scope.spawn(move || {
            let mut work = make();
            let mut scratch = Record::new();
            loop {
                let job = handout.lock().ok().and_then(|mut h| h.next_job());
                let Some((part, tx)) = job else {
                    return;
                };
                let to = (&tx, &pool);
                read_part(&src, &name, &part, to, &mut scratch, &mut work);
            }
        });
    }
    Some(RowStream::from_parts(Parts {
        order,
        current: None,
        pool,
        tickets,
    }))
}

/// What hands the parts out, in order, to the workers that ask: the
/// planner, the tickets that bound the parts in flight, and the order the
/// consumer takes their batches in.
struct Handout<T> {
    planner: Planner,
    tickets: Receiver<()>,
    order: Sender<Receiver<Batch<T>>>,
}

impl<T> Handout<T> {
    /// The next part and where its batches go, its place in the order
    /// taken; `None`: the file is cut, or the consumer is gone.
    fn next_job(&mut self) -> Option<Job<T>> {
        // a ticket first: at most `ahead` parts read or waiting
        self.tickets.recv().ok()?;
        let part = self.planner.next_part()?;
        let (tx, rx) = channel();
        self.order.send(rx).ok()?;
        Some((part, tx))
    }
}

/// Read one part into batches sent on `tx`; a read error ends the part
/// (and, when the consumer reaches it, the stream).
fn read_part<T: Default, W: Work<T>>(
    src: &Source,
    name: &str,
    part: &Part,
    (tx, pool): (&Sender<Batch<T>>, &Pool<T>),
    scratch: &mut Record,
    work: &mut W,
) {
    let mut table = match Table::part(src, name, part) {
        Ok(t) => t,
        Err(error) => {
            let _ = tx.send(Batch {
                rows: Vec::new(),
                len: 0,
                position: part.start,
                error: Some(error),
            });
            return;
        }
    };
    loop {
        let mut rows = pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default();
        if rows.len() < PART_BATCH {
            rows.resize_with(PART_BATCH, Slot::default);
        }
        let (len, error) = table.fill(&mut rows, scratch, &mut |rec, info, row| {
            work.row(rec, info, row)
        });
        work.batch(&mut rows[..len]);
        let last = len < rows.len();
        let batch = Batch {
            rows,
            len,
            position: part.start + table.position(),
            error,
        };
        if tx.send(batch).is_err() || last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part's bytes are handed on where they lie, segment by segment,
    /// empty segments skipped, a chunk taken in any steps.
    #[test]
    fn segments_hand_on_their_bytes_in_order() {
        use std::io::BufRead;
        let block = Arc::new(b"..abc..defg".to_vec());
        let segment = |range| Segment {
            block: Arc::clone(&block),
            range,
        };
        let mut s = Segments {
            segments: vec![segment(2..5), segment(5..5), segment(7..11), segment(0..0)],
            next: 0,
        };
        assert_eq!(s.fill_buf().unwrap(), b"abc");
        s.consume(1);
        assert_eq!(s.fill_buf().unwrap(), b"bc");
        s.consume(2);
        assert_eq!(s.fill_buf().unwrap(), b"defg");
        let mut rest = String::new();
        s.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "defg");
        assert_eq!(s.fill_buf().unwrap(), b"");
    }

    /// Rows a worker keeps come with their own record and info, whichever
    /// rows around them it did not keep (their slots are left alone), and
    /// every row's derived value comes in input order.
    #[test]
    fn kept_rows_come_with_their_own_record_and_info() {
        struct EveryThird;
        impl Work<u64> for EveryThird {
            fn row(&mut self, rec: &mut Record, info: RecordInfo, row: &mut u64) -> bool {
                *row = info.row;
                let n = rec.get(0).and_then(|c| std::str::from_utf8(c).ok());
                n.and_then(|n| n.parse::<u64>().ok())
                    .is_some_and(|n| n % 3 == 0)
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = b"n,x\n".to_vec();
        let rows = 120_000u64;
        for i in 0..rows {
            text.extend_from_slice(format!("{i},{}\n", i % 7).as_bytes());
        }
        std::fs::write(&path, &text).unwrap();
        let table = Table::open(&super::super::input::InputSpec::file(&path)).unwrap();
        let make = || EveryThird;
        std::thread::scope(|scope| {
            let mut stream = stream(&table, scope, 2, &make).expect("large enough for parts");
            let mut n = 0;
            while let Some((rec, info, &mut number)) = stream.next_row().unwrap() {
                // the header is row 1
                assert_eq!(number, n + 2);
                if n % 3 == 0 {
                    assert_eq!(rec.get(0), Some(n.to_string().as_bytes()), "row {number}");
                    assert_eq!(info.row, number);
                }
                n += 1;
            }
            assert_eq!(n, rows);
        });
    }

    /// Every part starts at a line break, parts cover the data, and each
    /// part's offset is the line breaks before its start.
    #[test]
    fn parts_start_at_line_breaks_and_count_the_lines_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = b"h1,h2\r\n".to_vec();
        for i in 0..500_000 {
            text.extend_from_slice(format!("{i},{}\r\n", i % 7).as_bytes());
        }
        let quote_at = text.len() - 1000;
        text[quote_at] = b'"';
        let (src, parts) = planned(&path, &text);
        assert!(parts.len() > 4, "{}", parts.len());
        assert_eq!(parts[0].start, 6, "the header's \\n");
        for (i, p) in parts.iter().enumerate() {
            assert_eq!(text[p.start as usize], b'\n');
            let before = text[..p.start as usize]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            assert_eq!(p.line_offset, before);
            match parts.get(i + 1) {
                Some(next) => assert_eq!(p.end, Some(next.start + 1)),
                None => assert_eq!(p.end, None),
            }
            assert!(p.start < quote_at as u64);
        }
        // each part's bytes, from the planner's blocks or the file, are the file's
        bytes_are_the_files(&src, &parts, &text);
        let read_once = parts.iter().filter(|p| !p.bytes.is_empty()).count();
        assert!(
            read_once + 1 >= parts.len(),
            "all but the part with the quote"
        );
        assert!(
            parts.last().unwrap().bytes.is_empty(),
            "after the quote: the file"
        );
        let last = parts.last().unwrap();
        assert!(
            quote_at as u64 - last.start <= PART + 20,
            "cut up to the quote"
        );
    }

    /// Parts hold about `PART_ROWS` rows whatever the width of a row,
    /// within `PART..=PART_MAX` bytes; a file of wide rows is cut into
    /// parts of as many rows as a file of narrow ones.
    #[test]
    fn parts_are_sized_by_rows_within_bounds() {
        assert_eq!(part_bytes(140_000, 1_000), 140 * PART_ROWS);
        assert_eq!(part_bytes(316_000, 1_000), 316 * PART_ROWS);
        assert_eq!(part_bytes(10_000, 1_000), PART);
        assert_eq!(part_bytes(10_000_000, 1_000), PART_MAX);
        assert_eq!(
            part_bytes(1_000, 0),
            PART_MAX,
            "no line break yet: one long row"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = b"h1,h2\n".to_vec();
        for i in 0..20_000 {
            text.extend_from_slice(format!("{i:0>150},{}\n", i % 7).as_bytes());
        }
        let (src, parts) = planned(&path, &text);
        for p in &parts[..parts.len() - 1] {
            let bytes = &text[p.start as usize + 1..p.end.unwrap() as usize];
            let rows = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            assert!((PART_ROWS - 5..=PART_ROWS + 5).contains(&rows), "{rows}");
        }
        bytes_are_the_files(&src, &parts, &text);
        // read a couple of parts at a time, every part is still in the
        // blocks read last: the file is read once
        assert!(parts.iter().all(|p| !p.bytes.is_empty()));
    }

    /// A row's cells and where it sits, or the error that ended the reading.
    type RowRead = Result<(Vec<Vec<u8>>, RecordInfo), String>;

    /// Every row a table hands out.
    fn rows_of(table: &mut Table) -> Vec<RowRead> {
        let mut rec = Record::new();
        let mut rows = Vec::new();
        loop {
            match table.read(&mut rec) {
                Ok(Some(info)) => rows.push(Ok((rec.iter().map(<[u8]>::to_vec).collect(), info))),
                Ok(None) => return rows,
                Err(e) => {
                    rows.push(Err(format!("{e:#}")));
                    return rows;
                }
            }
        }
    }

    fn body() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            6 => Just(&b"a"[..]),
            4 => Just(&b","[..]),
            6 => Just(&b"\n"[..]),
            3 => Just(&b"\r\n"[..]),
            1 => Just(&b"\r"[..]),
            1 => Just(&b"\""[..]),
            2 => Just(&b"12"[..]),
            1 => Just("中".as_bytes()),
            1 => Just(&b"\xff"[..]),
            1 => Just(&b"\xef\xbb\xbf"[..]),
            2 => Just(&b"x,y\n"[..]),
            1 => Just(&b"x,y\r\n"[..]),
        ];
        prop::collection::vec(piece, 0..80).prop_map(|p| p.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(600))]

        /// One reader of the whole file, and the parts of the file, cut at
        /// line breaks before its first quote as the planner cuts them,
        /// each read by its own reader (their bytes in segments a line may
        /// straddle), give the rows, lines and errors of one reader that
        /// reads every line the general way (`without_plain`): CRLF, blank
        /// lines, stray `\r`, a BOM or a bad byte inside a line, no final
        /// line break.
        #[test]
        fn parts_read_the_rows_one_reader_reads(
            body in body(),
            crlf in proptest::prelude::any::<bool>(),
            cuts in proptest::collection::vec(0usize..1000, 0..4),
            splits in proptest::collection::vec(0usize..1000, 0..3),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.csv");
            let mut text = if crlf { b"h1,h2\r\n".to_vec() } else { b"h1,h2\n".to_vec() };
            text.extend_from_slice(&body);
            std::fs::write(&path, &text).unwrap();
            let spec = super::super::input::InputSpec::file(&path);
            let mut general = Table::open(&spec).unwrap().without_plain();
            // what `stream` would cut (the encoding found, the header's end)
            let src = general.split_source();
            let expected = rows_of(&mut general);
            let mut whole = Table::open(&spec).unwrap();
            proptest::prop_assert_eq!(rows_of(&mut whole), expected.clone());
            let Some(src) = src else {
                return Ok(());
            };

            // cuts at line breaks before the first quote, from the header's
            // (the first part starts at the line break before the first row)
            let first = match src.data_start as usize {
                d if text[d - 1] == b'\n' => d - 1,
                d => d,
            };
            let quote = memchr::memchr(b'"', &text).unwrap_or(text.len());
            let breaks: Vec<usize> = (first..quote).filter(|&i| text[i] == b'\n').collect();
            let mut starts: Vec<usize> = cuts.iter().map(|c| breaks[c % breaks.len()]).collect();
            starts.push(first);
            starts.sort_unstable();
            starts.dedup();
            let block = Arc::new(text.clone());
            let mut got = Vec::new();
            for (i, &start) in starts.iter().enumerate() {
                let end = starts.get(i + 1).map_or(text.len(), |&next| next + 1);
                // the part's bytes in segments, split anywhere
                let mut at: Vec<usize> = splits.iter().map(|s| start + s % (end - start + 1)).collect();
                at.push(start);
                at.push(end);
                at.sort_unstable();
                let bytes = at
                    .windows(2)
                    .map(|w| Segment { block: Arc::clone(&block), range: w[0]..w[1] })
                    .collect();
                let part = Part {
                    start: start as u64,
                    end: starts.get(i + 1).map(|_| end as u64),
                    line_offset: text[..start].iter().filter(|&&b| b == b'\n').count() as u64,
                    bytes,
                };
                let mut table = Table::part(&src, "t.csv", &part).unwrap();
                let rows = rows_of(&mut table);
                let failed = rows.last().is_some_and(Result::is_err);
                got.extend(rows);
                if failed {
                    break;
                }
            }
            proptest::prop_assert_eq!(got, expected);
        }
    }

    /// `text` written to `path` (a header of 6 bytes) and cut into parts.
    fn planned(path: &std::path::Path, text: &[u8]) -> (Source, Vec<Part>) {
        std::fs::write(path, text).unwrap();
        let src = Source {
            path: path.to_path_buf(),
            size: text.len() as u64,
            data_start: 6,
            delimiter: b',',
            headers: 2,
            decoding: crate::io::record::Decoding::Utf8,
        };
        let mut planner = Planner::new(Arc::new(src.clone()));
        let parts = std::iter::from_fn(|| planner.next_part()).collect();
        (src, parts)
    }

    /// Each part's reader gives the part's bytes of the file.
    fn bytes_are_the_files(src: &Source, parts: &[Part], text: &[u8]) {
        for (i, p) in parts.iter().enumerate() {
            let mut bytes = Vec::new();
            src.open(p).unwrap().read_to_end(&mut bytes).unwrap();
            let end = p.end.map_or(text.len(), |e| e as usize);
            assert_eq!(bytes.len(), end - p.start as usize, "part {i}");
            assert!(bytes == text[p.start as usize..end], "part {i}");
        }
    }

    /// Lines longer than a block: those parts are read from the file, the
    /// rest from the planner's blocks, each part's bytes the file's.
    #[test]
    fn parts_with_lines_longer_than_a_block_are_read_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = b"h1,h2\n".to_vec();
        for i in 0..400_000 {
            text.extend_from_slice(format!("{i},{}\n", i % 7).as_bytes());
            if i % 100_000 == 5 {
                text.extend_from_slice(&vec![b'x'; BLOCK * 3 / 2]);
                text.extend_from_slice(b",1\n");
            }
        }
        let (src, parts) = planned(&path, &text);
        bytes_are_the_files(&src, &parts, &text);
        let from_file = parts.iter().filter(|p| p.bytes.is_empty()).count();
        assert!(
            (1..parts.len() / 2).contains(&from_file),
            "{from_file} of {}",
            parts.len()
        );
        assert!(
            !parts.last().unwrap().bytes.is_empty(),
            "the end, read already"
        );
    }
}
