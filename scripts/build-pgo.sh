#!/usr/bin/env bash
# The release binary as we ship it: built with profile-guided optimisation
# (PGO). rustc compiles psyscreen once with counters, the counted build runs
# the batch paths on synthetic data (scripts/pgo-train.py), and rustc
# compiles it again laid out and inlined for what those runs did most.
# Same source, same output (checked below: every training run's output is
# compared byte for byte with the counted build's); 13–16% less time on a
# large `score` of digits, 6–9% on labels (BENCHMARKS.md, "Profile-guided
# release build").
#
#   bash scripts/build-pgo.sh        -> target/pgo/psyscreen (about 6 minutes)
#
# `cargo build --release` stays the plain build (target/release/psyscreen).
# Needs llvm-profdata of the toolchain's LLVM: `rustup component add
# llvm-tools`, done here when missing. Work files: target/pgo/ (PGO_WORK).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${PGO_WORK:-$ROOT/target/pgo}
cd "$ROOT"

profdata() {
  find "$(rustc --print sysroot)" -name llvm-profdata -type f -perm -u+x 2>/dev/null | head -n 1
}
if [ -z "$(profdata)" ]; then
  echo "== rustup component add llvm-tools (for llvm-profdata)" >&2
  rustup component add llvm-tools >&2
fi
PROFDATA=$(profdata)
if [ -z "$PROFDATA" ]; then
  echo "build-pgo: llvm-profdata not found in $(rustc --print sysroot) after adding llvm-tools" >&2
  exit 1
fi

# counts from an earlier build would be merged with this one's
rm -rf "$WORK/profiles" "$WORK/out-counted" "$WORK/out-optimised"
mkdir -p "$WORK"

echo "== counted build" >&2
RUSTFLAGS="-Cprofile-generate=$WORK/profiles" \
  cargo build --release --locked --target-dir "$WORK/counted-target"

echo "== training runs (scripts/pgo-train.py)" >&2
python3 scripts/pgo-train.py "$WORK/counted-target/release/psyscreen" "$WORK/data" "$WORK/out-counted"
"$PROFDATA" merge -o "$WORK/psyscreen.profdata" "$WORK/profiles"

echo "== optimised build" >&2
# a function the runs never reached is compiled as in a plain build
RUSTFLAGS="-Cprofile-use=$WORK/psyscreen.profdata -Cllvm-args=-pgo-warn-missing-function=false" \
  cargo build --release --locked --target-dir "$WORK/optimised-target"

echo "== the optimised build writes what the counted one wrote" >&2
python3 scripts/pgo-train.py "$WORK/optimised-target/release/psyscreen" "$WORK/data" "$WORK/out-optimised" 2>/dev/null
diff -r "$WORK/out-counted" "$WORK/out-optimised"

cp "$WORK/optimised-target/release/psyscreen" "$WORK/psyscreen"
echo "$WORK/psyscreen" >&2
