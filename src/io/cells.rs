//! Reading one answer cell: a value of the item's response set, an option
//! label or alias in any language (case and spaces ignored), a map-file
//! label, or with `--one-based` the option's position. Hot path: a cell
//! that is a small number is read without allocating.

use std::collections::HashMap;

use crate::instrument::{normalize_label, typed_number, Lang, ResponseSet};
use crate::io::columns::ColumnPlan;
use crate::io::fields::{valid_utf8, Bounds, Record};
use crate::messages::tr;
use crate::score::{Answer, Battery};

/// A cell that could not be read; it counts as missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCell {
    pub column: usize,
    /// What was found, for the message (trimmed, control characters escaped).
    pub value: String,
    /// What was expected and what happens now.
    pub message: String,
}

impl BadCell {
    pub fn new(column: usize, cell: &[u8], message: String) -> Self {
        let value = String::from_utf8_lossy(cell);
        let mut value = crate::diag::sanitize(value.trim());
        if value.chars().count() > 40 {
            value = value.chars().take(40).collect::<String>() + "…";
        }
        BadCell {
            column,
            value,
            message,
        }
    }

    /// `row N, column C: 'VALUE' MESSAGE`, as `score` reports cells (N as
    /// a spreadsheet shows it: the header is row 1). One line, safe for a
    /// terminal: the header and the value come from the input file.
    pub fn render(&self, row: u64, headers: &[String]) -> String {
        let column = match headers.get(self.column) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => format!("#{}", self.column + 1),
        };
        let (value, message) = (&self.value, &self.message);
        let line = tr!(
            "row {row}, column {column}: '{value}' {message}",
            "第 {row} 行，「{column}」列：'{value}' {message}"
        );
        crate::printable::printable_line(&line).into_owned()
    }
}

struct ItemReader {
    /// The item id, for messages.
    id: String,
    /// Option values in printed order.
    values: Vec<i32>,
    /// The answer a one-character cell `0`..`9` means (the hot path).
    digit: [Answer; 10],
    /// Index into `AnswerReader::labels`.
    labels: usize,
    expected: String,
}

/// The answers in words of one response set (with the map file's labels).
struct LabelSet {
    /// Every spelling's exact bytes and the value the slow path reads from
    /// them: a cell written exactly as printed (a wjx "按选项文本" export) is
    /// found without normalising or allocating. Built from the slow path,
    /// so it can only agree with it.
    exact: ExactLabels,
    /// Normalised spelling → value: everything else (case, spaces,
    /// full-width forms, a trailing full stop).
    normalized: HashMap<String, i32>,
    /// (as written, normalised) of every spelling, to suggest the nearest.
    spellings: Vec<(String, String)>,
    /// Option labels in printed order, to list in messages.
    en: Vec<String>,
    zh: Vec<String>,
}

pub struct AnswerReader {
    items: Vec<ItemReader>,
    /// Per item (battery order), what `read` gives for each one-byte cell,
    /// by its byte: the table the loop over a row's cells reads
    /// (`read_columns`). Made by `read` itself, so it can only agree. One
    /// table per response set, shared by its items: a copy per item put
    /// a row's 26 tables 2 KB apart, where the entries a row reads fell
    /// in the same few cache sets and pushed each other out (callgrind:
    /// 22 L1 misses a row, 69% of the run's).
    one_byte: Vec<std::sync::Arc<[Answer; 256]>>,
    labels: Vec<LabelSet>,
    /// Per item (battery order), its set's `LabelSet::exact`.
    exact: Vec<ExactLabels>,
    one_based: bool,
}

impl AnswerReader {
    pub fn new(battery: &Battery, extra_labels: &[(String, i32)], one_based: bool) -> Self {
        let mut labels = Vec::new();
        let mut set_index: HashMap<(usize, usize), usize> = HashMap::new();
        let mut items = Vec::new();
        for (k, inst) in battery.instruments.iter().enumerate() {
            for (i, item) in inst.items.iter().enumerate() {
                let set = &inst.response_sets[item.set];
                let values: Vec<i32> = set.options.iter().map(|o| o.value).collect();
                let li = *set_index.entry((k, item.set)).or_insert_with(|| {
                    labels.push(LabelSet::new(set, &values, extra_labels, one_based));
                    labels.len() - 1
                });
                let (n, min, max) = (set.options.len(), set.min, set.max);
                let expected = if one_based {
                    tr!(
                        "1–{n} (option number) or a label",
                        "1–{n}（选项序号）或选项文字"
                    )
                } else {
                    tr!("{min}–{max} or a label", "{min}–{max} 或选项文字")
                };
                let digit = std::array::from_fn(|d| {
                    let d = i64::try_from(d).unwrap_or(0);
                    by_number(&values, one_based, d)
                });
                items.push(ItemReader {
                    id: match crate::messages::lang() {
                        Lang::En => item.id.clone(),
                        Lang::Zh => inst.item_name(i, Lang::Zh),
                    },
                    digit,
                    values,
                    labels: li,
                    expected,
                });
            }
        }
        let exact = items
            .iter()
            .map(|it| labels[it.labels].exact.clone())
            .collect();
        let mut reader = AnswerReader {
            one_byte: Vec::new(),
            items,
            labels,
            exact,
            one_based,
        };
        // items of one response set read a byte alike: one table per set
        // (a table is 256 reads, most of them down the slow path)
        let mut first_of_set: HashMap<usize, usize> = HashMap::new();
        for g in 0..reader.items.len() {
            let table = match first_of_set.get(&reader.items[g].labels) {
                Some(&first) => std::sync::Arc::clone(&reader.one_byte[first]),
                None => {
                    first_of_set.insert(reader.items[g].labels, g);
                    std::sync::Arc::new(std::array::from_fn(|b| {
                        reader.read(g, &[u8::try_from(b).unwrap_or(0)])
                    }))
                }
            };
            reader.one_byte.push(table);
        }
        reader
    }

    /// Read every item of one record into `answers` (battery order). An
    /// invalid cell is `Answer::Invalid` (missing for scoring) and noted in
    /// `bad`; an absent column or field is missing.
    #[inline(never)] // one caller, a loop: inlined it ran slower (callgrind)
    pub fn read_record(
        &self,
        plan: &ColumnPlan,
        rec: &Record,
        answers: &mut [Answer],
        bad: &mut Vec<BadCell>,
    ) {
        bad.clear();
        for ((g, slot), col) in answers.iter_mut().enumerate().zip(&plan.items) {
            let cell = col.and_then(|(c, _)| rec.get(c).map(|cell| (c, cell)));
            let Some((c, cell)) = cell else {
                *slot = Answer::Missing;
                continue;
            };
            let a = self.read(g, cell);
            if let Answer::Invalid = a {
                bad.push(BadCell::new(c, cell, self.invalid_message(g, cell)));
            }
            *slot = a;
        }
    }

