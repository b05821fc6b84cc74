#!/usr/bin/env bash
# Render a psyscreen HTML report in headless Chromium: a PNG screenshot to
# look at, and a PDF to check the print layout. Networking is cut off
# (every host name resolves to nothing), so a report that needed anything
# outside itself would show it.
#
#   bash scripts/render-report.sh [REPORT.html ...]
#
# Without arguments: builds the reports of examples/class-survey.csv in
# English and Chinese (--by class) and of tests/data/summary/small-groups.csv
# (two groups suppressed), then renders them. Output goes to $OUT
# (default /tmp/psyreport): NAME.png, NAME-a4.png (A4 width) and NAME.pdf
# beside each NAME.html.
#
# Needs chromium (Debian: apt-get install -y chromium; for Chinese text also
# fonts-noto-cjk). Uses CARGO_TARGET_DIR if set, like cargo.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/psyreport}
mkdir -p "$OUT"
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
  echo "render-report.sh: chromium not found (Debian: apt-get install -y chromium fonts-noto-cjk)" >&2
  exit 2
fi

if [ "$#" -eq 0 ]; then
  (cd "$ROOT" && cargo build --quiet)
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/psyscreen
  export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1773619200}   # a fixed date: 2026-03-16
  "$BIN" report "$ROOT/examples/class-survey.csv" -i phq9,gad7 --by class \
    -o "$OUT/class-survey-en.html" --force -q || [ $? -eq 1 ]   # 1: one invalid cell, on purpose
  "$BIN" report "$ROOT/examples/class-survey.csv" -i phq9,gad7 --by class --lang zh \
    --policy "$ROOT/policies/school-tiers.yaml" -o "$OUT/class-survey-zh.html" --force -q || [ $? -eq 1 ]
  "$BIN" report "$ROOT/examples/class-survey.csv" -i phq9,gad7 --by class --lang zh --list-ids \
    --policy "$ROOT/policies/school-tiers.yaml" -o "$OUT/class-survey-zh-staff.html" --force -q || [ $? -eq 1 ]
  "$BIN" report "$ROOT/tests/data/summary/small-groups.csv" -i phq9 --by class \
    -o "$OUT/small-groups.html" --force -q
  set -- "$OUT/class-survey-en.html" "$OUT/class-survey-zh.html" "$OUT/class-survey-zh-staff.html" \
    "$OUT/small-groups.html"
fi

for html in "$@"; do
  html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
  name=$(basename "$html" .html)
  profile=$(mktemp -d)
  flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
         --disable-component-update --disable-sync --no-first-run
         --host-resolver-rules="MAP * ~NOTFOUND" --hide-scrollbars
         --user-data-dir="$profile")
  "$CHROME" "${flags[@]}" --window-size=1000,2400 --screenshot="$OUT/$name.png" "file://$html" 2>/dev/null
  # print size: an A4 page's width at 96 dpi (210 mm)
  "$CHROME" "${flags[@]}" --window-size=794,2400 --screenshot="$OUT/$name-a4.png" "file://$html" 2>/dev/null
  "$CHROME" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$OUT/$name.pdf" "file://$html" 2>/dev/null
  rm -rf "$profile"
  echo "$OUT/$name.png  $OUT/$name.pdf"
done
