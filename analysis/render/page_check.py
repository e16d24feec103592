"""A printed document's pages as a reader sees them: how much of each page is blank, text
that runs off the page and words printed over each other.

Pure functions on a PDF's path. Pages are drawn to PNG by ``pdftoppm`` (Debian package
poppler-utils); text boxes with their positions come from pdfplumber (over pdfminer.six).
Every threshold is in :data:`RULES`. :func:`page_problems` words what breaks them, one line
per page, for a test or a reviewer; the PNGs are kept so that someone can look.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.core.errors import AnalysisError, InputDataError


@dataclass(frozen=True)
class PageRules:
    """What a published page may look like."""

    #: No page may be more than this share blank (its blank bands' height over the page's),
    #: except the last page of a section and the last page of the document.
    max_blank_share: float = 0.60
    #: A blank band counts only from this height (mm): gaps between lines and paragraphs and
    #: the space around a chart are part of the content.
    min_blank_band_mm: float = 10.0
    #: A pixel darker than this grey level (0 black, 255 white) is ink.
    ink_level: int = 235
    #: Text from this size (points) is a heading: a page whose first line under the running
    #: header is one starts a section (so the page before it ends one).
    heading_points: float = 12.0
    #: The running header sits above this line (points from the top of the page).
    header_band_points: float = 40.0
    #: Two words overlap when their boxes share more than this (points) both ways.
    overlap_points: float = 0.5


RULES = PageRules()

#: Resolution of the page images (dots per inch): enough to read a page, small to keep.
PAGE_DPI = 60


@dataclass(frozen=True)
class Word:
    """One word of a page's text layer and its box, in points from the page's top left."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float


@dataclass(frozen=True)
class PageText:
    """A page's size (points) and its words, in reading order."""

    width: float
    height: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class PageReport:
    """What the checks found on one page (numbered from 1)."""

    number: int
    blank_share: float
    outside: tuple[str, ...]
    overlaps: tuple[tuple[str, str], ...]
    starts_section: bool


def pdftoppm() -> str | None:
    """The path of ``pdftoppm``, or None where poppler-utils is not installed."""
    return shutil.which("pdftoppm")


