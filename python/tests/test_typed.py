"""Typed columns are read straight into answers (no text in between): they
must give what the CLI gives for the same cells as text, bad values, gaps
and their messages included. One logical table, its item columns given as
int64, float64 (NaN gaps), nullable Int64, text and mixed Python objects,
compared with the CLI on the CSV holding the same cells."""

from __future__ import annotations

import csv
import random

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import psyscreen
from conftest import GAD7, PHQ9, cli_scores, rows_as_text

KINDS = ["int", "float", "nullable", "string", "mixed"]
ROWS = 3000


def table(seed: int = 11) -> dict[str, list]:
    """Per column, its cells as Python values (None: empty). Every kind of
    column gets gaps and values that are not answers (out of range, negative,
    text, a fraction for floats); the text columns labels too."""
    rnd = random.Random(seed)
    cols: dict[str, list] = {"id": [f"P{n:05d}" for n in range(ROWS)], "class": [rnd.choice(["1A", "1B"]) for _ in range(ROWS)]}
    for k, item in enumerate(PHQ9 + GAD7):
        kind = KINDS[k % len(KINDS)]
        cells = []
        for _ in range(ROWS):
            r = rnd.random()
            v = rnd.choice([0, 0, 1, 1, 2, 3])
            if kind == "int":
                cells.append(rnd.choice([4, 5, -1, 12, 100]) if r < 0.03 else v)
            elif kind == "float":
                cells.append(None if r < 0.05 else rnd.choice([2.5, 7.0, -3.0]) if r < 0.08 else float(v))
            elif kind == "nullable":
                cells.append(None if r < 0.05 else 9 if r < 0.07 else v)
            elif kind == "string":
                cells.append(None if r < 0.04 else rnd.choice(["x", "Several days", " 2 ", "2.0", "", "12"]) if r < 0.12 else str(v))
            else:
                cells.append(None if r < 0.04 else rnd.choice(["x", "Nearly every day", 7, "3"]) if r < 0.1 else v)
        cols[item] = cells
    return cols


def as_csv_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def frame(cols: dict[str, list]) -> pd.DataFrame:
    data = {"id": cols["id"], "class": cols["class"]}
    for k, item in enumerate(PHQ9 + GAD7):
        kind, cells = KINDS[k % len(KINDS)], cols[item]
        if kind == "int":
            data[item] = pd.Series(cells, dtype="int64")
        elif kind == "float":
            data[item] = pd.Series([np.nan if v is None else v for v in cells], dtype="float64")
        elif kind == "nullable":
            data[item] = pd.Series(cells, dtype="Int64")
        else:
            data[item] = pd.Series(cells, dtype=object)
    return pd.DataFrame(data)


def cli_run(cli, tmp_path, cols):
    path = tmp_path / "typed.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        names = list(cols)
        w.writerow(names)
        for r in range(ROWS):
            w.writerow([as_csv_text(cols[c][r]) for c in names])
    rows, bad = cli_scores(cli, path, tmp_path / "out.csv")
    return rows_as_text(rows), bad


def test_typed_pandas_columns_score_as_the_cli_reads_their_text(cli, tmp_path):
    cols = table()
    want, want_bad = cli_run(cli, tmp_path, cols)
    df = frame(cols)
    assert [str(df[c].dtype) for c in PHQ9[:5]] == ["int64", "float64", "Int64", "object", "object"]
    out, bad = psyscreen.score_with_bad_cells(df, ["phq9", "gad7"], keep=["class"])
    assert rows_as_text(out.to_dict("records")) == want
    assert [b.line for b in bad] == want_bad
    # every kind of column had cells that are not answers
    assert {b.column for b in bad} >= set(PHQ9[:5])
    assert any("2.5" == b.value for b in bad) and any("-1" == b.value for b in bad)


