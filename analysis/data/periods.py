"""Reporting periods: financial years, quarters and months.

English children's social care reports by financial year (1 April to 31 March). DfE keys a
financial year by the calendar year in which it ends: 2017 means 1 April 2016 to 31 March 2017,
shown as ``2016-17``. Quarters are Q1 (April-June) to Q4 (January-March) of a financial year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from analysis.core.errors import ParameterError

YearType = Literal["financial", "calendar", "september", "academic"]

_FY = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")
_QUARTER = re.compile(
    r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*(?:q|quarter\s*)([1-4])\s*$", re.IGNORECASE
)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def financial_year_label(year: int) -> str:
    """2017 -> ``"2016-17"`` (the year ending 31 March 2017)."""
    return f"{year - 1}-{year % 100:02d}"


def period_label(year: int, year_type: YearType = "financial") -> str:
    """How a published year is shown, by the kind of year the measure uses."""
    if year_type == "financial":
        return financial_year_label(year)
    if year_type == "academic":
        return f"{year - 1}/{year % 100:02d}"
    if year_type == "september":
        return f"Sep {year}"
    return str(year)


def _fy_end(start: str, end: str, text: str, parameter: str) -> int:
    first = int(start)
    last = int(end) if len(end) == 4 else (first // 100) * 100 + int(end)
    if len(end) == 2 and last < first:  # 1999-00
        last += 100
    if last != first + 1:
        raise ParameterError(
            f"'{text}' is not a financial year", parameter=parameter,
            expected="two consecutive years, e.g. 2016-17", found=text,
        )
    return last


def parse_year(text: str | int, parameter: str = "year") -> int:
    """Accept ``2017``, ``"2017"``, ``"2016-17"``, ``"2016/17"`` or ``"2016-2017"``: returns 2017."""
    if isinstance(text, int):
        return text
    raw = str(text).strip()
    if re.fullmatch(r"\d{4}", raw):
        return int(raw)
    m = _FY.match(raw)
    if m:
        return _fy_end(m.group(1), m.group(2), raw, parameter)
    raise ParameterError(
        f"cannot read '{raw}' as a year", parameter=parameter,
        expected="a year ending 31 March, e.g. 2017 or 2016-17", found=raw,
    )


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter. ``year`` is the year the financial year ends (2018 = 2017-18)."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        if self.quarter not in (1, 2, 3, 4):
            raise ParameterError("quarter must be 1 to 4", parameter="period",
                                 expected="Q1, Q2, Q3 or Q4", found=f"Q{self.quarter}")

    @property
    def label(self) -> str:
        return f"{financial_year_label(self.year)} Q{self.quarter}"

    @property
    def slug(self) -> str:
        return f"{financial_year_label(self.year)}-q{self.quarter}"

    @property
    def start(self) -> dt.date:
        month = (4 + 3 * (self.quarter - 1) - 1) % 12 + 1
        year = self.year - 1 if self.quarter < 4 else self.year
        return dt.date(year, month, 1)

    @property
    def end(self) -> dt.date:
        nxt = self.next()
        return nxt.start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.quarter == 4 else Quarter(self.year, self.quarter + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.quarter == 1 else Quarter(self.year, self.quarter - 1)

    def same_quarter_last_year(self) -> Quarter:
        return Quarter(self.year - 1, self.quarter)

    def __str__(self) -> str:
        return self.label


def parse_quarter(text: str, parameter: str = "period") -> Quarter:
    """Read a quarter: ``"2017-18 Q4"``, ``"2017-18Q4"``, ``"2017/18 Q4"``, ``"2017/18 Quarter 4"``.

    Anything else (``"Q5"``, ``"2017 Q4"``, a month) is rejected with the accepted forms.
    """
    raw = str(text).strip()
    m = _QUARTER.match(raw)
    if not m:
        raise ParameterError(
            f"cannot read '{raw}' as a quarter", parameter=parameter,
            expected="a financial-year quarter such as 2017-18 Q4 (also 2017-18Q4, 2017/18 Quarter 4)",
            found=raw,
        )
    return Quarter(_fy_end(m.group(1), m.group(2), raw, parameter), int(m.group(3)))


def quarter_of_month(month: str) -> Quarter:
    """The financial quarter holding a calendar month ``"2018-03"``."""
    m = _MONTH.match(month)
    if not m:
        raise ParameterError(f"cannot read '{month}' as a month", parameter="period",
                             expected="YYYY-MM, e.g. 2018-03", found=month)
    year, mon = int(m.group(1)), int(m.group(2))
    if not 1 <= mon <= 12:
        raise ParameterError(f"month {mon} out of range", parameter="period",
                             expected="YYYY-MM with MM 01-12", found=month)
    fy_end = year + 1 if mon >= 4 else year
    return Quarter(fy_end, (mon - 4) % 12 // 3 + 1)


#: The first quarter the toolkit makes packs for: DfE's published series in data/raw start with
#: 2012-13, the year published during 2013-14.
FIRST_QUARTER = Quarter(2014, 1)


def check_supported_quarter(quarter: Quarter, parameter: str = "period") -> Quarter:
    """``quarter`` unchanged, or a :class:`ParameterError` when it is before 2013-14 Q1."""
    if quarter < FIRST_QUARTER:
        raise ParameterError(
            f"{quarter.label} is before {FIRST_QUARTER.label}, the first quarter the toolkit covers",
            parameter=parameter, expected=f"a quarter from {FIRST_QUARTER.label} onwards",
            found=quarter.label, fix=f"choose {FIRST_QUARTER.label} or later",
        )
    return quarter


def as_quarter(period: Quarter | str) -> Quarter:
    """``period`` as a :class:`Quarter` (a label such as ``"2017-18 Q4"`` is parsed)."""
    return period if isinstance(period, Quarter) else parse_quarter(str(period))
