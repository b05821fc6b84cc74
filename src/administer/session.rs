//! The administering session as a pure state machine: which item is
//! current, the answers given so far, back / skip transitions, which items
//! are asked under skip logic, and when the crisis message is due. No I/O,
//! no terminal: the front-ends (plain lines, raw TTY) drive it.

use crate::condition::Tri;
use crate::instrument::{Instrument, Item};
use crate::pipeline::scorer::Scorer;
use crate::policy::{Bound, Level, Outcome};
use crate::score::{Answer, Battery, Ref};

/// What the person has done with one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Not reached yet (or, after going back, not reached again).
    Pending,
    /// Answered with this raw value of the item's response set.
    Value(i32),
    /// Skipped on purpose: recorded as missing.
    Skipped,
}

/// Something at the policy's top level that the person (or counselor) has
/// to see the crisis message for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CrisisKey {
    /// A rule at the top level fired (index into `Bound::rules`).
    Rule(usize),
    /// A value the top level depends on was skipped: cannot rule it out.
    Missing(String),
}

/// A top-level rule that fired during the session but does not with the
/// answers as they stand: the person gave a risk answer, then changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenBack {
    /// Index into `Bound::rules`.
    pub rule: usize,
    /// The items the rule reads whose answer changed since it last fired.
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Global item index.
    pub item: usize,
    /// The answer when the rule last fired.
    pub was: i32,
    pub now: Now,
}

/// What became of an answer a top-level rule had fired on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Now {
    Value(i32),
    /// Skipped (or not given).
    Missing,
    /// No longer asked under the skip logic.
    NotAsked,
}

/// A top-level rule that fired in an earlier session of the same
/// respondent, set aside when they chose to start again: the level and the
/// fact outlive the answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredEarlier {
    /// Index into `Bound::rules`.
    pub rule: usize,
    /// The answers (global item, value) of the items the rule reads, when
    /// it last fired in that session.
    pub answers: Vec<(usize, i32)>,
    /// That session's id and start.
    pub id: String,
    pub started: String,
}

/// The answer is not one of the item's response values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnOption;

#[derive(Debug)]
pub struct Session<'a> {
    battery: &'a Battery,
    bound: &'a Bound,
    top: Level,
    /// Per global item: (instrument index, item index within it).
    owner: Vec<(usize, usize)>,
    /// First global item index of each instrument.
    offsets: Vec<usize>,
    /// Per global scale: the global indexes of its items.
    scale_items: Vec<Vec<usize>>,
    slots: Vec<Slot>,
    /// Per global item: asked under the skip logic and the current answers.
    asked: Vec<bool>,
    /// Current item; `None` once every asked item has been visited.
    pos: Option<usize>,
    acknowledged: Vec<CrisisKey>,
    due: Vec<CrisisKey>,
    /// Every top-level rule that fired during the session, with the slots
    /// as they were when it last fired: taking the answer back must not
    /// erase the fact.
    fired_top: Vec<(usize, Vec<Slot>)>,
    /// Top-level rules that fired in earlier sessions set aside.
    earlier: Vec<FiredEarlier>,
}

impl<'a> Session<'a> {
    /// A new session at the first asked item. `levels` is the number of the
    /// policy's levels: the last one is the crisis level.
    pub fn new(battery: &'a Battery, bound: &'a Bound, levels: usize) -> Self {
        let slots = vec![Slot::Pending; battery.n_items()];
        Self::resume(battery, bound, levels, slots)
    }

