#!/usr/bin/env bash
# Issue 14's measure list in one run: score on all cores and pinned to one
# core vs the floor, label answers vs digits (UTF-8, GB18030), xlsx vs CSV,
# summary with 5/500/50,000 groups, report at 100k/1M/5M rows (time, peak
# RSS, HTML size). Each case is a ratio to its baseline measured in the same
# rounds (median of RUNS, default 5). The table is printed and saved to
# $BENCH_WORK/all/results.md (default /tmp/psybench/all/results.md).
#
#   bash scripts/bench-all.sh              full sizes (about 10 minutes on
#                                          an idle 2-core machine, most of it
#                                          the 5M-row report and generating data once)
#   QUICK=1 bash scripts/bench-all.sh      small sizes, 3 runs: a check
#   PGO=1 bash scripts/bench-all.sh        the release binary as shipped,
#                                          built by scripts/build-pgo.sh
#
# Sizes and cases: ROWS, XLSX_ROWS, REPORT_ROWS, RUNS, CASES (see the header
# of scripts/bench-all.py). Correctness against the oracle: scripts/bench.sh.
# Steps: cargo build --release --locked (or the PGO build); the shared setup only if the floor
# binary is missing; then scripts/bench-all.py.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
export SHARED
WORK=${BENCH_WORK:-/tmp/psybench}

if [ "${PGO:-0}" = 1 ]; then
  bash "$ROOT/scripts/build-pgo.sh"
  export PSYSCREEN_BIN=${PGO_WORK:-$ROOT/target/pgo}/psyscreen
else
  echo "== cargo build --release --locked" >&2
  (cd "$ROOT" && cargo build --release --locked)
fi
if [ ! -x "$WORK/floor-target/release/floor" ]; then
  echo "== shared setup (floor binary missing)" >&2
  SKIP_R=1 bash "$SHARED/bench/setup.sh"
fi
exec python3 "$ROOT/scripts/bench-all.py"
