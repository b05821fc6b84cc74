//! Careless-responding flags for one row: the same answer many times in a
//! row (longstring), a form filled in too fast, and opposite answers to
//! items worded in opposite directions. Flags are for a person to look at;
//! they never change a score or a risk level. Pure: no I/O.

use crate::instrument::{Instrument, Lang};
use crate::score::{Answer, Battery};

/// Longstring: this many identical answers in a row (or every item, when
/// the battery has fewer) is flagged ...
pub const LONGSTRING: usize = 10;
/// ... but only in a battery of at least this many items: with two or
/// three items the same answer throughout is ordinary.
pub const LONGSTRING_MIN_ITEMS: usize = 6;
/// Fewer seconds than this per item is too fast to have read them.
pub const SECONDS_PER_ITEM: u32 = 2;
/// Forward and reverse-worded items of a scale whose scored means lie at
/// least this far apart (as a share of the response range) point opposite
/// ways: the reverse wording was probably not read.
pub const REVERSE_GAP: f64 = 0.5;

/// The longest run of one value over items in order; a blank, invalid or
/// not-asked item ends a run.
pub fn longest_run(answers: &[Answer]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut last = None;
    for a in answers {
        match *a {
            Answer::Value(v) => {
                run = if last == Some(v) { run + 1 } else { 1 };
                last = Some(v);
                best = best.max(run);
            }
            _ => {
                run = 0;
                last = None;
            }
        }
    }
    best
}

/// The run length that is flagged in a battery of `items` items, if any.
pub fn longstring_threshold(items: usize) -> Option<usize> {
    (items >= LONGSTRING_MIN_ITEMS).then_some(LONGSTRING.min(items))
}

/// A form's completion time in whole seconds: `107秒`, `107`, `107 s`,
/// `1分47秒`, `1:47`, `0:01:47`, `107.6` (a fraction is dropped).
pub fn parse_seconds(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.contains(':') {
        let mut total: u32 = 0;
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() > 3 {
            return None;
        }
        for p in parts {
            let v: u32 = p.trim().parse().ok()?;
            total = total.checked_mul(60)?.checked_add(v)?;
        }
        return Some(total);
    }
    let mut total: u32 = 0;
    let mut rest = s;
    let mut any = false;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number = &rest[..digits];
        let whole: u32 = number.split('.').next()?.parse().ok()?;
        if number.matches('.').count() > 1 {
            return None;
        }
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = rest[..unit_len].trim();
        let factor = match unit.to_ascii_lowercase().as_str() {
            "" | "秒" | "秒钟" | "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "分" | "分钟" | "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "时" | "小时" | "h" | "hr" | "hour" | "hours" => 3600,
            _ => return None,
        };
        total = total.checked_add(whole.checked_mul(factor)?)?;
        rest = &rest[unit_len..];
        any = true;
    }
    any.then_some(total)
}

/// Forward and reverse-worded items of one scale answered the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct Inconsistency {
    pub scale: String,
    /// Mean raw answer (as given, before reversing) of each kind of item.
    pub forward: f64,
    pub reverse: f64,
    pub min: i32,
    pub max: i32,
}

/// Check every scale of `inst` that has both forward and reverse items,
/// at least two of each answered (or all of a kind that has fewer).
/// `answers` is indexed like `inst.items`.
pub fn reverse_inconsistencies(inst: &Instrument, answers: &[Answer]) -> Vec<Inconsistency> {
    let mut out = Vec::new();
    for scale in &inst.scales {
        let (mut fwd, mut rev) = (Vec::new(), Vec::new());
        let (mut n_fwd, mut n_rev) = (0usize, 0usize);
        let mut range: Option<(i32, i32)> = None;
        for &i in &scale.items {
            let item = &inst.items[i];
            let set = &inst.response_sets[item.set];
            // one range per scale: mixed response sets are not compared
            match range {
                None => range = Some((set.min, set.max)),
                Some(r) if r != (set.min, set.max) => {
                    range = None;
                    break;
                }
                Some(_) => {}
            }
            if item.reverse {
                n_rev += 1;
            } else {
                n_fwd += 1;
            }
            if let Answer::Value(v) = answers.get(i).copied().unwrap_or(Answer::Missing) {
                if item.reverse {
                    rev.push(v);
                } else {
                    fwd.push(v);
                }
            }
        }
        let Some((min, max)) = range else { continue };
        if n_fwd == 0 || n_rev == 0 || max <= min {
            continue;
        }
        if fwd.len() < n_fwd.min(2) || rev.len() < n_rev.min(2) {
            continue;
        }
        let mean = |v: &[i32]| {
            let n = f64::from(u32::try_from(v.len()).unwrap_or(u32::MAX));
            v.iter().map(|&x| f64::from(x)).sum::<f64>() / n
        };
        let (f, r) = (mean(&fwd), mean(&rev));
        let span = f64::from(max - min);
        // scored: forward as given, reverse turned around
        let scored_f = (f - f64::from(min)) / span;
        let scored_r = (f64::from(max) - r) / span;
        if (scored_f - scored_r).abs() >= REVERSE_GAP {
            out.push(Inconsistency {
                scale: scale.id.clone(),
                forward: f,
                reverse: r,
                min,
                max,
            });
        }
    }
    out
}

