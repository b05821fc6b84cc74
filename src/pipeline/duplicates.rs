//! Duplicate submissions: one id in several rows (a student who submitted
//! twice). Each such row is reported with the row it repeats; `Mode`
//! decides which rows go on to the sink. Memory grows with the number of
//! ids only (a 128-bit hash of each, never the rows): `Last` and `Refuse`
//! learn each id's rows in a first pass over the file (stdin cannot be
//! read twice).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::bail;

use crate::io::fields::Record;
use crate::io::input::{InputSpec, RowStream, Table};
use crate::io::record::RecordInfo;
use crate::io::split;
use crate::policy::{Level, Policy};

use super::{row_number, Prepare, Prepared, Row, RowSink, Run, RunRow, Setup};

/// What to do with rows whose id an other row has (`--duplicates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Keep every row, and warn.
    All,
    /// Keep each id's first row (streams).
    First,
    /// Keep each id's last row (a first pass learns which that is).
    Last,
    /// A repeated id is an error: nothing is written.
    Refuse,
}

impl Mode {
    pub fn flag(self) -> &'static str {
        match self {
            Mode::All => "keep",
            Mode::First => "first",
            Mode::Last => "last",
            Mode::Refuse => "error",
        }
    }

    /// Whether the mode must know every row of an id before the first.
    fn needs_first_pass(self) -> bool {
        matches!(self, Mode::Last | Mode::Refuse)
    }
}

/// Rows reported one by one; then only counted.
const LISTED: u64 = 20;

/// The ids a run looks at when it was not asked to choose rows (about 40
/// bytes each, 4 MB in all): past them, memory would grow with the input,
/// which the default must not (batch scoring runs in constant memory).
/// Rows of later ids are kept, and that is said.
pub const TRACKED: usize = 100_000;

/// The rows of one id.
#[derive(Debug, Clone, Copy)]
struct Rows {
    first: u64,
    last: u64,
    count: u64,
}

/// An id as compared: without surrounding white space, as the
/// pseudonymizer trims it (so two rows with one pseudonym are one id);
/// an empty id is no one's, never a duplicate of another empty one.
#[inline]
fn id_key(cell: &[u8]) -> Option<&[u8]> {
    let key = crate::io::privacy::trim_id(cell);
    // an id with bytes that did not decode (shown as U+FFFD) cannot be
    // compared: two different ids may read the same, and setting one aside
    // could drop a person
    let undecodable = !key.is_ascii() && has_replacement(key);
    (!key.is_empty() && !undecodable).then_some(key)
}

/// Whether `key` holds U+FFFD. Out of line: the search's vector set-up
/// made every row's `id_key` a large function (most ids are ASCII).
#[inline(never)]
fn has_replacement(key: &[u8]) -> bool {
    memchr::memmem::find(key, "\u{FFFD}".as_bytes()).is_some()
}

/// The id of `row` in column `id` as compared (`id_key`): as read,
/// before bytes that do not decode are replaced (the first pass reads them
/// so): two ids that differ only there stay two. A scored file's row has
/// no such copy: an id of it that does not decode matches no id of the
/// first pass, and the row is kept.
fn row_key<'r>(id: usize, row: &Row<'r>) -> Option<&'r [u8]> {
    let raw = match &row.scores {
        super::Scores::Answers { raw_id, .. } => *raw_id,
        super::Scores::Scored { .. } => None,
    };
    id_cell(id, row.record, raw)
}

/// `row_key` of a row's record and id cell as read.
#[inline]
fn id_cell<'r>(id: usize, record: &'r Record, raw: Option<&'r [u8]>) -> Option<&'r [u8]> {
    raw.or_else(|| record.get(id)).and_then(id_key)
}

/// A row's id hashed as `Duplicates` compares it, on the thread that read
/// the row (`Duplicates::id_keys`), so the thread that decides only looks
/// the hash up.
#[derive(Clone)]
pub struct IdKeys {
    id: usize,
    hash: IdHash,
    seen: Arc<Seen>,
}

impl IdKeys {
    /// The ids of column `id`, hashed with a seed of this run's, none seen.
    fn new(id: usize) -> IdKeys {
        IdKeys {
            id,
            hash: IdHash::new(),
            seen: Arc::new(Seen::new()),
        }
    }

