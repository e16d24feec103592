"""Load a flat referral extract, as the file gives it, into DuckDB: one table of every column as
text, values trimmed of spaces as they are loaded (blank is NULL; a column read through a code
table is kept as given, its distinct values trimmed there), rows wholly blank left out, and over
it a view adding ``_row``, the row number as read (the header is row 1); a message naming
rows turns these into the file's own line numbers with :func:`file_line_numbers`.
:func:`load_extract` reads a CSV with DuckDB's CSV reader
(UTF-8; a file in UTF-16 or Windows-1252 is recoded first, :mod:`analysis.data.readers.encoding`)
and an XLSX workbook with pandas; the checks and the tidy table are
:mod:`analysis.data.readers.referral_records`'.

A file that cannot be read as a referral extract (missing, empty, header only, not
comma-separated, a row with more fields than the header, an unterminated quote) raises
:class:`InputDataError` naming the file, what was found and how to fix it.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd

from analysis.core.errors import InputDataError
from analysis.data.readers.encoding import check_separator, decode_text

#: File types read as a CSV extract, and as a workbook.
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Bytes read to find the header line and the encoding.
_HEAD_BYTES = 1 << 16
#: Starts of files that are not UTF-8 text (UTF-16, workbooks): decoded in full first.
_NOT_UTF8 = (b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
#: A table name for the loaded extract.
RAW = "raw_extract"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _header(text: str) -> list[str]:
    """The column names on the first non-blank line of ``text``."""
    for row in csv.reader(io.StringIO(text, newline="")):  # line ends \n, \r\n or \r
        if any(c.strip() for c in row):
            return row
    return []


def _unique_names(names: list[str]) -> list[str]:
    """The header's names, a repeated one given a suffix (as pandas does: ``a``, ``a.1``)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n}.{k}")
    return out


def _csv_error(path: Path, exc: duckdb.Error) -> InputDataError:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    what = next((ln for ln in lines if ln.startswith(("Expected Number", "Value with"))), "")
    # DuckDB's line counts the file's every line (empty ones too), as a message should
    line = re.search(r"CSV Error on Line: (\d+)", str(exc))
    found = (f"line {line.group(1)}: " if line else "") + (
        what.replace("Expected Number of Columns:", "expected").replace(" Found:", " fields, found")
        or (lines[0] if lines else "a row that is not CSV"))
    return InputDataError("file could not be read as CSV", file=path, found=found,
                          fix="check quoting and delimiters (every row has the header's "
                              "columns; a value with a comma is in double quotes)")


#: Which columns are kept as given (not trimmed as they are loaded), by name.
AsGiven = Callable[[str], bool]


def _trimmed(name: str, as_given: AsGiven, source: str | None = None) -> str:
    """The SQL of column ``name`` as loaded (from ``source``, default the same name): trimmed
    of spaces, blank as NULL, unless kept as given."""
    col = source or _quoted(name)
    return (col if as_given(name) else f"NULLIF(trim({col}), '')") + f" AS {_quoted(name)}"


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, source: Path, names: list[str],
              as_given: AsGiven) -> None:
    columns = "{" + ", ".join(f"'{n.replace(chr(39), chr(39) * 2)}': 'VARCHAR'"
                              for n in names) + "}"
    select = ", ".join(_trimmed(n, as_given) for n in names)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _csv AS SELECT {select} FROM read_csv(?, header = true, "
            f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
            "auto_detect = false, strict_mode = true, null_padding = true, "
            "skip = 0, encoding = 'utf-8')", [str(path)])
    except duckdb.Error as exc:
        raise _csv_error(source, exc) from None