/// What was flagged for one row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowFlags {
    /// The longest run of identical answers, when flagged.
    pub longstring: Option<usize>,
    /// (seconds taken, the minimum expected), when flagged.
    pub too_fast: Option<(u32, u32)>,
    pub inconsistent: Vec<Inconsistency>,
}

impl RowFlags {
    /// Check one row: `answers` in the battery's item order, as read
    /// (before skip logic fills in implied values); `seconds` from the
    /// export's duration column, if any.
    pub fn check(battery: &Battery, answers: &[Answer], seconds: Option<u32>) -> RowFlags {
        let n = battery.n_items();
        let run = longest_run(answers);
        let longstring = longstring_threshold(n).filter(|&t| run >= t).map(|_| run);
        let min_seconds = SECONDS_PER_ITEM * u32::try_from(n).unwrap_or(u32::MAX);
        let too_fast = seconds
            .filter(|&s| s < min_seconds)
            .map(|s| (s, min_seconds));
        let mut inconsistent = Vec::new();
        let mut offset = 0;
        for inst in &battery.instruments {
            let end = (offset + inst.items.len()).min(answers.len());
            inconsistent.extend(reverse_inconsistencies(
                inst,
                &answers[offset.min(end)..end],
            ));
            offset = end;
        }
        RowFlags {
            longstring,
            too_fast,
            inconsistent,
        }
    }

    pub fn any(&self) -> bool {
        self.longstring.is_some() || self.too_fast.is_some() || !self.inconsistent.is_empty()
    }

