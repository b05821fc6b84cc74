//! Internal consistency of a scale: Cronbach's alpha, corrected item-total
//! correlations (each item against the total of the *other* items) and
//! alpha if the item were dropped — the `raw_alpha`, `r.drop` and
//! `alpha.drop` of R psych's `alpha()`. Pure: no I/O.
//!
//! Item values are the *scored* ones (reverse items reversed), and only
//! complete cases count (a person with an item missing, invalid or not
//! asked is left out of that scale's alpha). Sums and cross-products are
//! kept in integers, so groups add up exactly into an overall row.

use super::Merge;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reliability {
    k: usize,
    n: u64,
    sum: Vec<i64>,
    /// Row-major k × k sums of products.
    cross: Vec<i64>,
}

/// One item's statistics within its scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemStat {
    /// Corrected item-total r: the item against the sum of the others.
    pub r_drop: Option<f64>,
    /// Alpha of the scale without this item.
    pub alpha_if_dropped: Option<f64>,
}

impl Reliability {
    pub fn new(k: usize) -> Self {
        Reliability {
            k,
            n: 0,
            sum: vec![0; k],
            cross: vec![0; k * k],
        }
    }

    /// Add one complete case: `values` holds the k scored item values.
    pub fn add(&mut self, values: &[i64]) {
        debug_assert_eq!(values.len(), self.k);
        self.n += 1;
        for (i, &x) in values.iter().enumerate() {
            self.sum[i] += x;
            for (j, &y) in values.iter().enumerate() {
                self.cross[i * self.k + j] += x * y;
            }
        }
    }

    /// Complete cases counted.
    pub fn n(&self) -> u64 {
        self.n
    }

    pub fn items(&self) -> usize {
        self.k
    }

    /// Sample covariance of items i and j. The numerator n·Σxy − Σx·Σy is
    /// exact in integers; only the division is in floating point.
    #[allow(clippy::cast_precision_loss)] // exact below 2^53: answers are small
    fn cov(&self, i: usize, j: usize) -> f64 {
        let n = i128::from(self.n);
        let num = n * i128::from(self.cross[i * self.k + j])
            - i128::from(self.sum[i]) * i128::from(self.sum[j]);
        num as f64 / (n * (n - 1)) as f64
    }

    /// Does item i vary at all? An item that does not is left out of alpha,
    /// as psych's alpha() does ("had no variance and was deleted").
    fn varies(&self, i: usize) -> bool {
        self.cov(i, i) > 0.0
    }

    /// Alpha over the items where `keep` is true and that vary.
    fn alpha_of(&self, keep: impl Fn(usize) -> bool) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let idx: Vec<usize> = (0..self.k).filter(|&i| keep(i) && self.varies(i)).collect();
        let k = idx.len();
        if k < 2 || self.n < 2 {
            return None;
        }
        let mut total = 0.0;
        let mut trace = 0.0;
        for &i in &idx {
            trace += self.cov(i, i);
            for &j in &idx {
                total += self.cov(i, j);
            }
        }
        if total <= 0.0 {
            return None;
        }
        let k = f64::from(u32::try_from(k).ok()?);
        Some(k / (k - 1.0) * (1.0 - trace / total))
    }

    /// Cronbach's alpha; `None` with fewer than two varying items or two
    /// cases.
    pub fn alpha(&self) -> Option<f64> {
        self.alpha_of(|_| true)
    }

    /// Per item, in order: corrected item-total r and alpha if dropped.
    pub fn item_stats(&self) -> Vec<ItemStat> {
        (0..self.k)
            .map(|i| {
                let r_drop = (self.n >= 2 && self.k >= 2)
                    .then(|| {
                        let var_i = self.cov(i, i);
                        let mut var_rest = 0.0;
                        let mut cov_rest = 0.0;
                        for j in (0..self.k).filter(|&j| j != i) {
                            cov_rest += self.cov(i, j);
                            for l in (0..self.k).filter(|&l| l != i) {
                                var_rest += self.cov(j, l);
                            }
                        }
                        (var_i > 0.0 && var_rest > 0.0)
                            .then(|| cov_rest / (var_i * var_rest).sqrt())
                    })
                    .flatten();
                ItemStat {
                    r_drop,
                    // an item that does not vary is not in alpha to drop
                    alpha_if_dropped: if self.n >= 2 && self.varies(i) {
                        self.alpha_of(|j| j != i)
                    } else {
                        None
                    },
                }
            })
            .collect()
    }
}

impl Merge for Reliability {
    fn merge(&mut self, o: &Reliability) {
        if self.k != o.k {
            return;
        }
        self.n += o.n;
        for (a, b) in self.sum.iter_mut().zip(&o.sum) {
            *a += b;
        }
        for (a, b) in self.cross.iter_mut().zip(&o.cross) {
            *a += b;
        }
    }
}