    /// The hash `Duplicates::admit` would look up; `None`: no id to compare.
    pub fn of(&self, row: &Row<'_>) -> Option<u128> {
        row_key(self.id, row).map(|key| self.hash.of(key))
    }

    /// `of` a row not made yet: its record and, for raw answers, the id
    /// cell as read (`Scores::Answers::raw_id`).
    pub fn of_record(&self, record: &Record, raw_id: Option<&[u8]>) -> Option<u128> {
        id_cell(self.id, record, raw_id).map(|key| self.hash.of(key))
    }

    /// The id cell of a record that decoded (a row with no raw copy of
    /// it): what `row_key` compares, given as `raw_id` when the record
    /// itself is not handed on (`pipeline::parallel`).
    pub fn cell<'r>(&self, record: &'r Record) -> Option<&'r [u8]> {
        record.get(self.id)
    }

    /// Ask for what `Duplicates::admit_hashed` reads first of `hash`, on
    /// the thread that will call it, some work before (a hint).
    #[inline]
    pub fn ahead(&self, hash: u128) {
        self.seen.prefetch(hash);
    }
}

/// Ids kept as 128-bit hashes (XXH3-128 with a seed drawn per run, so no
/// file can be made to collide on purpose): a collision, which could set a
/// person aside, is as good as impossible. XXH3 because this runs on every
/// row of every run with an id column: two keyed SipHashes cost more than
/// scoring the row.
#[derive(Clone)]
struct IdHash(u64);

impl IdHash {
    fn new() -> IdHash {
        let mut seed = [0u8; 8];
        // without the OS's randomness the seed is fixed: still no collision
        // by chance, only not hardened against a crafted file
        let _ = getrandom::fill(&mut seed);
        IdHash(u64::from_le_bytes(seed))
    }

    fn of(&self, key: &[u8]) -> u128 {
        xxhash_rust::xxh3::xxh3_128_with_seed(key, self.0)
    }
}

/// The keys are hashes already: a map indexes by their low bits instead
/// of hashing them again.
#[derive(Default, Clone, Copy)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // only u128 keys are hashed here (write_u128); keep any other sane
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        #[allow(clippy::cast_possible_truncation)]
        {
            self.0 = n as u64;
        }
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Prehashed>>;

/// One bit per bucket of id hashes, set for every id in `Duplicates::seen`:
/// 2^20 bits (128 KB, fits a core's cache), where the map of up to
/// `TRACKED` ids is megabytes and nearly every lookup in it misses the
/// cache. A clear bit says for certain that the id is new, so only ids
/// whose bit is set (at most about one in ten of the new ones) are
/// looked up in the map. It decides nothing: the map does.
/// Shared with the `IdKeys` of the rows' threads, which only ask for
/// its words ahead (`prefetch`): the thread that decides is the only one
/// that reads or sets a bit.
struct Seen {
    bits: Box<[AtomicU64]>,
}

impl Seen {
    const BITS: u32 = 20;

