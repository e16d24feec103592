"""Reading the deep dive's records: a CSV or XLSX extract, a CIN census XML return, or a
folder of census returns (one LA's consecutive years), read and checked into DuckDB by
:func:`stage_records` (:func:`load_records` gives them as a pandas table); the rows read, used and left out, as a published table
(:func:`read_summary_table`).

Synthetic input: when the records' file (or folder) name contains "synthetic"
(:func:`is_synthetic`), every output file name starts with ``synthetic_``
(:func:`output_name`; see ``docs/methods/rereferrals.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.core.errors import InputDataError, NoDataError
from analysis.data.geography import LocalAuthority
from analysis.data.readers.referral_records import ReadReport
from analysis.deep_dive.suppression import publish

#: File types read as a flat extract, and as CIN census XML.
EXTRACT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
XML_SUFFIXES = (".xml",)


def is_synthetic(path: str | Path) -> bool:
    """True when the records' file name contains "synthetic" (any case); for a folder of
    census files, when its name or any XML file's name in it does."""
    path = Path(path)
    if "synthetic" in path.name.lower():
        return True
    if path.is_dir():
        return any("synthetic" in p.name.lower() for p in path.iterdir()
                   if p.suffix.lower() in XML_SUFFIXES)
    return False


def output_name(name: str, synthetic: bool) -> str:
    """The file name an output gets: ``synthetic_<name>`` for generated data."""
    return f"synthetic_{name}" if synthetic and not name.startswith("synthetic_") else name


def _xml_history_start(years: Sequence[int], table: pd.DataFrame) -> pd.Timestamp:
    """First day with complete referrals: 1 April of the earliest census year's start.

    A census return also holds earlier referrals still open at 1 April; they are history,
    not a complete record of those earlier months.
    """
    if years:
        return pd.Timestamp(min(years) - 1, 4, 1)
    return pd.Timestamp(table["referral_date"].min())


def check_census_set(files: Sequence[Path], la: LocalAuthority | None = None) -> list[int]:
    """Check census returns read together are one LA's consecutive years, each once; return
    the years. Raises :class:`InputDataError` naming the files otherwise: a file with no
    census year, a year given twice, a year missing between two others, an LEA code other
    than ``la``'s (or, without ``la``, files from different LAs)."""
    from analysis.data.readers.cin_xml_schema import census_header

    headers = {f: census_header(f, strict=True) for f in files}
    no_year = [f.name for f, h in headers.items() if h.year is None]
    if no_year:
        raise InputDataError("census file without a collection year", file=no_year[0],
                             expected="Header/CollectionDetails/Year in every file",
                             found="no year in " + ", ".join(no_year),
                             fix="export each census return with its header")
    by_year: dict[int, list[str]] = {}
    for f, h in headers.items():
        by_year.setdefault(int(h.year or 0), []).append(f.name)
    twice = {y: names for y, names in by_year.items() if len(names) > 1}
    if twice:
        raise InputDataError(
            "the same census year is given more than once", file=files[0].parent,
            expected="one file per census year",
            found="; ".join(f"{y}: {', '.join(n)}" for y, n in sorted(twice.items())),
            fix="keep one return per year in the folder")
    years = sorted(by_year)
    missing = [y for y in range(years[0], years[-1] + 1) if y not in by_year]
    if missing:
        raise InputDataError(
            "census years are not consecutive: re-referrals need every year in between",
            file=files[0].parent, expected=f"every year from {years[0]} to {years[-1]}",
            found="files for " + ", ".join(f"{y} ({by_year[y][0]})" for y in years)
                  + "; missing " + ", ".join(map(str, missing)),
            fix="add the missing years' returns, or use only consecutive years")
    leas = {f.name: (h.lea or "none") for f, h in headers.items()}
    if la is not None:
        wrong = {n: c for n, c in leas.items() if c != la.old_code}
        if wrong:
            raise InputDataError(
                f"census file(s) not from {la.name} (LEA {la.old_code})",
                file=next(iter(wrong)), expected=f"LEA {la.old_code} in every file",
                found="; ".join(f"{n}: LEA {c}" for n, c in wrong.items()),
                fix=f"give only {la.name}'s returns, or run with the LA the files are for")
    elif len(set(leas.values())) > 1:
        raise InputDataError("census files from more than one LA", file=files[0].parent,
                             expected="one LEA code in every file",
                             found="; ".join(f"{n}: LEA {c}" for n, c in leas.items()),
                             fix="put each LA's returns in a folder of their own")
    return years


