//! The change output: one row per person (stable columns, documented in
//! the README), or with `--by` the counts per group with small groups
//! suppressed as `summary` suppresses them.

use std::io::Write;

use csv::ByteRecord;

use super::link::{People, Person, Status};
use super::person::Judged;
use super::{Clinical, Reliable, Trajectory};
use crate::cli::Format;
use crate::instrument::Lang;
use crate::io::write::{Columns, CompactColumn, Dest, Kind, Sink};
use crate::messages::tr;
use crate::summary::{suppressed_mark, Cell, Merge, Shown};

/// What the columns are made of.
pub struct Shape<'a> {
    pub id_name: &'a str,
    pub by: &'a [String],
    pub waves: &'a [String],
    /// Scale ids with their decimals.
    pub scales: &'a [(String, u8)],
    /// Names of the run's critical items, as people say them.
    pub critical: &'a [String],
    /// The policy's level ids, lowest first.
    pub levels: &'a [String],
    /// The language of a compact table's headers and words.
    pub lang: Lang,
}

/// What a table on a terminal shows: the id, the `--by` columns, the
/// status, per scale and wave its total under `{scale} {wave}` (blank when
/// not screened then, so a total is never read as another wave's), the
/// verdict with the last wave's total (`4 improved recovered`), the risk
/// trajectory, the level and the reasons (cut first). Every column: CSV,
/// JSON, `-o`.
fn compact_columns(shape: &Shape<'_>, names: &[String]) -> Vec<CompactColumn> {
    let zh = shape.lang == Lang::Zh;
    let pick = |en: &str, cn: &str| if zh { cn.to_string() } else { en.to_string() };
    let words = |list: &[(&str, &str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(id, en, cn)| (id.to_string(), pick(en, cn)))
            .collect()
    };
    let at = |name: &str| names.iter().position(|n| n == name).unwrap_or(0);
    let column = |header: String, sources: Vec<usize>| CompactColumn {
        header,
        sources,
        cut_first: false,
        shown_as: Vec::new(),
    };
    let mut out = vec![column(names[0].clone(), vec![0])];
    for k in 0..shape.by.len() {
        out.push(column(names[1 + k].clone(), vec![1 + k]));
    }
    out.push(CompactColumn {
        shown_as: words(&[
            ("linked", "linked", "已关联"),
            ("unlinked", "unlinked", "未关联"),
            ("not_rescreened", "not re-screened", "未再筛查"),
            ("duplicate", "duplicate id", "编号重复"),
            ("no_id", "no id", "无编号"),
        ]),
        ..column(pick("status", "状态"), vec![at("status")])
    });
    let verdicts = words(&[
        ("improved", "improved", "可靠改善"),
        ("deteriorated", "worse", "可靠变差"),
        ("no_change", "no change", "无可靠变化"),
        ("uncertain", "uncertain (prorated)", "不确定（按比例估算）"),
        ("unknown", "unknown", "未知"),
        ("recovered", "recovered", "康复"),
        ("into_clinical", "into clinical", "进入临床范围"),
        ("no", "", ""),
    ]);
    for (s, _) in shape.scales {
        for (k, w) in shape.waves.iter().enumerate() {
            let mut sources = vec![at(&format!("{s}_total_{w}"))];
            // the change is to the run's last wave: its verdict there
            if k + 1 == shape.waves.len() {
                sources.push(at(&format!("{s}_reliable")));
                sources.push(at(&format!("{s}_clinical")));
            }
            out.push(CompactColumn {
                shown_as: verdicts.clone(),
                ..column(format!("{s} {w}"), sources)
            });
        }
    }
    out.push(CompactColumn {
        shown_as: words(&[
            ("none", "none", "无"),
            ("new", "new", "新出现"),
            ("persisting", "persisting", "持续"),
            ("escalated", "escalated", "升高"),
            ("resolved", "resolved", "消除"),
            ("unknown", "unknown", "未知"),
        ]),
        ..column(pick("risk", "风险变化"), vec![at("risk_trajectory")])
    });
    out.push(column(pick("level", "级别"), vec![at("risk_label")]));
    out.push(CompactColumn {
        cut_first: true,
        ..column(pick("reasons", "原因"), vec![at("risk_reasons")])
    });
    out
}

