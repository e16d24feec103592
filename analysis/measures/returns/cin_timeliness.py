"""Assessments and child protection enquiries: counts, rates and timeliness in working days.

Working days are England's (``analysis.data.working_days``): the days after the start up to
and including the end, weekends and bank holidays left out. See
``docs/methods/measures-from-returns.md``.
"""

from __future__ import annotations

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

#: Per period end: assessments authorised in its 12 months; of them within 45 working days
#: of the assessment's start. An authorisation date before the start date is a recording
#: error: left out of both counts.
_ASSESSMENTS = """WITH {ends}, assessments AS ({latest}),
timed AS (
    SELECT a.authorisation_date, ce.working_days_to - cs.working_days_to <= 45 AS within
    FROM assessments a
    JOIN {cal} cs ON cs.day = a.start_date
    JOIN {cal} ce ON ce.day = a.authorisation_date
    WHERE a.authorisation_date >= a.start_date)
SELECT e.period_end, count(t.authorisation_date),
       count(t.authorisation_date) FILTER (WHERE t.within)
FROM ends e LEFT JOIN timed t
     ON t.authorisation_date BETWEEN e.window_start AND e.period_end
GROUP BY e.period_end"""

#: Per period end: ICPCs held in its 12 months after the section 47 enquiry started; of them
#: within 15 working days of the enquiry's start. An ICPC dated before its enquiry is left
#: out, as DfE leaves it out of the durations it publishes.
_ICPC = """WITH {ends}, s47 AS ({latest}),
timed AS (
    SELECT s.icpc_date, ce.working_days_to - cs.working_days_to <= 15 AS within
    FROM s47 s
    JOIN {cal} cs ON cs.day = s.start_date
    JOIN {cal} ce ON ce.day = s.icpc_date
    WHERE s.icpc_date >= s.start_date)
SELECT e.period_end, count(t.icpc_date), count(t.icpc_date) FILTER (WHERE t.within)
FROM ends e LEFT JOIN timed t ON t.icpc_date BETWEEN e.window_start AND e.period_end
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


def _assessments_sql(con: duckdb.DuckDBPyConnection) -> str:
    return _ASSESSMENTS.format(
        ends=ends_cte(), cal=ensure_calendar(con),
        latest=latest_version("cin_assessments", "episode_id, start_date"))


def _icpc_sql(con: duckdb.DuckDBPyConnection) -> str:
    return _ICPC.format(ends=ends_cte(), cal=ensure_calendar(con),
                        latest=latest_version("cin_s47", "episode_id, start_date"))


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
