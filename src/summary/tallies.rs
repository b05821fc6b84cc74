//! `Tally`s of many groups in one flat block of counts: what `summary` and
//! `report` count per row. Each group's counts lie together, in one run of
//! words found from its index alone, with no allocation of its own: with
//! 50,000 groups a row's tally (a `Tally` and its scales' `Vec`, some
//! 480 bytes in two places on the heap) cost a chain of cache misses; here
//! it is some 260 bytes in a row (with what the group's key is checked
//! by), reached from the group's slot.
//! `finish` gives a `Shown<Tally>` that shows the same as `Groups<Tally>`'s
//! (a group's scales are padded to the widest row seen; every layout reads
//! a scale it lacks as empty).

use super::{ends, Cell, Counts, Groups, Moments, ScaleFact, ScaleTally, Shown, Tally};

/// Groups and their tallies, counted a row at a time.
#[derive(Debug, Default)]
pub struct Tallies {
    /// The keys; a group's index is where its words are (its size is
    /// in them: `Groups`' own count stays 0).
    groups: Groups<()>,
    shape: Shape,
    /// `shape.stride` words per group, by group index.
    cells: Vec<u64>,
    /// Rows not counted yet (`flush`).
    pending: Pending,
}

/// Rows kept to be counted together: their groups' slots and words are
/// looked up for all of them first, so that the memory of many rows is
/// fetched at once, not one row's after another's (with 50,000 groups a
/// row's slot and words are seldom in cache, and waiting for them one at a
/// time was most of what counting cost).
#[derive(Debug, Default)]
struct Pending {
    /// The rows' flat keys (`flatten`), one after another.
    keys: Vec<u8>,
    key_ends: Vec<usize>,
    facts: Vec<ScaleFact>,
    fact_ends: Vec<usize>,
    levels: Vec<usize>,
    hashes: Vec<u64>,
}

/// Rows counted together.
const BATCH: usize = 64;

/// Where each count lies in a group's words: its key's first and last
/// eight bytes and length (what `Groups` checks a key by, kept here so
/// that finding a group reads the same memory as counting in it), its
/// size, rows with an incomplete scale, the levels, then per scale its
/// bands, its incomplete count and its `Moments` (n, and the bits of mean
/// and m2). Sized to what the rows have held so far, widened when one
/// holds more.
#[derive(Debug, Clone, Default, PartialEq)]
struct Shape {
    levels: usize,
    /// Per scale: the first word and the number of bands.
    scales: Vec<(usize, usize)>,
    stride: usize,
}

const KEY_HEAD: usize = 0;
const KEY_TAIL: usize = 1;
const KEY_LEN: usize = 2;
const N: usize = 3;
const INCOMPLETE: usize = 4;
const LEVELS: usize = 5;
/// After a scale's bands: its incomplete count and `Moments`.
const SCALE_EXTRA: usize = 4;

impl Shape {
    /// Holds a row with these facts and this level?
    fn holds(&self, facts: &[ScaleFact], level: usize) -> bool {
        level < self.levels
            && facts.len() <= self.scales.len()
            && facts
                .iter()
                .zip(&self.scales)
                .all(|(f, &(_, bands))| f.band.is_none_or(|b| b < bands))
    }

    /// This shape widened to hold such a row too.
    fn widened(&self, facts: &[ScaleFact], level: usize) -> Shape {
        let levels = self.levels.max(level + 1);
        let mut bands: Vec<usize> = self.scales.iter().map(|&(_, b)| b).collect();
        if bands.len() < facts.len() {
            bands.resize(facts.len(), 0);
        }
        for (b, f) in bands.iter_mut().zip(facts) {
            if let Some(i) = f.band {
                *b = (*b).max(i + 1);
            }
        }
        let mut at = LEVELS + levels;
        let scales = bands
            .into_iter()
            .map(|b| {
                let start = at;
                at += b + SCALE_EXTRA;
                (start, b)
            })
            .collect();
        Shape {
            levels,
            scales,
            stride: at,
        }
    }

