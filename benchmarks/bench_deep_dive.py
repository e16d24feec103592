"""Speed and memory of the re-referrals deep dive on a large extract (prints figures, no asserts).

    python benchmarks/bench_deep_dive.py [--rows 1000000] [--rounds 3] [--smoke]
    python benchmarks/bench_deep_dive.py --records /tmp/synthetic_referrals_1m.csv

1. Reading: DuckDB loading the CSV into a table (every column as text, no checks: the
   baseline) against :func:`analysis.deep_dive.records.stage_records` (read, checked and
   tidied into DuckDB, as the deep dive reads them, with the report of rows read, used and
   left out); target within 1.5x of the baseline. Medians of ``--rounds`` rounds, the two taking turns;
   wall time, and CPU time of the process (every thread), which other work on a shared
   machine moves less.
2. The whole deep dive as ``python -m analysis deep-dive --no-pdf`` runs it (records read
   and checked, notebook run, tables, charts, HTML, Word): wall time (target under 30 s on
   1M referrals) and the peak of the summed memory of the whole process tree (the command,
   its notebook kernel, any chart workers; target under 1 GB), sampled every 50 ms with
   psutil (``tree_memory.py``): summed RSS (the target's reading: a page shared by the
   workers' server and the workers it forks counts once per process) and summed PSS (each
   shared page counted once), with each process's own peaks.
3. Where the time goes, in this process: records read, re-referrals flagged and the year
   chosen; the published tables; the pack value (charts' inputs and alt text).

The extract is SYNTHETIC (``analysis.data.synthetic.generate_referrals``, seed 1, five years
from April 2014), written once to a temporary folder unless ``--records`` names one.
``--smoke``: 20,000 referrals, one round (seconds; tests/test_benchmarks.py runs it to check
the script works, its figures mean little).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from tree_memory import TreeRun, describe, run_sampled

from analysis.core.config import Paths
from analysis.data.geography import load_areas, resolve_la
from analysis.data.synthetic import generate_referrals


def write_extract(rows: int, folder: Path) -> Path:
    """A synthetic extract of about ``rows`` referrals over five years, as CSV."""
    path = folder / f"synthetic_referrals_{rows}.csv"
    df = generate_referrals(seed=1, start="2014-04-01", end="2019-03-31",
                            referrals_per_year=rows / 5)
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    return path


def duckdb_load(path: Path) -> int:
    """The baseline: DuckDB loading the file into a table, every column as text."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                [str(path)])
    row = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return int(row[0]) if row else 0


def toolkit_load(path: Path) -> int:
    """What the deep dive does: the records read, checked and tidied into DuckDB."""
    from analysis.deep_dive.records import stage_records

    con = duckdb.connect()
    report, _start, _table = stage_records(con, path, today="2020-01-01")
    con.close()
    return report.rows_used


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, every thread) of one call of ``fn``."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def bench_reading(path: Path, rounds: int) -> None:
    print(f"\n1. Reading {path.name} ({path.stat().st_size / 1e6:,.0f} MB)")
    base: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    for _ in range(rounds):
        base.append(timed(lambda: duckdb_load(path)))
        ours.append(timed(lambda: toolkit_load(path)))
    b, o = statistics.median(x for x, _ in base), statistics.median(x for x, _ in ours)
    bc, oc = statistics.median(x for _, x in base), statistics.median(x for _, x in ours)
    print(f"  {'DuckDB loading the file into a table (baseline)':<58} {b:8.2f} s")
    print(f"  {'stage_records: read, checked, tidied in DuckDB (median)':<58} {o:8.2f} s")
    print(f"  stage_records / DuckDB load: {o / b:.2f}x (target within 1.5x); rounds: "
          + ", ".join(f"{x:.2f}/{y:.2f}" for (x, _), (y, _) in zip(ours, base, strict=True)))
    print(f"  CPU seconds (all threads; less moved by other work on the machine): "
          f"{oc:.2f}/{bc:.2f} = {oc / bc:.2f}x; load average {os.getloadavg()[0]:.1f}")


def bench_whole(path: Path, rounds: int) -> None:
    print("\n2. The whole deep dive (python -m analysis deep-dive --no-pdf)")
    runs: list[TreeRun] = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(rounds):
            cmd = [sys.executable, "-m", "analysis", "deep-dive", "--la", "Doncaster",
                   "--records", str(path), "--no-pdf", "--output", out]
            runs.append(run_sampled(cmd, Paths.for_root().root))
            if runs[-1].returncode:
                print(runs[-1].stderr[-2000:])
    wall = statistics.median(r.seconds for r in runs)
    top = max(runs, key=lambda r: r.rss)
    print(f"  {'deep dive, tables and charts, no PDF (median)':<58} {wall:8.2f} s"
          " (target < 30 s)")
    print(f"  {'peak summed RSS of the process tree (highest run)':<58} {top.rss:8.0f} MB"
          " (target < 1,024 MB; a page shared by processes counted in each)")
    print(f"  {'peak summed PSS of the process tree (that run)':<58} {top.pss:8.0f} MB"
          " (a shared page counted once, split between its processes)")
    print("  each process of that run:")
    print("\n".join(describe(top)))
    print(f"  runs (load average {os.getloadavg()[0]:.1f} after): " + ", ".join(
        f"{r.seconds:.1f} s / RSS {r.rss:,.0f} MB / PSS {r.pss:,.0f} MB (exit {r.returncode})"
        for r in runs))


def bench_phases(path: Path) -> None:
    from analysis.deep_dive.build import build_deep_dive, prepare
    from analysis.deep_dive.report import deep_dive_pack

    print("\n3. Where the time goes (in this process)")
    paths = Paths.for_root()
    la = resolve_la("Doncaster", load_areas(paths.root))
    t = time.perf_counter()
    prepare(la, path, paths=paths)
    print(f"  {'records read and checked, flagged, year chosen':<58} "
          f"{time.perf_counter() - t:8.2f} s")
    t = time.perf_counter()
    dive = build_deep_dive(la, path, paths=paths)
    print(f"  {'the published tables (build_deep_dive, reading again)':<58} "
          f"{time.perf_counter() - t:8.2f} s")
    t = time.perf_counter()
    deep_dive_pack(dive)
    print(f"  {'the pack value (charts inputs, alt text, sentences)':<58} "
          f"{time.perf_counter() - t:8.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--records", type=Path, help="an existing extract to use instead")
    ap.add_argument("--smoke", action="store_true",
                    help="the smallest run (20,000 referrals, one round) to check the script works")
    ap.add_argument("--skip-whole", action="store_true", help="leave out part 2")
    args = ap.parse_args()
    if args.smoke:
        args.rows, args.rounds = 20_000, 1
    with tempfile.TemporaryDirectory() as tmp:
        path = args.records or write_extract(args.rows, Path(tmp))
        print(f"duckdb {duckdb.__version__}; extract {path.name}")
        bench_reading(path, args.rounds)
        if not args.skip_whole:
            bench_whole(path, args.rounds)
        bench_phases(path)


if __name__ == "__main__":
    main()
