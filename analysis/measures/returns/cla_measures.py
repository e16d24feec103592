"""Looked-after children's measures by DfE's definitions, from the staged SSDA903 tables
(and ONS's population for the rate), for any period end, in DuckDB SQL.

``CLA_MEASURES`` maps each catalogue id (``config/indicators.yaml``) to a function
``(con, period_end) -> DataFrame`` of one row with :data:`RESULT_COLUMNS`. The definitions,
their sources and the toolkit's reading of each are in
``docs/methods/looked-after-measures.md``. A table a measure needs that was not loaded raises
an :class:`InputDataError` naming the file, so the caller leaves that measure out; the OC2 and
OC3 measures exist only for a 31 March (a :class:`ParameterError` otherwise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.errors import InputDataError, ParameterError
from analysis.measures.returns.cla_sql import (
    ADOPTION_PLACES,
    anniversary,
    journey_ctes,
    sql_list,
    throughout_from,
)
from analysis.measures.returns.population import population_for
from analysis.measures.returns.rows import RESULT_COLUMNS, result_row

if TYPE_CHECKING:
    import duckdb

__all__ = ["CLA_MEASURES", "NAMES", "RESULT_COLUMNS"]

#: Tables a measure may need, and the file that gives each.
_FILES = {
    "ssda903_episodes": "the SSDA903 episodes file",
    "ssda903_header": "the SSDA903 header file",
    "ssda903_oc2": "the SSDA903 OC2 file (children looked after for 12 months)",
    "ssda903_oc3": "the SSDA903 OC3 file (care leavers)",
}
#: Each measure in words, for messages (the catalogue's labels).
NAMES = {
    "cla_rate": "children looked after per 10,000 children",
    "cla_3_plus_placements": "children looked after with 3 or more placements in the year",
    "cla_long_term_stability": "long-term placement stability",
    "cla_health_checks": "children looked after with an up-to-date health assessment",
    "cla_dental_checks": "children looked after with an up-to-date dental check",
    "cla_immunisations": "children looked after with immunisations up to date",
    "care_leavers_eet": "care leavers aged 19-21 in education, employment or training",
    "care_leavers_suitable_accommodation": "care leavers aged 19-21 in suitable accommodation",
}
EET_CODES = ("F1", "P1", "F2", "P2", "F4", "P4")
LEAVERS_LEFT_OUT = ("DIED", "RHOM")

Measure = Callable[["duckdb.DuckDBPyConnection", dt.date], pd.DataFrame]


def require(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    """Refuse to compute without the tables the measure needs."""
    have = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() "
                                          "UNION SELECT view_name FROM duckdb_views()").fetchall()}
    for table in tables:
        if table not in have:
            raise InputDataError(
                f"{_FILES[table]} was not loaded, so the measure cannot be computed",
                file=_FILES[table],
                fix="put the file in the folder of returns read (or leave the measure out)")


def require_history(con: duckdb.DuckDBPyConnection, period_end: dt.date, months: int,
                    indicator_id: str) -> None:
    """Refuse a period the loaded episodes do not cover: the returns must reach back to the
    first day of the ``months`` months the measure looks at (then every period of care and
    placement open on that day starts where the returns say, or earlier) and on to the
    period's end."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    source = ("ssda903_files WHERE kind = 'episodes'" if "ssda903_files" in have
              else "ssda903_episodes")
    first, last = _one(con, f"SELECT min(return_year), max(return_year) FROM {source}", {})
    if first is None:
        raise InputDataError("the SSDA903 episodes files hold no episodes",
                             file=_FILES["ssda903_episodes"], fix="load the returns' files")
    covered_from, covered_to = dt.date(first - 1, 4, 1), dt.date(last, 3, 31)
    needed = throughout_from(period_end, months) if months else period_end
    if needed < covered_from or period_end > covered_to:
        raise InputDataError(
            f"the SSDA903 returns loaded do not cover what '{NAMES[indicator_id]}' at "
            f"{period_end:%d/%m/%Y} looks at", file=_FILES["ssda903_episodes"],
            expected=f"episodes from {needed:%d/%m/%Y} to {period_end:%d/%m/%Y}",
            found=f"returns from {covered_from:%d/%m/%Y} to {covered_to:%d/%m/%Y}",
            fix="add the returns of the years before (or after), or ask for a period they cover")


