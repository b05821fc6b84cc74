#!/usr/bin/env python3
"""Two CSVs in the layout of a wjx export (examples/wjx-export-zh.csv) with
PHQ-9 and GAD-7 answers: one with the Chinese option labels as answers (wjx
"按选项文本"), one with the same answers as digits. Everything else (the
metadata columns, ids, classes) is byte-for-byte the same, so the two files
differ only in how the answers are written.

    python3 scripts/make-label-bench.py [ROWS] [OUTDIR] [SEED]
                                        (default 100000, /tmp, 13)

Writes OUTDIR/labels-zh-ROWS.csv and OUTDIR/labels-digits-ROWS.csv (UTF-8).
Item texts and option labels are read from instruments/*.yaml (stdlib only,
so by pattern, not by a YAML parser). Answers are random with a fixed seed,
skewed toward 0 as screening data are.

Measure (BENCHMARKS.md, "Label answers"):
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.FILE \\
        target/release/psyscreen score FILE -i phq9,gad7 -q -o /tmp/x.csv --force
"""

import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def items_and_labels(instrument):
    with open(os.path.join(ROOT, "instruments", instrument + ".yaml"), encoding="utf-8") as f:
        text = f.read()
    items = re.findall(r'\{id: (\w+_\d+), responses: \w+, text: \{en: "[^"]*",\s*zh: "([^"]*)"\}', text)
    labels = {}
    for value, zh in re.findall(r'\{value: (\d+), label: \{en: "[^"]*", zh: "([^"]*)"\}', text):
        labels[int(value)] = zh
    if not items or not labels:
        sys.exit(f"make-label-bench: no items or labels found in {instrument}.yaml")
    return items, labels


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    outdir = sys.argv[2] if len(sys.argv) > 2 else "/tmp"
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 13
    questions = []
    label_of = {}
    for instrument in ("phq9", "gad7"):
        items, labels = items_and_labels(instrument)
        questions += [zh for _, zh in items]
        label_of[instrument] = labels
    assert label_of["phq9"] == label_of["gad7"], "PHQ-9 and GAD-7 share one response set"
    labels = label_of["phq9"]

    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、姓名或学号", "2、班级"]
    header += [f"{k + 3}、{q}" for k, q in enumerate(questions)]
    rng = random.Random(seed)
    weights = [0.55, 0.25, 0.12, 0.08]
    zh_path = os.path.join(outdir, f"labels-zh-{rows}.csv")
    digits_path = os.path.join(outdir, f"labels-digits-{rows}.csv")
    with open(zh_path, "w", encoding="utf-8", newline="") as zh, open(
        digits_path, "w", encoding="utf-8", newline=""
    ) as digits:
        line = ",".join(header) + "\r\n"
        zh.write(line)
        digits.write(line)
        for n in range(1, rows + 1):
            meta = [
                str(n),
                f"2026/3/{16 + n % 10} {8 + n % 10}:{n % 60:02}:{n * 7 % 60:02}",
                f"{60 + n % 240}秒",
                "微信" if n % 3 else "手机提交",
                "N/A" if n % 3 else "直接访问",
                f"203.0.{n % 256}.{n * 7 % 256}(浙江-杭州)",
                f"2025{n:07}",
                f"初{'一二三'[n % 3]}({n % 12 + 1})班",
            ]
            answers = rng.choices(range(4), weights, k=len(questions))
            zh.write(",".join(meta + [labels[a] for a in answers]) + "\r\n")
            digits.write(",".join(meta + [str(a) for a in answers]) + "\r\n")
    print(zh_path)
    print(digits_path)


if __name__ == "__main__":
    main()
