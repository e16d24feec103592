"""Looked-after children's measures by DfE's definitions, from the staged SSDA903 tables
(and ONS's population for the rate), for any period end, in DuckDB SQL.

``CLA_MEASURES`` maps each catalogue id (``config/indicators.yaml``) to a function
``(con, period_end) -> DataFrame`` of one row with :data:`RESULT_COLUMNS`. The definitions,
their sources and the toolkit's reading of each are in
``docs/methods/looked-after-measures.md``. A table a measure needs that was not loaded raises
an :class:`InputDataError` naming the file, so the caller leaves that measure out; the OC2 and
OC3 measures exist only for a 31 March (a :class:`ParameterError` otherwise). Each is a
:class:`~analysis.measures.returns.batch.BatchMeasure`: every period end asked for is worked
out in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import duckdb
import pandas as pd

from analysis.core.errors import InputDataError, ParameterError
from analysis.measures.returns.batch import BatchMeasure, Outcome, Outcomes, per_end
from analysis.measures.returns.cla_sql import (
    ADOPTION_PLACES,
    anniversary,
    end_params,
    journey_ctes,
    sql_list,
    throughout_from,
)
from analysis.measures.returns.population import populations
from analysis.measures.returns.rows import RESULT_COLUMNS, result_record, table_names
from analysis.measures.returns.shared import fetch_all

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

Measure = Callable[[duckdb.DuckDBPyConnection, dt.date], pd.DataFrame]
#: What a measure makes of one period end's row (the query's columns after ``period_end``)
#: and, for a rate, the population and its file.
Make = Callable[[dt.date, tuple, "tuple[float, str] | None"], Outcome]


def require(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    """Refuse to compute without the tables the measure needs."""
    have = table_names(con)
    for table in tables:
        if table not in have:
            raise InputDataError(
                "not in the folder of returns, so the measure cannot be computed",
                file=_FILES[table],
                fix="put the file in the folder of returns read (or leave the measure out)")


def covered(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """The first and last days the loaded SSDA903 episodes files cover."""
    source = ("ssda903_files WHERE kind = 'episodes'" if "ssda903_files" in table_names(con)
              else "ssda903_episodes")
    (row,) = fetch_all(con, f"SELECT min(return_year), max(return_year) FROM {source}")
    if row[0] is None:
        raise InputDataError("the SSDA903 episodes files hold no episodes",
                             file=_FILES["ssda903_episodes"], fix="load the returns' files")
    return dt.date(row[0] - 1, 4, 1), dt.date(row[1], 3, 31)


def history_gap(span: tuple[dt.date, dt.date], period_end: dt.date, months: int,
                indicator_id: str) -> InputDataError | None:
    """Why a period end has no figure when the loaded episodes do not cover it: the returns
    must reach back to the first day of the ``months`` months the measure looks at (then
    every period of care and placement open on that day starts where the returns say, or
    earlier) and on to the period's end."""
    covered_from, covered_to = span
    needed = throughout_from(period_end, months) if months else period_end
    if needed < covered_from or period_end > covered_to:
        problem = (f"a figure at {period_end:%d/%m/%Y} looks back to {needed:%d/%m/%Y}, before the "
                   f"SSDA903 returns start ({covered_from:%d/%m/%Y})" if needed < covered_from else
                   f"the SSDA903 returns end on {covered_to:%d/%m/%Y}, before {period_end:%d/%m/%Y}")
        return InputDataError(
            f"'{NAMES[indicator_id]}': {problem}", file=_FILES["ssda903_episodes"],
            expected=f"episodes from {needed:%d/%m/%Y} to {period_end:%d/%m/%Y}",
            found=f"returns from {covered_from:%d/%m/%Y} to {covered_to:%d/%m/%Y}",
            fix="add the returns of the years before (or after), or ask for a period they cover")
    return None


def result(indicator_id: str, period_end: dt.date, basis: str, unit: str, numerator: float,
           denominator: float, files: str | None, per: float = 100.0) -> dict[str, object]:
    """One measure's record in the contract's shape."""
    value = float(numerator) / float(denominator) * per if denominator else float("nan")
    return result_record(indicator_id, period_end, basis, value, numerator, denominator, unit,
                         _files(files))


def _files(*parts: str | None) -> str:
    names = sorted({n for part in parts if part for n in part.split("; ")})
    return "; ".join(names)


def _not_31_march(period_end: dt.date, indicator_id: str) -> ParameterError | None:
    if (period_end.month, period_end.day) != (3, 31):
        return ParameterError(
            "this measure is collected for the year to 31 March only", parameter="period_end",
            expected="a 31 March", found=period_end.isoformat(),
            fix=f"ask for '{NAMES[indicator_id]}' at the end of a year (Q4)")
    return None


