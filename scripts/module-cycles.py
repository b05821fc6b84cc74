#!/usr/bin/env python3
"""Print every pair of top-level modules of src/ that import each other
(issue 12: the layers must not loop). Exit 1 when there is one.

    python3 scripts/module-cycles.py
"""
import collections
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
uses = collections.defaultdict(set)
for root, _, files in os.walk(SRC):
    for f in files:
        if not f.endswith(".rs"):
            continue
        path = os.path.join(root, f)
        top = os.path.relpath(path, SRC).split(os.sep)[0].removesuffix(".rs")
        text = open(path, encoding="utf-8").read()
        names = set(re.findall(r"crate::([a-z_]+)", text))
        for group in re.findall(r"crate::\{([^}]*)\}", text, re.S):
            names.update(re.findall(r"(?:^|,)\s*([a-z_]+)", group))
        uses[top].update(n for n in names if n != top)
pairs = sorted({tuple(sorted((a, b))) for a in uses for b in uses[a] if a in uses.get(b, ())})
for a, b in pairs:
    print(f"{a} <-> {b}")
sys.exit(1 if pairs else 0)
