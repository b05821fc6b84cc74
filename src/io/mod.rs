//! I/O at the edges: readers (CSV/xlsx, encodings, delimiters), column
//! mapping, answer parsing, writers (csv/jsonl/json/table) and `-o` files.

pub mod cells;
pub mod columns;
pub mod csvread;
pub mod fields;
pub mod gbk;
pub mod input;
pub mod manifest;
pub mod output;
pub mod platform;
pub mod privacy;
pub mod protect;
pub mod record;
pub mod sheet_xml;
pub mod split;
pub mod typed;
pub mod write;
pub mod xlsx;

/// `Read::read` for a reader that holds its bytes (`BufRead`): a copy
/// from its buffer, for the readers that hand their own buffer on
/// (`split`'s segments, `input`'s tail) and must also be `Read`.
fn read_from_buf<B: std::io::BufRead + ?Sized>(
    r: &mut B,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    let have = r.fill_buf()?;
    let n = have.len().min(buf.len());
    buf[..n].copy_from_slice(&have[..n]);
    r.consume(n);
    Ok(n)
}
