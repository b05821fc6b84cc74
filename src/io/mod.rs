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