    fn new() -> Seen {
        Seen {
            bits: (0..1 << (Seen::BITS - 6))
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// The word and the bit of `hash` (from its high bits: the map
    /// indexes by the low ones).
    #[inline]
    fn at(hash: u128) -> (usize, u64) {
        #[allow(clippy::cast_possible_truncation)]
        let b = (hash >> (128 - Seen::BITS)) as usize;
        (b >> 6, 1 << (b & 63))
    }

    /// Could `hash` be in the map? (False: it is surely not.)
    #[inline]
    fn may_hold(&self, hash: u128) -> bool {
        let (word, bit) = Seen::at(hash);
        self.bits
            .get(word)
            .is_some_and(|w| w.load(Ordering::Relaxed) & bit != 0)
    }

    /// Ask for `hash`'s word ahead of `may_hold` (a hint: the words of a
    /// run's ids fetched together, or a row's while it is scored, not one
    /// cache miss after another when it is looked at).
    #[inline]
    fn prefetch(&self, hash: u128) {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
        if let Some(w) = self.bits.get(Seen::at(hash).0) {
            safe_arch::prefetch_t0(w);
        }
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
        let _ = hash;
    }

    /// Set `hash`'s bit (a load and a store, not a locked or: one thread
    /// sets bits).
    #[inline]
    fn note(&self, hash: u128) {
        let (word, bit) = Seen::at(hash);
        if let Some(w) = self.bits.get(word) {
            w.store(w.load(Ordering::Relaxed) | bit, Ordering::Relaxed);
        }
    }
}

/// The text of ids, by hash.
type Names = HashMap<u128, Vec<u8>>;

/// Each id's rows, from a first pass over the input (`spec`), numbered as
/// the pipeline numbers them. A read error ends the pass: the main pass
/// meets it too, and reports it. A file that splits is read in parts on
/// `threads` threads, which also hash the ids (`io::split`, as the main
/// pass reads it); this thread only counts, in input order.
fn rows_of_ids(
    spec: &InputSpec<'_>,
    (keys, threads): (&IdKeys, usize),
    limit: usize,
) -> anyhow::Result<(HashMap<u128, Rows>, Names, bool)> {
    let mut table = Table::open(spec)?;
    let make = || keys.clone();
    std::thread::scope(|scope| {
        let stream = match split::stream(&table, scope, threads, &make) {
            Some(s) => s,
            // one reading thread hashes them as a part's reader does
            None => {
                let mut keys = keys.clone();
                table.stream_with(move |rec, info, row: &mut Option<u128>| {
                    split::Work::row(&mut keys, rec, info, row);
                })
            }
        };
        Ok(count_ids(&table, stream, keys.id, limit))
    })
}

/// `rows_of_ids`' counting, of rows whose ids are hashed.
fn count_ids(
    table: &Table,
    mut stream: RowStream<Option<u128>>,
    id: usize,
    limit: usize,
) -> (HashMap<u128, Rows>, Names, bool) {
    let mut ids: HashMap<u128, Rows> = HashMap::default();
    // which ids may be in `ids` (a clear bit: surely not), so that past
    // the limit a new id is seldom looked up in the map
    let in_ids = Seen::new();
    // the text of the ids that repeat (for messages): few, normally
    let mut names = Names::default();
    let mut past_limit = false;
    let mut count = 0;
    while let Ok(Some((rec, info, &mut h))) = stream.next_row() {
        count += 1;
        let number = row_number(table, rec, info, count);
        let Some(h) = h else {
            continue;
        };
        if ids.len() >= limit && !(in_ids.may_hold(h) && ids.contains_key(&h)) {
            past_limit = true;
            continue;
        }
        in_ids.note(h);
        let r = ids.entry(h).or_insert(Rows {
            first: number,
            last: number,
            count: 0,
        });
        r.last = number;
        r.count += 1;
        if r.count == 2 {
            let key = rec.get(id).and_then(id_key).unwrap_or_default();
            names.insert(h, key.to_vec());
        }
    }
    // only the ids with several rows matter from here
    ids.retain(|_, r| r.count > 1);
    (ids, names, past_limit)
}

/// The first pass hashes each row's id on the thread that reads it.
impl split::Work<Option<u128>> for IdKeys {
    /// (The record is kept: the first pass names repeated ids from it.)
    fn row(&mut self, rec: &mut Record, _: RecordInfo, row: &mut Option<u128>) -> bool {
        *row = self.of_record(rec, None);
        true
    }
}

/// One id's rows, for a message.
fn rows_phrase(r: &Rows) -> String {
    match r.count {
        2 => crate::messages::tr!("rows {} and {}", "第 {} 行和第 {} 行", r.first, r.last),
        n => crate::messages::tr!(
            "rows {} … {} ({n} rows)",
            "第 {} 行 …… 第 {} 行（共 {n} 行）",
            r.first,
            r.last
        ),
    }
}

/// Tracks ids row by row and decides which rows go on. Give the pipeline
/// `Options::raw_id` = the id column, so ids are compared as read.
pub struct Duplicates<'p> {
    mode: Mode,
    /// Ids are named in messages (not when pseudonymized: rows only).
    show_ids: bool,
    policy: &'p Policy,
    /// How ids are compared (the id column, the hash), and which ids
    /// may be in `seen` (a clear bit: surely not).
    keys: IdKeys,
    /// Said when all rows are kept: what would choose.
    hint: &'static str,
    /// `First`/`All`: each id's first row and its level.
    seen: HashMap<u128, (u64, Level)>,
    /// `Last`: the ids with several rows, from the first pass.
    several: HashMap<u128, Rows>,
    /// The text of the ids that repeat, from the first pass.
    names: Names,
    /// `Last`: the highest level set aside so far per id, and its row.
    set_aside_levels: HashMap<u128, (u64, Level)>,
    /// Rows whose id an earlier row has.
    pub rows_repeated: u64,
    /// Rows not passed on.
    pub set_aside: u64,
    /// `Last`: ids whose kept (last) row is below an earlier row set aside.
    pub earlier_higher: u64,
    reported: u64,
    /// At most this many ids are looked at.
    limit: usize,
    /// Ids past `limit` were met.
    past_limit: bool,
}

impl<'p> Duplicates<'p> {
    /// `spec`: the input, read a first time when the mode needs it (on
    /// `threads` threads when it splits); stdin cannot be, and `last` is
    /// refused there (`error` then stops at the first repeated id).
    /// `hint`: said when all rows are kept, what would choose. `limit`:
    /// at most this many ids are looked at (`TRACKED`), none for a mode
    /// the user chose.
    pub fn new(
        mode: Mode,
        (spec, id, threads): (&InputSpec<'_>, usize, usize),
        policy: &'p Policy,
        (show_ids, hint, limit): (bool, &'static str, Option<usize>),
    ) -> anyhow::Result<Duplicates<'p>> {
        let limit = limit.unwrap_or(usize::MAX);
        let stdin = spec.path.is_none_or(|p| p.as_os_str() == "-");
        if mode == Mode::Last && stdin {
            bail!(crate::messages::pick(
                "--duplicates last must know each id's last row before writing the first: stdin cannot be read twice; save the input to a file, or use --duplicates first|keep|error",
                "--duplicates last 需要在写出第一行之前知道每个 id 的最后一行：标准输入不能读两遍；请把输入存成文件，或用 --duplicates first|keep|error"
            ));
        }
        let keys = IdKeys::new(id);
        let (several, names, past_limit) = if mode.needs_first_pass() && !stdin {
            rows_of_ids(spec, (&keys, threads), limit)?
        } else {
            (HashMap::default(), HashMap::default(), false)
        };
        let dups = Duplicates {
            mode,
            show_ids,
            policy,
            keys,
            hint,
            // room for every id it may track: growing there by doubling
            // cost the ordering thread ~5M instructions per 200k rows
            seen: HashMap::with_capacity_and_hasher(limit.min(TRACKED), Default::default()),
            several,
            names,
            set_aside_levels: HashMap::default(),
            rows_repeated: 0,
            set_aside: 0,
            earlier_higher: 0,
            reported: 0,
            limit,
            past_limit,
        };
        if mode == Mode::Refuse && !dups.several.is_empty() {
            bail!("{}", dups.refusal());
        }
        Ok(dups)
    }

    /// The error of `--duplicates error` over a file: every repeated id
    /// (the first few) with its rows.
    fn refusal(&self) -> String {
        let mut all: Vec<(&u128, &Rows)> = self.several.iter().collect();
        all.sort_by_key(|(_, r)| r.first);
        let mut lines: Vec<String> = all
            .iter()
            .take(10)
            .map(|(h, r)| {
                let name = self.names.get(*h).map_or_else(String::new, |k| self.who(k));
                format!("  {name}: {}", rows_phrase(r))
            })
            .collect();
        if all.len() > 10 {
            let more = all.len() - 10;
            lines.push(crate::messages::tr!(
                "  … and {more} more id(s)",
                "  …… 还有 {more} 个 id"
            ));
        }
        crate::messages::tr!(
            "{} id(s) submitted more than once (--duplicates error); nothing written:\n{}\nchoose one row per id with --duplicates first|last, or keep all with --duplicates keep",
            "{} 个 id 提交了不止一次（--duplicates error）；没有写出任何内容：\n{}\n请用 --duplicates first|last 为每个 id 选一行，或用 --duplicates keep 全部保留",
            all.len(),
            lines.join("\n")
        )
    }

    fn who(&self, key: &[u8]) -> String {
        if self.show_ids {
            format!(
                "id \"{}\"",
                crate::printable::printable_line(&String::from_utf8_lossy(key))
            )
        } else {
            crate::messages::pick("the same id", "同一个 id").into()
        }
    }

    fn warn(&mut self, text: impl FnOnce() -> String) {
        self.reported += 1;
        if self.reported <= LISTED {
            eprintln!("{}{}", crate::messages::warning(), text());
        } else if self.reported == LISTED + 1 {
            eprintln!(
                "{}{}",
                crate::messages::warning(),
                crate::messages::tr!(
                    "further repeated ids are counted, not listed",
                    "其余重复的 id 只计数，不再逐一列出"
                )
            );
        }
    }

    /// Whether `row` goes on to the sink.
    pub fn admit(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        let hash = self.keys.of(row);
        self.admit_hashed(hash, row)
    }

    /// `admit`, with the row's id hashed already (`IdKeys::of` on the
    /// thread that read the row: `None`, no id to compare).
    pub fn admit_hashed(&mut self, hash: Option<u128>, row: &Row<'_>) -> anyhow::Result<bool> {
        match hash {
            Some(hash) => self.admit_hash(hash, row),
            None => Ok(true),
        }
    }

    /// How the threads that read the rows hash their ids for
    /// `admit_hashed`: as `admit` does.
    pub fn id_keys(&self) -> IdKeys {
        self.keys.clone()
    }

    /// The text of the id whose hash `admit_hash` was given (for messages).
    fn key_of<'r>(&self, row: &Row<'r>) -> &'r [u8] {
        row_key(self.keys.id, row).unwrap_or_default()
    }

