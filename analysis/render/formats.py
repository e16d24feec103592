"""How one cell of a table is shown: the single formatter every renderer uses.

A :class:`~analysis.core.blocks.Table` keeps its numbers; each :class:`~analysis.core.blocks.Column`
says its kind and decimals. :func:`format_cell` turns one value into the text a reader sees
(HTML, Word, PDF, notebook and terminal alike): percentages and rates with the column's
decimals, counts as whole numbers with thousands separators, blanks with a reason, statuses
and directions as words with a symbol. A column has one format: its kind and decimals, or, in
a column holding several measures, each row's measure's unit and decimals; a "number" column
with no decimals given takes the most its figures need, for the whole column
(:func:`column_decimals`). A hidden count shows as "c" everywhere (DfE's symbol).

Downloads (CSV, XLSX) keep the numbers instead, in the same format: :func:`download_cell` gives
a cell's number rounded to the column's decimals (a whole number as an integer), or its symbol
("c") where it is hidden, and :func:`excel_format` its spreadsheet number format.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from analysis.core.blocks import Column, Section, Table

#: Default decimals per kind when a column gives none ("number": as many as the value has,
#: up to :data:`MOST_DECIMALS`).
DEFAULT_DECIMALS: dict[str, int] = {
    "percent": 1, "rate_per_10000": 1, "rate_per_100000": 1, "count": 0, "days": 0,
    "ratio": 2,
}

#: Most decimals shown for a number given as reported.
MOST_DECIMALS = 3

#: Catalogue and local-return units as column kinds; any other unit is a plain number.
UNIT_KINDS: dict[str, str] = {
    "percent": "percent", "percentage": "percent", "count": "count", "number": "number",
    "rate_per_10000": "rate_per_10000", "rate_per_100000": "rate_per_100000",
    "days": "days", "ratio": "ratio",
}

#: Why a figure is blank, from DfE's symbols (analysis.data.readers.symbols) and common words.
BLANK_REASONS: dict[str, str] = {
    "c": "c",
    "suppressed": "c",
    "x": "not available",
    "z": "not applicable",
    ":": "not available",
    "u": "low reliability",
    "k": "less than 0.5",
    "low": "rounds to zero",
    "-": "not published",
    "missing": "not published",
    "not_published": "not published",
    "no_value": "no value reported",
    "no_target": "no target",
}

#: Statuses against target and tolerance, judgements and directions: symbol and words.
WORDS: dict[str, str] = {
    # status against target and tolerance (analysis.measures.local_status)
    "on_target": "● On target",
    "inside_tolerance": "◐ Inside tolerance",
    "outside_tolerance": "○ Outside tolerance",
    "no_target": "No target",
    "no_value": "No value",
    # judgement against a comparator (analysis.engine.judgement)
    "better": "▲ Better",
    "similar": "■ Similar",
    "worse": "▼ Worse",
    "not compared": "Not compared",
    # direction of travel (analysis.engine.benchmark, analysis.measures.local_status)
    "improved": "▲ Improved",
    "improving": "▲ Improving",
    "worsened": "▼ Worsened",
    "worsening": "▼ Worsening",
    "no change": "► No change",
    "higher": "↑ Higher",
    "lower": "↓ Lower",
    "no comparison": "No comparison",
    # direction worked out from the two quarters' statuses where a value is unknown
    "status improved": "▲ Status improved",
    "status worsened": "▼ Status worsened",
    "status unchanged": "► Status unchanged",
}

_NUMERIC_KINDS = frozenset({"percent", "rate_per_10000", "rate_per_100000", "count", "days",
                            "number", "ratio"})


def is_blank(value: Any) -> bool:
    """None, NaN, NaT, pd.NA or an empty string."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def blank_text(reason: Any = None, column: Column | None = None) -> str:
    """The words for an empty cell: the reason when there is one, else a dash or nothing."""
    if not is_blank(reason):
        text = str(reason).strip()
        return BLANK_REASONS.get(text.lower(), text)
    if column is not None and column.kind in _NUMERIC_KINDS:
        return "–"
    return ""


