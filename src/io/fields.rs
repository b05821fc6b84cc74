//! One record's cells, as every reader hands them to the row pipeline (a
//! CSV line, a sheet's row, a binding's row). It replaces `csv::ByteRecord`
//! there because it can be filled the cheap way: a CSV line with no quote
//! is copied whole and only where each cell starts and ends is noted
//! (`io::csvread`), where a `ByteRecord` is filled a cell at a time, which
//! cost as much as parsing the line (issue 14, BENCHMARKS.md).

use csv::Position;

/// The cells of one record, each a range of one buffer.
#[derive(Clone, Default)]
pub struct Record {
    /// The cells' bytes; between two cells there may be other bytes (the
    /// delimiter of a line copied whole).
    data: Vec<u8>,
    /// Per cell, where it starts and ends in `data`. As `u32`: half the
    /// bytes a row writes and the next reads (a row of 28 cells wrote
    /// seven cache lines of bounds as `usize`: cachegrind, issue 14).
    bounds: Vec<Bounds>,
    position: Option<Position>,
    /// The bytes between cells, OR-ed together (only a line copied whole
    /// has any: its delimiter): below 0x80, they are all ASCII.
    gaps: u8,
    utf8: Utf8Check,
}

/// Where a cell starts and ends in its record's buffer. A record never
/// reaches 4 GiB: a CSV record stops at `input::MAX_RECORD` (64 MiB), a
/// sheet at `xlsx::MAX_SHEET_XML` (2 GiB) of XML.
pub type Bounds = (u32, u32);

/// `n` as a cell's offset (`Bounds`).
#[inline]
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("a record is under 4 GiB (MAX_RECORD, MAX_SHEET_XML)")
}

/// Whether a record's bytes are valid UTF-8, when the reader left that to
/// whoever reads its cells (`io::input::Table::fill`): the answer reader
/// needs not look again at the bytes of a cell it read as an answer
/// (`io::cells::valid_utf8_around`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Utf8Check {
    /// Checked by the reader (or not its to check): `RecordInfo::undecodable`
    /// says.
    #[default]
    Done,
    /// Not checked yet; `RecordInfo::undecodable` is false until it is.
    Pending,
    /// Checked after the reader, by whoever read the cells.
    Checked { undecodable: bool },
}

impl Record {
    pub fn new() -> Record {
        Record::default()
    }

    /// Room for `bytes` of cells and `fields` cells.
    pub fn with_capacity(bytes: usize, fields: usize) -> Record {
        Record {
            data: Vec::with_capacity(bytes),
            bounds: Vec::with_capacity(fields),
            ..Record::default()
        }
    }

