//! The instrument's `change:` block: what `psyscreen change` needs to say
//! whether a person changed reliably (Jacobson & Truax 1991), recovered,
//! responded or remitted. Published values only, each with its source;
//! checked here with located errors like the rest of the file.

use indexmap::IndexMap;
use serde::Deserialize;

use super::{to_units, Checker, Scale};
use crate::messages::tr;

/// Which way a scale's totals mean worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HigherIs {
    /// Symptom scales (PHQ-9): a higher total is more symptoms.
    Worse,
    /// Well-being scales (WHO-5): a higher total is better.
    Better,
}

impl HigherIs {
    pub fn as_str(self) -> &'static str {
        match self {
            HigherIs::Worse => "worse",
            HigherIs::Better => "better",
        }
    }
}

/// A published number and where it was published.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSourced {
    #[serde(alias = "threshold")]
    pub value: f64,
    /// Which coefficient (test-retest, internal consistency).
    #[serde(default)]
    pub kind: Option<String>,
    pub source: String,
}

/// Where the clinical range starts: a band's label, or a total.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RawCutoff {
    Band(String),
    Total(f64),
}

/// The facts of one scale, as written (every field optional: a `scales:`
/// entry overrides the block's own).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScaleChange {
    #[serde(default)]
    pub higher_is: Option<HigherIs>,
    #[serde(default)]
    pub reliability: Option<RawSourced>,
    #[serde(default)]
    pub sd: Option<RawSourced>,
    #[serde(default)]
    pub reliable_change: Option<RawSourced>,
    #[serde(default)]
    pub clinical_cutoff: Option<RawCutoff>,
    #[serde(default)]
    pub remission_below: Option<f64>,
    #[serde(default)]
    pub response_reduction: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// `change:` as written: facts for every scale, and per-scale overrides.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChange {
    #[serde(default)]
    pub higher_is: Option<HigherIs>,
    #[serde(default)]
    pub reliability: Option<RawSourced>,
    #[serde(default)]
    pub sd: Option<RawSourced>,
    #[serde(default)]
    pub reliable_change: Option<RawSourced>,
    #[serde(default)]
    pub clinical_cutoff: Option<RawCutoff>,
    #[serde(default)]
    pub remission_below: Option<f64>,
    #[serde(default)]
    pub response_reduction: Option<f64>,
    /// Where `clinical_cutoff`, `remission_below` and `response_reduction` come from.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub scales: IndexMap<String, RawScaleChange>,
}

/// A checked published number.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced {
    pub value: f64,
    pub kind: Option<String>,
    pub source: String,
}

/// The checked facts of one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleChange {
    pub higher_is: HigherIs,
    /// r_xx of S_diff = √2 · SD · √(1 − r).
    pub reliability: Option<Sourced>,
    /// SD of S_diff, in the scale's total as written.
    pub sd: Option<Sourced>,
    /// A published threshold: |x₂ − x₁| ≥ it is reliable (in total units
    /// as written), instead of reliability and SD.
    pub reliable_change: Option<Sourced>,
    /// The total (units) the clinical range starts at, counted from the
    /// healthy end: with higher_is worse it and every total above, with
    /// better it and every total below.
    pub clinical_from: Option<i64>,
    /// Remission: a total below this (units of the scale).
    pub remission_below: Option<i64>,
    /// Response: a reduction of at least this many thousandths of baseline.
    pub response_milli: Option<i64>,
    pub source: Option<String>,
}

/// The instrument's change facts, one per scale (in scale order).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub scales: Vec<ScaleChange>,
}

