"""Score a Spark DataFrame with the psyscreen package: DataFrame.mapInArrow,
one Arrow batch at a time (constant memory per executor), instruments and
policy loaded once per partition. The scores are the CLI's, row for row.

    spark-submit python/examples/spark_score.py survey.csv scored/ -i phq9,gad7 --keep class

On a cluster, ship the wheel built by `pip wheel ./python` (or install it on
every node); give the policy and instrument files with --files and their
bare names here (see the README's Python section).
"""

from __future__ import annotations

import argparse
from typing import Optional, Sequence


def score_dataframe(
    df,
    instruments: Sequence[str],
    policy: Optional[str] = None,
    lang: str = "en",
    id_column: Optional[str] = None,
    keep: Sequence[str] = (),
):
    """`df` scored: the columns `psyscreen score` writes. Give an id column:
    without one, row numbers restart in every Arrow batch."""
    import psyscreen
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    schema = psyscreen.output_schema(to_arrow_schema(df.schema), instruments, policy, lang, id_column, keep)

    def score(batches):
        # runs on the executors, once per partition
        import psyscreen

        yield from psyscreen.score_batches(batches, instruments, policy, lang, id_column, keep)

    return df.mapInArrow(score, from_arrow_schema(schema))


def main(argv: Optional[Sequence[str]] = None) -> None:
    from pyspark.sql import SparkSession

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input", help="CSV with a header row (read with every column as text)")
    p.add_argument("output", help="folder for the scored CSV parts")
    p.add_argument("-i", "--instruments", required=True, help="built-in ids or YAML files, comma-separated")
    p.add_argument("--policy")
    p.add_argument("--lang", default="en")
    p.add_argument("--id-column")
    p.add_argument("--keep", default="", help="columns to copy, comma-separated")
    a = p.parse_args(argv)
    spark = SparkSession.builder.appName("psyscreen").getOrCreate()
    # every column as text, as the CLI reads a CSV (no inferred types)
    df = spark.read.csv(a.input, header=True, inferSchema=False)
    keep = [k for k in a.keep.split(",") if k]
    out = score_dataframe(df, a.instruments.split(","), a.policy, a.lang, a.id_column, keep)
    out.write.csv(a.output, header=True, mode="error")


if __name__ == "__main__":
    main()
