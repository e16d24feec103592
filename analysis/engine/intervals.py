"""Confidence intervals, as OHID Fingertips computes them: for proportions (Wilson score) and
for counts and rates (Byar's method, with the exact Poisson interval for small counts); the
confidence levels they are worked at; and counts or denominators implied by published rates.

Pure functions, vectorised over scalars, numpy arrays and pandas Series (return types follow
the inputs, see :mod:`analysis.engine.array_inputs`). Whether an interval makes a difference
significant is :mod:`analysis.engine.comparisons`; funnel-plot limits are
:mod:`analysis.engine.funnel_limits`.

Scales. Our tidy tables store proportions as percentages (0-100) and rates "per ``per``"
(10,000 children by default). The public functions take and return those scales:
``proportion_ci`` returns percentages, ``rate_ci`` returns rates per ``per``; ``wilson_interval``
is the one function that works in proportions (0-1). The methods and their references are in
docs/methods/statistics.md.
"""

from __future__ import annotations

import math
import numbers
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

# scipy is imported inside the functions that need it (exact Poisson limits for small counts):
# a benchmark table needs none of it, and importing scipy.stats alone takes most of a second.
from analysis.core.errors import InputDataError, ParameterError
from analysis.engine.array_inputs import all_scalar, bad_rows, broadcast, index_of, wrap

__all__ = [
    "COMPARISON_LEVELS",
    "EXACT_BELOW",
    "byar_count_interval",
    "derive_denominator",
    "derive_numerator",
    "exact_poisson_count_interval",
    "level_label",
    "poisson_count_interval",
    "proportion_ci",
    "rate_ci",
    "wilson_interval",
    "z_value",
]

#: The two levels Fingertips shows: 95% (about 2 SD) and 99.8% (about 3 SD).
COMPARISON_LEVELS: tuple[float, float] = (0.95, 0.998)

#: OHID Fingertips technical guidance ("Rates"): Byar's method for counts of 10 or more,
#: the exact (chi-square) Poisson method below 10. Older APHO spreadsheet tools used 389.
EXACT_BELOW: float = 10


# --------------------------------------------------------------------------------------------
# Small helpers: levels, counts
# --------------------------------------------------------------------------------------------

