"""The Word documents as a clerk sees them: Doncaster's 2017-18 Q4 pack and the re-referrals
deep dive on synthetic records, laid out by LibreOffice (headless ``soffice --convert-to pdf``)
and read back from the PDF: "Page N of M" on every page with the right total, the contents
list showing the page each section starts on, and no word of any table cell broken across lines.

Needs LibreOffice Writer (Debian package ``libreoffice-writer``); skips without it, except
when CSC_REQUIRE_BROWSER is set (as in CI, which installs it), where it fails instead.
"""

from __future__ import annotations

import collections
import io
import os
import re
import shutil
import subprocess

import pytest


@pytest.fixture(scope="module")
def soffice() -> str:
    """LibreOffice's command (asked for first, so a machine without it skips at once)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CSC_REQUIRE_BROWSER"):
            pytest.fail("CSC_REQUIRE_BROWSER is set but LibreOffice (soffice) was not found")
        pytest.skip("no LibreOffice on this machine (Debian package 'libreoffice-writer'); CI installs it")
    return found


@pytest.fixture(scope="module")
def documents(checked_documents) -> dict[str, bytes]:
    """The two Word documents, rendered in memory once for the session (the checked packs of
    tests/conftest.py: Doncaster's 2017-18 Q4 pack and its deep dive on synthetic records)."""
    rendered = {name: checked_documents(pack, "docx")["report.docx"]
                for name, pack in (("pack", "doncaster-2017-18-q4"), ("dive", "deep-dive-synthetic"))}
    return {name: data for name, data in rendered.items() if isinstance(data, bytes)}


@pytest.fixture(scope="module")
def pdf_text(soffice, documents, tmp_path_factory) -> dict[str, list[str]]:
    """Each document converted to PDF by LibreOffice, as the text of each page."""
    pypdf = pytest.importorskip("pypdf")
    folder = tmp_path_factory.mktemp("libreoffice")
    files = []
    for name, data in documents.items():
        (folder / f"{name}.docx").write_bytes(data)
        files.append(str(folder / f"{name}.docx"))
    profile = (folder / "profile").as_uri()  # a profile of its own: no clash with a running LibreOffice
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *files], check=True, capture_output=True, timeout=240)
    return {name: [page.extract_text() for page in pypdf.PdfReader(io.BytesIO((folder / f"{name}.pdf").read_bytes())).pages]
            for name in documents}


def _docx(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", ["pack", "dive"])
def test_every_page_is_numbered_with_the_right_total(pdf_text, name):
    pages = pdf_text[name]
    assert len(pages) > 5
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in _flat(text), number


@pytest.mark.parametrize("name", ["pack", "dive"])
def test_contents_list_shows_the_page_each_section_starts_on(pdf_text, documents, name):
    pages = [_flat(p) for p in pdf_text[name]]
    headings = [p.text for p in _docx(documents[name]).paragraphs
                if p.style.name == "Heading 1"]
    contents = " ".join(pages[:3])
    listed = []
    for heading in headings:
        found = re.search(re.escape(heading) + r"\s*\.{3,}\s*(\d+)", contents)
        assert found, f"{heading}: no page number in the contents"
        listed.append(int(found.group(1)))
    assert listed == sorted(listed) and listed[0] >= 1 and listed[-1] <= len(pages)
    for heading, page in zip(headings, listed, strict=True):
        assert heading in pages[page - 1], f"{heading}: not on page {page}"


def _words(text: str) -> list[str]:
    """Words as a line may break them: at spaces and after a hyphen between letters (as in
    "re-" and "offending"); a contents line's dotted leader is not a word."""
    text = re.sub(r"\.{3,}", " ", text)
    return re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", "- ", text).split()


def broken_words(cells: list[str], paragraphs: list[str], pdf: str) -> dict[str, tuple[int, int]]:
    """Words of table cells the PDF's text holds fewer times than the document does (a word
    broken across two lines of a cell becomes two pieces): word -> (in the PDF, in the document)."""
    everywhere = collections.Counter(w for text in [*cells, *paragraphs] for w in _words(text))
    shown = collections.Counter(_words(pdf))
    return {w: (shown[w], everywhere[w]) for text in cells for w in _words(text) if shown[w] < everywhere[w]}


def test_a_word_broken_in_a_cell_is_found():
    cells = ["Indicator", "Doncaster", "Proven re-offending"]
    assert broken_words(cells, [], "Indicato\nr Doncaster Proven re-\noffending") == {"Indicator": (0, 1)}
    # whole elsewhere on the page does not make up for a broken one in a cell
    assert broken_words(cells, ["Indicator"], "Indicator Indicato r Doncaster Proven re-offending") == {
        "Indicator": (1, 2)}
    assert broken_words(cells, [], "Indicator Doncaster Proven re-offending") == {}


@pytest.mark.parametrize("name", ["pack", "dive"])
def test_no_table_cell_breaks_a_word(pdf_text, documents, name):
    """Every word of every table cell appears whole in the PDF's text, as often as the
    document holds it."""
    document = _docx(documents[name])
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert len(cells) > 50
    assert broken_words(cells, [p.text for p in document.paragraphs], " ".join(pdf_text[name])) == {}
