"""A measure's result: one row of a fixed set of columns, and the helpers every measure shares.

A result says which indicator (the catalogue id), which period (``2017-18 Q4`` for the 12 months
to a quarter's end, ``2017-18`` for a year ending 31 March, the ISO date for any other day), the
basis (``rolling_12_months``, ``at_date`` or ``year_to_31_march``), the value with the counts
behind it (for a rate per 10,000: the count and the child population), the unit and the files it
was computed from (the staged returns' files, and for a rate the population estimates' file).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import AnalysisError, InputDataError, NoDataError
from analysis.data.catalogue import load_catalogue
from analysis.data.periods import Quarter, financial_year_label
from analysis.measures.returns.shared import fetch_all

RESULT_COLUMNS: list[str] = [
    "indicator_id", "period", "period_end", "basis", "value",
    "numerator", "denominator", "unit", "files",
]

ROLLING = "rolling_12_months"
AT_DATE = "at_date"
YEAR_TO_31_MARCH = "year_to_31_march"


def financial_year_of(day: dt.date) -> int:
    """The year ending 31 March that holds ``day`` (2018 for 2017-04-01 to 2018-03-31)."""
    return day.year + 1 if day.month >= 4 else day.year


def is_31_march(day: dt.date) -> bool:
    return day.month == 3 and day.day == 31


def long_date(day: dt.date) -> str:
    """``1 January 2016``."""
    return f"{day.day} {day:%B %Y}"


def period_label(period_end: dt.date) -> str:
    """``2017-18`` for 31 March 2018, ``2017-18 Q3`` for 31 December 2017, else the ISO date."""
    if is_31_march(period_end):
        return financial_year_label(period_end.year)
    fy = financial_year_of(period_end)
    for q in (1, 2, 3):
        if Quarter(fy, q).end == period_end:
            return Quarter(fy, q).label
    return period_end.isoformat()


def year_basis(period_end: dt.date) -> str:
    """The basis of a measure counting a year: the year to 31 March, or any 12 months."""
    return YEAR_TO_31_MARCH if is_31_march(period_end) else ROLLING


def window_start(period_end: dt.date) -> dt.date:
    """First day of the 12 months ending ``period_end`` (1 April 2017 for 31 March 2018;
    29 February 2020 for 28 February 2021)."""
    return (pd.Timestamp(period_end) - pd.DateOffset(months=12)).date() + dt.timedelta(days=1)


def census_year_of(day: dt.date) -> int:
    """The CIN census year (year of its 31 March) whose return covers ``day``."""
    return financial_year_of(day)


#: What each staged table holds, in words for messages.
TABLE_WORDS: dict[str, str] = {
    "cin_children": "children",
    "cin_episodes": "referrals and episodes of need",
    "cin_plans": "child in need plans",
    "cin_assessments": "assessments",
    "cin_s47": "section 47 enquiries",
    "cin_cp_plans": "child protection plans",
}


def label(indicator_id: str) -> str:
    """The indicator's label from the catalogue, for messages (its id if there is none)."""
    try:
        catalogue = load_catalogue(Paths.for_root().config / "indicators.yaml")
        return catalogue.indicators[indicator_id].label
    except (AnalysisError, KeyError, OSError):
        return indicator_id


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables and views on ``con``."""
    return {str(r[0]) for r in fetch_all(
        con, "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()")}


def require_table(con: duckdb.DuckDBPyConnection, table: str, indicator_id: str) -> None:
    """Raise a clear error when a staged table the measure needs is not there."""
    if table not in table_names(con):
        words = TABLE_WORDS.get(table, "records")
        raise InputDataError(
            f"the staged CIN census returns hold no {words}, needed for {label(indicator_id)}",
            expected=f"CIN census files with {words}",
            found="none staged",
            fix="stage the LA's CIN census files (every year the period needs) first",
        )


def census_years(con: duckdb.DuckDBPyConnection, table: str, indicator_id: str) -> set[int]:
    """The census years ``table`` holds (after checking it is there)."""
    require_table(con, table, indicator_id)
    return {int(r[0]) for r in fetch_all(
        con, f"SELECT DISTINCT census_year FROM {table} WHERE census_year IS NOT NULL")}


def missing_years(have: set[int], first: dt.date, last: dt.date,
                  indicator_id: str) -> NoDataError | None:
    """Why there is no figure when ``have`` lacks a census year from the one covering
    ``first`` to the one covering ``last`` (``None`` when it holds them all)."""
    need = set(range(census_year_of(first), census_year_of(last) + 1))
    missing = sorted(need - have)
    if not missing:
        return None
    shown = ", ".join(financial_year_label(y) for y in missing)
    return NoDataError(
        f"{label(indicator_id)} from {long_date(first)} to {long_date(last)} needs the CIN "
        f"census of {shown}, which is not among the staged returns",
        fix="stage the census files of those years",
    )


def require_years(con: duckdb.DuckDBPyConnection, table: str, first: dt.date, last: dt.date,
                  indicator_id: str) -> None:
    """Raise ``NoDataError`` unless ``table`` holds every census year from the one covering
    ``first`` to the one covering ``last``."""
    why = missing_years(census_years(con, table, indicator_id), first, last, indicator_id)
    if why is not None:
        raise why


def files_used(con: duckdb.DuckDBPyConnection, tables: list[str]) -> str:
    """The staged ``source_file`` names of ``tables``, sorted, joined by "; "."""
    union = " UNION ".join(f"SELECT DISTINCT source_file FROM {t}" for t in tables)
    names = sorted(str(r[0]) for r in fetch_all(con, union) if r[0] is not None)
    return "; ".join(names)


def result_record(indicator_id: str, period_end: dt.date, basis: str, value: float,
                  numerator: float | None, denominator: float | None, unit: str,
                  files: str) -> dict[str, object]:
    """One measure result as a record with exactly ``RESULT_COLUMNS``."""
    def num(x: float | None) -> float:
        return float("nan") if x is None else float(x)

    return {"indicator_id": indicator_id, "period": period_label(period_end),
            "period_end": period_end, "basis": basis, "value": float(value),
            "numerator": num(numerator), "denominator": num(denominator), "unit": unit,
            "files": files}


def percent_record(indicator_id: str, period_end: dt.date, basis: str, numerator: int,
                   denominator: int, files: str, what: str) -> dict[str, object] | NoDataError:
    """A percentage result, or why there is none (nothing was counted)."""
    if denominator == 0:
        return NoDataError(f"no {what} in the staged returns for {period_label(period_end)}, "
                           f"so {label(indicator_id)} has no figure")
    return result_record(indicator_id, period_end, basis, 100.0 * numerator / denominator,
                         numerator, denominator, "percent", files)


def result_row(indicator_id: str, period_end: dt.date, basis: str, value: float,
               numerator: float | None, denominator: float | None, unit: str,
               files: str) -> pd.DataFrame:
    """One measure result as a one-row frame with exactly ``RESULT_COLUMNS``."""
    return pd.DataFrame([result_record(indicator_id, period_end, basis, value, numerator,
                                       denominator, unit, files)], columns=RESULT_COLUMNS)
