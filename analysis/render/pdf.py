"""PDF renderer: the HTML document printed by headless Chromium, A4 portrait.

Printing goes through Playwright driving the system's Chromium (``executable_path``; no
browser is downloaded): the page is printed with a running header (LA, period) and page
numbers in the footer, text kept as text (selectable and searchable), tagged for screen
readers, with bookmarks from the headings and the contents list's page numbers filled in
(:func:`print_with_page_numbers`). The PDF is optional:
without Chromium (or Playwright) :func:`unavailable` says why and the runner records that in
the manifest instead of failing the pack.

The browser never outlives its parent: its profile and temporary files are in one scratch
folder, and a small watcher (``_reaper.py``, in a session of its own) kills whatever still runs
there and removes the folder once the pipe from this process closes, which happens however
this process ends (even on SIGKILL). Playwright's driver closes the browser on that too. Printing runs in a thread of its own, so it also works
inside a notebook kernel, whose asyncio loop Playwright's sync API may not share.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from analysis.core.atomic import atomic_path
from analysis.core.blocks import Pack
from analysis.core.errors import AnalysisError
from analysis.render.files import Drawing, draw_charts

#: Chromium switches for printing: no network chatter, no GPU, no sandbox (containers).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]

#: Page margins: room for the running header and the page numbers.
MARGINS: Any = {  # Playwright's PdfMargins
    "top": "20mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}

_HEADER = ('<div style="font-family: DejaVu Sans, Arial, sans-serif; font-size: 8px; color: #444; '
           'width: 100%; margin: 0 14mm; display: flex; justify-content: space-between;">'
           '<span>{left}</span><span>{right}</span></div>')
_FOOTER = ('<div style="font-family: DejaVu Sans, Arial, sans-serif; font-size: 8px; color: #444; '
           'width: 100%; margin: 0 14mm; text-align: center;">Page <span class="pageNumber"></span> '
           'of <span class="totalPages"></span></div>')


class PdfUnavailableError(AnalysisError):
    """No PDF can be made here (no Chromium, no Playwright)."""


class PdfError(AnalysisError):
    """Chromium could not print the document."""


def find_chromium() -> str | None:
    """Path of a headless-capable Chromium or Chrome, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable() -> str | None:
    """None when a PDF can be printed here, else why not (for the manifest)."""
    if find_chromium() is None:
        return "no PDF engine: install Chromium (Debian package 'chromium') to get a PDF"
    try:
        import playwright.sync_api  # noqa: F401
        import pypdf  # noqa: F401
    except ImportError:
        return "no PDF engine: install the toolkit's dependencies (Playwright, pypdf) to get a PDF"
    return None


def header_html(left: str = "", right: str = "") -> str:
    """The running header's HTML (Chromium's header template), with the text escaped."""
    return _HEADER.format(left=html_lib.escape(left), right=html_lib.escape(right))


def running_header(pack: Pack) -> tuple[str, str]:
    """What the header shows: the LA on the left, the period on the right."""
    return str(pack.meta.get("la", "") or pack.title), str(pack.meta.get("period", "") or "")


_ENVIRON_LOCK = threading.Lock()


@contextlib.contextmanager
def _driver_in(scratch: Path) -> Iterator[Any]:
    """Playwright started with its driver's temporary files in ``scratch`` too (the driver
    copies this process's environment when it starts), so the watcher can find it."""
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    with _ENVIRON_LOCK:
        saved = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = str(scratch)
        try:
            pw = manager.start()
        finally:
            if saved is None:
                del os.environ["TMPDIR"]
            else:
                os.environ["TMPDIR"] = saved
    try:
        yield pw
    finally:
        pw.stop()


def _print(source: Path | str, header: tuple[str, str], timeout: float) -> bytes:
    """Print a file (Path) or an HTML string to PDF bytes with Chromium, via Playwright.

    The browser's profile and temporary files live in one scratch folder, watched by
    ``_reaper.py``: it removes the folder (and kills a browser still running in it) once this
    process lets go of it, even if this process is killed.
    """
    from playwright.sync_api import Error as PlaywrightError

    browser_path = find_chromium()
    if browser_path is None:
        raise PdfUnavailableError(unavailable() or "no Chromium")
    scratch = scratch_folder()
    reaper = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_reaper.py")), str(scratch)],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        with _driver_in(scratch) as pw:
            context = pw.chromium.launch_persistent_context(
                str(scratch / "profile"), executable_path=browser_path, args=CHROMIUM_FLAGS,
                headless=True, env={**os.environ, "TMPDIR": str(scratch)}, timeout=timeout * 1000)
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(timeout * 1000)
                if isinstance(source, Path):
                    page.goto(source.resolve().as_uri(), wait_until="load")
                else:
                    page.set_content(source, wait_until="load")
                page.emulate_media(media="print")
                return print_with_page_numbers(page, header)
            finally:
                context.close()
    except PlaywrightError as exc:
        raise PdfError("Chromium could not print the document to PDF",
                       found=str(exc).strip().splitlines()[0][:300]) from None
    finally:
        if reaper.stdin is not None:
            reaper.stdin.close()
        try:
            reaper.wait(timeout=30)
        except subprocess.TimeoutExpired:
            shutil.rmtree(scratch, ignore_errors=True)


def _pdf_bytes(page: Any, header: tuple[str, str]) -> bytes:
    """One printing of the loaded page: A4, running header and page numbers, tagged (a
    structure of headings, paragraphs, tables and figures for screen readers) and with an
    outline (bookmarks) made from the headings."""
    return page.pdf(format="A4", landscape=False, print_background=True,
                    display_header_footer=True, header_template=header_html(*header),
                    footer_template=_FOOTER, margin=MARGINS, prefer_css_page_size=False,
                    tagged=True, outline=True)


