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
    /// Per cell, where it starts and ends in `data`.
    bounds: Vec<(usize, usize)>,
    position: Option<Position>,
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
            position: None,
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
        self.data.get(start..end)
    }

    /// Where cell `i` lies in `as_slice()`, if the record has it.
    #[inline]
    pub fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let &(start, end) = self.bounds.get(i)?;
        Some(start..end)
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
    }

    #[inline]
    pub fn push_field(&mut self, cell: &[u8]) {
        let start = self.data.len();
        self.data.extend_from_slice(cell);
        self.bounds.push((start, self.data.len()));
    }

    /// Cells as `csv_core` writes them: their bytes one after another in
    /// `cells`, and where each ends; the record must be empty.
    pub fn push_cells(&mut self, cells: &[u8], ends: &[usize]) {
        debug_assert!(self.is_empty());
        self.data.extend_from_slice(cells);
        let mut from = 0;
        self.bounds.extend(ends.iter().map(|&end| {
            let cell = (from, end);
            from = end;
            cell
        }));
    }

    /// `line` copied whole as the record's bytes, with its cells where
    /// `delimiter` does not occur; the record must be empty.
    #[inline]
    pub fn push_line(&mut self, line: &[u8], delimiter: u8) {
        debug_assert!(self.is_empty());
        self.data.extend_from_slice(line);
        split_cells(line, delimiter, &mut self.bounds);
    }

    /// The bytes of all cells, in order, with whatever lies between them
    /// (a delimiter, or nothing): for looking through a whole record at
    /// once (does it hold a line break, is it all valid UTF-8). The first
    /// cell starts at 0 (cells are only ever added after the last).
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        let end = self.bounds.last().map_or(0, |&(_, end)| end);
        &self.data[..end]
    }

    pub fn position(&self) -> Option<&Position> {
        self.position.as_ref()
    }

    pub fn set_position(&mut self, position: Option<Position>) {
        self.position = position;
    }
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

/// Where `line`'s cells between `delimiter`s start and end, appended to
/// `bounds` (offsets in `line`), eight bytes at a time: cells are mostly
/// short (a `memchr` call per cell costs more).
#[inline]
fn split_cells(line: &[u8], delimiter: u8, bounds: &mut Vec<(usize, usize)>) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pattern = u64::from_ne_bytes([delimiter; 8]);
    let mut from = 0;
    let mut words = line.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ pattern;
        // the high bit of each byte that is the delimiter, exactly (no
        // carries across bytes: each byte's low seven bits are added alone)
        let mut hits = !(((x & LOW7) + LOW7) | x | LOW7);
        while hits != 0 {
            let at = base + (hits.trailing_zeros() / 8) as usize;
            bounds.push((from, at));
            from = at + 1;
            hits &= hits - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == delimiter {
            bounds.push((from, base + i));
            from = base + i + 1;
        }
    }
    bounds.push((from, line.len()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_line_splits_as_by_hand(line in prop::collection::vec(
            prop_oneof![Just(b','), Just(b'a'), Just(0xacu8), Just(0x2cu8 | 0x80), Just(0u8), Just(0xffu8)], 0..80)) {
            let mut rec = Record::new();
            rec.push_line(&line, b',');
            let by_hand: Vec<&[u8]> = line.split(|&b| b == b',').collect();
            prop_assert_eq!(rec.iter().collect::<Vec<_>>(), by_hand.clone());
            prop_assert_eq!(rec.len(), by_hand.len());
            prop_assert_eq!(rec.as_slice(), &line[..]);
            let pushed: Record = by_hand.iter().copied().collect();
            prop_assert_eq!(&rec, &pushed);
            prop_assert_eq!(pushed.as_slice(), by_hand.concat());
            for (i, cell) in by_hand.iter().enumerate() {
                prop_assert_eq!(&rec.as_slice()[rec.range(i).unwrap()], *cell);
                prop_assert_eq!(&pushed.as_slice()[pushed.range(i).unwrap()], *cell);
            }
            prop_assert_eq!(rec.range(by_hand.len()), None);
            prop_assert_eq!(rec.iter().rev().collect::<Vec<_>>(),
                by_hand.iter().rev().copied().collect::<Vec<_>>());
        }
    }
}