    /// The flags in words, `; `-joined.
    pub fn describe(&self, items: usize, lang: Lang) -> String {
        let mut parts = Vec::new();
        if let Some(run) = self.longstring {
            parts.push(match lang {
                Lang::En => {
                    format!("longstring: the same answer {run} times in a row ({items} items)")
                }
                Lang::Zh => format!("连续相同作答：同一答案连续 {run} 次（共 {items} 题）"),
            });
        }
        if let Some((s, min)) = self.too_fast {
            parts.push(match lang {
                Lang::En => {
                    format!("too fast: {s} s for {items} items (under {min} s, 2 s per item)")
                }
                Lang::Zh => format!("作答过快：{items} 题用时 {s} 秒（少于 {min} 秒，每题 2 秒）"),
            });
        }
        for c in &self.inconsistent {
            parts.push(match lang {
                Lang::En => format!(
                    "inconsistent: {} forward items average {:.1} and reverse-worded items {:.1} (answers {}–{}), though they point opposite ways",
                    c.scale, c.forward, c.reverse, c.min, c.max
                ),
                Lang::Zh => format!(
                    "正反向题不一致：{} 正向题平均 {:.1}，反向题平均 {:.1}（作答 {}–{}），两者方向本应相反",
                    c.scale, c.forward, c.reverse, c.min, c.max
                ),
            });
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument;

    fn vals(v: &[i32]) -> Vec<Answer> {
        v.iter().map(|&x| Answer::Value(x)).collect()
    }

    #[test]
    fn runs_are_broken_by_other_values_and_blanks() {
        assert_eq!(longest_run(&[]), 0);
        assert_eq!(longest_run(&vals(&[1, 1, 2, 2, 2, 1])), 3);
        let mut a = vals(&[0, 0, 0, 0]);
        a.insert(2, Answer::Missing);
        assert_eq!(longest_run(&a), 2);
        assert_eq!(longest_run(&[Answer::Invalid, Answer::Invalid]), 0);
    }

    #[test]
    fn thresholds() {
        assert_eq!(longstring_threshold(2), None, "GAD-2 alone: no check");
        assert_eq!(longstring_threshold(6), Some(6), "all items");
        assert_eq!(longstring_threshold(9), Some(9));
        assert_eq!(longstring_threshold(16), Some(10));
    }

    #[test]
    fn durations_as_exports_write_them() {
        assert_eq!(parse_seconds("107秒"), Some(107));
        assert_eq!(parse_seconds(" 107 "), Some(107));
        assert_eq!(parse_seconds("107 s"), Some(107));
        assert_eq!(parse_seconds("1分47秒"), Some(107));
        assert_eq!(parse_seconds("2分钟"), Some(120));
        assert_eq!(parse_seconds("1:47"), Some(107));
        assert_eq!(parse_seconds("0:01:47"), Some(107));
        assert_eq!(parse_seconds("107.6"), Some(107));
        assert_eq!(parse_seconds(""), None);
        assert_eq!(parse_seconds("fast"), None);
        assert_eq!(parse_seconds("1:2:3:4"), None);
        assert_eq!(parse_seconds("10 parsecs"), None);
        assert_eq!(parse_seconds("1.2.3"), None);
    }

    #[test]
    fn reverse_items_answered_like_forward_items_are_flagged() {
        let pss = instrument::builtin("pss10").unwrap().unwrap();
        // items 4, 5, 7, 8 are reverse-worded; all "very often" (4)
        let flags = reverse_inconsistencies(&pss, &vals(&[4; 10]));
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].scale, "pss10");
        assert!((flags[0].forward - 4.0).abs() < 1e-12);
        // consistent: stressed on forward items, low on reverse ones
        let ok = vals(&[3, 4, 3, 1, 0, 4, 1, 0, 3, 4]);
        assert!(reverse_inconsistencies(&pss, &ok).is_empty());
        // all the middle answer: no gap (longstring catches that)
        assert!(reverse_inconsistencies(&pss, &vals(&[2; 10])).is_empty());
        // too few reverse items answered: no check
        let mut few = vals(&[4; 10]);
        for i in [3, 4, 6] {
            few[i] = Answer::Missing;
        }
        assert!(reverse_inconsistencies(&pss, &few).is_empty());
        // an instrument without reverse items is never flagged
        let gad = instrument::builtin("gad7").unwrap().unwrap();
        assert!(reverse_inconsistencies(&gad, &vals(&[3; 7])).is_empty());
    }

    #[test]
    fn row_flags_and_words() {
        let b = Battery::new(vec![
            instrument::builtin("phq9").unwrap().unwrap(),
            instrument::builtin("gad7").unwrap().unwrap(),
        ]);
        let f = RowFlags::check(&b, &vals(&[1; 16]), Some(20));
        assert_eq!(f.longstring, Some(16));
        assert_eq!(f.too_fast, Some((20, 32)));
        assert!(f.inconsistent.is_empty());
        assert_eq!(
            f.describe(16, Lang::En),
            "longstring: the same answer 16 times in a row (16 items); too fast: 20 s for 16 items (under 32 s, 2 s per item)"
        );
        assert!(f.describe(16, Lang::Zh).starts_with("连续相同作答"));
        let ok = RowFlags::check(
            &b,
            &vals(&[0, 1, 0, 1, 2, 0, 1, 0, 0, 1, 1, 0, 2, 1, 0, 0]),
            Some(32),
        );
        assert!(!ok.any(), "{ok:?}");
        let pss = Battery::new(vec![instrument::builtin("pss10").unwrap().unwrap()]);
        let f = RowFlags::check(&pss, &vals(&[4, 4, 4, 4, 4, 4, 4, 4, 3, 4]), None);
        assert_eq!(f.longstring, None, "8 in a row < 10");
        assert_eq!(f.inconsistent.len(), 1);
        assert!(f.describe(10, Lang::En).starts_with("inconsistent: pss10 forward items average 3.8 and reverse-worded items 4.0 (answers 0–4)"));
    }
}
