"""The page-layout checker (analysis/render/page_check.py) on hand-made pages and words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.core.errors import InputDataError
from analysis.render.page_check import (
    RULES,
    PageReport,
    PageText,
    Word,
    blank_rows,
    blank_share,
    overlapping_words,
    page_problems,
    page_texts,
    starts_section,
    words_outside,
)


def _word(text: str, x0: float, top: float, x1: float, bottom: float, size: float = 9.5) -> Word:
    return Word(text, x0, top, x1, bottom, size)


def test_blank_rows_counts_only_runs_as_long_as_the_band():
    # ink, 3 blank, ink, 12 blank, ink, 10 blank (to the foot): bands of 10 or more count.
    rows = np.array([True] + [False] * 3 + [True] + [False] * 12 + [True] + [False] * 10)
    assert blank_rows(rows, 10) == 22
    assert blank_rows(rows, 3) == 25
    assert blank_rows(rows, 13) == 0
    assert blank_rows(np.zeros(40, dtype=bool), 10) == 40


def test_blank_share_of_a_drawn_page(tmp_path: Path):
    from PIL import Image, ImageDraw

    # 25.4 dpi: one pixel is one millimetre. A 100 mm page with ink on rows 0-4 and 50-54:
    # blank bands of 45 mm (rows 5-49) and 45 mm (rows 55-99), both over the 10 mm band.
    image = Image.new("RGB", (60, 100), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((5, 0, 50, 4), fill="black")
    draw.rectangle((5, 50, 50, 54), fill=(200, 200, 200))  # light grey is still ink (< 235)
    image.save(tmp_path / "page.png")
    assert blank_share(tmp_path / "page.png", dpi=25.4) == pytest.approx(0.90)
    # A near-white tint (240) is paper, not ink: only rows 0-4 are ink.
    draw.rectangle((5, 50, 50, 54), fill=(240, 240, 240))
    image.save(tmp_path / "tint.png")
    assert blank_share(tmp_path / "tint.png", dpi=25.4) == pytest.approx(0.95)


def test_overlapping_words_are_found_and_neighbours_are_not():
    words = [_word("axis", 10, 100, 40, 108), _word("5%", 30, 102, 45, 110),   # overlap 10 x 6
             _word("next", 45.2, 102, 60, 110),                               # 0.2 clear of 5%
             _word("below", 10, 107.7, 28, 116)]                              # 0.3 into "axis"
    pairs = overlapping_words(words)
    assert [(a.text, b.text) for a, b in pairs] == [("axis", "5%")]
    assert overlapping_words(words, tolerance=0.1) == [(words[0], words[1]), (words[0], words[3])]
    assert overlapping_words(words[:1]) == []


def test_words_outside_the_page():
    page = PageText(595.3, 841.9, (_word("in", 40, 40, 60, 50), _word("right", 580, 40, 600, 50),
                                   _word("foot", 40, 835, 60, 845), _word("left", -3, 60, 20, 70)))
    assert [w.text for w in words_outside(page)] == ["right", "foot", "left"]


def test_a_page_starts_a_section_when_its_first_line_under_the_header_is_a_heading():
    header = _word("Doncaster", 40, 16, 80, 22, size=6.0)
    heading = PageText(595.3, 841.9, (header, _word("Appendix:", 40, 60, 110, 73, size=12.3),
                                      _word("Text", 40, 90, 60, 99)))
    body = PageText(595.3, 841.9, (header, _word("Text", 40, 59, 60, 69),
                                   _word("Heading", 40, 300, 110, 313, size=12.3)))
    assert starts_section(heading) and not starts_section(body)
    assert not starts_section(PageText(595.3, 841.9, (header,)))


def _report(number: int, blank: float, starts: bool = False) -> PageReport:
    return PageReport(number, blank, (), (), starts)


def test_blank_pages_are_allowed_only_at_the_end_of_a_section_or_the_document():
    reports = [_report(1, 0.10, True), _report(2, 0.61), _report(3, 0.92),
               _report(4, 0.30, True), _report(5, RULES.max_blank_share), _report(6, 0.95)]
    # page 2 is too blank; page 3 ends a section (page 4 starts one); page 5 is at the
    # threshold, allowed; page 6 is the last page.
    assert page_problems(reports) == [
        "page 2: 61% blank (at most 60% except at the end of a section)"]


def test_text_off_the_page_and_words_over_each_other_are_problems():
    reports = [PageReport(1, 0.1, ("Total",), (("axis", "5%"),), False)]
    assert page_problems(reports) == ["page 1: text outside the page: Total",
                                      "page 1: words printed over each other: 'axis' and '5%'"]


def test_a_file_that_is_not_a_pdf_is_refused(tmp_path: Path):
    (tmp_path / "report.pdf").write_text("<html>")
    with pytest.raises(InputDataError, match=r"report.pdf: not a PDF file") as err:
        page_texts(tmp_path / "report.pdf")
    assert "Fix: give the path of the printed report.pdf" in str(err.value)
