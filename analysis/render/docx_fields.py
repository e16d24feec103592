"""Word fields and page furniture in raw OOXML, where python-docx has no API: page numbers
("Page N of M" from PAGE and NUMPAGES fields), the running header, bookmarks on headings, a
contents list whose page numbers are PAGEREF fields to those bookmarks, and the setting that
makes Word update every field when the document opens.

The contents list is a PAGEREF field per heading rather than one TOC field: Word works out
both when it updates fields, but LibreOffice shows a TOC field's stored text as it is and works
out PAGEREF fields whenever it lays out the pages, so only PAGEREF gives the right page numbers
in both without anyone pressing "update".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

#: Colour and size (points) of the running header and footer.
HEADER_SIZE = 8.0
_FURNITURE_COLOUR = RGBColor(0x44, 0x44, 0x44)
_FURNITURE_SIZE = Pt(HEADER_SIZE)


def _run(paragraph: Any, child: Any) -> Any:
    run = OxmlElement("w:r")
    run.append(child)
    paragraph._p.append(run)
    return run


def _element(tag: str, text: str | None = None, **attributes: str) -> Any:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(name), value)
    if text is not None:
        element.text = text
        element.set(qn("xml:space"), "preserve")
    return element


def add_field(paragraph: Any, instruction: str, shown: str = "") -> None:
    """A field at the end of ``paragraph``: ``instruction`` (e.g. ``PAGE``) with ``shown`` as
    its result until it is updated. Marked dirty, so Word updates it."""
    _run(paragraph, _element("w:fldChar", **{"w:fldCharType": "begin", "w:dirty": "true"}))
    _run(paragraph, _element("w:instrText", f" {instruction} "))
    _run(paragraph, _element("w:fldChar", **{"w:fldCharType": "separate"}))
    _run(paragraph, _element("w:t", shown))
    _run(paragraph, _element("w:fldChar", **{"w:fldCharType": "end"}))


def field_instructions(element: Any) -> list[str]:
    """The instructions of every field in an OOXML element, in order (for tests and checks)."""
    return [" ".join(str(t.text).split()) for t in element.iter(qn("w:instrText"))]


def update_fields_on_open(document: Any) -> None:
    """``w:updateFields`` in the settings: Word updates every field when the file opens."""
    settings = document.settings.element
    for old in settings.findall(qn("w:updateFields")):
        settings.remove(old)
    settings.append(_element("w:updateFields", **{"w:val": "true"}))


def _furniture(paragraph: Any) -> None:
    for run in paragraph.runs:
        run.font.size = _FURNITURE_SIZE
        run.font.color.rgb = _FURNITURE_COLOUR


def page_footer(section: Any) -> None:
    """"Page N of M", centred, in the footer of every page of ``section``."""
    paragraph = section.footer.paragraphs[0]
    paragraph.text = ""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Page ")
    add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" of ")
    add_field(paragraph, "NUMPAGES", "1")
    for run in paragraph._p.iter(qn("w:r")):
        properties = run.get_or_add_rPr()
        properties.append(_element("w:sz", **{"w:val": str(int(_FURNITURE_SIZE.pt * 2))}))
        properties.append(_element("w:color", **{"w:val": str(_FURNITURE_COLOUR)}))


def running_header(section: Any, left: str, right: str, *, one_line: bool, width: Any) -> None:
    """The running header of every page of ``section``: ``left`` (the document's title) and
    ``right`` (LA and period) on one line ``width`` wide when ``one_line``, else one under
    the other."""
    paragraph = section.header.paragraphs[0]
    paragraph.text = ""
    if one_line:
        paragraph.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        paragraph.add_run(f"{left}\t{right}")
    else:
        paragraph.add_run(left)
        paragraph.add_run().add_break()
        paragraph.add_run(right)
    _furniture(paragraph)


def bookmark(paragraph: Any, name: str, number: int) -> None:
    """A bookmark called ``name`` round the whole of ``paragraph`` (``number`` unique in the
    document)."""
    start = _element("w:bookmarkStart", **{"w:id": str(number), "w:name": name})
    properties = paragraph._p.pPr
    if properties is not None:
        properties.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(_element("w:bookmarkEnd", **{"w:id": str(number)}))


def add_contents_entry(paragraph: Any, text: str, target: str, width: Any) -> None:
    """One line of the contents list: ``text``, a dotted leader and the page of bookmark
    ``target`` (a PAGEREF field); the line links to the bookmark."""
    paragraph.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    link = _element("w:hyperlink", **{"w:anchor": target, "w:history": "1"})
    paragraph._p.append(link)
    holder = _Holder(link)
    _run(holder, _element("w:t", text))
    _run(holder, _element("w:tab"))
    add_field(holder, f"PAGEREF {target} \\h", "")


class _Holder:
    """Lets :func:`add_field` and :func:`_run` append runs inside a hyperlink element."""

    def __init__(self, element: Any) -> None:
        self._p = element


def contents_targets(count: int) -> Sequence[str]:
    """Bookmark names for ``count`` headings (Word's own ``_Toc`` prefix: hidden bookmarks)."""
    return [f"_Toc{n:06d}" for n in range(1, count + 1)]