    /// A session with earlier answers (from a journal), at the first asked
    /// item without one. A crisis those answers fire is due again: it was
    /// shown in another run.
    pub fn resume(battery: &'a Battery, bound: &'a Bound, levels: usize, slots: Vec<Slot>) -> Self {
        let mut owner = Vec::with_capacity(battery.n_items());
        let mut offsets = Vec::new();
        for (k, inst) in battery.instruments.iter().enumerate() {
            offsets.push(owner.len());
            owner.extend((0..inst.items.len()).map(|i| (k, i)));
        }
        let mut scale_items = Vec::new();
        for (k, inst) in battery.instruments.iter().enumerate() {
            for s in &inst.scales {
                scale_items.push(s.items.iter().map(|&i| offsets[k] + i).collect());
            }
        }
        let top = Level(u8::try_from(levels.saturating_sub(1)).unwrap_or(u8::MAX));
        let n = battery.n_items();
        let mut s = Session {
            battery,
            bound,
            top,
            owner,
            offsets,
            scale_items,
            slots,
            asked: vec![true; n],
            pos: None,
            acknowledged: Vec::new(),
            due: Vec::new(),
            fired_top: Vec::new(),
            earlier: Vec::new(),
        };
        s.slots.resize(n, Slot::Pending);
        s.refresh();
        s.pos = (0..n).find(|&g| s.asked[g] && s.slots[g] == Slot::Pending);
        s
    }

    /// A session rebuilt from a journal: every answer given, in the order
    /// given (`(global item, Value or Skipped)`), replayed so that a
    /// top-level rule that fired and was then taken back is known again.
    pub fn replay(
        battery: &'a Battery,
        bound: &'a Bound,
        levels: usize,
        history: &[(usize, Slot)],
    ) -> Self {
        let mut s = Self::new(battery, bound, levels);
        for &(g, slot) in history {
            if g < s.slots.len() {
                s.slots[g] = slot;
                s.refresh();
            }
        }
        s.pos = (0..s.slots.len()).find(|&g| s.asked[g] && s.slots[g] == Slot::Pending);
        s
    }

