"""Speed of the re-referral rule and the CIN census XML reader (prints figures, no asserts).

    python benchmarks/bench_rereferrals.py [--rows 1000000] [--children 100000] [--smoke]

1. 1,000,000 synthetic referrals: flag_rereferrals + annual_rate + rolling_rate (target
   under 2 s on the 2-core machine), beside the same rule as a DuckDB window query and as
   a plain per-child Python loop (on a subset, scaled up).
2. A CIN census XML file of 100,000 children: write, then time a plain ElementTree
   iterparse reading the same fields and read_cin_xml (target within 1.5x of it), and the
   peak resident memory of the reading process (target under 2 GB).

``--smoke``: 20,000 referrals and 2,000 children (seconds; tests/test_benchmarks.py runs it to
check the script works, its figures mean little).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.readers.cin_xml import read_cin_xml
from analysis.data.readers.cin_xml_write import write_cin_xml
from analysis.data.synthetic import generate_referrals
from analysis.measures.rereferrals import annual_rate, flag_rereferrals, rolling_rate


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB.

    Linux keeps ``ru_maxrss`` across exec (a child started from a big parent inherits the
    parent's peak), so VmHWM of /proc/self/status is used where it exists.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed(label: str, fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    dt = time.perf_counter() - t
    print(f"  {label:<52} {dt:8.2f} s")
    return out, dt


def python_loop(df: pd.DataFrame) -> int:
    """The same rule, child by child, in plain Python (the slow baseline)."""
    by_child: dict[str, list[pd.Timestamp]] = {}
    for c, d in zip(df["child_id"], df["referral_date"], strict=True):
        by_child.setdefault(c, []).append(d)
    n = 0
    for dates in by_child.values():
        dates.sort()
        for prev, cur in itertools.pairwise(dates):
            if cur != prev and cur <= prev + pd.DateOffset(months=12):
                n += 1
    return n


DUCKDB_SQL = """
WITH d AS (SELECT DISTINCT child_id, referral_date FROM refs),
w AS (SELECT referral_date,
             lag(referral_date) OVER (PARTITION BY child_id ORDER BY referral_date) AS prev
      FROM d)
SELECT count(*) FILTER (WHERE prev IS NOT NULL AND referral_date <= prev + INTERVAL 12 MONTH)
FROM w
"""


def bench_rule(rows: int) -> None:
    years = max(1, round(rows / 5300))
    end = pd.Timestamp("2014-04-01") + pd.DateOffset(years=years) - pd.Timedelta(days=1)
    print(f"\n1. Re-referral rule on about {rows:,} synthetic referrals")
    df, _ = timed("generate (not part of the target)", generate_referrals, seed=1,
                  start="2014-04-01", end=end.strftime("%Y-%m-%d"),
                  referrals_per_year=rows / years)
    print(f"  rows: {len(df):,}")
    t0 = time.perf_counter()
    f, _ = timed("flag_rereferrals", flag_rereferrals, df)
    timed("annual_rate", annual_rate, f)
    timed("rolling_rate (quarterly)", rolling_rate, f, freq="Q")
    total = time.perf_counter() - t0
    print(f"  {'TOTAL flags + annual + rolling (target < 2 s)':<52} {total:8.2f} s")
    n_re = int(f["is_rereferral"].fillna(False).sum())

    try:
        import duckdb

        con = duckdb.connect()
        con.register("refs", df[["child_id", "referral_date"]])
        def duckdb_count() -> int:
            row = con.execute(DUCKDB_SQL).fetchone()
            assert row is not None  # a count(*) query has one row
            return row[0]

        res, _ = timed("DuckDB window query (same rule)", duckdb_count)
        # DuckDB counts re-referrals in the unknown-history year too; compare on all rows
        found = int((f["days_since_previous"].notna() & f["is_rereferral"].ne(False)
                     & ~f["same_day_duplicate"]).sum())
        print(f"  DuckDB re-referrals {res:,} vs pandas {found:,} (agree: {res == found})")
    except ImportError:
        print("  DuckDB not installed: skipped")

    sub = df.iloc[: min(len(df), 50_000)]
    _, dt = timed(f"plain Python loop on {len(sub):,} rows", python_loop, sub)
    print(f"  {'plain Python loop scaled to all rows (estimate)':<52} "
          f"{dt * len(df) / len(sub):8.2f} s")
    print(f"  re-referrals flagged: {n_re:,}")


def bench_xml(children: int) -> None:
    print(f"\n2. CIN census XML with about {children:,} children")
    # one census year with `children` referrals, mostly one per child
    df = generate_referrals(seed=2, start="2016-04-01", end="2017-03-31",
                            referrals_per_year=children * 1.25)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic_cin_census_2017.xml"
        timed("write_cin_xml (not part of the target)", write_cin_xml, df, path, 2017)
        n_children = df["child_id"].nunique()
        size = path.stat().st_size / 1e6
        print(f"  children: {n_children:,}; referrals: {len(df):,}; file {size:,.0f} MB")
        # read in a fresh process so its peak memory is the reader's own
        subprocess.run([sys.executable, __file__, "--read-xml", str(path)], check=True)


def plain_iterparse(path: str) -> int:
    """The baseline: a plain ElementTree iterparse reading the same fields (child id,
    referral and closure dates, source, need, reason, NFA, assessments and factors, plans)
    into tuples, with no checks and no table."""
    import xml.etree.ElementTree as ET

    rows = []
    for _event, el in ET.iterparse(path, events=("end",)):
        if el.tag != "Child":
            continue
        cid = el.findtext("ChildIdentifiers/LAchildID")
        for d in el.iterfind("CINdetails"):
            factors = ";".join(f.text or "" for f in d.iterfind(
                "Assessments/FactorsIdentifiedAtAssessment/AssessmentFactors"))
            rows.append((cid, d.findtext("CINreferralDate"), d.findtext("ReferralSource"),
                         d.findtext("PrimaryNeedCode"), d.findtext("CINclosureDate"),
                         d.findtext("ReasonForClosure"), d.findtext("ReferralNFA"),
                         d.find("Assessments") is not None,
                         d.findtext("Assessments/AssessmentAuthorisationDate"), factors,
                         d.find("ChildProtectionPlans") is not None,
                         d.find("CINPlanDates") is not None))
        el.clear()
    return len(rows)


def read_only(path: str) -> None:
    _, base = timed("plain iterparse of the same fields (baseline)", plain_iterparse, path)
    out, took = timed("read_cin_xml in a fresh process (target < 60 s)", read_cin_xml, path)
    print(f"  read_cin_xml / plain iterparse: {took / base:.2f}x (target within 1.5x)")
    print(f"  referrals read: {len(out):,}; peak RSS of that process: {peak_rss_mb():,.0f} MB "
          "(target < 2,048 MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--children", type=int, default=100_000)
    ap.add_argument("--smoke", action="store_true",
                    help="the smallest run (20,000 referrals, 2,000 children) to check the script works")
    ap.add_argument("--read-xml", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.smoke:
        args.rows, args.children = 20_000, 2_000
    if args.read_xml:
        read_only(args.read_xml)
        return
    np.random.seed(0)
    print(f"pandas {pd.__version__}, numpy {np.__version__}")
    bench_rule(args.rows)
    bench_xml(args.children)


if __name__ == "__main__":
    main()
