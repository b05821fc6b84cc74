//! What the front-ends say, in English and Chinese: messages, wrapping by
//! display width (CJK = 2 columns), the crisis text and the result tables.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use super::session::{FiredEarlier, Now, Session, TakenBack};
use super::Summary;
use crate::hotlines::Hotlines;
use crate::instrument::{Lang, ResponseSet};
use crate::policy::{Bound, Policy};
use crate::printable::{printable, printable_line};
use crate::score::Battery;

/// Pick the text for `lang`.
pub fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// What keeping the answers on quitting is for: resuming, or (without a
/// respondent id) only not losing them.
pub fn keep_how(lang: Lang, resumable: bool) -> &'static str {
    match (lang, resumable) {
        (Lang::En, true) => "to resume later",
        (Lang::En, false) => "in a file (without --respondent they cannot be resumed)",
        (Lang::Zh, true) => "以便稍后继续",
        (Lang::Zh, false) => "于文件中（未指定 --respondent，无法继续作答）",
    }
}

/// Said at the start of a session without `--append`.
pub fn not_saved_note(lang: Lang) -> &'static str {
    tr(
        lang,
        "note: no --append FILE: the answers will not be saved anywhere, only shown at the end. To keep a row, quit (q) and start again with --append FILE.",
        "注意：未指定 --append FILE，作答不会保存到任何地方，只在结束时显示。如需保存，请退出（q）并加上 --append FILE 重新开始。",
    )
}

/// Display width in terminal columns.
pub fn width(s: &str) -> usize {
    s.width()
}

/// Closing punctuation that must not start a line.
fn no_break_before(c: char) -> bool {
    "，。、；：？！）》」』”’,.;:?!)".contains(c)
}

/// Wrap `text` to lines of at most `cols` columns: at spaces, and between
/// wide (CJK) characters; a word longer than a line is cut. Terminal control
/// characters are replaced first, so they are neither printed nor counted.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(8);
    let text = printable(text);
    let mut out = Vec::new();
    for para in text.split('\n') {
        // segments: a word of narrow characters, one wide character, or a space
        let mut segs: Vec<String> = Vec::new();
        for c in para.chars() {
            let wide = c.width().unwrap_or(0) >= 2;
            match segs.last_mut() {
                Some(last) if no_break_before(c) && last != " " => last.push(c),
                Some(last)
                    if !wide
                        && c != ' '
                        && last != " "
                        && !last.chars().any(|l| l.width().unwrap_or(0) >= 2) =>
                {
                    last.push(c)
                }
                _ => segs.push(c.to_string()),
            }
        }
        let mut line = String::new();
        let mut w = 0;
        let mut space = false;
        for seg in segs {
            if seg == " " {
                space = w > 0;
                continue;
            }
            let sw = width(&seg);
            if w > 0 && w + usize::from(space) + sw > cols {
                out.push(std::mem::take(&mut line));
                w = 0;
                space = false;
            }
            if space {
                line.push(' ');
                w += 1;
                space = false;
            }
            if sw <= cols - w {
                line.push_str(&seg);
                w += sw;
                continue;
            }
            for c in seg.chars() {
                let cw = c.width().unwrap_or(0);
                if w + cw > cols && w > 0 {
                    out.push(std::mem::take(&mut line));
                    w = 0;
                }
                line.push(c);
                w += cw;
            }
        }
        out.push(line);
    }
    out
}

/// Wrap with `prefix` on the first line and its width in spaces after.
pub fn wrap_hanging(prefix: &str, text: &str, cols: usize) -> Vec<String> {
    let pw = width(prefix);
    let lines = wrap(text, cols.saturating_sub(pw).max(8));
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{prefix}{l}")
            } else {
                format!("{}{l}", " ".repeat(pw))
            }
        })
        .collect()
}

/// The keys that answer at once: option values 0–9, as "0–3" or "0/2/5".
pub fn digit_keys(set: &ResponseSet) -> Option<String> {
    let mut d: Vec<i32> = set
        .options
        .iter()
        .map(|o| o.value)
        .filter(|v| (0..=9).contains(v))
        .collect();
    d.sort_unstable();
    match (d.first(), d.last()) {
        (Some(a), Some(b)) if usize::try_from(b - a).ok() == Some(d.len() - 1) && d.len() > 1 => {
            Some(format!("{a}–{b}"))
        }
        (Some(_), _) => Some(d.iter().map(i32::to_string).collect::<Vec<_>>().join("/")),
        _ => None,
    }
}

