"""Saving charts in background processes, so a single pack uses every core.

Building a chart happens in the notebook's process; laying it out and writing it as PNG and
SVG (which draws it twice) is about two thirds of its cost. With background saving on,
:func:`analysis.charts.style.save_figure` pickles the finished figure and hands it to a pool
of worker processes, then returns at once: a worker lays the chart out and writes the files
(each to a temporary name, then renamed) while the notebook builds the next chart.
:func:`wait` collects the workers' results and raises if any chart failed to save.

Off by default (``set_workers(0)``): an analyst running a notebook cell by cell sees each
chart as soon as it is saved. The pack runner turns it on for a single pack (one worker per
core) and, in a batch, for the cores its jobs leave idle. The files are the same either way:
the same function writes them from the same figure (tests compare the bytes).
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import AnalysisError, ParameterError


@dataclass
class _State:
    """The worker pool (None: charts are saved in this process) and the charts it is saving."""

    workers: int = 0
    pool: ProcessPoolExecutor | None = None
    pending: list[tuple[Path, Future]] = field(default_factory=list)


_STATE = _State()


def set_workers(workers: int) -> int:
    """Save charts in ``workers`` background processes (0: in this process). Returns it.

    Waits for the charts still being saved from before; the pool is started (or stopped)
    here, its workers at once, so their start-up overlaps the notebook's own work.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ParameterError("chart_workers must be a whole number, 0 or more", parameter="chart_workers",
                             expected="0 (save charts in the notebook's process) or the number of "
                                      "background processes", found=repr(workers))
    wait()
    if workers != _STATE.workers:
        if _STATE.pool is not None:
            _STATE.pool.shutdown()
        _STATE.pool = (ProcessPoolExecutor(workers, mp_context=_context(), initializer=_ignore_interrupts)
                       if workers else None)
        _STATE.workers = workers
        for _ in range(workers):  # start the workers now, while the notebook reads its data
            _STATE.pool.submit(_ready)
    return workers


def _ready() -> None:
    """In a worker: nothing; submitted once per worker so that the pool starts at once."""


def _context() -> multiprocessing.context.BaseContext:
    """Workers start from a fresh interpreter, never a copy of the notebook's process (whose
    threads and sockets do not survive a fork): "forkserver" where it exists, which imports
    the chart modules once and forks each worker from that, else "spawn" (Windows)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["analysis.charts.style"])
        return ctx
    return multiprocessing.get_context("spawn")


def workers() -> int:
    """The number of background processes in effect (0: charts are saved in this process)."""
    return _STATE.workers


def submit(fig: object, base: Path, alt_text: str) -> bool:
    """Have a worker lay out and save ``fig`` as ``base``.png/.svg/.txt.

    False, having done nothing, when background saving is off or the figure cannot be
    pickled: the caller saves it.
    """
    if _STATE.pool is None:
        return False
    try:
        data = pickle.dumps(fig, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False  # a figure holding a function made on the fly: saved in this process
    _STATE.pending.append((base, _STATE.pool.submit(_save_pickled, data, base, alt_text)))
    return True


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C (and a kernel's interrupt on shutdown) to the notebook's
    process, which stops the pool; a worker never prints a traceback for it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _save_pickled(data: bytes, base: Path, alt_text: str) -> None:
    """In a worker: rebuild the figure and write its files."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from analysis.charts.style import write_files

    fig = pickle.loads(data)
    FigureCanvasAgg(fig)
    write_files(fig, base, alt_text)


def wait() -> None:
    """Wait for every chart still being saved; raise naming each one that failed."""
    pending, _STATE.pending = _STATE.pending, []
    failed = []
    for base, future in pending:
        try:
            future.result()
        except Exception as exc:
            failed.append(f"{base.name}: {type(exc).__name__}: {exc}")
    if failed:
        more = f"; and {len(failed) - 3} more" if len(failed) > 3 else ""
        raise AnalysisError(f"{len(failed)} chart(s) could not be saved", found="; ".join(failed[:3]) + more,
                            fix="run the notebook with chart_workers=0 to see the full error")
