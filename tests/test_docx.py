"""The Word document's OOXML (analysis.render.docx and its fields, tables and widths modules):
page numbers and a contents list as fields updated when the file opens, the running header,
column widths worked out from the cells (never narrower than a word), headings kept with the
next paragraph, rows that do not split, repeated header rows and small tables kept together.

Widths are checked against DejaVu Sans's own advance widths (font units of 2048 to the em):
"0" 1303, "1" 1303, "o" 1253, space 651, "f" 721.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from analysis.core.blocks import Chart, Column, Note, Pack, Section, Table, Text
from analysis.render import docx as word
from analysis.render.docx_fields import field_instructions
from analysis.render.docx_tables import KEEP_TOGETHER_ROWS, add_text
from analysis.render.docx_widths import (
    CELL_MARGIN_PT,
    SLACK,
    ColumnText,
    column_bounds,
    share_out,
    table_layout,
    text_width,
    unbreakable,
)

EM = 2048  # DejaVu Sans font units to the em
PAD = 2 * CELL_MARGIN_PT
TITLE = "Doncaster: children's social care performance, 2017-18 Q4"


# --- measuring and sharing out ------------------------------------------------------------

def test_text_width_is_dejavu_sans_advance_widths():
    assert text_width("0", 10) == pytest.approx(1303 / EM * 10, abs=0.01)  # 6.36 pt
    assert text_width("00000", 10) == pytest.approx(5 * 1303 / EM * 10, abs=0.02)  # 31.81 pt
    assert text_width("142 of 152", 8.5) == pytest.approx((6 * 1303 + 2 * 651 + 1253 + 721) / EM * 8.5,
                                                          abs=0.02)  # 46.04 pt
    assert text_width("00", 10, bold=True) > text_width("00", 10)
    assert text_width("", 10) == 0


def test_figures_stay_whole_and_words_break_only_at_spaces():
    assert unbreakable("142 of 152") == ["142 of 152"]
    assert unbreakable("27.1% (2016-17)") == ["27.1% (2016-17)"]
    assert unbreakable("Re-referrals within 12 months") == ["Re-referrals", "within", "12", "months"]
    assert unbreakable("as reported", numeric=True) == ["as reported"]
    assert unbreakable("18th lowest of 147", figures="two_lines") == ["18th lowest of", "147"]
    assert unbreakable("18th lowest of 147", figures="words") == ["18th", "lowest", "of", "147"]
    assert unbreakable("about 46 of 514", figures="two_lines") == ["about", "46", "of", "514"]  # not a figure
    assert unbreakable("as reported", numeric=True, figures="words") == ["as reported"]
    assert unbreakable("  ") == []


def test_column_bounds_are_the_longest_word_and_the_longest_cell():
    oooo, oo = 4 * 1253 / EM * 10, 2 * 1253 / EM * 10  # 24.47 and 12.24 pt
    narrowest, widest = column_bounds(ColumnText("0", ("oooo oo", "oo")), 10)
    assert narrowest == pytest.approx(oooo * SLACK + PAD, abs=0.05)
    assert widest == pytest.approx((oooo + 651 / EM * 10 + oo) * SLACK + PAD, abs=0.05)
    # a figure is one piece: "142 of 152" is the narrowest the column may be
    rank = (6 * 1303 + 2 * 651 + 1253 + 721) / EM * 8.5
    assert column_bounds(ColumnText("0", ("142 of 152",)), 8.5) == pytest.approx((rank * SLACK + PAD,) * 2, abs=0.05)
    # a numeric column's cells never wrap, words or not
    narrowest, widest = column_bounds(ColumnText("0", ("oooo oo",), numeric=True), 10)
    assert narrowest == pytest.approx(widest, abs=0.01)


def test_share_out_gives_each_column_its_longest_word_and_a_share_of_the_rest():
    bounds = [(10.0, 30.0), (20.0, 60.0)]
    assert share_out(bounds, 100) == (30.0, 60.0)  # both fit on one line
    # 50 points: 30 for the longest words, the other 20 shared 20:40
    assert share_out(bounds, 50) == pytest.approx((10 + 20 / 3, 20 + 40 / 3))
    assert share_out(bounds, 25) == (10.0, 20.0)  # never narrower than a word


def test_text_is_made_smaller_only_when_the_longest_words_do_not_fit():
    eight_zeros = 8 * 1303 / EM  # in ems
    columns = [ColumnText("0", ("00000000",))] * 10
    # each column at least 8 zeros and the margins: 48.99 pt at 8.5 points, 46.35 pt at 8 points
    layout = table_layout(columns, 480)
    assert layout.font_size == 8.0
    assert layout.widths == pytest.approx((eight_zeros * 8 * SLACK + PAD,) * 10, abs=0.05)
    assert layout.widths[0] == pytest.approx(46.35, abs=0.01)
    assert table_layout(columns, 490).font_size == 8.5
    assert table_layout(columns, 100).font_size == 7.0  # the smallest, even if it does not fit


def test_figures_take_two_lines_then_wrap_between_words_before_the_text_goes_below_7_5_points():
    figure = ColumnText("0", ("0000 0000 0000",))  # a figure: kept whole while the table fits
    whole = (12 * 1303 + 2 * 651) / EM  # "0000 0000 0000" in ems
    two = (8 * 1303 + 651) / EM  # "0000 0000", the longer of its two lines
    four = 4 * 1303 / EM
    # 10 such columns at 7.5 points: whole 10 x (63.2 + 4) pt; two lines at 8.5: 10 x (48.0 + 4) pt
    assert table_layout([figure] * 10, 10 * (whole * 7.5 * SLACK + PAD) + 1).font_size == 7.5
    layout = table_layout([figure] * 10, 10 * (two * 8.5 * SLACK + PAD) + 1)
    assert layout.font_size == 8.5
    assert layout.widths[0] == pytest.approx(two * 8.5 * SLACK + PAD + 0.1, abs=0.01)  # the 1 pt shared out
    # two lines do not fit even at 7.5 points: words at 8.5 points
    layout = table_layout([figure] * 10, 10 * (two * 7.5 * SLACK + PAD) - 1)
    assert layout.font_size == 8.5 and layout.widths[0] > four * 8.5 * SLACK + PAD


# --- the document -------------------------------------------------------------------------

def _table(name: str, rows: int) -> Table:
    frame = pd.DataFrame({
        "measure": ["Children looked after for 12 months or more with an up-to-date dental check"] * rows,
        "rank": ["142 of 152"] * rows,
        "status": ["outside_tolerance"] * rows,
        "value": [27.1] * rows,
    })
    columns = (Column("measure", "Indicator"), Column("rank", "Rank"), Column("status", "Status", "status"),
               Column("value", "Doncaster", "percent", 1))
    return Table(name, frame, columns, caption=f"{rows} rows", source="Source: DfE" if rows < 10 else "")


@pytest.fixture(scope="module")
def document():
    core = Section("core", "Key messages", (Text("Doncaster **improved**."), _table("small", 3),
                                            Note("missing", "No SPC chart.")))
    long = Section("long", "Every measure", (_table("long", KEEP_TOGETHER_ROWS + 5),))
    appendix = Section("detail", "Detail", (Note("caveat", "As reported."),), appendix=True)
    pack = Pack(TITLE, {"la": "Doncaster", "period": "2017-18 Q4"}, (core, long, appendix))
    data = word.render(pack, drawings={})["report.docx"]
    assert isinstance(data, bytes)
    return Document(io.BytesIO(data)), data


def _keeps_with_next(paragraph) -> bool:
    return bool(paragraph._p.xpath("./w:pPr/w:keepNext"))


def test_footer_has_page_n_of_m_fields_updated_on_open(document):
    doc, data = document
    footer = doc.sections[0].footer.paragraphs[0]
    assert field_instructions(footer._p) == ["PAGE", "NUMPAGES"]
    assert footer.text == "Page 1 of 1"  # shown until the fields are updated
    settings = doc.settings.element.findall(qn("w:updateFields"))
    assert [s.get(qn("w:val")) for s in settings] == ["true"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert 'w:dirty="true"' in z.read("word/footer1.xml").decode()


def test_running_header_holds_title_la_and_period(document):
    doc, _ = document
    assert doc.sections[0].header.paragraphs[0].text == f"{TITLE}\tDoncaster · 2017-18 Q4"


def test_a_header_too_long_for_one_line_takes_two():
    pack = Pack("A " * 60, {"la": "Doncaster", "period": "2017-18 Q4"}, ())
    doc = Document(io.BytesIO(word.render(pack, drawings={})["report.docx"]))  # type: ignore[arg-type]
    header = doc.sections[0].header.paragraphs[0]
    assert header.text == f"{'A ' * 60}\nDoncaster · 2017-18 Q4" and "\t" not in header.text


def test_contents_lists_every_section_with_a_page_field_to_its_heading(document):
    doc, _ = document
    paragraphs = doc.paragraphs
    headings = [p for p in paragraphs if p.style.name == "Heading 1"]
    assert [h.text for h in headings] == ["Key messages", "Every measure", "Appendix: Detail"]
    marks = [h._p.xpath("./w:bookmarkStart/@w:name")[0] for h in headings]
    assert len(set(marks)) == 3
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Contents")
    entries = paragraphs[start + 1:start + 4]
    assert [field_instructions(e._p) for e in entries] == [[f"PAGEREF {m} \\h"] for m in marks]
    assert [e._p.xpath("./w:hyperlink/@w:anchor") for e in entries] == [[m] for m in marks]
    assert [e.text.split("\t")[0] for e in entries] == [h.text for h in headings]
    assert paragraphs.index(headings[0]) > start + 3  # the contents come before the sections


def test_headings_and_captions_are_kept_with_the_next_paragraph(document):
    doc, _ = document
    kept = [p for p in doc.paragraphs if p.style.name in ("Title", "TOC Heading", "Heading 1", "Caption")]
    assert len(kept) == 1 + 1 + 3 + 2
    assert all(_keeps_with_next(p) for p in kept)


def test_rows_never_split_headers_repeat_and_small_tables_stay_together(document):
    doc, _ = document
    small, long = doc.tables
    for table in (small, long):
        assert all(r._tr.xpath("./w:trPr/w:cantSplit") for r in table.rows)
        assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
        assert not any(r._tr.xpath("./w:trPr/w:tblHeader") for r in table.rows[1:])
    # the small table: every row kept with the next, its source line too, so it moves to a page whole
    assert [all(_keeps_with_next(c.paragraphs[0]) for c in r.cells) for r in small.rows] == [True] * 4
    # the long one may break between rows (its header row stays with the first row)
    assert [any(_keeps_with_next(c.paragraphs[0]) for c in r.cells) for r in long.rows[:3]] == [True, False, False]


def _grid_points(table) -> list[float]:
    return [int(c.get(qn("w:w"))) / 20 for c in table._tbl.xpath("./w:tblGrid/w:gridCol")]


def test_columns_are_as_wide_as_their_content_within_the_page(document):
    doc, _ = document
    small = doc.tables[0]
    widths = _grid_points(small)
    assert small._tbl.xpath("./w:tblPr/w:tblLayout/@w:type") == ["fixed"]
    assert int(small._tbl.xpath("./w:tblPr/w:tblW/@w:w")[0]) == sum(round(w * 20) for w in widths)
    for row in small.rows:
        assert [int(c._tc.tcPr.tcW.get(qn("w:w"))) / 20 for c in row.cells] == widths
    size = 8.5
    assert all(r.font.size.pt == size for c in small.rows[1].cells for r in c.paragraphs[0].runs)
    # every column holds its longest word (figures whole) with the cell margins
    longest = [text_width("up-to-date", size), text_width("142 of 152", size),
               text_width("tolerance", size), text_width("Doncaster", size, bold=True)]
    for width, word_width in zip(widths, longest, strict=True):
        assert width >= word_width + PAD
    # the figures fit on one line; the long indicator name takes the rest of the page (170 mm)
    assert widths[1] == pytest.approx(text_width("142 of 152", size) * SLACK + PAD, abs=0.05)
    assert sum(widths) == pytest.approx(170 / 25.4 * 72, abs=0.1)
    assert widths[0] > max(widths[1:])
    cell = small._tbl.xpath("./w:tblPr/w:tblCellMar/w:left/@w:w")
    assert cell == [str(round(CELL_MARGIN_PT * 20))]


def test_a_small_table_without_a_source_line_is_not_kept_with_what_follows():
    frame = pd.DataFrame({"measure": ["Re-referrals", "Assessments"]})
    pack = Pack(TITLE, {}, (Section("s", "S", (Table("t", frame, (Column("measure", "Measure"),), caption="c"),
                                                Text("After the table."))),))
    doc = Document(io.BytesIO(word.render(pack, drawings={})["report.docx"]))  # type: ignore[arg-type]
    (table,) = doc.tables
    assert [_keeps_with_next(r.cells[0].paragraphs[0]) for r in table.rows] == [True, True, False]


def test_hyphens_between_digits_do_not_break_and_read_back_as_hyphens():
    doc = Document()
    paragraph = doc.add_paragraph()
    add_text(paragraph, "9% (2016-17), aged 19-21, re-offending")
    assert paragraph.text == "9% (2016-17), aged 19-21, re-offending"
    assert len(paragraph._p.xpath(".//w:noBreakHyphen")) == 2  # not the one between letters
    assert [t.text for t in paragraph._p.xpath(".//w:t")] == ["9% (2016", "17), aged 19", "21, re-offending"]


def test_contents_follow_the_document_order_with_the_appendix_last():
    sections = (Section("a", "Detail", appendix=True), Section("b", "Key messages"))
    doc = Document(io.BytesIO(word.render(Pack(TITLE, {}, sections), drawings={})["report.docx"]))  # type: ignore[arg-type]
    entries = [p.text.split("\t")[0] for p in doc.paragraphs if field_instructions(p._p)]
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert entries == headings == ["Key messages", "Appendix: Detail"]


def test_a_chart_is_its_page_picture_with_the_source_once_in_the_caption():
    """The Word file shows the picture drawn without the source line (as the PDF does) and
    says the source once, in the caption under it; the chart files keep theirs."""
    from analysis.render import files
    from tests.test_pdf import SOURCE, sourced_line

    chart = Chart("re_referrals", sourced_line, {"values": [24.0, 25.5, 27.1]},
                  alt_text="Up each year.", source=SOURCE, title="Re-referrals within 12 months")
    drawing = files.draw_chart(chart)
    pack = Pack("t", {}, (Section("s", "S", (chart,)),))
    document = Document(io.BytesIO(word.document_bytes(pack, {"re_referrals": drawing})))
    pictures = [rel.target_part.blob for rel in document.part.rels.values()
                if "image" in rel.reltype]
    assert pictures == [files.page_image(drawing, "re_referrals")]
    assert pictures[0] != drawing["charts/re_referrals.png"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.count(SOURCE) == 1
