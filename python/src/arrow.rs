//! Arrow in and out, through the Arrow PyCapsule interface
//! (`__arrow_c_array__`): a pyarrow RecordBatch comes in without copying,
//! its cells are read straight into answers (`Typed`: numbers without
//! text in between) or, when a text column is not valid UTF-8, turned into
//! text records on a converting thread (`Records`, which reports those
//! cells as the CLI does), and the scores go back as one RecordBatch that
//! `pyarrow.record_batch()` takes.

use std::ffi::CStr;
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, GenericStringArray, Int64Array, LargeStringArray,
    OffsetSizeTrait, RecordBatch, StringArray, StringViewArray, StructArray,
};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema};
use psyscreen::io::fields::Record;
use psyscreen::pipeline::batch::{AnswerBlock, FillRecords, ItemColumn, TypedColumns, Values};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};

const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

/// A record batch from any object with `__arrow_c_array__` (pyarrow's
/// RecordBatch, polars' and others').
pub fn import_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let pair = obj.call_method0("__arrow_c_array__")?;
    let pair = pair.cast::<PyTuple>()?;
    let schema_capsule = pair.get_item(0)?;
    let array_capsule = pair.get_item(1)?;
    let schema_capsule = schema_capsule.cast::<PyCapsule>()?;
    let array_capsule = array_capsule.cast::<PyCapsule>()?;
    let schema_ptr = schema_capsule.pointer_checked(Some(SCHEMA))?;
    let array_ptr = array_capsule.pointer_checked(Some(ARRAY))?;
    // SAFETY: the capsules are named as the Arrow PyCapsule interface names
    // them (checked above), so they hold an ArrowSchema and an ArrowArray.
    // The schema stays owned by its capsule (borrowed here); the array is
    // moved out and an empty one (no release callback) left in its place,
    // as the interface asks of a consumer, so it is released once.
    let data = unsafe {
        let schema = &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>();
        let array = std::ptr::replace(
            array_ptr.as_ptr().cast::<FFI_ArrowArray>(),
            FFI_ArrowArray::empty(),
        );
        from_ffi(array, schema)
    }
    .map_err(|e| PyValueError::new_err(format!("reading the Arrow data: {e}")))?;
    let array = StructArray::from(data);
    Ok(RecordBatch::from(array))
}

/// The scores, as a pyarrow-readable batch (`__arrow_c_array__`).
#[pyclass(module = "psyscreen._native", frozen)]
pub struct ArrowBatch {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowBatch {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let _ = requested_schema; // the batch is given as it is
        let data = StructArray::from(self.batch.clone()).into_data();
        let (array, schema) =
            to_ffi(&data).map_err(|e| PyValueError::new_err(format!("exporting Arrow: {e}")))?;
        let schema = PyCapsule::new_with_value(py, schema, SCHEMA)?;
        let array = PyCapsule::new_with_value(py, array, ARRAY)?;
        PyTuple::new(py, [schema.into_any(), array.into_any()])
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }
}

/// One input column, read as the text a CSV cell would hold (the Python
/// side gives integers as int64 and floats as float64).
enum Cells {
    Utf8(StringArray),
    LargeUtf8(LargeStringArray),
    View(StringViewArray),
    Int(Int64Array),
    Float(Float64Array),
    Bool(BooleanArray),
    Null,
}

/// The input columns, row by row as CSV records. Blocks of rows are
/// converted to text on a thread of their own, ahead of the pipeline's
/// reading thread (which reads the answers) and its scoring thread: the
/// conversion was half the reading thread's work, so the three share the
/// cores more evenly.
pub struct Records {
    /// Rows not yet taken.
    left: usize,
    /// A block of rows converted; `block[next..]` not yet taken. Each
    /// taken record is swapped with the reader's, whose buffers go back
    /// with the block to be written again: no allocation per row.
    block: Vec<Record>,
    next: usize,
    /// Blocks converted, in order.
    full: Receiver<Vec<Record>>,
    /// Blocks taken, back to the converting thread.
    empty: SyncSender<Vec<Record>>,
}

