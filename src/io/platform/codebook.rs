//! The code-book check: before anything is scored, do the numbers in a
//! platform export's item columns mean what the instrument's values
//! mean? Platforms number choices 1..k unless the survey recoded them
//! (Qualtrics recode values, wjx 按选项序号, SurveyMonkey numerical
//! values), so a PHQ-9 exported as 1–4 would be scored one point high on
//! every item, its 4s lost as invalid. Looked at once, on the rows read
//! ahead at open (`SAMPLE`); never per cell while scoring.

use std::collections::BTreeMap;

use crate::io::fields::Record;

use super::{Layout, Platform};
use crate::instrument::{normalize_label, typed_number, Instrument, Lang, ResponseSet};
use crate::io::cells::AnswerReader;
use crate::io::columns::ColumnPlan;
use crate::messages::tr;
use crate::score::Answer;
use crate::score::Battery;

/// One instrument whose numbers do not fit its codes.
#[derive(Debug, PartialEq, Eq)]
pub struct Finding {
    /// What was seen and why it is wrong, with the evidence.
    pub message: String,
}

/// Numbers seen in one response set's columns: value → (cells, first
/// row, first column).
type Seen = BTreeMap<i64, (u64, u64, usize)>;

/// Check the numbers of `sample` (rows with their numbers) in the item
/// columns of `plan`. `one_based`: the user said numbers are option
/// positions, so they are not values to check.
pub fn check<'r>(
    layout: &Layout,
    plan: &ColumnPlan,
    battery: &Battery,
    sample: impl Iterator<Item = (&'r Record, u64)> + Clone,
    one_based: bool,
    mapped: &[String],
) -> Vec<Finding> {
    if one_based {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for inst in &battery.instruments {
        if layout.proven.contains(&inst.id) {
            continue; // the labels export showed what its codes mean
        }
        // one check per response set of the instrument
        for (s, set) in inst.response_sets.iter().enumerate() {
            let columns: Vec<usize> = battery
                .items()
                .filter(|(_, i, item)| std::ptr::eq(*i, inst) && item.set == s)
                .filter_map(|(g, _, _)| plan.items[g].map(|(c, _)| c))
                .collect();
            if columns.is_empty() {
                continue;
            }
            let mut seen = Seen::new();
            let mut answer_codes: BTreeMap<String, (u64, u64)> = BTreeMap::new();
            for (rec, row) in sample.clone() {
                for &c in &columns {
                    let Some(cell) = rec.get(c) else { continue };
                    let text = String::from_utf8_lossy(cell);
                    if let Some(n) = typed_number(text.trim()) {
                        let e = seen.entry(n).or_insert((0, row, c));
                        e.0 += 1;
                    } else if layout.platform == Platform::Limesurvey
                        && answer_code(text.trim())
                        && !mapped.contains(&normalize_label(text.trim()))
                    {
                        answer_codes
                            .entry(text.trim().to_string())
                            .or_insert((0, row))
                            .0 += 1;
                    }
                }
            }
            if let Some(f) = judge(layout, inst, set, &seen) {
                findings.push(f);
            } else if !answer_codes.is_empty() {
                findings.push(short_answers(inst, set, &answer_codes));
            }
        }
    }
    findings
}

fn judge(layout: &Layout, inst: &Instrument, set: &ResponseSet, seen: &Seen) -> Option<Finding> {
    if seen.is_empty() {
        return None;
    }
    let is_value = |n: i64| i32::try_from(n).is_ok_and(|v| set.contains(v));
    let foreign: Vec<i64> = seen.keys().copied().filter(|&n| !is_value(n)).collect();
    let shifted = seen
        .keys()
        .all(|&n| i32::try_from(n - 1).is_ok_and(|v| set.contains(v)));
    let lowest_missing = !seen.contains_key(&i64::from(set.min));
    let name = inst.short_name(crate::messages::lang());
    let (evidence, codes) = (evidence(seen), codes(set));
    let platform = platform_numbers(layout.platform);
    let k = set.options.len();
    let message = if !foreign.is_empty() && shifted {
        let (lo, hi) = (seen.keys().next()?, seen.keys().last()?);
        tr!(
            "{name}: the export's numbers run {lo}–{hi}, one above {name}'s codes ({codes}): {evidence}. {platform} Scored as they are, every answer would count one point high and each {hi} would be lost as invalid, so nothing was scored. Export the choice texts (labels) instead; or, if {lo} means the first option, give --one-based; if the codes run the other way (the first option exported as {hi}), fix the recode in the platform.",
            "{name}：导出的数字为 {lo}–{hi}，比 {name} 的计分（{codes}）高一：{evidence}。{platform}照原样计分，每题都会多算一分，{hi} 还会按无效计，所以没有计分。请改为导出选项文本；若 {lo} 表示第一个选项，请加 --one-based；若编码方向相反（第一个选项导出为 {hi}），请在平台上改正编码。"
        )
    } else if !foreign.is_empty() {
        let list = foreign
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        tr!(
            "{name}: the export has numbers that are not {name}'s codes ({codes}): {list}; all numbers seen: {evidence}. The platform's code book does not match the instrument, so nothing was scored. Export the choice texts (labels) instead, or recode the choices in the platform (or give --codes-as-is to score the numbers as they are, the others counted as invalid).",
            "{name}：导出中有不属于 {name} 计分（{codes}）的数字：{list}；所见数字：{evidence}。平台的编码与量表不符，所以没有计分。请改为导出选项文本，或在平台上改正选项编码（或加 --codes-as-is 照原样计分，其余按无效计）。"
        )
    } else if layout.numbers_from_one && set.min == 0 && lowest_missing {
        let (min, max, top) = (set.min, set.max, k);
        tr!(
            "{name}: no {min} among the export's numbers ({evidence}), and {platform} numbers options 1–{top} unless recoded: these may be option numbers (1 = the first option), not {name}'s codes {min}–{max} ({codes}). Nothing was scored. Export the choice texts (labels); or give --one-based if 1 means the first option, or --codes-as-is if the numbers are {name}'s own codes.",
            "{name}：导出的数字中没有 {min}（{evidence}），而{platform}默认把选项编为 1–{top}：这些可能是选项序号（1 = 第一个选项），不是 {name} 的计分 {min}–{max}（{codes}）。没有计分。请导出选项文本；若 1 表示第一个选项，请加 --one-based；若这些数字就是 {name} 的计分，请加 --codes-as-is。"
        )
    } else {
        return None;
    };
    Some(Finding { message })
}

/// The same responses in two exports, paired row by row: one with the
/// numbers (`codes`), one with the choice labels (`labels`, a platform's
/// second download). What each code stands for is read off the labels:
/// a code that does not stand for the instrument's value of that label
/// (or, with `one_based`, for the option at that position) is a finding
/// with the evidence, and nothing is scored. Returns the findings and the
/// instruments whose codes were shown to be right.
pub fn cross_check(
    battery: &Battery,
    (codes, labels): (&ColumnPlan, &ColumnPlan),
    rows: &[(&Record, &Record)],
    one_based: bool,
) -> (Vec<Finding>, Vec<String>) {
    let reader = AnswerReader::new(battery, &[], false);
    let (mut findings, mut proven) = (Vec::new(), Vec::new());
    for inst in &battery.instruments {
        // code → label value → cells, over every item of the instrument
        let mut meaning: BTreeMap<i64, BTreeMap<i32, u64>> = BTreeMap::new();
        let mut sets = Vec::new();
        for (g, i, item) in battery.items() {
            if !std::ptr::eq(i, inst) {
                continue;
            }
            let (Some((cc, _)), Some((lc, _))) = (codes.items[g], labels.items[g]) else {
                continue;
            };
            if !sets.contains(&item.set) {
                sets.push(item.set);
            }
            for (crec, lrec) in rows {
                let (Some(c), Some(l)) = (crec.get(cc), lrec.get(lc)) else {
                    continue;
                };
                let text = String::from_utf8_lossy(l);
                let Some(code) = typed_number(String::from_utf8_lossy(c).trim()) else {
                    continue;
                };
                if typed_number(text.trim()).is_some() {
                    continue; // a number is no label
                }
                if let Answer::Value(v) = reader.read(g, l) {
                    *meaning.entry(code).or_default().entry(v).or_default() += 1;
                }
            }
        }
        // one response set per instrument is what the check can speak for
        let [s] = sets[..] else { continue };
        if meaning.is_empty() {
            continue;
        }
        let set = &inst.response_sets[s];
        match judge_meaning(inst, set, &meaning, one_based) {
            Some(f) => findings.push(f),
            None => proven.push(inst.id.clone()),
        }
    }
    (findings, proven)
}

fn judge_meaning(
    inst: &Instrument,
    set: &ResponseSet,
    meaning: &BTreeMap<i64, BTreeMap<i32, u64>>,
    one_based: bool,
) -> Option<Finding> {
    let lang = crate::messages::lang();
    let values: Vec<i32> = set.options.iter().map(|o| o.value).collect();
    let expected = |code: i64| -> Option<i32> {
        if one_based {
            let at = usize::try_from(code.checked_sub(1)?).ok()?;
            values.get(at).copied()
        } else {
            i32::try_from(code).ok().filter(|v| set.contains(*v))
        }
    };
    let label = |v: i32| {
        set.options
            .iter()
            .find(|o| o.value == v)
            .map_or(String::new(), |o| o.label.get(lang).to_string())
    };
    let fits = meaning
        .iter()
        .all(|(&code, vs)| vs.len() == 1 && vs.keys().all(|&v| Some(v) == expected(code)));
    if fits {
        return None;
    }
    let evidence = meaning
        .iter()
        .flat_map(|(code, vs)| {
            vs.iter()
                .map(move |(v, n)| (code, *v, n))
                .collect::<Vec<_>>()
        })
        .map(|(code, v, n)| {
            let l = label(v);
            tr!("{code} = \"{l}\" ({v}) ×{n}", "{code} =「{l}」（{v}）×{n}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let positions = !one_based
        && meaning.iter().all(|(&code, vs)| {
            let at = usize::try_from(code - 1).ok();
            vs.len() == 1 && vs.keys().all(|v| at.and_then(|a| values.get(a)) == Some(v))
        });
    let name = inst.short_name(lang);
    let fix = if positions {
        tr!(
            " Every code is its option's position (1 = the first option): give --one-based, or score the labels export.",
            "每个编码都是选项的序号（1 = 第一个选项）：请加 --one-based，或对标签导出计分。"
        )
    } else {
        tr!(
            " Score the labels export instead, or fix the codes in the platform.",
            "请改为对标签导出计分，或在平台上改正编码。"
        )
    };
    let codes = codes(set);
    Some(Finding {
        message: tr!(
            "{name}: the labels export shows what the export's codes stand for, and they are not {name}'s codes ({codes}): {evidence}. Nothing was scored.{fix}",
            "{name}：标签导出显示了编码所代表的答案，它们不是 {name} 的计分（{codes}）：{evidence}。没有计分。{fix}"
        ),
    })
}

/// `A1`, `AO02`: a LimeSurvey answer code (letters, then digits).
fn answer_code(text: &str) -> bool {
    let digits = text.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    digits.len() < text.len() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// LimeSurvey "short answers": the answer codes the survey gave its
/// options, which say nothing of the instrument's values.
fn short_answers(
    inst: &Instrument,
    set: &ResponseSet,
    seen: &BTreeMap<String, (u64, u64)>,
) -> Finding {
    let name = inst.short_name(crate::messages::lang());
    let evidence = seen
        .iter()
        .map(|(code, (n, row))| {
            tr!(
                "{code} ×{n} (first in row {row})",
                "{code} ×{n}（首见于第 {row} 行）"
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let codes = codes(set);
    Finding {
        message: tr!(
            "{name}: the export has LimeSurvey answer codes ({evidence}), not {name}'s codes ({codes}): it was exported with short answers. Nothing was scored: export with full answers (the answer texts), or map each code in --map (values: {{A1: 0, …}}).",
            "{name}：导出中是 LimeSurvey 的答案代码（{evidence}），不是 {name} 的计分（{codes}）：导出时选了简短答案。没有计分：请以完整答案（答案文字）导出，或在 --map 中为每个代码指定分值（values: {{A1: 0, …}}）。"
        ),
    }
}

/// `1 ×12 (first in row 4), 2 ×9, …`
fn evidence(seen: &Seen) -> String {
    seen.iter()
        .map(|(n, (count, row, _))| {
            tr!(
                "{n} ×{count} (first in row {row})",
                "{n} ×{count}（首见于第 {row} 行）"
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `0 = Not at all, 1 = Several days, …` in the run's language.
fn codes(set: &ResponseSet) -> String {
    let lang = crate::messages::lang();
    set.options
        .iter()
        .map(|o| format!("{} = {}", o.value, o.label.get(lang)))
        .collect::<Vec<_>>()
        .join(match lang {
            Lang::En => ", ",
            Lang::Zh => "，",
        })
}

/// How the platform numbers choices, for the message.
fn platform_numbers(p: Platform) -> String {
    match p {
        Platform::Qualtrics => tr!(
            "Qualtrics exports each choice's recode value, 1..k unless the survey's \"Recode values\" set others.",
            "Qualtrics 导出每个选项的编码值（recode value），未在“Recode values”中改过时为 1..k。"
        ),
        Platform::Wjx => tr!(
            "wjx's 按选项序号 download numbers options from 1.",
            "问卷星“按选项序号”下载把选项从 1 编号。"
        ),
        Platform::Surveymonkey => tr!(
            "SurveyMonkey's numerical values number choices from 1.",
            "SurveyMonkey 的数值导出把选项从 1 编号。"
        ),
        Platform::Tencent => tr!(
            "腾讯问卷's coded export numbers options from 1.",
            "腾讯问卷的编码导出把选项从 1 编号。"
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(p: Platform) -> Layout {
        let mut l = Layout::new(p, "test", "测试");
        l.numbers_from_one = true;
        l
    }

    fn run(rows: &[&[&str]], l: &Layout) -> Vec<String> {
        let battery = Battery::new(crate::instrument::resolve(&["phq2".to_string()]).unwrap());
        let headers: Vec<String> = ["id", "phq2_1", "phq2_2"].map(String::from).into();
        let plan =
            crate::io::columns::plan("t", &headers, &[], &battery, &Default::default()).unwrap();
        let recs: Vec<(Record, u64)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (Record::from(r.to_vec()), i as u64 + 2))
            .collect();
        check(
            l,
            &plan,
            &battery,
            recs.iter().map(|(r, n)| (r, *n)),
            false,
            &[],
        )
        .into_iter()
        .map(|f| f.message)
        .collect()
    }

    #[test]
    fn codes_one_above_are_stopped_with_the_evidence() {
        let f = run(
            &[&["a", "1", "2"], &["b", "4", "1"], &["c", "3", "1"]],
            &layout(Platform::Qualtrics),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].starts_with("PHQ-2: the export's numbers run 1–4, one above PHQ-2's codes (0 = Not at all, 1 = Several days, 2 = More than half the days, 3 = Nearly every day): 1 ×3 (first in row 2), 2 ×1 (first in row 2), 3 ×1 (first in row 4), 4 ×1 (first in row 3)."), "{}", f[0]);
    }

    #[test]
    fn numbers_that_fit_pass_and_no_zero_is_asked_about() {
        let l = layout(Platform::Wjx);
        assert!(run(&[&["a", "0", "2"], &["b", "3", "1"]], &l).is_empty());
        let f = run(&[&["a", "1", "2"], &["b", "3", "1"]], &l);
        assert!(
            f[0].starts_with("PHQ-2: no 0 among the export's numbers"),
            "{}",
            f[0]
        );
        // a platform that keeps the codes it was given: no question
        assert!(run(
            &[&["a", "1", "2"]],
            &Layout::new(Platform::Redcap, "raw", "原始")
        )
        .is_empty());
        // labels are not numbers
        assert!(run(&[&["a", "Not at all", "Several days"]], &l).is_empty());
    }

    fn cross(codes: &[&[&str]], labels: &[&[&str]], one_based: bool) -> (Vec<String>, Vec<String>) {
        let battery = Battery::new(crate::instrument::resolve(&["phq2".to_string()]).unwrap());
        let headers: Vec<String> = ["id", "phq2_1", "phq2_2"].map(String::from).into();
        let plan =
            crate::io::columns::plan("t", &headers, &[], &battery, &Default::default()).unwrap();
        let c: Vec<Record> = codes.iter().map(|r| Record::from(r.to_vec())).collect();
        let l: Vec<Record> = labels.iter().map(|r| Record::from(r.to_vec())).collect();
        let rows: Vec<(&Record, &Record)> = c.iter().zip(&l).collect();
        let (f, proven) = cross_check(&battery, (&plan, &plan), &rows, one_based);
        (f.into_iter().map(|f| f.message).collect(), proven)
    }

    #[test]
    fn labels_show_what_codes_mean() {
        // Not at all exported as 4, Several days as 3: reversed
        let (f, proven) = cross(
            &[&["a", "4", "3"], &["b", "1", "4"]],
            &[
                &["a", "Not at all", "Several days"],
                &["b", "Nearly every day", "Not at all"],
            ],
            false,
        );
        assert!(proven.is_empty());
        assert_eq!(f[0], "PHQ-2: the labels export shows what the export's codes stand for, and they are not PHQ-2's codes (0 = Not at all, 1 = Several days, 2 = More than half the days, 3 = Nearly every day): 1 = \"Nearly every day\" (3) ×1, 3 = \"Several days\" (1) ×1, 4 = \"Not at all\" (0) ×2. Nothing was scored. Score the labels export instead, or fix the codes in the platform.");
        // codes that are positions: --one-based is the fix, and then they fit
        let codes: &[&[&str]] = &[&["a", "1", "2"], &["b", "4", "1"]];
        let labels: &[&[&str]] = &[
            &["a", "Not at all", "Several days"],
            &["b", "Nearly every day", "Not at all"],
        ];
        let (f, _) = cross(codes, labels, false);
        assert!(f[0].ends_with("Every code is its option's position (1 = the first option): give --one-based, or score the labels export."), "{}", f[0]);
        assert_eq!(
            cross(codes, labels, true),
            (vec![], vec!["phq2".to_string()])
        );
        // codes that are the values: shown right
        let (f, proven) = cross(
            &[&["a", "0", "1"]],
            &[&["a", "Not at all", "Several days"]],
            false,
        );
        assert!(f.is_empty());
        assert_eq!(proven, ["phq2"]);
    }

    #[test]
    fn limesurvey_short_answers_are_named() {
        let l = Layout::new(Platform::Limesurvey, "full headings", "完整表头");
        let f = run(&[&["1", "A1", "A2"], &["2", "A4", "A1"]], &l);
        assert!(f[0].starts_with("PHQ-2: the export has LimeSurvey answer codes (A1 ×2 (first in row 2), A2 ×1 (first in row 2), A4 ×1 (first in row 3)), not PHQ-2's codes"), "{}", f[0]);
        // labels are no codes
        assert!(run(&[&["1", "Not at all", "Several days"]], &l).is_empty());
        assert!(
            answer_code("AO01") && !answer_code("A") && !answer_code("12") && !answer_code("Yes")
        );
    }

    #[test]
    fn foreign_numbers_are_named() {
        let f = run(
            &[&["a", "7", "0"], &["b", "1", "2"]],
            &Layout::new(Platform::Redcap, "raw", "原始"),
        );
        assert!(
            f[0].starts_with("PHQ-2: the export has numbers that are not PHQ-2's codes"),
            "{}",
            f[0]
        );
        assert!(f[0].contains(": 7; all numbers seen: 0 ×1"), "{}", f[0]);
    }
}
