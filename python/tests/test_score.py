"""psyscreen.score: known answers worked by hand, the type given comes back,
bad cells listed (rows never dropped), the CLI's errors as exceptions."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import psyscreen
from conftest import REPO

GAD2 = {"id": ["a", "b", "c"], "class": ["1A", "1A", "1B"], "gad2_1": [3, None, 0], "gad2_2": [2, 1, 1]}


def test_known_answers_pandas_keeps_index_and_types():
    # GAD-2 total = item 1 + item 2 (0-3 each), positive at >= 3:
    # a: 3 + 2 = 5 positive -> monitor; b: item 1 missing, max_missing 0 ->
    # incomplete, and the rule that cannot be decided gives monitor;
    # c: 0 + 1 = 1 negative -> none.
    df = pd.DataFrame(GAD2, index=[10, 11, 12])
    out = psyscreen.score(df, ["gad2"], keep=["class"])
    assert list(out.columns) == [
        "id", "class", "gad2_total", "gad2_band", "gad2_prorated",
        "risk_level", "risk_label", "risk_reasons",
    ]
    assert list(out.index) == [10, 11, 12]
    assert out["gad2_total"].tolist() == [5, pd.NA, 1]
    assert out["gad2_band"].tolist() == ["positive", "incomplete", "negative"]
    assert out["gad2_prorated"].tolist() == [False, False, False]
    assert out["risk_level"].tolist() == ["monitor", "monitor", "none"]
    assert out["risk_reasons"].tolist() == [
        "GAD-2 ≥ 3 (positive screen): flag and give the full GAD-7",
        "cannot rule out: GAD-2 total missing",
        "",
    ]


def test_phq9_prorated_and_item_9_known_answers():
    # PHQ-9 prorates one missing item (INSTRUMENTS.md; phq9.yaml):
    # r1 items 1-8 = 1, item 9 missing: 8 * 9/8 = 9, mild, prorated, and
    #    item 9 missing cannot rule out the urgent rule -> monitor (missing_critical);
    # r2 all 2 with item 9 = 0: 16, moderately severe -> refer (PHQ-9 >= 15);
    # r3 item 9 = 1, others 0: 1, minimal -> urgent (any thought of self-harm).
    rows = [[1] * 8 + [None], [2] * 8 + [0], [0] * 8 + [1]]
    table = pa.table({f"phq9_{i + 1}": [r[i] for r in rows] for i in range(9)})
    out = psyscreen.score(table, "phq9")
    assert isinstance(out, pa.Table)
    assert out.column("row").to_pylist() == [2, 3, 4]
    assert out.column("phq9_total").to_pylist() == [9, 16, 1]
    assert out.column("phq9_prorated").to_pylist() == [True, False, False]
    assert out.column("risk_level").to_pylist() == ["monitor", "refer", "urgent"]
    assert out.column("risk_reasons").to_pylist()[0] == "cannot rule out: PHQ-9 item 9 missing"


def test_polars_and_record_batch_come_back_as_given():
    out = psyscreen.score(pl.DataFrame(GAD2), ["gad2"])
    assert isinstance(out, pl.DataFrame)
    assert out["gad2_total"].to_list() == [5, None, 1]
    batch = pa.RecordBatch.from_pydict(GAD2)
    out = psyscreen.score(batch, ["gad2"], id_column="id")
    assert isinstance(out, pa.RecordBatch)
    assert out.column(0).to_pylist() == ["a", "b", "c"]


def test_bad_cells_are_listed_and_every_row_is_scored():
    df = pd.DataFrame({"id": ["a", "b"], "gad2_1": ["x", "1"], "gad2_2": ["1", "Several days"]})
    out, bad = psyscreen.score_with_bad_cells(df, ["gad2"])
    assert len(out) == 2
    assert [(b.index, b.column, b.value, b.row) for b in bad] == [(0, "gad2_1", "x", 2)]
    assert str(bad[0]).startswith("row 2, column gad2_1: 'x' is not a valid answer for gad2_1")
    # an unreadable answer never lowers the level: incomplete -> monitor
    assert out["risk_level"].tolist() == ["monitor", "none"]
    with pytest.warns(psyscreen.BadCellsWarning, match="1 cell\\(s\\) could not be read"):
        psyscreen.score(df, ["gad2"])


def test_errors_are_the_clis_messages():
    df = pd.DataFrame(GAD2)
    with pytest.raises(psyscreen.PsyscreenError, match="unknown instrument `nope`"):
        psyscreen.score(df, ["nope"])
    with pytest.raises(psyscreen.PsyscreenError, match="--keep `klass` is not a column of pandas: did you mean"):
        psyscreen.score(df, ["gad2"], keep=["klass"])
    with pytest.raises(TypeError, match="pandas or polars DataFrame"):
        psyscreen.score([1, 2], ["gad2"])
    with pytest.raises(ValueError, match="lang must be"):
        psyscreen.score(df, ["gad2"], lang="fr")


def test_chinese_labels_and_reasons():
    out = psyscreen.score(pd.DataFrame(GAD2), ["gad2"], lang="zh")
    assert out["risk_label"].tolist() == ["关注", "关注", "无"]
    assert out["risk_reasons"][1].startswith("无法排除：")


def test_user_instrument_and_policy_files(tmp_path: Path):
    info = psyscreen.load_instrument(REPO / "tests/data/user/epds-skeleton.yaml")
    assert info["id"] == "epds_skel" and len(info["items"]) == 10
    # EPDS skeleton: the first printed option scores 0 on items 1, 2, 4 and 3 on
    # the seven others: all first options (answered as labels) -> 3 * 7 = 21,
    # probable_depression (13-30)
    df = pd.DataFrame({f"epds_{i}": ["Option 1 (see licensed form)"] for i in range(1, 11)})
    out = psyscreen.score(df, [REPO / "tests/data/user/epds-skeleton.yaml"])
    assert out["epds_skel_total"].tolist() == [21]
    assert out["epds_skel_band"].tolist() == ["probable_depression"]
    tiers = psyscreen.score(pd.DataFrame(GAD2), ["gad2"], policy=REPO / "policies/school-tiers.yaml")
    assert set(tiers["risk_level"]) <= {"green", "yellow", "orange", "red"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nitems: [\n")
    with pytest.raises(psyscreen.PsyscreenError, match="bad.yaml:"):
        psyscreen.load_instrument(bad)


def test_instruments_lists_the_built_ins():
    ids = [i["id"] for i in psyscreen.instruments()]
    assert {"phq9", "gad7", "asq"} <= set(ids)


def test_an_empty_frame_gives_the_columns():
    out = psyscreen.score(pd.DataFrame({"id": [], "gad2_1": [], "gad2_2": []}), ["gad2"])
    assert len(out) == 0 and "risk_level" in out.columns
    schema = psyscreen.output_schema(pa.schema([("id", pa.string()), ("gad2_1", pa.string()), ("gad2_2", pa.string())]), ["gad2"])
    assert schema.names[:2] == ["id", "gad2_total"]


def test_columns_of_any_type_are_read_as_a_csv_would_hold_them():
    # int8 and float32 answers, a categorical class, a gap as NaN (3.0 is 3):
    # a 1 + 2 = 3 positive; b 3 + 0 = 3 positive; c item 2 missing: incomplete
    df = pd.DataFrame({
        "id": pd.Series([1, 2, 3], dtype="int32"),
        "class": pd.Categorical(["1A", "1B", "1A"]),
        "when": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"]),
        "gad2_1": pd.Series([1, 3, 0], dtype="int8"),
        "gad2_2": pd.Series([2.0, 0.0, float("nan")], dtype="float32"),
    })
    out = psyscreen.score(df, "gad2", keep=["class", "when"])
    assert out["gad2_total"].tolist() == [3, 3, pd.NA]
    # the id and kept columns keep their values and types
    assert out["id"].tolist() == [1, 2, 3]
    assert isinstance(out["class"].dtype, pd.CategoricalDtype)
    assert out["when"].tolist() == df["when"].tolist()
