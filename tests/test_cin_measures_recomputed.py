"""Each CIN census measure's SQL equals a second implementation in pandas (tests/cin_pandas.py)
on a small deterministic synthetic set of staged records, for year ends, quarter ends and other
days (a window ending on 29 February, one starting on it)."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest

from analysis.measures.returns.cin_measures import CIN_MEASURES
from analysis.measures.returns.rows import RESULT_COLUMNS
from tests import cin_pandas as pdm
from tests.cin_staged import stage_all, stage_population, synthetic_records

PERIOD_ENDS = [dt.date(2017, 3, 31), dt.date(2018, 12, 31), dt.date(2019, 6, 30),
               dt.date(2020, 2, 29), dt.date(2021, 2, 28), dt.date(2020, 3, 31)]
POPULATION = {y: 50_000.0 + 100 * y % 7 for y in range(2014, 2021)}


@pytest.fixture(scope="module")
def staged() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    stage_all(con, synthetic_records(), range(2015, 2022))
    stage_population(con, POPULATION)
    return con


def _frames(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    return {t: con.table(t).df() for t in ("cin_episodes", "cin_assessments", "cin_s47",
                                          "cin_cp_plans")}


def _expected(con: duckdb.DuckDBPyConnection, end: dt.date) -> dict[str, tuple[float, float]]:
    f = _frames(con)
    r = pdm.referral_counts(f["cin_episodes"], end)
    a_done, a_within = pdm.assessments(f["cin_assessments"], end)
    s = pdm.s47(f["cin_s47"], end)
    p = pdm.plans(f["cin_cp_plans"], end)
    cin = pdm.children_in_need(f["cin_episodes"], end)
    pop = POPULATION[(end.year if end.month >= 4 else end.year - 1)]
    return {  # indicator: (numerator, denominator)
        "referral_rate_rebased": (r["referrals"], pop), "re_referrals": (r["re"], r["referrals"]),
        "referrals_nfa": (r["nfa"], r["referrals"]), "assessments_45_days": (a_within, a_done),
        "s47_rate": (s["started"], pop), "s47_count": (s["started"], math.nan),
        "icpc_count": (s["held"], math.nan), "icpc_15_days": (s["within"], s["timed"]),
        "cin_rate_rebased": (cin, pop), "cin_count": (cin, math.nan),
        "cpp_rate": (p["children"], pop), "cpp_second_time": (p["second"], p["started"]),
        "cpp_2_years_open": (p["open_2y"], p["open"]),
        "cpp_2_years_ceased": (p["ended_2y"], p["ended"]),
    }


@pytest.mark.parametrize("end", PERIOD_ENDS, ids=str)
def test_sql_equals_pandas(staged: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    expected = _expected(staged, end)
    assert set(expected) == set(CIN_MEASURES)
    for ind, measure in CIN_MEASURES.items():
        row = measure(staged, end)
        assert list(row.columns) == RESULT_COLUMNS and len(row) == 1
        got = row.iloc[0]
        num, den = expected[ind]
        if math.isnan(den):  # a count
            assert got["value"] == num, ind
            continue
        assert got["numerator"] == num and got["denominator"] == den, ind
        scale = 10_000 if got["unit"] == "rate_per_10000" else 100
        assert got["value"] == pytest.approx(scale * num / den), ind


def test_the_synthetic_set_exercises_every_measure(staged: duckdb.DuckDBPyConnection) -> None:
    """Not a trivial comparison: every count the measures compare is above zero."""
    for name, (num, den) in _expected(staged, dt.date(2019, 6, 30)).items():
        assert num > 0, name
        assert math.isnan(den) or den > num, name
