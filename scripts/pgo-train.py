#!/usr/bin/env python3
"""The runs a profile-guided release build learns from (scripts/build-pgo.sh):
psyscreen's batch paths on synthetic data made here, never the benchmark's
own files (gen.py's seed 42, make-label-bench.py's seed 13), so a speed-up
measured by scripts/bench-all.py is not one the profile saw.

    python3 scripts/pgo-train.py BIN WORK OUT

BIN runs every command below; data are made once in WORK; each command's
stdout (and -o file) goes to OUT, so two builds' outputs can be compared
byte for byte (build-pgo.sh does: the optimised binary must write what the
instrumented one wrote). Standard library only.

What is run (each on the paths a real user's run takes):
  score     the harness layout (id, class, GAD-7, PHQ-9, PSS-10 digits; a
            few blank, invalid and repeated cells) with the built-in
            instruments and default policy and with the benchmark's
            instrument and policy (bench/), CSV and JSONL, one and two
            threads; a wjx export with Chinese labels and with digits,
            UTF-8 and GB18030; an xlsx workbook; every shipped example
  summary   --by class, a few and many groups
  report    --by class to HTML
  change    the two shipped class-survey waves
"""

import importlib.util
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = 150_000
SEED = 20261202


def harness_layout(path, rows, groups):
    """id,class,gad7_1..7,phq9_1..9,pss10_1..10 as the benchmark's harness
    writes them, from another seed; about one row in 50 has a blank, one
    in 500 an invalid cell, one in 1,000 repeats an earlier id."""
    rng = random.Random(SEED + groups)
    items = [f"gad7_{i}" for i in range(1, 8)] + [f"phq9_{i}" for i in range(1, 10)]
    items += [f"pss10_{i}" for i in range(1, 11)]
    weights = [0.5, 0.27, 0.14, 0.09]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(["id", "class", *items]) + "\n")
        for n in range(1, rows + 1):
            who = n - 7 if n % 1000 == 0 else n
            cells = [str(a) for a in rng.choices(range(4), weights, k=len(items))]
            if n % 50 == 0:
                cells[rng.randrange(len(cells))] = ""
            if n % 500 == 0:
                cells[rng.randrange(len(cells))] = rng.choice(["7", "x", "2.5", " 1 "])
            f.write(",".join([f"P{who:07}", f"C{rng.randrange(groups):05}", *cells]) + "\n")


def data(work):
    """The training files, made once (by name) in `work`."""
    os.makedirs(work, exist_ok=True)
    files = {
        "digits": os.path.join(work, f"harness-{ROWS}.csv"),
        "groups": os.path.join(work, f"harness-{ROWS}-groups.csv"),
        "xlsx": os.path.join(work, "harness-30000.xlsx"),
        "labels": os.path.join(work, f"labels-zh-{ROWS}.csv"),
        "labels-digits": os.path.join(work, f"labels-digits-{ROWS}.csv"),
        "labels-gb": os.path.join(work, f"labels-zh-{ROWS}-gb18030.csv"),
    }
    if not os.path.exists(files["digits"]):
        harness_layout(files["digits"], ROWS, 40)
    if not os.path.exists(files["groups"]):
        harness_layout(files["groups"], ROWS, 20_000)
    if not os.path.exists(files["labels"]):
        label_bench = os.path.join(ROOT, "scripts", "make-label-bench.py")
        subprocess.run([sys.executable, label_bench, str(ROWS), work, str(SEED)], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(files["labels-gb"]):
        with open(files["labels"], encoding="utf-8") as src, open(files["labels-gb"], "w", encoding="gb18030") as dst:
            dst.write(src.read())
    if not os.path.exists(files["xlsx"]):
        small = os.path.join(work, "harness-30000.csv")
        harness_layout(small, 30_000, 40)
        bench_all = importlib.util.spec_from_file_location("bench_all", os.path.join(ROOT, "scripts", "bench-all.py"))
        module = importlib.util.module_from_spec(bench_all)
        bench_all.loader.exec_module(module)
        module.write_xlsx(small, files["xlsx"])
    return files


def commands(files):
    """(name, arguments) of every training run; `{out}` is its output file."""
    bench = ["-i", f"phq9,gad7,{ROOT}/bench/pss10-oracle.yaml", "--policy", f"{ROOT}/bench/oracle-policy.yaml"]
    builtin = ["-i", "phq9,gad7,pss10"]
    runs = [
        ("score-bench-1", ["score", files["digits"], *bench, "--keep", "class", "--threads", "1"]),
        ("score-bench-2", ["score", files["digits"], *bench, "--keep", "class", "--threads", "2"]),
        ("score-builtin", ["score", files["digits"], *builtin, "--keep", "class"]),
        ("score-jsonl", ["score", files["digits"], *builtin, "--format", "jsonl", "--threads", "1"]),
        ("score-labels", ["score", files["labels"], "-i", "phq9,gad7"]),
        ("score-labels-1", ["score", files["labels"], "-i", "phq9,gad7", "--threads", "1"]),
        ("score-labels-digits", ["score", files["labels-digits"], "-i", "phq9,gad7"]),
        ("score-labels-gb", ["score", files["labels-gb"], "-i", "phq9,gad7"]),
        ("score-xlsx", ["score", files["xlsx"], *bench, "--keep", "class"]),
        ("summary-few", ["summary", files["digits"], *bench, "--by", "class", "--format", "csv"]),
        ("summary-many", ["summary", files["groups"], *bench, "--by", "class", "--min-group", "1", "--format", "csv"]),
        ("report", ["report", files["digits"], *builtin, "--by", "class", "-o", "{out}"]),
        (
            "change",
            ["change", f"{ROOT}/examples/class-survey.csv", f"{ROOT}/examples/class-survey-wave2.csv", "-i", "phq9,gad7"],
        ),
    ]
    examples = os.path.join(ROOT, "examples")
    for name in sorted(os.listdir(examples)):
        if name.endswith((".csv", ".xlsx")) and name.startswith(("class-survey", "wjx")):
            runs.append((f"example-{name}", ["score", os.path.join(examples, name), "-i", "phq9,gad7"]))
    return runs


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, work, out = sys.argv[1:]
    files = data(work)
    os.makedirs(out, exist_ok=True)
    for name, args in commands(files):
        target = os.path.join(out, name)
        written = target + ".out"
        if os.path.exists(written):
            os.remove(written)
        args = [written if a == "{out}" else a for a in args]
        with open(target, "wb") as stdout:
            run = subprocess.run([binary, *args], stdout=stdout, stderr=subprocess.PIPE)
        # 0 nobody flagged, 1 someone flagged; more is a failure to read
        if run.returncode not in (0, 1):
            sys.exit(f"pgo-train: {name} exited {run.returncode}:\n{run.stderr.decode(errors='replace')[-2000:]}")
        print(f"{name}: exit {run.returncode}", file=sys.stderr)


if __name__ == "__main__":
    main()
