"""Parity is the contract: the same file through the CLI and through
psyscreen.score with pandas, polars and pyarrow gives identical ids, totals,
bands, prorated flags, levels, labels and reasons, row for row (Spark:
test_spark.py, on the same file)."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

import psyscreen
from conftest import SURVEY_ROWS, rows_as_text


def scored(data):
    out, bad = psyscreen.score_with_bad_cells(data, ["phq9", "gad7"], keep=["class"])
    return out, bad


def assert_same(rows: list[dict], cli_rows: list[dict]):
    assert len(rows) == len(cli_rows) == SURVEY_ROWS
    for n, (got, want) in enumerate(zip(rows, cli_rows)):
        assert got == want, f"row {n + 2} differs"


def test_the_generated_file_has_what_real_exports_have(cli_rows):
    bands = {r["phq9_band"] for r in cli_rows}
    assert "incomplete" in bands
    assert any(r["phq9_prorated"] == "true" for r in cli_rows)
    assert {r["risk_level"] for r in cli_rows} == {"none", "monitor", "refer", "urgent"}
    assert any("cannot rule out" in r["risk_reasons"] for r in cli_rows)


def test_pandas_as_read_by_read_csv(survey, cli_rows):
    # read as analysts do: numbers inferred, gaps as NaN (3 becomes 3.0)
    df = pd.read_csv(survey, keep_default_na=False, na_values=[""])
    out, bad = scored(df)
    assert isinstance(out, pd.DataFrame)
    assert_same(rows_as_text(out.to_dict("records")), cli_rows)
    assert len(bad) > 0


def test_pandas_as_text(survey, cli_rows):
    df = pd.read_csv(survey, dtype=str, keep_default_na=False)
    out, _ = scored(df)
    assert_same(rows_as_text(out.to_dict("records")), cli_rows)


def test_polars(survey, cli_rows):
    out, _ = scored(pl.read_csv(survey, infer_schema_length=0))
    assert isinstance(out, pl.DataFrame)
    assert_same(rows_as_text(out.to_dicts()), cli_rows)
    out, _ = scored(pl.read_csv(survey, infer_schema_length=None))
    assert_same(rows_as_text(out.to_dicts()), cli_rows)


def test_pyarrow(survey, cli_rows, cli_bad_lines):
    table = pacsv.read_csv(survey)
    out, bad = scored(table)
    assert isinstance(out, pa.Table)
    assert_same(rows_as_text(out.to_pylist()), cli_rows)
    # the same bad cells as the CLI reports, with its lines
    _, bad_text = scored(pacsv.read_csv(survey, convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in table.column_names})))
    assert [b.line for b in bad] == [b.line for b in bad_text] == cli_bad_lines
    assert len(cli_bad_lines) > 1000
