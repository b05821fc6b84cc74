//! The summary's layouts: group counts as records (csv/jsonl/json, one
//! row per group and one for all shown groups) or as tables for people
//! (one per scale and one of risk levels).

use std::io::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement};
use csv::ByteRecord;

use super::tallies::{Chunk, Tallies};
use super::{
    fmt2, key_label, push_fmt2, suppressed_mark, Cell, LevelInfo, ScaleInfo, ScaleTally, Shown,
    Tally,
};
use crate::cli::Format;
use crate::instrument::Lang;
use crate::io::write::{Columns, Dest, Kind, Sink};

/// Counts per group as records, of the groups `tallies` makes: with `threads` > 1
/// made on a thread of their own while this one writes them (with 50,000
/// groups making and writing them took as long each, after every row was
/// read, with the other core idle). Also gives the number suppressed.
pub fn tallies_records<W: Write>(
    into: (W, Format, Dest),
    by: &[String],
    (scales, levels): (&[ScaleInfo], &[LevelInfo]),
    (tallies, min_group): (Tallies, u64),
    threads: usize,
) -> anyhow::Result<(W, usize)> {
    let mut rows = counts_rows(into, by, scales, levels, min_group)?;
    let mut write = |chunk: &Chunk| -> anyhow::Result<()> {
        for (key, cell) in chunk {
            rows.group(key, cell)?;
        }
        Ok(())
    };
    let rest = if threads > 1 {
        // a few chunks ahead at most: memory stays that of the groups
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
        std::thread::scope(|scope| {
            let making =
                scope.spawn(move || tallies.finish_each(min_group, |c| tx.send(c).is_ok()));
            // on an error `rx` goes, and the making thread stops at its next chunk
            let wrote = rx.iter().try_for_each(|c| write(&c));
            let rest = making.join().expect("the groups' thread does not panic");
            wrote.map(|()| rest)
        })?
    } else {
        let mut wrote = Ok(());
        let rest = tallies.finish_each(min_group, |c| {
            wrote = write(&c);
            wrote.is_ok()
        });
        wrote.map(|()| rest)?
    };
    Ok((rows.finish(by, rest.overall.as_ref())?, rest.suppressed))
}

/// The writer of `tallies_records`: its columns, and how a shown group's
/// counts fill them.
fn counts_rows<'a, W: Write>(
    (output, format, dest): (W, Format, Dest),
    by: &[String],
    scales: &'a [ScaleInfo],
    levels: &'a [LevelInfo],
    min_group: u64,
) -> anyhow::Result<GroupRows<W, impl FnMut(&mut ByteRecord, u64, &Tally) + 'a>> {
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
    let fill = move |rec: &mut ByteRecord, n: u64, t: &Tally| {
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
    Ok(GroupRows::new((sink, width, json), min_group, fill))
}

/// The rows of a group count table, then the overall row: a suppressed
/// group shows only `<N` (null in JSON) and `suppressed = true`. `fill`
/// writes a shown group's size and counts.
pub fn group_rows<W: Write, T>(
    into: (Sink<W>, usize, bool),
    by: &[String],
    shown: &Shown<T>,
    fill: impl FnMut(&mut ByteRecord, u64, &T),
) -> anyhow::Result<W> {
    let mut rows = GroupRows::new(into, shown.min_group, fill);
    for (key, cell) in &shown.groups {
        rows.group(key, cell)?;
    }
    rows.finish(by, shown.overall.as_ref())
}

/// `group_rows` a group at a time, as they come.
pub struct GroupRows<W: Write, F> {
    sink: Sink<W>,
    width: usize,
    /// What a suppressed group shows for its size.
    mark: String,
    fill: F,
    rec: ByteRecord,
}

impl<W: Write, F> GroupRows<W, F> {
    fn new((sink, width, json): (Sink<W>, usize, bool), min_group: u64, fill: F) -> Self {
        GroupRows {
            sink,
            width,
            // JSON has no `<5` number: null, with suppressed = true
            mark: if json {
                String::new()
            } else {
                suppressed_mark(min_group)
            },
            fill,
            rec: ByteRecord::new(),
        }
    }

