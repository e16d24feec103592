"""Assessments and child protection enquiries: counts, rates and timeliness in working days.

Working days are England's (``analysis.data.working_days``): the days after the start up to
and including the end, weekends and bank holidays left out. See
``docs/methods/measures-from-returns.md``.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from analysis.measures.returns.batch import ends_cte
from analysis.measures.returns.cin_sql import (
    cin_measure,
    count_of,
    ensure_calendar,
    latest_version,
    percent_of,
    rate_of,
)
from analysis.measures.returns.rows import window_start

#: Per period end: the records of ``{table}`` ending (``{end}``) in its 12 months; of them
#: within ``{days}`` working days of their start. An end dated before its start is a
#: recording error, left out of both counts (as DfE leaves it out of the durations it
#: publishes).
_TIMELY = """WITH {ends}, records AS ({latest}),
timed AS (
    SELECT r.{end} AS ended, ce.working_days_to - cs.working_days_to <= {days} AS within
    FROM records r
    JOIN {cal} cs ON cs.day = r.start_date
    JOIN {cal} ce ON ce.day = r.{end}
    WHERE r.{end} >= r.start_date)
SELECT e.period_end, count(t.ended), count(t.ended) FILTER (WHERE t.within)
FROM ends e LEFT JOIN timed t ON t.ended BETWEEN e.window_start AND e.period_end
GROUP BY e.period_end"""

#: Per period end: section 47 enquiries starting in its 12 months; ICPCs held in them.
_S47 = f"""WITH {ends_cte()}, s47 AS ({latest_version("cin_s47", "episode_id, start_date")}),
started AS (
    SELECT e.period_end, count(s.start_date) AS n FROM ends e
    LEFT JOIN s47 s ON s.start_date BETWEEN e.window_start AND e.period_end
    GROUP BY e.period_end),
held AS (
    SELECT e.period_end, count(s.icpc_date) AS n FROM ends e
    LEFT JOIN s47 s ON s.icpc_date BETWEEN e.window_start AND e.period_end
    GROUP BY e.period_end)
SELECT period_end, started.n, held.n FROM started JOIN held USING (period_end)"""
_STARTED, _HELD = 0, 1


def _timely_sql(table: str, end: str, days: int) -> Callable[[duckdb.DuckDBPyConnection], str]:
    """:data:`_TIMELY` for ``table``'s records ending on ``end``, within ``days`` working days."""

    def sql(con: duckdb.DuckDBPyConnection) -> str:
        return _TIMELY.format(ends=ends_cte(), cal=ensure_calendar(con), end=end, days=days,
                              latest=latest_version(table, "episode_id, start_date"))

    return sql


#: Assessments authorised in the 12 months; of them within 45 working days of their start.
_assessments_sql = _timely_sql("cin_assessments", "authorisation_date", 45)
#: ICPCs held in the 12 months; of them within 15 working days of the section 47 enquiry's start.
_icpc_sql = _timely_sql("cin_s47", "icpc_date", 15)


#: Assessments completed (authorised) in the 12 months within 45 working days of their
#: start, as a percentage of the assessments completed.
assessments_45_days = cin_measure(
    "assessments_45_days", "cin_assessments", _assessments_sql, window_start,
    percent_of("assessments_45_days", 1, 0, "completed assessments"))
#: Section 47 enquiries starting in the 12 months per 10,000 children aged 0 to 17.
s47_rate = cin_measure("s47_rate", "cin_s47", _S47, window_start,
                       rate_of("s47_rate", _STARTED), rate=True)
#: Section 47 enquiries starting in the 12 months.
s47_count = cin_measure("s47_count", "cin_s47", _S47, window_start,
                        count_of("s47_count", _STARTED))
#: Initial child protection conferences held in the 12 months (after a section 47 enquiry
#: of the LA's).
icpc_count = cin_measure("icpc_count", "cin_s47", _S47, window_start,
                         count_of("icpc_count", _HELD))
#: ICPCs held in the 12 months within 15 working days of the start of the section 47
#: enquiry, as a percentage of the ICPCs held.
icpc_15_days = cin_measure("icpc_15_days", "cin_s47", _icpc_sql, window_start,
                           percent_of("icpc_15_days", 1, 0,
                                      "initial child protection conferences"))
