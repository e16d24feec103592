"""Read a folder of SSDA903 (children looked after) return files into staged tables.

Each CSV file is recognised by its columns (``header``, ``episodes``, ``uasc``, ``reviews``,
``missing``, ``oc2``, ``oc3``), its return year read from its name or its folder's name (the
year of the return's 31 March: ``episodes_2019.csv`` or ``2019/episodes.csv``). Dates are read
as DfE's guide writes them (DD/MM/YYYY; YYYY-MM-DD is accepted too), codes are checked against
``config/ssda903_codes.yaml``, and the returns of several years are combined into one version
of each record (:mod:`analysis.data.returns.ssda903_checks`). :func:`load_ssda903` registers the
tables in DuckDB as ``ssda903_header``, ``ssda903_episodes`` ... with ``return_year`` and
``source_file`` (the file's name only), and ``ssda903_files`` (kind, return_year, source_file, records: the
files read, so the years the returns cover).

Errors name the file, column and rows, never a child's identifier.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.errors import InputDataError
from analysis.data.readers.columns import check_columns
from analysis.data.returns.ssda903_checks import (
    check_dates_in_order,
    check_one_birth_date,
    check_year_of_file,
    combine_years,
)
from analysis.data.returns.ssda903_codes import CodeLists, check_codes, load_code_lists

if TYPE_CHECKING:
    import duckdb

#: Each file of the return: its columns (upper case, as in DfE's guide) and date columns.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "header": (("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"), ("DOB", "MC_DOB")),
    "episodes": (("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                  "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"), ("DECOM", "DEC")),
    "uasc": (("CHILD", "SEX", "DOB", "DUC"), ("DOB", "DUC")),
    "reviews": (("CHILD", "DOB", "REVIEW", "REVIEW_CODE"), ("DOB", "REVIEW")),
    "missing": (("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
                ("DOB", "MIS_START", "MIS_END")),
    "oc2": (("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK",
             "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
             "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"), ("DOB",)),
    "oc3": (("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"), ("DOB",)),
}

#: Columns that tell one kind of file from the others (with CHILD).
_MARKS: dict[str, frozenset[str]] = {
    "episodes": frozenset({"DECOM", "RNE", "LS"}),
    "uasc": frozenset({"DUC"}),
    "reviews": frozenset({"REVIEW", "REVIEW_CODE"}),
    "missing": frozenset({"MIS_START"}),
    "oc2": frozenset({"HEALTH_CHECK", "IMMUNISATIONS"}),
    "oc3": frozenset({"IN_TOUCH", "ACTIV"}),
    "header": frozenset({"SEX", "ETHNIC"}),
}

#: The table of the files read: kind, return_year, source_file, records (the years the
#: returns cover, which combining the years' records does not show).
FILES_TABLE = "ssda903_files"

#: Columns whose values could identify a child (or its mother): never quoted in a message.
PERSONAL = ("CHILD", "DOB", "MC_DOB", "UPN")

#: Columns that may never be blank (codes are checked against their lists).
REQUIRED = ("CHILD", "DOB", "DECOM")

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def table_name(kind: str) -> str:
    """``episodes`` -> ``ssda903_episodes``."""
    return f"ssda903_{kind}"


def recognise(columns: list[str], file: Path) -> str:
    """Which file of the return ``columns`` (any case) belong to, by its marking columns."""
    found = {c.strip().upper() for c in columns}
    kinds = [kind for kind, marks in _MARKS.items() if "CHILD" in found and marks <= found]
    if not kinds:
        raise InputDataError(
            "the file is not one of the SSDA903 return's files", file=file.name,
            expected="the columns of a header, episodes, uasc, reviews, missing, OC2 or OC3 file "
                     "as DfE's children looked after return guide gives them (CHILD, DECOM, RNE, "
                     "LS ... for episodes)",
            found=", ".join(columns[:12]) or "no columns",
            fix="export the return's files as CSV with their header rows, or move other files "
                "out of the folder")
    return kinds[0]


def return_year(file: Path, folder: Path) -> int:
    """The return year (the year of its 31 March) in the file's name, or else in the names of
    the folders between ``folder`` and the file."""
    names = [file.stem] + [p.name for p in file.relative_to(folder).parents if p.name]
    for name in names:
        years = _YEAR.findall(name)
        if years:
            return int(years[-1])
    raise InputDataError(
        "the file's return year is not in its name or its folder's name", file=file.name,
        expected="a year ending 31 March in the name, e.g. episodes_2019.csv or 2019/episodes.csv",
        found=file.name, fix="rename the file or its folder with the return's year")


def parse_dates(values: pd.Series, *, file: str, column: str) -> pd.Series:
    """Dates as DfE's guide writes them (DD/MM/YYYY, or YYYY-MM-DD); blanks stay NaT."""
    text = values.astype("string").str.strip().replace("", pd.NA)
    iso = text.str.match(_ISO).fillna(False).astype(bool)
    parsed = pd.to_datetime(text.where(~iso), format="%d/%m/%Y", errors="coerce")
    parsed = parsed.where(~iso, pd.to_datetime(text.where(iso), format="%Y-%m-%d",
                                               errors="coerce"))
    bad = text.notna() & parsed.isna()
    if bad.any():
        rows = (values.index[bad.to_numpy()] + 2).tolist()
        raise InputDataError(
            "dates cannot be read", file=file, column=column, rows=rows,
            expected="dates as DD/MM/YYYY (DfE's guide) or YYYY-MM-DD",
            found=(f"a value that is not a date (not shown) in row {rows[0]}" if column in PERSONAL
                   else f"'{text[bad].iloc[0]}' in row {rows[0]}"),
            fix="correct the dates in the file")
    return parsed.dt.normalize().astype("datetime64[s]")