    fn admit_hash(&mut self, hash: u128, row: &Row<'_>) -> anyhow::Result<bool> {
        if self.mode == Mode::Last {
            return Ok(self.admit_last((hash, self.key_of(row)), row));
        }
        if self.note_if_new(hash, row.number, row.level) {
            return Ok(true);
        }
        let Some(&(first, first_level)) = self.seen.get(&hash) else {
            unreachable!("note_if_new found it")
        };
        self.rows_repeated += 1;
        let who = self.who(self.key_of(row));
        let (n, flag) = (row.number, self.mode.flag());
        match self.mode {
            Mode::Refuse => bail!(crate::messages::tr!(
                "row {n}: {who} was submitted before, in row {first} (--duplicates error): stopped at the first repeated id (stdin is read once); choose one row per id with --duplicates first|keep",
                "第 {n} 行：{who} 已在第 {first} 行提交过（--duplicates error）：在第一个重复的 id 处停止（标准输入只读一遍）；请用 --duplicates first|keep 为每个 id 选一行"
            )),
            Mode::All => {
                let hint = self.hint;
                self.warn(|| {
                    crate::messages::tr!(
                        "row {n}: {who} was submitted before, in row {first}: both rows kept ({hint})",
                        "第 {n} 行：{who} 已在第 {first} 行提交过：两行都保留（{hint}）"
                    )
                });
                Ok(true)
            }
            Mode::First => {
                self.set_aside += 1;
                let above = self.above(row.level, first_level);
                let text = crate::messages::tr!(
                    "row {n}: {who} was submitted before, in row {first}: row {n} set aside (--duplicates {flag}){above}",
                    "第 {n} 行：{who} 已在第 {first} 行提交过：第 {n} 行未计入（--duplicates {flag}）{above}"
                );
                if above.is_empty() {
                    self.warn(|| text);
                } else {
                    // a higher level set aside is never silent, nor capped
                    eprintln!("{}{text}", crate::messages::warning());
                }
                Ok(false)
            }
            Mode::Last => unreachable!("handled above"),
        }
    }