    /// A group's counts in shape `from` moved into this (wider) shape.
    fn copy_from(&self, from: &Shape, old: &[u64], new: &mut [u64]) {
        new[..LEVELS + from.levels].copy_from_slice(&old[..LEVELS + from.levels]);
        for (&(to, wider), &(at, bands)) in self.scales.iter().zip(&from.scales) {
            new[to..to + bands].copy_from_slice(&old[at..at + bands]);
            let (to, at) = (to + wider, at + bands);
            new[to..to + SCALE_EXTRA].copy_from_slice(&old[at..at + SCALE_EXTRA]);
        }
    }
}

/// A scale's `Moments` as words.
fn moments(words: &[u64]) -> Moments {
    Moments {
        n: words[0],
        mean: f64::from_bits(words[1]),
        m2: f64::from_bits(words[2]),
    }
}

fn store(m: &Moments, words: &mut [u64]) {
    words[0] = m.n;
    words[1] = m.mean.to_bits();
    words[2] = m.m2.to_bits();
}

impl Tallies {
    /// Count a row of group `key`, as `Tally::add` counts it (now or with
    /// the next rows: `finish` counts every row).
    pub fn row(&mut self, key: &[String], facts: &[ScaleFact], level: usize) {
        let p = &mut self.pending;
        super::flatten_onto(key, &mut p.keys);
        p.key_ends.push(p.keys.len());
        p.facts.extend_from_slice(facts);
        p.fact_ends.push(p.facts.len());
        p.levels.push(level);
        if p.levels.len() == BATCH {
            self.flush();
        }
    }

    /// Count the pending rows, in their order.
    fn flush(&mut self) {
        let mut p = std::mem::take(&mut self.pending);
        let key = |r: usize| {
            let start = r.checked_sub(1).map_or(0, |q| p.key_ends[q]);
            start..p.key_ends[r]
        };
        p.hashes.clear();
        for r in 0..p.levels.len() {
            p.hashes.push(xxhash_rust::xxh3::xxh3_64(&p.keys[key(r)]));
        }
        self.touch(&p.hashes);
        for r in 0..p.levels.len() {
            let start = r.checked_sub(1).map_or(0, |q| p.fact_ends[q]);
            let facts = &p.facts[start..p.fact_ends[r]];
            let g = self.place(&p.keys[key(r)], p.hashes[r], facts, p.levels[r]);
            self.add(g, facts, p.levels[r]);
        }
        p.keys.clear();
        p.key_ends.clear();
        p.facts.clear();
        p.fact_ends.clear();
        p.levels.clear();
        self.pending = p;
    }

    /// Read, for each hash, the slot it lands on, then the words of the
    /// groups found there: loads that do not wait for one another,
    /// so the processor fetches them together, and counting finds them in
    /// cache. Only a hint: what it reads is not used.
    fn touch(&self, hashes: &[u64]) {
        let slots = &self.groups.slots;
        let mask = slots.len() - 1;
        let mut found = [0u32; BATCH];
        for (f, &h) in found.iter_mut().zip(hashes) {
            let (tag, i) = slots[h as usize & mask];
            #[allow(clippy::cast_possible_truncation)] // the high half
            let high = (h >> 32) as u32;
            *f = if tag == high { i } else { 0 };
        }
        self.touch_groups(found.iter().filter(|&&i| i > 0).map(|&i| i as usize - 1));
    }

    /// Read a word of each cache line of these groups' words (`touch`).
    fn touch_groups(&self, groups: impl Iterator<Item = usize>) {
        let stride = self.shape.stride;
        let mut seen = 0u64;
        for g in groups {
            let words = self
                .cells
                .get(g * stride..(g + 1) * stride)
                .unwrap_or_default();
            for w in words.iter().step_by(8) {
                seen ^= w;
            }
        }
        std::hint::black_box(seen);
    }

