//! `summary --quality`: alpha and item statistics per scale, per shown
//! group and over all shown groups, from complete cases.

use std::io::Write;

use csv::ByteRecord;

use super::alpha::{fmt3, Reliability};
use super::{groups_note, suppressed_mark, Cell, Groups};
use crate::cli::Format;
use crate::io::write::{Columns, Dest, Kind, Sink};
use crate::score::{Answer, Battery};

pub struct Quality<'b> {
    battery: &'b Battery,
    sizes: Vec<usize>,
    groups: Groups<Vec<Reliability>>,
    vals: Vec<Vec<i64>>,
}

impl<'b> Quality<'b> {
    pub fn new(battery: &'b Battery) -> Self {
        let sizes: Vec<usize> = battery.scales().map(|(_, _, s)| s.items.len()).collect();
        Quality {
            battery,
            vals: vec![Vec::new(); sizes.len()],
            sizes,
            groups: Groups::default(),
        }
    }

    /// One row: its group key and its answers after skip logic.
    pub fn add(&mut self, key: &[String], answers: &[Answer]) {
        let sizes = &self.sizes;
        let acc = self
            .groups
            .row(key, || sizes.iter().map(|&k| Reliability::new(k)).collect());
        let complete = scored_items(self.battery, answers, &mut self.vals);
        for ((r, vs), ok) in acc.iter_mut().zip(&self.vals).zip(complete) {
            if ok {
                r.add(vs);
            }
        }
    }

    /// Write the statistics; the writer back and a note on the groups.
    pub fn write<W: Write>(
        self,
        by: &[String],
        min_group: u64,
        (format, output, dest): (Format, W, Dest),
    ) -> anyhow::Result<(W, String)> {
        let battery = self.battery;
        let n_groups = self.groups.len();
        let shown = self.groups.finish(min_group);

        let mut cols = Columns::new();
        cols.push("scope", Kind::Label);
        for b in by {
            cols.push(b.clone(), Kind::Text);
        }
        for (name, kind) in [
            ("scale", Kind::Label),
            ("item", Kind::Label),
            ("n", Kind::Number),
            ("suppressed", Kind::Bool),
            ("alpha", Kind::Number),
            ("r_drop", Kind::Number),
            ("alpha_if_dropped", Kind::Number),
        ] {
            cols.push(name, kind);
        }
        let json = matches!(format, Format::Json | Format::Jsonl);
        let mut sink = Sink::new(format, output, cols, dest)?;
        let scales: Vec<(&str, Vec<&str>)> = battery
            .scales()
            .map(|(_, inst, s)| {
                (
                    s.id.as_str(),
                    s.items.iter().map(|&i| inst.items[i].id.as_str()).collect(),
                )
            })
            .collect();
        let mut rec = ByteRecord::new();
        let mut emit = |sink: &mut Sink<W>,
                        scope: &str,
                        key: &[String],
                        data: Option<&Vec<Reliability>>|
         -> anyhow::Result<()> {
            for (k, (scale, items)) in scales.iter().enumerate() {
                let head = |rec: &mut ByteRecord, item: &str| {
                    rec.clear();
                    rec.push_field(scope.as_bytes());
                    for v in key {
                        rec.push_field(v.as_bytes());
                    }
                    rec.push_field(scale.as_bytes());
                    rec.push_field(item.as_bytes());
                };
                head(&mut rec, "");
                let Some(r) = data.and_then(|d| d.get(k)) else {
                    let mark = if json {
                        String::new()
                    } else {
                        suppressed_mark(min_group)
                    };
                    rec.push_field(mark.as_bytes());
                    for f in ["true", "", "", ""] {
                        rec.push_field(f.as_bytes());
                    }
                    sink.row(&rec)?;
                    continue;
                };
                let n = r.n().to_string();
                for f in [n.as_str(), "false", &fmt3(r.alpha()), "", ""] {
                    rec.push_field(f.as_bytes());
                }
                sink.row(&rec)?;
                for (item, st) in items.iter().zip(r.item_stats()) {
                    head(&mut rec, item);
                    for f in [
                        n.as_str(),
                        "false",
                        "",
                        &fmt3(st.r_drop),
                        &fmt3(st.alpha_if_dropped),
                    ] {
                        rec.push_field(f.as_bytes());
                    }
                    sink.row(&rec)?;
                }
            }
            Ok(())
        };
        for (key, cell) in &shown.groups {
            match cell {
                Cell::Shown { data, .. } => emit(&mut sink, "group", key, Some(data))?,
                Cell::Suppressed => emit(&mut sink, "group", key, None)?,
            }
        }
        if let Some((_, all)) = &shown.overall {
            let blank = vec![String::new(); by.len()];
            emit(&mut sink, "all", &blank, Some(all))?;
        }
        let out = sink.finish()?;
        Ok((out, groups_note(n_groups, shown.suppressed, min_group)))
    }
}

/// Per scale: the k scored item values of a complete case, else `None`.
fn scored_items(battery: &Battery, answers: &[Answer], out: &mut [Vec<i64>]) -> Vec<bool> {
    let mut complete = Vec::with_capacity(out.len());
    let mut s = 0;
    let mut offset = 0;
    for inst in &battery.instruments {
        for scale in &inst.scales {
            let vals = &mut out[s];
            vals.clear();
            let mut ok = true;
            for &i in &scale.items {
                let item = &inst.items[i];
                match answers.get(offset + i) {
                    Some(Answer::Value(v)) => {
                        let set = &inst.response_sets[item.set];
                        let v = if item.reverse {
                            set.min + set.max - v
                        } else {
                            *v
                        };
                        vals.push(i64::from(v));
                    }
                    _ => ok = false,
                }
            }
            complete.push(ok);
            s += 1;
        }
        offset += inst.items.len();
    }
    complete
}