    /// How many cells.
    #[inline]
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    /// Cell `i`, if the record has it.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let &(start, end) = self.bounds.get(i)?;
        self.data.get(start as usize..end as usize)
    }

    /// Where cell `i` lies in `as_slice()`, if the record has it.
    #[inline]
    pub fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let &(start, end) = self.bounds.get(i)?;
        Some(start as usize..end as usize)
    }

    pub fn iter(&self) -> Cells<'_> {
        Cells {
            record: self,
            range: 0..self.bounds.len(),
        }
    }

    /// No cells (the position is kept, as `ByteRecord::clear` keeps it).
    #[inline]
    pub fn clear(&mut self) {
        self.data.clear();
        self.bounds.clear();
        self.gaps = 0;
        self.utf8 = Utf8Check::Done;
    }

    #[inline]
    pub fn push_field(&mut self, cell: &[u8]) {
        let start = self.data.len();
        // a one-byte cell (an answer) without a call to `memcpy`
        match cell {
            &[b] => self.data.push(b),
            _ => self.data.extend_from_slice(cell),
        }
        self.bounds.push((offset(start), offset(self.data.len())));
    }

    /// Cells as `csv_core` writes them: their bytes one after another in
    /// `cells`, and where each ends; the record must be empty.
    pub fn push_cells(&mut self, cells: &[u8], ends: &[usize]) {
        debug_assert!(self.is_empty());
        self.data.extend_from_slice(cells);
        let mut from = 0;
        self.bounds.extend(ends.iter().map(|&end| {
            let end = offset(end);
            let cell = (from, end);
            from = end;
            cell
        }));
    }

    /// The first line of `text` (up to its first `\n`, less a `\r` just
    /// before it) copied whole as the record's bytes, with its cells where
    /// `delimiter` does not occur, when the line has no quote and no other
    /// `\r`: then where it ends and where its `\n` is. `None` (and the
    /// record left empty): no `\n` in `text`, a quote or `\r` in the line,
    /// or an empty line. The record must be empty, and `delimiter` none of
    /// `"`, `\r`, `\n`.
    #[inline]
    pub fn push_plain_line(&mut self, text: &[u8], delimiter: u8) -> Option<(usize, usize)> {
        debug_assert!(self.is_empty());
        debug_assert!(!matches!(delimiter, b'"' | b'\r' | b'\n'));
        match split_plain_line(text, delimiter, &mut self.bounds) {
            Some((end, newline)) if end > 0 => {
                self.data.extend_from_slice(&text[..end]);
                if self.bounds.len() > 1 {
                    self.gaps |= delimiter;
                }
                Some((end, newline))
            }
            _ => {
                self.bounds.clear();
                None
            }
        }
    }

    /// The bytes of all cells, in order, with whatever lies between them
    /// (a delimiter, or nothing): for looking through a whole record at
    /// once (does it hold a line break, is it all valid UTF-8). The first
    /// cell starts at 0 (cells are only ever added after the last).
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        let end = self.bounds.last().map_or(0, |&(_, end)| end);
        &self.data[..end as usize]
    }

    /// The buffer the cells lie in and, per cell, where it starts and ends
    /// there (`start <= end <= buffer.len()`): for a loop over many cells
    /// that looks each up by its index (`io::cells`), without an `Option`
    /// and a range made per cell.
    #[inline]
    pub fn raw(&self) -> (&[u8], &[Bounds]) {
        (&self.data, &self.bounds)
    }

    /// Is every byte between two cells ASCII (a delimiter)? Then the
    /// record is valid UTF-8 when each of its cells is.
    #[inline]
    pub fn gaps_are_ascii(&self) -> bool {
        self.gaps.is_ascii()
    }

    #[inline]
    pub fn utf8_check(&self) -> Utf8Check {
        self.utf8
    }

    #[inline]
    pub fn set_utf8_check(&mut self, check: Utf8Check) {
        self.utf8 = check;
    }

    pub fn position(&self) -> Option<&Position> {
        self.position.as_ref()
    }

    pub fn set_position(&mut self, position: Option<Position>) {
        self.position = position;
    }
}

/// Are `bytes` valid UTF-8? ASCII (most records) a word at a time first.
/// `record::Decoding::Utf8` checks a record with it too.
#[inline]
pub fn valid_utf8(bytes: &[u8]) -> bool {
    bytes.is_ascii() || simdutf8::basic::from_utf8(bytes).is_ok()
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cells: Vec<_> = self.iter().map(String::from_utf8_lossy).collect();
        f.debug_tuple("Record").field(&cells).finish()
    }
}

/// Two records are equal when their cells are (not how they are stored).
impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Record {}

impl<T: AsRef<[u8]>> From<Vec<T>> for Record {
    fn from(cells: Vec<T>) -> Record {
        cells.iter().map(AsRef::as_ref).collect()
    }
}

impl<'a> FromIterator<&'a [u8]> for Record {
    fn from_iter<I: IntoIterator<Item = &'a [u8]>>(cells: I) -> Record {
        let mut rec = Record::new();
        for cell in cells {
            rec.push_field(cell);
        }
        rec
    }
}

impl From<&csv::ByteRecord> for Record {
    fn from(rec: &csv::ByteRecord) -> Record {
        let mut out: Record = rec.iter().collect();
        out.position = rec.position().cloned();
        out
    }
}

