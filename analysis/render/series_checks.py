"""Whether a chart's ordered series are in date order, for :mod:`analysis.render.invariants`.

A chart input that is a table with a date or period column ("date", "quarter_order",
"period", "year", "quarter") is a series; within each line of it (one indicator, measure or
LA) the rows must run in date order, worked out from the dates themselves, not the labels'
spelling ("Sep 2017" comes after "2016-17").
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import pandas as pd

from analysis.render.statements import label_date

__all__ = ["series_problems"]

#: The column a series is ordered by, best first.
_ORDER_COLUMNS = ("date", "quarter_order", "period", "quarter", "year")
#: Columns that split a table into lines.
_LINE_COLUMNS = ("indicator", "indicator_code", "measure", "la_code", "series", "old_la_code")


def _order_key(frame: pd.DataFrame) -> tuple[str, list[Any]] | None:
    for column in _ORDER_COLUMNS:
        if column not in frame.columns:
            continue
        values = frame[column].tolist()
        if column in ("quarter_order", "year") and pd.api.types.is_numeric_dtype(frame[column]):
            return column, values
        dates = [label_date(v) for v in values]
        if all(d is not None for d in dates):
            return column, dates
    return None


def _frame_problem(frame: pd.DataFrame) -> tuple[str, str] | None:
    key = _order_key(frame)
    if key is None or len(frame) < 2:
        return None
    column, order = key
    lines = [c for c in _LINE_COLUMNS if c in frame.columns]
    keyed = frame.assign(_order=order).reset_index(drop=True)
    groups = keyed.groupby(lines, sort=False, dropna=False) if lines else [((), keyed)]
    for _, line in groups:
        values = line["_order"].tolist()
        if any(b < a for a, b in pairwise(values)):
            shown = ", ".join(str(v) for v in line[column].tolist()[:8])
            return shown, f"rows not in date order by {column}"
    return None


def series_problems(inputs: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(input name, the order shown, why)`` for every chart input series out of date order."""
    found = []
    for name, value in inputs.items():
        if isinstance(value, pd.DataFrame):
            problem = _frame_problem(value)
            if problem:
                found.append((name, *problem))
    return found
