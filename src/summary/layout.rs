//! The summary's layouts: group counts as records (csv/jsonl/json, one
//! row per group and one for all shown groups) or as tables for people
//! (one per scale and one of risk levels).

use std::io::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement};
use csv::ByteRecord;

use super::tallies::{push_group, Chunk, KeyValues, Rest, Tallies};
use super::{
    fmt2, key_label, push_fmt2, suppressed_mark, Cell, LevelInfo, ScaleInfo, ScaleTally, Shown,
    Tally,
};
use crate::cli::Format;
use crate::instrument::Lang;
use crate::io::write::{csv_text, Columns, Dest, Kind, Sink};

/// Counts per group as records, of the groups `tallies` makes: with
/// `threads` > 1 made on that many threads while this one writes them
/// (`made`). Plain CSV data is encoded there too, a chunk of lines at a
/// time, and written here as it is: with 50,000 groups, making the groups
/// and encoding their records on this thread took 97 ms after every row
/// was read; on two threads this way, 37 ms. Also gives the number
/// suppressed.
pub fn tallies_records<W: Write>(
    into: (W, Format, Dest),
    by: &[String],
    (scales, levels): (&[ScaleInfo], &[LevelInfo]),
    (tallies, min_group): (Tallies, u64),
    threads: usize,
) -> anyhow::Result<(W, usize)> {
    let mut rows = counts_rows(into, by, scales, levels, min_group)?;
    let rest = if rows.sink.is_csv_data() {
        let (mark, width) = (rows.mark.clone(), rows.width);
        let mark = mark.as_str();
        let put = || {
            let mut fields = TallyFields::new(scales, levels);
            move |block: &mut Vec<u8>, key: KeyValues<'_>, cell: Cell<Tally>| {
                let mut line = CsvLine {
                    line: block,
                    fields: 0,
                };
                group_row(&mut line, key, &cell, (mark, width), |o, n, t| {
                    fields.fill(o, n, t);
                });
                block.push(b'\n');
            }
        };
        let write = |block: Vec<u8>| -> anyhow::Result<()> {
            // never lines dropped: `is_csv_data` said it writes them as they are
            anyhow::ensure!(rows.sink.csv_data_row(&block)?, lines_refused());
            Ok(())
        };
        made(tallies, min_group, threads, put, write)?
    } else {
        let put = || push_group;
        let write = |chunk: Chunk| -> anyhow::Result<()> {
            for (key, cell) in &chunk {
                rows.group(key, cell)?;
            }
            Ok(())
        };
        made(tallies, min_group, threads, put, write)?
    };
    Ok((rows.finish(by, rest.overall.as_ref())?, rest.suppressed))
}

/// The groups of `tallies`, each `put` into a chunk of `CHUNK` groups,
/// each chunk handed to `write` in key order. With `threads` > 1 the
/// chunks are made on that many threads while this one writes them (each
/// a chunk or two ahead at most: memory stays that of the groups), each
/// with its own `put` (`new_put`).
fn made<C: Default + Send, P: FnMut(&mut C, KeyValues<'_>, Cell<Tally>)>(
    tallies: Tallies,
    min_group: u64,
    threads: usize,
    new_put: impl Fn() -> P + Sync,
    mut write: impl FnMut(C) -> anyhow::Result<()>,
) -> anyhow::Result<Rest> {
    if threads < 2 {
        let mut wrote = Ok(());
        let rest = tallies.finish_into(min_group, new_put(), |c| {
            wrote = write(c);
            wrote.is_ok()
        });
        return wrote.map(|()| rest);
    }
    let finished = tallies.finished(min_group);
    let mut merged = finished.merged();
    let chunks = finished.chunks();
    let makers = threads.min(chunks);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (finished, new_put) = (&finished, &new_put);
        let made: Vec<_> = (0..makers)
            .map(|k| {
                let (tx, rx) = std::sync::mpsc::sync_channel(1);
                scope.spawn(move || {
                    let mut put = new_put();
                    for c in (k..chunks).step_by(makers) {
                        let mut chunk = C::default();
                        let rest = finished.chunk(c, &mut chunk, &mut put);
                        // the writer stopped (an error): so does this thread
                        if tx.send((chunk, rest)).is_err() {
                            return;
                        }
                    }
                });
                rx
            })
            .collect();
        // on an error `made` goes, and the making threads stop at their next chunk
        for c in 0..chunks {
            let (chunk, rest) = made[c % makers]
                .recv()
                .expect("a making thread sends each of its chunks");
            merged.add(&rest);
            write(chunk)?;
        }
        Ok(())
    })?;
    Ok(finished.rest(merged))
}

