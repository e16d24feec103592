"""The years of the deep dive: which years ending 31 March the records cover and can report
(:func:`reporting_years`), the one reported (:func:`choose_year`), and dates as readers
write them (:func:`long_date`).
"""

from __future__ import annotations

import pandas as pd

from analysis.core.errors import NoDataError, ParameterError
from analysis.data.periods import financial_year_label, parse_year
from analysis.measures import rereferrals as rr


def reporting_years(flagged: pd.DataFrame, history_start: pd.Timestamp) -> pd.DataFrame:
    """Years ending 31 March in the data with referrals, re-referrals and whether each is
    usable: ``history_complete`` (every referral's 12 months before lie in the data) and
    ``full_year`` (the data reach the year's last month)."""
    years = rr.annual_rate(flagged, include_incomplete=True)
    last = pd.Timestamp(flagged["referral_date"].max())
    first_day = years["year_end"] - rr.WINDOW + pd.Timedelta(days=1)
    years["full_year"] = (first_day >= history_start) & (
        last >= years["year_end"].dt.to_period("M").dt.start_time)
    years["usable"] = years["history_complete"] & years["full_year"]
    years["year_number"] = years["year_end"].dt.year
    return years


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
