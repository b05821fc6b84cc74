#!/usr/bin/env bash
# Benchmark `psyscreen score` with the shared batch-scoring harness
# (../shared/bench: README.md, run.sh), side by side with its peers, and check
# that psyscreen writes exactly what the harness's oracle (reference.py) writes.
#
#   bash scripts/bench.sh [ROWS]        ROWS: data rows, default 1000000
#
# Steps: cargo build --release --locked; the shared setup (bench/setup.sh) only
# if the floor binary is missing; validate bench/pss10-oracle.yaml and
# bench/oracle-policy.yaml; then the harness with psyscreen as PROJECT_CMD.
# The table is printed at the end; outputs, diffs (*.compare) and per-run
# figures stay in $BENCH_WORK/out/ROWS/ (default /tmp/psybench/out/ROWS/).
#
# Environment:
#   SHARED=DIR    the shared tree (default: $ROOT/../shared); read-only, nothing
#                 is written into it
#   WITH_R=1      include the R peer: setup installs R + psych (otherwise it
#                 runs with SKIP_R=1) and run.sh times it (otherwise r is left
#                 out of TOOLS); it is slow (~16 s a run at 1M rows)
#   TOOLS, RUNS, WARMUP, TIMEOUT_S, SEED, BENCH_WORK, PYTHON
#                 passed through to run.sh (see its header)
#
# Why the extra files (see their headers): the oracle prorates at most one
# missing item per scale, the built-in pss10 two, hence bench/pss10-oracle.yaml
# (id pss10, max_missing 1); the oracle's risk rules (PSS-10 >= 27 refers, an
# empty total never meets a threshold) are bench/oracle-policy.yaml.
set -euo pipefail

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ROWS=${1:-1000000}
[ $# -le 1 ] || usage
[[ $ROWS =~ ^[0-9]+$ ]] && [ "$ROWS" -ge 1 ] || usage

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
[ -f "$SHARED/bench/run.sh" ] || { echo "bench.sh: no $SHARED/bench/run.sh (set SHARED=DIR)" >&2; exit 2; }
SHARED=$(cd "$SHARED" && pwd)
WORK=${BENCH_WORK:-/tmp/psybench}
BIN=$ROOT/target/release/psyscreen
PSS=$ROOT/bench/pss10-oracle.yaml
POLICY=$ROOT/bench/oracle-policy.yaml
WITH_R=${WITH_R:-0}

echo "== cargo build --release --locked" >&2
(cd "$ROOT" && cargo build --release --locked)
[ -x "$BIN" ] || { echo "bench.sh: $BIN was not built" >&2; exit 1; }

if [ ! -x "$WORK/floor-target/release/floor" ]; then
  echo "== shared setup (floor binary missing)" >&2
  if [ "$WITH_R" = 1 ]; then bash "$SHARED/bench/setup.sh"
  else SKIP_R=1 bash "$SHARED/bench/setup.sh"; fi
fi

echo "== validate the benchmark instrument and policy" >&2
"$BIN" instruments validate "$PSS"
"$BIN" policy validate "$POLICY" -i "phq9,gad7,$PSS"

if [ -z "${TOOLS:-}" ]; then
  TOOLS="overhead cat count floor project polars pandas r reference"
  [ "$WITH_R" = 1 ] || TOOLS=${TOOLS/ r / }
  export TOOLS
fi

VERSION=$("$BIN" --version | awk '{print $NF}')
q() { printf '%q' "$1"; }   # run.sh splits PROJECT_CMD like a shell line
export PROJECT_CMD="$(q "$BIN") score {in} -i $(q "phq9,gad7,$PSS") --policy $(q "$POLICY") --keep class --format csv --quiet -o {out}"
export PROJECT_LABEL="psyscreen $VERSION"

echo "== harness: $SHARED/bench/run.sh $ROWS (TOOLS: $TOOLS)" >&2
cd "$ROOT"
bash "$SHARED/bench/run.sh" "$ROWS"
