"""Files renderer: charts as PNG, SVG and alt text; tables as CSV and one XLSX; notes.csv.

Every chart is drawn by one function, :func:`draw_chart`, whether in this process or in worker
processes that this renderer starts and stops (a :class:`Chart` holds a module-level plot
function and its inputs, so it pickles); workers started ahead of a pack draw its sections'
charts while the rest is built. Downloads keep numbers as
numbers; text that a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
import math
import multiprocessing
import os
import pickle
import signal
import sys
import weakref
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pandas as pd

from analysis.core.blocks import Chart, Column, Note, Pack, Section, Table, Text
from analysis.core.errors import AnalysisError
from analysis.render.formats import (
    column_decimals,
    download_cell,
    download_label,
    excel_format,
    reason_column,
    row_column,
)

#: Characters that make a spreadsheet treat a text cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Charts drawn in worker processes only when a pack has at least this many. Starting the
#: workers' server (matplotlib loaded once, about a second) and one worker per core takes
#: some 450 MB and pays for itself only over many charts: the deep dive's 13 are drawn in
#: its kernel in about 2 s, no slower than by two workers started for them (see
#: ``docs/performance.md``). The quarterly pack starts its workers ahead (:func:`start_workers`).
POOL_MIN_CHARTS = 16

class Drawing(dict[str, bytes]):
    """One chart's drawings: relative path -> bytes of each file written (PNG and SVG with the
    source line, alt text), and ``page``: the PNG for a document page, drawn without the source
    line, which a document prints as text in the caption under it (empty: use the file's PNG)."""

    page: bytes = b""


def chart_paths(name: str) -> dict[str, str]:
    """The files a chart is written to: PNG and SVG with its source line, and its alt text."""
    return {fmt: f"charts/{name}.{fmt}" for fmt in ("png", "svg", "txt")}


def page_image(drawing: Mapping[str, bytes], name: str) -> bytes:
    """The chart's picture for a document page: without its source line (the file's PNG
    where the drawing has no page picture)."""
    return getattr(drawing, "page", b"") or drawing[chart_paths(name)["png"]]


def _without_source(fig: Any, png_options: dict[str, Any]) -> bytes:
    """The figure as PNG with its source line (the ``source`` artists) hidden and the strip
    it took at the foot cut off. Call after the figure has been drawn once."""
    from matplotlib.transforms import Bbox

    sources = fig.findobj(lambda a: a.get_gid() == "source")
    renderer = fig.canvas.get_renderer()
    top = max((a.get_window_extent(renderer).y1 for a in sources), default=0.0) / fig.dpi
    width, height = fig.get_size_inches()
    out = io.BytesIO()
    for artist in sources:
        artist.set_visible(False)
    try:
        # cut on a whole pixel, so what stays is the file's picture pixel for pixel
        dpi = png_options["dpi"]
        cut = math.ceil(min(max(top + 2 / 72, 0.0), height * 0.5) * dpi) / dpi if sources else 0.0
        fig.savefig(out, format="png", bbox_inches=Bbox([[0.0, cut], [width, height]]), **png_options)
    finally:
        for artist in sources:
            artist.set_visible(True)
    return out.getvalue()


def draw_chart(chart: Chart) -> Drawing:
    """Draw ``chart`` once and return its PNG (150 dpi), SVG and alt text, by relative path,
    and the PNG for a document page without the source line (``Drawing.page``)."""
    from analysis.charts.style import PNG_COMPRESSION, PNG_DPI, house_style, settle_layout

    try:
        with house_style():
            fig = chart.draw()
            settle_layout(fig)
            out = Drawing()
            paths = chart_paths(chart.name)
            png, svg = io.BytesIO(), io.BytesIO()
            png_options = {"dpi": PNG_DPI, "pil_kwargs": {"compress_level": PNG_COMPRESSION}}
            fig.savefig(png, format="png", **png_options)
            fig.savefig(svg, format="svg", metadata={"Date": None})
            page = _without_source(fig, png_options)
    except AnalysisError:
        raise
    except Exception as exc:
        raise AnalysisError(f"chart {chart.name} could not be drawn", where=f"chart {chart.name}",
                            found=f"{type(exc).__name__}: {exc}") from exc
    out[paths["png"]] = png.getvalue()
    out[paths["svg"]] = svg.getvalue()
    out[paths["txt"]] = (" ".join(chart.alt_text.split()) + "\n").encode("utf-8")
    out.page = page
    return out


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C is for the parent, which stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: What every chart worker needs, loaded once by the workers' server (the charts' modules load
#: matplotlib's drawing machinery only where a chart is drawn).
WORKER_PRELOAD: list[str] = [
    "matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
    "analysis.charts.style", "analysis.charts.benchmark", "analysis.charts.trends",
    "analysis.charts.quarterly", "analysis.charts.statistics", "analysis.render.files",
]


def _context() -> multiprocessing.context.BaseContext:
    """Workers start from a fresh interpreter, never a fork of a notebook kernel (its threads
    and sockets do not survive a fork): "forkserver" where there is one, else "spawn"."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(WORKER_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


#: Main modules that a worker process may import again safely (a notebook kernel's).
SAFE_MAINS = frozenset({"ipykernel_launcher", "ipykernel.__main__", "ipykernel.kernelapp"})


def main_is_safe() -> bool:
    """Whether worker processes can start here without running the main program again.

    A worker imports the parent's main module (spawn and forkserver do); a script without an
    ``if __name__ == "__main__":`` guard would run again in every worker. Safe: a notebook
    kernel, or an interactive session (no main file)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(main, "__file__", None) is None or (spec is not None and spec.name in SAFE_MAINS)


def default_workers(charts: int) -> int:
    """Worker processes for ``charts`` charts: one per core in a notebook kernel when there
    are enough charts to pay for starting them, else none (drawn in this process).
    ``CSC_CHART_WORKERS`` overrides."""
    env = os.environ.get("CSC_CHART_WORKERS", "").strip()
    if env.isdigit():
        return int(env)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if charts >= POOL_MIN_CHARTS and cores > 1 and main_is_safe() else 0


#: The workers started ahead of a pack by :func:`start_workers`; they draw the charts
#: :func:`draw_ahead` hands them and stop when :func:`draw_charts` has every drawing.
_POOL: ProcessPoolExecutor | None = None


def start_workers(charts: int = POOL_MIN_CHARTS) -> bool:
    """Start the chart workers now, where :func:`draw_charts` would use workers for ``charts``
    charts; returns whether it started them.

    Their server loads matplotlib and the chart code once (about a second), and every worker
    is a copy of it. Called at the top of a pack's notebook, that loading happens on another
    core while the pack's figures are worked out, and the workers can draw each section's
    charts (:func:`draw_ahead`) while later sections are built. The workers stop when
    :func:`draw_charts` has drawn a pack. Nothing is drawn and nothing changes if no workers
    would be used."""
    global _POOL
    workers = default_workers(charts)
    if workers <= 0:
        return False
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
    if _POOL is None:
        _POOL = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_ignore_interrupts)
    return True


