"""Tests for analysis.engine.intervals, .comparisons and .funnel_limits: intervals, comparisons,
funnel limits.

Where each expected number comes from is stated beside it: worked by hand (shown), a
published table, or a cross-check against statsmodels / scipy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from analysis.core.errors import InputDataError, ParameterError
from analysis.engine.comparisons import compare_to
from analysis.engine.funnel_limits import estimate_overdispersion, funnel_flags, funnel_limits
from analysis.engine.intervals import (
    byar_count_interval,
    derive_denominator,
    derive_numerator,
    exact_poisson_count_interval,
    level_label,
    poisson_count_interval,
    proportion_ci,
    rate_ci,
    wilson_interval,
    z_value,
)

# The repository's byte-identical copy of shared/reference-data/cin/c1_..._2013_to_2023.csv
# (DfE CIN census 2023 release, table C1), so these real-figure tests always run.
C1 = (Path(__file__).resolve().parents[1] / "data" / "raw" / "dfe" / "cin"
      / "c1_children_in_need_referrals_and_rereferrals_2013_to_2023.csv")
Z95 = 1.959963984540054  # standard normal 97.5th percentile (printed tables: 1.959964)


# ------------------------------------------------------------------------------ z values

def test_z_values_are_exact_quantiles_not_rounded():
    # Normal tables: z(0.975) = 1.959964, z(0.999) = 3.090232.
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.998) == pytest.approx(3.090232, abs=1e-6)
    assert z_value(0.95) != 1.96


@pytest.mark.parametrize("bad", [95, 0.3, 1.0, -0.95, "high", None])
def test_bad_level_is_a_parameter_error(bad):
    with pytest.raises(ParameterError):
        z_value(bad)


def test_level_labels():
    assert level_label(0.95) == "95"
    assert level_label(0.998) == "99_8"


# ------------------------------------------------------------------------------ Wilson

def test_wilson_zero_events_by_hand():
    # O = 0: lower = 0 and upper = z² / (n + z²) = 3.841459 / 13.841459 = 0.277533 (n = 10).
    lower, upper = wilson_interval(0, 10)
    assert lower == 0.0
    assert upper == pytest.approx(Z95**2 / (10 + Z95**2), abs=1e-12)
    assert upper == pytest.approx(0.277533, abs=1e-6)


def test_wilson_hundred_percent_by_hand():
    # O = n = 10: upper = 1 and lower = n / (n + z²) = 10 / 13.841459 = 0.722467.
    lower, upper = wilson_interval(10, 10)
    assert upper == 1.0
    assert lower == pytest.approx(0.722467, abs=1e-6)


def test_wilson_half_by_hand():
    # Fingertips formula, O = 5, n = 10, q = 0.5, z² = 3.841459:
    # (2O + z² ∓ z·sqrt(z² + 4Oq)) / (2(n + z²)) = (13.841459 ∓ 1.959964 × 3.720411) / 27.682918
    # = 6.549587 / 27.682918 = 0.236593 and 21.133331 / 27.682918 = 0.763407.
    lower, upper = wilson_interval(5, 10)
    assert lower == pytest.approx(0.236593, abs=1e-6)
    assert upper == pytest.approx(0.763407, abs=1e-6)


@pytest.mark.parametrize(("x", "n", "lo", "hi"), [
    # Newcombe RG (1998) Stat Med 17:857-872, Table I, method 3 (Wilson score), 4 d.p.
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_1998_published_examples(x, n, lo, hi):
    lower, upper = wilson_interval(x, n)
    assert lower == pytest.approx(lo, abs=5e-5)
    assert upper == pytest.approx(hi, abs=5e-5)


def test_wilson_vectorised_matches_statsmodels_at_both_levels():
    num = np.array([0, 1, 7, 50, 99, 100, 1429])
    den = np.array([100, 100, 30, 100, 100, 100, 5275])
    for level in (0.95, 0.998):
        lower, upper = wilson_interval(num, den, level)
        ref_lo, ref_hi = proportion_confint(num, den, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(lower, ref_lo, atol=1e-12)
        np.testing.assert_allclose(upper, ref_hi, atol=1e-12)
        assert isinstance(lower, np.ndarray)


def test_proportion_ci_is_in_percent_and_keeps_the_series_index():
    num = pd.Series([0, 10, 0, None], index=["a", "b", "c", "d"])
    den = pd.Series([10, 10, 0, 5], index=["a", "b", "c", "d"])
    lower, upper = proportion_ci(num, den)
    assert list(lower.index) == ["a", "b", "c", "d"]
    assert lower["a"] == 0.0 and upper["b"] == 100.0
    assert upper["a"] == pytest.approx(27.7533, abs=1e-4)  # 100 × 0.277533, see above
    # Denominator 0 and a missing numerator give NaN, not an error.
    assert math.isnan(lower["c"]) and math.isnan(upper["c"])
    assert math.isnan(lower["d"])


def test_wilson_bad_inputs():
    with pytest.raises(InputDataError, match="larger than its denominator"):
        wilson_interval([5, 11], [10, 10])
    with pytest.raises(InputDataError, match="negative"):
        wilson_interval(-1, 10)
    with pytest.raises(ParameterError, match="different lengths"):
        wilson_interval([1, 2, 3], [10, 10])
    with pytest.raises(ParameterError, match="numbers"):
        wilson_interval(["c"], [10])


# ------------------------------------------------------------------------------ Poisson counts

def test_exact_poisson_small_counts_by_hand():
    # With 2 degrees of freedom chi2.ppf(q, 2) = -2 ln(1 - q), so
    # O = 0: upper = chi2.ppf(0.975, 2) / 2 = -ln(0.025) = 3.688879;
    # O = 1: lower = chi2.ppf(0.025, 2) / 2 = -ln(0.975) = 0.025318.
    lower, upper = exact_poisson_count_interval(np.array([0, 1]))
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-math.log(0.025), rel=1e-12)
    assert lower[1] == pytest.approx(-math.log(0.975), rel=1e-12)


@pytest.mark.parametrize(("count", "lo", "hi"), [
    # Exact (Garwood) 95% limits, as tabulated e.g. in Daly (1992) Table 2:
    (1, 0.0253, 5.5716),
    (10, 4.7954, 18.3904),
    (100, 81.3640, 121.6268),
])
def test_exact_poisson_matches_tables(count, lo, hi):
    lower, upper = exact_poisson_count_interval(count)
    assert lower == pytest.approx(lo, abs=1e-4)
    assert upper == pytest.approx(hi, abs=1e-4)


def test_byar_by_hand_for_100_events():
    # O = 100, z = 1.959964:
    # lower = 100 × (1 − 1/900 − 1.959964/30)³ = 100 × 0.9335568³ = 100 × 0.813621 = 81.3621
    # upper = 101 × (1 − 1/909 + 1.959964/(3 × sqrt(101)))³ = 101 × 1.0639078³ = 101 × 1.204237 = 121.6279
    lower, upper = byar_count_interval(100)
    assert lower == pytest.approx(81.3621, abs=1e-4)
    assert upper == pytest.approx(121.6279, abs=1e-4)


def test_byar_is_within_0_2_percent_of_exact_from_10_events():
    # PHE Technical Guide "Confidence Intervals" (2018), Appendix 1: at 95% Byar's method is
    # within 0.2% of the exact value for numerators of 10 or more.
    counts = np.arange(10, 2001)
    b_lo, b_hi = byar_count_interval(counts)
    e_lo, e_hi = exact_poisson_count_interval(counts)
    assert np.max(np.abs(b_lo / e_lo - 1)) < 0.002
    assert np.max(np.abs(b_hi / e_hi - 1)) < 0.002


def test_poisson_interval_switches_to_byar_at_10():
    # Fingertips guidance "Rates": exact below 10 events, Byar's from 10 (PHEindicatormethods
    # phe_rate uses the same switch). Count 9: exact 4.1154-17.0848; count 10: Byar 4.7874-18.3915.
    lower, upper = poisson_count_interval(np.array([9, 10]))
    e_lo, e_hi = exact_poisson_count_interval(9)
    b_lo, b_hi = byar_count_interval(10)
    assert (lower[0], upper[0]) == (e_lo, e_hi)
    assert (lower[1], upper[1]) == (b_lo, b_hi)
    assert lower[0] == pytest.approx(4.1154, abs=1e-4)
    assert upper[1] == pytest.approx(18.3915, abs=1e-4)
    # The older APHO tools' switch at 389 is one argument away.
    lower389, _ = poisson_count_interval(100, exact_below=389)
    assert lower389 == pytest.approx(81.3640, abs=1e-4)


def test_rate_ci_scales_the_count_interval():
    # 9 events in 2,000 children: rate 45 per 10,000; exact limits 4.1154 and 17.0848 events
    # -> 20.577 and 85.424 per 10,000.
    lower, upper = rate_ci(9, 2000, per=10_000)
    assert lower == pytest.approx(4.115373 / 2000 * 10_000, rel=1e-5)
    assert upper == pytest.approx(17.084803 / 2000 * 10_000, rel=1e-5)
    # 0 events: lower 0, upper 3.688879 events.
    lower0, upper0 = rate_ci(0, 1000, per=1000)
    assert lower0 == 0.0 and upper0 == pytest.approx(3.688879, abs=1e-6)


def test_rate_ci_series_and_zero_population():
    count = pd.Series([10, 5], index=[371, 372])
    pop = pd.Series([1000, 0], index=[371, 372])
    lower, upper = rate_ci(count, pop, per=1000)
    assert list(lower.index) == [371, 372]
    assert lower[371] == pytest.approx(4.787450, abs=1e-5)  # Byar lower for 10, per 1,000 of 1,000
    assert math.isnan(lower[372]) and math.isnan(upper[372])
    with pytest.raises(ParameterError):
        rate_ci(10, 1000, per=0)


# ------------------------------------------------------------------------------ denominators

def test_derive_denominator_doncaster_referrals_2017():
    # C1 2017, Doncaster: 5,275 referrals at 804.1 per 10,000 -> 52,750,000 / 804.1 = 65,601.3.
    # 4,442 children referred at 677.2 per 10,000 -> 65,593.6: both imply the same 0-17
    # population within the rounding of the published rates (±0.05 / 677.2 = 0.007%).
    from_referrals = derive_denominator(5275, 804.1)
    from_children = derive_denominator(4442, 677.2)
    assert from_referrals == pytest.approx(65_601.3, abs=0.1)
    assert abs(from_referrals / from_children - 1) < 0.05 / 677.2 + 0.05 / 804.1


def test_derive_denominator_zero_value_and_numerator():
    out = derive_denominator(np.array([5, 5]), np.array([0, 50]), per=100)
    assert math.isnan(out[0]) and out[1] == 10
    # 27.1% of 5,275 referrals = 1,429.5 (the published count is 1,429).
    assert derive_numerator(27.1, 5275) == pytest.approx(1429.525)


# ------------------------------------------------------------------------------ compare_to

def test_compare_to_polarities_by_hand():
    # Interval 20-30 against 15 (below it), 25 (inside), 35 (above it).
    lo, hi = np.array([20.0] * 3), np.array([30.0] * 3)
    comp = np.array([15, 25, 35])
    assert list(compare_to(lo, hi, comp, "lower_is_better")) == ["worse", "similar", "better"]
    assert list(compare_to(lo, hi, comp, "higher_is_better")) == ["better", "similar", "worse"]
    assert list(compare_to(lo, hi, comp, "none")) == ["higher", "similar", "lower"]


def test_compare_to_edges_and_missing():
    # A comparator on a limit is inside; a missing limit or comparator is not compared.
    assert compare_to(20, 30, 20, "lower_is_better") == "similar"
    assert compare_to(20, 30, 30, "lower_is_better") == "similar"
    assert compare_to(float("nan"), 30, 25, "none") == "not compared"
    s = compare_to(pd.Series([20, None], index=["x", "y"]), pd.Series([30, 40], index=["x", "y"]),
                   10, "higher_is_better")
    assert s.to_dict() == {"x": "better", "y": "not compared"}


def test_compare_to_bad_inputs():
    with pytest.raises(ParameterError, match="polarity"):
        compare_to(1, 2, 3, "up")
    with pytest.raises(InputDataError, match="above its upper"):
        compare_to(5, 2, 3, "none")


def _doncaster_2017() -> tuple[int, int, float]:
    c1 = pd.read_csv(C1, encoding="utf-8-sig", dtype=str)
    row = c1[(c1["la_name"] == "Doncaster") & (c1["time_period"] == "2017")].iloc[0]
    england = c1[(c1["geographic_level"] == "National") & (c1["time_period"] == "2017")].iloc[0]
    return int(row["Re_referrals"]), int(row["Referrals"]), float(england["Re_referrals_percent"])


def test_doncaster_rereferrals_2017_worse_than_england_at_both_levels():
    # Real figures, DfE CIN census C1 (2023 release): Doncaster 2017 had 1,429 re-referrals out
    # of 5,275 referrals (27.1%); England 21.9%. Wilson 95% 25.91-28.31, 99.8% 25.24-29.02:
    # both exclude 21.9, and re-referrals are lower_is_better -> "worse".
    rerefs, refs, england = _doncaster_2017()
    assert (rerefs, refs, england) == (1429, 5275, 21.9)
    for level, (lo_exp, hi_exp) in {0.95: (25.908, 28.306), 0.998: (25.242, 29.021)}.items():
        lower, upper = proportion_ci(rerefs, refs, level)
        assert lower == pytest.approx(lo_exp, abs=1e-3)
        assert upper == pytest.approx(hi_exp, abs=1e-3)
        assert compare_to(lower, upper, england, "lower_is_better") == "worse"


# ------------------------------------------------------------------------------ funnels

def test_exact_binomial_funnel_by_hand():
    # n = 10, target 50%. Binomial(10, 0.5): F(1) = 11/1024, F(2) = 56/1024, F(7) = 968/1024,
    # F(8) = 1013/1024.
    # Upper 95% (p = 0.975): r = 8, alpha = (1013/1024 − 0.975) / (45/1024) = 14.6/45 = 0.324444,
    #   limit = (8 − 0.324444) / 10 = 76.7556%.
    # Lower 95% (p = 0.025): r = 2, alpha = (56/1024 − 0.025) / (45/1024) = 30.4/45 = 0.675556,
    #   limit = (2 − 0.675556) / 10 = 13.2444%.
    out = funnel_limits(50, [10], kind="proportion", levels=(0.95,))
    assert list(out.columns) == ["denominator", "target", "lower_95", "upper_95"]
    assert out.loc[0, "upper_95"] == pytest.approx(76.75556, abs=1e-5)
    assert out.loc[0, "lower_95"] == pytest.approx(13.24444, abs=1e-5)


def test_exact_poisson_funnel_by_hand():
    # Target 2 events per unit, denominator 1 -> Poisson(2): F(4) = 0.947347, F(5) = 0.983436.
    # Upper 95%: r = 5, alpha = (0.983436 − 0.975) / (0.983436 − 0.947347) = 0.233757,
    #   limit = 4.766243. Lower 95%: r = 0, alpha = (0.135335 − 0.025) / 0.135335 -> limit < 0 -> 0.
    out = funnel_limits(2, [1], kind="rate", per=1, levels=(0.95,))
    assert out.loc[0, "upper_95"] == pytest.approx(4.766236, abs=1e-5)
    assert out.loc[0, "lower_95"] == 0.0


def test_exact_funnel_approaches_normal_limits_for_large_denominators():
    # For n = 1,000,000 and 21.9% the exact limits are within 1/n of
    # p ± z·sqrt(p(1 − p)/n) = 21.9 ± 1.959964 × 0.041357% (95%) and ± 3.090232 × 0.041357% (99.8%).
    n, p = 1_000_000, 0.219
    out = funnel_limits(21.9, [n])
    se = math.sqrt(p * (1 - p) / n) * 100
    assert out.loc[0, "upper_95"] == pytest.approx(21.9 + Z95 * se, abs=2e-4)
    assert out.loc[0, "lower_99_8"] == pytest.approx(21.9 - 3.090232 * se, abs=2e-4)
    assert list(out.columns) == ["denominator", "target", "lower_95", "upper_95",
                                 "lower_99_8", "upper_99_8"]


def test_funnel_limits_at_zero_target_and_bad_inputs():
    out = funnel_limits(0, [50])
    assert (out[["lower_95", "upper_95", "lower_99_8", "upper_99_8"]].to_numpy() == 0).all()
    with pytest.raises(InputDataError, match="positive"):
        funnel_limits(20, [100, 0])
    with pytest.raises(InputDataError, match="whole numbers"):
        funnel_limits(20, [100.5])
    with pytest.raises(ParameterError, match="outside the possible range"):
        funnel_limits(120, [100])
    with pytest.raises(ParameterError, match="kind"):
        funnel_limits(20, [100], kind="ratio")
    with pytest.raises(ParameterError, match="units' figures"):
        funnel_limits(20, [100], overdispersion="additive")
    rate_est = estimate_overdispersion([40.0, 50, 60], [100, 100, 100], 50, kind="rate")
    with pytest.raises(ParameterError, match="another kind"):
        funnel_limits(20, [100], overdispersion="additive", estimate=rate_est)


def _five_units():
    # Five units of 100 around a 50% target: s = sqrt(0.25 / 100) = 0.05, so the values
    # 40, 45, 50, 55, 60% have z = −2, −1, 0, 1, 2.
    return np.array([40.0, 45, 50, 55, 60]), np.array([100] * 5)


def test_overdispersion_without_winsorising_by_hand():
    # phi = (4 + 1 + 0 + 1 + 4) / 5 = 2. Weights w = 1/s² = 400 each: sum 2000,
    # sum w² / sum w = 800000 / 2000 = 400 -> tau² = (5 × 2 − 4) / (2000 − 400) = 6/1600 = 0.00375.
    values, dens = _five_units()
    est = estimate_overdispersion(values, dens, 50, winsor=0)
    assert est.phi == pytest.approx(2.0)
    assert est.tau2 == pytest.approx(0.00375)
    assert est.n_units == 5


def test_overdispersion_winsorised_by_hand():
    # 10th and 90th percentiles of z (linear interpolation over 5 points, position 0.4 and 3.6)
    # are −1.6 and 1.6, so z_w = −1.6, −1, 0, 1, 1.6 and phi = (2.56 × 2 + 2) / 5 = 1.424;
    # tau² = (5 × 1.424 − 4) / 1600 = 3.12 / 1600 = 0.00195; p = chi2.sf(7.12, 4) = 0.1297.
    values, dens = _five_units()
    est = estimate_overdispersion(values, dens, 50)
    assert est.phi == pytest.approx(1.424)
    assert est.tau2 == pytest.approx(0.00195)
    assert est.p_value == pytest.approx(sps.chi2.sf(7.12, 4))
    assert est.p_value == pytest.approx(0.1297, abs=1e-4)


def test_overdispersed_funnel_limits_by_hand():
    values, dens = _five_units()
    est = estimate_overdispersion(values, dens, 50)
    # Additive, n = 100: 50 ± 1.959964 × sqrt(0.0025 + 0.00195) × 100 = 50 ± 13.0746.
    add = funnel_limits(50, [100], overdispersion="additive", estimate=est)
    assert add.loc[0, "upper_95"] == pytest.approx(50 + Z95 * math.sqrt(0.00445) * 100)
    assert add.loc[0, "upper_95"] == pytest.approx(63.0746, abs=1e-4)
    assert add.loc[0, "tau2"] == pytest.approx(0.00195)
    # Multiplicative, n = 100: 50 ± 1.959964 × sqrt(1.424) × 5 = 50 ± 11.6942.
    mult = funnel_limits(50, [100], overdispersion="multiplicative", values=values,
                         value_denominators=dens)
    assert mult.loc[0, "lower_95"] == pytest.approx(50 - Z95 * math.sqrt(1.424) * 5)
    assert mult.loc[0, "phi"] == pytest.approx(1.424)


def test_multiplicative_never_narrows_limits():
    # All five units exactly on target: phi = 0 < 1, so the limits are the plain normal ones,
    # 50 ± 1.959964 × 5 = 40.2002 to 59.7998.
    est = estimate_overdispersion([50.0] * 5, [100] * 5, 50)
    assert est.phi == 0 and est.tau2 == 0
    out = funnel_limits(50, [100], overdispersion="multiplicative", estimate=est)
    assert out.loc[0, "lower_95"] == pytest.approx(50 - Z95 * 5)


def test_funnel_flags_by_position():
    # Target 50%, n = 100: exact limits are 39.68-59.32 (95%) and 34.12-64.88 (99.8%).
    lim = funnel_limits(50, [100]).iloc[0]
    assert lim["upper_95"] == pytest.approx(59.3176, abs=1e-4)
    assert lim["upper_99_8"] == pytest.approx(64.8784, abs=1e-4)
    values = pd.Series([50, 62, 70, 38, 30, None], index=list("abcdef"))
    flags = funnel_flags(values, [100] * 6, 50)
    assert flags.to_dict() == {"a": "inside", "b": "above_95", "c": "above_99_8",
                               "d": "below_95", "e": "below_99_8", "f": "not compared"}
    assert funnel_flags(64.8784, 100, 50) == "above_95"  # within the 99.8% limit


def test_doncaster_is_above_the_99_8_funnel_limit_in_2017():
    # Real 2017 figures: 1,429 / 5,275 = 27.09% against England's 21.9%. With n = 5,275 the
    # exact 99.8% upper limit is 23.67%, so Doncaster is above it; with additive
    # over-dispersion estimated from all 151 LAs (phi about 44) the limits widen to roughly
    # 14-35% and Doncaster is inside them.
    c1 = pd.read_csv(C1, encoding="utf-8-sig", dtype=str)
    las = c1[(c1["geographic_level"] == "Local authority") & (c1["time_period"] == "2017")]
    num = pd.to_numeric(las["Re_referrals"], errors="coerce")
    den = pd.to_numeric(las["Referrals"], errors="coerce")
    ok = num.notna() & den.notna() & (den > 0)
    values = pd.Series((num[ok] / den[ok] * 100).to_numpy(), index=las.loc[ok, "la_name"])
    dens = den[ok].to_numpy()
    plain = funnel_flags(values, dens, 21.9)
    assert plain["Doncaster"] == "above_99_8"
    est = estimate_overdispersion(values, dens, 21.9)
    assert est.phi > 1 and est.tau2 > 0  # LAs vary far more than binomial chance allows
    adjusted = funnel_flags(values, dens, 21.9, overdispersion="additive", estimate=est)
    assert adjusted["Doncaster"] == "inside"
    # Exact limits put most LAs outside 99.8% (the over-dispersion problem); the additive
    # random-effects limits leave only a handful (under 5%) there.
    outside = {"above_99_8", "below_99_8"}
    assert plain.isin(outside).mean() > 0.5
    assert adjusted.isin(outside).mean() < 0.05
