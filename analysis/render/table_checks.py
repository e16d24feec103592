"""Checks on a table as a reader sees it, for :mod:`analysis.render.invariants`.

Each check takes a :class:`~analysis.core.blocks.Table` and returns ``(where, text, why)``
for every cell that says something untrue: a percentage beside counts that do not give it,
a rank or band beside no figure or no year, a count ranked or set beside England's figure.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from analysis.core.blocks import Column, Table
from analysis.core.evidence import percent_matches, percent_of, percent_possible
from analysis.render.statements import cell_text, displayed

__all__ = ["ABOUT_STEP", "counts_problems", "percent_statement_problem", "rank_problems",
           "table_percent_problems"]

#: The rounding step allowed when counts are said to be "about" (DfE rounds to 10 at most).
ABOUT_STEP = 10

Found = tuple[str, str, str]

_COUNTS_CELL = re.compile(r"^(?P<about>about\s+)?(?P<num>\d[\d,]*)\s+of\s+(?P<about2>about\s+)?(?P<den>\d[\d,]*)$")
_RANK_NAMES = {"rank", "band", "quartile", "quartile band", "position"}
_RANK_KEYS = {"rank", "quartile", "position"}
#: What a rank or band says: "142 of 152", "20th highest of 151", "D".
_RANK_CELL = re.compile(r"^(\d+(st|nd|rd|th)?\b.*\bof \d+|[A-D])$")
_YEAR_NAMES = {"year", "period", "benchmark_year", "benchmark year"}
_COMPARATOR_NAMES = {"england", "england_value", "region", "region_value", "sn_mean", "sn_mean_value",
                     "neighbours", "statistical neighbours"}
_NOT_VALUES = {"text", "status", "direction", "date"}


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def percent_statement_problem(pct: str, num: str, den: str, about: bool) -> str | None:
    """Why "pct% (num of den)" is not true, or None. Exact counts must give the percentage at
    its shown precision; "about" counts must allow it within a rounding step of 10."""
    n, d = _number(num), _number(den)
    if d <= 0 or n > d:
        return f"{num} of {den} is not a share"
    decimals = len(pct.split(".")[1]) if "." in pct else 0
    if about:
        if percent_possible(n, d, float(pct), decimals, ABOUT_STEP):
            return None
        return f"{pct}% cannot come from about {num} of {den}"
    worked = percent_of(n, d, decimals)
    if percent_matches(n, d, pct, decimals):
        return None
    return f"{num} of {den} is {worked}%, not {pct}% (if DfE rounded the counts, say \"about\")"


def _is(column: Column, names: set[str]) -> bool:
    return column.key.lower() in names or column.label.lower() in names


def _is_rank(column: Column) -> bool:
    """A rank, position or quartile band (a "band" key alone can be a band of time: a rank
    says so in its heading)."""
    return column.key.lower() in _RANK_KEYS or column.label.lower() in _RANK_NAMES


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value))) or value == ""


def row_unit(column: Column, row: pd.Series) -> str:
    """The unit of a cell: its row's unit column where the column has one, else its kind."""
    if column.unit_key is not None and not _missing(row.get(column.unit_key)):
        return str(row[column.unit_key])
    return column.kind


def row_decimals(column: Column, row: pd.Series) -> int:
    """How many decimals a renderer shows a cell with (1 when nothing says)."""
    if column.decimals is not None:
        return column.decimals
    if column.decimals_key is not None and not _missing(row.get(column.decimals_key)):
        return int(row[column.decimals_key])
    return 1


def _shown(value: Any, decimals: int) -> str:
    return f"{float(value):.{decimals}f}"


