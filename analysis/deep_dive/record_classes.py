"""The flagged records, grouped in DuckDB into classes of records every table counts alike
(:func:`record_classes`): one row per class with what its records have in common and how many
they are (``weight``). Every count of the deep dive is a sum of class weights, so the tables,
and the suppression that protects them together, are worked out on some thousands of
classes instead of every record.

A class is the referral month, the re-referral flags and, for referrals in the year
reported, everything a table breaks them down by: source, need, factors, outcome, early
help, locality, the children's characteristics, what happened after the child's previous
referral (worked out here, from the whole history), how long before it closed, the band of
days since the previous referral and how often the child was referred in the year. Outside
the year only what the tables over time need is kept (month, flags, locality), so those
records fall into few classes.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analysis.measures import rereferral_breakdowns as rb

#: Columns the children's characteristics tables read, when the records have them.
CHARACTERISTICS = ("age_band", "ethnicity_group", "disability")

#: What happened after a referral (:func:`analysis.measures.rereferral_breakdowns.
#: previous_outcome`'s precedence), as SQL over a flagged row.
_OUTCOME = """CASE WHEN COALESCE(referral_nfa, false) THEN 'NFA at referral'
     WHEN closure_date IS NULL THEN 'Still open'
     WHEN assessment_outcome = 'cp_plan' THEN 'Closed after CP plan'
     WHEN assessment_outcome = 'cin_plan' THEN 'Closed after CIN plan'
     WHEN assessment_outcome = 'early_help' OR closure_reason = 'RC9'
          THEN 'Stepped down to early help'
     WHEN assessment_outcome = 'not_in_need' OR closure_reason = 'RC8'
          THEN 'Assessed: not in need'
     WHEN assessment_outcome = 'no_assessment' THEN 'No assessment (other)'
     ELSE 'Not known' END"""


def _day_band() -> str:
    """The upper end of the band of days since the previous referral (:data:`rb.DAY_BANDS`)."""
    return "CASE " + " ".join(f"WHEN days_since_previous BETWEEN {lo} AND {hi} THEN {hi}"
                              for _, lo, hi in rb.DAY_BANDS) + " END"


def _since_closure() -> str:
    """The band of time from the previous referral's closure to the re-referral."""
    return """CASE WHEN previous_outcome = 'Still open' THEN 'Previous case still open'
     WHEN gap IS NULL THEN 'Closure date not known'
     WHEN gap BETWEEN 0 AND 30 THEN 'Closed 0-30 days before'
     WHEN gap BETWEEN 31 AND 91 THEN 'Closed 31-91 days before'
     WHEN gap BETWEEN 92 AND 182 THEN 'Closed 92-182 days before'
     WHEN gap > 182 THEN 'Closed 183 days or more before' END"""


def previous_sql(source: str) -> str:
    """Each counted re-referral of ``source`` (by its row in ``_pos``) with its previous
    referral's outcome judged at the re-referral's date (closed after it is still open),
    closure date and reason."""
    return f"""
    WITH counted AS (SELECT * FROM {source} WHERE NOT same_day_duplicate),
    prev AS (SELECT child_id, referral_date AS previous_referral_date, {_OUTCOME} AS p_outcome,
                    closure_date AS p_closed, closure_reason AS p_reason FROM counted)
    SELECT r._pos,
      CASE WHEN p.p_closed IS NOT NULL AND p.p_closed > r.referral_date THEN 'Still open'
           ELSE COALESCE(p.p_outcome, 'Not known') END AS previous_outcome,
      p.p_closed AS previous_closure_date, p.p_reason AS previous_closure_reason
    FROM counted r LEFT JOIN prev p ON p.child_id IS NOT DISTINCT FROM r.child_id
                                   AND p.previous_referral_date = r.previous_referral_date
    WHERE r.is_rereferral"""