    /// The cells of one record under `columns` (per item in battery order,
    /// its column; `u32::MAX`: none) into `answers`: what `read_record`
    /// reads, as long as no cell is invalid. False: one is (`answers` then
    /// holds `Answer::Invalid` there, and nothing is said about it here).
    /// The hot loop of a run: a one-byte cell is one look-up in its item's
    /// table; longer cells are read in a second loop (`read_longer`), so the
    /// first calls nothing and keeps the record's bounds in registers
    /// (with a call in it they were loaded again for every cell). A row
    /// whose first answer is longer than a byte (a label export's) goes
    /// to the second loop at once, rather than over every cell twice.
    #[inline]
    pub fn read_columns(&self, columns: &[u32], rec: &Record, answers: &mut [Answer]) -> bool {
        let first = columns.first().and_then(|&c| rec.range(c as usize));
        if first.is_some_and(|r| r.len() > 1) {
            self.read_longer(columns, rec, answers)
        } else {
            self.read_bytes(columns, rec, answers)
        }
    }

    /// `read_columns`' first loop, as long as the cells are one byte.
    /// (The check that sends a label row elsewhere is out of this
    /// function: in it, the loop kept one register fewer, +15% callgrind.)
    #[inline(never)]
    fn read_bytes(&self, columns: &[u32], rec: &Record, answers: &mut [Answer]) -> bool {
        let mut invalid = false;
        let mut longer = false;
        // the cells' bytes once, each cell by its range: `get` loaded the
        // record's buffers again for every cell (a match on the bounds'
        // difference, or one without branches, ran slower: callgrind)
        let bytes = rec.as_slice();
        for ((&c, one_byte), slot) in columns.iter().zip(&self.one_byte).zip(answers.iter_mut()) {
            // an absent column (u32::MAX) or field is missing
            let a = match rec.range(c as usize).and_then(|r| bytes.get(r)) {
                Some(&[b]) => one_byte[usize::from(b)],
                Some([]) | None => Answer::Missing,
                Some(_) => {
                    longer = true;
                    Answer::Missing // read below
                }
            };
            invalid |= a == Answer::Invalid;
            *slot = a;
        }
        if longer {
            invalid |= !self.read_longer(columns, rec, answers);
        }
        !invalid
    }

    /// `read_columns`' second loop, over every cell: a one-byte cell from
    /// its table, a longer one looked up in its item's own copy of its
    /// set's exact table (one load fewer than through the set), in a loop
    /// that only finds labels written as printed
    /// (`ExactLabels::find_in_slot`); at the first cell it does not find,
    /// that cell and the rest are read the general way
    /// (`read_longer_slow`).
    #[inline(never)]
    fn read_longer(&self, columns: &[u32], rec: &Record, answers: &mut [Answer]) -> bool {
        let mut invalid = false;
        let (bytes, bounds) = rec.raw();
        let items = columns.iter().zip(&self.exact).zip(&self.one_byte);
        for (g, (((&c, exact), one_byte), slot)) in items.zip(answers.iter_mut()).enumerate() {
            let cell = cell_at(bytes, bounds, c);
            let a = match cell {
                Some((_, &[b])) => one_byte[usize::from(b)],
                Some((_, [])) | None => Answer::Missing,
                Some((start, cell)) => match exact.find_in_slot(bytes, start, cell) {
                    Some(v) => Answer::Value(v),
                    None => return self.read_longer_slow(columns, rec, answers, g) && !invalid,
                },
            };
            invalid |= a == Answer::Invalid;
            *slot = a;
        }
        !invalid
    }

    /// `read_longer` the general way, from item `from` on (the items
    /// before it were read): a cell its slot does not hold (not written as
    /// printed, or among the slot's `others`) is looked up among them, then
    /// normalised (`read_slow`), as `read` does.
    #[cold]
    #[inline(never)]
    fn read_longer_slow(
        &self,
        columns: &[u32],
        rec: &Record,
        answers: &mut [Answer],
        from: usize,
    ) -> bool {
        let mut valid = true;
        let (bytes, bounds) = rec.raw();
        let items = columns.iter().zip(&self.exact).zip(&self.one_byte);
        for (g, (((&c, exact), one_byte), slot)) in
            items.zip(answers.iter_mut()).enumerate().skip(from)
        {
            let cell = cell_at(bytes, bounds, c);
            let Some((start, cell)) = cell else {
                *slot = Answer::Missing;
                continue;
            };
            // `read` of a longer cell, without a call per cell; a short
            // one's ends read from the record as one word
            let (head, tail) = match (cell.first_chunk::<8>(), cell.last_chunk::<8>()) {
                (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
                _ => match cell {
                    [] => {
                        *slot = Answer::Missing;
                        continue;
                    }
                    &[b] => {
                        *slot = one_byte[usize::from(b)];
                        valid &= *slot != Answer::Invalid;
                        continue;
                    }
                    _ => ends_at(bytes, start, cell.len()),
                },
            };
            let a = match exact.find(cell, head, tail) {
                Some(v) => Answer::Value(v),
                None => self.read_slow(&self.items[g], cell),
            };
            valid &= a != Answer::Invalid;
            *slot = a;
        }
        valid
    }

    /// What the reader expects for global item `g`, for error messages.
    pub fn expected(&self, g: usize) -> &str {
        &self.items[g].expected
    }

    /// Why `cell` is not an answer to global item `g`: what is expected
    /// and, for words, the option labels (in the script of the cell) and
    /// the nearest spelling. The suggestion is only said, never taken: the
    /// cell still counts as missing.
    #[cold]
    #[inline(never)]
    pub fn invalid_message(&self, g: usize, cell: &[u8]) -> String {
        let it = &self.items[g];
        let set = &self.labels[it.labels];
        let text = String::from_utf8_lossy(cell.trim_ascii());
        let (id, expected) = (&it.id, &it.expected);
        let head = tr!(
            "is not a valid answer for {id} (expected {expected}",
            "不是 {id} 的有效答案（应为 {expected}"
        );
        if typed_number(&text).is_some() {
            return tr!("{head}); counted as missing", "{head}）；按缺失计");
        }
        // `ｎｏｔ` is typed in Latin letters too
        let options = if normalize_label(&text).is_ascii() || set.zh.is_empty() {
            &set.en
        } else {
            &set.zh
        };
        let mut message = match crate::messages::lang() {
            Lang::En => format!("{head}: {}); counted as missing", options.join(", ")),
            Lang::Zh => format!("{head}：{}）；按缺失计", options.join("、")),
        };
        if let Some(near) = set.nearest(&text) {
            message.push_str(&tr!(" — did you mean {near}?", " — 是否应为「{near}」？"));
        }
        message
    }

    /// Read one cell for global item `g`.
    #[inline]
    pub fn read(&self, g: usize, cell: &[u8]) -> Answer {
        let it = &self.items[g];
        match cell {
            [b @ b'0'..=b'9'] => it.digit[usize::from(b - b'0')],
            [] => Answer::Missing,
            _ => self.read_words(it, cell),
        }
    }

    /// A cell that is more than one digit: a label as printed is looked up
    /// by its bytes; only a miss is normalised. Out of line, so that `read`
    /// stays small enough to inline into the loop over a digit file.
    #[inline(never)]
    fn read_words(&self, it: &ItemReader, cell: &[u8]) -> Answer {
        self.read_label(it, cell)
    }

    /// `read_words`, inlined where it is called.
    #[inline(always)]
    fn read_label(&self, it: &ItemReader, cell: &[u8]) -> Answer {
        match self.labels[it.labels].exact.get(cell) {
            Some(v) => Answer::Value(v),
            None => self.read_slow(it, cell),
        }
    }

    /// Anything but a one-digit, empty or exactly printed cell: spaces,
    /// longer numbers, "2.0", `３`, labels typed another way.
    #[cold]
    #[inline(never)]
    fn read_slow(&self, it: &ItemReader, cell: &[u8]) -> Answer {
        read_slow(&it.values, self.one_based, &self.labels[it.labels], cell)
    }
}

impl LabelSet {
    fn new(
        set: &ResponseSet,
        values: &[i32],
        extra_labels: &[(String, i32)],
        one_based: bool,
    ) -> Self {
        let mut spellings: Vec<(&str, i32)> = extra_labels
            .iter()
            .filter(|(_, v)| set.contains(*v))
            .map(|(label, v)| (label.as_str(), *v))
            .collect();
        for o in &set.options {
            let own = o.label.en.iter().chain(o.label.zh.iter()).chain(&o.aliases);
            spellings.extend(own.map(|s| (s.as_str(), o.value)));
        }
        let mut labels = LabelSet {
            exact: ExactLabels::default(),
            // the options' own spellings come last and win over a map label
            normalized: spellings
                .iter()
                .map(|&(s, v)| (normalize_label(s), v))
                .collect(),
            spellings: spellings
                .iter()
                .map(|&(s, _)| (s.to_owned(), normalize_label(s)))
                .collect(),
            en: set
                .options
                .iter()
                .filter_map(|o| o.label.en.clone())
                .collect(),
            zh: set
                .options
                .iter()
                .filter_map(|o| o.label.zh.clone())
                .collect(),
        };
        let exact: Vec<(&[u8], i32)> = spellings
            .iter()
            .filter_map(
                |&(s, _)| match read_slow(values, one_based, &labels, s.as_bytes()) {
                    Answer::Value(v) => Some((s.as_bytes(), v)),
                    _ => None,
                },
            )
            .collect();
        labels.exact = ExactLabels::new(&exact);
        labels
    }