def table_percent_problems(table: Table) -> list[Found]:
    """A counts cell ("75 of 165") gives the percentage in the nearest percent column to its left."""
    found: list[Found] = []
    columns = displayed(table)
    for i, (_, row) in enumerate(table.frame.iterrows(), start=1):
        for at, column in enumerate(columns):
            counts = column.kind == "text" and not _is_rank(column)
            m = _COUNTS_CELL.match(cell_text(row[column.key]).strip()) if counts else None
            if not m:
                continue
            left = [c for c in columns[:at] if row_unit(c, row) == "percent" and not _missing(row[c.key])]
            if not left:
                continue
            value = left[-1]
            pct = _shown(row[value.key], row_decimals(value, row))
            why = percent_statement_problem(pct, m["num"], m["den"], bool(m["about"] or m["about2"]))
            if why:
                found.append((f"table {table.name}, row {i}, columns {value.label} and {column.label}",
                              f"{pct}% ({m.group(0)})", why))
    return found


def _value_column(columns: list[Column]) -> Column | None:
    for column in columns:
        if column.kind not in _NOT_VALUES and not (_is_rank(column) or _is(column, _COMPARATOR_NAMES)):
            return column
    return None


def _row_name(row: pd.Series, columns: list[Column]) -> str:
    named_first = sorted(columns, key=lambda c: c.key not in ("measure", "label", "indicator"))
    texts = [cell_text(row[c.key]) for c in named_first if c.kind == "text" and not _is_rank(c)]
    named = [t for t in texts if t]
    return named[0] if named else ""


#: A cell that states a figure with its year: "27.1% (2016-17)", "17.3 (Sep 2017)".
_FIGURE_WITH_YEAR = re.compile(r"^(about )?\d[\d,.]*%?\s*\((\d{4}-\d{2}|\d{4}|[A-Z][a-z]{2} \d{4})\)$")


def _states_figure_and_year(row: pd.Series, columns: list[Column]) -> bool:
    return any(_FIGURE_WITH_YEAR.match(cell_text(row[c.key]).strip()) for c in columns
               if c.kind == "text" and not _is_rank(c))


def rank_problems(table: Table) -> list[Found]:
    """A rank or band cell sits in a row that shows the figure it ranks and its year (a year
    column and a figure, or one cell such as "27.1% (2016-17)")."""
    columns = displayed(table)
    ranks = [c for c in columns if _is_rank(c)]
    if not ranks:
        return []
    has_year = any(_is(c, _YEAR_NAMES) for c in columns)
    value = _value_column(columns)
    found: list[Found] = []
    for i, (_, row) in enumerate(table.frame.iterrows(), start=1):
        for rank in ranks:
            text = cell_text(row[rank.key]).strip()
            if not _RANK_CELL.match(text) or _states_figure_and_year(row, columns):
                continue
            where = f"table {table.name}, row {i}, column {rank.label}"
            shown = f"{_row_name(row, columns)}: {rank.label} {text}"
            if value is None or _missing(row[value.key]):
                found.append((where, shown, "a rank or band with no figure beside it"))
            elif not has_year:
                found.append((where, f"{shown}, beside {value.label} {row[value.key]}",
                              f"the table shows no year for the ranked figure, so the rank may not "
                              f"rank the figure beside it ({value.label})"))
    return found


def counts_problems(table: Table) -> list[Found]:
    """A whole-number count is not ranked, nor set beside England's, the region's or the
    neighbours' figure (an LA's count and England's total are not comparable)."""
    columns = displayed(table)
    value = _value_column(columns)
    if value is None:
        return []
    others = [c for c in columns if (_is_rank(c) or _is(c, _COMPARATOR_NAMES))]
    found: list[Found] = []
    for i, (_, row) in enumerate(table.frame.iterrows(), start=1):
        if row_unit(value, row) != "count" or row_decimals(value, row) != 0 or _missing(row[value.key]):
            continue
        for other in others:
            if not _missing(row[other.key]):
                found.append((f"table {table.name}, row {i}, column {other.label}",
                              f"{_row_name(row, columns)}: {value.label} {row[value.key]}, "
                              f"{other.label} {cell_text(row[other.key])}",
                              "a count ranked or set beside a comparator's figure"))
    return found
