//! The change view of the report (`change --by COL --report FILE`): per
//! group, who reliably improved, did not change, got worse, recovered,
//! moved into the clinical range, and new or escalated risks. Aggregate
//! only: no id, no name, no reason of any person; small groups suppressed
//! as in `summary`. Pure: the command writes the text.

use std::fmt::Write as _;

use super::{esc, tr, CSS};
use crate::change::layout::Tally;
use crate::instrument::Lang;
use crate::summary::{key_label, suppressed_mark, Cell, Shown};

/// What the change view shows.
pub struct ChangeView<'a> {
    pub lang: Lang,
    pub by: &'a [String],
    pub waves: &'a [String],
    /// Instruments as people name them, with their versions.
    pub instruments: &'a [String],
    /// Per scale: its name as people say it.
    pub scales: &'a [String],
    pub policy: &'a str,
    pub date: &'a str,
    pub version: &'a str,
    pub shown: &'a Shown<Tally>,
}

/// The whole HTML document.
pub fn render_change(v: &ChangeView<'_>) -> String {
    let lang = v.lang;
    let mut h = String::with_capacity(16 * 1024);
    let (by, waves) = (v.by.join(" / "), v.waves.join(" → "));
    let title = match lang {
        Lang::En => format!("Follow-up between screenings by {by}: {waves}"),
        Lang::Zh => format!("两次筛查间的变化（按{by}）：{waves}"),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"psyscreen {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        tr(lang, "en", "zh-CN"),
        esc(v.version),
        esc(&title)
    );
    let _ = writeln!(h, "<header>\n<h1>{}</h1>\n<dl class=\"meta\">", esc(&title));
    for (k, val) in [
        (tr(lang, "Date", "日期"), v.date.to_string()),
        (tr(lang, "Instruments", "量表"), v.instruments.join(", ")),
        (tr(lang, "Policy", "策略"), v.policy.to_string()),
    ] {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&val));
    }
    let m = v.shown.min_group;
    let note = match lang {
        Lang::En => format!(
            "Reliable change (Jacobson & Truax 1991) or a published threshold, from each person's first screening to the last; an improvement that rests on a prorated total is not counted. A flag means a trained person should follow up. Groups with fewer than {m} people are not shown (marked {}), and the overall row adds up the shown groups only.",
            suppressed_mark(m)
        ),
        Lang::Zh => format!(
            "可靠变化（Jacobson & Truax 1991）或已发表的阈值，从每人首次筛查到最后一次；依赖按比例估算总分的改善不计入。标记表示需要由受过训练的人员跟进。少于 {m} 人的组不显示（标为 {}），“全部”一行只合计已显示的组。",
            suppressed_mark(m)
        ),
    };
    let _ = writeln!(
        h,
        "</dl>\n<p class=\"note\"><strong>{}</strong> {}</p>\n</header>",
        tr(lang, "Screening, not diagnosis.", "这是筛查，不是诊断。"),
        esc(&note)
    );
    let heads = [
        tr(lang, "improved", "可靠改善"),
        tr(lang, "no change", "无可靠变化"),
        tr(lang, "deteriorated", "可靠变差"),
        tr(lang, "recovered", "康复"),
        tr(lang, "into the clinical range", "进入临床范围"),
        tr(lang, "not known", "未知"),
    ];
    let rows = |h: &mut String, f: &dyn Fn(&mut String, u64, &Tally)| {
        for (key, cell) in &v.shown.groups {
            let _ = write!(
                h,
                "<tr><td class=\"group\">{}</td>",
                esc(&key_label(key, lang))
            );
            match cell {
                Cell::Shown { n, data } => f(h, *n, data),
                Cell::Suppressed => {
                    let _ = write!(
                        h,
                        "<td class=\"num suppressed\">{}</td>",
                        esc(&suppressed_mark(m))
                    );
                }
            }
            h.push_str("</tr>\n");
        }
        if let Some((n, all)) = &v.shown.overall {
            let _ = write!(
                h,
                "<tr class=\"overall\"><td>{}</td>",
                tr(lang, "all shown groups", "全部（已显示的组）")
            );
            f(h, *n, all);
            h.push_str("</tr>\n");
        }
    };
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr>",
        tr(lang, "People", "人数"),
        esc(&by),
        tr(lang, "people", "人数"),
        tr(lang, "linked (the last screening and an earlier one)", "已关联（最后一次及更早的筛查均参加）"),
        tr(lang, "new risk", "新出现风险"),
        tr(lang, "escalated risk", "风险升高")
    );
    rows(&mut h, &|h, n, t| {
        let _ = write!(
            h,
            "<td class=\"num\">{n}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            t.linked, t.risk_new, t.risk_escalated
        );
    });
    h.push_str("</table>\n");
    for (k, name) in v.scales.iter().enumerate() {
        let _ = write!(
            h,
            "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th class=\"num\">{}</th>",
            esc(name),
            esc(&by),
            tr(lang, "people", "人数")
        );
        for head in heads {
            let _ = write!(h, "<th class=\"num\">{}</th>", esc(head));
        }
        h.push_str("</tr>\n");
        rows(&mut h, &|h, n, t| {
            let _ = write!(h, "<td class=\"num\">{n}</td>");
            for c in t.scales.get(k).copied().unwrap_or_default() {
                let _ = write!(h, "<td class=\"num\">{c}</td>");
            }
        });
        h.push_str("</table>\n");
    }
    let _ = writeln!(
        h,
        "<footer>{} psyscreen {} · {} · {}</footer>\n</body>\n</html>",
        tr(lang, "Made with", "生成工具："),
        esc(v.version),
        esc(v.date),
        tr(
            lang,
            "Keep this report as confidential as the answers it comes from.",
            "请按原始作答数据同等级别保密本报告。"
        )
    );
    h
}