fn total(units: i64, decimals: u8) -> String {
    if decimals == 0 {
        return units.to_string();
    }
    let p = 10_i64.pow(u32::from(decimals));
    let sign = if units < 0 { "-" } else { "" };
    let a = units.abs();
    format!("{sign}{}.{:0w$}", a / p, a % p, w = usize::from(decimals))
}

fn tri(b: Option<bool>) -> &'static [u8] {
    match b {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"",
    }
}

/// One person's line as the command has it.
pub struct Line<'a> {
    pub person: &'a Person,
    pub judged: &'a Judged,
    pub level_id: &'a str,
    pub level_label: &'a str,
    pub reasons: &'a str,
}

/// The per-person rows.
pub struct PersonRows<'a, W: Write> {
    sink: Sink<W>,
    shape: &'a Shape<'a>,
    rec: ByteRecord,
}

impl<'a, W: Write> PersonRows<'a, W> {
    pub fn new(
        (output, format, dest): (W, Format, Dest),
        shape: &'a Shape<'a>,
    ) -> anyhow::Result<Self> {
        let mut cols = Columns::new();
        cols.push(shape.id_name, Kind::Text);
        for b in shape.by {
            cols.push(b.clone(), Kind::Text);
        }
        cols.push("status", Kind::Label);
        cols.push("waves", Kind::Label);
        cols.push("baseline", Kind::Label);
        for w in shape.waves {
            cols.push(format!("level_{w}"), Kind::Label);
        }
        for (s, _) in shape.scales {
            for w in shape.waves {
                cols.push(format!("{s}_total_{w}"), Kind::Number);
            }
            cols.push(format!("{s}_change"), Kind::Number);
            cols.push(format!("{s}_rc"), Kind::Number);
            cols.push(format!("{s}_reliable"), Kind::Label);
            cols.push(format!("{s}_clinical"), Kind::Label);
            cols.push(format!("{s}_response"), Kind::Number);
            cols.push(format!("{s}_remission"), Kind::Number);
            cols.push(format!("{s}_prorated"), Kind::Number);
        }
        cols.push("risk_trajectory", Kind::Label);
        cols.push("critical", Kind::Label);
        cols.push("risk_level", Kind::Label);
        cols.push("risk_label", Kind::Label);
        cols.push("risk_reasons", Kind::Reasons);
        cols.compact = compact_columns(shape, &cols.names);
        Ok(PersonRows {
            sink: Sink::new(format, output, cols, dest)?,
            shape,
            rec: ByteRecord::new(),
        })
    }

    pub fn row(&mut self, l: &Line<'_>) -> anyhow::Result<()> {
        let (p, j, shape) = (l.person, l.judged, self.shape);
        let rec = &mut self.rec;
        rec.clear();
        // a row without an id (or one that did not decode) is found by its
        // wave and row, as the warning on stderr names it
        if j.status == Status::NoId {
            rec.push_field(located(p, shape.waves, &p.id).as_bytes());
        } else {
            rec.push_field(p.id.as_bytes());
        }
        let key = p
            .latest()
            .and_then(|w| p.waves[w].as_ref())
            .map(|w| w.key.as_slice())
            .unwrap_or_default();
        for k in 0..shape.by.len() {
            rec.push_field(key.get(k).map_or("", String::as_str).as_bytes());
        }
        rec.push_field(j.status.as_str().as_bytes());
        let present: Vec<&str> = (shape.waves.iter().zip(&p.waves))
            .filter(|(_, w)| w.is_some())
            .map(|(l, _)| l.as_str())
            .collect();
        rec.push_field(present.join("+").as_bytes());
        let baseline = match j.status {
            Status::Linked => j.baseline.and_then(|b| shape.waves.get(b)),
            _ => None,
        };
        rec.push_field(baseline.map_or("", String::as_str).as_bytes());
        for w in &p.waves {
            let id = w.as_ref().and_then(|w| shape.levels.get(w.level));
            rec.push_field(id.map_or("", String::as_str).as_bytes());
        }
        for (k, (_, d)) in shape.scales.iter().enumerate() {
            for w in &p.waves {
                let t = w.as_ref().and_then(|w| w.totals.get(k).copied().flatten());
                rec.push_field(t.map_or(String::new(), |t| total(t.units, *d)).as_bytes());
            }
            let o = j.outcomes.get(k).and_then(Option::as_ref);
            rec.push_field(
                o.and_then(|o| o.change)
                    .map_or(String::new(), |c| total(c, *d))
                    .as_bytes(),
            );
            rec.push_field(
                o.and_then(|o| o.rc)
                    .filter(|r| r.is_finite())
                    .map_or(String::new(), |r| format!("{r:.2}"))
                    .as_bytes(),
            );
            rec.push_field(
                o.map_or(Reliable::Unknown, |o| o.reliable)
                    .as_str()
                    .as_bytes(),
            );
            rec.push_field(
                o.map_or(Clinical::Unknown, |o| o.clinical)
                    .as_str()
                    .as_bytes(),
            );
            rec.push_field(o.map_or(b"", |o| o.response.as_bytes()));
            rec.push_field(o.map_or(b"", |o| o.remission.as_bytes()));
            // no change known (a total incomplete): neither prorated nor not
            rec.push_field(tri(o.filter(|o| o.change.is_some()).map(|o| o.prorated)));
        }
        rec.push_field(j.trajectory.as_str().as_bytes());
        let mut named = Vec::new();
        for (c, name) in shape.critical.iter().enumerate() {
            let at: Vec<&str> = (shape.waves.iter().zip(&p.waves))
                .filter(|(_, w)| {
                    w.as_ref()
                        .and_then(|w| w.critical.get(c).copied().flatten())
                        .unwrap_or(false)
                })
                .map(|(l, _)| l.as_str())
                .collect();
            if !at.is_empty() {
                named.push(format!("{name} ({})", at.join(", ")));
            }
        }
        rec.push_field(named.join(", ").as_bytes());
        rec.push_field(l.level_id.as_bytes());
        rec.push_field(l.level_label.as_bytes());
        rec.push_field(l.reasons.as_bytes());
        self.sink.row(rec)
    }