    /// An id not seen before (row `number`, at `level`) is noted, as
    /// `admit` notes it, and true; false, and nothing noted, when it was
    /// seen (a repeat). One lookup for the usual new id, none when its bit
    /// says it is new.
    #[inline]
    fn note_if_new(&mut self, hash: u128, number: u64, level: Level) -> bool {
        if self.keys.seen.may_hold(hash) && self.seen.contains_key(&hash) {
            return false;
        }
        if self.seen.len() >= self.limit {
            self.past_limit = true;
        } else {
            self.seen.insert(hash, (number, level));
            self.keys.seen.note(hash);
        }
        true
    }

    /// `admit_hashed` of each row of a run, in order, for as long as each
    /// is admitted with nothing to say (a new id, or none): how many were.
    /// The row it stops at is left as it was, for `admit` to report.
    /// None, with `--duplicates last` (its first pass decides).
    pub fn admit_new(&mut self, rows: &[RunRow]) -> usize {
        if self.mode == Mode::Last {
            return 0;
        }
        for r in rows {
            if let Some(Some(hash)) = r.id {
                self.keys.seen.prefetch(hash);
            }
        }
        for (i, r) in rows.iter().enumerate() {
            let admitted = match r.id {
                Some(None) => true,
                Some(Some(hash)) => self.note_if_new(hash, r.number, r.level),
                None => false,
            };
            if !admitted {
                return i;
            }
        }
        rows.len()
    }

