"""Read a CSV file whatever Excel or a case-management system saved it as.

:func:`read_csv_any` recognises UTF-8 (with or without a byte-order mark), UTF-16 (as Excel's
"Unicode text" saves it) and Windows-1252 (Excel's "CSV (Comma delimited)" on a UK Windows
PC: a pound sign is byte 0xA3), reads the file and records the encoding it used in the
frame's ``attrs["encoding"]``. Anything else, a workbook saved under a .csv name and a
semicolon- or tab-separated file are refused with an InputDataError naming what was found,
the line and how to fix it (save as "CSV UTF-8").
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.core.config import project_relative
from analysis.core.errors import InputDataError

SAVE_AS = "open it in Excel and save it as 'CSV UTF-8 (Comma delimited) (*.csv)'"

UTF8 = "UTF-8"
UTF8_BOM = "UTF-8 with byte-order mark"
UTF16 = "UTF-16"
WINDOWS_1252 = "Windows-1252"

_WORKBOOKS = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) saved with a .csv name",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls) saved with a .csv name",
}


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode_text(data: bytes, path: Path | str) -> tuple[str, str]:
    """``(text, encoding name)`` of a text file's bytes; InputDataError if it is not text in
    UTF-8, UTF-16 or Windows-1252."""
    for magic, what in _WORKBOOKS.items():
        if data.startswith(magic):
            raise InputDataError(
                f"is {what}", file=path, expected="a CSV file (text, comma-separated)",
                found=what.split(" saved")[0],
                fix="give the file its real name ending .xlsx, or " + SAVE_AS)
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, name, body = "utf-8", UTF8_BOM, data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, name, body = "utf-16", UTF16, data
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0:4:2] != b"\x00\x00":
        encoding, name, body = "utf-16-le", UTF16, data  # no byte-order mark
    elif len(data) >= 4 and data[0:4:2] == b"\x00\x00" and data[1:4:2] != b"\x00\x00":
        encoding, name, body = "utf-16-be", UTF16, data
    else:
        encoding, name, body = "utf-8", UTF8, data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if name != UTF8:
            raise InputDataError(
                f"is not readable as {name} text", file=path,
                found=f"bytes that are not {name} on line {_line_of(body, exc.start)}",
                expected="text in UTF-8, UTF-16 or Windows-1252", fix=SAVE_AS) from None
        text, name = _windows_1252(data, path, exc)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputDataError(
            "is not a text file", file=path, found=f"binary data (a NUL character) on line {line}",
            expected="a CSV file (text in UTF-8, UTF-16 or Windows-1252)", fix=SAVE_AS)
    return text, name


def _windows_1252(data: bytes, path: Path | str, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    try:
        return data.decode("cp1252"), WINDOWS_1252
    except UnicodeDecodeError as exc:
        line = _line_of(data, utf8_error.start)
        raise InputDataError(
            "is in an unknown text encoding", file=path,
            found=(f"byte 0x{data[utf8_error.start]:02x} on line {line} is not UTF-8, and byte "
                   f"0x{data[exc.start]:02x} on line {_line_of(data, exc.start)} is not Windows-1252"),
            expected="text in UTF-8, UTF-16 or Windows-1252", fix=SAVE_AS) from None


def check_separator(text: str, path: Path | str) -> None:
    """InputDataError if the header line is separated by semicolons or tabs, not commas."""
    header = next(iter(text.splitlines()), "")
    if "," in header or not header.strip():
        return
    for separator, what in ((";", "semicolon-separated (as Excel saves CSV where the list "
                                  "separator is ';')"), ("\t", "tab-separated")):
        if separator in header:
            raise InputDataError(
                f"is {what}, not comma-separated", file=path,
                expected="columns separated by commas", found=f"header line {header[:80]!r}",
                fix=SAVE_AS + " (decimal points, not commas, in the figures)")


def read_csv_any(path: Path | str, **read_csv: Any) -> pd.DataFrame:
    """``pandas.read_csv`` of a CSV file in UTF-8, UTF-16 or Windows-1252 (detected); the
    encoding used is in ``frame.attrs["encoding"]``. Raises InputDataError for anything else,
    and lets pandas' own errors (EmptyDataError, ParserError) through for the caller."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputDataError("cannot be read", file=path, found=exc.strerror or str(exc),
                             fix="check the path and the file's permissions") from None
    text, name = decode_text(data, path)
    check_separator(text, path)
    frame = pd.read_csv(io.StringIO(text), **read_csv)
    frame.attrs["encoding"] = name
    return frame


def text_encodings(root: Path, files: Iterable[Path]) -> dict[str, str]:
    """``{path: encoding}`` of the CSV files among ``files`` (folders: their CSV files), paths
    relative to ``root`` where inside it; for a pack's manifest. A file that cannot be
    read as text is recorded with the problem."""
    found: dict[str, str] = {}
    wanted = [p for f in files for p in (sorted(f.glob("*.csv")) if f.is_dir() else [f])]
    for path in wanted:
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        key = project_relative(path, root)
        try:
            found[key] = decode_text(path.read_bytes(), path)[1]
        except (InputDataError, OSError) as exc:
            found[key] = f"not readable: {str(exc).splitlines()[0]}"
    return found


__all__ = ["UTF8", "UTF8_BOM", "UTF16", "WINDOWS_1252", "check_separator", "decode_text", "read_csv_any", "text_encodings"]
