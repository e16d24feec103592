"""The deep dive's count tables over time, before suppression: the scope of the year
reported (:class:`Scope`), a raw table and the records each of its counts counts
(:class:`RawTable`), and the tables by year, rolling quarter, month, quarter and time since
the previous referral or closure. The breakdowns by category are in
:mod:`analysis.deep_dive.breakdowns`.

Each table is built from masks over the classes of flagged records
(:mod:`analysis.deep_dive.record_classes`: what each count counts), so the whole set can be
protected together (:class:`analysis.engine.suppress.LinkedTables`): a table's counts are the
weighted sums of its masks (each class's number of records), never computed a second way.
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
    """The flagged records of the year reported, as classes of records every table counts
    alike (:mod:`analysis.deep_dive.record_classes`): boolean arrays over the classes, and
    ``weight``, each class's number of records. ``flagged``: the classes (a frame with
    ``weight``), or a flagged record-level table, grouped into classes first."""

    def __init__(self, flagged: pd.DataFrame, year_end: pd.Timestamp,
                 history_start: pd.Timestamp) -> None:
        if "weight" not in flagged:
            from analysis.deep_dive.record_classes import classes_of_frame

            flagged = classes_of_frame(flagged, year_end)
        first_day = flagged.attrs.get("first_day")
        f = flagged.reset_index(drop=True)
        self.flagged = f
        self.size = len(f)
        self.weight = f["weight"].to_numpy(dtype="int64")
        self.year_end = year_end
        self.history_start = history_start
        self.dates = pd.to_datetime(f["referral_date"])  # the first day of the month
        self.counted = ~f["same_day_duplicate"].astype(bool).to_numpy()
        isre = f["is_rereferral"]
        self.known = self.counted & isre.notna().to_numpy()
        self.re = self.known & isre.fillna(False).astype(bool).to_numpy()
        self.first = self.known & ~self.re
        in_year = ((self.dates > year_end - rr.WINDOW) & (self.dates <= year_end)).to_numpy()
        self.year = self.counted & in_year
        self.year_known = self.known & in_year
        self.year_re = self.re & in_year
        #: the first referral's date (the records' own, not its month)
        self.first_day = pd.Timestamp(first_day if first_day is not None
                                      else self.dates[self.counted].min())

    def column(self, name: str, missing: object = "not recorded") -> pd.Series:
        s = self.flagged[name].astype(object) if name in self.flagged else pd.Series(
            pd.NA, index=self.flagged.index, dtype=object)
        return s.where(s.notna(), missing)


@dataclass
class RawTable:
    """An unpublished count table and the classes of records each count counts (masks over
    the classes of ``weight``)."""

    name: str
    frame: pd.DataFrame
    counts: list[str]
    masks: dict[tuple[int, str], np.ndarray]
    percents: dict[str, tuple[str, str]] = field(default_factory=dict)
    weight: np.ndarray | None = None


def raw_table(weight: np.ndarray, name: str, rows: Sequence[Mapping[str, object]],
              masks: Sequence[Mapping[str, np.ndarray]], counts: Sequence[str],
              percents: Mapping[str, tuple[str, str]] | None = None) -> RawTable:
    """A :class:`RawTable` whose count columns are the weighted sums of ``masks`` (one per
    row; ``weight``: the number of records in each class)."""
    frame = pd.DataFrame([dict(r) for r in rows])
    for col in counts:
        frame[col] = [int(m[col] @ weight) if col in m else np.nan for m in masks]
    for p in percents or {}:
        frame[p] = np.nan
    cells = {(i, col): m[col] for i, m in enumerate(masks) for col in counts if col in m}
    return RawTable(name, frame, list(counts), cells, dict(percents or {}), weight)


RATE = {"percent": ("rereferrals", "referrals")}


def annual_raw(s: Scope, years: pd.DataFrame, year: int) -> RawTable:
    """Referrals, re-referrals and the rate for each usable year up to ``year``."""
    rows, masks = [], []
    for _, y in years.loc[years["usable"] & (years["year_number"] <= year)].iterrows():
        end = pd.Timestamp(y["year_end"])
        inside = ((s.dates > end - rr.WINDOW) & (s.dates <= end)).to_numpy()
        rows.append({"year": y["year"]})
        masks.append({"referrals": s.counted & inside, "rereferrals": s.re & inside})
    return raw_table(s.weight, "annual", rows, masks, ["referrals", "rereferrals"], RATE)


def rolling_quarter_ends(s: Scope) -> list[pd.Timestamp]:
    """The quarter ends (June, September, December, March) up to the year's end whose 12
    months lie wholly in the data and every referral of which has a known history (as
    :func:`analysis.measures.rereferrals.rolling_rate` chooses them)."""
    month = s.dates.dt.to_period("M")
    counted = s.counted
    if not counted.any():
        return []
    first, last = month[counted].min(), month[counted].max()
    start = first if s.first_day == first.start_time else first + 1
    unknown = pd.Series(s.weight * (s.counted & ~s.known), index=month.index).groupby(
        month).sum()
    out = []
    for p in pd.period_range(first + 11, last, freq="M"):
        if p.month not in (3, 6, 9, 12) or p - 11 < start:
            continue
        if unknown[(unknown.index > p - 12) & (unknown.index <= p)].sum() == 0:
            out.append(p.end_time.normalize())
    return [e for e in out if e <= s.year_end]


def rolling_quarters_raw(s: Scope) -> RawTable:
    """Re-referrals in the 12 months to each quarter end (a local return's A1 measure)."""
    month = s.dates.dt.to_period("M")
    rows, masks = [], []
    for end in rolling_quarter_ends(s):
        last = pd.Timestamp(end).to_period("M")
        inside = ((month > last - 12) & (month <= last)).to_numpy()
        rows.append({"quarter_end": long_date(end)})
        masks.append({"referrals": s.counted & inside, "rereferrals": s.re & inside})
    return raw_table(s.weight, "rolling_quarters", rows, masks, ["referrals", "rereferrals"], RATE)


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
    return raw_table(s.weight, "monthly", rows, masks, ["referrals", "rereferrals"], RATE)


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
    return raw_table(s.weight, "quarterly", rows, masks, ["referrals", "rereferrals"], RATE)


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
    return raw_table(s.weight, "time_since", rows, masks,
                     ["rereferrals", "all_rereferrals", "cumulative_rereferrals"],
                     {"percent": ("rereferrals", "all_rereferrals"),
                      "cumulative_percent": ("cumulative_rereferrals", "all_rereferrals")})


#: Bands of time from the previous referral's closure to the re-referral, in order.
SINCE_CLOSURE: tuple[str, ...] = (
    "Previous case still open", "Closed 0-30 days before", "Closed 31-91 days before",
    "Closed 92-182 days before", "Closed 183 days or more before", "Closure date not known")


def time_since_closure_raw(s: Scope) -> RawTable:
    """Re-referrals by time from the previous referral's *closure* to the re-referral:
    still open at the re-referral, closed 0-30 days, 31-91 days, 92-182 days, longer
    (the band of each class: :mod:`analysis.deep_dive.record_classes`)."""
    band = s.column("since_closure", "").astype(str).to_numpy()
    rows, masks = [], []
    for label in SINCE_CLOSURE:
        rows.append({"since_closure": label})
        masks.append({"rereferrals": s.year_re & (band == label), "all_rereferrals": s.year_re})
    return raw_table(s.weight, "time_since_closure", rows, masks, ["rereferrals", "all_rereferrals"],
                     {"percent": ("rereferrals", "all_rereferrals")})


__all__ = ["SINCE_CLOSURE", "XMR_MONTHS", "RawTable", "Scope", "annual_raw", "monthly_raw", "quarterly_raw",
           "raw_table", "rolling_quarter_ends", "rolling_quarters_raw", "time_since_closure_raw", "time_since_raw"]