def _stop_workers() -> None:
    global _POOL
    if _POOL is not None:
        pool, _POOL = _POOL, None
        pool.shutdown(wait=True, cancel_futures=True)


def _picklable(charts: list[Chart]) -> bool:
    try:
        pickle.dumps(charts, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


#: Drawings made (or being made by the workers) in this process, by chart identity: a
#: notebook that shows a pack and then writes it draws each chart once. An entry goes when
#: its chart is garbage-collected.
_DRAWN: dict[int, tuple[weakref.ref[Chart], Drawing | Future[Drawing]]] = {}


def _remembered(chart: Chart) -> Drawing | Future[Drawing] | None:
    hit = _DRAWN.get(id(chart))
    return hit[1] if hit is not None and hit[0]() is chart else None


def _remember(chart: Chart, drawing: Drawing | Future[Drawing]) -> None:
    key = id(chart)

    def forget(_ref: object) -> None:
        _DRAWN.pop(key, None)

    _DRAWN[key] = (weakref.ref(chart, forget), drawing)


def draw_ahead(section: Section) -> None:
    """Hand ``section``'s charts to the workers :func:`start_workers` started, to be drawn
    while the rest of the pack is built; :func:`draw_charts` then waits for them. Does
    nothing without started workers (the charts are drawn when the pack is written)."""
    charts = [b for b in section.blocks if isinstance(b, Chart) and _remembered(b) is None]
    if _POOL is None or not charts or not _picklable(charts):
        return
    for chart in charts:
        _remember(chart, _POOL.submit(draw_chart, chart))


def draw_charts(charts: Iterable[Chart], workers: int | None = None) -> dict[str, Drawing]:
    """Every chart drawn by :func:`draw_chart`, by chart name, in order.

    ``workers``: processes to draw in (None: the workers :func:`start_workers` started, or
    :func:`default_workers`; 0: this process). A pool started here lives only for this call;
    started workers stop when this call has every drawing. Charts that cannot be pickled are
    drawn here. A chart value already drawn (or handed to the workers by
    :func:`draw_ahead`) is not drawn again.
    """
    charts = list(charts)
    known = {c.name: d for c in charts if (d := _remembered(c)) is not None}
    todo = [c for c in charts if c.name not in known]
    started = workers is None and _POOL is not None
    try:
        if started and todo and _POOL is not None and _picklable(todo):
            for chart in todo:
                future = _POOL.submit(draw_chart, chart)
                _remember(chart, future)
                known[chart.name] = future
            todo = []
        if workers is None:
            workers = default_workers(len(todo))
        if workers <= 0 or len(todo) < 2 or not _picklable(todo):
            drawn = [draw_chart(c) for c in todo]
        else:
            with ProcessPoolExecutor(min(workers, len(todo)), mp_context=_context(),
                                     initializer=_ignore_interrupts) as pool:
                drawn = list(pool.map(draw_chart, todo, chunksize=1))
        known.update({chart.name: drawing for chart, drawing in zip(todo, drawn, strict=True)})
        done = {name: d.result() if isinstance(d, Future) else d for name, d in known.items()}
    except BaseException:
        for chart in charts:  # a failed drawing is not remembered: the next call tries again
            if isinstance(_remembered(chart), Future):
                _DRAWN.pop(id(chart), None)
        raise
    finally:
        if started:
            _stop_workers()
    for chart in charts:
        _remember(chart, done[chart.name])
    return {c.name: done[c.name] for c in charts}


def neutralise(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _download_cells(table: Table) -> tuple[list[Column], list[list[Any]], list[list[str | None]]]:
    """The table's download columns, and each row's cells and spreadsheet number formats
    (:func:`analysis.render.formats.download_cell`, :func:`~analysis.render.formats.excel_format`)."""
    frame = table.frame
    cols = [column_decimals(frame, c) for c in table.columns if c.download]
    reasons = {c.key: reason_column(c, frame) for c in cols}
    cells: list[list[Any]] = []
    formats: list[list[str | None]] = []
    for record in frame.to_dict("records"):
        row, fmts = [], []
        for c in cols:
            column = row_column(c, record)
            key = reasons[c.key]
            value = download_cell(record.get(c.key), column, record.get(key) if key else None)
            row.append(neutralise(value))
            fmts.append(excel_format(column, value))
        cells.append(row)
        formats.append(fmts)
    return cols, cells, formats


def download_frame(table: Table) -> pd.DataFrame:
    """The table's download columns under their labels (with the unit where a column has
    one), numbers kept as numbers in the column's format (845, never 845.0; 26.0 in a
    percentage column with one decimal), hidden counts as "c", text neutralised."""
    cols, cells, _ = _download_cells(table)
    labels = [neutralise(download_label(c)) for c in cols]
    return pd.DataFrame(cells, columns=labels, dtype=object)


def source_lines(table: Table) -> list[str]:
    """What a download says under its table: the source line, then the table's notes."""
    return [line for line in (table.source, *table.notes) if line and line.strip()]


def notes_frame(pack: Pack) -> pd.DataFrame:
    """notes.csv: each note with its section's title, the indicator and the kind of note in
    the reader's words (never an internal id: "left out", not ``left_out``)."""
    rows = [{"section": s.title, "indicator": n.indicator_name, "kind": n.kind.replace("_", " "),
             "message": n.message} for s, n in pack.notes()]
    frame = pd.DataFrame(rows, columns=["section", "indicator", "kind", "message"])
    return frame.map(neutralise) if not frame.empty else frame


def _csv(frame: pd.DataFrame, below: Iterable[str] = ()) -> bytes:
    """``frame`` as CSV; ``below``: lines under the table (its source), each a row of its own
    after an empty row, in the first column."""
    text = frame.to_csv(index=False, lineterminator="\n")
    lines = [neutralise(line) for line in below]
    if lines:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([])
        writer.writerows([line] for line in lines)
        text += out.getvalue()
    return text.encode("utf-8")


def _sheet_names(tables: list[Table]) -> list[str]:
    """Excel sheet names: at most 31 characters, unique."""
    names: list[str] = []
    for t in tables:
        base = t.name[:31]
        name, n = base, 2
        while name.lower() in (x.lower() for x in names):
            suffix = f"_{n}"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        names.append(name)
    return names


def workbook(tables: list[Table]) -> bytes:
    """Every table in one workbook, a sheet each: numbers as numbers with the column's number
    format, hidden counts as "c", text neutralised, and the source line in a row under the
    table."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        for table, sheet in zip(tables, _sheet_names(tables), strict=True):
            frame = download_frame(table)
            frame.to_excel(xl, sheet_name=sheet, index=False)
            ws = xl.sheets[sheet]
            _, _, formats = _download_cells(table)
            for r, row in enumerate(formats, start=2):
                for c, fmt in enumerate(row, start=1):
                    if fmt:
                        ws.cell(row=r, column=c).number_format = fmt
            for offset, line in enumerate(source_lines(table)):
                ws.cell(row=len(frame) + 3 + offset, column=1, value=neutralise(line))
    return buffer.getvalue()


def table_csv(table: Table) -> bytes:
    """One table as a download: its cells (:func:`download_frame`), then its source lines."""
    return _csv(download_frame(table), source_lines(table))


def render(pack: Pack, *, drawings: Mapping[str, Drawing] | None = None,
           workers: int | None = None) -> dict[str, str | bytes]:
    """The pack as files: ``charts/<name>.png|svg|txt``, ``tables/<name>.csv``,
    ``tables/tables.xlsx`` and ``notes.csv``. ``drawings``: charts already drawn."""
    out: dict[str, str | bytes] = {}
    charts = pack.charts()
    if drawings is None:
        drawings = draw_charts(charts, workers)
    tables: list[Table] = []
    for _, block in pack.blocks():
        match block:
            case Chart():
                out.update(drawings[block.name])
            case Table():
                tables.append(block)
                out[f"tables/{block.name}.csv"] = table_csv(block)
            case Text() | Note():
                pass  # text is in the documents; notes go to notes.csv below
    if tables:
        out["tables/tables.xlsx"] = workbook(tables)
    out["notes.csv"] = _csv(notes_frame(pack))
    return out
