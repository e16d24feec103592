"""Unexpected errors: the traceback goes to a log file, the console gets one line.

An error a user can cause is an :class:`~analysis.core.errors.AnalysisError` with its own message.
Anything else is a fault in the toolkit: :func:`write_error_log` keeps its traceback in
``$CSC_LOG_DIR`` (default: ``csc-benchmarks-logs`` in the system's temporary folder, files
readable by their owner only) and :func:`one_line` says what happened and where the log is.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from pathlib import Path


def log_dir() -> Path:
    """Where logs of unexpected errors go."""
    env = os.environ.get("CSC_LOG_DIR")
    return Path(env) if env else Path(tempfile.gettempdir()) / "csc-benchmarks-logs"


def write_error_log(exc: BaseException, context: str | None = None) -> Path | None:
    """Write ``exc``'s traceback (and the command line) to a new log file; its path, or None
    if no log could be written."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"error-{stamp}-", suffix=".log", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"command: {' '.join(sys.argv)}\n")
            if context:
                fh.write(f"while: {context}\n")
            fh.write(f"time: {stamp}\n\n")
            traceback.print_exception(exc, file=fh)
    except OSError:
        return None
    return Path(name)


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of ``exc``'s message, shortened at a word if very long."""
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " ..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def one_line(exc: BaseException, log: Path | None) -> str:
    """What the console shows for an unexpected error."""
    where = f"the details are in {log}" if log else "no log could be written"
    return (f"unexpected error ({first_line(exc)}); {where}. "
            "Please include that log when you report the problem.")