/// A statistic as shown: three decimals, or empty when there is none.
pub fn fmt3(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| format!("{x:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/data/quality/pss10.csv with items 4, 5, 7, 8 reversed (4 − x),
    /// as the PSS-10 instrument scores them; `class` = None for all rows.
    fn pss10(class: Option<&str>) -> Reliability {
        let text = include_str!("../../tests/data/quality/pss10.csv");
        let mut r = Reliability::new(10);
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if class.is_some_and(|c| c != f[1]) {
                continue;
            }
            let v: Vec<i64> = f[2..]
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    let x: i64 = s.parse().unwrap();
                    if [3, 4, 6, 7].contains(&j) {
                        4 - x
                    } else {
                        x
                    }
                })
                .collect();
            r.add(&v);
        }
        r
    }

    /// R psych::alpha() on the same data: tests/data/quality/alpha.R wrote
    /// psych-alpha.csv (R 4.2.2, psych 2.2.9).
    /// One row of psych-alpha.csv: group, item, n, alpha, r.drop, alpha.drop.
    type PsychRow = (String, String, u64, Option<f64>, Option<f64>, Option<f64>);

    fn psych() -> Vec<PsychRow> {
        let text = include_str!("../../tests/data/quality/psych-alpha.csv");
        let num = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
        text.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    f[0].to_string(),
                    f[1].to_string(),
                    f[2].parse().unwrap(),
                    num(f[3]),
                    num(f[4]),
                    num(f[5]),
                )
            })
            .collect()
    }

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        }
    }

    #[test]
    fn alpha_r_drop_and_alpha_if_dropped_match_r_psych() {
        let want = psych();
        assert_eq!(want.len(), 33);
        for (group, item, n, alpha, r_drop, if_dropped) in want {
            let r = pss10(if group == "all" { None } else { Some(&group) });
            assert_eq!(r.n(), n, "{group}");
            if item.is_empty() {
                assert!(
                    close(r.alpha(), alpha),
                    "{group}: {:?} vs {alpha:?}",
                    r.alpha()
                );
            } else {
                let i: usize = item.trim_start_matches("pss10_").parse().unwrap();
                let s = r.item_stats()[i - 1];
                assert!(
                    close(s.r_drop, r_drop),
                    "{group} {item}: {s:?} vs {r_drop:?}"
                );
                assert!(
                    close(s.alpha_if_dropped, if_dropped),
                    "{group} {item}: {s:?} vs {if_dropped:?}"
                );
            }
        }
    }

    /// An item that never varies is dropped from alpha, as psych does:
    /// constant-item.csv against psych-alpha-constant.csv (alpha.R).
    #[test]
    fn an_item_without_variance_is_left_out_as_psych_does() {
        let data = include_str!("../../tests/data/quality/constant-item.csv");
        let mut r = Reliability::new(9);
        for line in data.lines().skip(1) {
            let v: Vec<i64> = line
                .split(',')
                .skip(2)
                .map(|s| s.parse().unwrap())
                .collect();
            r.add(&v);
        }
        let want = include_str!("../../tests/data/quality/psych-alpha-constant.csv");
        let num = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
        let stats = r.item_stats();
        for (k, line) in want.lines().skip(1).enumerate() {
            let f: Vec<&str> = line.split(',').collect();
            if k == 0 {
                assert!(close(r.alpha(), num(f[1])), "{:?} vs {line}", r.alpha());
            } else {
                let s = stats[k - 1];
                assert!(close(s.r_drop, num(f[2])), "{s:?} vs {line}");
                assert!(close(s.alpha_if_dropped, num(f[3])), "{s:?} vs {line}");
            }
        }
    }

    #[test]
    fn groups_add_up_to_the_whole() {
        let mut a = pss10(Some("A"));
        a.merge(&pss10(Some("B")));
        assert_eq!(a, pss10(None));
    }

    #[test]
    fn degenerate_cases_have_no_alpha() {
        let mut r = Reliability::new(3);
        assert_eq!(r.alpha(), None, "no cases");
        r.add(&[1, 2, 3]);
        assert_eq!(r.alpha(), None, "one case");
        r.add(&[1, 2, 3]);
        assert_eq!(r.alpha(), None, "no variance");
        assert_eq!(r.item_stats()[0].r_drop, None);
        let mut one = Reliability::new(1);
        one.add(&[1]);
        one.add(&[2]);
        assert_eq!(one.alpha(), None, "one item");
        // two perfectly parallel items: alpha 1, r_drop 1
        let mut p = Reliability::new(2);
        for x in [0, 1, 2, 3] {
            p.add(&[x, x]);
        }
        assert!((p.alpha().unwrap() - 1.0).abs() < 1e-12);
        assert!((p.item_stats()[0].r_drop.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(p.item_stats()[0].alpha_if_dropped, None, "one item left");
        assert_eq!(fmt3(Some(0.88452)), "0.885");
    }
}