/// The crisis texts and the hotlines that go with them.
#[derive(Debug, Clone)]
pub struct Crisis {
    pub title: String,
    /// The title when the protocol is shown at the end of a session.
    pub reminder: String,
    /// What the respondent reads on the crisis screen: never the protocol.
    pub message: String,
    /// The staff protocol: shown once the session is over, for the counselor.
    pub staff: String,
    pub lines_heading: String,
    /// `name  number (hours)`.
    pub lines: Vec<String>,
    /// `number  name`, for a small screen.
    pub lines_short: Vec<String>,
}

pub fn crisis(policy: &Policy, hotlines: &Hotlines, lang: Lang) -> Crisis {
    let message = printable(policy.crisis_respondent(lang)).into_owned();
    let staff = printable(policy.crisis_staff(lang)).into_owned();
    // never an empty list: without a line for the policy's regions, the
    // international ones, and the heading says so
    let crisis_lines = hotlines.for_crisis(&policy.crisis_regions);
    let found = crisis_lines.lines;
    Crisis {
        title: tr(
            lang,
            "!! CRISIS: read this before going on !!",
            "!! 危机提示：请先阅读 !!",
        )
        .into(),
        reminder: tr(
            lang,
            "!! CRISIS (for staff): act on this now !!",
            "!! 危机提示（工作人员）：请立即处理 !!",
        )
        .into(),
        message,
        staff,
        lines_heading: match (lang, crisis_lines.fallback) {
            (Lang::En, false) => format!("Crisis lines (list verified {}):", hotlines.verified),
            (Lang::Zh, false) => format!("危机热线（列表核实于 {}）：", hotlines.verified),
            (Lang::En, true) => format!(
                "International crisis lines (none listed for {}; list verified {}):",
                policy.crisis_regions.join(", "),
                hotlines.verified
            ),
            (Lang::Zh, true) => format!(
                "国际危机热线（未收录 {} 的热线；列表核实于 {}）：",
                policy.crisis_regions.join("、"),
                hotlines.verified
            ),
        },
        lines: found
            .iter()
            .map(|l| printable_line(&l.one_line(lang)).into_owned())
            .collect(),
        lines_short: found
            .iter()
            .map(|l| printable_line(&format!("{}  {}", l.number, l.name.get(lang))).into_owned())
            .collect(),
    }
}

/// The staff protocol and every crisis line as plain text, at most `cols`
/// wide: printed when a session at the top level ends, for the counselor,
/// so it stays on the screen (and in the scrollback) after the question
/// screens close.
pub fn crisis_block(c: &Crisis, cols: usize) -> String {
    let rule = "=".repeat(cols.min(78));
    let mut out = vec![rule.clone()];
    out.extend(wrap(&c.reminder, cols));
    out.push(rule);
    out.extend(wrap(&c.staff, cols));
    out.extend(wrap(&c.lines_heading, cols));
    for l in &c.lines {
        out.extend(wrap_hanging("  - ", l, cols));
    }
    out.join("\n") + "\n"
}

/// Why a session keeps a level its final answers do not reach: one reason
/// per answer a top-level rule fired on and that was then changed, e.g.
/// `PHQ-9 item 9 answered 2, then changed to 0`.
pub fn taken_back(session: &Session<'_>, bound: &Bound, t: &TakenBack, lang: Lang) -> Vec<String> {
    if t.changes.is_empty() {
        // no answer it reads changed (a value it reads came through skip
        // logic): name the rule; `; ` separates reasons in a row
        let rule = bound.rules[t.rule].reason.get(lang).replace("; ", ", ");
        return vec![match lang {
            Lang::En => format!("{rule} (during the session, not with the final answers)"),
            Lang::Zh => format!("{rule}（作答过程中曾触发，最终答案未触发）"),
        }];
    }
    t.changes
        .iter()
        .map(|c| {
            let (_, inst, index, _) = session.item(c.item);
            let item = inst.item_name(index, lang);
            let was = c.was;
            match (lang, c.now) {
                (Lang::En, Now::Value(v)) => format!("{item} answered {was}, then changed to {v}"),
                (Lang::En, Now::Missing) => format!("{item} answered {was}, then skipped"),
                (Lang::En, Now::NotAsked) => {
                    format!("{item} answered {was}, then not asked (skip logic)")
                }
                (Lang::Zh, Now::Value(v)) => format!("{item}先答 {was}，后改为 {v}"),
                (Lang::Zh, Now::Missing) => format!("{item}先答 {was}，后跳过"),
                (Lang::Zh, Now::NotAsked) => format!("{item}先答 {was}，后因跳题规则未问"),
            }
        })
        .collect()
}

