"""What a pack says, piece by piece, for :mod:`analysis.render.invariants` to check.

:func:`statements` walks a :class:`~analysis.core.blocks.Pack` and yields every piece of text
a reader sees, with where it is: section intros, text blocks, notes, table captions, source
lines, notes, displayed column headings and displayed text cells, chart titles and alt text.
:func:`period_end` and :func:`label_date` read the period labels packs use ("2017-18 Q4",
"2016-17", "Sep 2017", "2016", "2018-19 (year ending 31 March 2019)").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.core.blocks import Chart, Column, Note, Pack, Table, Text

__all__ = ["Statement", "cell_text", "displayed", "label_date", "period_end", "statements"]

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_QUARTER = re.compile(r"(\d{4})[-/](\d{2}|\d{4})\s*Q(?:uarter\s*)?([1-4])", re.IGNORECASE)
_FINANCIAL = re.compile(r"(\d{4})[-/](\d{2}|\d{4})\b")
_MONTH_YEAR = re.compile(r"\b(\d{1,2}\s+)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{4})\b",
                         re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Statement:
    """One piece of reader-facing text and where it is (``where``: "text", "table profile,
    row 3, column Rank", "chart overview, alt text")."""

    section: str
    where: str
    text: str


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def period_end(label: object) -> dt.date | None:
    """The last day of the period a label names: "2017-18 Q4" -> 31 Mar 2018, "2016-17" ->
    31 Mar 2017, "Sep 2017" -> 30 Sep 2017, "2016" -> 31 Dec 2016, "7 December 2026" -> that day, "2012-13 to
    2024-25" -> 31 Mar 2025; None if not a period."""
    text = str(label or "").split(" to ")[-1]  # a range ends when its last period ends
    if m := _QUARTER.search(text):
        start = int(m.group(1))
        q = int(m.group(3))
        year, month = (start, 3 * q + 3) if q < 4 else (start + 1, 3)
        return _month_end(year, month)
    if m := re.search(r"year ending (\d{1,2}) (\w+) (\d{4})", text, re.IGNORECASE):
        named = _MONTHS.get(m.group(2)[:3].lower())
        if named:
            return dt.date(int(m.group(3)), named, int(m.group(1)))
    if m := _FINANCIAL.search(text):
        start, end = int(m.group(1)), m.group(2)
        end_year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        if end_year == start + 1:
            return dt.date(end_year, 3, 31)
    if m := _MONTH_YEAR.search(text):
        month, year = _MONTHS[m.group(2)[:3].lower()], int(m.group(3))
        return dt.date(year, month, int(m.group(1))) if m.group(1) else _month_end(year, month)
    if m := _YEAR.match(text):
        return dt.date(int(m.group(1)), 12, 31)
    return None


def label_date(label: object) -> dt.date | None:
    """The date a period label sorts by (its end), or a date or timestamp itself."""
    if isinstance(label, dt.datetime | pd.Timestamp):
        return pd.Timestamp(label).date()
    if isinstance(label, dt.date):
        return label
    return period_end(label)


def displayed(table: Table) -> list[Column]:
    """The columns a reader sees."""
    return [c for c in table.columns if c.display]


def cell_text(value: object) -> str:
    """A text cell as a renderer shows it (blank for missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _table_statements(section: str, table: Table) -> Iterator[Statement]:
    where = f"table {table.name}"
    yield Statement(section, f"{where}, caption", table.caption)
    yield Statement(section, f"{where}, source", table.source)
    for note in table.notes:
        yield Statement(section, f"{where}, note", note)
    for column in displayed(table):
        yield Statement(section, f"{where}, heading", column.label)
        if column.kind != "text":
            continue
        for i, value in enumerate(table.frame[column.key].tolist(), start=1):
            text = cell_text(value)
            if text:
                yield Statement(section, f"{where}, row {i}, column {column.label}", text)


def statements(pack: Pack) -> Iterator[Statement]:
    """Every piece of text a reader of ``pack`` sees, in order, with where it is."""
    yield Statement("title", "title", pack.title)
    for key, value in pack.meta.items():
        yield Statement("title", f"facts, {key}", str(value))
    for section in pack.sections:
        yield Statement(section.id, "title", section.title)
        if section.intro:
            yield Statement(section.id, "intro", section.intro)
        for block in section.blocks:
            match block:
                case Text():
                    yield Statement(section.id, "text", block.markdown)
                case Note():
                    yield Statement(section.id, "note", block.message)
                case Table():
                    yield from _table_statements(section.id, block)
                case Chart():
                    yield Statement(section.id, f"chart {block.name}, title", block.title)
                    yield Statement(section.id, f"chart {block.name}, alt text", block.alt_text)
                    yield Statement(section.id, f"chart {block.name}, source", block.source)
