"""Read a flat referral extract (CSV or XLSX) into the tidy referral table.

The columns, types, codes and accepted aliases are in
``docs/data-formats/referral-records.md``. Nothing is dropped silently: the reader returns
the table *and* a :class:`ReadReport` (rows in, rows used, rows dropped or flagged and
why). Row numbers in messages are the file's own line numbers (the header is row 1); the
report's row lists and ``_row`` number the rows as read (a CSV's wholly empty lines, which
the reader skips, not counted).

Problems that make a row unusable (no child id, no or bad referral date, a date before
1990 or in the future, closure before referral, a duplicate referral id, an unreadable
yes/no) raise :class:`InputDataError` naming the file, column and rows; with
``on_bad_rows="drop"`` those rows are left out instead and listed in the report.
Problems that do not stop a row being counted (an unknown referral source, kept as
"unknown"; an unknown need, closure reason or factor code, set to NA; two referrals of one
child on one day) are kept and counted in ``report.flagged``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.readers import referral_codes as codes
from analysis.data.readers.record_checks import (
    check_day_month_order,
    check_la_codes,
    exact_copies,
    quoted,
)
from analysis.data.readers.referral_load import RAW, file_line_numbers, load_extract
from analysis.data.schemas.referrals import (
    ASSESSMENT_OUTCOMES,
    CLOSURE_REASONS,
    COLUMNS,
    PRIMARY_NEEDS,
    UNKNOWN_SOURCE,
    validate_referrals,
)

REQUIRED: tuple[str, ...] = ("child_id", "referral_id", "referral_date", "referral_source",
                             "referral_nfa")

#: Accepted column names (compared lower-case, spaces and hyphens as underscores).
ALIASES: dict[str, tuple[str, ...]] = {
    "child_id": ("lachildid", "la_child_id", "childid", "child", "person_id", "client_id"),
    "referral_id": ("referralid", "referral_no", "referral_number", "episode_id", "cin_id"),
    "referral_date": ("cinreferraldate", "date_of_referral", "ref_date", "referral_start"),
    "referral_source": ("referralsource", "source", "source_of_referral", "referrer"),
    "referral_nfa": ("referralnfa", "nfa", "no_further_action"),
    "assessment_outcome": ("outcome", "referral_outcome"),
    "closure_date": ("cinclosuredate", "close_date", "date_closed", "case_closure_date"),
    "closure_reason": ("reasonforclosure", "reason_for_closure", "close_reason"),
    "prior_early_help": ("early_help", "previous_early_help", "had_early_help"),
    "locality": ("area", "team", "locality_team"),
    "primary_need": ("primaryneedcode", "primary_need_code", "need_code"),
    "assessment_factors": ("assessmentfactors", "factors", "factors_at_assessment"),
    "la_code": ("lacode", "lea", "lea_code", "la_ons_code", "local_authority_code"),
}

if TYPE_CHECKING:
    from analysis.data.geography import LocalAuthority

EARLIEST = pd.Timestamp("1990-01-01")


@dataclass
class ReadReport:
    """What happened to each row of an extract."""

    file: str
    rows_in: int = 0
    rows_used: int = 0
    dropped: dict[str, list[int]] = field(default_factory=dict)
    flagged: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: rows that are exact copies of an earlier row: the referral is read once
    copies: list[int] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        """Distinct rows left out."""
        return len({r for rows in self.dropped.values() for r in rows})

    @property
    def rows_flagged(self) -> int:
        """Distinct rows kept but flagged."""
        return len({r for rows in self.flagged.values() for r in rows})

    def summary(self) -> str:
        """A few lines for a person: counts, then each reason with its row count."""
        lines = [f"{self.file}: {self.rows_in} rows read, {self.rows_used} used, "
                 f"{self.rows_dropped} dropped, {self.rows_flagged} flagged"
                 + (f", {len(self.copies)} exact copies of an earlier row (read once)"
                    if self.copies else "")]
        lines += [f"  dropped ({len(r)}): {why}" for why, r in self.dropped.items()]
        lines += [f"  flagged ({len(r)}): {why}" for why, r in self.flagged.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _norm(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _meanings(names: Sequence[str], path: Path) -> dict[str, str]:
    """``{tidy name: the file's column name}`` for the columns the reader knows (see
    :data:`ALIASES`); InputDataError when two columns mean one thing or one required is
    missing."""
    lookup = {}
    for tidy, aliases in ALIASES.items():
        lookup[tidy] = tidy
        for n in aliases:
            lookup[n] = tidy
    given: dict[str, str] = {}
    for col in names:
        meaning = lookup.get(_norm(col))
        if meaning is None:
            continue
        if meaning in given:
            raise InputDataError("two columns mean the same thing", file=path, column=str(col),
                                 found=f"'{given[meaning]}' and '{col}' both read as "
                                       f"'{meaning}'",
                                 fix="keep one of them")
        given[meaning] = col
    missing = [c for c in REQUIRED if c not in given]
    if missing:
        raise InputDataError(
            f"required column missing: {', '.join(missing)}", file=path, column=missing[0],
            expected=", ".join(REQUIRED),
            found="columns " + ", ".join(map(str, names)),
            fix="rename the column (see docs/data-formats/referral-records.md for aliases)")
    return given


def _problems(has: set[str], latest: pd.Timestamp) -> list[tuple[str, str, str]]:
    """The problems that make a row unusable: (flag of ``_referrals_read.flags``, problem,
    column), in the order they are reported."""
    errors = [("e_child", "child with no id", "child_id"),
              ("e_rid", "referral with no id", "referral_id"),
              ("e_dup", "duplicate referral id", "referral_id"),
              ("e_ref", "referral date missing or not a date (use YYYY-MM-DD or DD/MM/YYYY)",
               "referral_date"),
              ("e_ref_future", f"referral date after today ({latest.date()})", "referral_date"),
              ("e_ref_1990", "referral date before 1990", "referral_date")]
    if "closure_date" in has:
        errors += [("e_clo", "closure date not a date", "closure_date"),
                   ("e_clo_future", f"closure date after today ({latest.date()})", "closure_date"),
                   ("e_clo_before", "closure date before referral date", "closure_date")]
    errors.append(("e_nfa", "referral_nfa missing or not yes/no", "referral_nfa"))
    if "prior_early_help" in has:
        errors.append(("e_eh", "prior_early_help not yes/no", "prior_early_help"))
    if "assessment_outcome" in has:
        errors.append(("e_outcome", "assessment_outcome not one of "
                       + ", ".join(ASSESSMENT_OUTCOMES), "assessment_outcome"))
    return errors


#: The columns read once per distinct value: (column, reading, SQL type of the value).
_READINGS: tuple[tuple[str, codes.Reading, str], ...] = (
    ("referral_date", codes.dates, "TIMESTAMP"), ("closure_date", codes.dates, "TIMESTAMP"),
    ("referral_nfa", codes.yes_no, "BOOLEAN"), ("prior_early_help", codes.yes_no, "BOOLEAN"),
    ("assessment_outcome", codes.outcome, "VARCHAR"),
    ("referral_source", codes.source, "VARCHAR"),
    ("primary_need", codes.coded(list(PRIMARY_NEEDS)), "VARCHAR"),
    ("closure_reason", codes.coded(list(CLOSURE_REASONS)), "VARCHAR"),
    ("assessment_factors", codes.factors, "VARCHAR"))


#: The reasons a row is unusable or flagged, each a bit of ``_referrals_read.flags``.
_FLAGS = ("e_child", "e_rid", "e_dup", "e_ref", "e_ref_future", "e_ref_1990", "e_clo",
          "e_clo_future", "e_clo_before", "e_nfa", "e_eh", "e_outcome", "source_unknown",
          "need_unknown", "reason_unknown", "factors_unknown")


def _is(flag: str) -> str:
    """SQL: whether a row of ``_referrals_read`` has ``flag`` (one of :data:`_FLAGS`)."""
    return f"(flags & {1 << _FLAGS.index(flag)}) <> 0"


def _checked_sql(has: set[str], latest: pd.Timestamp, read: dict[str, codes.ColumnSQL],
                 duplicates: bool) -> str:
    """The query reading ``_u`` (the rows, copies left out) into tidy values and ``flags``,
    a bit per problem and per reason a kept row is flagged (:data:`_FLAGS`); ``read``: how
    each coded column is read (:func:`analysis.data.readers.referral_codes.code_tables`);
    ``duplicates``: whether ``_dup_rows`` holds rows."""
    day = f"TIMESTAMP '{latest:%Y-%m-%d}'"
    value, problem = {}, {}
    for col, _read, kind in _READINGS:
        if col in read:
            value[col], problem[col] = read[col].value, read[col].problem
        else:
            value[col], problem[col] = f"NULL::{kind}", "false"
    conds = {
        "e_child": "child_id IS NULL", "e_rid": "referral_id IS NULL",
        "e_dup": "_row IN (SELECT _row FROM _dup_rows)" if duplicates else "false",
        "e_ref": "ref IS NULL", "e_ref_future": f"COALESCE(ref > {day}, false)",
        "e_ref_1990": f"COALESCE(ref < TIMESTAMP '{EARLIEST:%Y-%m-%d}', false)",
        "e_clo": "(clo_given AND clo IS NULL)", "e_clo_future": f"COALESCE(clo > {day}, false)",
        "e_clo_before": "COALESCE(clo < ref, false)", "e_nfa": "(bad_nfa OR nfa IS NULL)",
        "e_eh": "bad_eh", "e_outcome": "bad_outcome", "source_unknown": "source_unknown",
        "need_unknown": "need_unknown", "reason_unknown": "reason_unknown",
        "factors_unknown": "factors_unknown"}
    flags = " + ".join(f"CAST({conds[f]} AS INTEGER) * {1 << i}" for i, f in enumerate(_FLAGS))
    source_unknown = (f"(NOT {read['referral_source'].given} OR {problem['referral_source']})"
                      if "referral_source" in read else "true")
    joins = " ".join(read[col].join for col, _, _ in _READINGS if col in read)
    return f"""
    WITH p AS (
      SELECT u._row, u.child_id, u.referral_id, {value["referral_date"]} AS ref,
        {value["closure_date"]} AS clo,
        {read["closure_date"].given if "closure_date" in read else "false"} AS clo_given,
        {value["referral_nfa"]} AS nfa, {problem["referral_nfa"]} AS bad_nfa,
        {value["prior_early_help"]} AS eh, {problem["prior_early_help"]} AS bad_eh,
        {value["assessment_outcome"]} AS outcome, {problem["assessment_outcome"]} AS bad_outcome,
        COALESCE({value["referral_source"]}, '{UNKNOWN_SOURCE}') AS source,
        {source_unknown} AS source_unknown,
        {value["primary_need"]} AS need, {problem["primary_need"]} AS need_unknown,
        {value["closure_reason"]} AS reason, {problem["closure_reason"]} AS reason_unknown,
        {value["assessment_factors"]} AS factors,
        {problem["assessment_factors"]} AS factors_unknown,
        {"u.locality" if "locality" in has else "NULL::VARCHAR"} AS locality
      FROM _u AS u {joins}
    )
    SELECT _row, child_id, referral_id, ref, clo, nfa, eh, outcome, source, need, reason,
      factors, locality, {flags} AS flags
    FROM p"""


def _as_given(name: str) -> bool:
    """Whether the file's column ``name`` is a coded column (read once per distinct value,
    trimmed there), kept as given when the extract is loaded."""
    return _ALIAS_OF.get(_norm(name)) in _CODED


_ALIAS_OF = {n: tidy for tidy, aliases in ALIASES.items() for n in (tidy, *aliases)}
_CODED = {col for col, _, _ in _READINGS}


def _rows_of(con: duckdb.DuckDBPyConnection, names: Sequence[str], given: dict[str, str]
             ) -> tuple[list[int], bool]:
    """Keep the rows in ``_r`` (known columns under their tidy names), mark the exact copies
    (values compared trimmed of spaces) and the duplicate referral ids; the view ``_u`` is
    the rows without copies. Returns the copies' row numbers and whether any referral id is
    given twice (its rows in ``_dup_rows``)."""
    tidy = {col: t for t, col in given.items()}
    named = [tidy.get(n, n) for n in names]
    con.execute("CREATE OR REPLACE TEMP VIEW _r AS SELECT _row, " + ", ".join(
        f"{quoted(n)} AS {quoted(t)}" for n, t in zip(names, named, strict=True))
        + f" FROM {RAW}")
    # copies and duplicate ids share a referral id: only rows whose id is given more than
    # once (or not at all) are compared
    con.execute("CREATE OR REPLACE TEMP TABLE _twice AS SELECT referral_id FROM _r "
                "GROUP BY referral_id HAVING count(*) > 1")
    if not con.execute("SELECT 1 FROM _twice LIMIT 1").fetchall():
        con.execute("DROP TABLE _twice; CREATE OR REPLACE TEMP VIEW _u AS SELECT * FROM _r")
        return [], False
    trimmed = ", ".join((f"NULLIF(trim({quoted(t)}), '') AS {quoted(t)}" if _as_given(n)
                         else quoted(t)) for n, t in zip(names, named, strict=True))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _same_id AS SELECT _row, {trimmed} FROM _r
        WHERE referral_id IS NULL OR referral_id IN (SELECT referral_id FROM _twice)""")
    copies = exact_copies(con, "_same_id", named)
    con.execute("CREATE OR REPLACE TEMP TABLE _copy_rows AS SELECT unnest(?::BIGINT[]) AS _row",
                [copies])
    con.execute("CREATE OR REPLACE TEMP VIEW _u AS SELECT * FROM _r"
                + (" WHERE _row NOT IN (SELECT _row FROM _copy_rows)" if copies else ""))
    con.execute("""CREATE OR REPLACE TEMP TABLE _dup_rows AS SELECT _row FROM (
        SELECT _row, count(*) OVER (PARTITION BY referral_id) AS n FROM _same_id
        WHERE referral_id IS NOT NULL AND _row NOT IN (SELECT _row FROM _copy_rows)) WHERE n > 1""")
    con.execute("DROP TABLE _same_id; DROP TABLE _twice")
    return copies, True