def test_typed_arrow_and_polars_columns_score_as_the_cli(cli, tmp_path):
    cols = table(seed=12)
    # no mixed objects in Arrow or polars: give those columns as text
    for k, item in enumerate(PHQ9 + GAD7):
        if KINDS[k % len(KINDS)] == "mixed":
            cols[item] = [None if v is None else str(v) for v in cols[item]]
    want, want_bad = cli_run(cli, tmp_path, cols)
    arrays = {}
    for k, (name, cells) in enumerate(cols.items()):
        kind = KINDS[(k - 2) % len(KINDS)] if k >= 2 else "string"
        # int32 and float32 too: read as a CSV of their text
        t = {"int": pa.int32(), "nullable": pa.int64(), "float": pa.float64()}.get(kind, pa.string())
        arrays[name] = pa.array(cells, type=t)
    t = pa.table(arrays)
    out, bad = psyscreen.score_with_bad_cells(t, ["phq9", "gad7"], keep=["class"])
    assert rows_as_text(out.to_pylist()) == want
    assert [b.line for b in bad] == want_bad
    out, bad = psyscreen.score_with_bad_cells(pl.from_arrow(t), ["phq9", "gad7"], keep=["class"])
    assert rows_as_text(out.to_dicts()) == want
    assert [b.line for b in bad] == want_bad


def test_large_frames_scored_in_parts_give_every_row_in_order():
    # more rows than one part (100,000): scored on several threads when the
    # machine has them, rows and bad cells numbered across the parts
    cols = table(seed=13)
    big = {c: v * 70 for c, v in cols.items()}
    big["id"] = [f"P{n:06d}" for n in range(len(big["id"]))]
    df = frame(big)
    out, bad = psyscreen.score_with_bad_cells(df, ["phq9", "gad7"], keep=["class"])
    assert out["id"].tolist() == big["id"]
    assert [b.index for b in bad] == sorted(b.index for b in bad)
    small, small_bad = psyscreen.score_with_bad_cells(frame(cols), ["phq9", "gad7"], keep=["class"])
    # the same rows 70 times over: the same scores, and the same bad cells
    # at rows shifted by whole copies
    assert out["risk_level"].tolist() == small["risk_level"].tolist() * 70
    assert out["phq9_total"].tolist()[-ROWS:] == small["phq9_total"].tolist()
    assert len(bad) == 70 * len(small_bad)
    last = bad[-len(small_bad):]
    assert [(b.index - 69 * ROWS, b.column, b.message) for b in last] == [(b.index, b.column, b.message) for b in small_bad]


def test_text_that_is_not_utf8_is_reported_as_the_cli_reports_it():
    # Arrow does not check text it is handed; such a cell is listed, its row scored
    offsets = pa.py_buffer(np.array([0, 1, 3], dtype=np.int32).tobytes())
    bad_text = pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"1\xff\xfe")])
    t = pa.table({"id": ["a", "b"], "gad2_1": bad_text, "gad2_2": [1, 1]})
    out, bad = psyscreen.score_with_bad_cells(t, ["gad2"])
    assert out.column("gad2_total").to_pylist() == [2, None]
    assert [(b.index, b.column) for b in bad] == [(1, "gad2_1")]
    assert "UTF-8" in bad[0].message


def test_min_level_leaves_out_the_rows_the_cli_leaves_out(cli, tmp_path):
    cols = table(seed=14)
    path = tmp_path / "typed.csv"
    cli_run(cli, tmp_path, cols)  # writes typed.csv
    rows, want_bad = cli_scores(cli, path, tmp_path / "refer.csv", "--min-level", "refer")
    want = rows_as_text(rows)
    assert 0 < len(want) < ROWS
    df = frame(cols)
    df.index = df.index * 10  # the index of the rows kept comes back
    out, bad = psyscreen.score_with_bad_cells(df, ["phq9", "gad7"], keep=["class"], min_level="refer")
    assert rows_as_text(out.to_dict("records")) == want
    assert [b.line for b in bad] == want_bad
    assert list(out.index) == [10 * (int(i[1:])) for i in out["id"]]
    t = pa.Table.from_pandas(df.drop(columns=[c for k, c in enumerate(PHQ9 + GAD7) if KINDS[k % len(KINDS)] == "mixed"]), preserve_index=False)
    out, _ = psyscreen.score_with_bad_cells(t, ["phq9", "gad7"], keep=["class"], min_level="urgent")
    assert set(out.column("risk_level").to_pylist()) == {"urgent"}
    with pytest.raises(psyscreen.PsyscreenError, match="unknown level `high`"):
        psyscreen.score(df, ["phq9", "gad7"], min_level="high")
