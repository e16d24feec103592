"""Speed of staging CIN census returns: the XSD check (lxml against xmlschema), reading and
combining in DuckDB. Prints figures; asserts nothing.
``python benchmarks/bench_staging.py [--smoke]``

Targets on a 2-core machine: five Doncaster-sized synthetic returns (about 6 MB each) staged
in under 20 s; the XSD check of one return about ten times faster than xmlschema's.

``--smoke``: one census year, once (seconds; tests/test_benchmarks.py runs it).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from analysis.data.readers.cin_xml_schema import validate_cin_xml
from analysis.data.returns.cin_census import read_cin_returns
from analysis.data.returns.cin_combine import combine_cin
from analysis.data.returns.cin_schema_check import check_return
from analysis.data.synthetic_returns.cin_census import synthetic_cin_records
from analysis.data.synthetic_returns.cin_census_xml import write_cin_returns


def _timed(label: str, func: Callable[[], object]) -> None:
    started = time.perf_counter()
    func()
    print(f"{label}: {time.perf_counter() - started:.2f} s")


def main() -> None:
    smoke = "--smoke" in sys.argv
    years = range(2023, 2024) if smoke else range(2019, 2024)
    with tempfile.TemporaryDirectory() as tmp:
        records = synthetic_cin_records(first_year=years[0], last_year=years[-1])
        paths = write_cin_returns(records, Path(tmp), years)
        _timed("XSD check of one return, lxml", lambda: check_return(paths[-1]))
        if not smoke:
            _timed("XSD check of one return, xmlschema",
                   lambda: validate_cin_xml(paths[-1], year=years[-1]))
        read: dict = {}
        _timed(f"read {len(paths)} return(s) with their XSD checks",
               lambda: read.update(zip(("files", "raw"), read_cin_returns(paths), strict=True)))
        con = duckdb.connect()
        _timed("check and combine in DuckDB",
               lambda: combine_cin(con, read["files"], read["raw"]))


if __name__ == "__main__":
    main()
