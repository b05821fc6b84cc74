#!/usr/bin/env python3
"""Issue 14's measure list, in one run (called by scripts/bench-all.sh,
which builds first). Every case is timed as a whole process with GNU time
(wall, user+sys CPU, peak RSS), 1 warm-up then RUNS timed rounds, cases
interleaved round-robin within each group, median reported, each as a
ratio to its baseline measured in the same rounds: the ratio of the
medians, and the median of each round's ratio (a case and its baseline
run back to back, so a slow minute of the host slows both: the steadier
figure on a noisy machine):

  score     the harness's 1M-row file and command (as scripts/bench.sh):
            psyscreen on all cores and pinned to one (`taskset -c 0`),
            against the hand-written floor, free and pinned
  labels    a wjx-like export with Chinese option labels vs the same with
            digits (scripts/make-label-bench.py), UTF-8 and GB18030
  xlsx      the first N rows of the harness file as a workbook vs as CSV
  summary   `summary --by class` with 5, 500 and 50,000 classes vs 5
  report    `report --by class -o r.html` at each size: time, RSS, HTML size

Environment (sizes are data rows):
  ROWS=1000000              score, labels, summary
  XLSX_ROWS="100000 300000" xlsx
  REPORT_ROWS="100000 1000000 5000000"
  RUNS=5                    timed rounds (median of these)
  CASES="score labels xlsx summary report"
  BENCH_WORK=/tmp/psybench  data (cached) and results (all/results.md)
  PSYSCREEN_BIN             the binary measured (default target/release/
                            psyscreen; bench-all.sh's PGO=1 sets it)
  QUICK=1                   ROWS=100000, XLSX_ROWS="20000 50000",
                            REPORT_ROWS="100000 300000", RUNS=3: a check
                            that everything runs, in well under a minute
"""

import os
import statistics
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
WORK = os.environ.get("BENCH_WORK", "/tmp/psybench")
QUICK = os.environ.get("QUICK") == "1"
ROWS = int(os.environ.get("ROWS", "100000" if QUICK else "1000000"))
XLSX_ROWS = [int(x) for x in os.environ.get("XLSX_ROWS", "20000 50000" if QUICK else "100000 300000").split()]
REPORT_ROWS = [
    int(x) for x in os.environ.get("REPORT_ROWS", "100000 300000" if QUICK else "100000 1000000 5000000").split()
]
RUNS = int(os.environ.get("RUNS", "3" if QUICK else "5"))
CASES = os.environ.get("CASES", "score labels xlsx summary report").split()
# the plain release build, or (PSYSCREEN_BIN, set by bench-all.sh with
# PGO=1) the profile-guided one of scripts/build-pgo.sh
BIN = os.environ.get("PSYSCREEN_BIN") or os.path.join(ROOT, "target", "release", "psyscreen")
FLOOR = os.path.join(WORK, "floor-target", "release", "floor")
PSS = os.path.join(ROOT, "bench", "pss10-oracle.yaml")
POLICY = os.path.join(ROOT, "bench", "oracle-policy.yaml")
DATA = os.path.join(WORK, "data")
OUT = os.path.join(WORK, "all")
ORACLE = ["-i", f"phq9,gad7,{PSS}", "--policy", POLICY]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def harness_file(rows):
    """The harness's generated file (gen.py, seed 42), made when missing."""
    path = os.path.join(DATA, f"responses-{rows}-s42.csv")
    if not os.path.exists(path):
        os.makedirs(DATA, exist_ok=True)
        log(f"== generating {path}")
        subprocess.run([sys.executable, os.path.join(SHARED, "bench", "gen.py"), str(rows), path], check=True)
    return path


def first_rows(rows):
    """The first `rows` rows of the biggest harness file there is (the
    1M file), or a generated one."""
    path = os.path.join(DATA, f"first-{rows}.csv")
    if not os.path.exists(path):
        src = harness_file(max(rows, 1000000) if rows <= 1000000 else rows)
        with open(src, "rb") as f, open(path, "wb") as out:
            for i, line in enumerate(f):
                if i > rows:
                    break
                out.write(line)
    return path


