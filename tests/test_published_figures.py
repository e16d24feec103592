"""The 2017 validation table of shared/reference-data/SOURCES.md, reproduced exactly.

Each expected number is the published DfE figure (England, Yorkshire and The Humber,
Doncaster) or the mean of Doncaster's 10 statistical neighbours (April 2021 list) as SOURCES.md
states it. Seed 001 quotes re-referrals "142/152 nationally".
"""

from __future__ import annotations

import pytest

from analysis.data.geography import resolve_la
from analysis.engine.benchmark import benchmark_table, neighbour_values

# indicator, England, region, Doncaster, neighbours' mean, neighbours with a value
VALIDATION_2017 = [
    ("re_referrals", 21.9, 21.5, 27.1, 20.12, 10),
    ("cin_rate", 330.1, 348.9, 403.4, 402.39, 10),
    ("cin_rate_rebased", 333.3, 351.5, 410.6, 405.01, 10),
    ("referral_rate", 548.2, 582.8, 804.1, 646.26, 10),
    ("cpp_second_time", 18.7, 16.8, 16.1, 15.17, 10),
    ("cpp_2_years_open", 2.1, 2.0, 1.6, 2.09, 7),
    ("assessments_45_days", 82.9, 80.1, 85.5, 78.85, 10),
    ("s47_rate", 159.1, 157.9, 212.9, 227.42, 10),
    ("cpp_rate", 43.8, 43.3, 66.3, 56.85, 10),
    ("cla_rate", 62, 67, 78, 82.0, 10),
]


@pytest.fixture(scope="module")
def doncaster_2017(bench_table, catalogue, paths):
    la = resolve_la("Doncaster")
    return benchmark_table(bench_table, la, catalogue, years=[2017], paths=paths).set_index("indicator")


@pytest.mark.parametrize(("indicator", "england", "region", "la", "sn_mean", "sn_count"), VALIDATION_2017)
def test_doncaster_2017_matches_published(doncaster_2017, indicator, england, region, la, sn_mean, sn_count):
    row = doncaster_2017.loc[indicator]
    assert row["england"] == pytest.approx(england)
    assert row["region"] == pytest.approx(region)
    assert row["value"] == pytest.approx(la)
    assert round(row["sn_mean"], 2) == pytest.approx(sn_mean)
    assert row["sn_count"] == sn_count
    assert row["sn_size"] == 10
    assert row["region_name"] == "Yorkshire and The Humber"


def test_rereferrals_rank_as_seed_quotes(doncaster_2017):
    row = doncaster_2017.loc["re_referrals"]
    # Seed 001: "142/152 nationally"; SOURCES.md: 11th highest of 152 (lower is better).
    assert (row["rank"], row["of"]) == (142, 152)
    assert row["quartile"] == "D"
    assert (row["numerator"], row["denominator"]) == (1429, 5275)


def test_cin_rate_position_42nd_highest(bench_table):
    # SOURCES.md: Doncaster's 2017 CIN rate (403.4) is the 42nd highest of 152.
    rows = bench_table[(bench_table.indicator == "cin_rate") & (bench_table.year == 2017)
                       & (bench_table.level == "la")].dropna(subset=["value"])
    assert len(rows) == 152
    position = (rows["value"] > 403.4).sum() + 1
    assert position == 42


def test_doncaster_neighbours_in_published_order(bench_table, paths):
    nb = neighbour_values(bench_table, resolve_la("Doncaster"), "re_referrals", 2017, paths=paths)
    assert nb["old_la_code"].tolist() == ["371", "372", "370", "812", "359", "384", "357", "813",
                                          "807", "332", "894"]
    assert nb.loc[nb.is_la, "value"].item() == pytest.approx(27.1)
    assert nb.loc[~nb.is_la, "value"].mean() == pytest.approx(20.12)


def test_lait_and_ees_agree_on_rereferrals(bench_table, paths):
    """SOURCES.md: LAIT and EES agree wherever both exist (re-referrals, 2016-2025)."""
    import pandas as pd

    lait = pd.read_parquet(paths.raw / "dfe/lait/bds_long_0.parquet")
    lait = lait[(lait["Short Desc"] == "ReReferral") & (lait["LA Number"] < 970)]
    lait = lait.assign(value=pd.to_numeric(lait["Values"], errors="coerce"),
                       old=lait["LA Number"].astype(int).astype(str),
                       year=lait["Years"].astype(int)).dropna(subset=["value"])
    ees = bench_table[(bench_table.indicator == "re_referrals") & (bench_table.level == "la")]
    merged = lait.merge(ees, left_on=["old", "year"], right_on=["old_la_code", "year"],
                        suffixes=("_lait", "_ees"))
    assert len(merged) > 1400
    # The one documented exception: City of London 2022 (8.3 in one file, 'c' in the other).
    diff = merged[(merged.value_lait - merged.value_ees).abs() > 0.051]
    assert diff.empty, diff[["area_name", "year", "value_lait", "value_ees"]]
