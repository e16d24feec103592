"""Children in need and child protection plans: at a date, starting and ending in 12 months.

Open at a date ``d``: started on or before ``d`` and not ended by it (no end date, or one after
``d``); a plan or episode ending on 31 March is not open at 31 March, one starting on 31 March
is. "Two years or more": the end (or the date) is on or after the same day two years after the
start (29 February to 28 February). See ``docs/methods/measures-from-returns.md``.
"""

from __future__ import annotations

import datetime as dt

from analysis.measures.returns.batch import ends_cte
from analysis.measures.returns.cin_sql import (
    EPISODES,
    OPEN_END,
    cin_measure,
    count_of,
    latest_version,
    percent_of,
    rate_of,
)
from analysis.measures.returns.rows import AT_DATE, window_start

_PLANS = latest_version("cin_cp_plans", "la_child_id, start_date")

#: Per period end: children with an episode of need open at it.
_CIN_AT = f"""WITH {ends_cte()}, {EPISODES}
SELECT e.period_end, count(DISTINCT ep.la_child_id) FROM ends e
LEFT JOIN episodes ep ON ep.referral_date <= e.period_end
     AND coalesce(ep.closure_date, {OPEN_END}) > e.period_end
GROUP BY e.period_end"""

#: Per period end: children on a plan at it; plans open at it; of them open 2 years or more;
#: plans ending in its 12 months; of them after 2 years or more; plans starting in its 12
#: months; of them the child's second or subsequent plan. A plan is a second or subsequent
#: plan when the return says the child had plans before (NumberOfPreviousCPP above 0) or the
#: staged returns hold an earlier plan.
_PLAN_COUNTS = f"""WITH {ends_cte()}, plans AS ({_PLANS}),
marked AS (
    SELECT *, coalesce(previous_plans, 0) > 0
              OR count(*) OVER (PARTITION BY la_child_id ORDER BY start_date
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > 0 AS second,
           start_date + INTERVAL 2 YEAR AS two_years
    FROM plans
),
open_at AS (
    SELECT e.period_end, count(DISTINCT p.la_child_id) AS children, count(p.start_date) AS plans,
           count(p.start_date) FILTER (WHERE p.two_years <= e.period_end) AS long_open
    FROM ends e LEFT JOIN marked p ON p.start_date <= e.period_end
         AND coalesce(p.end_date, {OPEN_END}) > e.period_end
    GROUP BY e.period_end),
ended AS (
    SELECT e.period_end, count(p.end_date) AS plans,
           count(p.end_date) FILTER (WHERE p.two_years <= p.end_date) AS long_ended
    FROM ends e LEFT JOIN marked p ON p.end_date BETWEEN e.window_start AND e.period_end
    GROUP BY e.period_end),
started AS (
    SELECT e.period_end, count(p.start_date) AS plans,
           count(p.start_date) FILTER (WHERE p.second) AS second
    FROM ends e LEFT JOIN marked p ON p.start_date BETWEEN e.window_start AND e.period_end
    GROUP BY e.period_end)
SELECT period_end, o.children, o.plans, o.long_open, d.plans, d.long_ended, s.plans, s.second
FROM open_at o JOIN ended d USING (period_end) JOIN started s USING (period_end)"""
_CHILDREN, _OPEN, _LONG_OPEN, _ENDED, _LONG_ENDED, _STARTED, _SECOND = range(7)


def _at(end: dt.date) -> dt.date:
    return end


#: Children in need (an episode open) at the date per 10,000 children aged 0 to 17.
cin_rate = cin_measure("cin_rate_rebased", "cin_episodes", _CIN_AT, _at,
                       rate_of("cin_rate_rebased", 0, AT_DATE), rate=True)
#: Children in need (an episode open) at the date.
cin_count = cin_measure("cin_count", "cin_episodes", _CIN_AT, _at,
                        count_of("cin_count", 0, AT_DATE))
#: Children on a child protection plan at the date per 10,000 children aged 0 to 17.
cpp_rate = cin_measure("cpp_rate", "cin_cp_plans", _PLAN_COUNTS, _at,
                       rate_of("cpp_rate", _CHILDREN, AT_DATE), rate=True)
#: Plans open at the date that had lasted 2 years or more, as a percentage of the plans open
#: at the date.
cpp_2_years_open = cin_measure(
    "cpp_2_years_open", "cin_cp_plans", _PLAN_COUNTS, _at,
    percent_of("cpp_2_years_open", _LONG_OPEN, _OPEN, "child protection plans open", AT_DATE))
#: Plans ending in the 12 months after 2 years or more, as a percentage of the plans ending.
cpp_2_years_ceased = cin_measure(
    "cpp_2_years_ceased", "cin_cp_plans", _PLAN_COUNTS, window_start,
    percent_of("cpp_2_years_ceased", _LONG_ENDED, _ENDED, "child protection plans ending"))
#: Plans starting in the 12 months that were the child's second or subsequent plan, as a
#: percentage of the plans starting.
cpp_second_time = cin_measure(
    "cpp_second_time", "cin_cp_plans", _PLAN_COUNTS, window_start,
    percent_of("cpp_second_time", _SECOND, _STARTED, "child protection plans starting"))
