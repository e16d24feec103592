"""The speed scripts in benchmarks/ still run: each in its smoke mode (``--smoke``: the smallest
sizes, one round, seconds), against the tests' own project folder (``CSC_PROJECT_ROOT``), so
nothing is written into the checkout. They assert nothing about speed; this checks each exits
cleanly and prints its figures. The explorer's scripts serve it to headless Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_chromium

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

#: Each script, whether it needs Chromium, and lines its figures must be printed on.
SCRIPTS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "bench_benchmark.py": (False, ("prepare (1 run)", "benchmark table, Doncaster")),
    "bench_deep_dive.py": (False, ("stage_records / DuckDB load", "deep dive, tables and charts")),
    "bench_explorer.py": (True, ("python -m analysis benchmark", "explorer in Python",
                                 "served app:", "in the browser, from the change",
                                 "the first switch of comparator group", "a second visitor's page")),
    "bench_explorer_floors.py": (True, ("typer with the benchmark command's options",
                                        "served page, a change", "first charts,")),
    "bench_explorer_service.py": (True, ("plain requests:", "kernels at peak:", "min after:")),
    "bench_measures.py": (False, ("floor: every staged table read once",
                                  "every measure for every quarter")),
    "bench_packs.py": (False, ("floor (", "one LA (Doncaster")),
    "bench_rereferrals.py": (False, ("TOTAL flags + annual + rolling",
                                     "read_cin_xml in a fresh process")),
    "bench_staging.py": (False, ("XSD check of one return, lxml", "check and combine in DuckDB",
                                 "lxml iterparse of the same fields",
                                 "reading the CIN census against lxml iterparse")),
}

#: A figure: seconds, minutes or a ratio ("0.25 s", "1.2 min", "1.31x").
FIGURE = re.compile(r"\d+\.\d+ ?(s|min|x)\b")


def test_every_script_is_smoke_run():
    assert sorted(p.name for p in BENCHMARKS.glob("bench_*.py")) == sorted(SCRIPTS)


@pytest.mark.e2e
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_script_runs_and_prints_figures(script, bench_table, project_root):
    needs_browser, lines = SCRIPTS[script]
    if needs_browser:
        require_chromium()
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), "--smoke"],
                            cwd=project_root, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "skipped" not in out, out
    for line in lines:
        figures = [s for s in out.splitlines() if line in s]
        assert figures and FIGURE.search(figures[0]), f"no figure on a line with {line!r}:\n{out}"
