//! The class report: one self-contained HTML file (inline CSS, inline SVG,
//! no script, no link to anything outside it) that prints on paper. Per
//! shown group one SVG chart: a stacked bar of band counts per scale and
//! one of risk levels. Small groups are suppressed exactly as in
//! `summary`. By default it is aggregate only: no id, no name, no reason of
//! any person, so it can be handed to a head teacher. With `--list-ids` a
//! referral list names everyone from `refer_from` up, per group with the
//! group column. Pure: data in, text out.

pub mod change;
pub mod referrals;
mod svg;

use std::fmt::Write as _;

use crate::instrument::{Lang, Text};
use crate::summary::{key_label, suppressed_mark, Cell, LevelInfo, ScaleInfo, Shown, Tally};

pub use referrals::{Referral, ReferralList, MAX_LISTED};

/// An instrument of the run, as the report names it.
#[derive(Debug, Clone)]
pub struct InstrumentLine {
    pub name: Text,
    pub version: String,
}

/// The people named with `--list-ids`.
#[derive(Debug)]
pub struct Listed<'a> {
    /// By group, then highest level first, then input order.
    pub people: &'a [Referral],
    /// At the referral level or above but past `MAX_LISTED`.
    pub left_out: u64,
}

/// Everything the report shows.
#[derive(Debug)]
pub struct ReportData<'a> {
    pub lang: Lang,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub input: String,
    /// The `--by` columns as people name them.
    pub by: Vec<String>,
    /// Rows read (respondents).
    pub rows: u64,
    /// Cells that were not valid answers (counted as missing).
    pub invalid_cells: u64,
    /// The instruments scored; empty when the input was already scored.
    pub instruments: Vec<InstrumentLine>,
    pub policy_id: String,
    pub policy_version: Option<String>,
    pub scales: &'a [ScaleInfo],
    /// Each scale as people name it (`PHQ-9`), in the order of `scales`.
    pub scale_names: &'a [String],
    pub levels: &'a [LevelInfo],
    pub shown: &'a Shown<Tally>,
    /// The lowest level on the referral list.
    pub refer_from: usize,
    /// `None`: aggregate only (no person named).
    pub referrals: Option<Listed<'a>>,
    /// People whose last submission, the one counted, is at a lower level
    /// than an earlier one set aside: said in the report, never named.
    pub earlier_higher: u64,
    /// The policy's staff protocol, when some row reached its top level
    /// (never the respondent's text: a report is read by staff).
    pub crisis_protocol: Option<String>,
    /// psyscreen's version.
    pub version: &'a str,
}

fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// Escape text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee3; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 1.5rem; line-height: 1.45; font-size: 14px; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 0 0 .4rem; }
.meta { color: var(--muted); margin: 0 0 .8rem; }
.meta dt { font-weight: 600; display: inline; }
.meta dd { display: inline; margin: 0 1.2rem 0 .3rem; }
.note { border-left: 4px solid #c62828; background: #fdf3f3; padding: .6rem .9rem; margin: .8rem 0; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.overall td { font-weight: 600; background: #fafbfc; }
td.suppressed { color: var(--muted); }
th.level, td.level, td.group, td.id, td.num { white-space: nowrap; }
th.num { min-width: 3.2em; }
td:first-child { min-width: 6em; }
.groups { display: grid; grid-template-columns: 1fr; gap: .8rem; }
.group { border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; break-inside: avoid; page-break-inside: avoid; }
.group p { margin: .3rem 0 0; color: var(--muted); }
.legend { margin: .2rem 0 .6rem; }
.legend span.key { display: inline-block; margin: 0 .8rem .2rem 0; white-space: nowrap; }
.legend i { display: inline-block; width: .9rem; height: .9rem; vertical-align: -0.12rem; margin-right: .3rem; border: 1px solid #0002; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 12px; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { break-inside: auto; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  .referrals, .referral-group + .referral-group { break-before: page; page-break-before: always; }
}
"#;

/// The whole HTML document.
pub fn render(d: &ReportData<'_>) -> String {
    let lang = d.lang;
    let mut h = String::with_capacity(32 * 1024);
    let by = d.by.join(" / ");
    let title = match lang {
        Lang::En => format!("Screening summary by {by}"),
        Lang::Zh => format!("筛查结果汇总（按{by}）"),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"psyscreen {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        tr(lang, "en", "zh-CN"),
        esc(d.version),
        esc(&title)
    );
    let _ = writeln!(h, "<header>\n<h1>{}</h1>", esc(&title));
    meta(&mut h, d);
    let _ = writeln!(
        h,
        "<p class=\"note\"><strong>{}</strong> {}</p>\n</header>",
        tr(lang, "Screening, not diagnosis.", "这是筛查，不是诊断。"),
        esc(&note(d))
    );
    if d.earlier_higher > 0 {
        // the counts hold each person's last submission: an earlier, more
        // urgent one must not vanish from the page a head teacher reads
        let n = d.earlier_higher;
        let _ = writeln!(
            h,
            "<p class=\"note earlier\"><strong>{}</strong> {}</p>",
            tr(lang, "Check earlier submissions.", "请核查较早的提交。"),
            esc(&match lang {
                Lang::En => format!(
                    "{n} {} had an earlier submission at a higher level than their last one, \
                     which is the one counted here: see the warnings shown when the report was made, \
                     or the staff list (--list-ids).",
                    if n == 1 { "person" } else { "people" }
                ),
                Lang::Zh => format!(
                    "有 {n} 人较早的一次提交级别高于最后一次提交（此处只计最后一次）：\
                     请查看生成报告时屏幕上的警告，或仅供工作人员的名单（--list-ids）。"
                ),
            })
        );
    }

    overview(&mut h, d);
    groups(&mut h, d);
    referrals(&mut h, d);

    let _ = writeln!(
        h,
        "<footer>{} psyscreen {} · {} · {}</footer>\n</body>\n</html>",
        tr(lang, "Made with", "生成工具："),
        esc(d.version),
        esc(&d.date),
        tr(
            lang,
            "Keep this report as confidential as the answers it comes from.",
            "请按原始作答数据同等级别保密本报告。"
        )
    );
    h
}

fn note(d: &ReportData<'_>) -> String {
    let m = d.shown.min_group;
    let default = crate::summary::MIN_GROUP;
    if m < default {
        // groups this small can point to a person: not said to be safe
        return match d.lang {
            Lang::En => format!(
                "A flag means a trained person should follow up; it is not a diagnosis. \
                 Groups of {m} or more respondents are shown (--min-group {m}, below the \
                 default {default}): a group this small can show one person's answers, so \
                 keep this report with the staff who may see them."
            ),
            Lang::Zh => format!(
                "标记表示需要由受过训练的人员跟进，并非诊断。显示 {m} 人及以上的组\
                 （--min-group {m}，低于默认的 {default}）：这么小的组可能显示出某个人的作答，\
                 请只交给可以查看个人作答的工作人员保管。"
            ),
        };
    }
    match d.lang {
        Lang::En => format!(
            "A flag means a trained person should follow up; it is not a diagnosis. \
             Groups with fewer than {m} respondents are not shown (marked {}), and the \
             overall row adds up the shown groups only, so no individual can be singled out.",
            suppressed_mark(m)
        ),
        Lang::Zh => format!(
            "标记表示需要由受过训练的人员跟进，并非诊断。少于 {m} 人的组不显示（标为 {}），\
             “全部”一行只合计已显示的组，因此无法据此识别任何个人。",
            suppressed_mark(m)
        ),
    }
}

fn meta(h: &mut String, d: &ReportData<'_>) {
    let lang = d.lang;
    h.push_str("<dl class=\"meta\">");
    let mut item = |k: &str, v: &str| {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    };
    item(tr(lang, "Date:", "日期："), &d.date);
    item(tr(lang, "Input:", "数据："), &d.input);
    let instruments = if d.instruments.is_empty() {
        let scales: Vec<&str> = d.scale_names.iter().map(String::as_str).collect();
        match lang {
            Lang::En => format!(
                "scored file (scales {}; instrument versions not recorded in it)",
                scales.join(", ")
            ),
            Lang::Zh => format!(
                "已评分文件（量表 {}；文件中未记录量表版本）",
                scales.join("、")
            ),
        }
    } else {
        d.instruments
            .iter()
            .map(|i| format!("{} v{}", i.name.get(lang), i.version))
            .collect::<Vec<_>>()
            .join("; ")
    };
    item(tr(lang, "Instruments:", "量表："), &instruments);
    let policy = match &d.policy_version {
        Some(v) => format!("{} v{v}", d.policy_id),
        None => d.policy_id.clone(),
    };
    item(tr(lang, "Policy:", "转介策略："), &policy);
    // an aggregate report counts the shown groups only: the whole count
    // minus the overview's would give a suppressed group's size
    match (&d.referrals, d.shown.suppressed) {
        (None, n) if n > 0 => item(
            tr(
                lang,
                "Respondents (groups shown):",
                "作答人数（所显示的组）：",
            ),
            &d.shown.overall.as_ref().map_or(0, |(_, t)| t.n).to_string(),
        ),
        _ => item(tr(lang, "Respondents:", "作答人数："), &d.rows.to_string()),
    }
    item(
        tr(lang, "Invalid cells:", "无效答案："),
        &match (lang, d.invalid_cells) {
            (Lang::En, 0) => "none".to_string(),
            (Lang::Zh, 0) => "无".to_string(),
            (Lang::En, n) => {
                format!("{n} (counted as missing; listed on screen when the report was made)")
            }
            (Lang::Zh, n) => format!("{n} 个（按缺失计；生成报告时已在屏幕上逐一列出）"),
        },
    );
    item(
        tr(lang, "Groups shown from:", "显示的组至少："),
        &match lang {
            Lang::En => format!("{} respondents", d.shown.min_group),
            Lang::Zh => format!("{} 人", d.shown.min_group),
        },
    );
    h.push_str("</dl>\n");
}

pub use crate::clock::date;

/// Scale `k` as people name it.
fn scale_name<'d>(d: &'d ReportData<'_>, k: usize) -> &'d str {
    d.scale_names
        .get(k)
        .map_or_else(|| d.scales[k].id.as_str(), String::as_str)
}

fn level_label(d: &ReportData<'_>, l: usize) -> String {
    d.levels
        .get(l)
        .map_or_else(String::new, |x| x.label.get(d.lang).to_string())
}

/// One row per group: size, each level, incomplete, mean (SD) per scale.
fn overview(h: &mut String, d: &ReportData<'_>) {
    let lang = d.lang;
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th class=\"num\">n</th>",
        tr(lang, "Overview", "概览"),
        esc(&d.by.join(" / "))
    );
    for l in 0..d.levels.len() {
        let _ = write!(
            h,
            "<th class=\"num level\">{}</th>",
            esc(&level_label(d, l))
        );
    }
    let _ = write!(
        h,
        "<th class=\"num level\">{}</th>",
        tr(lang, "incomplete", "不完整")
    );
    for k in 0..d.scales.len() {
        let _ = write!(
            h,
            "<th class=\"num\">{} {}</th>",
            esc(scale_name(d, k)),
            tr(lang, "mean (SD)", "均值（标准差）")
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let cols = d.levels.len() + 1 + d.scales.len();
    for (key, cell) in &d.shown.groups {
        let name = esc(&key_label(key, lang));
        match cell {
            Cell::Shown { n, data } => {
                let _ = write!(h, "<tr><td>{name}</td>");
                overview_cells(h, d, *n, data);
                h.push_str("</tr>\n");
            }
            Cell::Suppressed => {
                let _ = writeln!(
                    h,
                    "<tr><td>{name}</td><td class=\"num suppressed\">{}</td><td class=\"suppressed\" colspan=\"{cols}\">{}</td></tr>",
                    esc(&suppressed_mark(d.shown.min_group)),
                    tr(lang, "not shown: too few respondents", "人数过少，不显示")
                );
            }
        }
    }
    if let Some((n, all)) = &d.shown.overall {
        let _ = write!(
            h,
            "<tr class=\"overall\"><td>{}</td>",
            tr(lang, "All groups shown", "全部（已显示的组）")
        );
        overview_cells(h, d, *n, all);
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    if d.shown.suppressed > 0 {
        let _ = writeln!(
            h,
            "<p class=\"meta\">{}</p>",
            esc(&match lang {
                Lang::En => format!(
                    "{} group(s) with fewer than {} respondents are not shown and are not part of the overall row.",
                    d.shown.suppressed, d.shown.min_group
                ),
                Lang::Zh => format!(
                    "{} 个组少于 {} 人，不显示，也不计入“全部”一行。",
                    d.shown.suppressed, d.shown.min_group
                ),
            })
        );
    }
    h.push_str("</section>\n");
}

fn overview_cells(h: &mut String, d: &ReportData<'_>, n: u64, t: &Tally) {
    let _ = write!(h, "<td class=\"num\">{n}</td>");
    for l in 0..d.levels.len() {
        let _ = write!(h, "<td class=\"num\">{}</td>", t.level(l));
    }
    let _ = write!(h, "<td class=\"num\">{}</td>", t.incomplete);
    for (k, _) in d.scales.iter().enumerate() {
        let m = t.scales.get(k).map(|s| s.totals).unwrap_or_default();
        let text = match (m.mean(), m.sd()) {
            (Some(mean), Some(sd)) => format!("{mean:.1} ({sd:.1})"),
            (Some(mean), None) => format!("{mean:.1}"),
            _ => "—".to_string(),
        };
        let _ = write!(h, "<td class=\"num\">{text}</td>");
    }
}

/// One card and one SVG per shown group; the legends once, in HTML.
fn groups(h: &mut String, d: &ReportData<'_>) {
    let lang = d.lang;
    let _ = writeln!(
        h,
        "<section>\n<h2>{}</h2>",
        tr(lang, "Bands and risk levels by group", "各组分级与风险级别")
    );
    legends(h, d);
    h.push_str("<div class=\"groups\">\n");
    for (key, cell) in &d.shown.groups {
        let name = key_label(key, lang);
        let _ = write!(h, "<div class=\"group\">\n<h3>{}", esc(&name));
        match cell {
            Cell::Shown { n, data } => {
                let _ = writeln!(h, " <small>(n = {n})</small></h3>");
                h.push_str(&svg::group_chart(d, &name, *n, data));
                let means: Vec<String> = d
                    .scales
                    .iter()
                    .enumerate()
                    .filter_map(|(k, _)| {
                        let m = data.scales.get(k)?.totals;
                        let mean = m.mean()?;
                        let name = scale_name(d, k);
                        Some(match m.sd() {
                            Some(sd) => format!("{name} {mean:.1} ± {sd:.1}"),
                            None => format!("{name} {mean:.1}"),
                        })
                    })
                    .collect();
                if !means.is_empty() {
                    let _ = writeln!(
                        h,
                        "<p>{} {}</p>",
                        tr(lang, "Mean ± SD:", "均值 ± 标准差："),
                        esc(&means.join(" · "))
                    );
                }
            }
            Cell::Suppressed => {
                let _ = writeln!(
                    h,
                    " <small>(n {})</small></h3>\n<p>{}</p>",
                    esc(&suppressed_mark(d.shown.min_group)),
                    tr(
                        lang,
                        "Not shown: too few respondents to keep individuals anonymous.",
                        "人数过少，为保护个人不被识别，不显示。"
                    )
                );
            }
        }
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n</section>\n");
}

fn legends(h: &mut String, d: &ReportData<'_>) {
    let lang = d.lang;
    for (k, s) in d.scales.iter().enumerate() {
        let _ = write!(
            h,
            "<div class=\"legend\"><strong>{}</strong>: ",
            esc(scale_name(d, k))
        );
        for (b, band) in s.bands.iter().enumerate() {
            let _ = write!(
                h,
                "<span class=\"key\"><i style=\"background:{}\"></i>{}</span>",
                svg::band_colour(b, s.bands.len()),
                esc(&band.display(lang))
            );
        }
        let _ = writeln!(
            h,
            "<span class=\"key\"><i style=\"background:{}\"></i>{}</span></div>",
            svg::INCOMPLETE,
            tr(lang, "incomplete", "不完整")
        );
    }
    let _ = write!(
        h,
        "<div class=\"legend\"><strong>{}</strong>: ",
        tr(lang, "risk level", "风险级别")
    );
    for l in 0..d.levels.len() {
        let _ = write!(
            h,
            "<span class=\"key\"><i style=\"background:{}\"></i>{}</span>",
            svg::level_colour(l, d.levels.len()),
            esc(&level_label(d, l))
        );
    }
    h.push_str("</div>\n");
}

/// Aggregate only: where the names are. With `--list-ids`: the people,
/// one section per group, each with the group column.
fn referrals(h: &mut String, d: &ReportData<'_>) {
    let lang = d.lang;
    let from = level_label(d, d.refer_from);
    if let Some(protocol) = &d.crisis_protocol {
        let top = level_label(d, d.levels.len().saturating_sub(1));
        let _ = writeln!(
            h,
            "<section class=\"protocol\">\n<h2>{}</h2>\n<p>{}</p>\n<p>{}</p>\n</section>",
            tr(lang, "Crisis protocol (staff)", "危机处理流程（工作人员）"),
            esc(&match lang {
                Lang::En => format!("Some respondents reached {top}, the policy's top level. The staff responsible act on them now:"),
                Lang::Zh => format!("有作答者达到最高级别「{top}」。负责的工作人员请立即处理："),
            }),
            esc(protocol)
        );
    }
    let Some(listed) = &d.referrals else {
        let _ = writeln!(
            h,
            "<section>\n<h2>{}</h2>\n<p>{}</p>\n</section>",
            tr(lang, "Follow-up", "跟进"),
            esc(&match lang {
                Lang::En => format!(
                    "This report names no one. The people at {from} or above are counted in the overview; \
                     the staff responsible for follow-up have their names in a separate, staff-only referral list."
                ),
                Lang::Zh => format!(
                    "本报告不含任何个人信息。达到{from}及以上的人数已计入概览；\
                     需跟进者的名单另行提供给负责跟进的工作人员，仅限工作人员使用。"
                ),
            })
        );
        return;
    };
    let _ = writeln!(
        h,
        "<section class=\"referrals\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(&match lang {
            Lang::En => format!("Referral list: {from} and above"),
            Lang::Zh => format!("转介名单：{from}及以上"),
        }),
        tr(
            lang,
            "Staff only: this part names people. Each person here needs follow-up by a trained person; the reasons name the rules of the policy that fired. Every group is listed (small groups included), each on its own page.",
            "仅限工作人员：此部分含个人信息。名单中每个人都需要由受过训练的人员跟进；原因为转介策略中触发的规则。列出所有组（含人数过少的组），每组单独一页。"
        )
    );
    if listed.left_out > 0 {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            esc(&match lang {
                Lang::En => format!(
                    "{} more people at {from} or above are not listed here (a report lists at most {MAX_LISTED}, the highest levels first): use the referral file of `psyscreen score --min-level`.",
                    listed.left_out
                ),
                Lang::Zh => format!(
                    "另有 {} 人达到{from}及以上但未在此列出（报告最多列出 {MAX_LISTED} 人，级别高者优先）：请使用 `psyscreen score --min-level` 生成的转介文件。",
                    listed.left_out
                ),
            })
        );
    }
    if listed.people.is_empty() && listed.left_out == 0 {
        let _ = writeln!(
            h,
            "<p>{}</p>\n</section>",
            esc(&match lang {
                Lang::En => format!("No one at {from} or above."),
                Lang::Zh => format!("没有人达到{from}及以上。"),
            })
        );
        return;
    }
    let by = esc(&d.by.join(" / "));
    for group in listed.people.chunk_by(|a, b| a.group == b.group) {
        let name = esc(&key_label(&group[0].group, lang));
        let _ = writeln!(
            h,
            "<div class=\"referral-group\">\n<h3>{by}{}{name}</h3>\n<table>\n<thead><tr><th>{by}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            tr(lang, ": ", "："),
            tr(lang, "id", "编号"),
            tr(lang, "level", "级别"),
            tr(lang, "reasons", "原因")
        );
        for r in group {
            let _ = writeln!(
                h,
                "<tr><td class=\"group\">{name}</td><td class=\"id\">{}</td><td class=\"level\">{}</td><td>{}</td></tr>",
                esc(&r.id),
                esc(&level_label(d, r.level)),
                esc(&r.reasons)
            );
        }
        h.push_str("</tbody>\n</table>\n</div>\n");
    }
    h.push_str("</section>\n");
}

/// The referral list's lowest level: `--min-level`, else `refer`, else the
/// policy's second-highest level.
pub fn refer_from(
    policy: &crate::policy::Policy,
    min_level: Option<&str>,
) -> anyhow::Result<usize> {
    if let Some(l) = min_level {
        return Ok(usize::from(policy.parse_level(l)?.0));
    }
    Ok(policy.level("refer").map_or_else(
        || policy.levels.len().saturating_sub(2).max(1),
        |crate::policy::Level(l)| usize::from(l),
    ))
}

/// Each scale as people name it (`Instrument::scale_name`: its own name,
/// else `PHQ-9 total`), in the order of `scales`. A scored file's scales
/// (no battery) are looked up among the built-ins; one that is not built in
/// keeps its id.
pub fn scale_names(
    battery: Option<&crate::score::Battery>,
    scales: &[ScaleInfo],
    lang: Lang,
) -> Vec<String> {
    let named = |inst: &crate::instrument::Instrument, id: &str| {
        let i = inst.scales.iter().position(|s| s.id == id)?;
        Some(inst.scale_name(i, lang))
    };
    if let Some(b) = battery {
        return b
            .scales()
            .map(|(_, inst, s)| named(inst, &s.id).unwrap_or_else(|| s.id.clone()))
            .collect();
    }
    let builtins: Vec<crate::instrument::Instrument> = crate::instrument::builtin_ids()
        .into_iter()
        .filter_map(|id| crate::instrument::builtin(id)?.ok())
        .collect();
    scales
        .iter()
        .map(|info| {
            builtins
                .iter()
                .find_map(|inst| named(inst, &info.id))
                .unwrap_or_else(|| info.id.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{BandInfo, Groups, ScaleFact};

    fn levels() -> Vec<LevelInfo> {
        ["none", "monitor", "refer", "urgent"]
            .iter()
            .map(|l| LevelInfo {
                id: (*l).to_string(),
                label: Text {
                    en: Some(l.to_uppercase()),
                    zh: Some(format!("级{l}")),
                },
            })
            .collect()
    }

    fn scales() -> Vec<ScaleInfo> {
        vec![ScaleInfo {
            id: "gad2".into(),
            bands: vec![
                BandInfo {
                    id: "negative".into(),
                    en: None,
                    zh: Some("阴性".into()),
                },
                BandInfo {
                    id: "positive".into(),
                    en: None,
                    zh: Some("阳性".into()),
                },
            ],
        }]
    }

    fn shown() -> Shown<Tally> {
        let mut g: Groups<Tally> = Groups::default();
        for (class, n) in [("7A", 6u8), ("<b>&", 2), ("8A", 5)] {
            for i in 0..n {
                let f = ScaleFact {
                    total: Some(f64::from(i)),
                    band: Some(usize::from(i > 2)),
                };
                g.row(&[class.to_string()], Tally::default)
                    .add(&[f], usize::from(i % 4));
            }
        }
        g.finish(5)
    }

    fn html(lang: Lang, referrals: Option<&[Referral]>) -> String {
        let (s, l, sh) = (scales(), levels(), shown());
        render(&ReportData {
            lang,
            date: "2026-03-16".into(),
            input: "class.csv".into(),
            by: vec!["class".into()],
            rows: 13,
            invalid_cells: 2,
            instruments: vec![InstrumentLine {
                name: Text {
                    en: Some("GAD-2".into()),
                    zh: Some("GAD-2 焦虑".into()),
                },
                version: "1.0".into(),
            }],
            policy_id: "default".into(),
            policy_version: Some("1.0".into()),
            scales: &s,
            scale_names: &["GAD-2".to_string()],
            levels: &l,
            shown: &sh,
            refer_from: 2,
            referrals: referrals.map(|people| Listed {
                people,
                left_out: 0,
            }),
            crisis_protocol: None,
            earlier_higher: 0,
            version: "0.1.0",
        })
    }

    /// Every non-void element closed in order; returns the elements seen.
    pub(crate) fn balanced(html: &str) -> Result<usize, String> {
        const VOID: [&str; 6] = ["meta", "br", "hr", "img", "link", "input"];
        let mut stack: Vec<String> = Vec::new();
        let mut seen = 0;
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            rest = &rest[i + 1..];
            let end = rest.find('>').ok_or("unclosed <")?;
            let tag = &rest[..end];
            rest = &rest[end + 1..];
            if tag.starts_with('!') {
                continue;
            }
            let self_closing = tag.ends_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if name == "style" {
                let close = rest.find("</style>").ok_or("unclosed style")?;
                rest = &rest[close + "</style>".len()..];
                seen += 1;
                continue;
            }
            if tag.starts_with('/') {
                match stack.pop() {
                    Some(open) if open == name => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
            } else if !self_closing && !VOID.contains(&name.as_str()) {
                stack.push(name);
                seen += 1;
            } else {
                seen += 1;
            }
        }
        if stack.is_empty() {
            Ok(seen)
        } else {
            Err(format!("left open: {stack:?}"))
        }
    }

    #[test]
    fn one_chart_per_shown_group_and_nothing_of_small_ones() {
        let h = html(Lang::En, Some(&[]));
        assert_eq!(h.matches("<svg").count(), 2, "7A and 8A; `<b>&` has 2");
        assert!(h.contains("&lt;b&gt;&amp;"), "group names are escaped");
        assert!(!h.contains("<b>&"));
        assert!(h.contains("<td class=\"num suppressed\">&lt;5</td>"));
        // overall = 6 + 5, not 13
        assert!(
            h.contains("<tr class=\"overall\"><td>All groups shown</td><td class=\"num\">11</td>"),
            "{h}"
        );
        assert!(h.contains("Screening, not diagnosis."));
        assert!(h.contains("No one at REFER or above."));
        assert!(!h.contains("http://") && !h.contains("https://"));
        assert!(!h.to_lowercase().contains("diagnosed"));
        balanced(&h).unwrap();
    }

    #[test]
    fn referral_list_and_chinese_labels() {
        let r = vec![Referral {
            group: vec!["7A".into()],
            id: "S<1>".into(),
            level: 3,
            reasons: "PHQ-9 item 9 & more".into(),
            seq: 2,
        }];
        let h = html(Lang::Zh, Some(&r));
        assert!(h.contains("<html lang=\"zh-CN\">"));
        assert!(h.contains("转介名单：级refer及以上"));
        assert!(h.contains(
            "<tr><td class=\"group\">7A</td><td class=\"id\">S&lt;1&gt;</td><td class=\"level\">级urgent</td><td>PHQ-9 item 9 &amp; more</td></tr>"
        ), "{h}");
        assert!(h.contains("<h3>class：7A</h3>"));
        assert!(h.contains("<dt>无效答案：</dt><dd>2 个"));
        assert!(h.contains("阳性"));
        assert!(h.contains("这是筛查，不是诊断。"));
        balanced(&h).unwrap();
    }

    #[test]
    fn aggregate_only_by_default() {
        let h = html(Lang::En, None);
        assert!(!h.contains("Referral list"));
        assert!(h.contains("This report names no one."));
        assert!(h.contains("<th class=\"num\">GAD-2 mean (SD)</th>"), "{h}");
        assert!(!h.contains(">gad2"), "the scale by its name");
        assert!(h.contains("<dt>Invalid cells:</dt><dd>2 (counted as missing"));
        balanced(&h).unwrap();
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_773_619_200), "2026-03-16");
        assert_eq!(date(-86_400), "1969-12-31");
    }

    #[test]
    fn the_checker_catches_bad_nesting() {
        assert!(balanced("<div><p></div></p>").is_err());
        assert!(balanced("<div>").is_err());
        assert_eq!(balanced("<div><meta charset=\"x\"><br></div>"), Ok(3));
    }
}