def stage_records(con: duckdb.DuckDBPyConnection, path: str | Path, *,
                  today: pd.Timestamp | str | None = None, la: LocalAuthority | None = None
                  ) -> tuple[ReadReport, pd.Timestamp, pd.DataFrame | None]:
    """Read and validate referral records into the view ``referrals`` of ``con`` (over the
    table ``_referrals_read``; the tidy columns, ``_row`` and, from census returns, the
    children's characteristics): ``(report, history_start, census table or None)``.

    ``path``: a CSV/XLSX extract (``docs/data-formats/referral-records.md``; its optional
    ``la_code`` column must hold ``la``'s code), a CIN census
    XML file, or a folder of census XML files (one per year, consecutive, one LA: the LEA
    in each file must be ``la``'s; a referral in several years' files is kept once). Rows
    that cannot be used are left out and counted in the report (never dropped silently);
    problems with a whole file or the set of files raise :class:`InputDataError`.
    ``history_start`` is the first date the records are complete from.
    """
    from analysis.data.readers.cin_xml import read_cin_census_years
    from analysis.data.readers.referral_records import stage_referral_records

    path = Path(path)
    if path.is_dir() or path.suffix.lower() in XML_SUFFIXES:
        if path.is_dir():
            xmls = sorted(p for p in path.iterdir() if p.suffix.lower() in XML_SUFFIXES)
            if not xmls:
                raise InputDataError("folder holds no CIN census XML files", file=path,
                                     expected="one or more .xml census returns",
                                     fix="give the extract file itself, or a folder of .xml "
                                         "files")
        elif not path.exists():
            raise InputDataError("records file not found", file=path,
                                 fix="check the path (relative paths are from the project "
                                     "folder)")
        else:
            xmls = [path]
        years = check_census_set(xmls, la)
        table = read_cin_census_years(xmls)
        report = _xml_report(path, table, xmls)
        frame = table.assign(_row=np.arange(1, len(table) + 1))
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].astype("string")
        con.register("_census_frame", frame)
        con.execute("CREATE OR REPLACE TEMP TABLE _referrals_read AS SELECT * FROM _census_frame")
        con.unregister("_census_frame")
        con.execute("CREATE OR REPLACE TEMP VIEW referrals AS SELECT * FROM _referrals_read")
        return report, _xml_history_start(years, table), table
    if not path.exists():
        raise InputDataError("records file not found", file=path,
                             fix="check the path (relative paths are from the project folder)")
    suffix = path.suffix.lower()
    if suffix not in EXTRACT_SUFFIXES:
        raise InputDataError("unsupported records file type", file=path,
                             expected="a .csv or .xlsx extract, or CIN census .xml",
                             found=suffix or "no extension",
                             fix="export the records as CSV (see docs/data-formats/"
                                 "referral-records.md)")
    report = stage_referral_records(con, path, on_bad_rows="drop", today=today, la=la)
    if not report.rows_used:
        raise NoDataError("no usable referral rows", fix="see the reasons: "
                          + "; ".join(f"{k} ({len(v)})" for k, v in report.dropped.items()))
    row = con.execute("SELECT min(referral_date) FROM referrals").fetchone()
    return report, pd.Timestamp(row[0] if row else None), None


def load_records(path: str | Path, *, today: pd.Timestamp | str | None = None,
                 la: LocalAuthority | None = None
                 ) -> tuple[pd.DataFrame, ReadReport, pd.Timestamp]:
    """Read and validate referral records (:func:`stage_records`) as a pandas table:
    ``(tidy table, report, history_start)``."""
    from analysis.data.readers.referral_records import referral_frame

    con = duckdb.connect()
    try:
        report, start, table = stage_records(con, path, today=today, la=la)
        return (table if table is not None else referral_frame(con)), report, start
    finally:
        con.close()


def _xml_report(path: Path, table: pd.DataFrame, files: Sequence[Path]) -> ReadReport:
    info = table.attrs.get("read", {})
    dropped: dict[str, int] = dict(info.get("dropped", {}))
    if table.empty:
        raise NoDataError(
            "the census file(s) hold no usable referrals",
            found=(f"{sum(dropped.values())} referral(s) left out: "
                   + "; ".join(f"{why} ({n})" for why, n in dropped.items())) if dropped
            else "no CINdetails",
            fix="check the export: referral dates must fall between 1 January 1990 and "
                "the census date, closures between the referral and the census date")
    report = ReadReport(file=str(path), rows_in=len(table) + sum(dropped.values()),
                        rows_used=len(table))
    start = 1
    for why, n in dropped.items():
        report.dropped[why] = list(range(-start, -start - n, -1))  # counts only: no row numbers
        start += n
    same_day = table.duplicated(["child_id", "referral_date"], keep="first")
    if same_day.any():
        report.flagged["same child referred twice on one day (counted once in rates)"] = (
            (np.flatnonzero(same_day.to_numpy()) + 1).tolist())
    unknown = table["referral_source"].eq("unknown")
    if unknown.any():
        report.flagged["referral source unknown or not recorded"] = (
            (np.flatnonzero(unknown.to_numpy()) + 1).tolist())
    report.notes.append(f"{len(files)} CIN census file(s); rows are CINdetails (referrals); "
                        "a referral in several years' files is counted once")
    report.notes.append("the census has no locality or prior early help fields")
    return report


def read_summary_table(report: ReadReport) -> pd.DataFrame:
    """Rows read, used, left out and flagged, by reason (published; counts of file rows,
    1-4 shown as "c")."""
    rows = [("Rows read", report.rows_in), ("Rows used", report.rows_used),
            ("Rows left out", report.rows_dropped)]
    if report.copies:
        rows += [("Exact copies of an earlier row (the referral read once)",
                  len(report.copies))]
    rows += [(f"Left out: {why}", len(r)) for why, r in report.dropped.items()]
    rows += [(f"Kept, flagged: {why}", len(r)) for why, r in report.flagged.items()]
    table = pd.DataFrame(rows, columns=["what", "rows"])
    return publish(table, ["rows"], secondary="none")


__all__ = ["EXTRACT_SUFFIXES", "XML_SUFFIXES", "check_census_set", "is_synthetic", "load_records",
           "output_name", "read_summary_table", "stage_records"]