def render_pages(pdf: Path, folder: Path, dpi: int = PAGE_DPI) -> list[Path]:
    """Draw every page of ``pdf`` to ``folder/page-NN.png`` (pdftoppm); the PNGs in page order."""
    tool = pdftoppm()
    if tool is None:
        raise AnalysisError("pdftoppm is not installed, so the pages cannot be drawn",
                            fix="install the Debian package poppler-utils")
    _check_pdf(pdf)
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([tool, "-png", "-r", str(dpi), str(pdf), str(folder / "page")],
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode:
        raise InputDataError("pdftoppm could not draw the pages", file=str(pdf),
                             found=done.stderr.strip()[:300] or f"exit status {done.returncode}",
                             expected="a PDF file", fix="print the document again")
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def _check_pdf(pdf: Path) -> None:
    if not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
        raise InputDataError("not a PDF file", file=str(pdf), expected="a file starting %PDF-",
                             found="no such file" if not pdf.is_file() else "other content",
                             fix="give the path of the printed report.pdf")


def blank_rows(ink_rows: np.ndarray, min_band: int) -> int:
    """How many rows lie in runs of at least ``min_band`` rows without ink."""
    edges = np.diff(np.concatenate(([1], ink_rows.astype(np.int8), [1])))
    starts, stops = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    runs = stops - starts
    return int(runs[runs >= min_band].sum())


def blank_share(png: Path, dpi: int = PAGE_DPI, rules: PageRules = RULES) -> float:
    """The share of a page image's height in blank bands of at least ``rules.min_blank_band_mm``."""
    from PIL import Image

    with Image.open(png) as image:
        grey = np.asarray(image.convert("L"))
    ink_rows: np.ndarray = np.asarray((grey < rules.ink_level).any(axis=1))
    min_band = max(1, round(rules.min_blank_band_mm * dpi / 25.4))
    return blank_rows(ink_rows, min_band) / len(ink_rows)


def page_texts(pdf: Path) -> list[PageText]:
    """Every page's size and words with their boxes (pdfplumber)."""
    import pdfplumber

    _check_pdf(pdf)
    out = []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            words = page.extract_words(extra_attrs=["size"])
            out.append(PageText(float(page.width), float(page.height), tuple(
                Word(str(w["text"]), float(w["x0"]), float(w["top"]), float(w["x1"]),
                     float(w["bottom"]), float(w["size"])) for w in words)))
    return out


def words_outside(page: PageText) -> list[Word]:
    """Words whose box is not wholly on the page."""
    return [w for w in page.words
            if w.x0 < 0 or w.top < 0 or w.x1 > page.width or w.bottom > page.height]


def overlapping_words(words: tuple[Word, ...] | list[Word],
                      tolerance: float = RULES.overlap_points) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes share more than ``tolerance`` points both across and down."""
    if len(words) < 2:
        return []
    box = np.array([(w.x0, w.top, w.x1, w.bottom) for w in words])
    across = np.minimum.outer(box[:, 2], box[:, 2]) - np.maximum.outer(box[:, 0], box[:, 0])
    down = np.minimum.outer(box[:, 3], box[:, 3]) - np.maximum.outer(box[:, 1], box[:, 1])
    hit = np.triu((across > tolerance) & (down > tolerance), k=1)
    return [(words[i], words[j]) for i, j in zip(*np.nonzero(hit), strict=True)]


def starts_section(page: PageText, rules: PageRules = RULES) -> bool:
    """Whether the page's first words under the running header are a heading."""
    body = [w for w in page.words if w.top >= rules.header_band_points]
    if not body:
        return False
    first = min(body, key=lambda w: (round(w.top), w.x0))
    return first.size >= rules.heading_points


def check_pages(pdf: Path, pngs: list[Path], dpi: int = PAGE_DPI,
                rules: PageRules = RULES) -> list[PageReport]:
    """One report per page of ``pdf``; ``pngs`` are its pages drawn by :func:`render_pages`."""
    texts = page_texts(pdf)
    if len(texts) != len(pngs):
        raise InputDataError("the page images do not match the PDF", file=str(pdf),
                             expected=f"{len(texts)} images", found=f"{len(pngs)}",
                             fix="draw the pages again with render_pages")
    return [PageReport(number=i, blank_share=round(blank_share(png, dpi, rules), 3),
                       outside=tuple(w.text for w in words_outside(text)),
                       overlaps=tuple((a.text, b.text) for a, b in
                                      overlapping_words(text.words, rules.overlap_points)),
                       starts_section=starts_section(text, rules))
            for i, (text, png) in enumerate(zip(texts, pngs, strict=True), start=1)]


def may_be_blank(reports: list[PageReport], index: int) -> bool:
    """The last page, and the last page of a section (the next page starts with a heading),
    may be as blank as they need."""
    return index == len(reports) - 1 or reports[index + 1].starts_section


def page_problems(reports: list[PageReport], rules: PageRules = RULES) -> list[str]:
    """Each page that breaks :data:`RULES`, in words."""
    out = []
    for i, r in enumerate(reports):
        if r.blank_share > rules.max_blank_share and not may_be_blank(reports, i):
            out.append(f"page {r.number}: {r.blank_share:.0%} blank "
                       f"(at most {rules.max_blank_share:.0%} except at the end of a section)")
        if r.outside:
            out.append(f"page {r.number}: text outside the page: {', '.join(r.outside[:5])}")
        if r.overlaps:
            out.append(f"page {r.number}: words printed over each other: "
                       + "; ".join(f"{a!r} and {b!r}" for a, b in r.overlaps[:5]))
    return out