/// Why a session keeps the level of a top-level rule that fired in an
/// earlier session the person chose not to resume: one reason per answer it
/// fired on, e.g. `PHQ-9 item 9 answered 2 in an earlier session (P1,
/// started T), then started again`.
pub fn started_again(
    session: &Session<'_>,
    bound: &Bound,
    e: &FiredEarlier,
    lang: Lang,
) -> Vec<String> {
    // `; ` separates reasons in a row: the id and time come from a journal
    let (id, started) = (e.id.replace(';', ","), e.started.replace(';', ","));
    let when = match lang {
        Lang::En => format!("in an earlier session ({id}, started {started}), then started again"),
        Lang::Zh => format!("（{id}，开始于 {started}），之后重新开始"),
    };
    if e.answers.is_empty() {
        let rule = bound.rules[e.rule].reason.get(lang).replace("; ", ", ");
        return vec![match lang {
            Lang::En => format!("{rule} {when}"),
            Lang::Zh => format!("{rule}在之前的一次作答中触发{when}"),
        }];
    }
    e.answers
        .iter()
        .map(|&(g, was)| {
            let (_, inst, index, _) = session.item(g);
            let item = inst.item_name(index, lang);
            match lang {
                Lang::En => format!("{item} answered {was} {when}"),
                Lang::Zh => format!("{item}在之前的一次作答中答 {was}{when}"),
            }
        })
        .collect()
}

/// Narrower than this, a table would break words: the result is a list.
const TABLE_MIN_COLS: u16 = 60;

/// One scale's line of the result, as shown.
struct ScaleCells {
    name: String,
    total: String,
    band: String,
    status: String,
    complete: bool,
}

fn scale_cells(battery: &Battery, s: &Summary, lang: Lang) -> Vec<ScaleCells> {
    battery
        .scales()
        .zip(&s.results)
        .map(|((_, _, scale), r)| {
            let name = scale
                .name
                .as_ref()
                .map(|n| n.get(lang).to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| scale.id.clone());
            let total = r
                .total
                .map_or_else(|| "—".to_string(), |t| scale.format_total(t));
            let band = r.band.map_or_else(
                || tr(lang, "incomplete", "不完整").to_string(),
                |b| scale.bands[b].display(lang),
            );
            let status = match (r.total, r.prorated) {
                (None, _) => match lang {
                    Lang::En => format!("incomplete ({} missing)", r.missing),
                    Lang::Zh => format!("不完整（缺 {} 题）", r.missing),
                },
                (Some(_), true) => match lang {
                    Lang::En => format!("prorated ({} missing)", r.missing),
                    Lang::Zh => format!("按比例推算（缺 {} 题）", r.missing),
                },
                (Some(_), false) => tr(lang, "complete", "完整").to_string(),
            };
            let [name, total, band, status] =
                [name, total, band, status].map(|c| printable_line(&c).into_owned());
            ScaleCells {
                name,
                total,
                band,
                status,
                complete: r.total.is_some() && !r.prorated,
            }
        })
        .collect()
}