def words(value: str) -> str:
    """A status, judgement or direction code as words with its symbol
    (``outside_tolerance`` -> "○ Outside tolerance"); other codes with spaces for '_'."""
    key = value.strip()
    found = WORDS.get(key) or WORDS.get(key.lower())
    if found:
        return found
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def _number(value: float, decimals: int) -> str:
    """``value`` with thousands separators and ``decimals`` places; a value that is not zero
    never shows as zero ("<0.1" instead of "0.0")."""
    text = f"{value:,.{decimals}f}"
    if value != 0 and float(text.replace(",", "")) == 0:
        smallest = f"{10 ** -decimals:.{decimals}f}" if decimals else "1"
        return f"<{smallest}" if value > 0 else f">-{smallest}"
    return text


def reported_decimals(value: float, most: int = MOST_DECIMALS) -> int:
    """The fewest decimals (up to ``most``) that show ``value`` as given: 31.0 -> 0, 0.04 -> 2."""
    for places in range(most + 1):
        if abs(round(value, places) - value) < 1e-9:
            return places
    return most


def decimals_for(column: Column, value: float | None = None) -> int:
    if column.decimals is not None:
        return column.decimals
    if column.kind in DEFAULT_DECIMALS:
        return DEFAULT_DECIMALS[column.kind]
    return reported_decimals(value) if value is not None else 1


def kind_for_unit(unit: Any) -> str:
    """A unit from the catalogue or a local return as a column kind ("number" if unknown)."""
    return UNIT_KINDS.get(str(unit).strip().lower(), "number") if not is_blank(unit) else "number"


def row_column(column: Column, row: Mapping[Any, Any]) -> Column:
    """``column`` with this row's kind and decimals, for a column of mixed measures."""
    changes: dict[str, Any] = {}
    if column.unit_key:
        changes["kind"] = kind_for_unit(row.get(column.unit_key))
    if column.decimals_key and not is_blank(row.get(column.decimals_key)):
        changes["decimals"] = int(row[column.decimals_key])
    return replace(column, **changes) if changes else column


def format_cell(value: Any, column: Column, reason: Any = None) -> str:
    """One cell as the text a reader sees.

    ``reason``: why the cell is blank, when the frame gives one (a DfE symbol such as "c" or
    words such as "not published"); used only when ``value`` is blank.
    """
    if is_blank(value):
        return blank_text(reason, column)
    kind = column.kind
    if kind in ("status", "direction"):
        return words(str(value))
    if kind == "date":
        if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
            return f"{value.day} {value:%B %Y}"
        return str(value)
    if kind in _NUMERIC_KINDS:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            # text in a number column (a symbol or words the source printed): shown as words
            return blank_text(value, column) if str(value).strip().lower() in BLANK_REASONS else str(value)
        number = float(value)
        if kind == "count":
            return _number(number, 0 if column.decimals is None else column.decimals)
        text = _number(number, decimals_for(column, number))
        return text + "%" if kind == "percent" else text
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def reason_column(column: Column, frame: pd.DataFrame) -> str | None:
    """The frame's column that says why a cell of ``column`` is blank, if it has one:
    ``reason_key``, else ``<key>_reason`` or ``<key>_status``."""
    if column.reason_key:
        return column.reason_key
    for suffix in ("_reason", "_status"):
        if f"{column.key}{suffix}" in frame.columns:
            return f"{column.key}{suffix}"
    return None


def column_decimals(frame: pd.DataFrame, column: Column) -> Column:
    """``column`` with the decimals its whole column is shown with, where it gives none: a
    "number" column of one measure (no ``unit_key``) takes the most decimals any
    of its figures needs (up to :data:`MOST_DECIMALS`), so one column has one format
    (439.0 beside 27.5, never 439 beside 27.5); other kinds keep their defaults."""
    if (column.decimals is not None or column.kind != "number" or column.unit_key
            or column.key not in frame.columns):
        return column
    figures = [float(v) for v in frame[column.key]
               if isinstance(v, numbers.Real) and not isinstance(v, bool) and not is_blank(v)]
    return replace(column, decimals=max(reported_decimals(v) for v in figures)) if figures else column


def formatted_rows(frame: pd.DataFrame, columns: tuple[Column, ...] | list[Column]) -> list[list[str]]:
    """Every row of ``frame`` formatted for display, in the order of ``columns``, each column
    in one format (:func:`column_decimals`, :func:`row_column`)."""
    columns = [column_decimals(frame, c) for c in columns]
    reasons = {c.key: reason_column(c, frame) for c in columns}
    rows = []
    for record in frame.to_dict("records"):
        rows.append([format_cell(record.get(c.key), row_column(c, record),
                                 record.get(reasons[c.key]) if reasons[c.key] else None)
                     for c in columns])
    return rows


