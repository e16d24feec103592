"""The quarterly series of measures computed from staged returns.

A measure (``(con, period_end) -> one-row frame`` of ``RESULT_COLUMNS``) is run for each
quarter end asked for. A quarter it has no figure for (it raises
:class:`~analysis.core.errors.InputDataError` or :class:`~analysis.core.errors.NoDataError`:
a return it needs is missing or does not reach back far enough;
:class:`~analysis.core.errors.ParameterError`: collected at 31 March only; or its SQL names a
table that is not there) is left out of its series, with one line for the measure; a measure
with no figure at all is left out, with one line saying why. Neither stops the other
measures.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.data.periods import Quarter
from analysis.measures.returns.rows import RESULT_COLUMNS
from analysis.measures.returns.shared import shared_queries

__all__ = ["RESULT_COLUMNS", "Measure", "MeasureSeries", "compute_series", "quarters_between"]

Measure = Callable[[duckdb.DuckDBPyConnection, dt.date], pd.DataFrame]


@dataclass(frozen=True)
class MeasureSeries:
    """Every result (one row per measure and quarter); the measures left out, with why; and
    for a measure computed for some quarters only, the quarters left out and why (the first
    reason)."""

    results: pd.DataFrame
    left_out: dict[str, str]
    gaps: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    #: Measures collected at 31 March only (a figure for each Q4; the other quarters are no gap).
    year_end_only: list[str] = field(default_factory=list)


def quarter_of(day: dt.date) -> Quarter:
    """The financial-year quarter holding ``day``."""
    year = day.year + (day.month > 3)
    return Quarter(year, (day.month - 4) % 12 // 3 + 1)


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """``first`` to ``last`` inclusive; refused when ``last`` comes first."""
    if (last.year, last.quarter) < (first.year, first.quarter):
        raise ParameterError("the last quarter comes before the first", parameter="to",
                             expected=f"{first.label} or later", found=last.label)
    out = [first]
    while out[-1] != last:
        out.append(out[-1].next())
    return out


#: The SSDA903 files by the staged table they give, in words.
_SSDA903_FILES = {"header": "header", "episodes": "episodes", "uasc": "UASC",
                  "reviews": "reviews", "missing": "missing", "oc2": "OC2", "oc3": "OC3"}


def return_of_table(table: str) -> str:
    """The return (file) a staged table comes from, in words (never the table's name)."""
    if table.startswith("cin_"):
        return "the CIN census return"
    kind = table.removeprefix("ssda903_")
    if table.startswith("ssda903_") and kind in _SSDA903_FILES:
        return f"the SSDA903 {_SSDA903_FILES[kind]} file"
    return "a return"


def _year_end_only(outcome: object) -> bool:
    """The measure is collected for the year to 31 March only and this end is in the year."""
    return isinstance(outcome, ParameterError) and outcome.parameter == "period_end"


def _why(exc: Exception) -> str:
    """Why a measure has no figure, in one line a reader can act on."""
    if _year_end_only(exc):
        return "it is collected for the year to 31 March only"
    if isinstance(exc, duckdb.CatalogException):
        m = re.search(r"Table with name (\w+) does not exist", str(exc))
        needed = return_of_table(m.group(1)) if m else "a return"
        return f"it needs {needed}, which was not in the folder of returns"
    return str(exc).splitlines()[0]


_NO_FIGURE = (InputDataError, NoDataError, ParameterError, duckdb.CatalogException)


def _outcomes(con: duckdb.DuckDBPyConnection, measure: Measure,
              ends: list[dt.date]) -> dict[dt.date, dict[str, object] | Exception]:
    """The measure's result record or reason for every end: in one query where the measure
    runs for many ends at once (``many``), else one call per end."""
    many = getattr(measure, "many", None)
    try:
        if many is not None:
            return dict(many(con, ends))
    except _NO_FIGURE as exc:
        return dict.fromkeys(ends, exc)
    out: dict[dt.date, dict[str, object] | Exception] = {}
    for end in ends:
        try:
            out[end] = measure(con, end).iloc[0][RESULT_COLUMNS].to_dict()
        except _NO_FIGURE as exc:
            out[end] = exc
    return out


def compute_series(con: duckdb.DuckDBPyConnection, measures: Mapping[str, Measure],
                   quarters: Sequence[Quarter]) -> MeasureSeries:
    """Run every measure for the end of every quarter. A quarter the measure has no figure
    for (the returns do not reach back far enough, or it is collected at 31 March only) is
    left out of its series; a measure with no figure for any quarter (a return it needs is
    missing) is left out whole."""
    records: list[dict[str, object]] = []
    left_out: dict[str, str] = {}
    gaps: dict[str, tuple[list[str], str]] = {}
    ends = [q.end for q in quarters]
    with shared_queries():
        outcomes_of = {name: _outcomes(con, m, ends) for name, m in measures.items()}
    year_end: list[str] = []
    for name, outcomes in outcomes_of.items():
        rows = [o for q in quarters if isinstance(o := outcomes[q.end], dict)]
        reasons = [(q.label, o) for q in quarters if isinstance(o := outcomes[q.end], Exception)]
        if not rows:
            left_out[name] = _why(reasons[0][1]) if reasons else ""
            continue
        if any(_year_end_only(o) for _, o in reasons):
            year_end.append(name)
        missing = [(label, o) for label, o in reasons if not _year_end_only(o)]
        if missing:
            gaps[name] = ([label for label, _ in missing], _why(missing[0][1]))
        records.extend(rows)
    results = pd.DataFrame(records, columns=RESULT_COLUMNS)
    if len(results):
        results = results.sort_values(["indicator_id", "period_end"], kind="stable")
    return MeasureSeries(results.reset_index(drop=True), left_out, gaps, year_end)