/// The per-scale table, the risk table and the note, for `lang`, at most
/// `cols` wide; on a narrow terminal the same as a list.
pub fn result(battery: &Battery, policy: &Policy, s: &Summary, lang: Lang, cols: u16) -> String {
    let cells = scale_cells(battery, s, lang);
    let level = printable_line(&format!(
        "{} ({})",
        policy.level_label(s.level, lang),
        policy.level_id(s.level)
    ))
    .into_owned();
    let reasons: Vec<String> = if s.reasons.is_empty() {
        vec![tr(lang, "no rule fired", "未触发任何规则").to_string()]
    } else {
        s.reasons
            .iter()
            .map(|r| format!("• {}", printable_line(r)))
            .collect()
    };
    let heading = match lang {
        Lang::En => format!(
            "Results for {} ({} answered, {} skipped; policy {})",
            s.id, s.answered, s.skipped, policy.id
        ),
        Lang::Zh => format!(
            "{} 的结果（已答 {} 题，跳过 {} 题；策略 {}）",
            s.id, s.answered, s.skipped, policy.id
        ),
    };
    let note = tr(
        lang,
        "This is a screening result, not a diagnosis: a flag means a trained person should follow up.",
        "这是筛查结果，不是诊断：被标记表示需要由受过训练的人员跟进。",
    );
    let width = usize::from(cols);
    if cols < TABLE_MIN_COLS {
        let mut out = wrap(&printable_line(&heading), width);
        for c in &cells {
            let mut line = format!("{}: {} · {}", c.name, c.total, c.band);
            if !c.complete {
                line.push_str(&format!(" · {}", c.status));
            }
            out.extend(wrap_hanging("  ", &line, width));
        }
        out.extend(wrap_hanging(
            tr(lang, "Risk level: ", "风险级别："),
            &level,
            width,
        ));
        for r in &reasons {
            // "• reason": the lines after the first under its text
            let text = r.strip_prefix("• ").unwrap_or(r);
            out.extend(wrap_hanging("  • ", text, width));
        }
        out.extend(wrap(note, width));
        return out.join("\n") + "\n";
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(cols)
        .set_header(match lang {
            Lang::En => vec!["Scale", "Total", "Band", "Status"],
            Lang::Zh => vec!["量表", "总分", "分级", "状态"],
        });
    for c in cells {
        t.add_row([c.name, c.total, c.band, c.status]);
    }
    let mut risk = Table::new();
    risk.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(cols);
    risk.add_row(vec![tr(lang, "Risk level", "风险级别").to_string(), level]);
    risk.add_row(vec![
        tr(lang, "Reasons", "原因").to_string(),
        reasons.join("\n"),
    ]);
    format!(
        "{}\n{t}\n{risk}\n{}\n",
        printable_line(&heading),
        wrap(note, width).join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_wide_characters() {
        assert_eq!(
            wrap("Little interest or pleasure in doing things", 20),
            vec!["Little interest or", "pleasure in doing", "things"]
        );
        // 10 wide characters = 20 columns; break between them, never
        // before closing punctuation
        let zh = wrap("做事时提不起劲或没有兴趣，感到心情低落。", 10);
        assert!(zh.iter().all(|l| width(l) <= 10), "{zh:?}");
        assert!(zh
            .iter()
            .all(|l| !l.starts_with('，') && !l.starts_with('。')));
        assert_eq!(zh.concat(), "做事时提不起劲或没有兴趣，感到心情低落。");
        assert_eq!(wrap("abcdefghijklmnop", 8), vec!["abcdefgh", "ijklmnop"]);
        assert_eq!(wrap("a\nb", 8), vec!["a", "b"]);
        assert_eq!(
            wrap("PHQ-9 第9题：有死亡", 12).concat().replace(' ', ""),
            "PHQ-9第9题：有死亡"
        );
    }

    #[test]
    fn hanging_indent() {
        assert_eq!(
            wrap_hanging(" > 2  ", "More than half the days", 18),
            vec![" > 2  More than", "      half the", "      days"]
        );
    }

    #[test]
    fn a_crisis_screen_without_a_line_for_its_regions_shows_the_international_ones() {
        let mut policy = crate::policy::default_policy().unwrap();
        policy.crisis_regions = vec!["xx".into()];
        let hot = crate::hotlines::load().unwrap();
        let c = crisis(&policy, &hot, Lang::En);
        assert!(!c.lines.is_empty());
        assert!(
            c.lines_heading
                .starts_with("International crisis lines (none listed for xx;"),
            "{}",
            c.lines_heading
        );
    }

    #[test]
    fn digit_key_ranges() {
        let b = crate::instrument::builtin("asq").unwrap().unwrap();
        assert_eq!(digit_keys(&b.response_sets[0]).as_deref(), Some("0–1"));
        let k = crate::instrument::builtin("k10").unwrap().unwrap();
        assert_eq!(digit_keys(&k.response_sets[0]).as_deref(), Some("1–5"));
    }
}