#: DfE's symbols a download keeps in a blank cell ("c": a hidden count), as DfE's own files do.
DOWNLOAD_SYMBOLS = frozenset({"c", "x", "z", "u", "k", ":", "low"})


def _symbol(value: Any) -> str | None:
    text = str(value).strip() if not is_blank(value) else ""  # DfE's symbols are lower case
    if text.lower() == "suppressed":
        return "c"
    return text if text in DOWNLOAD_SYMBOLS else None


def download_cell(value: Any, column: Column, reason: Any = None) -> Any:
    """One cell as a download holds it: a number rounded to the column's decimals (an int
    when it has none: 845, never 845.0; a figure that is not zero never rounded to zero), a
    hidden or withheld figure as DfE's symbol ("c"), a blank as None (empty text stays empty
    text), anything else as it is. ``column`` as :func:`row_column` gives it."""
    if is_blank(value):
        symbol = _symbol(reason)
        return symbol if symbol is not None else ("" if isinstance(value, str) else None)
    if column.kind not in _NUMERIC_KINDS or isinstance(value, bool):
        return value
    if not isinstance(value, numbers.Real):
        return _symbol(value) or value
    number = float(value)
    places = (column.decimals or 0) if column.kind == "count" else decimals_for(column, number)
    rounded = round(number, places)
    if rounded == 0 and number != 0:  # 0.04 at one decimal: kept as reported, as the page says "<0.1"
        return round(number, max(places, reported_decimals(number)))
    return int(rounded) if places == 0 else rounded


def excel_format(column: Column, value: Any) -> str | None:
    """The spreadsheet number format for a download cell of ``column`` (as
    :func:`row_column` gives it): thousands separators and the column's decimals
    ("#,##0", "#,##0.0"); None for a cell that is not a number."""
    if column.kind not in _NUMERIC_KINDS or isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    places = (column.decimals or 0) if column.kind == "count" else decimals_for(column, float(value))
    return "#,##0" + ("." + "0" * places if places else "")


#: A unit said in a download's heading, for a column of one unit (the numbers carry none).
HEADING_UNITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "percent": ("%", ("%", "per cent", "percentage")),
    "rate_per_10000": ("per 10,000", ("10,000",)),
    "rate_per_100000": ("per 100,000", ("100,000",)),
    "days": ("days", ("days",)),
}


def download_label(column: Column) -> str:
    """A column's heading in a download: its label, with its unit where the column has one
    unit and the label does not say it ("Target (%)"); a column of several measures has a
    unit column beside it instead."""
    unit = HEADING_UNITS.get(column.kind) if not column.unit_key else None
    if unit is None or any(word in column.label.lower() for word in unit[1]):
        return column.label
    return f"{column.label} ({unit[0]})"


def is_numeric(column: Column) -> bool:
    """Numbers are right-aligned."""
    return column.kind in _NUMERIC_KINDS or column.unit_key is not None


def shows_hidden(frame: pd.DataFrame, columns: tuple[Column, ...] | list[Column]) -> bool:
    """Whether any shown cell of ``columns`` is a hidden figure ("c", or blank with "c" as
    its reason): a document says once what "c" means, under the first table that shows one."""
    for column in columns:
        if not column.display or column.key not in frame.columns or not is_numeric(column):
            continue
        reason = reason_column(column, frame)
        cells = [frame[column.key]] + ([frame[reason]] if reason else [])
        if any(_symbol(v) == "c" for series in cells for v in series):
            return True
    return False


def explain_hidden_once(sections: Sequence[Section], line: str,
                        fallback: Callable[[Table], bool] | None = None) -> tuple[Section, ...]:
    """``sections`` with ``line`` (what "c" means) as a note under the first table that shows
    a hidden figure (:func:`shows_hidden`), or, where none does, under the first table
    ``fallback`` picks (none: no note), so a document says it once."""
    tables = [b for s in sections for b in s.blocks if isinstance(b, Table)]
    first = next((t for t in tables if shows_hidden(t.frame, t.columns)), None)
    if first is None and fallback is not None:
        first = next((t for t in tables if fallback(t)), None)
    if first is None or line in first.notes:
        return tuple(sections)
    noted = replace(first, notes=(*first.notes, line))
    return tuple(replace(s, blocks=tuple(noted if b is first else b for b in s.blocks)) for s in sections)