def check_level(level: float, parameter: str = "level") -> float:
    try:
        level = float(level)
    except (TypeError, ValueError):
        level = math.nan
    if not 0.5 < level < 1:
        raise ParameterError(
            "the confidence level must be a proportion strictly between 0.5 and 1",
            parameter=parameter, expected="e.g. 0.95 or 0.998", found=repr(level),
            fix="give the level as a proportion: 0.95 for 95%, 0.998 for 99.8%",
        )
    return level


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for ``level`` (0.95 -> 1.959964, 0.998 -> 3.090232)."""
    level = check_level(level)
    return _normal_quantile(1 - (1 - level) / 2)


def _normal_quantile(p: float) -> float:
    """The standard normal quantile (the standard library's; it agrees with
    scipy.stats.norm.ppf to within 1e-15 and spares a table importing scipy)."""
    return NormalDist().inv_cdf(p)


def level_label(level: float) -> str:
    """Column-name label for a level: 0.95 -> "95", 0.998 -> "99_8"."""
    return f"{check_level(level) * 100:g}".replace(".", "_")


def _check_counts(count: np.ndarray, name: str, index: pd.Index | None) -> None:
    bad = count < 0
    if bad.any():
        raise InputDataError(
            f"{name} cannot be negative",
            column=name, rows=bad_rows(bad, index), expected="counts of 0 or more",
            found=f"{int(bad.sum())} negative value(s), e.g. {count[bad].reshape(-1)[0]:g}",
        )


# --------------------------------------------------------------------------------------------
# Proportions: Wilson score interval
# --------------------------------------------------------------------------------------------

def wilson_interval(numerator: Any, denominator: Any, level: float = 0.95):
    """Wilson (1927) score interval for a proportion, as proportions 0-1.

    The formula and arithmetic of ``statsmodels.stats.proportion.proportion_confint(
    method="wilson")`` (the same numbers to 1e-12; tests/test_lazy_imports.py checks), written
    out so that a table does not import statsmodels and scipy.
    0 events gives a lower limit of exactly 0, ``numerator == denominator`` an upper limit of
    exactly 1. A denominator of 0 or a missing value gives NaN for that row.
    Raises InputDataError for negative counts or a numerator above its denominator.
    """
    level = check_level(level)
    index, scalar = index_of(numerator, denominator), all_scalar(numerator, denominator)
    num, den = broadcast(["numerator", "denominator"], [numerator, denominator])
    _check_counts(num, "numerator", index)
    _check_counts(den, "denominator", index)
    over = num > den
    if over.any():
        raise InputDataError(
            "a numerator is larger than its denominator",
            column="numerator", rows=bad_rows(over, index),
            expected="numerator <= denominator for a proportion",
            found=f"e.g. {num[over].reshape(-1)[0]:g} out of {den[over].reshape(-1)[0]:g}",
            fix="check the two columns are not swapped and describe the same group",
        )
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    lower = np.full(num.shape, np.nan)
    upper = np.full(num.shape, np.nan)
    if ok.any():
        lo, hi = _wilson(num[ok], den[ok], alpha=1 - level)
        lower[ok] = np.clip(lo, 0.0, 1.0)
        upper[ok] = np.clip(hi, 0.0, 1.0)
        lower[ok & (num == 0)] = 0.0  # exact at the boundaries, not 1e-17
        upper[ok & (num == den)] = 1.0
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def _wilson(count: np.ndarray, nobs: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    crit = _normal_quantile(1 - alpha / 2.0)  # scipy.stats.norm.isf(alpha / 2)
    crit2 = crit**2
    q_ = count / nobs
    denom = 1 + crit2 / nobs
    center = (q_ + crit2 / (2 * nobs)) / denom
    dist = crit * np.sqrt(q_ * (1.0 - q_) / nobs + crit2 / (4.0 * nobs**2))
    dist /= denom
    return center - dist, center + dist


def proportion_ci(numerator: Any, denominator: Any, level: float = 0.95):
    """Wilson score interval as percentages 0-100: ``(lower_pct, upper_pct)``."""
    lower, upper = wilson_interval(numerator, denominator, level)
    return lower * 100, upper * 100


# --------------------------------------------------------------------------------------------
# Counts and rates: Byar's method and the exact Poisson interval
# --------------------------------------------------------------------------------------------

def exact_poisson_count_interval(count: Any, level: float = 0.95):
    """Exact (Garwood) Poisson interval for an observed count, via chi-square quantiles.

    lower = chi2.ppf(alpha/2, 2*O) / 2 (0 when O = 0); upper = chi2.ppf(1 - alpha/2, 2*O + 2) / 2,
    computed as scipy.stats computes chi2.ppf(q, 2k) / 2: ``scipy.special.gammaincinv(k, q)``.
    """
    from scipy.special import gammaincinv

    level = check_level(level)
    index, scalar = index_of(count), all_scalar(count)
    (obs,) = broadcast(["count"], [count])
    _check_counts(obs, "count", index)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(obs > 0, gammaincinv(np.where(obs > 0, obs, 1), alpha / 2), 0.0)
        upper = gammaincinv(obs + 1, 1 - alpha / 2)
    lower = np.where(np.isnan(obs), np.nan, lower)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def byar_count_interval(count: Any, level: float = 0.95):
    """Byar's approximation to the exact Poisson interval for an observed count O.

    lower = O * (1 - 1/(9O) - z/(3*sqrt(O)))**3, upper = (O+1) * (1 - 1/(9(O+1)) + z/(3*sqrt(O+1)))**3.
    The lower limit is undefined at O = 0 and is returned as 0 there.
    """
    z = z_value(level)
    index, scalar = index_of(count), all_scalar(count)
    (obs,) = broadcast(["count"], [count])
    _check_counts(obs, "count", index)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = obs * (1 - 1 / (9 * obs) - z / (3 * np.sqrt(obs))) ** 3
        upper = (obs + 1) * (1 - 1 / (9 * (obs + 1)) + z / (3 * np.sqrt(obs + 1))) ** 3
    lower = np.where(obs == 0, 0.0, lower)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def poisson_count_interval(count: Any, level: float = 0.95, exact_below: float = EXACT_BELOW):
    """Interval for a count as Fingertips does it: exact below ``exact_below``, else Byar's."""
    index, scalar = index_of(count), all_scalar(count)
    (obs,) = broadcast(["count"], [count])
    by_lo, by_hi = byar_count_interval(obs, level)
    small = obs < exact_below
    lower, upper = np.asarray(by_lo), np.asarray(by_hi)
    if small.any():  # the exact interval needs scipy: only worked out when a count is small
        ex_lo, ex_hi = exact_poisson_count_interval(obs, level)
        lower = np.where(small, ex_lo, by_lo)
        upper = np.where(small, ex_hi, by_hi)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def rate_ci(count: Any, population: Any, per: float = 10_000, level: float = 0.95,
            exact_below: float = EXACT_BELOW):
    """Interval for a crude rate ``count / population * per``: ``(lower, upper)`` per ``per``.

    The count is treated as Poisson: exact chi-square limits for counts below ``exact_below``
    (10, as in the Fingertips guidance), Byar's method from there up. A population of 0 or
    a missing value gives NaN.
    """
    index, scalar = index_of(count, population), all_scalar(count, population)
    obs, pop = broadcast(["count", "population"], [count, population])
    _check_counts(pop, "population", index)
    if not (isinstance(per, numbers.Real) and per > 0):
        raise ParameterError("the rate multiplier must be a positive number", parameter="per",
                             expected="e.g. 10000 for a rate per 10,000", found=repr(per))
    lo, hi = poisson_count_interval(obs, level, exact_below)
    with np.errstate(divide="ignore", invalid="ignore"):
        good = pop > 0
        lower = np.where(good, np.asarray(lo) / np.where(good, pop, 1) * per, np.nan)
        upper = np.where(good, np.asarray(hi) / np.where(good, pop, 1) * per, np.nan)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


