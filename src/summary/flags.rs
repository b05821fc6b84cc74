//! `summary --flags`: the rows with a careless-responding flag (long
//! strings, too fast, inconsistent answers), with their ids, one record
//! each.

use std::io::Write;

use csv::ByteRecord;

use super::careless::{parse_seconds, RowFlags};
use crate::cli::Format;
use crate::instrument::Lang;
use crate::io::write::{Columns, Dest, Kind, Sink};
use crate::score::{Answer, Battery};

/// Duration columns found without `--duration-column` (exports: wjx,
/// Qualtrics, generic).
pub const DURATION_HEADERS: [&str; 7] = [
    "所用时间",
    "答题时长",
    "作答时长",
    "duration",
    "Duration",
    "Duration (in seconds)",
    "duration_seconds",
];

/// One flagged row's place: its number, id and group key.
pub struct Who<'r> {
    pub row: u64,
    pub id: &'r str,
    pub key: &'r [String],
}

pub struct FlagList<'b, W: Write> {
    battery: &'b Battery,
    sink: Sink<W>,
    has_id: bool,
    lang: Lang,
    rec: ByteRecord,
    /// Rows written.
    pub flagged: u64,
    /// Duration cells that could not be read (each reported).
    pub problems: u64,
}

impl<'b, W: Write> FlagList<'b, W> {
    /// `id`: the id column's name; `by`: the group columns' names.
    pub fn new(
        battery: &'b Battery,
        (format, output, dest): (Format, W, Dest),
        id: Option<&str>,
        by: &[String],
        lang: Lang,
    ) -> anyhow::Result<Self> {
        let mut cols = Columns::new();
        cols.push("row", Kind::Number);
        if let Some(id) = id {
            cols.push(id, Kind::Text);
        }
        for b in by {
            cols.push(b.clone(), Kind::Text);
        }
        cols.push("longstring", Kind::Number);
        cols.push("seconds", Kind::Number);
        cols.push("flags", Kind::Text);
        Ok(FlagList {
            battery,
            sink: Sink::new(format, output, cols, dest)?,
            has_id: id.is_some(),
            lang,
            rec: ByteRecord::new(),
            flagged: 0,
            problems: 0,
        })
    }

    /// Check one row (its answers as read, before skip logic) and write
    /// it if flagged. `duration`: the duration column's name and cell.
    pub fn row(
        &mut self,
        who: &Who<'_>,
        as_read: &[Answer],
        duration: Option<(&str, &[u8])>,
    ) -> anyhow::Result<()> {
        let seconds = match duration {
            Some((column, cell)) if !cell.trim_ascii().is_empty() => {
                let text = String::from_utf8_lossy(cell);
                let s = parse_seconds(&text);
                if s.is_none() {
                    let (row, value) = (who.row, crate::diag::sanitize(text.trim()));
                    eprintln!(
                        "{}",
                        crate::messages::tr!(
                            "row {row}, column {column}: '{value}' is not a duration (expected seconds such as 107秒, 107 or 1:47); no time check for this row",
                            "第 {row} 行，「{column}」列：'{value}' 不是作答时长（应为秒数，例如 107秒、107 或 1:47）；此行不做时长检查"
                        )
                    );
                    self.problems += 1;
                }
                s
            }
            _ => None,
        };
        let f = RowFlags::check(self.battery, as_read, seconds);
        if !f.any() {
            return Ok(());
        }
        self.flagged += 1;
        let rec = &mut self.rec;
        rec.clear();
        rec.push_field(who.row.to_string().as_bytes());
        if self.has_id {
            rec.push_field(who.id.as_bytes());
        }
        for k in who.key {
            rec.push_field(k.as_bytes());
        }
        rec.push_field(
            f.longstring
                .map(|n| n.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        rec.push_field(
            f.too_fast
                .map(|(s, _)| s.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        rec.push_field(f.describe(self.battery.n_items(), self.lang).as_bytes());
        self.sink.row(rec)
    }

    pub fn finish(self) -> anyhow::Result<(W, String)> {
        let note = format!("{} row(s) flagged for careless responding", self.flagged);
        Ok((self.sink.finish()?, note))
    }
}