    pub fn finish(self) -> anyhow::Result<W> {
        self.sink.finish()
    }

    /// A table on a terminal: the compact columns within `width`.
    pub fn compact_table(&mut self, width: usize) {
        self.sink.compact_table(width);
    }
}

/// Per group: people, linked, and per scale who changed how.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub linked: u64,
    /// Per scale: improved, no change, deteriorated, recovered, into the
    /// clinical range, not known (uncertain, incomplete, not linked).
    pub scales: Vec<[u64; 6]>,
    pub risk_new: u64,
    pub risk_escalated: u64,
}

impl Tally {
    pub fn add(&mut self, j: &Judged) {
        self.linked += u64::from(j.status == Status::Linked);
        if self.scales.len() < j.outcomes.len() {
            self.scales.resize(j.outcomes.len(), [0; 6]);
        }
        for (t, o) in self.scales.iter_mut().zip(&j.outcomes) {
            match o.as_ref().map(|o| o.reliable) {
                Some(Reliable::Improved) => t[0] += 1,
                Some(Reliable::NoChange) => t[1] += 1,
                Some(Reliable::Deteriorated) => t[2] += 1,
                _ => t[5] += 1,
            }
            match o.as_ref().map(|o| o.clinical) {
                Some(Clinical::Recovered) => t[3] += 1,
                Some(Clinical::IntoClinical) => t[4] += 1,
                _ => {}
            }
        }
        self.risk_new += u64::from(j.trajectory == Trajectory::New);
        self.risk_escalated += u64::from(j.trajectory == Trajectory::Escalated);
    }
}

impl Merge for Tally {
    fn merge(&mut self, o: &Tally) {
        self.linked += o.linked;
        if self.scales.len() < o.scales.len() {
            self.scales.resize(o.scales.len(), [0; 6]);
        }
        for (a, b) in self.scales.iter_mut().zip(&o.scales) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.risk_new += o.risk_new;
        self.risk_escalated += o.risk_escalated;
    }
}

const COUNTS: [&str; 6] = [
    "improved",
    "no_change",
    "deteriorated",
    "recovered",
    "into_clinical",
    "not_known",
];

