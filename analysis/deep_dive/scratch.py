"""The DuckDB connection that holds the records: its memory capped, spilling to a private folder.

DuckDB keeps what it works on in memory up to its limit (80% of the machine by default) and
writes the rest to a temporary folder. The deep dive's records run to hundreds of MB on a
million referrals, and the command and its notebook kernel each read them once: with
:data:`MEMORY_LIMIT` DuckDB spills beyond it instead of growing, so the whole run stays
under a gigabyte. What it spills is record-level data, so it goes to a folder only this
user can read (``tempfile.mkdtemp``: mode 0700), never DuckDB's default ``.tmp`` in the
current folder, and the folder is removed when the connection closes
(:func:`close_scratch`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

#: DuckDB's memory for the records; beyond it, it writes to the private scratch folder.
MEMORY_LIMIT = "300MB"


def open_scratch() -> tuple[duckdb.DuckDBPyConnection, Path]:
    """An in-memory DuckDB connection capped at :data:`MEMORY_LIMIT`, without a progress bar,
    and its private spill folder (owner-only, made here)."""
    folder = Path(tempfile.mkdtemp(prefix="csc-records-"))
    try:
        # no progress bar: in a notebook kernel DuckDB would put one in the executed notebook
        # (an output of the pack) for any query that takes over two seconds
        con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(folder)})
        con.execute("SET enable_progress_bar = false")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return con, folder


def close_scratch(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Close ``con`` and remove its spill folder and anything left in it."""
    try:
        con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
