"""Spark in local mode (local[2]) scores the generated 200k-row file in
several partitions, with the package (mapInArrow) and with the CLI binary
(RDD.pipe), and the result equals the CLI's output row for row. Skipped,
and said so, where Java is absent."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from conftest import SURVEY_ROWS, rows_as_text

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
    reason="Java is absent: Spark cannot run, so the Spark tests are skipped",
)


def example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    # the executors' Python is this one (it has psyscreen installed)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("psyscreen-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.local.dir", str(tmp_path_factory.mktemp("spark")))
        # several partitions from one file: ~1.5 MB each
        .config("spark.sql.files.maxPartitionBytes", str(1536 * 1024))
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def by_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["id"])


def test_map_in_arrow_equals_the_cli_row_for_row(spark, survey, cli_rows):
    started = time.monotonic()
    df = spark.read.csv(str(survey), header=True, inferSchema=False)
    assert df.rdd.getNumPartitions() >= 3, "several partitions"
    out = example("spark_score").score_dataframe(df, ["phq9", "gad7"], keep=["class"])
    got = rows_as_text(out.toArrow().to_pylist())
    assert len(got) == SURVEY_ROWS
    want = by_id(cli_rows)
    for n, (g, w) in enumerate(zip(by_id(got), want)):
        assert g == w, f"{w['id']} differs"
    assert time.monotonic() - started < 60


def test_rdd_pipe_with_the_cli_equals_the_cli_row_for_row(spark, cli, survey, cli_rows):
    started = time.monotonic()
    out = example("spark_pipe").score_lines(
        spark, str(survey), str(cli), ["phq9", "gad7"], keep=["class"], min_partitions=4
    )
    got = rows_as_text(out.toArrow().to_pylist())
    assert len(got) == SURVEY_ROWS
    for g, w in zip(by_id(got), by_id(cli_rows)):
        assert g == w, f"{w['id']} differs"
    assert time.monotonic() - started < 60