/// The sink would not take lines as they are after saying it would: a
/// bug, never groups left out of the output.
fn lines_refused() -> anyhow::Error {
    anyhow::anyhow!(crate::messages::tr!(
        "internal error: the output refused the summary's encoded lines",
        "内部错误：输出拒收了汇总已编码的行"
    ))
}

/// Where a group's row goes, field by field: a record for the sink to
/// encode, or the line itself when the sink writes plain CSV data.
trait Fields {
    /// A number, `true`/`false`, a scope or the suppressed mark: never
    /// anything to quote or escape.
    fn plain(&mut self, f: &[u8]);
    /// A key's value: text from the input.
    fn text(&mut self, f: &[u8]);
    /// Fields so far.
    fn count(&self) -> usize;
}

impl Fields for ByteRecord {
    fn plain(&mut self, f: &[u8]) {
        self.push_field(f);
    }
    fn text(&mut self, f: &[u8]) {
        self.push_field(f);
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// A line of plain CSV data, encoded as `Sink` encodes the record of
/// `counts_rows`' columns (numbers as they are, key values as text).
struct CsvLine<'l> {
    line: &'l mut Vec<u8>,
    fields: usize,
}

impl CsvLine<'_> {
    fn next(&mut self) {
        if self.fields > 0 {
            self.line.push(b',');
        }
        self.fields += 1;
    }
}

impl Fields for CsvLine<'_> {
    fn plain(&mut self, f: &[u8]) {
        self.next();
        self.line.extend_from_slice(f);
    }
    fn text(&mut self, f: &[u8]) {
        self.next();
        csv_text(self.line, f);
    }
    fn count(&self) -> usize {
        self.fields
    }
}

/// A group's row: its scope and key, then what `fill` writes of a shown
/// group, or `mark` (the suppressed size), `true` and empty fields up to
/// `width`.
fn group_row<'k, O: Fields, T>(
    out: &mut O,
    key: impl IntoIterator<Item = &'k [u8]>,
    cell: &Cell<T>,
    (mark, width): (&str, usize),
    fill: impl FnOnce(&mut O, u64, &T),
) {
    out.plain(b"group");
    for v in key {
        out.text(v);
    }
    match cell {
        Cell::Shown { n, data } => fill(out, *n, data),
        Cell::Suppressed => {
            out.plain(mark.as_bytes());
            out.plain(b"true");
            while out.count() < width {
                out.plain(b"");
            }
        }
    }
}

/// How a shown group's size and counts fill `counts_rows`' columns.
struct TallyFields<'a> {
    scales: &'a [ScaleInfo],
    levels: &'a [LevelInfo],
    digits: itoa::Buffer,
    decimals: String,
    none: ScaleTally,
}

impl<'a> TallyFields<'a> {
    fn new(scales: &'a [ScaleInfo], levels: &'a [LevelInfo]) -> Self {
        TallyFields {
            scales,
            levels,
            digits: itoa::Buffer::new(),
            decimals: String::new(),
            none: ScaleTally::default(),
        }
    }