    /// The spelling nearest to `text` when it is near enough to be a slip
    /// (at most one edit in three characters) and points to one value only.
    fn nearest(&self, text: &str) -> Option<&str> {
        let key = normalize_label(text);
        if key.is_empty() {
            return None;
        }
        let chars = key.chars().count();
        let mut best: Option<(usize, &str, i32)> = None;
        let mut tie = false;
        for (written, normalized) in &self.spellings {
            // the distance is at least the difference in length: skip the
            // quadratic count where it could not be near (a 1 MB cell)
            let length = normalized.chars().count();
            if chars.abs_diff(length) * 3 > chars.max(length) {
                continue;
            }
            let distance = strsim::levenshtein(&key, normalized);
            if distance == 0 || distance * 3 > chars.max(length) {
                continue;
            }
            let value = self.normalized[normalized];
            match best {
                Some((d, _, _)) if d < distance => {}
                Some((d, _, v)) if d == distance => tie |= v != value,
                _ => {
                    best = Some((distance, written, value));
                    tie = false;
                }
            }
        }
        best.filter(|_| !tie).map(|(_, written, _)| written)
    }
}

/// Cells by their exact bytes: a table of a few dozen slots, each
/// holding a spelling's length and first, second and last eight bytes,
/// hashed on length and ends by a multiplier chosen when the table is
/// built so that no two spellings share a slot (a perfect hash: one slot
/// to look at, no probing). A hit costs one multiply, one slot and a
/// compare of whole words (all of a key up to 24 bytes, one more word per
/// 8 bytes after that, every byte covered): no `memcmp`, no allocation.
/// Spellings that could not be kept apart (the same ends, or no
/// multiplier found) wait in their slot's `others`, compared whole.
#[derive(Default, Clone)]
struct ExactLabels {
    /// A power of two long (or empty); `len == EMPTY`: an empty slot.
    slots: Vec<ExactLabel>,
    /// Per slot, its spelling's bytes and the others that fall in it
    /// (apart: a slot's words are what a look-up reads, two to a cache line).
    keys: Vec<ExactKey>,
    /// The hash's multiplier (odd).
    seed: u64,
    /// 64 less log2 of the slots' count: the product's top bits pick a slot.
    shift: u32,
}

/// The length of an empty slot: no cell has it (not 0: an empty cell's
/// ends are those of an empty slot).
const EMPTY: u32 = u32::MAX;

#[derive(Default, Clone, Copy)]
struct ExactLabel {
    /// `ends(key)` and `mid(key)`
    head: u64,
    tail: u64,
    mid: u64,
    len: u32,
    value: i32,
}

#[derive(Default, Clone)]
struct ExactKey {
    key: Box<[u8]>,
    /// Other spellings that fall in this slot (almost never any).
    others: Vec<(Box<[u8]>, i32)>,
}

/// Column `c`'s cell of a record (`Record::raw`) and where it starts;
/// `None` for a column the record does not reach (or `u32::MAX`, absent).
#[inline(always)]
fn cell_at<'r>(bytes: &'r [u8], bounds: &[Bounds], c: u32) -> Option<(usize, &'r [u8])> {
    let &(start, end) = bounds.get(c as usize)?;
    let (start, end) = (start as usize, end as usize);
    Some((start, bytes.get(start..end)?))
}

impl ExactLabels {
    fn new(spellings: &[(&[u8], i32)]) -> Self {
        let mut seen = std::collections::HashSet::new();
        // the same bytes again: the first one is what the slow path reads
        let keys: Vec<(&[u8], i32)> = spellings
            .iter()
            .filter(|&&(key, _)| !key.is_empty() && seen.insert(key))
            .copied()
            .collect();
        let mixed: Vec<u64> = keys
            .iter()
            .map(|(key, _)| {
                let (head, tail) = ends(key);
                mix(head, tail, key.len())
            })
            .collect();
        let (seed, bits) = perfect_seed(&mixed);
        let empty = ExactLabel {
            len: EMPTY,
            ..ExactLabel::default()
        };
        let mut table = ExactLabels {
            slots: vec![empty; 1 << bits],
            keys: vec![ExactKey::default(); 1 << bits],
            seed,
            shift: 64 - bits,
        };
        for (&(key, value), &x) in keys.iter().zip(&mixed) {
            let (head, tail) = ends(key);
            let at = slot_of(x, seed, 64 - bits);
            let (slot, kept) = (&mut table.slots[at], &mut table.keys[at]);
            // (a key as long as `EMPTY` could not be a cell of a record)
            match u32::try_from(key.len()) {
                Ok(len) if slot.len == EMPTY && len != EMPTY => {
                    *slot = ExactLabel {
                        head,
                        tail,
                        mid: mid(key),
                        len,
                        value,
                    };
                    kept.key = Box::from(key);
                }
                _ => kept.others.push((Box::from(key), value)),
            }
        }
        table
    }