def timed(cmd, pin=False):
    """(wall s, cpu s, peak RSS MB) of one run; the output is not checked
    here (scripts/bench.sh checks correctness against the oracle)."""
    # the output is removed first, outside the timed run, as the harness
    # does: replacing an existing `-o` file is fsync'd (README, "Batch output")
    outputs = [cmd[i + 1] for i, a in enumerate(cmd[:-1]) if a == "-o"]
    if cmd[0] == FLOOR:
        outputs.append(cmd[2])
    for o in outputs:
        if os.path.exists(o):
            os.remove(o)
    # and the file system synced, as the harness does (run.sh): an earlier
    # run's output written back during this one would be timed with it
    os.sync()
    stats = os.path.join(OUT, "time.txt")
    full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", stats]
    if pin:
        full += ["taskset", "-c", "0"]
    t0 = time.perf_counter()
    r = subprocess.run(full + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if r.returncode not in (0, 1, 2, 3):
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr.decode()[-2000:]}")
    with open(stats) as f:
        e, u, s, m = f.read().split()[-4:]
    return wall, float(u) + float(s), int(m) * 1024 / 1e6


def measure(cases, pin_of=lambda name: False):
    """cases: [(name, cmd)] run round-robin: 1 warm-up, RUNS timed; the
    medians per case."""
    times = {name: [] for name, _ in cases}
    for rnd in range(RUNS + 1):
        for name, cmd in cases:
            t = timed(cmd, pin_of(name))
            if rnd > 0:
                times[name].append(t)
    med = {}
    for name, ts in times.items():
        med[name] = tuple(statistics.median(x[i] for x in ts) for i in range(3)) + (
            min(x[0] for x in ts),
            max(x[0] for x in ts),
            [x[0] for x in ts],
        )
    return med


ROWS_OUT = []


def row(group, case, m, base=None, note=""):
    wall, cpu, rss, lo, hi, walls = m
    ratio = f"{wall / base[0]:.2f}×" if base else ""
    paired = f"{statistics.median(a / b for a, b in zip(walls, base[5])):.2f}×" if base else ""
    cpu_ratio = f"{cpu / base[1]:.2f}×" if base and base[1] > 0 else ""
    ROWS_OUT.append(
        f"| {group} | {case} | {wall:.3f} | {lo:.3f}–{hi:.3f} | {cpu:.2f} | {rss:.1f} | {ratio} | {paired} | {cpu_ratio} | {note} |"
    )
    log(ROWS_OUT[-1])


def out(name):
    return os.path.join(OUT, name)


def case_score():
    src = harness_file(ROWS)
    score = [BIN, "score", src, *ORACLE, "--keep", "class", "--format", "csv", "-q", "-o", out("s.csv")]
    cases = [
        ("floor", [FLOOR, src, out("floor.csv")]),
        ("floor pinned", [FLOOR, src, out("floor.csv")]),
        ("psyscreen", score),
        ("psyscreen --threads 1 pinned", score + ["--threads", "1"]),
        ("psyscreen pinned (default threads)", score),
    ]
    m = measure(cases, pin_of=lambda n: "pinned" in n)
    g = f"score {ROWS:,}"
    row(g, "floor (1 thread)", m["floor"])
    row(g, "floor, taskset -c 0", m["floor pinned"])
    row(g, "psyscreen, all cores", m["psyscreen"], m["floor"], "vs floor; target ≤ 0.75× wall")
    row(g, "psyscreen --threads 1, taskset -c 0", m["psyscreen --threads 1 pinned"], m["floor pinned"], "vs pinned floor; target ≤ 1.3×")
    row(g, "psyscreen, taskset -c 0 (default threads)", m["psyscreen pinned (default threads)"], m["floor pinned"], "vs pinned floor")


