"""Re-referrals: the DfE rule, and the annual, rolling and monthly rates.

The rule (DfE, children in need statistics): a referral is a *re-referral* when the same
child had a previous referral within 12 months before it. As applied here (see
``docs/methods/rereferrals.md`` for the reasoning):

* "within 12 months" is calendar months, inclusive: a previous referral on date ``p``
  counts for a referral on ``d`` when ``p < d <= p + 12 months``. So 2017-03-31 followed
  by 2018-03-31 *is* a re-referral; 2018-04-01 is not. From 29 February the anniversary
  is 28 February (pandas' month arithmetic clamps to the month end).
* Two referrals for one child on the same date are one referral recorded twice: the
  first (by ``referral_id``) is kept, the rest are marked ``same_day_duplicate`` and left
  out of every count and rate.
* A referral less than 12 months after the start of the data (``history_start``) with no
  earlier referral in the data has unknown history: ``is_rereferral`` is NA, not False.

Every function is pure (a table in, a new table out) and vectorised. The breakdowns the
deep dive shows are in :mod:`analysis.measures.rereferral_breakdowns`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.core.errors import InputDataError, NoDataError, ParameterError

#: Window used by the DfE rule.
WINDOW = pd.DateOffset(months=12)

_NEEDED = ("child_id", "referral_id", "referral_date")


def require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputDataError(
            f"{what} needs column(s) {', '.join(missing)}",
            column=missing[0],
            expected=f"a referral table with {', '.join(columns)}",
            found=f"columns {', '.join(map(str, df.columns))}",
            fix="read the data with analysis.data.readers.referral_records or cin_xml first",
        )


def ensure_flagged(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` flagged, flagging it first if needed."""
    if {"is_rereferral", "same_day_duplicate"}.issubset(df.columns):
        return df
    return flag_rereferrals(df)


def flag_rereferrals(
    df: pd.DataFrame, history_start: pd.Timestamp | str | None = None
) -> pd.DataFrame:
    """Add the re-referral flags to a referral table (one row per referral).

    Adds ``previous_referral_date``, ``days_since_previous``, ``same_day_duplicate``,
    ``is_rereferral`` (boolean, NA = unknown history) and ``history_complete`` (True when
    the 12 months before the referral lie inside the data). ``history_start`` is the first
    date the data covers; by default the earliest referral date. Rows keep their order.
    The rule is :func:`analysis.measures.rereferrals_sql.flag_sql`, run in DuckDB.

    >>> t = pd.DataFrame({"child_id": ["A", "A"], "referral_id": ["1", "2"],
    ...                   "referral_date": pd.to_datetime(["2017-03-31", "2018-03-31"])})
    >>> flag_rereferrals(t, history_start="2016-04-01")["is_rereferral"].tolist()
    [False, True]
    """
    import duckdb

    from analysis.measures.rereferrals_sql import flag_sql

    require_columns(df, _NEEDED, "flag_rereferrals")
    out = df.copy()
    n = len(out)
    dates = pd.to_datetime(out["referral_date"]).to_numpy(dtype="datetime64[ns]")
    if n and np.isnat(dates).any():
        rows = (np.flatnonzero(np.isnat(dates)) + 1).tolist()
        raise InputDataError("referral date missing", column="referral_date", rows=rows,
                             fix="give every referral a date")
    if history_start is None:
        start = pd.Timestamp(dates.min()) if n else pd.Timestamp("1990-01-01")
    else:
        start = pd.Timestamp(history_start)
    refs = pd.DataFrame({"_pos": np.arange(n),
                         "child_id": out["child_id"].astype("string").to_numpy(),
                         "referral_id": out["referral_id"].astype("string").to_numpy(),
                         "referral_date": dates})
    con = duckdb.connect()
    try:
        con.register("refs", refs)
        got = con.execute("SELECT * EXCLUDE (child_id, referral_id, referral_date) FROM ("
                          + flag_sql("refs", start.to_pydatetime()) + ") ORDER BY _pos").df()
    finally:
        con.close()
    out["previous_referral_date"] = pd.Series(
        got["previous_referral_date"].to_numpy(dtype="datetime64[ns]"), index=out.index)
    out["days_since_previous"] = pd.array(got["days_since_previous"], dtype="Int64")
    out["same_day_duplicate"] = got["same_day_duplicate"].to_numpy(dtype=bool)
    out["is_rereferral"] = pd.Series(pd.array(got["is_rereferral"], dtype="boolean"),
                                     index=out.index)
    out["history_complete"] = got["history_complete"].to_numpy(dtype=bool)
    return out


def _year_end(dates: pd.Series, year_end_month: int) -> pd.Series:
    """The last day of the reporting year (ending in ``year_end_month``) holding each date."""
    period = dates.dt.to_period(f"Y-{_MONTHS[year_end_month - 1]}")
    return period.dt.end_time.dt.normalize()


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _year_label(end: pd.Timestamp, year_end_month: int) -> str:
    if year_end_month == 12:
        return str(end.year)
    return f"{end.year - 1}-{str(end.year)[-2:]}"