impl Checker<'_> {
    /// Check `change:` against the scales; `None` when it is absent.
    pub(super) fn change(&mut self, raw: Option<&RawChange>, scales: &[Scale]) -> Option<Change> {
        let raw = raw?;
        for id in raw.scales.keys() {
            if !scales.iter().any(|s| &s.id == id) {
                self.err(
                    &format!("change.scales.{id}"),
                    tr!(
                        "change facts for scale `{id}`, which the instrument does not have",
                        "给出了分量表 `{id}` 的变化信息，但量表没有这个分量表"
                    ),
                )
                .expected = Some(
                    scales
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
        }
        let out = scales
            .iter()
            .map(|s| {
                let own = raw.scales.get(&s.id);
                let path = |key: &str| match own {
                    Some(_) if own_has(own, key) => format!("change.scales.{}.{key}", s.id),
                    _ => format!("change.{key}"),
                };
                let pick = |f: &dyn Fn(&RawScaleChange) -> bool| own.is_some_and(f);
                let higher_is = own
                    .and_then(|o| o.higher_is)
                    .or(raw.higher_is)
                    .unwrap_or_else(|| {
                        self.err("change", tr!("`change:` of scale `{}` says not which way is worse", "分量表 `{}` 的 `change:` 没有说明分数哪个方向更差", s.id))
                            .expected = Some(tr!("`higher_is: worse` (symptoms) or `higher_is: better` (well-being)", "`higher_is: worse`（症状）或 `higher_is: better`（幸福感）"));
                        HigherIs::Worse
                    });
                let reliability = if pick(&|o| o.reliability.is_some()) {
                    own.and_then(|o| o.reliability.clone())
                } else {
                    raw.reliability.clone()
                };
                let sd = if pick(&|o| o.sd.is_some()) {
                    own.and_then(|o| o.sd.clone())
                } else {
                    raw.sd.clone()
                };
                let reliable_change = if pick(&|o| o.reliable_change.is_some()) {
                    own.and_then(|o| o.reliable_change.clone())
                } else {
                    raw.reliable_change.clone()
                };
                let cutoff = own
                    .and_then(|o| o.clinical_cutoff.clone())
                    .or(raw.clinical_cutoff.clone());
                let remission = own.and_then(|o| o.remission_below).or(raw.remission_below);
                let response = own
                    .and_then(|o| o.response_reduction)
                    .or(raw.response_reduction);
                let source = own.and_then(|o| o.source.clone()).or(raw.source.clone());
                let reliability =
                    self.sourced(reliability, &path("reliability"), crate::messages::pick("reliability", "信度"), |v| {
                        (v > 0.0 && v < 1.0).then_some(()).ok_or(crate::messages::pick("between 0 and 1 (exclusive)", "0 与 1 之间（不含端点）"))
                    });
                let sd = self.sourced(sd, &path("sd"), crate::messages::pick("SD", "标准差"), |v| {
                    (v > 0.0).then_some(()).ok_or(crate::messages::pick("a positive number", "正数"))
                });
                let reliable_change =
                    self.sourced(reliable_change, &path("reliable_change"), crate::messages::pick("threshold", "阈值"), |v| {
                        let units = to_units(v, s.decimals);
                        (v > 0.0 && units.is_some_and(|u| u <= s.range.1 - s.range.0))
                            .then_some(())
                            .ok_or(crate::messages::pick("a positive number no larger than the scale's range", "不超过分量表总分范围的正数"))
                    });
                let clinical_from = cutoff.and_then(|c| self.cutoff(&c, s, higher_is, &path("clinical_cutoff")));
                let remission_below = remission.and_then(|x| {
                    let p = path("remission_below");
                    if higher_is == HigherIs::Better {
                        self.err(&p, tr!("`remission_below` on `{}`, whose higher totals are better", "`{}` 的总分越高越好，不能有 `remission_below`", s.id));
                        return None;
                    }
                    match to_units(x, s.decimals) {
                        Some(u) if u > s.range.0 && u <= s.range.1 => Some(u),
                        _ => {
                            self.err(&p, tr!("`remission_below: {x}` is not a total of `{}` above its lowest", "`remission_below: {x}` 不是 `{}` 高于最低分的总分", s.id))
                                .expected = Some(tr!("{} to {}", "{} 至 {}", s.format_total(s.range.0 + 1), s.format_total(s.range.1)));
                            None
                        }
                    }
                });
                let response_milli = response.and_then(|x| {
                    let p = path("response_reduction");
                    if higher_is == HigherIs::Better {
                        self.err(&p, tr!("`response_reduction` on `{}`, whose higher totals are better", "`{}` 的总分越高越好，不能有 `response_reduction`", s.id));
                        return None;
                    }
                    match to_units(x, 3) {
                        Some(m) if m > 0 && m <= 1000 => Some(m),
                        _ => {
                            self.err(&p, tr!("`response_reduction: {x}` is not a fraction of baseline", "`response_reduction: {x}` 不是基线的比例"))
                                .expected = Some(tr!("a number above 0 and at most 1 with at most 3 decimals (0.5 = 50 %)", "大于 0、不超过 1、最多 3 位小数的数（0.5 = 50 %）"));
                            None
                        }
                    }
                });
                if (remission_below.is_some() || response_milli.is_some() || clinical_from.is_some())
                    && source.as_deref().is_none_or(|t| t.trim().is_empty())
                {
                    self.err("change", tr!("scale `{}`: cut-offs for change without a `source:`", "分量表 `{}`：变化的划界分没有 `source:`", s.id))
                        .expected = Some(tr!("`source: \"author, year, journal\"` in `change:`", "在 `change:` 中写 `source: \"作者, 年份, 期刊\"`"));
                }
                ScaleChange {
                    higher_is,
                    reliability,
                    sd,
                    reliable_change,
                    clinical_from,
                    remission_below,
                    response_milli,
                    source,
                }
            })
            .collect();
        Some(Change { scales: out })
    }

    /// A clinical cut-off as a total: a band's first total from the
    /// healthy end, or a total that leaves someone on each side.
    fn cutoff(&mut self, c: &RawCutoff, s: &Scale, higher_is: HigherIs, p: &str) -> Option<i64> {
        let units = match c {
            RawCutoff::Band(label) => {
                let Some(b) = s.bands.iter().find(|b| &b.label == label) else {
                    self.err(
                        p,
                        tr!(
                            "scale `{}` has no band `{label}`",
                            "分量表 `{}` 没有分级 `{label}`",
                            s.id
                        ),
                    )
                    .expected = Some(
                        s.bands
                            .iter()
                            .map(|b| b.label.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                    return None;
                };
                match higher_is {
                    HigherIs::Worse => b.min,
                    HigherIs::Better => b.max,
                }
            }
            RawCutoff::Total(x) => {
                let Some(u) = to_units(*x, s.decimals) else {
                    self.err(
                        p,
                        tr!(
                            "`clinical_cutoff: {x}` has more decimals than `{}`'s totals",
                            "`clinical_cutoff: {x}` 的小数位比 `{}` 的总分多",
                            s.id
                        ),
                    );
                    return None;
                };
                u
            }
        };
        let (lo, hi) = s.range;
        let inside = match higher_is {
            HigherIs::Worse => units > lo && units <= hi,
            HigherIs::Better => units >= lo && units < hi,
        };
        if !inside {
            self.err(p, tr!("the clinical range of `{}` would start at {}: nobody would be on one side of it", "`{}` 的临床范围将从 {} 开始：其一侧不会有任何人", s.id, s.format_total(units)))
                .expected = Some(tr!("a band or total with totals on both sides (not the band at the healthy end)", "两侧都有总分的分级或总分（不是健康一端的分级）"));
            return None;
        }
        Some(units)
    }

    fn sourced(
        &mut self,
        raw: Option<RawSourced>,
        path: &str,
        what: &str,
        check: impl Fn(f64) -> Result<(), &'static str>,
    ) -> Option<Sourced> {
        let r = raw?;
        let mut ok = true;
        if let Err(expected) = check(r.value) {
            self.err(
                &format!("{path}.value"),
                tr!("{what} {} is out of range", "{what} {} 超出范围", r.value),
            )
            .expected = Some(expected.into());
            ok = false;
        }
        if r.source.trim().is_empty() {
            self.err(
                &format!("{path}.source"),
                tr!(
                    "{what} without a source: a published value names where it was published",
                    "{what}没有来源：已发表的数值须写明发表出处"
                ),
            )
            .expected = Some(tr!(
                "\"author, year, journal, table\"",
                "\"作者, 年份, 期刊, 表\""
            ));
            ok = false;
        }
        ok.then_some(Sourced {
            value: r.value,
            kind: r.kind,
            source: r.source,
        })
    }
}

/// `instruments show`: the change facts with their sources, or what
/// `psyscreen change` will ask for.
pub fn describe(inst: &super::Instrument, lang: super::Lang, s: &mut String) {
    use std::fmt::Write as _;
    let zh = lang == super::Lang::Zh;
    let _ = writeln!(
        s,
        "\n{}:",
        if zh {
            "随访变化（psyscreen change）"
        } else {
            "Change over time (psyscreen change)"
        }
    );
    let Some(change) = &inst.change else {
        let _ = writeln!(
            s,
            "  {}",
            if zh {
                "未声明：请为 change 给出 --reliability 与 --sd，或 --reliable-change，以及方向"
            } else {
                "not declared: `change` needs --reliability and --sd, or --reliable-change (and the direction, in the file's change: block)"
            }
        );
        return;
    };
    let sourced = |x: &Sourced| match &x.kind {
        Some(k) => format!("{} ({k}; {})", x.value, x.source),
        None => format!("{} ({})", x.value, x.source),
    };
    for (sc, c) in inst.scales.iter().zip(&change.scales) {
        let _ = writeln!(s, "  {}:", sc.id);
        let dir = match (c.higher_is, zh) {
            (HigherIs::Worse, false) => "higher is worse",
            (HigherIs::Better, false) => "higher is better",
            (HigherIs::Worse, true) => "分数越高越差",
            (HigherIs::Better, true) => "分数越高越好",
        };
        let _ = writeln!(s, "    {dir}");
        let none = if zh {
            "未给出：由 --reliability/--sd 或 --reliable-change 提供"
        } else {
            "none published here: give --reliability and --sd, or --reliable-change"
        };
        match (&c.reliable_change, &c.reliability, &c.sd) {
            (Some(t), _, _) => {
                let _ = writeln!(
                    s,
                    "    {}: |change| >= {}",
                    if zh {
                        "可靠变化"
                    } else {
                        "reliable change"
                    },
                    sourced(t)
                );
            }
            (None, Some(r), Some(sd)) => {
                let _ = writeln!(s, "    {}: RC = (x2 - x1) / (sqrt(2) * SD * sqrt(1 - r)), |RC| > 1.96; r = {}; SD = {}", if zh { "可靠变化" } else { "reliable change" }, sourced(r), sourced(sd));
            }
            (None, r, sd) => {
                let _ = writeln!(
                    s,
                    "    {}: {none}",
                    if zh {
                        "可靠变化"
                    } else {
                        "reliable change"
                    }
                );
                for (what, x) in [("r", r), ("SD", sd)] {
                    if let Some(x) = x {
                        let _ = writeln!(s, "      {what} = {}", sourced(x));
                    }
                }
            }
        }
        if let Some(u) = c.clinical_from {
            let (op, zh_op) = match c.higher_is {
                HigherIs::Worse => (">=", "≥"),
                HigherIs::Better => ("<=", "≤"),
            };
            if zh {
                let _ = writeln!(s, "    临床范围：总分 {zh_op} {}", sc.format_total(u));
            } else {
                let _ = writeln!(s, "    clinical range: total {op} {}", sc.format_total(u));
            }
        }
        if let Some(u) = c.remission_below {
            let _ = writeln!(
                s,
                "    {}: < {}",
                if zh { "缓解" } else { "remission" },
                sc.format_total(u)
            );
        }
        if let Some(m) = c.response_milli {
            let _ = writeln!(
                s,
                "    {}: >= {}% {}",
                if zh { "应答" } else { "response" },
                m as f64 / 10.0,
                if zh {
                    "较基线下降"
                } else {
                    "reduction from baseline"
                }
            );
        }
        if let Some(src) = &c.source {
            let _ = writeln!(s, "    {}: {src}", if zh { "来源" } else { "source" });
        }
    }
}

fn own_has(own: Option<&RawScaleChange>, key: &str) -> bool {
    own.is_some_and(|o| match key {
        "reliability" => o.reliability.is_some(),
        "sd" => o.sd.is_some(),
        "reliable_change" => o.reliable_change.is_some(),
        "clinical_cutoff" => o.clinical_cutoff.is_some(),
        "remission_below" => o.remission_below.is_some(),
        "response_reduction" => o.response_reduction.is_some(),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::instrument::load_str;

    const HEAD: &str = "id: t\nversion: \"1\"\nname: {en: T}\ncitation: c\nlicense: l\nresponse_sets:\n  f: [{value: 0, label: {en: a}}, {value: 1, label: {en: b}}, {value: 2, label: {en: c}}, {value: 3, label: {en: d}}]\nitems:\n  - {id: t_1, text: {en: x}, responses: f}\n  - {id: t_2, text: {en: y}, responses: f}\nscales:\n  - id: t\n    items: [t_1, t_2]\n    method: sum\n    missing: {max_missing: 0}\n    bands:\n      - {min: 0, max: 2, label: low}\n      - {min: 3, max: 6, label: high}\n";

    fn errors(change: &str) -> Vec<String> {
        match load_str("t.yaml", &format!("{HEAD}{change}"), "test") {
            Ok(_) => vec![],
            Err(d) => d.iter().map(|d| d.message.clone()).collect(),
        }
    }

    #[test]
    fn a_checked_block_resolves_bands_and_units() {
        let src = format!("{HEAD}change:\n  higher_is: worse\n  reliable_change: {{value: 2, source: \"s\"}}\n  clinical_cutoff: high\n  remission_below: 2\n  response_reduction: 0.5\n  source: \"s\"\n");
        let inst = load_str("t.yaml", &src, "test").unwrap();
        let c = &inst.change.unwrap().scales[0];
        assert_eq!(c.clinical_from, Some(3), "band `high` starts at 3");
        assert_eq!(c.remission_below, Some(2));
        assert_eq!(c.response_milli, Some(500));
        assert_eq!(c.reliable_change.as_ref().unwrap().value, 2.0);
    }

    #[test]
    fn bad_values_are_located_errors() {
        let e = errors("change:\n  higher_is: worse\n  reliability: {value: 1.2, source: \"\"}\n");
        assert!(
            e.iter()
                .any(|m| m.contains("reliability 1.2 is out of range")),
            "{e:?}"
        );
        assert!(e.iter().any(|m| m.contains("without a source")), "{e:?}");
        let e = errors("change:\n  reliable_change: {value: 2, source: s}\n");
        assert!(e.iter().any(|m| m.contains("says not which way")), "{e:?}");
        let e = errors("change:\n  higher_is: worse\n  clinical_cutoff: low\n  source: s\n");
        assert!(
            e.iter().any(|m| m.contains("nobody would be on one side")),
            "{e:?}"
        );
        let e = errors("change:\n  higher_is: worse\n  clinical_cutoff: 7\n  source: s\n");
        assert!(
            e.iter().any(|m| m.contains("nobody would be on one side")),
            "{e:?}"
        );
        let e = errors("change:\n  higher_is: worse\n  clinical_cutoff: huge\n  source: s\n");
        assert!(e.iter().any(|m| m.contains("no band `huge`")), "{e:?}");
        let e = errors("change:\n  higher_is: better\n  remission_below: 2\n  source: s\n");
        assert!(
            e.iter().any(|m| m.contains("higher totals are better")),
            "{e:?}"
        );
        let e = errors("change:\n  higher_is: worse\n  remission_below: 2\n");
        assert!(e.iter().any(|m| m.contains("without a `source:`")), "{e:?}");
        let e = errors("change:\n  higher_is: worse\n  scales: {nope: {higher_is: better}}\n");
        assert!(e.iter().any(|m| m.contains("scale `nope`")), "{e:?}");
        let e = errors("change:\n  higher_is: sideways\n");
        assert!(!e.is_empty());
    }
}