    /// The index of the group of flat key `key` with hash `h`, made (with
    /// its words, in a shape that holds the row) if it is new.
    fn place(&mut self, key: &[u8], h: u64, facts: &[ScaleFact], level: usize) -> usize {
        let (head, tail) = ends(key);
        let len = key.len() as u64;
        let (groups, cells, stride) = (&self.groups, &self.cells, self.shape.stride);
        let same = |g: usize| {
            let words = &cells[g * stride..];
            // up to 16 bytes the two words are the whole key
            words[KEY_LEN] == len
                && words[KEY_HEAD] == head
                && words[KEY_TAIL] == tail
                && (len <= 16 || groups.flat(g) == key)
        };
        let slot = match groups.find_with(h, same) {
            (_, Some(g)) => return g,
            (slot, None) => slot,
        };
        let g = self.groups.insert(slot, key, h, || ());
        if !self.shape.holds(facts, level) {
            self.widen(facts, level);
        }
        let start = g * self.shape.stride;
        self.cells.resize(start + self.shape.stride, 0);
        let words = &mut self.cells[start..];
        (words[KEY_HEAD], words[KEY_TAIL], words[KEY_LEN]) = (head, tail, len);
        g
    }

    /// Count a row of group `g`.
    fn add(&mut self, g: usize, facts: &[ScaleFact], level: usize) {
        if !self.shape.holds(facts, level) {
            self.widen(facts, level);
        }
        let stride = self.shape.stride;
        let words = &mut self.cells[g * stride..(g + 1) * stride];
        words[N] += 1;
        words[LEVELS + level] += 1;
        let mut incomplete = false;
        for (f, &(at, bands)) in facts.iter().zip(&self.shape.scales) {
            match f.band {
                Some(b) => words[at + b] += 1,
                None => {
                    words[at + bands] += 1;
                    incomplete = true;
                }
            }
            if let Some(x) = f.total.filter(|x| x.is_finite()) {
                let m = &mut words[at + bands + 1..at + bands + SCALE_EXTRA];
                let mut totals = moments(m);
                totals.add(x);
                store(&totals, m);
            }
        }
        words[INCOMPLETE] += u64::from(incomplete);
    }

    /// Lay every group's counts out again in a shape that holds the row.
    fn widen(&mut self, facts: &[ScaleFact], level: usize) {
        let shape = self.shape.widened(facts, level);
        let mut cells = vec![0; self.groups.len() * shape.stride];
        if self.shape.stride > 0 {
            for (old, new) in self
                .cells
                .chunks_exact(self.shape.stride)
                .zip(cells.chunks_exact_mut(shape.stride))
            {
                shape.copy_from(&self.shape, old, new);
            }
        }
        self.shape = shape;
        self.cells = cells;
    }

    /// The number of groups (counting the pending rows first).
    pub fn len(&mut self) -> usize {
        self.flush();
        self.groups.len()
    }

    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    /// Group `g`'s words.
    fn words(&self, g: usize) -> &[u64] {
        let s = self.shape.stride;
        &self.cells[g * s..(g + 1) * s]
    }

    /// Group `g`'s words as a `Tally` (as the rows would have made it).
    fn tally(&self, words: &[u64]) -> Tally {
        let counts = |words: &[u64]| {
            let mut c = Counts::default();
            for (i, &n) in words.iter().enumerate().filter(|(_, &n)| n > 0) {
                c.add(i, n);
            }
            c
        };
        Tally {
            n: words[N],
            incomplete: words[INCOMPLETE],
            scales: self
                .shape
                .scales
                .iter()
                .map(|&(at, bands)| ScaleTally {
                    bands: counts(&words[at..at + bands]),
                    incomplete: words[at + bands],
                    totals: moments(&words[at + bands + 1..at + bands + SCALE_EXTRA]),
                })
                .collect(),
            levels: counts(&words[LEVELS..LEVELS + self.shape.levels]),
        }
    }

    /// `Groups::finish` for tallies: small groups lose their numbers, the
    /// overall row adds up the shown groups only.
    pub fn finish(self, min_group: u64) -> Shown<Tally> {
        let mut groups = Vec::with_capacity(self.groups.len());
        let Rest {
            overall,
            suppressed,
        } = self.finish_into(min_group, push_group, |chunk| {
            groups.extend(chunk);
            true
        });
        Shown {
            groups,
            overall,
            suppressed,
            min_group,
        }
    }