    fn admit_last(&mut self, (hash, key): (u128, &[u8]), row: &Row<'_>) -> bool {
        let Some(&rows) = self.several.get(&hash) else {
            return true;
        };
        if row.number != rows.first {
            self.rows_repeated += 1;
        }
        let (who, n) = (self.who(key), row.number);
        if row.number != rows.last {
            self.set_aside += 1;
            let last = rows.last;
            let higher = match self.set_aside_levels.get(&hash) {
                Some(&(_, l)) => row.level > l,
                None => true,
            };
            if higher {
                self.set_aside_levels.insert(hash, (row.number, row.level));
            }
            self.warn(|| {
                crate::messages::tr!(
                    "row {n}: {who} is submitted again, in row {last}: row {n} set aside, the last submission kept",
                    "第 {n} 行：{who} 在第 {last} 行再次提交：第 {n} 行未计入，保留最后一次提交"
                )
            });
            return false;
        }
        if let Some(&(earlier, level)) = self.set_aside_levels.get(&hash) {
            let above = self.above(level, row.level);
            if !above.is_empty() {
                // a higher level set aside is never silent
                self.earlier_higher += 1;
                let (set_aside, kept) =
                    (self.policy.level_id(level), self.policy.level_id(row.level));
                eprintln!(
                    "{}{}",
                    crate::messages::warning(),
                    crate::messages::tr!(
                        "row {n}: {who} is kept at `{kept}`, but an earlier submission set aside, row {earlier}, was at `{set_aside}`: check with the person",
                        "第 {n} 行：{who} 保留的级别为 `{kept}`，但未计入的较早提交（第 {earlier} 行）级别为 `{set_aside}`：请与本人核实"
                    )
                );
            }
        }
        true
    }

    /// A note when a set-aside row's level is above the kept row's.
    fn above(&self, set_aside: Level, kept: Level) -> String {
        if set_aside > kept {
            let (set_aside, kept) = (self.policy.level_id(set_aside), self.policy.level_id(kept));
            crate::messages::tr!(
                "; its level `{set_aside}` is above the kept row's `{kept}`: check with the person",
                "；其级别 `{set_aside}` 高于保留行的 `{kept}`：请与本人核实"
            )
        } else {
            String::new()
        }
    }

    /// The closing note: how many rows repeat an id, how many were set
    /// aside. Nothing when no id repeats.
    pub fn end_note(&self) {
        if self.past_limit {
            let limit = self.limit;
            eprintln!(
                "{}{}",
                crate::messages::note(),
                crate::messages::tr!(
                    "more than {limit} ids: repeated submissions were looked for among the first {limit} only (--duplicates first|last|error checks every id)",
                    "id 超过 {limit} 个：只在前 {limit} 个 id 中查找重复提交（--duplicates first|last|error 会检查全部 id）"
                )
            );
        }
        if self.rows_repeated == 0 {
            return;
        }
        let n = self.set_aside;
        let what = match self.mode {
            Mode::All => crate::messages::pick("all kept", "全部保留").to_string(),
            Mode::Last => crate::messages::tr!(
                "{n} set aside, each id's last row kept",
                "{n} 行未计入，每个 id 保留最后一行"
            ),
            _ => crate::messages::tr!("{n} set aside", "{n} 行未计入"),
        };
        let repeated = self.rows_repeated;
        eprintln!(
            "{}{}",
            crate::messages::warning(),
            crate::messages::tr!(
                "{repeated} row(s) repeat the id of an earlier row (submitted twice?): {what}",
                "{repeated} 行与前面某行的 id 相同（重复提交？）：{what}"
            )
        );
    }
}

