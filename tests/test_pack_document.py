"""Doncaster's 2017-18 Q4 pack rendered as a committee reads it: the PDF (A4, at most 12 core
pages, every table's columns on the page as text, tagged, bookmarks for the sections, a
contents list with page numbers, no heading left at a page's foot, each chart's source once,
long tables continued under their header row) and the Word document (key messages, the
profile table, every chart with its alt text). The pack is the session's checked pack
(``checked_packs``), each format rendered once for the session (``checked_documents``, which
the page-layout test of ``test_pages.py`` prints the same PDF with)."""

from __future__ import annotations

import io
import os
import re
import unicodedata

import pytest

from analysis.core.blocks import Pack, Table

#: The core pack (before the appendix) must fit a committee paper.
MAX_CORE_PAGES = 12
A4_POINTS = (595.3, 841.9)


#: Doncaster's 2017-18 Q4 pack among the session's checked packs (tests/conftest.py).
DONCASTER = "doncaster-2017-18-q4"


@pytest.fixture(scope="module")
def pack(checked_packs) -> Pack:
    return checked_packs[DONCASTER]


@pytest.fixture(scope="module")
def rendered(checked_documents) -> dict[str, str | bytes]:
    from analysis.render import pdf

    formats = ["html", "docx"] if pdf.unavailable() else ["html", "docx", "pdf"]
    return {path: content for fmt in formats for path, content in checked_documents(DONCASTER, fmt).items()}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pdf_pages(rendered) -> list:
    pypdf = pytest.importorskip("pypdf")
    if "report.pdf" not in rendered:
        if os.environ.get("CSC_REQUIRE_BROWSER"):
            pytest.fail("CSC_REQUIRE_BROWSER is set but no Chromium was found to print the PDF")
        pytest.skip("no Chromium to print the PDF (Debian package 'chromium'); CI installs it")
    return pypdf.PdfReader(io.BytesIO(rendered["report.pdf"])).pages


@pytest.fixture(scope="module")
def page_texts(pdf_pages) -> list[str]:
    """Each page's text, read from the PDF once for every test here."""
    return [page.extract_text() for page in pdf_pages]


def _core_pages(texts: list[str]) -> int:
    """Pages before the appendix's heading, "Appendix" over its first part's (the contents
    list them with page numbers between)."""
    for i, text in enumerate(texts):
        if "Appendix Each indicator in detail" in _flat(text):
            return i
    return len(texts)


def test_pdf_is_a4_with_at_most_12_core_pages(pdf_pages, page_texts):
    for page in pdf_pages:
        assert float(page.mediabox.width) == pytest.approx(A4_POINTS[0], abs=1.5)
        assert float(page.mediabox.height) == pytest.approx(A4_POINTS[1], abs=1.5)
    core = _core_pages(page_texts)
    assert 5 <= core <= MAX_CORE_PAGES < len(pdf_pages)


def test_pdf_page_one_holds_the_key_messages(page_texts):
    first = _flat(page_texts[0])
    for expected in ("Doncaster", "2017-18 Q4", "Date made", "Key messages",
                     "20 contract measures this quarter", "Re-referrals within 12 months: 27.1% (1,429 of 5,275)",
                     "ranked 142 of 152, band D"):
        assert expected in first, expected


def test_every_table_column_is_on_the_pdf_page(pack, page_texts):
    text = _flat(" ".join(page_texts))
    squashed = re.sub(r"\s", "", text)
    for table in pack.tables():
        for column in table.columns:
            if column.display:
                label = re.sub(r"\s", "", column.label)
                assert label in squashed, f"{table.name}: {column.label}"
        # the last row's first cell too: no table cut at the foot of a page
        first = next(c for c in table.columns if c.display)
        last = str(table.frame[first.key].iloc[-1])
        assert re.sub(r"\s", "", last) in squashed, f"{table.name}: {last}"


def test_word_document_holds_key_messages_profile_and_every_chart(pack, rendered):
    docx = pytest.importorskip("docx")
    document = docx.Document(io.BytesIO(rendered["report.docx"]))
    body = _flat("\n".join(p.text for p in document.paragraphs))
    assert "Key messages" in body
    assert ("Re-referrals within 12 months: 27.1% (1,429 of 5,275) in 2016-17, worse than England (21.9%)"
            in body)
    assert "Care proceedings on track to finish within 26 weeks: 76% against" in body
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    profile = next(t for t in pack.tables() if t.name == "profile")
    assert [c.label for c in profile.columns if c.display] in headers
    table = document.tables[headers.index([c.label for c in profile.columns if c.display])]
    assert len(table.rows) == 1 + len(profile.frame)
    assert any(c.text == "76%" for c in table.rows[8].cells)  # B8, the 8th contract measure
    descriptions = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert len(descriptions) == len(pack.charts())
    for chart, descr in zip(pack.charts(), descriptions, strict=True):
        assert descr == " ".join(chart.alt_text.split())


def test_tables_are_real_tables_not_pictures(pack):
    names = {t.name for t in pack.tables()}
    assert {"profile", "status_summary", "at_a_glance"} <= names
    assert not any(c.name in ("status_summary", "cover_contract_measures") for c in pack.charts())
    assert all(isinstance(t, Table) for t in pack.tables())


