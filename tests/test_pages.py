"""Every page of the printed packs as a reader sees it: Doncaster 2017-18 Q4, Rotherham
2016-17 Q4, Lancashire 2017-18 Q2 and the deep dive on synthetic records, printed to PDF by
Chromium, each page drawn to PNG by pdftoppm and checked (analysis/render/page_check.py):
blank share, text off the page, words printed over each other.

The page images are kept for a reviewer in ``$CSC_ARTEFACTS/pages/<pack>/`` (by default
``artefacts/pages/<pack>/`` in the checkout, which git ignores), with ``pages.txt`` giving
each page's figures.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis.render.page_check import RULES, check_pages, page_problems, pdftoppm, render_pages
from tests.conftest import CHECKED_PACKS, ROOT, require_chromium


def artefacts_folder() -> Path:
    """Where CI keeps files for a reviewer: ``$CSC_ARTEFACTS`` or ``artefacts/`` in the checkout."""
    return Path(os.environ.get("CSC_ARTEFACTS") or ROOT / "artefacts")


def _require_pdftoppm() -> None:
    if pdftoppm() is None:
        if os.environ.get("CSC_REQUIRE_BROWSER"):
            pytest.fail("CSC_REQUIRE_BROWSER is set but pdftoppm was not found (Debian package poppler-utils)")
        pytest.skip("no pdftoppm on this machine (Debian package poppler-utils); CI installs it")


@pytest.mark.browser
@pytest.mark.e2e
@pytest.mark.parametrize("pack_name", [name for name, _, _ in CHECKED_PACKS] + ["deep-dive-synthetic"])
def test_every_page_is_laid_out_for_print(checked_documents, pack_name, tmp_path):
    require_chromium()
    _require_pdftoppm()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(checked_documents(pack_name, "pdf")["report.pdf"])
    folder = artefacts_folder() / "pages" / pack_name
    shutil.rmtree(folder, ignore_errors=True)
    pngs = render_pages(pdf, folder)
    reports = check_pages(pdf, pngs)
    (folder / "pages.txt").write_text("page\tblank share\tstarts a section\toff the page\toverlapping\n" + "".join(
        f"{r.number}\t{r.blank_share:.3f}\t{'yes' if r.starts_section else ''}\t{len(r.outside)}\t{len(r.overlaps)}\n"
        for r in reports), encoding="utf-8")
    assert len(pngs) == len(reports) >= 2
    problems = page_problems(reports, RULES)
    assert not problems, f"{pack_name} (pages in {folder}):\n" + "\n".join(problems)