/// A sink that passes on the rows `dups` admits (all, without it).
pub struct Admitted<'w, 'p, S> {
    pub dups: Option<&'w mut Duplicates<'p>>,
    pub inner: &'w mut S,
}

impl<S: RowSink> RowSink for Admitted<'_, '_, S> {
    #[inline]
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        if admits(self.dups.as_deref_mut(), row)? {
            self.inner.row(row)
        } else {
            Ok(true)
        }
    }

    fn prepare<'s>(&self, setup: &'s Setup, work: &mut Prepare<'s>) {
        self.inner.prepare(setup, work);
        work.ids = self.dups.as_deref().map(Duplicates::id_keys);
    }

    #[inline]
    fn prepared(&mut self, row: &Row<'_>, done: &Prepared<'_>) -> anyhow::Result<bool> {
        let admitted = match (self.dups.as_deref_mut(), done.id) {
            (None, _) => true,
            (Some(d), Some(hash)) => d.admit_hashed(hash, row)?,
            (Some(d), None) => d.admit(row)?,
        };
        if admitted {
            self.inner.prepared(row, done)
        } else {
            Ok(true)
        }
    }

    fn takes_runs(&self) -> bool {
        self.inner.takes_runs() && self.dups.as_deref().is_none_or(|d| d.mode != Mode::Last)
    }

    fn prepared_run(&mut self, run: &Run<'_>) -> anyhow::Result<(usize, bool)> {
        if !self.takes_runs() {
            return Ok((0, true));
        }
        let admitted = match self.dups.as_deref_mut() {
            Some(d) => d.admit_new(run.rows),
            None => run.rows.len(),
        };
        if admitted == 0 {
            return Ok((0, true));
        }
        let (took, go) = self.inner.prepared_run(&run.prefix(admitted))?;
        // the rows admitted are the inner sink's to take: handed over again
        // one by one, their ids would be repeats of themselves
        anyhow::ensure!(took == admitted, super::run_cut());
        Ok((took, go))
    }
}