    fn group<T>(&mut self, key: &[String], cell: &Cell<T>) -> anyhow::Result<()>
    where
        F: FnMut(&mut ByteRecord, u64, &T),
    {
        let rec = &mut self.rec;
        rec.clear();
        rec.push_field(b"group");
        for v in key {
            rec.push_field(v.as_bytes());
        }
        match cell {
            Cell::Shown { n, data } => (self.fill)(rec, *n, data),
            Cell::Suppressed => {
                rec.push_field(self.mark.as_bytes());
                rec.push_field(b"true");
                while rec.len() < self.width {
                    rec.push_field(b"");
                }
            }
        }
        self.sink.row(rec)
    }

    /// The overall row, if any group was shown, and the end.
    fn finish<T>(mut self, by: &[String], overall: Option<&(u64, T)>) -> anyhow::Result<W>
    where
        F: FnMut(&mut ByteRecord, u64, &T),
    {
        if let Some((n, all)) = overall {
            let rec = &mut self.rec;
            rec.clear();
            rec.push_field(b"all");
            for _ in by {
                rec.push_field(b"");
            }
            (self.fill)(rec, *n, all);
            self.sink.row(rec)?;
        }
        self.sink.finish()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{BandInfo, ScaleFact};

    /// 3,000 groups (three chunks), a third of them too small to show,
    /// totals whose means and SDs depend on the order they are merged in.
    fn tallies() -> Tallies {
        let mut t = Tallies::default();
        for i in 0..9_000u32 {
            let g = i % 3_000;
            if g % 3 == 0 && i >= 3_000 {
                continue;
            }
            let total = f64::from(i % 27) / 3.0;
            let facts = [ScaleFact {
                total: Some(total),
                band: Some((i % 2) as usize),
            }];
            t.row(&[format!("C{g}")], &facts, (i % 3) as usize);
        }
        t
    }

    fn scales() -> Vec<ScaleInfo> {
        let band = |id: &str| BandInfo {
            id: id.into(),
            en: None,
            zh: None,
        };
        vec![ScaleInfo {
            id: "s".into(),
            bands: vec![band("low"), band("high")],
        }]
    }

    fn records(format: Format, threads: usize) -> (Vec<u8>, usize) {
        let levels: Vec<LevelInfo> = Vec::new();
        let by = ["class".to_string()];
        let into = (Vec::new(), format, Dest::Data);
        tallies_records(into, &by, (&scales(), &levels), (tallies(), 2), threads).unwrap()
    }

    /// The groups made on a thread of their own are written as on one: the
    /// same bytes, in key order, the overall row merged as before.
    #[test]
    fn groups_made_meanwhile_are_written_as_on_one_thread() {
        for format in [Format::Csv, Format::Json, Format::Jsonl] {
            let one = records(format, 1);
            assert_eq!(one, records(format, 2), "{format:?}");
            assert_eq!(one.1, 1_000);
        }
        let (csv, _) = records(Format::Csv, 2);
        let text = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // header, 3,000 groups, the overall row
        assert_eq!(lines.len(), 3_002);
        assert!(lines[1].starts_with("group,C0,<2,true"), "{}", lines[1]);
        assert!(lines[2].starts_with("group,C1,3,false"), "{}", lines[2]);
        // natural order: C9 before C10
        let at = |k: &str| lines.iter().position(|l| l.starts_with(k)).unwrap();
        assert!(at("group,C9,") < at("group,C10,"));
        // the overall row is the shown groups' sum, as `finish` gives it
        let shown = tallies().finish(2);
        let (n, all) = shown.overall.unwrap();
        let mean = crate::summary::fmt2(all.scales[0].totals.mean());
        let last = lines[3_001];
        assert!(
            last.starts_with(&format!("all,,{n},false,0,{mean},")),
            "{last}"
        );
    }

    /// A writer that fails part-way: the error is the run's, and the
    /// thread making the groups stops instead of waiting for ever.
    #[test]
    fn a_failing_writer_stops_the_groups_thread() {
        struct Fails(usize);
        impl Write for Fails {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                if self.0 < b.len() {
                    return Err(std::io::Error::other("disk full"));
                }
                self.0 -= b.len();
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        for threads in [1, 2] {
            let into = (Fails(2_000), Format::Csv, Dest::Data);
            let by = ["class".to_string()];
            let levels: Vec<LevelInfo> = Vec::new();
            let got = tallies_records(into, &by, (&scales(), &levels), (tallies(), 2), threads);
            let err = format!("{:#}", got.err().expect("the writer failed"));
            assert!(err.contains("disk full"), "{err}");
        }
    }
}
