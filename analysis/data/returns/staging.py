"""Staging an LA's statutory returns: one DuckDB database file per LA.

Staged data is record-level personal data. It lives in ``data/staged/<la_code>/returns.duckdb``
(``$CSC_STAGED_DIR/<la_code>/`` where that is set), never under ``outputs/``; folders are
made owner-only (0700) and the database file is owner-only (0600). Staging again replaces
the file whole (written beside it, then renamed over it), and
``python -m analysis forget-records [--la ...]`` (:func:`forget_records`) removes it.

Besides the staged tables of each return (``docs/data-formats/staged-returns.md``), the
database holds ``staged_files``: each file staged, its kind, its (census or return) year
and the last day it holds data for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from analysis.core.config import project_root
from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.data.returns.cin_census import read_cin_returns
from analysis.data.returns.cin_combine import combine_cin

__all__ = ["STAGERS", "connect", "forget_records", "stage_returns", "staged_path",
           "staged_root"]

DB_NAME = "returns.duckdb"

#: A row of ``staged_files``: file name, kind of return, its year (the 31 March it ends)
#: and the last day it holds data for (its census or reference date).
StagedFile = tuple[str, str, int, dt.date]
#: A stager: reads the files of one kind among those given (and the LA's code) into
#: ``con`` and returns the rows of ``staged_files`` it adds; the files it does not read
#: are left for the next stager.
Stager = Callable[[duckdb.DuckDBPyConnection, list[Path], str], list[StagedFile]]


def staged_root() -> Path:
    """The folder holding every LA's staged returns."""
    env = os.environ.get("CSC_STAGED_DIR")
    root = Path(env).resolve() if env else project_root() / "data" / "staged"
    outputs = (project_root() / "outputs").resolve()
    if root.resolve() == outputs or outputs in root.resolve().parents:
        raise ParameterError("staged record-level data may not be kept under outputs/",
                             parameter="CSC_STAGED_DIR", expected="a folder outside outputs/",
                             found=str(root), fix="choose another folder")
    return root


def _la_folder(la_code: str) -> Path:
    code = str(la_code).strip()
    if not code.isalnum():
        raise ParameterError("an LA code is letters and digits only", parameter="la",
                             expected="a code such as 371 or E08000017", found=repr(la_code))
    return staged_root() / code


def staged_path(la_code: str) -> Path:
    """The LA's staged database file (whether or not it exists)."""
    return _la_folder(la_code) / DB_NAME


def _private_folder(folder: Path) -> None:
    """Make ``folder`` (and the staged root above it) owner-only."""
    for f in (folder.parent, folder):
        f.mkdir(mode=0o700, exist_ok=True)
        os.chmod(f, 0o700)


def _stage_cin(con: duckdb.DuckDBPyConnection, files: list[Path], la_code: str
               ) -> list[StagedFile]:
    xml = [f for f in files if f.suffix.lower() == ".xml"]
    if not xml:
        return []
    read, raw = read_cin_returns(xml)
    for path, f in zip(xml, read, strict=True):
        if f.lea is not None and f.lea != la_code:
            raise InputDataError("the return is another LA's", file=path,
                                 column="Header/Source/LEA", expected=f"LA code {la_code}",
                                 found=f.lea, fix="stage each LA's returns under its own code")
    combine_cin(con, read, raw)
    return [(f.name, "CIN census", f.census_year, dt.date.fromisoformat(f.reference_date))
            for f in read]


def _stage_ssda903(con: duckdb.DuckDBPyConnection, files: list[Path], la_code: str
                   ) -> list[StagedFile]:
    from analysis.data.returns.ssda903 import FILES_TABLE, load_ssda903

    csv = [f for f in files if f.suffix.lower() == ".csv"]
    if not csv:
        return []
    load_ssda903(con, csv[0].parent, project_root() / "config")
    rows = con.execute(f"SELECT source_file, kind, return_year FROM {FILES_TABLE} "
                       "ORDER BY return_year, source_file").fetchall()
    return [(str(name), f"SSDA903 {kind}", int(year), dt.date(int(year), 3, 31))
            for name, kind, year in rows]


#: The stagers run in turn over a folder's files.
STAGERS: list[Stager] = [_stage_cin, _stage_ssda903]


def _return_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ParameterError("the records folder does not exist", parameter="records",
                             expected="a folder of the LA's returns (CIN census XML, SSDA903 "
                                      "CSV)", found=str(folder), fix="check the path")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in (".xml", ".csv"))
    if not files:
        raise NoDataError(f"{folder}: no returns found (expected CIN census .xml or SSDA903 "
                          ".csv files)")
    return files


def stage_returns(la_code: str, folder: str | Path) -> Path:
    """Read every return in ``folder`` into the LA's staged database (replacing it); its path."""
    files = _return_files(Path(folder))
    target = staged_path(la_code)
    _private_folder(target.parent)
    fd, name = tempfile.mkstemp(prefix=".staging.", suffix=".duckdb", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # DuckDB makes the file itself; the folder is owner-only meanwhile
    try:
        with duckdb.connect(str(tmp)) as con:
            staged: list[StagedFile] = []
            for stager in STAGERS:
                staged += stager(con, files, str(la_code).strip())
            con.execute("CREATE TABLE staged_files (source_file VARCHAR, kind VARCHAR, "
                        "year INT, data_end DATE)")
            if staged:
                con.executemany("INSERT INTO staged_files VALUES (?, ?, ?, ?)", staged)
            con.execute("CHECKPOINT")
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
    return target


def connect(la_code: str, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection to the LA's staged database."""
    path = staged_path(la_code)
    if not path.exists():
        raise NoDataError(f"{path}: no staged returns for LA {la_code}; stage them first "
                          "(python -m analysis measures --records <folder>)")
    return duckdb.connect(str(path), read_only=read_only)


def _staged_folders(root: Path) -> list[Path]:
    """The LA folders under ``root`` (those holding a staged database or its leftovers)."""
    if not root.is_dir():
        return []
    return sorted(f for f in root.iterdir() if f.is_dir() and not f.is_symlink()
                  and any(p.name == DB_NAME or p.name.startswith(".staging.")
                          for p in f.iterdir()))


def forget_records(la_code: str | None = None) -> list[Path]:
    """Remove the LA's staged returns (every LA's without ``la_code``); what was removed.
    Only the LAs' folders of staged returns are removed (and the staged folder once empty),
    never anything else a ``CSC_STAGED_DIR`` may hold."""
    root = staged_root()
    folders = ([f for f in _staged_folders(root) if f.name == str(la_code).strip()]
               if la_code is not None else _staged_folders(root))
    if la_code is not None:
        _la_folder(la_code)  # a code that cannot be a folder name is refused
    for folder in folders:
        shutil.rmtree(folder)
    if la_code is None and root.is_dir() and not any(root.iterdir()):
        root.rmdir()
    return folders
