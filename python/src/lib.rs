//! `psyscreen._native`: the Rust core for Python. Scoring is the main
//! crate's own (`pipeline::batch::score_filled`, the pipeline `score` runs);
//! this file only turns Python arguments into its options and its errors
//! into `PsyscreenError` with the CLI's messages. `psyscreen/__init__.py`
//! is the public API (pandas, polars, pyarrow in and out).

mod arrow;

use std::path::PathBuf;

use psyscreen::instrument::{self, Instrument, Lang};
use psyscreen::pipeline::batch::{score_filled, score_typed, BatchOptions, Values};
use psyscreen::pipeline::Setup;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pyo3::create_exception!(
    _native,
    PsyscreenError,
    pyo3::exceptions::PyValueError,
    "An input, instrument or policy psyscreen cannot use; the message is the CLI's, located."
);

/// The error's whole chain, as the CLI prints it after `error: `.
fn error(e: anyhow::Error) -> PyErr {
    PsyscreenError::new_err(format!("{e:#}"))
}

fn lang_of(lang: &str) -> PyResult<Lang> {
    match lang {
        "en" => Ok(Lang::En),
        "zh" => Ok(Lang::Zh),
        other => Err(PyValueError::new_err(format!(
            "lang must be \"en\" or \"zh\", not {other:?}"
        ))),
    }
}

/// Output column names, the input column each copies (-1: computed), the
/// computed columns, the bad cells, and with `min_level` the rows kept.
type Scored<'py> = (
    Vec<String>,
    Vec<i64>,
    arrow::ArrowBatch,
    Bound<'py, PyList>,
    Option<Vec<u64>>,
);

/// Instruments, a policy and a map loaded once, to score many batches
/// (a Spark partition's) with.
#[pyclass(module = "psyscreen._native", frozen)]
struct Screen {
    setup: Setup,
    lang: Lang,
}

#[pymethods]
impl Screen {
    #[new]
    #[pyo3(signature = (instruments, policy=None, map=None, lang="en"))]
    fn new(
        instruments: Vec<String>,
        policy: Option<PathBuf>,
        map: Option<PathBuf>,
        lang: &str,
    ) -> PyResult<Screen> {
        let lang = lang_of(lang)?;
        psyscreen::messages::set(lang);
        let setup = Setup::load(&instruments, policy.as_deref(), map.as_deref()).map_err(error)?;
        Ok(Screen { setup, lang })
    }

    /// Score record batches (objects with `__arrow_c_array__`, one schema).
    /// Returns (names, sources, scores, bad_cells, kept): for each output
    /// column its name and the input column it copies (-1: in `scores`);
    /// with `min_level`, the rows in `scores` (0: the first row given),
    /// else None. Text comes as large strings with `large_strings`
    /// (pandas, polars), else as strings.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (batches, id_column=None, keep=Vec::new(), one_based=false, row_offset=0, name="data", large_strings=false, min_level=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        batches: Vec<Bound<'py, PyAny>>,
        id_column: Option<String>,
        keep: Vec<String>,
        one_based: bool,
        row_offset: u64,
        name: &str,
        large_strings: bool,
        min_level: Option<String>,
    ) -> PyResult<Scored<'py>> {
        let batches = (batches.iter())
            .map(arrow::import_batch)
            .collect::<PyResult<Vec<_>>>()?;
        let opts = BatchOptions {
            id_column,
            keep,
            lang: self.lang,
            one_based,
            min_level,
        };
        let setup = &self.setup;
        // the GIL is let go while scoring: other Python threads run on
        let scored = match arrow::Typed::new(&batches)? {
            Some((headers, typed)) => {
                py.detach(|| score_typed(setup, &opts, name, headers, std::sync::Arc::new(typed)))
            }
            None => {
                let (headers, records) = arrow::Records::new(&batches)?;
                py.detach(|| score_filled(setup, &opts, name, headers, Box::new(records)))
            }
        }
        .map_err(error)?;
        let sources = (scored.values.iter())
            .map(|v| match v {
                Values::Input(c) => *c as i64,
                _ => -1,
            })
            .collect();
        let batch = arrow::export(&scored.names, scored.values, row_offset, large_strings)?;
        let bad = PyList::empty(py);
        for b in &scored.bad_cells {
            // the row as the caller counts it: 0 is the first row given
            let index = b.row.saturating_sub(2) + row_offset;
            bad.append((
                index,
                &b.column,
                &b.value,
                &b.message,
                b.row + row_offset,
                &b.line,
            ))?;
        }
        Ok((scored.names, sources, batch, bad, scored.kept))
    }
}

/// What `instruments list` shows, per instrument.
fn describe<'py>(py: Python<'py>, i: &Instrument, lang: Lang) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", &i.id)?;
    d.set_item("name", i.name.get(lang))?;
    d.set_item("version", &i.version)?;
    d.set_item("items", i.items.iter().map(|x| &x.id).collect::<Vec<_>>())?;
    d.set_item("scales", i.scales.iter().map(|s| &s.id).collect::<Vec<_>>())?;
    d.set_item("license", &i.license)?;
    d.set_item("citation", &i.citation)?;
    d.set_item("origin", &i.origin)?;
    Ok(d)
}

/// The built-in instruments.
#[pyfunction]
#[pyo3(signature = (lang="en"))]
fn instruments<'py>(py: Python<'py>, lang: &str) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let lang = lang_of(lang)?;
    psyscreen::messages::set(lang);
    instrument::builtin_ids()
        .into_iter()
        .map(|id| {
            let i = instrument::builtin_with(id, false)
                .expect("a built-in id")
                .map_err(error)?;
            describe(py, &i, lang)
        })
        .collect()
}

/// Load and check an instrument YAML (schema, semantics, known-answer tests).
#[pyfunction]
#[pyo3(signature = (path, lang="en"))]
fn load_instrument<'py>(
    py: Python<'py>,
    path: PathBuf,
    lang: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let lang = lang_of(lang)?;
    psyscreen::messages::set(lang);
    let i = instrument::load_file(&path).map_err(error)?;
    describe(py, &i, lang)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Screen>()?;
    m.add_class::<arrow::ArrowBatch>()?;
    m.add_function(wrap_pyfunction!(instruments, m)?)?;
    m.add_function(wrap_pyfunction!(load_instrument, m)?)?;
    m.add("PsyscreenError", m.py().get_type::<PsyscreenError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
