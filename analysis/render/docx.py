"""Word renderer (python-docx): the format council committee papers are written in, made to
be published as it is.

A4 portrait; a running header (title, LA, period) and "Page N of M" in the footer as fields;
the title block (title, LA, period, date made, sources); a contents list with each section's
page (fields, see :mod:`analysis.render.docx_fields`); a heading per section, kept with what
follows; real Word tables sized to their content (:mod:`analysis.render.docx_tables`); charts
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
from docx.enum.text import WD_BREAK
from docx.shared import Mm, Pt, RGBColor

from analysis.core.blocks import META_LABELS, Chart, Note, Pack, Section, Table, Text
from analysis.render.docx_fields import (
    HEADER_SIZE,
    add_contents_entry,
    bookmark,
    contents_targets,
    page_footer,
    running_header,
    update_fields_on_open,
)
from analysis.render.docx_tables import add_grid, column_texts
from analysis.render.docx_widths import text_width
from analysis.render.files import Drawing, draw_charts, page_image

#: Width of the text on the page: A4 less the margins; charts and tables are at most this wide.
TEXT_WIDTH = Mm(170)
CHART_WIDTH = TEXT_WIDTH

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
    """A heading (level 0: the title), as ``document.add_heading``, kept on the page of the
    paragraph after it."""
    paragraph = add_paragraph(document, text, "Title" if level == 0 else f"Heading {level}")
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _page_setup(document: Any) -> None:
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)


def running_header_words(pack: Pack) -> tuple[str, str]:
    """What the running header shows, as the PDF's: the document's title, then the LA and the
    period."""
    where = " · ".join(clean(pack.meta[k]) for k in ("la", "period") if pack.meta.get(k))
    return clean(pack.title), where


def _furniture(document: Any, pack: Pack) -> None:
    """Running header, "Page N of M" in the footer, and fields updated when Word opens it."""
    title, where = running_header_words(pack)
    gap = 24.0  # points between the two halves of a one-line header
    one_line = text_width(title, HEADER_SIZE) + gap + text_width(where, HEADER_SIZE) <= TEXT_WIDTH.pt
    for section in document.sections:
        running_header(section, title, where, one_line=one_line, width=TEXT_WIDTH)
        page_footer(section)
    update_fields_on_open(document)


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

def _keep_with_next(paragraph: Any) -> None:
    paragraph.paragraph_format.keep_with_next = True


def _small(paragraph: Any) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(8.5)
        run.font.color.rgb = RGBColor(0x4D, 0x4D, 0x4D)


def add_table(document: Any, table: Table) -> None:
    """The table's caption (kept with the table), the table, then its notes and source."""
    texts, rows = column_texts(table, clean)
    caption = add_paragraph(document, clean(table.caption), "Caption")
    _keep_with_next(caption)
    after = " ".join([*table.notes, table.source]).strip()
    add_grid(document, texts, rows, TEXT_WIDTH.pt, followed=bool(after))
    if after:
        _small(document.add_paragraph(clean(after)))


def add_chart(document: Any, chart: Chart, drawing: Drawing) -> None:
    """The chart's page picture (drawn without its source line), then a caption with its
    title and source: the source is said once, as text."""
    png = page_image(drawing, chart.name)
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


def section_heading(section: Section) -> str:
    return clean(("Appendix: " if section.appendix else "") + section.title)


def add_section(document: Any, section: Section, drawings: Mapping[str, Drawing],
                target: tuple[str, int] | None = None) -> None:
    """The section's heading (bookmarked as ``target``, name and number, for the contents
    list), its introduction and its blocks."""
    heading = add_heading(document, section_heading(section), level=1)
    if target is not None:
        bookmark(heading, *target)
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


def add_contents(document: Any, sections: list[Section], targets: list[str]) -> None:
    """The contents list: each section's heading and its page (fields Word and LibreOffice
    work out when they lay out the pages)."""
    if not sections:
        return
    _keep_with_next(add_paragraph(document, "Contents", "TOC Heading"))
    for section, target in zip(sections, targets, strict=True):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        add_contents_entry(paragraph, section_heading(section), target, TEXT_WIDTH)


def document_bytes(pack: Pack, drawings: Mapping[str, Drawing]) -> bytes:
    document = Document()
    _page_setup(document)
    _furniture(document, pack)
    document.core_properties.title = clean(pack.title)[:255]
    document.core_properties.author = "csc-benchmarks"
    add_title_block(document, pack)
    core = [s for s in pack.sections if not s.appendix]
    appendix = [s for s in pack.sections if s.appendix]
    targets = list(contents_targets(len(core) + len(appendix)))
    add_contents(document, core + appendix, targets)
    marks = iter(zip(targets, range(1, len(targets) + 1), strict=True))
    for section in core:
        add_section(document, section, drawings, next(marks))
    if appendix:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section in appendix:
        add_section(document, section, drawings, next(marks))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(pack: Pack, *, drawings: Mapping[str, Drawing] | None = None,
           workers: int | None = None) -> dict[str, str | bytes]:
    """``report.docx``: the pack as a Word document."""
    if drawings is None:
        drawings = draw_charts(pack.charts(), workers)
    return {"report.docx": document_bytes(pack, drawings)}