def record_classes(con: duckdb.DuckDBPyConnection, source: str,
                   year_end: dt.datetime) -> pd.DataFrame:
    """The classes of the flagged records in ``source`` for the year ending ``year_end``
    (see the module's docstring): one row per class, ``weight`` its number of records,
    ``referral_date`` the first day of its month; ``attrs["first_day"]``: the first
    referral's own date. The classes are in the order of their first record (by ``_row``),
    so that cells compare over classes as over the records themselves (the suppression
    orders cells so, and breaks ties by that order)."""
    have = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
    chars = [c for c in CHARACTERISTICS if c in have]
    end = f"TIMESTAMP '{year_end:%Y-%m-%d}'"
    in_year = f"(referral_date > {end} - INTERVAL 12 MONTH AND referral_date <= {end})"
    kept = ["referral_source", "primary_need", "assessment_factors", "assessment_outcome",
            "referral_nfa", "prior_early_help", *chars, "previous_outcome",
            "previous_closure_reason", "since_closure", "days_since_previous", "year_children",
            "year_last"]
    yearly = ", ".join(f"CASE WHEN in_year THEN {c} END AS {c}" for c in kept)
    sql = f"""
    WITH f AS MATERIALIZED (SELECT row_number() OVER (ORDER BY _row) AS _pos, * FROM {source}),
    pv AS ({previous_sql("f")}),
    y AS (SELECT _pos, count(*) OVER (PARTITION BY child_id) AS n,
                 referral_date = max(referral_date) OVER (PARTITION BY child_id) AS last
          FROM f WHERE NOT same_day_duplicate AND {in_year}),
    g AS (
      SELECT f.referral_date, f.same_day_duplicate, f.is_rereferral, f.history_complete,
        f.locality, f.referral_source, f.primary_need, f.assessment_factors,
        f.assessment_outcome, f.referral_nfa, f.prior_early_help, f._pos,
        {"".join(f"f.{c}, " for c in chars)}
        pv.previous_outcome, pv.previous_closure_reason,
        date_diff('day', pv.previous_closure_date, f.referral_date) AS gap,
        CASE WHEN f.is_rereferral AND NOT f.same_day_duplicate THEN f.days_since_previous END
          AS days_since_previous,
        least(y.n, 3) AS year_children, COALESCE(y.last, false) AS year_last,
        {in_year.replace("referral_date", "f.referral_date")} AS in_year
      FROM f LEFT JOIN pv USING (_pos) LEFT JOIN y USING (_pos))
    SELECT date_trunc('month', referral_date) AS referral_date, same_day_duplicate,
      is_rereferral, history_complete, locality,
      {yearly.replace("THEN days_since_previous", "THEN " + _day_band())
             .replace("THEN since_closure", "THEN " + _since_closure())},
      count(*) AS weight, min(_pos) AS _first
    FROM g GROUP BY ALL ORDER BY _first"""
    frame = con.execute(sql).df().drop(columns="_first")
    first = con.execute(f"SELECT min(referral_date) FROM {source} "
                        "WHERE NOT same_day_duplicate").fetchone()
    frame.attrs["first_day"] = pd.Timestamp(first[0]) if first and first[0] else None
    frame["referral_date"] = frame["referral_date"].astype("datetime64[ns]")
    frame["year_last"] = frame["year_last"].fillna(False).astype(bool)
    return frame


def classes_of_frame(flagged: pd.DataFrame, year_end: pd.Timestamp) -> pd.DataFrame:
    """:func:`record_classes` of a flagged pandas table (as
    :func:`analysis.measures.rereferrals.flag_rereferrals` gives it)."""
    from analysis.data.schemas.referrals import COLUMNS

    frame = flagged.copy()
    frame["_row"] = np.arange(len(frame))
    for col in COLUMNS:
        if col not in frame:
            frame[col] = pd.NA
    for col in ("referral_date", "closure_date", "previous_referral_date"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    for col in ("referral_nfa", "prior_early_help", "is_rereferral"):
        frame[col] = frame[col].astype("boolean")
    for col in ("same_day_duplicate", "history_complete"):
        frame[col] = frame[col].astype(bool)
    frame["days_since_previous"] = frame["days_since_previous"].astype("Int64")
    for col in frame.columns:
        if frame[col].dtype == object or (col in COLUMNS and str(frame[col].dtype) == "str"):
            frame[col] = frame[col].astype("string")
    con = duckdb.connect()
    try:
        con.register("flagged_frame", frame)
        return record_classes(con, "flagged_frame", pd.Timestamp(year_end).to_pydatetime())
    finally:
        con.close()


__all__ = ["CHARACTERISTICS", "classes_of_frame", "previous_sql", "record_classes"]
