"""Re-referrals: the DfE rule, annual and rolling rates, and the deep-dive breakdowns.

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

Every function is pure (a table in, a new table out) and vectorised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.data.schemas.referrals import (
    ASSESSMENT_FACTORS,
    PRIMARY_NEEDS,
    REFERRAL_SOURCE_GROUPS,
)

#: Window used by the DfE rule.
WINDOW = pd.DateOffset(months=12)

#: Bands of days since the previous referral (right-inclusive), for the "how soon" table.
DAY_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-7 days", 1, 7),
    ("8-30 days", 8, 30),
    ("31-60 days", 31, 60),
    ("61-91 days (to 3 months)", 61, 91),
    ("92-182 days (to 6 months)", 92, 182),
    ("183 days to 12 months", 183, 366),
)

#: Order of the "what happened last time" categories.
PREVIOUS_OUTCOMES: tuple[str, ...] = (
    "NFA at referral",
    "Assessed: not in need",
    "Stepped down to early help",
    "Closed after CIN plan",
    "Closed after CP plan",
    "Still open",
    "No assessment (other)",
    "Not known",
)

_NEEDED = ("child_id", "referral_id", "referral_date")


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputDataError(
            f"{what} needs column(s) {', '.join(missing)}",
            column=missing[0],
            expected=f"a referral table with {', '.join(columns)}",
            found=f"columns {', '.join(map(str, df.columns))}",
            fix="read the data with analysis.data.readers.referral_records or cin_xml first",
        )


def _flagged(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` flagged, flagging it first if needed."""
    if {"is_rereferral", "same_day_duplicate"}.issubset(df.columns):
        return df
    return flag_rereferrals(df)


