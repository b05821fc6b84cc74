"""Score a text file on Spark with the psyscreen CLI binary: RDD.pipe sends
each partition's lines, without the header row, to `psyscreen score
--header COLS`, which scores a headerless chunk as the whole file would be
scored. No Python package on the executors, only the binary.

    spark-submit python/examples/spark_pipe.py survey.csv scored/ --cli /opt/psyscreen -i phq9,gad7 --keep class

On a cluster: `--archives psyscreen.tar.gz#psy` (a tarball holding the
binary) and `--cli ./psy/psyscreen` (see the README's Python section).
Cells with line breaks inside quotes cannot be split into lines: export
such files without them, or use spark_score.py.
"""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Optional, Sequence


def score_lines(
    spark,
    path: str,
    cli: str,
    instruments: Sequence[str],
    keep: Sequence[str] = (),
    extra: Sequence[str] = (),
    min_partitions: int = 2,
):
    """The CSV at `path` scored by the CLI in each partition: a DataFrame of
    the CLI's columns (JSON Lines parsed; reasons `; `-joined as in CSV)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    lines = spark.sparkContext.textFile(path, minPartitions=min_partitions)
    header = lines.first()
    # the header row is in the first partition only; every chunk gets it from --header
    body = lines.filter(lambda line: line != header)
    command = [cli, "score", "-", "-i", ",".join(instruments), "--header", header, "--format", "jsonl", "-q"]
    if keep:
        command += ["--keep", ",".join(keep)]
    command += list(extra)
    # the exit code is 1 when a cell could not be read: the rows are still all there
    scored = body.pipe(shlex.join(command), checkCode=False).cache()
    first = scored.take(1)
    if not first:
        raise ValueError(f"{path}: no row was scored (see the executors' stderr)")
    # JSON's field order is lost in Spark's inference: the CLI's, from its first line
    columns = list(json.loads(first[0]))
    # every value as the CLI's text (no inference pass), the reasons a list
    schema = T.StructType(
        [
            T.StructField(c, T.ArrayType(T.StringType()) if c == "risk_reasons" else T.StringType())
            for c in columns
        ]
    )
    df = spark.read.json(scored, schema=schema, primitivesAsString=True)
    return df.withColumn("risk_reasons", F.array_join("risk_reasons", "; "))


def main(argv: Optional[Sequence[str]] = None) -> None:
    from pyspark.sql import SparkSession

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--cli", default="psyscreen", help="the psyscreen binary as the executors see it")
    p.add_argument("-i", "--instruments", required=True)
    p.add_argument("--keep", default="")
    a = p.parse_args(argv)
    spark = SparkSession.builder.appName("psyscreen-pipe").getOrCreate()
    keep = [k for k in a.keep.split(",") if k]
    score_lines(spark, a.input, a.cli, a.instruments.split(","), keep).write.json(a.output, mode="error")


if __name__ == "__main__":
    main()