def _may_be_utf8(head: bytes) -> bool:
    """Whether a file starting ``head`` is first read as UTF-8 (not UTF-16 or a workbook)."""
    return not head.startswith(_NOT_UTF8) and not (len(head) >= 4 and b"\x00" in head[:4])


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, as_given: AsGiven) -> list[str]:
    """Load ``path`` into the temporary table ``_csv``; return the header's names."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputDataError("cannot be read", file=path, found=exc.strerror or str(exc),
                             fix="check the path and the file's permissions") from None
    if not head.strip():
        raise InputDataError("file is empty", file=path, expected="a header row and data",
                             fix="export the extract again")
    utf8 = _may_be_utf8(head)
    if utf8:
        try:
            text = head.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            utf8 = exc.start >= len(head) - 4  # a character cut by the end of the chunk
            text = head[:exc.start].decode("utf-8-sig") if utf8 else ""
    if utf8:
        check_separator(text, path)
        names = _unique_names(_header(text))
        try:
            _read_csv(con, path, path, names, as_given)
            return names
        except InputDataError as err:
            if "Invalid unicode" not in str(err) and "not utf-8" not in str(err):
                raise
    # not UTF-8: decode the whole file (UTF-16, Windows-1252, or refused) and load a copy
    text, _name = decode_text(path.read_bytes(), path)
    if not text.strip():
        raise InputDataError("file is empty", file=path, expected="a header row and data",
                             fix="export the extract again")
    check_separator(text, path)
    names = _unique_names(_header(text))
    with tempfile.TemporaryDirectory(prefix="csc-extract-") as tmp:  # owner-only folder
        copy = Path(tmp) / "extract.csv"
        copy.write_text(text, encoding="utf-8")
        del text
        _read_csv(con, copy, path, names, as_given)
    return names


def _load_xlsx(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None,
               as_given: AsGiven) -> list[str]:
    try:
        df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str)
    except (ValueError, KeyError) as exc:  # bad sheet name, corrupt workbook
        raise InputDataError("workbook could not be read", file=path, found=str(exc),
                             fix="check the sheet name and that the file is a real .xlsx"
                             ) from None
    names = [str(c) for c in df.columns]
    df.columns = pd.Index([f"c{i}" for i in range(len(names))])
    con.register("_xlsx_frame", df)
    con.execute("CREATE OR REPLACE TEMP TABLE _csv AS SELECT "
                + ", ".join(_trimmed(n, as_given, f"CAST(c{i} AS VARCHAR)")
                            for i, n in enumerate(names)) + " FROM _xlsx_frame")
    con.unregister("_xlsx_frame")
    return names


def load_extract(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None = None,
                 as_given: AsGiven = lambda name: False) -> list[str]:
    """Load the extract at ``path`` into ``con`` as the table ``_csv`` (every column as text,
    trimmed of spaces and blank as NULL unless ``as_given(name)``, wholly blank rows left out)
    and the view :data:`RAW` over it (``_row``, the file's row number, then the columns);
    return the column names as the file gives them."""
    if not path.exists():
        raise InputDataError("file not found", file=path, fix="check the path")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        names = _load_csv(con, path, as_given)
    elif suffix in XLSX_SUFFIXES:
        names = _load_xlsx(con, path, sheet, as_given)
    else:
        raise InputDataError("unsupported file type", file=path,
                             expected=".csv or .xlsx", found=suffix or "no extension")
    blank = " AND ".join(f"({_quoted(n)} IS NULL OR trim({_quoted(n)}) = '')" if as_given(n)
                         else f"{_quoted(n)} IS NULL" for n in names)
    # rowid: the file's row order, kept by the rows after a deleted one
    con.execute(f"DELETE FROM _csv WHERE {blank or 'false'}")
    if con.execute("SELECT 1 FROM _csv LIMIT 1").fetchone() is None:
        raise InputDataError("file has no data rows", file=path,
                             expected="a header row and at least one referral",
                             fix="export the extract again")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS SELECT rowid + 2 AS _row, * FROM _csv")
    return names


def _empty_lines(lines: Iterable[str]) -> list[int]:
    """The numbers (line 1 first) of the wholly empty lines after the first of ``lines``
    (each with its line end, as read with ``newline=""``): the lines DuckDB's CSV reader
    skips (the first line is the header, even if empty)."""
    return [n for n, line in enumerate(lines, start=1) if n > 1 and not line.rstrip("\r\n")]


def _empty_lines_of(path: Path) -> list[int]:
    """:func:`_empty_lines` of the CSV file at ``path``, decoded as :func:`load_extract`
    decodes it (UTF-8, else UTF-16 or Windows-1252); line ends ``\\n``, ``\\r\\n`` or ``\\r``."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if _may_be_utf8(head):
        try:
            with path.open(encoding="utf-8-sig", newline="") as lines:
                return _empty_lines(lines)
        except UnicodeDecodeError:
            pass
    text, _name = decode_text(path.read_bytes(), path)
    return _empty_lines(io.StringIO(text, newline=""))


def file_line_numbers(path: str | Path, rows: Iterable[int]) -> list[int]:
    """The file's own line numbers of the reader's ``rows`` (``_row`` of :data:`RAW`, in the
    same order): a CSV's wholly empty lines, which DuckDB's CSV reader skips, are counted
    back in; a workbook's rows are its own. Made only when a message names rows (a pass
    over the file)."""
    rows = list(rows)
    path = Path(path)
    if not rows or path.suffix.lower() not in CSV_SUFFIXES:
        return rows
    empty = _empty_lines_of(path)
    line_of: dict[int, int] = {}
    k = 0  # empty lines before the current row's line
    for row in sorted(set(rows)):
        while k < len(empty) and empty[k] <= row + k:
            k += 1
        line_of[row] = row + k
    return [line_of[r] for r in rows]


__all__ = ["CSV_SUFFIXES", "RAW", "XLSX_SUFFIXES", "AsGiven", "file_line_numbers",
           "load_extract"]
