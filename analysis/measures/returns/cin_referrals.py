"""Referrals: the rate per 10,000 children, re-referrals within 12 months, no further action.

Each counts the referrals of the 12 months ending the period end (1 April to 31 March for a
year ending 31 March), one per child and referral date. See
``docs/methods/measures-from-returns.md``.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.measures.returns.cin_sql import REFERRALS, one
from analysis.measures.returns.population import population_for
from analysis.measures.returns.rows import (
    files_used,
    percent,
    require_years,
    result_row,
    window_start,
    year_basis,
)

_COUNT = f"""WITH {REFERRALS}
SELECT count(*), count(*) FILTER (WHERE referral_nfa)
FROM referrals WHERE referral_date BETWEEN ? AND ?"""

#: A referral is a re-referral when the child's previous referral (any earlier date) was
#: within 12 calendar months before it: previous < date <= previous + 12 months.
_REREFERRALS = f"""WITH {REFERRALS},
flagged AS (
    SELECT referral_date,
           lag(referral_date) OVER (PARTITION BY la_child_id ORDER BY referral_date) AS previous
    FROM referrals
)
SELECT count(*),
       count(*) FILTER (WHERE previous IS NOT NULL
                          AND referral_date <= previous + INTERVAL 12 MONTH)
FROM flagged WHERE referral_date BETWEEN ? AND ?"""


def _window(period_end: dt.date) -> list[object]:
    return [window_start(period_end), period_end]


def referral_rate(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Referrals in the 12 months per 10,000 children aged 0 to 17 (numerator: the count)."""
    ind = "referral_rate_rebased"
    require_years(con, "cin_episodes", window_start(period_end), period_end, ind)
    referrals, _ = one(con, _COUNT, _window(period_end))
    population, population_file = population_for(con, period_end, ind)
    return result_row(ind, period_end, year_basis(period_end), 10_000 * referrals / population,
                      referrals, population, "rate_per_10000",
                      f"{files_used(con, ['cin_episodes'])}; {population_file}")


def re_referrals(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Referrals in the 12 months within 12 months of the child's previous referral, as a
    percentage of the referrals. Needs the census year before the window too (the history)."""
    ind = "re_referrals"
    first = window_start(period_end)
    require_years(con, "cin_episodes", (pd.Timestamp(first) - pd.DateOffset(months=12)).date(),
                  period_end, ind)
    referrals, rereferrals = one(con, _REREFERRALS, _window(period_end))
    return percent(ind, period_end, year_basis(period_end), rereferrals, referrals,
                   files_used(con, ["cin_episodes"]), "referrals")


def referrals_nfa(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Referrals in the 12 months with no further action, as a percentage of the referrals."""
    ind = "referrals_nfa"
    require_years(con, "cin_episodes", window_start(period_end), period_end, ind)
    referrals, nfa = one(con, _COUNT, _window(period_end))
    return percent(ind, period_end, year_basis(period_end), nfa, referrals,
                   files_used(con, ["cin_episodes"]), "referrals")