def counted(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals that count (same-day duplicates left out)."""
    return df.loc[~df["same_day_duplicate"].astype(bool)]


def annual_rate(
    df: pd.DataFrame, year_end_month: int = 3, include_incomplete: bool = False
) -> pd.DataFrame:
    """Referrals, re-referrals and the re-referral percentage per reporting year.

    Years end on the last day of ``year_end_month`` (3 = financial years ending 31 March,
    as the DfE publishes). ``percent`` is re-referrals / referrals * 100, unrounded; it is
    NaN for a year where some referral has unknown history unless ``include_incomplete``
    (then it is a lower bound). Columns: ``year``, ``year_end``, ``referrals``,
    ``rereferrals``, ``unknown_history``, ``history_complete``, ``percent``.
    """
    if year_end_month not in range(1, 13):
        raise ParameterError("year_end_month must be a month number", parameter="year_end_month",
                             expected="1 to 12", found=repr(year_end_month))
    f = counted(ensure_flagged(df))
    if f.empty:
        raise NoDataError("no referrals to count")
    ends = _year_end(pd.to_datetime(f["referral_date"]), year_end_month)
    g = pd.DataFrame({
        "year_end": ends.to_numpy(),
        "re": f["is_rereferral"].fillna(False).astype(bool).to_numpy(),
        "unknown": f["is_rereferral"].isna().to_numpy(),
    }).groupby("year_end", sort=True)
    out = pd.DataFrame({
        "referrals": g.size(),
        "rereferrals": g["re"].sum(),
        "unknown_history": g["unknown"].sum(),
    }).reset_index()
    out["history_complete"] = out["unknown_history"].eq(0)
    pct = out["rereferrals"] / out["referrals"] * 100
    out["percent"] = pct.where(out["history_complete"] | include_incomplete)
    out.insert(0, "year", [_year_label(e, year_end_month) for e in out["year_end"]])
    return out.astype({"referrals": "int64", "rereferrals": "int64", "unknown_history": "int64"})


def rolling_rate(df: pd.DataFrame, freq: str = "M", include_incomplete: bool = False
                 ) -> pd.DataFrame:
    """The rolling 12-month re-referral rate at each month or quarter end.

    At each period end ``e`` the window is the 12 months ending ``e`` (referrals dated after
    ``e - 12 months`` up to and including ``e``), as local quarterly returns report "re-referrals
    in the last 12 months". ``freq`` is ``"M"`` (month ends) or ``"Q"`` (quarter ends: June,
    September, December, March). Only period ends with a full 12 months of data inside the
    referral dates are returned. Columns: ``period_end``, ``referrals``, ``rereferrals``,
    ``unknown_history``, ``history_complete``, ``percent``.
    """
    if freq not in ("M", "Q"):
        raise ParameterError("freq must be 'M' or 'Q'", parameter="freq",
                             expected="'M' (month ends) or 'Q' (quarter ends)", found=repr(freq))
    f = counted(ensure_flagged(df))
    if f.empty:
        raise NoDataError("no referrals to count")
    d = pd.to_datetime(f["referral_date"]).to_numpy(dtype="datetime64[D]")
    m = d.astype("datetime64[M]").astype("int64")  # months since 1970-01
    m0 = int(m.min())
    idx = m - m0
    re = f["is_rereferral"].fillna(False).to_numpy(dtype=bool)
    unknown = f["is_rereferral"].isna().to_numpy()
    size = int(idx.max()) + 1
    monthly = pd.DataFrame({
        "referrals": np.bincount(idx, minlength=size),
        "rereferrals": np.bincount(idx, weights=re, minlength=size).astype("int64"),
        "unknown_history": np.bincount(idx, weights=unknown, minlength=size).astype("int64"),
    }, index=pd.period_range(pd.Period("1970-01", "M") + m0, periods=size, freq="M"))
    roll = monthly.rolling(12, min_periods=12).sum().dropna()
    # a month the data starts part-way through cannot open a full window
    first_day = d.min()
    first_month = monthly.index[0] if first_day == first_day.astype("datetime64[M]") \
        else monthly.index[0] + 1
    roll = roll[[p - 11 >= first_month for p in roll.index]]
    if freq == "Q":
        roll = roll[[p.month in (3, 6, 9, 12) for p in roll.index]]
    out = roll.astype("int64").reset_index(names="period")
    out.insert(0, "period_end", [p.end_time.normalize() for p in out["period"]])
    out = out.drop(columns="period")
    out["history_complete"] = out["unknown_history"].eq(0)
    out["percent"] = (out["rereferrals"] / out["referrals"] * 100).where(
        out["history_complete"] | include_incomplete)
    return out


def monthly_rate(df: pd.DataFrame) -> pd.DataFrame:
    """Re-referral rate of each month's referrals, for an XmR (SPC) chart.

    Columns: ``month`` (month start), ``referrals``, ``rereferrals``, ``percent``. Only
    referrals whose 12 months of history lie inside the data count: in the data's first
    year the re-referrals found would be set against only part of the referrals that might
    be re-referrals, and the rate would look higher than it is.
    """
    f = counted(ensure_flagged(df))
    f = f.loc[f["history_complete"].astype(bool) & f["is_rereferral"].notna()]
    if f.empty:
        raise NoDataError("no referrals with a complete 12-month history")
    months = pd.to_datetime(f["referral_date"]).dt.to_period("M")
    g = pd.DataFrame({"month": months.to_numpy(),
                      "re": f["is_rereferral"].astype(bool).to_numpy()}).groupby("month")["re"]
    full = pd.period_range(months.min(), months.max(), freq="M")
    out = pd.DataFrame({"referrals": g.size(), "rereferrals": g.sum()}).reindex(full, fill_value=0)
    out = out.astype("int64").reset_index(names="month")
    out["month"] = out["month"].dt.start_time
    out["percent"] = out["rereferrals"] / out["referrals"].where(out["referrals"] > 0) * 100
    return out


def select_year(df: pd.DataFrame, year_end: pd.Timestamp | str) -> pd.DataFrame:
    """Referrals dated in the 12 months ending ``year_end`` (e.g. ``"2017-03-31"``).

    Flag first (:func:`flag_rereferrals` on the whole table), then select: the flags need
    the earlier referrals.
    """
    end = pd.Timestamp(year_end)
    dates = pd.to_datetime(df["referral_date"])
    return df.loc[(dates > end - WINDOW) & (dates <= end)]
