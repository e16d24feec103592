"""What each value of a referral extract's coded columns reads as, worked out once per
distinct value (an extract of a million referrals holds a few thousand distinct dates and
codes) and given back to the rows in DuckDB (:func:`code_tables`): by an expression over the
value where one gives every distinct value's reading exactly (dates as the DuckDB cast reads
them, codes as written), else by a join to the column's table of readings.

Each reading returns ``(value, problem)``: the tidy value (None when it cannot be read or is
left out) and whether the value is a problem (a bad row, or a row kept and flagged, as the
reader says).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis.data.schemas.referrals import (
    ASSESSMENT_FACTORS,
    ASSESSMENT_OUTCOMES,
    UNKNOWN_SOURCE,
    source_label,
)

_YES = {"true", "yes", "y", "1", "t"}
_NO = {"false", "no", "n", "0", "f"}

Reading = Callable[[Sequence[str]], list[tuple[object, bool]]]


def dates(values: Sequence[str]) -> list[tuple[object, bool]]:
    """ISO dates (``2017-03-31``, Excel's ``2017-03-31 00:00:00``) or UK ``31/03/2017``;
    a problem when neither."""
    s = pd.Series(list(values), dtype=object)
    iso = pd.to_datetime(s, format="ISO8601", errors="coerce").astype("datetime64[us]")
    uk = pd.to_datetime(s.where(iso.isna()), format="%d/%m/%Y", errors="coerce")
    out = iso.fillna(uk.astype("datetime64[us]"))  # microseconds: year 2999 still fits
    return [(None, True) if pd.isna(v) else (v.to_pydatetime(), False) for v in out]


def yes_no(values: Sequence[str]) -> list[tuple[object, bool]]:
    """True/False from yes/no words (any case); a problem when neither."""
    out: list[tuple[object, bool]] = []
    for v in values:
        low = v.lower()
        out.append((True, False) if low in _YES else (False, False) if low in _NO
                   else (None, True))
    return out


def outcome(values: Sequence[str]) -> list[tuple[object, bool]]:
    """An assessment outcome (any case, spaces or hyphens for underscores); a problem
    when not one of the list."""
    out: list[tuple[object, bool]] = []
    for v in values:
        tidy = re.sub(r"[\s\-]+", "_", v.lower())
        out.append((tidy, tidy not in ASSESSMENT_OUTCOMES))
    return out


def coded(codes: Sequence[str]) -> Reading:
    """A code of ``codes`` (any case); an unknown code is NA and a problem."""
    known = set(codes)

    def read(values: Sequence[str]) -> list[tuple[object, bool]]:
        return [(v.upper(), False) if v.upper() in known else (None, True) for v in values]

    return read


def source(values: Sequence[str]) -> list[tuple[object, bool]]:
    """A ReferralSource code or label as its label; unknown ("unknown", a problem unless
    the code is 10, which means unknown)."""
    out: list[tuple[object, bool]] = []
    for v in values:
        label = source_label(v)
        out.append((label, label == UNKNOWN_SOURCE and v != "10"))
    return out


def factors(values: Sequence[str]) -> list[tuple[object, bool]]:
    """Factor codes joined by ";" (commas or spaces read as ";"), unknown codes left out
    (a problem), each code once."""
    out: list[tuple[object, bool]] = []
    for v in values:
        items = re.sub(r"[\s,]+", ";", v.upper()).split(";")
        known = [x for x in items if x in ASSESSMENT_FACTORS]
        out.append((";".join(dict.fromkeys(known)) or None,
                    any(x and x not in ASSESSMENT_FACTORS for x in items)))
    return out


@dataclass(frozen=True)
class ColumnSQL:
    """How the query over the rows (``u``) reads one coded column, as SQL: ``value`` the
    tidy value; ``problem`` whether the row's value is a problem (false when none is given);
    ``given`` whether a value (not blank) is given; ``join`` the LEFT JOIN of the column's
    code table, or "" when the expressions need none."""

    value: str
    problem: str
    given: str
    join: str = ""


#: Expressions tried, in order, in place of the join to a column's code table (by SQL type of
#: the value): used when they give every distinct value's reading exactly.
_DIRECT: dict[str, tuple[str, ...]] = {
    "TIMESTAMP": ("TRY_CAST({x} AS TIMESTAMP)",
                  "COALESCE(TRY_CAST({x} AS TIMESTAMP), try_strptime({x}, '%d/%m/%Y'))"),
    "BOOLEAN": ("TRY_CAST({x} AS BOOLEAN)",),
    "VARCHAR": ("{x}", "upper({x})"),
}
#: At most this many distinct problem values are listed in the query instead of a join.
_LISTED = 20


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _direct(con: duckdb.DuckDBPyConnection, table: str, kind: str) -> str | None:
    """The first expression of :data:`_DIRECT` giving the reading of every value of the code
    table ``table`` (``{x}`` left in), or None."""
    for expr in _DIRECT.get(kind, ()):
        (wrong,), = con.execute(f"SELECT count(*) FROM {table} WHERE value IS DISTINCT FROM "
                                + expr.format(x="raw")).fetchall()
        if wrong == 0:
            return expr
    return None


def _column_sql(con: duckdb.DuckDBPyConnection, col: str, table: str, kind: str,
                frame: pd.DataFrame, blank: bool) -> ColumnSQL:
    x = f"u.{col}"
    alias = f"m_{col}"
    joined = ColumnSQL(f"{alias}.value", f"COALESCE({alias}.problem, false)",
                       f"{alias}.raw IS NOT NULL",
                       f"LEFT JOIN {table} AS {alias} ON {alias}.raw = {x}")
    problems = frame.loc[frame["problem"], "raw"].tolist()
    expr = None if blank or len(problems) > _LISTED else _direct(con, table, kind)
    if expr is None:
        return joined
    flagged = (f"COALESCE({x} IN ({', '.join(map(_literal, problems))}), false)" if problems
               else "false")
    return ColumnSQL(expr.format(x=x), flagged, f"{x} IS NOT NULL")


def code_tables(con: duckdb.DuckDBPyConnection, table: str,
                readings: Sequence[tuple[str, Reading, str]], prefix: str = "_m_"
                ) -> dict[str, ColumnSQL]:
    """For each ``(column, reading, SQL type)``, the table ``<prefix><column>`` (raw, value,
    problem) of the reading over the column's distinct values in ``table`` (read in one pass;
    ``raw`` as given, read trimmed of spaces, blank values left out); return how a query over
    the rows (``u``) reads each column: straight from its values where an expression of
    :data:`_DIRECT` gives every reading, else joined to its table."""
    cols = [c for c, _, _ in readings]
    found = con.execute(
        "SELECT " + ", ".join(f"{c}, grouping({c}) AS g_{c}" for c in cols) + f" FROM {table} "
        "GROUP BY GROUPING SETS (" + ", ".join(f"({c})" for c in cols) + ")").df()
    out: dict[str, ColumnSQL] = {}
    for col, read, kind in readings:
        given = [v for v in found.loc[found[f"g_{col}"] == 0, col] if isinstance(v, str)]
        raw = [v for v in given if v.strip(" ")]  # DuckDB's trim: spaces only
        read_as = read([v.strip(" ") for v in raw])
        frame = pd.DataFrame({"raw": pd.Series(raw, dtype=object),
                              "value": pd.Series([v for v, _ in read_as], dtype=object),
                              "problem": pd.Series([p for _, p in read_as], dtype=bool)})
        name = f"{prefix}{col}"
        con.register(f"{name}_frame", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT CAST(raw AS VARCHAR) AS raw, "
                    f"CAST(value AS {kind}) AS value, problem FROM {name}_frame")
        con.unregister(f"{name}_frame")
        out[col] = _column_sql(con, col, name, kind, frame, len(raw) < len(given))
    return out


__all__ = ["ColumnSQL", "code_tables", "coded", "dates", "factors", "outcome", "source", "yes_no"]
