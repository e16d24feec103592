"""The PDF's parts that need no browser: the contents list's page numbers read from a printed
PDF's named destinations and settled in at most three printings; the HTML it prints (the
contents entries waiting for their numbers, the appendix as one headed part); each chart's
picture for a page drawn without the source line its caption carries."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from analysis.charts.style import finish, new_figure
from analysis.core.blocks import Chart, Pack, Section, Text
from analysis.render import files, html, pdf

SOURCE = "Source: DfE, Children in need 2016-17 (table C1)"


def sourced_line(values: list[float], ax=None):
    """A module-level plot function with a title and the source line under the chart."""
    ax = ax or new_figure().add_subplot()
    ax.plot(range(2014, 2014 + len(values)), values)
    return finish(ax, SOURCE, title="Re-referrals within 12 months")


def _pdf_with_destinations(pages: int, destinations: dict[str, int]) -> bytes:
    """A blank PDF of ``pages`` A4 pages with named destinations on pages counted from 0."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    for name, page in destinations.items():
        writer.add_named_destination(name, page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_anchor_pages_are_the_destinations_pages_counted_from_one():
    data = _pdf_with_destinations(5, {"section-cover": 0, "section-profile": 1, "appendix": 4})
    assert pdf.anchor_pages(data) == {"section-cover": 1, "section-profile": 2, "appendix": 5}


class FakePage:
    """A page whose printings put the anchors on the pages given, one printing after another;
    ``evaluate`` fills the contents as the browser would and says whether a number changed."""

    def __init__(self, printings: list[dict[str, int]]) -> None:
        self.printings = [_pdf_with_destinations(9, {k: v - 1 for k, v in p.items()}) for p in printings]
        self.printed = 0
        self.shown: dict[str, int] = {}
        self.filled: list[dict[str, int]] = []

    def pdf(self, **options) -> bytes:
        assert options["tagged"] is True and options["outline"] is True
        data = self.printings[min(self.printed, len(self.printings) - 1)]
        self.printed += 1
        return data

    def evaluate(self, script: str, pages: dict[str, int] | None = None) -> bool | list[str]:
        if pages is None:
            assert "h1, h2, h3" in script
            return []  # no headings to mend the bookmarks from
        assert ".toc-page[data-anchor]" in script
        self.filled.append(pages)
        changed, self.shown = pages != self.shown, dict(pages)
        return changed


def test_numbers_that_do_not_move_take_two_printings():
    page = FakePage([{"section-cover": 1, "section-profile": 2}])
    data = pdf.print_with_page_numbers(page, ("Doncaster", "2017-18 Q4"))
    assert page.printed == 2 and page.filled == [{"section-cover": 1, "section-profile": 2}] * 2
    assert pdf.anchor_pages(data) == {"section-cover": 1, "section-profile": 2}


def test_numbers_that_move_take_a_third_printing_and_no_more():
    # writing the numbers pushes the profile to page 3, then to page 4: three printings at most
    page = FakePage([{"section-profile": 2}, {"section-profile": 3}, {"section-profile": 4},
                     {"section-profile": 5}])
    data = pdf.print_with_page_numbers(page, ("", ""))
    assert page.printed == pdf.MAX_PRINTS == 3
    assert pdf.anchor_pages(data) == {"section-profile": 4}


def test_a_document_without_contents_is_printed_once():
    page = FakePage([{}])
    page.evaluate = lambda script, pages=None: False if pages is not None else []  # nothing to fill in
    pdf.print_with_page_numbers(page, ("", ""))
    assert page.printed == 1


@pytest.fixture
def two_part_pack() -> Pack:
    core = (Section("cover", "Key messages", (Text("Two measures outside tolerance."),)),
            Section("profile", "Performance profile", (Text("Every measure."),)))
    appendix = (Section("indicator_detail", "Each indicator in detail", (Text("How to read it."),), appendix=True),
                Section("quoted", "Quoted figures checked", (Text("All match."),), appendix=True))
    return Pack("Doncaster: children's social care performance, 2017-18 Q4",
                {"la": "Doncaster", "period": "2017-18 Q4"}, core + appendix)


def test_contents_entries_wait_for_their_page_numbers_and_the_appendix_is_one_part(two_part_pack):
    document = html.document(two_part_pack, {})
    entries = re.findall(r'<a href="#([\w-]+)"><span class="toc-title">([^<]+)</span>'
                         r'<span class="toc-page" data-anchor="([\w-]+)"></span></a>', document)
    assert [(a, t) for a, t, b in entries if a == b] == [
        ("section-cover", "1. Key messages"), ("section-profile", "2. Performance profile"),
        ("appendix", "3. Appendix"), ("section-indicator_detail", "1. Each indicator in detail"),
        ("section-quoted", "2. Quoted figures checked")]
    # h1 the title, h2 each core section and the appendix, h3 each part of the appendix
    headings = re.findall(r"<(h[1-3])[^>]*>([^<]+)</h[1-3]>", document)
    assert headings == [("h1", "Doncaster: children&#39;s social care performance, 2017-18 Q4"),
                        ("h2", "Key messages"), ("h2", "Contents"), ("h2", "Performance profile"),
                        ("h2", "Appendix"), ("h3", "Each indicator in detail"),
                        ("h3", "Quoted figures checked")]
    assert document.index('class="appendix-start"') < document.index(">Appendix</h2>")


def test_a_long_table_may_continue_under_its_repeated_header_a_short_one_is_kept_whole():
    import pandas as pd

    from analysis.core.blocks import Column, Table

    def table(rows: int) -> Table:
        return Table(f"t{rows}", pd.DataFrame({"m": [f"M{i}" for i in range(rows)]}), (Column("m", "Measure"),),
                     caption="Measures")

    assert 'class="table-wrap keep-whole"' in html.table_html(table(html.KEEP_WHOLE_ROWS))
    assert 'class="table-wrap"' in html.table_html(table(html.KEEP_WHOLE_ROWS + 1))
    assert "thead { display: table-header-group; }" in html.CSS
    assert ".table-wrap.keep-whole table { break-inside: avoid;" in html.CSS


def test_the_page_picture_is_the_files_picture_without_its_source_line():
    chart = Chart("re_referrals", sourced_line, {"values": [24.0, 25.5, 27.1]}, alt_text="Up each year.",
                  source=SOURCE, title="Re-referrals within 12 months")
    drawing = files.draw_chart(chart)
    exported = np.asarray(Image.open(io.BytesIO(drawing["charts/re_referrals.png"])).convert("L"))
    page = np.asarray(Image.open(io.BytesIO(files.page_image(drawing, "re_referrals"))).convert("L"))
    # 6.7 x 3.9 inches at 150 dpi: 1005 x 585 pixels; the page picture stops 2 pt above the
    # source line, so it loses the strip holding it and is otherwise the same, pixel for pixel
    assert exported.shape == (585, 1005)
    assert page.shape[1] == 1005 and 550 <= page.shape[0] <= 575  # 559 today: a 26-pixel strip
    assert np.array_equal(page, exported[:page.shape[0]])
    strip = (exported[page.shape[0]:] < 200).any(axis=1)
    assert strip.sum() >= 8  # the source line's ink: 7.5 pt text is about 15 pixels high
    assert not (page[-4:] < 200).any()  # nothing cut through at the picture's foot
    # the source stays in the files an analyst copies, and only there
    assert SOURCE.encode() in drawing["charts/re_referrals.svg"]
    written = files.render(Pack("t", {}, (Section("s", "S", (chart,)),)), drawings={"re_referrals": drawing})
    assert sorted(drawing) == sorted(k for k in written if k.startswith("charts/")) == [
        "charts/re_referrals.png", "charts/re_referrals.svg", "charts/re_referrals.txt"]
    # drawn in a worker process, the page picture comes back with the files'
    import pickle

    assert pickle.loads(pickle.dumps(drawing)).page == drawing.page


def test_the_caption_carries_the_source_under_the_page_picture():
    chart = Chart("re_referrals", sourced_line, {"values": [24.0, 27.1]}, alt_text="Up.", source=SOURCE,
                  title="Re-referrals within 12 months")
    drawing = files.draw_chart(chart)
    figure = str(html.chart_html(chart, drawing))
    assert figure.count("Source: DfE, Children in need 2016-17 (table C1)") == 1
    assert "<figcaption>Re-referrals within 12 months. Source: DfE" in figure
    import base64

    shown = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', figure).group(1))
    assert shown == files.page_image(drawing, "re_referrals") != drawing["charts/re_referrals.png"]


def _pdf_with_outline(titles: list[str]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    parent = writer.add_outline_item(title=titles[0], page_number=0)
    for title in titles[1:]:
        writer.add_outline_item(title=title, page_number=0, parent=parent)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _titles(data: bytes) -> list:
    from pypdf import PdfReader

    return [o.title if not isinstance(o, list) else [x.title for x in o] for o in PdfReader(io.BytesIO(data)).outline]


def test_a_bookmark_runs_together_where_its_heading_wrapped_and_is_mended():
    # Chromium titles the bookmark of a heading printed on two lines without the space between
    data = _pdf_with_outline(["Doncaster: children'ssocial care performance, 2017-18Q4", "Key messages"])
    headings = ["Doncaster: children's social care performance, 2017-18 Q4", "Key messages", "Contents"]
    assert _titles(pdf.mend_outline(data, headings)) == [
        "Doncaster: children's social care performance, 2017-18 Q4", ["Key messages"]]
    right = _pdf_with_outline(["Key messages", "Contents"])
    assert pdf.mend_outline(right, headings) is right  # nothing to mend: the same bytes
