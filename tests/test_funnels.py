"""Funnels of every LA (analysis.engine.funnels) checked by hand against DfE's 2016-17 re-referrals.

England's 2016-17 re-referral rate is 21.9% (DfE CIN census table C1; pinned in
tests/test_published_figures.py). For a proportion p = 0.219 the standard error at a
denominator n is sqrt(p (1 - p) / n) = sqrt(0.171039 / n); the normal limits are
21.9 +/- z x 100 x se with z = 1.96 (95%) and 3.0902 (99.8%). The funnel's limits are exact
binomial ones (Spiegelhalter 2005); at denominators of a few thousand they differ from the
normal limits by about 0.01 points, so the checks allow 0.02.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.core.errors import NoDataError, ParameterError
from analysis.engine.funnels import funnel_for, funnel_kind

ENGLAND_2017 = 21.9


@pytest.fixture(scope="module")
def funnel_2017(bench_table, catalogue):
    return funnel_for(bench_table, "re_referrals", 2017, catalogue, england=ENGLAND_2017)


def _limit_at(funnel, column: str, denominator: float) -> float:
    limits = funnel.limits
    return float(np.interp(denominator, limits["denominator"], limits[column]))


# (LA, old code, value, denominator, limit column, hand-worked limit, position)
# Doncaster 27.1% of 5,275: se = sqrt(0.171039 / 5275) = 0.005694 -> 0.569 points;
#   upper 99.8% = 21.9 + 3.0902 x 0.569 = 23.66, so 27.1 is above the 99.8% limit.
# Northumberland 23.8% of 3,286: se = 0.721 points; upper 95% = 21.9 + 1.96 x 0.721 = 23.31,
#   upper 99.8% = 21.9 + 3.0902 x 0.721 = 24.13: 23.8 lies between them.
# Sutton 19.6% of 2,719: se = 0.793 points; lower 95% = 21.9 - 1.96 x 0.793 = 20.35,
#   lower 99.8% = 21.9 - 3.0902 x 0.793 = 19.45: 19.6 lies between them.
# Wandsworth 21.9% of 3,672 is England's value itself: inside (95% limits 20.56 to 23.23).
CASES = [
    ("Doncaster", "371", 27.1, 5275, "upper_99_8", 23.66, "above_99_8"),
    ("Northumberland", "929", 23.8, 3286, "upper_95", 23.31, "above_95"),
    ("Northumberland", "929", 23.8, 3286, "upper_99_8", 24.13, "above_95"),
    ("Sutton", "319", 19.6, 2719, "lower_95", 20.35, "below_95"),
    ("Sutton", "319", 19.6, 2719, "lower_99_8", 19.45, "below_95"),
    ("Wandsworth", "212", 21.9, 3672, "upper_95", 23.23, "inside"),
    ("Wandsworth", "212", 21.9, 3672, "lower_95", 20.56, "inside"),
]


@pytest.mark.parametrize(("name", "code", "value", "denominator", "column", "limit", "position"), CASES)
def test_positions_against_hand_worked_limits(funnel_2017, name, code, value, denominator, column,
                                              limit, position):
    point = funnel_2017.points[funnel_2017.points["old_la_code"] == code].iloc[0]
    assert point["name"] == name
    assert (point["value"], point["denominator"]) == (value, denominator)
    assert point["denominator_source"] == "published"
    assert _limit_at(funnel_2017, column, denominator) == pytest.approx(limit, abs=0.02)
    assert point["position"] == position
    assert funnel_2017.position_of(code) == position


def test_funnel_is_centred_on_england(funnel_2017):
    assert funnel_2017.kind == "proportion" and funnel_2017.per == 100
    assert (funnel_2017.limits["target"] == ENGLAND_2017).all()
    assert funnel_2017.overdispersion == "none"


def test_left_out_counts_las_with_a_value_but_no_denominator(funnel_2017):
    # 152 LAs have a 2016-17 value; the Isles of Scilly (420) published 0% with a count of 0
    # and no denominator, and a value of 0 gives no denominator to derive: 151 plotted, 1 left out.
    assert funnel_2017.left_out == 1
    assert len(funnel_2017.points) == 151
    assert funnel_2017.position_of("420") is None


def test_left_out_after_removing_counts(bench_table, catalogue):
    # Blank the counts of Doncaster (371) and Rotherham (372): their values stay, so they are
    # left out (1 + 2 = 3). Blank Barnsley's (370) value: an LA with no value is neither
    # plotted nor counted as left out. Plotted: 151 - 2 - 1 = 148.
    table = bench_table.copy()
    year = (table["indicator"] == "re_referrals") & (table["year"] == 2017)
    no_counts = year & table["old_la_code"].isin(["371", "372"])
    table.loc[no_counts, ["numerator", "denominator"]] = np.nan
    table.loc[year & (table["old_la_code"] == "370"), "value"] = np.nan
    funnel = funnel_for(table, "re_referrals", 2017, catalogue, england=ENGLAND_2017)
    assert funnel.left_out == 3
    assert len(funnel.points) == 148
    assert not set(funnel.points["old_la_code"]) & {"370", "371", "372"}


def test_multiplicative_overdispersion_widens_the_limits(bench_table, catalogue):
    # With phi the limits are 21.9 +/- z x sqrt(phi) x 0.569 at Doncaster's 5,275: Doncaster's
    # 27.1 is inside the 95% limit once sqrt(phi) > (27.1 - 21.9) / (1.96 x 0.569) = 4.66, i.e.
    # phi > 21.7 (the spread of LAs' re-referral rates is far beyond binomial chance).
    funnel = funnel_for(bench_table, "re_referrals", 2017, catalogue, england=ENGLAND_2017,
                        overdispersion="multiplicative")
    phi = float(funnel.limits["phi"].iloc[0])
    assert phi > 21.7
    upper = ENGLAND_2017 + 1.96 * np.sqrt(phi) * 100 * np.sqrt(0.171039 / 5275)
    assert _limit_at(funnel, "upper_95", 5275) == pytest.approx(upper, abs=0.02)
    assert funnel.position_of("371") == "inside"
    exact = funnel_for(bench_table, "re_referrals", 2017, catalogue, england=ENGLAND_2017)
    outside = (funnel.points["position"] != "inside").sum()
    assert outside < (exact.points["position"] != "inside").sum()


def test_indicator_without_denominators_is_no_data(bench_table, catalogue):
    # LAIT publishes assessments within 45 days as a percentage only, no counts (England
    # 2016-17: 82.9%).
    with pytest.raises(NoDataError, match="no LA has a denominator"):
        funnel_for(bench_table, "assessments_45_days", 2017, catalogue, england=82.9)


def test_count_indicator_is_a_parameter_error(bench_table, catalogue):
    with pytest.raises(ParameterError, match="needs a percentage or a rate") as info:
        funnel_for(bench_table, "cin_count", 2017, catalogue, england=389_040)  # England 2016-17
    assert info.value.parameter == "indicator"
    with pytest.raises(ParameterError):
        funnel_kind("days")
    assert funnel_kind("rate_per_10000") == "rate"


def test_no_england_figure_is_no_data(bench_table, catalogue):
    with pytest.raises(NoDataError, match="no England figure"):
        funnel_for(bench_table, "re_referrals", 2017, catalogue, england=float("nan"))


def test_points_hold_only_plotted_las(funnel_2017):
    points = funnel_2017.points
    assert list(points.columns) == ["name", "old_la_code", "denominator", "value",
                                    "denominator_source", "position"]
    assert points["denominator"].gt(0).all() and points["value"].notna().all()
    assert set(points["position"]) <= {"inside", "above_95", "above_99_8", "below_95", "below_99_8"}
    assert isinstance(points, pd.DataFrame)


def test_derived_denominators_are_whole_numbers(bench_table, catalogue):
    # cla_long_term_stability publishes counts only; the denominator each LA gets is worked
    # back from count and percentage (count x 100 / value), which is rarely a whole number.
    # England 2024-25: 69.0% (LAIT, LAC_LongStable%).
    funnel = funnel_for(bench_table, "cla_long_term_stability", 2025, catalogue, england=69.0)
    derived = funnel.points[funnel.points["denominator_source"] == "derived"]
    assert not derived.empty
    assert (derived["denominator"] == derived["denominator"].round()).all()