/// A record's cells in order.
#[derive(Clone)]
pub struct Cells<'r> {
    record: &'r Record,
    range: std::ops::Range<usize>,
}

impl<'r> Iterator for Cells<'r> {
    type Item = &'r [u8];

    #[inline]
    fn next(&mut self) -> Option<&'r [u8]> {
        let i = self.range.next()?;
        self.record.get(i)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for Cells<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.range.next_back()?;
        self.record.get(i)
    }
}

impl ExactSizeIterator for Cells<'_> {}

impl<'r> IntoIterator for &'r Record {
    type Item = &'r [u8];
    type IntoIter = Cells<'r>;

    fn into_iter(self) -> Cells<'r> {
        self.iter()
    }
}

/// Sixty-four bytes of a line at a time: which are the delimiter, and
/// which a `\n`, a quote or a `\r` (bit i: byte i). The three are one
/// mask: the first of them ends the line split here (at its `\n`, or the
/// `\r` of its `\r\n`) or gives it to `csv_core`.
#[derive(Clone, Copy)]
struct Needles {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    splats: [safe_arch::m128i; 4],
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    delimiter: u8,
}

/// The bytes `Needles` looks at in one step (64: half the steps of 32,
/// and a label export's lines are long: issue 14).
const BLOCK: usize = 64;

/// The masks of one block: (delimiters, line feeds, quotes and CRs).
type Masks = (u64, u64);

impl Needles {
    #[inline]
    fn new(delimiter: u8) -> Needles {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        {
            let splat = |b: u8| safe_arch::set_splat_i8_m128i(b.cast_signed());
            Needles {
                splats: [splat(delimiter), splat(b'\n'), splat(b'"'), splat(b'\r')],
            }
        }
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        Needles { delimiter }
    }

    /// SSE2 (every x86-64 has it): per sixteen bytes four compares and
    /// two byte masks.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn masks(self, block: &[u8; BLOCK]) -> Masks {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
        };
        let [delimiter, newline, quote, cr] = self.splats;
        let mut masks = (0, 0);
        for (i, sixteen) in block.chunks_exact(16).enumerate() {
            let Ok(sixteen) = sixteen.try_into() else {
                return (0, 0); // never: 64 bytes are four 16s
            };
            let v = load_unaligned_m128i(sixteen);
            let mask = |m| u64::from(move_mask_i8_m128i(m).cast_unsigned());
            let specials = bitor_m128i(
                bitor_m128i(
                    cmp_eq_mask_i8_m128i(v, newline),
                    cmp_eq_mask_i8_m128i(v, quote),
                ),
                cmp_eq_mask_i8_m128i(v, cr),
            );
            masks.0 |= mask(cmp_eq_mask_i8_m128i(v, delimiter)) << (16 * i);
            masks.1 |= mask(specials) << (16 * i);
        }
        masks
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline(always)]
    fn masks(self, block: &[u8; BLOCK]) -> Masks {
        masks_by_word(block, self.delimiter)
    }
}

/// `Needles::masks` eight bytes at a time in a `u64` (SWAR), elsewhere
/// than x86-64 (aarch64 has NEON, but no safe way to it in stable Rust).
#[cfg_attr(not(test), allow(dead_code))] // on x86-64 only the tests call it
#[inline(always)]
fn masks_by_word(block: &[u8; BLOCK], delimiter: u8) -> Masks {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // per byte of `word` that is `byte`: bit i of the result for byte i
    let equal = |word: u64, byte: u8| {
        let x = word ^ u64::from_ne_bytes([byte; 8]);
        // the high bit of each byte that is 0, exactly (no carries across
        // bytes: each byte's low seven bits are added alone)
        let zero = !(((x & LOW7) + LOW7) | x | LOW7);
        // gather the eight high bits into the top byte
        (zero >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
    };
    let mut masks = (0, 0);
    for (i, word) in block.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        masks.0 |= equal(word, delimiter) << (8 * i);
        let specials = equal(word, b'\n') | equal(word, b'"') | equal(word, b'\r');
        masks.1 |= specials << (8 * i);
    }
    masks
}