    pub fn battery(&self) -> &'a Battery {
        self.battery
    }

    /// The current item (global index); `None` when all are done.
    pub fn current(&self) -> Option<usize> {
        self.pos
    }

    pub fn slot(&self, g: usize) -> Slot {
        self.slots[g]
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Is item `g` asked, given the answers so far? An item whose `asked_if`
    /// cannot be decided yet counts as asked (as the scorer does).
    pub fn is_asked(&self, g: usize) -> bool {
        self.asked[g]
    }

    /// Instrument index, the instrument, the item index within it, the item.
    pub fn item(&self, g: usize) -> (usize, &'a Instrument, usize, &'a Item) {
        let (k, i) = self.owner[g];
        let inst = &self.battery.instruments[k];
        (k, inst, i, &inst.items[i])
    }

    pub fn n_items(&self) -> usize {
        self.slots.len()
    }

    /// (position of the current item among the asked items, 1-based; number
    /// of asked items). At the end the position is the number asked.
    pub fn progress(&self) -> (usize, usize) {
        let total = self.asked.iter().filter(|&&a| a).count();
        let at = match self.pos {
            Some(g) => self.asked[..=g].iter().filter(|&&a| a).count(),
            None => total,
        };
        (at, total)
    }

    /// (answered, skipped) among the asked items.
    pub fn counts(&self) -> (usize, usize) {
        let mut answered = 0;
        let mut skipped = 0;
        for (s, &asked) in self.slots.iter().zip(&self.asked) {
            match s {
                Slot::Value(_) if asked => answered += 1,
                Slot::Skipped if asked => skipped += 1,
                _ => {}
            }
        }
        (answered, skipped)
    }

    /// Answer the current item with a raw value of its response set, and
    /// move to the next asked item.
    pub fn answer(&mut self, value: i32) -> Result<(), NotAnOption> {
        let Some(g) = self.pos else {
            return Err(NotAnOption);
        };
        let (_, inst, i, _) = self.item(g);
        if !inst.set_of(i).contains(value) {
            return Err(NotAnOption);
        }
        self.slots[g] = Slot::Value(value);
        self.advance(g);
        Ok(())
    }

    /// Skip the current item (recorded as missing) and move on.
    pub fn skip(&mut self) -> bool {
        let Some(g) = self.pos else { return false };
        self.slots[g] = Slot::Skipped;
        self.advance(g);
        true
    }

    pub fn can_go_back(&self) -> bool {
        self.prev_asked().is_some()
    }

    /// Go back to the previous asked item (from the end: the last one). Its
    /// answer stays until it is answered again.
    pub fn back(&mut self) -> bool {
        match self.prev_asked() {
            Some(g) => {
                self.pos = Some(g);
                true
            }
            None => false,
        }
    }

    /// Is a crisis message due (something new at the top level since the
    /// last acknowledgement)?
    pub fn crisis_due(&self) -> bool {
        !self.due.is_empty()
    }

    /// Do the answers as they stand reach the top level (a crisis message
    /// is due, or was shown, for them)?
    /// A top-level rule that fired and was taken back counts too.
    /// So does one that fired in an earlier session set aside.
    pub fn at_crisis_level(&self) -> bool {
        !self.due.is_empty()
            || !self.acknowledged.is_empty()
            || !self.fired_top.is_empty()
            || !self.earlier.is_empty()
    }

    /// Every top-level rule that fired during the session, with the answers
    /// of the items it reads when it last fired (none for a rule on a scale
    /// total: the rule itself says it better than every item's answer).
    pub fn fired_top(&self) -> Vec<(usize, Vec<(usize, i32)>)> {
        self.fired_top
            .iter()
            .map(|(rule, then)| {
                let on_a_scale = self.bound.rules[*rule]
                    .when
                    .targets()
                    .iter()
                    .any(|t| matches!(t, Ref::Scale(_)));
                let items = if on_a_scale {
                    Vec::new()
                } else {
                    self.rule_items(*rule)
                };
                let answers = items
                    .into_iter()
                    .filter_map(|g| match then[g] {
                        Slot::Value(v) => Some((g, v)),
                        Slot::Skipped | Slot::Pending => None,
                    })
                    .collect();
                (*rule, answers)
            })
            .collect()
    }

    /// Carry the top-level rules that fired in earlier sessions set aside.
    pub fn carry(&mut self, earlier: Vec<FiredEarlier>) {
        self.earlier = earlier;
    }

    pub fn earlier(&self) -> &[FiredEarlier] {
        &self.earlier
    }

    /// The items a rule reads (global indexes, in order).
    fn rule_items(&self, rule: usize) -> Vec<usize> {
        let mut items: Vec<usize> = Vec::new();
        for target in self.bound.rules[rule].when.targets() {
            match *target {
                Ref::Item(g) => items.push(g),
                Ref::Scale(s) => items.extend(&self.scale_items[s]),
                Ref::Absent => {}
            }
        }
        items.sort_unstable();
        items.dedup();
        items
    }

    /// The top-level rules that fired during the session but not in `out`
    /// (the outcome of the answers as they stand), with what changed.
    pub fn taken_back(&self, out: &Outcome<'_>) -> Vec<TakenBack> {
        let mut found = Vec::new();
        for (rule, then) in &self.fired_top {
            if out.fired.contains(rule) {
                continue;
            }
            let changes = self
                .rule_items(*rule)
                .into_iter()
                .filter_map(|g| {
                    let Slot::Value(was) = then[g] else {
                        return None;
                    };
                    let now = match self.slots[g] {
                        _ if !self.asked[g] => Now::NotAsked,
                        Slot::Value(v) if v == was => return None,
                        Slot::Value(v) => Now::Value(v),
                        Slot::Skipped | Slot::Pending => Now::Missing,
                    };
                    Some(Change { item: g, was, now })
                })
                .collect();
            found.push(TakenBack {
                rule: *rule,
                changes,
            });
        }
        found
    }

    /// The crisis message was shown and acknowledged.
    pub fn acknowledge_crisis(&mut self) {
        let due = std::mem::take(&mut self.due);
        self.acknowledged.extend(due);
    }

    /// Answers as the scorer sees them (global order): not-asked items take
    /// their `if_skipped` value or are `NotAsked`; skipped and unreached
    /// items are missing. An answer left from before a change that made its
    /// item not asked is dropped: the person was not asked it in the end.
    pub fn answers(&self) -> Vec<Answer> {
        self.effective().0
    }

    /// Score the current answers through the row pipeline's scorer, as
    /// `score` would score the saved row: the answers (skip logic applied)
    /// and the scorer holding the totals, bands and the policy's outcome.
    pub fn score(&self) -> (Vec<Answer>, Scorer<'a>) {
        let mut answers = self.answers();
        let mut scorer = Scorer::new(self.battery, self.bound);
        scorer.score(&mut answers);
        (answers, scorer)
    }

    /// The raw value to save for item `g`: its answer if it was asked and
    /// answered, else nothing (blank: the scorer re-applies skip logic).
    pub fn saved_value(&self, g: usize) -> Option<i32> {
        match self.slots[g] {
            Slot::Value(v) if self.asked[g] => Some(v),
            _ => None,
        }
    }

    fn advance(&mut self, from: usize) {
        self.refresh();
        self.pos = (from + 1..self.slots.len()).find(|&g| self.asked[g]);
    }

    fn prev_asked(&self) -> Option<usize> {
        let end = self.pos.unwrap_or(self.slots.len());
        (0..end).rev().find(|&g| self.asked[g])
    }

    /// (effective answers, asked flags), skip logic applied in item order as
    /// `score::apply_skip_logic` does.
    fn effective(&self) -> (Vec<Answer>, Vec<bool>) {
        let mut eff: Vec<Answer> = self
            .slots
            .iter()
            .map(|s| match s {
                Slot::Value(v) => Answer::Value(*v),
                Slot::Pending | Slot::Skipped => Answer::Missing,
            })
            .collect();
        let mut asked = vec![true; eff.len()];
        for (k, inst) in self.battery.instruments.iter().enumerate() {
            let off = self.offsets[k];
            for (i, item) in inst.items.iter().enumerate() {
                let Some(cond) = &item.asked_if else { continue };
                let mut missing = Vec::new();
                let t = cond.eval(&|&j: &usize| eff[off + j].as_val(), &mut missing);
                if t == Tri::False {
                    asked[off + i] = false;
                    eff[off + i] = item.if_skipped.map_or(Answer::NotAsked, Answer::Value);
                }
            }
        }
        (eff, asked)
    }

    /// Recompute the asked items and what is due at the top level.
    fn refresh(&mut self) {
        let (answers, asked) = self.effective();
        self.asked = asked;
        if self.top == Level(0) {
            return;
        }
        let mut scored = answers;
        let mut scorer = Scorer::new(self.battery, self.bound);
        scorer.score(&mut scored);
        let out = scorer.outcome;
        let mut keys: Vec<CrisisKey> = out
            .fired
            .iter()
            .filter(|&&k| self.bound.rules[k].level >= self.top)
            .map(|&k| CrisisKey::Rule(k))
            .collect();
        for key in &keys {
            if let CrisisKey::Rule(k) = key {
                match self.fired_top.iter_mut().find(|(r, _)| r == k) {
                    Some((_, then)) => then.clone_from(&self.slots),
                    None => self.fired_top.push((*k, self.slots.clone())),
                }
            }
        }
        // a top-level rule left undecided only because a value is not given
        // yet is not a crisis; one undecided because the value was skipped is
        for (name, level) in &out.cannot_rule_out {
            if *level >= self.top && self.decided(name) {
                keys.push(CrisisKey::Missing((*name).to_string()));
            }
        }
        // what no longer holds is forgotten: if it holds again, say it again
        self.acknowledged.retain(|k| keys.contains(k));
        self.due = keys
            .into_iter()
            .filter(|k| !self.acknowledged.contains(k))
            .collect();
    }

    /// Has the person been past every item `name` depends on?
    fn decided(&self, name: &str) -> bool {
        let visited = |g: usize| !self.asked[g] || self.slots[g] != Slot::Pending;
        match self.battery.lookup(name) {
            Some(Ref::Item(g)) => visited(g),
            Some(Ref::Scale(s)) => self.scale_items[s].iter().all(|&g| visited(g)),
            Some(Ref::Absent) | None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::{self, Instrument};
    use crate::policy::{self, Policy};

    fn battery(ids: &[&str]) -> Battery {
        let set: Vec<Instrument> = ids
            .iter()
            .map(|id| instrument::builtin(id).unwrap().unwrap())
            .collect();
        Battery::new(set)
    }

    fn default_policy() -> Policy {
        policy::default_policy().unwrap()
    }

    fn bound(b: &Battery, p: &Policy) -> Bound {
        p.bind(b, &instrument::builtin_names()).unwrap()
    }

    #[test]
    fn walks_forward_and_back_through_phq9() {
        let b = battery(&["phq9"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut s = Session::new(&b, &bd, p.levels.len());
        assert_eq!(s.current(), Some(0));
        assert_eq!(s.progress(), (1, 9));
        assert!(!s.can_go_back());
        assert!(!s.back());
        s.answer(2).unwrap();
        assert_eq!(s.current(), Some(1));
        assert_eq!(s.answer(7), Err(NotAnOption));
        assert_eq!(s.current(), Some(1));
        s.answer(1).unwrap();
        assert!(s.back());
        assert_eq!(s.current(), Some(1));
        assert_eq!(s.slot(1), Slot::Value(1));
        s.answer(3).unwrap();
        assert_eq!(s.current(), Some(2));
        assert!(s.skip());
        assert_eq!(s.slot(2), Slot::Skipped);
        assert_eq!(s.progress(), (4, 9));
        for _ in 3..9 {
            s.answer(0).unwrap();
        }
        assert_eq!(s.current(), None);
        assert_eq!(s.progress(), (9, 9));
        assert_eq!(s.counts(), (8, 1));
        // back from the end reaches the last item
        assert!(s.back());
        assert_eq!(s.current(), Some(8));
        s.answer(0).unwrap();
        let (answers, scored) = s.score();
        let results = scored.results;
        assert_eq!(answers[2], Answer::Missing);
        // 2 + 3 + 0*6 = 5 over 8 answered, prorated to 9 items: 5.625 → 6
        assert_eq!(results[0].total, Some(6));
        assert!(results[0].prorated);
        assert!(!s.crisis_due());
    }

    #[test]
    fn crisis_fires_on_phq9_item_9_once_and_again_after_a_change() {
        let b = battery(&["phq9"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut s = Session::new(&b, &bd, p.levels.len());
        for _ in 0..8 {
            s.answer(0).unwrap();
            assert!(!s.crisis_due(), "no crisis before item 9");
        }
        s.answer(1).unwrap();
        assert!(s.crisis_due());
        s.acknowledge_crisis();
        assert!(!s.crisis_due());
        // answering again with another risk value: same rule, already seen
        s.back();
        s.answer(2).unwrap();
        assert!(!s.crisis_due());
        // no risk, then risk again: shown again
        s.back();
        s.answer(0).unwrap();
        assert!(!s.crisis_due());
        s.back();
        s.answer(1).unwrap();
        assert!(s.crisis_due());
    }

    #[test]
    fn a_crisis_answer_taken_back_is_remembered_and_replayed() {
        let b = battery(&["phq9"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut s = Session::new(&b, &bd, p.levels.len());
        for _ in 0..8 {
            s.answer(0).unwrap();
        }
        s.answer(1).unwrap();
        s.acknowledge_crisis();
        s.back();
        s.answer(3).unwrap();
        s.back();
        s.answer(0).unwrap();
        let out = s.score().1.outcome;
        assert!(out.fired.is_empty());
        let taken = s.taken_back(&out);
        assert_eq!(taken.len(), 1);
        assert_eq!(
            taken[0].changes,
            vec![Change {
                item: 8,
                was: 3,
                now: Now::Value(0)
            }],
            "the last answer it fired on"
        );
        assert!(s.at_crisis_level());
        // the same answers in the order given, as a journal holds them
        let mut history: Vec<(usize, Slot)> = (0..8).map(|g| (g, Slot::Value(0))).collect();
        history.extend([(8, Slot::Value(3)), (8, Slot::Skipped)]);
        let r = Session::replay(&b, &bd, p.levels.len(), &history);
        let out = r.score().1.outcome;
        let taken = r.taken_back(&out);
        assert_eq!(taken[0].changes[0].now, Now::Missing);
        assert_eq!(r.current(), None);
        assert!(!r.crisis_due(), "the skip is below the top level here");
    }

    #[test]
    fn unanswered_items_do_not_fire_the_crisis_but_skipped_ones_do() {
        // asq_5 == 1 has if_missing: urgent; before asq_5 is reached that is
        // no crisis; skipped after a yes it cannot be ruled out
        let b = battery(&["asq"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut s = Session::new(&b, &bd, p.levels.len());
        assert!(!s.crisis_due());
        s.answer(1).unwrap(); // asq_1 yes
        assert!(!s.crisis_due());
        for _ in 1..4 {
            s.answer(0).unwrap();
        }
        assert_eq!(s.current(), Some(4), "asq_5 is asked after a yes");
        assert!(!s.crisis_due());
        s.skip();
        assert!(s.crisis_due(), "a skipped asq_5 cannot rule out acute risk");
    }

    #[test]
    fn asq_item_5_is_not_asked_after_four_noes() {
        let b = battery(&["asq", "gad7"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut s = Session::new(&b, &bd, p.levels.len());
        assert_eq!(s.progress(), (1, 12), "item 5 counts until decided");
        for _ in 0..4 {
            s.answer(0).unwrap();
        }
        assert!(!s.is_asked(4));
        assert_eq!(s.current(), Some(5), "straight to GAD-7");
        assert_eq!(s.progress(), (5, 11));
        assert!(s.back());
        assert_eq!(s.current(), Some(3), "back skips the item not asked");
        let answers = s.answers();
        assert_eq!(answers[4], Answer::NotAsked);
        assert_eq!(s.saved_value(4), None);
    }

    #[test]
    fn asq_yes_fires_crisis_at_item_5() {
        let b = battery(&["asq"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut s = Session::new(&b, &bd, p.levels.len());
        s.answer(0).unwrap();
        s.answer(1).unwrap();
        s.answer(0).unwrap();
        s.answer(0).unwrap();
        assert!(!s.crisis_due(), "refer is not the top level");
        s.answer(1).unwrap();
        assert!(s.crisis_due());
        assert_eq!(s.current(), None);
    }

    #[test]
    fn k10_skip_logic_and_a_stale_answer_dropped() {
        let b = battery(&["k10"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut s = Session::new(&b, &bd, p.levels.len());
        s.answer(1).unwrap(); // k10_1
        s.answer(3).unwrap(); // k10_2 > 1: k10_3 asked
        assert_eq!(s.current(), Some(2));
        s.answer(4).unwrap(); // k10_3
        assert_eq!(s.current(), Some(3));
        // back to k10_2 and answer 1: k10_3 is no longer asked
        s.back();
        s.back();
        assert_eq!(s.current(), Some(1));
        s.answer(1).unwrap();
        assert_eq!(s.current(), Some(3), "k10_3 is not asked now");
        let answers = s.answers();
        assert_eq!(answers[2], Answer::Value(1), "if_skipped: 1");
        assert_eq!(s.saved_value(2), None);
    }

    #[test]
    fn resume_starts_at_the_first_unanswered_item() {
        let b = battery(&["phq9"]);
        let p = default_policy();
        let bd = bound(&b, &p);
        let mut slots = vec![Slot::Pending; 9];
        slots[0] = Slot::Value(1);
        slots[1] = Slot::Skipped;
        slots[2] = Slot::Value(2);
        let mut s = Session::resume(&b, &bd, p.levels.len(), slots);
        assert_eq!(s.current(), Some(3));
        assert!(s.back());
        assert_eq!(s.current(), Some(2));
        // resumed with a crisis answer: due again
        let mut slots = vec![Slot::Value(0); 9];
        slots[8] = Slot::Value(3);
        let s = Session::resume(&b, &bd, p.levels.len(), slots);
        assert!(s.crisis_due());
        assert_eq!(s.current(), None);
    }
}