def stage_referral_records(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    sheet: str | int | None = None,
    on_bad_rows: str = "raise",
    today: pd.Timestamp | str | None = None,
    la: LocalAuthority | None = None,
) -> ReadReport:
    """Read and check a referral extract into table ``referrals`` of ``con`` (the tidy
    columns of :data:`analysis.data.schemas.referrals.COLUMNS` and ``_row``, the row number
    as read, in file order); return the :class:`ReadReport`.

    ``on_bad_rows``: ``"raise"`` (default) stops at unusable rows with an
    :class:`InputDataError` naming file, column and rows; ``"drop"`` leaves them out and
    lists them in the report. ``today`` is the latest allowed date (default: today).

    Before any row is read: dates written month first are refused, rows that are exact
    copies of an earlier row are read once (counted in ``report.copies``), and an optional
    ``la_code`` column must hold ``la``'s ONS or old DfE code (without ``la``: one LA's code).
    """
    if on_bad_rows not in ("raise", "drop"):
        raise ParameterError("on_bad_rows must be 'raise' or 'drop'", parameter="on_bad_rows",
                             expected="'raise' or 'drop'", found=repr(on_bad_rows))
    path = Path(path)
    latest = pd.Timestamp(today).normalize() if today is not None else pd.Timestamp.today(
    ).normalize()
    names = load_extract(con, path, sheet, as_given=_as_given)
    given = _meanings(names, path)
    report = ReadReport(file=str(path))
    report.copies, duplicates = _rows_of(con, names, given)
    read = codes.code_tables(con, "_r", [r for r in _READINGS if r[0] in given])
    for col in ("referral_date", "closure_date"):
        if col in given:
            check_day_month_order(con, f"_m_{col}", "_u", col, file=path, shown=given[col])
    if "la_code" in given:
        check_la_codes(con, "_u", "la_code", la, file=path, shown=given["la_code"])
    con.execute("CREATE OR REPLACE TEMP TABLE _referrals_read AS "
                + _checked_sql(set(given), latest, read, duplicates))
    con.execute(f"DROP VIEW _u; DROP VIEW _r; DROP VIEW {RAW}; DROP TABLE _csv; "
                + ("DROP TABLE _copy_rows; DROP TABLE _dup_rows; " if duplicates else "")
                + " ".join(f"DROP TABLE IF EXISTS _m_{c};" for c, _, _ in _READINGS))
    report.rows_in = _count(con, "_referrals_read") + len(report.copies)
    errors = _problems(set(given), latest)
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {_is(f)})"
                                                for f, _, _ in errors) + " FROM _referrals_read").fetchone()
    problems = [e for e, n in zip(errors, counts or (), strict=True) if n]
    flags = [("source_unknown", "referral source unknown or not recorded (kept as 'unknown')")]
    for col, why in (("need", "primary_need"), ("reason", "closure_reason")):
        if why in given:
            flags.append((f"{col}_unknown", f"{why} code unknown (set to NA)"))
        else:
            report.notes.append(f"no {why} column: all NA")
    if "assessment_factors" in given:
        flags.append(("factors_unknown", "assessment factor code unknown (left out of the list)"))
    else:
        report.notes.append("no assessment_factors column: all NA")
    for col in ("locality", "prior_early_help"):
        if col not in given:
            report.notes.append(f"no {col} column: all NA")
    for flag, why in flags:
        rows = _rows(con, f"SELECT _row FROM _referrals_read WHERE {_is(flag)} ORDER BY _row")
        if rows:
            report.flagged[why] = rows
    if problems and on_bad_rows == "raise":
        flag, problem, column = problems[0]
        others = "; ".join(f"{c}: {p} ({_count(con, '_referrals_read', _is(f))} rows)" for f, p, c in problems[1:])
        rows = file_line_numbers(path, _rows(
            con, f"SELECT _row FROM _referrals_read WHERE {_is(flag)} ORDER BY _row"))
        raise InputDataError(
            problem, file=path, column=column, rows=rows,
            found=f"{len(rows)} row(s)" + (f"; also {others}" if others else ""),
            fix="correct the extract, or read with on_bad_rows='drop' to leave these rows "
                "out (they are listed in the report)")
    for flag, problem, column in problems:
        report.dropped[f"{column}: {problem}"] = _rows(
            con, f"SELECT _row FROM _referrals_read WHERE {_is(flag)} ORDER BY _row")
    bad = " OR ".join(_is(f) for f, _, _ in problems) or "false"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW referrals AS SELECT _row,
        CAST(child_id AS VARCHAR) AS child_id, CAST(referral_id AS VARCHAR) AS referral_id,
        ref AS referral_date, source AS referral_source, COALESCE(nfa, false) AS referral_nfa,
        outcome AS assessment_outcome, clo AS closure_date, reason AS closure_reason,
        eh AS prior_early_help, CAST(locality AS VARCHAR) AS locality, need AS primary_need,
        factors AS assessment_factors
      FROM _referrals_read WHERE NOT ({bad})""")
    same_day = _rows(con, """WITH twice AS (SELECT child_id, referral_date, min(_row) AS first
          FROM referrals GROUP BY child_id, referral_date HAVING count(*) > 1)
        SELECT r._row FROM referrals AS r JOIN twice USING (child_id, referral_date)
        WHERE r._row > twice.first ORDER BY r._row""")
    if same_day:
        report.flagged["same child referred twice on one day (counted once in rates)"] = same_day
    report.rows_used = _count(con, "referrals")
    return report


def _count(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> int:
    row = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
    return int(row[0]) if row else 0


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[int]:
    return con.execute(sql).fetchnumpy()["_row"].astype("int64").tolist()


def referral_frame(con: duckdb.DuckDBPyConnection, table: str = "referrals") -> pd.DataFrame:
    """The tidy table ``table`` of ``con`` as a pandas frame (the schema's column types)."""
    df = con.execute(f"SELECT {', '.join(COLUMNS)} FROM {table} ORDER BY _row").df()
    out = pd.DataFrame({c: df[c].astype("str") if c in _TEXT else df[c] for c in COLUMNS})
    for col in ("referral_date", "closure_date"):
        out[col] = out[col].astype("datetime64[ns]")
    out["referral_nfa"] = out["referral_nfa"].astype(bool)
    out["prior_early_help"] = out["prior_early_help"].astype("boolean")
    return out


_TEXT = ("child_id", "referral_id", "referral_source", "assessment_outcome", "closure_reason",
         "locality", "primary_need", "assessment_factors")


def read_referral_records(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    on_bad_rows: str = "raise",
    today: pd.Timestamp | str | None = None,
    la: LocalAuthority | None = None,
) -> tuple[pd.DataFrame, ReadReport]:
    """Read and validate a referral extract; return ``(table, report)``: the tidy table
    of :func:`stage_referral_records` as a pandas frame (see it for the parameters)."""
    con = duckdb.connect()
    try:
        report = stage_referral_records(con, path, sheet=sheet, on_bad_rows=on_bad_rows,
                                        today=today, la=la)
        tidy = referral_frame(con)
    finally:
        con.close()
    validate_referrals(tidy)
    return tidy, report