    /// `finish`, the groups `put` into chunks of `CHUNK` (as `Chunk`
    /// with `push_group`, or as the lines that show them), each handed to
    /// `each` as it is made, in key order (so that another thread can
    /// write them meanwhile), until it says stop (`false`); then the
    /// overall row. Counts are added up in memory order (the sum is the
    /// same in any order); the means and SDs are merged in key order, as
    /// `Groups::finish` merges them (floats: the order changes the last
    /// bits). `Finished` makes the chunks from several threads.
    pub fn finish_into<C: Default>(
        self,
        min_group: u64,
        mut put: impl FnMut(&mut C, KeyValues<'_>, Cell<Tally>),
        mut each: impl FnMut(C) -> bool,
    ) -> Rest {
        let finished = self.finished(min_group);
        let mut merged = finished.merged();
        for c in 0..finished.chunks() {
            let mut chunk = C::default();
            merged.add(&finished.chunk(c, &mut chunk, &mut put));
            if !each(chunk) {
                break;
            }
        }
        finished.rest(merged)
    }

    /// Every row counted: the groups put in key order, the shown ones'
    /// counts added up (in memory order: the sum is the same in any).
    pub fn finished(mut self, min_group: u64) -> Finished {
        self.flush();
        let order = self.groups.order();
        let shown = |g: usize| self.words(g)[N] >= min_group;
        // the words that are counts (not the moments, merged in key order)
        let ranges: Vec<std::ops::Range<usize>> = std::iter::once(N..LEVELS + self.shape.levels)
            .chain(
                self.shape
                    .scales
                    .iter()
                    .map(|&(at, bands)| at..at + bands + 1),
            )
            .collect();
        let mut sum = vec![0u64; self.shape.stride];
        let mut any = false;
        for g in (0..self.groups.len()).filter(|&g| shown(g)) {
            any = true;
            let words = self.words(g);
            for r in &ranges {
                for (s, w) in sum[r.clone()].iter_mut().zip(&words[r.clone()]) {
                    *s += w;
                }
            }
        }
        Finished {
            tallies: self,
            order,
            min_group,
            sum,
            any,
        }
    }
}

/// `Tallies` with every row counted (`Tallies::finished`): the groups are
/// handed over a chunk (`CHUNK` groups) at a time, in any order and from
/// any thread (`chunk`), and the chunks' rests merged in key order give
/// the overall row (`rest`).
pub struct Finished {
    tallies: Tallies,
    /// The groups' indices in key order.
    order: Vec<usize>,
    min_group: u64,
    /// The shown groups' counts added up.
    sum: Vec<u64>,
    /// Some group is shown.
    any: bool,
}

/// What a chunk of groups leaves for the overall row.
pub struct ChunkRest {
    /// Each shown group's scales' moments, in key order, a group after another.
    moments: Vec<Moments>,
    suppressed: usize,
}

/// The rests of the chunks so far, in key order (`Finished::merged`).
pub struct Merged {
    totals: Vec<Moments>,
    suppressed: usize,
}

impl Merged {
    /// The next chunk's rest: the means and SDs are merged group by group
    /// in key order, as `Groups::finish` merges them (floats: the order
    /// changes the last bits), whichever thread made the chunk.
    pub fn add(&mut self, rest: &ChunkRest) {
        self.suppressed += rest.suppressed;
        let scales = self.totals.len();
        if scales == 0 {
            return;
        }
        for group in rest.moments.chunks(scales) {
            for (t, m) in self.totals.iter_mut().zip(group) {
                t.merge(m);
            }
        }
    }
}

impl Finished {
    /// How many chunks there are.
    pub fn chunks(&self) -> usize {
        self.order.len().div_ceil(CHUNK)
    }