    // numbers written straight into the record: with 50,000 groups a
    // string per field cost more than writing the records
    fn fill(&mut self, out: &mut impl Fields, n: u64, t: &Tally) {
        let digits = &mut self.digits;
        let mut number = |out: &mut _, n: u64| Fields::plain(out, digits.format(n).as_bytes());
        number(out, n);
        out.plain(b"false");
        number(out, t.incomplete);
        for (k, s) in self.scales.iter().enumerate() {
            let st = t.scales.get(k).unwrap_or(&self.none);
            for x in [st.totals.mean(), st.totals.sd()] {
                self.decimals.clear();
                push_fmt2(&mut self.decimals, x);
                out.plain(self.decimals.as_bytes());
            }
            for b in 0..s.bands.len() {
                number(out, st.band(b));
            }
            number(out, st.incomplete);
        }
        for l in 0..self.levels.len() {
            number(out, t.level(l));
        }
    }
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
    let mut fields = TallyFields::new(scales, levels);
    let fill = move |rec: &mut ByteRecord, n: u64, t: &Tally| fields.fill(rec, n, t);
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
        let key = key.iter().map(String::as_bytes);
        group_row(rec, key, cell, (&self.mark, self.width), &mut self.fill);
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

    /// Plain CSV lines encoded where the groups are made are the bytes
    /// the sink writes of each group's record: keys that need quotes or a
    /// formula escape, keys of two values, suppressed groups.
    #[test]
    fn lines_made_with_the_groups_are_the_records_the_sink_writes() {
        let values = [
            "=SUM(A1)",
            "a,b",
            "q\"uote",
            "中文",
            "",
            "-3",
            "line\nbreak",
            "@x",
        ];
        let tallies = || {
            let mut t = Tallies::default();
            for i in 0..600u32 {
                let key = [
                    values[i as usize % values.len()].to_string(),
                    format!("S{}", i % 7),
                ];
                let facts = [ScaleFact {
                    total: (i % 5 > 0).then(|| f64::from(i % 27) / 3.0),
                    band: (i % 5 > 0).then_some((i % 2) as usize),
                }];
                t.row(&key, &facts, (i % 3) as usize);
            }
            t
        };
        let levels: Vec<LevelInfo> = ["none", "monitor", "refer"]
            .iter()
            .map(|id| LevelInfo {
                id: (*id).into(),
                label: crate::instrument::Text::default(),
            })
            .collect();
        let by = ["class".to_string(), "school".to_string()];
        let scales = scales();
        for min_group in [1, 11] {
            let into = (Vec::new(), Format::Csv, Dest::Data);
            let mut rows = counts_rows(into, &by, &scales, &levels, min_group).unwrap();
            let shown = tallies().finish(min_group);
            assert!(shown.groups.len() > 50);
            for (key, cell) in &shown.groups {
                rows.group(key, cell).unwrap();
            }
            let records = rows.finish(&by, shown.overall.as_ref()).unwrap();
            for threads in [1, 2] {
                let into = (Vec::new(), Format::Csv, Dest::Data);
                let (lines, suppressed) = tallies_records(
                    into,
                    &by,
                    (&scales, &levels),
                    (tallies(), min_group),
                    threads,
                )
                .unwrap();
                assert_eq!(suppressed, shown.suppressed);
                assert_eq!(
                    String::from_utf8_lossy(&lines),
                    String::from_utf8_lossy(&records),
                    "min_group {min_group}, {threads} thread(s)"
                );
            }
        }
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
        // CSV data: chunks of lines; JSON lines: chunks of groups
        for format in [Format::Csv, Format::Jsonl] {
            for threads in [1, 2] {
                let into = (Fails(2_000), format, Dest::Data);
                let by = ["class".to_string()];
                let levels: Vec<LevelInfo> = Vec::new();
                let got = tallies_records(into, &by, (&scales(), &levels), (tallies(), 2), threads);
                let err = format!("{:#}", got.err().expect("the writer failed"));
                assert!(err.contains("disk full"), "{format:?}, {threads}: {err}");
            }
        }
    }
}
