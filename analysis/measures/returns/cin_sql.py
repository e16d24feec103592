"""SQL shared by the CIN census measures: one version of each record, the working-day calendar,
and the one way every CIN census measure is run for many period ends.

A record can be staged from more than one census year (an episode open across 31 March is in
both years' returns); each query first keeps one version of it, the latest census year's, so a
closure date recorded later is used. Same-day referrals of one child are one referral (the first,
``/1``, by the episode key's number), as in the toolkit's re-referral rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import duckdb

from analysis.data.working_days import FIRST_YEAR, LAST_YEAR, calendar_table
from analysis.measures.returns.batch import BatchMeasure, Outcome, Outcomes, ends_params, per_end
from analysis.measures.returns.population import populations
from analysis.measures.returns.rows import (
    census_years,
    files_used,
    missing_years,
    percent_record,
    result_record,
    year_basis,
)

CALENDAR_TABLE = "working_day_calendar"

#: Episodes, one version each (the latest census year's).
EPISODES = """
episodes AS (
    SELECT * FROM cin_episodes
    QUALIFY row_number() OVER (PARTITION BY episode_id ORDER BY census_year DESC) = 1
)"""

#: Referrals: one per child and referral date (same-day episodes are one referral).
REFERRALS = EPISODES + """,
referrals AS (
    SELECT * FROM episodes
    QUALIFY row_number() OVER (
        PARTITION BY la_child_id, referral_date
        ORDER BY coalesce(try_cast(regexp_extract(episode_id, '/(\\d+)$', 1) AS INTEGER), 1),
                 episode_id) = 1
)"""

#: A date no record reaches: an open record's end, for range joins.
OPEN_END = "DATE '9999-12-31'"


def latest_version(table: str, key: str) -> str:
    """A CTE body keeping one version (the latest census year's) of each ``key`` of ``table``."""
    return (f"SELECT * FROM {table} QUALIFY row_number() OVER "
            f"(PARTITION BY {key} ORDER BY census_year DESC) = 1")


def ensure_calendar(con: duckdb.DuckDBPyConnection) -> str:
    """Create the working-day calendar table on ``con`` once; return its name."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if CALENDAR_TABLE not in tables:
        frame = calendar_table(dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31))
        con.register("_calendar_frame", frame)
        con.execute(f"CREATE TEMP TABLE {CALENDAR_TABLE} AS "
                    "SELECT CAST(day AS DATE) AS day, working_days_to FROM _calendar_frame")
        con.unregister("_calendar_frame")
    return CALENDAR_TABLE


#: What a measure makes of one period end's counts: the end, the counts (the query's columns
#: after ``period_end``, NULLs as 0), the files and, for a rate, the population and its file.
Make = Callable[[dt.date, tuple[int, ...], str, "tuple[float, str] | None"], Outcome]


def cin_measure(ind: str, table: str, sql: str | Callable[[duckdb.DuckDBPyConnection], str],
                first: Callable[[dt.date], dt.date], make: Make, *,
                rate: bool = False) -> BatchMeasure:
    """A CIN census measure over ``table``: for each period end whose census years the staged
    returns hold (from the one covering ``first(end)``), ``make`` the outcome of the counts
    ``sql`` (over the ``ends`` table) gives it; a rate also needs the end's population."""

    def many(con: duckdb.DuckDBPyConnection, ends: Sequence[dt.date]) -> Outcomes:
        have = census_years(con, table, ind)
        out: Outcomes = {}
        for end in ends:
            why = missing_years(have, first(end), end, ind)
            if why is not None:
                out[end] = why
        ready = [e for e in ends if e not in out]
        if not ready:
            return out
        query = sql if isinstance(sql, str) else sql(con)
        counts = per_end(con, query, ends_params(ends))  # every end: shared with other measures
        files = files_used(con, [table])
        pops = populations(con, ind) if rate else None
        for end in ready:
            values = tuple(int(x or 0) for x in counts[end])
            pop = pops(end) if pops is not None else None
            out[end] = pop if isinstance(pop, Exception) else make(end, values, files, pop)
        return {end: out[end] for end in ends}

    return BatchMeasure(ind, many)


def rate_of(ind: str, position: int, basis: str | None = None) -> Make:
    """A rate per 10,000 children aged 0 to 17 of the count at ``position`` (numerator: the
    count, denominator: the population)."""
    def make(end: dt.date, counts: tuple[int, ...], files: str,
             pop: tuple[float, str] | None) -> Outcome:
        assert pop is not None
        n = counts[position]
        return result_record(ind, end, basis or year_basis(end), 10_000 * n / pop[0], n,
                             pop[0], "rate_per_10000", f"{files}; {pop[1]}")
    return make


def count_of(ind: str, position: int, basis: str | None = None) -> Make:
    """A count (no numerator or denominator): the count at ``position``."""
    def make(end: dt.date, counts: tuple[int, ...], files: str,
             pop: tuple[float, str] | None) -> Outcome:
        return result_record(ind, end, basis or year_basis(end), counts[position], None, None,
                             "count", files)
    return make


def percent_of(ind: str, numerator: int, denominator: int, what: str,
               basis: str | None = None) -> Make:
    """A percentage: the count at ``numerator`` of the count at ``denominator``; no figure
    when that is 0."""
    def make(end: dt.date, counts: tuple[int, ...], files: str,
             pop: tuple[float, str] | None) -> Outcome:
        return percent_record(ind, end, basis or year_basis(end), counts[numerator],
                              counts[denominator], files, what)
    return make