    /// Chunk `c`'s groups, each `put` into `chunk` in key order, and what
    /// the chunk leaves for the overall row.
    pub fn chunk<C>(
        &self,
        c: usize,
        chunk: &mut C,
        put: &mut impl FnMut(&mut C, KeyValues<'_>, Cell<Tally>),
    ) -> ChunkRest {
        let t = &self.tallies;
        let part = self.order.chunks(CHUNK).nth(c).unwrap_or_default();
        let scales = &t.shape.scales;
        let mut rest = ChunkRest {
            moments: Vec::with_capacity(part.len() * scales.len()),
            suppressed: 0,
        };
        // the part's keys, copied together in key order: scattered in
        // memory, each was a cache miss or two when read in turn
        let mut keys = Vec::new();
        let mut key_ends = Vec::with_capacity(part.len());
        for &g in part {
            keys.extend_from_slice(t.groups.flat(g));
            key_ends.push(keys.len());
        }
        for (i, &g) in part.iter().enumerate() {
            // groups in key order are scattered in memory: fetch the
            // next ones' words together (`touch`)
            if i % BATCH == 0 {
                t.touch_groups(part[i..].iter().take(BATCH).copied());
            }
            let start = i.checked_sub(1).map_or(0, |p| key_ends[p]);
            let key = super::values(&keys[start..key_ends[i]]);
            let words = t.words(g);
            if words[N] < self.min_group {
                rest.suppressed += 1;
                put(chunk, key, Cell::Suppressed);
                continue;
            }
            for &(at, bands) in scales {
                rest.moments
                    .push(moments(&words[at + bands + 1..at + bands + SCALE_EXTRA]));
            }
            let n = words[N];
            put(
                chunk,
                key,
                Cell::Shown {
                    n,
                    data: t.tally(words),
                },
            );
        }
        rest
    }

    /// What is left once the chunks' rests were `merged`, all of them
    /// in key order: the overall row and the number suppressed.
    pub fn rest(mut self, merged: Merged) -> Rest {
        let t = &self.tallies;
        // the summed words of the moments mean nothing: the merged ones
        for (m, &(at, bands)) in merged.totals.iter().zip(&t.shape.scales) {
            store(m, &mut self.sum[at + bands + 1..at + bands + SCALE_EXTRA]);
        }
        Rest {
            overall: self.any.then(|| (self.sum[N], t.tally(&self.sum))),
            suppressed: merged.suppressed,
        }
    }

    /// A `Merged` to add this one's chunks to.
    pub fn merged(&self) -> Merged {
        Merged {
            totals: vec![Moments::default(); self.tallies.shape.scales.len()],
            suppressed: 0,
        }
    }
}

/// Groups in key order, as `Tallies::finish` shows them.
pub type Chunk = Vec<(Vec<String>, Cell<Tally>)>;

/// A group put into a `Chunk` (`Tallies::finish_into`): its key as strings.
pub fn push_group(chunk: &mut Chunk, key: KeyValues<'_>, cell: Cell<Tally>) {
    let key = key.map(|v| String::from_utf8_lossy(v).into_owned());
    chunk.push((key.collect(), cell));
}

/// A group's key, value by value (`Tallies::finish_into`).
pub type KeyValues<'k> = std::iter::Take<std::slice::Split<'k, u8, fn(&u8) -> bool>>;

/// Groups handed over together (a multiple of `BATCH`).
const CHUNK: usize = 16 * BATCH;

/// What `Tallies::finish_into` gives once every group was handed over.
#[derive(Debug)]
pub struct Rest {
    /// The sum of the shown groups only; `None` when none is shown.
    pub overall: Option<(u64, Tally)>,
    pub suppressed: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Merge;
    use proptest::prelude::*;

    fn fact((total, band): (Option<i8>, Option<usize>)) -> ScaleFact {
        ScaleFact {
            total: total.map(|t| f64::from(t) / 4.0),
            band,
        }
    }

    /// The old way: a `Tally` per group in `Groups`.
    fn by_groups(rows: &[(String, Vec<ScaleFact>, usize)], min_group: u64) -> Shown<Tally> {
        let mut g: Groups<Tally> = Groups::default();
        for (key, facts, level) in rows {
            g.row(std::slice::from_ref(key), Tally::default)
                .add(facts, *level);
        }
        g.finish(min_group)
    }

    fn by_tallies(rows: &[(String, Vec<ScaleFact>, usize)], min_group: u64) -> Shown<Tally> {
        let mut t = Tallies::default();
        for (key, facts, level) in rows {
            t.row(std::slice::from_ref(key), facts, *level);
        }
        t.finish(min_group)
    }