def _same_day_by_referral_id(order: np.ndarray, codes: np.ndarray, dates: np.ndarray,
                             referral_ids: np.ndarray) -> np.ndarray:
    """``order`` (rows by child, then date) with each child's referrals on one day put in
    referral id order, so which of them counts as the same-day duplicate does not depend on
    the rows' order. Only those rows are sorted: they are few, and sorting every id is slow."""
    c, d = codes[order], dates[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (c[1:] == c[:-1]) & (d[1:] == d[:-1])
    if not same.any():
        return order
    group = np.cumsum(~same)
    rows = np.flatnonzero(same | np.append(same[1:], False))
    ids = referral_ids[order[rows]].astype(str)
    out = order.copy()
    out[rows] = order[rows][np.lexsort((ids, group[rows]))]
    return out


def flag_rereferrals(
    df: pd.DataFrame, history_start: pd.Timestamp | str | None = None
) -> pd.DataFrame:
    """Add the re-referral flags to a referral table (one row per referral).

    Adds ``previous_referral_date``, ``days_since_previous``, ``same_day_duplicate``,
    ``is_rereferral`` (boolean, NA = unknown history) and ``history_complete`` (True when
    the 12 months before the referral lie inside the data). ``history_start`` is the first
    date the data covers; by default the earliest referral date. Rows keep their order.

    >>> t = pd.DataFrame({"child_id": ["A", "A"], "referral_id": ["1", "2"],
    ...                   "referral_date": pd.to_datetime(["2017-03-31", "2018-03-31"])})
    >>> flag_rereferrals(t, history_start="2016-04-01")["is_rereferral"].tolist()
    [False, True]
    """
    _require(df, _NEEDED, "flag_rereferrals")
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

    codes, _ = pd.factorize(out["child_id"], sort=False)
    order = np.lexsort((dates.view("i8"), codes))
    order = _same_day_by_referral_id(order, codes, dates, out["referral_id"].to_numpy())
    c, d = codes[order], dates[order]

    same_child = np.zeros(n, dtype=bool)
    same_child[1:] = c[1:] == c[:-1]
    prev = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    prev[1:] = d[:-1]
    prev[~same_child] = np.datetime64("NaT")
    dup = same_child & (prev == d)

    # previous distinct referral date: for a duplicate, carry the group's own previous one
    prev_distinct = prev.copy()
    if dup.any():
        idx = np.where(~dup, np.arange(n), 0)
        np.maximum.accumulate(idx, out=idx)
        prev_distinct = prev[idx]

    prev_s = pd.Series(prev_distinct)
    d_s = pd.Series(d)
    anniversary = (prev_s + WINDOW).to_numpy(dtype="datetime64[ns]")
    found = ~np.isnat(prev_distinct) & (d <= anniversary)
    complete = (d_s - WINDOW).to_numpy(dtype="datetime64[ns]") >= np.datetime64(start, "ns")
    is_re = pd.array(found, dtype="boolean")
    is_re[~found & ~complete] = pd.NA
    is_re[dup] = False

    days = (d - prev_distinct).astype("timedelta64[D]").astype("float64")
    days[np.isnat(prev_distinct)] = np.nan

    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    out["previous_referral_date"] = pd.Series(prev_distinct[inverse], index=out.index)
    out["days_since_previous"] = pd.array(days[inverse], dtype="Int64")
    out["same_day_duplicate"] = dup[inverse]
    out["is_rereferral"] = pd.Series(is_re[inverse], index=out.index)
    out["history_complete"] = complete[inverse]
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


def _counted(df: pd.DataFrame) -> pd.DataFrame:
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
    f = _counted(_flagged(df))
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
    f = _counted(_flagged(df))
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
    f = _counted(_flagged(df))
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


def _rereferrals_only(df: pd.DataFrame) -> pd.DataFrame:
    f = _counted(_flagged(df))
    return f.loc[f["is_rereferral"].fillna(False).astype(bool)]


def time_since_previous(df: pd.DataFrame) -> pd.DataFrame:
    """How soon children come back: re-referrals by days since the previous referral.

    One row per band of :data:`DAY_BANDS` with ``rereferrals``, ``percent`` (of all
    re-referrals) and ``cumulative_percent``. The shares within 60 days, 3 months (91
    days) and 6 months (182 days) are in ``df.attrs["within"]`` and in
    :func:`share_within`.
    """
    re = _rereferrals_only(df)
    days = re["days_since_previous"].astype("float64")
    rows = []
    for label, lo, hi in DAY_BANDS:
        rows.append({"band": label, "min_days": lo, "max_days": hi,
                     "rereferrals": int(((days >= lo) & (days <= hi)).sum())})
    out = pd.DataFrame(rows)
    total = len(re)
    out["percent"] = out["rereferrals"] / total * 100 if total else np.nan
    out["cumulative_percent"] = out["percent"].cumsum()
    out.attrs["within"] = share_within(df).set_index("within")["percent"].to_dict()
    return out


def share_within(df: pd.DataFrame, days: Sequence[int] = (60, 91, 182)) -> pd.DataFrame:
    """Share of re-referrals made within each number of days of the previous referral.

    Columns: ``within`` (e.g. ``"60 days"``), ``days``, ``rereferrals``, ``total``,
    ``percent``. 91 days stands for 3 months and 182 for 6 months.
    """
    re = _rereferrals_only(df)
    d = re["days_since_previous"].astype("float64")
    total = len(re)
    rows = [{"within": f"{k} days", "days": k, "rereferrals": int((d <= k).sum()),
             "total": total} for k in days]
    out = pd.DataFrame(rows)
    out["percent"] = out["rereferrals"] / total * 100 if total else np.nan
    return out


def _rate_by(f: pd.DataFrame, key: pd.Series, name: str) -> pd.DataFrame:
    """Referrals, re-referrals, rate and share of all re-referrals, by ``key``."""
    known = f["is_rereferral"].notna().to_numpy()
    t = pd.DataFrame({name: key.to_numpy()[known],
                      "re": f["is_rereferral"].to_numpy()[known].astype(bool)})
    t[name] = t[name].astype(object).where(t[name].notna(), "not recorded")
    g = t.groupby(name, sort=False)["re"]
    out = pd.DataFrame({"referrals": g.size(), "rereferrals": g.sum()}).reset_index()
    out["rate_percent"] = out["rereferrals"] / out["referrals"] * 100
    total_re = out["rereferrals"].sum()
    out["share_of_rereferrals_percent"] = (out["rereferrals"] / total_re * 100
                                           if total_re else np.nan)
    out = out.sort_values(["referrals", name], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True).astype({"referrals": "int64", "rereferrals": "int64"})


def by_referral_source(df: pd.DataFrame, grouped: bool = False) -> pd.DataFrame:
    """Referrals and re-referrals by referral source (``grouped``: broad groups like
    Police / Schools and education / Health). Rate = re-referrals / referrals of that
    source; share = that source's part of all re-referrals. Unknown-history rows excluded.
    """
    f = _counted(_flagged(df))
    _require(f, ["referral_source"], "by_referral_source")
    key = f["referral_source"]
    if grouped:
        key = key.map(lambda s: REFERRAL_SOURCE_GROUPS.get(s, "unknown"))
    return _rate_by(f, key, "source_group" if grouped else "referral_source")


def by_primary_need(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals and re-referrals by primary need code, with its label."""
    f = _counted(_flagged(df))
    _require(f, ["primary_need"], "by_primary_need")
    out = _rate_by(f, f["primary_need"], "primary_need")
    out.insert(1, "label", out["primary_need"].map(PRIMARY_NEEDS).fillna("Not recorded"))
    return out


def by_assessment_factor(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals and re-referrals by factor identified at assessment.

    A referral with several factors counts once under each (the list is exploded), so
    rows do not add up to the number of referrals. Referrals with no factors recorded
    are left out; code 21 "No factors identified" is kept as its own row.
    """
    f = _counted(_flagged(df))
    _require(f, ["assessment_factors"], "by_assessment_factor")
    f = f.loc[f["assessment_factors"].notna() & f["is_rereferral"].notna()]
    t = pd.DataFrame({"assessment_factor": f["assessment_factors"].astype(str).str.split(";"),
                      "re": f["is_rereferral"].astype(bool)}).explode("assessment_factor")
    t["assessment_factor"] = t["assessment_factor"].str.strip()
    t = t.loc[t["assessment_factor"] != ""]
    out = _rate_by(t.assign(is_rereferral=t["re"]), t["assessment_factor"], "assessment_factor")
    out.insert(1, "label", out["assessment_factor"].map(ASSESSMENT_FACTORS).fillna("Unknown code"))
    return out


def previous_outcome(df: pd.DataFrame) -> pd.Series:
    """What happened after each referral, in the words used for "what happened last time".

    Precedence: NFA at referral; still open (no closure date); CP plan; CIN plan; stepped
    down to early help (outcome ``early_help`` or closure reason RC9); assessed not in need
    (outcome ``not_in_need`` or closure reason RC8); no assessment (other); else not known.
    """
    nfa = df["referral_nfa"].fillna(False).astype(bool) if "referral_nfa" in df else False
    outcome = df.get("assessment_outcome", pd.Series(pd.NA, index=df.index)).astype(object)
    reason = df.get("closure_reason", pd.Series(pd.NA, index=df.index)).astype(object)
    open_ = df.get("closure_date", pd.Series(pd.NaT, index=df.index)).isna()
    conditions = [
        nfa,
        open_ & ~nfa,
        outcome.eq("cp_plan"),
        outcome.eq("cin_plan"),
        outcome.eq("early_help") | reason.eq("RC9"),
        outcome.eq("not_in_need") | reason.eq("RC8"),
        outcome.eq("no_assessment"),
    ]
    choices = ["NFA at referral", "Still open", "Closed after CP plan", "Closed after CIN plan",
               "Stepped down to early help", "Assessed: not in need", "No assessment (other)"]
    values = np.select([np.asarray(c, dtype=bool) for c in conditions], choices,
                       default="Not known")
    return pd.Series(values, index=df.index, name="previous_outcome")


def select_year(df: pd.DataFrame, year_end: pd.Timestamp | str) -> pd.DataFrame:
    """Referrals dated in the 12 months ending ``year_end`` (e.g. ``"2017-03-31"``).

    Flag first (:func:`flag_rereferrals` on the whole table), then select: the flags need
    the earlier referrals.
    """
    end = pd.Timestamp(year_end)
    dates = pd.to_datetime(df["referral_date"])
    return df.loc[(dates > end - WINDOW) & (dates <= end)]


def previous_outcomes(df: pd.DataFrame) -> pd.DataFrame:
    """For each counted re-referral of ``df`` (index kept), its previous referral's outcome
    (:func:`previous_outcome`, judged at the re-referral's date: closed after it counts as
    still open), closure date and closure reason. Pass the whole flagged table."""
    f = _counted(_flagged(df))
    prev = f.assign(_outcome=previous_outcome(f))
    prev = prev.assign(
        _closed=prev.get("closure_date", pd.NaT),
        _reason=prev.get("closure_reason", pd.NA))
    prev = prev[["child_id", "referral_date", "_outcome", "_closed", "_reason"]].rename(
        columns={"referral_date": "previous_referral_date"})
    re = f.loc[f["is_rereferral"].fillna(False).astype(bool),
               ["child_id", "referral_date", "previous_referral_date"]]
    m = re.reset_index(names="_row").merge(prev, on=["child_id", "previous_referral_date"],
                                           how="left").set_index("_row")
    still_open = m["_closed"].notna() & (m["_closed"] > m["referral_date"])
    m.loc[still_open, "_outcome"] = "Still open"
    out = pd.DataFrame({"previous_outcome": m["_outcome"].fillna("Not known"),
                        "previous_closure_date": m["_closed"],
                        "previous_closure_reason": m["_reason"]})
    out.index.name = None
    return out.reindex(re.index)


def by_previous_outcome(df: pd.DataFrame, year_end: pd.Timestamp | str | None = None
                        ) -> pd.DataFrame:
    """Re-referrals by what happened to the child's previous referral.

    For each counted re-referral (those in the 12 months ending ``year_end`` if given),
    the previous referral (same child, latest earlier date) is looked up in the whole
    table and classified with :func:`previous_outcome`, judged as at the date of the
    re-referral (a previous case closed after the re-referral counts as still open).
    Pass the whole table, not one year, so the previous referrals can be found.
    Columns: ``previous_outcome``, ``rereferrals``, ``percent``.
    """
    m = previous_outcomes(df)
    if year_end is not None:
        m = m.loc[select_year(df.loc[m.index], year_end).index]
    counts = m["previous_outcome"].value_counts().reindex(list(PREVIOUS_OUTCOMES),
                                                           fill_value=0)
    out = counts.rename_axis("previous_outcome").reset_index(name="rereferrals")
    total = int(out["rereferrals"].sum())
    out["percent"] = out["rereferrals"] / total * 100 if total else np.nan
    return out


def early_help_share(df: pd.DataFrame) -> pd.DataFrame:
    """Share of referrals and of re-referrals with early help before the referral.

    Rows: ``all referrals``, ``re-referrals``, ``first referrals``; columns ``group``,
    ``with_prior_early_help``, ``known`` (rows where prior_early_help is recorded),
    ``not_recorded`` and ``percent`` (of known).
    """
    f = _counted(_flagged(df))
    _require(f, ["prior_early_help"], "early_help_share")
    re = f["is_rereferral"]
    groups = {"all referrals": pd.Series(True, index=f.index),
              "re-referrals": re.fillna(False).astype(bool),
              "first referrals": re.eq(False).fillna(False).astype(bool)}
    rows = []
    for name, mask in groups.items():
        eh = f.loc[mask, "prior_early_help"]
        known = int(eh.notna().sum())
        yes = int(eh.fillna(False).astype(bool).sum())
        rows.append({"group": name, "with_prior_early_help": yes, "known": known,
                     "not_recorded": int(eh.isna().sum()),
                     "percent": yes / known * 100 if known else np.nan})
    return pd.DataFrame(rows)


def by_locality(df: pd.DataFrame, year_end: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """Re-referrals (numerator) and referrals (denominator) by locality, for a funnel plot.

    ``year_end``: restrict to the 12 months ending that date (e.g. ``"2017-03-31"``);
    default all referrals with known history. Also returns the overall rate as
    ``overall_percent`` on every row, the funnel's centre line.
    """
    f = _counted(_flagged(df))
    _require(f, ["locality"], "by_locality")
    if year_end is not None:
        f = select_year(f, year_end)
    out = _rate_by(f, f["locality"], "locality").drop(columns="share_of_rereferrals_percent")
    out = out.rename(columns={"rereferrals": "numerator", "referrals": "denominator",
                              "rate_percent": "percent"})
    total_d = out["denominator"].sum()
    out["overall_percent"] = out["numerator"].sum() / total_d * 100 if total_d else np.nan
    return out[["locality", "numerator", "denominator", "percent", "overall_percent"]]


def conversion_funnel(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals -> assessments -> outcomes, as counts and percentages.

    Stages: referrals; NFA at referral; assessed (an assessment outcome other than
    ``no_assessment``); assessed not in need (``not_in_need`` or ``early_help``, the DfE's
    "assessed not to be in need"); of which stepped down to early help; child in need
    (``cin_plan`` or ``cp_plan``); of which child protection plan. Columns: ``stage``,
    ``count``, ``percent_of_referrals``, ``percent_of_assessed``.
    """
    f = _counted(_flagged(df)) if "referral_id" in df else df
    _require(f, ["referral_nfa", "assessment_outcome"], "conversion_funnel")
    oc = f["assessment_outcome"].astype(object)
    n = len(f)
    if n == 0:
        raise NoDataError("no referrals to count")
    assessed = oc.notna() & oc.ne("no_assessment")
    nin = oc.isin(["not_in_need", "early_help"])
    rows = [
        ("Referrals", n),
        ("No further action at referral", int(f["referral_nfa"].fillna(False).astype(bool).sum())),
        ("Assessed", int(assessed.sum())),
        ("Assessed: not in need", int(nin.sum())),
        ("  of which stepped down to early help", int(oc.eq("early_help").sum())),
        ("Assessed: child in need", int(oc.isin(["cin_plan", "cp_plan"]).sum())),
        ("  of which child protection plan", int(oc.eq("cp_plan").sum())),
        ("Outcome not recorded", int(oc.isna().sum())),
    ]
    out = pd.DataFrame(rows, columns=["stage", "count"])
    out["percent_of_referrals"] = out["count"] / n * 100
    n_assessed = int(assessed.sum())
    out["percent_of_assessed"] = np.where(
        out["stage"].isin(["Referrals", "No further action at referral",
                           "Outcome not recorded"]) | (n_assessed == 0),
        np.nan, out["count"] / max(n_assessed, 1) * 100)
    return out
