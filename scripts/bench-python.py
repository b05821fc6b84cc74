#!/usr/bin/env python3
"""Benchmark psyscreen.score on a pandas DataFrame against the CLI on the same
CSV and against the shared harness's pandas reference (issue 17 item 4).

    python scripts/bench-python.py [ROWS] [--runs 3]

Needs: the release CLI (`cargo build --release`), the package installed in
release mode (`pip install ./python` or `maturin develop --release`),
pandas, and ../shared/bench (gen.py, peers/pandas_score.py). The data is the
harness's (gen.py, seed 42), scored with the harness's instruments and
policy as scripts/bench.sh does (PHQ-9, GAD-7, bench/pss10-oracle.yaml,
bench/oracle-policy.yaml, --keep class).

Timed, median of the runs, each tool in turn so drift hits them alike:
  cli           the CLI, whole process: reads the CSV, scores, writes CSV (-o)
  score         psyscreen.score(df) on the DataFrame already in memory
  python-file   pd.read_csv + psyscreen.score + to_csv (file to file, as the CLI)
  pandas        the harness's pandas reference, whole process (file to file)
The targets: score within 1.5x of cli; pandas at least 10x score.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHARED", ROOT.parent / "shared")).resolve()
WORK = Path(os.environ.get("BENCH_WORK", "/tmp/psybench-python"))
CLI = Path(os.environ.get("PSYSCREEN_CLI", ROOT / "target/release/psyscreen"))
PSS = ROOT / "bench/pss10-oracle.yaml"
POLICY = ROOT / "bench/oracle-policy.yaml"
INSTRUMENTS = ["phq9", "gad7", str(PSS)]


def cpu() -> float:
    """CPU seconds of this process (all its threads) and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(f) -> tuple[float, float]:
    """Wall and CPU seconds (CPU tells more on a machine shared with other work)."""
    t, c = time.perf_counter(), cpu()
    f()
    return time.perf_counter() - t, cpu() - c


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows", nargs="?", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()

    import pandas as pd

    import psyscreen

    WORK.mkdir(parents=True, exist_ok=True)
    data = WORK / f"{a.rows}.csv"
    if not data.exists():
        subprocess.run([sys.executable, str(SHARED / "bench/gen.py"), str(a.rows), str(data)], check=True)
    out = WORK / "out"
    out.mkdir(exist_ok=True)
    df = pd.read_csv(data, dtype={"id": str, "class": str})

    def cli() -> None:
        (out / "cli.csv").unlink(missing_ok=True)
        subprocess.run(
            [str(CLI), "score", str(data), "-i", ",".join(INSTRUMENTS), "--policy", str(POLICY),
             "--keep", "class", "--format", "csv", "--quiet", "-o", str(out / "cli.csv")],
            check=True, stderr=subprocess.DEVNULL,
        )

    result = {}

    def score() -> None:
        result["score"] = psyscreen.score(df, INSTRUMENTS, policy=POLICY, keep=["class"])

    def python_file() -> None:
        frame = pd.read_csv(data, dtype={"id": str, "class": str})
        psyscreen.score(frame, INSTRUMENTS, policy=POLICY, keep=["class"]).to_csv(
            out / "python.csv", index=False, lineterminator="\n"
        )

    def pandas_ref() -> None:
        subprocess.run([sys.executable, str(SHARED / "bench/peers/pandas_score.py"), str(data), str(out / "pandas.csv")], check=True)

    tools = {"cli": cli, "score": score, "python-file": python_file, "pandas": pandas_ref}
    times: dict[str, list[float]] = {k: [] for k in tools}
    cpus: dict[str, list[float]] = {k: [] for k in tools}
    for f in tools.values():  # warm-up round: page cache, imports
        f()
    for _ in range(a.runs):
        for name, f in tools.items():
            wall, used = timed(f)
            times[name].append(wall)
            cpus[name].append(used)

    # the Python call gives what the CLI gave
    cli_out = pd.read_csv(out / "cli.csv", dtype=str, keep_default_na=False)
    got = result["score"]
    same = all(cli_out[c].tolist() == got[c].astype(str).tolist() for c in ["risk_level", "phq9_band", "gad7_band"])
    med = {k: statistics.median(v) for k, v in times.items()}
    mcpu = {k: statistics.median(v) for k, v in cpus.items()}
    print(f"{a.rows:,} rows, median of {a.runs} runs (s); same levels and bands as the CLI: {same}")
    print("| tool | median wall s | median CPU s | wall of each run |")
    print("|---|---:|---:|---|")
    for k, v in times.items():
        print(f"| {k} | {med[k]:.3f} | {mcpu[k]:.3f} | {', '.join(f'{x:.3f}' for x in v)} |")
    print(f"score / cli = {med['score'] / med['cli']:.2f}x wall, {mcpu['score'] / mcpu['cli']:.2f}x CPU (target <= 1.5x)")
    print(f"pandas / score = {med['pandas'] / med['score']:.1f}x wall, {mcpu['pandas'] / mcpu['score']:.1f}x CPU (target >= 10x)")
    print(f"python-file / cli = {med['python-file'] / med['cli']:.2f}x wall")


if __name__ == "__main__":
    main()
