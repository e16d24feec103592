"""Speed of the measures computed from staged returns: every measure for every quarter of ten
years of a large LA. Prints figures (medians); asserts nothing.
``python benchmarks/bench_measures.py [--smoke] [--runs N]``

The large LA is SYNTHETIC: four synthetic LAs' returns (seeds 1 to 4, each about Doncaster's
size, their children's identifiers kept apart) pooled as one, about 20,000 referrals a year.
Its CIN census returns 2018-19 to 2022-23 are written as XML, read and combined as
``python -m analysis measures`` stages them; the generator writes census years from 2016-17
only (the shipped XSDs), so the five years before are the same records five years earlier
(new identifiers, dates and census years moved back), ten census years in all. Its SSDA903
returns 2018-19 to 2022-23 (the children whose child protection plans end in care going on
into them) are read as the command reads them and moved back the same way (the shipped code
lists start with 2017-18); children still looked after at the end of the earlier block stay
so in it. So the ten years are not one history, but the volumes and the work are.

Target on a 2-core machine: every measure for every quarter in under 5 s. The floor, measured
in the same run: one query per staged table reading every column once.

``--smoke``: one synthetic LA, two census years, two quarters, one run (seconds;
tests/test_benchmarks.py runs it).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from analysis.app.commands_measures import measure_registry
from analysis.core.config import Paths
from analysis.data.periods import Quarter
from analysis.data.returns.cin_census import read_cin_returns
from analysis.data.returns.cin_combine import combine_cin
from analysis.data.returns.ssda903 import load_ssda903
from analysis.data.synthetic_returns.cin_census import SyntheticCin, synthetic_cin_records
from analysis.data.synthetic_returns.cin_census_xml import write_cin_returns
from analysis.data.synthetic_returns.ssda903 import file_name, synthetic_ssda903
from analysis.measures.returns.population import register_population
from analysis.measures.returns.series import compute_series, quarters_between

#: An LA whose child population the rates are divided by (Birmingham's, about 280,000).
POPULATION_LA = "330"
#: Years the CIN block written as XML is moved back by to make the earlier block.
SHIFT = 5


def _own_ids(records: SyntheticCin, n: int) -> SyntheticCin:
    """``records`` with every child's identifier (SYN000123 -> SY1000123) its own."""
    def renamed(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for col in ("la_child_id", "episode_id"):
            if col in out.columns:
                out[col] = out[col].str.replace("SYN", f"SY{n}", n=1, regex=False)
        return out

    return SyntheticCin(**{f: renamed(getattr(records, f))
                           for f in SyntheticCin.__dataclass_fields__})


def _pooled(seeds: range, first: int, last: int) -> SyntheticCin:
    parts = [_own_ids(synthetic_cin_records(seed=s, first_year=first, last_year=last), s)
             for s in seeds]
    return SyntheticCin(**{f: pd.concat([getattr(p, f) for p in parts], ignore_index=True)
                           for f in SyntheticCin.__dataclass_fields__})


def _earlier_block(con: duckdb.DuckDBPyConnection) -> None:
    """Add every staged record again, ``SHIFT`` years earlier, with its own identifiers."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for table in tables:
        select = []
        for col, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall():
            if kind == "DATE":
                select.append(f"CAST({col} - INTERVAL {SHIFT} YEAR AS DATE)")
            elif col in ("la_child_id", "episode_id", "child"):
                select.append(f"'E' || {col}")
            elif col in ("census_year", "return_year"):
                select.append(f"{col} - {SHIFT}")
            elif col == "source_file":
                select.append("'earlier_' || source_file")
            else:
                select.append(col)
        con.execute(f"INSERT INTO {table} SELECT {', '.join(select)} FROM {table}")


def _ssda903(folder: Path, seeds: range, years: tuple[int, ...], entrants: pd.DataFrame,
             ) -> None:
    """Each seed's SSDA903 files, pooled into one file per year and kind."""
    pooled: dict[tuple[int, str], list[pd.DataFrame]] = {}
    for s in seeds:
        given = entrants[entrants["la_child_id"].str.startswith(f"SY{s}")]
        for key, frame in synthetic_ssda903(years, seed=900 + s, entrants=given).items():
            frame = frame.copy()
            frame["CHILD"] = frame["CHILD"].astype(str).map(
                lambda c, s=s: c if c.startswith(f"SY{s}") else f"L{s}{c}")
            pooled.setdefault(key, []).append(frame)
    for (year, name), frames in pooled.items():
        pd.concat(frames, ignore_index=True).to_csv(folder / file_name(year, name), index=False)


def stage_large_la(folder: Path, smoke: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB database in ``folder`` holding the large synthetic LA's staged returns."""
    seeds = range(1, 2) if smoke else range(1, 5)
    first, last = (2022, 2023) if smoke else (2019, 2023)
    started = time.perf_counter()
    records = _pooled(seeds, first, last)
    xml = folder / "cin"
    xml.mkdir()
    paths = write_cin_returns(records, xml, range(first, last + 1))
    con = duckdb.connect(str(folder / "returns.duckdb"))
    files, raw = read_cin_returns(paths, validate=False)
    combine_cin(con, files, raw)
    csv = folder / "ssda903"
    csv.mkdir()
    _ssda903(csv, seeds, tuple(range(first, last + 1)), records.entered_care)
    load_ssda903(con, csv)
    if not smoke:
        _earlier_block(con)
    register_population(con, Paths.for_root().raw, POPULATION_LA)
    referrals = con.execute(
        "SELECT count(DISTINCT la_child_id || referral_date) / count(DISTINCT census_year) "
        "FROM cin_episodes").fetchone()
    looked_after = con.execute(
        "SELECT avg(n) FROM (SELECT y, count(DISTINCT child) AS n FROM ssda903_episodes, "
        "(SELECT DISTINCT return_year AS y FROM ssda903_files) WHERE decom <= make_date(y, 3, "
        "31) AND coalesce(dec, DATE '9999-12-31') >= make_date(y - 1, 4, 1) GROUP BY y)"
    ).fetchone()
    print(f"large synthetic LA staged in {time.perf_counter() - started:.1f} s: about "
          f"{referrals[0] if referrals else 0:,.0f} referrals and "
          f"{looked_after[0] if looked_after else 0:,.0f} children looked after a year")
    return con


def _floor(con: duckdb.DuckDBPyConnection) -> None:
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for t in tables:
        cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
        con.execute("SELECT " + ", ".join(f'count("{c}")' for c in cols) + f" FROM {t}"
                    ).fetchall()


def _median(label: str, func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"{label}: {median:.2f} s (runs {', '.join(f'{t:.2f}' for t in times)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    quarters = ([Quarter(2023, 3), Quarter(2023, 4)] if args.smoke
                else quarters_between(Quarter(2014, 1), Quarter(2023, 4)))
    registry = measure_registry()
    with tempfile.TemporaryDirectory() as tmp:
        con = stage_large_la(Path(tmp), args.smoke)
        series = compute_series(con, registry, quarters)
        print(f"{len(registry)} measures, {len(quarters)} quarters: {len(series.results)} "
              f"figures, {len(series.left_out)} measures left out")
        floor = _median("floor: every staged table read once", lambda: _floor(con), runs)
        took = _median(f"every measure for every quarter ({len(quarters)})",
                       lambda: compute_series(con, registry, quarters), runs)
        print(f"measures against the floor: {took / max(floor, 1e-9):.1f}x")
        con.close()


if __name__ == "__main__":
    main()
