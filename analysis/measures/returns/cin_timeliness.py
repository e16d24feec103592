"""Assessments and child protection enquiries: counts, rates and timeliness in working days.

Working days are England's (``analysis.data.working_days``): the days after the start up to
and including the end, weekends and bank holidays left out. See
``docs/methods/measures-from-returns.md``.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.measures.returns.cin_sql import ensure_calendar, latest_version, one
from analysis.measures.returns.population import population_for
from analysis.measures.returns.rows import (
    files_used,
    percent,
    require_years,
    result_row,
    window_start,
    year_basis,
)

#: Assessments authorised in the window; within 45 working days of the assessment's start.
#: An authorisation date before the start date is a recording error: left out of both counts.
_ASSESSMENTS = """WITH assessments AS ({latest})
SELECT count(*), count(*) FILTER (WHERE ce.working_days_to - cs.working_days_to <= 45)
FROM assessments a
JOIN {cal} cs ON cs.day = a.start_date
JOIN {cal} ce ON ce.day = a.authorisation_date
WHERE a.authorisation_date BETWEEN ? AND ? AND a.authorisation_date >= a.start_date"""

#: ICPCs held in the window after the section 47 enquiry started; within 15 working days of
#: the enquiry's start. An ICPC dated before its enquiry is left out, as DfE leaves it out of
#: the durations it publishes.
_ICPC = """WITH s47 AS ({latest})
SELECT count(*), count(*) FILTER (WHERE ce.working_days_to - cs.working_days_to <= 15)
FROM s47 s
JOIN {cal} cs ON cs.day = s.start_date
JOIN {cal} ce ON ce.day = s.icpc_date
WHERE s.icpc_date BETWEEN ? AND ? AND s.icpc_date >= s.start_date"""

_S47 = """WITH s47 AS ({latest})
SELECT count(*) FILTER (WHERE start_date BETWEEN ? AND ?),
       count(*) FILTER (WHERE icpc_date BETWEEN ? AND ?)
FROM s47"""


def assessments_45_days(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Assessments completed (authorised) in the 12 months within 45 working days of their
    start, as a percentage of the assessments completed."""
    ind = "assessments_45_days"
    first = window_start(period_end)
    require_years(con, "cin_assessments", first, period_end, ind)
    sql = _ASSESSMENTS.format(latest=latest_version("cin_assessments", "episode_id, start_date"),
                              cal=ensure_calendar(con))
    done, within = one(con, sql, [first, period_end])
    return percent(ind, period_end, year_basis(period_end), within, done,
                   files_used(con, ["cin_assessments"]), "completed assessments")


def _s47_counts(con: duckdb.DuckDBPyConnection, period_end: dt.date, ind: str) -> tuple[int, int]:
    first = window_start(period_end)
    require_years(con, "cin_s47", first, period_end, ind)
    sql = _S47.format(latest=latest_version("cin_s47", "episode_id, start_date"))
    return one(con, sql, [first, period_end, first, period_end])


def s47_rate(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Section 47 enquiries starting in the 12 months per 10,000 children aged 0 to 17."""
    ind = "s47_rate"
    enquiries, _ = _s47_counts(con, period_end, ind)
    population, population_file = population_for(con, period_end, ind)
    return result_row(ind, period_end, year_basis(period_end), 10_000 * enquiries / population,
                      enquiries, population, "rate_per_10000",
                      f"{files_used(con, ['cin_s47'])}; {population_file}")


def s47_count(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Section 47 enquiries starting in the 12 months."""
    ind = "s47_count"
    enquiries, _ = _s47_counts(con, period_end, ind)
    return result_row(ind, period_end, year_basis(period_end), enquiries, None, None, "count",
                      files_used(con, ["cin_s47"]))


def icpc_count(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Initial child protection conferences held in the 12 months (after a section 47
    enquiry of the LA's)."""
    ind = "icpc_count"
    _, conferences = _s47_counts(con, period_end, ind)
    return result_row(ind, period_end, year_basis(period_end), conferences, None, None, "count",
                      files_used(con, ["cin_s47"]))


def icpc_15_days(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """ICPCs held in the 12 months within 15 working days of the start of the section 47
    enquiry, as a percentage of the ICPCs held."""
    ind = "icpc_15_days"
    first = window_start(period_end)
    require_years(con, "cin_s47", first, period_end, ind)
    sql = _ICPC.format(latest=latest_version("cin_s47", "episode_id, start_date"),
                       cal=ensure_calendar(con))
    held, within = one(con, sql, [first, period_end])
    return percent(ind, period_end, year_basis(period_end), within, held,
                   files_used(con, ["cin_s47"]), "initial child protection conferences")
