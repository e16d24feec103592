"""Checks of a referral extract as a whole, made in DuckDB before its rows are read: dates
written month-first (:func:`check_day_month_order`), rows that are exact copies of an
earlier row (:func:`exact_copies`) and rows of another LA (:func:`check_la_codes`).

Each works on a table with the row number as read in ``_row`` (see
:mod:`analysis.data.readers.referral_load`) and refuses input that would mislead with an
:class:`InputDataError` naming the file, the column, how many rows (by the file's own line
numbers, :func:`~analysis.data.readers.referral_load.file_line_numbers`), an example and
how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analysis.core.errors import InputDataError
from analysis.data.readers.referral_load import file_line_numbers

if TYPE_CHECKING:
    from analysis.data.geography import LocalAuthority

#: A date written with slashes: first part, second part, year.
_SLASHED = r"^\s*(\d{1,2})/(\d{1,2})/(\d{2,4})(?:\s.*)?$"


def quoted(name: str) -> str:
    """``name`` as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[int]:
    return [int(r[0]) for r in con.execute(sql, list(params)).fetchall()]


def check_day_month_order(con: duckdb.DuckDBPyConnection, values: str, table: str,
                          column: str, *, file: str | Path, shown: str) -> None:
    """Refuse a date column written month-first (``03/31/2017``): some dates have a second
    part over 12 and none a first part over 12, so the column cannot be day-first.
    ``values``: a table of the column's distinct values as given in ``raw`` (every value of
    ``table``'s column, blank left out), checked first; ``table``'s rows are read only to
    name them. ``shown``: the column's name in the file."""
    parts = (f"TRY_CAST(regexp_extract(trim(raw), '{_SLASHED}', 1) AS INTEGER) AS a, "
             f"TRY_CAST(regexp_extract(trim(raw), '{_SLASHED}', 2) AS INTEGER) AS b")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _slashed AS SELECT raw, {parts} "
                f"FROM {values} WHERE raw LIKE '%/%'")
    row = con.execute("SELECT count(*) FILTER (WHERE b > 12), count(*) FILTER (WHERE a > 12) "
                      "FROM _slashed").fetchone()
    month_first, day_first = row if row else (0, 0)
    if not month_first or day_first:
        con.execute("DROP TABLE _slashed")
        return
    col = quoted(column)
    rows = _rows(con, f"SELECT t._row FROM {table} AS t JOIN _slashed AS s ON s.raw = t.{col} "
                 "WHERE s.b > 12 ORDER BY t._row")
    counted = con.execute(f"SELECT count(*) FROM {table} AS t JOIN _slashed AS s "
                          f"ON s.raw = t.{col} WHERE s.a IS NOT NULL").fetchone()
    slashed = counted[0] if counted else 0
    example = con.execute(f"SELECT trim({col}) FROM {table} WHERE _row = ?", [rows[0]]).fetchone()
    con.execute("DROP TABLE _slashed")
    rows = file_line_numbers(file, rows)
    raise InputDataError(
        "dates are written month first (MM/DD/YYYY); read day first they would be wrong or "
        "left out", file=file, column=shown, rows=rows,
        expected="dates as YYYY-MM-DD or DD/MM/YYYY",
        found=f"{len(rows):,} of {slashed:,} dates with a second part over 12 (e.g. "
              f"'{example[0] if example else ''}' in row {rows[0]}) and none with a first "
              "part over 12",
        fix="export the dates as YYYY-MM-DD (in Excel: format the column as yyyy-mm-dd "
            "before saving), or as DD/MM/YYYY")


def exact_copies(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> list[int]:
    """The row numbers of the rows of ``table`` that are exact copies (every column) of an
    earlier row."""
    every = ", ".join(quoted(c) for c in columns)
    return _rows(con, f"""SELECT _row FROM (SELECT _row, row_number() OVER (
        PARTITION BY {every} ORDER BY _row) AS n FROM {table}) WHERE n > 1 ORDER BY _row""")


def la_code_matches(code: str, la: LocalAuthority) -> bool:
    """Whether ``code`` (ONS or old DfE code, any case) is ``la``'s."""
    return code.strip().upper() in {la.new_code.upper(), la.old_code.upper()}


def check_la_codes(con: duckdb.DuckDBPyConnection, table: str, column: str,
                   la: LocalAuthority | None, *, file: str | Path, shown: str) -> None:
    """Refuse rows whose LA code (ONS or old DfE code) is not ``la``'s; without ``la``,
    refuse an extract holding more than one LA's codes. Blank codes are accepted.
    ``shown``: the column's name in the file."""
    counts = con.execute(
        f"SELECT upper({quoted(column)}) AS code, count(*) AS n, min(_row) AS first FROM {table} "
        f"WHERE {quoted(column)} IS NOT NULL GROUP BY code ORDER BY n DESC, first").fetchall()
    if not counts:
        return
    found = "codes " + ", ".join(f"{c} ({n:,} row{'s' if n != 1 else ''})"
                                 for c, n, _ in counts)
    if la is None:
        if len(counts) > 1:
            raise InputDataError("the records are from more than one LA", file=file,
                                 column=shown, expected="one LA's code in every row",
                                 found=found, fix="split the extract by LA and run each on its own")
        return
    wrong = [c for c, _, _ in counts if not la_code_matches(str(c), la)]
    if not wrong:
        return
    rows = file_line_numbers(file, _rows(
        con, f"SELECT _row FROM {table} WHERE upper({quoted(column)}) IN "
        f"(SELECT unnest(?)) ORDER BY _row", [wrong]))
    raise InputDataError(
        f"rows of another LA in {la.name}'s records", file=file, column=shown, rows=rows,
        expected=f"{la.name}'s code ({la.new_code} or {la.old_code}) in every row",
        found=found,
        fix=f"give only {la.name}'s referrals, or run with --la for the LA the records are for")


__all__ = [
    "check_day_month_order",
    "check_la_codes",
    "exact_copies",
    "la_code_matches",
    "quoted",
]
