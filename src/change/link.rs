//! People of several waves, linked by id. Pure: the command reads each
//! wave's rows and adds them here; nothing is dropped — a person seen in
//! too few waves, twice in one wave or without an id keeps a status.

use indexmap::IndexMap;

use super::Total;

/// What one person's row of one wave holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaveRow {
    /// As a spreadsheet shows it.
    pub row: u64,
    /// Per scale of the run: the total, `None` when incomplete.
    pub totals: Vec<Option<Total>>,
    /// The policy level of the row (index, 0 = lowest).
    pub level: usize,
    pub reasons: String,
    /// Per critical item of the run: endorsed (answer above the item's
    /// lowest), not, or not known.
    pub critical: Vec<Option<bool>>,
    /// The `--by` cells.
    pub key: Vec<String>,
    /// The level rests on a value the policy could not decide (a reason
    /// `cannot rule out: …`): the row's true level may be lower or higher,
    /// so no risk trajectory is told from it. Set by the wave's reader.
    pub uncertain: bool,
    /// When `uncertain`: the level the row has whatever the missing values
    /// are (the rules that fired), 0 when not known (a scored file).
    pub floor: usize,
}

/// Why a person's change is or is not computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// At their first wave and the last wave of the run.
    Linked,
    /// Seen in fewer waves than `--min-waves`.
    Unlinked,
    /// In enough waves, but not at the last one.
    NotRescreened,
    /// The id twice in one wave: which row is theirs cannot be told.
    Duplicate,
    /// A row without an id, or with one that did not decode: it cannot
    /// be linked to anyone.
    NoId,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Linked => "linked",
            Status::Unlinked => "unlinked",
            Status::NotRescreened => "not_rescreened",
            Status::Duplicate => "duplicate",
            Status::NoId => "no_id",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    /// One entry per wave.
    pub waves: Vec<Option<WaveRow>>,
    /// Rows per wave beyond the first.
    pub repeats: Vec<u32>,
    pub no_id: bool,
}

impl Person {
    pub fn present(&self) -> usize {
        self.waves.iter().filter(|w| w.is_some()).count()
    }

    /// The first wave the person has.
    pub fn baseline(&self) -> Option<usize> {
        self.waves.iter().position(Option::is_some)
    }

    /// The last wave the person has.
    pub fn latest(&self) -> Option<usize> {
        self.waves.iter().rposition(Option::is_some)
    }

    pub fn status(&self, min_waves: usize) -> Status {
        let last = self.waves.len().saturating_sub(1);
        if self.no_id {
            Status::NoId
        } else if self.repeats.iter().any(|&r| r > 0) {
            Status::Duplicate
        } else if self.present() < min_waves.max(2) {
            Status::Unlinked
        } else if self.waves[last].is_none() {
            Status::NotRescreened
        } else {
            Status::Linked
        }
    }
}

/// Everyone of every wave, in order of first appearance.
#[derive(Debug)]
pub struct People {
    pub people: IndexMap<String, Person>,
    waves: usize,
    anonymous: u64,
}

impl People {
    pub fn new(waves: usize) -> People {
        People {
            people: IndexMap::new(),
            waves,
            anonymous: 0,
        }
    }

    /// Add a row of wave `wave`. The same id twice in one wave: the row
    /// at the higher level is kept (a flag is never lost), and the person
    /// is a duplicate.
    /// The number of waves (a long file finds its waves as it goes).
    pub fn set_waves(&mut self, n: usize) {
        self.waves = self.waves.max(n);
    }

    /// Every person with an entry for every wave (after a long file).
    pub fn finish(&mut self) {
        let n = self.waves;
        for p in self.people.values_mut() {
            p.waves.resize(n, None);
            p.repeats.resize(n, 0);
        }
    }

    pub fn add(&mut self, wave: usize, id: &str, row: WaveRow) {
        self.set_waves(wave + 1);
        let id = id.trim();
        // an id whose bytes did not decode (shown with U+FFFD) is never
        // compared: two different ids could read the same
        let (key, no_id) = if id.is_empty() || id.contains('\u{FFFD}') {
            self.anonymous += 1;
            // a key no id can have: ids are trimmed text
            (format!("\0{}", self.anonymous), true)
        } else {
            (id.to_string(), false)
        };
        let n = self.waves;
        let person = self.people.entry(key).or_insert_with(|| Person {
            id: id.to_string(),
            waves: vec![None; n],
            repeats: vec![0; n],
            no_id,
        });
        if person.waves.len() < n {
            person.waves.resize(n, None);
            person.repeats.resize(n, 0);
        }
        match &mut person.waves[wave] {
            Some(kept) => {
                person.repeats[wave] += 1;
                if row.level >= kept.level {
                    *kept = row;
                }
            }
            slot @ None => *slot = Some(row),
        }
        // only the latest wave's reasons and group are ever shown: the
        // others' text is dropped, so memory per person stays small
        let latest = person.waves.iter().rposition(Option::is_some);
        for (k, w) in person.waves.iter_mut().enumerate() {
            if let Some(w) = w.as_mut().filter(|_| Some(k) != latest) {
                w.reasons = String::new();
                w.key = Vec::new();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(level: usize) -> WaveRow {
        WaveRow {
            level,
            ..WaveRow::default()
        }
    }

    #[test]
    fn statuses() {
        let mut p = People::new(3);
        p.add(0, "a", row(0));
        p.add(2, "a ", row(1));
        p.add(0, "b", row(0));
        p.add(1, "b", row(0));
        p.add(1, "c", row(0));
        p.add(1, "c", row(2));
        p.add(1, "c", row(1));
        p.add(2, "c", row(0));
        p.add(2, "", row(0));
        p.add(2, "x\u{FFFD}", row(0));
        p.add(1, "x\u{FFFD}", row(0));
        let st: Vec<(&str, Status)> = p
            .people
            .values()
            .map(|x| (x.id.as_str(), x.status(2)))
            .collect();
        assert_eq!(
            st,
            [
                ("a", Status::Linked),
                ("b", Status::NotRescreened),
                ("c", Status::Duplicate),
                ("", Status::NoId),
                ("x\u{FFFD}", Status::NoId),
                ("x\u{FFFD}", Status::NoId),
            ]
        );
        let c = &p.people["c"];
        assert_eq!(c.repeats, [0, 2, 0]);
        assert_eq!(
            c.waves[1].as_ref().unwrap().level,
            2,
            "the higher level is kept"
        );
        assert_eq!(p.people["a"].status(3), Status::Unlinked);
        assert_eq!(p.people["a"].baseline(), Some(0));
    }

    /// A row's flag that its level rests on a missing value stays with
    /// the person when a later wave drops the row's reasons.
    #[test]
    fn a_level_resting_on_a_missing_value_is_kept() {
        // the person keeps it when a later wave drops the row's reasons
        let mut p = People::new(2);
        let with = |reasons: &str, uncertain| WaveRow {
            reasons: reasons.into(),
            uncertain,
            ..WaveRow::default()
        };
        p.add(0, "a", with("无法排除：PHQ-9 第9题缺失", true));
        p.add(1, "a", with("PHQ-9 ≥ 10", false));
        let a = &p.people["a"];
        assert!(a.waves[0].as_ref().unwrap().uncertain);
        assert!(!a.waves[1].as_ref().unwrap().uncertain);
    }
}
