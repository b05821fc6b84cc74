//! The summary's layouts: group counts as records (csv/jsonl/json, one
//! row per group and one for all shown groups) or as tables for people
//! (one per scale and one of risk levels).

use std::io::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement};
use csv::ByteRecord;

use super::{
    fmt2, key_label, push_fmt2, suppressed_mark, Cell, LevelInfo, ScaleInfo, ScaleTally, Shown,
    Tally,
};
use crate::cli::Format;
use crate::instrument::Lang;
use crate::io::write::{Columns, Dest, Kind, Sink};

/// Counts per group as records.
pub fn counts_records<W: Write>(
    (output, format, dest): (W, Format, Dest),
    by: &[String],
    scales: &[ScaleInfo],
    levels: &[LevelInfo],
    shown: &Shown<Tally>,
) -> anyhow::Result<W> {
    let mut cols = Columns::new();
    cols.push("scope", Kind::Label);
    for b in by {
        cols.push(b.clone(), Kind::Text);
    }
    cols.push("n", Kind::Number);
    cols.push("suppressed", Kind::Bool);
    cols.push("incomplete", Kind::Number);
    for s in scales {
        cols.push(format!("{}_mean", s.id), Kind::Number);
        cols.push(format!("{}_sd", s.id), Kind::Number);
        for b in &s.bands {
            cols.push(format!("{}_{}", s.id, b.id), Kind::Number);
        }
        cols.push(format!("{}_incomplete", s.id), Kind::Number);
    }
    for l in levels {
        cols.push(format!("level_{}", l.id), Kind::Number);
    }
    let width = cols.names.len();
    let sink = Sink::new(format, output, cols, dest)?;
    let json = matches!(format, Format::Json | Format::Jsonl);
    // numbers written straight into the record: with 50,000 groups a
    // string per field cost more than writing the records
    let mut digits = itoa::Buffer::new();
    let mut decimals = String::new();
    let none = ScaleTally::default();
    let fill = |rec: &mut ByteRecord, n: u64, t: &Tally| {
        let mut number = |rec: &mut ByteRecord, n: u64| rec.push_field(digits.format(n).as_bytes());
        number(rec, n);
        rec.push_field(b"false");
        number(rec, t.incomplete);
        for (k, s) in scales.iter().enumerate() {
            let st = t.scales.get(k).unwrap_or(&none);
            for x in [st.totals.mean(), st.totals.sd()] {
                decimals.clear();
                push_fmt2(&mut decimals, x);
                rec.push_field(decimals.as_bytes());
            }
            for b in 0..s.bands.len() {
                number(rec, st.band(b));
            }
            number(rec, st.incomplete);
        }
        for l in 0..levels.len() {
            number(rec, t.level(l));
        }
    };
    group_rows((sink, width, json), by, shown, fill)
}

/// The rows of a group count table, then the overall row: a suppressed
/// group shows only `<N` (null in JSON) and `suppressed = true`. `fill`
/// writes a shown group's size and counts.
pub fn group_rows<W: Write, T>(
    (mut sink, width, json): (Sink<W>, usize, bool),
    by: &[String],
    shown: &Shown<T>,
    mut fill: impl FnMut(&mut ByteRecord, u64, &T),
) -> anyhow::Result<W> {
    let mut rec = ByteRecord::new();
    for (key, cell) in &shown.groups {
        rec.clear();
        rec.push_field(b"group");
        for v in key {
            rec.push_field(v.as_bytes());
        }
        match cell {
            Cell::Shown { n, data } => fill(&mut rec, *n, data),
            Cell::Suppressed => {
                // JSON has no `<5` number: null, with suppressed = true
                let mark = if json {
                    String::new()
                } else {
                    suppressed_mark(shown.min_group)
                };
                rec.push_field(mark.as_bytes());
                rec.push_field(b"true");
                while rec.len() < width {
                    rec.push_field(b"");
                }
            }
        }
        sink.row(&rec)?;
    }
    if let Some((n, all)) = &shown.overall {
        rec.clear();
        rec.push_field(b"all");
        for _ in by {
            rec.push_field(b"");
        }
        fill(&mut rec, *n, all);
        sink.row(&rec)?;
    }
    sink.finish()
}

fn comfy() -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t
}

fn right(s: impl ToString) -> comfy_table::Cell {
    comfy_table::Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

/// Counts per group for people: one table per scale and one of risk levels.
pub fn counts_table<W: Write>(
    mut out: W,
    by: &[String],
    scales: &[ScaleInfo],
    levels: &[LevelInfo],
    shown: &Shown<Tally>,
    lang: Lang,
) -> anyhow::Result<W> {
    let zh = lang == Lang::Zh;
    let group_head = by.join(" / ");
    let all_label = if zh {
        "全部（已显示的组）"
    } else {
        "all shown groups"
    };
    let incomplete = if zh { "不完整" } else { "incomplete" };
    let mark = suppressed_mark(shown.min_group);
    let rows_of = |t: &mut comfy_table::Table,
                   f: &dyn Fn(u64, &Tally) -> Vec<comfy_table::Cell>| {
        for (key, cell) in &shown.groups {
            let mut r = vec![comfy_table::Cell::new(crate::diag::sanitize(&key_label(
                key, lang,
            )))];
            match cell {
                Cell::Shown { n, data } => r.extend(f(*n, data)),
                Cell::Suppressed => r.push(right(&mark)),
            }
            t.add_row(r);
        }
        if let Some((n, all)) = &shown.overall {
            let mut r = vec![comfy_table::Cell::new(all_label)];
            r.extend(f(*n, all));
            t.add_row(r);
        }
    };
    for (k, s) in scales.iter().enumerate() {
        let mut t = comfy();
        let mut head = vec![group_head.clone(), "n".into()];
        head.push(if zh { "均值" } else { "mean" }.into());
        head.push(if zh { "标准差" } else { "SD" }.into());
        head.extend(s.bands.iter().map(|b| b.display(lang)));
        head.push(incomplete.into());
        t.set_header(head);
        rows_of(&mut t, &|n, data| {
            let st = data.scales.get(k).cloned().unwrap_or_default();
            let mut r = vec![
                right(n),
                right(fmt2(st.totals.mean())),
                right(fmt2(st.totals.sd())),
            ];
            r.extend((0..s.bands.len()).map(|b| right(st.band(b))));
            r.push(right(st.incomplete));
            r
        });
        writeln!(out, "{}\n{t}\n", s.id)?;
    }
    let mut t = comfy();
    let mut head = vec![group_head.clone(), "n".into()];
    head.extend(levels.iter().map(|l| l.label.get(lang).to_string()));
    head.push(
        if zh {
            "含不完整量表"
        } else {
            "with an incomplete scale"
        }
        .into(),
    );
    t.set_header(head);
    rows_of(&mut t, &|n, data| {
        let mut r = vec![right(n)];
        r.extend((0..levels.len()).map(|l| right(data.level(l))));
        r.push(right(data.incomplete));
        r
    });
    writeln!(out, "{}\n{t}", if zh { "风险级别" } else { "risk levels" })?;
    if shown.suppressed > 0 {
        writeln!(
            out,
            "{}",
            if zh {
                format!(
                    "{mark}：少于 {} 人的组不显示，也不计入“全部”一行。",
                    shown.min_group
                )
            } else {
                format!(
                    "{mark}: groups with fewer than {} respondents are not shown and not part of the overall row.",
                    shown.min_group
                )
            }
        )?;
    }
    Ok(out)
}
