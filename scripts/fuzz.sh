#!/usr/bin/env bash
# Fuzz psyscreen's parsers, each target for a fixed time (not part of CI:
# it needs the nightly toolchain and minutes per target).
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]     # default: 60 s each, every target
#
# Targets (fuzz/fuzz_targets/): csv_rows runs the row pipeline in-process
# (fast); csv_score and xlsx_score run the real CLI on
# the bytes as an answer file; instrument_yaml, policy_yaml and map_yaml load
# the bytes as definitions; journal parses them as an administer journal.
# Seeds come from the shipped examples, the test data and the hostile corpus.
# A crash, abort, timeout (10 s) or more than 2 GB of memory is a finding:
# libFuzzer stops and leaves the input under fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(csv_rows csv_score xlsx_score instrument_yaml policy_yaml map_yaml journal)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

seed() {
    local dir=fuzz/corpus/$1
    shift
    mkdir -p "$dir"
    for f in "$@"; do
        [ -f "$f" ] && cp -f "$f" "$dir/seed-$(basename "$f")"
    done
    return 0
}
shopt -s nullglob globstar
seed csv_score examples/*.csv tests/data/score/*.csv tests/data/summary/*.csv tests/hostile/**/*.csv
seed csv_rows examples/*.csv tests/data/score/*.csv tests/data/summary/*.csv tests/hostile/**/*.csv
seed xlsx_score examples/*.xlsx tests/data/score/*.xlsx tests/hostile/**/*.xlsx
seed instrument_yaml instruments/*.yaml instruments/skeletons/*.yaml examples/*.yaml tests/data/broken/*.yaml tests/hostile/yaml/*.yaml
seed policy_yaml policies/*.yaml tests/hostile/yaml/*.yaml
seed map_yaml examples/*map*.yaml tests/hostile/yaml/*.yaml
seed journal tests/hostile/administer/*

status=0
for t in "${targets[@]}"; do
    echo "== $t: ${secs} s"
    if ! cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=3; then
        echo "!! $t found a problem: see fuzz/artifacts/$t/"
        status=1
    fi
done
exit $status