def _batch(indicator_id: str, tables: tuple[str, ...], months: int | None, sql: str,
           empty: tuple, make: Make, *, year_end_only: bool = False,
           rate: bool = False) -> BatchMeasure:
    """A looked-after measure: for each period end the returns cover (``months`` back;
    ``None``: not checked) and, with ``year_end_only``, each 31 March, ``make`` the outcome of
    the row ``sql`` gives it (``empty`` where it gives none); a ``rate`` also needs the end's
    child population."""

    def many(con: duckdb.DuckDBPyConnection, ends: Sequence[dt.date]) -> Outcomes:
        out: Outcomes = {}
        for end in ends:
            why = _not_31_march(end, indicator_id) if year_end_only else None
            if why is not None:
                out[end] = why
        if len(out) == len(ends):
            return out
        require(con, *tables)
        span = covered(con) if months is not None else None
        for end in ends:
            gap = (history_gap(span, end, months, indicator_id)
                   if span is not None and months is not None and end not in out else None)
            if gap is not None:
                out[end] = gap
        ready = [e for e in ends if e not in out]
        if ready:
            rows = per_end(con, sql, end_params(list(ends)))  # shared with other measures
            pops = populations(con, indicator_id) if rate else None
            for end in ready:
                pop = pops(end) if pops is not None else None
                out[end] = (pop if isinstance(pop, Exception)
                            else make(end, rows.get(end, empty), pop))
        return {end: out[end] for end in ends}

    return BatchMeasure(indicator_id, many)


_CLA_RATE = f"""WITH {journey_ctes()}
    SELECT period_end, count(DISTINCT child), string_agg(DISTINCT source_file, '; ')
    FROM looked_after GROUP BY period_end"""


def _cla_rate(end: dt.date, row: tuple, pop: tuple[float, str] | None) -> Outcome:
    """Children looked after on the day (short breaks left out) per 10,000 children aged
    0-17: ONS's mid-year estimate of the year the financial year starts, as DfE uses."""
    assert pop is not None
    count, files = row
    return result("cla_rate", end, "at_date", "rate_per_10000", count, pop[0],
                  _files(files, pop[1]), per=10_000)


#: Children looked after on the day with three or more placements in the 12 months to it,
#: as a percentage of all children looked after on the day.
_PLACEMENTS = f"""WITH {journey_ctes()},
    children AS (SELECT DISTINCT period_end, child FROM looked_after),
    counted AS (
        SELECT c.period_end, c.child, count(*) AS placements
        FROM children c JOIN ends e USING (period_end)
        JOIN placements pl ON pl.child = c.child AND pl.placement_start <= c.period_end
             AND (pl.placement_end IS NULL OR pl.placement_end > c.period_end
                  OR (pl.placement_end > e.from_12
                      AND pl.placement_end > pl.placement_start))
        GROUP BY c.period_end, c.child)
    SELECT l.period_end, count(*) FILTER (WHERE c.placements >= 3), count(*),
           string_agg(DISTINCT l.source_file, '; ')
    FROM looked_after l LEFT JOIN counted c USING (period_end, child)
    GROUP BY l.period_end"""

#: Children under 16 looked after for 2.5 years or more on the day who have been in the same
#: placement for 2 years or more, or are placed for adoption and have been, with the
#: placement before, as a percentage of those looked after for 2.5 years or more.
_STABILITY = f"""WITH {journey_ctes()},
    cohort AS (
        SELECT l.period_end, e.from_24, l.child, pl.placement_start, l.place AS place_now,
               prev.placement_start AS before, l.source_file, h.source_file AS header_file
        FROM looked_after l
        JOIN ends e USING (period_end)
        JOIN ssda903_header h USING (child)
        JOIN placements pl USING (child, period_no, placement_no)
        LEFT JOIN placements prev ON prev.child = l.child
             AND prev.period_no = l.period_no AND prev.placement_no = l.placement_no - 1
        WHERE l.period_start <= e.from_30 AND {anniversary('h.dob', 16)} > l.period_end)
    SELECT period_end,
           count(*) FILTER (WHERE placement_start <= from_24
                            OR (place_now IN {sql_list(ADOPTION_PLACES)} AND before <= from_24)),
           count(*), string_agg(DISTINCT source_file, '; '), string_agg(DISTINCT header_file, '; ')
    FROM cohort GROUP BY period_end"""


#: The OC2 cohort: children looked after on 31 March who had been looked after throughout
#: the 12 months to it (short breaks left out); of them, those with each OC2 column = 1 in
#: the year's OC2 file (a child of the cohort without an OC2 record counts as not up to
#: date). One query for the three OC2 measures.
_OC2_COLUMNS = ("health_check", "teeth_check", "immunisations")
_OC2 = f"""WITH {journey_ctes()},
    cohort AS (SELECT DISTINCT l.period_end, l.child, l.source_file FROM looked_after l
               JOIN ends e USING (period_end) WHERE l.period_start <= e.from_12),
    flags AS (SELECT return_year, child,
                     {", ".join(f"bool_or({c} = '1') AS {c}" for c in _OC2_COLUMNS)},
                     string_agg(DISTINCT source_file, '; ') AS oc2_file
              FROM ssda903_oc2 GROUP BY return_year, child)
    SELECT c.period_end,
           {", ".join(f"count(DISTINCT c.child) FILTER (WHERE f.{c})" for c in _OC2_COLUMNS)},
           count(DISTINCT c.child), string_agg(DISTINCT c.source_file, '; '),
           string_agg(DISTINCT f.oc2_file, '; ')
    FROM cohort c LEFT JOIN flags f ON f.child = c.child AND f.return_year = year(c.period_end)
    GROUP BY c.period_end"""


