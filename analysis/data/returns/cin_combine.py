"""Check the raw CIN census rows and combine several returns into the staged tables, in DuckDB.

The combining rule (``docs/data-formats/staged-returns.md``): the files of one census
year are ordered by when they were made (the header's ``DateTime``, else its
``ReferenceDate``; then file name), the last the newest.

1. Within a census year, a child's records come from the newest file of that year that
   holds the child (an in-year extract is replaced child by child by a later one).
2. Across census years, each record keeps the version of the latest census year that
   holds it (a referral open across 31 March is in both years' returns, and the later
   return knows its closure). So a later census year's return is the only source for its
   year, and an amended return of a past year replaces that year's earlier return even
   when it was made after a later year's. A record is a child
   (``la_child_id``), an episode (``episode_id``), or an assessment, CIN plan, section 47
   enquiry or child protection plan (its episode, its start date and its order among
   records of that episode starting that day).

After combining, each table holds one version of each record.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from analysis.core.errors import InputDataError
from analysis.data.returns.cin_census import RAW_COLUMNS, CinFile
from analysis.data.returns.cin_schema_check import PERSONAL

__all__ = ["DATE_COLUMNS", "combine_cin"]

#: Date columns of each table, with the return's element name (for messages).
DATE_COLUMNS: dict[str, dict[str, str]] = {
    "cin_children": {"birth_date": "PersonBirthDate", "expected_birth_date":
                     "ExpectedPersonBirthDate", "death_date": "PersonDeathDate"},
    "cin_episodes": {"referral_date": "CINreferralDate", "closure_date": "CINclosureDate"},
    "cin_assessments": {"start_date": "AssessmentActualStartDate",
                        "authorisation_date": "AssessmentAuthorisationDate"},
    "cin_plans": {"start_date": "CINPlanStartDate", "end_date": "CINPlanEndDate"},
    "cin_s47": {"start_date": "S47ActualStartDate", "icpc_target_date": "InitialCPCtarget",
                "icpc_date": "DateOfInitialCPC"},
    "cin_cp_plans": {"start_date": "CPPstartDate", "end_date": "CPPendDate"},
}
#: (table, earlier column, later column): the later date may not come before the earlier.
ORDER_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("cin_episodes", "referral_date", "closure_date"),
    ("cin_assessments", "start_date", "authorisation_date"),
    ("cin_plans", "start_date", "end_date"),
    ("cin_s47", "start_date", "icpc_date"),
    ("cin_cp_plans", "start_date", "end_date"),
    ("cin_children", "birth_date", "death_date"),
)
_BOOLEAN = ("referral_nfa", "icpc_not_required")
_FILE_COLUMNS = ("census_year", "source_file")


def _typed(table: str, column: str) -> str:
    if column in DATE_COLUMNS[table]:
        return f"TRY_CAST({column} AS DATE) AS {column}"
    if column in _BOOLEAN:
        return (f"CASE WHEN lower({column}) IN ('true', '1') THEN TRUE "
                f"WHEN lower({column}) IN ('false', '0') THEN FALSE END AS {column}")
    if column == "previous_plans":
        return f"TRY_CAST({column} AS INTEGER) AS {column}"
    return column


def _fail(problem: str, file: str, child_no: int, field: str, expected: str, found: str,
          fix: str) -> InputDataError:
    return InputDataError(problem, file=file, column=field, expected=expected,
                          found=f"{found} (child number {child_no} in the file)", fix=fix)


def _check_dates(con: duckdb.DuckDBPyConnection, files: Sequence[CinFile]) -> None:
    for table, cols in DATE_COLUMNS.items():
        for col, element in cols.items():
            row = con.execute(f"SELECT file_no, child_no, {col} FROM raw_{table} WHERE {col} "
                              f"IS NOT NULL AND TRY_CAST({col} AS DATE) IS NULL LIMIT 1"
                              ).fetchone()
            if row:
                shown = "a value (not shown)" if element in PERSONAL else repr(row[2])
                raise _fail(f"{element} is not a date", files[row[0]].name, row[1], element,
                            "a date YYYY-MM-DD", shown, "correct the date in the return")
    for table, early, late in ORDER_CHECKS:
        names = DATE_COLUMNS[table]
        row = con.execute(
            f"SELECT file_no, child_no, {early}::DATE, {late}::DATE FROM raw_{table} "
            f"WHERE {late}::DATE < {early}::DATE ORDER BY file_no, child_no LIMIT 1").fetchone()
        if row:
            personal = names[early] in PERSONAL or names[late] in PERSONAL
            raise _fail(f"{names[late]} is before {names[early]}", files[row[0]].name, row[1],
                        names[late], f"on or after {names[early]}" + (
                            "" if personal else f" ({row[2]:%Y-%m-%d})"),
                        "an earlier date (the dates are not shown)" if personal
                        else f"{row[3]:%Y-%m-%d}", "correct the dates in the return")
    ref = con.execute(
        "SELECT e.file_no, e.child_no, e.referral_date, f.reference_date FROM raw_cin_episodes e "
        "JOIN cin_files f USING (file_no) WHERE e.referral_date::DATE > f.reference_date "
        "ORDER BY e.file_no, e.child_no LIMIT 1").fetchone()
    if ref:
        raise _fail("CINreferralDate is after the return's census date", files[ref[0]].name,
                    ref[1], "CINreferralDate", f"on or before {ref[3]:%Y-%m-%d}", str(ref[2]),
                    "correct the date, or leave the referral to the next return")


def _check_children(con: duckdb.DuckDBPyConnection, files: Sequence[CinFile]) -> None:
    row = con.execute(
        "SELECT file_no, min(child_no), max(child_no), count(DISTINCT birth_date) "
        "FROM raw_cin_children WHERE la_child_id IS NOT NULL GROUP BY file_no, la_child_id "
        "HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 1").fetchone()
    if row:
        if row[3] > 1:
            raise _fail("a child has two birth dates: two Child elements with the same "
                        "LAchildID give different PersonBirthDate", files[row[0]].name, row[2],
                        "PersonBirthDate", f"one birth date (as child number {row[1]})",
                        "another", "keep one Child element per child in the return")
        raise _fail("a child appears twice in the return", files[row[0]].name, row[2],
                    "LAchildID", f"each LAchildID once (also child number {row[1]})",
                    "the same LAchildID again", "keep one Child element per child")
    row = con.execute("SELECT file_no, child_no FROM raw_cin_children WHERE la_child_id IS NULL "
                      "LIMIT 1").fetchone()
    if row:
        raise _fail("a child has no LAchildID", files[row[0]].name, row[1], "LAchildID",
                    "ChildIdentifiers/LAchildID in every Child", "none",
                    "give every child its LA identifier")


def _files_table(con: duckdb.DuckDBPyConnection, files: Sequence[CinFile]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE cin_files (file_no INT, source_file VARCHAR, "
                "census_year INT, reference_date DATE, made TIMESTAMP)")
    con.executemany("INSERT INTO cin_files VALUES (?, ?, ?, ?, ?)",
                    [(i, f.name, f.census_year, f.reference_date, f.made)
                     for i, f in enumerate(files)])
    con.execute("CREATE OR REPLACE TEMP TABLE cin_rank AS SELECT file_no, census_year, "
                "source_file, row_number() OVER (ORDER BY made, census_year, source_file, "
                "file_no) AS file_rank FROM cin_files")


def _key(table: str) -> str:
    if table == "cin_children":
        return "la_child_id"
    if table == "cin_episodes":
        return "episode_id"
    return "episode_id, start_date, n"


def _combine(con: duckdb.DuckDBPyConnection, table: str) -> None:
    cols = ", ".join(_typed(table, c) for c in RAW_COLUMNS[table])
    ordinal = ("" if table in ("cin_children", "cin_episodes") else
               ", row_number() OVER (PARTITION BY file_no, episode_id, start_date "
               "ORDER BY seq) AS n")
    out = ", ".join((*RAW_COLUMNS[table], *_FILE_COLUMNS))
    con.execute(f"""
        CREATE OR REPLACE TABLE {table} AS
        WITH typed AS (
            SELECT {cols}, file_no, child_no{ordinal} FROM raw_{table}),
        ranked AS (
            SELECT t.*, r.census_year, r.source_file, r.file_rank,
                   max(r.file_rank) OVER (PARTITION BY t.la_child_id, r.census_year) AS newest_in_year
            FROM typed t JOIN cin_rank r USING (file_no)),
        in_year AS (SELECT * FROM ranked WHERE file_rank = newest_in_year)
        SELECT {out} FROM in_year
        QUALIFY row_number() OVER (PARTITION BY {_key(table)}
                                   ORDER BY census_year DESC, file_rank DESC) = 1
        ORDER BY {"la_child_id" if table == "cin_children" else "episode_id"}""")


def combine_cin(con: duckdb.DuckDBPyConnection, files: Sequence[CinFile],
                raw: dict[str, pa.Table]) -> dict[str, int]:
    """Check the raw rows and write the staged tables into ``con``; rows per table."""
    _files_table(con, files)
    for table, arrow in raw.items():
        con.register(f"raw_{table}_arrow", arrow)
        con.execute(f"CREATE OR REPLACE TEMP TABLE raw_{table} AS SELECT * FROM raw_{table}_arrow")
        con.unregister(f"raw_{table}_arrow")
    _check_children(con, files)
    _check_dates(con, files)
    counts = {}
    for table in RAW_COLUMNS:
        _combine(con, table)
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
    for table in RAW_COLUMNS:
        con.execute(f"DROP TABLE raw_{table}")
    con.execute("DROP TABLE cin_rank")
    con.execute("DROP TABLE cin_files")
    return counts
