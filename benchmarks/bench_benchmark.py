"""Speed of `prepare` and of one LA's full benchmark table. Prints figures; asserts nothing.
``python benchmarks/bench_benchmark.py [--smoke]``

Targets on a 2-core machine: prepare under 10 s; one LA's table (all indicators, all years)
under 0.5 s once the processed table exists.

``--smoke``: one prepare and one LA's table, once each (seconds; tests/test_benchmarks.py runs
it to check the script works, its figures mean little).
"""

from __future__ import annotations

import statistics
import sys
import time

from analysis.core.config import Paths
from analysis.data.catalogue import load_catalogue
from analysis.data.geography import resolve_la
from analysis.data.prepare import prepare_benchmarks
from analysis.engine.benchmark import benchmark_table, load_benchmarks


def main() -> None:
    smoke = "--smoke" in sys.argv
    paths = Paths.for_root()
    rounds = 1 if smoke else 3
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        prepare_benchmarks(paths)
        runs.append(time.perf_counter() - started)
    print(f"prepare ({rounds} run{'s' if rounds > 1 else ''}): median {statistics.median(runs):.2f} s, "
          f"best {min(runs):.2f} s  [target < 10 s]")

    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = load_benchmarks(paths)
    for name in ("Doncaster",) if smoke else ("Doncaster", "Rotherham", "Lancashire"):
        la = resolve_la(name)
        times = []
        for _ in range(1 if smoke else 5):
            started = time.perf_counter()
            result = benchmark_table(table, la, catalogue, paths=paths)
            times.append(time.perf_counter() - started)
        print(f"benchmark table, {name} ({len(result)} rows, all indicators and years): "
              f"median {statistics.median(times):.3f} s  [target < 0.5 s]")


if __name__ == "__main__":
    main()
