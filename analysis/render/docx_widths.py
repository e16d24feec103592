"""Column widths of a Word table, worked out from what its cells hold.

Each column gets at least the width of its longest word (so no word breaks inside) and at most
the width of its longest cell on one line; the cells of numeric columns never wrap, and nor do
figures ("142 of 152", "27.1% (2016-17)") while the table fits. When the columns' longest cells
fit the page they get that; otherwise each column gets its longest word plus a share of the
room left in proportion to how much more its longest cell needs (the way a browser lays out a
table). When even the longest words do not fit, the table's text is made smaller (8.5 points
down to 7.5), then figures may take two lines ("142 of" over "152"; 8.5 points down to 7.5),
then wrap between any of their words (8.5 points down to 7).

Text is measured with DejaVu Sans (shipped with matplotlib, so the same on every machine),
which is wider than Arial, the document's font: a width that holds a word in DejaVu Sans holds
it in Arial too, and LibreOffice draws Arial as DejaVu Sans where Arial is not installed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: The font text is measured in (see the module docstring).
MEASURE_FONT = "DejaVu Sans"

#: Room a cell takes beside its text: the left and right cell margins (points each side).
CELL_MARGIN_PT = 2.0

#: Slack on every measured width, for rounding in the word processor's own layout.
SLACK = 1.04

#: How a figure ("142 of 152") may wrap: not at all, in two lines ("142 of" over "152"), or
#: between any of its words.
Figures = Literal["whole", "two_lines", "words"]

#: What is tried, in order, until a table's longest words fit: text size (points) and how
#: figures may wrap; the last is used when nothing fits.
ATTEMPTS: tuple[tuple[float, Figures], ...] = (
    *((size, "whole") for size in (8.5, 8.0, 7.5)),
    *((size, "two_lines") for size in (8.5, 8.0, 7.5)),
    *((size, "words") for size in (8.5, 8.0, 7.5, 7.0)))


@dataclass(frozen=True)
class ColumnText:
    """What one column holds: its header (bold) and its cells, and whether it is numeric
    (numeric cells are never wrapped)."""

    header: str
    cells: tuple[str, ...]
    numeric: bool = False


@dataclass(frozen=True)
class Layout:
    """Widths of a table's columns (points) and the size of its text."""

    widths: tuple[float, ...]
    font_size: float

    @property
    def total(self) -> float:
        return sum(self.widths)


@functools.lru_cache(maxsize=65536)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` on one line, in points, at ``size`` points (DejaVu Sans)."""
    if not text:
        return 0.0
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=MEASURE_FONT, size=100, weight="bold" if bold else "normal")
    width, _, _ = _measurer().get_text_width_height_descent(text, prop, ismath=False)
    return float(width) * size / 100


@functools.cache
def _measurer() -> Any:
    """matplotlib's text measurer (made once, on first use)."""
    from matplotlib.textpath import TextToPath

    return TextToPath()


def words_of(text: str) -> list[str]:
    """The words a line may break between: the text split at white space only."""
    return text.split()


def is_figure(text: str) -> bool:
    """Whether a cell reads as a figure ("27.1% (2016-17)", "142 of 152", "1,429"): its
    first word holds a digit. A figure is kept on one line."""
    words = words_of(text)
    return bool(words) and any(ch.isdigit() for ch in words[0])


def unbreakable(text: str, numeric: bool = False, figures: Figures = "whole") -> list[str]:
    """The pieces of a cell that must each stay on one line: the whole cell when it is in a
    numeric column, or reads as a figure and ``figures`` are kept whole; a figure's last word
    and the rest when they may take two lines; else each word."""
    words = words_of(text)
    if numeric or (figures == "whole" and is_figure(text)):
        return [" ".join(words)] if words else []
    if figures == "two_lines" and is_figure(text) and len(words) > 1:
        return [" ".join(words[:-1]), words[-1]]
    return words


def column_bounds(column: ColumnText, size: float, figures: Figures = "whole") -> tuple[float, float]:
    """(narrowest, widest) width of a column in points at ``size``: its longest piece that
    stays on one line (:func:`unbreakable`) and its longest cell on one line, margins added."""
    pad = 2 * CELL_MARGIN_PT
    header_words = [text_width(w, size, True) for w in words_of(column.header)]
    header_line = text_width(" ".join(words_of(column.header)), size, True)
    lines = [text_width(" ".join(words_of(c)), size) for c in column.cells]
    words = [text_width(w, size) for c in column.cells for w in unbreakable(c, column.numeric, figures)]
    narrowest = max([0.0, *header_words, *words]) * SLACK + pad
    widest = max([0.0, header_line, *lines]) * SLACK + pad
    return narrowest, max(narrowest, widest)


def share_out(bounds: Sequence[tuple[float, float]], available: float) -> tuple[float, ...]:
    """Widths for columns with these (narrowest, widest) bounds within ``available`` points:
    each its widest when they all fit, else its narrowest plus a share of the room left in
    proportion to what its widest needs beyond that. Columns may add up to more than
    ``available`` only when their narrowest widths already do."""
    low = sum(n for n, _ in bounds)
    high = sum(w for _, w in bounds)
    if high <= available:
        return tuple(w for _, w in bounds)
    if low >= available or high == low:
        return tuple(n for n, _ in bounds)
    share = (available - low) / (high - low)
    return tuple(n + (w - n) * share for n, w in bounds)


def table_layout(columns: Sequence[ColumnText], available: float,
                 attempts: Sequence[tuple[float, Figures]] = ATTEMPTS) -> Layout:
    """Column widths and text size for a table on a page ``available`` points wide: the first
    of ``attempts`` (size, how figures wrap) whose longest pieces fit (else the last)."""
    for size, figures in attempts:
        bounds = [column_bounds(c, size, figures) for c in columns]
        if sum(n for n, _ in bounds) <= available or (size, figures) == attempts[-1]:
            return Layout(share_out(bounds, available), size)
    raise ValueError("nothing to try")  # pragma: no cover - attempts is never empty