/// The group counts as records (csv/jsonl/json/table).
pub fn group_records<W: Write>(
    (output, format, dest): (W, Format, Dest),
    by: &[String],
    scales: &[(String, u8)],
    shown: &Shown<Tally>,
) -> anyhow::Result<W> {
    let mut cols = Columns::new();
    cols.push("scope", Kind::Label);
    for b in by {
        cols.push(b.clone(), Kind::Text);
    }
    cols.push("n", Kind::Number);
    cols.push("suppressed", Kind::Bool);
    cols.push("linked", Kind::Number);
    for (s, _) in scales {
        for c in COUNTS {
            cols.push(format!("{s}_{c}"), Kind::Number);
        }
    }
    cols.push("risk_new", Kind::Number);
    cols.push("risk_escalated", Kind::Number);
    let width = cols.names.len();
    let sink = Sink::new(format, output, cols, dest)?;
    let json = matches!(format, Format::Json | Format::Jsonl);
    let fill = |rec: &mut ByteRecord, n: u64, t: &Tally| {
        rec.push_field(n.to_string().as_bytes());
        rec.push_field(b"false");
        rec.push_field(t.linked.to_string().as_bytes());
        for k in 0..scales.len() {
            let counts = t.scales.get(k).copied().unwrap_or_default();
            for c in counts {
                rec.push_field(c.to_string().as_bytes());
            }
        }
        rec.push_field(t.risk_new.to_string().as_bytes());
        rec.push_field(t.risk_escalated.to_string().as_bytes());
    };
    crate::summary::layout::group_rows((sink, width, json), by, shown, fill)
}

/// The group counts as tables to read (`--format table`): one per scale
/// and one of risks, as `summary` draws its counts.
pub fn group_tables<W: Write>(
    mut out: W,
    by: &[String],
    scales: &[(String, u8)],
    shown: &Shown<Tally>,
    lang: Lang,
) -> anyhow::Result<W> {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};
    let zh = lang == Lang::Zh;
    let pick = |en: &'static str, cn: &'static str| if zh { cn } else { en };
    let right = |s: String| comfy_table::Cell::new(s).set_alignment(CellAlignment::Right);
    let mark = suppressed_mark(shown.min_group);
    let table = |head: Vec<String>, f: &dyn Fn(u64, &Tally) -> Vec<String>| {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(head);
        for (key, cell) in &shown.groups {
            let mut r = vec![comfy_table::Cell::new(crate::diag::sanitize(
                &crate::summary::key_label(key, lang),
            ))];
            match cell {
                Cell::Shown { n, data } => r.extend(f(*n, data).into_iter().map(right)),
                Cell::Suppressed => r.push(right(mark.clone())),
            }
            t.add_row(r);
        }
        if let Some((n, all)) = &shown.overall {
            let mut r = vec![comfy_table::Cell::new(pick(
                "all shown groups",
                "全部（已显示的组）",
            ))];
            r.extend(f(*n, all).into_iter().map(right));
            t.add_row(r);
        }
        t
    };
    let group = by.join(" / ");
    for (k, (s, _)) in scales.iter().enumerate() {
        let mut head = vec![group.clone(), "n".into(), pick("linked", "已关联").into()];
        for h in [
            pick("improved", "可靠改善"),
            pick("no change", "无可靠变化"),
            pick("worse", "可靠变差"),
            pick("recovered", "康复"),
            pick("into clinical range", "进入临床范围"),
            pick("not known", "未知"),
        ] {
            head.push(h.into());
        }
        let t = table(head, &|n, d| {
            let c = d.scales.get(k).copied().unwrap_or_default();
            [n, d.linked]
                .into_iter()
                .chain(c)
                .map(|x| x.to_string())
                .collect()
        });
        writeln!(out, "{s}\n{t}\n")?;
    }
    let head = vec![
        group.clone(),
        "n".into(),
        pick("new risk", "新出现风险").into(),
        pick("escalated", "风险升高").into(),
    ];
    let t = table(head, &|n, d| {
        vec![
            n.to_string(),
            d.risk_new.to_string(),
            d.risk_escalated.to_string(),
        ]
    });
    writeln!(out, "{}\n{t}", pick("risk", "风险变化"))?;
    if shown.suppressed > 0 {
        let min = shown.min_group;
        writeln!(
            out,
            "{}",
            tr!(
                "{mark}: groups with fewer than {min} people are not shown and not part of the overall row.",
                "{mark}：少于 {min} 人的组不显示，也不计入“全部”一行。"
            )
        )?;
    }
    Ok(out)
}

