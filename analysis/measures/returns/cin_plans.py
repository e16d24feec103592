"""Children in need and child protection plans: at a date, starting and ending in 12 months.

Open at a date ``d``: started on or before ``d`` and not ended by it (no end date, or one after
``d``); a plan or episode ending on 31 March is not open at 31 March, one starting on 31 March
is. "Two years or more": the end (or the date) is on or after the same day two years after the
start (29 February to 28 February). See ``docs/methods/measures-from-returns.md``.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.measures.returns.cin_sql import EPISODES, latest_version, one
from analysis.measures.returns.population import population_for
from analysis.measures.returns.rows import (
    AT_DATE,
    files_used,
    percent,
    require_years,
    result_row,
    window_start,
    year_basis,
)

_PLANS = latest_version("cin_cp_plans", "la_child_id, start_date")

_CIN_AT = f"""WITH {EPISODES}
SELECT count(DISTINCT la_child_id), 0 FROM episodes
WHERE referral_date <= ? AND (closure_date IS NULL OR closure_date > ?)"""

_CPP_AT = f"""WITH plans AS ({_PLANS})
SELECT count(DISTINCT la_child_id), 0 FROM plans
WHERE start_date <= ? AND (end_date IS NULL OR end_date > ?)"""

_OPEN_2_YEARS = f"""WITH plans AS ({_PLANS})
SELECT count(*), count(*) FILTER (WHERE start_date + INTERVAL 2 YEAR <= ?) FROM plans
WHERE start_date <= ? AND (end_date IS NULL OR end_date > ?)"""

_CEASED_2_YEARS = f"""WITH plans AS ({_PLANS})
SELECT count(*), count(*) FILTER (WHERE start_date + INTERVAL 2 YEAR <= end_date) FROM plans
WHERE end_date BETWEEN ? AND ?"""

#: A plan starting in the window is a second or subsequent plan when the return says the child
#: had plans before (NumberOfPreviousCPP above 0) or the staged returns hold an earlier plan.
_SECOND = f"""WITH plans AS ({_PLANS}),
marked AS (
    SELECT start_date, previous_plans,
           count(*) OVER (PARTITION BY la_child_id ORDER BY start_date
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_seen
    FROM plans
)
SELECT count(*), count(*) FILTER (WHERE coalesce(previous_plans, 0) > 0 OR earlier_seen > 0)
FROM marked WHERE start_date BETWEEN ? AND ?"""


def _at_rate(con: duckdb.DuckDBPyConnection, period_end: dt.date, ind: str, table: str,
             sql: str) -> pd.DataFrame:
    require_years(con, table, period_end, period_end, ind)
    children, _ = one(con, sql, [period_end, period_end])
    population, population_file = population_for(con, period_end, ind)
    return result_row(ind, period_end, AT_DATE, 10_000 * children / population, children,
                      population, "rate_per_10000", f"{files_used(con, [table])}; {population_file}")


def cin_rate(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Children in need (an episode open) at the date per 10,000 children aged 0 to 17."""
    return _at_rate(con, period_end, "cin_rate_rebased", "cin_episodes", _CIN_AT)


def cin_count(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Children in need (an episode open) at the date."""
    ind = "cin_count"
    require_years(con, "cin_episodes", period_end, period_end, ind)
    children, _ = one(con, _CIN_AT, [period_end, period_end])
    return result_row(ind, period_end, AT_DATE, children, None, None, "count",
                      files_used(con, ["cin_episodes"]))


def cpp_rate(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Children on a child protection plan at the date per 10,000 children aged 0 to 17."""
    return _at_rate(con, period_end, "cpp_rate", "cin_cp_plans", _CPP_AT)


def cpp_2_years_open(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Plans open at the date that had lasted 2 years or more, as a percentage of the plans
    open at the date."""
    ind = "cpp_2_years_open"
    require_years(con, "cin_cp_plans", period_end, period_end, ind)
    open_, long_ = one(con, _OPEN_2_YEARS, [period_end, period_end, period_end])
    return percent(ind, period_end, AT_DATE, long_, open_, files_used(con, ["cin_cp_plans"]),
                   "child protection plans open")


def cpp_2_years_ceased(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Plans ending in the 12 months after 2 years or more, as a percentage of the plans
    ending."""
    ind = "cpp_2_years_ceased"
    first = window_start(period_end)
    require_years(con, "cin_cp_plans", first, period_end, ind)
    ended, long_ = one(con, _CEASED_2_YEARS, [first, period_end])
    return percent(ind, period_end, year_basis(period_end), long_, ended,
                   files_used(con, ["cin_cp_plans"]), "child protection plans ending")


def cpp_second_time(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Plans starting in the 12 months that were the child's second or subsequent plan, as a
    percentage of the plans starting."""
    ind = "cpp_second_time"
    first = window_start(period_end)
    require_years(con, "cin_cp_plans", first, period_end, ind)
    started, second = one(con, _SECOND, [first, period_end])
    return percent(ind, period_end, year_basis(period_end), second, started,
                   files_used(con, ["cin_cp_plans"]), "child protection plans starting")
