"""Word renderer (python-docx): the format council committee papers are written in.

A4 portrait; the title block (title, LA, period, date made, sources); a heading per section;
real Word tables whose header row repeats on every page and whose rows are not split; charts
as pictures whose description (``docPr descr``) is the alt text, with title and source as a
caption; notes as short paragraphs. Appendix sections follow the core pack on a new page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from analysis.core.blocks import META_LABELS, Chart, Note, Pack, Section, Table, Text
from analysis.render.files import Drawing, chart_paths, draw_charts
from analysis.render.formats import formatted_rows, is_numeric

#: Width of a chart on the page (A4 less the margins).
CHART_WIDTH = Mm(170)

_NOTE_LABELS = {"missing": "Not available", "left_out": "Left out", "caveat": "Note",
                "stale": "Older figure"}

#: Characters XML 1.0 does not allow (python-docx would refuse them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text))


#: Style ids by style name. python-docx looks a style up by name in the whole style sheet on
#: every paragraph given one, which costs more than the paragraph; every document here starts
#: from python-docx's own template, so each name is looked up once.
_STYLE_IDS: dict[str, str] = {}


def add_paragraph(document: Any, text: str = "", style: str | None = None) -> Any:
    """A new paragraph at the end of ``document``, in the style named (as
    ``document.add_paragraph``)."""
    paragraph = document.add_paragraph(text)
    if style is not None:
        if style not in _STYLE_IDS:
            _STYLE_IDS[style] = document.styles[style].style_id
        paragraph._p.style = _STYLE_IDS[style]
    return paragraph


def add_heading(document: Any, text: str = "", level: int = 1) -> Any:
    """A heading (level 0: the title), as ``document.add_heading``."""
    return add_paragraph(document, text, "Title" if level == 0 else f"Heading {level}")


def _page_setup(document: Any) -> None:
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)


def _header_text(document: Any, pack: Pack) -> None:
    """The running header: LA and period."""
    words = " · ".join(str(pack.meta[k]) for k in ("la", "period") if pack.meta.get(k))
    if words:
        paragraph = document.sections[0].header.paragraphs[0]
        paragraph.text = clean(words)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


# --- Markdown to paragraphs --------------------------------------------------------------

def _inline(paragraph: Any, children: list[Any]) -> None:
    bold = italic = False
    for token in children:
        match token.type:
            case "strong_open":
                bold = True
            case "strong_close":
                bold = False
            case "em_open":
                italic = True
            case "em_close":
                italic = False
            case "softbreak" | "hardbreak":
                paragraph.add_run(" ")
            case "text" | "code_inline" | "html_inline":
                run = paragraph.add_run(clean(token.content))
                run.bold, run.italic = bold or None, italic or None


def add_markdown(document: Any, text: str) -> None:
    """Paragraphs, bullet and numbered lists and headings from Markdown (no raw HTML)."""
    from analysis.render.html import markdown_parser

    tokens = markdown_parser().parse(text or "")
    lists: list[str] = []
    heading: int | None = None
    for token in tokens:
        match token.type:
            case "bullet_list_open":
                lists.append("List Bullet")
            case "ordered_list_open":
                lists.append("List Number")
            case "bullet_list_close" | "ordered_list_close":
                lists.pop()
            case "heading_open":
                heading = min(int(token.tag[1:]) + 1, 4)
            case "heading_close":
                heading = None
            case "inline":
                if heading is not None:
                    paragraph = add_heading(document, level=heading)
                else:
                    paragraph = add_paragraph(document, style=lists[-1] if lists else None)
                _inline(paragraph, token.children or [])
            case "fence" | "code_block":
                document.add_paragraph(clean(token.content.rstrip()))


# --- blocks -----------------------------------------------------------------------------

def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _no_split(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _keep_with_next(paragraph: Any) -> None:
    paragraph.paragraph_format.keep_with_next = True


def _small(paragraph: Any) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(8.5)
        run.font.color.rgb = RGBColor(0x4D, 0x4D, 0x4D)


def add_table(document: Any, table: Table) -> None:
    columns = [c for c in table.columns if c.display]
    rows = formatted_rows(table.frame, columns)
    caption = add_paragraph(document, clean(table.caption), "Caption")
    _keep_with_next(caption)
    grid = document.add_table(rows=1 + len(rows), cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    numeric = [is_numeric(c) for c in columns]
    header = grid.rows[0]
    _repeat_header(header)
    for cell, column, num in zip(header.cells, columns, numeric, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(clean(column.label))
        run.bold = True
        if num:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row, values in zip(grid.rows[1:], rows, strict=True):
        _no_split(row)
        for cell, value, num in zip(row.cells, values, numeric, strict=True):
            cell.text = clean(value)
            if num:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8.5)
    after = " ".join([*table.notes, table.source]).strip()
    if after:
        _small(document.add_paragraph(clean(after)))


def add_chart(document: Any, chart: Chart, drawing: Drawing) -> None:
    png = drawing[chart_paths(chart.name)["png"]]
    paragraph = document.add_paragraph()  # as Document.add_picture, keeping the paragraph
    picture = paragraph.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)
    doc_pr = picture._inline.docPr
    doc_pr.set("descr", clean(" ".join(chart.alt_text.split())))
    doc_pr.set("title", clean(chart.title or chart.name))
    _keep_with_next(paragraph)
    words = ". ".join(x for x in (chart.title, chart.source) if x)
    if words:
        _small(add_paragraph(document, clean(words), "Caption"))


def add_note(document: Any, note: Note) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{_NOTE_LABELS.get(note.kind, 'Note')}: ").bold = True
    paragraph.add_run(clean(note.message))


def add_section(document: Any, section: Section, drawings: Mapping[str, Drawing]) -> None:
    add_heading(document, clean(("Appendix: " if section.appendix else "") + section.title), level=1)
    if section.intro:
        add_markdown(document, section.intro)
    for block in section.blocks:
        match block:
            case Text():
                add_markdown(document, block.markdown)
            case Table():
                add_table(document, block)
            case Chart():
                add_chart(document, block, drawings[block.name])
            case Note():
                add_note(document, block)


def add_title_block(document: Any, pack: Pack) -> None:
    add_heading(document, clean(pack.title), level=0)
    meta = dict(pack.meta)
    facts = [(label, meta.pop(key)) for key, label in META_LABELS.items() if meta.get(key)]
    facts += [(key.replace("_", " ").capitalize(), value) for key, value in meta.items() if value]
    for label, value in facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(clean(value))


def document_bytes(pack: Pack, drawings: Mapping[str, Drawing]) -> bytes:
    document = Document()
    _page_setup(document)
    _header_text(document, pack)
    document.core_properties.title = clean(pack.title)[:255]
    document.core_properties.author = "csc-benchmarks"
    add_title_block(document, pack)
    core = [s for s in pack.sections if not s.appendix]
    appendix = [s for s in pack.sections if s.appendix]
    for section in core:
        add_section(document, section, drawings)
    if appendix:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section in appendix:
        add_section(document, section, drawings)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(pack: Pack, *, drawings: Mapping[str, Drawing] | None = None,
           workers: int | None = None) -> dict[str, str | bytes]:
    """``report.docx``: the pack as a Word document."""
    if drawings is None:
        drawings = draw_charts(pack.charts(), workers)
    return {"report.docx": document_bytes(pack, drawings)}