/// An id as it may have been typed another time: full-width letters and
/// digits (a Chinese input method) as ASCII, letters in lower case.
fn folded(id: &str) -> String {
    id.chars()
        .map(|c| match u32::from(c) {
            // U+FF01..U+FF5E are ASCII 0x21..0x7E, full width
            x @ 0xFF01..=0xFF5E => char::from_u32(x - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Ids not linked that differ from another only in case or full-width
/// characters: never linked (two pupils may differ by case alone), but
/// named, since most often they are one person typed twice. One line, or
/// none.
pub fn near_ids(people: &People, judged: &[Judged], labels: &[String]) -> Option<String> {
    let mut by_fold: indexmap::IndexMap<String, Vec<String>> = indexmap::IndexMap::new();
    for (p, j) in people.people.values().zip(judged) {
        if !matches!(j.status, Status::Unlinked | Status::NotRescreened) {
            continue;
        }
        by_fold.entry(folded(&p.id)).or_default().push(format!(
            "{} ({})",
            crate::printable::printable_line(&p.id),
            waves_of(p, labels)
        ));
    }
    let groups: Vec<String> = by_fold
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|g| g.join(" ~ "))
        .collect();
    if groups.is_empty() {
        return None;
    }
    let (n, list) = (groups.len(), groups.join(", "));
    Some(tr!(
        "{n} id(s) differ from another only in case or full-width characters and were not linked: {list}; if they are one person, write the id alike in every wave",
        "{n} 组编号仅大小写或全角/半角不同，未关联：{list}；如为同一人，请在各次筛查中写成相同的编号"
    ))
}

/// The waves a person is in: `t1+t2`.
fn waves_of(p: &Person, labels: &[String]) -> String {
    let at: Vec<&str> = labels
        .iter()
        .zip(&p.waves)
        .filter(|(_, w)| w.is_some())
        .map(|(l, _)| l.as_str())
        .collect();
    at.join("+")
}

/// A row that cannot be linked, as a counselor finds it in the wave's
/// file: `row 4 (t2)`, with the id that did not decode (`id`, shown as
/// the caller shows it) when there was one.
pub fn located(p: &Person, labels: &[String], id: &str) -> String {
    let rows: Vec<String> = p
        .waves
        .iter()
        .flatten()
        .map(|w| w.row.to_string())
        .collect();
    let (rows, at) = (rows.join(", "), waves_of(p, labels));
    if id.is_empty() {
        tr!("row {rows} ({at})", "第 {rows} 行（{at}）")
    } else {
        tr!(
            "row {rows} ({at}, id {id})",
            "第 {rows} 行（{at}，编号 {id}）"
        )
    }
}

/// The most people a warning names one by one.
const NAMED_MAX: usize = 50;

/// People whose change is not computed, counted and named: one line per
/// status (the caller prints them as warnings).
pub fn unlinked_lines(people: &People, judged: &[Judged], labels: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    for status in [
        Status::Unlinked,
        Status::NotRescreened,
        Status::Duplicate,
        Status::NoId,
    ] {
        let who: Vec<String> = people
            .people
            .values()
            .zip(judged)
            .filter(|(_, j)| j.status == status)
            .map(|(p, _)| {
                let id = crate::printable::printable_line(&p.id);
                match status {
                    Status::NoId => located(p, labels, &id),
                    _ => format!("{id} ({})", waves_of(p, labels)),
                }
            })
            .collect();
        if who.is_empty() {
            continue;
        }
        let n = who.len();
        // a list a person can read; everyone is in the output's `status`
        let mut list = who[..n.min(NAMED_MAX)].join(", ");
        if n > NAMED_MAX {
            let more = n - NAMED_MAX;
            list.push_str(&tr!(
                " and {more} more (see the status column)",
                " 等，另有 {more} 人（见 status 列）"
            ));
        }
        let what = match status {
            Status::Unlinked => tr!("not linked (too few waves)", "未能关联（筛查次数不足）"),
            Status::NotRescreened => tr!("not re-screened at the last wave", "最后一次未再筛查"),
            Status::Duplicate => tr!(
                "in one wave twice (which row is theirs cannot be told; the higher level is kept)",
                "在同一次筛查中出现两次（无法判断哪一行属于此人；保留较高级别）"
            ),
            _ => tr!(
                "row(s) without an id, or with one that did not decode (cannot be linked)",
                "没有编号或编号无法解码的行（无法关联）"
            ),
        };
        lines.push(tr!("{n} {what}: {list}", "{what}（{n}）：{list}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn totals_are_written_with_their_decimals() {
        assert_eq!(super::total(-7, 0), "-7");
        assert_eq!(super::total(-5, 2), "-0.05");
        assert_eq!(super::total(250, 2), "2.50");
    }
}
