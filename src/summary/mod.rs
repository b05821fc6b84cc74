//! Class summaries: scored rows counted by group (respondents, each band of
//! each scale, each risk level, mean and SD of each total, incomplete), with
//! groups smaller than `--min-group` suppressed so that no individual can be
//! singled out. No files: rows come from the pipeline (pipeline::group),
//! and output goes to a writer the command gives.
//!
//! - `info`: scales, bands and levels as a summary shows them;
//! - `layout`: the counts as records (csv/json) or tables for people;
//! - `quality` (`--quality`, with `alpha`): reliability per scale;
//! - `flags` (`--flags`, with `careless`): careless-responding flags.
//!
//! Suppression: a group under the minimum shows no numbers at all, not even
//! its size (`<5`). The overall row is the sum of the groups that are shown
//! and of those only, so subtracting the shown rows from it gives zero,
//! never a suppressed group's counts.

pub mod alpha;
pub mod careless;
pub mod flags;
pub mod info;
pub mod layout;
pub mod quality;
pub mod tallies;

use crate::instrument::{Lang, Text};

/// A band as a summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandInfo {
    /// The band's label as `score` writes it (`moderately_severe`).
    pub id: String,
    pub en: Option<String>,
    pub zh: Option<String>,
}

impl BandInfo {
    pub fn display(&self, lang: Lang) -> String {
        match (lang, &self.zh, &self.en) {
            (Lang::Zh, Some(zh), _) => zh.clone(),
            (_, _, Some(en)) => en.clone(),
            _ => self.id.replace('_', " "),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScaleInfo {
    pub id: String,
    /// In the instrument's order (lowest total first).
    pub bands: Vec<BandInfo>,
}

#[derive(Debug, Clone)]
pub struct LevelInfo {
    pub id: String,
    pub label: Text,
}

/// One scale's result for one person, as the summary needs it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScaleFact {
    /// The total (for mean and SD); `None` when there is none.
    pub total: Option<f64>,
    /// Index into the scale's bands; `None` = incomplete.
    pub band: Option<usize>,
}

/// Running mean and variance (Welford), mergeable (Chan et al.).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / count(self.n);
        self.m2 += d * (x - self.mean);
    }

    pub fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        self.mean += d * count(o.n) / count(n);
        self.m2 += o.m2 + d * d * count(self.n) * count(o.n) / count(n);
        self.n = n;
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Sample standard deviation (n − 1); needs two values.
    pub fn sd(&self) -> Option<f64> {
        (self.n > 1).then(|| (self.m2.max(0.0) / count(self.n - 1)).sqrt())
    }
}

#[allow(clippy::cast_precision_loss)] // counts of rows, far below 2^52
fn count(n: u64) -> f64 {
    n as f64
}

/// Counts by index (the bands of a scale, the risk levels): the first
/// few held inline, so that a group's tally is one allocation rather than
/// one per scale and one for the levels (with 50,000 groups, allocating,
/// reaching and freeing those cost more than counting).
#[derive(Debug, Clone, Default)]
pub struct Counts {
    first: [u64; INLINE],
    rest: Vec<u64>,
}

/// Counts held inline (bands of a scale, levels of a policy: rarely more).
const INLINE: usize = 6;

impl Counts {
    /// The count at `i` (0 when nothing was counted there).
    pub fn get(&self, i: usize) -> u64 {
        match i.checked_sub(INLINE) {
            None => self.first[i],
            Some(r) => self.rest.get(r).copied().unwrap_or(0),
        }
    }

    pub fn add(&mut self, i: usize, by: u64) {
        match i.checked_sub(INLINE) {
            None => self.first[i] += by,
            Some(r) => {
                if self.rest.len() <= r {
                    self.rest.resize(r + 1, 0);
                }
                self.rest[r] += by;
            }
        }
    }

    /// Indices that may hold a count.
    fn len(&self) -> usize {
        INLINE + self.rest.len()
    }

    fn merge(&mut self, o: &Counts) {
        for i in 0..o.len() {
            self.add(i, o.get(i));
        }
    }
}

impl PartialEq for Counts {
    fn eq(&self, o: &Counts) -> bool {
        (0..self.len().max(o.len())).all(|i| self.get(i) == o.get(i))
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScaleTally {
    /// Count per band, by band index.
    pub bands: Counts,
    pub incomplete: u64,
    pub totals: Moments,
}

impl ScaleTally {
    pub fn band(&self, b: usize) -> u64 {
        self.bands.get(b)
    }
}

/// The counts of one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub n: u64,
    /// Rows with at least one incomplete scale.
    pub incomplete: u64,
    pub scales: Vec<ScaleTally>,
    /// Count per risk level, by level index.
    pub levels: Counts,
}

impl Tally {
    pub fn add(&mut self, facts: &[ScaleFact], level: usize) {
        self.n += 1;
        if self.scales.len() < facts.len() {
            self.scales.resize_with(facts.len(), ScaleTally::default);
        }
        let mut incomplete = false;
        for (t, f) in self.scales.iter_mut().zip(facts) {
            match f.band {
                Some(b) => t.bands.add(b, 1),
                None => {
                    t.incomplete += 1;
                    incomplete = true;
                }
            }
            if let Some(x) = f.total.filter(|x| x.is_finite()) {
                t.totals.add(x);
            }
        }
        self.incomplete += u64::from(incomplete);
        self.levels.add(level, 1);
    }

