"""The CIN census measures by catalogue id: each takes a DuckDB connection holding the staged
CIN census tables (and, for rates, the child population) and a period end, and returns one
result row (``analysis.measures.returns.rows.RESULT_COLUMNS``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import pandas as pd

from analysis.measures.returns import cin_plans, cin_referrals, cin_timeliness

Measure = Callable[[duckdb.DuckDBPyConnection, dt.date], pd.DataFrame]

CIN_MEASURES: dict[str, Measure] = {
    "referral_rate_rebased": cin_referrals.referral_rate,
    "re_referrals": cin_referrals.re_referrals,
    "referrals_nfa": cin_referrals.referrals_nfa,
    "assessments_45_days": cin_timeliness.assessments_45_days,
    "s47_rate": cin_timeliness.s47_rate,
    "s47_count": cin_timeliness.s47_count,
    "icpc_count": cin_timeliness.icpc_count,
    "icpc_15_days": cin_timeliness.icpc_15_days,
    "cin_rate_rebased": cin_plans.cin_rate,
    "cin_count": cin_plans.cin_count,
    "cpp_rate": cin_plans.cpp_rate,
    "cpp_second_time": cin_plans.cpp_second_time,
    "cpp_2_years_open": cin_plans.cpp_2_years_open,
    "cpp_2_years_ceased": cin_plans.cpp_2_years_ceased,
}