def print_with_page_numbers(page: Any, header: tuple[str, str]) -> bytes:
    """Print the loaded page, with the page of every heading the contents list links to
    written beside its entry.

    The first printing says where each linked heading fell (:func:`anchor_pages`); the
    numbers are written into the contents and the page printed again. Where writing them
    moved a heading to another page, it is printed once more with the new numbers, at most
    :data:`MAX_PRINTS` times in all. A document without a contents list is printed once."""
    data = _pdf_bytes(page, header)
    for _ in range(MAX_PRINTS - 1):
        if not page.evaluate(_FILL_CONTENTS, anchor_pages(data)):
            break
        data = _pdf_bytes(page, header)
    return mend_outline(data, page.evaluate(_HEADINGS))


#: How often a document may be printed to settle its contents' page numbers.
MAX_PRINTS = 3

#: Writes each contents entry's page number (``.toc-page[data-anchor]``) from ``{anchor:
#: page}``; true when any number changed.
_FILL_CONTENTS = """pages => {
  let changed = false;
  for (const cell of document.querySelectorAll("nav.contents .toc-page[data-anchor]")) {
    const page = pages[cell.dataset.anchor];
    const text = page === undefined ? "" : String(page);
    if (cell.textContent !== text) { cell.textContent = text; changed = true; }
  }
  return changed;
}"""


#: Every heading's text, spaces as a reader sees them.
_HEADINGS = """() => Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"),
                                 h => h.textContent.replace(/\\s+/g, " ").trim())"""


def _squashed(text: str) -> str:
    return "".join(text.split())


def _outline_items(first: Any) -> Iterator[Any]:
    """Every bookmark of an outline (pypdf's dictionaries), depth first."""
    item = first
    while item is not None:
        item = item.get_object()
        yield item
        yield from _outline_items(item.get("/First"))
        item = item.get("/Next")


def mend_outline(data: bytes, headings: Sequence[str]) -> bytes:
    """The PDF with each bookmark titled as its heading reads.

    Chromium runs a heading's lines together where it wrapped ("children'ssocial care"); a
    bookmark whose title is a heading's text but for spaces gets the heading's text. The
    bytes come back unchanged where no title needs it."""
    import io
    import logging

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    known = {_squashed(h): h for h in headings}

    def mended(item: Any) -> str | None:
        title = str(item.get("/Title", ""))
        right = known.get(_squashed(title))
        return right if right is not None and right != title else None

    reader = PdfReader(io.BytesIO(data))
    catalogue: Any = reader.trailer["/Root"]
    outlines: Any = catalogue.get("/Outlines")
    if outlines is None or not any(mended(i) for i in _outline_items(outlines.get_object().get("/First"))):
        return data
    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # Chromium's trailer undercounts its objects: pypdf says so
    try:
        writer = PdfWriter(clone_from=reader)
        root: Any = writer.root_object["/Outlines"]
        for item in _outline_items(root.get_object().get("/First")):
            if (title := mended(item)) is not None:
                item[NameObject("/Title")] = TextStringObject(title)
        out = io.BytesIO()
        writer.write(out)
    finally:
        quiet.setLevel(level)
    return out.getvalue()


def anchor_pages(data: bytes) -> dict[str, int]:
    """The page (from 1) of every named destination in a PDF: Chromium makes one for each
    element an internal link points to, named by the element's id."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = {str(name).lstrip("/"): reader.get_destination_page_number(dest)
             for name, dest in reader.named_destinations.items()}
    return {name: page + 1 for name, page in pages.items() if page is not None and page >= 0}


#: Chromium keeps Unix sockets in its temporary folder, and a socket's path may be at most
#: about 100 characters: a longer temporary folder makes the browser fail to start.
MAX_SCRATCH_PATH = 60


def scratch_folder() -> Path:
    """A new folder for the browser's profile and temporary files: in the system's temporary
    folder, or in /tmp where that folder's path is too long for Chromium's sockets."""
    scratch = Path(tempfile.mkdtemp(prefix="csc-pdf-"))
    if len(str(scratch)) <= MAX_SCRATCH_PATH or os.name != "posix":
        return scratch
    scratch.rmdir()
    return Path(tempfile.mkdtemp(prefix="csc-pdf-", dir="/tmp"))


def print_pdf(source: Path | str, header: tuple[str, str] = ("", ""), timeout: float = 120) -> bytes:
    """``source`` (an HTML file or document text) as PDF bytes. In a thread of its own, so it
    works where an asyncio loop is running (a notebook kernel)."""
    reason = unavailable()
    if reason:
        raise PdfUnavailableError(reason)
    with ThreadPoolExecutor(1, thread_name_prefix="pdf") as pool:
        return pool.submit(_print, source, header, timeout).result()


def html_to_pdf(html: Path, pdf: Path, header: tuple[str, str] = ("", ""),
                timeout: float = 120) -> str | None:
    """Print ``html`` to ``pdf`` (atomically). Returns None, or why there is no PDF."""
    try:
        data = print_pdf(html, header, timeout)
    except PdfUnavailableError as exc:
        return str(exc)
    except PdfError as exc:
        return f"PDF not made: {exc}"
    with atomic_path(pdf) as tmp:
        tmp.write_bytes(data)
    return None


def render(pack: Pack, *, drawings: Mapping[str, Drawing] | None = None,
           workers: int | None = None, **_: Any) -> dict[str, str | bytes]:
    """``report.pdf``: the HTML document printed to A4. PdfUnavailableError without Chromium."""
    from analysis.render.html import document

    if drawings is None:
        drawings = draw_charts(pack.charts(), workers)
    return {"report.pdf": print_pdf(document(pack, drawings), running_header(pack))}
