"""Referrals: the rate per 10,000 children, re-referrals within 12 months, no further action.

Each counts the referrals of the 12 months ending the period end (1 April to 31 March for a
year ending 31 March), one per child and referral date. See
``docs/methods/measures-from-returns.md``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.measures.returns.batch import ends_cte
from analysis.measures.returns.cin_sql import (
    REFERRALS,
    cin_measure,
    percent_of,
    rate_of,
)
from analysis.measures.returns.rows import window_start

#: Per period end: referrals in its 12 months, of them no further action, of them
#: re-referrals. A referral is a re-referral when the child's previous referral (any earlier
#: date) was within 12 calendar months before it: previous < date <= previous + 12 months.
_COUNTS = f"""WITH {ends_cte()}, {REFERRALS},
flagged AS (
    SELECT referral_date, referral_nfa,
           lag(referral_date) OVER (PARTITION BY la_child_id ORDER BY referral_date) AS previous
    FROM referrals
)
SELECT e.period_end, count(f.referral_date),
       count(f.referral_date) FILTER (WHERE f.referral_nfa),
       count(f.referral_date) FILTER (WHERE f.previous IS NOT NULL
                                        AND f.referral_date <= f.previous + INTERVAL 12 MONTH)
FROM ends e LEFT JOIN flagged f ON f.referral_date BETWEEN e.window_start AND e.period_end
GROUP BY e.period_end"""
_REFERRALS, _NFA, _RE = 0, 1, 2


def _history_start(period_end: dt.date) -> dt.date:
    """Re-referrals need the census year before the window too (the history)."""
    return (pd.Timestamp(window_start(period_end)) - pd.DateOffset(months=12)).date()


#: Referrals in the 12 months per 10,000 children aged 0 to 17 (numerator: the count).
referral_rate = cin_measure("referral_rate_rebased", "cin_episodes", _COUNTS, window_start,
                            rate_of("referral_rate_rebased", _REFERRALS), rate=True)
#: Referrals in the 12 months within 12 months of the child's previous referral, as a
#: percentage of the referrals. Needs the census year before the window too (the history).
re_referrals = cin_measure("re_referrals", "cin_episodes", _COUNTS, _history_start,
                           percent_of("re_referrals", _RE, _REFERRALS, "referrals"))
#: Referrals in the 12 months with no further action, as a percentage of the referrals.
referrals_nfa = cin_measure("referrals_nfa", "cin_episodes", _COUNTS, window_start,
                            percent_of("referrals_nfa", _NFA, _REFERRALS, "referrals"))
