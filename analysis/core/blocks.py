"""A pack as a value: sections of text, tables, charts and notes, rendered many ways.

Builders (``analysis.quarterly_pack.report``, ``analysis.deep_dive.report``, ``analysis.explorer.report``) return these
values and write nothing; renderers (``analysis.render``) turn one value into notebook
display, files, HTML, PDF, Word or terminal text. Values are frozen dataclasses: make a
variant with :func:`dataclasses.replace`. A frozen dataclass does not freeze a DataFrame: by
convention nobody changes a frame once it is in a block, and renderers copy before formatting.

A :class:`Chart` holds a plot function from ``analysis.charts`` and its inputs, not a drawn
figure: it pickles, builders stay cheap, and each renderer draws only what it needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from analysis.core.errors import ParameterError
from analysis.core.evidence import Figure

#: Chart and table names are file names (``charts/<name>.png``, ``tables/<name>.csv``).
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")

#: How a table column is formatted: a unit from the indicator catalogue, or plain text.
ColumnKind = Literal["text", "percent", "rate_per_10000", "rate_per_100000", "count", "days",
                     "number", "ratio", "date", "status", "direction"]

#: What a note says: a figure or section missing, a section left out, a caveat, an old figure.
NoteKind = Literal["missing", "left_out", "caveat", "stale"]

#: The facts on a pack's first page, in this order, by ``Pack.meta`` key. ``la`` and
#: ``period`` also make the PDF's running header. Other keys follow, under their own name.
META_LABELS: dict[str, str] = {
    "la": "Local authority",
    "period": "Period",
    "made": "Date made",
    "sources": "Data sources",
}


def _check_name(name: str, what: str) -> None:
    if not _NAME.match(name or ""):
        raise ParameterError(
            f"a {what} name must be usable as a file name", parameter=f"{what} name", expected="lower-case letters, digits, '_' or '-'",
            found=repr(name), fix=f"give the {what} a slug name such as 're_referrals_trend'")


@dataclass(frozen=True)
class Text:
    """A paragraph or list, in Markdown (renderers escape any HTML in it). ``figures``: the
    evidence for the figures it states, where its builder gives it (checked before the pack
    is written: :mod:`analysis.render.invariants`)."""

    markdown: str
    figures: tuple[Figure, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Column:
    """How one column of a :class:`Table` is shown.

    ``key`` is the frame's column; ``label`` its heading. ``kind`` and ``decimals`` say how a
    renderer formats the numbers (from the catalogue for indicator values). ``display`` and
    ``download`` say whether the column is shown on the page and written to CSV/XLSX.

    A column holding several measures (a profile table) takes each row's unit and decimals
    from other columns of the frame: ``unit_key`` (a catalogue unit such as "percent",
    "count", "rate_per_10000") and ``decimals_key``. ``reason_key`` names the column saying
    why a cell is blank (a DfE symbol such as "c", or words such as "not published"); without
    it, a ``<key>_reason`` or ``<key>_status`` column is used where the frame has one.
    """

    key: str
    label: str
    kind: ColumnKind = "text"
    decimals: int | None = None
    display: bool = True
    download: bool = True
    unit_key: str | None = None
    decimals_key: str | None = None
    reason_key: str | None = None


@dataclass(frozen=True)
class Table:
    """A table that keeps its numbers; renderers format them from ``columns``."""

    name: str
    frame: pd.DataFrame = field(compare=False)
    columns: tuple[Column, ...]
    caption: str
    source: str = ""
    notes: tuple[str, ...] = ()
    #: The evidence for the figures the table states, where its builder gives it.
    figures: tuple[Figure, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        _check_name(self.name, "table")
        missing = [k for c in self.columns for k in (c.key, c.unit_key, c.decimals_key, c.reason_key)
                   if k is not None and k not in self.frame.columns]
        if missing:
            raise ParameterError(f"table {self.name} lists columns its frame does not have",
                                 parameter=f"table {self.name} columns", expected="columns of its frame",
                                 found=", ".join(missing), fix="name only columns the frame has")


@dataclass(frozen=True)
class Chart:
    """A chart: a plot function (``ax=`` in, Axes out) and its inputs, with alt text and source.

    ``plot(**inputs, ax=ax)`` draws it. ``alt_text`` is required: a chart without a real
    description is an error, never a default.
    """

    name: str
    plot: Callable[..., Any] = field(compare=False)
    inputs: Mapping[str, Any] = field(compare=False)
    alt_text: str
    source: str = ""
    title: str = ""
    synthetic: bool = False

    def __post_init__(self) -> None:
        _check_name(self.name, "chart")
        if not (self.alt_text or "").strip():
            raise ParameterError(f"chart {self.name} has no alt text",
                                 parameter=f"chart {self.name} alt_text", expected="a description",
                                 found="nothing", fix="describe what the chart shows")

    def draw(self) -> Any:
        """Draw the chart on a new figure and return the figure."""
        ax = self.plot(**self.inputs)
        return ax.figure


@dataclass(frozen=True)
class Note:
    """A line saying what is missing or left out, and why (never a silent drop).

    ``indicator``: the id the toolkit keys the line by (never shown to a reader);
    ``indicator_name``: the indicator as a reader knows it (its name, with the council's own
    code where it has one), which ``notes.csv`` shows."""

    kind: NoteKind
    message: str
    indicator: str | None = None
    indicator_name: str = ""


Block = Text | Table | Chart | Note

#: How a pack or a section shows itself in a notebook (``_repr_html_``): the HTML renderer
#: (:mod:`analysis.render.html`) fills this in when it loads, so a value never imports a renderer.
NOTEBOOK_HTML: dict[type, Callable[[Any], str]] = {}


def _notebook_html(value: object) -> str | None:
    show = NOTEBOOK_HTML.get(type(value))
    return None if show is None else show(value)


@dataclass(frozen=True)
class Section:
    """A titled part of a pack. ``appendix`` sections come after the core pack."""

    id: str
    title: str
    blocks: tuple[Block, ...] = ()
    intro: str = ""
    appendix: bool = False

    def _repr_html_(self) -> str | None:
        """Notebook display: the section as HTML (:data:`NOTEBOOK_HTML`)."""
        return _notebook_html(self)


@dataclass(frozen=True)
class Pack:
    """A whole document: title, facts about it (LA, period, date made, sources), sections."""

    title: str
    meta: Mapping[str, str] = field(compare=False)
    sections: tuple[Section, ...] = ()
    synthetic: bool = False

    def blocks(self) -> list[tuple[Section, Block]]:
        """Every block with its section, in order."""
        return [(s, b) for s in self.sections for b in s.blocks]

    def charts(self) -> list[Chart]:
        return [b for _, b in self.blocks() if isinstance(b, Chart)]

    def tables(self) -> list[Table]:
        return [b for _, b in self.blocks() if isinstance(b, Table)]

    def notes(self) -> list[tuple[Section, Note]]:
        return [(s, b) for s, b in self.blocks() if isinstance(b, Note)]

    def _repr_html_(self) -> str | None:
        """Notebook display: the pack as HTML (:data:`NOTEBOOK_HTML`); problems that would
        stop it being saved are warnings here."""
        return _notebook_html(self)


#: A section builder: the computed context in, a section out; it writes nothing.
SectionBuilder = Callable[[Any], Section]
