//! The people a `--list-ids` report names: everyone at the referral level
//! or above, with their group, in memory bounded by `MAX_LISTED` whatever
//! the number of rows (a whole province's export must not fill memory).
//! Past the bound the highest levels are kept, and the report says how
//! many were left out and where to find them.

use crate::summary::natural_keys;

/// The most people a report lists; past this the staff-only referral file
/// (`score --min-level … -o referrals.csv`) is the list to use.
pub const MAX_LISTED: usize = 10_000;

/// One person on the referral list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// The `--by` values of the person's row.
    pub group: Vec<String>,
    pub id: String,
    /// Level index into the policy's levels.
    pub level: usize,
    pub reasons: String,
    /// Input order, to keep it within a group and level.
    pub seq: u64,
}

#[derive(Debug, Default)]
pub struct ReferralList {
    people: Vec<Referral>,
    /// Everyone pushed, listed or not.
    pub total: u64,
}

impl ReferralList {
    pub fn push(&mut self, r: Referral) {
        self.total += 1;
        self.people.push(r);
        // trim now and then, not per row: the highest levels stay
        if self.people.len() >= 2 * MAX_LISTED {
            self.keep_highest();
        }
    }

    fn keep_highest(&mut self) {
        self.people
            .sort_by(|a, b| b.level.cmp(&a.level).then(a.seq.cmp(&b.seq)));
        self.people.truncate(MAX_LISTED);
    }

    /// The people listed, by group (natural order), then highest level
    /// first, then input order; and how many were left out.
    pub fn finish(mut self) -> (Vec<Referral>, u64) {
        if self.people.len() > MAX_LISTED {
            self.keep_highest();
        }
        self.people.sort_by(|a, b| {
            natural_keys(&a.group, &b.group)
                .then(b.level.cmp(&a.level))
                .then(a.seq.cmp(&b.seq))
        });
        let listed = self.people.len() as u64;
        (self.people, self.total - listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(group: &str, level: usize, seq: u64) -> Referral {
        Referral {
            group: vec![group.to_string()],
            id: format!("p{seq}"),
            level,
            reasons: String::new(),
            seq,
        }
    }

    #[test]
    fn by_group_then_level_then_input_order() {
        let mut l = ReferralList::default();
        for p in [
            person("10A", 3, 0),
            person("7A", 2, 1),
            person("7A", 3, 2),
            person("7A", 2, 3),
        ] {
            l.push(p);
        }
        let (people, left_out) = l.finish();
        let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p2", "p1", "p3", "p0"]);
        assert_eq!(left_out, 0);
    }

    #[test]
    fn bounded_keeping_the_highest_levels() {
        let mut l = ReferralList::default();
        let n = 3 * MAX_LISTED as u64;
        for seq in 0..n {
            // one urgent person in 100, late in the input
            let level = if seq % 100 == 99 { 3 } else { 2 };
            l.push(person("7A", level, seq));
            assert!(l.people.len() < 2 * MAX_LISTED);
        }
        let (people, left_out) = l.finish();
        assert_eq!(people.len(), MAX_LISTED);
        assert_eq!(left_out, n - MAX_LISTED as u64);
        let urgent = people.iter().filter(|p| p.level == 3).count();
        assert_eq!(urgent as u64, n / 100, "no urgent person is left out");
    }
}