def result(indicator_id: str, period_end: dt.date, basis: str, unit: str, numerator: float,
           denominator: float, files: str | None, per: float = 100.0) -> pd.DataFrame:
    """One measure's row in the contract's shape."""
    value = float(numerator) / float(denominator) * per if denominator else float("nan")
    return result_row(indicator_id, period_end, basis, value, numerator, denominator, unit,
                      files or "")


def _files(*parts: str | None) -> str:
    names = sorted({n for part in parts if part for n in part.split("; ")})
    return "; ".join(names)


def _at_31_march(period_end: dt.date, indicator_id: str) -> None:
    if (period_end.month, period_end.day) != (3, 31):
        raise ParameterError(
            "this measure is collected for the year to 31 March only", parameter="period_end",
            expected="a 31 March", found=period_end.isoformat(),
            fix=f"ask for '{NAMES[indicator_id]}' at the end of a year (Q4)")


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> tuple:
    row = con.execute(sql, params).fetchone()
    assert row is not None
    return row


def cla_rate(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Children looked after on the day (short breaks left out) per 10,000 children aged
    0-17: ONS's mid-year estimate of the year the financial year starts, as DfE uses."""
    require(con, "ssda903_episodes")
    require_history(con, period_end, 0, "cla_rate")
    count, files = _one(con, f"""WITH {journey_ctes()}
        SELECT count(DISTINCT child), string_agg(DISTINCT source_file, '; ')
        FROM looked_after""", {"end": period_end})
    population, pop_file = population_for(con, period_end, "cla_rate")
    return result("cla_rate", period_end, "at_date", "rate_per_10000", count, population,
                  _files(files, pop_file), per=10_000)


def cla_3_plus_placements(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Children looked after on the day with three or more placements in the 12 months to
    it, as a percentage of all children looked after on the day."""
    require(con, "ssda903_episodes")
    require_history(con, period_end, 12, "cla_3_plus_placements")
    start = throughout_from(period_end, 12)
    num, den, files = _one(con, f"""WITH {journey_ctes()},
        counted AS (
            SELECT child, count(*) AS placements FROM placements
            WHERE placement_start <= $end
              AND (placement_end IS NULL OR (placement_end > $start
                                             AND placement_end > placement_start))
            GROUP BY child)
        SELECT count(*) FILTER (WHERE c.placements >= 3), count(*),
               string_agg(DISTINCT l.source_file, '; ')
        FROM looked_after l LEFT JOIN counted c USING (child)""",
        {"end": period_end, "start": start})
    return result("cla_3_plus_placements", period_end, "rolling_12_months", "percent", num, den,
                  files)


def cla_long_term_stability(con: duckdb.DuckDBPyConnection,
                            period_end: dt.date) -> pd.DataFrame:
    """Children under 16 looked after for 2.5 years or more on the day who have been in the
    same placement for 2 years or more, or are placed for adoption and have been, with the
    placement before, as a percentage of those looked after for 2.5 years or more."""
    require(con, "ssda903_episodes", "ssda903_header")
    require_history(con, period_end, 30, "cla_long_term_stability")
    num, den, files, header_files = _one(con, f"""WITH {journey_ctes()},
        cohort AS (
            SELECT l.child, pl.placement_start, pl.place_now, prev.placement_start AS before,
                   l.source_file, h.source_file AS header_file
            FROM looked_after l
            JOIN ssda903_header h USING (child)
            JOIN placements pl USING (child, period_no, placement_no)
            LEFT JOIN placements prev ON prev.child = l.child
                 AND prev.period_no = l.period_no AND prev.placement_no = l.placement_no - 1
            WHERE l.period_start <= $from_30 AND {anniversary('h.dob', 16)} > $end)
        SELECT count(*) FILTER (WHERE placement_start <= $from_24
                                OR (place_now IN {sql_list(ADOPTION_PLACES)}
                                    AND before <= $from_24)),
               count(*), string_agg(DISTINCT source_file, '; '),
               string_agg(DISTINCT header_file, '; ')
        FROM cohort""", {"end": period_end, "from_30": throughout_from(period_end, 30),
                         "from_24": throughout_from(period_end, 24)})
    return result("cla_long_term_stability", period_end, "at_date", "percent", num, den,
                  _files(files, header_files))


def _oc2(indicator_id: str, column: str) -> Measure:
    """A measure over the OC2 cohort: children looked after on 31 March who had been looked
    after throughout the 12 months to it (short breaks left out), with ``column`` = 1 in the
    year's OC2 file. A child of the cohort without an OC2 record counts as not up to date."""

    def measure(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
        _at_31_march(period_end, indicator_id)
        require(con, "ssda903_episodes", "ssda903_oc2")
        require_history(con, period_end, 12, indicator_id)
        num, den, files, oc2_files = _one(con, f"""WITH {journey_ctes()},
            cohort AS (SELECT DISTINCT child, source_file FROM looked_after
                       WHERE period_start <= $start),
            flags AS (SELECT child, bool_or({column} = '1') AS done,
                             string_agg(DISTINCT source_file, '; ') AS oc2_file
                      FROM ssda903_oc2 WHERE return_year = $year GROUP BY child)
            SELECT count(DISTINCT c.child) FILTER (WHERE f.done),
                   count(DISTINCT c.child), string_agg(DISTINCT c.source_file, '; '),
                   string_agg(DISTINCT f.oc2_file, '; ')
            FROM cohort c LEFT JOIN flags f USING (child)""",
            {"end": period_end, "start": throughout_from(period_end, 12),
             "year": period_end.year})
        return result(indicator_id, period_end, "year_to_31_march", "percent", num, den,
                      _files(files, oc2_files))

    measure.__name__ = indicator_id
    measure.__doc__ = f"{indicator_id}: {_oc2.__doc__}"
    return measure


def _oc3(indicator_id: str, condition: str) -> Measure:
    """A measure over care leavers aged 19 to 21: the year's OC3 records of young people
    whose 19th, 20th or 21st birthday fell in the year to 31 March, leaving out those who
    died or went home to their parents for six months or more, those whose care another LA
    took over (the last episode ended with reason E3) and those only ever looked after under
    a series of short breaks; the share for whom ``condition`` (SQL) holds."""

    def measure(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
        _at_31_march(period_end, indicator_id)
        require(con, "ssda903_oc3", "ssda903_episodes")
        turned = " OR ".join(f"{anniversary('dob', age)} BETWEEN $start AND $end"
                             for age in (19, 20, 21))
        num, den, files = _one(con, f"""
            WITH short_breaks_only AS (
                SELECT child FROM ssda903_episodes GROUP BY child
                HAVING bool_and(coalesce(ls, '') IN ('V3', 'V4'))),
            transferred AS (
                SELECT child FROM ssda903_episodes
                QUALIFY row_number() OVER (PARTITION BY child ORDER BY decom DESC) = 1
                    AND rec = 'E3'),
            leavers AS (
                SELECT DISTINCT ON (child) * FROM ssda903_oc3
                WHERE return_year = $year AND ({turned})
                  AND coalesce(in_touch, '') NOT IN {sql_list(LEAVERS_LEFT_OUT)}
                  AND child NOT IN (SELECT child FROM short_breaks_only)
                  AND child NOT IN (SELECT child FROM transferred))
            SELECT count(*) FILTER (WHERE {condition}), count(*),
                   string_agg(DISTINCT source_file, '; ')
            FROM leavers""",
            {"end": period_end, "start": throughout_from(period_end, 12),
             "year": period_end.year})
        return result(indicator_id, period_end, "year_to_31_march", "percent", num, den, files)

    measure.__name__ = indicator_id
    measure.__doc__ = f"{indicator_id}: {_oc3.__doc__}"
    return measure


#: Every looked-after measure, by its catalogue id.
CLA_MEASURES: dict[str, Measure] = {
    "cla_rate": cla_rate,
    "cla_3_plus_placements": cla_3_plus_placements,
    "cla_long_term_stability": cla_long_term_stability,
    "cla_health_checks": _oc2("cla_health_checks", "health_check"),
    "cla_dental_checks": _oc2("cla_dental_checks", "teeth_check"),
    "cla_immunisations": _oc2("cla_immunisations", "immunisations"),
    "care_leavers_eet": _oc3("care_leavers_eet", f"activ IN {sql_list(EET_CODES)}"),
    "care_leavers_suitable_accommodation": _oc3("care_leavers_suitable_accommodation",
                                                "length(accom) = 2 AND accom LIKE '_1'"),
}