    pub fn level(&self, l: usize) -> u64 {
        self.levels.get(l)
    }
}

/// Something counted per group that can be added up into an overall row.
pub trait Merge {
    fn merge(&mut self, other: &Self);
}

impl Merge for Tally {
    fn merge(&mut self, o: &Tally) {
        self.n += o.n;
        self.incomplete += o.incomplete;
        if self.scales.len() < o.scales.len() {
            self.scales.resize_with(o.scales.len(), ScaleTally::default);
        }
        for (a, b) in self.scales.iter_mut().zip(&o.scales) {
            a.bands.merge(&b.bands);
            a.incomplete += b.incomplete;
            a.totals.merge(&b.totals);
        }
        self.levels.merge(&o.levels);
    }
}

impl<T: Merge> Merge for Vec<T> {
    fn merge(&mut self, o: &Vec<T>) {
        for (a, b) in self.iter_mut().zip(o) {
            a.merge(b);
        }
    }
}

/// Anything kept per group (counts, reliability), with the group's size.
/// A row finds its group with one lookup (a run may have tens of
/// thousands of groups: a search per row in a sorted map cost more than
/// counting the row); groups are sorted once, by `finish`.
///
/// With 50,000 groups the old map of `Vec<String>` keys spent its time
/// waiting for memory (a chain of allocations per row). Now the lookup is
/// an open-addressing table of 8-byte slots (part of the hash, the group)
/// at most 7/8 full, small enough to stay in cache, and each group keeps
/// its key's length and first and last eight bytes beside its counts (the
/// whole of a key up to 16 bytes): a row touches one slot and its own
/// group, and for a longer key one stretch of one buffer of all the keys.
#[derive(Debug)]
pub struct Groups<T> {
    /// (hash >> 32, index + 1) of each group; index 0: an empty slot.
    slots: Vec<(u32, u32)>,
    /// Every group's key, flattened (`flatten`), one after another.
    keys: Vec<u8>,
    /// Where each group's flat key ends in `keys`, by group.
    key_ends: Vec<usize>,
    groups: Vec<Group<T>>,
    /// The key being looked up, flattened.
    scratch: Vec<u8>,
}

#[derive(Debug)]
struct Group<T> {
    /// `ends` and length of the flat key.
    head: u64,
    tail: u64,
    len: usize,
    n: u64,
    data: T,
}

impl<T> Default for Groups<T> {
    fn default() -> Self {
        Groups {
            slots: vec![(0, 0); 64],
            keys: Vec::new(),
            key_ends: Vec::new(),
            groups: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl<T> Groups<T> {
    /// The slot of the flat key `key` with hash `h`: its group's index,
    /// or where it would go.
    fn find(&self, key: &[u8], h: u64) -> (usize, Option<usize>) {
        let (head, tail) = ends(key);
        self.find_with(h, |g| {
            let group = &self.groups[g];
            group.len == key.len()
                && group.head == head
                && group.tail == tail
                && (key.len() <= 16 || self.flat(g) == key)
        })
    }

    /// `find`, with `same` telling whether group `g` has the key (a group
    /// whose slot holds the hash's high half).
    fn find_with(&self, h: u64, same: impl Fn(usize) -> bool) -> (usize, Option<usize>) {
        let mask = self.slots.len() - 1;
        #[allow(clippy::cast_possible_truncation)] // the high half, and the table is far smaller
        let (tag, mut slot) = ((h >> 32) as u32, h as usize & mask);
        loop {
            let (t, i) = self.slots[slot];
            if i == 0 {
                return (slot, None);
            }
            if t == tag && same(i as usize - 1) {
                return (slot, Some(i as usize - 1));
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Group `g`'s flat key.
    fn flat(&self, g: usize) -> &[u8] {
        let start = g.checked_sub(1).map_or(0, |p| self.key_ends[p]);
        &self.keys[start..self.key_ends[g]]
    }

    /// The index of the group `key`, if it has one.
    fn lookup(&mut self, key: &[String]) -> Option<usize> {
        flatten(key, &mut self.scratch);
        let h = xxhash_rust::xxh3::xxh3_64(&self.scratch);
        self.find(&self.scratch, h).1
    }

    /// Twice the slots, every group placed again.
    fn grow(&mut self) {
        let mut slots = vec![(0, 0); self.slots.len() * 2];
        let mask = slots.len() - 1;
        for g in 0..self.key_ends.len() {
            let h = xxhash_rust::xxh3::xxh3_64(self.flat(g));
            #[allow(clippy::cast_possible_truncation)]
            let (tag, mut slot) = ((h >> 32) as u32, h as usize & mask);
            while slots[slot].1 != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = (tag, index_of(g));
        }
        self.slots = slots;
    }

    /// The group `key`, made by `make` on its first row. Counts the row.
    pub fn row(&mut self, key: &[String], make: impl FnOnce() -> T) -> &mut T {
        let i = self.place(key, make);
        &mut self.groups[i].data
    }

    /// The index of the group `key` (groups are numbered as they come),
    /// made by `make` on its first row. Counts the row.
    fn place(&mut self, key: &[String], make: impl FnOnce() -> T) -> usize {
        flatten(key, &mut self.scratch);
        let scratch = std::mem::take(&mut self.scratch);
        let h = xxhash_rust::xxh3::xxh3_64(&scratch);
        let i = self.place_flat(&scratch, h, make);
        self.scratch = scratch;
        i
    }

    /// `place` for a key already flat, with its hash (`xxh3_64`).
    fn place_flat(&mut self, key: &[u8], h: u64, make: impl FnOnce() -> T) -> usize {
        let i = match self.find(key, h) {
            (_, Some(i)) => i,
            (slot, None) => self.insert(slot, key, h, make),
        };
        self.groups[i].n += 1;
        i
    }

    /// A new group, of the flat key `key` with hash `h`, at `slot` (where
    /// `find` did not find it), with no rows yet; its index.
    fn insert(&mut self, slot: usize, key: &[u8], h: u64, make: impl FnOnce() -> T) -> usize {
        let i = self.groups.len();
        #[allow(clippy::cast_possible_truncation)]
        let tag = (h >> 32) as u32;
        self.slots[slot] = (tag, index_of(i));
        let (head, tail) = ends(key);
        self.keys.extend_from_slice(key);
        self.key_ends.push(self.keys.len());
        // the key's values are kept in `keys` only, made into strings
        // again once, by `finish`
        self.groups.push(Group {
            head,
            tail,
            len: key.len(),
            n: 0,
            data: make(),
        });
        // at most 7/8 full: 50,000 groups in 512 KiB of slots, which stay
        // in cache (half full, twice that, did not)
        if self.groups.len() * 8 > self.slots.len() * 7 {
            self.grow();
        }
        i
    }

    /// Group `g`'s key, as its values.
    fn key(&self, g: usize) -> Vec<String> {
        let flat = self.flat(g);
        let mut key = Vec::with_capacity(flat.iter().filter(|&&b| b == END).count());
        key.extend(values(flat).map(|v| String::from_utf8_lossy(v).into_owned()));
        key
    }

    /// The groups' indices in key order: natural order, keys equal in it
    /// (`07`, `7`) in byte order, as ever. Each key is encoded once
    /// (`sort_key`) so that the sort compares plain bytes (re-splitting
    /// keys on every compare cost more than the rest of the sort).
    fn order(&self) -> Vec<usize> {
        let mut encoded = Vec::with_capacity(self.keys.len() * 2);
        let mut ends = Vec::with_capacity(self.groups.len());
        for g in 0..self.groups.len() {
            sort_key(self.flat(g), &mut encoded);
            ends.push(encoded.len());
        }
        // each encoding's first eight bytes, big-endian, beside it: most
        // compares end there, without reading the encodings (with 50,000
        // groups each compare read two scattered ones)
        let mut order: Vec<(u64, &[u8], usize)> = ends
            .iter()
            .enumerate()
            .map(|(g, &end)| {
                let start = g.checked_sub(1).map_or(0, |p| ends[p]);
                let key = &encoded[start..end];
                let mut head = [0u8; 8];
                let n = key.len().min(8);
                head[..n].copy_from_slice(&key[..n]);
                (u64::from_be_bytes(head), key, g)
            })
            .collect();
        // keys are distinct, and so are their encodings: no two compare
        // equal, so an unstable sort orders them as a stable one (a head
        // padded with zeros compares as the bytes do: an encoding's 0s
        // end values, and a shorter one that is a prefix sorts first)
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        order.into_iter().map(|(_, _, g)| g).collect()
    }

    /// The group `key` without counting a row (`None` if it has none).
    pub fn get_mut(&mut self, key: &[String]) -> Option<&mut T> {
        let i = self.lookup(key)?;
        Some(&mut self.groups[i].data)
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Is the group `key` large enough to be shown?
    pub fn is_shown(&mut self, key: &[String], min_group: u64) -> bool {
        self.lookup(key)
            .is_some_and(|i| self.groups[i].n >= min_group)
    }
}

/// Group `g` as a slot holds it (+ 1: 0 is an empty slot).
fn index_of(g: usize) -> u32 {
    u32::try_from(g + 1).expect("fewer than 4 billion groups")
}

/// What ends each value of a flat key: a byte that UTF-8 never holds.
const END: u8 = 0xFF;

/// A key as one byte string: each value followed by `END`.
fn flatten(key: &[String], into: &mut Vec<u8>) {
    into.clear();
    flatten_onto(key, into);
}

/// `flatten` appended to `onto`.
fn flatten_onto(key: &[String], onto: &mut Vec<u8>) {
    for v in key {
        onto.extend_from_slice(v.as_bytes());
        onto.push(END);
    }
}

/// The values of a flat key.
fn values(flat: &[u8]) -> tallies::KeyValues<'_> {
    let end: fn(&u8) -> bool = |&b| b == END;
    flat.split(end)
        .take(flat.iter().filter(|&&b| b == END).count())
}

/// The first and last eight bytes of a flat key (every key has at least
/// one byte, its `END`); shorter than eight: its bytes, 0.
fn ends(flat: &[u8]) -> (u64, u64) {
    match (flat.first_chunk::<8>(), flat.last_chunk::<8>()) {
        (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
        _ => (flat.iter().fold(0, |word, &b| word << 8 | u64::from(b)), 0),
    }
}

/// A group as it may be shown: its numbers, or nothing at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<T> {
    Shown {
        n: u64,
        data: T,
    },
    /// Fewer than the minimum: no size, no counts.
    Suppressed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Shown<T> {
    /// Every group in key order.
    pub groups: Vec<(Vec<String>, Cell<T>)>,
    /// The sum of the shown groups only; `None` when none is shown.
    pub overall: Option<(u64, T)>,
    pub suppressed: usize,
    pub min_group: u64,
}

impl<T: Merge + Clone> Groups<T> {
    /// Apply the minimum group size: small groups lose their numbers, the
    /// overall row adds up the shown groups only.
    pub fn finish(self, min_group: u64) -> Shown<T> {
        let mut overall: Option<(u64, T)> = None;
        let mut suppressed = 0;
        let order = self.order();
        let keys: Vec<Vec<String>> = order.iter().map(|&g| self.key(g)).collect();
        let mut taken: Vec<Option<_>> = self.groups.into_iter().map(Some).collect();
        let groups = order
            .into_iter()
            .zip(keys)
            .filter_map(|(i, key)| Some((key, taken[i].take()?)))
            .map(|(key, Group { n, data, .. })| {
                if n < min_group {
                    suppressed += 1;
                    return (key, Cell::Suppressed);
                }
                match &mut overall {
                    Some((on, o)) => {
                        *on += n;
                        o.merge(&data);
                    }
                    None => overall = Some((n, data.clone())),
                }
                (key, Cell::Shown { n, data })
            })
            .collect();
        Shown {
            groups,
            overall,
            suppressed,
            min_group,
        }
    }
}

/// A flat key (`flatten`) encoded so that byte order is the order of
/// `natural_flat`, then of the values as bytes (`Groups::order`), appended
/// to `into`. Per value: its natural tokens, 0, its bytes, 0. A token is a
/// byte other than a digit, + 1 (so 0 ends a value before anything else),
/// or a run of digits: `DIGITS`, the length of the run without its leading
/// zeros (`push_length`) and those digits. `DIGITS` sits between the
/// tokens of the bytes before `0` and after `9`, as a digit sits between
/// them, and meets only another run's `DIGITS` otherwise; the bytes after
/// the tokens break ties (`07` before `7`) as `natural_bytes` does.
fn sort_key(flat: &[u8], into: &mut Vec<u8>) {
    const DIGITS: u8 = b'0' + 1;
    for value in values(flat) {
        let mut rest = value;
        while let Some(&c) = rest.first() {
            if c.is_ascii_digit() {
                let run = rest
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                let number = without_zeros(&rest[..run]);
                into.push(DIGITS);
                push_length(number.len(), into);
                into.extend_from_slice(number);
                rest = &rest[run..];
            } else {
                // a value is UTF-8 (no byte above 0xF4), so no overflow
                into.push(c + 1);
                rest = &rest[1..];
            }
        }
        into.push(0);
        into.extend(value.iter().map(|&b| b + 1));
        into.push(0);
    }
}

/// A run's length as `sort_key` orders it: one byte below 255, else 255
/// and eight bytes, big-endian (a longer run sorts after, either way).
fn push_length(n: usize, into: &mut Vec<u8>) {
    match u8::try_from(n) {
        Ok(b) if b < u8::MAX => into.push(b),
        _ => {
            into.push(u8::MAX);
            into.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
}

/// Group keys in natural order: numbers inside values compare as numbers
/// (`7A` < `10A`), everything else as text.
pub fn natural_keys(a: &[String], b: &[String]) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| natural(x, y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

/// `natural_keys` of two flat keys: the order `sort_key` encodes.
#[cfg(test)]
fn natural_flat(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    values(a)
        .zip(values(b))
        .map(|(x, y)| natural_bytes(x, y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| values(a).count().cmp(&values(b).count()))
}

fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    natural_bytes(a.as_bytes(), b.as_bytes())
}

/// Digits without their leading zeros.
fn without_zeros(digits: &[u8]) -> &[u8] {
    &digits[digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len())..]
}

/// `natural` on the UTF-8 of the two texts: byte by byte is character by
/// character (UTF-8 orders as the characters do, and no byte inside a
/// character is an ASCII digit).
fn natural_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let digits = |t: &[u8]| {
        t.iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(t.len())
    };
    let (mut x, mut y) = (a, b);
    loop {
        let (Some(&cx), Some(&cy)) = (x.first(), y.first()) else {
            return x.len().cmp(&y.len()).then_with(|| a.cmp(b));
        };
        if cx.is_ascii_digit() && cy.is_ascii_digit() {
            let (dx, dy) = (digits(x), digits(y));
            let (nx, ny) = (without_zeros(&x[..dx]), without_zeros(&y[..dy]));
            let o = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
            if o != Ordering::Equal {
                return o;
            }
            x = &x[dx..];
            y = &y[dy..];
        } else {
            if cx != cy {
                return cx.cmp(&cy);
            }
            x = &x[1..];
            y = &y[1..];
        }
    }
}

/// `--min-group`'s default: smaller groups are suppressed, so that no
/// one's answers can be read off a group's counts.
pub const MIN_GROUP: u64 = 5;

/// How a suppressed group's size is written: `<5`.
pub fn suppressed_mark(min_group: u64) -> String {
    format!("<{min_group}")
}

/// How a blank value is shown to people, in English and in Chinese.
const BLANK_LABELS: [&str; 2] = ["(blank)", "（空）"];

/// What joins the values of a key of several columns.
const KEY_SEPARATOR: &str = " / ";

/// A group key for people: the values joined by ` / `, a blank as
/// `(blank)` (`（空）`). A value that could be taken for another is shown
/// in quotes, so that no two groups look alike: a class really named
/// `(blank)` or `（空）` (`"(blank)"`, not the group of blank values), one
/// in quotes already (`"7A"` shows as `""7A""`, not as `7A` quoted), and,
/// with several columns, one holding ` / ` (`7 / A` of one column is not
/// `7` and `A`). CSV and JSON write values as they are: a blank is empty.
pub fn key_label(key: &[String], lang: Lang) -> String {
    let several = key.len() > 1;
    key.iter()
        .map(|v| {
            let quoted = v.len() >= 2 && v.starts_with('"') && v.ends_with('"');
            if v.is_empty() {
                match lang {
                    Lang::En => BLANK_LABELS[0].to_string(),
                    Lang::Zh => BLANK_LABELS[1].to_string(),
                }
            } else if BLANK_LABELS.contains(&v.as_str())
                || quoted
                || (several && v.contains(KEY_SEPARATOR))
            {
                format!("\"{v}\"")
            } else {
                v.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(KEY_SEPARATOR)
}

/// A mean or SD as shown: two decimals, or empty when there is none.
pub fn fmt2(x: Option<f64>) -> String {
    let mut s = String::new();
    push_fmt2(&mut s, x);
    s
}

/// `fmt2` onto the end of `into`.
pub fn push_fmt2(into: &mut String, x: Option<f64>) {
    use std::fmt::Write as _;
    let Some(x) = x else { return };
    match hundredths(x) {
        Some(h) => {
            // as `{:.2}`: at least one digit before the point, two after
            let part = h % 100;
            into.push_str(itoa::Buffer::new().format(h / 100));
            into.push('.');
            for digit in [part / 10, part % 10] {
                into.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
            }
        }
        // writing to a String cannot fail
        None => {
            let _ = write!(into, "{x:.2}");
        }
    }
}

/// `x` × 100 rounded to the nearest whole number, as `{:.2}` rounds it
/// (from the exact value of the binary number), for a positive `x` below
/// 10^15 and not halfway between two hundredths; `None` for any other
/// (negative, huge, NaN, a tie): those go to `{:.2}` itself. With 50,000
/// groups, formatting six means and SDs a group through `{:.2}` was half
/// the cost of writing the records.
fn hundredths(x: f64) -> Option<u64> {
    if !(x.is_sign_positive() && x < 1e15) {
        return None;
    }
    let bits = x.to_bits();
    let exponent = i32::try_from(bits >> 52).ok()?;
    let fraction = bits & ((1 << 52) - 1);
    // x = mantissa × 2^-shift exactly; below 10^15 the shift is positive
    let (mantissa, shift) = match exponent {
        0 => (fraction, 1074),
        e => (fraction | 1 << 52, 1075 - e),
    };
    let scaled = u128::from(mantissa) * 100;
    let Ok(shift @ 1..=127) = u32::try_from(shift) else {
        // below 2^-74: x × 100 is far under one half
        return (shift > 127).then_some(0);
    };
    let (whole, rest) = (scaled >> shift, scaled & ((1 << shift) - 1));
    let half = 1u128 << (shift - 1);
    let rounded = match rest.cmp(&half) {
        std::cmp::Ordering::Less => whole,
        std::cmp::Ordering::Greater => whole + 1,
        std::cmp::Ordering::Equal => return None,
    };
    u64::try_from(rounded).ok()
}

/// `N group(s) shown, M suppressed (fewer than K respondents)`.
pub fn groups_note(groups: usize, suppressed: usize, min_group: u64) -> String {
    let shown = groups - suppressed;
    crate::messages::tr!(
        "{shown} group(s) shown, {suppressed} suppressed (fewer than {min_group} respondents)",
        "显示 {shown} 组，隐去 {suppressed} 组（不足 {min_group} 人）"
    )
}

#[cfg(test)]
mod tests {
    /// `--min-group`'s default (`cli`, which may not name this module: the
    /// layers do not loop) is `MIN_GROUP`, which the report's note reads.
    #[test]
    fn min_group_defaults_to_min_group() {
        use clap::Parser as _;
        let cli =
            crate::cli::Cli::try_parse_from(["psyscreen", "summary", "x.csv", "--by", "class"])
                .unwrap();
        let crate::cli::Command::Summary(a) = cli.command else {
            unreachable!("parsed as summary")
        };
        assert_eq!(a.input.min_group, MIN_GROUP);
    }

    use super::*;

    fn key(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    fn fact(total: i32, band: usize) -> ScaleFact {
        ScaleFact {
            total: Some(f64::from(total)),
            band: Some(band),
        }
    }

    #[test]
    fn moments_match_the_textbook_and_merge() {
        let mut m = Moments::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.add(x);
        }
        assert!((m.mean().unwrap() - 5.0).abs() < 1e-12);
        // sample SD of the classic example: sqrt(32/7)
        assert!((m.sd().unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        let (mut a, mut b) = (Moments::default(), Moments::default());
        for x in [2.0, 4.0, 4.0] {
            a.add(x);
        }
        for x in [4.0, 5.0, 5.0, 7.0, 9.0] {
            b.add(x);
        }
        a.merge(&b);
        assert_eq!(a.n, 8);
        assert!((a.sd().unwrap() - m.sd().unwrap()).abs() < 1e-12);
        let mut one = Moments::default();
        one.add(3.0);
        assert_eq!(one.sd(), None, "one value has no SD");
        assert_eq!(Moments::default().mean(), None);
    }

    /// Counts past the inline ones, merged, compared by what they count.
    #[test]
    fn counts_past_the_inline_ones_add_up_and_merge() {
        let mut a = Counts::default();
        a.add(2, 1);
        a.add(INLINE + 3, 2);
        assert_eq!((a.get(2), a.get(INLINE + 3), a.get(INLINE + 9)), (1, 2, 0));
        let mut b = Counts::default();
        b.add(INLINE, 5);
        b.merge(&a);
        assert_eq!((b.get(2), b.get(INLINE), b.get(INLINE + 3)), (1, 5, 2));
        let mut c = Counts::default();
        c.add(INLINE + 20, 0);
        assert_eq!(c, Counts::default(), "zeros past the end count as nothing");
        assert_ne!(a, Counts::default());
    }

    #[test]
    fn tally_counts_bands_levels_and_incomplete() {
        let mut t = Tally::default();
        t.add(&[fact(3, 0), fact(12, 2)], 1);
        t.add(
            &[
                ScaleFact {
                    total: None,
                    band: None,
                },
                fact(2, 0),
            ],
            2,
        );
        assert_eq!(t.n, 2);
        assert_eq!(t.incomplete, 1);
        assert_eq!(t.scales[0].band(0), 1);
        assert_eq!(t.scales[0].incomplete, 1);
        assert_eq!(t.scales[1].band(2), 1);
        assert_eq!(t.scales[1].band(9), 0);
        assert_eq!((t.level(0), t.level(1), t.level(2)), (0, 1, 1));
        assert_eq!(t.scales[0].totals.n, 1, "no total, no mean");
    }

    #[test]
    fn small_groups_are_suppressed_and_left_out_of_the_overall_row() {
        let mut g: Groups<Tally> = Groups::default();
        for (class, n, level) in [("7A", 6, 0), ("7B", 2, 3), ("8A", 5, 1)] {
            for _ in 0..n {
                g.row(&key(class), Tally::default).add(&[fact(1, 0)], level);
            }
        }
        assert!(g.is_shown(&key("7A"), 5));
        assert!(!g.is_shown(&key("7B"), 5));
        assert!(!g.is_shown(&key("9Z"), 5));
        let s = g.finish(5);
        assert_eq!(s.suppressed, 1);
        assert_eq!(s.groups[1], (key("7B"), Cell::Suppressed));
        let (n, all) = s.overall.clone().unwrap();
        assert_eq!(n, 11, "6 + 5: the suppressed 2 are not in it");
        assert_eq!(all.n, 11);
        assert_eq!(all.level(3), 0, "7B's urgent rows cannot be recovered");
        // overall minus the shown rows is zero everywhere
        let mut shown = Tally::default();
        for (_, c) in &s.groups {
            if let Cell::Shown { data, .. } = c {
                shown.merge(data);
            }
        }
        assert_eq!(shown.levels, all.levels);
        assert_eq!(shown.scales[0].bands, all.scales[0].bands);
    }

    /// `natural` as it was, character by character: the reference the
    /// byte-wise one must agree with.
    fn natural_by_chars(a: &str, b: &str) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let (mut x, mut y) = (a, b);
        loop {
            let (Some(cx), Some(cy)) = (x.chars().next(), y.chars().next()) else {
                return x.len().cmp(&y.len()).then_with(|| a.cmp(b));
            };
            if cx.is_ascii_digit() && cy.is_ascii_digit() {
                let dx = x.len() - x.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let dy = y.len() - y.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let (nx, ny) = (
                    x[..dx].trim_start_matches('0'),
                    y[..dy].trim_start_matches('0'),
                );
                let o = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[dx..];
                y = &y[dy..];
            } else {
                if cx != cy {
                    return cx.cmp(&cy);
                }
                x = &x[cx.len_utf8()..];
                y = &y[cy.len_utf8()..];
            }
        }
    }

    proptest::proptest! {
        /// Byte by byte orders as character by character did, and flat
        /// keys sort as their values do.
        #[test]
        fn natural_order_by_bytes_is_the_order_by_characters(
            a in proptest::collection::vec("[0-9a0班二é😀 ]{0,6}", 1..3),
            b in proptest::collection::vec("[0-9a0班二é😀 ]{0,6}", 1..3),
        ) {
            proptest::prop_assert_eq!(natural(&a[0], &b[0]), natural_by_chars(&a[0], &b[0]));
            let (mut fa, mut fb) = (Vec::new(), Vec::new());
            flatten(&a, &mut fa);
            flatten(&b, &mut fb);
            let old = natural_flat(&fa, &fb).then_with(|| values(&fa).cmp(values(&fb)));
            proptest::prop_assert_eq!(old, natural_keys(&a, &b).then_with(|| a.cmp(&b)));
            // the encoded keys `finish` sorts by compare as the keys did
            let (mut ea, mut eb) = (Vec::new(), Vec::new());
            sort_key(&fa, &mut ea);
            sort_key(&fb, &mut eb);
            proptest::prop_assert_eq!(ea.cmp(&eb), old);
        }

        /// Keys of digits, zeros, blanks and long numbers (past 8 digits,
        /// and runs about 255 digits long, where `push_length` changes),
        /// sorted by their encodings as by the comparator.
        #[test]
        fn sort_keys_order_as_the_comparator_does(
            keys in proptest::collection::vec(
                proptest::collection::vec("(0|00|7|07|1[0-9]{0,12}|9{9,11}|1[0-9]{252,256}|[A-Z]|/|:|班| |)*", 1..4),
                0..40,
            ),
        ) {
            let mut keys = keys;
            keys.sort();
            keys.dedup();
            let mut g: Groups<()> = Groups::default();
            for k in &keys {
                g.row(k, || ());
            }
            let got: Vec<Vec<String>> = g.order().into_iter().map(|i| g.key(i)).collect();
            keys.sort_by(|a, b| natural_keys(a, b).then_with(|| a.cmp(b)));
            proptest::prop_assert_eq!(got, keys);
        }
    }

    /// Many groups (the table grows several times), keys of several
    /// values that join to the same text: each row lands in its own group,
    /// counted as a map of keys would count it, and groups come out in
    /// natural order.
    #[test]
    fn many_groups_are_counted_apart_and_sorted() {
        #[derive(Debug, Clone, PartialEq)]
        struct Sum(u64);
        impl Merge for Sum {
            fn merge(&mut self, o: &Sum) {
                self.0 += o.0;
            }
        }
        let mut g: Groups<Sum> = Groups::default();
        let mut want = std::collections::BTreeMap::new();
        let keys = |i: u64| {
            let k = vec![format!("C{}", i % 997), format!("{}", i % 3)];
            // "a" + "bc" and "ab" + "c" are different groups
            let j = vec![
                format!("C{}", i % 997) + &(i % 3).to_string(),
                String::new(),
            ];
            [k, j]
        };
        for i in 0..20_000u64 {
            for k in keys(i) {
                g.row(&k, || Sum(0)).0 += i;
                let e = want.entry(k).or_insert((0u64, 0u64));
                e.0 += 1;
                e.1 += i;
            }
        }
        assert_eq!(g.len(), want.len());
        assert_eq!(g.get_mut(&key("C5")), None);
        assert!(g
            .get_mut(&[String::from("C5"), String::from("2")])
            .is_some());
        let shown = g.finish(1);
        assert_eq!(shown.groups.len(), want.len());
        for w in shown.groups.windows(2) {
            assert!(natural_keys(&w[0].0, &w[1].0)
                .then_with(|| w[0].0.cmp(&w[1].0))
                .is_lt());
        }
        for (k, c) in &shown.groups {
            let (n, sum) = want[k];
            assert_eq!(c, &Cell::Shown { n, data: Sum(sum) }, "{k:?}");
        }
    }

    #[test]
    fn nothing_shown_means_no_overall_row() {
        let mut g: Groups<Tally> = Groups::default();
        g.row(&key("x"), Tally::default).add(&[], 0);
        let s = g.finish(5);
        assert_eq!(s.overall, None);
        assert_eq!(s.suppressed, 1);
        // --min-group 1 shows every group
        let mut g: Groups<Tally> = Groups::default();
        g.row(&key("x"), Tally::default).add(&[], 0);
        assert_eq!(g.finish(1).suppressed, 0);
    }

    #[test]
    fn groups_in_natural_order() {
        let mut v: Vec<Vec<String>> = ["10A", "7B", "7A", "", "8A", "007A", "x2", "x10"]
            .iter()
            .map(|s| key(s))
            .collect();
        v.sort_by(|a, b| natural_keys(a, b));
        let got: Vec<&str> = v.iter().map(|k| k[0].as_str()).collect();
        assert_eq!(got, ["", "007A", "7A", "7B", "8A", "10A", "x2", "x10"]);
        let two = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
        assert!(natural_keys(&two("7", "B"), &two("7", "A")).is_gt());
        assert!(natural_keys(&two("7", "Z"), &two("10", "A")).is_lt());
    }

    proptest::proptest! {
        /// The fast two decimals are `{:.2}`'s, for any bits (NaN, signs,
        /// subnormals, huge) and for means of small counts (k / n, where
        /// ties like 0.125 and 2.675 are).
        #[test]
        fn two_decimals_as_format_gives_them(
            bits in proptest::prelude::any::<u64>(),
            k in 0u32..100_000,
            n in 1u32..2_000,
            scale in -20i32..20,
        ) {
            for x in [
                f64::from_bits(bits),
                f64::from(k) / f64::from(n),
                f64::from(k) / 200.0,
                f64::from(k) * 10f64.powi(scale),
                (f64::from(k) / f64::from(n)).sqrt(),
            ] {
                proptest::prop_assert_eq!(fmt2(Some(x)), format!("{x:.2}"), "{:?}", x);
            }
        }
    }

    #[test]
    fn two_decimals_at_the_edges() {
        for x in [
            0.0,
            -0.0,
            0.005,
            0.015,
            0.125,
            0.375,
            2.675,
            1.005,
            0.994_999_999_999_999_9,
            0.995,
            9.995,
            99.995,
            1e-300,
            5e-324,
            1e15,
            999_999_999_999_999.9,
            1e16,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
            -1.5,
            123_456.785,
        ] {
            assert_eq!(fmt2(Some(x)), format!("{x:.2}"), "{x:?}");
        }
    }

    /// The group of blank values and a class named as its label never
    /// look alike, in either language, nor do keys of several columns
    /// whose values hold the separator.
    #[test]
    fn key_labels_tell_every_group_apart() {
        let k = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        for lang in [Lang::En, Lang::Zh] {
            let blank = key_label(&k(&[""]), lang);
            assert_eq!(
                blank,
                if lang == Lang::En {
                    "(blank)"
                } else {
                    "（空）"
                }
            );
            assert_eq!(key_label(&k(&["(blank)"]), lang), "\"(blank)\"");
            assert_eq!(key_label(&k(&["（空）"]), lang), "\"（空）\"");
            assert_eq!(key_label(&k(&["\"(blank)\""]), lang), "\"\"(blank)\"\"");
            assert_eq!(key_label(&k(&["\"7A\""]), lang), "\"\"7A\"\"");
            // what needs no quotes keeps none
            for plain in ["7A", "(blank", "\"", "=A", "'x", "7 / A", "a\"b\""] {
                assert_eq!(key_label(&k(&[plain]), lang), plain);
            }
            assert_eq!(key_label(&k(&["7 / A", "B"]), lang), "\"7 / A\" / B");
            assert_eq!(key_label(&k(&["7", "A / B"]), lang), "7 / \"A / B\"");
            assert_eq!(
                key_label(&k(&["(blank)", ""]), lang),
                format!("\"(blank)\" / {blank}")
            );
        }
        // distinct keys of every tricky kind (keys of one run have one
        // length: the `--by` columns), distinct labels
        let values = [
            "",
            "(blank)",
            "（空）",
            "\"(blank)\"",
            "\"\"",
            "\"",
            "7",
            "A",
            "7 / A",
            "\"7",
            "A\"",
            "A / \"",
            "\" / A",
        ];
        let (mut one, mut two) = (
            std::collections::HashMap::new(),
            std::collections::HashMap::new(),
        );
        for a in values {
            for b in values {
                for (seen, key) in [(&mut one, k(&[a])), (&mut two, k(&[a, b]))] {
                    let label = key_label(&key, Lang::En);
                    if let Some(other) = seen.insert(label.clone(), key.clone()) {
                        assert_eq!(other, key, "{label}");
                    }
                }
            }
        }
    }

    #[test]
    fn labels() {
        assert_eq!(key_label(&[String::new()], Lang::En), "(blank)");
        assert_eq!(key_label(&["7".into(), "A".into()], Lang::Zh), "7 / A");
        assert_eq!(suppressed_mark(5), "<5");
        assert_eq!(fmt2(Some(1.5)), "1.50");
        assert_eq!(fmt2(None), "");
        let b = BandInfo {
            id: "moderately_severe".into(),
            en: None,
            zh: Some("中重度".into()),
        };
        assert_eq!(b.display(Lang::En), "moderately severe");
        assert_eq!(b.display(Lang::Zh), "中重度");
    }
}
