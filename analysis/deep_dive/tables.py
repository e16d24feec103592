"""The deep dive's count tables over time, before suppression: the scope of the year
reported (:class:`Scope`), a raw table and the records each of its counts counts
(:class:`RawTable`), and the tables by year, rolling quarter, month, quarter and time since
the previous referral or closure. The breakdowns by category are in
:mod:`analysis.deep_dive.breakdowns`.

Each table is built from masks over the flagged records (what each count counts), so the
whole set can be protected together (:class:`analysis.engine.suppress.LinkedTables`): a table's
counts are the sums of its masks, never computed a second way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.deep_dive.years import long_date
from analysis.measures import rereferral_breakdowns as rb
from analysis.measures import rereferrals as rr

#: The most recent months shown on the monthly SPC chart.
XMR_MONTHS = 36


class Scope:
    """The flagged records as boolean arrays for the year reported (positions, not labels)."""

    def __init__(self, flagged: pd.DataFrame, year_end: pd.Timestamp,
                 history_start: pd.Timestamp) -> None:
        f = flagged.reset_index(drop=True)
        self.flagged = f
        self.size = len(f)
        self.year_end = year_end
        self.history_start = history_start
        self.dates = pd.to_datetime(f["referral_date"])
        self.counted = ~f["same_day_duplicate"].astype(bool).to_numpy()
        isre = f["is_rereferral"]
        self.known = self.counted & isre.notna().to_numpy()
        self.re = self.known & isre.fillna(False).astype(bool).to_numpy()
        self.first = self.known & ~self.re
        in_year = ((self.dates > year_end - rr.WINDOW) & (self.dates <= year_end)).to_numpy()
        self.year = self.counted & in_year
        self.year_known = self.known & in_year
        self.year_re = self.re & in_year

    def column(self, name: str, missing: object = "not recorded") -> pd.Series:
        s = self.flagged[name].astype(object) if name in self.flagged else pd.Series(
            pd.NA, index=self.flagged.index, dtype=object)
        return s.where(s.notna(), missing)


@dataclass
class RawTable:
    """An unpublished count table and the records each count counts."""

    name: str
    frame: pd.DataFrame
    counts: list[str]
    masks: dict[tuple[int, str], np.ndarray]
    percents: dict[str, tuple[str, str]] = field(default_factory=dict)


def raw_table(name: str, rows: Sequence[Mapping[str, object]],
              masks: Sequence[Mapping[str, np.ndarray]], counts: Sequence[str],
              percents: Mapping[str, tuple[str, str]] | None = None) -> RawTable:
    """A :class:`RawTable` whose count columns are the sums of ``masks`` (one per row)."""
    frame = pd.DataFrame([dict(r) for r in rows])
    for col in counts:
        frame[col] = [int(m[col].sum()) if col in m else np.nan for m in masks]
    for p in percents or {}:
        frame[p] = np.nan
    cells = {(i, col): m[col] for i, m in enumerate(masks) for col in counts if col in m}
    return RawTable(name, frame, list(counts), cells, dict(percents or {}))


RATE = {"percent": ("rereferrals", "referrals")}


def annual_raw(s: Scope, years: pd.DataFrame, year: int) -> RawTable:
    """Referrals, re-referrals and the rate for each usable year up to ``year``."""
    rows, masks = [], []
    for _, y in years.loc[years["usable"] & (years["year_number"] <= year)].iterrows():
        end = pd.Timestamp(y["year_end"])
        inside = ((s.dates > end - rr.WINDOW) & (s.dates <= end)).to_numpy()
        rows.append({"year": y["year"]})
        masks.append({"referrals": s.counted & inside, "rereferrals": s.re & inside})
    return raw_table("annual", rows, masks, ["referrals", "rereferrals"], RATE)


def rolling_quarters_raw(s: Scope) -> RawTable:
    """Re-referrals in the 12 months to each quarter end (a local return's A1 measure)."""
    q = rr.rolling_rate(s.flagged, freq="Q")
    q = q.loc[q["history_complete"] & (q["period_end"] <= s.year_end)]
    month = s.dates.dt.to_period("M")
    rows, masks = [], []
    for end in q["period_end"]:
        last = pd.Timestamp(end).to_period("M")
        inside = ((month > last - 12) & (month <= last)).to_numpy()
        rows.append({"quarter_end": long_date(end)})
        masks.append({"referrals": s.counted & inside, "rereferrals": s.re & inside})
    return raw_table("rolling_quarters", rows, masks, ["referrals", "rereferrals"], RATE)


def monthly_raw(s: Scope, months: int = XMR_MONTHS) -> RawTable:
    """Each month's referrals and re-referrals, for months whose referrals all have 12
    months of history in the data, up to the year's end (at most the last ``months``)."""
    first_month = _first_full_month(s)
    hc = s.flagged["history_complete"].astype(bool).to_numpy() & s.known
    month = s.dates.dt.to_period("M")
    last = s.year_end.to_period("M")
    rows, masks = [], []
    if first_month <= last:
        for m in pd.period_range(max(first_month, last - (months - 1)), last, freq="M"):
            inside = (month == m).to_numpy() & hc
            rows.append({"month": m.strftime("%B %Y")})
            masks.append({"referrals": inside, "rereferrals": inside & s.re})
    return raw_table("monthly", rows, masks, ["referrals", "rereferrals"], RATE)


def _first_full_month(s: Scope) -> pd.Period:
    """The first month whose referrals all have 12 months of history in the data."""
    start = s.history_start + rr.WINDOW
    first = start.to_period("M")
    return first if start == first.start_time else first + 1


def quarterly_raw(s: Scope) -> RawTable:
    """Each quarter's (April-June...) referrals and re-referrals, for quarters whose
    referrals all have 12 months of history, up to the year's end (at most 12 quarters):
    the XmR chart's points when months are too small."""
    first = _first_full_month(s)
    hc = s.flagged["history_complete"].astype(bool).to_numpy() & s.known
    quarter = s.dates.dt.to_period("Q-MAR")
    last = s.year_end.to_period("Q-MAR")
    q0 = first.to_timestamp().to_period("Q-MAR")
    if q0.asfreq("M", "start") < first:
        q0 += 1
    rows, masks = [], []
    if q0 <= last:
        for q in pd.period_range(max(q0, last - (XMR_MONTHS // 3 - 1)), last, freq="Q-MAR"):
            inside = (quarter == q).to_numpy() & hc
            rows.append({"quarter": f"{q.start_time:%b}-{q.end_time:%b %Y}"})
            masks.append({"referrals": inside, "rereferrals": inside & s.re})
    return raw_table("quarterly", rows, masks, ["referrals", "rereferrals"], RATE)


#: Days at which the share of re-referrals so far is reported: 60 days, 3 and 6 months.
WITHIN_DAYS: tuple[int, ...] = (60, 91, 182)


def time_since_raw(s: Scope) -> RawTable:
    """Re-referrals by days since the previous referral (bands of
    :data:`analysis.measures.rereferral_breakdowns.DAY_BANDS`), with the running total at 60,
    91 and 182 days and at 12 months (on the band ending there)."""
    days = s.flagged["days_since_previous"].astype("float64").to_numpy()
    rows, masks = [], []
    for label, lo, hi in rb.DAY_BANDS:
        m: dict[str, np.ndarray] = {
            "rereferrals": s.year_re & (days >= lo) & (days <= hi),
            "all_rereferrals": s.year_re}
        if hi in WITHIN_DAYS or hi == rb.DAY_BANDS[-1][2]:
            m["cumulative_rereferrals"] = s.year_re & (days <= hi)
        rows.append({"band": label, "min_days": lo, "max_days": hi})
        masks.append(m)
    return raw_table("time_since", rows, masks,
                     ["rereferrals", "all_rereferrals", "cumulative_rereferrals"],
                     {"percent": ("rereferrals", "all_rereferrals"),
                      "cumulative_percent": ("cumulative_rereferrals", "all_rereferrals")})


def time_since_closure_raw(s: Scope, previous: pd.DataFrame) -> RawTable:
    """Re-referrals by time from the previous referral's *closure* to the re-referral:
    still open at the re-referral, closed 0-30 days, 31-91 days, 92-182 days, longer."""
    closed = pd.Series(pd.NaT, index=s.flagged.index, dtype="datetime64[ns]")
    closed.loc[previous.index] = pd.to_datetime(previous["previous_closure_date"])
    gap = (s.dates - closed).dt.days.to_numpy(dtype="float64")
    open_ = np.zeros(s.size, dtype=bool)
    open_[previous.index] = (previous["previous_outcome"] == "Still open").to_numpy()
    bands = [("Previous case still open", open_),
             ("Closed 0-30 days before", ~open_ & (gap >= 0) & (gap <= 30)),
             ("Closed 31-91 days before", ~open_ & (gap > 30) & (gap <= 91)),
             ("Closed 92-182 days before", ~open_ & (gap > 91) & (gap <= 182)),
             ("Closed 183 days or more before", ~open_ & (gap > 182)),
             ("Closure date not known", ~open_ & np.isnan(gap))]
    rows, masks = [], []
    for label, m in bands:
        rows.append({"since_closure": label})
        masks.append({"rereferrals": s.year_re & m, "all_rereferrals": s.year_re})
    return raw_table("time_since_closure", rows, masks, ["rereferrals", "all_rereferrals"],
                     {"percent": ("rereferrals", "all_rereferrals")})


__all__ = ["XMR_MONTHS", "RawTable", "Scope", "annual_raw", "monthly_raw", "quarterly_raw",
           "raw_table", "rolling_quarters_raw", "time_since_closure_raw", "time_since_raw"]
