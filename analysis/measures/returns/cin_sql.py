"""SQL shared by the CIN census measures: one version of each record, the working-day calendar.

A record can be staged from more than one census year (an episode open across 31 March is in
both years' returns); each query first keeps one version of it, the latest census year's, so a
closure date recorded later is used. Same-day referrals of one child are one referral (the first,
``/1``, by the episode key's number), as in the toolkit's re-referral rule.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from analysis.data.working_days import FIRST_YEAR, LAST_YEAR, calendar_table

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


def latest_version(table: str, key: str) -> str:
    """A CTE body keeping one version (the latest census year's) of each ``key`` of ``table``."""
    return (f"SELECT * FROM {table} QUALIFY row_number() OVER "
            f"(PARTITION BY {key} ORDER BY census_year DESC) = 1")


def ensure_calendar(con: duckdb.DuckDBPyConnection) -> str:
    """Create the working-day calendar table on ``con`` once; return its name."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    if CALENDAR_TABLE not in tables:
        frame = calendar_table(dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31))
        con.register("_calendar_frame", frame)
        con.execute(f"CREATE TEMP TABLE {CALENDAR_TABLE} AS "
                    "SELECT CAST(day AS DATE) AS day, working_days_to FROM _calendar_frame")
        con.unregister("_calendar_frame")
    return CALENDAR_TABLE


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> tuple[int, int]:
    """Run a query returning one row of two counts; NULLs are 0."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        return 0, 0
    return int(row[0] or 0), int(row[1] or 0)
