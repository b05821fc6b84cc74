#!/usr/bin/env python3
"""Score every real data set in ../shared/realdata with psyscreen and check
the totals against the studies' own totals, or against an independent
computation where a study published none.

    python3 scripts/realdata.py [--bin PATH] [--shared DIR] [--write-fixtures]

Needs a built binary (default target/release/psyscreen; `cargo build
--release`). Standard library only. Prints one line per check and exits 1
on any disagreement. `--write-fixtures` also (re)writes the expected totals
of the data sets copied into tests/data/realdata/ (public-domain and MIT
data only; see its README), computed here, never by psyscreen.

What is compared (see ../shared/realdata/README.md for the sources):
- helpfull_cesd: CES-D total vs the HELP study's `CES_D` column, every row
  with all 20 items; on rows with missing items the study summed the
  answered ones, psyscreen prorates (checked independently, and never
  lower than the study's sum).
- nhanes_phq9: PHQ-9 total vs an independent sum (input.csv); on
  input_with_codes.csv, every NHANES 7 (refused) / 9 (don't know) code is
  reported as an invalid cell at its row and column, counted as missing,
  and each row's total follows the missing-item rule.
- ukm_students: PHQ-9, GAD-7 and PSS-10 (items 4, 5, 7, 8 reversed) vs an
  independent computation (the study published no totals).
- groundhog_dass21: each DASS-21 scale vs the authors' raw sums of the 1-4
  codes: (sum - 7) x 2.
- dass42_anxiety: examples/dass42-anxiety.yaml (a user-written instrument
  file) vs the authors' `anxiety_score`.
- dass42_anxiety_psychpower: the same file with item 2 absent from every
  row: round-half-up(sum of 13 x 14 / 13), prorated.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAILURES = []


def check(name, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        FAILURES.append(name)


def round_half_up(num, den):
    # the project's rule: half up, in integers
    return (2 * num + den) // (2 * den)


def scale_total(values, max_missing):
    """Sum of the item scores (None = missing); prorated when 1..max_missing
    are missing; None when more are missing or none is answered."""
    answered = [v for v in values if v is not None]
    missing = len(values) - len(answered)
    if missing > max_missing or not answered:
        return None, False
    if missing == 0:
        return sum(answered), False
    return round_half_up(sum(answered) * len(values), len(answered)), True


def run(binary, path, instruments, extra=()):
    """psyscreen's CSV output as dicts keyed by id, its stderr and exit code."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.csv")
        p = subprocess.run(
            [binary, "score", path, "-i", instruments, "--format", "csv", "--quiet", "-o", out, *extra],
            capture_output=True,
            text=True,
        )
        rows = {}
        if os.path.exists(out):
            with open(out, newline="", encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    rows[r["id"]] = r
    return rows, p.stderr, p.returncode


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def num(cell, lo, hi):
    cell = cell.strip()
    if cell.isdigit() and lo <= int(cell) <= hi:
        return int(cell)
    return None


def as_int(s):
    return None if s == "" else int(s)


# ------------------------------------------------------------ instruments

PHQ9 = [f"phq9_{i}" for i in range(1, 10)]
GAD7 = [f"gad7_{i}" for i in range(1, 8)]
PSS10 = [f"pss10_{i}" for i in range(1, 11)]
PSS10_REVERSED = {"pss10_4", "pss10_5", "pss10_7", "pss10_8"}
CESD = [f"cesd_{i}" for i in range(1, 21)]
CESD_REVERSED = {"cesd_4", "cesd_8", "cesd_12", "cesd_16"}
DASS21 = {
    "dass21_depression": [3, 5, 10, 13, 16, 17, 21],
    "dass21_anxiety": [2, 4, 7, 9, 15, 19, 20],
    "dass21_stress": [1, 6, 8, 11, 12, 14, 18],
}
DASS42_ANXIETY = [f"dass42_anxiety_{i}" for i in range(1, 15)]


def scored(row, items, top, max_missing, reversed_items=()):
    """One scale from cells coded 0..top: reversed items score top - x."""
    vals = []
    for c in items:
        v = num(row[c], 0, top)
        vals.append(None if v is None else (top - v if c in reversed_items else v))
    return scale_total(vals, max_missing)


def phq9(row):
    return scored(row, PHQ9, 3, 1)


def gad7(row):
    return scored(row, GAD7, 3, 1)


def pss10(row):
    return scored(row, PSS10, 4, 2, PSS10_REVERSED)


def cesd(row):
    return scored(row, CESD, 3, 4, CESD_REVERSED)


def dass42_anxiety(row):
    return scored(row, DASS42_ANXIETY, 3, 1)


# ------------------------------------------------------------ data sets


def helpfull_cesd(binary, shared):
    ours, _, code = run(binary, f"{shared}/helpfull_cesd/input.csv", "cesd")
    study = {r["rownames"]: r["CES_D"] for r in read(f"{shared}/raw/rdatasets_HELPfull.csv")}
    rows = read(f"{shared}/helpfull_cesd/input.csv")
    complete = [r for r in rows if all(r[c].strip() for c in CESD)]
    bad = [r["id"] for r in complete if ours[r["id"]]["cesd_total"] != study[r["id"]]]
    check(
        "helpfull_cesd",
        not bad and code == 0 and len(ours) == len(rows),
        f"{len(complete) - len(bad)} of {len(complete)} complete rows equal the study's CES_D"
        + (f"; differ: {bad[:10]}" if bad else ""),
    )
    # rows with missing items: the study summed the answered items (missing
    # = 0, or NA when all are missing); psyscreen prorates up to 4 missing
    partial = [r for r in rows if r not in complete]
    wrong, lower, blank = [], [], 0
    for r in partial:
        o = ours[r["id"]]
        expected, _ = cesd(r)
        if o["cesd_total"] != ("" if expected is None else str(expected)):
            wrong.append(r["id"])
        if study[r["id"]] in ("", "NA"):
            blank += 1
            if o["cesd_total"] != "":
                wrong.append(r["id"])
        elif o["cesd_total"] == "" or int(o["cesd_total"]) < int(study[r["id"]]):
            lower.append(r["id"])
    check(
        "helpfull_cesd rows with missing items",
        not wrong and not lower,
        f"{len(partial)} rows: {blank} all blank (study NA, psyscreen incomplete), "
        f"{len(partial) - blank} prorated by the 4-missing rule, never below the study's "
        "sum of the answered items"
        + (f"; differ: {wrong[:10]}" if wrong else "")
        + (f"; lower: {lower[:10]}" if lower else ""),
    )


def nhanes(binary, shared):
    path = f"{shared}/nhanes_phq9/input.csv"
    ours, _, code = run(binary, path, "phq9")
    rows = read(path)
    bad = [r["id"] for r in rows if ours[r["id"]]["phq9_total"] != str(phq9(r)[0])]
    check(
        "nhanes_phq9 input.csv",
        not bad and code == 0 and len(ours) == len(rows),
        f"{len(rows) - len(bad)} of {len(rows)} totals equal an independent sum",
    )

    path = f"{shared}/nhanes_phq9/input_with_codes.csv"
    ours, err, code = run(binary, path, "phq9")
    rows = read(path)
    reported = set()
    for line in err.splitlines():
        if line.startswith("row ") and "is not a valid answer" in line:
            head = line.split(":")[0]  # row N, column C
            n, col = head[4:].split(", column ")
            reported.add((int(n), col))
    coded = set()
    for i, r in enumerate(rows, start=2):  # the header is row 1
        for c in PHQ9:
            if r[c].strip() in ("7", "9"):
                coded.add((i, c))
    check(
        "nhanes_phq9 7/9 codes reported",
        reported == coded and code == 1,
        f"{len(coded)} coded cells, {len(reported)} reported at the same row and column, exit {code}",
    )
    wrong = []
    for r in rows:
        total, prorated = phq9(r)
        o = ours[r["id"]]
        want = ("" if total is None else str(total), "true" if prorated else "false")
        if (o["phq9_total"], o["phq9_prorated"]) != want:
            wrong.append(r["id"])
    with_codes = [r for r in rows if any(r[c].strip() in ("7", "9") for c in PHQ9)]
    check(
        "nhanes_phq9 codes count as missing",
        not wrong and len(ours) == len(rows),
        f"{len(rows)} rows scored; {len(with_codes)} rows with codes: "
        f"{sum(1 for r in with_codes if ours[r['id']]['phq9_prorated'] == 'true')} prorated, "
        f"{sum(1 for r in with_codes if ours[r['id']]['phq9_total'] == '')} incomplete"
        + (f"; differ: {wrong[:10]}" if wrong else ""),
    )
    # a code never lowers the risk level: missing phq9_9 cannot rule out
    # the self-harm rule, so such a row is at monitor or above
    low = [
        r["id"]
        for r in rows
        if r["phq9_9"].strip() in ("7", "9") and ours[r["id"]]["risk_level"] == "none"
    ]
    check("nhanes_phq9 coded item 9 is not ruled out", not low, f"rows at none: {low or 'none'}")


def ukm(binary, shared):
    path = f"{shared}/ukm_students/input.csv"
    ours, _, code = run(binary, path, "phq9,gad7,pss10")
    rows = read(path)
    for name, f in [("phq9", phq9), ("gad7", gad7), ("pss10", pss10)]:
        bad = [r["id"] for r in rows if ours[r["id"]][f"{name}_total"] != str(f(r)[0])]
        check(
            f"ukm_students {name}",
            not bad and code == 0 and len(ours) == len(rows),
            f"{len(rows) - len(bad)} of {len(rows)} totals equal an independent computation",
        )


def groundhog(binary, shared):
    path = f"{shared}/groundhog_dass21/input.csv"
    ours, _, code = run(binary, path, "dass21")
    authors = {r["row"]: r for r in read(f"{shared}/raw/groundhog_dass21_scores.csv")}
    for scale in DASS21:
        bad = [
            i for i, r in authors.items() if ours[i][f"{scale}_total"] != str((int(r[scale]) - 7) * 2)
        ]
        check(
            f"groundhog_dass21 {scale}",
            not bad and code == 0 and len(ours) == len(authors),
            f"{len(authors) - len(bad)} of {len(authors)} equal (authors' sum of 1-4 codes - 7) x 2",
        )


def dass42(binary, shared):
    instrument = os.path.join(ROOT, "examples", "dass42-anxiety.yaml")
    path = f"{shared}/dass42_anxiety/input.csv"
    ours, _, code = run(binary, path, instrument)
    authors = read(f"{shared}/raw/kanglee_data_filtered_1000.csv")
    bad = [
        str(i)
        for i, r in enumerate(authors, start=1)
        if ours[str(i)]["dass42_anxiety_total"] != r["anxiety_score"]
    ]
    check(
        "dass42_anxiety",
        not bad and code == 0 and len(ours) == len(authors),
        f"{len(authors) - len(bad)} of {len(authors)} equal the authors' anxiety_score",
    )
    # the authors' anxiety_status is 1 from 15 up: the severe band's edge
    severe = {"severe", "extremely_severe"}
    bad = [
        str(i)
        for i, r in enumerate(authors, start=1)
        if (ours[str(i)]["dass42_anxiety_band"] in severe) != (r["anxiety_status"] == "1")
    ]
    check(
        "dass42_anxiety bands",
        not bad,
        f"{len(authors) - len(bad)} of {len(authors)}: band severe or above exactly when the "
        "authors' anxiety_status is 1",
    )
    path = f"{shared}/dass42_anxiety_psychpower/input.csv"
    ours, _, code = run(binary, path, instrument)
    rows = read(path)
    bad = []
    for r in rows:
        total, prorated = dass42_anxiety(r)
        o = ours[r["id"]]
        if (o["dass42_anxiety_total"], o["dass42_anxiety_prorated"]) != (str(total), "true" if prorated else "false"):
            bad.append(r["id"])
    check(
        "dass42_anxiety_psychpower",
        not bad and code == 0 and len(ours) == len(rows),
        f"{len(rows) - len(bad)} of {len(rows)} equal round-half-up(sum of 13 x 14 / 13), all prorated",
    )


# ------------------------------------------------------------ fixtures


def write_fixtures(shared):
    """Expected totals for the copies in tests/data/realdata, computed here."""
    out = os.path.join(ROOT, "tests", "data", "realdata")

    def write(name, header, rows):
        with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        print(f"wrote tests/data/realdata/{name} ({len(rows)} rows)")

    def cell(total_prorated):
        total, prorated = total_prorated
        return ["" if total is None else total, "true" if prorated else "false"]

    rows = read(os.path.join(out, "nhanes_phq9_with_codes.csv"))
    write(
        "nhanes_phq9_with_codes.expected.csv",
        ["id", "phq9_total", "phq9_prorated"],
        [[r["id"], *cell(phq9(r))] for r in rows],
    )
    rows = read(os.path.join(out, "ukm_students.csv"))
    write(
        "ukm_students.expected.csv",
        ["id", "phq9_total", "gad7_total", "pss10_total"],
        [[r["id"], phq9(r)[0], gad7(r)[0], pss10(r)[0]] for r in rows],
    )
    authors = read(os.path.join(out, "groundhog_dass21_scores.csv"))
    write(
        "groundhog_dass21.expected.csv",
        ["id", *DASS21],
        [[r["row"], *[(int(r[s]) - 7) * 2 for s in DASS21]] for r in authors],
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "psyscreen"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "realdata"))
    ap.add_argument("--write-fixtures", action="store_true")
    a = ap.parse_args()
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"realdata.py: no binary at {a.bin}: run `cargo build --release` or pass --bin")
    if not os.path.isdir(a.shared):
        sys.exit(f"realdata.py: no data at {a.shared}: pass --shared DIR")
    for f in (helpfull_cesd, nhanes, ukm, groundhog, dass42):
        f(a.bin, a.shared)
    if a.write_fixtures:
        write_fixtures(a.shared)
    print(f"{len(FAILURES)} failure(s)" if FAILURES else "all checks agree")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
