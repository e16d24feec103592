"""Staged CIN census tables for tests, as the reader stages them (the contract's columns), from
hand-made rows or from a small deterministic synthetic generator.

A record is staged in every census year (given in ``years``) in which it was live: started by
that year's 31 March and not ended before its 1 April, as a real return repeats an open
episode, assessment or plan in each year's file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

SCHEMAS: dict[str, dict[str, str]] = {
    "cin_children": {"la_child_id": "VARCHAR", "birth_date": "DATE", "expected_birth_date": "DATE",
                     "gender": "VARCHAR", "ethnicity": "VARCHAR", "death_date": "DATE",
                     "disabilities": "VARCHAR"},
    "cin_episodes": {"episode_id": "VARCHAR", "la_child_id": "VARCHAR", "referral_date": "DATE",
                     "referral_source": "VARCHAR", "primary_need": "VARCHAR",
                     "closure_date": "DATE", "reason_for_closure": "VARCHAR",
                     "referral_nfa": "BOOLEAN"},
    "cin_assessments": {"episode_id": "VARCHAR", "la_child_id": "VARCHAR", "start_date": "DATE",
                        "authorisation_date": "DATE", "factors": "VARCHAR"},
    "cin_plans": {"episode_id": "VARCHAR", "la_child_id": "VARCHAR", "start_date": "DATE",
                  "end_date": "DATE"},
    "cin_s47": {"episode_id": "VARCHAR", "la_child_id": "VARCHAR", "start_date": "DATE",
                "icpc_target_date": "DATE", "icpc_date": "DATE", "icpc_not_required": "BOOLEAN"},
    "cin_cp_plans": {"episode_id": "VARCHAR", "la_child_id": "VARCHAR", "start_date": "DATE",
                     "end_date": "DATE", "initial_category": "VARCHAR",
                     "latest_category": "VARCHAR", "previous_plans": "INTEGER"},
}

#: (start, end) columns deciding in which census years a record is live.
SPANS = {"cin_episodes": ("referral_date", "closure_date"),
         "cin_assessments": ("start_date", "authorisation_date"),
         "cin_plans": ("start_date", "end_date"), "cin_s47": ("start_date", "icpc_date"),
         "cin_cp_plans": ("start_date", "end_date")}


def d(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def stage(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[dict[str, object]],
          years: Iterable[int]) -> None:
    """Create ``table`` on ``con`` holding ``rows`` staged in each of ``years`` they were live."""
    columns = SCHEMAS[table]
    start_col, end_col = SPANS[table]
    out = []
    for row in rows:
        start, end = row.get(start_col), row.get(end_col)
        for year in years:
            if start <= dt.date(year, 3, 31) and (end is None or end >= dt.date(year - 1, 4, 1)):
                out.append({**{c: row.get(c) for c in columns}, "census_year": year,
                            "source_file": f"cin_census_{year}.xml"})
    frame = pd.DataFrame(out, columns=[*columns, "census_year", "source_file"])
    casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
    con.register("_rows", frame)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {casts}, "
                "CAST(census_year AS INTEGER) AS census_year, CAST(source_file AS VARCHAR) "
                "AS source_file FROM _rows")
    con.unregister("_rows")


def stage_population(con: duckdb.DuckDBPyConnection, by_mid_year: dict[int, float]) -> None:
    frame = pd.DataFrame({"mid_year": list(by_mid_year), "population": list(by_mid_year.values()),
                          "source_file": "population.csv"})
    con.register("_pop", frame)
    con.execute("CREATE OR REPLACE TABLE population_0_17 AS SELECT CAST(mid_year AS INTEGER) "
                "AS mid_year, CAST(population AS DOUBLE) AS population, source_file FROM _pop")
    con.unregister("_pop")


def _day(rng: np.random.Generator, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def synthetic_records(seed: int = 7, children: int = 300) -> dict[str, list[dict[str, object]]]:
    """A small deterministic synthetic set of CIN records from April 2014 to March 2021:
    children with one to four referrals (some on the same day, some on 29 February),
    assessments, section 47 enquiries with conferences, and child protection plans."""
    rng = np.random.default_rng(seed)
    first, last = dt.date(2014, 4, 1), dt.date(2021, 3, 31)
    recs: dict[str, list[dict[str, object]]] = {t: [] for t in SPANS}
    for c in range(children):
        child = f"SYN{c:04d}"
        day = _day(rng, first, dt.date(2020, 3, 31))
        if c % 25 == 0:
            day = dt.date(2016, 2, 29) if c % 50 == 0 else dt.date(2020, 2, 29)
        for _ in range(int(rng.integers(1, 5))):
            n = 2 if rng.random() < 0.04 else 1
            for k in range(1, n + 1):
                nfa = bool(rng.random() < 0.1)
                length = 0 if nfa else int(rng.integers(1, 900))
                closure = day + dt.timedelta(days=length)
                closure_d = None if closure > last or rng.random() < 0.05 else closure
                eid = f"{child}/{day.isoformat()}/{k}"
                recs["cin_episodes"].append({"episode_id": eid, "la_child_id": child,
                                             "referral_date": day, "closure_date": closure_d,
                                             "referral_nfa": nfa})
                if nfa:
                    continue
                a_start = day + dt.timedelta(days=int(rng.integers(0, 5)))
                auth = a_start + dt.timedelta(days=int(rng.integers(0, 90)))
                recs["cin_assessments"].append({
                    "episode_id": eid, "la_child_id": child, "start_date": a_start,
                    "authorisation_date": None if auth > last else auth})
                if rng.random() < 0.4:
                    s_start = day + dt.timedelta(days=int(rng.integers(0, 20)))
                    icpc = s_start + dt.timedelta(days=int(rng.integers(-2, 30)))
                    held = rng.random() < 0.6 and icpc <= last
                    recs["cin_s47"].append({"episode_id": eid, "la_child_id": child,
                                            "start_date": s_start,
                                            "icpc_date": icpc if held else None})
                    if held and icpc >= s_start and rng.random() < 0.8:
                        end = icpc + dt.timedelta(days=int(rng.integers(30, 1100)))
                        prev = [None, 0, 0, 1, 2][int(rng.integers(0, 5))]
                        recs["cin_cp_plans"].append({
                            "episode_id": eid, "la_child_id": child, "start_date": icpc,
                            "end_date": None if end > last else end, "previous_plans": prev})
            day = day + dt.timedelta(days=int(rng.integers(20, 500)))
            if day > last:
                break
    return recs


def stage_all(con: duckdb.DuckDBPyConnection, recs: dict[str, list[dict[str, object]]],
              years: Iterable[int]) -> None:
    years = list(years)
    for table, rows in recs.items():
        stage(con, table, rows, years)
