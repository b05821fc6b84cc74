//! Rows in memory whose cells are typed (a binding's Arrow columns:
//! integers, floats, text), read into answers a block of rows at a time
//! without writing numbers out as text and parsing them back. The rules
//! are the answer reader's (`AnswerReader::read_number` is `read` of the
//! number's decimal text), so a typed cell reads as the CSV cell holding
//! its text would, bad cells and their messages included.

use std::ops::Range;

use super::cells::{AnswerReader, BadCell};
use crate::score::Answer;

/// A binding's columns. Shared by the threads that read parts of them.
pub trait TypedColumns: Send + Sync {
    /// Rows in all.
    fn rows(&self) -> usize;
    /// Read the item cells of `rows` into `block` (its row `k` is row
    /// `rows.start + k`, 0 being the first row): for each of
    /// `block.items()`, each cell as `number` or `text`; a missing cell
    /// (null) is left as it is (missing).
    fn read(&self, rows: Range<usize>, block: &mut AnswerBlock<'_>);
}

/// An item and the column it is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemColumn {
    /// The global item (battery order).
    pub item: usize,
    /// The input column.
    pub column: usize,
}

/// Answers of a block of rows, each row's starting as missing.
pub struct AnswerBlock<'a> {
    reader: &'a AnswerReader,
    items: &'a [ItemColumn],
    rows: Vec<&'a mut [Answer]>,
    /// (row in the block, item, cell), in the order read.
    bad: &'a mut Vec<(usize, usize, BadCell)>,
}

impl<'a> AnswerBlock<'a> {
    /// `rows`: each row's answers (battery order), set to missing here.
    pub fn new(
        reader: &'a AnswerReader,
        items: &'a [ItemColumn],
        rows: Vec<&'a mut [Answer]>,
        bad: &'a mut Vec<(usize, usize, BadCell)>,
    ) -> Self {
        let mut block = AnswerBlock {
            reader,
            items,
            rows,
            bad,
        };
        block.rows.iter_mut().for_each(|r| r.fill(Answer::Missing));
        block
    }

    /// The items that have a column, in battery order.
    pub fn items(&self) -> &'a [ItemColumn] {
        self.items
    }

    /// Row `k`'s cell for `at` holds the whole number `n`.
    #[inline]
    pub fn number(&mut self, k: usize, at: ItemColumn, n: i64) {
        let a = self.reader.read_number(at.item, n);
        if let Answer::Invalid = a {
            self.bad_cell(k, at, itoa::Buffer::new().format(n).as_bytes());
        }
        self.rows[k][at.item] = a;
    }

    /// Row `k`'s cell for `at` holds `text` (UTF-8), read as a CSV cell.
    #[inline]
    pub fn text(&mut self, k: usize, at: ItemColumn, text: &[u8]) {
        let a = self.reader.read(at.item, text);
        if let Answer::Invalid = a {
            self.bad_cell(k, at, text);
        }
        self.rows[k][at.item] = a;
    }

    /// As `AnswerReader::read_record` reports a cell it cannot read.
    #[cold]
    #[inline(never)]
    fn bad_cell(&mut self, k: usize, at: ItemColumn, cell: &[u8]) {
        let message = self.reader.invalid_message(at.item, cell);
        (self.bad).push((k, at.item, BadCell::new(at.column, cell, message)));
    }
}
