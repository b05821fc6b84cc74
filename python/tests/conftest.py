"""Shared helpers: the CLI binary, a generated survey, and reading scores as text."""

from __future__ import annotations

import csv
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PHQ9 = [f"phq9_{i}" for i in range(1, 10)]
GAD7 = [f"gad7_{i}" for i in range(1, 8)]
HEADER = ["id", "class", *PHQ9, *GAD7]
# what is compared between the CLI and the package (the id and kept class too)
SCORED = [
    "id", "class",
    "phq9_total", "phq9_band", "phq9_prorated",
    "gad7_total", "gad7_band", "gad7_prorated",
    "risk_level", "risk_label", "risk_reasons",
]
PHQ9_LABELS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


def cli_path() -> Path:
    """PSYSCREEN_CLI, else the debug build `cargo test` made, else the release build."""
    given = os.environ.get("PSYSCREEN_CLI")
    if given:
        return Path(given)
    for profile in ("debug", "release"):
        p = REPO / "target" / profile / "psyscreen"
        if p.exists():
            return p
    if shutil.which("cargo"):
        subprocess.run(["cargo", "build", "--quiet"], cwd=REPO, check=True)
        return REPO / "target" / "debug" / "psyscreen"
    pytest.skip("no psyscreen binary: set PSYSCREEN_CLI or run cargo build")


@pytest.fixture(scope="session")
def cli() -> Path:
    return cli_path()


def write_survey(path: Path, rows: int, seed: int = 7) -> Path:
    """A PHQ-9 + GAD-7 survey with what real exports have: gaps (prorated
    and incomplete scales, a missing item 9), answers as labels, and a few
    cells that are not answers. Deterministic for a seed."""
    rnd = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for n in range(rows):
            base = rnd.choice([0, 0, 1, 1, 2, 3])
            cells = [f"S{n:07d}", f"C{rnd.randrange(40):02d}"]
            for item in PHQ9 + GAD7:
                v = min(3, max(0, base + rnd.choice([-1, 0, 0, 0, 1])))
                if item == "phq9_9":
                    v = 1 if rnd.random() < 0.03 else 0
                r = rnd.random()
                if r < 0.03:
                    cell = ""
                elif r < 0.035:
                    cell = rnd.choice(["x", "5", "sometimes"])
                elif r < 0.05 and item in PHQ9:
                    cell = PHQ9_LABELS[v]
                else:
                    cell = str(v)
                cells.append(cell)
            w.writerow(cells)
    return path


def run_cli(cli: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args], capture_output=True, text=True)


def cli_scores(cli: Path, survey: Path, out: Path, *extra: str) -> tuple[list[dict], list[str]]:
    """The CLI's CSV for the survey, as dicts of text (exit 0 or 1: bad cells),
    and the bad cells it reported (its stderr lines)."""
    p = run_cli(cli, "score", str(survey), "-i", "phq9,gad7", "--keep", "class",
                "-q", "--format", "csv", "-o", str(out), *extra)
    assert p.returncode in (0, 1), p.stderr
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows, [line for line in p.stderr.splitlines() if line.startswith("row ")]


def as_text(v) -> str:
    """A value as the CLI's CSV writes it (None/NaN/NA empty, booleans lower case)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    try:
        if v != v:  # NaN
            return ""
    except TypeError:
        pass
    if type(v).__name__ in ("NAType", "NaTType"):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if type(v).__name__ == "bool_":
        return "true" if bool(v) else "false"
    return str(v)


def rows_as_text(records: list[dict]) -> list[dict]:
    return [{k: as_text(r[k]) for k in SCORED} for r in records]


SURVEY_ROWS = 200_000


@pytest.fixture(scope="session")
def survey(tmp_path_factory) -> Path:
    """One generated file that every path scores: CLI, pandas, polars, pyarrow, Spark."""
    return write_survey(tmp_path_factory.mktemp("survey") / "survey.csv", SURVEY_ROWS)


@pytest.fixture(scope="session")
def cli_run(cli, survey, tmp_path_factory) -> tuple[list[dict], list[str]]:
    rows, bad = cli_scores(cli, survey, tmp_path_factory.mktemp("cli") / "scored.csv")
    return rows_as_text(rows), bad


@pytest.fixture(scope="session")
def cli_rows(cli_run) -> list[dict]:
    """The CLI's scores of `survey`, as text, in input order."""
    return cli_run[0]


@pytest.fixture(scope="session")
def cli_bad_lines(cli_run) -> list[str]:
    """The bad cells the CLI reported for `survey`, its lines."""
    return cli_run[1]