def test_html_pack_has_no_serious_accessibility_violations(rendered, tmp_path):
    from analysis.render import pdf

    if pdf.unavailable():
        pytest.skip("no Chromium for axe-core")
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    from playwright.sync_api import sync_playwright

    html = tmp_path / "report.html"
    html.write_text(rendered["report.html"], encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=pdf.find_chromium(), args=pdf.CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(html.as_uri(), wait_until="load")
        results = axe.Axe().run(page)
        browser.close()
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


def _squash(text: str) -> str:
    """Text without spaces, NFKC (the PDF's ligatures such as "fi" turned back into letters)."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def test_a_table_is_whole_on_its_page_or_repeats_its_header_row_where_it_continues(pack, page_texts):
    """A short table is never split; a long one may start under its heading and continue,
    its column headings repeated at the top of each page it runs onto."""
    from analysis.render.html import KEEP_WHOLE_ROWS

    pages = [_squash(text) for text in page_texts]
    continued = []
    for table in pack.tables():
        caption = _squash(table.caption)
        first = next(c for c in table.columns if c.display)
        last = _squash(str(table.frame[first.key].iloc[-1]))
        starts = [i for i, text in enumerate(pages) if caption in text]
        assert starts, f"{table.name}: caption not found"
        ends = [i for i in range(starts[0], len(pages)) if last in pages[i]]
        assert ends, f"{table.name}: its last row is not printed"
        if len(table.frame) <= KEEP_WHOLE_ROWS:
            assert ends[0] == starts[0], f"{table.name}: a short table is split"
        for i in range(starts[0], ends[0] + 1):
            for column in table.columns:
                if column.display:
                    assert _squash(column.label) in pages[i], f"{table.name}: no {column.label!r} on page {i + 1}"
        continued += [table.name] * (ends[0] - starts[0])
    # Doncaster's performance profile (20 contract measures) runs from page 2 onto page 3
    assert "profile" in continued


def _runs(page) -> list[tuple[float, float, str]]:
    """A page's text runs as (height above the page's foot in points, font size, text)."""
    runs: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((cm[5] + tm[5] * cm[3], size * abs(tm[3] * cm[3]), unicodedata.normalize("NFKC", text)))

    page.extract_text(visitor_text=visit)
    return runs


@pytest.fixture(scope="module")
def page_runs(pdf_pages) -> list[list[tuple[float, float, str]]]:
    """Each page's text runs (:func:`_runs`), read from the PDF once for every test here."""
    return [_runs(page) for page in pdf_pages]


#: Headings are printed at 1.3 rem of 9.5 pt (12.3 pt); body text at 9.5 pt, captions smaller.
HEADING_SIZE = 11.0
#: The footer ("Page 2 of 39") sits in the bottom margin, 18 mm (51 pt).
FOOTER_TOP = 51.0

#: Doncaster's 2017-18 Q4 pack: its h2 headings in order (the appendix's parts are h3 under it).
DONCASTER_H2 = ["Key messages", "Contents", "Performance profile", "How the published indicators compare",
                "Quarterly trends", "Statistical process control",
                "Headline indicator: Re-referrals within 12 months", "Appendix"]


def _outline(reader) -> list[tuple[int, str, int]]:
    """The PDF's outline as (depth, title, page from 1), in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


@pytest.fixture(scope="module")
def pdf_reader(rendered, pdf_pages):
    import pypdf

    return pypdf.PdfReader(io.BytesIO(rendered["report.pdf"]))


def test_pdf_is_tagged_with_an_outline_of_the_sections(pack, pdf_reader):
    root = pdf_reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root  # pdfinfo: "Tagged: yes"
    outline = _outline(pdf_reader)
    (top,) = [(title, page) for depth, title, page in outline if depth == 0]
    assert top == (pack.title, 1)  # as it reads, though Chromium prints the title on two lines
    assert [t for d, t, _ in outline if d == 1] == DONCASTER_H2
    appendix = [t for d, t, _ in outline if d == 2]
    assert appendix == [s.title for s in pack.sections if s.appendix]
    assert (len(appendix), appendix[0], appendix[-1]) == (22, "Each indicator in detail", "Quoted figures checked")


def test_contents_gives_the_page_of_every_heading(pack, page_texts, page_runs, pdf_reader):
    contents = next(text for text in page_texts if "Contents" in text)
    lines = [unicodedata.normalize("NFKC", line) for line in contents.splitlines()]
    entries = {m.group(1): int(m.group(2)) for line in lines if (m := re.match(r"^\d+\. (.+) (\d+)$", line))}
    expected = [s.title for s in pack.sections] + ["Appendix"]
    assert sorted(entries) == sorted(expected)
    assert entries["Key messages"] == 1 and entries["Appendix"] == entries["Each indicator in detail"]
    bookmarks = {title: page for _, title, page in _outline(pdf_reader)}
    for title, page in entries.items():
        assert bookmarks[title] == page, title
        headings = [t.strip() for _, size, t in page_runs[page - 1] if size >= HEADING_SIZE]
        assert title in headings, f"{title}: not a heading on page {page}"


def test_no_page_ends_with_a_heading(page_runs):
    for number, page in enumerate(page_runs, start=1):
        runs = [(y, size, text) for y, size, text in page if FOOTER_TOP < y < 842 - 57]
        lowest = min(y for y, _, _ in runs)
        for y, size, text in runs:
            if size >= HEADING_SIZE:
                assert y - lowest > size, f"page {number}: {text!r} has nothing under it"


def test_each_chart_source_is_printed_once(pack, page_texts):
    """Under its chart, as text; the picture on the page is drawn without it."""
    text = _squash(" ".join(page_texts))
    sources = [b.source for b in (*pack.charts(), *pack.tables()) if b.source]
    for chart in pack.charts():
        printed = text.count(_squash(chart.source))
        assert printed == sum(_squash(chart.source) in _squash(s) for s in sources), chart.name