    /// The value of a cell that is exactly one of the spellings.
    #[inline]
    fn get(&self, cell: &[u8]) -> Option<i32> {
        let (head, tail) = ends(cell);
        self.find(cell, head, tail)
    }

    /// `get` with the cell's `ends` known.
    #[inline(always)]
    fn find(&self, cell: &[u8], head: u64, tail: u64) -> Option<i32> {
        let at = slot_of(mix(head, tail, cell.len()), self.seed, self.shift);
        let (slot, kept) = (self.slots.get(at)?, self.keys.get(at)?);
        if slot.len as usize == cell.len()
            && slot.head == head
            && slot.tail == tail
            && slot.mid == mid(cell)
            && (cell.len() <= 24 || same_middle(&kept.key, cell))
        {
            return Some(slot.value);
        }
        if kept.others.is_empty() {
            return None;
        }
        find_among(&kept.others, cell)
    }

    /// `find` in the slot alone, with no call (so a loop's state stays
    /// in registers) and, from 8 to 24 bytes, no branch on the cell's
    /// length (which differs from cell to cell in a label export). `cell`
    /// is `bytes[start..]`'s first `cell.len()` bytes: a cell under 8
    /// bytes is read as one word of `bytes` with the bytes after it masked
    /// off. `None` may be a miss, a cell in `others`, a cell over 24 bytes
    /// or a short one within 8 bytes of the end of `bytes`: for `find`.
    #[inline(always)]
    fn find_in_slot(&self, bytes: &[u8], start: usize, cell: &[u8]) -> Option<i32> {
        let word = |at: usize| {
            cell.get(at..at + 8)
                .and_then(|w| w.first_chunk::<8>())
                .map_or(0, |w| u64::from_le_bytes(*w))
        };
        let (head, tail, mid) = if cell.len() >= 8 {
            // `mid` with no branch: from `min(8, len - 8)`
            let last = cell.len() - 8;
            (word(0), word(last), word(last.min(8)))
        } else {
            let head = bytes.get(start..).and_then(<[u8]>::first_chunk::<8>)?;
            let head = u64::from_le_bytes(*head) & (u64::MAX >> (64 - 8 * cell.len()));
            (head, 0, 0)
        };
        let at = slot_of(mix(head, tail, cell.len()), self.seed, self.shift);
        let slot = self.slots.get(at)?;
        let differ = (u64::from(slot.len) ^ cell.len() as u64)
            | (slot.head ^ head)
            | (slot.tail ^ tail)
            | (slot.mid ^ mid)
            | u64::from(cell.len() > 24);
        (differ == 0).then_some(slot.value)
    }
}

/// A multiplier that puts each distinct value of `mixed` in a slot of its
/// own, and the table's size (log2): from a fixed sequence, so a run
/// builds the same table every time; the table grows until one is found,
/// up to 2^12 slots, where a few shared slots are taken (`others`).
/// Spellings that mix alike (same length and ends) share a slot whatever
/// the seed: they are counted once, or no seed would do and the table
/// would grow to 2^12 slots for nothing.
fn perfect_seed(mixed: &[u64]) -> (u64, u32) {
    let mut distinct = mixed.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mixed = &distinct[..];
    let mut state = 0x853C_49E6_748F_EA9B_u64;
    let mut bits = (mixed.len() * 2)
        .next_power_of_two()
        .max(8)
        .trailing_zeros();
    loop {
        for _ in 0..64 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let seed = (state ^ state >> 29) | 1;
            let mut taken = vec![false; 1 << bits];
            let alone = mixed.iter().all(|&x| {
                let slot = slot_of(x, seed, 64 - bits);
                !std::mem::replace(&mut taken[slot], true)
            });
            if alone || bits >= 12 {
                return (seed, bits);
            }
        }
        bits += 1;
    }
}

#[cold]
#[inline(never)]
fn find_among(keys: &[(Box<[u8]>, i32)], cell: &[u8]) -> Option<i32> {
    keys.iter().find(|(k, _)| **k == *cell).map(|&(_, v)| v)
}

/// A cell's length and ends in one word, for `slot_of`.
#[inline(always)]
fn mix(head: u64, tail: u64, len: usize) -> u64 {
    head ^ tail.rotate_left(29) ^ len as u64
}

/// The slot of a `mix`ed cell: the product's top bits.
#[inline(always)]
fn slot_of(mixed: u64, seed: u64, shift: u32) -> usize {
    #[allow(clippy::cast_possible_truncation)]
    let slot = (mixed.wrapping_mul(seed) >> shift) as usize;
    slot
}

