"""The DfE re-referral rule as one DuckDB query (:func:`flag_table`), the one place it is
applied: :func:`analysis.measures.rereferrals.flag_rereferrals` runs it on a pandas table,
the deep dive on the records it has read into DuckDB.

The rule (see :mod:`analysis.measures.rereferrals` and ``docs/methods/rereferrals.md``): a
referral is a re-referral when the child's previous distinct referral date ``p`` has
``p < d <= p + 12 months`` (DuckDB's month arithmetic, like pandas', clamps 29 February
to 28 February); two referrals of one child on one date are one referral, the first by
referral id kept and the rest marked ``same_day_duplicate``; a referral less than 12 months
after ``history_start`` with no earlier referral has unknown history (NULL).
"""

from __future__ import annotations

import datetime as dt

import duckdb

#: The columns the rule adds.
FLAG_COLUMNS = ("previous_referral_date", "days_since_previous", "same_day_duplicate",
                "is_rereferral", "history_complete")


def flag_sql(source: str, history_start: dt.datetime) -> str:
    """The query adding :data:`FLAG_COLUMNS` to the rows of ``source`` (a table or view
    with child_id, referral_id and referral_date)."""
    start = f"TIMESTAMP '{history_start:%Y-%m-%d %H:%M:%S}'"
    return f"""
    WITH o AS (
      SELECT *, row_number() OVER (PARTITION BY child_id, referral_date
                                   ORDER BY referral_id) AS _same_day
      FROM {source}),
    d AS (
      SELECT child_id, referral_date,
             lag(referral_date) OVER (PARTITION BY child_id ORDER BY referral_date) AS _prev
      FROM (SELECT DISTINCT child_id, referral_date FROM {source}))
    SELECT o.* EXCLUDE (_same_day),
      CAST(d._prev AS TIMESTAMP) AS previous_referral_date,
      CAST(date_diff('day', d._prev, o.referral_date) AS BIGINT) AS days_since_previous,
      o._same_day > 1 AS same_day_duplicate,
      CASE WHEN o._same_day > 1 THEN false
           WHEN d._prev IS NOT NULL AND o.referral_date <= d._prev + INTERVAL 12 MONTH THEN true
           WHEN o.referral_date - INTERVAL 12 MONTH >= {start} THEN false
      END AS is_rereferral,
      o.referral_date - INTERVAL 12 MONTH >= {start} AS history_complete
    FROM o JOIN d ON o.child_id IS NOT DISTINCT FROM d.child_id
                 AND o.referral_date = d.referral_date"""


def first_date(con: duckdb.DuckDBPyConnection, source: str) -> dt.datetime | None:
    """The earliest referral date of ``source`` (None when it has no rows)."""
    row = con.execute(f"SELECT min(referral_date) FROM {source}").fetchone()
    return row[0] if row else None


def flag_table(con: duckdb.DuckDBPyConnection, source: str, out: str,
               history_start: dt.datetime | None = None) -> dt.datetime:
    """Write ``source``'s rows with the rule's flags to the table ``out``; return the
    history start used (default: the earliest referral date)."""
    start = history_start or first_date(con, source) or dt.datetime(1990, 1, 1)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS " + flag_sql(source, start))
    return start


__all__ = ["FLAG_COLUMNS", "first_date", "flag_sql", "flag_table"]
