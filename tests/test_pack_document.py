"""Doncaster's 2017-18 Q4 pack rendered as a committee reads it: the PDF (A4, at most 12 core
pages, every table's columns on the page as text) and the Word document (key messages, the
profile table, every chart with its alt text). Rendered once, in memory."""

from __future__ import annotations

import io
import os
import re
import unicodedata

import pytest

from analysis.core.blocks import Pack, Table
from analysis.data.geography import load_areas, resolve_la
from analysis.data.periods import parse_quarter
from analysis.quarterly_pack import report
from analysis.render import output as render

#: The core pack (before the appendix) must fit a committee paper.
MAX_CORE_PAGES = 12
A4_POINTS = (595.3, 841.9)


@pytest.fixture(scope="module")
def pack(bench_table, paths) -> Pack:
    doncaster = resolve_la("Doncaster", load_areas(paths.root))
    return report.quarterly_pack(report.build_pack_context(doncaster, parse_quarter("2017-18 Q4"), paths=paths))


@pytest.fixture(scope="module")
def rendered(pack) -> dict[str, str | bytes]:
    from analysis.render import pdf

    formats = ["html", "docx"] if pdf.unavailable() else ["html", "docx", "pdf"]
    return render.render_all(pack, formats, workers=0)


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


def _core_pages(pages: list) -> int:
    """Pages before the first appendix heading (page 1's contents only list the titles)."""
    for i, page in enumerate(pages):
        if i and "Appendix: Each indicator in detail" in _flat(page.extract_text()):
            return i
    return len(pages)


def test_pdf_is_a4_with_at_most_12_core_pages(pdf_pages):
    for page in pdf_pages:
        assert float(page.mediabox.width) == pytest.approx(A4_POINTS[0], abs=1.5)
        assert float(page.mediabox.height) == pytest.approx(A4_POINTS[1], abs=1.5)
    core = _core_pages(pdf_pages)
    assert 5 <= core <= MAX_CORE_PAGES < len(pdf_pages)


def test_pdf_page_one_holds_the_key_messages(pdf_pages):
    first = _flat(pdf_pages[0].extract_text())
    for expected in ("Doncaster", "2017-18 Q4", "Date made", "Key messages",
                     "20 contract measures this quarter", "Re-referrals within 12 months: 27.1% (1,429 of 5,275)",
                     "ranked 142 of 152, band D"):
        assert expected in first, expected


def test_every_table_column_is_on_the_pdf_page(pack, pdf_pages):
    text = _flat(" ".join(p.extract_text() for p in pdf_pages))
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


def test_no_table_is_split_across_pages(pack, pdf_pages):
    """Each table's caption and its last row are on the same page."""
    # NFKC turns the PDF's ligatures (fi, ff) back into letters.
    pages = [re.sub(r"\s", "", unicodedata.normalize("NFKC", p.extract_text())) for p in pdf_pages]
    for table in pack.tables():
        caption = re.sub(r"\s", "", table.caption)
        first = next(c for c in table.columns if c.display)
        last = re.sub(r"\s", "", str(table.frame[first.key].iloc[-1]))
        starts = [i for i, text in enumerate(pages) if caption in text]
        assert starts, f"{table.name}: caption not found"
        assert last in pages[starts[0]], f"{table.name}: its last row is not on the caption's page"
