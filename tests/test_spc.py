"""Tests for analysis.engine.spc: XmR limits, the four special-cause rules and the icons.

Expected values are worked by hand in the comments. Where a test uses hand-set limits
(``LIMITS`` below) it is so each rule can be triggered deliberately and checked by eye.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.engine.spc import (
    XmrLimits,
    assurance_icon,
    spc_rules,
    variation_icon,
    xmr_limits,
    xmr_table,
)

# Hand-set limits: mean 50, mean moving range 7.5 -> half-width 2.66 × 7.5 = 19.95, so
# LPL 30.05 and UPL 69.95; sigma = 19.95 / 3 = 6.65 and the two-sigma band is 36.7 to 63.3.
LIMITS = XmrLimits(mean=50.0, mean_moving_range=7.5, sigma=6.65, lpl=30.05, upl=69.95,
                   n_points=27, trial=False)

# A series that triggers each rule exactly once (positions 0-26), checked by hand:
# * outside_limits: position 3 (75 > 69.95) only.
# * two_of_three: positions 7 and 9 (65 and 66 > 63.3, with 52 between); 75 is the only
#   point beyond two sigma in every window around position 3.
# * trend: positions 11-16, 40 43 46 49 53 56, six points each higher than the last; the
#   longest other monotone runs have three points (66 47 40; 56 51 45; 48 46 45; 45 47 52).
# * shift: positions 18-24, 45 47 44 48 46 45 47, seven points below the mean; the longest
#   other one-sided runs are five (positions 10-14, below) and three (7-9 and 15-17, above).
EACH_RULE_ONCE = [48, 52, 49, 75, 49, 51, 48, 65, 52, 66, 47, 40, 43, 46, 49, 53, 56, 51,
                  45, 47, 44, 48, 46, 45, 47, 52, 49]

# A series that triggers nothing against its own limits:
# mean = 603.5 / 12 = 50.2917; moving ranges 3 5 4 5 4 2 5 6 4 1.5 1.5, mean 41 / 11 = 3.7273;
# limits 50.2917 ± 9.9145 = 40.377 to 60.206; two-sigma band 43.68 to 56.90 (all inside);
# sides of the mean alternate (longest run 2) and so do the steps up and down.
NO_RULE = [50, 53, 48, 52, 47, 51, 49, 54, 48, 52, 50.5, 49]


def _positions(flags: pd.Series) -> list[int]:
    return [int(i) for i in np.flatnonzero(flags.to_numpy())]


def _episodes(flags: pd.Series) -> int:
    """Number of separate runs of True."""
    f = flags.to_numpy().astype(int)
    return int(np.sum(np.diff(np.concatenate([[0], f])) == 1))


# ------------------------------------------------------------------------------ limits

def test_xmr_limits_by_hand():
    # Values 10 12 11 15 12: mean 60 / 5 = 12; moving ranges 2 1 4 3, mean 2.5;
    # limits 12 ± 2.66 × 2.5 = 12 ± 6.65 -> 5.35 and 18.65; sigma 6.65 / 3 = 2.216667.
    lim = xmr_limits([10, 12, 11, 15, 12])
    assert lim.mean == pytest.approx(12)
    assert lim.mean_moving_range == pytest.approx(2.5)
    assert lim.lpl == pytest.approx(5.35)
    assert lim.upl == pytest.approx(18.65)
    assert lim.sigma == pytest.approx(2.216667, abs=1e-6)
    assert lim.n_points == 5
    assert lim.trial is True


def test_trial_limits_below_12_points():
    assert xmr_limits(NO_RULE[:11]).trial is True
    assert xmr_limits(NO_RULE).trial is False  # 12 points: firm limits


def test_no_rule_series_limits_by_hand():
    lim = xmr_limits(NO_RULE)
    assert lim.mean == pytest.approx(50.291667, abs=1e-6)
    assert lim.mean_moving_range == pytest.approx(41 / 11)
    assert lim.upl == pytest.approx(50.291667 + 2.66 * 41 / 11, abs=1e-6)


def test_baseline_fixes_limits_on_the_first_points():
    # Baseline of 4: 10 12 11 15 -> mean 12, moving ranges 2 1 4, mean 7/3; the later 100
    # does not move the limits.
    lim = xmr_limits([10, 12, 11, 15, 100], baseline=4)
    assert lim.mean == pytest.approx(12)
    assert lim.mean_moving_range == pytest.approx(7 / 3)
    assert lim.n_points == 4


def test_missing_values_are_skipped_in_moving_ranges():
    # 10, NaN, 13, 12: moving ranges between available values 3 and 1 -> mean 2; mean 35/3.
    lim = xmr_limits([10, np.nan, 13, 12])
    assert lim.mean_moving_range == pytest.approx(2)
    assert lim.mean == pytest.approx(35 / 3)


def test_screening_large_moving_ranges():
    # Moving ranges 1 1 1 1 20 20 1 1 1 -> mean 47/9 = 5.222; the upper range limit is
    # 3.267 × 5.222 = 17.06, so the two ranges of 20 are left out -> mean of seven 1s = 1.
    values = [10, 11, 10, 11, 10, 30, 10, 11, 10, 11]
    assert xmr_limits(values).mean_moving_range == pytest.approx(47 / 9)
    assert xmr_limits(values, screen_moving_ranges=True).mean_moving_range == pytest.approx(1)


def test_xmr_limits_bad_inputs():
    with pytest.raises(NoDataError):
        xmr_limits([np.nan, np.nan])
    with pytest.raises(InputDataError, match="at least 2"):
        xmr_limits([5])
    with pytest.raises(ParameterError, match="longer than the series"):
        xmr_limits([1, 2, 3], baseline=5)
    with pytest.raises(ParameterError):
        xmr_limits([1, 2, 3], baseline=1)
    with pytest.raises(InputDataError, match="not numbers"):
        xmr_limits(["a", "b"])


# ------------------------------------------------------------------------------ rules

def test_each_rule_triggers_exactly_once():
    rules = spc_rules(EACH_RULE_ONCE, LIMITS, "higher_is_better")
    assert _positions(rules["outside_limits"]) == [3]
    assert _positions(rules["two_of_three"]) == [7, 9]
    assert _positions(rules["trend"]) == [11, 12, 13, 14, 15, 16]
    assert _positions(rules["shift"]) == [18, 19, 20, 21, 22, 23, 24]
    for col in ("outside_limits", "trend", "shift"):
        assert _episodes(rules[col]) == 1, col
    # (two_of_three fires in one window only: positions 7-9, flagging the two points beyond.)
    # Directions: the high point, two high points, a rising trend (so "high" even where the
    # points are below the mean) and a low shift.
    assert rules.loc[3, "direction"] == "high"
    assert rules.loc[[7, 9], "direction"].tolist() == ["high", "high"]
    assert set(rules.loc[11:16, "direction"]) == {"high"}
    assert set(rules.loc[18:24, "direction"]) == {"low"}
    assert rules.loc[18, "variation"] == "special_cause_concerning"
    assert rules.loc[11, "variation"] == "special_cause_improving"
    assert rules.loc[26, "variation"] == "common_cause"
    assert rules["special_cause"].sum() == 1 + 2 + 6 + 7


def test_no_rule_series_triggers_nothing():
    rules = spc_rules(NO_RULE, xmr_limits(NO_RULE), "lower_is_better")
    assert not rules[["outside_limits", "shift", "trend", "two_of_three",
                      "special_cause"]].to_numpy().any()
    assert set(rules["variation"]) == {"common_cause"}
    assert rules["direction"].isna().all()


WIDE = XmrLimits(mean=50.0, mean_moving_range=30.0, sigma=26.6, lpl=-29.8, upl=129.8,
                 n_points=12, trial=False)


def test_trend_needs_six_points_and_ties_neither_extend_nor_break():
    # Five rising points: no trend. Six: trend.
    assert not spc_rules([1, 2, 3, 4, 5], WIDE)["trend"].any()
    assert spc_rules([1, 2, 3, 4, 5, 6], WIDE)["trend"].all()
    # 1 2 3 3 4 5: the repeated 3 does not count, so five rising points -> no trend.
    assert not spc_rules([1, 2, 3, 3, 4, 5], WIDE)["trend"].any()
    # 1 2 3 3 4 5 6: six counted points; the repeated 3 inside the run is flagged with it.
    assert spc_rules([1, 2, 3, 3, 4, 5, 6], WIDE)["trend"].all()
    # A falling trend is "low".
    falling = spc_rules([9, 8, 7, 6, 5, 4], WIDE, "lower_is_better")
    assert set(falling["direction"]) == {"low"}
    assert set(falling["variation"]) == {"special_cause_improving"}
    # trend_length is a parameter (7 matches NHSRplotthedots' seven-point trend).
    assert not spc_rules([1, 2, 3, 4, 5, 6], WIDE, trend_length=7)["trend"].any()


def test_shift_needs_seven_points_and_points_on_the_mean_do_not_break_it():
    six_above = [51, 52, 51, 52, 51, 52]
    assert not spc_rules(six_above, WIDE)["shift"].any()
    assert spc_rules([*six_above, 51], WIDE)["shift"].all()
    # 51 52 50 51 52 51 52 51: the 50 sits on the mean; seven points above are counted
    # around it, so all eight are flagged (the on-mean point lies inside the run).
    on_mean = spc_rules([51, 52, 50, 51, 52, 51, 52, 51], WIDE)
    assert on_mean["shift"].all()
    # Six above, one below, then six above: no shift.
    assert not spc_rules([*six_above, 49, *six_above], WIDE)["shift"].any()


def test_two_of_three_same_side_only():
    # Beyond two sigma: > 63.3 or < 36.7 with LIMITS. 65, 50, 64 -> both high points flagged.
    assert _positions(spc_rules([65, 50, 64], LIMITS)["two_of_three"]) == [0, 2]
    # 65, 50, 35: one high and one low -> not the same side, no flag.
    assert not spc_rules([65, 50, 35], LIMITS)["two_of_three"].any()
    # 65, 50, 50, 64: the two high points are three apart, so no window of three holds both.
    assert not spc_rules([65, 50, 50, 64], LIMITS)["two_of_three"].any()


def test_on_a_limit_is_inside():
    rules = spc_rules([69.95, 30.05], LIMITS)
    assert not rules["outside_limits"].any()


def test_missing_points_are_skipped_and_unflagged():
    values = pd.Series([1, 2, np.nan, 3, 4, 5, 6], index=list("abcdefg"))
    rules = spc_rules(values, WIDE)
    assert list(rules.index) == list("abcdefg")
    assert rules["trend"].tolist() == [True, True, False, True, True, True, True]
    assert rules.loc["c", "variation"] is None


def test_spc_rules_bad_parameters():
    with pytest.raises(ParameterError, match="polarity"):
        spc_rules([1, 2], WIDE, "up")
    with pytest.raises(ParameterError, match="shift_length"):
        spc_rules([1, 2], WIDE, shift_length=0)


# ------------------------------------------------------------------------------ icons

def test_variation_icon_uses_the_latest_point():
    rising = spc_rules([1, 2, 3, 4, 5, 6], WIDE)
    assert variation_icon(rising, "higher_is_better") == "special_cause_improving"
    assert variation_icon(rising, "lower_is_better") == "special_cause_concerning"
    assert variation_icon(rising, "none") == "special_cause_neither"
    # The trend ended before the latest point: common cause now. (Mean 4, so no shift:
    # 1 2 3 below, 4 on the mean, 5 6 above, 3 below.)
    mid = XmrLimits(mean=4.0, mean_moving_range=30.0, sigma=26.6, lpl=-75.8, upl=83.8,
                    n_points=7, trial=True)
    ended = spc_rules([1, 2, 3, 4, 5, 6, 3], mid)
    assert ended["trend"].tolist() == [True] * 6 + [False]
    assert variation_icon(ended, "higher_is_better") == "common_cause"
    # A missing latest value: the last known point is judged.
    gap = spc_rules([1, 2, 3, 4, 5, 6, np.nan], WIDE)
    assert variation_icon(gap, "higher_is_better") == "special_cause_improving"
    with pytest.raises(NoDataError):
        variation_icon(spc_rules([np.nan], WIDE), "none")
    with pytest.raises(ParameterError):
        variation_icon(pd.DataFrame({"x": [1]}), "none")


@pytest.mark.parametrize(("target", "polarity", "expected"), [
    # LIMITS: LPL 30.05, UPL 69.95.
    (25, "higher_is_better", "consistently_passes"),   # the lower limit is above the target
    (75, "higher_is_better", "consistently_fails"),    # the upper limit is below the target
    (50, "higher_is_better", "hit_and_miss"),
    (30.05, "higher_is_better", "hit_and_miss"),        # a target on a limit
    (75, "lower_is_better", "consistently_passes"),
    (25, "lower_is_better", "consistently_fails"),
    (50, "lower_is_better", "hit_and_miss"),
    (None, "higher_is_better", "no_target"),
    (float("nan"), "lower_is_better", "no_target"),
    (50, "none", "no_target"),
])
def test_assurance_icon(target, polarity, expected):
    assert assurance_icon(LIMITS, target, polarity) == expected


# ------------------------------------------------------------------------------ table

def test_xmr_table_sorts_by_period_and_puts_icons_on_the_latest_row():
    periods = pd.period_range("2022-01", periods=len(NO_RULE), freq="M")
    df = pd.DataFrame({"period": periods, "value": NO_RULE}).iloc[::-1]  # newest first
    table = xmr_table(df, polarity="higher_is_better", target=45)
    assert table["period"].tolist() == list(periods)
    assert table["value"].tolist() == NO_RULE
    assert table["moving_range"].iloc[0] != table["moving_range"].iloc[0]  # NaN for the first
    assert table["moving_range"].iloc[1] == 3
    assert table["mean"].iloc[0] == pytest.approx(50.291667, abs=1e-6)
    assert not table["trial"].any()
    assert table["variation_icon"].iloc[:-1].isna().all()
    assert table["variation_icon"].iloc[-1] == "common_cause"
    # LPL 40.377 > target 45? No: 40.377 < 45 < 60.206 -> hit and miss.
    assert table["assurance_icon"].iloc[-1] == "hit_and_miss"


def test_xmr_table_trial_and_custom_columns():
    df = pd.DataFrame({"quarter": ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"],
                       "pct": [20.0, 22.0, 21.0, 23.0]})
    table = xmr_table(df, period_col="quarter", value_col="pct")
    assert table["trial"].all()
    assert table["assurance_icon"].iloc[-1] == "no_target"


def test_xmr_table_bad_inputs():
    with pytest.raises(InputDataError, match="missing"):
        xmr_table(pd.DataFrame({"period": [1, 2]}))
    with pytest.raises(InputDataError, match="more than once"):
        xmr_table(pd.DataFrame({"period": [1, 1, 2], "value": [1, 2, 3]}))
    with pytest.raises(InputDataError, match="not numbers"):
        xmr_table(pd.DataFrame({"period": [1, 2, 3], "value": [1, "c", 3]}))
    with pytest.raises(NoDataError):
        xmr_table(pd.DataFrame({"period": [], "value": []}))