# --------------------------------------------------------------------------------------------
# Denominators published only through a rate
# --------------------------------------------------------------------------------------------

def derive_denominator(numerator: Any, value: Any, per: float = 10_000):
    """Denominator implied by a published count and rate: ``numerator * per / value``.

    E.g. Doncaster 2017: 5,275 referrals at 804.1 per 10,000 children implies about 65,601
    children. Published rates are rounded, so the result is approximate (relative error up to
    about half a unit of the last published digit divided by the value); round it only for
    display. A value of 0 or a missing value gives NaN (no denominator can be implied).
    """
    index, scalar = index_of(numerator, value), all_scalar(numerator, value)
    num, val = broadcast(["numerator", "value"], [numerator, value])
    with np.errstate(divide="ignore", invalid="ignore"):
        den = np.where(val > 0, num * per / np.where(val > 0, val, 1), np.nan)
    return wrap(den, index, scalar, "denominator")


def derive_numerator(value: Any, denominator: Any, per: float = 100):
    """Count implied by a published value and its denominator: ``value * denominator / per``.

    For a percentage use ``per=100``. The result is not rounded to a whole number: the
    published value is itself rounded, so the count is only approximate.
    """
    index, scalar = index_of(value, denominator), all_scalar(value, denominator)
    val, den = broadcast(["value", "denominator"], [value, denominator])
    return wrap(val * den / per, index, scalar, "numerator")