def check_filled(frame: pd.DataFrame, *, file: str) -> None:
    """Refuse a blank child identifier, date of birth or episode start."""
    for column in REQUIRED:
        if column in frame.columns and frame[column].isna().any():
            blank = frame[column].isna()
            raise InputDataError(
                f"{column} is blank", file=file, column=column,
                rows=(frame.index[blank.to_numpy()] + 2).tolist(),
                expected=f"{column} in every row, as DfE's return guide requires",
                found=f"{int(blank.sum()):,} blank", fix="fill it in, or remove the rows")


def read_file(path: Path, folder: Path, lists: CodeLists) -> tuple[str, pd.DataFrame]:
    """One file of the return as its staged table: lower-case columns, dates parsed, codes
    checked, ``return_year`` and ``source_file`` added."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError("the file cannot be read as CSV", file=path.name,
                             expected="a comma-separated file in UTF-8 with a header row",
                             found=type(exc).__name__,
                             fix="export the return's file again as CSV (UTF-8)") from None
    raw.columns = [c.strip().upper() for c in raw.columns]
    kind = recognise(list(raw.columns), path)
    columns, dates = KINDS[kind]
    check_columns(path.name, list(raw.columns), columns,
                  expected=f"the columns of the SSDA903 {kind} file: {', '.join(columns)}",
                  fix="add the missing column (it may be blank where the guide allows)")
    year = return_year(path, folder)
    frame = raw[list(columns)].apply(lambda s: s.str.strip()).replace("", pd.NA)
    check_filled(frame, file=path.name)
    check_codes(frame, lists, file=path.name, year=year)
    for column in dates:
        frame[column] = parse_dates(frame[column], file=path.name, column=column)
    frame.columns = [c.lower() for c in frame.columns]
    check_year_of_file(kind, frame, year, file=path.name)
    if kind == "episodes":
        check_dates_in_order(frame, file=path.name)
    frame["return_year"] = year
    frame["source_file"] = path.name
    return kind, frame


def read_ssda903(folder: Path, config_dir: Path) -> dict[str, pd.DataFrame]:
    """Every SSDA903 file under ``folder`` as staged tables, keyed by table name
    (``ssda903_episodes`` ...), one version of each record across the years."""
    if not folder.is_dir():
        raise InputDataError("the folder of SSDA903 files does not exist", file=folder,
                             fix="give the folder holding the return's CSV files")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise InputDataError("there are no CSV files in the folder", file=folder,
                             expected="the SSDA903 return's files as CSV",
                             fix="export the return's files as CSV into the folder")
    lists = load_code_lists(config_dir)
    read: dict[str, list[pd.DataFrame]] = {kind: [] for kind in KINDS}
    read_paths: dict[str, list[Path]] = {kind: [] for kind in KINDS}
    for path in files:
        kind, frame = read_file(path, folder, lists)
        read[kind].append(frame)
        read_paths[kind].append(path)
    check_one_birth_date(read)
    tables = {table_name(kind): combine_years(kind, frames, list(KINDS[kind][0]))
              for kind, frames in read.items() if frames}
    tables[FILES_TABLE] = pd.DataFrame(
        [(kind, int(f["return_year"].iloc[0]) if len(f) else return_year(p, folder),
          p.name, len(f))
         for kind, frames in read.items() for f, p in zip(frames, read_paths[kind], strict=True)],
        columns=["kind", "return_year", "source_file", "records"])
    return tables


def _create(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    casts = ", ".join(
        f'CAST("{c}" AS DATE) AS "{c}"' if pd.api.types.is_datetime64_any_dtype(frame[c])
        else (f'CAST("{c}" AS INTEGER) AS "{c}"' if c in ("return_year", "records")
              else f'CAST("{c}" AS VARCHAR) AS "{c}"')
        for c in frame.columns)
    con.register("_ssda903_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {casts} FROM _ssda903_frame")
    finally:
        con.unregister("_ssda903_frame")


def load_ssda903(con: duckdb.DuckDBPyConnection, folder: Path,
                 config_dir: Path | None = None) -> list[str]:
    """Read the SSDA903 files under ``folder`` and register them in ``con`` as tables; returns
    the tables' names."""
    from analysis.core.config import Paths

    tables = read_ssda903(folder, config_dir or Paths.for_root().config)
    for name, frame in tables.items():
        _create(con, name, frame)
    return sorted(tables)