/// `Needles::masks` a byte at a time: what the tests hold the others to.
#[cfg_attr(not(test), allow(dead_code))] // only the tests call it
fn masks_by_byte(block: &[u8; BLOCK], delimiter: u8) -> Masks {
    let mut masks = (0, 0);
    for (i, &b) in block.iter().enumerate() {
        masks.0 |= u64::from(b == delimiter) << i;
        masks.1 |= u64::from(matches!(b, b'\n' | b'"' | b'\r')) << i;
    }
    masks
}

/// `Record::push_plain_line`'s one pass over the line: its cells' bounds
/// (offsets in `text`) appended to `bounds`, and (where the line ends,
/// where its `\n` is). The delimiters and the first `\n`, quote or `\r`
/// are found together, a block at a time (four passes over the line
/// before: a search for its end, one for quotes, a split, a copy).
/// `None`: no `\n`, or a quote or stray `\r` before it (`bounds` then
/// holds some of the line's cells).
#[inline]
fn split_plain_line(
    text: &[u8],
    delimiter: u8,
    bounds: &mut Vec<Bounds>,
) -> Option<(usize, usize)> {
    // (a line longer than `Bounds` holds is csv_core's, which fails it)
    u32::try_from(text.len()).ok()?;
    let needles = Needles::new(delimiter);
    // where the current cell starts, where the current block starts
    let (mut from, mut base) = (0, 0);
    loop {
        let (mut delimiters, specials) = match text.get(base..base + BLOCK) {
            Some(block) => needles.masks(block.try_into().ok()?),
            None => {
                // the last bytes, padded (the padding's bits masked off)
                let rest = text.get(base..)?;
                let mut block = [0; BLOCK];
                block[..rest.len()].copy_from_slice(rest);
                let (d, s) = needles.masks(&block);
                let real = (1u64 << rest.len()) - 1;
                (d & real, s & real)
            }
        };
        if specials != 0 {
            // the line's first `\n`, quote or `\r`: a `\n`, or the `\r`
            // of a `\r\n`, ends it; any other quote or `\r` is for csv_core
            let first = specials.trailing_zeros();
            let at = base + first as usize;
            let newline = match (text.get(at), text.get(at + 1)) {
                (Some(b'\n'), _) => at,
                (Some(b'\r'), Some(b'\n')) => at + 1,
                _ => return None,
            };
            delimiters &= (1u64 << first) - 1;
            while delimiters != 0 {
                let at = base + delimiters.trailing_zeros() as usize;
                bounds.push((from as u32, at as u32));
                from = at + 1;
                delimiters &= delimiters - 1;
            }
            bounds.push((from as u32, at as u32));
            return Some((at, newline));
        }
        while delimiters != 0 {
            let at = base + delimiters.trailing_zeros() as usize;
            bounds.push((from as u32, at as u32));
            from = at + 1;
            delimiters &= delimiters - 1;
        }
        if base + BLOCK >= text.len() {
            return None; // no line break
        }
        base += BLOCK;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `push_plain_line` must do, by hand.
    fn by_hand(text: &[u8], delimiter: u8) -> Option<(Vec<&[u8]>, usize, usize)> {
        let newline = text.iter().position(|&b| b == b'\n')?;
        let end = if newline > 0 && text[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let line = &text[..end];
        if end == 0 || line.iter().any(|&b| b == b'"' || b == b'\r') {
            return None;
        }
        Some((line.split(|&b| b == delimiter).collect(), end, newline))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn a_line_splits_as_by_hand(
            text in prop::collection::vec(
                prop_oneof![
                    8 => Just(b','), 8 => Just(b'a'), 1 => Just(b';'), 1 => Just(0xacu8),
                    1 => Just(0x2cu8 | 0x80), 1 => Just(0u8), 1 => Just(0xffu8),
                    1 => Just(b'"'), 1 => Just(b'\r'), 2 => Just(b'\n'), 1 => Just(0x8au8),
                ],
                0..200),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(0u8), Just(0xacu8)],
        ) {
            let mut rec = Record::new();
            let got = rec.push_plain_line(&text, delimiter);
            let want = by_hand(&text, delimiter);
            prop_assert_eq!(got, want.as_ref().map(|&(_, end, newline)| (end, newline)));
            let Some((cells, end, _)) = want else {
                prop_assert!(rec.is_empty());
                prop_assert_eq!(rec.as_slice(), b"");
                return Ok(());
            };
            prop_assert_eq!(rec.iter().collect::<Vec<_>>(), cells.clone());
            prop_assert_eq!(rec.len(), cells.len());
            prop_assert_eq!(rec.as_slice(), &text[..end]);
            let pushed: Record = cells.iter().copied().collect();
            prop_assert_eq!(&rec, &pushed);
            prop_assert_eq!(pushed.as_slice(), cells.concat());
            for (i, cell) in cells.iter().enumerate() {
                prop_assert_eq!(&rec.as_slice()[rec.range(i).unwrap()], *cell);
                prop_assert_eq!(&pushed.as_slice()[pushed.range(i).unwrap()], *cell);
            }
            prop_assert_eq!(rec.range(cells.len()), None);
            prop_assert_eq!(rec.iter().rev().collect::<Vec<_>>(),
                cells.iter().rev().copied().collect::<Vec<_>>());
        }

        /// The SIMD masks are the byte-by-byte ones.
        #[test]
        fn masks_are_the_bytes_masks(
            block in prop::collection::vec(prop_oneof![
                Just(b','), Just(b'\n'), Just(b'"'), Just(b'\r'), Just(b';'), proptest::num::u8::ANY], BLOCK),
            delimiter in prop_oneof![Just(b','), Just(b';'), proptest::num::u8::ANY],
        ) {
            prop_assume!(!matches!(delimiter, b'"' | b'\r' | b'\n'));
            let block: [u8; BLOCK] = block.try_into().unwrap();
            prop_assert_eq!(Needles::new(delimiter).masks(&block), masks_by_byte(&block, delimiter));
            prop_assert_eq!(masks_by_word(&block, delimiter), masks_by_byte(&block, delimiter));
        }
    }

    #[test]
    fn word_masks_of_every_byte_in_every_place() {
        for b in 0..=255u8 {
            for at in 0..BLOCK {
                let mut block = [b'a'; BLOCK];
                block[at] = b;
                let mut all = [b; BLOCK];
                all[at] = b'a';
                for block in [block, all] {
                    assert_eq!(masks_by_word(&block, b','), masks_by_byte(&block, b','));
                    assert_eq!(masks_by_word(&block, b), masks_by_byte(&block, b));
                }
            }
        }
    }

    /// Lines of every length around one and two blocks, ending at every place
    /// in a block, with a quote or `\r` at every place.
    #[test]
    fn every_length_and_every_place() {
        for n in 0..140 {
            for tail in [&b"\n"[..], b"\r\n", b"\nx,y\n", b"", b"\r"] {
                let base: Vec<u8> = (0..n)
                    .map(|i| {
                        if i % 3 == 2 {
                            b','
                        } else {
                            b'a' + (i % 26) as u8
                        }
                    })
                    .collect();
                let mut variants = vec![base.clone()];
                for at in 0..n {
                    for b in [b'"', b'\r'] {
                        let mut v = base.clone();
                        v[at] = b;
                        variants.push(v);
                    }
                }
                for mut text in variants {
                    text.extend_from_slice(tail);
                    let mut rec = Record::new();
                    let got = rec.push_plain_line(&text, b',');
                    let want = by_hand(&text, b',');
                    assert_eq!(got, want.as_ref().map(|&(_, e, nl)| (e, nl)), "{text:?}");
                    if let Some((cells, ..)) = want {
                        assert_eq!(rec.iter().collect::<Vec<_>>(), cells, "{text:?}");
                    } else {
                        assert!(rec.is_empty());
                    }
                }
            }
        }
    }
}
