//! Writers for scored rows: CSV (streams), JSON Lines (streams), JSON (one
//! array, streams) and a table (buffers; for people at a terminal). One row
//! representation feeds all of them: a `ByteRecord` plus column kinds.

use std::io::Write;

use anyhow::Context as _;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use csv::ByteRecord;

use crate::cli::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Copied from the input or free text: escaped against spreadsheet formulas.
    Text,
    /// A number, or empty when there is none (JSON null).
    Number,
    /// true / false.
    Bool,
    /// Written by psyscreen (band, level): plain string.
    Label,
}

pub struct Columns {
    pub names: Vec<String>,
    pub kinds: Vec<Kind>,
}

impl Columns {
    pub fn new() -> Self {
        Columns {
            names: Vec::new(),
            kinds: Vec::new(),
        }
    }
    pub fn push(&mut self, name: impl Into<String>, kind: Kind) {
        self.names.push(name.into());
        self.kinds.push(kind);
    }
}

impl Default for Columns {
    fn default() -> Self {
        Self::new()
    }
}

#[allow(clippy::large_enum_variant)] // one per run
pub enum Sink<W: Write> {
    Csv {
        w: csv::Writer<W>,
        kinds: Vec<Kind>,
        scratch: ByteRecord,
    },
    Jsonl {
        w: W,
        cols: Columns,
        line: Vec<u8>,
    },
    Json {
        w: W,
        cols: Columns,
        line: Vec<u8>,
        first: bool,
    },
    Table {
        w: W,
        names: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

impl<W: Write> Sink<W> {
    pub fn new(format: Format, mut w: W, cols: Columns) -> anyhow::Result<Self> {
        Ok(match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .buffer_capacity(1 << 16)
                    .from_writer(w);
                w.write_record(&cols.names).context("writing the header")?;
                Sink::Csv {
                    w,
                    kinds: cols.kinds,
                    scratch: ByteRecord::new(),
                }
            }
            Format::Jsonl => Sink::Jsonl {
                w,
                cols,
                line: Vec::new(),
            },
            Format::Json => {
                w.write_all(b"[").context("writing output")?;
                Sink::Json {
                    w,
                    cols,
                    line: Vec::new(),
                    first: true,
                }
            }
            Format::Table => Sink::Table {
                w,
                names: cols.names,
                rows: Vec::new(),
            },
        })
    }

    pub fn row(&mut self, rec: &ByteRecord) -> anyhow::Result<()> {
        match self {
            Sink::Csv { w, kinds, scratch } => {
                if rec
                    .iter()
                    .zip(kinds.iter())
                    .any(|(f, k)| *k == Kind::Text && needs_formula_escape(f))
                {
                    scratch.clear();
                    for (f, k) in rec.iter().zip(kinds.iter()) {
                        if *k == Kind::Text && needs_formula_escape(f) {
                            let mut v = Vec::with_capacity(f.len() + 1);
                            v.push(b'\'');
                            v.extend_from_slice(f);
                            scratch.push_field(&v);
                        } else {
                            scratch.push_field(f);
                        }
                    }
                    w.write_byte_record(scratch)?;
                } else {
                    w.write_byte_record(rec)?;
                }
            }
            Sink::Jsonl { w, cols, line } => {
                json_object(line, cols, rec);
                line.push(b'\n');
                w.write_all(line).context("writing output")?;
            }
            Sink::Json {
                w,
                cols,
                line,
                first,
            } => {
                json_object(line, cols, rec);
                w.write_all(if *first { b"\n" } else { b",\n" })?;
                *first = false;
                w.write_all(line).context("writing output")?;
            }
            Sink::Table { rows, .. } => {
                rows.push(
                    rec.iter()
                        .map(|f| crate::diag::sanitize(&String::from_utf8_lossy(f)))
                        .collect(),
                );
            }
        }
        Ok(())
    }

    /// Finish the format and hand back the writer (to flush or persist).
    pub fn finish(self) -> anyhow::Result<W> {
        match self {
            Sink::Csv { w, .. } => w
                .into_inner()
                .map_err(|e| anyhow::Error::new(e.into_error())),
            Sink::Jsonl { w, .. } => Ok(w),
            Sink::Json { mut w, first, .. } => {
                w.write_all(if first { b"]\n" } else { b"\n]\n" })?;
                Ok(w)
            }
            Sink::Table { mut w, names, rows } => {
                let mut t = Table::new();
                t.load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header(names);
                for r in rows {
                    t.add_row(r);
                }
                writeln!(w, "{t}")?;
                Ok(w)
            }
        }
    }
}

/// Cells a spreadsheet would run as a formula; numbers like -3 stay numbers.
fn needs_formula_escape(f: &[u8]) -> bool {
    match f.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => std::str::from_utf8(f).map_or(true, |s| s.parse::<f64>().is_err()),
        _ => false,
    }
}

fn json_object(line: &mut Vec<u8>, cols: &Columns, rec: &ByteRecord) {
    line.clear();
    line.push(b'{');
    for (i, f) in rec.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        let name = cols.names.get(i).map_or("", String::as_str);
        let _ = serde_json::to_writer(&mut *line, name);
        line.push(b':');
        match cols.kinds.get(i).copied().unwrap_or(Kind::Text) {
            Kind::Number if f.is_empty() => line.extend_from_slice(b"null"),
            Kind::Number | Kind::Bool => line.extend_from_slice(f),
            Kind::Text | Kind::Label => {
                let _ = serde_json::to_writer(&mut *line, &String::from_utf8_lossy(f));
            }
        }
    }
    line.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_escape() {
        assert!(needs_formula_escape(b"=SUM(A1)"));
        assert!(needs_formula_escape(b"+cmd"));
        assert!(needs_formula_escape(b"@x"));
        assert!(!needs_formula_escape(b"-3"));
        assert!(!needs_formula_escape(b"+2.5"));
        assert!(!needs_formula_escape(b"abc"));
    }

    #[test]
    fn csv_escapes_text_columns_only() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        cols.push("t", Kind::Number);
        let mut s = Sink::new(Format::Csv, Vec::new(), cols).unwrap();
        s.row(&ByteRecord::from(vec!["=1+1", "-2"])).unwrap();
        let out = String::from_utf8(s.finish().unwrap()).unwrap();
        assert_eq!(out, "id,t\n'=1+1,-2\n");
    }

    #[test]
    fn json_types() {
        let mut cols = Columns::new();
        cols.push("id", Kind::Text);
        cols.push("total", Kind::Number);
        cols.push("p", Kind::Bool);
        let mut s = Sink::new(Format::Jsonl, Vec::new(), cols).unwrap();
        s.row(&ByteRecord::from(vec!["a\"b", "", "true"])).unwrap();
        s.row(&ByteRecord::from(vec!["c", "12", "false"])).unwrap();
        let out = String::from_utf8(s.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "{\"id\":\"a\\\"b\",\"total\":null,\"p\":true}\n{\"id\":\"c\",\"total\":12,\"p\":false}\n"
        );
    }
}
