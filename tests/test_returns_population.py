"""The child population a rate from the returns is divided by: the ONS mid-year estimate DfE
uses for the year ending 31 March that holds the period end (Doncaster, the real file)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from analysis.core.config import Paths
from analysis.core.errors import InputDataError
from analysis.measures.returns.population import mid_year_for, population_for, register_population


@pytest.mark.parametrize(("end", "mid_year"), [
    (dt.date(2018, 3, 31), 2017), (dt.date(2017, 4, 1), 2017), (dt.date(2017, 12, 31), 2017),
    (dt.date(2018, 6, 30), 2018), (dt.date(2020, 2, 29), 2019),
])
def test_mid_year_for(end: dt.date, mid_year: int) -> None:
    assert mid_year_for(end) == mid_year


@pytest.mark.parametrize("code", ["E08000017", "371"])
def test_doncaster_population_reproduces_the_published_rate(paths: Paths, code: str) -> None:
    con = duckdb.connect()
    register_population(con, paths.raw, code)
    population, source = population_for(con, dt.date(2018, 3, 31), "referral_rate_rebased")
    assert population == 64_396 and source.startswith("ons_mid-year")
    # LAIT's rebased rate for 2017-18: 5,681 referrals per 10,000 children = 882.2
    assert round(10_000 * 5681 / population, 1) == 882.2
    assert population_for(con, dt.date(2017, 3, 31), "x")[0] == 64_440  # mid-2016: 818.6
    assert round(10_000 * 5275 / 64_440, 1) == 818.6


def test_a_year_without_an_estimate_is_named(paths: Paths) -> None:
    con = duckdb.connect()
    register_population(con, paths.raw, "E08000017")
    with pytest.raises(InputDataError, match="no ONS estimate for mid-2025, which Children in need per 10,000 children "
                                             r"\(rebased population\) for 31 March 2026"):
        population_for(con, dt.date(2026, 3, 31), "cin_rate_rebased")


def test_an_unknown_la_is_named(paths: Paths) -> None:
    with pytest.raises(InputDataError, match="E99999999"):
        register_population(duckdb.connect(), paths.raw, "E99999999")


def test_rates_need_the_population_loaded() -> None:
    with pytest.raises(InputDataError, match=r"no child population for the LA \(ONS's estimates\)"):
        population_for(duckdb.connect(), dt.date(2018, 3, 31), "s47_rate")
