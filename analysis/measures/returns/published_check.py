"""A year ending 31 March computed from the returns, set beside DfE's published figure.

DfE publishes each LA's figures from the census as it stood at its snapshot, months after the
year ended; a figure computed later from the LA's own files can differ for honest reasons:
returns submitted or corrected after the snapshot, records amended since (a referral date
corrected, a duplicate child merged), or files from another census than DfE's. A difference
within the published rounding is no difference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.core.errors import ParameterError
from analysis.data.catalogue import Indicator
from analysis.data.periods import financial_year_label

REASONS = ("returns submitted or corrected after DfE's snapshot", "records amended since then",
           "census files other than those DfE used")


@dataclass(frozen=True)
class PublishedComparison:
    """One computed year beside the published figure for the same LA, indicator and year."""

    indicator_id: str
    year: str
    computed: float
    published: float | None
    published_status: str
    difference: float | None
    beyond_rounding: bool
    sentence: str


def _rounding(ind: Indicator) -> float:
    """Half the last published digit: the most a rounded figure can be from the exact one."""
    return 0.5 * 10 ** (-ind.decimals)


def _counts(numerator: float, denominator: float) -> str:
    if pd.isna(numerator) or pd.isna(denominator) or denominator <= 0:
        return ""
    return f" ({numerator:,.0f} of {denominator:,.0f})"


def compare_with_published(result: pd.DataFrame, published: pd.DataFrame, la_code: str,
                           indicator: Indicator) -> PublishedComparison:
    """Set a computed year ending 31 March (one result row) beside the published figure.

    ``published`` is the prepared benchmark table (indicator, year, level, area_code,
    old_la_code, value, numerator, denominator, status); ``la_code`` the LA's ONS or DfE code.
    """
    row = result.iloc[0]
    end = row["period_end"]
    if not (isinstance(end, dt.date) and end.month == 3 and end.day == 31):
        raise ParameterError("only a year ending 31 March can be set beside a published figure",
                             parameter="result", expected="a period ending 31 March",
                             found=str(end))
    year = end.year
    label = financial_year_label(year)
    match = published[(published["indicator"] == row["indicator_id"]) & (published["year"] == year)
                      & (published["level"] == "la")
                      & ((published["area_code"] == la_code) | (published["old_la_code"] == la_code))]
    computed = float(row["value"])
    shown = indicator.format_value(computed) + _counts(row["numerator"], row["denominator"])
    if match.empty or match.iloc[0]["status"] != "published":
        status = "missing" if match.empty else str(match.iloc[0]["status"])
        return PublishedComparison(
            row["indicator_id"], label, computed, None, status, None, False,
            f"{indicator.label}, {label}: computed {shown}; DfE published no figure to compare.")
    pub = match.iloc[0]
    value = float(pub["value"])
    difference = computed - value
    counts_differ = (not pd.isna(pub["numerator"]) and not pd.isna(row["numerator"])
                     and indicator.unit != "rate_per_10000"
                     and round(float(pub["numerator"])) != round(float(row["numerator"])))
    beyond = abs(difference) > _rounding(indicator) + 1e-9 or counts_differ
    published_shown = indicator.format_value(value) + _counts(pub["numerator"], pub["denominator"])
    if beyond:
        sentence = (f"{indicator.label}, {label}: computed {shown} against DfE's published "
                    f"{published_shown}, a difference beyond rounding. Possible reasons: "
                    f"{'; '.join(REASONS)}.")
    else:
        sentence = (f"{indicator.label}, {label}: computed {shown} agrees with DfE's published "
                    f"{published_shown} within rounding.")
    return PublishedComparison(row["indicator_id"], label, computed, value, "published",
                               difference, beyond, sentence)