def case_labels():
    zh = os.path.join(DATA, f"labels-zh-{ROWS}.csv")
    digits = os.path.join(DATA, f"labels-digits-{ROWS}.csv")
    if not os.path.exists(zh) or not os.path.exists(digits):
        os.makedirs(DATA, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make-label-bench.py"), str(ROWS), DATA], check=True)
    files = {"digits UTF-8": digits, "labels UTF-8": zh}
    for name, path in list(files.items()):
        gbk = path.replace(".csv", "-gb18030.csv")
        if not os.path.exists(gbk):
            with open(path, "rb") as f, open(gbk, "wb") as g:
                g.write(f.read().decode("utf-8").encode("gb18030"))
        files[name.replace("UTF-8", "GB18030")] = gbk
    cases = [(n, [BIN, "score", p, "-i", "phq9,gad7", "-q", "-o", out("l.csv")]) for n, p in files.items()]
    m = measure(cases)
    g = f"labels {ROWS:,}"
    for enc, target in (("UTF-8", "1.5"), ("GB18030", "1.7")):
        row(g, f"digits, {enc}", m[f"digits {enc}"])
        row(g, f"labels, {enc}", m[f"labels {enc}"], m[f"digits {enc}"], f"vs digits; target ≤ {target}×")


def write_xlsx(csv_path, path):
    """A one-sheet workbook of the CSV: numbers as numbers, text inline
    (standard library only)."""
    import csv as csvmod

    def col(i):
        s = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            s = chr(65 + r) + s
        return s

    def esc(t):
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Answers" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet, open(csv_path, newline="", encoding="utf-8") as f:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for r, rec in enumerate(csvmod.reader(f), start=1):
                cells = []
                for c, v in enumerate(rec):
                    ref = f"{col(c)}{r}"
                    if v == "":
                        continue
                    if v.isdigit():
                        cells.append(f'<c r="{ref}"><v>{v}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{esc(v)}</t></is></c>')
                sheet.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")


def case_xlsx():
    cases = []
    for n in XLSX_ROWS:
        csv_path = first_rows(n)
        xlsx = os.path.join(DATA, f"first-{n}.xlsx")
        if not os.path.exists(xlsx):
            log(f"== writing {xlsx}")
            write_xlsx(csv_path, xlsx)
        for name, p in ((f"csv {n}", csv_path), (f"xlsx {n}", xlsx)):
            cases.append((name, [BIN, "score", p, *ORACLE, "--keep", "class", "--format", "csv", "-q", "-o", out("x.csv")]))
    m = measure(cases)
    for n in XLSX_ROWS:
        g = f"xlsx {n:,}"
        row(g, "CSV", m[f"csv {n}"])
        row(g, "xlsx", m[f"xlsx {n}"], m[f"csv {n}"], "vs CSV; target ≤ 4×, RSS ≤ 64 MB")


def with_groups(groups):
    """The harness file with `class` rewritten to one of `groups` values."""
    path = os.path.join(DATA, f"groups-{groups}-{ROWS}.csv")
    if not os.path.exists(path):
        src = harness_file(ROWS)
        with open(src, encoding="utf-8") as f, open(path, "w", encoding="utf-8") as g:
            g.write(f.readline())
            for i, line in enumerate(f):
                a, _, rest = line.partition(",")
                _, _, rest = rest.partition(",")
                g.write(f"{a},G{(i * 7919) % groups},{rest}")
    return path


def case_summary():
    counts = [5, 500, 50000]
    cases = [
        (f"{g}", [BIN, "summary", with_groups(g), *ORACLE, "--by", "class", "--min-group", "1", "--format", "csv", "-o", out("sum.csv")])
        for g in counts
    ]
    m = measure(cases)
    for g in counts:
        note = "vs 5 groups; target ≤ 1.3× at 50,000" if g != 5 else ""
        row(f"summary {ROWS:,}", f"--by class, {g:,} groups", m[str(g)], m["5"] if g != 5 else None, note)


def case_report():
    cases = []
    for n in REPORT_ROWS:
        src = harness_file(n) if n >= 1000000 else first_rows(n)
        cases.append((str(n), [BIN, "report", src, *ORACLE, "--by", "class", "-o", out(f"r{n}.html")]))
    m = measure(cases)
    for n in REPORT_ROWS:
        size = os.path.getsize(out(f"r{n}.html")) / 1e6
        row(f"report {n:,}", "--by class -o r.html", m[str(n)], None, f"HTML {size:.2f} MB")


def main():
    os.makedirs(OUT, exist_ok=True)
    for tool in (BIN, FLOOR):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"missing {tool} (scripts/bench-all.sh builds psyscreen and the floor)")
    load = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for c in CASES:
        log(f"== {c}")
        globals()[f"case_{c}"]()
    head = (
        f"{started}, load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"nproc {os.cpu_count()}, median of {RUNS} after 1 warm-up, {os.path.relpath(BIN, ROOT)}, commit "
        + subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    )
    table = [
        head,
        "",
        "| group | case | wall s | min–max | cpu s | RSS MB | wall ratio | per round | cpu ratio | baseline, target |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---|",
        *ROWS_OUT,
    ]
    text = "\n".join(table) + "\n"
    with open(out("results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