/// The first and last eight bytes of a cell as two words (they overlap
/// when it is shorter than 16); a cell under eight bytes: its bytes
/// (little-endian, zeros after them), 0.
#[inline]
fn ends(cell: &[u8]) -> (u64, u64) {
    match (cell.first_chunk::<8>(), cell.last_chunk::<8>()) {
        (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
        _ => {
            let mut word = [0; 8];
            word[..cell.len()].copy_from_slice(cell);
            (u64::from_le_bytes(word), 0)
        }
    }
}

/// Eight bytes of a key of 8 bytes or more that with its `ends` cover
/// all of it up to 24 bytes (a Chinese label of up to eight characters):
/// from byte 8, or from `len - 8` when that is less (the tail again:
/// where one word is read without a branch on the length); shorter, 0.
#[inline(always)]
fn mid(key: &[u8]) -> u64 {
    let at = key.len().saturating_sub(8).min(8);
    key.get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .map_or(0, |word| u64::from_le_bytes(*word))
}

/// `ends` of the cell `bytes[start..start + len]`: a short cell is read
/// as a word of `bytes` from `start` with the bytes after it masked off,
/// where `bytes` goes on that far (in a record it mostly does).
#[inline(always)]
fn ends_at(bytes: &[u8], start: usize, len: usize) -> (u64, u64) {
    if len < 8 && len > 0 {
        if let Some(word) = bytes.get(start..).and_then(<[u8]>::first_chunk::<8>) {
            return (u64::from_le_bytes(*word) & (u64::MAX >> (64 - 8 * len)), 0);
        }
    }
    ends(bytes.get(start..start + len).unwrap_or_default())
}

/// Two keys of one length whose `ends` are equal: are the bytes between
/// the first and the last eight equal too? Word by word from byte 8 while
/// a word starts before the last eight (the last such word reaches them).
#[inline]
fn same_middle(a: &[u8], b: &[u8]) -> bool {
    let end = a.len().saturating_sub(8);
    let mut at = 8;
    while at < end {
        let word = |k: &[u8]| {
            k.get(at..at + 8)
                .and_then(|w| w.first_chunk::<8>())
                .copied()
        };
        if word(a) != word(b) {
            return false;
        }
        at += 8;
    }
    true
}

/// The slow path: trim, read a number, else match the normalised label.
fn read_slow(values: &[i32], one_based: bool, labels: &LabelSet, cell: &[u8]) -> Answer {
    let cell = cell.trim_ascii();
    if cell.is_empty() {
        return Answer::Missing;
    }
    if let Some(n) = small_int(cell) {
        return by_number(values, one_based, n);
    }
    let Ok(text) = std::str::from_utf8(cell) else {
        return Answer::Invalid;
    };
    // "2.0" from spreadsheets and statistics packages, `３` and `1.` as
    // people type them (instrument checks keep labels from being numbers)
    if let Some(n) = typed_number(text) {
        return by_number(values, one_based, n);
    }
    match labels.normalized.get(&normalize_label(text)) {
        Some(&v) => Answer::Value(v),
        None => Answer::Invalid,
    }
}

/// A number read as a value of the set, or with `one_based` as the
/// position of an option (1 = the first printed option).
fn by_number(values: &[i32], one_based: bool, n: i64) -> Answer {
    if one_based {
        return match usize::try_from(n - 1).ok().and_then(|i| values.get(i)) {
            Some(&v) => Answer::Value(v),
            None => Answer::Invalid,
        };
    }
    match i32::try_from(n) {
        Ok(v) if values.contains(&v) => Answer::Value(v),
        _ => Answer::Invalid,
    }
}

fn small_int(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    Some(if neg { -v } else { v })
}

/// The columns `AnswerReader::read_columns` reads under `columns` (per
/// item, its column; `u32::MAX`: none), when they are neighbours, each
/// read by some item: (first, last). A wjx export's items are.
pub fn answer_block(columns: &[u32]) -> Option<(usize, usize)> {
    let mut read: Vec<usize> = columns
        .iter()
        .filter(|&&c| c != u32::MAX)
        .map(|&c| c as usize)
        .collect();
    read.sort_unstable();
    read.dedup();
    let (&first, &last) = (read.first()?, read.last()?);
    (last - first + 1 == read.len()).then_some((first, last))
}

/// Is `rec` valid UTF-8 (`fields::valid_utf8(rec.as_slice())`), when
/// `read_columns` found no invalid cell with `block` its `answer_block`?
/// Only the bytes before and after the block are looked at (in a label
/// export, a fifth of them): a cell read as anything but invalid is valid
/// UTF-8 (a label's exact bytes, an ASCII digit or blank, or a cell the
/// slow path decoded), and the delimiters between cells are ASCII, so the
/// block's bytes are valid UTF-8; when there are some, they start where a
/// character does and end where one does, so the record is valid exactly
/// when what lies either side of them is. (No bytes: the two sides meet,
/// and are checked as one.)
#[inline]
pub fn valid_utf8_around(rec: &Record, block: (usize, usize)) -> bool {
    utf8_around(rec, block, AROUND)
}

/// `valid_utf8_around` when the block holds at least `fewest` bytes (and
/// at least one), else the whole record checked.
#[inline]
fn utf8_around(rec: &Record, block: (usize, usize), fewest: usize) -> bool {
    let (_, bounds) = rec.raw();
    let bytes = rec.as_slice();
    if let (Some(&(start, _)), Some(&(_, end))) = (bounds.get(block.0), bounds.get(block.1)) {
        let (start, end) = (start as usize, end as usize);
        if let (Some(before), Some(after)) = (bytes.get(..start), bytes.get(end..)) {
            if end > start && end - start >= fewest && rec.gaps_are_ascii() {
                return valid_utf8(before) && valid_utf8(after);
            }
        }
    }
    valid_utf8(bytes)
}

/// The fewest bytes of answers `valid_utf8_around` looks around: the
/// check (simdutf8) takes 64 bytes a step, and has a step's worth of
/// setting up; two checks around fewer bytes cost more than one of the
/// whole record (a label export's answers are a few hundred bytes, a
/// digit file's a few dozen).
const AROUND: usize = 128;

/// A binding's typed cells (issue 17: an Arrow integer column): a number
/// read without writing it out as text first. Kept apart from the text
/// path above, and defined by it: the same rules, the same answer.
impl AnswerReader {
    /// What `read` gives for the cell that is `n` written in decimal, as a
    /// CSV holds it: the digit table for 0–9 (as `read` does for one
    /// digit), else that text through `read` itself (a map label, a longer
    /// or negative number, an invalid one).
    #[inline]
    pub fn read_number(&self, g: usize, n: i64) -> Answer {
        match usize::try_from(n) {
            Ok(d) if d <= 9 => self.items[g].digit[d],
            _ => self.read_number_as_text(g, n),
        }
    }

    /// Out of line, so that `read_number` inlines into a column's loop.
    #[inline(never)]
    fn read_number_as_text(&self, g: usize, n: i64) -> Answer {
        self.read(g, itoa::Buffer::new().format(n).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::{builtin_ids, builtin_with};

    fn reader(ids: &[&str], extra: &[(String, i32)]) -> AnswerReader {
        let instruments = ids
            .iter()
            .map(|id| builtin_with(id, false).unwrap().unwrap())
            .collect();
        AnswerReader::new(&Battery::new(instruments), extra, false)
    }

    /// The slow path alone, as `read` was before the exact table.
    fn slow(r: &AnswerReader, g: usize, cell: &str) -> Answer {
        r.read_slow(&r.items[g], cell.as_bytes())
    }

    fn slow_bytes(r: &AnswerReader, g: usize, cell: &[u8]) -> Answer {
        r.read_slow(&r.items[g], cell)
    }

    #[test]
    fn numbers() {
        assert_eq!(small_int(b"12"), Some(12));
        assert_eq!(small_int(b"-1"), Some(-1));
        assert_eq!(small_int(b"1a"), None);
        assert_eq!(small_int(b""), None);
        let r = reader(&["phq9"], &[]);
        for (cell, want) in [
            ("2.0", Answer::Value(2)),
            ("2.", Answer::Value(2)),
            ("３", Answer::Value(3)),
            (" 1。", Answer::Value(1)),
            ("2.5", Answer::Invalid),
            ("4", Answer::Invalid),
            ("１０", Answer::Invalid),
            ("1 0", Answer::Invalid),
        ] {
            assert_eq!(r.read(0, cell.as_bytes()), want, "{cell}");
        }
    }

    #[test]
    fn a_cell_written_as_printed_is_found_by_its_bytes() {
        let r = reader(&["phq9"], &[]);
        let set = &r.labels[r.items[0].labels];
        assert_eq!(set.exact.get("几乎每天".as_bytes()), Some(3));
        assert_eq!(set.exact.get(b"Several days"), Some(1));
        assert_eq!(set.exact.get("接近每天".as_bytes()), Some(3));
        assert_eq!(r.read(0, "一半以上的天数".as_bytes()), Answer::Value(2));
    }

    /// Every byte of a cell counts: a cell one byte away from a label (in
    /// the middle of a 21-byte one, where an earlier table compared
    /// nothing) is not that label.
    #[test]
    fn a_cell_one_byte_off_a_label_is_not_that_label() {
        let r = reader(&["phq9"], &[]);
        let set = &r.labels[r.items[0].labels];
        let label = "一半以上的天数".as_bytes();
        for at in 0..label.len() {
            let mut cell = label.to_vec();
            cell[at] ^= 1;
            assert_eq!(set.exact.get(&cell), None, "byte {at}");
            assert_eq!(r.read(0, &cell), slow_bytes(&r, 0, &cell), "byte {at}");
        }
        for n in 1..=40 {
            let key: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            let table = ExactLabels::new(&[(&key, 7)]);
            assert_eq!(table.get(&key), Some(7));
            for at in 0..n {
                let mut cell = key.clone();
                cell[at] = b'Z';
                assert_eq!(table.get(&cell), None, "{n} {at}");
            }
            assert_eq!(table.get(&key[1..]), None);
        }
    }

    /// Spellings the perfect hash cannot keep apart (the same length and
    /// ends, differing only in the middle; more spellings than a table
    /// of 2^12 slots keeps apart) are found all the same, each by its
    /// own bytes only.
    #[test]
    fn spellings_that_mix_alike_do_not_grow_the_table() {
        // same length, same first and last 8 bytes: one slot whatever the seed
        let keys: Vec<Vec<u8>> = ["一", "二", "三", "四"]
            .iter()
            .map(|m| format!("选项甲乙{m}丙丁戊").into_bytes())
            .chain(["yes", "no", "maybe"].map(|k| k.as_bytes().to_vec()))
            .collect();
        let spellings: Vec<(&[u8], i32)> = keys.iter().zip(0..).map(|(k, i)| (&k[..], i)).collect();
        let table = ExactLabels::new(&spellings);
        assert!(table.slots.len() <= 64, "{} slots", table.slots.len());
        for (key, i) in keys.iter().zip(0..) {
            assert_eq!(table.get(key), Some(i));
        }
    }

    #[test]
    fn spellings_that_share_a_slot_are_each_found_and_only_they() {
        let middle = |m: &str| format!("aaaaaaaa{m}zzzzzzzz").into_bytes();
        let mut keys: Vec<Vec<u8>> = vec![middle("1"), middle("2"), middle("3")];
        keys.extend((0..3000).map(|i| format!("label {i}").into_bytes()));
        keys.extend((0..200).map(|i| format!("标签{i}").into_bytes()));
        keys.extend((0..3).map(|i| format!("a label longer than 24 bytes {i}").into_bytes()));
        let spellings: Vec<(&[u8], i32)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (&k[..], i32::try_from(i).unwrap()))
            .collect();
        let table = ExactLabels::new(&spellings);
        assert!(table.keys.iter().any(|k| !k.others.is_empty()));
        for (i, key) in keys.iter().enumerate() {
            let value = Some(i32::try_from(i).unwrap());
            assert_eq!(table.get(key), value);
            // the slot alone: what `get` finds, unless among `others`
            let alone = table.keys.iter().any(|k| *k.key == **key);
            // in a record (bytes after it) and alone (none: a short one
            // is left to `find`); over 24 bytes, always left to it
            let padded = [&key[..], b"\0\0\0\0\0\0\0\0"].concat();
            let short = key.len() <= 24;
            let in_record = table.find_in_slot(&padded, 0, key);
            assert_eq!(in_record, value.filter(|_| alone && short));
            let by_itself = table.find_in_slot(key, 0, key);
            assert_eq!(by_itself, in_record.filter(|_| key.len() >= 8));
            for at in 0..key.len() {
                let mut cell = key.clone();
                cell[at] ^= 0x40;
                if !keys.contains(&cell) {
                    assert_eq!(table.get(&cell), None, "{key:?} {at}");
                    let padded = [&cell[..], b"\0\0\0\0\0\0\0\0"].concat();
                    assert_eq!(table.find_in_slot(&padded, 0, &cell), None, "{key:?} {at}");
                }
            }
        }
        assert_eq!(table.get(&middle("4")), None);
        assert_eq!(table.get(b""), None);
        assert_eq!(ExactLabels::new(&[]).get(b"x"), None);
    }

    proptest::proptest! {
        /// A cell's ends read from the record it lies in are its own
        /// (the bytes after a short cell masked off), wherever it lies.
        #[test]
        fn ends_read_in_the_record_are_the_cells_own(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
            start in 0..40usize,
            len in 0..40usize,
        ) {
            let start = start.min(bytes.len());
            let len = len.min(bytes.len() - start);
            proptest::prop_assert_eq!(
                ends_at(&bytes, start, len),
                ends(&bytes[start..start + len])
            );
        }
    }

    #[test]
    fn a_cell_typed_another_way_is_normalised_after_the_miss() {
        let r = reader(&["phq9"], &[]);
        let set = &r.labels[r.items[0].labels];
        for (cell, want) in [
            (" 几乎每天。", 3),
            ("SEVERAL DAYS.", 1),
            ("several days", 1),
            ("ｎｏｔ ａｔ ａｌｌ", 0),
            ("\u{3000}好几天\u{3000}", 1),
        ] {
            assert_eq!(set.exact.get(cell.as_bytes()), None, "{cell}");
            assert_eq!(r.read(0, cell.as_bytes()), Answer::Value(want), "{cell}");
        }
    }

    #[test]
    fn a_near_miss_is_invalid_and_only_suggested() {
        let r = reader(&["phq9"], &[]);
        let cell = "一半以上天数".as_bytes();
        assert_eq!(r.read(0, cell), Answer::Invalid);
        assert_eq!(
            r.invalid_message(0, cell),
            "is not a valid answer for phq9_1 (expected 0–3 or a label: 完全不会, 好几天, 一半以上的天数, 几乎每天); counted as missing — did you mean 一半以上的天数?"
        );
        assert_eq!(
            r.invalid_message(0, b"Severl days"),
            "is not a valid answer for phq9_1 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing — did you mean Several days?"
        );
        assert!(r
            .invalid_message(0, "ｎｏｔ ａｔ ａｌ".as_bytes())
            .ends_with("(expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing — did you mean Not at all?"));
        // nothing near: the labels, no guess; a number: no labels
        assert!(!r.invalid_message(0, b"x").contains("did you mean"));
        assert_eq!(
            r.invalid_message(0, b"9"),
            "is not a valid answer for phq9_1 (expected 0–3 or a label); counted as missing"
        );
        let cesd = reader(&["cesd"], &[]);
        assert_eq!(cesd.read(0, b"3-4 days"), Answer::Invalid);
        assert!(!cesd
            .invalid_message(0, b"3-4 days")
            .contains("did you mean"));
    }

    #[test]
    fn map_labels_are_found_by_their_bytes_too() {
        let r = reader(&["phq9"], &[("偶尔".to_owned(), 1), ("A".to_owned(), 0)]);
        assert_eq!(r.labels[0].exact.get("偶尔".as_bytes()), Some(1));
        assert_eq!(r.read(0, "偶尔".as_bytes()), Answer::Value(1));
        assert_eq!(r.read(0, b"a."), Answer::Value(0));
    }

    /// The exact table may only be faster: for every label and alias of
    /// every built-in, as printed and as people type it, `read` gives what
    /// the slow path gives, and that is the option's value.
    #[test]
    fn the_fast_path_agrees_with_the_slow_path_on_every_built_in_label() {
        let ids = builtin_ids();
        let r = reader(&ids, &[]);
        let battery = Battery::new(
            ids.iter()
                .map(|id| builtin_with(id, false).unwrap().unwrap())
                .collect(),
        );
        let mut g = 0;
        let mut checked = 0;
        for inst in &battery.instruments {
            for item in &inst.items {
                for o in &inst.response_sets[item.set].options {
                    let spellings = o.label.en.iter().chain(o.label.zh.iter()).chain(&o.aliases);
                    for s in spellings {
                        for cell in [
                            s.clone(),
                            s.to_uppercase(),
                            s.to_lowercase(),
                            format!("  {s} "),
                            format!("\t{}\u{3000}", s.to_uppercase()),
                            format!("{s}。"),
                            format!("{s}."),
                        ] {
                            let fast = r.read(g, cell.as_bytes());
                            assert_eq!(fast, slow(&r, g, &cell), "{}: {cell:?}", item.id);
                            assert_eq!(fast, Answer::Value(o.value), "{}: {cell:?}", item.id);
                            checked += 1;
                        }
                    }
                }
                g += 1;
            }
        }
        assert!(checked > 5000, "{checked}");
    }

    static ALL_BUILT_INS: std::sync::LazyLock<AnswerReader> =
        std::sync::LazyLock::new(|| reader(&builtin_ids(), &[("Ｙ".to_owned(), 1)]));

    proptest::proptest! {
        /// Any bytes, and any label or alias with bytes around it: `read`
        /// (exact table first) gives what the slow path alone gives.
        #[test]
        fn the_fast_path_agrees_with_the_slow_path_on_any_cell(
            g in 0..200usize,
            pick in 0..1000usize,
            before in "[ \t\u{3000}xX1１.。]{0,2}",
            after in "[ \t\u{3000}xX1１.。]{0,2}",
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..24),
        ) {
            let r = &*ALL_BUILT_INS;
            let g = g % r.items.len();
            let set = &r.labels[r.items[g].labels];
            let (written, _) = &set.spellings[pick % set.spellings.len()];
            for cell in [format!("{before}{written}{after}").into_bytes(), bytes.clone()] {
                proptest::prop_assert_eq!(
                    r.read(g, &cell),
                    r.read_slow(&r.items[g], &cell),
                    "{:?}",
                    String::from_utf8_lossy(&cell)
                );
            }
        }
    }
}

/// Every built-in instrument in one battery (tests of the fast paths).
#[cfg(test)]
fn all_builtins() -> Battery {
    use crate::instrument::{builtin_ids, builtin_with};
    Battery::new(
        builtin_ids()
            .iter()
            .map(|id| builtin_with(id, false).unwrap().unwrap())
            .collect(),
    )
}

#[cfg(test)]
mod read_columns_tests {
    use super::*;
    use crate::io::columns::How;

    fn battery() -> Battery {
        super::all_builtins()
    }

    /// Every reader `read_columns` may meet: plain, `--one-based`, with
    /// one-byte map labels (`A`, a space, a digit that a map relabels).
    static READERS: std::sync::LazyLock<Vec<AnswerReader>> = std::sync::LazyLock::new(|| {
        let b = battery();
        let extra = [
            ("A".to_owned(), 1),
            ("x".to_owned(), 0),
            ("7".to_owned(), 2),
            ("-".to_owned(), 0),
        ];
        vec![
            AnswerReader::new(&b, &[], false),
            AnswerReader::new(&b, &[], true),
            AnswerReader::new(&b, &extra, false),
            AnswerReader::new(&b, &extra, true),
        ]
    });

    /// The general path: `read_record` over the same columns, and whether
    /// it found no invalid cell.
    fn general(r: &AnswerReader, columns: &[u32], rec: &Record) -> (Vec<Answer>, bool) {
        let plan = ColumnPlan {
            items: columns
                .iter()
                .map(|&c| (c != u32::MAX).then_some((c as usize, How::Id)))
                .collect(),
        };
        let mut answers = vec![Answer::NotAsked; columns.len()];
        let mut bad = Vec::new();
        r.read_record(&plan, rec, &mut answers, &mut bad);
        (answers, bad.is_empty())
    }

    fn fast(r: &AnswerReader, columns: &[u32], rec: &Record) -> (Vec<Answer>, bool) {
        let mut answers = vec![Answer::NotAsked; columns.len()];
        let valid = r.read_columns(columns, rec, &mut answers);
        (answers, valid)
    }

    /// Every one-byte cell (all 256 bytes), the empty cell and an absent
    /// field, under every item of every built-in, in every reader: the
    /// table gives what `read` gives.
    #[test]
    fn every_one_byte_cell_reads_as_read_reads_it() {
        for r in READERS.iter() {
            let n = r.items.len();
            for b in 0..=255u8 {
                // item g's cell in column g; the last item's column is absent
                let mut columns: Vec<u32> = (0..n).map(|g| u32::try_from(g).unwrap()).collect();
                columns[n - 1] = u32::MAX;
                let mut rec = Record::new();
                for _ in 0..n - 2 {
                    rec.push_field(&[b]);
                }
                rec.push_field(b""); // item n-2: empty
                for (g, &c) in columns.iter().enumerate().take(n - 2) {
                    assert_eq!(c as usize, g);
                    assert_eq!(
                        r.one_byte[g][usize::from(b)],
                        r.read(g, &[b]),
                        "item {g}, byte {b}"
                    );
                }
                assert_eq!(
                    fast(r, &columns, &rec),
                    general(r, &columns, &rec),
                    "byte {b}"
                );
                // the same after a first answer longer than a byte, which
                // sends the whole row to the second loop: a label as
                // printed (found in its slot), one typed another way (the
                // general way from there on), a cell no item reads
                let printed = r.labels[r.items[0].labels].zh[0].clone();
                for first in [printed.clone(), format!(" {printed} "), "??".to_owned()] {
                    let mut rec = Record::new();
                    rec.push_field(first.as_bytes());
                    for _ in 1..n - 2 {
                        rec.push_field(&[b]);
                    }
                    rec.push_field(b"");
                    assert_eq!(
                        fast(r, &columns, &rec),
                        general(r, &columns, &rec),
                        "byte {b} after {first:?}"
                    );
                }
                // a record too short for any item: all missing
                let short = Record::new();
                assert_eq!(fast(r, &columns, &short), general(r, &columns, &short));
            }
        }
    }

    /// A cell from what real files hold: one byte, empty, blank, a longer
    /// number, a label as printed or typed, bytes that are not UTF-8.
    fn cell() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            4 => (0..=9u8).prop_map(|d| vec![b'0' + d]),
            2 => proptest::num::u8::ANY.prop_map(|b| vec![b]),
            1 => Just(Vec::new()),
            1 => proptest::sample::select(vec![
                " ", " 1", "2 ", "10", "-1", "2.0", "３", "A", "a.", "Several days", "几乎每天",
                "完全不会", "Never", "yes", "no", "sometimes", "否", "是",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
            1 => proptest::collection::vec(proptest::num::u8::ANY, 2..6),
            // labels past 8, 16 and 24 bytes, and one byte off them
            2 => (proptest::sample::select(vec![
                "一半以上的天数", "More than half the days", "Nearly every day", "好几天",
                "在很大程度上或是大部分情况下与我的实际情况相符", "Not at all",
                "Occasionally or a moderate amount of time (3-4 days)", "偶尔或无（少于1天）",
            ]), 0..80usize, any::<bool>())
                .prop_map(|(s, at, off)| {
                    let mut b = s.as_bytes().to_vec();
                    if off {
                        let at = at % b.len();
                        b[at] ^= 1;
                    }
                    b
                }),
            // pieces of characters, and bytes UTF-8 never has
            1 => proptest::sample::select(vec![
                &b"\xe4"[..], b"\xb8\xad", b"\xe4\xb8", b"\xad", b"\xf0\x9f", b"\xed\xa0\x80",
                b"\xc0\x80", b"\xef\xbf\xbd", b"\xff",
            ])
            .prop_map(<[u8]>::to_vec),
        ]
    }

    proptest::proptest! {
        /// Any record, any columns (shared, absent, past the record's
        /// end): `read_columns` reads what `read_record` reads, and is
        /// valid exactly when `read_record` finds nothing invalid.
        #[test]
        fn read_columns_reads_what_read_record_reads(
            which in 0..4usize,
            cells in proptest::collection::vec(cell(), 0..40),
            picks in proptest::collection::vec(0..48u32, 0..220),
        ) {
            let r = &READERS[which];
            let mut rec = Record::new();
            for c in &cells {
                rec.push_field(c);
            }
            // per item a column: one of the record's, one past its end, or none
            let columns: Vec<u32> = (0..r.items.len())
                .map(|g| match picks.get(g) {
                    Some(&p) if p < 44 => p,
                    Some(_) => u32::MAX,
                    None => u32::try_from(g % 45).unwrap(),
                })
                .collect();
            proptest::prop_assert_eq!(fast(r, &columns, &rec), general(r, &columns, &rec));
        }

        /// A record whose answers `read_columns` read with no invalid cell
        /// is checked around them as it was checked whole: its cells one
        /// after another (as `csv_core` gives them: a character may be
        /// split between two) or a line split at its commas.
        #[test]
        fn utf8_around_the_answers_is_utf8_of_the_whole(
            which in 0..4usize,
            cells in proptest::collection::vec(cell(), 0..30),
            first in 0..30u32,
            width in 1..12u32,
            absent in proptest::collection::vec(proptest::prelude::any::<bool>(), 0..220),
            line in proptest::prelude::any::<bool>(),
        ) {
            let r = &READERS[which];
            let mut rec = Record::new();
            if line {
                let text = [cells.join(&b","[..]), b"\n".to_vec()].concat();
                if rec.push_plain_line(&text, b',').is_none() {
                    return Ok(()); // a quote, a CR, or empty: csv_core's
                }
            } else {
                for c in &cells {
                    rec.push_field(c);
                }
            }
            // items over the columns first..first + width, some left out
            let columns: Vec<u32> = (0..r.items.len())
                .map(|g| match absent.get(g) {
                    Some(true) => u32::MAX,
                    _ => first + u32::try_from(g).unwrap() % width,
                })
                .collect();
            let Some(block) = answer_block(&columns) else {
                return Ok(());
            };
            let (_, read) = fast(r, &columns, &rec);
            if read {
                for fewest in [0, 1, AROUND] {
                    proptest::prop_assert_eq!(
                        utf8_around(&rec, block, fewest),
                        valid_utf8(rec.as_slice()),
                        "{:?} {:?}", rec, block
                    );
                }
            }
        }
    }

    #[test]
    fn a_block_is_neighbouring_columns_each_read() {
        assert_eq!(answer_block(&[8, 9, 10, u32::MAX, 11]), Some((8, 11)));
        assert_eq!(answer_block(&[3, 2, 2, 4]), Some((2, 4)));
        assert_eq!(answer_block(&[8, 10]), None);
        assert_eq!(answer_block(&[u32::MAX]), None);
        assert_eq!(answer_block(&[]), None);
    }

    /// The cases the proof rests on, by hand: a character split between
    /// the cells before and after an empty block, and answers that are
    /// labels between bytes that are not UTF-8.
    #[test]
    fn utf8_around_by_hand() {
        let pushed = |cells: &[&[u8]]| cells.iter().copied().collect::<Record>();
        let line = |text: &[u8]| {
            let mut rec = Record::new();
            rec.push_plain_line(text, b',').unwrap();
            rec
        };
        let label = "完全不会".as_bytes();
        for (rec, block, valid) in [
            (pushed(&[b"\xe4", b"", b"\xb8\xad"]), (1, 1), true),
            (pushed(&[b"\xe4", label, b"\xb8\xad"]), (1, 1), false),
            (pushed(&[b"\xe4\xb8\xad", label, label]), (1, 2), true),
            (
                line(b"\xe4,\xe5\xae\x8c\xe5\x85\xa8\xe4\xb8\x8d\xe4\xbc\x9a,x\n"),
                (1, 1),
                false,
            ),
            (
                line(b"a,\xe5\xae\x8c\xe5\x85\xa8\xe4\xb8\x8d\xe4\xbc\x9a,\xff\n"),
                (1, 1),
                false,
            ),
            (
                line(b"a,\xe5\xae\x8c\xe5\x85\xa8\xe4\xb8\x8d\xe4\xbc\x9a,b\n"),
                (1, 1),
                true,
            ),
            (line(b"a,b\n"), (5, 6), true),
            (line(b"\xff,b\n"), (5, 6), false),
        ] {
            assert_eq!(valid_utf8(rec.as_slice()), valid, "{rec:?}");
            for fewest in [0, 1, AROUND] {
                assert_eq!(utf8_around(&rec, block, fewest), valid, "{rec:?}");
            }
        }
    }
}

#[cfg(test)]
mod read_number_tests {
    use super::*;

    fn battery() -> Battery {
        super::all_builtins()
    }

    /// A map label that is a number (`10` meaning 2) and `--one-based`
    /// change what a number means; `read_number` follows the text path in
    /// all of them because it is that path for anything but one digit.
    static READERS: std::sync::LazyLock<Vec<AnswerReader>> = std::sync::LazyLock::new(|| {
        let b = battery();
        let extra = [("10".to_owned(), 2), ("-1".to_owned(), 0)];
        vec![
            AnswerReader::new(&b, &[], false),
            AnswerReader::new(&b, &[], true),
            AnswerReader::new(&b, &extra, false),
        ]
    });

    #[test]
    fn a_number_reads_as_its_decimal_text_on_every_built_in_item() {
        for r in READERS.iter() {
            for g in 0..r.items.len() {
                for n in (-12..=120).chain([i64::MIN, i64::MAX, 1_000_000_000, -999_999_999]) {
                    let text = n.to_string();
                    assert_eq!(
                        r.read_number(g, n),
                        r.read(g, text.as_bytes()),
                        "item {g}, {n}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_number_reads_as_its_decimal_text(which in 0..3usize, g in 0..500usize, n in proptest::num::i64::ANY) {
            let r = &READERS[which];
            let g = g % r.items.len();
            proptest::prop_assert_eq!(r.read_number(g, n), r.read(g, n.to_string().as_bytes()));
        }
    }
}