/// Blocks converted ahead (each `BLOCK` rows).
const AHEAD: usize = 4;

impl Records {
    /// The header and the cells of `batches` (one schema); a column of a
    /// type that has no CSV text here is a TypeError (the Python side
    /// casts dates, categories and decimals to text first).
    pub fn new(batches: &[RecordBatch]) -> PyResult<(Vec<String>, Records)> {
        let headers = match batches.first() {
            Some(b) => (b.schema().fields().iter())
                .map(|f| f.name().clone())
                .collect(),
            None => Vec::new(),
        };
        let columns = batches
            .iter()
            .map(|b| {
                let cols = (b.columns().iter().zip(b.schema().fields()))
                    .map(|(c, f)| cells(c, f))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok((b.num_rows(), cols))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let mut converter = Converter {
            batches: columns,
            batch: 0,
            row: 0,
            text: String::new(),
        };
        let (full_tx, full) = sync_channel::<Vec<Record>>(AHEAD);
        let (empty, empty_rx) = sync_channel::<Vec<Record>>(AHEAD + 2);
        for _ in 0..AHEAD {
            let _ = empty.send(Vec::new());
        }
        // ends at the last block, or when `Records` is dropped (an error)
        std::thread::spawn(move || {
            while let Ok(mut block) = empty_rx.recv() {
                if !converter.convert(&mut block) || full_tx.send(block).is_err() {
                    return;
                }
            }
        });
        Ok((
            headers,
            Records {
                left: batches.iter().map(RecordBatch::num_rows).sum(),
                block: Vec::new(),
                next: 0,
                full,
                empty,
            },
        ))
    }
}

/// The columns, converted a block at a time (on the converting thread).
struct Converter {
    /// Each batch's row count and columns.
    batches: Vec<(usize, Vec<Cells>)>,
    batch: usize,
    row: usize,
    /// Room to format an odd float in.
    text: String,
}

fn cells(c: &ArrayRef, f: &Field) -> PyResult<Cells> {
    Ok(match c.data_type() {
        DataType::Utf8 => Cells::Utf8(c.as_string::<i32>().clone()),
        DataType::LargeUtf8 => Cells::LargeUtf8(c.as_string::<i64>().clone()),
        DataType::Utf8View => Cells::View(c.as_string_view().clone()),
        DataType::Int64 => Cells::Int(c.as_primitive::<Int64Type>().clone()),
        DataType::Float64 => Cells::Float(c.as_primitive::<Float64Type>().clone()),
        DataType::Boolean => Cells::Bool(c.as_boolean().clone()),
        DataType::Null => Cells::Null,
        other => {
            return Err(PyTypeError::new_err(format!(
                "column `{}` has Arrow type {other}: give answers as text, int64 or float64",
                f.name()
            )))
        }
    })
}

/// Rows converted at a time: column by column over a block, so each
/// column is read in order (row by row, the 30 columns at once defeated the
/// prefetcher: half the time went to waiting for memory).
const BLOCK: usize = 256;

impl FillRecords for Records {
    fn fill(&mut self, rec: &mut Record) -> bool {
        if self.next == self.block.len() {
            let Ok(block) = self.full.recv() else {
                return false; // the converting thread is done
            };
            let taken = std::mem::replace(&mut self.block, block);
            let _ = self.empty.send(taken);
            self.next = 0;
            if self.block.is_empty() {
                return false;
            }
        }
        std::mem::swap(rec, &mut self.block[self.next]);
        self.next += 1;
        self.left -= 1;
        true
    }

    fn rows_left(&self) -> usize {
        self.left
    }
}

impl Converter {
    /// The next block of rows into `block`; `false` at the end.
    fn convert(&mut self, block: &mut Vec<Record>) -> bool {
        let rows = loop {
            let Some((rows, _)) = self.batches.get(self.batch) else {
                return false;
            };
            if self.row < *rows {
                break *rows;
            }
            self.batch += 1;
            self.row = 0;
        };
        let (columns, first) = (&self.batches[self.batch].1, self.row);
        let n = BLOCK.min(rows - first);
        self.row += n;
        // the records sent back hold the reader's old rows: cleared,
        // their buffers kept
        block.resize_with(n, Record::new);
        block.iter_mut().for_each(Record::clear);
        for c in columns {
            for (k, rec) in block.iter_mut().enumerate() {
                push_cell(c, first + k, rec, &mut self.text);
            }
        }
        true
    }
}

/// A cell as CSV text: empty when null or NaN (a missing answer); a whole
/// float as an integer (`3.0` is `3`: pandas makes an integer column with
/// a gap float). The hot path of reading a frame: one answer digit is one
/// byte, written without formatting.
#[inline]
fn push_cell(c: &Cells, i: usize, rec: &mut Record, text: &mut String) {
    use std::fmt::Write as _;
    match c {
        Cells::Utf8(a) if a.is_valid(i) => rec.push_field(a.value(i).as_bytes()),
        Cells::LargeUtf8(a) if a.is_valid(i) => rec.push_field(a.value(i).as_bytes()),
        Cells::View(a) if a.is_valid(i) => rec.push_field(a.value(i).as_bytes()),
        Cells::Int(a) if a.is_valid(i) => match a.value(i) {
            v @ 0..=9 => rec.push_field(&[b'0' + v as u8]),
            v => rec.push_field(itoa::Buffer::new().format(v).as_bytes()),
        },
        Cells::Float(a) if a.is_valid(i) => match float_cell(a.value(i)) {
            FloatCell::Missing => rec.push_field(b""),
            FloatCell::Whole(v @ 0..=9) => rec.push_field(&[b'0' + v as u8]),
            FloatCell::Whole(v) => rec.push_field(itoa::Buffer::new().format(v).as_bytes()),
            FloatCell::Other(v) => {
                text.clear();
                let _ = write!(text, "{v}");
                rec.push_field(text.as_bytes());
            }
        },
        Cells::Bool(a) if a.is_valid(i) => {
            rec.push_field(if a.value(i) { b"true" } else { b"false" })
        }
        // null: a missing answer
        _ => rec.push_field(b""),
    }
}

/// A float cell as CSV text holds it.
enum FloatCell {
    /// NaN: missing.
    Missing,
    /// A whole number, as an integer (`3.0` is `3`: pandas makes an
    /// integer column with a gap float).
    Whole(i64),
    /// Anything else, as its shortest text (`2.5`, `inf`, `1e300`).
    Other(f64),
}

#[inline]
fn float_cell(v: f64) -> FloatCell {
    let whole = v as i64;
    if v.is_nan() {
        FloatCell::Missing
    } else if whole as f64 == v && v.abs() < 9.0e15 {
        FloatCell::Whole(whole)
    } else {
        FloatCell::Other(v)
    }
}

/// The input columns, typed: their item cells read straight into answers
/// by the main crate's answer reader (`TypedColumns`), numbers without
/// being written out as text, column by column over a block of rows.
pub struct Typed {
    /// Each batch's first row, row count and columns.
    batches: Vec<(usize, usize, Vec<Cells>)>,
    rows: usize,
}

impl Typed {
    /// The header and the columns of `batches` (one schema); `None` when
    /// a text column holds bytes that are not UTF-8 (Arrow does not check
    /// them on import): those are read as records (`Records`), so each
    /// such cell is reported as the CLI reports one.
    pub fn new(batches: &[RecordBatch]) -> PyResult<Option<(Vec<String>, Typed)>> {
        let headers = match batches.first() {
            Some(b) => (b.schema().fields().iter())
                .map(|f| f.name().clone())
                .collect(),
            None => Vec::new(),
        };
        let mut first = 0;
        let mut typed = Vec::new();
        for b in batches {
            let cols = (b.columns().iter().zip(b.schema().fields()))
                .map(|(c, f)| cells(c, f))
                .collect::<PyResult<Vec<_>>>()?;
            if !cols.iter().all(utf8) {
                return Ok(None);
            }
            typed.push((first, b.num_rows(), cols));
            first += b.num_rows();
        }
        let typed = Typed {
            batches: typed,
            rows: first,
        };
        Ok(Some((headers, typed)))
    }
}

/// Is every text cell of `c` valid UTF-8? (The whole buffer is, and each
/// cell starts at a character.)
fn utf8(c: &Cells) -> bool {
    fn offsets<O: OffsetSizeTrait>(a: &GenericStringArray<O>) -> bool {
        let (offsets, data) = (a.value_offsets(), a.value_data());
        let (Some(first), Some(last)) = (offsets.first(), offsets.last()) else {
            return true;
        };
        let Some(used) = data.get(first.as_usize()..last.as_usize()) else {
            return false;
        };
        std::str::from_utf8(used).is_ok()
            && (offsets.iter()).all(|o| data.get(o.as_usize()).is_none_or(|&b| !is_continuation(b)))
    }
    match c {
        Cells::Utf8(a) => offsets(a),
        Cells::LargeUtf8(a) => offsets(a),
        Cells::View(a) => {
            let bytes = a.clone().to_binary_view();
            bytes
                .iter()
                .flatten()
                .all(|v| std::str::from_utf8(v).is_ok())
        }
        Cells::Int(_) | Cells::Float(_) | Cells::Bool(_) | Cells::Null => true,
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

impl TypedColumns for Typed {
    fn rows(&self) -> usize {
        self.rows
    }

    fn read(&self, rows: Range<usize>, block: &mut AnswerBlock<'_>) {
        for (first, len, columns) in &self.batches {
            let (from, to) = (rows.start.max(*first), rows.end.min(first + len));
            if from >= to {
                continue;
            }
            // a few rows at a time, each column over them: the rows'
            // answers stay in the first-level cache while every column
            // is written into them
            for start in (from..to).step_by(CHUNK) {
                let end = to.min(start + CHUNK);
                for &at in block.items() {
                    let local = start - first..end - first;
                    read_cells(&columns[at.column], local, start - rows.start, at, block);
                }
            }
        }
    }
}

/// Rows read column by column at a time (`Typed::read`).
const CHUNK: usize = 64;

/// Rows `rows` of one item's column into `block` from its row `k0`.
fn read_cells(
    c: &Cells,
    rows: Range<usize>,
    k0: usize,
    at: ItemColumn,
    block: &mut AnswerBlock<'_>,
) {
    match c {
        Cells::Int(a) => {
            let values = &a.values()[rows.clone()];
            let nulls = a.nulls().filter(|n| n.null_count() > 0);
            for (k, (&v, i)) in values.iter().zip(rows).enumerate() {
                if nulls.is_none_or(|n| n.is_valid(i)) {
                    block.number(k0 + k, at, v);
                }
            }
        }
        Cells::Float(a) => {
            let values = &a.values()[rows.clone()];
            let nulls = a.nulls().filter(|n| n.null_count() > 0);
            for (k, (&v, i)) in values.iter().zip(rows).enumerate() {
                if nulls.is_none_or(|n| n.is_valid(i)) {
                    float(block, k0 + k, at, v);
                }
            }
        }
        Cells::Utf8(a) => texts(a, rows, k0, at, block),
        Cells::LargeUtf8(a) => texts(a, rows, k0, at, block),
        Cells::View(a) => {
            for (k, i) in rows.enumerate() {
                if a.is_valid(i) {
                    block.text(k0 + k, at, a.value(i).as_bytes());
                }
            }
        }
        Cells::Bool(a) => {
            for (k, i) in rows.enumerate() {
                if a.is_valid(i) {
                    block.text(k0 + k, at, if a.value(i) { b"true" } else { b"false" });
                }
            }
        }
        Cells::Null => {}
    }
}

/// A float cell as the text `push_cell` writes for it reads.
#[inline]
fn float(block: &mut AnswerBlock<'_>, k: usize, at: ItemColumn, v: f64) {
    match float_cell(v) {
        FloatCell::Missing => {}
        FloatCell::Whole(n) => block.number(k, at, n),
        FloatCell::Other(v) => block.text(k, at, v.to_string().as_bytes()),
    }
}

fn texts<O: OffsetSizeTrait>(
    a: &GenericStringArray<O>,
    rows: Range<usize>,
    k0: usize,
    at: ItemColumn,
    block: &mut AnswerBlock<'_>,
) {
    for (k, i) in rows.enumerate() {
        if a.is_valid(i) {
            block.text(k0 + k, at, a.value(i).as_bytes());
        }
    }
}

/// The computed columns (not `Values::Input`) as one batch, named.
/// `large`: text as large strings (what pandas' and polars' string columns
/// hold, so they take them without a copy); else as strings (what Spark's
/// mapInArrow expects).
pub fn export(
    names: &[String],
    values: Vec<Values>,
    offset: u64,
    large: bool,
) -> PyResult<ArrowBatch> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, v) in names.iter().zip(values) {
        // the columns are moved into Arrow's buffers, not copied
        let array: ArrayRef = match v {
            Values::Input(_) => continue,
            Values::RowNumber(n) => Arc::new(Int64Array::from_iter_values(
                n.into_iter().map(|r| (r + offset) as i64),
            )),
            Values::Total { units, decimals: 0 } => Arc::new(Int64Array::from(units)),
            Values::Total { units, decimals } => {
                let scale = 10f64.powi(i32::from(decimals));
                Arc::new(Float64Array::from_iter(
                    units.into_iter().map(|u| u.map(|u| u as f64 / scale)),
                ))
            }
            Values::Label { labels, codes } if large => {
                Arc::new(repeat_labels::<i64>(&labels, &codes)?)
            }
            Values::Label { labels, codes } => Arc::new(repeat_labels::<i32>(&labels, &codes)?),
            Values::Bool(b) => Arc::new(BooleanArray::from(b)),
            Values::Text { text, ends } if large => Arc::new(joined::<i64>(text, &ends)?),
            Values::Text { text, ends } => Arc::new(joined::<i32>(text, &ends)?),
        };
        fields.push(Field::new(name, array.data_type().clone(), true));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = match arrays.is_empty() {
        true => RecordBatch::new_empty(schema),
        false => RecordBatch::try_new(schema, arrays)
            .map_err(|e| PyValueError::new_err(format!("building the result: {e}")))?,
    };
    Ok(ArrowBatch { batch })
}

/// Rows kept in one string, as a string array over the same bytes.
fn joined<O: OffsetSizeTrait>(text: String, ends: &[usize]) -> PyResult<GenericStringArray<O>> {
    let too_big = || PyValueError::new_err("a result column over 2 GB: score in smaller batches");
    O::from_usize(text.len()).ok_or_else(too_big)?;
    let offsets: Vec<O> = std::iter::once(0)
        .chain(ends.iter().copied())
        .map(O::usize_as)
        .collect();
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    GenericStringArray::<O>::try_new(offsets, Buffer::from_vec(text.into_bytes()), None)
        .map_err(|e| PyValueError::new_err(format!("building the result: {e}")))
}

/// `labels[code]` per row, as one string array built from its buffers.
fn repeat_labels<O: OffsetSizeTrait>(
    labels: &[String],
    codes: &[u32],
) -> PyResult<GenericStringArray<O>> {
    let len: usize = codes.iter().map(|&c| labels[c as usize].len()).sum();
    let too_big = || PyValueError::new_err("a result column over 2 GB: score in smaller batches");
    O::from_usize(len).ok_or_else(too_big)?;
    let mut data = Vec::with_capacity(len);
    let mut offsets = Vec::with_capacity(codes.len() + 1);
    offsets.push(O::usize_as(0));
    for &c in codes {
        data.extend_from_slice(labels[c as usize].as_bytes());
        offsets.push(O::usize_as(data.len()));
    }
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    GenericStringArray::<O>::try_new(offsets, Buffer::from_vec(data), None)
        .map_err(|e| PyValueError::new_err(format!("building the result: {e}")))
}