/// Whether `row` goes on: always without duplicate tracking.
pub fn admits(dups: Option<&mut Duplicates<'_>>, row: &Row<'_>) -> anyhow::Result<bool> {
    dups.map_or(Ok(true), |d| d.admit(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bitset only ever says "surely new" for an id never noted: every
    /// id noted may be held, and most ids not noted are surely new.
    #[test]
    fn the_bitset_never_calls_a_seen_id_new() {
        let hash = IdHash(7);
        let seen = Seen::new();
        let ids: Vec<u128> = (0..TRACKED)
            .map(|i| hash.of(format!("S{i:07}").as_bytes()))
            .collect();
        for &h in &ids {
            seen.note(h);
        }
        assert!(ids.iter().all(|&h| seen.may_hold(h)));
        let others = (0..100_000)
            .filter(|i| seen.may_hold(hash.of(format!("T{i:07}").as_bytes())))
            .count();
        // 100,000 of 2^20 bits set: about one new id in eleven is looked up
        assert!(others < 12_000, "{others}");
    }

    /// A row not made yet is hashed as the row will be (`IdKeys::of_record`
    /// on the thread that scores it, `of` on the row), and the bit it asks
    /// ahead for is the one `Duplicates` sets and reads.
    #[test]
    fn ids_hashed_ahead_are_the_rows_ids() {
        let keys = IdKeys {
            id: 1,
            hash: IdHash(3),
            seen: Arc::new(Seen::new()),
        };
        let rec = Record::from(vec!["x", " S7 "]);
        let row = Row {
            number: 2,
            record: &rec,
            level: Level::default(),
            scores: super::super::Scores::Scored {
                facts: &[],
                reasons: b"",
            },
        };
        let hash = keys.of_record(&rec, None);
        assert_eq!(hash, keys.of(&row));
        assert_eq!(hash, Some(IdHash(3).of(b"S7")));
        // the id cell as read, when the record's did not decode
        assert_eq!(keys.of_record(&rec, Some(b"S8")), Some(IdHash(3).of(b"S8")));
        assert_eq!(keys.of_record(&Record::from(vec!["x", " "]), None), None);
        let h = hash.unwrap();
        keys.ahead(h);
        assert!(!keys.seen.may_hold(h));
        keys.seen.note(h);
        assert!(keys.seen.may_hold(h));
    }

    #[test]
    fn ids_are_compared_as_the_pseudonymizer_trims_them() {
        assert_eq!(id_key(b" S1 "), Some(&b"S1"[..]));
        assert_eq!(
            id_key("\u{3000}张三\u{3000}".as_bytes()),
            Some("张三".as_bytes())
        );
        assert_eq!(id_key(b" \xff\xfe "), Some(&b"\xff\xfe"[..]));
        // an empty id is no one's
        assert_eq!(id_key(b""), None);
        assert_eq!(id_key(b"  "), None);
    }

    /// The first pass finds each repeated id's rows, numbered as the
    /// pipeline numbers them, and looks at no more ids than allowed.
    #[test]
    fn the_first_pass_keeps_repeated_ids_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.csv");
        std::fs::write(&f, "id,x\nA,1\nB,1\n A,1\nC,1\n,1\nC,1\n,1\nA,1\n").unwrap();
        let spec = InputSpec::file(&f);
        let keys = IdKeys::new(0);
        let hash = &keys.hash;
        let (ids, names, past) = rows_of_ids(&spec, (&keys, 1), usize::MAX).unwrap();
        assert!(!past);
        let a = ids[&hash.of(b"A")];
        assert_eq!((a.first, a.last, a.count), (2, 9, 3));
        let c = ids[&hash.of(b"C")];
        assert_eq!((c.first, c.last, c.count), (5, 7, 2));
        assert_eq!(ids.len(), 2, "B once, empty ids no one's");
        assert_eq!(names[&hash.of(b"A")], b"A");
        // two ids looked at: C is never counted
        let (ids, _, past) = rows_of_ids(&spec, (&keys, 1), 2).unwrap();
        assert!(past);
        assert_eq!(ids.len(), 1);
        assert!(ids.contains_key(&hash.of(b"A")));
    }

    /// A file large enough to be read in parts: the first pass on two
    /// threads finds what it finds on one, rows numbered alike, the limit
    /// applied in input order.
    #[test]
    fn the_first_pass_in_parts_finds_what_one_thread_finds() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.csv");
        let mut text = String::from("id,padding\n");
        for i in 0..40_000u32 {
            // every 997th row repeats the id of the row 5,000 before it
            let id = if i % 997 == 0 && i >= 5_000 {
                i - 5_000
            } else {
                i
            };
            text.push_str(&format!("P{id},{}\n", "x".repeat(20)));
        }
        assert!(text.len() as u64 > split::MIN_SIZE);
        std::fs::write(&f, &text).unwrap();
        let spec = InputSpec::file(&f);
        let parts = Table::open(&spec).unwrap().split_source();
        assert!(
            parts.is_some_and(|s| s.size >= split::MIN_SIZE),
            "read in parts"
        );
        let keys = IdKeys::new(0);
        let hash = &keys.hash;
        for limit in [usize::MAX, 30_000] {
            let one = rows_of_ids(&spec, (&keys, 1), limit).unwrap();
            let two = rows_of_ids(&spec, (&keys, 2), limit).unwrap();
            let sorted = |m: &HashMap<u128, Rows>| {
                let mut v: Vec<(u128, u64, u64, u64)> = m
                    .iter()
                    .map(|(h, r)| (*h, r.first, r.last, r.count))
                    .collect();
                v.sort_unstable();
                v
            };
            assert_eq!(sorted(&one.0), sorted(&two.0));
            assert_eq!(one.1, two.1);
            assert_eq!(one.2, two.2);
            assert_eq!(one.2, limit != usize::MAX);
        }
        let (ids, names, _) = rows_of_ids(&spec, (&keys, 2), usize::MAX).unwrap();
        // P982 is in row 984 (the header is row 1), again in row 5,984
        // (i = 5,982 = 6 × 997)
        let p = ids[&hash.of(b"P982")];
        assert_eq!((p.first, p.last, p.count), (984, 5_984, 2));
        assert_eq!(names[&hash.of(b"P982")], b"P982");
        assert_eq!(ids.len(), (5_000..40_000).filter(|i| i % 997 == 0).count());
    }

    #[test]
    fn id_hashes_tell_ids_apart() {
        let h = IdHash::new();
        assert_eq!(h.of(b"S1"), h.of(b"S1"));
        assert_ne!(h.of(b"S1"), h.of(b"S2"));
    }
}
