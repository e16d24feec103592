"""Word tables (python-docx plus raw OOXML): real tables a committee paper can carry as they are.

Columns as wide as their content needs within the page (:mod:`analysis.render.docx_widths`),
so words wrap only between words (never at the hyphen of "2016-17"); the header row repeats on every page; no row splits across
pages; a small table is kept on one page (every row kept with the next), and its caption with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from analysis.core.blocks import Table
from analysis.render.docx_widths import CELL_MARGIN_PT, ColumnText, Layout, table_layout
from analysis.render.formats import formatted_rows, is_numeric

#: A table of at most this many rows (header included) is kept on one page.
KEEP_TOGETHER_ROWS = 25


def _row_property(row: Any, tag: str) -> None:
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    properties.append(element)


def _table_property(table: Any, tag: str, **attributes: str) -> Any:
    properties = table._tbl.tblPr
    for old in properties.findall(qn(tag)):
        properties.remove(old)
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(name), value)
    properties.append(element)
    return element


def _cell_margins(table: Any, points: float) -> None:
    """Left and right cell margins of every cell of ``table``."""
    margins = _table_property(table, "w:tblCellMar")
    for side in ("w:left", "w:right"):
        element = OxmlElement(side)
        element.set(qn("w:w"), str(round(points * 20)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)


def _widths(table: Any, layout: Layout) -> None:
    """Fixed column widths: the grid, every cell and the table's own width (twips)."""
    table.autofit = False
    twips = [round(w * 20) for w in layout.widths]
    _table_property(table, "w:tblW", **{"w:w": str(sum(twips)), "w:type": "dxa"})
    for column, width in zip(table.columns, twips, strict=True):
        column.width = Twips(width)
    for row in table.rows:
        for cell, width in zip(row.cells, twips, strict=True):
            cell.width = Twips(width)


#: A hyphen between digits ("2016-17", "19-21"): a line never breaks there.
_FIGURE_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")


def add_text(paragraph: Any, text: str) -> Any:
    """A run of ``text`` at the end of ``paragraph`` whose hyphens between digits are Word's
    non-breaking hyphen (``w:noBreakHyphen``, read back as "-"), so "2016-17" stays whole."""
    first, *rest = _FIGURE_HYPHEN.split(text)
    run = paragraph.add_run(first)
    for piece in rest:
        run._r.append(OxmlElement("w:noBreakHyphen"))
        if piece:
            element = OxmlElement("w:t")
            element.text = piece
            element.set(qn("xml:space"), "preserve")
            run._r.append(element)
    return run


def _fill(cell: Any, text: str, size: float, *, bold: bool, right: bool) -> None:
    paragraph = cell.paragraphs[0]
    run = add_text(paragraph, text)
    run.font.size = Pt(size)
    if bold:
        run.bold = True
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def column_texts(table: Table, clean: Callable[[Any], str] = str) -> tuple[list[ColumnText], list[list[str]]]:
    """Each shown column's header and cells as the reader sees them (through ``clean``), and
    the rows."""
    columns = [c for c in table.columns if c.display]
    rows = [[clean(v) for v in values] for values in formatted_rows(table.frame, columns)]
    texts = [ColumnText(clean(c.label), tuple(r[i] for r in rows), is_numeric(c))
             for i, c in enumerate(columns)]
    return texts, rows


def add_grid(document: Any, texts: list[ColumnText], rows: list[list[str]], available: float,
             followed: bool = False) -> Any:
    """The table itself, after the document's last paragraph, ``available`` points wide at most.
    ``followed``: a line of its own follows (notes, source), kept on the page of a small table."""
    layout = table_layout(texts, available)
    grid = document.add_table(rows=1 + len(rows), cols=len(texts))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_margins(grid, CELL_MARGIN_PT)
    _widths(grid, layout)
    keep = len(rows) + 1 <= KEEP_TOGETHER_ROWS
    all_rows = grid.rows
    header = all_rows[0]
    _row_property(header, "w:tblHeader")
    _row_property(header, "w:cantSplit")
    for cell, column in zip(header.cells, texts, strict=True):
        _fill(cell, column.header, layout.font_size, bold=True, right=column.numeric)
        cell.paragraphs[0].paragraph_format.keep_with_next = True
    for index, (row, values) in enumerate(zip(all_rows[1:], rows, strict=True), start=1):
        _row_property(row, "w:cantSplit")
        for cell, value, column in zip(row.cells, values, texts, strict=True):
            _fill(cell, value, layout.font_size, bold=False, right=column.numeric)
            if keep and (index < len(rows) or followed):
                cell.paragraphs[0].paragraph_format.keep_with_next = True
    return grid
