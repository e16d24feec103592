"""The years of the deep dive: which years ending 31 March the records cover and can report
(:func:`reporting_years`), the one reported (:func:`choose_year`), and dates as readers
write them (:func:`long_date`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.errors import NoDataError, ParameterError
from analysis.data.periods import financial_year_label, parse_year
from analysis.measures import rereferrals as rr


def reporting_years(flagged: pd.DataFrame, history_start: pd.Timestamp) -> pd.DataFrame:
    """Years ending 31 March in the data with referrals, re-referrals and whether each is
    usable: ``history_complete`` (every referral's 12 months before lie in the data) and
    ``full_year`` (the data reach the year's last month). ``flagged``: flagged records, or
    classes of them with their ``weight`` (:mod:`analysis.deep_dive.record_classes`)."""
    weight = (flagged["weight"].to_numpy(dtype="int64") if "weight" in flagged
              else np.ones(len(flagged), dtype="int64"))
    counted = ~flagged["same_day_duplicate"].to_numpy(dtype=bool)
    if not counted.any():
        raise NoDataError("no referrals to count")
    dates = pd.to_datetime(flagged["referral_date"])
    isre = flagged["is_rereferral"].astype("boolean")
    t = pd.DataFrame({
        "year_end": dates.dt.to_period("Y-MAR").dt.end_time.dt.normalize().to_numpy()[counted],
        "referrals": weight[counted],
        "rereferrals": (weight * isre.fillna(False).to_numpy(dtype=bool))[counted],
        "unknown_history": (weight * isre.isna().to_numpy())[counted],
    })
    years = t.groupby("year_end", sort=True).sum().reset_index()
    years["history_complete"] = years["unknown_history"].eq(0)
    years["percent"] = years["rereferrals"] / years["referrals"] * 100
    years.insert(0, "year", [financial_year_label(e.year) for e in years["year_end"]])
    last = pd.Timestamp(dates.max())
    first_day = years["year_end"] - rr.WINDOW + pd.Timedelta(days=1)
    years["full_year"] = (first_day >= history_start) & (
        last >= years["year_end"].dt.to_period("M").dt.start_time)
    years["usable"] = years["history_complete"] & years["full_year"]
    years["year_number"] = years["year_end"].dt.year
    return years.astype({"referrals": "int64", "rereferrals": "int64",
                         "unknown_history": "int64"})


def choose_year(years: pd.DataFrame, period: str | int | None) -> int:
    """The year (ending 31 March) to report: ``period`` if given, else the latest usable."""
    usable = years.loc[years["usable"], "year_number"].astype(int).tolist()
    if not usable:
        raise NoDataError(
            "the records do not cover a whole year with 12 months of history before it",
            expected="referrals over at least two years ending 31 March (the first year only "
                     "gives the history for the second)",
            found=f"referrals in {years['year'].iloc[0]}"
                  + (f" to {years['year'].iloc[-1]}" if len(years) > 1 else " only"),
            fix="add the earlier year's records (for CIN census returns, the previous year's "
                "file); if the extract already holds every referral from some earlier date, "
                "give that date as --history-start")
    if period is None or (isinstance(period, str) and period.strip().lower() in ("", "latest")):
        return max(usable)
    year = parse_year(period, parameter="period")
    if year not in usable:
        raise ParameterError(
            f"no complete year {financial_year_label(year)} in the records", parameter="period",
            expected="one of " + ", ".join(financial_year_label(y) for y in usable),
            found=str(period),
            fix="leave period empty for the latest year, or choose a listed year")
    return year


def long_date(value: object) -> str:
    """A date as readers write it: "31 March 2016"."""
    ts = pd.Timestamp(value)
    return f"{ts.day} {ts:%B %Y}"


__all__ = ["choose_year", "long_date", "reporting_years"]