def _oc2(indicator_id: str, column: str) -> BatchMeasure:
    """A measure over the OC2 cohort (:data:`_OC2`): the share with ``column`` = 1."""
    at = _OC2_COLUMNS.index(column)
    return _batch(indicator_id, ("ssda903_episodes", "ssda903_oc2"), 12, _OC2,
                  (0, 0, 0, 0, None, None),
                  lambda end, r, _: result(indicator_id, end, "year_to_31_march", "percent",
                                           r[at], r[3], _files(r[4], r[5])),
                  year_end_only=True)


#: Care leavers aged 19 to 21: the year's OC3 records of young people whose 19th, 20th or
#: 21st birthday fell in the year to 31 March, leaving out those who died or went home to
#: their parents for six months or more, those whose care another LA took over (the last
#: episode ended with reason E3) and those only ever looked after under a series of short
#: breaks; of them, those in education, employment or training and those in suitable
#: accommodation. One query for both OC3 measures.
_TURNED = " OR ".join(f"{anniversary('o.dob', age)} BETWEEN e.from_12 AND e.period_end"
                      for age in (19, 20, 21))
_OC3 = f"""WITH {journey_ctes()},
    short_breaks_only AS (
        SELECT child FROM ssda903_episodes GROUP BY child
        HAVING bool_and(coalesce(ls, '') IN ('V3', 'V4'))),
    transferred AS (
        SELECT child FROM ssda903_episodes
        QUALIFY row_number() OVER (PARTITION BY child ORDER BY decom DESC) = 1
            AND rec = 'E3'),
    leavers AS (
        SELECT DISTINCT ON (e.period_end, o.child) e.period_end, o.* FROM ends e
        JOIN ssda903_oc3 o ON o.return_year = year(e.period_end)
        WHERE ({_TURNED})
          AND coalesce(o.in_touch, '') NOT IN {sql_list(LEAVERS_LEFT_OUT)}
          AND o.child NOT IN (SELECT child FROM short_breaks_only)
          AND o.child NOT IN (SELECT child FROM transferred))
    SELECT period_end, count(*) FILTER (WHERE activ IN {sql_list(EET_CODES)}),
           count(*) FILTER (WHERE length(accom) = 2 AND accom LIKE '_1'), count(*),
           string_agg(DISTINCT source_file, '; ')
    FROM leavers GROUP BY period_end"""


def _oc3(indicator_id: str, at: int) -> BatchMeasure:
    """A measure over the care leavers aged 19 to 21 (:data:`_OC3`): the share counted at
    ``at`` (0: in education, employment or training; 1: in suitable accommodation)."""
    return _batch(indicator_id, ("ssda903_oc3", "ssda903_episodes"), None, _OC3,
                  (0, 0, 0, None),
                  lambda end, r, _: result(indicator_id, end, "year_to_31_march", "percent",
                                           r[at], r[2], r[3]),
                  year_end_only=True)


#: Every looked-after measure, by its catalogue id.
CLA_MEASURES: dict[str, Measure] = {
    "cla_rate": _batch("cla_rate", ("ssda903_episodes",), 0, _CLA_RATE, (0, None), _cla_rate,
                       rate=True),
    "cla_3_plus_placements": _batch(
        "cla_3_plus_placements", ("ssda903_episodes",), 12, _PLACEMENTS, (0, 0, None),
        lambda end, r, _: result("cla_3_plus_placements", end, "rolling_12_months", "percent",
                              r[0], r[1], r[2])),
    "cla_long_term_stability": _batch(
        "cla_long_term_stability", ("ssda903_episodes", "ssda903_header"), 30, _STABILITY,
        (0, 0, None, None),
        lambda end, r, _: result("cla_long_term_stability", end, "at_date", "percent", r[0], r[1],
                              _files(r[2], r[3]))),
    "cla_health_checks": _oc2("cla_health_checks", "health_check"),
    "cla_dental_checks": _oc2("cla_dental_checks", "teeth_check"),
    "cla_immunisations": _oc2("cla_immunisations", "immunisations"),
    "care_leavers_eet": _oc3("care_leavers_eet", 0),
    "care_leavers_suitable_accommodation": _oc3("care_leavers_suitable_accommodation", 1),
}