    /// Equal as the layouts show them: a scale a group never saw shows as
    /// an empty one, and the means and SDs to the bit.
    fn same(a: &Tally, b: &Tally) -> bool {
        let scales = a.scales.len().max(b.scales.len());
        let none = ScaleTally::default();
        a.n == b.n
            && a.incomplete == b.incomplete
            && a.levels == b.levels
            && (0..scales).all(|k| {
                let (x, y) = (
                    a.scales.get(k).unwrap_or(&none),
                    b.scales.get(k).unwrap_or(&none),
                );
                x.bands == y.bands
                    && x.incomplete == y.incomplete
                    && x.totals.n == y.totals.n
                    && x.totals.mean.to_bits() == y.totals.mean.to_bits()
                    && x.totals.m2.to_bits() == y.totals.m2.to_bits()
            })
    }

    fn same_shown(a: &Shown<Tally>, b: &Shown<Tally>) -> bool {
        a.suppressed == b.suppressed
            && a.min_group == b.min_group
            && a.groups.len() == b.groups.len()
            && a.groups.iter().zip(&b.groups).all(|(x, y)| {
                x.0 == y.0
                    && match (&x.1, &y.1) {
                        (Cell::Suppressed, Cell::Suppressed) => true,
                        (Cell::Shown { n, data }, Cell::Shown { n: m, data: d }) => {
                            n == m && same(data, d)
                        }
                        _ => false,
                    }
            })
            && match (&a.overall, &b.overall) {
                (None, None) => true,
                (Some((n, x)), Some((m, y))) => n == m && same(x, y),
                _ => false,
            }
    }

    fn row() -> impl Strategy<Value = (String, Vec<ScaleFact>, usize)> {
        (
            "(7|07|7A|10A|x|班|)",
            proptest::collection::vec(
                (
                    proptest::option::weighted(0.9, any::<i8>()),
                    proptest::option::weighted(0.9, 0usize..9),
                ),
                0..4,
            ),
            0usize..8,
        )
            .prop_map(|(k, f, l)| (k, f.into_iter().map(fact).collect(), l))
    }

    proptest! {
        /// Random rows (bands and levels past the inline counts, scales
        /// missing from some rows, totals and bands missing): the flat
        /// tallies give what a `Tally` per group gives.
        #[test]
        fn flat_tallies_count_as_tallies_do(
            rows in proptest::collection::vec(row(), 0..200),
            min_group in 1u64..6,
        ) {
            let (a, b) = (by_groups(&rows, min_group), by_tallies(&rows, min_group));
            prop_assert!(same_shown(&a, &b), "{a:#?}\n{b:#?}");
        }
    }

    #[test]
    fn many_groups_and_a_late_wider_row() {
        let mut rows = Vec::new();
        for i in 0..5_000usize {
            let facts = vec![fact((Some(i8::try_from(i % 100).unwrap()), Some(i % 3)))];
            // keys past 16 bytes that differ only inside: found by their bytes
            let key = if i % 2 == 0 {
                format!("C{}", i % 1_700)
            } else {
                format!("AAAAAAAA-{:05}-ZZZZZZZZ", i % 1_700)
            };
            rows.push((key, facts, i % 3));
        }
        // after every group exists: a new band, level and scale
        rows.push((
            "C3".to_string(),
            vec![fact((Some(1), Some(7))), fact((None, Some(2)))],
            6,
        ));
        for min_group in [1, 3, 4] {
            let (a, b) = (by_groups(&rows, min_group), by_tallies(&rows, min_group));
            assert!(same_shown(&a, &b));
        }
        let shown = by_tallies(&rows, 1);
        let (n, all) = shown.overall.unwrap();
        assert_eq!(n, 5_001);
        // merging the groups in key order as the `Tally`s do
        let mut check = Tally::default();
        for (_, c) in &shown.groups {
            if let Cell::Shown { data, .. } = c {
                check.merge(data);
            }
        }
        assert!(same(&check, &all));
    }

    #[test]
    fn nothing_shown_no_overall_row() {
        let mut t = Tallies::default();
        t.row(&["x".to_string()], &[], 0);
        assert_eq!(t.len(), 1);
        let s = t.finish(2);
        assert_eq!((s.overall, s.suppressed), (None, 1));
        assert!(Tallies::default().finish(1).groups.is_empty());
    }
}
